//! Header section: socket options and the socket's addresses.
//!
//! Flags are ints: 0 is off, anything else on. Every setter has a getter, sockit_get_...(),
//! which writes the value to its out-parameter(s) on success only; a getter reads what the
//! system reports, which may differ from what was set (buffer sizes are rounded and, on
//! Linux, doubled). Every function returns SOCKIT_OK or fails with SOCKIT_EBADF,
//! SOCKIT_ENOTSOCK, SOCKIT_EINVAL (a bad argument or a NULL out-parameter) or
//! SOCKIT_EOPNOTSUPP (an option this kind of socket or this system does not have). None of
//! them blocks but sockit_close_reset() and sockit_set_linger()'s effect on sockit_close().
//!
//! Which system does what (see the README's table for more):
//!
//! - keep-alive idle / interval / count: Linux, FreeBSD and macOS set all three; Windows 10
//!   version 1709 and later too (older Windows and Wine: SOCKIT_EOPNOTSUPP);
//! - buffer sizes: Linux doubles the size asked for (half is its bookkeeping) and bounds it
//!   by net.core.wmem_max / rmem_max; others round it;
//! - IPv6 traffic class and SO_REUSEPORT: not on Windows (SOCKIT_EOPNOTSUPP);
//! - TCP Fast Open: Linux only;
//! - reading the non-blocking mode: not on Windows, which keeps no such flag.

use std::ffi::c_int;
use std::time::Duration;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{self, Out, borrow, call_status, own};
use crate::ffi::socket::{SOCKIT_FOREVER, sockit_socket};
use crate::net::options::{self, Buffer, Keepalive};

/// Runs an option setter on the caller's socket.
pub(crate) fn set_option(sock: sockit_socket, set: impl FnOnce(&Socket) -> Result<()>) -> c_int {
    call_status(|| {
        // SAFETY: the handle is only passed to option system calls.
        let sock = unsafe { borrow(sock) }?;
        set(&sock)
    })
}

/// Runs an option getter on the caller's socket and writes what it read to *out.
///
/// # Safety
///
/// `out` is NULL or writable for one `T`.
pub(crate) unsafe fn get_option<T>(
    sock: sockit_socket,
    out: *mut T,
    get: impl FnOnce(&Socket) -> Result<T>,
) -> c_int {
    call_status(|| {
        // SAFETY: the caller's promise is passed on; the handle only goes to option calls.
        let (sock, out) = unsafe { (borrow(sock)?, Out::new(out)?) };
        out.write(get(&sock)?);
        Ok(())
    })
}

/// A flag as C reads it: 1 or 0.
fn flag(on: bool) -> c_int {
    c_int::from(on)
}

/// A timeout as C reads it: milliseconds, rounded up (a limit is never reported shorter than
/// it is), or SOCKIT_FOREVER.
fn timeout_ms(timeout: Option<Duration>) -> c_int {
    timeout.map_or(SOCKIT_FOREVER, |t| {
        c_int::try_from(t.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX)
    })
}

/// A count from C that must not be negative.
fn non_negative(value: c_int) -> Result<u32> {
    u32::try_from(value).map_err(|_| ErrorCode::EINVAL.into())
}

/// A byte value from C: 0 to 255.
fn byte(value: c_int) -> Result<u8> {
    u8::try_from(value).map_err(|_| ErrorCode::EINVAL.into())
}

/// A count from the system as C reads it.
fn as_int(value: impl TryInto<c_int>) -> c_int {
    value.try_into().unwrap_or(c_int::MAX)
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

/// Writes 1 to *on if the socket is in non-blocking mode, else 0. Fails with SOCKIT_EOPNOTSUPP
/// on Windows, which keeps no flag to read (remember what you set), SOCKIT_EINVAL for a NULL
/// on, SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_nonblocking(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::nonblocking(sock).map(flag)) }
}

/// Writes the socket's receive timeout in milliseconds to *timeout_ms, or SOCKIT_FOREVER if
/// it has none (see sockit_set_read_timeout()): what the system keeps, which Linux rounds up
/// to its clock tick (250 set may read 252). Fails with SOCKIT_EINVAL
/// for a NULL timeout_ms, SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `timeout_ms` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_read_timeout(
    sock: sockit_socket,
    timeout_ms: *mut c_int,
) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, timeout_ms, |sock| {
            options::read_timeout(sock).map(self::timeout_ms)
        })
    }
}

/// Writes the socket's send timeout in milliseconds to *timeout_ms, or SOCKIT_FOREVER if it
/// has none (see sockit_set_write_timeout()), as the system keeps it (rounded up to Linux's
/// clock tick). Fails with SOCKIT_EINVAL
/// for a NULL timeout_ms, SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `timeout_ms` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_write_timeout(
    sock: sockit_socket,
    timeout_ms: *mut c_int,
) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, timeout_ms, |sock| {
            options::write_timeout(sock).map(self::timeout_ms)
        })
    }
}

