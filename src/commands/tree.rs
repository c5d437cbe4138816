//! Handlers for whole remote trees: `rm -r`, `du` and `find`. Each walks the tree with
//! [`crate::mirror::walk::remote`], so names a hostile server sends (`..`, `a/b`, control
//! characters) are skipped with a warning and links are never followed: nothing here can
//! act outside the tree it was given.

use anyhow::{Context, Result};

use super::files::{done, remove_dir, remove_file};
use super::glob::{self, Want};
use super::{Ctx, DuArgs, FindArgs, FindType, RmArgs};
use crate::error::{Interrupted, Subject, UsageError};
use crate::listing::{Kind, display_name};
use crate::mirror::tree::{Item, ItemKind, TimePrecision};
use crate::mirror::walk;
use crate::output::model::{self, Report};
use crate::session::{Session, remote_join, remote_parent};

/// `rm -r PATH…`: files and links are deleted (a link is never followed: the link goes,
/// not what it points to), then directories deepest first.
pub fn rm_recursive(ctx: &mut Ctx, a: RmArgs) -> Result<()> {
    let result = (|| {
        for p in &a.paths {
            refuse_to_remove(ctx.session, &p.0)?;
            for m in glob::expand_remote(ctx.session, ctx.out, &p.0, Want::Any)? {
                refuse_to_remove(ctx.session, &m.path)?;
                let kind = match &m.entry {
                    Some(e) => Some(e.kind),
                    None => kind_in_parent(ctx.session, &m.path)?,
                };
                match kind {
                    Some(Kind::Dir) => remove_tree(ctx, &m.path)?,
                    Some(_) => {
                        remove_file(ctx.session, &m.path)?;
                        done(ctx, "rm", &m.path)?;
                    }
                    // Not in its parent's listing (hidden, or a server that lists oddly): a
                    // file or link goes with DELE; what DELE refuses is walked as a tree,
                    // and a missing path then fails with the listing's 550.
                    None => {
                        if remove_file(ctx.session, &m.path).is_ok() {
                            done(ctx, "rm", &m.path)?;
                        } else {
                            remove_tree(ctx, &m.path)?;
                        }
                    }
                }
            }
        }
        Ok(())
    })();
    // Whatever went, the listings of the trees are stale.
    ctx.session.invalidate_all();
    result
}

/// The paths `rm -r` will not take: `/`, `.`, `..` (or any path ending in them), the empty
/// path, and the working and login directories and their ancestors (the session would be
/// left in a directory that is gone). A usage error: nothing is sent.
fn refuse_to_remove(session: &Session, path: &str) -> Result<(), UsageError> {
    let refuse = |why: &str| {
        Err(UsageError(format!(
            "refusing to remove {}: {why}",
            if path.is_empty() {
                "''".to_string()
            } else {
                display_name(path)
            }
        )))
    };
    let trimmed = path.trim_end_matches('/');
    if path.is_empty() {
        return refuse("an empty path");
    }
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    if last == "." || last == ".." {
        return refuse("'.' and '..' are not removed");
    }
    let Some(conn) = session.conn_ref() else {
        return Ok(());
    };
    let full = remote_join(&conn.cwd, path);
    if full == "/" {
        return refuse("the root directory");
    }
    let holds = |dir: &str| dir == full || dir.starts_with(&format!("{full}/"));
    if holds(&conn.cwd) {
        return refuse("it holds the working directory");
    }
    if holds(&conn.login_dir) {
        return refuse("it holds the login directory");
    }
    Ok(())
}

