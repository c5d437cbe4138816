//! The REPL command table: one clap `multicall` enum that drives parsing, `help`, completion
//! and the man page, plus the line splitter and the one exhaustive dispatch `match`.
//!
//! A line goes: [`split_line`] (quote-aware `;` split) → `shell-words` → [`resolve_name`]
//! (aliases and unique prefixes, from the table) → clap → [`Command`]. Parsing never does I/O;
//! a bad line is a [`UsageError`] (exit 2). [`dispatch`] then calls one handler per variant.

mod files;
pub mod glob;
mod local;
mod nav;
pub mod parse;
mod settings;
pub mod shell;
mod transfer;
mod tree;
mod trust;

pub(crate) use transfer::report as transfer_report;

use std::convert::Infallible;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser, ValueHint};

use crate::error::{Subject, UsageError};
use crate::exec::Flow;
use crate::listing::display_name;
use crate::output::Printer;
use crate::output::model::{self, Report};
use crate::session::{Session, Target, remote_parent};

/// A path on the server. Its own type so that the table says which arguments are remote paths
/// (completion and the table tests read it back through the value parser's type id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePath(pub String);

impl FromStr for RemotePath {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(RemotePath(s.to_string()))
    }
}

/// A path on this machine (see [`RemotePath`] for why it is a type of its own). A leading
/// `~` is expanded here, so every command that takes a local path gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(pub PathBuf);

impl FromStr for LocalPath {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(LocalPath(expand_tilde(s)))
    }
}

/// `~` and `~/...` mean `$HOME` and a path under it, as in a shell. The expansion happens
/// after unquoting (the table sees words, not quotes), so `'~/x'` is expanded too: write
/// `./~x` for a file whose name starts with `~`. `~user` is kept literally (ftpsh does not
/// read the password database), and so is everything when `HOME` is unset or empty.
pub fn expand_tilde(s: &str) -> PathBuf {
    if (s == "~" || s.starts_with("~/"))
        && let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
    {
        let mut p = PathBuf::from(home);
        if let Some(rest) = s.strip_prefix("~/") {
            // `~/` keeps its trailing slash: `get f -o ~/` names a directory.
            p.push(rest);
        }
        return p;
    }
    PathBuf::from(s)
}

/// The name of a REPL command (the argument of `help`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandName(pub String);

impl FromStr for CommandName {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(CommandName(s.to_string()))
    }
}

/// The name of a setting (the argument of `set`/`unset`): completion offers the settings
/// table's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingName(pub String);

impl FromStr for SettingName {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(SettingName(s.to_string()))
    }
}

/// A bookmark name, or a URL or host (the argument of `open`): completion offers the
/// bookmarks of config.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookmarkName(pub String);

impl FromStr for BookmarkName {
    type Err = Infallible;
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(BookmarkName(s.to_string()))
    }
}

/// What a table argument holds, read back from its value parser's type: the one place
/// completion and the table tests learn an argument's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    Remote,
    Local,
    Command,
    Setting,
    Bookmark,
    Other,
}

pub fn arg_type(arg: &clap::Arg) -> ArgType {
    use clap::builder::ValueParser;
    let t = arg.get_value_parser().type_id();
    if t == ValueParser::new(|s: &str| s.parse::<RemotePath>()).type_id() {
        ArgType::Remote
    } else if t == ValueParser::new(|s: &str| s.parse::<LocalPath>()).type_id() {
        ArgType::Local
    } else if t == ValueParser::new(|s: &str| s.parse::<CommandName>()).type_id() {
        ArgType::Command
    } else if t == ValueParser::new(|s: &str| s.parse::<SettingName>()).type_id() {
        ArgType::Setting
    } else if t == ValueParser::new(|s: &str| s.parse::<BookmarkName>()).type_id() {
        ArgType::Bookmark
    } else {
        ArgType::Other
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TypeName {
    Ascii,
    Binary,
}

/// Every REPL command. The doc comment of a variant is its one-line summary in `help`.
#[derive(Debug, Parser)]
#[command(
    multicall = true,
    disable_help_subcommand = true,
    name = "ftpsh",
    override_usage = "COMMAND [ARGS]"
)]
pub enum Command {
    /// Connect to a server and log in
    Open(OpenArgs),
    /// Log in again as USER (asks for the password if needed)
    User(UserArgs),
    /// Close the connection to the server
    Close,
    /// Close the connection and leave ftpsh
    #[command(visible_aliases = ["quit", "exit"])]
    Bye(ByeArgs),
    /// Show the connection: host, user, TLS, directories, mode and type
    Status,
    /// List the features the server announces (FEAT)
    Features,
    /// Send a raw command to the server and print its reply
    Quote(RawArgs),
    /// Send a SITE command to the server and print its reply
    Site(RawArgs),
    /// Toggle or set the protocol trace on stderr (passwords masked)
    Debug(DebugArgs),
    /// Print the remote working directory
    Pwd,
    /// Change the remote directory ('cd -' goes back, 'cd' alone to the login directory)
    Cd(CdArgs),
    /// Change to the parent remote directory
    Cdup,
    /// Change the local directory ('lcd -' goes back, 'lcd' alone to your home)
    Lcd(LcdArgs),
    /// Print the local working directory
    Lpwd,
    /// List a local directory
    Lls(LlsArgs),
    /// Run a command in the local shell ('!CMD' works too)
    #[command(visible_alias = "!")]
    Shell(ShellArgs),
    /// List a remote directory (MLSD, or LIST parsed); a glob lists the matching entries
    Ls(LsArgs),
    /// Print the server's raw LIST output
    Dir(PathArg),
    /// Print the server's raw name list (NLST)
    Nlist(PathArg),
    /// Create remote directories
    Mkdir(MkdirArgs),
    /// Remove empty remote directories ('-p': then their parents while empty)
    Rmdir(RmdirArgs),
    /// Delete remote files ('-r': whole directory trees)
    Rm(RmArgs),
    /// Rename or move a remote file or directory
    #[command(visible_alias = "rename")]
    Mv(MvArgs),
    /// Print the size of a remote file in bytes
    Size(OneRemoteArg),
    /// Print the modification time of a remote file (UTC)
    Modtime(OneRemoteArg),
    /// Print the server's checksum of remote files (HASH, XSHA256, XMD5...: see 'features')
    Hash(HashArgs),
    /// Change the permissions of remote files (SITE CHMOD)
    Chmod(ChmodArgs),
    /// Print remote files to stdout
    Cat(RemotesArgs),
    /// Total size, files and directories of a remote tree
    Du(DuArgs),
    /// List the items of a remote tree, filtered by name and type ('-name', '-type' as in find)
    Find(FindArgs),
    /// Set the transfer type to binary (the default)
    Binary,
    /// Set the transfer type to ascii (line endings converted)
    Ascii,
    /// Show or set the transfer type
    Type(TypeArgs),
    /// Toggle or set passive mode (on by default)
    Passive(PassiveArgs),
    /// Download remote files
    #[command(visible_alias = "mget")]
    Get(GetArgs),
    /// Download one big file in N byte ranges over N connections at once
    Pget(PgetArgs),
    /// Make a local tree match a remote one (or, with -R, a remote tree match a local one)
    Mirror(MirrorArgs),
    /// Upload local files
    #[command(visible_alias = "mput")]
    Put(PutArgs),
    /// Define an alias ('alias up "cd ..; ls"'), show one, or list them all
    Alias(AliasArgs),
    /// Remove aliases
    Unalias(UnaliasArgs),
    /// Show the shell's history ('-c' clears it, file included)
    History(HistoryArgs),
    /// Print text to stdout (for scripts)
    Echo(EchoArgs),
    /// List the settings with where each value came from, show one, or change one
    Set(SetArgs),
    /// Undo 'set NAME': back to the value of the flag, config.toml or the default
    Unset(UnsetArgs),
    /// Name servers in config.toml: bookmark add NAME [URL], list, rm NAME, edit NAME
    Bookmark(BookmarkArgs),
    /// Certificates trusted by fingerprint (known_hosts): trust list, trust rm HOST[:PORT]
    Trust(TrustArgs),
    /// List commands, or show how to use one
    Help(HelpArgs),
}

