//! Carrying out a tree copy (`mirror`, `mirror -R`, `get -r`, `put -r`): walk both trees,
//! plan (see [`super::plan`]), show or confirm the plan, then do it: directories first, the
//! files over the worker pool, deletions last.
//!
//! Every local path is the local root joined with a plan path, and plan paths are safe
//! relative paths (no `..`, no separators in a name, no control characters), so nothing
//! is written or deleted outside the local root; a link is never followed to write or to
//! delete. Remote paths are the remote root joined the same way.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use super::filter::Filter;
use super::plan::{self, Action, Direction, PlanOptions};
use super::tree::{Item, ItemKind};
use super::walk;
use crate::error::{LocalError, Subject, UsageError};
use crate::output::Printer;
use crate::output::model::{self, Report};
use crate::session::Session;
use crate::transfer::{self, Done, GetOpts, Known};

/// What to copy where, and how.
pub struct Request {
    /// `mirror`, `get`, `put`: the word in reports.
    pub command: &'static str,
    pub direction: Direction,
    /// The remote tree's root (relative to the working directory, or absolute).
    pub remote_root: String,
    /// The local tree's root.
    pub local_root: PathBuf,
    pub only_newer: bool,
    pub only_missing: bool,
    pub ignore_time: bool,
    pub delete: bool,
    /// `--yes`: deletions without asking.
    pub yes: bool,
    pub dry_run: bool,
    pub parallel: usize,
    /// `-L` (uploads): follow local links that stay inside the tree.
    pub follow_links: bool,
    /// `-c` (downloads): continue `.part` files left by an interrupted run.
    pub resume: bool,
    pub filter: Filter,
    /// A person can be asked to confirm deletions.
    pub interactive: bool,
    /// `--checksum`: files of the same size are compared by checksum, not time.
    pub checksum: bool,
}

/// Walk, plan, and carry the plan out (or only show it with `dry_run`).
pub fn run(session: &mut Session, req: &Request, out: &Printer) -> Result<()> {
    let start = Instant::now();
    let (source, target, target_exists) = walk_both(session, req, out)?;
    let options = PlanOptions {
        only_newer: req.only_newer,
        only_missing: req.only_missing,
        ignore_time: req.ignore_time,
        delete: req.delete,
        target_times_unset: req.direction == Direction::Upload
            && !session.conn()?.has_feature("MFMT"),
        checksum: req.checksum,
        ..PlanOptions::new(&req.filter)
    };
    let mut plan = plan::plan(&source, &target, &options);
    drop((source, target));
    if req.checksum {
        settle_checksums(session, req, &mut plan, out)?;
    }
    if req.dry_run {
        for action in &plan.actions {
            out.emit(&Report::Step(step(req, action, true)))?;
        }
        return Ok(());
    }
    let deletes: Vec<&Action> = plan
        .actions
        .iter()
        .filter(|a| matches!(a, Action::Delete { .. }))
        .collect();
    if !deletes.is_empty() && !req.yes {
        confirm_deletions(req, &deletes, out)?;
    }

    // The target root, then every directory, parents first (the plan's order).
    if !target_exists {
        make_root(session, req)?;
    }
    if plan.changes_nothing() {
        out.emit(&Report::Summary(model::Summary {
            skipped: plan.summary.skips,
            seconds: start.elapsed().as_secs_f64(),
            ..model::Summary::new(req.command)
        }))?;
        return Ok(());
    }
    let mut errors = Vec::new();
    let mut summary = model::Summary::new(req.command);
    for action in &plan.actions {
        if let Action::Mkdir { path } = action {
            match make_dir(session, req, path) {
                Ok(()) => {
                    summary.dirs_made += 1;
                    out.emit(&Report::Step(step(req, action, false)))?;
                }
                Err(e) => {
                    report_failure(out, req.command, path, e, &mut errors);
                    summary.failed += 1;
                }
            }
        }
    }

    // The files, over the pool.
    let copies: Vec<Copy> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Copy {
                path, size, mtime, ..
            } => Some(Copy {
                path: path.clone(),
                known: Known {
                    size: *size,
                    mtime: mtime.map(Into::into),
                },
            }),
            _ => None,
        })
        .collect();
    summary.files = copies.len();
    summary.skipped = plan
        .actions
        .iter()
        .filter(|a| matches!(a, Action::Skip { .. }))
        .count();
    let many = out.many(req.command, copies.len(), Some(plan.summary.copy_bytes));
    let results = transfer::pool::run(session, req.parallel, req.command, &copies, out, |s, c| {
        let r = copy_one(s, req, c, out);
        many.job_done();
        r
    });
    drop(many);
    for (c, r) in copies.iter().zip(results) {
        match r {
            Ok(d) => {
                summary.done += 1;
                summary.bytes += d.bytes;
            }
            Err(e) => {
                summary.failed += 1;
                report_failure(out, req.command, &c.path, e, &mut errors);
            }
        }
    }

    // Deletions last, deepest first (the plan's order), each checked again on the spot.
    if crate::interrupt::requested() {
        return Err(crate::error::Interrupted.into());
    }
    for action in deletes {
        let Action::Delete { path, kind } = action else {
            continue;
        };
        match delete(session, req, path, *kind) {
            Ok(()) => {
                summary.deleted += 1;
                out.emit(&Report::Step(step(req, action, false)))?;
            }
            Err(e) => {
                summary.failed += 1;
                report_failure(out, req.command, path, e, &mut errors);
            }
        }
    }
    summary.seconds = start.elapsed().as_secs_f64();
    out.emit(&Report::Summary(summary))?;
    crate::error::merge(
        &errors,
        plan.summary.copies + plan.summary.mkdirs + plan.summary.deletes,
        "changes",
    )
}

