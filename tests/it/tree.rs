//! Whole-tree commands and globs in every remote path argument: `ls`/`rm`/`cat`/`chmod`/
//! `size`/`modtime` globs, `rm -r`, `rmdir -p`, `du`, `find`, `mget`/`mput`, against the
//! in-process server; a hostile tree listing from the scripted server (names that are no
//! safe path, a link up the tree) that no tree command may act on; and `du`/`find` against
//! pyftpdlib (MLSD) and vsftpd (LIST only) on a tree with a non-ASCII name.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::fake::{Action, FakeServer, default_script};
use crate::interop::{self, Client, Loopback};
use crate::util::{Env, error_lines, json_of_type, stderr_of, stdout_of};

/// Runs `cmds`; asserts exit 0; stdout.
#[track_caller]
fn ok(env: &Env, cmds: &str) -> String {
    let out = env.run(cmds).output().unwrap();
    assert!(
        out.status.success(),
        "{cmds}: {}\n{}",
        stderr_of(&out),
        stdout_of(&out)
    );
    stdout_of(&out)
}

/// Runs `cmds`; asserts the exit code and exactly one error line; that line.
#[track_caller]
fn fails(env: &Env, cmds: &str, code: i32) -> String {
    let out = env.run(cmds).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(code), "{cmds}: {err}");
    let lines = error_lines(&err);
    assert_eq!(lines.len(), 1, "{cmds}: not one error line: {err}");
    lines[0].to_string()
}

fn globbed() -> Env {
    let env = Env::new();
    env.remote_file("a.txt", b"aaa\n");
    env.remote_file("b.txt", b"bb\n");
    env.remote_file("c.bin", b"c");
    env.remote_file(".hidden.txt", b"h");
    env.remote_file("weird[1].txt", b"literal");
    env.remote_file("sub/x.txt", b"xx");
    env
}

// --- globs ------------------------------------------------------------------------------

/// `ls *.txt` failed: the pattern went to LIST as a path (libunftp and pyftpdlib answer
/// 550). It lists the matching entries themselves, as `ls -d` does.
#[test]
fn ls_glob_lists_the_matching_entries() {
    let env = globbed();
    assert_eq!(ok(&env, "ls '*.txt'"), "a.txt\nb.txt\nweird[1].txt\n");
    assert_eq!(ok(&env, "ls 'sub/*.txt'"), "sub/x.txt\n");
    assert_eq!(ok(&env, "ls 'c.*'"), "c.bin\n");
    // A directory matched is shown, not listed.
    assert_eq!(ok(&env, "ls 's*'"), "sub\n");
    // Matching nothing, the pattern is the name: here a file of that name.
    assert_eq!(ok(&env, "ls 'weird[1].txt'"), "weird[1].txt\n");
    let e = fails(&env, "ls 'nothing*'", 5);
    assert!(e.starts_with("ls: nothing*: 550"), "{e}");
}

/// `rm up*` sent `DELE up*`: the literal name.
#[test]
fn rm_glob_removes_every_match_and_a_literal_name_that_matches_nothing() {
    let env = globbed();
    env.remote_file("up1", b"1");
    env.remote_file("up2", b"2");
    ok(&env, "rm 'up*'");
    assert!(!env.remote("up1").exists() && !env.remote("up2").exists());
    ok(&env, "rm 'c.b?n'");
    assert!(!env.remote("c.bin").exists());
    // `weird[1].txt` as a pattern matches `weird1.txt` only: nothing, so the name itself.
    ok(&env, "rm 'weird[1].txt'");
    assert!(!env.remote("weird[1].txt").exists());
    // Dot files are not matched by `*`; directories are not matched by plain rm.
    ok(&env, "rm '*.txt'");
    assert!(!env.remote("a.txt").exists() && !env.remote("b.txt").exists());
    assert!(env.remote(".hidden.txt").exists());
    assert!(env.remote("sub/x.txt").exists());
    // `*` passes over the directory `sub` (DELE of it would fail the command).
    env.remote_file("z.dat", b"z");
    ok(&env, "rm '*'");
    assert!(!env.remote("z.dat").exists());
    assert!(env.remote("sub/x.txt").exists());
}

