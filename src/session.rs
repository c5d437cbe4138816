//! The connection: connect, log in, TLS policy, passive/active mode, directories, reconnect.
//!
//! The session owns the suppaftp stream and the credentials (kept in memory so a dropped
//! connection can be re-established, never printed). It does no terminal I/O except through
//! the `Printer` it is handed. Every suppaftp error is converted to [`Remote`] here
//! ([`Session::ftp_err`]), so nothing above this module sees `FtpError`.

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use percent_encoding::percent_decode_str;
use suppaftp::{FtpError, FtpResult, Mode};

use crate::checksum::{Algo, Method, Offer};
use crate::cli::TlsMode;
use crate::error::{Interrupted, Remote, UsageError};
use crate::listing::{self, Entry};
use crate::output::Printer;
use crate::output::model::{self, Report};
use crate::tls;
use crate::watchdog::{Fired, Watchdog};

pub type Ftp = suppaftp::ImplFtpStream<tls::Stream>;

/// How data sockets poll: short reads let a transfer notice Ctrl-C within this time, while the
/// idle limit (`Opts::timeout`) is counted across polls.
pub const DATA_TICK: Duration = Duration::from_millis(100);

/// Connection settings from the command line; they apply to every connection of the session.
#[derive(Debug, Clone)]
pub struct Opts {
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    pub active: bool,
    pub timeout: Duration,
    /// No byte on a data connection for this long is a stalled transfer or listing (the
    /// `stall_timeout` setting); separate from `timeout`, which bounds replies.
    pub stall_timeout: Duration,
    pub netrc_file: Option<PathBuf>,
    /// A person is at the terminal: a missing password may be asked for.
    pub interactive: bool,
    /// Most entries one listing may have (the `listing_limit` setting).
    pub listing_limit: u64,
    /// Certificates trusted by fingerprint (known_hosts, pins, trusted once), shared by every
    /// connection of the run.
    pub trust: Arc<crate::trust::Trust>,
}

/// See [`Session::worker_spec`]. It holds the password (in memory only, like the session).
#[derive(Clone)]
pub struct WorkerSpec {
    opts: Opts,
    target: Target,
    cwd: String,
    ascii: bool,
    passive: bool,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    verify: crate::checksum::Verify,
}

impl WorkerSpec {
    /// Log in and go to the shell's directory. Nothing is shown: the shell's own connection
    /// has said what there is to say about this server.
    pub fn dial(&self) -> Result<Session> {
        let mut s = Session::new(self.opts.clone());
        // A worker that cannot log in makes the pool smaller at once; the jobs have retries.
        s.settings
            .put(crate::settings::Source::Set, "retries", "0".to_string());
        s.ascii = self.ascii;
        s.passive = self.passive;
        s.verify = self.verify.clone();
        // Its own session cache: its data connections resume its own TLS session.
        s.tls_config = self
            .tls_config
            .as_deref()
            .map(|c| tls::with_store(c, &s.tickets));
        s.tls_for = Some((self.target.host.clone(), self.target.port));
        // The clear-text warning was given (or not) for the shell's connection.
        s.warned_clear.insert(self.target.display_host());
        s.connect(self.target.clone(), &Printer::discard())?;
        let conn = s.conn()?;
        if conn.cwd != self.cwd {
            let cwd = self.cwd.clone();
            s.cd(&cwd)
                .with_context(|| format!("cd {}", crate::listing::display_name(&cwd)))?;
        }
        Ok(s)
    }
}

/// Where to connect, parsed from `host`, `host:port` or an `ftp://`/`ftps://` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub implicit_tls: bool,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The URL path, decoded: relative to the login directory unless it starts with `/`
    /// (written `%2F` in the URL), as curl and RFC 1738 have it.
    pub path: Option<String>,
}

