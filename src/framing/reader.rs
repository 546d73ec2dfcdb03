//! Reading whole messages from a socket.

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::framing::{Decoded, Decoder, Framing};
use crate::net::io;

/// Reads messages from a stream socket, one whole message at a time, keeping the bytes that
/// belong to the next one. Works on blocking and non-blocking sockets: a would-block leaves
/// everything received so far in place, and the next call resumes.
#[derive(Debug)]
pub struct Reader {
    decoder: Decoder,
    ended: bool,
}

impl Reader {
    /// A reader with nothing received yet.
    pub fn new(framing: Framing) -> Reader {
        Reader {
            decoder: Decoder::new(framing),
            ended: false,
        }
    }

    /// The next message: from the bytes already received if they hold one, else after as
    /// many receives as it takes (each may block, on a blocking socket).
    ///
    /// Fails with `Eof` at the end of the stream between messages, `Truncated` at the end
    /// inside one, `MessageTooLong` for an oversize message (skipped: the next call goes on
    /// after it), `WouldBlock` on a non-blocking socket with no whole message yet, or the
    /// receive's own error. The end of the stream is final: later calls fail the same way.
    pub fn read(&mut self, socket: &Socket) -> Result<&[u8]> {
        self.next(Some(socket))
    }

    /// Adds bytes received elsewhere (by an event loop, say); no bytes at all stand for the
    /// end of the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            self.ended = true;
        } else {
            self.decoder.push(bytes);
        }
    }

    /// The next message from the bytes pushed so far: as [`Reader::read`], where
    /// `WouldBlock` means that more must be pushed.
    pub fn read_pushed(&mut self) -> Result<&[u8]> {
        self.next(None)
    }

    fn next(&mut self, socket: Option<&Socket>) -> Result<&[u8]> {
        loop {
            if let Decoded::Message(range) = self.decoder.decode()? {
                return Ok(self.decoder.message(range));
            }
            if self.ended {
                return Err(self.decoder.end_of_stream().into());
            }
            let socket = socket.ok_or(ErrorCode::EAGAIN)?;
            match io::recv(socket, self.decoder.spare())? {
                0 => self.ended = true,
                count => self.decoder.filled(count),
            }
        }
    }

    /// Bytes received and not yet returned: when not 0, the next [`Reader::read`] may return
    /// a message without the socket becoming readable.
    pub fn buffered(&self) -> usize {
        self.decoder.buffered()
    }
}
