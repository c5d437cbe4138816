//! `--json`: every command's NDJSON output against the documented schema (README "For
//! programs"), hostile names carried intact in JSON and cleaned in text, errors as objects.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::Value;

use crate::util::{Env, json_lines, json_of_type, pattern, stderr_of, stdout_of};

/// A field's JSON shape in the schema.
#[derive(Clone, Copy, Debug)]
enum F {
    Str,
    Int,
    Num,
    Bool,
    OptStr,
    OptInt,
    OptBool,
    /// An array of strings.
    Strs,
    /// An array of objects (checked by the caller).
    Objs,
    /// An object or null (checked by the caller).
    OptObj,
}

/// The documented schema: for each `type`, its `data` fields. A field marked `?` may be
/// absent (it is left out when empty); every other field is always present.
fn schema() -> BTreeMap<&'static str, Vec<(&'static str, F)>> {
    use F::*;
    let tls = OptObj;
    BTreeMap::from([
        ("ftpsh", vec![("schema", Int), ("version", Str)]),
        (
            "connected",
            vec![
                ("host", Str),
                ("port", Int),
                ("user", Str),
                ("tls", tls),
                ("welcome", OptStr),
                ("directory", Str),
            ],
        ),
        ("closed", vec![("host", OptStr)]),
        ("bye", vec![("exit", Int)]),
        (
            "status",
            vec![
                ("connected", Bool),
                ("host", OptStr),
                ("user", OptStr),
                ("tls", tls),
                ("remote_directory", OptStr),
                ("login_directory", OptStr),
                ("local_directory", Str),
                ("passive", Bool),
                ("epsv", OptBool),
                ("transfer_type", Str),
            ],
        ),
        ("features", vec![("features", Objs)]),
        (
            "reply",
            vec![("command", Str), ("code", Int), ("text", Str)],
        ),
        (
            "setting",
            vec![("name", Str), ("value", Str), ("changed", Bool)],
        ),
        (
            "option",
            vec![
                ("name", Str),
                ("value", Str),
                ("source", Str),
                ("default", Str),
                ("doc", Str),
                ("changed", Bool),
            ],
        ),
        (
            "bookmark",
            vec![
                ("name", Str),
                ("url", Str),
                ("user?", Str),
                ("path?", Str),
                ("action", Str),
            ],
        ),
        (
            "trusted",
            vec![
                ("host", Str),
                ("port", Int),
                ("fingerprint", Str),
                ("action", Str),
            ],
        ),
        ("pwd", vec![("path", Str)]),
        ("cwd", vec![("path", Str)]),
        ("local_dir", vec![("path", Str), ("changed", Bool)]),
        (
            "entry",
            vec![
                ("path", OptStr),
                ("name", Str),
                ("name_bytes?", Str),
                ("type", OptStr),
                ("size", OptInt),
                ("modified", OptStr),
                ("permissions", OptStr),
                ("target", OptStr),
                ("line?", Str),
                ("local?", Bool),
            ],
        ),
        (
            "done",
            vec![
                ("command", Str),
                ("path", Str),
                ("to?", Str),
                ("mode?", Str),
            ],
        ),
        (
            "usage",
            vec![
                ("path", Str),
                ("bytes", Int),
                ("files", Int),
                ("dirs", Int),
                ("links", Int),
                ("skipped", Int),
            ],
        ),
        (
            "found",
            vec![
                ("path", Str),
                ("type", Str),
                ("size", OptInt),
                ("modified", OptStr),
            ],
        ),
        ("size", vec![("path", Str), ("bytes", Int)]),
        ("modtime", vec![("path", Str), ("time", Str)]),
        (
            "data",
            vec![
                ("path", Str),
                ("offset", Int),
                ("text?", Str),
                ("bytes?", Str),
            ],
        ),
        (
            "transfer",
            vec![
                ("command", Str),
                ("direction", Str),
                ("remote", Str),
                ("local", Str),
                ("bytes", Int),
                ("seconds", Num),
                ("rate", Num),
                ("resumed_from", Int),
                ("verified", Strs),
                ("outcome", Str),
            ],
        ),
        (
            "summary",
            vec![
                ("command", Str),
                ("files", Int),
                ("done", Int),
                ("skipped", Int),
                ("failed", Int),
                ("bytes", Int),
                ("seconds", Num),
                ("dirs_made", Int),
                ("deleted", Int),
            ],
        ),
        (
            "step",
            vec![
                ("command", Str),
                ("action", Str),
                ("path", Str),
                ("reason", OptStr),
                ("dry_run", Bool),
                ("text", Str),
            ],
        ),
        ("shell", vec![("command", Str), ("status", OptInt)]),
        ("aliases", vec![("aliases", Objs)]),
        ("history", vec![("entries", Objs)]),
        ("echo", vec![("text", Str)]),
        (
            "help",
            vec![("command?", Str), ("commands?", Objs), ("text", Str)],
        ),
        (
            "error",
            vec![
                ("command", OptStr),
                ("target", OptStr),
                ("code", OptInt),
                ("reply", OptStr),
                ("exit", Int),
                ("message", Str),
            ],
        ),
    ])
}