#[test]
fn cat_size_and_modtime_take_globs() {
    let env = globbed();
    assert_eq!(ok(&env, "cat '*.txt'"), "aaa\nbb\nliteral");
    assert_eq!(ok(&env, "size '*.txt'"), "4\n3\n7\n");
    assert_eq!(ok(&env, "size 'weird[1].txt'"), "7\n");
    assert_eq!(ok(&env, "size 'sub/*'"), "2\n");
    let times = ok(&env, "modtime '[ab].txt'");
    assert_eq!(times.lines().count(), 2, "{times}");
    assert!(times.lines().all(|l| l.ends_with(" UTC")), "{times}");
    // JSON names each match.
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "size '[ab].txt'"])
        .output()
        .unwrap();
    let sizes: Vec<_> = json_of_type(&stdout_of(&out), "size")
        .into_iter()
        .map(|s| (s["path"].as_str().unwrap().to_string(), s["bytes"].as_u64()))
        .collect();
    assert_eq!(
        sizes,
        [
            ("a.txt".to_string(), Some(4)),
            ("b.txt".to_string(), Some(3))
        ]
    );
}

#[test]
fn mget_and_mput_are_get_and_put() {
    let env = globbed();
    ok(&env, "mget '*.txt'");
    assert_eq!(std::fs::read(env.local("a.txt")).unwrap(), b"aaa\n");
    assert_eq!(std::fs::read(env.local("b.txt")).unwrap(), b"bb\n");
    env.local_file("one.log", b"1");
    env.local_file("two.log", b"22");
    ok(&env, "mkdir logs; mput -o logs '*.log'");
    assert_eq!(std::fs::read(env.remote("logs/one.log")).unwrap(), b"1");
    assert_eq!(std::fs::read(env.remote("logs/two.log")).unwrap(), b"22");
    let help = ok(&env, "help");
    assert!(
        help.contains("get (mget)") && help.contains("put (mput)"),
        "{help}"
    );
}

// --- rm -r, rmdir -p ----------------------------------------------------------------------

fn nested(env: &Env) {
    env.remote_file("d/f1", &[1; 1536]);
    env.remote_file("d/s/f2", &[2; 250]);
    env.remote_file("d/s/t/f3", &[3; 7]);
    std::fs::create_dir_all(env.remote("d/e")).unwrap();
}

#[test]
fn rm_r_removes_a_nested_tree_and_nothing_else() {
    let env = globbed();
    nested(&env);
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "rm -r d"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!env.remote("d").exists());
    // Files before directories, directories deepest first, the root last.
    let removed: Vec<String> = json_of_type(&stdout_of(&out), "done")
        .into_iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        removed,
        ["d/f1", "d/s/f2", "d/s/t/f3", "d/s/t", "d/e", "d/s", "d"]
    );
    for kept in ["a.txt", "sub/x.txt", ".hidden.txt"] {
        assert!(env.remote(kept).exists(), "{kept}");
    }
    // A file, and a glob of directories.
    std::fs::create_dir_all(env.remote("g1/x")).unwrap();
    std::fs::create_dir_all(env.remote("g2")).unwrap();
    ok(&env, "rm -r c.bin 'g*'");
    assert!(!env.remote("c.bin").exists());
    assert!(!env.remote("g1").exists() && !env.remote("g2").exists());
    let e = fails(&env, "rm -r nope", 5);
    assert!(e.starts_with("rm: nope: 550"), "{e}");
}

/// Before walking a path given literally, `rm -r` asks its parent's listing what it is (a
/// walk's CWD would follow a link). A parent that answers 550 leaves that to the walk, but
/// a parent listing that fails otherwise (here: beyond `listing_limit`) stops `rm -r`
/// before anything is deleted: what the path is stays unknown.
#[test]
fn rm_r_stops_when_the_parent_listing_fails_other_than_by_a_reply() {
    let env = globbed();
    nested(&env);
    // The root holds 7 entries, `d` 3, `d/s` 2: only the parent's listing is too long.
    let out = env.run("set listing_limit 4; rm -r d").output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("rm:")).collect();
    assert_eq!(
        lines,
        ["rm: listing of / exceeds 4 entries; stopped"],
        "{err}"
    );
    assert!(env.remote("d/s/t/f3").exists() && env.remote("d/f1").exists());
}

