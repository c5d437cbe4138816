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
use rustls::client::ClientSessionStore;
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

/// The server a client configuration is for, and the trust beyond CAs it consults (see
/// `trust.rs`): fingerprints are trusted per host and port, and rustls tells a verifier only
/// the host name.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub trust: Arc<crate::trust::Trust>,
}

/// Build the client configuration for `endpoint`: system roots (webpki roots when the system
/// has none), plus `ca_file`, plus the certificates trusted by fingerprint; or no verification
/// at all when `insecure` (pins are still checked).
pub fn client_config(
    ca_file: Option<&Path>,
    insecure: bool,
    endpoint: Option<Endpoint>,
) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                webpki: None,
                named: Vec::new(),
                provider,
                endpoint,
            }))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        let mut named = Vec::new();
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
            for cert in &certs {
                roots.add(cert.clone()).with_context(|| {
                    format!("--ca-file {}: unusable certificate", path.display())
                })?;
            }
            named = certs;
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&provider),
        )
        .build()
        .context("TLS setup")?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                webpki: Some(webpki),
                named,
                provider,
                endpoint,
            }))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// `config` with `store` as its session cache: each control connection (the shell's, each
/// worker's) has a cache of its own. Its data connections must resume its own TLS session:
/// proftpd refuses one that resumes another connection's (425), and with a shared cache a
/// worker's data connection could take the ticket another worker's connection had just stored.
pub fn with_store(config: &ClientConfig, store: &Arc<Tickets>) -> Arc<ClientConfig> {
    let mut own = config.clone();
    own.resumption =
        rustls::client::Resumption::store(Arc::clone(store) as Arc<dyn ClientSessionStore>);
    Arc::new(own)
}

/// rustls' in-memory session cache, counting the TLS 1.3 tickets it holds per server.
///
/// Why: a TLS 1.3 ticket resumes one data connection only (rustls never reuses one). The
/// login gives two; a download's data connection brings a new one (the client reads it), an
/// upload's does not (the client only writes). So after two uploads a connection has none
/// left, and vsftpd (522) and proftpd (425), which require data connections to resume the
/// control connection's session, refuse the next one. The session logs in again first
/// (`Session::renew_tls_tickets`): new login, new tickets.
#[derive(Debug)]
pub struct Tickets {
    inner: rustls::client::ClientSessionMemoryCache,
    count: Mutex<std::collections::HashMap<ServerName<'static>, usize>>,
}

/// What [`rustls::client::ClientSessionMemoryCache`] keeps per server, at most.
const TICKETS_PER_SERVER: usize = 8;

impl Default for Tickets {
    fn default() -> Self {
        Tickets {
            inner: rustls::client::ClientSessionMemoryCache::new(256),
            count: Mutex::default(),
        }
    }
}

impl Tickets {
    /// The TLS 1.3 tickets held for `host`.
    pub fn tls13(&self, host: &str) -> usize {
        let Ok(name) = ServerName::try_from(host.to_string()) else {
            return 0;
        };
        let count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        count.get(&name).copied().unwrap_or(0)
    }
}

impl ClientSessionStore for Tickets {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: rustls::NamedGroup) {
        self.inner.set_kx_hint(server_name, group)
    }
    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(server_name)
    }
    fn set_tls12_session(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.inner.set_tls12_session(server_name, value)
    }
    fn tls12_session(
        &self,
        server_name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner.tls12_session(server_name)
    }
    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.inner.remove_tls12_session(server_name)
    }
    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        let n = count.entry(server_name.clone()).or_default();
        *n = (*n + 1).min(TICKETS_PER_SERVER);
        self.inner.insert_tls13_ticket(server_name, value)
    }
    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        let ticket = self.inner.take_tls13_ticket(server_name);
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        match (&ticket, count.get_mut(server_name)) {
            (Some(_), Some(n)) => *n = n.saturating_sub(1),
            // The cache had none, whatever was counted.
            (None, Some(n)) => *n = 0,
            _ => {}
        }
        ticket
    }
}

