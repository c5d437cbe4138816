//! Regression tests for the defects found by trying the first version as its users would:
//! downloads onto devices and stdout, refused TYPE, sizes that could not be checked, overall
//! deadlines and Ctrl-C while connecting, TLS with a self-signed CA certificate, a session
//! kept across failed opens and reconnects. Each test is named after what broke.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::FileTypeExt;
use std::process::Command as StdCommand;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use expectrl::{ControlCode, Expect, Regex};
use predicates::prelude::*;
use predicates::str::contains;

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::server::ServerOpts;
use crate::util::{
    Env, interrupt, pattern, refusing_port, server_closed_connection_to, spawn_batch, stderr_of,
    stdout_of, wait_until,
};

/// Wait for a child with a bound; kill it and fail if it does not end in time.
fn wait_bounded(child: std::process::Child, limit: Duration) -> std::process::Output {
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&done);
    let killer = std::thread::spawn(move || {
        let deadline = Instant::now() + limit;
        while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !flag.load(Ordering::SeqCst) {
            let _ = StdCommand::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, Ordering::SeqCst);
    killer.join().unwrap();
    out
}

// --- data safety ------------------------------------------------------------------------------

#[test]
fn get_onto_a_fifo_writes_into_it_and_keeps_the_fifo() {
    let env = Env::new();
    let data = pattern(300_000, 5);
    env.remote_file("f.bin", &data);
    let fifo = env.local("pipe");
    let ok = StdCommand::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let reader_path = fifo.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    // Blocks in open() until a writer comes: if ftpsh never opens the FIFO (the old code
    // renamed a .part over it), the thread stays blocked and the bounded wait below fails.
    std::thread::spawn(move || {
        let mut got = Vec::new();
        let read = std::fs::File::open(&reader_path).and_then(|mut f| f.read_to_end(&mut got));
        let _ = tx.send(read.map(|_| got));
    });
    let mut c = env.run("get f.bin -o pipe");
    c.assert().success();
    let got = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("ftpsh never wrote into the FIFO")
        .unwrap();
    assert_eq!(got, data);
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert!(!env.local("pipe.part").exists());
}

#[test]
fn get_onto_a_device_node_keeps_the_device() {
    // A null device made in the test's own directory (never the machine's /dev): as root the
    // old code renamed `null.part` onto it, leaving a regular file.
    let env = Env::new();
    env.remote_file("f.bin", &pattern(10_000, 6));
    let dev = env.local("null");
    let made = StdCommand::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .status()
        .unwrap();
    if !made.success() {
        // mknod needs root (CI runs as root); the FIFO test covers the same code path.
        assert!(
            std::env::var("CI").is_err(),
            "mknod failed under CI, which runs as root"
        );
        eprintln!("skipped: mknod needs root");
        return;
    }
    env.run("get f.bin -o null").assert().success();
    let meta = std::fs::symlink_metadata(&dev).unwrap();
    assert!(meta.file_type().is_char_device(), "the device was replaced");
    assert!(!env.local("null.part").exists());
}

#[test]
fn get_dash_o_dash_writes_to_stdout_not_to_a_file_named_dash() {
    let env = Env::new();
    env.remote_file("a.txt", b"first\n");
    env.remote_file("b.txt", b"second\n");
    let out = env.run("get a.txt b.txt -o -").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "first\nsecond\n");
    assert!(!env.local("-").exists());
}

