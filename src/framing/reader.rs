//! Reading whole messages from a socket.

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::framing::{Decoded, Decoder, Framing};
use crate::net::io;

/// Reads messages from a stream socket, one whole message at a time, keeping the bytes that
/// belong to the next one. Works on blocking and non-blocking sockets: a would-block leaves
/// everything received so far in place, and the next call resumes. A reader may also be fed
/// bytes received elsewhere instead ([`Reader::fed`]).
#[derive(Debug)]
pub struct Reader {
    decoder: Decoder,
    ended: bool,
    /// Fed with [`Reader::push`] rather than reading a socket.
    fed: bool,
}

impl Reader {
    /// A reader of a socket, with nothing received yet.
    pub fn new(framing: Framing) -> Reader {
        Reader {
            decoder: Decoder::new(framing),
            ended: false,
            fed: false,
        }
    }

    /// A reader fed with [`Reader::push`] (by an event loop's data callback, say), which
    /// never reads a socket itself.
    pub fn fed(framing: Framing) -> Reader {
        Reader {
            fed: true,
            ..Reader::new(framing)
        }
    }

    /// The next message, whatever the reader's kind: [`Reader::read_pushed`] for a fed
    /// reader, which needs no socket, else [`Reader::read`] of `socket`. `InvalidArgument`
    /// (EINVAL) for a reader of a socket given none.
    pub fn next_message(&mut self, socket: Option<&Socket>) -> Result<&[u8]> {
        match (self.fed, socket) {
            (true, _) => self.read_pushed(),
            (false, Some(socket)) => self.read(socket),
            (false, None) => Err(ErrorCode::EINVAL.into()),
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

    /// Adds bytes received elsewhere to a fed reader; no bytes at all stand for the end of
    /// the stream. `InvalidArgument` (EINVAL) for a reader of a socket, whose bytes come from
    /// the socket only.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        if !self.fed {
            return Err(ErrorCode::EINVAL.into());
        }
        if bytes.is_empty() {
            self.ended = true;
        } else {
            self.decoder.push(bytes);
        }
        Ok(())
    }

    /// The next message from the bytes pushed so far: as [`Reader::read`], where
    /// `WouldBlock` means that more must be pushed.
    pub fn read_pushed(&mut self) -> Result<&[u8]> {
        self.next(None)
    }

    /// Hands each whole message pushed so far to `each`, as a connection read as messages
    /// does: `Ok` for a message; `MessageTooLong` (no bytes) for one longer than the
    /// maximum, which is skipped; `Truncated` with what arrived of a message the stream
    /// ended inside, the last call. Stops when `each` returns `false` (the rest stays for the
    /// next call), when more must be pushed, or at the end of the stream.
    pub fn hand_out(&mut self, mut each: impl FnMut(&[u8], Result<()>) -> bool) {
        loop {
            let more = match self.read_pushed() {
                Ok(message) => each(message, Ok(())),
                Err(err) if err.code() == ErrorCode::EMSGSIZE => each(&[], Err(err)),
                Err(err) if err.code() == ErrorCode::ETRUNCATED => {
                    each(self.pending(), Err(err));
                    return;
                }
                // EAGAIN: more must be pushed; EOF: the end, between messages.
                Err(_) => return,
            };
            if !more {
                return;
            }
        }
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

    /// The bytes received and not yet returned: after `Truncated`, what arrived of the last
    /// message.
    pub fn pending(&mut self) -> &[u8] {
        self.decoder.pending()
    }

    /// Bytes received and not yet returned: when not 0, the next [`Reader::read`] may return
    /// a message without the socket becoming readable.
    pub fn buffered(&self) -> usize {
        self.decoder.buffered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fed_reader_takes_pushed_bytes_and_a_socket_reader_refuses_them() {
        let mut fed = Reader::fed(Framing::delimited(b"\n", 16).unwrap());
        fed.push(b"one\ntw").unwrap();
        assert_eq!(fed.next_message(None).unwrap(), b"one");
        let more = fed.next_message(None).unwrap_err();
        assert_eq!(more.code(), ErrorCode::EAGAIN, "more must be pushed");
        fed.push(b"o\n").unwrap();
        fed.push(b"").unwrap();
        assert_eq!(fed.next_message(None).unwrap(), b"two");
        assert_eq!(fed.next_message(None).unwrap_err().code(), ErrorCode::EOF);

        let mut socket_reader = Reader::new(Framing::delimited(b"\n", 16).unwrap());
        assert_eq!(
            socket_reader.push(b"x").unwrap_err().code(),
            ErrorCode::EINVAL
        );
        let no_socket = socket_reader.next_message(None).unwrap_err();
        assert_eq!(no_socket.code(), ErrorCode::EINVAL);
    }
}
