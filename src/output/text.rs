//! The text renderer: what people read. Listings in columns and long form, sizes and times,
//! and the cleaning of server text for the terminal (control and bidi characters as `?`).

use chrono::{DateTime, Utc};

use super::model::{Report, Tls, Transfer};
use crate::listing::{Entry, Kind, Precision, display_name};

/// Where a piece of rendered text goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// stdout: data (`pwd`, `size`, `status`...).
    Out(String),
    /// stderr, unless `-q`: what people read beside the data (summaries, changes).
    Info(String),
    /// The server's greeting: on stderr unless the protocol trace already showed it.
    Banner(String),
    /// stderr with the protocol trace on only.
    Debug(String),
}

/// The text of one result, for people. Server text in it is cleaned by the Printer
/// (`Info`, `Banner`, `Debug`) or here (`Out`). Results with nothing to say in text (a `cd`,
/// an `rm`) render as nothing, as they always did.
pub fn render(report: &Report) -> Vec<Line> {
    match report {
        Report::Connected(c) => {
            let mut lines = Vec::new();
            if let Some(w) = &c.welcome {
                lines.push(Line::Banner(w.clone()));
            }
            if let Some(Tls {
                version: Some(v),
                cipher,
                ..
            }) = &c.tls
            {
                lines.push(Line::Debug(format!(
                    "TLS: {v} {}",
                    cipher.as_deref().unwrap_or("")
                )));
            }
            lines
        }
        Report::Status(s) => vec![Line::Out(status_text(s))],
        Report::Features(f) => {
            if f.features.is_empty() {
                return vec![Line::Out("(the server announces no features)".into())];
            }
            let shown: Vec<String> = f
                .features
                .iter()
                .map(|f| match &f.params {
                    Some(p) => display_name(&format!("{} {p}", f.name)),
                    None => display_name(&f.name),
                })
                .collect();
            vec![Line::Out(shown.join("\n"))]
        }
        Report::Reply(r) => {
            let lines: Vec<String> = r.text.lines().map(|l| display_name(l.trim_end())).collect();
            vec![Line::Out(lines.join("\n"))]
        }
        Report::Setting(s) if s.changed => vec![Line::Info(format!("{} {}", s.name, s.value))],
        Report::Setting(s) => vec![Line::Out(s.value.clone())],
        Report::Option(o) => {
            // A value with spaces (a prompt) is quoted so its ends show.
            let value = if o.value.is_empty() || o.value.contains(char::is_whitespace) {
                format!("{:?}", o.value)
            } else {
                o.value.clone()
            };
            let line = display_name(&format!("{:<14} {value} ({})", o.name, o.source));
            if o.changed {
                vec![Line::Info(line)]
            } else {
                vec![Line::Out(line)]
            }
        }
        Report::Bookmark(b) => {
            let mut url = b.url.clone();
            if let Some(p) = &b.path {
                url = format!("{url} (path {p})");
            }
            if let Some(u) = &b.user {
                url = format!("{url} as {u}");
            }
            let line = display_name(&format!("{:<12} {url}", b.name));
            match b.action.as_str() {
                "added" => vec![Line::Info(format!("bookmark {line}"))],
                "removed" => vec![Line::Info(format!(
                    "removed bookmark {}",
                    display_name(&b.name)
                ))],
                _ => vec![Line::Out(line)],
            }
        }
        Report::Trusted(t) => {
            let line = display_name(&format!("{} {} {}", t.host, t.port, t.fingerprint));
            match t.action.as_str() {
                "removed" => vec![Line::Info(format!("trust: removed {line}"))],
                _ => vec![Line::Out(line)],
            }
        }
        Report::Pwd(p) => vec![Line::Out(display_name(&p.path))],
        Report::LocalDir(d) if d.changed => {
            vec![Line::Info(format!("local directory now {}", d.path))]
        }
        Report::LocalDir(d) => vec![Line::Out(display_name(&d.path))],
        Report::Entry(e) => vec![Line::Out(display_name(
            e.line.as_deref().unwrap_or(&e.name),
        ))],
        Report::Size(s) => vec![Line::Out(s.bytes.to_string())],
        // BSD style, which `sha256sum -c` (and md5sum, sha1sum, sha512sum) read back.
        Report::Checksum(c) => vec![Line::Out(format!(
            "{} ({}) = {}",
            c.algorithm.to_ascii_uppercase(),
            display_name(&c.path),
            c.hex
        ))],
        // du(1)'s order: the size first, the path last, tab-separated.
        Report::Usage(u) => vec![Line::Out(format!(
            "{}\t{} files\t{} directories\t{}",
            if u.human {
                human_size(u.bytes)
            } else {
                u.bytes.to_string()
            },
            u.files,
            u.dirs,
            display_name(&u.path)
        ))],
        Report::Found(f) => vec![Line::Out(display_name(&f.path))],
        Report::Modtime(m) => {
            let shown = DateTime::parse_from_rfc3339(&m.time)
                .map(|t| {
                    t.with_timezone(&Utc)
                        .format("%Y-%m-%d %H:%M:%S UTC")
                        .to_string()
                })
                .unwrap_or_else(|_| m.time.clone());
            vec![Line::Out(shown)]
        }
        Report::Transfer(t) => transfer_text(t).map(Line::Info).into_iter().collect(),
        Report::Help(h) => vec![Line::Out(h.text.clone())],
        // Lines the shell reads back: `alias up 'cd ..; ls'`.
        Report::Aliases(a) => a
            .aliases
            .iter()
            .map(|a| {
                Line::Out(display_name(&format!(
                    "alias {} {}",
                    a.name,
                    shell_words::quote(&a.command)
                )))
            })
            .collect(),
        Report::History(h) => h
            .entries
            .iter()
            .map(|e| Line::Out(format!("{:>5}  {}", e.number, display_name(&e.line))))
            .collect(),
        // The user's own text, as given: `echo` in a script prints what it was told.
        Report::Echo(e) => vec![Line::Out(format!("{}\n", e.text))],
        Report::Summary(s)
            if s.files == 0 && s.dirs_made == 0 && s.deleted == 0 && s.failed == 0 =>
        {
            vec![Line::Info(format!(
                "{}: nothing to transfer ({} skipped: up to date or left out)",
                s.command, s.skipped
            ))]
        }
        Report::Summary(s) => {
            let mut line = format!(
                "{}: {} files: {} done, {} skipped, {} failed",
                s.command, s.files, s.done, s.skipped, s.failed
            );
            if s.dirs_made > 0 || s.deleted > 0 {
                line.push_str(&format!(
                    "; {} directories made, {} deleted",
                    s.dirs_made, s.deleted
                ));
            }
            line.push_str(&format!(
                "; {} bytes in {:.2} s ({}/s)",
                s.bytes,
                s.seconds,
                human_size((s.bytes as f64 / s.seconds.max(1e-6)) as u64)
            ));
            vec![Line::Info(line)]
        }
        Report::Step(s) if s.dry_run => vec![Line::Out(s.text.clone())],
        Report::Step(s) => vec![Line::Info(format!("{}: {}", s.command, s.text))],
        // Said by their absence in text (cd, rm, close...), by the data itself (cat), or
        // on stderr by the line runner (errors).
        Report::Ftpsh(_)
        | Report::Closed(_)
        | Report::Bye(_)
        | Report::Cwd(_)
        | Report::Done(_)
        | Report::Data(_)
        | Report::Shell(_)
        | Report::Retry(_)
        | Report::Error(_) => Vec::new(),
    }
}