impl std::fmt::Debug for Target {
    // Never print the password, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("implicit_tls", &self.implicit_tls)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("path", &self.path)
            .finish()
    }
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, UsageError> {
        let bad = |why: &str| UsageError(format!("{}: {why}", redact_url(text)));
        let lower = text.to_ascii_lowercase();
        let with_scheme = if lower.starts_with("ftp://") || lower.starts_with("ftps://") {
            text.to_string()
        } else if lower.contains("://") {
            return Err(bad("unsupported URL scheme (use ftp:// or ftps://)"));
        } else {
            format!("ftp://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| bad(&format!("bad URL: {e}")))?;
        let implicit_tls = url.scheme() == "ftps";
        let host = match url.host() {
            Some(url::Host::Ipv6(a)) => a.to_string(),
            Some(h) => h.to_string(),
            None => return Err(bad("no host")),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode);
        // FTP URLs have no query: a `?` belongs to the file name (`f?.gz`).
        let with_query;
        let raw_path = match url.query() {
            Some(q) => {
                with_query = format!("{}?{q}", url.path());
                with_query.as_str()
            }
            None => url.path(),
        };
        let path = match raw_path.strip_prefix('/') {
            Some("") | None => None,
            Some(rest) => Some(decode(rest)),
        };
        // `%0A`/`%0D` decode to a line break, which would end an FTP command early and send
        // the rest as a command of its own: a usage error, before anything is sent.
        let parts = [user.as_deref(), password.as_deref(), path.as_deref()];
        if parts
            .into_iter()
            .flatten()
            .any(|p| p.contains(['\r', '\n']))
        {
            return Err(bad(
                "a line break (%0A or %0D) in the URL; nothing was sent",
            ));
        }
        let port = url.port().unwrap_or(if implicit_tls { 990 } else { 21 });
        Ok(Target {
            implicit_tls,
            host,
            port,
            user,
            password,
            path,
        })
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self.user.as_deref(), None | Some("anonymous") | Some("ftp"))
    }

    pub fn login_name(&self) -> &str {
        self.user.as_deref().unwrap_or("anonymous")
    }

    /// `host` or `host:port` (port shown only when not the default), IPv6 in brackets.
    pub fn display_host(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.implicit_tls { 990 } else { 21 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The same server and account (used to decide whether a URL argument may reuse the
    /// open connection).
    pub fn same_server(&self, other: &Target) -> bool {
        self.host == other.host
            && self.port == other.port
            && self.implicit_tls == other.implicit_tls
            && self.login_name() == other.login_name()
    }
}

/// One logged-in connection.
pub struct Conn {
    pub ftp: Ftp,
    pub target: Target,
    pub tls: Option<tls::SharedInfo>,
    pub features: HashMap<String, Option<String>>,
    pub welcome: Option<String>,
    pub login_dir: String,
    pub cwd: String,
    pub prev_dir: Option<String>,
    /// The control connection is known to be gone; the next command reconnects.
    pub dead: bool,
    /// EPSV in use (else PASV); only meaningful in passive mode.
    pub epsv: bool,
    /// The control connection's normal read timeout (`--timeout`).
    pub timeout: Duration,
    /// Passive mode (EPSV or PASV) rather than active.
    passive: bool,
    /// Bounds each command's replies as a whole and lets Ctrl-C cut a wait for one.
    pub watchdog: Arc<Watchdog>,
    /// The algorithm `HASH` uses after our `OPTS HASH` (None: FEAT's starred one).
    hash_algo: Option<Algo>,
}

impl Conn {
    /// The TLS facts of the connection for a report (`None`: plain FTP).
    pub fn tls_report(&self) -> Option<model::Tls> {
        let tls = self.tls.as_ref()?;
        let info = tls.lock().ok().and_then(|i| i.clone());
        Some(model::Tls {
            implicit: self.target.implicit_tls,
            version: info.as_ref().map(|i| i.version.clone()),
            cipher: info.map(|i| i.cipher),
        })
    }

    pub fn has_feature(&self, name: &str) -> bool {
        self.features.contains_key(name)
    }

    /// PWD, without the trailing `/` some servers (libunftp) add.
    pub fn pwd(&mut self) -> Result<String, Remote> {
        let dir = self.ftp.pwd().map_err(Session::ftp_err)?;
        Ok(match dir.trim_end_matches('/') {
            "" => "/".to_string(),
            d => d.to_string(),
        })
    }

    /// Run `f` with the control connection's read timeout set to `t`; the normal idle
    /// timeout is back afterwards whatever `f` did.
    pub fn with_timeout<T>(&mut self, t: Duration, f: impl FnOnce(&mut Conn) -> T) -> T {
        let _ = self.ftp.get_ref().set_read_timeout(Some(t));
        let result = f(self);
        let _ = self.ftp.get_ref().set_read_timeout(Some(self.timeout));
        result
    }

    /// Run a data command (`f` opens the data connection). When the server refuses EPSV
    /// although FEAT announced it (500 or 502), switch this connection to PASV and try once
    /// more: a valid RETR, STOR or LIST does not answer those codes, EPSV does. (A server
    /// that refuses MLSD itself also ends up in PASV, which costs nothing.)
    ///
    /// Once the data connection is open, the watchdog stands down: the data connection has
    /// its own idle timeout and Ctrl-C there means ABOR (callers re-arm it for the final reply).
    pub fn data<T>(&mut self, f: impl FnMut(&mut Ftp) -> FtpResult<T>) -> Result<T, Remote> {
        let result = self.data_open(f);
        if result.is_ok() {
            self.watchdog.disarm();
        }
        result
    }

    fn data_open<T>(&mut self, mut f: impl FnMut(&mut Ftp) -> FtpResult<T>) -> Result<T, Remote> {
        match f(&mut self.ftp) {
            Ok(v) => Ok(v),
            Err(e) => match Session::ftp_err(e) {
                // EPSV refused (a server or a firewall that does not know it): PASV from
                // now on. Only EPSV's own reply counts: a 500/502 to the REST or the data
                // command after it is theirs, and sending that command again would not help.
                Remote::Reply {
                    code: 500 | 502, ..
                } if self.passive && self.epsv && crate::output::last_sent_verb() == "EPSV" => {
                    self.epsv = false;
                    apply_mode(self, true);
                    f(&mut self.ftp).map_err(Session::ftp_err)
                }
                // The data connection was refused: the server will answer for the command
                // it is waiting on (425, later), so the control connection is out of step.
                Remote::Connect(m) => {
                    self.dead = true;
                    Err(Remote::Lost(format!(
                        "cannot open the data connection: {m}"
                    )))
                }
                other => Err(other),
            },
        }
    }

    /// Run the clean-up after a transfer or listing that stopped early (ABOR's answer, the
    /// final reply, a NOOP) within `limit` as a whole, never longer than `--timeout`: the
    /// read timeout bounds each reply, the watchdog all of them, and a second Ctrl-C cuts it
    /// short. If the watchdog had to cut the connection, it is marked for reconnect.
    pub fn aftermath<T>(&mut self, limit: Duration, f: impl FnOnce(&mut Conn) -> T) -> T {
        let wait = limit.min(self.timeout);
        self.watchdog.arm(wait);
        let result = self.with_timeout(wait, f);
        if self.watchdog.disarm_and_take().is_some() {
            self.dead = true;
        }
        result
    }

    /// What the server offers for checksums (FEAT).
    pub fn checksum_offer(&self) -> Offer {
        Offer::from_features(&self.features)
    }

    /// The server's checksum of `path` with `want` (default: the best it offers), as
    /// (algorithm, lower-case hex). `size` (when known) gives a server that reads the file
    /// at 16 MiB/s the time to do so before the reply counts as late.
    pub fn checksum(
        &mut self,
        path: &str,
        want: Option<Algo>,
        size: Option<u64>,
    ) -> anyhow::Result<(Algo, String)> {
        let offer = self.checksum_offer();
        let Some((algo, method)) = offer.pick(want) else {
            return Err(match want {
                Some(a) if !offer.is_empty() => anyhow::anyhow!(
                    "the server has no {a} checksum (it offers {})",
                    offer.describe()
                ),
                _ => anyhow::anyhow!(
                    "the server offers no checksum command (FEAT lists no HASH, XSHA256, XMD5 or XCRC)"
                ),
            });
        };
        if path.contains(['\r', '\n']) {
            return Err(UsageError(format!(
                "{}: a line break cannot be sent in an FTP command",
                crate::listing::display_name(path)
            ))
            .into());
        }
        if method == Method::Hash && self.hash_algo.or(offer.selected) != Some(algo) {
            let cmd = format!("OPTS HASH {}", algo.name());
            self.ftp
                .custom_command(cmd, &[suppaftp::Status::CommandOk])
                .map_err(Session::ftp_err)?;
            self.hash_algo = Some(algo);
        }
        let wait = self.timeout + Duration::from_secs(size.unwrap_or(0) >> 24);
        self.watchdog.arm(wait);
        let cmd = crate::checksum::command(algo, method, path);
        // No expected codes: HASH answers 213, the X commands 250 (or 213).
        let reply = self.with_timeout(wait, |c| match c.ftp.custom_command(cmd, &[]) {
            Err(FtpError::UnexpectedResponse(r)) => Ok(r),
            Ok(r) => Ok(r),
            Err(e) => Err(e),
        });
        self.watchdog.arm(self.timeout);
        let reply = reply.map_err(Session::ftp_err)?;
        let code = reply_code(&reply.body).unwrap_or(reply.status.code());
        if !(200..300).contains(&code) {
            return Err(Remote::Reply {
                code,
                text: reply_text(&reply.body),
            }
            .into());
        }
        let body = String::from_utf8_lossy(&reply.body);
        let hex =
            crate::checksum::parse_reply(algo, method, &body, size).map_err(Remote::Protocol)?;
        Ok((algo, hex))
    }

    /// Set the transfer type (`TYPE A` or `TYPE I`).
    pub fn set_type(&mut self, ascii: bool) -> Result<(), Remote> {
        send_type(&mut self.ftp, ascii)
    }

    /// After CWD or CDUP: learn where we are and remember where we were.
    fn moved(&mut self) -> Result<(), Remote> {
        let new = self.pwd()?;
        let old = std::mem::replace(&mut self.cwd, new);
        if old != self.cwd {
            self.prev_dir = Some(old);
        }
        Ok(())
    }
}

pub struct Session {
    pub opts: Opts,
    conn: Option<Conn>,
    pub ascii: bool,
    pub passive: bool,
    /// The local directory before the last `lcd`, for `lcd -`.
    pub local_prev: Option<PathBuf>,
    /// Listings by absolute directory, for Tab completion.
    cache: ListingCache,
    /// Connect/read timeout of new data connections (and their TLS handshakes) in
    /// milliseconds; the idle timeout, except while Tab completion fetches a listing.
    data_timeout: Arc<AtomicU64>,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    /// The server `tls_config` was built for: its verifier trusts fingerprints per host and port.
    tls_for: Option<(String, u16)>,
    /// The TLS session cache of this session's connections (see [`tls::Tickets`]).
    tickets: Arc<tls::Tickets>,
    /// Hosts already warned about a clear-text password this run.
    warned_clear: HashSet<String>,
    /// The last server connected to: `open` alone goes back to it.
    pub last_target: Option<Target>,
    /// Why the last Tab found nothing to offer, when the connection was the reason.
    pub completion_note: Option<String>,
    /// The settings in force (`set`, flags, config.toml, defaults); [`Session::apply_settings`]
    /// carries them into the options above.
    pub settings: crate::settings::Settings,
    /// config.toml as read at start (bookmarks, aliases, the default site).
    pub config: crate::config::Config,
    /// File transfers started under their own retries ([`crate::retry::run`]) since the
    /// session began: the line runner retries a whole command only if none started.
    pub units_started: u64,
    /// The transfer being run is a retry of one that failed: a download continues its
    /// `.part` and an upload the server's copy, where the mode allows (set by
    /// [`crate::retry::run`] and the worker pool, read by `transfer::download`/`upload`).
    pub retry_resume: bool,
    /// Whether the transfers of the running command check server checksums (`--verify`,
    /// the `verify` setting); set by the transfer handlers, reset by the line runner.
    pub verify: crate::checksum::Verify,
}

impl Session {
    pub fn new(opts: Opts) -> Session {
        let passive = !opts.active;
        let data_timeout = Arc::new(AtomicU64::new(opts.timeout.as_millis() as u64));
        Session {
            opts,
            conn: None,
            ascii: false,
            passive,
            local_prev: None,
            cache: ListingCache::default(),
            data_timeout,
            tls_config: None,
            tls_for: None,
            tickets: Arc::default(),
            warned_clear: HashSet::new(),
            last_target: None,
            completion_note: None,
            settings: crate::settings::Settings::default(),
            config: crate::config::Config::default(),
            units_started: 0,
            retry_resume: false,
            verify: crate::checksum::Verify::default(),
        }
    }

    /// Carry one setting into the session (`timeout`, `passive`, `tls`, `listing_limit`;
    /// the others are read where they are used). A new TLS choice or timeout applies from
    /// the next connection (and the timeout to the next data connection of this one).
    pub fn apply_setting(&mut self, name: &str) {
        let s = &self.settings;
        match name {
            "timeout" => {
                self.opts.timeout = Duration::from_secs(s.number("timeout"));
                self.data_timeout
                    .store(self.opts.timeout.as_millis() as u64, Ordering::Relaxed);
            }
            "passive" => {
                let on = s.bool("passive");
                self.opts.active = !on;
                self.set_passive(on);
            }
            "tls" => {
                self.opts.tls = match s.text("tls").as_str() {
                    "on" => TlsMode::Require,
                    "off" => TlsMode::Off,
                    _ => TlsMode::Auto,
                }
            }
            "listing_limit" => self.opts.listing_limit = s.number("listing_limit"),
            "stall_timeout" => {
                self.opts.stall_timeout = Duration::from_secs(s.number("stall_timeout"))
            }
            "charset" => {
                let charset = self.charset();
                crate::charset::set_current(charset);
                if let Some(c) = self.conn.as_mut() {
                    c.ftp.set_encoding(charset);
                }
            }
            _ => {}
        }
    }

    /// The character set of file names (the `charset` setting).
    pub fn charset(&self) -> crate::charset::Charset {
        crate::charset::Charset::for_label(&self.settings.text("charset")).unwrap_or_default()
    }

    /// The `parallel` setting when it was given (file, flag or `set`): commands without -P
    /// use it; left at its default, each command keeps its own default.
    pub fn configured_parallel(&self) -> Option<u16> {
        match self.settings.get("parallel") {
            (_, crate::settings::Source::Default) => None,
            (v, _) => v.parse().ok(),
        }
    }

    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    pub fn conn(&mut self) -> Result<&mut Conn> {
        self.conn
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("not connected (use 'open HOST')"))
    }

    pub fn conn_ref(&self) -> Option<&Conn> {
        self.conn.as_ref()
    }

    /// Connect and log in to `target`, replacing the open connection once the new one works:
    /// a failed `open` (unknown host, refused, Ctrl-C at the password prompt) leaves the
    /// session as it was.
    ///
    /// The one exception is a new login on the same server (`user`, `open` alone): servers
    /// that allow one connection per client would refuse a second one, so the old connection
    /// closes first (the server is still remembered, so `open` alone tries again).
    pub fn connect(&mut self, mut target: Target, out: &Printer) -> Result<()> {
        self.fill_credentials(&mut target)?;
        // The URL's path is where to go once logged in, not part of the server: a
        // connection's target never holds one, so a reconnect, a worker or `open` alone
        // logs in to the same place without going there again.
        let path = target.path.take();
        if self
            .conn
            .as_ref()
            .is_some_and(|c| c.target.host == target.host && c.target.port == target.port)
        {
            self.close();
        }
        let policy = crate::retry::Policy::from_settings(&self.settings);
        let mut tries = crate::retry::Tries::new(policy);
        let shown = target.display_host();
        let conn = loop {
            match self.establish(target.clone(), out) {
                Ok(c) => break c,
                Err(e) => match tries.next(&e, false) {
                    Some(wait) => crate::retry::announce_and_wait(
                        out,
                        "open",
                        Some(&shown),
                        &tries,
                        wait,
                        &e,
                    )?,
                    None => return Err(e),
                },
            }
        };
        self.close();
        self.invalidate_all();
        self.last_target = Some(conn.target.clone());
        out.emit(&Report::Connected(model::Connected {
            host: conn.target.host.clone(),
            port: conn.target.port,
            user: conn.target.login_name().to_string(),
            tls: conn.tls_report(),
            welcome: conn.welcome.clone(),
            directory: conn.login_dir.clone(),
        }))?;
        self.conn = Some(conn);
        if let Some(path) = path {
            self.cd(&path)
                .with_context(|| format!("cd {}", crate::listing::display_name(&path)))?;
        }
        Ok(())
    }

    /// Log in as another user on the same server (the `user` command).
    pub fn relogin(&mut self, user: String, password: Option<String>, out: &Printer) -> Result<()> {
        let mut target = self.conn()?.target.clone();
        target.user = Some(user);
        target.password = password;
        self.connect(target, out)
    }

    /// Password from the URL, FTPSH_PASSWORD, the netrc file, or a prompt; user from netrc
    /// when none was given.
    fn fill_credentials(&self, target: &mut Target) -> Result<()> {
        if target.user.is_some() && target.password.is_some() {
            return Ok(());
        }
        let netrc = crate::config::netrc_lookup(self.opts.netrc_file.as_deref(), &target.host)?;
        if target.user.is_none() {
            // No user given: the netrc entry for the host names one (with its password, which
            // belongs to that host and beats FTPSH_PASSWORD), or it is anonymous.
            match netrc.as_ref().and_then(|e| e.login.clone()) {
                Some(login) => {
                    target.user = Some(login);
                    if let Some(pw) = netrc.as_ref().and_then(|e| e.password.clone()) {
                        target.password = Some(pw);
                        return Ok(());
                    }
                }
                None => return Ok(()),
            }
        }
        if let Ok(pw) = std::env::var("FTPSH_PASSWORD") {
            target.password = Some(pw);
            return Ok(());
        }
        if let Some(entry) = netrc
            && entry
                .login
                .is_none_or(|l| Some(l.as_str()) == target.user.as_deref())
            && entry.password.is_some()
        {
            target.password = entry.password;
            return Ok(());
        }
        if target.is_anonymous() {
            return Ok(());
        }
        if !self.opts.interactive {
            // An empty password would be sent otherwise, and fail (or worse, succeed).
            return Err(Remote::Login(format!(
                "no password for {}@{} (use FTPSH_PASSWORD, a netrc entry or a terminal)",
                target.login_name(),
                target.host
            ))
            .into());
        }
        let prompt = format!("Password for {}@{}: ", target.login_name(), target.host);
        let pw = rpassword::prompt_password(prompt);
        if crate::interrupt::requested() {
            eprintln!();
            return Err(crate::error::Interrupted.into());
        }
        match pw {
            Ok(pw) => target.password = Some(pw),
            Err(e) => {
                // Ctrl-D leaves the cursor on the prompt's line; the error goes below it.
                eprintln!();
                let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "no password given".to_string()
                } else {
                    crate::error::io_message(&e)
                };
                return Err(Remote::Login(format!("cannot read the password: {why}")).into());
            }
        }
        Ok(())
    }

    fn tls_config(&mut self, target: &Target) -> Result<Arc<rustls::ClientConfig>> {
        let endpoint = (target.host.clone(), target.port);
        if let Some(c) = &self.tls_config
            && self.tls_for.as_ref() == Some(&endpoint)
        {
            return Ok(Arc::clone(c));
        }
        let c = tls::client_config(
            self.opts.ca_file.as_deref(),
            self.opts.insecure,
            Some(tls::Endpoint {
                host: endpoint.0.clone(),
                port: endpoint.1,
                trust: Arc::clone(&self.opts.trust),
            }),
        )?;
        let c = tls::with_store(&c, &self.tickets);
        self.tls_config = Some(Arc::clone(&c));
        self.tls_for = Some(endpoint);
        Ok(c)
    }

    /// Connect and log in. `--timeout` bounds the whole of it (DNS, connect, greeting, TLS,
    /// login), not each read, and Ctrl-C cuts it at any point (see `watchdog.rs`). A
    /// certificate refused by the verifier is explained, or, in the shell, asked about and
    /// the connection made again (see `trust.rs`).
    fn establish(&mut self, target: Target, out: &Printer) -> Result<Conn> {
        let trust = Arc::clone(&self.opts.trust);
        trust.forget_rejection();
        match self.establish_within(target.clone(), self.opts.timeout, out) {
            Err(e) => {
                trust.after_failure(&target.host, target.port, e, self.opts.interactive)?;
                self.establish_within(target, self.opts.timeout, out)
            }
            ok => ok,
        }
    }

    fn establish_within(&mut self, target: Target, limit: Duration, out: &Printer) -> Result<Conn> {
        let deadline = Instant::now() + limit;
        match self.establish_by(target.clone(), deadline, false, out) {
            Err(e) if e.is::<AuthRefused>() => self.establish_by(target, deadline, true, out),
            other => other,
        }
    }

    /// The TLS choice for `target`: `auto` becomes `require` for a server with a pinned or
    /// known certificate (`--pin`, a bookmark's pin, known_hosts), anonymous or not: else
    /// whoever can strip `AUTH TLS` from FEAT or refuse it would get a clear-text session
    /// (and the password) past the pin. An explicit `off` (`--no-tls`) stays off.
    fn tls_mode_for(&self, target: &Target) -> TlsMode {
        match self.opts.tls {
            TlsMode::Auto if self.opts.trust.requires_tls(&target.host, target.port) => {
                TlsMode::Require
            }
            mode => mode,
        }
    }

    /// One attempt of [`Session::establish`]; `auth_refused` says an earlier attempt learnt
    /// that the server refuses AUTH TLS, so this one logs in without it (after the warning).
    fn establish_by(
        &mut self,
        target: Target,
        deadline: Instant,
        auth_refused: bool,
        out: &Printer,
    ) -> Result<Conn> {
        let timeout = self.opts.timeout;
        let where_ = target.display_host();
        let mode = self.tls_mode_for(&target);
        let needs_tls = target.implicit_tls
            || mode == TlsMode::Require
            || (mode == TlsMode::Auto && !target.is_anonymous());
        // Built (and a bad --ca-file reported) before anything goes over the network.
        if needs_tls {
            self.tls_config(&target)?;
        }
        let dog =
            Arc::new(Watchdog::new().map_err(|e| anyhow::anyhow!("cannot start a thread: {e}"))?);
        let (tcp, addr) = dial(&target.host, target.port, deadline, timeout)?;
        let info: tls::SharedInfo = Arc::new(Mutex::new(None));
        dog.arm_until(deadline, timeout);
        let greeted = std::cell::Cell::new(false);
        let result =
            self.greet_and_login(target, tcp, addr, &dog, &info, &greeted, auth_refused, out);
        // A cut socket can still look like a success (a PWD whose failure login tolerates):
        // once the watchdog fired, the attempt failed.
        match (dog.disarm_and_take(), result) {
            (None, result) => result,
            (Some(Fired::Interrupted), _) => Err(Interrupted.into()),
            (Some(Fired::Timeout(t)), _) if !greeted.get() => Err(Remote::NoSession(format!(
                "cannot connect to {where_}: timed out: no greeting within {} s (--timeout)",
                t.as_secs()
            ))
            .into()),
            (Some(Fired::Timeout(t)), _) => Err(Remote::Lost(format!(
                "{where_}: timed out: login not complete within {} s (--timeout)",
                t.as_secs()
            ))
            .into()),
        }
    }

    /// Everything after the TCP connection: greeting, TLS, login, FEAT and the options.
    #[allow(clippy::too_many_arguments)]
    fn greet_and_login(
        &mut self,
        target: Target,
        tcp: TcpStream,
        addr: SocketAddr,
        dog: &Arc<Watchdog>,
        info: &tls::SharedInfo,
        greeted: &std::cell::Cell<bool>,
        auth_refused: bool,
        out: &Printer,
    ) -> Result<Conn> {
        let timeout = self.opts.timeout;
        let where_ = target.display_host();
        let domain = target.host.clone();
        let connect_err = |e: FtpError| -> anyhow::Error {
            match Self::ftp_err(e) {
                // Reset or closed before a greeting: a server restarting or overloaded.
                Remote::Lost(m) | Remote::NoSession(m) => {
                    Remote::NoSession(format!("cannot connect to {where_}: {m}"))
                }
                // Not an FTP greeting: the wrong port, no retry helps.
                Remote::Protocol(m) | Remote::Connect(m) => {
                    Remote::Connect(format!("cannot connect to {where_}: {m}"))
                }
                // "421 Too many connections" and the like: the server would not serve us now.
                Remote::Reply { code: 421, text } => {
                    Remote::NoSession(format!("cannot connect to {where_}: 421 {text}"))
                }
                Remote::Reply { code, text } => {
                    Remote::Connect(format!("cannot connect to {where_}: {code} {text}"))
                }
                other => other,
            }
            .into()
        };
        let mut ftp = if target.implicit_tls {
            // suppaftp opens the implicit-TLS socket itself; `dial` has shown the port answers.
            drop(tcp);
            let connector = tls::Connector::new(
                self.tls_config(&target)?,
                Arc::clone(&self.data_timeout),
                Arc::clone(info),
            )
            .with_watchdog(Arc::clone(dog));
            Ftp::connect_secure_implicit(addr, connector, &domain).map_err(connect_err)?
        } else {
            dog.watch(&tcp);
            let _ = tcp.set_read_timeout(Some(timeout));
            let _ = tcp.set_write_timeout(Some(timeout));
            Ftp::connect_with_stream(tcp).map_err(connect_err)?
        };
        // suppaftp takes a greeting cut off by the watchdog (EOF mid-line) as complete.
        greeted.set(dog.fired().is_none());
        let _ = ftp.get_ref().set_read_timeout(Some(timeout));
        let welcome = ftp.get_welcome_msg().map(str::to_string);
        // Names (and everything else sent) in the host's charset, every byte kept.
        ftp.set_encoding(self.charset());

        // Listings read the data socket through suppaftp, which gives up on the first read
        // timeout: give them the whole idle timeout (shortened while Tab completion fetches).
        // Transfers switch their socket to DATA_TICK polling themselves.
        let data_timeout = Arc::clone(&self.data_timeout);
        ftp = ftp.passive_stream_builder(move |addr| {
            let t = Duration::from_millis(data_timeout.load(Ordering::Relaxed));
            let s = TcpStream::connect_timeout(&addr, t).map_err(FtpError::ConnectionError)?;
            s.set_read_timeout(Some(t))
                .and_then(|_| s.set_write_timeout(Some(t)))
                .map_err(FtpError::ConnectionError)?;
            Ok(s)
        });
        if !self.passive {
            ftp = ftp.active_mode(timeout);
        }
        // A NAT-ed server announces its private address in 227; the control peer is right.
        ftp.set_passive_nat_workaround(true);

        let mode = self.tls_mode_for(&target);
        let needs_tls = mode == TlsMode::Require
            || (mode == TlsMode::Auto && !target.is_anonymous() && !auth_refused);
        if auth_refused {
            self.warn_clear_text(&target, out);
        }
        let mut features = HashMap::new();
        let mut tls_info = None;
        if target.implicit_tls {
            // suppaftp's implicit connect leaves data connections in the clear; servers
            // refuse that (vsftpd: 522), so ask for protected data as explicit TLS does.
            for cmd in ["PBSZ 0", "PROT P"] {
                ftp.custom_command(cmd, &[suppaftp::Status::CommandOk])
                    .map_err(|e| match Self::ftp_err(e) {
                        Remote::Reply { code, text } => Remote::Tls(format!(
                            "the server refused {cmd} ({code} {text}): it will not protect \
                             data connections; ftps:// cannot be used with it"
                        )),
                        other => other,
                    })?;
            }
            tls_info = Some(Arc::clone(info));
        } else if needs_tls {
            // Some servers refuse FEAT until login (530). Then AUTH TLS may still work, and
            // it is tried: a named user's password must not go out in clear while it might.
            let offered = match mode {
                TlsMode::Require => Some(true),
                _ => match feat(&mut ftp) {
                    Ok(f) => {
                        let offered = f.get("AUTH").is_some_and(|v| {
                            v.as_deref()
                                .unwrap_or("")
                                .to_ascii_uppercase()
                                .contains("TLS")
                        });
                        features = f;
                        Some(offered)
                    }
                    Err(e) => match Self::ftp_err(e) {
                        gone if gone.connection_gone() => return Err(gone.into()),
                        _ => None,
                    },
                },
            };
            let connector = tls::Connector::new(
                self.tls_config(&target)?,
                Arc::clone(&self.data_timeout),
                Arc::clone(info),
            );
            match offered {
                Some(false) => self.warn_clear_text(&target, out),
                Some(true) => {
                    ftp = ftp.into_secure(connector, &domain).map_err(|e| {
                        match Self::ftp_err(e) {
                            Remote::Reply { code, text } => Remote::Tls(format!(
                                "the server refused TLS (AUTH TLS: {code} {text}); --no-tls \
                                 logs in without it (the password then goes out in clear)"
                            )),
                            other => other,
                        }
                    })?;
                    tls_info = Some(Arc::clone(info));
                }
                // FEAT refused (some servers answer 530 until login): AUTH TLS may still
                // work, and a named user's password must not go out in clear while it might.
                // suppaftp's into_secure consumes the connection, so a refusal is retried
                // on a new connection in plain FTP (see `establish`).
                None => {
                    ftp = ftp.into_secure(connector, &domain).map_err(|e| {
                        match Self::ftp_err(e) {
                            Remote::Reply { code, .. } if (500..600).contains(&code) => {
                                anyhow::Error::new(AuthRefused)
                            }
                            other => other.into(),
                        }
                    })?;
                    tls_info = Some(Arc::clone(info));
                }
            }
        }

        let (user, password) = if target.is_anonymous() {
            (
                target.login_name().to_string(),
                target
                    .password
                    .clone()
                    .unwrap_or_else(|| "anonymous@".to_string()),
            )
        } else {
            (
                target.login_name().to_string(),
                target.password.clone().unwrap_or_default(),
            )
        };
        ftp.login(&user, &password)
            .map_err(|e| match Self::ftp_err(e) {
                Remote::Reply { code, text } if (500..600).contains(&code) || code == 332 => {
                    Remote::Login(format!("login as {user} failed: {code} {text}"))
                }
                Remote::Reply { code: 421, text } => {
                    Remote::NoSession(format!("{where_} refused the session: 421 {text}"))
                }
                other => other,
            })?;

        if let Ok(f) = feat(&mut ftp) {
            features = f;
        }
        if features.contains_key("UTF8") {
            let _ = ftp.opts("UTF8", Some("ON"));
        }
        // Servers such as pyftpdlib offer unix.mode but do not send it unless asked; with it
        // `ls -l` shows rwx permissions instead of RFC 3659 perm letters.
        if let Some(Some(facts)) = features.get("MLST")
            && facts.to_ascii_lowercase().contains("unix.mode")
            && !facts.to_ascii_lowercase().contains("unix.mode*")
        {
            let _ = ftp.custom_command(
                "OPTS MLST type;size;modify;perm;unix.mode;",
                &[suppaftp::Status::CommandOk],
            );
        }
        send_type(&mut ftp, self.ascii).map_err(anyhow::Error::new)?;
        let login_dir = ftp
            .pwd()
            .map(|d| d.trim_end_matches('/').to_string())
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/".to_string());
        let epsv = addr.is_ipv6() || features.contains_key("EPSV");
        let mut conn = Conn {
            ftp,
            target,
            tls: tls_info,
            features,
            welcome,
            cwd: login_dir.clone(),
            login_dir,
            prev_dir: None,
            dead: false,
            epsv,
            timeout,
            passive: self.passive,
            watchdog: Arc::clone(dog),
            hash_algo: None,
        };
        apply_mode(&mut conn, self.passive);
        Ok(conn)
    }

    /// The clear-text password warning: once per host and run, and never with `-q`.
    fn warn_clear_text(&mut self, target: &Target, out: &Printer) {
        let host = target.display_host();
        if out.quiet || !self.warned_clear.insert(host.clone()) {
            return;
        }
        out.warn(&format!(
            "{host} does not offer TLS: the password goes over the network in clear \
             (--tls refuses that, --no-tls silences this)"
        ));
    }

    /// Reconnect when the server dropped the control connection since the last command
    /// (421 or EOF): log in again and go back to the same directory.
    pub fn ensure_alive(&mut self, out: &Printer) -> Result<()> {
        self.reconnect_within(self.opts.timeout, out)
    }

    /// Before a data connection: over TLS 1.3, when the session cache holds no ticket for
    /// the server any more (uploads use them up, see [`tls::Tickets`]), log in again quietly
    /// so that the data connection can resume the control connection's session, which vsftpd
    /// and proftpd require.
    pub fn renew_tls_tickets(&mut self) -> Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        let tls13 = conn
            .tls_report()
            .and_then(|t| t.version)
            .is_some_and(|v| v.contains("1.3"));
        if conn.dead || !tls13 || self.tickets.tls13(&conn.target.host) > 0 {
            return Ok(());
        }
        let _ = conn.with_timeout(Duration::from_secs(2), |c| c.ftp.quit());
        conn.dead = true;
        self.reconnect_within(self.opts.timeout, &Printer::new(true, false))
    }

    /// [`Session::ensure_alive`] with its own time limit (Tab completion allows less). A
    /// failed reconnect keeps the dead connection and its target, so the prompt still names
    /// the server and the next command (or `open` alone) tries again.
    fn reconnect_within(&mut self, limit: Duration, out: &Printer) -> Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        if !conn.dead && control_alive(conn) {
            return Ok(());
        }
        conn.dead = true;
        let target = conn.target.clone();
        let cwd = conn.cwd.clone();
        let prev = conn.prev_dir.clone();
        out.info(&format!(
            "connection to {} lost; reconnecting",
            target.display_host()
        ));
        let mut conn = self.establish_within(target, limit, out)?;
        // Logged in again. If the old directory is gone the command must not run somewhere
        // else (a batch `rm` in the login directory): it fails, the session stays usable.
        let back = conn.ftp.cwd(&cwd);
        let login_dir = conn.cwd.clone();
        if back.is_ok() {
            conn.cwd = cwd.clone();
            conn.prev_dir = prev;
        }
        self.conn = Some(conn);
        back.map_err(|e| {
            anyhow::Error::new(Self::ftp_err(e)).context(format!(
                "reconnected, but cannot return to {} (now in {})",
                crate::listing::display_name(&cwd),
                crate::listing::display_name(&login_dir)
            ))
        })
    }

    /// Remember that the connection is gone when a command failed that way.
    pub fn note_failure(&mut self, err: &anyhow::Error) {
        let gone = err
            .chain()
            .filter_map(|c| c.downcast_ref::<Remote>())
            .any(Remote::connection_gone);
        if gone && let Some(c) = self.conn.as_mut() {
            c.dead = true;
        }
    }

    /// Send QUIT (best effort) and forget the connection.
    pub fn close(&mut self) {
        if let Some(mut c) = self.conn.take()
            && !c.dead
        {
            let _ = c.with_timeout(Duration::from_secs(2), |c| c.ftp.quit());
        }
    }

    pub fn cd(&mut self, path: &str) -> Result<()> {
        let conn = self.conn()?;
        conn.ftp.cwd(path).map_err(Self::ftp_err)?;
        Ok(conn.moved()?)
    }

    /// Whether a remote path is a directory: CWD into it and back.
    pub fn is_dir(&mut self, path: &str) -> Result<bool> {
        let conn = self.conn()?;
        if conn.ftp.cwd(path).is_err() {
            return Ok(false);
        }
        let back = conn.cwd.clone();
        conn.ftp.cwd(&back).map_err(Self::ftp_err)?;
        Ok(true)
    }

    pub fn cdup(&mut self) -> Result<()> {
        let conn = self.conn()?;
        conn.ftp.cdup().map_err(Self::ftp_err)?;
        Ok(conn.moved()?)
    }

    /// Change the transfer type; the shell's state changes only once the server agreed.
    pub fn set_ascii(&mut self, ascii: bool) -> Result<()> {
        if let Some(conn) = self.conn.as_mut() {
            conn.set_type(ascii)?;
        }
        self.ascii = ascii;
        Ok(())
    }

    /// Arm the connection's watchdog for one command (the runner calls this).
    pub fn arm_watchdog(&self) {
        if let Some(c) = &self.conn {
            c.watchdog.arm(self.opts.timeout);
        }
    }

    /// Disarm it; if it cut the connection, the connection is marked for reconnect and the
    /// reason returned.
    pub fn disarm_watchdog(&mut self) -> Option<Fired> {
        let c = self.conn.as_mut()?;
        let fired = c.watchdog.disarm_and_take();
        if fired.is_some() {
            c.dead = true;
        }
        fired
    }

    /// What a worker of a parallel transfer needs to open a connection of its own like this
    /// one: the server and credentials, the TLS choice and configuration (each worker gets a
    /// copy with its own session cache, see [`tls::with_store`]), type, mode and
    /// the remote directory.
    pub fn worker_spec(&mut self) -> Result<WorkerSpec> {
        let tls_config = match &self.conn()?.tls {
            Some(_) => {
                let target = self.conn()?.target.clone();
                Some(self.tls_config(&target)?)
            }
            None => None,
        };
        let opts = Opts {
            interactive: false,
            ..self.opts.clone()
        };
        let conn = self.conn()?;
        Ok(WorkerSpec {
            opts,
            target: conn.target.clone(),
            cwd: conn.cwd.clone(),
            ascii: self.ascii,
            passive: self.passive,
            tls_config,
            verify: self.verify.clone(),
        })
    }

    /// Whether the control connection is still there (not marked dead, not closed by the
    /// server): after a failure, whether the connection can be used for the next job.
    pub fn connection_alive(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| !c.dead && control_alive(c))
    }

    pub fn set_passive(&mut self, passive: bool) {
        self.passive = passive;
        if let Some(conn) = self.conn.as_mut() {
            apply_mode(conn, passive);
        }
    }

    /// Fetch and parse a directory listing: MLSD when the server offers MLST (vsftpd does not
    /// and answers MLSD with 500), else LIST. A path MLSD refuses (a file, say) is tried with
    /// LIST. Lines are parsed as they arrive, within [`LISTING_MAX_BYTES`] and
    /// `Opts::listing_limit`. An explicit path that lists empty must exist (vsftpd lists a
    /// missing path as empty). A directory listing is kept in the completion cache.
    pub fn list(&mut self, path: Option<&str>) -> Result<Vec<Entry>> {
        self.list_from(path).map(|(entries, _)| entries)
    }

    /// [`Session::list`], and which listing the entries came from: [`ListKind::Mlsd`] (times
    /// to the second) or [`ListKind::List`] (times to the minute or the day, see
    /// [`listing::Precision`]). Tree walks need that to compare times fairly.
    pub fn list_from(&mut self, path: Option<&str>) -> Result<(Vec<Entry>, ListKind)> {
        let now = chrono::Utc::now();
        let conn = self.conn()?;
        let key = remote_join(&conn.cwd, path.unwrap_or("."));
        let mlst = conn.has_feature("MLST");
        if mlst {
            match self.collect_listing(ListKind::Mlsd, path, now) {
                Ok(entries) => {
                    if entries.is_empty()
                        && let Some(p) = path
                    {
                        self.check_listed_path(p)?;
                    }
                    self.cache.store(key, &entries);
                    return Ok((entries, ListKind::Mlsd));
                }
                Err(e) if refused(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let entries = match self.collect_listing(ListKind::List, path, now) {
            Ok(entries) => entries,
            Err(err) => {
                // Servers such as libunftp list only directories; MLST describes one file
                // (with an absolute path: libunftp answers 550 to a relative one).
                if let (Some(p), Some(Remote::Reply { code: 550, .. })) =
                    (path, err.downcast_ref::<Remote>())
                    && mlst
                    && let Ok(line) = self.conn()?.ftp.mlst(Some(&key))
                    && let Some(mut entry) = listing::parse_mlsd_line(&line)
                    && entry.raw.is_none()
                {
                    entry.name = p.to_string();
                    return Ok((vec![entry], ListKind::Mlsd));
                }
                return Err(err);
            }
        };
        if entries.is_empty()
            && let Some(p) = path
        {
            self.check_listed_path(p)?;
        }
        // LIST of a file answers that file's line: only a listing of the working directory
        // is surely a directory's.
        if path.is_none() {
            self.cache.store(key, &entries);
        }
        Ok((entries, ListKind::List))
    }

    /// A listing parsed line by line as it arrives (no raw lines kept beyond what an
    /// [`Entry`] needs), sorted.
    fn collect_listing(
        &mut self,
        kind: ListKind,
        path: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Entry>> {
        let mut parser = listing::ListingParser::new(kind == ListKind::Mlsd, now);
        let mut entries = Vec::new();
        self.stream_listing(kind, path, &mut |event| {
            if let ListEvent::Line(line) = event {
                parser.feed(line, &mut entries);
            }
            Ok(())
        })?;
        parser.finish(&mut entries);
        listing::sort_entries(&mut entries);
        Ok(entries)
    }

    /// `dir` and `nlist`: the server's lines handed to `each` as they arrive, never
    /// collected. An explicit path that lists nothing must exist, as for [`Session::list`].
    pub fn raw_listing(
        &mut self,
        kind: ListKind,
        path: Option<&str>,
        each: &mut dyn FnMut(ListEvent) -> Result<()>,
    ) -> Result<()> {
        let mut any = false;
        self.stream_listing(kind, path, &mut |event| {
            any |= matches!(event, ListEvent::Line(_));
            each(event)
        })?;
        if !any && let Some(p) = path {
            self.check_listed_path(p)?;
        }
        Ok(())
    }

    /// Run one listing command and hand its lines to `each` as they arrive: bounded by
    /// [`LISTING_MAX_BYTES`], `Opts::listing_limit` and a line length; Ctrl-C and the idle
    /// timeout are polled every [`DATA_TICK`]. A listing that stops early is aborted and the
    /// control connection checked, so the next command finds it in step (or reconnects).
    pub fn stream_listing(
        &mut self,
        kind: ListKind,
        path: Option<&str>,
        each: &mut dyn FnMut(ListEvent) -> Result<()>,
    ) -> Result<()> {
        // The stall timeout (shortened while Tab completion fetches a listing).
        let idle = self.opts.stall_timeout;
        let limit = self.opts.listing_limit;
        let charset = self.charset();
        let conn = self.conn()?;
        let shown = listing::display_name(&remote_join(&conn.cwd, path.unwrap_or(".")));
        let command = match path {
            Some(p) => format!("{} {p}", kind.verb()),
            None => kind.verb().to_string(),
        };
        let (_, mut stream) = conn.data(|ftp| {
            ftp.custom_data_command(
                &command,
                &[suppaftp::Status::AboutToSend, suppaftp::Status::AlreadyOpen],
            )
        })?;
        let _ = stream.get_ref().get_ref().set_read_timeout(Some(DATA_TICK));
        match read_listing(&mut stream, idle, limit, &shown, charset, each) {
            Ok(()) => stream.finish().map_err(|e| {
                let reply = match Self::ftp_err(e) {
                    // As for a file: the data connection broke, the listing may be cut.
                    Remote::Reply {
                        code: code @ (425 | 426),
                        text,
                    } => Remote::Incomplete(format!("listing broken off: {code} {text}")),
                    other => other,
                };
                if reply.connection_gone() {
                    conn.dead = true;
                }
                reply.into()
            }),
            Err(stop) => Err(abandon_listing(conn, stream, stop)),
        }
    }

    /// vsftpd answers LIST of a missing path (or a glob that matches nothing) with an empty
    /// listing and 226: a path that listed empty is only empty if it exists, as a directory
    /// (CWD into it and back) or a file (MLST where offered, else SIZE). Else 550.
    fn check_listed_path(&mut self, path: &str) -> Result<()> {
        let conn = self.conn()?;
        let gone = |e: FtpError| -> Option<Remote> {
            let r = Self::ftp_err(e);
            r.connection_gone().then_some(r)
        };
        if conn.has_feature("MLST") {
            match conn.ftp.mlst(Some(&remote_join(&conn.cwd, path))) {
                Ok(_) => return Ok(()),
                Err(e) => {
                    if let Some(r) = gone(e) {
                        return Err(r.into());
                    }
                }
            }
        }
        match conn.ftp.cwd(path) {
            Ok(()) => {
                let back = conn.cwd.clone();
                return conn.ftp.cwd(&back).map_err(|e| {
                    // The server is in `path` now, not where the session thinks: start over.
                    conn.dead = true;
                    Self::ftp_err(e).into()
                });
            }
            Err(e) => {
                if let Some(r) = gone(e) {
                    return Err(r.into());
                }
            }
        }
        match conn.ftp.size(path) {
            Ok(_) => Ok(()),
            Err(e) => match gone(e) {
                Some(r) => Err(r.into()),
                None => Err(Remote::Reply {
                    code: 550,
                    text: "No such file or directory".into(),
                }
                .into()),
            },
        }
    }

    /// Entries of a remote directory for Tab completion: from the cache, else fetched with a
    /// short timeout. Never reconnects and never blocks long: on any trouble, nothing.
    pub fn completion_listing(&mut self, dir: &str) -> Vec<Entry> {
        if let Some(entries) = self.cache.get(dir) {
            return entries;
        }
        if self.conn.is_none() {
            return Vec::new();
        }
        // The server dropped an idle connection: log in again, within Tab's time limit and
        // without a word on the line being edited; the reason stays for the shell to show.
        self.completion_note = None;
        if let Err(e) = self.reconnect_within(COMPLETION_TIMEOUT, &Printer::new(true, false)) {
            self.completion_note = Some(format!("cannot complete: {}", crate::error::render(&e)));
            return Vec::new();
        }
        let Some(conn) = self.conn.as_mut() else {
            return Vec::new();
        };
        let normal = self.data_timeout.load(Ordering::Relaxed);
        self.data_timeout
            .store(COMPLETION_TIMEOUT.as_millis() as u64, Ordering::Relaxed);
        let _ = conn
            .ftp
            .get_ref()
            .set_read_timeout(Some(COMPLETION_TIMEOUT));
        let stall = self.opts.stall_timeout;
        self.opts.stall_timeout = stall.min(COMPLETION_TIMEOUT);
        let result = self.list(Some(dir));
        self.opts.stall_timeout = stall;
        self.data_timeout.store(normal, Ordering::Relaxed);
        if let Some(conn) = self.conn.as_mut() {
            let _ = conn.ftp.get_ref().set_read_timeout(Some(conn.timeout));
        }
        match result {
            Ok(entries) => {
                self.cache.store(dir.to_string(), &entries);
                entries
            }
            Err(e) => {
                // A timed-out reply may still arrive later and would answer the wrong command.
                self.note_failure(&e);
                Vec::new()
            }
        }
    }

    /// Forget cached listings of directories a command changed.
    pub fn invalidate(&mut self, dirs: &[String]) {
        let cwd = self
            .conn
            .as_ref()
            .map(|c| c.cwd.clone())
            .unwrap_or_default();
        for d in dirs {
            self.cache.remove(&remote_join(&cwd, d));
        }
    }

    pub fn invalidate_all(&mut self) {
        self.cache = ListingCache::default();
    }

    /// The remote working directory, if connected.
    pub fn cwd(&self) -> Option<&str> {
        self.conn.as_ref().map(|c| c.cwd.as_str())
    }

    /// Convert a suppaftp error into what it means for the user.
    pub fn ftp_err(e: FtpError) -> Remote {
        match e {
            FtpError::UnexpectedResponse(r) => Remote::Reply {
                code: reply_code(&r.body).unwrap_or(r.status.code()),
                text: reply_text(&r.body),
            },
            FtpError::ConnectionError(io) => {
                if let Some(m) = tls::describe_tls_error(&io) {
                    return Remote::Tls(m);
                }
                use std::io::ErrorKind::*;
                match io.kind() {
                    TimedOut | WouldBlock => Remote::Lost("timed out".to_string()),
                    UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => {
                        Remote::Lost("connection closed by the server".to_string())
                    }
                    ConnectionRefused => Remote::Connect("connection refused".to_string()),
                    _ => Remote::Lost(crate::error::io_message(&io)),
                }
            }
            FtpError::SecureError(m) => Remote::Tls(format!("TLS failure: {m}")),
            FtpError::BadResponse => Remote::Protocol("malformed reply from the server".into()),
            FtpError::InvalidAddress(e) => {
                Remote::Protocol(format!("bad address in the server's reply: {e}"))
            }
            FtpError::DataConnectionAlreadyOpen => {
                Remote::Protocol("a data connection is already open".into())
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

/// How long Tab completion may wait for a listing.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a cached listing is trusted.
const CACHE_TTL: Duration = Duration::from_secs(30);

/// Most entries the completion cache holds in all, so a long session in huge directories
/// cannot grow it without limit; a bigger listing is not cached.
const CACHE_MAX_ENTRIES: usize = 200_000;
/// Most directories the completion cache holds.
const CACHE_MAX_DIRS: usize = 256;

/// Directory listings by absolute path, each trusted for [`CACHE_TTL`].
#[derive(Default)]
struct ListingCache {
    dirs: HashMap<String, (Instant, Vec<Entry>)>,
}

impl ListingCache {
    fn get(&self, dir: &str) -> Option<Vec<Entry>> {
        let (when, entries) = self.dirs.get(dir)?;
        (when.elapsed() < CACHE_TTL).then(|| entries.clone())
    }

    fn store(&mut self, dir: String, entries: &[Entry]) {
        self.dirs.remove(&dir);
        if entries.len() > CACHE_MAX_ENTRIES {
            return;
        }
        self.dirs.retain(|_, (when, _)| when.elapsed() < CACHE_TTL);
        let mut total: usize = self.dirs.values().map(|(_, e)| e.len()).sum();
        while self.dirs.len() >= CACHE_MAX_DIRS || total + entries.len() > CACHE_MAX_ENTRIES {
            let Some(oldest) = self
                .dirs
                .iter()
                .min_by_key(|(_, (when, _))| *when)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, e)) = self.dirs.remove(&oldest) {
                total -= e.len();
            }
        }
        self.dirs.insert(dir, (Instant::now(), entries.to_vec()));
    }

    fn remove(&mut self, dir: &str) {
        self.dirs.remove(dir);
    }
}

// ---------------------------------------------------------------------------------------
// Listings, streamed

/// Most bytes one listing (LIST, MLSD or NLST) may have. A server that keeps sending (a
/// hostile one, or a directory of millions) is stopped with an error instead of filling
/// memory. The entry limit is the `listing_limit` setting (`Opts::listing_limit`).
pub const LISTING_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Longest line of a listing: far above a real name (PATH_MAX is 4096) and its facts.
const LISTING_MAX_LINE: usize = 64 * 1024;
/// How much one read takes from the data connection.
const LISTING_READ: usize = 64 * 1024;

/// The listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// RFC 3659 facts, one entry per line.
    Mlsd,
    /// The server's `ls -l` style lines.
    List,
    /// Names only.
    Nlst,
}

impl ListKind {
    fn verb(self) -> &'static str {
        match self {
            ListKind::Mlsd => "MLSD",
            ListKind::List => "LIST",
            ListKind::Nlst => "NLST",
        }
    }
}

/// What a streamed listing hands its consumer.
#[derive(Debug, PartialEq, Eq)]
pub enum ListEvent<'a> {
    /// One line, without its line end, never empty; bytes that are not UTF-8 are replaced.
    Line(&'a str),
    /// Every line received so far has been handed over; the next read may wait: a consumer
    /// that prints lines as they arrive writes them out now.
    Pause,
}

/// Why a listing stopped before its end.
enum ListStop {
    Interrupted,
    /// A cap was reached: the message says which.
    Limit(String),
    /// The consumer failed (stdout closed, say).
    Consumer(anyhow::Error),
    /// The server sent nothing for the idle timeout.
    Idle(Remote),
    /// The data connection broke.
    Broken(Remote),
}

/// Read a listing's data connection to its end, handing each line to `each`.
fn read_listing<R: std::io::Read>(
    stream: &mut R,
    idle_limit: Duration,
    max_entries: u64,
    shown: &str,
    charset: crate::charset::Charset,
    each: &mut dyn FnMut(ListEvent) -> Result<()>,
) -> Result<(), ListStop> {
    use std::io::ErrorKind;
    let mut buf = vec![0u8; LISTING_READ];
    // The line being assembled across reads; never longer than LISTING_MAX_LINE.
    let mut partial: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    let mut lines: u64 = 0;
    let mut idle = Duration::ZERO;
    let too_long = || {
        ListStop::Limit(format!(
            "listing of {shown} has a line longer than {} KiB; stopped",
            LISTING_MAX_LINE / 1024
        ))
    };
    // One complete line: counted against the entry cap, then handed over.
    fn emit(
        line: &[u8],
        lines: &mut u64,
        max_entries: u64,
        shown: &str,
        charset: crate::charset::Charset,
        each: &mut dyn FnMut(ListEvent) -> Result<()>,
    ) -> Result<(), ListStop> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        *lines += 1;
        if *lines > max_entries {
            return Err(ListStop::Limit(format!(
                "listing of {shown} exceeds {max_entries} entries; stopped"
            )));
        }
        // Names in the host's charset, every byte kept (src/charset.rs).
        each(ListEvent::Line(&charset.decode(line))).map_err(ListStop::Consumer)
    }
    loop {
        if crate::interrupt::requested() {
            return Err(ListStop::Interrupted);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                idle += DATA_TICK;
                if idle >= idle_limit {
                    return Err(ListStop::Idle(Remote::Incomplete(format!(
                        "no data for {} s: listing stalled (--stall-timeout)",
                        idle_limit.as_secs_f64().round()
                    ))));
                }
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(ListStop::Broken(data_io_error(e))),
        };
        idle = Duration::ZERO;
        total += n as u64;
        if total > LISTING_MAX_BYTES {
            return Err(ListStop::Limit(format!(
                "listing of {shown} exceeds {} MiB; stopped",
                LISTING_MAX_BYTES / (1024 * 1024)
            )));
        }
        let mut rest = &buf[..n];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(end);
            if partial.len() + head.len() > LISTING_MAX_LINE {
                return Err(too_long());
            }
            if partial.is_empty() {
                emit(head, &mut lines, max_entries, shown, charset, each)?;
            } else {
                partial.extend_from_slice(head);
                emit(&partial, &mut lines, max_entries, shown, charset, each)?;
                partial.clear();
            }
            rest = &tail[1..];
        }
        if partial.len() + rest.len() > LISTING_MAX_LINE {
            return Err(too_long());
        }
        partial.extend_from_slice(rest);
        each(ListEvent::Pause).map_err(ListStop::Consumer)?;
    }
    // A last line without its line end.
    emit(&partial, &mut lines, max_entries, shown, charset, each)?;
    each(ListEvent::Pause).map_err(ListStop::Consumer)
}

/// Clean up after a listing that stopped early and say why. While the server may still be
/// sending (a cap, Ctrl-C, a failed consumer, silence) ABOR stops it; a broken data
/// connection is closed and the server's final reply read, which may name the cause. Either
/// way a NOOP then checks that the control connection is in step (libunftp's late 426 after
/// ABOR); a connection that is not, or whose replies cannot be read, is marked dead and the
/// next command reconnects. The same policy as transfers (transfer.rs `finish_failed`).
fn abandon_listing(
    conn: &mut Conn,
    stream: suppaftp::TransferStream<tls::Stream>,
    stop: ListStop,
) -> anyhow::Error {
    let wait = match stop {
        ListStop::Interrupted => AFTERMATH_ABORT,
        _ => AFTERMATH,
    };
    conn.aftermath(wait, |conn| {
        let err: anyhow::Error = match stop {
            ListStop::Broken(cause) => match stream.finish() {
                Ok(()) => cause.into(),
                Err(e) => match Session::ftp_err(e) {
                    reply @ Remote::Reply { code: 450.., .. } => reply.into(),
                    other => {
                        if other.connection_gone() {
                            conn.dead = true;
                        }
                        cause.into()
                    }
                },
            },
            other => {
                if let Err(e) = conn.ftp.abort(stream) {
                    // vsftpd and pyftpdlib end ABOR with 225, which suppaftp does not expect.
                    if !matches!(Session::ftp_err(e), Remote::Reply { code: 225, .. }) {
                        conn.dead = true;
                    }
                }
                match other {
                    ListStop::Interrupted => crate::error::Interrupted.into(),
                    ListStop::Limit(m) => anyhow::anyhow!(m),
                    ListStop::Consumer(e) => e,
                    ListStop::Idle(r) | ListStop::Broken(r) => r.into(),
                }
            }
        };
        if !conn.dead && conn.ftp.noop().is_err() {
            conn.dead = true;
        }
        err
    })
}

/// A listing command the server refused (5xx other than 530): worth trying another.
fn refused(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<Remote>(),
        Some(Remote::Reply { code, .. }) if (500..600).contains(code) && *code != 530
    )
}