fn shape_ok(v: &Value, f: F) -> bool {
    match f {
        F::Str => v.is_string(),
        F::Int => v.is_u64() || v.is_i64(),
        F::Num => v.is_number(),
        F::Bool => v.is_boolean(),
        F::OptStr => v.is_null() || v.is_string(),
        F::OptInt => v.is_null() || v.is_u64() || v.is_i64(),
        F::OptBool => v.is_null() || v.is_boolean(),
        F::Strs => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        F::Objs => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        F::OptObj => v.is_null() || v.is_object(),
    }
}

/// Check one NDJSON line against the schema: a known type, every field it must have with
/// the right shape, and no field the schema does not document.
fn check_line(line: &Value) {
    let schema = schema();
    let obj = line
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    assert_eq!(
        obj.keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([&"data".to_string(), &"type".to_string()]),
        "{line}"
    );
    let kind = line["type"].as_str().unwrap();
    let fields = schema
        .get(kind)
        .unwrap_or_else(|| panic!("undocumented type {kind:?}: {line}"));
    let data = line["data"]
        .as_object()
        .unwrap_or_else(|| panic!("data is not an object: {line}"));
    let mut known = BTreeSet::new();
    for (name, shape) in fields {
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*name, false),
        };
        known.insert(name.to_string());
        match data.get(name) {
            Some(v) => assert!(
                shape_ok(v, *shape),
                "{kind}.{name} is not {shape:?}: {line}"
            ),
            None => assert!(optional, "{kind} lacks {name}: {line}"),
        }
    }
    for key in data.keys() {
        assert!(
            known.contains(key),
            "undocumented field {kind}.{key}: {line}"
        );
    }
    if let Some(tls) = data.get("tls").filter(|t| t.is_object()) {
        for (k, f) in [
            ("implicit", F::Bool),
            ("version", F::OptStr),
            ("cipher", F::OptStr),
        ] {
            assert!(shape_ok(&tls[k], f), "tls.{k}: {line}");
        }
    }
}

/// `ftpsh URL --json -k -c LINE`: every stdout line checked against the schema; returns the
/// lines after the header and the `connected` object (the command's own output).
fn run_json(env: &Env, line: &str) -> (Vec<Value>, std::process::Output) {
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-k", "-c", line])
        .output()
        .unwrap();
    let lines = json_lines(&stdout_of(&out));
    for l in &lines {
        check_line(l);
    }
    assert_eq!(lines[0]["type"], "ftpsh", "{line}: {lines:?}");
    assert_eq!(lines[0]["data"]["schema"], 1);
    assert_eq!(lines[1]["type"], "connected", "{line}: {lines:?}");
    (lines[2..].to_vec(), out)
}

fn types(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["type"].as_str().unwrap().to_string())
        .collect()
}

