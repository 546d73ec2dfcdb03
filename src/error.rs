//! The portable error codes and their mapping from operating-system errors.
//!
//! Every failure in sockit is an [`Error`]: one of the fixed [`ErrorCode`]s, which have the
//! same value on every platform, plus the raw OS error it came from, when there was one. The
//! values follow Linux's errno numbers (negated) where a system error exists and libuv's
//! numbers for resolver and library errors, so they are familiar in a debugger.

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::time::Duration;

use crate::platform;

/// A `Result` whose error is a sockit [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The error codes, each written once: its Rust variant, the name of its C constant (the
/// same name with the `SOCKIT_` prefix, so a code from a bug report is found by grep), its
/// value, the one-line message `sockit_strerror` gives, and its documentation, which
/// also becomes the C constant's comment in `include/sockit.h` (build.rs reads this list;
/// the C API's constants in `ffi::error` are made from it too).
///
/// Call it with the name of a macro that takes the list.
macro_rules! with_error_codes {
    ($callback:ident) => {
        $callback! {
            /// The operation is not permitted (for example by a firewall rule).
            EPERM / SOCKIT_EPERM = -1, "Operation not permitted";
            /// No such file or directory: a Unix socket path that does not exist.
            ENOENT / SOCKIT_ENOENT = -2, "No such file or directory";
            /// The handle is not an open descriptor, or is `SOCKIT_INVALID_SOCKET`.
            EBADF / SOCKIT_EBADF = -9, "Bad file descriptor";
            /// A non-blocking socket is not ready: try again once it is.
            EAGAIN / SOCKIT_EAGAIN = -11, "Resource temporarily unavailable";
            /// The system ran out of memory.
            ENOMEM / SOCKIT_ENOMEM = -12, "Cannot allocate memory";
            /// The object is in use: an event loop asked to run or be freed from inside one of
            /// its own callbacks.
            EBUSY / SOCKIT_EBUSY = -16, "Device or resource busy";
            /// Permission denied (for example binding a privileged port).
            EACCES / SOCKIT_EACCES = -13, "Permission denied";
            /// No such network interface (a multicast interface named that does not exist).
            ENODEV / SOCKIT_ENODEV = -19, "No such device";
            /// An argument is invalid: a NULL pointer, a bad length, port, family or host name.
            EINVAL / SOCKIT_EINVAL = -22, "Invalid argument";
            /// The system-wide limit on open files is reached.
            ENFILE / SOCKIT_ENFILE = -23, "Too many open files in system";
            /// The process limit on open descriptors is reached.
            EMFILE / SOCKIT_EMFILE = -24, "Too many open files";
            /// The peer closed the connection; sending on it is no longer possible.
            EPIPE / SOCKIT_EPIPE = -32, "Broken pipe";
            /// The result does not fit in the buffer the caller gave.
            ERANGE / SOCKIT_ERANGE = -34, "Result too large for the buffer given";
            /// A Unix socket path is longer than the system's socket addresses hold.
            ENAMETOOLONG / SOCKIT_ENAMETOOLONG = -36, "File name too long";
            /// The handle is open but is not a socket.
            ENOTSOCK / SOCKIT_ENOTSOCK = -88, "Socket operation on non-socket";
            /// A datagram socket with no destination was used to send.
            EDESTADDRREQ / SOCKIT_EDESTADDRREQ = -89, "Destination address required";
            /// A datagram was larger than the buffer, or too large to send.
            EMSGSIZE / SOCKIT_EMSGSIZE = -90, "Message too long";
            /// The operation does not apply to this kind of socket.
            EOPNOTSUPP / SOCKIT_EOPNOTSUPP = -95, "Operation not supported";
            /// The address family (IPv4 or IPv6) is not available here or does not fit the socket.
            EAFNOSUPPORT / SOCKIT_EAFNOSUPPORT = -97, "Address family not supported by protocol";
            /// Another socket is bound to the address already.
            EADDRINUSE / SOCKIT_EADDRINUSE = -98, "Address already in use";
            /// The address is not one of this machine's.
            EADDRNOTAVAIL / SOCKIT_EADDRNOTAVAIL = -99, "Cannot assign requested address";
            /// The network is down.
            ENETDOWN / SOCKIT_ENETDOWN = -100, "Network is down";
            /// No route to the network.
            ENETUNREACH / SOCKIT_ENETUNREACH = -101, "Network is unreachable";
            /// The connection was aborted on this side.
            ECONNABORTED / SOCKIT_ECONNABORTED = -103, "Software caused connection abort";
            /// The peer reset the connection.
            ECONNRESET / SOCKIT_ECONNRESET = -104, "Connection reset by peer";
            /// The system ran out of socket buffers.
            ENOBUFS / SOCKIT_ENOBUFS = -105, "No buffer space available";
            /// The socket is connected already.
            EISCONN / SOCKIT_EISCONN = -106, "Transport endpoint is already connected";
            /// The socket is not connected.
            ENOTCONN / SOCKIT_ENOTCONN = -107, "Transport endpoint is not connected";
            /// A timeout expired: the caller's, or the socket's read or write timeout.
            ETIMEDOUT / SOCKIT_ETIMEDOUT = -110, "Operation timed out";
            /// Nothing listens at the address.
            ECONNREFUSED / SOCKIT_ECONNREFUSED = -111, "Connection refused";
            /// No route to the host.
            EHOSTUNREACH / SOCKIT_EHOSTUNREACH = -113, "No route to host";
            /// An operation is already in progress on this socket.
            EALREADY / SOCKIT_EALREADY = -114, "Operation already in progress";
            /// A connection on a non-blocking socket is in progress.
            EINPROGRESS / SOCKIT_EINPROGRESS = -115, "Operation now in progress";
            /// The operation was cancelled before it could happen (a timer whose server stopped).
            ECANCELED / SOCKIT_ECANCELED = -125, "Operation canceled";
            /// The name server did not answer in time; trying again later may work.
            EAI_AGAIN / SOCKIT_EAI_AGAIN = -3001, "Temporary failure in name resolution";
            /// The name server failed for good.
            EAI_FAIL / SOCKIT_EAI_FAIL = -3004, "Non-recoverable failure in name resolution";
            /// The name exists but has no address (of the family asked for).
            EAI_NODATA / SOCKIT_EAI_NODATA = -3007, "No address associated with hostname";
            /// The host name is not known.
            EAI_NONAME / SOCKIT_EAI_NONAME = -3008, "Name or service not known";
            /// A bug in sockit was caught before it could reach the caller.
            EINTERNAL / SOCKIT_EINTERNAL = -4093, "Internal error in sockit (please report it)";
            /// A system error with no portable code; the raw error says which.
            EUNKNOWN / SOCKIT_EUNKNOWN = -4094, "Unknown system error";
            /// The stream ended inside a message: its last message arrived cut short. For TLS:
            /// the connection ended without the peer's close_notify, so what came may be cut
            /// short by an attacker.
            ETRUNCATED / SOCKIT_ETRUNCATED = -4090, "Stream ended inside a message";
            /// TLS: the peer's certificate does not lead to a certificate authority this side
            /// trusts (self-signed, another CA, a bad signature), or the peer presented none
            /// where one is required.
            ECERTUNTRUSTED / SOCKIT_ECERTUNTRUSTED = -5001, "Certificate not trusted";
            /// TLS: the peer's certificate has expired or is not valid yet (check the clocks).
            ECERTEXPIRED / SOCKIT_ECERTEXPIRED = -5002, "Certificate expired or not yet valid";
            /// TLS: the peer's certificate is not for the name or IP address connected to.
            ECERTNAME / SOCKIT_ECERTNAME = -5003, "Certificate not valid for this name";
            /// TLS: the peer ended the handshake or the connection with an alert (it refused
            /// this side's certificate, say); sockit_tls_last_error_detail() names the alert.
            ETLSALERT / SOCKIT_ETLSALERT = -5004, "TLS alert received from peer";
            /// TLS: the two sides found nothing in common (versions, cipher suites, ALPN
            /// protocols), or the handshake failed otherwise.
            ETLSHANDSHAKE / SOCKIT_ETLSHANDSHAKE = -5005, "TLS handshake failed";
            /// TLS: the peer sent something that is not TLS or breaks its rules (plaintext to a
            /// TLS port, a corrupt or forged record).
            ETLSPROTOCOL / SOCKIT_ETLSPROTOCOL = -5006, "TLS protocol error";
            /// TLS: a PEM file holds no usable certificate or key, or the key does not match
            /// the certificate.
            EBADPEM / SOCKIT_EBADPEM = -5007, "No usable certificate or key in the PEM file";
            /// TLS: the private key file is encrypted (a passphrase): decrypt it first, for
            /// example with `openssl pkey -in key.pem -out plain.pem`.
            EKEYENCRYPTED / SOCKIT_EKEYENCRYPTED = -5008, "Private key is encrypted";
            /// The stream ended: before the expected bytes arrived, or, for a message reader,
            /// cleanly between two messages.
            EOF / SOCKIT_EOF = -4095, "End of stream";
        }
    };
}

