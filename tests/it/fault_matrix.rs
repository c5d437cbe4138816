//! The fault matrix (issue 11): every fault at every phase, for get, put, ls, get -r and
//! mirror, through the fault proxy (tests/it/faultproxy.rs) in front of the in-process
//! server. Each cell runs twice:
//!
//! - **once**: the fault strikes one time. With retries on, the run must end with exit 0
//!   and the result byte-identical (the automatic retry); a fault that is not transient
//!   (garbage, more bytes than SIZE) must fail with its documented code, and a rerun must
//!   then complete byte-identical.
//! - **always**: the fault strikes every time, `--retries 1`. The run must end with the
//!   cell's documented exit code, within its time bound, and no file may exist under its
//!   final name unless it is byte-identical to the source (an upload: the server's file is
//!   never anything but a prefix of the source, see the README).
//!
//! The table is printed (run with `--nocapture`, or see README "What ftpsh survives").

use std::path::Path;
use std::time::Instant;

use crate::faultproxy::{Fault, Phase, Plan, Proxy};
use crate::util::{Env, pattern, stderr_of, stdout_of};

/// The commands of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Get,
    Put,
    Ls,
    GetR,
    Mirror,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::Get => "get",
            Cmd::Put => "put",
            Cmd::Ls => "ls",
            Cmd::GetR => "get -r",
            Cmd::Mirror => "mirror",
        }
    }

    fn verbs(self) -> &'static [&'static str] {
        match self {
            Cmd::Put => &["STOR", "APPE"],
            Cmd::Ls => &["MLSD", "LIST"],
            _ => &["RETR"],
        }
    }

    fn line(self) -> &'static str {
        match self {
            Cmd::Get => "get big.bin",
            Cmd::Put => "put up.bin",
            Cmd::Ls => "ls -l d",
            Cmd::GetR => "get -r d",
            Cmd::Mirror => "mirror d m",
        }
    }
}

const SIZE: usize = 150_000;
const TREE_FILE: usize = 40_000;
/// The client's --timeout and --stall-timeout in the matrix (seconds).
const TIMEOUT: u64 = 1;

fn setup(env: &Env, cmd: Cmd) {
    env.remote_file("big.bin", &pattern(SIZE, 1));
    env.remote_file("d/a.bin", &pattern(TREE_FILE, 2));
    env.remote_file("d/b.bin", &pattern(TREE_FILE, 3));
    if cmd == Cmd::Put {
        env.local_file("up.bin", &pattern(SIZE, 4));
    }
    std::fs::write(
        env.home.path().join("matrix.toml"),
        "[settings]\nretry_delay = 0\n",
    )
    .unwrap();
}

/// Whether the result is complete and byte-identical; `Err` says what is wrong with what
/// exists under a final name (never allowed).
fn check(env: &Env, cmd: Cmd, stdout: &str, reference: &str) -> Result<bool, String> {
    let same = |local: &Path, src: &[u8]| -> Result<bool, String> {
        match std::fs::read(local) {
            Err(_) => Ok(false),
            Ok(b) if b == src => Ok(true),
            Ok(b) => Err(format!(
                "{} exists with {} bytes that are not the source's",
                local.display(),
                b.len()
            )),
        }
    };
    match cmd {
        Cmd::Get => same(&env.local("big.bin"), &pattern(SIZE, 1)),
        Cmd::Put => {
            let src = pattern(SIZE, 4);
            match std::fs::read(env.remote("up.bin")) {
                Err(_) => Ok(false),
                Ok(b) if b == src => Ok(true),
                // FTP has no temporary names on the server: a cut upload leaves a prefix,
                // which `put -c` (or the retry) completes.
                Ok(b) if src.starts_with(&b) => Ok(false),
                Ok(b) => Err(format!(
                    "the server's up.bin has {} bytes that are not a prefix",
                    b.len()
                )),
            }
        }
        Cmd::Ls => Ok(stdout == reference),
        Cmd::GetR | Cmd::Mirror => {
            let dir = if cmd == Cmd::GetR { "d" } else { "m" };
            let a = same(&env.local(&format!("{dir}/a.bin")), &pattern(TREE_FILE, 2))?;
            let b = same(&env.local(&format!("{dir}/b.bin")), &pattern(TREE_FILE, 3))?;
            Ok(a && b)
        }
    }
}

