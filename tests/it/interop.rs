//! Interop tests: the real `ftpsh` binary against real FTP servers that each test starts
//! itself on 127.0.0.1 over a temporary directory, and kills when its guard drops.
//!
//! - vsftpd (Debian's package, installed by `.ci/run`): a LIST-only server (MLSD answers
//!   500), ASCII conversion when `ascii_{up,down}load_enable` is set, REST resume, and
//!   explicit TLS with `require_ssl_reuse=YES`, which only passes when every data
//!   connection resumes the control connection's TLS session. Needs root (vsftpd chroots
//!   anonymous sessions) and, for logins, the local user `ftpsh-test` that `.ci/run` makes.
//! - pyftpdlib (`tests/interop/pyftpd.py`, from PyPI): MLSD facts from another
//!   implementation, rename/delete, MDTM, names with spaces and non-ASCII characters.
//!
//! They cover what the in-process libunftp server cannot show. build.rs probes for each
//! server: outside CI a test whose server is missing is listed by `cargo test` as ignored,
//! with the reason; under CI (see build.rs for the one rule) it runs, and fails.
//! The `*_server_sanity` tests check the server set-up itself with suppaftp, so a broken
//! harness is told apart from a broken `ftpsh`.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::Command;
use suppaftp::types::FileType;
use suppaftp::{FtpStream, RustlsConnector, RustlsFtpStream};
use tempfile::TempDir;

use crate::util::{self, pattern};

/// The local system user `.ci/run` creates for vsftpd's login tests.
pub(crate) const VSFTPD_USER: &str = "ftpsh-test";
pub(crate) const VSFTPD_PASSWORD: &str = "ftpsh-test-pw";
/// The account pyftpd.py is started with (pyftpdlib keeps its own user table).
pub(crate) const PY_USER: &str = "alice";
pub(crate) const PY_PASSWORD: &str = "py-secret";

/// How long a server gets to start listening and greet.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Every ftpsh run is bounded.
const FTPSH_TIMEOUT: Duration = Duration::from_secs(60);
/// Control and data socket timeouts of the suppaftp sanity clients.
const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// Start attempts (a fresh port each time: the probed port can be taken meanwhile).
const START_ATTEMPTS: usize = 4;

const FIVE_MB: usize = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Environment checks. build.rs probes for the servers: outside CI a test whose server is
// missing is `#[ignore]`d (cargo lists it as ignored, with the reason); under CI
// (`cfg(ftpsh_ci)`, the one rule build.rs holds) it runs, and fails here.

/// Panics with `reason` when `ok` is false: the test was not ignored, so its server must be
/// there.
pub(crate) fn require(ok: bool, reason: &str) {
    if ok {
        return;
    }
    if cfg!(ftpsh_ci) {
        panic!("{reason} (CI: interop tests must run; `.ci/run` sets the machine up)");
    }
    panic!("{reason} (build.rs found it at build time: `touch build.rs` to probe again)");
}

pub(crate) fn is_root() -> bool {
    // /proc/self is owned by the process's effective user.
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn find_vsftpd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join("vsftpd"))
        .find(|p| p.is_file())
}

/// uid and gid of a local user, from /etc/passwd.
pub(crate) fn local_user(name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 4 && fields[0] == name {
            Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
        } else {
            None
        }
    })
}

fn python() -> String {
    std::env::var("FTPSH_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn has_pyftpdlib() -> bool {
    std::process::Command::new(python())
        .args(["-c", "import pyftpdlib"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The vsftpd binary (tests marked `ftpsh_skip_vsftpd`).
pub(crate) fn vsftpd() -> PathBuf {
    let bin = find_vsftpd();
    require(
        !cfg!(ftpsh_missing_vsftpd) && bin.is_some(),
        "vsftpd not installed",
    );
    require(is_root(), "vsftpd tests need root");
    bin.unwrap()
}

/// The vsftpd binary and the login user's ids (tests marked `ftpsh_skip_vsftpd_login`).
pub(crate) fn vsftpd_with_user() -> (PathBuf, (u32, u32)) {
    let bin = vsftpd();
    let user = local_user(VSFTPD_USER);
    require(
        !cfg!(ftpsh_missing_vsftpd_login) && user.is_some(),
        &format!("local user {VSFTPD_USER} does not exist (.ci/run creates it)"),
    );
    (bin, user.unwrap())
}

/// pyftpdlib must be importable (tests marked `ftpsh_skip_pyftpdlib`).
pub(crate) fn require_pyftpdlib() {
    require(
        !cfg!(ftpsh_missing_pyftpdlib) && has_pyftpdlib(),
        "pyftpdlib not installed",
    );
}

// ---------------------------------------------------------------------------------------
// Server processes.

/// A started server: killed and reaped on drop, then its ports are let go.
pub(crate) struct ServerGuard {
    child: Child,
    _ports: PortLease,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // SIGKILL cannot be ignored, so the wait is bounded.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server of ours on 127.0.0.1.
pub(crate) trait Loopback {
    fn port(&self) -> u16;

    fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.port())
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port()))
    }
}

impl Loopback for Vsftpd {
    fn port(&self) -> u16 {
        self.port
    }
}

impl Loopback for Pyftpd {
    fn port(&self) -> u16 {
        self.port
    }
}

/// The ports of a server started as a process: a block of [`PORT_BLOCK`], the first for its
/// control connection, the next ones for its passive range; held (a lock) until dropped.
pub(crate) struct PortLease {
    port: u16,
    _lock: fs::File,
}

/// Ports a server gets: its own and its passive range (`port + 1 ..= port + 41`).
const PORT_BLOCK: u16 = 64;

/// A block of ports for a server started as a process, outside the kernel's ephemeral
/// range (so no `bind(0)` can be given them before the server binds) and locked against
/// every other test process (nextest runs each test in a process of its own) with an
/// `flock` on a file named after the block. Two tests once picked the same port a moment
/// apart: both found it free, the second server failed to bind, and its readiness check got
/// a 220 from the first test's vsftpd, which it then ran against. A passive range of one
/// server could likewise take another's control port; blocks never overlap.
fn lease_ports() -> PortLease {
    use std::os::fd::AsRawFd;
    let (low, high) = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut n = t.split_whitespace().map(|x| x.parse::<u16>().ok());
            Some((n.next()??, n.next()??))
        })
        .unwrap_or((32768, 60999));
    let (from, to) = if low > 12_000 {
        (10_000, low)
    } else {
        (high.saturating_add(1), u16::MAX)
    };
    let blocks = (to - from) / PORT_BLOCK;
    let locks = std::env::temp_dir().join("ftpsh-test-ports");
    fs::create_dir_all(&locks).unwrap();
    for _ in 0..400 {
        let random = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        };
        let port = from + (random % u64::from(blocks)) as u16 * PORT_BLOCK;
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(locks.join(port.to_string()))
            .unwrap();
        // SAFETY: flock on a descriptor this function owns; no memory is involved.
        let held = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if held && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return PortLease { port, _lock: lock };
        }
    }
    panic!("no free block of {PORT_BLOCK} ports in {from}..{to}");
}

pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Waits until the server on `port` greets with 220, or fails with the reason. An implicit
/// FTPS server (`greets == false`) says nothing before the TLS handshake: accepting a
/// connection is ready enough.
fn wait_ready(child: &mut Child, port: u16, log: &Path, greets: bool) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "server exited with {status} before listening; log:\n{}",
                tail(log, 20)
            ));
        }
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            if !greets {
                return Ok(());
            }
            let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
            let mut banner = String::new();
            let _ = BufReader::new(stream).read_line(&mut banner);
            if banner.starts_with("220") {
                return Ok(());
            }
            // Anything else (vsftpd's "500 OOPS: ...") is a broken set-up: no retry helps.
            return Err(format!(
                "server on port {port} greeted with {banner:?}; log:\n{}",
                tail(log, 20)
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "server did not listen on port {port} within {READY_TIMEOUT:?}; log:\n{}",
                tail(log, 20)
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a server on a fresh free port, retrying with another port if it does not come up.
/// `spawn(port, attempt)` starts the process.
pub(crate) fn start_server(
    name: &str,
    log: &Path,
    greets: bool,
    mut spawn: impl FnMut(u16) -> std::io::Result<Child>,
) -> (ServerGuard, u16) {
    let mut errors = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let ports = lease_ports();
        let port = ports.port;
        let child = spawn(port).unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut guard = ServerGuard {
            child,
            _ports: ports,
        };
        match wait_ready(&mut guard.child, port, log, greets) {
            Ok(()) => return (guard, port),
            Err(e) => {
                let _ = writeln!(errors, "attempt {attempt}: {e}");
            }
        }
    }
    panic!("{name} did not start after {START_ATTEMPTS} attempts:\n{errors}");
}

pub(crate) fn write_file(path: &Path, contents: &[u8], mode: u32) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

pub(crate) fn make_dir(path: &Path, mode: u32) {
    fs::create_dir_all(path).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Compares big byte strings without dumping them into the panic message.
#[track_caller]
pub(crate) fn assert_same_bytes(actual: &[u8], expected: &[u8], what: &str) {
    if actual != expected {
        let first_diff = actual
            .iter()
            .zip(expected)
            .position(|(a, b)| a != b)
            .unwrap_or(actual.len().min(expected.len()));
        panic!(
            "{what}: contents differ: {} bytes vs {} expected, first difference at byte {first_diff}",
            actual.len(),
            expected.len()
        );
    }
}

#[track_caller]
pub(crate) fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub(crate) struct TlsFiles {
    pub(crate) ca_pem: PathBuf,
    pub(crate) cert_pem: PathBuf,
    pub(crate) key_pem: PathBuf,
    ca_der: rustls::pki_types::CertificateDer<'static>,
}

/// A CA and a leaf certificate for 127.0.0.1 signed by it (rustls rejects a self-signed
/// CA certificate used as an end entity, so the leaf must be separate).
pub(crate) fn make_certificates(dir: &Path) -> TlsFiles {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ftpsh interop test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let files = TlsFiles {
        ca_pem: dir.join("ca.pem"),
        cert_pem: dir.join("server-cert.pem"),
        key_pem: dir.join("server-key.pem"),
        ca_der: ca_cert.der().clone(),
    };
    write_file(&files.ca_pem, ca_cert.pem().as_bytes(), 0o644);
    write_file(&files.cert_pem, leaf_cert.pem().as_bytes(), 0o644);
    write_file(&files.key_pem, leaf_key.serialize_pem().as_bytes(), 0o600);
    files
}

// ---------------------------------------------------------------------------------------
// vsftpd

#[derive(Default, Clone, Copy)]
pub(crate) struct VsftpdOptions {
    /// Explicit TLS, required for local logins and their data (anonymous stays plain).
    pub(crate) tls: bool,
    /// ASCII mode converts line ends (vsftpd ignores TYPE A for data by default).
    pub(crate) ascii: bool,
    /// Implicit FTPS: TLS from the first byte (with `tls`).
    pub(crate) implicit: bool,
    /// anon_max_rate in bytes per second, so a download lasts long enough to interrupt.
    pub(crate) anon_max_rate: Option<u32>,
}

pub(crate) struct Vsftpd {
    // Field order is drop order: kill the server before removing its files.
    _guard: ServerGuard,
    pub(crate) port: u16,
    /// Root of anonymous sessions: root-owned 0755, files 0644 (read-only download).
    pub(crate) anon_root: PathBuf,
    /// Start directory of `ftpsh-test` logins, owned by that user (no chroot: vsftpd
    /// reports the full path in PWD).
    pub(crate) local_root: PathBuf,
    pub(crate) log: PathBuf,
    pub(crate) tls: Option<TlsFiles>,
    _dir: TempDir,
}

impl Vsftpd {
    /// `user`: uid/gid to give `local_root` to (None when the local user does not exist).
    pub(crate) fn start(bin: &Path, user: Option<(u32, u32)>, options: VsftpdOptions) -> Vsftpd {
        let dir = tempfile::Builder::new()
            .prefix("ftpsh-vsftpd-")
            .tempdir()
            .unwrap();
        // Local users chdir into local_root after dropping root: every parent must be
        // searchable.
        make_dir(dir.path(), 0o755);
        let anon_root = dir.path().join("anon");
        make_dir(&anon_root, 0o755);
        let local_root = dir.path().join("local");
        make_dir(&local_root, 0o755);
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&local_root, Some(uid), Some(gid)).unwrap();
        }
        // Our own empty secure_chroot_dir, so nothing depends on /var/run/vsftpd/empty.
        let empty = dir.path().join("empty");
        make_dir(&empty, 0o755);
        let log = dir.path().join("vsftpd.log");
        let tls = options.tls.then(|| make_certificates(dir.path()));
        let conf = dir.path().join("vsftpd.conf");

        let (guard, port) = start_server("vsftpd", &log, !options.implicit, |port| {
            // A per-instance passive range just above the control port; vsftpd picks a
            // random port in it and retries on EADDRINUSE.
            let pasv_min = port.saturating_add(1).min(65_000);
            let pasv_max = pasv_min + 40;
            let mut text = format!(
                "\
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
seccomp_sandbox=NO
secure_chroot_dir={empty}
pasv_enable=YES
pasv_min_port={pasv_min}
pasv_max_port={pasv_max}
port_enable=YES
connect_from_port_20=NO
anonymous_enable=YES
anon_root={anon}
no_anon_password=YES
anon_upload_enable=NO
anon_mkdir_write_enable=NO
local_enable=YES
write_enable=YES
local_root={local}
local_umask=022
chroot_local_user=NO
pam_service_name=vsftpd
dirmessage_enable=NO
use_localtime=NO
idle_session_timeout=120
data_connection_timeout=60
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file={log}
",
                empty = empty.display(),
                anon = anon_root.display(),
                local = local_root.display(),
                log = log.display(),
            );
            if options.ascii {
                text.push_str("ascii_upload_enable=YES\nascii_download_enable=YES\n");
            }
            if options.implicit {
                text.push_str("implicit_ssl=YES\n");
            }
            if let Some(rate) = options.anon_max_rate {
                let _ = writeln!(text, "anon_max_rate={rate}");
            }
            if let Some(tls) = &tls {
                // vsftpd 3.0.3 defaults ssl_ciphers to DES-CBC3-SHA, which rustls does not
                // offer; HIGH gives ECDHE + AES-GCM (TLS 1.3 suites are separate).
                let _ = write!(
                    text,
                    "\
ssl_enable=YES
rsa_cert_file={cert}
rsa_private_key_file={key}
ssl_ciphers=HIGH
ssl_request_cert=NO
require_ssl_reuse=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
allow_anon_ssl=NO
",
                    cert = tls.cert_pem.display(),
                    key = tls.key_pem.display(),
                );
            }
            write_file(&conf, text.as_bytes(), 0o600);
            let stderr = fs::File::create(dir.path().join("vsftpd.stderr"))?;
            std::process::Command::new(bin)
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(stderr.try_clone()?)
                .stderr(stderr)
                .spawn()
        });
        Vsftpd {
            _guard: guard,
            port,
            anon_root,
            local_root,
            log,
            tls,
            _dir: dir,
        }
    }

    pub(crate) fn ca_pem(&self) -> &Path {
        &self.tls.as_ref().expect("TLS variant").ca_pem
    }

    /// Adds a world-readable file for anonymous download.
    pub(crate) fn publish(&self, name: &str, contents: &[u8]) {
        write_file(&self.anon_root.join(name), contents, 0o644);
    }
}