/// A parent listing the server refuses with a reply (550: a directory one may enter but not
/// list) is no reason to give up: DELE refuses the path, so the walk takes it, and the
/// tree goes.
#[test]
fn rm_r_walks_a_path_whose_parent_listing_is_refused() {
    let server = FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1.trim_end_matches('/'));
        match (verb(c).as_str(), arg) {
            ("LIST", Some("t")) => Action::Data {
                preliminary: "150 Here".into(),
                data: line('-', 5, "ok.txt").into_bytes(),
                cut: false,
                then: "226 Done".into(),
            },
            ("LIST", _) => Action::Reply("550 Permission denied".into()),
            ("DELE", Some("t")) => Action::Reply("550 Is a directory".into()),
            ("DELE", _) => Action::Reply("250 Deleted".into()),
            ("RMD", _) => Action::Reply("250 Removed".into()),
            _ => default_script(c).unwrap_or(Action::Reply("550 no such thing".into())),
        }
    });
    let out = run_fake(&server, "rm -r t");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let sent: Vec<String> = path_commands(&server)
        .into_iter()
        .filter(|c| c.starts_with("DELE") || c.starts_with("RMD"))
        .collect();
    assert_eq!(
        sent,
        ["DELE t", "DELE t/ok.txt", "RMD t"],
        "{}",
        stderr_of(&out)
    );
}

/// Ctrl-C during `rm -r` of a tree of 40 files, each DELE answered after 100 ms: it stops
/// before the next deletion (exit 130), and no directory is removed.
#[test]
fn rm_r_stops_at_ctrl_c_between_deletions() {
    let server = FakeServer::start(|c| {
        let arg = c.split_once(' ').map(|x| x.1.trim_end_matches('/'));
        match (verb(c).as_str(), arg) {
            ("LIST", Some(".")) => Action::Data {
                preliminary: "150 Here".into(),
                data: line('d', 0, "t").into_bytes(),
                cut: false,
                then: "226 Done".into(),
            },
            ("LIST", Some("t")) => Action::Data {
                preliminary: "150 Here".into(),
                data: (0..40)
                    .map(|i| line('-', 5, &format!("f{i:02}")))
                    .collect::<String>()
                    .into_bytes(),
                cut: false,
                then: "226 Done".into(),
            },
            ("DELE", _) => Action::Late(Duration::from_millis(100), "250 Deleted".into()),
            ("RMD", _) => Action::Reply("250 Removed".into()),
            _ => default_script(c).unwrap_or(Action::Reply("550 no such thing".into())),
        }
    });
    let env = Env::new();
    let url = server.url();
    let mut child = crate::util::spawn_batch(&env, &[&url, "--timeout", "5", "-c", "rm -r t"]);
    let deletions = || {
        path_commands(&server)
            .iter()
            .filter(|c| c.starts_with("DELE"))
            .count()
    };
    crate::util::wait_until("two deletions", || deletions() >= 2);
    crate::util::interrupt(child.id());
    let status = crate::util::wait_bounded(
        &mut child,
        Duration::from_secs(20),
        "rm -r still running after Ctrl-C",
    );
    assert_eq!(status.code(), Some(130));
    // The one in flight when the signal came may finish; the rest are never sent.
    assert!(deletions() < 10, "{:?}", path_commands(&server));
    assert!(
        !path_commands(&server).iter().any(|c| c.starts_with("RMD")),
        "{:?}",
        path_commands(&server)
    );
}

