//! The get/put engine: stream between a data connection and a file in constant memory.
//!
//! A download goes to `NAME.part` next to its target and is renamed into place only after the
//! server's 226 and (in binary mode) a size check, so a file under its final name is always
//! complete. On failure or Ctrl-C the `.part` stays for `get -c`. Blocks are 256 KiB: big
//! writes are what makes large downloads cheap (DESIGN.md, "Zero-copy").

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use suppaftp::TransferStream;

use crate::checksum::{Algo, Hasher, Tee, Verified};
use crate::error::{Interrupted, LocalError, Remote};
use crate::output::Printer;
use crate::output::progress::{Direction, Progress, Transfer};
use crate::session::{AFTERMATH, AFTERMATH_ABORT, Conn, DATA_TICK, Session, data_io_error};
use crate::tls;

pub mod pool;
pub mod segmented;
pub mod zerocopy;

const BLOCK: usize = 256 * 1024;
// Blocks under 128 KiB make large downloads markedly slower (DESIGN.md, measured against
// vsftpd): a smaller block is a build error, not a silent regression.
const _: () = assert!(BLOCK >= 128 * 1024);

/// How a finished transfer went, for its report.
pub struct Done {
    pub bytes: u64,
    pub elapsed: Duration,
    /// The size was checked against what the server announced (SIZE or its listing).
    pub verified: bool,
    /// Where a resumed transfer started.
    pub resumed_from: u64,
    /// Why nothing was transferred, if nothing was.
    pub skipped: Option<Skip>,
    /// `--verify`: the server's checksum matched the bytes transferred.
    pub checksum: Option<Verified>,
}

/// Why a transfer had nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// `-c`: the target already has every byte.
    AlreadyComplete,
    /// `-n`: an existing file was left alone.
    Kept,
    /// What a glob matched turned out not to be a file (a link to a directory).
    NotAFile,
}

impl Done {
    /// A transfer that did not happen at all.
    pub fn nothing() -> Done {
        Done {
            bytes: 0,
            elapsed: Duration::ZERO,
            verified: false,
            resumed_from: 0,
            skipped: None,
            checksum: None,
        }
    }

    pub fn skipped(why: Skip) -> Done {
        Done {
            bytes: 0,
            elapsed: Duration::ZERO,
            verified: true,
            resumed_from: 0,
            skipped: Some(why),
            checksum: None,
        }
    }
}

/// How `get` treats what is already on the local side.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetOpts {
    /// `-c`: continue `NAME.part` where it stopped.
    pub resume: bool,
    /// `-n`: leave an existing file alone.
    pub no_clobber: bool,
    /// What a listing already said about the file (a tree walk): its size and
    /// modification time, so no SIZE or MDTM round trip is spent per file.
    pub known: Option<Known>,
}

/// A remote file's size and modification time, as its directory's listing gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known {
    pub size: Option<u64>,
    pub mtime: Option<std::time::SystemTime>,
}

/// A download whose checksum did not match: its bytes move from `part` to `FILE.bad`, where
/// `get -c` (which would finish a complete `.part` by renaming it) never picks them up.
/// Returns the message: `mismatch` and where the bytes are.
pub(super) fn keep_bad(part: &Path, target: &Path, mismatch: String) -> String {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".bad");
    let bad = target.with_file_name(name);
    match std::fs::rename(part, &bad) {
        Ok(()) => format!(
            "{mismatch}; the download is kept as {} (not as .part: 'get -c' must not finish it)",
            bad.display()
        ),
        Err(e) => format!(
            "{mismatch}; the download is in {}, which could not be renamed to {} ({e}): remove it before 'get -c'",
            part.display(),
            bad.display()
        ),
    }
}

/// `FILE.part` beside `FILE`.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// The size to check a download against: SIZE, or the listing when SIZE is refused (502), so
/// a transfer cut short is caught either way; `None` in ascii mode, where the server's size
/// counts other line endings. A missing file fails here (550), before any local file
/// exists; a directory says so instead of "could not get file size".
fn remote_size(session: &mut Session, remote: &str) -> Result<Option<u64>> {
    if session.ascii {
        return Ok(None);
    }
    let conn = session.conn()?;
    match size(&mut conn.ftp, remote) {
        Ok(s) => return Ok(Some(s)),
        Err(e) => match Session::ftp_err(e) {
            r @ Remote::Reply {
                code: 550 | 450, ..
            } => return Err(not_a_file(session, remote, r.into())),
            r if r.connection_gone() => return Err(r.into()),
            _ => {}
        },
    }
    Ok(session
        .list(Some(remote))
        .ok()
        .and_then(|entries| match entries.as_slice() {
            [e] if e.raw.is_none() && e.kind == crate::listing::Kind::File => e.size,
            _ => None,
        }))
}

