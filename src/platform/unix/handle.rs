//! The handle C programs hold on Unix: a file descriptor, lent to or taken over by the core.

use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, IntoRawFd, RawFd};

use socket2::Socket;

/// The handle C programs hold: a file descriptor.
pub(crate) type RawSocket = RawFd;

/// The value that is never a valid handle.
pub(crate) const INVALID_SOCKET: RawSocket = -1;

/// Lends the caller's handle to the core without taking it over: the returned socket is
/// never dropped, so it never closes the handle. `None` for values that cannot be a handle.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the borrowed socket is in use. A handle
/// that is closed already, or is not a socket, only makes the system calls on it fail.
pub(crate) unsafe fn borrow_socket(raw: RawSocket) -> Option<ManuallyDrop<Socket>> {
    // SAFETY: the socket is wrapped in ManuallyDrop and never dropped, so ownership is not
    // really taken; the caller keeps the descriptor open for as long as it is used.
    (raw >= 0).then(|| ManuallyDrop::new(unsafe { Socket::from_raw_fd(raw) }))
}

/// Takes over the caller's handle: dropping the socket closes it.
///
/// # Safety
///
/// The caller gives up `raw`: nothing else may use or close it afterwards.
pub(crate) unsafe fn own_socket(raw: RawSocket) -> Option<Socket> {
    // SAFETY: the caller hands the descriptor over, as this function's contract says.
    (raw >= 0).then(|| unsafe { Socket::from_raw_fd(raw) })
}

/// Gives the socket's handle to the caller, who must close it.
pub(crate) fn into_raw(socket: Socket) -> RawSocket {
    socket.into_raw_fd()
}

/// The socket's handle, lent to C for the duration of a call.
pub(crate) fn raw(socket: &Socket) -> RawSocket {
    use std::os::fd::AsRawFd;
    socket.as_raw_fd()
}

/// Closes the socket and reports what `close` says. `EINTR` is success: the descriptor is
/// released whatever the signal did (retrying could close a descriptor reused meanwhile).
pub(crate) fn close(socket: Socket) -> io::Result<()> {
    let fd = socket.into_raw_fd();
    // SAFETY: `fd` was owned by `socket`, which gave it up; nothing else closes it.
    if unsafe { libc::close(fd) } == 0 {
        return Ok(());
    }
    match io::Error::last_os_error() {
        err if err.kind() == io::ErrorKind::Interrupted => Ok(()),
        err => Err(err),
    }
}
