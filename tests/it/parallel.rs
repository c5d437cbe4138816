//! `-P N`: many files over worker connections of their own. The results must not depend on N;
//! a server that limits logins makes the pool smaller, a worker whose connection drops has
//! its file retried, and one failing file does not stop the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::util::{Env, json_of_type, pattern, stderr_of, stdout_of};

/// Twelve files of different sizes (one empty, one of several blocks).
fn files() -> Vec<(String, Vec<u8>)> {
    (0..12)
        .map(|i| {
            let len = match i {
                0 => 0,
                5 => 700_000,
                _ => 1000 * i + 17,
            };
            (format!("f{i:02}.bin"), pattern(len, i as u64 + 1))
        })
        .collect()
}

/// `get -P N` with 1, 4 and 16 workers fetches the same files, byte for byte, and the summary
/// counts them; `put -P 4` sends them back the same.
#[test]
fn get_and_put_in_parallel_give_identical_files_for_any_worker_count() {
    let env = Env::new();
    for (name, data) in files() {
        env.remote_file(&format!("src/{name}"), data.as_slice());
    }
    for n in [1, 4, 16] {
        let dir = format!("out{n}");
        std::fs::create_dir(env.local(&dir)).unwrap();
        let out = env
            .run(&format!("get -P {n} -o {dir}/ 'src/*.bin'"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        for (name, data) in files() {
            let got = std::fs::read(env.local(&format!("{dir}/{name}"))).unwrap();
            assert!(got == data, "-P {n}: {name} differs");
        }
        let leftovers: Vec<_> = std::fs::read_dir(env.local(&dir))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        if n > 1 {
            let err = stderr_of(&out);
            assert!(
                err.contains("get: 12 files: 12 done, 0 skipped, 0 failed;"),
                "{err}"
            );
        }
    }
    // Back up, in parallel, into a new directory; JSON shows a transfer per file and the
    // summary.
    let out = env
        .cmd()
        .current_dir(env.local("out4"))
        .args([
            &env.url(),
            "--json",
            "-c",
            "mkdir back; put -P 4 -o back/ *.bin",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    for (name, data) in files() {
        assert!(
            std::fs::read(env.remote(&format!("back/{name}"))).unwrap() == data,
            "{name}"
        );
    }
    let text = stdout_of(&out);
    assert_eq!(json_of_type(&text, "transfer").len(), 12);
    let summary = json_of_type(&text, "summary");
    assert_eq!(summary.len(), 1, "{text}");
    assert_eq!(summary[0]["done"], 12);
    assert_eq!(summary[0]["command"], "put");
    // The summary's bytes are the files' bytes, added up.
    let total: u64 = files().iter().map(|(_, d)| d.len() as u64).sum();
    assert_eq!(summary[0]["bytes"], total, "{text}");
}

/// One file of a parallel put failing (the remote name is a directory) is reported under
/// its own name, on one line; the other file lands and the exit code is the failure's.
#[test]
fn a_failed_file_of_a_parallel_put_is_named_in_its_error() {
    let env = Env::new();
    env.local_file("a.txt", b"hello\n");
    env.local_file("b.txt", b"world\n");
    std::fs::create_dir(env.remote("b.txt")).unwrap();
    let out = env.run("put -P 2 a.txt b.txt").output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    let failed: Vec<&str> = err.lines().filter(|l| l.contains("550")).collect();
    assert_eq!(failed.len(), 1, "{err}");
    assert!(failed[0].starts_with("put: b.txt: 550 "), "{err}");
    assert!(
        err.contains("put: 2 files: 1 done, 0 skipped, 1 failed;"),
        "{err}"
    );
    assert_eq!(std::fs::read(env.remote("a.txt")).unwrap(), b"hello\n");
}

/// A scripted server with `n` files: SIZE and RETR answer for each; `retr` decides what a
/// RETR does (the test's fault).
fn file_server(
    n: usize,
    login_limit: usize,
    retr: impl Fn(&str, Vec<u8>) -> Action + Send + Sync + 'static,
) -> (FakeServer, Arc<AtomicUsize>) {
    let logins = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&logins);
    let script = file_server_script(n, retr);
    let server = FakeServer::start(move |c| {
        if verb(c) == "PASS" && counted.fetch_add(1, Ordering::SeqCst) >= login_limit {
            return Action::Reply("421 Too many connections from your address".into());
        }
        script(c)
    });
    (server, logins)
}

/// The script of [`file_server`] without the login limit.
fn file_server_script(
    n: usize,
    retr: impl Fn(&str, Vec<u8>) -> Action + Send + Sync + 'static,
) -> impl Fn(&str) -> Action + Send + Sync + 'static {
    move |c: &str| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
        let body = |name: &str| {
            let i: u64 = name.trim_start_matches('f').parse().unwrap_or(99);
            pattern(20_000 + i as usize, i + 1)
        };
        match verb(c).as_str() {
            "SIZE" if arg.starts_with('f') && (arg[1..].parse::<usize>().is_ok_and(|i| i < n)) => {
                Action::Reply(format!("213 {}", body(&arg).len()))
            }
            "SIZE" => Action::Reply("550 No such file".into()),
            "CWD" if arg != "/" => Action::Reply("550 No such directory".into()),
            "RETR" => retr(&arg, body(&arg)),
            _ => fallback(c),
        }
    }
}

fn served(body: Vec<u8>) -> Action {
    Action::Data {
        preliminary: "150 Opening data connection".into(),
        data: body,
        cut: false,
        then: "226 Transfer complete".into(),
    }
}

/// The `parallel` setting is `-P` for commands given without it: `set parallel 3` makes
/// `get` log in workers, and without the setting `get` of several files uses the shell's
/// connection alone.
#[test]
fn the_parallel_setting_gives_get_its_workers() {
    let (server, logins) = file_server(4, 100, |_, body| served(body));
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get f0 f1 f2 f3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(logins.load(Ordering::SeqCst), 1);
    let (server, logins) = file_server(4, 100, |_, body| served(body));
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "set parallel 3; get f0 f1 f2 f3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    // The shell's login and at least one worker's (a worker that finds the queue empty
    // does not log in, so how many more is up to the scheduler).
    assert!(logins.load(Ordering::SeqCst) >= 2, "{logins:?}");
    for i in 0..4u64 {
        let got = std::fs::read(env.local(&format!("f{i}"))).unwrap();
        assert!(got == pattern(20_000 + i as usize, i + 1), "f{i}");
    }
}

/// A server that allows two logins: the shell's and one worker. `-P 4` goes on with what it
/// gets, says so once, and still fetches every file.
#[test]
fn a_login_limit_shrinks_the_pool_and_the_run_goes_on() {
    let (server, logins) = file_server(6, 2, |_, body| served(body));
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get -P 4 f0 f1 f2 f3 f4 f5"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("worker connections could not log in") && err.contains("421"),
        "{err}"
    );
    assert_eq!(err.matches("could not log in").count(), 1, "{err}");
    for i in 0..6u64 {
        let got = std::fs::read(env.local(&format!("f{i}"))).unwrap();
        assert!(got == pattern(20_000 + i as usize, i + 1), "f{i}");
    }
    // More than two logins were tried: the pool did ask for its workers.
    assert!(logins.load(Ordering::SeqCst) > 2);
}

