//! Header section: TLS streams.
//!
//! A sockit_tls is a TCP connection with TLS on it: what is sent is encrypted, what is
//! received decrypted and checked. A client connects and verifies the server in one call:
//!
//! ```c
//! sockit_tls *tls;
//! char buf[4096];
//! int64_t n;
//! if (sockit_tls_connect("example.org", 443, config, 10000, &tls) != SOCKIT_OK) {
//!     char why[512];
//!     sockit_tls_last_error_detail(why, sizeof why);   /* rustls' words */
//!     Die(why);
//! }
//! sockit_tls_send_all(tls, "GET / HTTP/1.0\r\n\r\n", 18);
//! while ((n = sockit_tls_recv(tls, buf, sizeof buf)) > 0) {
//!     fwrite(buf, 1, (size_t)n, stdout);
//! }
//! /* n: 0 after the server's close_notify, SOCKIT_ETRUNCATED without one */
//! sockit_tls_shutdown(tls);    /* close_notify: a clean end */
//! sockit_tls_free(tls);        /* closes the socket */
//! ```
//!
//! A server accepts the TCP connection as usual (sockit_accept()) and makes the handshake
//! with sockit_tls_accept(). The calls follow the socket calls' conventions: byte counts or
//! negative codes, no SIGPIPE, SOCKIT_ETIMEDOUT when a timeout expires, and on a
//! non-blocking socket SOCKIT_EAGAIN, after which sockit_tls_wants() says whether to wait
//! for SOCKIT_POLL_READ or SOCKIT_POLL_WRITE on sockit_tls_socket() (TLS reads may need to
//! write, and writes to read). A stream that ends without the peer's close_notify fails
//! with SOCKIT_ETRUNCATED rather than look like a clean end: what came may have been cut
//! short by an attacker. Certificates that fail verification fail the handshake with
//! SOCKIT_ECERTUNTRUSTED, SOCKIT_ECERTEXPIRED or SOCKIT_ECERTNAME, and no data flows.
//!
//! A sockit_tls is used by one thread at a time (any thread); different ones are
//! independent.

use std::ffi::{c_char, c_int, c_void};

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{
    self, Out, borrow, byte_count, free_from_c, input_bytes, into_c, output_bytes,
};
use crate::ffi::poll::{SOCKIT_POLL_READ, SOCKIT_POLL_WRITE};
use crate::ffi::socket::{SOCKIT_INVALID_SOCKET, sockit_socket};
use crate::ffi::tls_config::{
    client_config, server_config, sockit_tls_client_config, sockit_tls_server_config, tls_call,
};
use crate::platform;
use crate::tls::{Session, TlsStream};

/// A TCP connection with TLS on it. Opaque: made by sockit_tls_connect(), sockit_tls_accept(),
/// sockit_tls_client() or sockit_tls_server(); it owns its socket, and sockit_tls_free() closes
/// both. Use it from one thread at a time. A server's TLS handler (sockit_tls_handler_fn) is
/// lent one that the server owns and frees.
#[allow(non_camel_case_types)]
pub struct sockit_tls {
    pub(crate) stream: TlsStream,
}

/// The stream behind a pointer from C; NULL is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `ptr` is a live sockit_tls that no other thread uses during the call.
unsafe fn stream<'a>(ptr: *mut sockit_tls) -> Result<&'a mut TlsStream> {
    // SAFETY: the caller's promise is passed on.
    unsafe { ptr.as_mut() }
        .map(|t| &mut t.stream)
        .ok_or(ErrorCode::EINVAL.into())
}

