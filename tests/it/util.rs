//! Shared test plumbing: a server root, a local working directory and a deterministic
//! environment for the `ftpsh` binary (no colour, fixed width, history and HOME in temp dirs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

use crate::server::{ServerOpts, TestServer};

pub struct Env {
    pub root: TempDir,
    pub local: TempDir,
    pub home: TempDir,
    pub server: TestServer,
}

impl Env {
    /// An anonymous plain-FTP server over a fresh root.
    pub fn new() -> Env {
        Env::with(ServerOpts::default())
    }

    pub fn with(opts: ServerOpts) -> Env {
        let root = TempDir::new().unwrap();
        let server = TestServer::start_with(root.path(), opts);
        Env {
            root,
            local: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            server,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A file on the server side, written directly into the root.
    pub fn remote_file(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.root.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn local_file(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.local.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn local(&self, rel: &str) -> PathBuf {
        self.local.path().join(rel)
    }

    pub fn remote(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// `ftpsh` with no URL, run in the local directory.
    pub fn cmd(&self) -> Command {
        ftpsh(self.local.path(), self.home.path())
    }

    /// `ftpsh URL -c CMDS`.
    pub fn run(&self, cmds: &str) -> Command {
        let mut c = self.cmd();
        c.arg(self.url()).arg("-c").arg(cmds);
        c
    }
}

pub fn ftpsh(cwd: &Path, home: &Path) -> Command {
    let mut c = Command::from_std(ftpsh_std(cwd, home));
    c.timeout(Duration::from_secs(120));
    c
}

/// The `ftpsh` binary with the deterministic test environment, as a plain std command (for
/// tests that spawn it themselves: in a pty, or to send it a signal).
pub fn ftpsh_std(cwd: &Path, home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("ftpsh"));
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("FTPSH_DATA_DIR", home.join("data"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80");
    // A test run started under `nohup` (or by a shell that ignores SIGHUP) would hand the
    // ignored signal down, and a test that closes the terminal would wait on a shell that
    // cannot hear it: every ftpsh starts with SIGHUP at its default.
    // SAFETY: `signal` is async-signal-safe, the only call made between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        c.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_DFL);
            Ok(())
        });
    }
    c
}

/// Deterministic pseudo-random bytes (xorshift), so big-file tests need no rand crate and
/// a corrupted byte anywhere is caught.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The JSON objects of an NDJSON text, one per line; a line that is not JSON fails the test.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}")))
        .collect()
}

/// The `data` of every object of type `kind` in an NDJSON text.
pub fn json_of_type(text: &str, kind: &str) -> Vec<serde_json::Value> {
    json_lines(text)
        .into_iter()
        .filter(|v| v["type"] == kind)
        .map(|v| v["data"].clone())
        .collect()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits (bounded: 30 s) until `path` holds at least one byte: the state a test is about to
/// act on, rather than a proxy such as a progress bar drawn before the first byte.
pub fn wait_for_bytes(path: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(path).map_or(0, |m| m.len()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} still empty after 30 s",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `ftpsh ARGS` in the background, stdin closed, output captured (for tests that interrupt
/// it or time it).
pub fn spawn_batch(env: &Env, args: &[&str]) -> std::process::Child {
    ftpsh_std(env.local.path(), env.home.path())
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// A port on 127.0.0.1 where a connection is refused, and the socket that keeps it so: bound
/// and never listening, so the kernel refuses connections to it and no other test's server
/// can be given the port while the socket lives. (A listener bound and dropped frees the
/// port, and with tests running side by side the next `bind(0)` could get it: a connection
/// meant to be refused then reached another test's server.)
pub fn refusing_port() -> (socket2::Socket, u16) {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    s.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("bind 127.0.0.1:0");
    let port = s
        .local_addr()
        .expect("bound address")
        .as_socket()
        .expect("an IP address")
        .port();
    (s, port)
}

/// SIGINT to `pid`, as Ctrl-C at a terminal would send it.
pub fn interrupt(pid: u32) {
    std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
}

/// Waits at most `limit` for `child` to end; past it the child is killed and the test
/// fails with `what` (a hang is a failure, never a test that waits forever).
#[track_caller]
pub fn wait_bounded(
    child: &mut std::process::Child,
    limit: Duration,
    what: &str,
) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} (killed after {limit:?})");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls `f` (every 10 ms, for at most 30 s) until it returns true.
pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether a client socket connected to `port` on 127.0.0.1 is in CLOSE_WAIT: the server
/// has closed the connection and the client has not noticed yet. The state a test waits
/// for after a server's idle timeout, instead of sleeping past the timeout.
pub fn server_closed_connection_to(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    table.lines().skip(1).any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() > 3 && f[2].rsplit(':').next() == Some(&format!("{port:04X}")) && f[3] == "08"
    })
}

/// Whether a process named `comm` runs in the process group `pgid` (a child that ftpsh
/// started, e.g. for `!sleep 20`).
pub fn process_in_group(pgid: u32, comm: &str) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    dir.filter_map(Result::ok).any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold blanks and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            return false;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        &stat[open + 1..close] == comm && fields.get(2) == Some(&pgid.to_string().as_str())
    })
}

/// `ftpsh ARGS` reading commands from a pipe the test writes to as it goes: the test sends
/// the next command once the state it needs is reached. Every wait is bounded, and the
/// process is killed if the test gives up on it.
pub struct Piped {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Piped {
    pub fn spawn(env: &Env, args: &[&str]) -> Piped {
        use std::io::{BufRead, Read};
        use std::process::Stdio;
        let mut child = ftpsh_std(env.local.path(), env.home.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Piped {
            child,
            stdin,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Writes `text` (commands, each ending in a newline) to ftpsh's stdin.
    pub fn send(&mut self, text: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// The process id (the soak test samples /proc/PID).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (until `deadline`) for the stdout line `want`, failing on any other line, on a
    /// hang (ftpsh is killed) and on ftpsh ending first (its stderr shown).
    pub fn expect_line(&mut self, want: &str, deadline: std::time::Instant) {
        use std::sync::mpsc::RecvTimeoutError;
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(line) if line == want => {}
            Ok(line) => panic!("unexpected output {line:?} while waiting for {want:?}"),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!("no {want:?} on stdout in time: a hang");
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().unwrap();
                let err = self.stderr.take().unwrap().join().unwrap();
                panic!("ftpsh ended ({status}) before {want:?}; stderr:\n{err}");
            }
        }
    }

    /// `echo MARK` and waits for it: every command sent before it has finished.
    pub fn sync(&mut self, mark: &str, deadline: std::time::Instant) {
        self.send(&format!("echo {mark}\n"));
        self.expect_line(mark, deadline);
    }

    /// The next line ftpsh prints on stdout (waits at most 30 s).
    pub fn line(&mut self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("no line on stdout within 30 s ({e})"))
    }

    /// Closes stdin and waits (at most 60 s) for ftpsh to end: its exit code, the rest of
    /// its stdout and all of its stderr.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("ftpsh did not end within 60 s of its stdin closing");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let rest: Vec<String> = self.lines.iter().collect();
        let mut stdout = rest.join("\n");
        if !rest.is_empty() {
            stdout.push('\n');
        }
        let stderr = self.stderr.take().unwrap().join().unwrap();
        (status.code(), stdout, stderr)
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        // A test that panicked half-way leaves no ftpsh behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of a run's stderr without the server's greeting (`220 ...`, which `-q` would
/// hide): what a test compares with the one error line it expects.
pub fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !(l.starts_with("220 ") || l.starts_with("220-")))
        .collect()
}
