//! Server checksums and the local hashing compared with them.
//!
//! Servers offer a file's checksum in two ways (FEAT says which): `HASH` from
//! draft-bryan-ftpext-hash (`OPTS HASH SHA-256` picks the algorithm, `HASH file` answers
//! `213 SHA-256 0-49 HEX file`) and the older one-command-per-algorithm `XSHA256`, `XSHA512`,
//! `XSHA1`, `XMD5`, `XCRC` (`250 HEX`). This module knows the algorithms, reads FEAT, builds
//! the commands and checks the replies; `Conn::checksum` (src/session.rs) sends them. A reply
//! is server text: a digest is accepted only as hex of exactly the algorithm's length.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A checksum algorithm, strongest-commonly-offered first (the order ftpsh picks in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Algo {
    #[value(alias = "sha-256")]
    Sha256,
    #[value(alias = "sha-512")]
    Sha512,
    #[value(alias = "sha-1")]
    Sha1,
    Md5,
    #[value(alias = "crc")]
    Crc32,
}

/// Every algorithm, in the order ftpsh prefers them when the user does not choose.
pub const ALGOS: [Algo; 5] = [
    Algo::Sha256,
    Algo::Sha512,
    Algo::Sha1,
    Algo::Md5,
    Algo::Crc32,
];

impl Algo {
    /// The name HASH uses (`SHA-256`), also what ftpsh shows.
    pub fn name(self) -> &'static str {
        match self {
            Algo::Sha256 => "SHA-256",
            Algo::Sha512 => "SHA-512",
            Algo::Sha1 => "SHA-1",
            Algo::Md5 => "MD5",
            Algo::Crc32 => "CRC32",
        }
    }

    /// The tag of a BSD-style checksum line (`SHA256 (file) = HEX`), which `sha256sum -c`
    /// and friends read back; also the short name in JSON (lower case).
    pub fn tag(self) -> &'static str {
        match self {
            Algo::Sha256 => "SHA256",
            Algo::Sha512 => "SHA512",
            Algo::Sha1 => "SHA1",
            Algo::Md5 => "MD5",
            Algo::Crc32 => "CRC32",
        }
    }

    /// The older one-algorithm command.
    fn x_command(self) -> &'static str {
        match self {
            Algo::Sha256 => "XSHA256",
            Algo::Sha512 => "XSHA512",
            Algo::Sha1 => "XSHA1",
            Algo::Md5 => "XMD5",
            Algo::Crc32 => "XCRC",
        }
    }

    /// Hex digits in a digest.
    fn hex_len(self) -> usize {
        match self {
            Algo::Sha256 => 64,
            Algo::Sha512 => 128,
            Algo::Sha1 => 40,
            Algo::Md5 => 32,
            Algo::Crc32 => 8,
        }
    }

    /// What a user may type for `-a`: `sha256`, `SHA-256`, `md5`, `crc32`, `crc`...
    pub fn parse(text: &str) -> Option<Algo> {
        let t: String = text
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match t.as_str() {
            "sha256" => Some(Algo::Sha256),
            "sha512" => Some(Algo::Sha512),
            "sha1" | "sha" => Some(Algo::Sha1),
            "md5" => Some(Algo::Md5),
            "crc32" | "crc" => Some(Algo::Crc32),
            _ => None,
        }
    }

    pub fn hasher(self) -> Hasher {
        use aws_lc_rs::digest;
        Hasher(match self {
            Algo::Sha256 => Inner::Aws(digest::Context::new(&digest::SHA256)),
            Algo::Sha512 => Inner::Aws(digest::Context::new(&digest::SHA512)),
            Algo::Sha1 => Inner::Aws(digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY)),
            Algo::Md5 => Inner::Md5(<md5::Md5 as md5::Digest>::new()),
            Algo::Crc32 => Inner::Crc(crc32fast::Hasher::new()),
        })
    }
}

impl fmt::Display for Algo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A running local checksum, fed the bytes as they stream past.
pub struct Hasher(Inner);

enum Inner {
    Aws(aws_lc_rs::digest::Context),
    Md5(md5::Md5),
    Crc(crc32fast::Hasher),
}

