//! Handlers for get, put and cat: they expand globs (remote ones from the server's listing,
//! local ones from the directory), pick names and targets, then call the engine in
//! `crate::transfer` once per file and print one summary line per transfer.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::glob;
use super::{Ctx, GetArgs, MirrorArgs, PgetArgs, PutArgs, RemotesArgs};
use crate::error::{LocalError, Remote, Subject, UsageError};
use crate::listing::display_name;
use crate::output::model::{self, Report};
use crate::retry;
use crate::session::Session;
use crate::transfer;
use crate::transfer::pool::JobName;

pub fn get(ctx: &mut Ctx, mut a: GetArgs) -> Result<()> {
    ctx.session.verify = verify(ctx.session, a.verify);
    // Without -P, the `parallel` setting (when one was given).
    a.parallel = a.parallel.or(ctx.session.configured_parallel());
    let output = a.output.map(|o| o.0);
    // `-o -`: the files go to stdout, one after the other (as with curl).
    let to_stdout = output.as_deref() == Some(Path::new("-"));
    let opts = transfer::GetOpts {
        resume: a.resume,
        // `set clobber off` is `get -n` for every get (stdout has nothing to clobber).
        no_clobber: a.no_clobber || (!to_stdout && !ctx.session.settings.bool("clobber")),
        known: None,
    };
    if to_stdout && (opts.resume || opts.no_clobber) {
        return Err(UsageError("get -o -: -c and -n apply to files, not to stdout".into()).into());
    }
    if a.recursive {
        if to_stdout || a.segments.is_some() {
            return Err(UsageError(
                "get -r copies trees into directories: not with -o - or --segments".into(),
            )
            .into());
        }
        return get_tree(ctx, &a.paths, output.as_deref(), opts, a.parallel);
    }
    if let Some(n) = a.parallel.filter(|n| *n > 1 && !to_stdout) {
        return get_parallel(ctx, &a.paths, output.as_deref(), opts, n as usize);
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
                let done = transfer::download_to(session, &name, &mut sink, "stdout", out, true);
                (done, "-".to_string())
            } else {
                let target = transfer::local_target(&name, output.as_deref(), several)?;
                // Each file has retries of its own (src/retry.rs).
                let done = match a.segments {
                    Some(n) if !(opts.no_clobber && target.is_file()) => {
                        retry::run(session, out, "get", &name, |s| {
                            let resume = opts.resume || s.retry_resume;
                            transfer::segmented::pget(s, &name, &target, n.into(), resume, out)
                        })
                    }
                    _ => retry::run(session, out, "get", &name, |s| {
                        transfer::download(s, &name, &target, opts, out)
                    }),
                };
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

pub fn put(ctx: &mut Ctx, mut a: PutArgs) -> Result<()> {
    ctx.session.verify = verify(ctx.session, a.verify);
    a.parallel = a.parallel.or(ctx.session.configured_parallel());
    if a.recursive {
        return put_tree(ctx, &a);
    }
    let mut locals = Vec::new();
    for p in &a.paths {
        locals.extend(glob::expand_local(&p.0)?);
    }
    let several = locals.len() > 1;
    let output = a.output.map(|o| o.0);
    // Where a single file goes when -o names something: into it if it is a directory.
    // Several files need a directory: asked before anything is sent, so they never go one
    // over another under one name, and the error names the target, not the first file.
    let into_dir = match &output {
        Some(o) if several => {
            if !ctx.session.is_dir(o)? {
                return Err(anyhow::Error::from(Remote::WrongKind(
                    "not a directory (several files need a directory)".into(),
                ))
                .context(Subject::new(o)));
            }
            true
        }
        Some(o) => o.ends_with('/') || ctx.session.is_dir(o)?,
        None => false,
    };
    let mut jobs = Vec::new();
    for local in locals {
        let base = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| UsageError(format!("put: {}: not a file name", local.display())))?;
        let remote = match &output {
            Some(o) if into_dir => format!("{}/{base}", o.trim_end_matches('/')),
            Some(o) => o.clone(),
            None => base,
        };
        jobs.push((local, remote));
    }
    if let Some(n) = a.parallel.filter(|n| *n > 1 && jobs.len() > 1) {
        let out = &*ctx.out;
        let resume = a.resume;
        return run_jobs(
            ctx.session,
            out,
            "put",
            n as usize,
            &jobs,
            |s, (local, remote)| {
                let done = transfer::upload(s, local, remote, resume, out)?;
                let shown = local.display().to_string();
                out.emit(&Report::Transfer(report("put", remote, &shown, &done)))?;
                Ok(done)
            },
        );
    }
    for (local, remote) in &jobs {
        let (local, remote) = (local, remote.clone());
        let out = &*ctx.out;
        let done = retry::run(ctx.session, out, "put", &local.display().to_string(), |s| {
            transfer::upload(s, local, &remote, a.resume, out)
        })
        .with_context(|| Subject::new(local.display().to_string()))?;
        let shown = local.display().to_string();
        ctx.out
            .emit(&Report::Transfer(report("put", &remote, &shown, &done)))?;
    }
    Ok(())
}

/// The worker count of a tree copy when no -P is given.
const TREE_WORKERS: usize = 4;

/// `get -r DIR…`: each remote directory copied to `LOCAL/NAME` (or `./NAME`) as a mirror
/// without deletions; a plain file among the arguments is fetched as `get` would.
fn get_tree(
    ctx: &mut Ctx,
    paths: &[super::RemotePath],
    output: Option<&Path>,
    opts: transfer::GetOpts,
    parallel: Option<u16>,
) -> Result<()> {
    if paths
        .iter()
        .any(|p| super::names_server(&p.0, &ctx.session.config))
    {
        return Err(UsageError(
            "get -r works on the open connection: 'open' the server first".into(),
        )
        .into());
    }
    let base = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    for p in paths {
        let Some(name) = crate::mirror::run::last_component(&p.0) else {
            return Err(UsageError(format!(
                "get -r {}: name a directory (not the root or '..')",
                display_name(&p.0)
            ))
            .into());
        };
        let req = crate::mirror::run::Request {
            command: "get",
            direction: crate::mirror::plan::Direction::Download,
            remote_root: p.0.clone(),
            local_root: base.join(name),
            only_newer: false,
            only_missing: opts.no_clobber,
            ignore_time: false,
            delete: false,
            yes: false,
            dry_run: false,
            parallel: parallel.map_or(TREE_WORKERS, usize::from),
            follow_links: false,
            resume: opts.resume,
            filter: crate::mirror::filter::Filter::default(),
            interactive: false,
            checksum: false,
        };
        crate::mirror::run::run(ctx.session, &req, ctx.out).with_context(|| Subject::new(&p.0))?;
    }
    Ok(())
}

/// `put -r DIR…`: each local directory copied to `REMOTE/NAME` (or `NAME`).
fn put_tree(ctx: &mut Ctx, a: &PutArgs) -> Result<()> {
    let base = a
        .output
        .as_ref()
        .map(|o| o.0.trim_end_matches('/').to_string());
    for p in &a.paths {
        let Some(name) = crate::mirror::run::local_last_component(&p.0) else {
            return Err(UsageError(format!(
                "put -r {}: name a directory (not '/' or '..')",
                p.0.display()
            ))
            .into());
        };
        // `-o /` trims to "": the tree goes to `/NAME`.
        let remote_root = match &base {
            Some(b) => format!("{b}/{name}"),
            None => name,
        };
        let req = crate::mirror::run::Request {
            command: "put",
            direction: crate::mirror::plan::Direction::Upload,
            remote_root,
            local_root: p.0.clone(),
            only_newer: false,
            only_missing: false,
            ignore_time: false,
            delete: false,
            yes: false,
            dry_run: false,
            parallel: a.parallel.map_or(TREE_WORKERS, usize::from),
            follow_links: a.follow_links,
            resume: false,
            filter: crate::mirror::filter::Filter::default(),
            interactive: false,
            checksum: false,
        };
        crate::mirror::run::run(ctx.session, &req, ctx.out)
            .with_context(|| Subject::new(p.0.display().to_string()))?;
    }
    Ok(())
}

/// `mirror REMOTE [LOCAL]`, `mirror -R LOCAL [REMOTE]`.
pub fn mirror(ctx: &mut Ctx, a: MirrorArgs) -> Result<()> {
    ctx.session.verify = verify(ctx.session, a.verify);
    use crate::mirror::plan::Direction;
    let direction = if a.reverse {
        Direction::Upload
    } else {
        Direction::Download
    };
    let (remote_root, local_root) = match direction {
        Direction::Download => {
            let local = match &a.target {
                Some(t) => super::expand_tilde(t),
                None => PathBuf::from(crate::mirror::run::last_component(&a.source).ok_or_else(
                    || {
                        UsageError(format!(
                            "mirror {}: name the local directory too",
                            display_name(&a.source)
                        ))
                    },
                )?),
            };
            (a.source.clone(), local)
        }
        Direction::Upload => {
            let local = super::expand_tilde(&a.source);
            let remote = match &a.target {
                Some(t) => t.clone(),
                None => crate::mirror::run::local_last_component(&local).ok_or_else(|| {
                    UsageError(format!(
                        "mirror -R {}: name the remote directory too",
                        local.display()
                    ))
                })?,
            };
            (remote, local)
        }
    };
    // The local tree's .ftpignore (or --ignore-file): gitignore lines. The file itself
    // never takes part.
    let ignore_path = a
        .ignore_file
        .as_ref()
        .map(|p| p.0.clone())
        .unwrap_or_else(|| local_root.join(".ftpignore"));
    let mut ignore_lines = match std::fs::read_to_string(&ignore_path) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(e) if a.ignore_file.is_some() => {
            return Err(LocalError::new(ignore_path.display().to_string(), e).into());
        }
        Err(_) => Vec::new(),
    };
    if a.ignore_file.is_none() && !ignore_lines.is_empty() {
        ignore_lines.push("/.ftpignore".to_string());
    }
    let filter = crate::mirror::filter::Filter::new(&a.exclude, &a.include, &ignore_lines)
        .map_err(|e| UsageError(format!("mirror: {e}")))?;
    let req = crate::mirror::run::Request {
        command: "mirror",
        direction,
        remote_root,
        local_root,
        only_newer: a.only_newer,
        only_missing: a.only_missing,
        ignore_time: a.ignore_time,
        delete: a.delete,
        yes: a.yes,
        dry_run: a.dry_run,
        parallel: a
            .parallel
            .or(ctx.session.configured_parallel())
            .map_or(TREE_WORKERS, usize::from),
        follow_links: a.follow_links,
        resume: a.resume,
        filter,
        interactive: !ctx.batch,
        checksum: a.checksum,
    };
    crate::mirror::run::run(ctx.session, &req, ctx.out)
}

