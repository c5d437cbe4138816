//! The soak test (issue 11, "Load"): one long-lived `ftpsh` process per load against the
//! in-process server on loopback, with its resident memory (VmRSS), open file descriptors and
//! sockets sampled from /proc while it works:
//!
//! - sequential gets of small files (1,000 with `FTPSH_SOAK=1`, 100 by default);
//! - a mirror of a tree of many files with 8 workers (10,000 files / 500);
//! - server-side drops of the control connection, each followed by a command that must
//!   reconnect, log in again and return to the same directory (200 / 20).
//!
//! Bounds, checked for each load: memory does not grow (the peak of the last quarter of the
//! samples is within [`RSS_GROWTH_LIMIT_KIB`] of the peak of the first quarter) and stays under
//! [`RSS_LIMIT_KIB`]; descriptors stay within what the load holds at once (4 over the idle count
//! for one transfer, 6 a worker for the mirror) and are back to the idle count at the end, with one socket (the control connection) again; the server has as many
//! sessions as before; no `.part` file is left and every file has the server's bytes.
//! The measured numbers of a full run are in benches/README.md ("Soak").
//!
//! Server-side drops go through a small TCP proxy in front of the control port: closing its
//! sockets is what a server (or a NAT box) timing a session out does, at a moment the test
//! chooses and without a fixed sleep. Data connections go straight to the server.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{Env, Piped, pattern, server_closed_connection_to, wait_until};

/// Memory may not grow by more than this between the first and the last quarter of a load.
const RSS_GROWTH_LIMIT_KIB: u64 = 4 * 1024;
/// Nor ever exceed this (a debug build idles at about 20 MiB).
const RSS_LIMIT_KIB: u64 = 256 * 1024;
/// How often the sampler looks at /proc.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// Full sizes with `FTPSH_SOAK=1`, else the small ones CI runs.
fn sizes() -> (usize, usize, usize) {
    if std::env::var_os("FTPSH_SOAK").is_some_and(|v| v != "0") {
        (1000, 10_000, 200)
    } else {
        (100, 500, 20)
    }
}

/// How long a whole load may take before the test gives up on it (a hang).
fn load_limit() -> Duration {
    Duration::from_secs(if sizes().0 >= 1000 { 900 } else { 180 })
}

/// One /proc sample of the ftpsh process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kib: u64,
    fds: usize,
    /// Distinct TCP sockets among `fds`.
    sockets: usize,
}

fn sample(pid: u32) -> Option<Sample> {
    sample_with(pid, true)
}

/// A sample; without `sockets` its socket count is 0 and it costs no read of the machine's
/// TCP table (long while tests run side by side: the sampler would fall behind the load).
fn sample_with(pid: u32, sockets: bool) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let tcp = if sockets {
        tcp_inodes()
    } else {
        Default::default()
    };
    let mut fds = 0;
    // Distinct sockets: ftpsh holds its control socket twice (a clone for the watchdog).
    let mut sockets = std::collections::HashSet::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        fds += 1;
        let Ok(link) = std::fs::read_link(e.path()) else {
            continue;
        };
        let link = link.to_string_lossy();
        if let Some(inode) = link
            .strip_prefix("socket:[")
            .and_then(|l| l.strip_suffix(']'))
            && tcp.contains(inode)
        {
            sockets.insert(inode.to_string());
        }
    }
    let sockets = sockets.len();
    Some(Sample {
        rss_kib,
        fds,
        sockets,
    })
}

/// The inodes of every TCP socket on the machine: a descriptor that is one of them is a
/// connection (or a listener), not the Unix socket pair ftpsh's signal handling holds.
fn tcp_inodes() -> std::collections::HashSet<String> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(t).ok())
        .flat_map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| l.split_whitespace().nth(9).map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Samples a process every [`SAMPLE_EVERY`] until stopped (or the process is gone).
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Sample>>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            // Bounded: at most an hour of samples, whatever happens to the stop flag.
            while !flag.load(Ordering::Relaxed) && v.len() < 180_000 {
                match sample_with(pid, false) {
                    Some(s) => v.push(s),
                    None => break,
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            v
        });
        Sampler { stop, thread }
    }

    fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// What a load's samples say, and the bounds checked on them.
#[derive(Debug)]
#[allow(dead_code)] // Read through Debug, in the test output.
struct Report {
    samples: usize,
    rss_start: u64,
    rss_peak: u64,
    rss_end: u64,
    first_quarter_peak: u64,
    last_quarter_peak: u64,
    fds_idle: usize,
    fds_peak: usize,
    fds_end: usize,
    sockets_end: usize,
}

