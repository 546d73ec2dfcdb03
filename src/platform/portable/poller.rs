//! The servers' readiness poller where there is no epoll: the `polling` crate (kqueue,
//! event ports, Windows' AFD polling), level-triggered. Same items as `unix/epoll.rs`.

use std::io;
use std::time::Duration;

use socket2::Socket;

use crate::net::poll::Interest;

/// What a socket is ready for. Errors and hang-ups count as both, so that the next read or
/// write reports them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// The reports of one wait.
pub(crate) struct Events(polling::Events);

impl Events {
    pub(crate) fn new() -> Events {
        Events(polling::Events::new())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.0.iter().map(|event| Event {
            key: event.key,
            readable: event.readable,
            writable: event.writable,
        })
    }
}

pub(crate) struct Poller(polling::Poller);

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        polling::Poller::new().map(Poller)
    }

    /// Starts reporting `socket`'s readiness under `key`.
    ///
    /// # Safety
    /// The socket must be deleted (`delete`) before it is closed, as `polling` requires.
    pub(crate) unsafe fn add(
        &self,
        socket: &Socket,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        // SAFETY: the caller deletes the socket before closing it (this function's contract).
        unsafe {
            self.0
                .add_with_mode(socket, event(key, interest), polling::PollMode::Level)
        }
    }

    pub(crate) fn modify(&self, socket: &Socket, key: usize, interest: Interest) -> io::Result<()> {
        self.0
            .modify_with_mode(socket, event(key, interest), polling::PollMode::Level)
    }

    pub(crate) fn delete(&self, socket: &Socket) -> io::Result<()> {
        self.0.delete(socket)
    }

    /// Waits until a socket is ready, `notify` is called, or `timeout` passes (`None`:
    /// without limit).
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.0.clear();
        self.0.wait(&mut events.0, timeout).map(|_| ())
    }

    /// The kqueue (or event port) descriptor, readable while a wait would report something;
    /// Windows' AFD poller has no descriptor a program could wait for.
    pub(crate) fn descriptor(&self) -> Option<i32> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            Some(self.0.as_raw_fd())
        }
        #[cfg(windows)]
        {
            None
        }
    }

    /// Wakes a wait, now or the next one. Async-signal-safe: an atomic swap and one write to
    /// a pipe (or `kevent`, or a completion post on Windows); no lock, no allocation.
    pub(crate) fn notify(&self) -> io::Result<()> {
        self.0.notify()
    }
}

fn event(key: usize, interest: Interest) -> polling::Event {
    match (interest.read, interest.write) {
        (true, true) => polling::Event::all(key),
        (true, false) => polling::Event::readable(key),
        (false, true) => polling::Event::writable(key),
        (false, false) => polling::Event::none(key),
    }
}
