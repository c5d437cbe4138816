//! Transfer progress: the [`Progress`] trait the transfer engine reports through, and the
//! displays behind it, chosen by `--progress` ([`ProgressMode`]): the terminal bar
//! (indicatif, [`Bar`]), a line every 5 s for logs ([`Plain`]), NDJSON events for programs
//! ([`Json`]) and nothing ([`NoProgress`]).
//!
//! The engine (`crate::transfer`) never sees indicatif: it gets a `Box<dyn Progress>` from
//! `Printer::progress` and calls [`Progress::advance`] and [`Progress::done`]. The trait is
//! `Send` so that a pool of transfer workers can later feed one display. Reporters write to
//! a `Box<dyn Write + Send>` (stderr in production) and take the time as an argument in
//! their `*_at` methods, so unit tests read what they wrote and never sleep.

use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::text::human_size;
use crate::listing::display_name;

/// What the transfer engine tells a display.
pub trait Progress: Send {
    /// `n` more bytes went through the data connection. The engine also calls it with 0
    /// when the connection was idle for a tick, so that a stall still shows (the rate
    /// falls, the ETA grows) rather than the display going silent.
    fn advance(&mut self, n: u64);
    /// The transfer ended, once: `Ok` when every byte went through and the server
    /// confirmed it (226, and the size matched where one is known), `Err` with the reason
    /// otherwise.
    fn done(&mut self, outcome: Result<(), &str>);
}

/// Which way the data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Download,
    Upload,
}

impl Direction {
    /// The word in NDJSON events.
    fn json(self) -> &'static str {
        match self {
            Direction::Download => "download",
            Direction::Upload => "upload",
        }
    }

    /// The command word that starts a plain line, as in the summary (`get: f: ...`).
    fn verb(self) -> &'static str {
        match self {
            Direction::Download => "get",
            Direction::Upload => "put",
        }
    }
}

/// The transfer a display follows.
#[derive(Debug, Clone, Copy)]
pub struct Transfer<'a> {
    pub direction: Direction,
    /// The remote path, as sent to the server (hostile: cleaned before it reaches a
    /// terminal).
    pub name: &'a str,
    /// The file's whole size, when known (SIZE, the listing, or the local file).
    pub total: Option<u64>,
    /// Where a resumed transfer starts: the bytes already done before it.
    pub offset: u64,
    /// The data goes to stdout (`cat`, `get -o -`): no bar, it would fight the data on
    /// the terminal; plain lines and JSON events still come.
    pub to_stdout: bool,
    /// A summary line (`get: f: N bytes in ...`) follows a successful transfer unless `-q`
    /// (`get`, `put`; `cat` prints none).
    pub summary: bool,
}

/// `--progress`: how transfers show their progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, plain lines when it is not; nothing with -q
    #[default]
    Auto,
    /// A bar redrawn in place (only on a terminal)
    Bar,
    /// A line at most every 5 s, for logs
    Plain,
    /// NDJSON events (start, progress, done, error), for programs
    Json,
    /// Nothing
    None,
}

impl ProgressMode {
    /// The display a transfer gets: `auto` is a bar when stderr is a terminal, plain lines
    /// when it is not, and nothing with `-q`. An explicit mode wins over `-q`: a program
    /// that asks for JSON events wants them without the banner and summaries.
    pub fn resolve(self, quiet: bool, stderr_tty: bool) -> ProgressMode {
        match self {
            ProgressMode::Auto if quiet => ProgressMode::None,
            ProgressMode::Auto if stderr_tty => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Plain,
            explicit => explicit,
        }
    }
}

/// How often [`Plain`] writes a line at most.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// How often [`Json`] writes a progress event at most (4 per second).
pub const JSON_EVERY: Duration = Duration::from_millis(250);

/// Whether a throttled display may report again: `every` has passed since it last did.
fn due(last: Instant, now: Instant, every: Duration) -> bool {
    now.saturating_duration_since(last) >= every
}

/// What every reporter counts: where the transfer stands and how fast it goes.
#[derive(Debug, Clone)]
struct Tally {
    total: Option<u64>,
    offset: u64,
    /// Bytes moved by this transfer (a resumed one started at `offset`).
    moved: u64,
    start: Instant,
}

