//! The `ftpsh` command line (argv), defined once with clap derive.
//!
//! Parsing only produces data: no file is opened and no connection made here. `app.rs` turns
//! a [`Cli`] into a session and a front end.

use std::path::PathBuf;

use clap::Parser;

/// The exit-status table shown at the end of `--help`; `error::EXIT_CODES` is the source and a
/// unit test keeps the two in step (clap needs a `'static` string here).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0    success
  1    a command failed (other server refusals)
  2    usage error (bad option, unknown command, bad quoting, missing argument)
  3    cannot connect (DNS, refused, connect timeout)
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
        from stdin.",
    after_help = EXIT_STATUS_HELP,
    after_long_help = EXIT_STATUS_HELP
)]
pub struct Cli {
    /// host, host:port, ftp://[user[:password]@]host[:port][/path] or ftps://... (implicit TLS)
    #[arg(value_name = "URL")]
    pub url: Option<String>,

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

    /// Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)
    #[arg(long = "active")]
    pub active: bool,

    /// Connect and idle timeout in seconds
    #[arg(long = "timeout", value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub timeout: u64,

    /// Print only errors and data (no banner, no transfer summaries, no progress)
    #[arg(short = 'q', long = "quiet", conflicts_with = "verbose")]
    pub quiet: bool,

    /// Trace the protocol on stderr (passwords are masked)
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,

    /// Write shell completions or the man page to stdout (bash, zsh, fish, elvish, powershell, man)
    #[arg(long = "generate", value_name = "KIND", hide = true)]
    pub generate: Option<String>,
}

impl Cli {
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
