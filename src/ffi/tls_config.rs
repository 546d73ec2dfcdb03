//! Header section: TLS configurations.
//!
//! TLS (on rustls, a TLS library written in Rust) encrypts a TCP connection and proves who
//! the server is (and, with mutual TLS, who the client is). A configuration says whom to
//! trust and who this side is; it is made once, before the connections, and then shared by
//! any number of them, from any thread. TLS 1.2 and 1.3 are spoken, with rustls' safe
//! defaults; the one way to weaken them is sockit_tls_insecure_skip_verify(),
//! for tests.
//!
//! A client trusts the system's certificate authorities unless told otherwise (the file
//! SSL_CERT_FILE or folder SSL_CERT_DIR names, else the platform's store: Debian's
//! /etc/ssl/certs, the macOS keychain, Windows' store):
//!
//! ```c
//! sockit_tls_client_config *config;
//! sockit_tls *tls;
//! sockit_tls_client_config_new(&config);
//! sockit_tls_client_config_trust_file(config, "ca.pem");   /* only for a private CA */
//! sockit_tls_client_config_alpn(config, "http/1.1");
//! if (sockit_tls_connect("example.org", 443, config, 10000, &tls) == SOCKIT_OK) {
//!     ...
//!     sockit_tls_free(tls);
//! }
//! sockit_tls_client_config_free(cfg);     /* once its connections are made */
//! ```
//!
//! A server presents a certificate chain and signs with its private key, both PEM files (the
//! key PKCS#8, RSA or EC, not encrypted):
//!
//! ```c
//! sockit_tls_server_config *config;
//! if (sockit_tls_server_config_new("cert.pem", "key.pem", &config) != SOCKIT_OK) {
//!     char why[512];
//!     sockit_tls_last_error_detail(why, sizeof why);
//!     fprintf(stderr, "%s\n", why);
//! }
//! ```
//!
//! Settings are changed before the first connection that uses the configuration; after it
//! the configuration is fixed and a setting fails with SOCKIT_EBUSY. Every TLS function of a
//! sockit built without TLS (the tls cargo feature turned off) fails with SOCKIT_EOPNOTSUPP.
//! When a TLS call fails, sockit_tls_last_error_detail() says why in rustls' words.

use std::ffi::{c_char, c_int};
use std::path::Path;

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{self, Out, ReturnValue, call, free_from_c, into_c, output_bytes};
use crate::tls::{self, ClientConfig, ServerConfig, detail};

/// Whom a TLS client trusts, the certificate it presents if asked, and the ALPN protocols it
/// offers. Opaque: create it with sockit_tls_client_config_new(), release it with
/// sockit_tls_client_config_free() once no connection made with it is being set up. Any number of
/// threads may use it at once.
#[allow(non_camel_case_types)]
pub struct sockit_tls_client_config {
    pub(crate) config: ClientConfig,
}

/// A TLS server's certificate chain and key, whom it asks for a certificate (mutual TLS), and its
/// ALPN protocols. Opaque: create it with sockit_tls_server_config_new(), release it with
/// sockit_tls_server_config_free() once no connection made with it is being set up. Any number of
/// threads may use it at once.
#[allow(non_camel_case_types)]
pub struct sockit_tls_server_config {
    pub(crate) config: ServerConfig,
}

/// [`call`] for the TLS functions: refuses them all with `EOPNOTSUPP` in a build without TLS, and
/// keeps a detail text for every failure (rustls' words, or the code's message).
pub(crate) fn tls_call<T: ReturnValue>(body: impl FnOnce() -> Result<T>) -> T {
    detail::clear();
    call(|| {
        if !tls::AVAILABLE {
            return Err(detail::fail(
                ErrorCode::EOPNOTSUPP,
                "sockit was built without TLS (the tls cargo feature)",
            ));
        }
        let result = body();
        if let Err(err) = &result {
            if detail::last().is_empty() {
                detail::record(err.to_string());
            }
        }
        result
    })
}