#[derive(Debug, Args)]
pub struct AliasArgs {
    /// The alias name (default: list every alias)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// The command text it stands for; quote it to keep ';', '>' and '|' in it (default:
    /// show the alias)
    #[arg(value_name = "COMMAND", num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UnaliasArgs {
    /// Aliases to remove
    #[arg(value_name = "NAME", required = true, num_args = 1..)]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Clear the history, in memory and in the history file
    #[arg(short = 'c', long = "clear", conflicts_with = "count")]
    pub clear: bool,
    /// Show only the last N lines
    #[arg(value_name = "N")]
    pub count: Option<usize>,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct EchoArgs {
    /// Words to print, joined by one space
    #[arg(value_name = "TEXT", num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Log in as USER
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Server port (default 21, or 990 for ftps://)
    #[arg(long = "port", value_name = "N")]
    pub port: Option<u16>,
    /// Require explicit TLS (AUTH TLS), for this and later connections
    #[arg(long = "tls", conflicts_with = "no_tls")]
    pub tls: bool,
    /// Never use TLS, for this and later connections
    #[arg(long = "no-tls")]
    pub no_tls: bool,
    /// A bookmark, host, host:port, ftp://[user[:password]@]host[:port][/path] or
    /// ftps://... (default: the last server, logged in afresh)
    #[arg(value_name = "URL")]
    pub url: Option<BookmarkName>,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The setting (default: list them all)
    #[arg(value_name = "NAME")]
    pub name: Option<SettingName>,
    /// Its new value (default: show it)
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub value: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnsetArgs {
    /// The setting
    #[arg(value_name = "NAME")]
    pub name: SettingName,
}

#[derive(Debug, Args)]
pub struct BookmarkArgs {
    #[command(subcommand)]
    pub action: BookmarkAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum BookmarkAction {
    /// Save a server as NAME: URL, or the current connection and its directory
    Add {
        /// Also write the password (mode 0600; otherwise passwords never go in the file)
        #[arg(long = "save-password")]
        save_password: bool,
        /// Letters, digits, '-', '_' or '.'
        #[arg(value_name = "NAME")]
        name: String,
        /// ftp://[user@]host[:port][/path] (default: the current connection)
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// List the bookmarks
    List,
    /// Remove a bookmark
    Rm {
        #[arg(value_name = "NAME")]
        name: BookmarkName,
    },
    /// Open config.toml in $VISUAL or $EDITOR (at the bookmark NAME, if the editor can)
    Edit {
        #[arg(value_name = "NAME")]
        name: Option<BookmarkName>,
    },
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub action: TrustAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum TrustAction {
    /// List the certificates trusted always: host, port, fingerprint
    List,
    /// Forget the certificates trusted for HOST (on PORT only, with HOST:PORT)
    Rm {
        #[arg(value_name = "HOST[:PORT]")]
        host: String,
    },
}

#[derive(Debug, Args)]
pub struct UserArgs {
    /// The user name
    #[arg(value_name = "USER")]
    pub user: String,
    /// The password (prefer leaving it out: you will be asked, and it stays out of history)
    #[arg(value_name = "PASSWORD")]
    pub password: Option<String>,
}

#[derive(Debug, Args)]
pub struct ByeArgs {
    /// Exit status, 0 to 255 (default: 0)
    // A process status is one byte: 256 would silently become 0 (and -1, 255).
    #[arg(
        value_name = "CODE",
        value_parser = clap::value_parser!(i32).range(0..=255),
        allow_negative_numbers = true
    )]
    pub code: Option<i32>,
}

#[derive(Debug, Args)]
pub struct RawArgs {
    /// The command and its arguments, sent as one line
    #[arg(value_name = "CMD", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DebugArgs {
    /// on or off (default: toggle)
    #[arg(value_name = "on|off")]
    pub state: Option<OnOff>,
}

#[derive(Debug, Args)]
pub struct CdArgs {
    /// Remote directory, or '-' for the previous one
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<RemotePath>,
}

#[derive(Debug, Args)]
pub struct LcdArgs {
    /// Local directory, or '-' for the previous one
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<LocalPath>,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct LlsArgs {
    /// Print help
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Long listing: type and permissions, size, date, name
    #[arg(short = 'l', long = "long")]
    pub long: bool,
    /// Show entries whose names start with '.'
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Sizes in KiB, MiB, GiB (long listing)
    #[arg(short = 'h', long = "human-readable")]
    pub human: bool,
    /// Local directory or file (default: the local working directory)
    #[arg(value_name = "PATH")]
    pub path: Option<LocalPath>,
}

#[derive(Debug, Args)]
pub struct ShellArgs {
    /// The shell command line (run with sh -c)
    #[arg(value_name = "CMD", num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct LsArgs {
    /// Print help (-h means human-readable sizes here, as in ls)
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Long listing: type and permissions, size, date, name
    #[arg(short = 'l', long = "long")]
    pub long: bool,
    /// Show entries whose names start with '.'
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Sizes in KiB, MiB, GiB (long listing)
    #[arg(short = 'h', long = "human-readable")]
    pub human: bool,
    /// JSON lines for this listing: one `entry` object per entry (as --json does for all)
    #[arg(long = "json")]
    pub json: bool,
    /// Remote directory, ftp:// URL or BOOKMARK:path (default: the working directory)
    #[arg(value_name = "PATH")]
    pub path: Option<RemotePath>,
}

#[derive(Debug, Args)]
pub struct PathArg {
    /// Remote directory, ftp:// URL or BOOKMARK:path (default: the working directory)
    #[arg(value_name = "PATH")]
    pub path: Option<RemotePath>,
}

#[derive(Debug, Args)]
pub struct MkdirArgs {
    /// Create parent directories as needed; no error if a directory exists
    #[arg(short = 'p', long = "parents")]
    pub parents: bool,
    /// Remote directories to create
    #[arg(value_name = "DIR", required = true, num_args = 1.., value_hint = ValueHint::DirPath)]
    pub dirs: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct RemotesArgs {
    /// Remote files (or ftp:// URLs, BOOKMARK:path); a glob matches the server's listing
    #[arg(value_name = "REMOTE", required = true, num_args = 1..)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct RmdirArgs {
    /// Then remove each parent directory named in DIR while it is empty (as rmdir -p)
    #[arg(short = 'p', long = "parents")]
    pub parents: bool,
    /// Remote directories
    #[arg(value_name = "DIR", required = true, num_args = 1.., value_hint = ValueHint::DirPath)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Remove directories and everything under them (links are removed, never followed)
    #[arg(short = 'r', short_alias = 'R', long = "recursive")]
    pub recursive: bool,
    /// Remote files (with -r, directories too); a glob matches the server's listing
    #[arg(value_name = "REMOTE", required = true, num_args = 1..)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct DuArgs {
    /// Print help (-h means human-readable sizes here, as in du)
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Sizes in KiB, MiB, GiB
    #[arg(short = 'h', long = "human-readable")]
    pub human: bool,
    /// Remote directory (default: the working directory)
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<RemotePath>,
}

/// `find -type`: what kind of item to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FindType {
    /// Files
    F,
    /// Directories
    D,
    /// Symbolic links
    L,
}

#[derive(Debug, Args)]
pub struct FindArgs {
    /// Only items whose name matches this glob ('*' matches a leading '.' too, as in find)
    #[arg(long = "name", value_name = "GLOB", allow_hyphen_values = true)]
    pub name: Option<String>,
    /// Only items of this type: f (file), d (directory), l (link)
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<FindType>,
    /// Remote directory (default: the working directory, shown as '.')
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<RemotePath>,
}

#[derive(Debug, Args)]
pub struct MvArgs {
    /// Remote path to rename
    #[arg(value_name = "FROM")]
    pub from: RemotePath,
    /// New remote path
    #[arg(value_name = "TO")]
    pub to: RemotePath,
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// The algorithm (default: the best the server offers: sha256, sha512, sha1, md5, crc32
    /// in that order)
    #[arg(short = 'a', long = "algorithm", value_name = "ALGO")]
    pub algorithm: Option<crate::checksum::Algo>,
    /// Remote files (or ftp:// URLs, BOOKMARK:path); a glob matches the server's listing
    #[arg(value_name = "REMOTE", required = true, num_args = 1..)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct OneRemoteArg {
    /// Remote file; a glob stands for every file it matches
    #[arg(value_name = "FILE")]
    pub path: RemotePath,
}

#[derive(Debug, Args)]
pub struct ChmodArgs {
    /// Octal mode, e.g. 644
    #[arg(value_name = "MODE", value_parser = parse_mode)]
    pub mode: String,
    /// Remote files or directories; a glob matches the server's listing
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct TypeArgs {
    /// ascii or binary (default: show the current type)
    #[arg(value_name = "TYPE")]
    pub kind: Option<TypeName>,
}

#[derive(Debug, Args)]
pub struct PassiveArgs {
    /// on or off (default: toggle)
    #[arg(value_name = "on|off")]
    pub state: Option<OnOff>,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Continue a partial download (LOCAL.part) where it stopped
    #[arg(short = 'c', long = "continue")]
    pub resume: bool,
    /// Leave existing local files alone (default: replace them, atomically)
    #[arg(short = 'n', long = "no-clobber")]
    pub no_clobber: bool,
    /// Local file name, a directory for several files, or '-' for stdout (default: the local
    /// directory)
    #[arg(short = 'o', long = "output", value_name = "LOCAL")]
    pub output: Option<LocalPath>,
    /// Transfer up to N files at once, each over a connection of its own (1 to 16; default
    /// 1: one after the other over the shell's connection)
    #[arg(short = 'P', long = "parallel", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: Option<u16>,
    /// Copy whole directories (into LOCAL/NAME, or ./NAME); files already there with the
    /// same size and time are skipped, so a rerun completes what is missing
    #[arg(short = 'r', long = "recursive")]
    pub recursive: bool,
    /// Fetch each file in N byte ranges over N connections at once, as pget does (2 to 16)
    #[arg(long = "segments", value_name = "N", conflicts_with = "parallel",
          value_parser = clap::value_parser!(u16).range(2..=16))]
    pub segments: Option<u16>,
    /// Compare each file with the server's checksum (HASH, XSHA256...), computed while
    /// streaming; a mismatch is an error (exit 1) and the download is kept as LOCAL.bad.
    /// Sizes only on a server without checksums (the verify setting turns this on for
    /// every transfer)
    #[arg(long = "verify")]
    pub verify: bool,
    /// Remote files, ftp:// URLs or BOOKMARK:path; a glob in the last component ('pub/*.gz') matches the
    /// server's listing
    #[arg(value_name = "REMOTE", required = true, num_args = 1..)]
    pub paths: Vec<RemotePath>,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Upload: make REMOTE (default: NAME of LOCAL in the remote directory) match LOCAL
    #[arg(short = 'R', long = "reverse")]
    pub reverse: bool,
    /// Delete what the source no longer has (asks at a terminal; a script needs --yes)
    #[arg(long = "delete")]
    pub delete: bool,
    /// With --delete: delete without asking
    #[arg(short = 'y', long = "yes", requires = "delete")]
    pub yes: bool,
    /// Show the plan (mkdir, get/put, delete, skip, each with its reason); change nothing
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    /// Replace a target file only when the source is newer
    #[arg(long = "only-newer", conflicts_with = "only_missing")]
    pub only_newer: bool,
    /// Copy only what the target lacks
    #[arg(long = "only-missing")]
    pub only_missing: bool,
    /// Compare by size alone
    #[arg(long = "ignore-time")]
    pub ignore_time: bool,
    /// Leave out matching paths (gitignore style: '*.tmp' anywhere, '/old/' at the top
    /// only, 'cache/' directories); repeatable
    #[arg(short = 'x', long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Only files matching these take part (same syntax); repeatable
    #[arg(short = 'i', long = "include", value_name = "GLOB")]
    pub include: Vec<String>,
    /// Exclude patterns from FILE, one per line, gitignore syntax (default: the local
    /// tree's .ftpignore, when there is one)
    #[arg(long = "ignore-file", value_name = "FILE")]
    pub ignore_file: Option<LocalPath>,
    /// Worker connections (1 to 16; default: the parallel setting if given, else 4)
    #[arg(short = 'P', long = "parallel", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: Option<u16>,
    /// Continue .part files an interrupted run left (downloads)
    #[arg(short = 'c', long = "continue")]
    pub resume: bool,
    /// Follow local symbolic links that stay inside the tree (uploads)
    #[arg(short = 'L', long = "follow-links")]
    pub follow_links: bool,
    /// Files whose sizes match are compared by the server's checksum (HASH, XSHA256...)
    /// against the local file's instead of by time: what differs is copied. Needs a server
    /// that offers checksums
    #[arg(long = "checksum", conflicts_with_all = ["only_missing", "ignore_time", "only_newer"])]
    pub checksum: bool,
    /// Compare each file with the server's checksum (HASH, XSHA256...), computed while
    /// streaming; a mismatch is an error (exit 1) and a download is kept as NAME.bad.
    /// Sizes only on a server without checksums (the verify setting turns this on for
    /// every transfer)
    #[arg(long = "verify")]
    pub verify: bool,
    /// The source tree: a remote directory, or with -R a local one
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The target tree (default: the source's last name, in the local or remote directory)
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
}

#[derive(Debug, Args)]
pub struct PgetArgs {
    /// Continue from where an earlier pget stopped (LOCAL.part and its record of the ranges)
    #[arg(short = 'c', long = "continue")]
    pub resume: bool,
    /// How many ranges, each over a connection of its own (2 to 16; default 4; a file
    /// smaller than N MiB gets fewer). Logins the server refuses leave their ranges to the
    /// connections that got in
    #[arg(short = 'n', long = "segments", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(2..=16))]
    pub segments: u16,
    /// Local file name, or a directory to put it in (default: the local directory)
    #[arg(short = 'o', long = "output", value_name = "LOCAL")]
    pub output: Option<LocalPath>,
    /// Compare the file with the server's checksum (HASH, XSHA256...) once it is complete
    /// (ranges arrive out of order, so this reads it once more); a mismatch is an error
    /// (exit 1) and it is kept as LOCAL.bad
    #[arg(long = "verify")]
    pub verify: bool,
    /// The remote file, an ftp:// URL or BOOKMARK:path
    #[arg(value_name = "REMOTE")]
    pub path: RemotePath,
}

#[derive(Debug, Args)]
pub struct PutArgs {
    /// Continue a partial upload where the remote file ends
    #[arg(short = 'c', long = "continue")]
    pub resume: bool,
    /// Remote file name, or a directory for several files (default: the remote directory)
    #[arg(short = 'o', long = "output", value_name = "REMOTE")]
    pub output: Option<RemotePath>,
    /// Copy whole directories (into REMOTE/NAME, or NAME in the remote directory); files
    /// already there with the same size are skipped
    #[arg(short = 'r', long = "recursive")]
    pub recursive: bool,
    /// With -r: follow local symbolic links that stay inside the tree (default: skip links)
    #[arg(short = 'L', long = "follow-links", requires = "recursive")]
    pub follow_links: bool,
    /// Transfer up to N files at once, each over a connection of its own (1 to 16; default
    /// 1: one after the other over the shell's connection)
    #[arg(short = 'P', long = "parallel", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: Option<u16>,
    /// Compare each file with the server's checksum (HASH, XSHA256...), computed while
    /// streaming; a mismatch is an error (exit 1) naming the bad remote file. Sizes only
    /// on a server without checksums (the verify setting turns this on for every transfer)
    #[arg(long = "verify")]
    pub verify: bool,
    /// Local files; a glob ('*.log') matches local files
    #[arg(value_name = "LOCAL", required = true, num_args = 1..)]
    pub paths: Vec<LocalPath>,
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// Command to describe
    #[arg(value_name = "COMMAND")]
    pub command: Option<CommandName>,
}

fn parse_mode(s: &str) -> Result<String, String> {
    if (3..=4).contains(&s.len()) && s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        Ok(s.to_string())
    } else {
        Err("expected an octal mode such as 644 or 0755".to_string())
    }
}

impl Command {
    /// Whether the command talks to the server, so the runner must have a connection first.
    /// Commands whose arguments may name a server (ftp:// URLs, `NAME:path` with a bookmark
    /// of `config`) connect for themselves.
    pub fn needs_connection(&self, config: &crate::config::Config) -> bool {
        let url = |p: &RemotePath| names_server(&p.0, config);
        match self {
            Command::User(_)
            | Command::Close
            | Command::Features
            | Command::Quote(_)
            | Command::Site(_)
            | Command::Pwd
            | Command::Cd(_)
            | Command::Cdup
            | Command::Mkdir(_)
            | Command::Rmdir(_)
            | Command::Rm(_)
            | Command::Mv(_)
            | Command::Size(_)
            | Command::Modtime(_)
            | Command::Chmod(_)
            | Command::Du(_)
            | Command::Find(_)
            | Command::Put(_) => true,
            Command::Hash(a) => !a.paths.iter().any(url),
            Command::Ls(a) => !a.path.as_ref().is_some_and(url),
            Command::Dir(a) | Command::Nlist(a) => !a.path.as_ref().is_some_and(url),
            Command::Get(a) => !a.paths.iter().any(url),
            Command::Pget(a) => !url(&a.path),
            Command::Mirror(_) => true,
            Command::Cat(a) => !a.paths.iter().any(url),
            Command::Set(_) | Command::Unset(_) | Command::Bookmark(_) | Command::Trust(_) => false,
            Command::Open(_)
            | Command::Bye(_)
            | Command::Status
            | Command::Debug(_)
            | Command::Lcd(_)
            | Command::Lpwd
            | Command::Lls(_)
            | Command::Shell(_)
            | Command::Binary
            | Command::Ascii
            | Command::Type(_)
            | Command::Passive(_)
            | Command::Alias(_)
            | Command::Unalias(_)
            | Command::History(_)
            | Command::Echo(_)
            | Command::Help(_) => false,
        }
    }
}

impl Command {
    /// Whether the line runner may run this command again after a transient fault (see
    /// src/retry.rs): commands that read, and transfers, whose second run continues the
    /// first. Not the ones whose second run could do something else: `rm`, `mv`, `mkdir`,
    /// `rmdir` (a retry after a lost reply finds the work done and fails), `quote`, `site`
    /// (anything at all), and those with retries of their own (`open`, `user`).
    pub fn retried_whole(&self) -> bool {
        match self {
            Command::Features
            | Command::Pwd
            | Command::Cd(_)
            | Command::Cdup
            | Command::Ls(_)
            | Command::Dir(_)
            | Command::Nlist(_)
            | Command::Size(_)
            | Command::Modtime(_)
            | Command::Hash(_)
            | Command::Chmod(_)
            | Command::Cat(_)
            | Command::Du(_)
            | Command::Find(_)
            | Command::Binary
            | Command::Ascii
            | Command::Type(_)
            | Command::Get(_)
            | Command::Pget(_)
            | Command::Mirror(_)
            | Command::Put(_) => true,
            Command::Open(_)
            | Command::User(_)
            | Command::Close
            | Command::Bye(_)
            | Command::Status
            | Command::Quote(_)
            | Command::Site(_)
            | Command::Debug(_)
            | Command::Lcd(_)
            | Command::Lpwd
            | Command::Lls(_)
            | Command::Shell(_)
            | Command::Mkdir(_)
            | Command::Rmdir(_)
            | Command::Rm(_)
            | Command::Mv(_)
            | Command::Passive(_)
            | Command::Alias(_)
            | Command::Unalias(_)
            | Command::History(_)
            | Command::Echo(_)
            | Command::Set(_)
            | Command::Unset(_)
            | Command::Bookmark(_)
            | Command::Trust(_)
            | Command::Help(_) => false,
        }
    }

    /// Whether an argument that goes to the server holds a CR or LF. FTP commands end at
    /// CRLF, so `cd "a\r\nDELE x"` would smuggle in a second command: that is a usage error,
    /// caught before anything is sent. Local-only arguments (`lcd`, `lls`, `get -o`, the
    /// shell escape) may hold any byte; `put`'s local names become remote names, so they count.
    pub fn sends_line_break(&self) -> bool {
        fn breaks(b: &[u8]) -> bool {
            b.iter().any(|&c| c == b'\r' || c == b'\n')
        }
        let text = |s: &String| breaks(s.as_bytes());
        let remote = |p: &RemotePath| breaks(p.0.as_bytes());
        let local = |p: &LocalPath| breaks(p.0.as_os_str().as_encoded_bytes());
        match self {
            Command::Open(a) => a.user.iter().chain(a.url.iter().map(|u| &u.0)).any(text),
            Command::Set(a) => a.value.iter().any(text),
            Command::Unset(_) => false,
            // Only known_hosts hears of it.
            Command::Trust(_) => false,
            Command::Bookmark(a) => match &a.action {
                BookmarkAction::Add { name, url, .. } => text(name) || url.iter().any(text),
                _ => false,
            },
            Command::User(a) => text(&a.user) || a.password.iter().any(text),
            Command::Quote(a) | Command::Site(a) => a.words.iter().any(text),
            Command::Cd(a) => a.dir.iter().any(remote),
            Command::Ls(a) => a.path.iter().any(remote),
            Command::Dir(a) | Command::Nlist(a) => a.path.iter().any(remote),
            Command::Mkdir(a) => a.dirs.iter().any(remote),
            Command::Rmdir(a) => a.paths.iter().any(remote),
            Command::Rm(a) => a.paths.iter().any(remote),
            Command::Cat(a) => a.paths.iter().any(remote),
            Command::Du(a) => a.dir.iter().any(remote),
            // `-name` is matched here, never sent.
            Command::Find(a) => a.dir.iter().any(remote),
            Command::Mv(a) => remote(&a.from) || remote(&a.to),
            Command::Size(a) | Command::Modtime(a) => remote(&a.path),
            Command::Hash(a) => a.paths.iter().any(remote),
            Command::Chmod(a) => text(&a.mode) || a.paths.iter().any(remote),
            Command::Get(a) => a.paths.iter().any(remote),
            Command::Pget(a) => remote(&a.path),
            Command::Mirror(a) => text(&a.source) || a.target.iter().any(text),
            Command::Put(a) => a.output.iter().any(remote) || a.paths.iter().any(local),
            Command::Close
            | Command::Bye(_)
            | Command::Status
            | Command::Features
            | Command::Debug(_)
            | Command::Pwd
            | Command::Cdup
            | Command::Lcd(_)
            | Command::Lpwd
            | Command::Lls(_)
            | Command::Shell(_)
            | Command::Binary
            | Command::Ascii
            | Command::Type(_)
            | Command::Passive(_)
            | Command::Alias(_)
            | Command::Unalias(_)
            | Command::History(_)
            | Command::Echo(_)
            | Command::Help(_) => false,
        }
    }

    /// Remote directories (relative to the working directory) whose listing this command may
    /// change, so the completion cache forgets them.
    pub fn changed_dirs(&self) -> Vec<String> {
        let parents = |paths: &[RemotePath]| -> Vec<String> {
            paths.iter().map(|p| remote_parent(&p.0)).collect()
        };
        match self {
            Command::Rm(a) if a.recursive => a
                .paths
                .iter()
                .flat_map(|p| [p.0.clone(), remote_parent(&p.0)])
                .collect(),
            Command::Rm(a) => parents(&a.paths),
            Command::Rmdir(a) => a
                .paths
                .iter()
                .flat_map(|d| {
                    // With -p every level named may go.
                    let mut dirs = vec![remote_parent(&d.0)];
                    let mut p = d.0.trim_end_matches('/').to_string();
                    while a.parents && p.contains('/') {
                        p = remote_parent(&p);
                        dirs.push(remote_parent(&p));
                    }
                    dirs
                })
                .collect(),
            Command::Chmod(a) => parents(&a.paths),
            Command::Mv(a) => parents(&[a.from.clone(), a.to.clone()]),
            Command::Mkdir(a) => a
                .dirs
                .iter()
                .flat_map(|d| {
                    // With -p every level may be new.
                    let mut dirs = vec![remote_parent(&d.0)];
                    let mut p = d.0.trim_end_matches('/').to_string();
                    while p.contains('/') {
                        p = remote_parent(&p);
                        dirs.push(remote_parent(&p));
                    }
                    dirs
                })
                .collect(),
            Command::Put(a) => match &a.output {
                Some(o) => vec![o.0.clone(), remote_parent(&o.0)],
                None => vec![".".to_string()],
            },
            Command::Open(_)
            | Command::Set(_)
            | Command::Unset(_)
            | Command::Bookmark(_)
            | Command::Trust(_)
            | Command::User(_)
            | Command::Close
            | Command::Bye(_)
            | Command::Status
            | Command::Features
            | Command::Quote(_)
            | Command::Site(_)
            | Command::Debug(_)
            | Command::Pwd
            | Command::Cd(_)
            | Command::Cdup
            | Command::Lcd(_)
            | Command::Lpwd
            | Command::Lls(_)
            | Command::Shell(_)
            | Command::Ls(_)
            | Command::Dir(_)
            | Command::Nlist(_)
            | Command::Size(_)
            | Command::Modtime(_)
            | Command::Hash(_)
            | Command::Cat(_)
            | Command::Du(_)
            | Command::Find(_)
            | Command::Binary
            | Command::Ascii
            | Command::Type(_)
            | Command::Passive(_)
            | Command::Get(_)
            | Command::Pget(_)
            | Command::Mirror(_)
            | Command::Alias(_)
            | Command::Unalias(_)
            | Command::History(_)
            | Command::Echo(_)
            | Command::Help(_) => Vec::new(),
        }
    }
}

pub fn is_url(s: &str) -> bool {
    let lower = s.get(..6).map(str::to_ascii_lowercase).unwrap_or_default();
    lower.starts_with("ftp://") || lower.starts_with("ftps:/")
}

/// `NAME:path` with NAME a bookmark of config.toml: the bookmark and the path after the
/// colon. A word whose prefix names no bookmark is a plain path (a file may be called `a:b`),
/// and so is `./NAME:x`: bookmark names hold no `/`.
pub fn bookmark_word<'c>(
    word: &str,
    config: &'c crate::config::Config,
) -> Option<(&'c crate::config::file::Bookmark, String)> {
    let (name, rest) = word.split_once(':')?;
    config.bookmarks.get(name).map(|b| (b, rest.to_string()))
}

/// Whether a remote-path word names a server of its own (an ftp:// URL or `NAME:path`), so
/// the command connects for it rather than using the open session.
pub fn names_server(word: &str, config: &crate::config::Config) -> bool {
    is_url(word) || bookmark_word(word, config).is_some()
}

/// The server a remote-path word names, and its TLS choice when a bookmark makes one:
/// `NAME:path` is the bookmark's server, user and TLS, with `path` under the bookmark's own
/// path (an absolute `path` stands alone; none at all: the bookmark's path, or the login
/// directory).
fn server_of(
    word: &str,
    config: &crate::config::Config,
) -> Result<(Target, Option<crate::cli::TlsMode>), UsageError> {
    let Some((b, rest)) = bookmark_word(word, config) else {
        return Ok((Target::parse(word)?, None));
    };
    let mut t = b.target()?;
    t.path = join_under(t.path.as_deref(), &rest);
    let tls = b.tls.as_deref().map(|v| match v {
        "on" => crate::cli::TlsMode::Require,
        "off" => crate::cli::TlsMode::Off,
        _ => crate::cli::TlsMode::Auto,
    });
    Ok((t, tls))
}

/// `rel` under a bookmark's `base` path.
fn join_under(base: Option<&str>, rel: &str) -> Option<String> {
    let base = base.filter(|b| !b.is_empty());
    if rel.starts_with('/') {
        return Some(rel.to_string());
    }
    match (base, rel.is_empty()) {
        (None, true) => None,
        (Some(b), true) => Some(b.to_string()),
        (None, false) => Some(rel.to_string()),
        (Some(b), false) => Some(format!("{}/{rel}", b.trim_end_matches('/'))),
    }
}

/// Run `f` for each remote path of a command (or once with `None` when there is none): on
/// the open session, or, when the paths name a server (ftp:// URLs, `NAME:path` with a
/// bookmark), on one temporary connection to it (the open session keeps its directory) with
/// each word's path. Errors carry the path they are about.
pub(crate) fn on_paths(
    ctx: &mut Ctx,
    paths: &[RemotePath],
    mut f: impl FnMut(&mut Session, &mut Printer, Option<&str>) -> Result<()>,
) -> Result<()> {
    let config = &ctx.session.config;
    let urls = paths.iter().filter(|p| names_server(&p.0, config)).count();
    if urls == 0 {
        if paths.is_empty() {
            return f(ctx.session, ctx.out, None);
        }
        for p in paths {
            f(ctx.session, ctx.out, Some(&p.0)).with_context(|| Subject::new(&p.0))?;
        }
        return Ok(());
    }
    if urls != paths.len() {
        return Err(UsageError(
            "a mix of server paths (ftp:// URLs, BOOKMARK:path) and plain paths".into(),
        )
        .into());
    }
    let targets = paths
        .iter()
        .map(|p| server_of(&p.0, config))
        .collect::<Result<Vec<_>, _>>()?;
    let (first, tls) = &targets[0];
    for (p, (t, t_tls)) in paths.iter().zip(&targets) {
        if !t.same_server(first) || t_tls != tls {
            return Err(UsageError(format!(
                "{}: all URLs of one command must name one server",
                crate::session::redact(&p.0)
            ))
            .into());
        }
    }
    let mut tmp = Session::new(ctx.session.opts.clone());
    // The bookmark's TLS choice beats the file's, as with `ftpsh NAME`; a flag or `set` beats it.
    if let Some(tls) = tls
        && ctx.session.settings.get("tls").1 < crate::settings::Source::Flag
    {
        tmp.opts.tls = *tls;
    }
    tmp.ascii = ctx.session.ascii;
    tmp.passive = ctx.session.passive;
    tmp.verify = ctx.session.verify.clone();
    tmp.connect(
        Target {
            path: None,
            ..first.clone()
        },
        ctx.out,
    )?;
    for (t, _) in targets {
        let path = t.path.unwrap_or_default();
        let path = (!path.is_empty()).then_some(path.as_str());
        f(&mut tmp, ctx.out, path).with_context(|| Subject::new(path.unwrap_or("/")))?;
    }
    Ok(())
}

/// The clap definition of the table, freshly built (for help, completion and the man page;
/// the line parser keeps one built table per thread instead, see [`with_table`]).
pub fn table() -> clap::Command {
    #[cfg(test)]
    tests::TABLE_BUILDS.with(|n| n.set(n.get() + 1));
    Command::command()
}

thread_local! {
    /// Building the clap table costs far more than parsing one command with it, and a script
    /// line may hold many thousands of commands: parse with one table per thread.
    static TABLE: std::cell::RefCell<clap::Command> = std::cell::RefCell::new(table());
}

/// Run `f` on this thread's built table.
fn with_table<T>(f: impl FnOnce(&mut clap::Command) -> T) -> T {
    TABLE.with(|t| f(&mut t.borrow_mut()))
}

/// Every name a command answers to, built once: (name or alias, canonical name).
fn name_table() -> &'static [(String, String)] {
    static NAMES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out = Vec::new();
        for sub in table().get_subcommands() {
            let canonical = sub.get_name().to_string();
            out.push((canonical.clone(), canonical.clone()));
            for alias in sub.get_visible_aliases() {
                out.push((alias.to_string(), canonical.clone()));
            }
        }
        out
    })
}

