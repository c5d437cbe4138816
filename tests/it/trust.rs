//! Certificate trust beyond the CA roots: the first-use prompt in a terminal, known_hosts,
//! `--pin` (and a bookmark's `pin`), `trust list`/`trust rm`, and batch runs that never ask.
//! The in-process libunftp server presents a certificate signed by a CA ftpsh does not know
//! (or, where said, a self-signed CA certificate); one run against vsftpd checks that a
//! pinned certificate works where data connections must resume the control session.

use std::path::{Path, PathBuf};

use expectrl::{Eof, Expect, Regex};

use crate::server::ServerOpts;
use crate::util::{Env, pattern, stderr_of, stdout_of};

/// `sha256:HEX` of the first certificate in a PEM file, computed here independently of ftpsh.
fn fingerprint_of(pem: &Path) -> String {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let der = CertificateDer::pem_file_iter(pem)
        .expect("read PEM")
        .next()
        .expect("a certificate")
        .expect("PEM");
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der.as_ref());
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn tls_env() -> Env {
    Env::with(ServerOpts {
        tls: true,
        ..Default::default()
    })
}

fn server_fp(env: &Env) -> String {
    fingerprint_of(env.server.cert_file().unwrap())
}

fn known_hosts(env: &Env) -> PathBuf {
    env.home.path().join("data").join("known_hosts")
}

fn write_known_hosts(env: &Env, text: &str) {
    let p = known_hosts(env);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `ftpsh ARGS URL -c CMDS` against the test server.
fn run(env: &Env, args: &[&str], cmds: &str) -> std::process::Output {
    env.cmd()
        .args(args)
        .arg(env.url())
        .args(["-c", cmds])
        .output()
        .unwrap()
}

/// A fingerprint that is no certificate's.
const OTHER_FP: &str = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn batch_run_refuses_an_unknown_certificate_with_its_fingerprint_and_saves_nothing() {
    let env = tls_env();
    env.remote_file("f.txt", b"x");
    let out = run(&env, &["--tls"], "ls");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    let fp = server_fp(&env);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].contains(&format!("--pin {fp}")), "{err}");
    assert!(err.contains("not signed by an authority"), "{err}");
    assert!(err.contains("--ca-file"), "the CA advice stays: {err}");
    assert!(!known_hosts(&env).exists(), "batch mode wrote known_hosts");
    assert!(!stdout_of(&out).contains("f.txt"));
}

#[test]
fn pinned_certificate_lists_and_downloads_byte_identical() {
    let env = tls_env();
    let data = pattern(300_000, 7);
    env.remote_file("big.bin", &data);
    let fp = server_fp(&env);
    let out = run(&env, &["--tls", "--pin", &fp], "ls; get big.bin");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("big.bin"));
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), data);
    assert!(!known_hosts(&env).exists(), "--pin wrote known_hosts");
}

#[test]
fn several_pins_comma_separated_accept_any_of_them() {
    let env = tls_env();
    env.remote_file("f.txt", b"pinned");
    let pins = format!("{OTHER_FP},{}", server_fp(&env));
    let out = run(&env, &["--tls", "--pin", &pins], "cat f.txt");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "pinned");
}