/// Puts TLS on the caller's socket with `session` and makes the handshake (within `timeout`, if
/// given). On failure the socket is the caller's again, open.
///
/// # Safety
///
/// `sock` is the caller's, not used by anyone else during the call.
unsafe fn start(
    sock: sockit_socket,
    session: impl FnOnce() -> Result<Session>,
    timeout: Option<Option<std::time::Duration>>,
    out: Out<*mut sockit_tls>,
) -> Result<c_int> {
    // A handle that is closed or not a socket is refused before anything is made, and so
    // is a socket that is not a stream.
    // SAFETY: the handle is only asked for its type.
    if unsafe { borrow(sock) }?.r#type()? != socket2::Type::STREAM {
        return Err(ErrorCode::EOPNOTSUPP.into());
    }
    let session = session()?;
    // SAFETY: the caller's promise; a failure below hands the handle back unclosed.
    let socket = unsafe { platform::own_socket(sock) }.ok_or(ErrorCode::EBADF)?;
    let mut stream = TlsStream::new(socket, session);
    let handshake = match timeout {
        Some(timeout) => stream.handshake_within(timeout),
        None => stream.handshake(),
    };
    match handshake {
        // A non-blocking socket: the handshake goes on in later calls.
        Err(err) if err.code() == ErrorCode::EAGAIN && timeout.is_none() => {}
        Err(err) => {
            platform::into_raw(stream.into_socket());
            return Err(err);
        }
        Ok(()) => {}
    }
    out.write(into_c(sockit_tls { stream }));
    Ok(0)
}

/// Connects to host on port over TCP (as sockit_tcp_connect(): a name or an IP literal, timeout_ms
/// bounding each attempt) and makes the TLS handshake, which timeout_ms bounds as well
/// (SOCKIT_FOREVER: the system's connect timeout, and no limit on the handshake). The server's
/// certificate must be issued by an authority cfg trusts and be valid now for host: its DNS name
/// (also sent as SNI) or its IP address.
///
/// On success writes the stream to *out (free it with sockit_tls_free(); its socket is in blocking
/// mode) and returns SOCKIT_OK. Fails with SOCKIT_ECERTUNTRUSTED, SOCKIT_ECERTEXPIRED,
/// SOCKIT_ECERTNAME (the certificate), SOCKIT_ETLSALERT (the server refused: it wants a client
/// certificate, say), SOCKIT_ETLSHANDSHAKE (nothing in common), SOCKIT_ETLSPROTOCOL (the server
/// does not speak TLS), SOCKIT_EOF (it closed during the handshake), SOCKIT_ETIMEDOUT,
/// SOCKIT_ECONNRESET, as sockit_tcp_connect() does, with SOCKIT_EINVAL (NULL argument, bad port,
/// timeout_ms of 0, a host that is neither a name nor an address), or with SOCKIT_EOPNOTSUPP (no
/// TLS in this build). sockit_tls_last_error_detail() says more.
///
/// Blocks until connected and the handshake is done, or out of time. Any thread; cfg may be shared.
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `cfg` is NULL or a live client configuration; `out`
/// is NULL or points to a sockit_tls pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_connect(
    host: *const c_char,
    port: c_int,
    cfg: *const sockit_tls_client_config,
    timeout_ms: c_int,
    out: *mut *mut sockit_tls,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, config, out) =
            unsafe { (boundary::text(host)?, client_config(cfg)?, Out::new(out)?) };
        let (port, timeout) = (boundary::port(port)?, boundary::timeout(timeout_ms)?);
        let stream = TlsStream::connect(host, port, config, timeout)?;
        out.write(into_c(sockit_tls { stream }));
        Ok(0)
    })
}

/// The server's side of the handshake on a connection accepted with sockit_accept(), within
/// timeout_ms (a client that stalls half way is dropped after it; SOCKIT_FOREVER waits as long as
/// the client takes).
///
/// On success the stream owns sock (sockit_tls_free() closes it: do not close it yourself), is
/// written to *out, and SOCKIT_OK is returned. On failure sock is still yours, open: close it
/// (after a TLS failure its sending is shut down: the alert that says why went last). Fails with
/// SOCKIT_ETLSPROTOCOL (the client does not speak TLS: plain HTTP, random bytes),
/// SOCKIT_ECERTUNTRUSTED (mutual TLS: no client certificate, or one from another authority),
/// SOCKIT_ECERTEXPIRED, SOCKIT_ETLSALERT (the client refused this server's certificate),
/// SOCKIT_ETLSHANDSHAKE (nothing in common), SOCKIT_EOF (the client closed during the handshake),
/// SOCKIT_ETIMEDOUT, SOCKIT_ECONNRESET, SOCKIT_EINVAL (NULL argument, timeout_ms of 0),
/// SOCKIT_EBADF, SOCKIT_ENOTSOCK or SOCKIT_EOPNOTSUPP (not a stream socket, or no TLS in this
/// build).
///
/// Blocks until the handshake is done, or out of time. Any thread; cfg may be shared.
///
/// # Safety
///
/// `sock` is the caller's, used by no one else during the call; `cfg` is NULL or a live server
/// configuration; `out` is NULL or points to a sockit_tls pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_accept(
    sock: sockit_socket,
    cfg: *const sockit_tls_server_config,
    timeout_ms: c_int,
    out: *mut *mut sockit_tls,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, out) = unsafe { (server_config(cfg)?, Out::new(out)?) };
        let timeout = boundary::timeout(timeout_ms)?;
        // SAFETY: the caller's promise, passed on.
        unsafe { start(sock, || Session::server(config), Some(timeout), out) }
    })
}

