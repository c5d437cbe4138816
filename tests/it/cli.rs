//! End-to-end tests of the `ftpsh` binary through `-c`, `-f` and piped stdin against the
//! in-process libunftp server (and the fake server for faults). Each bad input is checked for
//! its one-line error and its documented exit code.

use std::time::Duration;

use predicates::prelude::*;
use predicates::str::contains;

use crate::fake::{Action, FakeServer, default_script};
use crate::server::ServerOpts;
use crate::util::{
    Env, Piped, error_lines, ftpsh, json_lines, json_of_type, pattern, process_in_group,
    server_closed_connection_to, stderr_of, stdout_of, wait_until,
};

// --- the seed tutorial: welcome, dir, pwd, cd, mkdir, size, text and binary transfers -------

#[test]
fn welcome_banner_goes_to_stderr_and_quiet_hides_it() {
    let env = Env::new();
    let out = env.run("pwd").output().unwrap();
    assert!(out.status.success());
    assert!(stderr_of(&out).starts_with("220 "), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "/\n");
    let out = env.run("pwd").arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");
    assert_eq!(stdout_of(&out), "/\n");
}

#[test]
fn navigation_pwd_cd_cdup_and_back() {
    let env = Env::new();
    env.remote_file("pub/debian/README", b"x");
    env.run("cd pub; pwd; cd debian; pwd; cdup; pwd; cd -; pwd; cd; pwd")
        .assert()
        .success()
        .stdout("/pub\n/pub/debian\n/pub\n/pub/debian\n/\n");
}

#[test]
fn url_path_changes_into_the_directory() {
    let env = Env::new();
    env.remote_file("pub/a b/f", b"x");
    let mut c = env.cmd();
    c.arg(format!("{}/pub/a%20b", env.url()))
        .arg("-c")
        .arg("pwd");
    c.assert().success().stdout("/pub/a b\n");
}

#[test]
fn ls_forms_short_long_all_json() {
    let env = Env::new();
    env.remote_file("b file.txt", b"12345");
    env.remote_file("a/inner", b"");
    env.remote_file(".hidden", b"");
    env.remote_file("naïve ü.txt", b"1");
    // Not a terminal: one name per line, directories not marked, sorted, no dotfiles.
    env.run("ls")
        .assert()
        .success()
        .stdout("a\nb file.txt\nnaïve ü.txt\n");
    env.run("ls -a")
        .assert()
        .success()
        .stdout(contains(".hidden\n"));
    let out = env.run("ls -l").output().unwrap();
    let text = stdout_of(&out);
    let line = text.lines().find(|l| l.ends_with(" b file.txt")).unwrap();
    assert!(line.starts_with('-') && line.contains(" 5 "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with('d') && l.ends_with(" a")),
        "{text}"
    );
    // `ls --json` in a text run: the schema line, then one `entry` line per entry.
    let out = env.run("ls --json").output().unwrap();
    let lines = json_lines(&stdout_of(&out));
    assert_eq!(lines[0]["type"], "ftpsh", "{lines:?}");
    let arr = json_of_type(&stdout_of(&out), "entry");
    assert_eq!(arr.len(), lines.len() - 1, "{lines:?}");
    let f = arr.iter().find(|e| e["name"] == "b file.txt").unwrap();
    assert_eq!(f["type"], "file");
    assert_eq!(f["size"], 5);
    assert!(f["modified"].as_str().unwrap().ends_with('Z'));
    let d = arr.iter().find(|e| e["name"] == "a").unwrap();
    assert_eq!(d["type"], "dir");
    // ls of a subdirectory, and -h sizes.
    env.run("ls a").assert().success().stdout("inner\n");
    env.run("ls -lh").assert().success().stdout(contains("5 B"));
}

#[test]
fn dir_and_nlist_print_raw_server_output() {
    let env = Env::new();
    env.remote_file("f.txt", b"abc");
    env.run("dir")
        .assert()
        .success()
        .stdout(contains("f.txt").and(contains("-rw")));
    env.run("nlist")
        .assert()
        .success()
        .stdout(contains("f.txt"));
    // Unique prefix of a command name.
    env.run("di").assert().success().stdout(contains("f.txt"));
}

#[test]
fn mkdir_rmdir_rm_mv_size_modtime() {
    let env = Env::new();
    env.remote_file("old.txt", b"hello");
    env.run("mkdir new; mkdir -p x/y/z; mkdir -p x/y; mv old.txt new/moved.txt; size new/moved.txt; modtime new/moved.txt")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"\A5\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n\z").unwrap());
    assert!(env.remote("x/y/z").is_dir());
    assert_eq!(
        std::fs::read(env.remote("new/moved.txt")).unwrap(),
        b"hello"
    );
    assert!(!env.remote("old.txt").exists());
    env.run("rm new/moved.txt; rmdir new").assert().success();
    assert!(!env.remote("new").exists());
    // rename is an alias of mv.
    env.remote_file("r1", b"r-one");
    env.run("rename r1 r2").assert().success();
    assert_eq!(std::fs::read(env.remote("r2")).unwrap(), b"r-one");
    assert!(!env.remote("r1").exists());
}

#[test]
fn cat_writes_remote_files_to_stdout_only() {
    let env = Env::new();
    env.remote_file("a.txt", b"first\n");
    env.remote_file("b.txt", b"second\n");
    env.run("cat a.txt b.txt")
        .arg("-q")
        .assert()
        .success()
        .stdout("first\nsecond\n")
        .stderr("");
}

#[test]
fn get_and_put_with_spaces_and_non_ascii_names() {
    let env = Env::new();
    env.remote_file("dir with space/naïve file.txt", b"content \xc3\xbc");
    env.run("cd 'dir with space'; get \"naïve file.txt\"")
        .assert()
        .success()
        .stderr(contains("get: naïve file.txt: 10 bytes in"));
    assert_eq!(
        std::fs::read(env.local("naïve file.txt")).unwrap(),
        b"content \xc3\xbc"
    );
    assert!(!env.local("naïve file.txt.part").exists());
    env.local_file("up load ü.bin", b"xyz");
    env.run("put 'up load ü.bin'").assert().success();
    assert_eq!(std::fs::read(env.remote("up load ü.bin")).unwrap(), b"xyz");
}

