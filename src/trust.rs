//! Certificate trust beyond the CA roots: trust on first use (like ssh), the `known_hosts` file
//! and pinned certificates (`--pin`, a bookmark's `pin`).
//!
//! Why: with only "verified by a CA" or `--insecure`, people with a self-signed server turn
//! verification off for good. Here a certificate a CA does not vouch for can be trusted by its
//! SHA-256 fingerprint, once or always, and a changed certificate is refused loudly.
//!
//! The rustls verifier (`tls.rs`) asks [`Trust::verdict`] during the handshake and never
//! prompts there. A certificate that contradicts the trust (a pin, known_hosts, what was
//! trusted once) fails the handshake with a typed error, [`Refused`], that carries the whole
//! message (both fingerprints), on every connection alike: the login, a data connection, a
//! reconnect. A certificate that is merely unknown (no CA vouches for it) is recorded
//! ([`Trust::record_unknown`]); the connect path (`Session::establish`) then hands the error
//! to [`Trust::after_failure`], which adds its fingerprint and how to pin it, or asks the
//! person at the terminal (through the [`Asker`] the app installs in the interactive shell
//! only) and has the session connect again.
//! Data connections go through the same verifier: a certificate trusted for the control
//! connection's host and port passes there too.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use anyhow::Result;

use crate::error::{LocalError, Remote, UsageError};
use crate::listing::display_name;

/// The SHA-256 digest of a certificate's DER encoding, written `sha256:HEX`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(der: &[u8]) -> Fingerprint {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Fingerprint(out)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Fingerprint {
    type Err = String;

    /// `sha256:` and 64 hex digits; colons between the bytes are allowed, as
    /// `openssl x509 -fingerprint -sha256` prints them.
    fn from_str(s: &str) -> Result<Fingerprint, String> {
        let bad = || {
            format!(
                "bad fingerprint '{}': want sha256: and 64 hex digits (openssl x509 -noout \
                 -fingerprint -sha256 shows it)",
                display_name(s)
            )
        };
        let (scheme, hex) = s.split_once(':').ok_or_else(bad)?;
        if !scheme.eq_ignore_ascii_case("sha256") {
            return Err(bad());
        }
        let digits: Vec<u8> = hex.bytes().filter(|&b| b != b':').collect();
        if digits.len() != 64 || hex.starts_with(':') || hex.ends_with(':') {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            let text = std::str::from_utf8(pair).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(text, 16).map_err(|_| bad())?;
        }
        Ok(Fingerprint(out))
    }
}

/// Pins as written on the command line or in a bookmark: comma-separated fingerprints.
pub fn parse_pins(text: &str) -> Result<Vec<Fingerprint>, String> {
    let pins = text
        .split(',')
        .map(|p| p.trim().parse::<Fingerprint>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pins)
}

/// A certificate the verifier saw, as the prompt and the messages show it. Every text field
/// comes from the server: it is cleaned before it reaches a terminal.
#[derive(Debug, Clone)]
pub struct Presented {
    pub host: String,
    pub port: u16,
    pub fingerprint: Fingerprint,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// Why a CA does not vouch for it, in a few words.
    pub problem: String,
}

impl Presented {
    pub fn new(host: &str, port: u16, der: &[u8], problem: String) -> Presented {
        let fingerprint = Fingerprint::of(der);
        let time = |t: &x509_parser::time::ASN1Time| {
            chrono::DateTime::from_timestamp(t.timestamp(), 0)
                .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "?".into())
        };
        let (subject, issuer, not_before, not_after) =
            match x509_parser::parse_x509_certificate(der) {
                Ok((_, c)) => (
                    c.subject().to_string(),
                    c.issuer().to_string(),
                    time(&c.validity().not_before),
                    time(&c.validity().not_after),
                ),
                Err(_) => (
                    "(unreadable)".into(),
                    "(unreadable)".into(),
                    "?".into(),
                    "?".into(),
                ),
            };
        Presented {
            host: host.to_string(),
            port,
            fingerprint,
            subject,
            issuer,
            not_before,
            not_after,
            problem,
        }
    }

    /// `host:port`, cleaned, with brackets around an IPv6 address.
    fn place(&self) -> String {
        place(&self.host, self.port)
    }

    /// What the prompt shows before its question, cleaned for the terminal.
    pub fn describe(&self) -> String {
        format!(
            "The TLS certificate of {} is not trusted: {}.\n  subject:     {}\n  issuer:      \
             {}\n  valid:       {} to {}\n  fingerprint: {}",
            self.place(),
            display_name(&self.problem),
            display_name(&self.subject),
            display_name(&self.issuer),
            display_name(&self.not_before),
            display_name(&self.not_after),
            self.fingerprint
        )
    }
}

