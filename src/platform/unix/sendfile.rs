//! Sending a file's bytes to a socket in the kernel: Linux's `sendfile(2)`, and the BSDs'
//! and macOS's, whose arguments differ; elsewhere the caller reads and sends.

use std::fs::File;
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

use socket2::Socket;

/// The handle of a file as C programs hold it: a file descriptor.
pub(crate) type RawFile = RawFd;

/// Lends the caller's file descriptor to the core without taking it over. `None` for values
/// that cannot be a descriptor.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the file is in use. A descriptor that is
/// closed already, or not a file, only makes the calls on it fail.
pub(crate) unsafe fn borrow_file(raw: RawFile) -> Option<ManuallyDrop<File>> {
    // SAFETY: wrapped in ManuallyDrop and never dropped, so the descriptor is never closed
    // here; the caller keeps it open while it is used.
    (raw >= 0).then(|| ManuallyDrop::new(unsafe { File::from_raw_fd(raw) }))
}

/// Sends up to `len` bytes of `file` from `offset` with one system call: how many went (0 at
/// the end of the file). `Unsupported` where the system has no such call; the system's own
/// error (`EINVAL`, `ENOTSUP`...) for a file or socket it cannot do it for.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn send_file(
    socket: &Socket,
    file: &File,
    offset: u64,
    len: usize,
) -> io::Result<usize> {
    let mut offset = libc::off_t::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    without_sigpipe(|| {
        // SAFETY: both descriptors are open for the call; `offset` is a live off_t it
        // updates.
        let sent =
            unsafe { libc::sendfile(socket.as_raw_fd(), file.as_raw_fd(), &mut offset, len) };
        usize::try_from(sent).map_err(|_| io::Error::last_os_error())
    })
}

/// Runs `call` with SIGPIPE blocked for this thread, and takes back the SIGPIPE it raised:
/// sendfile has no `MSG_NOSIGNAL`, and a peer that has gone (or a socket that never
/// connected) would otherwise end the process. A SIGPIPE that was pending before is left
/// for its owner. macOS needs none of this: `SO_NOSIGPIPE` covers its sendfile.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn without_sigpipe<T>(call: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    // SAFETY: sigset_t is plain data, filled by sigemptyset before any other use.
    let (mut pipe, mut old, mut pending): (libc::sigset_t, libc::sigset_t, libc::sigset_t) =
        unsafe { (std::mem::zeroed(), std::mem::zeroed(), std::mem::zeroed()) };
    // SAFETY: the sets are live; these calls only change this thread's signal mask, and the
    // old mask is put back below on every way out.
    let pending_before = unsafe {
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut old);
        libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1
    };
    let result = call();
    let raised = matches!(&result, Err(err) if err.raw_os_error() == Some(libc::EPIPE));
    if raised && !pending_before {
        let now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `pipe` and `now` are live; sigtimedwait takes the pending SIGPIPE at once
        // (or finds none) and never waits.
        while unsafe { libc::sigtimedwait(&pipe, std::ptr::null_mut(), &now) } == -1
            && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
        {}
    }
    // SAFETY: puts back the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    result
}

/// macOS: a call cut short by a signal or a full non-blocking socket fails, but says in
/// `len` how much went, which is the count that matters.
#[cfg(target_vendor = "apple")]
pub(crate) fn send_file(
    socket: &Socket,
    file: &File,
    offset: u64,
    len: usize,
) -> io::Result<usize> {
    let offset = libc::off_t::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    let mut sent = libc::off_t::try_from(len).unwrap_or(libc::off_t::MAX);
    // SAFETY: both descriptors are open for the call; `sent` is a live off_t it updates.
    let rc = unsafe {
        libc::sendfile(
            file.as_raw_fd(),
            socket.as_raw_fd(),
            offset,
            &mut sent,
            std::ptr::null_mut(),
            0,
        )
    };
    partial(rc, sent)
}

/// FreeBSD: as macOS, the count that went is in `sbytes` even when the call fails.
#[cfg(target_os = "freebsd")]
pub(crate) fn send_file(
    socket: &Socket,
    file: &File,
    offset: u64,
    len: usize,
) -> io::Result<usize> {
    let offset = libc::off_t::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    without_sigpipe(|| {
        let mut sent: libc::off_t = 0;
        // SAFETY: both descriptors are open for the call; `sent` is a live off_t it writes.
        let rc = unsafe {
            libc::sendfile(
                file.as_raw_fd(),
                socket.as_raw_fd(),
                offset,
                len,
                std::ptr::null_mut(),
                &mut sent,
                0,
            )
        };
        partial(rc, sent)
    })
}

/// What went, for the BSDs' sendfile: all of it on success; some of it before a signal or
/// a full socket (then the count, not the error); the error if nothing did.
#[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
fn partial(rc: libc::c_int, sent: libc::off_t) -> io::Result<usize> {
    let sent = usize::try_from(sent).unwrap_or(0);
    if rc == 0 {
        return Ok(sent);
    }
    let err = io::Error::last_os_error();
    let cut_short = matches!(
        err.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
    );
    if cut_short && sent > 0 {
        Ok(sent)
    } else {
        Err(err)
    }
}

/// The other Unix systems: read and send (see `net::sendfile`).
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd"
)))]
pub(crate) fn send_file(
    _socket: &Socket,
    _file: &File,
    _offset: u64,
    _len: usize,
) -> io::Result<usize> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Reads up to `buf.len()` bytes of `file` from `offset`, leaving the file's position alone.
pub(crate) fn read_file_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    file.read_at(buf, offset)
}
