//! Settings, config.toml and bookmarks (issue 10), end to end through the binary: the
//! default site, `set`/`unset` and where values come from, each kind of bad file with its
//! exact message and exit 2, bookmarks written without passwords and keeping the user's
//! comments, `ftpsh config`, and Tab completion of settings and bookmarks in a PTY.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::util::{Env, json_of_type, stderr_of, stdout_of};

/// The directory `FTPSH_CONFIG_DIR` points at, under the test's HOME.
fn config_dir(env: &Env) -> PathBuf {
    env.home.path().join("cfg")
}

fn write_config(env: &Env, text: &str) -> PathBuf {
    let dir = config_dir(env);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// `ftpsh` with no URL and config.toml from [`config_dir`].
fn cmd(env: &Env) -> Command {
    let mut c = env.cmd();
    c.env("FTPSH_CONFIG_DIR", config_dir(env));
    c
}

/// `default = "NAME"` names a bookmark of the in-process server: `ftpsh -c "get
/// debian/README"` connects there with no URL on the command line.
#[test]
fn default_bookmark_makes_c_get_work_without_a_url() {
    let env = Env::new();
    env.remote_file("debian/README", b"hello from debian\n");
    write_config(
        &env,
        &format!(
            "default = \"mirror\"\n[bookmarks.mirror]\nurl = \"{}\"\n",
            env.url()
        ),
    );
    let out = cmd(&env)
        .args(["-c", "get debian/README"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(env.local("README")).unwrap(),
        b"hello from debian\n"
    );
}

/// `default` may be a URL too; a bookmark's `path` is where the session starts.
#[test]
fn default_url_and_bookmark_path() {
    let env = Env::new();
    env.remote_file("pub/a.txt", b"a");
    write_config(&env, &format!("default = \"{}/pub\"\n", env.url()));
    let out = cmd(&env).args(["-c", "pwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out)
            .trim_end()
            .trim_end_matches('/')
            .ends_with("/pub")
    );

    // `ftpsh NAME` with a bookmark that has a path.
    write_config(
        &env,
        &format!("[bookmarks.m]\nurl = \"{}\"\npath = \"pub\"\n", env.url()),
    );
    let out = cmd(&env).args(["m", "-c", "get a.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("a.txt")).unwrap(), b"a");
    // `open NAME` in a script.
    std::fs::remove_file(env.local("a.txt")).unwrap();
    let out = cmd(&env)
        .args(["-c", "open m; get a.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("a.txt")).unwrap(), b"a");
}

#[test]
fn no_server_and_no_default_is_a_usage_error() {
    let env = Env::new();
    let out = cmd(&env)
        .args(["-c", "get debian/README"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "get: no server: give a URL or host, or set default in config.toml\n"
    );
}

/// Each kind of mistake: one line naming file, line and column, and exit 2, before
/// anything connects (the server here would accept the login).
#[test]
fn a_bad_config_file_is_one_line_and_exit_2() {
    let env = Env::new();
    let cases: &[(&str, &str)] = &[
        (
            "[settings]\ntimout = 5\n",
            "2:1: unknown setting 'timout' (did you mean 'timeout'?)",
        ),
        (
            "[setings]\n",
            "1:2: unknown key 'setings' (did you mean 'settings'?)",
        ),
        (
            "[settings]\ntimeout = \"5\"\n",
            "2:11: setting 'timeout' wants an integer, not a string",
        ),
        (
            "[settings]\ntls = \"maybe\"\n",
            "2:7: setting 'tls': 'maybe' is not one of auto, on, off",
        ),
        (
            "[settings]\nparallel = 0\n",
            "2:12: setting 'parallel': '0' is not a number from 1 to 16",
        ),
        (
            "[bookmarks.x]\nurl = \"ftp://h\"\npasword = \"p\"\n",
            "3:1: unknown key 'pasword' (did you mean 'password'?)",
        ),
        (
            "[aliases]\nx = \"\"\n",
            "2:5: alias 'x': empty command line",
        ),
    ];
    for (text, want) in cases {
        let path = write_config(&env, text);
        let out = cmd(&env)
            .arg(env.url())
            .args(["-c", "pwd"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text:?}");
        assert_eq!(
            stderr_of(&out),
            format!("ftpsh: {}:{want}\n", path.display()),
            "{text:?}"
        );
        assert_eq!(stdout_of(&out), "", "{text:?}: nothing ran");
        // `config check` says the same.
        let out = cmd(&env).args(["config", "check"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr_of(&out),
            format!("ftpsh: {}:{want}\n", path.display())
        );
    }
    // Broken TOML: still one line with a position.
    let path = write_config(&env, "[settings\n");
    let out = cmd(&env).args(["-c", "pwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.starts_with(&format!("ftpsh: {}:1:", path.display())) && err.lines().count() == 1,
        "{err}"
    );
    // --no-config ignores it; --config names another file.
    let out = cmd(&env)
        .args(["--no-config", "-c", "set timeout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let other = env.home.path().join("other.toml");
    std::fs::write(&other, "[settings]\ntimeout = 12\n").unwrap();
    let out = cmd(&env)
        .arg("--config")
        .arg(&other)
        .args(["-c", "set timeout"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "timeout        12 (file)\n");
}

/// set beats a flag, a flag beats the file, the file beats the default; `unset` goes back.
#[test]
fn set_and_unset_follow_the_precedence_and_say_where_values_came_from() {
    let env = Env::new();
    write_config(&env, "[settings]\ntimeout = 7\nparallel = 3\n");
    let out = cmd(&env)
        .args(["--timeout", "9", "--json", "-c"])
        .arg(
            "set; set timeout; set timeout 11; unset timeout; set parallel 5; unset parallel; \
             unset parallel",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let opts = json_of_type(&stdout_of(&out), "option");
    let got: Vec<(String, String, String)> = opts
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["value"].as_str().unwrap().to_string(),
                o["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // `set` lists every setting once, in table order.
    let listed: Vec<&str> = got[..17].iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        listed,
        [
            "timeout",
            "parallel",
            "passive",
            "tls",
            "progress",
            "json",
            "clobber",
            "verify",
            "retries",
            "retry_delay",
            "retry_max_time",
            "stall_timeout",
            "charset",
            "color",
            "listing_limit",
            "prompt",
            "history_size"
        ]
    );
    let t = |v: &str, s: &str| ("timeout".to_string(), v.to_string(), s.to_string());
    let p = |v: &str, s: &str| ("parallel".to_string(), v.to_string(), s.to_string());
    assert_eq!(got[0], t("9", "flag"));
    assert_eq!(got[1], p("3", "file"));
    assert_eq!(got[2], ("passive".into(), "on".into(), "default".into()));
    assert_eq!(got[5], ("json".into(), "on".into(), "flag".into()));
    assert_eq!(
        got[17..],
        [
            t("9", "flag"),
            t("11", "set"),
            t("9", "flag"),
            p("5", "set"),
            p("3", "file"),
            p("3", "file")
        ]
    );
}

/// A bad `set` is a usage error naming what is allowed; text mode shows the change.
#[test]
fn set_validates_and_reports_in_text() {
    let env = Env::new();
    let out = cmd(&env)
        .args([
            "-k",
            "-c",
            "set tls maybe; set timout 3; set passive off; set passive",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "set: tls: 'maybe' is not one of auto, on, off\n\
         set: unknown setting 'timout' (did you mean 'timeout'?)\n\
         passive        off (set)\n"
    );
    assert_eq!(stdout_of(&out), "passive        off (set)\n");
}

/// `set listing_limit` is the listing's entry cap.
#[test]
fn listing_limit_setting_stops_a_long_listing() {
    let env = Env::new();
    for i in 0..5 {
        env.remote_file(&format!("d/f{i}"), b"x");
    }
    let out = env
        .run("cd d; set listing_limit 3; ls")
        .env("FTPSH_CONFIG_DIR", config_dir(&env))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("exceeds 3 entries; stopped"),
        "{}",
        stderr_of(&out)
    );
    let out = env
        .run("cd d; set listing_limit 5; ls")
        .env("FTPSH_CONFIG_DIR", config_dir(&env))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

/// Bookmarks go into the file without the password, keep the user's comments and other
/// keys, and come out again with `bookmark list` and `bookmark rm`.
#[test]
fn bookmarks_round_trip_without_passwords_and_keep_comments() {
    let env = Env::new();
    let original = "# my ftpsh config\n[settings]\ntimeout = 20 # seconds\n";
    let path = write_config(&env, original);
    let out = cmd(&env)
        .args(["-c"])
        .arg(format!(
            "bookmark add deb ftp://bob:Secr3t@{}/pub; bookmark list",
            env.url().trim_start_matches("ftp://")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("Secr3t"), "{text}");
    assert!(text.starts_with(original), "{text}");
    assert!(text.contains("[bookmarks.deb]"), "{text}");
    assert!(text.contains("user = \"bob\""), "{text}");
    assert!(text.contains("path = \"pub\""), "{text}");
    assert!(stdout_of(&out).starts_with("deb "), "{}", stdout_of(&out));
    assert!(stderr_of(&out).contains("the password is not saved"));

    // From the current connection, with its directory.
    env.remote_file("sub/x", b"x");
    let out = cmd(&env)
        .arg(env.url())
        .args(["-c", "cd sub; bookmark add here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[bookmarks.here]"), "{text}");
    assert!(text.contains("path = \"/sub"), "{text}");
    assert!(!text.contains("password"), "{text}");

    let out = cmd(&env)
        .args(["-c", "bookmark rm deb; bookmark rm deb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("no bookmark 'deb'"),
        "{}",
        stderr_of(&out)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("deb"), "{text}");
    assert!(text.starts_with(original), "{text}");
}

/// `--save-password` is the one way a password reaches the file, and then the file is
/// mode 0600.
#[cfg(unix)]
#[test]
fn save_password_warns_and_makes_the_file_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let path = config_dir(&env).join("config.toml");
    let out = cmd(&env)
        .args([
            "-c",
            "bookmark add --save-password s ftp://amy:pw9@h.example",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("the password is written into"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("password = \"pw9\""), "{text}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A later add without a password keeps the file private.
    cmd(&env)
        .args(["-c", "bookmark add t ftp://h.example"])
        .assert()
        .success();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn config_path_edit_and_check() {
    let env = Env::new();
    let out = cmd(&env).args(["config", "path"]).output().unwrap();
    let path = config_dir(&env).join("config.toml");
    assert_eq!(stdout_of(&out), format!("{}\n", path.display()));
    // `edit` writes the commented template, runs the editor on it, then checks it.
    let out = cmd(&env)
        .env("EDITOR", "true")
        .args(["config", "edit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# ftpsh configuration"), "{text}");
    let out = cmd(&env).args(["config", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout_of(&out).contains(": ok ("), "{}", stdout_of(&out));
}

/// `bookmark edit NAME` runs the editor on the file as it is (never a fresh template over
/// it) and reads it back; an unknown NAME or a bad name for `add` is a usage error that
/// touches nothing.
#[test]
fn bookmark_edit_keeps_the_file_and_bad_names_are_refused() {
    let env = Env::new();
    let path = write_config(
        &env,
        "# mine\n[bookmarks.keep]\nurl = \"ftp://h.example\"\n",
    );
    let editor = "printf '[bookmarks.new]\\nurl = \"ftp://n.example\"\\n' >>";
    let out = cmd(&env)
        .env("EDITOR", editor)
        .args(["--json", "-c", "bookmark edit keep; bookmark list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let names: Vec<_> = json_of_type(&stdout_of(&out), "bookmark")
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["keep", "new"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# mine\n[bookmarks.keep]"), "{text}");
    for (line, want) in [
        (
            "bookmark edit nosuch",
            "bookmark: no bookmark 'nosuch' (bookmark add NAME creates one)",
        ),
        (
            "bookmark add 'bad name' ftp://h.example",
            "bookmark name 'bad name' must be letters, digits, '-', '_' or '.'",
        ),
    ] {
        let out = cmd(&env)
            .env("EDITOR", editor)
            .args(["-c", line])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{line}: {}", stderr_of(&out));
        assert_eq!(crate::util::error_lines(&stderr_of(&out)), [want], "{line}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{line}");
    }
}

/// The shell in a PTY, with config.toml holding one bookmark, `zebra-mirror`, at its prompt.
fn shell_with_a_bookmark(env: &Env) -> impl expectrl::Expect {
    use expectrl::Expect;
    let dir = env.home.path().join(".config/ftpsh");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[bookmarks.zebra-mirror]\nurl = \"ftp://127.0.0.1:9\"\n",
    )
    .unwrap();
    let mut p = crate::pty::spawn_shell_in(env.local.path(), Path::new(env.home.path()), &[]);
    p.expect("ftpsh> ").unwrap();
    p
}

/// Tab after `set` offers the settings table; after `open`, the bookmarks of config.toml.
#[test]
fn tab_completes_setting_names_and_bookmarks() {
    use expectrl::{ControlCode, Expect};
    let env = Env::new();
    let mut p = shell_with_a_bookmark(&env);
    p.send("set listi\t").unwrap();
    p.expect("set listing_limit ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send("set tls o\t\t").unwrap();
    p.expect("off").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send("open zeb\t").unwrap();
    p.expect("open zebra-mirror ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// `[aliases]` in config.toml are the shell's aliases from the start; a bad one stops the
/// run before anything happens (exit 2).
#[test]
fn file_aliases_expand_and_a_bad_one_is_exit_2() {
    let env = Env::new();
    env.remote_file("pub/a.txt", b"alias works\n");
    write_config(
        &env,
        &format!(
            "default = \"{}\"\n[aliases]\nshow = \"cd pub; cat a.txt\"\n",
            env.url()
        ),
    );
    let out = cmd(&env).args(["-c", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "alias works\n");

    write_config(&env, "[aliases]\nloop = \"'unbalanced\"\n");
    let out = cmd(&env).args(["-c", "lpwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).is_empty(),
        "ran anyway: {}",
        stdout_of(&out)
    );
}

/// `NAME:path` in a URL argument is the bookmark's server with that path: `get`, `ls` and
/// `cat` connect for that one command, with no default site and no URL given.
#[test]
fn bookmark_name_path_words_connect_for_get_ls_and_cat() {
    let env = Env::new();
    env.remote_file("debian/README", b"hello from debian\n");
    env.remote_file("pub/a.txt", b"file a\n");
    write_config(
        &env,
        &format!("[bookmarks.mirror]\nurl = \"{}\"\n", env.url()),
    );
    let out = cmd(&env)
        .args(["-c", "get mirror:debian/README"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(env.local("README")).unwrap(),
        b"hello from debian\n"
    );
    let out = cmd(&env)
        .args(["--json", "-c", "ls mirror:pub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let names: Vec<String> = json_of_type(&stdout_of(&out), "entry")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["a.txt"], "{}", stdout_of(&out));
    let out = cmd(&env)
        .args(["-c", "cat mirror:pub/a.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "file a\n");
    // `get -r` and `get -P` work on the open connection only, as with URLs.
    let out = cmd(&env)
        .args(["-c", "open mirror; get -r mirror:pub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out).lines().last(),
        Some("get -r works on the open connection: 'open' the server first")
    );
    // A word mixing a bookmark's server and the open connection's paths is refused.
    let out = cmd(&env)
        .args(["-c", "open mirror; cat mirror:pub/a.txt pub/a.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out).lines().last(),
        Some("cat: a mix of server paths (ftp:// URLs, BOOKMARK:path) and plain paths")
    );
}

/// A bookmark's `path` is where `NAME:path` starts: `NAME:` alone is that directory, and an
/// absolute path stands alone.
#[test]
fn bookmark_name_path_words_join_the_bookmarks_path() {
    let env = Env::new();
    env.remote_file("debian/README", b"readme\n");
    env.remote_file("debian/dists/x", b"x\n");
    env.remote_file("pub/a.txt", b"file a\n");
    write_config(
        &env,
        &format!(
            "[bookmarks.deb]\nurl = \"{}\"\npath = \"debian\"\n",
            env.url()
        ),
    );
    let out = cmd(&env)
        .args(["-c", "get deb:README; cat deb:/pub/a.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("README")).unwrap(), b"readme\n");
    assert_eq!(stdout_of(&out), "file a\n");
    let out = cmd(&env)
        .args(["--json", "-c", "ls deb:"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut names: Vec<String> = json_of_type(&stdout_of(&out), "entry")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["README", "dists"], "{}", stdout_of(&out));
}

/// A bookmark keeps the user and TLS choice: `NAME:path` logs in as that user, without TLS
/// when the bookmark says `tls = "off"` (the server offers it, and `auto` would take it),
/// unless a flag says otherwise; the password comes from FTPSH_PASSWORD, never printed.
#[test]
fn bookmark_name_path_words_use_the_bookmarks_user_and_tls() {
    let env = Env::with(crate::server::ServerOpts {
        user: Some(("alice".into(), "s3cret-Pw".into())),
        tls: true,
        ..Default::default()
    });
    env.remote_file("f.txt", b"secret file\n");
    write_config(
        &env,
        &format!(
            "[bookmarks.sec]\nurl = \"{}\"\nuser = \"alice\"\ntls = \"off\"\n",
            env.url()
        ),
    );
    for (flag, tls) in [(None, false), (Some("--tls"), true)] {
        let mut c = cmd(&env);
        c.arg("--ca-file")
            .arg(env.server.ca_file().unwrap())
            .env("FTPSH_PASSWORD", "s3cret-Pw");
        c.args(flag);
        let out = c.args(["--json", "-c", "cat sec:f.txt"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let stdout = stdout_of(&out);
        let connected = json_of_type(&stdout, "connected");
        assert_eq!(connected.len(), 1, "{stdout}");
        assert_eq!(connected[0]["user"], "alice");
        assert_eq!(connected[0]["tls"].is_object(), tls, "{flag:?}: {stdout}");
        assert!(stdout.contains("secret file"), "{stdout}");
        assert!(!stdout.contains("s3cret-Pw") && !stderr_of(&out).contains("s3cret-Pw"));
    }
    // With no bookmark saying otherwise, `auto` takes the server's TLS.
    let out = cmd(&env)
        .arg("--ca-file")
        .arg(env.server.ca_file().unwrap())
        .env("FTPSH_PASSWORD", "s3cret-Pw")
        .arg("--json")
        .arg("-c")
        .arg(format!("cat ftp://alice@{}/f.txt", &env.url()[6..]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let connected = json_of_type(&stdout_of(&out), "connected");
    assert!(connected[0]["tls"].is_object(), "{}", stdout_of(&out));
}

/// `a:b` where `a` is no bookmark is a file name, and `./NAME:x` is a path even when NAME is
/// a bookmark: both go to the open connection.
#[test]
fn colon_names_that_are_not_bookmarks_stay_paths() {
    let env = Env::new();
    env.remote_file("a:b", b"remote a:b\n");
    env.remote_file("mirror:x", b"remote mirror:x\n");
    env.local_file("c:d", b"local c:d\n");
    // The bookmark points nowhere: using it would fail the command.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    write_config(
        &env,
        &format!("[bookmarks.mirror]\nurl = \"ftp://{closed}\"\n"),
    );
    let out = env
        .run("get a:b; cat ./mirror:x; put c:d")
        .env("FTPSH_CONFIG_DIR", config_dir(&env))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(env.local("a:b")).unwrap(), b"remote a:b\n");
    assert_eq!(stdout_of(&out), "remote mirror:x\n");
    assert_eq!(std::fs::read(env.remote("c:d")).unwrap(), b"local c:d\n");
}

/// `open NAME` applies the bookmark's settings as `ftpsh NAME` does: over the file's
/// `[settings]`, under a flag or `set`; opening another server drops them, and a failed
/// `open` leaves the settings as they were.
#[test]
fn open_bookmark_applies_its_settings() {
    let env = Env::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    write_config(
        &env,
        &format!(
            "[settings]\ntimeout = 7\n\
             [bookmarks.slow]\nurl = \"{url}\"\n[bookmarks.slow.settings]\ntimeout = 17\n\
             passive = false\n\
             [bookmarks.dead]\nurl = \"ftp://{closed}\"\n[bookmarks.dead.settings]\n\
             timeout = 23\n\
             [bookmarks.nodir]\nurl = \"{url}\"\npath = \"no-such-dir\"\n\
             [bookmarks.nodir.settings]\ntimeout = 29\n",
            url = env.url()
        ),
    );
    let values = |out: &std::process::Output| -> Vec<(String, String, String)> {
        json_of_type(&stdout_of(out), "option")
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().unwrap().to_string(),
                    o["value"].as_str().unwrap().to_string(),
                    o["source"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let v = |n: &str, v: &str, s: &str| (n.to_string(), v.to_string(), s.to_string());
    let out = cmd(&env)
        .args(["--json", "-k", "-c"])
        .arg(format!(
            "set timeout; open slow; set timeout; set passive; status; open dead; set timeout; \
             open {}; set timeout; set passive; status",
            env.url()
        ))
        .output()
        .unwrap();
    // The failed `open dead` is a network failure (exit 3); -k goes on.
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert_eq!(
        values(&out),
        [
            v("timeout", "7", "file"),
            v("timeout", "17", "file"),
            v("passive", "off", "file"),
            // The failed `open dead` left slow's settings in force.
            v("timeout", "17", "file"),
            v("timeout", "7", "file"),
            v("passive", "on", "default"),
        ]
    );
    // The session uses them: active mode with the bookmark, passive again after.
    let passive: Vec<bool> = json_of_type(&stdout_of(&out), "status")
        .iter()
        .map(|s| s["passive"].as_bool().unwrap())
        .collect();
    assert_eq!(passive, [false, true], "{}", stdout_of(&out));
    // A flag and `set` beat the bookmark.
    let out = cmd(&env)
        .args(["--json", "--timeout", "9", "-c"])
        .arg("set passive on; open slow; set timeout; set passive")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        values(&out)[1..],
        [v("timeout", "9", "flag"), v("passive", "on", "set")]
    );
    // Connected, but the bookmark's directory is missing: the server's settings stay.
    let out = cmd(&env)
        .args(["--json", "-k", "-c", "open nodir; set timeout; status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert_eq!(values(&out), [v("timeout", "29", "file")]);
    let status = json_of_type(&stdout_of(&out), "status");
    assert_eq!(status[0]["connected"], true, "{}", stdout_of(&out));
}

/// Tab after `bookmark rm` and `bookmark edit` offers the bookmarks of config.toml, and
/// after `bookmark` its actions.
#[test]
fn tab_completes_bookmarks_after_bookmark_rm_and_edit() {
    use expectrl::{ControlCode, Expect};
    let env = Env::new();
    let mut p = shell_with_a_bookmark(&env);
    p.send("bookmark rm zeb\t").unwrap();
    p.expect("bookmark rm zebra-mirror ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send("bookmark edit zeb\t").unwrap();
    p.expect("bookmark edit zebra-mirror ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send("bookmark ed\t").unwrap();
    p.expect("bookmark edit ").unwrap();
    p.send(ControlCode::NegativeAcknowledge).unwrap();
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
}
