//! All terminal output: data on stdout, messages on stderr, listings, progress bars, the
//! protocol trace.
//!
//! stdout carries only data (listings, `cat`, `pwd`, `size`), so `ftpsh -c 'cat f' > f` is
//! clean; the banner, transfer summaries and errors go to stderr. Colour only on a terminal and
//! never with `NO_COLOR`.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::LocalError;
use crate::listing::{Entry, Kind, Precision, display_name};

pub struct Printer {
    pub quiet: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    color: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        let stdout_tty = std::io::stdout().is_terminal();
        Printer {
            quiet,
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            color: stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// Data for stdout. A closed pipe (`| head`) is a local write error, not a panic.
    pub fn data(&mut self, text: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| {
                if !text.is_empty() && !text.ends_with('\n') {
                    out.write_all(b"\n")
                } else {
                    Ok(())
                }
            })
            .and_then(|_| out.flush())
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    pub fn flush(&mut self) -> Result<()> {
        std::io::stdout()
            .flush()
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    /// An informational message on stderr (suppressed by `-q`). Like every message on
    /// stderr it is cleaned line by line: messages quote server text (names, replies).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", clean_lines(text));
        }
    }

    /// The server's greeting, cleaned line by line (server text). With the protocol trace on
    /// it is not repeated: the trace has shown it in its place, before the login.
    pub fn banner(&self, welcome: &str) {
        if trace_on() {
            return;
        }
        self.info(welcome);
    }

    /// A warning on stderr, shown even with `-q`.
    pub fn warn(&self, text: &str) {
        eprintln!("ftpsh: warning: {}", clean_lines(text));
    }

    /// An error line on stderr. Only the line runner and `main` call this.
    pub fn error(&self, text: &str) {
        eprintln!("{}", clean_lines(text));
    }

    /// Protocol-level detail shown only in verbose mode.
    pub fn debug(&self, text: &str) {
        if TRACE.load(Ordering::Relaxed) {
            eprintln!("* {}", clean_lines(text));
        }
    }