fn place(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{}]:{port}", display_name(host))
    } else {
        format!("{}:{port}", display_name(host))
    }
}

/// A certificate refused because it contradicts the trust: the handshake's error (inside
/// rustls' `CertificateError::Other`), with the message to show as it is.
#[derive(Debug, Clone)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Refused {}

/// The verifier's decision before the CA check.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Refuse(String),
    /// The CA check decides (and on failure, [`Trust::record_unknown`]).
    Undecided,
}

/// The person's answer to the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Once,
    Always,
    No,
}

/// Asks whether to trust a certificate; the app installs one in the interactive shell only.
pub trait Asker: Send + Sync {
    fn ask(&self, cert: &Presented, known_hosts: Option<&Path>) -> Result<Answer>;
}

/// The prompt on the terminal: stderr for the question, a line of stdin for the answer.
pub struct TerminalAsker;

impl Asker for TerminalAsker {
    fn ask(&self, cert: &Presented, known_hosts: Option<&Path>) -> Result<Answer> {
        let always = match known_hosts {
            Some(p) => format!(
                "[a]lways (saved in {})",
                display_name(&p.display().to_string())
            ),
            None => "[a]lways".to_string(),
        };
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "{}", cert.describe());
        // A few wrong answers, then no: the prompt never loops forever.
        for _ in 0..3 {
            let _ = write!(err, "Trust it? [o]nce (this run), {always}, [n]o: ");
            let _ = err.flush();
            let mut line = String::new();
            let read = io::stdin().lock().read_line(&mut line);
            if crate::interrupt::requested() {
                let _ = writeln!(err);
                return Err(crate::error::Interrupted.into());
            }
            match read {
                Ok(0) | Err(_) => {
                    let _ = writeln!(err);
                    return Ok(Answer::No);
                }
                Ok(_) => {}
            }
            match line.trim().to_ascii_lowercase().as_str() {
                "o" | "once" => return Ok(Answer::Once),
                "a" | "always" => return Ok(Answer::Always),
                "" | "n" | "no" => return Ok(Answer::No),
                _ => {
                    let _ = writeln!(err, "Please answer once, always or no.");
                }
            }
        }
        Ok(Answer::No)
    }
}

/// A line of `known_hosts`: an entry, or anything else (comments, blank and malformed lines),
/// kept as it is when the file is rewritten.
#[derive(Debug, Clone)]
enum Line {
    Entry(Entry),
    Other(String),
}

/// One trusted certificate: `HOST PORT sha256:HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub host: String,
    pub port: u16,
    pub fingerprint: Fingerprint,
}

/// `known_hosts`, as read.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    lines: Vec<Line>,
}

const HEADER: &str = "# ftpsh known_hosts: HOST PORT sha256:FINGERPRINT, one certificate a \
                      line (trust list, trust rm HOST)";

