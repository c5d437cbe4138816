//! The get/put engine: stream between a data connection and a file in constant memory.
//!
//! A download goes to `NAME.part` next to its target and is renamed into place only after the
//! server's 226 and (in binary mode) a size check, so a file under its final name is always
//! complete. On failure or Ctrl-C the `.part` stays for `get -c`. Blocks are 256 KiB: big
//! writes are what makes large downloads cheap (DESIGN.md, "Zero-copy").

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use suppaftp::TransferStream;

use crate::error::{Interrupted, LocalError, Remote};
use crate::printer::Printer;
use crate::session::{Conn, DATA_TICK, Session};
use crate::tls;

const BLOCK: usize = 256 * 1024;

/// How a finished transfer went, for the summary line.
pub struct Done {
    pub bytes: u64,
    pub elapsed: Duration,
}

/// `FILE.part` beside `FILE`.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// Download `remote` into `target` (a file path whose directory exists).
pub fn download(
    session: &mut Session,
    remote: &str,
    target: &Path,
    resume: bool,
    out: &Printer,
) -> Result<Done> {
    let ascii = session.ascii;
    let timeout = session.opts.timeout;
    let conn = session.conn()?;
    // SIZE first: a missing file fails here, before any local file exists. In ascii mode the
    // server's size counts different line endings, so it is neither a total nor a check.
    let size = if ascii {
        None
    } else {
        match conn.ftp.size(remote) {
            Ok(s) => Some(s as u64),
            Err(e) => match Session::ftp_err(e) {
                r @ Remote::Reply { code: 550, .. } | r @ Remote::Reply { code: 450, .. } => {
                    return Err(r.into());
                }
                r if r.connection_gone() => return Err(r.into()),
                _ => None,
            },
        }
    };
    let part = part_path(target);
    let mut offset = 0;
    if resume {
        if ascii {
            return Err(crate::error::UsageError(
                "get -c works in binary mode only (ascii changes sizes)".into(),
            )
            .into());
        }
        if let Ok(m) = std::fs::metadata(&part) {
            offset = m.len();
        }
    }
    if let Some(total) = size {
        if offset > total {
            return Err(anyhow::anyhow!(
                "{} has {offset} bytes, more than the remote file's {total}; remove it to start over",
                part.display()
            ));
        }
        if resume && offset == 0 && std::fs::metadata(target).is_ok_and(|m| m.len() == total) {
            out.info(&format!("get: {} is already complete", target.display()));
            return Ok(Done {
                bytes: 0,
                elapsed: Duration::ZERO,
            });
        }
    }

    // In a shared directory a planted `NAME.part` symlink would redirect the download.
    if std::fs::symlink_metadata(&part).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(LocalError::new(
            part.display().to_string(),
            io::Error::other("is a symbolic link; refusing to write through it"),
        )
        .into());
    }
    let existed = part.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(offset == 0)
        .open(&part)
        .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    }
    // Remove a `.part` we created when nothing arrived: no stray empty files.
    let cleanup = |file: File| {
        let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
        drop(file);
        if !existed && empty {
            let _ = std::fs::remove_file(&part);
        }
    };

    if size == Some(offset) && offset > 0 {
        // Everything is already here; only the rename is missing.
        drop(file);
        std::fs::rename(&part, target)
            .map_err(|e| LocalError::new(target.display().to_string(), e))?;
        return Ok(Done {
            bytes: 0,
            elapsed: Duration::ZERO,
        });
    }

    // REST is armed inside: a retry after a refused EPSV needs it again.
    let opened = conn.data(|ftp| {
        if offset > 0 {
            ftp.resume_transfer(offset as usize)?;
        }
        ftp.retr_as_stream(remote)
    });
    let mut stream = match opened {
        Ok(s) => s,
        Err(e) => {
            cleanup(file);
            return Err(e.into());
        }
    };
    let _ = stream.get_ref().get_ref().set_read_timeout(Some(DATA_TICK));
    let bar = out.progress(remote, size, offset);
    let start = Instant::now();
    let result = copy_down(&mut stream, &mut file, &bar, ascii, timeout);
    bar.finish_and_clear();
    let got = match result {
        Ok(n) => n,
        Err(e) => {
            let e = finish_failed(conn, stream, e, &part.display().to_string());
            cleanup(file);
            return Err(e);
        }
    };
    if let Err(e) = stream.finish() {
        cleanup(file);
        return Err(Session::ftp_err(e).into());
    }
    file.flush()
        .map_err(|e| LocalError::new(part.display().to_string(), e))?;
    let on_disk = file
        .metadata()
        .map_err(|e| LocalError::new(part.display().to_string(), e))?
        .len();
    drop(file);
    if let Some(total) = size
        && on_disk != total
    {
        return Err(Remote::Incomplete(format!(
            "short transfer: {on_disk} of {total} bytes; the rest can be fetched with 'get -c'"
        ))
        .into());
    }
    std::fs::rename(&part, target).map_err(|e| LocalError::new(target.display().to_string(), e))?;
    Ok(Done {
        bytes: got,
        elapsed: start.elapsed(),
    })
}

