//! The handle C programs hold on Windows: a Winsock `SOCKET`, lent to or taken over by the
//! core.

use std::io;
use std::mem::ManuallyDrop;
use std::os::windows::io::{FromRawSocket, IntoRawSocket};

use socket2::Socket;
use windows_sys::Win32::Networking::WinSock as ws;

use super::error::last_os_error;

/// The handle C programs hold: a Winsock `SOCKET`.
pub(crate) type RawSocket = usize;

/// The value that is never a valid handle (`INVALID_SOCKET`).
pub(crate) const INVALID_SOCKET: RawSocket = usize::MAX;

/// Lends the caller's handle to the core without taking it over: the returned socket is
/// never dropped, so it never closes the handle. `None` for `INVALID_SOCKET`.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the borrowed socket is in use. A handle
/// that is closed already, or is not a socket, only makes the Winsock calls on it fail.
pub(crate) unsafe fn borrow_socket(raw: RawSocket) -> Option<ManuallyDrop<Socket>> {
    // SAFETY: the socket is wrapped in ManuallyDrop and never dropped, so ownership is not
    // really taken; the caller keeps the handle open for as long as it is used.
    (raw != INVALID_SOCKET)
        .then(|| ManuallyDrop::new(unsafe { Socket::from_raw_socket(raw as u64) }))
}

/// Takes over the caller's handle: dropping the socket closes it.
///
/// # Safety
///
/// The caller gives up `raw`: nothing else may use or close it afterwards.
pub(crate) unsafe fn own_socket(raw: RawSocket) -> Option<Socket> {
    // SAFETY: the caller hands the handle over, as this function's contract says.
    (raw != INVALID_SOCKET).then(|| unsafe { Socket::from_raw_socket(raw as u64) })
}

/// Gives the socket's handle to the caller, who must close it.
pub(crate) fn into_raw(socket: Socket) -> RawSocket {
    socket.into_raw_socket() as RawSocket
}

/// The socket's handle, lent to C for the duration of a call.
pub(crate) fn raw(socket: &Socket) -> RawSocket {
    use std::os::windows::io::AsRawSocket;
    socket.as_raw_socket() as RawSocket
}

/// Closes the socket and reports what `closesocket` says.
pub(crate) fn close(socket: Socket) -> io::Result<()> {
    let raw = socket.into_raw_socket() as ws::SOCKET;
    // SAFETY: `raw` was owned by `socket`, which gave it up; nothing else closes it.
    if unsafe { ws::closesocket(raw) } == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(last_os_error()))
    }
}
