//! The plan of a whole-tree transfer: what to create, copy, delete and leave alone so the
//! target tree matches the source tree. Pure: it compares two walked trees (see
//! [`super::tree`]) and returns a list of [`Action`]s; the run carries them out, and
//! `--dry-run` prints them with [`Action::describe`].
//!
//! What it promises, whatever the input (tests and properties below hold it to that):
//! - every action's path is a safe relative tree path: the root is never an item, unsafe
//!   or duplicate input items are dropped and counted ([`Summary::dropped`]);
//! - nothing excluded (or, with `--include`, not included) is created, copied or deleted:
//!   an exclude protects target files from `--delete`, as in rsync;
//! - links are never followed: a source link is skipped, a target link is deleted as a
//!   link, and nothing is written where the target has a link (or a directory where the
//!   source has a file, or the reverse): that is a type conflict, reported and left alone
//!   with everything under it;
//! - a directory is deleted only after its contents, and only if all of them are deleted:
//!   one that holds kept items (excluded, not included) stays;
//! - order: mkdirs parent before child, each copy after the mkdir of its directory, then
//!   the deletes, deepest first. Sorted, so the same trees give the same plan;
//! - on two trees that already match it has no mkdir, copy or delete: a second run
//!   transfers nothing ([`Plan::changes_nothing`]).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::filter::Filter;
use super::tree::{Item, ItemKind, TimePrecision, is_safe_relative};
use crate::listing::display_name;

/// Which way the copies go: only used to say `get` or `put`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to local (`get -r`, `mirror`).
    Download,
    /// Local to server (`put -r`, `mirror -R`).
    Upload,
}

/// The choices that shape a plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions<'a> {
    /// `--only-newer`: replace a target file only when the source is newer (or the sizes
    /// differ and the times cannot say which is newer).
    pub only_newer: bool,
    /// `--only-missing`: copy only what the target lacks.
    pub only_missing: bool,
    /// `--ignore-time`: compare by size alone.
    pub ignore_time: bool,
    /// `--delete`: remove target items the source does not have.
    pub delete: bool,
    /// The run cannot give a copied file the source's modification time (an upload to a
    /// server without MFMT), so a target file carries the time it was written: a target
    /// newer than its source, with the same size, is taken as our earlier copy rather
    /// than as a difference. Without this such a tree would be copied again on every run.
    pub target_times_unset: bool,
    /// `--checksum`: files of the same size are compared by content (see
    /// [`Plan::settle_checksums`]), not by time.
    pub checksum: bool,
    pub filter: &'a Filter,
}

impl<'a> PlanOptions<'a> {
    /// Every switch off.
    pub fn new(filter: &'a Filter) -> Self {
        PlanOptions {
            only_newer: false,
            only_missing: false,
            ignore_time: false,
            delete: false,
            target_times_unset: false,
            checksum: false,
            filter,
        }
    }
}

/// Why a file is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyReason {
    /// The target has nothing at that path.
    Missing,
    SizeDiffers,
    /// Same size, the source is newer beyond the times' precision.
    SourceNewer,
    /// Same size, the target is newer (without `--only-newer` the source wins, as in
    /// lftp's default mirror).
    TimesDiffer,
    /// A size is unknown and the times are unknown or ignored: copying is the safe side.
    CannotCompare,
    /// `--checksum`, same size: the checksums are still to be compared (only until
    /// [`Plan::settle_checksums`]).
    ChecksumToCompare,
    /// `--checksum`: same size, different content.
    ChecksumDiffers,
    /// `--checksum`: no checksum could be had for one side (the reason was shown).
    ChecksumUnknown,
}

impl CopyReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyReason::Missing => "missing",
            CopyReason::SizeDiffers => "size differs",
            CopyReason::SourceNewer => "source newer",
            CopyReason::TimesDiffer => "times differ",
            CopyReason::CannotCompare => "no size or time to compare",
            CopyReason::ChecksumToCompare => "same size, checksum to compare",
            CopyReason::ChecksumDiffers => "checksum differs",
            CopyReason::ChecksumUnknown => "no checksum to compare",
        }
    }
}

/// Why a path is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Same size and times equal within the coarser precision of the two.
    Same,
    /// Same size; the times are unknown on a side or `--ignore-time` was given.
    SameSize,
    /// `--checksum`: same size and the same checksum on both sides.
    SameChecksum,
    /// `--only-newer` and the target is newer.
    TargetNewer,
    /// Same size, the target newer, and `target_times_unset`: our earlier copy.
    TargetNewerCopy,
    /// `--only-missing` and the target has it.
    Exists,
    /// Matched an exclude (itself or a parent directory); protects it from `--delete`.
    Excluded,
    /// `--include` was given and this file matches none.
    NotIncluded,
    /// A link in the source: never followed, never copied.
    Symlink,
    /// One side has a directory or a link where the other has something else; nothing is
    /// written or deleted there or below.
    TypeConflict { source: ItemKind, target: ItemKind },
    /// Not in the source, but holds items that are kept (excluded, not included), so it
    /// cannot be deleted.
    HoldsKeptItems,
}

impl SkipReason {
    pub fn as_string(self) -> String {
        match self {
            SkipReason::Same => "same size and time".into(),
            SkipReason::SameSize => "same size, times not compared".into(),
            SkipReason::SameChecksum => "same checksum".into(),
            SkipReason::TargetNewer => "target newer, --only-newer".into(),
            SkipReason::TargetNewerCopy => "same size, target newer: our earlier copy".into(),
            SkipReason::Exists => "exists, --only-missing".into(),
            SkipReason::Excluded => "excluded".into(),
            SkipReason::NotIncluded => "not included".into(),
            SkipReason::Symlink => "symlink, not followed".into(),
            SkipReason::TypeConflict { source, target } => format!(
                "type conflict: {} in source, {} in target",
                kind_name(source),
                kind_name(target)
            ),
            SkipReason::HoldsKeptItems => "not in source, but holds kept items".into(),
        }
    }

    /// Whether this skip means the two sides already agree.
    pub fn up_to_date(self) -> bool {
        matches!(
            self,
            SkipReason::Same
                | SkipReason::SameSize
                | SkipReason::SameChecksum
                | SkipReason::TargetNewerCopy
        )
    }
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::File => "a file",
        ItemKind::Dir => "a directory",
        ItemKind::Link => "a link",
    }
}

