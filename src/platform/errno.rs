//! The C library's errno for each portable code: the system's errno on Unix, and the C
//! runtime's on Windows (which has the POSIX network codes too), so that `perror` after a
//! failed sockit call says what sockit says on every system.

use std::ffi::c_int;

use crate::error::ErrorCode;

pub(crate) fn errno_for(code: ErrorCode) -> Option<c_int> {
    use ErrorCode::*;
    Some(match code {
        NotPermitted => libc::EPERM,
        BadHandle => libc::EBADF,
        WouldBlock => libc::EAGAIN,
        OutOfMemory => libc::ENOMEM,
        AccessDenied => libc::EACCES,
        InvalidArgument => libc::EINVAL,
        TooManyFilesInSystem => libc::ENFILE,
        TooManyFiles => libc::EMFILE,
        BrokenPipe => libc::EPIPE,
        BufferTooSmall => libc::ERANGE,
        NotASocket => libc::ENOTSOCK,
        DestinationRequired => libc::EDESTADDRREQ,
        MessageTooLong => libc::EMSGSIZE,
        NotSupported => libc::EOPNOTSUPP,
        AddressFamilyNotSupported => libc::EAFNOSUPPORT,
        AddressInUse => libc::EADDRINUSE,
        AddressNotAvailable => libc::EADDRNOTAVAIL,
        NetworkDown => libc::ENETDOWN,
        NetworkUnreachable => libc::ENETUNREACH,
        ConnectionAborted => libc::ECONNABORTED,
        ConnectionReset => libc::ECONNRESET,
        NoBufferSpace => libc::ENOBUFS,
        AlreadyConnected => libc::EISCONN,
        NotConnected => libc::ENOTCONN,
        TimedOut => libc::ETIMEDOUT,
        ConnectionRefused => libc::ECONNREFUSED,
        HostUnreachable => libc::EHOSTUNREACH,
        Already => libc::EALREADY,
        InProgress => libc::EINPROGRESS,
        Cancelled => libc::ECANCELED,
        NameTryAgain | NameFailure | NameNoData | NameNotFound | Internal | Unknown | Eof
        | Truncated => {
            return None;
        }
    })
}