/// `status`: one fact per line.
fn status_text(s: &super::model::Status) -> String {
    let mut lines = Vec::new();
    if s.connected {
        lines.push(format!(
            "Connected to {} as {}",
            s.host.as_deref().unwrap_or("?"),
            s.user.as_deref().unwrap_or("?")
        ));
        let tls = match &s.tls {
            Some(Tls {
                implicit,
                version: Some(v),
                cipher,
            }) => format!(
                "{}{v} {}",
                if *implicit { "implicit, " } else { "" },
                cipher.as_deref().unwrap_or("")
            ),
            Some(_) => "on".to_string(),
            None => "off (plain FTP)".to_string(),
        };
        lines.push(format!("TLS: {tls}"));
        lines.push(format!(
            "Remote directory: {}",
            display_name(s.remote_directory.as_deref().unwrap_or("?"))
        ));
        lines.push(format!(
            "Login directory: {}",
            display_name(s.login_directory.as_deref().unwrap_or("?"))
        ));
        lines.push(format!("Local directory: {}", s.local_directory));
        let mode = match (s.passive, s.epsv) {
            (false, _) => "active",
            (true, Some(true)) => "passive (EPSV)",
            (true, _) => "passive (PASV)",
        };
        lines.push(format!("Mode: {mode}"));
    } else {
        lines.push("Not connected".to_string());
        lines.push(format!("Local directory: {}", s.local_directory));
        lines.push(format!(
            "Mode: {}",
            if s.passive { "passive" } else { "active" }
        ));
    }
    lines.push(format!("Type: {}", s.transfer_type));
    lines.join("\n")
}

