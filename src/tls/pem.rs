//! Certificates and private keys from PEM files.

use std::fs;
use std::path::Path;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, ErrorCode, Result};
use crate::tls::detail;

/// Every certificate of a PEM file, in order (a chain: the leaf first). A file without one
/// is `EBADPEM`; one that cannot be read fails as opening it did (`ENOENT`...).
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let text = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, &e))?;
    if certs.is_empty() {
        return Err(detail::fail(
            ErrorCode::EBADPEM,
            format!("{}: no CERTIFICATE in the file", path.display()),
        ));
    }
    Ok(certs)
}

/// The private key of a PEM file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC). An encrypted key
/// (PKCS#8 "ENCRYPTED PRIVATE KEY", or OpenSSL's traditional "Proc-Type: 4,ENCRYPTED") is
/// `EKEYENCRYPTED`; a file without a key `EBADPEM`.
pub(crate) fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let text = read(path)?;
    let encrypted = |t: &[u8]| {
        t.windows(23).any(|w| w == b"ENCRYPTED PRIVATE KEY--")
            || t.windows(20).any(|w| w == b"Proc-Type: 4,ENCRYPT")
    };
    if encrypted(&text) {
        return Err(detail::fail(
            ErrorCode::EKEYENCRYPTED,
            format!(
                "{}: the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)",
                path.display()
            ),
        ));
    }
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| pem_error(path, &e))
}

/// Reads a whole regular file, its failure recorded with the file's name. Anything else
/// (a folder, a socket, a FIFO that would block the read for ever, a device) is `EBADPEM`.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| {
        let err = Error::from(e);
        detail::record(format!("{}: {}", path.display(), err));
        err
    };
    if !fs::metadata(path).map_err(failed)?.is_file() {
        return Err(detail::fail(
            ErrorCode::EBADPEM,
            format!("{}: not a regular file", path.display()),
        ));
    }
    fs::read(path).map_err(failed)
}

fn pem_error(path: &Path, err: &pem::Error) -> Error {
    let what = match err {
        pem::Error::NoItemsFound => "no private key in the file".to_owned(),
        other => format!("not a valid PEM file ({other:?})"),
    };
    detail::fail(ErrorCode::EBADPEM, format!("{}: {what}", path.display()))
}