#[test]
fn get_several_into_a_directory_and_output_names() {
    let env = Env::new();
    env.remote_file("pub/one", b"1");
    env.remote_file("pub/two", b"22");
    std::fs::create_dir(env.local("dl")).unwrap();
    env.run("get -o dl pub/one pub/two; get -o renamed pub/two")
        .assert()
        .success();
    assert_eq!(std::fs::read(env.local("dl/one")).unwrap(), b"1");
    assert_eq!(std::fs::read(env.local("dl/two")).unwrap(), b"22");
    assert_eq!(std::fs::read(env.local("renamed")).unwrap(), b"22");
    // Several files need a directory target.
    let out = env.run("get -o nodir pub/one pub/two").output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["get: pub/one: nodir: not a directory (several files need a directory)"]
    );
    assert!(!env.local("nodir").exists());
    // So do the several files one glob matches, sequential or shared out (-P): never one
    // file written over another under the one name.
    for cmd in [
        "get -o nodir 'pub/*'",
        "get -P 2 -o nodir 'pub/*'",
        "get -P 2 -o nodir pub/one pub/two",
    ] {
        let out = env.run(cmd).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(6), "{cmd}: {err}");
        let lines = error_lines(&err);
        assert_eq!(lines.len(), 1, "{cmd}: {err}");
        assert!(
            lines[0].ends_with("nodir: not a directory (several files need a directory)"),
            "{cmd}: {err}"
        );
        assert!(!env.local("nodir").exists(), "{cmd}");
    }
    // One file with -P: -o names the file.
    env.run("get -P 2 -o renamed2 pub/two").assert().success();
    assert_eq!(std::fs::read(env.local("renamed2")).unwrap(), b"22");
}

#[test]
fn put_several_and_output_targets() {
    let env = Env::new();
    env.local_file("a", b"A");
    env.local_file("b", b"BB");
    std::fs::create_dir(env.remote("up")).unwrap();
    env.run("put -o up a b; put -o renamed a; put -o up/ b")
        .assert()
        .success();
    assert_eq!(std::fs::read(env.remote("up/a")).unwrap(), b"A");
    assert_eq!(std::fs::read(env.remote("up/b")).unwrap(), b"BB");
    assert_eq!(std::fs::read(env.remote("renamed")).unwrap(), b"A");
    // One file and -o naming a directory that exists (no slash): into it.
    env.local_file("c", b"CCC");
    env.run("put -o up c").assert().success();
    assert_eq!(std::fs::read(env.remote("up/c")).unwrap(), b"CCC");
    // Several files and -o naming no directory: refused before anything is sent, never one
    // file over another under that name; sequential or shared out (-P).
    for (cmd, target) in [
        ("put -o nodir a b", "nodir"),
        ("put -P 2 -o nodir a b", "nodir"),
        ("put -o nodir/ a b", "nodir/"),
    ] {
        let out = env.run(cmd).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(5), "{cmd}: {err}");
        let want = format!("put: {target}: not a directory (several files need a directory)");
        assert_eq!(error_lines(&err), [want], "{cmd}: {err}");
        assert!(!env.remote("nodir").exists(), "{cmd}");
    }
}

/// `-P` shares files out to connections: with one connection, or one file, put stays the
/// plain sequential one (no pool summary); two files on two connections are a pool.
#[test]
fn put_parallel_needs_two_connections_and_two_files() {
    let env = Env::new();
    env.local_file("a", b"A");
    env.local_file("b", b"BB");
    for (cmd, summaries) in [("put -P 1 a b", 0), ("put -P 2 a", 0), ("put -P 2 a b", 1)] {
        let out = env
            .cmd()
            .args([&env.url(), "--json", "-c", cmd])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr_of(&out));
        let stdout = stdout_of(&out);
        let got = crate::util::json_of_type(&stdout, "summary").len();
        assert_eq!(got, summaries, "{cmd}: {stdout}");
        assert_eq!(std::fs::read(env.remote("a")).unwrap(), b"A", "{cmd}");
    }
    assert_eq!(std::fs::read(env.remote("b")).unwrap(), b"BB");
}

#[test]
fn fifty_megabytes_round_trip_by_content() {
    let env = Env::new();
    let data = pattern(50 * 1024 * 1024, 7);
    env.local_file("big.bin", &data);
    env.run("put big.bin -o up.bin; get up.bin -o back.bin")
        .assert()
        .success()
        .stderr(
            contains("put: up.bin: 52428800 bytes").and(contains("get: up.bin: 52428800 bytes")),
        );
    assert!(std::fs::read(env.remote("up.bin")).unwrap() == data);
    assert!(std::fs::read(env.local("back.bin")).unwrap() == data);
}

#[test]
fn ascii_mode_converts_line_endings_both_ways() {
    let env = Env::new();
    env.local_file("text.txt", b"one\ntwo\n");
    // libunftp ignores TYPE A, so what it stores is exactly what went over the wire: CRLF.
    env.run("ascii; put text.txt; type")
        .assert()
        .success()
        .stdout("ascii\n");
    assert_eq!(
        std::fs::read(env.remote("text.txt")).unwrap(),
        b"one\r\ntwo\r\n"
    );
    env.run("ascii; get text.txt -o back.txt; binary; get text.txt -o raw.txt")
        .assert()
        .success();
    assert_eq!(std::fs::read(env.local("back.txt")).unwrap(), b"one\ntwo\n");
    assert_eq!(
        std::fs::read(env.local("raw.txt")).unwrap(),
        b"one\r\ntwo\r\n"
    );
}

#[test]
fn get_resumes_a_part_file_with_rest() {
    let env = Env::new();
    let data = pattern(3 * 1024 * 1024 + 17, 3);
    env.remote_file("f.bin", &data);
    env.local_file("f.bin.part", &data[..1_000_000]);
    env.run("get -c f.bin")
        .assert()
        .success()
        .stderr(contains(format!("{} bytes", data.len() - 1_000_000)));
    assert!(std::fs::read(env.local("f.bin")).unwrap() == data);
    assert!(!env.local("f.bin.part").exists());
    // Already complete: nothing to do, still success.
    env.run("get -c f.bin")
        .assert()
        .success()
        .stderr(contains("already complete"));
    assert!(std::fs::read(env.local("f.bin")).unwrap() == data);
}

#[test]
fn put_resumes_where_the_server_copy_ends() {
    let env = Env::new();
    let data = pattern(2 * 1024 * 1024, 5);
    env.local_file("u.bin", &data);
    env.remote_file("u.bin", &data[..700_000]);
    env.run("put -c u.bin")
        .assert()
        .success()
        .stderr(contains(format!("{} bytes", data.len() - 700_000)));
    assert!(std::fs::read(env.remote("u.bin")).unwrap() == data);
}

