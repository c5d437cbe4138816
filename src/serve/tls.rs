//! `--tls-self-signed`: a fresh certificate made by rcgen for the names the server answers
//! to, written with its key into a private temporary directory (libunftp 0.24 loads
//! certificates from files only) that is removed when the server stops.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::LocalError;

pub struct SelfSigned {
    _dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// SHA-256 of the certificate (DER), as `AB:CD:...`.
    pub fingerprint: String,
}

impl SelfSigned {
    /// A certificate for `names` (host names or IP addresses).
    pub fn generate(names: Vec<String>) -> Result<SelfSigned> {
        let made = rcgen::generate_simple_self_signed(names)
            .context("cannot make a self-signed certificate")?;
        let dir = tempfile::Builder::new()
            .prefix("ftpsh-serve-tls-")
            .tempdir()
            .map_err(|e| LocalError::new("temporary directory", e))?;
        let write = |name: &str, text: String| -> Result<PathBuf> {
            let path = dir.path().join(name);
            write_private(&path, text.as_bytes())
                .map_err(|e| LocalError::new(path.display().to_string(), e))?;
            Ok(path)
        };
        let cert = write("cert.pem", made.cert.pem())?;
        let key = write("key.pem", made.signing_key.serialize_pem())?;
        Ok(SelfSigned {
            fingerprint: fingerprint(made.cert.der()),
            _dir: dir,
            cert,
            key,
        })
    }
}

/// Readable by us alone (the key; the temporary directory is private too).
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

/// `sha256:abcd...`: SHA-256 of `der` in the form `--pin` takes, so a client can copy it.
pub fn fingerprint(der: &[u8]) -> String {
    crate::trust::Fingerprint::of(der).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_as_pin_takes_it() {
        // SHA-256("abc"), FIPS 180-2's example.
        assert_eq!(
            fingerprint(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn self_signed_files_are_written_privately() {
        use std::os::unix::fs::PermissionsExt;
        let s = SelfSigned::generate(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
        let pem = std::fs::read_to_string(&s.cert).unwrap();
        assert!(pem.contains("BEGIN CERTIFICATE"));
        let mode = std::fs::metadata(&s.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key mode {mode:o}");
        assert_eq!(s.fingerprint.len(), "sha256:".len() + 64);
    }
}
