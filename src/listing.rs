//! Directory listings: turns the lines of an MLSD reply (RFC 3659 facts) or of
//! a LIST reply (POSIX `ls -l` style or DOS/IIS style) into [`Entry`] values,
//! and decides whether a server-supplied name is safe to use as a local path
//! component ([`sanitize_name`]) or to print on a terminal ([`display_name`]).
//!
//! Pure parsing: no I/O, no clock (callers pass `now`, which decides the year
//! of `ls -l` dates printed without one, so tests are deterministic). A line
//! that cannot be understood is never dropped: it becomes an [`Entry`] of kind
//! [`Kind::Other`] whose `raw` holds the line, so the user still sees it.
//! We do not use suppaftp's `File::try_from`: it accepts junk ("total 12"
//! becomes a file) and rejects ACL suffixes, device entries, ISO dates and
//! non-English month names, all of which real servers send.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, TimeZone,
    Utc,
};
use serde::Serializer;

/// What a listing line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Link,
    /// Devices, pipes, sockets, unknown MLSD types and unparsable lines.
    Other,
}

/// One entry of a remote directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as the server sent it: it may be hostile, so check it with
    /// [`sanitize_name`] before using it locally and print it through
    /// [`display_name`].
    pub name: String,
    pub kind: Kind,
    pub size: Option<u64>,
    /// When the entry was last modified, taken as UTC (LIST dates carry no
    /// time zone). How much of it the server stated is in `precision`.
    pub modified: Option<DateTime<Utc>>,
    /// How much of `modified` is known. A LIST line for an old file gives
    /// only a day ("Jan  5  2019"); `modified` then holds midnight of that
    /// day, which is not information: `ls -l` leaves the time blank and JSON
    /// gives the date alone.
    pub precision: Precision,
    /// "rwxr-xr-x" style: the LIST mode without its type letter and ACL
    /// suffix, or MLSD `unix.mode` rendered the same way; else the raw MLSD
    /// `perm` fact ("adfrw"). Server text: print it through [`display_name`].
    pub permissions: Option<String>,
    /// Symlink target ("name -> target" in LIST, `OS.unix=slink:target` in MLSD).
    pub target: Option<String>,
    /// `Some(line)` when the line could not be parsed; then `kind` is
    /// [`Kind::Other`] and `name` is the whole line.
    pub raw: Option<String>,
}

/// How much of a modification time a listing stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// A time of day (to the minute or better): MLSD, DOS lines, recent `ls -l` lines.
    #[default]
    Time,
    /// Only the day: the time of day is unknown.
    Day,
}

/// JSON: `name`, `type`, `size`, `modified`, `permissions`, `target` (`raw` is
/// not sent: `name` holds the line). `modified` is RFC 3339 UTC
/// ("2024-01-29T10:00:00Z") when the time of day is known, the date alone
/// ("2019-01-05", an RFC 3339 full-date) when the listing gave only the day,
/// or null: the output never invents a time.
impl serde::Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let modified = self.modified.map(|t| match self.precision {
            Precision::Time => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            Precision::Day => t.format("%Y-%m-%d").to_string(),
        });
        let mut s = serializer.serialize_struct("Entry", 6)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("size", &self.size)?;
        s.serialize_field("modified", &modified)?;
        s.serialize_field("permissions", &self.permissions)?;
        s.serialize_field("target", &self.target)?;
        s.end()
    }
}

impl Entry {
    /// The entry standing for a line we could not parse: shown, never dropped.
    fn unparsed(line: &str) -> Entry {
        Entry {
            name: line.to_string(),
            kind: Kind::Other,
            size: None,
            modified: None,
            precision: Precision::Time,
            permissions: None,
            target: None,
            raw: Some(line.to_string()),
        }
    }
}

/// Parses a whole listing. Lines that fail to parse become raw [`Kind::Other`]
/// entries; only blank lines, "total N" lines, "." / ".." and MLSD
/// cdir/pdir entries are left out. The result is sorted by name (byte order).
/// (The session parses line by line as a listing arrives: [`parse_line`].)
#[cfg(test)]
pub fn parse_listing(lines: &[String], mlsd: bool, now: DateTime<Utc>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = lines
        .iter()
        .filter_map(|line| parse_line(line, mlsd, now))
        .collect();
    sort_entries(&mut entries);
    entries
}

/// One line of an MLSD (`mlsd`) or LIST listing, as [`parse_listing`] reads it:
/// for callers that parse a listing line by line as it arrives.
pub fn parse_line(line: &str, mlsd: bool, now: DateTime<Utc>) -> Option<Entry> {
    if mlsd {
        parse_mlsd_line(line)
    } else {
        parse_list_line(line, now)
    }
}

/// The order listings are shown in: by name, byte order (`String`'s
/// ordering), stable for duplicates.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Strips the line terminator (servers end lines with CRLF). Trailing spaces
/// are kept: they can be part of a name.
fn trim_eol(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

fn is_dot_name(name: &str) -> bool {
    name == "." || name == ".."
}

// ---------------------------------------------------------------------------
// MLSD (RFC 3659 section 7)
// ---------------------------------------------------------------------------

/// Parses one MLSD line: `fact=value;fact=value; name`. Fact names and type
/// values are case-insensitive; the name is everything after the first space,
/// kept exactly. Returns `None` for cdir/pdir entries, "." / ".." and blank
/// lines; a line that is not a fact line comes back as a raw entry.
pub fn parse_mlsd_line(line: &str) -> Option<Entry> {
    let line = trim_eol(line);
    // A bare "." or ".." line (seen from servers that ignore the fact list)
    // is the same noise as a cdir/pdir entry.
    if line.trim().is_empty() || is_dot_name(line.trim()) {
        return None;
    }
    let Some((facts, name)) = line.split_once(' ') else {
        return Some(Entry::unparsed(line));
    };
    if name.is_empty() {
        return Some(Entry::unparsed(line));
    }
    let mut kind = None;
    let mut size = None;
    let mut dir_size = None;
    let mut modified = None;
    let mut mode = None;
    let mut perm = None;
    let mut target = None;
    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let Some((key, value)) = fact.split_once('=') else {
            // Not a fact list (a LIST line sent on the MLSD path, say).
            return Some(Entry::unparsed(line));
        };
        match key.to_ascii_lowercase().as_str() {
            "type" => {
                let (k, t) = mlsd_type(value)?;
                kind = Some(k);
                target = t;
            }
            "size" => size = value.parse::<u64>().ok(),
            "sizd" => dir_size = value.parse::<u64>().ok(),
            "modify" => modified = parse_mlsd_time(value),
            "unix.mode" => mode = render_octal_mode(value),
            "perm" => perm = Some(value.to_string()),
            _ => {}
        }
    }
    if is_dot_name(name) {
        return None;
    }
    let kind = kind.unwrap_or(Kind::Other);
    Some(Entry {
        name: name.to_string(),
        kind,
        size: size.or(if kind == Kind::Dir { dir_size } else { None }),
        modified,
        precision: Precision::Time,
        permissions: mode.or(perm),
        target,
        raw: None,
    })
}

