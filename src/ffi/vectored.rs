//! Header section: scatter/gather I/O, several buffers in one call.
//!
//! A message often lives in pieces: a header built on the stack, a body in a buffer of its
//! own. sockit_sendv() sends the pieces with one system call, in order, as writev() does,
//! without copying them together; sockit_recvv() fills several buffers from one receive;
//! sockit_sendto_v() sends the pieces as one UDP datagram. The _all forms finish what one
//! system call leaves, as sockit_send_all() and sockit_recv_exact() do.
//!
//! ```c
//! char header[] = "greeting: ";
//! char body[] = "hello\n";
//! sockit_iovec parts[2] = {{header, sizeof header - 1}, {body, sizeof body - 1}};
//! if (sockit_sendv_all(sock, parts, 2) < 0) ...
//! ```
//!
//! The arrays: count entries (0 to any number; a system call takes at most 1024 of them, and
//! the calls here make as many as it takes), NULL allowed when count is 0, a NULL base
//! allowed where len is 0. The lengths together may not exceed PTRDIFF_MAX, and on Windows
//! one buffer may not exceed 4 GiB - 1 (SOCKIT_EINVAL).

use std::ffi::c_void;
use std::io::IoSlice;
use std::mem::MaybeUninit;

use crate::error::{ErrorCode, Result};
use crate::ffi::addr::{read_addr, sockit_addr};
use crate::ffi::boundary::{borrow, byte_count, call, call_receive, input_bytes, output_bytes};
use crate::ffi::socket::sockit_socket;
use crate::net::socket::is_stream;
use crate::net::{io, udp};
use crate::platform;

/// One buffer of a scatter/gather call: len bytes at base, read by the sends and written by
/// the receives. base may be NULL when len is 0. It is struct iovec field for field, but the
/// same on every system (Windows' own WSABUF has its fields the other way round).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sockit_iovec {
    /// The buffer.
    pub base: *mut c_void,
    /// Its length in bytes.
    pub len: usize,
}

/// The caller's array of buffers: NULL only with count 0, aligned, and no larger than memory
/// can be; each buffer with a length has a pointer and a length the system takes, and the
/// lengths together fit a byte count.
///
/// # Safety
///
/// A non-NULL `iov` must point to `count` readable entries for the rest of the call.
unsafe fn entries<'a>(iov: *const sockit_iovec, count: usize) -> Result<&'a [sockit_iovec]> {
    let entries: &[sockit_iovec] = if iov.is_null() {
        if count != 0 {
            return Err(ErrorCode::EINVAL.into());
        }
        &[]
    } else {
        if !iov.is_aligned() || count > isize::MAX as usize / size_of::<sockit_iovec>() {
            return Err(ErrorCode::EINVAL.into());
        }
        // SAFETY: non-NULL, aligned, readable for `count` entries (the caller's promise),
        // and `count` entries fit in memory.
        unsafe { std::slice::from_raw_parts(iov, count) }
    };
    let mut total: usize = 0;
    for entry in entries {
        if (entry.base.is_null() && entry.len != 0) || entry.len > platform::MAX_BUFFER_IN_VECTOR {
            return Err(ErrorCode::EINVAL.into());
        }
        total = total
            .checked_add(entry.len)
            .filter(|&total| total <= isize::MAX as usize)
            .ok_or(ErrorCode::EINVAL)?;
    }
    Ok(entries)
}

/// A list with room for `count` items, or `SOCKIT_ENOMEM`: a count from C must not end the
/// process on a failed allocation.
fn list_of<T>(count: usize) -> Result<Vec<T>> {
    let mut list = Vec::new();
    list.try_reserve_exact(count)
        .map_err(|_| ErrorCode::ENOMEM)?;
    Ok(list)
}

/// The caller's buffers, to send from.
///
/// # Safety
///
/// As for [`entries`]; each buffer readable for its length for the rest of the call.
unsafe fn to_send<'a>(iov: *const sockit_iovec, count: usize) -> Result<Vec<IoSlice<'a>>> {
    // SAFETY: the caller's promise is passed on.
    let entries = unsafe { entries(iov, count) }?;
    let mut slices = list_of(entries.len())?;
    for entry in entries {
        // SAFETY: the caller's promise: readable for `len` bytes (checked non-NULL above).
        slices.push(IoSlice::new(unsafe { input_bytes(entry.base, entry.len) }?));
    }
    Ok(slices)
}

/// The caller's buffers, to receive into.
///
/// # Safety
///
/// As for [`entries`]; each buffer writable for its length for the rest of the call, and no
/// two of them (nor the array) overlapping.
unsafe fn to_fill<'a>(
    iov: *const sockit_iovec,
    count: usize,
) -> Result<Vec<&'a mut [MaybeUninit<u8>]>> {
    // SAFETY: the caller's promise is passed on.
    let entries = unsafe { entries(iov, count) }?;
    let mut buffers = list_of(entries.len())?;
    for entry in entries {
        // SAFETY: the caller's promise: writable for `len` bytes, overlapping nothing else.
        buffers.push(unsafe { output_bytes(entry.base, entry.len) }?);
    }
    Ok(buffers)
}

