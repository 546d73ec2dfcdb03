//! Non-blocking I/O through the C API: would-block is its own code on every call that can
//! block, a non-blocking connect reports "in progress" and is completed, and sockit_poll()
//! waits on many sockets, with descriptors beyond select()'s FD_SETSIZE of 1024.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::c_int;

use sockit::ffi::addr::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::poll::*;
use sockit::ffi::socket::*;
use sockit::ffi::tcp::*;
use support::capi::*;

fn poll(fds: &mut [sockit_pollfd], timeout_ms: c_int) -> c_int {
    // SAFETY: the entries are live for the length passed.
    unsafe { sockit_poll(fds.as_mut_ptr(), fds.len(), timeout_ms) }
}

fn entry(sock: sockit_socket, events: i16) -> sockit_pollfd {
    sockit_pollfd {
        sock,
        events,
        revents: -1,
    }
}

#[test]
fn every_call_that_can_block_says_would_block_instead() {
    let (client, server) = tcp_pair();
    set_nonblocking(server);
    let mut buf = [0u8; 16];
    fails_with(recv(server, &mut buf), SOCKIT_EAGAIN);
    fails_with(recv_exact(server, &mut buf), SOCKIT_EAGAIN);
    // Fill the send buffers: a send then would block, and says so; nothing is lost.
    set_nonblocking(client);
    let chunk = vec![7u8; 65536];
    let mut sent = 0i64;
    let code = loop {
        // SAFETY: the chunk is readable for its length.
        let rc = unsafe { sockit_send(client, chunk.as_ptr().cast(), chunk.len()) };
        if rc < 0 {
            break rc;
        }
        sent += rc;
    };
    fails_with(code, SOCKIT_EAGAIN);
    fails_with(send_all(client, &chunk), SOCKIT_EAGAIN);
    let mut drained = 0i64;
    let mut big = vec![0u8; 1 << 20];
    while drained < sent {
        let mut fds = [entry(server, SOCKIT_POLL_READ)];
        assert_eq!(poll(&mut fds, 5000), 1);
        let got = recv(server, &mut big);
        assert!(got > 0, "{}", name(got));
        assert!(big[..got as usize].iter().all(|&b| b == 7));
        drained += got;
    }
    assert_eq!(drained, sent, "every byte that sockit_send counted arrived");

    let udp = udp_bind(Some(c"127.0.0.1"));
    set_nonblocking(udp);
    fails_with(recvfrom(udp, &mut buf).0, SOCKIT_EAGAIN);
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    set_nonblocking(listener);
    let mut accepted = SOCKIT_INVALID_SOCKET;
    // SAFETY: a live out-parameter.
    let rc = unsafe { sockit_accept(listener, &mut accepted, std::ptr::null_mut()) };
    fails_with(rc.into(), SOCKIT_EAGAIN);
    for sock in [client, server, udp, listener] {
        ok(sockit_close(sock));
    }
}

fn tcp_socket(family: c_int) -> sockit_socket {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_tcp_socket(family, &mut sock) });
    sock
}

fn connect(sock: sockit_socket, addr: &sockit_addr) -> c_int {
    // SAFETY: a live address.
    unsafe { sockit_connect(sock, addr) }
}

/// Waits until a non-blocking connect has ended and says how.
fn finish(sock: sockit_socket) -> c_int {
    let mut fds = [entry(sock, SOCKIT_POLL_WRITE)];
    assert_eq!(poll(&mut fds, 5000), 1);
    assert_ne!(fds[0].revents & SOCKIT_POLL_WRITE, 0);
    sockit_connect_finish(sock)
}

#[test]
fn a_non_blocking_connect_is_in_progress_and_then_completed() {
    let listener = tcp_listen(None, 4).unwrap();
    let port = local_addr(listener).port;
    for (family, target) in [
        (SOCKIT_IPV4, SOCKIT_IPV4),
        (SOCKIT_IPV6, SOCKIT_IPV6),
        (SOCKIT_ANY, SOCKIT_IPV4),
    ] {
        let sock = tcp_socket(family);
        set_nonblocking(sock);
        let rc = connect(sock, &loopback(target, port));
        assert!(
            rc == SOCKIT_EINPROGRESS || rc == SOCKIT_OK,
            "{}",
            name(rc.into())
        );
        ok(finish(sock));
        ok(sockit_connect_finish(sock));
        let (server, peer) = accept(listener);
        assert_eq!(peer.family, target as u16, "an IPv4 peer stays IPv4");
        assert_eq!(send_all(sock, b"ping"), 4);
        let mut buf = [0u8; 4];
        assert_eq!(recv_exact(server, &mut buf), 4);
        assert_eq!(&buf, b"ping");
        ok(sockit_close(server));
        ok(sockit_close(sock));
    }
    // A blocking socket connects in the call.
    let sock = tcp_socket(SOCKIT_IPV4);
    ok(connect(sock, &loopback(SOCKIT_IPV4, port)));
    fails_with(
        connect(sock, &loopback(SOCKIT_IPV4, port)).into(),
        SOCKIT_EISCONN,
    );
    ok(sockit_close(accept(listener).0));
    ok(sockit_close(sock));
    ok(sockit_close(listener));
}

