//! Handlers for remote files and directories: ls, dir, nlist, mkdir, rmdir, rm, mv, size,
//! modtime, chmod. A glob in a path argument stands for what it matches in the server's
//! listing (see [`super::glob`]); `rm -r`, `du` and `find` walk trees in [`super::tree`].

use anyhow::{Context, Result};

use super::glob::{self, Want};
use super::{
    ChmodArgs, Ctx, HashArgs, LsArgs, MkdirArgs, MvArgs, OneRemoteArg, PathArg, RmArgs, RmdirArgs,
};
use crate::error::Subject;
use crate::output::json;
use crate::output::model::{self, Report};
use crate::session::{ListEvent, ListKind, Session};

pub fn ls(ctx: &mut Ctx, a: LsArgs) -> Result<()> {
    if a.json {
        ctx.out.json_for_command();
    }
    let paths: Vec<_> = a.path.into_iter().collect();
    super::on_paths(ctx, &paths, |session, out, path| {
        // `ls *.txt`: the matching entries themselves, as `ls -d` shows them.
        if let Some(p) = path.filter(|p| glob::is_glob(p)) {
            let found: Vec<_> = glob::expand_remote(session, out, p, Want::Any)?
                .into_iter()
                .filter_map(|m| m.entry.map(|e| crate::listing::Entry { name: m.path, ..e }))
                .collect();
            if !found.is_empty() {
                return out.listing(path, &found, a.long, a.human);
            }
        }
        let mut entries = session.list(path)?;
        if !a.all {
            entries.retain(|e| e.raw.is_some() || !e.name.starts_with('.'));
        }
        out.listing(path, &entries, a.long, a.human)
    })
}

/// `dir` (raw LIST) and `nlist` (raw NLST): the server's lines as sent, with control
/// characters made visible so a hostile name cannot drive the terminal. Printed as they
/// arrive, never collected: a listing of millions costs no memory.
pub fn dir(ctx: &mut Ctx, a: PathArg, names_only: bool) -> Result<()> {
    let paths: Vec<_> = a.path.into_iter().collect();
    let kind = if names_only {
        ListKind::Nlst
    } else {
        ListKind::List
    };
    super::on_paths(ctx, &paths, |session, out, path| {
        let json = out.json();
        let now = chrono::Utc::now();
        let mut unflushed = false;
        session.raw_listing(kind, path, &mut |event| {
            match event {
                ListEvent::Line(line) if json => {
                    out.emit(&Report::Entry(listed_line(path, line, names_only, now)))?;
                    unflushed = true;
                }
                ListEvent::Line(line) => {
                    out.listing_line(line)?;
                    unflushed = true;
                }
                ListEvent::Pause if unflushed => {
                    out.flush()?;
                    unflushed = false;
                }
                ListEvent::Pause => {}
            }
            Ok(())
        })?;
        out.flush()
    })
}

/// A raw listing line as an entry: `nlist` lines are names; `dir` lines are parsed where
/// they can be (the line itself is kept in `line` either way).
fn listed_line(
    path: Option<&str>,
    line: &str,
    names_only: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> model::EntryData {
    let parsed = (!names_only)
        .then(|| crate::listing::parse_list_line(line, now))
        .flatten();
    match parsed {
        Some(e) => model::EntryData {
            line: Some(line.to_string()),
            ..json::entry(path, &e)
        },
        None => model::EntryData {
            path: path.map(str::to_string),
            name: crate::charset::escaped_text(line),
            name_bytes: crate::charset::raw_bytes(line).map(|b| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(b)
            }),
            kind: None,
            size: None,
            modified: None,
            permissions: None,
            target: None,
            line: (!names_only).then(|| line.to_string()),
            local: false,
            facts: Default::default(),
        },
    }
}

pub fn mkdir(ctx: &mut Ctx, a: MkdirArgs) -> Result<()> {
    for dir in a.dirs {
        let dir = dir.0;
        let conn = ctx.session.conn()?;
        if !a.parents {
            conn.ftp
                .mkdir(&dir)
                .map_err(Session::ftp_err)
                .with_context(|| Subject::new(&dir))?;
            done(ctx, "mkdir", &dir)?;
            continue;
        }
        // -p: create each missing level; a level that exists answers 550, which is fine as
        // long as the whole path is a directory at the end.
        let absolute = dir.starts_with('/');
        let mut prefix = String::new();
        let mut last_err = None;
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() || absolute {
                prefix.push('/');
            }
            prefix.push_str(part);
            last_err = conn.ftp.mkdir(&prefix).err().map(Session::ftp_err);
            if let Some(e) = &last_err
                && e.connection_gone()
            {
                break;
            }
        }
        if let Some(err) = last_err
            && !ctx.session.is_dir(&dir)?
        {
            return Err(anyhow::Error::new(err).context(Subject::new(&dir)));
        }
        done(ctx, "mkdir", &dir)?;
    }
    Ok(())
}

/// `mkdir`, `rmdir`, `rm`: one path done.
pub(super) fn done(ctx: &mut Ctx, command: &str, path: &str) -> Result<()> {
    ctx.out.emit(&Report::Done(model::Done {
        command: command.into(),
        path: path.into(),
        to: None,
        mode: None,
    }))
}

