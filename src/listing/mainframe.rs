//! IBM systems: OS/400 (IBM i), MVS (z/OS) data sets, partitioned data set members and JES
//! job lists, and z/VM minidisk files.
//!
//! - OS/400: `OWNER  SIZE DATE TIME *TYPE  NAME`, the date as mm/dd/yy, dd/mm/yy or yy/mm/dd
//!   by the system's setting (read day-first or month-first when a number says so, else
//!   month-first); `*MEM` lines have no size or date. Names are shown without a trailing `/`
//!   and without the path in front (`FILE/MEMBER.MBR` lists as `MEMBER.MBR`).
//! - MVS data sets: `Volume Unit Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname`; a
//!   partitioned data set (Dsorg `PO`, `PO-E`) holds members, so it is a directory. Migrated,
//!   tape and VSAM data sets have most columns empty. The Used column counts tracks, not bytes:
//!   sizes are unknown.
//! - PDS members: `Name VV.MM Created Changed Time Size Init Mod Id` (Size counts records, not
//!   bytes, so it is not a size), load-module libraries with hexadecimal sizes, and members with
//!   no statistics at all (a bare name: read only once the listing is known to be a member list).
//! - JES: `JOBNAME JOBID OWNER STATUS CLASS ...`: the entry is the job id, what `get` fetches.
//! - z/VM: `FNAME FTYPE FMT LRECL RECORDS BLOCKS DATE TIME LABEL`, named `FNAME.FTYPE`, its size
//!   the record length times the record count (exact for fixed records).

use chrono::NaiveDate;

use super::text::{Token, all_digits, expand_year, parse_clock, rest_after, small_number, utc};
use super::{Entry, Kind, Precision};

fn entry(name: &str, kind: Kind, size: Option<u64>) -> Entry {
    Entry::bare(name, kind, size, Precision::Day)
}

// --- OS/400 -----------------------------------------------------------------------------------

/// "04/03/18", "23/02/00", "18.09.06": three two-digit numbers.
fn os400_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split(['/', '.']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || a.len() != 2 || b.len() != 2 || c.len() != 2 {
        return None;
    }
    let (x, y, z) = (
        small_number(a, 2)?,
        small_number(b, 2)?,
        small_number(c, 2)?,
    );
    let (year, month, day) = if x > 31 {
        (a, y, z) // yy/mm/dd
    } else if x > 12 {
        (c, y, x) // dd/mm/yy
    } else {
        (c, x, y) // mm/dd/yy
    };
    let year = expand_year(year)?;
    NaiveDate::from_ymd_opt(year, month, day)?;
    Some((year, month, day))
}

fn os400_kind(object_type: &str) -> Option<Kind> {
    let t = object_type.strip_prefix('*')?;
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(match t.to_ascii_uppercase().as_str() {
        "DIR" | "LIB" | "FLR" | "DDIR" => Kind::Dir,
        "STMF" | "MEM" | "FILE" | "DOC" | "DSTMF" | "SAVF" => Kind::File,
        _ => Kind::Other,
    })
}

/// "dir1/" lists as "dir1"; "/DRV/AUDWRKSHET/X.PDF" and "FILE/MEMBER.MBR" as their last part.
fn os400_name(name: &str) -> Option<&str> {
    let trimmed = name.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    (!base.is_empty()).then_some(base)
}

pub(super) fn parse_os400(line: &str, tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    // A member: "OWNER  *MEM  FILE/MEMBER.MBR".
    if text(1).is_some_and(|t| t.eq_ignore_ascii_case("*MEM")) {
        let name = os400_name(rest_after(line, tokens, 1)?)?;
        return Some(entry(name, Kind::File, None));
    }
    let size = text(1).filter(|t| all_digits(t))?.parse::<u64>().ok()?;
    let (year, month, day) = os400_date(text(2)?)?;
    let (clock, _) = parse_clock(text(3)?)?;
    let kind = os400_kind(text(4)?)?;
    let name = os400_name(rest_after(line, tokens, 4)?)?;
    Some(Entry {
        modified: utc(year, month, day, clock),
        precision: Precision::Time,
        ..entry(name, kind, Some(size))
    })
}

// --- MVS data sets ----------------------------------------------------------------------------

/// The header of a data set list.
pub(super) fn is_dataset_header(tokens: &[Token]) -> bool {
    let words: Vec<&str> = tokens.iter().take(2).map(|t| t.text).collect();
    words == ["Volume", "Unit"]
}

/// "2003/05/21"
fn mvs_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split('/');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let year = expand_year(y)?;
    let (month, day) = (small_number(m, 2)?, small_number(d, 2)?);
    NaiveDate::from_ymd_opt(year, month, day)?;
    Some((year, month, day))
}

fn is_volume(s: &str) -> bool {
    (1..=6).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"#$@".contains(&b))
}

