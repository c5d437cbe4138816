//! Handlers for the shell's own comforts: `alias`/`unalias`, `history` and `echo`, and the
//! [`ShellState`] they work on (owned by the line runner, one per shell, never process-wide).

use std::collections::BTreeMap;

use anyhow::Result;

use super::parse;
use super::{AliasArgs, Ctx, EchoArgs, HistoryArgs, UnaliasArgs};
use crate::error::LocalError;
use crate::output::model::{self, Report};

/// The shell's state that is not the connection's: aliases, and what the REPL must do to its
/// editor after a command (`history -c`).
#[derive(Debug, Default)]
pub struct ShellState {
    /// Name → command text. Typed lines see them before the table (see [`parse`]).
    pub aliases: BTreeMap<String, String>,
    /// `history -c` ran: the REPL clears its editor's history too.
    pub history_cleared: bool,
    /// How many commands have failed (a pipeline's status counts only when its command
    /// did not fail).
    pub(crate) failed: u64,
    /// A command's stdout is a pipeline's stdin: a reader that went away ends the command,
    /// not the shell.
    pub(crate) piping: bool,
}

impl ShellState {
    /// Install aliases wholesale (the `[aliases]` table of the config file). Nothing changes
    /// unless every name and body is valid; returns a warning for each alias that hides a
    /// built-in command (the alias wins).
    pub fn set_aliases(&mut self, aliases: BTreeMap<String, String>) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        for (name, body) in &aliases {
            parse::check_alias_name(name)?;
            parse::check_alias_body(name, body)?;
            if let Some(w) = shadow_warning(name, body) {
                warnings.push(w);
            }
        }
        self.aliases = aliases;
        Ok(warnings)
    }
}

/// The warning for an alias named like a built-in command, unless its body starts with that
/// very command (`alias ls 'ls -l'` changes `ls`'s defaults and hides nothing).
fn shadow_warning(name: &str, body: &str) -> Option<String> {
    let builtin = parse::shadowed_command(name)?;
    let first = body.split_whitespace().next().unwrap_or("");
    if first == name {
        return None;
    }
    Some(format!(
        "alias {name} hides the built-in command {builtin}: '{name}' now runs the alias \
         ('unalias {name}' brings it back)"
    ))
}

pub fn alias(ctx: &mut Ctx, a: AliasArgs) -> Result<()> {
    let Some(name) = a.name else {
        let aliases = ctx
            .shell
            .aliases
            .iter()
            .map(|(n, c)| model::AliasData {
                name: n.clone(),
                command: c.clone(),
            })
            .collect();
        return ctx.out.emit(&Report::Aliases(model::Aliases { aliases }));
    };
    parse::check_alias_name(&name)?;
    if a.command.is_empty() {
        let Some(command) = ctx.shell.aliases.get(&name) else {
            return Err(anyhow::anyhow!("{name}: no such alias"));
        };
        let one = model::AliasData {
            name: name.clone(),
            command: command.clone(),
        };
        return ctx
            .out
            .emit(&Report::Aliases(model::Aliases { aliases: vec![one] }));
    }
    let body = a.command.join(" ");
    parse::check_alias_body(&name, &body)?;
    if let Some(w) = shadow_warning(&name, &body) {
        ctx.out.warn(&w);
    }
    ctx.shell.aliases.insert(name, body);
    Ok(())
}

pub fn unalias(ctx: &mut Ctx, a: UnaliasArgs) -> Result<()> {
    for name in &a.names {
        if !ctx.shell.aliases.contains_key(name) {
            return Err(anyhow::anyhow!(
                "{}: no such alias",
                crate::listing::display_name(name)
            ));
        }
    }
    for name in &a.names {
        ctx.shell.aliases.remove(name);
    }
    Ok(())
}

pub fn echo(ctx: &mut Ctx, a: EchoArgs) -> Result<()> {
    ctx.out.emit(&Report::Echo(model::Echo {
        text: a.words.join(" "),
    }))
}

/// `history [N]`, `history -c`: the history file the shell appends every line to as it is
/// entered (so the line `history` itself is last), read as the line editor wrote it.
pub fn history(ctx: &mut Ctx, a: HistoryArgs) -> Result<()> {
    let path = crate::config::history_file();
    if a.clear {
        if let Some(p) = &path {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(LocalError::new(p.display().to_string(), e).into()),
            }
        }
        ctx.shell.history_cleared = true;
        return Ok(());
    }
    let lines = match &path {
        Some(p) if p.exists() => read_history(p, crate::repl::history_size(ctx.session))?,
        _ => Vec::new(),
    };
    let skip = a.count.map_or(0, |n| lines.len().saturating_sub(n));
    let entries = lines
        .into_iter()
        .enumerate()
        .skip(skip)
        .map(|(i, line)| model::HistoryEntry {
            number: i as u64 + 1,
            line,
        })
        .collect();
    ctx.out.emit(&Report::History(model::History { entries }))
}

fn read_history(path: &std::path::Path, size: usize) -> Result<Vec<String>> {
    use rustyline::history::{FileHistory, History};
    let config = rustyline::Config::builder()
        .max_history_size(size)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut h = FileHistory::with_config(&config);
    h.load(path)
        .map_err(|e| LocalError::new(path.display().to_string(), readline_io(e)))?;
    Ok(h.iter().cloned().collect())
}

fn readline_io(e: rustyline::error::ReadlineError) -> std::io::Error {
    match e {
        rustyline::error::ReadlineError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}
