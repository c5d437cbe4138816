//! The pieces every listing family is read with: splitting a line into fields that remember
//! where they end (so a name keeps its own spacing), and the clocks, days, months and years
//! servers print, in the many spellings real listings use (English and localized month names,
//! CJK suffixes, `24:00`, two- and three-digit years).
//!
//! Every function here does a bounded amount of work per field and never panics: lines come
//! from the server and may be anything.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};

/// Strips the line terminator (servers end lines with CRLF). Trailing spaces
/// are kept: they can be part of a name.
pub(super) fn trim_eol(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

pub(super) fn is_dot_name(name: &str) -> bool {
    name == "." || name == ".."
}

/// A whitespace-separated field and where it starts and ends in the line (byte offsets).
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub text: &'a str,
    pub end: usize,
}

/// Splits on ASCII spaces and tabs only, remembering offsets so the name can
/// be taken from the original line with its own spacing intact.
pub(super) fn tokenize(line: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        let blank = c == ' ' || c == '\t';
        match (blank, start) {
            (true, Some(s)) => {
                if let Some(text) = line.get(s..i) {
                    tokens.push(Token { text, end: i });
                }
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start
        && let Some(text) = line.get(s..)
    {
        tokens.push(Token {
            text,
            end: line.len(),
        });
    }
    tokens
}

/// The rest of the line after token `k`, without the blanks that separate it: for formats
/// whose columns are padded (Netware, OS/2, OS/400), where a name cannot start with a blank.
pub(super) fn rest_after<'a>(line: &'a str, tokens: &[Token], k: usize) -> Option<&'a str> {
    let rest = line
        .get(tokens.get(k)?.end..)?
        .trim_start_matches([' ', '\t']);
    (!rest.is_empty()).then_some(rest)
}

pub(super) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A number of at most `max_len` ASCII digits.
pub(super) fn small_number(s: &str, max_len: usize) -> Option<u32> {
    if s.len() > max_len || !all_digits(s) {
        return None;
    }
    s.parse().ok()
}

/// A time of day as listed: hour, minute, second, nanoseconds. The hour may be 24 (with
/// zero minutes and seconds): some servers print midnight at the end of a day as `24:00`;
/// [`at`] turns it into midnight of the next day.
pub(super) type Clock = (u32, u32, u32, u32);

/// "10:00", "9:05", "24:00", "10:00:59", "10:00:59.123456789". Returns the clock and
/// whether seconds were present.
pub(super) fn parse_clock(s: &str) -> Option<(Clock, bool)> {
    let mut parts = s.split(':');
    let hour = parts.next()?;
    let minute = parts.next()?;
    let second = parts.next();
    if parts.next().is_some() || hour.len() > 2 || minute.len() != 2 {
        return None;
    }
    if !all_digits(hour) || !all_digits(minute) {
        return None;
    }
    let h = hour.parse::<u32>().ok()?;
    let m = minute.parse::<u32>().ok()?;
    let (sec, nanos) = match second {
        None => (0, 0),
        Some(sec) => {
            let (whole, fraction) = match sec.split_once('.') {
                Some((w, f)) => (w, f),
                None => (sec, ""),
            };
            if whole.len() != 2 || !all_digits(whole) {
                return None;
            }
            if !fraction.is_empty() && !all_digits(fraction) {
                return None;
            }
            let digits = fraction.get(..fraction.len().min(9)).unwrap_or("");
            let nanos = if digits.is_empty() {
                0
            } else {
                digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32)
            };
            (whole.parse::<u32>().ok()?, nanos)
        }
    };
    let valid = (h < 24 && m < 60 && sec < 60) || (h == 24 && m == 0 && sec == 0 && nanos == 0);
    valid.then_some(((h, m, sec, nanos), second.is_some()))
}

