//! The `ftpsh` command line (argv), defined once with clap derive.
//!
//! Parsing only produces data: no file is opened and no connection made here. `app.rs` turns
//! a [`Cli`] into a session and a front end.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::progress::ProgressMode;

/// The exit-status table shown at the end of `--help`; `error::EXIT_CODES` is the source and a
/// unit test keeps the two in step (clap needs a `'static` string here).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0    success
  1    a command failed (other server refusals)
  2    usage error (bad option, unknown command, bad quoting, missing argument)
  3    cannot connect (DNS, refused, connect timeout), or serve cannot listen (port in use)
  4    login failed (530)
  5    remote file or directory not found or not permitted (550/553/450)
  6    local file error (cannot read or write, disk full)
  7    TLS failure (handshake or certificate)
  8    connection lost or timed out mid-command
  130  interrupted (Ctrl-C)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// AUTH TLS for a non-anonymous login when FEAT offers it.
    #[default]
    Auto,
    /// AUTH TLS or fail.
    Require,
    /// Never AUTH TLS.
    Off,
}

#[derive(Debug, Parser)]
#[command(
    name = "ftpsh",
    version,
    about = "An interactive FTP shell, scriptable from the command line",
    long_about = "An interactive FTP shell, scriptable from the command line.\n\n\
        With a URL, ftpsh connects, logs in (anonymously unless a user is given) and changes \
        into the URL's path. Without -c or -f it reads commands from the terminal (an \
        interactive shell with history and Tab completion) or, when stdin is not a terminal, \
        from stdin.\n\n\
        `ftpsh serve [DIR]` serves a directory over FTP; `ftpsh demo` tries it all offline \
        (a sample tree, served and opened in the shell). A server whose name is `serve` or \
        `demo` is reached as `ftp://serve` or `serve:21`.",
    disable_help_subcommand = true,
    after_help = EXIT_STATUS_HELP,
    after_long_help = EXIT_STATUS_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub sub: Option<Sub>,

    /// host, host:port, ftp://[user[:password]@]host[:port][/path] or ftps://... (implicit TLS)
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    #[command(flatten)]
    pub script: Script,

    /// Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,

    /// Server port (default 21, or 990 for ftps://)
    #[arg(long = "port", value_name = "N")]
    pub port: Option<u16>,

    /// Read credentials from FILE instead of ~/.netrc
    #[arg(long = "netrc-file", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub netrc_file: Option<PathBuf>,

    /// Require explicit TLS (AUTH TLS); fail if the server does not offer it
    #[arg(long = "tls", conflicts_with = "no_tls")]
    pub tls: bool,

    /// Never use TLS (default: TLS for non-anonymous logins when offered)
    #[arg(long = "no-tls")]
    pub no_tls: bool,

    /// Trust the certificate(s) in this PEM file as well as the system roots
    #[arg(long = "ca-file", value_name = "PEM", value_hint = clap::ValueHint::FilePath)]
    pub ca_file: Option<PathBuf>,

    /// Do not verify TLS certificates (dangerous: anyone on the path can read your password)
    #[arg(long = "insecure")]
    pub insecure: bool,

    /// Accept only the TLS certificate with this SHA-256 fingerprint (sha256:HEX; several
    /// comma-separated), whether or not a CA vouches for it
    #[arg(long = "pin", value_name = "sha256:HEX")]
    pub pin: Vec<String>,

    /// Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)
    #[arg(long = "active")]
    pub active: bool,

    /// Connect and idle timeout in seconds (default 30, or the `timeout` setting)
    #[arg(long = "timeout", value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub timeout: Option<u64>,

    /// Retries of a command or file that failed on a transient fault (421, 425, 426, 450,
    /// 451, a lost connection, a timeout), waiting 1 s, then twice as long each time, up to
    /// 30 s (default 3, or the `retries` setting; 0: never retry)
    #[arg(long = "retries", value_name = "N",
          value_parser = clap::value_parser!(u64).range(0..=100))]
    pub retries: Option<u64>,

    /// Do not retry a command once this many seconds have passed since it started (default:
    /// no limit but --retries)
    #[arg(long = "retry-max-time", value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(0..=86400))]
    pub retry_max_time: Option<u64>,

    /// Seconds without a byte on a data connection before a transfer or listing counts as
    /// stalled, and is retried (default 60, or the `stall_timeout` setting)
    #[arg(long = "stall-timeout", value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub stall_timeout: Option<u64>,

    /// Print only errors and data (no banner, no transfer summaries, no progress unless
    /// --progress names a mode)
    #[arg(short = 'q', long = "quiet", conflicts_with = "verbose", global = true)]
    pub quiet: bool,

    /// How transfers show progress on stderr (an explicit MODE also works with -q; default
    /// auto, or the `progress` setting)
    #[arg(long = "progress", value_name = "MODE", value_enum)]
    pub progress: Option<ProgressMode>,

    /// Trace the protocol on stderr (passwords are masked)
    #[arg(short = 'v', long = "verbose", global = true)]
    pub verbose: bool,

    /// Write every result as one JSON object per line on stdout (NDJSON; see "For programs"
    /// in the README); errors are objects too, and still a line on stderr
    #[arg(long = "json", global = true)]
    pub json: bool,

    /// Read settings, bookmarks and aliases from FILE instead of config.toml in the config
    /// directory
    #[arg(long = "config", value_name = "FILE", global = true, conflicts_with = "no_config",
          value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// Read no config file (settings, bookmarks and aliases are the defaults)
    #[arg(long = "no-config", global = true)]
    pub no_config: bool,

    /// Write shell completions or the man page to stdout (bash, zsh, fish, elvish, powershell, man)
    #[arg(long = "generate", value_name = "KIND", hide = true)]
    pub generate: Option<String>,
}

