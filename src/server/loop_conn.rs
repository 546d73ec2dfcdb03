//! A connection of the event loop: a non-blocking socket with a buffer for what the peer has
//! not taken yet, and on a TLS server its TLS layer (`tls::TlsLayer`: the loop reads and
//! writes the socket, the layer turns ciphertext into plaintext and back).

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::framing::Reader;
use crate::net::io::retry_interrupted;
use crate::net::poll::Interest;
use crate::platform;
use crate::server::handler::Conn;
use crate::tls::{Received, TlsLayer};

/// Reading from a connection pauses while this much is queued for it, so that a peer that
/// sends without reading cannot make the server buffer without limit: anything at all, as
/// the hand-written C epoll server does. A write that the socket takes whole is never
/// queued; once it takes only part, the socket is full, and each chunk read on meanwhile
/// would only be copied into the queue, grow it (an allocation and another copy), and be
/// copied again by `send` later: with a larger bound, streaming to a peer slower than the
/// server cost the server several times C epoll's CPU per byte (README, "What made sockit
/// fast"). With reading paused the queue holds what one callback wrote and the socket did
/// not take, at most a read's worth for an echo, and keeps its buffer from one time to the
/// next.
pub(super) const PAUSE_READING_AT: usize = 1;

/// A queue larger than this is given back to the allocator once it empties; up to this size
/// it keeps its buffer, so that a connection whose socket keeps filling up (a stream faster
/// than its peer reads) does not allocate each time.
const KEEP_CAPACITY: usize = 64 * 1024;

pub(super) struct LoopConn {
    pub(super) socket: Socket,
    peer: Option<SocketAddr>,
    user_data: usize,
    /// Bytes written but not yet sent, from `sent` on.
    queue: Vec<u8>,
    sent: usize,
    /// The peer finished sending.
    pub(super) ended: bool,
    /// The callbacks asked to close.
    pub(super) closing: bool,
    /// Sending or receiving failed: the connection is over.
    pub(super) broken: bool,
    pub(super) last_active: Instant,
    /// The interest registered with the poller.
    pub(super) registered: Interest,
    /// A message handler's reader ([`Conn::reader`]).
    reader: Option<Box<Reader>>,
    /// On a TLS server: the connection's TLS (boxed: a plain connection stays small).
    pub(super) tls: Option<Box<LoopTls>>,
}

/// A connection's TLS in the loop.
pub(super) struct LoopTls {
    layer: TlsLayer,
    /// Records the layer made, sent or queued at once: empty between calls.
    out: Vec<u8>,
    /// The handshake is done and on_open was called: the callbacks know the connection.
    pub(super) opened: bool,
    /// When the connection was accepted: its handshake must end within the handshake timeout.
    pub(super) accepted: Instant,
}

impl LoopTls {
    pub(super) fn new(layer: TlsLayer, accepted: Instant) -> LoopTls {
        LoopTls {
            layer,
            out: Vec::new(),
            opened: false,
            accepted,
        }
    }

    /// Whether the handshake is still going on.
    pub(super) fn is_handshaking(&self) -> bool {
        self.layer.is_handshaking()
    }
}

impl LoopConn {
    pub(super) fn new(socket: Socket, peer: Option<SocketAddr>) -> LoopConn {
        LoopConn {
            socket,
            peer,
            user_data: 0,
            queue: Vec::new(),
            sent: 0,
            ended: false,
            closing: false,
            broken: false,
            last_active: Instant::now(),
            registered: Interest::READ,
            reader: None,
            tls: None,
        }
    }

    /// Whether the callbacks know the connection: always, but on a TLS server only once the
    /// handshake is done (on_open).
    pub(super) fn is_known(&self) -> bool {
        self.tls.as_ref().is_none_or(|tls| tls.opened)
    }

    /// Runs `f` on the TLS layer with a buffer for the records it makes, then sends them
    /// (queued behind what is queued). Even when `f` fails they go: an alert that says why.
    fn through_tls<T>(
        &mut self,
        f: impl FnOnce(&mut TlsLayer, &mut Vec<u8>) -> Result<T>,
    ) -> Result<T> {
        let Some(mut tls) = self.tls.take() else {
            return Err(ErrorCode::EINVAL.into());
        };
        let result = f(&mut tls.layer, &mut tls.out);
        let sent = self.send_bytes(&tls.out);
        tls.out.clear();
        self.tls = Some(tls);
        let value = result?;
        sent?;
        Ok(value)
    }

    /// TLS: takes ciphertext the peer sent; its plaintext is appended to `plain`, and the
    /// records the layer answers with are sent. A failure breaks the connection (after the
    /// alert that tells the peer why).
    pub(super) fn tls_receive(&mut self, ciphertext: &[u8], plain: &mut Vec<u8>) -> Received {
        match self.through_tls(|layer, out| layer.receive(ciphertext, plain, out)) {
            Ok(received) => received,
            Err(_) => {
                self.broken = true;
                Received::default()
            }
        }
    }