/// A refusal (550) of a path that is a directory says so, rather than "could not get file
/// size" (vsftpd) or "file not found" (libunftp, whose SIZE answers for directories too).
fn not_a_file(session: &mut Session, remote: &str, err: anyhow::Error) -> anyhow::Error {
    let refused = err.downcast_ref::<Remote>().is_some_and(|r| {
        matches!(
            r,
            Remote::Reply {
                code: 550 | 450,
                ..
            }
        )
    });
    if refused && session.is_dir(remote).unwrap_or(false) {
        return Remote::WrongKind("is a directory (get fetches files)".into()).into();
    }
    err
}

/// The remote file's modification time (MDTM, UTC), when the server offers it.
fn remote_mtime(session: &mut Session, remote: &str) -> Option<std::time::SystemTime> {
    let conn = session.conn().ok()?;
    if !conn.has_feature("MDTM") {
        return None;
    }
    mdtm(&mut conn.ftp, remote)
}

/// Download `remote` into `target` (a file path whose directory exists). A regular file is
/// written as `NAME.part` and renamed into place once complete; an existing device, FIFO or
/// socket (`-o /dev/null`) is written straight to, never replaced.
pub fn download(
    session: &mut Session,
    remote: &str,
    target: &Path,
    opts: GetOpts,
    out: &Printer,
) -> Result<Done> {
    let existing = std::fs::metadata(target).ok();
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(LocalError::new(
            target.display().to_string(),
            io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
        )
        .into());
    }
    let special = existing.as_ref().is_some_and(|m| !m.is_file());
    // A retry continues the `.part` the failed try left (see src/retry.rs).
    let opts = GetOpts {
        resume: opts.resume || (session.retry_resume && !special && !session.ascii),
        ..opts
    };
    if opts.no_clobber && existing.as_ref().is_some_and(|m| m.is_file()) {
        return Ok(Done::skipped(Skip::Kept));
    }
    if special && opts.resume {
        return Err(crate::error::UsageError(format!(
            "get -c: {} is not a regular file, so there is nothing to continue",
            target.display()
        ))
        .into());
    }
    if opts.resume && session.ascii {
        return Err(crate::error::UsageError(
            "get -c works in binary mode only (ascii changes sizes)".into(),
        )
        .into());
    }
    let size = match opts.known {
        Some(Known { size: Some(s), .. }) if !session.ascii => Some(s),
        _ => remote_size(session, remote)?,
    };
    let verify = verify_algo(session, out)?;
    if special {
        // A device, FIFO or socket: renaming a `.part` onto it would replace the node (as
        // root, `/dev/null` would become a file), so it is opened and written as it is.
        let mut sink = OpenOptions::new()
            .write(true)
            .open(target)
            .map_err(|e| LocalError::new(target.display().to_string(), e))?;
        let mut hasher = verify.map(Algo::hasher);
        let fd = sink.as_raw_fd();
        let (got, elapsed) = fetch_hashed(
            session,
            &mut sink,
            fd,
            hasher.as_mut(),
            &target.display().to_string(),
            out,
            &Transfer {
                direction: Direction::Download,
                name: remote,
                total: size,
                offset: 0,
                to_stdout: false,
                summary: true,
            },
        )?;
        if let Some(total) = size
            && got != total
        {
            return Err(
                Remote::Incomplete(format!("short transfer: {got} of {total} bytes")).into(),
            );
        }
        let checksum = compare(session, out, remote, size, verify.zip(hasher), |m| {
            format!("{m} (written to {})", target.display())
        })?;
        return Ok(Done {
            bytes: got,
            elapsed,
            verified: size.is_some(),
            resumed_from: 0,
            skipped: None,
            checksum,
        });
    }

    let part = part_path(target);
    // In a shared directory a planted `NAME.part` symlink would redirect the download.
    let part_meta = std::fs::symlink_metadata(&part).ok();
    if part_meta
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err(LocalError::new(
            part.display().to_string(),
            io::Error::other("is a symbolic link; refusing to write through it"),
        )
        .into());
    }
    let part_len = part_meta.as_ref().map(|m| m.len()).unwrap_or(0);
    let mut offset = if opts.resume { part_len } else { 0 };
    if !opts.resume && part_len > 0 {
        out.warn(&format!(
            "{} exists: starting over ('get -c' resumes it)",
            part.display()
        ));
    }
    if let Some(total) = size {
        if offset > total {
            return Err(anyhow::anyhow!(
                "{} has {offset} bytes, more than the remote file's {total}; remove it to start over",
                part.display()
            ));
        }
        if opts.resume && offset == 0 && existing.as_ref().is_some_and(|m| m.len() == total) {
            return Ok(Done::skipped(Skip::AlreadyComplete));
        }
    }

    let existed = part_meta.is_some();
    // Readable too: `--verify` hashes the part a resumed download already has.
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(offset == 0)
        .open(&part)
        .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    }
    let part_name = part.display().to_string();
    // --verify: the bytes already in a resumed `.part` are hashed first, the rest as it comes.
    let mut hasher = verify.map(Algo::hasher);
    if let Some(h) = hasher.as_mut()
        && offset > 0
    {
        crate::checksum::hash_prefix(&mut file, offset, h)
            .map_err(|e| LocalError::new(part_name.clone(), e))?;
    }
    let (got, elapsed) = if size == Some(offset) && offset > 0 {
        // Everything is already here; only the rename is missing.
        (0, Duration::ZERO)
    } else {
        let transfer = Transfer {
            direction: Direction::Download,
            name: remote,
            total: size,
            offset,
            to_stdout: false,
            summary: true,
        };
        let fd = file.as_raw_fd();
        let fetched = match fetch_hashed(
            session,
            &mut file,
            fd,
            hasher.as_mut(),
            &part_name,
            out,
            &transfer,
        ) {
            Err(e) if e.is::<RestRefused>() => {
                // A server without REST (or refusing it here): the whole file again.
                out.warn(&format!(
                    "{}: the server cannot resume ({}); starting over",
                    crate::listing::display_name(remote),
                    crate::error::render(&e)
                ));
                offset = 0;
                file.set_len(0)
                    .and_then(|_| file.seek(SeekFrom::Start(0)).map(drop))
                    .map_err(|e| LocalError::new(part_name.clone(), e))?;
                hasher = verify.map(Algo::hasher);
                fetch_hashed(
                    session,
                    &mut file,
                    fd,
                    hasher.as_mut(),
                    &part_name,
                    out,
                    &Transfer {
                        offset: 0,
                        ..transfer
                    },
                )
            }
            other => other,
        };
        match fetched {
            Ok(r) => r,
            Err(e) => {
                // Remove a `.part` we created when nothing arrived: no stray empty files.
                let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
                drop(file);
                if !existed && empty {
                    let _ = std::fs::remove_file(&part);
                }
                return Err(e);
            }
        }
    };
    file.flush()
        .map_err(|e| LocalError::new(part_name.clone(), e))?;
    let on_disk = file
        .metadata()
        .map_err(|e| LocalError::new(part_name.clone(), e))?
        .len();
    if let Some(total) = size
        && on_disk != total
    {
        return Err(Remote::Incomplete(format!(
            "short transfer: {on_disk} of {total} bytes; the rest can be fetched with 'get -c'"
        ))
        .into());
    }
    // A mismatch keeps the `.part`: the file never gets its final name.
    let checksum = compare(session, out, remote, size, verify.zip(hasher), |m| {
        keep_bad(&part, target, m)
    })?;
    // Keep the server's modification time, as lftp does.
    let mtime = match opts.known {
        Some(k) => k.mtime,
        None => remote_mtime(session, remote),
    };
    if let Some(t) = mtime {
        let _ = file.set_modified(t);
    }
    drop(file);
    std::fs::rename(&part, target).map_err(|e| LocalError::new(target.display().to_string(), e))?;
    Ok(Done {
        bytes: got,
        elapsed,
        verified: size.is_some(),
        resumed_from: offset,
        skipped: None,
        checksum,
    })
}

