//! TCP: connecting to a host, listening, accepting.

use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{Family, from_sock_addr, normalize};
use crate::net::io::{retry_interrupted, socket_error};
use crate::net::resolve::{first_that_works, resolve};
use crate::net::socket::{Bind, bound_socket, new_socket};
use crate::platform;

/// Connects to `host` (a name or an IP literal) on `port`, trying each of its addresses in
/// the resolver's order until one answers. `timeout` bounds each attempt; without one, the
/// system's own connect timeout applies. The error is the last attempt's.
pub fn connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<Socket> {
    first_that_works(resolve(host, port, Family::Any)?, |addr| {
        connect_addr(addr, timeout)
    })
}

/// Connects to one address. The socket is returned in blocking mode. An IPv4-mapped IPv6
/// address is connected to over IPv4, which works whatever the system's IPv6 defaults.
pub fn connect_addr(addr: SocketAddr, timeout: Option<Duration>) -> Result<Socket> {
    let addr = normalize(addr);
    let socket = new_socket(addr.is_ipv6(), Type::STREAM)?;
    // The connection is made non-blocking and waited for with poll, even with no timeout of
    // our own: a blocking connect interrupted by a signal cannot simply be restarted.
    // c_int::MAX milliseconds (24 days) stands for "no limit"; the system gives up sooner.
    let limit = timeout.unwrap_or(Duration::from_millis(i32::MAX as u64));
    socket.connect_timeout(&addr.into(), limit)?;
    Ok(socket)
}

/// A listening socket where `bind` says (for port 0, ask the socket's local address which
/// port it got). `backlog` is the queue of pending connections; 0 asks for the system's
/// maximum. On Unix the address is reusable at once after a restart.
pub fn listen(bind: Bind<'_>, backlog: i32) -> Result<Socket> {
    let socket = bound_socket(Type::STREAM, bind)?;
    let backlog = if backlog == 0 { i32::MAX } else { backlog };
    socket.listen(backlog)?;
    Ok(socket)
}

/// Waits for a connection and accepts it, returning the new socket (always in blocking mode)
/// and the peer's address (`None` if it is not an IP address, as on a Unix-domain listener).
///
/// Connections that failed between the client's connect and this accept (reset, aborted,
/// network errors that Linux reports through accept) are skipped, not reported: there is
/// nothing to do about them but wait for the next one.
pub fn accept(listener: &Socket) -> Result<(Socket, Option<SocketAddr>)> {
    loop {
        let err = match retry_interrupted(|| listener.accept()) {
            Ok((socket, peer)) => {
                if platform::ACCEPT_INHERITS_NONBLOCKING {
                    socket.set_nonblocking(false)?;
                }
                return Ok((socket, from_sock_addr(&peer)));
            }
            Err(err) => socket_error(listener, err),
        };
        if !is_failed_pending_connection(&err) {
            return Err(err);
        }
    }
}

fn is_failed_pending_connection(err: &Error) -> bool {
    matches!(
        err.code(),
        ErrorCode::ConnectionAborted
            | ErrorCode::ConnectionReset
            | ErrorCode::NetworkDown
            | ErrorCode::NetworkUnreachable
            | ErrorCode::HostUnreachable
    )
}
