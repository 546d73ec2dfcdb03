//! How Unix sends without SIGPIPE, receives without blocking, and reports a socket timeout.

use std::ffi::c_int;
use std::io;

use socket2::Socket;

/// Flags for every `send`: a peer that has gone must give `EPIPE`, not kill the process.
#[cfg(not(target_vendor = "apple"))]
pub(crate) const SEND_FLAGS: c_int = libc::MSG_NOSIGNAL;
/// Apple systems have no `MSG_NOSIGNAL`; [`prepare_send`] sets `SO_NOSIGPIPE` instead.
#[cfg(target_vendor = "apple")]
pub(crate) const SEND_FLAGS: c_int = 0;

/// The longest buffer in a scatter/gather list (`struct iovec` takes any `size_t`).
pub(crate) const MAX_BUFFER_IN_VECTOR: usize = isize::MAX as usize;

/// Flags for a receive that must not block even on a blocking socket.
pub(crate) const RECV_NOW_FLAGS: c_int = libc::MSG_DONTWAIT;

/// Makes sure a send on this socket cannot raise SIGPIPE. Sockets that sockit creates have
/// the option already; sockets a C program created itself may not, so it is set every time.
pub(crate) fn prepare_send(socket: &Socket) -> io::Result<()> {
    #[cfg(target_vendor = "apple")]
    socket.set_nosigpipe(true)?;
    let _ = socket;
    Ok(())
}

/// Whether the socket is in non-blocking mode (`O_NONBLOCK`).
pub(crate) fn is_nonblocking(socket: &Socket) -> io::Result<bool> {
    socket.nonblocking()
}

/// Unix reports an expired `SO_RCVTIMEO`/`SO_SNDTIMEO` as `EAGAIN`, like a non-blocking
/// socket that is not ready; only the socket's mode tells them apart.
pub(crate) fn would_block_means_timeout(socket: &Socket) -> bool {
    socket.nonblocking().is_ok_and(|nonblocking| !nonblocking)
}