/// The line after a transfer: `get: file.bin: 52428800 bytes in 0.42 s (119.0 MiB/s)`, with
/// `(size not verified)` when there was no size to check against; `cat` says nothing (its
/// output is the data).
fn transfer_text(t: &Transfer) -> Option<String> {
    let verb = match t.command.as_str() {
        "cat" => return None,
        v => v,
    };
    match t.outcome.as_str() {
        "complete" => Some(format!(
            "{verb}: {}: {} bytes in {:.2} s ({}/s){}",
            display_name(&t.remote),
            t.bytes,
            t.seconds.max(1e-6),
            human_size(t.rate as u64),
            match &t.checksum {
                // `sha256:9f86...` → `, SHA256 verified`
                Some(c) => format!(
                    ", {} verified",
                    c.split(':').next().unwrap_or("").to_ascii_uppercase()
                ),
                None if t.verified.is_empty() => " (size not verified)".into(),
                None => String::new(),
            }
        )),
        "already_complete" if t.direction == "download" => {
            Some(format!("{verb}: {} is already complete", t.local))
        }
        "already_complete" => Some(format!("{verb}: {} is already complete", t.remote)),
        "kept" => Some(format!("{verb}: {} exists; not overwritten (-n)", t.local)),
        // `skipped` was explained by a warning when it happened.
        _ => None,
    }
}

/// `text` through [`display_name`] line by line: the line breaks of a multi-line message
/// stay, every other control character is made visible.
pub fn clean_lines(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(display_name).collect();
    lines.join("\n")
}

/// The widest layout `ls` makes, whatever `COLUMNS` says.
pub const MAX_WIDTH: usize = 10_000;

/// `COLUMNS` when it is a positive number (clamped to [`MAX_WIDTH`]), else the terminal's
/// width, else 80.
pub fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS").ok();
    let term = console::Term::stdout().size_checked().map(|(_, w)| w);
    pick_width(columns.as_deref(), term)
}

/// [`terminal_width`] from what it reads: `COLUMNS` and the terminal's width, if known.
fn pick_width(columns: Option<&str>, term: Option<u16>) -> usize {
    if let Some(w) = columns.and_then(parse_columns) {
        return w;
    }
    match term {
        Some(w) if w > 0 => (w as usize).min(MAX_WIDTH),
        _ => 80,
    }
}

/// A `COLUMNS` value: digits, at least 1; anything larger than [`MAX_WIDTH`] (however many
/// digits) is [`MAX_WIDTH`]. `None` (use the terminal's size) for anything else.
fn parse_columns(text: &str) -> Option<usize> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return None;
    }
    match significant.parse::<usize>() {
        Ok(w) => Some(w.min(MAX_WIDTH)),
        // Too many digits for a usize: surely more than the maximum.
        Err(_) => Some(MAX_WIDTH),
    }
}

fn marker(kind: Kind) -> &'static str {
    match kind {
        Kind::Dir => "/",
        Kind::Link => "@",
        Kind::File | Kind::Other => "",
    }
}

