//! The settings table: one row per setting (name, type, default, allowed values, one-line
//! doc), and the layered values a running shell holds.
//!
//! [`TABLE`] is the single source for the `[settings]` section of config.toml (and a
//! bookmark's overrides), the `set`/`unset` commands, Tab completion of setting names and
//! values, the man page's SETTINGS section and validation: a setting added here appears in
//! all of them, and nowhere else needs a list of names. Values are kept as canonical text
//! (`on`, `30`, `auto`) after validation; typed getters read them back.

use std::collections::BTreeMap;

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `on`/`off` (also `true`/`false`, `yes`/`no`, `1`/`0`); a TOML boolean in the file.
    Bool,
    /// A whole number in `min..=max`; a TOML integer in the file.
    Int { min: u64, max: u64 },
    /// One of these words; a TOML string in the file.
    Choice(&'static [&'static str]),
    /// Any text without a line break; a TOML string in the file.
    Text,
    /// A character set name (`utf-8`, `shift_jis`, `latin1`, `cp1251`...); a TOML string.
    Charset,
}

/// One row of the table.
#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    pub kind: Kind,
    /// The default, written as `set` would accept it.
    pub default: &'static str,
    /// One line for `set`, the man page and the README.
    pub doc: &'static str,
}

/// Every setting. Order is the order of `set`'s listing and the man page.
pub const TABLE: &[Def] = &[
    Def {
        name: "timeout",
        kind: Kind::Int { min: 1, max: 86400 },
        default: "30",
        doc: "Connect and idle timeout in seconds (--timeout)",
    },
    Def {
        name: "parallel",
        kind: Kind::Int { min: 1, max: 16 },
        default: "1",
        doc: "Worker connections for get/put without -P (1: one file after the other)",
    },
    Def {
        name: "passive",
        kind: Kind::Bool,
        default: "on",
        doc: "Passive mode (EPSV, then PASV); off: active mode (--active)",
    },
    Def {
        name: "tls",
        kind: Kind::Choice(&["auto", "on", "off"]),
        default: "auto",
        doc: "TLS for new connections: auto (when offered, for a non-anonymous login), on \
              (--tls), off (--no-tls)",
    },
    Def {
        name: "progress",
        kind: Kind::Choice(&["auto", "bar", "plain", "json", "none"]),
        default: "auto",
        doc: "How transfers show progress on stderr (--progress)",
    },
    Def {
        name: "json",
        kind: Kind::Bool,
        default: "off",
        doc: "Write results as JSON lines on stdout (--json)",
    },
    Def {
        name: "clobber",
        kind: Kind::Bool,
        default: "on",
        doc: "Let get replace existing local files; off: leave them alone, as get -n does",
    },
    Def {
        name: "verify",
        kind: Kind::Bool,
        default: "off",
        doc: "Check every get, put, pget and mirror transfer against the server's checksum \
              when it offers one (HASH, XSHA256, XMD5...), as --verify does; quietly sizes \
              only on a server without checksums",
    },
    Def {
        name: "retries",
        kind: Kind::Int { min: 0, max: 100 },
        default: "3",
        doc: "Retries of a command or file that failed on a transient fault: 421, 425, 426, \
              450, 451, a lost connection, a timeout (--retries; 0: never)",
    },
    Def {
        name: "retry_delay",
        kind: Kind::Int { min: 0, max: 30 },
        default: "1",
        doc: "Seconds before the first retry; each wait doubles, up to 30, with jitter \
              (0: retry at once)",
    },
    Def {
        name: "retry_max_time",
        kind: Kind::Int { min: 0, max: 86400 },
        default: "0",
        doc: "Seconds after which a failing command is not retried again (--retry-max-time; \
              0: only --retries bounds it)",
    },
    Def {
        name: "stall_timeout",
        kind: Kind::Int { min: 1, max: 86400 },
        default: "60",
        doc: "Seconds without a byte on a data connection before a transfer or listing \
              counts as stalled, a transient fault (--stall-timeout)",
    },
    Def {
        name: "charset",
        kind: Kind::Charset,
        default: "utf-8",
        doc: "The character set of the server's file names (utf-8, shift_jis, latin1, \
              cp1251...); bytes it does not decode show as \\xNN and are sent back as they came",
    },
    Def {
        name: "color",
        kind: Kind::Choice(&["auto", "always", "never"]),
        default: "auto",
        doc: "Colour in listings: auto (a terminal and no NO_COLOR), always, never",
    },
    Def {
        name: "listing_limit",
        kind: Kind::Int {
            min: 1,
            max: 100_000_000,
        },
        default: "1000000",
        doc: "Most entries one listing may have before it is stopped",
    },
    Def {
        name: "prompt",
        kind: Kind::Text,
        default: "ftpsh %u@%h:%w> ",
        doc: "The shell's prompt while connected: %u user, %h host (:port if not the default), %p port, %w remote \
              directory, %W its last name, %% a percent sign",
    },
    Def {
        name: "history_size",
        kind: Kind::Int {
            min: 0,
            max: 1_000_000,
        },
        default: "1000",
        doc: "Lines of shell history kept",
    },
];

