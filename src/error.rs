//! Exit codes and the error types that carry them.
//!
//! Handlers return `anyhow::Error`s with context; the two places that render errors (the line
//! runner and `main`) ask [`exit_code`] for the documented code, which walks the error chain and
//! downcasts to the typed errors below. Nothing else decides an exit code.

use std::fmt;
use std::io;

/// The documented exit codes (README "Exit codes", `--help`, the man page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Connect = 3,
    Login = 4,
    NotFound = 5,
    Local = 6,
    Tls = 7,
    Lost = 8,
    Interrupted = 130,
}

impl Code {
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

/// The exit-status table, shown by `--help` and in the man page.
pub const EXIT_CODES: &[(Code, &str)] = &[
    (Code::Ok, "success"),
    (Code::Failed, "a command failed (other server refusals)"),
    (
        Code::Usage,
        "usage error (bad option, unknown command, bad quoting, missing argument)",
    ),
    (
        Code::Connect,
        "cannot connect (DNS, refused, connect timeout), or serve cannot listen (port in use)",
    ),
    (Code::Login, "login failed (530)"),
    (
        Code::NotFound,
        "remote file or directory not found or not permitted (550/553/450)",
    ),
    (
        Code::Local,
        "local file error (cannot read or write, disk full)",
    ),
    (Code::Tls, "TLS failure (handshake or certificate)"),
    (Code::Lost, "connection lost or timed out mid-command"),
    (Code::Interrupted, "interrupted (Ctrl-C)"),
];

/// A bad command line: unknown command, bad quoting, wrong arguments. Exit 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

/// `ftpsh serve` cannot listen on its address (port in use, address not here). Exit 3.
#[derive(Debug)]
pub struct ListenError(pub String);

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ListenError {}

/// A failure on the local side (reading or writing a file). Exit 6.
#[derive(Debug)]
pub struct LocalError {
    pub what: String,
    pub source: io::Error,
}

impl LocalError {
    pub fn new(what: impl Into<String>, source: io::Error) -> Self {
        LocalError {
            what: what.into(),
            source,
        }
    }
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, io_message(&self.source))
    }
}
impl std::error::Error for LocalError {}

/// What went wrong on the FTP side, already classified. The session converts every suppaftp
/// error into one of these at its boundary so the rest of the program never sees `FtpError`.
#[derive(Debug)]
pub enum Remote {
    /// The server answered with a reply we did not want: code and text, e.g. `550 No such file`.
    Reply { code: u32, text: String },
    /// Could not reach the server at all (refused, no such host, a bad greeting).
    Connect(String),
    /// Tried to reach the server, but no session came of it: a connect timeout, the
    /// connection reset or closed before or during the greeting, a 421 instead of service.
    /// Exit 3 like `Connect`, but transient: worth a retry.
    NoSession(String),
    /// The server refused the login.
    Login(String),
    /// TLS handshake or certificate failure.
    Tls(String),
    /// The control connection dropped or timed out in the middle of a command.
    Lost(String),
    /// A transfer broke off or came up short while the control connection may still be
    /// fine (the caller checks it): same exit code as `Lost`, but no reconnect.
    Incomplete(String),
    /// The server sent something that is not an FTP reply.
    Protocol(String),
    /// The path exists but is the wrong kind for the command (`get` of a directory). Exit 5.
    WrongKind(String),
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Remote::Reply { code, text } => write!(f, "{code} {text}"),
            Remote::Connect(m)
            | Remote::NoSession(m)
            | Remote::Login(m)
            | Remote::Tls(m)
            | Remote::Lost(m)
            | Remote::Incomplete(m)
            | Remote::Protocol(m)
            | Remote::WrongKind(m) => f.write_str(m),
        }
    }
}
impl std::error::Error for Remote {}

impl Remote {
    pub fn code(&self) -> Code {
        match self {
            Remote::Reply { code, .. } => match code {
                530 | 332 => Code::Login,
                450 | 550 | 551 | 553 => Code::NotFound,
                421 => Code::Lost,
                _ => Code::Failed,
            },
            Remote::Connect(_) | Remote::NoSession(_) => Code::Connect,
            Remote::Login(_) => Code::Login,
            Remote::Tls(_) => Code::Tls,
            Remote::Lost(_) | Remote::Incomplete(_) => Code::Lost,
            Remote::Protocol(_) => Code::Failed,
            Remote::WrongKind(_) => Code::NotFound,
        }
    }