/// The length in bytes of the longest command name: a longer word is no name nor prefix.
fn longest_name() -> usize {
    name_table().iter().map(|(n, _)| n.len()).max().unwrap_or(0)
}

/// Every name a command answers to (name and visible aliases), in table order.
pub fn names() -> Vec<(String, String)> {
    name_table().to_vec()
}

/// Resolve a typed command word: an exact name or alias, else a unique prefix of one.
pub fn resolve_name(word: &str) -> Result<String, UsageError> {
    let all = name_table();
    if let Some((_, canonical)) = all.iter().find(|(n, _)| n == word) {
        return Ok(canonical.clone());
    }
    let mut matches: Vec<&String> = all
        .iter()
        .filter(|(n, _)| n.starts_with(word))
        .map(|(_, c)| c)
        .collect();
    matches.sort();
    matches.dedup();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(UsageError(format!(
            "{}: unknown command (try 'help')",
            crate::listing::display_name(word)
        ))),
        many => Err(UsageError(format!(
            "{}: ambiguous command: {}",
            crate::listing::display_name(word),
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Split a line into commands on unquoted, unescaped `;`. `!CMD` and `shell CMD` take the
/// rest of the line verbatim (it belongs to the local shell, `;` included).
///
/// Linear in the length of the line, however many commands it holds: a script line of a
/// megabyte is split in milliseconds.
pub fn split_line(line: &str) -> Result<Vec<String>, UsageError> {
    let (mut out, unterminated) = split_commands(line);
    if unterminated {
        return Err(UsageError("unterminated quote".to_string()));
    }
    out.retain(|s| !s.is_empty());
    Ok(out)
}

/// [`split_line`] for a line that may end inside a quote (the history scrubber needs the
/// commands of a line that does not parse): the commands, and whether the last one is cut
/// off by an unterminated quote.
pub fn split_commands(line: &str) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.char_indices();
    let (mut single, mut double) = (false, false);
    let mut last_escaped = false;
    // How much of `cur` ends in an escaped character: trimming stops there (`x\ ` keeps its
    // space).
    let mut protected = 0;
    // `cur` holds only white space: the next other character starts a command word.
    let mut at_start = true;
    while let Some((i, c)) = chars.next() {
        if at_start && !is_blank(c) {
            at_start = false;
            // Only at the first character of a command, and `shell_rest` reads no further
            // than a command name is long: no rescanning of the rest of the line.
            if shell_rest(&line[i..]).is_some() {
                out.push(line[i..].trim().to_string());
                return (out, false);
            }
        }
        // `#` starting a word outside quotes comments out the rest of the line, `;` included
        // (an escaped space, `my\ #1`, does not start a word).
        if c == '#'
            && !single
            && !double
            && (cur.is_empty() || (cur.ends_with(is_blank) && !last_escaped))
        {
            break;
        }
        last_escaped = false;
        match c {
            '\\' if !single => {
                cur.push(c);
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                    last_escaped = true;
                    protected = cur.len();
                }
            }
            '\'' if !double => {
                single = !single;
                cur.push(c);
            }
            '"' if !single => {
                double = !double;
                cur.push(c);
            }
            ';' if !single && !double => {
                out.push(trim_command(&cur, protected));
                cur.clear();
                protected = 0;
                at_start = true;
            }
            _ => cur.push(c),
        }
    }
    out.push(trim_command(&cur, protected));
    (out, single || double)
}

/// The blanks that separate words, as the word parser (`shell_words`) has them: other
/// Unicode white space (U+00A0, U+2003) is part of a word, so the splitter must not trim it.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

/// One command's text without the blanks around it, but never cutting into an escaped
/// character, which ends at byte `protected` of `cur`.
fn trim_command(cur: &str, protected: usize) -> String {
    let end = cur.trim_end_matches(is_blank).len().max(protected);
    cur[..end].trim_start_matches(is_blank).to_string()
}

/// For `!CMD`, `shell CMD` (or a unique prefix such as `sh CMD`): the command line for the
/// local shell, exactly as typed.
fn shell_rest(text: &str) -> Option<&str> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('!') {
        return Some(rest.trim());
    }
    // Look at no more than the longest command name (plus the white space after it): the
    // word is a name or it is not, and the rest of a long line is never scanned here.
    let limit = text
        .char_indices()
        .nth(longest_name() + 1)
        .map_or(text.len(), |(i, _)| i);
    let end = text[..limit].find(char::is_whitespace).or_else(|| {
        // No white space in reach: the word is the whole (short) text, or too long.
        (limit == text.len()).then_some(text.len())
    })?;
    (resolve_name(&text[..end]).ok()? == "shell").then(|| text[end..].trim())
}

/// Whether the command is `!CMD` or `shell CMD`: its text belongs to the local shell, so
/// neither aliases nor redirections apply to it.
pub fn is_shell_escape(text: &str) -> bool {
    shell_rest(text).is_some()
}

/// What one command string parses to.
#[derive(Debug)]
pub enum Parsed {
    Run(Command),
    /// `cmd --help`/`-h`: the rendered usage, printed instead of running anything.
    Help(String),
}

/// Parse one command (no `;`) into a [`Command`]. Never does I/O.
pub fn parse_command(text: &str) -> Result<Parsed, UsageError> {
    let text = text.trim();
    // `!ls -l` and `shell ls -l`: the rest goes to sh -c as typed.
    if let Some(rest) = shell_rest(text) {
        return Ok(Parsed::Run(Command::Shell(ShellArgs {
            words: vec![rest.to_string()],
        })));
    }
    let mut words =
        shell_words::split(text).map_err(|e| UsageError(format!("bad quoting: {e}")))?;
    if words.is_empty() {
        return Err(UsageError("empty command".to_string()));
    }
    let name = resolve_name(&words[0])?;
    words[0] = name.clone();
    if name == "find" {
        find_options(&mut words);
    }
    let matches = with_table(|t| t.try_get_matches_from_mut(&words));
    let matches = match matches {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Parsed::Help(e.render().to_string()))
                }
                _ => Err(UsageError(clap_error_line(&name, &e))),
            };
        }
    };
    let cmd =
        Command::from_arg_matches(&matches).map_err(|e| UsageError(clap_error_line(&name, &e)))?;
    if cmd.sends_line_break() {
        // The argument is not echoed: it may be a password, and it holds a line break.
        return Err(UsageError(format!(
            "{name}: an argument contains a line break (CR or LF), which would end the FTP \
             command early; nothing was sent"
        )));
    }
    Ok(Parsed::Run(cmd))
}

