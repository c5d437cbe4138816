//! The line runner: one input line → its commands → dispatch → the exit code it earns.
//!
//! [`Runner::run_line`] is one of the two places that render errors (the other is `main`):
//! a failing command prints one line, `name: what: why`, and yields its documented code. It
//! lives apart from app.rs so that the REPL and the front-end chooser do not import each other.
//!
//! Between the `;` split and the table, each command goes through the shell's own syntax
//! (src/commands/parse.rs): a `> FILE`, `>> FILE` or `| CMD` sends its stdout elsewhere for
//! the time it runs, and an alias is replaced by its text (which may hold several commands
//! and redirects of its own). A pipeline's exit status counts only when the command itself
//! succeeded: `ls | grep x` fails when grep finds nothing, a failed `ls` reports its own error.

use std::collections::BTreeMap;
use std::io::Write;

use crate::commands::parse::{self, MAX_ALIAS_DEPTH, MAX_EXPANDED_COMMANDS, Redirect};
use crate::commands::shell::ShellState;
use crate::commands::{self, Ctx, Parsed};
use crate::error::{self, Code, Interrupted, LocalError, UsageError};
use crate::interrupt;
use crate::output::Printer;
use crate::output::model::{self, Report};
use crate::retry::{Policy, Tries, announce_and_wait};
use crate::session::Session;

/// What the front end does after a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Exit(i32),
}

pub struct Runner {
    pub session: Session,
    pub out: Printer,
    /// Batch mode stops at the first failure unless `-k`; the REPL never stops.
    pub stop_on_error: bool,
    /// Commands come from -c, -f or stdin rather than a person at the shell.
    pub batch: bool,
    pub last_failure: Option<i32>,
    /// Aliases, and what the REPL must do to its editor after a line.
    pub shell: ShellState,
}

/// The alias expansion of one typed line.
#[derive(Default)]
struct Expansion {
    /// The aliases being expanded, outermost first.
    chain: Vec<String>,
    /// Commands that aliases of the line have given so far.
    commands: usize,
    /// An expansion error ended the line.
    stop: bool,
}

impl Runner {
    /// Install aliases wholesale, as the config file's `[aliases]` table gives them: all or
    /// nothing (a bad name or an unbalanced quote is a [`UsageError`], and the aliases stay as
    /// they were); an alias named like a built-in command is warned about on stderr.
    pub fn set_aliases(&mut self, aliases: BTreeMap<String, String>) -> anyhow::Result<()> {
        for w in self.shell.set_aliases(aliases)? {
            self.out.warn(&w);
        }
        Ok(())
    }

    /// Run one input line: one or more commands separated by `;`.
    pub fn run_line(&mut self, line: &str) -> Flow {
        let commands = match commands::split_line(line) {
            Ok(c) => c,
            Err(e) => return self.fail(None, e.into()),
        };
        let mut exp = Expansion::default();
        for text in commands {
            if let Flow::Exit(code) = self.run_text(&text, &mut exp) {
                return Flow::Exit(code);
            }
            if exp.stop {
                break;
            }
        }
        Flow::Continue
    }

    /// One command as typed or as an alias gave it: its redirect, then its alias.
    fn run_text(&mut self, text: &str, exp: &mut Expansion) -> Flow {
        if commands::is_shell_escape(text) {
            return self.run_counted(text, exp);
        }
        match parse::split_redirect(text) {
            Ok((cmd, None)) => self.run_aliased(cmd, exp),
            Ok((cmd, Some(r))) => self.run_redirected(cmd, r, exp),
            Err(e) => self.fail(None, e.into()),
        }
    }