impl Tally {
    fn new(t: &Transfer, start: Instant) -> Tally {
        Tally {
            total: t.total,
            offset: t.offset,
            moved: 0,
            start,
        }
    }

    /// How much of the file is done, the offset included: `bytes / total` is the fraction.
    fn bytes(&self) -> u64 {
        self.offset.saturating_add(self.moved)
    }

    /// Bytes per second moved by this transfer, on average since it started.
    fn rate(&self, now: Instant) -> u64 {
        let secs = now.saturating_duration_since(self.start).as_secs_f64();
        if secs <= 0.0 {
            return 0;
        }
        (self.moved as f64 / secs) as u64
    }

    /// Whole percent done (100 for an empty file), when the total is known.
    fn percent(&self) -> Option<u64> {
        self.total.map(|t| {
            if t == 0 {
                100
            } else {
                ((self.bytes() as u128 * 100 / t as u128) as u64).min(100)
            }
        })
    }

    /// Seconds left at the average rate, when the total is known and bytes are moving.
    fn eta(&self, now: Instant) -> Option<u64> {
        let total = self.total?;
        let rate = self.rate(now);
        if rate == 0 {
            return None;
        }
        Some(total.saturating_sub(self.bytes()).div_ceil(rate))
    }
}

/// `12s`, `4m05s`, `2h03m`.
fn eta_text(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    }
}

/// Writes and flushes one line, in one write so that it stays whole in a log other
/// processes append to; a display that cannot write (stderr closed) must not fail the
/// transfer.
fn emit(out: &mut dyn Write, line: &str) {
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    let _ = out.write_all(whole.as_bytes()).and_then(|_| out.flush());
}

/// No display (`--progress none`, `-q`, or a bar for data on stdout).
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&mut self, _: u64) {}
    fn done(&mut self, _: Result<(), &str>) {}
}

/// The terminal bar (indicatif), redrawn in place five times a second.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
    pub fn stderr(t: &Transfer) -> Bar {
        Bar::sized_for_stderr(t, ProgressDrawTarget::stderr())
    }

    /// A bar that draws nothing until it joins a [`indicatif::MultiProgress`] (which draws
    /// on stderr).
    pub fn hidden(t: &Transfer) -> Bar {
        Bar::sized_for_stderr(t, ProgressDrawTarget::hidden())
    }

    fn sized_for_stderr(t: &Transfer, target: ProgressDrawTarget) -> Bar {
        // indicatif fills `{wide_bar}` to the width it reads from stderr; lay the other
        // fields out for the same width.
        let width = console::Term::stderr().size().1;
        Bar::new(t, target, width)
    }

    pub fn new(t: &Transfer, target: ProgressDrawTarget, width: u16) -> Bar {
        let bar = ProgressBar::with_draw_target(t.total, target);
        bar.set_style(progress_style(width, t.total.is_some()));
        bar.set_message(display_name(t.name));
        // A resumed transfer starts the bar at the offset.
        bar.set_position(t.offset);
        bar.reset_eta();
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(bar)
    }
}

impl Bar {
    /// Draw under a [`indicatif::MultiProgress`] (many transfers at once).
    pub fn join(&self, multi: &indicatif::MultiProgress) {
        multi.add(self.0.clone());
    }
}