/// `rm -r` must never take the whole server, the working directory or the directory
/// above it: a usage error, before anything is sent.
#[test]
fn rm_r_refuses_the_root_dot_dotdot_and_the_working_directory() {
    let env = globbed();
    nested(&env);
    for (cmds, why) in [
        ("rm -r /", "rm: refusing to remove /: the root directory"),
        ("rm -r //", "rm: refusing to remove //: the root directory"),
        (
            "rm -r .",
            "rm: refusing to remove .: '.' and '..' are not removed",
        ),
        (
            "rm -r d/..",
            "rm: refusing to remove d/..: '.' and '..' are not removed",
        ),
        ("rm -r ''", "rm: refusing to remove '': an empty path"),
        (
            "cd d/s; rm -r ../../d",
            "rm: refusing to remove ../../d: it holds the working directory",
        ),
        (
            "cd d/s; rm -r /d/s",
            "rm: refusing to remove /d/s: it holds the working directory",
        ),
        (
            "cd d; rm -r ..",
            "rm: refusing to remove ..: '.' and '..' are not removed",
        ),
    ] {
        assert_eq!(fails(&env, cmds, 2), why, "{cmds}");
    }
    // The login directory (here `/`) and its ancestors too, from elsewhere.
    assert!(
        fails(&env, "cd d; rm -r /", 2).contains("refusing"),
        "rm -r / from d"
    );
    for kept in ["d/f1", "d/s/t/f3", "a.txt"] {
        assert!(env.remote(kept).exists(), "{kept}");
    }
}

#[test]
fn rmdir_p_removes_parents_while_they_are_empty() {
    let env = Env::new();
    std::fs::create_dir_all(env.remote("x/y/z")).unwrap();
    ok(&env, "rmdir -p x/y/z");
    assert!(!env.remote("x").exists());
    // `a` holds a file: `a/b/c` and `a/b` go, `a` stays, and that is no error.
    std::fs::create_dir_all(env.remote("a/b/c")).unwrap();
    env.remote_file("a/keep", b"k");
    let out = env.run("rmdir -p a/b/c/").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        error_lines(&stderr_of(&out)).is_empty(),
        "{}",
        stderr_of(&out)
    );
    assert!(!env.remote("a/b").exists());
    assert!(env.remote("a/keep").exists());
    // Without -p the parents stay; the directory itself must go or it is an error.
    std::fs::create_dir_all(env.remote("p/q")).unwrap();
    ok(&env, "rmdir p/q");
    assert!(env.remote("p").exists() && !env.remote("p/q").exists());
    let e = fails(&env, "rmdir -p a", 5);
    assert!(e.starts_with("rmdir: a: 550"), "{e}");
    // The climb ends below `.`, `..` and `/`: none of them is ever sent to the server.
    for d in ["m/n", "r/s", "sub", "t/u"] {
        std::fs::create_dir_all(env.remote(d)).unwrap();
    }
    let out = env
        .run("rmdir -p ./m/n; rmdir -p /r/s; cd sub; rmdir -p ../t/u")
        .arg("-v")
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    let sent: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("--> RMD"))
        .map(str::trim)
        .collect();
    assert_eq!(sent, ["./m/n", "./m", "/r/s", "/r", "../t/u", "../t"]);
    for gone in ["m", "r", "t"] {
        assert!(!env.remote(gone).exists(), "{gone}");
    }
}

