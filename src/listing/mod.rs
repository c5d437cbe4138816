//! Directory listings: turns the lines of an MLSD reply (RFC 3659 facts) or of a LIST reply
//! into [`Entry`] values, and decides whether a server-supplied name is safe to use as a local
//! path component ([`sanitize_name`]) or to print on a terminal ([`display_name`]).
//!
//! LIST has no standard format, so each server family gets its parser: [`unix`] (POSIX
//! `ls -l` and its imitations: NetPresenz, Rumpus, Connect:Enterprise, localized dates),
//! [`dos`] (DOS/IIS), [`vms`], [`mainframe`] (OS/400, MVS data sets, members and JES, z/VM),
//! [`other`] (Netware, OS/2, EPLF, VShell, HP NonStop); [`mlsd`] reads MLSD. A listing is fed
//! line by line to a [`ListingParser`], which settles on a family at the first line a parser
//! reads and keeps it for the whole listing, so one odd line does not switch parsers; a line the
//! settled family cannot read is tried with the others, and a line no parser reads is kept raw.
//! The listing itself is never held whole: only a wrapped VMS entry's first line waits for its
//! second.
//!
//! Pure parsing: no I/O, no clock (callers pass `now`, which decides the year of dates printed
//! without one, so tests are deterministic). A line that cannot be understood is never dropped:
//! it becomes an [`Entry`] of kind [`Kind::Other`] whose `raw` holds the line, so the user still
//! sees it. The only lines left out are the ones [`is_noise`] names (blank lines, totals,
//! headers), "." and "..", and the second half of a wrapped VMS entry (joined to the first).
//! We do not use suppaftp's `File::try_from`: it accepts junk ("total 12" becomes a file) and
//! rejects ACL suffixes, device entries, ISO dates and non-English month names.
//!
//! Every parser does a bounded amount of work per line (splitting it once, a fixed number of
//! look-ups per field: no regular expressions, no backtracking) and never panics. Names keep
//! their control characters: cleaning them is [`display_name`]'s job, at display time.

mod dos;
mod mainframe;
mod mlsd;
mod other;
mod text;
mod unix;
mod vms;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub use mlsd::parse_mlsd_line;
pub use vms::local_name;

use text::{Token, is_dot_name, tokenize, trim_eol};

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
    /// suffix, or MLSD `unix.mode` rendered the same way; else what the
    /// server's own permission column says (the MLSD `perm` fact "adfrw", VMS
    /// "RWED,RWED,RE,", Netware "[RWCEAFMS]"). Server text: print it through
    /// [`display_name`].
    pub permissions: Option<String>,
    /// Symlink target ("name -> target" in LIST, `OS.unix=slink:target` in MLSD).
    pub target: Option<String>,
    /// `Some(line)` when the line could not be parsed; then `kind` is
    /// [`Kind::Other`] and `name` is the whole line.
    pub raw: Option<String>,
    /// MLSD facts this program does not interpret (`unique`, `UNIX.owner`, `lang`, ...), as
    /// sent, in order. Server text: print it through [`display_name`].
    pub facts: Vec<(String, String)>,
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

/// JSON: `name`, `type`, `size`, `modified`, `permissions`, `target`, and `facts` (an object)
/// when the server sent facts we do not interpret (`raw` is not sent: `name` holds the line).
/// `modified` is RFC 3339 UTC ("2024-01-29T10:00:00Z") when the time of day is known, the
/// date alone ("2019-01-05", an RFC 3339 full-date) when the listing gave only the day, or
/// null: the output never invents a time.
impl serde::Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Facts<'a>(&'a [(String, String)]);
        impl serde::Serialize for Facts<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        let modified = self.modified.map(|t| match self.precision {
            Precision::Time => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            Precision::Day => t.format("%Y-%m-%d").to_string(),
        });
        let fields = if self.facts.is_empty() { 6 } else { 7 };
        let mut s = serializer.serialize_struct("Entry", fields)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("size", &self.size)?;
        s.serialize_field("modified", &modified)?;
        s.serialize_field("permissions", &self.permissions)?;
        s.serialize_field("target", &self.target)?;
        if self.facts.is_empty() {
            s.skip_field("facts")?;
        } else {
            s.serialize_field("facts", &Facts(&self.facts))?;
        }
        s.end()
    }
}

