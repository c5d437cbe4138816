//! MLSD lines (RFC 3659 section 7): `fact=value;fact=value; name`.
//!
//! Beyond the RFC, what servers really send (FileZilla's parser tests collect them): the
//! separator before the name may be a tab, or missing after the last `;`; old drafts put no
//! `;` after the last fact; symlinks are `type=OS.unix=slink:target`, `OS.unix=symlink` or
//! `type=link`. Facts we do not interpret are kept in [`Entry::facts`].

use chrono::{DateTime, NaiveDate, Utc};

use super::text::{all_digits, is_dot_name, trim_eol};
use super::{Entry, Kind, Precision};

/// Parses one MLSD line. Fact names and type values are case-insensitive; the name is kept
/// exactly. Returns `None` for cdir/pdir entries, "." / ".." and blank lines; a line that is
/// not a fact line comes back as a raw entry.
pub fn parse_mlsd_line(line: &str) -> Option<Entry> {
    let line = trim_eol(line);
    // A bare "." or ".." line (seen from servers that ignore the fact list)
    // is the same noise as a cdir/pdir entry.
    if line.trim().is_empty() || is_dot_name(line.trim()) {
        return None;
    }
    match parse_facts(line) {
        Parsed::Entry(e) => Some(e),
        Parsed::Skip => None,
        Parsed::NotFacts => Some(Entry::unparsed(line)),
    }
}

/// A LIST line that is in fact an MLSD line (some servers answer LIST that way): only when
/// it names its type, so that no other family's line is taken for one.
pub(super) fn parse_as_list(line: &str) -> Option<Option<Entry>> {
    if !has_type(line) {
        return None;
    }
    match parse_facts(line) {
        Parsed::Entry(e) => Some(Some(e)),
        Parsed::Skip => Some(None),
        Parsed::NotFacts => None,
    }
}

fn has_type(line: &str) -> bool {
    let facts = line.split([' ', '\t']).next().unwrap_or("");
    facts
        .split(';')
        .any(|f| f.get(..5).is_some_and(|k| k.eq_ignore_ascii_case("type=")))
}

enum Parsed {
    Entry(Entry),
    /// cdir, pdir, "." and "..".
    Skip,
    NotFacts,
}

/// The facts and the name. Each fact is `name=value` ended by `;`; after the last one comes
/// the name, after one space (the RFC), one tab, or nothing at all (servers that forget the
/// space). An old draft form ends the last fact with the space instead of `;`.
fn parse_facts(line: &str) -> Parsed {
    let mut rest = line;
    let mut facts = Facts::default();
    let name = loop {
        if let Some(name) = rest.strip_prefix([' ', '\t']) {
            break name;
        }
        // No space before the name: the rest is the name when it cannot be a fact.
        if !rest.contains('=') {
            if facts.count == 0 {
                return Parsed::NotFacts;
            }
            break rest;
        }
        let Some((key, after_key)) = rest.split_once('=') else {
            return Parsed::NotFacts;
        };
        if key.is_empty() || key.contains([' ', '\t', ';']) {
            return Parsed::NotFacts;
        }
        let (value, next) = match after_key.split_once(';') {
            Some((v, n)) => (v, n),
            // Old drafts: `type=file name`, no `;` after the last fact.
            None => match after_key.split_once(' ') {
                Some((v, _)) => (v, after_key.get(v.len()..).unwrap_or("")),
                None => return Parsed::NotFacts,
            },
        };
        if !facts.add(key, value) {
            return Parsed::Skip;
        }
        rest = next;
    };
    if name.is_empty() {
        return Parsed::NotFacts;
    }
    if is_dot_name(name) {
        return Parsed::Skip;
    }
    Parsed::Entry(facts.into_entry(name))
}

/// What the facts of one line said.
#[derive(Default)]
struct Facts {
    count: usize,
    kind: Option<Kind>,
    target: Option<String>,
    size: Option<u64>,
    dir_size: Option<u64>,
    modified: Option<DateTime<Utc>>,
    mode: Option<String>,
    perm: Option<String>,
    others: Vec<(String, String)>,
}

