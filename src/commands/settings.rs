//! Handlers for `set`, `unset` and `bookmark`: the settings table in the running shell, and
//! the bookmarks of config.toml.

use anyhow::Result;

use super::{BookmarkAction, BookmarkArgs, Ctx, SetArgs, UnsetArgs};
use crate::config::{self, Config, file};
use crate::error::UsageError;
use crate::output::model::{self, Report};
use crate::session::Target;
use crate::settings::{self, Source};

pub fn set(ctx: &mut Ctx, a: SetArgs) -> Result<()> {
    let Some(name) = a.name else {
        for d in settings::TABLE {
            ctx.out.emit(&report(ctx, d.name, false))?;
        }
        return Ok(());
    };
    let d = settings::def(&name.0).ok_or_else(|| UsageError(settings::unknown(&name.0)))?;
    let changed = a.value.is_some();
    if let Some(value) = a.value {
        ctx.session
            .settings
            .set(Source::Set, d.name, &value)
            .map_err(UsageError)?;
        apply(ctx, d.name);
    }
    ctx.out.emit(&report(ctx, d.name, changed))
}

pub fn unset(ctx: &mut Ctx, a: UnsetArgs) -> Result<()> {
    let d = settings::def(&a.name.0).ok_or_else(|| UsageError(settings::unknown(&a.name.0)))?;
    ctx.session.settings.unset(d.name);
    apply(ctx, d.name);
    ctx.out.emit(&report(ctx, d.name, true))
}

/// A changed setting takes effect: the session's and the printer's.
fn apply(ctx: &mut Ctx, name: &str) {
    ctx.session.apply_setting(name);
    ctx.out.apply_settings(&ctx.session.settings);
}

fn report(ctx: &Ctx, name: &str, changed: bool) -> Report {
    let d = settings::def(name).expect("a name of the table");
    let (value, source) = ctx.session.settings.get(name);
    Report::Option(model::OptionData {
        name: d.name.into(),
        value,
        source: source.as_str().into(),
        default: d.default.into(),
        doc: d.doc.into(),
        changed,
    })
}

pub fn bookmark(ctx: &mut Ctx, a: BookmarkArgs) -> Result<()> {
    match a.action {
        BookmarkAction::List => {
            for (name, b) in &ctx.session.config.bookmarks {
                ctx.out.emit(&Report::Bookmark(model::BookmarkData {
                    name: name.clone(),
                    url: crate::session::redact(&b.url),
                    user: b.user.clone(),
                    path: b.path.clone(),
                    action: "listed".into(),
                }))?;
            }
            Ok(())
        }
        BookmarkAction::Add {
            save_password,
            name,
            url,
        } => add(ctx, &name, url.as_deref(), save_password),
        BookmarkAction::Rm { name } => {
            let path = write_path(ctx)?;
            let mut doc = file::read_document(&path)?;
            let removed = doc
                .get_mut("bookmarks")
                .and_then(|b| b.as_table_like_mut())
                .and_then(|b| b.remove(&name.0));
            if removed.is_none() {
                return Err(UsageError(format!(
                    "no bookmark '{}' in {}",
                    crate::listing::display_name(&name.0),
                    path.display()
                ))
                .into());
            }
            file::write_document(&path, &doc, false)?;
            reload(ctx, &path)?;
            ctx.out.emit(&Report::Bookmark(model::BookmarkData {
                name: name.0,
                url: String::new(),
                user: None,
                path: None,
                action: "removed".into(),
            }))
        }
        BookmarkAction::Edit { name } => {
            let path = write_path(ctx)?;
            if !path.exists() {
                file::write_document(&path, &file::TEMPLATE.parse()?, false)?;
            }
            if let Some(n) = &name
                && !ctx.session.config.bookmarks.contains_key(&n.0)
            {
                return Err(UsageError(format!(
                    "no bookmark '{}' (bookmark add NAME creates one)",
                    crate::listing::display_name(&n.0)
                ))
                .into());
            }
            config::run_editor(&path)?;
            reload(ctx, &path)
        }
    }
}

fn write_path(ctx: &Ctx) -> Result<std::path::PathBuf> {
    ctx.session.config.write_path.clone().ok_or_else(|| {
        UsageError("no config file to keep bookmarks in (--no-config, or no home directory)".into())
            .into()
    })
}

/// Read the bookmarks back from the file just written, so `open NAME` sees the change.
fn reload(ctx: &mut Ctx, path: &std::path::Path) -> Result<()> {
    let fresh = Config::load(Some(path))?;
    ctx.session
        .opts
        .trust
        .set_bookmark_pins(crate::app::bookmark_pins(&fresh));
    ctx.session.config.bookmarks = fresh.bookmarks;
    Ok(())
}

/// `bookmark add NAME [URL]`: the URL's server, user and path, or the current connection's
/// server, user and directory. The password stays out of the file unless asked for.
fn add(ctx: &mut Ctx, name: &str, url: Option<&str>, save_password: bool) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        return Err(UsageError(format!(
            "bookmark name '{}' must be letters, digits, '-', '_' or '.'",
            crate::listing::display_name(name)
        ))
        .into());
    }
    let target = match url {
        Some(u) => Target::parse(u)?,
        None => {
            let conn = ctx
                .session
                .conn_ref()
                .ok_or_else(|| UsageError("bookmark add NAME: not connected; give a URL".into()))?;
            Target {
                path: Some(conn.cwd.clone()),
                ..conn.target.clone()
            }
        }
    };
    let path = write_path(ctx)?;
    let mut doc = file::read_document(&path)?;
    let bookmarks = doc
        .entry("bookmarks")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| UsageError(format!("{}: 'bookmarks' is not a table", path.display())))?;
    let entry = bookmarks
        .entry(name)
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| {
            UsageError(format!(
                "{}: bookmarks.{name} is not a table",
                path.display()
            ))
        })?;
    let server = server_url(&target);
    entry["url"] = toml_edit::value(server.clone());
    let optional = |v: &Option<String>| v.as_ref().map(|s| toml_edit::value(s.clone()));
    for (key, value) in [("user", &target.user), ("path", &target.path)] {
        match optional(value) {
            Some(v) => entry[key] = v,
            None => {
                entry.remove(key);
            }
        }
    }
    let private = save_password && target.password.is_some();
    if private {
        entry["password"] = toml_edit::value(target.password.clone().unwrap_or_default());
        ctx.out.warn(&format!(
            "bookmark {name}: the password is written into {} (mode 0600)",
            path.display()
        ));
    } else {
        entry.remove("password");
        if target.password.is_some() {
            ctx.out.info(&format!(
                "bookmark {name}: the password is not saved (netrc, FTPSH_PASSWORD or the \
                 prompt give it; --save-password writes it)"
            ));
        }
    }
    file::write_document(&path, &doc, private)?;
    reload(ctx, &path)?;
    ctx.out.emit(&Report::Bookmark(model::BookmarkData {
        name: name.to_string(),
        url: server,
        user: target.user,
        path: target.path,
        action: "added".into(),
    }))
}

/// `ftp://host[:port]` (ftps:// for implicit TLS): the server alone; user and path go in
/// keys of their own, and the password never goes here.
fn server_url(t: &Target) -> String {
    let (scheme, default_port) = if t.implicit_tls {
        ("ftps", 990)
    } else {
        ("ftp", 21)
    };
    let host = if t.host.contains(':') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    if t.port == default_port {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{}", t.port)
    }
}