impl KnownHosts {
    /// Read the file (missing: empty). Malformed lines are kept and reported as warnings
    /// (`FILE:LINE: ...`), never fatal.
    pub fn load(path: &Path) -> Result<(KnownHosts, Vec<String>)> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((KnownHosts::default(), Vec::new()));
            }
            Err(e) => return Err(LocalError::new(path.display().to_string(), e).into()),
        };
        let text = String::from_utf8_lossy(&text);
        let mut warnings = Vec::new();
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                lines.push(Line::Other(raw.to_string()));
                continue;
            }
            match parse_entry(t) {
                Some(e) => lines.push(Line::Entry(e)),
                None => {
                    warnings.push(format!(
                        "{}:{}: not 'HOST PORT sha256:HEX'; line ignored",
                        path.display(),
                        i + 1
                    ));
                    lines.push(Line::Other(raw.to_string()));
                }
            }
        }
        Ok((KnownHosts { lines }, warnings))
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.lines.iter().filter_map(|l| match l {
            Line::Entry(e) => Some(e),
            Line::Other(_) => None,
        })
    }

    fn for_endpoint(&self, host: &str, port: u16) -> Vec<Fingerprint> {
        let host = norm_host(host);
        self.entries()
            .filter(|e| e.host == host && e.port == port)
            .map(|e| e.fingerprint)
            .collect()
    }

    fn add(&mut self, host: &str, port: u16, fingerprint: Fingerprint) {
        if self.lines.is_empty() {
            self.lines.push(Line::Other(HEADER.to_string()));
        }
        self.lines.push(Line::Entry(Entry {
            host: norm_host(host),
            port,
            fingerprint,
        }));
    }

    /// Remove the entries of `host` (on `port`, or on every port); the removed ones.
    fn remove(&mut self, host: &str, port: Option<u16>) -> Vec<Entry> {
        let host = norm_host(host);
        let mut removed = Vec::new();
        self.lines.retain(|l| match l {
            Line::Entry(e) if e.host == host && port.is_none_or(|p| p == e.port) => {
                removed.push(e.clone());
                false
            }
            _ => true,
        });
        removed
    }

    /// Write the file whole, atomically (a temporary file renamed over it), mode 0600.
    fn save(&self, path: &Path) -> Result<()> {
        let local = |e: io::Error| LocalError::new(path.display().to_string(), e);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(local)?;
        }
        let mut text = String::new();
        for l in &self.lines {
            match l {
                Line::Entry(e) => {
                    text.push_str(&format!("{} {} {}\n", e.host, e.port, e.fingerprint))
                }
                Line::Other(o) => {
                    text.push_str(o);
                    text.push('\n');
                }
            }
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "known_hosts".into());
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            #[cfg(unix)]
            {
                // An old temporary file keeps its mode through `open`: set it again.
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(local(e).into());
        }
        Ok(())
    }
}

fn parse_entry(line: &str) -> Option<Entry> {
    let mut words = line.split_whitespace();
    let host = words.next()?;
    let port = words.next()?.parse::<u16>().ok()?;
    let fingerprint = words.next()?.parse::<Fingerprint>().ok()?;
    if words.next().is_some() || port == 0 {
        return None;
    }
    Some(Entry {
        host: norm_host(host),
        port,
        fingerprint,
    })
}

/// Host names compare without case (DNS does); addresses are as written.
fn norm_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// `HOST`, `HOST:PORT` or `[V6]:PORT`, as `trust rm` takes it.
pub fn parse_host_port(text: &str) -> Result<(String, Option<u16>), UsageError> {
    let bad = || UsageError(format!("'{}' is not HOST or HOST:PORT", display_name(text)));
    if text.is_empty() || text.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        return match after {
            "" => Ok((host.to_string(), None)),
            p => {
                let port = p.strip_prefix(':').ok_or_else(bad)?;
                Ok((host.to_string(), Some(port.parse().map_err(|_| bad())?)))
            }
        };
    }
    match text.rsplit_once(':') {
        // One colon: HOST:PORT; more: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => {
            Ok((host.to_string(), Some(port.parse().map_err(|_| bad())?)))
        }
        _ => Ok((text.to_string(), None)),
    }
}

/// Pins for one server, and where they came from (for the message).
#[derive(Debug, Clone)]
struct Pins {
    host: Option<(String, u16)>,
    fingerprints: Vec<Fingerprint>,
    source: String,
}