/// `path` resolved against the remote directory `cwd`, with `.` and `..` folded:
/// `("/pub", "a/../b/")` → `/pub/b`.
pub fn remote_join(cwd: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The directory holding `path`: `a/b` → `a`, `b` → `.`, `/x` → `/`.
pub fn remote_parent(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => trimmed[..i].to_string(),
        None => ".".to_string(),
    }
}

fn apply_mode(conn: &mut Conn, passive: bool) {
    conn.passive = passive;
    conn.ftp.set_mode(match (passive, conn.epsv) {
        (false, _) => Mode::Active,
        (true, true) => Mode::ExtendedPassive,
        (true, false) => Mode::Passive,
    });
}

/// The longest wait for the replies that follow a transfer or listing that stopped early
/// ([`Conn::aftermath`]). A stalled server answers none of them, so this is what a stall costs
/// after its idle timeout. After Ctrl-C the wait is shorter: the user is waiting for the
/// prompt, and a live server answers ABOR at once (if it does not, the next command
/// reconnects).
pub const AFTERMATH: Duration = Duration::from_secs(2);
pub const AFTERMATH_ABORT: Duration = Duration::from_secs(1);

/// A data-connection I/O error as what it means for the transfer or listing: TLS trouble, or
/// an incomplete transfer (exit 8; the control connection may still be fine).
pub fn data_io_error(e: std::io::Error) -> Remote {
    if let Some(m) = tls::describe_tls_error(&e) {
        return Remote::Tls(m);
    }
    use std::io::ErrorKind::*;
    match e.kind() {
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => {
            Remote::Incomplete("data connection closed by the server".into())
        }
        _ => Remote::Incomplete(format!("data connection: {}", crate::error::io_message(&e))),
    }
}

