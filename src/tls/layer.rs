//! TLS as a layer over a connection whose socket someone else reads and writes (the event
//! loop): received ciphertext in, plaintext out; plaintext in, ciphertext out into a sink the
//! caller gives (which sends it or queues it). Nothing here blocks or touches a socket.

use std::io::{self, BufRead, Write};

use crate::error::{Error, ErrorCode, Result};
use crate::tls::{Session, detail, errors};

/// What the peer's bytes brought, besides the plaintext.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The handshake finished with these bytes.
    pub handshake_done: bool,
    /// The peer ended its stream with a close_notify.
    pub closed: bool,
}

/// One connection's TLS, for a caller that does the socket I/O.
pub struct TlsLayer {
    session: Session,
    /// Plaintext written before the handshake finished: encrypted once it has.
    early: Vec<u8>,
    /// A close_notify is owed once the early bytes have gone.
    close_after_handshake: bool,
    /// The peer's close_notify arrived.
    peer_closed: bool,
    /// Ours is sent (or owed after the handshake).
    notified: bool,
}

impl TlsLayer {
    /// A layer for `session`. rustls' own buffers are left unbounded: the caller bounds what
    /// it writes (the loop's queue limit counts [`TlsLayer::pending`]).
    pub fn new(mut session: Session) -> TlsLayer {
        session.0.set_buffer_limit(None);
        TlsLayer {
            session,
            early: Vec::new(),
            close_after_handshake: false,
            peer_closed: false,
            notified: false,
        }
    }

    /// The session: the version, ALPN protocol and peer agreed.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether the handshake is still going on.
    pub fn is_handshaking(&self) -> bool {
        self.session.0.is_handshaking()
    }

    /// Plaintext written and held back until the handshake finishes.
    pub fn pending(&self) -> usize {
        self.early.len()
    }

    /// Writes the records the session owes the peer now into `out` (a client's hello at
    /// the start; handshake messages, key updates, alerts later).
    pub fn flush(&mut self, out: &mut dyn Write) -> Result<()> {
        while self.session.0.wants_write() {
            self.session.0.write_tls(out).map_err(Error::from)?;
        }
        Ok(())
    }

    /// Takes `ciphertext` the peer sent: its plaintext is appended to `plain`, the records
    /// the session answers with go to `out`. A TLS failure is its code (the detail text
    /// recorded), after the alert that tells the peer went to `out`.
    pub fn receive(
        &mut self,
        mut ciphertext: &[u8],
        plain: &mut Vec<u8>,
        out: &mut dyn Write,
    ) -> Result<Received> {
        let was_handshaking = self.is_handshaking();
        while !ciphertext.is_empty() {
            self.session
                .0
                .read_tls(&mut ciphertext)
                .map_err(Error::from)?;
            if let Err(err) = self.session.0.process_new_packets() {
                let error = errors::from_rustls(&err);
                let _ = self.flush(out);
                return Err(error);
            }
            self.take_plaintext(plain)?;
        }
        let handshake_done = was_handshaking && !self.is_handshaking();
        if handshake_done {
            self.after_handshake()?;
        }
        self.flush(out)?;
        Ok(Received {
            handshake_done,
            closed: self.peer_closed,
        })
    }

    /// Moves the plaintext rustls has decrypted into `plain`.
    fn take_plaintext(&mut self, plain: &mut Vec<u8>) -> Result<()> {
        let mut reader = self.session.0.reader();
        loop {
            match reader.fill_buf() {
                Ok([]) => {
                    self.peer_closed = true;
                    return Ok(());
                }
                Ok(chunk) => {
                    let count = chunk.len();
                    plain
                        .try_reserve(count)
                        .map_err(|_| Error::from(ErrorCode::ENOMEM))?;
                    plain.extend_from_slice(chunk);
                    reader.consume(count);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The handshake is done: what was written meanwhile is encrypted, then the close_notify
    /// asked for meanwhile.
    fn after_handshake(&mut self) -> Result<()> {
        if !self.early.is_empty() {
            let early = std::mem::take(&mut self.early);
            self.session
                .0
                .writer()
                .write_all(&early)
                .map_err(Error::from)?;
        }
        if self.close_after_handshake {
            self.session.0.send_close_notify();
        }
        Ok(())
    }

    /// The peer's side of the TCP connection ended: a clean end of the stream if a
    /// close_notify came first; else `ETRUNCATED` (someone cut the stream), or `EOF` during
    /// the handshake.
    pub fn end_of_stream(&self) -> Result<()> {
        if self.peer_closed {
            Ok(())
        } else if self.is_handshaking() {
            Err(detail::fail(
                ErrorCode::EOF,
                "the peer closed the connection during the TLS handshake",
            ))
        } else {
            Err(detail::fail(
                ErrorCode::ETRUNCATED,
                "the peer closed the connection without a TLS close_notify",
            ))
        }
    }

    /// Encrypts `plain` into `out`; during the handshake it is kept, and encrypted once the
    /// handshake is done.
    pub fn send(&mut self, plain: &[u8], out: &mut dyn Write) -> Result<()> {
        if self.is_handshaking() {
            self.early
                .try_reserve(plain.len())
                .map_err(|_| Error::from(ErrorCode::ENOMEM))?;
            self.early.extend_from_slice(plain);
            return Ok(());
        }
        self.session
            .0
            .writer()
            .write_all(plain)
            .map_err(Error::from)?;
        self.flush(out)
    }

    /// Ends our side of the stream with a close_notify into `out` (after the handshake and
    /// what was written before it, if it is still going on). Once only: again does nothing.
    pub fn close_notify(&mut self, out: &mut dyn Write) -> Result<()> {
        if std::mem::replace(&mut self.notified, true) {
            return Ok(());
        }
        if self.is_handshaking() {
            self.close_after_handshake = true;
            return Ok(());
        }
        self.session.0.send_close_notify();
        self.flush(out)
    }
}