/// Everything trust decisions need, shared by every connection of a run (the shell's, the
/// workers', the temporary ones of `get ftp://...`).
#[derive(Default)]
pub struct Trust {
    /// `--pin`.
    pins: Vec<Pins>,
    /// The bookmarks' pins: replaced when the bookmarks are (`bookmark add`, `edit`, `rm`).
    bookmark_pins: Mutex<Vec<Pins>>,
    known_path: Option<PathBuf>,
    known: Mutex<KnownHosts>,
    /// Trusted for this run only: (host, port, fingerprint).
    once: Mutex<HashSet<(String, u16, Fingerprint)>>,
    /// The unknown certificate the verifier refused last, for [`Trust::after_failure`].
    rejected: Mutex<Option<Presented>>,
    asker: Option<Box<dyn Asker>>,
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("pins", &self.pins)
            .field("bookmark_pins", &self.bookmark_pins)
            .field("known_path", &self.known_path)
            .field("asks", &self.asker.is_some())
            .finish()
    }
}

impl Trust {
    /// Trust with the known_hosts file at `known_path` (read now; the malformed lines are
    /// returned as warnings).
    /// An unreadable file is a warning too: it must not stop runs that need no TLS.
    pub fn new(known_path: Option<PathBuf>) -> Result<(Trust, Vec<String>)> {
        let (known, warnings) = match &known_path {
            Some(p) => KnownHosts::load(p).unwrap_or_else(|e| {
                (
                    KnownHosts::default(),
                    vec![format!(
                        "{}; no certificate is trusted by it",
                        crate::error::render(&e)
                    )],
                )
            }),
            None => (KnownHosts::default(), Vec::new()),
        };
        Ok((
            Trust {
                known_path,
                known: Mutex::new(known),
                ..Trust::default()
            },
            warnings,
        ))
    }

    /// `--pin`: for every server this run connects to.
    pub fn pin_all(&mut self, fingerprints: Vec<Fingerprint>) {
        if !fingerprints.is_empty() {
            self.pins.push(Pins {
                host: None,
                fingerprints,
                source: "--pin".into(),
            });
        }
    }

    /// The bookmarks' pins, each for its server (host and port) however it is reached:
    /// (bookmark, host, port, fingerprints). They replace the ones set before, so a pin
    /// added or removed by `bookmark edit` holds from the next connection.
    pub fn set_bookmark_pins(&self, pins: Vec<(String, String, u16, Vec<Fingerprint>)>) {
        *self.bookmark_pins.lock().unwrap_or_else(|p| p.into_inner()) = pins
            .into_iter()
            .filter(|(_, _, _, fps)| !fps.is_empty())
            .map(|(name, host, port, fingerprints)| Pins {
                host: Some((norm_host(&host), port)),
                fingerprints,
                source: format!("the pin of bookmark {name}"),
            })
            .collect();
    }

    pub fn set_asker(&mut self, asker: Box<dyn Asker>) {
        self.asker = Some(asker);
    }

    pub fn known_hosts_path(&self) -> Option<&Path> {
        self.known_path.as_deref()
    }