#[test]
fn a_refused_non_blocking_connect_reports_why_once() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let closed = loopback(SOCKIT_IPV4, local_addr(listener).port);
    ok(sockit_close(listener));
    let sock = tcp_socket(SOCKIT_IPV4);
    set_nonblocking(sock);
    let rc = connect(sock, &closed);
    assert!(
        rc == SOCKIT_EINPROGRESS || rc == SOCKIT_ECONNREFUSED,
        "{}",
        name(rc.into())
    );
    if rc == SOCKIT_EINPROGRESS {
        fails_with(finish(sock).into(), SOCKIT_ECONNREFUSED);
    }
    let again = sockit_connect_finish(sock);
    if cfg!(windows) && again == SOCKIT_ECONNREFUSED {
        // Windows keeps the socket's error (the header says so); never success, though.
    } else {
        fails_with(again.into(), SOCKIT_ENOTCONN);
    }
    ok(sockit_close(sock));
}

#[test]
fn poll_waits_on_more_sockets_than_select_can_hold() {
    #[cfg(unix)]
    assert!(
        support::raise_descriptor_limit() >= 2600,
        "needs 2,600 descriptors"
    );
    const PAIRS: usize = 1200;
    let listener = tcp_listen(Some(c"127.0.0.1"), 0).unwrap();
    let port = local_addr(listener).port;
    let pairs: Vec<(sockit_socket, sockit_socket)> = (0..PAIRS)
        .map(|_| {
            let client = tcp_connect(c"127.0.0.1", port, 5000).unwrap();
            (client, accept(listener).0)
        })
        .collect();
    #[cfg(unix)]
    assert!(
        pairs.iter().any(|&(_, server)| server >= 1024),
        "beyond FD_SETSIZE"
    );
    let mut fds: Vec<sockit_pollfd> = pairs
        .iter()
        .map(|&(_, server)| entry(server, SOCKIT_POLL_READ))
        .collect();
    assert_eq!(poll(&mut fds, 0), 0, "nothing has arrived");
    assert!(fds.iter().all(|fd| fd.revents == 0));
    assert_eq!(poll(&mut fds, 20), 0, "still nothing after a wait");

    let chosen: Vec<usize> = (0..PAIRS)
        .filter(|i| i % 97 == 5 || *i == PAIRS - 1)
        .collect();
    for &i in &chosen {
        assert_eq!(send_all(pairs[i].0, b"x"), 1);
    }
    // Every chosen socket becomes readable; all the others stay quiet.
    let mut seen = vec![false; PAIRS];
    while seen.iter().filter(|&&s| s).count() < chosen.len() {
        let ready = poll(&mut fds, 5000);
        assert!(ready > 0, "{}", name(ready.into()));
        let reported = fds.iter().filter(|fd| fd.revents != 0).count();
        assert_eq!(reported, ready as usize);
        for (i, fd) in fds.iter().enumerate() {
            if fd.revents != 0 {
                assert!(chosen.contains(&i), "socket {i} was not written to");
                assert_eq!(fd.revents, SOCKIT_POLL_READ);
                seen[i] = true;
            }
        }
    }
    // Writable sockets, an entry left out, and a handle that is not open.
    let mut mixed = [
        entry(pairs[0].0, SOCKIT_POLL_WRITE),
        entry(SOCKIT_INVALID_SOCKET, SOCKIT_POLL_READ),
        entry(not_open(), SOCKIT_POLL_READ),
    ];
    assert_eq!(poll(&mut mixed, 1000), 2);
    assert_eq!(mixed[0].revents, SOCKIT_POLL_WRITE);
    assert_eq!(mixed[1].revents, 0);
    assert_ne!(mixed[2].revents & SOCKIT_POLL_INVALID, 0);
    for (client, server) in pairs {
        ok(sockit_close(client));
        ok(sockit_close(server));
    }
    ok(sockit_close(listener));
}

/// A handle value that no open socket has.
#[cfg(unix)]
fn not_open() -> sockit_socket {
    1_000_000
}

#[cfg(windows)]
fn not_open() -> sockit_socket {
    0x7fff_fff0
}

#[test]
fn poll_refuses_to_wait_forever_for_nothing() {
    // SAFETY: NULL with a count of 0 is allowed; NULL with a count is what is checked.
    unsafe {
        assert_eq!(sockit_poll(std::ptr::null_mut(), 0, 10), 0);
        assert_eq!(
            sockit_poll(std::ptr::null_mut(), 0, SOCKIT_FOREVER),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_poll(std::ptr::null_mut(), 3, 10), SOCKIT_EINVAL);
    }
    let mut left_out = [entry(SOCKIT_INVALID_SOCKET, SOCKIT_POLL_READ)];
    assert_eq!(poll(&mut left_out, SOCKIT_FOREVER), SOCKIT_EINVAL);
    assert_eq!(left_out[0].revents, -1, "revents untouched on failure");
}
