//! The interactive shell driven through a real pseudo-terminal (expectrl): prompt, Tab
//! completion, `open`, `ls`, `cd`, a `get` with its progress bar, Ctrl-C during a transfer and
//! a working shell afterwards, `bye`.

use std::path::Path;
use std::time::Duration;

use expectrl::{ControlCode, Eof, Expect, Regex, Session};

use crate::fake::{Action, FakeServer, default_script};
use crate::util::Env;

/// `ftpsh` in a pseudo-terminal with the test environment of `util::ftpsh`.
pub fn spawn_shell(env: &Env, args: &[&str]) -> expectrl::session::OsSession {
    spawn_shell_in(env.local.path(), env.home.path(), args)
}

pub fn spawn_shell_in(cwd: &Path, home: &Path, args: &[&str]) -> expectrl::session::OsSession {
    let mut cmd = crate::util::ftpsh_std(cwd, home);
    cmd.args(args).env("COLUMNS", "100").env("TERM", "xterm");
    let mut p = Session::spawn(cmd).expect("spawn ftpsh in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p
}

fn verb(c: &str) -> String {
    c.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// A server whose downloads trickle (64 KiB every 20 ms) so progress is visible and a
/// transfer can be interrupted half-way. `abor_reply` is its answer to ABOR.
pub fn slow_server(abor_reply: &'static str) -> FakeServer {
    FakeServer::start(move |c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("");
        match (verb(c).as_str(), arg) {
            ("SIZE", "slow.bin") => Action::Reply(format!("213 {}", 30 * 65536)),
            ("SIZE", "endless.bin") => Action::Reply(format!("213 {}", 10_000 * 65536)),
            ("RETR", name) => Action::Trickle {
                preliminary: "150 Opening BINARY mode data connection".into(),
                chunk: vec![b'z'; 65536],
                count: if name == "slow.bin" { 30 } else { 10_000 },
                every: Duration::from_millis(20),
                then: "226 Transfer complete".into(),
            },
            ("ABOR", _) => Action::Reply(abor_reply.into()),
            ("LIST", _) => Action::Data {
                preliminary: "150 Here comes the listing".into(),
                data: b"-rw-r--r-- 1 u g 1966080 Jan 01 2024 slow.bin\r\n".to_vec(),
                cut: false,
                then: "226 Done".into(),
            },
            _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
        }
    })
}

#[test]
fn interactive_session_end_to_end() {
    let env = Env::new();
    env.remote_file("pub/README", b"hello\n");
    env.remote_file("pub/sub/x", b"");
    let slow = slow_server("226 Abort successful");
    let mut p = spawn_shell(&env, &[]);
    p.expect("ftpsh> ").unwrap();

    // Tab completes a command name from the table.
    p.send("stat").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    p.expect("status ").unwrap();
    p.send("\r").unwrap();
    p.expect("Not connected").unwrap();
    p.expect("ftpsh> ").unwrap();

    p.send_line(format!("open {}", env.url())).unwrap();
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("ls").unwrap();
    p.expect("pub/").unwrap();
    p.send_line("cd pub").unwrap();
    p.expect(Regex(r":/pub> ")).unwrap();
    p.send_line("get README").unwrap();
    p.expect("get: README: 6 bytes").unwrap();
    p.expect(Regex(r":/pub> ")).unwrap();

    // A transfer long enough to show its progress bar, which the summary replaces.
    p.send_line(format!("open {}", slow.url())).unwrap();
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("get slow.bin").unwrap();
    p.expect(Regex(r"slow\.bin.*\[.*\] .*ETA")).unwrap();
    p.expect("get: slow.bin: 1966080 bytes").unwrap();
    // rustyline discards what is typed before its prompt: wait for the prompt.
    p.expect(Regex(r":/> ")).unwrap();

    // Ctrl-C aborts the transfer, keeps the .part, and the shell stays usable.
    p.send_line("get endless.bin").unwrap();
    p.expect(Regex(r"endless\.bin.*ETA")).unwrap();
    // The bar is drawn before the first byte arrives, and an interrupted download that got
    // no byte rightly leaves no .part: press Ctrl-C once bytes are on disk.
    crate::util::wait_for_bytes(&env.local("endless.bin.part"));
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("get: endless.bin: interrupted").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("ls").unwrap();
    p.expect("slow.bin").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    // `get README` in the remote pub/ wrote README here, not under a local pub/.
    assert_eq!(std::fs::read(env.local("README")).unwrap(), b"hello\n");
    assert!(!env.local("pub").exists());
    // What arrived is kept, and it is the server's bytes (a size is no proof of content).
    let kept = std::fs::read(env.local("endless.bin.part")).unwrap();
    assert!(
        !kept.is_empty() && kept.iter().all(|&b| b == b'z'),
        "{} bytes kept",
        kept.len()
    );
    assert!(!env.local("endless.bin").exists());
    assert!(std::fs::read(env.local("slow.bin")).unwrap() == vec![b'z'; 30 * 65536]);
    assert!(slow.commands().iter().any(|c| c == "ABOR"));

    // Ctrl-C at the prompt clears the line; bye leaves with status 0.
    // (Wait for each prompt: rustyline discards typed-ahead input when it starts reading.)
    p.send("garbage").unwrap();
    p.expect("garbage").unwrap();
    p.send(ControlCode::EndOfText).unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let status = p.get_process_mut().wait().unwrap();
    // nix's WaitStatus is not re-exported; its Debug form is `Exited(Pid(n), 0)`.
    let status = format!("{status:?}");
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 0)"),
        "{status}"
    );
    // The history was appended.
    let history = std::fs::read_to_string(env.home.path().join("data/history")).unwrap();
    assert!(history.contains("get slow.bin"), "{history}");
    assert!(!history.contains("garbage"), "{history}");
}

