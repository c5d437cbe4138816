//! Zero-copy transfers over plain FTP: a binary download into a regular file moves from the
//! data socket through a pipe into the file with `splice(2)`, an upload from a regular file
//! goes to the socket with `sendfile(2)`, so no byte is copied through user space (issue 13,
//! "Transfers at the machine's limit"; DESIGN.md, "Zero-copy").
//!
//! Everything the 256 KiB block loops in `transfer.rs` guarantee holds here too, because the
//! same pieces decide it: the data socket keeps its `DATA_TICK` read/write timeout, which
//! bounds every `splice`/`sendfile` call (the kernel honours SO_RCVTIMEO/SO_SNDTIMEO there and
//! answers EAGAIN), so Ctrl-C and `--stall-timeout` are seen within a tick; each call moves at
//! most one pipe's worth (or [`CHUNK`]), so the progress bar advances; a download never asks
//! for more than the bytes still due, so a server that sends more than it announced is stopped
//! at the announced size. The file's own offset is used (no explicit offset), so a resumed
//! transfer continues where the caller seeked to.
//!
//! [`eligible`] is the one place that decides which path a transfer takes. When the kernel
//! refuses the first call (EINVAL, ENOSYS: a file system without splice support), the
//! transfer falls back to the block loop without losing a byte. `FTPSH_NO_ZEROCOPY=1` forces
//! the block loop (benchmarks, tests comparing the two). The `-v` trace says which path ran.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use suppaftp::{DataStream, TransferStream};

use super::{Stop, copy_down, copy_up, read_stalled, write_stalled};
use crate::error::Remote;
use crate::output::progress::Progress;
use crate::output::trace;
use crate::tls;

/// The environment variable that forces the block loop.
pub const DISABLE_ENV: &str = "FTPSH_NO_ZEROCOPY";

/// At most this much per call: Ctrl-C and the progress bar are looked at between calls.
const CHUNK: usize = 1 << 20;

/// Whether a transfer's bytes can bypass user space, or why not.
/// `file` is the local side (the download's target or the upload's source), or why there is
/// none to use (stdout; `--verify`, which hashes the bytes); only a regular file qualifies
/// (a device, FIFO or stdout goes through the block loop).
pub fn eligible(
    stream: &TransferStream<tls::Stream>,
    ascii: bool,
    file: Result<RawFd, &'static str>,
) -> Result<(), &'static str> {
    if std::env::var_os(DISABLE_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return Err("FTPSH_NO_ZEROCOPY is set");
    }
    if ascii {
        return Err("ascii mode converts line endings");
    }
    if matches!(stream.get_ref(), DataStream::Ssl(_)) {
        return Err("TLS encrypts in user space");
    }
    let fd = file?;
    // SAFETY: fstat only writes into the zeroed struct; `fd` is open for the call's duration.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err("not a regular file");
    }
    Ok(())
}

/// Trace line for a transfer that takes the block loop, and why.
pub fn trace_blocks(why: &str) {
    trace::data_path(&format!("256 KiB blocks ({why})"));
}

/// Errors that mean "this kernel or file system cannot splice/sendfile these descriptors",
/// as opposed to a transfer that failed.
fn unsupported(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    )
}

/// A pipe, grown to 1 MiB where the system allows it (fewer calls per byte).
struct Pipe {
    r: OwnedFd,
    w: OwnedFd,
    size: usize,
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into `fds`, which we then own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // Larger than pipe-max-size (1 MiB by default) fails for an unprivileged user: keep
        // whatever size the pipe has then.
        let _ = unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETPIPE_SZ, CHUNK as libc::c_int) };
        let size = unsafe { libc::fcntl(w.as_raw_fd(), libc::F_GETPIPE_SZ) };
        let size = if size > 0 { size as usize } else { 64 * 1024 };
        Ok(Pipe { r, w, size })
    }
}

