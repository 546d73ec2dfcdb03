//! A TLS stream: a connected socket and its TLS session. Every call keeps the conventions of
//! sockit's socket calls: signals retried, no SIGPIPE, the socket's own timeouts
//! (`ETIMEDOUT`), and on a non-blocking socket `EAGAIN` with [`TlsStream::wants`] saying
//! whether to wait for reading or for writing.

use std::io::{self, BufRead, Read, Write};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::io::{self as net_io, continue_after};
use crate::net::poll::{Interest, wait_for};
use crate::net::tcp;
use crate::tls::{ClientConfig, Session, detail, errors};

/// How long a stream that sent a fatal alert waits for the peer to close before it does
/// ([`TlsStream::linger`]).
const LINGER: Duration = Duration::from_millis(250);

/// A socket with TLS on it. Dropping it closes the socket (without a close_notify: call
/// [`TlsStream::shutdown`] first for a clean end).
pub struct TlsStream {
    socket: Socket,
    session: Session,
    /// What the last call that would have blocked was waiting for.
    blocked_on: Interest,
}

/// The socket as rustls reads and writes it: through sockit's calls, with an optional
/// deadline (a handshake's timeout), keeping sockit's error for the caller.
struct SocketIo<'a> {
    socket: &'a Socket,
    deadline: Option<Instant>,
    error: Option<Error>,
}

impl SocketIo<'_> {
    fn run<T>(
        &mut self,
        interest: Interest,
        op: impl FnOnce(&Socket) -> Result<T>,
    ) -> io::Result<T> {
        let result = match self.deadline {
            Some(deadline) => match wait_for(self.socket, interest, Some(deadline)) {
                Ok(true) => op(self.socket),
                Ok(false) => Err(ErrorCode::ETIMEDOUT.into()),
                Err(err) => Err(err),
            },
            None => op(self.socket),
        };
        result.map_err(|err| {
            self.error = Some(err);
            match err.code() {
                ErrorCode::EAGAIN => io::ErrorKind::WouldBlock.into(),
                _ => io::Error::other(err),
            }
        })
    }
}

impl Read for SocketIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.run(Interest::READ, |socket| net_io::recv(socket, buf))
    }
}