#[test]
fn url_arguments_connect_for_one_command() {
    let env = Env::new();
    env.remote_file("pub/README", b"read me\n");
    let url = env.url();
    let home = env.home.path();
    ftpsh(env.local.path(), home)
        .arg("-c")
        .arg(format!("get {url}/pub/README"))
        .assert()
        .success();
    assert_eq!(std::fs::read(env.local("README")).unwrap(), b"read me\n");
    ftpsh(env.local.path(), home)
        .arg("-c")
        .arg(format!("ls {url}/pub/; cat {url}/pub/README"))
        .assert()
        .success()
        .stdout("README\nread me\n");
}

#[test]
fn url_arguments_of_one_command_must_name_one_server_and_account() {
    let env = Env::new();
    env.remote_file("a", b"a\n");
    env.remote_file("b", b"b\n");
    let url = env.url();
    let port = env.server.port();
    let home = env.home.path();
    // Host, port, implicit TLS and the login name each make another server or account.
    for other in [
        format!("ftp://localhost:{port}/b"),
        format!("ftp://127.0.0.1:{}/b", port + 1),
        format!("ftps://127.0.0.1:{port}/b"),
        format!("ftp://someone@127.0.0.1:{port}/b"),
    ] {
        let out = ftpsh(env.local.path(), home)
            .arg("-c")
            .arg(format!("get {url}/a {other}"))
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{other}: {err}");
        assert_eq!(
            error_lines(&err),
            [format!(
                "get: {other}: all URLs of one command must name one server"
            )],
            "{other}"
        );
        assert!(
            !env.local("a").exists() && !env.local("b").exists(),
            "{other}"
        );
    }
    // The same server and account twice: one connection, both files.
    ftpsh(env.local.path(), home)
        .arg("-c")
        .arg(format!("get {url}/a ftp://anonymous@127.0.0.1:{port}/b"))
        .assert()
        .success();
    assert_eq!(std::fs::read(env.local("a")).unwrap(), b"a\n");
    assert_eq!(std::fs::read(env.local("b")).unwrap(), b"b\n");
}

#[test]
fn commands_from_file_and_from_stdin() {
    let env = Env::new();
    env.remote_file("pub/x", b"1");
    let script = env.local_file("s.ftp", b"# a comment\n\ncd pub\n  pwd\nls\n");
    let mut c = env.cmd();
    c.arg(env.url()).arg("-f").arg(&script);
    c.assert().success().stdout("/pub\nx\n");
    let mut c = env.cmd();
    c.arg(env.url()).write_stdin("cd pub; pwd\n# c\nls\n");
    c.assert().success().stdout("/pub\nx\n");
}

#[test]
fn batch_stops_at_first_failure_unless_keep_going() {
    let env = Env::new();
    let out = env.run("pwd; get missing; pwd").output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(stdout_of(&out), "/\n");
    let err = stderr_of(&out);
    let lines = error_lines(&err);
    assert!(
        lines.len() == 1 && lines[0].starts_with("get: missing: 550 "),
        "{err}"
    );
    let mut c = env.run("get missing; pwd; frobnicate; pwd");
    c.arg("-k");
    c.assert()
        .code(2)
        .stdout("/\n/\n")
        .stderr(contains("frobnicate: unknown command"));
}

#[test]
fn bye_and_exit_codes() {
    let env = Env::new();
    env.run("bye").assert().code(0);
    env.run("exit 3; pwd").assert().code(3).stdout("");
    env.run("quit").assert().code(0);
}

#[test]
fn help_comes_from_the_table() {
    let env = Env::new();
    let out = env.cmd().arg("-c").arg("help").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    for name in [
        "open",
        "get",
        "put",
        "ls",
        "mkdir",
        "chmod",
        "passive",
        "bye (quit, exit)",
    ] {
        assert!(text.contains(name), "help lacks {name}: {text}");
    }
    env.cmd()
        .arg("-c")
        .arg("help get")
        .assert()
        .success()
        .stdout(contains("--continue").and(contains("REMOTE")));
    env.cmd()
        .arg("-c")
        .arg("get --help")
        .assert()
        .success()
        .stdout(contains("--output"));
}

#[test]
fn status_features_quote_site_passive_type_debug() {
    let env = Env::new();
    let out = env
        .run("status; features; quote SYST; passive off; passive on; type binary; debug on; pwd; debug off")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("Connected to 127.0.0.1:"), "{text}");
    assert!(text.contains("TLS: off"), "{text}");
    assert!(text.contains("MLST"), "{text}");
    assert!(text.contains("215 "), "{text}");
    assert!(stderr_of(&out).contains("--> PWD"), "{}", stderr_of(&out));
    // `site` sends SITE and the rest of the line, and prints the server's reply.
    let server = FakeServer::start(|c| match c {
        "SITE UTIME 20240101000000 a b.txt" => Action::Reply("200 UTIME done for you".into()),
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let out = env
        .cmd()
        .arg(server.url())
        .args([
            "--timeout",
            "5",
            "-c",
            "site UTIME 20240101000000 'a b.txt'",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "200 UTIME done for you\n");
    // A refused raw command: the reply is the error, exit 1.
    let out = env.run("quote FROB").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    let lines = error_lines(&err);
    assert!(
        lines.len() == 1 && lines[0].starts_with("quote: 5"),
        "{err}"
    );
    // Data commands through quote would desynchronise the control channel.
    env.run("quote LIST")
        .assert()
        .code(2)
        .stderr(contains("use 'dir'"));
}

/// `debug` and `passive` alone toggle; both report the state they set, and
/// `set` then shows `passive` as set; `features` carries each feature's parameters.
#[test]
fn debug_toggles_and_settings_and_features_report_their_values() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c"])
        .arg("debug; quote NOOP; debug; quote NOOP; passive; set passive; passive; features")
        .output()
        .unwrap();
    let (text, err) = (stdout_of(&out), stderr_of(&out));
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("--> NOOP").count(), 1, "{err}");
    let settings: Vec<_> = json_of_type(&text, "setting")
        .iter()
        .map(|s| format!("{} {}", s["name"], s["value"]))
        .collect();
    assert_eq!(
        settings,
        [
            r#""debug" "on""#,
            r#""debug" "off""#,
            r#""passive" "off""#,
            r#""passive" "on""#
        ]
    );
    let option = &json_of_type(&text, "option")[0];
    assert_eq!(
        (&option["value"], &option["source"]),
        (&"off".into(), &"set".into())
    );
    let features = &json_of_type(&text, "features")[0]["features"];
    let params = |name: &str| {
        features
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {features}"))["params"]
            .clone()
    };
    assert!(params("SIZE").is_null(), "{features}");
    assert_eq!(params("REST"), "STREAM", "{features}");
}