#[test]
fn a_refused_type_a_keeps_binary_and_fails_with_the_reply() {
    // pyftpdlib refuses `TYPE A N` (504); the old code then said "type ascii" and converted
    // line endings of a binary transfer.
    let server = FakeServer::start(|c| match c {
        "TYPE A" => Action::Reply("504 Unsupported type".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["-k", "--timeout", "5", "-c", "ascii; type"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("ascii: 504 Unsupported type"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(stdout_of(&out), "binary\n");
    assert!(server.commands().iter().any(|c| c == "TYPE A"));
    assert!(!server.commands().iter().any(|c| c.starts_with("TYPE A ")));
}

#[test]
fn ascii_sends_plain_type_a() {
    let server = FakeServer::start(fallback);
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "ascii; type"])
        .assert()
        .success()
        .stdout("ascii\n");
    assert!(server.commands().iter().any(|c| c == "TYPE A"));
}

/// A server that refuses SIZE, lists `f` as `listed` bytes and sends `sent` bytes, then 226.
fn no_size_server(listed: Option<u64>, sent: usize) -> FakeServer {
    FakeServer::start(move |c| match verb(c).as_str() {
        "SIZE" => Action::Reply("502 SIZE not implemented".into()),
        "CWD" if c != "CWD /" => Action::Reply("550 Not a directory".into()),
        "LIST" => match listed {
            Some(n) => Action::Data {
                preliminary: "150 Here".into(),
                data: format!("-rw-r--r-- 1 u g {n} Jan 01 2024 f\r\n").into_bytes(),
                cut: false,
                then: "226 Done".into(),
            },
            None => Action::Reply("550 No listing".into()),
        },
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: vec![b'x'; sent],
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    })
}

#[test]
fn truncated_download_without_size_is_caught_by_the_listed_size() {
    let server = no_size_server(Some(1000), 400);
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-c", "get f"])
        .assert()
        .code(8)
        .stderr(contains("short transfer: 400 of 1000"));
    assert!(
        !env.local("f").exists(),
        "a short file under its final name"
    );
    assert_eq!(std::fs::read(env.local("f.part")).unwrap().len(), 400);
}

#[test]
fn download_with_no_known_size_says_size_not_verified() {
    let server = no_size_server(None, 400);
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "get f"])
        .assert()
        .success()
        .stderr(contains("get: f: 400 bytes in").and(contains("(size not verified)")));
    assert_eq!(std::fs::read(env.local("f")).unwrap().len(), 400);
}

#[test]
fn a_download_stops_at_the_size_the_server_announced() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 1000".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: vec![b'y'; 2_000_000],
            cut: false,
            then: "226 Done".into(),
        },
        "ABOR" => Action::Reply("226 Aborted".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "get f"])
        .assert()
        .code(1)
        .stderr(contains("more than the 1000 bytes it announced"));
    assert!(!env.local("f").exists());
    assert_eq!(std::fs::read(env.local("f.part")).unwrap().len(), 1000);
}

#[test]
fn a_cut_transfer_has_exit_8_whether_it_ends_in_426_or_226() {
    for then in ["426 Connection closed; transfer aborted", "226 Done"] {
        let server = FakeServer::start(move |c| match verb(c).as_str() {
            "SIZE" => Action::Reply("213 1000".into()),
            "RETR" => Action::Data {
                preliminary: "150 Opening".into(),
                data: vec![b'x'; 300],
                cut: false,
                then: then.into(),
            },
            _ => fallback(c),
        });
        let env = Env::new();
        let out = env
            .cmd()
            .arg(server.url())
            .args(["--timeout", "5", "--retries", "0", "-c", "get f"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(8), "{then}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out).lines().count(), 2, "{}", stderr_of(&out));
        assert!(!env.local("f").exists());
    }
}

#[test]
fn get_into_a_missing_directory_fails_before_downloading() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 5".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: b"hello".to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "get -o newdir/ f"])
        .assert()
        .code(6)
        .stderr(contains("newdir/: no such directory"));
    assert!(!env.local("newdir.part").exists());
    assert!(!env.local("newdir").exists());
    assert!(
        !server.commands().iter().any(|c| c.starts_with("RETR")),
        "{:?}",
        server.commands()
    );
}

#[test]
fn get_of_a_remote_directory_says_it_is_a_directory() {
    let env = Env::new();
    std::fs::create_dir(env.remote("small")).unwrap();
    let out = env.run("get small").arg("-q").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out).trim(),
        "get: small: is a directory (get fetches files)"
    );
    assert!(!env.local("small").exists() && !env.local("small.part").exists());
}

#[test]
fn get_no_clobber_keeps_an_existing_file() {
    let env = Env::new();
    env.remote_file("f.txt", b"new contents");
    env.local_file("f.txt", b"mine");
    env.run("get -n f.txt")
        .assert()
        .success()
        .stderr(contains("f.txt exists; not overwritten (-n)"));
    assert_eq!(std::fs::read(env.local("f.txt")).unwrap(), b"mine");
    // Without -n the file is replaced (atomically, via f.txt.part).
    env.run("get f.txt").assert().success();
    assert_eq!(std::fs::read(env.local("f.txt")).unwrap(), b"new contents");
}

