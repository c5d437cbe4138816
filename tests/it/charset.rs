//! File names that are not UTF-8 (issue 12): a Shift-JIS server read with `charset =
//! "shift_jis"`, and a Latin-1 name on a server read as UTF-8, listed, completed with Tab and
//! downloaded by name, the server's bytes sent back exactly.

use expectrl::{ControlCode, Expect};

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::pty::spawn_shell;
use crate::util::{Env, json_of_type, stderr_of, stdout_of, wait_until};

/// 日本語.txt in Shift-JIS.
const SJIS_NAME: &[u8] = b"\x93\xfa\x96\x7b\x8c\xea.txt";
/// café.txt in Latin-1: not UTF-8.
const LATIN1_NAME: &[u8] = b"caf\xe9.txt";

/// A server whose listing holds `name` (raw bytes) and whose RETR of any name sends `body`.
fn server(name: &'static [u8], body: &'static [u8]) -> FakeServer {
    FakeServer::start(move |c| match verb(c).as_str() {
        "LIST" => {
            let mut line = format!("-rw-r--r-- 1 u g {} Jan 01  2024 ", body.len()).into_bytes();
            line.extend_from_slice(name);
            line.extend_from_slice(b"\r\n");
            Action::Data {
                preliminary: "150 Here comes the listing".into(),
                data: line,
                cut: false,
                then: "226 Done".into(),
            }
        }
        "SIZE" => Action::Reply(format!("213 {}", body.len())),
        "RETR" => Action::Data {
            preliminary: "150 Sending".into(),
            data: body.to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    })
}

fn config(env: &Env, charset: &str) -> String {
    let path = env.home.path().join("charset.toml");
    std::fs::write(&path, format!("[settings]\ncharset = \"{charset}\"\n")).unwrap();
    path.display().to_string()
}

fn retr_bytes(server: &FakeServer) -> Vec<Vec<u8>> {
    server
        .raw_commands()
        .into_iter()
        .filter(|c| c.starts_with(b"RETR "))
        .map(|c| c[5..].to_vec())
        .collect()
}

#[test]
fn shift_jis_names_are_listed_decoded_and_fetched_by_name() {
    let server = server(SJIS_NAME, b"konnichiwa");
    let env = Env::new();
    let cfg = config(&env, "shift_jis");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "--json", "-c", "ls"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let entries = json_of_type(&stdout_of(&out), "entry");
    assert_eq!(entries[0]["name"], "日本語.txt", "{entries:?}");
    assert!(entries[0].get("name_bytes").is_none());

    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "get 日本語.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(retr_bytes(&server), vec![SJIS_NAME.to_vec()]);
    assert_eq!(
        std::fs::read(env.local("日本語.txt")).unwrap(),
        b"konnichiwa"
    );
}

#[test]
fn set_charset_applies_to_the_open_connection() {
    let server = server(SJIS_NAME, b"konnichiwa");
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            &server.url(),
            "-c",
            "set charset shift_jis; ls; get 日本語.txt",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "日本語.txt\n");
    assert_eq!(retr_bytes(&server), vec![SJIS_NAME.to_vec()]);
    assert_eq!(
        std::fs::read(env.local("日本語.txt")).unwrap(),
        b"konnichiwa"
    );
}

#[test]
fn undecodable_bytes_show_escaped_and_go_back_to_the_server_unchanged() {
    let server = server(LATIN1_NAME, b"coffee");
    let env = Env::new();
    // Text: the byte as \xE9, one line.
    let out = env
        .cmd()
        .args([&server.url(), "-c", "ls"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "caf\\xE9.txt\n");
    // JSON: the escaped name and the exact bytes.
    let out = env
        .cmd()
        .args([&server.url(), "--json", "-c", "ls"])
        .output()
        .unwrap();
    let entries = json_of_type(&stdout_of(&out), "entry");
    assert_eq!(entries[0]["name"], "caf\\xE9.txt");
    assert_eq!(entries[0]["name_bytes"], "Y2Fm6S50eHQ=");
    // A glob matches the name; RETR sends its bytes; the local name has %E9, not the byte.
    let out = env
        .cmd()
        .args([&server.url(), "-c", "get caf*"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(retr_bytes(&server), vec![LATIN1_NAME.to_vec()]);
    assert_eq!(std::fs::read(env.local("caf%E9.txt")).unwrap(), b"coffee");
    // The same name read as Latin-1 is café.txt.
    let cfg = config(&env, "latin1");
    let out = env
        .cmd()
        .args([&server.url(), "--config", &cfg, "-c", "ls; get café.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "café.txt\n");
    assert_eq!(retr_bytes(&server)[1], LATIN1_NAME.to_vec());
    assert_eq!(std::fs::read(env.local("café.txt")).unwrap(), b"coffee");
}

#[test]
fn a_bad_charset_is_a_usage_error() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["-c", "set charset klingon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("'klingon' is not a character set"), "{err}");
}

/// Tab completes a Shift-JIS name from the listing, and the completed `get` fetches it.
#[test]
fn tab_completes_a_shift_jis_name_and_get_fetches_it() {
    let server = server(SJIS_NAME, b"konnichiwa");
    let env = Env::new();
    let cfg = config(&env, "shift_jis");
    let mut p = spawn_shell(&env, &[&server.url(), "--config", &cfg]);
    p.expect("> ").unwrap();
    p.send("get 日").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    p.expect("日本語.txt").unwrap();
    p.send("\r").unwrap();
    // State, not time: the file on disk.
    let target = env.local("日本語.txt");
    wait_until("日本語.txt after Tab and Enter", || {
        std::fs::read(&target).is_ok_and(|b| b == b"konnichiwa")
    });
    assert_eq!(retr_bytes(&server), vec![SJIS_NAME.to_vec()]);
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// Tab offers a name with an undecodable byte too, and the completed `get` sends the byte.
#[test]
fn tab_completes_a_name_with_an_undecodable_byte() {
    let server = server(LATIN1_NAME, b"coffee");
    let env = Env::new();
    let mut p = spawn_shell(&env, &[&server.url()]);
    p.expect("> ").unwrap();
    p.send("get ca").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    p.expect(".txt ").unwrap();
    p.send("\r").unwrap();
    let target = env.local("caf%E9.txt");
    wait_until("caf%E9.txt after Tab and Enter", || {
        std::fs::read(&target).is_ok_and(|b| b == b"coffee")
    });
    assert_eq!(retr_bytes(&server), vec![LATIN1_NAME.to_vec()]);
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// The charset is per host: a bookmark's settings give it to that server only.
#[test]
fn a_bookmark_gives_its_server_a_charset_of_its_own() {
    let server = server(SJIS_NAME, b"konnichiwa");
    let env = Env::new();
    let path = env.home.path().join("bm.toml");
    std::fs::write(
        &path,
        format!(
            "[bookmarks.jp]\nurl = \"{}\"\n[bookmarks.jp.settings]\ncharset = \"shift_jis\"\n",
            server.url()
        ),
    )
    .unwrap();
    let cfg = path.display().to_string();
    let out = env
        .cmd()
        .args(["--config", &cfg, "jp", "-c", "ls"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "日本語.txt\n");
    // The same server by URL, without the bookmark: UTF-8, the bytes escaped.
    let out = env
        .cmd()
        .args(["--config", &cfg, &server.url(), "-c", "ls"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "\\x93\\xFA\\x96{\\x8C\\xEA.txt\n");
}
