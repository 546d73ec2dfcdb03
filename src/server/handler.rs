//! What serves a server's requests: a connection handler in blocking style, stream callbacks,
//! or a datagram handler; and the connection the stream callbacks write through.

use std::net::SocketAddr;
use std::sync::Arc;

use socket2::Socket;

use crate::error::Result;
use crate::framing::Reader;
use crate::tls::TlsStream;

/// Serves one TCP connection in blocking style, as the tutorial's `HandleClient` does, and
/// returns when done. The server closes the socket afterwards.
pub type TcpHandler = dyn Fn(&Socket, Option<SocketAddr>) + Send + Sync;

/// Serves one TLS connection in blocking style (a TLS server, [`super::Server::set_tls`]):
/// the framework has made the handshake and hands over the stream, which the handler gives
/// back when done with the client; the framework then sends a close_notify and closes it.
pub type TlsHandler = dyn Fn(TlsStream, Option<SocketAddr>) -> TlsStream + Send + Sync;

/// Serves one UDP datagram: the server's socket (to reply with), the message and its sender.
pub type UdpHandler = dyn Fn(&Socket, &[u8], SocketAddr) + Send + Sync;

/// Callbacks for a TCP connection's life, in every mode: in the event loop they run on the
/// loop's thread and must not block; elsewhere each connection has its own thread or process.
pub trait StreamHandler: Send + Sync {
    /// A connection was accepted.
    fn on_open(&self, _conn: &mut dyn Conn) {}
    /// Bytes arrived. Empty `data` means the peer finished sending (end of stream): what is
    /// written now is still delivered, then the connection closes.
    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]);
    /// The connection is closing (for whatever reason); it can no longer be written to.
    fn on_close(&self, _conn: &mut dyn Conn) {}
}

/// One TCP connection as the stream callbacks see it.
pub trait Conn {
    /// Sends all of `data`: queued without blocking in the event loop (sent as the peer
    /// reads, reading from it paused while much is queued), sent before returning elsewhere.
    fn write(&mut self, data: &[u8]) -> Result<()>;
    /// Closes the connection once what was written has been sent.
    fn close(&mut self);
    /// The peer's address (`None` if it is not an IP address).
    fn peer(&self) -> Option<SocketAddr>;
    /// The socket, for options; closing it is the server's job. On a TLS server its bytes
    /// are the encrypted records: reading or writing it directly breaks the stream.
    fn socket(&self) -> &Socket;
    /// The word the callbacks attached to this connection (0 at first), opaque to sockit:
    /// per-connection state of the handler's own (the C API keeps its context pointer here).
    fn user_data(&self) -> usize;
    /// Attaches a word of the handler's own to this connection.
    fn set_user_data(&mut self, data: usize);
    /// Whether the connection was closed (by [`Conn::close`], or because it broke): nothing
    /// written now would be sent.
    fn is_closed(&self) -> bool;
    /// Where a message handler ([`Framed`](super::Framed)) keeps the connection's reader,
    /// with what it holds of the next message; `None` until it makes one.
    fn reader(&mut self) -> &mut Option<Box<Reader>>;
}

/// What serves a server's requests.
#[derive(Clone)]
pub enum Handler {
    Tcp(Arc<TcpHandler>),
    /// A blocking handler of TLS connections, after the handshake.
    Tls(Arc<TlsHandler>),
    Stream(Arc<dyn StreamHandler>),
    Udp(Arc<UdpHandler>),
    /// The library's UDP echo: each datagram goes back to its sender as it came.
    UdpEcho,
}