/// The default verification (webpki against the roots, `--ca-file` included), plus one
/// exception: a server presenting exactly a certificate the user named with `--ca-file` is
/// trusted even when webpki refuses it as an end entity. The self-signed certificate every
/// vsftpd guide makes (`openssl req -x509`) is marked CA:TRUE, and webpki rejects a CA
/// certificate used as a server's (`CaUsedAsEndEntity`); the user who named that very
/// certificate has pinned it. Handshake signatures are checked either way, even with
/// `--insecure` (no `webpki`: any certificate), so the connection is at least consistent.
///
/// With an `endpoint`, its [`crate::trust::Trust`] comes first: pins, known_hosts and what
/// was trusted once accept or refuse a certificate by fingerprint; a certificate the CA check
/// then refuses is recorded there for the connect path to ask about. It never prompts: that
/// would block inside the handshake, under the connection's timeouts.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    named: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    endpoint: Option<Endpoint>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use crate::trust::Verdict;
        if let Some(ep) = &self.endpoint {
            match ep.trust.verdict(
                &ep.host,
                ep.port,
                end_entity.as_ref(),
                self.webpki.is_none(),
            ) {
                Verdict::Accept => return Ok(ServerCertVerified::assertion()),
                Verdict::Refuse(why) => {
                    return Err(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::Other(rustls::OtherError(Arc::new(
                            crate::trust::Refused(why),
                        ))),
                    ));
                }
                Verdict::Undecided => {}
            }
        }
        let Some(webpki) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Ok(v) => Ok(v),
            Err(_) if self.named.iter().any(|c| c.as_ref() == end_entity.as_ref()) => {
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => {
                if let Some(ep) = &self.endpoint {
                    ep.trust
                        .record_unknown(&ep.host, ep.port, end_entity.as_ref(), problem(&e));
                }
                Err(e)
            }
        }
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn pem_error(path: &Path, e: rustls::pki_types::pem::Error) -> anyhow::Error {
    let io = match e {
        rustls::pki_types::pem::Error::Io(io) => io,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
    };
    LocalError::new(format!("--ca-file {}", path.display()), io).into()
}

/// Hands suppaftp TLS streams over our configuration; records the first (control) handshake.
pub struct Connector {
    config: Arc<ClientConfig>,
    /// Handshake timeout in milliseconds: shared with the session, which shortens it while
    /// Tab completion fetches a listing.
    timeout_ms: Arc<AtomicU64>,
    info: SharedInfo,
    /// The control connection's watchdog: implicit FTPS opens its control socket inside
    /// suppaftp, so the first socket handed to us is given to the watchdog to bound the
    /// handshake and greeting (later ones, data connections, are ignored by it).
    watchdog: Option<Arc<crate::watchdog::Watchdog>>,
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
            watchdog: None,
        }
    }

    pub fn with_watchdog(mut self, dog: Arc<crate::watchdog::Watchdog>) -> Self {
        self.watchdog = Some(dog);
        self
    }
}

impl suppaftp::TlsConnector for Connector {
    type Stream = Stream;