/// `set clobber off` is `get -n` for every file get, segmented ones too; stdout has nothing
/// to clobber, so `get -o -` still prints.
#[test]
fn clobber_off_keeps_existing_files_and_still_prints_to_stdout() {
    let env = Env::new();
    env.remote_file("f.txt", b"new contents");
    env.local_file("f.txt", b"mine");
    let out = env
        .run("set clobber off; get f.txt; get --segments 2 f.txt; get -o - f.txt")
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Once for the plain get, once for the segmented one.
    assert_eq!(
        err.matches("f.txt exists; not overwritten (-n)").count(),
        2,
        "{err}"
    );
    assert_eq!(std::fs::read(env.local("f.txt")).unwrap(), b"mine");
    assert_eq!(stdout_of(&out), "new contents");
}

/// The options that make no sense together are usage errors (exit 2, one line), each on
/// its own, before anything is fetched.
#[test]
fn get_options_that_conflict_are_usage_errors_one_by_one() {
    let env = Env::new();
    env.remote_file("f.txt", b"data");
    env.remote_file("d/g.txt", b"tree");
    for (cmd, says) in [
        (
            "get -c -o - f.txt",
            "get -o -: -c and -n apply to files, not to stdout",
        ),
        (
            "get -n -o - f.txt",
            "get -o -: -c and -n apply to files, not to stdout",
        ),
        (
            "get -r -o - d",
            "get -r copies trees into directories: not with -o - or --segments",
        ),
        (
            "get -r --segments 2 d",
            "get -r copies trees into directories: not with -o - or --segments",
        ),
    ] {
        let out = env.run(cmd).arg("-q").output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert_eq!(err.lines().collect::<Vec<_>>(), [says], "{cmd}");
        assert_eq!(stdout_of(&out), "", "{cmd}");
    }
    assert!(!env.local("f.txt").exists() && !env.local("d").exists() && !env.local("-").exists());
}

/// `-P` shares files out to connections; with one connection, or to stdout, get stays the
/// plain sequential one: the file's bytes on stdout (never a local file named `-`), and no
/// pool summary.
#[test]
fn get_parallel_to_stdout_or_with_one_connection_is_a_plain_get() {
    let env = Env::new();
    env.remote_file("f.txt", b"data");
    env.remote_file("g.txt", b"more");
    let out = env
        .run("get -P 3 -o - f.txt g.txt")
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "datamore");
    assert!(!env.local("-").exists());
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "get -P 1 f.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert_eq!(
        crate::util::json_of_type(&stdout, "transfer").len(),
        1,
        "{stdout}"
    );
    assert!(
        crate::util::json_of_type(&stdout, "summary").is_empty(),
        "{stdout}"
    );
    assert_eq!(std::fs::read(env.local("f.txt")).unwrap(), b"data");
}

#[test]
fn plain_get_over_a_part_file_says_get_c_resumes_it() {
    let env = Env::new();
    env.remote_file("f.txt", b"0123456789");
    env.local_file("f.txt.part", b"01234");
    env.run("get f.txt").assert().success().stderr(contains(
        "f.txt.part exists: starting over ('get -c' resumes it)",
    ));
    assert_eq!(std::fs::read(env.local("f.txt")).unwrap(), b"0123456789");
}

