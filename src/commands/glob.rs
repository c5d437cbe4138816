//! Globs in path arguments: the REPL has no shell in between, so `get 'pub/*.gz'`, `rm up*`,
//! `ls *.txt` are expanded here, remote ones from the server's listing of the directory,
//! local ones from the file system. Only the last component may be a pattern. As in a POSIX
//! shell, a pattern that matches nothing stands for itself, so `rm 'weird[1].txt'` still
//! removes that file.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::LocalError;
use crate::listing::{Entry, Kind, display_name, sanitize_name};
use crate::output::Printer;
use crate::session::Session;

/// Whether a path's last component is a glob pattern (`*`, `?`, `[...]`).
pub fn is_glob(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.contains(['*', '?', '['])
}

/// A glob like ls(1) matches: `*` does not match a leading `.` unless the pattern has one.
/// `None` when the text is no valid pattern (`file[1`): it is then taken as a plain name.
pub fn matcher(pattern: &str) -> Option<impl Fn(&str) -> bool> {
    let glob = name_matcher(pattern)?;
    let dot = pattern.starts_with('.');
    Some(move |name: &str| (dot || !name.starts_with('.')) && glob(name))
}

/// A glob as find(1) `-name` matches it: `*` matches a leading `.` too.
pub fn name_matcher(pattern: &str) -> Option<impl Fn(&str) -> bool> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()?
        .compile_matcher();
    Some(move |name: &str| glob.is_match(name))
}

/// Which entries a remote glob may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Files and links (what `get`, `cat`, `rm` act on).
    Files,
    /// Anything the listing holds (`ls`, `chmod`, `rm -r`).
    Any,
}

/// One path a remote argument stands for: a match of a glob, with its listing entry, or the
/// argument itself (`entry: None`) when it is no glob or matched nothing.
#[derive(Debug, Clone)]
pub struct Match {
    pub path: String,
    pub entry: Option<Entry>,
}

impl Match {
    pub fn is_link(&self) -> bool {
        self.entry.as_ref().is_some_and(|e| e.kind == Kind::Link)
    }
}

/// `pub/*.tar.gz` → the matching entries of `pub`, from the server's listing, sorted. A
/// name the server sends that is not one safe name (`..`, `/`, control characters) is
/// skipped with a warning: it would become a path nobody asked for (`rm *` must not send
/// `DELE ../x`), or a local file name.
pub fn expand_remote(
    session: &mut Session,
    out: &Printer,
    pattern: &str,
    want: Want,
) -> Result<Vec<Match>> {
    let literal = || {
        Ok(vec![Match {
            path: pattern.to_string(),
            entry: None,
        }])
    };
    if !is_glob(pattern) {
        return literal();
    }
    let (dir, pat) = match pattern.rfind('/') {
        Some(i) => (&pattern[..=i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let Some(matches) = matcher(pat) else {
        return literal();
    };
    let listing = session.list((!dir.is_empty()).then_some(dir))?;
    let mut found = Vec::new();
    for e in listing {
        let kind_ok = match want {
            Want::Files => matches!(e.kind, Kind::File | Kind::Link),
            Want::Any => e.kind != Kind::Other,
        };
        if e.raw.is_some() || !kind_ok || !matches(&e.name) {
            continue;
        }
        if sanitize_name(&e.name).is_none() {
            out.warn(&format!(
                "skipping {}: not a safe file name",
                display_name(&e.name)
            ));
            continue;
        }
        found.push(Match {
            path: format!("{dir}{}", e.name),
            entry: Some(e),
        });
    }
    if found.is_empty() {
        return literal();
    }
    Ok(found)
}

/// `*.bin` → the matching local files, sorted (the shell does this for argv; the REPL has no
/// shell in between). A pattern that matches nothing stands for itself.
pub fn expand_local(path: &Path) -> Result<Vec<PathBuf>> {
    let literal = || Ok(vec![path.to_path_buf()]);
    let text = path.to_string_lossy();
    if !is_glob(&text) {
        return literal();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pat = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(matches) = matcher(&pat) else {
        return literal();
    };
    let read =
        std::fs::read_dir(&dir).map_err(|e| LocalError::new(dir.display().to_string(), e))?;
    let mut found: Vec<PathBuf> = read
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| matches(&e.file_name().to_string_lossy()))
        .map(|e| {
            if path.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                dir.join(e.file_name())
            } else {
                PathBuf::from(e.file_name())
            }
        })
        .collect();
    found.sort();
    if found.is_empty() {
        return literal();
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_recognised_in_the_last_component_only() {
        assert!(is_glob("*.txt"));
        assert!(is_glob("pub/file-[0-9].gz"));
        assert!(!is_glob("we*rd/file"));
        assert!(!is_glob("plain.txt"));
    }

    #[test]
    fn star_skips_dotfiles_like_ls() {
        let m = matcher("*.txt").unwrap();
        assert!(m("a.txt") && !m(".hidden.txt") && !m("a.bin"));
        assert!(matcher(".*").unwrap()(".hidden"));
        assert!(matcher("file[1").is_none());
    }

    #[test]
    fn find_names_match_dotfiles_too() {
        let m = name_matcher("*.txt").unwrap();
        assert!(m(".hidden.txt") && m("a.txt") && !m("a.bin"));
    }
}