/// `splice(2)` of up to `len` bytes from `from` to `to`, each at its own file offset.
fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: no offsets are passed; the kernel checks both descriptors.
    let n = unsafe {
        libc::splice(
            from,
            std::ptr::null_mut(),
            to,
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// `get` over plain FTP into the regular file `file` (the descriptor behind `sink`, at the
/// offset the transfer starts from): the counterpart of [`copy_down`] in binary mode, with
/// the same results and errors, for a transfer [`eligible`] accepted.
pub(super) fn download(
    stream: &mut TransferStream<tls::Stream>,
    file: RawFd,
    sink: &mut dyn Write,
    name: &str,
    progress: &mut dyn Progress,
    stall: Duration,
    limit: Option<u64>,
) -> Result<u64, Stop> {
    let pipe = match Pipe::new() {
        Ok(p) => p,
        Err(e) => {
            trace_blocks(&format!("no pipe: {e}"));
            return copy_down(stream, sink, progress, false, stall, limit);
        }
    };
    let sock = stream.get_ref().get_ref().as_raw_fd();
    trace::data_path(&format!("splice(2) to {name}"));
    let mut total = 0u64;
    let mut idle = Duration::ZERO;
    loop {
        if crate::interrupt::requested() {
            return Err(Stop::Interrupted);
        }
        let want = match limit {
            Some(l) => (l - total).min(pipe.size as u64) as usize,
            None => pipe.size,
        };
        if want == 0 {
            // Every announced byte is here: the server must close now. Anything more is a
            // server sending endless data, stopped where the block loop stops it.
            match peek(sock) {
                Ok(0) => break,
                Ok(_) => return Err(Stop::Remote(sent_more(limit.unwrap_or(0)))),
                Err(e) => {
                    read_stalled(e, &mut idle, stall).map_err(Stop::Remote)?;
                    progress.advance(0);
                    continue;
                }
            }
        }
        let n = match splice(sock, pipe.w.as_raw_fd(), want) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if total == 0 && unsupported(&e) => {
                trace_blocks(&format!("splice(2) from the socket refused: {e}"));
                return copy_down(stream, sink, progress, false, stall, limit);
            }
            Err(e) => {
                read_stalled(e, &mut idle, stall).map_err(Stop::Remote)?;
                progress.advance(0);
                continue;
            }
        };
        idle = Duration::ZERO;
        let mut left = n;
        while left > 0 {
            match splice(pipe.r.as_raw_fd(), file, left) {
                Ok(0) => return Err(Stop::Local(io::ErrorKind::WriteZero.into())),
                Ok(m) => left -= m,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if total == 0 && left == n && unsupported(&e) => {
                    // The file system cannot take a splice: the bytes already in the pipe
                    // go through user space, then the rest through the block loop.
                    trace_blocks(&format!("splice(2) into the file refused: {e}"));
                    drain(&pipe, n, sink)?;
                    progress.advance(n as u64);
                    let rest = copy_down(
                        stream,
                        sink,
                        progress,
                        false,
                        stall,
                        limit.map(|l| l - n as u64),
                    )?;
                    return Ok(n as u64 + rest);
                }
                Err(e) => return Err(Stop::Local(e)),
            }
        }
        total += n as u64;
        progress.advance(n as u64);
    }
    Ok(total)
}

/// Whether the socket has more to read: `Ok(0)` at its end, `Ok(1)` when a byte waits
/// (left in the socket), an error for a tick without either.
fn peek(sock: RawFd) -> io::Result<usize> {
    let mut byte = 0u8;
    // SAFETY: a one-byte buffer we own.
    let n = unsafe { libc::recv(sock, (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// The error for a server that keeps sending after the size it announced (the block loop's).
pub(super) fn sent_more(limit: u64) -> Remote {
    Remote::Protocol(format!(
        "the server sent more than the {limit} bytes it announced; stopped there"
    ))
}

/// Copy the `n` bytes waiting in the pipe to `sink` through a buffer (the fallback).
fn drain(pipe: &Pipe, n: usize, sink: &mut dyn Write) -> Result<(), Stop> {
    let mut buf = vec![0u8; n.min(super::BLOCK)];
    let mut left = n;
    while left > 0 {
        let want = left.min(buf.len());
        // SAFETY: reading into a buffer we own, at most its length.
        let got = unsafe { libc::read(pipe.r.as_raw_fd(), buf.as_mut_ptr().cast(), want) };
        if got < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Stop::Local(e));
        }
        if got == 0 {
            return Err(Stop::Local(io::ErrorKind::UnexpectedEof.into()));
        }
        sink.write_all(&buf[..got as usize]).map_err(Stop::Local)?;
        left -= got as usize;
    }
    Ok(())
}

/// `put` over plain FTP from the regular file `file` (at the offset the upload starts from)
/// with `sendfile(2)`: the counterpart of [`copy_up`] in binary mode, for a transfer
/// [`eligible`] accepted.
pub(super) fn upload(
    stream: &mut TransferStream<tls::Stream>,
    file: &mut File,
    name: &str,
    progress: &mut dyn Progress,
    stall: Duration,
) -> Result<u64, Stop> {
    let sock = stream.get_ref().get_ref().as_raw_fd();
    trace::data_path(&format!("sendfile(2) from {name}"));
    let fd = file.as_raw_fd();
    let mut total = 0u64;
    let mut idle = Duration::ZERO;
    loop {
        if crate::interrupt::requested() {
            return Err(Stop::Interrupted);
        }
        // SAFETY: no offset pointer: the file's own offset is used and advanced.
        let n = unsafe { libc::sendfile(sock, fd, std::ptr::null_mut(), CHUNK) };
        if n >= 0 {
            if n == 0 {
                break;
            }
            total += n as u64;
            idle = Duration::ZERO;
            progress.advance(n as u64);
            continue;
        }
        let e = io::Error::last_os_error();
        if total == 0 && unsupported(&e) {
            trace_blocks(&format!("sendfile(2) refused: {e}"));
            return copy_up(file, stream, progress, false, stall, None);
        }
        if e.raw_os_error() == Some(libc::EIO) {
            // Reading the local file failed, not the connection.
            return Err(Stop::Local(e));
        }
        write_stalled(e, &mut idle, stall)?;
        progress.advance(0);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fallback inside a transfer: a file the kernel will not splice into (O_APPEND
    /// stands in for a file system without splice support) answers EINVAL, which counts as
    /// "unsupported", and the bytes already in the pipe reach the file through `drain`.
    #[test]
    fn bytes_in_the_pipe_survive_a_file_that_refuses_splice() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("f.part");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let pipe = Pipe::new().unwrap();
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let wrote = unsafe { libc::write(pipe.w.as_raw_fd(), data.as_ptr().cast(), data.len()) };
        assert_eq!(wrote, data.len() as isize);
        let err = splice(pipe.r.as_raw_fd(), file.as_raw_fd(), data.len()).unwrap_err();
        assert!(unsupported(&err), "{err}");
        let mut sink = file;
        drain(&pipe, data.len(), &mut sink).ok().unwrap();
        drop(sink);
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }

    #[test]
    fn a_broken_connection_is_not_taken_for_an_unsupported_splice() {
        for errno in [libc::ECONNRESET, libc::EPIPE, libc::EAGAIN, libc::EIO] {
            assert!(!unsupported(&io::Error::from_raw_os_error(errno)));
        }
    }
}
