//! Socket options and the socket's own addresses.

use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::from_sock_addr;
use crate::net::socket::is_stream;
use crate::platform;

/// Switches non-blocking mode on or off. Refuses handles that are not sockets (the system
/// call behind it would happily change a pipe or a terminal).
pub fn set_nonblocking(socket: &Socket, on: bool) -> Result<()> {
    socket.r#type()?;
    socket.set_nonblocking(on).map_err(Error::from)
}

/// How long a receive may block before it fails with `TimedOut`; `None`: no limit.
pub fn set_read_timeout(socket: &Socket, timeout: Option<Duration>) -> Result<()> {
    socket.set_read_timeout(timeout).map_err(Error::from)
}

/// How long a send may block before it fails with `TimedOut`; `None`: no limit.
pub fn set_write_timeout(socket: &Socket, timeout: Option<Duration>) -> Result<()> {
    socket.set_write_timeout(timeout).map_err(Error::from)
}

/// `SO_REUSEADDR`; it must be set before the socket is bound to take effect.
pub fn set_reuse_address(socket: &Socket, on: bool) -> Result<()> {
    socket.set_reuse_address(on).map_err(Error::from)
}

/// `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle). On a socket
/// that is not TCP, `NotSupported` everywhere (Winsock says WSAEINVAL where Unix says
/// EOPNOTSUPP).
pub fn set_nodelay(socket: &Socket, on: bool) -> Result<()> {
    socket
        .set_tcp_nodelay(on)
        .map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// The address the socket is bound to, normalized.
pub fn local_addr(socket: &Socket) -> Result<SocketAddr> {
    from_sock_addr(&socket.local_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}

/// The address of the connected peer, normalized.
pub fn peer_addr(socket: &Socket) -> Result<SocketAddr> {
    from_sock_addr(&socket.peer_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}

/// Whether the socket is in non-blocking mode. `NotSupported` where the system cannot tell
/// (Windows keeps no readable flag).
pub fn nonblocking(socket: &Socket) -> Result<bool> {
    socket.r#type()?;
    platform::is_nonblocking(socket).map_err(Error::from)
}

/// The receive timeout; `None`: no limit.
pub fn read_timeout(socket: &Socket) -> Result<Option<Duration>> {
    socket.read_timeout().map_err(Error::from)
}

/// The send timeout; `None`: no limit.
pub fn write_timeout(socket: &Socket) -> Result<Option<Duration>> {
    socket.write_timeout().map_err(Error::from)
}

/// Whether `SO_REUSEADDR` is set.
pub fn reuse_address(socket: &Socket) -> Result<bool> {
    socket.reuse_address().map_err(Error::from)
}

/// Whether `TCP_NODELAY` is set; `NotSupported` on a socket that is not TCP, as
/// [`set_nodelay`].
pub fn nodelay(socket: &Socket) -> Result<bool> {
    socket
        .tcp_nodelay()
        .map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// Winsock says WSAEINVAL for a TCP option on a socket that is not TCP, where Unix says
/// EOPNOTSUPP (or ENOPROTOOPT): `NotSupported` everywhere.
fn not_tcp_is_unsupported(socket: &Socket, err: std::io::Error) -> Error {
    let error = Error::from(err);
    match error.os_error() {
        Some(os) if error.code() == ErrorCode::EINVAL && !is_stream(socket) => {
            Error::with_os(ErrorCode::EOPNOTSUPP, os)
        }
        _ => error,
    }
}

/// TCP keep-alive: whether idle connections are probed, and how. A `None` parameter is left
/// as the system has it when setting, and is never `None` when read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keepalive {
    /// Whether probes are sent (`SO_KEEPALIVE`).
    pub on: bool,
    /// How long a connection is idle before the first probe.
    pub idle: Option<Duration>,
    /// The time between probes.
    pub interval: Option<Duration>,
    /// Unanswered probes before the connection is dropped.
    pub count: Option<u32>,
}

/// Switches keep-alive on (with the parameters given; the others stay as they are) or off.
/// `NotSupported` for a parameter the system cannot set, or on a socket that is not TCP.
pub fn set_keepalive(socket: &Socket, keepalive: Keepalive) -> Result<()> {
    if !is_stream(socket) {
        socket.r#type()?;
        return Err(ErrorCode::EOPNOTSUPP.into());
    }
    socket.set_keepalive(keepalive.on)?;
    if keepalive.on {
        platform::set_keepalive_params(socket, keepalive.idle, keepalive.interval, keepalive.count)
            .map_err(|err| not_tcp_is_unsupported(socket, err))?;
    }
    Ok(())
}

/// Whether keep-alive is on, and the parameters it uses (or would use).
pub fn keepalive(socket: &Socket) -> Result<Keepalive> {
    if !is_stream(socket) {
        socket.r#type()?;
        return Err(ErrorCode::EOPNOTSUPP.into());
    }
    let on = socket.keepalive()?;
    let (idle, interval, count) =
        platform::keepalive_params(socket).map_err(|err| not_tcp_is_unsupported(socket, err))?;
    Ok(Keepalive {
        on,
        idle: Some(idle),
        interval: Some(interval),
        count: Some(count),
    })
}

/// Which of the socket's buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buffer {
    /// `SO_SNDBUF`.
    Send,
    /// `SO_RCVBUF`.
    Receive,
}

/// Asks for a buffer of `bytes`. The system may round or bound it (Linux doubles it, for its
/// own bookkeeping, and bounds it by `net.core.wmem_max` / `rmem_max`): read it back with
/// [`buffer_size`].
pub fn set_buffer_size(socket: &Socket, buffer: Buffer, bytes: usize) -> Result<()> {
    match buffer {
        Buffer::Send => socket.set_send_buffer_size(bytes),
        Buffer::Receive => socket.set_recv_buffer_size(bytes),
    }
    .map_err(Error::from)
}

/// The size of a buffer, as the system reports it.
pub fn buffer_size(socket: &Socket, buffer: Buffer) -> Result<usize> {
    match buffer {
        Buffer::Send => socket.send_buffer_size(),
        Buffer::Receive => socket.recv_buffer_size(),
    }
    .map_err(Error::from)
}

/// `SO_LINGER`: `Some(t)` makes a close wait up to `t` for unsent data to be delivered
/// (`Some(0)`: a close resets the connection at once, see [`close_reset`]); `None` is the
/// default, a close that returns at once and delivers in the background.
pub fn set_linger(socket: &Socket, linger: Option<Duration>) -> Result<()> {
    socket.set_linger(linger).map_err(Error::from)
}

/// The `SO_LINGER` setting; see [`set_linger`].
pub fn linger(socket: &Socket) -> Result<Option<Duration>> {
    socket.linger().map_err(Error::from)
}

/// Closes the socket abortively: unsent data is dropped and a TCP peer gets a reset (its
/// next receive fails with `ConnectionReset`) instead of the end of the stream.
pub fn close_reset(socket: Socket) -> Result<()> {
    socket.set_linger(Some(Duration::ZERO))?;
    crate::net::io::close(socket)
}

/// Whether the socket's own family is IPv6 (else IPv4). `NotSupported` for other families
/// (a Unix domain socket has no IP options).
pub(crate) fn is_ipv6(socket: &Socket) -> Result<bool> {
    match platform::ip_family(socket) {
        Some(ipv6) => Ok(ipv6),
        None => {
            // A bad handle says so; a socket of another family has no IP options.
            socket.r#type()?;
            Err(ErrorCode::EOPNOTSUPP.into())
        }
    }
}

/// Whether an IPv6 socket also carries IPv4 (dual-stack): its IPv4 options apply then too.
pub(crate) fn carries_ipv4(socket: &Socket) -> bool {
    socket.only_v6().is_ok_and(|only| !only)
}

/// Sets an IP-level option by the socket's family: `v6` on an IPv6 socket, `v4` on an IPv4
/// one, and on a dual-stack IPv6 socket `v4` as well, for its IPv4 packets (Linux applies
/// the IPv4 options there; systems that refuse them on an IPv6 socket keep their default for
/// those packets, which is why that failure is ignored).
pub(crate) fn set_by_family(
    socket: &Socket,
    v4: impl Fn(&Socket) -> std::io::Result<()>,
    v6: impl Fn(&Socket) -> std::io::Result<()>,
) -> Result<()> {
    if !is_ipv6(socket)? {
        return v4(socket).map_err(Error::from);
    }
    v6(socket)?;
    if carries_ipv4(socket) {
        let _ = v4(socket);
    }
    Ok(())
}

/// Reads an IP-level option by the socket's family, as a byte.
pub(crate) fn get_by_family(
    socket: &Socket,
    v4: impl Fn(&Socket) -> std::io::Result<u32>,
    v6: impl Fn(&Socket) -> std::io::Result<u32>,
) -> Result<u8> {
    let value = if is_ipv6(socket)? {
        v6(socket)?
    } else {
        v4(socket)?
    };
    // The options are one byte wide.
    Ok((value & 0xff) as u8)
}

/// The type-of-service byte (IPv4 `IP_TOS`) or traffic class (IPv6 `IPV6_TCLASS`) of the
/// packets sent, 0 to 255; a dual-stack socket sets both.
pub fn set_tos(socket: &Socket, tos: u8) -> Result<()> {
    set_by_family(
        socket,
        |socket| socket.set_tos_v4(tos.into()),
        |socket| platform::set_traffic_class(socket, tos),
    )
}

/// The type of service (IPv4) or traffic class (IPv6); see [`set_tos`].
pub fn tos(socket: &Socket) -> Result<u8> {
    get_by_family(socket, Socket::tos_v4, |socket| {
        platform::traffic_class(socket).map(u32::from)
    })
}

/// The time to live (IPv4 `IP_TTL`) or hop limit (IPv6 `IPV6_UNICAST_HOPS`) of unicast
/// packets, 1 to 255; a dual-stack socket sets both.
pub fn set_ttl(socket: &Socket, ttl: u8) -> Result<()> {
    if ttl == 0 {
        return Err(ErrorCode::EINVAL.into());
    }
    set_by_family(
        socket,
        |socket| socket.set_ttl_v4(ttl.into()),
        |socket| socket.set_unicast_hops_v6(ttl.into()),
    )
}

/// The unicast TTL or hop limit; see [`set_ttl`].
pub fn ttl(socket: &Socket) -> Result<u8> {
    get_by_family(socket, Socket::ttl_v4, Socket::unicast_hops_v6)
}

/// `IPV6_V6ONLY`: an IPv6 socket that carries IPv6 only (on) or IPv4 too (off). Must be set
/// before the socket is bound. `NotSupported` on an IPv4 socket.
pub fn set_only_v6(socket: &Socket, on: bool) -> Result<()> {
    if !is_ipv6(socket)? {
        return Err(ErrorCode::EOPNOTSUPP.into());
    }
    socket.set_only_v6(on).map_err(Error::from)
}

/// Whether an IPv6 socket carries IPv6 only; see [`set_only_v6`].
pub fn only_v6(socket: &Socket) -> Result<bool> {
    if !is_ipv6(socket)? {
        return Err(ErrorCode::EOPNOTSUPP.into());
    }
    socket.only_v6().map_err(Error::from)
}

/// `SO_REUSEPORT`: lets several sockets bind the same address and port (all of them must set
/// it, before their bind). `NotSupported` where the system has no such option (Windows).
pub fn set_reuse_port(socket: &Socket, on: bool) -> Result<()> {
    platform::set_reuse_port(socket, on).map_err(Error::from)
}

/// Whether `SO_REUSEPORT` is set; see [`set_reuse_port`].
pub fn reuse_port(socket: &Socket) -> Result<bool> {
    platform::reuse_port(socket).map_err(Error::from)
}

/// TCP Fast Open on a listener: how many connections may be waiting with data sent in their
/// first packet (0: off). `NotSupported` where the system has no server side of it (all but
/// Linux), or on a socket that is not TCP.
pub fn set_fast_open(socket: &Socket, queue: u32) -> Result<()> {
    platform::set_fast_open(socket, queue).map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// The TCP Fast Open queue of a listener; see [`set_fast_open`].
pub fn fast_open(socket: &Socket) -> Result<u32> {
    platform::fast_open(socket).map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// TCP Fast Open on a client socket, before its connect: the first send goes out with the
/// connection request when the server has given this client a cookie before. `NotSupported`
/// where the system cannot (all but Linux), or on a socket that is not TCP.
pub fn set_fast_open_connect(socket: &Socket, on: bool) -> Result<()> {
    platform::set_fast_open_connect(socket, on).map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// Whether a client socket uses TCP Fast Open; see [`set_fast_open_connect`].
pub fn fast_open_connect(socket: &Socket) -> Result<bool> {
    platform::fast_open_connect(socket).map_err(|err| not_tcp_is_unsupported(socket, err))
}

/// The socket's pending error (`SO_ERROR`), which reading clears: `None` if there is none.
pub fn take_error(socket: &Socket) -> Result<Option<Error>> {
    Ok(socket.take_error()?.map(Error::from))
}
