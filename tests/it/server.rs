//! The in-process FTP server the integration tests talk to: libunftp serving a temporary
//! directory on 127.0.0.1, optionally with one user/password, explicit FTPS (a throwaway CA made
//! by rcgen), a short idle timeout and paced transfers.
//!
//! libunftp's `listen()` binds an address it is given and cannot report an OS-chosen port, so the
//! harness binds `127.0.0.1:0` itself and hands every accepted socket to `Server::service`, which
//! consumes the `Server`: one `Server` is built per control connection. Each `TestServer` runs its
//! own current-thread tokio runtime on its own thread; dropping the handle stops the accept loop
//! and shuts the runtime down (aborting every session) with a bounded wait, so a hung session can
//! never hang the test binary.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use libunftp::ServerBuilder;
use libunftp::auth::AnonymousAuthenticator;
use tokio::io::{AsyncRead, ReadBuf};
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal, UserDetail};
use unftp_core::storage::{self, StorageBackend};
use unftp_sbe_fs::Filesystem;

/// How a [`TestServer`] is configured. The default is anonymous, plain FTP, libunftp's default
/// idle timeout (600 s).
#[derive(Debug, Clone, Default)]
pub struct ServerOpts {
    /// `Some((user, password))`: only this pair logs in (530 otherwise). `None`: any user name
    /// with any password is accepted, `anonymous` included.
    pub user: Option<(String, String)>,
    /// Offer explicit FTPS (AUTH TLS) with a certificate for 127.0.0.1 and `localhost` signed by
    /// a fresh CA (see [`TestServer::ca_file`]). Plain FTP stays allowed.
    pub tls: bool,
    /// With `tls`: present one self-signed certificate marked CA:TRUE, as `openssl req -x509`
    /// makes it (the one every vsftpd guide makes), instead of a leaf signed by a CA.
    /// [`TestServer::ca_file`] is then that certificate itself.
    pub self_signed_ca: bool,
    /// libunftp's idle session timeout in seconds: an idle control connection gets
    /// `221 Session timed out. Closing control connection` (221, not 421: a libunftp quirk) and
    /// is closed.
    pub idle_timeout: Option<u64>,
    /// Pace every download and upload to this many bytes per second, so that a transfer of a
    /// small file takes long enough to watch (progress reporting). A lower bound on the
    /// duration, whatever the machine's load: the file's size over the rate.
    pub throttle: Option<u64>,
    /// Refuse PORT and EPRT (502), as libunftp does by default: a server where active mode
    /// cannot work.
    pub passive_only: bool,
}

/// A running server; dropping it shuts the server down (waiting at most about 2 s).
pub struct TestServer {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
    // Declared after the thread fields so the files outlive the runtime that reads them.
    tls: Option<TlsFiles>,
}

impl TestServer {
    /// An anonymous, plain-FTP server whose root is `root`.
    pub fn start(root: &Path) -> TestServer {
        TestServer::start_with(root, ServerOpts::default())
    }

    /// A server whose root is `root`, configured by `opts`. The listening socket is bound before
    /// this returns, so clients may connect at once.
    pub fn start_with(root: &Path, opts: ServerOpts) -> TestServer {
        let tls = opts.tls.then(|| {
            if opts.self_signed_ca {
                TlsFiles::self_signed_ca()
            } else {
                TlsFiles::generate()
            }
        });
        let config = Arc::new(SessionConfig {
            root: root.to_path_buf(),
            user: opts.user,
            tls: tls.as_ref().map(|t| (t.cert.clone(), t.key.clone())),
            idle_timeout: opts.idle_timeout,
            throttle: opts.throttle.filter(|r| *r > 0),
            passive_only: opts.passive_only,
        });
        // Fail here, in the test's thread, rather than once per connection in the server.
        Filesystem::new(root).unwrap_or_else(|e| panic!("bad server root {}: {e}", root.display()));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let port = listener.local_addr().expect("listener address").port();

        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("ftp-server-{port}"))
            .spawn(move || {
                // One thread is plenty for a test server, and many servers run in parallel.
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(accept_loop(listener, config, stop_rx));
                // Dropping the runtime aborts every session task; bound the wait for
                // spawn_blocking file I/O that may still be running.
                rt.shutdown_timeout(Duration::from_millis(1500));
                let _ = stopped_tx.send(());
            })
            .expect("spawn server thread");