/// Writes 1 to *on if SO_REUSEADDR is set, else 0. Fails with SOCKIT_EINVAL for a NULL on,
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_reuseaddr(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::reuse_address(sock).map(flag)) }
}

/// Writes 1 to *on if TCP_NODELAY is set, else 0. Fails with SOCKIT_EOPNOTSUPP on a socket
/// that is not TCP, SOCKIT_EINVAL for a NULL on, SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not
/// block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_nodelay(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::nodelay(sock).map(flag)) }
}

/// TCP keep-alive: with on, the system probes a connection that has been idle for idle_s
/// seconds, every interval_s seconds, and drops it (the next call fails with
/// SOCKIT_ETIMEDOUT) after count probes went unanswered; so a peer that vanished without a
/// word (a pulled cable, a crashed host) is noticed. 0 for idle_s, interval_s or count leaves
/// that one as the system has it (Linux: 7200 s, 75 s, 9). With on 0, probing stops and the
/// rest is ignored.
///
/// Linux, FreeBSD and macOS take all three; Windows 10 version 1709 and later too (older
/// Windows and Wine fail with SOCKIT_EOPNOTSUPP when a parameter is given). Returns
/// SOCKIT_OK, or fails with SOCKIT_EINVAL (a negative number, or one the system refuses: Linux
/// takes at most 32767 s and 127 probes), SOCKIT_EOPNOTSUPP (not a TCP socket), SOCKIT_EBADF
/// or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_keepalive(
    sock: sockit_socket,
    on: c_int,
    idle_s: c_int,
    interval_s: c_int,
    count: c_int,
) -> c_int {
    set_option(sock, |sock| {
        let seconds = |s: c_int| -> Result<Option<Duration>> {
            let s = non_negative(s)?;
            Ok((s > 0).then(|| Duration::from_secs(s.into())))
        };
        let count = non_negative(count)?;
        options::set_keepalive(
            sock,
            Keepalive {
                on: on != 0,
                idle: seconds(idle_s)?,
                interval: seconds(interval_s)?,
                count: (count > 0).then_some(count),
            },
        )
    })
}

/// Reads the keep-alive settings (see sockit_set_keepalive()): 1 or 0 to *on, and the idle
/// time and interval in seconds and the probe count that apply (or would, once on) to
/// *idle_s, *interval_s and *count. Fails with SOCKIT_EINVAL (a NULL pointer),
/// SOCKIT_EOPNOTSUPP (not a TCP socket, or a system that cannot tell: Windows before 10
/// version 1709, Wine), SOCKIT_EBADF or SOCKIT_ENOTSOCK; nothing is written then. Does not
/// block.
///
/// # Safety
///
/// `on`, `idle_s`, `interval_s` and `count` are NULL or point to ints.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_keepalive(
    sock: sockit_socket,
    on: *mut c_int,
    idle_s: *mut c_int,
    interval_s: *mut c_int,
    count: *mut c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, outs) = unsafe {
            (
                borrow(sock)?,
                (
                    Out::new(on)?,
                    Out::new(idle_s)?,
                    Out::new(interval_s)?,
                    Out::new(count)?,
                ),
            )
        };
        let keepalive = options::keepalive(&sock)?;
        let seconds = |d: Option<Duration>| as_int(d.unwrap_or_default().as_secs());
        outs.0.write(flag(keepalive.on));
        outs.1.write(seconds(keepalive.idle));
        outs.2.write(seconds(keepalive.interval));
        outs.3.write(as_int(keepalive.count.unwrap_or_default()));
        Ok(())
    })
}

/// Asks for a send buffer (SO_SNDBUF) of bytes bytes. The system adjusts it: Linux doubles
/// it (the other half is its bookkeeping) and bounds it by net.core.wmem_max; read what it
/// became with sockit_get_send_buffer(). Returns SOCKIT_OK, or fails with SOCKIT_EINVAL
/// (negative bytes), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_send_buffer(sock: sockit_socket, bytes: c_int) -> c_int {
    set_option(sock, |sock| {
        let bytes = non_negative(bytes)? as usize;
        options::set_buffer_size(sock, Buffer::Send, bytes)
    })
}

/// Writes the size of the send buffer in bytes to *bytes, as the system reports it (on
/// Linux, twice what was asked for). Fails with SOCKIT_EINVAL for a NULL bytes, SOCKIT_EBADF
/// or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `bytes` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_send_buffer(sock: sockit_socket, bytes: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, bytes, |sock| {
            options::buffer_size(sock, Buffer::Send).map(as_int)
        })
    }
}

