//! config.toml: `[settings]`, `[bookmarks.NAME]`, `[aliases]` and the top-level `default`.
//!
//! Reading is all or nothing: the whole file is parsed and checked (every key known, every
//! value of its type and range, every URL and alias line well formed) before anything of it
//! is used, and the first problem is one line, `FILE:LINE:COLUMN: what is wrong`, exit 2.
//! Writing (bookmarks) goes through `toml_edit`, which keeps the user's comments, order and
//! layout: rewriting the file from the parsed data would lose them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{LocalError, UsageError};
use crate::session::Target;
use crate::settings;

/// One bookmark: a server (and directory) by name. A password is there only when the user
/// asked for it with `bookmark add --save-password`.
#[derive(Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub url: String,
    pub user: Option<String>,
    pub path: Option<String>,
    /// auto, on or off (validated by the `tls` setting's row).
    pub tls: Option<String>,
    pub password: Option<String>,
    /// Setting overrides for this server, validated: (name, canonical value).
    pub settings: Vec<(String, String)>,
    /// `pin`: the only TLS certificates its server may present (see `trust.rs`).
    pub pins: Vec<crate::trust::Fingerprint>,
}

impl std::fmt::Debug for Bookmark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bookmark")
            .field("url", &crate::session::redact(&self.url))
            .field("user", &self.user)
            .field("path", &self.path)
            .field("tls", &self.tls)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("pins", &self.pins)
            .finish()
    }
}

impl Bookmark {
    /// The server to connect to: the URL, with the bookmark's user, path and password.
    pub fn target(&self) -> Result<Target, UsageError> {
        let mut t = Target::parse(&self.url)?;
        if let Some(u) = &self.user {
            t.user = Some(u.clone());
        }
        if let Some(p) = &self.path {
            t.path = Some(p.clone());
        }
        if self.password.is_some() {
            t.password = self.password.clone();
        }
        Ok(t)
    }
}

/// A config file, read and checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from (`None`: no file, or `--no-config`).
    pub path: Option<PathBuf>,
    /// Where `bookmark add` writes (the file, whether or not it exists yet; `None` with
    /// `--no-config`).
    pub write_path: Option<PathBuf>,
    /// A bookmark name, URL or host that a run without one connects to.
    pub default: Option<String>,
    /// `[settings]`, validated: (name, canonical value).
    pub settings: Vec<(String, String)>,
    pub bookmarks: BTreeMap<String, Bookmark>,
    aliases: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default: Option<Spanned<String>>,
    #[serde(default)]
    settings: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    bookmarks: BTreeMap<Spanned<String>, RawBookmark>,
    #[serde(default)]
    aliases: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBookmark {
    url: Spanned<String>,
    user: Option<String>,
    path: Option<String>,
    tls: Option<Spanned<String>>,
    password: Option<String>,
    pin: Option<Spanned<String>>,
    #[serde(default)]
    settings: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// The keys of each table, for "did you mean".
const TOP_KEYS: &[&str] = &["default", "settings", "bookmarks", "aliases"];
const BOOKMARK_KEYS: &[&str] = &["url", "user", "path", "tls", "password", "pin", "settings"];

impl Config {
    /// Read the config file: `explicit` (`--config FILE`, which must exist), else the default
    /// path (a missing file is an empty config).
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let Some(path) = super::config_file(explicit) else {
            return Ok(Config::default());
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    write_path: Some(path),
                    ..Config::default()
                });
            }
            Err(e) => {
                return Err(LocalError::new(format!("config {}", path.display()), e).into());
            }
        };
        let mut c = Config::parse(&text).map_err(|(span, msg)| {
            let (line, col) = line_col(&text, span);
            UsageError(format!("{}:{line}:{col}: {msg}", path.display()))
        })?;
        c.path = Some(path.clone());
        c.write_path = Some(path);
        Ok(c)
    }

    /// Parse and check config text; an error is the byte offset it is about and what is
    /// wrong.
    pub fn parse(text: &str) -> Result<Config, (usize, String)> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            (at, toml_message(e.message()))
        })?;
        let mut c = Config {
            settings: check_settings(&raw.settings, "")?,
            ..Config::default()
        };
        for (name, b) in raw.bookmarks {
            check_name(&name, "bookmark")?;
            Target::parse(b.url.get_ref()).map_err(|e| {
                (
                    b.url.span().start,
                    format!("bookmark '{}': {}", name.get_ref(), e.0),
                )
            })?;
            let tls = match b.tls {
                Some(t) => Some(
                    settings::validate(settings::def("tls").expect("tls row"), t.get_ref())
                        .map_err(|e| (t.span().start, format!("tls: {e}")))?,
                ),
                None => None,
            };
            let pins = match &b.pin {
                Some(p) => crate::trust::parse_pins(p.get_ref())
                    .map_err(|e| (p.span().start, format!("pin: {e}")))?,
                None => Vec::new(),
            };
            let prefix = format!("bookmarks.{}.settings.", name.get_ref());
            c.bookmarks.insert(
                name.into_inner(),
                Bookmark {
                    url: b.url.into_inner(),
                    user: b.user,
                    path: b.path,
                    tls,
                    password: b.password,
                    settings: check_settings(&b.settings, &prefix)?,
                    pins,
                },
            );
        }
        for (name, line) in raw.aliases {
            check_name(&name, "alias")?;
            check_alias(line.get_ref()).map_err(|e| {
                (
                    line.span().start,
                    format!("alias '{}': {e}", name.get_ref()),
                )
            })?;
            c.aliases.insert(name.into_inner(), line.into_inner());
        }
        if let Some(d) = raw.default {
            let text = d.get_ref();
            if !c.bookmarks.contains_key(text.as_str()) {
                Target::parse(text).map_err(|e| {
                    (
                        d.span().start,
                        format!("default: '{text}' is no bookmark, and as a host: {}", e.0),
                    )
                })?;
            }
            c.default = Some(d.into_inner());
        }
        Ok(c)
    }

    /// `[aliases]`: name → command line, each line checked to split into commands.
    pub fn aliases(&self) -> &BTreeMap<String, String> {
        &self.aliases
    }

    /// A bookmark, or a URL or host: the server `default` (or `ftpsh NAME`) names.
    pub fn resolve(&self, name: &str) -> Result<(Target, Option<&Bookmark>), UsageError> {
        match self.bookmarks.get(name) {
            Some(b) => Ok((b.target()?, Some(b))),
            None => Ok((Target::parse(name)?, None)),
        }
    }
}