        TestServer {
            port,
            stop: Some(stop_tx),
            stopped: stopped_rx,
            thread: Some(thread),
            tls,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ftp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.port)
    }

    /// PEM file of the CA that signed the server certificate (TLS servers only). The file is
    /// removed when the server is dropped.
    pub fn ca_file(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.ca.as_path())
    }

    /// PEM file of the certificate the server presents (TLS servers only).
    pub fn cert_file(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.cert.as_path())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Join only if the thread said it finished; otherwise leave it detached rather than
        // hang the test (it dies with the process).
        if self.stopped.recv_timeout(Duration::from_secs(2)).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

/// What every per-connection `Server` is built from.
struct SessionConfig {
    root: PathBuf,
    user: Option<(String, String)>,
    tls: Option<(PathBuf, PathBuf)>,
    idle_timeout: Option<u64>,
    throttle: Option<u64>,
    passive_only: bool,
}

async fn accept_loop(
    listener: std::net::TcpListener,
    config: Arc<SessionConfig>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let config = Arc::clone(&config);
                    tokio::spawn(async move { serve(stream, &config).await });
                }
                // EMFILE and friends: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
}

/// Serve one control connection with a `Server` built just for it (`service` consumes it).
async fn serve(stream: tokio::net::TcpStream, config: &SessionConfig) {
    let root = config.root.clone();
    let rate = config.throttle;
    let storage = Box::new(move || Paced {
        fs: Filesystem::new(root.clone()).expect("server root"),
        rate,
    });
    let authenticator: Arc<dyn Authenticator + Send + Sync> = match &config.user {
        Some((user, password)) => Arc::new(PasswordAuthenticator {
            user: user.clone(),
            password: password.clone(),
        }),
        None => Arc::new(AnonymousAuthenticator),
    };
    // Passive ports 0..=0: libunftp picks `start + random % len` from the range and binds
    // it on the control connection's local address (127.0.0.1), so a one-port range of 0
    // makes the OS choose a free port: no collisions between parallel tests.
    let mut builder = ServerBuilder::with_authenticator(storage, authenticator)
        .greeting("ftpsh test server")
        .passive_ports(0..=0)
        // libunftp refuses PORT/EPRT (502) unless told otherwise; ftpsh --active needs them.
        .active_passive_mode(if config.passive_only {
            libunftp::options::ActivePassiveMode::PassiveOnly
        } else {
            libunftp::options::ActivePassiveMode::ActiveAndPassive
        });
    if let Some(secs) = config.idle_timeout {
        builder = builder.idle_session_timeout(secs);
    }
    if let Some((cert, key)) = &config.tls {
        // FtpsRequired defaults to None: plain logins stay allowed.
        builder = builder.ftps(cert.clone(), key.clone());
    }
    match builder.build() {
        Ok(server) => {
            let _ = server.service(stream).await;
        }
        Err(e) => eprintln!("test server: cannot build libunftp server: {e}"),
    }
}

/// unftp-sbe-fs, with the data of every RETR and STOR paced to `rate` bytes per second when
/// set; everything else is passed through unchanged.
#[derive(Debug)]
struct Paced {
    fs: Filesystem,
    rate: Option<u64>,
}

#[async_trait::async_trait]
impl<U: UserDetail> StorageBackend<U> for Paced {
    type Metadata = <Filesystem as StorageBackend<U>>::Metadata;

    fn enter(&mut self, user: &U) -> std::io::Result<()> {
        StorageBackend::<U>::enter(&mut self.fs, user)
    }