    /// Replace an alias by its text and run that; anything else goes to the table.
    fn run_aliased(&mut self, text: &str, exp: &mut Expansion) -> Flow {
        if let Some((name, rest)) = parse::alias_head(text)
            && let Some(body) = self.shell.aliases.get(name).cloned()
        {
            let again = exp.chain.iter().any(|n| n == name);
            // `alias ls 'ls -l'`: the alias's own name in its text is the built-in command.
            if !(again && parse::shadowed_command(name).is_some()) {
                let refused = if again {
                    Some(parse::loop_error(&exp.chain, name))
                } else if exp.chain.len() >= MAX_ALIAS_DEPTH {
                    Some(UsageError(format!(
                        "{}: aliases nested more than {MAX_ALIAS_DEPTH} deep",
                        exp.chain[0]
                    )))
                } else {
                    None
                };
                let parts = match refused {
                    Some(e) => Err(e),
                    None => commands::split_line(&parse::expand(&body, rest))
                        .map_err(|e| UsageError(format!("{name}: {}", e.0))),
                };
                let parts = match parts {
                    Ok(p) => p,
                    Err(e) => {
                        exp.stop = true;
                        return self.fail(None, e.into());
                    }
                };
                exp.chain.push(name.to_string());
                let mut flow = Flow::Continue;
                for part in parts {
                    flow = self.run_text(&part, exp);
                    if flow != Flow::Continue || exp.stop {
                        break;
                    }
                }
                exp.chain.pop();
                return flow;
            }
        }
        self.run_counted(text, exp)
    }

    /// Run one command from the table; one that an alias gave counts against the line's
    /// budget (typed commands do not: a script line may hold any number of them).
    fn run_counted(&mut self, text: &str, exp: &mut Expansion) -> Flow {
        if exp.chain.is_empty() {
            return self.run_command(text);
        }
        exp.commands += 1;
        if exp.commands > MAX_EXPANDED_COMMANDS {
            exp.stop = true;
            let first = exp.chain.first().map_or("ftpsh", |s| s.as_str());
            return self.fail(
                None,
                UsageError(format!(
                    "{first}: the line expands to more than {MAX_EXPANDED_COMMANDS} commands \
                     (aliases); nothing more was run"
                ))
                .into(),
            );
        }
        self.run_command(text)
    }

    /// `CMD > FILE`, `CMD >> FILE`, `CMD | PIPELINE`: stdout goes there while CMD runs.
    fn run_redirected(&mut self, text: &str, r: Redirect, exp: &mut Expansion) -> Flow {
        let name = command_name(text);
        // What was printed before goes out before the pipeline's output.
        if let Err(e) = self.out.flush() {
            return self.fail(Some(&name), e);
        }
        let (target, mut child): (Box<dyn Write + Send>, _) =
            match open_redirect(&r, self.out.json()) {
                Ok(t) => t,
                Err(e) => return self.fail(Some(&name), e),
            };
        let saved = match self.out.redirect_stdout(target) {
            Ok(s) => s,
            Err(e) => return self.fail(Some(&name), e),
        };
        let failed_before = self.shell.failed;
        let piping = std::mem::replace(&mut self.shell.piping, child.is_some());
        let flow = self.run_aliased(text, exp);
        self.shell.piping = piping;
        // Dropping the target closes the pipeline's stdin, so it can finish.
        let restored = self.out.restore_stdout(saved);
        let status = child.as_mut().map(|c| {
            let _guard = crate::interrupt::ChildGuard::new();
            c.wait()
        });
        if flow != Flow::Continue || self.shell.failed != failed_before {
            return flow;
        }
        match restored {
            // The pipeline stopped reading (`| head -1`): as in a shell, not a failure.
            Err(e) if child.is_some() && error::is_stdout_closed(&e) => {}
            Err(e) => return self.fail(Some(&name), e),
            Ok(()) => {}
        }
        let (Some(status), Redirect::Pipe(pipeline)) = (status, &r) else {
            return Flow::Continue;
        };
        match status {
            Ok(s) if s.success() => Flow::Continue,
            Ok(s) if std::os::unix::process::ExitStatusExt::signal(&s) == Some(2) => {
                self.fail(Some(&name), Interrupted.into())
            }
            Ok(s) => self.fail(
                Some(&name),
                anyhow::anyhow!(
                    "pipeline '{pipeline}' exited with status {}",
                    s.code().map_or("signal".to_string(), |c| c.to_string())
                ),
            ),
            Err(e) => self.fail(Some(&name), LocalError::new("/bin/sh", e).into()),
        }
    }

