//! What Unix systems do differently with sockets: dual-stack sockets, connecting,
//! accepting, listening again, sharing a port, and ending another thread's blocked call.

use std::io;

use socket2::Socket;

use crate::error::ErrorCode;

/// Ends the blocked receives and sends of other threads on `socket`: shutting both directions
/// down makes a blocked receive see the end of the stream and a send fail.
pub(crate) fn interrupt_blocked_calls(socket: &Socket) {
    let _ = socket.shutdown(std::net::Shutdown::Both);
}

/// Whether the socket is an IPv6 one (which reaches IPv4 addresses only as IPv4-mapped
/// ones). Unix names the family of unbound sockets too.
pub(crate) fn is_ipv6_socket(socket: &Socket) -> bool {
    socket.local_addr().is_ok_and(|addr| addr.is_ipv6())
}

/// The socket's IP family: `Some(true)` for IPv6, `Some(false)` for IPv4, `None` for other
/// families (a Unix domain socket) or a bad handle. Unix names the family of unbound
/// sockets too.
pub(crate) fn ip_family(socket: &Socket) -> Option<bool> {
    let local = socket.local_addr().ok()?;
    (local.is_ipv4() || local.is_ipv6()).then(|| local.is_ipv6())
}

/// A connect on a non-blocking socket starts with `EINPROGRESS`.
pub(crate) fn connect_started(code: ErrorCode) -> bool {
    code == ErrorCode::EINPROGRESS
}

/// BSD-derived systems (and macOS) give accepted sockets the listener's `O_NONBLOCK`;
/// Linux never does.
pub(crate) const ACCEPT_INHERITS_NONBLOCKING: bool =
    !cfg!(any(target_os = "linux", target_os = "android"));

/// A restarted server must be able to listen again at once, while connections of its previous
/// run linger in TIME_WAIT: set `SO_REUSEADDR` on listeners. (It is safe on Unix; see the
/// Windows module for why it is not set there.)
pub(crate) const LISTENER_REUSES_ADDRESS: bool = true;

/// Linux spreads the connections and datagrams for a port over the sockets that share it
/// with `SO_REUSEPORT` (by a hash of the peer's address). The BSDs and macOS accept the option
/// but give everything to one socket, so sharing a port would not spread any load there.
pub(crate) const SHARED_PORT_BALANCES: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// Lets `socket` share its port with other sockets of this user that set it too (before
/// their bind; `socket` itself may already be bound and listening).
pub(crate) fn share_port(socket: &Socket) -> io::Result<()> {
    if !SHARED_PORT_BALANCES {
        return Err(io::ErrorKind::Unsupported.into());
    }
    socket.set_reuse_port(true)
}

/// `SO_REUSEPORT`, for a C program's own use (any Unix that has it; the event loop's threads
/// use [`share_port`], which also asks that the system spread the load).
pub(crate) fn set_reuse_port(socket: &Socket, on: bool) -> io::Result<()> {
    socket.set_reuse_port(on)
}

/// Whether `SO_REUSEPORT` is set.
pub(crate) fn reuse_port(socket: &Socket) -> io::Result<bool> {
    socket.reuse_port()
}
