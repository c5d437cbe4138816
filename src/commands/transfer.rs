//! Handlers for get, put and cat: they expand globs (remote ones from the server's listing,
//! local ones from the directory), pick names and targets, then call the engine in
//! `crate::transfer` once per file and print one summary line per transfer.

use std::path::Path;

use anyhow::{Context, Result};

use super::glob;
use super::{Ctx, GetArgs, PutArgs, RemotesArgs};
use crate::error::{Subject, UsageError};
use crate::listing::display_name;
use crate::output::model::{self, Report};
use crate::transfer;

pub fn get(ctx: &mut Ctx, a: GetArgs) -> Result<()> {
    let output = a.output.map(|o| o.0);
    // `-o -`: the files go to stdout, one after the other (as with curl).
    let to_stdout = output.as_deref() == Some(Path::new("-"));
    let opts = transfer::GetOpts {
        resume: a.resume,
        no_clobber: a.no_clobber,
    };
    if to_stdout && (opts.resume || opts.no_clobber) {
        return Err(UsageError("get -o -: -c and -n apply to files, not to stdout".into()).into());
    }
    let count = a.paths.len();
    let result = super::on_paths(ctx, &a.paths, |session, out, remote| {
        let remote = remote.unwrap_or_default();
        let names = glob::expand_remote(session, out, remote, glob::Want::Files)?;
        let several = count > 1 || names.len() > 1;
        for m in names {
            let (name, is_link) = (m.path.clone(), m.is_link());
            let (done, local) = if to_stdout {
                let mut sink = out.content_sink(&name);
                let done = transfer::download_to(session, &name, &mut sink, "stdout");
                (done, "-".to_string())
            } else {
                let target = transfer::local_target(&name, output.as_deref(), several)?;
                let done = transfer::download(session, &name, &target, opts, out);
                (done, target.display().to_string())
            };
            let done = match done {
                Ok(d) => d,
                // A link a glob matched may lead to a directory (mirrors: `current -> 1.2/`);
                // that is no reason to give up on the files after it.
                Err(e) if is_link && crate::error::exit_code(&e) == 5 => {
                    out.warn(&format!("skipping {}: not a file", display_name(&name)));
                    out.emit(&Report::Transfer(model::Transfer {
                        outcome: "skipped".into(),
                        ..report("get", &name, &local, &transfer::Done::nothing())
                    }))?;
                    continue;
                }
                Err(e) => return Err(e.context(Subject::new(&name))),
            };
            out.emit(&Report::Transfer(report("get", &name, &local, &done)))?;
        }
        Ok(())
    });
    if to_stdout {
        // What was written before a failure stays written.
        let flushed = ctx.out.flush();
        return result.and(flushed);
    }
    result
}

pub fn put(ctx: &mut Ctx, a: PutArgs) -> Result<()> {
    let mut locals = Vec::new();
    for p in &a.paths {
        locals.extend(glob::expand_local(&p.0)?);
    }
    let several = locals.len() > 1;
    let output = a.output.map(|o| o.0);
    // Where a single file goes when -o names something: into it if it is a directory.
    let into_dir = match &output {
        Some(o) => several || o.ends_with('/') || ctx.session.is_dir(o)?,
        None => false,
    };
    for local in &locals {
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
            .with_context(|| Subject::new(local.display().to_string()))?;
        let shown = local.display().to_string();
        ctx.out
            .emit(&Report::Transfer(report("put", &remote, &shown, &done)))?;
    }
    Ok(())
}

/// The report of one transfer by `command` (`get`, `put`, `cat`).
fn report(command: &str, remote: &str, local: &str, done: &transfer::Done) -> model::Transfer {
    let seconds = done.elapsed.as_secs_f64();
    model::Transfer {
        command: command.into(),
        direction: if command == "put" {
            "upload"
        } else {
            "download"
        }
        .into(),
        remote: remote.into(),
        local: local.into(),
        bytes: done.bytes,
        seconds,
        rate: done.bytes as f64 / seconds.max(1e-6),
        resumed_from: done.resumed_from,
        verified: if done.verified {
            vec!["size".into()]
        } else {
            Vec::new()
        },
        outcome: match done.skipped {
            None => "complete",
            Some(transfer::Skip::AlreadyComplete) => "already_complete",
            Some(transfer::Skip::Kept) => "kept",
        }
        .into(),
    }
}

pub fn cat(ctx: &mut Ctx, a: RemotesArgs) -> Result<()> {
    let result = super::on_paths(ctx, &a.paths, |session, out, remote| {
        let remote = remote.unwrap_or_default();
        for m in glob::expand_remote(session, out, remote, glob::Want::Files)? {
            let done = {
                let mut sink = out.content_sink(&m.path);
                transfer::download_to(session, &m.path, &mut sink, "stdout")
                    .with_context(|| Subject::new(&m.path))?
            };
            out.emit(&Report::Transfer(report("cat", &m.path, "-", &done)))?;
        }
        Ok(())
    });
    // What was printed before a failure stays printed.
    let flushed = ctx.out.flush();
    result.and(flushed)
}