/// find(1) spells its options with one dash (`-name`, `-type`); clap wants two. Only a word
/// in option position is rewritten, never the value after `-name` (`find -name -type`
/// looks for items named `-type`).
fn find_options(words: &mut [String]) {
    let mut value_next = false;
    for w in words.iter_mut().skip(1) {
        if value_next {
            value_next = false;
            continue;
        }
        if w == "--" {
            return;
        }
        if w == "-name" || w == "-type" {
            w.insert(0, '-');
        }
        value_next = w == "--name" || w == "--type";
    }
}

/// clap renders a multi-line error with usage and tips; we want one line plus the usage from
/// the table: `get: missing REMOTE (usage: get [-c] [-n] [-o LOCAL] [-P N] [-r] [--segments N] [--verify] REMOTE...)`.
fn clap_error_line(name: &str, e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut first = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    // "the following required arguments were not provided:" names them on the next line.
    if first.ends_with(':')
        && let Some(next) = lines.next()
    {
        first = format!("{first} {next}");
    }
    // clap quotes the offending value, which may hold control characters.
    let first = display_name(&first);
    format!("{name}: {first} (usage: {})", usage(name))
}

/// The usage line of one command, from the table: `get [-c] [-o LOCAL] REMOTE...`.
pub fn usage(name: &str) -> String {
    let t = table();
    match t.find_subcommand(name) {
        Some(sub) => usage_of(sub),
        None => name.to_string(),
    }
}

