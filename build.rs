//! Build script: probes the machine for what the server-dependent tests need, so `cargo test`
//! reports those tests as ignored (with the reason) instead of letting them pass without
//! running, and holds the one rule for "in CI" that every test follows.
//!
//! It emits, for the test code (`cfg!(...)` and `#[cfg_attr(..., ignore = "...")]`):
//! - `ftpsh_ci`: `CI` is set and is not "", "0" or "false" (any case). Under CI every
//!   test must run: no `ftpsh_skip_*` is emitted, and a missing server fails its tests.
//! - `ftpsh_missing_X`: X was not found (CI or not); the test fails if it gets to run.
//! - `ftpsh_skip_X`: X was not found and this is not CI; its tests are ignored.
//!
//! for X in `vsftpd` (the binary, and root, since vsftpd chroots), `vsftpd_login` (that,
//! plus the local user `ftpsh-test` that `.ci/run` creates), `proftpd` and `pure_ftpd` (the
//! binary, on `PATH` or where `.ci/run` unpacks it under /opt/ftpsh-servers, proftpd's
//! mod_tls beside it, root, and the user `ftpsh-test`, the only login they serve), `pyftpdlib`, `groff`, `man`,
//! `zsh` and `fish` (the completion tests load the committed scripts in them), and for the
//! `serve` interop tests `curl`, `lftp` and `python` (its ftplib).
//! `FTPSH_TEST_ASSUME_MISSING=vsftpd,proftpd,pure_ftpd,pyftpdlib,...` (or `all`) makes the probe report those
//! as missing, to see the skipping without uninstalling anything.
//!
//! The program itself uses none of this.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "src/ci_rule.rs"]
mod ci_rule;

/// The one rule for "in CI" (src/ci_rule.rs), shared by every test through `cfg(ftpsh_ci)`.
fn under_ci() -> bool {
    ci_rule::means_ci(std::env::var("CI").ok().as_deref())
}

/// The directories searched for a program: `PATH`, plus the sbin directories a non-root
/// `PATH` often lacks (Debian puts vsftpd in /usr/sbin).
fn search_dirs() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    for extra in ["/usr/sbin", "/sbin"] {
        if !dirs.iter().any(|d| d == Path::new(extra)) {
            dirs.push(extra.into());
        }
    }
    dirs
}

