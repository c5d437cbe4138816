//! All output: data and results on stdout, messages on stderr, progress, the protocol trace.
//!
//! Handlers hand the [`Printer`] typed results ([`model::Report`]); it renders them as text
//! for people ([`text`]) or, with `--json`, as NDJSON for programs ([`json`]). stdout carries
//! only data and results (listings, `cat`, `pwd`, `size`, JSON lines), so `ftpsh -c 'cat f' > f`
//! is clean; the banner, transfer summaries and errors go to stderr in text mode. Colour only
//! on a terminal and never with `NO_COLOR`. The Printer owns its writers, so tests can render
//! into buffers.

pub mod json;
pub mod model;
pub mod progress;
pub mod text;
pub mod trace;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;

use crate::error::LocalError;
use crate::listing::{Entry, display_name};
use model::Report;
use progress::{Bar, Json, NoProgress, Plain, Progress, ProgressMode, Transfer};
use text::{Line, clean_lines};
pub use trace::{install_trace_logger, last_sent_verb, set_trace, trace_on};

/// A writer the Printer owns: the process's stdout or stderr, or a buffer in tests.
type Sink = Mutex<Box<dyn Write + Send>>;

pub struct Printer {
    pub quiet: bool,
    /// `--json`: every result is an NDJSON line on stdout.
    json: bool,
    /// `ls --json` in a text run: JSON for the command being run.
    json_command: AtomicBool,
    /// The schema header has been written (it goes before the first JSON line of a run).
    header_done: AtomicBool,
    /// `--progress` (set by `app::run_client`; `auto` elsewhere).
    pub progress_mode: ProgressMode,
    /// While many transfers run at once (`-P`, trees): their bars go under one total line,
    /// which the bytes of every transfer advance when the total is counted in bytes.
    many: Mutex<Option<(indicatif::MultiProgress, Option<indicatif::ProgressBar>)>>,
    stdout_tty: bool,
    stderr_tty: bool,
    color: bool,
    out: Sink,
    err: Sink,
    /// Bytes written to stdout (or its redirect) so far: a command that has written
    /// something cannot be retried without repeating it.
    written: Arc<AtomicU64>,
}

impl Printer {
    pub fn new(quiet: bool, json: bool) -> Printer {
        let stdout_tty = std::io::stdout().is_terminal();
        let written = Arc::default();
        Printer {
            quiet,
            json,
            json_command: AtomicBool::new(false),
            header_done: AtomicBool::new(false),
            progress_mode: ProgressMode::Auto,
            many: Mutex::new(None),
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            color: stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            // Buffered: a listing of a million lines is not a million writes. Everything
            // but streamed listing lines is flushed as it is written, and the line runner
            // flushes after every command.
            out: counted(
                Box::new(std::io::BufWriter::with_capacity(
                    64 * 1024,
                    std::io::stdout(),
                )),
                &written,
            ),
            err: Mutex::new(Box::new(std::io::stderr())),
            written,
        }
    }