    fn supported_features(&self) -> u32 {
        StorageBackend::<U>::supported_features(&self.fs)
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &U,
        path: P,
    ) -> storage::Result<Self::Metadata> {
        self.fs.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &U,
        path: P,
    ) -> storage::Result<Vec<storage::Fileinfo<PathBuf, Self::Metadata>>> {
        self.fs.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &U,
        path: P,
        start_pos: u64,
    ) -> storage::Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let inner = self.fs.get(user, path, start_pos).await?;
        Ok(match self.rate {
            Some(rate) => Box::new(PacedReader::new(inner, rate)),
            None => inner,
        })
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &U,
        input: R,
        path: P,
        start_pos: u64,
    ) -> storage::Result<u64> {
        match self.rate {
            Some(rate) => {
                let input = PacedReader::new(input, rate);
                self.fs.put(user, input, path, start_pos).await
            }
            None => self.fs.put(user, input, path, start_pos).await,
        }
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &U, path: P) -> storage::Result<()> {
        self.fs.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &U, path: P) -> storage::Result<()> {
        self.fs.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &U,
        from: P,
        to: P,
    ) -> storage::Result<()> {
        self.fs.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &U, path: P) -> storage::Result<()> {
        self.fs.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &U, path: P) -> storage::Result<()> {
        self.fs.cwd(user, path).await
    }
}

/// A reader that hands out bytes no faster than `rate` per second: before each read it
/// sleeps until the bytes read so far are due, and each read is at most a tenth of a
/// second's worth, so the data arrives steadily rather than in bursts.
struct PacedReader<R> {
    inner: R,
    rate: u64,
    start: tokio::time::Instant,
    read: u64,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    chunk: Vec<u8>,
}

impl<R> PacedReader<R> {
    fn new(inner: R, rate: u64) -> PacedReader<R> {
        PacedReader {
            inner,
            rate,
            start: tokio::time::Instant::now(),
            read: 0,
            sleep: None,
            chunk: Vec::new(),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for PacedReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep = None;
            }
            let due = this.start + Duration::from_secs_f64(this.read as f64 / this.rate as f64);
            if due <= tokio::time::Instant::now() {
                break;
            }
            this.sleep = Some(Box::pin(tokio::time::sleep_until(due)));
        }
        let most = ((this.rate / 10).max(1) as usize).min(buf.remaining());
        this.chunk.resize(most, 0);
        let mut part = ReadBuf::new(&mut this.chunk[..most]);
        let r = Pin::new(&mut this.inner).poll_read(cx, &mut part);
        let n = part.filled().len();
        buf.put_slice(&this.chunk[..n]);
        this.read += n as u64;
        r
    }
}

/// Accepts exactly one user name and password.
#[derive(Debug)]
struct PasswordAuthenticator {
    user: String,
    password: String,
}

type AuthFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Principal, AuthenticationError>> + Send + 'a>>;

// unftp-core declares the trait with #[async_trait]; async-trait is not one of our dependencies,
// so this is its expansion written by hand: a boxed Send future borrowing the arguments.
impl Authenticator for PasswordAuthenticator {
    fn authenticate<'a, 'b, 'c, 'f>(
        &'a self,
        username: &'b str,
        creds: &'c Credentials,
    ) -> AuthFuture<'f>
    where
        'a: 'f,
        'b: 'f,
        'c: 'f,
        Self: 'f,
    {
        Box::pin(async move {
            if username != self.user {
                Err(AuthenticationError::BadUser)
            } else if creds.password.as_deref() != Some(self.password.as_str()) {
                Err(AuthenticationError::BadPassword)
            } else {
                Ok(Principal {
                    username: username.to_string(),
                })
            }
        })
    }
}

/// The CA certificate and the server's certificate and key, as PEM files in a temporary
/// directory (libunftp 0.24 only loads certificates from files: `ftps_manual` is gated behind
/// its `experimental` feature).
struct TlsFiles {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TlsFiles {
    /// One self-signed certificate for 127.0.0.1 with CA:TRUE, like `openssl req -x509`.
    fn self_signed_ca() -> TlsFiles {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("self-signed certificate");
        let dir = tempfile::Builder::new()
            .prefix("ftpsh-test-tls")
            .tempdir()
            .expect("TLS temp dir");
        let cert_path = dir.path().join("server.pem");
        let key_path = dir.path().join("server.key");
        std::fs::write(&cert_path, cert.pem()).expect("write cert");
        std::fs::write(&key_path, key.serialize_pem()).expect("write key");
        TlsFiles {
            _dir: dir,
            ca: cert_path.clone(),
            cert: cert_path,
            key: key_path,
        }
    }

