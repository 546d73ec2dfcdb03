//! Winsock's errors and the C runtime's errno: their portable codes, setting and restoring
//! them, and their text.

use std::ffi::{CStr, c_int};
use std::io;

use windows_sys::Win32::Networking::WinSock as ws;

use crate::error::ErrorCode;

// Winsock error numbers (winerror.h); they are part of the Windows ABI.
const ERROR_FILE_NOT_FOUND: i32 = 2;
const ERROR_PATH_NOT_FOUND: i32 = 3;
const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_INVALID_HANDLE: i32 = 6;
const WSA_NOT_ENOUGH_MEMORY: i32 = 8;
const WSAEBADF: i32 = 10009;
const WSAEACCES: i32 = 10013;
const WSAEFAULT: i32 = 10014;
const WSAEINVAL: i32 = 10022;
const WSAEMFILE: i32 = 10024;
const WSAEWOULDBLOCK: i32 = 10035;
const WSAEINPROGRESS: i32 = 10036;
const WSAECANCELLED: i32 = 10103;
const WSAEALREADY: i32 = 10037;
const WSAENOTSOCK: i32 = 10038;
const WSAEDESTADDRREQ: i32 = 10039;
const WSAEMSGSIZE: i32 = 10040;
const WSAEPROTOTYPE: i32 = 10041;
const WSAENOPROTOOPT: i32 = 10042;
const WSAEPROTONOSUPPORT: i32 = 10043;
const WSAEOPNOTSUPP: i32 = 10045;
const WSAEPFNOSUPPORT: i32 = 10046;
const WSAEAFNOSUPPORT: i32 = 10047;
const WSAEADDRINUSE: i32 = 10048;
const WSAEADDRNOTAVAIL: i32 = 10049;
const WSAENETDOWN: i32 = 10050;
const WSAENETUNREACH: i32 = 10051;
const WSAENETRESET: i32 = 10052;
const WSAECONNABORTED: i32 = 10053;
const WSAECONNRESET: i32 = 10054;
const WSAENOBUFS: i32 = 10055;
const WSAEISCONN: i32 = 10056;
const WSAENOTCONN: i32 = 10057;
const WSAESHUTDOWN: i32 = 10058;
const WSAETIMEDOUT: i32 = 10060;
const WSAECONNREFUSED: i32 = 10061;
const WSAENAMETOOLONG: i32 = 10063;
const WSAEHOSTDOWN: i32 = 10064;
const WSAEHOSTUNREACH: i32 = 10065;
const WSAHOST_NOT_FOUND: i32 = 11001;
const WSATRY_AGAIN: i32 = 11002;
const WSANO_RECOVERY: i32 = 11003;
const WSANO_DATA: i32 = 11004;
const WSA_OPERATION_ABORTED: i32 = 995;

/// The portable code for a Winsock error.
pub(crate) fn error_code(os: i32) -> ErrorCode {
    use ErrorCode::*;
    match os {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND => ENOENT,
        // A file handle that is not open (sendfile).
        ERROR_INVALID_HANDLE => EBADF,
        ERROR_ACCESS_DENIED => EACCES,
        WSA_NOT_ENOUGH_MEMORY => ENOMEM,
        WSAEBADF => EBADF,
        WSAEACCES => EACCES,
        WSAEFAULT | WSAEINVAL => EINVAL,
        WSAEMFILE => EMFILE,
        WSAEWOULDBLOCK => EAGAIN,
        WSAEINPROGRESS => EINPROGRESS,
        // WSA_OPERATION_ABORTED: I/O cancelled by interrupt_blocked_calls (a server stop).
        WSAECANCELLED | WSA_OPERATION_ABORTED => ECANCELED,
        WSAEALREADY => EALREADY,
        WSAENOTSOCK => ENOTSOCK,
        WSAEDESTADDRREQ => EDESTADDRREQ,
        WSAEMSGSIZE => EMSGSIZE,
        WSAEPROTOTYPE | WSAENOPROTOOPT | WSAEOPNOTSUPP => EOPNOTSUPP,
        WSAEPROTONOSUPPORT | WSAEPFNOSUPPORT | WSAEAFNOSUPPORT => EAFNOSUPPORT,
        WSAEADDRINUSE => EADDRINUSE,
        WSAEADDRNOTAVAIL => EADDRNOTAVAIL,
        WSAENETDOWN => ENETDOWN,
        WSAENETUNREACH => ENETUNREACH,
        WSAECONNABORTED => ECONNABORTED,
        WSAENETRESET | WSAECONNRESET => ECONNRESET,
        WSAENOBUFS => ENOBUFS,
        WSAEISCONN => EISCONN,
        WSAENOTCONN => ENOTCONN,
        WSAESHUTDOWN => EPIPE,
        WSAENAMETOOLONG => ENAMETOOLONG,
        WSAETIMEDOUT => ETIMEDOUT,
        WSAECONNREFUSED => ECONNREFUSED,
        WSAEHOSTDOWN | WSAEHOSTUNREACH => EHOSTUNREACH,
        WSAHOST_NOT_FOUND => EAI_NONAME,
        WSATRY_AGAIN => EAI_AGAIN,
        WSANO_RECOVERY => EAI_FAIL,
        WSANO_DATA => EAI_NODATA,
        _ => EUNKNOWN,
    }
}

