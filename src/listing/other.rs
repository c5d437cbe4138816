//! The smaller families: Novell Netware, OS/2, EPLF, old VShell and HP NonStop (Guardian).
//!
//! - Netware: `d [RWCEAFMS] owner  size  Jan 16 18:53  name` (a type letter, then the trustee
//!   rights in brackets; the date as `ls` prints it).
//! - OS/2: `size  [attributes] [DIR]  MM-DD-YY  HH:MM  name`; some servers print years since
//!   1900 (`04-23-103` is 2003).
//! - EPLF (<https://cr.yp.to/ftp/list/eplf.html>): `+facts,facts,\tname`, facts `r` (a file),
//!   `/` (a directory), `s<size>`, `m<seconds since 1970, UTC>`, `up<octal mode>`, `i<id>`.
//! - VShell (old): `size  Apr 04, 2000 21:06  name`, a directory's name ending in `/`.
//! - HP NonStop: `name  code  size  6-Apr-07 14:21:18  owner "security"`.

use chrono::{DateTime, Utc};

use super::text::{
    Token, all_digits, expand_year, parse_clock, parse_day, parse_day_month_year, parse_month,
    parse_year, rest_after, small_number, utc,
};
use super::{Entry, Kind, Precision};

fn entry(name: &str, kind: Kind, size: Option<u64>) -> Entry {
    Entry::bare(name, kind, size, Precision::Time)
}

// --- Netware ----------------------------------------------------------------------------------

pub(super) fn parse_netware(line: &str, tokens: &[Token], now: DateTime<Utc>) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let kind = match text(0)? {
        "d" => Kind::Dir,
        "-" => Kind::File,
        _ => return None,
    };
    let rights = text(1)?;
    let inner = rights.strip_prefix('[')?.strip_suffix(']')?;
    if inner.len() != 8 || !inner.bytes().all(|b| b"RWCEAFMS-".contains(&b)) {
        return None;
    }
    let size = text(3).filter(|t| all_digits(t))?.parse::<u64>().ok()?;
    let (last, modified, precision) = super::unix::month_name_date(tokens, 4, now)?;
    let name = rest_after(line, tokens, last)?;
    Some(Entry {
        modified,
        precision,
        permissions: Some(rights.to_string()),
        ..entry(name, kind, Some(size))
    })
}

// --- OS/2 -------------------------------------------------------------------------------------

/// "05-12-97", "04-23-103", "05-19-2000".
fn os2_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split('-');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    // The year's length is expand_year's to judge (2, 3 or 4 digits).
    if parts.next().is_some() || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Some((expand_year(y)?, small_number(m, 2)?, small_number(d, 2)?))
}

pub(super) fn parse_os2(line: &str, tokens: &[Token]) -> Option<Entry> {
    let size = tokens
        .first()
        .filter(|t| all_digits(t.text))?
        .text
        .parse::<u64>()
        .ok()?;
    // At most two attribute columns (`A`, `RSA`, `DIR`) before the date.
    let mut kind = Kind::File;
    for k in 1..=3 {
        let t = tokens.get(k)?.text;
        if let Some((year, month, day)) = os2_date(t) {
            let (clock, _) = parse_clock(tokens.get(k + 1)?.text)?;
            let name = rest_after(line, tokens, k + 1)?;
            return Some(Entry {
                modified: Some(utc(year, month, day, clock)?),
                ..entry(name, kind, Some(size))
            });
        }
        if t == "DIR" {
            kind = Kind::Dir;
        } else if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b"ARSHarsh".contains(&b)) {
            return None;
        }
    }
    None
}

// --- EPLF -------------------------------------------------------------------------------------

pub(super) fn parse_eplf(line: &str) -> Option<Entry> {
    let (facts, name) = line.strip_prefix('+')?.split_once('\t')?;
    if name.is_empty() {
        return None;
    }
    let mut kind = Kind::Other;
    let mut size = None;
    let mut modified = None;
    let mut permissions = None;
    for fact in facts.split(',') {
        match fact.as_bytes().first() {
            Some(b'r') if fact.len() == 1 => kind = Kind::File,
            Some(b'/') if fact.len() == 1 => kind = Kind::Dir,
            Some(b's') => size = Some(fact.get(1..)?.parse::<u64>().ok()?),
            Some(b'm') => {
                let seconds = fact.get(1..)?.parse::<i64>().ok()?;
                modified = Some(DateTime::<Utc>::from_timestamp(seconds, 0)?);
            }
            Some(b'u') if fact.starts_with("up") => {
                permissions = super::mlsd::render_octal_mode(fact.get(2..)?)
            }
            // Identifiers, and facts from later drafts: ignored, as the format asks.
            _ => {}
        }
    }
    Some(Entry {
        modified,
        permissions,
        ..entry(name, kind, size)
    })
}

// --- VShell -----------------------------------------------------------------------------------

pub(super) fn parse_vshell(line: &str, tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let size = text(0).filter(|t| all_digits(t))?.parse::<u64>().ok()?;
    let month = parse_month(text(1)?)?;
    let day_text = text(2)?;
    if !day_text.ends_with(',') {
        return None;
    }
    let day = parse_day(day_text)?;
    let year = parse_year(text(3)?)?;
    let (clock, _) = parse_clock(text(4)?)?;
    let rest = rest_after(line, tokens, 4)?;
    let (name, kind) = match rest.strip_suffix('/') {
        Some(dir) if !dir.is_empty() => (dir, Kind::Dir),
        _ => (rest, Kind::File),
    };
    Some(Entry {
        modified: utc(year, month, day, clock),
        ..entry(name, kind, Some(size))
    })
}

