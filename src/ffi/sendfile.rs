//! Header section: sending files.
//!
//! sockit_sendfile() sends part of a file over a connected socket the way the system does it
//! fastest: with sendfile() on Linux, macOS and FreeBSD and TransmitFile() on Windows the
//! bytes go from the file to the socket inside the kernel, never through the program's
//! memory; elsewhere, and for files or sockets the system cannot do that for (a pipe, a
//! Unix domain socket on macOS), sockit reads and sends them itself. A file server's core:
//!
//! ```c
//! int64_t sent = sockit_sendfile(sock, fd, 0, size);   /* fd from open(), size from fstat() */
//! if (sent < 0) ...
//! ```
//!
//! The cfg(windows) pairs here are the header's own platform split, as in the socket
//! section.

use crate::error::ErrorCode;
use crate::ffi::boundary::{borrow, call};
use crate::ffi::socket::sockit_socket;
use crate::net::sendfile;
use crate::platform;

/// A file for sockit_sendfile(): an open file descriptor on Unix (from open()).
#[cfg(not(windows))]
#[allow(non_camel_case_types)]
pub type sockit_file = std::ffi::c_int;

/// A file for sockit_sendfile(): a HANDLE on Windows (from CreateFile(), or
/// _get_osfhandle() of a C runtime descriptor from _open()).
#[cfg(windows)]
#[allow(non_camel_case_types)]
pub type sockit_file = *mut std::ffi::c_void;

// The header's file type is the platform's.
const _: fn(sockit_file) -> platform::RawFile = |file| file;

/// Sends count bytes of the open file file, from offset on, over the connected socket sock,
/// with as many system calls as it takes. offset counts from the start of the file; the
/// file's own position is not used, and is left as it was. The file must be open for
/// reading, and is not closed.
///
/// Returns how many bytes were sent: count, or fewer when the file ends first (it is
/// shorter than offset + count, or shrank while it was being sent), 0 when offset is at or
/// past its end or count is 0. Fails with SOCKIT_EPIPE or SOCKIT_ECONNRESET (the peer has
/// gone, which Windows' TransmitFile reports as SOCKIT_ENOTCONN; never SIGPIPE), SOCKIT_EAGAIN (non-blocking and nothing could be sent yet: once
/// some bytes went, the call waits for room for the rest, at most the socket's write timeout),
/// SOCKIT_ETIMEDOUT (the write timeout expired), SOCKIT_ENOTCONN, SOCKIT_EBADF (sock or file
/// not open, or the file not open for reading; on Windows SOCKIT_EACCES for that),
/// SOCKIT_EINVAL (a negative offset or count,
/// or a file that cannot be read from an offset: a directory, a pipe), SOCKIT_ENOTSOCK or
/// SOCKIT_EUNKNOWN (another failure reading the file; sockit_last_os_error() says which).
/// After a failure some of the bytes may have been sent.
///
/// The bytes are not copied when the call hands them over: a part of the file changed (or
/// cut off) while the call runs may reach the peer as it is after the change (Linux sends
/// zeros for bytes cut off after it took them). Do not change a file while it is sent.
///
/// Blocks until everything is sent, unless the socket is non-blocking (then as above; on
/// Windows, which cannot tell sockit a socket's mode, each TransmitFile is waited for even
/// on a non-blocking socket, for at most the write timeout).
#[unsafe(no_mangle)]
pub extern "C" fn sockit_sendfile(
    sock: sockit_socket,
    file: sockit_file,
    offset: i64,
    count: i64,
) -> i64 {
    call(|| {
        let (offset, count) = match (u64::try_from(offset), u64::try_from(count)) {
            (Ok(offset), Ok(count)) => (offset, count),
            _ => return Err(ErrorCode::EINVAL.into()),
        };
        // SAFETY: the handles only go to the system calls that send the file; a closed or
        // wrong handle makes them fail.
        let (sock, file) = unsafe {
            (
                borrow(sock)?,
                platform::borrow_file(file).ok_or(ErrorCode::EBADF)?,
            )
        };
        let sent = sendfile::send_file(&sock, &file, offset, count)?;
        Ok(i64::try_from(sent).unwrap_or(i64::MAX))
    })
}