/// A worker's connection drops in the middle of a file: the file is fetched again over a
/// fresh login and the run ends well.
#[test]
fn a_worker_connection_dropped_mid_file_is_retried() {
    let cut_done = Arc::new(AtomicBool::new(false));
    let cut = Arc::clone(&cut_done);
    let (server, _) = file_server(4, 100, move |name, body| {
        if name == "f2" && !cut.swap(true, Ordering::SeqCst) {
            Action::Data {
                preliminary: "150 Opening data connection".into(),
                data: body[..5000].to_vec(),
                cut: true,
                then: String::new(),
            }
        } else {
            served(body)
        }
    });
    get_four_and_check(&server);
    assert!(cut_done.load(Ordering::SeqCst), "the fault never happened");
}

/// `get -P 2 f0 f1 f2 f3` from a [`file_server`]: it succeeds and every file is right.
fn get_four_and_check(server: &FakeServer) {
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get -P 2 f0 f1 f2 f3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    for i in 0..4u64 {
        let got = std::fs::read(env.local(&format!("f{i}"))).unwrap();
        assert!(got == pattern(20_000 + i as usize, i + 1), "f{i}");
    }
}

/// vsftpd ends a session with `500 OOPS: ...` when its helper process fails (seen under
/// load, `mirror -P 8` of 10,000 files): the worker logs in again and the file is
/// fetched; the run ends well.
#[test]
fn a_session_the_server_ends_with_its_refusal_is_retried_on_a_fresh_login() {
    let oops_done = Arc::new(AtomicBool::new(false));
    let oops = Arc::clone(&oops_done);
    let (server, _) = file_server(4, 100, move |name, body| {
        if name == "f1" && !oops.swap(true, Ordering::SeqCst) {
            Action::DataThenClose {
                preliminary: "150 Opening data connection".into(),
                data: body,
                then: "500 OOPS: priv_sock_get_int".into(),
            }
        } else {
            served(body)
        }
    });
    get_four_and_check(&server);
    assert!(oops_done.load(Ordering::SeqCst), "the fault never happened");
}

