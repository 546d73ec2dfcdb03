//! The C API's behaviour, called in-process through the rlib: addresses, resolution, TCP,
//! UDP, timeouts, the echo routines and the thread's last error. (The same functions are
//! exercised through the real C ABI by the C programs; see c_examples.rs and c_boundary.rs.)

use std::ffi::{CStr, c_int, c_void};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::ptr;
use std::thread;
use std::time::{Duration, Instant};

#[path = "../support/mod.rs"]
mod support;

use sockit::ErrorCode;
use sockit::ffi::addr::*;
use sockit::ffi::echo::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::options::*;
use sockit::ffi::resolve::*;
use sockit::ffi::socket::*;
use sockit::ffi::tcp::*;
use sockit::ffi::tutorial::*;
use sockit::ffi::udp::*;
use support::capi::*;

// Addresses

#[test]
fn addresses_parse_format_and_convert() {
    let v4 = parse(c"192.0.2.1:7").unwrap();
    assert_eq!(
        (v4.family, v4.port, &v4.ip[..4]),
        (4, 7, &[192, 0, 2, 1][..])
    );
    assert_eq!(text(&v4), "192.0.2.1:7");
    assert_eq!(ip_text(&v4), "192.0.2.1");
    let v6 = parse(c"[2001:db8::1]:65535").unwrap();
    assert_eq!((v6.family, v6.port), (6, 65535));
    assert_eq!(text(&v6), "[2001:db8::1]:65535");
    assert_eq!(ip_text(&v6), "2001:db8::1");
    let scoped = parse(c"[fe80::1%7]:1").unwrap();
    assert_eq!(scoped.scope_id, 7);
    assert_eq!(text(&scoped), "[fe80::1%7]:1");
    // An IPv4 client seen through a dual-stack socket is plain IPv4.
    let mapped = parse(c"[::ffff:192.0.2.1]:7").unwrap();
    assert_eq!(mapped, v4);
    // The longest address fits SOCKIT_ADDRSTRLEN exactly.
    let mut longest = parse(c"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535").unwrap();
    longest.scope_id = u32::MAX;
    let mut buf = [0u8; SOCKIT_ADDRSTRLEN as usize];
    // SAFETY: `buf` is writable for its length.
    let len = unsafe { sockit_addr_format(&longest, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(
        len > 0 && (len as usize) < buf.len(),
        "{}",
        name(len.into())
    );
}

#[test]
fn addresses_round_trip_through_struct_sockaddr() {
    for text_form in [c"127.0.0.1:80", c"[::1]:443", c"[fe80::2%3]:9"] {
        let addr = parse(text_form).unwrap();
        let mut storage = [0u8; 128];
        // SAFETY: `storage` is writable for its length.
        let len =
            unsafe { sockit_addr_to_sockaddr(&addr, storage.as_mut_ptr().cast(), storage.len()) };
        assert!(len > 0, "{}", name(len.into()));
        let expected = socket2::SockAddr::from(parse_std(text_form));
        assert_eq!(len as usize, expected.len() as usize);
        let mut back = sockit_addr::default();
        // SAFETY: `storage` holds `len` bytes; `back` is a live out-parameter.
        ok(unsafe { sockit_addr_from_sockaddr(storage.as_ptr().cast(), len as usize, &mut back) });
        assert_eq!(back, addr);
    }
}

fn parse_std(text: &CStr) -> SocketAddr {
    text.to_str().unwrap().parse().unwrap()
}

#[test]
fn address_equality_ignores_the_ipv4_spelling() {
    let a = parse(c"127.0.0.1:5").unwrap();
    let mut b = a;
    b.ip[10] = 0xAA; // bytes past an IPv4 address do not count
    b.flowinfo = 3;
    // SAFETY: live addresses.
    unsafe {
        assert!(sockit_addr_equal(&a, &b));
        assert!(!sockit_addr_equal(&a, &parse(c"127.0.0.1:6").unwrap()));
        assert!(!sockit_addr_equal(&a, &parse(c"[::1]:5").unwrap()));
        assert!(!sockit_addr_equal(&a, ptr::null()));
    }
}

// Resolution

#[test]
fn resolve_reports_every_address_and_fills_what_fits() {
    // SAFETY: NULL with 0 entries asks for the count only.
    let count =
        unsafe { sockit_resolve(c"localhost".as_ptr(), 80, SOCKIT_ANY, ptr::null_mut(), 0) };
    assert!(count >= 1, "{}", name(count.into()));
    let mut addrs = [sockit_addr::default(); 8];
    let marker = sockit_addr {
        port: 4242,
        ..Default::default()
    };
    addrs[0..].fill(marker);
    // SAFETY: `addrs` has room for 1 entry, which is what we say.
    let again =
        unsafe { sockit_resolve(c"localhost".as_ptr(), 80, SOCKIT_ANY, addrs.as_mut_ptr(), 1) };
    assert_eq!(again, count);
    assert_eq!(addrs[0].port, 80);
    assert!(matches!(ip_text(&addrs[0]).as_str(), "127.0.0.1" | "::1"));
    assert_eq!(addrs[1], marker, "nothing written past max_addrs");
    // SAFETY: `addrs` has room for 8 entries.
    let v6 = unsafe { sockit_resolve(c"::1".as_ptr(), 5, SOCKIT_IPV6, addrs.as_mut_ptr(), 8) };
    assert_eq!(v6, 1);
    assert_eq!(text(&addrs[0]), "[::1]:5");
}

// TCP

#[test]
fn dual_stack_listener_serves_both_families_and_reports_ipv4_as_ipv4() {
    let listener = tcp_listen(None, 8).unwrap();
    let port = local_addr(listener).port;
    assert_eq!(ip_text(&local_addr(listener)), "::");
    for (host, family, ip) in [(c"127.0.0.1", 4, "127.0.0.1"), (c"::1", 6, "::1")] {
        let client = tcp_connect(host, port, 5000).unwrap();
        let (server, peer) = accept(listener);
        assert_eq!((peer.family, ip_text(&peer).as_str()), (family, ip));
        assert_eq!(peer, peer_addr(server));
        assert_eq!(
            local_addr(client),
            peer,
            "the client's address as the server sees it"
        );
        fails_with(send_all(client, b"ping"), 4);
        let mut buf = [0u8; 16];
        assert_eq!(recv_exact(server, &mut buf[..4]), 4);
        assert_eq!(&buf[..4], b"ping");
        ok(sockit_close(client));
        assert_eq!(recv(server, &mut buf), 0, "end of stream");
        ok(sockit_close(server));
    }
    ok(sockit_close(listener));
}

#[test]
fn ipv6_listener_on_an_explicit_address_is_ipv6_only() {
    let listener = tcp_listen(Some(c"::1"), 4).unwrap();
    let port = local_addr(listener).port;
    let refused = tcp_connect(c"127.0.0.1", port, 5000).unwrap_err();
    fails_with(refused.into(), SOCKIT_ECONNREFUSED);
    ok(sockit_close(listener));
}

#[test]
fn connect_tries_each_address_and_reports_the_last_failure() {
    // Nothing listens: a bound, not listening socket holds the port.
    let holder = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    holder
        .bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .unwrap();
    let port = holder.local_addr().unwrap().as_socket().unwrap().port();
    let err = tcp_connect(c"127.0.0.1", port, SOCKIT_FOREVER).unwrap_err();
    fails_with(err.into(), SOCKIT_ECONNREFUSED);
    assert_eq!(sockit_last_error(), SOCKIT_ECONNREFUSED);
    let system_says = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(Some(sockit_last_os_error()), system_says.raw_os_error());
    // "localhost" may have several addresses here; one of them listens.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = tcp_connect(c"localhost", port, 5000).unwrap();
    ok(sockit_close(client));
}

#[test]
fn connect_gives_up_after_its_timeout() {
    // A listener that never accepts, with the shortest queue: once the queue is full the
    // system drops further connection requests, so a connect waits until its timeout.
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let port = local_addr(listener).port;
    let mut queued = Vec::new();
    let outcome = loop {
        let started = Instant::now();
        match tcp_connect(c"127.0.0.1", port, 200) {
            Ok(sock) if queued.len() < 64 => queued.push(sock),
            Ok(_) => panic!("64 connections queued on a backlog of 1"),
            Err(err) => break (err, started.elapsed()),
        }
    };
    fails_with(outcome.0.into(), SOCKIT_ETIMEDOUT);
    assert!(
        outcome.1 >= Duration::from_millis(190),
        "gave up early: {:?}",
        outcome.1
    );
    for sock in queued.into_iter().chain([listener]) {
        ok(sockit_close(sock));
    }
}

#[test]
fn read_timeout_and_would_block_are_distinct() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let client = tcp_connect(c"127.0.0.1", local_addr(listener).port, 5000).unwrap();
    let (server, _) = accept(listener);
    let mut buf = [0u8; 8];
    ok(sockit_set_read_timeout(client, 50));
    let started = Instant::now();
    fails_with(recv(client, &mut buf), SOCKIT_ETIMEDOUT);
    assert!(started.elapsed() >= Duration::from_millis(40));
    ok(sockit_set_nonblocking(client, 1));
    fails_with(recv(client, &mut buf), SOCKIT_EAGAIN);
    ok(sockit_set_nonblocking(client, 0));
    ok(sockit_set_read_timeout(client, SOCKIT_FOREVER));
    fails_with(send_all(server, b"late"), 4);
    assert_eq!(recv(client, &mut buf), 4);
    fails_with(sockit_set_read_timeout(client, 0).into(), SOCKIT_EINVAL);
    for sock in [client, server, listener] {
        ok(sockit_close(sock));
    }
}

#[test]
fn an_expiring_write_timeout_is_sockit_etimedout() {
    let (client, server) = tcp_pair();
    // The server reads nothing: the socket buffers fill, and a send waits past its timeout.
    ok(sockit_set_write_timeout(client, 200));
    let data = vec![b'w'; 64 << 20];
    let started = Instant::now();
    let sent = send_all(client, &data);
    fails_with(sent, SOCKIT_ETIMEDOUT);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "not before the timeout"
    );
    // SAFETY: the buffer is readable for its length.
    let one = unsafe { sockit_send(client, data.as_ptr().cast(), data.len()) };
    fails_with(one, SOCKIT_ETIMEDOUT);
    for sock in [client, server] {
        ok(sockit_close(sock));
    }
}