impl Entry {
    /// A name, its kind and size, nothing else known yet (the families' parsers fill in
    /// what their lines say). `precision` is how much of a date they will give.
    fn bare(name: &str, kind: Kind, size: Option<u64>, precision: Precision) -> Entry {
        Entry {
            name: name.to_string(),
            kind,
            size,
            modified: None,
            precision,
            permissions: None,
            target: None,
            raw: None,
            facts: Vec::new(),
        }
    }

    /// The entry standing for a line we could not parse: shown, never dropped.
    fn unparsed(line: &str) -> Entry {
        Entry {
            raw: Some(line.to_string()),
            ..Entry::bare(line, Kind::Other, None, Precision::Time)
        }
    }
}

/// Parses a whole listing through a [`ListingParser`]. Lines that fail to parse become raw
/// [`Kind::Other`] entries; the result is sorted by name (byte order).
#[cfg(test)]
pub fn parse_listing(lines: &[String], mlsd: bool, now: DateTime<Utc>) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut parser = ListingParser::new(mlsd, now);
    for line in lines {
        parser.feed(line, &mut entries);
    }
    parser.finish(&mut entries);
    sort_entries(&mut entries);
    entries
}

/// The order listings are shown in: by name, byte order (`String`'s
/// ordering), stable for duplicates.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
}

// ---------------------------------------------------------------------------
// LIST: families and their detection
// ---------------------------------------------------------------------------

/// The server families LIST output comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// MLSD-style fact lines sent in answer to LIST.
    Facts,
    Eplf,
    Unix,
    Netware,
    Dos,
    Vms,
    Os400,
    ZVm,
    HpNonStop,
    Jes,
    MvsMember,
    MvsDataset,
    Os2,
    VShell,
}

/// The order families are tried in while a listing has not settled on one: the stricter
/// shapes, and the most common, first.
const FAMILIES: [Family; 14] = [
    Family::Eplf,
    Family::Facts,
    Family::Unix,
    Family::Netware,
    Family::Dos,
    Family::Vms,
    Family::Os400,
    Family::ZVm,
    Family::HpNonStop,
    Family::Jes,
    Family::MvsMember,
    Family::MvsDataset,
    Family::Os2,
    Family::VShell,
];

/// What one family's parser made of a line: an entry, a line to leave out (an MLSD cdir
/// line sent on LIST), or nothing it can read.
enum Read {
    Entry(Entry),
    Skip,
    No,
}

/// Reads `line` as `family`. `settled` is true when the listing is known to be of that family,
/// which lets MVS member lists read a bare member name.
fn read_as(
    family: Family,
    line: &str,
    tokens: &[Token],
    now: DateTime<Utc>,
    settled: bool,
) -> Read {
    let entry = match family {
        Family::Facts => match mlsd::parse_as_list(line) {
            Some(Some(e)) => Some(e),
            Some(None) => return Read::Skip,
            None => None,
        },
        Family::Eplf => other::parse_eplf(line),
        Family::Unix => unix::parse(line, tokens, now),
        Family::Netware => other::parse_netware(line, tokens, now),
        Family::Dos => dos::parse(line, tokens),
        Family::Vms => vms::parse(tokens),
        Family::Os400 => mainframe::parse_os400(line, tokens),
        Family::ZVm => mainframe::parse_zvm(tokens),
        Family::HpNonStop => other::parse_hp_nonstop(line, tokens),
        Family::Jes => mainframe::parse_jes(tokens),
        Family::MvsMember => mainframe::parse_member(tokens, settled),
        Family::MvsDataset => mainframe::parse_dataset(tokens),
        Family::Os2 => other::parse_os2(line, tokens),
        Family::VShell => other::parse_vshell(line, tokens),
    };
    match entry {
        Some(e) if is_dot_name(&e.name) => Read::Skip,
        Some(e) => Read::Entry(e),
        None => Read::No,
    }
}

#[cfg(test)]
/// Lines that are not entries and are left out of a listing, with the family a header
/// announces: blank lines; "total 12" (GNU, BSD, busybox), "insgesamt 12" (German GNU ls);
/// "." and ".."; VMS "Directory DISK:[DIR]" and "Total of 3 files, 9/9 blocks."; the column
/// headers of MVS data set, member and JES job lists.
pub fn is_noise(line: &str) -> bool {
    noise(line).is_some()
}

