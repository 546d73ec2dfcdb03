//! Socket options through the C API, in-process: each setter's value read back with its
//! getter (what Linux reports, where it adjusts the value, as the header says), the refusals
//! (negative and out-of-range values, the wrong kind of socket, NULL out-parameters), and what
//! an abortive close does to the peer.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::c_int;
use std::ptr;

use sockit::ffi::addr::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::options::*;
use sockit::ffi::socket::*;
use sockit::ffi::tcp::*;
use support::capi::*;

/// The code a getter fails with; its out-parameter must be left alone.
fn get_fails(
    getter: unsafe extern "C" fn(sockit_socket, *mut c_int) -> c_int,
    sock: sockit_socket,
) -> c_int {
    let mut value = -12345;
    // SAFETY: `value` is a live out-parameter.
    let rc = unsafe { getter(sock, &mut value) };
    assert!(rc < 0, "expected a failure, got {rc}");
    assert_eq!(value, -12345, "written on failure");
    rc
}

fn tcp_socket(family: c_int) -> sockit_socket {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_tcp_socket(family, &mut sock) });
    sock
}

#[test]
fn flags_and_timeouts_read_back() {
    let (client, server) = tcp_pair();
    ok(sockit_set_nodelay(client, 1));
    assert_eq!(get_int(sockit_get_nodelay, client), 1);
    ok(sockit_set_nodelay(client, 0));
    assert_eq!(get_int(sockit_get_nodelay, client), 0);
    ok(sockit_set_reuseaddr(client, 1));
    assert_eq!(get_int(sockit_get_reuseaddr, client), 1);
    ok(sockit_set_read_timeout(client, SOCKIT_FOREVER));
    assert_eq!(get_int(sockit_get_read_timeout, client), SOCKIT_FOREVER);
    ok(sockit_set_read_timeout(client, 1500));
    assert_eq!(get_int(sockit_get_read_timeout, client), 1500);
    // Linux keeps socket timeouts in ticks of its clock (4 ms at 250 Hz), rounding up.
    ok(sockit_set_write_timeout(client, 250));
    let write_timeout = get_int(sockit_get_write_timeout, client);
    assert!((250..=260).contains(&write_timeout), "{write_timeout}");
    ok(sockit_set_write_timeout(client, SOCKIT_FOREVER));
    assert_eq!(get_int(sockit_get_write_timeout, client), SOCKIT_FOREVER);
    if cfg!(windows) {
        fails_with(
            get_fails(sockit_get_nonblocking, client).into(),
            SOCKIT_EOPNOTSUPP,
        );
    } else {
        assert_eq!(get_int(sockit_get_nonblocking, client), 0);
        ok(sockit_set_nonblocking(client, 1));
        assert_eq!(get_int(sockit_get_nonblocking, client), 1);
    }
    // TCP_NODELAY is TCP's: a UDP socket does not have it.
    let udp = udp_socket(SOCKIT_IPV4);
    fails_with(get_fails(sockit_get_nodelay, udp).into(), SOCKIT_EOPNOTSUPP);
    // Nothing is pending on a healthy socket.
    assert_eq!(get_int(sockit_get_error, client), SOCKIT_OK);
    for sock in [client, server, udp] {
        ok(sockit_close(sock));
    }
}

#[test]
fn keepalive_reads_back_what_was_set() {
    let (client, server) = tcp_pair();
    let read = |sock| {
        let (mut on, mut idle, mut interval, mut count) = (-1, -1, -1, -1);
        // SAFETY: live out-parameters.
        let rc =
            unsafe { sockit_get_keepalive(sock, &mut on, &mut idle, &mut interval, &mut count) };
        (rc, [on, idle, interval, count])
    };
    let rc = sockit_set_keepalive(client, 1, 30, 5, 4);
    if cfg!(windows) && rc == SOCKIT_EOPNOTSUPP {
        // Wine (and Windows before 10 version 1709) has no per-socket parameters: as documented.
        eprintln!("skipped: this Windows sets no keep-alive parameters (SOCKIT_EOPNOTSUPP)");
        return;
    }
    ok(rc);
    assert_eq!(read(client), (SOCKIT_OK, [1, 30, 5, 4]));
    // 0 leaves a parameter as it is.
    ok(sockit_set_keepalive(client, 1, 0, 9, 0));
    assert_eq!(read(client), (SOCKIT_OK, [1, 30, 9, 4]));
    ok(sockit_set_keepalive(client, 0, 0, 0, 0));
    assert_eq!(read(client).1[0], 0);
    for bad in [(-1, 1, 1), (1, -1, 1), (1, 1, -1), (1, 1, c_int::MIN)] {
        fails_with(
            sockit_set_keepalive(client, 1, bad.0, bad.1, bad.2).into(),
            SOCKIT_EINVAL,
        );
    }
    // Keep-alive is TCP's.
    let udp = udp_socket(SOCKIT_IPV4);
    fails_with(
        sockit_set_keepalive(udp, 1, 10, 10, 3).into(),
        SOCKIT_EOPNOTSUPP,
    );
    // NULL out-parameters are refused, and nothing else is written.
    let (mut on, mut idle) = (-1, -1);
    // SAFETY: live out-parameters and NULLs.
    let rc = unsafe {
        sockit_get_keepalive(client, &mut on, &mut idle, ptr::null_mut(), ptr::null_mut())
    };
    fails_with(rc.into(), SOCKIT_EINVAL);
    assert_eq!((on, idle), (-1, -1));
    for sock in [client, server, udp] {
        ok(sockit_close(sock));
    }
}