#[test]
fn accept_on_a_non_blocking_listener_would_block_and_returns_blocking_sockets() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 4).unwrap();
    ok(sockit_set_nonblocking(listener, 1));
    let (mut out, mut peer) = (SOCKIT_INVALID_SOCKET, sockit_addr::default());
    // SAFETY: live out-parameters.
    fails_with(
        unsafe { sockit_accept(listener, &mut out, &mut peer) }.into(),
        SOCKIT_EAGAIN,
    );
    assert_eq!(out, SOCKIT_INVALID_SOCKET, "untouched on failure");
    let client = tcp_connect(c"127.0.0.1", local_addr(listener).port, 5000).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let server = loop {
        // SAFETY: live out-parameters.
        match unsafe { sockit_accept(listener, &mut out, &mut peer) } {
            SOCKIT_OK => break out,
            SOCKIT_EAGAIN if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            err => panic!("{}", name(err.into())),
        }
    };
    // The accepted socket blocks: with a timeout, an idle read times out (not EAGAIN).
    ok(sockit_set_read_timeout(server, 30));
    fails_with(recv(server, &mut [0u8; 4]), SOCKIT_ETIMEDOUT);
    for sock in [client, server, listener] {
        ok(sockit_close(sock));
    }
}

#[test]
fn accept_passes_over_a_connection_reset_while_it_waited_in_the_queue() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 4).unwrap();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, local_addr(listener).port));
    let resetter =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    resetter.connect(&addr.into()).unwrap();
    resetter.set_linger(Some(Duration::ZERO)).unwrap();
    drop(resetter);
    // Let the reset reach the queued connection before anyone accepts it.
    thread::sleep(Duration::from_millis(200));
    let mut next = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut next, b"next").unwrap();
    // Linux hands out the reset connection (its first read fails); Winsock may report the
    // reset through accept itself (Wine: WSAENOTCONN). Either way accept must not fail: the
    // listener is fine, and a server that stops on this error stops for its clients' sake.
    let mut buf = [0u8; 4];
    let mut accepted = Vec::new();
    let served = (0..2).any(|_| {
        let (server, _) = accept(listener);
        accepted.push(server);
        // Bounded, so that a connection that never got the reset fails the test, not hangs it.
        ok(sockit_set_read_timeout(server, 5000));
        recv_exact(server, &mut buf) == 4
    });
    assert!(served, "the client after the reset was never accepted");
    assert_eq!(&buf, b"next");
    for sock in accepted.into_iter().chain([listener]) {
        ok(sockit_close(sock));
    }
}