/// `Some(hint)` when `line` is noise (see [`is_noise`]); the hint is the family a header
/// announces.
fn noise(line: &str) -> Option<Option<Family>> {
    let line = trim_eol(line);
    let trimmed = line.trim();
    if trimmed.is_empty() || is_dot_name(trimmed) {
        return Some(None);
    }
    let tokens = tokenize(line);
    if is_total_line(&tokens) {
        return Some(None);
    }
    if vms::is_header_or_trailer(&tokens) {
        return Some(Some(Family::Vms));
    }
    if mainframe::is_dataset_header(&tokens) {
        return Some(Some(Family::MvsDataset));
    }
    if mainframe::is_member_header(&tokens) {
        return Some(Some(Family::MvsMember));
    }
    if mainframe::is_jes_header(&tokens) {
        return Some(Some(Family::Jes));
    }
    None
}

/// "total 12", "insgesamt 12", "итого 12", or the word alone.
fn is_total_line(tokens: &[Token]) -> bool {
    let first = tokens.first().map(|t| t.text.to_lowercase());
    matches!(first.as_deref(), Some("total" | "insgesamt" | "итого"))
        && match tokens.get(1) {
            None => true,
            Some(t) => tokens.len() == 2 && t.text.starts_with(|c: char| c.is_ascii_digit()),
        }
}

/// Parses one LIST line on its own: every family is tried (see [`FAMILIES`]). Returns `None`
/// for [`is_noise`] lines and "." / ".." entries; a line no parser understands comes back as a
/// raw [`Kind::Other`] entry. `now` decides the year of "Mon DD HH:MM" dates: the current
/// year, unless that puts the date more than a day in the future, in which case it is the
/// year before.
pub fn parse_list_line(line: &str, now: DateTime<Utc>) -> Option<Entry> {
    if noise(line).is_some() {
        return None;
    }
    let line = trim_eol(line);
    let tokens = tokenize(line);
    for family in FAMILIES {
        match read_as(family, line, &tokens, now, false) {
            Read::Entry(e) => return Some(e),
            Read::Skip => return None,
            Read::No => {}
        }
    }
    Some(Entry::unparsed(line))
}

/// Reads a listing line by line, as it arrives, keeping what it learns about the listing:
/// the family it settled on (at the first line a parser read, or a header naming it), and a
/// wrapped VMS entry's first line until its second arrives. Memory: one pending line.
#[derive(Debug)]
pub struct ListingParser {
    mlsd: bool,
    now: DateTime<Utc>,
    family: Option<Family>,
    /// The first line of a wrapped VMS entry (a lone "NAME;VERSION"), waiting for the next.
    pending: Option<String>,
    /// Lines left out as noise, "." / ".." or cdir/pdir.
    skipped: usize,
    /// Second halves of wrapped VMS entries, joined to their first.
    joined: usize,
}

impl ListingParser {
    /// A parser for one MLSD (`mlsd`) or LIST listing read at `now`.
    pub fn new(mlsd: bool, now: DateTime<Utc>) -> ListingParser {
        ListingParser {
            mlsd,
            now,
            family: None,
            pending: None,
            skipped: 0,
            joined: 0,
        }
    }

    #[cfg(test)]
    /// The family the listing settled on, if any yet.
    pub fn family(&self) -> Option<Family> {
        self.family
    }

    #[cfg(test)]
    /// Lines left out so far (noise, "." and "..", cdir/pdir), and lines joined to the line
    /// before them (wrapped VMS entries): with the entries given out, they account for every
    /// line fed.
    pub fn left_out(&self) -> (usize, usize) {
        (self.skipped, self.joined)
    }