    fn connect(&self, domain: &str, tcp: TcpStream) -> FtpResult<Stream> {
        if let Some(dog) = &self.watchdog {
            dog.watch(&tcp);
        }
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

/// If an I/O error came from rustls (bad certificate, failed handshake), say what it means and
/// what to do, in one sentence.
pub fn describe_tls_error(e: &io::Error) -> Option<String> {
    let inner = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(describe(inner))
}

/// Why the CA check refused a certificate, in a few words (for the trust prompt and message).
fn problem(e: &rustls::Error) -> String {
    use rustls::{CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "it is not signed by an authority this machine trusts".into(),
            C::NotValidForName => "it was issued for another host name".into(),
            C::NotValidForNameContext {
                expected,
                presented,
            } => format!(
                "it was issued for {} and not for {}",
                if presented.is_empty() {
                    "no host name".to_string()
                } else {
                    presented.join(", ")
                },
                expected.to_str()
            ),
            C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
            C::Revoked => "it has been revoked".into(),
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                "it is a self-signed CA certificate (as 'openssl req -x509' makes)".into()
            }
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    }
}

fn describe(e: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    // The trust check's own refusal says everything (both fingerprints, what to do).
    if let E::InvalidCertificate(C::Other(o)) = e
        && let Some(r) = o.0.downcast_ref::<crate::trust::Refused>()
    {
        return r.0.clone();
    }
    match e {
        E::InvalidCertificate(c) => format!(
            "TLS certificate rejected: {}",
            match c {
                C::UnknownIssuer => "it is not signed by an authority this machine trusts \
                 (if you trust it, give it or its CA with --ca-file)"
                    .to_string(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "it was issued for another host name (connect by the name in the \
                     certificate, or give this certificate with --ca-file)"
                        .to_string()
                }
                C::Expired | C::ExpiredContext { .. } => {
                    "it has expired (the server's administrator must renew it)".to_string()
                }
                C::NotValidYet | C::NotValidYetContext { .. } => {
                    "it is not valid yet (check this machine's clock)".to_string()
                }
                C::Revoked => "it has been revoked; do not trust this server".to_string(),
                C::BadSignature | C::BadEncoding => {
                    "it is malformed or its signature is wrong; do not trust this server"
                        .to_string()
                }
                other => {
                    let what = format!("{other:?}");
                    if what.contains("CaUsedAsEndEntity") {
                        "it is a CA certificate used as a server certificate (a self-signed \
                         one made with 'openssl req -x509'?): give this same certificate with \
                         --ca-file to trust it"
                            .to_string()
                    } else {
                        format!(
                            "{what} (give the certificate with --ca-file if you trust it, or \
                             --insecure to skip the check)"
                        )
                    }
                }
            }
        ),
        E::AlertReceived(A::HandshakeFailure | A::ProtocolVersion | A::InsufficientSecurity) => {
            "TLS handshake failed: the server shares no TLS version or cipher with ftpsh \
             (TLS 1.2 or later with modern ciphers is needed; vsftpd: set ssl_ciphers=HIGH)"
                .to_string()
        }
        E::PeerIncompatible(_) => format!(
            "TLS handshake failed: the server's TLS is too old or unusual for ftpsh ({e}); \
             TLS 1.2 or later is needed"
        ),
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => {
            "TLS handshake failed: the server did not answer in TLS (for implicit FTPS use \
             ftps://, for explicit FTPS use ftp:// with --tls)"
                .to_string()
        }
        other => format!("TLS failure: {other} (--no-tls connects without TLS)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What webpki's error looks like through rustls (`Other(OtherError(CaUsedAsEndEntity))`).
    #[derive(Debug)]
    struct CaUsedAsEndEntity;
    impl std::fmt::Display for CaUsedAsEndEntity {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("CaUsedAsEndEntity")
        }
    }
    impl std::error::Error for CaUsedAsEndEntity {}

    #[test]
    fn tls_errors_say_what_to_do() {
        let cases = [
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(CaUsedAsEndEntity),
            ))),
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        ];
        for e in cases {
            let text = describe(&e);
            assert!(!text.contains("Other("), "{text}");
            assert!(
                text.contains("--ca-file")
                    || text.contains("renew")
                    || text.contains("ssl_ciphers"),
                "{text}"
            );
            assert!(!text.contains('\n'));
        }
    }

    /// The trust prompt says why the CA check failed: name mismatch and expiry included.
    #[test]
    fn certificate_problems_say_why_in_a_few_words() {
        use rustls::{CertificateError as C, Error as E};
        let name = E::InvalidCertificate(C::NotValidForNameContext {
            expected: ServerName::try_from("ftp.example.org").unwrap(),
            presented: vec!["DnsName(\"other.example\")".into()],
        });
        let text = problem(&name);
        assert!(text.starts_with("it was issued for "), "{text}");
        assert!(text.ends_with("and not for ftp.example.org"), "{text}");
        assert_eq!(
            problem(&E::InvalidCertificate(C::Expired)),
            "it has expired"
        );
        assert_eq!(
            problem(&E::InvalidCertificate(C::UnknownIssuer)),
            "it is not signed by an authority this machine trusts"
        );
        let ca = E::InvalidCertificate(C::Other(rustls::OtherError(Arc::new(CaUsedAsEndEntity))));
        assert!(problem(&ca).contains("self-signed"));
    }

    /// The messages were string literals joined across source lines without a `\`, so each
    /// carried the next line's indentation: "this machine trusts                      (if you".
    #[test]
    fn tls_error_messages_have_no_runs_of_blanks() {
        use rustls::{AlertDescription as A, CertificateError as C, Error as E};
        let cases = [
            E::InvalidCertificate(C::UnknownIssuer),
            E::InvalidCertificate(C::NotValidForName),
            E::InvalidCertificate(C::Expired),
            E::InvalidCertificate(C::Revoked),
            E::InvalidCertificate(C::Other(rustls::OtherError(Arc::new(
                crate::trust::Refused("the TLS certificate of h:21 has CHANGED".into()),
            )))),
            E::InvalidCertificate(C::Other(rustls::OtherError(Arc::new(CaUsedAsEndEntity)))),
            E::InvalidCertificate(C::UnhandledCriticalExtension),
            E::AlertReceived(A::HandshakeFailure),
            E::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered),
            E::InvalidMessage(rustls::InvalidMessage::MissingData("x")),
            E::General("x".into()),
        ];
        for e in cases {
            let text = describe(&e);
            assert!(!text.contains("  "), "{e:?}: {text:?}");
            assert!(!text.contains('\n'), "{e:?}: {text:?}");
        }
    }
}
