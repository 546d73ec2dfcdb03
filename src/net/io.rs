//! Sending and receiving on connected sockets, shutdown and close.
//!
//! Every call here retries `EINTR`, sends without SIGPIPE, and reports an expired socket
//! timeout as `TimedOut`, distinct from `WouldBlock` on a non-blocking socket.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::time::Instant;

use socket2::{MaybeUninitSlice, Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::poll::Interest;
use crate::net::poll::wait_for;
use crate::platform;

/// Runs a system call until it is not interrupted by a signal.
pub(crate) fn retry_interrupted<T>(mut call: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// [`retry_interrupted`] for a call that may block on `socket` until it is ready for
/// `interest`. A socket timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO`) starts again with each retry, so
/// under a steady stream of signals it would never expire: after an interruption the retries
/// wait for readiness only until the timeout, counted from the start of the call, and then
/// fail with `ETIMEDOUT` as the expired timeout would have.
pub(crate) fn retry_interrupted_within<T>(
    socket: &Socket,
    interest: Interest,
    mut call: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let start = platform::CallStart::now();
    let mut deadline = None;
    loop {
        match call() {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                if deadline.is_none() {
                    let timeout = if interest.read {
                        socket.read_timeout()
                    } else {
                        socket.write_timeout()
                    };
                    // Kept only once read: a failed read is tried again after the next
                    // interruption, not taken for "no timeout" for the rest of the call.
                    if let Ok(timeout) = timeout {
                        deadline = Some(timeout.map(|timeout| start.deadline(timeout)));
                    }
                }
                let Some(Some(deadline)) = deadline else {
                    continue;
                };
                // (Signals interrupt calls on Unix only, so these are errno values.)
                let as_io = |code| match platform::os_error_for(code) {
                    Some(errno) => io::Error::from_raw_os_error(errno),
                    None => io::Error::other("wait failed"),
                };
                // Past the deadline the call is not made again, whatever readiness says: a
                // socket reported ready whose call still blocks (and is interrupted again)
                // would otherwise go round this loop for ever.
                if Instant::now() >= deadline {
                    return Err(as_io(ErrorCode::ETIMEDOUT));
                }
                match wait_for(socket, interest, Some(deadline)) {
                    Ok(true) => {}
                    Ok(false) => return Err(as_io(ErrorCode::ETIMEDOUT)),
                    Err(err) => return Err(as_io(err.code())),
                }
            }
            result => return result,
        }
    }
}

/// The error of a failed call on `socket`, with "would block" on a blocking socket (an
/// expired `SO_RCVTIMEO`/`SO_SNDTIMEO` on Unix) reported as `TimedOut`.
pub(crate) fn socket_error(socket: &Socket, err: io::Error) -> Error {
    let error = Error::from(err);
    match error.os_error() {
        Some(os)
            if error.code() == ErrorCode::EAGAIN && platform::would_block_means_timeout(socket) =>
        {
            Error::with_os(ErrorCode::ETIMEDOUT, os)
        }
        _ => error,
    }
}

/// A send's failure as its portable code. A datagram socket with no destination is
/// `DestinationRequired` everywhere, though Winsock reports an unbound one as WSAEINVAL.
pub(crate) fn send_error(socket: &Socket, err: io::Error) -> Error {
    let error = socket_error(socket, err);
    let no_destination = error.code() == ErrorCode::EINVAL
        && socket.r#type().is_ok_and(|ty| ty == Type::DGRAM)
        && socket.peer_addr().is_err();
    match error.os_error() {
        Some(os) if no_destination => Error::with_os(ErrorCode::EDESTADDRREQ, os),
        _ => error,
    }
}

/// One `send`: returns how many bytes the system took, which may be fewer than `buf` holds.
pub fn send(socket: &Socket, buf: &[u8]) -> Result<usize> {
    platform::prepare_send(socket).map_err(|e| send_error(socket, e))?;
    retry_interrupted_within(socket, Interest::WRITE, || {
        socket.send_with_flags(buf, platform::SEND_FLAGS)
    })
    .map_err(|e| send_error(socket, e))
}

/// Sends all of `buf`, as many `send` calls as it takes. On failure some bytes may have been
/// sent already. On a non-blocking socket see [`continue_after`].
pub fn send_all(socket: &Socket, buf: &[u8]) -> Result<usize> {
    send_all_vectored(socket, &mut [IoSlice::new(buf)])?;
    Ok(buf.len())
}

/// Buffers one system call takes at most: `IOV_MAX` is 1024 on Linux, macOS and FreeBSD (a
/// longer list fails with `EMSGSIZE`), and Windows takes as many.
pub const MAX_BUFFERS_PER_CALL: usize = 1024;

/// One `sendmsg` from several buffers, in order: how many bytes the system took, which may be
/// fewer than they hold (at most the first [`MAX_BUFFERS_PER_CALL`] buffers go).
pub fn send_vectored(socket: &Socket, bufs: &[IoSlice<'_>]) -> Result<usize> {
    platform::prepare_send(socket).map_err(|e| send_error(socket, e))?;
    let bufs = &bufs[..bufs.len().min(MAX_BUFFERS_PER_CALL)];
    retry_interrupted_within(socket, Interest::WRITE, || {
        socket.send_vectored_with_flags(bufs, platform::SEND_FLAGS)
    })
    .map_err(|e| send_error(socket, e))
}

/// Sends all of `bufs`, one after the other, with as few system calls as it takes (each
/// sends from several buffers at once). As [`send_all`] otherwise.
pub fn send_all_vectored(socket: &Socket, mut bufs: &mut [IoSlice<'_>]) -> Result<()> {
    platform::prepare_send(socket).map_err(|e| send_error(socket, e))?;
    IoSlice::advance_slices(&mut bufs, 0);
    let mut started = false;
    while !bufs.is_empty() {
        // One buffer goes out with send: sendmsg gives the system a header to read as well
        // (README, "What made sockit fast").
        let sent = retry_interrupted_within(socket, Interest::WRITE, || match bufs {
            [one] => socket.send_with_flags(one, platform::SEND_FLAGS),
            _ => socket.send_vectored_with_flags(
                &bufs[..bufs.len().min(MAX_BUFFERS_PER_CALL)],
                platform::SEND_FLAGS,
            ),
        });
        match sent.map_err(|e| send_error(socket, e)) {
            // A stream that accepts nothing for a non-empty buffer is not going to.
            Ok(0) => return Err(ErrorCode::EPIPE.into()),
            Ok(count) => {
                started = true;
                IoSlice::advance_slices(&mut bufs, count);
            }
            Err(err) => continue_after(socket, err, started, Interest::WRITE)?,
        }
    }
    Ok(())
}

/// Decides what a would-block means to a call that moves a whole length, so that its count
/// is never lost: before any byte has moved the call fails with it (try again later, nothing
/// happened); once some have, the call waits for the socket and goes on, for at most the
/// socket's own timeout in that direction. Other errors end the call.
pub(crate) fn continue_after(
    socket: &Socket,
    err: Error,
    started: bool,
    interest: Interest,
) -> Result<()> {
    if err.code() != ErrorCode::EAGAIN || !started {
        return Err(err);
    }
    let timeout = if interest.read {
        socket.read_timeout()
    } else {
        socket.write_timeout()
    };
    let deadline = timeout
        .ok()
        .flatten()
        .map(|timeout| Instant::now() + timeout);
    if wait_for(socket, interest, deadline)? {
        Ok(())
    } else {
        Err(ErrorCode::ETIMEDOUT.into())
    }
}

/// One `recv`: the bytes that are there (at least one), or 0 at the end of the stream.
/// An empty `buf` is refused: its 0 could not be told from the end of the stream.
pub fn recv(socket: &Socket, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the system call writes only received bytes into the buffer.
    recv_uninit(socket, unsafe { as_uninit(buf) })
}

/// [`recv`] into a buffer that may be uninitialized; the first `n` bytes are afterwards.
pub fn recv_uninit(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    if buf.is_empty() {
        return Err(ErrorCode::EINVAL.into());
    }
    retry_interrupted_within(socket, Interest::READ, || socket.recv(buf))
        .map_err(|e| socket_error(socket, e))
}

/// [`recv_uninit`] on a socket that may also be a connected datagram socket (the C API's
/// `sockit_recv`): a datagram longer than `buf` fails with `MessageTooLong` (its first
/// `buf.len()` bytes are in `buf`, the rest is lost) as `udp::recv_from` does, where a plain
/// `recv` would cut it short in silence. `recvmsg` tells by its flags; it is slower than
/// `recv` (README, "What made sockit fast"), so the stream-only paths keep `recv`.
pub fn recv_any_uninit(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    if buf.len() >= crate::net::udp::LONGEST_DATAGRAM {
        // No datagram can be cut short in a buffer this long: `recv` is enough.
        return recv_uninit(socket, buf);
    }
    if buf.is_empty() {
        return Err(ErrorCode::EINVAL.into());
    }
    recv_message(socket, &mut [MaybeUninitSlice::new(buf)])
}

/// One `recvmsg` into `slices`: a datagram longer than they hold is `MessageTooLong`.
fn recv_message(socket: &Socket, slices: &mut [MaybeUninitSlice<'_>]) -> Result<usize> {
    let (len, flags) =
        retry_interrupted_within(socket, Interest::READ, || socket.recv_vectored(slices))
            .map_err(|e| socket_error(socket, e))?;
    if flags.is_truncated() {
        return Err(ErrorCode::EMSGSIZE.into());
    }
    Ok(len)
}

/// One `recvmsg` into several buffers, filled in order: how many bytes arrived (at least
/// one), or 0 at the end of the stream; a datagram longer than the buffers together fails
/// with `MessageTooLong`, as [`recv_any_uninit`]. Buffers that hold nothing together are
/// refused (their 0 could not be told from the end of the stream). At most the first
/// [`MAX_BUFFERS_PER_CALL`] buffers are filled.
pub fn recv_vectored(socket: &Socket, bufs: &mut [&mut [MaybeUninit<u8>]]) -> Result<usize> {
    let mut slices = Vec::new();
    slices
        .try_reserve_exact(bufs.len().min(MAX_BUFFERS_PER_CALL))
        .map_err(|_| ErrorCode::ENOMEM)?;
    slices.extend(
        bufs.iter_mut()
            .take(MAX_BUFFERS_PER_CALL)
            .map(|buf| MaybeUninitSlice::new(buf)),
    );
    if slices.iter().all(|slice| slice.is_empty()) {
        return Err(ErrorCode::EINVAL.into());
    }
    recv_message(socket, &mut slices)
}

/// Fills all of `bufs`, in order, with as many system calls as it takes. Fails with `Eof`
/// if the stream ends first (what arrived is in the buffers); on a non-blocking socket see
/// [`continue_after`].
pub fn recv_exact_vectored(socket: &Socket, bufs: &mut [&mut [MaybeUninit<u8>]]) -> Result<usize> {
    let total = bufs.iter().map(|buf| buf.len()).sum::<usize>();
    let (mut first, mut offset, mut received) = (0, 0, 0);
    while received < total {
        // Past the buffers that are full, or empty to begin with (bytes are left, so one
        // with room comes before the end).
        while bufs[first].len() == offset {
            (first, offset) = (first + 1, 0);
        }
        // The buffers still to fill: the rest of the current one, then the others.
        let (current, others) = bufs[first..].split_first_mut().expect("bytes are left");
        let mut rest: Vec<&mut [MaybeUninit<u8>]> = Vec::new();
        rest.try_reserve_exact(others.len().min(MAX_BUFFERS_PER_CALL))
            .map_err(|_| ErrorCode::ENOMEM)?;
        rest.push(&mut current[offset..]);
        rest.extend(
            others
                .iter_mut()
                .take(MAX_BUFFERS_PER_CALL - 1)
                .map(|buf| &mut buf[..]),
        );
        match recv_vectored(socket, &mut rest) {
            Ok(0) => return Err(ErrorCode::EOF.into()),
            Ok(mut count) => {
                received += count;
                // Move past what was filled.
                while count > 0 {
                    let left = bufs[first].len() - offset;
                    if count < left {
                        offset += count;
                        break;
                    }
                    count -= left;
                    (first, offset) = (first + 1, 0);
                }
            }
            Err(err) => continue_after(socket, err, received > 0, Interest::READ)?,
        }
    }
    Ok(received)
}

/// Fills all of `buf`. Fails with `Eof` if the stream ends first (the bytes received so far
/// are in `buf`).
pub fn recv_exact(socket: &Socket, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the system calls write only received bytes into the buffer.
    recv_exact_uninit(socket, unsafe { as_uninit(buf) })
}

/// [`recv_exact`] into a buffer that may be uninitialized; all of it is on success. On a
/// non-blocking socket see [`continue_after`].
pub fn recv_exact_uninit(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    let mut received = 0;
    while received < buf.len() {
        match recv_uninit(socket, &mut buf[received..]) {
            Ok(0) => return Err(ErrorCode::EOF.into()),
            Ok(count) => received += count,
            Err(err) => continue_after(socket, err, received > 0, Interest::READ)?,
        }
    }
    Ok(received)
}

/// Receives until the peer ends the stream, into `buf`: the other half of a request sent with
/// a shutdown after it. Returns how many bytes came. Fails with `BufferTooSmall` if more than
/// `buf` holds arrive (then `buf` holds the first of them). On a non-blocking socket see
/// [`continue_after`].
pub fn recv_to_end(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    let mut received = 0;
    loop {
        let result = match buf.get_mut(received..) {
            Some(rest) if !rest.is_empty() => recv_uninit(socket, rest),
            // Full: one more byte tells whether the stream ends here.
            _ => recv(socket, &mut [0u8]),
        };
        match result {
            Ok(0) => return Ok(received),
            Ok(_) if received == buf.len() => return Err(ErrorCode::ERANGE.into()),
            Ok(count) => received += count,
            Err(err) => continue_after(socket, err, received > 0, Interest::READ)?,
        }
    }
}

/// A request and its reply over one connection, as HTTP/1.0 and many line protocols do: sends
/// all of `request`, shuts down the sending side (the peer reads the end of the request),
/// and reads the reply until the peer closes. Returns the reply's length; `BufferTooSmall`
/// (ERANGE) when the reply does not fit in `reply`.
pub fn request(socket: &Socket, request: &[u8], reply: &mut [MaybeUninit<u8>]) -> Result<usize> {
    send_all(socket, request)?;
    shutdown(socket, Shutdown::Write)?;
    recv_to_end(socket, reply)
}

/// Views initialized bytes as possibly-uninitialized ones, for the system calls that fill
/// buffers. Not public: through the view, safe code could write an uninitialized byte into
/// `buf`.
///
/// # Safety
///
/// The view must only reach code that writes initialized bytes into it (a receive, an
/// encoder), never `MaybeUninit::uninit()`.
pub(crate) unsafe fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`; the caller promises that only
    // initialized bytes are written through the view, so `buf` stays initialized.
    unsafe { std::mem::transmute::<&mut [u8], &mut [MaybeUninit<u8>]>(buf) }
}

/// Shuts down one or both directions of a connection.
pub fn shutdown(socket: &Socket, how: Shutdown) -> Result<()> {
    socket.shutdown(how).map_err(Error::from)
}

/// Closes the socket, reporting what the system says.
pub fn close(socket: Socket) -> Result<()> {
    platform::close(socket).map_err(Error::from)
}

/// One non-blocking send: `Some(bytes taken)`, or `None` when the socket's buffer is full.
#[inline]
pub(crate) fn send_now(socket: &Socket, data: &[u8]) -> Result<Option<usize>> {
    if data.is_empty() {
        return Ok(Some(0));
    }
    match retry_interrupted(|| socket.send_with_flags(data, platform::SEND_FLAGS)) {
        Ok(n) => Ok(Some(n)),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// [`send_now`] from several buffers in one system call (at most
/// [`MAX_BUFFERS_PER_CALL`] of them).
pub(crate) fn send_vectored_now(socket: &Socket, bufs: &[IoSlice<'_>]) -> Result<Option<usize>> {
    let bufs = &bufs[..bufs.len().min(MAX_BUFFERS_PER_CALL)];
    match retry_interrupted(|| socket.send_vectored_with_flags(bufs, platform::SEND_FLAGS)) {
        Ok(n) => Ok(Some(n)),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// One non-blocking receive: `Some(bytes)` (0 at end of stream), or `None` when there is
/// nothing to read now.
#[inline]
pub(crate) fn recv_now(socket: &Socket, buf: &mut [u8]) -> Result<Option<usize>> {
    match retry_interrupted(|| io::Read::read(&mut &*socket, buf)) {
        Ok(n) => Ok(Some(n)),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(err) => Err(err.into()),
    }
}