#[test]
fn active_mode_transfers() {
    let env = Env::new();
    env.remote_file("f", b"active data");
    let mut c = env.run("ls; get f");
    c.args(["--active", "-v"]);
    // libunftp serves both modes: only the trace shows that active mode was used.
    c.assert()
        .success()
        .stdout("f\n")
        .stderr(contains("--> PORT ").or(contains("--> EPRT ")))
        .stderr(contains("--> EPSV").not().and(contains("--> PASV").not()));
    assert_eq!(std::fs::read(env.local("f")).unwrap(), b"active data");
}

/// A `-v` trace that asked for active data connections (PORT or EPRT) and never for passive.
fn assert_active_only(trace: &str) {
    assert!(
        trace.contains("--> PORT ") || trace.contains("--> EPRT "),
        "{trace}"
    );
    assert!(
        !trace.contains("--> EPSV") && !trace.contains("--> PASV"),
        "{trace}"
    );
}

#[test]
fn set_passive_off_holds_for_the_next_connection() {
    let env = Env::new();
    env.remote_file("f", b"active data");
    let url = env.url();
    let out = env
        .cmd()
        .args(["-v", "-c", &format!("set passive off; open {url}; get f")])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert_active_only(&err);
    assert_eq!(std::fs::read(env.local("f")).unwrap(), b"active data");
}

#[test]
fn active_mode_refused_by_the_server_fails_and_never_falls_back_to_passive() {
    let env = Env::with(ServerOpts {
        passive_only: true,
        ..Default::default()
    });
    env.remote_file("f", b"active data");
    let out = env.run("get f").args(["--active", "-v"]).output().unwrap();
    let err = stderr_of(&out);
    // The user asked for active mode (a firewall may allow nothing else): a refused PORT or
    // EPRT is the error, not a reason to try EPSV or PASV behind their back.
    // Exit 1: a server refusal that is not about the file (README, "Exit codes").
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_active_only(&err);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("get: ")).collect();
    assert!(errors.len() == 1 && errors[0].contains("502"), "{err}");
    assert!(!env.local("f").exists() && !env.local("f.part").exists());
}

#[test]
fn lcd_lpwd_lls_and_shell_escape() {
    let env = Env::new();
    env.remote_file("f", b"x");
    std::fs::create_dir(env.local("sub")).unwrap();
    env.local_file("sub/local.txt", b"");
    // `!` takes the rest of the line (it belongs to the shell), so it comes last.
    let out = env
        .run("lcd sub; lpwd; lls; get f; lcd -; lpwd; !echo shell-ran; echo more")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let sub = std::fs::canonicalize(env.local("sub")).unwrap();
    assert!(
        text.contains(&format!("{}\nlocal.txt\n", sub.display())),
        "{text}"
    );
    assert!(text.contains("shell-ran\nmore\n"), "{text}");
    let top = std::fs::canonicalize(env.local.path()).unwrap();
    assert!(text.contains(&format!("{}\n", top.display())), "{text}");
    assert_eq!(std::fs::read(env.local("sub/f")).unwrap(), b"x");
    assert!(
        !env.local("f").exists(),
        "get wrote into the old local directory"
    );
    let out = env.cmd().arg("-c").arg("!exit 3").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["shell: command exited with status 3"]
    );
}

/// `lls` describes each local entry without following links: a file with its size, a
/// directory, a link (to a directory too) as a link, a fifo as `other`; sorted; dot files
/// only with `-a`. A path that is a link to a file is described as the link.
#[test]
fn lls_describes_files_directories_links_and_fifos_without_following_links() {
    let env = Env::new();
    let d = env.local("d");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("f.txt"), b"12345").unwrap();
    std::fs::write(d.join(".dot"), b"").unwrap();
    std::os::unix::fs::symlink("sub", d.join("to-sub")).unwrap();
    std::os::unix::fs::symlink("f.txt", d.join("to-f")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.join("pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let entries = |line: &str| {
        let out = env.cmd().args(["--json", "-c", line]).output().unwrap();
        assert!(out.status.success(), "{line}: {}", stderr_of(&out));
        json_of_type(&stdout_of(&out), "entry")
            .into_iter()
            .map(|e| {
                assert_eq!(e["local"], true, "{e}");
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["type"].as_str().unwrap().to_string(),
                    e["size"].as_u64(),
                )
            })
            .collect::<Vec<_>>()
    };
    let e = |n: &str, t: &str, s: Option<u64>| (n.to_string(), t.to_string(), s);
    let listed = vec![
        e("f.txt", "file", Some(5)),
        e("pipe", "other", None),
        e("sub", "dir", None),
        e("to-f", "link", None),
        e("to-sub", "link", None),
    ];
    assert_eq!(entries("lls d"), listed);
    let mut all = listed.clone();
    all.insert(0, e(".dot", "file", Some(0)));
    assert_eq!(entries("lls -a d"), all);
    // Named, a link to a file is the link (one to a directory is listed, as by ls).
    assert_eq!(entries("lls d/to-f"), [e("d/to-f", "link", None)]);
}

#[test]
fn user_command_and_password_sources() {
    let env = Env::with(ServerOpts {
        user: Some(("alice".into(), "s3cret pw".into())),
        ..Default::default()
    });
    // From the environment.
    let mut c = env.run("pwd");
    c.args(["-u", "alice", "--no-tls"])
        .env("FTPSH_PASSWORD", "s3cret pw");
    c.assert().success().stdout("/\n");
    // From a netrc file.
    let netrc = env.local_file(
        "netrc",
        b"machine 127.0.0.1 login alice password \"unused\"\n",
    );
    std::fs::write(
        &netrc,
        "machine 127.0.0.1\n login alice\n password s3cret\\ pw\n",
    )
    .unwrap();
    // netrc tokens have no quoting here; use a password without spaces for this check.
    let env2 = Env::with(ServerOpts {
        user: Some(("bob".into(), "pw2".into())),
        ..Default::default()
    });
    std::fs::write(&netrc, "machine 127.0.0.1 login bob password pw2\n").unwrap();
    let mut c = env2.run("pwd");
    c.args(["--no-tls", "--netrc-file"]).arg(&netrc);
    c.assert().success().stdout("/\n");
    // From the URL (percent-decoded), then `user` switches accounts.
    let url = env.url().replace("ftp://", "ftp://alice:s3cret%20pw@");
    let mut c = env.cmd();
    c.arg(url).args(["--no-tls", "-c", "user bob nope"]);
    c.assert()
        .code(4)
        .stderr(contains("user: login as bob failed: 530"));
}