/// A parent that will not go ends `rmdir -p` quietly, but a server that closes the session
/// on the climb (421) is an error: the parents were not looked at.
#[test]
fn rmdir_p_fails_when_the_server_ends_the_session_on_a_parent() {
    let server = FakeServer::start(|c| match c {
        "RMD a/b" => Action::Reply("250 Removed".into()),
        "RMD a" => Action::Reply("421 Shutting down".into()),
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let out = env
        .cmd()
        .args([&server.url(), "--retries", "0", "-c", "rmdir -p a/b"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    let lines = error_lines(&err);
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("rmdir: a: 421"), "{err}");
}

// --- du, find -----------------------------------------------------------------------------

#[test]
fn du_counts_bytes_files_and_directories_exactly() {
    let env = globbed();
    nested(&env);
    assert_eq!(ok(&env, "du d"), "1793\t3 files\t3 directories\td\n");
    assert_eq!(ok(&env, "du -h d"), "1.8 KiB\t3 files\t3 directories\td\n");
    assert_eq!(ok(&env, "cd d/s; du"), "257\t2 files\t1 directories\t.\n");
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "du d"])
        .output()
        .unwrap();
    assert_eq!(
        json_of_type(&stdout_of(&out), "usage"),
        [
            serde_json::json!({"path": "d", "bytes": 1793, "files": 3, "dirs": 3, "links": 0,
            "skipped": 0})
        ]
    );
    // A file is no tree: exit 5, said plainly.
    assert_eq!(fails(&env, "du a.txt", 5), "du: a.txt: not a directory");
    assert!(fails(&env, "du nope", 5).starts_with("du: nope: 550"));
}

#[test]
fn find_prints_paths_filtered_by_name_and_type() {
    let env = globbed();
    nested(&env);
    env.remote_file("d/s/.dot", b"");
    assert_eq!(
        ok(&env, "find d"),
        "d\nd/e\nd/f1\nd/s\nd/s/.dot\nd/s/f2\nd/s/t\nd/s/t/f3\n"
    );
    assert_eq!(ok(&env, "find d -name 'f*'"), "d/f1\nd/s/f2\nd/s/t/f3\n");
    assert_eq!(
        ok(&env, "find d -name '*' -type f"),
        "d/f1\nd/s/.dot\nd/s/f2\nd/s/t/f3\n"
    );
    assert_eq!(ok(&env, "find d -type d"), "d\nd/e\nd/s\nd/s/t\n");
    assert_eq!(ok(&env, "find d --type l"), "");
    assert_eq!(ok(&env, "cd d/s; find -type f"), "./.dot\n./f2\n./t/f3\n");
    assert_eq!(ok(&env, "find /d/s/t"), "/d/s/t\n/d/s/t/f3\n");
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "find d/s/t"])
        .output()
        .unwrap();
    let found = json_of_type(&stdout_of(&out), "found");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[1]["path"], "d/s/t/f3");
    assert_eq!(found[1]["type"], "file");
    assert_eq!(found[1]["size"], 7);
    assert!(found[1]["modified"].is_string(), "{found:?}");
    assert!(fails(&env, "find d -type x", 2).contains("invalid value"));
    assert_eq!(fails(&env, "find a.txt", 5), "find: a.txt: not a directory");
}

// --- a hostile server ----------------------------------------------------------------------