/// The total line above the bars of many transfers: by bytes when their total is known
/// (`mirror: 12/40 files [====>   ] 3.1 MiB/12.0 MiB 1.2 MiB/s ETA 8s`), else by files
/// (`get: 12/40 files [====>   ] 00:03`). Hidden until added to the multi that draws it.
pub fn total_bar(what: &str, jobs: u64, bytes: Option<u64>) -> ProgressBar {
    let (bar, template) = match bytes {
        Some(b) => (
            ProgressBar::with_draw_target(Some(b), ProgressDrawTarget::hidden()),
            "{msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(Some(jobs), ProgressDrawTarget::hidden()),
            "{msg} {pos}/{len} files [{wide_bar}] {elapsed}",
        ),
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    match bytes {
        Some(_) => bar.set_message(format!("{} 0/{jobs} files", display_name(what))),
        None => bar.set_message(display_name(what)),
    }
    bar
}

/// A transfer's bar that also moves the total line of many transfers (by bytes).
pub struct Tee {
    bar: Bar,
    total: Option<ProgressBar>,
}

impl Tee {
    pub fn new(bar: Bar, total: Option<ProgressBar>) -> Tee {
        Tee { bar, total }
    }
}

impl Progress for Tee {
    fn advance(&mut self, n: u64) {
        self.bar.advance(n);
        if let Some(t) = &self.total {
            t.inc(n);
        }
    }

    fn done(&mut self, outcome: Result<(), &str>) {
        self.bar.done(outcome);
    }
}

impl Progress for Bar {
    fn advance(&mut self, n: u64) {
        self.0.inc(n);
    }

    /// The bar goes away either way: the summary or the error line says how it ended.
    fn done(&mut self, _: Result<(), &str>) {
        self.0.finish_and_clear();
    }
}

/// Plain lines for logs (cron): at most one every [`PLAIN_EVERY`], the first one that long
/// after the start, so a short transfer prints none:
/// `get: big.iso: 1572864 of 6291456 bytes (25%), 256.0 KiB/s, ETA 18s`.
/// The end is the summary line's to report (`get: big.iso: 6291456 bytes in 24.00 s ...`).
/// When `-q` hides it (with an explicit `--progress plain`), a successful get or put ends
/// with a line of the same form instead, so a log never stops at 95%; `cat` has no summary
/// and gets no end line (its end is the data's). A failure is reported by the error line,
/// which `-q` never hides.
pub struct Plain {
    out: Box<dyn Write + Send>,
    verb: &'static str,
    /// Cleaned: a server-supplied name must not reach a terminal or log raw.
    name: String,
    tally: Tally,
    last: Instant,
    end_line: bool,
}

impl Plain {
    /// `end_line`: `-q` hides the summary line that would follow, so a successful transfer
    /// prints its own.
    pub fn new(t: &Transfer, end_line: bool, out: Box<dyn Write + Send>) -> Plain {
        Plain::new_at(t, end_line, out, Instant::now())
    }

    pub fn new_at(t: &Transfer, end_line: bool, out: Box<dyn Write + Send>, now: Instant) -> Plain {
        Plain {
            out,
            verb: t.direction.verb(),
            name: display_name(t.name),
            tally: Tally::new(t, now),
            last: now,
            end_line,
        }
    }

    pub fn advance_at(&mut self, n: u64, now: Instant) {
        self.tally.moved = self.tally.moved.saturating_add(n);
        if due(self.last, now, PLAIN_EVERY) {
            self.last = now;
            let line = self.line(now);
            emit(&mut *self.out, &line);
        }
    }

    pub fn done_at(&mut self, outcome: Result<(), &str>, now: Instant) {
        if outcome.is_ok() && self.end_line {
            let secs = now
                .saturating_duration_since(self.tally.start)
                .as_secs_f64()
                .max(1e-6);
            let line = format!(
                "{}: {}: {} bytes in {:.2} s ({}/s)",
                self.verb,
                self.name,
                self.tally.moved,
                secs,
                human_size((self.tally.moved as f64 / secs) as u64)
            );
            emit(&mut *self.out, &line);
        }
    }

    /// One progress line (no newline).
    fn line(&self, now: Instant) -> String {
        let t = &self.tally;
        let mut s = format!("{}: {}: {}", self.verb, self.name, t.bytes());
        match (t.total, t.percent()) {
            (Some(total), Some(pct)) => s.push_str(&format!(" of {total} bytes ({pct}%)")),
            _ => s.push_str(" bytes"),
        }
        s.push_str(&format!(", {}/s", human_size(t.rate(now))));
        if let Some(eta) = t.eta(now) {
            s.push_str(&format!(", ETA {}", eta_text(eta)));
        }
        s
    }
}

impl Progress for Plain {
    fn advance(&mut self, n: u64) {
        self.advance_at(n, Instant::now());
    }
    fn done(&mut self, outcome: Result<(), &str>) {
        self.done_at(outcome, Instant::now());
    }
}

/// NDJSON events on stderr, one object per line, for a program that draws its own display:
/// `{"type":"progress","data":{"event":"start"|"progress"|"done"|"error","direction":
/// "download"|"upload","name":..,"bytes":..,"total":..|null,"offset":..,"elapsed":..,
/// "rate":..}}`, plus `"error":"..."` in an error event. `bytes` counts the offset of a
/// resumed transfer (so `bytes / total` is the fraction done); `rate` is bytes per second
/// since the start, `elapsed` seconds since it. `start` and one `done` or `error`
/// always come; `progress` at most every [`JSON_EVERY`]. Names are the server's, as they
/// are (a program may need the exact name): control and bidi characters are `\u` escapes.
pub struct Json {
    out: Box<dyn Write + Send>,
    direction: Direction,
    name: String,
    tally: Tally,
    last: Instant,
}

impl Json {
    pub fn new(t: &Transfer, out: Box<dyn Write + Send>) -> Json {
        Json::new_at(t, out, Instant::now())
    }

    /// Writes the `start` event.
    pub fn new_at(t: &Transfer, out: Box<dyn Write + Send>, now: Instant) -> Json {
        let mut json = Json {
            out,
            direction: t.direction,
            name: t.name.to_string(),
            tally: Tally::new(t, now),
            last: now,
        };
        json.event("start", None, now);
        json
    }

    pub fn advance_at(&mut self, n: u64, now: Instant) {
        self.tally.moved = self.tally.moved.saturating_add(n);
        if due(self.last, now, JSON_EVERY) {
            self.last = now;
            self.event("progress", None, now);
        }
    }

    pub fn done_at(&mut self, outcome: Result<(), &str>, now: Instant) {
        match outcome {
            Ok(()) => self.event("done", None, now),
            Err(e) => self.event("error", Some(e), now),
        }
    }

    fn event(&mut self, event: &'static str, error: Option<&str>, now: Instant) {
        let t = &self.tally;
        let line = serde_json::to_string(&JsonEvent {
            kind: "progress",
            data: JsonData {
                event,
                direction: self.direction.json(),
                name: &self.name,
                bytes: t.bytes(),
                total: t.total,
                offset: t.offset,
                // Milliseconds are plenty, and keep lines short.
                elapsed: now.saturating_duration_since(t.start).as_millis() as f64 / 1000.0,
                rate: t.rate(now),
                error,
            },
        })
        .unwrap_or_default();
        emit(&mut *self.out, &terminal_safe_json(&line));
    }
}

/// `json` with every character that is unsafe on a terminal written as a `\uXXXX` escape.
/// serde_json escapes only C0 controls, but DEL, the C1 controls (U+009B is a CSI) and bidi
/// overrides would reach a terminal raw; escaped, the line parses to the same name. Outside
/// strings JSON has only ASCII punctuation, so every such character is inside a string.
fn terminal_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if crate::listing::is_unsafe_for_terminal(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One NDJSON line, fields in the documented order (`type` first, as ripgrep's `--json`).
#[derive(Serialize)]
struct JsonEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: JsonData<'a>,
}

#[derive(Serialize)]
struct JsonData<'a> {
    event: &'static str,
    direction: &'static str,
    name: &'a str,
    bytes: u64,
    total: Option<u64>,
    offset: u64,
    /// Seconds since the start.
    elapsed: f64,
    /// Bytes per second, on average since the start.
    rate: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl Progress for Json {
    fn advance(&mut self, n: u64) {
        self.advance_at(n, Instant::now());
    }
    fn done(&mut self, outcome: Result<(), &str>) {
        self.done_at(outcome, Instant::now());
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
mod reporter_tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        }
    }

    fn transfer(name: &str, total: Option<u64>, offset: u64) -> Transfer<'_> {
        Transfer {
            direction: Direction::Download,
            name,
            total,
            offset,
            to_stdout: false,
            summary: true,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn auto_is_a_bar_on_a_terminal_plain_in_a_log_and_nothing_with_q() {
        use ProgressMode as M;
        assert_eq!(M::Auto.resolve(false, true), M::Bar);
        assert_eq!(M::Auto.resolve(false, false), M::Plain);
        assert_eq!(M::Auto.resolve(true, true), M::None);
        assert_eq!(M::Auto.resolve(true, false), M::None);
        // An explicit mode wins over -q and over what stderr is.
        for mode in [M::Bar, M::Plain, M::Json, M::None] {
            for quiet in [false, true] {
                for tty in [false, true] {
                    assert_eq!(mode.resolve(quiet, tty), mode, "{mode:?} {quiet} {tty}");
                }
            }
        }
    }

    /// Blocks every 100 ms for 23 s: lines at 5, 10, 15 and 20 s, none before 5 s.
    #[test]
    fn plain_writes_at_most_one_line_per_5_seconds() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let mut p = Plain::new_at(
            &transfer("f", Some(1 << 30), 0),
            false,
            Box::new(cap.clone()),
            t0,
        );
        let mut seen_at = Vec::new();
        for tick in 1..=230u64 {
            let before = cap.lines().len();
            p.advance_at(1000, t0 + ms(tick * 100));
            if cap.lines().len() > before {
                seen_at.push(tick * 100);
            }
        }
        assert_eq!(seen_at, [5000, 10000, 15000, 20000]);
        // An idle tick (0 bytes) also reports, so a stall shows in the log.
        p.advance_at(0, t0 + ms(25_000));
        assert_eq!(cap.lines().len(), 5);
        // The end belongs to the summary line: no line of its own, nor for a failure.
        p.done_at(Ok(()), t0 + ms(26_000));
        p.done_at(Err("broken"), t0 + ms(26_000));
        assert_eq!(cap.lines().len(), 5, "{:?}", cap.lines());
    }

    #[test]
    fn plain_line_has_bytes_percent_rate_and_eta() {
        let line = |total, offset, moved, secs| {
            let cap = Capture::default();
            let t0 = Instant::now();
            let mut p = Plain::new_at(
                &transfer("dir/big.iso", total, offset),
                false,
                Box::new(cap.clone()),
                t0,
            );
            p.advance_at(moved, t0 + Duration::from_secs(secs));
            cap.lines().join("\n")
        };
        assert_eq!(
            line(Some(1000), 0, 250, 5),
            "get: dir/big.iso: 250 of 1000 bytes (25%), 50 B/s, ETA 15s"
        );
        // A resumed transfer: the offset counts as done, the rate is this run's.
        assert_eq!(
            line(Some(1000), 500, 250, 5),
            "get: dir/big.iso: 750 of 1000 bytes (75%), 50 B/s, ETA 5s"
        );
        // No total: no percent, no ETA.
        assert_eq!(
            line(None, 0, 3 << 20, 6),
            "get: dir/big.iso: 3145728 bytes, 512.0 KiB/s"
        );
        // Minutes and hours; an ETA rounds up.
        assert_eq!(
            line(Some(3_000_000), 0, 5000, 5),
            "get: dir/big.iso: 5000 of 3000000 bytes (0%), 1000 B/s, ETA 49m55s"
        );
        assert!(line(Some(40_000_000), 0, 5000, 5).ends_with("ETA 11h06m"));
        // Nothing moved yet: no ETA rather than an infinite one.
        assert_eq!(
            line(Some(1000), 0, 0, 5),
            "get: dir/big.iso: 0 of 1000 bytes (0%), 0 B/s"
        );
        assert_eq!(eta_text(59), "59s");
        assert_eq!(eta_text(60), "1m00s");
        assert_eq!(eta_text(3600), "1h00m");
    }

    #[test]
    fn plain_ends_with_a_line_only_when_q_hides_the_summary() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let mut t = transfer("f", Some(2048), 0);
        t.direction = Direction::Upload;
        let mut p = Plain::new_at(&t, true, Box::new(cap.clone()), t0);
        p.advance_at(2048, t0 + ms(2000));
        p.done_at(Ok(()), t0 + ms(2000));
        assert_eq!(cap.lines(), ["put: f: 2048 bytes in 2.00 s (1.0 KiB/s)"]);
        // A failure: the error line says so.
        let cap = Capture::default();
        let mut p = Plain::new_at(&t, true, Box::new(cap.clone()), t0);
        p.done_at(Err("426 broken"), t0 + ms(2000));
        assert!(cap.lines().is_empty(), "{:?}", cap.lines());
    }

    const HOSTILE: &str = "evil\x1b[2J\u{9b}31m\u{202e}gpj.exe\x7f";

    #[test]
    fn plain_cleans_a_hostile_name() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let mut p = Plain::new_at(&transfer(HOSTILE, None, 0), true, Box::new(cap.clone()), t0);
        p.advance_at(10, t0 + ms(5000));
        p.done_at(Ok(()), t0 + ms(5000));
        let lines = cap.lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        for l in &lines {
            assert!(l.starts_with("get: evil?[2J?31m?gpj.exe?: "), "{l:?}");
            assert!(
                !l.chars().any(crate::listing::is_unsafe_for_terminal),
                "{l:?}"
            );
        }
    }

    fn events(cap: &Capture) -> Vec<serde_json::Value> {
        cap.lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    }

    /// Blocks every 10 ms for 3 s: 12 progress events at most (4 a second), between a start
    /// and a done, byte counts never going back.
    #[test]
    fn json_events_start_done_and_at_most_4_progress_per_second() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let total = 300 * 4096;
        let mut j = Json::new_at(&transfer("f", Some(total), 0), Box::new(cap.clone()), t0);
        for tick in 1..=300u64 {
            j.advance_at(4096, t0 + ms(tick * 10));
        }
        j.done_at(Ok(()), t0 + ms(3000));
        let ev = events(&cap);
        let kinds: Vec<&str> = ev
            .iter()
            .map(|e| e["data"]["event"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.first(), Some(&"start"));
        assert_eq!(kinds.last(), Some(&"done"));
        let progress = kinds.iter().filter(|k| **k == "progress").count();
        assert_eq!(progress, 12, "{kinds:?}");
        assert_eq!(kinds.len(), 14, "{kinds:?}");
        let bytes: Vec<u64> = ev
            .iter()
            .map(|e| e["data"]["bytes"].as_u64().unwrap())
            .collect();
        assert!(bytes.windows(2).all(|w| w[0] <= w[1]), "{bytes:?}");
        assert_eq!((bytes[0], *bytes.last().unwrap()), (0, total));
        for e in &ev {
            assert_eq!(e["type"], "progress");
            assert_eq!(e["data"]["direction"], "download");
            assert_eq!(e["data"]["total"], total);
            assert_eq!(e["data"]["offset"], 0);
            assert!(e["data"].get("error").is_none());
        }
        // The done event: 1.2 MiB in 3 s.
        assert_eq!(ev.last().unwrap()["data"]["rate"], total / 3);
        assert_eq!(ev.last().unwrap()["data"]["elapsed"], 3.0);
    }

    #[test]
    fn json_start_and_error_come_even_for_a_transfer_that_moved_nothing() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let mut t = transfer("f", None, 7);
        t.direction = Direction::Upload;
        let mut j = Json::new_at(&t, Box::new(cap.clone()), t0);
        j.done_at(Err("426 transfer aborted"), t0 + ms(10));
        assert_eq!(
            cap.lines(),
            [
                r#"{"type":"progress","data":{"event":"start","direction":"upload","name":"f","bytes":7,"total":null,"offset":7,"elapsed":0.0,"rate":0}}"#,
                r#"{"type":"progress","data":{"event":"error","direction":"upload","name":"f","bytes":7,"total":null,"offset":7,"elapsed":0.01,"rate":0,"error":"426 transfer aborted"}}"#,
            ]
        );
    }

    /// A program gets the exact name back; the terminal never sees a control or bidi
    /// character raw (serde_json alone leaves DEL, C1 and bidi characters as they are).
    #[test]
    fn json_keeps_a_hostile_name_intact_but_escaped() {
        let cap = Capture::default();
        let t0 = Instant::now();
        let mut j = Json::new_at(&transfer(HOSTILE, Some(1), 0), Box::new(cap.clone()), t0);
        j.advance_at(1, t0 + ms(300));
        j.done_at(Ok(()), t0 + ms(300));
        let lines = cap.lines();
        assert_eq!(lines.len(), 3);
        for l in &lines {
            assert!(
                !l.chars().any(crate::listing::is_unsafe_for_terminal),
                "{l:?}"
            );
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["data"]["name"], HOSTILE);
        }
        assert!(
            lines[0].contains(r#""name":"evil\u001b[2J\u009b31m\u202egpj.exe\u007f""#),
            "{}",
            lines[0]
        );
    }
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
