//! Header section: the echo exchanges and echo servers, each one call from C.

use std::ffi::{c_int, c_void};
use std::ops::ControlFlow;

use crate::echo;
use crate::ffi::addr::{read_addr, sockit_addr};
use crate::ffi::boundary::{
    self, borrow, byte_count, call, call_status, input_bytes, output_bytes,
};
use crate::ffi::socket::sockit_socket;

/// Told of each client of an echo server: its address (family 0 if it has none), and the
/// user pointer given to the server. Return 0 to serve the client; anything else stops the
/// server, which then returns SOCKIT_OK without serving it. Must not unwind (no C++
/// exceptions, no longjmp) out of the call.
#[allow(non_camel_case_types)]
pub type sockit_client_fn =
    Option<unsafe extern "C" fn(peer: *const sockit_addr, user: *mut c_void) -> c_int>;

/// Calls the C callback, if any; `Break` when it asks to stop.
fn tell(on_client: sockit_client_fn, peer: &sockit_addr, user: *mut c_void) -> ControlFlow<()> {
    match on_client {
        // SAFETY: the callback's contract is the caller's; `peer` lives through the call.
        Some(callback) if unsafe { callback(peer, user) } != 0 => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    }
}

/// The TCP echo client's exchange in one call: sends all len bytes of msg on the connected
/// socket sock, then receives exactly len bytes back into reply (reply_len must be at least
/// len). The reply is not NUL-terminated.
///
/// Returns len. Fails with SOCKIT_EOF (the server closed before echoing everything),
/// SOCKIT_ERANGE (reply_len < len), SOCKIT_EINVAL (NULL buffers with lengths), or as
/// sockit_send_all() and sockit_recv_exact() do.
///
/// Blocks until the echo is complete (set a read timeout to bound it).
///
/// # Safety
///
/// `msg` is NULL or readable for `len` bytes; `reply` is NULL or writable for `reply_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_echo_tcp_exchange(
    sock: sockit_socket,
    msg: *const c_void,
    len: usize,
    reply: *mut c_void,
    reply_len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, msg, reply) = unsafe {
            (
                borrow(sock)?,
                input_bytes(msg, len)?,
                output_bytes(reply, reply_len)?,
            )
        };
        echo::tcp_exchange(&sock, msg, reply).map(byte_count)
    })
}

/// The UDP echo client's exchange in one call: sends len bytes of msg as one datagram to
/// server, then waits up to timeout_ms milliseconds (SOCKIT_FOREVER: no limit) for the
/// datagram that comes back from server's address and port; datagrams from anywhere else are
/// read and ignored. The reply is not NUL-terminated.
///
/// Returns the reply's length, which the caller compares with len (UDP may cut or lose, never
/// merge). Fails with SOCKIT_ETIMEDOUT (no reply in time: the datagram or its echo was lost),
/// SOCKIT_EMSGSIZE (the reply is longer than reply_len), SOCKIT_ECONNREFUSED (nothing listens
/// at server: reported at once when sock was connected to server with sockit_connect(), as
/// c_examples/udp_echo_client.c does, and on Windows; an unconnected socket waits for the
/// timeout), SOCKIT_EINVAL (NULL server or buffers, reply_len 0, timeout_ms 0), or as
/// sockit_sendto() does.
///
/// Blocks until the reply arrives or the time is up.
///
/// # Safety
///
/// `server` is NULL or points to a sockit_addr; `msg` is NULL or readable for `len` bytes;
/// `reply` is NULL or writable for `reply_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_echo_udp_exchange(
    sock: sockit_socket,
    server: *const sockit_addr,
    msg: *const c_void,
    len: usize,
    reply: *mut c_void,
    reply_len: usize,
    timeout_ms: c_int,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, server, msg, reply) = unsafe {
            (
                borrow(sock)?,
                read_addr(server)?,
                input_bytes(msg, len)?,
                output_bytes(reply, reply_len)?,
            )
        };
        echo::udp_exchange(&sock, server, msg, reply, boundary::timeout(timeout_ms)?)
            .map(byte_count)
    })
}

/// The tutorial's iterative TCP echo server in one call: accepts one client at a time on the
/// listening socket listener, tells on_client (may be NULL) with user, and echoes to the client
/// until it closes (HandleClient). A client's failure ends that client only; clients that
/// abort before they are accepted are skipped; when out of descriptors the server waits and
/// tries again, leaving clients queued.
///
/// Returns SOCKIT_OK when on_client stops it, or the error that makes listener unusable
/// (SOCKIT_EINVAL if it is not listening, SOCKIT_EBADF, SOCKIT_ENOTSOCK, SOCKIT_EOPNOTSUPP).
/// The listener stays open either way.
///
/// Blocks for as long as it serves.
///
/// # Safety
///
/// `on_client` is NULL or a function as sockit_client_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_echo_tcp_server(
    listener: sockit_socket,
    on_client: sockit_client_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the caller keeps the listener open while its server runs.
        let listener = unsafe { borrow(listener) }?;
        echo::tcp_server(&listener, |peer| {
            tell(on_client, &sockit_addr::from_peer(peer), user)
        })
    })
}

/// The tutorial's UDP echo server in one call: receives each datagram on the bound socket
/// sock, tells on_client (may be NULL) with user, and sends the datagram back to its sender.
/// Any datagram UDP can carry is echoed whole; one that cannot be received or sent is
/// dropped, and the server goes on.
///
/// Returns SOCKIT_OK when on_client stops it, or the error that makes sock unusable
/// (SOCKIT_EBADF, SOCKIT_ENOTSOCK, SOCKIT_EINVAL, SOCKIT_EOPNOTSUPP). The socket stays open
/// either way.
///
/// Blocks for as long as it serves.
///
/// # Safety
///
/// `on_client` is NULL or a function as sockit_client_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_echo_udp_server(
    sock: sockit_socket,
    on_client: sockit_client_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the caller keeps the socket open while its server runs.
        let sock = unsafe { borrow(sock) }?;
        echo::udp_server(&sock, |peer| {
            tell(on_client, &sockit_addr::from_socket_addr(peer), user)
        })
    })
}