#[test]
fn recv_exact_reports_a_short_stream_and_shutdown_ends_it() {
    let listener = tcp_listen(Some(c"::1"), 1).unwrap();
    let client = tcp_connect(c"::1", local_addr(listener).port, 5000).unwrap();
    let (server, _) = accept(listener);
    fails_with(send_all(client, b"abc"), 3);
    ok(sockit_shutdown(client, SOCKIT_SHUT_WR));
    let mut buf = [0u8; 10];
    fails_with(recv_exact(server, &mut buf), SOCKIT_EOF);
    assert_eq!(&buf[..3], b"abc", "what did arrive is kept");
    assert_eq!(
        sockit_last_os_error(),
        0,
        "detected by sockit, not the system"
    );
    // The other direction still works after the half-close.
    fails_with(send_all(server, b"reply"), 5);
    assert_eq!(recv_exact(client, &mut buf[..5]), 5);
    for sock in [client, server, listener] {
        ok(sockit_close(sock));
    }
}

#[test]
fn ipv4_mapped_addresses_reach_ipv4_sockets() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 2).unwrap();
    let port = local_addr(listener).port;
    let client = tcp_connect(c"::ffff:127.0.0.1", port, 5000).unwrap();
    let (server, peer) = accept(listener);
    assert_eq!(ip_text(&peer), "127.0.0.1");
    // On a stream socket, recvfrom reports the peer as the sender.
    fails_with(send_all(client, b"mapped"), 6);
    let (len, from) = recvfrom(server, &mut [0u8; 16]);
    assert_eq!((len, from), (6, peer));
    let udp_server = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Written by hand: sockit itself never hands out the mapped form.
    let mut mapped = sockit_addr {
        family: SOCKIT_IPV6 as u16,
        port: udp_server.local_addr().unwrap().port(),
        ..Default::default()
    };
    mapped.ip[10..].copy_from_slice(&[0xff, 0xff, 127, 0, 0, 1]);
    let v4_only = udp_socket(SOCKIT_IPV4);
    fails_with(sendto(v4_only, b"to v4", &mapped), 5);
    assert_eq!(udp_server.recv_from(&mut [0u8; 8]).unwrap().0, 5);
    for sock in [client, server, listener, v4_only] {
        ok(sockit_close(sock));
    }
}

