//! Handlers for the connection and navigation commands: open, user, close, bye, status,
//! features, quote/site, debug, pwd, cd, cdup, type and passive.

use anyhow::{Context, Result};
use suppaftp::FtpError;

use super::{ByeArgs, CdArgs, Ctx, DebugArgs, OnOff, OpenArgs, PassiveArgs, TypeName, UserArgs};
use crate::cli::TlsMode;
use crate::error::{Subject, UsageError};
use crate::exec::Flow;
use crate::output::model::{self, Report};
use crate::session::{Session, reply_text};
use crate::settings::Source;

pub fn open(ctx: &mut Ctx, a: OpenArgs) -> Result<()> {
    // The settings and TLS choice before this `open`: a failed one leaves them as they were.
    let settings_before = ctx.session.settings.clone();
    let tls_before = ctx.session.opts.tls;
    let mut target = match a.url {
        // A bookmark of config.toml, else a URL or host. Either way the file layer of the
        // settings is rebuilt: config.toml's `[settings]`, then the bookmark's overrides (a
        // flag or `set` still beats them), so one bookmark's overrides do not outlive it.
        Some(url) => {
            let (t, b) = ctx.session.config.resolve(&url.0)?;
            let mut file_layer = ctx.session.config.settings.clone();
            if let Some(b) = b {
                file_layer.extend(b.settings.iter().cloned());
                if let Some(tls) = &b.tls {
                    file_layer.push(("tls".to_string(), tls.clone()));
                }
            }
            let s = &mut ctx.session.settings;
            s.clear(Source::File);
            for (n, v) in file_layer {
                s.put(Source::File, &n, v);
            }
            apply_all(ctx);
            t
        }
        // `open` alone: the server of the open (or last) connection, logged in afresh.
        None => match &ctx.session.last_target {
            Some(t) => t.clone(),
            None => {
                return Err(UsageError(
                    "open: which server? (usage: open [-u USER] [--port N] [--tls|--no-tls] URL)"
                        .into(),
                )
                .into());
            }
        },
    };
    if let Some(u) = a.user {
        target.user = Some(u);
        target.password = None;
    }
    if let Some(p) = a.port {
        target.port = p;
    }
    // The TLS choice of `--tls`/`--no-tls` holds for this connection and the ones after it
    // (reconnects).
    if a.tls {
        ctx.session.opts.tls = TlsMode::Require;
    } else if a.no_tls {
        ctx.session.opts.tls = TlsMode::Off;
    }
    let (host, port) = (target.host.clone(), target.port);
    let result = ctx.session.connect(target, ctx.out);
    // Connected but the bookmark's directory failed: the server's settings stay.
    let connected = ctx
        .session
        .conn_ref()
        .is_some_and(|c| c.target.host == host && c.target.port == port);
    if result.is_err() && !connected {
        ctx.session.settings = settings_before;
        apply_all(ctx);
        ctx.session.opts.tls = tls_before;
    }
    result
}

/// Every setting takes effect again (the session's and the printer's).
fn apply_all(ctx: &mut Ctx) {
    for name in crate::settings::names() {
        ctx.session.apply_setting(name);
    }
    ctx.out.apply_settings(&ctx.session.settings);
}

pub fn user(ctx: &mut Ctx, a: UserArgs) -> Result<()> {
    ctx.session.relogin(a.user, a.password, ctx.out)
}

pub fn close(ctx: &mut Ctx) -> Result<()> {
    let host = ctx.session.conn_ref().map(|c| c.target.display_host());
    ctx.session.close();
    ctx.out.emit(&Report::Closed(model::Closed { host }))
}

pub fn bye(ctx: &mut Ctx, a: ByeArgs) -> Result<Flow> {
    ctx.session.close();
    let exit = a.code.unwrap_or(0);
    ctx.out.emit(&Report::Bye(model::Bye { exit }))?;
    Ok(Flow::Exit(exit))
}

pub fn status(ctx: &mut Ctx) -> Result<()> {
    let local_directory = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".into());
    let passive = ctx.session.passive;
    let conn = ctx.session.conn_ref();
    let status = model::Status {
        connected: conn.is_some(),
        host: conn.map(|c| c.target.display_host()),
        user: conn.map(|c| c.target.login_name().to_string()),
        tls: conn.and_then(|c| c.tls_report()),
        remote_directory: conn.map(|c| c.cwd.clone()),
        login_directory: conn.map(|c| c.login_dir.clone()),
        local_directory,
        passive,
        epsv: conn.filter(|_| passive).map(|c| c.epsv),
        transfer_type: type_name(ctx.session.ascii).to_string(),
    };
    ctx.out.emit(&Report::Status(status))
}

fn type_name(ascii: bool) -> &'static str {
    if ascii { "ascii" } else { "binary" }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

pub fn features(ctx: &mut Ctx) -> Result<()> {
    let conn = ctx.session.conn()?;
    let mut features: Vec<model::Feature> = conn
        .features
        .iter()
        .map(|(k, v)| model::Feature {
            name: k.clone(),
            params: v.clone().filter(|v| !v.is_empty()),
        })
        .collect();
    // The order `NAME PARAMS` lines sort in, as the text has always been shown.
    features.sort_by_cached_key(|f| match &f.params {
        Some(p) => format!("{} {p}", f.name),
        None => f.name.clone(),
    });
    ctx.out
        .emit(&Report::Features(model::Features { features }))
}