    fn pins_for(&self, host: &str, port: u16) -> Option<(Vec<Fingerprint>, String)> {
        let host = norm_host(host);
        let bookmarks = self
            .bookmark_pins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let applying: Vec<&Pins> = self
            .pins
            .iter()
            .chain(&bookmarks)
            .filter(|p| {
                p.host
                    .as_ref()
                    .is_none_or(|(h, q)| *h == host && *q == port)
            })
            .collect();
        if applying.is_empty() {
            return None;
        }
        let fps = applying
            .iter()
            .flat_map(|p| p.fingerprints.iter().copied())
            .collect();
        let source = applying
            .iter()
            .map(|p| p.source.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Some((fps, source))
    }

    /// Whether `host:port` has a pinned or known certificate, so that a session with it must
    /// be TLS (see `Session::tls_mode_for`).
    pub fn requires_tls(&self, host: &str, port: u16) -> bool {
        self.pins_for(host, port).is_some()
            || !self
                .known
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .for_endpoint(host, port)
                .is_empty()
    }

    /// The decision before (or instead of) the CA check, for the certificate `der` presented
    /// by `host:port`. Pins decide alone; then a known_hosts entry (another certificate than
    /// the one known is refused, whatever a CA says); then what was trusted once this run
    /// (likewise). With `insecure` only pins are checked.
    pub fn verdict(&self, host: &str, port: u16, der: &[u8], insecure: bool) -> Verdict {
        let fp = Fingerprint::of(der);
        let here = place(host, port);
        if let Some((pins, source)) = self.pins_for(host, port) {
            if pins.contains(&fp) {
                return Verdict::Accept;
            }
            return Verdict::Refuse(format!(
                "the TLS certificate of {here} is {fp}, which is not pinned ({source}: {})",
                list(&pins)
            ));
        }
        if insecure {
            return Verdict::Undecided;
        }
        let known = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .for_endpoint(host, port);
        if !known.is_empty() {
            if known.contains(&fp) {
                return Verdict::Accept;
            }
            return Verdict::Refuse(format!(
                "the TLS certificate of {here} has CHANGED: known_hosts has {}, the server \
                 presented {fp}. Someone may be impersonating the server; if its certificate \
                 was replaced on purpose, remove the old entry with 'trust rm {}' and connect \
                 again",
                list(&known),
                display_name(&norm_host(host))
            ));
        }
        let h = norm_host(host);
        let once: Vec<Fingerprint> = self
            .once
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(oh, op, _)| *oh == h && *op == port)
            .map(|(_, _, f)| *f)
            .collect();
        if once.contains(&fp) {
            return Verdict::Accept;
        }
        if !once.is_empty() {
            return Verdict::Refuse(format!(
                "the TLS certificate of {here} has CHANGED since it was trusted in this run: \
                 it was {}, the server presented {fp}. Someone may be impersonating the server",
                list(&once)
            ));
        }
        Verdict::Undecided
    }

