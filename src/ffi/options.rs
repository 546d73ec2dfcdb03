//! Header section: socket options and the socket's addresses.
//!
//! Flags are ints: 0 is off, anything else on. Every function returns SOCKIT_OK or fails with
//! SOCKIT_EBADF, SOCKIT_ENOTSOCK, SOCKIT_EINVAL (a bad argument, or an option that does not
//! apply to this kind of socket) or SOCKIT_EOPNOTSUPP. None of them blocks.

use std::ffi::c_int;

use socket2::Socket;

use crate::error::Result;
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{self, Out, borrow, call_status};
use crate::ffi::socket::sockit_socket;
use crate::net::options;

/// Runs an option setter on the caller's socket.
fn set_option(sock: sockit_socket, set: impl FnOnce(&Socket) -> Result<()>) -> c_int {
    call_status(|| {
        // SAFETY: the handle is only passed to option system calls.
        let sock = unsafe { borrow(sock) }?;
        set(&sock)
    })
}

/// Switches non-blocking mode on or off. In non-blocking mode a call that would wait fails
/// with SOCKIT_EAGAIN instead. Handles that are not sockets are refused (SOCKIT_ENOTSOCK)
/// and left as they were. Returns SOCKIT_OK or an error code. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_nonblocking(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_nonblocking(sock, on != 0))
}

/// Limits how long a receive (or accept) may block: it then fails with SOCKIT_ETIMEDOUT.
/// timeout_ms is in milliseconds; SOCKIT_FOREVER removes the limit; 0 is SOCKIT_EINVAL.
/// Returns SOCKIT_OK or an error code. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_read_timeout(sock: sockit_socket, timeout_ms: c_int) -> c_int {
    set_option(sock, |sock| {
        options::set_read_timeout(sock, boundary::timeout(timeout_ms)?)
    })
}

/// Limits how long a send may block: it then fails with SOCKIT_ETIMEDOUT.
/// timeout_ms is in milliseconds; SOCKIT_FOREVER removes the limit; 0 is SOCKIT_EINVAL.
/// Returns SOCKIT_OK or an error code. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_write_timeout(sock: sockit_socket, timeout_ms: c_int) -> c_int {
    set_option(sock, |sock| {
        options::set_write_timeout(sock, boundary::timeout(timeout_ms)?)
    })
}

/// SO_REUSEADDR: lets a socket bind an address that connections of an earlier socket still
/// occupy. Takes effect at the next bind. (sockit_tcp_listen() sets it on Unix already.)
/// Returns SOCKIT_OK or an error code. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_reuseaddr(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_reuse_address(sock, on != 0))
}

/// TCP_NODELAY: sends small writes at once instead of waiting to coalesce them (Nagle's
/// algorithm). For request/response protocols with small messages. Returns SOCKIT_OK, or
/// SOCKIT_EOPNOTSUPP on a socket that is not TCP. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_nodelay(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_nodelay(sock, on != 0))
}

/// Writes the address the socket is bound to into *out: after binding port 0, its port is
/// the one the system chose. Fails with SOCKIT_EAFNOSUPPORT for a socket that is not IPv4 or
/// IPv6, SOCKIT_EINVAL for a NULL out. Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_local_addr(sock: sockit_socket, out: *mut sockit_addr) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, out) = unsafe { (borrow(sock)?, Out::new(out)?) };
        out.write(sockit_addr::from_socket_addr(options::local_addr(&sock)?));
        Ok(())
    })
}

/// Writes the address of the connected peer into *out. Fails with SOCKIT_ENOTCONN if the
/// socket is not connected, SOCKIT_EAFNOSUPPORT for a socket that is not IPv4 or IPv6,
/// SOCKIT_EINVAL for a NULL out. Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_peer_addr(sock: sockit_socket, out: *mut sockit_addr) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, out) = unsafe { (borrow(sock)?, Out::new(out)?) };
        out.write(sockit_addr::from_socket_addr(options::peer_addr(&sock)?));
        Ok(())
    })
}