/// Asks for a receive buffer (SO_RCVBUF) of bytes bytes; as sockit_set_send_buffer() (Linux
/// doubles it and bounds it by net.core.rmem_max). Set it on a listener before connections
/// arrive for them to get it. Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (negative
/// bytes), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_recv_buffer(sock: sockit_socket, bytes: c_int) -> c_int {
    set_option(sock, |sock| {
        let bytes = non_negative(bytes)? as usize;
        options::set_buffer_size(sock, Buffer::Receive, bytes)
    })
}

/// Writes the size of the receive buffer in bytes to *bytes, as the system reports it. Fails
/// with SOCKIT_EINVAL for a NULL bytes, SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `bytes` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_recv_buffer(sock: sockit_socket, bytes: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, bytes, |sock| {
            options::buffer_size(sock, Buffer::Receive).map(as_int)
        })
    }
}

/// SO_LINGER: with on, sockit_close() (and close()) on this socket blocks until the data not
/// yet sent is delivered, for at most seconds seconds, and then drops what is left; with on
/// and seconds 0 a close resets a TCP connection at once (see sockit_close_reset()). With on
/// 0 (the default) a close returns at once and delivers in the background. Returns
/// SOCKIT_OK, or fails with SOCKIT_EINVAL (seconds negative or above 65535), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_linger(sock: sockit_socket, on: c_int, seconds: c_int) -> c_int {
    set_option(sock, |sock| {
        let seconds = u16::try_from(seconds).map_err(|_| ErrorCode::EINVAL)?;
        let linger = (on != 0).then(|| Duration::from_secs(seconds.into()));
        options::set_linger(sock, linger)
    })
}

/// Reads SO_LINGER (see sockit_set_linger()): 1 or 0 to *on, and the seconds to *seconds (0
/// when off). Fails with SOCKIT_EINVAL (a NULL pointer), SOCKIT_EBADF or SOCKIT_ENOTSOCK;
/// nothing is written then. Does not block.
///
/// # Safety
///
/// `on` and `seconds` are NULL or point to ints.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_linger(
    sock: sockit_socket,
    on: *mut c_int,
    seconds: *mut c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, on, seconds) = unsafe { (borrow(sock)?, Out::new(on)?, Out::new(seconds)?) };
        let linger = options::linger(&sock)?;
        on.write(flag(linger.is_some()));
        seconds.write(as_int(linger.unwrap_or_default().as_secs()));
        Ok(())
    })
}

/// Closes a socket abortively: data not yet sent is dropped, and a TCP peer gets a reset
/// (its next receive or send fails with SOCKIT_ECONNRESET) instead of the end of the stream;
/// nothing lingers in TIME_WAIT. For refusing a client or dropping a broken one. Refuses
/// handles that are not sockets (SOCKIT_ENOTSOCK), as sockit_close() does.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EBADF (not open, or SOCKIT_INVALID_SOCKET) or
/// SOCKIT_ENOTSOCK (on Windows also for a socket already closed, as for sockit_close());
/// the handle must not be used again after SOCKIT_OK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_close_reset(sock: sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the caller gives the handle up by calling this close.
        options::close_reset(unsafe { own(sock) }?)
    })
}

/// Sets the type of service (IPv4 IP_TOS) or traffic class (IPv6 IPV6_TCLASS) byte of the
/// packets the socket sends, 0 to 255 (DSCP in the upper six bits, ECN in the lower two,
/// which TCP manages itself); a dual-stack IPv6 socket sets both. Returns SOCKIT_OK, or fails
/// with SOCKIT_EINVAL (out of range), SOCKIT_EOPNOTSUPP (not an IP socket; IPv6 on Windows),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_tos(sock: sockit_socket, tos: c_int) -> c_int {
    set_option(sock, |sock| options::set_tos(sock, byte(tos)?))
}

/// Writes the type of service (IPv4) or traffic class (IPv6) byte to *tos; see
/// sockit_set_tos(). Fails with SOCKIT_EINVAL (NULL tos), SOCKIT_EOPNOTSUPP (not an IP
/// socket; IPv6 on Windows), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `tos` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_tos(sock: sockit_socket, tos: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, tos, |sock| options::tos(sock).map(c_int::from)) }
}

/// Sets the time to live (IPv4 IP_TTL) or hop limit (IPv6 IPV6_UNICAST_HOPS) of the unicast
/// packets the socket sends, 1 to 255; a dual-stack IPv6 socket sets both. (Multicast has
/// its own: sockit_set_multicast_ttl().) Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (out
/// of range), SOCKIT_EOPNOTSUPP (not an IP socket), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not
/// block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_ttl(sock: sockit_socket, ttl: c_int) -> c_int {
    set_option(sock, |sock| options::set_ttl(sock, byte(ttl)?))
}

