//! Property tests of the pure parsers (issue 11, "Property tests and fuzzing"): the line
//! splitter and word parser, URL parsing and password redaction, reply parsing, glob
//! matching and the listing parser, each driven through its public function with generated
//! input. They run a bounded number of cases in `cargo test` (fast in a debug build);
//! `FTPSH_PROPTEST_CASES=N` runs N cases per property instead. A failing case found here is
//! kept below as a plain `#[test]` named after what broke, next to the property that found it.
//!
//! Unit tests of each parser stay in its own module; this file holds only the generated-input
//! properties, so the modules other people edit are not touched.

use proptest::prelude::*;

use crate::commands::{self, parse};
use crate::listing::{self, is_unsafe_for_terminal};
use crate::session::{self, Target};

/// Cases per property: 256 by default (the whole file runs in seconds in a debug build),
/// `FTPSH_PROPTEST_CASES` for a longer hunt. No regression files are written: a failure is
/// turned into a named test by hand.
fn config() -> ProptestConfig {
    let cases = std::env::var("FTPSH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // Rejections scale with the cases (a few properties skip shell escapes).
    ProptestConfig {
        cases,
        max_global_rejects: cases.max(1024),
        max_local_rejects: cases.saturating_mul(4).max(65_536),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any text at all, weighted towards the characters the parsers treat specially.
fn shell_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "'", "\"", "\\", ";", "|", ">", ">>", "#", "!", " ", "\t", "\n", "\r", "*", "?", "[", "]",
        "{", "}", "~", "$", "`", "\u{a0}", "\u{2003}", "\u{1b}", "\0", "é", "..", "/",
    ])
    .prop_map(str::to_string);
    let piece = prop_oneof![
        3 => "[a-z0-9._-]{1,6}",
        3 => special,
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// A command word the table knows, or something close to one.
fn command_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = commands::names().into_iter().map(|(n, _)| n).collect();
    prop_oneof![
        4 => prop::sample::select(names),
        1 => "[a-z]{1,8}",
    ]
}

/// A word as a user or the completer might have to quote it: any characters, special ones
/// often.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9._/-]{1,10}",
        3 => shell_text(),
        1 => any::<String>(),
    ]
}

/// A name Tab completion may offer: not empty, nothing `needs_cleaning` flags.
fn offered_name() -> impl Strategy<Value = String> {
    word()
        .prop_map(|w| {
            w.chars()
                .filter(|c| !is_unsafe_for_terminal(*c))
                .collect::<String>()
        })
        .prop_filter("an empty name is never offered", |w| !w.is_empty())
}

/// Whether a command would be taken as `!CMD`/`shell CMD`, whose text is the local
/// shell's verbatim (no quoting applies, `;` included).
fn is_shell(first_word: &str) -> bool {
    commands::is_shell_escape(first_word)
}

