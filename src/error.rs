//! The portable error codes and their mapping from operating-system errors.
//!
//! Every failure in sockit is an [`Error`]: one of the fixed [`ErrorCode`]s, which have the
//! same value on every platform, plus the raw OS error it came from, when there was one. The
//! values follow Linux's errno numbers (negated) where a system error exists and libuv's
//! numbers for resolver and library errors, so they are familiar in a debugger.

use std::ffi::CStr;
use std::fmt;
use std::io;

use crate::platform;

/// A `Result` whose error is a sockit [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $value:literal, $name:literal, $message:literal;)*) => {
        /// A portable error code. The C API returns [`ErrorCode::value`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant = $value,)*
        }

        impl ErrorCode {
            /// Every code, for lookups and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The name of the C constant, such as `SOCKIT_EINVAL`.
            pub const fn name(self) -> &'static CStr {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }

            /// A one-line description, worded like the C library's `strerror` where the
            /// error is a system error.
            pub const fn message(self) -> &'static CStr {
                match self {
                    $(ErrorCode::$variant => $message,)*
                }
            }
        }
    };
}

error_codes! {
    /// The operation is not permitted (for example by a firewall rule).
    NotPermitted = -1, c"SOCKIT_EPERM", c"Operation not permitted";
    /// The handle is not an open descriptor, or is `SOCKIT_INVALID_SOCKET`.
    BadHandle = -9, c"SOCKIT_EBADF", c"Bad file descriptor";
    /// A non-blocking socket is not ready: try again once it is.
    WouldBlock = -11, c"SOCKIT_EAGAIN", c"Resource temporarily unavailable";
    /// The system ran out of memory.
    OutOfMemory = -12, c"SOCKIT_ENOMEM", c"Cannot allocate memory";
    /// Permission denied (for example binding a privileged port).
    AccessDenied = -13, c"SOCKIT_EACCES", c"Permission denied";
    /// An argument is invalid: a NULL pointer, a bad length, port, family or host name.
    InvalidArgument = -22, c"SOCKIT_EINVAL", c"Invalid argument";
    /// The system-wide limit on open files is reached.
    TooManyFilesInSystem = -23, c"SOCKIT_ENFILE", c"Too many open files in system";
    /// The process limit on open descriptors is reached.
    TooManyFiles = -24, c"SOCKIT_EMFILE", c"Too many open files";
    /// The peer closed the connection; sending on it is no longer possible.
    BrokenPipe = -32, c"SOCKIT_EPIPE", c"Broken pipe";
    /// The result does not fit in the buffer the caller gave.
    BufferTooSmall = -34, c"SOCKIT_ERANGE", c"Result too large for the buffer given";
    /// The handle is open but is not a socket.
    NotASocket = -88, c"SOCKIT_ENOTSOCK", c"Socket operation on non-socket";
    /// A datagram socket with no destination was used to send.
    DestinationRequired = -89, c"SOCKIT_EDESTADDRREQ", c"Destination address required";
    /// A datagram was larger than the buffer, or too large to send.
    MessageTooLong = -90, c"SOCKIT_EMSGSIZE", c"Message too long";
    /// The operation does not apply to this kind of socket.
    NotSupported = -95, c"SOCKIT_EOPNOTSUPP", c"Operation not supported";
    /// The address family (IPv4 or IPv6) is not available here or does not fit the socket.
    AddressFamilyNotSupported = -97, c"SOCKIT_EAFNOSUPPORT",
        c"Address family not supported by protocol";
    /// Another socket is bound to the address already.
    AddressInUse = -98, c"SOCKIT_EADDRINUSE", c"Address already in use";
    /// The address is not one of this machine's.
    AddressNotAvailable = -99, c"SOCKIT_EADDRNOTAVAIL", c"Cannot assign requested address";
    /// The network is down.
    NetworkDown = -100, c"SOCKIT_ENETDOWN", c"Network is down";
    /// No route to the network.
    NetworkUnreachable = -101, c"SOCKIT_ENETUNREACH", c"Network is unreachable";
    /// The connection was aborted on this side.
    ConnectionAborted = -103, c"SOCKIT_ECONNABORTED", c"Software caused connection abort";
    /// The peer reset the connection.
    ConnectionReset = -104, c"SOCKIT_ECONNRESET", c"Connection reset by peer";
    /// The system ran out of socket buffers.
    NoBufferSpace = -105, c"SOCKIT_ENOBUFS", c"No buffer space available";
    /// The socket is connected already.
    AlreadyConnected = -106, c"SOCKIT_EISCONN", c"Transport endpoint is already connected";
    /// The socket is not connected.
    NotConnected = -107, c"SOCKIT_ENOTCONN", c"Transport endpoint is not connected";
    /// A timeout expired: the caller's, or the socket's read or write timeout.
    TimedOut = -110, c"SOCKIT_ETIMEDOUT", c"Operation timed out";
    /// Nothing listens at the address.
    ConnectionRefused = -111, c"SOCKIT_ECONNREFUSED", c"Connection refused";
    /// No route to the host.
    HostUnreachable = -113, c"SOCKIT_EHOSTUNREACH", c"No route to host";
    /// An operation is already in progress on this socket.
    Already = -114, c"SOCKIT_EALREADY", c"Operation already in progress";
    /// A connection on a non-blocking socket is in progress.
    InProgress = -115, c"SOCKIT_EINPROGRESS", c"Operation now in progress";
    /// The operation was cancelled before it could happen (a timer whose server stopped).
    Cancelled = -125, c"SOCKIT_ECANCELED", c"Operation canceled";
    /// The name server did not answer in time; trying again later may work.
    NameTryAgain = -3001, c"SOCKIT_EAI_AGAIN", c"Temporary failure in name resolution";
    /// The name server failed for good.
    NameFailure = -3004, c"SOCKIT_EAI_FAIL", c"Non-recoverable failure in name resolution";
    /// The name exists but has no address (of the family asked for).
    NameNoData = -3007, c"SOCKIT_EAI_NODATA", c"No address associated with hostname";
    /// The host name is not known.
    NameNotFound = -3008, c"SOCKIT_EAI_NONAME", c"Name or service not known";
    /// A bug in sockit was caught before it could reach the caller.
    Internal = -4093, c"SOCKIT_EINTERNAL", c"Internal error in sockit (please report it)";
    /// A system error with no portable code; the raw error says which.
    Unknown = -4094, c"SOCKIT_EUNKNOWN", c"Unknown system error";
    /// The stream ended inside a message: its last message arrived cut short.
    Truncated = -4090, c"SOCKIT_ETRUNCATED", c"Stream ended inside a message";
    /// The stream ended: before the expected bytes arrived, or, for a message reader,
    /// cleanly between two messages.
    Eof = -4095, c"SOCKIT_EOF", c"End of stream";
}

