//! Broadcast and multicast through the C API, in-process, on a thread moved into a network
//! namespace of its own (so that no membership report or datagram reaches a real network):
//! joining and leaving, source-specific groups filtering other senders out, the options
//! read back after being set, broadcast allowed only when asked for, and the refusals
//! (groups that are not multicast, the wrong family or kind of socket, interfaces that do
//! not exist). Needs root (namespaces); says so when skipped.
#![cfg(target_os = "linux")]

#[path = "../support/mod.rs"]
mod support;

use std::ffi::{CStr, c_char};
use std::ptr;
use std::thread;

use sockit::ffi::addr::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::multicast::*;
use sockit::ffi::options::*;
use sockit::ffi::socket::*;
use support::capi::*;
use support::netns::{enter_new_network_namespace, setup};

/// Runs `body` on a thread in a fresh network namespace; false (after saying so) if there
/// can be none here.
fn in_namespace(body: impl FnOnce() + Send + 'static) -> bool {
    thread::spawn(move || match enter_new_network_namespace() {
        Ok(()) => {
            body();
            true
        }
        Err(reason) => {
            eprintln!("SKIPPED multicast API: {reason}");
            false
        }
    })
    .join()
    .unwrap()
}

fn receiver(group: &CStr, port: u16) -> sockit_socket {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: C strings and a live out-parameter.
    ok(unsafe { sockit_udp_multicast_socket(group.as_ptr(), port.into(), ptr::null(), &mut sock) });
    ok(sockit_set_read_timeout(sock, 200));
    sock
}

/// A UDP socket bound to `ip` (a port the system picks).
fn sender(ip: &CStr) -> sockit_socket {
    udp_bind(Some(ip))
}

fn to(group: &CStr, port: u16) -> sockit_addr {
    let mut addr = sockit_addr::default();
    // SAFETY: a C string and a live out-parameter.
    ok(unsafe { sockit_addr_from_ip(group.as_ptr(), port.into(), &mut addr) });
    addr
}

/// Every datagram `sock` has, until its read timeout passes with none.
fn drain(sock: sockit_socket) -> Vec<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let (n, _) = recvfrom(sock, &mut buf);
        if n < 0 {
            fails_with(n, SOCKIT_ETIMEDOUT);
            return got;
        }
        got.push(String::from_utf8_lossy(&buf[..n as usize]).into_owned());
        assert!(got.len() < 100, "more datagrams than were sent");
    }
}

fn interface_text(sock: sockit_socket) -> String {
    let mut buf = [0u8; 64];
    // SAFETY: `buf` is writable for its length.
    let len = unsafe {
        sockit_get_multicast_interface(sock, buf.as_mut_ptr().cast::<c_char>(), buf.len())
    };
    assert!(len >= 0, "{}", name(len.into()));
    String::from_utf8(buf[..len as usize].to_vec()).unwrap()
}