fn find_program(name: &str) -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Where `.ci/run` unpacks the proftpd and pure-ftpd packages (Debian's vsftpd, proftpd and
/// pure-ftpd packages conflict: only one can be installed). tests/it/interop_servers.rs
/// looks in the same places.
const UNPACKED: &str = "/opt/ftpsh-servers";

/// `name` on `PATH` (or in an sbin directory), else in the tree `.ci/run` unpacked it to.
fn find_server(name: &str, unpacked: &str) -> Option<PathBuf> {
    find_program(name).or_else(|| {
        let p = Path::new(UNPACKED)
            .join(unpacked)
            .join("usr/sbin")
            .join(name);
        p.is_file().then_some(p)
    })
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn has_local_user(name: &str) -> bool {
    std::fs::read_to_string("/etc/passwd")
        .is_ok_and(|passwd| passwd.lines().any(|l| l.split(':').next() == Some(name)))
}

/// The interpreter the pyftpdlib tests start (tests/it/interop.rs reads the same variable).
fn python() -> String {
    std::env::var("FTPSH_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Where pyftpdlib is installed, when it is importable.
fn pyftpdlib_location() -> Option<PathBuf> {
    let out = Command::new(python())
        .args(["-c", "import pyftpdlib; print(pyftpdlib.__file__)"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let file = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Some(PathBuf::from(file))
}

/// The directories Python imports from (to notice pyftpdlib being installed later).
fn python_path_dirs() -> Vec<PathBuf> {
    let Ok(out) = Command::new(python())
        .args([
            "-c",
            "import sys; print('\\n'.join(p for p in sys.path if p))",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        // Where pip installs: not the standard library, which is big and never changes.
        .filter(|p| p.is_dir() && (p.ends_with("site-packages") || p.ends_with("dist-packages")))
        .collect()
}

/// Ask cargo to run this script again when `path` changes. A path that does not exist
/// would make cargo rerun it on every build, so only existing paths are watched.
fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

struct Probe {
    name: &'static str,
    /// `None` when present, else why not.
    missing: Option<String>,
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/ci_rule.rs");
    for var in ["CI", "FTPSH_TEST_ASSUME_MISSING", "FTPSH_TEST_PYTHON"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let names = [
        "ftpsh_ci",
        "ftpsh_missing_vsftpd",
        "ftpsh_skip_vsftpd",
        "ftpsh_missing_vsftpd_login",
        "ftpsh_skip_vsftpd_login",
        "ftpsh_missing_proftpd",
        "ftpsh_skip_proftpd",
        "ftpsh_missing_pure_ftpd",
        "ftpsh_skip_pure_ftpd",
        "ftpsh_missing_pyftpdlib",
        "ftpsh_skip_pyftpdlib",
        "ftpsh_missing_groff",
        "ftpsh_skip_groff",
        "ftpsh_missing_man",
        "ftpsh_skip_man",
        "ftpsh_missing_zsh",
        "ftpsh_skip_zsh",
        "ftpsh_missing_fish",
        "ftpsh_skip_fish",
        // serve interop (tests/it/serve.rs): clients nobody here wrote.
        "ftpsh_missing_curl",
        "ftpsh_skip_curl",
        "ftpsh_missing_lftp",
        "ftpsh_skip_lftp",
        "ftpsh_missing_python",
        "ftpsh_skip_python",
    ];
    println!("cargo:rustc-check-cfg=cfg({})", names.join(", "));

    let assume_missing = std::env::var("FTPSH_TEST_ASSUME_MISSING").unwrap_or_default();
    let pretend = |name: &str| {
        assume_missing
            .split(',')
            .map(str::trim)
            .any(|n| n == name || n == "all")
    };

    // A new user changes /etc/passwd.
    watch(Path::new("/etc/passwd"));
    // A program found is watched itself; a missing one, by the directories it would be
    // installed in (installing it changes one of them).
    let find = |name: &str| {
        let found = find_program(name);
        match &found {
            Some(p) => watch(p),
            None => search_dirs().iter().for_each(|d| watch(d)),
        }
        found
    };

    let vsftpd = if pretend("vsftpd") {
        Some("vsftpd assumed missing by FTPSH_TEST_ASSUME_MISSING".to_string())
    } else {
        match find("vsftpd") {
            None => Some("vsftpd not installed".to_string()),
            Some(_) if !is_root() => Some("the vsftpd tests need root".to_string()),
            Some(_) => None,
        }
    };
    let login = if pretend("vsftpd_login") {
        Some("user ftpsh-test assumed missing by FTPSH_TEST_ASSUME_MISSING".to_string())
    } else if let Some(why) = &vsftpd {
        Some(why.clone())
    } else if !has_local_user("ftpsh-test") {
        Some("local user ftpsh-test does not exist (.ci/run creates it)".to_string())
    } else {
        None
    };
    // proftpd and pure-ftpd: found where the tests look, run as root (they switch to the
    // logged-in user), serving the local user `ftpsh-test`.
    let unpacked = Path::new(UNPACKED);
    watch(if unpacked.exists() {
        unpacked
    } else {
        Path::new("/opt")
    });
    let real_server = |name: &'static str, program: &str, dir: &str| {
        if pretend(name) {
            return Some(format!(
                "{name} assumed missing by FTPSH_TEST_ASSUME_MISSING"
            ));
        }
        let Some(bin) = find_server(program, dir) else {
            search_dirs().iter().for_each(|d| watch(d));
            return Some(format!(
                "{program} not installed (.ci/run unpacks it under {UNPACKED})"
            ));
        };
        watch(&bin);
        if name == "proftpd" {
            // FTPS needs mod_tls (Debian's proftpd-mod-crypto), beside mod_digest.
            // <prefix>/sbin/proftpd loads its modules from <prefix>/lib/proftpd.
            let prefix = bin
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new("/"));
            let modules = prefix.join("lib/proftpd");
            watch(&modules);
            if !modules.join("mod_tls.so").is_file() {
                return Some(format!("{} lacks mod_tls.so", modules.display()));
            }
        }
        if !is_root() {
            Some(format!("the {program} tests need root"))
        } else if !has_local_user("ftpsh-test") {
            Some("local user ftpsh-test does not exist (.ci/run creates it)".to_string())
        } else {
            None
        }
    };
    let proftpd = real_server("proftpd", "proftpd", "proftpd");
    let pure_ftpd = real_server("pure_ftpd", "pure-ftpd", "pure-ftpd");
    let pyftpdlib = if pretend("pyftpdlib") {
        Some("pyftpdlib assumed missing by FTPSH_TEST_ASSUME_MISSING".to_string())
    } else {
        match pyftpdlib_location() {
            Some(file) => {
                watch(&file);
                None
            }
            None => {
                for dir in python_path_dirs() {
                    watch(&dir);
                }
                Some(format!("pyftpdlib not importable by {}", python()))
            }
        }
    };
    let tool = |name: &'static str| {
        if pretend(name) {
            Some(format!(
                "{name} assumed missing by FTPSH_TEST_ASSUME_MISSING"
            ))
        } else {
            find(name)
                .is_none()
                .then(|| format!("{name} not installed"))
        }
    };
    let probes = [
        Probe {
            name: "vsftpd",
            missing: vsftpd,
        },
        Probe {
            name: "vsftpd_login",
            missing: login,
        },
        Probe {
            name: "proftpd",
            missing: proftpd,
        },
        Probe {
            name: "pure_ftpd",
            missing: pure_ftpd,
        },
        Probe {
            name: "pyftpdlib",
            missing: pyftpdlib,
        },
        Probe {
            name: "groff",
            missing: tool("groff"),
        },
        Probe {
            name: "man",
            missing: tool("man"),
        },
        Probe {
            name: "zsh",
            missing: tool("zsh"),
        },
        Probe {
            name: "fish",
            missing: tool("fish"),
        },
        // serve interop (tests/it/serve.rs): curl, lftp, and Python's ftplib.
        Probe {
            name: "curl",
            missing: tool("curl"),
        },
        Probe {
            name: "lftp",
            missing: tool("lftp"),
        },
        Probe {
            name: "python",
            missing: if pretend("python") {
                Some("python assumed missing by FTPSH_TEST_ASSUME_MISSING".to_string())
            } else {
                find(&python())
                    .is_none()
                    .then(|| format!("{} not installed", python()))
            },
        },
    ];

    let ci = under_ci();
    if ci {
        println!("cargo:rustc-cfg=ftpsh_ci");
    }
    let mut absent = Vec::new();
    for p in &probes {
        if let Some(why) = &p.missing {
            println!("cargo:rustc-cfg=ftpsh_missing_{}", p.name);
            if !ci {
                println!("cargo:rustc-cfg=ftpsh_skip_{}", p.name);
            }
            absent.push(format!("{}: {why}", p.name));
        }
    }
    if !absent.is_empty() {
        if ci {
            println!(
                "cargo:warning=CI: their tests will fail: {} (.ci/run sets the machine up)",
                absent.join("; ")
            );
        } else {
            println!(
                "cargo:warning=tests ignored (CI=true would run them and fail): {}",
                absent.join("; ")
            );
        }
    }
}