/// A transfer cut short while the control connection stays up (the server says 426 after
/// part of the file): the file is fetched again on a fresh login.
#[test]
fn a_transfer_cut_with_the_connection_up_is_retried() {
    let cut_done = Arc::new(AtomicBool::new(false));
    let cut = Arc::clone(&cut_done);
    let (server, _) = file_server(4, 100, move |name, body| {
        if name == "f3" && !cut.swap(true, Ordering::SeqCst) {
            Action::Data {
                preliminary: "150 Opening data connection".into(),
                data: body[..7000].to_vec(),
                cut: false,
                then: "426 Connection closed; transfer aborted".into(),
            }
        } else {
            served(body)
        }
    });
    get_four_and_check(&server);
    assert!(cut_done.load(Ordering::SeqCst), "the fault never happened");
}

/// One missing file among others: the others arrive, the failure is listed, the summary
/// counts it, the exit code is the failure's (5), and JSON has an error object for it.
#[test]
fn one_failing_file_does_not_stop_the_others() {
    let (server, _) = file_server(3, 100, |_, body| served(body));
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get -P 3 f0 nope f1 f2"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    for i in 0..3 {
        assert!(env.local(&format!("f{i}")).exists(), "f{i}: {err}");
    }
    assert!(err.contains("get: nope: 550"), "{err}");
    // A refusal is the file's answer, not a broken connection: asked once, not retried.
    let asked = server
        .commands()
        .into_iter()
        .filter(|c| c == "SIZE nope")
        .count();
    assert_eq!(asked, 1, "{:?}", server.commands());
    assert!(
        err.contains("get: 4 files: 3 done, 0 skipped, 1 failed;"),
        "{err}"
    );
    assert!(err.contains("get: 1 of 4 files failed"), "{err}");

    let out = env
        .cmd()
        .args([&server.url(), "--json", "-c", "get -P 3 -n f0 nope"])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    let errors = json_of_type(&text, "error");
    assert_eq!(errors.len(), 2, "{text}");
    assert_eq!(errors[0]["target"], "nope");
    assert_eq!(errors[0]["exit"], 5);
    assert_eq!(errors[1]["exit"], 5);
    assert_eq!(json_of_type(&text, "summary")[0]["skipped"], 1, "{text}");
}

#[test]
fn parallel_counts_outside_one_to_sixteen_are_usage_errors() {
    let env = Env::new();
    for bad in ["0", "17", "x"] {
        let out = env.run(&format!("get -P {bad} a b")).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr_of(&out));
    }
}

const MIB: usize = 1024 * 1024;

/// The `transfer` object of a JSON run.
fn transfer_of(out: &std::process::Output) -> serde_json::Value {
    let text = stdout_of(out);
    let t = json_of_type(&text, "transfer");
    assert_eq!(t.len(), 1, "{text}\n{}", stderr_of(out));
    t[0].clone()
}