/// One step of a plan. Paths are relative to the roots, safe (see [`super::tree`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create a directory on the target (its parent exists or was created before).
    Mkdir {
        path: String,
    },
    /// Copy a file; `size` and `mtime` are the source's (the run gives the copy that
    /// modification time where it can, so the next run sees it as the same).
    Copy {
        path: String,
        size: Option<u64>,
        mtime: Option<DateTime<Utc>>,
        reason: CopyReason,
    },
    /// Remove a target item the source lacks: a file, an empty directory (its contents
    /// come earlier in the plan), or a link itself, never what it points to.
    Delete {
        path: String,
        kind: ItemKind,
    },
    Skip {
        path: String,
        reason: SkipReason,
    },
}

impl Action {
    pub fn path(&self) -> &str {
        match self {
            Action::Mkdir { path }
            | Action::Copy { path, .. }
            | Action::Delete { path, .. }
            | Action::Skip { path, .. } => path,
        }
    }

    /// Whether carrying it out changes the target.
    #[cfg(test)]
    pub fn changes(&self) -> bool {
        !matches!(self, Action::Skip { .. })
    }

    /// One line for people: `get     pub/a.txt (missing)`, `delete  old/ (not in source)`,
    /// `skip    x.tmp (excluded)`. Paths go through [`display_name`], so a bidi mark in a
    /// server's name cannot reorder the line.
    pub fn describe(&self, direction: Direction) -> String {
        let (verb, shown, why) = match self {
            Action::Mkdir { path } => ("mkdir", display_name(path), String::new()),
            Action::Copy { path, reason, .. } => (
                match direction {
                    Direction::Download => "get",
                    Direction::Upload => "put",
                },
                display_name(path),
                reason.as_str().to_string(),
            ),
            Action::Delete { path, kind } => match kind {
                ItemKind::Dir => (
                    "delete",
                    format!("{}/", display_name(path)),
                    "not in source".into(),
                ),
                ItemKind::Link => ("delete", display_name(path), "link, not in source".into()),
                ItemKind::File => ("delete", display_name(path), "not in source".into()),
            },
            Action::Skip { path, reason } => ("skip", display_name(path), reason.as_string()),
        };
        if why.is_empty() {
            format!("{verb:<6}  {shown}")
        } else {
            format!("{verb:<6}  {shown} ({why})")
        }
    }
}

/// Counts over a plan's actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub mkdirs: usize,
    pub copies: usize,
    /// The sizes of the copies, where known.
    pub copy_bytes: u64,
    pub deletes: usize,
    /// All skips, including `up_to_date`.
    pub skips: usize,
    /// Skips that mean source and target already agree.
    pub up_to_date: usize,
    /// Input items left out: unsafe paths, duplicates, items under a non-directory of
    /// their own tree. Nothing is planned for them.
    pub dropped: usize,
}

/// What comparing two files' checksums found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Same,
    Differs,
    /// No checksum for one side: the file is copied, the safe side.
    Unknown,
}

/// What [`plan`] decided, in the order to carry it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub summary: Summary,
}

impl Plan {
    /// `--checksum`: settle every same-size pair by `same(path)`, which compares the two
    /// sides' checksums (the I/O stays with the caller): the same skips it, a difference or
    /// no checksum copies it (see [`Checked`]). An error stops at once.
    pub fn settle_checksums<E>(
        &mut self,
        mut same: impl FnMut(&str) -> Result<Checked, E>,
    ) -> Result<(), E> {
        for action in &mut self.actions {
            if let Action::Copy {
                path,
                reason: reason @ CopyReason::ChecksumToCompare,
                ..
            } = action
            {
                match same(path)? {
                    Checked::Same => {
                        *action = Action::Skip {
                            path: path.clone(),
                            reason: SkipReason::SameChecksum,
                        }
                    }
                    Checked::Differs => *reason = CopyReason::ChecksumDiffers,
                    Checked::Unknown => *reason = CopyReason::ChecksumUnknown,
                }
            }
        }
        self.summary = summarize(&self.actions, self.summary.dropped);
        Ok(())
    }

    /// No mkdir, copy or delete: the trees already match ("nothing to transfer").
    pub fn changes_nothing(&self) -> bool {
        self.summary.mkdirs == 0 && self.summary.copies == 0 && self.summary.deletes == 0
    }
}