#[test]
fn wrong_password_is_exit_4_and_never_echoed() {
    let env = Env::with(ServerOpts {
        user: Some(("alice".into(), "right".into())),
        ..Default::default()
    });
    let mut c = env.run("pwd");
    c.args(["-u", "alice", "--no-tls", "-v"])
        .env("FTPSH_PASSWORD", "wrong-Secret-9");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("login as alice failed: 530"), "{err}");
    assert!(err.contains("--> PASS ****"), "{err}");
    assert!(!err.contains("wrong-Secret-9"), "{err}");
}

#[test]
fn connection_errors_have_their_codes() {
    let env = Env::new();
    // A closed port: bind, learn the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = env
        .cmd()
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.lines().count() == 1
            && err.starts_with(&format!("ftpsh: cannot connect to 127.0.0.1:{port}: "))
            && err.contains("refused"),
        "{err}"
    );
    let out = env
        .cmd()
        .arg("no-such-host.invalid")
        .args(["-c", "pwd", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.lines().count() == 1 && err.starts_with("ftpsh: cannot resolve no-such-host.invalid: "),
        "{err}"
    );
    // No server at all (issue 10: a usage error, exit 2).
    let out = env.cmd().args(["-c", "pwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "pwd: no server: give a URL or host, or set default in config.toml\n"
    );
    assert_eq!(stdout_of(&out), "");
}

#[test]
fn usage_errors_are_exit_2_with_one_line() {
    let env = Env::new();
    for (cmds, needle) in [
        ("frobnicate", "frobnicate: unknown command"),
        ("c", "ambiguous command"),
        ("get 'unterminated", "unterminated quote"),
        ("get", "get: "),
        ("pwd extra", "pwd: "),
        ("chmod 9z9 f", "chmod: "),
        ("passive maybe", "passive: "),
    ] {
        let out = env.run(cmds).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmds}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("220")).collect();
        assert_eq!(lines.len(), 1, "{cmds}: {err}");
        assert!(lines[0].contains(needle), "{cmds}: {err}");
    }
    // Bad argv: clap's own usage error, exit 2. Clap's format puts the error on the first
    // line, then a hint (and for an unknown flag, the usage).
    for (args, first) in [
        (
            &["--no-such-flag"][..],
            "error: unexpected argument '--no-such-flag' found",
        ),
        (
            &["--timeout", "0"][..],
            "error: invalid value '0' for '--timeout <SECS>': 0 is not in 1..=86400",
        ),
    ] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr_of(&out);
        assert_eq!(err.lines().next(), Some(first), "{err}");
        assert!(
            err.trim_end()
                .ends_with("For more information, try '--help'."),
            "{err}"
        );
        assert_eq!(stdout_of(&out), "");
    }
    let out = env.cmd().arg("http://example.org").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "ftpsh: http://example.org: unsupported URL scheme (use ftp:// or ftps://)\n"
    );
}

/// Runs `c`, checks its exit code, and returns its error: exactly one line on stderr besides
/// the server's greeting.
fn one_error(c: &mut assert_cmd::Command, code: i32) -> String {
    let out = c.output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    let lines = error_lines(&err);
    assert_eq!(lines.len(), 1, "not one error line: {err}");
    lines[0].to_string()
}

#[test]
fn missing_files_on_either_side() {
    let env = Env::new();
    let e = one_error(&mut env.run("get nope.txt"), 5);
    assert!(e.starts_with("get: nope.txt: 550 "), "{e}");
    // No stray file for a download that never started.
    assert!(
        std::fs::read_dir(env.local.path())
            .unwrap()
            .next()
            .is_none()
    );
    assert_eq!(
        one_error(&mut env.run("put nope.txt"), 6),
        "put: nope.txt: No such file or directory"
    );
    let e = one_error(&mut env.run("cd nowhere"), 5);
    assert!(e.starts_with("cd: nowhere: 550 "), "{e}");
    let e = one_error(&mut env.run("rm nowhere"), 5);
    assert!(e.starts_with("rm: nowhere: 550 "), "{e}");
    env.remote_file("exists/x", b"");
    let e = one_error(&mut env.run("mkdir exists"), 5);
    assert!(e.starts_with("mkdir: exists: 5"), "{e}");
}

#[test]
fn unwritable_local_target_is_exit_6_and_leaves_nothing() {
    let env = Env::new();
    env.remote_file("f", b"data");
    env.local_file("plainfile", b"");
    // A path through a regular file can never be written, even by root.
    assert_eq!(
        one_error(&mut env.run("get -o plainfile/sub/f f"), 6),
        "get: f: plainfile/sub/f: no such directory"
    );
    assert_eq!(
        one_error(&mut env.run("get -o plainfile/f f"), 6),
        "get: f: plainfile/f: no such directory"
    );
    assert_eq!(std::fs::read(env.local("plainfile")).unwrap(), b"");
}

#[test]
fn hostile_remote_names_are_refused_as_local_paths() {
    let env = Env::new();
    env.run("get ..")
        .assert()
        .code(2)
        .stderr(contains("refusing"));
    env.run("get 'a\x1b[2Jb'")
        .assert()
        .code(2)
        .stderr(contains("refusing").and(contains("\x1b").not()));
}

#[test]
fn reconnects_after_the_server_drops_an_idle_connection() {
    let env = Env::with(ServerOpts {
        idle_timeout: Some(1),
        ..Default::default()
    });
    env.remote_file("d/f", b"x");
    let port = env.server.port();
    let url = env.url();
    let mut ftpsh = Piped::spawn(&env, &[&url]);
    ftpsh.send("cd d\npwd\n");
    assert_eq!(ftpsh.line(), "/d");
    // Was a 2.5 s sleep against the 1 s idle timeout: wait for the drop itself.
    wait_until("the server to drop the idle connection", || {
        server_closed_connection_to(port)
    });
    ftpsh.send("pwd\nls\n");
    let (code, stdout, stderr) = ftpsh.finish();
    assert_eq!(code, Some(0), "{stderr}");
    // Back in /d on the new connection.
    assert_eq!(stdout, "/d\nf\n", "{stderr}");
    let lost: Vec<&str> = stderr.lines().filter(|l| l.contains("lost")).collect();
    assert_eq!(
        lost,
        [format!("connection to 127.0.0.1:{port} lost; reconnecting").as_str()],
        "{stderr}"
    );
}

// --- faults only the scripted server can produce ----------------------------------------------

