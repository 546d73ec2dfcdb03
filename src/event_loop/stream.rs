//! A TCP connection of the loop: its socket, what the peer has not taken yet, and where it
//! stands (reading paused, ended, closing). No callbacks here: `tcp.rs` calls them.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::rc::Rc;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::event_loop::{Handle, StreamEvents};
use crate::framing::Reader;
use crate::net::io::{send_now, send_vectored_now};
use crate::net::poll::Interest;
use crate::tls::{Session, TlsLayer};

/// The queue bound of a new connection (`Loop::set_queue_limit` changes it).
pub const DEFAULT_QUEUE_LIMIT: usize = 1024 * 1024;

/// A queue larger than this is given back to the allocator once it empties.
const KEEP_CAPACITY: usize = 64 * 1024;

pub(crate) struct Stream {
    pub(crate) socket: Socket,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) events: Rc<dyn StreamEvents>,
    /// Bytes written but not yet sent, from `sent` on.
    queue: Vec<u8>,
    sent: usize,
    /// Writes are refused while this much or more is queued.
    pub(crate) limit: usize,
    /// `on_queue_full` was called; `on_drain` is owed once the queue empties.
    pub(crate) full: bool,
    /// The program paused reading.
    pub(crate) paused: bool,
    /// The peer finished sending.
    pub(crate) ended: bool,
    /// The program asked to close once the queue is sent.
    pub(crate) closing: bool,
    /// The program asked to finish sending (half-close) once the queue is sent.
    pub(crate) shutting: bool,
    /// Our sending side is shut down.
    pub(crate) shut: bool,
    /// Sending or receiving failed: the connection is over, with this error.
    pub(crate) broken: Option<Error>,
    /// The interest registered with the poller.
    pub(crate) registered: Interest,
    /// Out of the poller: the peer hung up while the connection asked for nothing (paused)
    /// and bytes are still unread. The system would report the hang-up on every wait, so the
    /// socket waits outside the poller until the program asks for something again.
    pub(crate) parked: bool,
    /// With a framing, the bytes become messages here (`None` while they are delivered).
    pub(crate) messages: Option<Box<Reader>>,
    /// The connection has a framing: its bytes go to on_message, not on_data.
    pub(crate) framed: bool,
    /// TLS on the connection: what is read is decrypted, what is written encrypted.
    pub(crate) tls: Option<Box<TlsLayer>>,
    /// on_connect is owed once the TLS handshake is done.
    pub(crate) handshaking: bool,
    /// The deadline of the TLS handshake (a timer of the loop's own).
    pub(crate) handshake_timer: Option<Handle>,
    /// Plaintext that came with the end of the handshake while on_connect paused reading.
    pub(crate) held: Vec<u8>,
    /// The peer's close_notify came behind the held plaintext: on_eof follows it.
    pub(crate) held_end: bool,
}

/// The socket's side of a TLS connection: records are sent at once or queued, as plaintext
/// is without TLS. Never refuses bytes but when the connection broke.
struct Records<'a>(&'a mut Stream);

