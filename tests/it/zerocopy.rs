//! Zero-copy transfers (issue 13): plain binary `get` into a regular file goes through
//! `splice(2)`, plain binary `put` from a regular file through `sendfile(2)`, everything else
//! (TLS, ascii, a FIFO or device, `FTPSH_NO_ZEROCOPY=1`) through the 256 KiB block loop. The
//! `-v` trace names the path (`data: ...`); each test checks the bytes on disk as well.
//! The faults (cut, stall, Ctrl-C, retries) run against both paths in fault_matrix.rs and
//! retry.rs; what only the splice path can get wrong (over-sending servers, offsets) is here.

use std::process::Output;
use std::time::Duration;

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::server::ServerOpts;
use crate::util::{Env, pattern, stderr_of};

const SPLICE: &str = "data: splice(2) to ";
const SENDFILE: &str = "data: sendfile(2) from ";
const BLOCKS: &str = "data: 256 KiB blocks (";

/// `ftpsh -v URL -c CMDS` with the environment variables `env_vars`; must succeed.
fn run_ok(env: &Env, cmds: &str, env_vars: &[(&str, &str)]) -> String {
    let mut c = env.run(cmds);
    c.args(["-v", "--timeout", "10"]);
    for (k, v) in env_vars {
        c.env(k, v);
    }
    let out: Output = c.output().unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{cmds} failed: {err}");
    err
}

/// The trace's data-path lines, for the failure messages.
fn data_lines(trace: &str) -> Vec<&str> {
    trace.lines().filter(|l| l.starts_with("data: ")).collect()
}

#[test]
fn plain_binary_get_is_spliced_and_byte_identical() {
    let env = Env::new();
    // Not a multiple of the pipe size, so the last splice is a partial one.
    let data = pattern(5 * 1024 * 1024 + 12_345, 21);
    env.remote_file("big.bin", &data);
    let trace = run_ok(&env, "get big.bin", &[]);
    assert!(
        trace.contains(&format!("{SPLICE}big.bin.part")),
        "{:?}",
        data_lines(&trace)
    );
    assert!(!trace.contains(BLOCKS), "{:?}", data_lines(&trace));
    assert!(std::fs::read(env.local("big.bin")).unwrap() == data);
    assert!(!env.local("big.bin.part").exists());
}

#[test]
fn ftpsh_no_zerocopy_forces_the_block_loop() {
    let env = Env::new();
    let data = pattern(3 * 1024 * 1024 + 5, 22);
    env.remote_file("big.bin", &data);
    env.local_file("up.bin", &data);
    let trace = run_ok(
        &env,
        "get big.bin; put up.bin",
        &[("FTPSH_NO_ZEROCOPY", "1")],
    );
    let lines = data_lines(&trace);
    assert_eq!(
        lines,
        [
            "data: 256 KiB blocks (FTPSH_NO_ZEROCOPY is set)",
            "data: 256 KiB blocks (FTPSH_NO_ZEROCOPY is set)"
        ]
    );
    assert!(std::fs::read(env.local("big.bin")).unwrap() == data);
    assert!(std::fs::read(env.remote("up.bin")).unwrap() == data);
    // The summaries count what the loop moved.
    for line in [
        format!("get: big.bin: {} bytes in ", data.len()),
        format!("put: up.bin: {} bytes in ", data.len()),
    ] {
        assert!(trace.contains(&line), "{line:?} in {trace}");
    }
}

#[test]
fn resumed_get_with_splice_continues_at_the_part_offset() {
    let env = Env::new();
    let data = pattern(4 * 1024 * 1024 + 99, 23);
    env.remote_file("big.bin", &data);
    // An odd offset: a splice that ignored the file position (or truncated) shows up as
    // a wrong size or wrong bytes.
    let have = 1_234_567;
    env.local_file("big.bin.part", &data[..have]);
    let trace = run_ok(&env, "get -c big.bin", &[]);
    assert!(trace.contains(&format!("--> REST {have}")), "{trace}");
    assert!(
        trace.contains(&format!("{SPLICE}big.bin.part")),
        "{:?}",
        data_lines(&trace)
    );
    let got = std::fs::read(env.local("big.bin")).unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data, "the resumed file differs");
}

#[test]
fn plain_binary_put_uses_sendfile_and_is_byte_identical() {
    let env = Env::new();
    let data = pattern(5 * 1024 * 1024 + 777, 24);
    env.local_file("up.bin", &data);
    let trace = run_ok(&env, "put up.bin", &[]);
    assert!(
        trace
            .lines()
            .any(|l| l.starts_with(SENDFILE) && l.ends_with("up.bin")),
        "{:?}",
        data_lines(&trace)
    );
    assert!(!trace.contains(BLOCKS), "{:?}", data_lines(&trace));
    assert!(std::fs::read(env.remote("up.bin")).unwrap() == data);
}

#[test]
fn resumed_put_with_sendfile_sends_only_the_rest() {
    let env = Env::new();
    let data = pattern(3 * 1024 * 1024 + 31, 25);
    env.local_file("up.bin", &data);
    let have = 987_654;
    env.remote_file("up.bin", &data[..have]);
    let trace = run_ok(&env, "put -c up.bin", &[]);
    assert!(
        trace.contains(&format!("--> REST {have}")) || trace.contains("--> APPE"),
        "{trace}"
    );
    assert!(
        trace.lines().any(|l| l.starts_with(SENDFILE)),
        "{:?}",
        data_lines(&trace)
    );
    let got = std::fs::read(env.remote("up.bin")).unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data, "the resumed upload differs");
}