/// A bookmark or alias name: one word that Tab and `NAME:path` can carry.
fn check_name(name: &Spanned<String>, what: &str) -> Result<(), (usize, String)> {
    let n = name.get_ref();
    let ok = !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err((
            name.span().start,
            format!(
                "{what} name '{}' must be letters, digits, '-', '_' or '.'",
                crate::listing::display_name(n)
            ),
        ))
    }
}

fn check_alias(line: &str) -> Result<(), String> {
    let commands = crate::commands::split_line(line).map_err(|e| e.0)?;
    if commands.is_empty() {
        return Err("empty command line".into());
    }
    for c in commands {
        shell_words::split(&c).map_err(|e| format!("bad quoting: {e}"))?;
    }
    Ok(())
}

/// Check a `[settings]` table against the settings table: known names, values of the right
/// TOML type and in range.
fn check_settings(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    prefix: &str,
) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut out = Vec::new();
    for (name, value) in table {
        let n = name.get_ref();
        let Some(d) = settings::def(n) else {
            return Err((
                name.span().start,
                format!("{prefix}{}", settings::unknown(n)),
            ));
        };
        let at = value.span().start;
        let wrong = |want: &str| {
            (
                at,
                format!(
                    "setting '{n}' wants {want}, not {}",
                    article(value.get_ref().type_str())
                ),
            )
        };
        let text = match (d.kind, value.get_ref()) {
            (settings::Kind::Bool, toml::Value::Boolean(b)) => {
                if *b { "on" } else { "off" }.to_string()
            }
            (settings::Kind::Bool, _) => return Err(wrong("true or false")),
            (settings::Kind::Int { .. }, toml::Value::Integer(i)) => i.to_string(),
            (settings::Kind::Int { .. }, _) => return Err(wrong("an integer")),
            (_, toml::Value::String(s)) => s.clone(),
            (_, _) => return Err(wrong("a string")),
        };
        let v = settings::validate(d, &text).map_err(|e| (at, format!("setting '{n}': {e}")))?;
        out.push((d.name.to_string(), v));
    }
    Ok(out)
}

fn article(type_str: &str) -> String {
    match type_str {
        "integer" | "array" => format!("an {type_str}"),
        "boolean" => "a boolean".into(),
        other => format!("a {other}"),
    }
}

