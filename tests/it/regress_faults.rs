//! Tests for faults the first suite never checked (the mutation run's survivors): the address
//! a PASV reply names, overwriting, `put -c` without REST or onto a larger file, the wire of
//! active mode, upload failures, password precedence, and every bad input of every command
//! with its exit code and its one-line message.

use std::process::Output;

use crate::fake::{Action, FakeServer, fallback, open_passive_listener, verb};
use crate::server::ServerOpts;
use crate::util::{Env, interrupt, pattern, spawn_batch, stderr_of, wait_until};

/// Exit `code`, and stderr one line containing `message`.
fn assert_fails(out: &Output, code: i32, message: &str) {
    let err = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("220 ")).collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    assert!(
        lines[0].contains(message),
        "{:?} lacks {message:?}",
        lines[0]
    );
}

#[test]
fn a_pasv_reply_naming_another_address_is_dialled_at_the_control_peer() {
    // The 227 names 127.0.0.2, where nothing listens; the data listener is on 127.0.0.1, the
    // control connection's peer. (A loopback address: a test never dials anything else.)
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "EPSV" => Action::Reply("502 EPSV not here".into()),
        "PASV" => {
            let port = open_passive_listener();
            Action::Reply(format!(
                "227 Entering Passive Mode (127,0,0,2,{},{})",
                port / 256,
                port % 256
            ))
        }
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: b"-rw-r--r-- 1 u g 5 Jan 01 2024 natted.txt\r\n".to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "ls"])
        .assert()
        .success()
        .stdout("natted.txt\n");
    assert!(server.commands().iter().any(|c| c == "PASV"));
}

#[test]
fn get_onto_an_existing_directory_fails_and_leaves_nothing_partial() {
    let env = Env::new();
    env.remote_file("f", b"data");
    std::fs::create_dir(env.local("f")).unwrap();
    let out = env.run("get f -o f/").output().unwrap();
    // `-o f/` is a directory: the file goes inside it.
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("f/f")).unwrap(), b"data");
    // A plain `get f` would have to replace the directory `f`: refused, nothing written.
    std::fs::remove_file(env.local("f/f")).unwrap();
    let out = env.run("get f").output().unwrap();
    assert_fails(&out, 6, "f: is a directory");
    assert!(env.local("f").is_dir());
    assert!(!env.local("f.part").exists());
}

#[test]
fn get_replaces_an_existing_file_completely() {
    let env = Env::new();
    env.remote_file("f", b"short");
    env.local_file("f", &pattern(100_000, 3));
    env.run("get f").assert().success();
    assert_eq!(std::fs::read(env.local("f")).unwrap(), b"short");
    assert!(!env.local("f.part").exists());
}

#[test]
fn put_c_without_rest_appends_only_the_missing_bytes() {
    let data = pattern(50_000, 8);
    let server = FakeServer::start(|c| match verb(c).as_str() {
        // No REST in FEAT: the rest must go with APPE, never a STOR that would truncate.
        "FEAT" => Action::Reply("211-Features:\n SIZE\n EPSV\n211 End".into()),
        "SIZE" if c == "SIZE up.bin" => Action::Reply("213 20000".into()),
        "APPE" => Action::Upload {
            preliminary: "150 Appending".into(),
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    env.local_file("up.bin", &data);
    let out = env
        .cmd()
        .arg(server.url())
        .args([
            "--timeout",
            "5",
            "--retries",
            "0",
            "-k",
            "-c",
            "put -c up.bin",
        ])
        .output()
        .unwrap();
    let cmds = server.commands();
    assert!(cmds.iter().any(|c| c == "APPE up.bin"), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c.starts_with("STOR")), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c.starts_with("REST")), "{cmds:?}");
    assert_eq!(server.uploads(), vec![data[20_000..].to_vec()]);
    // The fake keeps answering SIZE 20000, so the check after the upload must complain.
    assert_fails(&out, 8, "the server has 20000 bytes of 50000");
}

#[test]
fn put_c_onto_a_larger_remote_file_refuses_and_keeps_it() {
    let env = Env::new();
    let remote = pattern(30_000, 1);
    env.remote_file("f.bin", &remote);
    env.local_file("f.bin", &pattern(10_000, 2));
    let out = env.run("put -c f.bin").output().unwrap();
    assert_fails(&out, 1, "more than the local 10000");
    assert_eq!(std::fs::read(env.remote("f.bin")).unwrap(), remote);
}

#[test]
fn upload_refused_with_552_shows_the_reason() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::Upload {
            preliminary: "150 Go ahead".into(),
            then: "552 Quota exceeded for user anonymous".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    env.local_file("big.bin", &pattern(10_000, 4));
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "put big.bin"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "552 Quota exceeded for user anonymous");
}

