//! Handlers for the connection and navigation commands: open, user, close, bye, status,
//! features, quote/site, debug, pwd, cd, cdup, type and passive.

use anyhow::{Context, Result};
use suppaftp::FtpError;

use super::{ByeArgs, CdArgs, Ctx, DebugArgs, OnOff, OpenArgs, PassiveArgs, TypeName, UserArgs};
use crate::cli::TlsMode;
use crate::error::{ExitRequest, UsageError};
use crate::listing::display_name;
use crate::session::{Session, Target, reply_text};

pub fn open(ctx: &mut Ctx, a: OpenArgs) -> Result<()> {
    let mut target = match a.url {
        Some(url) => Target::parse(&url)?,
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
    // The TLS choice holds for this connection and the ones after it (reconnects); a failed
    // `open` leaves the session as it was, its TLS choice included.
    let before = ctx.session.opts.tls;
    if a.tls {
        ctx.session.opts.tls = TlsMode::Require;
    } else if a.no_tls {
        ctx.session.opts.tls = TlsMode::Off;
    }
    let result = ctx.session.connect(target, ctx.out);
    if result.is_err() {
        ctx.session.opts.tls = before;
    }
    result
}

pub fn user(ctx: &mut Ctx, a: UserArgs) -> Result<()> {
    ctx.session.relogin(a.user, a.password, ctx.out)
}

pub fn close(ctx: &mut Ctx) -> Result<()> {
    ctx.session.close();
    Ok(())
}

pub fn bye(ctx: &mut Ctx, a: ByeArgs) -> Result<()> {
    ctx.session.close();
    Err(ExitRequest(a.code.unwrap_or(0)).into())
}

pub fn status(ctx: &mut Ctx) -> Result<()> {
    let mut lines = Vec::new();
    let local = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".into());
    match ctx.session.conn_ref() {
        Some(c) => {
            lines.push(format!(
                "Connected to {} as {}",
                c.target.display_host(),
                c.target.login_name()
            ));
            let tls = match c.tls.as_ref().and_then(|i| i.lock().ok()?.clone()) {
                Some(i) => format!(
                    "{}{} {}",
                    if c.target.implicit_tls {
                        "implicit, "
                    } else {
                        ""
                    },
                    i.version,
                    i.cipher
                ),
                None if c.tls.is_some() => "on".to_string(),
                None => "off (plain FTP)".to_string(),
            };
            lines.push(format!("TLS: {tls}"));
            lines.push(format!("Remote directory: {}", display_name(&c.cwd)));
            lines.push(format!("Login directory: {}", display_name(&c.login_dir)));
            let mode = if !ctx.session.passive {
                "active".to_string()
            } else if c.epsv {
                "passive (EPSV)".to_string()
            } else {
                "passive (PASV)".to_string()
            };
            lines.push(format!("Local directory: {local}"));
            lines.push(format!("Mode: {mode}"));
        }
        None => {
            lines.push("Not connected".to_string());
            lines.push(format!("Local directory: {local}"));
            let mode = if ctx.session.passive {
                "passive"
            } else {
                "active"
            };
            lines.push(format!("Mode: {mode}"));
        }
    }
    lines.push(format!(
        "Type: {}",
        if ctx.session.ascii { "ascii" } else { "binary" }
    ));
    ctx.out.data(&lines.join("\n"))
}

pub fn features(ctx: &mut Ctx) -> Result<()> {
    let conn = ctx.session.conn()?;
    let mut feats: Vec<String> = conn
        .features
        .iter()
        .map(|(k, v)| match v {
            Some(v) if !v.is_empty() => format!("{k} {v}"),
            _ => k.clone(),
        })
        .collect();
    feats.sort();
    if feats.is_empty() {
        return ctx.out.data("(the server announces no features)");
    }
    let shown: Vec<String> = feats.iter().map(|f| display_name(f)).collect();
    ctx.out.data(&shown.join("\n"))
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
    let lines: Vec<String> = text.lines().map(|l| display_name(l.trim_end())).collect();
    ctx.out.data(&lines.join("\n"))
}

pub fn debug(ctx: &mut Ctx, a: DebugArgs) -> Result<()> {
    let on = match a.state {
        Some(OnOff::On) => true,
        Some(OnOff::Off) => false,
        None => !crate::output::trace_on(),
    };
    crate::output::set_trace(on);
    ctx.out
        .info(&format!("debug {}", if on { "on" } else { "off" }));
    Ok(())
}

pub fn pwd(ctx: &mut Ctx) -> Result<()> {
    let conn = ctx.session.conn()?;
    let dir = conn.pwd()?;
    conn.cwd = dir.clone();
    ctx.out.data(&display_name(&dir))
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
    ctx.session.cd(&dest).with_context(|| display_name(&dest))
}

pub fn cdup(ctx: &mut Ctx) -> Result<()> {
    ctx.session.cdup()
}

pub fn set_type(ctx: &mut Ctx, kind: Option<TypeName>) -> Result<()> {
    match kind {
        None => ctx
            .out
            .data(if ctx.session.ascii { "ascii" } else { "binary" }),
        Some(k) => {
            ctx.session.set_ascii(k == TypeName::Ascii)?;
            ctx.out.info(&format!(
                "type {}",
                if k == TypeName::Ascii {
                    "ascii"
                } else {
                    "binary"
                }
            ));
            Ok(())
        }
    }
}

pub fn passive(ctx: &mut Ctx, a: PassiveArgs) -> Result<()> {
    let on = match a.state {
        Some(OnOff::On) => true,
        Some(OnOff::Off) => false,
        None => !ctx.session.passive,
    };
    ctx.session.set_passive(on);
    ctx.out
        .info(&format!("passive {}", if on { "on" } else { "off" }));
    Ok(())
}
