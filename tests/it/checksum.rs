//! Server checksums: `hash`, `get`/`put`/`pget --verify`, `mirror --checksum` and the
//! `verify` setting. proftpd (mod_digest: HASH, XSHA256, XMD5...) is the real server that
//! computes them; the scripted fake plays the servers a real one cannot be made to be: one
//! that lies about a digest, one that corrupts a byte, one with only the X commands. The
//! in-process libunftp server offers no checksum at all.

use std::fs;
use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::Duration;

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::interop::{Client, read};
use crate::interop_servers::{Proftpd, chown_tree, test_ids};
use crate::util::{Env, json_of_type, pattern, stderr_of, stdout_of};

/// "hello\n" and its SHA-256 (sha256sum).
const HELLO: &[u8] = b"hello\n";
const HELLO_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

/// Files on proftpd's side, owned by the user it writes as (so `put -c` may append).
fn seed(server: &Proftpd, files: &[(&str, &[u8])]) {
    for (name, data) in files {
        let path = server.root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
    }
    let (uid, gid) = test_ids();
    chown_tree(&server.root, uid, gid);
}

/// `TOOL FILE` (sha256sum, md5sum...) in `dir`: the digest, computed without ftpsh's code.
fn coreutils_digest(tool: &str, dir: &Path, file: &str) -> String {
    let out = StdCommand::new(tool)
        .arg(file)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{tool} {file}");
    String::from_utf8(out.stdout).unwrap()[..]
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

/// The server's command log names a command with this verb (ExtendedLog ALL).
fn server_saw(server: &Proftpd, verb: &str) -> bool {
    fs::read_to_string(&server.log)
        .unwrap_or_default()
        .lines()
        .any(|l| l.contains(&format!("\"{verb} ")) || l.contains(&format!(" {verb} ")))
}

#[test]
#[cfg_attr(
    ftpsh_skip_proftpd,
    ignore = "proftpd not installed, not root, or no user ftpsh-test"
)]
fn proftpd_hash_prints_lines_sha256sum_checks() {
    let server = Proftpd::start(false);
    let big = pattern(3 << 20, 7);
    seed(&server, &[("big.bin", &big), ("hello.txt", HELLO)]);
    let client = Client::new();
    let t = server.target("proftpd");

    let out = t.ok(&client, &[], "hash big.bin hello.txt");
    assert_eq!(
        out.stdout,
        format!(
            "SHA256 (big.bin) = {}\nSHA256 (hello.txt) = {HELLO_SHA256}\n",
            coreutils_digest("sha256sum", &server.root, "big.bin")
        )
    );
    // The lines are what sha256sum -c reads, run where the files are.
    let mut check = StdCommand::new("sha256sum")
        .args(["-c", "-"])
        .current_dir(&server.root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    check
        .stdin
        .take()
        .unwrap()
        .write_all(out.stdout.as_bytes())
        .unwrap();
    let checked = check.wait_with_output().unwrap();
    assert!(checked.status.success(), "sha256sum -c refused the lines");

    // Every algorithm by name, against the coreutils tool for it.
    for (algo, tag, tool) in [
        ("md5", "MD5", "md5sum"),
        ("sha1", "SHA1", "sha1sum"),
        ("sha512", "SHA512", "sha512sum"),
    ] {
        let out = t.ok(&client, &[], &format!("hash -a {algo} big.bin"));
        assert_eq!(
            out.stdout,
            format!(
                "{tag} (big.bin) = {}\n",
                coreutils_digest(tool, &server.root, "big.bin")
            ),
            "{algo}"
        );
    }
    let out = t.ok(&client, &[], "hash -a crc32 hello.txt");
    assert_eq!(out.stdout, "CRC32 (hello.txt) = 363a3020\n");

    // A glob, and JSON.
    let out = t.ok(&client, &["--json"], "hash *.txt");
    let sums = json_of_type(&out.stdout, "checksum");
    assert_eq!(sums.len(), 1, "{}", out.stdout);
    assert_eq!(sums[0]["path"], "hello.txt");
    assert_eq!(sums[0]["algorithm"], "sha256");
    assert_eq!(sums[0]["hex"], HELLO_SHA256);

    // A missing file: the server's 550, exit 5, one line.
    let out = t.ftpsh(&client, &[], "hash nope.bin");
    out.expect_code(5);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("hash"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].contains("nope.bin") && errors[0].contains("550"));
}