    /// The CA check failed for `der` (`problem`: why, in a few words).
    pub fn record_unknown(&self, host: &str, port: u16, der: &[u8], problem: String) {
        *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Presented::new(host, port, der, problem));
    }

    /// Forget what an earlier handshake refused, before a new connection attempt.
    pub fn forget_rejection(&self) {
        self.rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// A connection attempt to `host:port` failed with `err`. When the verifier refused the
    /// certificate as unknown, add its fingerprint and how to pin it, or, when `may_ask` and
    /// an [`Asker`] is installed, ask: `Ok(())` means the certificate is now trusted and the
    /// caller connects again. Any other failure (a [`Refused`] certificate included: its
    /// message says all) comes back as it was.
    pub fn after_failure(
        &self,
        host: &str,
        port: u16,
        err: anyhow::Error,
        may_ask: bool,
    ) -> Result<()> {
        let said = match err.downcast_ref::<Remote>() {
            Some(Remote::Tls(m)) => m.clone(),
            _ => return Err(err),
        };
        let Some(presented) = self
            .rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return Err(err);
        };
        // The slot is the process's: what it holds must be this server's certificate (a
        // worker's handshake with another server must not be trusted for this one).
        if norm_host(&presented.host) != norm_host(host) || presented.port != port {
            return Err(err);
        }
        let here = place(host, port);
        let asker = self.asker.as_ref().filter(|_| may_ask);
        let Some(asker) = asker else {
            // What the CA check said (with its advice), then how to pin this one.
            return Err(Remote::Tls(format!(
                "{said}; the certificate of {here} has the fingerprint {fp}: to trust \
                 it, connect with --pin {fp} (or in a terminal, to be asked)",
                fp = presented.fingerprint
            ))
            .into());
        };
        match asker.ask(&presented, self.known_path.as_deref())? {
            Answer::Once => {
                self.once.lock().unwrap_or_else(|p| p.into_inner()).insert((
                    norm_host(host),
                    port,
                    presented.fingerprint,
                ));
                Ok(())
            }
            Answer::Always => {
                self.remember(host, port, presented.fingerprint)?;
                Ok(())
            }
            Answer::No => Err(Remote::Tls(format!(
                "the TLS certificate of {here} ({}) is not trusted",
                presented.fingerprint
            ))
            .into()),
        }
    }

    /// Add an entry to known_hosts (the file is read again first: another ftpsh may have
    /// changed it) and trust it from now on.
    fn remember(&self, host: &str, port: u16, fp: Fingerprint) -> Result<()> {
        let path = self.known_path.as_deref().ok_or_else(|| {
            UsageError("no data directory for known_hosts (set HOME or FTPSH_DATA_DIR)".into())
        })?;
        let (mut file, _) = KnownHosts::load(path)?;
        file.add(host, port, fp);
        file.save(path)?;
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = file;
        Ok(())
    }

    /// The entries of known_hosts as the file has them now (and its malformed lines as
    /// warnings).
    pub fn list(&self) -> Result<(Vec<Entry>, Vec<String>)> {
        let Some(path) = self.known_path.as_deref() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let (file, warnings) = KnownHosts::load(path)?;
        let entries = file.entries().cloned().collect();
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = file;
        Ok((entries, warnings))
    }

    /// `trust rm HOST[:PORT]`: the entries removed; an error naming the host when none.
    pub fn remove(&self, host: &str, port: Option<u16>) -> Result<Vec<Entry>> {
        let path = self.known_path.as_deref().ok_or_else(|| {
            UsageError("no data directory for known_hosts (set HOME or FTPSH_DATA_DIR)".into())
        })?;
        let (mut file, _) = KnownHosts::load(path)?;
        let removed = file.remove(host, port);
        if removed.is_empty() {
            let what = match port {
                Some(p) => place(host, p),
                None => display_name(host),
            };
            return Err(
                UsageError(format!("no certificate of {what} in {}", path.display())).into(),
            );
        }
        file.save(path)?;
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = file;
        // Trusted once is trusted no more either: `trust rm` means ask again.
        let h = norm_host(host);
        self.once
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(oh, op, _)| !(*oh == h && port.is_none_or(|p| p == *op)));
        Ok(removed)
    }
}