/// `--verify` for this transfer: the algorithm to compare with the server's (see
/// [`crate::checksum::Verify`]).
pub(super) fn verify_algo(session: &mut Session, out: &Printer) -> Result<Option<Algo>> {
    if !session.verify.wanted {
        return Ok(None);
    }
    let offer = session.conn()?.checksum_offer();
    Ok(session.verify.algo(&offer, session.ascii, |m| out.warn(m)))
}

/// Why a transfer under `--verify` takes the block loop (see [`zerocopy::eligible`]).
const HASHED: &str = "--verify hashes the bytes as they pass";

/// [`fetch`] into the file `sink` (its descriptor `fd`, for zero-copy), hashing what is
/// written when `hasher` is given (the bytes then pass through user space).
fn fetch_hashed(
    session: &mut Session,
    sink: &mut dyn Write,
    fd: RawFd,
    hasher: Option<&mut Hasher>,
    sink_name: &str,
    out: &Printer,
    t: &Transfer,
) -> Result<(u64, Duration)> {
    match hasher {
        Some(hasher) => fetch(
            session,
            &mut Tee {
                inner: sink,
                hasher,
            },
            Err(HASHED),
            sink_name,
            out,
            t,
        ),
        None => fetch(session, sink, Ok(fd), sink_name, out, t),
    }
}

