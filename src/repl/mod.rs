//! The interactive shell: rustyline loop, prompt, history, Ctrl-C and Ctrl-D.
//!
//! The REPL owns the editor; lines go to the same [`Runner`] as `-c`, `-f` and stdin. History
//! is appended on exit and never holds a password: an `open` URL with a password and a `user`
//! line with a password are stored scrubbed, and `quote PASS` lines are not stored at all.

mod complete;

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{CompletionType, Config, Editor};

use crate::app::{Flow, Runner};
use crate::commands;
use crate::listing::display_name;
use crate::session::{redact, redact_url};

pub use complete::ShellHelper;

pub fn run(runner: Runner) -> i32 {
    // The completer needs the session between lines (remote listings); the loop needs it for
    // each line. They never overlap: rustyline calls the completer only inside readline.
    let runner = Rc::new(RefCell::new(runner));
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .max_history_size(5000)
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
    let loaded = editor.history().len();
    let code = loop {
        let prompt = prompt(&runner.borrow());
        match editor.readline(prompt.as_str()) {
            Ok(line) => {
                let trimmed = line.trim();
                if trimmed.is_empty() {
                    continue;
                }
                if let Some(entry) = scrub_history(trimmed) {
                    let _ = editor.add_history_entry(entry);
                }
                let flow = runner.borrow_mut().run_line(trimmed);
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
    };
    if let Some(h) = &history
        && editor.history().len() > loaded
    {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = editor.append_history(h) {
            runner
                .borrow()
                .out
                .warn(&format!("cannot save history to {}: {e}", h.display()));
        }
    }
    code
}

/// `ftpsh> ` or `ftpsh user@host:/cwd> `.
fn prompt(runner: &Runner) -> String {
    match runner.session.conn_ref() {
        Some(c) => format!(
            "ftpsh {}@{}:{}> ",
            display_name(c.target.login_name()),
            c.target.display_host(),
            display_name(&c.cwd)
        ),
        None => "ftpsh> ".to_string(),
    }
}

/// The line as history may keep it: passwords removed, or `None` to keep nothing.
pub fn scrub_history(line: &str) -> Option<String> {
    let parts = match commands::split_line(line) {
        Ok(p) => p,
        // Unparsable: keep it, but never with a password in it.
        Err(_) => return Some(redact(line)),
    };
    let mut kept = Vec::new();
    for part in parts {
        let Ok(words) = shell_words::split(&part) else {
            kept.push(redact(&part));
            continue;
        };
        let name = words
            .first()
            .and_then(|w| commands::resolve_name(w).ok())
            .unwrap_or_default();
        if (name == "quote" || name == "site")
            && words
                .get(1)
                .is_some_and(|w| w.eq_ignore_ascii_case("PASS") || w.eq_ignore_ascii_case("ACCT"))
        {
            return None;
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
        if scrubbed == words {
            kept.push(part);
        } else {
            kept.push(shell_words::join(&scrubbed));
        }
    }
    Some(kept.join("; "))
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
        assert_eq!(
            scrub_history("open 'ftp://bob:pw@h").unwrap(),
            "open 'ftp://bob@h"
        );
        assert_eq!(
            scrub_history("get ftp://a:b@h/f -o 'x y'").unwrap(),
            "get ftp://a@h/f -o 'x y'"
        );
    }
}
