//! The protocol trace (`-v`, `debug on`): suppaftp's control-channel log turned into
//! `--> COMMAND` / `<-- REPLY` lines, passwords masked, server text cleaned.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::listing::display_name;

/// Whether the protocol trace is on (`-v`, `debug on`).
static TRACE: AtomicBool = AtomicBool::new(false);

pub fn set_trace(on: bool) {
    TRACE.store(on, Ordering::Relaxed);
}

pub fn trace_on() -> bool {
    TRACE.load(Ordering::Relaxed)
}

/// A trace line saying how a transfer's bytes moved (`data: splice(2) to x.part`, `data: 256
/// KiB blocks (ascii mode ...)`): which copy path ran, for `-v` and the tests.
pub fn data_path(what: &str) {
    if trace_on() {
        eprintln!("data: {}", display_name(what));
    }
}

/// Prints suppaftp's control-channel log lines as a protocol trace (see [`TraceFilter`]).
struct TraceLogger;

thread_local! {
    /// Per thread: a connection is driven by one thread, so its log lines arrive in order
    /// there, and another thread's connection cannot disturb the de-duplication.
    static FILTER: std::cell::RefCell<TraceFilter> =
        const { std::cell::RefCell::new(TraceFilter { repeat_ahead: false }) };
}

thread_local! {
    /// The verb of the last command suppaftp sent on this thread (its `CC OUT` log line),
    /// trace or not: suppaftp's errors do not say which command a reply answered, and a
    /// 500/502 after EPSV then RETR is the RETR's unless EPSV was the last sent (see
    /// `Conn::data`).
    static LAST_SENT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The verb of the last command sent on this thread's connection (upper case; empty before
/// any).
pub fn last_sent_verb() -> String {
    LAST_SENT.with(|l| l.borrow().clone())
}

impl log::Log for TraceLogger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        TRACE.load(Ordering::Relaxed) && m.target().starts_with("suppaftp")
    }

    fn log(&self, record: &log::Record) {
        if !record.target().starts_with("suppaftp") {
            return;
        }
        let tracing = self.enabled(record.metadata());
        if !tracing && record.level() != log::Level::Trace {
            return;
        }
        let msg = record.args().to_string();
        if let Some(cmd) = msg.strip_prefix("CC OUT: ") {
            let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
            LAST_SENT.with(|l| *l.borrow_mut() = verb);
        }
        if !tracing {
            return;
        }
        if let Some(line) = FILTER.with(|f| f.borrow_mut().line(&msg)) {
            eprintln!("{line}");
        }
    }

    fn flush(&self) {}
}

/// Turns suppaftp 12's log messages into trace lines: `--> COMMAND` for what is sent (PASS
/// and ACCT arguments masked), `<-- LINE` for every line of every reply (FEAT's included,
/// which suppaftp logs separately), all cleaned by [`display_name`]. Every other message is
/// dropped: suppaftp's debug messages repeat arguments (`Sending custom command: ACCT x`,
/// `Signin in with user`), and only the two shapes here are masked and cleaned.
struct TraceFilter {
    /// suppaftp logs the first line of each reply twice, with `Code parsed from response`
    /// in between; the copy after that message is skipped, so identical lines that the
    /// server really sent twice are both shown.
    repeat_ahead: bool,
}

impl TraceFilter {
    fn line(&mut self, msg: &str) -> Option<String> {
        if let Some(cmd) = msg.strip_prefix("CC OUT: ") {
            self.repeat_ahead = false;
            return Some(format!("--> {}", display_name(&mask_password(cmd))));
        }
        if msg.starts_with("Code parsed from response") {
            self.repeat_ahead = true;
            return None;
        }
        if let Some(reply) = msg.strip_prefix("CC IN: ") {
            if std::mem::take(&mut self.repeat_ahead) {
                return None;
            }
            let text = parse_logged_bytes(reply);
            return Some(format!("<-- {}", display_name(text.trim_end())));
        }
        if let Some(line) = msg.strip_prefix("FEAT IN: ") {
            let text = parse_logged_str(line);
            return Some(format!("<-- {}", display_name(text.trim_end())));
        }
        None
    }
}

/// The trace line one suppaftp log message becomes, on a fresh filter (no repeat pending):
/// what the property tests check for secrets.
#[cfg(test)]
pub fn trace_line(msg: &str) -> Option<String> {
    TraceFilter {
        repeat_ahead: false,
    }
    .line(msg)
}

