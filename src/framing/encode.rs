//! Framing messages for sending, and sending them whole.

use std::io::IoSlice;
use std::mem::MaybeUninit;

use memchr::memmem;
use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::framing::{Framing, LENGTH_PREFIX};
use crate::net::io;

/// The 4-byte big-endian length in front of `message`; `MessageTooLong` above 4 GiB - 1.
fn length_prefix(message: &[u8]) -> Result<[u8; LENGTH_PREFIX]> {
    u32::try_from(message.len())
        .map(u32::to_be_bytes)
        .map_err(|_| ErrorCode::EMSGSIZE.into())
}

/// Refuses a message that a reader would not get back whole: one that holds the delimiter,
/// or whose last bytes and the delimiter after them hold an earlier copy of it (message
/// "xa" with delimiter "aa" would read back as "x").
fn check_delimited(message: &[u8], delimiter: &[u8]) -> Result<()> {
    if delimiter.is_empty() || memmem::find(message, delimiter).is_some() {
        return Err(ErrorCode::EINVAL.into());
    }
    let tail = &message[message.len().saturating_sub(delimiter.len() - 1)..];
    let joined = [tail, delimiter].concat();
    if memmem::find(&joined, delimiter) != Some(tail.len()) {
        return Err(ErrorCode::EINVAL.into());
    }
    Ok(())
}

/// Writes `parts` one after the other into `out`; `BufferTooSmall` if they do not fit.
fn concat_into(parts: &[&[u8]], out: &mut [MaybeUninit<u8>]) -> Result<usize> {
    let total = parts.iter().map(|part| part.len()).sum::<usize>();
    let out = out.get_mut(..total).ok_or(ErrorCode::ERANGE)?;
    let bytes = parts.iter().flat_map(|part| part.iter());
    for (slot, byte) in out.iter_mut().zip(bytes) {
        slot.write(*byte);
    }
    Ok(total)
}

/// Writes `message` with its length in front into `out`, to send several messages in one
/// write (`out` may be uninitialized: a C caller's fresh buffer). Returns
/// the bytes written: the message's length plus 4; `BufferTooSmall` if they do not fit.
pub fn encode_length_prefixed(message: &[u8], out: &mut [MaybeUninit<u8>]) -> Result<usize> {
    concat_into(&[&length_prefix(message)?, message], out)
}

/// Writes `message` and `delimiter` into `out`. Returns the bytes written.
pub fn encode_delimited(
    message: &[u8],
    delimiter: &[u8],
    out: &mut [MaybeUninit<u8>],
) -> Result<usize> {
    check_delimited(message, delimiter)?;
    concat_into(&[message, delimiter], out)
}

/// Sends `message` with its length in front, whole (see [`io::send_all_vectored`]).
pub fn send_length_prefixed(socket: &Socket, message: &[u8]) -> Result<()> {
    let prefix = length_prefix(message)?;
    io::send_all_vectored(socket, &mut [IoSlice::new(&prefix), IoSlice::new(message)])
}

/// Sends `message` and `delimiter`, whole (see [`io::send_all_vectored`]).
pub fn send_delimited(socket: &Socket, message: &[u8], delimiter: &[u8]) -> Result<()> {
    check_delimited(message, delimiter)?;
    io::send_all_vectored(
        socket,
        &mut [IoSlice::new(message), IoSlice::new(delimiter)],
    )
}

impl Framing {
    /// `message` framed to be sent as one write: its length in front of it, or its delimiter
    /// after it. `InvalidArgument` for a message a reader would not get back whole (one that
    /// holds the delimiter, or a fixed-length one of another length); `MessageTooLong` above
    /// what 4 bytes can say.
    pub fn encode(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            Framing::Fixed(len) if message.len() == *len => Ok(message.to_vec()),
            Framing::Fixed(_) => Err(ErrorCode::EINVAL.into()),
            Framing::Delimited { delimiter, .. } => {
                check_delimited(message, delimiter)?;
                Ok([message, delimiter].concat())
            }
            Framing::LengthPrefixed { .. } => Ok([&length_prefix(message)?[..], message].concat()),
        }
    }
}