    /// Whether the control connection is gone and the session must reconnect before going on.
    pub fn connection_gone(&self) -> bool {
        matches!(self, Remote::Lost(_) | Remote::Reply { code: 421, .. })
    }
}

/// The path or name an error is about, attached as context (`.context(Subject::new(path))`):
/// the one-line message shows it cleaned for the terminal, JSON carries it intact.
#[derive(Debug)]
pub struct Subject(pub String);

impl Subject {
    pub fn new(name: impl Into<String>) -> Subject {
        Subject(name.into())
    }

    /// The outermost subject of an error: the path the failing command was working on.
    pub fn of(err: &anyhow::Error) -> Option<&str> {
        err.downcast_ref::<Subject>().map(|s| s.0.as_str())
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::listing::display_name(&self.0))
    }
}

/// The server reply an error came from, if one did: its code and text.
pub fn reply_of(err: &anyhow::Error) -> Option<(u32, &str)> {
    err.chain().find_map(|c| match c.downcast_ref::<Remote>() {
        Some(Remote::Reply { code, text }) => Some((*code, text.as_str())),
        _ => None,
    })
}

/// The user pressed Ctrl-C during a command. Exit 130.
#[derive(Debug)]
pub struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for Interrupted {}

/// Many jobs (files of a tree, of a glob, the changes of a mirror) of which some failed:
/// each failure was reported when it happened; this is the command's result. Its exit code
/// is the worst of theirs.
#[derive(Debug)]
pub struct Merged {
    pub failed: usize,
    pub total: usize,
    /// What the jobs are, plural: "files", or "changes" for a mirror (its total counts
    /// directories made and deletions too).
    pub what: &'static str,
    pub code: i32,
}

impl fmt::Display for Merged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} {} failed", self.failed, self.total, self.what)
    }
}
impl std::error::Error for Merged {}

/// How bad an exit code is, for [`merge`]: Ctrl-C, then a lost connection, then TLS, local
/// and login trouble, then a refusal, then a missing file.
fn severity(code: i32) -> u8 {
    match code {
        130 => 9,
        8 => 8,
        7 => 7,
        6 => 6,
        3 => 5,
        4 => 4,
        1 => 3,
        5 => 2,
        2 => 1,
        _ => 0,
    }
}

/// The result of `total` jobs, each one of `what` (plural): `Ok` when none failed, else a
/// [`Merged`] error with the worst exit code among the failures.
pub fn merge<'a>(
    errors: impl IntoIterator<Item = &'a anyhow::Error>,
    total: usize,
    what: &'static str,
) -> anyhow::Result<()> {
    let codes: Vec<i32> = errors.into_iter().map(exit_code).collect();
    match codes.iter().copied().max_by_key(|c| severity(*c)) {
        None => Ok(()),
        Some(code) => Err(Merged {
            failed: codes.len(),
            total,
            what,
            code,
        }
        .into()),
    }
}

/// The documented exit code for an error: the first typed error found in its chain decides.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(m) = cause.downcast_ref::<Merged>() {
            return m.code;
        }
        if cause.is::<UsageError>() || cause.is::<clap::Error>() {
            return Code::Usage.as_i32();
        }
        if cause.is::<LocalError>() {
            return Code::Local.as_i32();
        }
        if cause.is::<ListenError>() {
            return Code::Connect.as_i32();
        }
        if let Some(r) = cause.downcast_ref::<Remote>() {
            return r.code().as_i32();
        }
        if cause.is::<Interrupted>() {
            return Code::Interrupted.as_i32();
        }
    }
    Code::Failed.as_i32()
}