/// What the listing of `path`'s parent says `path` is (`None`: not listed there). Asked
/// before a walk because a walk's first step (CWD) would follow a link to a directory.
fn kind_in_parent(session: &mut Session, path: &str) -> Result<Option<Kind>> {
    let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let parent = remote_parent(path);
    let listing = match session.list(Some(&parent)) {
        Ok(l) => l,
        // An unreadable parent is no reason to fail: the walk decides.
        Err(e) if crate::error::reply_of(&e).is_some() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(listing
        .into_iter()
        .find(|e| e.raw.is_none() && e.name == name)
        .map(|e| e.kind))
}

/// Walk the directory `root`, then delete what the walk found: files and links, then
/// directories deepest first, then `root`. What the walk skipped (unsafe names, devices)
/// stays, so its directory is not empty and its RMD fails: that failure is the error.
fn remove_tree(ctx: &mut Ctx, root: &str) -> Result<()> {
    let mut dirs = Vec::new();
    let mut others = Vec::new();
    walk::remote(
        ctx.session,
        root,
        &mut |_| false,
        &mut |item| {
            match item.kind {
                ItemKind::Dir => dirs.push(item.path),
                _ => others.push(item.path),
            }
            Ok(())
        },
        ctx.out,
    )?;
    for rel in others {
        let path = walk::remote_path(root, &rel);
        stop_if_interrupted()?;
        remove_file(ctx.session, &path)?;
        done(ctx, "rm", &path)?;
    }
    // Deepest first; a directory's children sort after it, so reversed order by depth.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.split('/').count()));
    for rel in dirs {
        let path = walk::remote_path(root, &rel);
        stop_if_interrupted()?;
        remove_dir(ctx.session, &path)?;
        done(ctx, "rm", &path)?;
    }
    remove_dir(ctx.session, root)?;
    done(ctx, "rm", root)
}

fn stop_if_interrupted() -> Result<()> {
    if crate::interrupt::requested() {
        return Err(Interrupted.into());
    }
    Ok(())
}

/// `du [-h] [DIR]`: the walk's totals.
pub fn du(ctx: &mut Ctx, a: DuArgs) -> Result<()> {
    let root = a.dir.map_or_else(|| ".".to_string(), |d| d.0);
    let stats = walk::remote(ctx.session, &root, &mut |_| false, &mut |_| Ok(()), ctx.out)
        .with_context(|| Subject::new(&root))?;
    ctx.out.emit(&Report::Usage(model::Usage {
        path: root,
        bytes: stats.bytes,
        files: stats.files,
        dirs: stats.dirs,
        links: stats.links,
        skipped: stats.unsafe_names.len() as u64 + stats.skipped_other,
        human: a.human,
    }))
}

/// `find [DIR] [-name GLOB] [-type f|d|l]`: one `found` per matching item, streamed as the
/// walk goes, each path as find(1) prints it: `DIR/rel` (the root itself first, when it
/// matches).
pub fn find(ctx: &mut Ctx, a: FindArgs) -> Result<()> {
    let root = a.dir.map_or_else(|| ".".to_string(), |d| d.0);
    let name = match &a.name {
        Some(g) => Some(glob::name_matcher(g).ok_or_else(|| {
            UsageError(format!("find: -name {}: not a valid glob", display_name(g)))
        })?),
        None => None,
    };
    let wanted = |kind: ItemKind, base: &str| {
        let kind_ok = match a.kind {
            None => true,
            Some(FindType::F) => kind == ItemKind::File,
            Some(FindType::D) => kind == ItemKind::Dir,
            Some(FindType::L) => kind == ItemKind::Link,
        };
        kind_ok && name.as_ref().is_none_or(|m| m(base))
    };
    let root_base = match root.trim_end_matches('/') {
        "" => "/",
        t => t.rsplit('/').next().unwrap_or(t),
    };
    let root_found = model::Found {
        path: root.clone(),
        kind: "dir".into(),
        size: None,
        modified: None,
    };
    let root_wanted = wanted(ItemKind::Dir, root_base);
    let mut root_done = !root_wanted;
    let out = &*ctx.out;
    walk::remote(
        ctx.session,
        &root,
        &mut |_| false,
        &mut |item: Item| {
            // The root is known to be a directory once the walk hands out its first item.
            if !root_done {
                root_done = true;
                out.emit(&Report::Found(root_found.clone()))?;
            }
            if wanted(item.kind, item.name()) {
                out.emit(&Report::Found(found(&root, &item)))?;
            }
            Ok(())
        },
        out,
    )
    .with_context(|| Subject::new(&root))?;
    if !root_done {
        out.emit(&Report::Found(root_found))?;
    }
    Ok(())
}

fn found(root: &str, item: &Item) -> model::Found {
    model::Found {
        path: walk::remote_path(root, &item.path),
        kind: match item.kind {
            ItemKind::File => "file",
            ItemKind::Dir => "dir",
            ItemKind::Link => "link",
        }
        .into(),
        size: item.size,
        modified: item.mtime.map(|t| match item.precision {
            TimePrecision::Day => t.format("%Y-%m-%d").to_string(),
            _ => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
    }
}
