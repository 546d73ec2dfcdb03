//! Messages over a byte stream.
//!
//! TCP delivers bytes, not messages: one send may arrive in pieces and several sends glued
//! together. A message therefore needs a length that both sides know ([`Framing::Fixed`]), a
//! byte sequence that ends it ([`Framing::Delimited`]), or its length sent before it
//! ([`Framing::LengthPrefixed`], a 4-byte big-endian count). [`encode`] frames messages for
//! sending, [`Decoder`] finds them again in received bytes, and [`Reader`] reads them from a
//! socket. Datagrams keep their boundaries and need none of this.

mod decoder;
mod encode;
mod reader;

pub use decoder::{Decoded, Decoder};
pub use encode::{encode_delimited, encode_length_prefixed, send_delimited, send_length_prefixed};
pub use reader::Reader;

use crate::error::{ErrorCode, Result};

/// The size of the length in front of a length-prefixed message.
pub const LENGTH_PREFIX: usize = 4;

/// The largest message a 4-byte length can announce.
pub const MAX_LENGTH_PREFIXED: usize = u32::MAX as usize;

/// How messages are told apart in a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Every message has this many bytes (at least one).
    Fixed(usize),
    /// Each message ends with `delimiter` (at least one byte, not part of the message) and
    /// holds at most `max_len` bytes before it.
    Delimited { delimiter: Vec<u8>, max_len: usize },
    /// Each message follows its length as 4 bytes, most significant first, and holds at most
    /// `max_len` bytes.
    LengthPrefixed { max_len: usize },
}

impl Framing {
    /// Fixed-length messages; a length of 0 is refused (it would frame endless empty
    /// messages out of nothing).
    pub fn fixed(len: usize) -> Result<Framing> {
        if len == 0 {
            return Err(ErrorCode::EINVAL.into());
        }
        Ok(Framing::Fixed(len))
    }

    /// Delimited messages; an empty delimiter is refused.
    pub fn delimited(delimiter: &[u8], max_len: usize) -> Result<Framing> {
        if delimiter.is_empty() {
            return Err(ErrorCode::EINVAL.into());
        }
        Ok(Framing::Delimited {
            delimiter: delimiter.to_vec(),
            max_len,
        })
    }

    /// Length-prefixed messages; a maximum above what 4 bytes can say is lowered to that.
    pub fn length_prefixed(max_len: usize) -> Framing {
        Framing::LengthPrefixed {
            max_len: max_len.min(MAX_LENGTH_PREFIXED),
        }
    }
}
