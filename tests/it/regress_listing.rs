//! Regression tests for listings and for server text on the terminal, each named after what
//! broke: listings without a size cap (an endless or million-entry listing exhausted memory),
//! `ls` of a missing path on vsftpd saying nothing, terminal escapes from MLSD facts, the
//! `-v` trace and the banner, `quote ACCT` unmasked in the trace, multi-line replies cut to
//! their first line in the trace, a huge `COLUMNS` spinning the column layout, and dates.
//!
//! The scripted fake server (tests/it/fake.rs) plays the servers that misbehave; vsftpd the
//! one real server with the empty-listing quirk.

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use expectrl::{Eof, Expect};

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::interop;
use crate::util::{Env, ftpsh_std, stderr_of, stdout_of};

/// FEAT of a server that offers MLSD.
const FEAT_MLST: &str =
    "211-Features:\n SIZE\n MDTM\n EPSV\n PASV\n MLST type*;size*;modify*;perm*;\n UTF8\n211 End";

/// How long any one of these runs may take: a listing that is not stopped runs forever.
const BOUND: Duration = Duration::from_secs(60);

/// Address space allowed to an `ftpsh` run that must stop a listing at its cap. Generous
/// for what the caps allow (64 MiB of listing, a million parsed entries, thread stacks and
/// allocator arenas), far below what an unbounded listing reaches within the time bound.
const MEMORY_LIMIT: u64 = 1536 * 1024 * 1024;

/// `ftpsh ARGS` with the test environment, under `prlimit --as` when the machine has it, so
/// that growing without bound ends in an allocation failure (abort) instead of exit 1.
fn ftpsh_limited(env: &Env, args: &[&str]) -> Command {
    let base = ftpsh_std(env.local.path(), env.home.path());
    let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"]
        .into_iter()
        .find(|p| Path::new(p).is_file());
    let mut cmd = match prlimit {
        Some(p) => {
            let mut c = StdCommand::new(p);
            c.arg(format!("--as={MEMORY_LIMIT}"))
                .arg("--")
                .arg(base.get_program());
            c
        }
        None => {
            eprintln!("prlimit not found: the memory bound is not enforced");
            StdCommand::new(base.get_program())
        }
    };
    cmd.env_clear().current_dir(env.local.path());
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.args(args);
    let mut cmd = Command::from_std(cmd);
    cmd.timeout(BOUND);
    cmd
}

/// 64 KiB of LIST lines, each naming a file with a ~1000-byte name: the byte cap comes long
/// before the entry cap.
fn long_list_lines() -> Vec<u8> {
    let line = format!(
        "-rw-r--r-- 1 u g 12 Jan  1  2024 {}.bin\r\n",
        "n".repeat(1000)
    );
    line.as_bytes().repeat(65536 / line.len() + 1)
}

/// A server whose LIST, NLST and MLSD never end (64 KiB chunks as fast as the client reads).
fn endless_server() -> FakeServer {
    let chunk = long_list_lines();
    FakeServer::start(move |c| match verb(c).as_str() {
        "LIST" | "NLST" => Action::Trickle {
            preliminary: "150 Here comes the directory listing".into(),
            chunk: chunk.clone(),
            count: usize::MAX,
            every: Duration::ZERO,
            then: "226 Directory send OK".into(),
        },
        "ABOR" => Action::Reply("226 Abort successful".into()),
        _ => fallback(c),
    })
}

#[test]
fn endless_listing_exhausted_memory_now_stops_at_64_mib() {
    let server = endless_server();
    let env = Env::new();
    for cmd in ["ls", "ls -l pub", "dir", "nlist", "get *.bin"] {
        let started = Instant::now();
        let out = ftpsh_limited(&env, &[&server.url(), "-c", cmd, "--timeout", "10"])
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        let name = cmd.split(' ').next().unwrap();
        let dir = if cmd.contains("pub") { "/pub" } else { "/" };
        let expected = format!("listing of {dir} exceeds 64 MiB; stopped");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{cmd}: {:?}\n{stderr}",
            out.status
        );
        assert!(
            stderr.lines().any(|l| l.starts_with(&format!("{name}: "))
                && l.ends_with(&expected)
                && l.len() < 120),
            "{cmd}: {stderr}"
        );
        assert!(
            started.elapsed() < BOUND,
            "{cmd} took {:?}",
            started.elapsed()
        );
        // The server was told to stop.
        assert!(server.commands().iter().any(|c| c == "ABOR"), "{cmd}");
    }
    // `dir` prints the lines as they arrive: what came before the cap was shown.
    let out = ftpsh_limited(&env, &[&server.url(), "-c", "dir", "--timeout", "10"])
        .output()
        .unwrap();
    assert!(
        out.stdout.len() > 60 * 1024 * 1024,
        "{} bytes",
        out.stdout.len()
    );
}

