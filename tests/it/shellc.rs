//! The shell's own comforts (issue 10): aliases, output redirection (`>`, `>>`, `|`),
//! `history`, `echo` and `lls -l`/`-a`, against the in-process server.

use std::os::unix::fs::PermissionsExt;

use expectrl::{Expect, Regex};

use crate::pty::spawn_shell;
use crate::util::{Env, pattern, stderr_of, stdout_of};

/// `ftpsh URL -q -c CMDS` (quiet: stderr holds warnings and errors only).
fn run(env: &Env, cmds: &str) -> std::process::Output {
    env.cmd()
        .args([&env.url(), "-q", "-c", cmds])
        .output()
        .unwrap()
}

#[test]
fn aliases_expand_single_multi_command_and_append_words() {
    let env = Env::new();
    std::fs::create_dir(env.remote("pub")).unwrap();
    let out = run(
        &env,
        "alias say 'echo one'; say two three; alias up 'cd pub; echo in'; up pub; pwd; alias",
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "one two three\nin pub\n/pub\nalias say 'echo one'\nalias up 'cd pub; echo in'\n"
    );
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn recursive_aliases_are_a_usage_error() {
    let env = Env::new();
    let out = run(&env, "alias a 'echo x; b'; alias b a; a; echo after");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "a: alias loop: a -> b -> a\n");
    // The first command of the loop ran once; nothing after the loop ran.
    assert_eq!(stdout_of(&out), "x\n");

    // An alias that names itself reaches the built-in command: no loop, no warning.
    env.remote_file(".hidden", b"");
    env.remote_file("shown", b"");
    let out = run(&env, "alias ls 'ls -a'; ls");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), ".hidden\nshown\n");
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn an_alias_hiding_a_builtin_warns_and_wins() {
    let env = Env::new();
    let out = run(&env, "alias pwd 'echo mine'; pwd; unalias pwd; pwd");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "mine\n/\n");
    assert_eq!(
        stderr_of(&out),
        "ftpsh: warning: alias pwd hides the built-in command pwd: 'pwd' now runs the alias \
         ('unalias pwd' brings it back)\n"
    );
    let out = run(&env, "unalias nope");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_of(&out), "unalias: nope: no such alias\n");
}

#[test]
fn redirects_write_truncate_and_append_exact_bytes() {
    let env = Env::new();
    env.local_file("out", b"old contents that must go\n");
    env.remote_file("a.txt", b"");
    env.remote_file("b.txt", b"");
    let out = run(
        &env,
        "echo first > out; echo second >> out; ls > list; ls >> list; echo 'a > b' \"c|d\"",
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("out")).unwrap(), b"first\nsecond\n");
    assert_eq!(
        std::fs::read(env.local("list")).unwrap(),
        b"a.txt\nb.txt\na.txt\nb.txt\n"
    );
    // Quoted operators are text, and nothing was created for them.
    assert_eq!(stdout_of(&out), "a > b c|d\n");
    assert!(!env.local("b").exists() && !env.local("b'").exists());
}

#[test]
fn cat_of_a_binary_file_through_a_redirect_is_byte_identical() {
    let env = Env::new();
    let body = pattern(700_000, 11);
    env.remote_file("bin.dat", &body);
    let out = run(&env, "cat bin.dat > copy.dat");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("copy.dat")).unwrap(), body);
    assert_eq!(stdout_of(&out), "");
}

#[test]
fn pipes_feed_a_shell_pipeline_and_its_status_counts_only_on_success() {
    let env = Env::new();
    env.remote_file("f.txt", b"alpha\nbeta\ngamma\n");
    let out = run(&env, "cat f.txt | grep a | tr a-z A-Z; echo done");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "ALPHA\nBETA\nGAMMA\ndone\n");

    // The command succeeded, the pipeline failed: the pipeline's failure.
    let out = run(&env, "cat f.txt | grep nomatch");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_of(&out),
        "cat: pipeline 'grep nomatch' exited with status 1\n"
    );
    // The command failed: its own error and code stand, the pipeline's status does not
    // (-k: the line goes on, so a second error would show).
    let out = env
        .cmd()
        .args([
            &env.url(),
            "-q",
            "-k",
            "-c",
            "cat missing.txt | false; echo after",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("cat: missing.txt: 550"), "{err}");
    assert_eq!(stdout_of(&out), "after\n");
}

#[test]
fn a_pipeline_that_stops_reading_does_not_end_the_shell() {
    let env = Env::new();
    let body = pattern(4 << 20, 3);
    env.remote_file("big.bin", &body);
    let out = run(&env, "cat big.bin | head -c 5 > head.out; echo after");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "after\n");
    assert_eq!(std::fs::read(env.local("head.out")).unwrap(), &body[..5]);
}