/// Sends from the count buffers of iov, in order, with one system call (as writev()).
///
/// Returns how many bytes were sent, which may be fewer than the buffers hold (send the rest,
/// or use sockit_sendv_all()); at most the first 1024 buffers go. Fails as sockit_send()
/// does, and with SOCKIT_EINVAL for a bad array (see the section's notes), SOCKIT_ENOMEM.
///
/// Blocks while the send buffer is full, unless the socket is non-blocking.
///
/// # Safety
///
/// `iov` is NULL or points to `count` entries, each buffer readable for its `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_sendv(
    sock: sockit_socket,
    iov: *const sockit_iovec,
    count: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, bufs) = unsafe { (borrow(sock)?, to_send(iov, count)?) };
        io::send_vectored(&sock, &bufs).map(byte_count)
    })
}

/// Sends everything the count buffers of iov hold, in order, with as many system calls as
/// it takes (each sending from several buffers).
///
/// Returns the total length, or fails as sockit_send_all() does (on a non-blocking socket no
/// count is lost: SOCKIT_EAGAIN only when nothing was sent), and with SOCKIT_EINVAL for a
/// bad array, SOCKIT_ENOMEM. After a failure some of the bytes may have been sent.
///
/// Blocks until everything is sent.
///
/// # Safety
///
/// `iov` is NULL or points to `count` entries, each buffer readable for its `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_sendv_all(
    sock: sockit_socket,
    iov: *const sockit_iovec,
    count: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, mut bufs) = unsafe { (borrow(sock)?, to_send(iov, count)?) };
        let total = bufs.iter().map(|buf| buf.len()).sum::<usize>();
        io::send_all_vectored(&sock, &mut bufs)?;
        Ok(byte_count(total))
    })
}

/// Receives what has arrived into the count buffers of iov, filling them in order, with one
/// system call (as readv()). The data is not NUL-terminated.
///
/// Returns how many bytes were received, at least 1, or 0 at the end of the stream, as
/// sockit_recv() does; on a connected UDP socket one datagram, and one longer than the
/// buffers together fails with SOCKIT_EMSGSIZE. Fails as sockit_recv() does, and with
/// SOCKIT_EINVAL for a bad array or buffers that hold nothing together (their 0 could not be
/// told from the end of the stream), SOCKIT_ENOMEM. At most the first 1024 buffers are filled.
///
/// Blocks until some data or the end of the stream arrives, unless the socket is
/// non-blocking.
///
/// # Safety
///
/// `iov` is NULL or points to `count` entries, each buffer writable for its `len` bytes; no
/// two buffers overlap, nor do they overlap the array.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recvv(
    sock: sockit_socket,
    iov: *const sockit_iovec,
    count: usize,
) -> i64 {
    call_receive(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, mut bufs) = unsafe { (borrow(sock)?, to_fill(iov, count)?) };
        let received = io::recv_vectored(&sock, &mut bufs)?;
        Ok((received, received == 0 && is_stream(&sock)))
    })
}

/// Fills the count buffers of iov completely, in order, with as many system calls as it
/// takes.
///
/// Returns the total length. Fails with SOCKIT_EOF if the stream ends first (the buffers then
/// hold what did arrive), as sockit_recv_exact() does otherwise (on a non-blocking socket no
/// count is lost), and with SOCKIT_EINVAL for a bad array, SOCKIT_ENOMEM.
///
/// Blocks until the buffers are full.
///
/// # Safety
///
/// `iov` is NULL or points to `count` entries, each buffer writable for its `len` bytes; no
/// two buffers overlap, nor do they overlap the array.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_recvv_all(
    sock: sockit_socket,
    iov: *const sockit_iovec,
    count: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, mut bufs) = unsafe { (borrow(sock)?, to_fill(iov, count)?) };
        io::recv_exact_vectored(&sock, &mut bufs).map(byte_count)
    })
}

/// Sends the count buffers of iov, in order, as one UDP datagram to the address to; as
/// sockit_sendto() otherwise.
///
/// Returns the number of bytes sent (all of them), or fails as sockit_sendto() does, with
/// SOCKIT_EMSGSIZE also for more than 1024 buffers (one system call cannot take them), and
/// with SOCKIT_EINVAL for a bad array, SOCKIT_ENOMEM.
///
/// Blocks only while the send buffer is full (rare for UDP).
///
/// # Safety
///
/// `iov` is NULL or points to `count` entries, each buffer readable for its `len` bytes; `to`
/// is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_sendto_v(
    sock: sockit_socket,
    iov: *const sockit_iovec,
    count: usize,
    to: *const sockit_addr,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, bufs, to) = unsafe { (borrow(sock)?, to_send(iov, count)?, read_addr(to)?) };
        udp::send_to_vectored(&sock, &bufs, to).map(byte_count)
    })
}