impl Facts {
    /// Records one fact; `false` when the entry must be skipped (cdir, pdir).
    fn add(&mut self, key: &str, value: &str) -> bool {
        self.count += 1;
        match key.to_ascii_lowercase().as_str() {
            "type" => match mlsd_type(value) {
                Some((k, t)) => {
                    self.kind = Some(k);
                    self.target = t;
                }
                None => return false,
            },
            "size" => self.size = value.parse::<u64>().ok(),
            "sizd" => self.dir_size = value.parse::<u64>().ok(),
            "modify" => self.modified = parse_mlsd_time(value),
            "unix.mode" => self.mode = render_octal_mode(value),
            "perm" => self.perm = Some(value.to_string()),
            _ => self.others.push((key.to_string(), value.to_string())),
        }
        true
    }

    fn into_entry(self, name: &str) -> Entry {
        let kind = self.kind.unwrap_or(Kind::Other);
        Entry {
            name: name.to_string(),
            kind,
            size: self.size.or(if kind == Kind::Dir {
                self.dir_size
            } else {
                None
            }),
            modified: self.modified,
            precision: Precision::Time,
            permissions: self.mode.or(self.perm),
            target: self.target,
            raw: None,
            facts: self.others,
        }
    }
}

/// Maps an MLSD `type` value to a kind and symlink target; `None` means the
/// entry must be skipped (cdir, pdir).
fn mlsd_type(value: &str) -> Option<(Kind, Option<String>)> {
    let lower = value.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "file" => Kind::File,
        "dir" => Kind::Dir,
        "cdir" | "pdir" => return None,
        // Some servers (IIS with symlinks, Serv-U) say plainly `type=link`.
        "link" | "os.unix=link" => Kind::Link,
        // proftpd: `OS.unix=symlink`, or `OS.unix=slink:/target` with
        // ShowSymlinks; pure-ftpd and others use the slink form.
        _ if lower.starts_with("os.unix=slink") || lower.starts_with("os.unix=symlink") => {
            let target = value
                .split_once(':')
                .map(|(_, t)| t.to_string())
                .filter(|t| !t.is_empty());
            return Some((Kind::Link, target));
        }
        _ => Kind::Other,
    };
    Some((kind, None))
}

/// `YYYYMMDDHHMMSS[.sss]`, always UTC (RFC 3659 section 2.3).
fn parse_mlsd_time(value: &str) -> Option<DateTime<Utc>> {
    let (main, fraction) = match value.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (value, None),
    };
    if main.len() != 14 || !all_digits(main) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| main.get(range).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(num(0..4)?).ok()?;
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && all_digits(f) => {
            // Keep at most nanosecond precision: "5" is 500 ms.
            let digits = f.get(..f.len().min(9))?;
            let scale = 10u32.pow(9 - digits.len() as u32);
            digits.parse::<u32>().ok()? * scale
        }
        Some(_) => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, num(4..6)?, num(6..8)?)?;
    let time = date.and_hms_nano_opt(num(8..10)?, num(10..12)?, num(12..14)?, nanos)?;
    Some(time.and_utc())
}