// UDP

#[test]
fn udp_dual_stack_server_sees_both_families() {
    let server = udp_bind(None);
    let port = local_addr(server).port;
    for family in [SOCKIT_IPV4, SOCKIT_IPV6] {
        let client = udp_socket(family);
        fails_with(sendto(client, b"datagram", &loopback(family, port)), 8);
        let mut buf = [0u8; 64];
        let (len, from) = recvfrom(server, &mut buf);
        assert_eq!(len, 8);
        assert_eq!(&buf[..8], b"datagram");
        assert_eq!(i32::from(from.family), family);
        // Echo back to the reported address, IPv4 included.
        fails_with(sendto(server, &buf[..8], &from), 8);
        let (len, from_server) = recvfrom(client, &mut buf);
        assert_eq!(len, 8);
        assert_eq!(from_server.port, port);
        ok(sockit_close(client));
    }
    ok(sockit_close(server));
}

#[test]
fn udp_any_family_socket_reaches_ipv4_and_ipv6() {
    let v4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let v6 = UdpSocket::bind("[::1]:0").unwrap();
    let client = udp_socket(SOCKIT_ANY);
    for (server, family) in [(&v4, SOCKIT_IPV4), (&v6, SOCKIT_IPV6)] {
        let port = server.local_addr().unwrap().port();
        fails_with(sendto(client, b"hi", &loopback(family, port)), 2);
        let mut buf = [0u8; 8];
        assert_eq!(server.recv_from(&mut buf).unwrap().0, 2);
    }
    ok(sockit_close(client));
}

