//! Finding whole messages in received bytes, whatever pieces they arrived in.

use std::ops::Range;

use memchr::memmem;

use crate::error::{ErrorCode, Result};
use crate::framing::{Framing, LENGTH_PREFIX};

/// Room offered to a receive when the size of what is missing is not known.
const READ_SIZE: usize = 16 * 1024;

/// The least room offered to a receive, so that small messages are read many at a time.
const MIN_ROOM: usize = 2 * 1024;

/// What [`Decoder::decode`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A whole message: its bytes are [`Decoder::message`] of this range.
    Message(Range<usize>),
    /// No whole message yet: more bytes must be received.
    NeedMore,
}

/// What is left of an oversize message that is being thrown away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Skip {
    Nothing,
    Bytes(u64),
    ToDelimiter,
}

/// Received bytes and the messages in them.
///
/// Bytes go in through [`Decoder::spare`] and [`Decoder::filled`] (receiving straight into
/// the decoder) or [`Decoder::push`]; whole messages come out of [`Decoder::decode`], in
/// order, with the bytes of the next message kept for later. A message is followed in memory
/// by a NUL byte, so that C can use text messages as strings; it stays valid until the next
/// call that changes the decoder. Memory grows with the messages, never beyond about twice
/// the largest message allowed, whatever a peer announces.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    /// Received bytes live in `buf[start..end]`; the rest is room for more.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Delimited: no delimiter begins before `start + scanned`.
    scanned: usize,
    skip: Skip,
    /// The byte that the NUL after the last message replaced, and where.
    hidden: Option<(usize, u8)>,
}

impl Decoder {
    /// An empty decoder for `framing`.
    pub fn new(framing: Framing) -> Decoder {
        Decoder {
            framing,
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            skip: Skip::Nothing,
            hidden: None,
        }
    }

    /// The next whole message, if the bytes for it are here.
    ///
    /// An oversize message (longer than the maximum) fails with `MessageTooLong`, once; its
    /// bytes are then skipped as they arrive, and the next call goes on with the message
    /// after it.
    pub fn decode(&mut self) -> Result<Decoded> {
        self.restore_hidden();
        if !self.skip_oversize() {
            return Ok(Decoded::NeedMore);
        }
        let pending = &self.buf[self.start..self.end];
        let (message, used) = match &self.framing {
            Framing::Fixed(len) => {
                if pending.len() < *len {
                    return Ok(Decoded::NeedMore);
                }
                (0..*len, *len)
            }
            Framing::LengthPrefixed { max_len } => {
                let Some(len) = announced_length(pending) else {
                    return Ok(Decoded::NeedMore);
                };
                if len > *max_len as u64 {
                    self.skip = Skip::Bytes(LENGTH_PREFIX as u64 + len);
                    return Err(ErrorCode::EMSGSIZE.into());
                }
                // The length is at most max_len, a usize.
                let total = LENGTH_PREFIX + len as usize;
                if pending.len() < total {
                    return Ok(Decoded::NeedMore);
                }
                (LENGTH_PREFIX..total, total)
            }
            Framing::Delimited { delimiter, max_len } => {
                // A message of max_len bytes and its delimiter fit in this window; a delimiter
                // further on means the message is too long.
                let limit = max_len.saturating_add(delimiter.len());
                let window = pending.len().min(limit);
                let found = pending
                    .get(self.scanned..window)
                    .and_then(|unscanned| memmem::find(unscanned, delimiter));
                match found {
                    Some(at) => {
                        let len = self.scanned + at;
                        self.scanned = 0;
                        (0..len, len + delimiter.len())
                    }
                    None if pending.len() >= limit => {
                        self.scanned = 0;
                        self.skip = Skip::ToDelimiter;
                        return Err(ErrorCode::EMSGSIZE.into());
                    }
                    None => {
                        // A delimiter may still begin in the last bytes, once more arrive.
                        let checked = (window + 1).saturating_sub(delimiter.len());
                        self.scanned = self.scanned.max(checked);
                        return Ok(Decoded::NeedMore);
                    }
                }
            }
        };
        let message = self.start + message.start..self.start + message.end;
        self.start += used;
        self.terminate(message.end);
        Ok(Decoded::Message(message))
    }