/// FEAT, read as one reply. suppaftp's `feat` reads on after a single-line `211 no features`
/// answer, waiting for lines that never come (a hang until the timeout).
/// (No expected code is passed: with 211 expected, suppaftp stops at the `211-` opener.)
fn feat(ftp: &mut Ftp) -> FtpResult<HashMap<String, Option<String>>> {
    let reply = match ftp.custom_command("FEAT", &[]) {
        Err(FtpError::UnexpectedResponse(r)) if reply_code(&r.body) == Some(211) => r,
        Err(e) => return Err(e),
        Ok(r) => return Err(FtpError::UnexpectedResponse(r)),
    };
    let text = String::from_utf8_lossy(&reply.body);
    let mut features = HashMap::new();
    // Feature lines start with a space; the first and last lines carry the 211 code.
    for line in text.lines().filter(|l| l.starts_with(' ')) {
        let mut words = line.trim().splitn(2, ' ');
        let Some(name) = words.next().filter(|n| !n.is_empty()) else {
            continue;
        };
        let value = words.next().map(str::trim).filter(|v| !v.is_empty());
        features.insert(name.to_ascii_uppercase(), value.map(str::to_string));
    }
    Ok(features)
}

/// `TYPE A` or `TYPE I`. suppaftp's ascii type sends `TYPE A N`, which pyftpdlib refuses
/// (504); plain `TYPE A` means the same and every server takes it.
fn send_type(ftp: &mut Ftp, ascii: bool) -> Result<(), Remote> {
    let cmd = if ascii { "TYPE A" } else { "TYPE I" };
    ftp.custom_command(cmd, &[suppaftp::Status::CommandOk])
        .map(|_| ())
        .map_err(Session::ftp_err)
}