proptest! {
    #![proptest_config(config())]

    // ---------------------------------------------------------------------------------
    // Line splitter and word parser
    // ---------------------------------------------------------------------------------

    /// Whatever is typed, splitting and parsing return (an error at worst), never panic.
    #[test]
    fn splitting_and_parsing_any_line_never_panics(line in shell_text()) {
        let _ = commands::split_commands(&line);
        if let Ok(parts) = commands::split_line(&line) {
            for part in parts {
                let _ = parse::split_redirect(&part);
                let _ = commands::parse_command(&part);
                let _ = commands::is_shell_escape(&part);
            }
        }
        let _ = parse::alias_head(&line);
        let _ = parse::check_alias_body("a", &line);
    }

    /// A real command name with hostile arguments: clap and the table's own checks turn
    /// every one into a result, never a panic.
    #[test]
    fn parsing_a_known_command_with_any_arguments_never_panics(
        name in command_name(),
        args in prop::collection::vec(word(), 0..5),
    ) {
        let mut words = vec![name];
        words.extend(args);
        let _ = commands::parse_command(&shell_words::join(&words));
        let raw = words.join(" ");
        let _ = commands::parse_command(&raw);
    }

    /// Commands quoted with `shell_words::join` (what the history scrubber writes back) and
    /// joined with `;` split into the same commands, and each command into the same words.
    #[test]
    fn split_line_undoes_join_and_semicolons(
        cmds in prop::collection::vec(prop::collection::vec(word(), 1..5), 1..4),
    ) {
        prop_assume!(cmds.iter().all(|c| !is_shell(&c[0])));
        let quoted: Vec<String> = cmds.iter().map(shell_words::join).collect();
        let line = quoted.join("; ");
        let parts = commands::split_line(&line).map_err(|e| TestCaseError::fail(e.0))?;
        let words: Vec<Vec<String>> = parts
            .iter()
            .map(|p| shell_words::split(p).unwrap_or_else(|e| panic!("{p:?}: {e}")))
            .collect();
        prop_assert_eq!(words, cmds, "line {:?}", line);
    }

    /// What Tab completion inserts (`repl::complete::quote`) is read back as the same word,
    /// with the space the completer appends after a finished name.
    #[test]
    fn a_completed_name_parses_back_to_itself(name in offered_name(), cmd in command_name()) {
        prop_assume!(!is_shell(&cmd));
        let line = format!("{cmd} {} ", crate::repl::complete::quote(&name));
        let parts = commands::split_line(&line).map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(parts.len(), 1, "line {:?}", line);
        let words = shell_words::split(&parts[0]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(words, vec![cmd, name], "line {:?}", line);
    }

    // ---------------------------------------------------------------------------------
    // URL parsing and redaction
    // ---------------------------------------------------------------------------------

    /// A password never appears in anything made from a URL that holds it: the parsed
    /// target's Debug dump and host, the redacted URL (alone or in a line), the error of a
    /// URL that does not parse, and the trace line of the PASS command sent with it.
    #[test]
    fn a_password_never_appears_in_any_rendering(
        user in "[a-z]{1,6}",
        pw in password(),
        host in prop::sample::select(vec!["h", "example.org", "127.0.0.1", "[::1]", "", "h:x"]),
        port in prop::option::of(0u32..70000),
        path in "(/[a-z0-9._:@-]{0,6}){0,3}",
        scheme in prop::sample::select(vec!["ftp://", "ftps://", "FTP://", "", "http://"]),
        encode in any::<bool>(),
    ) {
        // Typed raw, a password with `@` and one of `/?#` has no one reading: the URL
        // parser ends the authority at the `/` and finds a host where the user meant a
        // password (`a:x@/y@h`). Encoded, every password is fair game.
        prop_assume!(encode || !(pw.contains('@') && pw.contains(['/', '?', '#'])));
        let secret = if encode { encode_userinfo(&pw) } else { pw.clone() };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}{user}:{secret}@{host}{port}{path}");
        let mut renderings = vec![session::redact_url(&url)];
        if scheme.contains("://") {
            // Without a scheme a word is a file name to `redact` (`10:00@web1.log`).
            renderings.push(session::redact(&url));
            renderings.push(session::redact(&format!("open {url} -u x")));
        }
        match Target::parse(&url) {
            Ok(t) => {
                renderings.push(format!("{t:?}"));
                renderings.push(t.display_host());
                if let Some(p) = &t.path {
                    // The path is the user's to see; it must not hold the password.
                    renderings.push(p.clone());
                }
                if let Some(p) = &t.password {
                    renderings.push(crate::output::trace::trace_line(&format!("CC OUT: PASS {p}\r\n"))
                        .unwrap_or_default());
                }
            }
            Err(e) => renderings.push(e.0),
        }
        for r in &renderings {
            assert_no_secret(r, &pw, &url)?;
        }
    }

    /// The trace masks the argument of PASS and ACCT however the verb is spelt.
    #[test]
    fn the_trace_never_shows_a_pass_or_acct_argument(
        verb in prop::sample::select(vec!["PASS", "pass", "Pass", "ACCT", "acct"]),
        lead in "[ \t]{0,2}",
        gap in "[ \t]{1,3}",
        pw in password(),
    ) {
        let cmd = format!("{lead}{verb}{gap}{pw}");
        let line = crate::output::trace::trace_line(&format!("CC OUT: {cmd}\r\n")).unwrap_or_default();
        assert_no_secret(&line, &pw, &cmd)?;
        assert_no_secret(&crate::output::trace::mask_password(&cmd), &pw, &cmd)?;
    }

    // ---------------------------------------------------------------------------------
    // Reply parsing
    // ---------------------------------------------------------------------------------

    /// Whatever bytes a server sends as a reply: no panic, a code only when the last line
    /// starts with three digits, and text with nothing a terminal would act on.
    #[test]
    fn reply_parsing_never_panics_and_cleans_the_text(body in reply_bytes()) {
        let code = session::reply_code(&body);
        if let Some(c) = code {
            prop_assert!(c <= 999);
        }
        let text = session::reply_text(&body);
        prop_assert!(!text.chars().any(is_unsafe_for_terminal), "{:?}", text);

        let status = code.unwrap_or(0);
        let err = session::Session::ftp_err(suppaftp::FtpError::UnexpectedResponse(
            suppaftp::types::Response::new(suppaftp::Status::from(status), body.clone()),
        ));
        let err = anyhow::Error::new(err).context(crate::error::Subject::new("f\u{1b}[2J"));
        let (rcode, rtext) = crate::error::reply_of(&err).expect("a reply error");
        prop_assert_eq!(rcode, status);
        prop_assert_eq!(rtext, text.as_str());
        let rendered = crate::error::render(&err);
        prop_assert!(!rendered.chars().any(is_unsafe_for_terminal), "{:?}", rendered);
        let exit = crate::error::exit_code(&err);
        prop_assert!(crate::error::EXIT_CODES.iter().any(|(c, _)| c.as_i32() == exit));
    }

    // ---------------------------------------------------------------------------------
    // Glob matching
    // ---------------------------------------------------------------------------------

    /// Any pattern is a glob or a plain name, never a panic.
    #[test]
    fn any_pattern_compiles_or_is_refused_without_panic(pattern in shell_text(), name in word()) {
        let _ = commands::glob::is_glob(&pattern);
        if let Some(m) = commands::glob::matcher(&pattern) {
            let _ = m(&name);
        }
        if let Some(m) = commands::glob::name_matcher(&pattern) {
            let _ = m(&name);
        }
    }

    /// An escaped name is a pattern that matches exactly that name.
    #[test]
    fn an_escaped_name_matches_exactly_itself(name in name(), other in name()) {
        let pattern = glob_escape(&name);
        let m = commands::glob::matcher(&pattern).expect("an escaped name is a valid pattern");
        prop_assert!(m(&name), "{:?} does not match itself", pattern);
        prop_assert_eq!(m(&other), other == name, "{:?} vs {:?}", pattern, other);
    }

    /// `*` matches every name without a `/` (find's `-name` rule), and no name with one;
    /// ls's rule leaves out dotfiles.
    #[test]
    fn star_matches_every_name_without_a_slash(name in name(), dir in name()) {
        let find = commands::glob::name_matcher("*").unwrap();
        let ls = commands::glob::matcher("*").unwrap();
        prop_assert!(find(&name));
        prop_assert_eq!(ls(&name), !name.starts_with('.'));
        let nested = format!("{dir}/{name}");
        prop_assert!(!find(&nested));
        prop_assert!(!ls(&nested));
    }

    // ---------------------------------------------------------------------------------
    // Listings
    // ---------------------------------------------------------------------------------

    /// Every LIST or MLSD line yields an entry, parsed or kept raw: only blank lines are
    /// dropped. (Lines that are noise by definition, `total N`, `.`/`..` and MLSD's
    /// cdir/pdir, are left out of the input: whether one is dropped is the unit tests'
    /// business.)
    #[test]
    fn every_listing_line_yields_an_entry(
        lines in prop::collection::vec(listing_line(), 0..12),
        mlsd in any::<bool>(),
    ) {
        let lines: Vec<String> = lines.into_iter().filter(|l| !is_noise(l)).collect();
        let now = chrono::DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let entries = listing::parse_listing(&lines, mlsd, now);
        prop_assert_eq!(entries.len(), lines.len(), "{:?}", lines);
        for e in &entries {
            prop_assert!(!e.name.is_empty(), "{:?}", e);
        }
    }
}

