//! Handlers for get, put and cat: they pick names and targets, then call the engine in
//! `crate::transfer` once per file and print one summary line per transfer.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Ctx, GetArgs, PutArgs, RemotesArgs};
use crate::error::UsageError;
use crate::listing::display_name;
use crate::session::Session;
use crate::transfer;

pub fn get(ctx: &mut Ctx, a: GetArgs) -> Result<()> {
    let several = a.paths.len() > 1;
    let output = a.output.map(|o| o.0);
    let urls = a.paths.iter().filter(|p| super::is_url(&p.0)).count();
    if urls > 0 {
        if urls != a.paths.len() {
            return Err(UsageError("get: mix of URLs and plain paths".into()).into());
        }
        let (mut tmp, _) = super::url_session(ctx, &a.paths[0].0)?;
        for p in &a.paths {
            let rel = super::url_path_on(&tmp, &p.0)?;
            get_one(
                &mut tmp,
                ctx.out,
                &rel,
                output.as_deref(),
                several,
                a.resume,
            )?;
        }
        return Ok(());
    }
    for p in &a.paths {
        get_one(
            ctx.session,
            ctx.out,
            &p.0,
            output.as_deref(),
            several,
            a.resume,
        )?;
    }
    Ok(())
}

fn get_one(
    session: &mut Session,
    out: &crate::printer::Printer,
    remote: &str,
    output: Option<&Path>,
    several: bool,
    resume: bool,
) -> Result<()> {
    let target = transfer::local_target(remote, output, several)?;
    let done = transfer::download(session, remote, &target, resume, out)
        .with_context(|| display_name(remote))?;
    if done.bytes > 0 || done.elapsed > std::time::Duration::ZERO {
        out.summary("get", remote, done.bytes, done.elapsed);
    }
    Ok(())
}

pub fn put(ctx: &mut Ctx, a: PutArgs) -> Result<()> {
    let several = a.paths.len() > 1;
    let output = a.output.map(|o| o.0);
    // Where a single file goes when -o names something: into it if it is a directory.
    let into_dir = match &output {
        Some(o) => several || o.ends_with('/') || is_remote_dir(ctx.session, o)?,
        None => false,
    };
    for local in &a.paths {
        let local: &PathBuf = &local.0;
        let base = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| UsageError(format!("put: {}: not a file name", local.display())))?;
        let remote = match &output {
            Some(o) if into_dir => format!("{}/{base}", o.trim_end_matches('/')),
            Some(o) => o.clone(),
            None => base,
        };
        let done = transfer::upload(ctx.session, local, &remote, a.resume, ctx.out)
            .with_context(|| local.display().to_string())?;
        if done.bytes > 0 || done.elapsed > std::time::Duration::ZERO {
            ctx.out.summary("put", &remote, done.bytes, done.elapsed);
        }
    }
    Ok(())
}

/// Whether a remote path is a directory: CWD into it and back.
fn is_remote_dir(session: &mut Session, path: &str) -> Result<bool> {
    let conn = session.conn()?;
    let back = conn.cwd.clone();
    if conn.ftp.cwd(path).is_err() {
        return Ok(false);
    }
    conn.ftp.cwd(&back).map_err(Session::ftp_err)?;
    Ok(true)
}

pub fn cat(ctx: &mut Ctx, a: RemotesArgs) -> Result<()> {
    let urls = a.paths.iter().filter(|p| super::is_url(&p.0)).count();
    let stdout = std::io::stdout();
    if urls > 0 {
        if urls != a.paths.len() {
            return Err(UsageError("cat: mix of URLs and plain paths".into()).into());
        }
        let (mut tmp, _) = super::url_session(ctx, &a.paths[0].0)?;
        for p in &a.paths {
            let rel = super::url_path_on(&tmp, &p.0)?;
            transfer::download_to(&mut tmp, &rel, &mut stdout.lock(), "stdout")
                .with_context(|| display_name(&rel))?;
        }
        return ctx.out.flush();
    }
    for p in &a.paths {
        let r = transfer::download_to(ctx.session, &p.0, &mut stdout.lock(), "stdout")
            .with_context(|| display_name(&p.0));
        if let Err(e) = r {
            // Keep what was printed, then report.
            let _ = ctx.out.flush();
            return Err(e);
        }
    }
    ctx.out.flush()
}
