//! Regression tests for defects found by using the first version as people would: secrets in
//! the history, quadratic line splitting, line breaks smuggled into FTP commands, `exit N`
//! out of range, `~` in local paths, the progress bar in narrow terminals, and history lost
//! when the terminal goes away. Each test is named after what broke.

use std::path::Path;
use std::time::{Duration, Instant};

use expectrl::{ControlCode, Eof, Expect, Regex};

use crate::pty::{slow_server, spawn_shell, spawn_shell_in};
use crate::util::{Env, ftpsh, stderr_of, stdout_of, wait_until};

fn history(home: &Path) -> String {
    std::fs::read_to_string(home.join("data/history")).unwrap_or_default()
}

// --- item 6: passwords in history and in the "bad URL" error ---------------------------------

/// A `/` in the password made the URL parser see `bar` as the host and `Pa55` as a bad port;
/// the error then echoed the whole URL, password included.
#[test]
fn bad_url_error_does_not_echo_a_password_with_a_slash() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["-c", "open ftp://bar:Pa55/word@host"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("Pa55") && !err.contains("word@"), "{err}");
    assert!(err.contains("ftp://bar@host"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The same URL on the command line.
    let out = env
        .cmd()
        .args(["ftp://bar:Pa55/word@host", "-c", "pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("Pa55"), "{err}");
}

/// Lines that fail (an unbalanced quote, a URL the parser misreads, a refused `quote PASS`)
/// were stored in the history file with their secrets.
#[test]
fn failing_lines_leave_no_secret_in_the_history_file() {
    let env = Env::new();
    let mut p = spawn_shell(&env, &[]);
    p.expect("ftpsh> ").unwrap();
    p.send_line("user bar 'S3cret").unwrap();
    p.expect("unterminated quote").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("open ftp://bar:Pa55/word@host").unwrap();
    p.expect("bad URL").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("quote \"PASS Qu0ted\"").unwrap();
    p.expect("not connected").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("cd x; user bob \"Dq-S3cret").unwrap();
    p.expect("unterminated quote").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let h = history(env.home.path());
    for secret in ["S3cret", "Pa55", "word", "Qu0ted", "PASS"] {
        assert!(!h.contains(secret), "{secret} in history:\n{h}");
    }
    // What can be kept is kept.
    let lines: Vec<&str> = h.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        vec!["user", "open ftp://bar@host", "cd x; user", "bye"],
        "{h}"
    );
}

// --- item 20: history written as lines are entered ------------------------------------------

/// History was written only on a clean exit: closing the terminal (SIGHUP) or a kill lost
/// every line of the session.
#[test]
fn history_survives_a_closed_or_killed_terminal() {
    for signal in ["HUP", "KILL"] {
        let env = Env::new();
        let mut p = spawn_shell(&env, &[]);
        p.expect("ftpsh> ").unwrap();
        p.send_line("lpwd").unwrap();
        p.expect("ftpsh> ").unwrap();
        p.send_line("user bob Hidden-Pw").unwrap();
        p.expect("ftpsh> ").unwrap();
        // The line is on disk before the shell is gone (scrubbed).
        wait_until("history lines on disk", || {
            history(env.home.path()).contains("user bob")
        });
        let pid = p.get_process().pid().to_string();
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()
            .unwrap();
        assert!(status.success());
        // Reap it, bounded: `exit(true)` ends with SIGKILL if the shell is still there.
        let _ = p.expect(Eof);
        let _ = p.get_process_mut().exit(true);
        let h = history(env.home.path());
        assert!(h.contains("lpwd"), "SIG{signal}: {h}");
        assert!(h.contains("user bob"), "SIG{signal}: {h}");
        assert!(!h.contains("Hidden-Pw"), "SIG{signal}: {h}");
    }
}

// --- item 9: quadratic line splitting --------------------------------------------------------

/// 40,000 `;`-separated commands took 5 s and 80,000 took 16 s before the first ran.
/// Linux caps one argument at 128 KiB, so `-c` carries 32,000 commands; a script line
/// (`-f`) carries 200,000 (1 MB).
#[test]
fn many_commands_on_one_line_are_refused_fast() {
    let env = Env::new();
    let line = "pwd;".repeat(32_000);
    let script = env.local_file("script.ftp", "pwd; ".repeat(200_000).as_bytes());
    for args in [
        vec!["-c", line.as_str()],
        vec!["-f", script.to_str().unwrap()],
    ] {
        let t = Instant::now();
        let out = ftpsh(env.local.path(), env.home.path())
            .args(&args)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        let took = t.elapsed();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(
            err,
            "pwd: no server: give a URL or host, or set default in config.toml\n"
        );
        // Generous: the split takes milliseconds; the old code took many seconds.
        assert!(took < Duration::from_secs(5), "{}: {took:?}", args[0]);
    }
}

/// The same with -k parses and runs every command: 50,000 parses reuse one clap table.
#[test]
fn fifty_thousand_commands_with_keep_going_all_run() {
    let env = Env::new();
    let script = env.local_file("script.ftp", "lpwd; ".repeat(50_000).as_bytes());
    let t = Instant::now();
    let out = ftpsh(env.local.path(), env.home.path())
        .args(["-k", "-f", script.to_str().unwrap()])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 50_000);
    assert!(took < Duration::from_secs(20), "{took:?}");
}

// --- item 13: CR/LF in arguments, exit codes out of range ------------------------------------

/// `quote "NOOP\r\nDELE x"` sent two commands (the DELE ran), and `cd "a\nb"` ended in
/// exit 8 and a reconnect. Both are usage errors caught before anything is sent.
#[test]
fn line_break_in_an_argument_is_a_usage_error_and_nothing_is_sent() {
    for (line, name) in [
        ("quote \"NOOP\r\nDELE victim.txt\"", "quote"),
        ("quote \"NOOP\nDELE victim.txt\"", "quote"),
        ("site \"CHMOD 644 a\r\nDELE victim.txt\"", "site"),
        ("cd \"a\r\nDELE victim.txt\"", "cd"),
        ("rm \"a\nDELE victim.txt\"", "rm"),
        ("mv a \"b\r\nDELE victim.txt\"", "mv"),
        ("get \"a\r\nDELE victim.txt\"", "get"),
    ] {
        let env = Env::new();
        let victim = env.remote_file("victim.txt", b"still here");
        let out = env.run(line).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{line:?}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert_eq!(
            last,
            format!(
                "{name}: an argument contains a line break (CR or LF), which would end the \
                 FTP command early; nothing was sent"
            ),
            "{line:?}"
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"still here", "{line:?}");
        assert!(!err.contains("reconnect"), "{err}");
    }
    // With -k the connection is still good for the next command: no reconnect.
    let env = Env::new();
    let out = env.run("cd \"a\nb\"; pwd").arg("-k").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_of(&out), "/\n");
    assert!(
        !stderr_of(&out).contains("reconnect"),
        "{}",
        stderr_of(&out)
    );
}