/// A file name from C.
///
/// # Safety
///
/// As for [`boundary::text`].
pub(crate) unsafe fn path<'a>(ptr: *const c_char) -> Result<&'a Path> {
    // SAFETY: the caller's promise is passed on.
    Ok(Path::new(unsafe { boundary::text(ptr) }?))
}

/// The configuration behind a pointer from C; NULL is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `ptr` came from its `_new` function and is not freed during the call.
pub(crate) unsafe fn client_config<'a>(
    ptr: *const sockit_tls_client_config,
) -> Result<&'a ClientConfig> {
    // SAFETY: the caller's promise is passed on; the object is only read (its changes go
    // through a lock).
    unsafe { ptr.as_ref() }
        .map(|c| &c.config)
        .ok_or(ErrorCode::EINVAL.into())
}

/// The configuration behind a pointer from C; NULL is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `ptr` came from its `_new` function and is not freed during the call.
pub(crate) unsafe fn server_config<'a>(
    ptr: *const sockit_tls_server_config,
) -> Result<&'a ServerConfig> {
    // SAFETY: as for client_config.
    unsafe { ptr.as_ref() }
        .map(|c| &c.config)
        .ok_or(ErrorCode::EINVAL.into())
}

/// Creates a client configuration that trusts the system's certificate authorities (SSL_CERT_FILE
/// or SSL_CERT_DIR when set, else the platform's store, read at the first connection), presents no
/// certificate and offers no ALPN protocol.
///
/// On success writes it to *out (free it with sockit_tls_client_config_free()) and returns
/// SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL out) or SOCKIT_EOPNOTSUPP (no TLS in this build). Does
/// not block. Any thread.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_tls_client_config pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_new(
    out: *mut *mut sockit_tls_client_config,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        out.write(into_c(sockit_tls_client_config {
            config: ClientConfig::new(),
        }));
        Ok(0)
    })
}

/// Releases a client configuration. Connections made with it are not affected; none may be being
/// made with it during the call. NULL is allowed and does nothing. Does not block.
///
/// # Safety
///
/// `cfg` is NULL or came from sockit_tls_client_config_new() and is released once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_free(cfg: *mut sockit_tls_client_config) {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { free_from_c(cfg) }
}

/// Trusts the certificate authorities of a PEM file (one or more CERTIFICATE blocks) instead of the
/// system's: for a private CA, or a server's self-signed certificate. May be called again (and with
/// sockit_tls_client_config_trust_dir()) to trust more.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_ENOENT / SOCKIT_EACCES / SOCKIT_ENAMETOOLONG (the file
/// cannot be read), SOCKIT_EBADPEM (no certificate in it), SOCKIT_EBUSY (the configuration was used
/// already), SOCKIT_EINVAL (NULL cfg or path, or a path not UTF-8) or SOCKIT_EOPNOTSUPP. Blocks
/// while reading the file. Any thread, but not while the configuration is used.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_trust_file(
    cfg: *mut sockit_tls_client_config,
    path: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, path) = unsafe { (client_config(cfg)?, self::path(path)?) };
        config.trust_file(path).map(|()| 0)
    })
}

/// Trusts the certificate authorities of every PEM file in a folder (as OpenSSL's -CApath, files
/// that hold no certificate are skipped) instead of the system's.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_ENOENT / SOCKIT_EACCES / SOCKIT_ENAMETOOLONG (the folder
/// cannot be read), SOCKIT_EUNKNOWN (not a folder: sockit_last_os_error() says ENOTDIR),
/// SOCKIT_EBADPEM (no certificate in it), or as sockit_tls_client_config_trust_file() does. Blocks
/// while reading the files.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_trust_dir(
    cfg: *mut sockit_tls_client_config,
    path: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, path) = unsafe { (client_config(cfg)?, self::path(path)?) };
        config.trust_folder(path).map(|()| 0)
    })
}

