//! Messages through the C API: framed readers on blocking and non-blocking sockets, framed
//! sends, encoding several messages for one write, and the half-close request/response.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::c_char;
use std::ptr;
use std::thread;

use sockit::ffi::error::*;
use sockit::ffi::framing::*;
use sockit::ffi::io::*;
use sockit::ffi::socket::*;
use support::capi::*;

/// A reader from the C API, freed at the end of the test.
struct Reader(*mut sockit_reader);

impl Reader {
    fn length_prefixed(sock: sockit_socket, max: usize) -> Reader {
        let mut reader = ptr::null_mut();
        // SAFETY: a live out-parameter.
        ok(unsafe { sockit_reader_new_length_prefixed(sock, max, &mut reader) });
        Reader(reader)
    }

    fn delimited(sock: sockit_socket, delimiter: &[u8], max: usize) -> Reader {
        let mut reader = ptr::null_mut();
        // SAFETY: the delimiter is readable for its length; a live out-parameter.
        let rc = unsafe {
            sockit_reader_new_delimited(
                sock,
                delimiter.as_ptr().cast(),
                delimiter.len(),
                max,
                &mut reader,
            )
        };
        ok(rc);
        Reader(reader)
    }

    fn fixed(sock: sockit_socket, size: usize) -> Reader {
        let mut reader = ptr::null_mut();
        // SAFETY: a live out-parameter.
        ok(unsafe { sockit_reader_new_fixed(sock, size, &mut reader) });
        Reader(reader)
    }

    /// The next message, or the code it failed with.
    fn next(&mut self) -> Result<Vec<u8>, i64> {
        let mut msg: *const c_char = ptr::null();
        // SAFETY: a live reader and out-parameter.
        let len = unsafe { sockit_reader_next(self.0, &mut msg) };
        if len < 0 {
            assert!(msg.is_null(), "msg written only on success");
            return Err(len);
        }
        // SAFETY: on success msg points to len bytes and a NUL, valid until the next call.
        let with_nul = unsafe { std::slice::from_raw_parts(msg.cast::<u8>(), len as usize + 1) };
        assert_eq!(with_nul[len as usize], 0, "a NUL follows the message");
        Ok(with_nul[..len as usize].to_vec())
    }

    fn push(&mut self, bytes: &[u8]) -> i32 {
        // SAFETY: a live reader; the bytes are readable for their length.
        unsafe { sockit_reader_push(self.0, bytes.as_ptr().cast(), bytes.len()) }
    }

    fn buffered(&self) -> usize {
        // SAFETY: a live reader.
        unsafe { sockit_reader_buffered(self.0) }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SAFETY: made by a sockit_reader_new_...() call, freed once.
        unsafe { sockit_reader_free(self.0) }
    }
}

fn send_length_prefixed(sock: sockit_socket, msg: &[u8]) -> i32 {
    // SAFETY: the message is readable for its length.
    unsafe { sockit_send_length_prefixed(sock, msg.as_ptr().cast(), msg.len()) }
}

fn send_delimited(sock: sockit_socket, msg: &[u8], delimiter: &[u8]) -> i32 {
    // SAFETY: both are readable for their lengths.
    unsafe {
        sockit_send_delimited(
            sock,
            msg.as_ptr().cast(),
            msg.len(),
            delimiter.as_ptr().cast(),
            delimiter.len(),
        )
    }
}

#[test]
fn length_prefixed_and_delimited_messages_cross_a_connection_whole() {
    let (client, server) = tcp_pair();
    let big = vec![b'x'; 300_000];
    let sender = thread::spawn(move || {
        ok(send_length_prefixed(client, b"hello"));
        ok(send_length_prefixed(client, b""));
        ok(send_length_prefixed(client, &big));
        client
    });
    let mut reader = Reader::length_prefixed(server, 1 << 20);
    assert_eq!(reader.next().unwrap(), b"hello");
    assert_eq!(reader.next().unwrap(), b"");
    assert_eq!(reader.next().unwrap(), vec![b'x'; 300_000]);
    // Then lines: a new reader can take over the socket once this one holds nothing more.
    let client = sender.join().unwrap();
    assert_eq!(reader.buffered(), 0);
    ok(send_delimited(client, b"a line", b"\r\n"));
    ok(send_delimited(client, b"", b"\r\n"));
    let mut lines = Reader::delimited(server, b"\r\n", 100);
    assert_eq!(lines.next().unwrap(), b"a line");
    assert_eq!(lines.next().unwrap(), b"");
    ok(sockit_close(client));
    assert_eq!(lines.next(), Err(SOCKIT_EOF.into()));
    assert_eq!(lines.next(), Err(SOCKIT_EOF.into()), "the end is final");
    ok(sockit_close(server));
}