/// `pget -n 4` and `get --segments 3` fetch the file exactly, rename it into place and
/// leave no `.part` or record of the ranges behind.
#[test]
fn pget_fetches_a_file_in_ranges_exactly() {
    let env = Env::new();
    let body = pattern(5 * MIB + 12_345, 9);
    env.remote_file("big.bin", &body);
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "pget -n 4 big.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::read(env.local("big.bin")).unwrap() == body);
    let t = transfer_of(&out);
    assert_eq!(t["command"], "pget");
    assert_eq!(t["bytes"], body.len());
    assert_eq!(t["verified"], serde_json::json!(["size"]));
    assert!(!env.local("big.bin.part").exists());
    assert!(!env.local("big.bin.part.segments").exists());

    assert!(
        !stderr_of(&out).contains("starting over"),
        "{}",
        stderr_of(&out)
    );

    // `get --segments 3` is a pget: three ranges, three RETRs (the trace shows the
    // workers' commands); the second time over the file the first one wrote.
    for _ in 0..2 {
        let out = env
            .run("get --segments 3 -o copy.bin big.bin")
            .arg("-v")
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(std::fs::read(env.local("copy.bin")).unwrap() == body);
        let count = |f: &dyn Fn(&str) -> bool| err.lines().filter(|l| f(l)).count();
        assert_eq!(count(&|l| l == "--> RETR big.bin"), 3, "{err}");
        assert_eq!(count(&|l| l.starts_with("--> REST ")), 2, "{err}");
    }

    // A plain pget over a `.part` left by another run starts over, and says how to resume.
    env.local_file("again.bin.part", b"old bytes");
    let out = env.run("pget -o again.bin big.bin").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("again.bin.part: exists ('pget -c' resumes it); starting over"),
        "{}",
        stderr_of(&out)
    );
    assert!(std::fs::read(env.local("again.bin")).unwrap() == body);

    // Nothing to lose, nothing said: `pget -c` with no `.part`, and `pget` over an empty one.
    env.local_file("empty.bin.part", b"");
    for cmd in ["pget -c -o fresh.bin big.bin", "pget -o empty.bin big.bin"] {
        let out = env.run(cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr_of(&out));
        assert!(
            !stderr_of(&out).contains("starting over"),
            "{cmd}: {}",
            stderr_of(&out)
        );
    }
    assert!(std::fs::read(env.local("fresh.bin")).unwrap() == body);
    assert!(std::fs::read(env.local("empty.bin")).unwrap() == body);
}

/// After a crash the record of the ranges says what is there: `pget -c` fetches only the
/// rest (the report's `resumed_from` and `bytes` add up to the file) and the file is right.
#[test]
fn pget_c_fetches_only_the_missing_ranges() {
    let env = Env::new();
    let size = 4 * MIB;
    let body = pattern(size, 4);
    env.remote_file("f.bin", &body);
    // Four ranges of 1 MiB: the first and third complete, the second half done, the
    // fourth not started; what is on disk of them is the server's data.
    let mut part = vec![0u8; size];
    let done: [(usize, usize); 3] = [(0, MIB), (MIB, MIB + MIB / 2), (2 * MIB, 3 * MIB)];
    for (a, b) in done {
        part[a..b].copy_from_slice(&body[a..b]);
    }
    env.local_file("f.bin.part", &part);
    env.local_file(
        "f.bin.part.segments",
        format!(
            "ftpsh-segments 1\nsize {size}\n0 {m1} {m1}\n{m1} {m2} {h}\n{m2} {m3} {m3}\n{m3} {m4} {m3}\n",
            m1 = MIB,
            m2 = 2 * MIB,
            m3 = 3 * MIB,
            m4 = 4 * MIB,
            h = MIB + MIB / 2
        )
        .as_bytes(),
    );
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "pget -c -n 4 f.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::read(env.local("f.bin")).unwrap() == body);
    let t = transfer_of(&out);
    assert_eq!(t["resumed_from"], 2 * MIB + MIB / 2, "{t}");
    assert_eq!(t["bytes"], MIB + MIB / 2, "{t}");
    assert!(!env.local("f.bin.part.segments").exists());

    // A record for another size (the remote file changed) is not trusted: start over.
    env.local_file("f.bin.part", &part);
    env.local_file(
        "f.bin.part.segments",
        b"ftpsh-segments 1\nsize 99\n0 99 99\n",
    );
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "pget -c f.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("starting over"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(transfer_of(&out)["resumed_from"], 0);
    assert!(std::fs::read(env.local("f.bin")).unwrap() == body);
}