/// The cells: every phase with the faults that can happen there.
fn cells(cmd: Cmd) -> Vec<(Phase, Fault)> {
    use Fault::*;
    let mut v = vec![(Phase::Connect, Refused)];
    for p in [Phase::Greeting, Phase::Login] {
        for f in [Reset, Stall, Close, Reply421, Garbage] {
            v.push((p, f));
        }
    }
    for f in [Reset, Stall, Close, Reply421, Reply4xx, Garbage] {
        v.push((Phase::Passive, f));
    }
    v.push((Phase::DataConnect, Refused));
    let size = match cmd {
        Cmd::Get | Cmd::Put => SIZE as u64,
        Cmd::GetR | Cmd::Mirror => TREE_FILE as u64,
        Cmd::Ls => 100,
    };
    // The first byte, ten offsets through the file, and after the last byte.
    let mut offsets = vec![0];
    if cmd != Cmd::Ls {
        offsets.extend((1..=10).map(|k| size * k / 11));
    }
    offsets.push(u64::MAX);
    for at in offsets {
        for f in [Reset, Stall, Close, Short] {
            v.push((Phase::Data(at), f));
        }
    }
    if cmd != Cmd::Put && cmd != Cmd::Ls {
        v.push((Phase::Data(u64::MAX), Excess));
    }
    for f in [Reset, Stall, Close, Reply421, Reply4xx, Garbage] {
        v.push((Phase::Final, f));
    }
    v
}

/// Whether a fault is one a retry is for.
fn transient(phase: Phase, fault: Fault) -> bool {
    match fault {
        Fault::Garbage | Fault::Excess => false,
        // A refused first connect fails fast (a wrong port); a refused data connection
        // is the server's trouble of the moment.
        Fault::Refused => phase == Phase::DataConnect,
        _ => true,
    }
}

/// The documented exit code of a cell whose fault strikes every time, with one retry.
///
/// A data fault strikes at byte `k` of the file (the proxy counts a resumed connection from
/// its REST), so a retry that resumes before `k` meets it again: the transfer fails. (It
/// used to count from 0 on every connection: whether the retry met the fault then depended
/// on how many bytes a reset had discarded in flight, and one cell was flaky.) A fault after
/// every byte arrived (or in the final reply of a whole download or upload) leaves the retry
/// nothing but the rename (or the size check). A listing cannot resume and has no size to
/// check.
fn expected_always(cmd: Cmd, phase: Phase, fault: Fault) -> i32 {
    use Fault::*;
    match (phase, fault) {
        (Phase::Connect | Phase::Greeting, _) => 3,
        (Phase::Login, Reply421) => 3,
        (Phase::Login, Garbage) => 1,
        (Phase::Login, _) => 8,
        (Phase::Passive | Phase::Final, Garbage) => 1,
        (Phase::Passive, Reply4xx) => 1,
        (Phase::Passive | Phase::DataConnect, _) => 8,
        (Phase::Data(_), Excess) => 1,
        // A listing cut short with a 226 cannot be told from a whole one (FTP's limit).
        (Phase::Data(_), Short) if cmd == Cmd::Ls => 0,
        (Phase::Data(_) | Phase::Final, _) if cmd == Cmd::Ls => 8,
        (Phase::Data(u64::MAX) | Phase::Final, _) => 0,
        _ => 8,
    }
}

struct Outcome {
    code: i32,
    complete: bool,
    seconds: f64,
    struck: usize,
}

fn run_cell(
    cmd: Cmd,
    phase: Phase,
    fault: Fault,
    times: usize,
    retries: u32,
) -> (Env, Outcome, String) {
    let env = Env::new();
    setup(&env, cmd);
    let reference = if cmd == Cmd::Ls {
        let out = env.run("ls -l d").arg("--no-config").output().unwrap();
        stdout_of(&out)
    } else {
        String::new()
    };
    let proxy = Proxy::start(
        env.server.port(),
        Plan {
            phase,
            fault,
            verbs: cmd.verbs(),
            times,
        },
    );
    let start = Instant::now();
    let out = env
        .cmd()
        .arg(proxy.url())
        .args([
            "--config",
            env.home.path().join("matrix.toml").to_str().unwrap(),
        ])
        .args(["--timeout", &TIMEOUT.to_string()])
        .args(["--stall-timeout", &TIMEOUT.to_string()])
        .args(["--retries", &retries.to_string()])
        .args(["-c", cmd.line()])
        .output()
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let code = out.status.code().unwrap_or(-1);
    let complete = match check(&env, cmd, &stdout_of(&out), &reference) {
        Ok(c) => c,
        Err(why) => panic!(
            "{} {} {}: {why}\n{}",
            cmd.name(),
            phase.name(),
            fault.name(),
            stderr_of(&out)
        ),
    };
    let outcome = Outcome {
        code,
        complete,
        seconds,
        struck: proxy.struck(),
    };
    drop(proxy);
    (
        env,
        outcome,
        format!("{}{}", stdout_of(&out), stderr_of(&out)),
    )
}

/// The time bound of a run: per try, the connect/stall timeouts and the cleanup after a
/// failure (each bounded by --timeout), generously, on a loaded 2-core machine.
fn bound(tries: u32) -> f64 {
    (tries as f64) * (6.0 * TIMEOUT as f64) + 15.0
}

