//! Handlers for get, put and cat: they pick names and targets, then call the engine in
//! `crate::transfer` once per file and print one summary line per transfer.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Ctx, GetArgs, PutArgs, RemotesArgs};
use crate::error::UsageError;
use crate::transfer;

pub fn get(ctx: &mut Ctx, a: GetArgs) -> Result<()> {
    let several = a.paths.len() > 1;
    let output = a.output.map(|o| o.0);
    super::on_paths(ctx, &a.paths, |session, out, remote| {
        let remote = remote.unwrap_or_default();
        let target = transfer::local_target(remote, output.as_deref(), several)?;
        let done = transfer::download(session, remote, &target, a.resume, out)?;
        if done.bytes > 0 || done.elapsed > std::time::Duration::ZERO {
            out.summary("get", remote, done.bytes, done.elapsed);
        }
        Ok(())
    })
}

pub fn put(ctx: &mut Ctx, a: PutArgs) -> Result<()> {
    let several = a.paths.len() > 1;
    let output = a.output.map(|o| o.0);
    // Where a single file goes when -o names something: into it if it is a directory.
    let into_dir = match &output {
        Some(o) => several || o.ends_with('/') || ctx.session.is_dir(o)?,
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

pub fn cat(ctx: &mut Ctx, a: RemotesArgs) -> Result<()> {
    let result = super::on_paths(ctx, &a.paths, |session, _, remote| {
        let mut stdout = std::io::stdout().lock();
        transfer::download_to(session, remote.unwrap_or_default(), &mut stdout, "stdout")?;
        Ok(())
    });
    // What was printed before a failure stays printed.
    let flushed = ctx.out.flush();
    result.and(flushed)
}
