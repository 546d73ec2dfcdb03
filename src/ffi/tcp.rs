//! Header section: TCP clients and servers.

use std::ffi::{c_char, c_int};

use crate::ffi::addr::{self, read_addr, sockit_addr};
use crate::ffi::boundary::{self, Out, borrow, call_status};
use crate::ffi::socket::sockit_socket;
use crate::net::socket::Bind;
use crate::net::tcp;
use crate::platform;

/// Connects to host (a name such as "example.org" or "localhost", or an IPv4 or IPv6
/// literal) on port. A name with both IPv6 and IPv4 addresses is connected to as RFC 8305
/// ("Happy Eyeballs") says: the addresses are tried with the families taking turns, the
/// resolver's favourite first (IPv6, where it works); an attempt that has not connected
/// within 250 ms is left running while the next starts, a failed one makes way for the next
/// at once, the first to connect wins and the others are closed. So a host whose IPv6 path
/// is broken (black-holed) is reached over IPv4 in about 250 ms instead of after a whole
/// timeout. A name of one family has its addresses tried one after the other. timeout_ms
/// bounds each attempt, from its own start; SOCKIT_FOREVER leaves it to the system (about
/// two minutes).
///
/// On success writes the connected socket to *out (blocking mode; close it with
/// sockit_close()) and returns SOCKIT_OK. Fails with the last attempt's error, typically
/// SOCKIT_ECONNREFUSED, SOCKIT_ETIMEDOUT, SOCKIT_ENETUNREACH or SOCKIT_EHOSTUNREACH, with a
/// resolver error (see sockit_resolve()), or with SOCKIT_EINVAL (NULL host or out, bad port,
/// timeout_ms of 0).
///
/// Blocks until connected, refused, or out of time.
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tcp_connect(
    host: *const c_char,
    port: c_int,
    timeout_ms: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, out) = unsafe { (boundary::text(host)?, Out::new(out)?) };
        let socket = tcp::connect(host, boundary::port(port)?, boundary::timeout(timeout_ms)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Connects to one address; otherwise as sockit_tcp_connect().
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tcp_connect_addr(
    addr: *const sockit_addr,
    timeout_ms: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (addr, out) = unsafe { (read_addr(addr)?, Out::new(out)?) };
        let socket = tcp::connect_addr(addr, boundary::timeout(timeout_ms)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Creates an unconnected TCP socket, to connect with sockit_connect() once it is set up (for
/// instance non-blocking, with sockit_set_nonblocking()). family is SOCKIT_IPV4, SOCKIT_IPV6,
/// or SOCKIT_ANY for a socket that can connect to both (an IPv6 dual-stack socket where the
/// system has one).
///
/// On success writes the socket to *out (blocking mode; close it with sockit_close()) and
/// returns SOCKIT_OK. Fails with SOCKIT_EAFNOSUPPORT, SOCKIT_EMFILE, or SOCKIT_EINVAL (bad
/// family, NULL out). Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tcp_socket(family: c_int, out: *mut sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        let socket = tcp::socket(addr::family(family)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Connects sock to addr. On a blocking socket, waits until connected and returns SOCKIT_OK,
/// or fails with SOCKIT_ECONNREFUSED, SOCKIT_ETIMEDOUT, SOCKIT_ENETUNREACH,
/// SOCKIT_EHOSTUNREACH... On a non-blocking socket, starts connecting and fails at once with
/// SOCKIT_EINPROGRESS (on every platform): wait until sockit_poll() reports the socket
/// writable, then call sockit_connect_finish(). (SOCKIT_OK at once is possible too.)
/// Also fails with SOCKIT_EISCONN, SOCKIT_EALREADY (a connect is already under way),
/// SOCKIT_EAFNOSUPPORT (an IPv6 address for an IPv4 socket), SOCKIT_EINVAL (NULL addr),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// On a UDP socket (from sockit_udp_socket()), connect sends nothing: it fixes the one peer
/// the socket talks to and returns at once. sockit_send() and sockit_recv() then need no
/// address, the system drops datagrams from any other address, and when nothing listens at
/// the peer's port, the next receive fails with SOCKIT_ECONNREFUSED instead of waiting for a
/// reply that cannot come (this is how sockit_echo_udp_exchange() on a connected socket
/// reports a stopped server at once). Connect again to change the peer.
///
/// Blocks until connected or refused, unless the socket is non-blocking (never for UDP).
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_connect(sock: sockit_socket, addr: *const sockit_addr) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, addr) = unsafe { (borrow(sock)?, read_addr(addr)?) };
        tcp::connect_socket(&sock, addr)
    })
}

