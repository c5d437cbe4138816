//! Trees: `mirror`, `mirror -R`, `get -r`, `put -r` against the in-process server (content
//! and times compared, reruns that transfer nothing, `--delete`, `--dry-run`, excludes,
//! worker counts), and a scripted server whose tree listing is hostile. Ctrl-C in `mirror -P`
//! and `get -P` (exit 130 within a bound, `.part` files kept, the rerun completes; no file
//! started after the signal), and a server that limits logins.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::util::{
    Env, error_lines, interrupt, json_of_type, pattern, spawn_batch, stderr_of, stdout_of,
    wait_until,
};

/// Every file under `root`, by relative path, with its bytes (directories as `None`).
fn tree(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// Fails, naming the paths that differ (not dumping the bytes), unless the trees under
/// `got` and `want` hold the same directories and the same files byte for byte.
#[track_caller]
pub(crate) fn assert_same_tree(got: &Path, want: &Path) {
    let (g, w) = (tree(got), tree(want));
    if g == w {
        return;
    }
    let differ: Vec<&String> = g
        .keys()
        .chain(w.keys())
        .filter(|k| g.get(*k) != w.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    panic!(
        "{} differs from {} at {differ:?}\n  got: {:?}\n want: {:?}",
        got.display(),
        want.display(),
        g.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>()
    );
}

fn mtime_secs(p: &Path) -> u64 {
    std::fs::metadata(p)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A remote tree with nesting, a non-ASCII name, a name with a space, an empty file, an
/// empty directory and a bigger file; the files get old, distinct modification times.
fn sample(env: &Env, root: &str) {
    let files: [(&str, Vec<u8>); 6] = [
        ("README", b"read me\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("docs/grüße.txt", "grüße\n".as_bytes().to_vec()),
        ("docs/with space.txt", b"space\n".to_vec()),
        ("data/deep/er/big.bin", pattern(600_000, 2)),
        ("data/x.tmp", b"temporary".to_vec()),
    ];
    for (i, (name, data)) in files.iter().enumerate() {
        let p = env.remote_file(&format!("{root}/{name}"), data);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000 + i as u64 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    std::fs::create_dir_all(env.remote(&format!("{root}/emptydir"))).unwrap();
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    let s = json_of_type(&stdout_of(out), "summary");
    assert_eq!(s.len(), 1, "{}\n{}", stdout_of(out), stderr_of(out));
    s[0].clone()
}

fn json_run(env: &Env, cmds: &str) -> std::process::Output {
    env.cmd()
        .args([&env.url(), "--json", "-c", cmds])
        .output()
        .unwrap()
}

/// `mirror REMOTE LOCAL` copies the tree byte for byte with the remote times, and a second
/// run transfers nothing and says so; a changed file is the only one copied again.
#[test]
fn mirror_copies_a_tree_and_a_rerun_transfers_nothing() {
    let env = Env::new();
    sample(&env, "pub");
    let out = json_run(&env, "mirror pub copy");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(tree(&env.local("copy")), tree(&env.remote("pub")));
    for f in ["README", "docs/grüße.txt", "data/deep/er/big.bin"] {
        assert_eq!(
            mtime_secs(&env.local(&format!("copy/{f}"))),
            mtime_secs(&env.remote(&format!("pub/{f}"))),
            "{f}"
        );
    }
    let s = summary(&out);
    assert_eq!(
        (s["files"].as_u64(), s["done"].as_u64()),
        (Some(6), Some(6))
    );
    // The directories made (the root is not one of the plan's) and the bytes, added up.
    assert_eq!(s["dirs_made"], 5, "{s}");
    let bytes: u64 = tree(&env.remote("pub"))
        .values()
        .flatten()
        .map(|d| d.len() as u64)
        .sum();
    assert_eq!(s["bytes"], bytes, "{s}");

    let again = json_run(&env, "mirror pub copy");
    assert_eq!(again.status.code(), Some(0), "{}", stderr_of(&again));
    let s = summary(&again);
    assert_eq!(s["files"], 0, "{s}");
    assert_eq!(s["dirs_made"], 0);
    // Every file was looked at and left alone.
    assert_eq!(s["skipped"], 6, "{s}");
    // The walks took their time, which the summary reports.
    assert!(s["seconds"].as_f64().is_some_and(|t| t > 0.0), "{s}");
    assert!(json_of_type(&stdout_of(&again), "transfer").is_empty());
    let text = env.run("mirror pub copy").output().unwrap();
    assert!(
        stderr_of(&text).contains("mirror: nothing to transfer"),
        "{}",
        stderr_of(&text)
    );

    // One file changes on the server: only it is fetched.
    env.remote_file("pub/docs/with space.txt", b"a longer text now\n");
    let out = json_run(&env, "mirror pub copy");
    let t = json_of_type(&stdout_of(&out), "transfer");
    assert_eq!(t.len(), 1, "{}", stdout_of(&out));
    assert_eq!(t[0]["remote"], "pub/docs/with space.txt");
    assert_eq!(
        std::fs::read(env.local("copy/docs/with space.txt")).unwrap(),
        b"a longer text now\n"
    );
}

/// The worker count changes nothing in the result.
#[test]
fn mirror_with_1_4_and_16_workers_gives_identical_trees() {
    let env = Env::new();
    sample(&env, "pub");
    for i in 0..30 {
        env.remote_file(
            &format!("pub/many/f{i:02}.dat"),
            &pattern(1000 + i * 37, i as u64),
        );
    }
    let want = tree(&env.remote("pub"));
    for n in [1, 4, 16] {
        let out = env
            .run(&format!("mirror -P {n} pub out{n}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "-P {n}: {}", stderr_of(&out));
        assert!(
            tree(&env.local(&format!("out{n}"))) == want,
            "-P {n} differs"
        );
    }
}

/// `mirror -R` and `put -r` upload a local tree; a rerun uploads nothing even where the
/// server cannot take the local times.
#[test]
fn mirror_r_and_put_r_upload_a_tree() {
    let env = Env::new();
    sample(&env, "src");
    // The sample, moved to the local side.
    std::fs::rename(env.remote("src"), env.local("site")).unwrap();
    let out = json_run(&env, "mirror -R site www");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(tree(&env.remote("www")), tree(&env.local("site")));
    let again = json_run(&env, "mirror -R site www");
    assert_eq!(summary(&again)["files"], 0, "{}", stdout_of(&again));

    let out = env.run("mkdir up; put -r -o up site").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(tree(&env.remote("up/site")), tree(&env.local("site")));
    // `-o /` from elsewhere: the tree goes to /site.
    let out = env.run("cd up; put -r -o / site").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(tree(&env.remote("site")), tree(&env.local("site")));
}

/// `get -r DIR` makes ./DIR (or LOCAL/DIR); an interrupted copy's rerun fetches only what
/// is missing.
#[test]
fn get_r_copies_into_the_directory_name_and_completes_what_is_missing() {
    let env = Env::new();
    sample(&env, "pub/release");
    let out = env.run("get -r pub/release").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        tree(&env.local("release")),
        tree(&env.remote("pub/release"))
    );

    std::fs::remove_file(env.local("release/docs/grüße.txt")).unwrap();
    std::fs::create_dir(env.local("dl")).unwrap();
    let out = json_run(&env, "get -r pub/release");
    let t = json_of_type(&stdout_of(&out), "transfer");
    assert_eq!(t.len(), 1, "{}", stdout_of(&out));
    assert_eq!(
        tree(&env.local("release")),
        tree(&env.remote("pub/release"))
    );

    let out = env.run("get -r -o dl pub/release").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        tree(&env.local("dl/release")),
        tree(&env.remote("pub/release"))
    );
}

/// `--delete` in a script needs `--yes`: without it nothing at all changes (no delete and no
/// download either); with it the extra items go, excluded ones stay.
#[test]
fn mirror_delete_needs_yes_in_a_script_and_spares_excluded_files() {
    let env = Env::new();
    sample(&env, "pub");
    let first = env.run("mirror pub copy").output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    env.local_file("copy/extra.txt", b"not on the server");
    env.local_file("copy/olddir/gone.txt", b"x");
    env.local_file("copy/keep.log", b"excluded, so kept");
    env.remote_file("pub/new.txt", b"new");

    let out = env
        .run("mirror --delete -x '*.log' pub copy")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("--delete would remove 3 items")
            && stderr_of(&out).contains("--yes"),
        "{}",
        stderr_of(&out)
    );
    assert!(env.local("copy/extra.txt").exists() && env.local("copy/olddir/gone.txt").exists());
    assert!(
        !env.local("copy/new.txt").exists(),
        "changed before the refusal"
    );

    let out = json_run(&env, "mirror --delete --yes -x '*.log' pub copy");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(!env.local("copy/extra.txt").exists());
    assert!(!env.local("copy/olddir").exists());
    assert!(env.local("copy/keep.log").exists());
    assert!(env.local("copy/new.txt").exists());
    let deleted: Vec<_> = json_of_type(&stdout_of(&out), "step")
        .into_iter()
        .filter(|s| s["action"] == "delete")
        .map(|s| s["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        deleted,
        ["olddir/gone.txt", "olddir", "extra.txt"],
        "{deleted:?}"
    );
    assert_eq!(summary(&out)["deleted"], 3);
}

/// `--dry-run` prints the plan with reasons and changes nothing, on either side.
#[test]
fn mirror_dry_run_changes_nothing() {
    let env = Env::new();
    sample(&env, "pub");
    env.local_file("copy/extra.txt", b"x");
    let out = env
        .run("mirror -n --delete -x '*.tmp' pub copy")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let plan = stdout_of(&out);
    for line in [
        "mkdir   docs",
        "get     docs/grüße.txt (missing)",
        "skip    data/x.tmp (excluded)",
        "delete  extra.txt (not in source)",
    ] {
        assert!(plan.lines().any(|l| l == line), "{line:?} not in:\n{plan}");
    }
    assert_eq!(
        tree(&env.local("copy")).len(),
        1,
        "the dry run changed the target"
    );
    // Upload side: no remote directory appears.
    let out = env.run("mirror -R -n copy www").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("put     extra.txt (missing)"));
    assert!(!env.remote("www").exists());
}

/// `--only-newer`, `--only-missing` and `--ignore-time` each choose what is copied, end to
/// end: `a.txt` differs in size and the local copy is newer, `b.txt` has the same size and
/// the server's is newer, `c.txt` is missing here, `d.txt` has the same size and the local
/// copy is newer (a download: not taken for a copy of ours, whose time the upload set).
#[test]
fn mirror_only_newer_only_missing_and_ignore_time_choose_what_is_copied() {
    let env = Env::new();
    let set_time = |p: &Path, secs: u64| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    };
    const T: u64 = 1_600_000_000;
    for (name, data, secs) in [
        ("a.txt", &b"remote a"[..], T),
        ("b.txt", b"remote b", T + 7200),
        ("c.txt", b"remote c", T),
        ("d.txt", b"remote d", T),
    ] {
        set_time(&env.remote_file(&format!("pub/{name}"), data), secs);
    }
    set_time(&env.local_file("copy/a.txt", b"local a, longer"), T + 7200);
    set_time(&env.local_file("copy/b.txt", b"local b!"), T);
    set_time(&env.local_file("copy/d.txt", b"local d!"), T + 7200);
    for (flags, plan) in [
        (
            "",
            [
                "get     a.txt (size differs)",
                "get     b.txt (source newer)",
                "get     c.txt (missing)",
                "get     d.txt (times differ)",
            ],
        ),
        (
            "--only-newer",
            [
                "skip    a.txt (target newer, --only-newer)",
                "get     b.txt (source newer)",
                "get     c.txt (missing)",
                "skip    d.txt (target newer, --only-newer)",
            ],
        ),
        (
            "--only-missing",
            [
                "skip    a.txt (exists, --only-missing)",
                "skip    b.txt (exists, --only-missing)",
                "get     c.txt (missing)",
                "skip    d.txt (exists, --only-missing)",
            ],
        ),
        (
            "--ignore-time",
            [
                "get     a.txt (size differs)",
                "skip    b.txt (same size, times not compared)",
                "get     c.txt (missing)",
                "skip    d.txt (same size, times not compared)",
            ],
        ),
    ] {
        let out = env
            .run(&format!("mirror -n {flags} pub copy"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{flags}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out).lines().collect::<Vec<_>>(), plan, "{flags}");
    }
    // Carried out: the local newer a.txt stays, the others are the server's.
    let out = env.run("mirror --only-newer pub copy").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(env.local("copy/a.txt")).unwrap(),
        b"local a, longer"
    );
    assert_eq!(std::fs::read(env.local("copy/b.txt")).unwrap(), b"remote b");
    assert_eq!(std::fs::read(env.local("copy/c.txt")).unwrap(), b"remote c");
    assert_eq!(std::fs::read(env.local("copy/d.txt")).unwrap(), b"local d!");
}

/// Anchored and unanchored excludes, includes, and the local tree's .ftpignore.
#[test]
fn mirror_excludes_are_anchored_like_gitignore() {
    let env = Env::new();
    for f in [
        "old/a",
        "sub/old/b",
        "sub/c.tmp",
        "d.tmp",
        "keep/e",
        "notes/f.md",
    ] {
        env.remote_file(&format!("pub/{f}"), f.as_bytes());
    }
    let files = |dir: &str| -> Vec<String> {
        tree(&env.local(dir))
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k)
            .collect()
    };
    let run = |args: &str, dir: &str| {
        let out = env
            .run(&format!("mirror {args} pub {dir}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args}: {}", stderr_of(&out));
    };
    run("-x /old/", "a1");
    assert_eq!(
        files("a1"),
        ["d.tmp", "keep/e", "notes/f.md", "sub/c.tmp", "sub/old/b"]
    );
    run("-x old/ -x '*.tmp'", "a2");
    assert_eq!(files("a2"), ["keep/e", "notes/f.md"]);
    run("-i '*.md'", "a3");
    assert_eq!(files("a3"), ["notes/f.md"]);
    // .ftpignore in the local root; the file itself is left alone.
    env.local_file("a4/.ftpignore", b"# comment\n/keep/\n*.tmp\n!d.tmp\n");
    run("", "a4");
    assert_eq!(
        files("a4"),
        [".ftpignore", "d.tmp", "notes/f.md", "old/a", "sub/old/b"]
    );
    // Upload side: the same rules, and the .ftpignore itself stays home.
    let remote_files = |dir: &str| -> Vec<String> {
        tree(&env.remote(dir))
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k)
            .collect()
    };
    let out = env.run("mirror -R a4 up4").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        remote_files("up4"),
        ["d.tmp", "notes/f.md", "old/a", "sub/old/b"]
    );
    // --ignore-file: its rules instead, and the tree's .ftpignore is a file like any other.
    env.local_file("rules", b"*.md\n");
    let out = env
        .run("mirror -R --ignore-file rules a4 up5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        remote_files("up5"),
        [".ftpignore", "d.tmp", "old/a", "sub/old/b"]
    );
    // A --ignore-file that cannot be read is an error before anything is sent.
    let out = env
        .run("mirror -R --ignore-file nosuch a4 up6")
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(error_lines(&err)[0].contains("nosuch"), "{err}");
    assert!(!env.remote("up6").exists());
    // Degenerate patterns are usage errors before anything happens.
    for bad in ["''", "'*'", "/", "'**'", "../x"] {
        let out = env.run(&format!("mirror -x {bad} pub z")).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr_of(&out));
        assert!(!env.local("z").exists());
    }
}

