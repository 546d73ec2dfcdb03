//! Header section: TLS in the event loop.
//!
//! A connection of the loop speaks TLS once it is given a configuration: a listener's with
//! sockit_loop_tls_server() (every connection it accepts from then on), an outgoing one's
//! with sockit_loop_tls_client() right after sockit_loop_connect() (the handshake follows the
//! TCP connect), and an open connection's with either (an adopted socket, or STARTTLS: the
//! plaintext written before the call goes first, then the handshake). The handshake never
//! blocks the loop; on_connect comes once it is done, with SOCKIT_OK, or with why it failed
//! (SOCKIT_ECERTUNTRUSTED, SOCKIT_ECERTNAME, SOCKIT_ETLSALERT, SOCKIT_ETIMEDOUT...; then
//! on_close with the same code; sockit_tls_last_error_detail() in those callbacks gives
//! rustls' words). From then on on_data and on_message see plaintext, sockit_loop_write()
//! encrypts (a write before the handshake is done waits for it, counted in the queue),
//! sockit_loop_shutdown() and sockit_loop_close() send a close_notify first, and a peer
//! that ends the TCP stream without a close_notify closes the connection with
//! SOCKIT_ETRUNCATED (not on_eof). sockit_loop_abort() sends none.
//!
//! A TLS echo server in the loop:
//!
//! ```c
//! sockit_tls_server_config *config;
//! sockit_handle listener;
//! sockit_tls_server_config_new("cert.pem", "key.pem", &config);
//! sockit_loop_listen(loop, NULL, 4433, &callbacks, NULL, &listener);   /* on_data echoes */
//! sockit_loop_tls_server(loop, listener, config, 10000);
//! sockit_tls_server_config_free(config);     /* the listener keeps what it needs */
//! sockit_loop_run(loop);
//! ```
//!
//! and a client:
//!
//! ```c
//! sockit_handle conn;
//! sockit_loop_connect(loop, "example.org", 443, 10000, &callbacks, NULL, &conn);
//! sockit_loop_tls_client(loop, conn, client_config, "example.org", 10000);
//! /* on_connect(loop, conn, status, data): status SOCKIT_OK once the server is verified */
//! ```

use std::ffi::{c_char, c_int};

use crate::event_loop::Handle;
use crate::ffi::boundary::{self, output_bytes};
use crate::ffi::event_loop::{core, sockit_handle, sockit_loop};
use crate::ffi::tls::version_text;
use crate::ffi::tls_config::{
    client_config, server_config, sockit_tls_client_config, sockit_tls_server_config, tls_call,
};
use crate::tls::{ServerSessions, Session};

/// Makes a connection of the loop a TLS server: a listener's every connection accepted from now
/// on (a connection accepted before keeps what it has), or one connection (open, or being made).
/// The configuration is fixed by this call and the loop keeps what it needs: config may be freed
/// once it returns. Each handshake must finish within timeout_ms of its start
/// (SOCKIT_FOREVER: no limit; a server facing the internet wants one, or a client that never
/// finishes holds a descriptor): else the connection gets on_connect(SOCKIT_ETIMEDOUT) and
/// on_close.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL loop or config; timeout_ms 0 or negative but
/// SOCKIT_FOREVER), SOCKIT_EBADF (no such handle), SOCKIT_EALREADY (the connection has TLS
/// already), SOCKIT_ENOTCONN (the connection is closing or shut down), SOCKIT_EOPNOTSUPP (a UDP
/// socket; or no TLS in this build), SOCKIT_ENOTSOCK (a timer), or SOCKIT_ENOMEM. Does not block.
/// On the loop's thread only (a callback of the loop, or between runs).
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `config` is NULL or a live
/// server configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_tls_server(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    config: *const sockit_tls_server_config,
    timeout_ms: c_int,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, config) = unsafe { (core(r#loop)?, server_config(config)?) };
        let timeout = boundary::timeout(timeout_ms)?;
        let sessions = ServerSessions::new(config)?;
        lp.tls_server(Handle::from_raw(handle), &sessions, timeout)?;
        Ok(0)
    })
}

