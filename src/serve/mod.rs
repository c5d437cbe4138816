//! `ftpsh serve [DIR]`: the built-in FTP server (libunftp over a directory), and the
//! `demo` built on it. Compiled only with the cargo feature `serve`.
//!
//! libunftp's `listen()` binds an address it is given and cannot report an OS-chosen port,
//! so we bind the std listener ourselves, print its address, and hand each accepted socket
//! to a `Server` built for that one connection (`service` consumes it). Building per
//! connection also lets the authenticator and the event listeners know the peer, for the
//! log. tokio runs only here, in a runtime of our own; the client stays synchronous.
//!
//! Shutdown (Ctrl-C, SIGTERM, or the demo's shell ending): stop accepting, give open
//! transfers up to [`GRACE`] to finish (a second Ctrl-C cuts that short), then drop the
//! runtime, which closes every session.

pub mod demo;

mod auth;
mod storage;
mod tls;

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use libunftp::notification::{DataEvent, DataListener, EventMeta, PresenceEvent, PresenceListener};
use libunftp::options::FtpsRequired;
use libunftp::{Server, ServerBuilder};
use tokio::sync::watch;
use unftp_core::auth::DefaultUser;

use crate::cli::ServeArgs;
use crate::error::{ListenError, LocalError, UsageError, io_message};
use storage::Jail;

/// How long open transfers may take to finish after Ctrl-C.
pub const GRACE: Duration = Duration::from_secs(10);

/// What every per-connection `Server` is built from.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub write: bool,
    /// `Some((user, password))`: only this login; `None`: anonymous.
    pub user: Option<(String, String)>,
    /// Certificate chain and key (PEM files): explicit FTPS, required for every session.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub passive_ports: RangeInclusive<u16>,
    pub idle_timeout: u64,
    /// Pace downloads to this many bytes per second (the demo).
    pub pace: Option<u64>,
    pub log: Log,
}

/// The server's log: one line per login and per transfer on stderr, cleaned (names and user
/// names come from clients); nothing with `-q`.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub quiet: bool,
}

impl Log {
    pub fn line(&self, text: &str) {
        if !self.quiet {
            eprintln!("ftpsh serve: {}", crate::listing::display_name(text));
        }
    }
}

/// Why listening on `bind` may expose the files: empty for loopback addresses.
pub fn exposure_warnings(bind: IpAddr, user: bool, tls: bool, write: bool) -> Vec<String> {
    if bind.is_loopback() {
        return Vec::new();
    }
    let mut w = Vec::new();
    if !user {
        w.push(format!(
            "--bind {bind} without --user: anyone who can reach this address can {} the files",
            if write {
                "read, change and delete"
            } else {
                "read"
            }
        ));
    }
    if !tls {
        w.push(format!(
            "--bind {bind} without TLS (--tls-cert/--tls-key or --tls-self-signed): \
             passwords and files cross the network in clear"
        ));
    }
    w
}

/// `ftp://HOST:PORT/`, the first line on stdout.
pub fn url_of(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("ftp://[{ip}]:{}/", addr.port()),
        IpAddr::V4(ip) => format!("ftp://{ip}:{}/", addr.port()),
    }
}

/// The password of `--user NAME`: FTPSH_PASSWORD, else a prompt without echo.
fn password_for(name: &str) -> Result<String> {
    if let Ok(pw) = std::env::var("FTPSH_PASSWORD") {
        if pw.is_empty() {
            return Err(UsageError("FTPSH_PASSWORD is empty".into()).into());
        }
        return Ok(pw);
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "--user {name} needs a password: set FTPSH_PASSWORD or run on a terminal"
        ))
        .into());
    }
    let pw = rpassword::prompt_password(format!("Password for {name}: "))
        .map_err(|e| LocalError::new("password prompt", e))?;
    if pw.is_empty() {
        return Err(UsageError("an empty password is not allowed".into()).into());
    }
    Ok(pw)
}