// ---------------------------------------------------------------------------------------
// pyftpdlib

pub(crate) struct Pyftpd {
    _guard: ServerGuard,
    port: u16,
    /// The served directory (full permissions for PY_USER, read-only for anonymous).
    pub(crate) root: PathBuf,
    pub(crate) log: PathBuf,
    _dir: TempDir,
}

impl Pyftpd {
    pub(crate) fn start() -> Pyftpd {
        let dir = tempfile::Builder::new()
            .prefix("ftpsh-pyftpd-")
            .tempdir()
            .unwrap();
        let root = dir.path().join("root");
        make_dir(&root, 0o755);
        let log = dir.path().join("pyftpd.log");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyftpd.py");
        let (guard, port) = start_server("pyftpdlib", &log, true, |port| {
            let log_file = fs::File::create(&log)?;
            std::process::Command::new(python())
                .arg(&script)
                .arg(port.to_string())
                .arg(&root)
                .args([PY_USER, PY_PASSWORD])
                .stdin(Stdio::null())
                .stdout(log_file.try_clone()?)
                .stderr(log_file)
                .spawn()
        });
        Pyftpd {
            _guard: guard,
            port,
            root,
            log,
            _dir: dir,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Running ftpsh

/// The client side of a test: a HOME/data dir (so no real ~/.netrc or history is touched)
/// and a working directory for local files.
pub(crate) struct Client {
    home: TempDir,
    work: PathBuf,
}

impl Client {
    pub(crate) fn new() -> Client {
        let home = tempfile::Builder::new()
            .prefix("ftpsh-client-")
            .tempdir()
            .unwrap();
        let work = home.path().join("work");
        fs::create_dir(&work).unwrap();
        Client { home, work }
    }

    /// `ftpsh ARGS...` in the work dir: the shared deterministic environment (a cleared
    /// environment, so no SSL_CERT_FILE can make the test CA trusted), bounded.
    pub(crate) fn ftpsh(&self, args: &[&str]) -> Command {
        let mut cmd = util::ftpsh(&self.work, self.home.path());
        // `modtime` and listings print times: make local time UTC.
        cmd.args(args).env("TZ", "UTC").timeout(FTPSH_TIMEOUT);
        cmd
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.work.join(name)
    }
}

/// What one ftpsh run did, with the server's log for failure messages.
pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    server_log: String,
    command: String,
}

impl Outcome {
    #[track_caller]
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        if self.code != Some(code) {
            panic!(
                "`{}`: expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}\n--- server log (tail)\n{}",
                self.command,
                self.code
                    .map_or("none (killed: timed out?)".to_owned(), |c| c.to_string()),
                self.stdout,
                self.stderr,
                self.server_log,
            );
        }
        self
    }

    #[track_caller]
    pub(crate) fn success(&self) -> &Self {
        self.expect_code(0)
    }
}

pub(crate) fn run(mut cmd: Command, server_log: &Path) -> Outcome {
    let command = format!("{cmd:?}");
    let output = cmd.output().expect("run ftpsh");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        server_log: tail(server_log, 40),
        command,
    }
}

// ---------------------------------------------------------------------------------------
// suppaftp sanity clients (they check the servers, not ftpsh)

fn plain_ftp(addr: SocketAddr) -> FtpStream {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    FtpStream::connect_with_stream(tcp)
        .expect("greeting")
        .passive_stream_builder(data_stream)
}

fn data_stream(addr: SocketAddr) -> suppaftp::FtpResult<TcpStream> {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
        .map_err(suppaftp::FtpError::ConnectionError)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT)).ok();
    tcp.set_write_timeout(Some(IO_TIMEOUT)).ok();
    Ok(tcp)
}

fn tls_config(ca: &rustls::pki_types::CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // One config for control and data connections: its session cache is what lets the
    // data connections resume the control connection's session (require_ssl_reuse).
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn tls_ftp(addr: SocketAddr, ca: &rustls::pki_types::CertificateDer<'static>) -> RustlsFtpStream {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    RustlsFtpStream::connect_with_stream(tcp)
        .expect("greeting")
        .passive_stream_builder(data_stream)
        .into_secure(RustlsConnector::from(tls_config(ca)), "127.0.0.1")
        .expect("AUTH TLS")
}

/// The whole file through RETR, as the bytes on the wire.
fn retr_bytes<T: suppaftp::TlsStream>(ftp: &mut suppaftp::ImplFtpStream<T>, name: &str) -> Vec<u8> {
    let mut stream = ftp.retr_as_stream(name).expect("RETR");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).expect("read data connection");
    stream.finish().expect("226 after RETR");
    buf
}

// ---------------------------------------------------------------------------------------
// vsftpd: anonymous, plain FTP, LIST only