#[test]
fn threads_sharing_a_new_udp_socket_never_send_from_port_0() {
    // An unbound socket gets its port at its first send. Linux publishes that port before
    // the datagram carries it, so a second thread's first send could leave from port 0,
    // which no reply reaches (1-2 rounds in 10,000 when this was found). sockit_udp_socket
    // binds when it creates, so the port is there before any thread sends.
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let to = loopback(SOCKIT_IPV4, receiver.local_addr().unwrap().port());
    const SENDERS: usize = 4;
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut rounds = 0;
    while rounds < 2_000 && Instant::now() < deadline {
        let sock = udp_socket(SOCKIT_IPV4);
        let port = local_addr(sock).port;
        assert_ne!(port, 0, "bound before its first send");
        let start = std::sync::Barrier::new(SENDERS);
        thread::scope(|scope| {
            for _ in 0..SENDERS {
                scope.spawn(|| {
                    start.wait();
                    fails_with(sendto(sock, b"x", &to), 1);
                });
            }
        });
        for _ in 0..SENDERS {
            let mut buf = [0u8; 8];
            let (_, from) = receiver
                .recv_from(&mut buf)
                .expect("every datagram arrives");
            assert_eq!(from.port(), port, "round {rounds}: sent from another port");
        }
        ok(sockit_close(sock));
        rounds += 1;
    }
    assert!(rounds > 0);
}

#[test]
fn nothing_is_sent_to_port_0() {
    let sock = udp_socket(SOCKIT_ANY);
    fails_with(sendto(sock, b"x", &loopback(SOCKIT_IPV4, 0)), SOCKIT_EINVAL);
    fails_with(sendto(sock, b"x", &loopback(SOCKIT_IPV6, 0)), SOCKIT_EINVAL);
    ok(sockit_close(sock));
}

#[test]
fn udp_datagrams_keep_their_size_and_truncation_is_reported() {
    let server = udp_bind(Some(c"127.0.0.1"));
    let to = local_addr(server);
    let client = udp_socket(SOCKIT_IPV4);
    fails_with(sendto(client, b"", &to), 0);
    fails_with(sendto(client, &[7u8; 300], &to), 300);
    let mut big = vec![9u8; 65_507];
    fails_with(sendto(client, &big, &to), 65_507);
    let mut buf = [0u8; 256];
    let (len, _) = recvfrom(server, &mut buf);
    assert_eq!(len, 0, "an empty datagram");
    let marker = sockit_addr {
        port: 1,
        ..Default::default()
    };
    let mut from = marker;
    // SAFETY: `buf` is writable for its length; `from` is a live out-parameter.
    let len = unsafe { sockit_recvfrom(server, buf.as_mut_ptr().cast(), buf.len(), &mut from) };
    fails_with(len, SOCKIT_EMSGSIZE);
    assert_eq!(from, marker, "no sender written on failure");
    assert!(buf.iter().all(|&b| b == 7), "the first bytes are there");
    big.fill(0);
    let (len, _) = recvfrom(server, &mut big);
    assert_eq!(len, 65_507);
    assert!(big.iter().all(|&b| b == 9));
    fails_with(sendto(client, &vec![0u8; 70_000], &to), SOCKIT_EMSGSIZE);
    ok(sockit_close(client));
    ok(sockit_close(server));
}

// The echo routines

extern "C" fn count_clients(peer: *const sockit_addr, user: *mut c_void) -> c_int {
    // SAFETY: `user` is the AtomicUsize the test passed; `peer` lives through the call.
    let (count, peer) = unsafe { (&*(user as *const std::sync::atomic::AtomicUsize), &*peer) };
    assert!(peer.family == 4 || peer.family == 6);
    let seen = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    c_int::from(seen > 3) // serve three clients, stop at the fourth
}

#[test]
#[cfg_attr(
    windows,
    ignore = "under Wine the fourth connect, racing the listener's close, sometimes fails \
              with an unmapped error (SOCKIT_UNKNOWN): not yet understood"
)]
fn tcp_echo_server_and_exchange_in_one_call_each() {
    let listener = tcp_listen(None, 8).unwrap();
    let port = local_addr(listener).port;
    let count = Box::leak(Box::new(std::sync::atomic::AtomicUsize::new(0)));
    let user = count as *mut _ as usize;
    let server = thread::spawn(move || {
        // SAFETY: `count_clients` follows sockit_client_fn; `user` outlives the server.
        unsafe { sockit_echo_tcp_server(listener, Some(count_clients), user as *mut c_void) }
    });
    let message: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    for host in [c"127.0.0.1", c"::1", c"localhost"] {
        let sock = tcp_connect(host, port, 5000).unwrap();
        let mut reply = vec![0u8; message.len()];
        // SAFETY: the buffers are valid for the lengths passed.
        let n = unsafe {
            sockit_echo_tcp_exchange(
                sock,
                message.as_ptr().cast(),
                message.len(),
                reply.as_mut_ptr().cast(),
                reply.len(),
            )
        };
        assert_eq!(n, message.len() as i64, "{}", name(n));
        assert_eq!(reply, message);
        let mut short = [0u8; 2];
        // SAFETY: the buffers are valid for the lengths passed.
        let n = unsafe {
            sockit_echo_tcp_exchange(
                sock,
                b"abc".as_ptr().cast(),
                3,
                short.as_mut_ptr().cast(),
                2,
            )
        };
        fails_with(n, SOCKIT_ERANGE);
        ok(sockit_close(sock));
    }
    // The fourth client makes the callback stop the server, unserved.
    let fourth = tcp_connect(c"127.0.0.1", port, 5000).unwrap();
    assert_eq!(server.join().unwrap(), SOCKIT_OK);
    assert_eq!(recv(fourth, &mut [0u8; 4]), 0, "closed unserved");
    ok(sockit_close(fourth));
    ok(sockit_close(listener));
}