/// The row of a setting.
pub fn def(name: &str) -> Option<&'static Def> {
    TABLE.iter().find(|d| d.name == name)
}

/// Every setting name, in table order (completion, error hints).
pub fn names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|d| d.name)
}

/// The values Tab offers for a setting: its choices, or on/off.
pub fn values(name: &str) -> &'static [&'static str] {
    match def(name).map(|d| d.kind) {
        Some(Kind::Choice(c)) => c,
        Some(Kind::Bool) => &["on", "off"],
        _ => &[],
    }
}

/// `unknown setting 'timout' (did you mean 'timeout'?)`.
pub fn unknown(name: &str) -> String {
    let shown = crate::listing::display_name(name);
    match did_you_mean(name, names()) {
        Some(s) => format!("unknown setting '{shown}' (did you mean '{s}'?)"),
        None => format!(
            "unknown setting '{shown}' (settings: {})",
            names().collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The closest candidate within a small edit distance, for "did you mean".
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Check `text` against the setting's kind and return its canonical form (`yes` → `on`).
/// The error says what is allowed, without the name (callers add where it came from).
pub fn validate(def: &Def, text: &str) -> Result<String, String> {
    let shown = crate::listing::display_name(text);
    match def.kind {
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok("on".into()),
            "off" | "false" | "no" | "0" => Ok("off".into()),
            _ => Err(format!("'{shown}' is not on or off")),
        },
        Kind::Int { min, max } => match text.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(format!("'{shown}' is not a number from {min} to {max}")),
        },
        Kind::Choice(choices) => {
            let lower = text.to_ascii_lowercase();
            if choices.contains(&lower.as_str()) {
                Ok(lower)
            } else {
                Err(format!("'{shown}' is not one of {}", choices.join(", ")))
            }
        }
        Kind::Charset => match crate::charset::Charset::for_label(text) {
            Some(c) => Ok(c.name().to_ascii_lowercase()),
            None => Err(format!(
                "'{shown}' is not a character set ftpsh knows (utf-8, shift_jis, euc-jp, \
                 gbk, big5, euc-kr, latin1, cp1251, koi8-r, iso-8859-2...)"
            )),
        },
        Kind::Text => {
            if text.contains(['\r', '\n']) {
                Err("a line break is not allowed".into())
            } else {
                Ok(text.to_string())
            }
        }
    }
}

/// Where a setting's value came from, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Default,
    /// config.toml's `[settings]`, or the connected bookmark's overrides.
    File,
    /// A command-line flag (`--timeout`, `--json`, ...).
    Flag,
    /// `set` in the running shell.
    Set,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Flag => "flag",
            Source::Set => "set",
        }
    }
}

/// The layers of every setting. `set` beats a flag, a flag beats the file, the file beats
/// the default; `unset` drops the `set` layer only.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    layers: BTreeMap<&'static str, [Option<String>; 3]>,
}

impl Settings {
    /// Put a validated value in a layer (`Source::Default` is the table and cannot be set).
    pub fn put(&mut self, source: Source, name: &str, value: String) {
        let Some(d) = def(name) else { return };
        let slot = match source {
            Source::Default => return,
            Source::File => 0,
            Source::Flag => 1,
            Source::Set => 2,
        };
        self.layers.entry(d.name).or_default()[slot] = Some(value);
    }

    /// Validate `text` and put it in a layer.
    pub fn set(&mut self, source: Source, name: &str, text: &str) -> Result<(), String> {
        let d = def(name).ok_or_else(|| unknown(name))?;
        let v = validate(d, text).map_err(|e| format!("{}: {e}", d.name))?;
        self.put(source, d.name, v);
        Ok(())
    }

    /// Drop the `set` layer: back to the flag, file or default value.
    pub fn unset(&mut self, name: &str) {
        if let Some(l) = self.layers.get_mut(name) {
            l[2] = None;
        }
    }

    /// Drop one layer of every setting (`open NAME` rebuilds the file's layer with the
    /// bookmark's overrides).
    pub fn clear(&mut self, source: Source) {
        let slot = match source {
            Source::Default => return,
            Source::File => 0,
            Source::Flag => 1,
            Source::Set => 2,
        };
        for l in self.layers.values_mut() {
            l[slot] = None;
        }
    }