/// The certificate chain (PEM, the client's certificate first) and private key (PEM: PKCS#8, RSA or
/// EC) this client presents when a server asks for one (mutual TLS).
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EKEYENCRYPTED (an encrypted key: decrypt it first),
/// SOCKIT_EBADPEM (no certificate or key, or a key that does not match the certificate),
/// SOCKIT_ENOENT / SOCKIT_EACCES / SOCKIT_ENAMETOOLONG (a file cannot be read), or as
/// sockit_tls_client_config_trust_file() does. Blocks while reading the files.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `chain_path` and `key_path` are NULL or NUL-terminated
/// strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_cert(
    cfg: *mut sockit_tls_client_config,
    chain_path: *const c_char,
    key_path: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, chain, key) =
            unsafe { (client_config(cfg)?, path(chain_path)?, path(key_path)?) };
        config.certificate(chain, key).map(|()| 0)
    })
}

/// The ALPN protocols to offer, most preferred first, separated by commas: "h2,http/1.1". A server
/// that speaks none of them may refuse the handshake (SOCKIT_ETLSALERT); sockit_tls_alpn() tells
/// which one was agreed.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (an empty name, one over 255 bytes, NULL config
/// or protocols), SOCKIT_EBUSY (the configuration was used already) or SOCKIT_EOPNOTSUPP. Does not
/// block.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `protocols` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client_config_alpn(
    cfg: *mut sockit_tls_client_config,
    protocols: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, protocols) = unsafe { (client_config(cfg)?, boundary::text(protocols)?) };
        config.alpn(tls::alpn_list(protocols)?).map(|()| 0)
    })
}

/// FOR TESTS ONLY: accepts any server certificate, whoever it names and whoever issued it. The
/// connection is still encrypted, but to whoever answers: an attacker in the middle reads
/// everything. Never ship a program that calls this.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (NULL cfg), SOCKIT_EBUSY (the configuration
/// was used already) or SOCKIT_EOPNOTSUPP. Does not block.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_insecure_skip_verify(
    cfg: *mut sockit_tls_client_config,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let config = unsafe { client_config(cfg) }?;
        config.dangerous_no_verification().map(|()| 0)
    })
}

/// Creates a server configuration from a certificate chain (PEM, the server's certificate first,
/// then the intermediates) and its private key (PEM: PKCS#8, RSA or EC). Both files are read and
/// checked now.
///
/// On success writes it to *out (free it with sockit_tls_server_config_free()) and returns
/// SOCKIT_OK. Fails with SOCKIT_EKEYENCRYPTED (an encrypted key: decrypt it first), SOCKIT_EBADPEM
/// (no certificate or key, or a key that does not match the certificate), SOCKIT_ENOENT /
/// SOCKIT_EACCES / SOCKIT_ENAMETOOLONG (a file cannot be read), SOCKIT_EINVAL (NULL argument, a
/// path not UTF-8) or SOCKIT_EOPNOTSUPP. Blocks while reading the files. Any thread.
///
/// # Safety
///
/// `chain_path` and `key_path` are NULL or NUL-terminated strings; `out` is NULL or points to a
/// sockit_tls_server_config pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_server_config_new(
    chain_path: *const c_char,
    key_path: *const c_char,
    out: *mut *mut sockit_tls_server_config,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (chain, key, out) = unsafe { (path(chain_path)?, path(key_path)?, Out::new(out)?) };
        let config = ServerConfig::new(chain, key)?;
        out.write(into_c(sockit_tls_server_config { config }));
        Ok(0)
    })
}

/// Releases a server configuration. Connections made with it are not affected; none may be being
/// made with it during the call. NULL is allowed and does nothing. Does not block.
///
/// # Safety
///
/// `cfg` is NULL or came from sockit_tls_server_config_new() and is released once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_server_config_free(cfg: *mut sockit_tls_server_config) {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { free_from_c(cfg) }
}

/// Mutual TLS: every client must present a certificate issued by a certificate authority of this
/// PEM file. A client without one, or with another, is refused during the handshake
/// (sockit_tls_accept() fails with SOCKIT_ECERTUNTRUSTED); sockit_tls_peer_subject() names the
/// clients that are accepted.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_ENOENT / SOCKIT_EACCES / SOCKIT_ENAMETOOLONG (the file
/// cannot be read), SOCKIT_EBADPEM (no certificate in it), SOCKIT_EBUSY (the configuration was used
/// already), SOCKIT_EINVAL (NULL argument, a path not UTF-8) or SOCKIT_EOPNOTSUPP. Blocks while
/// reading the file.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `ca_path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_server_config_client_ca(
    cfg: *mut sockit_tls_server_config,
    ca_path: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, ca) = unsafe { (server_config(cfg)?, path(ca_path)?) };
        config.verify_clients(ca).map(|()| 0)
    })
}

