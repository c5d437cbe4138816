//! ftpsh: an interactive FTP shell, scriptable from the command line.
//!
//! `main` parses argv, runs the app and renders a fatal error once (the other place errors are
//! rendered is the line runner in `app.rs`); the exit code comes from `error::exit_code`.

mod app;
mod charset;
mod checksum;
mod cli;
mod commands;
mod config;
mod error;
mod exec;
mod generate;
mod interrupt;
mod listing;
mod mirror;
mod output;
#[cfg(test)]
mod proptests;
mod repl;
mod retry;
#[cfg(feature = "serve")]
mod serve;
mod session;
mod settings;
mod tls;
mod transfer;
mod trust;
mod watchdog;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ftpsh: {}", error::render(&e));
            error::exit_code(&e)
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