/// After a transfer whose size checked out: ask the server for its checksum of `remote` and
/// compare it with the one computed while streaming. A mismatch is an error (exit 1) with
/// both sums; `what` (called only then) deals with the bytes and says where they are.
/// Under the `verify` setting alone (no `--verify`), a server that will not hash this file
/// (a 5xx) or answers without a digest leaves the size check, with a warning: the setting
/// means "where the server can".
pub(super) fn compare(
    session: &mut Session,
    out: &Printer,
    remote: &str,
    size: Option<u64>,
    local: Option<(Algo, Hasher)>,
    what: impl FnOnce(String) -> String,
) -> Result<Option<Verified>> {
    let Some((algo, hasher)) = local else {
        return Ok(None);
    };
    let mine = hasher.finish();
    let theirs = match session.conn()?.checksum(remote, Some(algo), size) {
        Ok((_, hex)) => hex,
        Err(e) if !session.verify.explicit && crate::checksum::not_hashed(&e) => {
            out.warn(&format!(
                "{}: no checksum from the server ({}): size checked only",
                crate::listing::display_name(remote),
                crate::error::render(&e)
            ));
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if theirs != mine {
        return Err(anyhow::anyhow!(what(format!(
            "{algo} mismatch: the server's is {theirs}, the local copy's {mine}"
        ))));
    }
    Ok(Some(Verified { algo, hex: mine }))
}

/// RETR `t.name` from `t.offset` into `sink`, at most `total - offset` bytes when the total
/// is known (a server that keeps sending is stopped there); returns the bytes received and
/// the time taken. The final reply must be 226: a 426 or a cut is a broken transfer (exit 8).
/// Progress goes to the display `out` picks for `t`, which hears how the transfer ended.
/// `file` is `sink`'s descriptor when it has one (see [`zerocopy::eligible`]).
fn fetch(
    session: &mut Session,
    sink: &mut dyn Write,
    file: Result<RawFd, &'static str>,
    sink_name: &str,
    out: &Printer,
    t: &Transfer,
) -> Result<(u64, Duration)> {
    let (remote, size, offset) = (t.name, t.total, t.offset);
    let ascii = session.ascii;
    let (timeout, stall) = (session.opts.timeout, session.opts.stall_timeout);
    let conn = session.conn()?;
    // REST is armed inside: a retry after a refused EPSV needs it again.
    let opened = conn.data(|ftp| {
        if offset > 0 {
            ftp.resume_transfer(offset as usize)?;
        }
        ftp.retr_as_stream(remote)
    });
    let mut stream = match opened {
        Ok(s) => s,
        // suppaftp sends the REST just before RETR; a "not implemented" or syntax answer
        // with an offset armed is the REST's (RETR of a missing file says 550).
        Err(
            e @ Remote::Reply {
                code: 500 | 501 | 502 | 504,
                ..
            },
        ) if offset > 0 => {
            return Err(anyhow::Error::new(e).context(RestRefused));
        }
        Err(e) => return Err(not_a_file(session, remote, e.into())),
    };
    let conn = session.conn()?;
    let _ = stream.get_ref().get_ref().set_read_timeout(Some(DATA_TICK));
    let mut progress = out.progress(t);
    let start = Instant::now();
    let limit = size.map(|s| s.saturating_sub(offset));
    let result = match zerocopy::eligible(&stream, ascii, file) {
        Ok(()) => zerocopy::download(
            &mut stream,
            file.unwrap_or(-1),
            sink,
            sink_name,
            &mut *progress,
            stall,
            limit,
        ),
        Err(why) => {
            zerocopy::trace_blocks(why);
            copy_down(&mut stream, sink, &mut *progress, ascii, stall, limit)
        }
    };
    let got = match result {
        Ok(n) => n,
        Err(stop) => {
            return Err(failed(
                &mut *progress,
                finish_failed(conn, stream, stop, sink_name),
            ));
        }
    };
    conn.watchdog.arm(timeout);
    if let Err(e) = stream.finish() {
        // libunftp answers RETR of a directory with 150, then 550.
        let err = not_a_file(session, remote, transfer_reply(e));
        return Err(failed(&mut *progress, err));
    }
    // The callers turn a short transfer into their own error; the display hears it now.
    match size {
        Some(total) if offset + got != total => progress.done(Err(&format!(
            "short transfer: {} of {total} bytes",
            offset + got
        ))),
        _ => progress.done(Ok(())),
    }
    Ok((got, start.elapsed()))
}

/// The server refused REST (a 5xx: it cannot start a download part-way); the caller starts
/// over from the first byte.
#[derive(Debug)]
struct RestRefused;

impl std::fmt::Display for RestRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server refused REST")
    }
}
impl std::error::Error for RestRefused {}

/// Tells the display a transfer failed, and why (the text the error line will show).
fn failed(progress: &mut dyn Progress, err: anyhow::Error) -> anyhow::Error {
    progress.done(Err(&crate::error::render(&err)));
    err
}

/// A transfer's final reply as an error: 425/426 (the data connection broke or was closed)
/// mean an incomplete transfer, the same exit code (8) as a data connection that was cut.
fn transfer_reply(e: suppaftp::FtpError) -> anyhow::Error {
    match Session::ftp_err(e) {
        Remote::Reply {
            code: code @ (425 | 426),
            text,
        } => Remote::Incomplete(format!("transfer broken off: {code} {text}")).into(),
        other => other.into(),
    }
}

