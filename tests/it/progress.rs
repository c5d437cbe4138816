//! `--progress` (issue 8): plain lines for logs, NDJSON events for programs, the `auto`
//! default when stderr is not a terminal, and `-q`. Transfers are paced by the in-process
//! server (`ServerOpts::throttle`): the file's size over the rate is a lower bound on a
//! transfer's duration however loaded the machine is, so a transfer of 448 KiB at 64 KiB/s
//! lasts at least 7 s, past plain mode's 5 s interval.

use std::time::{Duration, Instant};

use crate::server::ServerOpts;
use crate::util::{Env, pattern, spawn_batch, stderr_of, stdout_of, wait_for_bytes};

/// 448 KiB at 64 KiB/s: about 7 s.
const SLOW_LEN: usize = 448 * 1024;
const SLOW_RATE: u64 = 64 * 1024;

fn slow_env() -> Env {
    Env::with(ServerOpts {
        throttle: Some(SLOW_RATE),
        ..ServerOpts::default()
    })
}

/// The byte count of a plain progress line for `name` (`get: NAME: N of TOTAL bytes (P%),
/// RATE/s, ETA T`), checking its form; `None` for any other line.
fn plain_bytes(line: &str, name: &str, total: usize) -> Option<usize> {
    let rest = line.strip_prefix(&format!("get: {name}: "))?;
    let (bytes, rest) = rest.split_once(&format!(" of {total} bytes ("))?;
    let bytes: usize = bytes.parse().ok()?;
    let (pct, rest) = rest.split_once("%), ")?;
    assert_eq!(
        pct.parse::<usize>().ok(),
        Some(bytes * 100 / total),
        "{line}"
    );
    assert!(rest.contains("/s"), "no rate: {line}");
    Some(bytes)
}

/// Checks the stderr of a run that took `took` for plain progress: at least one line with
/// part of the file, before the summary line, which ends it; no more than one per 5 s.
fn assert_plain_progress_then_summary(stderr: &str, took: Duration) {
    let lines: Vec<&str> = stderr.lines().collect();
    let summary = lines
        .iter()
        .position(|l| l.starts_with(&format!("get: big.bin: {SLOW_LEN} bytes in ")))
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    assert_eq!(
        summary,
        lines.len() - 1,
        "the summary is the last line:\n{stderr}"
    );
    let progress: Vec<usize> = lines[..summary]
        .iter()
        .filter_map(|l| plain_bytes(l, "big.bin", SLOW_LEN))
        .collect();
    assert!(
        progress.iter().any(|&b| b > 0 && b < SLOW_LEN),
        "no intermediate progress line before the summary:\n{stderr}"
    );
    // At most one line per 5 s, the first after 5 s (the run lasted longer than the
    // transfer).
    assert!(
        progress.len() as u64 <= took.as_secs() / 5,
        "{} lines in {took:?}:\n{stderr}",
        progress.len()
    );
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{stderr}");
}

#[test]
fn plain_progress_prints_an_intermediate_line_during_a_slow_download() {
    let env = slow_env();
    let data = pattern(SLOW_LEN, 8);
    env.remote_file("big.bin", &data);
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["--progress", "plain", &env.url(), "-c", "get big.bin"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), data);
    assert_plain_progress_then_summary(&stderr_of(&out), took);
}

/// `auto` (the default) with stderr captured, as in a cron job, is plain mode.
#[test]
fn default_progress_with_stderr_not_a_terminal_is_plain_lines() {
    let env = slow_env();
    let data = pattern(SLOW_LEN, 9);
    env.remote_file("big.bin", &data);
    let started = Instant::now();
    let out = env.run("get big.bin").output().unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), data);
    let stderr = stderr_of(&out);
    assert_plain_progress_then_summary(&stderr, took);
    // No bar frames: nothing redrawn in place.
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
}

/// `-q` with the default mode: no progress at all (nor banner or summary), even for a
/// transfer long enough for plain lines.
#[test]
fn quiet_slow_download_prints_no_progress() {
    let env = slow_env();
    let data = pattern(SLOW_LEN, 10);
    env.remote_file("big.bin", &data);
    let out = env.run("get big.bin").arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), data);
    assert_eq!(stderr_of(&out), "");
    assert_eq!(stdout_of(&out), "");
}

/// Every stderr line of a `-q --progress json` run is one progress event.
fn events(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect()
}