/// Maps an MLSD `type` value to a kind and symlink target; `None` means the
/// entry must be skipped (cdir, pdir).
fn mlsd_type(value: &str) -> Option<(Kind, Option<String>)> {
    let lower = value.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "file" => Kind::File,
        "dir" => Kind::Dir,
        "cdir" | "pdir" => return None,
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
            let digits: String = f.chars().take(9).collect();
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
fn render_octal_mode(value: &str) -> Option<String> {
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

// ---------------------------------------------------------------------------
// LIST
// ---------------------------------------------------------------------------

/// Parses one LIST line, POSIX `ls -l` style first, then DOS/IIS style.
/// Returns `None` for blank lines, "total N" lines and "." / ".." entries; a
/// line neither parser understands comes back as a raw [`Kind::Other`] entry.
/// `now` decides the year of "Mon DD HH:MM" dates: the current year, unless
/// that puts the date more than about six months in the future, in which
/// case it is last year.
pub fn parse_list_line(line: &str, now: DateTime<Utc>) -> Option<Entry> {
    let line = trim_eol(line);
    let tokens = tokenize(line);
    if tokens.is_empty() || is_total_line(&tokens) {
        return None;
    }
    match parse_posix(line, &tokens, now).or_else(|| parse_dos(line, &tokens)) {
        Some(entry) if is_dot_name(&entry.name) => None,
        Some(entry) => Some(entry),
        // A bare "." or ".." line (NLST-like output) is noise, not an entry.
        None if is_dot_name(line.trim()) => None,
        None => Some(Entry::unparsed(line)),
    }
}

/// A whitespace-separated field and where it ends in the line (a byte offset).
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    end: usize,
}

/// Splits on ASCII spaces and tabs only, remembering offsets so the name can
/// be taken from the original line with its own spacing intact.
fn tokenize(line: &str) -> Vec<Token<'_>> {
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

/// "total 12" (GNU, BSD, busybox), "insgesamt 12" (German GNU ls).
fn is_total_line(tokens: &[Token]) -> bool {
    let first = tokens.first().map(|t| t.text.to_lowercase());
    matches!(first.as_deref(), Some("total" | "insgesamt" | "итого"))
        && match tokens.get(1) {
            None => true,
            Some(t) => tokens.len() == 2 && t.text.starts_with(|c: char| c.is_ascii_digit()),
        }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The `ls -l` mode field: a type letter, nine permission letters and an
/// optional suffix ('+' ACL, '@' macOS extended attributes, '.' SELinux
/// context). Returns the type letter and the nine letters.
fn parse_mode(field: &str) -> Option<(char, &str)> {
    let mut chars = field.chars();
    let kind = chars.next()?;
    if !"-dlcbpsDnw?".contains(kind) {
        return None;
    }
    let perms = field.get(1..10)?;
    if !perms.chars().all(|c| "rwxsStTlL-".contains(c)) {
        return None;
    }
    let suffix = field.get(10..)?;
    if suffix.len() > 2 || !suffix.chars().all(|c| "+@.".contains(c)) {
        return None;
    }
    Some((kind, perms))
}

/// POSIX `ls -l` style: mode, [links], [owner], [group], size, date, name.
/// Rather than count columns (servers drop the group, or the links), we look
/// for the first date whose preceding field is a size; the name is the rest
/// of the line after the one space that follows the date.
fn parse_posix(line: &str, tokens: &[Token], now: DateTime<Utc>) -> Option<Entry> {
    let (type_char, perms) = parse_mode(tokens.first()?.text)?;
    let kind = match type_char {
        '-' => Kind::File,
        'd' => Kind::Dir,
        'l' => Kind::Link,
        _ => Kind::Other,
    };
    let device = matches!(type_char, 'c' | 'b');
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
            if !all_digits(size_field) {
                continue;
            }
            // A size too large for u64 is not a size: leave the line raw.
            Some(size_field.parse::<u64>().ok()?)
        };
        let name_start = tokens.get(last)?.end + 1;
        let rest = line.get(name_start..)?;
        if rest.is_empty() {
            return None;
        }
        let (name, target) = match (kind, rest.split_once(" -> ")) {
            (Kind::Link, Some((n, t))) => (n, Some(t.to_string())),
            _ => (rest, None),
        };
        return Some(Entry {
            name: name.to_string(),
            kind,
            size,
            modified,
            precision,
            permissions: Some(perms.to_string()),
            target,
            raw: None,
        });
    }
    None
}

/// The last column of an `ls -l` date: a time of day or a year.
#[derive(Debug, Clone, Copy)]
enum TimeOrYear {
    Time(u32, u32, u32),
    Year(i32),
}

/// Tries to read a date starting at token `i`. Returns the index of the
/// date's last token, the date, which is `None` when the columns have the
/// shape of a date but name no real day (Feb 30, libunftp's "--- -- --:--"),
/// and whether it had a time of day. A date must leave a name after it.
fn match_date(
    tokens: &[Token],
    i: usize,
    now: DateTime<Utc>,
) -> Option<(usize, Option<DateTime<Utc>>, Precision)> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let has_name_after = |k: usize| k + 1 < tokens.len();
    let first = text(i)?;

    // GNU --time-style=long-iso / full-iso / iso: "2024-01-29 10:00",
    // "2024-01-29 10:00:00.000000000 +0100", "2024-01-29", "01-29 10:00".
    if let Some((year, month, day)) = parse_iso_date(first) {
        let mut last = i;
        let mut time = (0, 0, 0, 0);
        let mut offset = 0;
        if has_name_after(i + 1)
            && let Some((t, with_seconds)) = text(i + 1).and_then(parse_clock)
        {
            time = t;
            last = i + 1;
            if with_seconds
                && has_name_after(i + 2)
                && let Some(o) = text(i + 2).and_then(parse_utc_offset)
            {
                offset = o;
                last = i + 2;
            }
        }
        if year.is_none() && last == i {
            // "01-29" alone is not a date we know.
            return None;
        }
        if !has_name_after(last) {
            return None;
        }
        let (h, m, s, nanos) = time;
        let precision = if last == i {
            Precision::Day
        } else {
            Precision::Time
        };
        let modified = match year {
            Some(y) => NaiveDate::from_ymd_opt(y, month, day)
                .and_then(|d| d.and_hms_nano_opt(h, m, s, nanos))
                .and_then(|naive| with_offset(naive, offset)),
            None => recent_date(month, day, (h, m, s), now),
        };
        return Some((last, modified, precision));
    }

    // libunftp when a file's mtime is unavailable.
    if first == "---" && text(i + 1) == Some("--") && text(i + 2) == Some("--:--") {
        return has_name_after(i + 2).then_some((i + 2, None, Precision::Time));
    }

    // "Jan 29 10:00", "Jan 29  2024" (English and localized month names),
    // and the day-first orders of localized ls: "29. Jan 10:00" (German),
    // "29 janv. 2024" (French), "29 ene 10:00" (Spanish).
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
    let (modified, precision) = match when {
        TimeOrYear::Year(y) => (
            NaiveDate::from_ymd_opt(y, month, day)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|naive| naive.and_utc()),
            Precision::Day,
        ),
        TimeOrYear::Time(h, m, s) => (recent_date(month, day, (h, m, s), now), Precision::Time),
    };
    Some((i + 2, modified, precision))
}