/// The ALPN protocols this server speaks, most preferred first, separated by commas
/// ("h2,http/1.1"). A client that offers ALPN but none of these is refused (the handshake fails
/// with SOCKIT_ETLSHANDSHAKE); one that offers none is served.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (an empty name, one over 255 bytes, NULL config
/// or protocols), SOCKIT_EBUSY (the configuration was used already) or SOCKIT_EOPNOTSUPP. Does not
/// block.
///
/// # Safety
///
/// `cfg` is NULL or a live configuration; `protocols` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_server_config_alpn(
    cfg: *mut sockit_tls_server_config,
    protocols: *const c_char,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, protocols) = unsafe { (server_config(cfg)?, boundary::text(protocols)?) };
        config.alpn(tls::alpn_list(protocols)?).map(|()| 0)
    })
}

/// Writes the detail of the calling thread's last failed TLS call, and a NUL, into buf: rustls' own
/// words ("invalid peer certificate: Expired", "received fatal alert: BadCertificate") where
/// sockit_strerror() gives only the kind of failure. Any thread; each has its own.
///
/// Returns the length of the text (without the NUL; 0 if no TLS call has failed on this thread),
/// SOCKIT_ERANGE if it does not fit (buf is left untouched; 512 bytes is always enough), or
/// SOCKIT_EINVAL (NULL buf). It leaves sockit_last_error() and errno as they were, so Die() called
/// after it still reports the failure it explains. Does not block.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_last_error_detail(buf: *mut c_char, len: usize) -> c_int {
    // As sockit_last_error(), it leaves the thread's last failure as it was (Die() after it
    // still reports the failure it explains), so it does not go through `call`.
    let write = || {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let buf = unsafe { output_bytes(buf.cast(), len) }?;
        let mut text = detail::last();
        truncate_at_char(&mut text, 511);
        crate::ffi::addr::write_text(buf, text.as_bytes())
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(write)) {
        Ok(Ok(written)) => written,
        Ok(Err(err)) => err.code().value(),
        Err(_panic) => ErrorCode::EINTERNAL.value(),
    }
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate_at_char(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(all(test, not(feature = "tls")))]
mod tests {
    use super::*;
    use crate::ffi::tls::{sockit_tls_connect, sockit_tls_server};

    #[test]
    fn without_the_tls_feature_every_tls_call_is_unsupported() {
        let unsupported = ErrorCode::EOPNOTSUPP.value();
        let mut client = std::ptr::null_mut();
        let mut server = std::ptr::null_mut();
        let mut tls = std::ptr::null_mut();
        // SAFETY: valid strings and out-parameters; nothing is made.
        unsafe {
            assert_eq!(sockit_tls_client_config_new(&mut client), unsupported);
            assert!(client.is_null(), "out-parameter untouched");
            let (chain, key) = (c"cert.pem".as_ptr(), c"key.pem".as_ptr());
            assert_eq!(
                sockit_tls_server_config_new(chain, key, &mut server),
                unsupported
            );
            let host = c"localhost".as_ptr();
            assert_eq!(
                sockit_tls_connect(host, 443, std::ptr::null(), 1000, &mut tls),
                unsupported
            );
            assert_eq!(
                sockit_tls_server(0, std::ptr::null(), &mut tls),
                unsupported
            );
            let mut why = [0 as c_char; 512];
            assert!(sockit_tls_last_error_detail(why.as_mut_ptr(), why.len()) > 0);
            let why = std::ffi::CStr::from_ptr(why.as_ptr()).to_str().unwrap();
            assert!(why.contains("tls cargo feature"), "{why}");
        }
    }
}