/// Tells how a non-blocking connect (SOCKIT_EINPROGRESS from sockit_connect()) went, once
/// sockit_poll() reports the socket writable: SOCKIT_OK when connected; SOCKIT_EINPROGRESS
/// while still connecting; else why it failed (SOCKIT_ECONNREFUSED, SOCKIT_ETIMEDOUT,
/// SOCKIT_EHOSTUNREACH...). The failure is reported once; after it, SOCKIT_ENOTCONN (on
/// Windows, whose socket keeps its error, later calls may repeat the failure). Also fails
/// with SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_connect_finish(sock: sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the handle is only asked about its connection.
        let sock = unsafe { borrow(sock) }?;
        tcp::finish_connect(&sock)
    })
}

/// Creates a TCP server socket listening on host and port. host NULL (or "") listens on every
/// address of the machine, IPv4 and IPv6 at once (the tutorial's INADDR_ANY, extended to
/// IPv6); a name or literal listens on its first address that can be bound, and an IPv6 one
/// on IPv6 only. port 0 lets the system choose: sockit_local_addr() tells which. backlog is
/// the length of the queue of connections not accepted yet (the tutorial's MAXPENDING), 0 for
/// the system's maximum. On Unix the address can be reused at once after a restart
/// (SO_REUSEADDR).
///
/// On success writes the listening socket to *out (blocking mode; close it with
/// sockit_close()) and returns SOCKIT_OK. Fails with SOCKIT_EADDRINUSE, SOCKIT_EACCES
/// (a privileged port), SOCKIT_EADDRNOTAVAIL (not this machine's address), a resolver error,
/// or SOCKIT_EINVAL (NULL out, bad port, negative backlog).
///
/// Blocks only while a host name is resolved.
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tcp_listen(
    host: *const c_char,
    port: c_int,
    backlog: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, out) = unsafe { (boundary::optional_text(host)?, Out::new(out)?) };
        let (port, backlog) = (boundary::port(port)?, boundary::backlog(backlog)?);
        let socket = tcp::listen(Bind::host_or_any(host, port), backlog)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Listens on exactly one address; otherwise as sockit_tcp_listen().
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_tcp_listen_addr(
    addr: *const sockit_addr,
    backlog: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (addr, out) = unsafe { (read_addr(addr)?, Out::new(out)?) };
        let socket = tcp::listen(Bind::Addr(addr), boundary::backlog(backlog)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Waits for the next connection on a listening socket and accepts it.
///
/// On success writes the new connection to *out (always in blocking mode, whatever the
/// listener's mode; close it with sockit_close()) and, if peer is not NULL, the client's
/// address to *peer (an IPv4 client of a dual-stack listener is reported as IPv4; family 0 if
/// the listener is not an IP socket), and returns SOCKIT_OK. A connection that the client
/// reset or aborted before it could be accepted is skipped, not reported.
///
/// Fails with SOCKIT_EAGAIN (a non-blocking listener with nothing pending), SOCKIT_ETIMEDOUT
/// (the listener's read timeout expired), SOCKIT_EMFILE / SOCKIT_ENFILE (out of descriptors:
/// the connection stays queued), SOCKIT_EINVAL (not listening, or out NULL),
/// SOCKIT_EOPNOTSUPP (not a TCP socket), SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// Blocks until a connection arrives (unless the listener is non-blocking).
///
/// # Safety
///
/// `out` is NULL or points to a sockit_socket; `peer` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_accept(
    listener: sockit_socket,
    out: *mut sockit_socket,
    peer: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (listener, out, peer_out) =
            unsafe { (borrow(listener)?, Out::new(out)?, Out::optional(peer)) };
        let (socket, peer) = tcp::accept(&listener)?;
        out.write(platform::into_raw(socket));
        if let Some(peer_out) = peer_out {
            peer_out.write(sockit_addr::from_peer(peer));
        }
        Ok(())
    })
}