    fn run_command(&mut self, text: &str) -> Flow {
        let flow = self.run_one(text);
        // `ls --json` ends with its command; a failed command's output is not left behind.
        if let Err(e) = self.out.end_command()
            && flow == Flow::Continue
        {
            return self.fail(None, e);
        }
        flow
    }

    fn run_one(&mut self, text: &str) -> Flow {
        // A note about the last Tab belongs to the line that was being edited.
        self.session.completion_note = None;
        // The shell starts every command afresh; a batch run stops on a Ctrl-C pressed
        // between commands.
        if !self.batch {
            interrupt::clear();
        } else if interrupt::requested() {
            return self.fail(None, Interrupted.into());
        }
        let cmd = match commands::parse_command(text) {
            Ok(Parsed::Run(c)) => c,
            Ok(Parsed::Help(text)) => {
                let help = Report::Help(model::Help {
                    command: Some(command_name(text.as_str())),
                    commands: Vec::new(),
                    text,
                });
                return match self.out.emit(&help) {
                    Ok(()) => Flow::Continue,
                    Err(e) => self.fail(None, e),
                };
            }
            Err(e) => return self.fail(None, e.into()),
        };
        let name = command_name(text);
        let needs_connection = cmd.needs_connection(&self.session.config);
        if needs_connection && !self.session.is_connected() {
            // A script that never named a server is a usage error, not a refusal.
            let e = if self.batch && self.session.last_target.is_none() {
                error::UsageError(
                    "no server: give a URL or host, or set default in config.toml".into(),
                )
                .into()
            } else {
                anyhow::anyhow!("not connected (use 'open HOST')")
            };
            return self.fail(Some(&name), e);
        }
        let retried_whole = cmd.retried_whole();
        let mut tries = Tries::new(Policy::from_settings(&self.session.settings));
        let mut next = Some(cmd);
        let result = loop {
            // A retry runs the line's text again (the command was consumed); it parsed once.
            let cmd = match next.take() {
                Some(c) => c,
                None => match commands::parse_command(text) {
                    Ok(Parsed::Run(c)) => c,
                    Ok(Parsed::Help(_)) | Err(_) => {
                        break Err(anyhow::anyhow!("{text}: cannot parse the command again"));
                    }
                },
            };
            let units = self.session.units_started;
            let written = self.out.stdout_written();
            let (result, reconnecting) = self.attempt(cmd, needs_connection);
            // Retried as a whole only while nothing of it happened that a second run would
            // repeat: no file transfer started (those retry themselves), nothing printed.
            let untouched =
                units == self.session.units_started && written == self.out.stdout_written();
            match result {
                Err(e) if retried_whole && untouched => {
                    self.session.note_failure(&e);
                    let Some(wait) = tries.next(&e, reconnecting) else {
                        break Err(e);
                    };
                    let target = error::Subject::of(&e).map(str::to_string);
                    if let Err(stop) =
                        announce_and_wait(&self.out, &name, target.as_deref(), &tries, wait, &e)
                    {
                        break Err(stop);
                    }
                }
                other => break other,
            }
        };
        match result {
            // A Ctrl-C that nothing polled (a slow reply) still ends a batch run.
            Ok(Flow::Continue) if self.batch && interrupt::requested() => {
                self.fail(Some(&name), Interrupted.into())
            }
            Ok(flow) => flow,
            Err(e) => {
                self.session.note_failure(&e);
                self.fail(Some(&name), e)
            }
        }
    }