fn verb(c: &str) -> String {
    c.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

#[test]
fn transfer_cut_midway_keeps_part_and_resume_completes_it() {
    let data = pattern(200_000, 11);
    let full = data.clone();
    let server = FakeServer::start(move |c| match verb(c).as_str() {
        "SIZE" => Action::Reply(format!("213 {}", full.len())),
        "REST" => Action::Reply("350 Restarting".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: full[..80_000].to_vec(),
            cut: true,
            then: String::new(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "get f.bin", "--timeout", "5", "--retries", "0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["get: f.bin: connection closed by the server"]
    );
    assert!(!env.local("f.bin").exists(), "no file under the final name");
    assert_eq!(
        std::fs::read(env.local("f.bin.part")).unwrap(),
        &data[..80_000]
    );

    // A server that serves the rest after REST 80000.
    let rest = data[80_000..].to_vec();
    let total = data.len();
    let server2 = FakeServer::start(move |c| match verb(c).as_str() {
        "SIZE" => Action::Reply(format!("213 {total}")),
        "REST" if c.ends_with(" 80000") => Action::Reply("350 Restarting at 80000".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: rest.clone(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let mut c = env.cmd();
    c.arg(server2.url())
        .args(["-c", "get -c f.bin", "--timeout", "5"]);
    c.assert().success();
    assert!(std::fs::read(env.local("f.bin")).unwrap() == data);
    assert!(server2.commands().iter().any(|c| c == "REST 80000"));
}

#[test]
fn short_transfer_is_not_renamed_into_place() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SIZE" => Action::Reply("213 1000".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: vec![b'x'; 600],
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "get f", "--timeout", "5", "--retries", "0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["get: f: short transfer: 600 of 1000 bytes; the rest can be fetched with 'get -c'"]
    );
    assert!(!env.local("f").exists());
    // What arrived is kept for `get -c`, byte for byte.
    assert_eq!(std::fs::read(env.local("f.part")).unwrap(), vec![b'x'; 600]);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "PWD" => Action::Hang,
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let start = std::time::Instant::now();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "pwd", "--timeout", "2", "--retries", "0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        [format!(
            "ftpsh: {}: timed out: login not complete within 2 s (--timeout)",
            server.url().trim_start_matches("ftp://")
        )]
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_server_that_closes_after_login_is_connection_lost() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "FEAT" => Action::Close,
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "pwd", "--timeout", "5", "--retries", "0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_of(&out));
    assert_eq!(
        error_lines(&stderr_of(&out)),
        ["ftpsh: connection closed by the server"]
    );
}

#[test]
fn hostile_listing_names_never_reach_the_terminal_raw() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: b"-rw-r--r-- 1 u g 5 Jan 01 2024 evil\x1b]0;pwned\x07name\r\n\
                    -rw-r--r-- 1 u g 5 Jan 01 2024 ../../etc/passwd\r\n\
                    this line is not a listing\r\n"
                .to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    for cmd in ["ls", "ls -l", "dir"] {
        let mut c = env.cmd();
        c.arg(server.url()).args(["-c", cmd, "--timeout", "5"]);
        let out = c.output().unwrap();
        assert!(out.status.success(), "{cmd}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        assert!(
            !text.contains('\x1b') && !text.contains('\x07'),
            "{cmd}: {text:?}"
        );
        assert!(text.contains("evil?]0;pwned?name"), "{cmd}: {text:?}");
        assert!(
            text.contains("this line is not a listing"),
            "{cmd}: unparsed lines are kept: {text}"
        );
    }
}

#[test]
fn password_never_appears_in_history_or_traces() {
    let server = FakeServer::start(|c| default_script(c).unwrap_or(Action::Reply("502 no".into())));
    let env = Env::new();
    let mut c = env.cmd();
    c.arg(server.url().replace("ftp://", "ftp://bob:Sup3r-Secret@"))
        .args(["-v", "--no-tls", "-c", "pwd", "--timeout", "5"]);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(server.commands().contains(&"PASS Sup3r-Secret".to_string()));
    assert!(!stderr_of(&out).contains("Sup3r-Secret"));
    assert!(stderr_of(&out).contains("PASS ****"));
}

// --- FTPS ------------------------------------------------------------------------------------

fn tls_env() -> Env {
    Env::with(ServerOpts {
        user: Some(("alice".into(), "pw".into())),
        tls: true,
        ..Default::default()
    })
}

#[test]
fn ftps_with_a_trusted_ca_transfers_and_reports_the_cipher() {
    let env = tls_env();
    let data = pattern(3 * 1024 * 1024, 9);
    env.local_file("up.bin", &data);
    let mut c = env.run("status; put up.bin; get up.bin -o back.bin; ls");
    c.args(["-u", "alice", "--tls", "-v", "--ca-file"])
        .arg(env.server.ca_file().unwrap())
        .env("FTPSH_PASSWORD", "pw");
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    // The version and a real cipher suite name, as rustls negotiated them.
    let tls_line = text.lines().find(|l| l.starts_with("TLS: ")).unwrap_or("");
    let mut words = tls_line.split_whitespace().skip(1);
    let version = words.next().unwrap_or("");
    let cipher = words.next().unwrap_or("");
    assert!(version == "TLSv1.2" || version == "TLSv1.3", "{tls_line}");
    assert!(
        cipher.starts_with("TLS13_") || cipher.starts_with("TLS_ECDHE_"),
        "{tls_line}"
    );
    // libunftp allows clear data connections: only PROT P proves the data was protected.
    let trace = stderr_of(&out);
    let prot = trace.find("--> PROT P").expect("PROT P sent");
    assert!(
        trace[prot..]
            .lines()
            .nth(1)
            .unwrap_or("")
            .starts_with("<-- 200"),
        "{trace}"
    );
    assert!(text.contains("up.bin"), "{text}");
    assert!(std::fs::read(env.remote("up.bin")).unwrap() == data);
    assert!(std::fs::read(env.local("back.bin")).unwrap() == data);
    // Auto mode: a named user gets TLS because the server offers AUTH TLS.
    let mut c = env.run("status");
    c.args(["-u", "alice", "--ca-file"])
        .arg(env.server.ca_file().unwrap())
        .env("FTPSH_PASSWORD", "pw");
    c.assert().success().stdout(contains("TLS: TLSv1."));
}

#[test]
fn ftps_with_an_untrusted_certificate_fails_with_exit_7() {
    let env = tls_env();
    let mut c = env.run("pwd");
    c.args(["-u", "alice", "--tls"]).env("FTPSH_PASSWORD", "pw");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
    // One line, and no runs of blanks (the message once carried its source indentation).
    // (The fingerprint to pin follows: see tests/it/trust.rs.)
    let stderr = stderr_of(&out);
    let lines = error_lines(&stderr);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "ftpsh: TLS certificate rejected: it is not signed by an authority this machine \
             trusts (if you trust it, give it or its CA with --ca-file); the certificate of \
             127.0.0.1:"
        ),
        "{lines:?}"
    );
    assert!(!lines[0].contains("  "), "{lines:?}");
    // --insecure connects, but says loudly what it gives up.
    let mut c = env.run("pwd");
    c.args(["-u", "alice", "--tls", "--insecure"])
        .env("FTPSH_PASSWORD", "pw");
    c.assert()
        .success()
        .stdout("/\n")
        .stderr(contains("warning: --insecure"));
    // A CA file that is not a certificate is a local error.
    let bogus = env.local_file("bogus.pem", b"not a pem");
    let mut c = env.run("pwd");
    c.args(["-u", "alice", "--tls", "--ca-file"])
        .arg(&bogus)
        .env("FTPSH_PASSWORD", "pw");
    let e = one_error(&mut c, 6);
    assert!(
        e.starts_with(&format!("ftpsh: --ca-file {}: ", bogus.display())),
        "{e}"
    );
}

#[test]
fn tls_required_but_not_offered_is_exit_7() {
    let env = Env::new();
    let mut c = env.run("pwd");
    c.arg("--tls");
    let e = one_error(&mut c, 7);
    assert!(
        e.starts_with("ftpsh: the server refused TLS (AUTH TLS: 5"),
        "{e}"
    );
}

#[test]
fn set_tls_applies_to_the_next_open() {
    let env = Env::new();
    let url = env.url();
    let out = env
        .cmd()
        .arg("-c")
        .arg(format!("set tls on; open {url}; pwd"))
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    // `set` confirms the value on stderr; then the one error.
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("tls ")).collect();
    assert!(
        lines.len() == 1 && lines[0].contains("the server refused TLS (AUTH TLS: 5"),
        "{err}"
    );
    // And back off: plain FTP again.
    env.cmd()
        .arg("-c")
        .arg(format!("set tls on; set tls off; open {url}; pwd"))
        .assert()
        .success()
        .stdout("/\n");
}