/// The server refused AUTH TLS after refusing FEAT: retry the login in plain FTP.
#[derive(Debug)]
struct AuthRefused;

impl std::fmt::Display for AuthRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server refused AUTH TLS")
    }
}
impl std::error::Error for AuthRefused {}

/// Resolve `host` and open a TCP connection before `deadline`. DNS and connect run on a
/// helper thread, polled every [`crate::watchdog::POLL`]: neither can be interrupted where it
/// blocks, and Ctrl-C must bring the prompt back at once (the thread ends on its own, within
/// the deadline).
fn dial(
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr)> {
    let where_ = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let host = host.to_string();
    let shown = where_.clone();
    std::thread::Builder::new()
        .name("ftpsh-dial".into())
        .spawn(move || {
            let result = (|| {
                let addrs: Vec<SocketAddr> = (host.as_str(), port)
                    .to_socket_addrs()
                    .map_err(|e| {
                        Remote::Connect(format!(
                            "cannot resolve {host}: {}",
                            crate::error::io_message(&e)
                        ))
                    })?
                    .collect();
                let mut last = None;
                for addr in addrs {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    match TcpStream::connect_timeout(&addr, left) {
                        Ok(s) => return Ok((s, addr)),
                        Err(e) => last = Some(e),
                    }
                }
                Err(match last {
                    Some(e) if e.kind() != std::io::ErrorKind::TimedOut => {
                        Remote::Connect(format!(
                            "cannot connect to {shown}: {}",
                            crate::error::io_message(&e)
                        ))
                    }
                    _ => Remote::NoSession(format!(
                        "cannot connect to {shown}: no answer within {} s (--timeout)",
                        timeout.as_secs()
                    )),
                })
            })();
            let _ = tx.send(result);
        })
        .map_err(|e| anyhow::anyhow!("cannot start a thread: {e}"))?;
    loop {
        match rx.recv_timeout(crate::watchdog::POLL) {
            Ok(result) => return result.map_err(Into::into),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Remote::Connect(format!("cannot connect to {where_}")).into());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if crate::interrupt::requested() {
            return Err(Interrupted.into());
        }
        if Instant::now() >= deadline {
            return Err(Remote::NoSession(format!(
                "cannot connect to {where_}: no answer within {} s (--timeout)",
                timeout.as_secs()
            ))
            .into());
        }
    }
}