/// The server stops reading mid-upload (its disk or quota is full), resets the data
/// connection and says why: the reason is the error, not the reset the writes ran into.
#[test]
fn upload_cut_by_the_server_shows_its_552_reason() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::UploadCut {
            preliminary: "150 Go ahead".into(),
            keep: 100_000,
            then: "552 Quota exceeded for user anonymous".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    // Far more than the socket buffers hold, so the client is still writing at the reset.
    env.local_file("big.bin", &pattern(32 << 20, 4));
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-c", "put big.bin"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "552 Quota exceeded for user anonymous");
}

/// A local file that fails to read mid-upload (here ftpsh's own /proc/self/mem, whose first
/// page is never mapped: EIO at once) ends the put with that error, at once: only an
/// interrupted read (EINTR) is tried again. The block loop (`FTPSH_NO_ZEROCOPY=1`) reads
/// the file itself.
#[test]
fn a_read_error_of_the_local_file_ends_the_put_at_once() {
    let env = Env::new();
    let start = std::time::Instant::now();
    let out = env
        .run("put -o mem.bin /proc/self/mem")
        .env("FTPSH_NO_ZEROCOPY", "1")
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_fails(&out, 6, "Input/output error");
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

/// A server that stops reading an upload: the block loop's writes time out every poll tick
/// until --stall-timeout passes, then the put fails (exit 8) saying so.
#[test]
fn an_upload_the_server_stops_reading_fails_at_the_stall_timeout() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::SlowUpload {
            preliminary: "150 Go ahead".into(),
            chunk: 1000,
            every: std::time::Duration::from_secs(30),
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    // Far more than the socket buffers take while nobody reads.
    env.local_file("big.bin", &pattern(16 << 20, 8));
    let start = std::time::Instant::now();
    let out = env
        .cmd()
        .env("FTPSH_NO_ZEROCOPY", "1")
        .arg(server.url())
        .args(["--timeout", "5", "--stall-timeout", "2", "--retries", "0"])
        .args(["-c", "put big.bin"])
        .timeout(std::time::Duration::from_secs(40))
        .output()
        .unwrap();
    assert_fails(&out, 8, "the server took no data for 2 s");
    assert!(start.elapsed() < std::time::Duration::from_secs(15));
}

#[test]
fn upload_size_mismatch_after_stor_is_reported() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::Upload {
            preliminary: "150 Go ahead".into(),
            then: "226 Done".into(),
        },
        "SIZE" => Action::Reply("213 7".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    env.local_file("f.bin", &pattern(10_000, 4));
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-c", "put f.bin"])
        .output()
        .unwrap();
    assert_fails(&out, 8, "the server has 7 bytes of 10000 after the upload");
}

#[test]
fn password_sources_take_precedence_url_then_environment_then_netrc() {
    let env = Env::with(ServerOpts {
        user: Some(("alice".into(), "right".into())),
        ..Default::default()
    });
    let netrc = env.local_file("netrc", b"machine 127.0.0.1 login alice password right\n");
    let wrong_netrc = env.local_file("wrong", b"machine 127.0.0.1 login alice password wrong\n");
    let url_with = |pw: &str| env.url().replace("ftp://", &format!("ftp://alice:{pw}@"));
    let run = |url: String, env_pw: Option<&str>, netrc: &std::path::Path| {
        let mut c = env.cmd();
        c.arg(url).args(["--no-tls", "--netrc-file"]).arg(netrc);
        c.args(["-c", "pwd"]);
        if let Some(pw) = env_pw {
            c.env("FTPSH_PASSWORD", pw);
        }
        c.output().unwrap().status.code()
    };
    let plain = || env.url().replace("ftp://", "ftp://alice@");
    // The URL's password beats the environment and netrc.
    assert_eq!(run(url_with("right"), Some("wrong"), &wrong_netrc), Some(0));
    assert_eq!(run(url_with("wrong"), Some("right"), &netrc), Some(4));
    // With a user named, FTPSH_PASSWORD beats netrc.
    assert_eq!(run(plain(), Some("right"), &wrong_netrc), Some(0));
    assert_eq!(run(plain(), Some("wrong"), &netrc), Some(4));
    // netrc alone.
    assert_eq!(run(plain(), None, &netrc), Some(0));
}

#[test]
fn netrc_default_entry_supplies_user_and_password() {
    let env = Env::with(ServerOpts {
        user: Some(("dflt".into(), "dpw".into())),
        ..Default::default()
    });
    let netrc = env.local_file(
        "netrc",
        b"machine other.example login x password y\ndefault login dflt password dpw\n",
    );
    env.run("pwd")
        .args(["--no-tls", "--netrc-file"])
        .arg(&netrc)
        .assert()
        .success()
        .stdout("/\n");
}

#[test]
fn escapes_in_error_replies_never_reach_the_terminal() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "CWD" if c != "CWD /" => Action::Reply("550 \x1b]0;owned\x07 no \u{202e}such".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "cd x"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\x07') && !err.contains('\u{202e}'));
    assert!(err.contains("cd: x: 550 ?]0;owned? no ?such"), "{err}");
}

#[test]
fn escapes_in_the_banner_never_reach_the_terminal() {
    let server = FakeServer::start_with_greeting("220 hello \x1b[2J\u{202e}world", fallback);
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        !err.contains('\x1b') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(err.contains("hello ?[2J?world"), "{err}");
}

/// Every bad input of every command: exit code and one-line message.
#[test]
fn bad_inputs_have_their_exit_codes_and_one_line_messages() {
    let env = Env::new();
    env.remote_file("full/x", b"x");
    env.local_file("localdir/a", b"a");
    let cases: &[(&str, i32, &str)] = &[
        ("exit abc", 2, "invalid value 'abc'"),
        ("debug maybe", 2, "debug"),
        ("type x", 2, "type"),
        ("mv a", 2, "mv"),
        ("cat nosuch", 5, "cat: nosuch: 550"),
        ("size nosuch", 5, "size: nosuch: 550"),
        ("modtime nosuch", 5, "modtime: nosuch: 550"),
        ("rmdir full", 5, "rmdir: full: 550"),
        ("lcd nosuchdir", 6, "lcd: nosuchdir"),
        ("lls nosuchdir", 6, "lls: nosuchdir"),
        ("put localdir", 6, "is a directory"),
        ("put nosuch.txt", 6, "nosuch.txt"),
    ];
    for (cmds, code, message) in cases {
        let out = env.run(cmds).arg("-q").output().unwrap();
        assert_fails(&out, *code, message);
    }
    // Command-line inputs.
    let missing = env.local("missing.file");
    let argv_cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["-f".into(), missing.display().to_string()],
            6,
            "missing.file",
        ),
        (
            vec![
                env.url(),
                "--netrc-file".into(),
                missing.display().to_string(),
                "-c".into(),
                "pwd".into(),
            ],
            6,
            "missing.file",
        ),
        (
            vec![
                env.url(),
                "--tls".into(),
                "--ca-file".into(),
                missing.display().to_string(),
                "-c".into(),
                "pwd".into(),
            ],
            6,
            "missing.file",
        ),
        (
            vec!["127.0.0.1".into(), "--port".into(), "70000".into()],
            2,
            "70000",
        ),
    ];
    for (args, code, message) in argv_cases {
        let out = env.cmd().args(&args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn a_connect_that_gets_no_answer_times_out_with_exit_3() {
    // A listener that never accepts: the TCP handshake completes (backlog), the greeting
    // never comes. (No unroutable address: tests only ever dial loopback.)
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let env = Env::new();
    let start = std::time::Instant::now();
    let out = env
        .cmd()
        .args([
            &format!("127.0.0.1:{port}"),
            "--timeout",
            "1",
            "--retries",
            "0",
            "-c",
            "pwd",
        ])
        .output()
        .unwrap();
    assert_fails(&out, 3, "no greeting within 1 s");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    drop(listener);
}

#[test]
fn active_mode_uses_port_on_the_wire_and_transfers() {
    let env = Env::new();
    env.remote_file("a.bin", &pattern(70_000, 12));
    let out = env
        .run("get a.bin")
        .args(["--active", "-v"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let trace = stderr_of(&out);
    assert!(
        trace.contains("--> PORT 127,0,0,1,") || trace.contains("--> EPRT |1|127.0.0.1|"),
        "{trace}"
    );
    assert_eq!(
        std::fs::read(env.local("a.bin")).unwrap(),
        pattern(70_000, 12)
    );
}

#[test]
fn ctrl_c_during_put_aborts_with_exit_130() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::SlowUpload {
            preliminary: "150 Go ahead".into(),
            chunk: 64 * 1024,
            every: std::time::Duration::from_millis(20),
            then: "426 Transfer aborted".into(),
        },
        "ABOR" => Action::Reply("226 Abort successful".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    // Far more than the socket buffers hold, so ftpsh is still writing when Ctrl-C comes.
    env.local_file("big.bin", &pattern(40 * 1024 * 1024, 9));
    let child = spawn_batch(
        &env,
        &[&server.url(), "--timeout", "30", "-c", "put big.bin"],
    );
    wait_until("the upload to start", || server.received() > 0);
    let pressed = std::time::Instant::now();
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    assert_fails(&out, 130, "put: big.bin: interrupted");
    assert!(
        pressed.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        pressed.elapsed()
    );
    // The fake reads its control connection only after the data connection ends.
    wait_until("ABOR at the server", || {
        server.commands().iter().any(|c| c == "ABOR")
    });
}

#[test]
fn a_missing_file_fails_at_size_before_any_data_connection() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("550 No such file".into()),
        "CWD" if c != "CWD /" => Action::Reply("550 No such directory".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "get gone.bin"])
        .output()
        .unwrap();
    assert_fails(&out, 5, "get: gone.bin: 550 No such file");
    let cmds = server.commands();
    assert!(
        !cmds
            .iter()
            .any(|c| ["EPSV", "PASV", "RETR", "LIST", "MLSD"].contains(&verb(c).as_str())),
        "{cmds:?}"
    );
    assert!(!env.local("gone.bin").exists() && !env.local("gone.bin.part").exists());
}

#[test]
fn get_c_with_a_part_larger_than_the_remote_file_refuses_and_keeps_it() {
    let env = Env::new();
    env.remote_file("f.bin", &pattern(1000, 1));
    let part = pattern(1500, 2);
    env.local_file("f.bin.part", &part);
    let out = env.run("get -c f.bin").arg("-q").output().unwrap();
    assert_fails(
        &out,
        1,
        "f.bin.part has 1500 bytes, more than the remote file's 1000; remove it to start over",
    );
    assert_eq!(std::fs::read(env.local("f.bin.part")).unwrap(), part);
    assert!(!env.local("f.bin").exists());
}

#[test]
fn get_c_with_a_complete_part_only_renames_it() {
    let env = Env::new();
    let data = pattern(1000, 3);
    env.remote_file("f.bin", &data);
    env.local_file("f.bin.part", &data);
    let out = env.run("get -c f.bin").arg("-v").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("f.bin")).unwrap(), data);
    assert!(!env.local("f.bin.part").exists());
    assert!(!stderr_of(&out).contains("--> RETR"), "{}", stderr_of(&out));
}