fn check(load: &str, samples: &[Sample], idle: Sample, end: Sample, extra_fds: usize) -> Report {
    // A quarter of one sample is the least the growth check can compare. (With 8 it failed
    // under load: a 500-file mirror was over before a starved sampler took 8.)
    assert!(
        samples.len() >= 4,
        "{load}: too few samples ({})",
        samples.len()
    );
    let q = samples.len() / 4;
    let peak = |s: &[Sample]| s.iter().map(|s| s.rss_kib).max().unwrap();
    let r = Report {
        samples: samples.len(),
        rss_start: samples[0].rss_kib,
        rss_peak: peak(samples),
        rss_end: end.rss_kib,
        first_quarter_peak: peak(&samples[..q]),
        last_quarter_peak: peak(&samples[samples.len() - q..]),
        fds_idle: idle.fds,
        fds_peak: samples.iter().map(|s| s.fds).max().unwrap(),
        fds_end: end.fds,
        sockets_end: end.sockets,
    };
    eprintln!("soak {load}: {r:?}");
    assert!(
        r.last_quarter_peak <= r.first_quarter_peak + RSS_GROWTH_LIMIT_KIB,
        "{load}: memory grew: {r:?}"
    );
    assert!(r.rss_peak <= RSS_LIMIT_KIB, "{load}: memory peak: {r:?}");
    assert!(
        r.fds_peak <= r.fds_idle + extra_fds,
        "{load}: more than {extra_fds} descriptors over the idle count: {r:?}"
    );
    assert_eq!(r.fds_end, r.fds_idle, "{load}: descriptors leaked: {r:?}");
    assert_eq!(r.sockets_end, 1, "{load}: sockets leaked: {r:?}");
    r
}

/// Sessions the server holds: established TCP connections whose local port is its control
/// port (the client ends of the same connections have it as the remote port).
fn server_sessions(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let port = format!("{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].rsplit(':').next() == Some(&port) && f[3] == "01"
        })
        .count()
}

/// `.part` files anywhere under `dir`.
fn part_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".part") {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn soak_sequential_gets_hold_memory_descriptors_and_sockets() {
    let (gets, _, _) = sizes();
    let env = Env::new();
    let distinct = 50;
    for i in 0..distinct {
        env.remote_file(&format!("f{i}.bin"), &pattern(64 << 10, i as u64 + 1));
    }
    let started = Instant::now();
    let deadline = started + load_limit();
    let mut sh = Piped::spawn(&env, &["-q", &env.url()]);
    sh.sync("ready", deadline);
    let idle = sample(sh.pid()).unwrap();
    let sessions = server_sessions(env.server.port());
    assert_eq!(idle.sockets, 1, "{idle:?}");

    let sampler = Sampler::start(sh.pid());
    let mut script = String::new();
    for i in 0..gets {
        script.push_str(&format!("get f{0}.bin -o g{0}.bin\n", i % distinct));
    }
    sh.send(&script);
    sh.sync("done", deadline);
    let samples = sampler.finish();
    let end = sample(sh.pid()).unwrap();

    for i in 0..distinct {
        assert_eq!(
            std::fs::read(env.local(&format!("g{i}.bin"))).unwrap(),
            pattern(64 << 10, i as u64 + 1),
            "g{i}.bin"
        );
    }
    assert_eq!(
        part_files(env.local.path()),
        Vec::<std::path::PathBuf>::new()
    );
    // One get holds a data socket, its file and the two ends of the splice pipe (a full run
    // peaked at exactly 4 over the idle count); 2 more because a sample reads /proc/PID/fd
    // while descriptors close and open, and may see one closed and its successor both. A
    // leak of one per get is 100 over.
    let r = check("gets", &samples, idle, end, 4 + 2);
    assert_eq!(server_sessions(env.server.port()), sessions);
    let (code, _, err) = sh.finish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
    eprintln!(
        "soak gets: {gets} gets of 64 KiB in {:.1?}; {r:?}",
        started.elapsed()
    );
}

#[test]
fn soak_mirror_with_8_workers_holds_memory_descriptors_and_sockets() {
    let (_, files, _) = sizes();
    let env = Env::new();
    // 100 files a directory, names and contents that differ per file.
    for i in 0..files {
        env.remote_file(
            &format!("tree/d{:03}/f{i}.txt", i / 100),
            format!("file {i}\n").as_bytes(),
        );
    }
    let started = Instant::now();
    let deadline = started + load_limit();
    let mut sh = Piped::spawn(&env, &["-q", &env.url()]);
    sh.sync("ready", deadline);
    let idle = sample(sh.pid()).unwrap();
    let sessions = server_sessions(env.server.port());

    let sampler = Sampler::start(sh.pid());
    sh.send("mirror -P 8 tree copy\n");
    sh.sync("done", deadline);
    let samples = sampler.finish();
    // The workers' connections are closed when the mirror ends; the server notices at its
    // own pace.
    wait_until("the workers' sessions to end on the server", || {
        server_sessions(env.server.port()) == sessions
    });
    let end = sample(sh.pid()).unwrap();

    let mut seen = 0;
    for i in 0..files {
        let p = env.local(&format!("copy/d{:03}/f{i}.txt", i / 100));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("file {i}\n"));
        seen += 1;
    }
    assert_eq!(seen, files);
    assert_eq!(
        part_files(env.local.path()),
        Vec::<std::path::PathBuf>::new()
    );
    // 8 workers, each with its control socket (held twice: a clone for the watchdog), a data
    // socket, a file and the two ends of the splice(2) pipe (src/transfer/zerocopy.rs) open
    // at a time, and the mirror's own listing connection and directory handles: 8 * 6 + a
    // few. How many workers hold all six at the same moment is up to the scheduler: runs
    // here peaked between 32 and 42 over the idle count.
    let r = check("mirror", &samples, idle, end, 8 * 6 + 8);
    let (code, _, err) = sh.finish();
    assert_eq!(code, Some(0), "{err}");
    eprintln!(
        "soak mirror: {files} files, 8 workers, in {:.1?}; {r:?}",
        started.elapsed()
    );
}

