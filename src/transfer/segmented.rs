//! Segmented download (`pget -n N`, `get --segments N`): one big file in N byte ranges, each
//! over a connection of its own (REST + RETR, the connection closed at the range's end),
//! written in place into `NAME.part`.
//!
//! A sidecar `NAME.part.segments` records where each range has got to (rewritten every few
//! MiB and whenever a range stops), so `pget -c` after Ctrl-C, a dropped connection or a
//! crash fetches only what is missing. The file is renamed into place only when every range
//! is complete and the size matches SIZE, as for any download.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{BLOCK, Done, part_path, read_stalled, remote_mtime, remote_size};
use crate::error::{Interrupted, LocalError, Remote, UsageError};
use crate::output::Printer;
use crate::output::progress::{Direction, Progress, Transfer};
use crate::session::{DATA_TICK, Session, WorkerSpec};

/// Ranges smaller than this are not worth a connection of their own.
const MIN_SEGMENT: u64 = 1024 * 1024;
/// How much a range moves, or how long it runs, between two sidecar writes: what a crash
/// can cost.
const SAVE_EVERY: u64 = 8 * 1024 * 1024;
const SAVE_AFTER: Duration = Duration::from_secs(1);
/// How long a round of logins that were all refused waits before the next (then twice as
/// long): time for the server to see the last connections close.
const ROUND_PAUSE: Duration = Duration::from_millis(500);
/// The first line of a sidecar: its format and version.
const MAGIC: &str = "ftpsh-segments 1";

/// One byte range `[start, end)` of the file, fetched up to `next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: u64,
    end: u64,
    next: u64,
}

impl Segment {
    fn done(&self) -> bool {
        self.next >= self.end
    }
}

/// The ranges of a file of `size` bytes for `n` connections: equal, none under
/// [`MIN_SEGMENT`] (so a small file gets fewer ranges), covering the file exactly.
fn split(size: u64, n: usize) -> Vec<Segment> {
    let n = (n as u64).clamp(1, size.div_ceil(MIN_SEGMENT).max(1));
    let len = size.div_ceil(n).max(1);
    (0..n)
        .map(|i| (i * len, ((i + 1) * len).min(size)))
        .filter(|(s, e)| s < e)
        .map(|(start, end)| Segment {
            start,
            end,
            next: start,
        })
        .collect()
}

/// The sidecar's text: the magic line, the remote size, one `start end next` line per range.
fn render(size: u64, segments: &[Segment]) -> String {
    let mut s = format!("{MAGIC}\nsize {size}\n");
    for g in segments {
        s.push_str(&format!("{} {} {}\n", g.start, g.end, g.next));
    }
    s
}

/// A sidecar read back; `None` when it is not one of ours, is for another size, or does not
/// cover `[0, size)` with ranges in order (then the download starts over).
fn parse(text: &str, size: u64) -> Option<Vec<Segment>> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let recorded: u64 = lines.next()?.strip_prefix("size ")?.parse().ok()?;
    if recorded != size {
        return None;
    }
    let mut segments = Vec::new();
    let mut expect = 0;
    for line in lines {
        let nums: Vec<u64> = line
            .split(' ')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        let [start, end, next] = nums[..] else {
            return None;
        };
        if start != expect || end <= start || next < start || next > end {
            return None;
        }
        expect = end;
        segments.push(Segment { start, end, next });
    }
    (expect == size && !segments.is_empty()).then_some(segments)
}

/// `NAME.part.segments` beside `NAME.part`.
pub fn sidecar_path(part: &Path) -> PathBuf {
    let mut name = part.file_name().unwrap_or_default().to_os_string();
    name.push(".segments");
    part.with_file_name(name)
}

/// What the ranges share: their state (saved to the sidecar) and the file.
struct Shared<'a> {
    segments: Mutex<Vec<Segment>>,
    /// Ranges not yet taken by a connection, by index.
    queue: Mutex<Vec<(usize, u32)>>,
    file: &'a File,
    sidecar: &'a Path,
    size: u64,
    remote: &'a str,
    refused: Mutex<Vec<String>>,
    /// Logins made, refused ones included.
    dials: AtomicUsize,
    logins: AtomicUsize,
    failures: Mutex<Vec<anyhow::Error>>,
}

impl Shared<'_> {
    fn save(&self) -> io::Result<()> {
        let text = render(
            self.size,
            &self.segments.lock().unwrap_or_else(|p| p.into_inner()),
        );
        let tmp = self.sidecar.with_extension("segments.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, self.sidecar)
    }

    fn take(&self) -> Option<(usize, u32)> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn queued(&self) -> usize {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn give_back(&self, i: usize, attempt: u32) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((i, attempt));
    }
}

