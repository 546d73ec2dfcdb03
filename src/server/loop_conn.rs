//! A connection of the event loop: a non-blocking socket with a buffer for what the peer has
//! not taken yet.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::io::retry_interrupted;
use crate::net::poll::Interest;
use crate::platform;
use crate::server::handler::Conn;

/// Reading from a connection pauses while this much is queued for it, so that a peer that
/// sends without reading cannot make the server buffer without limit. One read's worth:
/// reading on while the peer is slow only copies more into the queue (at 1 MiB, streaming
/// ran at half C epoll's speed; `cargo xtask bench --only stream`).
pub(super) const PAUSE_READING_AT: usize = 64 * 1024;

/// A queue larger than this is given back to the allocator once it empties.
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

impl Conn for LoopConn {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if self.broken || self.closing {
            return Err(ErrorCode::ENOTCONN.into());
        }
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