/// pget -n 3 against a server that lets two connections be logged in at once (the shell's
/// and one worker), notices a closed connection only 900 ms later, and cuts one range once,
/// half-way. A worker's next login is then refused, and so is the next round's; ftpsh
/// waits 0.5 s and is refused again, then 1 s and gets in: the refused logins leave their
/// ranges to later rounds, the cut range goes on from where it stopped (not from its
/// start), and the file is exact.
#[test]
fn pget_against_a_login_limit_and_a_cut_range_fetches_the_file_exactly() {
    const SIZE: usize = 3 * MIB;
    let body = Arc::new(pattern(SIZE, 21));
    let cut_once = Arc::new(AtomicBool::new(false));
    let (served, cut) = (Arc::clone(&body), Arc::clone(&cut_once));
    let release = std::time::Duration::from_millis(900);
    let server = FakeServer::start_with_login_limit(2, release, move |c| match verb(c).as_str() {
        "SIZE" => Action::Reply(format!("213 {SIZE}")),
        "REST" => Action::Reply("350 Restarting".into()),
        "RETR" => {
            let from = (crate::fake::rest_offset() as usize).min(SIZE);
            if from == MIB && !cut.swap(true, Ordering::SeqCst) {
                // The second range, the first time: half of it, then both connections close.
                Action::Data {
                    preliminary: "150 Opening data connection".into(),
                    data: served[from..from + MIB / 2].to_vec(),
                    cut: true,
                    then: String::new(),
                }
            } else {
                Action::Data {
                    preliminary: "150 Opening data connection".into(),
                    data: served[from..].to_vec(),
                    cut: false,
                    then: "226 Transfer complete".into(),
                }
            }
        }
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "--json", "-c", "pget -n 3 big.bin"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(std::fs::read(env.local("big.bin")).unwrap() == *body);
    assert!(cut_once.load(Ordering::SeqCst), "the cut happened");
    assert!(
        err.contains("logins were refused") && err.contains("421"),
        "{err}"
    );
    let cmds = server.commands();
    let resumed = format!("REST {}", MIB + MIB / 2);
    assert!(cmds.contains(&resumed), "{cmds:?}");
    let t = transfer_of(&out);
    assert_eq!(t["bytes"], SIZE, "{t}");
    assert!(!env.local("big.bin.part").exists());
    assert!(!env.local("big.bin.part.segments").exists());
}

/// A fake server with one file `big.bin` of `size` bytes served by byte range (REST then
/// RETR); `cut(from)` says whether the RETR from `from` sends half of what is left of the
/// file and then closes both connections. Also returns the count of logins (PASS) and of RETRs.
fn range_server(
    size: usize,
    cut: impl Fn(usize) -> bool + Send + Sync + 'static,
) -> (FakeServer, Arc<AtomicUsize>, Arc<Vec<u8>>) {
    let body = Arc::new(pattern(size, 22));
    let logins = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (Arc::clone(&body), Arc::clone(&logins));
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "PASS" => {
            counted.fetch_add(1, Ordering::SeqCst);
            Action::Reply("230 Logged in".into())
        }
        "SIZE" => Action::Reply(format!("213 {size}")),
        "REST" => Action::Reply("350 Restarting".into()),
        "RETR" => {
            let from = (crate::fake::rest_offset() as usize).min(size);
            let cut = cut(from);
            let end = if cut { from + (size - from) / 2 } else { size };
            Action::Data {
                preliminary: "150 Opening data connection".into(),
                data: served[from..end].to_vec(),
                cut,
                then: "226 Transfer complete".into(),
            }
        }
        _ => fallback(c),
    });
    (server, logins, body)
}

/// A worker logs in only while ranges are left: two ranges over two connections cost at
/// most three worker logins (one more when a worker logs in just as the other takes the
/// last range), never a login per worker after the work is done.
#[test]
fn pget_workers_log_in_only_while_ranges_are_left_and_each_login_ends_with_quit() {
    let (server, logins, body) = range_server(2 * MIB, |_| false);
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "pget -n 2 big.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::read(env.local("big.bin")).unwrap() == *body);
    // The shell's login and the workers'.
    let n = logins.load(Ordering::SeqCst);
    assert!((3..=4).contains(&n), "{n} logins");
    // Each connection ends with QUIT, the workers' too (their sessions are dropped, not
    // closed by hand). The server may read the last ones after ftpsh has exited.
    crate::util::wait_until("a QUIT for every login", || {
        server.commands().iter().filter(|c| *c == "QUIT").count() == n
    });
}