/// Anonymous vsftpd with hello.txt (6 bytes), big.bin (5 MiB) and a directory pub/.
pub(crate) fn anonymous_vsftpd(bin: &Path) -> (Vsftpd, Vec<u8>) {
    let server = Vsftpd::start(bin, None, VsftpdOptions::default());
    let big = pattern(FIVE_MB, 1);
    server.publish("hello.txt", b"hello\n");
    server.publish("big.bin", &big);
    make_dir(&server.anon_root.join("pub"), 0o755);
    (server, big)
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_server_sanity() {
    let bin = vsftpd();
    let (server, big) = anonymous_vsftpd(&bin);
    let mut ftp = plain_ftp(server.addr());
    ftp.login("anonymous", "ftpsh@").expect("anonymous login");
    ftp.transfer_type(FileType::Binary).unwrap();
    let list = ftp.list(None).expect("LIST");
    assert!(list.iter().any(|l| l.ends_with(" hello.txt")), "{list:?}");
    // The quirk ftpsh must handle: no MLSD/MLST, so `ls` falls back to LIST.
    let mlsd = ftp.mlsd(None);
    assert!(mlsd.is_err(), "vsftpd has no MLSD: {mlsd:?}");
    let features = ftp.feat().expect("FEAT");
    assert!(!features.contains_key("MLST"), "{features:?}");
    assert_eq!(ftp.size("big.bin").unwrap(), FIVE_MB);
    assert_same_bytes(&retr_bytes(&mut ftp, "big.bin"), &big, "RETR big.bin");
    ftp.resume_transfer(FIVE_MB / 2).unwrap();
    assert_same_bytes(
        &retr_bytes(&mut ftp, "big.bin"),
        &big[FIVE_MB / 2..],
        "REST + RETR",
    );
    // Anonymous sessions are read-only.
    assert!(ftp.put_file("up.txt", &mut &b"x"[..]).is_err());
    ftp.quit().unwrap();
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_ls_falls_back_to_list() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    // The plain host:port form of the URL.
    let out = run(
        client.ftpsh(&[&format!("127.0.0.1:{}", server.port), "-v", "-c", "ls"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, "big.bin\nhello.txt\npub\n");
    // vsftpd has no MLSD (FEAT lacks MLST): the listing came from LIST.
    let sent: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("--> "))
        .collect();
    assert!(sent.iter().any(|c| c.starts_with("LIST")), "{}", out.stderr);
    assert!(
        !sent.iter().any(|c| c.starts_with("MLSD")),
        "{}",
        out.stderr
    );
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_ls_long() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    let out = run(client.ftpsh(&[&server.url(), "-c", "ls -l"]), &server.log);
    out.success();
    let hello = out
        .stdout
        .lines()
        .find(|l| l.contains("hello.txt"))
        .unwrap_or_else(|| panic!("`ls -l` lacks hello.txt:\n{}", out.stdout));
    assert!(
        hello
            .split_whitespace()
            .any(|w| w == "6" || w == "6B" || w == "6b"),
        "`ls -l` line for hello.txt lacks its size 6: {hello:?}"
    );
    assert!(
        out.stdout.lines().any(|l| l.contains("pub")),
        "`ls -l` lacks pub:\n{}",
        out.stdout
    );
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_get_5mb_byte_for_byte() {
    let bin = vsftpd();
    let (server, big) = anonymous_vsftpd(&bin);
    let client = Client::new();
    run(
        client.ftpsh(&[&server.url(), "-c", "get big.bin"]),
        &server.log,
    )
    .success();
    assert_same_bytes(&read(&client.path("big.bin")), &big, "downloaded big.bin");
    assert!(
        !client.path("big.bin.part").exists(),
        "the .part file was left behind"
    );
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_cat() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    let out = run(
        client.ftpsh(&["-q", &server.url(), "-c", "cat hello.txt"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, "hello\n", "stdout carries only the file");
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_size() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "size big.bin"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout.trim(), FIVE_MB.to_string());
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_dir_prints_raw_list_and_passes_a_pattern_to_the_server() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    let out = run(client.ftpsh(&[&server.url(), "-c", "dir"]), &server.log);
    out.success();
    // vsftpd's own LIST line, untouched: "-rw-r--r--    1 0        0     6 Nov 25 11:40 hello.txt"
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("-rw-r--r--") && l.ends_with(" hello.txt")),
        "`dir` should print vsftpd's LIST lines:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with('d') && l.ends_with(" pub")),
        "`dir` should print vsftpd's LIST lines:\n{}",
        out.stdout
    );
    // A pattern goes to the server as it is (vsftpd expands it). It names no file, and
    // lines came back, so nothing asks whether it exists: only an empty answer must be
    // checked (vsftpd lists a missing path as empty).
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "dir *.txt"]),
        &server.log,
    );
    out.success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    assert!(lines[0].ends_with(" hello.txt"), "{}", out.stdout);
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "dir *.none"]),
        &server.log,
    );
    out.expect_code(5);
}

/// A glob that matches a link to a directory (`current -> pub`, as on mirrors): the link is
/// skipped with a warning and the files after it still come, with and without `-P`.
#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_get_glob_skips_a_link_to_a_directory_and_fetches_the_rest() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    server.publish("current.txt", b"now\n");
    std::os::unix::fs::symlink("pub", server.anon_root.join("current")).unwrap();
    let client = Client::new();
    for line in ["get cur*", "get -P 2 cur*"] {
        let _ = std::fs::remove_file(client.path("current.txt"));
        let out = run(client.ftpsh(&[&server.url(), "-c", line]), &server.log);
        out.success();
        assert!(
            out.stderr.contains("skipping current: not a file"),
            "{line}: {}",
            out.stderr
        );
        assert_eq!(read(&client.path("current.txt")), b"now\n", "{line}");
        assert!(!client.path("current").exists(), "{line}");
        // The JSON report calls the link skipped, the file complete.
        let _ = std::fs::remove_file(client.path("current.txt"));
        let out = run(
            client.ftpsh(&[&server.url(), "--json", "-c", line]),
            &server.log,
        );
        out.success();
        let outcomes: std::collections::BTreeMap<String, String> =
            util::json_of_type(&out.stdout, "transfer")
                .into_iter()
                .map(|t| {
                    (
                        t["remote"].as_str().unwrap().into(),
                        t["outcome"].as_str().unwrap().into(),
                    )
                })
                .collect();
        let want = [("current", "skipped"), ("current.txt", "complete")]
            .map(|(r, o)| (r.to_string(), o.to_string()));
        assert_eq!(outcomes, want.into(), "{line}: {}", out.stdout);
    }
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_get_missing_file_is_exit_5() {
    let bin = vsftpd();
    let (server, _) = anonymous_vsftpd(&bin);
    let client = Client::new();
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "get no-such-file.txt"]),
        &server.log,
    );
    out.expect_code(5);
    assert_eq!(
        util::error_lines(&out.stderr),
        ["get: no-such-file.txt: 550 Could not get file size."]
    );
    assert!(!client.path("no-such-file.txt").exists());
    assert!(!client.path("no-such-file.txt.part").exists());
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_anonymous_get_resume_completes_part_file() {
    let bin = vsftpd();
    let server = Vsftpd::start(&bin, None, VsftpdOptions::default());
    let contents = pattern(2 * 1024 * 1024 + 123, 7);
    server.publish("resume.bin", &contents);
    let client = Client::new();
    let half = contents.len() / 2;
    fs::write(client.path("resume.bin.part"), &contents[..half]).unwrap();
    run(
        client.ftpsh(&[&server.url(), "-c", "get -c resume.bin"]),
        &server.log,
    )
    .success();
    assert_same_bytes(
        &read(&client.path("resume.bin")),
        &contents,
        "resumed resume.bin",
    );
    assert!(!client.path("resume.bin.part").exists());
    // It resumed rather than downloading everything again.
    let log = fs::read_to_string(&server.log).unwrap();
    assert!(
        log.contains(&format!("\"REST {half}\"")),
        "no REST {half} in vsftpd's log:\n{}",
        tail(&server.log, 40)
    );
}