fn matrix(cmd: Cmd) {
    let cells = cells(cmd);
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    // A few cells at once: most of a cell's time is a timeout, not work.
    let results: Vec<_> = std::thread::scope(|s| {
        let chunks: Vec<Vec<(Phase, Fault)>> = cells
            .chunks(cells.len().div_ceil(4))
            .map(|c| c.to_vec())
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(phase, fault)| {
                            let once = run_cell(cmd, phase, fault, 1, 3);
                            let always = run_cell(cmd, phase, fault, usize::MAX, 1);
                            (phase, fault, once, always)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (phase, fault, (env, once, once_log), (_env2, always, always_log)) in results {
        let cell = format!("{} / {} / {}", cmd.name(), phase.name(), fault.name());
        let mut ok = true;
        // once
        // A listing cut short with a 226 looks whole: FTP gives no size to check it by.
        let undetectable = cmd == Cmd::Ls && fault == Fault::Short;
        let rerun = if undetectable {
            if once.code != 0 {
                ok = false;
                failures.push(format!("{cell}: once: exit {}\n{once_log}", once.code));
            }
            "undetectable"
        } else if transient(phase, fault) || once.struck == 0 {
            if !(once.code == 0 && once.complete) {
                ok = false;
                failures.push(format!(
                    "{cell}: once: exit {} complete {} (want the retry to complete)\n{once_log}",
                    once.code, once.complete
                ));
            }
            "retry"
        } else {
            // Not retried: a rerun (the proxy struck once already) completes.
            let out = env
                .cmd()
                .arg(env.url())
                .args(["--no-config", "-c", &rerun_line(cmd)])
                .output()
                .unwrap();
            let complete =
                check(&env, cmd, &stdout_of(&out), &reference_of(&env, cmd)).unwrap_or(false);
            if out.status.code() != Some(0) || !complete {
                ok = false;
                failures.push(format!(
                    "{cell}: rerun after a permanent fault did not complete\n{}",
                    stderr_of(&out)
                ));
            }
            "rerun"
        };
        // always
        let want = expected_always(cmd, phase, fault);
        // A reset after the last byte may reach the client before it has read the bytes
        // (the kernel then drops them): the file is either whole (0) or not (8).
        let racy = phase == Phase::Data(u64::MAX) && fault == Fault::Reset && cmd != Cmd::Ls;
        if always.code != want && !(racy && always.code == 8) {
            ok = false;
            failures.push(format!(
                "{cell}: always: exit {} (want {want})\n{always_log}",
                always.code
            ));
        }
        if always.seconds > bound(2) || once.seconds > bound(4) {
            ok = false;
            failures.push(format!(
                "{cell}: took {:.1} s / {:.1} s",
                once.seconds, always.seconds
            ));
        }
        if always.struck == 0 && phase != Phase::Data(u64::MAX) {
            ok = false;
            failures.push(format!("{cell}: the fault never struck\n{always_log}"));
        }
        rows.push(format!(
            "| {} | {} | {} | {} in {:.1}s | exit {} in {:.1}s | {} |",
            phase.name(),
            fault.name(),
            rerun,
            if once.code == 0 {
                "exit 0".to_string()
            } else {
                format!("exit {}", once.code)
            },
            once.seconds,
            always.code,
            always.seconds,
            if ok { "ok" } else { "FAILED" }
        ));
    }
    // The README's table states these counts: it must say what the matrix does.
    let count = |how: &str| {
        rows.iter()
            .filter(|r| r.contains(&format!("| {how} |")))
            .count()
    };
    let line = format!(
        "| `{}` | {} | {} | {} | {} |",
        cmd.name(),
        rows.len(),
        count("retry"),
        count("rerun"),
        count("undetectable")
    );
    let readme = include_str!("../../README.md");
    if !readme.contains(&line) {
        failures.push(format!(
            "README \"What ftpsh survives\" lacks the row {line}"
        ));
    }
    println!(
        "\nfault matrix: {} ({} cells)\n| phase | fault | completes by | once | always (--retries 1) | |\n|---|---|---|---|---|---|",
        cmd.name(),
        rows.len()
    );
    for r in &rows {
        println!("{r}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cells failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

fn rerun_line(cmd: Cmd) -> String {
    match cmd {
        Cmd::Get => "get -c big.bin".into(),
        Cmd::Put => "put -c up.bin".into(),
        c => c.line().into(),
    }
}

fn reference_of(env: &Env, cmd: Cmd) -> String {
    if cmd != Cmd::Ls {
        return String::new();
    }
    stdout_of(&env.run("ls -l d").arg("--no-config").output().unwrap())
}

#[test]
fn fault_matrix_get() {
    matrix(Cmd::Get);
}

#[test]
fn fault_matrix_put() {
    matrix(Cmd::Put);
}

#[test]
fn fault_matrix_ls() {
    matrix(Cmd::Ls);
}

#[test]
fn fault_matrix_get_r() {
    matrix(Cmd::GetR);
}

#[test]
fn fault_matrix_mirror() {
    matrix(Cmd::Mirror);
}