/// `date` at `clock`; `24:00` is midnight of the next day.
pub(super) fn at(date: NaiveDate, (h, m, s, nanos): Clock) -> Option<NaiveDateTime> {
    if h == 24 {
        return date.succ_opt()?.and_hms_opt(0, 0, 0);
    }
    date.and_hms_nano_opt(h, m, s, nanos)
}

/// A date and time taken as UTC (listings carry no time zone).
pub(super) fn utc(year: i32, month: u32, day: u32, clock: Clock) -> Option<DateTime<Utc>> {
    at(NaiveDate::from_ymd_opt(year, month, day)?, clock).map(|t| t.and_utc())
}

/// "+0100" / "-0530" as seconds east of UTC.
pub(super) fn parse_utc_offset(s: &str) -> Option<i32> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    if digits.len() != 4 || !all_digits(digits) {
        return None;
    }
    let hours = digits.get(0..2)?.parse::<i32>().ok()?;
    let minutes = digits.get(2..4)?.parse::<i32>().ok()?;
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

pub(super) fn with_offset(naive: NaiveDateTime, offset_seconds: i32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A date shown without a year ("Jan 29 10:00"): `ls` prints those for
/// recent files (the last six months), so it is the latest such date that is
/// not in the future. A day of slack allows for a server clock or time zone
/// ahead of ours, which is also why next year is a candidate: "Jan 1 10:00"
/// read at 23:00 UTC on Dec 31 is most likely a few hours old, not 364 days.
/// Feb 29 goes back to the last leap year.
pub(super) fn recent_date(
    month: u32,
    day: u32,
    clock: Clock,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let limit = now
        .checked_add_signed(TimeDelta::days(1))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let year = now.year();
    // Eight years back always reach a leap year (1900 and 2100 are not).
    (year.saturating_sub(8)..=year.saturating_add(1))
        .rev()
        .find_map(|y| utc(y, month, day, clock).filter(|t| *t <= limit))
}

/// Years printed with two digits (70-99 are 19xx) or, by servers that were not ready for
/// 2000, with three (`103` is 2003: the C library's years since 1900).
pub(super) fn expand_year(s: &str) -> Option<i32> {
    let y = i32::try_from(small_number(s, 4)?).ok()?;
    match s.len() {
        2 if y < 70 => Some(2000 + y),
        2 => Some(1900 + y),
        3 => Some(1900 + y),
        4 => Some(y),
        _ => None,
    }
}

/// CJK date suffixes: year, month, day in Chinese/Japanese and Korean.
const YEAR_SUFFIXES: [char; 2] = ['年', '년'];
const MONTH_SUFFIXES: [char; 2] = ['月', '월'];
const DAY_SUFFIXES: [char; 2] = ['日', '일'];

/// A day of the month: "29", "1", German "29." or "08," (VShell), CJK "3日" / "6일".
pub(super) fn parse_day(s: &str) -> Option<u32> {
    let digits = s
        .strip_suffix(DAY_SUFFIXES)
        .or_else(|| s.strip_suffix(['.', ',']))
        .unwrap_or(s);
    let day = small_number(digits, 2)?;
    (1..=31).contains(&day).then_some(day)
}

/// A four-digit year, also with a CJK suffix ("2003年", "2005년").
pub(super) fn parse_year(s: &str) -> Option<i32> {
    let digits = s.strip_suffix(YEAR_SUFFIXES).unwrap_or(s);
    if digits.len() != 4 {
        return None;
    }
    i32::try_from(small_number(digits, 4)?).ok()
}

/// Month abbreviations and names listings print in common locales (English,
/// German, French, Spanish, Italian, Portuguese, Dutch, Swedish, Hungarian, Russian),
/// lowercase and without a trailing dot.
const MONTHS: [&[&str]; 12] = [
    &[
        "jan", "january", "januar", "jän", "jänner", "janv", "janvier", "ene", "enero", "gen",
        "gennaio", "janeiro", "januari", "янв",
    ],
    &[
        "feb",
        "february",
        "februar",
        "fév",
        "févr",
        "fevr",
        "février",
        "febrero",
        "febbraio",
        "fev",
        "fevereiro",
        "februari",
        "febr",
        "фев",
    ],
    &[
        "mar", "march", "mär", "märz", "mrz", "mars", "marzo", "março", "mrt", "maart", "márc",
        "мар",
    ],
    &[
        "apr", "april", "avr", "avril", "abr", "abril", "aprile", "ápr", "апр",
    ],
    &[
        "may", "mai", "mayo", "mag", "maggio", "maio", "mei", "maj", "máj", "май",
    ],
    &[
        "jun", "june", "juni", "juin", "junio", "giu", "giugno", "junho", "jún", "июн",
    ],
    &[
        "jul", "july", "juli", "juil", "juillet", "julio", "lug", "luglio", "julho", "júl", "июл",
    ],
    &[
        "aug", "august", "août", "aout", "ago", "agosto", "augusti", "авг",
    ],
    &[
        "sep",
        "sept",
        "september",
        "septembre",
        "septiembre",
        "set",
        "settembre",
        "setembro",
        "szept",
        "сен",
    ],
    &[
        "oct", "october", "okt", "oktober", "octobre", "octubre", "ott", "ottobre", "out",
        "outubro", "окт",
    ],
    &[
        "nov",
        "november",
        "novembre",
        "noviembre",
        "novembro",
        "ноя",
    ],
    &[
        "dec",
        "december",
        "dez",
        "dezember",
        "déc",
        "décembre",
        "decembre",
        "dic",
        "diciembre",
        "dicembre",
        "dezembro",
        "дек",
    ],
];

/// A month name in any case, with or without a trailing dot or comma ("Jan", "MÄR", "déc.",
/// "Juli,", "Jan.,"), or a CJK numeric month ("1月", "12월").
pub(super) fn parse_month(s: &str) -> Option<u32> {
    // Month words are short: a long field is not one (and is not worth lowercasing).
    if s.len() > 16 {
        return None;
    }
    let lower = s.to_lowercase();
    let word = lower.trim_end_matches([',', '.']);
    if let Some(n) = word.strip_suffix(MONTH_SUFFIXES) {
        let month = small_number(n, 2)?;
        return (1..=12).contains(&month).then_some(month);
    }
    let index = MONTHS.iter().position(|names| names.contains(&word))?;
    u32::try_from(index + 1).ok()
}

/// A month written as a number followed by a suffix that is not ASCII: the CJK forms, and the
/// same forms from a server whose encoding was not UTF-8 (the suffix then arrives as
/// replacement characters). Only used where a year came first, so "3日" is never a month.
pub(super) fn parse_suffixed_month(s: &str) -> Option<u32> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (digits, suffix) = s.split_at(split);
    if suffix.chars().count() > 3 || suffix.chars().any(|c| c.is_ascii()) {
        return None;
    }
    let month = small_number(digits, 2)?;
    (1..=12).contains(&month).then_some(month)
}

