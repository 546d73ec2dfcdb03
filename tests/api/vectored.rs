//! Scatter/gather through the C API, in-process: the pieces arrive in order as one stream or
//! one datagram, the _all forms finish what one call leaves (across more buffers than one
//! system call takes), and bad arrays are refused before anything is sent.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::c_void;
use std::ptr;
use std::thread;

use sockit::ffi::addr::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::socket::*;
use sockit::ffi::vectored::*;
use support::capi::*;

fn to_send(parts: &[&[u8]]) -> Vec<sockit_iovec> {
    parts
        .iter()
        .map(|part| sockit_iovec {
            base: part.as_ptr().cast_mut().cast::<c_void>(),
            len: part.len(),
        })
        .collect()
}

fn to_fill(buffers: &mut [Vec<u8>]) -> Vec<sockit_iovec> {
    buffers
        .iter_mut()
        .map(|buf| sockit_iovec {
            base: buf.as_mut_ptr().cast(),
            len: buf.len(),
        })
        .collect()
}

#[test]
fn pieces_go_out_in_order_and_fill_buffers_in_order() {
    let (client, server) = tcp_pair();
    let iov = to_send(&[b"head:", b"", b"body", b"!"]);
    // SAFETY: `iov` describes live buffers.
    let sent = unsafe { sockit_sendv(client, iov.as_ptr(), iov.len()) };
    assert_eq!(sent, 10);
    let mut buffers = vec![vec![0u8; 3], vec![0u8; 0], vec![0u8; 7]];
    let iov = to_fill(&mut buffers);
    // SAFETY: `iov` describes live, separate buffers.
    let received = unsafe { sockit_recvv_all(server, iov.as_ptr(), iov.len()) };
    assert_eq!(received, 10);
    assert_eq!(buffers.concat(), b"head:body!");
    // One receive into several buffers takes what is there.
    assert_eq!(send_all(client, b"abc"), 3);
    let mut buffers = vec![vec![0u8; 2], vec![0u8; 8]];
    let iov = to_fill(&mut buffers);
    // SAFETY: as above.
    let received = unsafe { sockit_recvv(server, iov.as_ptr(), iov.len()) };
    assert_eq!(received, 3);
    assert_eq!(&buffers[0], b"ab");
    assert_eq!(buffers[1][0], b'c');
    // The end of the stream is 0, as for sockit_recv.
    ok(sockit_shutdown(client, SOCKIT_SHUT_WR));
    // SAFETY: as above.
    assert_eq!(unsafe { sockit_recvv(server, iov.as_ptr(), iov.len()) }, 0);
    // And sockit_recvv_all reports a stream that ends early.
    // SAFETY: as above.
    let rc = unsafe { sockit_recvv_all(server, iov.as_ptr(), iov.len()) };
    fails_with(rc, SOCKIT_EOF);
    ok(sockit_close(client));
    ok(sockit_close(server));
}

#[test]
fn empty_buffers_beyond_what_one_system_call_takes_are_passed_over() {
    // 1030 empty buffers before the one that holds the bytes: one recvmsg would see only
    // empty ones (it takes 1024), yet the array holds 10 bytes, as the sending side agrees.
    let mut buffers: Vec<Vec<u8>> = (0..1030).map(|_| Vec::new()).collect();
    buffers.push(vec![0u8; 10]);
    let (client, server) = tcp_pair();
    let mut parts: Vec<&[u8]> = vec![b""; 1030];
    parts.push(b"0123456789");
    let iov = to_send(&parts);
    // SAFETY: `iov` describes live buffers.
    assert_eq!(
        unsafe { sockit_sendv_all(client, iov.as_ptr(), iov.len()) },
        10
    );
    let iov = to_fill(&mut buffers);
    // SAFETY: `iov` describes live, separate buffers.
    let received = unsafe { sockit_recvv_all(server, iov.as_ptr(), iov.len()) };
    assert_eq!(received, 10, "{}", name(received));
    assert_eq!(buffers[1030], b"0123456789");
    ok(sockit_close(client));
    ok(sockit_close(server));
}

#[test]
fn the_all_forms_cross_more_buffers_than_one_system_call_takes() {
    // 3000 buffers of 1 to 700 bytes: about 1 MiB, more than a socket buffer and more than
    // the 1024 buffers a system call takes.
    let pieces: Vec<Vec<u8>> = (0..3000)
        .map(|i: usize| vec![(i % 251) as u8; 1 + i * 7 % 700])
        .collect();
    let expected = pieces.concat();
    let (client, server) = tcp_pair();
    // The sender is non-blocking: sockit_sendv_all must still lose no count.
    set_nonblocking(client);
    let reader = thread::spawn(move || {
        let mut buffers: Vec<Vec<u8>> = (0..2000).map(|i| vec![0; 1 + i % 1000]).collect();
        let wanted: usize = buffers.iter().map(Vec::len).sum();
        let iov = to_fill(&mut buffers);
        // SAFETY: `iov` describes live, separate buffers.
        let received = unsafe { sockit_recvv_all(server, iov.as_ptr(), iov.len()) };
        assert_eq!(received, wanted as i64);
        let mut all = buffers.concat();
        let mut rest = vec![0u8; 1 << 21];
        loop {
            let n = recv(server, &mut rest);
            assert!(n >= 0, "{}", name(n));
            if n == 0 {
                break;
            }
            all.extend_from_slice(&rest[..n as usize]);
        }
        ok(sockit_close(server));
        all
    });
    let parts: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
    let iov = to_send(&parts);
    let sent = loop {
        // SAFETY: `iov` describes live buffers.
        let sent = unsafe { sockit_sendv_all(client, iov.as_ptr(), iov.len()) };
        // Would-block before any byte went: nothing happened, try again.
        if sent != i64::from(SOCKIT_EAGAIN) {
            break sent;
        }
        thread::yield_now();
    };
    assert_eq!(sent, expected.len() as i64);
    ok(sockit_close(client));
    let received = reader.join().unwrap();
    assert!(received == expected, "the stream differs");
}