// --- HP NonStop -------------------------------------------------------------------------------

pub(super) fn parse_hp_nonstop(line: &str, tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let name = text(0)?;
    if !all_digits(text(1)?) {
        return None;
    }
    let size = text(2).filter(|t| all_digits(t))?.parse::<u64>().ok()?;
    let (year, month, day) = parse_day_month_year(text(3)?)?;
    let (clock, _) = parse_clock(text(4)?)?;
    // The owner ("255, 0" or "255,255") and the security string in quotes, last.
    let security = tokens.last()?.text;
    let quoted = security.len() >= 2 && security.starts_with('"') && security.ends_with('"');
    if tokens.len() < 7 || !quoted {
        return None;
    }
    let security_start = tokens.last()?.end.checked_sub(security.len())?;
    let owner = line.get(tokens.get(4)?.end..security_start)?;
    if !owner
        .trim()
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b',' || b == b' ')
    {
        return None;
    }
    Some(Entry {
        modified: utc(year, month, day, clock),
        permissions: Some(security.to_string()),
        ..entry(name, Kind::File, Some(size))
    })
}

#[cfg(test)]
mod tests {
    use super::super::text::tokenize;
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-03-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn netware(line: &str) -> Option<Entry> {
        parse_netware(line, &tokenize(line), now())
    }

    fn os2(line: &str) -> Option<Entry> {
        parse_os2(line, &tokenize(line))
    }

    #[test]
    fn netware_keeps_the_trustee_rights_and_wants_eight_known_letters() {
        let e = netware("- [RWCEAFMS] rwinston  19968 Mar 12 15:20 Summary.doc").unwrap();
        assert_eq!(e.name, "Summary.doc");
        assert_eq!(e.permissions.as_deref(), Some("[RWCEAFMS]"));
        // Known letters, but not eight of them; eight, but one unknown.
        assert!(netware("- [RWC] rwinston  19968 Mar 12 15:20 Summary.doc").is_none());
        assert!(netware("- [RWCEAFMX] rwinston  19968 Mar 12 15:20 Summary.doc").is_none());
    }

    #[test]
    fn os2_dates_want_two_digit_months_and_days_and_three_parts() {
        assert_eq!(os2_date("05-12-97"), Some((1997, 5, 12)));
        assert_eq!(os2_date("04-23-103"), Some((2003, 4, 23)));
        assert_eq!(os2_date("5-12-97"), None);
        assert_eq!(os2_date("05-1-97"), None);
        assert_eq!(os2_date("05-12-9"), None);
        assert_eq!(os2_date("05-12-97-1"), None);
    }

    #[test]
    fn os2_attribute_columns_are_up_to_four_known_letters() {
        let e = os2(" 1123    ARSH    07-14-99   12:37  hidden.sys").unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("hidden.sys", Kind::File));
        assert!(os2(" 1123    ARSHA   07-14-99   12:37  hidden.sys").is_none());
        assert!(os2(" 1123    AX      07-14-99   12:37  hidden.sys").is_none());
        let d = os2("    0     RSA    DIR   01-08-97   13:58  OS2KRNL").unwrap();
        assert_eq!(d.kind, Kind::Dir);
    }

    #[test]
    fn eplf_reads_only_the_facts_it_knows() {
        let e = parse_eplf("+i8388621.48594,m825718503,r,s280,up755\t14-eplf file").unwrap();
        assert_eq!(e.name, "14-eplf file");
        assert_eq!(e.kind, Kind::File);
        assert_eq!(e.size, Some(280));
        assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        // Facts that only begin like `r`, `/` or `up` are someone else's: ignored.
        let e = parse_eplf("+rx,/y,u644,s1\tname").unwrap();
        assert_eq!(e.kind, Kind::Other);
        assert_eq!(e.permissions, None);
        assert_eq!(parse_eplf("+/,\tdir").unwrap().kind, Kind::Dir);
    }

    #[test]
    fn vshell_never_makes_an_empty_name_of_a_lone_slash() {
        let line = "0  Dec 12, 2002 02:13 dir/";
        let e = parse_vshell(line, &tokenize(line)).unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("dir", Kind::Dir));
        let line = "0  Dec 12, 2002 02:13 /";
        let e = parse_vshell(line, &tokenize(line)).unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("/", Kind::File));
    }

    #[test]
    fn hp_nonstop_wants_an_owner_and_a_quoted_security_string() {
        let nonstop = |line: &str| parse_hp_nonstop(line, &tokenize(line));
        let e = nonstop("58-HP_NonStop 101 528 6-Apr-07 14:21:18 255,255 \"oooo\"").unwrap();
        assert_eq!(e.name, "58-HP_NonStop");
        assert_eq!(e.permissions.as_deref(), Some("\"oooo\""));
        // No owner column; a lone quote; a string open at one end only.
        assert!(nonstop("58-HP_NonStop 101 528 6-Apr-07 14:21:18 \"oooo\"").is_none());
        assert!(nonstop("58-HP_NonStop 101 528 6-Apr-07 14:21:18 255,255 \"").is_none());
        assert!(nonstop("58-HP_NonStop 101 528 6-Apr-07 14:21:18 255,255 \"oooo").is_none());
        assert!(nonstop("58-HP_NonStop 101 528 6-Apr-07 14:21:18 255,255 oooo\"").is_none());
    }
}
