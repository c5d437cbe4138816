//! Shell completions and the man page, generated from the same clap definitions that parse
//! argv (`cli::Cli`) and REPL lines (`commands::Command`). `ftpsh --generate KIND` writes one;
//! the outputs are committed in completions/ and man/ and a test fails when they drift.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::commands;
use crate::error::{EXIT_CODES, UsageError};

/// The kinds `--generate` takes, with the file each is committed as.
pub const KINDS: &[(&str, &str)] = &[
    ("bash", "completions/ftpsh.bash"),
    ("zsh", "completions/_ftpsh"),
    ("fish", "completions/ftpsh.fish"),
    ("elvish", "completions/ftpsh.elv"),
    ("powershell", "completions/_ftpsh.ps1"),
    ("man", "man/ftpsh.1"),
];

pub fn write(kind: &str, w: &mut dyn Write) -> Result<()> {
    let shell = match kind {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "elvish" => Shell::Elvish,
        "powershell" => Shell::PowerShell,
        "man" => return man(w),
        other => {
            let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            return Err(UsageError(format!(
                "--generate {other}: expected one of {}",
                kinds.join(", ")
            ))
            .into());
        }
    };
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "ftpsh", w);
    Ok(())
}

/// Escape text for a roff line: backslashes, and a leading `.` or `'` that would be a request.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

fn man(w: &mut dyn Write) -> Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd)
        .date("2026-11-25")
        .manual("ftpsh manual");
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;

    writeln!(w, ".SH COMMANDS")?;
    writeln!(
        w,
        "Commands are read from the interactive shell, \\fB\\-c\\fR, \\fB\\-f\\fR or stdin. \
         Lines are split like a POSIX shell; \\fB;\\fR separates commands. \
         A unique prefix of a command name works (\\fBdi\\fR for \\fBdir\\fR)."
    )?;
    let mut table = commands::table();
    for sub in table.get_subcommands_mut() {
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").trim().to_string();
        writeln!(w, ".TP")?;
        writeln!(w, "\\fB{}\\fR", roff(&usage))?;
        let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
        let aliases: Vec<String> = sub.get_visible_aliases().map(str::to_string).collect();
        if aliases.is_empty() {
            writeln!(w, "{}.", roff(&about))?;
        } else {
            writeln!(w, "{}. Also: {}.", roff(&about), roff(&aliases.join(", ")))?;
        }
        for arg in sub.get_arguments() {
            if arg.is_hide_set() || arg.get_id() == "help" {
                continue;
            }
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let name = match (arg.get_short(), arg.get_long()) {
                (Some(s), Some(l)) => format!("\\-{s}, \\-\\-{}", roff(l)),
                (None, Some(l)) => format!("\\-\\-{}", roff(l)),
                (Some(s), None) => format!("\\-{s}"),
                (None, None) => arg
                    .get_value_names()
                    .and_then(|v| v.first().map(|s| roff(s)))
                    .unwrap_or_default(),
            };
            writeln!(w, ".br")?;
            writeln!(w, "\\ \\ \\fI{name}\\fR: {}", roff(&help))?;
        }
    }

    writeln!(w, ".SH URLS")?;
    for line in [
        "\\fIhost\\fR or \\fIhost\\fR:\\fIport\\fR: anonymous login on port 21.",
        "\\fBftp://\\fR[\\fIuser\\fR[:\\fIpassword\\fR]@]\\fIhost\\fR[:\\fIport\\fR][/\\fIpath\\fR]: \
         log in and change into \\fIpath\\fR (relative to the login directory; %2F makes it \
         absolute). Percent\\-escapes in user, password and path are decoded.",
        "\\fBftps://\\fR...: implicit TLS, port 990 by default.",
        "\\fBget\\fR, \\fBcat\\fR, \\fBls\\fR, \\fBdir\\fR and \\fBnlist\\fR take URLs too and \
         connect for that command.",
    ] {
        writeln!(w, ".IP \\(bu 2\n{line}")?;
    }

    writeln!(w, ".SH \"EXIT STATUS\"")?;
    for (code, text) in EXIT_CODES {
        writeln!(w, ".TP\n\\fB{}\\fR\n{}", code.as_i32(), roff(text))?;
    }

    writeln!(w, ".SH ENVIRONMENT")?;
    for (name, text) in [
        (
            "FTPSH_PASSWORD",
            "The password for a named user (instead of a prompt or the command line).",
        ),
        ("NO_COLOR", "When set, listings are not coloured."),
        (
            "FTPSH_DATA_DIR",
            "Overrides the directory that holds the history file.",
        ),
        ("COLUMNS", "The width listings are fitted to."),
    ] {
        writeln!(w, ".TP\n\\fB{name}\\fR\n{}", roff(text))?;
    }

    writeln!(w, ".SH FILES")?;
    for (name, text) in [
        (
            "~/.local/share/ftpsh/history",
            "Command history of the interactive shell (passwords are never stored).",
        ),
        (
            "~/.netrc",
            "Credentials: machine and default entries (see \\-\\-netrc\\-file).",
        ),
    ] {
        writeln!(w, ".TP\n\\fI{}\\fR\n{}", roff(name), text)?;
    }

    writeln!(w, ".SH EXAMPLES")?;
    for (what, example) in [
        ("Start the interactive shell", "ftpsh ftp.example.org"),
        (
            "Fetch one file from a script",
            "ftpsh \\-c \"get ftp://ftp.example.org/pub/README\"",
        ),
        (
            "Several commands, stopping at the first failure",
            "ftpsh ftp.example.org \\-c \"cd pub; ls \\-l; get file.tar.gz\"",
        ),
        (
            "Upload over TLS as a user (password from the environment)",
            "FTPSH_PASSWORD=... ftpsh \\-u alice \\-\\-tls host \\-c \"put site.tar.gz\"",
        ),
        ("Run a command file", "ftpsh host \\-f script.ftp"),
    ] {
        writeln!(w, ".TP\n{what}\n.B {example}")?;
    }
    man.render_version_section(w)?;
    Ok(())
}
