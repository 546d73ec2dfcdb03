//! Sending a file's bytes to a socket in the kernel: Windows' `TransmitFile`, overlapped.

use std::fs::File;
use std::io;
use std::mem::ManuallyDrop;
use std::os::windows::io::{AsRawHandle, AsRawSocket, FromRawHandle, RawHandle};

use socket2::Socket;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT};
use windows_sys::Win32::Networking::WinSock as ws;
use windows_sys::Win32::System::IO::{CancelIoEx, OVERLAPPED};
use windows_sys::Win32::System::Threading::{CreateEventW, INFINITE, WaitForSingleObject};

use super::error::last_os_error;

/// The handle of a file as C programs hold it: a Windows `HANDLE` (from `CreateFile`, or
/// `_get_osfhandle` of a C runtime descriptor).
pub(crate) type RawFile = RawHandle;

/// Lends the caller's file handle to the core without taking it over. `None` for NULL and
/// `INVALID_HANDLE_VALUE`.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the file is in use. A handle that is
/// closed already, or not a file, only makes the calls on it fail.
pub(crate) unsafe fn borrow_file(raw: RawFile) -> Option<ManuallyDrop<File>> {
    let valid = !raw.is_null() && raw != INVALID_HANDLE_VALUE as RawHandle;
    // SAFETY: wrapped in ManuallyDrop and never dropped, so the handle is never closed here;
    // the caller keeps it open while it is used.
    valid.then(|| ManuallyDrop::new(unsafe { File::from_raw_handle(raw) }))
}

/// The most `TransmitFile` sends in one call (its limit is 2^31 - 2 bytes).
const MAX_TRANSMIT: usize = 1 << 30;

/// Sends up to `len` bytes of `file` from `offset` with one `TransmitFile`: how many went (0
/// at the end of the file). The transfer is overlapped, for the two things a synchronous one
/// does not give: the offset (in the OVERLAPPED, so the file's position is not used or
/// moved) and the count that really went (`WSAGetOverlappedResult`), which is what a file
/// that shrinks meanwhile needs. It is waited for as a blocking send is: for at most the
/// socket's write timeout, after which it is cancelled and what went is counted (or, if
/// nothing did, it is `TimedOut`). Windows cannot tell sockit whether a socket is
/// non-blocking, so a non-blocking socket waits the same way.
pub(crate) fn send_file(
    socket: &Socket,
    file: &File,
    offset: u64,
    len: usize,
) -> io::Result<usize> {
    let sock = socket.as_raw_socket() as ws::SOCKET;
    let want = len.min(MAX_TRANSMIT) as u32;
    let wait_ms = match socket.write_timeout()? {
        None => INFINITE,
        Some(timeout) => u32::try_from(timeout.as_millis()).unwrap_or(INFINITE - 1),
    };
    // SAFETY: no attributes, no name: a fresh manual-reset event, closed below.
    let event = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
    if event.is_null() {
        return Err(io::Error::last_os_error());
    }
    let mut overlapped = OVERLAPPED {
        hEvent: event,
        ..OVERLAPPED::default()
    };
    overlapped.Anonymous.Anonymous.Offset = offset as u32;
    overlapped.Anonymous.Anonymous.OffsetHigh = (offset >> 32) as u32;
    // SAFETY: the socket and the file are open for the call; `overlapped` lives until the
    // transfer has ended (waited for below on every way out); no header or trailer.
    let started = unsafe {
        ws::TransmitFile(
            sock,
            file.as_raw_handle() as HANDLE,
            want,
            0,
            &mut overlapped,
            std::ptr::null(),
            0,
        )
    };
    let result = if started == 0 && last_os_error() != ws::WSA_IO_PENDING {
        Err(io::Error::from_raw_os_error(last_os_error()))
    } else {
        // SAFETY: `event` is the live event of the transfer.
        let timed_out = unsafe { WaitForSingleObject(event, wait_ms) } == WAIT_TIMEOUT;
        if timed_out {
            // SAFETY: cancels this transfer only; its end is still waited for below.
            unsafe { CancelIoEx(sock as HANDLE, &overlapped) };
        }
        let (mut sent, mut flags) = (0u32, 0u32);
        // SAFETY: waits for the transfer to end (it has, or is cancelled) and reads its
        // count; `overlapped` is the transfer's own.
        let ended =
            unsafe { ws::WSAGetOverlappedResult(sock, &overlapped, &mut sent, 1, &mut flags) };
        match (ended, sent, timed_out) {
            (_, 1.., _) => Ok(sent as usize),
            (0, 0, true) => Err(io::Error::from_raw_os_error(ws::WSAETIMEDOUT)),
            (0, 0, false) => Err(io::Error::from_raw_os_error(last_os_error())),
            _ => Ok(0),
        }
    };
    // SAFETY: the event is ours, and the transfer that used it has ended.
    unsafe { CloseHandle(event) };
    result
}

/// Reads up to `buf.len()` bytes of `file` from `offset` (moving the file's position).
pub(crate) fn read_file_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, offset)
}
