//! Header section: messages over TCP.
//!
//! A TCP connection carries bytes, not messages: one send may arrive in pieces, and several
//! sends glued together. To exchange messages, both sides agree on one of three framings:
//!
//! - fixed length: every message has the same size; send it with sockit_send_all();
//! - delimited: each message ends with a delimiter (such as "\n" or "\r\n") that it does not
//!   contain; send with sockit_send_delimited();
//! - length-prefixed: each message follows its length, 4 bytes, most significant first
//!   (network order); send with sockit_send_length_prefixed(). Any bytes can be sent.
//!
//! A sockit_reader reads them back one whole message at a time:
//!
//! ```c
//! sockit_reader *reader;
//! const char *msg;
//! int64_t len;
//! sockit_reader_new_length_prefixed(sock, 65536, &reader);
//! while ((len = sockit_reader_next(reader, &msg)) >= 0)
//!     printf("%.*s\n", (int)len, msg);
//! // len is SOCKIT_EOF once the peer has closed between two messages
//! sockit_reader_free(reader);
//! ```
//!
//! UDP needs none of this: each datagram is one message, and sockit_recvfrom() returns it
//! whole.

use std::ffi::{c_char, c_int, c_void};

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{
    Out, borrow, byte_count, call, call_status, free_from_c, input_bytes, into_c, output_bytes,
};
use crate::ffi::socket::{SOCKIT_INVALID_SOCKET, sockit_socket};
use crate::framing::{self, Framing, Reader};

/// Reads whole messages from one TCP socket, keeping the bytes that belong to the next
/// message: TCP is a stream of bytes, where one send may arrive in pieces and several glued
/// together. Messages are fixed-length (sent with sockit_send_all()), delimited
/// (sockit_send_delimited()) or length-prefixed: 4 bytes of length, most significant first,
/// then the message (sockit_send_length_prefixed()). UDP needs no reader: each datagram is
/// one whole message (sockit_recvfrom()). Opaque: create it with sockit_reader_new_fixed(),
/// _delimited() or _length_prefixed(), release it with sockit_reader_free(). It does not own the socket:
/// close that yourself, after the reader is freed or not used any more. Use a reader from
/// one thread at a time.
#[allow(non_camel_case_types)]
pub struct sockit_reader {
    /// The socket it reads; `None` for a reader fed with sockit_reader_push().
    sock: Option<sockit_socket>,
    reader: Reader,
}

/// Creates the reader and hands it to C.
fn new_reader(sock: sockit_socket, framing: Framing, out: Out<*mut sockit_reader>) -> Result<()> {
    let sock = (sock != SOCKIT_INVALID_SOCKET).then_some(sock);
    if let Some(sock) = sock {
        // A handle that is closed or not a socket is refused now, not at the first read.
        // SAFETY: the handle is only asked for its type.
        let socket = unsafe { borrow(sock) }?;
        socket.r#type().map_err(crate::error::Error::from)?;
    }
    let reader = match sock {
        Some(_) => Reader::new(framing),
        None => Reader::fed(framing),
    };
    out.write(into_c(sockit_reader { sock, reader }));
    Ok(())
}

/// A reader of messages of exactly size bytes each (size at least 1) from sock.
/// SOCKIT_INVALID_SOCKET makes a reader fed with sockit_reader_push() instead.
///
/// On success writes the reader to *out (free it with sockit_reader_free()) and returns
/// SOCKIT_OK. Fails with SOCKIT_EINVAL (size 0, NULL out), SOCKIT_EBADF (sock is not open)
/// or SOCKIT_ENOTSOCK (sock is not a socket). Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_reader pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_new_fixed(
    sock: sockit_socket,
    size: usize,
    out: *mut *mut sockit_reader,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        new_reader(sock, Framing::fixed(size)?, out)
    })
}

/// A reader of messages that each end with the delim_len bytes at delim (copied; at least
/// one byte), from sock. A message may hold at most max_len bytes before its delimiter: a
/// longer one is reported as SOCKIT_EMSGSIZE without waiting for its end, so a peer cannot
/// make the reader buffer without limit. SOCKIT_INVALID_SOCKET makes a reader fed with
/// sockit_reader_push() instead.
///
/// On success writes the reader to *out (free it with sockit_reader_free()) and returns
/// SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL or empty delimiter, NULL out), SOCKIT_EBADF
/// (sock is not open) or SOCKIT_ENOTSOCK (sock is not a socket). Does not block.
///
/// # Safety
///
/// `delim` is NULL or readable for `delim_len` bytes; `out` is NULL or points to a
/// sockit_reader pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_new_delimited(
    sock: sockit_socket,
    delim: *const c_void,
    delim_len: usize,
    max_len: usize,
    out: *mut *mut sockit_reader,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (delim, out) = unsafe { (input_bytes(delim, delim_len)?, Out::new(out)?) };
        new_reader(sock, Framing::delimited(delim, max_len)?, out)
    })
}

