//! Trust anchors: the system's roots, or the CA certificates of a file or a folder.

use std::fs;
use std::path::Path;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, ErrorCode, Result};
use crate::tls::{detail, pem};

/// The system's trusted roots: `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, else the platform's
/// store (Debian's bundle in /etc/ssl/certs, the macOS keychain, Windows' store). Certificates
/// that cannot be parsed are skipped.
pub(crate) fn system() -> RootCertStore {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(found.certs);
    store
}

/// A store of the certificates given.
pub(crate) fn store(certs: &[CertificateDer<'static>]) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs.iter().cloned());
    if added == 0 {
        return Err(detail::fail(
            ErrorCode::EBADPEM,
            "no usable CA certificate among those given",
        ));
    }
    Ok(store)
}

/// Every certificate of every PEM file in a folder (files that hold none, and sub-folders,
/// are skipped, as OpenSSL's `-CApath` does); `EBADPEM` if there is none at all.
pub(crate) fn folder(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let entries = fs::read_dir(path).map_err(|e| {
        let err = Error::from(e);
        detail::record(format!("{}: {}", path.display(), err));
        err
    })?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let file = entry.path();
        if file.is_file() {
            certs.extend(pem::certificates(&file).unwrap_or_default());
        }
    }
    if certs.is_empty() {
        return Err(detail::fail(
            ErrorCode::EBADPEM,
            format!("{}: no CA certificate in the folder", path.display()),
        ));
    }
    Ok(certs)
}