impl std::io::Write for Records<'_> {
    fn write(&mut self, records: &[u8]) -> std::io::Result<usize> {
        self.0.write_raw(records).map_err(std::io::Error::other)?;
        Ok(records.len())
    }

    /// rustls hands over a flight of records at once: one system call sends them, so that
    /// no record of a flight waits for the peer's acknowledgement of the one before.
    fn write_vectored(&mut self, records: &[IoSlice<'_>]) -> std::io::Result<usize> {
        self.0
            .write_raw_vectored(records)
            .map_err(std::io::Error::other)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Stream {
    pub(crate) fn new(
        socket: Socket,
        peer: Option<SocketAddr>,
        events: Rc<dyn StreamEvents>,
    ) -> Stream {
        Stream {
            socket,
            peer,
            events,
            queue: Vec::new(),
            sent: 0,
            limit: DEFAULT_QUEUE_LIMIT,
            full: false,
            paused: false,
            ended: false,
            closing: false,
            shutting: false,
            shut: false,
            broken: None,
            registered: Interest::READ,
            parked: false,
            messages: None,
            framed: false,
            tls: None,
            handshaking: false,
            handshake_timer: None,
            held: Vec::new(),
            held_end: false,
        }
    }

    /// Puts TLS on the connection: the handshake starts (a client's hello is sent), with
    /// `timer` as its deadline; on_connect is owed once it is done. Nagle's algorithm is
    /// turned off.
    pub(crate) fn start_tls(&mut self, session: Session, timer: Option<Handle>) -> Result<()> {
        // An adopted socket too: the handshake's last flight (a server's session tickets) is
        // often unacknowledged when the first reply goes, and with Nagle's algorithm that
        // reply would wait for the peer's delayed acknowledgement (40 ms on Linux). Not a TCP
        // socket (Unix domain): nothing to turn off.
        let _ = self.socket.set_tcp_nodelay(true);
        self.tls = Some(Box::new(TlsLayer::new(session)));
        self.handshaking = true;
        self.handshake_timer = timer;
        self.with_tls(|tls, records| tls.flush(records))
    }

    /// Bytes written and not sent yet: in the queue, and plaintext that waits for the TLS
    /// handshake.
    #[inline]
    pub(crate) fn queued(&self) -> usize {
        self.unsent() + self.tls.as_ref().map_or(0, |tls| tls.pending())
    }

    /// Bytes in the queue, for the socket.
    #[inline]
    fn unsent(&self) -> usize {
        self.queue.len() - self.sent
    }

    /// The interest it needs now.
    #[inline]
    pub(crate) fn interest(&self) -> Interest {
        Interest {
            read: !self.ended && !self.closing && !self.paused && self.broken.is_none(),
            write: self.unsent() > 0 && self.broken.is_none(),
        }
    }

    /// Whether the connection is over: broken, closed by the program with everything sent,
    /// or finished both ways (the peer ended and our side is shut down).
    pub(crate) fn is_done(&self) -> bool {
        self.broken.is_some() || (self.unsent() == 0 && (self.closing || (self.ended && self.shut)))
    }

    /// Whether the program may write: `ENOTCONN` once closing or broken, `EPIPE` after a
    /// shutdown, `ENOBUFS` while the queue is at its bound.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.closing || self.broken.is_some() {
            return Err(ErrorCode::ENOTCONN.into());
        }
        if self.shutting {
            return Err(ErrorCode::EPIPE.into());
        }
        if self.queued() >= self.limit {
            return Err(ErrorCode::ENOBUFS.into());
        }
        Ok(())
    }

    /// Sends what it can of `data` now and queues the rest: the bytes are copied only when
    /// the socket does not take them all at once. With TLS, their records.
    #[inline]
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<()> {
        if self.tls.is_some() {
            return self.with_tls(|tls, records| tls.send(data, records));
        }
        self.write_raw(data)
    }

    /// Runs `f` on the TLS layer with the socket's side as its sink. The layer is taken out
    /// meanwhile (the sink writes to the rest of the stream).
    pub(crate) fn with_tls<T>(
        &mut self,
        f: impl FnOnce(&mut TlsLayer, &mut dyn std::io::Write) -> Result<T>,
    ) -> Result<T> {
        let Some(mut tls) = self.tls.take() else {
            return Err(ErrorCode::EINVAL.into());
        };
        let result = f(&mut tls, &mut Records(self));
        self.tls = Some(tls);
        result
    }

    /// Sends the bytes as they are (records, with TLS).
    #[inline]
    fn write_raw(&mut self, data: &[u8]) -> Result<()> {
        let mut rest = data;
        if self.unsent() == 0 {
            match send_now(&self.socket, rest) {
                Ok(Some(n)) if n == rest.len() => return Ok(()),
                Ok(Some(n)) => rest = &rest[n..],
                Ok(None) => {}
                Err(err) => {
                    self.broken = Some(err);
                    return Err(err);
                }
            }
        }
        self.enqueue(rest)
    }

    /// [`Stream::write_raw`] for several pieces: what the socket takes of them in one
    /// system call, the rest queued in order. How many bytes that is (all of them).
    fn write_raw_vectored(&mut self, pieces: &[IoSlice<'_>]) -> Result<usize> {
        let total = pieces.iter().map(|p| p.len()).sum();
        let mut sent = 0;
        if self.unsent() == 0 {
            match send_vectored_now(&self.socket, pieces) {
                Ok(Some(n)) => sent = n,
                Ok(None) => {}
                Err(err) => {
                    self.broken = Some(err);
                    return Err(err);
                }
            }
        }
        for piece in pieces {
            if sent >= piece.len() {
                sent -= piece.len();
                continue;
            }
            self.enqueue(&piece[sent..])?;
            sent = 0;
        }
        Ok(total)
    }

    /// Keeps what the peer has not taken yet. Out of line: a write the socket takes at once
    /// never gets here.
    #[cold]
    fn enqueue(&mut self, rest: &[u8]) -> Result<()> {
        if self.sent > 0 && self.sent >= self.queue.len() / 2 {
            // Move the unsent tail to the front rather than let the buffer creep.
            self.queue.drain(..self.sent);
            self.sent = 0;
        }
        self.queue
            .try_reserve(rest.len())
            .map_err(|_| Error::from(ErrorCode::ENOMEM))?;
        self.queue.extend_from_slice(rest);
        Ok(())
    }

    /// Sends what is queued, as far as the peer takes it; then, if asked, shuts down the
    /// sending side.
    pub(crate) fn flush(&mut self) {
        while self.unsent() > 0 {
            match send_now(&self.socket, &self.queue[self.sent..]) {
                Ok(Some(n)) => self.sent += n,
                Ok(None) => return,
                Err(err) => {
                    self.broken = Some(err);
                    return;
                }
            }
        }
        self.queue.clear();
        self.sent = 0;
        if self.queue.capacity() > KEEP_CAPACITY {
            self.queue = Vec::new();
        }
        // With TLS, the stream ends after the handshake (and the close_notify it owes).
        let handshaking = self.tls.as_ref().is_some_and(|tls| tls.is_handshaking());
        if self.shutting && !self.shut && !handshaking {
            self.shut = true;
            if let Err(err) = self.socket.shutdown(std::net::Shutdown::Write) {
                self.broken = Some(err.into());
            }
        }
    }

    /// Ends our side of the TLS stream with a close_notify, queued after what was written
    /// (nothing without TLS, or once sent).
    pub(crate) fn close_notify(&mut self) {
        if self.tls.is_some() && self.broken.is_none() {
            let _ = self.with_tls(|tls, records| tls.close_notify(records));
        }
    }

    /// Throws away what is queued and makes the close abortive: the peer gets a reset.
    pub(crate) fn abort(&mut self) {
        self.queue = Vec::new();
        self.sent = 0;
        let _ = self.socket.set_linger(Some(std::time::Duration::ZERO));
        self.closing = true;
    }
}