impl ErrorCode {
    /// Out of descriptors, memory or socket buffers: a server pauses and tries again rather
    /// than give up, as the shortage passes when clients leave.
    pub fn is_exhaustion(self) -> bool {
        matches!(
            self,
            ErrorCode::TooManyFiles
                | ErrorCode::TooManyFilesInSystem
                | ErrorCode::OutOfMemory
                | ErrorCode::NoBufferSpace
        )
    }

    /// The socket itself cannot serve (closed, not a socket, the wrong kind, or a bug in
    /// sockit): a server loop on it ends with this error.
    pub fn makes_socket_unusable(self) -> bool {
        matches!(
            self,
            ErrorCode::BadHandle
                | ErrorCode::NotASocket
                | ErrorCode::InvalidArgument
                | ErrorCode::NotSupported
                | ErrorCode::Internal
        )
    }

    /// The negative value the C API returns.
    pub const fn value(self) -> i32 {
        self as i32
    }

    /// The code with this value, if there is one.
    pub fn from_value(value: i32) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.value() == value)
    }

    /// [`ErrorCode::message`] as a `&str`.
    pub fn message_str(self) -> &'static str {
        // The messages are ASCII literals.
        self.message().to_str().unwrap_or("")
    }
}

/// A failure: a portable code and, where the operating system reported it, the raw OS error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    os: Option<i32>,
}

impl Error {
    /// A failure detected by sockit itself.
    pub const fn new(code: ErrorCode) -> Error {
        Error { code, os: None }
    }

    /// A failure with the raw OS error that caused it.
    pub const fn with_os(code: ErrorCode, os: i32) -> Error {
        Error { code, os: Some(os) }
    }

    /// A raw OS error (errno, or a Winsock error on Windows), mapped to its portable code.
    pub fn from_os(os: i32) -> Error {
        Error::with_os(platform::error_code(os), os)
    }

    /// The portable code.
    pub const fn code(&self) -> ErrorCode {
        self.code
    }

    /// The raw OS error, if the failure came from the operating system.
    pub const fn os_error(&self) -> Option<i32> {
        self.os
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Error {
        Error::new(code)
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        if let Some(os) = err.raw_os_error() {
            return Error::from_os(os);
        }
        let code = match err.kind() {
            io::ErrorKind::TimedOut => ErrorCode::TimedOut,
            io::ErrorKind::WouldBlock => ErrorCode::WouldBlock,
            io::ErrorKind::InvalidInput => ErrorCode::InvalidArgument,
            io::ErrorKind::UnexpectedEof => ErrorCode::Eof,
            io::ErrorKind::OutOfMemory => ErrorCode::OutOfMemory,
            io::ErrorKind::ConnectionRefused => ErrorCode::ConnectionRefused,
            io::ErrorKind::ConnectionReset => ErrorCode::ConnectionReset,
            io::ErrorKind::BrokenPipe => ErrorCode::BrokenPipe,
            io::ErrorKind::Unsupported => ErrorCode::NotSupported,
            _ => ErrorCode::Unknown,
        };
        Error::new(code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.os) {
            (ErrorCode::Unknown, Some(os)) => f.write_str(&platform::os_error_text(os)),
            (code, _) => f.write_str(code.message_str()),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_negative_distinct_and_named() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            assert!(code.value() < 0, "{code:?}");
            assert!(seen.insert(code.value()), "{code:?} repeats a value");
            let name = code.name().to_str().unwrap();
            assert!(name.starts_with("SOCKIT_E"), "{name}");
            assert!(!code.message_str().is_empty());
            assert_eq!(ErrorCode::from_value(code.value()), Some(code));
        }
        assert_eq!(ErrorCode::from_value(0), None);
        assert_eq!(ErrorCode::from_value(-2), None);
    }

    #[test]
    fn io_errors_keep_their_os_code() {
        let refused = Error::from(io::Error::from_raw_os_error(platform::test_errno::REFUSED));
        assert_eq!(refused.code(), ErrorCode::ConnectionRefused);
        assert_eq!(refused.os_error(), Some(platform::test_errno::REFUSED));
        let timed_out = Error::from(io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(timed_out.code(), ErrorCode::TimedOut);
        assert_eq!(timed_out.os_error(), None);
    }

    #[test]
    fn unknown_os_errors_describe_the_os_error() {
        let err = Error::with_os(ErrorCode::Unknown, platform::test_errno::UNMAPPED);
        assert!(!err.to_string().is_empty());
        assert_ne!(err.to_string(), ErrorCode::Unknown.message_str());
    }
}