fn verb(c: &str) -> String {
    c.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// A listing entry as a LIST line: `d` directory, `-` file, `l` link.
fn line(kind: char, size: u32, name: &str) -> String {
    format!("{kind}rwxr-xr-x 1 u g {size} Jan 01 2024 {name}\r\n")
}

/// A server whose tree `t` holds names no safe path can hold (`..`, `a/b`, `../../etc/
/// passwd`, an escape sequence, a directory with an escape in its name), a link up the
/// tree, a device and an unparsable line, besides `ok.txt` and `sub/inner`. It answers every CWD, DELE and RMD with success,
/// so only the commands it received show what a tree command would have done.
fn hostile_server() -> FakeServer {
    hostile_server_with(true)
}

/// [`hostile_server`]; `dele_link` false makes it refuse to delete the link `t/up`.
fn hostile_server_with(dele_link: bool) -> FakeServer {
    FakeServer::start(move |c| {
        let data = |lines: Vec<String>| Action::Data {
            preliminary: "150 Here".into(),
            data: lines.concat().into_bytes(),
            cut: false,
            then: "226 Done".into(),
        };
        // `t/` (a glob's directory) is `t`.
        let arg = c.split_once(' ').map(|x| x.1.trim_end_matches('/'));
        match (verb(c).as_str(), arg) {
            ("LIST", Some(".")) => data(vec![line('d', 0, "t")]),
            ("LIST", Some("t")) => data(vec![
                line('d', 0, ".."),
                line('-', 5, "a/b"),
                line('-', 5, "../../etc/passwd"),
                line('-', 5, "esc\x1b[2Jname"),
                line('d', 0, "evil\x1b]0;x\x07dir"),
                line('-', 5, "back\\slash"),
                line('l', 5, "up -> ../.."),
                line('-', 5, "ok.txt"),
                line('d', 0, "sub"),
                // A device and a line no parser reads: skipped, counted.
                "crw-rw-rw- 1 root root 1, 3 Jan 1 2024 null\r\n".into(),
                "this line is not a listing\r\n".into(),
            ]),
            ("LIST", Some("t/sub")) => data(vec![line('-', 7, "inner")]),
            ("DELE", Some("t/up")) if !dele_link => Action::Reply("550 Permission denied".into()),
            ("DELE", _) => Action::Reply("250 Deleted".into()),
            ("RMD", _) => Action::Reply("250 Removed".into()),
            _ => default_script(c).unwrap_or(Action::Reply("550 no such thing".into())),
        }
    })
}

/// The commands that name a path, as the fake server received them.
fn path_commands(server: &FakeServer) -> Vec<String> {
    server
        .commands()
        .into_iter()
        .filter(|c| ["LIST", "CWD", "DELE", "RMD", "MLSD"].contains(&verb(c).as_str()))
        .collect()
}

/// The unsafe names the walk skipped, and never a command about them or through the link.
#[track_caller]
fn assert_nothing_unsafe_touched(server: &FakeServer) {
    for c in path_commands(server) {
        assert!(
            !c.contains("..")
                && !c.contains('\x1b')
                && !c.contains("a/b")
                && !c.contains("evil")
                && !c.contains('\\')
                && !c.contains("up/"),
            "unsafe command sent: {c:?}"
        );
        // The link is never entered: at most removed.
        if !c.starts_with("DELE") {
            assert!(!c.contains("up"), "went through the link: {c:?}");
        }
    }
}

fn run_fake(server: &FakeServer, cmds: &str) -> std::process::Output {
    let env = Env::new();
    env.cmd()
        .arg(server.url())
        .args(["-c", cmds, "--timeout", "5"])
        .output()
        .unwrap()
}

/// Each skipped name is warned about once, cleaned; nothing raw reaches the terminal.
#[track_caller]
fn assert_warned(out: &std::process::Output) {
    let err = stderr_of(out);
    let text = format!("{err}{}", stdout_of(out));
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    for shown in [
        "skipping t/a/b: not a safe name",
        "skipping t/../../etc/passwd: not a safe name",
        "skipping t/esc?[2Jname: not a safe name",
        "skipping t/evil?]0;x?dir: not a safe name",
        "skipping t/back\\slash: not a safe name",
    ] {
        assert!(err.contains(shown), "{shown}: {err}");
    }
}

#[test]
fn du_and_find_never_count_or_enter_hostile_names() {
    let server = hostile_server();
    let out = run_fake(&server, "du t; find t");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_warned(&out);
    assert_eq!(
        stdout_of(&out),
        "12\t2 files\t1 directories\tt\nt\nt/ok.txt\nt/sub\nt/up\nt/sub/inner\n"
    );
    assert_nothing_unsafe_touched(&server);
    // Listed: the tree and `sub`, twice (du, find); never the link nor the evil directory.
    let lists: Vec<String> = path_commands(&server)
        .into_iter()
        .filter(|c| c.starts_with("LIST"))
        .collect();
    assert_eq!(lists, ["LIST t", "LIST t/sub", "LIST t", "LIST t/sub"]);
    // JSON counts what was left out: five unsafe names, the device, the unread line.
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--json", "-c", "du t", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(
        json_of_type(&stdout_of(&out), "usage"),
        [
            serde_json::json!({"path": "t", "bytes": 12, "files": 2, "dirs": 1, "links": 1,
            "skipped": 7})
        ]
    );
}

#[test]
fn rm_r_never_deletes_hostile_names_or_goes_through_a_link() {
    let server = hostile_server();
    let out = run_fake(&server, "rm -r t");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_nothing_unsafe_touched(&server);
    assert_warned(&out);
    let acted: Vec<String> = path_commands(&server)
        .into_iter()
        .filter(|c| c.starts_with("DELE") || c.starts_with("RMD"))
        .collect();
    // The link itself goes (DELE t/up names the link, not `../..`).
    assert_eq!(
        acted,
        [
            "DELE t/ok.txt",
            "DELE t/up",
            "DELE t/sub/inner",
            "RMD t/sub",
            "RMD t"
        ]
    );
}