/// Compares `source` with `target` (each a walked tree, paths relative to its root; order
/// and duplicates do not matter) and plans what makes the target match.
pub fn plan(source: &[Item], target: &[Item], opts: &PlanOptions) -> Plan {
    let mut dropped = 0;
    let src = index(source, &mut dropped);
    let tgt = index(target, &mut dropped);
    let filter = opts.filter;

    // Every path of either tree, parents before children.
    let mut paths: Vec<&TreeKey> = src.keys().chain(tgt.keys()).collect();
    paths.sort();
    paths.dedup();

    // Paths whose descendants are settled by the path's own action (an excluded
    // directory, a conflict, a link): nothing more is planned under them.
    let mut settled: HashSet<&str> = HashSet::new();
    let mut actions = Vec::new();
    // Target paths the source lacks, which --delete may remove (decided bottom-up below).
    let mut deletable: HashSet<&str> = HashSet::new();

    for key in paths {
        let path = key.0.as_str();
        if ancestors(path).any(|a| settled.contains(a)) {
            continue;
        }
        let s = src.get(key);
        let t = tgt.get(key);
        let skip = |reason| Action::Skip {
            path: path.to_string(),
            reason,
        };
        let excluded = s.is_some_and(|n| filter.excluded(path, n.kind == ItemKind::Dir))
            || t.is_some_and(|n| filter.excluded(path, n.kind == ItemKind::Dir));
        if excluded {
            if s.is_some() || opts.delete {
                actions.push(skip(SkipReason::Excluded));
            }
            settled.insert(path);
            continue;
        }
        match (s, t) {
            (Some(s), _) if s.kind == ItemKind::Link => {
                // Whatever the target has there stays: we do not know what the link holds.
                actions.push(skip(SkipReason::Symlink));
                settled.insert(path);
            }
            (Some(s), None) if s.kind == ItemKind::Dir => actions.push(Action::Mkdir {
                path: path.to_string(),
            }),
            (Some(s), Some(t)) if s.kind == ItemKind::Dir => {
                if t.kind != ItemKind::Dir {
                    actions.push(skip(SkipReason::TypeConflict {
                        source: s.kind,
                        target: t.kind,
                    }));
                    settled.insert(path);
                }
            }
            (Some(s), t) => {
                // A file.
                if !filter.included_file(path) {
                    actions.push(skip(SkipReason::NotIncluded));
                    settled.insert(path);
                    continue;
                }
                match t {
                    None => actions.push(copy(path, s, CopyReason::Missing)),
                    Some(t) if t.kind == ItemKind::File => {
                        actions.push(match compare(s, t, opts) {
                            Ok(reason) => copy(path, s, reason),
                            Err(reason) => skip(reason),
                        })
                    }
                    Some(t) => {
                        actions.push(skip(SkipReason::TypeConflict {
                            source: s.kind,
                            target: t.kind,
                        }));
                        settled.insert(path);
                    }
                }
            }
            (None, Some(t)) => {
                if !opts.delete {
                    continue;
                }
                if t.kind != ItemKind::Dir && !filter.included_file(path) {
                    actions.push(skip(SkipReason::NotIncluded));
                    continue;
                }
                deletable.insert(path);
            }
            (None, None) => unreachable!("every path comes from one of the trees"),
        }
    }

    if filter.has_includes() {
        // Only the directories an included file (or an include pattern) needs.
        let mut needed: HashSet<&str> = HashSet::new();
        for a in &actions {
            match a {
                Action::Copy { path, .. } => needed.extend(ancestors(path)),
                Action::Mkdir { path } if filter.included_dir(path) => {
                    needed.insert(path);
                    needed.extend(ancestors(path));
                }
                _ => {}
            }
        }
        let needed: HashSet<String> = needed.into_iter().map(str::to_string).collect();
        actions.retain(|a| !matches!(a, Action::Mkdir { path } if !needed.contains(path)));
    }

    // Deletes: children before parents (reverse of parents-first order); a directory
    // goes only if nothing under it stays.
    let mut holds_kept: HashSet<&str> = HashSet::new();
    for (key, node) in tgt.iter().rev() {
        let path = key.0.as_str();
        let candidate = deletable.contains(path);
        let blocked = node.kind == ItemKind::Dir && holds_kept.contains(path);
        if candidate && !blocked {
            actions.push(Action::Delete {
                path: path.to_string(),
                kind: node.kind,
            });
            continue;
        }
        if candidate {
            actions.push(Action::Skip {
                path: path.to_string(),
                reason: SkipReason::HoldsKeptItems,
            });
        }
        if let Some(parent) = ancestors(path).next() {
            holds_kept.insert(parent);
        }
    }

    // The input was checked on the way in; this is the promise, kept even if that changed.
    let before = actions.len();
    actions.retain(|a| is_safe_relative(a.path()));
    debug_assert_eq!(before, actions.len(), "a plan held an unsafe path");
    dropped += before - actions.len();

    let summary = summarize(&actions, dropped);
    Plan { actions, summary }
}

fn copy(path: &str, s: &Node, reason: CopyReason) -> Action {
    Action::Copy {
        path: path.to_string(),
        size: s.size,
        mtime: s.mtime,
        reason,
    }
}

/// Two files at the same path: `Ok(reason)` to copy, `Err(reason)` to leave alone.
fn compare(s: &Node, t: &Node, opts: &PlanOptions) -> Result<CopyReason, SkipReason> {
    if opts.only_missing {
        return Err(SkipReason::Exists);
    }
    let times = if opts.ignore_time {
        None
    } else {
        compare_times(s, t)
    };
    let sizes_known = s.size.is_some() && t.size.is_some();
    if opts.checksum && sizes_known && s.size == t.size {
        return Ok(CopyReason::ChecksumToCompare);
    }
    if sizes_known && s.size != t.size {
        // With --only-newer a newer target wins; when the times cannot tell, the size does.
        return if opts.only_newer && times == Some(Ordering::Less) {
            Err(SkipReason::TargetNewer)
        } else {
            Ok(CopyReason::SizeDiffers)
        };
    }
    match times {
        None if sizes_known => Err(SkipReason::SameSize),
        None => Ok(CopyReason::CannotCompare),
        Some(Ordering::Equal) => Err(SkipReason::Same),
        Some(Ordering::Greater) => Ok(CopyReason::SourceNewer),
        Some(Ordering::Less) if opts.only_newer => Err(SkipReason::TargetNewer),
        Some(Ordering::Less) if opts.target_times_unset => Err(SkipReason::TargetNewerCopy),
        Some(Ordering::Less) => Ok(CopyReason::TimesDiffer),
    }
}

/// The source's time against the target's: `Equal` within the coarser precision of the
/// two, `None` when either is unknown.
///
/// Both times must be UTC, and the walkers guarantee it: MLSD `modify` and MDTM are UTC
/// by RFC 3659, local times are read as UTC instants. A one-hour difference at second
/// precision is a real difference here, never a time zone to shrug off: a walker that
/// mixed local and UTC time would make every file look changed, which is exactly what
/// lftp users run into, so the fix belongs in the walker, not in a wider tolerance.
fn compare_times(s: &Node, t: &Node) -> Option<Ordering> {
    let (sm, tm) = (s.mtime?, t.mtime?);
    let tolerance = tolerance(s.precision.max(t.precision));
    let diff = sm - tm;
    Some(if diff.abs() <= tolerance {
        Ordering::Equal
    } else if diff > TimeDelta::zero() {
        Ordering::Greater
    } else {
        Ordering::Less
    })
}

/// How far apart two times of a precision may be and still be the same.
fn tolerance(precision: TimePrecision) -> TimeDelta {
    match precision {
        // FAT keeps even seconds, and one side may round a fraction while the other
        // truncates it.
        TimePrecision::Second => TimeDelta::seconds(2),
        // A recent `ls -l` line: the minute, truncated.
        TimePrecision::Minute => TimeDelta::seconds(60),
        // An old `ls -l` line: the day alone, held as midnight.
        TimePrecision::Day => TimeDelta::days(1),
    }
}

fn summarize(actions: &[Action], dropped: usize) -> Summary {
    let mut s = Summary {
        dropped,
        ..Summary::default()
    };
    for a in actions {
        match a {
            Action::Mkdir { .. } => s.mkdirs += 1,
            Action::Copy { size, .. } => {
                s.copies += 1;
                s.copy_bytes = s.copy_bytes.saturating_add(size.unwrap_or(0));
            }
            Action::Delete { .. } => s.deletes += 1,
            Action::Skip { reason, .. } => {
                s.skips += 1;
                if reason.up_to_date() {
                    s.up_to_date += 1;
                }
            }
        }
    }
    s
}

