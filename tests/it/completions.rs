//! The committed completions and man page, checked in the real tools rather than against the
//! generator that wrote them (a generator that drops content would also drop it from a
//! comparison with itself): bash, zsh and fish load the scripts as a user installs them and
//! are asked for the candidates of `ftpsh --...<Tab>`; `man` renders the page to text, which
//! must hold what a reader needs, from lists written out here by hand.
//!
//! Outside CI, build.rs marks the zsh, fish and man tests ignored when the program is missing;
//! under CI (`cfg(ftpsh_ci)`) they run, and `.ci/run` installs the programs.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// The long options every shell must offer after `ftpsh --`.
const LONG_OPTIONS: &[&str] = &[
    "--command",
    "--file",
    "--keep-going",
    "--user",
    "--port",
    "--tls",
    "--no-tls",
    "--ca-file",
    "--insecure",
    "--active",
    "--timeout",
    "--netrc-file",
    "--quiet",
    "--verbose",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `PATH` with the directory of the ftpsh under test first: fish loads the completions of a
/// command only when the command exists.
fn path_with_ftpsh() -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin("ftpsh");
    let mut dirs = vec![bin.parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// Runs a shell with a fresh HOME and nothing else from this environment, killed after 30 s.
fn run_shell(program: &str, home: &Path, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(home)
        .env_clear()
        .env("PATH", path_with_ftpsh())
        .env("HOME", home)
        .env("TERM", "xterm")
        .timeout(Duration::from_secs(30))
        .output();
    match out {
        Ok(o) => o,
        Err(e) if cfg!(ftpsh_ci) => panic!("{program} is required under CI: {e}"),
        Err(e) => panic!("{program}: {e} (build.rs found it: `touch build.rs` to probe again)"),
    }
}

fn assert_offers(shell: &str, line: &str, candidates: &[String], want: &[&str]) {
    for w in want {
        assert!(
            candidates.iter().any(|c| c == w),
            "{shell}: `{line}<Tab>` does not offer {w}: {candidates:?}"
        );
    }
    assert!(
        !candidates.iter().any(|c| c.contains("generate")),
        "{shell}: `{line}<Tab>` offers the hidden --generate: {candidates:?}"
    );
}

#[test]
fn bash_completion_offers_the_long_options() {
    let script = root().join("completions/ftpsh.bash");
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=(ftpsh --); COMP_CWORD=1; COMP_LINE='ftpsh --'; COMP_POINT=${{#COMP_LINE}}\n\
         _ftpsh ftpsh -- ftpsh\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let home = TempDir::new().unwrap();
    let out = run_shell("bash", home.path(), &["--norc", "-c", &program]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let candidates: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    assert_offers("bash", "ftpsh --", &candidates, LONG_OPTIONS);
}

// --- zsh --------------------------------------------------------------------------------------

/// Drives zsh's completion system without a terminal of our own: an outer zsh starts an
/// interactive `zsh -f` on a pseudo-terminal (zsh/zpty), installs `_ftpsh` the way the README
/// says (a directory on `fpath`, then `compinit`), wraps `compadd` so every match the
/// completion functions add is printed, and types LINE and a Tab. (compinit's dump file, in
/// the test's HOME, makes every run after the first one fast.) The markers bracket what
/// that one Tab printed; the inner shell exits right after, which ends the outer read loop.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); PROMPT=''"
zpty -w z 'autoload -U compinit && compinit -u -d ~/.zcompdump'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -A __hits "$@"; print -rl -- "<ftpsh-cand>"${^__hits}; }'
zpty -w z '_ftpsh_t_begin() { print -r -- $'"'"'\n<ftpsh-begin>'"'"'; }; _ftpsh_t_end() { print -r -- "<ftpsh-end>"; exit; }'
zpty -w z 'compprefuncs=(_ftpsh_t_begin); comppostfuncs=(_ftpsh_t_end)'
zpty -w -n z "$2"$'\t'
while zpty -r z out; do print -rn -- "$out"; done
"#;

/// What zsh offers for LINE followed by Tab, with completions/ as the directory on `fpath`.
fn zsh_candidates(home: &Path, line: &str) -> Vec<String> {
    let driver = home.join("driver.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    let completions = root().join("completions");
    let out = run_shell(
        "zsh",
        home,
        &[
            "-f",
            driver.to_str().unwrap(),
            completions.to_str().unwrap(),
            line,
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let Some(start) = text.rfind("\n<ftpsh-begin>\n") else {
        panic!(
            "zsh never completed `{line}`: {:?}\n{text}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let after = &text[start..];
    let Some(end) = after.find("<ftpsh-end>") else {
        panic!("zsh did not finish completing `{line}`:\n{text}");
    };
    after[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("<ftpsh-cand>"))
        .map(str::to_string)
        .collect()
}

#[test]
#[cfg_attr(ftpsh_skip_zsh, ignore = "zsh not installed")]
fn zsh_completion_offers_the_options_and_hides_generate() {
    let home = TempDir::new().unwrap();
    let h = home.path();
    let all = zsh_candidates(h, "ftpsh --");
    assert_offers("zsh", "ftpsh --", &all, LONG_OPTIONS);

    let t = zsh_candidates(h, "ftpsh --t");
    assert_offers("zsh", "ftpsh --t", &t, &["--timeout", "--tls"]);
    assert!(t.iter().all(|c| c.starts_with("--t")), "{t:?}");
    let n = zsh_candidates(h, "ftpsh --n");
    assert_offers("zsh", "ftpsh --n", &n, &["--netrc-file", "--no-tls"]);
    assert!(n.iter().all(|c| c.starts_with("--n")), "{n:?}");
    // Nothing at all starts with --g: the hidden flag is not there to complete.
    assert_eq!(zsh_candidates(h, "ftpsh --g"), Vec::<String>::new());

    // --netrc-file takes a file: zsh completes a path there.
    std::fs::create_dir(h.join("d")).unwrap();
    std::fs::write(h.join("d/netrc-here"), "").unwrap();
    let files = zsh_candidates(h, "ftpsh --netrc-file d/net");
    assert_eq!(files, vec!["netrc-here"]);
}

// --- fish -------------------------------------------------------------------------------------

/// What fish offers for LINE, with completions/ftpsh.fish installed where the README says
/// (`~/.config/fish/completions/`). `complete -C` prints `candidate<TAB>description` lines.
fn fish_candidates(home: &Path, line: &str) -> Vec<String> {
    let dir = home.join(".config/fish/completions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("completions/ftpsh.fish"),
        dir.join("ftpsh.fish"),
    )
    .unwrap();
    let quoted = line.replace('\'', "\\'");
    let out = run_shell("fish", home, &["-c", &format!("complete -C '{quoted}'")]);
    assert!(
        out.status.success(),
        "fish: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect()
}

#[test]
#[cfg_attr(ftpsh_skip_fish, ignore = "fish not installed")]
fn fish_completion_offers_the_options_and_hides_generate() {
    let home = TempDir::new().unwrap();
    let h = home.path();
    let all = fish_candidates(h, "ftpsh --");
    assert_offers("fish", "ftpsh --", &all, LONG_OPTIONS);

    let t = fish_candidates(h, "ftpsh --t");
    assert_offers("fish", "ftpsh --t", &t, &["--timeout", "--tls"]);
    assert!(t.iter().all(|c| c.starts_with("--t")), "{t:?}");
    let n = fish_candidates(h, "ftpsh --n");
    assert_offers("fish", "ftpsh --n", &n, &["--netrc-file", "--no-tls"]);
    assert!(n.iter().all(|c| c.starts_with("--n")), "{n:?}");
    assert_eq!(fish_candidates(h, "ftpsh --g"), Vec::<String>::new());

    std::fs::create_dir(h.join("d")).unwrap();
    std::fs::write(h.join("d/netrc-here"), "").unwrap();
    let files = fish_candidates(h, "ftpsh --netrc-file d/net");
    assert_eq!(files, vec!["d/netrc-here"]);
}

// --- the man page -----------------------------------------------------------------------------

/// One line of the rendered page: its indentation (0 for a section heading, 7 for what a
/// section holds) and its text with runs of blanks (justification) collapsed.
struct Line {
    indent: usize,
    text: String,
}

/// man/ftpsh.1 rendered by `man -l` as a reader sees it, wide enough that entries do not wrap.
fn rendered_man_page() -> Vec<Line> {
    let page: PathBuf = root().join("man/ftpsh.1");
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "200")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .timeout(Duration::from_secs(60))
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if cfg!(ftpsh_ci) => panic!("man is required under CI: {e}"),
        Err(e) => panic!("man: {e} (build.rs found it: `touch build.rs` to probe again)"),
    };
    assert!(
        out.status.success(),
        "man -l failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A pipe gets no bold or underline, but drop any overstrike (`X\bX`) all the same.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    // groff prints a hyphen as U+2010 and a minus as U+2212 in some locales; a reader types `-`.
    let text = text.replace(['\u{2010}', '\u{2212}'], "-");
    text.lines()
        .map(|l| Line {
            indent: l.len() - l.trim_start().len(),
            text: l.split_whitespace().collect::<Vec<_>>().join(" "),
        })
        .collect()
}

/// The non-empty lines of the section headed `heading`, up to the next heading.
fn man_section<'a>(lines: &'a [Line], heading: &str) -> Vec<&'a Line> {
    let start = lines
        .iter()
        .position(|l| l.indent == 0 && l.text == heading)
        .unwrap_or_else(|| panic!("the man page has no {heading} section"));
    lines[start + 1..]
        .iter()
        .take_while(|l| l.indent > 0 || l.text.is_empty())
        .filter(|l| !l.text.is_empty())
        .collect()
}

fn texts(lines: &[&Line]) -> String {
    lines
        .iter()
        .map(|l| format!("{:>2} {}", l.indent, l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The man page is read as text, by hand-written lists of what must be in it. (The generator's
/// own test compares the page with what the generator writes, which cannot notice the
/// generator dropping a section, a command or an exit code.)
#[test]
#[cfg_attr(ftpsh_skip_man, ignore = "man not installed")]
fn man_page_holds_what_a_reader_needs() {
    let lines = rendered_man_page();

    let name = man_section(&lines, "NAME");
    assert_eq!(
        name.first().map(|l| l.text.as_str()),
        Some("ftpsh - An interactive FTP shell, scriptable from the command line"),
        "NAME:\n{}",
        texts(&name)
    );

    let synopsis = man_section(&lines, "SYNOPSIS");
    let joined: Vec<&str> = synopsis.iter().map(|l| l.text.as_str()).collect();
    let joined = joined.join(" ");
    assert!(joined.starts_with("ftpsh "), "{joined}");
    for want in [
        "[-c|--command CMDS]",
        "[-f|--file FILE]",
        "[-k|--keep-going]",
        "[-u|--user USER]",
        "[--port N]",
        "[--netrc-file FILE]",
        "[--tls]",
        "[--ca-file PEM]",
        "[--timeout SECS]",
        "[URL]",
    ] {
        assert!(joined.contains(want), "SYNOPSIS lacks {want}: {joined}");
    }
    assert!(!joined.contains("generate"), "{joined}");

    // Each option heads an entry of its own, with its argument.
    let options = man_section(&lines, "OPTIONS");
    for want in [
        "-c, --command <CMDS>",
        "-f, --file <FILE>",
        "-u, --user <USER>",
        "--netrc-file <FILE>",
        "--ca-file <PEM>",
        "--timeout <SECS>",
        "--tls",
        "--no-tls",
        "--insecure",
        "--active",
    ] {
        assert!(
            options
                .iter()
                .any(|l| l.text == want || l.text.starts_with(&format!("{want} "))),
            "OPTIONS lacks {want}:\n{}",
            texts(&options)
        );
    }

    // Every REPL command heads an entry at the section's indentation (its options are
    // indented further), and the ones people use most show their whole usage.
    let commands = man_section(&lines, "COMMANDS");
    let base = commands.first().map_or(0, |l| l.indent);
    let heads: Vec<&str> = commands
        .iter()
        .filter(|l| l.indent == base)
        .map(|l| l.text.as_str())
        .collect();
    for cmd in [
        "open", "user", "close", "bye", "status", "features", "quote", "site", "debug", "pwd",
        "cd", "cdup", "lcd", "lpwd", "lls", "shell", "ls", "dir", "nlist", "mkdir", "rmdir", "rm",
        "mv", "size", "modtime", "chmod", "cat", "binary", "ascii", "type", "passive", "get",
        "put", "hash", "help",
    ] {
        assert!(
            heads
                .iter()
                .any(|h| *h == cmd || h.starts_with(&format!("{cmd} "))),
            "COMMANDS lacks {cmd}:\n{}",
            texts(&commands)
        );
    }
    for usage in [
        "open [-u USER] [--port N] [--tls] [--no-tls] [URL]",
        "get [-c] [-n] [-o LOCAL] [-P N] [-r] [--segments N] [--verify] REMOTE...",
        "put [-c] [-o REMOTE] [-r] [-L] [-P N] [--verify] LOCAL...",
        "hash [-a ALGO] REMOTE...",
        "ls [-l] [-a] [-h] [--json] [PATH]",
        "mv FROM TO",
        "chmod MODE FILE...",
    ] {
        assert!(
            heads.contains(&usage),
            "COMMANDS lacks `{usage}`:\n{}",
            texts(&commands)
        );
    }
    for (entry, text) in [
        (
            "-c, --continue",
            "Continue a partial download (LOCAL.part) where it stopped",
        ),
        ("-n, --no-clobber", "Leave existing local files alone"),
        (
            "bye [CODE]",
            "Close the connection and leave ftpsh. Also: quit, exit.",
        ),
        (
            "mv FROM TO",
            "Rename or move a remote file or directory. Also: rename.",
        ),
    ] {
        let at = commands
            .iter()
            .position(|l| l.text == entry)
            .unwrap_or_else(|| panic!("COMMANDS lacks {entry}:\n{}", texts(&commands)));
        let next = commands.get(at + 1).map_or("", |l| l.text.as_str());
        assert!(next.starts_with(text), "{entry}: {next}");
    }

    // The exit status table: every code heads its own entry, with its meaning.
    let status = man_section(&lines, "EXIT STATUS");
    let rows: Vec<&str> = status.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        rows,
        [
            "0 success",
            "1 a command failed (other server refusals)",
            "2 usage error (bad option, unknown command, bad quoting, missing argument)",
            "3 cannot connect (DNS, refused, connect timeout), or serve cannot listen (port in use)",
            "4 login failed (530)",
            "5 remote file or directory not found or not permitted (550/553/450)",
            "6 local file error (cannot read or write, disk full)",
            "7 TLS failure (handshake or certificate)",
            "8 connection lost or timed out mid-command",
            "130 interrupted (Ctrl-C)",
        ],
        "EXIT STATUS:\n{}",
        texts(&status)
    );

    let environment = man_section(&lines, "ENVIRONMENT");
    for (var, text) in [
        (
            "FTPSH_PASSWORD",
            "The password for a named user (instead of a prompt or the command line).",
        ),
        (
            "FTPSH_DATA_DIR",
            "Overrides the directory that holds the history file.",
        ),
        ("NO_COLOR", "When set, listings are not coloured."),
        ("COLUMNS", "The width listings are fitted to."),
    ] {
        let at = environment
            .iter()
            .position(|l| l.text == var)
            .unwrap_or_else(|| panic!("ENVIRONMENT lacks {var}:\n{}", texts(&environment)));
        assert_eq!(
            environment.get(at + 1).map(|l| l.text.as_str()),
            Some(text),
            "ENVIRONMENT {var}"
        );
    }

    let files = man_section(&lines, "FILES");
    for f in ["~/.local/share/ftpsh/history", "~/.netrc"] {
        assert!(
            files.iter().any(|l| l.text == f),
            "FILES lacks {f}:\n{}",
            texts(&files)
        );
    }
    let urls = man_section(&lines, "URLS");
    assert!(
        urls.iter().any(|l| l
            .text
            .contains("ftp://[user[:password]@]host[:port][/path]")),
        "URLS:\n{}",
        texts(&urls)
    );
    let examples = man_section(&lines, "EXAMPLES");
    assert!(
        examples
            .iter()
            .any(|l| l.text == "ftpsh -c \"get ftp://ftp.example.org/pub/README\""),
        "EXAMPLES:\n{}",
        texts(&examples)
    );

    // No roff escape leaked into the text (a generator that stopped escaping).
    let all: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let all = all.join("\n");
    assert!(!all.contains("\\f") && !all.contains("\\-") && !all.contains("\\e"));
}