    /// A progress bar for a transfer (hidden unless stderr is a terminal and not `-q`).
    pub fn progress(&self, name: &str, total: Option<u64>, start: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(total, self.bar_target());
        // indicatif fills `{wide_bar}` to the width it reads from stderr; lay the other
        // fields out for the same width.
        let width = console::Term::stderr().size().1;
        bar.set_style(progress_style(width, total.is_some()));
        bar.set_message(display_name(name));
        bar.set_position(start);
        bar.reset_eta();
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    fn bar_target(&self) -> ProgressDrawTarget {
        if self.quiet || !self.stderr_tty {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        }
    }

    /// One line per finished transfer: `get: file.bin: 52428800 bytes in 0.42 s (119.0 MiB/s)`,
    /// with `(size not verified)` when the server announced no size to check it against.
    pub fn summary(&self, verb: &str, name: &str, done: &crate::transfer::Done) {
        let secs = done.elapsed.as_secs_f64().max(1e-6);
        let rate = done.bytes as f64 / secs;
        self.info(&format!(
            "{verb}: {}: {} bytes in {:.2} s ({}/s){}",
            display_name(name),
            done.bytes,
            secs,
            human_size(rate as u64),
            if done.verified {
                ""
            } else {
                " (size not verified)"
            }
        ));
    }

    /// Render a parsed listing.
    pub fn listing(
        &mut self,
        entries: &[Entry],
        long: bool,
        human: bool,
        json: bool,
    ) -> Result<()> {
        if json {
            let text = serde_json::to_string_pretty(entries)?;
            return self.data(&text);
        }
        if entries.is_empty() {
            return Ok(());
        }
        let text = if long {
            long_listing(entries, human, self.color)
        } else if self.stdout_tty {
            columns(entries, terminal_width(), self.color)
        } else {
            let mut s = String::new();
            for e in entries {
                s.push_str(&display_name(&e.name));
                s.push('\n');
            }
            s
        };
        self.data(&text)
    }
}

/// The widest each field of a progress line can get (indicatif's `HumanBytes` prints at
/// most `1023.99 KiB`; an ETA is a few characters such as `12m`).
const NAME_MAX: usize = 20;
const NAME_MIN: usize = 8;
const BYTES: usize = 11; // {bytes}
const COUNTS: usize = 2 * BYTES + 1; // {bytes}/{total_bytes}
const RATE: usize = BYTES + 2; // {bytes_per_sec}
const ETA: usize = 4 + 6; // ETA {eta}
const BAR_MIN: usize = 4; // {wide_bar}: anything narrower is no bar

/// The template of a progress line for a terminal `width` columns wide, and the widest its
/// fixed fields can get. A line wider than the terminal wraps, and indicatif then leaves
/// fragments of old frames on screen, so fields are dropped before that: the ETA first,
/// then the rate, then the name shrinks and the counts become one number.
fn progress_layout(width: u16, known_total: bool) -> (String, usize) {
    let w = width as usize;
    if known_total {
        // name + " [" + bar + "] " + ...
        let full = NAME_MAX + 4 + COUNTS + 1 + RATE + 1 + ETA;
        let no_eta = NAME_MAX + 4 + COUNTS + 1 + RATE;
        let no_rate = NAME_MAX + 4 + COUNTS;
        let narrow = 4 + BYTES;
        if w >= full + BAR_MIN {
            (
                format!(
                    "{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}} \
                     {{bytes_per_sec}} ETA {{eta}}"
                ),
                full,
            )
        } else if w >= no_eta + BAR_MIN {
            (
                format!(
                    "{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}}"
                ),
                no_eta,
            )
        } else if w >= no_rate + BAR_MIN {
            (
                format!("{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}}"),
                no_rate,
            )
        } else if w >= NAME_MIN + narrow + BAR_MIN {
            let name = (w - narrow - BAR_MIN).min(NAME_MAX);
            (
                format!("{{msg:{name}!}} [{{wide_bar}}] {{bytes}}"),
                name + narrow,
            )
        } else if w >= 7 + BAR_MIN {
            ("[{wide_bar}] {percent:>3}%".to_string(), 7)
        } else {
            ("{wide_bar}".to_string(), 0)
        }
    } else {
        // name + " " + spinner + " " + bytes [+ " " + rate]
        let full = NAME_MAX + 3 + BYTES + 1 + RATE;
        let no_rate = NAME_MAX + 3 + BYTES;
        if w >= full {
            (
                format!("{{msg:{NAME_MAX}!}} {{spinner}} {{bytes}} {{bytes_per_sec}}"),
                full,
            )
        } else if w >= no_rate {
            (
                format!("{{msg:{NAME_MAX}!}} {{spinner}} {{bytes}}"),
                no_rate,
            )
        } else if w >= NAME_MIN + 3 + BYTES {
            let name = w - 3 - BYTES;
            (
                format!("{{msg:{name}!}} {{spinner}} {{bytes}}"),
                name + 3 + BYTES,
            )
        } else {
            ("{spinner} {bytes}".to_string(), 2 + BYTES)
        }
    }
}

/// The progress style for a terminal `width` columns wide (see [`progress_layout`]).
pub fn progress_style(width: u16, known_total: bool) -> ProgressStyle {
    let (template, _) = progress_layout(width, known_total);
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod progress_tests {
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressBar, ProgressDrawTarget, TermLike};

    use super::*;

    /// A terminal that records what indicatif writes on it.
    #[derive(Debug, Clone)]
    struct Recorder {
        width: u16,
        writes: Arc<Mutex<Vec<String>>>,
    }

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            self.width
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.writes.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The frames a bar draws at `width` columns, at the widest values its fields can show.
    fn frames(width: u16, total: Option<u64>) -> Vec<String> {
        let term = Recorder {
            width,
            writes: Arc::default(),
        };
        let bar = ProgressBar::with_draw_target(
            total,
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        );
        bar.set_style(progress_style(width, total.is_some()));
        bar.set_message("a-very-long-file-name-that-is-cut.tar.gz");
        // 1023.99 GiB of 1023.99 TiB: the longest numbers HumanBytes prints.
        for pos in [0, 1_099_500_000_000, 1_125_890_000_000_000 - 1] {
            bar.set_position(pos);
            bar.force_draw();
        }
        bar.abandon();
        let writes = term.writes.lock().unwrap().clone();
        writes
            .into_iter()
            .filter(|w| !w.trim().is_empty())
            .collect()
    }

    /// At 60 columns the bar shrank to `[]` and the line wrapped, leaving stale fragments
    /// of old frames on screen: every frame now fits the terminal.
    #[test]
    fn progress_line_never_wider_than_the_terminal() {
        for width in [40u16, 60, 80, 120] {
            for total in [Some(1_125_899_906_842_624 - 1), None] {
                let frames = frames(width, total);
                assert!(!frames.is_empty(), "{width}: nothing drawn");
                for f in &frames {
                    let cols = console::measure_text_width(f);
                    assert!(cols <= width as usize, "{width} cols, {cols}: {f:?}");
                    assert!(!f.contains('\n'), "{f:?}");
                }
                // A bar, not `[]`, whenever the total is known.
                if total.is_some() {
                    assert!(
                        frames.iter().all(|f| f.contains('[') && !f.contains("[]")),
                        "{frames:?}"
                    );
                }
            }
        }
    }

    /// Fields go in order (ETA, then rate) and each layout's widest text leaves room.
    #[test]
    fn progress_layout_drops_eta_then_rate() {
        let t = |w| progress_layout(w, true).0;
        assert!(t(120).contains("ETA") && t(120).contains("bytes_per_sec"));
        assert!(t(80).contains("ETA"), "{}", t(80));
        assert!(!t(70).contains("ETA") && t(70).contains("bytes_per_sec"));
        assert!(!t(60).contains("bytes_per_sec") && t(60).contains("total_bytes"));
        assert!(t(40).contains("{msg:") && t(40).contains("wide_bar"));
        for w in 1..=200u16 {
            for known in [true, false] {
                let (template, widest) = progress_layout(w, known);
                let bar = if template.contains("wide_bar") {
                    BAR_MIN
                } else {
                    0
                };
                assert!(
                    widest + bar <= w as usize || template == "{wide_bar}" || w < 14,
                    "{w}: {template} needs {widest}"
                );
            }
        }
    }
}

/// `text` through [`display_name`] line by line: the line breaks of a multi-line message
/// stay, every other control character is made visible.
fn clean_lines(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(display_name).collect();
    lines.join("\n")
}

/// The widest layout `ls` makes, whatever `COLUMNS` says.
pub const MAX_WIDTH: usize = 10_000;

/// `COLUMNS` when it is a positive number (clamped to [`MAX_WIDTH`]), else the terminal's
/// width, else 80.
pub fn terminal_width() -> usize {
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| parse_columns(&c))
    {
        return w;
    }
    let (_, w) = console::Term::stdout().size();
    if w == 0 {
        80
    } else {
        (w as usize).min(MAX_WIDTH)
    }
}

