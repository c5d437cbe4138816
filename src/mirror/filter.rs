//! Which paths of a tree take part in a whole-tree transfer: `--exclude`, `--include` and
//! the lines of an ignore file (`.ftpignore`), all in gitignore syntax. Pure: it matches
//! tree paths (see [`super::tree`]) as strings and never touches a file system.
//!
//! Matching is the `ignore` crate's gitignore engine (ripgrep's), so anchoring works the
//! way git users expect and lftp's `--exclude` (an unanchored regex) does not:
//!
//! - `*.tmp` (no slash) matches a name at any depth;
//! - `/pub/old/` (leading slash) matches only `pub/old` under the tree root;
//! - `old/` (trailing slash) matches directories only, at any depth;
//! - `doc/*.txt` (a slash inside) is anchored to the root, as in git;
//! - `**` matches any number of directories; `!pattern` re-includes.
//!
//! The last matching pattern wins; ignore-file lines come first, then `--exclude`
//! patterns, so the command line overrides the file. An excluded directory excludes all
//! that is under it, whatever later patterns say (as in git): a walker can prune it.

use std::fmt;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::tree::is_safe_relative;
use crate::listing::display_name;

/// Where a rejected pattern came from, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Exclude,
    Include,
    /// The ignore file, with its 1-based line number.
    IgnoreFile(usize),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Exclude => f.write_str("--exclude"),
            Origin::Include => f.write_str("--include"),
            Origin::IgnoreFile(line) => write!(f, "ignore file line {line}"),
        }
    }
}

/// A pattern [`Filter::new`] refuses. Its message is one line naming the pattern (made
/// safe to print) and where it came from; the command layer reports it as a usage error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub pattern: String,
    pub origin: Origin,
    pub problem: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad pattern '{}' ({}): {}",
            display_name(&self.pattern),
            self.origin,
            self.problem
        )
    }
}

impl std::error::Error for FilterError {}

/// The compiled `--exclude`, `--include` and ignore-file patterns.
///
/// Rejected patterns (each with a one-line [`FilterError`]):
/// - empty or whitespace-only on the command line (`!` alone too); in an ignore file blank
///   lines and `#` comments are skipped as in git;
/// - `/` alone, which names the root, and the root is never part of a transfer;
/// - a pattern containing a `.` or `..` component (`../x`, `./build`): tree paths have
///   none, so it could never match; a leading `/` is how to anchor to the root;
/// - any control character (NUL, newline, escape...): no tree path holds one;
/// - as an exclude (command line or ignore file, not `!`-negated), a pattern made only of
///   `*` and `/` (`*`, `**`, `/*`, `/**`, `*/`, `**/*`, `*/*`...): each matches every name
///   at some level, which excludes everything (or everything below the top level), and
///   with `--delete` would silently protect nothing and copy nothing. `--include` is the
///   way to choose a few files. As an include such a pattern is harmless and accepted;
/// - anything the glob engine cannot compile (an unclosed `{`, a trailing `\`).
///
/// On the command line a leading `#` is a literal character (`--exclude '#notes'`
/// excludes the file `#notes`), not the comment it would be in an ignore file.
#[derive(Debug, Clone)]
pub struct Filter {
    excludes: Gitignore,
    includes: Gitignore,
    has_includes: bool,
}

impl Default for Filter {
    /// A filter that lets everything take part.
    fn default() -> Self {
        Filter {
            excludes: Gitignore::empty(),
            includes: Gitignore::empty(),
            has_includes: false,
        }
    }
}