/// Between commands the server has nothing to say; pending bytes (a 421) or EOF mean it has
/// closed the connection. A non-blocking peek answers that without a round trip.
fn control_alive(conn: &Conn) -> bool {
    let sock = conn.ftp.get_ref();
    if sock.set_nonblocking(true).is_err() {
        return false;
    }
    let mut buf = [0u8; 1];
    let alive = matches!(sock.peek(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    let _ = sock.set_nonblocking(false);
    alive
}

/// `text` with the password of every `scheme://user:password@host` word in it removed, for
/// error messages and history: `get ftp://bob:pw@h/x` → `get ftp://bob@h/x`. Only words with
/// a scheme: `10:00@web1.log` is a file name.
pub fn redact(text: &str) -> String {
    // A URL runs from its word to the next URL's: a password may hold blanks (`ftp://bob:my
    // pw@h`, one quoted argument, parses), and `redact_url` finds the userinfo in the text as
    // the URL parser does.
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if !words[i].contains("://") {
            out.push(words[i].to_string());
            i += 1;
            continue;
        }
        let end = words[i + 1..]
            .iter()
            .position(|w| scheme_end(w).is_some())
            .map_or(words.len(), |n| i + 1 + n);
        out.push(redact_url(&words[i..end].join(" ")));
        i = end;
    }
    out.join(" ")
}

/// Where the `scheme://` a word starts with ends. A `://` after a `/`, `@` or `:` is in a
/// path (`bob:pw@host/a://b`), not after a scheme.
fn scheme_end(word: &str) -> Option<usize> {
    word.find("://")
        .filter(|&i| !word[..i].contains(['/', '@', ':']))
        .map(|i| i + 3)
}

/// One URL (or `user:password@host` where a URL is expected) without its password.
pub fn redact_url(word: &str) -> String {
    let start = scheme_end(word).unwrap_or(0);
    let rest = &word[start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = match authority.rfind('@') {
        Some(at) => at,
        // `bob:pa/ss@host`: a `/` in the password ends the authority early. When what
        // follows the `:` cannot be a port, the userinfo runs to the last `@`.
        None => match (authority.find(':'), rest.rfind('@')) {
            (Some(colon), Some(at))
                if !authority[colon + 1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                at
            }
            _ => return word.to_string(),
        },
    };
    let Some(colon) = rest[..at].find(':') else {
        return word.to_string();
    };
    format!("{}{}", &word[..start + colon], &rest[at..])
}

/// The code of a reply, read from its last line: suppaftp's `Status` has no variant for
/// codes such as 522 and reports them as 0.
pub fn reply_code(body: &[u8]) -> Option<u32> {
    let s = String::from_utf8_lossy(body);
    let last = s.lines().rev().find(|l| !l.trim().is_empty())?;
    let code = last.get(..3)?;
    code.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| code.parse().ok())
        .flatten()
}

/// The text of a reply without its codes: `550 No such file` → `No such file`; multi-line
/// replies are joined with spaces. Control characters are replaced: this text is printed.
pub fn reply_text(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let parts: Vec<String> = s
        .lines()
        .map(|l| {
            let l = l.trim_end();
            let bytes = l.as_bytes();
            if bytes.len() >= 4
                && bytes[..3].iter().all(u8::is_ascii_digit)
                && (bytes[3] == b' ' || bytes[3] == b'-')
            {
                l[4..].trim().to_string()
            } else if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_digit) {
                String::new()
            } else {
                l.trim().to_string()
            }
        })
        .filter(|l| !l.is_empty())
        .collect();
    crate::listing::display_name(&parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Target::parse("ftp.example.org").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user, t.path),
            ("ftp.example.org", 21, None, None)
        );
        let t = Target::parse("host:2121").unwrap();
        assert_eq!(t.port, 2121);
        let t = Target::parse("ftp://us%40er:p%3Aw@h/pub/a%20b").unwrap();
        assert_eq!(t.user.as_deref(), Some("us@er"));
        assert_eq!(t.password.as_deref(), Some("p:w"));
        assert_eq!(t.path.as_deref(), Some("pub/a b"));
        let t = Target::parse("ftp://h/pub/f?.gz").unwrap();
        assert_eq!(t.path.as_deref(), Some("pub/f?.gz"));
        let t = Target::parse("ftp://h/%2Fetc").unwrap();
        assert_eq!(t.path.as_deref(), Some("/etc"));
        let t = Target::parse("ftps://h").unwrap();
        assert!(t.implicit_tls);
        assert_eq!(t.port, 990);
        let t = Target::parse("ftp://[::1]:2121/").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 2121));
        assert!(Target::parse("http://h").is_err());
        // A line break smuggled in as %0A or %0D would inject a second FTP command.
        assert!(Target::parse("ftp://h/a%0ADELE%20x").is_err());
        assert!(Target::parse("ftp://u%0D%0ANOOP:p@h/").is_err());
        assert!(Target::parse("ftp://u:p%0A@h/").is_err());
        assert!(Target::parse("ftp://").is_err());
    }

    #[test]
    fn remote_paths_join_and_fold() {
        assert_eq!(remote_join("/pub", "a/../b/"), "/pub/b");
        assert_eq!(remote_join("/pub", "/etc"), "/etc");
        assert_eq!(remote_join("/", "."), "/");
        assert_eq!(remote_join("/a", "../../.."), "/");
        assert_eq!(remote_parent("a/b"), "a");
        assert_eq!(remote_parent("b"), ".");
        assert_eq!(remote_parent("/x"), "/");
        assert_eq!(remote_parent("a/b/"), "a");
    }

    #[test]
    fn target_debug_hides_password() {
        let t = Target::parse("ftp://u:secret@h").unwrap();
        let dump = format!("{t:?}");
        assert!(!dump.contains("secret"), "{dump}");
        // Still a dump: everything else is there, the password as a mask.
        for part in [
            "host: \"h\"",
            "user: Some(\"u\")",
            "password: Some(\"****\")",
        ] {
            assert!(dump.contains(part), "{dump}");
        }
    }

    #[test]
    fn passwords_are_redacted_from_text() {
        assert_eq!(redact("ftp://bob:pw@h/x y"), "ftp://bob@h/x y");
        assert_eq!(redact("'ftp://a:b@h'"), "'ftp://a@h'");
        assert_eq!(redact("ftp://h/a:b@c"), "ftp://h/a:b@c");
        assert_eq!(redact("get 10:00@web1.log"), "get 10:00@web1.log");
        assert_eq!(redact("ftp://u:p%40w@h:21"), "ftp://u@h:21");
        assert_eq!(redact_url("bob:s3cret@host"), "bob@host");
        // A password with a blank, then another URL: each URL runs up to the next one.
        assert_eq!(
            redact("open ftp://bob:my pw@h ftp://c:d@h2 x"),
            "open ftp://bob@h ftp://c@h2 x"
        );
        let e = Target::parse("ftp://bob:s3cret@bad host/").unwrap_err();
        assert!(!e.0.contains("s3cret"), "{}", e.0);
    }

    #[test]
    fn reply_codes_come_from_the_text() {
        assert_eq!(
            reply_code(b"522 Data connections must be encrypted.\r\n"),
            Some(522)
        );
        assert_eq!(reply_code(b"230-Hi\r\n230 OK\r\n"), Some(230));
        assert_eq!(reply_code(b"garbage"), None);
    }

    #[test]
    fn reply_text_strips_codes() {
        assert_eq!(reply_text(b"550 No such file\r\n"), "No such file");
        assert_eq!(reply_text(b"230-Hi\r\n230 OK\r\n"), "Hi OK");
        assert_eq!(reply_text(b"550 bad\x1b[31m\r\n"), "bad?[31m");
        // A code alone says nothing; a three-letter line is text.
        assert_eq!(reply_text(b"550\r\n"), "");
        assert_eq!(reply_text(b"230-Hi\r\n OK\r\n230\r\n"), "Hi OK");
    }

    /// A data connection that hands out `steps` one per read: bytes (at most the buffer's
    /// size per read), or an error of a kind; then EOF. Counts its reads.
    struct Chunks {
        steps: std::collections::VecDeque<Result<Vec<u8>, std::io::ErrorKind>>,
        reads: usize,
    }

    impl Chunks {
        fn new(steps: Vec<Result<Vec<u8>, std::io::ErrorKind>>) -> Chunks {
            Chunks {
                steps: steps.into(),
                reads: 0,
            }
        }
    }

    impl std::io::Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            match self.steps.pop_front() {
                None => Ok(0),
                Some(Err(kind)) => Err(kind.into()),
                Some(Ok(mut bytes)) => {
                    if bytes.len() > buf.len() {
                        let rest = bytes.split_off(buf.len());
                        self.steps.push_front(Ok(rest));
                    }
                    buf[..bytes.len()].copy_from_slice(&bytes);
                    Ok(bytes.len())
                }
            }
        }
    }

    /// What `read_listing` handed over ("|" for each pause), or its stop as text.
    fn read_all(stream: &mut Chunks, idle_ticks: u32, max_entries: u64) -> Result<String, String> {
        let mut got = String::new();
        let result = read_listing(
            stream,
            DATA_TICK * idle_ticks,
            max_entries,
            "/d",
            crate::charset::Charset::default(),
            &mut |event| {
                match event {
                    ListEvent::Line(l) => {
                        got.push_str(l);
                        got.push('\n');
                    }
                    ListEvent::Pause => got.push('|'),
                }
                Ok(())
            },
        );
        match result {
            Ok(()) => Ok(got),
            Err(ListStop::Limit(m)) => Err(m),
            Err(ListStop::Idle(r)) => Err(format!("idle: {r}")),
            Err(ListStop::Broken(r)) => Err(format!("broken: {r}")),
            Err(ListStop::Interrupted) => Err("interrupted".into()),
            Err(ListStop::Consumer(e)) => Err(format!("consumer: {e}")),
        }
    }

    fn ok(bytes: &[u8]) -> Result<Vec<u8>, std::io::ErrorKind> {
        Ok(bytes.to_vec())
    }

    #[test]
    fn a_listing_is_cut_into_lines_across_reads() {
        let mut s = Chunks::new(vec![
            ok(b"one\r\ntw"),
            ok(b"o\n\r\n"),
            ok(b"\nthr"),
            ok(b"ee"),
            ok(b"\nlast without end"),
        ]);
        assert_eq!(
            read_all(&mut s, 5, 100).unwrap(),
            "one\n|two\n|||three\n|last without end\n|"
        );
        // An empty listing: no line, one pause at the end.
        assert_eq!(read_all(&mut Chunks::new(vec![]), 5, 100).unwrap(), "|");
    }

    #[test]
    fn a_listing_line_may_be_as_long_as_the_bound_and_no_longer() {
        let line = |n: usize| vec![b'x'; n];
        // Split over two reads, its end in the second, exactly the bound: kept.
        let at = LISTING_MAX_LINE - 10;
        let mut s = Chunks::new(vec![
            ok(&line(at)),
            ok(&[line(10), b"\nnext\n".to_vec()].concat()),
        ]);
        let got = read_all(&mut s, 5, 100).unwrap();
        assert!(
            got == format!("|{}\nnext\n||", "x".repeat(LISTING_MAX_LINE)),
            "{} bytes, ending {:?}",
            got.len(),
            &got[got.len().saturating_sub(20)..]
        );
        // One byte more, its end in the second read.
        let mut s = Chunks::new(vec![
            ok(&line(at)),
            ok(&[line(11), b"\n".to_vec()].concat()),
        ]);
        let err = read_all(&mut s, 5, 100).unwrap_err();
        assert_eq!(err, "listing of /d has a line longer than 64 KiB; stopped");
        // One byte more, no end in sight: stopped before the rest is read.
        let mut s = Chunks::new(vec![ok(&line(at)), ok(&line(11)), ok(&line(100))]);
        assert!(
            read_all(&mut s, 5, 100)
                .unwrap_err()
                .contains("longer than 64 KiB")
        );
        assert_eq!(s.reads, 2);
        // The bound exactly, no end in sight yet: still read on.
        let mut s = Chunks::new(vec![ok(&line(at)), ok(&line(10)), ok(b"\n")]);
        assert!(read_all(&mut s, 5, 100).is_ok());
    }

    #[test]
    fn a_listing_stops_past_its_entry_cap() {
        let three = || Chunks::new(vec![ok(b"a\nb\r\n\nc\n")]);
        assert_eq!(read_all(&mut three(), 5, 3).unwrap(), "a\nb\nc\n||");
        assert_eq!(
            read_all(&mut three(), 5, 2).unwrap_err(),
            "listing of /d exceeds 2 entries; stopped"
        );
    }

    #[test]
    fn a_listing_stops_past_its_byte_cap() {
        // Lines of 1 KiB up to the cap exactly: read to the end. A byte more: stopped.
        let lines = |bytes: u64, extra: &[u8]| {
            let mut line = vec![b'x'; 1023];
            line.push(b'\n');
            let n = (bytes / 1024) as usize;
            let mut steps: Vec<_> = (0..n).map(|_| ok(&line)).collect();
            steps.push(ok(extra));
            Chunks::new(steps)
        };
        let mut s = lines(LISTING_MAX_BYTES, b"");
        let mut count = 0u64;
        let r = read_listing(
            &mut s,
            DATA_TICK * 5,
            u64::MAX,
            "/d",
            crate::charset::Charset::default(),
            &mut |e| {
                count += matches!(e, ListEvent::Line(_)) as u64;
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(count, LISTING_MAX_BYTES / 1024);
        let mut s = lines(LISTING_MAX_BYTES, b"y");
        assert_eq!(
            read_all(&mut s, 5, u64::MAX).unwrap_err(),
            "listing of /d exceeds 64 MiB; stopped"
        );
    }

    #[test]
    fn a_silent_listing_stops_at_the_idle_limit_and_only_silence_counts() {
        use std::io::ErrorKind::{Interrupted, TimedOut, WouldBlock};
        // Three ticks of silence with a limit of three: stopped at the third.
        let mut s = Chunks::new(vec![
            Err(WouldBlock),
            Err(TimedOut),
            Err(WouldBlock),
            ok(b"a\n"),
        ]);
        let err = read_all(&mut s, 3, 100).unwrap_err();
        assert!(
            err.starts_with("idle: ") && err.contains("listing stalled"),
            "{err}"
        );
        assert_eq!(s.reads, 3);
        // Data in between starts the count again, and EINTR is no silence.
        let mut s = Chunks::new(vec![
            Err(WouldBlock),
            Err(WouldBlock),
            ok(b"a\n"),
            Err(WouldBlock),
            Err(Interrupted),
            Err(Interrupted),
            Err(Interrupted),
            Err(WouldBlock),
            ok(b"b\n"),
        ]);
        assert_eq!(read_all(&mut s, 3, 100).unwrap(), "a\n|b\n||");
        // Another error is a broken connection, at once.
        let mut s = Chunks::new(vec![ok(b"a\n"), Err(std::io::ErrorKind::ConnectionReset)]);
        let err = read_all(&mut s, 3, 100).unwrap_err();
        assert_eq!(err, "broken: data connection closed by the server");
    }

    fn entries(n: usize, tag: &str) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                name: format!("{tag}{i}"),
                kind: crate::listing::Kind::File,
                size: Some(i as u64),
                modified: None,
                precision: crate::listing::Precision::Time,
                permissions: None,
                target: None,
                raw: None,
                facts: Vec::new(),
            })
            .collect()
    }

    /// A cache entry stored `age` ago, put in place directly: the cache's own clock is now.
    fn store_aged(cache: &mut ListingCache, dir: &str, age: Duration, n: usize) {
        let when = Instant::now()
            .checked_sub(age)
            .expect("uptime above the age");
        cache.dirs.insert(dir.to_string(), (when, entries(n, dir)));
    }

    #[test]
    fn listing_cache_gives_back_what_it_stored_until_it_expires_or_is_removed() {
        let mut cache = ListingCache::default();
        assert_eq!(cache.get("/pub"), None);
        cache.store("/pub".into(), &entries(3, "a"));
        assert_eq!(cache.get("/pub"), Some(entries(3, "a")));
        assert_eq!(cache.get("/other"), None);
        // Storing again replaces.
        cache.store("/pub".into(), &entries(1, "b"));
        assert_eq!(cache.get("/pub"), Some(entries(1, "b")));
        cache.remove("/pub");
        assert_eq!(cache.get("/pub"), None);
        // Just inside the time to live it is trusted, past it not.
        store_aged(&mut cache, "/young", CACHE_TTL - Duration::from_secs(2), 2);
        store_aged(&mut cache, "/old", CACHE_TTL + Duration::from_secs(1), 2);
        assert_eq!(cache.get("/young"), Some(entries(2, "/young")));
        assert_eq!(cache.get("/old"), None);
        // A store drops what has expired, and only that.
        cache.store("/new".into(), &entries(1, "n"));
        let mut dirs: Vec<&str> = cache.dirs.keys().map(String::as_str).collect();
        dirs.sort_unstable();
        assert_eq!(dirs, ["/new", "/young"]);
    }

    #[test]
    fn listing_cache_holds_at_most_its_dirs_and_drops_the_oldest_first() {
        let mut cache = ListingCache::default();
        for i in 0..CACHE_MAX_DIRS {
            // The lower i, the older: i = 0 is the oldest.
            let age = Duration::from_secs(20) - Duration::from_millis(i as u64);
            store_aged(&mut cache, &format!("/d{i}"), age, 1);
        }
        cache.store("/last".into(), &entries(1, "l"));
        assert_eq!(cache.dirs.len(), CACHE_MAX_DIRS);
        assert_eq!(cache.get("/d0"), None, "the oldest goes");
        assert!(cache.get("/d1").is_some(), "only the oldest goes");
        assert!(cache.get("/last").is_some());
    }

    #[test]
    fn listing_cache_holds_at_most_its_entries_and_drops_only_what_makes_room() {
        let mut cache = ListingCache::default();
        // Too big a listing is not cached at all; one just at the bound is.
        cache.store("/huge".into(), &entries(CACHE_MAX_ENTRIES + 1, "h"));
        assert_eq!(cache.get("/huge"), None);
        cache.store("/full".into(), &entries(CACHE_MAX_ENTRIES, "f"));
        assert_eq!(cache.get("/full").map(|e| e.len()), Some(CACHE_MAX_ENTRIES));
        cache.remove("/full");

        // Three directories that fill the cache exactly, oldest first.
        let third = CACHE_MAX_ENTRIES / 4;
        store_aged(&mut cache, "/a", Duration::from_secs(3), third);
        store_aged(&mut cache, "/b", Duration::from_secs(2), third);
        store_aged(
            &mut cache,
            "/c",
            Duration::from_secs(1),
            CACHE_MAX_ENTRIES - 2 * third - 10,
        );
        // Fits exactly in what is left: nothing goes.
        cache.store("/d".into(), &entries(10, "d"));
        assert_eq!(cache.dirs.len(), 4);
        // One more entry than is left: the oldest goes, and only it (the room it frees
        // is enough, so the loop stops there).
        cache.remove("/d");
        cache.store("/e".into(), &entries(11, "e"));
        let mut dirs: Vec<&str> = cache.dirs.keys().map(String::as_str).collect();
        dirs.sort_unstable();
        assert_eq!(dirs, ["/b", "/c", "/e"]);
        // A listing that needs the room of two: both oldest go, the newest stays.
        cache.store("/f".into(), &entries(CACHE_MAX_ENTRIES / 2, "f"));
        let mut dirs: Vec<&str> = cache.dirs.keys().map(String::as_str).collect();
        dirs.sort_unstable();
        assert_eq!(dirs, ["/e", "/f"]);
    }
}