/// The events of one transfer: `start`, `progress`..., then `done` or `error`, each with
/// the right name, direction and total, byte counts never going back.
fn assert_one_transfer(ev: &[serde_json::Value], name: &str, direction: &str, total: u64) {
    let kinds: Vec<&str> = ev
        .iter()
        .map(|e| e["data"]["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"start"), "{kinds:?}");
    assert!(
        kinds[1..kinds.len() - 1].iter().all(|k| *k == "progress"),
        "{kinds:?}"
    );
    let mut last = 0;
    for e in ev {
        assert_eq!(e["type"], "progress", "{e}");
        let d = &e["data"];
        assert_eq!(d["name"], name, "{e}");
        assert_eq!(d["direction"], direction, "{e}");
        assert_eq!(d["total"], total, "{e}");
        assert_eq!(d["offset"], 0, "{e}");
        let bytes = d["bytes"].as_u64().unwrap();
        assert!(
            bytes >= last && bytes <= total,
            "bytes went {last} -> {bytes}"
        );
        last = bytes;
    }
}

#[test]
fn json_progress_events_of_a_slow_download_are_ndjson_with_monotone_bytes() {
    // 256 KiB at 128 KiB/s: about 2 s, so about 8 progress events.
    let env = Env::with(ServerOpts {
        throttle: Some(128 * 1024),
        ..ServerOpts::default()
    });
    let data = pattern(256 * 1024, 11);
    env.remote_file("dir/big.bin", &data);
    let started = Instant::now();
    let out = env
        .cmd()
        .args([
            "-q",
            "--progress",
            "json",
            &env.url(),
            "-c",
            "get dir/big.bin",
        ])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), data);
    let ev = events(&stderr_of(&out));
    assert_one_transfer(&ev, "dir/big.bin", "download", data.len() as u64);
    let done = &ev.last().unwrap()["data"];
    assert_eq!(done["event"], "done");
    assert_eq!(done["bytes"], data.len() as u64);
    let progress = ev
        .iter()
        .filter(|e| e["data"]["event"] == "progress")
        .count();
    assert!(progress >= 2, "{progress} progress events in {took:?}");
    // At most 4 a second, over the whole run (which lasted longer than the transfer).
    assert!(
        progress as f64 <= 4.0 * took.as_secs_f64() + 1.0,
        "{progress} progress events in {took:?}"
    );
}

/// `cat` (data on stdout) and `put` report events too; stdout carries only the data.
#[test]
fn json_progress_events_for_cat_and_put() {
    let env = Env::new();
    env.remote_file("small.txt", b"hello\n");
    let up = pattern(100_000, 12);
    env.local_file("up.bin", &up);
    let out = env
        .cmd()
        .args([
            "-q",
            "--progress",
            "json",
            &env.url(),
            "-c",
            "cat small.txt; put up.bin",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "hello\n");
    assert_eq!(std::fs::read(env.remote("up.bin")).unwrap(), up);
    let ev = events(&stderr_of(&out));
    let split = ev
        .iter()
        .position(|e| e["data"]["event"] == "done")
        .expect("a done event");
    assert_one_transfer(&ev[..=split], "small.txt", "download", 6);
    assert_one_transfer(&ev[split + 1..], "up.bin", "upload", up.len() as u64);
    assert_eq!(ev.last().unwrap()["data"]["event"], "done");
    assert_eq!(ev.last().unwrap()["data"]["bytes"], up.len() as u64);
}

/// A server that sends fewer bytes than SIZE said, then 226: the events end with `error`
/// saying how short the transfer was, as the error line does (not with `done`).
#[test]
fn json_progress_of_a_short_transfer_ends_with_an_error_event() {
    use crate::fake::{Action, FakeServer, fallback, verb};
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 1000".into()),
        "RETR" => Action::Data {
            preliminary: "150 Sending".into(),
            data: pattern(600, 3),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "-q",
            "--progress",
            "json",
            "--retries",
            "0",
            &server.url(),
            "-c",
            "get f",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    let (json, rest): (Vec<&str>, Vec<&str>) = stderr.lines().partition(|l| l.starts_with('{'));
    assert_eq!(rest.len(), 1, "{stderr}");
    assert!(rest[0].contains("600 of 1000"), "{stderr}");
    let ev = events(&json.join("\n"));
    assert_one_transfer(&ev, "f", "download", 1000);
    let end = &ev.last().unwrap()["data"];
    assert_eq!(end["event"], "error", "{stderr}");
    assert_eq!(
        end["error"], "short transfer: 600 of 1000 bytes",
        "{stderr}"
    );
}

/// Ctrl-C mid-download ends the events with `error` (not `done`), saying why.
#[test]
fn json_progress_ends_with_an_error_event_when_interrupted() {
    let env = slow_env();
    env.remote_file("big.bin", &pattern(SLOW_LEN, 13));
    let url = env.url();
    let mut child = spawn_batch(
        &env,
        &["-q", "--progress", "json", &url, "-c", "get big.bin"],
    );
    wait_for_bytes(&env.local("big.bin.part"));
    crate::util::interrupt(child.id());
    crate::util::wait_bounded(
        &mut child,
        Duration::from_secs(30),
        "ftpsh did not end within 30 s of Ctrl-C",
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    // The error line (-q never hides it) comes after the events.
    let (json, rest): (Vec<&str>, Vec<&str>) = stderr.lines().partition(|l| l.starts_with('{'));
    assert_eq!(rest, ["get: big.bin: interrupted"], "{stderr}");
    let ev = events(&json.join("\n"));
    assert_one_transfer(&ev, "big.bin", "download", SLOW_LEN as u64);
    let end = &ev.last().unwrap()["data"];
    assert_eq!(end["event"], "error", "{stderr}");
    assert_eq!(end["error"], "interrupted", "{stderr}");
    assert!(end["bytes"].as_u64().unwrap() < SLOW_LEN as u64, "{stderr}");
}