/// A reader of length-prefixed messages from sock. A message may hold at most max_len bytes
/// (a larger max_len means 4 GiB - 1, the most 4 bytes can say): a longer one is reported as
/// SOCKIT_EMSGSIZE as soon as its length arrives. The reader's memory grows with the
/// messages that actually arrive, not with the lengths a peer announces.
/// SOCKIT_INVALID_SOCKET makes a reader fed with sockit_reader_push() instead.
///
/// On success writes the reader to *out (free it with sockit_reader_free()) and returns
/// SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL out), SOCKIT_EBADF (sock is not open) or
/// SOCKIT_ENOTSOCK (sock is not a socket). Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_reader pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_new_length_prefixed(
    sock: sockit_socket,
    max_len: usize,
    out: *mut *mut sockit_reader,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        new_reader(sock, Framing::length_prefixed(max_len), out)
    })
}

/// Releases the reader and the bytes it holds (not its socket). NULL is allowed. Does not
/// block.
///
/// # Safety
///
/// `reader` is NULL or a reader from a sockit_reader_new_...() function, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_free(reader: *mut sockit_reader) {
    // SAFETY: from new_reader (into_c), given back exactly once (the caller's promise).
    // Dropping a reader frees memory only and cannot panic.
    unsafe { free_from_c(reader) };
}

/// Borrows the reader behind a C pointer; NULL is SOCKIT_EINVAL.
///
/// # Safety
///
/// `reader` is NULL or a live reader, used by no other thread during the call.
unsafe fn reader<'a>(reader: *mut sockit_reader) -> Result<&'a mut sockit_reader> {
    // SAFETY: the caller's promise is passed on.
    unsafe { reader.as_mut() }.ok_or(ErrorCode::EINVAL.into())
}

/// Returns the next whole message: from the bytes already received if they hold one, else
/// after receiving from the socket. On success points *msg at the message and returns its
/// length (0 for an empty message). The message is followed by a NUL byte (not counted), so
/// text can be used as a C string; it belongs to the reader and stays valid until the next
/// call with this reader or sockit_reader_free().
///
/// Fails with:
/// - SOCKIT_EOF: the peer closed the stream between two messages (a clean end);
/// - SOCKIT_ETRUNCATED: the stream ended inside a message;
/// - SOCKIT_EMSGSIZE: the next message is longer than the reader's max_len. It is skipped,
///   its bytes dropped as they arrive: call again for the message after it, or close;
/// - SOCKIT_EAGAIN: the socket is non-blocking and no whole message has arrived yet (or, for
///   a reader fed by sockit_reader_push(), more must be pushed). What did arrive is kept:
///   call again once the socket is readable;
/// - a receive error (SOCKIT_ECONNRESET, SOCKIT_ETIMEDOUT, ...), or SOCKIT_EINVAL for NULL
///   reader or msg.
///
/// The end of the stream is final: later calls fail the same way.
///
/// Blocks until a whole message has arrived, on a blocking socket. A message can wait in the
/// reader when the socket is not readable: after a readable socket, call until SOCKIT_EAGAIN
/// before waiting again (or see sockit_reader_buffered()).
///
/// # Safety
///
/// `reader` is NULL or a live reader, used by no other thread during the call; `msg` is NULL
/// or points to a `const char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_next(
    reader: *mut sockit_reader,
    msg: *mut *const c_char,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (reader, out) = unsafe { (self::reader(reader)?, Out::new(msg)?) };
        // SAFETY: the socket is the one the caller gave the reader, open while it is used.
        let sock = reader
            .sock
            .map(|sock| unsafe { borrow(sock) })
            .transpose()?;
        let message = reader.reader.next_message(sock.as_deref())?;
        out.write(message.as_ptr().cast());
        Ok(byte_count(message.len()))
    })
}

/// Adds len bytes received elsewhere (by a server's on_data callback, say) to a reader made
/// over SOCKIT_INVALID_SOCKET; the bytes are copied. len 0 marks the end of the stream, as
/// on_data does. Then call sockit_reader_next() until SOCKIT_EAGAIN.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL reader, NULL data with len > 0, or a
/// reader that reads its own socket), or SOCKIT_ENOMEM. Does not block.
///
/// # Safety
///
/// `reader` is NULL or a live reader, used by no other thread during the call; `data` is
/// NULL or readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_push(
    reader: *mut sockit_reader,
    data: *const c_void,
    len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (reader, data) = unsafe { (self::reader(reader)?, input_bytes(data, len)?) };
        reader.reader.push(data)
    })
}