/// A tree path ordered component by component, so a directory's descendants follow it
/// directly (`a`, `a/b`, `a.txt`; plain string order would put `a.txt` before `a/b`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TreeKey(String);

impl Ord for TreeKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.split('/').cmp(other.0.split('/'))
    }
}

impl PartialOrd for TreeKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What the plan needs of an item.
#[derive(Debug, Clone, Copy)]
struct Node {
    kind: ItemKind,
    size: Option<u64>,
    mtime: Option<DateTime<Utc>>,
    precision: TimePrecision,
}

/// A tree by path: unsafe paths, repeats (the first stays) and items under a file or
/// link of the same tree are dropped and counted; a parent directory the walker did not
/// list is added, so every item's parents are directories.
fn index(items: &[Item], dropped: &mut usize) -> BTreeMap<TreeKey, Node> {
    let mut sorted: Vec<&Item> = items
        .iter()
        .filter(|i| {
            let safe = is_safe_relative(&i.path);
            if !safe {
                *dropped += 1;
            }
            safe
        })
        .collect();
    // Stable: of two items with one path, the first listed stays.
    sorted.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    let mut map: BTreeMap<TreeKey, Node> = BTreeMap::new();
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    'items: for item in sorted {
        if !listed.insert(&item.path) {
            *dropped += 1;
            continue;
        }
        let parents: Vec<&str> = ancestors(&item.path).collect();
        for parent in parents.iter().rev() {
            let key = TreeKey(parent.to_string());
            match map.get(&key) {
                Some(n) if n.kind != ItemKind::Dir => {
                    *dropped += 1;
                    continue 'items;
                }
                Some(_) => {}
                None => {
                    map.insert(
                        key,
                        Node {
                            kind: ItemKind::Dir,
                            size: None,
                            mtime: None,
                            precision: TimePrecision::Second,
                        },
                    );
                }
            }
        }
        map.insert(
            TreeKey(item.path.clone()),
            Node {
                kind: item.kind,
                size: item.size,
                mtime: item.mtime,
                precision: item.precision,
            },
        );
    }
    map
}

