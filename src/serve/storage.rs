//! The storage the built-in server hands to libunftp: unftp-sbe-fs over the served
//! directory, with the write verbs refused unless `--write`, every transfer counted (so
//! Ctrl-C can let open transfers finish) and downloads optionally paced (the demo).
//!
//! The jail itself is unftp-sbe-fs's: it resolves every path through cap-std, relative to
//! a directory handle opened on the root, so `..`, absolute paths and symlinks whose target
//! lies outside the root (absolute or relative) are refused (EPERM: 550) instead of being
//! followed; symlinks that stay inside work. tests/it/serve.rs checks each of these.
//!
//! unftp-sbe-fs answers SIZE/MDTM/MLST of a symlink with the link's own metadata (SIZE of a
//! link to a 3-byte file is the length of the target's name), so a client checking sizes
//! sees a short transfer. [`Jail::metadata`] follows a link instead when its target is
//! inside the root (through cap-std again), as vsftpd's stat does; listings still show links
//! as links.

use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncRead, ReadBuf};
use unftp_core::auth::DefaultUser;
use unftp_core::storage::{
    Error, ErrorKind, Fileinfo, Metadata, Permissions, Result, StorageBackend,
};
use unftp_sbe_fs::Filesystem;

/// The metadata the server reports: unftp-sbe-fs's (its type has private fields, so the
/// facts are copied), or a followed link's target's.
#[derive(Debug, Clone)]
pub struct Meta {
    len: u64,
    dir: bool,
    file: bool,
    symlink: bool,
    modified: Option<std::time::SystemTime>,
    uid: u32,
    gid: u32,
    links: u64,
    mode: u32,
    target: Option<PathBuf>,
}

impl Meta {
    fn copy(m: &impl Metadata) -> Meta {
        Meta {
            len: m.len(),
            dir: m.is_dir(),
            file: m.is_file(),
            symlink: m.is_symlink(),
            modified: m.modified().ok(),
            uid: m.uid(),
            gid: m.gid(),
            links: m.links(),
            mode: m.permissions().0,
            target: m.readlink().map(Path::to_path_buf),
        }
    }

    fn followed(m: &cap_std::fs::Metadata) -> Meta {
        use cap_std::fs::{MetadataExt, PermissionsExt};
        Meta {
            len: m.len(),
            dir: m.is_dir(),
            file: m.is_file(),
            symlink: false,
            modified: m.modified().ok().map(cap_std::time::SystemTime::into_std),
            uid: m.uid(),
            gid: m.gid(),
            links: m.nlink(),
            mode: m.permissions().mode(),
            target: None,
        }
    }
}

impl Metadata for Meta {
    fn len(&self) -> u64 {
        self.len
    }
    fn is_dir(&self) -> bool {
        self.dir
    }
    fn is_file(&self) -> bool {
        self.file
    }
    fn is_symlink(&self) -> bool {
        self.symlink
    }
    fn modified(&self) -> Result<std::time::SystemTime> {
        self.modified
            .ok_or_else(|| Error::from(ErrorKind::PermanentFileNotAvailable))
    }
    fn gid(&self) -> u32 {
        self.gid
    }
    fn uid(&self) -> u32 {
        self.uid
    }
    fn links(&self) -> u64 {
        self.links
    }
    fn permissions(&self) -> Permissions {
        Permissions(self.mode)
    }
    fn readlink(&self) -> Option<&Path> {
        self.target.as_deref()
    }
}

/// One session's view of the served directory.
#[derive(Debug)]
pub struct Jail {
    /// `None` when the root could not be opened (it was removed while serving): every
    /// request then fails with 550 rather than the session panicking.
    fs: Option<Filesystem>,
    /// The root again, for following links (cap-std: never out of the root).
    dir: Option<Arc<cap_std::fs::Dir>>,
    write: bool,
    transfers: Arc<AtomicUsize>,
    /// Downloads are paced to this many bytes per second (the demo, so that a progress bar
    /// and Ctrl-C can be seen on loopback).
    pace: Option<u64>,
}