/// The Winsock error closest to a code, for failures sockit detects itself.
pub(crate) fn os_error_for(code: ErrorCode) -> Option<i32> {
    use ErrorCode::*;
    Some(match code {
        ENOENT => ERROR_FILE_NOT_FOUND,
        ENAMETOOLONG => WSAENAMETOOLONG,
        ENOMEM => WSA_NOT_ENOUGH_MEMORY,
        EBADF => WSAEBADF,
        EACCES => WSAEACCES,
        EINVAL => WSAEINVAL,
        EMFILE | ENFILE => WSAEMFILE,
        EAGAIN => WSAEWOULDBLOCK,
        EINPROGRESS => WSAEINPROGRESS,
        ECANCELED => WSAECANCELLED,
        EALREADY => WSAEALREADY,
        ENOTSOCK => WSAENOTSOCK,
        EDESTADDRREQ => WSAEDESTADDRREQ,
        EMSGSIZE => WSAEMSGSIZE,
        EOPNOTSUPP => WSAEOPNOTSUPP,
        EAFNOSUPPORT => WSAEAFNOSUPPORT,
        EADDRINUSE => WSAEADDRINUSE,
        EADDRNOTAVAIL => WSAEADDRNOTAVAIL,
        ENETDOWN => WSAENETDOWN,
        ENETUNREACH => WSAENETUNREACH,
        ECONNABORTED => WSAECONNABORTED,
        ECONNRESET => WSAECONNRESET,
        ENOBUFS => WSAENOBUFS,
        EISCONN => WSAEISCONN,
        ENOTCONN => WSAENOTCONN,
        EPIPE => WSAESHUTDOWN,
        ETIMEDOUT => WSAETIMEDOUT,
        ECONNREFUSED => WSAECONNREFUSED,
        EHOSTUNREACH => WSAEHOSTUNREACH,
        EAI_NONAME => WSAHOST_NOT_FOUND,
        EAI_AGAIN => WSATRY_AGAIN,
        EAI_FAIL => WSANO_RECOVERY,
        EAI_NODATA => WSANO_DATA,
        EPERM | EBUSY | ENODEV | ERANGE | EINTERNAL | EUNKNOWN | EOF | ETRUNCATED
        | ECERTUNTRUSTED | ECERTEXPIRED | ECERTNAME | ETLSALERT | ETLSHANDSHAKE | ETLSPROTOCOL
        | EBADPEM | EKEYENCRYPTED => return None,
    })
}

/// The calling thread's Winsock error.
pub(crate) fn last_os_error() -> i32 {
    // SAFETY: no preconditions.
    unsafe { ws::WSAGetLastError() }
}

/// What tells later whether the program failed since sockit recorded `failure`. Windows' last
/// error cannot (successful calls overwrite it too), so the C runtime's errno is the marker:
/// set now to the failure's errno (so `perror` says what sockit says, as on Unix; 0 where
/// there is none), changed by any failing C library call of the program's own (`fopen`...).
pub(crate) fn failure_marker(failure: ErrorCode) -> i32 {
    let errno = crate::platform::errno::errno_for(failure).unwrap_or(0);
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() = errno };
    errno
}

/// [`failure_marker`] for a call that succeeded, which leaves errno as it is.
pub(crate) fn success_marker() -> i32 {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() }
}

/// Whether nothing failed since [`failure_marker`] gave `marker`.
pub(crate) fn failure_marker_unchanged(marker: i32) -> bool {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() == marker }
}

/// The calling thread's error state as a C program sees it (the C runtime's errno and the
/// Winsock error), to put back after a call that succeeded: a successful call leaves both
/// as it found them.
#[derive(Clone, Copy)]
pub(crate) struct SavedErrors {
    errno: i32,
    os: i32,
}

impl SavedErrors {
    /// The state now.
    pub(crate) fn save() -> SavedErrors {
        SavedErrors {
            // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
            errno: unsafe { *_errno() },
            os: last_os_error(),
        }
    }

    /// Puts the state back.
    pub(crate) fn restore(self) {
        // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
        unsafe { *_errno() = self.errno };
        set_last_os_error(self.os);
    }
}

/// Sets the calling thread's Winsock error, so that the caller's own reporting sees it.
pub(crate) fn set_last_os_error(os: i32) {
    // SAFETY: no preconditions.
    unsafe { ws::WSASetLastError(os) }
}

/// The system's text for a Winsock or Windows error.
pub(crate) fn os_error_text(os: i32) -> String {
    // std asks FormatMessageW and appends " (os error N)", which perror-style output omits.
    let text = io::Error::from_raw_os_error(os).to_string();
    match text.rfind(" (os error ") {
        Some(end) => text[..end].trim_end().to_owned(),
        None => text,
    }
}

unsafe extern "C" {
    /// The C runtime's errno of the calling thread (ucrt and msvcrt both export it).
    fn _errno() -> *mut c_int;
}

/// What the program's own error reporting would show: the C runtime's errno when set (what
/// `perror` shows: a failing C library call sets it), else the Winsock error. The Winsock
/// error comes second because successful calls overwrite it too.
pub(crate) fn describe_current_error() -> String {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    let errno = unsafe { *_errno() };
    let os = last_os_error();
    if errno == 0 && os != 0 {
        return os_error_text(os);
    }
    // SAFETY: strerror returns a pointer to a NUL-terminated string valid until the next call.
    let text = unsafe { CStr::from_ptr(libc::strerror(errno)) };
    text.to_string_lossy().into_owned()
}

/// Error values for the error module's tests.
#[cfg(test)]
pub(crate) mod test_errno {
    /// A mapped error.
    pub const REFUSED: i32 = super::WSAECONNREFUSED;
    /// An error with no portable code (WSAEDISCON).
    pub const UNMAPPED: i32 = 10101;
}
