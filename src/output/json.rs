//! The JSON renderer's pieces: listing entries as `entry` objects, and file content as `data`
//! objects (text when it is UTF-8, base64 when not), streamed in bounded pieces.

use std::io::{self, Write};

use base64::Engine as _;
use chrono::SecondsFormat;

use super::Printer;
use super::model::{Data, EntryData, Report};
use crate::listing::{Entry, Kind, Precision};

/// An entry of a parsed listing of `path` (`None`: the working directory), names as sent.
pub fn entry(path: Option<&str>, e: &Entry) -> EntryData {
    let raw = crate::charset::raw_bytes(&e.name);
    EntryData {
        path: path.map(str::to_string),
        // Names as sent; one with bytes the charset did not decode has them as `\xNN` here
        // and, exactly, in `name_bytes`.
        name: if raw.is_some() {
            crate::charset::escaped_text(&e.name)
        } else {
            e.name.clone()
        },
        name_bytes: raw.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        kind: Some(kind_name(e.kind).to_string()),
        size: e.size,
        modified: e.modified.map(|t| match e.precision {
            Precision::Time => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            Precision::Day => t.format("%Y-%m-%d").to_string(),
        }),
        permissions: e.permissions.clone(),
        target: e.target.clone(),
        line: e.raw.clone(),
        local: false,
        facts: e.facts.iter().cloned().collect(),
    }
}

/// The `type` of an entry in JSON (the same words `ls --json` has always used).
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "file",
        Kind::Dir => "dir",
        Kind::Link => "link",
        Kind::Other => "other",
    }
}

/// The biggest piece of content in one `data` line (before base64).
const PIECE: usize = 64 * 1024;

/// File content as `data` lines: gathered into pieces of at most [`PIECE`] bytes, each cut
/// at a UTF-8 character boundary when the content is text, so every piece of a text file is
/// valid `text` and a program can concatenate them. Memory stays bounded by one piece.
pub struct DataSink<'a> {
    printer: &'a Printer,
    path: String,
    offset: u64,
    pending: Vec<u8>,
}

impl<'a> DataSink<'a> {
    pub fn new(printer: &'a Printer, path: &str) -> DataSink<'a> {
        DataSink {
            printer,
            path: path.to_string(),
            offset: 0,
            pending: Vec::with_capacity(PIECE),
        }
    }

    /// Emit the pending bytes, or all but an incomplete UTF-8 character at their end unless
    /// `all` (the end of the file: whatever is left goes, as bytes if need be).
    fn emit(&mut self, all: bool) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let cut = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // Only an incomplete character at the very end is held back for the next write.
            Err(e) if e.error_len().is_none() && !all && e.valid_up_to() > 0 => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let piece: Vec<u8> = self.pending.drain(..cut).collect();
        let (text, bytes) = match String::from_utf8(piece) {
            Ok(t) => (Some(t), None),
            Err(e) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
            ),
        };
        let len = cut as u64;
        let report = Report::Data(Data {
            path: self.path.clone(),
            offset: self.offset,
            text,
            bytes,
        });
        self.offset += len;
        self.printer
            .json_line(&report)
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

impl Write for DataSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = PIECE - self.pending.len();
        let n = buf.len().min(room);
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() >= PIECE {
            self.emit(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit(true)?;
        self.printer
            .flush()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

impl Drop for DataSink<'_> {
    /// What arrived before a failure stays written, as it does on stdout in text mode.
    fn drop(&mut self) {
        let _ = self.emit(true);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_buf::Buf;
    use super::*;

    fn data_lines(out: &Buf) -> Vec<serde_json::Value> {
        out.text()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["type"] == "data")
            .map(|v| v["data"].clone())
            .collect()
    }

    /// A text file bigger than a piece, with a multi-byte character across the boundary:
    /// every piece is valid text and together they are the file.
    #[test]
    fn content_pieces_keep_utf8_characters_whole() {
        let (out, err) = (Buf::default(), Buf::default());
        let p = Printer::buffered(true, out.clone(), err);
        let mut text = "a".repeat(PIECE - 1);
        text.push('é');
        text.push_str(&"b".repeat(10));
        {
            let mut sink = DataSink::new(&p, "f.txt");
            for chunk in text.as_bytes().chunks(7000) {
                sink.write_all(chunk).unwrap();
            }
            sink.flush().unwrap();
        }
        let pieces = data_lines(&out);
        assert!(pieces.len() >= 2, "{}", pieces.len());
        let mut joined = String::new();
        let mut offset = 0;
        for d in &pieces {
            assert_eq!(d["path"], "f.txt");
            assert_eq!(d["offset"], offset);
            let t = d["text"].as_str().expect("text piece");
            joined.push_str(t);
            offset += t.len() as u64;
        }
        assert_eq!(joined, text);
    }

    #[test]
    fn binary_content_is_base64() {
        let (out, err) = (Buf::default(), Buf::default());
        let p = Printer::buffered(true, out.clone(), err);
        let bytes = [0u8, 0xff, 0xfe, b'a', 0xc3];
        {
            let mut sink = DataSink::new(&p, "b.bin");
            sink.write_all(&bytes).unwrap();
            sink.flush().unwrap();
        }
        let pieces = data_lines(&out);
        assert_eq!(pieces.len(), 1);
        let b64 = pieces[0]["bytes"].as_str().unwrap();
        let back = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(back, bytes);
        assert!(pieces[0].get("text").is_none());
        // The first JSON line of the run is the schema header.
        let first: serde_json::Value =
            serde_json::from_str(out.text().lines().next().unwrap()).unwrap();
        assert_eq!(first["type"], "ftpsh");
        assert_eq!(first["data"]["schema"], super::super::model::SCHEMA);
    }
}
