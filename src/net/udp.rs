//! UDP: datagram sockets, `sendto` and `recvfrom`.

use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::os::raw::c_int;
use std::time::Instant;

use socket2::{MaybeUninitSlice, SockAddr, Socket, Type};
use std::io::IoSlice;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{Family, from_sock_addr, normalize, to_ipv6_mapped, unspecified};
use crate::net::io::{MAX_BUFFERS_PER_CALL, as_uninit, retry_interrupted_within, socket_error};
use crate::net::poll::Interest;
use crate::net::poll::wait_for;
use crate::net::socket::{Bind, bound_socket, unbound_socket};
use crate::net::unanswerable;
use crate::platform;

/// A buffer this long holds any UDP datagram (65,507 bytes of payload over IPv4, 65,527
/// over IPv6), with room for one byte more, so that no datagram is ever cut.
pub const MAX_DATAGRAM: usize = 65_536;

/// The longest payload a UDP datagram carries: 65,535 bytes of IPv6 payload less the 8-byte
/// UDP header (IPv4's is 65,507). Only an IPv6 jumbogram is longer, which needs a link whose
/// MTU is over 64 KiB and a sender that makes one. A receive into a buffer at least this long
/// cannot be cut short, so it needs no way to tell that it was.
pub const LONGEST_DATAGRAM: usize = 65_527;

/// A UDP socket for clients, bound to its family's any-address with a port the system picks.
/// `Family::Any` makes an IPv6 socket that also reaches IPv4 addresses (an IPv4 socket where
/// the system has no dual-stack IPv6).
///
/// It is bound now rather than at its first send: when threads share a fresh socket, Linux
/// publishes the port of the first sender's automatic bind before that datagram carries it,
/// and another thread's datagram can leave in between with source port 0, which no reply can
/// reach (see [`crate::net::unanswerable`]).
pub fn socket(family: Family) -> Result<Socket> {
    let socket = unbound_socket(Type::DGRAM, family)?;
    socket.bind(&unspecified(platform::is_ipv6_socket(&socket), 0).into())?;
    Ok(socket)
}

/// A UDP socket bound where `bind` says.
pub fn bind(bind: Bind<'_>) -> Result<Socket> {
    bound_socket(Type::DGRAM, bind)
}

/// Sends one datagram to `to`. An IPv4 destination works through an IPv6 dual-stack socket,
/// and an IPv4-mapped one through an IPv4 socket. Port 0 is `InvalidArgument`, before any
/// system call: nothing can be sent there.
pub fn send_to(socket: &Socket, buf: &[u8], to: SocketAddr) -> Result<usize> {
    send_to_with(socket, to, |to| {
        socket.send_to_with_flags(buf, to, platform::SEND_FLAGS)
    })
}