/// Raw commands that would break the session: data commands leave the control channel
/// waiting for data nobody reads, and the others change state the session tracks (directory,
/// type, restart offset, login, TLS). Each has a proper command of its own.
const REFUSED: &[(&str, &str)] = &[
    ("CWD", "cd"),
    ("XCWD", "cd"),
    ("CDUP", "cdup"),
    ("XCUP", "cdup"),
    ("TYPE", "ascii' or 'binary"),
    ("MODE", "binary"),
    ("REST", "get -c' or 'put -c"),
    ("USER", "user"),
    ("PASS", "user"),
    ("REIN", "user"),
    ("AUTH", "open --tls"),
    ("CCC", "open --no-tls"),
    ("PBSZ", "open --tls"),
    ("PROT", "open --tls"),
    ("QUIT", "bye"),
    ("LIST", "dir"),
    ("NLST", "nlist"),
    ("MLSD", "ls"),
    ("RETR", "get"),
    ("STOR", "put"),
    ("STOU", "put"),
    ("APPE", "put -c"),
    ("PASV", "passive"),
    ("EPSV", "passive"),
    ("PORT", "passive off"),
    ("EPRT", "passive off"),
];

pub fn quote(ctx: &mut Ctx, line: &str) -> Result<()> {
    let verb = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if let Some((_, instead)) = REFUSED.iter().find(|(v, _)| *v == verb) {
        return Err(UsageError(format!(
            "{verb} through quote would confuse the session; use '{instead}' instead"
        ))
        .into());
    }
    let conn = ctx.session.conn()?;
    // No expected codes: suppaftp hands back any reply as "unexpected", which is what we want.
    let reply = match conn.ftp.custom_command(line, &[]) {
        Ok(r) => r,
        Err(FtpError::UnexpectedResponse(r)) => r,
        Err(e) => return Err(Session::ftp_err(e).into()),
    };
    let code = crate::session::reply_code(&reply.body).unwrap_or(reply.status.code());
    if code >= 400 {
        return Err(crate::error::Remote::Reply {
            code,
            text: reply_text(&reply.body),
        }
        .into());
    }
    let text = String::from_utf8_lossy(&reply.body);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    ctx.out.emit(&Report::Reply(model::Reply {
        command: crate::output::trace::mask_password(line),
        code,
        text: lines.join("\n"),
    }))
}

pub fn debug(ctx: &mut Ctx, a: DebugArgs) -> Result<()> {
    let on = match a.state {
        Some(OnOff::On) => true,
        Some(OnOff::Off) => false,
        None => !crate::output::trace_on(),
    };
    crate::output::set_trace(on);
    ctx.out.emit(&Report::Setting(model::Setting {
        name: "debug".into(),
        value: on_off(on).into(),
        changed: true,
    }))
}

pub fn pwd(ctx: &mut Ctx) -> Result<()> {
    let conn = ctx.session.conn()?;
    let dir = conn.pwd()?;
    conn.cwd = dir.clone();
    ctx.out.emit(&Report::Pwd(model::PathData { path: dir }))
}

pub fn cd(ctx: &mut Ctx, a: CdArgs) -> Result<()> {
    let conn = ctx.session.conn()?;
    let dest = match a.dir.map(|d| d.0) {
        None => conn.login_dir.clone(),
        Some(d) if d == "-" => conn
            .prev_dir
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no previous directory"))?,
        Some(d) => d,
    };
    ctx.session.cd(&dest).with_context(|| Subject::new(&dest))?;
    cwd(ctx)
}

pub fn cdup(ctx: &mut Ctx) -> Result<()> {
    ctx.session.cdup()?;
    cwd(ctx)
}

/// Where `cd`/`cdup` landed.
fn cwd(ctx: &mut Ctx) -> Result<()> {
    let path = ctx.session.conn()?.cwd.clone();
    ctx.out.emit(&Report::Cwd(model::PathData { path }))
}

pub fn set_type(ctx: &mut Ctx, kind: Option<TypeName>) -> Result<()> {
    if let Some(k) = kind {
        ctx.session.set_ascii(k == TypeName::Ascii)?;
    }
    ctx.out.emit(&Report::Setting(model::Setting {
        name: "type".into(),
        value: type_name(ctx.session.ascii).into(),
        changed: kind.is_some(),
    }))
}

pub fn passive(ctx: &mut Ctx, a: PassiveArgs) -> Result<()> {
    let on = match a.state {
        Some(OnOff::On) => true,
        Some(OnOff::Off) => false,
        None => !ctx.session.passive,
    };
    ctx.session.set_passive(on);
    // The same as `set passive`: `set` then shows it as set in the shell.
    ctx.session
        .settings
        .put(crate::settings::Source::Set, "passive", on_off(on).into());
    ctx.out.emit(&Report::Setting(model::Setting {
        name: "passive".into(),
        value: on_off(on).into(),
        changed: true,
    }))
}