    /// The `json`, `progress` and `color` settings (`set` changes them mid-run; a JSON run
    /// started by `set json on` gets its header line first, as every JSON run does).
    pub fn apply_settings(&mut self, s: &crate::settings::Settings) {
        self.json = s.bool("json");
        self.progress_mode = match s.text("progress").as_str() {
            "bar" => ProgressMode::Bar,
            "plain" => ProgressMode::Plain,
            "json" => ProgressMode::Json,
            "none" => ProgressMode::None,
            _ => ProgressMode::Auto,
        };
        self.color = match s.text("color").as_str() {
            "always" => true,
            "never" => false,
            _ => self.stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
    }

    /// A Printer that shows nothing (a worker connection's login).
    pub fn discard() -> Printer {
        Printer {
            quiet: true,
            json: false,
            json_command: AtomicBool::new(false),
            header_done: AtomicBool::new(true),
            progress_mode: ProgressMode::None,
            many: Mutex::new(None),
            stdout_tty: false,
            stderr_tty: false,
            color: false,
            out: Mutex::new(Box::new(std::io::sink())),
            err: Mutex::new(Box::new(std::io::sink())),
            written: Arc::default(),
        }
    }

    /// A Printer that writes into the two buffers given (tests): no terminal, no colour.
    #[cfg(test)]
    pub fn buffered(json: bool, out: test_buf::Buf, err: test_buf::Buf) -> Printer {
        Printer {
            quiet: false,
            json,
            json_command: AtomicBool::new(false),
            header_done: AtomicBool::new(false),
            progress_mode: ProgressMode::Auto,
            many: Mutex::new(None),
            stdout_tty: false,
            stderr_tty: false,
            color: false,
            out: Mutex::new(Box::new(out)),
            err: Mutex::new(Box::new(err)),
            written: Arc::default(),
        }
    }

    /// How many bytes have gone to stdout (or its redirect) in this run.
    pub fn stdout_written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Whether results are rendered as JSON right now (`--json`, or `ls --json`).
    pub fn json(&self) -> bool {
        self.json || self.json_command.load(Ordering::Relaxed)
    }

    /// `ls --json` in a text run: JSON until [`Printer::end_command`].
    pub fn json_for_command(&self) {
        self.json_command.store(true, Ordering::Relaxed);
    }

    /// The line runner calls this after every command: back to the run's mode, and
    /// whatever a failed command left in the buffer goes out.
    pub fn end_command(&self) -> Result<()> {
        self.json_command.store(false, Ordering::Relaxed);
        self.flush()
    }

    /// Send stdout to `to` until [`Printer::restore_stdout`] (a command's `> FILE` or
    /// `| CMD`): everything written as data follows it (listings, `cat`'s bytes, JSON lines);
    /// messages and progress stay on stderr. What was written so far goes out first.
    pub fn redirect_stdout(&mut self, to: Box<dyn Write + Send>) -> Result<SavedStdout> {
        self.flush()?;
        let to = counted(to, &self.written)
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let sink = self.out.get_mut().unwrap_or_else(|p| p.into_inner());
        let saved = SavedStdout {
            out: std::mem::replace(sink, to),
            tty: self.stdout_tty,
            color: self.color,
        };
        // A file or a pipe gets plain lines: no columns, no colour.
        self.stdout_tty = false;
        self.color = false;
        Ok(saved)
    }

    /// Put stdout back; the redirect target is flushed and dropped (a pipe's stdin closes).
    pub fn restore_stdout(&mut self, saved: SavedStdout) -> Result<()> {
        let sink = self.out.get_mut().unwrap_or_else(|p| p.into_inner());
        let mut target = std::mem::replace(sink, saved.out);
        self.stdout_tty = saved.tty;
        self.color = saved.color;
        target
            .flush()
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    /// Render one result: a JSON line, or its text (stdout for data, stderr for messages).
    pub fn emit(&self, report: &Report) -> Result<()> {
        if self.json() {
            return self.json_line(report);
        }
        for line in text::render(report) {
            match line {
                Line::Out(t) => self.data(&t)?,
                Line::Info(t) => self.info(&t),
                Line::Banner(t) => self.banner(&t),
                Line::Debug(t) => self.debug(&t),
            }
        }
        Ok(())
    }

    /// The schema header of a JSON run, unless it was written already.
    pub fn json_header(&self) -> Result<()> {
        if self.header_done.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        self.write_json(&Report::Ftpsh(model::Header {
            schema: model::SCHEMA,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }))
    }

    fn json_line(&self, report: &Report) -> Result<()> {
        self.json_header()?;
        self.write_json(report)
    }

    fn write_json(&self, report: &Report) -> Result<()> {
        let mut line = serde_json::to_vec(report)?;
        line.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.write_all(&line)
            .and_then(|_| match report {
                // A listing of millions is not flushed line by line; the caller flushes.
                Report::Entry(_) => Ok(()),
                _ => out.flush(),
            })
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    /// Text for stdout, a line break added if missing. A closed pipe (`| head`) is a local
    /// write error, not a panic. Entries of a streamed listing are not flushed one by one.
    fn data(&self, text: &str) -> Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
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

    /// One line of a streamed listing (`dir`, `nlist`) as text, not flushed: [`Printer::flush`]
    /// follows each batch.
    pub fn listing_line(&self, line: &str) -> Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.write_all(display_name(line).as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    pub fn flush(&self) -> Result<()> {
        self.out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .flush()
            .map_err(|e| LocalError::new("stdout", e).into())
    }

    /// Where file content goes (`cat`, `get -o -`): stdout as it is, or, in JSON mode, `data`
    /// lines (see [`json::DataSink`]).
    pub fn content_sink<'a>(&'a self, path: &str) -> Box<dyn Write + 'a> {
        if self.json() {
            Box::new(json::DataSink::new(self, path))
        } else {
            Box::new(RawOut(self))
        }
    }

    fn err_line(&self, text: &str) {
        let write = || {
            let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
            // Nothing sensible is left to do when stderr itself is gone.
            let _ = writeln!(err, "{text}").and_then(|_| err.flush());
        };
        // Under the bars of many transfers the line goes above them: written behind their
        // back, it would be overdrawn or leave stale bars on the screen.
        let multi = self
            .many
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(m, _)| m.clone());
        match multi {
            Some(m) => m.suspend(write),
            None => write(),
        }
    }

    /// An informational message on stderr (suppressed by `-q`). Like every message on
    /// stderr it is cleaned line by line: messages quote server text (names, replies).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            self.err_line(&clean_lines(text));
        }
    }

    /// The server's greeting, cleaned line by line (server text). With the protocol trace on
    /// it is not repeated: the trace has shown it in its place, before the login.
    fn banner(&self, welcome: &str) {
        if trace_on() {
            return;
        }
        self.info(welcome);
    }

    /// A warning on stderr, shown even with `-q`.
    pub fn warn(&self, text: &str) {
        self.err_line(&format!("ftpsh: warning: {}", clean_lines(text)));
    }

    /// An error line on stderr. Only the line runner and `main` call this.
    pub fn error(&self, text: &str) {
        self.err_line(&clean_lines(text));
    }

    /// A failed command: its line on stderr, and in JSON mode an `error` object on stdout.
    pub fn failure(&self, line: &str, command: Option<&str>, err: &anyhow::Error) {
        self.error(line);
        self.failure_object(line, command, err);
    }

    /// A transient failure about to be retried: its line on stderr (shown even with `-q`: a
    /// wait must never look like a hang), with `--progress json` also as a `retry` object on
    /// stderr, and in JSON mode a `retry` object on stdout.
    pub fn retry(&self, data: model::RetryData) {
        self.err_line(&clean_lines(&data.message));
        // `--progress json` readers of stderr hear it among the transfer events.
        if self.progress_mode == ProgressMode::Json
            && let Ok(line) = serde_json::to_string(&Report::Retry(data.clone()))
        {
            self.err_line(&line);
        }
        if self.json() {
            let _ = self.json_line(&Report::Retry(data));
        }
    }

    /// The `error` object of a failure whose line someone else prints (`main`); nothing in
    /// text mode.
    pub fn failure_object(&self, line: &str, command: Option<&str>, err: &anyhow::Error) {
        if !self.json() {
            return;
        }
        let reply = crate::error::reply_of(err);
        let data = model::ErrorData {
            command: command.map(str::to_string),
            target: crate::error::Subject::of(err).map(str::to_string),
            code: reply.map(|r| r.0),
            reply: reply.map(|r| r.1.to_string()),
            exit: crate::error::exit_code(err),
            message: line.to_string(),
        };
        // A broken stdout is found by the next write; the line on stderr was the message.
        let _ = self.json_line(&Report::Error(data));
    }

    /// Protocol-level detail shown only in verbose mode.
    pub fn debug(&self, text: &str) {
        if trace_on() {
            self.err_line(&format!("* {}", clean_lines(text)));
        }
    }

    /// The progress display for a transfer, as `--progress` chose it (see
    /// [`ProgressMode::resolve`]); data on stdout gets no bar.
    pub fn progress(&self, t: &Transfer) -> Box<dyn Progress> {
        let stderr = || Box::new(std::io::stderr()) as Box<dyn Write + Send>;
        match self.progress_mode.resolve(self.quiet, self.stderr_tty) {
            ProgressMode::Bar if !t.to_stdout => {
                match self.many.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    Some((multi, total)) => {
                        // Drawn only by the multi: a bar that drew itself first would leave
                        // a stale line the multi does not know about.
                        let bar = Bar::hidden(t);
                        bar.join(multi);
                        Box::new(progress::Tee::new(bar, total.clone()))
                    }
                    None => Box::new(Bar::stderr(t)),
                }
            }
            ProgressMode::Plain => Box::new(Plain::new(t, t.summary && self.quiet, stderr())),
            ProgressMode::Json => Box::new(Json::new(t, stderr())),
            _ => Box::new(NoProgress),
        }
    }

    /// Many transfers at once: on a terminal (bar mode), one total line with each running
    /// transfer's bar below it, until the returned guard is dropped. The total counts the
    /// `jobs` done, and the bytes (with rate and ETA) when their total `bytes` is known.
    pub fn many(&self, what: &str, jobs: usize, bytes: Option<u64>) -> Many<'_> {
        let bar = match self.progress_mode.resolve(self.quiet, self.stderr_tty) {
            ProgressMode::Bar => {
                let multi = indicatif::MultiProgress::with_draw_target(
                    indicatif::ProgressDrawTarget::stderr(),
                );
                let total = multi.add(progress::total_bar(what, jobs as u64, bytes));
                // Drawn now and kept moving (its elapsed time), though no job has ended yet.
                total.enable_steady_tick(std::time::Duration::from_millis(200));
                let by_bytes = bytes.map(|_| total.clone());
                *self.many.lock().unwrap_or_else(|p| p.into_inner()) = Some((multi, by_bytes));
                Some(total)
            }
            _ => None,
        };
        Many {
            printer: self,
            bar,
            what: what.to_string(),
            jobs,
            done: std::sync::atomic::AtomicUsize::new(0),
            by_bytes: bytes.is_some(),
        }
    }

    /// Render a parsed listing of `path` (`None`: the working directory): columns or long
    /// form as text, one `entry` line per entry as JSON.
    pub fn listing(
        &self,
        path: Option<&str>,
        entries: &[Entry],
        long: bool,
        human: bool,
    ) -> Result<()> {
        if self.json() {
            for e in entries {
                self.json_line(&Report::Entry(json::entry(path, e)))?;
            }
            return self.flush();
        }
        if entries.is_empty() {
            return Ok(());
        }
        let text = if long {
            text::long_listing(entries, human, self.color)
        } else if self.stdout_tty {
            text::columns(entries, text::terminal_width(), self.color)
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

/// The stdout a redirect replaced (see [`Printer::redirect_stdout`]).
pub struct SavedStdout {
    out: Box<dyn Write + Send>,
    tty: bool,
    color: bool,
}

/// See [`Printer::many`].
pub struct Many<'a> {
    printer: &'a Printer,
    bar: Option<indicatif::ProgressBar>,
    what: String,
    jobs: usize,
    done: std::sync::atomic::AtomicUsize,
    by_bytes: bool,
}

impl Many<'_> {
    /// One more job finished (however it went).
    pub fn job_done(&self) {
        let Some(b) = &self.bar else {
            return;
        };
        if self.by_bytes {
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            b.set_message(format!(
                "{} {done}/{} files",
                display_name(&self.what),
                self.jobs
            ));
        } else {
            b.inc(1);
        }
    }
}

impl Drop for Many<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        *self.printer.many.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// `w`, counting the bytes it takes into `n`.
fn counted(w: Box<dyn Write + Send>, n: &Arc<AtomicU64>) -> Sink {
    Mutex::new(Box::new(Counted {
        inner: w,
        n: Arc::clone(n),
    }))
}

struct Counted {
    inner: Box<dyn Write + Send>,
    n: Arc<AtomicU64>,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// stdout as a plain writer (file content in text mode).
struct RawOut<'a>(&'a Printer);

impl Write for RawOut<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.out.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// Shared in-memory writers for tests of what the Printer writes.
#[cfg(test)]
pub mod test_buf {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Buf(pub Arc<Mutex<Vec<u8>>>);

    impl Buf {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
