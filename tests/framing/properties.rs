//! Message framing: whatever pieces a stream of messages arrives in, the reader gives back the
//! same messages. Checked on the decoder for every chunking proptest can think of, and over
//! real loopback TCP connections, with the stream cut where the test says (a non-blocking
//! reader that resumes after each would-block) or where the system does (a blocking reader).

use std::io::Write;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use socket2::Socket;
use sockit::framing::{self, Decoded, Decoder, Framing, Reader};
use sockit::net::poll::Interest;
use sockit::net::poll::wait_for;
use sockit::{Error, ErrorCode};

/// A byte buffer as the encoders take it (they may write into uninitialized memory).
fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: MaybeUninit<u8> has u8's layout, and the buffers go only to the encoders, which
    // write initialized bytes, so they stay initialized.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// The three framings the tests use, with a maximum of `max` bytes where there is one.
fn framings(max: usize) -> Vec<Framing> {
    vec![
        Framing::delimited(b"\r\n", max).unwrap(),
        Framing::delimited(b"\n", max).unwrap(),
        Framing::length_prefixed(max),
    ]
}

/// `messages` framed back to back, or `None` if the framing cannot carry one of them (a
/// message that holds its delimiter).
fn encode(framing: &Framing, messages: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut stream = Vec::new();
    for message in messages {
        let mut out = vec![0u8; message.len() + 8];
        let len = match framing {
            Framing::Fixed(_) => {
                out = message.clone();
                message.len()
            }
            Framing::Delimited { delimiter, .. } => {
                framing::encode_delimited(message, delimiter, as_uninit(&mut out)).ok()?
            }
            Framing::LengthPrefixed { .. } => {
                framing::encode_length_prefixed(message, as_uninit(&mut out)).unwrap()
            }
        };
        stream.extend_from_slice(&out[..len]);
    }
    Some(stream)
}

/// Cuts `stream` into pieces of the given sizes, cycling through them.
fn cut<'a>(stream: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = stream;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, after) = rest.split_at((*size).clamp(1, rest.len()));
        pieces.push(piece);
        rest = after;
    }
    pieces
}

/// A connected pair of loopback TCP sockets: (writer, reader).
fn connected_pair() -> (TcpStream, Socket) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    writer.set_nodelay(true).unwrap();
    let (reader, _) = listener.accept().unwrap();
    (writer, Socket::from(reader))
}

/// Sends each piece, waits until the reader's socket has something, and reads messages from
/// a non-blocking reader until it would block: every piece boundary is a cut in the stream.
fn read_in_lockstep(framing: Framing, pieces: &[&[u8]]) -> Vec<Vec<u8>> {
    let (mut writer, socket) = connected_pair();
    socket.set_nonblocking(true).unwrap();
    let mut reader = Reader::new(framing);
    let mut found = Vec::new();
    // Every message takes at least one byte of the stream: a reader that gives more than
    // were sent is broken, and this loop must not go on for ever with it.
    let sent: usize = pieces.iter().map(|piece| piece.len()).sum();
    let drain = |reader: &mut Reader, found: &mut Vec<Vec<u8>>| loop {
        assert!(
            found.len() <= sent,
            "more messages than the {sent} bytes sent"
        );
        match reader.read(&socket) {
            Ok(message) => found.push(message.to_vec()),
            Err(err) => return err.code(),
        }
    };
    let readable = |socket: &Socket| {
        let limit = Instant::now() + Duration::from_secs(30);
        assert!(
            wait_for(socket, Interest::READ, Some(limit)).unwrap(),
            "the bytes sent never arrived"
        );
    };
    for piece in pieces {
        writer.write_all(piece).unwrap();
        readable(&socket);
        let code = drain(&mut reader, &mut found);
        assert_eq!(code, ErrorCode::EAGAIN, "resumable, not an error");
    }
    drop(writer);
    readable(&socket);
    assert_eq!(drain(&mut reader, &mut found), ErrorCode::EOF);
    found
}