    /// TLS: the peer's side of the TCP connection ended. Whether that is a clean end of the
    /// stream (its close_notify came first); else the connection is broken (cut short, or
    /// closed during the handshake).
    pub(super) fn tls_end_is_clean(&mut self) -> bool {
        let clean = self
            .tls
            .as_ref()
            .is_some_and(|tls| tls.layer.end_of_stream().is_ok());
        if !clean {
            self.broken = true;
        }
        clean
    }

    /// TLS: our close_notify, when the connection ends in order (nothing left queued, so it
    /// comes last); best effort, the socket closes next.
    pub(super) fn tls_close_notify(&mut self) {
        if self.is_known() && !self.broken && self.queued() == 0 {
            let _ = self.through_tls(|layer, out| layer.close_notify(out));
        }
    }

    pub(super) fn queued(&self) -> usize {
        self.queue.len() - self.sent
    }

    /// Whether the connection has nothing more to do: closed by either side (or broken) with
    /// everything written sent.
    pub(super) fn is_done(&self) -> bool {
        self.broken || ((self.ended || self.closing) && self.queued() == 0)
    }

    /// The interest it needs now.
    pub(super) fn interest(&self) -> Interest {
        Interest {
            read: !self.ended && !self.closing && self.queued() < PAUSE_READING_AT,
            write: self.queued() > 0,
        }
    }

    /// Keeps what the peer has not taken yet. Out of line: an echo of a message the peer
    /// reads in time never gets here, and each wake-up's code stays short.
    #[cold]
    fn enqueue(&mut self, rest: &[u8]) -> Result<()> {
        if rest.is_empty() {
            return Ok(());
        }
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

    /// Sends what is queued, as far as the peer takes it.
    pub(super) fn flush(&mut self) {
        while self.queued() > 0 {
            match send_now(&self.socket, &self.queue[self.sent..]) {
                Ok(Some(n)) => self.sent += n,
                Ok(None) => return,
                Err(_) => {
                    self.broken = true;
                    return;
                }
            }
        }
        self.queue.clear();
        self.sent = 0;
        if self.queue.capacity() > KEEP_CAPACITY {
            self.queue = Vec::new();
        }
    }
}

impl LoopConn {
    /// Sends `data` as it is (plaintext, or records already encrypted): what the socket takes
    /// now, the rest queued behind what is queued.
    fn send_bytes(&mut self, data: &[u8]) -> Result<()> {
        let mut rest = data;
        if self.queued() == 0 {
            match send_now(&self.socket, rest) {
                Ok(Some(n)) if n == rest.len() => return Ok(()),
                Ok(Some(n)) => rest = &rest[n..],
                Ok(None) => {}
                Err(err) => {
                    self.broken = true;
                    return Err(err);
                }
            }
        }
        self.enqueue(rest)
    }
}

impl Conn for LoopConn {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if self.broken || self.closing {
            return Err(ErrorCode::ENOTCONN.into());
        }
        if self.tls.is_some() {
            return self.through_tls(|layer, out| layer.send(data, out));
        }
        self.send_bytes(data)
    }

    fn close(&mut self) {
        self.closing = true;
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    fn socket(&self) -> &Socket {
        &self.socket
    }

    fn user_data(&self) -> usize {
        self.user_data
    }

    fn set_user_data(&mut self, data: usize) {
        self.user_data = data;
    }

    fn is_closed(&self) -> bool {
        self.closing || self.broken
    }

    fn reader(&mut self) -> &mut Option<Box<Reader>> {
        &mut self.reader
    }
}

/// One non-blocking send: `Some(bytes taken)`, or `None` when the socket's buffer is full.
#[inline]
fn send_now(socket: &Socket, data: &[u8]) -> Result<Option<usize>> {
    if data.is_empty() {
        return Ok(Some(0));
    }
    match retry_interrupted(|| socket.send_with_flags(data, platform::SEND_FLAGS)) {
        Ok(n) => Ok(Some(n)),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// One non-blocking receive: `Some(bytes)` (0 at end of stream), or `None` when there is
/// nothing to read now.
#[inline]
pub(super) fn recv_now(socket: &Socket, buf: &mut [u8]) -> Result<Option<usize>> {
    // SAFETY: the system call writes only received bytes into the buffer.
    let buf = unsafe { crate::net::io::as_uninit(buf) };
    match retry_interrupted(|| socket.recv(buf)) {
        Ok(n) => Ok(Some(n)),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err.into()),
    }
}
