//! `WSAPoll()` for any number of sockets (`sockit_poll`).

use std::ffi::c_int;
use std::io;

use socket2::Socket;
use windows_sys::Win32::Networking::WinSock as ws;

use super::error::last_os_error;
use super::winsock::start_winsock;
use crate::net::poll::{Interest, Readiness};

/// One entry of a `WSAPoll()` call.
pub(crate) type PollFd = ws::WSAPOLLFD;

/// An entry that waits for `socket` as `interest` says; `None` makes an entry that `WSAPoll`
/// ignores.
pub(crate) fn poll_entry(socket: Option<&Socket>, interest: Interest) -> PollFd {
    use std::os::windows::io::AsRawSocket;
    let mut events = 0;
    if interest.read {
        events |= ws::POLLRDNORM as i16;
    }
    if interest.write {
        events |= ws::POLLWRNORM as i16;
    }
    ws::WSAPOLLFD {
        fd: socket.map_or(ws::INVALID_SOCKET, |socket| {
            socket.as_raw_socket() as ws::SOCKET
        }),
        events,
        revents: 0,
    }
}

/// What `WSAPoll` reported for an entry.
pub(crate) fn poll_readiness(entry: &PollFd) -> Readiness {
    Readiness::reported(
        entry.events,
        entry.revents,
        [
            ws::POLLRDNORM as i16,
            ws::POLLWRNORM as i16,
            ws::POLLERR as i16,
            ws::POLLHUP as i16,
            ws::POLLNVAL as i16,
        ],
    )
}

/// `WSAPoll()`: waits until an entry is ready, at most `timeout_ms` milliseconds (`-1`: no
/// limit), and returns how many are. No `FD_SETSIZE` limit. (Before Windows 10 version 2004
/// a failed connection attempt was not reported; sockit_connect_finish() still tells it.)
pub(crate) fn poll(entries: &mut [PollFd], timeout_ms: c_int) -> io::Result<usize> {
    start_winsock();
    let count =
        u32::try_from(entries.len()).map_err(|_| io::Error::from_raw_os_error(ws::WSAEINVAL))?;
    // SAFETY: `entries` is a valid array of `count` WSAPOLLFDs for the whole call.
    match unsafe { ws::WSAPoll(entries.as_mut_ptr(), count, timeout_ms) } {
        ws::SOCKET_ERROR => Err(io::Error::from_raw_os_error(last_os_error())),
        _ => {
            // As poll() does with a negative descriptor, an INVALID_SOCKET entry is left out
            // (Wine reports it invalid), and the entries are counted here: implementations
            // differ on whether an entry reported only as invalid (POLLNVAL) is counted.
            for entry in entries.iter_mut().filter(|e| e.fd == ws::INVALID_SOCKET) {
                entry.revents = 0;
            }
            Ok(entries.iter().filter(|entry| entry.revents != 0).count())
        }
    }
}
