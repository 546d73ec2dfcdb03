//! Header section: sending and receiving on connected sockets, shutdown and close.
//!
//! A TCP connection is a stream of bytes, not of messages: one send may arrive as several
//! receives and several sends as one. sockit_send_all() and sockit_recv_exact() deal in whole
//! lengths.

use std::ffi::{c_int, c_void};
use std::net::Shutdown;

use crate::error::ErrorCode;
use crate::ffi::boundary::{
    borrow, byte_count, call, call_receive, call_status, input_bytes, output_bytes, own,
};
use crate::ffi::socket::sockit_socket;
use crate::net::io;
use crate::net::socket::is_stream;

/// sockit_shutdown(): stop receiving.
pub const SOCKIT_SHUT_RD: c_int = 0;
/// sockit_shutdown(): stop sending; the peer reads the end of the stream.
pub const SOCKIT_SHUT_WR: c_int = 1;
/// sockit_shutdown(): both.
pub const SOCKIT_SHUT_RDWR: c_int = 2;

/// Sends up to len bytes of buf with one system call.
///
/// Returns how many bytes were sent, which may be fewer than len: send the rest, or use
/// sockit_send_all(). Fails with SOCKIT_EPIPE or SOCKIT_ECONNRESET (the peer has gone; never
/// SIGPIPE), SOCKIT_EAGAIN (non-blocking and the send buffer is full), SOCKIT_ETIMEDOUT (the
/// write timeout expired), SOCKIT_ENOTCONN, SOCKIT_EINVAL (NULL buf with len > 0),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// Blocks while the send buffer is full, unless the socket is non-blocking.
///
/// # Safety
///
/// `buf` is NULL or readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_send(sock: sockit_socket, buf: *const c_void, len: usize) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf) = unsafe { (borrow(sock)?, input_bytes(buf, len)?) };
        io::send(&sock, buf).map(byte_count)
    })
}

/// Sends all len bytes of buf, with as many system calls as it takes.
///
/// Returns len, or fails as sockit_send() does; after a failure some of the bytes may have
/// been sent. On a non-blocking socket no count is lost: SOCKIT_EAGAIN comes only when
/// nothing was sent; once some bytes went, the call waits for room for the rest, for at most
/// the socket's write timeout (SOCKIT_ETIMEDOUT after it).
///
/// Blocks until everything is sent.
///
/// # Safety
///
/// `buf` is NULL or readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_send_all(
    sock: sockit_socket,
    buf: *const c_void,
    len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf) = unsafe { (borrow(sock)?, input_bytes(buf, len)?) };
        io::send_all(&sock, buf).map(byte_count)
    })
}

/// Receives what has arrived, up to len bytes (len at least 1), into buf. The data is not
/// NUL-terminated.
///
/// Returns the number of bytes received, at least 1, or 0 once the peer has closed its side
/// (the end of the stream; Die() called right after says "Connection closed by peer"). Fails
/// with SOCKIT_ECONNRESET, SOCKIT_EAGAIN (non-blocking, nothing to read), SOCKIT_ETIMEDOUT (the
/// read timeout expired), SOCKIT_ENOTCONN, SOCKIT_EINVAL (NULL buf, or len 0, whose 0 could not
/// be told from the end of the stream), SOCKIT_EBADF or SOCKIT_ENOTSOCK. On a connected UDP
/// socket it receives one datagram (0 for an empty one), and one longer than len fails with
/// SOCKIT_EMSGSIZE as in sockit_recvfrom().
///
/// Blocks until some data or the end of the stream arrives, unless the socket is non-blocking.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recv(sock: sockit_socket, buf: *mut c_void, len: usize) -> i64 {
    call_receive(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf, len)?) };
        let received = io::recv_any_uninit(&sock, buf)?;
        Ok((received, received == 0 && is_stream(&sock)))
    })
}