#[test]
fn ls_of_a_single_file_lists_that_file() {
    let env = Env::new();
    env.remote_file("pub/debian/README", b"d");
    let out = env
        .run("ls pub/debian/README; ls -l pub/debian/README")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // As `ls FILE` does: the path as given.
    assert_eq!(lines[0], "pub/debian/README", "{text}");
    let long: Vec<&str> = lines[1].split_whitespace().collect();
    assert!(
        long.first().is_some_and(|p| p.starts_with('-'))
            && long.contains(&"1")
            && long.last() == Some(&"pub/debian/README"),
        "{text}"
    );
}

// --- regressions from review ------------------------------------------------------------------

#[test]
fn hash_comments_end_the_line_including_semicolons() {
    let env = Env::new();
    env.run("pwd # a note; lpwd")
        .assert()
        .success()
        .stdout("/\n");
}

#[test]
fn a_prefix_of_shell_keeps_the_line_verbatim() {
    let env = Env::new();
    env.cmd()
        .args(["-c", "sh printf '<%s>' 'a b'; echo done"])
        .assert()
        .success()
        .stdout("<a b>done\n");
}

#[test]
fn netrc_login_without_password_takes_the_environment_password() {
    let env = Env::with(ServerOpts {
        user: Some(("carol".into(), "envpw".into())),
        ..Default::default()
    });
    let netrc = env.local_file("netrc", b"machine 127.0.0.1 login carol\n");
    let mut c = env.run("pwd");
    c.args(["--no-tls", "--netrc-file"])
        .arg(&netrc)
        .env("FTPSH_PASSWORD", "envpw");
    c.assert().success().stdout("/\n");
}

#[test]
fn clear_text_password_is_warned_about_in_auto_mode() {
    let env = Env::with(ServerOpts {
        user: Some(("dave".into(), "pw".into())),
        ..Default::default()
    });
    let mut c = env.run("pwd");
    c.args(["-u", "dave"]).env("FTPSH_PASSWORD", "pw");
    c.assert().success().stderr(contains("does not offer TLS"));
}

#[test]
fn repeated_replies_all_appear_in_the_trace() {
    let env = Env::new();
    let out = env
        .run("quote NOOP; quote NOOP")
        .arg("-v")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr_of(&out);
    assert_eq!(
        err.matches("<-- 200 Successfully did nothing").count(),
        2,
        "{err}"
    );
}

#[test]
fn ctrl_c_ends_a_batch_run_even_with_keep_going() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "RETR" => Action::Trickle {
            preliminary: "150 Opening".into(),
            chunk: vec![b'z'; 1024],
            count: 10_000,
            every: Duration::from_millis(10),
            then: "226 Done".into(),
        },
        "ABOR" => Action::Reply("226 Abort OK".into()),
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let child = crate::util::ftpsh_std(env.local.path(), env.home.path())
        .args([
            &server.url(),
            "-k",
            "--timeout",
            "5",
            "-c",
            "get slow.bin; pwd",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) until the download is under way, then interrupt it.
    let part = env.local("slow.bin.part");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "download never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("get: slow.bin: interrupted"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(stdout_of(&out), "", "pwd must not run after Ctrl-C");
    // The .part holds what arrived, and only that: the server's bytes.
    let kept = std::fs::read(&part).unwrap();
    assert!(
        !kept.is_empty() && kept.iter().all(|&b| b == b'z'),
        "{} bytes kept",
        kept.len()
    );
    assert!(!env.local("slow.bin").exists());
}

#[test]
fn a_refused_epsv_falls_back_to_pasv() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "EPSV" => Action::Reply("500 EPSV not understood".into()),
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: b"-rw-r--r-- 1 u g 5 Jan 01 2024 a.txt\r\n".to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "ls; ls; status", "--timeout", "5"]);
    c.assert()
        .success()
        .stdout(contains("a.txt\na.txt\n").and(contains("Mode: passive (PASV)")));
    let cmds = server.commands();
    assert_eq!(cmds.iter().filter(|c| *c == "EPSV").count(), 1, "{cmds:?}");
    assert_eq!(cmds.iter().filter(|c| *c == "PASV").count(), 2, "{cmds:?}");
}

#[test]
fn quote_refuses_commands_that_would_confuse_the_session() {
    let env = Env::new();
    let e = one_error(&mut env.run("quote CWD /"), 2);
    assert!(e.starts_with("quote: ") && e.contains("use 'cd'"), "{e}");
    let e = one_error(&mut env.run("quote type a"), 2);
    assert!(e.starts_with("quote: ") && e.contains("ascii"), "{e}");
}

