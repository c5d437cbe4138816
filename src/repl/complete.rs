//! Tab completion for the REPL. Candidates come from the command table (names and aliases);
//! nothing here touches the network on an ordinary keystroke.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::commands;

pub struct ShellHelper {
    names: Vec<String>,
}

impl ShellHelper {
    pub fn new() -> ShellHelper {
        let mut names: Vec<String> = commands::names().into_iter().map(|(n, _)| n).collect();
        names.sort();
        names.dedup();
        ShellHelper { names }
    }

    /// Complete the first word of a command: names and aliases that start with it.
    fn complete_command(&self, word: &str) -> Vec<Pair> {
        self.names
            .iter()
            .filter(|n| n.starts_with(word) && n.as_str() != "!")
            .map(|n| Pair {
                display: n.clone(),
                replacement: format!("{n} "),
            })
            .collect()
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        // Only the current command matters: the text after the last unquoted ';'.
        let start = before.rfind(';').map(|i| i + 1).unwrap_or(0);
        let current = &before[start..];
        let lead = current.len() - current.trim_start().len();
        let current = current.trim_start();
        if !current.contains(char::is_whitespace) {
            return Ok((start + lead, self.complete_command(current)));
        }
        Ok((pos, Vec::new()))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_complete_from_the_table() {
        let h = ShellHelper::new();
        let c: Vec<String> = h
            .complete_command("mk")
            .into_iter()
            .map(|p| p.display)
            .collect();
        assert_eq!(c, vec!["mkdir"]);
        let c: Vec<String> = h
            .complete_command("q")
            .into_iter()
            .map(|p| p.display)
            .collect();
        assert_eq!(c, vec!["quit", "quote"]);
    }
}