/// `ftpsh serve`: runs until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs, quiet: bool, verbose: bool) -> Result<i32> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir().map_err(|e| LocalError::new("current directory", e))?,
    };
    let root =
        std::fs::canonicalize(&dir).map_err(|e| LocalError::new(dir.display().to_string(), e))?;
    if !root.is_dir() {
        return Err(LocalError::new(
            dir.display().to_string(),
            std::io::Error::other("not a directory"),
        )
        .into());
    }
    let user = match &args.user {
        Some(name) => {
            if name.is_empty() || name.chars().any(char::is_control) {
                return Err(UsageError(format!("--user {name:?}: not a user name")).into());
            }
            Some((name.clone(), password_for(name)?))
        }
        None => None,
    };
    let tls_on = args.tls_cert.is_some() || args.tls_self_signed;
    for w in exposure_warnings(args.bind, user.is_some(), tls_on, args.write) {
        eprintln!("ftpsh: warning: {w}");
    }
    let self_signed = if args.tls_self_signed {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        if !args.bind.is_unspecified() && !args.bind.is_loopback() {
            names.push(args.bind.to_string());
        }
        Some(tls::SelfSigned::generate(names)?)
    } else {
        None
    };
    let tls = match (&args.tls_cert, &args.tls_key, &self_signed) {
        (Some(c), Some(k), _) => {
            for f in [c, k] {
                std::fs::File::open(f).map_err(|e| LocalError::new(f.display().to_string(), e))?;
            }
            Some((c.clone(), k.clone()))
        }
        (_, _, Some(s)) => Some((s.cert.clone(), s.key.clone())),
        _ => None,
    };
    let log = Log { quiet };
    let config = Config {
        root: root.clone(),
        write: args.write,
        user: user.clone(),
        tls,
        passive_ports: args.passive_ports.map_or(0..=0, |r| r.lo..=r.hi),
        idle_timeout: args.idle_timeout,
        pace: None,
        log,
    };
    check(&config)?;

    let listener = listen(SocketAddr::new(args.bind, args.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| LocalError::new("listener", e))?;
    let runtime = runtime()?;
    // Take over SIGINT and SIGTERM before the address is printed: a script that reads it
    // and sends Ctrl-C at once must get a clean shutdown, not the default death.
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        let _guard = runtime.enter();
        let int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        (int, term)
    };
    if let Some(s) = &self_signed {
        // Not log lines: a client needs these to trust the server, so -q keeps them.
        // Before the URL: whoever has read the URL can find them.
        eprintln!(
            "ftpsh serve: TLS certificate fingerprint {} (for --pin)",
            s.fingerprint
        );
        eprintln!(
            "ftpsh serve: TLS certificate file {} (for --ca-file; removed on exit)",
            s.cert.display()
        );
    }
    {
        // The first stdout line, flushed at once: a script waits for it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", url_of(addr))
            .and_then(|_| out.flush())
            .map_err(|e| LocalError::new("stdout", e))?;
    }
    log.line(&format!(
        "serving {} {}, {}{}; Ctrl-C stops",
        root.display(),
        if args.write {
            "read-write"
        } else {
            "read-only"
        },
        match &user {
            Some((u, _)) => format!("user {u} only"),
            None => "anonymous".to_string(),
        },
        if config.tls.is_some() {
            ", FTPS required"
        } else {
            ""
        },
    ));
    if verbose {
        install_trace();
    }

    let (stop_tx, stop_rx) = watch::channel(0u32);
    runtime.spawn(async move {
        let (mut int, mut term) = signals;
        loop {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
            stop_tx.send_modify(|n| *n += 1);
        }
    });
    runtime.block_on(serve(listener, Arc::new(config), stop_rx))?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    log.line("stopped");
    drop(self_signed);
    Ok(0)
}