/// How many bytes the reader holds that it has not returned as messages yet: not 0 means
/// that sockit_reader_next() may have a message without the socket becoming readable. 0 for
/// NULL. Does not block.
///
/// # Safety
///
/// `reader` is NULL or a live reader, used by no other thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_reader_buffered(reader: *const sockit_reader) -> usize {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { reader.as_ref() }.map_or(0, |reader| reader.reader.buffered())
}

/// Sends a length-prefixed message: its length as 4 bytes (network order), then its len
/// bytes, in one system call where possible.
///
/// Returns SOCKIT_OK once the whole message is sent. Fails as sockit_send_all() does (on a
/// non-blocking socket, SOCKIT_EAGAIN only when nothing was sent), or with SOCKIT_EMSGSIZE
/// (len above 4 GiB - 1) or SOCKIT_EINVAL (NULL msg with len > 0).
///
/// Blocks until the message is sent, as sockit_send_all().
///
/// # Safety
///
/// `msg` is NULL or readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_send_length_prefixed(
    sock: sockit_socket,
    msg: *const c_void,
    len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, msg) = unsafe { (borrow(sock)?, input_bytes(msg, len)?) };
        framing::send_length_prefixed(&sock, msg)
    })
}

/// Sends a delimited message: its len bytes, then the delim_len bytes of delim, in one
/// system call where possible.
///
/// Returns SOCKIT_OK once the whole message is sent. Fails as sockit_send_all() does, or
/// with SOCKIT_EINVAL: NULL or empty delimiter, NULL msg with len > 0, or a message that
/// would not be read back whole because it holds the delimiter, or its last bytes and the
/// delimiter hold an earlier one ("xa" with delimiter "aa"). Nothing is sent then.
///
/// Blocks until the message is sent, as sockit_send_all().
///
/// # Safety
///
/// `msg` is NULL or readable for `len` bytes; `delim` is NULL or readable for `delim_len`
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_send_delimited(
    sock: sockit_socket,
    msg: *const c_void,
    len: usize,
    delim: *const c_void,
    delim_len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (sock, msg, delim) = unsafe {
            (
                borrow(sock)?,
                input_bytes(msg, len)?,
                input_bytes(delim, delim_len)?,
            )
        };
        framing::send_delimited(&sock, msg, delim)
    })
}

/// Writes a length-prefixed message into out (out_len bytes of room), to send several
/// messages in one write. Returns the bytes written, len + 4. Fails with SOCKIT_ERANGE (out
/// is too small; nothing written), SOCKIT_EMSGSIZE (len above 4 GiB - 1) or SOCKIT_EINVAL
/// (NULL msg or out with a length). Does not block.
///
/// # Safety
///
/// `msg` is NULL or readable for `len` bytes; `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_encode_length_prefixed(
    msg: *const c_void,
    len: usize,
    out: *mut c_void,
    out_len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (msg, out) = unsafe { (input_bytes(msg, len)?, output_bytes(out, out_len)?) };
        framing::encode_length_prefixed(msg, out).map(byte_count)
    })
}

/// Writes a delimited message into out (out_len bytes of room), to send several messages in
/// one write. Returns the bytes written, len + delim_len. Fails with SOCKIT_ERANGE (out is
/// too small; nothing written) or SOCKIT_EINVAL (as sockit_send_delimited(), or NULL out with
/// a length). Does not block.
///
/// # Safety
///
/// `msg` is NULL or readable for `len` bytes; `delim` is NULL or readable for `delim_len`
/// bytes; `out` is NULL or writable for `out_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_encode_delimited(
    msg: *const c_void,
    len: usize,
    delim: *const c_void,
    delim_len: usize,
    out: *mut c_void,
    out_len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (msg, delim, out) = unsafe {
            (
                input_bytes(msg, len)?,
                input_bytes(delim, delim_len)?,
                output_bytes(out, out_len)?,
            )
        };
        framing::encode_delimited(msg, delim, out).map(byte_count)
    })
}

/// Lends `f` a message followed in memory by a NUL byte (not counted), so that C may use a
/// text message as a string: a whole message (`whole`) has one already (the decoder's
/// promise); what arrived of a cut one, or an oversize one's nothing, gets a copy with one.
pub(crate) fn nul_terminated<R>(message: &[u8], whole: bool, f: impl FnOnce(&[u8]) -> R) -> R {
    if whole {
        return f(message);
    }
    let terminated = [message, &[0]].concat();
    f(&terminated[..message.len()])
}