/// Every command in `help` is run with `--json` against the in-process server, and every line
/// it writes follows the documented schema; each command's output has the type the README
/// gives it. A command added to the table without a case here fails the test.
#[test]
fn every_command_writes_schema_json() {
    let env = Env::new();
    env.remote_file("f.txt", b"hello\n");
    env.remote_file("sub/inner.txt", b"x");
    env.local_file("up.txt", b"up!");
    std::fs::create_dir(env.local("ldir")).unwrap();
    // One trusted certificate for `trust list` (see tests/it/trust.rs for the rest).
    std::fs::create_dir_all(env.home.path().join("data")).unwrap();
    std::fs::write(
        env.home.path().join("data/known_hosts"),
        "h.example 21 sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let url = env.url();
    let open = format!("open {url}");
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("open", &open, vec!["connected"]),
        ("user", "user anonymous x", vec!["connected"]),
        ("close", "close", vec!["closed"]),
        ("bye", "bye 3", vec!["bye"]),
        ("status", "status", vec!["status"]),
        ("features", "features", vec!["features"]),
        ("quote", "quote NOOP", vec!["reply"]),
        ("site", "site HELP", vec!["reply"]),
        ("debug", "debug off", vec!["setting"]),
        ("pwd", "pwd", vec!["pwd"]),
        ("cd", "cd sub", vec!["cwd"]),
        ("cdup", "cd sub; cdup", vec!["cwd", "cwd"]),
        ("lcd", "lcd ldir", vec!["local_dir"]),
        ("lpwd", "lpwd", vec!["local_dir"]),
        ("lls", "lls", vec!["entry", "entry"]),
        ("shell", "!echo not-json", vec!["shell"]),
        ("ls", "ls", vec!["entry", "entry"]),
        ("dir", "dir", vec!["entry", "entry"]),
        ("nlist", "nlist", vec!["entry", "entry"]),
        ("mkdir", "mkdir -p new/deep", vec!["done"]),
        ("rmdir", "mkdir gone; rmdir gone", vec!["done", "done"]),
        ("rm", "put up.txt; rm up.txt", vec!["transfer", "done"]),
        (
            "mv",
            "put up.txt; mv up.txt moved.txt",
            vec!["transfer", "done"],
        ),
        ("size", "size f.txt", vec!["size"]),
        ("modtime", "modtime f.txt", vec!["modtime"]),
        // libunftp offers no checksums: the refusal is an error object (tests/it/checksum.rs
        // checks the `checksum` objects against proftpd).
        ("hash", "hash f.txt", vec!["error"]),
        ("chmod", "chmod 644 f.txt", vec!["done"]),
        ("cat", "cat f.txt", vec!["data", "transfer"]),
        ("du", "du sub", vec!["usage"]),
        ("find", "find sub", vec!["found", "found"]),
        ("binary", "binary", vec!["setting"]),
        ("ascii", "ascii", vec!["setting"]),
        ("type", "type", vec!["setting"]),
        ("passive", "passive on", vec!["setting"]),
        ("set", "set timeout 5", vec!["option"]),
        ("unset", "unset timeout", vec!["option"]),
        (
            "bookmark",
            "bookmark add b ftp://u@h.example/pub",
            vec!["bookmark"],
        ),
        ("trust", "trust list", vec!["trusted"]),
        ("get", "get f.txt", vec!["transfer"]),
        ("pget", "pget -n 2 -o p.txt f.txt", vec!["transfer"]),
        ("mirror", "mirror -n sub msub", vec!["step"]),
        ("put", "put up.txt", vec!["transfer"]),
        ("help", "help", vec!["help"]),
        ("alias", "alias up 'cd ..'; alias", vec!["aliases"]),
        ("unalias", "alias x pwd; unalias x; alias", vec!["aliases"]),
        ("history", "history", vec!["history"]),
        ("echo", "echo hi", vec!["echo"]),
    ];
    let mut covered = BTreeSet::new();
    for (name, line, want) in &cases {
        let (lines, out) = run_json(&env, line);
        // libunftp has no SITE CHMOD: the refusal must be a schema-valid error object.
        let got = types(&lines);
        if *name == "chmod" && got == ["error"] {
            assert_eq!(lines[0]["data"]["command"], "chmod");
            assert!(lines[0]["data"]["code"].is_u64(), "{lines:?}");
        } else if *name == "site" && got == ["error"] {
            assert_eq!(lines[0]["data"]["command"], "site");
        } else {
            assert_eq!(
                &got,
                want,
                "{line}: {}\n{}",
                stdout_of(&out),
                stderr_of(&out)
            );
        }
        covered.insert(name.to_string());
    }
    // The table's commands, from `help --json` itself.
    let (help, _) = run_json(&env, "help");
    let names: BTreeSet<String> = help[0]["data"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() > 30, "{names:?}");
    let missing: Vec<_> = names.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "commands without a JSON case: {missing:?}"
    );
}