proptest! {
    #[test]
    fn any_chunking_gives_back_the_same_messages(
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=40), 0..30),
        sizes in prop::collection::vec(1usize..50, 1..10),
    ) {
        for framing in framings(40) {
            let Some(stream) = encode(&framing, &messages) else { continue };
            let mut decoder = Decoder::new(framing.clone());
            let mut found = Vec::new();
            for piece in cut(&stream, &sizes) {
                decoder.push(piece);
                while let Decoded::Message(range) = decoder.decode().unwrap() {
                    found.push(decoder.message(range).to_vec());
                }
            }
            prop_assert_eq!(&found, &messages, "{:?}", framing);
            prop_assert_eq!(decoder.end_of_stream(), ErrorCode::EOF);
        }
    }

    #[test]
    fn oversize_messages_are_reported_once_and_skipped_whatever_the_chunking(
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=70), 0..20),
        sizes in prop::collection::vec(1usize..90, 1..10),
    ) {
        for framing in framings(40) {
            let Some(stream) = encode(&framing, &messages) else { continue };
            // Each message over 40 bytes is one MessageTooLong, in its place.
            let expected: Vec<Option<&Vec<u8>>> =
                messages.iter().map(|m| (m.len() <= 40).then_some(m)).collect();
            let mut decoder = Decoder::new(framing.clone());
            let mut found = Vec::new();
            for piece in cut(&stream, &sizes) {
                decoder.push(piece);
                loop {
                    match decoder.decode() {
                        Ok(Decoded::Message(range)) => {
                            found.push(Some(decoder.message(range).to_vec()));
                        }
                        Ok(Decoded::NeedMore) => break,
                        Err(err) => {
                            prop_assert_eq!(err.code(), ErrorCode::EMSGSIZE);
                            found.push(None);
                        }
                    }
                }
            }
            let found: Vec<Option<&Vec<u8>>> = found.iter().map(Option::as_ref).collect();
            prop_assert_eq!(&found, &expected, "{:?}", framing);
            prop_assert_eq!(decoder.end_of_stream(), ErrorCode::EOF);
        }
    }

    #[test]
    fn fixed_messages_survive_any_chunking(
        size in 1usize..20,
        count in 0usize..30,
        sizes in prop::collection::vec(1usize..50, 1..10),
    ) {
        let messages: Vec<Vec<u8>> =
            (0..count).map(|i| vec![i as u8; size]).collect();
        let stream = messages.concat();
        let mut decoder = Decoder::new(Framing::fixed(size).unwrap());
        let mut found = Vec::new();
        for piece in cut(&stream, &sizes) {
            decoder.push(piece);
            while let Decoded::Message(range) = decoder.decode().unwrap() {
                found.push(decoder.message(range).to_vec());
            }
        }
        prop_assert_eq!(found, messages);
    }
}

proptest! {
    // Each case opens a loopback connection: fewer cases than the pure properties above.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_non_blocking_reader_resumes_at_any_cut_over_tcp(
        messages in prop::collection::vec(prop::collection::vec(1u8..=255, 0..=300), 1..20),
        sizes in prop::collection::vec(1usize..700, 1..8),
    ) {
        for framing in framings(300) {
            let Some(stream) = encode(&framing, &messages) else { continue };
            let found = read_in_lockstep(framing.clone(), &cut(&stream, &sizes));
            prop_assert_eq!(&found, &messages, "{:?}", framing);
        }
    }

    #[test]
    fn fixed_messages_resume_at_any_cut_over_tcp(
        size in 1usize..64,
        count in 1usize..20,
        sizes in prop::collection::vec(1usize..200, 1..8),
    ) {
        let messages: Vec<Vec<u8>> = (0..count).map(|i| vec![i as u8; size]).collect();
        let found = read_in_lockstep(Framing::fixed(size).unwrap(), &cut(&messages.concat(), &sizes));
        prop_assert_eq!(found, messages);
    }
}

