//! Tab completion for the REPL, driven by the command table.
//!
//! The first word completes to command names and aliases. An argument completes to whatever
//! the table says it is: the value parser's type says remote path, local path or command
//! name, and `ValueHint::DirPath` says directories only. Remote candidates come from the
//! session's per-directory listing cache, fetched on Tab with a short timeout when missing.
//! Nothing here runs on an ordinary keystroke. Candidates are quoted with backslashes so the
//! line parser reads them back as the same names.

use std::cell::RefCell;
use std::rc::Rc;

use clap::ValueHint;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::commands::{self, ArgType};
use crate::exec::Runner;
use crate::listing::Kind;
use crate::session::remote_join;

pub struct ShellHelper {
    names: Vec<String>,
    runner: Option<Rc<RefCell<Runner>>>,
}

/// What the word under the cursor is, according to the table.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgKind {
    Command,
    Flag,
    Remote {
        dirs_only: bool,
    },
    Local {
        dirs_only: bool,
    },
    /// A name from the settings table (`set`, `unset`).
    Setting,
    /// A value of this setting (`set NAME `): its choices, or on/off.
    SettingValue(String),
    /// A bookmark of config.toml (`open`, `bookmark rm`, `bookmark edit`).
    Bookmark,
    /// One of these actions of the command (`bookmark add|list|rm|edit`).
    Subcommand(Vec<String>),
    Nothing,
}

impl ShellHelper {
    pub fn new(runner: Option<Rc<RefCell<Runner>>>) -> ShellHelper {
        let mut names: Vec<String> = commands::names().into_iter().map(|(n, _)| n).collect();
        names.sort();
        names.dedup();
        ShellHelper { names, runner }
    }

    /// Command names and the shell's aliases.
    fn complete_command(&self, word: &str) -> Vec<Pair> {
        let aliases: Vec<String> = self
            .runner
            .as_ref()
            .and_then(|r| r.try_borrow().ok())
            .map(|r| r.shell.aliases.keys().cloned().collect())
            .unwrap_or_default();
        let mut names: Vec<&String> = self.names.iter().chain(&aliases).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| n.starts_with(word) && n.as_str() != "!")
            .map(|n| Pair {
                display: n.clone(),
                replacement: format!("{n} "),
            })
            .collect()
    }

    fn complete_words<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<Pair> {
        candidates
            .filter(|c| c.starts_with(word))
            .map(|c| Pair {
                display: c.to_string(),
                replacement: format!("{c} "),
            })
            .collect()
    }

    /// Bookmark names from the config file the shell read (no I/O).
    fn complete_bookmark(&self, word: &str) -> Vec<Pair> {
        let Some(Ok(runner)) = self.runner.as_ref().map(|r| r.try_borrow()) else {
            return Vec::new();
        };
        let names = runner.session.config.bookmarks.keys().map(String::as_str);
        Self::complete_words(word, names)
    }

    fn complete_remote(&self, word: &str, dirs_only: bool) -> Vec<Pair> {
        let Some(runner) = &self.runner else {
            return Vec::new();
        };
        // The REPL never holds the runner while reading a line; if it somehow does, offer
        // nothing rather than wait.
        let Ok(mut runner) = runner.try_borrow_mut() else {
            return Vec::new();
        };
        let Some(cwd) = runner.session.cwd().map(str::to_string) else {
            return Vec::new();
        };
        let (dir_part, prefix) = split_dir(word);
        let dir = remote_join(&cwd, if dir_part.is_empty() { "." } else { dir_part });
        let entries = runner.session.completion_listing(&dir);
        remote_candidates(entries, dir_part, prefix, dirs_only)
    }

    fn complete_local(&self, word: &str, dirs_only: bool) -> Vec<Pair> {
        // `~` is the home directory (the parser expands it in every local path, see
        // `commands::expand_tilde`): `~` completes to `~/`, and `~/x` lists $HOME while the
        // line keeps the `~` as typed.
        let tilde = word == "~" || word.starts_with("~/");
        if word == "~" {
            return if commands::expand_tilde("~") == std::path::Path::new("~") {
                Vec::new()
            } else {
                vec![Pair {
                    display: "~/".into(),
                    replacement: "~/".into(),
                }]
            };
        }
        let (dir_part, prefix) = split_dir(word);
        let dir = if dir_part.is_empty() {
            std::path::PathBuf::from(".")
        } else {
            commands::expand_tilde(dir_part)
        };
        let Ok(read) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in read.flatten() {
            let Ok(name) = item.file_name().into_string() else {
                continue;
            };
            if !name.starts_with(prefix) || !typeable(&name) {
                continue;
            }
            if name.starts_with('.') && !prefix.starts_with('.') {
                continue;
            }
            // Follow symlinks: a link to a directory completes like one.
            let is_dir = std::fs::metadata(item.path()).is_ok_and(|m| m.is_dir());
            if dirs_only && !is_dir {
                continue;
            }
            let mut c = candidate(dir_part, &name, is_dir);
            if tilde && let Some(rest) = c.replacement.strip_prefix("\\~") {
                // Unescaped, so it still means the home directory.
                c.replacement = format!("~{rest}");
            }
            out.push(c);
        }
        out.sort_by(|a, b| a.display.cmp(&b.display));
        out
    }

    fn complete_flag(&self, command: &str, word: &str) -> Vec<Pair> {
        let mut table = commands::table();
        let Some(sub) = table.find_subcommand_mut(command) else {
            return Vec::new();
        };
        let mut out: Vec<Pair> = sub
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .filter(|f| f.starts_with(word))
            .map(|f| Pair {
                display: f.clone(),
                replacement: format!("{f} "),
            })
            .collect();
        out.sort_by(|a, b| a.display.cmp(&b.display));
        out
    }
}