/// Build one `Server` now, so a bad certificate fails at start, not per connection.
fn check(config: &Config) -> Result<()> {
    let peer = SocketAddr::from(([127, 0, 0, 1], 0));
    build(config, peer, Arc::new(AtomicUsize::new(0))).map_err(|e| {
        let what = match &config.tls {
            Some((c, k)) => format!(
                "cannot load the TLS certificate {} or key {}",
                c.display(),
                k.display()
            ),
            None => "cannot configure the server".to_string(),
        };
        anyhow::Error::new(LocalError::new(what, std::io::Error::other(e.to_string())))
    })?;
    Ok(())
}

/// Bind the control listener (the caller prints its address).
pub fn listen(addr: SocketAddr) -> Result<TcpListener> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| ListenError(format!("cannot listen on {addr}: {}", io_message(&e))))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| LocalError::new("listener", e))?;
    Ok(listener)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ftpsh-serve")
        .enable_all()
        .build()
        .context("cannot start the server runtime")
}

/// Accept until `stop` counts a request, then let open transfers finish (bounded by
/// [`GRACE`], cut short by a second request). The caller drops the runtime afterwards.
async fn serve(
    listener: TcpListener,
    config: Arc<Config>,
    mut stop: watch::Receiver<u32>,
) -> Result<()> {
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|e| LocalError::new("listener", e))?;
    let transfers = Arc::new(AtomicUsize::new(0));
    loop {
        tokio::select! {
            _ = stop.wait_for(|n| *n >= 1) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let config = Arc::clone(&config);
                    let transfers = Arc::clone(&transfers);
                    tokio::spawn(async move {
                        match build(&config, peer, transfers) {
                            Ok(server) => { let _ = server.service(stream).await; }
                            Err(e) => config.log.line(&format!("{peer}: {e}")),
                        }
                    });
                }
                // EMFILE and friends: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    drop(listener);
    let open = transfers.load(Ordering::SeqCst);
    if open > 0 {
        config.log.line(&format!(
            "stopping: waiting up to {} s for {open} open transfer(s) (Ctrl-C again: stop now)",
            GRACE.as_secs()
        ));
        let deadline = tokio::time::Instant::now() + GRACE;
        while transfers.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
            && *stop.borrow() < 2
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left = transfers.load(Ordering::SeqCst);
        if left > 0 {
            config
                .log
                .line(&format!("aborting {left} open transfer(s)"));
        }
    }
    Ok(())
}

/// The `Server` for one control connection from `peer`.
fn build(
    config: &Config,
    peer: SocketAddr,
    transfers: Arc<AtomicUsize>,
) -> Result<Server<Jail, DefaultUser>, libunftp::ServerError> {
    let root = config.root.clone();
    let (write, pace) = (config.write, config.pace);
    let storage = Box::new(move || Jail::new(&root, write, Arc::clone(&transfers), pace));
    let login = Arc::new(auth::Login {
        user: config.user.clone(),
        peer,
        log: config.log,
    });
    let events = Events {
        peer,
        log: config.log,
    };
    // Passive only (libunftp's default): PORT/EPRT would let a client aim our data
    // connections at third parties (the FTP bounce attack).
    let mut builder = ServerBuilder::with_authenticator(storage, login)
        .greeting("ftpsh serve")
        .passive_ports(config.passive_ports.clone())
        .idle_session_timeout(config.idle_timeout)
        .notify_data(events.clone())
        .notify_presence(events);
    if let Some((cert, key)) = &config.tls {
        builder = builder
            .ftps(cert.clone(), key.clone())
            .ftps_required(FtpsRequired::All, FtpsRequired::All);
    }
    builder.build()
}

/// Logs logins and transfers of one connection.
#[derive(Debug, Clone)]
struct Events {
    peer: SocketAddr,
    log: Log,
}