    /// One run of a command: log in again first if the connection dropped (the second
    /// value says that failed), then dispatch it under the watchdog.
    fn attempt(
        &mut self,
        cmd: commands::Command,
        needs_connection: bool,
    ) -> (anyhow::Result<Flow>, bool) {
        if needs_connection {
            if let Err(e) = self
                .session
                .ensure_alive(&self.out)
                .and_then(|_| self.session.renew_tls_tickets())
            {
                return (Err(e), true);
            }
            // Every reply of the command is bounded as a whole by --timeout, and Ctrl-C cuts
            // a wait for one; transfers stand the watchdog down while data flows.
            self.session.arm_watchdog();
        }
        // `--verify` and the `verify` setting apply to the command that asks (its handler).
        self.session.verify = crate::checksum::Verify::default();
        // Quote and site can change anything; the others say what they change.
        let changed = match &cmd {
            commands::Command::Quote(_) | commands::Command::Site(_) => None,
            c => Some(c.changed_dirs()),
        };
        let mut result = {
            let mut ctx = Ctx {
                session: &mut self.session,
                out: &mut self.out,
                batch: self.batch,
                shell: &mut self.shell,
            };
            commands::dispatch(cmd, &mut ctx)
        };
        if let Some(fired) = self.session.disarm_watchdog()
            && result.is_err()
        {
            result = Err(fired.error());
        }
        match changed {
            Some(dirs) => self.session.invalidate(&dirs),
            None => self.session.invalidate_all(),
        }
        (result, false)
    }

    fn fail(&mut self, name: Option<&str>, e: anyhow::Error) -> Flow {
        if error::is_stdout_closed(&e) {
            // The reader of a `| CMD` is gone: the command stops there, the shell goes on.
            if self.shell.piping {
                return Flow::Continue;
            }
            return Flow::Exit(self.last_failure.unwrap_or(0));
        }
        self.shell.failed += 1;
        let code = error::exit_code(&e);
        let msg = error::render(&e);
        // A usage message that already starts with the command (`get -o -: ...`) is not
        // prefixed again; other errors may start with a name (`rm 'rm me'`), so only usage.
        let usage = e.downcast_ref::<UsageError>().is_some();
        let line = match name {
            Some(n) if msg.starts_with(&format!("{n}:")) => msg,
            Some(n) if usage && msg.starts_with(&format!("{n} ")) => msg,
            Some(n) => format!("{n}: {msg}"),
            None => msg,
        };
        self.out.failure(&line, name, &e);
        self.last_failure = Some(code);
        // Ctrl-C ends a batch run even with -k.
        if self.stop_on_error || (self.batch && code == Code::Interrupted.as_i32()) {
            Flow::Exit(code)
        } else {
            Flow::Continue
        }
    }

    /// The exit code of a batch run that reached its end.
    pub fn final_code(&self) -> i32 {
        self.last_failure.unwrap_or(0)
    }
}

/// The canonical name of the command a text starts with (for error lines).
fn command_name(text: &str) -> String {
    if text.starts_with('!') {
        return "shell".to_string();
    }
    let first = text.split_whitespace().next().unwrap_or("");
    commands::resolve_name(first).unwrap_or_else(|_| first.to_string())
}

/// The writer a redirect sends stdout to, and the pipeline reading it. A file is opened as
/// named (created, truncated or appended to; a directory is an error); a pipeline is
/// `sh -c CMD`, whose own stdout is the terminal (stderr in a JSON run, which keeps stdout
/// for JSON lines).
fn open_redirect(
    r: &Redirect,
    json: bool,
) -> anyhow::Result<(Box<dyn Write + Send>, Option<std::process::Child>)> {
    let file = |path: &std::path::Path, append: bool| -> anyhow::Result<_> {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| LocalError::new(path.display().to_string(), e))?;
        let w: Box<dyn Write + Send> = Box::new(std::io::BufWriter::with_capacity(64 * 1024, f));
        Ok((w, None))
    };
    match r {
        Redirect::Truncate(p) => file(p, false),
        Redirect::Append(p) => file(p, true),
        Redirect::Pipe(cmd) => {
            let mut c = std::process::Command::new("/bin/sh");
            c.arg("-c").arg(cmd).stdin(std::process::Stdio::piped());
            if json {
                c.stdout(std::io::stderr());
            }
            let mut child = c.spawn().map_err(|e| LocalError::new("/bin/sh", e))?;
            let stdin = child.stdin.take().ok_or_else(|| {
                LocalError::new(
                    "/bin/sh",
                    std::io::Error::other("no stdin for the pipeline"),
                )
            })?;
            let w: Box<dyn Write + Send> =
                Box::new(std::io::BufWriter::with_capacity(64 * 1024, stdin));
            Ok((w, Some(child)))
        }
    }
}
