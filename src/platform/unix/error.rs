//! errno: its portable code, setting and restoring it, and its text.

use std::ffi::{CStr, c_int};
use std::io;

use crate::error::ErrorCode;

/// The portable code for an errno value.
pub(crate) fn error_code(errno: i32) -> ErrorCode {
    use ErrorCode::*;
    match errno {
        libc::EPERM => EPERM,
        // A Unix socket path that leads nowhere.
        libc::ENOENT | libc::ENOTDIR => ENOENT,
        libc::EBADF => EBADF,
        e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => EAGAIN,
        libc::ENOMEM => ENOMEM,
        libc::EBUSY => EBUSY,
        libc::EACCES => EACCES,
        // An interface index that names no interface (multicast).
        libc::ENODEV | libc::ENXIO => ENODEV,
        // ESPIPE, EISDIR: a descriptor that cannot be read as a file at an offset (sendfile).
        libc::EINVAL | libc::EFAULT | libc::ESPIPE | libc::EISDIR => EINVAL,
        libc::ENFILE => ENFILE,
        libc::EMFILE => EMFILE,
        libc::EPIPE => EPIPE,
        libc::ERANGE => ERANGE,
        libc::ENAMETOOLONG => ENAMETOOLONG,
        libc::ENOTSOCK => ENOTSOCK,
        libc::EDESTADDRREQ => EDESTADDRREQ,
        libc::EMSGSIZE => EMSGSIZE,
        e if e == libc::EOPNOTSUPP || e == libc::ENOTSUP || e == libc::EPROTOTYPE => EOPNOTSUPP,
        // An option that does not exist for this kind of socket.
        libc::ENOPROTOOPT => EOPNOTSUPP,
        libc::EAFNOSUPPORT | libc::EPFNOSUPPORT | libc::EPROTONOSUPPORT => EAFNOSUPPORT,
        libc::EADDRINUSE => EADDRINUSE,
        libc::EADDRNOTAVAIL => EADDRNOTAVAIL,
        libc::ENETDOWN => ENETDOWN,
        libc::ENETUNREACH => ENETUNREACH,
        // A pending connection that failed before it was accepted.
        libc::ECONNABORTED | libc::EPROTO => ECONNABORTED,
        libc::ECONNRESET => ECONNRESET,
        libc::ENOBUFS => ENOBUFS,
        libc::EISCONN => EISCONN,
        libc::ENOTCONN => ENOTCONN,
        libc::ETIMEDOUT => ETIMEDOUT,
        libc::ECONNREFUSED => ECONNREFUSED,
        libc::EHOSTUNREACH | libc::EHOSTDOWN => EHOSTUNREACH,
        libc::EALREADY => EALREADY,
        libc::EINPROGRESS => EINPROGRESS,
        libc::ECANCELED => ECANCELED,
        _ => EUNKNOWN,
    }
}

/// The errno value closest to a code, for failures sockit detects itself.
pub(crate) fn os_error_for(code: ErrorCode) -> Option<i32> {
    crate::platform::errno::errno_for(code)
}

/// The calling thread's errno.
pub(crate) fn last_os_error() -> i32 {
    match errno_location() {
        // SAFETY: the C library returns a valid pointer to the calling thread's errno.
        Some(location) => unsafe { *location },
        None => io::Error::last_os_error().raw_os_error().unwrap_or(0),
    }
}

/// What tells later whether the program failed since sockit recorded `_failure`: errno as it
/// is now, set for the failure already (a failing call of the program's own changes it;
/// successful calls leave it alone).
pub(crate) fn failure_marker(_failure: ErrorCode) -> i32 {
    last_os_error()
}

/// [`failure_marker`] for a call that succeeded, which leaves errno as it is.
pub(crate) fn success_marker() -> i32 {
    last_os_error()
}

/// Whether nothing failed since [`failure_marker`] gave `marker`.
pub(crate) fn failure_marker_unchanged(marker: i32) -> bool {
    last_os_error() == marker
}

/// The calling thread's error state as a C program sees it (errno), to put back after a
/// call that succeeded: a successful call leaves errno as it found it.
#[derive(Clone, Copy)]
pub(crate) struct SavedErrors {
    /// Where the thread's errno lives (asked once: every exported call saves it, and the
    /// C library's lookup is a function call), and its value.
    location: Option<*mut c_int>,
    errno: i32,
}

impl SavedErrors {
    /// The state now.
    #[inline]
    pub(crate) fn save() -> SavedErrors {
        let location = errno_location();
        SavedErrors {
            location,
            errno: match location {
                // SAFETY: the C library returns a valid pointer to the calling thread's errno.
                Some(location) => unsafe { *location },
                None => last_os_error(),
            },
        }
    }

    /// Puts the state back (on the thread that saved it: the saved location is that
    /// thread's errno).
    #[inline]
    pub(crate) fn restore(self) {
        match self.location {
            // SAFETY: the calling thread's errno, as `save` found it on this same thread
            // (`call` saves and restores within one call, so the thread cannot change).
            Some(location) => unsafe { *location = self.errno },
            None => set_last_os_error(self.errno),
        }
    }
}

/// Sets the calling thread's errno, so that `perror` describes sockit's last failure.
pub(crate) fn set_last_os_error(errno: i32) {
    if let Some(location) = errno_location() {
        // SAFETY: the C library returns a valid pointer to the calling thread's errno.
        unsafe { *location = errno };
    }
}

/// Where the calling thread's errno lives; each C library names the function differently.
#[inline]
fn errno_location() -> Option<*mut c_int> {
    #[cfg(any(
        target_os = "linux",
        target_os = "emscripten",
        target_os = "hurd",
        target_os = "dragonfly"
    ))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__errno_location() });
    #[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__error() });
    #[cfg(any(
        target_os = "android",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin"
    ))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__errno() });
    #[cfg(any(target_os = "solaris", target_os = "illumos"))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::___errno() });
    #[allow(unreachable_code)]
    None
}

/// The C library's text for an errno value, as `strerror` gives it.
pub(crate) fn os_error_text(errno: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for its whole length, which is what we pass.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return format!("EUNKNOWN error {errno}");
    }
    let text = CStr::from_bytes_until_nul(&buf).unwrap_or_default();
    text.to_string_lossy().into_owned()
}

/// What `perror` would print for the current errno.
pub(crate) fn describe_current_error() -> String {
    os_error_text(last_os_error())
}

/// Errno values for the error module's tests.
#[cfg(test)]
pub(crate) mod test_errno {
    /// A mapped error.
    pub const REFUSED: i32 = libc::ECONNREFUSED;
    /// An error with no portable code.
    pub const UNMAPPED: i32 = libc::ENOEXEC;
}