#[test]
fn get_and_put_expand_globs() {
    let env = Env::new();
    env.remote_file("pub/a.txt", b"A");
    env.remote_file("pub/b.txt", b"BB");
    env.remote_file("pub/c.bin", b"C");
    env.remote_file("pub/.hidden.txt", b"H");
    std::fs::create_dir(env.local("dl")).unwrap();
    env.run("get -o dl 'pub/*.txt'")
        .assert()
        .success()
        .stderr(contains("get: pub/a.txt: 1 bytes").and(contains("get: pub/b.txt: 2 bytes")));
    let mut got: Vec<String> = std::fs::read_dir(env.local("dl"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    got.sort();
    assert_eq!(got, vec!["a.txt", "b.txt"]);
    // Each name holds its own file (a summary line is no proof of content).
    assert_eq!(std::fs::read(env.local("dl/a.txt")).unwrap(), b"A");
    assert_eq!(std::fs::read(env.local("dl/b.txt")).unwrap(), b"BB");
    // A pattern that matches nothing stands for itself, as in a POSIX shell.
    let e = one_error(&mut env.run("get 'pub/*.none'"), 5);
    assert!(e.starts_with("get: pub/*.none: 550 "), "{e}");
    env.remote_file("pub/Movie [1080p].mkv", b"M");
    env.remote_file("pub/Movie1.mkv", b"1");
    env.run("get -o one.mkv 'pub/Movie [1080p].mkv'")
        .assert()
        .success();
    assert_eq!(std::fs::read(env.local("one.mkv")).unwrap(), b"M");

    env.local_file("up/x1.bin", b"1");
    env.local_file("up/x2.bin", b"22");
    env.local_file("up/y.txt", b"y");
    std::fs::create_dir(env.remote("in")).unwrap();
    env.run("put -o in 'up/x*.bin'").assert().success();
    assert_eq!(std::fs::read(env.remote("in/x1.bin")).unwrap(), b"1");
    assert_eq!(std::fs::read(env.remote("in/x2.bin")).unwrap(), b"22");
    assert!(!env.remote("in/y.txt").exists());
    assert_eq!(
        one_error(&mut env.run("put 'up/*.none'"), 6),
        "put: up/*.none: No such file or directory"
    );
    env.local_file("a[1].txt", b"lit");
    env.run("put -o r.txt 'a[1].txt'").assert().success();
    assert_eq!(std::fs::read(env.remote("r.txt")).unwrap(), b"lit");
}

#[test]
fn globbed_names_from_the_server_never_escape_the_target_directory() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Data {
            preliminary: "150 Here".into(),
            data: b"-rw-r--r-- 1 u g 2 Jan 01 2024 ok.txt\r\n\
                    -rw-r--r-- 1 u g 2 Jan 01 2024 ../../escape.txt\r\n\
                    -rw-r--r-- 1 u g 2 Jan 01 2024 evil\x1b[2J.txt\r\n"
                .to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        "SIZE" => Action::Reply("213 2".into()),
        "RETR" => Action::Data {
            preliminary: "150 Opening".into(),
            data: b"ok".to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => default_script(c).unwrap_or(Action::Reply("502 no".into())),
    });
    let env = Env::new();
    std::fs::create_dir(env.local("d")).unwrap();
    let mut c = env.cmd();
    c.arg(server.url())
        .args(["-c", "get -o d '*.txt'", "--timeout", "5"]);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    // A name with '/' never matches: '*' stops at separators.
    assert!(err.contains("skipping evil?[2J.txt"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
    assert_eq!(std::fs::read(env.local("d/ok.txt")).unwrap(), b"ok");
    assert_eq!(std::fs::read_dir(env.local("d")).unwrap().count(), 1);
    assert!(
        !env.local
            .path()
            .parent()
            .unwrap()
            .join("escape.txt")
            .exists()
    );
    let retrs: Vec<String> = server
        .commands()
        .into_iter()
        .filter(|c| c.starts_with("RETR"))
        .collect();
    assert_eq!(retrs, vec!["RETR ok.txt"]);
}

#[test]
fn a_closed_stdout_pipe_ends_the_run_quietly() {
    use std::io::Read;
    let env = Env::new();
    env.remote_file("big.bin", &pattern(8 * 1024 * 1024, 2));
    let mut child = crate::util::ftpsh_std(env.local.path(), env.home.path())
        .args([&env.url(), "-q", "-c", "cat big.bin; mkdir after"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up like `head -c 10`.
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");
    assert!(
        !env.remote("after").exists(),
        "the run stops at the closed pipe"
    );
}

#[test]
fn reconnect_into_a_vanished_directory_fails_the_command() {
    let env = Env::with(ServerOpts {
        idle_timeout: Some(1),
        ..Default::default()
    });
    env.remote_file("d/f", b"x");
    let port = env.server.port();
    let url = env.url();
    let mut ftpsh = Piped::spawn(&env, &[&url]);
    ftpsh.send("cd d\npwd\n");
    assert_eq!(ftpsh.line(), "/d");
    std::fs::remove_dir_all(env.remote("d")).unwrap();
    // Was a 2.5 s sleep against the 1 s idle timeout: wait for the drop itself.
    wait_until("the server to drop the idle connection", || {
        server_closed_connection_to(port)
    });
    ftpsh.send("rm f\npwd\n");
    let (code, stdout, stderr) = ftpsh.finish();
    assert_eq!(code, Some(5), "{stderr}");
    // The batch stopped at the failed command: no second pwd.
    assert_eq!(stdout, "", "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("rm:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with("rm: reconnected, but cannot return to /d (now in /): 550 "),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_during_a_shell_escape_stops_a_batch_run() {
    let env = Env::new();
    // A process group of its own, so the signal reaches ftpsh and its child as a terminal's
    // Ctrl-C would.
    // (setsid execs ftpsh in place: the test process is not a group leader.)
    let ftpsh = crate::util::ftpsh_std(env.local.path(), env.home.path());
    let child = std::process::Command::new("setsid")
        .arg(ftpsh.get_program())
        .args(["-k", "-c", "!sleep 20; lpwd"])
        .current_dir(env.local.path())
        .env_clear()
        .envs(ftpsh.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Was a fixed 500 ms: press Ctrl-C once the shell escape's command runs.
    wait_until("ftpsh to start `sleep 20`", || {
        process_in_group(child.id(), "sleep")
    });
    std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
}