#[test]
fn a_non_blocking_reader_says_would_block_and_resumes_where_it_left_off() {
    let (client, server) = tcp_pair();
    set_nonblocking(server);
    let mut reader = Reader::length_prefixed(server, 100);
    assert_eq!(reader.next(), Err(SOCKIT_EAGAIN.into()));
    let mut framed = [0u8; 64];
    let msg = b"split across three sends";
    // SAFETY: the buffers are valid for the lengths passed.
    let len = unsafe {
        sockit_encode_length_prefixed(
            msg.as_ptr().cast(),
            msg.len(),
            framed.as_mut_ptr().cast(),
            framed.len(),
        )
    };
    assert_eq!(len, msg.len() as i64 + 4);
    let framed = &framed[..len as usize];
    for piece in [&framed[..2], &framed[2..10]] {
        assert_eq!(send_all(client, piece), piece.len() as i64);
        wait_readable(server);
        assert_eq!(reader.next(), Err(SOCKIT_EAGAIN.into()));
        assert!(reader.buffered() > 0);
    }
    assert_eq!(send_all(client, &framed[10..]), (framed.len() - 10) as i64);
    wait_readable(server);
    assert_eq!(reader.next().unwrap(), msg);
    assert_eq!(reader.next(), Err(SOCKIT_EAGAIN.into()));
    ok(sockit_close(client));
    wait_readable(server);
    assert_eq!(reader.next(), Err(SOCKIT_EOF.into()));
    ok(sockit_close(server));
}

fn wait_readable(sock: sockit_socket) {
    let mut fds = [sockit::ffi::poll::sockit_pollfd {
        sock,
        events: sockit::ffi::poll::SOCKIT_POLL_READ,
        revents: 0,
    }];
    // SAFETY: one live entry.
    assert_eq!(
        unsafe { sockit::ffi::poll::sockit_poll(fds.as_mut_ptr(), 1, 5000) },
        1
    );
}

#[test]
fn truncated_and_oversize_messages_have_their_own_codes() {
    let (client, server) = tcp_pair();
    let mut reader = Reader::delimited(server, b"\n", 8);
    assert_eq!(send_all(client, b"12345678\n123456789\nok\npartial"), 29);
    ok(sockit_close(client));
    assert_eq!(reader.next().unwrap(), b"12345678", "exactly the maximum");
    assert_eq!(reader.next(), Err(SOCKIT_EMSGSIZE.into()));
    assert_eq!(
        reader.next().unwrap(),
        b"ok",
        "the oversize line was skipped"
    );
    assert_eq!(reader.next(), Err(SOCKIT_ETRUNCATED.into()));
    ok(sockit_close(server));
}

#[test]
fn a_hostile_length_costs_nothing_until_its_bytes_arrive() {
    let (client, server) = tcp_pair();
    let mut reader = Reader::length_prefixed(server, usize::MAX);
    // Announces 4 GiB - 1 bytes, sends 3 and leaves.
    assert_eq!(send_all(client, &[0xff, 0xff, 0xff, 0xff, 1, 2, 3]), 7);
    ok(sockit_close(client));
    assert_eq!(reader.next(), Err(SOCKIT_ETRUNCATED.into()));
    let mut small = Reader::length_prefixed(SOCKIT_INVALID_SOCKET, 10);
    ok(small.push(&[0, 0, 0, 11]));
    assert_eq!(
        small.next(),
        Err(SOCKIT_EMSGSIZE.into()),
        "known from the length alone"
    );
    ok(sockit_close(server));
}

#[test]
fn a_reader_can_be_fed_bytes_received_elsewhere() {
    let mut reader = Reader::fixed(SOCKIT_INVALID_SOCKET, 3);
    assert_eq!(reader.next(), Err(SOCKIT_EAGAIN.into()));
    ok(reader.push(b"abcd"));
    assert_eq!(reader.next().unwrap(), b"abc");
    assert_eq!(reader.next(), Err(SOCKIT_EAGAIN.into()));
    ok(reader.push(b"ef"));
    assert_eq!(reader.next().unwrap(), b"def");
    ok(reader.push(b"g"));
    ok(reader.push(b""));
    assert_eq!(reader.next(), Err(SOCKIT_ETRUNCATED.into()));
    let (client, server) = tcp_pair();
    let mut own = Reader::fixed(server, 3);
    assert_eq!(
        own.push(b"abc"),
        SOCKIT_EINVAL,
        "a reader of a socket reads it itself"
    );
    ok(sockit_close(client));
    ok(sockit_close(server));
}

