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
    clap_complete::generate(shell, &mut completion_command(), "ftpsh", w);
    Ok(())
}

/// The argv definition without hidden arguments: clap_complete offers hidden flags in some
/// shells (bash), and `--generate` is for packagers, not users.
fn completion_command() -> clap::Command {
    let full = Cli::command();
    let mut cmd = clap::Command::new("ftpsh")
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().map(|a| a.to_string()).unwrap_or_default());
    for arg in full.get_arguments().filter(|a| !a.is_hide_set()) {
        cmd = cmd.arg(arg.clone());
    }
    // `serve` and `demo` (they have no hidden arguments).
    for sub in full.get_subcommands() {
        cmd = cmd.subcommand(sub.clone());
    }
    cmd
}

/// `.SH "BUILT-IN SERVER"`: `ftpsh serve` and `ftpsh demo`, each with its options.
fn server_section(w: &mut dyn Write) -> Result<()> {
    writeln!(w, ".SH \"BUILT\\-IN SERVER\"")?;
    let mut cmd = Cli::command();
    cmd.build();
    for sub in cmd.get_subcommands() {
        let operands: Vec<String> = sub
            .get_arguments()
            .filter(|a| a.is_positional())
            .filter_map(|a| {
                a.get_value_names()
                    .and_then(|v| v.first())
                    .map(|v| v.to_string())
            })
            .map(|v| format!(" [\\fI{}\\fR]", roff(&v)))
            .collect();
        writeln!(w, ".TP")?;
        writeln!(
            w,
            "\\fBftpsh {}\\fR [\\fIOPTIONS\\fR]{}",
            roff(sub.get_name()),
            operands.concat()
        )?;
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|s| s.to_string())
            .unwrap_or_default();
        writeln!(w, "{}", roff(&about).replace("\n\n", "\n.IP\n"))?;
        writeln!(w, ".RS")?;
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_positional() && !a.is_global_set())
            .filter(|a| !["help", "version"].contains(&a.get_id().as_str()))
        {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let mut name = match (arg.get_short(), arg.get_long()) {
                (Some(s), Some(l)) => format!("\\fB\\-{s}\\fR, \\fB\\-\\-{}\\fR", roff(l)),
                (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", roff(l)),
                (Some(s), None) => format!("\\fB\\-{s}\\fR"),
                (None, None) => String::new(),
            };
            if arg.get_action().takes_values()
                && let Some(v) = arg.get_value_names().and_then(|v| v.first())
            {
                name.push_str(&format!(" \\fI{}\\fR", roff(v)));
            }
            writeln!(w, ".TP\n{name}\n{}", roff(&help))?;
        }
        writeln!(w, ".RE")?;
    }
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

/// `.SH SYNOPSIS` with every option's argument named: `[-c|--command CMDS]`.
fn synopsis(w: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    // Building adds --help and --version.
    cmd.build();
    let mut parts = vec![format!("\\fB{}\\fR", roff(cmd.get_name()))];
    let value = |a: &clap::Arg| {
        a.get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase())
    };
    // Options first, then operands, as synopses go.
    let (operands, options): (Vec<&clap::Arg>, Vec<&clap::Arg>) = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .partition(|a| a.is_positional());
    for a in options.into_iter().chain(operands) {
        if a.is_positional() {
            let name = format!("\\fI{}\\fR", roff(&value(a)));
            parts.push(if a.is_required_set() {
                name
            } else {
                format!("[{name}]")
            });
            continue;
        }
        let mut flags = Vec::new();
        if let Some(s) = a.get_short() {
            flags.push(format!("\\fB\\-{}\\fR", roff(&s.to_string())));
        }
        if let Some(l) = a.get_long() {
            flags.push(format!("\\fB\\-\\-{}\\fR", roff(l)));
        }
        let mut text = flags.join("|");
        if a.get_action().takes_values() {
            text.push_str(&format!(" \\fI{}\\fR", roff(&value(a))));
        }
        parts.push(format!("[{text}]"));
    }
    writeln!(w, ".SH SYNOPSIS")?;
    writeln!(w, "{}", parts.join(" "))?;
    Ok(())
}