    fn generate() -> TlsFiles {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ftpsh test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        // An end-entity certificate: rustls rejects a CA certificate presented as the server's.
        let mut leaf_params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("server params");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().expect("server key");
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("server certificate");

        let dir = tempfile::Builder::new()
            .prefix("ftpsh-test-tls")
            .tempdir()
            .expect("TLS temp dir");
        let write = |name: &str, pem: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            path
        };
        let ca = write("ca.pem", ca_cert.pem());
        let cert = write("server.pem", leaf_cert.pem());
        let key = write("server.key", leaf_key.serialize_pem());
        TlsFiles {
            _dir: dir,
            ca,
            cert,
            key,
        }
    }
}

// --- self-tests -------------------------------------------------------------------------------

/// Bound every client operation so a broken server fails the test instead of hanging it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

fn connect(server: &TestServer) -> suppaftp::FtpStream {
    let addr: SocketAddr = ([127, 0, 0, 1], server.port()).into();
    let ftp = suppaftp::FtpStream::connect_timeout(addr, CLIENT_TIMEOUT).expect("connect");
    ftp.get_ref()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("read timeout");
    ftp
}

fn rustls_connector(ca_file: &Path) -> suppaftp::RustlsConnector {
    use rustls::pki_types::{CertificateDer, pem::PemObject};

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file).expect("read CA file") {
        roots.add(cert.expect("CA PEM")).expect("add CA");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    suppaftp::RustlsConnector::from(Arc::new(config))
}

fn status_of(err: suppaftp::FtpError) -> u32 {
    match err {
        suppaftp::FtpError::UnexpectedResponse(r) => r.status.code(),
        other => panic!("expected an FTP reply, got {other}"),
    }
}

#[test]
fn anonymous_login_lists_a_file() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hello\n").unwrap();
    let server = TestServer::start(root.path());
    assert_eq!(server.url(), format!("ftp://127.0.0.1:{}", server.port()));
    assert!(server.ca_file().is_none());

    let mut ftp = connect(&server);
    ftp.login("anonymous", "guest@").unwrap();
    let mlsd = ftp.mlsd(None).unwrap();
    assert!(
        mlsd.iter()
            .any(|l| l.ends_with("; hello.txt") && l.contains("size=6")),
        "{mlsd:?}"
    );
    let list = ftp.list(None).unwrap();
    assert!(list.iter().any(|l| l.ends_with(" hello.txt")), "{list:?}");
    ftp.quit().unwrap();

    // Any other user name is accepted too when no user is configured.
    let mut ftp = connect(&server);
    ftp.login("someone", "anything").unwrap();
    assert_eq!(ftp.pwd().unwrap(), "/");
}

#[test]
fn password_user_accepted_and_wrong_password_rejected() {
    let root = tempfile::tempdir().unwrap();
    let opts = ServerOpts {
        user: Some(("alice".into(), "s3cret".into())),
        ..ServerOpts::default()
    };
    let server = TestServer::start_with(root.path(), opts);

    let mut ftp = connect(&server);
    let err = ftp.login("alice", "wrong").unwrap_err();
    assert_eq!(status_of(err), 530);
    // libunftp resets the session after a failed PASS, so a retry on the same connection works.
    ftp.login("alice", "s3cret").unwrap();
    ftp.put_file("up.txt", &mut &b"data"[..]).unwrap();
    assert_eq!(std::fs::read(root.path().join("up.txt")).unwrap(), b"data");

    let mut ftp = connect(&server);
    assert_eq!(status_of(ftp.login("anonymous", "x").unwrap_err()), 530);
}