/// `pget`: one file in byte ranges over several connections (see `transfer::segmented`).
pub fn pget(ctx: &mut Ctx, a: PgetArgs) -> Result<()> {
    ctx.session.verify = verify(ctx.session, a.verify);
    let output = a.output.map(|o| o.0);
    if output.as_deref() == Some(Path::new("-")) {
        return Err(
            UsageError("pget writes a file, not stdout: use 'cat' or 'get -o -'".into()).into(),
        );
    }
    super::on_paths(
        ctx,
        std::slice::from_ref(&a.path),
        |session, out, remote| {
            let remote = remote.unwrap_or_default();
            let target = transfer::local_target(remote, output.as_deref(), false)?;
            let done = retry::run(session, out, "pget", remote, |s| {
                let resume = a.resume || s.retry_resume;
                transfer::segmented::pget(s, remote, &target, a.segments.into(), resume, out)
            })?;
            let local = target.display().to_string();
            out.emit(&Report::Transfer(report("pget", remote, &local, &done)))
        },
    )
}

/// `get -P N`: every name of every argument expanded first, then the files shared out to N
/// worker connections. One file failing does not stop the others; each failure is listed
/// at the end, and the exit code is the worst of them.
fn get_parallel(
    ctx: &mut Ctx,
    paths: &[super::RemotePath],
    output: Option<&Path>,
    opts: transfer::GetOpts,
    n: usize,
) -> Result<()> {
    if paths
        .iter()
        .any(|p| super::names_server(&p.0, &ctx.session.config))
    {
        return Err(UsageError(
            "get -P works on the open connection: 'open' the server, then get its paths".into(),
        )
        .into());
    }
    let mut names = Vec::new();
    for p in paths {
        names.extend(
            glob::expand_remote(ctx.session, ctx.out, &p.0, glob::Want::Files)
                .with_context(|| Subject::new(&p.0))?
                .into_iter()
                .map(|m| (m.path.clone(), m.is_link())),
        );
    }
    // Each path gives one name at least (a pattern that matches nothing stands for itself).
    let several = names.len() > 1;
    let mut jobs = Vec::new();
    for (name, is_link) in names {
        let target = transfer::local_target(&name, output, several)?;
        jobs.push((name, is_link, target));
    }
    let out = &*ctx.out;
    run_jobs(
        ctx.session,
        out,
        "get",
        n,
        &jobs,
        |s, (name, is_link, target)| {
            let local = target.display().to_string();
            match transfer::download(s, name, target, opts, out) {
                Ok(done) => {
                    out.emit(&Report::Transfer(report("get", name, &local, &done)))?;
                    Ok(done)
                }
                // As in a sequential get: a link that leads to a directory is skipped.
                Err(e) if *is_link && crate::error::exit_code(&e) == 5 => {
                    out.warn(&format!("skipping {}: not a file", display_name(name)));
                    out.emit(&Report::Transfer(model::Transfer {
                        outcome: "skipped".into(),
                        ..report("get", name, &local, &transfer::Done::nothing())
                    }))?;
                    Ok(transfer::Done::skipped(transfer::Skip::NotAFile))
                }
                Err(e) => Err(e),
            }
        },
    )
}