#[test]
fn bad_redirects_are_usage_or_local_errors() {
    let env = Env::new();
    for (line, msg) in [
        ("echo x >", ">: missing file name after '>'\n"),
        ("echo x |", "|: missing command after '|'\n"),
        (
            "echo x > a b",
            ">: one file name expected after '>', got 'a b'\n",
        ),
    ] {
        let out = run(&env, line);
        assert_eq!(out.status.code(), Some(2), "{line}");
        assert_eq!(stderr_of(&out), msg, "{line}");
    }
    std::fs::create_dir(env.local("adir")).unwrap();
    let out = run(&env, "echo x > adir");
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(stderr_of(&out), "echo: adir: Is a directory\n");
    assert_eq!(std::fs::read_dir(env.local("adir")).unwrap().count(), 0);
}

#[test]
fn history_shows_numbered_lines_and_clears_the_file() {
    let env = Env::new();
    let file = env.home.path().join("data/history");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "#V2\nls -l\ncd pub\nget x\n").unwrap();
    let out = env
        .cmd()
        .args(["-c", "history; history 2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "    1  ls -l\n    2  cd pub\n    3  get x\n    2  cd pub\n    3  get x\n"
    );
    let out = env
        .cmd()
        .args(["-c", "history -c; history"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    assert!(!file.exists());
    // Nothing to clear is no error; a history that cannot be removed is (a directory in
    // its place: root may remove any file).
    let out = env.cmd().args(["-c", "history -c"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    std::fs::create_dir(&file).unwrap();
    let out = env.cmd().args(["-c", "history -c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("history: {}: ", file.display())),
        "{err}"
    );
}

/// In the shell, `history` shows the lines typed so far (itself last), and after
/// `history -c` only what is typed afterwards.
#[test]
fn history_in_the_shell_lists_and_clears_typed_lines() {
    let env = Env::new();
    let mut p = spawn_shell(&env, &[]);
    p.expect("ftpsh> ").unwrap();
    p.send_line("echo one").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("history").unwrap();
    p.expect(Regex(r"\n    1  echo one\r?\n    2  history\r?\n"))
        .unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("history -c").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("echo two").unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("history").unwrap();
    // Numbered afresh: the lines before `history -c` are gone.
    p.expect(Regex(r"\n    1  echo two\r?\n    2  history\r?\n"))
        .unwrap();
    p.expect("ftpsh> ").unwrap();
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
    let saved = std::fs::read_to_string(env.home.path().join("data/history")).unwrap();
    assert_eq!(saved, "#V2\necho two\nhistory\nbye\n");
}

#[test]
fn echo_prints_its_words() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["-c", "echo; echo -n 'two  spaces' --help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "\n-n two  spaces --help\n");
}

#[test]
fn lls_long_and_all() {
    let env = Env::new();
    let f = env.local_file("f", b"hello");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    env.local_file(".hidden", b"");
    std::fs::create_dir(env.local("d")).unwrap();
    std::fs::set_permissions(env.local("d"), std::fs::Permissions::from_mode(0o750)).unwrap();
    let out = env.cmd().args(["-c", "lls; lls -a"]).output().unwrap();
    assert_eq!(stdout_of(&out), "d\nf\n.hidden\nd\nf\n");
    let out = env.cmd().args(["-c", "lls -l"]).output().unwrap();
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    // `YYYY-MM-DD HH:MM` between the size and the name.
    let date_ok = |d: &str| {
        d.len() == 16
            && d.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 => c == ':',
                _ => c.is_ascii_digit(),
            })
    };
    for (line, head, name) in [
        (lines[0], "drwxr-x--- - ", " d"),
        (lines[1], "-rw-r----- 5 ", " f"),
    ] {
        let date = line
            .strip_prefix(head)
            .and_then(|r| r.strip_suffix(name))
            .unwrap_or_else(|| panic!("{line:?}"));
        assert!(date_ok(date), "{line:?}");
    }
}

/// Aliases that double at each level (`a0` = `a1; a1`, ...) would give 32,768 commands: the
/// line stops at the budget with one error, and nothing more runs.
#[test]
fn an_alias_that_doubles_at_each_level_stops_at_the_budget() {
    let env = Env::new();
    let mut line: String = (0..15)
        .map(|i| format!("alias a{i} 'a{n}; a{n}'; ", n = i + 1))
        .collect();
    line.push_str("alias a15 'echo'; a0; echo after");
    let out = env.cmd().args(["-k", "-c", &line]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        "a0: the line expands to more than 10000 commands (aliases); nothing more was run\n"
    );
    assert_eq!(stdout_of(&out), "\n".repeat(10_000));
}