/// Stream a remote file into `sink` (`cat`, `get -o -`), checked against its size.
/// `summary`: the caller prints a summary line afterwards (`get -o -`; `cat` does not).
pub fn download_to(
    session: &mut Session,
    remote: &str,
    sink: &mut dyn Write,
    sink_name: &str,
    out: &Printer,
    summary: bool,
) -> Result<Done> {
    let size = remote_size(session, remote)?;
    // No bar (`to_stdout`): what is written here may be on the same terminal.
    let transfer = Transfer {
        direction: Direction::Download,
        name: remote,
        total: size,
        offset: 0,
        to_stdout: true,
        summary,
    };
    let verify = verify_algo(session, out)?;
    let mut hasher = verify.map(Algo::hasher);
    let (got, elapsed) = match hasher.as_mut() {
        Some(hasher) => fetch(
            session,
            &mut Tee {
                inner: sink,
                hasher,
            },
            Err("not a regular file"),
            sink_name,
            out,
            &transfer,
        )?,
        None => fetch(
            session,
            sink,
            Err("not a regular file"),
            sink_name,
            out,
            &transfer,
        )?,
    };
    sink.flush()
        .map_err(|e| LocalError::new(sink_name.to_string(), e))?;
    if let Some(total) = size
        && got != total
    {
        return Err(Remote::Incomplete(format!("short transfer: {got} of {total} bytes")).into());
    }
    let checksum = compare(session, out, remote, size, verify.zip(hasher), |m| {
        format!("{m} (already written to {sink_name})")
    })?;
    Ok(Done {
        bytes: got,
        elapsed,
        verified: size.is_some(),
        resumed_from: 0,
        skipped: None,
        checksum,
    })
}

/// A read of a data connection that returned an error: `Ok` to read again (a poll tick
/// passed with no data, or a signal came), or the end of the transfer: no data for
/// `timeout`, or the connection broke.
fn read_stalled(e: io::Error, idle: &mut Duration, timeout: Duration) -> Result<(), Remote> {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            *idle += DATA_TICK;
            if *idle >= timeout {
                return Err(Remote::Incomplete(format!(
                    "no data for {} s: transfer stalled (--stall-timeout)",
                    timeout.as_secs()
                )));
            }
            Ok(())
        }
        io::ErrorKind::Interrupted => Ok(()),
        _ => Err(data_io_error(e)),
    }
}

/// Why a copy loop stopped early.
enum Stop {
    Interrupted,
    Local(io::Error),
    Remote(Remote),
}

/// Read the data connection to EOF into `file`, converting CRLF to LF in ascii mode.
fn copy_down<S: Read>(
    stream: &mut S,
    file: &mut dyn Write,
    progress: &mut dyn Progress,
    ascii: bool,
    timeout: Duration,
    limit: Option<u64>,
) -> Result<u64, Stop> {
    let mut buf = vec![0u8; BLOCK];
    let mut conv = CrlfToLf::default();
    let mut total = 0u64;
    let mut idle = Duration::ZERO;
    loop {
        if crate::interrupt::requested() {
            return Err(Stop::Interrupted);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                read_stalled(e, &mut idle, timeout).map_err(Stop::Remote)?;
                progress.advance(0);
                continue;
            }
        };
        idle = Duration::ZERO;
        // A server that sends more than it announced (endless data) is stopped at the
        // announced size: what is written never exceeds it.
        let (n, over) = match limit {
            Some(l) if total + n as u64 > l => ((l - total) as usize, true),
            _ => (n, false),
        };
        let data = if ascii {
            conv.convert(&buf[..n])
        } else {
            &buf[..n]
        };
        file.write_all(data).map_err(Stop::Local)?;
        total += n as u64;
        progress.advance(n as u64);
        if over {
            return Err(Stop::Remote(zerocopy::sent_more(limit.unwrap_or(0))));
        }
    }
    if ascii && conv.pending_cr {
        file.write_all(b"\r").map_err(Stop::Local)?;
    }
    Ok(total)
}

/// Clean up a transfer that stopped early and say why. Ctrl-C sends ABOR; other failures
/// close the data connection and read the server's final reply, which names the cause better
/// than a broken socket does (552 quota exceeded). Either way the control connection may be
/// out of step afterwards (libunftp's late 426 after ABOR), so a NOOP checks it, and the
/// session reconnects before the next command if it does not answer. [`Conn::aftermath`]
/// bounds all of it, and a second Ctrl-C cuts it short.
fn finish_failed(
    conn: &mut Conn,
    stream: TransferStream<tls::Stream>,
    stop: Stop,
    local_name: &str,
) -> anyhow::Error {
    let wait = match stop {
        Stop::Interrupted => AFTERMATH_ABORT,
        _ => AFTERMATH,
    };
    conn.aftermath(wait, |conn| match stop {
        Stop::Interrupted => {
            if let Err(e) = conn.ftp.abort(stream) {
                // vsftpd and pyftpdlib end ABOR with 225, which suppaftp does not expect.
                if !matches!(Session::ftp_err(e), Remote::Reply { code: 225, .. }) {
                    conn.dead = true;
                }
            }
            resync(conn);
            Interrupted.into()
        }
        Stop::Local(e) => {
            let _ = conn.ftp.abort(stream);
            resync(conn);
            LocalError::new(local_name, e).into()
        }
        Stop::Remote(r) => {
            let reply = stream.finish().err().map(Session::ftp_err);
            resync(conn);
            // 451/452/552 (local error, no space, quota) say why; a 425 or 426 only repeats
            // that the transfer broke, so the break itself is the better message.
            match reply {
                Some(reply @ Remote::Reply { code: 450.., .. }) => reply.into(),
                _ => r.into(),
            }
        }
    })
}