/// Run transfer jobs over a pool of `n` connections, then report: each failure (the
/// successes reported themselves as they finished), the summary, and the merged result.
pub(crate) fn run_jobs<J: Sync + JobName>(
    session: &mut Session,
    out: &crate::output::Printer,
    command: &str,
    n: usize,
    jobs: &[J],
    work: impl Fn(&mut Session, &J) -> Result<transfer::Done> + Sync,
) -> Result<()> {
    let start = std::time::Instant::now();
    let many = out.many(command, jobs.len(), None);
    let results = transfer::pool::run(session, n, command, jobs, out, |s, job| {
        let r = work(s, job);
        many.job_done();
        r
    });
    drop(many);
    let mut summary = model::Summary {
        files: jobs.len(),
        ..model::Summary::new(command)
    };
    let mut errors = Vec::new();
    for (job, r) in jobs.iter().zip(results) {
        match r {
            Ok(d) if d.skipped.is_some() => summary.skipped += 1,
            Ok(d) => {
                summary.done += 1;
                summary.bytes += d.bytes;
            }
            Err(e) => {
                let e = e.context(Subject::new(job.name()));
                let line = format!("{command}: {}", crate::error::render(&e));
                out.failure(&line, Some(command), &e);
                summary.failed += 1;
                errors.push(e);
            }
        }
    }
    summary.seconds = start.elapsed().as_secs_f64();
    out.emit(&Report::Summary(summary))?;
    crate::error::merge(&errors, jobs.len(), "files")
}