pub fn rmdir(ctx: &mut Ctx, a: RmdirArgs) -> Result<()> {
    for p in a.paths {
        remove_dir(ctx.session, &p.0)?;
        done(ctx, "rmdir", &p.0)?;
        if !a.parents {
            continue;
        }
        // rmdir -p a/b/c: then a/b, then a, as far as each is empty. A parent that will not
        // go (not empty, say) ends it quietly, as rmdir(1) -p stops at the first.
        let mut dir = p.0.trim_end_matches('/').to_string();
        while let Some(i) = dir.rfind('/') {
            dir.truncate(i);
            let parent = dir.trim_end_matches('/');
            if parent.is_empty() || parent == "." || parent == ".." {
                break;
            }
            match remove_dir(ctx.session, parent) {
                Ok(()) => done(ctx, "rmdir", parent)?,
                Err(e)
                    if e.downcast_ref::<crate::error::Remote>().is_some_and(|r| {
                        matches!(r, crate::error::Remote::Reply { .. }) && !r.connection_gone()
                    }) =>
                {
                    break;
                }
                Err(e) => return Err(e.context(Subject::new(parent))),
            }
            dir = parent.to_string();
        }
    }
    Ok(())
}

/// RMD one directory.
pub(super) fn remove_dir(session: &mut Session, path: &str) -> Result<()> {
    let conn = session.conn()?;
    conn.ftp
        .rmdir(path)
        .map_err(Session::ftp_err)
        .with_context(|| Subject::new(path))
}

/// DELE one file or link.
pub(super) fn remove_file(session: &mut Session, path: &str) -> Result<()> {
    let conn = session.conn()?;
    conn.ftp
        .rm(path)
        .map_err(Session::ftp_err)
        .with_context(|| Subject::new(path))
}

pub fn rm(ctx: &mut Ctx, a: RmArgs) -> Result<()> {
    for p in a.paths {
        for m in glob::expand_remote(ctx.session, ctx.out, &p.0, Want::Files)? {
            remove_file(ctx.session, &m.path)?;
            done(ctx, "rm", &m.path)?;
        }
    }
    Ok(())
}

pub fn mv(ctx: &mut Ctx, a: MvArgs) -> Result<()> {
    let conn = ctx.session.conn()?;
    conn.ftp
        .rename(&a.from.0, &a.to.0)
        .map_err(Session::ftp_err)
        .with_context(|| Subject::new(&a.from.0))?;
    ctx.out.emit(&Report::Done(model::Done {
        command: "mv".into(),
        path: a.from.0,
        to: Some(a.to.0),
        mode: None,
    }))
}

pub fn size(ctx: &mut Ctx, a: OneRemoteArg) -> Result<()> {
    for m in glob::expand_remote(ctx.session, ctx.out, &a.path.0, Want::Files)? {
        let conn = ctx.session.conn()?;
        let n = crate::transfer::size(&mut conn.ftp, &m.path)
            .map_err(Session::ftp_err)
            .with_context(|| Subject::new(&m.path))?;
        ctx.out.emit(&Report::Size(model::Size {
            path: m.path,
            bytes: n,
        }))?;
    }
    Ok(())
}

pub fn modtime(ctx: &mut Ctx, a: OneRemoteArg) -> Result<()> {
    for m in glob::expand_remote(ctx.session, ctx.out, &a.path.0, Want::Files)? {
        let conn = ctx.session.conn()?;
        // MDTM answers in UTC (RFC 3659).
        let t = conn
            .ftp
            .mdtm(&m.path)
            .map_err(Session::ftp_err)
            .with_context(|| Subject::new(&m.path))?;
        ctx.out.emit(&Report::Modtime(model::Modtime {
            path: m.path,
            time: t
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }))?;
    }
    Ok(())
}

pub fn chmod(ctx: &mut Ctx, a: ChmodArgs) -> Result<()> {
    for p in a.paths {
        for m in glob::expand_remote(ctx.session, ctx.out, &p.0, Want::Any)? {
            let conn = ctx.session.conn()?;
            conn.ftp
                .site(format!("CHMOD {} {}", a.mode, m.path))
                .map_err(Session::ftp_err)
                .with_context(|| Subject::new(&m.path))?;
            ctx.out.emit(&Report::Done(model::Done {
                command: "chmod".into(),
                path: m.path,
                to: None,
                mode: Some(a.mode.clone()),
            }))?;
        }
    }
    Ok(())
}

/// `hash`: the server computes each file's checksum (nothing is downloaded).
pub fn hash(ctx: &mut Ctx, a: HashArgs) -> Result<()> {
    super::on_paths(ctx, &a.paths, |session, out, path| {
        let path = path.unwrap_or_default();
        for m in glob::expand_remote(session, out, path, Want::Files)? {
            let conn = session.conn()?;
            // The size tells how long the server may take to read the file (a named file
            // has no listing entry: SIZE asks).
            let size = match m.entry.as_ref().and_then(|e| e.size) {
                Some(s) => Some(s),
                None => crate::transfer::size(&mut conn.ftp, &m.path).ok(),
            };
            let (algo, hex) = conn
                .checksum(&m.path, a.algorithm, size)
                .with_context(|| Subject::new(&m.path))?;
            out.emit(&Report::Checksum(model::Checksum {
                path: m.path,
                algorithm: algo.tag().to_ascii_lowercase(),
                hex,
            }))?;
        }
        Ok(())
    })
}