/// `--checksum`: the server's checksum of each same-size file against the local file's,
/// one file after the other over the shell's connection. A file the server cannot hash
/// (a 5xx for it) is copied, with a warning; a lost connection stops the run.
fn settle_checksums(
    session: &mut Session,
    req: &Request,
    plan: &mut plan::Plan,
    out: &Printer,
) -> Result<()> {
    let offer = session.conn()?.checksum_offer();
    let Some((algo, _)) = offer.pick(None) else {
        return Err(anyhow::anyhow!(
            "{} --checksum: the server offers no checksum (FEAT lists no HASH, XSHA256, XMD5 or XCRC); --ignore-time compares by size alone",
            req.command
        ));
    };
    plan.settle_checksums(|path| {
        let local = local_path(req, path);
        let remote = remote_path(req, path);
        let size = std::fs::metadata(&local).ok().map(|m| m.len());
        let theirs = match session.conn()?.checksum(&remote, Some(algo), size) {
            Ok((_, hex)) => hex,
            // A refusal for this file (5xx) or a reply with no digest in it; a 4xx or a lost
            // connection is the run's problem.
            Err(e) if crate::checksum::not_hashed(&e) => {
                out.warn(&format!(
                    "{}: no checksum, copying it: {}",
                    crate::listing::display_name(&remote),
                    crate::error::render(&e)
                ));
                return Ok(plan::Checked::Unknown);
            }
            Err(e) => return Err(e.context(Subject::new(&remote))),
        };
        let mine = crate::checksum::hash_file(&local, algo)
            .map_err(|e| LocalError::new(local.display().to_string(), e))?;
        Ok(if mine == theirs {
            plan::Checked::Same
        } else {
            plan::Checked::Differs
        })
    })
}

/// One file to copy: its plan path and what the source's listing said about it.
struct Copy {
    path: String,
    known: Known,
}

impl transfer::pool::JobName for Copy {
    fn name(&self) -> String {
        self.path.clone()
    }
}

fn local_path(req: &Request, rel: &str) -> PathBuf {
    // A plan path is a safe relative path: joining it cannot leave the root.
    debug_assert!(super::tree::is_safe_relative(rel));
    rel.split('/')
        .fold(req.local_root.clone(), |p, c| p.join(c))
}

fn remote_path(req: &Request, rel: &str) -> String {
    // `mirror . DIR`: the files are `a.txt`, not `./a.txt`, in what is shown and sent.
    match req.remote_root.trim_end_matches('/') {
        "." => rel.to_string(),
        _ => walk::remote_path(&req.remote_root, rel),
    }
}

