//! Header section: the socket handle and the constants shared by the socket functions.
//!
//! The `cfg(windows)` pairs here are the header's own platform split: cbindgen turns them into
//! `#if defined(_WIN32)`, and the types are checked against the platform seam below.

use std::ffi::c_int;

use crate::platform;

/// A socket: the operating system's own handle, so that existing code can keep using it with
/// the system's functions (read, write, close, select...). An int file descriptor on Unix.
#[cfg(not(windows))]
#[allow(non_camel_case_types)]
pub type sockit_socket = c_int;

/// A socket: the operating system's own handle, so that existing code can keep using it with
/// the system's functions. A Winsock SOCKET on Windows.
#[cfg(windows)]
#[allow(non_camel_case_types)]
pub type sockit_socket = usize;

/// The value that is never a valid socket (-1 on Unix, INVALID_SOCKET on Windows).
#[cfg(not(windows))]
pub const SOCKIT_INVALID_SOCKET: sockit_socket = -1;

/// The value that is never a valid socket (-1 on Unix, INVALID_SOCKET on Windows).
#[cfg(windows)]
pub const SOCKIT_INVALID_SOCKET: sockit_socket = !0 as sockit_socket;

/// A timeout of SOCKIT_FOREVER means no limit. Every call that takes a timeout refuses any
/// other negative number of milliseconds with SOCKIT_EINVAL (so a deadline computed past
/// zero fails instead of waiting forever).
pub const SOCKIT_FOREVER: c_int = -1;

// The header's handle type is the platform's handle type.
const _: fn(sockit_socket) -> platform::RawSocket = |sock| sock;
const _: () = assert!(SOCKIT_INVALID_SOCKET == platform::INVALID_SOCKET);