/// The values, not only the shapes: what each result says is what happened.
#[test]
fn json_results_carry_the_facts() {
    let env = Env::new();
    let body = pattern(300_000, 7);
    env.remote_file("big.bin", &body);
    env.remote_file("f.txt", b"hello\n");
    let (lines, out) = run_json(
        &env,
        "pwd; size big.bin; modtime f.txt; get big.bin; cat f.txt; bye 0",
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(lines[0]["data"]["path"], "/");
    assert_eq!(
        lines[1]["data"],
        serde_json::json!({"path": "big.bin", "bytes": 300_000})
    );
    let time = lines[2]["data"]["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
    let t = &lines[3]["data"];
    assert_eq!(t["command"], "get");
    assert_eq!(t["direction"], "download");
    assert_eq!(t["remote"], "big.bin");
    assert_eq!(t["local"], "big.bin");
    assert_eq!(t["bytes"], 300_000);
    assert_eq!(t["resumed_from"], 0);
    assert_eq!(t["verified"], serde_json::json!(["size"]));
    assert_eq!(t["outcome"], "complete");
    // The rate is bytes per second of this transfer.
    let (rate, seconds) = (t["rate"].as_f64().unwrap(), t["seconds"].as_f64().unwrap());
    assert!(seconds > 0.0, "{t}");
    assert!((rate * seconds / 300_000.0 - 1.0).abs() < 1e-6, "{t}");
    assert_eq!(std::fs::read(env.local("big.bin")).unwrap(), body);
    assert_eq!(lines[4]["data"]["text"], "hello\n");
    assert_eq!(lines[5]["data"]["command"], "cat");
    assert_eq!(lines[5]["data"]["local"], "-");
    assert_eq!(
        lines[6],
        serde_json::json!({"type": "bye", "data": {"exit": 0}})
    );
    // The summary line is for people: JSON runs keep stderr for messages and errors.
    assert!(!stderr_of(&out).contains("bytes in"), "{}", stderr_of(&out));

    // -c with a complete file: `already_complete`; -n: `kept`; nothing written.
    let (lines, _) = run_json(&env, "get -c big.bin; get -n big.bin");
    assert_eq!(lines[0]["data"]["outcome"], "already_complete", "{lines:?}");
    assert_eq!(lines[1]["data"]["outcome"], "kept", "{lines:?}");
    assert_eq!(lines[1]["data"]["bytes"], 0);

    // A download resumed from a `.part`: `resumed_from` is where it went on.
    env.remote_file("r.bin", &body);
    env.local_file("r.bin.part", &body[..4096]);
    let (lines, _) = run_json(&env, "get -c r.bin");
    assert_eq!(lines[0]["data"]["resumed_from"], 4096, "{lines:?}");
    assert_eq!(lines[0]["data"]["bytes"], 300_000 - 4096);
    assert_eq!(std::fs::read(env.local("r.bin")).unwrap(), body);

    // Upload, then resume an upload cut short: `resumed_from` is where it went on.
    env.local_file("up.bin", &body);
    env.remote_file("up.bin", &body[..1000]);
    let (lines, out) = run_json(&env, "put -c up.bin");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let t = &lines[0]["data"];
    assert_eq!(t["direction"], "upload");
    assert_eq!(t["resumed_from"], 1000);
    assert_eq!(t["bytes"], 300_000 - 1000);
    assert_eq!(std::fs::read(env.remote("up.bin")).unwrap(), body);
}

/// `dir --json` parses each LIST line it can and keeps the line as sent; `nlist --json` lines
/// are names, never parsed as LIST lines and without a `line`.
#[test]
fn json_dir_entries_are_parsed_with_their_line_and_nlist_entries_are_names() {
    let env = Env::new();
    env.remote_file("f.txt", b"hello\n");
    env.remote_file("sub/inner.txt", b"x");
    let (lines, out) = run_json(&env, "dir; nlist");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(types(&lines), ["entry"; 4], "{lines:?}");
    let by_name = |from: &[Value], name: &str| {
        from.iter()
            .find(|l| l["data"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {from:?}"))["data"]
            .clone()
    };
    let (dir, nlist) = lines.split_at(2);
    let f = by_name(dir, "f.txt");
    assert_eq!(f["type"], "file", "{f}");
    assert_eq!(f["size"], 6, "{f}");
    let line = f["line"].as_str().expect("dir keeps the line as sent");
    assert!(line.starts_with('-') && line.ends_with(" f.txt"), "{line}");
    assert_eq!(by_name(dir, "sub")["type"], "dir");
    for name in ["f.txt", "sub"] {
        let n = by_name(nlist, name);
        assert!(n["type"].is_null() && n["size"].is_null(), "{n}");
        assert!(n.get("line").is_none(), "nlist has no LIST line: {n}");
    }
}

/// Binary content comes as base64 `bytes` pieces that put together are the file; `get -o -`
/// gives the same `data` lines and ends with its `transfer`.
#[test]
fn json_content_is_the_file_exactly() {
    let env = Env::new();
    let body = pattern(200_000, 3);
    env.remote_file("b.bin", &body);
    let (lines, out) = run_json(&env, "get -o - b.bin");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mut got = Vec::new();
    for d in lines.iter().filter(|l| l["type"] == "data") {
        assert_eq!(d["data"]["offset"], got.len());
        let piece = d["data"]["bytes"].as_str().expect("binary piece as bytes");
        got.extend(
            base64::engine::general_purpose::STANDARD
                .decode(piece)
                .unwrap(),
        );
    }
    assert_eq!(got, body);
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "transfer");
    assert_eq!(last["data"]["local"], "-");
    assert_eq!(last["data"]["bytes"], 200_000);
}

/// A hostile name (terminal escapes, a bidi override) is carried byte for byte in JSON, where
/// serde escapes it, and shown cleaned in text; the same for an error's target.
#[test]
fn hostile_names_are_intact_in_json_and_cleaned_in_text() {
    let env = Env::new();
    let evil = "evil\x1b]0;pwned\x07\u{202e}txt.exe";
    env.remote_file(evil, b"x");
    let (lines, out) = run_json(&env, "ls");
    let raw = stdout_of(&out);
    assert!(!raw.contains('\x1b') && !raw.contains('\x07'), "{raw:?}");
    let names: Vec<_> = json_of_type(&raw, "entry")
        .into_iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, [evil], "{lines:?}");

    let text = env.run("ls").output().unwrap();
    assert_eq!(stdout_of(&text), "evil?]0;pwned??txt.exe\n");

    let missing = "no\x1b[2Jsuch";
    let (lines, out) = run_json(&env, &format!("size '{missing}'"));
    assert_eq!(out.status.code(), Some(5));
    let e = &lines[0]["data"];
    assert_eq!(e["command"], "size");
    assert_eq!(e["target"], missing);
    assert_eq!(e["code"], 550);
    assert_eq!(e["exit"], 5);
    assert!(e["reply"].is_string());
    let err = stderr_of(&out);
    assert!(
        err.contains("size: no?[2Jsuch: 550") && !err.contains('\x1b'),
        "{err}"
    );
    assert_eq!(e["message"], err.trim_end());
}

/// Errors in JSON mode: an object on stdout as well as the line on stderr, exit code
/// unchanged; a line that does not parse is an error with no command; `-c` stops there.
#[test]
fn json_errors_are_objects_with_the_same_exit_code() {
    let env = Env::new();
    let (lines, out) = run_json(&env, "nosuchcmd; get nope.bin");
    // -k: the run's code is its last failure's.
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(types(&lines), ["error", "error"], "{lines:?}");
    assert_eq!(lines[0]["data"]["command"], Value::Null);
    assert_eq!(lines[0]["data"]["exit"], 2);
    assert_eq!(lines[1]["data"]["target"], "nope.bin");
    assert_eq!(lines[1]["data"]["exit"], 5);
    assert_eq!(error_count(&stderr_of(&out)), 2);

    // Without -k the run stops at the first failure, still with its object.
    let out = env
        .cmd()
        .args([&env.url(), "--json", "-c", "get nope.bin; pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let lines = json_lines(&stdout_of(&out));
    assert_eq!(
        types(&lines),
        ["ftpsh", "connected", "error"],
        "{}",
        stdout_of(&out)
    );

    // A server that cannot be reached: the schema line, the error object, exit 3.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = env
        .cmd()
        .args([&format!("ftp://127.0.0.1:{port}"), "--json", "-c", "pwd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let lines = json_lines(&stdout_of(&out));
    assert_eq!(types(&lines), ["ftpsh", "error"], "{}", stdout_of(&out));
    assert_eq!(lines[1]["data"]["exit"], 3);
    check_line(&lines[1]);
}

fn error_count(stderr: &str) -> usize {
    stderr.lines().filter(|l| !l.is_empty()).count()
}

/// Text output is unchanged by the typed-results rework where nothing was wrong with it:
/// the exact bytes of the commands whose output is data.
#[test]
fn text_output_of_data_commands_is_unchanged() {
    let env = Env::new();
    env.remote_file("f.txt", b"hello\n");
    let out = env
        .run("pwd; size f.txt; type; cat f.txt; quote NOOP")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..4], ["/", "6", "binary", "hello"], "{text}");
    assert!(lines[4].starts_with("200"), "{text}");
    let err = stderr_of(&out);
    assert!(!err.contains('{'), "{err}");
}
