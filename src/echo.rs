//! The tutorials' echo routines: the server's `HandleClient`, the clients' exchanges, and the
//! iterative TCP and UDP echo server loops. (The server framework's echo is
//! `server::echo_handler`.)
//!
//! They keep what the tutorial programs do for their users and drop what made them fragile:
//! one client's error ends that client only, a lost UDP reply times out instead of hanging,
//! and a reply from another address is ignored instead of taken.

use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::thread;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{EXHAUSTION_PAUSE, Error, ErrorCode, Result};
use crate::net::addr::{from_sock_addr, same_endpoint};
use crate::net::poll::wait_readable;
use crate::net::{io, tcp, udp, unanswerable};

/// Echoes everything the client sends until it closes its side, then returns. The caller
/// closes the socket.
pub fn handle_client(socket: &Socket) -> Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match io::recv(socket, &mut buf)? {
            0 => return Ok(()),
            n => io::send_all(socket, &buf[..n])?,
        };
    }
}

/// The TCP client's exchange: sends all of `message` and receives as many bytes back into
/// `reply`, which must be at least as long. Returns the number of bytes received.
pub fn tcp_exchange(
    socket: &Socket,
    message: &[u8],
    reply: &mut [MaybeUninit<u8>],
) -> Result<usize> {
    let reply = reply.get_mut(..message.len()).ok_or(ErrorCode::ERANGE)?;
    io::send_all(socket, message)?;
    io::recv_exact_uninit(socket, reply)
}

/// The UDP client's exchange: sends `message` to `server` and waits, up to `timeout` (`None`:
/// no limit), for the datagram that comes back from that address; datagrams from elsewhere
/// are read and ignored. Returns the reply's length; a reply longer than `reply` fails with
/// `MessageTooLong`. A socket connected to `server` learns that nothing listens there:
/// `ConnectionRefused`, without waiting for the timeout.
pub fn udp_exchange(
    socket: &Socket,
    server: SocketAddr,
    message: &[u8],
    reply: &mut [MaybeUninit<u8>],
    timeout: Option<Duration>,
) -> Result<usize> {
    if reply.is_empty() {
        return Err(ErrorCode::EINVAL.into());
    }
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    // A socket connected to the server sends without an address: the BSDs refuse one on a
    // connected socket (EISCONN). Connecting is what lets the system report that nothing
    // listens there (ConnectionRefused at once, instead of the timeout).
    let connected_to_server = socket
        .peer_addr()
        .ok()
        .as_ref()
        .and_then(from_sock_addr)
        .is_some_and(|peer| same_endpoint(peer, server));
    if connected_to_server {
        io::send(socket, message)?;
    } else {
        udp::send_to(socket, message, server)?;
    }
    loop {
        if !wait_readable(socket, deadline)? {
            return Err(ErrorCode::ETIMEDOUT.into());
        }
        match udp::receive_now(socket, reply) {
            Ok(datagram) if same_endpoint(datagram.from, server) => {
                return if datagram.truncated {
                    Err(ErrorCode::EMSGSIZE.into())
                } else {
                    Ok(datagram.len)
                };
            }
            Ok(_) => continue,
            // Another reader took the datagram first.
            Err(err) if err.code() == ErrorCode::EAGAIN => continue,
            // Windows reports a datagram that the server's system refused as a reset.
            Err(err) if err.code() == ErrorCode::ECONNRESET => {
                return Err(ErrorCode::ECONNREFUSED.into());
            }
            Err(err) => return Err(err),
        }
    }
}

/// The iterative TCP echo server: accepts one client at a time, tells `on_client` (which may
/// stop the server by returning `Break`; that client is then closed unserved), and echoes to
/// it until it closes. A client's failure ends that client only. Returns when `on_client`
/// stops it, or with the error that made the listener unusable.
pub fn tcp_server(
    listener: &Socket,
    mut on_client: impl FnMut(Option<SocketAddr>) -> ControlFlow<()>,
) -> Result<()> {
    loop {
        let (client, peer) = match tcp::accept(listener) {
            Ok(accepted) => accepted,
            Err(err) => {
                wait_after_failure(listener, err)?;
                continue;
            }
        };
        if on_client(peer).is_break() {
            return Ok(());
        }
        // This client's errors are this client's; the socket closes when dropped.
        let _ = handle_client(&client);
    }
}

/// The UDP echo server: receives each datagram, tells `on_client` (which may stop the server by
/// returning `Break`) and sends the datagram back to its sender. Datagrams that cannot be
/// received or echoed whole are dropped; one from port 0, which no reply can reach, is skipped
/// before `on_client` hears of it ([`unanswerable::skip`]). Returns when `on_client` stops it,
/// or with the error that made the socket unusable.
pub fn udp_server(
    socket: &Socket,
    mut on_client: impl FnMut(SocketAddr) -> ControlFlow<()>,
) -> Result<()> {
    let mut buf = vec![0u8; udp::MAX_DATAGRAM];
    loop {
        let (len, peer) = match udp::recv_from(socket, &mut buf) {
            Ok(received) => received,
            Err(err) => {
                wait_after_failure(socket, err)?;
                continue;
            }
        };
        if !unanswerable::can_reply_to(peer) {
            unanswerable::skip(peer);
            continue;
        }
        if on_client(peer).is_break() {
            return Ok(());
        }
        // A failed echo is that datagram's loss; a socket that has become unusable fails
        // the next receive, which ends the loop.
        let _ = udp::send_to(socket, &buf[..len], peer);
    }
}

/// What a server loop does after a failed accept or receive: gives up on errors that will
/// not go away, waits for readiness on a non-blocking socket, backs off when out of
/// descriptors or memory, and otherwise (a peer's error, a socket timeout) goes on at once.
fn wait_after_failure(socket: &Socket, err: Error) -> Result<()> {
    match err.code() {
        code if code.makes_socket_unusable() => Err(err),
        ErrorCode::EAGAIN => wait_readable(socket, None).map(drop),
        code if code.is_exhaustion() => {
            thread::sleep(EXHAUSTION_PAUSE);
            Ok(())
        }
        _ => Ok(()),
    }
}
