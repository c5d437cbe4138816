//! Chooses the front end (REPL, `-c`, `-f`, piped stdin), builds the session and the
//! [`Runner`], and computes the exit code of a run.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use anyhow::Result;

use crate::cli::{Cli, Sub};
use crate::error::{self, Code, LocalError};
use crate::exec::{Flow, Runner};
use crate::interrupt;
use crate::output::{self, Printer};
use crate::session::{Opts, Session, Target};

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
    let mut out = Printer::new(cli.quiet, cli.json);
    out.progress_mode = cli.progress;
    if cli.json {
        out.json_header()?;
    }
    output::install_trace_logger();
    output::set_trace(cli.verbose);
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
        shell: Default::default(),
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
                let line = format!("ftpsh: {}", error::render(&e));
                runner.out.failure_object(&line, Some("open"), &e);
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
