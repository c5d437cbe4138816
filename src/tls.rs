//! TLS for FTPS: the rustls client configuration (verified by default) and the stream type
//! suppaftp runs the control and data connections over.
//!
//! We use our own `TlsStream`/`TlsConnector` instead of suppaftp's `RustlsStream` for two
//! reasons: `status` must show the negotiated protocol and cipher, which suppaftp hides; and
//! every TCP socket that becomes TLS gets its timeouts here, so an implicit-FTPS handshake
//! can never hang. One `Arc<ClientConfig>` per session lets data connections resume the
//! control connection's TLS session (vsftpd `require_ssl_reuse=YES`).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, StreamOwned};
use suppaftp::{FtpError, FtpResult};

use crate::error::LocalError;

/// What the handshake negotiated, for `status`.
#[derive(Debug, Clone, Default)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
}

pub type SharedInfo = Arc<Mutex<Option<TlsInfo>>>;

/// Build the client configuration: system roots (webpki roots when the system has none), plus
/// `ca_file`; or no verification at all when `insecure`.
pub fn client_config(ca_file: Option<&Path>, insecure: bool) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerifier(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(path) = ca_file {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| pem_error(path, e))?
                .collect::<Result<_, _>>()
                .map_err(|e| pem_error(path, e))?;
            if certs.is_empty() {
                return Err(LocalError::new(
                    format!("--ca-file {}", path.display()),
                    io::Error::new(io::ErrorKind::InvalidData, "no PEM certificate in the file"),
                )
                .into());
            }
            for cert in certs {
                roots.add(cert).with_context(|| {
                    format!("--ca-file {}: unusable certificate", path.display())
                })?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

fn pem_error(path: &Path, e: rustls::pki_types::pem::Error) -> anyhow::Error {
    let io = match e {
        rustls::pki_types::pem::Error::Io(io) => io,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
    };
    LocalError::new(format!("--ca-file {}", path.display()), io).into()
}

/// `--insecure`: accept any certificate, but still check the handshake signatures so the
/// connection is at least consistent.
#[derive(Debug)]
struct NoVerifier(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Hands suppaftp TLS streams over our configuration; records the first (control) handshake.
pub struct Connector {
    config: Arc<ClientConfig>,
    /// Handshake timeout in milliseconds: shared with the session, which shortens it while
    /// Tab completion fetches a listing.
    timeout_ms: Arc<AtomicU64>,
    info: SharedInfo,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector")
    }
}

impl Connector {
    pub fn new(config: Arc<ClientConfig>, timeout_ms: Arc<AtomicU64>, info: SharedInfo) -> Self {
        Connector {
            config,
            timeout_ms,
            info,
        }
    }
}

impl suppaftp::TlsConnector for Connector {
    type Stream = Stream;

    fn connect(&self, domain: &str, tcp: TcpStream) -> FtpResult<Stream> {
        // The handshake happens on first use; without these it could block forever.
        let timeout = Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed));
        tcp.set_read_timeout(Some(timeout))
            .and_then(|_| tcp.set_write_timeout(Some(timeout)))
            .map_err(FtpError::ConnectionError)?;
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| FtpError::SecureError(format!("bad TLS server name {domain}: {e}")))?;
        let conn = ClientConnection::new(Arc::clone(&self.config), name)
            .map_err(|e| FtpError::SecureError(e.to_string()))?;
        Ok(Stream {
            inner: StreamOwned::new(conn, tcp),
            info: Arc::clone(&self.info),
            shutdown: true,
        })
    }
}

/// A TLS connection (control or data) in the form suppaftp expects.
pub struct Stream {
    inner: StreamOwned<ClientConnection, TcpStream>,
    info: SharedInfo,
    shutdown: bool,
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tls::Stream")
    }
}

impl Stream {
    fn record(&self) {
        if self.inner.conn.is_handshaking() {
            return;
        }
        let Ok(mut slot) = self.info.lock() else {
            return;
        };
        if slot.is_none() {
            let version = self
                .inner
                .conn
                .protocol_version()
                .map(|v| format!("{v:?}").replace('_', "."))
                .unwrap_or_default();
            let cipher = self
                .inner
                .conn
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()))
                .unwrap_or_default();
            *slot = Some(TlsInfo { version, cipher });
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf);
        self.record();
        n
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf);
        self.record();
        n
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl suppaftp::TlsStream for Stream {
    type InnerStream = Self;

    fn tcp_stream(mut self) -> FtpResult<TcpStream> {
        self.shutdown = false;
        self.inner
            .sock
            .try_clone()
            .map_err(FtpError::ConnectionError)
    }

    fn get_ref(&self) -> &TcpStream {
        &self.inner.sock
    }

    fn mut_ref(&mut self) -> &mut Self {
        self
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // A clean close_notify: servers count a data connection without one as truncated.
        if self.shutdown && !self.inner.conn.is_handshaking() {
            let _ = self.inner.flush();
            self.inner.conn.send_close_notify();
            let _ = self.inner.conn.write_tls(&mut self.inner.sock);
        }
    }
}

/// If an I/O error came from rustls (bad certificate, failed handshake), say so plainly.
pub fn describe_tls_error(e: &io::Error) -> Option<String> {
    let inner = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(match inner {
        rustls::Error::InvalidCertificate(c) => format!(
            "TLS certificate rejected: {}",
            match c {
                rustls::CertificateError::UnknownIssuer =>
                    "not signed by a trusted authority (use --ca-file to trust it)".to_string(),
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. } =>
                    "issued for another host name".to_string(),
                rustls::CertificateError::Expired
                | rustls::CertificateError::ExpiredContext { .. } => "expired".to_string(),
                other => format!("{other:?}"),
            }
        ),
        other => format!("TLS failure: {other}"),
    })
}