fn list(fps: &[Fingerprint]) -> String {
    fps.iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn fingerprints_parse_and_print_the_same() {
        let fp: Fingerprint = format!("sha256:{HEX}").parse().unwrap();
        assert_eq!(fp.to_string(), format!("sha256:{HEX}"));
        let upper: Fingerprint = format!("SHA256:{}", HEX.to_uppercase()).parse().unwrap();
        assert_eq!(upper, fp);
        let colons = HEX
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(
            format!("sha256:{colons}").parse::<Fingerprint>().unwrap(),
            fp
        );
    }

    #[test]
    fn bad_fingerprints_are_one_line_errors() {
        for bad in [
            "",
            "sha256:",
            HEX,
            "sha1:00",
            &format!("sha256:{}", &HEX[1..]),
            &format!("sha256:{}zz", &HEX[2..]),
            &format!("sha256:{HEX}00"),
            &format!("sha256::{HEX}"),
            "sha256:\u{1b}[31m",
        ] {
            let e = bad.parse::<Fingerprint>().unwrap_err();
            assert!(e.starts_with("bad fingerprint"), "{bad:?}: {e}");
            assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{e:?}");
        }
        assert_eq!(
            parse_pins(&format!("sha256:{HEX}, sha256:{HEX}"))
                .unwrap()
                .len(),
            2
        );
        assert!(parse_pins(&format!("sha256:{HEX},")).is_err());
    }

    #[test]
    fn trust_rm_argument_forms() {
        assert_eq!(parse_host_port("h").unwrap(), ("h".into(), None));
        assert_eq!(parse_host_port("h:21").unwrap(), ("h".into(), Some(21)));
        assert_eq!(parse_host_port("::1").unwrap(), ("::1".into(), None));
        assert_eq!(
            parse_host_port("[::1]:990").unwrap(),
            ("::1".into(), Some(990))
        );
        assert!(parse_host_port("h:x").is_err());
        assert!(parse_host_port("h:99999").is_err());
        assert!(parse_host_port("").is_err());
    }

    #[test]
    fn known_hosts_rm_removes_the_host_on_one_port_or_on_all() {
        let mut k = KnownHosts::default();
        k.add("h", 21, Fingerprint::of(b"a"));
        k.add("h", 990, Fingerprint::of(b"b"));
        k.add("other", 21, Fingerprint::of(b"c"));
        let gone = k.remove("H", Some(21));
        assert_eq!(
            gone.iter()
                .map(|e| (e.host.as_str(), e.port))
                .collect::<Vec<_>>(),
            [("h", 21)]
        );
        assert!(k.for_endpoint("h", 21).is_empty());
        assert_eq!(k.for_endpoint("h", 990).len(), 1);
        assert!(k.remove("nobody", None).is_empty());
        assert!(k.remove("h", Some(22)).is_empty());
        let gone = k.remove("h", None);
        assert_eq!(gone.len(), 1);
        assert!(k.for_endpoint("h", 990).is_empty());
        assert_eq!(k.for_endpoint("other", 21).len(), 1);
    }

    #[test]
    fn a_missing_known_hosts_is_empty_and_an_unreadable_one_an_error() {
        let dir = tempdir();
        let (k, warnings) = KnownHosts::load(&dir.join("none")).unwrap();
        assert_eq!(k.entries().count(), 0);
        assert!(warnings.is_empty());
        // A directory where the file should be: not "missing", an error naming it.
        let err = KnownHosts::load(&dir).unwrap_err();
        assert!(
            err.to_string().contains(&dir.display().to_string()),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn known_hosts_lines_with_a_word_too_many_or_port_0_are_not_entries() {
        let good = format!("h 21 sha256:{HEX}");
        assert_eq!(parse_entry(&good).map(|e| e.port), Some(21));
        assert!(parse_entry(&format!("{good} extra")).is_none());
        assert!(parse_entry(&format!("h 0 sha256:{HEX}")).is_none());
        assert!(parse_entry("h 21").is_none());
    }

    #[test]
    fn the_prompt_names_the_place_with_brackets_around_ipv6() {
        assert_eq!(place("::1", 990), "[::1]:990");
        assert_eq!(place("h\x1b[2J", 21), "h?[2J:21");
        let p = Presented::new("::1", 990, b"not a certificate", "unknown issuer".into());
        let text = p.describe();
        assert!(
            text.starts_with("The TLS certificate of [::1]:990 is not trusted: unknown issuer."),
            "{text}"
        );
        assert!(text.contains("subject:     (unreadable)"), "{text}");
        assert!(
            text.ends_with(&format!("fingerprint: {}", p.fingerprint)),
            "{text}"
        );
        // Debug prints what Display does (messages format fingerprints either way).
        assert_eq!(format!("{:?}", p.fingerprint), p.fingerprint.to_string());
        assert_eq!(Refused("no".into()).to_string(), "no");
    }

    #[test]
    fn known_hosts_keeps_comments_and_bad_lines_and_is_written_0600() {
        let dir = tempdir();
        let path = dir.join("known_hosts");
        std::fs::write(
            &path,
            format!("# mine\nHost.Example 21 sha256:{HEX}\nbroken line\n"),
        )
        .unwrap();
        let (mut k, warnings) = KnownHosts::load(&path).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].ends_with(":3: not 'HOST PORT sha256:HEX'; line ignored"));
        assert_eq!(k.for_endpoint("host.example", 21).len(), 1);
        assert!(k.for_endpoint("host.example", 990).is_empty());
        k.add("other", 990, Fingerprint::of(b"x"));
        k.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\nhost.example 21 sha256:"),
            "{text}"
        );
        assert!(text.contains("broken line\nother 990 sha256:"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pins_decide_alone_and_known_hosts_refuses_a_change() {
        let der = b"certificate";
        let fp = Fingerprint::of(der);
        let mut t = Trust::default();
        assert_eq!(t.verdict("h", 21, der, false), Verdict::Undecided);
        t.known
            .lock()
            .unwrap()
            .add("h", 21, Fingerprint::of(b"old"));
        assert!(
            matches!(t.verdict("h", 21, der, false), Verdict::Refuse(m) if m.contains("CHANGED"))
        );
        assert_eq!(t.verdict("h", 2121, der, false), Verdict::Undecided);
        t.set_bookmark_pins(vec![("b".into(), "H".into(), 21, vec![fp])]);
        assert_eq!(t.verdict("h", 21, der, false), Verdict::Accept);
        t.pin_all(vec![Fingerprint::of(b"other")]);
        // Both pins apply to h:21; only --pin to another server.
        assert_eq!(t.verdict("h", 21, der, false), Verdict::Accept);
        assert!(
            matches!(t.verdict("x", 21, der, true), Verdict::Refuse(m) if m.contains("not pinned (--pin"))
        );
    }

    /// Certificate fields are the server's text: the prompt shows them cleaned.
    #[test]
    fn the_prompt_cleans_control_and_bidi_characters_of_certificate_fields() {
        let mut p = Presented::new("h", 21, b"not a certificate", "why\x07".into());
        p.subject = "CN=evil\x1b[2J\u{202e}txt.exe".into();
        p.issuer = "CN=a\rb".into();
        let text = p.describe();
        assert!(
            !text.contains('\x1b') && !text.contains('\u{202e}'),
            "{text:?}"
        );
        assert!(!text.contains('\r') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("subject:     CN=evil"), "{text:?}");
        assert!(text.contains(&format!(
            "fingerprint: {}",
            Fingerprint::of(b"not a certificate")
        )));
        assert_eq!(text.lines().count(), 5, "{text:?}");
    }

    /// A certificate trusted once that changes later in the run (a reconnect, a data
    /// connection) is refused like a known_hosts change, never asked about again.
    #[test]
    fn a_certificate_trusted_once_that_changes_is_refused() {
        let t = Trust::default();
        t.once
            .lock()
            .unwrap()
            .insert(("h".into(), 21, Fingerprint::of(b"first")));
        assert_eq!(t.verdict("H", 21, b"first", false), Verdict::Accept);
        match t.verdict("h", 21, b"second", false) {
            Verdict::Refuse(m) => {
                assert!(
                    m.contains("CHANGED since it was trusted in this run"),
                    "{m}"
                );
                assert!(m.contains(&Fingerprint::of(b"first").to_string()), "{m}");
                assert!(m.contains(&Fingerprint::of(b"second").to_string()), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.verdict("h", 990, b"second", false), Verdict::Undecided);
    }

    /// `trust rm` forgets what was trusted once in this run too, for that host and port
    /// only (or every port).
    #[test]
    fn trust_rm_forgets_a_certificate_trusted_once() {
        let dir = tempdir();
        let path = dir.join("known_hosts");
        let (a, b) = (Fingerprint::of(b"a"), Fingerprint::of(b"b"));
        std::fs::write(&path, format!("h 21 {a}\nh 990 {b}\n")).unwrap();
        let (t, _) = Trust::new(Some(path)).unwrap();
        for (h, port, der) in [("h", 21, b"a"), ("h", 990, b"b"), ("other", 21, b"c")] {
            t.once
                .lock()
                .unwrap()
                .insert((h.into(), port, Fingerprint::of(der)));
        }
        t.remove("H", Some(21)).unwrap();
        assert_eq!(t.verdict("h", 21, b"a", false), Verdict::Undecided);
        assert_eq!(t.verdict("h", 990, b"b", false), Verdict::Accept);
        assert_eq!(t.verdict("other", 21, b"c", false), Verdict::Accept);
        t.remove("h", None).unwrap();
        assert_eq!(t.verdict("h", 990, b"b", false), Verdict::Undecided);
        assert_eq!(t.verdict("other", 21, b"c", false), Verdict::Accept);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "ftpsh-trust-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
