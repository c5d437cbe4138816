//! POSIX `ls -l` style lines, and the servers that imitate them more or less:
//! mode, [links], [owner], [group], size, date, name.
//!
//! Rather than count columns (servers drop the group, or the links, or glue fields together),
//! we look for the first date whose preceding field is a size; the name is the rest of the line
//! after the one space that follows the date. What is accepted beyond GNU `ls`:
//! - modes: the type letter `f` (a file), nine permission letters with no type letter, ACL /
//!   xattr / SELinux suffixes, the link count glued to the mode (`drwxr-x---+1464`), and
//!   Sterling Connect:Enterprise's `-C--E-----FTP`;
//! - sizes glued to the owner or group (`longgroup123456`);
//! - dates: localized and CJK (`6月 3日 2003年`, `2005년 1월 6일`, `26. Juli, 20:10`,
//!   `30. Jan., 12:40`, `szept 26 20:10`), numeric (`09-26 2000`, `3 29 03:26`,
//!   `1999/10/12 17:12`, `24-04-2003 17:12`, `2004.07.15`, `01-jun-99`), VShell's
//!   `Oct 08, 2002 09:47`, `24:00` (midnight of the next day), and no date at all;
//! - NetPresenz and Rumpus (Mac servers that put "folder" or a second size where the owner and
//!   group go) need nothing special: their lines have the same shape.

use chrono::{DateTime, NaiveDate, Utc};

use super::text::{
    Clock, Token, all_digits, at, expand_year, parse_clock, parse_day, parse_english_month,
    parse_month, parse_suffixed_month, parse_utc_offset, parse_year, recent_date, small_number,
    utc, with_offset,
};
use super::{Entry, Kind, Precision};

/// The mode field: its type letter and the permissions to show.
struct Mode<'a> {
    type_char: char,
    perms: &'a str,
}

/// The `ls -l` mode field: a type letter, nine permission letters and an
/// optional suffix ('+' ACL, '@' macOS extended attributes, '.' SELinux
/// context), possibly followed by the link count; or the odd forms in the module doc.
fn parse_mode(field: &str) -> Option<Mode<'_>> {
    const PERMS: &str = "rwxsStTlL-";
    let is_perms = |s: &str| s.chars().all(|c| PERMS.contains(c));
    // Nine letters and no type letter: taken as a file.
    if field.len() == 9 && is_perms(field) {
        return Some(Mode {
            type_char: '-',
            perms: field,
        });
    }
    let type_char = field.chars().next()?;
    if !"-dlcbpsDnw?f".contains(type_char) {
        return None;
    }
    let perms = field.get(1..10)?;
    // Sterling Connect:Enterprise: "-C--E-----FTP" (its own flags, then "FTP").
    if field.len() == 13
        && field.ends_with("FTP")
        && perms.chars().all(|c| c == '-' || c.is_ascii_uppercase())
    {
        return Some(Mode {
            type_char,
            perms: field.get(1..)?,
        });
    }
    if !is_perms(perms) {
        return None;
    }
    let suffix = field.get(10..)?;
    let marks = suffix.trim_end_matches(|c: char| c.is_ascii_digit());
    // The link count may follow the suffix directly ("drwxr-x---+1464").
    if marks.len() > 2 || !marks.chars().all(|c| "+@.".contains(c)) {
        return None;
    }
    Some(Mode { type_char, perms })
}

/// POSIX `ls -l` style (see the module doc).
pub(super) fn parse(line: &str, tokens: &[Token], now: DateTime<Utc>) -> Option<Entry> {
    let mode = parse_mode(tokens.first()?.text)?;
    let kind = match mode.type_char {
        '-' | 'f' => Kind::File,
        'd' => Kind::Dir,
        'l' => Kind::Link,
        _ => Kind::Other,
    };
    let device = matches!(mode.type_char, 'c' | 'b');
    for i in 2..tokens.len() {
        let Some((last, modified, precision)) = match_date(tokens, i, now) else {
            continue;
        };
        let size_field = tokens.get(i - 1)?.text;
        let size = if device {
            // "1, 3" or "1,3": major and minor numbers, not a size.
            if !size_field.bytes().all(|b| b.is_ascii_digit() || b == b',')
                || !size_field.bytes().any(|b| b.is_ascii_digit())
            {
                continue;
            }
            None
        } else {
            let Some(digits) = size_digits(size_field, i - 1) else {
                continue;
            };
            // A size too large for u64 is not a size: leave the line raw.
            Some(digits.parse::<u64>().ok()?)
        };
        let name_start = tokens.get(last)?.end + 1;
        return entry(
            line.get(name_start..)?,
            kind,
            size,
            modified,
            precision,
            &mode,
        );
    }
    dateless(line, tokens, kind, &mode)
}