/// Writes the unicast TTL (IPv4) or hop limit (IPv6) to *ttl; see sockit_set_ttl(). Fails
/// with SOCKIT_EINVAL (NULL ttl), SOCKIT_EOPNOTSUPP (not an IP socket), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `ttl` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_ttl(sock: sockit_socket, ttl: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, ttl, |sock| options::ttl(sock).map(c_int::from)) }
}

/// IPV6_V6ONLY on an IPv6 socket: on, it carries IPv6 only; off, IPv4 too (addresses of
/// IPv4 peers then arrive as IPv4, see sockit_addr). Set it before the socket is bound (or
/// connected). Returns SOCKIT_OK, or fails with SOCKIT_EOPNOTSUPP (an IPv4 or non-IP socket),
/// SOCKIT_EINVAL (the socket is bound already: Linux), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does
/// not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_v6only(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_only_v6(sock, on != 0))
}

/// Writes 1 to *on if the IPv6 socket carries IPv6 only, 0 if IPv4 too. Fails with
/// SOCKIT_EOPNOTSUPP (an IPv4 or non-IP socket), SOCKIT_EINVAL (NULL on), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_v6only(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::only_v6(sock).map(flag)) }
}

/// SO_REUSEPORT: lets several sockets of the same user bind the same address and port (each
/// must set it before its bind). On Linux the system then spreads the connections or
/// datagrams over them; the BSDs and macOS give them all to one (the last bound). Returns
/// SOCKIT_OK, or fails with SOCKIT_EOPNOTSUPP (Windows, which has no such option),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_reuseport(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_reuse_port(sock, on != 0))
}

/// Writes 1 to *on if SO_REUSEPORT is set, else 0. Fails with SOCKIT_EOPNOTSUPP (Windows),
/// SOCKIT_EINVAL (NULL on), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_reuseport(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::reuse_port(sock).map(flag)) }
}

/// TCP Fast Open on a listening socket (Linux): a client that connected before may send its
/// first data with the connection request, saving a round trip; queue is how many such
/// connections may wait to be accepted (0 turns it off). Set it before sockit_tcp_listen()'s
/// socket accepts, i.e. right after the listen. The system must allow it too
/// (net.ipv4.tcp_fastopen has bit 2 set). Returns SOCKIT_OK, or fails with SOCKIT_EOPNOTSUPP
/// (not TCP, or not Linux), SOCKIT_EINVAL (negative queue), SOCKIT_EBADF or SOCKIT_ENOTSOCK.
/// Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_fastopen(sock: sockit_socket, queue: c_int) -> c_int {
    set_option(sock, |sock| {
        options::set_fast_open(sock, non_negative(queue)?)
    })
}

/// Writes the TCP Fast Open queue of a listener to *queue (0: off); see sockit_set_fastopen().
/// Fails with SOCKIT_EOPNOTSUPP (not TCP, or not Linux), SOCKIT_EINVAL (NULL queue),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `queue` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_fastopen(sock: sockit_socket, queue: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, queue, |sock| options::fast_open(sock).map(as_int)) }
}

/// TCP Fast Open on a client socket (Linux's TCP_FASTOPEN_CONNECT), set before
/// sockit_connect(): the connect then returns at once and the first send travels with the
/// connection request, where the server gave this client a cookie on an earlier connection
/// (else it falls back to the usual handshake). Returns SOCKIT_OK, or fails with
/// SOCKIT_EOPNOTSUPP (not TCP, or not Linux), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not
/// block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_fastopen_connect(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| options::set_fast_open_connect(sock, on != 0))
}

/// Writes 1 to *on if the client socket uses TCP Fast Open, else 0; see
/// sockit_set_fastopen_connect(). Fails with SOCKIT_EOPNOTSUPP (not TCP, or not Linux),
/// SOCKIT_EINVAL (NULL on), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_fastopen_connect(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| options::fast_open_connect(sock).map(flag)) }
}

/// Reads and clears the socket's pending error (SO_ERROR), as a sockit code: writes
/// SOCKIT_OK to *error if there is none, else the code of the error the system is holding
/// for the socket (a non-blocking connect that failed, an ICMP error on a UDP socket).
/// Windows keeps a failed connect's error after it is read. The
/// call itself returns SOCKIT_OK, or fails with SOCKIT_EINVAL (NULL error), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `error` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_error(sock: sockit_socket, error: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, error, |sock| {
            Ok(options::take_error(sock)?.map_or(0, |err| err.code().value()))
        })
    }
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
