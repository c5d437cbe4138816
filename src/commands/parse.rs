//! Shell syntax around one command, before the table sees it: output redirection (`>`,
//! `>>`, `|`) and aliases. Pure functions: never any I/O; the line runner (src/exec.rs)
//! opens files, starts pipelines and runs what the expansion yields.
//!
//! Aliases are textual, as in lftp: `alias up 'cd ..; ls'` then `up pub` runs `cd ..; ls pub`
//! (the extra words are appended to the body). An alias wins over a built-in command of the
//! same name (lftp's rule; defining one warns), and a body whose first word is the alias's own
//! name reaches the built-in (`alias ls 'ls -l'`). Any other return to an alias that is being
//! expanded is a loop: a usage error, never a hang.

use std::path::PathBuf;

use crate::error::UsageError;
use crate::listing::display_name;

/// How deeply aliases may name aliases before the expansion is refused.
pub const MAX_ALIAS_DEPTH: usize = 16;
/// How many commands one typed line may expand to (`alias a 'b;b'`, `alias b 'c;c'`, ...
/// doubles at each level).
pub const MAX_EXPANDED_COMMANDS: usize = 10_000;

/// Where a command's stdout goes instead of the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `> FILE`: created or truncated.
    Truncate(PathBuf),
    /// `>> FILE`: created or appended to.
    Append(PathBuf),
    /// `| CMD`: the stdin of `sh -c CMD`.
    Pipe(String),
}

/// Split `ls -l > out` into the command and its redirect. Only a `>`, `>>` or `|` outside
/// quotes and not escaped counts (`ls 'a > b'` has none). The caller has already handled
/// `!CMD`/`shell CMD`, whose text belongs to the local shell, `>` included.
pub fn split_redirect(text: &str) -> Result<(&str, Option<Redirect>), UsageError> {
    let Some((at, op)) = find_operator(text) else {
        return Ok((text, None));
    };
    let cmd = text[..at].trim();
    let rest = text[at + op.len()..].trim();
    if cmd.is_empty() {
        return Err(UsageError(format!("{op}: missing command before '{op}'")));
    }
    if op == "|" {
        if rest.is_empty() {
            return Err(UsageError("|: missing command after '|'".to_string()));
        }
        return Ok((cmd, Some(Redirect::Pipe(rest.to_string()))));
    }
    let words = shell_words::split(rest).map_err(|e| UsageError(format!("bad quoting: {e}")))?;
    let file = match words.as_slice() {
        [one] if !one.is_empty() => super::expand_tilde(one),
        [] | [_] => return Err(UsageError(format!("{op}: missing file name after '{op}'"))),
        _ => {
            return Err(UsageError(format!(
                "{op}: one file name expected after '{op}', got '{}'",
                display_name(rest)
            )));
        }
    };
    Ok((
        cmd,
        Some(if op == ">>" {
            Redirect::Append(file)
        } else {
            Redirect::Truncate(file)
        }),
    ))
}

/// The byte offset and text of the first unquoted, unescaped `>`, `>>` or `|`.
fn find_operator(text: &str) -> Option<(usize, &'static str)> {
    let (mut single, mut double) = (false, false);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if !single => {
                chars.next();
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '|' if !single && !double => return Some((i, "|")),
            '>' if !single && !double => {
                return Some(if chars.peek().is_some_and(|(_, n)| *n == '>') {
                    (i, ">>")
                } else {
                    (i, ">")
                });
            }
            _ => {}
        }
    }
    None
}

/// The command word as typed and the raw text after it, when the word is a plain name
/// (an alias is never quoted or escaped).
pub fn alias_head(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let name = &text[..end];
    (!name.is_empty() && check_alias_name(name).is_ok()).then(|| (name, text[end..].trim()))
}

/// The text an alias stands for, with the words typed after it appended.
pub fn expand(body: &str, rest: &str) -> String {
    if rest.is_empty() {
        body.to_string()
    } else {
        format!("{body} {rest}")
    }
}

