//! One request handed to a worker (a thread or a child process), and how a worker serves it:
//! with the handler, through TLS on a TLS server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::framing::Reader;
use crate::net::{io, udp};
use crate::server::handler::{Conn, Handler, StreamHandler};
use crate::tls::{ServerSessions, TlsStream};

/// A request taken by the supervisor.
pub(super) enum Job {
    /// An accepted TCP connection (blocking).
    Connection {
        socket: Arc<Socket>,
        peer: Option<SocketAddr>,
    },
    /// A received UDP datagram.
    Datagram { data: Vec<u8>, peer: SocketAddr },
}

/// What the workers serve requests with: the handler, and on a TLS server what makes each
/// connection's TLS.
#[derive(Clone)]
pub(super) struct Service {
    pub(super) handler: Handler,
    pub(super) tls: Option<TlsService>,
}

/// A TLS server's side of its connections.
#[derive(Clone)]
pub(super) struct TlsService {
    pub(super) sessions: ServerSessions,
    /// How long a client has to finish its handshake.
    pub(super) handshake_timeout: Duration,
}

impl TlsService {
    /// The server's side of the handshake on an accepted connection, within the timeout.
    fn accept(&self, socket: &Socket) -> Result<TlsStream> {
        // The stream owns a descriptor of its own; the accepted one stays with the job, where
        // the thread pool can shut the connection down once a stop's grace period is over.
        let mut stream = TlsStream::new(socket.try_clone()?, self.sessions.session()?);
        stream.handshake_within(Some(self.handshake_timeout))?;
        Ok(stream)
    }
}

impl Service {
    /// Serves a job; `udp` is the server's socket for datagram replies.
    pub(super) fn serve(&self, job: &Job, udp: Option<&Socket>) {
        if let (Some(tls), Job::Connection { socket, peer }) = (&self.tls, job) {
            return serve_tls(&self.handler, tls, socket, *peer);
        }
        match (&self.handler, job) {
            (Handler::Tcp(handle), Job::Connection { socket, peer }) => handle(socket, *peer),
            (Handler::Stream(callbacks), Job::Connection { socket, peer }) => {
                serve_stream(callbacks.as_ref(), Link::Plain(socket), *peer)
            }
            (Handler::Udp(handle), Job::Datagram { data, peer }) => {
                if let Some(socket) = udp {
                    handle(socket, data, *peer)
                }
            }
            (Handler::UdpEcho, Job::Datagram { data, peer }) => {
                if let Some(socket) = udp {
                    // A datagram that cannot be echoed is lost, as UDP may lose any.
                    let _ = udp::send_to(socket, data, *peer);
                }
            }
            // Server::set_handler matches handlers to protocols, and Server::run TLS to
            // handlers; nothing else reaches here.
            _ => {}
        }
    }
}

/// A TLS connection: the handshake, then the handler on the established stream, then a
/// close_notify. A client that fails the handshake (or does not finish it in time) is
/// dropped; nothing else is told.
fn serve_tls(handler: &Handler, tls: &TlsService, socket: &Socket, peer: Option<SocketAddr>) {
    let Ok(mut stream) = tls.accept(socket) else {
        return;
    };
    match handler {
        Handler::Tls(handle) => stream = handle(stream, peer),
        Handler::Stream(callbacks) => {
            serve_stream(callbacks.as_ref(), Link::Tls(&mut stream), peer)
        }
        _ => return,
    }
    // The clean end, if the connection still takes it (a handler may have sent it already:
    // rustls sends one at most).
    let _ = stream.shutdown();
}

/// Stream callbacks over a blocking connection: read, call, repeat until the end. Over TLS
/// the end is the peer's close_notify; a connection cut without one (`ETRUNCATED`) ends as a
/// reset does, with no end-of-stream call, since its last bytes may be missing.
fn serve_stream(callbacks: &dyn StreamHandler, link: Link<'_>, peer: Option<SocketAddr>) {
    let mut conn = BlockingConn {
        link,
        peer,
        user_data: 0,
        open: true,
        reader: None,
    };
    callbacks.on_open(&mut conn);
    let mut buf = [0u8; 16 * 1024];
    while conn.open {
        match conn.link.recv(&mut buf) {
            Ok(0) => {
                callbacks.on_data(&mut conn, &[]);
                break;
            }
            Ok(n) => callbacks.on_data(&mut conn, &buf[..n]),
            // A reset, a timeout, a shutdown by the server's stop: this connection is over.
            Err(_) => break,
        }
    }
    conn.open = false;
    callbacks.on_close(&mut conn);
}

/// How a blocking connection's bytes travel: straight on the socket, or through TLS.
enum Link<'a> {
    Plain(&'a Socket),
    Tls(&'a mut TlsStream),
}

impl Link<'_> {
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        match self {
            Link::Plain(socket) => io::recv(socket, buf),
            Link::Tls(stream) => stream.recv(buf),
        }
    }

    fn send_all(&mut self, data: &[u8]) -> Result<usize> {
        match self {
            Link::Plain(socket) => io::send_all(socket, data),
            Link::Tls(stream) => stream.send_all(data),
        }
    }

    fn socket(&self) -> &Socket {
        match self {
            Link::Plain(socket) => socket,
            Link::Tls(stream) => stream.socket(),
        }
    }
}

/// A connection whose writes are sent (encrypted, on a TLS server) before they return.
struct BlockingConn<'a> {
    link: Link<'a>,
    peer: Option<SocketAddr>,
    user_data: usize,
    open: bool,
    reader: Option<Box<Reader>>,
}

impl Conn for BlockingConn<'_> {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if !self.open {
            return Err(ErrorCode::ENOTCONN.into());
        }
        self.link.send_all(data).map(drop).inspect_err(|_| {
            // The peer is gone or stuck past its timeout: stop serving it.
            self.open = false;
        })
    }

    fn close(&mut self) {
        self.open = false;
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    fn socket(&self) -> &Socket {
        self.link.socket()
    }

    fn user_data(&self) -> usize {
        self.user_data
    }

    fn set_user_data(&mut self, data: usize) {
        self.user_data = data;
    }

    fn is_closed(&self) -> bool {
        !self.open
    }

    fn reader(&mut self) -> &mut Option<Box<Reader>> {
        &mut self.reader
    }
}