/// `exit 256` exited with status 0 (and said nothing); `exit -1` with 255.
#[test]
fn exit_code_outside_0_to_255_is_a_usage_error() {
    let env = Env::new();
    for (line, shown) in [
        ("exit 256", "256"),
        ("quit -1", "-1"),
        ("bye 99999", "99999"),
    ] {
        let out = env.run(line).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{line}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert_eq!(
            last,
            format!(
                "bye: invalid value '{shown}' for '[CODE]': {shown} is not in 0..=255 \
                 (usage: bye [CODE])"
            ),
            "{line}"
        );
    }
    let out = env.run("exit 255").output().unwrap();
    assert_eq!(out.status.code(), Some(255));
    let out = env.run("exit 7").output().unwrap();
    assert_eq!(out.status.code(), Some(7));
}

// --- item 18: `~` in local paths -----------------------------------------------------------

/// `lcd ~`, `lls ~`, `put ~/f` and `get x -o ~/x` took `~` as a directory named `~`.
#[test]
fn tilde_in_local_paths_means_home() {
    let env = Env::new();
    let home = env.home.path();
    std::fs::write(home.join("up.txt"), b"from home").unwrap();
    env.remote_file("down.txt", b"to home");
    let out = env
        .run("lls ~; put ~/up.txt; get down.txt -o ~/down.txt; lcd ~; lpwd")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert!(stdout.lines().any(|l| l == "up.txt"), "{stdout}");
    assert_eq!(
        stdout.lines().last().unwrap(),
        home.canonicalize().unwrap().display().to_string()
    );
    assert_eq!(std::fs::read(env.remote("up.txt")).unwrap(), b"from home");
    assert_eq!(std::fs::read(home.join("down.txt")).unwrap(), b"to home");
    assert!(!env.local("~").exists());
    // `~user` stays literal (documented): a missing local file, not someone's home.
    let out = env.run("put ~nobody/up.txt").output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("~nobody/up.txt"),
        "{}",
        stderr_of(&out)
    );
}