    /// The value in force and where it came from.
    pub fn get(&self, name: &str) -> (String, Source) {
        if let Some(l) = self.layers.get(name) {
            for (slot, source) in [(2, Source::Set), (1, Source::Flag), (0, Source::File)] {
                if let Some(v) = &l[slot] {
                    return (v.clone(), source);
                }
            }
        }
        (
            def(name).map_or_else(String::new, |d| d.default.to_string()),
            Source::Default,
        )
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).0
    }

    pub fn bool(&self, name: &str) -> bool {
        self.text(name) == "on"
    }

    pub fn number(&self, name: &str) -> u64 {
        let v = self.text(name).parse().ok();
        // A stored value was validated; the default is checked by the table's tests.
        v.unwrap_or_else(|| def(name).and_then(|d| d.default.parse().ok()).unwrap_or(0))
    }
}

/// The prompt from its format: `%u` user, `%h` host, `%p` port, `%w` remote directory, `%W`
/// its last name, `%%` a percent sign; any other `%x` is kept as written.
pub fn render_prompt(format: &str, user: &str, host: &str, port: u16, cwd: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => out.push_str(user),
            Some('h') => out.push_str(host),
            Some('p') => out.push_str(&port.to_string()),
            Some('w') => out.push_str(cwd),
            Some('W') => {
                let t = cwd.trim_end_matches('/');
                out.push_str(match t.rsplit_once('/') {
                    Some((_, last)) if !last.is_empty() => last,
                    _ => "/",
                })
            }
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for d in TABLE {
            assert!(seen.insert(d.name), "{} twice", d.name);
            assert!(
                d.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                d.name
            );
        }
    }

    #[test]
    fn every_setting_is_documented() {
        for d in TABLE {
            assert!(!d.doc.is_empty(), "{} has no doc", d.name);
            assert!(!d.doc.contains('\n'), "{}: one line", d.name);
            assert!(d.doc.starts_with(char::is_uppercase), "{}", d.name);
        }
    }

    #[test]
    fn defaults_are_valid_and_canonical() {
        for d in TABLE {
            assert_eq!(
                validate(d, d.default).as_deref(),
                Ok(d.default),
                "{}",
                d.name
            );
            if let Kind::Choice(c) = d.kind {
                assert!(c.contains(&d.default));
            }
        }
    }

    /// The settings the brief names, so a row cannot vanish unnoticed.
    #[test]
    fn table_has_the_issue_10_settings() {
        for n in [
            "timeout",
            "parallel",
            "passive",
            "tls",
            "progress",
            "json",
            "clobber",
            "verify",
            "retries",
            "retry_delay",
            "retry_max_time",
            "stall_timeout",
            "charset",
            "color",
            "listing_limit",
            "prompt",
            "history_size",
        ] {
            assert!(def(n).is_some(), "{n}");
        }
        // The progress choices are ProgressMode's.
        use clap::ValueEnum;
        let modes: Vec<String> = crate::output::progress::ProgressMode::value_variants()
            .iter()
            .map(|m| m.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(values("progress"), modes);
    }

    #[test]
    fn validation_canonicalises_and_refuses() {
        let d = def("passive").unwrap();
        assert_eq!(validate(d, "YES").unwrap(), "on");
        assert_eq!(validate(d, "0").unwrap(), "off");
        assert_eq!(
            validate(d, "maybe").unwrap_err(),
            "'maybe' is not on or off"
        );
        let d = def("parallel").unwrap();
        assert_eq!(
            validate(d, "17").unwrap_err(),
            "'17' is not a number from 1 to 16"
        );
        assert_eq!(validate(d, "16").unwrap(), "16");
        let d = def("tls").unwrap();
        assert_eq!(
            validate(d, "maybe").unwrap_err(),
            "'maybe' is not one of auto, on, off"
        );
        assert!(validate(def("prompt").unwrap(), "a\nb").is_err());
    }

    #[test]
    fn precedence_set_flag_file_default() {
        let mut s = Settings::default();
        assert_eq!(s.get("timeout"), ("30".into(), Source::Default));
        s.set(Source::File, "timeout", "10").unwrap();
        assert_eq!(s.get("timeout"), ("10".into(), Source::File));
        s.set(Source::Flag, "timeout", "20").unwrap();
        assert_eq!(s.get("timeout"), ("20".into(), Source::Flag));
        s.set(Source::Set, "timeout", "40").unwrap();
        assert_eq!(s.get("timeout"), ("40".into(), Source::Set));
        assert_eq!(s.number("timeout"), 40);
        s.unset("timeout");
        assert_eq!(s.get("timeout"), ("20".into(), Source::Flag));
        assert_eq!(
            s.set(Source::Set, "timout", "1").unwrap_err(),
            "unknown setting 'timout' (did you mean 'timeout'?)"
        );
    }

    #[test]
    fn prompt_format() {
        assert_eq!(
            render_prompt("ftpsh %u@%h:%w> ", "anonymous", "h", 21, "/pub"),
            "ftpsh anonymous@h:/pub> "
        );
        assert_eq!(
            render_prompt("%W %p %% %x%", "u", "h", 2121, "/a/b/"),
            "b 2121 % %x%"
        );
        assert_eq!(render_prompt("%W", "u", "h", 21, "/"), "/");
    }
}
