//! One request handed to a worker (a thread or a child process), and how a worker serves it.

use std::net::SocketAddr;
use std::sync::Arc;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::net::{io, udp};
use crate::server::handler::{Conn, Handler, StreamHandler};

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

/// Serves a job with the handler; `udp` is the server's socket for datagram replies.
pub(super) fn serve(handler: &Handler, job: &Job, udp: Option<&Socket>) {
    match (handler, job) {
        (Handler::Tcp(handle), Job::Connection { socket, peer }) => handle(socket, *peer),
        (Handler::Stream(callbacks), Job::Connection { socket, peer }) => {
            serve_stream(callbacks.as_ref(), socket, *peer)
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
        // Server::set_handler matches handlers to protocols; nothing else reaches here.
        _ => {}
    }
}

/// Stream callbacks over a blocking connection: read, call, repeat until the end.
fn serve_stream(callbacks: &dyn StreamHandler, socket: &Socket, peer: Option<SocketAddr>) {
    let mut conn = BlockingConn {
        socket,
        peer,
        user_data: 0,
        open: true,
    };
    callbacks.on_open(&mut conn);
    let mut buf = [0u8; 16 * 1024];
    while conn.open {
        match io::recv(socket, &mut buf) {
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

/// A connection whose writes are sent before they return.
struct BlockingConn<'a> {
    socket: &'a Socket,
    peer: Option<SocketAddr>,
    user_data: usize,
    open: bool,
}

impl Conn for BlockingConn<'_> {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if !self.open {
            return Err(ErrorCode::ENOTCONN.into());
        }
        io::send_all(self.socket, data).map(drop).inspect_err(|_| {
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
        self.socket
    }

    fn user_data(&self) -> usize {
        self.user_data
    }

    fn set_user_data(&mut self, data: usize) {
        self.user_data = data;
    }
}