#[test]
fn one_byte_at_a_time_over_tcp_for_every_framing() {
    let messages: Vec<Vec<u8>> = vec![b"first".to_vec(), vec![], b"third one".to_vec()];
    for framing in framings(16) {
        let stream = encode(&framing, &messages).unwrap();
        let found = read_in_lockstep(framing.clone(), &cut(&stream, &[1]));
        assert_eq!(found, messages, "{framing:?}");
    }
    let fixed: Vec<Vec<u8>> = vec![b"abcd".to_vec(), b"efgh".to_vec()];
    let found = read_in_lockstep(Framing::fixed(4).unwrap(), &cut(&fixed.concat(), &[1]));
    assert_eq!(found, fixed);
}

#[test]
fn ten_thousand_messages_in_one_write_reach_a_blocking_reader() {
    let messages: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("message {i}").repeat(i % 7).into_bytes())
        .collect();
    for framing in framings(1000) {
        let stream = encode(&framing, &messages).unwrap();
        let (mut writer, socket) = connected_pair();
        let sender = thread::spawn(move || writer.write_all(&stream).unwrap());
        let mut reader = Reader::new(framing.clone());
        for expected in &messages {
            assert_eq!(reader.read(&socket).unwrap(), &expected[..], "{framing:?}");
        }
        sender.join().unwrap();
        assert_eq!(code(reader.read(&socket)), ErrorCode::EOF);
    }
}

fn code<T>(result: Result<T, Error>) -> ErrorCode {
    result.err().map(|err| err.code()).expect("an error")
}

#[test]
fn maximum_length_messages_pass_and_longer_ones_are_reported_and_skipped() {
    for framing in framings(64) {
        let max = vec![b'm'; 64];
        let over = vec![b'o'; 65];
        let after = b"after".to_vec();
        let stream = [
            encode(&framing, std::slice::from_ref(&max)).unwrap(),
            encode(&framing, std::slice::from_ref(&over)).unwrap(),
            encode(&framing, std::slice::from_ref(&after)).unwrap(),
        ]
        .concat();
        let (mut writer, socket) = connected_pair();
        writer.write_all(&stream).unwrap();
        drop(writer);
        let mut reader = Reader::new(framing.clone());
        assert_eq!(reader.read(&socket).unwrap(), &max[..], "{framing:?}");
        assert_eq!(code(reader.read(&socket)), ErrorCode::EMSGSIZE);
        assert_eq!(reader.read(&socket).unwrap(), &after[..], "{framing:?}");
        assert_eq!(code(reader.read(&socket)), ErrorCode::EOF);
        assert_eq!(
            code(reader.read(&socket)),
            ErrorCode::EOF,
            "the end is final"
        );
    }
}

#[test]
fn a_stream_that_ends_inside_a_message_is_truncated_not_ended() {
    for framing in framings(64) {
        let whole = encode(&framing, &[b"whole".to_vec(), b"cut short".to_vec()]).unwrap();
        let (mut writer, socket) = connected_pair();
        writer.write_all(&whole[..whole.len() - 2]).unwrap();
        drop(writer);
        let mut reader = Reader::new(framing.clone());
        assert_eq!(reader.read(&socket).unwrap(), b"whole", "{framing:?}");
        assert_eq!(code(reader.read(&socket)), ErrorCode::ETRUNCATED);
    }
}

#[test]
fn messages_that_a_delimiter_would_cut_are_refused() {
    let mut out = [0u8; 16];
    let refused = |message: &[u8], delimiter: &[u8], out: &mut [u8]| {
        framing::encode_delimited(message, delimiter, as_uninit(out))
            .err()
            .map(|err| err.code())
    };
    assert_eq!(refused(b"a\nb", b"\n", &mut out), Some(ErrorCode::EINVAL));
    assert_eq!(refused(b"xa", b"aa", &mut out), Some(ErrorCode::EINVAL));
    assert_eq!(refused(b"x", b"", &mut out), Some(ErrorCode::EINVAL));
    assert_eq!(
        refused(b"abc\r", b"\r\n", &mut out),
        None,
        "\\r then \\r\\n reads back"
    );
    assert_eq!(
        refused(b"0123456789abcdef", b"\n", &mut out),
        Some(ErrorCode::ERANGE)
    );
}