#[test]
fn tls_get_and_put_use_the_block_loop_and_are_correct() {
    let env = Env::with(ServerOpts {
        user: Some(("alice".into(), "pw".into())),
        tls: true,
        ..Default::default()
    });
    let data = pattern(2 * 1024 * 1024 + 3, 26);
    env.remote_file("big.bin", &data);
    env.local_file("up.bin", &data);
    let mut c = env.run("get big.bin -o back.bin; put up.bin");
    c.args(["-u", "alice", "--tls", "-v", "--timeout", "10", "--ca-file"])
        .arg(env.server.ca_file().unwrap())
        .env("FTPSH_PASSWORD", "pw");
    let out = c.output().unwrap();
    let trace = stderr_of(&out);
    assert!(out.status.success(), "{trace}");
    assert!(trace.contains("--> PROT P"), "{trace}");
    assert_eq!(
        data_lines(&trace),
        [
            "data: 256 KiB blocks (TLS encrypts in user space)",
            "data: 256 KiB blocks (TLS encrypts in user space)"
        ]
    );
    assert!(std::fs::read(env.local("back.bin")).unwrap() == data);
    assert!(std::fs::read(env.remote("up.bin")).unwrap() == data);
}

#[test]
fn ascii_get_uses_the_block_loop_and_converts_line_endings() {
    let env = Env::new();
    // libunftp ignores TYPE A and sends the bytes as they are: the CRLFs reach ftpsh, which
    // must turn them into LFs, which a splice could not.
    env.remote_file("t.txt", b"one\r\ntwo\r\nthree\r\n");
    let trace = run_ok(&env, "ascii; get t.txt", &[]);
    assert_eq!(
        data_lines(&trace),
        ["data: 256 KiB blocks (ascii mode converts line endings)"]
    );
    assert_eq!(
        std::fs::read(env.local("t.txt")).unwrap(),
        b"one\ntwo\nthree\n"
    );
}

#[test]
fn get_into_a_fifo_uses_the_block_loop() {
    use std::io::Read;
    let env = Env::new();
    let data = pattern(1024 * 1024 + 1, 27);
    env.remote_file("f.bin", &data);
    let fifo = env.local("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let mut got = Vec::new();
        let read = std::fs::File::open(&reader_path).and_then(|mut f| f.read_to_end(&mut got));
        let _ = tx.send(read.map(|_| got));
    });
    let trace = run_ok(&env, "get f.bin -o pipe", &[]);
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("ftpsh never wrote into the FIFO")
        .unwrap();
    assert!(got == data);
    assert_eq!(
        data_lines(&trace),
        ["data: 256 KiB blocks (not a regular file)"]
    );
}

/// A server that announces `size` bytes and sends `sent`, then 226.
fn over_sender(size: usize, sent: usize) -> FakeServer {
    FakeServer::start(move |c| match verb(c).as_str() {
        "SIZE" => Action::Reply(format!("213 {size}")),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: pattern(sent, 28),
            cut: false,
            then: "226 Done".into(),
        },
        "ABOR" => Action::Reply("226 Aborted".into()),
        _ => fallback(c),
    })
}

#[test]
fn splice_never_writes_past_the_announced_size() {
    // Announced sizes below one pipe's worth, just above it, and over several pipes, none a
    // multiple of the pipe size: the splice that crosses the announced size must stop there.
    never_writes_past_the_announced_size(false, &format!("{SPLICE}f.part"));
}

/// The same for the block loop (TLS, ascii, `--verify`... take it): the block that crosses
/// the announced size is cut there.
#[test]
fn the_block_loop_never_writes_past_the_announced_size() {
    never_writes_past_the_announced_size(true, BLOCKS);
}

fn never_writes_past_the_announced_size(blocks: bool, path_line: &str) {
    for size in [1000, 1_300_000, 2_500_001] {
        let server = over_sender(size, size + 1_000_000);
        let env = Env::new();
        let mut cmd = env.cmd();
        if blocks {
            cmd.env("FTPSH_NO_ZEROCOPY", "1");
        }
        let out = cmd
            .arg(server.url())
            .args(["-v", "--timeout", "5", "-c", "get f"])
            .output()
            .unwrap();
        let trace = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{size}: {trace}");
        assert!(
            trace.contains(&format!("more than the {size} bytes it announced")),
            "{size}: {trace}"
        );
        assert!(
            trace.contains(path_line),
            "{size}: {:?}",
            data_lines(&trace)
        );
        assert!(!env.local("f").exists());
        let part = std::fs::read(env.local("f.part")).unwrap();
        assert_eq!(part.len(), size, "the .part grew past the announced size");
        assert!(part == pattern(size, 28), "{size}: wrong bytes");
    }
}

#[test]
fn splice_accepts_a_server_that_sends_exactly_the_announced_size() {
    let size = 1_500_007;
    let server = over_sender(size, size);
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["-v", "--timeout", "5", "-c", "get f"])
        .output()
        .unwrap();
    let trace = stderr_of(&out);
    assert!(out.status.success(), "{trace}");
    assert!(trace.contains(&format!("{SPLICE}f.part")), "{trace}");
    assert!(std::fs::read(env.local("f")).unwrap() == pattern(size, 28));
}