/// `mirror -R --delete` to a server that refuses to make a directory, to store a file and
/// to delete one: each refusal is one line naming its path, the summary counts them all as
/// failed, the run goes on to the end and exits with the refusal's code.
#[test]
fn mirror_r_counts_a_refused_mkdir_upload_and_delete_as_failures() {
    let server = FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
        match (verb(c).as_str(), arg.as_str()) {
            ("LIST", "www") => Action::sent(b"-rw-r--r-- 1 u g 3 Jan 01 2024 old.txt\r\n"),
            ("LIST", _) => Action::Reply("550 No such directory".into()),
            ("CWD", "www" | "/") => Action::Reply("250 ok".into()),
            ("CWD", _) => Action::Reply("550 No".into()),
            ("MKD", _) => Action::Reply("550 Permission denied".into()),
            ("STOR", _) => Action::Reply("553 Not allowed".into()),
            ("DELE", _) => Action::Reply("550 Permission denied".into()),
            ("SIZE", _) => Action::Reply("550 No such file".into()),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    env.local_file("site/top.txt", b"top");
    env.local_file("site/sub/inner.txt", b"inner");
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--json",
            "-c",
            "mirror -R --delete --yes site www",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    let s = summary(&out);
    assert_eq!(
        (
            s["files"].as_u64(),
            s["failed"].as_u64(),
            s["dirs_made"].as_u64()
        ),
        (Some(2), Some(4), Some(0)),
        "{s}"
    );
    // Paths relative to the trees' roots, as in the plan.
    for line in [
        "mirror: sub: 550 Permission denied",
        "mirror: sub/inner.txt: 553 Not allowed",
        "mirror: top.txt: 553 Not allowed",
        "mirror: old.txt: 550 Permission denied",
        // Out of everything the plan would have changed: 2 files, 1 directory, 1 deletion.
        "mirror: 4 of 4 changes failed",
    ] {
        assert!(err.lines().any(|l| l == line), "{line}: {err}");
    }
}

/// `mirror . DIR` names the files as the server knows them (`a.txt`, not `./a.txt`), in
/// what it sends and in what it reports.
#[test]
fn mirror_of_the_working_directory_names_files_without_a_dot_prefix() {
    let env = Env::new();
    env.remote_file("pub/a.txt", b"abc");
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-v", "-c", "cd pub; mirror . copy"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let t = json_of_type(&stdout_of(&out), "transfer");
    assert_eq!(t.len(), 1, "{}", stdout_of(&out));
    assert_eq!(t[0]["remote"], "a.txt");
    assert!(err.lines().any(|l| l == "--> RETR a.txt"), "{err}");
    assert_eq!(std::fs::read(env.local("copy/a.txt")).unwrap(), b"abc");
}

/// A local target that exists and is not a directory: one line, exit 6, and the file is
/// left as it was.
#[test]
fn mirror_into_a_local_file_fails_and_leaves_it() {
    let env = Env::new();
    env.remote_file("pub/a.txt", b"abc");
    env.local_file("copy", b"not a directory");
    let out = env.run("mirror pub copy").output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["mirror: copy: exists and is not a directory"]
    );
    assert_eq!(
        std::fs::read(env.local("copy")).unwrap(),
        b"not a directory"
    );
}