/// Passwords with the characters that break URL parsing (`@ : / ? # %`, blanks), each
/// chunk fenced by a marker `§` that occurs nowhere else in the test input, so a leak of any
/// part of the password longer than a chunk shows as a marker.
fn password() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9@:/?#%!.;=+ '\"-]{0,4}", 1..4)
        .prop_map(|chunks| format!("§{}§", chunks.join("§")))
}

/// The form a careful user writes: every byte outside the unreserved set percent-encoded.
fn encode_userinfo(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Fails when `text` shows the password or any marker of it, raw or percent-encoded.
fn assert_no_secret(text: &str, pw: &str, input: &str) -> Result<(), TestCaseError> {
    let lower = text.to_ascii_lowercase();
    let leak = text.contains(pw)
        || text.contains(&encode_userinfo(pw))
        || text.contains('§')
        || lower.contains("%c2%a7");
    if leak {
        return Err(TestCaseError::fail(format!(
            "password {pw:?} of {input:?} shows in {text:?}"
        )));
    }
    Ok(())
}

/// A name as a glob that matches only itself: every character the pattern syntax gives a
/// meaning behind a backslash. (`globset::escape` leaves `\\` alone, so `a\\b` would not
/// compile.)
fn glob_escape(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if "*?[]{}\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reply bodies: well-formed replies, multi-line ones, and arbitrary bytes.
fn reply_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "[1-5][0-9]{2}[ -][ -~]{0,20}\r\n".prop_map(String::into_bytes),
        "[0-9]{0,4}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..24),
    ];
    prop::collection::vec(line, 0..5).prop_map(|v| v.concat())
}