/// suppaftp logs reply lines as a `Vec<u8>` debug list (`[50, 50, 48, ...]`).
fn parse_logged_bytes(s: &str) -> String {
    let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
    let bytes: Option<Vec<u8>> = inner
        .split(',')
        .map(|b| b.trim().parse::<u8>().ok())
        .collect();
    match bytes {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => s.to_string(),
    }
}

/// FEAT lines are logged as a `str` debug string (`" SIZE\r\n"`): undo Rust's escapes.
/// Anything unexpected is kept as it is (it is cleaned for the terminal anyway).
fn parse_logged_str(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') => {
                // \u{1b}
                let code: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                match u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    Some(c) => out.push(c),
                    None => out.push('?'),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `PASS secret` → `PASS ****`, and the same for `ACCT`: whatever the case of the verb and
/// the blanks around it (`quote " acct  x"` sends exactly that).
pub fn mask_password(cmd: &str) -> String {
    let body = cmd.trim_start();
    let verb_len = body.find(char::is_whitespace).unwrap_or(body.len());
    let verb = &body[..verb_len];
    let secret = &body[verb_len..];
    if (verb.eq_ignore_ascii_case("PASS") || verb.eq_ignore_ascii_case("ACCT"))
        && !secret.trim().is_empty()
    {
        format!("{}{verb} ****", &cmd[..cmd.len() - body.len()])
    } else {
        cmd.to_string()
    }
}

pub fn install_trace_logger() {
    static LOGGER: TraceLogger = TraceLogger;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask_password("PASS hunter2"), "PASS ****");
        assert_eq!(mask_password("pass hunter2"), "pass ****");
        assert_eq!(mask_password("USER bob"), "USER bob");
        assert_eq!(mask_password("ACCT secret"), "ACCT ****");
        assert_eq!(mask_password(" ACCT secret"), " ACCT ****");
        assert_eq!(mask_password("acct\tsecret two"), "acct ****");
        assert_eq!(mask_password("PASS"), "PASS");
        assert_eq!(mask_password("PASSWORD x"), "PASSWORD x");
    }

    #[test]
    fn logged_bytes_decode() {
        assert_eq!(parse_logged_bytes("[50, 50, 48, 32, 104, 105]"), "220 hi");
        assert_eq!(parse_logged_str(r#"" SIZE\r\n""#), " SIZE\r\n");
        assert_eq!(parse_logged_str(r#""a\u{1b}[2J\"b\\""#), "a\x1b[2J\"b\\");
    }

    /// The log messages suppaftp 12.2 writes, in its order, for `PASS` with a multi-line
    /// `230` reply, then FEAT, then `quote ACCT`: what the trace shows of them.
    #[test]
    fn trace_shows_every_reply_line_and_no_secret() {
        fn bytes(s: &str) -> String {
            format!("CC IN: {:?}", s.as_bytes())
        }
        let log = [
            "CC OUT: PASS hunter2".to_string(),
            bytes("230-Hi\r\n"),
            "Code parsed from response: Logged in (230)".into(),
            bytes("230-Hi\r\n"),
            bytes("230-Hi\r\n"),
            bytes("230 \x1b[31mOK\r\n"),
            "Login OK".into(),
            "Getting server supported features".into(),
            "CC OUT: FEAT".into(),
            bytes("211-Features:\r\n"),
            "Code parsed from response: System (211)".into(),
            bytes("211-Features:\r\n"),
            format!("FEAT IN: {:?}", " MLST type*;size*;\u{1b}]0;x\u{7}\r\n"),
            format!("FEAT IN: {:?}", "211 End\r\n"),
            "Sending custom command:  ACCT s3cret".into(),
            "CC OUT:  ACCT s3cret".into(),
            bytes("202 ok\r\n"),
            "Code parsed from response: CommandNotImplementedSuperfluous (202)".into(),
            bytes("202 ok\r\n"),
            "Signin in with user 'bob'".into(),
            "Sending custom data command: LIST /pub".into(),
            "CC OUT: CWD /x\u{1b}[2J".into(),
        ];
        let mut filter = TraceFilter {
            repeat_ahead: false,
        };
        let shown: Vec<String> = log.iter().filter_map(|m| filter.line(m)).collect();
        assert_eq!(
            shown,
            [
                "--> PASS ****",
                "<-- 230-Hi",
                "<-- 230-Hi",
                "<-- 230 ?[31mOK",
                "--> FEAT",
                "<-- 211-Features:",
                "<--  MLST type*;size*;?]0;x?",
                "<-- 211 End",
                "-->  ACCT ****",
                "<-- 202 ok",
                "--> CWD /x?[2J",
            ]
        );
    }
}