/// Puts a client's TLS on a TCP socket the program connected itself (through a proxy, or
/// non-blocking), verifying the server as sockit_tls_connect() does for host.
///
/// On a blocking socket the handshake is made now, bounded by the socket's timeouts. On a
/// non-blocking socket it is started and goes on in sockit_tls_handshake() (or the first send or
/// receive), which fail with SOCKIT_EAGAIN until it is done. On success the stream owns sock
/// (sockit_tls_free() closes it), is written to *out, and SOCKIT_OK is returned; on failure sock is
/// still yours, open. Fails as sockit_tls_connect() does, with SOCKIT_EBADF, SOCKIT_ENOTSOCK,
/// SOCKIT_EOPNOTSUPP (not a stream socket) or SOCKIT_ENOTCONN (not connected).
///
/// Blocks until the handshake is done, unless the socket is non-blocking.
///
/// # Safety
///
/// `sock` is the caller's, used by no one else during the call; `host` is NULL or a NUL-terminated
/// string; `cfg` is NULL or a live client configuration; `out` is NULL or points to a sockit_tls
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_client(
    sock: sockit_socket,
    host: *const c_char,
    cfg: *const sockit_tls_client_config,
    out: *mut *mut sockit_tls,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, config, out) =
            unsafe { (boundary::text(host)?, client_config(cfg)?, Out::new(out)?) };
        // SAFETY: the caller's promise, passed on.
        unsafe { start(sock, || Session::client(config, host), None, out) }
    })
}

/// Puts a server's TLS on a connected TCP socket: as sockit_tls_accept(), but bounded by the
/// socket's own timeouts, and on a non-blocking socket the handshake goes on in
/// sockit_tls_handshake() (or the first send or receive), as for sockit_tls_client().
///
/// On success the stream owns sock (sockit_tls_free() closes it); on failure sock is still yours,
/// open. Fails as sockit_tls_accept() does (SOCKIT_ENOTCONN for a socket that is not connected); on
/// a non-blocking socket, a handshake not done yet is no failure.
///
/// Blocks until the handshake is done, unless the socket is non-blocking.
///
/// # Safety
///
/// `sock` is the caller's, used by no one else during the call; `cfg` is NULL or a live server
/// configuration; `out` is NULL or points to a sockit_tls pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_server(
    sock: sockit_socket,
    cfg: *const sockit_tls_server_config,
    out: *mut *mut sockit_tls,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (config, out) = unsafe { (server_config(cfg)?, Out::new(out)?) };
        // SAFETY: the caller's promise, passed on.
        unsafe { start(sock, || Session::server(config), None, out) }
    })
}

/// Goes on with the handshake of a stream on a non-blocking socket, and sends what earlier calls
/// queued. Returns SOCKIT_OK once the handshake is done (at once if it was), SOCKIT_EAGAIN while it
/// is not (wait as sockit_tls_wants() says), or fails as sockit_tls_accept() or
/// sockit_tls_connect() do.
///
/// Blocks on a blocking socket until the handshake is done.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_handshake(tls: *mut sockit_tls) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { stream(tls) }?.handshake().map(|()| 0)
    })
}