#[test]
fn get_keeps_the_remote_modification_time() {
    let env = Env::new();
    let remote = env.remote_file("old.txt", b"from 2001");
    let when = std::time::UNIX_EPOCH + Duration::from_secs(981_173_106); // 2001-02-03
    std::fs::File::options()
        .write(true)
        .open(&remote)
        .unwrap()
        .set_modified(when)
        .unwrap();
    env.run("get old.txt").assert().success();
    let got = std::fs::metadata(env.local("old.txt"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(got, when);
}

// --- deadlines and Ctrl-C -----------------------------------------------------------------------

/// A server that accepts connections and sends its banner one byte every `every`, forever
/// (bounded: it stops after a minute or when dropped). Counts accepted connections.
struct Dripper {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Dripper {
    fn start(every: Duration) -> Dripper {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (Arc::clone(&accepted), Arc::clone(&stop));
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut sock, _)) => {
                        a.fetch_add(1, Ordering::SeqCst);
                        let s = Arc::clone(&s);
                        std::thread::spawn(move || {
                            for b in b"220 slow banner that never ends".iter().cycle().take(100) {
                                if s.load(Ordering::SeqCst) || sock.write_all(&[*b]).is_err() {
                                    return;
                                }
                                std::thread::sleep(every);
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Dripper {
            port,
            accepted,
            stop,
        }
    }
}

impl Drop for Dripper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_banner_sent_one_byte_at_a_time_is_bounded_by_the_timeout() {
    // Each byte arrives well within the read timeout, so only a deadline for the whole
    // greeting ends this; the old code hung indefinitely.
    let server = Dripper::start(Duration::from_millis(300));
    let env = Env::new();
    let start = Instant::now();
    let child = spawn_batch(
        &env,
        &[
            &format!("127.0.0.1:{}", server.port),
            "--timeout",
            "2",
            "--retries",
            "0",
            "-c",
            "pwd",
        ],
    );
    let out = wait_bounded(child, Duration::from_secs(30));
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("no greeting within 2 s"),
        "{}",
        stderr_of(&out)
    );
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn ctrl_c_stops_open_while_it_waits_for_the_greeting() {
    let server = Dripper::start(Duration::from_millis(500));
    let env = Env::new();
    let child = spawn_batch(
        &env,
        &[
            &format!("127.0.0.1:{}", server.port),
            "--timeout",
            "60",
            "-c",
            "pwd",
        ],
    );
    // Interrupt once ftpsh is connected and waiting for the rest of the banner.
    wait_until("the connection", || {
        server.accepted.load(Ordering::SeqCst) > 0
    });
    let pressed = Instant::now();
    interrupt(child.id());
    let out = wait_bounded(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        pressed.elapsed() < Duration::from_secs(2),
        "{:?}",
        pressed.elapsed()
    );
}

/// A server whose RETR sends one chunk and then stalls (a few bytes every 20 s).
fn stalling_server() -> FakeServer {
    FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 100000".into()),
        "RETR" => Action::Trickle {
            preliminary: "150 Opening".into(),
            chunk: vec![b's'; 1000],
            count: 3,
            every: Duration::from_secs(20),
            then: "226 Done".into(),
        },
        _ => fallback(c),
    })
}

#[test]
fn ctrl_c_during_a_stalled_transfer_returns_promptly() {
    let server = stalling_server();
    let env = Env::new();
    let child = spawn_batch(&env, &[&server.url(), "--timeout", "30", "-c", "get f"]);
    let part = env.local("f.part");
    wait_until("bytes in f.part", || {
        std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) > 0
    });
    let pressed = Instant::now();
    interrupt(child.id());
    let out = wait_bounded(child, Duration::from_secs(30));
    let took = pressed.elapsed();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    // The old code waited 5 s for an ABOR answer that a stalled server never sends; now at
    // most 1 s (the margin is for a loaded machine).
    assert!(took < Duration::from_millis(3000), "took {took:?}");
    assert_eq!(
        std::fs::read(&part).unwrap().len(),
        1000,
        "the .part is kept"
    );
}

/// `get f` from [`stalling_server`] with `args` before `-c COMMANDS` (bounded at 40 s):
/// what it printed and how long it took.
fn stalled_get(args: &[&str], commands: &str) -> (std::process::Output, Duration) {
    let server = stalling_server();
    let env = Env::new();
    let start = Instant::now();
    let url = server.url();
    let mut argv = vec![url.as_str()];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--retries", "0", "-c", commands]);
    let out = wait_bounded(spawn_batch(&env, &argv), Duration::from_secs(40));
    (out, start.elapsed())
}

#[test]
fn a_stalled_transfer_fails_within_the_timeout() {
    let (out, took) = stalled_get(&["--timeout", "3", "--stall-timeout", "3"], "get f");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("no data for 3 s"), "{err}");
    // 3 s without data, then at most 2 s for the server's last words (was 13.5 s).
    assert!(took < Duration::from_secs(7), "took {took:?}");
}

/// `set stall_timeout` in the session holds for the next transfer, as `--stall-timeout` does.
#[test]
fn set_stall_timeout_applies_to_the_next_transfer() {
    let (out, took) = stalled_get(&["--timeout", "30"], "set stall_timeout 2; get f");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("no data for 2 s"), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

#[test]
fn a_reply_sent_one_byte_at_a_time_is_bounded_by_the_timeout() {
    // After login, PWD's reply trickles in forever: each read succeeds, the reply never ends.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    std::thread::spawn(move || {
        let Ok((sock, _)) = listener.accept() else {
            return;
        };
        let mut out = sock.try_clone().unwrap();
        let mut reader = std::io::BufReader::new(sock);
        let _ = out.write_all(b"220 hi\r\n");
        let mut line = String::new();
        use std::io::BufRead;
        while !s.load(Ordering::SeqCst) {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let reply: &[u8] = match verb(&line).as_str() {
                "USER" => b"331 pw\r\n",
                "PASS" => b"230 ok\r\n",
                "FEAT" => b"211 none\r\n",
                "TYPE" => b"200 ok\r\n",
                "PWD" => {
                    // The first PWD (at login) answers; the next one drips.
                    static SEEN: AtomicUsize = AtomicUsize::new(0);
                    if SEEN.fetch_add(1, Ordering::SeqCst) == 0 {
                        b"257 \"/\"\r\n"
                    } else {
                        for _ in 0..200 {
                            if s.load(Ordering::SeqCst) || out.write_all(b"2").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        return;
                    }
                }
                _ => b"502 no\r\n",
            };
            if out.write_all(reply).is_err() {
                return;
            }
        }
    });
    let env = Env::new();
    let start = Instant::now();
    let child = spawn_batch(
        &env,
        &[
            &format!("127.0.0.1:{port}"),
            "--timeout",
            "2",
            "--retries",
            "0",
            "-c",
            "pwd",
        ],
    );
    let out = wait_bounded(child, Duration::from_secs(30));
    stop.store(true, Ordering::SeqCst);
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("pwd: timed out: no complete reply from the server within 2 s"),
        "{}",
        stderr_of(&out)
    );
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
}