/// `rm -r LINK` where the link leads to a directory and DELE refuses it: walking the
/// "directory" (CWD follows the link) would delete what the link points to. The listing of
/// its parent says it is a link, so it fails instead, and nothing else is touched.
#[test]
fn rm_r_of_a_link_never_walks_what_it_points_to() {
    let server = hostile_server_with(false);
    let out = run_fake(&server, "rm -r t/up");
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["rm: t/up: 550 Permission denied"]
    );
    let acted: Vec<String> = path_commands(&server)
        .into_iter()
        .filter(|c| c != "CWD /")
        .collect();
    assert_eq!(acted, ["LIST t", "DELE t/up"]);
    // And deleted when the server agrees, glob or not.
    let server = hostile_server();
    let out = run_fake(&server, "rm -r 't/u*'");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_nothing_unsafe_touched(&server);
}

/// A server whose every directory holds another one: the walk stops at 256 levels with an
/// error instead of listing forever.
#[test]
fn a_tree_that_never_ends_stops_at_the_depth_limit() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: line('d', 0, "a").into_bytes(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("550 no".into())),
    });
    let out = run_fake(&server, "du t");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let deepest = format!("t{}", "/a".repeat(257));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        [format!(
            "du: t: {deepest}: more than 256 directory levels; not walking deeper"
        )]
    );
    let lists = path_commands(&server)
        .iter()
        .filter(|c| c.starts_with("LIST"))
        .count();
    assert_eq!(lists, 257);
}

/// Old LIST dates give only the day: `find --json` says so rather than inventing midnight.
#[test]
fn find_json_gives_a_list_date_without_a_time() {
    let server = hostile_server();
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--json", "-c", "find t/sub", "--timeout", "5"])
        .output()
        .unwrap();
    let found = json_of_type(&stdout_of(&out), "found");
    assert_eq!(found[1]["path"], "t/sub/inner", "{found:?}");
    assert_eq!(found[1]["modified"], "2024-01-01");
}

// --- interop --------------------------------------------------------------------------------

/// The tree both interop tests walk: `t/a.txt` (5 bytes), `t/naïve dir/ü.txt` (3 bytes).
fn small_tree(root: &Path) {
    let dir = root.join("t/naïve dir");
    interop::make_dir(&dir, 0o755);
    std::fs::set_permissions(root.join("t"), std::fs::Permissions::from_mode(0o755)).unwrap();
    for (p, data) in [("t/a.txt", &b"hello"[..]), ("t/naïve dir/ü.txt", b"abc")] {
        std::fs::write(root.join(p), data).unwrap();
        std::fs::set_permissions(root.join(p), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

const SMALL_TREE_DU: &str = "8\t2 files\t1 directories\tt\n";
const SMALL_TREE_FIND: &str = "t\nt/a.txt\nt/naïve dir\nt/naïve dir/ü.txt\n";

#[test]
#[cfg_attr(ftpsh_skip_pyftpdlib, ignore = "pyftpdlib not installed")]
fn pyftpdlib_du_find_and_chmod_glob_over_mlsd() {
    interop::require_pyftpdlib();
    let server = interop::Pyftpd::start();
    small_tree(&server.root);
    let client = Client::new();
    let out = interop::run(
        interop::py_ftpsh(
            &client,
            &server,
            &["-v", "-c", "du t; find t; chmod 600 't/*.txt'"],
        ),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, format!("{SMALL_TREE_DU}{SMALL_TREE_FIND}"));
    assert!(out.stderr.contains("--> MLSD t"), "{}", out.stderr);
    let mode = std::fs::metadata(server.root.join("t/a.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
#[cfg_attr(ftpsh_skip_vsftpd, ignore = "vsftpd not installed, or not root")]
fn vsftpd_du_and_find_over_list() {
    let bin = interop::vsftpd();
    let (server, _) = interop::anonymous_vsftpd(&bin);
    small_tree(&server.anon_root);
    let client = Client::new();
    let out = interop::run(
        client.ftpsh(&[&server.url(), "-v", "-c", "du t; find t"]),
        &server.log,
    );
    out.success();
    assert_eq!(out.stdout, format!("{SMALL_TREE_DU}{SMALL_TREE_FIND}"));
    assert!(out.stderr.contains("--> LIST t"), "{}", out.stderr);
    assert!(!out.stderr.contains("--> MLSD"), "{}", out.stderr);
}