    /// Reads one line (its line end, if any, is ignored) and appends what it yields to `out`:
    /// usually one entry; none for a left-out line or the first half of a wrapped VMS entry;
    /// two when a line held back turns out not to be wrapped after all.
    pub fn feed(&mut self, line: &str, out: &mut Vec<Entry>) {
        let line = trim_eol(line);
        if self.mlsd {
            match parse_mlsd_line(line) {
                Some(e) => out.push(e),
                None => self.skipped += 1,
            }
            return;
        }
        if let Some(first) = self.pending.take() {
            let joined = format!("{first} {}", line.trim_start_matches([' ', '\t']));
            if let Some(e) = vms::parse(&tokenize(&joined)) {
                self.family = Some(Family::Vms);
                self.joined += 1;
                out.push(e);
                return;
            }
            self.read(&first, out);
        }
        let tokens = tokenize(line);
        if vms::is_wrapped_name(&tokens) && self.family.is_none_or(|f| f == Family::Vms) {
            self.pending = Some(line.to_string());
            return;
        }
        self.read(line, out);
    }

    /// Ends the listing: a line still held back is read on its own.
    pub fn finish(&mut self, out: &mut Vec<Entry>) {
        if let Some(first) = self.pending.take() {
            self.read(&first, out);
        }
    }

    /// One complete line: noise, or the settled family's entry, or the first family's that
    /// reads it (settling the listing on that family if it had none), or raw.
    fn read(&mut self, line: &str, out: &mut Vec<Entry>) {
        if let Some(hint) = noise(line) {
            if self.family.is_none() {
                self.family = hint;
            }
            self.skipped += 1;
            return;
        }
        let tokens = tokenize(line);
        let settled = self.family;
        let others = FAMILIES.into_iter().filter(|f| Some(*f) != settled);
        for family in settled.into_iter().chain(others) {
            match read_as(family, line, &tokens, self.now, settled == Some(family)) {
                Read::Entry(e) => {
                    self.family.get_or_insert(family);
                    out.push(e);
                    return;
                }
                Read::Skip => {
                    self.family.get_or_insert(family);
                    self.skipped += 1;
                    return;
                }
                Read::No => {}
            }
        }
        out.push(Entry::unparsed(line));
    }
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
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if let Some(b) = crate::charset::escaped_byte(c) {
            // A byte the charset did not decode (src/charset.rs).
            out.push_str(&format!("\\x{b:02X}"));
        } else if is_unsafe_for_terminal(c) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
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
    use chrono::{Datelike, TimeDelta, TimeZone};

    /// A VMS entry wrapped over two lines is one entry, and the second line is counted as
    /// joined (what `left_out` reports; cargo-mutants found the count untested).
    #[test]
    fn a_wrapped_vms_entry_is_one_entry_and_one_joined_line() {
        let mut parser = ListingParser::new(false, now());
        let mut out = Vec::new();
        parser.feed("UCX$REXECD_STARTUP.LOG;1098", &mut out);
        assert!(out.is_empty());
        parser.feed(
            "                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)",
            &mut out,
        );
        parser.finish(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "UCX$REXECD_STARTUP.LOG;1098");
        assert_eq!(parser.left_out(), (0, 1));
    }

