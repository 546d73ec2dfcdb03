//! Waiting for sockets to be ready, with `poll()` (`WSAPoll()` on Windows), which has no
//! `FD_SETSIZE` limit, unlike `select()`: one socket until a deadline ([`wait_for`], what
//! every blocking call with a timeout does), or many at once ([`PollSet`], `sockit_poll`).
//! (The servers' event loops use `platform::poller` instead: epoll or kqueue, where sockets
//! stay registered from one wait to the next.)

use std::ffi::c_int;
use std::thread;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::platform;

/// What to wait for on a socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interest {
    /// A receive (or accept) would not block.
    pub read: bool,
    /// A send would not block (or a connection attempt has ended).
    pub write: bool,
}

impl Interest {
    /// Nothing: the socket stays registered, unreported.
    pub const NONE: Interest = Interest {
        read: false,
        write: false,
    };
    /// Waiting to receive.
    pub const READ: Interest = Interest {
        read: true,
        write: false,
    };
    /// Waiting to send.
    pub const WRITE: Interest = Interest {
        read: false,
        write: true,
    };
}

/// What a socket is ready for. `read` and `write` are set, when they were asked for, also
/// when the socket has an error or a hang-up to report: the call would then not block either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    pub read: bool,
    pub write: bool,
    /// An error is pending on the socket.
    pub error: bool,
    /// The connection is closed (both ways, or reset).
    pub hangup: bool,
    /// The handle is not open.
    pub invalid: bool,
}

impl Readiness {
    /// Readiness from a poll entry's `events` and `revents`, given the system's flags for
    /// readable, writable, error, hang-up and invalid, in that order.
    pub(crate) fn reported(events: i16, revents: i16, flags: [i16; 5]) -> Readiness {
        let [read, write, error, hangup, invalid] = flags.map(|flag| revents & flag != 0);
        let ends_waiting = error || hangup;
        Readiness {
            read: events & flags[0] != 0 && (read || ends_waiting),
            write: events & flags[1] != 0 && (write || ends_waiting),
            error,
            hangup,
            invalid,
        }
    }
}

/// Sockets to wait for, each with its interest.
#[derive(Default)]
pub struct PollSet {
    entries: Vec<platform::PollFd>,
    /// How many entries are sockets rather than left out.
    sockets: usize,
}

impl PollSet {
    /// An empty set with room for `capacity` entries; `OutOfMemory` if there is no room for
    /// them (a count from a caller must not end the process by exhausting memory).
    pub fn with_capacity(capacity: usize) -> Result<PollSet> {
        let mut entries = Vec::new();
        entries
            .try_reserve_exact(capacity)
            .map_err(|_| ErrorCode::ENOMEM)?;
        Ok(PollSet {
            entries,
            sockets: 0,
        })
    }

    /// Adds an entry; `None` is an entry that is left out of the wait and never ready.
    pub fn add(&mut self, socket: Option<&Socket>, interest: Interest) {
        self.sockets += usize::from(socket.is_some());
        self.entries.push(platform::poll_entry(socket, interest));
    }

    /// Waits until an entry is ready or `timeout` has passed (no timeout: as long as it
    /// takes; zero: only look). Returns how many entries are ready, 0 if none. Signals do not
    /// cut the wait short. Waiting forever with no socket to wait for is `InvalidArgument`.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<usize> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        self.wait_until(deadline)
    }

    /// [`PollSet::wait`] with a deadline instead of a timeout.
    pub fn wait_until(&mut self, deadline: Option<Instant>) -> Result<usize> {
        if self.sockets == 0 {
            // Some systems refuse an empty set: sleep instead.
            let deadline = deadline.ok_or(ErrorCode::EINVAL)?;
            thread::sleep(deadline.saturating_duration_since(Instant::now()));
            return Ok(0);
        }
        poll_until(&mut self.entries, deadline)
    }

    /// What entry `index` (in the order they were added) is ready for.
    pub fn readiness(&self, index: usize) -> Readiness {
        self.entries
            .get(index)
            .map(platform::poll_readiness)
            .unwrap_or_default()
    }
}

/// Polls `entries` (at least one of them a socket) until one is ready or `deadline` has
/// passed, through signals; how many are ready. [`PollSet`] uses it, and so does waiting for
/// one socket, which needs no allocation.
pub(crate) fn poll_until(
    entries: &mut [platform::PollFd],
    deadline: Option<Instant>,
) -> Result<usize> {
    loop {
        match platform::poll(entries, milliseconds_until(deadline)) {
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            result => return result.map_err(Error::from),
        }
    }
}

/// A poll timeout: milliseconds left until `deadline`, rounded up so that a wait never ends
/// early; -1 for no deadline.
fn milliseconds_until(deadline: Option<Instant>) -> c_int {
    match deadline {
        None => -1,
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            left.as_micros().div_ceil(1000).min(c_int::MAX as u128) as c_int
        }
    }
}

/// Waits until `socket` is ready as `interest` says, or has an error to report. `Ok(false)`
/// once `deadline` has passed; no deadline waits as long as it takes. Signals do not cut the
/// wait short.
pub fn wait_for(socket: &Socket, interest: Interest, deadline: Option<Instant>) -> Result<bool> {
    let mut entry = [platform::poll_entry(Some(socket), interest)];
    Ok(poll_until(&mut entry, deadline)? > 0)
}

/// [`wait_for`] a receive that would not block.
pub fn wait_readable(socket: &Socket, deadline: Option<Instant>) -> Result<bool> {
    wait_for(socket, Interest::READ, deadline)
}
