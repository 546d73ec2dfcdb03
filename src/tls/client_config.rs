//! A client's TLS configuration: whom it trusts, its own certificate, its ALPN protocols.
//! Settings are made first; the first connection builds rustls' configuration, after which
//! the configuration no longer changes (`EBUSY`) and may serve any number of threads
//! ([`Drafted`]).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::error::Result;
use crate::tls::draft::Drafted;
use crate::tls::identity::Identity;
use crate::tls::{errors, pem, roots};

/// A client configuration, shareable across threads.
pub struct ClientConfig {
    drafted: Drafted<Draft, rustls::ClientConfig>,
}

#[derive(Default)]
struct Draft {
    /// The CA certificates to trust; none: the system's roots.
    trusted: Vec<CertificateDer<'static>>,
    identity: Option<Identity>,
    alpn: Vec<Vec<u8>>,
    no_verification: bool,
}

/// ring, the one crypto provider sockit uses.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig::new()
    }
}

impl ClientConfig {
    /// A configuration that trusts the system's roots, with no client certificate and no
    /// ALPN.
    pub fn new() -> ClientConfig {
        ClientConfig {
            drafted: Drafted::new(Draft::default()),
        }
    }

    /// Trusts the CA certificates of a PEM file (instead of the system's roots; may be
    /// called again to add more).
    pub fn trust_file(&self, path: &Path) -> Result<()> {
        let certs = pem::certificates(path)?;
        roots::store(&certs)?;
        self.drafted.change(|draft| draft.trusted.extend(certs))
    }

    /// Trusts the CA certificates of every PEM file in a folder.
    pub fn trust_folder(&self, path: &Path) -> Result<()> {
        let certs = roots::folder(path)?;
        roots::store(&certs)?;
        self.drafted.change(|draft| draft.trusted.extend(certs))
    }

    /// Presents this certificate chain and key when a server asks (mutual TLS).
    pub fn certificate(&self, chain: &Path, key: &Path) -> Result<()> {
        let identity = Identity::read(chain, key)?;
        self.drafted.change(|draft| draft.identity = Some(identity))
    }

    /// The ALPN protocols to offer, most preferred first.
    pub fn alpn(&self, protocols: Vec<Vec<u8>>) -> Result<()> {
        self.drafted.change(|draft| draft.alpn = protocols)
    }

    /// Accepts any server certificate, for tests only: nothing proves who the server is.
    pub fn dangerous_no_verification(&self) -> Result<()> {
        self.drafted.change(|draft| draft.no_verification = true)
    }

    /// rustls' configuration, built on first use; the settings are fixed from then on.
    pub(crate) fn built(&self) -> Result<Arc<rustls::ClientConfig>> {
        self.drafted.built(build)
    }
}

fn build(draft: &Draft) -> Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| errors::from_rustls(&e))?;
    let builder = if draft.no_verification {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
    } else if draft.trusted.is_empty() {
        builder.with_root_certificates(roots::system())
    } else {
        builder.with_root_certificates(roots::store(&draft.trusted)?)
    };
    let mut config = match draft.identity.clone() {
        None => builder.with_no_client_auth(),
        Some(Identity { chain, key }) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| errors::from_rustls(&e))?,
    };
    config.alpn_protocols = draft.alpn.clone();
    Ok(config)
}

/// Accepts every certificate, but still checks the handshake's signatures (so the peer
/// holds the key of the certificate it sent, whatever that certificate is).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