    #[test]
    fn bidi_overrides_are_made_visible() {
        assert_eq!(display_name("evil\u{202E}txt.exe"), "evil?txt.exe");
        assert_eq!(display_name("naïve ü"), "naïve ü");
        for c in [
            '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{061C}', '\u{2028}', '\u{2029}',
        ] {
            assert_eq!(display_name(&format!("a{c}b")), "a?b", "U+{:04X}", c as u32);
            assert!(is_unsafe_for_terminal(c));
        }
        // Every C0 control, DEL and every C1 control.
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert_eq!(display_name(&format!("a{c}b")), "a?b", "U+{:04X}", c as u32);
        }
        assert!(!"plain ü 月 name".chars().any(is_unsafe_for_terminal));
        // A byte a charset did not decode shows as \xNN (src/charset.rs).
        assert_eq!(display_name("caf\u{efe9}.txt"), "caf\\xE9.txt");
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
            "+i8388621.48594,m825718503,r,s280,djb.html",
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

/// The fixtures of tests/fixtures/listings/ (format in its README.md), each a file of one or
/// more listings with the entries they must give, and the properties every parser keeps.
#[cfg(test)]
mod family_tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    /// The "now" the fixtures' year-less dates are read at.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 15, 12, 0, 0).unwrap()
    }

    #[derive(Debug, Default)]
    struct Listing {
        mlsd: bool,
        lines: Vec<String>,
        expected: Vec<String>,
    }

    fn untab(s: &str) -> String {
        s.replace("<TAB>", "\t")
    }

    fn listings(text: &str) -> Vec<Listing> {
        let mut out = vec![Listing::default()];
        for line in text.lines() {
            let current = out.last_mut().unwrap();
            if line == "---" {
                out.push(Listing::default());
            } else if line == "@ mlsd" {
                current.mlsd = true;
            } else if let Some(l) = line.strip_prefix("< ").or((line == "<").then_some("")) {
                current.lines.push(untab(l));
            } else if let Some(e) = line.strip_prefix("= ") {
                current.expected.push(untab(e));
            } else {
                assert!(line.starts_with('#') || line.is_empty(), "bad line: {line}");
            }
        }
        out
    }

    /// An entry in the fixtures' `NAME | TYPE | SIZE | DATE | TARGET` form.
    fn describe(e: &Entry) -> String {
        let json = serde_json::to_value(e).unwrap();
        let or_dash = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "-".to_string(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let kind = if e.raw.is_some() {
            "raw".to_string()
        } else {
            or_dash(&json["type"])
        };
        format!(
            "{} | {kind} | {} | {} | {}",
            e.name,
            or_dash(&json["size"]),
            or_dash(&json["modified"]),
            or_dash(&json["target"])
        )
    }

    fn parse_all(listing: &Listing) -> (Vec<Entry>, ListingParser) {
        let mut parser = ListingParser::new(listing.mlsd, now());
        let mut entries = Vec::new();
        for line in &listing.lines {
            parser.feed(line, &mut entries);
        }
        parser.finish(&mut entries);
        (entries, parser)
    }

    fn check_fixture(text: &str, family: Option<Family>) {
        for (n, listing) in listings(text).iter().enumerate() {
            let (entries, parser) = parse_all(listing);
            let got: Vec<String> = entries.iter().map(describe).collect();
            assert_eq!(got, listing.expected, "listing {n}");
            if let Some(f) = family
                && n == 0
            {
                assert_eq!(parser.family(), Some(f), "listing {n}");
            }
        }
    }

    macro_rules! fixture {
        ($file:literal) => {
            include_str!(concat!("../../tests/fixtures/listings/", $file))
        };
    }

    #[test]
    fn fixture_unix() {
        check_fixture(fixture!("unix.txt"), Some(Family::Unix));
    }

    #[test]
    fn fixture_dos() {
        check_fixture(fixture!("dos.txt"), Some(Family::Dos));
    }

    #[test]
    fn fixture_mlsd() {
        check_fixture(fixture!("mlsd.txt"), None);
    }

    #[test]
    fn fixture_vms() {
        check_fixture(fixture!("vms.txt"), Some(Family::Vms));
    }

    #[test]
    fn fixture_netware() {
        check_fixture(fixture!("netware.txt"), Some(Family::Netware));
    }

    #[test]
    fn fixture_os400() {
        check_fixture(fixture!("os400.txt"), Some(Family::Os400));
    }

    #[test]
    fn fixture_mvs() {
        check_fixture(fixture!("mvs.txt"), Some(Family::MvsDataset));
    }

    #[test]
    fn fixture_zvm() {
        check_fixture(fixture!("zvm.txt"), Some(Family::ZVm));
    }

    #[test]
    fn fixture_os2() {
        check_fixture(fixture!("os2.txt"), Some(Family::Os2));
    }

    #[test]
    fn fixture_eplf() {
        check_fixture(fixture!("eplf.txt"), Some(Family::Eplf));
    }

    #[test]
    fn fixture_vshell() {
        check_fixture(fixture!("vshell.txt"), Some(Family::VShell));
    }

    #[test]
    fn fixture_hp_nonstop() {
        check_fixture(fixture!("hpnonstop.txt"), Some(Family::HpNonStop));
    }

    /// Every fixture line, for the properties below.
    fn fixture_lines() -> Vec<String> {
        [
            fixture!("unix.txt"),
            fixture!("dos.txt"),
            fixture!("mlsd.txt"),
            fixture!("vms.txt"),
            fixture!("netware.txt"),
            fixture!("os400.txt"),
            fixture!("mvs.txt"),
            fixture!("zvm.txt"),
            fixture!("os2.txt"),
            fixture!("eplf.txt"),
            fixture!("vshell.txt"),
            fixture!("hpnonstop.txt"),
        ]
        .iter()
        .flat_map(|t| listings(t))
        .flat_map(|l| l.lines)
        .collect()
    }

    #[test]
    fn a_settled_family_reads_its_odd_lines_and_others_stay_raw() {
        let feed = |lines: &[&str]| {
            let mut parser = ListingParser::new(false, now());
            let mut out = Vec::new();
            for l in lines {
                parser.feed(l, &mut out);
            }
            parser.finish(&mut out);
            (out, parser.family())
        };
        // In a member list a bare name is a member...
        let (out, family) = feed(&[
            "SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
            "BARE",
        ]);
        assert_eq!(family, Some(Family::MvsMember));
        assert_eq!(
            (out[1].name.as_str(), out[1].raw.as_deref()),
            ("BARE", None)
        );
        // ...in a Unix listing it is a line kept raw.
        let (out, family) = feed(&["-rw-r--r-- 1 u g 1 Jan 1 2024 a", "BARE"]);
        assert_eq!(family, Some(Family::Unix));
        assert_eq!(out[1].raw.as_deref(), Some("BARE"));
        // A Unix listing does not wait for a second half after a VMS-looking name, and one
        // line another family reads does not switch the listing to it.
        let (out, family) = feed(&[
            "-rw-r--r-- 1 u g 1 Jan 1 2024 a",
            "X.TXT;1",
            "   1/1  2-JUN-1998 07:32:04",
            "04-27-00  12:09PM       <DIR>          dos dir",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 b",
        ]);
        assert_eq!(family, Some(Family::Unix));
        let names: Vec<&str> = out.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a",
                "X.TXT;1",
                "   1/1  2-JUN-1998 07:32:04",
                "dos dir",
                "b"
            ]
        );
        // A wrapped VMS name with nothing after it is kept raw at the end.
        let (out, _) = feed(&["LAST.TXT;1"]);
        assert_eq!(out[0].raw.as_deref(), Some("LAST.TXT;1"));
        // A header settles the listing before any entry.
        let (_, family) = feed(&["JOBNAME  JOBID    OWNER    STATUS CLASS"]);
        assert_eq!(family, Some(Family::Jes));
    }

    #[test]
    fn nine_letter_modes_and_glued_fields() {
        // A mode without its type letter, as some embedded servers print it.
        let e = parse_list_line("rw-r--r-- 1 u g 12 Jan 1 2024 nine", now()).unwrap();
        assert_eq!(
            (e.name.as_str(), e.kind, e.size, e.raw.as_deref()),
            ("nine", Kind::File, Some(12), None)
        );
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
    }

    #[test]
    fn noise_is_narrow() {
        for line in [
            "",
            "  ",
            "total 12",
            "Total of 6 files, 54/54 blocks.",
            "Total 14 files",
            "Directory USER1:[TEMP]",
            "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            "Name      VV.MM   Created       Changed      Size  Init   Mod   Id",
            "JOBNAME  JOBID    OWNER    STATUS CLASS",
            ".",
            "..",
        ] {
            assert!(is_noise(line), "{line:?}");
        }
        for line in [
            "total",
            "total 12 x",
            "TOTAL  4019 04/03/18 18:58:16 *STMF x",
            "Directory",
            "Volume",
            "-rw-r--r-- 1 u g 1 Jan 1 2024 total 1",
            "... ",
        ] {
            assert_eq!(is_noise(line), line == "total", "{line:?}");
        }
    }

    #[test]
    fn a_huge_line_is_read_in_bounded_time() {
        // Two hundred thousand fields: a parser doing work per field per field would take
        // hours; a linear one takes well under a second.
        let line = "1 Jan ".repeat(100_000);
        let started = std::time::Instant::now();
        let e = parse_list_line(&line, now()).unwrap();
        assert!(e.raw.is_some());
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    fn cases() -> u32 {
        std::env::var("FTPSH_PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256)
    }

    /// Lines shaped like listing lines: fixture lines cut and spliced, listing-ish pieces,
    /// and anything at all.
    fn line() -> impl Strategy<Value = String> {
        const PIECES: &[&str] = &[
            " ",
            "  ",
            "\t",
            "-",
            "d",
            "rwxr-xr-x",
            "drwxr-x---+12",
            "1",
            "12",
            "99999999999999999999999",
            "Jan",
            "Juli,",
            "6月",
            "2005년",
            "3日",
            "29.",
            "10:00",
            "24:00",
            "10:00:59.5",
            "2024",
            "2024-01-29",
            "09-26",
            "01-jun-99",
            "2-JUN-1998",
            "9/9",
            "2KB",
            "[G,O]",
            "(RWED,,)",
            "X.TXT;1",
            ";",
            "=",
            "type=",
            "file",
            "dir",
            "cdir",
            "OS.unix=slink:",
            "+i1.2,m8,r,s3,",
            "<DIR>",
            "10:00AM",
            "00:34AM",
            "*STMF",
            "*MEM",
            "PO-E",
            "**NONE**",
            "Migrated",
            "Tape",
            "JOB01906",
            "OUTPUT",
            "Volume",
            "Unit",
            "VV.MM",
            "\"oooo\"",
            "255,",
            "00B308",
            "DIR",
            "04-23-103",
            "/",
            "\\",
            "->",
            "\r",
            "\0",
            "\x1b[31m",
            "\u{9b}",
            "\u{202e}",
            "ü",
            "\u{FFFD}",
            ".",
            "..",
            "total",
        ];
        let fixtures = fixture_lines();
        prop_oneof![
            any::<String>(),
            prop::collection::vec(prop::sample::select(PIECES), 0..24).prop_map(|p| p.concat()),
            (
                prop::sample::select(fixtures.clone()),
                any::<prop::sample::Index>()
            )
                .prop_map(|(l, i)| l.chars().take(i.index(l.chars().count() + 1)).collect()),
            (
                prop::sample::select(fixtures.clone()),
                prop::sample::select(fixtures),
                any::<prop::sample::Index>()
            )
                .prop_map(|(a, b, i)| {
                    let cut = i.index(a.len() + 1);
                    let head = a.get(..cut).unwrap_or(&a);
                    format!("{head}{b}")
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// No input panics, and every line is accounted for: an entry, a documented left-out
        /// line, or the second half of a joined VMS entry. Raw entries carry their line.
        #[test]
        fn every_line_is_an_entry_or_accounted_for(
            lines in prop::collection::vec(line(), 0..24),
            mlsd in any::<bool>(),
        ) {
            let mut parser = ListingParser::new(mlsd, now());
            let mut entries = Vec::new();
            for l in &lines {
                let before = entries.len();
                let (skipped, _) = parser.left_out();
                parser.feed(l, &mut entries);
                let (skipped_now, _) = parser.left_out();
                if skipped_now > skipped && entries.len() == before && !mlsd {
                    // Left out: noise, or an entry named "." / ".." (or cdir/pdir facts).
                    let alone = parse_list_line(l, now());
                    prop_assert!(is_noise(l) || alone.is_none(), "{l:?} vanished");
                }
            }
            parser.finish(&mut entries);
            let (skipped, joined) = parser.left_out();
            prop_assert_eq!(entries.len() + skipped + joined, lines.len());
            for e in &entries {
                if let Some(raw) = &e.raw {
                    prop_assert_eq!(&e.name, raw);
                    prop_assert_eq!(e.kind, Kind::Other);
                } else {
                    prop_assert!(!e.name.is_empty());
                    prop_assert!(!is_dot_name(&e.name));
                }
            }
        }

        /// Reading a line on its own never panics either, at any "now".
        #[test]
        fn single_lines_never_panic(l in line(), when in any::<i64>()) {
            let now = DateTime::<Utc>::from_timestamp(when % 8_000_000_000_000, 0)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let _ = parse_list_line(&l, now);
            let _ = parse_list_line(&l, DateTime::<Utc>::MAX_UTC);
            let _ = parse_list_line(&l, DateTime::<Utc>::MIN_UTC);
            let _ = parse_mlsd_line(&l);
            prop_assert!(!display_name(&l).chars().any(is_unsafe_for_terminal));
        }
    }
}