#[test]
#[cfg_attr(
    ftpsh_skip_proftpd,
    ignore = "proftpd not installed, not root, or no user ftpsh-test"
)]
fn proftpd_transfers_with_verify_are_checked_against_the_servers_checksum() {
    let server = Proftpd::start(false);
    let big = pattern(5 << 20, 11);
    seed(
        &server,
        &[
            ("big.bin", &big),
            ("a.txt", b"aaaa\n"),
            ("b.txt", b"bbbb\n"),
        ],
    );
    let client = Client::new();
    let t = server.target("proftpd");
    fs::write(client.path("up.bin"), pattern(2 << 20, 12)).unwrap();

    let out = t.ok(
        &client,
        &["--json"],
        "get --verify big.bin; put --verify up.bin; pget --verify -n 3 big.bin -o p.bin; \
         get --verify -P 2 a.txt b.txt",
    );
    let transfers = json_of_type(&out.stdout, "transfer");
    assert_eq!(transfers.len(), 5, "{}", out.stdout);
    for tr in &transfers {
        let d = tr;
        assert_eq!(d["verified"], serde_json::json!(["size", "sha256"]), "{d}");
        let sum = d["checksum"].as_str().unwrap();
        let (file, dir) = match d["command"].as_str().unwrap() {
            "put" => ("up.bin", server.root.as_path()),
            _ => (d["remote"].as_str().unwrap(), server.root.as_path()),
        };
        assert_eq!(
            sum,
            format!("sha256:{}", coreutils_digest("sha256sum", dir, file)),
            "{d}"
        );
    }
    assert_eq!(read(&client.path("big.bin")), big);
    assert_eq!(read(&client.path("p.bin")), big);
    assert_eq!(
        read(&server.root.join("up.bin")),
        read(&client.path("up.bin"))
    );
    assert!(server_saw(&server, "HASH"), "the server was never asked");

    // The text line says so; `get -o -` hashes what it writes to stdout.
    let out = t.ok(&client, &[], "get --verify a.txt -o -");
    assert_eq!(out.stdout, "aaaa\n");
    let out = t.ok(&client, &[], "get --verify b.txt");
    assert!(
        out.stderr.contains("b.txt: 5 bytes") && out.stderr.contains("SHA256 verified"),
        "{}",
        out.stderr
    );
    // The setting does what the flag does.
    let out = t.ok(&client, &[], "set verify on; get a.txt");
    assert!(out.stderr.contains("SHA256 verified"), "{}", out.stderr);
    let out = t.ok(&client, &[], "get a.txt");
    assert!(!out.stderr.contains("verified"), "{}", out.stderr);
}

/// A resumed transfer's checksum covers the whole file: the part already there is hashed
/// from disk, the rest as it streams.
#[test]
#[cfg_attr(
    ftpsh_skip_proftpd,
    ignore = "proftpd not installed, not root, or no user ftpsh-test"
)]
fn proftpd_resumed_transfers_with_verify_hash_the_part_already_there() {
    let server = Proftpd::start(false);
    let data = pattern(3 << 20, 21);
    let half = data.len() / 2;
    seed(&server, &[("r.bin", &data), ("up.bin", &data[..half])]);
    let client = Client::new();
    let t = server.target("proftpd");
    fs::write(client.path("r.bin.part"), &data[..half]).unwrap();
    fs::write(client.path("up.bin"), &data).unwrap();

    let out = t.ok(
        &client,
        &["--json"],
        "get -c --verify r.bin; put -c --verify up.bin",
    );
    let transfers = json_of_type(&out.stdout, "transfer");
    assert_eq!(transfers.len(), 2, "{}", out.stdout);
    for tr in &transfers {
        assert_eq!(tr["resumed_from"], half as u64, "{tr}");
        assert_eq!(
            tr["verified"],
            serde_json::json!(["size", "sha256"]),
            "{tr}"
        );
    }
    assert_eq!(read(&client.path("r.bin")), data);
    assert_eq!(read(&server.root.join("up.bin")), data);
}