/// A range whose connection breaks every time is fetched twice (once more over a fresh
/// connection, from where it got to), then pget fails (exit 8; with `--retries 0`, no
/// retry of the whole pget) and keeps the `.part` and its record for `pget -c`.
#[test]
fn a_range_that_breaks_every_time_is_tried_twice_then_pget_fails() {
    let (server, _, _) = range_server(2 * MIB, |from| (MIB..2 * MIB).contains(&from));
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--timeout",
            "5",
            "--retries",
            "0",
            "-c",
            "pget -n 2 big.bin",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(
        err.contains("incomplete; 'pget -c' fetches only the missing ranges"),
        "{err}"
    );
    let second_range: Vec<String> = server
        .commands()
        .into_iter()
        .filter(|c| c.starts_with("REST ") && c != "REST 0")
        .collect();
    assert_eq!(
        second_range,
        vec![format!("REST {MIB}"), format!("REST {}", MIB + MIB / 2)]
    );
    assert!(env.local("big.bin.part").exists() && env.local("big.bin.part.segments").exists());
    assert!(!env.local("big.bin").exists());
}

/// `get --segments 2` whose second range breaks twice (its try and its retry over a fresh
/// connection) fails that round; the command's own retry (`--retries 1`) then resumes from
/// the record: the first range is not fetched again, the second goes on from where it got
/// to, and the file is exact.
#[test]
fn get_segments_retried_after_a_broken_range_resumes_from_the_record() {
    let cuts = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&cuts);
    let (server, _, body) = range_server(2 * MIB, move |from| {
        (MIB..2 * MIB).contains(&from) && counted.fetch_add(1, Ordering::SeqCst) < 2
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--timeout",
            "5",
            "--retries",
            "1",
            "-c",
            "get --segments 2 big.bin",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(std::fs::read(env.local("big.bin")).unwrap() == *body);
    assert!(err.contains("get big.bin: retry 1/1"), "{err}");
    // The first range is a RETR without REST: four RETRs in all, one for the first range.
    let cmds = server.commands();
    assert_eq!(
        cmds.iter().filter(|c| c.starts_with("RETR ")).count(),
        4,
        "{cmds:?}"
    );
    let rests: Vec<String> = cmds
        .iter()
        .filter(|c| c.starts_with("REST "))
        .cloned()
        .collect();
    let quarter = MIB / 4;
    assert_eq!(
        rests,
        [MIB, MIB + 2 * quarter, MIB + 3 * quarter]
            .iter()
            .map(|n| format!("REST {n}"))
            .collect::<Vec<_>>(),
        "{err}"
    );
    assert!(!env.local("big.bin.part").exists());
    assert!(!env.local("big.bin.part.segments").exists());
}

/// Ctrl-C in the middle of a slow pget: exit 130, the `.part` and its record stay, and
/// `pget -c` finishes the file from where the ranges had got to.
#[test]
fn pget_interrupted_leaves_a_record_that_pget_c_resumes() {
    let env = Env::with(crate::server::ServerOpts {
        throttle: Some(256 * 1024),
        ..crate::server::ServerOpts::default()
    });
    let size = 3 * MIB;
    let body = pattern(size, 5);
    env.remote_file("slow.bin", &body);
    let url = env.url();
    let mut child = crate::util::spawn_batch(&env, &[&url, "-c", "pget -n 3 slow.bin"]);
    let record = env.local("slow.bin.part.segments");
    // Wait until the record shows progress in some range (it is rewritten every second).
    crate::util::wait_until("a range to make progress", || {
        std::fs::read_to_string(&record).is_ok_and(|t| {
            t.lines().skip(2).any(|l| {
                let n: Vec<u64> = l.split(' ').filter_map(|x| x.parse().ok()).collect();
                n.len() == 3 && n[2] > n[0]
            })
        })
    });
    crate::util::interrupt(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(env.local("slow.bin.part").exists() && record.exists());
    assert!(!env.local("slow.bin").exists());

    let out = env
        .cmd()
        .args([&url, "--json", "-c", "pget -c -n 3 slow.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let t = transfer_of(&out);
    assert!(t["resumed_from"].as_u64().unwrap() > 0, "{t}");
    assert_eq!(
        t["resumed_from"].as_u64().unwrap() + t["bytes"].as_u64().unwrap(),
        size as u64
    );
    assert!(std::fs::read(env.local("slow.bin")).unwrap() == body);
}
