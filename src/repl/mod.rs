//! The interactive shell: rustyline loop, prompt, history, Ctrl-C and Ctrl-D.
//!
//! The REPL owns the editor; lines go to the same [`Runner`] as `-c`, `-f` and stdin. Each
//! line is appended to the history file as it is entered (a closed terminal loses nothing),
//! and never with a password: see [`scrub_history`].

pub mod complete;

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

use crate::commands;
use crate::exec::{Flow, Runner};
use crate::listing::display_name;
use crate::session::redact_url;

pub use complete::ShellHelper;

/// How many lines the history keeps: the `history_size` setting (the editor and `history`
/// read it with this limit).
pub fn history_size(session: &crate::session::Session) -> usize {
    session.settings.number("history_size") as usize
}

pub fn run(runner: Runner) -> i32 {
    // The completer needs the session between lines (remote listings); the loop needs it for
    // each line. They never overlap: rustyline calls the completer only inside readline.
    let runner = Rc::new(RefCell::new(runner));
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .max_history_size(history_size(&runner.borrow().session))
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            runner
                .borrow()
                .out
                .error(&format!("ftpsh: cannot start the line editor: {e}"));
            return crate::error::Code::Local.as_i32();
        }
    };
    editor.set_helper(Some(ShellHelper::new(Some(Rc::clone(&runner)))));
    let history = crate::config::history_file();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    // Warn about an unwritable history file once, not after every line.
    let mut history_warned = false;
    loop {
        let prompt = prompt(&runner.borrow());
        match editor.readline(prompt.as_str()) {
            Ok(line) => {
                let trimmed = line.trim();
                if trimmed.is_empty() {
                    continue;
                }
                if let Some(entry) = scrub_history(trimmed)
                    && editor.add_history_entry(entry).unwrap_or(false)
                    && let Some(h) = &history
                {
                    // Saved as it is entered (before it runs): a closed terminal or a kill
                    // must not lose the session's lines.
                    if let Err(e) = save_history(&mut editor, h)
                        && !std::mem::replace(&mut history_warned, true)
                    {
                        runner
                            .borrow()
                            .out
                            .warn(&format!("cannot save history to {}: {e}", h.display()));
                    }
                }
                let flow = runner.borrow_mut().run_line(trimmed);
                // `history -c` removed the file; the editor forgets its lines too.
                if std::mem::take(&mut runner.borrow_mut().shell.history_cleared) {
                    let _ = editor.clear_history();
                }
                if let Flow::Exit(code) = flow {
                    break code;
                }
            }
            // Ctrl-C at the prompt clears the line, like bash.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                runner.borrow_mut().session.close();
                break 0;
            }
            Err(e) => {
                runner.borrow().out.error(&format!("ftpsh: {e}"));
                break crate::error::Code::Local.as_i32();
            }
        }
    }
}

/// Append the entries not yet in the history file (rustyline keeps count).
fn save_history(
    editor: &mut Editor<ShellHelper, FileHistory>,
    path: &std::path::Path,
) -> Result<(), ReadlineError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    editor.append_history(path)
}

/// `ftpsh> `, or while connected the `prompt` setting (`ftpsh %u@%h:%w> `: user, host,
/// remote directory), names cleaned for the terminal.
fn prompt(runner: &Runner) -> String {
    match runner.session.conn_ref() {
        Some(c) => display_name(&crate::settings::render_prompt(
            &runner.session.settings.text("prompt"),
            c.target.login_name(),
            &c.target.display_host(),
            c.target.port,
            &c.cwd,
        )),
        None => "ftpsh> ".to_string(),
    }
}

/// Commands whose arguments may hold a password: a line of theirs that does not parse keeps
/// only its command word.
const SECRET_COMMANDS: &[&str] = &["user", "open", "quote", "site"];
/// Commands that take ftp:// URLs, which may hold `user:password@`.
const URL_COMMANDS: &[&str] = &["get", "cat", "ls", "dir", "nlist"];