pub fn usage_of(sub: &clap::Command) -> String {
    let value_name = |a: &clap::Arg| {
        a.get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase())
    };
    let mut parts = vec![sub.get_name().to_string()];
    for a in sub.get_arguments() {
        if a.is_positional() || a.is_hide_set() || a.get_id() == "help" {
            continue;
        }
        let flag = match (a.get_short(), a.get_long()) {
            (Some(s), _) => format!("-{s}"),
            (None, Some(l)) => format!("--{l}"),
            (None, None) => continue,
        };
        if a.get_action().takes_values() {
            parts.push(format!("[{flag} {}]", value_name(a)));
        } else {
            parts.push(format!("[{flag}]"));
        }
    }
    for a in sub.get_positionals() {
        let multi = a.get_num_args().is_some_and(|r| r.max_values() > 1);
        let text = format!("{}{}", value_name(a), if multi { "..." } else { "" });
        parts.push(if a.is_required_set() {
            text
        } else {
            format!("[{text}]")
        });
    }
    parts.join(" ")
}

/// Everything a handler needs: the connection and the terminal.
pub struct Ctx<'a> {
    pub session: &'a mut Session,
    pub out: &'a mut Printer,
    /// Commands come from -c, -f or stdin, not from a person at the shell: nothing may be
    /// asked (`mirror --delete` then needs `--yes`).
    pub batch: bool,
    /// Aliases and the REPL's history state.
    pub shell: &'a mut shell::ShellState,
}

