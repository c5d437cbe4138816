//! Chooses the front end (REPL, `-c`, `-f`, piped stdin), builds the session and the
//! [`Runner`], and computes the exit code of a run.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use anyhow::Result;

use crate::cli::{Cli, ConfigAction, Sub};
use crate::config::Config;
use crate::error::{self, Code, LocalError};
use crate::exec::{Flow, Runner};
use crate::interrupt;
use crate::output::{self, Printer};
use crate::session::{Opts, Session, Target};
use crate::settings::{Settings, Source};

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
            Sub::Config(_) => "config",
        };
        return Err(error::UsageError(format!(
            "{first} is a client option: `ftpsh {name}` does not take it (a host named \
             {name} is reached as ftp://{name})"
        ))
        .into());
    }
    match cli.sub.clone() {
        None => run_client(cli, None),
        Some(Sub::Config(c)) => config_command(&cli, c.action),
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
    // A bad config file stops the run before anything of it is used (exit 2).
    let config = load_config(&cli)?;
    let mut settings = Settings::default();
    for (name, value) in &config.settings {
        settings.put(Source::File, name, value.clone());
    }
    // The server: the demo's, the URL or bookmark on the command line, else `default`.
    let named = match (&preset, &cli.url) {
        (Some(_), _) => None,
        (None, Some(url)) => Some(url.clone()),
        (None, None) => config.default.clone(),
    };
    let target = match (preset, named) {
        (Some(t), _) => Some(t),
        (None, Some(name)) => {
            let (t, bookmark) = config.resolve(&name)?;
            if let Some(b) = bookmark {
                for (n, v) in &b.settings {
                    settings.put(Source::File, n, v.clone());
                }
                if let Some(tls) = &b.tls {
                    settings.put(Source::File, "tls", tls.clone());
                }
            }
            Some(t)
        }
        (None, None) => None,
    };
    flag_settings(&cli, &mut settings);

    let mut out = Printer::new(cli.quiet, false);
    out.apply_settings(&settings);
    if settings.bool("json") {
        out.json_header()?;
    }
    output::install_trace_logger();
    output::set_trace(cli.verbose);
    if cli.insecure {
        out.warn("--insecure: TLS certificates are not verified; the server may be an impostor");
    }
    let stdin_tty = std::io::stdin().is_terminal();
    let interactive = stdin_tty && cli.script.command.is_none() && cli.script.file.is_none();
    let trust = build_trust(&cli, &bookmark_pins(&config), interactive, &out)?;
    let opts = Opts {
        tls: cli.tls_mode(),
        ca_file: cli.ca_file.clone(),
        insecure: cli.insecure,
        active: cli.active,
        timeout: Duration::from_secs(30),
        stall_timeout: Duration::from_secs(60),
        netrc_file: cli.netrc_file.clone(),
        interactive: stdin_tty,
        listing_limit: 0,
        trust: std::sync::Arc::new(trust),
    };
    interrupt::install(interactive);
    let mut session = Session::new(opts);
    session.settings = settings;
    let aliases = config.aliases().clone();
    session.config = config;
    for name in crate::settings::names() {
        session.apply_setting(name);
    }
    let mut runner = Runner {
        session,
        out,
        stop_on_error: !(interactive || cli.script.keep_going),
        batch: !interactive,
        last_failure: None,
        shell: Default::default(),
    };
    // The file's `[aliases]`, checked as a whole (a bad one is exit 2 before anything runs).
    runner.set_aliases(aliases)?;

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

/// The bookmarks' pins: (bookmark, host, port, fingerprints).
pub fn bookmark_pins(
    config: &Config,
) -> Vec<(String, String, u16, Vec<crate::trust::Fingerprint>)> {
    config
        .bookmarks
        .iter()
        .filter(|(_, b)| !b.pins.is_empty())
        .filter_map(|(name, b)| {
            let t = b.target().ok()?;
            Some((name.clone(), t.host, t.port, b.pins.clone()))
        })
        .collect()
}

/// Certificate trust for the run: known_hosts (its malformed lines are warnings), `--pin`
/// (a bad one is a usage error), the bookmarks' pins, and in the interactive shell (stdin
/// and stderr terminals) the prompt for an unknown certificate.
fn build_trust(
    cli: &Cli,
    bookmark_pins: &[(String, String, u16, Vec<crate::trust::Fingerprint>)],
    interactive: bool,
    out: &Printer,
) -> Result<crate::trust::Trust> {
    let mut pins = Vec::new();
    for p in &cli.pin {
        pins.extend(
            crate::trust::parse_pins(p).map_err(|e| error::UsageError(format!("--pin: {e}")))?,
        );
    }
    let (mut trust, warnings) = crate::trust::Trust::new(crate::config::known_hosts_file())?;
    for w in warnings {
        out.warn(&w);
    }
    trust.pin_all(pins);
    trust.set_bookmark_pins(bookmark_pins.to_vec());
    if interactive && std::io::stderr().is_terminal() {
        trust.set_asker(Box::new(crate::trust::TerminalAsker));
    }
    Ok(trust)
}

/// config.toml, unless `--no-config`.
fn load_config(cli: &Cli) -> Result<Config> {
    if cli.no_config {
        return Ok(Config::default());
    }
    Config::load(cli.config.as_deref())
}

/// The settings the command line gives: they beat the file (and `set` beats them).
fn flag_settings(cli: &Cli, s: &mut Settings) {
    let mut put = |name: &str, value: &str| s.put(Source::Flag, name, value.to_string());
    if let Some(t) = cli.timeout {
        put("timeout", &t.to_string());
    }
    if let Some(n) = cli.retries {
        put("retries", &n.to_string());
    }
    if let Some(t) = cli.retry_max_time {
        put("retry_max_time", &t.to_string());
    }
    if let Some(t) = cli.stall_timeout {
        put("stall_timeout", &t.to_string());
    }
    if let Some(p) = cli.progress {
        use clap::ValueEnum;
        if let Some(v) = p.to_possible_value() {
            put("progress", v.get_name());
        }
    }
    if cli.json {
        put("json", "on");
    }
    if cli.active {
        put("passive", "off");
    }
    if cli.tls {
        put("tls", "on");
    }
    if cli.no_tls {
        put("tls", "off");
    }
}

/// `ftpsh config path|edit|check`.
fn config_command(cli: &Cli, action: ConfigAction) -> Result<i32> {
    let path = crate::config::config_file(cli.config.as_deref()).ok_or_else(|| {
        error::UsageError(
            "no config directory (set HOME, XDG_CONFIG_HOME or FTPSH_CONFIG_DIR)".into(),
        )
    })?;
    match action {
        ConfigAction::Path => println!("{}", path.display()),
        ConfigAction::Check => {
            if !path.exists() {
                println!("{}: no such file (the defaults apply)", path.display());
                return Ok(0);
            }
            let c = Config::load(Some(&path))?;
            println!(
                "{}: ok ({} settings, {} bookmarks, {} aliases)",
                path.display(),
                c.settings.len(),
                c.bookmarks.len(),
                c.aliases().len()
            );
        }
        ConfigAction::Edit => {
            if !path.exists() {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| LocalError::new(dir.display().to_string(), e))?;
                }
                std::fs::write(&path, crate::config::file::TEMPLATE)
                    .map_err(|e| LocalError::new(path.display().to_string(), e))?;
            }
            crate::config::run_editor(&path)?;
            Config::load(Some(&path))?;
        }
    }
    Ok(0)
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
