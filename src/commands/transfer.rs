//! Handlers for get, put and cat: they expand globs (remote ones from the server's listing,
//! local ones from the directory), pick names and targets, then call the engine in
//! `crate::transfer` once per file and print one summary line per transfer.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Ctx, GetArgs, PutArgs, RemotesArgs};
use crate::error::{LocalError, UsageError};
use crate::listing::{Kind, display_name, sanitize_name};
use crate::session::Session;
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
        let names = expand_remote(session, out, remote)?;
        let several = count > 1 || names.len() > 1;
        for (name, is_link) in names {
            let done = if to_stdout {
                let mut stdout = std::io::stdout().lock();
                transfer::download_to(session, &name, &mut stdout, "stdout", out, true)
            } else {
                let target = transfer::local_target(&name, output.as_deref(), several)?;
                transfer::download(session, &name, &target, opts, out)
            };
            let done = match done {
                Ok(d) => d,
                // A link a glob matched may lead to a directory (mirrors: `current -> 1.2/`);
                // that is no reason to give up on the files after it.
                Err(e) if is_link && crate::error::exit_code(&e) == 5 => {
                    out.warn(&format!("skipping {}: not a file", display_name(&name)));
                    continue;
                }
                Err(e) => return Err(e.context(display_name(&name))),
            };
            if !done.skipped {
                out.summary("get", &name, &done);
            }
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
        locals.extend(expand_local(&p.0)?);
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
            .with_context(|| local.display().to_string())?;
        if !done.skipped {
            ctx.out.summary("put", &remote, &done);
        }
    }
    Ok(())
}

/// Whether a path's last component is a glob pattern (`*`, `?`, `[...]`).
fn is_glob(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.contains(['*', '?', '['])
}

/// A glob like ls(1) matches: `*` does not match a leading `.` unless the pattern has one.
/// `None` when the text is no valid pattern (`file[1`): it is then taken as a plain name.
fn matcher(pattern: &str) -> Option<impl Fn(&str) -> bool> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()?
        .compile_matcher();
    let dot = pattern.starts_with('.');
    Some(move |name: &str| (dot || !name.starts_with('.')) && glob.is_match(name))
}

/// `pub/*.tar.gz` → the matching files (and links) in `pub`, from the server's listing,
/// sorted, each with whether it is a link. As in a POSIX shell, a pattern that matches
/// nothing stands for itself, so `get 'Movie [1080p].mkv'` fetches that file. A name the
/// server sends that is not one safe file name (`..`, `/`, control characters) is skipped
/// with a warning: it would become a local path.
fn expand_remote(
    session: &mut Session,
    out: &crate::output::Printer,
    pattern: &str,
) -> Result<Vec<(String, bool)>> {
    let literal = || Ok(vec![(pattern.to_string(), false)]);
    if !is_glob(pattern) {
        return literal();
    }
    let (dir, pat) = match pattern.rfind('/') {
        Some(i) => (&pattern[..=i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let Some(matches) = matcher(pat) else {
        return literal();
    };
    let listing = session.list((!dir.is_empty()).then_some(dir))?;
    let mut names = Vec::new();
    for e in listing {
        if e.raw.is_some() || !matches!(e.kind, Kind::File | Kind::Link) || !matches(&e.name) {
            continue;
        }
        if sanitize_name(&e.name).is_none() {
            out.warn(&format!(
                "skipping {}: not a safe local file name",
                display_name(&e.name)
            ));
            continue;
        }
        names.push((format!("{dir}{}", e.name), e.kind == Kind::Link));
    }
    if names.is_empty() {
        return literal();
    }
    Ok(names)
}

/// `*.bin` → the matching local files, sorted (the shell does this for argv; the REPL has no
/// shell in between). A pattern that matches nothing stands for itself.
fn expand_local(path: &Path) -> Result<Vec<PathBuf>> {
    let literal = || Ok(vec![path.to_path_buf()]);
    let text = path.to_string_lossy();
    if !is_glob(&text) {
        return literal();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pat = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(matches) = matcher(&pat) else {
        return literal();
    };
    let read =
        std::fs::read_dir(&dir).map_err(|e| LocalError::new(dir.display().to_string(), e))?;
    let mut found: Vec<PathBuf> = read
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| matches(&e.file_name().to_string_lossy()))
        .map(|e| {
            if path.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                dir.join(e.file_name())
            } else {
                PathBuf::from(e.file_name())
            }
        })
        .collect();
    found.sort();
    if found.is_empty() {
        return literal();
    }
    Ok(found)
}

pub fn cat(ctx: &mut Ctx, a: RemotesArgs) -> Result<()> {
    let result = super::on_paths(ctx, &a.paths, |session, out, remote| {
        let mut stdout = std::io::stdout().lock();
        let remote = remote.unwrap_or_default();
        transfer::download_to(session, remote, &mut stdout, "stdout", out, false)?;
        Ok(())
    });
    // What was printed before a failure stays printed.
    let flushed = ctx.out.flush();
    result.and(flushed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_recognised_in_the_last_component_only() {
        assert!(is_glob("*.txt"));
        assert!(is_glob("pub/file-[0-9].gz"));
        assert!(!is_glob("we*rd/file"));
        assert!(!is_glob("plain.txt"));
    }

    #[test]
    fn star_skips_dotfiles_like_ls() {
        let m = matcher("*.txt").unwrap();
        assert!(m("a.txt") && !m(".hidden.txt") && !m("a.bin"));
        assert!(matcher(".*").unwrap()(".hidden"));
        assert!(matcher("file[1").is_none());
    }
}