/// Makes a connection of the loop a TLS client of host: a connect that sockit_loop_connect() (or
/// sockit_loop_unix_connect()) just started (the handshake follows the TCP connect, and its
/// on_connect waits for it), or an open connection (adopted, or STARTTLS). host is the server's
/// name, sent as SNI and checked against its certificate, or an IP address, checked against the
/// certificate's addresses. The handshake must finish within timeout_ms of its start
/// (SOCKIT_FOREVER: no limit) or the connection gets on_connect(SOCKIT_ETIMEDOUT) and on_close.
/// config may be freed once this returns.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL loop, config or host; a host that is neither
/// a DNS name nor an IP address; a listener; timeout_ms 0 or negative but SOCKIT_FOREVER),
/// SOCKIT_EBADF (no such handle), SOCKIT_EALREADY (TLS already), SOCKIT_ENOTCONN (closing or shut
/// down), SOCKIT_EOPNOTSUPP (a UDP socket; or no TLS in this build), SOCKIT_ENOTSOCK (a timer),
/// SOCKIT_EBADPEM or another code of sockit_tls_connect() for a configuration that cannot be
/// used, or SOCKIT_ENOMEM. Does not block (the system's certificate store is read at a
/// configuration's first use, which may take some milliseconds). On the loop's thread only.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `config` is NULL or a live
/// client configuration; `host` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_tls_client(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    config: *const sockit_tls_client_config,
    host: *const c_char,
    timeout_ms: c_int,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, config, host) =
            unsafe { (core(r#loop)?, client_config(config)?, boundary::text(host)?) };
        let timeout = boundary::timeout(timeout_ms)?;
        lp.tls_client(Handle::from_raw(handle), config, host, timeout)?;
        Ok(0)
    })
}

/// The TLS version a connection of the loop agreed: "TLSv1.3" or "TLSv1.2"; NULL without TLS,
/// before the handshake is done, or for a NULL loop or a handle that is not an open connection.
/// Static storage: never free it. Does not block. On the loop's thread only.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_tls_version(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
) -> *const c_char {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    let Ok(lp) = (unsafe { core(r#loop) }) else {
        return std::ptr::null();
    };
    let version = lp.with_tls_session(Handle::from_raw(conn), |session| {
        session.and_then(Session::version)
    });
    version_text(version.ok().flatten())
}

/// Writes the ALPN protocol a connection of the loop agreed ("http/1.1"), and a NUL, into buf.
///
/// Returns its length (0, an empty text, without TLS, without ALPN, or before the handshake is
/// done), SOCKIT_ERANGE if it does not fit (buf untouched; 256 bytes always do), SOCKIT_EINVAL
/// (NULL loop or buf), SOCKIT_EBADF, SOCKIT_ENOTCONN (a listener or UDP socket) or
/// SOCKIT_ENOTSOCK (a timer). Does not block. On the loop's thread only.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `buf` is NULL or writable for
/// `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_tls_alpn(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe {
        session_text(r#loop, conn, buf, len, |s| {
            s.alpn().map(<[u8]>::to_vec).unwrap_or_default()
        })
    }
}

/// Writes the subject of the certificate a connection's peer presented ("CN=localhost,
/// O=Example", as sockit_tls_peer_subject() writes it), and a NUL, into buf.
///
/// Returns its length (0 without TLS, if the peer presented no certificate, or before the
/// handshake is done), SOCKIT_ERANGE if it does not fit (buf untouched), SOCKIT_EINVAL (NULL loop
/// or buf), SOCKIT_EBADF, SOCKIT_ENOTCONN (a listener or UDP socket) or SOCKIT_ENOTSOCK (a timer).
/// Does not block. On the loop's thread only.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `buf` is NULL or writable for
/// `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_tls_peer_subject(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe {
        session_text(r#loop, conn, buf, len, |s| {
            s.peer_subject().unwrap_or_default().into_bytes()
        })
    }
}

/// Writes what `text` takes from a connection's TLS session, and a NUL, into `buf`: its
/// length (0 without TLS), or a failure's code.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only; `buf` is NULL or writable
/// for `len` bytes.
unsafe fn session_text(
    lp: *mut sockit_loop,
    conn: sockit_handle,
    buf: *mut c_char,
    len: usize,
    text: impl FnOnce(&Session) -> Vec<u8>,
) -> c_int {
    tls_call(|| {
        // SAFETY: the caller's promise is passed on.
        let (lp, buf) = unsafe { (core(lp)?, output_bytes(buf.cast(), len)?) };
        let bytes = lp.with_tls_session(Handle::from_raw(conn), |s| s.map(text))?;
        crate::ffi::addr::write_text(buf, &bytes.unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_null_loop_is_refused() {
        // SAFETY: NULL pointers only, which every function checks.
        unsafe {
            let expected = if crate::tls::AVAILABLE {
                ErrorCode::EINVAL
            } else {
                ErrorCode::EOPNOTSUPP
            };
            assert_eq!(
                sockit_loop_tls_server(std::ptr::null_mut(), 1, std::ptr::null(), 1000),
                expected as c_int
            );
            assert!(sockit_loop_tls_version(std::ptr::null_mut(), 1).is_null());
        }
    }
}
