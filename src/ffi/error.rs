//! Header section: versions and error codes.

use std::ffi::{c_char, c_int};

use crate::error::{ErrorCode, with_error_codes};
use crate::ffi::last_error;

/// The major version of this header; sockit_version() tells the library's.
pub const SOCKIT_VERSION_MAJOR: c_int = 0;
/// The minor version of this header.
pub const SOCKIT_VERSION_MINOR: c_int = 1;
/// The patch version of this header.
pub const SOCKIT_VERSION_PATCH: c_int = 0;

/// Success.
pub const SOCKIT_OK: c_int = 0;

/// The C constants of the error codes, from the one list in `crate::error` (build.rs writes
/// the same list into the header).
macro_rules! define_c_constants {
    ($($(#[$doc:meta])* $variant:ident / $c_name:ident = $value:literal, $message:literal;)*) => {
        $($(#[$doc])* pub const $c_name: c_int = ErrorCode::$variant.value();)*
    };
}

with_error_codes!(define_c_constants);

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
