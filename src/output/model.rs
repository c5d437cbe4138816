//! The typed results of commands: what handlers produce, before any rendering.
//!
//! Each [`Report`] is rendered by the text renderer for people or, with `--json`, written as
//! one NDJSON line: `{"type": "<variant>", "data": {...}}`. This file is the JSON schema: the
//! README's "For programs" section documents it and `tests/it/json.rs` checks every command's
//! output against it. Names and replies are carried here exactly as the server sent them;
//! cleaning them for a terminal is the text renderer's job, never the model's.
//!
//! Schema changes that remove or retype a field bump [`SCHEMA`]; new fields and new types
//! may appear within one version, so programs should ignore what they do not know.

use serde::{Deserialize, Serialize};

/// The version of the JSON schema, in the first line of every JSON run.
pub const SCHEMA: u32 = 1;

/// The schema in brief, for the man page and the README: each `type`, who writes it, and its
/// `data` fields (`?`: left out when empty). A test keeps it in step with [`Report`].
pub const TYPES: &[(&str, &str, &str)] = &[
    ("ftpsh", "first line of every run", "schema, version"),
    (
        "connected",
        "open, user, a host argument",
        "host, port, user, tls {implicit, version, cipher} or null, welcome, directory",
    ),
    ("closed", "close", "host"),
    ("bye", "bye, exit, quit", "exit"),
    (
        "status",
        "status",
        "connected, host, user, tls, remote_directory, login_directory, local_directory, \
         passive, epsv, transfer_type",
    ),
    ("features", "features", "features [{name, params}]"),
    ("reply", "quote, site", "command, code, text"),
    (
        "setting",
        "debug, type, ascii, binary, passive",
        "name, value, changed",
    ),
    (
        "option",
        "set, unset (one per setting listed or changed)",
        "name, value, source, default, doc, changed",
    ),
    (
        "bookmark",
        "bookmark add, list (one per bookmark), rm",
        "name, url, user?, path?, action",
    ),
    (
        "trusted",
        "trust list (one per certificate), trust rm (one per entry removed)",
        "host, port, fingerprint, action",
    ),
    ("pwd", "pwd", "path"),
    ("cwd", "cd, cdup", "path"),
    ("local_dir", "lcd, lpwd", "path, changed"),
    (
        "entry",
        "ls, dir, nlist, lls (one per entry)",
        "path, name, name_bytes?, type, size, modified, permissions, target, line?, local?, facts?",
    ),
    (
        "done",
        "mkdir, rmdir, rm, mv, chmod",
        "command, path, to?, mode?",
    ),
    ("usage", "du", "path, bytes, files, dirs, links, skipped"),
    (
        "found",
        "find (one per matching item)",
        "path, type, size, modified",
    ),
    ("size", "size", "path, bytes"),
    ("modtime", "modtime", "path, time"),
    ("checksum", "hash", "path, algorithm, hex"),
    (
        "data",
        "cat, get -o -",
        "path, offset, text? or bytes? (base64)",
    ),
    (
        "transfer",
        "get, put, cat",
        "command, direction, remote, local, bytes, seconds, rate, resumed_from, verified, checksum?, outcome",
    ),
    (
        "summary",
        "get -P, put -P, get -r, put -r, mirror",
        "command, files, done, skipped, failed, bytes, seconds, dirs_made, deleted",
    ),
    (
        "step",
        "mirror, get -r, put -r (--dry-run: every step; else mkdirs and deletes as done)",
        "command, action, path, reason, dry_run, text",
    ),
    ("shell", "!, shell", "command, status"),
    ("aliases", "alias", "aliases [{name, command}]"),
    ("history", "history", "entries [{number, line}]"),
    ("echo", "echo", "text"),
    (
        "help",
        "help",
        "command?, commands? [{name, aliases, about, usage}], text",
    ),
    (
        "retry",
        "any command or file retried after a transient fault",
        "command, target, attempt, retries, wait, code, reply, message",
    ),
    (
        "error",
        "any failure",
        "command, target, code, reply, exit, message",
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Report {
    /// The first line of a JSON run: which schema the lines after it follow.
    Ftpsh(Header),
    /// Logged in (`open`, `user`, a host on the command line, a URL argument).
    Connected(Connected),
    /// `close`: the connection was ended.
    Closed(Closed),
    /// `bye`/`exit`: the run ends with this exit code.
    Bye(Bye),
    Status(Status),
    Features(Features),
    /// The server's answer to `quote`/`site`.
    Reply(Reply),
    /// `debug`, `type`/`ascii`/`binary`, `passive`: a setting shown or changed.
    Setting(Setting),
    /// `set`, `unset`: a setting of the settings table, its value and where it came from.
    Option(OptionData),
    /// `bookmark add`, `bookmark list`, `bookmark rm`.
    Bookmark(BookmarkData),
    /// `trust list`, `trust rm`: a certificate trusted by fingerprint (known_hosts).
    Trusted(TrustedData),
    /// `pwd`: the remote working directory.
    Pwd(PathData),
    /// `cd`, `cdup`: the remote working directory after the change.
    Cwd(PathData),
    /// `lcd`, `lpwd`: the local working directory.
    LocalDir(LocalDir),
    /// One entry of `ls`, `dir`, `nlist` or `lls`: one line each, streamed.
    Entry(EntryData),
    /// `mkdir`, `rmdir`, `rm`, `mv`, `chmod`: one per path acted on.
    Done(Done),
    /// `du`: the totals of a remote tree.
    Usage(Usage),
    /// `find`: one matching item of a remote tree, streamed.
    Found(Found),
    Size(Size),
    Modtime(Modtime),
    /// `hash`: the server's checksum of one file.
    Checksum(Checksum),
    /// A piece of a file's content (`cat`, `get -o -`) in JSON mode.
    Data(Data),
    /// A finished (or skipped) transfer: `get`, `put`, `cat`.
    Transfer(Transfer),
    /// The end of a many-file run (`-P`, trees): how many files went how.
    Summary(Summary),
    /// A step of a tree copy's plan: every step of a dry run, and each mkdir and delete
    /// as it is done.
    Step(Step),
    /// `!`/`shell`: the command's exit status.
    Shell(Shell),
    /// `alias` (every alias) or `alias NAME` (that one).
    Aliases(Aliases),
    /// `history [N]`: the shell's history lines, numbered from the oldest.
    History(History),
    /// `echo`: the text, words joined by one space.
    Echo(Echo),
    Help(Help),
    /// A transient failure that is tried again after `wait` seconds (also one line on
    /// stderr).
    Retry(RetryData),
    /// A failed command (also reported as one line on stderr).
    Error(ErrorData),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub schema: u32,
    /// The ftpsh version that wrote the run.
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connected {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// `null` for plain FTP.
    pub tls: Option<Tls>,
    /// The server's greeting (220), as sent.
    pub welcome: Option<String>,
    /// The directory the login landed in.
    pub directory: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tls {
    /// Implicit FTPS (ftps://, port 990) rather than AUTH TLS.
    pub implicit: bool,
    /// `TLSv1_3`; `null` when the handshake details are unknown.
    pub version: Option<String>,
    pub cipher: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closed {
    /// The server that was connected; `null` when nothing was.
    pub host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bye {
    pub exit: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub connected: bool,
    pub host: Option<String>,
    pub user: Option<String>,
    pub tls: Option<Tls>,
    pub remote_directory: Option<String>,
    pub login_directory: Option<String>,
    pub local_directory: String,
    pub passive: bool,
    /// Whether passive mode uses EPSV (`null` when not connected or not passive).
    pub epsv: Option<bool>,
    /// `ascii` or `binary`.
    pub transfer_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Sorted by name; `params` is what follows the name on the FEAT line (`null` if none).
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub params: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The line sent, with a PASS or ACCT argument masked.
    pub command: String,
    pub code: u32,
    /// Every line of the reply, as sent (line breaks kept, CRs dropped).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// `debug`, `type` or `passive`.
    pub name: String,
    /// `on`/`off`, `ascii`/`binary`.
    pub value: String,
    /// The command changed it (rather than asked for it).
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionData {
    /// A name from the settings table (`timeout`, `parallel`, ...).
    pub name: String,
    /// The value in force, in its canonical text (`on`, `30`, `auto`).
    pub value: String,
    /// Where the value came from: `default`, `file`, `flag` or `set`.
    pub source: String,
    pub default: String,
    /// The setting's one-line description.
    pub doc: String,
    /// `set NAME VALUE` or `unset NAME` changed it (rather than showed it).
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookmarkData {
    pub name: String,
    /// The server's URL, never with a password.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `added`, `listed` or `removed`.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedData {
    pub host: String,
    pub port: u16,
    /// `sha256:` and the hex digest of the certificate's DER encoding.
    pub fingerprint: String,
    /// `listed` or `removed`.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathData {
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalDir {
    pub path: String,
    pub changed: bool,
}

/// One listing entry. `name` is exactly what the server sent (or the local file name for
/// `lls`); `type` is `file`, `dir`, `link` or `other`, `null` when the listing does not say
/// (`nlist`); `modified` is RFC 3339 UTC, or a bare date when the listing gave only the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryData {
    /// The path argument the listing was made for (`null`: the working directory).
    pub path: Option<String>,
    /// The name; a byte the charset did not decode is written `\xNN` here.
    pub name: String,
    /// When the name has such bytes: all of its bytes as the server sent them, in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_bytes: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub size: Option<u64>,
    pub modified: Option<String>,
    pub permissions: Option<String>,
    pub target: Option<String>,
    /// The line as the server sent it: `dir` always gives it, `ls` when it could not be
    /// parsed (then `name` is the whole line too and `type` is `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// `lls`: an entry of the local directory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
    /// MLSD facts ftpsh does not interpret (`unique`, `UNIX.owner`, `lang`...), by name as
    /// the server sent them; absent when there are none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub facts: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    pub command: String,
    pub path: String,
    /// `mv`: the new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `chmod`: the mode set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// `du`: what a walk of the tree found. Only files count towards `bytes` (links are not
/// followed); `dirs` are the directories below `path`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// The directory as given (`.` for the working directory).
    pub path: String,
    pub bytes: u64,
    pub files: u64,
    pub dirs: u64,
    pub links: u64,
    /// Entries left out: names no safe path can hold (`..`, `a/b`, control characters;
    /// each was warned about), devices and lines the listing parser could not read.
    pub skipped: u64,
    /// `du -h`: how the text renderer shows `bytes` (not part of the JSON).
    #[serde(skip)]
    pub human: bool,
}

/// `find`: one item, its path as find(1) prints it (`DIR/rel`, `./rel` by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub path: String,
    /// `file`, `dir` or `link` (links are never followed).
    #[serde(rename = "type")]
    pub kind: String,
    pub size: Option<u64>,
    /// RFC 3339 UTC, or the date alone when the listing gave only the day; `null` for the
    /// root itself.
    pub modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Size {
    pub path: String,
    pub bytes: u64,
}

/// A checksum the server computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checksum {
    pub path: String,
    /// `sha256`, `sha512`, `sha1`, `md5` or `crc32`.
    pub algorithm: String,
    /// The digest in lower-case hex.
    pub hex: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modtime {
    pub path: String,
    /// RFC 3339, UTC (`2024-01-29T10:00:00Z`).
    pub time: String,
}

/// File content: `text` when the piece is valid UTF-8, else `bytes` (standard base64).
/// Pieces never split a UTF-8 character; concatenated in order they are the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Data {
    pub path: String,
    /// Where this piece starts in the file.
    pub offset: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// `get`, `put` or `cat`.
    pub command: String,
    /// `download` or `upload`.
    pub direction: String,
    pub remote: String,
    /// The local file; `-` for stdout.
    pub local: String,
    /// Bytes moved by this run (not counting a resumed file's earlier part).
    pub bytes: u64,
    pub seconds: f64,
    /// Bytes per second.
    pub rate: f64,
    /// Where a resumed transfer started (0: from the beginning).
    pub resumed_from: u64,
    /// What the result was checked against: `size` (the size the server announced), and
    /// with `--verify` the algorithm of the server checksum it matched (`sha256`...).
    pub verified: Vec<String>,
    /// `--verify`: the checksum both sides agreed on, `ALGO:HEX` (`sha256:9f86...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `complete`; `already_complete` (`-c` found nothing left to do); `kept` (`-n` left an
    /// existing file alone); `skipped` (a link a glob matched is not a file).
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub command: String,
    pub files: usize,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Bytes moved by the files done.
    pub bytes: u64,
    pub seconds: f64,
    /// Directories created (tree copies).
    pub dirs_made: usize,
    /// Items deleted (`mirror --delete`).
    pub deleted: usize,
}

impl Summary {
    /// A summary of `command` with every count at zero.
    pub fn new(command: &str) -> Summary {
        Summary {
            command: command.into(),
            files: 0,
            done: 0,
            skipped: 0,
            failed: 0,
            bytes: 0,
            seconds: 0.0,
            dirs_made: 0,
            deleted: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// `mirror`, `get`, `put`.
    pub command: String,
    /// `mkdir`, `get`, `put`, `delete` or `skip`.
    pub action: String,
    /// Relative to the roots.
    pub path: String,
    /// Why: `missing`, `size differs`, `same size and time`, `excluded`...
    pub reason: Option<String>,
    /// Planned only (`--dry-run`), not done.
    pub dry_run: bool,
    /// The line the text output shows for it.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shell {
    pub command: String,
    /// `null` when a signal ended it.
    pub status: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aliases {
    /// Sorted by name.
    pub aliases: Vec<AliasData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasData {
    pub name: String,
    /// The command text the name stands for (words typed after the name are appended).
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// 1 for the oldest line kept.
    pub number: u64,
    pub line: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Echo {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Help {
    /// `help CMD`: the command asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `help`: every command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<HelpEntry>,
    /// The help as the text renderer shows it.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpEntry {
    pub name: String,
    pub aliases: Vec<String>,
    pub about: String,
    pub usage: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryData {
    /// The command being retried.
    pub command: String,
    /// The file or path it was working on, when it names one.
    pub target: Option<String>,
    /// This retry's number, from 1.
    pub attempt: u32,
    /// The most retries allowed (`--retries`).
    pub retries: u32,
    /// Seconds until the retry starts.
    pub wait: f64,
    /// The FTP reply code of the failure, when a reply caused it.
    pub code: Option<u32>,
    /// That reply's text.
    pub reply: Option<String>,
    /// The line also shown on stderr.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorData {
    /// The command that failed (`null` for a line that did not parse).
    pub command: Option<String>,
    /// The path or name the error is about, as given or as the server sent it.
    pub target: Option<String>,
    /// The FTP reply code, when a reply caused the failure.
    pub code: Option<u32>,
    /// That reply's text.
    pub reply: Option<String>,
    /// The exit code the failure earns (see "Exit codes").
    pub exit: i32,
    /// The one-line message also shown on stderr.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `type` of each report: an exhaustive match, so a new variant cannot be left out
    /// of the samples below.
    fn type_of(r: &Report) -> &'static str {
        match r {
            Report::Ftpsh(_) => "ftpsh",
            Report::Connected(_) => "connected",
            Report::Closed(_) => "closed",
            Report::Bye(_) => "bye",
            Report::Status(_) => "status",
            Report::Features(_) => "features",
            Report::Reply(_) => "reply",
            Report::Setting(_) => "setting",
            Report::Option(_) => "option",
            Report::Bookmark(_) => "bookmark",
            Report::Trusted(_) => "trusted",
            Report::Pwd(_) => "pwd",
            Report::Cwd(_) => "cwd",
            Report::LocalDir(_) => "local_dir",
            Report::Entry(_) => "entry",
            Report::Done(_) => "done",
            Report::Usage(_) => "usage",
            Report::Found(_) => "found",
            Report::Size(_) => "size",
            Report::Modtime(_) => "modtime",
            Report::Checksum(_) => "checksum",
            Report::Data(_) => "data",
            Report::Transfer(_) => "transfer",
            Report::Summary(_) => "summary",
            Report::Step(_) => "step",
            Report::Shell(_) => "shell",
            Report::Aliases(_) => "aliases",
            Report::History(_) => "history",
            Report::Echo(_) => "echo",
            Report::Help(_) => "help",
            Report::Retry(_) => "retry",
            Report::Error(_) => "error",
        }
    }

    fn samples() -> Vec<Report> {
        let tls = Some(Tls {
            implicit: false,
            version: Some("TLSv1_3".into()),
            cipher: None,
        });
        vec![
            Report::Ftpsh(Header {
                schema: SCHEMA,
                version: "0.1.0".into(),
            }),
            Report::Connected(Connected {
                host: "h".into(),
                port: 21,
                user: "u".into(),
                tls: tls.clone(),
                welcome: Some("220-a\n220 b".into()),
                directory: "/".into(),
            }),
            Report::Closed(Closed { host: None }),
            Report::Bye(Bye { exit: 3 }),
            Report::Status(Status {
                connected: true,
                host: Some("h".into()),
                user: Some("u".into()),
                tls,
                remote_directory: Some("/pub".into()),
                login_directory: Some("/".into()),
                local_directory: "/tmp".into(),
                passive: true,
                epsv: Some(true),
                transfer_type: "binary".into(),
            }),
            Report::Features(Features {
                features: vec![Feature {
                    name: "MLST".into(),
                    params: Some("size*;".into()),
                }],
            }),
            Report::Reply(Reply {
                command: "NOOP".into(),
                code: 200,
                text: "200 ok".into(),
            }),
            Report::Setting(Setting {
                name: "type".into(),
                value: "ascii".into(),
                changed: true,
            }),
            Report::Option(OptionData {
                name: "timeout".into(),
                value: "10".into(),
                source: "set".into(),
                default: "30".into(),
                doc: "Connect and idle timeout in seconds".into(),
                changed: true,
            }),
            Report::Bookmark(BookmarkData {
                name: "deb".into(),
                url: "ftp://ftp.debian.org".into(),
                user: Some("anonymous".into()),
                path: Some("debian".into()),
                action: "added".into(),
            }),
            Report::Trusted(TrustedData {
                host: "h".into(),
                port: 21,
                fingerprint: "sha256:00".into(),
                action: "listed".into(),
            }),
            Report::Pwd(PathData { path: "/".into() }),
            Report::Cwd(PathData { path: "/d".into() }),
            Report::LocalDir(LocalDir {
                path: "/tmp".into(),
                changed: false,
            }),
            Report::Entry(EntryData {
                path: None,
                name: "a\u{1b}b\\xE9".into(),
                name_bytes: Some("YRti6Q==".into()),
                kind: Some("file".into()),
                size: Some(1),
                modified: Some("2019-01-05".into()),
                permissions: None,
                target: None,
                line: Some("-rw- 1 a\u{1b}b".into()),
                local: false,
                facts: [("UNIX.owner".to_string(), "ftp".to_string())].into(),
            }),
            Report::Done(Done {
                command: "mv".into(),
                path: "a".into(),
                to: Some("b".into()),
                mode: None,
            }),
            Report::Usage(Usage {
                path: ".".into(),
                bytes: 7,
                files: 2,
                dirs: 1,
                links: 1,
                skipped: 0,
                human: false,
            }),
            Report::Found(Found {
                path: "./a\u{1b}b".into(),
                kind: "file".into(),
                size: Some(3),
                modified: Some("2019-01-05".into()),
            }),
            Report::Size(Size {
                path: "a".into(),
                bytes: 5,
            }),
            Report::Modtime(Modtime {
                path: "a".into(),
                time: "2024-01-29T10:00:00Z".into(),
            }),
            Report::Checksum(Checksum {
                path: "a".into(),
                algorithm: "sha256".into(),
                hex: "00".repeat(32),
            }),
            Report::Data(Data {
                path: "a".into(),
                offset: 0,
                text: None,
                bytes: Some("AAE=".into()),
            }),
            Report::Transfer(Transfer {
                command: "get".into(),
                direction: "download".into(),
                remote: "a".into(),
                local: "a".into(),
                bytes: 10,
                seconds: 0.5,
                rate: 20.0,
                resumed_from: 0,
                verified: vec!["size".into(), "sha256".into()],
                checksum: Some(format!("sha256:{}", "00".repeat(32))),
                outcome: "complete".into(),
            }),
            Report::Summary(Summary {
                command: "get".into(),
                files: 3,
                done: 1,
                skipped: 1,
                failed: 1,
                bytes: 10,
                seconds: 0.25,
                dirs_made: 2,
                deleted: 1,
            }),
            Report::Step(Step {
                command: "mirror".into(),
                action: "get".into(),
                path: "a/b".into(),
                reason: Some("missing".into()),
                dry_run: true,
                text: "get     a/b (missing)".into(),
            }),
            Report::Shell(Shell {
                command: "true".into(),
                status: Some(0),
            }),
            Report::Aliases(Aliases {
                aliases: vec![AliasData {
                    name: "up".into(),
                    command: "cd ..; ls".into(),
                }],
            }),
            Report::History(History {
                entries: vec![HistoryEntry {
                    number: 1,
                    line: "ls".into(),
                }],
            }),
            Report::Echo(Echo { text: "hi".into() }),
            Report::Help(Help {
                command: None,
                commands: vec![HelpEntry {
                    name: "ls".into(),
                    aliases: vec![],
                    about: "list".into(),
                    usage: "ls [PATH]".into(),
                }],
                text: "...".into(),
            }),
            Report::Retry(RetryData {
                command: "get".into(),
                target: Some("big.iso".into()),
                attempt: 2,
                retries: 3,
                wait: 4.0,
                code: Some(426),
                reply: Some("Connection closed; transfer aborted".into()),
                message: "get big.iso: retry 2/3 in 4s: 426 Connection closed".into(),
            }),
            Report::Error(ErrorData {
                command: Some("get".into()),
                target: Some("a".into()),
                code: Some(550),
                reply: Some("No such file".into()),
                exit: 5,
                message: "get: a: 550 No such file".into(),
            }),
        ]
    }

    /// Every report survives JSON and back unchanged, is one line, and carries `type` and
    /// `data` only, `type` being the documented name.
    #[test]
    fn every_report_round_trips_as_one_tagged_line() {
        let samples = samples();
        let names: std::collections::BTreeSet<_> = samples.iter().map(type_of).collect();
        assert_eq!(
            names.len(),
            TYPES.len(),
            "one sample per variant: {names:?}"
        );
        for r in samples {
            let line = serde_json::to_string(&r).unwrap();
            assert!(!line.contains('\n'), "{line}");
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["type"], type_of(&r), "{line}");
            assert_eq!(v.as_object().unwrap().len(), 2, "{line}");
            let back: Report = serde_json::from_str(&line).unwrap();
            assert_eq!(back, r);
        }
    }

    /// The brief schema (man page, README) names every type, and the fields it lists are
    /// the fields a sample of that type has.
    #[test]
    fn the_brief_schema_lists_every_type_and_field() {
        let documented: std::collections::BTreeSet<_> = TYPES.iter().map(|t| t.0).collect();
        for r in samples() {
            let name = type_of(&r);
            assert!(documented.contains(name), "{name} missing from TYPES");
            let fields = TYPES.iter().find(|t| t.0 == name).unwrap().2;
            let v = serde_json::to_value(&r).unwrap();
            for key in v["data"].as_object().unwrap().keys() {
                assert!(
                    fields
                        .split([',', ' '])
                        .any(|f| f.trim_end_matches('?') == key),
                    "{name}.{key} missing from TYPES"
                );
            }
        }
        assert_eq!(documented.len(), TYPES.len());
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## For programs")
            .nth(1)
            .expect("README has a 'For programs' section");
        for (name, _, _) in TYPES {
            assert!(
                section.contains(&format!("`{name}`")),
                "README lacks `{name}`"
            );
        }
    }
}