#[async_trait]
impl DataListener for Events {
    async fn receive_data_event(&self, e: DataEvent, m: EventMeta) {
        let what = match e {
            DataEvent::Got { path, bytes } => format!("sent {path} ({bytes} bytes)"),
            DataEvent::Put { path, bytes } => format!("received {path} ({bytes} bytes)"),
            DataEvent::Deleted { path } => format!("deleted {path}"),
            DataEvent::MadeDir { path } => format!("made directory {path}"),
            DataEvent::RemovedDir { path } => format!("removed directory {path}"),
            DataEvent::Renamed { from, to } => format!("renamed {from} to {to}"),
        };
        self.log
            .line(&format!("{} {}: {what}", self.peer, m.username));
    }
}

#[async_trait]
impl PresenceListener for Events {
    async fn receive_presence_event(&self, e: PresenceEvent, m: EventMeta) {
        if let PresenceEvent::LoggedIn = e {
            self.log
                .line(&format!("{}: {} logged in", self.peer, m.username));
        }
    }
}

/// `-v`: libunftp's own debug log of every control-channel command and reply (its
/// `Password` type prints as `*******`, so passwords never show), cleaned for the terminal.
fn install_trace() {
    struct Trace;
    impl log::Log for Trace {
        fn enabled(&self, m: &log::Metadata) -> bool {
            m.target().starts_with("libunftp")
        }
        fn log(&self, record: &log::Record) {
            if !self.enabled(record.metadata()) {
                return;
            }
            let msg = record.args().to_string();
            let line = if let Some(ev) = msg.strip_prefix("Control channel event ") {
                format!("--> {ev}")
            } else if let Some(reply) = msg.strip_prefix("Control channel reply ") {
                format!("<-- {reply}")
            } else {
                return;
            };
            eprintln!("ftpsh serve: {}", crate::listing::display_name(&line));
        }
        fn flush(&self) {}
    }
    static TRACE: Trace = Trace;
    if log::set_logger(&TRACE).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
}

/// A server running on a thread of its own (the demo): stops when dropped, bounded.
pub struct Background {
    pub addr: SocketAddr,
    stop: watch::Sender<u32>,
    thread: Option<std::thread::JoinHandle<()>>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Background {
    pub fn start(config: Config, bind: SocketAddr) -> Result<Background> {
        check(&config)?;
        let listener = listen(bind)?;
        let addr = listener
            .local_addr()
            .map_err(|e| LocalError::new("listener", e))?;
        let runtime = runtime()?;
        let (stop, stop_rx) = watch::channel(0u32);
        let (done_tx, done) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ftpsh-serve-main".into())
            .spawn(move || {
                let _ = runtime.block_on(serve(listener, Arc::new(config), stop_rx));
                runtime.shutdown_timeout(Duration::from_secs(1));
                let _ = done_tx.send(());
            })
            .context("cannot start the server thread")?;
        Ok(Background {
            addr,
            stop,
            thread: Some(thread),
            done,
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // 2: no grace; the shell that used the server is gone.
        self.stop.send_replace(2);
        if self.done.recv_timeout(Duration::from_secs(3)).is_ok()
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_loopback_binds_warn() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let lo2: IpAddr = "127.0.0.2".parse().unwrap();
        let lo6: IpAddr = "::1".parse().unwrap();
        for ip in [lo, lo2, lo6] {
            assert!(exposure_warnings(ip, false, false, true).is_empty(), "{ip}");
        }
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        let w = exposure_warnings(any, false, false, false);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("without --user") && w[0].contains("can read the files"));
        assert!(w[1].contains("in clear"));
        let w = exposure_warnings(any, false, true, true);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("read, change and delete"), "{w:?}");
        let w = exposure_warnings(any, true, false, false);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("in clear"));
        assert!(exposure_warnings(any, true, true, true).is_empty());
    }

    #[test]
    fn urls_name_host_and_port() {
        assert_eq!(
            url_of("127.0.0.1:2121".parse().unwrap()),
            "ftp://127.0.0.1:2121/"
        );
        assert_eq!(url_of("[::1]:21".parse().unwrap()), "ftp://[::1]:21/");
    }
}