#[test]
fn udp_echo_server_and_exchange_in_one_call_each() {
    let sock = udp_bind(None);
    let port = local_addr(sock).port;
    let count = Box::leak(Box::new(std::sync::atomic::AtomicUsize::new(0)));
    let user = count as *mut _ as usize;
    let server = thread::spawn(move || {
        // SAFETY: `count_clients` follows sockit_client_fn; `user` outlives the server.
        unsafe { sockit_echo_udp_server(sock, Some(count_clients), user as *mut c_void) }
    });
    for (family, size) in [(SOCKIT_IPV4, 1), (SOCKIT_IPV6, 60_000), (SOCKIT_IPV4, 255)] {
        let client = udp_socket(family);
        let message = vec![b'u'; size];
        let mut reply = vec![0u8; 65_536];
        // SAFETY: the buffers are valid for the lengths passed; the address is live.
        let n = unsafe {
            sockit_echo_udp_exchange(
                client,
                &loopback(family, port),
                message.as_ptr().cast(),
                message.len(),
                reply.as_mut_ptr().cast(),
                reply.len(),
                5000,
            )
        };
        assert_eq!(n, size as i64, "{}", name(n));
        assert_eq!(&reply[..size], &message[..]);
        ok(sockit_close(client));
    }
    // The fourth datagram stops the server.
    let client = udp_socket(SOCKIT_IPV4);
    fails_with(sendto(client, b"stop", &loopback(SOCKIT_IPV4, port)), 4);
    assert_eq!(server.join().unwrap(), SOCKIT_OK);
    ok(sockit_close(client));
    ok(sockit_close(sock));
}

#[test]
fn udp_exchange_times_out_and_refuses_replies_that_do_not_fit() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = loopback(SOCKIT_IPV4, silent.local_addr().unwrap().port());
    let client = udp_socket(SOCKIT_IPV4);
    let exchange = |timeout_ms| {
        let mut reply = [0u8; 4];
        // SAFETY: the buffers are valid for the lengths passed; `to` is live.
        unsafe {
            sockit_echo_udp_exchange(
                client,
                &to,
                b"hello".as_ptr().cast(),
                5,
                reply.as_mut_ptr().cast(),
                reply.len(),
                timeout_ms,
            )
        }
    };
    let started = Instant::now();
    fails_with(exchange(100), SOCKIT_ETIMEDOUT);
    assert!(started.elapsed() >= Duration::from_millis(90));
    let (_, from) = silent.recv_from(&mut [0u8; 8]).unwrap();
    let echo = thread::spawn(move || {
        let mut buf = [0u8; 8];
        let (n, from) = silent.recv_from(&mut buf).unwrap();
        silent.send_to(&buf[..n], from).unwrap();
    });
    fails_with(exchange(5000), SOCKIT_EMSGSIZE);
    echo.join().unwrap();
    assert!(from.port() > 0);
    ok(sockit_close(client));
}

// Handles that are not what they should be