/// "2024-01-29" gives (Some(2024), 1, 29); GNU's "iso" style "01-29" gives
/// (None, 1, 29). Only the shape and ranges are checked here.
fn parse_iso_date(s: &str) -> Option<(Option<i32>, u32, u32)> {
    let parts: Vec<&str> = s.split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && all_digits(y) => (Some(y.parse::<i32>().ok()?), *m, *d),
        [m, d] => (None, *m, *d),
        _ => return None,
    };
    if month.len() != 2 || day.len() != 2 || !all_digits(month) || !all_digits(day) {
        return None;
    }
    let month = month.parse::<u32>().ok()?;
    let day = day.parse::<u32>().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

/// "10:00", "9:05", "10:00:59", "10:00:59.123456789". Returns
/// (hour, minute, second, nanos) and whether seconds were present.
fn parse_clock(s: &str) -> Option<((u32, u32, u32, u32), bool)> {
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
            let digits: String = fraction.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32)
            };
            (whole.parse::<u32>().ok()?, nanos)
        }
    };
    (h < 24 && m < 60 && sec < 60).then_some(((h, m, sec, nanos), second.is_some()))
}

/// "+0100" / "-0530" as seconds east of UTC.
fn parse_utc_offset(s: &str) -> Option<i32> {
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

fn with_offset(naive: NaiveDateTime, offset_seconds: i32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_time_or_year(s: &str) -> Option<TimeOrYear> {
    if s.len() == 4 && all_digits(s) {
        return s.parse::<i32>().ok().map(TimeOrYear::Year);
    }
    let ((h, m, sec, _), _) = parse_clock(s)?;
    Some(TimeOrYear::Time(h, m, sec))
}

/// A date shown without a year ("Jan 29 10:00"): `ls` prints those for
/// recent files (the last six months), so it is the latest such date that is
/// not in the future. A day of slack allows for a server clock or time zone
/// ahead of ours, which is also why next year is a candidate: "Jan 1 10:00"
/// read at 23:00 UTC on Dec 31 is most likely a few hours old, not 364 days.
/// Feb 29 goes back to the last leap year.
fn recent_date(
    month: u32,
    day: u32,
    (h, m, s): (u32, u32, u32),
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let limit = now
        .checked_add_signed(TimeDelta::days(1))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let year = now.year();
    // Eight years back always reach a leap year (1900 and 2100 are not).
    (year.saturating_sub(8)..=year.saturating_add(1))
        .rev()
        .find_map(|y| {
            NaiveDate::from_ymd_opt(y, month, day)
                .and_then(|d| d.and_hms_opt(h, m, s))
                .map(|naive| naive.and_utc())
                .filter(|t| *t <= limit)
        })
}

/// A day of the month: "29", "1", German "29.".
fn parse_day(s: &str) -> Option<u32> {
    let digits = s.strip_suffix('.').unwrap_or(s);
    if digits.len() > 2 || !all_digits(digits) {
        return None;
    }
    let day = digits.parse::<u32>().ok()?;
    (1..=31).contains(&day).then_some(day)
}

/// Month abbreviations and names `ls` prints in common locales (English,
/// German, French, Spanish, Italian, Portuguese, Dutch, Swedish, Russian),
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
        "фев",
    ],
    &[
        "mar", "march", "mär", "märz", "mrz", "mars", "marzo", "março", "mrt", "maart", "мар",
    ],
    &[
        "apr", "april", "avr", "avril", "abr", "abril", "aprile", "апр",
    ],
    &[
        "may", "mai", "mayo", "mag", "maggio", "maio", "mei", "maj", "май",
    ],
    &[
        "jun", "june", "juni", "juin", "junio", "giu", "giugno", "junho", "июн",
    ],
    &[
        "jul", "july", "juli", "juil", "juillet", "julio", "lug", "luglio", "julho", "июл",
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

/// A month name in any case with or without a trailing dot ("Jan", "MÄR",
/// "déc.", "dic"), or a CJK numeric month ("1月", "12월").
fn parse_month(s: &str) -> Option<u32> {
    let lower = s.to_lowercase();
    let word = lower.strip_suffix('.').unwrap_or(&lower);
    if let Some(n) = word.strip_suffix('月').or_else(|| word.strip_suffix('월')) {
        let month = if n.len() <= 2 && all_digits(n) {
            n.parse::<u32>().ok()?
        } else {
            return None;
        };
        return (1..=12).contains(&month).then_some(month);
    }
    let index = MONTHS.iter().position(|names| names.contains(&word))?;
    u32::try_from(index + 1).ok()
}

/// DOS/IIS style: `01-29-24  10:00AM       <DIR>          dir name` or
/// `01-29-2024  10:00PM  12 file.txt`; also day-first and 24-hour clocks,
/// Windows `dir` thousands separators and `<SYMLINKD> name [target]`.
fn parse_dos(line: &str, tokens: &[Token]) -> Option<Entry> {
    let (year, month, day) = parse_dos_date(tokens.first()?.text)?;
    let (hour, minute, next) = parse_dos_time(tokens)?;
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
        .and_then(|d| d.and_hms_opt(hour, minute, 0))
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
    })
}