/// NOOP: does the control connection still answer in step? If not, mark it for reconnect.
fn resync(conn: &mut Conn) {
    if !conn.dead && conn.ftp.noop().is_err() {
        conn.dead = true;
    }
}

/// Upload `local` to `remote`. With `resume`, continue after the bytes the server already has.
pub fn upload(
    session: &mut Session,
    local: &Path,
    remote: &str,
    resume: bool,
    out: &Printer,
) -> Result<Done> {
    let ascii = session.ascii;
    let stall = session.opts.stall_timeout;
    let mut file =
        File::open(local).map_err(|e| LocalError::new(local.display().to_string(), e))?;
    let meta = file
        .metadata()
        .map_err(|e| LocalError::new(local.display().to_string(), e))?;
    if meta.is_dir() {
        return Err(LocalError::new(
            local.display().to_string(),
            io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
        )
        .into());
    }
    let len = meta.len();
    // A retry continues after what the server got of the failed try (see src/retry.rs).
    let resume = resume || (session.retry_resume && !ascii);
    if resume && ascii {
        return Err(crate::error::UsageError(
            "put -c works in binary mode only (ascii changes sizes)".into(),
        )
        .into());
    }
    let verify = verify_algo(session, out)?;
    let conn = session.conn()?;
    let mut offset = 0;
    if resume {
        offset = match size(&mut conn.ftp, remote) {
            Ok(s) => s,
            Err(e) => match Session::ftp_err(e) {
                Remote::Reply { code: 550, .. } => 0,
                other => return Err(other.into()),
            },
        };
        if offset > len {
            return Err(anyhow::anyhow!(
                "the remote file has {offset} bytes, more than the local {len}"
            ));
        }
        if offset == len {
            return Ok(Done::skipped(Skip::AlreadyComplete));
        }
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| LocalError::new(local.display().to_string(), e))?;
    }
    // --verify: what the server already has is hashed from the local file, the rest as it
    // is sent.
    let mut hasher = verify.map(Algo::hasher);
    if let Some(h) = hasher.as_mut()
        && offset > 0
    {
        crate::checksum::hash_prefix(&mut file, offset, h)
            .map_err(|e| LocalError::new(local.display().to_string(), e))?;
    }
    let use_rest = offset > 0 && conn.has_feature("REST");
    let mut stream = conn.data(|ftp| {
        if offset > 0 && !use_rest {
            return ftp.append_with_stream(remote);
        }
        if use_rest {
            ftp.resume_transfer(offset as usize)?;
        }
        ftp.put_with_stream(remote)
    })?;
    let _ = stream
        .get_ref()
        .get_ref()
        .set_write_timeout(Some(DATA_TICK));
    let timeout = conn.timeout;
    let mut progress = out.progress(&Transfer {
        direction: Direction::Upload,
        name: remote,
        total: Some(len),
        offset,
        to_stdout: false,
        summary: true,
    });
    let start = Instant::now();
    // --verify hashes what is read, so its bytes must pass through here.
    let local_fd = match hasher {
        Some(_) => Err(HASHED),
        None => Ok(file.as_raw_fd()),
    };
    let result = match zerocopy::eligible(&stream, ascii, local_fd) {
        Ok(()) => zerocopy::upload(
            &mut stream,
            &mut file,
            &local.display().to_string(),
            &mut *progress,
            stall,
        ),
        Err(why) => {
            zerocopy::trace_blocks(why);
            copy_up(
                &mut file,
                &mut stream,
                &mut *progress,
                ascii,
                stall,
                hasher.as_mut(),
            )
        }
    };
    let sent = match result {
        Ok(n) => n,
        Err(stop) => {
            let err = finish_failed(conn, stream, stop, &local.display().to_string());
            return Err(failed(&mut *progress, err));
        }
    };
    conn.watchdog.arm(timeout);
    if let Err(e) = stream.finish() {
        return Err(failed(&mut *progress, transfer_reply(e)));
    }
    let elapsed = start.elapsed();
    let verified = !ascii
        && match size(&mut conn.ftp, remote) {
            Ok(size) if size != len => {
                let err = Remote::Incomplete(format!(
                    "the server has {size} bytes of {len} after the upload; 'put -c' continues it"
                ));
                return Err(failed(&mut *progress, err.into()));
            }
            Ok(_) => true,
            Err(_) => false,
        };
    progress.done(Ok(()));
    // The remote file stays: FTP has no way to take an upload back atomically, and the
    // message says it is bad.
    let checksum = compare(session, out, remote, Some(len), verify.zip(hasher), |m| {
        format!("{m}: the uploaded file is bad ('put' again replaces it)")
    })?;
    let conn = session.conn()?;
    // Keep the local modification time on the server, as lftp does, where MFMT is offered.
    if conn.has_feature("MFMT")
        && let Ok(t) = meta.modified()
    {
        let t: chrono::DateTime<chrono::Utc> = t.into();
        let _ = conn.ftp.custom_command(
            format!("MFMT {} {remote}", t.format("%Y%m%d%H%M%S")),
            &[suppaftp::Status::File],
        );
    }
    Ok(Done {
        bytes: sent,
        elapsed,
        verified,
        resumed_from: offset,
        skipped: None,
        checksum,
    })
}