impl Filter {
    /// Compiles the patterns; see [`Filter`] for what is rejected.
    pub fn new(
        excludes: &[String],
        includes: &[String],
        ignore_lines: &[String],
    ) -> Result<Filter, FilterError> {
        let mut ex = builder();
        for (i, line) in ignore_lines.iter().enumerate() {
            let trimmed = line.trim();
            // git's own rule: blank lines and comments mean nothing in an ignore file.
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            add(&mut ex, line, Origin::IgnoreFile(i + 1), true)?;
        }
        for pattern in excludes {
            add(&mut ex, &literal_hash(pattern), Origin::Exclude, true)
                .map_err(|e| with_pattern(e, pattern))?;
        }
        let mut inc = builder();
        for pattern in includes {
            add(&mut inc, &literal_hash(pattern), Origin::Include, false)
                .map_err(|e| with_pattern(e, pattern))?;
        }
        let build = |b: GitignoreBuilder, origin| {
            b.build().map_err(|e| FilterError {
                pattern: String::new(),
                origin,
                problem: e.to_string(),
            })
        };
        Ok(Filter {
            excludes: build(ex, Origin::Exclude)?,
            includes: build(inc, Origin::Include)?,
            has_includes: !includes.is_empty(),
        })
    }

    /// Whether `path` (a tree path; `is_dir` says whether it is a directory) is excluded,
    /// itself or through an excluded parent directory. A path that is not a safe relative
    /// tree path is always excluded: it never takes part.
    pub fn excluded(&self, path: &str, is_dir: bool) -> bool {
        if !is_safe_relative(path) {
            return true;
        }
        // Parents first, top down, as a walk meets them: once a directory is excluded
        // nothing under it can be re-included (git's rule, and what lets a walker prune).
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            if self.excludes.matched(&path[..end], true).is_ignore() {
                return true;
            }
            end += 1;
        }
        self.excludes.matched(path, is_dir).is_ignore()
    }

    /// Whether the file `path` takes part given the `--include` patterns: with none, every
    /// file does; with some, only a file matching one (itself, or through a directory
    /// pattern such as `/pub/` matching a parent), the last match winning so `!` works.
    /// Directories are always walked whatever the includes say. Exclusion is separate:
    /// see [`Filter::excluded`].
    pub fn included_file(&self, path: &str) -> bool {
        self.included(path, false)
    }

    /// Whether an include pattern names the directory `path` itself or a parent of it (so
    /// it is worth creating even if no file under it is copied). True with no includes.
    pub fn included_dir(&self, path: &str) -> bool {
        self.included(path, true)
    }

    /// Whether any `--include` pattern was given.
    pub fn has_includes(&self) -> bool {
        self.has_includes
    }

    fn included(&self, path: &str, is_dir: bool) -> bool {
        if !self.has_includes {
            return true;
        }
        // The assert inside `matched_path_or_any_parents` wants a relative path: a safe
        // tree path is one, and anything else never takes part.
        is_safe_relative(path)
            && self
                .includes
                .matched_path_or_any_parents(path, is_dir)
                .is_ignore()
    }
}

fn builder() -> GitignoreBuilder {
    // The root is only stripped as a byte prefix from absolute paths: tree paths are
    // relative, so "/" can never eat part of one (a root of "pub" would turn "public/x"
    // into "lic/x").
    GitignoreBuilder::new("/")
}

/// On the command line `#` starts a name, not a comment.
fn literal_hash(pattern: &str) -> String {
    if pattern.starts_with('#') {
        format!("\\{pattern}")
    } else {
        pattern.to_string()
    }
}

/// Errors name the pattern as the user typed it, not its escaped form.
fn with_pattern(mut e: FilterError, pattern: &str) -> FilterError {
    e.pattern = pattern.to_string();
    e
}

fn add(
    builder: &mut GitignoreBuilder,
    pattern: &str,
    origin: Origin,
    exclude: bool,
) -> Result<(), FilterError> {
    let fail = |problem: &str| FilterError {
        pattern: pattern.to_string(),
        origin,
        problem: problem.to_string(),
    };
    if pattern.chars().any(char::is_control) {
        return Err(fail("control characters cannot match a path"));
    }
    let negated = pattern.strip_prefix('!');
    let body = negated.unwrap_or(pattern).trim();
    if body.is_empty() {
        return Err(fail("empty pattern"));
    }
    if body == "/" {
        return Err(fail(
            "'/' names the tree root, which is never part of a transfer",
        ));
    }
    let stripped = body.trim_start_matches('/').trim_end_matches('/');
    if stripped.split('/').any(|c| c == "." || c == "..") {
        return Err(fail(
            "'.' and '..' never match (patterns are relative to the tree root; a leading '/' anchors there)",
        ));
    }
    if exclude && negated.is_none() && body.chars().all(|c| c == '*' || c == '/') {
        return Err(fail(
            "would exclude everything (use --include to choose what takes part)",
        ));
    }
    builder
        .add_line(None, pattern)
        .map_err(|e| fail(&glob_problem(&e)))?;
    Ok(())
}

