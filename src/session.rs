//! The connection: connect, log in, TLS policy, passive/active mode, directories, reconnect.
//!
//! The session owns the suppaftp stream and the credentials (kept in memory so a dropped
//! connection can be re-established, never printed). It does no terminal I/O except through
//! the `Printer` it is handed. Every suppaftp error is converted to [`Remote`] here
//! ([`Session::ftp_err`]), so nothing above this module sees `FtpError`.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use percent_encoding::percent_decode_str;
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpResult, Mode};

use crate::cli::TlsMode;
use crate::error::{Remote, UsageError};
use crate::listing::{self, Entry};
use crate::printer::Printer;
use crate::tls;

pub type Ftp = suppaftp::ImplFtpStream<tls::Stream>;

/// How data sockets poll: short reads let a transfer notice Ctrl-C within this time, while the
/// idle limit (`Opts::timeout`) is counted across polls.
pub const DATA_TICK: Duration = Duration::from_millis(250);

/// Connection settings from the command line; they apply to every connection of the session.
#[derive(Debug, Clone)]
pub struct Opts {
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    pub active: bool,
    pub timeout: Duration,
    pub netrc_file: Option<PathBuf>,
    /// A person is at the terminal: a missing password may be asked for.
    pub interactive: bool,
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
}

impl Conn {
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
    pub fn data<T>(&mut self, mut f: impl FnMut(&mut Ftp) -> FtpResult<T>) -> Result<T, Remote> {
        match f(&mut self.ftp) {
            Ok(v) => Ok(v),
            Err(e) => match Session::ftp_err(e) {
                Remote::Reply {
                    code: 500 | 502, ..
                } if self.passive && self.epsv => {
                    self.epsv = false;
                    apply_mode(self, true);
                    f(&mut self.ftp).map_err(Session::ftp_err)
                }
                other => Err(other),
            },
        }
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

    /// Connect and log in to `target`, replacing any open connection.
    pub fn connect(&mut self, mut target: Target, out: &Printer) -> Result<()> {
        self.close();
        self.invalidate_all();
        self.fill_credentials(&mut target)?;
        let conn = self.establish(target, out)?;
        if let Some(w) = &conn.welcome {
            // Server text: control characters (terminal escapes) are shown, not obeyed.
            let lines: Vec<String> = w.lines().map(crate::listing::display_name).collect();
            out.info(&lines.join("\n"));
        }
        if let Some(info) = conn.tls.as_ref().and_then(|i| i.lock().ok()?.clone()) {
            out.debug(&format!("TLS: {} {}", info.version, info.cipher));
        }
        let path = conn.target.path.clone();
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
        target.path = None;
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
        if !target.is_anonymous() && self.opts.interactive {
            let prompt = format!("Password for {}@{}: ", target.login_name(), target.host);
            let pw = rpassword::prompt_password(prompt)
                .map_err(|e| anyhow::anyhow!("cannot read the password: {e}"))?;
            if crate::interrupt::requested() {
                return Err(crate::error::Interrupted.into());
            }
            target.password = Some(pw);
        }
        Ok(())
    }

    fn tls_config(&mut self) -> Result<Arc<rustls::ClientConfig>> {
        if let Some(c) = &self.tls_config {
            return Ok(Arc::clone(c));
        }
        let c = tls::client_config(self.opts.ca_file.as_deref(), self.opts.insecure)?;
        self.tls_config = Some(Arc::clone(&c));
        Ok(c)
    }

    fn establish(&mut self, target: Target, out: &Printer) -> Result<Conn> {
        let timeout = self.opts.timeout;
        let where_ = target.display_host();
        let addrs: Vec<SocketAddr> = (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|e| {
                Remote::Connect(format!(
                    "cannot resolve {}: {}",
                    target.host,
                    crate::error::io_message(&e)
                ))
            })?
            .collect();
        let needs_tls = target.implicit_tls
            || self.opts.tls == TlsMode::Require
            || (self.opts.tls == TlsMode::Auto && !target.is_anonymous());
        // Built (and a bad --ca-file reported) before anything goes over the network.
        if needs_tls {
            self.tls_config()?;
        }
        let info: tls::SharedInfo = Arc::new(Mutex::new(None));
        let domain = target.host.clone();

        let mut last_err = None;
        let mut ftp = None;
        for addr in &addrs {
            let attempt = if target.implicit_tls {
                let connector = tls::Connector::new(
                    self.tls_config()?,
                    Arc::clone(&self.data_timeout),
                    Arc::clone(&info),
                );
                // suppaftp connects without a timeout here; a blackholed host would hang
                // for the kernel's SYN timeout. A bounded probe first fails fast instead.
                match TcpStream::connect_timeout(addr, timeout) {
                    Ok(probe) => {
                        drop(probe);
                        Ftp::connect_secure_implicit(addr, connector, &domain)
                    }
                    Err(e) => Err(FtpError::ConnectionError(e)),
                }
            } else {
                match TcpStream::connect_timeout(addr, timeout) {
                    Ok(tcp) => {
                        let _ = tcp.set_read_timeout(Some(timeout));
                        let _ = tcp.set_write_timeout(Some(timeout));
                        Ftp::connect_with_stream(tcp)
                    }
                    Err(e) => Err(FtpError::ConnectionError(e)),
                }
            };
            match attempt {
                Ok(f) => {
                    ftp = Some(f);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let mut ftp = match (ftp, last_err) {
            (Some(f), _) => f,
            (None, Some(e)) => {
                return Err(match Self::ftp_err(e) {
                    Remote::Lost(m) | Remote::Protocol(m) | Remote::Connect(m) => {
                        Remote::Connect(format!("cannot connect to {where_}: {m}"))
                    }
                    // "421 Too many connections" and the like: the server would not serve us.
                    Remote::Reply { code, text } => {
                        Remote::Connect(format!("cannot connect to {where_}: {code} {text}"))
                    }
                    other => other,
                }
                .into());
            }
            (None, None) => {
                return Err(Remote::Connect(format!("cannot resolve {}", target.host)).into());
            }
        };
        let _ = ftp.get_ref().set_read_timeout(Some(timeout));
        let welcome = ftp.get_welcome_msg().map(str::to_string);

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

        let mut features = HashMap::new();
        let mut tls_info = None;
        if target.implicit_tls {
            // suppaftp's implicit connect leaves data connections in the clear; servers
            // refuse that (vsftpd: 522), so ask for protected data as explicit TLS does.
            for cmd in ["PBSZ 0", "PROT P"] {
                ftp.custom_command(cmd, &[suppaftp::Status::CommandOk])
                    .map_err(|e| match Self::ftp_err(e) {
                        Remote::Reply { code, text } => {
                            Remote::Tls(format!("server refused {cmd}: {code} {text}"))
                        }
                        other => other,
                    })?;
            }
            tls_info = Some(Arc::clone(&info));
        } else if needs_tls {
            let offered = if self.opts.tls == TlsMode::Require {
                true
            } else {
                features = ftp.feat().unwrap_or_default();
                features.get("AUTH").is_some_and(|v| {
                    v.as_deref()
                        .unwrap_or("")
                        .to_ascii_uppercase()
                        .contains("TLS")
                })
            };
            if offered {
                let connector = tls::Connector::new(
                    self.tls_config()?,
                    Arc::clone(&self.data_timeout),
                    Arc::clone(&info),
                );
                ftp = ftp
                    .into_secure(connector, &domain)
                    .map_err(|e| match Self::ftp_err(e) {
                        Remote::Reply { code, text } => {
                            Remote::Tls(format!("server refused TLS (AUTH TLS): {code} {text}"))
                        }
                        other => other,
                    })?;
                tls_info = Some(Arc::clone(&info));
            } else {
                out.warn(&format!(
                    "{where_} does not offer TLS: the password goes over the network in clear \
                     (--tls refuses that, --no-tls silences this)"
                ));
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
                    Remote::Connect(format!("{where_} refused the session: 421 {text}"))
                }
                other => other,
            })?;

        if let Ok(f) = ftp.feat() {
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
        let file_type = if self.ascii {
            FileType::Ascii(suppaftp::types::FormatControl::Default)
        } else {
            FileType::Binary
        };
        ftp.transfer_type(file_type).map_err(Self::ftp_err)?;
        let login_dir = ftp
            .pwd()
            .map(|d| d.trim_end_matches('/').to_string())
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/".to_string());
        let ipv6 = addrs.first().is_some_and(|a| a.is_ipv6());
        let epsv = ipv6 || features.contains_key("EPSV");
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
        };
        apply_mode(&mut conn, self.passive);
        Ok(conn)
    }

    /// Reconnect when the server dropped the control connection since the last command
    /// (421 or EOF): log in again and go back to the same directory.
    pub fn ensure_alive(&mut self, out: &Printer) -> Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        if !conn.dead && control_alive(conn) {
            return Ok(());
        }
        let target = conn.target.clone();
        let cwd = conn.cwd.clone();
        let prev = conn.prev_dir.clone();
        self.conn = None;
        out.info(&format!(
            "connection to {} lost; reconnecting",
            target.display_host()
        ));
        let mut conn = self.establish(
            Target {
                path: None,
                ..target
            },
            out,
        )?;
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

    pub fn set_ascii(&mut self, ascii: bool) -> Result<()> {
        self.ascii = ascii;
        if let Some(conn) = self.conn.as_mut() {
            let t = if ascii {
                FileType::Ascii(suppaftp::types::FormatControl::Default)
            } else {
                FileType::Binary
            };
            conn.ftp.transfer_type(t).map_err(Self::ftp_err)?;
        }
        Ok(())
    }

    pub fn set_passive(&mut self, passive: bool) {
        self.passive = passive;
        if let Some(conn) = self.conn.as_mut() {
            apply_mode(conn, passive);
        }
    }

    /// Fetch and parse a directory listing: MLSD when the server offers MLST (vsftpd does not
    /// and answers MLSD with 500), else LIST. A path MLSD refuses (a file, say) is tried with
    /// LIST. A directory listing is kept in the completion cache.
    pub fn list(&mut self, path: Option<&str>) -> Result<Vec<Entry>> {
        let conn = self.conn()?;
        let now = chrono::Utc::now();
        let key = remote_join(&conn.cwd, path.unwrap_or("."));
        if conn.has_feature("MLST") {
            match conn.data(|ftp| ftp.mlsd(path)) {
                Ok(lines) => {
                    let entries = listing::parse_listing(&lines, true, now);
                    self.cache.store(key, &entries);
                    return Ok(entries);
                }
                Err(Remote::Reply { code, .. }) if (500..600).contains(&code) && code != 530 => {}
                Err(other) => return Err(other.into()),
            }
        }
        let lines = match conn.data(|ftp| ftp.list(path)) {
            Ok(lines) => lines,
            Err(err) => {
                // Servers such as libunftp list only directories; MLST describes one file
                // (with an absolute path: libunftp answers 550 to a relative one).
                if let (Some(p), Remote::Reply { code: 550, .. }) = (path, &err)
                    && conn.has_feature("MLST")
                    && let Ok(line) = conn.ftp.mlst(Some(&key))
                    && let Some(mut entry) = listing::parse_mlsd_line(&line)
                    && entry.raw.is_none()
                {
                    entry.name = p.to_string();
                    return Ok(vec![entry]);
                }
                return Err(err.into());
            }
        };
        let entries = listing::parse_listing(&lines, false, now);
        // LIST of a file answers that file's line: only a listing of the working directory
        // is surely a directory's.
        if path.is_none() {
            self.cache.store(key, &entries);
        }
        Ok(entries)
    }

    /// Entries of a remote directory for Tab completion: from the cache, else fetched with a
    /// short timeout. Never reconnects and never blocks long: on any trouble, nothing.
    pub fn completion_listing(&mut self, dir: &str) -> Vec<Entry> {
        if let Some(entries) = self.cache.get(dir) {
            return entries;
        }
        let Some(conn) = self.conn.as_mut() else {
            return Vec::new();
        };
        if conn.dead || !control_alive(conn) {
            return Vec::new();
        }
        let normal = self.data_timeout.load(Ordering::Relaxed);
        self.data_timeout
            .store(COMPLETION_TIMEOUT.as_millis() as u64, Ordering::Relaxed);
        let _ = conn
            .ftp
            .get_ref()
            .set_read_timeout(Some(COMPLETION_TIMEOUT));
        let result = self.list(Some(dir));
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
        // Bounded: a long session cannot grow it without limit.
        if self.dirs.len() >= 256 {
            self.dirs.retain(|_, (when, _)| when.elapsed() < CACHE_TTL);
        }
        self.dirs.insert(dir, (Instant::now(), entries.to_vec()));
    }

    fn remove(&mut self, dir: &str) {
        self.dirs.remove(dir);
    }
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
    text.split(' ')
        .map(|w| {
            if w.contains("://") {
                redact_url(w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One URL (or `user:password@host` where a URL is expected) without its password.
pub fn redact_url(word: &str) -> String {
    let start = word.find("://").map(|i| i + 3).unwrap_or(0);
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
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn passwords_are_redacted_from_text() {
        assert_eq!(redact("ftp://bob:pw@h/x y"), "ftp://bob@h/x y");
        assert_eq!(redact("'ftp://a:b@h'"), "'ftp://a@h'");
        assert_eq!(redact("ftp://h/a:b@c"), "ftp://h/a:b@c");
        assert_eq!(redact("get 10:00@web1.log"), "get 10:00@web1.log");
        assert_eq!(redact("ftp://u:p%40w@h:21"), "ftp://u@h:21");
        assert_eq!(redact_url("bob:s3cret@host"), "bob@host");
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
    }
}