/// Stream a remote file into `sink` (`cat`).
pub fn download_to(
    session: &mut Session,
    remote: &str,
    sink: &mut dyn Write,
    sink_name: &str,
) -> Result<u64> {
    let ascii = session.ascii;
    let timeout = session.opts.timeout;
    let conn = session.conn()?;
    let mut stream = conn.data(|ftp| ftp.retr_as_stream(remote))?;
    let _ = stream.get_ref().get_ref().set_read_timeout(Some(DATA_TICK));
    let result = copy_down(&mut stream, sink, &ProgressBar::hidden(), ascii, timeout);
    match result {
        Ok(n) => {
            stream.finish().map_err(Session::ftp_err)?;
            Ok(n)
        }
        Err(e) => Err(finish_failed(conn, stream, e, sink_name)),
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
    bar: &ProgressBar,
    ascii: bool,
    timeout: Duration,
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
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                idle += DATA_TICK;
                if idle >= timeout {
                    return Err(Stop::Remote(Remote::Incomplete(format!(
                        "no data for {} s: transfer timed out",
                        timeout.as_secs()
                    ))));
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Remote(io_remote(e))),
        };
        idle = Duration::ZERO;
        let data = if ascii {
            conv.convert(&buf[..n])
        } else {
            &buf[..n]
        };
        file.write_all(data).map_err(Stop::Local)?;
        total += n as u64;
        bar.inc(n as u64);
    }
    if ascii && conv.pending_cr {
        file.write_all(b"\r").map_err(Stop::Local)?;
    }
    Ok(total)
}

fn io_remote(e: io::Error) -> Remote {
    if let Some(m) = tls::describe_tls_error(&e) {
        return Remote::Tls(m);
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            Remote::Incomplete("data connection closed by the server".into())
        }
        _ => Remote::Incomplete(format!("data connection: {}", crate::error::io_message(&e))),
    }
}

/// How long to wait for the replies that follow a broken or aborted transfer.
const AFTERMATH: Duration = Duration::from_secs(5);

/// Clean up a transfer that stopped early and say why. Ctrl-C sends ABOR; other failures
/// close the data connection and read the server's final reply, which names the cause better
/// than a broken socket does (552 quota exceeded). Either way the control connection may be
/// out of step afterwards (libunftp's late 426 after ABOR), so a NOOP checks it, and the
/// session reconnects before the next command if it does not answer.
fn finish_failed(
    conn: &mut Conn,
    stream: TransferStream<tls::Stream>,
    stop: Stop,
    local_name: &str,
) -> anyhow::Error {
    conn.with_timeout(AFTERMATH, |conn| match stop {
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
            // 452/552 (no space, quota) say why; a 426 only repeats that the transfer broke.
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
    if resume && ascii {
        return Err(crate::error::UsageError(
            "put -c works in binary mode only (ascii changes sizes)".into(),
        )
        .into());
    }
    let conn = session.conn()?;
    let mut offset = 0;
    if resume {
        offset = match conn.ftp.size(remote) {
            Ok(s) => s as u64,
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
            out.info(&format!("put: {remote} is already complete"));
            return Ok(Done {
                bytes: 0,
                elapsed: Duration::ZERO,
            });
        }
        file.seek(SeekFrom::Start(offset))
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
    let bar = out.progress(remote, Some(len), offset);
    let start = Instant::now();
    let result = copy_up(&mut file, &mut stream, &bar, ascii);
    bar.finish_and_clear();
    let sent = match result {
        Ok(n) => n,
        Err(stop) => {
            return Err(finish_failed(
                conn,
                stream,
                stop,
                &local.display().to_string(),
            ));
        }
    };
    stream.finish().map_err(Session::ftp_err)?;
    if !ascii
        && let Ok(size) = conn.ftp.size(remote)
        && size as u64 != len
    {
        return Err(Remote::Incomplete(format!(
            "the server has {size} bytes of {len} after the upload; 'put -c' continues it"
        ))
        .into());
    }
    Ok(Done {
        bytes: sent,
        elapsed: start.elapsed(),
    })
}

fn copy_up<W: Write>(
    file: &mut File,
    stream: &mut W,
    bar: &ProgressBar,
    ascii: bool,
) -> Result<u64, Stop> {
    let mut buf = vec![0u8; BLOCK];
    let mut conv = LfToCrlf::default();
    let mut total = 0u64;
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
        let data = if ascii {
            conv.convert(&buf[..n])
        } else {
            &buf[..n]
        };
        stream
            .write_all(data)
            .map_err(|e| Stop::Remote(io_remote(e)))?;
        total += n as u64;
        bar.inc(n as u64);
    }
    stream.flush().map_err(|e| Stop::Remote(io_remote(e)))?;
    Ok(total)
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

/// Resolve where a download goes: `-o` (file, or directory for several), else the local
/// working directory; the name comes from the remote path and must be one safe component.
pub fn local_target(remote: &str, output: Option<&Path>, several: bool) -> Result<PathBuf> {
    let base = remote_basename(remote)?;
    match output {
        Some(o) if o.is_dir() => Ok(o.join(base)),
        Some(o) if several => Err(LocalError::new(
            o.display().to_string(),
            io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory (several files need a directory)",
            ),
        )
        .into()),
        Some(o) => {
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
    crate::listing::sanitize_name(base)
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
    fn part_path_is_beside_target() {
        assert_eq!(
            part_path(Path::new("d/f.bin")),
            PathBuf::from("d/f.bin.part")
        );
    }
}
