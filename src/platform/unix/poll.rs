//! `poll()` for any number of sockets (`sockit_poll`).

use std::ffi::c_int;
use std::io;

use socket2::Socket;

use super::handle::INVALID_SOCKET;
use crate::net::poll::{Interest, Readiness};

/// One entry of a `poll()` call.
pub(crate) type PollFd = libc::pollfd;

/// An entry that waits for `socket` as `interest` says; `None` makes an entry that `poll`
/// ignores.
pub(crate) fn poll_entry(socket: Option<&Socket>, interest: Interest) -> PollFd {
    use std::os::fd::AsRawFd;
    let mut events = 0;
    if interest.read {
        events |= libc::POLLIN;
    }
    if interest.write {
        events |= libc::POLLOUT;
    }
    libc::pollfd {
        fd: socket.map_or(INVALID_SOCKET, |socket| socket.as_raw_fd()),
        events,
        revents: 0,
    }
}

/// What `poll` reported for an entry.
pub(crate) fn poll_readiness(entry: &PollFd) -> Readiness {
    Readiness::reported(
        entry.events,
        entry.revents,
        [
            libc::POLLIN,
            libc::POLLOUT,
            libc::POLLERR,
            libc::POLLHUP,
            libc::POLLNVAL,
        ],
    )
}

/// `poll()`: waits until an entry is ready, at most `timeout_ms` milliseconds (`-1`: no
/// limit), and returns how many are. No `FD_SETSIZE` limit.
pub(crate) fn poll(entries: &mut [PollFd], timeout_ms: c_int) -> io::Result<usize> {
    let count = libc::nfds_t::try_from(entries.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `entries` is a valid array of `count` pollfds for the whole call.
    match unsafe { libc::poll(entries.as_mut_ptr(), count, timeout_ms) } {
        -1 => Err(io::Error::last_os_error()),
        ready => Ok(ready as usize),
    }
}
