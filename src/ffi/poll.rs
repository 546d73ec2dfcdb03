//! Header section: waiting for many sockets at once.
//!
//! sockit_poll() is poll() on every platform (WSAPoll() on Windows): any number of sockets,
//! with any descriptor values, unlike select() and its FD_SETSIZE of 1024.
//!
//! ```c
//! sockit_pollfd fds[2] = {{listener, SOCKIT_POLL_READ, 0}, {client, SOCKIT_POLL_READ, 0}};
//! int ready = sockit_poll(fds, 2, 1000);   // at most a second
//! if (ready > 0 && (fds[1].revents & SOCKIT_POLL_READ)) ...   // a receive will not block
//! ```

use std::ffi::{c_int, c_short};

use crate::error::Result;
use crate::ffi::boundary::{borrow, call, slice_mut, timeout_or_now};
use crate::ffi::socket::sockit_socket;
use crate::net::poll::{Interest, PollSet, Readiness};

/// events and revents: a receive, recvfrom or accept will not block (data, a connection, the
/// end of the stream, or an error to report has arrived).
pub const SOCKIT_POLL_READ: c_short = 1;
/// events and revents: a send will not block, or a non-blocking connect has ended (see
/// sockit_connect_finish()).
pub const SOCKIT_POLL_WRITE: c_short = 2;
/// revents only: an error is pending on the socket; the next call on it reports it.
pub const SOCKIT_POLL_ERROR: c_short = 4;
/// revents only: the connection is closed both ways, or was reset.
pub const SOCKIT_POLL_HANGUP: c_short = 8;
/// revents only: the handle is not an open socket.
pub const SOCKIT_POLL_INVALID: c_short = 16;

/// One socket to wait for: sock, the events to wait for (SOCKIT_POLL_READ and/or
/// SOCKIT_POLL_WRITE), and revents, which sockit_poll() sets to what happened.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct sockit_pollfd {
    pub sock: sockit_socket,
    pub events: c_short,
    pub revents: c_short,
}

/// The bits of revents for a readiness.
fn revents(ready: Readiness) -> c_short {
    [
        (ready.read, SOCKIT_POLL_READ),
        (ready.write, SOCKIT_POLL_WRITE),
        (ready.error, SOCKIT_POLL_ERROR),
        (ready.hangup, SOCKIT_POLL_HANGUP),
        (ready.invalid, SOCKIT_POLL_INVALID),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .fold(0, |bits, (_, bit)| bits | bit)
}

/// Waits until at least one of the count sockets in fds is ready as its events say, or
/// timeout_ms milliseconds have passed (0: only look; SOCKIT_FOREVER: no limit). An entry
/// whose sock is SOCKIT_INVALID_SOCKET is left out (its revents becomes 0). Signals do not
/// cut the wait short.
///
/// Returns how many entries have revents other than 0 (0 when the time ran out), and sets
/// every entry's revents. SOCKIT_POLL_READ and SOCKIT_POLL_WRITE are reported, when asked
/// for, also for a socket with an error or a hang-up: the call would not block, it would
/// report them. Fails with SOCKIT_EINVAL (NULL fds with count > 0, a count no array can
/// hold, a negative timeout_ms other than SOCKIT_FOREVER, or SOCKIT_FOREVER with no socket
/// to wait for, which would never return),
/// SOCKIT_ENOMEM, or on Linux SOCKIT_EINVAL when count exceeds the process's descriptor
/// limit; revents are left alone then.
///
/// Blocks for up to timeout_ms.
///
/// # Safety
///
/// `fds` is NULL or points to `count` sockit_pollfd entries, used by no other thread during
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_poll(
    fds: *mut sockit_pollfd,
    count: usize,
    timeout_ms: c_int,
) -> c_int {
    call(|| -> Result<c_int> {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let fds = unsafe { slice_mut(fds, count) }?;
        let mut set = PollSet::with_capacity(fds.len())?;
        for entry in fds.iter() {
            // SAFETY: the handle is only passed to poll.
            let socket = unsafe { borrow(entry.sock) }.ok();
            let interest = Interest {
                read: entry.events & SOCKIT_POLL_READ != 0,
                write: entry.events & SOCKIT_POLL_WRITE != 0,
            };
            set.add(socket.as_deref(), interest);
        }
        let ready = set.wait(timeout_or_now(timeout_ms)?)?;
        for (index, entry) in fds.iter_mut().enumerate() {
            entry.revents = revents(set.readiness(index));
        }
        Ok(c_int::try_from(ready).unwrap_or(c_int::MAX))
    })
}
