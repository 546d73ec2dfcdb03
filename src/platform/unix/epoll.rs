//! The servers' readiness poller on Linux: epoll, level-triggered, called directly.
//!
//! The `polling` crate (used elsewhere, `portable/poller.rs`) re-arms a timerfd and its
//! notifier around every wait: four system calls more per wake-up, a large share of the
//! event loop's time when one connection is served at a time (README, "What made sockit
//! fast"). Here a wait is one `epoll_wait`, and the wake-up eventfd is only
//! read when it fired.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socket2::Socket;

use crate::net::poll::Interest;

/// The wake-up descriptor's key; no socket gets it (keys are small slot numbers).
const NOTIFY_KEY: u64 = u64::MAX;

/// Reports taken per wait at most; more wait for the next one.
const CAPACITY: usize = 1024;

/// What a socket is ready for. Errors and hang-ups count as both, so that the next read or
/// write reports them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// The reports of one wait.
pub(crate) struct Events {
    list: Vec<libc::epoll_event>,
    len: usize,
}

impl Events {
    pub(crate) fn new() -> Events {
        Events {
            list: vec![libc::epoll_event { events: 0, u64: 0 }; CAPACITY],
            len: 0,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        const READ: u32 =
            (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI)
                as u32;
        const WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        self.list[..self.len]
            .iter()
            .filter(|event| event.u64 != NOTIFY_KEY)
            .map(|event| Event {
                key: event.u64 as usize,
                readable: event.events & READ != 0,
                writable: event.events & WRITE != 0,
            })
    }
}

pub(crate) struct Poller {
    epoll: OwnedFd,
    /// An eventfd, readable once notified.
    wake: OwnedFd,
    /// Set by `notify` until a wait sees the wake-up, so that a burst of notifications is
    /// one write.
    notified: AtomicBool,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        // SAFETY: no pointers; a non-negative result is a new descriptor only we hold.
        let epoll = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: as above.
        let epoll = unsafe { OwnedFd::from_raw_fd(epoll) };
        // SAFETY: no pointers; a non-negative result is a new descriptor only we hold.
        let wake = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: as above.
        let wake = unsafe { OwnedFd::from_raw_fd(wake) };
        let poller = Poller {
            epoll,
            wake,
            notified: AtomicBool::new(false),
        };
        poller.control(
            libc::EPOLL_CTL_ADD,
            poller.wake.as_raw_fd(),
            NOTIFY_KEY,
            libc::EPOLLIN as u32,
        )?;
        Ok(poller)
    }

    /// Starts reporting `socket`'s readiness under `key`.
    ///
    /// # Safety
    /// The socket must be deleted (`delete`) before it is closed: the same contract as the
    /// portable poller's, whose backends keep a reference to the handle.
    pub(crate) unsafe fn add(
        &self,
        socket: &Socket,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(
            libc::EPOLL_CTL_ADD,
            socket.as_raw_fd(),
            key as u64,
            events(interest),
        )
    }

    pub(crate) fn modify(&self, socket: &Socket, key: usize, interest: Interest) -> io::Result<()> {
        self.control(
            libc::EPOLL_CTL_MOD,
            socket.as_raw_fd(),
            key as u64,
            events(interest),
        )
    }

    pub(crate) fn delete(&self, socket: &Socket) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_DEL, socket.as_raw_fd(), 0, 0)
    }

    fn control(&self, op: libc::c_int, fd: RawFd, key: u64, events: u32) -> io::Result<()> {
        let mut event = libc::epoll_event { events, u64: key };
        // SAFETY: `event` is valid for the call; the kernel checks both descriptors.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) })?;
        Ok(())
    }

    /// Waits until a socket is ready, `notify` is called, or `timeout` passes (`None`:
    /// without limit). A signal ends the wait early with no reports.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.len = 0;
        let millis = match timeout {
            None => -1,
            // Whole milliseconds: the caller rounds up (server::control), so that a short
            // wait does not spin.
            Some(timeout) => libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX),
        };
        // SAFETY: the kernel writes at most CAPACITY entries into the list, which holds
        // that many.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.list.as_mut_ptr(),
                CAPACITY as libc::c_int,
                millis,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::Interrupted => Ok(()),
                _ => Err(err),
            };
        }
        events.len = n as usize;
        if events.list[..events.len]
            .iter()
            .any(|e| e.u64 == NOTIFY_KEY)
        {
            self.clear_notification();
        }
        Ok(())
    }

    /// The epoll descriptor: readable while a wait would report something (a program with a
    /// loop of its own waits for it).
    pub(crate) fn descriptor(&self) -> Option<i32> {
        Some(self.epoll.as_raw_fd())
    }

    /// Wakes a wait, now or the next one. Async-signal-safe: an atomic swap and at most one
    /// `write`; no lock, no allocation.
    pub(crate) fn notify(&self) -> io::Result<()> {
        if self.notified.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let one: u64 = 1;
        // SAFETY: writes the 8 bytes of `one`, alive for the call.
        let n = unsafe {
            libc::write(
                self.wake.as_raw_fd(),
                (&raw const one).cast(),
                size_of::<u64>(),
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            // EAGAIN: the counter is already non-zero, so the wake-up is pending anyway.
            if err.kind() != io::ErrorKind::WouldBlock {
                self.notified.store(false, Ordering::SeqCst);
                return Err(err);
            }
        }
        Ok(())
    }

    /// Drains the eventfd, then allows the next `notify` to write. A notification racing
    /// with this is not lost: its caller changed the state before notifying, and the run
    /// looks at that state after this wait returns.
    fn clear_notification(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into `count`, alive for the call.
        let _ = unsafe {
            libc::read(
                self.wake.as_raw_fd(),
                (&raw mut count).cast(),
                size_of::<u64>(),
            )
        };
        self.notified.store(false, Ordering::SeqCst);
    }
}

/// epoll's events for an interest.
fn events(interest: Interest) -> u32 {
    let mut events = 0;
    if interest.read {
        events |= libc::EPOLLIN as u32;
    }
    if interest.write {
        events |= libc::EPOLLOUT as u32;
    }
    events
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}