/// serde's messages, in the file's words: "unknown field `x`, expected one of ..." becomes
/// "unknown key 'x' (did you mean 'y'?)".
fn toml_message(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((key, _)) = rest.split_once('`')
    {
        let keys = if rest.contains("`url`") {
            BOOKMARK_KEYS
        } else {
            TOP_KEYS
        };
        return match settings::did_you_mean(key, keys.iter().copied()) {
            Some(k) => format!("unknown key '{key}' (did you mean '{k}'?)"),
            None => format!("unknown key '{key}' (keys here: {})", keys.join(", ")),
        };
    }
    if let Some(rest) = msg.strip_prefix("missing field `")
        && let Some((key, _)) = rest.split_once('`')
    {
        return format!("missing key '{key}'");
    }
    // "invalid type: integer `5`, expected a string"
    msg.replace('`', "'")
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..text.floor_char_boundary(at)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The commented file `ftpsh config edit` starts from.
pub const TEMPLATE: &str = r#"# ftpsh configuration (see `man ftpsh`, SETTINGS and FILES).
# Unknown keys are errors; `ftpsh config check` checks this file.

# The server a run without a URL connects to: a bookmark name, a URL or a host.
# default = "debian"

[settings]
# timeout = 30          # connect and idle timeout, seconds
# parallel = 1          # worker connections for get/put without -P
# passive = true
# tls = "auto"          # auto, on, off
# progress = "auto"     # auto, bar, plain, json, none
# retries = 3           # retries of a transient fault (0: never)
# prompt = "ftpsh %u@%h:%w> "

# [bookmarks.debian]
# url = "ftp://ftp.debian.org/debian"
# user = "anonymous"    # passwords come from ~/.netrc, FTPSH_PASSWORD or a prompt
# [bookmarks.debian.settings]
# parallel = 4

[aliases]
# ll = "ls -l"
"#;

/// The file as a `toml_edit` document, for changes that keep the user's comments (an absent
/// file is an empty document).
pub fn read_document(path: &Path) -> Result<toml_edit::DocumentMut> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(LocalError::new(format!("config {}", path.display()), e).into()),
    };
    if let Err((at, msg)) = Config::parse(&text) {
        let (line, col) = line_col(&text, at);
        return Err(UsageError(format!(
            "{}:{line}:{col}: {msg} (fix it before ftpsh changes the file)",
            path.display()
        ))
        .into());
    }
    Ok(text.parse::<toml_edit::DocumentMut>()?)
}

/// Write the document back: to a temporary file beside it, then renamed over it, so a
/// crash never leaves half a config. `private`: mode 0600 (it holds a password); a file
/// that is private already stays so.
pub fn write_document(path: &Path, doc: &toml_edit::DocumentMut, private: bool) -> Result<()> {
    let err = |e| LocalError::new(format!("config {}", path.display()), e);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    #[cfg(unix)]
    let private = private || {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
    };
    let tmp = path.with_extension("toml.tmp");
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(if private { 0o600 } else { 0o644 });
        }
        let mut f = o.open(&tmp).map_err(err)?;
        f.write_all(doc.to_string().as_bytes()).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let (at, msg) = Config::parse(text).unwrap_err();
        let (l, c) = line_col(text, at);
        format!("{l}:{c}: {msg}")
    }

    #[test]
    fn a_full_file_parses() {
        let c = Config::parse(
            "default = \"deb\"\n[settings]\ntimeout = 5\npassive = false\ntls = \"OFF\"\n\
             [bookmarks.deb]\nurl = \"ftp://ftp.debian.org/debian\"\nuser = \"me\"\n\
             [bookmarks.deb.settings]\nparallel = 4\n[aliases]\nll = \"ls -l\"\n",
        )
        .unwrap();
        assert_eq!(c.default.as_deref(), Some("deb"));
        assert_eq!(
            c.settings,
            [
                ("passive".to_string(), "off".to_string()),
                ("timeout".into(), "5".into()),
                ("tls".into(), "off".into())
            ]
        );
        let b = &c.bookmarks["deb"];
        assert_eq!(b.settings, [("parallel".to_string(), "4".to_string())]);
        let t = b.target().unwrap();
        assert_eq!(t.host, "ftp.debian.org");
        assert_eq!(t.user.as_deref(), Some("me"));
        assert_eq!(c.aliases()["ll"], "ls -l");
        assert!(Config::parse(TEMPLATE).is_ok());
    }

    #[test]
    fn each_error_kind_has_its_message_and_place() {
        assert_eq!(
            err("[settings]\ntimout = 5\n"),
            "2:1: unknown setting 'timout' (did you mean 'timeout'?)"
        );
        assert_eq!(
            err("[settings]\ntimeout = \"5\"\n"),
            "2:11: setting 'timeout' wants an integer, not a string"
        );
        assert_eq!(
            err("[settings]\npassive = 1\n"),
            "2:11: setting 'passive' wants true or false, not an integer"
        );
        assert_eq!(
            err("[settings]\nparallel = 99\n"),
            "2:12: setting 'parallel': '99' is not a number from 1 to 16"
        );
        assert_eq!(
            err("[sttings]\ntimeout = 5\n"),
            "1:2: unknown key 'sttings' (did you mean 'settings'?)"
        );
        assert_eq!(
            err("[bookmarks.a]\nurl = \"ftp://h\"\nusr = \"x\"\n"),
            "3:1: unknown key 'usr' (did you mean 'user'?)"
        );
        assert_eq!(
            err("[bookmarks.a]\nurl = 5\n"),
            "2:7: invalid type: integer '5', expected a string"
        );
        assert_eq!(
            err("[bookmarks.a]\nuser = \"x\"\n"),
            "1:1: missing key 'url'"
        );
        assert_eq!(
            err("default = \"nope://x\"\n").split_once(": ").unwrap().0,
            "1:11"
        );
        assert_eq!(
            err("[aliases]\nx = \"ls 'a\"\n"),
            "2:5: alias 'x': unterminated quote"
        );
        assert!(err("timeout = \n").starts_with("1:"));
    }
}
