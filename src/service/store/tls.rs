//! TLS to PostgreSQL, as libpq reads it from the URL (`sslmode`, `sslrootcert`), through
//! rustls (the one octocrab already brings; no OpenSSL):
//!
//! - no `sslmode`, or `disable`: no TLS;
//! - `prefer`: TLS when the server offers it, its certificate not checked;
//! - `require`: TLS or no connection, the certificate not checked, unless `sslrootcert` names
//!   a file (then as `verify-ca`, as libpq does);
//! - `verify-ca`: the certificate must chain to `sslrootcert` (a PEM file; absent or `system`:
//!   the system's roots);
//! - `verify-full`: that, and the certificate must name the host of the URL.
//!
//! The client's own configuration parser knows only the first three modes and no
//! `sslrootcert`: both are read here and taken out of the URL before it sees it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use postgres::Socket;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How the connection is protected: what the URL's `sslmode` and `sslrootcert` say.
#[derive(Clone)]
pub(super) enum Tls {
    /// Plain TCP (or a Unix socket).
    Off,
    /// TLS through rustls, `mode` for the client (prefer or require).
    On {
        mode: postgres::config::SslMode,
        connector: Rustls,
    },
}

/// `url` without its `sslmode` and `sslrootcert` parameters, and the TLS they ask for; an
/// error names the parameter (never the URL's password: the caller adds the redacted URL).
pub(super) fn from_url(url: &str) -> Result<(String, Tls), String> {
    let Ok(mut parsed) = url::Url::parse(url) else {
        // The client's parser says what is wrong with it.
        return Ok((url.to_string(), Tls::Off));
    };
    let (mut mode, mut root) = (None, None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(k, v)| match k.as_ref() {
            "sslmode" => {
                mode = Some(v.into_owned());
                None
            }
            "sslrootcert" => {
                root = Some(v.into_owned());
                None
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    let stripped = parsed.to_string();
    let roots = |root: Option<&str>| match root {
        None | Some("system") => system_roots(),
        Some(path) => file_roots(path),
    };
    use postgres::config::SslMode;
    let (ssl, check) = match mode.as_deref() {
        None | Some("disable") => return Ok((stripped, Tls::Off)),
        Some("prefer") => (SslMode::Prefer, Check::Nothing),
        Some("require") => match root.as_deref() {
            None => (SslMode::Require, Check::Nothing),
            Some(r) => (SslMode::Require, Check::Chain(roots(Some(r))?)),
        },
        Some("verify-ca") => (SslMode::Require, Check::Chain(roots(root.as_deref())?)),
        Some("verify-full") => (SslMode::Require, Check::Full(roots(root.as_deref())?)),
        Some(other) => {
            return Err(format!(
                "sslmode={other}: expected disable, prefer, require, verify-ca or verify-full"
            ))
        }
    };
    Ok((
        stripped,
        Tls::On {
            mode: ssl,
            connector: Rustls::new(check)?,
        },
    ))
}

/// What a server's certificate must be.
enum Check {
    /// Anything: encrypted, not authenticated (`prefer`, `require`).
    Nothing,
    /// Chain to one of these roots (`verify-ca`).
    Chain(RootCertStore),
    /// Chain to one of these roots and name the host (`verify-full`).
    Full(RootCertStore),
}

fn system_roots() -> Result<RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert absent: the system has no root certificates ({} errors reading them)",
            found.errors.len()
        ));
    }
    Ok(roots)
}

fn file_roots(path: &str) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("sslrootcert={path}: cannot read certificates: {e}"))?;
    let (_, bad) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert={path}: no usable certificate in the file ({bad} unreadable)"
        ));
    }
    Ok(roots)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The checks short of `verify-full`: none (`prefer`, `require`: the handshake's signatures
/// are still checked, so the connection is encrypted to whoever holds the certificate's key), or
/// the chain without the name (`verify-ca`).
#[derive(Debug)]
struct Relaxed {
    /// The chain's check, if any.
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Relaxed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The client's TLS: a rustls configuration for every connection of the pool.
#[derive(Clone)]
pub(super) struct Rustls(Arc<ClientConfig>);

impl Rustls {
    fn new(check: Check) -> Result<Rustls, String> {
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let webpki = |roots: RootCertStore| {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| format!("TLS: {e}"))
        };
        let relaxed = |chain| Relaxed {
            chain,
            provider: provider.clone(),
        };
        let config = match check {
            Check::Nothing => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(relaxed(None))),
            Check::Chain(roots) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(relaxed(Some(webpki(roots)?)))),
            Check::Full(roots) => builder.with_webpki_verifier(webpki(roots)?),
        };
        Ok(Rustls(Arc::new(config.with_no_client_auth())))
    }
}

impl MakeTlsConnect<Socket> for Rustls {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnect {
            name,
            connector: tokio_rustls::TlsConnector::from(self.0.clone()),
        })
    }
}

/// One connection's handshake.
pub(super) struct RustlsConnect {
    name: ServerName<'static>,
    connector: tokio_rustls::TlsConnector,
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            Ok(RustlsStream(
                self.connector.connect(self.name, stream).await?,
            ))
        })
    }
}

/// One connection's encrypted stream.
pub(super) struct RustlsStream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for RustlsStream {
    /// No channel binding: authentication is the URL's password (or the server's trust).
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
