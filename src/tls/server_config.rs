//! A server's TLS configuration: its certificate chain and key, optional verification of
//! clients' certificates (mutual TLS), its ALPN protocols. As a client configuration, it is
//! fixed once a handshake has used it (`EBUSY`) and may serve any number of threads.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::server::WebPkiClientVerifier;

use crate::error::Result;
use crate::tls::client_config::provider;
use crate::tls::draft::Drafted;
use crate::tls::identity::Identity;
use crate::tls::{errors, pem, roots};

/// A server configuration, shareable across threads.
pub struct ServerConfig {
    drafted: Drafted<Draft, rustls::ServerConfig>,
}

struct Draft {
    identity: Identity,
    client_cas: Vec<CertificateDer<'static>>,
    alpn: Vec<Vec<u8>>,
}

impl ServerConfig {
    /// A configuration that presents the chain of `chain` (the server's certificate first)
    /// and signs with the key of `key`. Both are read and checked now: a key that does not
    /// match the certificate is `EBADPEM`, an encrypted one `EKEYENCRYPTED`.
    pub fn new(chain: &Path, key: &Path) -> Result<ServerConfig> {
        Ok(ServerConfig {
            drafted: Drafted::new(Draft {
                identity: Identity::read(chain, key)?,
                client_cas: Vec::new(),
                alpn: Vec::new(),
            }),
        })
    }

    /// Requires every client to present a certificate issued by a CA of this PEM file.
    pub fn verify_clients(&self, ca_file: &Path) -> Result<()> {
        let certs = pem::certificates(ca_file)?;
        roots::store(&certs)?;
        self.drafted.change(|draft| draft.client_cas.extend(certs))
    }

    /// The ALPN protocols this server speaks, most preferred first; a client that offers
    /// none of them is refused.
    pub fn alpn(&self, protocols: Vec<Vec<u8>>) -> Result<()> {
        self.drafted.change(|draft| draft.alpn = protocols)
    }

    /// rustls' configuration, built on first use.
    pub(crate) fn built(&self) -> Result<Arc<rustls::ServerConfig>> {
        self.drafted.built(build)
    }
}

fn build(draft: &Draft) -> Result<rustls::ServerConfig> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| errors::from_rustls(&e))?;
    let builder = if draft.client_cas.is_empty() {
        builder.with_no_client_auth()
    } else {
        let verifier = WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots::store(&draft.client_cas)?),
            provider(),
        )
        .build()
        .map_err(|e| errors::from_rustls(&rustls::Error::General(e.to_string())))?;
        builder.with_client_cert_verifier(verifier)
    };
    let identity = draft.identity.clone();
    let mut config = builder
        .with_single_cert(identity.chain, identity.key)
        .map_err(|e| errors::from_rustls(&e))?;
    config.alpn_protocols = draft.alpn.clone();
    Ok(config)
}