fn copy_one(session: &mut Session, req: &Request, c: &Copy, out: &Printer) -> Result<Done> {
    let local = local_path(req, &c.path);
    let remote = remote_path(req, &c.path);
    let shown = local.display().to_string();
    let done = match req.direction {
        Direction::Download => {
            // Never write through a link that appeared since the walk.
            if std::fs::symlink_metadata(&local).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(LocalError::new(
                    shown,
                    std::io::Error::other("is a symbolic link; not written through"),
                )
                .into());
            }
            let opts = GetOpts {
                resume: req.resume,
                no_clobber: false,
                known: Some(c.known),
            };
            transfer::download(session, &remote, &local, opts, out)?
        }
        Direction::Upload => transfer::upload(session, &local, &remote, false, out)?,
    };
    let verb = match req.direction {
        Direction::Download => "get",
        Direction::Upload => "put",
    };
    out.emit(&Report::Transfer(crate::commands::transfer_report(
        verb, &remote, &shown, &done,
    )))?;
    Ok(done)
}

/// Both trees, walked: the source (it must exist) and the target (it may not yet).
fn walk_both(
    session: &mut Session,
    req: &Request,
    out: &Printer,
) -> Result<(Vec<Item>, Vec<Item>, bool)> {
    let filter = &req.filter;
    let mut prune = |i: &Item| filter.excluded(&i.path, true);
    let remote_items = |session: &mut Session, prune: &mut dyn FnMut(&Item) -> bool| {
        let mut items = Vec::new();
        let stats = walk::remote(
            session,
            &req.remote_root,
            prune,
            &mut |i| {
                items.push(i);
                Ok(())
            },
            out,
        )?;
        warn_unsafe(out, &stats.unsafe_names);
        Ok::<_, anyhow::Error>(items)
    };
    let local_items = |prune: &mut dyn FnMut(&Item) -> bool, follow: bool| {
        let mut items = Vec::new();
        let stats = walk::local(&req.local_root, follow, prune, &mut |i| {
            items.push(i);
            Ok(())
        })?;
        warn_unsafe(out, &stats.unsafe_names);
        Ok::<_, anyhow::Error>(items)
    };
    match req.direction {
        Direction::Download => {
            let source = remote_items(session, &mut prune)?;
            let exists = match std::fs::symlink_metadata(&req.local_root) {
                Ok(m) if m.is_dir() => true,
                Ok(_) => {
                    return Err(LocalError::new(
                        req.local_root.display().to_string(),
                        std::io::Error::other("exists and is not a directory"),
                    )
                    .into());
                }
                Err(_) => false,
            };
            let target = if exists {
                local_items(&mut prune, false)?
            } else {
                Vec::new()
            };
            Ok((source, target, exists))
        }
        Direction::Upload => {
            let source = local_items(&mut prune, req.follow_links)?;
            let exists = session.is_dir(&req.remote_root)?;
            let target = if exists {
                remote_items(session, &mut prune)?
            } else {
                Vec::new()
            };
            Ok((source, target, exists))
        }
    }
}

fn warn_unsafe(out: &Printer, names: &[String]) {
    if !names.is_empty() {
        out.warn(&format!(
            "{} unsafe names skipped (`..`, `/`, control characters), e.g. {}",
            names.len(),
            names[0]
        ));
    }
}

/// Deletions need a yes: asked at a terminal, `--yes` in a script. Nothing has been changed
/// when this refuses.
fn confirm_deletions(req: &Request, deletes: &[&Action], out: &Printer) -> Result<()> {
    let n = deletes.len();
    if !req.interactive {
        return Err(UsageError(format!(
            "{}: --delete would remove {n} item{} from the target; add --yes to do it \
             (--dry-run lists them)",
            req.command,
            if n == 1 { "" } else { "s" }
        ))
        .into());
    }
    let shown: Vec<String> = deletes
        .iter()
        .take(50)
        .map(|a| a.describe(req.direction))
        .collect();
    out.warn(&format!(
        "{} will delete {n} item{}:\n{}{}",
        req.command,
        if n == 1 { "" } else { "s" },
        shown.join("\n"),
        if n > 50 { "\n..." } else { "" }
    ));
    eprint!("Delete them? [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| LocalError::new("stdin", e))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(anyhow::anyhow!("nothing changed: deletions not confirmed"))
    }
}