/// Download `remote` into `target` in up to `n` ranges at once. With `resume`, a sidecar left
/// by an earlier run (for the same remote size) says what is already there.
pub fn pget(
    session: &mut Session,
    remote: &str,
    target: &Path,
    n: usize,
    resume: bool,
    out: &Printer,
) -> Result<Done> {
    if session.ascii {
        return Err(UsageError(
            "segmented downloads work in binary mode only (ascii changes sizes)".into(),
        )
        .into());
    }
    if let Ok(m) = std::fs::metadata(target)
        && !m.is_file()
    {
        return Err(LocalError::new(
            target.display().to_string(),
            io::Error::other("not a regular file (segments are written into NAME.part)"),
        )
        .into());
    }
    let Some(size) = remote_size(session, remote)? else {
        return Err(anyhow::anyhow!(
            "the server gives no size for it, so it cannot be split: use 'get'"
        ));
    };
    let part = part_path(target);
    let sidecar = sidecar_path(&part);
    for p in [&part, &sidecar] {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LocalError::new(
                p.display().to_string(),
                io::Error::other("is a symbolic link; refusing to write through it"),
            )
            .into());
        }
    }
    let part_len = std::fs::metadata(&part).map(|m| m.len()).ok();
    let earlier = std::fs::read_to_string(&sidecar)
        .ok()
        .and_then(|t| parse(&t, size))
        .filter(|_| part_len == Some(size));
    let segments = match (resume, earlier) {
        (true, Some(s)) => s,
        (resume, earlier) => {
            // Said only when bytes are there to lose: `pget -c` with nothing to resume, or
            // over an empty `.part`, just starts.
            if earlier.is_some() || part_len.is_some_and(|l| l > 0) {
                out.warn(&format!(
                    "{}: {}; starting over",
                    part.display(),
                    if resume {
                        "no usable record of the earlier ranges (or the remote size changed)"
                    } else {
                        "exists ('pget -c' resumes it)"
                    }
                ));
            }
            split(size, n)
        }
    };
    let fresh = segments.iter().all(|g| g.next == g.start);
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(fresh)
        .open(&part)
        .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    file.set_len(size)
        .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    let already: u64 = segments.iter().map(|g| g.next - g.start).sum();
    let pending: Vec<(usize, u32)> = segments
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.done())
        .map(|(i, _)| (i, 0))
        .rev()
        .collect();
    let workers = pending.len().min(n);
    let shared = Shared {
        segments: Mutex::new(segments),
        queue: Mutex::new(pending),
        file: &file,
        sidecar: &sidecar,
        size,
        remote,
        refused: Mutex::new(Vec::new()),
        dials: AtomicUsize::new(0),
        logins: AtomicUsize::new(0),
        failures: Mutex::new(Vec::new()),
    };
    shared
        .save()
        .map_err(|e| LocalError::new(sidecar.display().to_string(), e))?;
    let start = Instant::now();
    if workers > 0 {
        let spec = session.worker_spec()?;
        let progress = Mutex::new(out.progress(&Transfer {
            direction: Direction::Download,
            name: remote,
            total: Some(size),
            offset: already,
            to_stdout: false,
            summary: true,
        }));
        // Rounds. A server that limits logins per client (vsftpd's max_per_ip) refuses a
        // worker's next login while it has not yet seen the worker's last connection
        // close; the worker stops and its ranges stay queued. Another round takes them,
        // with as many connections as logged in last time; a round whose logins were all
        // refused waits a moment first (twice at most in a row). Each round with a login
        // fetches or gives up at least one range, so the rounds end; the cap is a second
        // guard.
        let mut round = workers;
        let mut refused_rounds = 0;
        for _ in 0..2 * shared.queued() + 4 {
            let before = shared.logins.load(Ordering::SeqCst);
            std::thread::scope(|scope| {
                for _ in 0..round {
                    scope.spawn(|| fetch_ranges(&spec, &shared, &progress));
                }
            });
            let logged_in = shared.logins.load(Ordering::SeqCst) - before;
            if shared.queued() == 0
                || shared.logins.load(Ordering::SeqCst) == 0
                || crate::interrupt::requested()
            {
                break;
            }
            if logged_in > 0 {
                refused_rounds = 0;
                round = shared.queued().min(logged_in);
                continue;
            }
            refused_rounds += 1;
            if refused_rounds > 2 {
                break;
            }
            // Ctrl-C ends the wait early; the next round sees it and does nothing.
            let _ = crate::retry::sleep(ROUND_PAUSE * refused_rounds);
            round = shared.queued().min(round);
        }
        let complete = shared
            .segments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .all(Segment::done);
        let mut progress = progress.into_inner().unwrap_or_else(|p| p.into_inner());
        progress.done(if complete { Ok(()) } else { Err("incomplete") });
    }
    let _ = shared.save();
    let refused = shared
        .refused
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    if !refused.is_empty() {
        out.warn(&format!(
            "{} of {} logins were refused ({})",
            refused.len(),
            shared.dials.load(Ordering::SeqCst),
            refused[0]
        ));
    }
    let segments = shared
        .segments
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let got: u64 = segments.iter().map(|g| g.next - g.start).sum::<u64>() - already;
    if crate::interrupt::requested() {
        return Err(Interrupted.into());
    }
    if let Some(g) = segments.iter().find(|g| !g.done()) {
        let mut failures = shared
            .failures
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let why = if failures.is_empty() {
            anyhow::Error::new(Remote::Incomplete(format!(
                "the range from byte {} was not fetched (no connection could log in)",
                g.next
            )))
        } else {
            failures.remove(0)
        };
        return Err(why.context("incomplete; 'pget -c' fetches only the missing ranges"));
    }
    let on_disk = file
        .metadata()
        .map_err(|e| LocalError::new(part.display().to_string(), e))?
        .len();
    if on_disk != size {
        return Err(Remote::Incomplete(format!("{on_disk} of {size} bytes on disk")).into());
    }
    // --verify: ranges arrive out of order, so the whole file is read once more here.
    let checksum = match super::verify_algo(session, out)? {
        Some(algo) => {
            let mut hasher = algo.hasher();
            std::fs::File::open(&part)
                .and_then(|mut f| crate::checksum::hash_prefix(&mut f, size, &mut hasher))
                .map_err(|e| LocalError::new(part.display().to_string(), e))?;
            super::compare(
                session,
                out,
                remote,
                Some(size),
                Some((algo, hasher)),
                |m| {
                    // The record of ranges goes too: every range is done, the bytes are wrong.
                    let _ = std::fs::remove_file(&sidecar);
                    super::keep_bad(&part, target, m)
                },
            )?
        }
        None => None,
    };
    if let Some(t) = remote_mtime(session, remote) {
        let _ = file.set_modified(t);
    }
    drop(file);
    std::fs::rename(&part, target).map_err(|e| LocalError::new(target.display().to_string(), e))?;
    let _ = std::fs::remove_file(&sidecar);
    Ok(Done {
        bytes: got,
        elapsed: start.elapsed(),
        verified: true,
        resumed_from: already,
        skipped: None,
        checksum,
    })
}

