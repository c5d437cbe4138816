//! The netrc credentials file: `machine`/`default` entries with `login` and `password`.

use std::path::Path;

use anyhow::Result;

use crate::error::LocalError;

/// One netrc entry that applies to a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    pub login: Option<String>,
    pub password: Option<String>,
}

/// Look `host` up in the netrc file (`--netrc-file`, else `~/.netrc`): its `machine` entry,
/// else the `default` entry. A missing default file is not an error; a missing explicit one is.
pub fn netrc_lookup(explicit: Option<&Path>, host: &str) -> Result<Option<NetrcEntry>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match directories::BaseDirs::new() {
            Some(b) => b.home_dir().join(".netrc"),
            None => return Ok(None),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None);
        }
        Err(e) => return Err(LocalError::new(format!("netrc {}", path.display()), e).into()),
    };
    Ok(parse_netrc(&text, host))
}

/// Parse netrc text (tokens separated by white space; `macdef` bodies run to a blank line).
pub fn parse_netrc(text: &str, host: &str) -> Option<NetrcEntry> {
    let mut found: Option<NetrcEntry> = None;
    let mut default: Option<NetrcEntry> = None;
    // Which entry the following login/password belong to: 0 other, 1 ours, 2 default.
    let mut current = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut tokens = line.split_whitespace();
        while let Some(tok) = tokens.next() {
            match tok {
                "machine" => {
                    let name = tokens.next().unwrap_or("");
                    current = if found.is_none() && name.eq_ignore_ascii_case(host) {
                        found = Some(NetrcEntry {
                            login: None,
                            password: None,
                        });
                        1
                    } else {
                        0
                    };
                }
                "default" => {
                    default = Some(NetrcEntry {
                        login: None,
                        password: None,
                    });
                    current = 2;
                }
                "login" | "password" | "account" => {
                    let value = tokens.next().map(str::to_string);
                    let entry = match current {
                        1 => found.as_mut(),
                        2 => default.as_mut(),
                        _ => None,
                    };
                    if let Some(e) = entry {
                        match tok {
                            "login" => e.login = value,
                            "password" => e.password = value,
                            _ => {}
                        }
                    }
                }
                "macdef" => {
                    // The macro body is everything up to the next empty line.
                    for l in lines.by_ref() {
                        if l.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    found.or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_machine_and_default() {
        let text = "machine a.example login alice password s3cret\n\
                    macdef init\ncd pub\n\n\
                    machine b.example\n  login bob\n  password pw\n\
                    default login anonymous password me@\n";
        assert_eq!(
            parse_netrc(text, "b.example"),
            Some(NetrcEntry {
                login: Some("bob".into()),
                password: Some("pw".into())
            })
        );
        assert_eq!(
            parse_netrc(text, "A.EXAMPLE").unwrap().password.as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            parse_netrc(text, "other").unwrap().login.as_deref(),
            Some("anonymous")
        );
        assert_eq!(parse_netrc("machine x login y", "z"), None);
    }

    /// A macro's body is commands, not entries: words in it that look like netrc tokens
    /// neither add a machine nor change the entry before it.
    #[test]
    fn netrc_macdef_bodies_are_skipped_to_the_blank_line() {
        let text = "machine a.example login alice password s3cret\n\
                    macdef init\n\
                    machine b.example login mallory password stolen\n\
                    login eve\n\n\
                    machine b.example login bob password pw\n";
        assert_eq!(
            parse_netrc(text, "b.example").unwrap().login.as_deref(),
            Some("bob")
        );
        assert_eq!(
            parse_netrc(text, "a.example").unwrap().login.as_deref(),
            Some("alice")
        );
    }
}