/// Tab after `put ~/` listed nothing (the completer looked for a directory named `~`).
#[test]
fn tab_completes_local_paths_under_tilde() {
    let env = Env::new();
    std::fs::write(env.home.path().join("upload-me.txt"), b"tab").unwrap();
    let mut p = spawn_shell(&env, &[&env.url()]);
    p.expect(Regex(r":/> ")).unwrap();
    p.send("put ~/uplo\t").unwrap();
    p.expect("put ~/upload-me.txt ").unwrap();
    p.send("\r").unwrap();
    p.expect("put: upload-me.txt: 3 bytes").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    // `~` alone completes to `~/`.
    p.send("lls ~\t").unwrap();
    p.expect("lls ~/").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    assert_eq!(std::fs::read(env.remote("upload-me.txt")).unwrap(), b"tab");
}

// --- item 19: the progress bar in a narrow terminal ------------------------------------------

/// Removes ANSI escape sequences (CSI) from terminal output.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for n in chars.by_ref() {
                    if n.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Below 80 columns the bar shrank to `[]` and its line wrapped, leaving fragments of old
/// frames on screen. In a 50-column terminal every frame fits on its line.
#[test]
fn progress_bar_fits_a_narrow_terminal() {
    let slow = slow_server("226 Abort successful");
    let env = Env::new();
    let mut p = spawn_shell_in(env.local.path(), env.home.path(), &[&slow.url()]);
    p.get_process_mut().set_window_size(50, 24).unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("get slow.bin").unwrap();
    let seen = p.expect("get: slow.bin: 1966080 bytes").unwrap();
    let raw = String::from_utf8_lossy(seen.before()).into_owned();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let text = strip_ansi(&raw);
    let frames: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|f| f.contains("slow.bin") && f.contains('['))
        .collect();
    assert!(!frames.is_empty(), "no progress frame in {raw:?}");
    for f in &frames {
        let cols = f.chars().count();
        assert!(cols <= 50, "{cols} columns: {f:?}");
        assert!(!f.contains("[]"), "{f:?}");
    }
}

// --- README and CI ---------------------------------------------------------------------------

/// The README's interop recipe had drifted from `.ci/run` (other packages, another way to
/// create the user): every command of the recipe must be a command `.ci/run` runs.
#[test]
fn readme_interop_recipe_matches_ci_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    // `.ci/run` names the user and password in variables.
    let ci = ci
        .replace("$test_user", "ftpsh-test")
        .replace("$test_password", "ftpsh-test-pw");
    let normal = |l: &str| {
        let l = l.split(" #").next().unwrap_or("");
        l.replace('"', "")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ci_lines: Vec<String> = ci.lines().map(normal).collect();
    let section = readme
        .split("## Interop tests")
        .nth(1)
        .expect("README has an Interop tests section");
    let recipe = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("an sh block in Interop tests");
    let mut checked = 0;
    for line in recipe.lines().map(normal).filter(|l| !l.is_empty()) {
        if line.starts_with("cargo test") {
            continue;
        }
        assert!(
            ci_lines.contains(&line),
            "README runs `{line}`, which .ci/run does not"
        );
        checked += 1;
    }
    assert!(checked >= 8, "{recipe}");
    // And what .ci/run installs, the README installs.
    for needle in [
        "vsftpd",
        "proftpd-core proftpd-mod-crypto pure-ftpd",
        "groff-base man-db",
        "zsh fish",
        "pyftpdlib",
        "useradd",
        "chpasswd",
    ] {
        assert!(recipe.contains(needle), "README recipe lacks {needle}");
    }
}