/// Encrypts and sends up to len bytes of buf (len 0 only sends what earlier calls queued).
///
/// Returns how many bytes were taken, which may be fewer than len: send the rest, or use
/// sockit_tls_send_all(). On a non-blocking socket the bytes taken may wait in the stream
/// (sockit_tls_wants() then says SOCKIT_POLL_WRITE) and go with the next call. Fails with
/// SOCKIT_EPIPE or SOCKIT_ECONNRESET (the peer has gone; never SIGPIPE), SOCKIT_EAGAIN
/// (non-blocking and nothing could be taken), SOCKIT_ETIMEDOUT (the socket's write timeout),
/// SOCKIT_EINVAL (NULL tls, NULL buf with len > 0), a handshake failure as sockit_tls_handshake()
/// gives, or SOCKIT_EOPNOTSUPP.
///
/// Blocks until sent, unless the socket is non-blocking.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call; `buf` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_send(
    tls: *mut sockit_tls,
    buf: *const c_void,
    len: usize,
) -> i64 {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (stream, buf) = unsafe { (stream(tls)?, input_bytes(buf, len)?) };
        stream.send(buf).map(byte_count)
    })
}

/// Encrypts and sends all len bytes of buf. Returns len, or fails as sockit_tls_send() does. On a
/// non-blocking socket SOCKIT_EAGAIN comes only when nothing was taken; once some bytes were, the
/// call waits for the rest, for at most the socket's write timeout (SOCKIT_ETIMEDOUT after it).
///
/// Blocks until everything is sent.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call; `buf` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_send_all(
    tls: *mut sockit_tls,
    buf: *const c_void,
    len: usize,
) -> i64 {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (stream, buf) = unsafe { (stream(tls)?, input_bytes(buf, len)?) };
        stream.send_all(buf).map(byte_count)
    })
}

/// Receives and decrypts what has arrived, up to len bytes (len at least 1), into buf (not
/// NUL-terminated).
///
/// Returns the number of bytes received, at least 1, or 0 once the peer has ended the stream with a
/// close_notify (sockit_tls_shutdown()). Fails with SOCKIT_ETRUNCATED (the connection ended without
/// a close_notify: what came may be cut short), SOCKIT_ETLSALERT (the peer ended with an alert: it
/// refused this side's certificate, say), SOCKIT_ETLSPROTOCOL (a corrupt or forged record),
/// SOCKIT_ECONNRESET, SOCKIT_EAGAIN (non-blocking, nothing to read yet: wait as sockit_tls_wants()
/// says), SOCKIT_ETIMEDOUT (the socket's read timeout), SOCKIT_EINVAL (NULL tls or buf, len 0), a
/// handshake failure as sockit_tls_handshake() gives, or SOCKIT_EOPNOTSUPP.
///
/// Blocks until some data or the end arrives, unless the socket is non-blocking.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call; `buf` is NULL or
/// writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_recv(
    tls: *mut sockit_tls,
    buf: *mut c_void,
    len: usize,
) -> i64 {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (stream, buf) = unsafe { (stream(tls)?, output_bytes(buf, len)?) };
        stream.recv_uninit(buf).map(byte_count)
    })
}

/// Receives exactly len bytes into buf. Returns len, or fails with SOCKIT_EOF if the stream ends
/// cleanly first, or as sockit_tls_recv() does. On a non-blocking socket SOCKIT_EAGAIN comes only
/// when nothing was received; once some bytes were, the call waits for the rest, for at most the
/// socket's read timeout.
///
/// Blocks until all len bytes have arrived.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call; `buf` is NULL or
/// writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_recv_exact(
    tls: *mut sockit_tls,
    buf: *mut c_void,
    len: usize,
) -> i64 {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (stream, buf) = unsafe { (stream(tls)?, output_bytes(buf, len)?) };
        stream.recv_exact(buf).map(byte_count)
    })
}

/// Ends this side of the stream cleanly: sends a close_notify (the peer's receive returns 0) and
/// shuts down the socket's sending. Receiving still works. Call it before sockit_tls_free() when
/// the peer must know that nothing was cut short.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EPIPE / SOCKIT_ECONNRESET (the peer has gone),
/// SOCKIT_EAGAIN (non-blocking: call again once the socket is writable), SOCKIT_ETIMEDOUT,
/// SOCKIT_EINVAL (NULL tls) or SOCKIT_EOPNOTSUPP.
///
/// Blocks until the close_notify is sent, unless the socket is non-blocking.
///
/// # Safety
///
/// `tls` is NULL or a live stream, used by no other thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_shutdown(tls: *mut sockit_tls) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { stream(tls) }?.shutdown().map(|()| 0)
    })
}