#[test]
#[cfg_attr(
    ftpsh_skip_proftpd,
    ignore = "proftpd not installed, not root, or no user ftpsh-test"
)]
fn proftpd_mirror_checksum_copies_same_size_files_whose_content_differs() {
    let server = Proftpd::start(false);
    seed(
        &server,
        &[
            ("tree/same.txt", b"same content\n"),
            ("tree/diff.txt", b"server side!\n"),
            ("tree/sub/new.txt", b"new\n"),
        ],
    );
    let client = Client::new();
    let t = server.target("proftpd");
    let local = client.path("tree");
    fs::create_dir_all(&local).unwrap();
    fs::write(local.join("same.txt"), b"same content\n").unwrap();
    fs::write(local.join("diff.txt"), b"local side!!\n").unwrap();
    // The same times as the server's: a mirror by size and time sees nothing to do.
    for name in ["same.txt", "diff.txt"] {
        let remote = fs::metadata(server.root.join("tree").join(name))
            .unwrap()
            .modified()
            .unwrap();
        fs::File::options()
            .write(true)
            .open(local.join(name))
            .unwrap()
            .set_modified(remote)
            .unwrap();
    }
    t.ok(&client, &[], "mirror tree tree");
    assert_eq!(read(&local.join("diff.txt")), b"local side!!\n");

    let out = t.ok(&client, &["--json"], "mirror -n --checksum tree tree");
    let steps = json_of_type(&out.stdout, "step");
    let reason = |path: &str| {
        steps
            .iter()
            .find(|s| s["path"] == path)
            .map(|s| s["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        reason("diff.txt").as_deref(),
        Some("checksum differs"),
        "{}",
        out.stdout
    );
    assert_eq!(
        reason("same.txt").as_deref(),
        Some("same checksum"),
        "{}",
        out.stdout
    );

    // --verify on top: each file copied is checked too (over the worker pool); sub/new.txt
    // came with the first mirror.
    let out = t.ok(&client, &["--json"], "mirror --checksum --verify tree tree");
    let copied = json_of_type(&out.stdout, "transfer");
    assert_eq!(copied.len(), 1, "{}", out.stdout);
    for tr in &copied {
        assert_eq!(
            tr["verified"],
            serde_json::json!(["size", "sha256"]),
            "{tr}"
        );
    }
    assert_eq!(read(&local.join("diff.txt")), b"server side!\n");
    assert_eq!(read(&local.join("sub/new.txt")), b"new\n");

    // Upwards: a same-size local change reaches the server.
    fs::write(local.join("same.txt"), b"SAME CONTENT\n").unwrap();
    t.ok(&client, &[], "mirror -R --checksum tree tree");
    assert_eq!(read(&server.root.join("tree/same.txt")), b"SAME CONTENT\n");
    // And a rerun finds nothing to do.
    let out = t.ok(&client, &[], "mirror -R --checksum tree tree");
    assert!(out.stderr.contains("nothing to transfer"), "{}", out.stderr);
}

// --- servers that lie (the scripted fake) ---------------------------------------------------

/// A server whose FEAT lists `features`, whose files all hold `served` (SIZE, RETR; MDTM
/// refused), which takes uploads (STOR), and which answers every other command with
/// `script` first (HASH, X commands, LIST), then the login chatter.
fn checksum_server(
    features: &'static str,
    served: &'static [u8],
    script: impl Fn(&str) -> Option<Action> + Send + Sync + 'static,
) -> FakeServer {
    FakeServer::start(move |c| {
        if let Some(a) = script(c) {
            return a;
        }
        match verb(c).as_str() {
            "FEAT" => Action::Reply(format!("211-Features:\n SIZE\n EPSV\n{features}\n211 End")),
            "SIZE" => Action::Reply(format!("213 {}", served.len())),
            "MDTM" => Action::Reply("550 no".into()),
            "RETR" => Action::sent(served.to_vec()),
            "STOR" => Action::Upload {
                preliminary: "150 Go ahead".into(),
                then: "226 Done".into(),
            },
            _ => fallback(c),
        }
    })
}

/// A server that offers HASH SHA-256, serves `served` and answers HASH with `digest` (for
/// a file of `size` bytes).
fn lying_server(served: &'static [u8], digest: &'static str, size: usize) -> FakeServer {
    checksum_server(" REST STREAM\n HASH SHA-1;SHA-256*", served, move |c| {
        (verb(c) == "HASH").then(|| Action::Reply(format!("213 SHA-256 0-{size} {digest} f")))
    })
}

fn run(env: &Env, server: &FakeServer, cmds: &str) -> Output {
    env.cmd()
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-c", cmds])
        .output()
        .unwrap()
}

/// The one error line (the banner aside).
fn error_line(out: &Output) -> String {
    let err = stderr_of(out);
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("220 ")).collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    lines[0].to_string()
}

/// A mismatch keeps the bytes as `f.bad`, never under the final name, and not as `f.part`
/// either: `get -c` would take a complete `.part` for a finished download and rename it.
#[test]
fn a_wrong_digest_keeps_the_bytes_aside_and_shows_both_sums() {
    let wrong = "0".repeat(64);
    let server = lying_server(HELLO, wrong.leak(), HELLO.len());
    let env = Env::new();
    let out = run(&env, &server, "get --verify f");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let line = error_line(&out);
    assert!(
        line.contains("SHA-256 mismatch")
            && line.contains(&"0".repeat(64))
            && line.contains(HELLO_SHA256)
            && line.contains("kept as f.bad"),
        "{line}"
    );
    assert!(
        !env.local("f").exists(),
        "a file that failed its check got its name"
    );
    assert!(!env.local("f.part").exists(), "get -c would finish it");
    assert_eq!(fs::read(env.local("f.bad")).unwrap(), HELLO);
    assert!(server.commands().iter().any(|c| c == "HASH f"));

    // pget (its own rename) and the worker pool of get -P: the same.
    let out = run(&env, &server, "pget --verify -o p f");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(error_line(&out).contains("kept as p.bad"));
    assert!(!env.local("p").exists() && !env.local("p.part").exists());
    assert!(!env.local("p.part.segments").exists());
    assert_eq!(fs::read(env.local("p.bad")).unwrap(), HELLO);
    fs::create_dir(env.local("d")).unwrap();
    let out = run(&env, &server, "get --verify -P 2 -o d f g");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("SHA-256 mismatch"),
        "{}",
        stderr_of(&out)
    );
    for name in ["d/f", "d/f.part", "d/g", "d/g.part"] {
        assert!(!env.local(name).exists(), "{name}");
    }
}

