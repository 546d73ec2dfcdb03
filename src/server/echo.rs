//! The server framework's echo: every byte or datagram goes back to its sender, in every
//! mode.

use std::sync::Arc;

use crate::server::{Conn, Handler, Protocol, StreamHandler};

/// The echo handler for `protocol`. For UDP it is [`Handler::UdpEcho`], which the event loop
/// serves in batches (recvmmsg and sendmmsg where the system has them).
pub fn echo_handler(protocol: Protocol) -> Handler {
    match protocol {
        Protocol::Tcp | Protocol::UnixStream => Handler::Stream(Arc::new(EchoStream)),
        Protocol::Udp => Handler::UdpEcho,
    }
}

/// Echo as stream callbacks.
struct EchoStream;

impl StreamHandler for EchoStream {
    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        // A failed write ends the connection; there is no one to tell.
        let _ = conn.write(data);
    }
}