#[test]
fn sendto_v_sends_one_datagram_and_recvv_reports_a_cut_one() {
    let receiver = udp_bind(Some(c"127.0.0.1"));
    let to = local_addr(receiver);
    let sender = udp_socket(SOCKIT_ANY);
    let iov = to_send(&[b"one ", b"datagram ", b"in three"]);
    // SAFETY: `iov` describes live buffers; `to` is a live address.
    let sent = unsafe { sockit_sendto_v(sender, iov.as_ptr(), iov.len(), &to) };
    assert_eq!(sent, 21);
    let mut buf = [0u8; 64];
    let (n, _) = recvfrom(receiver, &mut buf);
    assert_eq!(&buf[..n as usize], b"one datagram in three");
    // A connected UDP socket receives a datagram into several buffers, and one that does
    // not fit is reported, not cut in silence.
    let sender_addr = loopback(SOCKIT_IPV4, local_addr(sender).port);
    // SAFETY: a live address.
    ok(unsafe { sockit::ffi::tcp::sockit_connect(receiver, &sender_addr) });
    let mut small = vec![vec![0u8; 4], vec![0u8; 4]];
    let small_iov = to_fill(&mut small);
    // SAFETY: as above.
    assert_eq!(
        unsafe { sockit_sendto_v(sender, iov.as_ptr(), iov.len(), &to) },
        21
    );
    // SAFETY: `small_iov` describes live, separate buffers.
    let rc = unsafe { sockit_recvv(receiver, small_iov.as_ptr(), small_iov.len()) };
    fails_with(rc, SOCKIT_EMSGSIZE);
    // More buffers than one system call takes cannot make one datagram.
    let many = vec![b"x".as_slice(); 1025];
    let many = to_send(&many);
    // SAFETY: as above.
    let rc = unsafe { sockit_sendto_v(sender, many.as_ptr(), many.len(), &to) };
    fails_with(rc, SOCKIT_EMSGSIZE);
    ok(sockit_close(receiver));
    ok(sockit_close(sender));
}

#[test]
fn bad_arrays_are_refused_before_anything_is_sent() {
    let (client, server) = tcp_pair();
    let null_with_length = [sockit_iovec {
        base: ptr::null_mut(),
        len: 1,
    }];
    let byte = 0u8;
    let huge = [
        sockit_iovec {
            base: (&byte as *const u8).cast_mut().cast(),
            len: usize::MAX / 2,
        },
        sockit_iovec {
            base: (&byte as *const u8).cast_mut().cast(),
            len: usize::MAX / 2,
        },
    ];
    // SAFETY: every array is refused before a buffer is touched; that is the point.
    unsafe {
        fails_with(sockit_sendv(client, ptr::null(), 1), SOCKIT_EINVAL);
        fails_with(
            sockit_sendv(client, null_with_length.as_ptr(), 1),
            SOCKIT_EINVAL,
        );
        fails_with(sockit_sendv_all(client, huge.as_ptr(), 2), SOCKIT_EINVAL);
        fails_with(
            sockit_sendv(client, huge.as_ptr(), usize::MAX),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_recvv(server, null_with_length.as_ptr(), 1),
            SOCKIT_EINVAL,
        );
        // Buffers that hold nothing: a 0 could not be told from the end of the stream.
        fails_with(sockit_recvv(server, ptr::null(), 0), SOCKIT_EINVAL);
        fails_with(sockit_recvv_all(server, huge.as_ptr(), 2), SOCKIT_EINVAL);
        fails_with(
            sockit_sendv(SOCKIT_INVALID_SOCKET, ptr::null(), 0),
            SOCKIT_EBADF,
        );
        // Nothing to send is 0 bytes sent.
        assert_eq!(sockit_sendv_all(client, ptr::null(), 0), 0);
    }
    // Nothing went out: the next bytes are the first.
    assert_eq!(send_all(client, b"first"), 5);
    let mut buf = [0u8; 5];
    assert_eq!(recv_exact(server, &mut buf), 5);
    assert_eq!(&buf, b"first");
    ok(sockit_close(client));
    ok(sockit_close(server));
}