#[test]
fn million_entry_listing_cost_unbounded_memory_now_stops_at_the_entry_cap() {
    // 1001 chunks of 1000 short lines: 1,001,000 entries in about 45 MB, under the byte cap.
    let block: Vec<u8> = (0..1000)
        .flat_map(|i| format!("-rw-r--r-- 1 u g 1 Jan 01  2024 f{i:06}\r\n").into_bytes())
        .collect();
    let names: Vec<u8> = (0..1000)
        .flat_map(|i| format!("f{i:06}\r\n").into_bytes())
        .collect();
    let server = FakeServer::start(move |c| {
        let chunk = if verb(c) == "NLST" {
            names.clone()
        } else {
            block.clone()
        };
        match verb(c).as_str() {
            "LIST" | "NLST" => Action::Trickle {
                preliminary: "150 Here comes the directory listing".into(),
                chunk,
                count: 1001,
                every: Duration::ZERO,
                then: "226 Directory send OK".into(),
            },
            "ABOR" => Action::Reply("226 Abort successful".into()),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    for cmd in ["ls", "nlist"] {
        let out = ftpsh_limited(&env, &[&server.url(), "-c", cmd, "--timeout", "10"])
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{cmd}: {:?}\n{stderr}",
            out.status
        );
        assert!(
            stderr
                .lines()
                .any(|l| l == format!("{cmd}: listing of / exceeds 1000000 entries; stopped")),
            "{cmd}: {stderr}"
        );
    }
}

#[test]
fn listing_under_the_caps_is_complete() {
    // 999 chunks of 1000 lines: just under the entry cap, all of it shown.
    let names: Vec<u8> = (0..1000)
        .flat_map(|i| format!("f{i:06}\r\n").into_bytes())
        .collect();
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "NLST" => Action::Trickle {
            preliminary: "150 Here comes the directory listing".into(),
            chunk: names.clone(),
            count: 999,
            every: Duration::ZERO,
            then: "226 Directory send OK".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    let out = ftpsh_limited(&env, &[&server.url(), "-c", "nlist", "--timeout", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 999_000);
}

#[test]
fn ctrl_c_during_a_slow_listing_interrupts_it() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Trickle {
            preliminary: "150 Here comes the directory listing".into(),
            chunk: b"-rw-r--r-- 1 u g 1 Jan 01  2024 f\r\n".to_vec(),
            count: 100_000,
            every: Duration::from_millis(20),
            then: "226 Directory send OK".into(),
        },
        "ABOR" => Action::Reply("226 Abort successful".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let mut child = ftpsh_std(env.local.path(), env.home.path())
        .args([&server.url(), "-c", "ls", "--timeout", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.commands().iter().any(|c| c == "LIST") {
        assert!(
            Instant::now() < deadline,
            "no LIST: {:?}",
            server.commands()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    crate::util::wait_bounded(
        &mut child,
        Duration::from_secs(10),
        "ftpsh kept listing after Ctrl-C",
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("ls: interrupted"),
        "{}",
        stderr_of(&out)
    );
    assert!(server.commands().iter().any(|c| c == "ABOR"));
}

#[test]
fn silent_listing_times_out_at_the_idle_timeout() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Trickle {
            preliminary: "150 Here comes the directory listing".into(),
            chunk: b"-rw-r--r-- 1 u g 1 Jan 01  2024 f\r\n".to_vec(),
            count: 2,
            every: Duration::from_secs(30),
            then: "226 Directory send OK".into(),
        },
        "ABOR" => Action::Reply("226 Abort successful".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let started = Instant::now();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "-c",
            "ls",
            "--timeout",
            "1",
            "--stall-timeout",
            "1",
            "--retries",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("ls: no data for 1 s: listing stalled (--stall-timeout)"),
        "{}",
        stderr_of(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// `dir` into a pipe: stdout is buffered, yet the lines that came before the data stalls
/// reach the reader while ftpsh still waits for the rest (the fault proxy stalls a real
/// server's LIST after its first line).
#[test]
fn dir_lines_before_a_stalled_listing_reach_a_pipe_while_it_waits() {
    use crate::faultproxy::{Fault, Phase, Plan, Proxy};
    use std::io::{BufRead, BufReader};
    let env = Env::new();
    for name in ["a.txt", "b.txt", "c.txt"] {
        env.remote_file(name, b"x");
    }
    // libunftp's LIST lines are about 85 bytes: the first line whole, the second cut.
    let proxy = Proxy::start(
        env.server.port(),
        Plan {
            phase: Phase::Data(120),
            fault: Fault::Stall,
            verbs: &["LIST"],
            times: 1,
        },
    );
    let mut child = ftpsh_std(env.local.path(), env.home.path())
        .args([&proxy.url(), "-c", "dir", "--stall-timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    // The proxy holds the stall for 30 s, ftpsh would wait 60: a line buffered until the
    // end comes after 30 s at the earliest.
    let first = rx.recv_timeout(Duration::from_secs(20));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let first = first.expect("no line before the stall ended");
    // In the server's directory order.
    assert!(
        ["a.txt", "b.txt", "c.txt"]
            .iter()
            .any(|n| first.trim_end().ends_with(&format!(" {n}"))),
        "{first:?}"
    );
    assert!(running, "ftpsh had ended before the first line came");
    assert_eq!(proxy.struck(), 1);
}

// --- a path that lists empty -----------------------------------------------------------------

/// vsftpd's answer to LIST of anything: an empty listing and 226. `emptydir` exists, `f.txt`
/// is a file (SIZE answers), the rest does not exist.
fn empty_lister() -> FakeServer {
    FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("");
        match (verb(c).as_str(), arg) {
            ("LIST" | "NLST", _) => Action::Data {
                preliminary: "150 Here comes the directory listing".into(),
                data: Vec::new(),
                cut: false,
                then: "226 Directory send OK".into(),
            },
            ("CWD", "emptydir" | "/") => Action::Reply("250 Directory successfully changed".into()),
            ("CWD", _) => Action::Reply("550 Failed to change directory".into()),
            ("SIZE", "f.txt") => Action::Reply("213 0".into()),
            ("SIZE", _) => Action::Reply("550 Could not get file size".into()),
            _ => fallback(c),
        }
    })
}

#[test]
fn ls_of_missing_path_that_lists_empty_said_nothing_now_fails_with_550() {
    let server = empty_lister();
    let env = Env::new();
    for cmd in [
        "ls nosuchdir",
        "ls -l nosuchdir",
        "dir nosuchdir",
        "nlist nosuchdir",
    ] {
        let name = cmd.split(' ').next().unwrap();
        let out = env
            .cmd()
            .args([&server.url(), "-q", "-c", cmd])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{cmd}: {}", stderr_of(&out));
        assert_eq!(
            stderr_of(&out),
            format!("{name}: nosuchdir: 550 No such file or directory\n"),
            "{cmd}"
        );
        assert_eq!(stdout_of(&out), "", "{cmd}");
    }
    // An empty directory and an empty file are fine; the session is back where it was.
    for cmd in ["ls emptydir", "dir emptydir", "ls f.txt"] {
        let out = env
            .cmd()
            .args([&server.url(), "-c", &format!("{cmd}; pwd")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), "/\n", "{cmd}");
    }
    let cmds = server.commands();
    let i = cmds.iter().position(|c| c == "CWD emptydir").unwrap();
    assert_eq!(cmds[i + 1], "CWD /", "{cmds:?}");
    // Without a path, an empty listing is just an empty directory.
    let out = env
        .cmd()
        .args([&server.url(), "-c", "ls"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_ls_of_missing_path_said_nothing_now_fails_with_550() {
    let bin = interop::vsftpd();
    let (server, _) = interop::anonymous_vsftpd(&bin);
    interop::make_dir(&server.anon_root.join("empty"), 0o755);
    let url = format!("ftp://127.0.0.1:{}", server.port);
    let client = interop::Client::new();
    let out = interop::run(
        client.ftpsh(&[&url, "-q", "-c", "ls nosuchdir"]),
        &server.log,
    );
    out.expect_code(5);
    assert_eq!(out.stderr, "ls: nosuchdir: 550 No such file or directory\n");
    assert_eq!(out.stdout, "");
    let out = interop::run(
        client.ftpsh(&[&url, "-c", "dir nosuchdir/x.txt"]),
        &server.log,
    );
    out.expect_code(5);
    // An empty directory lists as empty; a file lists as itself.
    let out = interop::run(client.ftpsh(&[&url, "-c", "ls empty; pwd"]), &server.log);
    out.success();
    assert_eq!(out.stdout, "/\n");
    let out = interop::run(client.ftpsh(&[&url, "-c", "ls hello.txt"]), &server.log);
    out.success();
    assert_eq!(out.stdout, "hello.txt\n");
}

// --- server text on the terminal -------------------------------------------------------------

/// Neither ESC, CSI, BEL nor a bidi override reached the output.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for bad in ['\x1b', '\u{9b}', '\x07', '\u{202e}', '\u{2066}', '\u{200f}'] {
        assert!(
            !text.contains(bad),
            "{what} has U+{:04X} raw:\n{text:?}",
            bad as u32
        );
    }
}

#[test]
fn mlsd_perm_fact_and_link_target_reached_the_terminal_raw() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "FEAT" => Action::Reply(FEAT_MLST.into()),
        "MLSD" => Action::Data {
            preliminary: "150 Here comes the directory listing".into(),
            data:
                "type=file;size=1;modify=20240101000000;perm=\x1b[31mad\u{202e}frw\x07; a.txt\r\n\
                   type=OS.unix=slink:/t\x1b[2J\u{2066}x;modify=20240101000000; ln\r\n"
                    .as_bytes()
                    .to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "ls -l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert_clean("ls -l", &stdout);
    assert!(stdout.contains("-?[31mad?frw? 1 "), "{stdout}");
    assert!(stdout.contains("ln -> /t?[2J?x"), "{stdout}");
}

#[test]
fn trace_printed_commands_replies_and_banner_with_escapes_raw() {
    // PWD answers a directory with an escape in it; `cd -` sends it back in CWD, which the
    // trace prints.
    let moved = Arc::new(AtomicBool::new(false));
    let state = Arc::clone(&moved);
    let server = FakeServer::start_with_greeting(
        "220-Welcome \x1b[31mred\n220-\u{202e}reversed\n220 ready",
        move |c| match verb(c).as_str() {
            "PWD" if state.load(Ordering::SeqCst) => Action::Reply("257 \"/sub\"".into()),
            "PWD" => Action::Reply("257 \"/x\x1b[2J\" is the current directory".into()),
            "CWD" => {
                state.store(c == "CWD sub", Ordering::SeqCst);
                Action::Reply("250-Changed\x1b]0;t\x07\n250 OK".into())
            }
            "SITE" => Action::Reply("214-\x1b[5mHelp\n214 End".into()),
            _ => fallback(c),
        },
    );
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-v", "-c", "cd sub; cd -; site help"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_clean("the -v trace", &stderr);
    assert_clean("stdout", &stdout_of(&out));
    assert!(
        server.commands().iter().any(|c| c == "CWD /x\x1b[2J"),
        "{:?}",
        server.commands()
    );
    for line in [
        "<-- 220-Welcome ?[31mred",
        "<-- 220-?reversed",
        "--> CWD /x?[2J",
        "<-- 250-Changed?]0;t?",
        "<-- 214-?[5mHelp",
    ] {
        assert!(
            stderr.lines().any(|l| l == line),
            "no {line:?} in:\n{stderr}"
        );
    }
    assert!(
        stdout_of(&out).contains("214-?[5mHelp"),
        "{}",
        stdout_of(&out)
    );

    // Without -v the banner is printed, cleaned.
    let out = env
        .cmd()
        .args([&server.url(), "-c", "pwd"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_clean("the banner", &stderr);
    assert!(
        stderr.contains("220-Welcome ?[31mred\n220-?reversed\n220 ready"),
        "{stderr}"
    );
}

#[test]
fn failed_reply_text_is_cleaned() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" | "RETR" => Action::Reply("550 \x1b[2Jgone \u{202e}away".into()),
        // Not a directory either (get asks, to say "is a directory" when it is one).
        "CWD" if c != "CWD /" => Action::Reply("550 No such directory".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-v", "-c", "get f"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_clean("the error", &stderr);
    assert!(stderr.contains("get: f: 550 ?[2Jgone ?away"), "{stderr}");
}

// --- the -v trace ----------------------------------------------------------------------------

#[test]
fn quote_acct_was_shown_unmasked_in_the_trace() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "ACCT" => Action::Reply("202 ACCT not needed".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let url = server.url().replace("ftp://", "ftp://bob:pw-Secret-1@");
    let out = env
        .cmd()
        .args([
            &url,
            "--no-tls",
            "-v",
            "-c",
            "quote ACCT acct-Secret-2; quote ' acct  acct-Secret-3'; quote acct\tacct-Secret-4",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The server did get them.
    let cmds = server.commands();
    for sent in [
        "PASS pw-Secret-1",
        "ACCT acct-Secret-2",
        " acct  acct-Secret-3",
    ] {
        assert!(cmds.iter().any(|c| c == sent), "{sent:?} not in {cmds:?}");
    }
    assert!(!stderr.contains("Secret"), "{stderr}");
    for line in [
        "--> PASS ****",
        "--> ACCT ****",
        "-->  acct ****",
        "--> acct ****",
    ] {
        assert!(
            stderr.lines().any(|l| l == line),
            "no {line:?} in:\n{stderr}"
        );
    }
}

#[test]
fn trace_showed_only_the_first_line_of_multi_line_replies_and_the_banner_after_login() {
    let server = FakeServer::start_with_greeting(
        "220-Welcome to the fake\n220-second line\n220 ready",
        |c| match verb(c).as_str() {
            "PASS" => Action::Reply("230-Hi\n230-Hi\n230 Logged in".into()),
            "FEAT" => Action::Reply(FEAT_MLST.into()),
            "MLSD" => Action::Data {
                preliminary: "150 ok".into(),
                data: Vec::new(),
                cut: false,
                then: "226 Done".into(),
            },
            _ => fallback(c),
        },
    );
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-v", "-c", "ls"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| *x == l)
            .unwrap_or_else(|| panic!("no {l:?} in:\n{stderr}"))
    };
    // The banner, whole, in its place: before the login.
    assert_eq!(
        lines[..4],
        [
            "<-- 220-Welcome to the fake",
            "<-- 220-second line",
            "<-- 220 ready",
            "--> USER anonymous"
        ],
        "{stderr}"
    );
    // ...and not repeated after it.
    assert_eq!(
        lines.iter().filter(|l| l.contains("second line")).count(),
        1,
        "{stderr}"
    );
    // Every line of a multi-line reply, a line the server repeats included.
    let hi = pos("<-- 230-Hi");
    assert_eq!(lines[hi + 1], "<-- 230-Hi", "{stderr}");
    assert_eq!(lines[hi + 2], "<-- 230 Logged in", "{stderr}");
    let feat = pos("<-- 211-Features:");
    assert_eq!(lines[feat + 1], "<--  SIZE", "{stderr}");
    assert_eq!(
        lines[feat + 5],
        "<--  MLST type*;size*;modify*;perm*;",
        "{stderr}"
    );
    assert_eq!(lines[feat + 7], "<-- 211 End", "{stderr}");
}

// --- layout and dates ------------------------------------------------------------------------

#[test]
fn huge_columns_made_ls_spin_forever() {
    let env = Env::new();
    env.remote_file("alpha.txt", b"a");
    env.remote_file("beta.txt", b"b");
    env.remote_file("gamma/x", b"");
    // `ls` lays out columns only on a terminal.
    let mut cmd = ftpsh_std(env.local.path(), env.home.path());
    cmd.args([&env.url(), "-c", "ls"])
        .env("COLUMNS", "18446744073709551615")
        .env("TERM", "xterm");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn ftpsh in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("alpha.txt  beta.txt   gamma/\r\n").unwrap();
    p.expect(Eof).unwrap();
    let status = format!("{:?}", p.get_process_mut().wait().unwrap());
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 0)"),
        "{status}"
    );
}

#[test]
fn year_only_list_dates_were_shown_as_midnight() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Data {
            preliminary: "150 Here comes the directory listing".into(),
            data: b"-rw-r--r--    1 0        0              12 Jan  5  2019 README\r\n".to_vec(),
            cut: false,
            then: "226 Directory send OK".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "ls -l; ls --json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert!(
        stdout.starts_with("-rw-r--r-- 12 2019-01-05       README\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\"modified\":\"2019-01-05\""), "{stdout}");
    assert!(!stdout.contains("00:00"), "{stdout}");
}