/// The one exhaustive dispatch: every command has exactly one handler. Handlers give their
/// results to the Printer as typed reports; only `bye` changes what the runner does next.
pub fn dispatch(cmd: Command, ctx: &mut Ctx) -> Result<Flow> {
    let done = match cmd {
        Command::Open(a) => nav::open(ctx, a),
        Command::User(a) => nav::user(ctx, a),
        Command::Close => nav::close(ctx),
        Command::Bye(a) => return nav::bye(ctx, a),
        Command::Status => nav::status(ctx),
        Command::Features => nav::features(ctx),
        Command::Quote(a) => nav::quote(ctx, &a.words.join(" ")),
        Command::Site(a) => nav::quote(ctx, &format!("SITE {}", a.words.join(" "))),
        Command::Debug(a) => nav::debug(ctx, a),
        Command::Pwd => nav::pwd(ctx),
        Command::Cd(a) => nav::cd(ctx, a),
        Command::Cdup => nav::cdup(ctx),
        Command::Lcd(a) => local::lcd(ctx, a),
        Command::Lpwd => local::lpwd(ctx),
        Command::Lls(a) => local::lls(ctx, a),
        Command::Shell(a) => local::shell(ctx, a),
        Command::Ls(a) => files::ls(ctx, a),
        Command::Dir(a) => files::dir(ctx, a, false),
        Command::Nlist(a) => files::dir(ctx, a, true),
        Command::Mkdir(a) => files::mkdir(ctx, a),
        Command::Rmdir(a) => files::rmdir(ctx, a),
        Command::Rm(a) if a.recursive => tree::rm_recursive(ctx, a),
        Command::Rm(a) => files::rm(ctx, a),
        Command::Mv(a) => files::mv(ctx, a),
        Command::Size(a) => files::size(ctx, a),
        Command::Hash(a) => files::hash(ctx, a),
        Command::Modtime(a) => files::modtime(ctx, a),
        Command::Chmod(a) => files::chmod(ctx, a),
        Command::Cat(a) => transfer::cat(ctx, a),
        Command::Du(a) => tree::du(ctx, a),
        Command::Find(a) => tree::find(ctx, a),
        Command::Binary => nav::set_type(ctx, Some(TypeName::Binary)),
        Command::Ascii => nav::set_type(ctx, Some(TypeName::Ascii)),
        Command::Type(a) => nav::set_type(ctx, a.kind),
        Command::Passive(a) => nav::passive(ctx, a),
        Command::Set(a) => settings::set(ctx, a),
        Command::Unset(a) => settings::unset(ctx, a),
        Command::Bookmark(a) => settings::bookmark(ctx, a),
        Command::Trust(a) => trust::trust(ctx, a),
        Command::Get(a) => transfer::get(ctx, a),
        Command::Pget(a) => transfer::pget(ctx, a),
        Command::Mirror(a) => transfer::mirror(ctx, a),
        Command::Put(a) => transfer::put(ctx, a),
        Command::Alias(a) => shell::alias(ctx, a),
        Command::Unalias(a) => shell::unalias(ctx, a),
        Command::History(a) => shell::history(ctx, a),
        Command::Echo(a) => shell::echo(ctx, a),
        Command::Help(a) => help(ctx, a),
    };
    done.map(|()| Flow::Continue)
}

