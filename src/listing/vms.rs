//! OpenVMS (MultiNet, TCPware, UCX) lines:
//! `NAME.EXT;VERSION  used/allocated  DD-MON-YYYY HH:MM:SS  [GROUP,OWNER]  (RWED,RWED,RE,)`.
//!
//! Sizes are in 512-byte blocks (`12/24` is 12 used of 24 allocated; FileZilla also saw `2KB`);
//! the owner and protection columns are optional and some servers put the columns in another
//! order. A name too long for its column makes the server wrap the entry: the name alone on one
//! line, the rest on the next (indented, or not: FileZilla saw both). [`is_wrapped_name`]
//! recognizes the first half so the per-listing parser can join it with the next line when the
//! two read as one entry.
//!
//! Names keep their version (`FILE.TXT;3`): it is what the server needs to fetch that version.
//! Directories are shown without `.DIR;1`, as FileZilla does, so `cd NAME` works.

use super::text::{Clock, Token, parse_clock, parse_day_month_year, utc};
use super::{Entry, Kind, Precision};

/// VMS block size.
const BLOCK: u64 = 512;

/// `NAME;VERSION` with a non-empty name and a version of 1 to 5 digits.
fn split_version(name: &str) -> Option<(&str, &str)> {
    let (stem, version) = name.rsplit_once(';')?;
    let ok = !stem.is_empty()
        && !stem.contains(';')
        && (1..=5).contains(&version.len())
        && version.bytes().all(|b| b.is_ascii_digit());
    ok.then_some((stem, version))
}

/// The first line of a wrapped entry: a lone `NAME;VERSION`.
pub(super) fn is_wrapped_name(tokens: &[Token]) -> bool {
    tokens.len() == 1 && tokens.first().and_then(|t| split_version(t.text)).is_some()
}

/// "Directory USER1:[TEMP]" before the entries; "Total of 6 files, 54/54 blocks." or
/// "Total 6 files" after them.
pub(super) fn is_header_or_trailer(tokens: &[Token]) -> bool {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let directory = text(0) == Some("Directory")
        && tokens.len() == 2
        && text(1).is_some_and(|t| t.ends_with(']') && t.contains('['));
    let total = text(0).is_some_and(|t| t.eq_ignore_ascii_case("total"))
        && (text(1).is_some_and(|t| t.eq_ignore_ascii_case("of"))
            || text(2).is_some_and(|t| t.to_ascii_lowercase().starts_with("file")));
    directory || total
}

/// A size column: blocks (`155`), used/allocated blocks (`9/9`), or a size with a unit
/// (`2KB`, `1.5MB`).
fn parse_size(s: &str) -> Option<u64> {
    let used = s.split_once('/').map_or(s, |(u, _)| u);
    if let Some((_, allocated)) = s.split_once('/')
        && !allocated.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if !used.is_empty() && used.bytes().all(|b| b.is_ascii_digit()) {
        return used.parse::<u64>().ok()?.checked_mul(BLOCK);
    }
    complex_size(s)
}

/// "2KB", "1.5MB", "3G": a decimal number and a binary unit, rounded down.
fn complex_size(s: &str) -> Option<u64> {
    let upper = s.to_ascii_uppercase();
    let number = upper.strip_suffix('B').unwrap_or(&upper);
    // The unit is the last character, which may be any character in hostile input.
    let (digits, unit) = number.split_at(number.char_indices().next_back()?.0);
    let scale: u64 = match unit {
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > 3
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut value = whole.parse::<u64>().ok()?.checked_mul(scale)?;
    if !fraction.is_empty() {
        let f = fraction.parse::<u64>().ok()?;
        value = value.checked_add(f * scale / 10u64.pow(fraction.len() as u32))?;
    }
    Some(value)
}

pub(super) fn parse(tokens: &[Token]) -> Option<Entry> {
    let full = tokens.first()?.text;
    let (stem, _) = split_version(full)?;
    let mut size = None;
    let mut date = None;
    let mut clock: Option<Clock> = None;
    let mut permissions = None;
    for t in tokens.get(1..)? {
        let text = t.text;
        if text.starts_with('[') {
            // The owner: "[GROUP,OWNER]", "[TRANSLATED]", or cut off by a long name.
        } else if let Some(p) = text.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
            permissions = Some(p.to_string());
        } else if date.is_none()
            && let Some(d) = parse_day_month_year(text)
        {
            date = Some(d);
        } else if date.is_some()
            && clock.is_none()
            && let Some((c, _)) = parse_clock(text)
        {
            clock = Some(c);
        } else if size.is_none()
            && let Some(s) = parse_size(text)
        {
            size = Some(s);
        } else {
            return None;
        }
    }
    let (year, month, day) = date?;
    let size = size?;
    let dir_stem = stem
        .len()
        .checked_sub(4)
        .filter(|&cut| cut > 0)
        .and_then(|cut| Some((stem.get(..cut)?, stem.get(cut..)?)))
        .filter(|(_, ext)| ext.eq_ignore_ascii_case(".DIR"))
        .map(|(dir, _)| dir);
    let (name, kind) = match dir_stem {
        Some(dir) => (dir, Kind::Dir),
        None => (full, Kind::File),
    };
    Some(Entry {
        name: name.to_string(),
        kind,
        size: Some(size),
        modified: utc(year, month, day, clock.unwrap_or((0, 0, 0, 0))),
        precision: if clock.is_some() {
            Precision::Time
        } else {
            Precision::Day
        },
        permissions,
        target: None,
        raw: None,
        facts: Vec::new(),
    })
}