/// Receives exactly len bytes into buf, with as many system calls as it takes.
///
/// Returns len. Fails with SOCKIT_EOF if the stream ends first (buf then holds what did
/// arrive), or as sockit_recv() does. On a non-blocking socket no count is lost:
/// SOCKIT_EAGAIN comes only when nothing was received; once some bytes arrived, the call
/// waits for the rest, for at most the socket's read timeout (SOCKIT_ETIMEDOUT after it).
///
/// Blocks until all len bytes have arrived.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recv_exact(
    sock: sockit_socket,
    buf: *mut c_void,
    len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf, len)?) };
        io::recv_exact_uninit(&sock, buf).map(byte_count)
    })
}

/// Receives until the peer closes its side of the stream (or shuts down its writing, as
/// sockit_request() does): the server side of a request/response exchange. Up to len bytes
/// go into buf, not NUL-terminated.
///
/// Returns how many bytes arrived (0 if the stream ended at once). Fails with SOCKIT_ERANGE
/// if more than len bytes arrive (buf then holds the first len; the stream has not ended),
/// or as sockit_recv() does; after a failure some bytes may have been received into buf. On
/// a non-blocking socket, SOCKIT_EAGAIN comes only when nothing was received; once bytes
/// arrive the call waits for the rest, for at most the socket's read timeout.
///
/// Blocks until the stream ends.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recv_to_end(
    sock: sockit_socket,
    buf: *mut c_void,
    len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf, len)?) };
        io::recv_to_end(&sock, buf).map(byte_count)
    })
}

/// The client side of a request/response exchange over a connected TCP socket, as the
/// Python socket HOWTO shows it: sends the request_len bytes of request, shuts down this
/// side's writing (the server reads the end of the stream, which marks the end of the
/// request), then receives the reply into reply (reply_len bytes of room, not
/// NUL-terminated) until the server closes the connection. Close sock afterwards.
///
/// Returns the length of the reply. Fails as sockit_send_all(), sockit_shutdown() or
/// sockit_recv_to_end() do; with SOCKIT_ERANGE if the reply is longer than reply_len.
///
/// Blocks until the server has closed the connection.
///
/// # Safety
///
/// `request` is NULL or readable for `request_len` bytes; `reply` is NULL or writable for
/// `reply_len` bytes, and the two do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_request(
    sock: sockit_socket,
    request: *const c_void,
    request_len: usize,
    reply: *mut c_void,
    reply_len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, request, reply) = unsafe {
            (
                borrow(sock)?,
                input_bytes(request, request_len)?,
                output_bytes(reply, reply_len)?,
            )
        };
        io::request(&sock, request, reply).map(byte_count)
    })
}

/// Shuts down one direction of a connection, or both: SOCKIT_SHUT_RD, SOCKIT_SHUT_WR (the
/// peer then reads the end of the stream, while this side can still receive) or
/// SOCKIT_SHUT_RDWR. The socket stays open: close it with sockit_close().
///
/// Returns SOCKIT_OK, or fails with SOCKIT_ENOTCONN, SOCKIT_EINVAL (bad how), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_shutdown(sock: sockit_socket, how: c_int) -> c_int {
    call_status(|| {
        let how = match how {
            SOCKIT_SHUT_RD => Shutdown::Read,
            SOCKIT_SHUT_WR => Shutdown::Write,
            SOCKIT_SHUT_RDWR => Shutdown::Both,
            _ => return Err(ErrorCode::EINVAL.into()),
        };
        // SAFETY: the handle is only passed to the shutdown system call.
        let sock = unsafe { borrow(sock) }?;
        io::shutdown(&sock, how)
    })
}

/// Closes a socket. Refuses handles that are not sockets (SOCKIT_ENOTSOCK), so a wrong
/// handle cannot close a file by mistake.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EBADF (not open, or SOCKIT_INVALID_SOCKET) or
/// SOCKIT_ENOTSOCK (on Windows also for a socket already closed: Winsock cannot tell the two
/// apart); the handle must not be used again after SOCKIT_OK. Does not block (unsent data is
/// delivered in the background).
#[unsafe(no_mangle)]
pub extern "C" fn sockit_close(sock: sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the caller gives the handle up by calling close.
        io::close(unsafe { own(sock) }?)
    })
}
