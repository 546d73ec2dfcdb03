//! Header section: versions and error codes.

use std::ffi::{c_char, c_int};

use crate::error::ErrorCode;
use crate::ffi::last_error;

/// The major version of this header; sockit_version() tells the library's.
pub const SOCKIT_VERSION_MAJOR: c_int = 0;
/// The minor version of this header.
pub const SOCKIT_VERSION_MINOR: c_int = 1;
/// The patch version of this header.
pub const SOCKIT_VERSION_PATCH: c_int = 0;

/// Success.
pub const SOCKIT_OK: c_int = 0;
/// The operation is not permitted (for example by a firewall rule).
pub const SOCKIT_EPERM: c_int = -1;
/// The handle is not an open descriptor, or is SOCKIT_INVALID_SOCKET.
pub const SOCKIT_EBADF: c_int = -9;
/// A non-blocking socket is not ready: try again once it is ("would block").
pub const SOCKIT_EAGAIN: c_int = -11;
/// The system ran out of memory.
pub const SOCKIT_ENOMEM: c_int = -12;
/// Permission denied (for example binding a privileged port).
pub const SOCKIT_EACCES: c_int = -13;
/// An argument is invalid: a NULL pointer, a bad length, port, family or host name.
pub const SOCKIT_EINVAL: c_int = -22;
/// The system-wide limit on open files is reached.
pub const SOCKIT_ENFILE: c_int = -23;
/// The process limit on open descriptors is reached.
pub const SOCKIT_EMFILE: c_int = -24;
/// The peer closed the connection; sending on it is no longer possible.
pub const SOCKIT_EPIPE: c_int = -32;
/// The result does not fit in the buffer the caller gave.
pub const SOCKIT_ERANGE: c_int = -34;
/// The handle is open but is not a socket.
pub const SOCKIT_ENOTSOCK: c_int = -88;
/// A datagram socket with no destination was used to send.
pub const SOCKIT_EDESTADDRREQ: c_int = -89;
/// A datagram was larger than the buffer, or too large to send.
pub const SOCKIT_EMSGSIZE: c_int = -90;
/// The operation does not apply to this kind of socket.
pub const SOCKIT_EOPNOTSUPP: c_int = -95;
/// The address family (IPv4 or IPv6) is not available here or does not fit the socket.
pub const SOCKIT_EAFNOSUPPORT: c_int = -97;
/// Another socket is bound to the address already.
pub const SOCKIT_EADDRINUSE: c_int = -98;
/// The address is not one of this machine's.
pub const SOCKIT_EADDRNOTAVAIL: c_int = -99;
/// The network is down.
pub const SOCKIT_ENETDOWN: c_int = -100;
/// No route to the network.
pub const SOCKIT_ENETUNREACH: c_int = -101;
/// The connection was aborted on this side.
pub const SOCKIT_ECONNABORTED: c_int = -103;
/// The peer reset the connection.
pub const SOCKIT_ECONNRESET: c_int = -104;
/// The system ran out of socket buffers.
pub const SOCKIT_ENOBUFS: c_int = -105;
/// The socket is connected already.
pub const SOCKIT_EISCONN: c_int = -106;
/// The socket is not connected.
pub const SOCKIT_ENOTCONN: c_int = -107;
/// A timeout expired: the caller's, or the socket's read or write timeout.
pub const SOCKIT_ETIMEDOUT: c_int = -110;
/// Nothing listens at the address.
pub const SOCKIT_ECONNREFUSED: c_int = -111;
/// No route to the host.
pub const SOCKIT_EHOSTUNREACH: c_int = -113;
/// An operation is already in progress on this socket.
pub const SOCKIT_EALREADY: c_int = -114;
/// A connection on a non-blocking socket is in progress.
pub const SOCKIT_EINPROGRESS: c_int = -115;
/// The operation was cancelled before it could happen (a timer whose server stopped).
pub const SOCKIT_ECANCELED: c_int = -125;
/// The name server did not answer in time; trying again later may work.
pub const SOCKIT_EAI_AGAIN: c_int = -3001;
/// The name server failed for good.
pub const SOCKIT_EAI_FAIL: c_int = -3004;
/// The name exists but has no address (of the family asked for).
pub const SOCKIT_EAI_NODATA: c_int = -3007;
/// The host name is not known.
pub const SOCKIT_EAI_NONAME: c_int = -3008;
/// The stream ended inside a message: a message reader got its last message cut short.
pub const SOCKIT_ETRUNCATED: c_int = -4090;
/// A bug in sockit was caught before it could reach the caller. Please report it.
pub const SOCKIT_EINTERNAL: c_int = -4093;
/// A system error with no portable code; sockit_last_os_error() says which.
pub const SOCKIT_EUNKNOWN: c_int = -4094;
/// The stream ended: before the expected bytes arrived, or, for a message reader, cleanly
/// between two messages.
pub const SOCKIT_EOF: c_int = -4095;

/// The library's version as text, such as "0.1.0". Static storage: never free it. Never NULL.
/// Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A one-line description of an error code, such as "Connection refused". Any int is
/// accepted: 0 gives "Success", a value that is no sockit code gives "Unknown error code".
/// Static storage: never free it. Never NULL. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_strerror(code: c_int) -> *const c_char {
    let text = match code {
        SOCKIT_OK => c"Success",
        _ => ErrorCode::from_value(code).map_or(c"Unknown error code", ErrorCode::message),
    };
    text.as_ptr()
}

/// The name of an error code's constant, such as "SOCKIT_ECONNREFUSED". Any int is accepted:
/// 0 gives "SOCKIT_OK", a value that is no sockit code gives "SOCKIT_UNKNOWN_CODE".
/// Static storage: never free it. Never NULL. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_err_name(code: c_int) -> *const c_char {
    let name = match code {
        SOCKIT_OK => c"SOCKIT_OK",
        _ => ErrorCode::from_value(code).map_or(c"SOCKIT_UNKNOWN_CODE", ErrorCode::name),
    };
    name.as_ptr()
}

/// The code of the calling thread's last failed sockit call (later successes do not clear
/// it), or SOCKIT_OK if no call has failed on this thread yet. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_last_error() -> c_int {
    last_error::last_failure().map_or(SOCKIT_OK, |e| e.code().value())
}

/// The raw operating-system error (errno, or WSAGetLastError() on Windows) behind the calling
/// thread's last failed sockit call, for logging; 0 if that failure was detected by sockit
/// itself (a bad argument, an unexpected end of stream) or no call has failed yet.
/// Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_last_os_error() -> c_int {
    last_error::last_failure()
        .and_then(|e| e.os_error())
        .unwrap_or(0)
}