/// One connection's work: log in, take a range, fetch it from where it stands, close the
/// connection at its end (the rest of the file is not wanted); again while ranges are left.
/// The login comes before the range is taken, so a refused login leaves the ranges to the
/// connections that got in.
fn fetch_ranges(spec: &WorkerSpec, shared: &Shared, bar: &Mutex<Box<dyn Progress>>) {
    while shared.queued() > 0 {
        if crate::interrupt::requested() {
            return;
        }
        shared.dials.fetch_add(1, Ordering::SeqCst);
        let mut session = match spec.dial() {
            Ok(s) => s,
            Err(e) => {
                shared
                    .refused
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(crate::error::render(&e));
                return;
            }
        };
        shared.logins.fetch_add(1, Ordering::SeqCst);
        // The others were quicker: this login goes unused.
        let Some((i, attempt)) = shared.take() else {
            return;
        };
        match fetch_range(&mut session, shared, i, bar) {
            Ok(()) => {}
            Err(e) if e.is::<Interrupted>() => return,
            // The connection broke: once more over a fresh one, from where it got to.
            Err(_) if attempt == 0 => shared.give_back(i, 1),
            Err(e) => shared
                .failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e),
        }
        let _ = shared.save();
        // The data connection is closed already (the server may have been sending the
        // rest of the file: that stops it); the drop sends QUIT, within 2 s.
        drop(session);
    }
}