/// The `verify` setting means "where the server can": a server that offers HASH but will
/// not hash this file leaves the size check, with a warning. `--verify` asked for the
/// checksum: no checksum is an error, and the download stays `.part` (it is not known bad).
#[test]
fn the_verify_setting_checks_sizes_where_the_server_will_not_hash_a_file() {
    let server = checksum_server(" HASH SHA-256*", HELLO, |c| {
        (verb(c) == "HASH").then(|| Action::Reply("550 f: digests are off here".into()))
    });
    let env = Env::new();
    let out = run(&env, &server, "set verify on; get f");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(
            "f: no checksum from the server (550 f: digests are off here): size checked only"
        ),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(fs::read(env.local("f")).unwrap(), HELLO);
    fs::remove_file(env.local("f")).unwrap();
    let out = run(&env, &server, "get --verify f");
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(error_line(&out).contains("550 f: digests are off here"));
    assert!(!env.local("f").exists());
    assert_eq!(fs::read(env.local("f.part")).unwrap(), HELLO);
}

#[test]
fn a_corrupted_byte_is_caught_by_verify() {
    // The server's disk says "hello\n"; one byte changed on the way.
    let server = lying_server(b"hellp\n", HELLO_SHA256, HELLO.len());
    let env = Env::new();
    let out = run(&env, &server, "get --verify f");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(error_line(&out).contains("SHA-256 mismatch"));
    assert!(!env.local("f").exists());
    // Without --verify the size matches and the damage goes unseen: what --verify is for.
    let out = run(&env, &server, "get f");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fs::read(env.local("f")).unwrap(), b"hellp\n");

    // To stdout: the bytes are out, the exit code says they are bad.
    let out = run(&env, &server, "get --verify f -o -");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_of(&out), "hellp\n");
    assert!(error_line(&out).contains("already written to stdout"));
}

