//! Tree walkers: a remote tree through the shell's [`Session`] (one listing per directory,
//! MLSD where offered, else LIST) and a local tree through `std::fs`, both producing
//! [`Item`]s with safe relative paths (see [`crate::mirror::tree`]).
//!
//! A walk streams: depth-first with an explicit stack of pending directories, one listing
//! in memory at a time, every item handed to a callback as its directory is read. The
//! caller can `prune` a directory (it is then neither listed nor reported). Depth is
//! bounded ([`MAX_DEPTH`]) and Ctrl-C is polled between directories.
//!
//! Names from a server are hostile: `..`, `/`, `\`, control characters and empty names are
//! skipped with a warning and counted ([`WalkStats::unsafe_names`]), never joined into a
//! path; links are items of their own and never followed; devices and unparsable lines are
//! skipped and counted ([`WalkStats::skipped_other`]). Locally, links are followed only when
//! asked, and then never out of the root nor round a loop.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::error::{Interrupted, LocalError, Remote, Subject};
use crate::listing::{Kind, Precision, display_name, sanitize_name};
use crate::mirror::tree::{Item, ItemKind, TimePrecision, join};
use crate::output::Printer;
use crate::session::{ListKind, Session};

/// The deepest a walk goes below its root: a deeper tree is an error, not a hang (a server
/// can make a directory appear inside itself forever).
pub const MAX_DEPTH: usize = 256;

/// What a walk saw, besides the items it handed out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Directories below the root (the root itself is not counted).
    pub dirs: u64,
    pub files: u64,
    pub links: u64,
    /// The sizes of the files (links are not followed, so not counted).
    pub bytes: u64,
    /// Names skipped as unsafe, as `dir/name` with the name as the server (or file system)
    /// gave it: print them through [`display_name`].
    pub unsafe_names: Vec<String>,
    /// Entries that are no file, directory or link (devices, pipes, unparsable lines).
    pub skipped_other: u64,
}

impl WalkStats {
    fn count(&mut self, item: &Item) {
        match item.kind {
            ItemKind::Dir => self.dirs += 1,
            ItemKind::File => {
                self.files += 1;
                self.bytes += item.size.unwrap_or(0);
            }
            ItemKind::Link => self.links += 1,
        }
    }
}

/// The remote path of `rel` under `root`: `root/rel` (`root` alone for the root itself).
pub fn remote_path(root: &str, rel: &str) -> String {
    if rel.is_empty() {
        root.to_string()
    } else if root.ends_with('/') {
        format!("{root}{rel}")
    } else {
        format!("{root}/{rel}")
    }
}