/// Whoever read our stdout has stopped (`ftpsh -c 'cat f' | head`): like a Unix tool killed
/// by SIGPIPE, stop quietly; there is no one left to tell.
pub fn is_stdout_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<LocalError>()
            .is_some_and(|l| l.what == "stdout" && l.source.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// An io::Error rendered without Rust's "(os error 2)" suffix, as other Unix tools print it.
pub fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Render an error chain on one line: `context: context: cause`, skipping repeats, made safe
/// for a terminal.
pub fn render(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let s = cause.to_string();
        let s = s.trim().replace('\n', " ");
        if s.is_empty() || parts.iter().any(|p| p.ends_with(&s)) {
            continue;
        }
        // `nope.txt` then `nope.txt: No such file`: the cause already names it.
        if parts
            .last()
            .is_some_and(|p| s.starts_with(&format!("{p}: ")))
        {
            parts.pop();
        }
        parts.push(s);
    }
    // Errors quote server replies and names: the one cleaning function, whatever each
    // part did before.
    crate::listing::display_name(&parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes_map_to_documented_exit_codes() {
        let r = |code| Remote::Reply {
            code,
            text: String::new(),
        };
        assert_eq!(r(550).code(), Code::NotFound);
        assert_eq!(r(553).code(), Code::NotFound);
        assert_eq!(r(450).code(), Code::NotFound);
        assert_eq!(r(530).code(), Code::Login);
        assert_eq!(r(421).code(), Code::Lost);
        assert_eq!(r(500).code(), Code::Failed);
    }

    #[test]
    fn exit_code_walks_the_chain() {
        let e = anyhow::Error::new(LocalError::new(
            "x",
            io::Error::from(io::ErrorKind::PermissionDenied),
        ))
        .context("get: a");
        assert_eq!(exit_code(&e), 6);
        let e = anyhow::anyhow!("plain");
        assert_eq!(exit_code(&e), 1);
    }

    #[test]
    fn merge_takes_the_worst_code() {
        let e = |code| {
            anyhow::Error::new(Remote::Reply {
                code,
                text: String::new(),
            })
        };
        assert!(merge([], 3, "files").is_ok());
        let errs = [e(550), e(500), e(550)];
        let m = merge(&errs, 10, "files").unwrap_err();
        assert_eq!(exit_code(&m), 1);
        assert_eq!(m.to_string(), "3 of 10 files failed");
        let lost = anyhow::Error::new(Remote::Lost("x".into()));
        let local = anyhow::Error::new(LocalError::new("f", io::Error::other("full")));
        assert_eq!(
            exit_code(&merge([&errs[0], &local], 2, "files").unwrap_err()),
            6
        );
        assert_eq!(
            exit_code(&merge([&local, &lost], 2, "files").unwrap_err()),
            8
        );
        let int = anyhow::Error::new(Interrupted);
        assert_eq!(
            exit_code(&merge([&lost, &int], 2, "files").unwrap_err()),
            130
        );
    }

    #[test]
    fn render_is_one_line_without_repeats() {
        let e = anyhow::Error::new(Remote::Reply {
            code: 550,
            text: "No such file".into(),
        })
        .context("/pub/x")
        .context("get");
        assert_eq!(render(&e), "get: /pub/x: 550 No such file");
        let e = anyhow::Error::new(LocalError::new(
            "a.txt",
            io::Error::from(io::ErrorKind::NotFound),
        ))
        .context("a.txt");
        assert_eq!(render(&e), "a.txt: entity not found");
    }

    #[test]
    fn subject_and_reply_are_found_under_later_context() {
        let e = anyhow::Error::new(Remote::Reply {
            code: 550,
            text: "gone".into(),
        })
        .context(Subject::new("a\x1b[2Jb"))
        .context("get");
        assert_eq!(Subject::of(&e), Some("a\x1b[2Jb"));
        assert_eq!(reply_of(&e), Some((550, "gone")));
        assert_eq!(render(&e), "get: a?[2Jb: 550 gone");
        let plain = anyhow::anyhow!("x");
        assert_eq!((Subject::of(&plain), reply_of(&plain)), (None, None));
    }

    #[test]
    fn rendered_errors_never_carry_terminal_controls() {
        let e = anyhow::anyhow!("gone \x1b]0;t\x07 \u{202E}x").context("a\x1b[2Jb");
        assert_eq!(render(&e), "a?[2Jb: gone ?]0;t? ?x");
    }
}