/// A hasher is a sink: `io::copy` into it hashes a file.
impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Inner::Aws(c) => c.update(data),
            Inner::Md5(c) => md5::Digest::update(c, data),
            Inner::Crc(c) => c.update(data),
        }
    }

    /// The digest in lower-case hex.
    pub fn finish(self) -> String {
        match self.0 {
            Inner::Aws(c) => hex(c.finish().as_ref()),
            Inner::Md5(c) => hex(&md5::Digest::finalize(c)),
            Inner::Crc(c) => format!("{:08x}", c.finalize()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a server is asked for one algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `HASH file` (after `OPTS HASH NAME` when another algorithm is selected).
    Hash,
    /// `XSHA256 file` and the like.
    X,
}

/// What a server offers, read from FEAT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    /// Algorithms `HASH` supports, in FEAT's order.
    pub hash: Vec<Algo>,
    /// The one FEAT marks with `*`: what `HASH` uses before any `OPTS HASH`.
    pub selected: Option<Algo>,
    /// Algorithms with an X command.
    pub x: Vec<Algo>,
}

impl Offer {
    /// FEAT's `HASH SHA-1*;SHA-256;...` and `XSHA256`-style lines (`XSHA` is XSHA1's old
    /// name). Names FEAT lists that ftpsh does not know are left out.
    pub fn from_features(features: &HashMap<String, Option<String>>) -> Offer {
        let mut offer = Offer::default();
        if let Some(list) = features.get("HASH") {
            for item in list.as_deref().unwrap_or("").split(';') {
                let item = item.trim();
                let (name, star) = match item.strip_suffix('*') {
                    Some(n) => (n, true),
                    None => (item, false),
                };
                if let Some(a) = Algo::parse(name) {
                    if !offer.hash.contains(&a) {
                        offer.hash.push(a);
                    }
                    if star {
                        offer.selected = Some(a);
                    }
                }
            }
        }
        for a in ALGOS {
            if features.contains_key(a.x_command())
                || (a == Algo::Sha1 && features.contains_key("XSHA"))
            {
                offer.x.push(a);
            }
        }
        offer
    }

    pub fn is_empty(&self) -> bool {
        self.hash.is_empty() && self.x.is_empty()
    }

    /// Every algorithm offered one way or the other, in ftpsh's order of preference.
    pub fn algos(&self) -> Vec<Algo> {
        ALGOS
            .into_iter()
            .filter(|a| self.hash.contains(a) || self.x.contains(a))
            .collect()
    }

    /// How to get `want` (or the best offered algorithm): HASH when it has it, else the
    /// X command. `None`: not offered.
    pub fn pick(&self, want: Option<Algo>) -> Option<(Algo, Method)> {
        let algo = match want {
            Some(a) => a,
            None => *self.algos().first()?,
        };
        if self.hash.contains(&algo) {
            Some((algo, Method::Hash))
        } else if self.x.contains(&algo) {
            Some((algo, Method::X))
        } else {
            None
        }
    }

    /// The algorithms offered, for a message: `SHA-256, SHA-1, CRC32`.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.algos().into_iter().map(Algo::name).collect();
        names.join(", ")
    }
}

/// A checksum both sides agreed on after a transfer (`--verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub algo: Algo,
    pub hex: String,
}

/// Whether the transfers of one command compare checksums with the server, and with what.
/// Workers get a clone: the "no checksum here" warning is shared, so it is said once.
#[derive(Debug, Clone, Default)]
pub struct Verify {
    /// `--verify` or the `verify` setting asked for it.
    pub wanted: bool,
    /// `--verify` itself (the setting alone stays quiet on a server without checksums).
    pub explicit: bool,
    warned: Arc<AtomicBool>,
}

impl Verify {
    pub fn new(flag: bool, setting: bool) -> Verify {
        Verify {
            wanted: flag || setting,
            explicit: flag,
            warned: Arc::default(),
        }
    }

    /// The algorithm to verify with on a server that offers `offer` (`None`: no
    /// verification). When verification was asked for with `--verify` and the server has
    /// no checksum, `warn` hears it once for the command.
    /// In ascii mode the local bytes are not the server's, so nothing can be compared.
    pub fn algo(&self, offer: &Offer, ascii: bool, warn: impl FnOnce(&str)) -> Option<Algo> {
        if !self.wanted {
            return None;
        }
        let picked = offer.pick(None).map(|(a, _)| a).filter(|_| !ascii);
        if picked.is_none() && self.explicit && !self.warned.swap(true, Ordering::Relaxed) {
            warn(if ascii {
                "--verify: ascii mode changes line endings, so checksums cannot match: checking sizes only"
            } else {
                "--verify: the server offers no checksum (HASH, XSHA256, XMD5, XCRC): checking sizes only"
            });
        }
        picked
    }
}

/// A writer that hashes what goes through it: the download is hashed as it is written, so
/// verifying costs no second read of the file.
pub struct Tee<'a> {
    pub inner: &'a mut dyn Write,
    pub hasher: &'a mut Hasher,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Feed the first `len` bytes of `file` to `hasher` (the part of a resumed transfer that is