fn paint(name: &str, kind: Kind, color: bool) -> String {
    if !color {
        return name.to_string();
    }
    match kind {
        Kind::Dir => format!("\x1b[1;34m{name}\x1b[0m"),
        Kind::Link => format!("\x1b[36m{name}\x1b[0m"),
        _ => name.to_string(),
    }
}

/// `ls` short form: names in columns, filled top to bottom like ls(1).
pub fn columns(entries: &[Entry], width: usize, color: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    let cells: Vec<(String, usize, Kind)> = entries
        .iter()
        .map(|e| {
            let shown = format!("{}{}", display_name(&e.name), marker(e.kind));
            let w = shown.width();
            (shown, w, e.kind)
        })
        .collect();
    let widest = cells.iter().map(|c| c.1).max().unwrap_or(1) + 2;
    // More columns than names would only be empty work (and a huge width spins here).
    let ncols = (width.min(MAX_WIDTH) / widest).clamp(1, cells.len().max(1));
    let nrows = cells.len().div_ceil(ncols);
    let mut out = String::new();
    for r in 0..nrows {
        let mut line = String::new();
        for c in 0..ncols {
            let i = c * nrows + r;
            let Some((shown, w, kind)) = cells.get(i) else {
                continue;
            };
            let last = (c + 1) * nrows + r >= cells.len();
            line.push_str(&paint(shown, *kind, color));
            if !last {
                line.push_str(&" ".repeat(widest - w));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `ls -l`: type and permissions, size, date (UTC), name, `-> target` for links. Lines the
/// parser could not read are shown as the server sent them.
pub fn long_listing(entries: &[Entry], human: bool, color: bool) -> String {
    let sizes: Vec<String> = entries
        .iter()
        .map(|e| match e.size {
            Some(s) if human => human_size(s),
            Some(s) => s.to_string(),
            None => "-".to_string(),
        })
        .collect();
    let sw = sizes.iter().map(String::len).max().unwrap_or(1);
    let mut out = String::new();
    for (e, size) in entries.iter().zip(sizes) {
        if let Some(raw) = &e.raw {
            out.push_str(&display_name(raw));
            out.push('\n');
            continue;
        }
        let t = match e.kind {
            Kind::Dir => 'd',
            Kind::Link => 'l',
            Kind::File => '-',
            Kind::Other => '?',
        };
        // An MLSD perm fact is shown as sent: server text. Unknown permissions (MLSD without
        // perm or unix.mode, as libunftp and `ftpsh serve` send it) are shown as unknown, not
        // as `---------`, which would say "no permissions at all".
        let perms = e
            .permissions
            .as_deref()
            .map(display_name)
            .unwrap_or_else(|| "?????????".into());
        let date = match (e.modified, e.precision) {
            (Some(t), Precision::Time) => format_time(t),
            // Only the day is known: the time column stays blank rather than say 00:00.
            (Some(t), Precision::Day) => format!("{:<16}", t.format("%Y-%m-%d")),
            (None, _) => " ".repeat(16),
        };
        let mut name = paint(&display_name(&e.name), e.kind, color);
        if let Some(target) = &e.target {
            name.push_str(" -> ");
            name.push_str(&display_name(target));
        }
        out.push_str(&format!("{t}{perms:<9} {size:>sw$} {date} {name}\n"));
    }
    out
}

pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// 1536 → `1.5 KiB`.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, kind: Kind) -> Entry {
        Entry {
            name: name.into(),
            kind,
            size: Some(1536),
            modified: None,
            precision: Precision::Time,
            permissions: Some("rw-r--r--".into()),
            target: None,
            raw: None,
            facts: Vec::new(),
        }
    }

    #[test]
    fn columns_fill_top_to_bottom() {
        let es: Vec<Entry> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| entry(n, Kind::File))
            .collect();
        assert_eq!(columns(&es, 9, false), "a  c  e\nb  d\n");
        let es = vec![entry("dir", Kind::Dir)];
        assert_eq!(columns(&es, 80, false), "dir/\n");
    }

    #[test]
    fn huge_columns_value_does_not_spin_in_the_layout() {
        let es: Vec<Entry> = ["a", "b", "c"]
            .iter()
            .map(|n| entry(n, Kind::File))
            .collect();
        // `COLUMNS=18446744073709551615` used to reach this width.
        assert_eq!(columns(&es, usize::MAX, false), "a  b  c\n");
        assert_eq!(columns(&es, 0, false), "a\nb\nc\n");
        assert_eq!(parse_columns("18446744073709551615"), Some(MAX_WIDTH));
        assert_eq!(parse_columns("184467440737095516150000"), Some(MAX_WIDTH));
        assert_eq!(parse_columns("120"), Some(120));
        assert_eq!(parse_columns(" 0120 "), Some(120));
        for bad in ["", "0", "000", "-5", "80x", "abc", "1e3", "+80"] {
            assert_eq!(parse_columns(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn long_listing_cleans_server_facts_and_leaves_unknown_times_blank() {
        let mut e = entry("f", Kind::Link);
        // An MLSD perm fact and a link target, straight from a hostile server.
        e.permissions = Some("\x1b]0;pwned\x07r\u{202E}w".into());
        e.target = Some("t\x1b[2J".into());
        e.modified = Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2019, 1, 5, 0, 0, 0).unwrap());
        e.precision = Precision::Day;
        let text = long_listing(&[e.clone()], false, false);
        assert_eq!(text, "l?]0;pwned?r?w 1536 2019-01-05       f -> t?[2J\n");
        e.precision = Precision::Time;
        let text = long_listing(&[e], false, false);
        assert!(text.contains(" 1536 2019-01-05 00:00 f"), "{text}");
    }

    #[test]
    fn long_listing_shows_raw_lines_and_human_sizes() {
        let mut raw = entry("weird line", Kind::Other);
        raw.raw = Some("weird line".into());
        let es = vec![entry("f", Kind::File), raw];
        let text = long_listing(&es, true, false);
        assert!(text.contains("-rw-r--r-- 1.5 KiB"), "{text}");
        assert!(text.ends_with("weird line\n"));
        let mut unknown = entry("u", Kind::File);
        unknown.permissions = None;
        assert!(
            long_listing(&[unknown], false, false).starts_with("-?????????"),
            "unknown permissions must not read as none"
        );
    }

    fn transfer(command: &str, outcome: &str, verified: bool) -> Transfer {
        Transfer {
            command: command.into(),
            direction: if command == "put" {
                "upload"
            } else {
                "download"
            }
            .into(),
            remote: "pub/f\x1b[2J.bin".into(),
            local: "f.bin".into(),
            bytes: 52_428_800,
            seconds: 0.42,
            rate: 52_428_800.0 / 0.42,
            resumed_from: 0,
            verified: if verified {
                vec!["size".into()]
            } else {
                vec![]
            },
            checksum: None,
            outcome: outcome.into(),
        }
    }

    /// The summary lines people (and the existing tests) read, from the transfer report.
    #[test]
    fn transfer_reports_render_as_the_summary_lines() {
        let line = |t: Transfer| render(&Report::Transfer(t));
        assert_eq!(
            line(transfer("get", "complete", true)),
            [Line::Info(
                "get: pub/f?[2J.bin: 52428800 bytes in 0.42 s (119.0 MiB/s)".into()
            )]
        );
        assert_eq!(
            line(transfer("put", "complete", false)),
            [Line::Info(
                "put: pub/f?[2J.bin: 52428800 bytes in 0.42 s (119.0 MiB/s) (size not verified)"
                    .into()
            )]
        );
        let verified = Transfer {
            verified: vec!["size".into(), "sha256".into()],
            checksum: Some(format!("sha256:{}", "ab".repeat(32))),
            ..transfer("get", "complete", true)
        };
        assert_eq!(
            line(verified),
            [Line::Info(
                "get: pub/f?[2J.bin: 52428800 bytes in 0.42 s (119.0 MiB/s), SHA256 verified"
                    .into()
            )]
        );
        assert_eq!(
            line(transfer("get", "already_complete", true)),
            [Line::Info("get: f.bin is already complete".into())]
        );
        assert_eq!(
            line(transfer("put", "already_complete", true)),
            [Line::Info(
                "put: pub/f\x1b[2J.bin is already complete".into()
            )]
        );
        assert_eq!(
            line(transfer("get", "kept", true)),
            [Line::Info("get: f.bin exists; not overwritten (-n)".into())]
        );
        assert!(line(transfer("cat", "complete", true)).is_empty());
        assert!(line(transfer("get", "skipped", true)).is_empty());
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.0 GiB");
        // Past the last unit the number grows instead.
        assert_eq!(human_size(u64::MAX), "16384.0 PiB");
    }

    #[test]
    fn width_is_columns_then_the_terminal_then_80() {
        assert_eq!(pick_width(Some("120"), Some(100)), 120);
        assert_eq!(pick_width(Some("junk"), Some(100)), 100);
        assert_eq!(pick_width(None, Some(100)), 100);
        assert_eq!(pick_width(None, Some(0)), 80);
        assert_eq!(pick_width(None, None), 80);
        assert_eq!(pick_width(Some("0"), None), 80);
        assert_eq!(pick_width(None, Some(u16::MAX)), MAX_WIDTH);
    }

    #[test]
    fn columns_pad_every_column_but_the_last_and_paint_dirs_and_links() {
        // Three rows, two columns: every name of the first column is padded.
        let es: Vec<Entry> = ["a", "bb", "c", "d", "e", "f"]
            .iter()
            .map(|n| entry(n, Kind::File))
            .collect();
        assert_eq!(columns(&es, 10, false), "a   d\nbb  e\nc   f\n");
        let es = vec![
            entry("d", Kind::Dir),
            entry("l", Kind::Link),
            entry("f", Kind::File),
        ];
        assert_eq!(
            columns(&es, 80, true),
            "\x1b[1;34md/\x1b[0m  \x1b[36ml@\x1b[0m  f\n"
        );
        assert_eq!(columns(&es, 80, false), "d/  l@  f\n");
    }

    fn summary(f: impl FnOnce(&mut super::super::model::Summary)) -> Vec<Line> {
        let mut s = super::super::model::Summary::new("mirror");
        s.skipped = 3;
        f(&mut s);
        render(&Report::Summary(s))
    }

    /// "nothing to transfer" only when every count of work is zero; the directories part
    /// only when there are some.
    #[test]
    fn summary_says_nothing_to_transfer_only_when_nothing_was() {
        assert_eq!(
            summary(|_| {}),
            [Line::Info(
                "mirror: nothing to transfer (3 skipped: up to date or left out)".into()
            )]
        );
        let plain = "mirror: 0 files: 0 done, 3 skipped, 0 failed; 0 bytes in 0.00 s (0 B/s)";
        let dirs = |made, deleted| {
            format!(
                "mirror: 0 files: 0 done, 3 skipped, {} failed; {made} directories made, \
                 {deleted} deleted; 0 bytes in 0.00 s (0 B/s)",
                0
            )
        };
        assert_eq!(
            summary(|s| s.files = 1),
            [Line::Info(plain.replace("0 files", "1 files"))]
        );
        assert_eq!(
            summary(|s| s.failed = 1),
            [Line::Info(plain.replace("0 failed", "1 failed"))]
        );
        assert_eq!(summary(|s| s.dirs_made = 1), [Line::Info(dirs(1, 0))]);
        assert_eq!(summary(|s| s.deleted = 2), [Line::Info(dirs(0, 2))]);
        assert_eq!(
            summary(|s| {
                s.files = 2;
                s.done = 2;
                s.bytes = 2048;
                s.seconds = 2.0;
            }),
            [Line::Info(
                "mirror: 2 files: 2 done, 3 skipped, 0 failed; 2048 bytes in 2.00 s (1.0 KiB/s)"
                    .into()
            )]
        );
    }

    /// What goes to stdout (data, for a pipe) and what to stderr (news of a change).
    #[test]
    fn changes_are_info_and_values_are_data() {
        use super::super::model::{BookmarkData, LocalDir, OptionData, Setting, Step, TrustedData};
        let setting = |changed| {
            render(&Report::Setting(Setting {
                name: "verbose".into(),
                value: "on".into(),
                changed,
            }))
        };
        assert_eq!(setting(true), [Line::Info("verbose on".into())]);
        assert_eq!(setting(false), [Line::Out("on".into())]);
        let option = |value: &str, changed| {
            render(&Report::Option(OptionData {
                name: "prompt".into(),
                value: value.into(),
                source: "default".into(),
                default: String::new(),
                doc: String::new(),
                changed,
            }))
        };
        assert_eq!(
            option("a b", false),
            [Line::Out("prompt         \"a b\" (default)".into())]
        );
        assert_eq!(
            option("", false),
            [Line::Out("prompt         \"\" (default)".into())]
        );
        assert_eq!(
            option("x", true),
            [Line::Info("prompt         x (default)".into())]
        );
        let dir = |changed| {
            render(&Report::LocalDir(LocalDir {
                path: "/tmp".into(),
                changed,
            }))
        };
        assert_eq!(dir(true), [Line::Info("local directory now /tmp".into())]);
        assert_eq!(dir(false), [Line::Out("/tmp".into())]);
        let bookmark = |action: &str| {
            render(&Report::Bookmark(BookmarkData {
                name: "deb".into(),
                url: "ftp://ftp.debian.org".into(),
                user: Some("me".into()),
                path: Some("/debian".into()),
                action: action.into(),
            }))
        };
        let shown = "deb          ftp://ftp.debian.org (path /debian) as me";
        assert_eq!(bookmark("added"), [Line::Info(format!("bookmark {shown}"))]);
        assert_eq!(
            bookmark("removed"),
            [Line::Info("removed bookmark deb".into())]
        );
        assert_eq!(bookmark("listed"), [Line::Out(shown.into())]);
        let trusted = |action: &str| {
            render(&Report::Trusted(TrustedData {
                host: "h".into(),
                port: 990,
                fingerprint: "sha256:ab".into(),
                action: action.into(),
            }))
        };
        assert_eq!(
            trusted("removed"),
            [Line::Info("trust: removed h 990 sha256:ab".into())]
        );
        assert_eq!(trusted("listed"), [Line::Out("h 990 sha256:ab".into())]);
        let step = |dry_run| {
            render(&Report::Step(Step {
                command: "mirror".into(),
                action: "copy".into(),
                path: "a".into(),
                reason: None,
                dry_run,
                text: "copy    a (missing)".into(),
            }))
        };
        assert_eq!(step(true), [Line::Out("copy    a (missing)".into())]);
        assert_eq!(
            step(false),
            [Line::Info("mirror: copy    a (missing)".into())]
        );
    }

    #[test]
    fn status_says_one_fact_per_line() {
        use super::super::model::Status;
        let connected = Status {
            connected: true,
            host: Some("h".into()),
            user: Some("u".into()),
            tls: Some(Tls {
                implicit: true,
                version: Some("TLSv1.3".into()),
                cipher: Some("AES".into()),
            }),
            remote_directory: Some("/pub".into()),
            login_directory: Some("/".into()),
            local_directory: "/tmp".into(),
            passive: true,
            epsv: Some(true),
            transfer_type: "binary".into(),
        };
        assert_eq!(
            render(&Report::Status(connected.clone())),
            [Line::Out(
                "Connected to h as u\nTLS: implicit, TLSv1.3 AES\nRemote directory: /pub\n\
                 Login directory: /\nLocal directory: /tmp\nMode: passive (EPSV)\n\
                 Type: binary"
                    .into()
            )]
        );
        let plain = Status {
            tls: None,
            epsv: None,
            ..connected.clone()
        };
        let text = status_text(&plain);
        assert!(text.contains("\nTLS: off (plain FTP)\n"), "{text}");
        assert!(text.contains("\nMode: passive (PASV)\n"), "{text}");
        let active = Status {
            passive: false,
            ..connected.clone()
        };
        assert!(status_text(&active).contains("\nMode: active\n"));
        let closed = Status {
            connected: false,
            passive: false,
            ..connected
        };
        assert_eq!(
            status_text(&closed),
            "Not connected\nLocal directory: /tmp\nMode: active\nType: binary"
        );
    }
}