#[test]
fn get_replaces_an_existing_file_of_the_same_size() {
    // Same size, other bytes: only `get -c` may take an equal size as "already complete".
    let env = Env::new();
    env.remote_file("f.bin", &pattern(5000, 1));
    env.local_file("f.bin", &pattern(5000, 2));
    env.run("get f.bin").assert().success();
    assert_eq!(std::fs::read(env.local("f.bin")).unwrap(), pattern(5000, 1));
}

#[test]
fn get_c_resumes_the_part_even_when_an_old_file_of_the_same_size_exists() {
    let env = Env::new();
    let data = pattern(5000, 1);
    env.remote_file("f.bin", &data);
    env.local_file("f.bin", &pattern(5000, 2));
    env.local_file("f.bin.part", &data[..2000]);
    env.run("get -c f.bin").assert().success();
    assert_eq!(std::fs::read(env.local("f.bin")).unwrap(), data);
    assert!(!env.local("f.bin.part").exists());
}

#[test]
fn get_c_of_a_file_already_complete_fetches_nothing() {
    let env = Env::new();
    let data = pattern(5000, 1);
    env.remote_file("f.bin", &data);
    env.local_file("f.bin", &data);
    let out = env.run("get -c f.bin").arg("-v").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("get: f.bin is already complete"), "{err}");
    assert!(!err.contains("--> RETR"), "{err}");
}
