//! TCP: connecting to a host, listening, accepting.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{Family, from_sock_addr, normalize, to_ipv6_mapped};
use crate::net::happy_eyeballs;
use crate::net::io::{retry_interrupted_within, socket_error};
use crate::net::poll::Interest;
use crate::net::poll::wait_for;
use crate::net::resolve::{first_that_works, resolve};
use crate::net::socket::{Bind, bound_socket, new_socket, unbound_socket};
use crate::platform;

/// Connects to `host` (a name or an IP literal) on `port`. A name with IPv6 and IPv4
/// addresses is raced as RFC 8305 says ([`happy_eyeballs`]); one with a single family has
/// each address tried in the resolver's order until one answers. `timeout` bounds each
/// attempt; without one, the system's own connect timeout applies. The error is the last
/// attempt's.
pub fn connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<Socket> {
    let addresses = resolve(host, port, Family::Any)?;
    if happy_eyeballs::has_both_families(&addresses) {
        return happy_eyeballs::connect(&addresses, timeout);
    }
    first_that_works(addresses, |addr| connect_addr(addr, timeout))
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

/// An unconnected TCP socket, in blocking mode, to connect with [`connect_socket`].
/// `Family::Any` makes an IPv6 socket that also reaches IPv4 addresses (an IPv4 socket
/// where the system has no dual-stack IPv6).
pub fn socket(family: Family) -> Result<Socket> {
    unbound_socket(Type::STREAM, family)
}

/// Connects a socket the caller made. A blocking socket waits until connected or refused; a
/// non-blocking one fails at once with `InProgress` (wait until it is writable, then ask
/// [`finish_connect`]). An IPv4 address is reached through an IPv6 dual-stack socket.
pub fn connect_socket(socket: &Socket, addr: SocketAddr) -> Result<()> {
    let mut addr = normalize(addr);
    if addr.is_ipv4() && platform::is_ipv6_socket(socket) {
        addr = to_ipv6_mapped(addr);
    }
    match socket.connect(&addr.into()) {
        Ok(()) => Ok(()),
        // The attempt goes on after a signal; a second connect would fail with EALREADY.
        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {
            wait_for(socket, Interest::WRITE, None)?;
            finish_connect(socket)
        }
        Err(err) => {
            let err = Error::from(err);
            if platform::connect_started(err.code()) {
                Err(ErrorCode::EINPROGRESS.into())
            } else {
                Err(err)
            }
        }
    }
}

/// How a connection attempt on a non-blocking socket went: `Ok` once connected,
/// `InProgress` while it goes on, else the reason it failed (reported once; after that,
/// `NotConnected`; Windows keeps the socket's error, so there it may come again). Does not
/// block.
pub fn finish_connect(socket: &Socket) -> Result<()> {
    if let Some(err) = socket.take_error()? {
        return Err(err.into());
    }
    match socket.peer_addr() {
        Ok(_) => Ok(()),
        Err(err) => {
            let err = Error::from(err);
            if err.code() != ErrorCode::ENOTCONN {
                return Err(err);
            }
            // Not connected: still trying, unless the socket reports that the attempt ended.
            let now = Some(Instant::now());
            if wait_for(socket, Interest::WRITE, now)? {
                Err(err)
            } else {
                Err(ErrorCode::EINPROGRESS.into())
            }
        }
    }
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
/// network errors that Linux reports through accept, "not connected" from a Winsock that
/// asks a reset connection for its peer) are skipped, not reported: there is nothing to do
/// about them but wait for the next one.
pub fn accept(listener: &Socket) -> Result<(Socket, Option<SocketAddr>)> {
    loop {
        let err = match retry_interrupted_within(listener, Interest::READ, || listener.accept()) {
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
        ErrorCode::ECONNABORTED
            | ErrorCode::ECONNRESET
            // Wine's accept() reads the new connection's peer address, which fails once the
            // client has reset it; a listener itself never is "not connected".
            | ErrorCode::ENOTCONN
            | ErrorCode::ENETDOWN
            | ErrorCode::ENETUNREACH
            | ErrorCode::EHOSTUNREACH
    )
}