/// A TCP proxy in front of the server's control port that can drop every connection it
/// carries, as a server timing sessions out does.
struct DropProxy {
    port: u16,
    live: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl DropProxy {
    fn start(upstream: u16) -> DropProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (live2, stop2) = (live.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let mut held = live2.lock().unwrap();
                held.push(client.try_clone().unwrap());
                held.push(server.try_clone().unwrap());
                pump(client.try_clone().unwrap(), server.try_clone().unwrap());
                pump(server, client);
            }
        });
        DropProxy { port, live, stop }
    }

    /// Closes every connection the proxy carries, both ways.
    fn drop_all(&self) {
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `from` to `to` until either side ends, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

impl Drop for DropProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.drop_all();
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

#[test]
fn soak_reconnects_after_server_drops_hold_memory_descriptors_and_sockets() {
    let (_, _, reconnects) = sizes();
    let env = Env::new();
    env.remote_file("sub/here.txt", b"x");
    let proxy = DropProxy::start(env.server.port());
    let url = format!("ftp://127.0.0.1:{}/sub", proxy.port);
    let started = Instant::now();
    let deadline = started + load_limit();
    let mut sh = Piped::spawn(&env, &[&url]);
    sh.sync("ready", deadline);
    let idle = sample(sh.pid()).unwrap();
    let sessions = server_sessions(env.server.port());
    assert_eq!(sessions, 1);

    let sampler = Sampler::start(sh.pid());
    for i in 0..reconnects {
        proxy.drop_all();
        // ftpsh has not noticed yet: its end of the connection waits in CLOSE_WAIT.
        wait_until(
            "ftpsh's control connection to be closed by the server",
            || server_closed_connection_to(proxy.port),
        );
        // The next command reconnects, logs in, returns to /sub and lists it (a data
        // connection too).
        sh.send("ls\npwd\n");
        sh.expect_line("here.txt", deadline);
        sh.expect_line("/sub", deadline);
        assert!(
            Instant::now() < deadline,
            "reconnect {i}: past the time bound"
        );
    }
    sh.sync("done", deadline);
    let samples = sampler.finish();
    wait_until("the dropped sessions to end on the server", || {
        server_sessions(env.server.port()) == sessions
    });
    let end = sample(sh.pid()).unwrap();
    let r = check("reconnects", &samples, idle, end, 4);
    let (code, _, err) = sh.finish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err.matches("lost; reconnecting").count(),
        reconnects,
        "{err}"
    );
    eprintln!(
        "soak reconnects: {reconnects} in {:.1?}; {r:?}",
        started.elapsed()
    );
}
