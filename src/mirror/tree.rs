//! A walked directory tree, remote or local, as flat [`Item`]s with paths relative to the
//! tree's root. Walkers produce them (streaming, directory by directory); the plan compares
//! two lists of them; nothing here does I/O.
//!
//! A relative path is `/`-separated components, each of which passed
//! [`crate::listing::sanitize_name`]: no `..`, no `/` or `\`, no control characters. So
//! joining an item's path onto a local root can never leave that root.

use chrono::{DateTime, Utc};

/// What a tree item is. Symbolic links are never followed by a walk: they are items of
/// their own, so a link to `/etc` or `..` cannot take a copy or a delete outside the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    File,
    Dir,
    Link,
}

/// How precise a modification time is: MLSD `modify` and MDTM give seconds, a recent
/// `ls -l` line minutes, an old one (`Jan  5  2019`) only the day. Comparisons allow for
/// the coarser of two precisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimePrecision {
    Second,
    Minute,
    Day,
}

/// One file, directory or link of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Relative to the tree's root, `/`-separated, every component a safe name (see the
    /// module documentation). Never empty: the root itself is not an item.
    pub path: String,
    pub kind: ItemKind,
    /// Bytes, for files (and what a listing says for links and directories).
    pub size: Option<u64>,
    /// Last modification, UTC.
    pub mtime: Option<DateTime<Utc>>,
    pub precision: TimePrecision,
}

impl Item {
    /// The last component of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Whether `path` is a valid relative tree path: non-empty components separated by single
/// `/`, each a safe local name.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|c| crate::listing::sanitize_name(c).is_some())
}

/// `dir/name`, or `name` at the root.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_never_escape() {
        for good in ["a", "a/b", "dir/file.txt", "naïve ü"] {
            assert!(is_safe_relative(good), "{good}");
        }
        for bad in [
            "", "/a", "a/", "a//b", "..", "a/../b", ".", "a\\b", "a\u{1b}b", "/", "a/./b",
        ] {
            assert!(!is_safe_relative(bad), "{bad:?}");
        }
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a/b", "c"), "a/b/c");
    }
}