fn man(w: &mut dyn Write) -> Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd)
        .date("2026-11-25")
        .manual("ftpsh manual");
    man.render_title(w)?;
    man.render_name_section(w)?;
    // clap_mangen's synopsis leaves out the argument names (`[-c|--command]`).
    synopsis(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    server_section(w)?;

    writeln!(w, ".SH COMMANDS")?;
    writeln!(
        w,
        "Commands are read from the interactive shell, \\fB\\-c\\fR, \\fB\\-f\\fR or stdin. \
         Lines are split like a POSIX shell; \\fB;\\fR separates commands. \
         A unique prefix of a command name works (\\fBdi\\fR for \\fBdir\\fR)."
    )?;
    let table = commands::table();
    for sub in table.get_subcommands() {
        writeln!(w, ".TP")?;
        writeln!(w, "\\fB{}\\fR", roff(&commands::usage_of(sub)))?;
        let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
        let aliases: Vec<String> = sub.get_visible_aliases().map(str::to_string).collect();
        if aliases.is_empty() {
            writeln!(w, "{}.", roff(&about))?;
        } else {
            writeln!(w, "{}. Also: {}.", roff(&about), roff(&aliases.join(", ")))?;
        }
        let options: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_id() != "help")
            .collect();
        if options.is_empty() {
            continue;
        }
        writeln!(w, ".RS")?;
        for arg in options {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let mut name = match (arg.get_short(), arg.get_long()) {
                (Some(s), Some(l)) => format!("\\fB\\-{s}\\fR, \\fB\\-\\-{}\\fR", roff(l)),
                (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", roff(l)),
                (Some(s), None) => format!("\\fB\\-{s}\\fR"),
                (None, None) => String::new(),
            };
            if arg.is_positional() {
                let v = arg
                    .get_value_names()
                    .and_then(|v| v.first().map(|s| s.to_string()))
                    .unwrap_or_default();
                name = format!("\\fI{}\\fR", roff(&v));
            } else if arg.get_action().takes_values()
                && let Some(v) = arg.get_value_names().and_then(|v| v.first())
            {
                name.push_str(&format!(" \\fI{}\\fR", roff(v)));
            }
            writeln!(w, ".TP\n{name}\n{}", roff(&help))?;
        }
        writeln!(w, ".RE")?;
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

    writeln!(w, ".SH \"JSON OUTPUT\"")?;
    writeln!(
        w,
        "With \\fB\\-\\-json\\fR every result is one JSON object per line on stdout \
         (NDJSON): \\fB{{\"type\": TYPE, \"data\": {{...}}}}\\fR. The first line of a run is \
         \\fBftpsh\\fR with the schema version ({}); fields may be added within a version, \
         so ignore what you do not know. Names and replies are exactly as the server sent \
         them. A failure is an \\fBerror\\fR object as well as its line on stderr; the exit \
         status is unchanged. \\fBls \\-\\-json\\fR writes the same lines for one listing.",
        crate::output::model::SCHEMA
    )?;
    for (name, who, fields) in crate::output::model::TYPES {
        writeln!(
            w,
            ".TP\n\\fB{}\\fR ({})\n{}",
            roff(name),
            roff(who),
            roff(fields)
        )?;
    }

    writeln!(w, ".SH \"EXIT STATUS\"")?;
    for (code, text) in EXIT_CODES {
        writeln!(w, ".TP\n\\fB{}\\fR\n{}", code.as_i32(), roff(text))?;
    }

    writeln!(w, ".SH RETRIES")?;
    for (term, text) in crate::retry::RULES {
        writeln!(w, ".TP\n\\fB{term}\\fR\n{}", roff(text))?;
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
        (
            "FTPSH_CONFIG_DIR",
            "Overrides the directory that holds config.toml.",
        ),
        (
            "VISUAL, EDITOR",
            "The editor of ftpsh config edit and bookmark edit (default: vi).",
        ),
    ] {
        writeln!(w, ".TP\n\\fB{name}\\fR\n{}", roff(text))?;
    }

    writeln!(w, ".SH SETTINGS")?;
    writeln!(
        w,
        "Set in config.toml's \\fB[settings]\\fR (or a bookmark's \\fB[bookmarks.NAME.settings]\\fR), \
         by a command\\-line flag, or in the shell with \\fBset\\fR \\fINAME VALUE\\fR \
         (\\fBunset\\fR \\fINAME\\fR undoes it). \\fBset\\fR beats a flag, a flag beats \
         the file, the file beats the default; \\fBset\\fR alone lists every setting and \
         where its value came from."
    )?;
    for d in crate::settings::TABLE {
        let values = match d.kind {
            crate::settings::Kind::Bool => "on or off (true or false in the file)".to_string(),
            crate::settings::Kind::Int { min, max } => format!("{min} to {max}"),
            crate::settings::Kind::Choice(c) => c.join(", "),
            crate::settings::Kind::Text => "text".to_string(),
            crate::settings::Kind::Charset => "a character set name".to_string(),
        };
        writeln!(
            w,
            ".TP\n\\fB{}\\fR \\fI{}\\fR (default: {})\n{}.",
            roff(d.name),
            roff(&values),
            roff(&format!("{:?}", d.default)),
            roff(d.doc)
        )?;
    }

    writeln!(w, ".SH FILES")?;
    for (name, text) in [
        (
            "~/.config/ftpsh/config.toml",
            "Settings, bookmarks ([bookmarks.NAME]: url, user, path, tls, pin, settings), aliases \
             ([aliases] NAME = \"command line\") and the default site (default = a bookmark, \
             URL or host). $XDG_CONFIG_HOME/ftpsh or FTPSH_CONFIG_DIR holds it; \
             \\-\\-config FILE reads another, \\-\\-no\\-config none. Unknown keys and \
             bad values are errors (exit 2). Passwords are never written unless \
             bookmark add \\-\\-save\\-password asks (the file is then mode 0600). \
             ftpsh config path|edit|check show, edit and check it.",
        ),
        (
            "~/.local/share/ftpsh/history",
            "Command history of the interactive shell, appended as each line is entered \
             (passwords are never stored).",
        ),
        (
            "~/.local/share/ftpsh/known_hosts",
            "TLS certificates trusted always, one a line: HOST PORT sha256:HEX (# comments). \
             The shell asks about a certificate no CA vouches for (once, always, no); a \
             changed one is refused (exit 7). trust list and trust rm HOST[:PORT] show and \
             edit it. A bookmark's pin field, like \\-\\-pin, accepts only its certificates.",
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
        (
            "Download and check the file against the server's SHA\\-256 (HASH, XSHA256)",
            "ftpsh host \\-c \"get \\-\\-verify pub/image.iso\"",
        ),
        (
            "Check local copies against the server's checksums",
            "cd pub; ftpsh host/pub \\-c \"hash \\-a sha256 *.iso\" | sha256sum \\-c",
        ),
        (
            "Trust a self\\-signed server's certificate by its fingerprint (the error of a first \
             run without it prints the fingerprint)",
            "ftpsh \\-\\-pin sha256:3f1c...c3d2 \\-u alice \\-\\-tls host \\-c \"get report.pdf\"",
        ),
        (
            "Forget the certificate trusted always for a host (after it was replaced)",
            "ftpsh \\-c \"trust rm host\"",
        ),
        (
            "Try it offline: a sample tree, served and opened in the shell",
            "ftpsh demo",
        ),
        (
            "Serve a directory read\\-write to one user (password from the environment)",
            "FTPSH_PASSWORD=... ftpsh serve \\-\\-write \\-\\-user alice ~/share",
        ),
    ] {
        // `.B` would take the double quotes as argument grouping.
        writeln!(w, ".TP\n{what}\n.B {}", example.replace('"', "\\(dq"))?;
    }
    man.render_version_section(w)?;
    Ok(())
}

/// The rule build.rs uses for "in CI", compiled here only to be tested.
#[cfg(test)]
#[path = "ci_rule.rs"]
mod ci_rule;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    /// Whether the value of `BLESS` (None when unset) asks for the committed files to be
    /// rewritten: only a yes (`1`, `true`, `yes`, any case, blanks ignored). `BLESS=0` used to
    /// bless, since any value did.
    fn bless_requested(value: Option<&str>) -> bool {
        value.is_some_and(|v| {
            let v = v.trim();
            v == "1" || v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes")
        })
    }

    #[test]
    fn bless_0_does_not_bless() {
        for v in [
            None,
            Some(""),
            Some("0"),
            Some("false"),
            Some("no"),
            Some("off"),
            Some("2"),
        ] {
            assert!(!bless_requested(v), "{v:?}");
        }
        for v in [
            Some("1"),
            Some("true"),
            Some("TRUE"),
            Some(" yes "),
            Some("Yes"),
        ] {
            assert!(bless_requested(v), "{v:?}");
        }
    }

    /// The committed completions and man page are what the table generates now.
    /// `BLESS=1 cargo test` rewrites them.
    #[test]
    fn committed_files_are_up_to_date() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bless = bless_requested(std::env::var("BLESS").ok().as_deref());
        let mut stale = Vec::new();
        for (kind, file) in KINDS {
            let mut fresh = Vec::new();
            write(kind, &mut fresh).unwrap();
            let path = root.join(file);
            if std::fs::read(&path).ok().as_deref() != Some(fresh.as_slice()) {
                if bless {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &fresh).unwrap();
                } else {
                    stale.push(*file);
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files {stale:?}: run `BLESS=1 cargo test` and commit them"
        );
    }

    #[test]
    fn unknown_kind_is_a_usage_error() {
        let e = write("tcsh", &mut Vec::new()).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
    }

    #[test]
    fn man_page_has_every_section_and_command() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "URLS",
            "\"EXIT STATUS\"",
            "\"JSON OUTPUT\"",
            "RETRIES",
            "ENVIRONMENT",
            "SETTINGS",
            "FILES",
            "EXAMPLES",
        ] {
            assert!(text.contains(&format!(".SH {section}")), "no {section}");
        }
        for sub in commands::table().get_subcommands() {
            let usage = roff(&commands::usage_of(sub));
            assert!(text.contains(&usage), "man page lacks {usage}");
        }
        // SETTINGS comes from the settings table: every row, with its doc.
        let settings = text.split(".SH SETTINGS").nth(1).unwrap();
        let settings = settings.split(".SH FILES").next().unwrap();
        for d in crate::settings::TABLE {
            assert!(
                settings.contains(&format!("\\fB{}\\fR", roff(d.name))),
                "SETTINGS lacks {}",
                d.name
            );
            assert!(settings.contains(&roff(d.doc)), "{}: no doc", d.name);
        }
    }

    /// `CI=false` was treated as CI by these tests (and not by the interop tests): one rule
    /// now, in src/ci_rule.rs, that build.rs turns into `cfg(ftpsh_ci)` for all tests.
    #[test]
    fn ci_false_is_not_ci() {
        for v in [
            None,
            Some(""),
            Some("0"),
            Some("false"),
            Some("FALSE"),
            Some(" false "),
        ] {
            assert!(!super::ci_rule::means_ci(v), "{v:?}");
        }
        for v in [Some("true"), Some("1"), Some("yes"), Some("github")] {
            assert!(super::ci_rule::means_ci(v), "{v:?}");
        }
        assert_eq!(
            cfg!(ftpsh_ci),
            super::ci_rule::means_ci(option_env!("CI")),
            "build.rs and this test disagree about CI"
        );
    }

    /// The SYNOPSIS said `[-c|--command]`, not what the option takes.
    #[test]
    fn man_synopsis_names_option_arguments() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let synopsis = text
            .split(".SH SYNOPSIS\n")
            .nth(1)
            .and_then(|s| s.split("\n.").next())
            .unwrap();
        for want in [
            "[\\fB\\-c\\fR|\\fB\\-\\-command\\fR \\fICMDS\\fR]",
            "[\\fB\\-f\\fR|\\fB\\-\\-file\\fR \\fIFILE\\fR]",
            "[\\fB\\-u\\fR|\\fB\\-\\-user\\fR \\fIUSER\\fR]",
            "[\\fB\\-\\-port\\fR \\fIN\\fR]",
            "[\\fB\\-\\-timeout\\fR \\fISECS\\fR]",
            "[\\fB\\-k\\fR|\\fB\\-\\-keep\\-going\\fR]",
            "[\\fB\\-h\\fR|\\fB\\-\\-help\\fR]",
            "[\\fIURL\\fR]",
        ] {
            assert!(synopsis.contains(want), "{want} not in {synopsis}");
        }
        assert!(!synopsis.contains("generate"), "{synopsis}");
    }

    /// Runs a formatter over the generated page; any warning fails. Outside CI, build.rs
    /// marks the test ignored when the tool is missing; under CI (the one rule in build.rs,
    /// `cfg(ftpsh_ci)`) the tool must be there (.ci/run installs groff and man-db).
    fn render_without_warnings(program: &str, args: &[&str]) {
        let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/ftpsh.1");
        let out = match Command::new(program)
            .args(args)
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
        {
            Ok(o) => o,
            Err(e) if cfg!(ftpsh_ci) => panic!("{program} is required under CI: {e}"),
            Err(e) => panic!("{program}: {e} (build.rs found it: `touch build.rs` to probe again)"),
        };
        assert!(out.status.success(), "{program} failed");
        assert!(out.stdout.len() > 1000, "{program} rendered almost nothing");
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            warnings.trim().is_empty(),
            "{program} warnings:\n{warnings}"
        );
    }

    #[test]
    #[cfg_attr(ftpsh_skip_groff, ignore = "groff not installed")]
    fn man_page_renders_without_warnings_in_groff() {
        render_without_warnings("groff", &["-ww", "-man", "-Tutf8"]);
    }

    #[test]
    #[cfg_attr(ftpsh_skip_man, ignore = "man not installed")]
    fn man_page_renders_without_warnings_in_man() {
        render_without_warnings("man", &["--warnings", "-l"]);
    }
}