/// Walk the remote tree under `root` (relative to the working directory, or absolute). Every
/// item below the root goes to `each`, its directory before its contents; a directory for
/// which `prune` says true is left out with everything under it. A root that is no directory
/// is an error (`Remote::WrongKind`, exit 5); a missing one, the server's 550.
pub fn remote(
    session: &mut Session,
    root: &str,
    prune: &mut dyn FnMut(&Item) -> bool,
    each: &mut dyn FnMut(Item) -> Result<()>,
    out: &Printer,
) -> Result<WalkStats> {
    if !session.is_dir(root)? {
        // Missing (the listing's 550), or there and not a directory.
        session.list(Some(root)).context(Subject::new(root))?;
        return Err(
            anyhow::Error::new(Remote::WrongKind("not a directory".into()))
                .context(Subject::new(root)),
        );
    }
    let mut stats = WalkStats::default();
    // (relative path, depth): the directories still to list.
    let mut pending: Vec<(String, usize)> = vec![(String::new(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        if crate::interrupt::requested() {
            return Err(Interrupted.into());
        }
        let path = remote_path(root, &dir);
        let (entries, kind) = session
            .list_from(Some(&path))
            .with_context(|| Subject::new(&path))?;
        let mut subdirs = Vec::new();
        for e in entries {
            if e.raw.is_some() || e.kind == Kind::Other {
                stats.skipped_other += 1;
                continue;
            }
            if sanitize_name(&e.name).is_none() {
                out.warn(&format!(
                    "skipping {}: not a safe name",
                    display_name(&remote_path(&path, &e.name))
                ));
                stats.unsafe_names.push(join(&dir, &e.name));
                continue;
            }
            let item = Item {
                path: join(&dir, &e.name),
                kind: match e.kind {
                    Kind::Dir => ItemKind::Dir,
                    Kind::Link => ItemKind::Link,
                    _ => ItemKind::File,
                },
                size: e.size,
                mtime: e.modified,
                precision: precision(kind, e.precision),
            };
            if item.kind == ItemKind::Dir {
                if depth + 1 > MAX_DEPTH {
                    return Err(too_deep(&remote_path(root, &item.path)));
                }
                if prune(&item) {
                    continue;
                }
                subdirs.push(item.path.clone());
            }
            stats.count(&item);
            each(item)?;
        }
        // Reversed, so the stack pops them in name order.
        pending.extend(subdirs.into_iter().rev().map(|d| (d, depth + 1)));
    }
    Ok(stats)
}

/// How precise a listed time is: MLSD `modify` to the second; a LIST line to the minute,
/// or only the day for an old file (`Jan  5  2019`).
pub fn precision(kind: ListKind, listed: Precision) -> TimePrecision {
    match (kind, listed) {
        (ListKind::Mlsd, _) => TimePrecision::Second,
        (_, Precision::Time) => TimePrecision::Minute,
        (_, Precision::Day) => TimePrecision::Day,
    }
}

fn too_deep(path: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: more than {MAX_DEPTH} directory levels; not walking deeper",
        display_name(path)
    )
}

/// Walk the local tree under `root`, as [`remote`] does. Symbolic links are Link items,
/// unless `follow_links`: then a link to a file or directory inside the root is walked as
/// what it points to, each directory once (a loop is not gone round), and a link that leads
/// out of the root, round a loop or nowhere stays a Link item. Names that are not UTF-8 or
/// not safe (see [`sanitize_name`]) are skipped and counted; the caller warns.
pub fn local(
    root: &Path,
    follow_links: bool,
    prune: &mut dyn FnMut(&Item) -> bool,
    each: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<WalkStats> {
    let shown = || root.display().to_string();
    let meta = std::fs::metadata(root).map_err(|e| LocalError::new(shown(), e))?;
    if !meta.is_dir() {
        return Err(LocalError::new(
            shown(),
            std::io::Error::from(std::io::ErrorKind::NotADirectory),
        )
        .into());
    }
    let canonical_root = root
        .canonicalize()
        .map_err(|e| LocalError::new(shown(), e))?;
    // Directories walked so far, by device and inode: with links followed, a directory
    // reached twice is a loop (or a second way in) and is not walked again.
    let mut seen: HashSet<(u64, u64)> = HashSet::from([(meta.dev(), meta.ino())]);
    let mut stats = WalkStats::default();
    let mut pending: Vec<(String, usize)> = vec![(String::new(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        if crate::interrupt::requested() {
            return Err(Interrupted.into());
        }
        let path = local_path(root, &dir);
        let shown_dir = || path.display().to_string();
        let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&path)
            .map_err(|e| LocalError::new(shown_dir(), e))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| LocalError::new(shown_dir(), e))?;
        names.sort();
        let mut subdirs = Vec::new();
        for os_name in names {
            let Some(name) = os_name.to_str().and_then(sanitize_name) else {
                stats
                    .unsafe_names
                    .push(join(&dir, &os_name.to_string_lossy()));
                continue;
            };
            let full = path.join(name);
            let rel = join(&dir, name);
            let lmeta =
                std::fs::symlink_metadata(&full).map_err(|e| LocalError::new(rel.clone(), e))?;
            let mut meta = lmeta.clone();
            let mut kind = if lmeta.file_type().is_symlink() {
                ItemKind::Link
            } else if lmeta.is_dir() {
                ItemKind::Dir
            } else if lmeta.is_file() {
                ItemKind::File
            } else {
                stats.skipped_other += 1;
                continue;
            };
            if kind == ItemKind::Link
                && follow_links
                && let Some(target) = followable(&full, &canonical_root)
            {
                if target.is_file() {
                    kind = ItemKind::File;
                    meta = target;
                } else if target.is_dir() && !seen.contains(&(target.dev(), target.ino())) {
                    kind = ItemKind::Dir;
                    meta = target;
                }
            }
            let item = Item {
                path: rel,
                kind,
                size: Some(meta.len()),
                mtime: meta.modified().ok().map(DateTime::<Utc>::from),
                precision: TimePrecision::Second,
            };
            if kind == ItemKind::Dir {
                if depth + 1 > MAX_DEPTH {
                    return Err(too_deep(&full.display().to_string()));
                }
                if prune(&item) {
                    continue;
                }
                seen.insert((meta.dev(), meta.ino()));
                subdirs.push(item.path.clone());
            }
            stats.count(&item);
            each(item)?;
        }
        pending.extend(subdirs.into_iter().rev().map(|d| (d, depth + 1)));
    }
    Ok(stats)
}

/// `root/rel` on this machine (`rel` holds only safe names, so it stays under `root`).
fn local_path(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    if !rel.is_empty() {
        p.extend(rel.split('/'));
    }
    p
}

/// What the link at `link` points to, when that is inside `root` (canonical): its metadata.
/// `None` for a link out of the root, or one that leads nowhere.
fn followable(link: &Path, root: &Path) -> Option<std::fs::Metadata> {
    let target = link.canonicalize().ok()?;
    if !target.starts_with(root) {
        return None;
    }
    std::fs::metadata(&target).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn walk(root: &Path, follow: bool) -> (Vec<(String, ItemKind)>, WalkStats) {
        let mut items = Vec::new();
        let stats = local(root, follow, &mut |_| false, &mut |i| {
            items.push((i.path, i.kind));
            Ok(())
        })
        .unwrap();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        (items, stats)
    }

    fn tree() -> tempfile::TempDir {
        let t = tempfile::TempDir::new().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("a/b")).unwrap();
        std::fs::write(r.join("a/f.txt"), b"12345").unwrap();
        std::fs::write(r.join("a/b/g"), b"xy").unwrap();
        std::fs::write(r.join("top"), b"").unwrap();
        t
    }

    #[test]
    fn local_walk_lists_every_item_with_safe_paths() {
        let t = tree();
        let (items, stats) = walk(t.path(), false);
        use ItemKind::*;
        assert_eq!(
            items,
            [
                ("a".into(), Dir),
                ("a/b".into(), Dir),
                ("a/b/g".into(), File),
                ("a/f.txt".into(), File),
                ("top".into(), File),
            ]
        );
        assert_eq!((stats.dirs, stats.files, stats.bytes), (2, 3, 7));
    }

    /// A link back up the tree (`a/b/up -> ../..`) would walk forever if followed blindly;
    /// followed, each directory is walked once and the link stays a link.
    #[test]
    fn a_link_loop_is_walked_once_with_follow_links() {
        let t = tree();
        symlink("../..", t.path().join("a/b/up")).unwrap();
        symlink("b", t.path().join("a/b2")).unwrap();
        let (items, stats) = walk(t.path(), true);
        let paths: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
        // `a/b2` is `a/b` again, already walked: a link; `up` is the root: a link.
        assert_eq!(
            paths,
            ["a", "a/b", "a/b/g", "a/b/up", "a/b2", "a/f.txt", "top"]
        );
        assert_eq!(items[3].1, ItemKind::Link);
        assert_eq!(items[4].1, ItemKind::Link);
        assert_eq!((stats.dirs, stats.links), (2, 2));
        // Not followed: both are links, nothing under them.
        let (items, stats) = walk(t.path(), false);
        assert_eq!(items.len(), 7);
        assert_eq!(stats.links, 2);
    }

    /// A link to a directory outside the root is never followed, even with follow_links:
    /// an upload of the tree must not take /etc with it.
    #[test]
    fn a_link_out_of_the_root_is_not_followed() {
        let t = tree();
        let outside = tempfile::TempDir::new().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        symlink(outside.path(), t.path().join("out")).unwrap();
        symlink(outside.path().join("secret"), t.path().join("s")).unwrap();
        // A link inside the root to a file inside it is followed: a file.
        symlink("a/f.txt", t.path().join("in")).unwrap();
        for follow in [false, true] {
            let (items, _) = walk(t.path(), follow);
            assert!(!items.iter().any(|i| i.0.contains("secret")), "{items:?}");
            let kind = |p: &str| items.iter().find(|i| i.0 == p).unwrap().1;
            assert_eq!(kind("out"), ItemKind::Link);
            assert_eq!(kind("s"), ItemKind::Link);
            let want = if follow {
                ItemKind::File
            } else {
                ItemKind::Link
            };
            assert_eq!(kind("in"), want);
        }
    }

    #[test]
    fn unsafe_local_names_and_devices_are_skipped_and_counted() {
        let t = tree();
        std::fs::write(t.path().join("esc\x1bname"), b"x").unwrap();
        std::fs::write(t.path().join("back\\slash"), b"x").unwrap();
        let fifo = t.path().join("pipe");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        let (items, stats) = walk(t.path(), false);
        assert_eq!(items.len(), 5, "{items:?}");
        let mut bad = stats.unsafe_names.clone();
        bad.sort();
        assert_eq!(bad, ["back\\slash", "esc\x1bname"]);
        assert_eq!(stats.skipped_other, u64::from(ok));
    }

    #[test]
    fn pruned_directories_are_not_walked() {
        let t = tree();
        let mut seen = Vec::new();
        local(t.path(), false, &mut |d| d.path == "a/b", &mut |i| {
            seen.push(i.path);
            Ok(())
        })
        .unwrap();
        seen.sort();
        assert_eq!(seen, ["a", "a/f.txt", "top"]);
    }

    #[test]
    fn a_local_root_that_is_a_file_is_a_local_error() {
        let t = tree();
        let err = local(
            &t.path().join("top"),
            false,
            &mut |_| false,
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 6);
    }

    #[test]
    fn listed_times_keep_their_precision() {
        use TimePrecision::*;
        assert_eq!(precision(ListKind::Mlsd, Precision::Time), Second);
        assert_eq!(precision(ListKind::List, Precision::Time), Minute);
        assert_eq!(precision(ListKind::List, Precision::Day), Day);
    }

    #[test]
    fn remote_paths_join_under_the_root() {
        assert_eq!(remote_path(".", ""), ".");
        assert_eq!(remote_path(".", "a/b"), "./a/b");
        assert_eq!(remote_path("/", "a"), "/a");
        assert_eq!(remote_path("pub/", "a"), "pub/a");
    }
}