impl Write for SocketIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.run(Interest::WRITE, |socket| net_io::send(socket, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TlsStream {
    /// Joins a session to a connected socket. Nothing is sent yet.
    pub fn new(socket: Socket, session: Session) -> TlsStream {
        TlsStream {
            socket,
            session,
            blocked_on: Interest::NONE,
        }
    }

    /// Connects to `host` on `port` (as [`tcp::connect`]: `timeout` bounds each attempt)
    /// and makes the handshake, which `timeout` bounds as well; the certificate must be
    /// valid for `host`.
    pub fn connect(
        host: &str,
        port: u16,
        config: &ClientConfig,
        timeout: Option<Duration>,
    ) -> Result<TlsStream> {
        let session = Session::client(config, host)?;
        let socket = tcp::connect(host, port, timeout)?;
        let mut stream = TlsStream::new(socket, session);
        stream.handshake_within(timeout)?;
        Ok(stream)
    }

    /// Makes the handshake within `timeout` (none: the socket's own timeouts apply).
    pub fn handshake_within(&mut self, timeout: Option<Duration>) -> Result<()> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.drive_handshake(deadline)
    }

    /// Goes on with the handshake until it is complete and its last records are sent.
    pub fn handshake(&mut self) -> Result<()> {
        self.drive_handshake(None)
    }

    fn drive_handshake(&mut self, deadline: Option<Instant>) -> Result<()> {
        loop {
            if let Err(err) = self.flush(deadline) {
                return Err(self.peer_reason(err, deadline));
            }
            if !self.session.0.is_handshaking() {
                return Ok(());
            }
            if self.read_records(deadline)? == 0 {
                return Err(detail::fail(
                    ErrorCode::EOF,
                    "the peer closed the connection during the TLS handshake",
                ));
            }
        }
    }

    /// A peer that refuses the handshake sends an alert and closes; what this side sends
    /// meanwhile makes the peer's system answer with a reset, which a send may meet before
    /// the alert is read. The alert, already received, says why: it is read and reported
    /// instead of the reset.
    fn peer_reason(&mut self, err: Error, deadline: Option<Instant>) -> Error {
        if !matches!(err.code(), ErrorCode::ECONNRESET | ErrorCode::EPIPE) {
            return err;
        }
        match self.read_records(deadline) {
            Err(reason) if reason.code() != ErrorCode::ECONNRESET => reason,
            _ => err,
        }
    }

    /// Whether the handshake is complete.
    pub fn is_handshake_done(&self) -> bool {
        !self.session.0.is_handshaking()
    }

    /// Sends what rustls has queued. `EAGAIN` on a non-blocking socket that takes no more.
    fn flush(&mut self, deadline: Option<Instant>) -> Result<()> {
        while self.session.0.wants_write() {
            let mut io = SocketIo {
                socket: &self.socket,
                deadline,
                error: None,
            };
            match self.session.0.write_tls(&mut io) {
                Ok(_) => {}
                Err(err) => return Err(self.blocked(io.error, err, Interest::WRITE)),
            }
        }
        Ok(())
    }

    /// Reads records from the socket and processes them: how many bytes came (0: the peer
    /// closed its side of the TCP connection).
    fn read_records(&mut self, deadline: Option<Instant>) -> Result<usize> {
        let mut io = SocketIo {
            socket: &self.socket,
            deadline,
            error: None,
        };
        let count = match self.session.0.read_tls(&mut io) {
            Ok(count) => count,
            Err(err) => return Err(self.blocked(io.error, err, Interest::READ)),
        };
        if let Err(err) = self.session.0.process_new_packets() {
            let error = errors::from_rustls(&err);
            if error.code() != ErrorCode::ETLSALERT {
                // The alert that tells the peer why goes out if it can.
                let _ = self.flush(deadline);
                self.linger(deadline);
            }
            return Err(error);
        }
        Ok(count)
    }

    /// After sending a fatal alert: ends sending, and reads and drops what the peer still
    /// sends until it closes, for at most [`LINGER`]. A socket closed with unread bytes
    /// answers with a reset, and a reset makes the peer's system drop what it had received
    /// but not yet read: the alert that says why (the lingering close of HTTP servers).
    fn linger(&self, deadline: Option<Instant>) {
        let _ = net_io::shutdown(&self.socket, Shutdown::Write);
        let soon = Instant::now() + LINGER;
        let until = deadline.map_or(soon, |d| d.min(soon));
        let mut sink = [0u8; 4096];
        while let Ok(true) = wait_for(&self.socket, Interest::READ, Some(until)) {
            match net_io::recv(&self.socket, &mut sink) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    fn blocked(&mut self, error: Option<Error>, err: io::Error, interest: Interest) -> Error {
        let error = error.unwrap_or_else(|| Error::from(err));
        if error.code() == ErrorCode::EAGAIN {
            self.blocked_on = interest;
        }
        error
    }

    /// Sends up to `buf.len()` bytes: how many were taken (encrypted and handed to the
    /// socket, or, on a non-blocking socket, queued in the stream when the socket had no
    /// room). What an earlier call queued goes first; an empty `buf` only sends that.
    pub fn send(&mut self, buf: &[u8]) -> Result<usize> {
        self.handshake()?;
        if buf.is_empty() {
            return Ok(0);
        }
        let taken = self.session.0.writer().write(buf).map_err(Error::from)?;
        match self.flush(None) {
            Err(err) if err.code() != ErrorCode::EAGAIN => Err(err),
            _ => Ok(taken),
        }
    }

    /// Sends all of `buf`. On a non-blocking socket `EAGAIN` comes only if nothing was
    /// taken; after that the call waits for the socket, for at most its write timeout.
    pub fn send_all(&mut self, buf: &[u8]) -> Result<usize> {
        let mut sent = 0;
        loop {
            let result = if sent < buf.len() {
                self.send(&buf[sent..]).map(|n| sent += n)
            } else {
                self.send(&[]).map(|_| ())
            };
            match result {
                Ok(()) if sent == buf.len() && !self.session.0.wants_write() => return Ok(sent),
                Ok(()) => {}
                Err(err) => continue_after(&self.socket, err, sent > 0, self.wants())?,
            }
        }
    }

    /// Receives what has arrived, up to `buf.len()` bytes (at least 1): 0 once the peer has
    /// ended the stream with a close_notify; `ETRUNCATED` if the connection ended without
    /// one.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: only received bytes are written into the buffer.
        self.recv_uninit(unsafe { net_io::as_uninit(buf) })
    }

    /// [`TlsStream::recv`] into a buffer that may be uninitialized.
    pub fn recv_uninit(&mut self, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
        if buf.is_empty() {
            return Err(ErrorCode::EINVAL.into());
        }
        if self.session.0.is_handshaking() {
            self.handshake()?;
        } else {
            // Records queued by a send go when they can; reading does not wait for them, or
            // two peers both sending more than their sockets hold would wait for ever.
            match self.flush(None) {
                Err(err) if err.code() != ErrorCode::EAGAIN => return Err(err),
                _ => {}
            }
        }
        loop {
            match self.copy_received(buf) {
                Ok(count) => return Ok(count),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(detail::fail(
                        ErrorCode::ETRUNCATED,
                        "the peer closed the connection without a TLS close_notify",
                    ));
                }
                Err(err) => return Err(err.into()),
            }
            self.read_records(None)?;
            // Answers rustls owes the peer (a key update) go now, or with the next call.
            match self.flush(None) {
                Err(err) if err.code() != ErrorCode::EAGAIN => return Err(err),
                _ => {}
            }
        }
    }

    /// Copies the plaintext that has arrived into `buf`: how much (0 at a clean end);
    /// `WouldBlock` if none has.
    fn copy_received(&mut self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        let mut copied = 0;
        let mut reader = self.session.0.reader();
        while copied < buf.len() {
            let chunk = match reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(_) if copied > 0 => break,
                Err(err) => return Err(err),
            };
            if chunk.is_empty() {
                break;
            }
            let count = chunk.len().min(buf.len() - copied);
            for (to, &from) in buf[copied..copied + count].iter_mut().zip(chunk) {
                to.write(from);
            }
            reader.consume(count);
            copied += count;
        }
        Ok(copied)
    }

    /// Receives exactly `buf.len()` bytes; `EOF` if the stream ends cleanly first. On a
    /// non-blocking socket `EAGAIN` comes only if nothing was received.
    pub fn recv_exact(&mut self, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.recv_uninit(&mut buf[got..]) {
                Ok(0) => return Err(ErrorCode::EOF.into()),
                Ok(count) => got += count,
                Err(err) => continue_after(&self.socket, err, got > 0, self.wants())?,
            }
        }
        Ok(got)
    }

    /// Ends this side of the stream: sends a close_notify (the peer reads the end of the
    /// stream) and shuts down the socket's sending. Receiving still works.
    pub fn shutdown(&mut self) -> Result<()> {
        self.session.0.send_close_notify();
        self.flush(None)?;
        match net_io::shutdown(&self.socket, Shutdown::Write) {
            Err(err) if err.code() != ErrorCode::ENOTCONN => Err(err),
            _ => Ok(()),
        }
    }

    /// What to wait for before calling again after `EAGAIN`: writing while records are
    /// queued, else what the last blocked call waited for (reading by default).
    pub fn wants(&self) -> Interest {
        if self.session.0.wants_write() {
            Interest::WRITE
        } else if self.blocked_on == Interest::NONE {
            Interest::READ
        } else {
            self.blocked_on
        }
    }

    /// The socket, for waiting on it (poll) and for its options.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// The socket back, the TLS state dropped.
    pub fn into_socket(self) -> Socket {
        self.socket
    }

    /// The session: the version, ALPN protocol and peer agreed.
    pub fn session(&self) -> &Session {
        &self.session
    }
}