#[test]
fn tls_login_and_protected_retr() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("secret.bin"), b"over tls").unwrap();
    let opts = ServerOpts {
        tls: true,
        ..ServerOpts::default()
    };
    let server = TestServer::start_with(root.path(), opts);
    let ca = server.ca_file().expect("TLS server has a CA").to_path_buf();
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    // The certificate names both 127.0.0.1 and localhost.
    for name in ["127.0.0.1", "localhost"] {
        let addr: SocketAddr = ([127, 0, 0, 1], server.port()).into();
        let ftp = suppaftp::RustlsFtpStream::connect_timeout(addr, CLIENT_TIMEOUT).unwrap();
        ftp.get_ref()
            .set_read_timeout(Some(CLIENT_TIMEOUT))
            .unwrap();
        // into_secure sends AUTH TLS, then PBSZ 0 and PROT P: the data connection is TLS too.
        let mut ftp = ftp.into_secure(rustls_connector(&ca), name).unwrap();
        ftp.login("anonymous", "x").unwrap();
        let data = ftp.retr_as_buffer("secret.bin").unwrap().into_inner();
        assert_eq!(data, b"over tls");
        ftp.quit().unwrap();
    }

    // FTPS is optional: a plain client still logs in.
    let mut plain = connect(&server);
    plain.login("anonymous", "x").unwrap();

    // And a client that does not trust the CA is refused.
    let addr: SocketAddr = ([127, 0, 0, 1], server.port()).into();
    let ftp = suppaftp::RustlsFtpStream::connect_timeout(addr, CLIENT_TIMEOUT).unwrap();
    ftp.get_ref()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .unwrap();
    let other = TestServer::start_with(
        root.path(),
        ServerOpts {
            tls: true,
            ..ServerOpts::default()
        },
    );
    let wrong_ca = rustls_connector(other.ca_file().unwrap());
    assert!(ftp.into_secure(wrong_ca, "localhost").is_err());
}

#[test]
fn two_servers_at_once() {
    let a_root = tempfile::tempdir().unwrap();
    let b_root = tempfile::tempdir().unwrap();
    std::fs::write(a_root.path().join("a.txt"), b"a").unwrap();
    std::fs::write(b_root.path().join("b.txt"), b"b").unwrap();
    let a = TestServer::start(a_root.path());
    let b = TestServer::start(b_root.path());
    assert_ne!(a.port(), b.port());

    let mut fa = connect(&a);
    let mut fb = connect(&b);
    fa.login("anonymous", "x").unwrap();
    fb.login("anonymous", "x").unwrap();
    assert_eq!(fa.nlst(None).unwrap(), vec!["a.txt"]);
    assert_eq!(fb.nlst(None).unwrap(), vec!["b.txt"]);
    // Interleave passive data connections on both.
    let ra = fa.retr_as_buffer("a.txt").unwrap().into_inner();
    let rb = fb.retr_as_buffer("b.txt").unwrap().into_inner();
    assert_eq!((ra, rb), (b"a".to_vec(), b"b".to_vec()));
}

#[test]
fn idle_timeout_drops_the_connection() {
    let root = tempfile::tempdir().unwrap();
    let opts = ServerOpts {
        idle_timeout: Some(1),
        ..ServerOpts::default()
    };
    let server = TestServer::start_with(root.path(), opts);
    let mut ftp = connect(&server);
    ftp.login("anonymous", "x").unwrap();
    // Was a 1.5 s sleep against the 1 s timeout: wait until the server has closed it.
    crate::util::wait_until("the server to drop the idle connection", || {
        crate::util::server_closed_connection_to(server.port())
    });
    // libunftp quirk: the timeout reply is "221 Session timed out. Closing control
    // connection", not the 421 RFC 959 suggests; it is already waiting on the socket, so the
    // next command reads it. Then the connection is gone.
    match ftp.noop() {
        Err(suppaftp::FtpError::UnexpectedResponse(r)) => {
            let text = String::from_utf8_lossy(&r.body).to_string();
            assert_eq!(r.status.code(), 221, "{text}");
            assert!(text.contains("timed out"), "{text}");
        }
        other => panic!("expected the idle timeout reply, got {other:?}"),
    }
    assert!(ftp.noop().is_err());
}

#[test]
fn drop_is_bounded_with_a_session_open() {
    let root = tempfile::tempdir().unwrap();
    let server = TestServer::start(root.path());
    let mut ftp = connect(&server);
    ftp.login("anonymous", "x").unwrap();
    let started = std::time::Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3));
    // The session was aborted with the runtime.
    assert!(ftp.noop().is_err());
}