#[test]
fn wrong_pin_is_refused_even_when_a_ca_vouches_or_with_insecure() {
    let env = tls_env();
    let out = env
        .cmd()
        .args(["--tls", "--pin", OTHER_FP, "--ca-file"])
        .arg(env.server.ca_file().unwrap())
        .arg(env.url())
        .args(["-c", "ls"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.contains(&server_fp(&env)), "{err}");
    assert!(err.contains(OTHER_FP), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // --insecure checks nothing else, but a pin still holds.
    let out = run(&env, &["--tls", "--insecure", "--pin", OTHER_FP], "ls");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.contains("which is not pinned (--pin:"), "{err}");
}

/// Workers of `get -P` open connections of their own: they pass on the fingerprint too.
#[test]
fn parallel_workers_pass_with_a_known_hosts_certificate() {
    let env = tls_env();
    let a = pattern(200_000, 1);
    let b = pattern(200_000, 2);
    env.remote_file("a.bin", &a);
    env.remote_file("b.bin", &b);
    let port = env.server.port();
    write_known_hosts(&env, &format!("127.0.0.1 {port} {}\n", server_fp(&env)));
    let out = run(&env, &["-q", "--tls"], "get -P 2 a.bin b.bin");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    // A worker that cannot log in is a warning (and the shell's connection does its jobs).
    assert_eq!(stderr_of(&out), "", "every worker logged in");
    assert_eq!(std::fs::read(env.local("a.bin")).unwrap(), a);
    assert_eq!(std::fs::read(env.local("b.bin")).unwrap(), b);
}

#[test]
fn bad_pin_syntax_is_a_one_line_usage_error() {
    let env = tls_env();
    for bad in ["sha256:abc", "md5:00", "00112233", &format!("{OTHER_FP},")] {
        let out = run(&env, &["--tls", "--pin", bad], "ls");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(err.contains("--pin: bad fingerprint"), "{bad}: {err}");
    }
}

#[test]
fn known_hosts_entry_connects_silently() {
    let env = tls_env();
    env.remote_file("f.txt", b"known");
    let port = env.server.port();
    write_known_hosts(&env, &format!("127.0.0.1 {port} {}\n", server_fp(&env)));
    let out = run(&env, &["-q", "--tls"], "cat f.txt");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "known");
    assert_eq!(stderr_of(&out), "", "a known certificate passes silently");
}