/// `pub/deb` → (`pub/`, `deb`); `deb` → (``, `deb`).
fn split_dir(word: &str) -> (&str, &str) {
    match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    }
}

/// The candidates for `dir_part` + `prefix` among a remote directory's entries.
fn remote_candidates(
    entries: Vec<crate::listing::Entry>,
    dir_part: &str,
    prefix: &str,
    dirs_only: bool,
) -> Vec<Pair> {
    let mut out = Vec::new();
    for e in entries {
        if e.raw.is_some() || !e.name.starts_with(prefix) || !typeable(&e.name) {
            continue;
        }
        if e.name.starts_with('.') && !prefix.starts_with('.') {
            continue;
        }
        // A link may point at a directory; offer it for cd too.
        let is_dir = e.kind == Kind::Dir;
        if dirs_only && !matches!(e.kind, Kind::Dir | Kind::Link) {
            continue;
        }
        out.push(candidate(dir_part, &e.name, is_dir));
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

/// Names the terminal cannot show as they are (controls, bidi overrides) are not offered:
/// the replacement goes into the line editor, which would draw it raw. Bytes the charset
/// did not decode are offered: their private-use characters are harmless to draw, and they
/// go back to the server as the bytes they stand for (src/charset.rs).
fn typeable(name: &str) -> bool {
    !name.chars().any(crate::listing::is_unsafe_for_terminal)
}

fn candidate(dir_part: &str, name: &str, is_dir: bool) -> Pair {
    let full = format!("{dir_part}{name}{}", if is_dir { "/" } else { "" });
    Pair {
        // The list rustyline prints: through the one cleaning function, whatever the caller
        // checked before.
        display: format!(
            "{}{}",
            crate::listing::display_name(name),
            if is_dir { "/" } else { "" }
        ),
        // A finished file name gets a space; a directory waits for more.
        replacement: format!("{}{}", quote(&full), if is_dir { "" } else { " " }),
    }
}

/// Backslash-quote the characters a POSIX shell (and `shell-words`) treats specially.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if " \t'\"\\$`;&|<>()*?[]{}#~!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Split the text before the cursor into the current command's finished words and the word
/// being typed (unquoted), with the byte offset where that word starts.
pub fn current_words(before: &str) -> (Vec<String>, String, usize) {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut in_word = false;
    let (mut single, mut double) = (false, false);
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !in_word && !c.is_whitespace() && c != ';' {
            in_word = true;
            start = i;
        }
        match c {
            '\\' if !single => {
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            ';' if !single && !double => {
                words.clear();
                cur.clear();
                in_word = false;
            }
            c if c.is_whitespace() && !single && !double => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => cur.push(c),
        }
    }
    if !in_word {
        start = before.len();
    }
    (words, cur, start)
}

/// What the table says the next word of `command` is, given the words already typed.
pub fn arg_kind(command: &str, typed: &[String], current: &str) -> ArgKind {
    if command == "shell" {
        return ArgKind::Local { dirs_only: false };
    }
    let mut table = commands::table();
    let Some(mut sub) = table.find_subcommand_mut(command) else {
        return ArgKind::Nothing;
    };
    if current.starts_with('-') {
        return ArgKind::Flag;
    }
    // A command with actions of its own (`bookmark rm NAME`): the first word is the action,
    // and the words after it are the action's arguments.
    let mut typed = typed;
    while sub.has_subcommands() {
        let Some(first) = typed.first() else {
            return ArgKind::Subcommand(
                sub.get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect(),
            );
        };
        match sub.find_subcommand_mut(first) {
            Some(action) => {
                sub = action;
                typed = &typed[1..];
            }
            None => return ArgKind::Nothing,
        }
    }
    // `set NAME VALUE`: the value's kind comes from the settings table, not from clap.
    if command == "set" && typed.len() == 1 && crate::settings::def(&typed[0]).is_some() {
        return ArgKind::SettingValue(typed[0].clone());
    }
    let mut expecting: Option<clap::Arg> = None;
    let mut positionals = 0;
    for w in typed {
        if expecting.take().is_some() {
            continue;
        }
        let option = if let Some(long) = w.strip_prefix("--") {
            sub.get_arguments().find(|a| a.get_long() == Some(long))
        } else if w.len() > 1 && w.starts_with('-') {
            let last = w.chars().last().unwrap_or('-');
            sub.get_arguments().find(|a| a.get_short() == Some(last))
        } else {
            positionals += 1;
            None
        };
        if let Some(a) = option
            && a.get_action().takes_values()
        {
            expecting = Some(a.clone());
        }
    }
    let arg = match expecting {
        Some(a) => a,
        None => {
            let pos: Vec<&clap::Arg> = sub.get_positionals().collect();
            let Some(last) = pos.last() else {
                return ArgKind::Nothing;
            };
            let multi = last.get_num_args().is_some_and(|r| r.max_values() > 1);
            match pos.get(positionals) {
                Some(a) => (*a).clone(),
                None if multi => (*last).clone(),
                None => return ArgKind::Nothing,
            }
        }
    };
    let dirs_only = arg.get_value_hint() == ValueHint::DirPath;
    match commands::arg_type(&arg) {
        ArgType::Remote => ArgKind::Remote { dirs_only },
        ArgType::Local => ArgKind::Local { dirs_only },
        ArgType::Command => ArgKind::Command,
        ArgType::Setting => ArgKind::Setting,
        ArgType::Bookmark => ArgKind::Bookmark,
        ArgType::Other => ArgKind::Nothing,
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
        let (words, current, start) = current_words(before);
        if words.is_empty() {
            return Ok((start, self.complete_command(&current)));
        }
        let command = if words[0].starts_with('!') {
            "shell".to_string()
        } else {
            match commands::resolve_name(&words[0]) {
                Ok(c) => c,
                Err(_) => return Ok((pos, Vec::new())),
            }
        };
        let candidates = match arg_kind(&command, &words[1..], &current) {
            ArgKind::Command => self
                .complete_command(&current)
                .into_iter()
                .map(|mut p| {
                    p.replacement = p.replacement.trim_end().to_string();
                    p
                })
                .collect(),
            ArgKind::Flag => self.complete_flag(&command, &current),
            ArgKind::Remote { dirs_only } => self.complete_remote(&current, dirs_only),
            ArgKind::Local { dirs_only } => self.complete_local(&current, dirs_only),
            ArgKind::Setting => Self::complete_words(&current, crate::settings::names()),
            ArgKind::SettingValue(name) => {
                Self::complete_words(&current, crate::settings::values(&name).iter().copied())
            }
            ArgKind::Bookmark => self.complete_bookmark(&current),
            ArgKind::Subcommand(names) => {
                Self::complete_words(&current, names.iter().map(String::as_str))
            }
            ArgKind::Nothing => Vec::new(),
        };
        Ok((start, candidates))
    }
}

/// The hint shows why the last Tab offered nothing when the connection was the reason (the
/// server dropped it and logging in again failed), after the cursor, until the line is run.
/// It reads a note the completer left; it never touches the network.
impl Hinter for ShellHelper {
    type Hint = String;

    fn hint(&self, _line: &str, _pos: usize, _ctx: &Context<'_>) -> Option<String> {
        let runner = self.runner.as_ref()?.try_borrow().ok()?;
        let note = runner.session.completion_note.as_ref()?;
        Some(format!("  ({})", crate::listing::display_name(note)))
    }
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(line: &str) -> ArgKind {
        let (words, current, _) = current_words(line);
        let cmd = commands::resolve_name(&words[0]).unwrap();
        arg_kind(&cmd, &words[1..], &current)
    }

    #[test]
    fn command_names_complete_from_the_table() {
        let h = ShellHelper::new(None);
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

    #[test]
    fn the_table_says_what_an_argument_is() {
        assert_eq!(kind("get pub/de"), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("get a b "), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("get -o "), ArgKind::Local { dirs_only: false });
        assert_eq!(kind("get -c -o x "), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("put "), ArgKind::Local { dirs_only: false });
        assert_eq!(kind("put -o "), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("cd "), ArgKind::Remote { dirs_only: true });
        assert_eq!(kind("lcd "), ArgKind::Local { dirs_only: true });
        assert_eq!(kind("lls "), ArgKind::Local { dirs_only: false });
        assert_eq!(kind("mv a "), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("mv a b "), ArgKind::Nothing);
        assert_eq!(kind("help "), ArgKind::Command);
        assert_eq!(kind("chmod "), ArgKind::Nothing);
        assert_eq!(kind("chmod 644 "), ArgKind::Remote { dirs_only: false });
        assert_eq!(kind("pwd "), ArgKind::Nothing);
        assert_eq!(kind("ls --"), ArgKind::Flag);
        assert_eq!(kind("set "), ArgKind::Setting);
        assert_eq!(kind("set tl"), ArgKind::Setting);
        assert_eq!(kind("unset "), ArgKind::Setting);
        assert_eq!(kind("set tls "), ArgKind::SettingValue("tls".into()));
        assert_eq!(kind("open "), ArgKind::Bookmark);
        assert_eq!(kind("open -u me "), ArgKind::Bookmark);
        assert_eq!(kind("bookmark rm "), ArgKind::Bookmark);
        assert_eq!(kind("bookmark rm zeb"), ArgKind::Bookmark);
        assert_eq!(kind("bookmark edit "), ArgKind::Bookmark);
        assert_eq!(kind("bookmark rm x "), ArgKind::Nothing);
        assert_eq!(kind("bookmark list "), ArgKind::Nothing);
        assert_eq!(
            kind("bookmark r"),
            ArgKind::Subcommand(vec![
                "add".into(),
                "list".into(),
                "rm".into(),
                "edit".into()
            ])
        );
    }

    #[test]
    fn setting_names_and_values_complete_from_the_settings_table() {
        let names = |w: &str| -> Vec<String> {
            ShellHelper::complete_words(w, crate::settings::names())
                .into_iter()
                .map(|p| p.display)
                .collect()
        };
        assert_eq!(names("ti"), ["timeout"]);
        assert_eq!(names("p"), ["parallel", "passive", "progress", "prompt"]);
        let v: Vec<String> =
            ShellHelper::complete_words("", crate::settings::values("tls").iter().copied())
                .into_iter()
                .map(|p| p.display)
                .collect();
        assert_eq!(v, ["auto", "on", "off"]);
    }

    #[test]
    fn words_are_unquoted_and_commands_split_on_semicolons() {
        let (w, c, s) = current_words("cd pub; get dir\\ with\\ sp");
        assert_eq!(w, vec!["get"]);
        assert_eq!(c, "dir with sp");
        assert_eq!(s, 12);
        let (w, c, s) = current_words("get 'a b");
        assert_eq!((w, c.as_str(), s), (vec!["get".to_string()], "a b", 4));
        let (w, c, s) = current_words("get ");
        assert_eq!((w.len(), c.as_str(), s), (1, "", 4));
    }

    #[test]
    fn quoted_candidates_parse_back_to_the_same_name() {
        for name in [
            "plain",
            "with space",
            "quote's",
            "dq\"x",
            "back\\slash",
            "naïve ü",
            "semi;colon",
            "$HOME*?[x]",
        ] {
            let q = quote(name);
            assert_eq!(
                shell_words::split(&q).unwrap(),
                vec![name.to_string()],
                "{q}"
            );
            assert_eq!(
                crate::commands::split_line(&format!("get {q}"))
                    .unwrap()
                    .len(),
                1
            );
        }
        assert!(!typeable("evil\x1b[2J"));
    }

    #[test]
    fn tab_candidates_never_show_hostile_names_raw() {
        let entry = |name: &str, kind: Kind| crate::listing::Entry {
            name: name.into(),
            kind,
            size: None,
            modified: None,
            precision: Default::default(),
            permissions: None,
            target: None,
            raw: None,
            facts: Vec::new(),
        };
        let entries = vec![
            entry("report\u{202E}fdp.exe", Kind::File),
            entry("re\x1b[2Jset", Kind::File),
            entry("re\u{2067}iso", Kind::Dir),
            entry("re\u{200F}mark", Kind::File),
            entry("real.txt", Kind::File),
            entry("redir", Kind::Dir),
        ];
        let got = remote_candidates(entries, "pub/", "re", false);
        let shown: Vec<(&str, &str)> = got
            .iter()
            .map(|p| (p.display.as_str(), p.replacement.as_str()))
            .collect();
        assert_eq!(
            shown,
            [("real.txt", "pub/real.txt "), ("redir/", "pub/redir/")]
        );
        // Whatever reaches a candidate, its display is clean.
        let p = candidate("", "x\u{202E}y\x1b]0;t\x07", false);
        assert_eq!(p.display, "x?y?]0;t?");
    }

    #[test]
    fn local_paths_complete_with_directories_marked() {
        let dir = std::env::temp_dir().join(format!("ftpsh-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub dir")).unwrap();
        std::fs::write(dir.join("file one.txt"), b"").unwrap();
        let h = ShellHelper::new(None);
        let base = format!("{}/", dir.display());
        let got: Vec<String> = h
            .complete_local(&base, false)
            .into_iter()
            .map(|p| p.replacement)
            .collect();
        assert_eq!(
            got,
            vec![
                format!("{}file\\ one.txt ", quote(&base)),
                format!("{}sub\\ dir/", quote(&base))
            ]
        );
        let dirs: Vec<String> = h
            .complete_local(&base, true)
            .into_iter()
            .map(|p| p.display)
            .collect();
        assert_eq!(dirs, vec!["sub dir/"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