/// The line as history may keep it: passwords removed, or `None` to keep nothing.
///
/// - `quote PASS ...`/`quote ACCT ...` (and `site`) lines are never kept, refused or not.
/// - A command that does not parse (an unterminated quote, a bad option) keeps only its
///   command word when it can carry a secret: `user`, `open`, `quote`, `site`, or a command
///   that takes URLs when the text holds an `@`. What a parser could not read, a scrubber
///   cannot scrub word by word.
/// - Otherwise URLs lose their password and `user` its second argument.
pub fn scrub_history(line: &str) -> Option<String> {
    let (parts, unterminated) = commands::split_commands(line);
    let last = parts.len().saturating_sub(1);
    let mut kept = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let entry = if unterminated && i == last {
            scrub_unparsable(part)
        } else {
            scrub_command(part)
        };
        kept.push(entry?);
    }
    Some(kept.join("; "))
}

/// The command word as typed, or `None` when the text has none.
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// The canonical name a typed command word resolves to (quotes and backslashes ignored, so
/// a broken `'user` still counts as `user`), or "".
fn command_of(word: &str) -> String {
    if word.starts_with('!') {
        return "shell".to_string();
    }
    let bare: String = word.chars().filter(|c| !"'\"\\".contains(*c)).collect();
    commands::resolve_name(&bare).unwrap_or_default()
}

fn is_login_verb(word: &str) -> bool {
    let bare: String = word.chars().filter(|c| !"'\"\\".contains(*c)).collect();
    bare.eq_ignore_ascii_case("PASS") || bare.eq_ignore_ascii_case("ACCT")
}

fn can_carry_secret(name: &str, text: &str) -> bool {
    SECRET_COMMANDS.contains(&name) || (URL_COMMANDS.contains(&name) && text.contains('@'))
}

/// A command cut off by an unterminated quote. The quote may have swallowed a `;` and the
/// commands after it, so every `;`-separated piece is looked at, quotes or not.
fn scrub_unparsable(part: &str) -> Option<String> {
    let mut secret = false;
    for piece in part.split(';') {
        let mut words = piece.split_whitespace();
        let name = command_of(words.next().unwrap_or(""));
        if (name == "quote" || name == "site") && words.next().is_some_and(is_login_verb) {
            return None;
        }
        secret |= can_carry_secret(&name, part);
    }
    Some(if secret { first_word(part) } else { part }.to_string())
}