/// English three-letter month abbreviations, any case: what VMS, HP NonStop and other
/// non-Unix systems print ("JUN", "Apr").
pub(super) fn parse_english_month(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if s.len() != 3 {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let index = NAMES.iter().position(|n| *n == lower)?;
    u32::try_from(index + 1).ok()
}

/// "2-JUN-1998", "6-Apr-07", "01-jun-99": day, English month, year (two or four digits).
pub(super) fn parse_day_month_year(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split('-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || (y.len() != 2 && y.len() != 4) {
        return None;
    }
    let day = small_number(d, 2)?;
    let month = parse_english_month(m)?;
    let year = expand_year(y)?;
    NaiveDate::from_ymd_opt(year, month, day)?;
    Some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cargo-mutants survivors (src/listing/text.rs): signs and lengths in times, offsets
    /// and small numbers (`parse::<u32>` takes "+1", so the digit checks matter).
    #[test]
    fn clocks_offsets_and_small_numbers_are_exact() {
        assert_eq!(small_number("12", 2), Some(12));
        assert_eq!(small_number("123", 2), None);
        assert_eq!(small_number("+1", 2), None);
        assert_eq!(parse_clock("10:05").map(|c| c.0), Some((10, 5, 0, 0)));
        assert_eq!(parse_clock("10:05:07").map(|c| c.0), Some((10, 5, 7, 0)));
        for bad in [
            "1:2:3:4",
            "10:05:07:09",
            "123:00",
            "10:0",
            "+1:00",
            "10:+1",
            "10:00:5",
            "10:00:+5",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
        assert_eq!(parse_utc_offset("+0100"), Some(3600));
        assert_eq!(parse_utc_offset("-0130"), Some(-5400));
        assert_eq!(parse_utc_offset("+2359"), Some(23 * 3600 + 59 * 60));
        for bad in ["+2400", "+0060", "+010", "+01a0", "0100", "+", "-+100"] {
            assert_eq!(parse_utc_offset(bad), None, "{bad}");
        }
    }

    /// More survivors: the two-digit year's pivot, and a month's suffix of at most three
    /// characters (a CJK "月" that arrived undecodable is three replacement characters).
    #[test]
    fn year_pivot_and_suffixed_months() {
        assert_eq!(expand_year("69"), Some(2069));
        assert_eq!(expand_year("70"), Some(1970));
        assert_eq!(expand_year("103"), Some(2003));
        assert_eq!(parse_suffixed_month("3月"), Some(3));
        assert_eq!(parse_suffixed_month("3\u{fffd}\u{fffd}\u{fffd}"), Some(3));
        assert_eq!(
            parse_suffixed_month("3\u{fffd}\u{fffd}\u{fffd}\u{fffd}"),
            None
        );
        assert_eq!(parse_suffixed_month("13月"), None);
    }

    #[test]
    fn clocks_and_midnight_at_24() {
        assert_eq!(parse_clock("9:05"), Some(((9, 5, 0, 0), false)));
        assert_eq!(parse_clock("24:00"), Some(((24, 0, 0, 0), false)));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("23:60"), None);
        assert_eq!(
            parse_clock("10:30:13.64"),
            Some(((10, 30, 13, 640_000_000), true))
        );
        let day = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        assert_eq!(
            at(day, (24, 0, 0, 0)),
            NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
        );
    }

    #[test]
    fn years_days_and_months_in_their_spellings() {
        assert_eq!(expand_year("99"), Some(1999));
        assert_eq!(expand_year("07"), Some(2007));
        assert_eq!(expand_year("103"), Some(2003));
        assert_eq!(expand_year("2003"), Some(2003));
        assert_eq!(parse_year("2003年"), Some(2003));
        assert_eq!(parse_year("2005년"), Some(2005));
        assert_eq!(parse_day("3日"), Some(3));
        assert_eq!(parse_day("6일"), Some(6));
        assert_eq!(parse_day("08,"), Some(8));
        assert_eq!(parse_day("26."), Some(26));
        assert_eq!(parse_day("32"), None);
        assert_eq!(parse_month("Juli,"), Some(7));
        assert_eq!(parse_month("Jan.,"), Some(1));
        assert_eq!(parse_month("szept"), Some(9));
        assert_eq!(parse_month("6月"), Some(6));
        assert_eq!(parse_month("1월"), Some(1));
        assert_eq!(parse_month("13月"), None);
        assert_eq!(parse_suffixed_month("3\u{FFFD}\u{FFFD}"), Some(3));
        assert_eq!(parse_suffixed_month("3x"), None);
        assert_eq!(parse_suffixed_month("3"), None);
        assert_eq!(parse_day_month_year("2-JUN-1998"), Some((1998, 6, 2)));
        assert_eq!(parse_day_month_year("6-Apr-07"), Some((2007, 4, 6)));
        assert_eq!(parse_day_month_year("30-FEB-2001"), None);
        assert_eq!(parse_day_month_year("2-JUN-198"), None);
    }
}