#[cfg(unix)]
#[test]
fn handles_that_are_not_sockets_are_refused_and_left_open() {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    fails_with(sockit_close(fds[0]).into(), SOCKIT_ENOTSOCK);
    fails_with(sockit_handle_client(fds[0]).into(), SOCKIT_ENOTSOCK);
    fails_with(sockit_set_nonblocking(fds[0], 1).into(), SOCKIT_ENOTSOCK);
    fails_with(recv(fds[0], &mut [0u8; 4]), SOCKIT_ENOTSOCK);
    // SAFETY: fds[0] is still ours: fcntl only reads its flags.
    let flags = unsafe { libc::fcntl(fds[0], libc::F_GETFL) };
    assert!(flags >= 0, "still open");
    assert_eq!(flags & libc::O_NONBLOCK, 0, "mode unchanged");
    for fd in fds {
        // SAFETY: our own pipe descriptors, closed once.
        unsafe { libc::close(fd) };
    }
}

#[test]
fn handle_client_returns_ok_when_the_client_closes_and_the_error_when_it_resets() {
    // A reset needs SO_LINGER 0, set here through the Unix API.
    let cases: &[bool] = if cfg!(unix) { &[false, true] } else { &[false] };
    for &reset in cases {
        let (client, server) = tcp_pair();
        let serving = thread::spawn(move || sockit_handle_client(server));
        fails_with(send_all(client, b"echo me"), 7);
        let mut echo = [0u8; 7];
        assert_eq!(recv_exact(client, &mut echo), 7);
        assert_eq!(&echo, b"echo me");
        if reset {
            #[cfg(unix)]
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: SO_LINGER takes one struct linger, given with its size.
            #[cfg(unix)]
            let rc = unsafe {
                libc::setsockopt(
                    client,
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            #[cfg(unix)]
            assert_eq!(rc, 0);
        } else {
            ok(sockit_shutdown(client, SOCKIT_SHUT_WR));
            let mut rest = [0u8; 1];
            assert_eq!(recv(client, &mut rest), 0, "closed after the client's end");
        }
        ok(sockit_close(client));
        let rc = support::waits::join_within(serving, Duration::from_secs(30), "HandleClient");
        let expected = if reset { SOCKIT_ECONNRESET } else { SOCKIT_OK };
        fails_with(rc.into(), expected);
    }
}

#[test]
fn handle_client_closes_a_socket_of_the_wrong_kind() {
    let udp = udp_bind(Some(c"127.0.0.1"));
    let port = local_addr(udp).port;
    fails_with(sockit_handle_client(udp).into(), SOCKIT_EOPNOTSUPP);
    // Closed: its port is free again (the descriptor number may be reused by now).
    UdpSocket::bind(("127.0.0.1", port)).expect("the port was released");
}

// Errors

#[test]
fn every_code_has_a_name_and_a_description() {
    for &code in ErrorCode::ALL {
        // SAFETY: both accept any int and return static strings.
        let (text, name) = unsafe {
            (
                CStr::from_ptr(sockit_strerror(code.value())),
                CStr::from_ptr(sockit_err_name(code.value())),
            )
        };
        assert_eq!(text, code.message());
        assert_eq!(name, code.name());
    }
}

#[test]
fn the_last_failure_stays_until_the_next_one() {
    fails_with(recv(SOCKIT_INVALID_SOCKET, &mut [0u8; 1]), SOCKIT_EBADF);
    assert_eq!(sockit_last_error(), SOCKIT_EBADF);
    ok(sockit_close(udp_socket(SOCKIT_IPV4)));
    assert_eq!(
        sockit_last_error(),
        SOCKIT_EBADF,
        "a success does not clear it"
    );
    fails_with(parse(c"nonsense").unwrap_err().into(), SOCKIT_EINVAL);
    assert_eq!(sockit_last_error(), SOCKIT_EINVAL);
    assert_eq!(sockit_last_os_error(), 0);
    // Each thread has its own.
    let other = thread::spawn(|| sockit_last_error()).join().unwrap();
    assert_eq!(other, SOCKIT_OK);
}

#[cfg(unix)]
#[test]
fn errno_follows_the_reported_code() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let client = tcp_connect(c"127.0.0.1", local_addr(listener).port, 5000).unwrap();
    ok(sockit_set_read_timeout(client, 10));
    fails_with(recv(client, &mut [0u8; 4]), SOCKIT_ETIMEDOUT);
    // The system said EAGAIN; perror() after the call must say what sockit says.
    assert_eq!(
        std::io::Error::last_os_error().raw_os_error(),
        Some(libc::ETIMEDOUT)
    );
    assert_eq!(
        sockit_last_os_error(),
        libc::EAGAIN,
        "the raw error stays for logging"
    );
    for sock in [client, listener] {
        ok(sockit_close(sock));
    }
}