/// One complete command (its quotes balance).
fn scrub_command(part: &str) -> Option<String> {
    let Ok(words) = shell_words::split(part) else {
        return scrub_unparsable(part);
    };
    let name = words.first().map(|w| command_of(w)).unwrap_or_default();
    // `quote "PASS x"` is one word: look at the first token of the raw command.
    let raw = words.get(1..).unwrap_or_default().join(" ");
    if (name == "quote" || name == "site")
        && raw.split_whitespace().next().is_some_and(is_login_verb)
    {
        return None;
    }
    if commands::parse_command(part).is_err() && can_carry_secret(&name, part) {
        return Some(first_word(part).to_string());
    }
    // Word by word, after unquoting, so a quoted password with spaces is caught too.
    let mut scrubbed: Vec<String> = Vec::with_capacity(words.len());
    let mut after_user_flag = false;
    for (i, w) in words.iter().enumerate() {
        let clean = if name == "user" && i >= 2 {
            continue;
        } else if w.contains("://") {
            redact_url(w)
        } else if name == "open" && i > 0 && !w.starts_with('-') && !after_user_flag {
            // `open bob:pw@host`: the URL may come without a scheme.
            redact_url(w)
        } else {
            w.clone()
        };
        after_user_flag = name == "open" && (w == "-u" || w == "--user");
        scrubbed.push(clean);
    }
    Some(if scrubbed == words {
        part.to_string()
    } else {
        shell_words::join(&scrubbed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_never_holds_passwords() {
        assert_eq!(
            scrub_history("open ftp://bob:s3cret@h/pub").unwrap(),
            "open ftp://bob@h/pub"
        );
        assert_eq!(scrub_history("user bob s3cret").unwrap(), "user bob");
        assert_eq!(
            scrub_history("cd x; user bob pw").unwrap(),
            "cd x; user bob"
        );
        assert_eq!(scrub_history("quote PASS pw"), None);
        assert_eq!(scrub_history("ls -l").unwrap(), "ls -l");
        assert_eq!(scrub_history("open bob:pw@host").unwrap(), "open bob@host");
        assert_eq!(
            scrub_history("open 'ftp://bob:my pw@h'").unwrap(),
            "open ftp://bob@h"
        );
        assert_eq!(
            scrub_history("get 10:00@web1.log").unwrap(),
            "get 10:00@web1.log"
        );
        // Unparsable: only the command word (see `unparsable_user_line_keeps_no_password`).
        assert_eq!(scrub_history("open 'ftp://bob:pw@h").unwrap(), "open");
        assert_eq!(
            scrub_history("get ftp://a:b@h/f -o 'x y'").unwrap(),
            "get ftp://a@h/f -o 'x y'"
        );
    }

    /// `user bar 'S3cret` (an unbalanced quote) was stored whole.
    #[test]
    fn unparsable_user_line_keeps_no_password() {
        assert_eq!(scrub_history("user bar 'S3cret").unwrap(), "user");
        assert_eq!(scrub_history("user bar \"S3cret").unwrap(), "user");
        assert_eq!(
            scrub_history("cd x; user bar 'S3cret").unwrap(),
            "cd x; user"
        );
        assert_eq!(scrub_history("us bar 'S3cret").unwrap(), "us");
        // A quote that swallowed the `;` before a secret-carrying command.
        assert_eq!(scrub_history("get 'oops; user bob S3cret").unwrap(), "get");
        assert_eq!(scrub_history("cd 'x; open ftp://a:S3cret@h").unwrap(), "cd");
        // Nothing secret: the line is kept to be fixed and run again.
        assert_eq!(scrub_history("get 'oops").unwrap(), "get 'oops");
        // A bad option or an extra argument is a parse failure too.
        assert_eq!(scrub_history("user bob S3cret extra").unwrap(), "user");
        assert_eq!(
            scrub_history("open --bogus bob:S3cret@host").unwrap(),
            "open"
        );
    }

    /// `open ftp://bar:Pa55/word@host`: the `/` in the password made the URL parser (and the
    /// redaction) see the host as `bar`, so the history kept `Pa55/word`.
    #[test]
    fn password_with_a_slash_is_scrubbed() {
        for (line, want) in [
            ("open ftp://bar:Pa55/word@host", "open ftp://bar@host"),
            ("open bar:Pa55/word@host", "open bar@host"),
            (
                "open ftp://bar:Pa55/w/o/rd@host/dir",
                "open ftp://bar@host/dir",
            ),
            ("get ftp://bar:Pa55/word@host/f", "get ftp://bar@host/f"),
        ] {
            let got = scrub_history(line).unwrap();
            assert_eq!(got, want);
            assert!(!got.contains("Pa55"), "{got}");
        }
        // A port is not a password: the path keeps its `@`.
        assert_eq!(
            scrub_history("get ftp://h:21/a:b@c").unwrap(),
            "get ftp://h:21/a:b@c"
        );
        // Broken and with a URL: only the command word.
        assert_eq!(
            scrub_history("get 'ftp://bar:Pa55/word@host").unwrap(),
            "get"
        );
        assert_eq!(scrub_history("ls \"ftp://a:S3cret@h").unwrap(), "ls");
    }

    /// `quote "PASS x"` is one word after unquoting; it was refused but stored.
    #[test]
    fn quote_pass_lines_are_never_stored() {
        for line in [
            "quote PASS x",
            "quote \"PASS x\"",
            "quote 'pass x'",
            "quote \"  ACCT x\"",
            "quo PASS x",
            "site PASS x",
            "quote PASS 'x",
            "quote \"PASS x",
            "cd a; quote 'PASS x'",
            "cd 'a; quote PASS x",
        ] {
            assert_eq!(scrub_history(line), None, "{line}");
        }
        assert_eq!(scrub_history("quote NOOP").unwrap(), "quote NOOP");
        assert_eq!(scrub_history("quote 'NOOP").unwrap(), "quote");
    }
}
