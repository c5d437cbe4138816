//! DOS/IIS style lines: `01-29-24  10:00AM       <DIR>          dir name` or
//! `01-29-2024  10:00PM  12 file.txt`; also day-first dates and 24-hour clocks (Windows CE),
//! seconds in the time (`10:57:32AM`), `00:34AM` (some servers print the hour after midnight
//! as 00 rather than 12), Windows `dir` thousands separators, `<SYMLINKD> name [target]`.

use chrono::NaiveDate;

use super::text::{Token, all_digits, at, parse_clock, small_number};
use super::{Entry, Kind, Precision};

pub(super) fn parse(line: &str, tokens: &[Token]) -> Option<Entry> {
    let (year, month, day) = parse_dos_date(tokens.first()?.text)?;
    let (clock, next) = parse_dos_time(tokens)?;
    let marker = tokens.get(next)?;
    let upper = marker.text.to_ascii_uppercase();
    let (kind, size) = match upper.as_str() {
        "<DIR>" => (Kind::Dir, None),
        "<SYMLINK>" | "<SYMLINKD>" | "<JUNCTION>" => (Kind::Link, None),
        text => {
            let digits: String = text.chars().filter(|c| *c != ',' && *c != '.').collect();
            if !all_digits(&digits) || text.starts_with([',', '.']) {
                return None;
            }
            (Kind::File, Some(digits.parse::<u64>().ok()?))
        }
    };
    // IIS pads the size column, so the name starts at the next non-blank.
    let rest = line.get(marker.end..)?.trim_start_matches([' ', '\t']);
    if rest.is_empty() {
        return None;
    }
    let (name, target) = match kind {
        Kind::Link => match rest.strip_suffix(']').and_then(|r| r.rsplit_once(" [")) {
            Some((n, t)) => (n, Some(t.to_string())),
            None => (rest, None),
        },
        _ => (rest, None),
    };
    let modified = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| at(d, clock))
        .map(|naive| naive.and_utc());
    Some(Entry {
        name: name.to_string(),
        kind,
        size,
        modified,
        precision: Precision::Time,
        permissions: None,
        target,
        raw: None,
        facts: Vec::new(),
    })
}

/// "01-29-24", "01/29/2024", "29-01-24" (day first when the first number
/// cannot be a month), "2024-01-29". Two-digit years: 70-99 are 19xx.
fn parse_dos_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split(['-', '/', '.']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !all_digits(a) || !all_digits(b) || !all_digits(c) {
        return None;
    }
    let (year, month, day) = if a.len() == 4 {
        (a, small_number(b, 2)?, small_number(c, 2)?) // 2024-01-29
    } else {
        let (first, second) = (small_number(a, 2)?, small_number(b, 2)?);
        if first > 12 {
            (c, second, first) // 29-01-24
        } else {
            (c, first, second) // 01-29-24: US order, what IIS sends
        }
    };
    let year = match year.len() {
        2 => {
            let y = year.parse::<i32>().ok()?;
            if y < 70 { 2000 + y } else { 1900 + y }
        }
        4 => year.parse::<i32>().ok()?,
        _ => return None,
    };
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

/// The time after a DOS date: "10:00AM", "10:00 PM", "22:00", "10:00a", "10:57:32AM".
/// Returns the clock and the index of the token after the time.
fn parse_dos_time(tokens: &[Token]) -> Option<((u32, u32, u32, u32), usize)> {
    let text = tokens.get(1)?.text;
    let lower = text.to_ascii_lowercase();
    let (clock, mut meridiem) = if let Some(c) = lower.strip_suffix("am") {
        (c, Some(false))
    } else if let Some(c) = lower.strip_suffix("pm") {
        (c, Some(true))
    } else if let Some(c) = lower.strip_suffix('a') {
        (c, Some(false))
    } else if let Some(c) = lower.strip_suffix('p') {
        (c, Some(true))
    } else {
        (lower.as_str(), None)
    };
    let ((mut hour, minute, second, _), _) = parse_clock(clock)?;
    if hour == 24 {
        return None;
    }
    let mut next = 2;
    if meridiem.is_none() {
        match tokens
            .get(2)
            .map(|t| t.text.to_ascii_lowercase())
            .as_deref()
        {
            Some("am") => meridiem = Some(false),
            Some("pm") => meridiem = Some(true),
            _ => {}
        }
        if meridiem.is_some() {
            next = 3;
        }
    }
    if let Some(pm) = meridiem {
        // 12-hour clocks count 12, 1, ..., 11; some servers write the first hour as 00.
        if hour > 12 {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) | (true, 0) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    Some(((hour, minute, second, 0), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cargo-mutants survivors (src/listing/dos.rs, which had no tests of its own): signs are
    /// not digits, the two-digit year's pivot, month and day both in range, a size that
    /// starts with a separator.
    #[test]
    fn dates_and_sizes_are_digits_in_range() {
        assert_eq!(parse_dos_date("+1-29-24"), None);
        assert_eq!(parse_dos_date("01-+9-24"), None);
        assert_eq!(parse_dos_date("01-29-+4"), None);
        assert_eq!(parse_dos_date("01-29-24-1"), None);
        assert_eq!(parse_dos_date("13-13-24"), None);
        assert_eq!(parse_dos_date("01-29-70"), Some((1970, 1, 29)));
        assert_eq!(parse_dos_date("01-29-69"), Some((2069, 1, 29)));
        assert_eq!(parse_dos_date("29-01-24"), Some((2024, 1, 29)));
        let read = |line: &str| parse(line, &crate::listing::tokenize(line));
        assert!(read("01-29-24  10:00AM  ,123 f").is_none());
        assert_eq!(
            read("01-29-24  10:00AM  1,234 f").and_then(|e| e.size),
            Some(1234)
        );
    }
}