/// `a/b/c` → `a/b`, `a`: the parent directories, nearest first.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let i = rest.rfind('/')?;
        rest = &rest[..i];
        Some(rest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
    }

    fn item(path: &str, kind: ItemKind, size: Option<u64>, mtime: Option<DateTime<Utc>>) -> Item {
        Item {
            path: path.to_string(),
            kind,
            size,
            mtime,
            precision: TimePrecision::Second,
        }
    }

    /// A file modified `secs` after [`t0`], at second precision.
    fn file(path: &str, size: u64, secs: i64) -> Item {
        item(
            path,
            ItemKind::File,
            Some(size),
            Some(t0() + TimeDelta::seconds(secs)),
        )
    }

    fn dir(path: &str) -> Item {
        item(path, ItemKind::Dir, None, None)
    }

    fn link(path: &str) -> Item {
        item(path, ItemKind::Link, Some(7), None)
    }

    fn lines(plan: &Plan, direction: Direction) -> Vec<String> {
        plan.actions.iter().map(|a| a.describe(direction)).collect()
    }

    fn run(source: &[Item], target: &[Item], opts: &PlanOptions) -> Vec<String> {
        lines(&plan(source, target, opts), Direction::Download)
    }

    fn filter(excludes: &[&str], includes: &[&str]) -> Filter {
        let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        Filter::new(&s(excludes), &s(includes), &[]).unwrap()
    }

    fn one(source: Item, target: Item, opts: &PlanOptions) -> Action {
        let p = plan(&[source], &[target], opts);
        assert_eq!(p.actions.len(), 1, "{:?}", p.actions);
        p.actions[0].clone()
    }

    fn skip_reason(a: &Action) -> SkipReason {
        match a {
            Action::Skip { reason, .. } => *reason,
            other => panic!("not a skip: {other:?}"),
        }
    }

    fn copy_reason(a: &Action) -> CopyReason {
        match a {
            Action::Copy { reason, .. } => *reason,
            other => panic!("not a copy: {other:?}"),
        }
    }

    #[test]
    fn identical_trees_plan_no_transfer_and_say_so() {
        let tree = [dir("a"), file("a/x", 3, 0), file("b", 5, -100), link("l")];
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let p = plan(&tree, &tree, &opts);
        assert!(p.changes_nothing(), "{:?}", p.actions);
        assert_eq!(p.summary.up_to_date, 2);
        assert_eq!(
            lines(&p, Direction::Download),
            [
                "skip    a/x (same size and time)",
                "skip    b (same size and time)",
                "skip    l (symlink, not followed)",
            ]
        );
    }

    /// `--checksum` asks for a checksum only where size and time cannot tell (same size);
    /// a different size is copied at once. What the checksums say then settles each pair,
    /// and the summary follows; an error of the comparison stops it.
    #[test]
    fn checksum_plans_compare_same_size_pairs_and_settle_by_the_answer() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.checksum = true;
        let source = [
            file("same", 3, 0),
            file("differs", 3, 0),
            file("unknown", 3, 0),
            file("bigger", 4, 0),
        ];
        let target = [
            file("same", 3, 0),
            file("differs", 3, 0),
            file("unknown", 3, 0),
            file("bigger", 3, 0),
        ];
        let mut p = plan(&source, &target, &opts);
        let reasons: Vec<(String, CopyReason)> = p
            .actions
            .iter()
            .map(|a| (a.path().to_string(), copy_reason(a)))
            .collect();
        assert_eq!(
            reasons,
            [
                ("bigger".to_string(), CopyReason::SizeDiffers),
                ("differs".to_string(), CopyReason::ChecksumToCompare),
                ("same".to_string(), CopyReason::ChecksumToCompare),
                ("unknown".to_string(), CopyReason::ChecksumToCompare),
            ]
        );
        let mut asked = Vec::new();
        p.settle_checksums(|path| {
            asked.push(path.to_string());
            Ok::<_, ()>(match path {
                "same" => Checked::Same,
                "differs" => Checked::Differs,
                _ => Checked::Unknown,
            })
        })
        .unwrap();
        assert_eq!(asked, ["differs", "same", "unknown"]);
        assert_eq!(
            lines(&p, Direction::Download),
            [
                "get     bigger (size differs)",
                "get     differs (checksum differs)",
                "skip    same (same checksum)",
                "get     unknown (no checksum to compare)",
            ]
        );
        assert_eq!((p.summary.copies, p.summary.skips), (3, 1));
        // An error stops the settling: nothing after it is asked.
        let mut p = plan(&source, &target, &opts);
        let mut asked = 0;
        let r = p.settle_checksums(|_| {
            asked += 1;
            Err("no connection")
        });
        assert_eq!((r, asked), (Err("no connection"), 1));
    }

    /// A size known on one side only is no difference in size: the times decide.
    #[test]
    fn a_size_known_on_one_side_only_leaves_it_to_the_times() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let no_size = item("f", ItemKind::File, None, Some(t0()));
        let a = one(file("f", 3, 0), no_size.clone(), &opts);
        assert_eq!(skip_reason(&a), SkipReason::Same);
        let a = one(no_size, file("f", 3, 100), &opts);
        assert_eq!(copy_reason(&a), CopyReason::TimesDiffer);
    }

    /// A plan that only deletes, only makes a directory or only copies changes something,
    /// and its summary counts it.
    #[test]
    fn a_plan_of_one_delete_mkdir_or_copy_changes_something() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let p = plan(&[], &[file("old", 1, 0)], &opts);
        assert_eq!((p.summary.deletes, p.changes_nothing()), (1, false));
        let p = plan(&[dir("d")], &[], &opts);
        assert_eq!((p.summary.mkdirs, p.changes_nothing()), (1, false));
        let p = plan(&[file("new", 1, 0)], &[], &opts);
        assert_eq!((p.summary.copies, p.changes_nothing()), (1, false));
    }

    #[test]
    fn missing_tree_is_created_parents_first_then_its_files() {
        let source = [
            file("a.txt", 1, 0),
            file("a/b/c", 2, 0),
            dir("a"),
            dir("a/b"),
            file("a/z", 3, 0),
        ];
        let f = Filter::default();
        let p = plan(&source, &[], &PlanOptions::new(&f));
        assert_eq!(
            lines(&p, Direction::Download),
            [
                "mkdir   a",
                "mkdir   a/b",
                "get     a/b/c (missing)",
                "get     a/z (missing)",
                "get     a.txt (missing)",
            ]
        );
        assert_eq!(p.summary.mkdirs, 2);
        assert_eq!(p.summary.copies, 3);
        assert_eq!(p.summary.copy_bytes, 6);
        assert_eq!(
            p.actions[2],
            Action::Copy {
                path: "a/b/c".into(),
                size: Some(2),
                mtime: Some(t0()),
                reason: CopyReason::Missing
            }
        );
        assert_eq!(lines(&p, Direction::Upload)[2], "put     a/b/c (missing)");
    }

    #[test]
    fn parent_directories_the_walker_did_not_list_are_created() {
        let f = Filter::default();
        let got = run(&[file("a/b/c", 1, 0)], &[dir("a")], &PlanOptions::new(&f));
        assert_eq!(got, ["mkdir   a/b", "get     a/b/c (missing)"]);
    }

    #[test]
    fn size_and_time_decide_a_copy() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let c = |s, t| copy_reason(&one(s, t, &opts));
        assert_eq!(c(file("x", 1, 0), file("x", 2, 0)), CopyReason::SizeDiffers);
        // Without --only-newer the source wins even over a newer target (lftp's default).
        assert_eq!(
            c(file("x", 1, 0), file("x", 2, 999)),
            CopyReason::SizeDiffers
        );
        assert_eq!(
            c(file("x", 1, 999), file("x", 1, 0)),
            CopyReason::SourceNewer
        );
        assert_eq!(
            c(file("x", 1, 0), file("x", 1, 999)),
            CopyReason::TimesDiffer
        );
    }

    #[test]
    fn only_newer_keeps_a_newer_target() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.only_newer = true;
        let a = one(file("x", 1, 0), file("x", 1, 999), &opts);
        assert_eq!(skip_reason(&a), SkipReason::TargetNewer);
        assert_eq!(
            a.describe(Direction::Download),
            "skip    x (target newer, --only-newer)"
        );
        let a = one(file("x", 1, 0), file("x", 2, 999), &opts);
        assert_eq!(skip_reason(&a), SkipReason::TargetNewer);
        let a = one(file("x", 1, 999), file("x", 1, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
        // Sizes differ and the times cannot say which is newer: the size decides.
        let unknown = item("x", ItemKind::File, Some(2), None);
        let a = one(file("x", 1, 0), unknown, &opts);
        assert_eq!(copy_reason(&a), CopyReason::SizeDiffers);
    }

    #[test]
    fn only_missing_copies_only_what_the_target_lacks() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.only_missing = true;
        let got = run(
            &[file("x", 1, 0), file("y", 1, 0)],
            &[file("x", 2, -999)],
            &opts,
        );
        assert_eq!(
            got,
            ["skip    x (exists, --only-missing)", "get     y (missing)"]
        );
    }

    #[test]
    fn ignore_time_compares_size_alone() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.ignore_time = true;
        let a = one(file("x", 1, 0), file("x", 1, 99_999), &opts);
        assert_eq!(skip_reason(&a), SkipReason::SameSize);
        let a = one(file("x", 1, 0), file("x", 2, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SizeDiffers);
    }

    #[test]
    fn unknown_times_compare_by_size_and_unknown_everything_copies() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let no_time = item("x", ItemKind::File, Some(1), None);
        let a = one(file("x", 1, 0), no_time.clone(), &opts);
        assert_eq!(skip_reason(&a), SkipReason::SameSize);
        let a = one(no_time, file("x", 2, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SizeDiffers);
        let nothing = item("x", ItemKind::File, None, None);
        let a = one(nothing.clone(), nothing, &opts);
        assert_eq!(copy_reason(&a), CopyReason::CannotCompare);
    }

    // Both sides are UTC: the walkers guarantee it (MLSD `modify` and MDTM are UTC, local
    // times are instants). The tolerance covers precision, never a time zone.
    #[test]
    fn list_day_precision_time_matches_an_mlsd_time_of_the_same_day() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let midnight = Utc.with_ymd_and_hms(2019, 1, 5, 0, 0, 0).unwrap();
        let mut listed = item("x", ItemKind::File, Some(10), Some(midnight));
        listed.precision = TimePrecision::Day;
        let mlsd = |h, m| {
            item(
                "x",
                ItemKind::File,
                Some(10),
                Some(Utc.with_ymd_and_hms(2019, 1, 5, h, m, 17).unwrap()),
            )
        };
        for (h, m) in [(0, 0), (9, 41), (23, 59)] {
            let a = one(mlsd(h, m), listed.clone(), &opts);
            assert_eq!(skip_reason(&a), SkipReason::Same, "{h}:{m}");
            let a = one(listed.clone(), mlsd(h, m), &opts);
            assert_eq!(skip_reason(&a), SkipReason::Same, "{h}:{m} reversed");
        }
        // Days apart is a difference even at day precision.
        let later = item(
            "x",
            ItemKind::File,
            Some(10),
            Some(midnight + TimeDelta::days(3)),
        );
        let a = one(later, listed, &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
    }

    #[test]
    fn one_hour_apart_at_second_precision_is_a_difference() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let a = one(file("x", 1, 3600), file("x", 1, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
        let a = one(file("x", 1, 0), file("x", 1, 3600), &opts);
        assert_eq!(copy_reason(&a), CopyReason::TimesDiffer);
    }

    #[test]
    fn second_precision_allows_two_seconds_and_minute_precision_a_minute() {
        let f = Filter::default();
        let opts = PlanOptions::new(&f);
        let a = one(file("x", 1, 2), file("x", 1, 0), &opts);
        assert_eq!(skip_reason(&a), SkipReason::Same, "FAT's two seconds");
        let a = one(file("x", 1, 3), file("x", 1, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
        let mut minute = file("x", 1, 0);
        minute.precision = TimePrecision::Minute;
        let a = one(file("x", 1, 59), minute.clone(), &opts);
        assert_eq!(skip_reason(&a), SkipReason::Same);
        let a = one(file("x", 1, 61), minute, &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
    }

    #[test]
    fn target_times_unset_takes_a_newer_target_of_equal_size_as_our_copy() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.target_times_unset = true;
        let a = one(file("x", 1, 0), file("x", 1, 500), &opts);
        assert_eq!(skip_reason(&a), SkipReason::TargetNewerCopy);
        assert!(skip_reason(&a).up_to_date());
        let a = one(file("x", 1, 500), file("x", 1, 0), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SourceNewer);
        let a = one(file("x", 1, 0), file("x", 2, 500), &opts);
        assert_eq!(copy_reason(&a), CopyReason::SizeDiffers);
    }

    #[test]
    fn source_link_is_skipped_and_what_the_target_has_there_stays() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let got = run(
            &[link("l"), link("m")],
            &[dir("l"), file("l/x", 1, 0), file("m", 1, 0)],
            &opts,
        );
        assert_eq!(
            got,
            [
                "skip    l (symlink, not followed)",
                "skip    m (symlink, not followed)"
            ]
        );
    }

    #[test]
    fn target_link_is_deleted_as_a_link_and_never_written_through() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let p = plan(&[], &[link("l")], &opts);
        assert_eq!(
            p.actions,
            [Action::Delete {
                path: "l".into(),
                kind: ItemKind::Link
            }]
        );
        assert_eq!(
            lines(&p, Direction::Download),
            ["delete  l (link, not in source)"]
        );
        // A source file or directory where the target has a link: left alone.
        let got = run(
            &[file("l", 1, 0), dir("d"), file("d/x", 1, 0)],
            &[link("l"), link("d")],
            &opts,
        );
        assert_eq!(
            got,
            [
                "skip    d (type conflict: a directory in source, a link in target)",
                "skip    l (type conflict: a file in source, a link in target)",
            ]
        );
    }

    #[test]
    fn file_over_a_target_directory_is_a_conflict_and_its_contents_are_not_deleted() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let got = run(
            &[file("x", 1, 0)],
            &[dir("x"), file("x/precious", 1, 0), dir("x/sub")],
            &opts,
        );
        assert_eq!(
            got,
            ["skip    x (type conflict: a file in source, a directory in target)"]
        );
        let got = run(&[dir("x"), file("x/a", 1, 0)], &[file("x", 1, 0)], &opts);
        assert_eq!(
            got,
            ["skip    x (type conflict: a directory in source, a file in target)"]
        );
    }

    #[test]
    fn delete_removes_contents_before_their_directory_and_never_the_root() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let target = [
            dir("old"),
            dir("old/deep"),
            file("old/deep/x", 1, 0),
            file("old/y", 1, 0),
            file("old.txt", 1, 0),
            file("keep", 1, 0),
        ];
        let p = plan(&[file("keep", 1, 0)], &target, &opts);
        assert_eq!(
            lines(&p, Direction::Download),
            [
                "skip    keep (same size and time)",
                "delete  old.txt (not in source)",
                "delete  old/y (not in source)",
                "delete  old/deep/x (not in source)",
                "delete  old/deep/ (not in source)",
                "delete  old/ (not in source)",
            ]
        );
        assert_eq!(p.summary.deletes, 5);
        opts.delete = false;
        assert!(plan(&[file("keep", 1, 0)], &target, &opts).changes_nothing());
    }

    #[test]
    fn exclude_protects_target_files_from_delete_and_keeps_their_directory() {
        let f = filter(&["*.tmp", "/pub/old/"], &[]);
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let target = [
            dir("d"),
            file("d/a.tmp", 1, 0),
            file("d/b", 1, 0),
            dir("pub"),
            dir("pub/old"),
            file("pub/old/z", 1, 0),
            dir("x"),
            dir("x/pub"),
            dir("x/pub/old"),
        ];
        let got = run(&[], &target, &opts);
        assert_eq!(
            got,
            [
                "skip    d/a.tmp (excluded)",
                "skip    pub/old (excluded)",
                "delete  x/pub/old/ (not in source)",
                "delete  x/pub/ (not in source)",
                "delete  x/ (not in source)",
                "skip    pub (not in source, but holds kept items)",
                "delete  d/b (not in source)",
                "skip    d (not in source, but holds kept items)",
            ]
        );
        // Without --delete an excluded target-only path is not worth a line.
        opts.delete = false;
        assert!(run(&[], &target, &opts).is_empty());
    }

    #[test]
    fn excluded_source_directory_is_one_skip_whatever_it_holds() {
        let f = filter(&["old/"], &[]);
        let opts = PlanOptions::new(&f);
        let got = run(
            &[
                dir("a"),
                dir("a/old"),
                file("a/old/x", 1, 0),
                file("a/y", 1, 0),
            ],
            &[],
            &opts,
        );
        assert_eq!(
            got,
            [
                "mkdir   a",
                "skip    a/old (excluded)",
                "get     a/y (missing)"
            ]
        );
    }

    #[test]
    fn includes_copy_only_matching_files_and_the_directories_they_need() {
        let f = filter(&[], &["*.txt", "/empty/"]);
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let source = [
            dir("a"),
            dir("a/b"),
            file("a/b/n.txt", 1, 0),
            dir("c"),
            file("c/n.bin", 1, 0),
            dir("empty"),
        ];
        let target = [file("t.bin", 1, 0), file("t.txt", 1, 0)];
        let got = run(&source, &target, &opts);
        assert_eq!(
            got,
            [
                "mkdir   a",
                "mkdir   a/b",
                "get     a/b/n.txt (missing)",
                "skip    c/n.bin (not included)",
                "mkdir   empty",
                "skip    t.bin (not included)",
                "delete  t.txt (not in source)",
            ]
        );
    }

    #[test]
    fn unsafe_duplicate_and_inconsistent_input_is_dropped_and_counted() {
        let f = Filter::default();
        let mut opts = PlanOptions::new(&f);
        opts.delete = true;
        let source = [
            file("../etc/passwd", 1, 0),
            file("/abs", 1, 0),
            file("", 1, 0),
            file("a//b", 1, 0),
            file("ok", 1, 0),
            file("ok", 9, 0),
            file("ok/under-a-file", 1, 0),
        ];
        let target = [
            file("..", 1, 0),
            file("x/./y", 1, 0),
            link("l"),
            file("l/z", 1, 0),
        ];
        let p = plan(&source, &target, &opts);
        assert_eq!(
            lines(&p, Direction::Download),
            ["get     ok (missing)", "delete  l (link, not in source)"]
        );
        assert_eq!(p.summary.dropped, 9);
        assert!(matches!(&p.actions[0], Action::Copy { size: Some(1), .. }));
    }

    #[test]
    fn components_order_keeps_a_directory_with_its_contents() {
        let f = Filter::default();
        let got = run(
            &[
                file("a.txt", 1, 0),
                dir("a"),
                file("a/b", 1, 0),
                file("a-b", 1, 0),
            ],
            &[],
            &PlanOptions::new(&f),
        );
        assert_eq!(
            got,
            [
                "mkdir   a",
                "get     a/b (missing)",
                "get     a-b (missing)",
                "get     a.txt (missing)",
            ]
        );
    }

    #[test]
    fn describe_cleans_bidi_marks_from_names() {
        let evil = "evil\u{202E}txt.exe";
        let a = Action::Copy {
            path: evil.into(),
            size: None,
            mtime: None,
            reason: CopyReason::Missing,
        };
        assert_eq!(
            a.describe(Direction::Upload),
            "put     evil?txt.exe (missing)"
        );
    }

    // ---- properties ----

    const NAMES: &[&str] = &["a", "b", "c.tmp", "keep.tmp", "d"];
    const OFFSETS: &[i64] = &[-172_800, -3600, -1, 0, 1, 3600, 172_800];

    fn rel_path() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(NAMES), 1..=3).prop_map(|v| v.join("/"))
    }

    fn any_path() -> impl Strategy<Value = String> {
        prop_oneof![
            9 => rel_path(),
            1 => prop::sample::select(&["", "/abs", "../x", "a//b", "a/", "a/../b", "."][..])
                .prop_map(String::from),
        ]
    }

    fn precision() -> impl Strategy<Value = TimePrecision> {
        prop::sample::select(
            &[
                TimePrecision::Second,
                TimePrecision::Minute,
                TimePrecision::Day,
            ][..],
        )
    }

    fn an_item(path: impl Strategy<Value = String>) -> impl Strategy<Value = Item> {
        let kind = prop_oneof![
            4 => Just(ItemKind::File),
            2 => Just(ItemKind::Dir),
            1 => Just(ItemKind::Link),
        ];
        (
            path,
            kind,
            0u64..3,
            prop::option::weighted(0.8, prop::sample::select(OFFSETS)),
            precision(),
        )
            .prop_map(|(path, kind, size, offset, precision)| Item {
                path,
                kind,
                // Files always have a size here: without size or time a file is copied
                // on every run (CannotCompare), which the "second run" property excludes.
                size: Some(size),
                mtime: offset.map(|o| t0() + TimeDelta::seconds(o)),
                precision,
            })
    }

    fn raw_tree() -> impl Strategy<Value = Vec<Item>> {
        prop::collection::vec(an_item(any_path()), 0..14)
    }

    /// A tree as a walker gives it: safe, unique paths whose parents are directories.
    fn tree() -> impl Strategy<Value = Vec<Item>> {
        prop::collection::vec(an_item(rel_path()), 0..14).prop_map(|items| normalize(&items))
    }

    fn normalize(items: &[Item]) -> Vec<Item> {
        let mut dropped = 0;
        index(items, &mut dropped)
            .into_iter()
            .map(|(k, n)| Item {
                path: k.0,
                kind: n.kind,
                size: n.size,
                mtime: n.mtime,
                precision: n.precision,
            })
            .collect()
    }

    fn a_filter() -> impl Strategy<Value = Filter> {
        let ex = prop::sample::subsequence(
            &["*.tmp", "/a/", "b/", "!keep.tmp", "a/d", "/c.tmp"][..],
            0..=3,
        );
        let inc = prop_oneof![
            2 => Just(Vec::new()),
            1 => prop::sample::subsequence(&["*.tmp", "/d/", "a/**", "!keep.tmp"][..], 1..=2),
        ];
        (ex, inc).prop_map(|(ex, inc)| {
            let s = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
            Filter::new(&s(ex), &s(inc), &[]).unwrap()
        })
    }

    type Model = BTreeMap<String, Item>;

    fn parent(path: &str) -> Option<&str> {
        ancestors(path).next()
    }

    fn under(path: &str, dir: &str) -> bool {
        path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
    }

    /// Carries a plan out on a model of the target, checking each step is possible there:
    /// the parent exists, nothing is written over a link or a directory, a directory is
    /// empty when deleted.
    fn apply(model: &mut Model, p: &Plan) -> Result<(), TestCaseError> {
        for a in &p.actions {
            let path = a.path();
            if a.changes()
                && let Some(par) = parent(path)
            {
                prop_assert_eq!(
                    model.get(par).map(|i| i.kind),
                    Some(ItemKind::Dir),
                    "{:?}: parent missing",
                    a
                );
            }
            match a {
                Action::Mkdir { .. } => {
                    prop_assert!(!model.contains_key(path), "{:?} over an existing item", a);
                    model.insert(path.into(), item(path, ItemKind::Dir, None, None));
                }
                Action::Copy { size, mtime, .. } => {
                    let there = model.get(path).map(|i| i.kind);
                    prop_assert!(
                        there.is_none() || there == Some(ItemKind::File),
                        "{:?} written over {:?}",
                        a,
                        there
                    );
                    model.insert(path.into(), item(path, ItemKind::File, *size, *mtime));
                }
                Action::Delete { kind, .. } => {
                    prop_assert_eq!(model.get(path).map(|i| i.kind), Some(*kind), "{:?}", a);
                    prop_assert!(
                        !model.keys().any(|k| under(k, path)),
                        "{:?} before its contents",
                        a
                    );
                    model.remove(path);
                }
                Action::Skip { .. } => {}
            }
        }
        Ok(())
    }

    fn options(f: &Filter, flags: (bool, bool, bool, bool)) -> PlanOptions<'_> {
        let mut o = PlanOptions::new(f);
        (o.only_newer, o.only_missing, o.ignore_time, o.delete) = flags;
        o
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// (a) No action names an unsafe path; nothing excluded or not included is
        /// created, copied or deleted; nothing is deleted that the source has.
        #[test]
        fn plan_never_touches_unsafe_or_excluded_paths(
            source in raw_tree(),
            target in raw_tree(),
            f in a_filter(),
            flags in any::<(bool, bool, bool, bool)>(),
        ) {
            let opts = options(&f, flags);
            let p = plan(&source, &target, &opts);
            let src: BTreeMap<String, Item> =
                normalize(&source).into_iter().map(|i| (i.path.clone(), i)).collect();
            for a in &p.actions {
                prop_assert!(is_safe_relative(a.path()), "{:?}", a);
                match a {
                    Action::Mkdir { path } => prop_assert!(!f.excluded(path, true), "{:?}", a),
                    Action::Copy { path, .. } => {
                        prop_assert!(!f.excluded(path, false), "{:?}", a);
                        prop_assert!(f.included_file(path), "{:?}", a);
                    }
                    Action::Delete { path, kind } => {
                        prop_assert!(opts.delete);
                        prop_assert!(!f.excluded(path, *kind == ItemKind::Dir), "{:?}", a);
                        prop_assert!(!src.contains_key(path), "{:?} is in the source", a);
                        if *kind != ItemKind::Dir {
                            prop_assert!(f.included_file(path), "{:?}", a);
                        }
                    }
                    Action::Skip { .. } => {}
                }
            }
        }

        /// (b) With --delete, after the plan the target's files are the source's (what
        /// takes part of it), except where the plan said why not; (d) no delete comes
        /// after the delete of a directory holding it (and `apply` checks each directory
        /// is empty when it goes).
        #[test]
        fn applied_plan_makes_the_target_match_the_source(
            source in tree(),
            target in tree(),
            f in a_filter(),
            ignore_time in any::<bool>(),
        ) {
            let opts = options(&f, (false, false, ignore_time, true));
            let p = plan(&source, &target, &opts);
            let mut model: Model = target.iter().map(|i| (i.path.clone(), i.clone())).collect();
            apply(&mut model, &p)?;

            for (i, a) in p.actions.iter().enumerate() {
                if let Action::Delete { path, .. } = a {
                    for later in &p.actions[i + 1..] {
                        if let Action::Delete { path: lp, .. } = later {
                            prop_assert!(!under(lp, path), "{} deleted after {}", lp, path);
                        }
                    }
                }
            }

            // Paths the plan explained away (and all under them).
            let explained: Vec<&str> = p.actions.iter().filter_map(|a| match a {
                Action::Skip { path, reason } if !reason.up_to_date() => Some(path.as_str()),
                _ => None,
            }).collect();
            let open = |path: &str| !explained.iter().any(|e| path == *e || under(path, e));
            let files = |items: &mut dyn Iterator<Item = &Item>| -> BTreeMap<String, Option<u64>> {
                items.filter(|i| i.kind != ItemKind::Dir && open(&i.path))
                    .map(|i| (i.path.clone(), i.size)).collect()
            };
            prop_assert_eq!(files(&mut source.iter()), files(&mut model.values()));
            // What the plan explained away is left as it was, with all under it (a
            // directory kept for its kept items may still lose its other contents).
            for e in p.actions.iter().filter_map(|a| match a {
                Action::Skip { path, reason } if !reason.up_to_date() => Some((path, reason)),
                _ => None,
            }) {
                let frozen = |path: &str| {
                    path == e.0 || (*e.1 != SkipReason::HoldsKeptItems && under(path, e.0))
                };
                for t in target.iter().filter(|t| frozen(&t.path)) {
                    prop_assert_eq!(model.get(&t.path), Some(t), "changed under {:?}", e);
                }
            }
            if !f.has_includes() {
                for d in source.iter().filter(|i| i.kind == ItemKind::Dir && open(&i.path)) {
                    prop_assert_eq!(model.get(&d.path).map(|i| i.kind), Some(ItemKind::Dir));
                }
            }
        }

        /// (c) Planning again after carrying a plan out changes nothing: a second run
        /// transfers nothing.
        #[test]
        fn second_plan_after_applying_changes_nothing(
            source in tree(),
            target in tree(),
            f in a_filter(),
            flags in any::<(bool, bool, bool, bool)>(),
        ) {
            let opts = options(&f, flags);
            let p = plan(&source, &target, &opts);
            let mut model: Model = target.iter().map(|i| (i.path.clone(), i.clone())).collect();
            apply(&mut model, &p)?;
            let after: Vec<Item> = model.into_values().collect();
            let again = plan(&source, &after, &opts);
            prop_assert!(again.changes_nothing(), "{:?}", again.actions);
        }
    }
}