/// `ftpsh serve` and `ftpsh demo`: the built-in server (cargo feature `serve`).
#[derive(Debug, Clone, Subcommand)]
pub enum Sub {
    /// Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise
    #[command(
        long_about = "Serve DIR (default: the current directory) over FTP.\n\n\
            Safe by default: it listens on 127.0.0.1 only, port 2121, for anonymous users, \
            read-only. The first line on stdout is the server's URL (ftp://HOST:PORT/), so a \
            script can read the port chosen by --port 0. Nothing outside DIR can be reached \
            (not through .., absolute paths or symlinks that lead out of it); listings \
            show symlinks as links. One line per \
            login and per transfer is logged on stderr (-q: none; -v: every command, \
            passwords masked). Ctrl-C stops it: open transfers get 10 seconds to finish, \
            then everything is closed.",
        after_help = EXIT_STATUS_HELP
    )]
    Serve(ServeArgs),
    /// Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it
    #[command(
        long_about = "Try ftpsh offline: create a small sample tree in a temporary directory \
            (a README, text files, odd names and a 64 MiB file to watch a progress bar on), \
            serve it on 127.0.0.1 (any free port; user demo, who may write inside the tree) \
            and open the interactive shell connected to it, or run -c/-f commands. The tree is \
            removed when the shell exits, also after Ctrl-C.",
        after_help = EXIT_STATUS_HELP
    )]
    Demo(DemoArgs),
    /// Show, edit or check the config file (settings, bookmarks, aliases, default site)
    #[command(
        long_about = "Show, edit or check the config file: config.toml in $XDG_CONFIG_HOME/ftpsh \
            (FTPSH_CONFIG_DIR or --config FILE instead). A host named config is reached as \
            ftp://config.",
        after_help = EXIT_STATUS_HELP
    )]
    Config(ConfigArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum ConfigAction {
    /// Print the config file's path (whether or not it exists)
    Path,
    /// Open the config file in $VISUAL or $EDITOR (a commented template when it does not
    /// exist yet), then check it
    Edit,
    /// Check the config file: exit 0 when it is good, else one line saying where it is
    /// wrong and exit 2
    Check,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The directory to serve (default: the current directory)
    #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,

    /// Listen on ADDR (default 127.0.0.1); another address warns when anyone could log in or
    /// read the traffic
    #[arg(long = "bind", value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Listen on port N (0: any free port; the first stdout line names it)
    #[arg(long = "port", value_name = "N", default_value_t = 2121)]
    pub port: u16,

    /// Allow uploads, mkdir, rename and delete (default: read-only)
    #[arg(long = "write")]
    pub write: bool,

    /// Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)
    #[arg(short = 'u', long = "user", value_name = "NAME")]
    pub user: Option<String>,

    /// Explicit FTPS (AUTH TLS) with this certificate chain; plain FTP is then refused
    #[arg(long = "tls-cert", value_name = "PEM", requires = "tls_key",
          conflicts_with = "tls_self_signed", value_hint = clap::ValueHint::FilePath)]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert
    #[arg(long = "tls-key", value_name = "PEM", requires = "tls_cert",
          value_hint = clap::ValueHint::FilePath)]
    pub tls_key: Option<PathBuf>,

    /// Explicit FTPS with a fresh self-signed certificate; prints its fingerprint (for a
    /// client's --pin) and where its PEM file is (for --ca-file)
    #[arg(long = "tls-self-signed")]
    pub tls_self_signed: bool,

    /// Passive data ports LO-HI (default: any free port)
    #[arg(long = "passive-ports", value_name = "LO-HI", value_parser = parse_port_range)]
    pub passive_ports: Option<PortRange>,

    /// Close a control connection idle for SECS seconds
    #[arg(long = "idle-timeout", value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub idle_timeout: u64,
}

/// `--passive-ports LO-HI`, LO <= HI, neither 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

fn parse_port_range(s: &str) -> Result<PortRange, String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?}: expected LO-HI, e.g. 50000-50100"))?;
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{p:?} is not a port (1-65535)"))
    };
    let (lo, hi) = (port(lo)?, port(hi)?);
    if lo > hi {
        return Err(format!("{s:?}: LO is above HI"));
    }
    Ok(PortRange { lo, hi })
}