/// Two servers, each with its own certificate and its own known_hosts line, in one session:
/// each is checked against its own line (a TLS configuration built for the first server
/// must not be reused for the second, or the second's certificate meets the first's entry).
#[test]
fn each_server_of_a_session_is_checked_against_its_own_known_hosts_entry() {
    let env = tls_env();
    let other = tls_env();
    env.remote_file("a.txt", b"first");
    other.remote_file("b.txt", b"second");
    assert_ne!(server_fp(&env), server_fp(&other), "two certificates");
    write_known_hosts(
        &env,
        &format!(
            "127.0.0.1 {} {}\n127.0.0.1 {} {}\n",
            env.server.port(),
            server_fp(&env),
            other.server.port(),
            server_fp(&other)
        ),
    );
    let cmds = format!(
        "cat a.txt; open {}; cat b.txt; open {}; cat a.txt",
        other.url(),
        env.url()
    );
    let out = run(&env, &["-q", "--tls"], &cmds);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "firstsecondfirst");
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn changed_certificate_is_refused_naming_both_fingerprints() {
    let env = tls_env();
    let port = env.server.port();
    write_known_hosts(&env, &format!("127.0.0.1 {port} {OTHER_FP}\n"));
    // Refused even though the CA given with --ca-file vouches for the new certificate.
    for extra in [
        vec![],
        vec![
            "--ca-file".to_string(),
            env.server.ca_file().unwrap().display().to_string(),
        ],
    ] {
        let out = env
            .cmd()
            .arg("--tls")
            .args(&extra)
            .arg(env.url())
            .args(["-c", "ls"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(7), "{extra:?}: {err}");
        assert!(err.contains("CHANGED"), "{err}");
        assert!(err.contains(OTHER_FP), "old one: {err}");
        assert!(err.contains(&server_fp(&env)), "new one: {err}");
        assert!(err.contains("'trust rm 127.0.0.1'"), "{err}");
    }
    // Nothing was changed in the file.
    assert_eq!(
        std::fs::read_to_string(known_hosts(&env)).unwrap(),
        format!("127.0.0.1 {port} {OTHER_FP}\n")
    );
}

#[test]
fn trust_list_and_rm_work_without_a_connection() {
    let env = tls_env();
    let fp = server_fp(&env);
    write_known_hosts(
        &env,
        &format!("# mine\nexample.org 21 {fp}\nexample.org 990 {OTHER_FP}\n127.0.0.1 2121 {fp}\n"),
    );
    let out = env.cmd().args(["-c", "trust list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!("example.org 21 {fp}\nexample.org 990 {OTHER_FP}\n127.0.0.1 2121 {fp}\n")
    );
    assert!(
        !stderr_of(&out).contains("no trusted"),
        "{}",
        stderr_of(&out)
    );

    let out = env
        .cmd()
        .args(["--json", "-c", "trust list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let listed = crate::util::json_of_type(&stdout_of(&out), "trusted");
    assert_eq!(listed.len(), 3, "{}", stdout_of(&out));
    assert_eq!(listed[1]["host"], "example.org");
    assert_eq!(listed[1]["port"], 990);
    assert_eq!(listed[1]["fingerprint"], OTHER_FP);
    assert_eq!(listed[1]["action"], "listed");

    // HOST:PORT removes that one entry only; the comment stays.
    let out = env
        .cmd()
        .args(["--json", "-c", "trust rm example.org:990"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let removed = crate::util::json_of_type(&stdout_of(&out), "trusted");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["action"], "removed");
    assert_eq!(
        std::fs::read_to_string(known_hosts(&env)).unwrap(),
        format!("# mine\nexample.org 21 {fp}\n127.0.0.1 2121 {fp}\n")
    );
    // HOST alone removes every port's.
    let out = env
        .cmd()
        .args(["-c", "trust rm EXAMPLE.org"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&format!("removed example.org 21 {fp}")));
    assert_eq!(
        std::fs::read_to_string(known_hosts(&env)).unwrap(),
        format!("# mine\n127.0.0.1 2121 {fp}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(known_hosts(&env))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let out = env
        .cmd()
        .args(["-c", "trust rm example.org"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        err,
        format!(
            "trust: no certificate of example.org in {}\n",
            known_hosts(&env).display()
        )
    );

    // With nothing left, the text list says so on stderr (stdout stays empty); --json
    // prints no entry and no message.
    let out = env
        .cmd()
        .args(["-c", "trust rm 127.0.0.1; trust list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    let want = format!(
        "trust: no trusted certificates in {}",
        known_hosts(&env).display()
    );
    assert_eq!(err.lines().last(), Some(want.as_str()), "{err}");
    let out = env
        .cmd()
        .args(["--json", "-c", "trust list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    // Only the stream's header object.
    let stdout = stdout_of(&out);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with(r#"{"type":"ftpsh""#), "{stdout}");
    assert!(
        !stderr_of(&out).contains("no trusted"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn malformed_known_hosts_line_is_a_warning_naming_file_and_line() {
    let env = tls_env();
    env.remote_file("f.txt", b"still works");
    let port = env.server.port();
    write_known_hosts(
        &env,
        &format!(
            "# c\nthis is not an entry\n127.0.0.1 {port} {}\n",
            server_fp(&env)
        ),
    );
    let out = run(&env, &["-q", "--tls"], "cat f.txt");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout_of(&out), "still works");
    let want = format!(
        "ftpsh: warning: {}:2: not 'HOST PORT sha256:HEX'; line ignored\n",
        known_hosts(&env).display()
    );
    assert_eq!(err, want);
}

#[test]
fn bookmark_pin_holds_for_its_server() {
    let env = tls_env();
    env.remote_file("f.txt", b"bm");
    let config = env.home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let write = |pin: &str| {
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[bookmarks.s]\nurl = \"{}\"\ntls = \"on\"\npin = \"{pin}\"\n",
                env.url()
            ),
        )
        .unwrap()
    };
    write(&server_fp(&env));
    let out = env
        .cmd()
        .env("FTPSH_CONFIG_DIR", &config)
        .args(["s", "-c", "cat f.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "bm");

    write(OTHER_FP);
    let out = env
        .cmd()
        .env("FTPSH_CONFIG_DIR", &config)
        .args(["s", "-c", "cat f.txt"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.contains("the pin of bookmark s"), "{err}");

    // A pin removed in the session (the bookmark written again without it) no longer
    // holds for the next connection; with the wrong one it did.
    let out = env
        .cmd()
        .env("FTPSH_CONFIG_DIR", &config)
        .args([
            "-c",
            &format!(
                "bookmark rm s; bookmark add s {}; open s; cat f.txt",
                env.url()
            ),
        ])
        .args(["--tls", "--ca-file"])
        .arg(env.server.ca_file().unwrap())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout_of(&out), "bm");

    write("sha256:nothex");
    let out = env
        .cmd()
        .env("FTPSH_CONFIG_DIR", &config)
        .args(["s", "-c", "cat f.txt"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("config.toml:4:"), "{err}");
    assert!(err.contains("pin: bad fingerprint"), "{err}");
}

/// The prompt in a terminal, answered "always": the entry is saved (and the data connection
/// of `get` passes with it), and a batch run afterwards connects without a word.
#[test]
fn first_use_prompt_answered_always_saves_the_certificate() {
    let env = tls_env();
    let data = pattern(100_000, 3);
    env.remote_file("f.bin", &data);
    let fp = server_fp(&env);
    let port = env.server.port();
    let mut p = crate::pty::spawn_shell(&env, &["--tls", &env.url()]);
    p.expect(format!(
        "The TLS certificate of 127.0.0.1:{port} is not trusted"
    ))
    .unwrap();
    p.expect("subject:     CN=localhost").unwrap();
    p.expect("issuer:      CN=ftpsh test CA").unwrap();
    p.expect(format!("fingerprint: {fp}")).unwrap();
    p.expect("Trust it? [o]nce (this run), [a]lways").unwrap();
    p.send_line("always").unwrap();
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("get f.bin").unwrap();
    p.expect("get: f.bin: 100000 bytes").unwrap();
    p.expect(Regex(r":/> ")).unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    assert_eq!(std::fs::read(env.local("f.bin")).unwrap(), data);
    let text = std::fs::read_to_string(known_hosts(&env)).unwrap();
    let entries: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(entries, [format!("127.0.0.1 {port} {fp}")]);

    let out = run(&env, &["-q", "--tls"], "ls");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");
    assert!(stdout_of(&out).contains("f.bin"));
}

/// "once": trusted for this shell (a second `open` does not ask again), never saved.
#[test]
fn first_use_prompt_answered_once_trusts_for_this_run_only() {
    let env = tls_env();
    env.remote_file("f.txt", b"x");
    let mut p = crate::pty::spawn_shell(&env, &["--tls", &env.url()]);
    p.expect("Trust it? [o]nce").unwrap();
    p.send_line("o").unwrap();
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("ls; open").unwrap();
    p.expect("f.txt").unwrap();
    // `open` alone logs in again: the prompt comes back without a question (were it asked,
    // the shell would wait for an answer and the prompt would never come).
    let again = p
        .expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    let between = String::from_utf8_lossy(again.before()).into_owned();
    assert!(!between.contains("Trust it?"), "asked again: {between}");
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    assert!(!known_hosts(&env).exists(), "'once' was saved");
}

/// "no" (or Enter): not trusted, an error in the shell, nothing saved; `open` asks again.
#[test]
fn first_use_prompt_answered_no_connects_nowhere_and_open_asks_again() {
    let env = tls_env();
    let mut p = crate::pty::spawn_shell(&env, &["--tls", &env.url()]);
    p.expect("Trust it? [o]nce").unwrap();
    p.send_line("").unwrap();
    p.expect("is not trusted").unwrap();
    p.expect("ftpsh> ").unwrap();
    // `open` typed in the shell asks again; "once" then connects.
    p.send_line(format!("open {}", env.url())).unwrap();
    p.expect("Trust it? [o]nce").unwrap();
    p.send_line("once").unwrap();
    p.expect(Regex(r"ftpsh anonymous@127\.0\.0\.1:\d+:/> "))
        .unwrap();
    p.send_line("bye").unwrap();
    p.expect(Eof).unwrap();
    assert!(!known_hosts(&env).exists());
}

#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_pinned_certificate_put_and_get_resume_the_session() {
    use crate::interop::{Client, Loopback, VSFTPD_PASSWORD, VSFTPD_USER, read, run, tls_vsftpd};
    let server = tls_vsftpd();
    let fp = fingerprint_of(&server.tls.as_ref().unwrap().cert_pem);
    let client = Client::new();
    let contents = pattern(2 * 1024 * 1024, 11);
    std::fs::write(client.path("up.bin"), &contents).unwrap();
    let mut cmd = client.ftpsh(&[
        "--tls",
        "--pin",
        &fp,
        "-u",
        VSFTPD_USER,
        &server.url(),
        "-c",
        "put up.bin; get -o back.bin up.bin",
    ]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    run(cmd, &server.log).success();
    assert_eq!(read(&server.local_root.join("up.bin")), contents);
    assert_eq!(read(&client.path("back.bin")), contents);
}

/// known_hosts that cannot be read (here a directory) is a warning: a run that needs no
/// certificate trust goes on.
#[test]
fn unreadable_known_hosts_is_a_warning_not_a_failure() {
    let env = Env::new();
    env.remote_file("f.txt", b"plain");
    std::fs::create_dir_all(known_hosts(&env)).unwrap();
    let out = env.run("cat f.txt").arg("-q").output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout_of(&out), "plain");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ftpsh: warning: "), "{err}");
    assert!(err.contains("known_hosts"), "{err}");
}

/// Implicit FTPS (`ftps://`): the TLS connection is suppaftp's own, through the same
/// verifier; a pinned certificate passes there too, and the wrong pin is refused.
#[test]
#[cfg_attr(
    ftpsh_skip_vsftpd_login,
    ignore = "vsftpd not installed, not root, or no user ftpsh-test"
)]
fn vsftpd_implicit_ftps_honours_the_pin() {
    use crate::interop::{
        Client, VSFTPD_PASSWORD, VSFTPD_USER, Vsftpd, VsftpdOptions, read, run, vsftpd_with_user,
    };
    let (bin, user) = vsftpd_with_user();
    let server = Vsftpd::start(
        &bin,
        Some(user),
        VsftpdOptions {
            tls: true,
            implicit: true,
            ..Default::default()
        },
    );
    let fp = fingerprint_of(&server.tls.as_ref().unwrap().cert_pem);
    let client = Client::new();
    std::fs::write(client.path("imp.txt"), b"implicit pinned\n").unwrap();
    let url = format!("ftps://{VSFTPD_USER}@127.0.0.1:{}", server.port);
    let mut cmd = client.ftpsh(&[
        "--pin",
        &fp,
        &url,
        "-c",
        "put imp.txt; get -o back.txt imp.txt",
    ]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    run(cmd, &server.log).success();
    assert_eq!(read(&client.path("back.txt")), b"implicit pinned\n");

    let mut cmd = client.ftpsh(&["--pin", OTHER_FP, &url, "-c", "pwd"]);
    cmd.env("FTPSH_PASSWORD", VSFTPD_PASSWORD);
    let out = run(cmd, &server.log);
    out.expect_code(7);
    assert!(out.stderr.contains(&fp), "{}", out.stderr);
    assert!(out.stderr.contains("which is not pinned"), "{}", out.stderr);
}

/// A pinned or known server that does not offer TLS (FEAT without AUTH, or AUTH refused, as
/// a man in the middle would arrange) is refused, exit 7, before any password goes out;
/// without the pin, `auto` logs in in clear with a warning as before. Anonymous sessions are
/// held to the pin too (`auto` would not try TLS for them at all).
#[test]
fn a_pinned_or_known_server_without_tls_is_refused_before_the_password() {
    use crate::fake::{FakeServer, fallback};
    let server = FakeServer::start(fallback);
    let port = server.port();
    let env = Env::new();
    for (user, known) in [(Some("alice"), false), (None, false), (Some("alice"), true)] {
        let mut cmd = env.cmd();
        cmd.env("FTPSH_PASSWORD", "secret");
        if let Some(u) = user {
            cmd.args(["-u", u]);
        }
        if known {
            write_known_hosts(&env, &format!("127.0.0.1 {port} {OTHER_FP}\n"));
        } else {
            cmd.args(["--pin", OTHER_FP]);
        }
        let before = server.commands().len();
        let out = cmd
            .arg(server.url())
            .args(["--timeout", "5", "--retries", "0", "-c", "ls"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(7), "{user:?} known={known}: {err}");
        assert!(err.contains("the server refused TLS"), "{err}");
        let sent = &server.commands()[before..];
        assert!(sent.iter().any(|c| c == "AUTH TLS"), "{sent:?}");
        assert!(
            !sent
                .iter()
                .any(|c| c.starts_with("PASS") || c.starts_with("USER")),
            "{sent:?}"
        );
        let _ = std::fs::remove_file(known_hosts(&env));
    }
    // The same server without a pin: a warning and a clear-text login, as before.
    let out = env
        .cmd()
        .env("FTPSH_PASSWORD", "secret")
        .args(["-u", "alice"])
        .arg(server.url())
        .args(["--timeout", "5", "--retries", "0", "-c", "pwd"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("does not offer TLS"));
}