fn make_root(session: &mut Session, req: &Request) -> Result<()> {
    match req.direction {
        Direction::Download => std::fs::create_dir_all(&req.local_root)
            .map_err(|e| LocalError::new(req.local_root.display().to_string(), e).into()),
        Direction::Upload => {
            let root = req.remote_root.trim_end_matches('/');
            let absolute = root.starts_with('/');
            let mut prefix = String::new();
            for part in root.split('/').filter(|p| !p.is_empty()) {
                if !prefix.is_empty() || absolute {
                    prefix.push('/');
                }
                prefix.push_str(part);
                if !session.is_dir(&prefix)? {
                    session
                        .conn()?
                        .ftp
                        .mkdir(&prefix)
                        .map_err(Session::ftp_err)
                        .with_context(|| Subject::new(&prefix))?;
                }
            }
            Ok(())
        }
    }
}

fn make_dir(session: &mut Session, req: &Request, rel: &str) -> Result<()> {
    match req.direction {
        Direction::Download => {
            let p = local_path(req, rel);
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(LocalError::new(
                    p.display().to_string(),
                    std::io::Error::other("exists and is not a directory"),
                )
                .into()),
                Err(_) => std::fs::create_dir(&p)
                    .map_err(|e| LocalError::new(p.display().to_string(), e).into()),
            }
        }
        Direction::Upload => {
            let p = remote_path(req, rel);
            session
                .conn()?
                .ftp
                .mkdir(&p)
                .map_err(Session::ftp_err)
                .map_err(anyhow::Error::new)
        }
    }
}

fn delete(session: &mut Session, req: &Request, rel: &str, kind: ItemKind) -> Result<()> {
    match req.direction {
        Direction::Download => {
            let p = local_path(req, rel);
            let meta = std::fs::symlink_metadata(&p)
                .map_err(|e| LocalError::new(p.display().to_string(), e))?;
            // What is there now decides, not what the walk saw: a link is removed itself.
            let r = if meta.is_dir() && kind == ItemKind::Dir {
                std::fs::remove_dir(&p)
            } else if !meta.is_dir() {
                std::fs::remove_file(&p)
            } else {
                Err(std::io::Error::other("changed since the walk; left alone"))
            };
            r.map_err(|e| LocalError::new(p.display().to_string(), e).into())
        }
        Direction::Upload => {
            let p = remote_path(req, rel);
            let conn = session.conn()?;
            let r = if kind == ItemKind::Dir {
                conn.ftp.rmdir(&p)
            } else {
                conn.ftp.rm(&p)
            };
            r.map_err(Session::ftp_err).map_err(anyhow::Error::new)
        }
    }
}

fn report_failure(
    out: &Printer,
    command: &str,
    path: &str,
    e: anyhow::Error,
    errors: &mut Vec<anyhow::Error>,
) {
    let e = e.context(Subject::new(path));
    out.failure(
        &format!("{command}: {}", crate::error::render(&e)),
        Some(command),
        &e,
    );
    errors.push(e);
}

/// A plan action as a report: shown on stdout by a dry run, else as it is done.
fn step(req: &Request, action: &Action, dry_run: bool) -> model::Step {
    let (act, reason) = match action {
        Action::Mkdir { .. } => ("mkdir", None),
        Action::Copy { reason, .. } => (
            match req.direction {
                Direction::Download => "get",
                Direction::Upload => "put",
            },
            Some(reason.as_str().to_string()),
        ),
        Action::Delete { .. } => ("delete", Some("not in source".to_string())),
        Action::Skip { reason, .. } => ("skip", Some(reason.as_string())),
    };
    model::Step {
        command: req.command.into(),
        action: act.into(),
        path: action.path().into(),
        reason,
        dry_run,
        text: action.describe(req.direction),
    }
}

/// The local root of `get -r DIR` / the remote root of `put -r DIR`: the last component of
/// the source under the destination, as `cp -r` and `scp -r` do.
pub fn last_component(path: &str) -> Option<&str> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|c| crate::listing::sanitize_name(c).is_some())
}

/// `Path` of a local directory's last component, for `put -r`.
pub fn local_last_component(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    crate::listing::sanitize_name(name).map(str::to_string)
}