#[test]
fn bad_arguments_are_refused_not_crashed_on() {
    let mut reader = ptr::null_mut();
    // SAFETY: NULL and dangling-free arguments are what is being checked.
    unsafe {
        assert_eq!(sockit_reader_new_fixed(3, 0, &mut reader), SOCKIT_EINVAL);
        assert_eq!(
            sockit_reader_new_fixed(3, 4, ptr::null_mut()),
            SOCKIT_EINVAL
        );
        let rc = sockit_reader_new_delimited(3, ptr::null(), 0, 10, &mut reader);
        assert_eq!(rc, SOCKIT_EINVAL);
        assert!(reader.is_null(), "nothing written on failure");
        let mut msg = ptr::null();
        assert_eq!(
            sockit_reader_next(ptr::null_mut(), &mut msg),
            SOCKIT_EINVAL.into()
        );
        assert_eq!(sockit_reader_buffered(ptr::null()), 0);
        sockit_reader_free(ptr::null_mut());
        let mut out = [0u8; 4];
        let rc =
            sockit_encode_length_prefixed(b"abc".as_ptr().cast(), 3, out.as_mut_ptr().cast(), 4);
        assert_eq!(rc, SOCKIT_ERANGE.into());
        let rc = sockit_encode_delimited(
            b"a\nb".as_ptr().cast(),
            3,
            b"\n".as_ptr().cast(),
            1,
            out.as_mut_ptr().cast(),
            4,
        );
        assert_eq!(rc, SOCKIT_EINVAL.into());
    }
    let (client, server) = tcp_pair();
    assert_eq!(send_delimited(client, b"two\nlines", b"\n"), SOCKIT_EINVAL);
    assert_eq!(send_delimited(client, b"x", b""), SOCKIT_EINVAL);
    ok(sockit_close(client));
    let mut buf = [0u8; 4];
    assert_eq!(recv(server, &mut buf), 0, "nothing refused was sent");
    ok(sockit_close(server));
}

#[test]
fn request_then_half_close_then_reply_until_the_server_closes() {
    let (client, server) = tcp_pair();
    let handler = thread::spawn(move || {
        let mut request = [0u8; 64];
        // SAFETY: the buffer is writable for its length.
        let len = unsafe { sockit_recv_to_end(server, request.as_mut_ptr().cast(), request.len()) };
        assert!(len > 0, "{}", name(len));
        let mut reply = b"reply to ".to_vec();
        reply.extend_from_slice(&request[..len as usize]);
        assert_eq!(send_all(server, &reply), reply.len() as i64);
        ok(sockit_close(server));
    });
    let mut reply = [0u8; 64];
    let request = b"GET /";
    // SAFETY: the buffers are valid for the lengths passed.
    let len = unsafe {
        sockit_request(
            client,
            request.as_ptr().cast(),
            request.len(),
            reply.as_mut_ptr().cast(),
            reply.len(),
        )
    };
    handler.join().unwrap();
    assert_eq!(&reply[..len as usize], b"reply to GET /");
    ok(sockit_close(client));
}

#[test]
fn a_reply_longer_than_the_buffer_is_reported() {
    let (client, server) = tcp_pair();
    assert_eq!(send_all(server, b"0123456789"), 10);
    ok(sockit_close(server));
    let mut reply = [0u8; 10];
    // SAFETY: the buffer is writable for its length.
    let exact = unsafe { sockit_recv_to_end(client, reply.as_mut_ptr().cast(), 10) };
    assert_eq!(exact, 10, "exactly full, then the end");
    ok(sockit_close(client));

    let (client, server) = tcp_pair();
    assert_eq!(send_all(server, b"0123456789!"), 11);
    ok(sockit_close(server));
    // SAFETY: the buffer is writable for its length.
    let over = unsafe { sockit_recv_to_end(client, reply.as_mut_ptr().cast(), 10) };
    assert_eq!(over, SOCKIT_ERANGE.into());
    assert_eq!(&reply, b"0123456789");
    ok(sockit_close(client));
}

#[test]
fn send_all_on_a_non_blocking_socket_never_loses_its_count() {
    let (client, server) = tcp_pair();
    set_nonblocking(client);
    // Far more than the socket buffers hold: the call must wait for the reader, not stop
    // half-way with an unknown count.
    let data: Vec<u8> = (0..8_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = data.clone();
    let reader = thread::spawn(move || {
        let mut got = vec![0u8; expected.len()];
        assert_eq!(recv_exact(server, &mut got), got.len() as i64);
        assert!(got == expected, "every byte, in order");
        ok(sockit_close(server));
    });
    assert_eq!(send_all(client, &data), data.len() as i64);
    reader.join().unwrap();
    ok(sockit_close(client));
}