/// The size column: all digits, or digits glued to the end of an owner or group name
/// (`longgroup123456`, FileZilla's test 46) when that field is not the link count.
fn size_digits(field: &str, index: usize) -> Option<&str> {
    if all_digits(field) {
        return Some(field);
    }
    let digits = field.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &field[..field.len() - digits.len()];
    let glued = index >= 2
        && all_digits(digits)
        && prefix.chars().last().is_some_and(|c| c.is_alphabetic());
    glued.then_some(digits)
}

fn entry(
    rest: &str,
    kind: Kind,
    size: Option<u64>,
    modified: Option<DateTime<Utc>>,
    precision: Precision,
    mode: &Mode,
) -> Option<Entry> {
    if rest.is_empty() {
        return None;
    }
    let (name, target) = match (kind, rest.split_once(" -> ")) {
        (Kind::Link, Some((n, t))) => (n, Some(t.to_string())),
        _ => (rest, None),
    };
    Some(Entry {
        name: name.to_string(),
        kind,
        size,
        modified,
        precision,
        permissions: Some(mode.perms.to_string()),
        target,
        raw: None,
        facts: Vec::new(),
    })
}

/// A line with no date at all (`drwxr-xr-x 3 slopri devlab 512 71-unix-dateless`, FileZilla's
/// test 71): mode, links, owner, [group], size, name. Only the column count tells the size
/// from the owner, so this is tried last and only with a link count present.
fn dateless(line: &str, tokens: &[Token], kind: Kind, mode: &Mode) -> Option<Entry> {
    if tokens.len() < 5 || !all_digits(tokens.get(1)?.text) {
        return None;
    }
    let size_at = if all_digits(tokens.get(4)?.text) && tokens.len() > 5 {
        4
    } else if all_digits(tokens.get(3)?.text) {
        3
    } else {
        return None;
    };
    let size = tokens.get(size_at)?.text.parse::<u64>().ok()?;
    // What follows must not be (the start of) a date: that line is a cut one, not dateless.
    let next = tokens.get(size_at + 1)?.text;
    if all_digits(next)
        || parse_month(next).is_some()
        || parse_year(next).is_some()
        || parse_numeric_date(next).is_some()
    {
        return None;
    }
    let rest = line.get(tokens.get(size_at)?.end + 1..)?;
    entry(rest, kind, Some(size), None, Precision::Time, mode)
}

/// The last column of an `ls -l` date: a time of day or a year.
#[derive(Debug, Clone, Copy)]
enum TimeOrYear {
    Time(Clock),
    Year(i32),
}

fn parse_time_or_year(s: &str) -> Option<TimeOrYear> {
    if let Some(y) = parse_year(s) {
        return Some(TimeOrYear::Year(y));
    }
    let (clock, _) = parse_clock(s)?;
    Some(TimeOrYear::Time(clock))
}

/// A date found in a line: the index of its last token, the time (`None` when the columns
/// have the shape of a date but name no real day: Feb 30, libunftp's "--- -- --:--") and how
/// much of it was stated.
type DateMatch = (usize, Option<DateTime<Utc>>, Precision);