impl JobName for (String, bool, PathBuf) {
    fn name(&self) -> String {
        self.0.clone()
    }
}

impl JobName for (PathBuf, String) {
    fn name(&self) -> String {
        self.0.display().to_string()
    }
}

/// `--verify` on the command line, or the `verify` setting.
fn verify(session: &Session, flag: bool) -> crate::checksum::Verify {
    crate::checksum::Verify::new(flag, session.settings.bool("verify"))
}

/// The report of one transfer by `command` (`get`, `put`, `cat`).
pub(crate) fn report(
    command: &str,
    remote: &str,
    local: &str,
    done: &transfer::Done,
) -> model::Transfer {
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
        verified: done
            .verified
            .then(|| "size".to_string())
            .into_iter()
            .chain(
                done.checksum
                    .as_ref()
                    .map(|c| c.algo.tag().to_ascii_lowercase()),
            )
            .collect(),
        checksum: done
            .checksum
            .as_ref()
            .map(|c| format!("{}:{}", c.algo.tag().to_ascii_lowercase(), c.hex)),
        outcome: match done.skipped {
            None => "complete",
            Some(transfer::Skip::AlreadyComplete) => "already_complete",
            Some(transfer::Skip::Kept) => "kept",
            Some(transfer::Skip::NotAFile) => "skipped",
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
                transfer::download_to(session, &m.path, &mut sink, "stdout", out, false)
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
