//! Retries as a user sees them (issue 11): the line each retry prints and its JSON object,
//! the bounds (`--retries`, `--retry-max-time`), a download that resumes where the failed try
//! stopped or starts over when the server refuses REST, and the commands that are never run
//! twice. The fault matrix (fault_matrix.rs) covers every fault at every phase; these pin the
//! rules down one by one against the scripted server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::util::{Env, json_of_type, pattern, stderr_of, stdout_of};

const SIZE: usize = 50_000;

/// A server with one file `f` whose first `cuts` RETRs break off after 20,000 bytes with a
/// 426; REST is answered `rest_reply`.
fn cutting_server(cuts: usize, rest_reply: &'static str) -> (FakeServer, Arc<AtomicUsize>) {
    let retrs = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&retrs);
    let body = pattern(SIZE, 7);
    let offset = Arc::new(AtomicUsize::new(0));
    let server = FakeServer::start(move |c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("");
        match verb(c).as_str() {
            "SIZE" => Action::Reply(format!("213 {SIZE}")),
            "REST" => {
                if rest_reply.starts_with('3') {
                    offset.store(arg.parse().unwrap_or(0), Ordering::SeqCst);
                }
                Action::Reply(rest_reply.into())
            }
            "RETR" => {
                let from = offset.swap(0, Ordering::SeqCst);
                if seen.fetch_add(1, Ordering::SeqCst) < cuts {
                    Action::Data {
                        preliminary: "150 Sending".into(),
                        data: body[from..20_000.max(from)].to_vec(),
                        cut: false,
                        then: "426 Connection closed; transfer aborted".into(),
                    }
                } else {
                    Action::Data {
                        preliminary: "150 Sending".into(),
                        data: body[from..].to_vec(),
                        cut: false,
                        then: "226 Done".into(),
                    }
                }
            }
            _ => fallback(c),
        }
    });
    (server, retrs)
}

fn config(env: &Env, text: &str) -> String {
    let p = env.home.path().join("retry.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn a_cut_download_is_retried_after_a_shown_wait_and_resumes_with_rest() {
    let (server, retrs) = cutting_server(1, "350 Restarting");
    let env = Env::new();
    let started = Instant::now();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get f"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(std::fs::read(env.local("f")).unwrap(), pattern(SIZE, 7));
    // One line, with the attempt, the bound, the wait (1 s ± 20%) and the reason.
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("retry")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    let l = lines[0];
    assert!(l.starts_with("get f: retry 1/3 in "), "{l}");
    assert!(
        l.ends_with("s: transfer broken off: 426 Connection closed; transfer aborted"),
        "{l}"
    );
    let wait: f64 = l["get f: retry 1/3 in ".len()..]
        .split('s')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.8..=1.2).contains(&wait), "{l}");
    assert!(started.elapsed() >= Duration::from_millis(750));
    // The retry asked for the rest only.
    assert_eq!(retrs.load(Ordering::SeqCst), 2);
    assert!(
        server.commands().contains(&"REST 20000".to_string()),
        "{:?}",
        server.commands()
    );
}

#[test]
fn a_retry_is_a_json_object_too() {
    let (server, _) = cutting_server(1, "350 Restarting");
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "--json", "-c", "get f"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let retries = json_of_type(&stdout_of(&out), "retry");
    assert_eq!(retries.len(), 1, "{}", stdout_of(&out));
    let r = &retries[0];
    assert_eq!(r["command"], "get");
    assert_eq!(r["target"], "f");
    assert_eq!(
        (r["attempt"].as_u64(), r["retries"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(r["wait"].as_f64(), Some(0.0));
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("get f: retry 1/3 in 0s: ")
    );
    let t = json_of_type(&stdout_of(&out), "transfer");
    assert_eq!(t[0]["resumed_from"], 20_000);

    // With --progress json, stderr carries it among the transfer events.
    let (server, _) = cutting_server(1, "350 Restarting");
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--config",
            &cfg,
            "--progress",
            "json",
            "-c",
            "get f",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let json: String = stderr_of(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| format!("{l}\n"))
        .collect();
    let retries = json_of_type(&json, "retry");
    assert_eq!(retries.len(), 1, "{}", stderr_of(&out));
    assert_eq!(retries[0]["attempt"], 1);
}

#[test]
fn a_server_that_refuses_rest_makes_the_retry_start_over() {
    let (server, _) = cutting_server(1, "502 REST not implemented");
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "get f"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("f: the server cannot resume (the server refused REST: 502 REST not implemented); starting over"),
        "{err}"
    );
    assert_eq!(std::fs::read(env.local("f")).unwrap(), pattern(SIZE, 7));
}

/// A download from the first byte sends no REST (a server without REST serves it whole),
/// and a 5xx to its RETR is the RETR's refusal, not a refused REST: no "cannot resume", no
/// second RETR.
#[test]
fn a_download_from_the_start_sends_no_rest_and_its_refusal_is_not_blamed_on_rest() {
    let (server, _) = cutting_server(0, "502 REST not implemented");
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get f"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("f")).unwrap(), pattern(SIZE, 7));
    let cmds = server.commands();
    assert!(!cmds.iter().any(|c| c.starts_with("REST")), "{cmds:?}");

    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 100".into()),
        "RETR" => Action::Reply("502 RETR not allowed here".into()),
        _ => fallback(c),
    });
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "get g"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        crate::util::error_lines(&err),
        vec!["get: g: 502 RETR not allowed here"],
        "{err}"
    );
    assert!(!err.contains("resume"), "{err}");
    let retrs = server
        .commands()
        .iter()
        .filter(|c| c.starts_with("RETR"))
        .count();
    assert_eq!(retrs, 1, "{:?}", server.commands());
}