/// Tries to read a date starting at token `i`. A date must leave a name after it.
pub(super) fn match_date(tokens: &[Token], i: usize, now: DateTime<Utc>) -> Option<DateMatch> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let has_name_after = |k: usize| k + 1 < tokens.len();
    let first = text(i)?;

    if let Some(found) = numeric_date(tokens, i, now) {
        return Some(found);
    }

    // libunftp when a file's mtime is unavailable.
    if first == "---" && text(i + 1) == Some("--") && text(i + 2) == Some("--:--") {
        return has_name_after(i + 2).then_some((i + 2, None, Precision::Time));
    }

    // Year first (Korean `2005년 1월 6일`, and `2003 3月 20` from a server whose CJK suffix
    // arrived undecodable): the month must carry its suffix, so a plain size followed by
    // "Jan 5" is never read as a year.
    if let Some(year) = parse_year(first)
        && let Some(month) = text(i + 1).and_then(parse_suffixed_month)
        && let Some(day) = text(i + 2).and_then(parse_day)
    {
        let modified = utc(year, month, day, (0, 0, 0, 0));
        return has_name_after(i + 2).then_some((i + 2, modified, Precision::Day));
    }

    if let Some(found) = month_name_date(tokens, i, now) {
        return Some(found);
    }

    // Month and day as plain numbers, then a time (FileZilla's test 2: "3 29 03:26").
    if let (Some(month), Some(day)) = (small_number(first, 2), text(i + 1).and_then(parse_day))
        && (1..=12).contains(&month)
        && let Some((clock, _)) = text(i + 2).and_then(parse_clock)
    {
        return has_name_after(i + 2)
            .then(|| (i + 2, recent_date(month, day, clock, now), Precision::Time));
    }
    None
}

/// "Jan 29 10:00", "Jan 29  2024" (English and localized month names), the day-first orders
/// of localized ls ("29. Jan 10:00", "29 janv. 2024", "26. Juli, 20:10"), CJK
/// ("6月 3日 2003年") and VShell's "Oct 08, 2002 09:47". Also what Netware lists.
pub(super) fn month_name_date(tokens: &[Token], i: usize, now: DateTime<Utc>) -> Option<DateMatch> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let has_name_after = |k: usize| k + 1 < tokens.len();
    let first = text(i)?;
    let (month, day) = match (parse_month(first), text(i + 1).and_then(parse_day)) {
        (Some(m), Some(d)) => (m, d),
        _ => match (parse_day(first), text(i + 1).and_then(parse_month)) {
            (Some(d), Some(m)) => (m, d),
            _ => return None,
        },
    };
    let when = parse_time_or_year(text(i + 2)?)?;
    if !has_name_after(i + 2) {
        return None;
    }
    Some(match when {
        TimeOrYear::Year(y) => {
            // VShell: "Oct 08, 2002 09:47": a comma after the day, then the year and a time.
            let comma = text(i + 1).is_some_and(|t| t.ends_with(','));
            if comma
                && has_name_after(i + 3)
                && let Some((clock, _)) = text(i + 3).and_then(parse_clock)
            {
                (i + 3, utc(y, month, day, clock), Precision::Time)
            } else {
                (i + 2, utc(y, month, day, (0, 0, 0, 0)), Precision::Day)
            }
        }
        TimeOrYear::Time(clock) => (i + 2, recent_date(month, day, clock, now), Precision::Time),
    })
}

/// A numeric date, alone or followed by a time (and then a UTC offset, GNU full-iso):
/// "2024-01-29", "1999/10/12", "2004.07.15", "24-04-2003", "01-jun-99", GNU's "iso" style
/// "01-29" (no year, so a time must follow), and "09-26 2000" (month-day, then the year).
fn numeric_date(tokens: &[Token], i: usize, now: DateTime<Utc>) -> Option<DateMatch> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let has_name_after = |k: usize| k + 1 < tokens.len();
    let (year, month, day) = parse_numeric_date(text(i)?)?;
    let mut last = i;
    let mut clock = (0, 0, 0, 0);
    let mut offset = 0;
    if has_name_after(i + 1)
        && let Some((c, with_seconds)) = text(i + 1).and_then(parse_clock)
    {
        clock = c;
        last = i + 1;
        if with_seconds
            && has_name_after(i + 2)
            && let Some(o) = text(i + 2).and_then(parse_utc_offset)
        {
            offset = o;
            last = i + 2;
        }
    } else if year.is_none()
        && has_name_after(i + 1)
        && let Some(y) = text(i + 1).and_then(parse_year)
    {
        return Some((i + 1, utc(y, month, day, clock), Precision::Day));
    }
    if year.is_none() && last == i {
        // "01-29" alone is not a date we know.
        return None;
    }
    if !has_name_after(last) {
        return None;
    }
    let precision = if last == i {
        Precision::Day
    } else {
        Precision::Time
    };
    let modified = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day)
            .and_then(|d| at(d, clock))
            .and_then(|naive| with_offset(naive, offset)),
        None => recent_date(month, day, clock, now),
    };
    Some((last, modified, precision))
}