// ---------------------------------------------------------------------------------------
// vsftpd: ASCII mode

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_ascii_server_sanity() {
    let bin = vsftpd();
    let server = Vsftpd::start(
        &bin,
        None,
        VsftpdOptions {
            ascii: true,
            ..Default::default()
        },
    );
    server.publish("lf.txt", b"one\ntwo\n");
    server.publish("crlf.txt", b"one\r\ntwo\r\n");
    let mut ftp = plain_ftp(server.addr());
    ftp.login("anonymous", "ftpsh@").unwrap();
    ftp.transfer_type(FileType::Binary).unwrap();
    assert_eq!(retr_bytes(&mut ftp, "lf.txt"), b"one\ntwo\n");
    assert_eq!(retr_bytes(&mut ftp, "crlf.txt"), b"one\r\ntwo\r\n");
    ftp.transfer_type(FileType::Ascii(suppaftp::types::FormatControl::Default))
        .unwrap();
    // In ASCII mode the wire carries CRLF (network ASCII); an existing CR is not doubled.
    assert_eq!(retr_bytes(&mut ftp, "lf.txt"), b"one\r\ntwo\r\n");
    assert_eq!(retr_bytes(&mut ftp, "crlf.txt"), b"one\r\ntwo\r\n");
    ftp.quit().unwrap();
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_ascii_get_converts_crlf_to_lf() {
    let bin = vsftpd();
    let server = Vsftpd::start(
        &bin,
        None,
        VsftpdOptions {
            ascii: true,
            ..Default::default()
        },
    );
    server.publish("crlf.txt", b"one\r\ntwo\r\n");
    server.publish("lf.txt", b"one\ntwo\n");
    let client = Client::new();
    run(
        client.ftpsh(&[
            &server.url(),
            "-c",
            "binary; get -o crlf-binary.txt crlf.txt; \
             ascii; get -o crlf-ascii.txt crlf.txt; get -o lf-ascii.txt lf.txt",
        ]),
        &server.log,
    )
    .success();
    // Binary keeps the bytes; ASCII turns the wire's CRLF into local LF.
    assert_eq!(read(&client.path("crlf-binary.txt")), b"one\r\ntwo\r\n");
    assert_eq!(read(&client.path("crlf-ascii.txt")), b"one\ntwo\n");
    assert_eq!(read(&client.path("lf-ascii.txt")), b"one\ntwo\n");
}

// ---------------------------------------------------------------------------------------
// vsftpd: local user over explicit TLS with require_ssl_reuse=YES

pub(crate) fn tls_vsftpd() -> Vsftpd {
    let (bin, user) = vsftpd_with_user();
    Vsftpd::start(
        &bin,
        Some(user),
        VsftpdOptions {
            tls: true,
            ..Default::default()
        },
    )
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_tls_server_sanity() {
    let server = tls_vsftpd();
    let ca = &server.tls.as_ref().unwrap().ca_der;

    // force_local_logins_ssl: a plain login is refused.
    let mut plain = plain_ftp(server.addr());
    assert!(plain.login(VSFTPD_USER, VSFTPD_PASSWORD).is_err());
    drop(plain);

    let mut ftp = tls_ftp(server.addr(), ca);
    ftp.login(VSFTPD_USER, VSFTPD_PASSWORD)
        .expect("login over TLS");
    ftp.transfer_type(FileType::Binary).unwrap();
    assert_eq!(
        ftp.pwd().unwrap(),
        server.local_root.display().to_string(),
        "local_root is the start directory"
    );
    // Data connections must resume the control session (require_ssl_reuse=YES).
    let contents = pattern(1024 * 1024, 3);
    ftp.put_file("sanity.bin", &mut &contents[..])
        .expect("STOR over TLS");
    assert_same_bytes(
        &read(&server.local_root.join("sanity.bin")),
        &contents,
        "stored",
    );
    assert_same_bytes(
        &retr_bytes(&mut ftp, "sanity.bin"),
        &contents,
        "RETR over TLS",
    );
    let list = ftp.list(None).expect("LIST over TLS");
    assert!(list.iter().any(|l| l.ends_with(" sanity.bin")), "{list:?}");
    ftp.quit().unwrap();
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_tls_put_then_get_5mb() {
    let server = tls_vsftpd();
    let client = Client::new();
    let contents = pattern(FIVE_MB, 5);
    fs::write(client.path("up.bin"), &contents).unwrap();
    let ca = server.ca_pem().to_str().unwrap().to_owned();
    let mut cmd = client.ftpsh(&[
        "--tls",
        "--ca-file",
        &ca,
        "-u",
        VSFTPD_USER,
        &server.url(),
        "-c",
        "put up.bin; get -o back.bin up.bin",
    ]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    run(cmd, &server.log).success();
    assert_same_bytes(
        &read(&server.local_root.join("up.bin")),
        &contents,
        "uploaded up.bin",
    );
    assert_same_bytes(
        &read(&client.path("back.bin")),
        &contents,
        "downloaded back.bin",
    );
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_auto_tls_for_local_login() {
    // No --tls: vsftpd offers AUTH TLS in FEAT and refuses plain local logins, so this only
    // passes if ftpsh upgrades on its own (the default "auto" policy).
    let server = tls_vsftpd();
    let client = Client::new();
    fs::write(client.path("auto.txt"), b"auto tls\n").unwrap();
    let ca = server.ca_pem().to_str().unwrap().to_owned();
    let mut cmd = client.ftpsh(&[
        "--ca-file",
        &ca,
        "-u",
        VSFTPD_USER,
        &server.url(),
        "-c",
        "put auto.txt",
    ]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    run(cmd, &server.log).success();
    assert_eq!(read(&server.local_root.join("auto.txt")), b"auto tls\n");
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_tls_password_in_url() {
    let server = tls_vsftpd();
    let client = Client::new();
    let ca = server.ca_pem().to_str().unwrap().to_owned();
    let url = format!(
        "ftp://{VSFTPD_USER}:{VSFTPD_PASSWORD}@127.0.0.1:{}",
        server.port
    );
    let out = run(
        client.ftpsh(&["--tls", "--ca-file", &ca, &url, "-c", "pwd"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout.trim(), server.local_root.display().to_string());
    assert!(
        !out.stderr.contains(VSFTPD_PASSWORD),
        "the password was printed:\n{}",
        out.stderr
    );
}

/// What ftpsh says about a certificate from a CA it was not given (one line, no runs of
/// blanks: the message once carried its source indentation).
pub(crate) const UNTRUSTED: &str = "TLS certificate rejected: it is not signed by an authority this \
                         machine trusts (if you trust it, give it or its CA with --ca-file)";

/// `stderr` is the one error line of an untrusted certificate: [`UNTRUSTED`], then the
/// fingerprint to pin (see tests/it/trust.rs).
#[track_caller]
pub(crate) fn assert_untrusted(stderr: &str, what: &str) {
    let lines = util::error_lines(stderr);
    assert_eq!(lines.len(), 1, "[{what}] {lines:?}");
    let want = format!("ftpsh: {UNTRUSTED}; the certificate of 127.0.0.1:");
    assert!(lines[0].starts_with(&want), "[{what}] {lines:?}");
    assert!(
        lines[0].contains("connect with --pin sha256:"),
        "[{what}] {lines:?}"
    );
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_tls_without_ca_file_is_exit_7() {
    let server = tls_vsftpd();
    let client = Client::new();
    let mut cmd = client.ftpsh(&["--tls", "-u", VSFTPD_USER, &server.url(), "-c", "pwd"]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    let out = run(cmd, &server.log);
    out.expect_code(7);
    assert!(out.stdout.is_empty(), "nothing ran: {:?}", out.stdout);
    assert_untrusted(&out.stderr, "vsftpd");
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_tls_wrong_password_is_exit_4() {
    let server = tls_vsftpd();
    let client = Client::new();
    let ca = server.ca_pem().to_str().unwrap().to_owned();
    let mut cmd = client.ftpsh(&[
        "--tls",
        "--ca-file",
        &ca,
        "-u",
        VSFTPD_USER,
        &server.url(),
        "-c",
        "pwd",
    ]);
    cmd.env("FTPSH_PASSWORD", "not-the-password");
    let out = run(cmd, &server.log);
    out.expect_code(4);
    assert!(!out.stderr.contains("not-the-password"), "{}", out.stderr);
    assert_eq!(
        util::error_lines(&out.stderr),
        [format!(
            "ftpsh: login as {VSFTPD_USER} failed: 530 Login incorrect."
        )]
    );
}

// ---------------------------------------------------------------------------------------
// pyftpdlib: MLSD, file management, non-ASCII names

/// `ftpsh -u alice URL ARGS...` with the password in FTPSH_PASSWORD.
pub(crate) fn py_ftpsh(client: &Client, server: &Pyftpd, args: &[&str]) -> Command {
    let url = server.url();
    let mut all = vec!["-u", PY_USER, url.as_str()];
    all.extend_from_slice(args);
    let mut cmd = client.ftpsh(&all);
    cmd.env("FTPSH_PASSWORD", PY_PASSWORD);
    cmd
}

/// The object named `name` anywhere in a JSON document (an array of entries, or an object
/// holding one).
fn find_entry<'a>(value: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("name").and_then(|n| n.as_str()) == Some(name) {
                return Some(value);
            }
            map.values().find_map(|v| find_entry(v, name))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_entry(v, name)),
        _ => None,
    }
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_server_sanity() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    write_file(&server.root.join("a.txt"), b"abc", 0o644);
    let mut ftp = plain_ftp(server.addr());
    ftp.login(PY_USER, PY_PASSWORD).expect("login");
    ftp.transfer_type(FileType::Binary).unwrap();
    let mlsd = ftp.mlsd(None).expect("pyftpdlib has MLSD");
    assert!(
        mlsd.iter()
            .any(|l| l.contains("type=file;") && l.contains("size=3;") && l.ends_with(" a.txt")),
        "{mlsd:?}"
    );
    ftp.mkdir("dir with space").unwrap();
    ftp.put_file("dir with space/naïve file.txt", &mut &b"unicode\n"[..])
        .unwrap();
    assert_eq!(
        read(&server.root.join("dir with space/naïve file.txt")),
        b"unicode\n"
    );
    ftp.quit().unwrap();

    // Anonymous is read-only.
    let mut anon = plain_ftp(server.addr());
    anon.login("anonymous", "ftpsh@").expect("anonymous login");
    assert!(anon.put_file("nope.txt", &mut &b"x"[..]).is_err());
    assert!(anon.list(None).is_ok());
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_mkdir_put_and_ls_json() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    let client = Client::new();
    let contents = pattern(100_000, 11);
    fs::write(client.path("a.bin"), &contents).unwrap();
    let out = run(
        py_ftpsh(
            &client,
            &server,
            &["-c", "mkdir d; put -o d/a.bin a.bin; ls --json d"],
        ),
        &server.log,
    );
    out.success();
    assert!(server.root.join("d").is_dir());
    assert_same_bytes(&read(&server.root.join("d/a.bin")), &contents, "uploaded");
    let json = serde_json::Value::Array(crate::util::json_of_type(&out.stdout, "entry"));
    let entry = find_entry(&json, "a.bin")
        .unwrap_or_else(|| panic!("`ls --json d` lacks a.bin:\n{json:#}"));
    let kind = entry.get("type");
    assert_eq!(
        kind.and_then(|k| k.as_str()),
        Some("file"),
        "type of {entry}"
    );
    assert_eq!(
        entry.get("size").and_then(|s| s.as_u64()),
        Some(contents.len() as u64),
        "size of {entry}"
    );
}

/// A listing stopped at its entry cap while the server is still sending is aborted
/// (pyftpdlib: 426, then 226), and the NOOP after it finds the connection in step: the
/// next command runs on it, without a new login.
#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_listing_past_the_cap_is_aborted_and_the_session_carries_on() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    // About 400 KB of LIST lines: far more than the socket buffers hold, so the server is
    // still sending when the cap stops the listing.
    let big = server.root.join("big");
    fs::create_dir(&big).unwrap();
    for i in 0..4000 {
        fs::write(big.join(format!("file-with-a-long-name-{i:05}.dat")), b"").unwrap();
    }
    fs::write(server.root.join("hello.txt"), b"hello\n").unwrap();
    let client = Client::new();
    let out = run(
        py_ftpsh(
            &client,
            &server,
            &["-k", "-c", "set listing_limit 10; dir big; cat hello.txt"],
        ),
        &server.log,
    );
    out.expect_code(1);
    assert!(
        out.stderr.contains("exceeds 10 entries; stopped"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("reconnecting"), "{}", out.stderr);
    assert!(out.stdout.ends_with("hello\n"), "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 11, "{}", out.stdout);
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_mv_rm_rmdir() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    write_file(&server.root.join("d/old.txt"), b"moving\n", 0o644);
    write_file(&server.root.join("gone.txt"), b"bye\n", 0o644);
    make_dir(&server.root.join("empty"), 0o755);
    let client = Client::new();
    let out = run(
        py_ftpsh(
            &client,
            &server,
            &[
                "-c",
                "mv d/old.txt d/new.txt; rm gone.txt; rmdir empty; ls d",
            ],
        ),
        &server.log,
    );
    out.success();
    assert_eq!(read(&server.root.join("d/new.txt")), b"moving\n");
    assert!(!server.root.join("d/old.txt").exists());
    assert!(!server.root.join("gone.txt").exists());
    assert!(!server.root.join("empty").exists());
    assert_eq!(out.stdout, "new.txt\n");

    // Removing what is not there is a 550: exit 5, with the server's reason.
    let out = run(
        py_ftpsh(&client, &server, &["--no-tls", "-c", "rm gone.txt"]),
        &server.log,
    );
    out.expect_code(5);
    assert_eq!(
        util::error_lines(&out.stderr),
        ["rm: gone.txt: 550 No such file or directory."]
    );
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_modtime() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    let path = server.root.join("dated.txt");
    write_file(&path, b"x", 0o644);
    // 2021-03-04 05:06:07 UTC; pyftpdlib answers MDTM in UTC (20210304050607).
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_614_834_367);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let client = Client::new();
    let out = run(
        py_ftpsh(&client, &server, &["-c", "modtime dated.txt"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, "2021-03-04 05:06:07 UTC\n");
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_get_name_with_space_and_non_ascii() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    let contents = "ünïcödé contents\n".as_bytes();
    write_file(
        &server.root.join("dir with space/naïve file.txt"),
        contents,
        0o644,
    );
    let client = Client::new();
    let out = run(
        py_ftpsh(
            &client,
            &server,
            &[
                "-c",
                "ls \"dir with space\"; get \"dir with space/naïve file.txt\"",
            ],
        ),
        &server.log,
    );
    out.success();
    assert!(out.stdout.contains("naïve file.txt"), "{}", out.stdout);
    assert_eq!(read(&client.path("naïve file.txt")), contents);
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_anonymous_is_read_only() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    write_file(&server.root.join("readme.txt"), b"read me\n", 0o644);
    let client = Client::new();
    fs::write(client.path("up.txt"), b"nope\n").unwrap();
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "cat readme.txt"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, "read me\n");
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "put up.txt"]),
        &server.log,
    );
    out.expect_code(5);
    assert_eq!(
        util::error_lines(&out.stderr),
        ["put: up.txt: 550 Not enough privileges."]
    );
    assert!(!server.root.join("up.txt").exists());
}

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_chmod_changes_the_mode_and_a_listing_shows_it() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    write_file(&server.root.join("script.sh"), b"#!/bin/sh\n", 0o644);
    let client = Client::new();
    run(
        py_ftpsh(&client, &server, &["-c", "chmod 751 script.sh"]),
        &server.log,
    )
    .success();
    let mode = fs::metadata(server.root.join("script.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o751);
    // pyftpdlib offers the unix.mode fact without sending it (FEAT "unix.mode;" has no
    // star): ftpsh asks for it with OPTS MLST, so a listing shows the mode, not the RFC 3659
    // perm letters ("adfrw").
    let out = run(
        py_ftpsh(&client, &server, &["-c", "ls --json"]),
        &server.log,
    );
    out.success();
    let json = serde_json::Value::Array(crate::util::json_of_type(&out.stdout, "entry"));
    let entry = find_entry(&json, "script.sh")
        .unwrap_or_else(|| panic!("`ls --json` lacks script.sh:\n{json:#}"));
    assert_eq!(
        entry.get("permissions").and_then(|p| p.as_str()),
        Some("rwxr-x--x"),
        "permissions of {entry}"
    );
    let out = run(
        py_ftpsh(
            &client,
            &server,
            &["--no-tls", "-c", "chmod 600 missing.sh"],
        ),
        &server.log,
    );
    out.expect_code(5);
    assert_eq!(
        util::error_lines(&out.stderr),
        ["chmod: missing.sh: 550 No such file or directory."]
    );
}

// ---------------------------------------------------------------------------------------
// vsftpd: implicit FTPS, and ABOR

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_implicit_ftps_url() {
    let (bin, user) = vsftpd_with_user();
    let server = Vsftpd::start(
        &bin,
        Some(user),
        VsftpdOptions {
            tls: true,
            implicit: true,
            ..Default::default()
        },
    );
    let client = Client::new();
    fs::write(client.path("imp.txt"), b"implicit tls\n").unwrap();
    let ca = server.ca_pem().to_str().unwrap().to_owned();
    let url = format!("ftps://{VSFTPD_USER}@127.0.0.1:{}", server.port);
    let mut cmd = client.ftpsh(&[
        "--ca-file",
        &ca,
        &url,
        "-c",
        "put imp.txt; status; get -o back.txt imp.txt",
    ]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    let out = run(cmd, &server.log);
    out.success();
    assert!(
        out.stdout.contains("TLS: implicit, TLSv1."),
        "{}",
        out.stdout
    );
    assert_eq!(read(&client.path("back.txt")), b"implicit tls\n");
    // Without the CA the handshake fails before any reply: exit 7.
    let mut cmd = client.ftpsh(&[&url, "-c", "pwd"]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    let out = run(cmd, &server.log);
    out.expect_code(7);
    assert_untrusted(&out.stderr, "vsftpd implicit");
}

/// Ctrl-C in the shell during a vsftpd download: ABOR (vsftpd answers 426 then 225, which
/// suppaftp does not expect), the .part is kept, and the same connection serves the next
/// command without a reconnect.
#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_ctrl_c_aborts_and_the_shell_carries_on() {
    use expectrl::{ControlCode, Eof, Expect, Regex};
    let bin = vsftpd();
    let server = Vsftpd::start(
        &bin,
        None,
        VsftpdOptions {
            anon_max_rate: Some(2_000_000),
            ..Default::default()
        },
    );
    // 4 MiB of data, then sparse up to 200 MB (no disk): at 2 MB/s it never finishes here.
    let big = server.anon_root.join("big.bin");
    let head = pattern(4 * 1024 * 1024, 13);
    let mut file = fs::File::create(&big).unwrap();
    std::io::Write::write_all(&mut file, &head).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    drop(file);
    fs::set_permissions(&big, fs::Permissions::from_mode(0o644)).unwrap();
    server.publish("small.txt", b"small\n");
    let client = Client::new();
    let mut p = crate::pty::spawn_shell_in(&client.work, client.home.path(), &[&server.url()]);
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("get big.bin").unwrap();
    p.expect(Regex(r"big\.bin.*ETA")).unwrap();
    // The bar is drawn before the first byte: wait for bytes on disk, or the empty .part is
    // (rightly) removed and the assertions below have nothing to look at.
    crate::util::wait_for_bytes(&client.path("big.bin.part"));
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("get: big.bin: interrupted").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("cat small.txt").unwrap();
    let seen = p.expect(Regex(r"small\r?\n")).unwrap();
    let between = String::from_utf8_lossy(seen.before()).into_owned();
    assert!(!between.contains("reconnect"), "{between}");
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    // The .part holds the start of the server's file, byte for byte, and not all of it.
    let part = read(&client.path("big.bin.part"));
    assert!(
        !part.is_empty() && part.len() < 200 * 1024 * 1024,
        "{}",
        part.len()
    );
    let n = part.len().min(head.len());
    assert_same_bytes(&part[..n], &head[..n], "the kept .part");
    assert!(
        part[n..].iter().all(|&b| b == 0),
        "the kept .part differs from the server's file after its first {n} bytes"
    );
    assert!(!client.path("big.bin").exists());
    let log = fs::read_to_string(&server.log).unwrap_or_default();
    assert!(log.contains("ABOR"), "{}", tail(&server.log, 30));
}

// ---------------------------------------------------------------------------------------
// Trees: mirror and get -P against real servers

/// A small tree under `root`: nesting, a non-ASCII name, a name with a space, an empty
/// file, an empty directory, a bigger file. World-readable (vsftpd's anonymous sessions).
/// `README` gets a time two hours ago (LIST shows the minute); the others get times in 2020
/// (LIST shows the day alone).
pub(crate) fn mirror_tree(root: &Path) {
    let files: [(&str, Vec<u8>); 5] = [
        ("README", b"read me\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("docs/grüße.txt", "grüße\n".as_bytes().to_vec()),
        ("docs/with space.txt", b"space\n".to_vec()),
        ("data/deep/big.bin", pattern(300_000, 21)),
    ];
    for (i, (name, data)) in files.iter().enumerate() {
        let p = root.join(name);
        for dir in p.ancestors().skip(1).take_while(|d| d.starts_with(root)) {
            make_dir(dir, 0o755);
        }
        write_file(&p, data, 0o644);
        let t = if *name == "README" {
            // Recent, with seconds that a minute-precision LIST line drops.
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            SystemTime::UNIX_EPOCH + Duration::from_secs(now / 60 * 60 - 7200 + 47)
        } else {
            // Old, and late in the day, far from the midnight a day-precision line shows.
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_590_000_000 + i as u64 * 90_000)
        };
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    make_dir(&root.join("emptydir"), 0o755);
}

/// The one `summary` object of a `--json` run.
pub(crate) fn json_summary(out: &Outcome) -> serde_json::Value {
    let s = util::json_of_type(&out.stdout, "summary");
    assert_eq!(s.len(), 1, "{}\n{}", out.stdout, out.stderr);
    s[0].clone()
}

/// `mirror` from vsftpd, whose only listing is LIST (times to the minute, or the day): the
/// tree arrives byte for byte, and a rerun finds nothing to transfer although the local
/// times are the listing's coarse ones.
#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_mirror_over_list_copies_a_tree_and_a_rerun_transfers_nothing() {
    let bin = vsftpd();
    let server = Vsftpd::start(&bin, None, VsftpdOptions::default());
    let site = server.anon_root.join("site");
    mirror_tree(&site);
    let client = Client::new();
    let out = run(
        client.ftpsh(&[&server.url(), "-v", "--json", "-c", "mirror site copy"]),
        &server.log,
    );
    out.success();
    crate::mirror::assert_same_tree(&client.path("copy"), &site);
    let s = json_summary(&out);
    assert_eq!(
        (s["files"].as_u64(), s["done"].as_u64()),
        (Some(5), Some(5)),
        "{s}"
    );
    assert!(out.stderr.contains("--> LIST site"), "{}", out.stderr);
    assert!(!out.stderr.contains("--> MLSD"), "{}", out.stderr);

    let again = run(
        client.ftpsh(&[&server.url(), "--json", "-c", "mirror site copy"]),
        &server.log,
    );
    again.success();
    let s = json_summary(&again);
    assert_eq!(
        (s["files"].as_u64(), s["dirs_made"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert!(
        util::json_of_type(&again.stdout, "transfer").is_empty(),
        "{}",
        again.stdout
    );

    // A copy whose times are the server's own, to the second (as `cp -p` leaves them):
    // within the listing's precision of the LIST times, so still nothing to transfer.
    for f in [
        "README",
        "empty.txt",
        "docs/grüße.txt",
        "docs/with space.txt",
        "data/deep/big.bin",
    ] {
        let exact = fs::metadata(site.join(f)).unwrap().modified().unwrap();
        fs::File::options()
            .write(true)
            .open(client.path(&format!("copy/{f}")))
            .unwrap()
            .set_modified(exact)
            .unwrap();
    }
    let exact = run(
        client.ftpsh(&[&server.url(), "--json", "-c", "mirror site copy"]),
        &server.log,
    );
    exact.success();
    assert_eq!(json_summary(&exact)["files"], 0, "{}", exact.stdout);
}

/// `get -P 4` from vsftpd: every worker logs in anonymously like the shell did, and the
/// files arrive byte for byte. The server paces each session so the four workers overlap.
#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_get_p4_logs_each_worker_in_anonymously() {
    let bin = vsftpd();
    let server = Vsftpd::start(
        &bin,
        None,
        VsftpdOptions {
            anon_max_rate: Some(200_000),
            ..Default::default()
        },
    );
    let files: Vec<(String, Vec<u8>)> = (0..8)
        .map(|i| {
            (
                format!("f{i}.bin"),
                pattern(60_000 + i * 1000, i as u64 + 40),
            )
        })
        .collect();
    for (name, data) in &files {
        server.publish(name, data);
    }
    let client = Client::new();
    fs::create_dir(client.path("out")).unwrap();
    let out = run(
        client.ftpsh(&[&server.url(), "-c", "get -P 4 -o out/ 'f*.bin'"]),
        &server.log,
    );
    out.success();
    for (name, data) in &files {
        assert_same_bytes(&read(&client.path(&format!("out/{name}"))), data, name);
    }
    assert!(
        out.stderr
            .contains("get: 8 files: 8 done, 0 skipped, 0 failed;"),
        "{}",
        out.stderr
    );
    // The shell's login and one per worker, all anonymous; the RETRs come from more than
    // one session.
    let log = fs::read_to_string(&server.log).unwrap();
    let logins = log.lines().filter(|l| l.contains("OK LOGIN")).count();
    let anonymous = log
        .lines()
        .filter(|l| l.contains("OK LOGIN") && l.contains("anon password"))
        .count();
    assert_eq!((logins, anonymous), (5, 5), "{}", tail(&server.log, 60));
    let retr_pids: std::collections::BTreeSet<&str> = log
        .lines()
        .filter(|l| l.contains("\"RETR "))
        .filter_map(|l| l.split("[pid ").nth(1)?.split(']').next())
        .collect();
    assert!(retr_pids.len() > 1, "{}", tail(&server.log, 60));
}

/// `mirror` and `mirror -R` against pyftpdlib (MLSD, MFMT): each copies the tree byte for
/// byte, each rerun transfers nothing, and `mirror -R --delete --yes` removes on the server
/// the file removed locally, and nothing else.
#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_mirror_both_ways_reruns_transfer_nothing_and_delete_removes() {
    require_pyftpdlib();
    let server = Pyftpd::start();
    let site = server.root.join("site");
    mirror_tree(&site);
    let client = Client::new();
    let mirror = |cmd: &str| {
        let out = run(
            py_ftpsh(&client, &server, &["-v", "--json", "-c", cmd]),
            &server.log,
        );
        out.success();
        out
    };

    let down = mirror("mirror site copy");
    crate::mirror::assert_same_tree(&client.path("copy"), &site);
    assert_eq!(json_summary(&down)["done"], 5, "{}", down.stdout);
    assert!(down.stderr.contains("--> MLSD site"), "{}", down.stderr);
    let again = mirror("mirror site copy");
    assert_eq!(json_summary(&again)["files"], 0, "{}", again.stdout);

    // Upload the local copy to a new remote directory.
    let up = mirror("mirror -R copy up");
    let uploaded = server.root.join("up");
    crate::mirror::assert_same_tree(&uploaded, &client.path("copy"));
    assert_eq!(json_summary(&up)["done"], 5, "{}", up.stdout);
    let again = mirror("mirror -R copy up");
    let s = json_summary(&again);
    assert_eq!(
        (s["files"].as_u64(), s["dirs_made"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );

    fs::remove_file(client.path("copy/docs/grüße.txt")).unwrap();
    let del = mirror("mirror -R --delete --yes copy up");
    assert!(!uploaded.join("docs/grüße.txt").exists());
    crate::mirror::assert_same_tree(&uploaded, &client.path("copy"));
    let s = json_summary(&del);
    assert_eq!(
        (s["deleted"].as_u64(), s["files"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
}