/// Where batch commands come from, and whether a failure stops them: the same flags for a
/// URL and for `demo`.
#[derive(Debug, Clone, Default, Args)]
pub struct Script {
    /// Run these commands (separated by ';'), then exit
    #[arg(
        short = 'c',
        long = "command",
        value_name = "CMDS",
        conflicts_with = "file"
    )]
    pub command: Option<String>,

    /// Run the commands in FILE (one per line, '#' comments), then exit
    #[arg(short = 'f', long = "file", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub file: Option<PathBuf>,

    /// In -c/-f/stdin mode, run the remaining commands after a failure
    #[arg(short = 'k', long = "keep-going")]
    pub keep_going: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub script: Script,
}

impl Cli {
    /// The client options given before a subcommand that it does not use (`ftpsh --tls
    /// serve`): the caller refuses them rather than ignore them silently.
    pub fn misplaced_flags(&self) -> Vec<&'static str> {
        let serve = matches!(self.sub, Some(Sub::Serve(_) | Sub::Config(_)));
        [
            ("--user", self.user.is_some()),
            ("--port", self.port.is_some()),
            ("--tls", self.tls),
            ("--no-tls", self.no_tls),
            ("--ca-file", self.ca_file.is_some()),
            ("--insecure", self.insecure),
            ("--pin", !self.pin.is_empty()),
            ("--active", self.active),
            ("--netrc-file", self.netrc_file.is_some()),
            ("--timeout", serve && self.timeout.is_some()),
            ("--retries", serve && self.retries.is_some()),
            ("--retry-max-time", serve && self.retry_max_time.is_some()),
            ("--stall-timeout", serve && self.stall_timeout.is_some()),
            ("--progress", serve && self.progress.is_some()),
            ("--command", serve && self.script.command.is_some()),
            ("--file", serve && self.script.file.is_some()),
            ("--keep-going", serve && self.script.keep_going),
            ("--json", serve && self.json),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    pub fn tls_mode(&self) -> TlsMode {
        if self.tls {
            TlsMode::Require
        } else if self.no_tls {
            TlsMode::Off
        } else {
            TlsMode::Auto
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn port_ranges_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse_port_range("50000-50010"),
            Ok(PortRange {
                lo: 50000,
                hi: 50010
            })
        );
        assert_eq!(parse_port_range("7-7"), Ok(PortRange { lo: 7, hi: 7 }));
        for bad in ["", "5", "0-10", "10-5", "1-70000", "a-b", "-5"] {
            assert!(parse_port_range(bad).is_err(), "{bad:?}");
        }
    }

    /// `serve` and `demo` are subcommands, but a host of that name stays reachable.
    #[test]
    fn subcommands_and_hosts_named_like_them() {
        let cli = Cli::try_parse_from(["ftpsh", "serve", "--port", "0", "/srv"]).unwrap();
        match cli.sub {
            Some(Sub::Serve(a)) => {
                assert_eq!(a.port, 0);
                assert_eq!(a.dir, Some(PathBuf::from("/srv")));
                assert_eq!(a.bind.to_string(), "127.0.0.1");
            }
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from(["ftpsh", "-q", "demo", "-c", "ls"]).unwrap();
        assert!(cli.quiet);
        assert!(
            matches!(cli.sub, Some(Sub::Demo(ref d)) if d.script.command.as_deref() == Some("ls"))
        );
        let cli = Cli::try_parse_from(["ftpsh", "demo", "-q", "-k", "-c", "ls"]).unwrap();
        assert!(cli.quiet);
        for host in ["ftp://serve", "serve:21", "ftp://demo/pub"] {
            let cli = Cli::try_parse_from(["ftpsh", host, "-c", "ls"]).unwrap();
            assert!(cli.sub.is_none());
            assert_eq!(cli.url.as_deref(), Some(host));
        }
        // Client flags before a subcommand are refused by the caller, not ignored.
        let cli = Cli::try_parse_from(["ftpsh", "--tls", "-k", "serve"]).unwrap();
        assert_eq!(cli.misplaced_flags(), ["--tls", "--keep-going"]);
        let cli = Cli::try_parse_from(["ftpsh", "-k", "-c", "ls", "demo"]).unwrap();
        assert!(cli.misplaced_flags().is_empty());
        // --progress is the demo's client's; serve transfers nothing of its own.
        let cli = Cli::try_parse_from(["ftpsh", "--progress", "json", "serve"]).unwrap();
        assert_eq!(cli.misplaced_flags(), ["--progress"]);
        let cli = Cli::try_parse_from(["ftpsh", "--progress", "plain", "demo"]).unwrap();
        assert_eq!(cli.progress, Some(ProgressMode::Plain));
        assert!(cli.misplaced_flags().is_empty());
        assert!(Cli::try_parse_from(["ftpsh", "--progress", "fancy"]).is_err());
    }

    #[test]
    fn help_exit_table_matches_error_table() {
        for (code, text) in crate::error::EXIT_CODES {
            let line = format!("{:<4} {}", code.as_i32(), text);
            assert!(
                EXIT_STATUS_HELP.contains(&line),
                "--help lacks exit status line {line:?}"
            );
        }
    }
}