/// A name an alias may have: one plain word that the line parser reads back as itself.
pub fn check_alias_name(name: &str) -> Result<(), UsageError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || "'\"\\;|>!#=".contains(c);
    if name.is_empty() || name.starts_with('-') || name.chars().any(bad) {
        return Err(UsageError(format!(
            "alias: '{}': not a valid alias name (one word, without quotes, spaces or ;|>!#=)",
            display_name(name)
        )));
    }
    Ok(())
}

/// What an alias may stand for: at least one command, quotes balanced.
pub fn check_alias_body(name: &str, body: &str) -> Result<(), UsageError> {
    let (parts, unterminated) = super::split_commands(body);
    if unterminated {
        return Err(UsageError(format!(
            "alias {name}: unterminated quote in '{}'",
            display_name(body)
        )));
    }
    if parts.iter().all(|p| p.is_empty()) {
        return Err(UsageError(format!("alias {name}: empty command")));
    }
    Ok(())
}

/// The built-in command an alias name would hide (exact names and the table's own aliases,
/// not prefixes: `alias g ...` hides nothing, `g` was only ever a prefix).
pub fn shadowed_command(name: &str) -> Option<String> {
    super::names()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, canonical)| canonical)
}

/// The one-line error for an alias that came back to itself: `a -> b -> a`.
pub fn loop_error(chain: &[String], name: &str) -> UsageError {
    UsageError(format!(
        "{}: alias loop: {} -> {name}",
        chain.first().map_or(name, |s| s.as_str()),
        chain.join(" -> ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_found_outside_quotes_only() {
        assert_eq!(
            split_redirect("ls -l > out").unwrap(),
            ("ls -l", Some(Redirect::Truncate("out".into())))
        );
        assert_eq!(
            split_redirect("ls>>'my file'").unwrap(),
            ("ls", Some(Redirect::Append("my file".into())))
        );
        assert_eq!(
            split_redirect("cat f | grep x | wc -l").unwrap(),
            ("cat f", Some(Redirect::Pipe("grep x | wc -l".into())))
        );
        for plain in ["ls 'a > b'", "ls \"a|b\"", "ls a\\>b", "get x"] {
            assert_eq!(split_redirect(plain).unwrap(), (plain, None), "{plain}");
        }
        // Inside one kind of quotes the other kind and a backslash are plain characters.
        for (line, cmd) in [
            (r"ls 'a\' > out", r"ls 'a\'"),
            (r#"ls "it's" > out"#, r#"ls "it's""#),
            (r#"ls 'say "hi' > out"#, r#"ls 'say "hi'"#),
        ] {
            assert_eq!(
                split_redirect(line).unwrap(),
                (cmd, Some(Redirect::Truncate("out".into()))),
                "{line}"
            );
        }
    }

    #[test]
    fn a_redirect_without_a_target_is_a_usage_error() {
        for (line, want) in [
            ("ls >", ">: missing file name after '>'"),
            ("ls >> ''", ">>: missing file name after '>>'"),
            ("ls |", "|: missing command after '|'"),
            ("> f", ">: missing command before '>'"),
            ("ls > a b", ">: one file name expected after '>', got 'a b'"),
        ] {
            assert_eq!(split_redirect(line).unwrap_err().0, want, "{line}");
        }
    }

    #[test]
    fn alias_names_are_plain_words() {
        assert_eq!(alias_head("up pub x"), Some(("up", "pub x")));
        assert_eq!(alias_head("ll"), Some(("ll", "")));
        assert_eq!(alias_head("'up' x"), None);
        for bad in ["", "a b", "-x", "a;b", "a>b", "!x", "a=b"] {
            assert!(check_alias_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_alias_body("x", "ls 'a").is_err());
        assert!(check_alias_body("x", " ; ").is_err());
        assert!(check_alias_body("x", "cd ..; ls").is_ok());
        assert_eq!(shadowed_command("quit").as_deref(), Some("bye"));
        assert_eq!(shadowed_command("g"), None);
        assert_eq!(expand("cd ..; ls", "pub"), "cd ..; ls pub");
        assert_eq!(
            loop_error(&["a".into(), "b".into()], "a").0,
            "a: alias loop: a -> b -> a"
        );
    }
}