/// already there), then leave the file where it was.
pub fn hash_prefix(file: &mut File, len: u64, hasher: &mut Hasher) -> io::Result<()> {
    let at = file.stream_position()?;
    file.seek(SeekFrom::Start(0))?;
    let read = io::copy(&mut Read::by_ref(file).take(len), hasher)?;
    if read < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file is shorter than the part already transferred",
        ));
    }
    file.seek(SeekFrom::Start(at))?;
    Ok(())
}

/// Whether `err` says the server would not hash this file (a 5xx for it) or answered
/// without a usable digest, rather than that the session failed.
pub fn not_hashed(err: &anyhow::Error) -> bool {
    use crate::error::Remote;
    crate::error::reply_of(err).is_some_and(|(code, _)| code >= 500)
        || matches!(err.downcast_ref::<Remote>(), Some(Remote::Protocol(_)))
}

/// A local file's checksum (`mirror --checksum`).
pub fn hash_file(path: &std::path::Path, algo: Algo) -> io::Result<String> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut hasher = algo.hasher();
    hash_prefix(&mut file, len, &mut hasher)?;
    Ok(hasher.finish())
}

/// The command that asks for `path`'s checksum by `method`.
pub fn command(algo: Algo, method: Method, path: &str) -> String {
    match method {
        Method::Hash => format!("HASH {path}"),
        Method::X => format!("{} {path}", algo.x_command()),
    }
}