/// Lines typed or pasted ahead, in one burst, are each run in turn. rustyline read them
/// into a buffer it dropped when its first line was done (its `buffer-redux` feature keeps
/// the buffer between lines).
#[test]
fn lines_typed_ahead_in_one_burst_all_run() {
    let env = Env::new();
    let mut p = spawn_shell(&env, &[]);
    p.expect("ftpsh> ").unwrap();
    p.send("echo one\recho two\recho three\r").unwrap();
    for word in ["one", "two", "three"] {
        p.expect(Regex(format!(r"\r\n{word}\r\n"))).unwrap();
    }
    p.expect("ftpsh> ").unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
}

#[test]
fn password_prompt_echoes_nothing_and_history_is_scrubbed() {
    let env = Env::with(crate::server::ServerOpts {
        user: Some(("alice".into(), "Hidden-Pw-42".into())),
        ..Default::default()
    });
    let mut p = spawn_shell(&env, &[]);
    p.expect("ftpsh> ").unwrap();
    p.send_line(format!("open --user alice {}", env.url()))
        .unwrap();
    p.expect("Password for alice@127.0.0.1: ").unwrap();
    p.send_line("Hidden-Pw-42").unwrap();
    let seen = p
        .expect(Regex(r"ftpsh alice@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    // The typed password is not echoed.
    let echoed = String::from_utf8_lossy(seen.before()).into_owned();
    assert!(!echoed.contains("Hidden-Pw-42"), "{echoed:?}");
    let url = env.url().replace("ftp://", "ftp://alice:Hidden-Pw-42@");
    p.send_line(format!("open {url}")).unwrap();
    p.expect(Regex(r"ftpsh alice@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("user alice Hidden-Pw-42").unwrap();
    p.expect(Regex(r"ftpsh alice@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let history = std::fs::read_to_string(env.home.path().join("data/history")).unwrap();
    assert!(!history.contains("Hidden-Pw-42"), "{history}");
    assert!(history.contains("user alice"), "{history}");
}

#[test]
fn tab_completes_commands_remote_and_local_paths() {
    let env = Env::new();
    env.remote_file("readme.txt", b"r");
    env.remote_file("pub/debian/README", b"d");
    env.remote_file("pub/docs/x", b"");
    env.remote_file("dir with space/inner.txt", b"s");
    env.local_file("local file.bin", b"upload me");
    let mut p = spawn_shell(&env, &[&env.url()]);
    p.expect(Regex(r":/> ")).unwrap();

    // A command prefix.
    // Lines are cleared with Ctrl-U, not Ctrl-C: Ctrl-C restarts the line editor, which
    // discards input typed before its next prompt, and an old prompt may still be unread.
    p.send("hel\t").unwrap();
    p.expect("help ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();

    // A remote file, completed and then run as completed.
    p.send("get rea\t").unwrap();
    p.expect("get readme.txt ").unwrap();
    p.send("\r").unwrap();
    p.expect("get: readme.txt: 1 bytes").unwrap();
    p.expect(Regex(r":/> ")).unwrap();

    // A directory inside a subdirectory, then a file inside it.
    p.send("ls pub/deb\t").unwrap();
    p.expect("ls pub/debian/").unwrap();
    p.send("\t").unwrap();
    p.expect("pub/debian/README ").unwrap();
    p.send("\r").unwrap();
    p.expect(Regex(r"README\r?\n")).unwrap();
    p.expect(Regex(r":/> ")).unwrap();

    // cd offers directories only: two Tabs list the candidates.
    p.send("cd \t\t").unwrap();
    let listed = p.expect("pub/").unwrap();
    let shown = String::from_utf8_lossy(listed.before()).into_owned();
    assert!(shown.contains("dir with space/"), "{shown:?}");
    assert!(!shown.contains("readme.txt"), "{shown:?}");
    p.expect(Regex(r":/> cd ")).unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();

    // That listing of / is cached now. A raw command may have changed anything: the cache
    // is dropped, and the directory it made is offered.
    p.send_line("quote MKD newdir").unwrap();
    p.expect("257").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send("cd new\t").unwrap();
    p.expect("cd newdir/").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();

    // A remote name with a space comes back quoted and the parser reads it as one name.
    p.send("cd dir\t").unwrap();
    p.expect("cd dir\\ with\\ space/").unwrap();
    p.send("\r").unwrap();
    p.expect(":/dir with space> ").unwrap();

    // Names of the new working directory, not of the last one listed (whose cache entry
    // must not be taken for this one's).
    p.send("get inn\t").unwrap();
    p.expect("get inner.txt ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();

    // A local path for put.
    p.send("put loc\t").unwrap();
    p.expect("put local\\ file.bin ").unwrap();
    p.send("\r").unwrap();
    p.expect("put: local file.bin: 9 bytes").unwrap();
    p.expect(Regex(r":/dir with space> ")).unwrap();

    // The upload changed this directory, whose listing was cached for the `get` above:
    // the new file is offered.
    p.send("get loc\t").unwrap();
    p.expect("get local\\ file.bin ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    assert_eq!(
        std::fs::read(env.remote("dir with space/local file.bin")).unwrap(),
        b"upload me"
    );
    assert_eq!(std::fs::read(env.local("readme.txt")).unwrap(), b"r");
}

/// libunftp answers ABOR with 226 and only later sends the 426 of the aborted transfer, so
/// the next reply read belongs to the wrong command. The NOOP after ABOR catches it and the
/// next command reconnects instead of reading out of step.
#[test]
fn late_426_after_abor_leads_to_a_clean_reconnect() {
    let env = Env::new();
    let slow = slow_server("226 Abort OK\n426 Connection closed; transfer aborted");
    let mut p = spawn_shell(&env, &[&slow.url()]);
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("get endless.bin").unwrap();
    p.expect(Regex(r"endless\.bin.*ETA")).unwrap();
    crate::util::wait_for_bytes(&env.local("endless.bin.part"));
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("get: endless.bin: interrupted").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("ls").unwrap();
    p.expect("reconnecting").unwrap();
    p.expect("slow.bin").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let logins = slow
        .commands()
        .iter()
        .filter(|c| c.starts_with("USER"))
        .count();
    assert_eq!(logins, 2, "{:?}", slow.commands());
}

/// `put -P 2` in the shell draws a total line and a bar per file while the files go, and
/// leaves nothing of them behind: the screen (what a terminal shows of the bytes, emulated
/// by vt100) ends with the two transfer lines, the summary and the prompt. A bar that drew
/// itself before it joined the others, or a line written behind their back, left stale bars.
#[test]
fn parallel_put_leaves_no_stale_progress_bars_on_the_screen() {
    let env = Env::with(crate::server::ServerOpts {
        throttle: Some(256 * 1024),
        ..crate::server::ServerOpts::default()
    });
    for name in ["a.bin", "b.bin"] {
        env.local_file(name, &crate::util::pattern(512 * 1024, 3));
    }
    let url = env.url();
    let mut p = spawn_shell(&env, &[&url]);
    p.get_process_mut().set_window_size(100, 30).unwrap();
    let mut seen = p.expect(Regex(r":/> ")).unwrap().as_bytes().to_vec();
    p.send_line("put -P 2 a.bin b.bin").unwrap();
    seen.extend_from_slice(p.expect("0 failed;").unwrap().as_bytes());
    seen.extend_from_slice(p.expect(Regex(r":/> ")).unwrap().as_bytes());
    let raw = String::from_utf8_lossy(&seen);
    // The bars were drawn (else there is nothing to leave behind), the total line from the
    // start, not only once a file is done.
    let first_done = ["put: a.bin: ", "put: b.bin: "]
        .iter()
        .filter_map(|l| raw.find(l))
        .min()
        .unwrap_or_else(|| panic!("{raw:?}"));
    assert!(
        raw.find("put 0/2 files [").is_some_and(|i| i < first_done),
        "{raw:?}"
    );
    assert!(raw[..first_done].contains("ETA"), "{raw:?}");

    let mut term = vt100::Parser::new(
        std::num::NonZeroU16::new(30).unwrap(),
        std::num::NonZeroU16::new(100).unwrap(),
        0,
    );
    term.process(&seen);
    let screen = term.screen().contents();
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with("put -P 2 a.bin b.bin"))
        .unwrap_or_else(|| panic!("{screen}"));
    let mut after: Vec<&str> = lines[at + 1..]
        .iter()
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(after.len(), 4, "{screen}");
    assert!(after.pop().unwrap().ends_with(":/>"), "{screen}");
    assert!(
        after
            .pop()
            .unwrap()
            .starts_with("put: 2 files: 2 done, 0 skipped, 0 failed; 1048576 bytes in "),
        "{screen}"
    );
    after.sort();
    assert!(
        after[0].starts_with("put: a.bin: 524288 bytes in ")
            && after[1].starts_with("put: b.bin: 524288 bytes in "),
        "{screen}"
    );
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    let _ = p.get_process_mut().exit(true);
}