/// A file of a mirror that fails on a transient reply is retried under its own name.
#[test]
fn a_mirror_file_retried_after_a_451_is_named_in_the_retry_line() {
    let failed_once = Arc::new(AtomicBool::new(false));
    let once = Arc::clone(&failed_once);
    let server = FakeServer::start(move |c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
        match (verb(c).as_str(), arg.as_str()) {
            ("LIST", "tree") => Action::sent(b"-rw-r--r-- 1 u g 3 Jan 01 2024 f.txt\r\n"),
            ("LIST", _) => Action::Reply("550 No such directory".into()),
            ("SIZE", _) => Action::Reply("213 3".into()),
            ("RETR", "tree/f.txt") if !once.swap(true, Ordering::SeqCst) => {
                Action::Reply("451 Local error in processing".into())
            }
            ("RETR", "tree/f.txt") => Action::sent(b"abc"),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "--timeout",
            "5",
            "-c",
            "mirror -P 1 tree copy",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(failed_once.load(Ordering::SeqCst));
    assert!(
        err.lines()
            .any(|l| l.starts_with("mirror f.txt: retry 1/3 in ") && l.contains("451")),
        "{err}"
    );
    assert_eq!(std::fs::read(env.local("copy/f.txt")).unwrap(), b"abc");
}

/// A local tree is walked to 256 directory levels and no deeper: one more level is one
/// error line and exit 1, before anything is sent.
#[test]
fn a_local_tree_deeper_than_256_levels_stops_the_walk() {
    let env = Env::new();
    let deepest = format!("deep{}", "/a".repeat(256));
    std::fs::create_dir_all(env.local(&deepest)).unwrap();
    let out = env.run("mirror -R -n deep www").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    std::fs::create_dir(env.local(&format!("{deepest}/a"))).unwrap();
    let out = env.run("mirror -R -n deep www").output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        error_lines(&err),
        [format!(
            "mirror: {deepest}/a: more than 256 directory levels; not walking deeper"
        )]
    );
    assert!(!env.remote("www").exists());
}

/// A server whose tree listing is hostile: `..`, a name with a slash, terminal escapes and a
/// link pointing up. Only the safe files arrive, inside the local root; nothing else is
/// fetched or written; the unsafe names are counted in one warning.
#[test]
fn a_hostile_tree_listing_cannot_write_outside_the_target() {
    let server = FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
        let listing = |lines: &str| Action::sent(lines);
        match (verb(c).as_str(), arg.as_str()) {
            ("LIST", "tree") => listing(
                "drwxr-xr-x 2 u g 4096 Jan 01 2024 ..\r\n\
                 -rw-r--r-- 1 u g 3 Jan 01 2024 ok.txt\r\n\
                 -rw-r--r-- 1 u g 3 Jan 01 2024 a/b\r\n\
                 -rw-r--r-- 1 u g 3 Jan 01 2024 evil\x1b[2J.txt\r\n\
                 lrwxrwxrwx 1 u g 5 Jan 01 2024 up -> ../..\r\n\
                 drwxr-xr-x 2 u g 4096 Jan 01 2024 sub\r\n",
            ),
            ("LIST", "tree/sub") => listing("-rw-r--r-- 1 u g 3 Jan 01 2024 f.txt\r\n"),
            ("LIST", _) => Action::Reply("550 No such directory".into()),
            ("CWD", "tree" | "tree/sub" | "/") => Action::Reply("250 ok".into()),
            ("CWD", _) => Action::Reply("550 No".into()),
            ("SIZE", _) => Action::Reply("213 3".into()),
            ("RETR", "tree/ok.txt" | "tree/sub/f.txt") => Action::sent(b"abc"),
            ("RETR", _) => Action::Reply("550 not for you".into()),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    std::fs::create_dir(env.local("in")).unwrap();
    let out = env
        .cmd()
        .current_dir(env.local("in"))
        .args([&server.url(), "-c", "mirror -P 2 tree copy"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Everything ftpsh wrote is inside in/copy.
    let written = tree(&env.local("."));
    let keys: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "in",
            "in/copy",
            "in/copy/ok.txt",
            "in/copy/sub",
            "in/copy/sub/f.txt"
        ]
    );
    assert!(err.contains("unsafe names skipped"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
    let retr: Vec<String> = server
        .commands()
        .into_iter()
        .filter(|c| verb(c) == "RETR")
        .collect();
    let mut retr_sorted = retr.clone();
    retr_sorted.sort();
    assert_eq!(
        retr_sorted,
        ["RETR tree/ok.txt", "RETR tree/sub/f.txt"],
        "{retr:?}"
    );
}

// --- Ctrl-C in a parallel tree copy ------------------------------------------------------------

/// Bytes per second the throttled server sends each transfer.
const SLOW_RATE: u64 = 48 * 1024;
/// Each file takes five seconds at [`SLOW_RATE`]: the run is surely mid-file when the
/// first `.part` has bytes, and a run that let its files finish after the signal would
/// take longer than [`CTRL_C_BOUND`].
const SLOW_FILE: usize = 240 * 1024;
/// How soon after SIGINT the process must have ended, on a loaded 2-core machine (the
/// design target is under one second; the tests print what they measure).
const CTRL_C_BOUND: Duration = Duration::from_secs(3);

/// A throttled server with eight slow files under `pub/`, some nested.
fn slow_tree() -> Env {
    let env = Env::with(crate::server::ServerOpts {
        throttle: Some(SLOW_RATE),
        ..crate::server::ServerOpts::default()
    });
    for (i, name) in [
        "a.bin",
        "b.bin",
        "c.bin",
        "sub/d.bin",
        "sub/e.bin",
        "sub/deep/f.bin",
        "g h.bin",
        "ü.bin",
    ]
    .iter()
    .enumerate()
    {
        env.remote_file(&format!("pub/{name}"), &pattern(SLOW_FILE, 100 + i as u64));
    }
    env
}

/// Every `.part` file under `dir` with its length.
fn part_files(dir: &Path) -> Vec<(String, u64)> {
    tree(dir)
        .into_iter()
        .filter(|(k, v)| k.ends_with(".part") && v.is_some())
        .map(|(k, v)| (k, v.unwrap().len() as u64))
        .collect()
}

/// Sends SIGINT to `child` once `ready` holds (polled, bounded), then waits (bounded) for it
/// to end: its exit code, its stderr, and how long after the signal it ended.
fn interrupt_when(
    mut child: std::process::Child,
    what: &str,
    ready: impl FnMut() -> bool,
) -> (Option<i32>, String, Duration) {
    use std::io::Read;
    wait_until(what, ready);
    let signalled = std::time::Instant::now();
    interrupt(child.id());
    let status = crate::util::wait_bounded(
        &mut child,
        Duration::from_secs(30),
        "still running 30 s after SIGINT",
    );
    let latency = signalled.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    eprintln!("{what}: ended {latency:?} after SIGINT");
    (status.code(), err, latency)
}

/// `mirror -P 4` of a slow tree, interrupted once a `.part` has bytes: exit 130 within
/// [`CTRL_C_BOUND`], the `.part` files stay and no unfinished file is passed off as done.
fn interrupt_a_parallel_mirror(env: &Env) {
    let url = env.url();
    let child = spawn_batch(env, &[&url, "-c", "mirror -P 4 pub copy"]);
    let copy = env.local("copy");
    let (code, err, latency) = interrupt_when(child, "mirror -P 4: a .part with bytes", || {
        copy.exists() && part_files(&copy).iter().any(|(_, n)| *n > 0)
    });
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(latency < CTRL_C_BOUND, "ended {latency:?} after SIGINT");
    let parts = part_files(&copy);
    assert!(parts.iter().any(|(_, n)| *n > 0), "{parts:?}");
    // What was copied whole is the server's file; nothing else has its final name.
    for (path, data) in tree(&copy) {
        if let Some(data) = data.filter(|_| !path.ends_with(".part")) {
            assert!(
                std::fs::read(env.remote(&format!("pub/{path}"))).unwrap() == data,
                "{path} is not the server's file"
            );
        }
    }
    let missing = tree(&env.remote("pub"))
        .into_iter()
        .filter(|(path, data)| data.is_some() && !copy.join(path).exists())
        .count();
    assert!(
        missing > 0,
        "the whole tree arrived before the signal took effect"
    );
}

/// Ctrl-C in `mirror -P 4` ends it quickly with 130 and keeps the `.part` files; `mirror -c`
/// then continues them (not from zero) and completes the tree.
#[test]
fn mirror_p4_interrupted_exits_130_promptly_and_mirror_c_continues_the_parts() {
    let env = slow_tree();
    interrupt_a_parallel_mirror(&env);
    let out = json_run(&env, "mirror -c -P 4 pub copy");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_same_tree(&env.local("copy"), &env.remote("pub"));
    let resumed: Vec<u64> = json_of_type(&stdout_of(&out), "transfer")
        .iter()
        .filter_map(|t| t["resumed_from"].as_u64())
        .filter(|n| *n > 0)
        .collect();
    assert!(!resumed.is_empty(), "{}", stdout_of(&out));
}

/// After Ctrl-C in `mirror -P 4`, a plain rerun completes the tree and leaves no `.part`.
#[test]
fn mirror_p4_interrupted_then_a_plain_rerun_completes_the_tree() {
    let env = slow_tree();
    interrupt_a_parallel_mirror(&env);
    let out = env.run("mirror -P 4 pub copy").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_same_tree(&env.local("copy"), &env.remote("pub"));
}

/// Ctrl-C in `get -P 4` of slow files: 130 within the bound, the `.part` files stay, and
/// `get -c -P 4` completes every file from where it stopped.
#[test]
fn get_p4_interrupted_exits_130_promptly_and_get_c_completes_the_files() {
    let env = slow_tree();
    std::fs::create_dir(env.local("out")).unwrap();
    let url = env.url();
    let child = spawn_batch(&env, &[&url, "-c", "get -P 4 -o out/ 'pub/*.bin'"]);
    let out_dir = env.local("out");
    let (code, err, latency) = interrupt_when(child, "get -P 4: a .part with bytes", || {
        part_files(&out_dir).iter().any(|(_, n)| *n > 0)
    });
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(latency < CTRL_C_BOUND, "ended {latency:?} after SIGINT");
    assert!(!part_files(&out_dir).is_empty());

    let out = json_run(&env, "get -c -P 4 -o out/ 'pub/*.bin'");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let names = ["a.bin", "b.bin", "c.bin", "g h.bin", "ü.bin"];
    for name in names {
        assert!(
            std::fs::read(env.local(&format!("out/{name}"))).unwrap()
                == std::fs::read(env.remote(&format!("pub/{name}"))).unwrap(),
            "{name}"
        );
    }
    assert!(
        part_files(&out_dir).is_empty(),
        "{:?}",
        part_files(&out_dir)
    );
    assert_eq!(tree(&out_dir).len(), names.len());
    assert!(
        json_of_type(&stdout_of(&out), "transfer")
            .iter()
            .any(|t| t["resumed_from"].as_u64().is_some_and(|n| n > 0)),
        "{}",
        stdout_of(&out)
    );
}

// --- a server that limits logins -----------------------------------------------------------------

/// A scripted server that allows two logins (the shell's and one worker) and serves a small
/// tree over LIST: `mirror -P 4` goes on with the one worker it gets, says so once, and the
/// whole tree arrives.
#[test]
fn mirror_p4_against_a_login_limit_completes_the_tree_with_one_notice() {
    mirror_against_a_login_limit("mirror -P 4 tree copy");
}

/// Without -P (and no `parallel` setting) mirror asks for its default of four workers: the
/// notice counts them.
#[test]
fn mirror_without_p_asks_for_four_workers() {
    mirror_against_a_login_limit("mirror tree copy");
}

fn mirror_against_a_login_limit(command: &str) {
    const FILES: [&str; 5] = ["a.bin", "b.bin", "sub/c.bin", "sub/d.bin", "sub/deep/e.bin"];
    fn body(path: &str) -> Vec<u8> {
        let i = FILES.iter().position(|f| *f == path).unwrap_or(99);
        pattern(30_000 + i * 1000, 200 + i as u64)
    }
    let files = FILES;
    let logins = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&logins);
    let server = FakeServer::start(move |c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
        let listing = |lines: String| Action::sent(lines);
        let line = |path: &str| {
            let name = path.rsplit('/').next().unwrap();
            format!(
                "-rw-r--r-- 1 u g {} Jan 01 2024 {name}\r\n",
                body(path).len()
            )
        };
        let dir = |name: &str| format!("drwxr-xr-x 2 u g 4096 Jan 01 2024 {name}\r\n");
        match (verb(c).as_str(), arg.as_str()) {
            ("PASS", _) => {
                if counted.fetch_add(1, Ordering::SeqCst) >= 2 {
                    Action::Reply("421 Too many connections from your address".into())
                } else {
                    Action::Reply("230 Logged in".into())
                }
            }
            ("LIST", "tree") => listing(line("a.bin") + &line("b.bin") + &dir("sub")),
            ("LIST", "tree/sub") => listing(line("sub/c.bin") + &line("sub/d.bin") + &dir("deep")),
            ("LIST", "tree/sub/deep") => listing(line("sub/deep/e.bin")),
            ("LIST", _) => Action::Reply("550 No such directory".into()),
            ("CWD", "tree" | "tree/sub" | "tree/sub/deep" | "/") => Action::Reply("250 ok".into()),
            ("CWD", _) => Action::Reply("550 No".into()),
            ("RETR", p) if p.strip_prefix("tree/").is_some_and(|f| files.contains(&f)) => {
                Action::sent(body(&p["tree/".len()..]))
            }
            ("RETR", _) => Action::Reply("550 No such file".into()),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "--json", "-c", command])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for f in files {
        assert!(
            std::fs::read(env.local(&format!("copy/{f}"))).unwrap() == body(f),
            "{f}"
        );
    }
    assert_eq!(
        tree(&env.local("copy")).len(),
        files.len() + 2,
        "{:?}",
        tree(&env.local("copy")).keys().collect::<Vec<_>>()
    );
    assert_eq!(summary(&out)["done"], files.len());
    assert_eq!(err.matches("could not log in").count(), 1, "{err}");
    assert!(
        err.contains("of 4 worker connections could not log in") && err.contains("421"),
        "{err}"
    );
    // The pool did ask for more workers than the server allowed.
    assert!(logins.load(Ordering::SeqCst) > 2);
}

/// Ctrl-C while two workers are mid-file: no worker starts another file (the server sees no
/// RETR after the signal), and the run ends with 130 within the bound.
#[test]
fn mirror_p2_interrupted_starts_no_further_file() {
    const CHUNK: usize = 8 * 1024;
    const CHUNKS: usize = 100;
    let server = FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1).unwrap_or("");
        match (verb(c).as_str(), arg) {
            ("LIST", "tree") => Action::sent(
                (0..6)
                    .map(|i| format!("-rw-r--r-- 1 u g {} Jan 01 2024 f{i}\r\n", CHUNK * CHUNKS))
                    .collect::<String>(),
            ),
            ("LIST", _) => Action::Reply("550 No such directory".into()),
            ("CWD", "tree" | "/") => Action::Reply("250 ok".into()),
            ("CWD", _) => Action::Reply("550 No".into()),
            // Five seconds a file.
            ("RETR", _) => Action::Trickle {
                preliminary: "150 Opening data connection".into(),
                chunk: vec![b'z'; CHUNK],
                count: CHUNKS,
                every: Duration::from_millis(50),
                then: "226 Transfer complete".into(),
            },
            ("ABOR", _) => Action::Reply("225 No transfer to abort".into()),
            _ => fallback(c),
        }
    });
    let env = Env::new();
    let url = server.url();
    let child = spawn_batch(&env, &[&url, "-c", "mirror -P 2 tree copy"]);
    let copy = env.local("copy");
    let retrs = || {
        server
            .commands()
            .iter()
            .filter(|c| verb(c) == "RETR")
            .count()
    };
    let (code, err, latency) = interrupt_when(child, "two files under way", || {
        retrs() == 2
            && copy.exists()
            && part_files(&copy).iter().filter(|(_, n)| *n > 0).count() == 2
    });
    assert_eq!(code, Some(130), "{err}");
    assert!(latency < CTRL_C_BOUND, "ended {latency:?} after SIGINT");
    assert_eq!(retrs(), 2, "{:?}", server.commands());
    assert_eq!(part_files(&copy).len(), 2, "{:?}", tree(&copy).keys());
}
