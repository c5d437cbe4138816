//! All terminal output: data on stdout, messages on stderr, listings, progress bars, the
//! protocol trace.
//!
//! stdout carries only data (listings, `cat`, `pwd`, `size`), so `ftpsh -c 'cat f' > f` is
//! clean; the banner, transfer summaries and errors go to stderr. Colour only on a terminal and
//! never with `NO_COLOR`.

pub mod progress;
pub mod text;
pub mod trace;

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::error::LocalError;
use crate::listing::{Entry, display_name};
use progress::{Bar, Json, NoProgress, Plain, Progress, ProgressMode, Transfer};
use text::{clean_lines, columns, human_size, long_listing, terminal_width};
pub use trace::{install_trace_logger, set_trace, trace_on};

pub struct Printer {
    pub quiet: bool,
    /// `--progress` (set by `app::run_client`; `auto` elsewhere).
    pub progress_mode: ProgressMode,
    stdout_tty: bool,
    stderr_tty: bool,
    color: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        let stdout_tty = std::io::stdout().is_terminal();
        Printer {
            quiet,
            progress_mode: ProgressMode::Auto,
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
        if trace_on() {
            eprintln!("* {}", clean_lines(text));
        }
    }

    /// The progress display for a transfer, as `--progress` chose it (see
    /// [`ProgressMode::resolve`]); data on stdout gets no bar.
    pub fn progress(&self, t: &Transfer) -> Box<dyn Progress> {
        let stderr = || Box::new(std::io::stderr()) as Box<dyn Write + Send>;
        match self.progress_mode.resolve(self.quiet, self.stderr_tty) {
            ProgressMode::Bar if !t.to_stdout => Box::new(Bar::stderr(t)),
            ProgressMode::Plain => Box::new(Plain::new(t, t.summary && self.quiet, stderr())),
            ProgressMode::Json => Box::new(Json::new(t, stderr())),
            _ => Box::new(NoProgress),
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