/// "01-29-24", "01/29/2024", "29-01-24" (day first when the first number
/// cannot be a month), "2024-01-29". Two-digit years: 70-99 are 19xx.
fn parse_dos_date(s: &str) -> Option<(i32, u32, u32)> {
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if !all_digits(a) || !all_digits(b) || !all_digits(c) {
        return None;
    }
    let small = |s: &str| {
        if s.len() <= 2 {
            s.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (year, month, day) = if a.len() == 4 {
        (*a, small(b)?, small(c)?) // 2024-01-29
    } else {
        let (first, second) = (small(a)?, small(b)?);
        if first > 12 {
            (*c, second, first) // 29-01-24
        } else {
            (*c, first, second) // 01-29-24: US order, what IIS sends
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

/// The time after a DOS date: "10:00AM", "10:00 PM", "22:00", "10:00a".
/// Returns hour, minute and the index of the token after the time.
fn parse_dos_time(tokens: &[Token]) -> Option<(u32, u32, usize)> {
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
    let ((mut hour, minute, _, _), _) = parse_clock(clock)?;
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
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    Some((hour, minute, next))
}

// ---------------------------------------------------------------------------
// Names from the server are untrusted
// ---------------------------------------------------------------------------

/// Returns `Some(name)` when a server-supplied name is safe as ONE local path
/// component: not empty, not "." or "..", no '/' or '\\', no NUL or other
/// control character (C0, DEL, C1 0x80-0x9f). Else `None`: a hostile server
/// must not make `get -r` write outside the target directory or smuggle
/// terminal escapes into file names.
pub fn sanitize_name(name: &str) -> Option<&str> {
    let unsafe_char = |c: char| c == '/' || c == '\\' || c.is_control();
    (!name.is_empty() && !is_dot_name(name) && !name.chars().any(unsafe_char)).then_some(name)
}

/// Server text made safe to print on a terminal: names, link targets, MLSD
/// facts, reply lines, the banner, the protocol trace. This is the one
/// cleaning function: whatever a server sent reaches the terminal through it.
/// Every character [`is_unsafe_for_terminal`] flags becomes '?', so escape
/// sequences are never sent to the terminal raw and text cannot reorder
/// itself on screen.
pub fn display_name(name: &str) -> String {
    name.chars()
        .map(|c| if is_unsafe_for_terminal(c) { '?' } else { c })
        .collect()
}

/// Whether `text` would be changed by [`display_name`].
pub fn needs_cleaning(text: &str) -> bool {
    text.chars().any(is_unsafe_for_terminal)
}

/// The characters [`display_name`] replaces: controls (C0, DEL and C1;
/// `char::is_control` is exactly these, and ESC or CSI start terminal escape
/// sequences), bidirectional marks, embeddings, overrides and isolates, which
/// reorder what follows them on screen so a name could pose as another
/// (`evil\u{202E}txt.exe`), and the Unicode line and paragraph separators.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' // arabic letter mark
            | '\u{200E}' | '\u{200F}' // left-to-right and right-to-left marks
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2066}'..='\u{2069}' // isolates
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_are_made_visible() {
        assert_eq!(display_name("evil\u{202E}txt.exe"), "evil?txt.exe");
        assert_eq!(display_name("naïve ü"), "naïve ü");
        for c in [
            '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{061C}', '\u{2028}', '\u{2029}',
        ] {
            assert_eq!(display_name(&format!("a{c}b")), "a?b", "U+{:04X}", c as u32);
            assert!(needs_cleaning(&c.to_string()));
        }
        // Every C0 control, DEL and every C1 control.
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert_eq!(display_name(&format!("a{c}b")), "a?b", "U+{:04X}", c as u32);
        }
        assert!(!needs_cleaning("plain ü 月 name"));
    }

    /// A fixed "now" (2025-03-15 12:00 UTC) so year inference is deterministic.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 15, 12, 0, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap())
    }

    fn list(line: &str) -> Entry {
        parse_list_line(line, now()).expect("line should yield an entry")
    }

    fn mlsd(line: &str) -> Entry {
        parse_mlsd_line(line).expect("line should yield an entry")
    }

    fn assert_parsed(e: &Entry) {
        assert_eq!(e.raw, None, "line was not parsed: {e:?}");
    }

    // --- POSIX LIST, server by server -------------------------------------

    #[test]
    fn vsftpd_debian_time_form_year_from_now() {
        // ftp.debian.org (vsftpd; ncftp shows the same lines).
        let e = list("drwxr-xr-x    9 1176     1176         4096 Sep 26 15:07 debian");
        assert_parsed(&e);
        assert_eq!(e.name, "debian");
        assert_eq!(e.kind, Kind::Dir);
        assert_eq!(e.size, Some(4096));
        // Sep 26 2025 would be > 6 months after 2025-03-15: it is last year.
        assert_eq!(e.modified, utc(2024, 9, 26, 15, 7, 0));
        assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        assert_eq!(e.target, None);
    }

    #[test]
    fn year_form_and_this_year_time_form() {
        // vsftpd: "%b %e  %Y" and "%b %e %H:%M".
        let e = list("-rw-r--r--   1 ftp ftp   1048576 Jan 29  2024 file.bin");
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.kind), ("file.bin", Kind::File));
        assert_eq!(e.size, Some(1048576));
        assert_eq!(e.modified, utc(2024, 1, 29, 0, 0, 0));
        let e = list("-rw-r--r--    1 ftp      ftp            12 Jan  2 08:30 recent");
        assert_eq!(e.modified, utc(2025, 1, 2, 8, 30, 0));
        assert_eq!(e.name, "recent");
    }

    /// The date a year-less LIST line gets when read at `now`.
    fn yearless(date: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let line = format!("-rw-r--r-- 1 u g 1 {date} README");
        let e = parse_list_line(&line, now).unwrap();
        assert_parsed(&e);
        assert_eq!(e.precision, Precision::Time, "{line}");
        e.modified
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn yearless_dates_are_never_more_than_a_day_ahead() {
        // The report: read on 25 Nov 2026, "Dec 31 23:59" was shown as 2026-12-31.
        let nov25 = at(2026, 11, 25, 12, 0);
        assert_eq!(
            yearless("Dec 31 23:59", nov25),
            utc(2025, 12, 31, 23, 59, 0)
        );
        // Less than a day ahead (a server clock or zone ahead of ours) stays.
        assert_eq!(yearless("Nov 26 10:00", nov25), utc(2026, 11, 26, 10, 0, 0));
        assert_eq!(yearless("Nov 26 13:00", nov25), utc(2025, 11, 26, 13, 0, 0));
        assert_eq!(yearless("Nov 25 11:00", nov25), utc(2026, 11, 25, 11, 0, 0));
        assert_eq!(yearless("Aug 1 10:00", now()), utc(2024, 8, 1, 10, 0, 0));
        assert_eq!(yearless("Jan  2 08:30", now()), utc(2025, 1, 2, 8, 30, 0));
        // GNU's "iso" time style has no year either.
        let e = parse_list_line("-rw-r--r-- 1 u g 1 12-31 23:59 iso", nov25).unwrap();
        assert_eq!(e.modified, utc(2025, 12, 31, 23, 59, 0));
    }

    #[test]
    fn yearless_dates_around_new_year() {
        // Just after midnight on New Year's Day: yesterday is last year.
        let new_year = at(2027, 1, 1, 0, 30);
        assert_eq!(
            yearless("Dec 31 23:59", new_year),
            utc(2026, 12, 31, 23, 59, 0)
        );
        assert_eq!(
            yearless("Jan  1 00:10", new_year),
            utc(2027, 1, 1, 0, 10, 0)
        );
        assert_eq!(
            yearless("Jan  1 20:00", new_year),
            utc(2027, 1, 1, 20, 0, 0)
        );
        assert_eq!(yearless("Jan  2 08:00", new_year), utc(2026, 1, 2, 8, 0, 0));
        // Just before it, a server already in the new year lists a file from "Jan 1".
        let eve = at(2026, 12, 31, 23, 0);
        assert_eq!(yearless("Jan  1 10:00", eve), utc(2027, 1, 1, 10, 0, 0));
        assert_eq!(yearless("Dec 31 22:00", eve), utc(2026, 12, 31, 22, 0, 0));
        assert_eq!(yearless("Jan  3 10:00", eve), utc(2026, 1, 3, 10, 0, 0));
    }

    #[test]
    fn yearless_feb_29_goes_to_the_last_leap_year() {
        assert_eq!(yearless("Feb 29 10:00", now()), utc(2024, 2, 29, 10, 0, 0));
        let after = at(2024, 3, 1, 9, 0);
        assert_eq!(yearless("Feb 29 10:00", after), utc(2024, 2, 29, 10, 0, 0));
        // On Feb 28 of a leap year, tomorrow is within the day of slack...
        let eve = at(2024, 2, 28, 12, 0);
        assert_eq!(yearless("Feb 29 10:00", eve), utc(2024, 2, 29, 10, 0, 0));
        // ...a week ahead is not: the previous Feb 29 is four years back.
        let before = at(2024, 2, 20, 12, 0);
        assert_eq!(yearless("Feb 29 10:00", before), utc(2020, 2, 29, 10, 0, 0));
        // 2100 is no leap year: back to 2096.
        let far = at(2101, 1, 10, 0, 0);
        assert_eq!(yearless("Feb 29 10:00", far), utc(2096, 2, 29, 10, 0, 0));
    }

    #[test]
    fn year_only_dates_do_not_invent_a_time() {
        // vsftpd, proftpd, pure-ftpd ("%b %e  %Y"), libunftp ("%b %d %Y"), GNU long-iso dates alone.
        for line in [
            "-rw-r--r-- 1 ftp ftp 12 Jan  5  2019 README",
            "-rw-r--r--            1            0            0             12 Jan 05 2019 README",
            "-rw-r--r-- 1 u g 12 2019-01-05 README",
        ] {
            let e = list(line);
            assert_parsed(&e);
            assert_eq!(e.name, "README", "{line}");
            assert_eq!(e.modified, utc(2019, 1, 5, 0, 0, 0), "{line}");
            assert_eq!(e.precision, Precision::Day, "{line}");
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["modified"], "2019-01-05", "{line}");
        }
        // A time of day keeps its precision.
        let e = list("-rw-r--r-- 1 u g 12 2019-01-05 10:30 README");
        assert_eq!(e.precision, Precision::Time);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["modified"], "2019-01-05T10:30:00Z");
    }

    #[test]
    fn proftpd_lines() {
        // proftpd: "%s %3d %-8s %-8s %8s %s %s" with "%b %e %H:%M".
        let e = list("-rw-r--r--   1 ftp      ftp          1234 Mar  1 10:00 notes.txt");
        assert_parsed(&e);
        assert_eq!(e.name, "notes.txt");
        assert_eq!(e.size, Some(1234));
        assert_eq!(e.modified, utc(2025, 3, 1, 10, 0, 0));
        let e = list("drwxr-xr-x   2 ftp      ftp          4096 Jun 11  2019 pub");
        assert_eq!((e.name.as_str(), e.kind), ("pub", Kind::Dir));
        assert_eq!(e.modified, utc(2019, 6, 11, 0, 0, 0));
    }

    #[test]
    fn pure_ftpd_lines() {
        // pure-ftpd: numeric uid/gid in wide columns.
        let e = list("-rw-r--r--    1 1000       1000              12 Jan 29 10:00 file.txt");
        assert_parsed(&e);
        assert_eq!(e.name, "file.txt");
        assert_eq!(e.size, Some(12));
        assert_eq!(e.modified, utc(2025, 1, 29, 10, 0, 0));
        let e = list("drwxr-xr-x    2 0          0                4096 Jan 29  2024 dir");
        assert_eq!((e.name.as_str(), e.kind), ("dir", Kind::Dir));
    }

    #[test]
    fn pyftpdlib_lines() {
        // pyftpdlib filesystems.format_list:
        // "%s %3s %-8s %-8s %8s %s %s\r\n", dates "%d  %Y" / "%d %H:%M"
        // (zero-padded day), symlinks "name -> target".
        let e = list("-rw-r--r--   1 user     group          12 Jan 05  2024 file.txt\r\n");
        assert_parsed(&e);
        assert_eq!(e.name, "file.txt");
        assert_eq!(e.modified, utc(2024, 1, 5, 0, 0, 0));
        let e = list("drwxr-xr-x   2 user     group        4096 Mar 02 09:15 sub dir");
        assert_eq!((e.name.as_str(), e.kind), ("sub dir", Kind::Dir));
        assert_eq!(e.modified, utc(2025, 3, 2, 9, 15, 0));
        let e = list("lrwxrwxrwx   1 user     group           6 Mar 02 09:15 link -> file.txt");
        assert_eq!((e.name.as_str(), e.kind), ("link", Kind::Link));
        assert_eq!(e.target.as_deref(), Some("file.txt"));
    }

    #[test]
    fn libunftp_lines() {
        // The brief's libunftp example, and the exact unftp-core 0.1
        // Fileinfo Display: "{type}{perms} {links:>12} {owner:>12}
        // {group:>12} {size:#14} {modified:>12} {path}{ -> target}" with
        // "%b %d %H:%M" this year, "%b %d %Y" otherwise.
        let e = list("-rw-r--r--   1 0   0   12 Jan 29 10:00 file");
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.size), ("file", Some(12)));
        assert_eq!(e.modified, utc(2025, 1, 29, 10, 0, 0));
        let e = list(
            "-rw-r--r--            1            0            0             12 Jan 29 10:00 file",
        );
        assert_eq!((e.name.as_str(), e.size), ("file", Some(12)));
        let e = list(
            "drwxr-xr-x            1         1000         1000           4096  Dec 05 2023 old dir",
        );
        assert_eq!((e.name.as_str(), e.kind), ("old dir", Kind::Dir));
        assert_eq!(e.modified, utc(2023, 12, 5, 0, 0, 0));
        let e = list(
            "lrwxrwxrwx            1            0            0              6 Jan 29 10:00 ln -> file",
        );
        assert_eq!((e.name.as_str(), e.kind), ("ln", Kind::Link));
        assert_eq!(e.target.as_deref(), Some("file"));
        // When the mtime cannot be read libunftp prints "--- -- --:--".
        let e = list(
            "-rw-r--r--            1            0            0             12 --- -- --:-- nodate",
        );
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.modified), ("nodate", None));
    }

    #[test]
    fn names_keep_inner_spaces_exactly() {
        let e = list("-rw-r--r-- 1 u g 5 Jan 1 2024 my  file.txt");
        assert_eq!(e.name, "my  file.txt");
        // Only the single separator after the date is consumed.
        let e = list("-rw-r--r-- 1 u g 5 Jan 1 2024  leading space");
        assert_eq!(e.name, " leading space");
        let e = list("-rw-r--r-- 1 u g 5 Jan 1 2024 trailing ");
        assert_eq!(e.name, "trailing ");
        // A name that looks like a date or a size stays a name.
        let e = list("-rw-r--r-- 1 u g 5 Jan 1 2024 Jan 2 2023 12");
        assert_eq!(e.name, "Jan 2 2023 12");
    }

    #[test]
    fn symlinks() {
        let e = list("lrwxrwxrwx 1 0 0 7 Jan 1 2024 link -> target/dir");
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.kind), ("link", Kind::Link));
        assert_eq!(e.target.as_deref(), Some("target/dir"));
        assert_eq!(e.size, Some(7));
        // " -> " in a regular file's name is part of the name.
        let e = list("-rw-r--r-- 1 0 0 7 Jan 1 2024 a -> b");
        assert_eq!((e.name.as_str(), e.target), ("a -> b", None));
    }

    #[test]
    fn acl_xattr_selinux_suffixes() {
        // GNU ls '+' (ACL), macOS '@' (xattrs), GNU ls '.' (SELinux context).
        for (line, kind) in [
            ("-rw-r--r--+ 1 u g 3 Jan 1 2024 acl", Kind::File),
            ("drwxr-xr-x@ 5 u staff 160 Jan 1 2024 mac", Kind::Dir),
            ("-rw-r--r--. 1 root root 3 Jan 1 2024 selinux", Kind::File),
        ] {
            let e = list(line);
            assert_parsed(&e);
            assert_eq!(e.kind, kind, "{line}");
            assert_eq!(e.permissions.as_deref().map(str::len), Some(9));
            assert_eq!(e.size, Some(if kind == Kind::Dir { 160 } else { 3 }));
        }
    }

    #[test]
    fn device_entries_are_other_without_size() {
        // GNU ls on /dev (proftpd/vsftpd serving a chroot with devices).
        let e = list("crw-rw-rw- 1 root root 1, 3 Jan 1 2024 null");
        assert_parsed(&e);
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("null", Kind::Other, None)
        );
        let e = list("brw-rw---- 1 root disk 8,0 Jan 1 2024 sda");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("sda", Kind::Other, None)
        );
        let e = list("brw-rw----  1 root disk   8,   1 Jan  1 10:00 sda1");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("sda1", Kind::Other, None)
        );
    }

    #[test]
    fn pipes_sockets_are_other() {
        let e = list("prw-r--r-- 1 u g 0 Jan 1 2024 fifo");
        assert_eq!((e.name.as_str(), e.kind), ("fifo", Kind::Other));
        let e = list("srwxrwxrwx 1 u g 0 Jan 1 2024 sock");
        assert_eq!((e.name.as_str(), e.kind), ("sock", Kind::Other));
        assert_parsed(&e);
    }

    #[test]
    fn no_group_column_and_numeric_users() {
        // Busybox-based embedded servers and others omit the group column.
        let e = list("-rw-r--r-- 1 ftp 12 Jan 1 2024 x");
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.size), ("x", Some(12)));
        // Owner named like a month: still finds the real date.
        let e = list("-rw-r--r-- 1 may 12 Jan 1 2024 x");
        assert_eq!((e.name.as_str(), e.size), ("x", Some(12)));
        // Neither links nor group.
        let e = list("-rw-r--r-- ftp 12 Jan 1 2024 y");
        assert_eq!((e.name.as_str(), e.size), ("y", Some(12)));
        let e = list("-rw-r--r--    1 1001     1001     7 Jan 1 2024 numeric");
        assert_eq!((e.name.as_str(), e.size), ("numeric", Some(7)));
    }

    #[test]
    fn iso_dates() {
        // GNU ls --time-style=long-iso, plain date, full-iso, iso.
        let e = list("-rw-r--r-- 1 u g 12 2024-01-29 10:00 x");
        assert_parsed(&e);
        assert_eq!(
            (e.name.as_str(), e.modified),
            ("x", utc(2024, 1, 29, 10, 0, 0))
        );
        let e = list("-rw-r--r-- 1 u g 12 2024-01-29 x");
        assert_eq!(
            (e.name.as_str(), e.modified),
            ("x", utc(2024, 1, 29, 0, 0, 0))
        );
        let e = list("-rw-r--r-- 1 u g 12 2024-01-29 10:00:05.123456789 +0100 full");
        assert_eq!(e.name, "full");
        let expected = Utc.with_ymd_and_hms(2024, 1, 29, 9, 0, 5).unwrap()
            + TimeDelta::nanoseconds(123_456_789);
        assert_eq!(e.modified, Some(expected));
        let e = list("-rw-r--r-- 1 u g 12 02-20 10:00 isostyle");
        assert_eq!(e.name, "isostyle");
        assert_eq!(e.modified, utc(2025, 2, 20, 10, 0, 0));
        // A lone "time" after an ISO date is the name.
        let e = list("-rw-r--r-- 1 u g 12 2024-01-29 10:00");
        assert_eq!(
            (e.name.as_str(), e.modified),
            ("10:00", utc(2024, 1, 29, 0, 0, 0))
        );
    }

    #[test]
    fn localized_month_names() {
        // GNU ls under de_DE, fr_FR, es_ES, it_IT: month-first and day-first.
        let cases = [
            ("-rw-r--r-- 1 u g 1 Mär 3 10:00 a", 3, 3),
            ("-rw-r--r-- 1 u g 1 MÄR 3 10:00 a", 3, 3),
            ("-rw-r--r-- 1 u g 1 Okt 12 2024 a", 10, 12),
            ("-rw-r--r-- 1 u g 1 3. Mär 10:00 a", 3, 3),
            ("-rw-r--r-- 1 u g 1 12. Dez 2024 a", 12, 12),
            ("-rw-r--r-- 1 u g 1 déc. 24 2024 a", 12, 24),
            ("-rw-r--r-- 1 u g 1 24 déc. 2024 a", 12, 24),
            ("-rw-r--r-- 1 u g 1 7 mai 2024 a", 5, 7),
            ("-rw-r--r-- 1 u g 1 févr. 7 2024 a", 2, 7),
            ("-rw-r--r-- 1 u g 1 dic 24 2024 a", 12, 24),
            ("-rw-r--r-- 1 u g 1 24 ene 2024 a", 1, 24),
            ("-rw-r--r-- 1 u g 1 Ago 24 2024 a", 8, 24),
            ("-rw-r--r-- 1 u g 1 gen 24 2024 a", 1, 24),
            ("-rw-r--r-- 1 u g 1 1月 24 2024 a", 1, 24),
        ];
        for (line, month, day) in cases {
            let e = list(line);
            assert_parsed(&e);
            assert_eq!(e.name, "a", "{line}");
            let m = e.modified.expect(line);
            assert_eq!((m.month(), m.day()), (month, day), "{line}");
        }
    }

    #[test]
    fn total_and_dot_entries_are_skipped() {
        assert_eq!(parse_list_line("total 12", now()), None);
        assert_eq!(parse_list_line("total 0\r\n", now()), None);
        assert_eq!(parse_list_line("insgesamt 8", now()), None);
        assert_eq!(parse_list_line("", now()), None);
        assert_eq!(parse_list_line("   ", now()), None);
        assert_eq!(
            parse_list_line("drwxr-xr-x 2 u g 4096 Jan 1 2024 .", now()),
            None
        );
        assert_eq!(
            parse_list_line("drwxr-xr-x 2 u g 4096 Jan 1 2024 ..", now()),
            None
        );
        // A file called "total" is not a total line.
        assert_eq!(list("-rw-r--r-- 1 u g 1 Jan 1 2024 total").name, "total");
    }

    #[test]
    fn large_sizes() {
        let e = list("-rw-r--r-- 1 u g 5368709120 Jan 1 2024 big.iso");
        assert_eq!(e.size, Some(5_368_709_120));
        let e = list("-rw-r--r-- 1 u g 18446744073709551615 Jan 1 2024 max");
        assert_eq!(e.size, Some(u64::MAX));
        // Too large for u64: shown raw rather than with a wrong size.
        let e = list("-rw-r--r-- 1 u g 18446744073709551616 Jan 1 2024 over");
        assert_eq!(e.kind, Kind::Other);
        assert!(e.raw.is_some());
    }

    #[test]
    fn unparsable_lines_come_back_raw() {
        for line in [
            "hello world",
            "-rw-r--r-- 1 u g 12 Jan 1 2024",
            "-rw-r--r-- 1 u g twelve Jan 1 2024 x",
            "Xrw-r--r-- 1 u g 12 Jan 1 2024 x",
            "+i8388621.48594,m825718503,r,s280,\tdjb.html",
        ] {
            let e = list(line);
            assert_eq!(e.kind, Kind::Other, "{line}");
            assert_eq!(e.name, line);
            assert_eq!(e.raw.as_deref(), Some(line));
            assert_eq!((e.size, e.modified), (None, None));
        }
    }

    // --- DOS / IIS ---------------------------------------------------------

    #[test]
    fn iis_dos_lines() {
        // Microsoft IIS FTP in its default (MS-DOS) directory listing style.
        let e = list("01-29-24  10:00AM       <DIR>          dir name");
        assert_parsed(&e);
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("dir name", Kind::Dir, None)
        );
        assert_eq!(e.modified, utc(2024, 1, 29, 10, 0, 0));
        assert_eq!(e.permissions, None);
        let e = list("01-29-2024  10:00PM  12 file.txt");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("file.txt", Kind::File, Some(12))
        );
        assert_eq!(e.modified, utc(2024, 1, 29, 22, 0, 0));
        let e = list("12-31-99  12:00AM           5368709120 big  two spaces.iso");
        assert_eq!(e.name, "big  two spaces.iso");
        assert_eq!(e.size, Some(5_368_709_120));
        assert_eq!(e.modified, utc(1999, 12, 31, 0, 0, 0));
        let e = list("02-03-24  12:30PM                  100 noon");
        assert_eq!(e.modified, utc(2024, 2, 3, 12, 30, 0));
    }

    #[test]
    fn dos_variants() {
        // Rare day-first 24-hour form.
        let e = list("29-01-24  22:00       <DIR>          late");
        assert_parsed(&e);
        assert_eq!((e.name.as_str(), e.kind), ("late", Kind::Dir));
        assert_eq!(e.modified, utc(2024, 1, 29, 22, 0, 0));
        // Windows `dir` output: slashes, separate AM/PM, thousands separators.
        let e = list("01/29/2024  10:00 AM         1,048,576 report.pdf");
        assert_eq!((e.name.as_str(), e.size), ("report.pdf", Some(1_048_576)));
        assert_eq!(e.modified, utc(2024, 1, 29, 10, 0, 0));
        let e = list("01/29/2024  10:00 PM    <SYMLINKD>     docs [C:\\data\\docs]");
        assert_eq!((e.name.as_str(), e.kind), ("docs", Kind::Link));
        assert_eq!(e.target.as_deref(), Some("C:\\data\\docs"));
        // Windows `dir` under an ISO-date locale.
        let e = list("2024-01-29  22:05    <DIR>          iso dir");
        assert_eq!((e.name.as_str(), e.kind), ("iso dir", Kind::Dir));
        assert_eq!(e.modified, utc(2024, 1, 29, 22, 5, 0));
        assert_eq!(parse_list_line("01-29-24  10:00AM <DIR> .", now()), None);
        // A date and a time but nothing else is not an entry.
        assert!(list("01-29-24  10:00AM").raw.is_some());
    }

    // --- MLSD --------------------------------------------------------------

    #[test]
    fn mlsd_basic_and_name_with_spaces() {
        // pure-ftpd style facts.
        let e =
            mlsd("type=file;size=12;modify=20240129100000;unix.mode=0644; name with spaces.txt");
        assert_parsed(&e);
        assert_eq!(e.name, "name with spaces.txt");
        assert_eq!((e.kind, e.size), (Kind::File, Some(12)));
        assert_eq!(e.modified, utc(2024, 1, 29, 10, 0, 0));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        // The name is kept exactly, including ';', '=' and extra spaces.
        let e = mlsd("type=file;size=1; a;b=c  d ");
        assert_eq!(e.name, "a;b=c  d ");
    }

    #[test]
    fn mlsd_servers() {
        // proftpd: capitalised UNIX.* facts, perm fact, unique.
        let e = mlsd(
            "modify=20240129100000;perm=adfr;size=5368709120;type=file;unique=FD00U3;\
             UNIX.group=0;UNIX.groupname=root;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=root; big.iso",
        );
        assert_eq!((e.name.as_str(), e.size), ("big.iso", Some(5_368_709_120)));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        // pyftpdlib on Python 3: unix.mode is oct() output, fractional modify.
        let e = mlsd(
            "type=dir;perm=flcdmpe;size=4096;modify=20071103093626.123456;unix.mode=0o755;\
             unix.uid=1002;unix.gid=1002;unique=801e32; sub",
        );
        assert_eq!((e.name.as_str(), e.kind), ("sub", Kind::Dir));
        assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        let expected = Utc.with_ymd_and_hms(2007, 11, 3, 9, 36, 26).unwrap()
            + TimeDelta::microseconds(123_456);
        assert_eq!(e.modified, Some(expected));
        // libunftp: "type=file;size=N;modify=...;[unix.uid=..;]" and no mode.
        let e = mlsd("type=file;size=12;modify=20240129100000; file");
        assert_eq!((e.name.as_str(), e.permissions), ("file", None));
        // A directory's size may come as "sizd".
        let e = mlsd("type=dir;sizd=4096; d");
        assert_eq!((e.kind, e.size), (Kind::Dir, Some(4096)));
        // Without unix.mode the perm fact is shown raw.
        let e = mlsd("Type=File;Perm=adfrw;Size=3; x");
        assert_eq!(
            (e.kind, e.permissions.as_deref()),
            (Kind::File, Some("adfrw"))
        );
    }

    #[test]
    fn mlsd_facts_case_insensitive_and_cdir_pdir_skipped() {
        let e = mlsd("TYPE=DIR;MODIFY=20240129100000.5; Dir");
        assert_eq!((e.name.as_str(), e.kind), ("Dir", Kind::Dir));
        let expected =
            Utc.with_ymd_and_hms(2024, 1, 29, 10, 0, 0).unwrap() + TimeDelta::milliseconds(500);
        assert_eq!(e.modified, Some(expected));
        assert_eq!(
            parse_mlsd_line("type=cdir;modify=20240129100000; /pub"),
            None
        );
        assert_eq!(parse_mlsd_line("type=pdir;modify=20240129100000; .."), None);
        assert_eq!(parse_mlsd_line("Type=CDir; ."), None);
        assert_eq!(parse_mlsd_line("type=dir; ."), None);
        assert_eq!(parse_mlsd_line(""), None);
    }

    #[test]
    fn mlsd_symlinks_and_other_types() {
        let e = mlsd("type=OS.unix=slink:/target;size=7; link");
        assert_eq!((e.name.as_str(), e.kind), ("link", Kind::Link));
        assert_eq!(e.target.as_deref(), Some("/target"));
        // proftpd without ShowSymlinks.
        let e = mlsd("type=OS.unix=symlink;UNIX.mode=0777; ln");
        assert_eq!((e.kind, e.target.as_deref()), (Kind::Link, None));
        assert_eq!(e.permissions.as_deref(), Some("rwxrwxrwx"));
        let e = mlsd("type=OS.unix=chr-1/3; null");
        assert_eq!((e.name.as_str(), e.kind), ("null", Kind::Other));
        assert_parsed(&e);
    }

    #[test]
    fn mlsd_bad_values_and_bad_lines() {
        // Bad fact values leave the field empty but keep the entry.
        let e = mlsd("type=file;size=abc;modify=2024;unix.mode=999; x");
        assert_parsed(&e);
        assert_eq!((e.size, e.modified, e.permissions), (None, None, None));
        let e = mlsd("type=file;modify=20240230100000; feb30");
        assert_eq!(e.modified, None);
        // A LIST line, or no name at all, comes back raw.
        for line in [
            "-rw-r--r-- 1 u g 12 Jan 1 2024 x",
            "type=file;size=1;",
            "type=file; ",
        ] {
            let e = mlsd(line);
            assert_eq!((e.kind, e.raw.as_deref()), (Kind::Other, Some(line)));
        }
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

    // --- parse_listing and JSON --------------------------------------------

    #[test]
    fn parse_listing_sorts_keeps_raw_and_skips_noise() {
        let lines: Vec<String> = [
            "total 8",
            "drwxr-xr-x 2 u g 4096 Jan 1 2024 .",
            "drwxr-xr-x 2 u g 4096 Jan 1 2024 ..",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 b",
            "garbage line",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 B",
            "drwxr-xr-x 2 u g 4096 Jan 1 2024 a",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let entries = parse_listing(&lines, false, now());
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["B", "a", "b", "garbage line"]);
        assert_eq!(entries[3].raw.as_deref(), Some("garbage line"));

        let lines: Vec<String> = [
            "type=cdir;modify=20240129100000; .",
            "type=pdir;modify=20240129100000; ..",
            "type=file;size=1; z",
            "type=dir; y",
            "nonsense",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let entries = parse_listing(&lines, true, now());
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["nonsense", "y", "z"]);
    }

    #[test]
    fn entry_json_shape() {
        let e = mlsd("type=file;size=12;modify=20240129100000;unix.mode=0644; f.txt");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "f.txt", "type": "file", "size": 12,
                "modified": "2024-01-29T10:00:00Z", "permissions": "rw-r--r--",
                "target": null
            })
        );
        let raw = list("what is this");
        let json = serde_json::to_value(&raw).unwrap();
        assert_eq!(json["type"], "other");
        assert_eq!(json["modified"], serde_json::Value::Null);
        assert!(json.get("raw").is_none());
        let dir = serde_json::to_value(Kind::Dir).unwrap();
        assert_eq!(dir, "dir");
        assert_eq!(serde_json::to_value(Kind::Link).unwrap(), "link");
    }

    // --- untrusted names ---------------------------------------------------

    #[test]
    fn sanitize_name_rejects_unsafe_components() {
        assert_eq!(sanitize_name(".."), None);
        assert_eq!(sanitize_name("."), None);
        assert_eq!(sanitize_name(""), None);
        assert_eq!(sanitize_name("a/b"), None);
        assert_eq!(sanitize_name("/etc"), None);
        assert_eq!(sanitize_name("a\\b"), None);
        assert_eq!(sanitize_name("a\0b"), None);
        assert_eq!(sanitize_name("\x1b[31mred"), None);
        assert_eq!(sanitize_name("del\x7f"), None);
        assert_eq!(sanitize_name("c1\u{9b}31m"), None);
        assert_eq!(sanitize_name("new\nline"), None);
        assert_eq!(sanitize_name("ok name ü.txt"), Some("ok name ü.txt"));
        assert_eq!(sanitize_name("...").map(str::len), Some(3));
        assert_eq!(sanitize_name(".hidden"), Some(".hidden"));
    }

    #[test]
    fn display_name_replaces_control_characters() {
        assert_eq!(display_name("\x1b[31mred\x1b[0m"), "?[31mred?[0m");
        assert_eq!(display_name("a\u{9b}b\x7fc\0d\te"), "a?b?c?d?e");
        assert_eq!(display_name("ok name ü.txt"), "ok name ü.txt");
    }

    // --- robustness --------------------------------------------------------

    /// xorshift64*: deterministic pseudo-random numbers without a crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn garbage_never_panics() {
        const PIECES: &[&str] = &[
            " ",
            "  ",
            "\t",
            "-",
            "d",
            "l",
            "c",
            "rwx",
            "r-x",
            "-rw-r--r--",
            "drwxr-xr-x+",
            "1",
            "12",
            "99999999999999999999999",
            ",",
            "1,",
            "Jan",
            "Mär",
            "déc.",
            "1月",
            "29.",
            "29",
            "10:00",
            "10:00:59.5",
            "2024",
            "2024-01-29",
            "01-29",
            "+0100",
            "AM",
            "10:00PM",
            "01-29-24",
            "<DIR>",
            "<SYMLINKD>",
            "[",
            "]",
            "->",
            " -> ",
            "type=",
            "file",
            "dir",
            "cdir",
            "OS.unix=slink:",
            ";",
            "=",
            "size=",
            "modify=",
            "20240129100000",
            ".",
            "..",
            "unix.mode=",
            "0o7",
            "\r",
            "\n",
            "\0",
            "\x1b[31m",
            "\u{9b}",
            "ü",
            "月",
            "--:--",
            "---",
            "total",
            "/",
            "\\",
            "é",
            "\u{10ffff}",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let extreme = [now(), DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC];
        for round in 0..200 {
            let line: String = match round % 3 {
                // Random bytes, made into text the way a lossy decoder would.
                0 => {
                    let len = rng.below(120);
                    let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                // Random sequences of listing-shaped pieces.
                1 => (0..rng.below(16))
                    .map(|_| PIECES[rng.below(PIECES.len())])
                    .collect(),
                // Real lines cut at a random character.
                _ => {
                    let samples = [
                        "drwxr-xr-x    9 1176     1176         4096 Sep 26 15:07 debian",
                        "lrwxrwxrwx 1 0 0 7 Jan 1 2024 link -> target/dir",
                        "crw-rw-rw- 1 root root 1, 3 Jan 1 2024 null",
                        "01/29/2024  10:00 PM    <SYMLINKD>     docs [C:\\x]",
                        "type=OS.unix=slink:/t;modify=20240129100000.123; ü name",
                        "-rw-r--r-- 1 u g 12 2024-01-29 10:00:05.1 +0100 f",
                    ];
                    let sample = samples[rng.below(samples.len())];
                    let cut = rng.below(sample.chars().count() + 1);
                    sample.chars().take(cut).collect()
                }
            };
            for when in extreme {
                if let Some(e) = parse_list_line(&line, when) {
                    assert!(!e.name.is_empty() || e.raw.is_some(), "{line:?}");
                    assert!(!is_dot_name(&e.name), "{line:?}");
                }
            }
            if let Some(e) = parse_mlsd_line(&line) {
                assert!(!is_dot_name(&e.name), "{line:?}");
            }
            let _ = sanitize_name(&line);
            assert!(!display_name(&line).chars().any(char::is_control));
        }
    }
}