macro_rules! define_error_code {
    ($($(#[$doc:meta])* $variant:ident / $c_name:ident = $value:literal, $message:literal;)*) => {
        /// A portable error code. The C API returns [`ErrorCode::value`]; each variant is
        /// the C constant's name without its `SOCKIT_` prefix.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant = $value,)*
        }

        impl ErrorCode {
            /// Every code, for lookups and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The name of the C constant, such as `SOCKIT_EINVAL`.
            pub const fn name(self) -> &'static CStr {
                match self {
                    $(ErrorCode::$variant => match CStr::from_bytes_with_nul(
                        concat!("SOCKIT_", stringify!($variant), "\0").as_bytes(),
                    ) {
                        Ok(name) => name,
                        Err(_) => panic!("a name has no NUL inside"),
                    },)*
                }
            }

            /// A one-line description, worded like the C library's `strerror` where the
            /// error is a system error.
            pub const fn message(self) -> &'static CStr {
                match self {
                    $(ErrorCode::$variant => match CStr::from_bytes_with_nul(
                        concat!($message, "\0").as_bytes(),
                    ) {
                        Ok(message) => message,
                        Err(_) => panic!("a message has no NUL inside"),
                    },)*
                }
            }
        }
    };
}

with_error_codes!(define_error_code);
pub(crate) use with_error_codes;