#[test]
fn retries_stop_at_the_count_and_leave_the_part() {
    let (server, retrs) = cutting_server(usize::MAX, "350 Restarting");
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--config",
            &cfg,
            "--retries",
            "2",
            "-c",
            "get f",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert_eq!(err.matches(": retry ").count(), 2, "{err}");
    assert!(err.contains("get f: retry 2/2 in 0s"), "{err}");
    assert_eq!(retrs.load(Ordering::SeqCst), 3);
    assert!(!env.local("f").exists());
    assert!(env.local("f.part").exists());
}

#[test]
fn retries_0_fails_at_once() {
    let (server, retrs) = cutting_server(1, "350 Restarting");
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "--retries", "0", "-c", "get f"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(!err.contains("retry"), "{err}");
    assert_eq!(retrs.load(Ordering::SeqCst), 1);
}

#[test]
fn no_retry_starts_after_the_retry_max_time() {
    let (server, retrs) = cutting_server(usize::MAX, "350 Restarting");
    let env = Env::new();
    // The first wait (10 s ± 20%) would end past the 5 s bound: no retry at all.
    let cfg = config(&env, "[settings]\nretry_delay = 10\n");
    let started = Instant::now();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--config",
            &cfg,
            "--retry-max-time",
            "5",
            "-c",
            "get f",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("retry"), "{}", stderr_of(&out));
    assert_eq!(retrs.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn rm_is_never_retried() {
    let deles = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&deles);
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "DELE" => {
            seen.fetch_add(1, Ordering::SeqCst);
            Action::Reply("421 Timeout, closing control connection".into())
        }
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "-c", "rm f"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(!err.contains("retry"), "{err}");
    assert_eq!(deles.load(Ordering::SeqCst), 1);
}

#[test]
fn a_listing_that_printed_lines_is_not_retried_but_one_that_printed_nothing_is() {
    let lists = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&lists);
    let two = b"-rw-r--r-- 1 u g 1 Jan 01  2024 a\r\n-rw-r--r-- 1 u g 1 Jan 01  2024 b\r\n";
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "LIST" => {
            let (data, then) = match seen.fetch_add(1, Ordering::SeqCst) {
                // `dir`: two lines printed, then the listing breaks off.
                0 => (two.to_vec(), "426 Connection closed; transfer aborted"),
                // `ls`: breaks off before a line came, so nothing was printed...
                1 => (Vec::new(), "426 Connection closed; transfer aborted"),
                // ...and its retry gets the whole listing.
                _ => (two.to_vec(), "226 Done"),
            };
            Action::Data {
                preliminary: "150 Here".into(),
                data,
                cut: false,
                then: then.into(),
            }
        }
        _ => fallback(c),
    });
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).lines().count(), 2);
    assert!(!stderr_of(&out).contains("retry"), "{}", stderr_of(&out));
    assert_eq!(lists.load(Ordering::SeqCst), 1);

    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "ls"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("ls: retry 1/3 in 0s: listing broken off: 426"),
        "{err}"
    );
    assert_eq!(stdout_of(&out), "a\nb\n");
    assert_eq!(lists.load(Ordering::SeqCst), 3);
}

#[test]
fn a_421_at_login_is_retried_on_a_new_connection() {
    let conns = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&conns);
    // The first session is refused at USER: "421 Too many users".
    let server = FakeServer::start(move |c| {
        if verb(c) == "USER" && seen.fetch_add(1, Ordering::SeqCst) == 0 {
            return Action::Reply("421 Too many users, try later".into());
        }
        fallback(c)
    });
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 0\n");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "pwd"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("open 127.0.0.1:"), "{err}");
    assert!(err.contains(": retry 1/3 in 0s: "), "{err}");
    assert_eq!(stdout_of(&out), "/\n");
}

/// A retry's wait is not a reply's: a wait longer than --timeout does not make the watchdog
/// cut the connection (which would cost a reconnect).
#[test]
fn a_wait_longer_than_the_timeout_keeps_the_connection() {
    let (server, retrs) = cutting_server(1, "350 Restarting");
    let env = Env::new();
    let cfg = config(&env, "[settings]\nretry_delay = 2\n");
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--config",
            &cfg,
            "--timeout",
            "1",
            "-c",
            "get f",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("get f: retry 1/3 in "), "{err}");
    assert!(!err.contains("reconnecting"), "{err}");
    assert_eq!(retrs.load(Ordering::SeqCst), 2);
    assert_eq!(std::fs::read(env.local("f")).unwrap(), pattern(SIZE, 7));
}
