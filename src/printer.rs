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
use crate::listing::{Entry, Kind, display_name};

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

    /// An informational message on stderr (suppressed by `-q`).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A warning on stderr, shown even with `-q`.
    pub fn warn(&self, text: &str) {
        eprintln!("ftpsh: warning: {text}");
    }

    /// An error line on stderr. Only the line runner and `main` call this.
    pub fn error(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Protocol-level detail shown only in verbose mode.
    pub fn debug(&self, text: &str) {
        if TRACE.load(Ordering::Relaxed) {
            eprintln!("* {text}");
        }
    }

    /// A progress bar for a transfer (hidden unless stderr is a terminal and not `-q`).
    pub fn progress(&self, name: &str, total: Option<u64>, start: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(total, self.bar_target());
        let template = if total.is_some() {
            "{msg:20!} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
        } else {
            "{msg:20!} {spinner} {bytes} {bytes_per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
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

pub fn terminal_width() -> usize {
    if let Some(w) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return w;
    }
    let (_, w) = console::Term::stdout().size();
    if w == 0 { 80 } else { w as usize }
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
    let ncols = (width / widest).max(1);
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
        let perms = e.permissions.clone().unwrap_or_else(|| "---------".into());
        let date = e
            .modified
            .map(format_time)
            .unwrap_or_else(|| " ".repeat(16));
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

/// Prints suppaftp's control-channel log lines as a protocol trace, with the password masked.
struct TraceLogger;

static LAST_IN: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

impl log::Log for TraceLogger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        TRACE.load(Ordering::Relaxed) && m.target().starts_with("suppaftp")
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let msg = record.args().to_string();
        if let Some(cmd) = msg.strip_prefix("CC OUT: ") {
            // A new command: its reply may repeat the last one and must still be shown.
            if let Ok(mut last) = LAST_IN.lock() {
                last.clear();
            }
            eprintln!("--> {}", mask_password(cmd));
        } else if let Some(reply) = msg.strip_prefix("CC IN: ") {
            // suppaftp logs the first line of a reply twice; show it once.
            if let Ok(mut last) = LAST_IN.lock() {
                if *last == reply {
                    return;
                }
                *last = reply.to_string();
            }
            let text = parse_logged_bytes(reply);
            eprintln!("<-- {}", display_name(text.trim_end()));
        }
    }

    fn flush(&self) {}
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

/// `PASS secret` → `PASS ****` (also `ACCT`).
pub fn mask_password(cmd: &str) -> String {
    let upper = cmd.to_ascii_uppercase();
    if upper.starts_with("PASS ") || upper.starts_with("ACCT ") {
        format!("{} ****", &cmd[..4])
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
    }

    #[test]
    fn logged_bytes_decode() {
        assert_eq!(parse_logged_bytes("[50, 50, 48, 32, 104, 105]"), "220 hi");
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
    fn long_listing_shows_raw_lines_and_human_sizes() {
        let mut raw = entry("weird line", Kind::Other);
        raw.raw = Some("weird line".into());
        let es = vec![entry("f", Kind::File), raw];
        let text = long_listing(&es, true, false);
        assert!(text.contains("-rw-r--r-- 1.5 KiB"), "{text}");
        assert!(text.ends_with("weird line\n"));
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