/// `help` and `help CMD`, both rendered from the table.
fn help(ctx: &mut Ctx, a: HelpArgs) -> Result<()> {
    let mut t = table();
    let report = match a.command {
        None => {
            let mut text = String::from("Commands (unique prefixes work, e.g. 'di' for 'dir'):\n");
            let mut commands = Vec::new();
            for sub in t.get_subcommands() {
                let mut name = sub.get_name().to_string();
                let aliases: Vec<String> = sub.get_visible_aliases().map(str::to_string).collect();
                if !aliases.is_empty() {
                    name = format!("{name} ({})", aliases.join(", "));
                }
                let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
                text.push_str(&format!("  {name:<20} {about}\n"));
                commands.push(model::HelpEntry {
                    name: sub.get_name().to_string(),
                    aliases,
                    about,
                    usage: usage_of(sub),
                });
            }
            text.push_str("Type 'help COMMAND' for its usage and options.\n");
            model::Help {
                command: None,
                commands,
                text,
            }
        }
        Some(CommandName(word)) => {
            let name = resolve_name(&word)?;
            let sub = t
                .find_subcommand_mut(&name)
                .ok_or_else(|| UsageError(format!("{word}: unknown command")))?;
            model::Help {
                command: Some(name),
                commands: Vec::new(),
                text: sub.render_long_help().to_string(),
            }
        }
    };
    ctx.out.emit(&Report::Help(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn run(s: &str) -> Command {
        match parse_command(s).unwrap() {
            Parsed::Run(c) => c,
            Parsed::Help(h) => panic!("unexpected help {h}"),
        }
    }

    #[test]
    fn table_is_valid() {
        table().debug_assert();
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for (n, _) in names() {
            assert!(seen.insert(n.clone()), "duplicate command name {n}");
        }
    }

    /// The usage lines of help, completion and the man page: options in brackets with
    /// their value names, optional positionals in brackets, "..." only where several fit.
    #[test]
    fn usage_lines_mark_optional_and_repeated_arguments() {
        assert_eq!(usage("cd"), "cd [DIR]");
        assert_eq!(usage("mv"), "mv FROM TO");
        assert_eq!(usage("rm"), "rm [-r] REMOTE...");
        assert_eq!(usage("nosuch"), "nosuch");
    }

    #[test]
    fn every_command_and_argument_is_documented() {
        for sub in table().get_subcommands() {
            assert!(
                sub.get_about().is_some(),
                "{} has no summary",
                sub.get_name()
            );
            for arg in sub.get_arguments() {
                if arg.is_hide_set() || ["help", "version"].contains(&arg.get_id().as_str()) {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "{} {} is undocumented",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
    }

    #[test]
    fn every_path_argument_is_tagged_local_or_remote() {
        for sub in table().get_subcommands() {
            for arg in sub.get_arguments() {
                let pathlike = arg.get_value_names().unwrap_or_default().iter().any(|n| {
                    ["PATH", "DIR", "FILE", "REMOTE", "LOCAL", "FROM", "TO"].contains(&n.as_str())
                });
                if pathlike {
                    assert!(
                        matches!(arg_type(arg), ArgType::Remote | ArgType::Local),
                        "{} {} names a path but is neither RemotePath nor LocalPath",
                        sub.get_name(),
                        arg.get_id()
                    );
                }
            }
        }
    }

    #[test]
    fn prefixes_and_aliases_resolve() {
        assert_eq!(resolve_name("di").unwrap(), "dir");
        assert_eq!(resolve_name("quit").unwrap(), "bye");
        assert_eq!(resolve_name("rename").unwrap(), "mv");
        assert_eq!(resolve_name("ls").unwrap(), "ls");
        assert!(resolve_name("c").unwrap_err().0.contains("ambiguous"));
        assert!(
            resolve_name("frobnicate")
                .unwrap_err()
                .0
                .contains("unknown")
        );
    }

    #[test]
    fn semicolons_split_outside_quotes_only() {
        assert_eq!(
            split_line("cd pub; get 'a;b' \"c;d\" e\\;f").unwrap(),
            vec!["cd pub", "get 'a;b' \"c;d\" e\\;f"]
        );
        assert_eq!(split_line("  ;; pwd ;").unwrap(), vec!["pwd"]);
        // One kind of quote inside the other is a plain character; so is a backslash
        // inside single quotes.
        assert_eq!(
            split_line("get \"it's\"; pwd").unwrap(),
            vec!["get \"it's\"", "pwd"]
        );
        assert_eq!(
            split_line("get 'say \"hi'; pwd").unwrap(),
            vec!["get 'say \"hi'", "pwd"]
        );
        assert_eq!(
            split_line("get 'a\\'; pwd").unwrap(),
            vec!["get 'a\\'", "pwd"]
        );
        assert!(split_line("get 'oops").is_err());
        assert_eq!(split_line("!ls; pwd").unwrap(), vec!["!ls; pwd"]);
        assert_eq!(
            split_line("pwd; ! echo a; b").unwrap(),
            vec!["pwd", "! echo a; b"]
        );
    }

    /// `#` starting a word outside quotes ends the line, `;` and all; anywhere else it is a
    /// character of a name (`a#b`, `'a #b'`, `my\ #1`).
    #[test]
    fn a_hash_starting_a_word_comments_out_the_rest() {
        let split = |line: &str| split_line(line).unwrap();
        assert_eq!(split("pwd # then; rm x"), ["pwd"]);
        assert_eq!(split("pwd;# then; rm x"), ["pwd"]);
        assert!(split("# rm x; rm y").is_empty());
        assert_eq!(split("get 'a #b'; pwd"), ["get 'a #b'", "pwd"]);
        assert_eq!(split("get \"a #b\"; pwd"), ["get \"a #b\"", "pwd"]);
        assert_eq!(split("get a#b; pwd"), ["get a#b", "pwd"]);
        assert_eq!(split("get my\\ #1; pwd"), ["get my\\ #1", "pwd"]);
        assert_eq!(split("get a\t#b; pwd"), ["get a"]);
    }

    #[test]
    fn commands_parse_with_quoting() {
        match run("get -c -o out 'a file' naïve") {
            Command::Get(g) => {
                assert!(g.resume);
                assert_eq!(g.output.unwrap().0, PathBuf::from("out"));
                assert_eq!(
                    g.paths,
                    vec![RemotePath("a file".into()), RemotePath("naïve".into())]
                );
            }
            other => panic!("{other:?}"),
        }
        match run("!ls -l 'x y'") {
            Command::Shell(s) => assert_eq!(s.words, vec!["ls -l 'x y'"]),
            other => panic!("{other:?}"),
        }
        match run("she printf '<%s>' 'a b'") {
            Command::Shell(s) => assert_eq!(s.words, vec!["printf '<%s>' 'a b'"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            run("exit 3"),
            Command::Bye(ByeArgs { code: Some(3) })
        ));
    }

    #[test]
    fn bad_lines_are_usage_errors() {
        let e = parse_command("get").unwrap_err().0;
        assert!(
            e.contains(
                "(usage: get [-c] [-n] [-o LOCAL] [-P N] [-r] [--segments N] [--verify] REMOTE...)"
            ),
            "{e}"
        );
        assert!(e.contains("not provided: <REMOTE>"), "{e}");
        assert_eq!(usage("quote"), "quote CMD...");
        assert_eq!(usage("cd"), "cd [DIR]");
        assert!(parse_command("pwd extra").is_err());
        assert!(parse_command("chmod 9x9 f").is_err());
        assert!(parse_command("passive maybe").is_err());
        assert!(matches!(
            parse_command("get --help").unwrap(),
            Parsed::Help(_)
        ));
    }

    thread_local! {
        /// How many times this thread built the clap table.
        pub static TABLE_BUILDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// 40,000 `;`-separated commands took 5 s and 80,000 took 16 s: each command copied the
    /// rest of the line and rebuilt the table. 200,000 commands (a 1 MB line) now split in
    /// milliseconds; the bound leaves a debug build on a busy machine a wide margin.
    #[test]
    fn splitting_a_megabyte_line_is_not_quadratic() {
        for sep in ["; ", ";"] {
            let line = vec!["ls -l"; 200_000].join(sep);
            assert!(line.len() >= 1_000_000);
            let t = std::time::Instant::now();
            let parts = split_line(&line).unwrap();
            let took = t.elapsed();
            assert_eq!(parts.len(), 200_000);
            assert!(parts.iter().all(|p| p == "ls -l"));
            // Linear: about 0.1 s here in a debug build; the quadratic splitter took over a
            // minute. The wide margin keeps a loaded machine (a mutation run, CI) from failing
            // it while any return of the quadratic behaviour still does.
            assert!(
                took < std::time::Duration::from_secs(20),
                "{sep:?}: {took:?}"
            );
        }
        // Long runs of white space and long words were rescanned too.
        let line = format!("{}pwd;{}", " ".repeat(500_000), "x".repeat(500_000));
        let t = std::time::Instant::now();
        assert_eq!(split_line(&line).unwrap().len(), 2);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            t.elapsed()
        );
    }

    /// Parsing many commands builds the clap table once per thread, not once per command.
    #[test]
    fn parsing_commands_builds_the_table_once() {
        std::thread::spawn(|| {
            let _ = name_table();
            let before = TABLE_BUILDS.with(|n| n.get());
            for _ in 0..2_000 {
                assert!(matches!(run("pwd"), Command::Pwd));
                assert!(matches!(run("shell echo"), Command::Shell(_)));
            }
            assert!(parse_command("get").is_err());
            let builds = TABLE_BUILDS.with(|n| n.get()) - before;
            // One for the parser's table, one for the usage line of the error.
            assert!(builds <= 2, "{builds} table builds for 4,001 commands");
        })
        .join()
        .unwrap();
    }

    /// A reused table parses the same line the same way every time, errors included.
    #[test]
    fn a_reused_table_gives_the_same_answers() {
        for _ in 0..3 {
            let e = parse_command("get").unwrap_err().0;
            assert!(e.starts_with("get: "), "{e}");
            assert!(
                e.contains(
                    "(usage: get [-c] [-n] [-o LOCAL] [-P N] [-r] [--segments N] [--verify] REMOTE...)"
                ),
                "{e}"
            );
            match run("get -o out a") {
                Command::Get(g) => assert_eq!(g.paths, vec![RemotePath("a".into())]),
                other => panic!("{other:?}"),
            }
            assert!(matches!(
                parse_command("get --help").unwrap(),
                Parsed::Help(_)
            ));
        }
    }

    #[test]
    fn shell_escape_is_found_only_at_a_command_start() {
        assert_eq!(
            split_line("pwd; sh echo a; b").unwrap(),
            vec!["pwd", "sh echo a; b"]
        );
        assert_eq!(split_line("shell").unwrap(), vec!["shell"]);
        assert_eq!(split_line("  !x;y").unwrap(), vec!["!x;y"]);
        // A long first word is no command name: no shell escape, split as usual.
        assert_eq!(
            split_line("shellxxxxxxxxxxxxxxxxxxx;pwd").unwrap(),
            vec!["shellxxxxxxxxxxxxxxxxxxx", "pwd"]
        );
        assert_eq!(
            split_commands("cd x; get 'a;b"),
            (vec!["cd x".to_string(), "get 'a;b".to_string()], true)
        );
        // Neither aliases nor redirections apply to a shell escape.
        for escape in ["!ls > x", " shell ls | wc", "sh ls", "shell", "! "] {
            assert!(is_shell_escape(escape), "{escape:?}");
        }
        for not in ["ls > x", "shellfish", "ls !x", "lls"] {
            assert!(!is_shell_escape(not), "{not:?}");
        }
        // `shell` alone (no blank after it) runs the shell with nothing to run.
        assert!(matches!(run("shell"), Command::Shell(a) if a.words == [""]));
    }

    /// `cd "a\nb"` reached the server as two commands (exit 8 and a reconnect).
    #[test]
    fn line_breaks_in_server_arguments_are_usage_errors() {
        for line in [
            "cd \"a\nb\"",
            "quote \"NOOP\r\nDELE x\"",
            "site \"CHMOD 644 a\nDELE x\"",
            "user \"bob\r\" pw",
            "user bob \"p\nw\"",
            "open \"ftp://h/\nDELE x\"",
            "ls \"a\nb\"",
            "get \"a\rb\"",
            "put \"a\nb\"",
            "put -o \"a\nb\" f",
            "mv a \"b\nc\"",
            "rm \"a\nb\"",
            "mkdir \"a\nb\"",
            "size \"a\nb\"",
            "chmod 644 \"a\nb\"",
            // Bookmark names and URLs reach a server when the bookmark is opened.
            "bookmark add \"a\nb\" ftp://h/",
            "bookmark add a \"ftp://h/\nDELE x\"",
            // Either end of a mirror may be remote.
            "mirror \"a\nb\" local",
            "mirror -R local \"a\nb\"",
        ] {
            let e = parse_command(line).unwrap_err().0;
            assert!(e.contains("line break (CR or LF)"), "{line:?}: {e}");
            assert!(!e.contains(['\r', '\n']), "{line:?}: {e:?}");
        }
        // Local-only arguments may hold any byte.
        assert!(parse_command("lcd \"a\nb\"").is_ok());
        assert!(parse_command("get -o \"a\nb\" f").is_ok());
        assert!(parse_command("!printf 'a\nb'").is_ok());
    }

    /// The completion cache forgets exactly the listings a command may change: a stale
    /// entry offers names that are gone, a needless one costs a LIST.
    #[test]
    fn changed_dirs_names_the_listings_a_command_may_change() {
        let dirs = |line: &str| run(line).changed_dirs();
        // A tree removed: the tree itself and its parent.
        assert_eq!(dirs("rm -r a/b"), ["a/b", "a"]);
        assert_eq!(dirs("rm a/b c"), ["a", "."]);
        // Without -p only the parent of the directory named; with it every level's.
        assert_eq!(dirs("rmdir a/b/c"), ["a/b"]);
        assert_eq!(dirs("rmdir -p a/b/c"), ["a/b", "a", "."]);
        assert_eq!(dirs("mkdir -p a/b"), ["a", "."]);
        assert_eq!(dirs("mv a/x b/y"), ["a", "b"]);
        assert_eq!(dirs("chmod 644 d/f"), ["d"]);
        assert_eq!(dirs("put f"), ["."]);
        assert_eq!(dirs("put -o up/f f"), ["up/f", "up"]);
        assert!(dirs("get a/b").is_empty() && dirs("ls a").is_empty());
    }

    /// `exit 256` exited with status 0 (256 mod 256), `exit -1` with 255.
    #[test]
    fn exit_codes_outside_a_byte_are_usage_errors() {
        for bad in ["exit 256", "exit -1", "bye 1000", "quit 99999999999"] {
            let e = parse_command(bad).unwrap_err().0;
            assert!(e.starts_with("bye: "), "{bad}: {e}");
            assert!(e.contains("0..=255"), "{bad}: {e}");
            assert!(!e.contains('\n'), "{bad}: {e}");
        }
        assert!(matches!(
            run("exit 255"),
            Command::Bye(ByeArgs { code: Some(255) })
        ));
        assert!(matches!(
            run("exit 0"),
            Command::Bye(ByeArgs { code: Some(0) })
        ));
    }

    /// `lcd ~`, `put ~/f` and `get x -o ~/x` took `~` as a directory named `~`.
    #[test]
    fn local_paths_expand_tilde() {
        let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
            return;
        };
        let home = PathBuf::from(home);
        assert_eq!(expand_tilde("~"), home);
        assert_eq!(expand_tilde("~/a/b"), home.join("a/b"));
        assert_eq!(expand_tilde("~/"), home.join(""));
        assert_eq!(expand_tilde("~bob/x"), PathBuf::from("~bob/x"));
        assert_eq!(expand_tilde("./~"), PathBuf::from("./~"));
        assert_eq!(expand_tilde("a/~"), PathBuf::from("a/~"));
        match run("get x -o ~/x") {
            Command::Get(g) => assert_eq!(g.output.unwrap().0, home.join("x")),
            other => panic!("{other:?}"),
        }
        match run("put ~/f '~/g'") {
            Command::Put(p) => assert_eq!(
                p.paths,
                vec![LocalPath(home.join("f")), LocalPath(home.join("g"))]
            ),
            other => panic!("{other:?}"),
        }
        match run("lcd ~") {
            Command::Lcd(a) => assert_eq!(a.dir.unwrap().0, home),
            other => panic!("{other:?}"),
        }
        // Remote paths are the server's business.
        match run("cd ~/x") {
            Command::Cd(a) => assert_eq!(a.dir.unwrap().0, "~/x"),
            other => panic!("{other:?}"),
        }
    }

    /// find(1) spells its options `-name` and `-type`; a value after them is kept as is.
    #[test]
    fn find_takes_single_dash_options_like_find() {
        match run("find pub -name '*.gz' -type f") {
            Command::Find(f) => {
                assert_eq!(f.dir, Some(RemotePath("pub".into())));
                assert_eq!(f.name.as_deref(), Some("*.gz"));
                assert_eq!(f.kind, Some(FindType::F));
            }
            other => panic!("{other:?}"),
        }
        match run("find -name -type --type d") {
            Command::Find(f) => {
                assert_eq!((f.dir, f.name.as_deref()), (None, Some("-type")));
                assert_eq!(f.kind, Some(FindType::D));
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_command("find -type q").is_err());
        // Other commands keep their words.
        match run("get -- -name") {
            Command::Get(g) => assert_eq!(g.paths, vec![RemotePath("-name".into())]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn url_arguments_connect_for_themselves() {
        let none = crate::config::Config::default();
        assert!(!run("get ftp://h/x").needs_connection(&none));
        assert!(run("get x").needs_connection(&none));
        assert!(!run("ls ftp://h/").needs_connection(&none));
        assert!(!run("lcd /").needs_connection(&none));
    }

    /// `NAME:path` names the bookmark's server only when NAME is a bookmark; `a:b` and
    /// `./m:x` stay paths on the open connection.
    #[test]
    fn bookmark_words_connect_for_themselves_only_when_named() {
        let config = crate::config::Config::parse(
            "[bookmarks.m]\nurl = \"ftp://h\"\n[bookmarks.p]\nurl = \"ftp://h\"\npath = \"pub/\"\n\
             [bookmarks.on]\nurl = \"ftp://h\"\ntls = \"on\"\n\
             [bookmarks.off]\nurl = \"ftp://h\"\ntls = \"off\"\n\
             [bookmarks.auto]\nurl = \"ftp://h\"\ntls = \"auto\"\n",
        )
        .unwrap();
        for line in [
            "get m:x",
            "ls m:pub",
            "cat m:x",
            "pget m:x",
            "dir m:",
            "nlist p:d",
            "hash m:x",
        ] {
            assert!(!run(line).needs_connection(&config), "{line}");
        }
        for line in ["get a:b", "ls ./m:x", "cat x", "get M:x", "hash x"] {
            assert!(run(line).needs_connection(&config), "{line}");
        }
        let path = |w: &str| server_of(w, &config).unwrap().0.path;
        assert_eq!(path("m:debian/README"), Some("debian/README".into()));
        assert_eq!(path("m:"), None);
        assert_eq!(path("p:"), Some("pub/".into()));
        assert_eq!(path("p:a/b"), Some("pub/a/b".into()));
        assert_eq!(path("p:/etc/x"), Some("/etc/x".into()));
        assert_eq!(server_of("m:x", &config).unwrap().0.host, "h");
        // A bookmark's TLS choice comes along; none when it makes none.
        use crate::cli::TlsMode;
        let tls = |w: &str| server_of(w, &config).unwrap().1;
        assert_eq!(tls("on:x"), Some(TlsMode::Require));
        assert_eq!(tls("off:x"), Some(TlsMode::Off));
        assert_eq!(tls("auto:x"), Some(TlsMode::Auto));
        assert_eq!(tls("m:x"), None);
    }
}