/// How long a server waits before accepting or receiving again after an exhaustion
/// ([`ErrorCode::is_exhaustion`]); the clients wait in the listen queue meanwhile.
pub const EXHAUSTION_PAUSE: Duration = Duration::from_millis(100);

impl ErrorCode {
    /// Out of descriptors, memory or socket buffers: a server pauses and tries again rather
    /// than give up, as the shortage passes when clients leave.
    pub fn is_exhaustion(self) -> bool {
        matches!(
            self,
            ErrorCode::EMFILE | ErrorCode::ENFILE | ErrorCode::ENOMEM | ErrorCode::ENOBUFS
        )
    }

    /// The socket itself cannot serve (closed, not a socket, the wrong kind, or a bug in
    /// sockit): a server loop on it ends with this error.
    pub fn makes_socket_unusable(self) -> bool {
        matches!(
            self,
            ErrorCode::EBADF
                | ErrorCode::ENOTSOCK
                | ErrorCode::EINVAL
                | ErrorCode::EOPNOTSUPP
                | ErrorCode::EINTERNAL
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
        // A sockit error that went through an `io::Write` or `io::Read` (`io::Error::other`).
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            return *inner;
        }
        if let Some(os) = err.raw_os_error() {
            return Error::from_os(os);
        }
        let code = match err.kind() {
            io::ErrorKind::TimedOut => ErrorCode::ETIMEDOUT,
            io::ErrorKind::WouldBlock => ErrorCode::EAGAIN,
            io::ErrorKind::InvalidInput => ErrorCode::EINVAL,
            io::ErrorKind::UnexpectedEof => ErrorCode::EOF,
            io::ErrorKind::OutOfMemory => ErrorCode::ENOMEM,
            io::ErrorKind::ConnectionRefused => ErrorCode::ECONNREFUSED,
            io::ErrorKind::ConnectionReset => ErrorCode::ECONNRESET,
            io::ErrorKind::BrokenPipe => ErrorCode::EPIPE,
            io::ErrorKind::Unsupported => ErrorCode::EOPNOTSUPP,
            _ => ErrorCode::EUNKNOWN,
        };
        Error::new(code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.os) {
            (ErrorCode::EUNKNOWN, Some(os)) => f.write_str(&platform::os_error_text(os)),
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
        assert_eq!(ErrorCode::from_value(-3), None);
    }

    #[test]
    fn io_errors_keep_their_os_code() {
        let refused = Error::from(io::Error::from_raw_os_error(platform::test_errno::REFUSED));
        assert_eq!(refused.code(), ErrorCode::ECONNREFUSED);
        assert_eq!(refused.os_error(), Some(platform::test_errno::REFUSED));
        let timed_out = Error::from(io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(timed_out.code(), ErrorCode::ETIMEDOUT);
        assert_eq!(timed_out.os_error(), None);
    }

    #[test]
    fn unknown_os_errors_describe_the_os_error() {
        let err = Error::with_os(ErrorCode::EUNKNOWN, platform::test_errno::UNMAPPED);
        assert!(!err.to_string().is_empty());
        assert_ne!(err.to_string(), ErrorCode::EUNKNOWN.message_str());
    }
}