#[test]
fn source_specific_groups_hear_their_source_only_and_leaving_stops_them() {
    in_namespace(|| {
        setup(&["ip", "link", "set", "lo", "multicast", "on"]);
        setup(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"]);
        let port = 6100;
        // One socket hears 232.1.1.1 from 127.0.0.1 only; another the group from anyone.
        let ssm = receiver(c"239.9.9.9", port); // bound and sharing the port
        // SAFETY: C strings.
        ok(unsafe {
            sockit_udp_join_source_group(
                ssm,
                c"232.1.1.1".as_ptr(),
                c"127.0.0.1".as_ptr(),
                ptr::null(),
            )
        });
        let any = receiver(c"232.1.1.1", port);
        let (one, two) = (sender(c"127.0.0.1"), sender(c"127.0.0.2"));
        let group = to(c"232.1.1.1", port);
        assert_eq!(sendto(one, b"from one", &group), 8);
        assert_eq!(sendto(two, b"from two", &group), 8);
        assert_eq!(drain(ssm), ["from one"]);
        assert_eq!(drain(any), ["from one", "from two"]);
        // Joining the same source again is refused (Linux's word for it is "address not
        // available"); leaving ends it, and leaving again fails.
        // SAFETY: C strings.
        unsafe {
            fails_with(
                sockit_udp_join_source_group(
                    ssm,
                    c"232.1.1.1".as_ptr(),
                    c"127.0.0.1".as_ptr(),
                    ptr::null(),
                )
                .into(),
                SOCKIT_EADDRNOTAVAIL,
            );
            ok(sockit_udp_leave_source_group(
                ssm,
                c"232.1.1.1".as_ptr(),
                c"127.0.0.1".as_ptr(),
                ptr::null(),
            ));
            // Linux says "invalid argument" for a source no longer joined.
            fails_with(
                sockit_udp_leave_source_group(
                    ssm,
                    c"232.1.1.1".as_ptr(),
                    c"127.0.0.1".as_ptr(),
                    ptr::null(),
                )
                .into(),
                SOCKIT_EINVAL,
            );
            ok(sockit_udp_leave_group(
                any,
                c"232.1.1.1".as_ptr(),
                ptr::null(),
            ));
        }
        assert_eq!(sendto(one, b"after", &group), 5);
        assert_eq!(drain(ssm), Vec::<String>::new());
        assert_eq!(drain(any), Vec::<String>::new());
        // Any-source joins by interface name and by its address, and twice is refused.
        // SAFETY: C strings.
        unsafe {
            ok(sockit_udp_join_group(
                any,
                c"239.5.5.5".as_ptr(),
                c"lo".as_ptr(),
            ));
            fails_with(
                sockit_udp_join_group(any, c"239.5.5.5".as_ptr(), c"lo".as_ptr()).into(),
                SOCKIT_EADDRINUSE,
            );
            ok(sockit_udp_join_group(
                any,
                c"239.5.5.6".as_ptr(),
                c"127.0.0.1".as_ptr(),
            ));
        }
        assert_eq!(sendto(one, b"five", &to(c"239.5.5.5", port)), 4);
        assert_eq!(sendto(one, b"six", &to(c"239.5.5.6", port)), 3);
        assert_eq!(drain(any), ["five", "six"]);
        for sock in [ssm, any, one, two] {
            ok(sockit_close(sock));
        }
    });
}

#[test]
fn multicast_options_read_back_and_loop_off_keeps_datagrams_off_this_host() {
    in_namespace(|| {
        setup(&["ip", "link", "set", "lo", "multicast", "on"]);
        setup(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"]);
        let v4 = udp_socket(SOCKIT_IPV4);
        assert_eq!(
            get_int(sockit_get_multicast_ttl, v4),
            1,
            "the default: the local network"
        );
        ok(sockit_set_multicast_ttl(v4, 0));
        assert_eq!(get_int(sockit_get_multicast_ttl, v4), 0);
        ok(sockit_set_multicast_ttl(v4, 255));
        assert_eq!(get_int(sockit_get_multicast_ttl, v4), 255);
        for bad in [-1, 256] {
            fails_with(sockit_set_multicast_ttl(v4, bad).into(), SOCKIT_EINVAL);
        }
        assert_eq!(get_int(sockit_get_multicast_loop, v4), 1);
        assert_eq!(interface_text(v4), "", "the system's choice");
        // SAFETY: C strings.
        unsafe {
            ok(sockit_set_multicast_interface(v4, c"lo".as_ptr()));
            assert_eq!(
                interface_text(v4),
                "127.0.0.1",
                "IPv4 names it by its address"
            );
            ok(sockit_set_multicast_interface(v4, c"127.0.0.1".as_ptr()));
            assert_eq!(interface_text(v4), "127.0.0.1");
            ok(sockit_set_multicast_interface(v4, ptr::null()));
            assert_eq!(interface_text(v4), "");
            fails_with(
                sockit_set_multicast_interface(v4, c"no-such-if".as_ptr()).into(),
                SOCKIT_ENODEV,
            );
        }
        let v6 = udp_socket(SOCKIT_IPV6);
        ok(sockit_set_multicast_ttl(v6, 9));
        assert_eq!(get_int(sockit_get_multicast_ttl, v6), 9);
        // SAFETY: C strings.
        unsafe {
            ok(sockit_set_multicast_interface(v6, c"lo".as_ptr()));
            assert_eq!(interface_text(v6), "lo", "IPv6 names it by its name");
            ok(sockit_set_multicast_interface(v6, c"1".as_ptr()));
            assert_eq!(interface_text(v6), "lo");
            fails_with(
                sockit_set_multicast_interface(v6, c"127.0.0.1".as_ptr()).into(),
                SOCKIT_EINVAL,
            );
        }
        // With the loop off, this host's own members hear nothing of what the socket sends.
        // (Over `lo` everything comes back anyway: the loop is about real interfaces, so
        // this part goes out by a virtual Ethernet pair.)
        setup(&[
            "ip", "link", "add", "mc0", "type", "veth", "peer", "name", "mc1",
        ]);
        setup(&["ip", "addr", "add", "10.9.0.1/24", "dev", "mc0"]);
        setup(&["ip", "link", "set", "mc0", "up"]);
        setup(&["ip", "link", "set", "mc1", "up"]);
        setup(&["ip", "route", "add", "239.7.7.0/24", "dev", "mc0"]);
        let member = receiver(c"239.7.7.7", 6200);
        let group = to(c"239.7.7.7", 6200);
        assert_eq!(sendto(v4, b"looped", &group), 6);
        assert_eq!(drain(member), ["looped"]);
        ok(sockit_set_multicast_loop(v4, 0));
        assert_eq!(get_int(sockit_get_multicast_loop, v4), 0);
        assert_eq!(sendto(v4, b"not looped", &group), 10);
        assert_eq!(drain(member), Vec::<String>::new());
        for sock in [v4, v6, member] {
            ok(sockit_close(sock));
        }
    });
}

#[test]
fn broadcast_goes_out_only_when_allowed() {
    in_namespace(|| {
        let receiver = udp_bind(Some(c"0.0.0.0"));
        let port = local_addr(receiver).port;
        ok(sockit_set_read_timeout(receiver, 200));
        let sender = sender(c"127.0.0.1");
        let everyone = to(c"127.255.255.255", port);
        assert_eq!(get_int(sockit_get_broadcast, sender), 0);
        fails_with(sendto(sender, b"hello all", &everyone), SOCKIT_EACCES);
        ok(sockit_set_broadcast(sender, 1));
        assert_eq!(get_int(sockit_get_broadcast, sender), 1);
        assert_eq!(sendto(sender, b"hello all", &everyone), 9);
        assert_eq!(drain(receiver), ["hello all"]);
        for sock in [receiver, sender] {
            ok(sockit_close(sock));
        }
    });
}

#[test]
fn wrong_groups_families_kinds_and_interfaces_are_refused() {
    in_namespace(|| {
        setup(&["ip", "link", "set", "lo", "multicast", "on"]);
        setup(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"]);
        let v4 = udp_socket(SOCKIT_IPV4);
        let v6 = udp_socket(SOCKIT_IPV6);
        let (tcp, peer) = tcp_pair();
        let mut out = SOCKIT_INVALID_SOCKET;
        // SAFETY: NULLs and C strings; `out` is a live out-parameter.
        unsafe {
            for group in [c"127.0.0.1", c"::1", c"not an address", c"239.1.2.3:5"] {
                fails_with(
                    sockit_udp_join_group(v4, group.as_ptr(), ptr::null()).into(),
                    SOCKIT_EINVAL,
                );
            }
            fails_with(
                sockit_udp_join_group(v4, ptr::null(), ptr::null()).into(),
                SOCKIT_EINVAL,
            );
            fails_with(
                sockit_udp_join_group(v4, c"ff15::1".as_ptr(), ptr::null()).into(),
                SOCKIT_EAFNOSUPPORT,
            );
            fails_with(
                sockit_udp_join_group(v6, c"239.1.2.3".as_ptr(), ptr::null()).into(),
                SOCKIT_EAFNOSUPPORT,
            );
            fails_with(
                sockit_udp_join_group(v4, c"239.1.2.3".as_ptr(), c"no-such-if".as_ptr()).into(),
                SOCKIT_ENODEV,
            );
            fails_with(
                sockit_udp_join_group(v6, c"ff15::1".as_ptr(), c"127.0.0.1".as_ptr()).into(),
                SOCKIT_EINVAL,
            );
            fails_with(
                sockit_udp_leave_group(v4, c"239.1.2.3".as_ptr(), ptr::null()).into(),
                SOCKIT_EADDRNOTAVAIL,
            );
            // A source of the other family, or a multicast one.
            fails_with(
                sockit_udp_join_source_group(
                    v4,
                    c"232.1.1.1".as_ptr(),
                    c"::1".as_ptr(),
                    ptr::null(),
                )
                .into(),
                SOCKIT_EINVAL,
            );
            fails_with(
                sockit_udp_join_source_group(
                    v4,
                    c"232.1.1.1".as_ptr(),
                    c"239.1.1.1".as_ptr(),
                    ptr::null(),
                )
                .into(),
                SOCKIT_EINVAL,
            );
            // Multicast and broadcast are UDP's.
            fails_with(
                sockit_udp_join_group(tcp, c"239.1.2.3".as_ptr(), ptr::null()).into(),
                SOCKIT_EOPNOTSUPP,
            );
            fails_with(sockit_set_multicast_ttl(tcp, 2).into(), SOCKIT_EOPNOTSUPP);
            fails_with(sockit_set_broadcast(tcp, 1).into(), SOCKIT_EOPNOTSUPP);
            fails_with(
                sockit_udp_join_group(SOCKIT_INVALID_SOCKET, c"239.1.2.3".as_ptr(), ptr::null())
                    .into(),
                SOCKIT_EBADF,
            );
            fails_with(
                sockit_udp_multicast_socket(c"10.0.0.1".as_ptr(), 5000, ptr::null(), &mut out)
                    .into(),
                SOCKIT_EINVAL,
            );
            fails_with(
                sockit_udp_multicast_socket(c"239.1.2.3".as_ptr(), 70000, ptr::null(), &mut out)
                    .into(),
                SOCKIT_EINVAL,
            );
        }
        assert_eq!(out, SOCKIT_INVALID_SOCKET, "out untouched");
        for sock in [v4, v6, tcp, peer] {
            ok(sockit_close(sock));
        }
    });
}

#[test]
fn a_udp_server_of_the_framework_serves_a_group_it_joined() {
    use sockit::ffi::server::*;
    in_namespace(|| {
        setup(&["ip", "link", "set", "lo", "multicast", "on"]);
        setup(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"]);
        for mode in [SOCKIT_THREADED, SOCKIT_EVENT_LOOP] {
            let mut server: *mut sockit_server = ptr::null_mut();
            let mut sock = SOCKIT_INVALID_SOCKET;
            // SAFETY: live out-parameters; the server is freed below, after its run ends.
            unsafe {
                ok(sockit_server_new(
                    SOCKIT_UDP,
                    c"0.0.0.0".as_ptr(),
                    0,
                    mode,
                    &mut server,
                ));
                ok(sockit_server_set_echo(server));
                ok(sockit_server_socket(server, &mut sock));
                ok(sockit_udp_join_group(
                    sock,
                    c"239.6.6.6".as_ptr(),
                    ptr::null(),
                ));
            }
            let port = local_addr(sock).port;
            let running = server as usize;
            // SAFETY: the server lives until after this thread is joined.
            let run =
                thread::spawn(move || unsafe { sockit_server_run(running as *mut sockit_server) });
            let client = sender(c"127.0.0.1");
            ok(sockit_set_read_timeout(client, 2000));
            assert_eq!(sendto(client, b"to the group", &to(c"239.6.6.6", port)), 12);
            let mut buf = [0u8; 64];
            let (n, _) = recvfrom(client, &mut buf);
            assert_eq!(
                &buf[..n.max(0) as usize],
                b"to the group",
                "mode {mode}: {}",
                name(n)
            );
            // SAFETY: the server is live; stop is allowed from any thread.
            unsafe {
                ok(sockit_server_stop(server));
            }
            assert_eq!(run.join().unwrap(), SOCKIT_OK);
            // The run took the socket: asking for it now is refused.
            // SAFETY: as above.
            unsafe {
                fails_with(
                    sockit_server_socket(server, &mut sock).into(),
                    SOCKIT_EALREADY,
                );
                sockit_server_free(server);
            }
            ok(sockit_close(client));
        }
    });
}