fn fetch_range(
    session: &mut Session,
    shared: &Shared,
    i: usize,
    bar: &Mutex<Box<dyn Progress>>,
) -> Result<()> {
    let seg = shared.segments.lock().unwrap_or_else(|p| p.into_inner())[i];
    let stall = session.opts.stall_timeout;
    session.arm_watchdog();
    let conn = session.conn()?;
    let remote = shared.remote;
    let opened = conn.data(|ftp| {
        ftp.resume_transfer(seg.next as usize)?;
        ftp.retr_as_stream(remote)
    });
    let mut stream = match opened {
        Ok(s) => s,
        Err(e) => {
            session.disarm_watchdog();
            return Err(e.into());
        }
    };
    let _ = stream.get_ref().get_ref().set_read_timeout(Some(DATA_TICK));
    let mut buf = vec![0u8; BLOCK];
    let mut pos = seg.next;
    let mut since_save = 0;
    let mut saved = Instant::now();
    let mut idle = Duration::ZERO;
    while pos < seg.end {
        if crate::interrupt::requested() {
            return Err(Interrupted.into());
        }
        let want = ((seg.end - pos) as usize).min(BLOCK);
        let n = match stream.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(Remote::Incomplete(format!(
                    "the data connection closed at byte {pos}, before the range's end at {}",
                    seg.end
                ))
                .into());
            }
            Ok(n) => n,
            Err(e) => {
                read_stalled(e, &mut idle, stall)?;
                continue;
            }
        };
        idle = Duration::ZERO;
        shared
            .file
            .write_all_at(&buf[..n], pos)
            .map_err(|e| LocalError::new("the .part file", e))?;
        pos += n as u64;
        since_save += n as u64;
        bar.lock()
            .unwrap_or_else(|p| p.into_inner())
            .advance(n as u64);
        shared.segments.lock().unwrap_or_else(|p| p.into_inner())[i].next = pos;
        if since_save >= SAVE_EVERY || saved.elapsed() >= SAVE_AFTER {
            since_save = 0;
            saved = Instant::now();
            let _ = shared.save();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_file_exactly() {
        for (size, n) in [
            (0u64, 4usize),
            (1, 4),
            (MIN_SEGMENT - 1, 4),
            (MIN_SEGMENT * 4, 4),
            (MIN_SEGMENT * 4 + 1, 4),
            (1 << 30, 4),
            (1 << 30, 16),
            (10 * MIN_SEGMENT + 7, 3),
        ] {
            let segs = split(size, n);
            assert!(segs.len() <= n.max(1), "{size}/{n}: {segs:?}");
            let mut expect = 0;
            for g in &segs {
                assert_eq!(g.start, expect, "{size}/{n}: {segs:?}");
                assert!(g.end > g.start && g.next == g.start);
                expect = g.end;
            }
            assert_eq!(expect, size, "{size}/{n}");
            if size >= MIN_SEGMENT * n as u64 {
                assert_eq!(segs.len(), n, "{size}/{n}");
            }
        }
        // A small file is one range: one connection is all it is worth.
        assert_eq!(split(MIN_SEGMENT / 2, 8).len(), 1);
    }

    #[test]
    fn the_sidecar_reads_back_and_refuses_what_does_not_fit() {
        let mut segs = split(10 * MIN_SEGMENT, 4);
        segs[1].next += 12345;
        segs[3].next = segs[3].end;
        let text = render(10 * MIN_SEGMENT, &segs);
        assert_eq!(parse(&text, 10 * MIN_SEGMENT), Some(segs.clone()));
        // Another size: the remote file changed.
        assert_eq!(parse(&text, 10 * MIN_SEGMENT + 1), None);
        // Damaged: a gap, a `next` past the end, junk, another format.
        let gap = text.replacen(&format!("{} ", segs[1].start), "5 ", 1);
        assert_eq!(parse(&gap, 10 * MIN_SEGMENT), None);
        let past = render(
            10 * MIN_SEGMENT,
            &[Segment {
                start: 0,
                end: 10 * MIN_SEGMENT,
                next: 10 * MIN_SEGMENT + 1,
            }],
        );
        assert_eq!(parse(&past, 10 * MIN_SEGMENT), None);
        assert_eq!(parse("junk", 1), None);
        // Ranges that stop short of the end (a line lost), an empty or inverted range, and a
        // `next` before its range's start.
        let short: String = text
            .lines()
            .take(text.lines().count() - 1)
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(parse(&short, 10 * MIN_SEGMENT), None);
        let odd = |start: u64, end: u64, next: u64| {
            let mut t = format!("{MAGIC}\nsize {}\n", 2 * MIN_SEGMENT);
            t.push_str(&format!("0 {start} {start}\n{start} {end} {next}\n"));
            if end < 2 * MIN_SEGMENT {
                t.push_str(&format!("{end} {} {end}\n", 2 * MIN_SEGMENT));
            }
            parse(&t, 2 * MIN_SEGMENT)
        };
        assert!(odd(MIN_SEGMENT, 2 * MIN_SEGMENT, MIN_SEGMENT).is_some());
        assert_eq!(
            odd(MIN_SEGMENT, MIN_SEGMENT, MIN_SEGMENT),
            None,
            "empty range"
        );
        assert_eq!(
            odd(MIN_SEGMENT, 2 * MIN_SEGMENT, MIN_SEGMENT - 1),
            None,
            "next before start"
        );
        assert_eq!(
            parse(&text.replace(MAGIC, "other 1"), 10 * MIN_SEGMENT),
            None
        );
        assert_eq!(
            parse(&format!("{MAGIC}\nsize 5\n"), 5),
            None,
            "no ranges at all"
        );
    }
}
