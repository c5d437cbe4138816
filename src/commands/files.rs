//! Handlers for remote files and directories: ls, dir, nlist, mkdir, rmdir, rm, mv, size,
//! modtime, chmod.

use anyhow::{Context, Result};

use super::{
    ChmodArgs, Ctx, DirsArgs, LsArgs, MkdirArgs, MvArgs, OneRemoteArg, PathArg, RemotesArgs,
};
use crate::listing::display_name;
use crate::session::{ListEvent, ListKind, Session};

pub fn ls(ctx: &mut Ctx, a: LsArgs) -> Result<()> {
    let paths: Vec<_> = a.path.into_iter().collect();
    super::on_paths(ctx, &paths, |session, out, path| {
        let mut entries = session.list(path)?;
        if !a.all {
            entries.retain(|e| e.raw.is_some() || !e.name.starts_with('.'));
        }
        out.listing(&entries, a.long, a.human, a.json)
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
        let mut text = String::new();
        session.raw_listing(kind, path, &mut |event| {
            match event {
                ListEvent::Line(line) => {
                    text.push_str(&display_name(line));
                    text.push('\n');
                }
                ListEvent::Pause if !text.is_empty() => {
                    out.data(&text)?;
                    text.clear();
                }
                ListEvent::Pause => {}
            }
            Ok(())
        })
    })
}

pub fn mkdir(ctx: &mut Ctx, a: MkdirArgs) -> Result<()> {
    for dir in a.dirs {
        let dir = dir.0;
        let conn = ctx.session.conn()?;
        if !a.parents {
            conn.ftp
                .mkdir(&dir)
                .map_err(Session::ftp_err)
                .with_context(|| display_name(&dir))?;
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
            return Err(anyhow::Error::new(err).context(display_name(&dir)));
        }
    }
    Ok(())
}

pub fn rmdir(ctx: &mut Ctx, a: DirsArgs) -> Result<()> {
    for p in a.paths {
        let conn = ctx.session.conn()?;
        conn.ftp
            .rmdir(&p.0)
            .map_err(Session::ftp_err)
            .with_context(|| display_name(&p.0))?;
    }
    Ok(())
}

pub fn rm(ctx: &mut Ctx, a: RemotesArgs) -> Result<()> {
    for p in a.paths {
        let conn = ctx.session.conn()?;
        conn.ftp
            .rm(&p.0)
            .map_err(Session::ftp_err)
            .with_context(|| display_name(&p.0))?;
    }
    Ok(())
}

pub fn mv(ctx: &mut Ctx, a: MvArgs) -> Result<()> {
    let conn = ctx.session.conn()?;
    conn.ftp
        .rename(&a.from.0, &a.to.0)
        .map_err(Session::ftp_err)
        .with_context(|| display_name(&a.from.0))
}

pub fn size(ctx: &mut Ctx, a: OneRemoteArg) -> Result<()> {
    let conn = ctx.session.conn()?;
    let n = conn
        .ftp
        .size(&a.path.0)
        .map_err(Session::ftp_err)
        .with_context(|| display_name(&a.path.0))?;
    ctx.out.data(&n.to_string())
}

pub fn modtime(ctx: &mut Ctx, a: OneRemoteArg) -> Result<()> {
    let conn = ctx.session.conn()?;
    // MDTM answers in UTC (RFC 3659).
    let t = conn
        .ftp
        .mdtm(&a.path.0)
        .map_err(Session::ftp_err)
        .with_context(|| display_name(&a.path.0))?;
    ctx.out
        .data(&format!("{}", t.and_utc().format("%Y-%m-%d %H:%M:%S UTC")))
}

pub fn chmod(ctx: &mut Ctx, a: ChmodArgs) -> Result<()> {
    for p in a.paths {
        let conn = ctx.session.conn()?;
        conn.ftp
            .site(format!("CHMOD {} {}", a.mode, p.0))
            .map_err(Session::ftp_err)
            .with_context(|| display_name(&p.0))?;
    }
    Ok(())
}
