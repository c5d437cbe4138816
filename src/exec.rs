//! The line runner: one input line → its commands → dispatch → the exit code it earns.
//!
//! [`Runner::run_line`] is one of the two places that render errors (the other is `main`):
//! a failing command prints one line, `name: what: why`, and yields its documented code. It
//! lives apart from app.rs so that the REPL and the front-end chooser do not import each other.

use crate::commands::{self, Ctx, Parsed};
use crate::error::{self, Code, Interrupted};
use crate::interrupt;
use crate::output::Printer;
use crate::output::model::{self, Report};
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
}

impl Runner {
    /// Run one input line: one or more commands separated by `;`.
    pub fn run_line(&mut self, line: &str) -> Flow {
        let commands = match commands::split_line(line) {
            Ok(c) => c,
            Err(e) => return self.fail(None, e.into()),
        };
        for text in commands {
            if let Flow::Exit(code) = self.run_command(&text) {
                return Flow::Exit(code);
            }
        }
        Flow::Continue
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
        if cmd.needs_connection() {
            if !self.session.is_connected() {
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
            if let Err(e) = self.session.ensure_alive(&self.out) {
                return self.fail(Some(&name), e);
            }
            // Every reply of the command is bounded as a whole by --timeout, and Ctrl-C cuts
            // a wait for one; transfers stand the watchdog down while data flows.
            self.session.arm_watchdog();
        }
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

    fn fail(&mut self, name: Option<&str>, e: anyhow::Error) -> Flow {
        if error::is_stdout_closed(&e) {
            return Flow::Exit(self.last_failure.unwrap_or(0));
        }
        let code = error::exit_code(&e);
        let msg = error::render(&e);
        let line = match name {
            Some(n) if !msg.starts_with(&format!("{n}:")) => format!("{n}: {msg}"),
            _ => msg,
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