/// Read `file` to its end into the data connection, converting LF to CRLF in ascii mode.
/// Writes time out every DATA_TICK so that Ctrl-C is seen while a server is not reading; the
/// idle limit (`timeout`) counts across them.
fn copy_up<W: Write>(
    file: &mut File,
    stream: &mut W,
    progress: &mut dyn Progress,
    ascii: bool,
    timeout: Duration,
    mut hasher: Option<&mut Hasher>,
) -> Result<u64, Stop> {
    let mut buf = vec![0u8; BLOCK];
    let mut conv = LfToCrlf::default();
    let mut total = 0u64;
    let mut idle = Duration::ZERO;
    loop {
        if crate::interrupt::requested() {
            return Err(Stop::Interrupted);
        }
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Local(e)),
        };
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf[..n]);
        }
        let data = if ascii {
            conv.convert(&buf[..n])
        } else {
            &buf[..n]
        };
        let mut pos = 0;
        while pos < data.len() {
            match stream.write(&data[pos..]) {
                Ok(0) => return Err(Stop::Remote(data_io_error(io::ErrorKind::WriteZero.into()))),
                Ok(w) => {
                    pos += w;
                    idle = Duration::ZERO;
                }
                Err(e) => {
                    write_stalled(e, &mut idle, timeout)?;
                    progress.advance(0);
                }
            }
        }
        total += n as u64;
        progress.advance(n as u64);
    }
    loop {
        match stream.flush() {
            Ok(()) => break,
            Err(e) => write_stalled(e, &mut idle, timeout)?,
        }
    }
    Ok(total)
}

/// A write to a data connection that returned an error: `Ok` to write again (a poll tick
/// passed while the server took nothing, or a signal came), or the end of the transfer:
/// Ctrl-C, nothing taken for `timeout`, or the connection broke.
fn write_stalled(e: io::Error, idle: &mut Duration, timeout: Duration) -> Result<(), Stop> {
    if crate::interrupt::requested() {
        return Err(Stop::Interrupted);
    }
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            *idle += DATA_TICK;
            if *idle >= timeout {
                return Err(Stop::Remote(Remote::Incomplete(format!(
                    "the server took no data for {} s: transfer stalled (--stall-timeout)",
                    timeout.as_secs()
                ))));
            }
            Ok(())
        }
        io::ErrorKind::Interrupted => Ok(()),
        _ => Err(Stop::Remote(data_io_error(e))),
    }
}

/// ASCII downloads: network CRLF to local LF, across block boundaries.
#[derive(Default)]
struct CrlfToLf {
    pending_cr: bool,
    out: Vec<u8>,
}

impl CrlfToLf {
    fn convert(&mut self, input: &[u8]) -> &[u8] {
        self.out.clear();
        for &b in input {
            if self.pending_cr {
                self.pending_cr = false;
                if b != b'\n' {
                    self.out.push(b'\r');
                }
            }
            if b == b'\r' {
                self.pending_cr = true;
            } else {
                self.out.push(b);
            }
        }
        &self.out
    }
}

/// ASCII uploads: local LF to network CRLF (an existing CRLF is left alone).
#[derive(Default)]
struct LfToCrlf {
    last_cr: bool,
    out: Vec<u8>,
}

impl LfToCrlf {
    fn convert(&mut self, input: &[u8]) -> &[u8] {
        self.out.clear();
        for &b in input {
            if b == b'\n' && !self.last_cr {
                self.out.push(b'\r');
            }
            self.out.push(b);
            self.last_cr = b == b'\r';
        }
        &self.out
    }
}

/// SIZE, read without suppaftp's `size()`: its reply regex (Unicode `\s` and `\d`) takes
/// about 300 KiB to compile, a large share of a `get`'s peak memory (issue 13).
pub(crate) fn size(ftp: &mut crate::session::Ftp, path: &str) -> suppaftp::FtpResult<u64> {
    let reply = ftp.custom_command(format!("SIZE {path}"), &[suppaftp::Status::File])?;
    reply_number(&reply.body).ok_or(suppaftp::FtpError::BadResponse)
}

/// `213 12345` → 12345: the reply's last word.
fn reply_number(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?;
    let word = text.trim_end().rsplit(' ').next()?;
    word.parse().ok()
}