#[test]
fn put_verify_reports_a_bad_copy_on_the_server() {
    let server = lying_server(HELLO, "1".repeat(64).leak(), HELLO.len());
    let env = Env::new();
    env.local_file("f", HELLO);
    let out = run(&env, &server, "put --verify f");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let line = error_line(&out);
    assert!(
        line.contains("SHA-256 mismatch") && line.contains("the uploaded file is bad"),
        "{line}"
    );
    assert_eq!(server.uploads(), vec![HELLO.to_vec()]);
}

#[test]
fn a_server_with_only_x_commands_is_asked_with_them() {
    let server = checksum_server(" XMD5\n XSHA256", HELLO, |c| match verb(c).as_str() {
        "XSHA256" => Some(Action::Reply(format!(
            "250 {}",
            HELLO_SHA256.to_uppercase()
        ))),
        "XMD5" => Some(Action::Reply("250 B1946AC92492D2347C6235B4D2611184".into())),
        _ => None,
    });
    let env = Env::new();
    let out = run(&env, &server, "hash f; hash -a md5 f; get --verify f");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!("SHA256 (f) = {HELLO_SHA256}\nMD5 (f) = b1946ac92492d2347c6235b4d2611184\n")
    );
    assert!(stderr_of(&out).contains("SHA256 verified"));
    assert_eq!(fs::read(env.local("f")).unwrap(), HELLO);
    // In ascii mode the bytes on disk are not the server's: said once, sizes only, and the
    // server is not asked.
    let asked = server.commands().len();
    let out = run(&env, &server, "ascii; get --verify f");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("--verify: ascii mode changes line endings"),
        "{}",
        stderr_of(&out)
    );
    assert!(
        !server.commands()[asked..]
            .iter()
            .any(|c| c.starts_with("XSHA"))
    );
    // An algorithm it does not have: one line naming what it has, exit 1.
    let out = run(&env, &server, "hash -a sha1 f");
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("the server has no SHA-1 checksum (it offers SHA-256, MD5)"));
    let sent = server.commands();
    assert!(sent.iter().any(|c| c == "XSHA256 f") && sent.iter().any(|c| c == "XMD5 f"));
    // OPTS HASH is for HASH only.
    assert!(!sent.iter().any(|c| c.starts_with("OPTS HASH")), "{sent:?}");
}

#[test]
fn a_server_that_never_answers_hash_times_out_after_the_timeout() {
    // A 5-byte file adds nothing to the wait: `--timeout 1` ends it at once.
    let server = checksum_server(" HASH SHA-256*", HELLO, |c| {
        (verb(c) == "HASH").then_some(Action::Hang)
    });
    let env = Env::new();
    let started = std::time::Instant::now();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "1", "--retries", "0", "-c", "hash f"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(error_line(&out).contains("hash"), "{}", stderr_of(&out));
}

#[test]
fn a_large_file_gives_the_server_time_to_hash_it() {
    // The server says the file has 32 GiB and answers HASH after 1.5 s, past `--timeout 1`:
    // the wait for the reply is the timeout plus a second per 16 MiB (2,048 s here).
    let server = checksum_server(" HASH SHA-256*", HELLO, |c| match verb(c).as_str() {
        "SIZE" => Some(Action::Reply("213 34359738368".into())),
        "HASH" => Some(Action::Late(
            Duration::from_millis(1500),
            format!("213 SHA-256 0-34359738368 {HELLO_SHA256} f"),
        )),
        _ => None,
    });
    let env = Env::new();
    let out = env
        .cmd()
        .arg(server.url())
        .args(["--timeout", "1", "--retries", "0", "-c", "hash f"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("SHA256 (f) = {HELLO_SHA256}\n"));
}

#[test]
fn a_digest_for_another_algorithm_or_part_of_the_file_is_refused() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "FEAT" => Action::Reply("211-Features:\n SIZE\n HASH SHA-256*;SHA-1\n211 End".into()),
        // A SHA-1 answer to a SHA-256 question, then a range that is not the whole file.
        "HASH" if c.ends_with(" a") => Action::Reply(format!("213 SHA-1 0-6 {} a", "f".repeat(40))),
        "HASH" => Action::Reply(format!("213 SHA-256 2-6 {HELLO_SHA256} b")),
        _ => fallback(c),
    });
    let env = Env::new();
    let out = run(&env, &server, "hash a");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(error_line(&out).contains("not SHA-256"));
    let out = run(&env, &server, "hash b");
    assert!(error_line(&out).contains("not the whole file"));
    assert_eq!(stdout_of(&out), "");
}

