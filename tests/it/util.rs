//! Shared test plumbing: a server root, a local working directory and a deterministic
//! environment for the `ftpsh` binary (no colour, fixed width, history and HOME in temp dirs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

use crate::server::{ServerOpts, TestServer};

pub struct Env {
    pub root: TempDir,
    pub local: TempDir,
    pub home: TempDir,
    pub server: TestServer,
}

impl Env {
    /// An anonymous plain-FTP server over a fresh root.
    pub fn new() -> Env {
        Env::with(ServerOpts::default())
    }

    pub fn with(opts: ServerOpts) -> Env {
        let root = TempDir::new().unwrap();
        let server = TestServer::start_with(root.path(), opts);
        Env {
            root,
            local: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            server,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A file on the server side, written directly into the root.
    pub fn remote_file(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.root.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn local_file(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.local.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn local(&self, rel: &str) -> PathBuf {
        self.local.path().join(rel)
    }

    pub fn remote(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// `ftpsh` with no URL, run in the local directory.
    pub fn cmd(&self) -> Command {
        ftpsh(self.local.path(), self.home.path())
    }

    /// `ftpsh URL -c CMDS`.
    pub fn run(&self, cmds: &str) -> Command {
        let mut c = self.cmd();
        c.arg(self.url()).arg("-c").arg(cmds);
        c
    }
}

pub fn ftpsh(cwd: &Path, home: &Path) -> Command {
    let mut c = Command::from_std(ftpsh_std(cwd, home));
    c.timeout(Duration::from_secs(120));
    c
}

/// The `ftpsh` binary with the deterministic test environment, as a plain std command (for
/// tests that spawn it themselves: in a pty, or to send it a signal).
pub fn ftpsh_std(cwd: &Path, home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("ftpsh"));
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("FTPSH_DATA_DIR", home.join("data"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80");
    c
}

/// Deterministic pseudo-random bytes (xorshift), so big-file tests need no rand crate and
/// a corrupted byte anywhere is caught.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits (bounded: 30 s) until `path` holds at least one byte: the state a test is about to
/// act on, rather than a proxy such as a progress bar drawn before the first byte.
pub fn wait_for_bytes(path: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(path).map_or(0, |m| m.len()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} still empty after 30 s",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls `f` (every 10 ms, for at most 30 s) until it returns true.
pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