/// MDTM as a time, read without suppaftp's `mdtm()`, whose regex (a Unicode `\b`) takes
/// about 500 KiB to compile. `213 YYYYMMDDHHMMSS[.sss]`, UTC (RFC 3659).
fn mdtm(ftp: &mut crate::session::Ftp, path: &str) -> Option<std::time::SystemTime> {
    let reply = ftp
        .custom_command(format!("MDTM {path}"), &[suppaftp::Status::File])
        .ok()?;
    reply_time(&reply.body)
}

fn reply_time(body: &[u8]) -> Option<std::time::SystemTime> {
    let text = std::str::from_utf8(body).ok()?;
    let word = text.trim_end().rsplit(' ').next()?;
    let digits = word.split('.').next()?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    let t = chrono::NaiveDate::from_ymd_opt(n(0..4)? as i32, n(4..6)?, n(6..8)?)?.and_hms_opt(
        n(8..10)?,
        n(10..12)?,
        n(12..14)?,
    )?;
    Some(t.and_utc().into())
}

/// Resolve where a download goes: `-o` (file, or directory for several), else the local
/// working directory; the name comes from the remote path and must be one safe component.
pub fn local_target(remote: &str, output: Option<&Path>, several: bool) -> Result<PathBuf> {
    // A byte the charset did not decode is `%NN` in a local name, never the raw byte.
    let base = crate::charset::local_form(remote_basename(remote)?).into_owned();
    match output {
        Some(o) if o.is_dir() => Ok(o.join(&base)),
        Some(o) if several => Err(LocalError::new(
            o.display().to_string(),
            io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory (several files need a directory)",
            ),
        )
        .into()),
        Some(o) => {
            // `-o newdir/` names a directory: one that does not exist is an error now,
            // before anything is fetched (not a download into `newdir.part`).
            if o.as_os_str().as_encoded_bytes().ends_with(b"/") {
                return Err(LocalError::new(
                    o.display().to_string(),
                    io::Error::new(io::ErrorKind::NotFound, "no such directory"),
                )
                .into());
            }
            if let Some(parent) = o.parent()
                && !parent.as_os_str().is_empty()
                && !parent.is_dir()
            {
                return Err(LocalError::new(
                    o.display().to_string(),
                    io::Error::new(io::ErrorKind::NotFound, "no such directory"),
                )
                .into());
            }
            Ok(o.to_path_buf())
        }
        None => Ok(PathBuf::from(base)),
    }
}

/// The last component of a remote path, refused when it is not a safe local file name.
pub fn remote_basename(remote: &str) -> Result<&str> {
    let trimmed = remote.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    // VMS `FILE.TXT;3` is saved as `FILE.TXT`.
    crate::listing::sanitize_name(crate::listing::local_name(base))
        .with_context(|| {
            format!(
                "{}: refusing to use this name for a local file",
                crate::listing::display_name(remote)
            )
        })
        .map_err(|e| anyhow::Error::new(crate::error::UsageError(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_conversion_across_blocks() {
        let mut c = CrlfToLf::default();
        let mut out = Vec::new();
        for chunk in [&b"a\r"[..], b"\nb\r", b"x\r\n"] {
            out.extend_from_slice(c.convert(chunk));
        }
        assert_eq!(out, b"a\nb\rx\n");
        let mut l = LfToCrlf::default();
        let mut out = Vec::new();
        for chunk in [&b"a\n"[..], b"b\r", b"\nc\n"] {
            out.extend_from_slice(l.convert(chunk));
        }
        assert_eq!(out, b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn hostile_remote_names_never_become_local_paths() {
        assert_eq!(remote_basename("pub/file.txt").unwrap(), "file.txt");
        assert_eq!(remote_basename("pub/dir/").unwrap(), "dir");
        assert!(remote_basename("..").is_err());
        assert!(remote_basename("pub/..").is_err());
        assert!(remote_basename("/").is_err());
        assert!(remote_basename("evil\x1b[2J").is_err());
    }

    #[test]
    fn size_and_mdtm_replies_parse_without_a_regex() {
        assert_eq!(reply_number(b"213 1048576\r\n"), Some(1_048_576));
        assert_eq!(reply_number(b"213 0"), Some(0));
        assert_eq!(reply_number(b"213 big"), None);
        assert_eq!(reply_number(b"213 -1"), None);
        let t = reply_time(b"213 20260102030405\r\n").unwrap();
        let want: std::time::SystemTime = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap()
            .and_utc()
            .into();
        assert_eq!(t, want);
        assert_eq!(reply_time(b"213 20260102030405.123"), Some(want));
        assert_eq!(reply_time(b"213 2026010203040"), None);
        assert_eq!(reply_time(b"213 20261302030405"), None);
        assert_eq!(reply_time(b"550 no"), None);
    }

    #[test]
    fn part_path_is_beside_target() {
        assert_eq!(
            part_path(Path::new("d/f.bin")),
            PathBuf::from("d/f.bin.part")
        );
    }
}