/// The digest in a successful reply, lower case, checked against the algorithm: HASH's
/// last line is `213 ALGO RANGE HEX NAME`, an X command's `250 HEX` or `213 HEX` (some
/// servers add the name after the digest). Multi-line replies (proftpd's `213-Computing
/// SHA-256 digest`) are read from their last line. HASH's range must be the whole file:
/// from 0, and, when the size is known, to its end (servers write the end as the size or
/// as the last byte's offset).
pub fn parse_reply(
    algo: Algo,
    method: Method,
    body: &str,
    size: Option<u64>,
) -> Result<String, String> {
    let last = body
        .lines()
        .map(str::trim_end)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    let text = last.get(4..).unwrap_or("").trim();
    let mut words = text.split_ascii_whitespace();
    let digest = match method {
        Method::Hash => {
            let name = words.next().unwrap_or("");
            if Algo::parse(name) != Some(algo) {
                return Err(format!(
                    "the server answered HASH with {name:?}, not {algo}"
                ));
            }
            let range = words.next().unwrap_or("");
            let end = range.strip_prefix("0-").map(str::parse::<u64>);
            let whole = match (end, size) {
                (Some(Ok(end)), Some(size)) => end == size || end + 1 == size,
                (Some(Ok(_)), None) => true,
                _ => false,
            };
            if !whole {
                return Err(format!(
                    "the server's HASH covers bytes {range:?}, not the whole file"
                ));
            }
            words.next().unwrap_or("")
        }
        Method::X => words.next().unwrap_or(""),
    };
    if digest.len() != algo.hex_len() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "the server's {algo} reply holds no {algo} digest: {:?}",
            crate::listing::display_name(text)
        ));
    }
    Ok(digest.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(lines: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        lines
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    /// Known digests of "hello\n" (sha256sum, sha512sum, sha1sum, md5sum; CRC-32 as zlib).
    #[test]
    fn local_hashes_match_the_coreutils_digests() {
        let want = [
            (
                Algo::Sha256,
                "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
            ),
            (
                Algo::Sha512,
                "e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629",
            ),
            (Algo::Sha1, "f572d396fae9206628714fb2ce00f72e94f2258f"),
            (Algo::Md5, "b1946ac92492d2347c6235b4d2611184"),
            (Algo::Crc32, "363a3020"),
        ];
        for (algo, hex) in want {
            // Fed in two pieces: the streaming state must carry across updates.
            let mut h = algo.hasher();
            h.update(b"hel");
            h.update(b"lo\n");
            assert_eq!(h.finish(), hex, "{algo}");
        }
    }

    #[test]
    fn feat_lines_give_the_offer() {
        // proftpd 1.3.8 with mod_digest.
        let f = features(&[
            ("HASH", Some("CRC32;MD5;SHA-1*;SHA-256;SHA-512;")),
            ("XCRC", None),
            ("XMD5", None),
            ("XSHA", None),
            ("XSHA256", None),
            ("MDTM", None),
        ]);
        let o = Offer::from_features(&f);
        assert_eq!(
            o.hash,
            [
                Algo::Crc32,
                Algo::Md5,
                Algo::Sha1,
                Algo::Sha256,
                Algo::Sha512
            ]
        );
        assert_eq!(o.selected, Some(Algo::Sha1));
        assert_eq!(o.x, [Algo::Sha256, Algo::Sha1, Algo::Md5, Algo::Crc32]);
        assert_eq!(o.pick(None), Some((Algo::Sha256, Method::Hash)));
        assert_eq!(o.pick(Some(Algo::Md5)), Some((Algo::Md5, Method::Hash)));

        let x_only = Offer::from_features(&features(&[("XMD5", None), ("XCRC", None)]));
        assert_eq!(x_only.pick(None), Some((Algo::Md5, Method::X)));
        assert_eq!(x_only.pick(Some(Algo::Sha256)), None);
        assert_eq!(x_only.describe(), "MD5, CRC32");

        let none = Offer::from_features(&features(&[("MDTM", None), ("SIZE", None)]));
        assert!(none.is_empty());
        assert_eq!(none.pick(None), None);
    }

    #[test]
    fn replies_are_read_from_their_last_line_and_checked() {
        let sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
        let hash = format!("213-Computing SHA-256 digest\r\n213 SHA-256 0-6 {sha} hello.txt\r\n");
        assert_eq!(
            parse_reply(Algo::Sha256, Method::Hash, &hash, Some(6)).unwrap(),
            sha
        );
        let x = format!("250-Computing SHA256 digest\n250 {}\n", sha.to_uppercase());
        assert_eq!(parse_reply(Algo::Sha256, Method::X, &x, None).unwrap(), sha);
        // A name after the digest (some servers add it).
        assert_eq!(
            parse_reply(Algo::Crc32, Method::X, "213 363A3020 hello.txt", None).unwrap(),
            "363a3020"
        );
        // Another algorithm than the one selected, a partial range, a short or non-hex
        // digest: all refused rather than compared.
        let wrong_algo = format!("213 SHA-1 0-6 {sha} hello.txt");
        assert!(parse_reply(Algo::Sha256, Method::Hash, &wrong_algo, Some(6)).is_err());
        let partial = format!("213 SHA-256 3-6 {sha} hello.txt");
        assert!(parse_reply(Algo::Sha256, Method::Hash, &partial, Some(6)).is_err());
        // The end: the size or the last offset (servers differ), not less, not garbage.
        let last = format!("213 SHA-256 0-5 {sha} hello.txt");
        assert!(parse_reply(Algo::Sha256, Method::Hash, &last, Some(6)).is_ok());
        let short = format!("213 SHA-256 0-4 {sha} hello.txt");
        assert!(parse_reply(Algo::Sha256, Method::Hash, &short, Some(6)).is_err());
        assert!(parse_reply(Algo::Sha256, Method::Hash, &short, None).is_ok());
        let junk = format!("213 SHA-256 0-x {sha} hello.txt");
        assert!(parse_reply(Algo::Sha256, Method::Hash, &junk, None).is_err());
        assert!(parse_reply(Algo::Sha256, Method::X, "250 abc", None).is_err());
        let not_hex = format!("250 {}", "g".repeat(64));
        assert!(parse_reply(Algo::Sha256, Method::X, &not_hex, None).is_err());
        assert!(parse_reply(Algo::Md5, Method::X, "", None).is_err());
    }

    #[test]
    fn a_prefix_is_hashed_from_the_start_and_the_position_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part");
        std::fs::write(&path, b"hello\nworld").unwrap();
        let mut file = File::open(&path).unwrap();
        file.seek(SeekFrom::Start(9)).unwrap();
        let mut h = Algo::Sha256.hasher();
        hash_prefix(&mut file, 6, &mut h).unwrap();
        assert_eq!(
            h.finish(),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(file.stream_position().unwrap(), 9);
        // A file shorter than the part it should hold is an error, not a short hash.
        let mut h = Algo::Sha256.hasher();
        let e = hash_prefix(&mut file, 12, &mut h).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(hash_file(&path, Algo::Md5).unwrap().len(), 32);
    }

    #[test]
    fn tee_hashes_what_it_writes_and_flushes_through() {
        let mut sink = io::BufWriter::new(Vec::new());
        let mut h = Algo::Crc32.hasher();
        let mut tee = Tee {
            inner: &mut sink,
            hasher: &mut h,
        };
        tee.write_all(b"hello\n").unwrap();
        tee.flush().unwrap();
        assert_eq!(sink.get_ref().as_slice(), b"hello\n");
        assert_eq!(h.finish(), "363a3020");
    }

    #[test]
    fn algorithm_names_users_type() {
        for (text, algo) in [
            ("sha256", Algo::Sha256),
            ("SHA-256", Algo::Sha256),
            ("sha_512", Algo::Sha512),
            ("SHA-1", Algo::Sha1),
            ("md5", Algo::Md5),
            ("CRC32", Algo::Crc32),
            ("crc", Algo::Crc32),
        ] {
            assert_eq!(Algo::parse(text), Some(algo), "{text}");
        }
        assert_eq!(Algo::parse("sha3"), None);
        assert_eq!(Algo::parse(""), None);
    }
}