/// A `COLUMNS` value: digits, at least 1; anything larger than [`MAX_WIDTH`] (however many
/// digits) is [`MAX_WIDTH`]. `None` (use the terminal's size) for anything else.
fn parse_columns(text: &str) -> Option<usize> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return None;
    }
    match significant.parse::<usize>() {
        Ok(w) => Some(w.min(MAX_WIDTH)),
        // Too many digits for a usize: surely more than the maximum.
        Err(_) => Some(MAX_WIDTH),
    }
}

fn marker(kind: Kind) -> &'static str {
    match kind {
        Kind::Dir => "/",
        Kind::Link => "@",
        Kind::File | Kind::Other => "",
    }
}

fn paint(name: &str, kind: Kind, color: bool) -> String {
    if !color {
        return name.to_string();
    }
    match kind {
        Kind::Dir => format!("\x1b[1;34m{name}\x1b[0m"),
        Kind::Link => format!("\x1b[36m{name}\x1b[0m"),
        _ => name.to_string(),
    }
}

/// `ls` short form: names in columns, filled top to bottom like ls(1).
pub fn columns(entries: &[Entry], width: usize, color: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    let cells: Vec<(String, usize, Kind)> = entries
        .iter()
        .map(|e| {
            let shown = format!("{}{}", display_name(&e.name), marker(e.kind));
            let w = shown.width();
            (shown, w, e.kind)
        })
        .collect();
    let widest = cells.iter().map(|c| c.1).max().unwrap_or(1) + 2;
    // More columns than names would only be empty work (and a huge width spins here).
    let ncols = (width.min(MAX_WIDTH) / widest).clamp(1, cells.len().max(1));
    let nrows = cells.len().div_ceil(ncols);
    let mut out = String::new();
    for r in 0..nrows {
        let mut line = String::new();
        for c in 0..ncols {
            let i = c * nrows + r;
            let Some((shown, w, kind)) = cells.get(i) else {
                continue;
            };
            let last = (c + 1) * nrows + r >= cells.len();
            line.push_str(&paint(shown, *kind, color));
            if !last {
                line.push_str(&" ".repeat(widest - w));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `ls -l`: type and permissions, size, date (UTC), name, `-> target` for links. Lines the
/// parser could not read are shown as the server sent them.
pub fn long_listing(entries: &[Entry], human: bool, color: bool) -> String {
    let sizes: Vec<String> = entries
        .iter()
        .map(|e| match e.size {
            Some(s) if human => human_size(s),
            Some(s) => s.to_string(),
            None => "-".to_string(),
        })
        .collect();
    let sw = sizes.iter().map(String::len).max().unwrap_or(1);
    let mut out = String::new();
    for (e, size) in entries.iter().zip(sizes) {
        if let Some(raw) = &e.raw {
            out.push_str(&display_name(raw));
            out.push('\n');
            continue;
        }
        let t = match e.kind {
            Kind::Dir => 'd',
            Kind::Link => 'l',
            Kind::File => '-',
            Kind::Other => '?',
        };
        // An MLSD perm fact is shown as sent: server text. Unknown permissions (MLSD without
        // perm or unix.mode, as libunftp and `ftpsh serve` send it) are shown as unknown, not
        // as `---------`, which would say "no permissions at all".
        let perms = e
            .permissions
            .as_deref()
            .map(display_name)
            .unwrap_or_else(|| "?????????".into());
        let date = match (e.modified, e.precision) {
            (Some(t), Precision::Time) => format_time(t),
            // Only the day is known: the time column stays blank rather than say 00:00.
            (Some(t), Precision::Day) => format!("{:<16}", t.format("%Y-%m-%d")),
            (None, _) => " ".repeat(16),
        };
        let mut name = paint(&display_name(&e.name), e.kind, color);
        if let Some(target) = &e.target {
            name.push_str(" -> ");
            name.push_str(&display_name(target));
        }
        out.push_str(&format!("{t}{perms:<9} {size:>sw$} {date} {name}\n"));
    }
    out
}

pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// 1536 → `1.5 KiB`.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Whether the protocol trace is on (`-v`, `debug on`).
static TRACE: AtomicBool = AtomicBool::new(false);

pub fn set_trace(on: bool) {
    TRACE.store(on, Ordering::Relaxed);
}

pub fn trace_on() -> bool {
    TRACE.load(Ordering::Relaxed)
}

/// Prints suppaftp's control-channel log lines as a protocol trace (see [`TraceFilter`]).
struct TraceLogger;

thread_local! {
    /// Per thread: a connection is driven by one thread, so its log lines arrive in order
    /// there, and another thread's connection cannot disturb the de-duplication.
    static FILTER: std::cell::RefCell<TraceFilter> =
        const { std::cell::RefCell::new(TraceFilter { repeat_ahead: false }) };
}

impl log::Log for TraceLogger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        TRACE.load(Ordering::Relaxed) && m.target().starts_with("suppaftp")
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let msg = record.args().to_string();
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

    fn entry(name: &str, kind: Kind) -> Entry {
        Entry {
            name: name.into(),
            kind,
            size: Some(1536),
            modified: None,
            precision: Precision::Time,
            permissions: Some("rw-r--r--".into()),
            target: None,
            raw: None,
        }
    }

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

    #[test]
    fn columns_fill_top_to_bottom() {
        let es: Vec<Entry> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| entry(n, Kind::File))
            .collect();
        assert_eq!(columns(&es, 9, false), "a  c  e\nb  d\n");
        let es = vec![entry("dir", Kind::Dir)];
        assert_eq!(columns(&es, 80, false), "dir/\n");
    }

    #[test]
    fn huge_columns_value_does_not_spin_in_the_layout() {
        let es: Vec<Entry> = ["a", "b", "c"]
            .iter()
            .map(|n| entry(n, Kind::File))
            .collect();
        // `COLUMNS=18446744073709551615` used to reach this width.
        assert_eq!(columns(&es, usize::MAX, false), "a  b  c\n");
        assert_eq!(columns(&es, 0, false), "a\nb\nc\n");
        assert_eq!(parse_columns("18446744073709551615"), Some(MAX_WIDTH));
        assert_eq!(parse_columns("184467440737095516150000"), Some(MAX_WIDTH));
        assert_eq!(parse_columns("120"), Some(120));
        assert_eq!(parse_columns(" 0120 "), Some(120));
        for bad in ["", "0", "000", "-5", "80x", "abc", "1e3", "+80"] {
            assert_eq!(parse_columns(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn long_listing_cleans_server_facts_and_leaves_unknown_times_blank() {
        let mut e = entry("f", Kind::Link);
        // An MLSD perm fact and a link target, straight from a hostile server.
        e.permissions = Some("\x1b]0;pwned\x07r\u{202E}w".into());
        e.target = Some("t\x1b[2J".into());
        e.modified = Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2019, 1, 5, 0, 0, 0).unwrap());
        e.precision = Precision::Day;
        let text = long_listing(&[e.clone()], false, false);
        assert_eq!(text, "l?]0;pwned?r?w 1536 2019-01-05       f -> t?[2J\n");
        e.precision = Precision::Time;
        let text = long_listing(&[e], false, false);
        assert!(text.contains(" 1536 2019-01-05 00:00 f"), "{text}");
    }

    #[test]
    fn long_listing_shows_raw_lines_and_human_sizes() {
        let mut raw = entry("weird line", Kind::Other);
        raw.raw = Some("weird line".into());
        let es = vec![entry("f", Kind::File), raw];
        let text = long_listing(&es, true, false);
        assert!(text.contains("-rw-r--r-- 1.5 KiB"), "{text}");
        assert!(text.ends_with("weird line\n"));
        let mut unknown = entry("u", Kind::File);
        unknown.permissions = None;
        assert!(
            long_listing(&[unknown], false, false).starts_with("-?????????"),
            "unknown permissions must not read as none"
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