#[test]
fn buffer_sizes_are_what_the_system_makes_of_them() {
    let udp = udp_socket(SOCKIT_IPV4);
    ok(sockit_set_send_buffer(udp, 65536));
    ok(sockit_set_recv_buffer(udp, 100_000));
    let (send, recv) = (
        get_int(sockit_get_send_buffer, udp),
        get_int(sockit_get_recv_buffer, udp),
    );
    if cfg!(target_os = "linux") {
        // Linux doubles what it is asked for (within net.core.wmem_max / rmem_max, which are
        // at least 208 KiB by default).
        assert_eq!((send, recv), (131_072, 200_000));
    } else {
        assert!(send >= 65536 && recv >= 100_000, "{send} {recv}");
    }
    fails_with(sockit_set_send_buffer(udp, -1).into(), SOCKIT_EINVAL);
    fails_with(
        sockit_set_recv_buffer(udp, c_int::MIN).into(),
        SOCKIT_EINVAL,
    );
    assert_eq!(
        get_int(sockit_get_send_buffer, udp),
        send,
        "unchanged by a refusal"
    );
    ok(sockit_close(udp));
}

#[test]
fn linger_reads_back_and_close_reset_resets_the_peer() {
    let (client, server) = tcp_pair();
    let read = |sock| {
        let (mut on, mut seconds) = (-1, -1);
        // SAFETY: live out-parameters.
        ok(unsafe { sockit_get_linger(sock, &mut on, &mut seconds) });
        (on, seconds)
    };
    assert_eq!(read(client), (0, 0));
    ok(sockit_set_linger(client, 1, 7));
    assert_eq!(read(client), (1, 7));
    ok(sockit_set_linger(client, 0, 0));
    assert_eq!(read(client), (0, 0));
    for bad in [-1, 65536, c_int::MAX] {
        fails_with(sockit_set_linger(client, 1, bad).into(), SOCKIT_EINVAL);
    }
    // Unsent data and an abortive close: the peer sees a reset, not the end of the stream.
    assert_eq!(send_all(server, b"unread"), 6);
    ok(sockit_close_reset(server));
    let mut buf = [0u8; 16];
    // The bytes that arrived before the reset may be read first; then the reset, never the
    // end of the stream. (Bounded: 6 bytes at most come first.)
    let mut rc = recv(client, &mut buf);
    for _ in 0..6 {
        if rc <= 0 {
            break;
        }
        rc = recv(client, &mut buf);
    }
    if cfg!(windows) && rc == 0 {
        // Wine 8, where the Windows build is tested, closes such a socket gracefully; Windows
        // itself resets (a "hard close"), which was not checked here.
        eprintln!("note: this Windows (Wine) closed gracefully where a reset was asked for");
    } else {
        fails_with(rc, SOCKIT_ECONNRESET);
    }
    ok(sockit_close(client));
    // Handles that are not open, or not sockets, are refused and left alone.
    fails_with(
        sockit_close_reset(SOCKIT_INVALID_SOCKET).into(),
        SOCKIT_EBADF,
    );
    // A handle that is not open: a number no descriptor has. (Not `server` again: the tests
    // share one process, and its number may already be another test's new socket, which
    // this call would close under it.) Winsock cannot tell it from one that never was a
    // socket.
    let not_open = if cfg!(windows) {
        SOCKIT_ENOTSOCK
    } else {
        SOCKIT_EBADF
    };
    let never_open: sockit_socket = 1 << 30;
    fails_with(sockit_close_reset(never_open).into(), not_open);
}