/// A file name: one path component, anything but `/` and NUL.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9._ *?\\[\\]{}!,^\\\\-]{1,10}",
        1 => "[^/\u{0}]{1,10}",
    ]
}

/// LIST and MLSD lines as servers send them, and junk.
fn listing_line() -> impl Strategy<Value = String> {
    let posix = (
        "[-dlcbps][-rwxsStT]{9}[+@.]?",
        1u32..20,
        "[a-z]{1,8}",
        "[a-z]{1,8}",
        0u64..1 << 40,
        prop::sample::select(vec!["Jan", "Feb", "Dec", "Mär", "2024-01-02"]),
        1u32..32,
        prop::sample::select(vec!["12:00", "2019", "1999", "23:59"]),
        name(),
    )
        .prop_map(|(perm, links, u, g, size, month, day, time, name)| {
            format!("{perm} {links} {u} {g} {size} {month} {day} {time} {name}")
        });
    let dos = (
        "[0-1][0-9]-[0-3][0-9]-[0-9]{2,4}",
        "[0-1][0-9]:[0-5][0-9](AM|PM)?",
        prop_oneof![Just("<DIR>".to_string()), "[0-9]{1,9}"],
        name(),
    )
        .prop_map(|(d, t, s, n)| format!("{d}  {t}  {s} {n}"));
    let mlsd = (
        prop::collection::vec(
            "(type|size|modify|perm|unix.mode|sizd|x)=[a-zA-Z0-9.:=]{0,8}",
            0..4,
        ),
        name(),
    )
        .prop_map(|(facts, name)| format!("{}; {name}", facts.join(";")));
    prop_oneof![posix, dos, mlsd, shell_text(), any::<String>()]
}

/// The lines a listing may leave out on purpose: blank ones (by Unicode's rule or the
/// parser's), `total N`, `.`/`..` and MLSD's cdir/pdir, and lines a reader of the listing
/// never sees whole (a line break inside).
fn is_noise(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    let lower = trimmed.to_ascii_lowercase();
    let last = trimmed.split([' ', '\t']).next_back().unwrap_or("");
    trimmed.trim().is_empty()
        || trimmed.contains(['\r', '\n'])
        || lower.trim_start().starts_with("total")
        || lower.contains("cdir")
        || lower.contains("pdir")
        || matches!(last, "." | "..")
        || matches!(trimmed.trim(), "." | "..")
}

