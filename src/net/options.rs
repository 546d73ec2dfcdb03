//! Socket options and the socket's own addresses.

use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::from_sock_addr;

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
    socket.set_tcp_nodelay(on).map_err(|err| {
        let error = Error::from(err);
        match error.os_error() {
            Some(os)
                if error.code() == ErrorCode::EINVAL
                    && socket.r#type().is_ok_and(|ty| ty != socket2::Type::STREAM) =>
            {
                Error::with_os(ErrorCode::EOPNOTSUPP, os)
            }
            _ => error,
        }
    })
}

/// The address the socket is bound to, normalized.
pub fn local_addr(socket: &Socket) -> Result<SocketAddr> {
    from_sock_addr(&socket.local_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}

/// The address of the connected peer, normalized.
pub fn peer_addr(socket: &Socket) -> Result<SocketAddr> {
    from_sock_addr(&socket.peer_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}