// --- TLS ------------------------------------------------------------------------------------------

#[test]
fn a_self_signed_ca_certificate_named_with_ca_file_is_trusted() {
    let env = Env::with(ServerOpts {
        tls: true,
        self_signed_ca: true,
        ..Default::default()
    });
    env.remote_file("f.txt", b"over TLS");
    let ca = env.server.ca_file().unwrap().to_path_buf();
    env.cmd()
        .arg(env.url())
        .args(["--tls", "--ca-file"])
        .arg(&ca)
        .args(["-c", "cat f.txt"])
        .assert()
        .success()
        .stdout("over TLS");
    // Without it the certificate is still refused, with a sentence that says what to do.
    let out = env
        .cmd()
        .arg(env.url())
        .args(["--tls", "-c", "pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let err = stderr_of(&out);
    assert!(err.contains("--ca-file"), "{err}");
    assert!(!err.contains("Other("), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `pwd` as user bob against a server that refuses FEAT before login (530) and answers AUTH
/// TLS with `auth`: what ftpsh did, and the commands the server got.
fn login_after_refused_feat(auth: &'static str) -> (std::process::Output, Vec<String>) {
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "FEAT" => Action::Reply("530 Please login with USER and PASS".into()),
        "AUTH" => Action::Reply(auth.into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .env("FTPSH_PASSWORD", "s3cret")
        .arg(server.url())
        .args(["-u", "bob", "--timeout", "5", "-c", "pwd"])
        .output()
        .unwrap();
    (out, server.commands())
}

#[test]
fn feat_refused_before_login_still_tries_auth_tls_before_the_password() {
    let (out, cmds) = login_after_refused_feat("500 AUTH not understood");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let auth = cmds.iter().position(|c| c == "AUTH TLS");
    let pass = cmds.iter().position(|c| c.starts_with("PASS"));
    assert!(
        matches!((auth, pass), (Some(a), Some(p)) if a < p),
        "{cmds:?}"
    );
    assert!(stderr_of(&out).contains("does not offer TLS"));
}

/// After a refused FEAT, only a refusal of AUTH TLS itself (5xx) lets the login go on in
/// clear. A 421 (busy, closing) says nothing about TLS: the password must not be sent in
/// clear on a new connection because of it.
#[test]
fn feat_refused_and_auth_tls_answered_421_fails_without_sending_the_password() {
    let (out, cmds) = login_after_refused_feat("421 Too many connections, try later");
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("421 Too many connections"), "{err}");
    assert!(!cmds.iter().any(|c| c.starts_with("PASS")), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c.starts_with("USER")), "{cmds:?}");
}

/// A reply that comes after the timeout belongs to the command that timed out. The
/// connection is dropped then, so the next command logs in afresh and gets its own answer,
/// not the late one (which arrives after the next command was sent, so a look for pending
/// bytes before it cannot see it).
#[test]
fn a_reply_that_comes_after_the_timeout_never_answers_the_next_command() {
    let server = FakeServer::start(|c| match c {
        "SIZE slow" => Action::Late(Duration::from_millis(2500), "213 999".into()),
        "SIZE quick" => Action::Reply("213 5".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "1", "--retries", "0", "-k", "-c"])
        .arg("size slow; size quick")
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(stdout_of(&out), "5\n", "{err}");
    assert!(err.contains("size: timed out"), "{err}");
    assert!(err.contains("reconnecting"), "{err}");
    let logins = server
        .commands()
        .iter()
        .filter(|c| c.starts_with("USER"))
        .count();
    assert_eq!(logins, 2, "{:?}", server.commands());
}

/// A passive port that refuses the connection: the error says it was the data connection,
/// and the control connection (now out of step: the server waits to answer RETR) is
/// replaced before the next command.
#[test]
fn a_refused_data_connection_is_named_and_the_next_command_logs_in_afresh() {
    let (_refusing, port) = refusing_port();
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "EPSV" => Action::Reply(format!("229 Entering Extended Passive Mode (|||{port}|)")),
        "PASV" => Action::Reply(format!(
            "227 Entering Passive Mode (127,0,0,1,{},{})",
            port / 256,
            port % 256
        )),
        "SIZE" => Action::Reply("213 5".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-k", "-c", "get f; pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(
        err.contains("cannot open the data connection: connection refused"),
        "{err}"
    );
    assert_eq!(stdout_of(&out), "/\n", "{err}");
    let logins = server
        .commands()
        .iter()
        .filter(|c| c.starts_with("USER"))
        .count();
    assert_eq!(logins, 2, "{:?}", server.commands());
    assert!(!env.local("f").exists());
}

/// A server whose connection queue is full never completes the TCP handshake (Linux drops
/// the SYN). ftpsh waits for it the whole `--timeout`, not less, then says so.
#[test]
fn a_connect_that_never_completes_waits_the_whole_timeout_then_fails() {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(0).unwrap();
    let port = listener.local_addr().unwrap().as_socket().unwrap().port();
    // Fill the queue (backlog 0 holds one) and check that the next connect hangs.
    let mut fillers = Vec::new();
    let hangs = |fillers: &mut Vec<std::net::TcpStream>| {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => {
                fillers.push(s);
                false
            }
            Err(_) => true,
        }
    };
    let mut tries = 0;
    while !hangs(&mut fillers) {
        tries += 1;
        assert!(tries < 8, "the listen queue never filled");
    }
    let env = Env::new();
    let started = Instant::now();
    let out = env
        .cmd()
        .arg(format!("ftp://127.0.0.1:{port}/"))
        .args(["--timeout", "2", "--retries", "0", "-c", "pwd"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("cannot connect to 127.0.0.1"), "{err}");
    assert!(
        took >= Duration::from_millis(1900),
        "gave up after {took:?}: {err}"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");
    drop(fillers);
}

/// A bad `--ca-file` is found before anything goes over the network, also when TLS is only
/// wanted (the default `auto` for a login that is not anonymous): the server sees no
/// command, so no password can have been sent in the clear before the error.
#[test]
fn a_bad_ca_file_is_reported_before_connecting_for_a_user_login_in_auto_mode() {
    let server = FakeServer::start(fallback);
    let env = Env::new();
    let missing = env.local("missing.pem");
    let out = env
        .cmd()
        .env("FTPSH_PASSWORD", "s3cret")
        .arg(server.url())
        .args(["-u", "bob", "--timeout", "5", "--ca-file"])
        .arg(&missing)
        .args(["-c", "pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("missing.pem"), "{err}");
    assert!(server.commands().is_empty(), "{:?}", server.commands());
}

// --- keeping the session --------------------------------------------------------------------------

#[test]
fn a_failed_open_keeps_the_working_connection() {
    let env = Env::new();
    let (_refusing, dead_port) = refusing_port();
    let out = env
        .run(&format!("open 127.0.0.1:{dead_port}; pwd"))
        .arg("-k")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "/\n", "{}", stderr_of(&out));
}

/// A download stopped on our side (the server sent more than it announced) whose server
/// then answers twice (`426` then `226`, as vsftpd does after an abort): the second reply
/// must not be taken for the next command's. The NOOP after a failed transfer finds the
/// connection out of step, and the next command gets a fresh one.
#[test]
fn a_failed_transfer_that_leaves_a_reply_behind_does_not_confuse_the_next_command() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 1000".into()),
        "RETR" => Action::Data {
            preliminary: "150 Sending".into(),
            data: pattern(5000, 6),
            cut: false,
            then: "426 Connection closed; transfer aborted\n226 Abort successful".into(),
        },
        "PWD" => Action::Reply("257 \"/pub\" is the current directory".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-k", "--retries", "0", "-c", "get f; pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("more than the 1000 bytes"), "{err}");
    assert_eq!(stdout_of(&out), "/pub\n", "{err}");
}

#[test]
fn open_alone_reopens_the_last_server() {
    let env = Env::new();
    env.run("close; open; pwd").assert().success().stdout("/\n");
}

/// `open` alone while connected logs in again to the same server: the old connection is
/// closed first (QUIT before the new USER), because a server that allows one connection per
/// client would refuse a second one while the first is open.
#[test]
fn reopening_the_same_server_closes_the_old_connection_before_the_new_login() {
    let server = FakeServer::start(fallback);
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "--timeout", "5", "-c", "pwd; open; pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let cmds = server.commands();
    let users: Vec<usize> = (0..cmds.len())
        .filter(|&i| cmds[i].starts_with("USER"))
        .collect();
    let first_quit = cmds.iter().position(|c| c == "QUIT");
    assert_eq!(users.len(), 2, "{cmds:?}");
    assert!(
        first_quit.is_some_and(|q| users[0] < q && q < users[1]),
        "{cmds:?}"
    );
}

/// A URL's path is where that one login starts; `open` alone logs in afresh, at the
/// server's login directory, not at the path of the URL the session began with.
#[test]
fn open_alone_after_a_url_with_a_path_starts_at_the_login_directory() {
    let env = Env::new();
    env.remote_file("sub/f.txt", b"x");
    let out = env
        .cmd()
        .arg(format!("{}/sub/", env.url()))
        .args(["-c", "pwd; open; pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "/sub\n/\n");
}

#[test]
fn a_failed_reconnect_keeps_the_host() {
    // The first session is dropped by the server after login; every later one is refused,
    // so reconnects fail. The host must not be forgotten: each command tries again.
    let sessions = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&sessions);
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "USER" if seen.fetch_add(1, Ordering::SeqCst) > 0 => Action::Close,
        "SITE" => Action::Close,
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args([
            "-k",
            "--timeout",
            "5",
            "--retries",
            "0",
            "-c",
            "site x; pwd; pwd",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(!err.contains("not connected"), "{err}");
    assert_eq!(err.matches("reconnecting").count(), 2, "{err}");
}

#[test]
fn user_without_a_password_source_fails_before_connecting() {
    let server = FakeServer::start(fallback);
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["-u", "bar", "--timeout", "5", "-c", "pwd"])
        .assert()
        .code(4)
        .stderr(contains("no password for bar@127.0.0.1"));
    assert!(
        !server.commands().iter().any(|c| c.starts_with("PASS")),
        "{:?}",
        server.commands()
    );
}

#[test]
fn clear_text_password_warning_is_shown_once_per_host_and_never_with_q() {
    let env = Env::with(ServerOpts {
        user: Some(("bob".into(), "pw".into())),
        ..Default::default()
    });
    let run = |quiet: bool| {
        let mut c = env.cmd();
        c.env("FTPSH_PASSWORD", "pw").arg(env.url()).args([
            "-u",
            "bob",
            "-c",
            "user bob pw; user bob pw; pwd",
        ]);
        if quiet {
            c.arg("-q");
        }
        c.output().unwrap()
    };
    let out = run(false);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).matches("does not offer TLS").count(), 1);
    let out = run(true);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).matches("does not offer TLS").count(), 0);
}

#[test]
fn interactive_open_takes_port_and_tls_flags() {
    let env = Env::new();
    let port = env.server.port().to_string();
    env.cmd()
        .args(["-c", &format!("open --port {port} 127.0.0.1; pwd")])
        .assert()
        .success()
        .stdout("/\n");
    // The in-process server offers no TLS unless asked: --tls must refuse to go on.
    env.cmd()
        .args(["-c", &format!("open --tls --port {port} 127.0.0.1; pwd")])
        .assert()
        .code(7)
        .stdout("");
}

#[test]
fn tab_reconnects_after_the_server_dropped_an_idle_connection() {
    let env = Env::with(ServerOpts {
        idle_timeout: Some(1),
        ..Default::default()
    });
    env.remote_file("report-2026.txt", b"x");
    env.remote_file("sub/notes.txt", b"x");
    let url = env.url();
    let port = env.server.port();
    let mut p = crate::pty::spawn_shell(&env, &[&url]);
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    wait_until("the idle connection to drop", || {
        server_closed_connection_to(port)
    });
    p.send("get rep").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    // Was: nothing at all (the completer gave up on a dead connection).
    p.expect("get report-2026.txt").unwrap();
    p.send(ControlCode::NAK).unwrap();

    // With the server gone, Tab says why it cannot complete instead of doing nothing.
    // Only the server goes; the directories stay for the shell that still runs in them.
    let Env {
        root: _root,
        local: _local,
        home: _home,
        server,
    } = env;
    drop(server);
    wait_until("the server to go", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    });
    // (A directory not listed before: a cached listing would still be offered.)
    p.send("get sub/no").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    p.send("t").unwrap();
    p.expect("cannot complete").unwrap();
}

#[test]
fn ctrl_d_at_the_password_prompt_reports_on_a_line_of_its_own() {
    let env = Env::with(ServerOpts {
        user: Some(("bob".into(), "pw".into())),
        ..Default::default()
    });
    let url = env.url();
    let mut p = crate::pty::spawn_shell(&env, &["-u", "bob", &url]);
    p.expect("Password for bob@127.0.0.1:").unwrap();
    // The prompt is printed before the terminal is put in raw mode; a Ctrl-D typed before
    // that is taken by the line discipline. Wait until the terminal is raw.
    let pid = p.get_process().pid().as_raw();
    wait_until("the password prompt's raw mode", || {
        let Ok(tty) = std::fs::read_link(format!("/proc/{pid}/fd/0")) else {
            return false;
        };
        StdCommand::new("stty")
            .arg("-F")
            .arg(tty)
            .arg("-a")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("-icanon"))
    });
    p.send(ControlCode::EndOfTransmission).unwrap();
    // Was: the error printed on the prompt's own line. (`^` is where the prompt ended.)
    p.expect(Regex(
        r"^ ?\r?\nftpsh: cannot read the password: no password given",
    ))
    .unwrap();
    p.expect("ftpsh> ").unwrap();
}

#[test]
fn put_sets_the_remote_modification_time_with_mfmt() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "FEAT" => Action::Reply("211-Features:\n SIZE\n EPSV\n MFMT\n211 End".into()),
        "STOR" => Action::Upload {
            preliminary: "150 Go ahead".into(),
            then: "226 Done".into(),
        },
        "SIZE" => Action::Reply("213 4".into()),
        "MFMT" => Action::Reply("213 Modify=20010203040506; up.txt".into()),
        _ => fallback(c),
    });
    let env = Env::new();
    let local = env.local_file("up.txt", b"data");
    let when = std::time::UNIX_EPOCH + Duration::from_secs(981_173_106); // 2001-02-03 04:05:06
    std::fs::File::options()
        .write(true)
        .open(&local)
        .unwrap()
        .set_modified(when)
        .unwrap();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "put up.txt"])
        .assert()
        .success();
    assert!(
        server
            .commands()
            .iter()
            .any(|c| c == "MFMT 20010203040506 up.txt"),
        "{:?}",
        server.commands()
    );
}

#[test]
fn a_listed_symlink_size_is_not_taken_as_the_file_size() {
    // Without SIZE, only a plain file's listed size is a check: a symlink's is the length of
    // its target's name (mirrors list `latest -> 1.2.tar.gz`).
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("502 SIZE not implemented".into()),
        "CWD" if c != "CWD /" => Action::Reply("550 Not a directory".into()),
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: b"lrwxrwxrwx 1 u g 10 Jan 01 2024 f -> 1.2.tar.gz\r\n".to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: vec![b'x'; 400],
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "-c", "get f"])
        .assert()
        .success()
        .stderr(contains("(size not verified)"));
    assert_eq!(std::fs::read(env.local("f")).unwrap(), vec![b'x'; 400]);
}