impl Jail {
    pub fn new(root: &Path, write: bool, transfers: Arc<AtomicUsize>, pace: Option<u64>) -> Jail {
        Jail {
            fs: Filesystem::new(root).ok(),
            dir: cap_std::fs::Dir::open_ambient_dir(root, cap_std::ambient_authority())
                .ok()
                .map(Arc::new),
            write,
            transfers,
            pace,
        }
    }

    fn fs(&self) -> Result<&Filesystem> {
        self.fs.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::PermanentDirectoryNotAvailable,
                io::Error::other("the served directory is gone"),
            )
        })
    }

    /// The write verbs' gate: 550 Permission denied without `--write`.
    fn writable(&self) -> Result<&Filesystem> {
        if !self.write {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                io::Error::other("read-only server (ftpsh serve --write allows writing)"),
            ));
        }
        self.fs()
    }
}

/// libunftp's absolute paths (`/a/b`, `/`) as paths relative to the root handle.
fn relative(path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(p) if p.as_os_str().is_empty() => PathBuf::from("."),
        Ok(p) => p.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// Counts a transfer as open while alive.
#[derive(Debug)]
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(counter: &Arc<AtomicUsize>) -> Open {
        counter.fetch_add(1, Ordering::SeqCst);
        Open(Arc::clone(counter))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A download's reader: counted as open until libunftp drops it, optionally paced.
struct Download {
    inner: Box<dyn AsyncRead + Send + Sync + Unpin>,
    _open: Open,
    pace: Option<(u64, tokio::time::Instant)>,
    sent: u64,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl AsyncRead for Download {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some((rate, start)) = self.pace {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            // Ahead of the allowed rate: wait until the bytes sent so far are due.
            let due = start + Duration::from_secs_f64(self.sent as f64 / rate as f64);
            if due > tokio::time::Instant::now() {
                let mut sleep = Box::pin(tokio::time::sleep_until(due));
                if sleep.as_mut().poll(cx).is_pending() {
                    self.sleep = Some(sleep);
                    return Poll::Pending;
                }
            }
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.sent += n as u64;
        r
    }
}

#[async_trait]
impl StorageBackend<DefaultUser> for Jail {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        unftp_core::storage::FEATURE_RESTART | unftp_core::storage::FEATURE_SITEMD5
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> Result<Meta> {
        let rel = relative(path.as_ref());
        let meta = Meta::copy(&self.fs()?.metadata(user, path).await?);
        if !meta.symlink {
            return Ok(meta);
        }
        let Some(dir) = self.dir.clone() else {
            return Ok(meta);
        };
        // A link whose target is outside the root (or missing) is "not available".
        tokio::task::spawn_blocking(move || dir.metadata(rel))
            .await
            .map_err(|e| Error::new(ErrorKind::LocalError, e))?
            .map(|m| Meta::followed(&m))
            .map_err(|e| Error::new(ErrorKind::PermanentFileNotAvailable, e))
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> Result<Vec<Fileinfo<PathBuf, Meta>>> {
        let list = self.fs()?.list(user, path).await?;
        Ok(list
            .into_iter()
            .map(|f| Fileinfo {
                metadata: Meta::copy(&f.metadata),
                path: f.path,
            })
            .collect())
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        let open = Open::new(&self.transfers);
        let inner = self.fs()?.get(user, path, start_pos).await?;
        Ok(Box::new(Download {
            inner,
            _open: open,
            pace: self
                .pace
                .filter(|r| *r > 0)
                .map(|r| (r, tokio::time::Instant::now())),
            sent: 0,
            sleep: None,
        }))
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &DefaultUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> Result<u64> {
        let fs = self.writable()?;
        let _open = Open::new(&self.transfers);
        fs.put(user, input, path, start_pos).await
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.writable()?.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.writable()?.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        from: P,
        to: P,
    ) -> Result<()> {
        self.writable()?.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.writable()?.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.fs()?.cwd(user, path).await
    }
}
