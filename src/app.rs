//! Chooses the front end (REPL, `-c`, `-f`, piped stdin), builds the session, runs lines and
//! computes the exit code.
//!
//! [`Runner::run_line`] is one of the two places that render errors (the other is `main`):
//! a failing command prints one line, `name: what: why`, and yields its documented code.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use anyhow::Result;

use crate::cli::{Cli, Sub};
use crate::commands::{self, Ctx, Parsed};
use crate::error::{self, Code, ExitRequest, Interrupted, LocalError};
use crate::interrupt;
use crate::printer::{self, Printer};
use crate::session::{Opts, Session, Target};

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
            Ok(Parsed::Help(h)) => {
                let _ = self.out.data(&h);
                return Flow::Continue;
            }
            Err(e) => return self.fail(None, e.into()),
        };
        let name = command_name(text);
        if cmd.needs_connection() {
            if !self.session.is_connected() {
                return self.fail(
                    Some(&name),
                    anyhow::anyhow!("not connected (use 'open HOST')"),
                );
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
            Ok(()) if self.batch && interrupt::requested() => {
                self.fail(Some(&name), Interrupted.into())
            }
            Ok(()) => Flow::Continue,
            Err(e) => {
                if let Some(ExitRequest(code)) = e.downcast_ref::<ExitRequest>() {
                    return Flow::Exit(*code);
                }
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
        self.out.error(&line);
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

pub fn run(cli: Cli) -> Result<i32> {
    if let Some(kind) = &cli.generate {
        crate::generate::write(kind, &mut std::io::stdout())?;
        return Ok(0);
    }
    let misplaced = cli.misplaced_flags();
    if let (Some(first), Some(sub)) = (misplaced.first(), &cli.sub) {
        let name = match sub {
            Sub::Serve(_) => "serve",
            Sub::Demo(_) => "demo",
        };
        return Err(error::UsageError(format!(
            "{first} is a client option: `ftpsh {name}` does not take it (a host named \
             {name} is reached as ftp://{name})"
        ))
        .into());
    }
    match cli.sub.clone() {
        None => run_client(cli, None),
        #[cfg(feature = "serve")]
        Some(Sub::Serve(args)) => crate::serve::run(&args, cli.quiet, cli.verbose),
        #[cfg(feature = "serve")]
        Some(Sub::Demo(args)) => crate::serve::demo::run(cli, &args),
        #[cfg(not(feature = "serve"))]
        Some(Sub::Serve(_) | Sub::Demo(_)) => Err(error::UsageError(
            "this ftpsh was built without the built-in server (cargo feature `serve`)".into(),
        )
        .into()),
    }
}

/// The FTP client: connect to the URL on the command line, or to `preset` (the demo's own
/// server, with its password: never on argv), then run the front end.
pub fn run_client(cli: Cli, preset: Option<Target>) -> Result<i32> {
    let out = Printer::new(cli.quiet);
    printer::install_trace_logger();
    printer::set_trace(cli.verbose);
    if cli.insecure {
        out.warn("--insecure: TLS certificates are not verified; the server may be an impostor");
    }
    let stdin_tty = std::io::stdin().is_terminal();
    let interactive = stdin_tty && cli.script.command.is_none() && cli.script.file.is_none();
    let opts = Opts {
        tls: cli.tls_mode(),
        ca_file: cli.ca_file.clone(),
        insecure: cli.insecure,
        active: cli.active,
        timeout: Duration::from_secs(cli.timeout),
        netrc_file: cli.netrc_file.clone(),
        interactive: stdin_tty,
    };
    interrupt::install(interactive);
    let mut runner = Runner {
        session: Session::new(opts),
        out,
        stop_on_error: !(interactive || cli.script.keep_going),
        batch: !interactive,
        last_failure: None,
    };

    let target = match (preset, &cli.url) {
        (Some(t), _) => Some(t),
        (None, Some(url)) => Some(Target::parse(url)?),
        (None, None) => None,
    };
    if let Some(mut target) = target {
        if let Some(u) = &cli.user {
            target.user = Some(u.clone());
        }
        if let Some(p) = cli.port {
            target.port = p;
        }
        // A first connection that fails in the shell can be retried with `open` alone.
        runner.session.last_target = Some(Target {
            path: None,
            password: None,
            ..target.clone()
        });
        if let Err(e) = runner.session.connect(target, &runner.out) {
            if !interactive {
                return Err(e);
            }
            runner.out.error(&format!("ftpsh: {}", error::render(&e)));
        }
    } else if cli.user.is_some() || cli.port.is_some() {
        return Err(error::UsageError("--user and --port need a URL or host".into()).into());
    }

    if interactive {
        return Ok(crate::repl::run(runner));
    }
    let flow = if let Some(cmds) = &cli.script.command {
        runner.run_line(cmds)
    } else if let Some(path) = &cli.script.file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LocalError::new(path.display().to_string(), e))?;
        run_lines(&mut runner, text.lines().map(|l| Ok(l.to_string())))
    } else {
        let stdin = std::io::stdin();
        run_lines(&mut runner, stdin.lock().lines())
    };
    runner.session.close();
    Ok(match flow {
        Flow::Exit(code) => code,
        Flow::Continue => runner.final_code(),
    })
}

/// Batch input: one line at a time, `#` comments and blank lines skipped.
fn run_lines(runner: &mut Runner, lines: impl Iterator<Item = std::io::Result<String>>) -> Flow {
    for line in lines {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                runner.out.error(&format!("ftpsh: reading commands: {e}"));
                return Flow::Exit(Code::Local.as_i32());
            }
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Flow::Exit(code) = runner.run_line(trimmed) {
            return Flow::Exit(code);
        }
    }
    Flow::Continue
}