/// The glob engine's complaint without its repetition of the pattern.
fn glob_problem(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => format!("not a valid glob: {err}"),
        other => format!("not a valid glob: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|p| p.to_string()).collect()
    }

    fn ex(patterns: &[&str]) -> Filter {
        Filter::new(&s(patterns), &[], &[]).unwrap()
    }

    #[test]
    fn anchored_directory_excludes_only_the_top_level_one() {
        let f = ex(&["/pub/old/"]);
        assert!(f.excluded("pub/old", true));
        assert!(f.excluded("pub/old/a.txt", false));
        assert!(f.excluded("pub/old/deep/b", false));
        assert!(!f.excluded("x/pub/old", true));
        assert!(!f.excluded("x/pub/old/a.txt", false));
        assert!(!f.excluded("pub/older", true));
        assert!(!f.excluded("pub", true));
        // Trailing slash: a file of that name is not excluded.
        assert!(!f.excluded("pub/old", false));
    }

    #[test]
    fn unanchored_directory_excludes_at_any_depth() {
        let f = ex(&["old/"]);
        for p in ["old", "a/old", "a/b/old"] {
            assert!(f.excluded(p, true), "{p}");
            assert!(f.excluded(&format!("{p}/x"), false), "{p}/x");
        }
        assert!(!f.excluded("a/old", false));
        assert!(!f.excluded("a/bold", true));
        assert!(!f.excluded("a/old.txt", false));
    }

    #[test]
    fn name_pattern_matches_at_any_depth_and_negation_reincludes() {
        let f = ex(&["*.tmp", "!keep.tmp"]);
        for p in ["a.tmp", "d/a.tmp", "d/e/f/a.tmp"] {
            assert!(f.excluded(p, false), "{p}");
        }
        assert!(!f.excluded("keep.tmp", false));
        assert!(!f.excluded("d/keep.tmp", false));
        assert!(!f.excluded("a.tmpx", false));
        assert!(!f.excluded("a.txt", false));
    }

    #[test]
    fn slash_inside_anchors_and_double_star_spans_directories() {
        let f = ex(&["doc/*.txt", "logs/**/*.gz"]);
        assert!(f.excluded("doc/a.txt", false));
        assert!(!f.excluded("x/doc/a.txt", false));
        assert!(!f.excluded("doc/sub/a.txt", false));
        assert!(f.excluded("logs/a.gz", false));
        assert!(f.excluded("logs/2024/01/a.gz", false));
        assert!(!f.excluded("logs/a.txt", false));
    }

    #[test]
    fn excluded_directory_cannot_be_reopened_by_a_later_negation() {
        // git's rule, which lets the walker prune: `!` cannot reach under an excluded dir.
        let f = ex(&["build/", "!build/keep"]);
        assert!(f.excluded("build/keep", false));
    }

    #[test]
    fn ignore_file_lines_skip_comments_and_blanks_and_command_line_wins() {
        let lines = s(&["# comment", "", "   ", "*.bak", "!important.bak"]);
        let f = Filter::new(&s(&["important.bak"]), &[], &lines).unwrap();
        assert!(f.excluded("x.bak", false));
        // --exclude comes after the file's `!important.bak`, so it wins.
        assert!(f.excluded("important.bak", false));
        let f = Filter::new(&[], &[], &lines).unwrap();
        assert!(!f.excluded("important.bak", false));
    }

    #[test]
    fn command_line_hash_is_a_literal_name() {
        let f = ex(&["#notes"]);
        assert!(f.excluded("#notes", false));
        assert!(f.excluded("a/#notes", false));
        assert!(!f.excluded("notes", false));
    }

    #[test]
    fn includes_choose_files_and_directories_are_walked() {
        let f = Filter::new(&[], &s(&["*.txt", "/pub/", "!*.bak"]), &[]).unwrap();
        assert!(f.has_includes());
        assert!(f.included_file("a.txt"));
        assert!(f.included_file("d/e/a.txt"));
        assert!(f.included_file("pub/anything.bin"));
        assert!(!f.included_file("pub/x.bak"));
        assert!(!f.included_file("a.bin"));
        assert!(!f.included_file("x/pub/a.bin"));
        assert!(f.included_dir("pub"));
        assert!(f.included_dir("pub/sub"));
        assert!(!f.included_dir("other"));
        let none = Filter::default();
        assert!(!none.has_includes());
        assert!(!ex(&["*.bak"]).has_includes());
        assert!(none.included_file("anything"));
        assert!(!none.excluded("anything", true));
        // Include patterns that match everything are harmless.
        assert!(Filter::new(&[], &s(&["*"]), &[]).is_ok());
    }

    #[test]
    fn degenerate_patterns_are_rejected_with_a_message_naming_them() {
        for bad in [
            "",
            " ",
            "\t",
            "!",
            "/",
            "*",
            "**",
            "/*",
            "/**",
            "*/",
            "**/",
            "**/*",
            "*/*",
            "../x",
            "a/../b",
            "./build",
            "a/.",
            "..",
            "a\u{0}b",
            "a\nb",
            "a\u{1b}[31m",
            "{a",
            "a\\",
        ] {
            let e = Filter::new(&s(&[bad]), &[], &[]).unwrap_err();
            assert_eq!(e.origin, Origin::Exclude);
            assert_eq!(e.pattern, bad);
            let msg = e.to_string();
            assert!(!msg.contains('\n') && !msg.contains('\u{1b}'), "{msg:?}");
            assert!(msg.starts_with("bad pattern '"), "{msg}");
        }
        let e = Filter::new(&s(&["*"]), &[], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad pattern '*' (--exclude): would exclude everything (use --include to choose what takes part)"
        );
        let e = Filter::new(&[], &s(&[""]), &[]).unwrap_err();
        assert_eq!(e.to_string(), "bad pattern '' (--include): empty pattern");
        // The glob engine's complaint, named as such, without the pattern said twice.
        let e = Filter::new(&s(&["{a"]), &[], &[]).unwrap_err();
        assert!(e.problem.starts_with("not a valid glob: "), "{e}");
        assert_eq!(e.to_string().matches("{a").count(), 1, "{e}");
        let e = Filter::new(&[], &[], &s(&["ok", "# c", "/**"])).unwrap_err();
        assert_eq!(e.origin, Origin::IgnoreFile(3));
        assert!(e.to_string().contains("ignore file line 3"));
        // Negated catch-alls re-include; they exclude nothing.
        assert!(Filter::new(&s(&["!*"]), &[], &[]).is_ok());
    }

    #[test]
    fn unsafe_paths_are_always_excluded_and_never_included() {
        let f = Filter::new(&[], &s(&["*"]), &[]).unwrap();
        for p in ["", "/etc/passwd", "../x", "a//b", "a/"] {
            assert!(f.excluded(p, false), "{p:?}");
            assert!(!f.included_file(p), "{p:?}");
        }
    }

    proptest! {
        /// An excluded directory excludes everything under it: what lets a walker prune.
        #[test]
        fn everything_under_an_excluded_directory_is_excluded(
            dir in "[a-c]{1,2}(/[a-c]{1,2}){0,2}",
            rest in "[a-c.]{1,3}(/[a-c]{1,2}){0,2}",
            pat in prop::sample::select(vec!["a/", "/a/", "b*/", "**/c/", "a/b/", "!a", "*.c"]),
        ) {
            prop_assume!(is_safe_relative(&rest));
            let f = ex(&[pat]);
            if f.excluded(&dir, true) {
                let child = format!("{dir}/{rest}");
                prop_assert!(f.excluded(&child, false), "{pat}: {child}");
                prop_assert!(f.excluded(&child, true), "{pat}: {child}");
            }
        }
    }
}