    /// The bytes of a message that [`Decoder::decode`] just returned.
    pub fn message(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// Room to receive into: at least one byte, more when the message being waited for is
    /// known to need more. Report what was received with [`Decoder::filled`].
    pub fn spare(&mut self) -> &mut [u8] {
        self.restore_hidden();
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        // Room for what is missing, but growing the buffer at most twofold at a time: a
        // length that a peer announces allocates nothing until its bytes arrive.
        let wanted = self
            .missing()
            .clamp(MIN_ROOM, self.buf.len().max(READ_SIZE));
        if self.buf.len() - self.end < wanted {
            self.compact();
            if self.buf.len() - self.end < wanted {
                self.buf.resize(self.end + wanted, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Records that `count` bytes were received into [`Decoder::spare`]'s room.
    pub fn filled(&mut self, count: usize) {
        self.end = (self.end + count).min(self.buf.len());
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.restore_hidden();
        if self.buf.len() - self.end < bytes.len() {
            self.compact();
            if self.buf.len() - self.end < bytes.len() {
                self.buf.resize(self.end + bytes.len(), 0);
            }
        }
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// The bytes received and not yet returned as messages: at the end of a stream that
    /// ended inside a message ([`Decoder::end_of_stream`] is `Truncated`), what arrived of it.
    pub fn pending(&mut self) -> &[u8] {
        self.restore_hidden();
        &self.buf[self.start..self.end]
    }

    /// Bytes received and not yet returned as messages (or skipped).
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Why the stream's end is an error: `Eof` between messages, `Truncated` inside one.
    pub fn end_of_stream(&self) -> ErrorCode {
        if self.buffered() == 0 && self.skip == Skip::Nothing {
            ErrorCode::EOF
        } else {
            ErrorCode::ETRUNCATED
        }
    }

    /// Drops the bytes of an oversize message as they come. True once there are none left.
    fn skip_oversize(&mut self) -> bool {
        let pending = self.end - self.start;
        match (self.skip, &self.framing) {
            (Skip::Nothing, _) => true,
            (Skip::Bytes(left), _) => {
                // `dropped` is at most `pending`, a usize.
                let dropped = left.min(pending as u64);
                self.start += dropped as usize;
                self.skip = match left - dropped {
                    0 => Skip::Nothing,
                    left => Skip::Bytes(left),
                };
                self.skip == Skip::Nothing
            }
            (Skip::ToDelimiter, Framing::Delimited { delimiter, .. }) => {
                match memmem::find(&self.buf[self.start..self.end], delimiter) {
                    Some(at) => {
                        self.start += at + delimiter.len();
                        self.skip = Skip::Nothing;
                        true
                    }
                    None => {
                        // Keep what may be the start of the delimiter.
                        self.start += pending.saturating_sub(delimiter.len() - 1);
                        false
                    }
                }
            }
            (Skip::ToDelimiter, _) => unreachable!("only delimited messages skip to a delimiter"),
        }
    }

    /// How many more bytes the message being waited for needs, as far as is known.
    fn missing(&self) -> usize {
        let pending = self.end - self.start;
        match (self.skip, &self.framing) {
            (Skip::Bytes(left), _) => usize::try_from(left).unwrap_or(usize::MAX),
            (Skip::ToDelimiter, _) | (_, Framing::Delimited { .. }) => READ_SIZE,
            (Skip::Nothing, Framing::Fixed(len)) => len.saturating_sub(pending),
            (Skip::Nothing, Framing::LengthPrefixed { .. }) => {
                match announced_length(&self.buf[self.start..self.end]) {
                    None => LENGTH_PREFIX - pending,
                    Some(len) => usize::try_from(len)
                        .unwrap_or(usize::MAX)
                        .saturating_add(LENGTH_PREFIX)
                        .saturating_sub(pending),
                }
            }
        }
        .max(1)
    }

    /// Moves the received bytes to the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Puts a NUL after the message that ends at `at`, remembering the byte it replaces.
    fn terminate(&mut self, at: usize) {
        if at == self.buf.len() {
            self.buf.push(0);
        } else if at < self.end {
            self.hidden = Some((at, self.buf[at]));
            self.buf[at] = 0;
        } else {
            self.buf[at] = 0;
        }
    }

    fn restore_hidden(&mut self) {
        if let Some((at, byte)) = self.hidden.take() {
            self.buf[at] = byte;
        }
    }
}

/// The length in front of a length-prefixed message, once its 4 bytes are here.
fn announced_length(pending: &[u8]) -> Option<u64> {
    let prefix: [u8; LENGTH_PREFIX] = pending.get(..LENGTH_PREFIX)?.try_into().ok()?;
    Some(u32::from_be_bytes(prefix).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message `decoder` yields from `bytes` pushed `chunk` bytes at a time; oversize
    /// messages appear as `None`.
    fn decode_all(decoder: &mut Decoder, bytes: &[u8], chunk: usize) -> Vec<Option<Vec<u8>>> {
        let mut found = Vec::new();
        for piece in bytes.chunks(chunk.max(1)) {
            decoder.push(piece);
            loop {
                match decoder.decode() {
                    Ok(Decoded::Message(range)) => {
                        assert_eq!(decoder.buf[range.end], 0, "a NUL follows every message");
                        found.push(Some(decoder.message(range).to_vec()));
                    }
                    Ok(Decoded::NeedMore) => break,
                    Err(err) => {
                        assert_eq!(err.code(), ErrorCode::EMSGSIZE);
                        found.push(None);
                    }
                }
            }
        }
        found
    }

    fn messages(list: &[&str]) -> Vec<Option<Vec<u8>>> {
        list.iter().map(|m| Some(m.as_bytes().to_vec())).collect()
    }

    #[test]
    fn fixed_messages_come_out_whole_whatever_the_pieces() {
        for chunk in [1, 2, 3, 5, 100] {
            let mut decoder = Decoder::new(Framing::fixed(3).unwrap());
            let found = decode_all(&mut decoder, b"abcdefghi", chunk);
            assert_eq!(found, messages(&["abc", "def", "ghi"]), "chunk {chunk}");
            assert_eq!(decoder.end_of_stream(), ErrorCode::EOF);
        }
    }

    #[test]
    fn delimited_messages_allow_empty_ones_and_split_delimiters() {
        for chunk in 1..8 {
            let framing = Framing::delimited(b"\r\n", 10).unwrap();
            let mut decoder = Decoder::new(framing);
            let found = decode_all(&mut decoder, b"one\r\n\r\ntwo\r\r\n\n\r\n", chunk);
            assert_eq!(
                found,
                messages(&["one", "", "two\r", "\n"]),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn delimited_messages_of_the_maximum_pass_and_longer_ones_are_skipped() {
        for chunk in [1, 3, 64] {
            let mut decoder = Decoder::new(Framing::delimited(b"||", 4).unwrap());
            let stream = b"abcd||abcde||next||abcdefghijklmnop|||x||";
            let found = decode_all(&mut decoder, stream, chunk);
            let expected = vec![
                Some(b"abcd".to_vec()),
                None,
                Some(b"next".to_vec()),
                None,
                Some(b"|x".to_vec()),
            ];
            assert_eq!(found, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn length_prefixed_messages_allow_empty_ones_and_refuse_oversize_ones() {
        let mut stream = Vec::new();
        for message in [&b"hello"[..], b"", b"123456", b"ok"] {
            stream.extend_from_slice(&(message.len() as u32).to_be_bytes());
            stream.extend_from_slice(message);
        }
        for chunk in [1, 2, 4, 7, 1000] {
            let mut decoder = Decoder::new(Framing::length_prefixed(5));
            let found = decode_all(&mut decoder, &stream, chunk);
            let expected = vec![
                Some(b"hello".to_vec()),
                Some(vec![]),
                None,
                Some(b"ok".to_vec()),
            ];
            assert_eq!(found, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn an_announced_length_allocates_nothing_until_its_bytes_arrive() {
        let mut decoder = Decoder::new(Framing::length_prefixed(usize::MAX));
        decoder.push(&u32::MAX.to_be_bytes());
        assert_eq!(decoder.decode().unwrap(), Decoded::NeedMore);
        assert!(decoder.spare().len() <= READ_SIZE);
        // Fill what was offered a few times: the offer grows at most twofold each time.
        for _ in 0..4 {
            let offered = decoder.spare().len();
            decoder.filled(offered);
            assert_eq!(decoder.decode().unwrap(), Decoded::NeedMore);
            assert!(decoder.spare().len() <= 2 * decoder.buffered().max(READ_SIZE));
        }
    }

    #[test]
    fn the_end_inside_a_message_is_truncation() {
        let mut decoder = Decoder::new(Framing::length_prefixed(100));
        decoder.push(&[0, 0]);
        assert_eq!(decoder.decode().unwrap(), Decoded::NeedMore);
        assert_eq!(decoder.end_of_stream(), ErrorCode::ETRUNCATED);

        let mut decoder = Decoder::new(Framing::delimited(b"\n", 2).unwrap());
        decoder.push(b"long line");
        assert!(decoder.decode().is_err());
        // Skipping the oversize line, which never ended.
        assert_eq!(decoder.decode().unwrap(), Decoded::NeedMore);
        assert_eq!(decoder.end_of_stream(), ErrorCode::ETRUNCATED);
    }

    #[test]
    fn receiving_into_spare_room_keeps_the_next_message() {
        let mut decoder = Decoder::new(Framing::fixed(4).unwrap());
        let room = decoder.spare();
        room[..6].copy_from_slice(b"abcdef");
        decoder.filled(6);
        let Decoded::Message(range) = decoder.decode().unwrap() else {
            panic!("a whole message is there");
        };
        assert_eq!(decoder.message(range), b"abcd");
        assert_eq!(decoder.decode().unwrap(), Decoded::NeedMore);
        decoder.push(b"gh");
        let Decoded::Message(range) = decoder.decode().unwrap() else {
            panic!("the second message is whole now");
        };
        assert_eq!(decoder.message(range), b"efgh");
    }
}
