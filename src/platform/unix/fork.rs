//! Child processes for the forking server mode: fork, reap, signal, exit.

use std::io;

use crate::platform::RawSocket;

/// A child's process id.
pub(crate) type Pid = libc::pid_t;

/// Whether the system can fork.
pub(crate) const SUPPORTED: bool = true;

/// Which side of a fork this is.
pub(crate) enum Forked {
    Child,
    Parent(Pid),
}

/// Forks the process. Buffered C stdio output is flushed first, so that the child does not
/// write the parent's pending output a second time when it flushes its own.
pub(crate) fn fork() -> io::Result<Forked> {
    // SAFETY: fflush(NULL) flushes every output stream; it takes no pointer to dereference.
    unsafe { libc::fflush(std::ptr::null_mut()) };
    // SAFETY: the child only runs the server's handler and then `exit_child`; it never
    // returns into the parent's server loop.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Reaps the child if it has exited; `true` when it is gone (reaped now, or not ours any
/// more), so that it can never stay a zombie.
pub(crate) fn try_reap(pid: Pid) -> bool {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid place for waitpid to write to.
        match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
            0 => return false,
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            // Reaped, or ECHILD: someone else reaped it (a SIGCHLD handler set to SIG_IGN).
            _ => return true,
        }
    }
}

/// Asks the child to end (`SIGTERM`), or makes it (`SIGKILL`).
pub(crate) fn signal_child(pid: Pid, force: bool) {
    let signal = if force { libc::SIGKILL } else { libc::SIGTERM };
    // SAFETY: kill takes plain integers; `pid` is our own child, not yet reaped, so the id
    // cannot belong to another process.
    unsafe { libc::kill(pid, signal) };
}

/// Ends a forked child without running the parent's exit handlers or destructors (they belong
/// to the parent), after flushing the child's own C stdio output.
pub(crate) fn exit_child(code: i32) -> ! {
    // SAFETY: fflush(NULL) flushes every output stream; _exit ends the process at once.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(code)
    }
}

/// Closes the child's copy of a handle it inherited and will not use (a listener, which
/// would otherwise keep the port open after the parent has closed it).
pub(crate) fn close_inherited(raw: RawSocket) {
    // SAFETY: called in the child only, which never returns to the code that owns `raw`; the
    // parent's copy is separate and stays open.
    unsafe { libc::close(raw) };
}
