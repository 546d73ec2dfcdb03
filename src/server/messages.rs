//! Serving whole messages: stream callbacks that read each connection as messages of a
//! framing (delimited or length-prefixed, the `framing` rules) and call a message handler
//! once per message. Being stream callbacks, they serve in every mode.

use std::sync::Arc;

use crate::error::Result;
use crate::framing::{Framing, Reader};
use crate::server::handler::{Conn, StreamHandler};

/// Serves one whole message of a connection; replies are written to `conn` (framed with
/// [`Framing::encode`] of `framing`, the connection's framing, to be read as messages).
pub trait MessageHandler: Send + Sync {
    /// A message arrived: `Ok`; or `EMSGSIZE` (empty `message`) for one longer than the
    /// framing's maximum, which is skipped; or `ETRUNCATED` for what arrived of a message
    /// the stream ended inside (all the bytes after the last whole message, a length prefix
    /// included; the last call: the connection then closes, once what is written now is
    /// sent).
    fn on_message(
        &self,
        conn: &mut dyn Conn,
        framing: &Framing,
        message: &[u8],
        status: Result<()>,
    );
}

/// Stream callbacks that hand a connection's messages to a [`MessageHandler`].
pub struct Framed {
    framing: Framing,
    handler: Arc<dyn MessageHandler>,
}

impl Framed {
    pub fn new(framing: Framing, handler: Arc<dyn MessageHandler>) -> Framed {
        Framed { framing, handler }
    }
}

impl StreamHandler for Framed {
    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        // The reader is taken out of the connection while its messages are handed out, so
        // that the handler has the whole connection.
        let mut reader = conn
            .reader()
            .take()
            .unwrap_or_else(|| Box::new(Reader::fed(self.framing.clone())));
        // A fed reader takes any bytes; none at all stand for the end of the stream.
        let _ = reader.push(data);
        reader.hand_out(|message, status| {
            self.handler
                .on_message(conn, &self.framing, message, status);
            !conn.is_closed()
        });
        *conn.reader() = Some(reader);
    }
}