/// A data set name: qualifiers of letters, digits and national characters, dot-separated.
fn is_dsname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 44
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"#$@-._{}".contains(&b))
}

pub(super) fn parse_dataset(tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let name = tokens.last()?.text;
    if !is_dsname(name) {
        return None;
    }
    // Migrated data sets: "Migrated    NAME".
    if tokens.len() == 2 && text(0) == Some("Migrated") {
        return Some(entry(name, Kind::File, None));
    }
    if !is_volume(text(0)?) {
        return None;
    }
    let unit = text(1)?;
    if tokens.len() == 3 && unit.eq_ignore_ascii_case("Tape") {
        return Some(entry(name, Kind::File, None));
    }
    if !all_digits(unit) || unit.len() != 4 {
        return None;
    }
    if tokens.len() == 4 && text(2) == Some("VSAM") {
        return Some(entry(name, Kind::File, None));
    }
    if !(9..=10).contains(&tokens.len()) {
        return None;
    }
    let referred = text(2)?;
    let date = if referred == "**NONE**" {
        None
    } else {
        Some(mvs_date(referred)?)
    };
    let dsorg = text(tokens.len() - 2)?;
    let kind = if dsorg == "PO" || dsorg == "PO-E" {
        Kind::Dir
    } else if dsorg.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') {
        Kind::File
    } else {
        return None;
    };
    Some(Entry {
        modified: date.and_then(|(y, m, d)| utc(y, m, d, (0, 0, 0, 0))),
        ..entry(name, kind, None)
    })
}

// --- PDS members ------------------------------------------------------------------------------

/// The header of a member list.
pub(super) fn is_member_header(tokens: &[Token]) -> bool {
    let words: Vec<&str> = tokens.iter().take(2).map(|t| t.text).collect();
    words == ["Name", "VV.MM"]
}

fn is_member_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 44
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"#$@-_".contains(&b))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A member with statistics, or from a load library; `bare` also takes a name alone (only in a
/// listing known to be a member list).
pub(super) fn parse_member(tokens: &[Token], bare: bool) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let name = text(0)?;
    if !is_member_name(name) {
        return None;
    }
    if tokens.len() == 1 {
        return bare.then(|| entry(name, Kind::File, None));
    }
    // "NAME 01.03 2002/09/12 2002/10/11 09:37 11 11 0 KIL001"
    let version = text(1)?;
    if tokens.len() >= 8
        && let Some((vv, mm)) = version.split_once('.')
        && small_number(vv, 2).is_some()
        && small_number(mm, 2).is_some()
        && mvs_date(text(2)?).is_some()
    {
        let (year, month, day) = mvs_date(text(3)?)?;
        let (clock, _) = parse_clock(text(4)?)?;
        if !tokens.get(5..8)?.iter().all(|t| all_digits(t.text)) {
            return None;
        }
        return Some(Entry {
            modified: utc(year, month, day, clock),
            precision: Precision::Time,
            ..entry(name, Kind::File, None)
        });
    }
    // Load library: "NAME 00B308 000411 00 FO ... ": size and TTR in hexadecimal.
    if tokens.len() >= 4 && is_hex(version, 6) && is_hex(text(2)?, 6) && is_hex(text(3)?, 2) {
        let size = u64::from_str_radix(version, 16).ok()?;
        return Some(entry(name, Kind::File, Some(size)));
    }
    None
}

// --- JES --------------------------------------------------------------------------------------

/// The header of a JES job list (JES interface level 2).
pub(super) fn is_jes_header(tokens: &[Token]) -> bool {
    let words: Vec<&str> = tokens.iter().take(2).map(|t| t.text).collect();
    words == ["JOBNAME", "JOBID"]
}

