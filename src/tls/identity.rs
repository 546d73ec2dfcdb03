//! Who one side is: a certificate chain and the private key that signs for its first
//! certificate, read from PEM files and checked to belong together.

use std::path::Path;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Result;
use crate::tls::client_config::provider;
use crate::tls::{errors, pem};

/// A certificate chain (the leaf first) and its key.
pub(crate) struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Reads both files. A key rustls cannot sign with, or one that is not the
    /// certificate's, is `EBADPEM`; an encrypted one `EKEYENCRYPTED`.
    pub(crate) fn read(chain: &Path, key: &Path) -> Result<Identity> {
        let identity = Identity {
            chain: pem::certificates(chain)?,
            key: pem::private_key(key)?,
        };
        let signing = provider()
            .key_provider
            .load_private_key(identity.key.clone_key())
            .map_err(|e| errors::from_rustls(&e))?;
        rustls::sign::CertifiedKey::new(identity.chain.clone(), signing)
            .keys_match()
            .map_err(|e| errors::from_rustls(&e))?;
        Ok(identity)
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}
