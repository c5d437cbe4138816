//! Where ftpsh keeps its files, the config file (config.toml: settings, bookmarks, aliases,
//! the default site) and the netrc credentials file.
//!
//! Paths come from `directories` (e.g. `~/.local/share/ftpsh/history` and `known_hosts`,
//! `~/.config/ftpsh/config.toml`); `FTPSH_DATA_DIR` and `FTPSH_CONFIG_DIR` override them so
//! tests never touch the real home directory.

pub mod file;
mod netrc;

use std::path::PathBuf;

use anyhow::Result;

use crate::error::LocalError;

pub use file::Config;
pub use netrc::netrc_lookup;

/// The directory that holds the history file.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("FTPSH_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "ftpsh").map(|p| p.data_dir().to_path_buf())
}

pub fn history_file() -> Option<PathBuf> {
    data_dir().map(|d| d.join("history"))
}

/// The certificates trusted by fingerprint (`trust.rs`): `known_hosts` in [`data_dir`].
pub fn known_hosts_file() -> Option<PathBuf> {
    data_dir().map(|d| d.join("known_hosts"))
}

/// The directory of config.toml: `FTPSH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/ftpsh` (or the
/// platform's equivalent).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("FTPSH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "ftpsh").map(|p| p.config_dir().to_path_buf())
}

/// The config file: `--config FILE`, else config.toml in [`config_dir`].
pub fn config_file(explicit: Option<&std::path::Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config_dir().map(|d| d.join("config.toml")),
    }
}

/// Run `$VISUAL` (else `$EDITOR`, else vi) on a file, through `sh -c` so that an editor
/// with arguments (`code --wait`) works; the path is passed as an argument, never spliced.
pub fn run_editor(path: &std::path::Path) -> Result<()> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|e| LocalError::new(format!("editor {editor}"), e))?;
    if !status.success() {
        return Err(anyhow::anyhow!("editor {editor} failed ({status})"));
    }
    Ok(())
}