/// Sends one datagram gathered from `bufs`, in order, to `to`; as [`send_to`] otherwise.
/// More than [`MAX_BUFFERS_PER_CALL`] buffers cannot go in one datagram: `MessageTooLong`.
pub fn send_to_vectored(socket: &Socket, bufs: &[IoSlice<'_>], to: SocketAddr) -> Result<usize> {
    if bufs.len() > MAX_BUFFERS_PER_CALL {
        return Err(ErrorCode::EMSGSIZE.into());
    }
    send_to_with(socket, to, |to| {
        socket.send_to_vectored_with_flags(bufs, to, platform::SEND_FLAGS)
    })
}

/// Sends a datagram to `to` with `send`, which is given the destination as the system takes
/// it: checked, normalized, and IPv4-mapped where an IPv6 socket needs that.
fn send_to_with(
    socket: &Socket,
    to: SocketAddr,
    send: impl Fn(&SockAddr) -> std::io::Result<usize>,
) -> Result<usize> {
    if !unanswerable::can_reply_to(to) {
        return Err(ErrorCode::EINVAL.into());
    }
    platform::prepare_send(socket).map_err(|e| socket_error(socket, e))?;
    let to = normalize(to);
    let send = |to: SocketAddr| {
        retry_interrupted_within(socket, Interest::WRITE, || send(&to.into()))
            .map_err(|e| socket_error(socket, e))
    };
    match send(to) {
        Err(err)
            if to.is_ipv4()
                && refuses_ipv4_destination(&err)
                && platform::is_ipv6_socket(socket) =>
        {
            send(to_ipv6_mapped(to))
        }
        result => result,
    }
}

fn refuses_ipv4_destination(err: &Error) -> bool {
    matches!(err.code(), ErrorCode::EAFNOSUPPORT | ErrorCode::EINVAL)
}

/// Receives one datagram into `buf`: its length and sender. A datagram longer than `buf`
/// fails with `MessageTooLong` (its first `buf.len()` bytes are in `buf`; the rest is lost).
pub fn recv_from(socket: &Socket, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
    // SAFETY: the system call writes only the received datagram into the buffer.
    recv_from_uninit(socket, unsafe { as_uninit(buf) })
}

/// [`recv_from`] into a buffer that may be uninitialized; the first `n` bytes are afterwards.
pub fn recv_from_uninit(
    socket: &Socket,
    buf: &mut [MaybeUninit<u8>],
) -> Result<(usize, SocketAddr)> {
    let datagram = receive(socket, buf, 0)?;
    if datagram.truncated {
        return Err(ErrorCode::EMSGSIZE.into());
    }
    Ok((datagram.len, datagram.from))
}

/// One received datagram.
pub(crate) struct Datagram {
    /// Bytes stored in the buffer.
    pub len: usize,
    /// The sender.
    pub from: SocketAddr,
    /// Whether the datagram was longer than the buffer.
    pub truncated: bool,
}

/// Receives one datagram if one is waiting, else fails with `WouldBlock`, even on a blocking
/// socket. Where the system has no flag for that (Windows), the socket is asked first, which
/// is as good as long as no other thread reads it (the callers are its only readers).
pub(crate) fn receive_now(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<Datagram> {
    if platform::RECV_NOW_FLAGS == 0 && !wait_for(socket, Interest::READ, Some(Instant::now()))? {
        return Err(ErrorCode::EAGAIN.into());
    }
    receive(socket, buf, platform::RECV_NOW_FLAGS)
}

/// [`receive_now`] into an initialized buffer (an event loop's, reused for every read).
pub(crate) fn receive_now_into(socket: &Socket, buf: &mut [u8]) -> Result<Datagram> {
    // SAFETY: the system call writes only the received datagram into the buffer.
    receive_now(socket, unsafe { as_uninit(buf) })
}

/// Receives one datagram with `flags`, reporting truncation instead of failing on it.
pub(crate) fn receive(
    socket: &Socket,
    buf: &mut [MaybeUninit<u8>],
    flags: c_int,
) -> Result<Datagram> {
    if buf.is_empty() {
        return Err(ErrorCode::EINVAL.into());
    }
    let error = |e| {
        // With MSG_DONTWAIT, EAGAIN is would-block even on a socket with a timeout.
        if flags & platform::RECV_NOW_FLAGS != 0 {
            Error::from(e)
        } else {
            socket_error(socket, e)
        }
    };
    let (len, truncated, from) = if buf.len() >= LONGEST_DATAGRAM {
        // Nothing can be cut, so nothing needs the message flags that only recvmsg returns:
        // a plain recvfrom, which costs the kernel less (no message header to copy in and
        // out, and one buffer to copy to). The tutorial's UDP server, ported, receives into
        // a 64 KiB buffer, and is measured against the tutorial's own recvfrom loop.
        let (len, from) = retry_interrupted_within(socket, Interest::READ, || {
            socket.recv_from_with_flags(buf, flags)
        })
        .map_err(error)?;
        (len, false, from)
    } else {
        let mut slices = [MaybeUninitSlice::new(buf)];
        let (len, recv_flags, from) = retry_interrupted_within(socket, Interest::READ, || {
            socket.recv_from_vectored_with_flags(&mut slices, flags)
        })
        .map_err(error)?;
        (len, recv_flags.is_truncated(), from)
    };
    // A stream socket has no sender address of its own: its peer sent the bytes.
    let from = from_sock_addr(&from)
        .or_else(|| socket.peer_addr().ok().as_ref().and_then(from_sock_addr))
        .ok_or(ErrorCode::EAFNOSUPPORT)?;
    Ok(Datagram {
        len,
        from,
        truncated,
    })
}
