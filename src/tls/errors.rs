//! rustls' errors as sockit's codes, each with rustls' own words kept as the detail.

use rustls::{CertificateError, Error as RustlsError};

use crate::error::{Error, ErrorCode};
use crate::tls::detail;

/// The code a C program can act on for a TLS failure; rustls' message becomes the thread's
/// detail ([`detail::last`]).
pub(crate) fn from_rustls(err: &RustlsError) -> Error {
    detail::fail(code_of(err), err.to_string())
}

fn code_of(err: &RustlsError) -> ErrorCode {
    match err {
        RustlsError::InvalidCertificate(cert) => certificate_code(cert),
        RustlsError::NoCertificatesPresented => ErrorCode::ECERTUNTRUSTED,
        RustlsError::AlertReceived(_) => ErrorCode::ETLSALERT,
        RustlsError::InappropriateMessage { .. }
        | RustlsError::InappropriateHandshakeMessage { .. }
        | RustlsError::InvalidMessage(_)
        | RustlsError::DecryptError
        | RustlsError::PeerMisbehaved(_)
        | RustlsError::PeerSentOversizedRecord => ErrorCode::ETLSPROTOCOL,
        RustlsError::InconsistentKeys(_) => ErrorCode::EBADPEM,
        _ => ErrorCode::ETLSHANDSHAKE,
    }
}

fn certificate_code(err: &CertificateError) -> ErrorCode {
    match err {
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => ErrorCode::ECERTEXPIRED,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            ErrorCode::ECERTNAME
        }
        _ => ErrorCode::ECERTUNTRUSTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_failures_have_codes_of_their_own() {
        let cert = |e| from_rustls(&RustlsError::InvalidCertificate(e)).code();
        assert_eq!(
            cert(CertificateError::UnknownIssuer),
            ErrorCode::ECERTUNTRUSTED
        );
        assert_eq!(
            cert(CertificateError::BadSignature),
            ErrorCode::ECERTUNTRUSTED
        );
        assert_eq!(cert(CertificateError::Expired), ErrorCode::ECERTEXPIRED);
        assert_eq!(cert(CertificateError::NotValidYet), ErrorCode::ECERTEXPIRED);
        assert_eq!(
            cert(CertificateError::NotValidForName),
            ErrorCode::ECERTNAME
        );
        assert!(detail::last().contains("certificate"), "{}", detail::last());
        let alert = RustlsError::AlertReceived(rustls::AlertDescription::BadCertificate);
        assert_eq!(from_rustls(&alert).code(), ErrorCode::ETLSALERT);
        assert_eq!(
            from_rustls(&RustlsError::DecryptError).code(),
            ErrorCode::ETLSPROTOCOL
        );
    }
}