/// The numeric date shapes of [`numeric_date`], checked for shape and ranges only.
fn parse_numeric_date(s: &str) -> Option<(Option<i32>, u32, u32)> {
    let mut parts = s.split(['-', '/', '.']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() {
        return None;
    }
    let two = |x: &str| (x.len() == 2).then(|| small_number(x, 2)).flatten();
    let (year, month, day) = match c {
        // 2024-01-29, 1999/10/12, 2004.07.15
        Some(c) if a.len() == 4 => (Some(expand_year(a)?), two(b)?, two(c)?),
        // 01-jun-99
        Some(c) if parse_english_month(b).is_some() && s.contains('-') => (
            Some(expand_year(c)?),
            parse_english_month(b)?,
            small_number(a, 2)?,
        ),
        // 24-04-2003: day first, as FileZilla reads it, unless that cannot be.
        Some(c) if c.len() == 4 => {
            let (x, y) = (two(a)?, two(b)?);
            let year = Some(expand_year(c)?);
            if y > 12 { (year, x, y) } else { (year, y, x) }
        }
        Some(_) => return None,
        // GNU's "iso" style: 01-29
        None if s.contains('-') => (None, two(a)?, two(b)?),
        None => return None,
    };
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_date_shapes() {
        assert_eq!(parse_numeric_date("2024-01-29"), Some((Some(2024), 1, 29)));
        assert_eq!(parse_numeric_date("1999/10/12"), Some((Some(1999), 10, 12)));
        assert_eq!(parse_numeric_date("2004.07.15"), Some((Some(2004), 7, 15)));
        assert_eq!(parse_numeric_date("24-04-2003"), Some((Some(2003), 4, 24)));
        assert_eq!(parse_numeric_date("04-24-2003"), Some((Some(2003), 4, 24)));
        assert_eq!(parse_numeric_date("01-jun-99"), Some((Some(1999), 6, 1)));
        assert_eq!(parse_numeric_date("09-26"), Some((None, 9, 26)));
        assert_eq!(parse_numeric_date("9-26"), None);
        assert_eq!(parse_numeric_date("2024-13-01"), None);
        assert_eq!(parse_numeric_date("1.2"), None);
    }

    #[test]
    fn modes() {
        assert_eq!(
            parse_mode("drwxr-x---+1464").map(|m| m.perms),
            Some("rwxr-x---")
        );
        assert_eq!(parse_mode("frw-r--r--").map(|m| m.type_char), Some('f'));
        assert_eq!(parse_mode("rwxr-xr-x").map(|m| m.type_char), Some('-'));
        assert_eq!(
            parse_mode("-C--E-----FTP").map(|m| m.perms),
            Some("C--E-----FTP")
        );
        assert!(parse_mode("zrwxr-xr-x").is_none());
        assert!(parse_mode("drwxr-xr-x+++").is_none());
        assert!(parse_mode("rwx").is_none());
    }

    fn now() -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2024, 6, 1, 12, 0, 0).unwrap()
    }

    /// What the line parses to: (name, size), or None when it is not a Unix entry.
    fn read(line: &str) -> Option<(String, Option<u64>)> {
        let tokens = crate::listing::tokenize(line);
        parse(line, &tokens, now()).map(|e| (e.name, e.size))
    }

    /// Found by cargo-mutants (src/listing/unix.rs, 31 survivors): the rules that a date
    /// leaves a name after it, the dateless form's column checks, the device size, the
    /// index of a glued size, the Connect:Enterprise mode and the numeric date guards.
    #[test]
    fn a_date_must_leave_a_name_and_columns_must_fit() {
        let named = |n: &str, s: u64| Some((n.to_string(), Some(s)));
        // A date with nothing after it: no entry, whatever the date's form. (A dated line
        // whose time is followed by nothing is a date and a name: "2024-01-29 10:00".)
        for line in [
            "-rw-r--r-- 1 u g 5 Jan 29 10:00",
            "-rw-r--r-- 1 u g 5 29 Jan 2024",
            "-rw-r--r-- 1 u g 5 2024-01-29",
            "-rw-r--r-- 1 u g 5 09-26 2000",
            "-rw-r--r-- 1 u g 5 01-29 10:00",
            "-rw-r--r-- 1 u g 5 3 29 03:26",
            "-rw-r--r-- 1 u g 5 2005년 1월 6일",
        ] {
            assert_eq!(read(line).map(|(n, _)| n), None, "{line}");
        }
        // ... and with one, an entry.
        assert_eq!(read("-rw-r--r-- 1 u g 5 Jan 29 10:00 f"), named("f", 5));
        assert_eq!(read("-rw-r--r-- 1 u g 5 2024-01-29 f"), named("f", 5));
        assert_eq!(read("-rw-r--r-- 1 u g 5 09-26 2000 f"), named("f", 5));
        assert_eq!(read("-rw-r--r-- 1 u g 5 01-29 10:00 f"), named("f", 5));
        assert_eq!(read("-rw-r--r-- 1 u g 5 --- -- --:-- f"), named("f", 5));
        assert_eq!(read("-rw-r--r-- 1 u g 5 2005년 1월 6일 f"), named("f", 5));
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 Oct 08, 2002 09:47 f"),
            named("f", 5)
        );
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 2024-01-29 10:00:00 +0100 f"),
            named("f", 5)
        );

        // Where the longer date would leave no name, the shorter reading stands: the last
        // column is the name ("10:00" after a date alone, "+0100" after a date and a time).
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 2024-01-29 10:00"),
            named("10:00", 5)
        );
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 2024-01-29 10:00:00 +0100"),
            named("+0100", 5)
        );
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 Oct 08, 2002 09:47"),
            named("09:47", 5)
        );
        // And a date that would leave none is no date: the line is read without one.
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 29. Jan 10:00"),
            named("29. Jan 10:00", 5)
        );

        // libunftp's "--- -- --:--" is a date only whole and with a name after it; else the
        // line is read without a date (the columns before it give the size).
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 --- -- --:--"),
            named("--- -- --:--", 5)
        );
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 --- x --:-- f"),
            named("--- x --:-- f", 5)
        );
        assert_eq!(
            read("-rw-r--r-- 1 u g 5 --- -- xx f"),
            named("--- -- xx f", 5)
        );

        // Dateless lines: a link count, then the size in column 4 (owner and group) or 3.
        assert_eq!(read("drwxr-xr-x 3 owner 512 name"), named("name", 512));
        assert_eq!(
            read("drwxr-xr-x 3 owner 512 name more"),
            named("name more", 512)
        );
        assert_eq!(read("drwxr-xr-x owner group 512 name"), None);
        assert_eq!(read("drwxr-xr-x 3 owner group 512 Jan"), None);
        assert_eq!(read("drwxr-xr-x 3 owner group 512 2024"), None);

        // A device's "size" is its major and minor numbers, digits and commas only.
        assert_eq!(
            read("crw-rw-rw- 1 root root 1, 3 Jan 29 10:00 null"),
            Some(("null".to_string(), None))
        );
        assert_eq!(read("crw-rw-rw- 1 root root 1a Jan 29 10:00 null"), None);
        // A size glued to the group needs a group before it (not the mode's neighbour).
        assert_eq!(read("-rw-r--r-- 1 grp8 Jan 29 10:00 f"), named("f", 8));
        assert_ne!(read("-rw-r--r-- ftp8 Jan 29 10:00 f"), named("f", 8));

        // Modes: 13 characters are Connect:Enterprise only with its shape; two marks fit.
        assert_eq!(
            parse_mode("-rw-r--r--@12").map(|m| m.perms),
            Some("rw-r--r--")
        );
        assert_eq!(
            parse_mode("-rw-r--r--+@").map(|m| m.perms),
            Some("rw-r--r--")
        );
        assert!(parse_mode("-C--E-----XYZ").is_none());

        // Numeric dates: a 2-digit year is no year, day-first unless the day cannot be.
        assert_eq!(parse_numeric_date("24-04-03"), None);
        assert_eq!(parse_numeric_date("05-12-2003"), Some((Some(2003), 12, 5)));
        assert_eq!(parse_numeric_date("01/29"), None);
    }

    #[test]
    fn glued_sizes() {
        assert_eq!(size_digits("longgroup123456", 3), Some("123456"));
        assert_eq!(size_digits("4096", 4), Some("4096"));
        assert_eq!(size_digits("1,3", 4), None);
        assert_eq!(size_digits("g1", 1), None);
    }
}