/// The local file name for a download of `name`: without a VMS version suffix
/// (`FILE.TXT;3` is saved as `FILE.TXT`, as FileZilla does). Only names of the VMS shape lose
/// it: a dot in the name, and the version last.
pub fn local_name(name: &str) -> &str {
    match split_version(name) {
        Some((stem, _)) if stem.contains('.') => stem,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("9/9"), Some(9 * 512));
        assert_eq!(parse_size("155"), Some(155 * 512));
        assert_eq!(parse_size("2KB"), Some(2048));
        assert_eq!(parse_size("1.5M"), Some(1_572_864));
        assert_eq!(parse_size("9/x"), None);
        assert_eq!(parse_size("KB"), None);
        assert_eq!(parse_size("99999999999999999999"), None);
    }

    #[test]
    fn a_size_ending_in_a_multibyte_character_is_not_a_size() {
        // Found by the family property: split_at(len - 1) cut into a character and panicked.
        assert_eq!(parse_size("5\u{9b}"), None);
        assert_eq!(complex_size("2\u{00e9}B"), None);
        assert_eq!(complex_size("2KB"), Some(2048));
    }

    /// cargo-mutants survivors (src/listing/vms.rs): every unit, the bounds of a number
    /// with a unit, the shape of `NAME;VERSION`, the header and trailer lines.
    #[test]
    fn units_bounds_versions_and_trailers() {
        assert_eq!(complex_size("3G"), Some(3 << 30));
        assert_eq!(complex_size("2T"), Some(2 << 40));
        assert_eq!(complex_size("0.5KB"), Some(512));
        assert_eq!(complex_size("1.125K"), Some(1152));
        // Twelve digits of a whole, three of a fraction, digits only; nothing more.
        assert_eq!(complex_size("123456789012K"), Some(123_456_789_012 << 10));
        assert_eq!(complex_size("1234567890123K"), None);
        assert_eq!(complex_size("1.1234K"), None);
        assert_eq!(complex_size(".5K"), None);
        assert_eq!(complex_size("1x5K"), None);
        assert_eq!(complex_size("1.5xK"), None);

        assert_eq!(split_version("FILE.TXT;3"), Some(("FILE.TXT", "3")));
        assert_eq!(split_version(";3"), None);
        assert_eq!(split_version("A;B;3"), None);
        assert_eq!(split_version("FILE;123456"), None);
        assert_eq!(split_version("FILE;"), None);
        assert_eq!(split_version("FILE;3a"), None);

        let t = |line: &'static str| crate::listing::tokenize(line);
        assert!(is_header_or_trailer(&t("Directory USER1:[TEMP]")));
        assert!(is_header_or_trailer(&t("Total of 6 files, 54/54 blocks.")));
        assert!(is_header_or_trailer(&t("Total 6 files")));
        assert!(!is_header_or_trailer(&t("Directory USER1:TEMP")));
        assert!(!is_header_or_trailer(&t("Directory USER1:[TEMP] extra")));
        assert!(!is_header_or_trailer(&t("Totally 6 files")));
        assert!(!is_header_or_trailer(&t("Pieces of eight")));
        // A file may be called "Total" on some other line shape.
        assert!(!is_header_or_trailer(&t("Total 6 blocks")));

        // ".DIR" alone is no directory name: a file of that name.
        let e = parse(&t(
            ".DIR;1  1/9  2-JUN-1998 07:32:04  [GROUP,OWNER]  (RWED,RWED,RWED,RE)",
        ))
        .unwrap();
        assert_eq!((e.name.as_str(), e.kind), (".DIR;1", Kind::File));
        let e = parse(&t(
            "DATA.DIR;1  1/9  2-JUN-1998 07:32:04  [GROUP,OWNER]  (RWED,RWED,RWED,RE)",
        ))
        .unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("DATA", Kind::Dir));
    }

    #[test]
    fn local_names_lose_the_version() {
        assert_eq!(local_name("FILE.TXT;3"), "FILE.TXT");
        assert_eq!(local_name("A.;2"), "A.");
        assert_eq!(local_name("notes;1"), "notes;1");
        assert_eq!(local_name("plain.txt"), "plain.txt");
        assert_eq!(local_name(";3"), ";3");
    }
}