#[test]
fn ip_options_follow_the_socket_family() {
    for family in [SOCKIT_IPV4, SOCKIT_IPV6] {
        let sock = udp_socket(family);
        ok(sockit_set_ttl(sock, 7));
        assert_eq!(get_int(sockit_get_ttl, sock), 7, "family {family}");
        for bad in [0, 256, -1] {
            fails_with(sockit_set_ttl(sock, bad).into(), SOCKIT_EINVAL);
        }
        let tos = sockit_set_tos(sock, 0x28);
        if family == SOCKIT_IPV6 && cfg!(windows) {
            fails_with(tos.into(), SOCKIT_EOPNOTSUPP);
        } else {
            ok(tos);
            assert_eq!(get_int(sockit_get_tos, sock), 0x28, "family {family}");
        }
        fails_with(sockit_set_tos(sock, 256).into(), SOCKIT_EINVAL);
        ok(sockit_close(sock));
    }
    // IPV6_V6ONLY belongs to IPv6 sockets, before their bind.
    let v6 = tcp_socket(SOCKIT_IPV6);
    assert_eq!(
        get_int(sockit_get_v6only, v6),
        1,
        "sockit_tcp_socket(SOCKIT_IPV6) is IPv6 only"
    );
    ok(sockit_set_v6only(v6, 0));
    assert_eq!(get_int(sockit_get_v6only, v6), 0);
    let v4 = tcp_socket(SOCKIT_IPV4);
    fails_with(sockit_set_v6only(v4, 1).into(), SOCKIT_EOPNOTSUPP);
    fails_with(get_fails(sockit_get_v6only, v4).into(), SOCKIT_EOPNOTSUPP);
    for sock in [v6, v4] {
        ok(sockit_close(sock));
    }
}

#[test]
fn reuseport_and_fast_open_where_the_system_has_them() {
    let listener = tcp_listen(Some(c"127.0.0.1"), 4).unwrap();
    let client = tcp_socket(SOCKIT_IPV4);
    if cfg!(windows) {
        fails_with(sockit_set_reuseport(client, 1).into(), SOCKIT_EOPNOTSUPP);
    } else {
        ok(sockit_set_reuseport(client, 1));
        assert_eq!(get_int(sockit_get_reuseport, client), 1);
    }
    if cfg!(target_os = "linux") {
        ok(sockit_set_fastopen(listener, 16));
        assert_eq!(get_int(sockit_get_fastopen, listener), 16);
        ok(sockit_set_fastopen_connect(client, 1));
        assert_eq!(get_int(sockit_get_fastopen_connect, client), 1);
        fails_with(sockit_set_fastopen(listener, -1).into(), SOCKIT_EINVAL);
    } else {
        fails_with(sockit_set_fastopen(listener, 16).into(), SOCKIT_EOPNOTSUPP);
        fails_with(
            sockit_set_fastopen_connect(client, 1).into(),
            SOCKIT_EOPNOTSUPP,
        );
    }
    // Fast Open is TCP's.
    let udp = udp_socket(SOCKIT_IPV4);
    fails_with(sockit_set_fastopen(udp, 16).into(), SOCKIT_EOPNOTSUPP);
    fails_with(
        get_fails(sockit_get_fastopen_connect, udp).into(),
        SOCKIT_EOPNOTSUPP,
    );
    for sock in [listener, client, udp] {
        ok(sockit_close(sock));
    }
}

#[test]
fn a_failed_non_blocking_connect_leaves_its_error_for_sockit_get_error() {
    // Nothing listens on the port of a closed listener.
    let probe = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let refused = local_addr(probe);
    ok(sockit_close(probe));
    let sock = tcp_socket(SOCKIT_IPV4);
    set_nonblocking(sock);
    // SAFETY: a live address.
    let rc = unsafe { sockit_connect(sock, &refused) };
    if rc == SOCKIT_EINPROGRESS {
        let mut entry = sockit::ffi::poll::sockit_pollfd {
            sock,
            events: sockit::ffi::poll::SOCKIT_POLL_WRITE,
            revents: 0,
        };
        // SAFETY: one live entry.
        let ready = unsafe { sockit::ffi::poll::sockit_poll(&mut entry, 1, 5000) };
        assert_eq!(ready, 1);
        assert_eq!(get_int(sockit_get_error, sock), SOCKIT_ECONNREFUSED);
        // Reading it cleared it (Unix; Winsock keeps a failed connect's error, as
        // sockit_connect_finish's comment says).
        if cfg!(unix) {
            assert_eq!(get_int(sockit_get_error, sock), SOCKIT_OK);
        }
    } else {
        fails_with(rc.into(), SOCKIT_ECONNREFUSED);
    }
    ok(sockit_close(sock));
}

#[test]
fn getters_refuse_bad_handles_and_null_out_parameters() {
    let getters: [unsafe extern "C" fn(sockit_socket, *mut c_int) -> c_int; 13] = [
        sockit_get_nonblocking,
        sockit_get_read_timeout,
        sockit_get_write_timeout,
        sockit_get_reuseaddr,
        sockit_get_nodelay,
        sockit_get_send_buffer,
        sockit_get_recv_buffer,
        sockit_get_tos,
        sockit_get_ttl,
        sockit_get_v6only,
        sockit_get_reuseport,
        sockit_get_fastopen,
        sockit_get_error,
    ];
    let udp = udp_socket(SOCKIT_IPV6);
    for getter in getters {
        fails_with(
            get_fails(getter, SOCKIT_INVALID_SOCKET).into(),
            SOCKIT_EBADF,
        );
        // SAFETY: NULL is what is being checked.
        fails_with(
            unsafe { getter(udp, ptr::null_mut()) }.into(),
            SOCKIT_EINVAL,
        );
    }
    ok(sockit_close(udp));
}
