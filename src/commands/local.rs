//! Handlers for the local side: lcd, lpwd, lls and the `!`/`shell` escape.

use std::path::PathBuf;

use anyhow::Result;

use super::{Ctx, LcdArgs, LlsArgs, ShellArgs};
use crate::error::LocalError;
use crate::listing::{Entry, Kind};
use crate::output::json;
use crate::output::model::{self, Report};

pub fn lcd(ctx: &mut Ctx, a: LcdArgs) -> Result<()> {
    let dest = match a.dir.map(|d| d.0) {
        None => directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .ok_or_else(|| anyhow::anyhow!("no home directory"))?,
        Some(d) if d.as_os_str() == "-" => ctx
            .session
            .local_prev
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no previous local directory"))?,
        Some(d) => d,
    };
    let old = std::env::current_dir().ok();
    std::env::set_current_dir(&dest).map_err(|e| LocalError::new(dest.display().to_string(), e))?;
    ctx.session.local_prev = old;
    let now = std::env::current_dir().unwrap_or(dest);
    ctx.out.emit(&Report::LocalDir(model::LocalDir {
        path: now.display().to_string(),
        changed: true,
    }))
}

pub fn lpwd(ctx: &mut Ctx) -> Result<()> {
    let dir = std::env::current_dir().map_err(|e| LocalError::new(".", e))?;
    ctx.out.emit(&Report::LocalDir(model::LocalDir {
        path: dir.display().to_string(),
        changed: false,
    }))
}

/// `lls [-l] [-a] [-h] [PATH]`: the local directory as `ls` shows a remote one. Links are
/// described, never followed (a link to a directory is listed as a link).
pub fn lls(ctx: &mut Ctx, a: LlsArgs) -> Result<()> {
    let path = a.path.map(|p| p.0).unwrap_or_else(|| PathBuf::from("."));
    let meta =
        std::fs::metadata(&path).map_err(|e| LocalError::new(path.display().to_string(), e))?;
    let mut entries = Vec::new();
    if meta.is_dir() {
        let dir =
            std::fs::read_dir(&path).map_err(|e| LocalError::new(path.display().to_string(), e))?;
        for item in dir.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && !a.all {
                continue;
            }
            // DirEntry::metadata does not follow links, as ls -l does not.
            entries.push(local_entry(name, item.metadata().ok()));
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        let link = std::fs::symlink_metadata(&path).ok();
        entries.push(local_entry(path.display().to_string(), link));
    }
    if !ctx.out.json() {
        return ctx.out.listing(None, &entries, a.long, a.human);
    }
    let shown = path.display().to_string();
    for e in &entries {
        ctx.out.emit(&Report::Entry(model::EntryData {
            local: true,
            ..json::entry(Some(&shown), e)
        }))?;
    }
    ctx.out.flush()
}

fn local_entry(name: String, meta: Option<std::fs::Metadata>) -> Entry {
    use std::os::unix::fs::PermissionsExt;
    let kind = match meta.as_ref().map(|m| m.file_type()) {
        Some(t) if t.is_dir() => Kind::Dir,
        Some(t) if t.is_symlink() => Kind::Link,
        Some(t) if t.is_file() => Kind::File,
        _ => Kind::Other,
    };
    let size = meta.as_ref().filter(|m| m.is_file()).map(|m| m.len());
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .map(chrono::DateTime::<chrono::Utc>::from);
    let permissions = meta.as_ref().map(|m| mode_string(m.permissions().mode()));
    Entry {
        name,
        kind,
        size,
        modified,
        precision: Default::default(),
        permissions,
        target: None,
        raw: None,
        facts: Vec::new(),
    }
}

/// `rwxr-xr-x` from a Unix mode (setuid, setgid and sticky as ls shows them).
fn mode_string(mode: u32) -> String {
    let mut s: Vec<char> = "rwxrwxrwx"
        .chars()
        .enumerate()
        .map(|(i, c)| if mode & (0o400 >> i) != 0 { c } else { '-' })
        .collect();
    for (bit, at, set, unset) in [
        (0o4000, 2, 's', 'S'),
        (0o2000, 5, 's', 'S'),
        (0o1000, 8, 't', 'T'),
    ] {
        if mode & bit != 0 {
            s[at] = if s[at] == 'x' { set } else { unset };
        }
    }
    s.into_iter().collect()
}

pub fn shell(ctx: &mut Ctx, a: ShellArgs) -> Result<()> {
    let line = a.words.join(" ");
    let mut cmd = if line.trim().is_empty() {
        let sh = std::env::var_os("SHELL").unwrap_or_else(|| "/bin/sh".into());
        std::process::Command::new(sh)
    } else {
        let mut c = std::process::Command::new("/bin/sh");
        c.arg("-c").arg(&line);
        c
    };
    ctx.out.flush()?;
    if ctx.out.json() {
        // stdout carries JSON lines only: what the command prints goes to stderr.
        cmd.stdout(std::io::stderr());
    }
    let _child = crate::interrupt::ChildGuard::new();
    let status = cmd.status().map_err(|e| LocalError::new("/bin/sh", e))?;
    // Ctrl-C went to the child; a batch run stops there as it would for any command.
    if std::os::unix::process::ExitStatusExt::signal(&status) == Some(2) {
        return Err(crate::error::Interrupted.into());
    }
    ctx.out.emit(&Report::Shell(model::Shell {
        command: line,
        status: status.code(),
    }))?;
    if status.success() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "command exited with status {}",
            status
                .code()
                .map_or("signal".to_string(), |c| c.to_string())
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes_render_as_ls_shows_them() {
        assert_eq!(super::mode_string(0o644), "rw-r--r--");
        assert_eq!(super::mode_string(0o4755), "rwsr-xr-x");
        assert_eq!(super::mode_string(0o1777), "rwxrwxrwt");
        assert_eq!(super::mode_string(0o2640), "rw-r-S---");
    }
}