// -------------------------------------------------------------------------------------
// Failing cases the properties found, kept as named tests.
// -------------------------------------------------------------------------------------

/// Found by `a_completed_name_parses_back_to_itself`: Tab completion of a name ending in a
/// space inserts `x\ ` plus the separating space, and the splitter trimmed both blanks,
/// leaving a dangling backslash: `get x\` asked for `x\`.
#[test]
fn a_trailing_escaped_space_is_kept_by_the_splitter() {
    for (line, want) in [
        ("get x\\  ", vec!["get", "x "]),
        ("get x\\ ", vec!["get", "x "]),
        ("get x\\\t; ls", vec!["get", "x\t"]),
        ("get x\\\\ ", vec!["get", "x\\"]),
    ] {
        let parts = commands::split_line(line).unwrap();
        let words = shell_words::split(&parts[0]).unwrap();
        assert_eq!(words, want, "{line:?} split into {parts:?}");
    }
}

/// Found by `split_line_undoes_join_and_semicolons`: a word of Unicode blanks (U+00A0 is
/// no word separator to the word parser, and `shell_words::join` leaves it unquoted) was
/// trimmed away by the splitter, which trimmed by Unicode's rule: `get \u{a0}` asked for
/// nothing, `get a\u{2003}` for `a`.
#[test]
fn unicode_blanks_are_part_of_a_word_not_trimmed() {
    for (line, want) in [
        ("get \u{a0}", vec!["get", "\u{a0}"]),
        ("get a\u{2003}", vec!["get", "a\u{2003}"]),
        ("get a\u{a0}; ls", vec!["get", "a\u{a0}"]),
    ] {
        let parts = commands::split_line(line).unwrap();
        let words = shell_words::split(&parts[0]).unwrap();
        assert_eq!(words, want, "{line:?} split into {parts:?}");
    }
}

/// Found by `a_password_never_appears_in_any_rendering`: `redact` cut its text at blanks
/// before looking for a password, so a password with a blank in it (one quoted argument,
/// `get 'ftp://bob:my pw@h/x' ...`, or a bookmark's URL, which parses) was shown whole in the
/// "all URLs of one command must name one server" error and in `bookmark list`.
#[test]
fn a_password_with_a_blank_is_redacted() {
    let url = "ftp://bob:my secret pw@example.org/x";
    let t = Target::parse(url).expect("the URL parses, so it reaches `redact`");
    assert_eq!(t.password.as_deref(), Some("my secret pw"));
    assert_eq!(session::redact(url), "ftp://bob@example.org/x");
    assert_eq!(
        session::redact(&format!("{url} and ftp://a:b c@h")),
        "ftp://bob@example.org/x and ftp://a@h"
    );
    // As the URL parser reads it: `h:21 x` is the userinfo there too.
    assert_eq!(session::redact("ftp://h:21 x@y"), "ftp://h@y");
    assert_eq!(session::redact("ftp://h:21/x y@z"), "ftp://h:21/x y@z");
}

/// Found by `a_password_never_appears_in_any_rendering`: `redact_url` took the first `://`
/// anywhere in the text for the end of a scheme, so a URL typed without a scheme whose path
/// holds one (`bob:pw@host/a://b`) kept its password in the "unsupported URL scheme" error.
#[test]
fn a_scheme_in_the_path_does_not_hide_the_password_from_redaction() {
    let err = Target::parse("bob:s3cret@host/a://b").unwrap_err().0;
    assert!(!err.contains("s3cret"), "{err}");
    assert_eq!(
        session::redact_url("bob:s3cret@host/a://b"),
        "bob@host/a://b"
    );
    assert_eq!(
        session::redact_url("ftp://bob:s3cret@host/a://b"),
        "ftp://bob@host/a://b"
    );
    // Nor does it start a new URL for `redact`, when the password holds a blank.
    assert_eq!(
        session::redact("ftp://bob:my pw@h/a://b"),
        "ftp://bob@h/a://b"
    );
}
