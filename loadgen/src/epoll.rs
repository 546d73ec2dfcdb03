//! A level-triggered epoll instance: one system call per wait, nothing else per event.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

pub const READ: u32 = libc::EPOLLIN as u32;
pub const WRITE: u32 = libc::EPOLLOUT as u32;

pub struct Epoll {
    fd: OwnedFd,
    events: Vec<libc::epoll_event>,
}

/// One readiness report: the key given at registration and what is ready.
#[derive(Clone, Copy)]
pub struct Ready {
    pub key: u64,
    pub readable: bool,
    pub writable: bool,
    /// Error or hang-up: the next read or write says which.
    pub failed: bool,
}

impl Epoll {
    pub fn new(capacity: usize) -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; a non-negative result is a new descriptor
        // that nothing else owns.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Epoll {
            // SAFETY: see above: fd is ours alone.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            events: vec![libc::epoll_event { events: 0, u64: 0 }; capacity.max(1)],
        })
    }

    pub fn add(&self, fd: RawFd, key: u64, interest: u32) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_ADD, fd, key, interest)
    }

    pub fn modify(&self, fd: RawFd, key: u64, interest: u32) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, fd, key, interest)
    }

    fn control(&self, op: libc::c_int, fd: RawFd, key: u64, interest: u32) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: interest,
            u64: key,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call; the kernel
        // checks `fd` itself.
        let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut event) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits until something is ready or `until` passes (rounded up to a millisecond), and
    /// hands each report to `each`.
    pub fn wait(&mut self, until: Instant, mut each: impl FnMut(Ready)) -> io::Result<()> {
        let left = until.saturating_duration_since(Instant::now());
        let millis = left
            .as_nanos()
            .div_ceil(Duration::from_millis(1).as_nanos());
        let timeout = libc::c_int::try_from(millis).unwrap_or(libc::c_int::MAX);
        let capacity = libc::c_int::try_from(self.events.len()).unwrap_or(libc::c_int::MAX);
        // SAFETY: the kernel writes at most `capacity` entries into `events`, which holds that
        // many.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                self.events.as_mut_ptr(),
                capacity,
                timeout,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::Interrupted => Ok(()),
                _ => Err(err),
            };
        }
        for event in &self.events[..n as usize] {
            let flags = event.events;
            each(Ready {
                key: event.u64,
                readable: flags & READ != 0,
                writable: flags & WRITE != 0,
                failed: flags & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0,
            });
        }
        Ok(())
    }
}