// --- a server without checksums (libunftp) ---------------------------------------------------

#[test]
fn verify_on_a_server_without_checksums_says_so_once_and_checks_sizes() {
    let env = Env::new();
    env.remote_file("a", b"aaa");
    env.remote_file("b", b"bbbb");
    // One file: the warning comes with the first transfer (not only once another has).
    let out = env.run("get --verify a").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("the server offers no checksum"))
            .collect::<Vec<_>>(),
        [
            "ftpsh: warning: --verify: the server offers no checksum (HASH, XSHA256, XMD5, XCRC): checking sizes only"
        ],
        "{err}"
    );
    let out = env.run("get --verify a b").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(
        err.matches("--verify: the server offers no checksum")
            .count(),
        1,
        "{err}"
    );
    assert_eq!(fs::read(env.local("b")).unwrap(), b"bbbb");
    // What was checked: the size, and nothing else is claimed.
    let out = env.run("get --verify a").arg("--json").output().unwrap();
    let transfers = json_of_type(&stdout_of(&out), "transfer");
    assert_eq!(transfers.len(), 1, "{}", stdout_of(&out));
    assert_eq!(transfers[0]["verified"], serde_json::json!(["size"]));
    assert!(transfers[0].get("checksum").is_none());
    // The setting alone stays quiet: it means "where the server can".
    let out = env
        .run("set verify on; get a; put a -o a2")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!stderr_of(&out).contains("checksum"), "{}", stderr_of(&out));
    // `hash` and `mirror --checksum` cannot do without: exit 1, one line.
    let out = env.run("hash a").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("the server offers no checksum command"));
    // Asking for one algorithm says the same, not "no MD5 checksum (it offers )".
    let out = env.run("hash -a md5 a").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("the server offers no checksum command"));
    let out = env.run("mirror --checksum . m").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("mirror --checksum: the server offers no checksum"));
}

#[test]
fn hash_argument_errors_are_usage_errors() {
    let env = Env::new();
    let out = env.run("hash -a sha3 a").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(error_line(&out).contains("sha3"), "{}", stderr_of(&out));
    let out = env.run("hash").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = env
        .run("mirror --checksum --only-missing . m")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `mirror --checksum . m` of one file `f` ("HELLO\n" on the server, `hello\n` here, the
/// same size) whose HASH gets `reply`.
fn mirror_one_file_whose_hash_gets(reply: &'static str) -> (FakeServer, Env, Output) {
    let server = checksum_server(" HASH SHA-256*", b"HELLO\n", move |c| {
        match verb(c).as_str() {
            "LIST" => Some(Action::sent(
                b"-rw-r--r-- 1 u g 6 Jan 01 2024 f\r\n".to_vec(),
            )),
            "HASH" => Some(Action::Reply(reply.into())),
            _ => None,
        }
    });
    let env = Env::new();
    env.local_file("m/f", HELLO);
    let out = run(&env, &server, "mirror --checksum -P 1 . m");
    (server, env, out)
}

/// `mirror --checksum` whose HASH gets a 4xx (the server busy, not a refusal for this
/// file): the run stops with that reply as its one error line, and nothing is copied over
/// the local file on a guess.
#[test]
fn mirror_checksum_stops_when_the_server_answers_hash_with_a_4xx() {
    let (server, env, out) = mirror_one_file_whose_hash_gets("450 f: busy, try later");
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert_eq!(error_line(&out), "mirror: f: 450 f: busy, try later");
    assert_eq!(fs::read(env.local("m/f")).unwrap(), HELLO);
    assert!(!server.commands().iter().any(|c| c.starts_with("RETR")));
}

/// `mirror --checksum`: a file the server will not hash is copied (the safe side) with a
/// warning naming it, not skipped and not a failure of the run.
#[test]
fn mirror_checksum_copies_a_file_the_server_will_not_hash() {
    let (_server, env, out) = mirror_one_file_whose_hash_gets("550 f: digests are off here");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("f: no checksum, copying it: 550 f: digests are off here"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(fs::read(env.local("m/f")).unwrap(), b"HELLO\n");
}