/// Releases a stream and closes its socket (without a close_notify: call sockit_tls_shutdown()
/// first for a clean end). NULL is allowed and does nothing. Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream, released once, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_free(tls: *mut sockit_tls) {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { free_from_c(tls) }
}

/// The stream's socket, to wait on with sockit_poll() or to set options on (a timeout, non-blocking
/// mode). It stays the stream's: never close it, read or write it yourself. SOCKIT_INVALID_SOCKET
/// for NULL. Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_socket(tls: *const sockit_tls) -> sockit_socket {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    match unsafe { tls.as_ref() } {
        Some(tls) => platform::raw(tls.stream.socket()),
        None => SOCKIT_INVALID_SOCKET,
    }
}

/// What a call that failed with SOCKIT_EAGAIN waits for: SOCKIT_POLL_WRITE while encrypted bytes
/// wait to be sent, else SOCKIT_POLL_READ (or what the last blocked call needed). Wait for it on
/// sockit_tls_socket(), then call again. 0 for NULL. Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_wants(tls: *const sockit_tls) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    let Some(tls) = (unsafe { tls.as_ref() }) else {
        return 0;
    };
    let wants = tls.stream.wants();
    let mut events = 0;
    if wants.read {
        events |= c_int::from(SOCKIT_POLL_READ);
    }
    if wants.write {
        events |= c_int::from(SOCKIT_POLL_WRITE);
    }
    events
}

/// The TLS version the handshake agreed: "TLSv1.3" or "TLSv1.2"; NULL before the handshake is done,
/// or for NULL. Static storage: never free it. Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_version(tls: *const sockit_tls) -> *const c_char {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    version_text(unsafe { tls.as_ref() }.and_then(|t| t.stream.session().version()))
}

/// A TLS version's name as a static C string; NULL for none.
pub(crate) fn version_text(version: Option<&str>) -> *const c_char {
    match version {
        Some("TLSv1.3") => c"TLSv1.3".as_ptr(),
        Some("TLSv1.2") => c"TLSv1.2".as_ptr(),
        Some(_) => c"TLS".as_ptr(),
        None => std::ptr::null(),
    }
}

/// Writes the ALPN protocol the handshake agreed ("http/1.1"), and a NUL, into buf.
///
/// Returns its length (0, an empty text, if none was agreed or the handshake is not done),
/// SOCKIT_ERANGE if it does not fit (buf is left untouched; 256 bytes always do), or SOCKIT_EINVAL
/// (NULL tls or buf). Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream; `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_alpn(
    tls: *const sockit_tls,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (tls, buf) = unsafe { (tls.as_ref(), output_bytes(buf.cast(), len)?) };
        let tls = tls.ok_or(ErrorCode::EINVAL)?;
        let alpn = tls.stream.session().alpn().unwrap_or_default();
        crate::ffi::addr::write_text(buf, alpn)
    })
}

/// Writes the subject of the peer's certificate ("CN=localhost, O=Example"; the attributes in the
/// certificate's order, commas in values escaped with a backslash), and a NUL, into buf: who the
/// server is, or with mutual TLS which client this is.
///
/// Returns its length (0 if the peer presented no certificate or the handshake is not done),
/// SOCKIT_ERANGE if it does not fit (buf is left untouched), or SOCKIT_EINVAL (NULL tls or buf).
/// Does not block.
///
/// # Safety
///
/// `tls` is NULL or a live stream; `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tls_peer_subject(
    tls: *const sockit_tls,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (tls, buf) = unsafe { (tls.as_ref(), output_bytes(buf.cast(), len)?) };
        let tls = tls.ok_or(ErrorCode::EINVAL)?;
        let subject = tls.stream.session().peer_subject().unwrap_or_default();
        crate::ffi::addr::write_text(buf, subject.as_bytes())
    })
}
