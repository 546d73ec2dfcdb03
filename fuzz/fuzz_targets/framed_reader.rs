//! The framed reader's decoding, against a plain whole-stream decoder written for this
//! target: whatever the framing, the maximum and the pieces the stream arrives in, the
//! decoder must give the same messages, the same oversize reports and the same end.
//!
//! Input: byte 0 picks the framing, byte 1 the fixed size or the maximum, byte 2 the
//! delimiter's length (1 to 3 bytes, taken next), bytes after that the piece sizes (a list
//! ended by 0), and the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockit::ErrorCode;
use sockit::framing::{Decoded, Decoder, Framing};

/// What a decoder yields: a message, or an oversize one's report.
#[derive(Debug, PartialEq)]
enum Item {
    Message(Vec<u8>),
    Oversize,
}

/// Decodes the whole stream at once, the simple way.
fn reference(framing: &Framing, stream: &[u8]) -> (Vec<Item>, ErrorCode) {
    let mut items = Vec::new();
    let mut at = 0;
    let ended_inside = loop {
        let rest = &stream[at..];
        if rest.is_empty() {
            break false;
        }
        match framing {
            Framing::Fixed(len) => {
                if rest.len() < *len {
                    break true;
                }
                items.push(Item::Message(rest[..*len].to_vec()));
                at += len;
            }
            Framing::LengthPrefixed { max_len } => {
                if rest.len() < 4 {
                    break true;
                }
                let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                if len > *max_len {
                    items.push(Item::Oversize);
                    if rest.len() < 4 + len {
                        break true;
                    }
                } else if rest.len() < 4 + len {
                    break true;
                } else {
                    items.push(Item::Message(rest[4..4 + len].to_vec()));
                }
                at += 4 + len;
            }
            Framing::Delimited { delimiter, max_len } => {
                let found = rest
                    .windows(delimiter.len())
                    .position(|w| w == &delimiter[..]);
                match found {
                    Some(len) if len <= *max_len => {
                        items.push(Item::Message(rest[..len].to_vec()));
                        at += len + delimiter.len();
                    }
                    _ if rest.len() < max_len + delimiter.len() => break true,
                    Some(len) => {
                        items.push(Item::Oversize);
                        at += len + delimiter.len();
                    }
                    None => {
                        items.push(Item::Oversize);
                        break true;
                    }
                }
            }
        }
    };
    let end = if ended_inside {
        ErrorCode::ETRUNCATED
    } else {
        ErrorCode::EOF
    };
    (items, end)
}

fuzz_target!(|data: &[u8]| {
    let [kind, size, delimiter_len, rest @ ..] = data else {
        return;
    };
    let size = usize::from(*size);
    let delimiter_len = usize::from(delimiter_len % 3) + 1;
    let Some((delimiter, rest)) = rest.split_at_checked(delimiter_len) else {
        return;
    };
    let framing = match kind % 3 {
        0 => match Framing::fixed(size) {
            Ok(framing) => framing,
            Err(_) => return,
        },
        1 => Framing::delimited(delimiter, size).unwrap(),
        _ => Framing::length_prefixed(size),
    };
    let pieces_end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (pieces, stream) = (
        &rest[..pieces_end],
        rest.get(pieces_end + 1..).unwrap_or(&[]),
    );

    let mut decoder = Decoder::new(framing.clone());
    let mut items = Vec::new();
    let mut at = 0;
    let mut sizes = pieces.iter().map(|&p| usize::from(p)).cycle();
    while at < stream.len() {
        let piece = sizes
            .next()
            .unwrap_or(stream.len())
            .clamp(1, stream.len() - at);
        // Alternate between receiving into spare room and pushing.
        if piece % 2 == 0 {
            let room = decoder.spare();
            assert!(!room.is_empty(), "room for at least one byte");
            let piece = piece.min(room.len());
            room[..piece].copy_from_slice(&stream[at..at + piece]);
            decoder.filled(piece);
            at += piece;
        } else {
            decoder.push(&stream[at..at + piece]);
            at += piece;
        }
        loop {
            match decoder.decode() {
                Ok(Decoded::Message(range)) => {
                    items.push(Item::Message(decoder.message(range).to_vec()))
                }
                Ok(Decoded::NeedMore) => break,
                Err(err) => {
                    assert_eq!(err.code(), ErrorCode::EMSGSIZE);
                    items.push(Item::Oversize);
                }
            }
        }
    }
    let (expected, end) = reference(&framing, stream);
    assert_eq!(items, expected, "{framing:?}");
    assert_eq!(decoder.end_of_stream(), end, "{framing:?}");
});
