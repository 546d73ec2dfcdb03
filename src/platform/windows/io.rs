//! How Windows sends and receives: no SIGPIPE, no `MSG_DONTWAIT`, timeouts of their own.

use std::ffi::c_int;
use std::io;

use socket2::Socket;

/// Windows has no SIGPIPE.
pub(crate) const SEND_FLAGS: c_int = 0;

/// The longest buffer in a scatter/gather list: `WSABUF`'s length is a `u32`.
pub(crate) const MAX_BUFFER_IN_VECTOR: usize = u32::MAX as usize;

/// Windows has no `MSG_DONTWAIT`; callers wait for readiness before receiving.
pub(crate) const RECV_NOW_FLAGS: c_int = 0;

/// Nothing to prepare: sends cannot raise signals on Windows.
pub(crate) fn prepare_send(_socket: &Socket) -> io::Result<()> {
    Ok(())
}

/// Windows keeps no readable non-blocking flag: `Unsupported`.
pub(crate) fn is_nonblocking(socket: &Socket) -> io::Result<bool> {
    super::options::unsupported(socket)
}

/// Windows reports an expired socket timeout as `WSAETIMEDOUT`, never as would-block.
pub(crate) fn would_block_means_timeout(_socket: &Socket) -> bool {
    false
}