/// Renders an octal mode ("0644", "755", "4755", pyftpdlib's "0o644") as
/// "rw-r--r--", with setuid/setgid/sticky shown the way `ls` does.
pub(super) fn render_octal_mode(value: &str) -> Option<String> {
    let digits = value
        .strip_prefix("0o")
        .or_else(|| value.strip_prefix("0O"))
        .unwrap_or(value);
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return None;
    }
    let mode = u32::from_str_radix(digits, 8).ok()?;
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let exec =
        |x: u32, special: u32, set: char, unset: char| match (mode & x != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => unset,
            (true, false) => 'x',
            (false, false) => '-',
        };
    Some(
        [
            bit(0o400, 'r'),
            bit(0o200, 'w'),
            exec(0o100, 0o4000, 's', 'S'),
            bit(0o040, 'r'),
            bit(0o020, 'w'),
            exec(0o010, 0o2000, 's', 'S'),
            bit(0o004, 'r'),
            bit(0o002, 'w'),
            exec(0o001, 0o1000, 't', 'T'),
        ]
        .iter()
        .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mlsd(line: &str) -> Entry {
        parse_mlsd_line(line).expect("line should yield an entry")
    }

    /// cargo-mutants found these untested: a LIST answered with MLSD lines is read as MLSD
    /// only through `has_type`, and a time of 15 digits is not a time.
    #[test]
    fn list_lines_in_mlsd_form_are_read_and_times_are_exactly_14_digits() {
        let e = parse_as_list("type=file;size=3;modify=20240129100000; a.txt")
            .flatten()
            .expect("an MLSD line in a LIST");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("a.txt", Kind::File, Some(3))
        );
        assert!(parse_as_list("size=3;modify=20240129100000; a.txt").is_none());
        assert!(parse_mlsd_time("20240129100000").is_some());
        assert!(parse_mlsd_time("202401291000001").is_none());
        assert!(parse_mlsd_time("2024012910000x").is_none());
        // Signs parse as numbers; they are not digits of a time or of its fraction.
        assert!(parse_mlsd_time("+0240129100000").is_none());
        assert!(parse_mlsd_time("20240129100000.+5").is_none());
        assert!(parse_mlsd_time("20240129100000.").is_none());
        let t = parse_mlsd_time("20240129100000.5").unwrap();
        assert_eq!(t.timestamp_subsec_millis(), 500);
    }

    /// Modes of more than 7 octal digits, or none, are not modes (cargo-mutants survivors:
    /// the value would parse and render its low bits).
    #[test]
    fn octal_modes_have_one_to_seven_octal_digits() {
        assert_eq!(render_octal_mode("12345670"), None);
        assert_eq!(render_octal_mode("0o"), None);
        assert_eq!(render_octal_mode(""), None);
        assert_eq!(render_octal_mode("9"), None);
        assert_eq!(render_octal_mode("0000644").as_deref(), Some("rw-r--r--"));
    }

    #[test]
    fn octal_modes_render_like_ls() {
        assert_eq!(render_octal_mode("0644").as_deref(), Some("rw-r--r--"));
        assert_eq!(render_octal_mode("755").as_deref(), Some("rwxr-xr-x"));
        assert_eq!(render_octal_mode("4755").as_deref(), Some("rwsr-xr-x"));
        assert_eq!(render_octal_mode("2750").as_deref(), Some("rwxr-s---"));
        assert_eq!(render_octal_mode("1777").as_deref(), Some("rwxrwxrwt"));
        assert_eq!(render_octal_mode("1776").as_deref(), Some("rwxrwxrwT"));
        assert_eq!(render_octal_mode("0o600").as_deref(), Some("rw-------"));
        assert_eq!(render_octal_mode("08"), None);
        assert_eq!(render_octal_mode(""), None);
    }

    #[test]
    fn separators_before_the_name() {
        // A tab instead of the space (FileZilla's test 78).
        let e = mlsd("size=1;type=file;modify=20090722092510;\tadsl TV 2009");
        assert_eq!((e.name.as_str(), e.size), ("adsl TV 2009", Some(1)));
        // Only one separator is taken: the rest is the name.
        let e = mlsd("Type=file; \t leading");
        assert_eq!(e.name, "\t leading");
        // No separator after the last ';'.
        let e = mlsd("type=file;size=3;nospace.txt");
        assert_eq!((e.name.as_str(), e.kind), ("nospace.txt", Kind::File));
        // Old draft: no ';' after the last fact.
        let e = mlsd("type=file 77 MLSD file");
        assert_eq!((e.name.as_str(), e.kind), ("77 MLSD file", Kind::File));
        // Names that look like facts after the space stay names.
        let e = mlsd("type=file;size=1; a;b=c  d ");
        assert_eq!(e.name, "a;b=c  d ");
    }

    #[test]
    fn unknown_facts_are_kept_in_order() {
        let e = mlsd("type=file;unique=FD00U3;UNIX.owner=0;size=1; f");
        assert_eq!(
            e.facts,
            vec![
                ("unique".to_string(), "FD00U3".to_string()),
                ("UNIX.owner".to_string(), "0".to_string())
            ]
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["facts"]["unique"], "FD00U3");
        let e = mlsd("type=file;size=1; g");
        let json = serde_json::to_value(&e).unwrap();
        assert!(json.get("facts").is_none(), "{json}");
    }

    #[test]
    fn links_in_every_spelling() {
        for (line, target) in [
            ("type=OS.unix=slink:/foo; l", Some("/foo")),
            ("type=OS.UNIX=symlink; l", None),
            ("type=OS.unix=slink; l", None),
            ("type=link; l", None),
            ("Type=LINK;size=3; l", None),
        ] {
            let e = mlsd(line);
            assert_eq!(
                (e.kind, e.target.as_deref()),
                (Kind::Link, target),
                "{line}"
            );
        }
    }

    #[test]
    fn not_fact_lines_stay_raw() {
        for line in [
            "/no/leading/space",
            "Type=dir;Size; missing =size",
            "=x; y",
            "type=file;size=1;",
        ] {
            assert_eq!(mlsd(line).raw.as_deref(), Some(line), "{line}");
        }
    }
}
