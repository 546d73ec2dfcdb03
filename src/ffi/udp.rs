//! Header section: UDP datagrams.
//!
//! Datagrams keep their boundaries: each sockit_recvfrom() returns one whole datagram, as it
//! was sent. They need no framing, but may be lost, duplicated or reordered.

use std::ffi::{c_char, c_int, c_void};

use crate::ffi::addr::{self, read_addr, sockit_addr};
use crate::ffi::boundary::{
    self, Out, borrow, byte_count, call, call_status, input_bytes, output_bytes,
};
use crate::ffi::socket::sockit_socket;
use crate::net::socket::Bind;
use crate::net::udp;
use crate::platform;

/// Creates a UDP socket for a client, bound to every address of its family with a port the
/// system picks (sockit_local_addr() tells which). family is SOCKIT_IPV4, SOCKIT_IPV6, or
/// SOCKIT_ANY for a socket that can send to both (an IPv6 dual-stack socket where the system
/// has one).
///
/// The socket is bound now, not at its first send as a plain socket() is, so that threads
/// may share it from the start: on Linux, two threads making the first sends of an unbound
/// socket at once can send a datagram from port 0, which no reply can reach. Being bound, it
/// cannot be bound again: for a fixed port or address, use sockit_udp_bind(). To talk to one
/// server only, sockit_connect() it (see there).
///
/// On success writes the socket to *out (close it with sockit_close()) and returns SOCKIT_OK.
/// Fails with SOCKIT_EAFNOSUPPORT (the family is not available), SOCKIT_EMFILE, or
/// SOCKIT_EINVAL (bad family, NULL out). Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_socket(family: c_int, out: *mut sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        let socket = udp::socket(addr::family(family)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Creates a UDP socket bound to host and port, for a server. host NULL (or "") binds every
/// address of the machine, IPv4 and IPv6 at once; a name or literal binds its first address
/// that can be bound. port 0 lets the system choose: sockit_local_addr() tells which.
///
/// On success writes the socket to *out (close it with sockit_close()) and returns SOCKIT_OK.
/// Fails with SOCKIT_EADDRINUSE, SOCKIT_EACCES, SOCKIT_EADDRNOTAVAIL, a resolver error, or
/// SOCKIT_EINVAL (bad port, NULL out). Blocks only while a host name is resolved.
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_bind(
    host: *const c_char,
    port: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, out) = unsafe { (boundary::optional_text(host)?, Out::new(out)?) };
        let socket = udp::bind(Bind::host_or_any(host, boundary::port(port)?))?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Creates a UDP socket bound to exactly one address; otherwise as sockit_udp_bind().
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_bind_addr(
    addr: *const sockit_addr,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (addr, out) = unsafe { (read_addr(addr)?, Out::new(out)?) };
        let socket = udp::bind(Bind::Addr(addr))?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Sends len bytes of buf as one datagram to the address to. An IPv4 destination works from
/// an IPv6 dual-stack socket too.
///
/// Returns the number of bytes sent (all of them), or fails with SOCKIT_EMSGSIZE (too large
/// for one datagram: at most 65,507 bytes over IPv4), SOCKIT_EAGAIN (non-blocking and the
/// send buffer is full), SOCKIT_EAFNOSUPPORT (an IPv6 destination from an IPv4 socket),
/// SOCKIT_ENETUNREACH, SOCKIT_EINVAL (NULL buf with len > 0, NULL or bad to, or port 0, to
/// which nothing can be sent; refused before any system call), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. A datagram sent is not a datagram delivered.
///
/// Blocks only while the send buffer is full (rare for UDP).
///
/// # Safety
///
/// `buf` is NULL or readable for `len` bytes; `to` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_sendto(
    sock: sockit_socket,
    buf: *const c_void,
    len: usize,
    to: *const sockit_addr,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf, to) = unsafe { (borrow(sock)?, input_bytes(buf, len)?, read_addr(to)?) };
        udp::send_to(&sock, buf, to).map(byte_count)
    })
}

/// Receives one datagram into buf (len bytes, at least 1) and, if from is not NULL, writes
/// its sender to *from (an IPv4 sender seen through a dual-stack socket is reported as IPv4).
/// A datagram is one whole message, as it was sent: UDP needs no framing and no
/// sockit_reader (datagrams may be lost, duplicated or reordered, though).
///
/// Returns the datagram's length (0 for an empty datagram). A datagram longer than len fails
/// with SOCKIT_EMSGSIZE: buf then holds its first len bytes, the rest is discarded, and *from
/// is not written. Also fails with SOCKIT_EAGAIN (non-blocking, nothing to read),
/// SOCKIT_ETIMEDOUT (the socket's read timeout expired), SOCKIT_ECONNREFUSED /
/// SOCKIT_ECONNRESET (Windows and connected sockets report that an earlier datagram was
/// refused), SOCKIT_EINVAL (NULL buf, len 0), SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// Blocks until a datagram arrives, unless the socket is non-blocking or has a read timeout.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes; `from` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recvfrom(
    sock: sockit_socket,
    buf: *mut c_void,
    len: usize,
    from: *mut sockit_addr,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, buf, from_out) =
            unsafe { (borrow(sock)?, output_bytes(buf, len)?, Out::optional(from)) };
        let (received, from) = udp::recv_from_uninit(&sock, buf)?;
        if let Some(from_out) = from_out {
            from_out.write(sockit_addr::from_socket_addr(from));
        }
        Ok(byte_count(received))
    })
}