/// "JOB01906", "TSU01830", "STC00123", "J0012345".
fn is_job_id(s: &str) -> bool {
    let digits = ["JOB", "TSU", "STC", "J"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or("");
    (5..=7).contains(&digits.len()) && all_digits(digits)
}

pub(super) fn parse_jes(tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    let id = text(1)?;
    if !is_member_name(text(0)?) || !is_job_id(id) {
        return None;
    }
    // The status is the third column (level 1) or the fourth (level 2, after the owner).
    let status = |t: &str| matches!(t, "OUTPUT" | "ACTIVE" | "INPUT" | "HELD" | "READY");
    if !(text(2).is_some_and(status) || text(3).is_some_and(status)) {
        return None;
    }
    Some(entry(id, Kind::File, None))
}

// --- z/VM -------------------------------------------------------------------------------------

/// "2005-10-04", or "10/04/05".
fn zvm_date(s: &str) -> Option<(i32, u32, u32)> {
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if a.len() == 4 {
        (expand_year(a)?, small_number(b, 2)?, small_number(c, 2)?)
    } else {
        (expand_year(c)?, small_number(a, 2)?, small_number(b, 2)?)
    };
    NaiveDate::from_ymd_opt(year, month, day)?;
    Some((year, month, day))
}

pub(super) fn parse_zvm(tokens: &[Token]) -> Option<Entry> {
    let text = |k: usize| tokens.get(k).map(|t| t.text);
    if tokens.len() != 9 {
        return None;
    }
    let (fname, ftype, format) = (text(0)?, text(1)?, text(2)?);
    if !is_member_name(fname) || !is_member_name(ftype) {
        return None;
    }
    let kind = match format {
        "F" | "V" => Kind::File,
        "DIR" => Kind::Dir,
        _ => return None,
    };
    let numbers = [text(3)?, text(4)?, text(5)?];
    let dir_dashes = kind == Kind::Dir && numbers.iter().all(|n| *n == "-");
    if !dir_dashes && !numbers.iter().all(|n| all_digits(n)) {
        return None;
    }
    let (year, month, day) = zvm_date(text(6)?)?;
    let (clock, _) = parse_clock(text(7)?)?;
    let size = if kind == Kind::File {
        let lrecl = numbers[0].parse::<u64>().ok()?;
        let records = numbers[1].parse::<u64>().ok()?;
        Some(lrecl.checked_mul(records)?)
    } else {
        None
    };
    let name = format!("{fname}.{ftype}");
    Some(Entry {
        modified: utc(year, month, day, clock),
        precision: Precision::Time,
        ..entry(&name, kind, size)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os400_dates_by_what_the_numbers_allow() {
        assert_eq!(os400_date("02/23/00"), Some((2000, 2, 23)));
        assert_eq!(os400_date("23/02/00"), Some((2000, 2, 23)));
        assert_eq!(os400_date("18.09.06"), Some((2006, 9, 18)));
        assert_eq!(os400_date("99/12/31"), Some((1999, 12, 31)));
        // Ambiguous: month first.
        assert_eq!(os400_date("04/03/24"), Some((2024, 4, 3)));
        assert_eq!(os400_date("13/13/13"), None);
    }

    #[test]
    fn job_ids() {
        assert!(is_job_id("JOB01906"));
        assert!(is_job_id("TSU01830"));
        assert!(is_job_id("J0012345"));
        assert!(!is_job_id("JOB1"));
        assert!(!is_job_id("IBMUSER"));
    }

    #[test]
    fn os400_dates_want_three_two_digit_parts() {
        assert_eq!(os400_date("4/03/18"), None);
        assert_eq!(os400_date("04/3/18"), None);
        // Day last (yy/mm/dd): a one-digit day is not a date either.
        assert_eq!(os400_date("99/12/1"), None);
        assert_eq!(os400_date("04/03/18/1"), None);
    }

    #[test]
    fn os400_dates_switch_order_just_past_the_largest_day_and_month() {
        // 31 is still a day (dd/mm/yy), 32 a year (yy/mm/dd).
        assert_eq!(os400_date("31/12/99"), Some((1999, 12, 31)));
        assert_eq!(os400_date("32/12/31"), Some((2032, 12, 31)));
        // 12 is still a month (mm/dd/yy), 13 a day (dd/mm/yy).
        assert_eq!(os400_date("12/11/05"), Some((2005, 12, 11)));
        assert_eq!(os400_date("13/11/05"), Some((2005, 11, 13)));
    }

    #[test]
    fn os400_object_types_are_a_star_and_letters() {
        assert_eq!(os400_kind("*DIR"), Some(Kind::Dir));
        assert_eq!(os400_kind("*stmf"), Some(Kind::File));
        assert_eq!(os400_kind("*PGM"), Some(Kind::Other));
        assert_eq!(os400_kind("*"), None);
        assert_eq!(os400_kind("*A-B"), None);
        assert_eq!(os400_kind("DIR"), None);
    }

    #[test]
    fn mvs_dates_are_four_digit_year_month_day() {
        assert_eq!(mvs_date("2003/05/21"), Some((2003, 5, 21)));
        assert_eq!(mvs_date("03/05/21"), None);
        assert_eq!(mvs_date("2003/05/21/1"), None);
        assert_eq!(mvs_date("2003/13/21"), None);
    }

    #[test]
    fn volumes_are_one_to_six_upper_case_letters_digits_or_national_characters() {
        assert!(is_volume("WYNK01"));
        assert!(is_volume("#$@"));
        assert!(!is_volume(""));
        assert!(!is_volume("WYNK012"));
        assert!(!is_volume("wynk01"));
        assert!(!is_volume("AB-1"));
    }

    fn dataset(line: &str) -> Option<Entry> {
        parse_dataset(&super::super::text::tokenize(line))
    }

    #[test]
    fn data_set_names_are_up_to_44_characters_of_their_alphabet() {
        assert!(is_dsname("INCOMING.RPTBM023.D061704"));
        assert!(is_dsname(&"A".repeat(44)));
        assert!(!is_dsname(&"A".repeat(45)));
        assert!(!is_dsname(""));
        assert!(!is_dsname("A/B"));
        assert!(dataset(&format!("TSO004 3390 VSAM {}", "A".repeat(45))).is_none());
    }

    #[test]
    fn data_set_lines_with_few_columns_are_only_tape_vsam_or_migrated() {
        assert!(dataset("V43525 Tape   73-MSV-TAPE.FILE").is_some());
        assert!(dataset("TSO004 3390   VSAM 64-mvs-file").is_some());
        // Three or four columns that are neither.
        assert!(dataset("V43525 3390   73-MSV-TAPE.FILE").is_none());
        assert!(dataset("TSO004 3390   NVSM 64-mvs-file").is_none());
    }

    #[test]
    fn data_set_units_are_four_digits() {
        let line = |unit: &str| {
            format!("SAVE00 {unit}   2004/06/23  1    1  FB     128  6144  PS    INCOMING.D061704")
        };
        assert!(dataset(&line("3390")).is_some());
        assert!(dataset(&line("33900")).is_none());
        assert!(dataset(&line("339")).is_none());
        assert!(dataset(&line("33A0")).is_none());
    }

    #[test]
    fn data_set_organisations_are_capitals_and_dashes() {
        let line = |dsorg: &str| {
            format!(
                "SAVE00 3390   2004/06/23  1    1  FB     128  6144  {dsorg}    INCOMING.D061704"
            )
        };
        assert_eq!(dataset(&line("PO-E")).unwrap().kind, Kind::Dir);
        assert_eq!(dataset(&line("PS")).unwrap().kind, Kind::File);
        assert_eq!(dataset(&line("DA-X")).unwrap().kind, Kind::File);
        assert!(dataset(&line("P1")).is_none());
    }

    #[test]
    fn member_names_are_up_to_44_characters_of_their_alphabet() {
        assert!(is_member_name("TBSHELF1"));
        assert!(is_member_name(&"M".repeat(44)));
        assert!(!is_member_name(&"M".repeat(45)));
        assert!(!is_member_name(""));
        assert!(!is_member_name("A.B"));
    }

    #[test]
    fn load_library_members_want_their_three_hexadecimal_columns() {
        let member = |line: &str| parse_member(&super::super::text::tokenize(line), false);
        let e = member("67-MVSPDSMEMBER2 00B308 000411  00 FO   31  ANY").unwrap();
        assert_eq!(e.size, Some(0xB308));
        assert!(member("67-MVSPDSMEMBER2 00B308 00041Z  00 FO   31  ANY").is_none());
        assert!(member("67-MVSPDSMEMBER2 00B308 000411  0Z FO   31  ANY").is_none());
        assert!(member("67-MVSPDSMEMBER2 00B308 000411  001 FO   31  ANY").is_none());
        assert!(is_hex("00B308", 6));
        assert!(!is_hex("00B3", 6));
        assert!(!is_hex("00B30G", 6));
    }

    #[test]
    fn jes_lines_want_a_job_name_and_a_job_id() {
        let jes = |line: &str| parse_jes(&super::super::text::tokenize(line));
        assert_eq!(
            jes("IBMUSER2 JOB01906 IBMUSER  OUTPUT A").unwrap().name,
            "JOB01906"
        );
        assert!(jes("IBM.USER JOB01906 IBMUSER  OUTPUT A").is_none());
        assert!(jes("IBMUSER2 JOB1 IBMUSER  OUTPUT A").is_none());
    }

    #[test]
    fn zvm_directories_have_dashes_where_files_have_numbers() {
        let zvm = |line: &str| parse_zvm(&super::super::text::tokenize(line));
        let d = zvm("PROJECTS DIR  DIR  -  -  -  2005-10-04 15:28:42 -").unwrap();
        assert_eq!(
            (d.name.as_str(), d.kind, d.size),
            ("PROJECTS.DIR", Kind::Dir, None)
        );
        assert!(zvm("PROJECTS DIR  DIR  x  y  z  2005-10-04 15:28:42 -").is_none());
        // A file has numbers, never dashes.
        assert!(zvm("PROFILE EXEC  V  -  -  -  2005-10-04 15:28:42 -").is_none());
        let f = zvm("PROFILE EXEC  F  80  3  1  2005-10-04 15:28:42 -").unwrap();
        assert_eq!((f.kind, f.size), (Kind::File, Some(240)));
        assert!(zvm("PRO.FILE EXEC  F  80  3  1  2005-10-04 15:28:42 -").is_none());
        assert!(zvm("PROFILE EX.EC  F  80  3  1  2005-10-04 15:28:42 -").is_none());
    }
}
