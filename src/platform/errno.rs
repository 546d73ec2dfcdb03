//! The C library's errno for each portable code: the system's errno on Unix, and the C
//! runtime's on Windows (which has the POSIX network codes too), so that `perror` after a
//! failed sockit call says what sockit says on every system.

use std::ffi::c_int;

use crate::error::ErrorCode;

pub(crate) fn errno_for(code: ErrorCode) -> Option<c_int> {
    use ErrorCode::*;
    Some(match code {
        EPERM => libc::EPERM,
        ENOENT => libc::ENOENT,
        EBADF => libc::EBADF,
        EAGAIN => libc::EAGAIN,
        ENOMEM => libc::ENOMEM,
        EBUSY => libc::EBUSY,
        EACCES => libc::EACCES,
        ENODEV => libc::ENODEV,
        EINVAL => libc::EINVAL,
        ENFILE => libc::ENFILE,
        EMFILE => libc::EMFILE,
        EPIPE => libc::EPIPE,
        ERANGE => libc::ERANGE,
        ENAMETOOLONG => libc::ENAMETOOLONG,
        ENOTSOCK => libc::ENOTSOCK,
        EDESTADDRREQ => libc::EDESTADDRREQ,
        EMSGSIZE => libc::EMSGSIZE,
        EOPNOTSUPP => libc::EOPNOTSUPP,
        EAFNOSUPPORT => libc::EAFNOSUPPORT,
        EADDRINUSE => libc::EADDRINUSE,
        EADDRNOTAVAIL => libc::EADDRNOTAVAIL,
        ENETDOWN => libc::ENETDOWN,
        ENETUNREACH => libc::ENETUNREACH,
        ECONNABORTED => libc::ECONNABORTED,
        ECONNRESET => libc::ECONNRESET,
        ENOBUFS => libc::ENOBUFS,
        EISCONN => libc::EISCONN,
        ENOTCONN => libc::ENOTCONN,
        ETIMEDOUT => libc::ETIMEDOUT,
        ECONNREFUSED => libc::ECONNREFUSED,
        EHOSTUNREACH => libc::EHOSTUNREACH,
        EALREADY => libc::EALREADY,
        EINPROGRESS => libc::EINPROGRESS,
        ECANCELED => libc::ECANCELED,
        EAI_AGAIN | EAI_FAIL | EAI_NODATA | EAI_NONAME | EINTERNAL | EUNKNOWN | EOF
        | ETRUNCATED | ECERTUNTRUSTED | ECERTEXPIRED | ECERTNAME | ETLSALERT | ETLSHANDSHAKE
        | ETLSPROTOCOL | EBADPEM | EKEYENCRYPTED => {
            return None;
        }
    })
}
