//! Sending a file over a socket: the system's sendfile where it has one (the bytes go from
//! the file to the socket inside the kernel), else reading and sending.

use std::fs::File;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::io::{continue_after, retry_interrupted_within, send_all, send_error};
use crate::net::poll::Interest;
use crate::platform;

/// The most one system call is asked to send: the calls' own limits are near 2 GiB.
const CHUNK: u64 = 1 << 30;

/// The buffer of the read-and-send fallback.
const FALLBACK_BUFFER: usize = 64 * 1024;

/// Sends `count` bytes of `file` from `offset` (the file's own position is not used) over a
/// connected socket, with as many calls as it takes. Returns how many bytes were sent:
/// `count`, or fewer when the file ends first (it is shorter, or shrank meanwhile), 0 when
/// `offset` is at or past its end.
///
/// The system's sendfile is used where it has one and can do it for this file and socket;
/// otherwise (a pipe or a device, a socket it does not take, a system without one) the bytes
/// are read and sent. On a non-blocking socket no count is lost: would-block comes only
/// before any byte went; after that the call waits for room, for at most the socket's write
/// timeout, as [`crate::net::io::send_all`] does.
pub fn send_file(socket: &Socket, file: &File, offset: u64, count: u64) -> Result<u64> {
    // A handle that is no socket is refused, whatever the system's sendfile would take.
    socket.r#type()?;
    platform::prepare_send(socket).map_err(|e| send_error(socket, e))?;
    let mut sent = 0;
    let mut in_kernel = true;
    let mut buffer = Vec::new();
    while sent < count {
        let at = offset.checked_add(sent).ok_or(ErrorCode::EINVAL)?;
        let chunk = (count - sent).min(CHUNK) as usize;
        let result = if in_kernel {
            retry_interrupted_within(socket, Interest::WRITE, || {
                platform::send_file(socket, file, at, chunk)
            })
            .map_err(|e| send_error(socket, e))
        } else {
            read_and_send(socket, file, at, chunk, &mut buffer)
        };
        match result {
            // The end of the file.
            Ok(0) => break,
            Ok(count) => sent += count as u64,
            // The system cannot do this file or socket in the kernel: read and send instead.
            Err(err) if in_kernel && cannot_in_kernel(&err) => in_kernel = false,
            Err(err) => continue_after(socket, err, sent > 0, Interest::WRITE)?,
        }
    }
    Ok(sent)
}

/// The failures by which a sendfile says it cannot do it, rather than that the socket or the
/// file has failed: the reading path then gives the real answer (it reads pipes, and says
/// what is wrong with a directory or a descriptor opened for writing only).
fn cannot_in_kernel(err: &Error) -> bool {
    matches!(
        err.code(),
        ErrorCode::EINVAL | ErrorCode::EOPNOTSUPP | ErrorCode::ENOTSOCK | ErrorCode::EAFNOSUPPORT
    ) || err.os_error().is_none()
}

/// The fallback: reads up to `len` bytes at `at` and sends them all; how many (0 at the end
/// of the file).
fn read_and_send(
    socket: &Socket,
    file: &File,
    at: u64,
    len: usize,
    buffer: &mut Vec<u8>,
) -> Result<usize> {
    buffer.resize(FALLBACK_BUFFER, 0);
    let want = len.min(buffer.len());
    let read = loop {
        match platform::read_file_at(file, &mut buffer[..want], at) {
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            result => break result?,
        }
    };
    send_all(socket, &buffer[..read])
}
