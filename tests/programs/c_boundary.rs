//! The C boundary under careless and hostile calls, through the real ABI of the static and
//! the shared library (tests/c/boundary_check.c): every bad argument gives its documented
//! code, nothing crashes, nothing is written on failure or past a buffer, SIGPIPE never
//! kills, and Die() says what went wrong.

#[path = "../support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use support::{Linkage, programs, run};

const LIMIT: Duration = Duration::from_secs(30);

/// What `boundary_check api` must print: each call and its result.
const API_RESULTS: &str = r#"sockit_send(SOCKIT_INVALID_SOCKET, "x", 1): SOCKIT_EBADF
sockit_recv(SOCKIT_INVALID_SOCKET, buf, sizeof buf): SOCKIT_EBADF
sockit_close(SOCKIT_INVALID_SOCKET): SOCKIT_EBADF
sockit_handle_client(SOCKIT_INVALID_SOCKET): SOCKIT_EBADF
sockit_set_nodelay(SOCKIT_INVALID_SOCKET, 1): SOCKIT_EBADF
sockit_close(closed): 0
sockit_close(closed): SOCKIT_EBADF
sockit_sendto(closed, "x", 1, &bad_family): SOCKIT_EINVAL
sockit_send(sock, NULL, 5): SOCKIT_EINVAL
sockit_send(sock, NULL, 0): SOCKIT_EDESTADDRREQ
sockit_recv(sock, NULL, 10): SOCKIT_EINVAL
sockit_recv(sock, buf, 0): SOCKIT_EINVAL
sockit_recvfrom(sock, buf, 0, NULL): SOCKIT_EINVAL
sockit_sendto(sock, "x", 1, NULL): SOCKIT_EINVAL
sockit_sendto(sock, "x", 1, &bad_family): SOCKIT_EINVAL
sockit_send_all(sock, NULL, (size_t)-1): SOCKIT_EINVAL
sockit_recv_exact(sock, buf, (size_t)-1): SOCKIT_EINVAL
sockit_tcp_connect(NULL, 7, 1000, &out): SOCKIT_EINVAL
sockit_tcp_connect("localhost", 7, 1000, NULL): SOCKIT_EINVAL
sockit_tcp_connect_addr(NULL, 1000, &out): SOCKIT_EINVAL
sockit_tcp_listen("127.0.0.1", 0, 5, NULL): SOCKIT_EINVAL
sockit_accept(sock, NULL, NULL): SOCKIT_EINVAL
sockit_local_addr(sock, NULL): SOCKIT_EINVAL
sockit_addr_parse(NULL, &addr): SOCKIT_EINVAL
sockit_addr_parse("127.0.0.1:7", NULL): SOCKIT_EINVAL
sockit_addr_format(NULL, buf, sizeof buf): SOCKIT_EINVAL
sockit_addr_from_sockaddr(NULL, 16, &addr): SOCKIT_EINVAL
sockit_resolve(NULL, 0, SOCKIT_ANY, NULL, 0): SOCKIT_EINVAL
sockit_resolve("localhost", 0, SOCKIT_ANY, NULL, 3): SOCKIT_EINVAL
sockit_echo_tcp_exchange(sock, NULL, 3, buf, sizeof buf): SOCKIT_EINVAL
sockit_echo_udp_exchange(sock, NULL, "x", 1, buf, sizeof buf, 100): SOCKIT_EINVAL
sockit_parse_port(NULL): SOCKIT_EINVAL
sockit_addr_equal(NULL, NULL): 0
sockit_tcp_connect("localhost", 70000, 1000, &out): SOCKIT_EINVAL
sockit_tcp_connect("localhost", -1, 1000, &out): SOCKIT_EINVAL
sockit_tcp_connect("localhost", 7, 0, &out): SOCKIT_EINVAL
sockit_tcp_connect("%s%n%x", 7, 1000, &out): SOCKIT_EINVAL
sockit_tcp_connect("bad\xff\xfehost", 7, 1000, &out): SOCKIT_EINVAL
sockit_tcp_listen(NULL, 0, -1, &out): SOCKIT_EINVAL
sockit_udp_socket(5, &out): SOCKIT_EINVAL
sockit_udp_bind("127.0.0.1", 65536, &out): SOCKIT_EINVAL
sockit_resolve("localhost", 0, 5, NULL, 0): SOCKIT_EINVAL
sockit_resolve("exa mple.org", 0, SOCKIT_ANY, NULL, 0): SOCKIT_EINVAL
sockit_resolve("::1", 0, SOCKIT_IPV4, NULL, 0): SOCKIT_EAFNOSUPPORT
sockit_addr_parse("127.0.0.1", &addr): SOCKIT_EINVAL
sockit_addr_parse("::1:7", &addr): SOCKIT_EINVAL
sockit_addr_parse("[::1]:65536", &addr): SOCKIT_EINVAL
sockit_addr_from_ip("300.1.1.1", 7, &addr): SOCKIT_EINVAL
sockit_addr_from_ip("127.0.0.1", 65536, &addr): SOCKIT_EINVAL
sockit_addr_format(&bad_family, buf, sizeof buf): SOCKIT_EINVAL
sockit_addr_from_sockaddr((const struct sockaddr *)raw, 1, &addr): SOCKIT_EINVAL
sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr): SOCKIT_EAFNOSUPPORT
sockit_parse_port("http"): SOCKIT_EINVAL
sockit_parse_port("65536"): SOCKIT_EINVAL
sockit_parse_port("-1"): SOCKIT_EINVAL
sockit_shutdown(sock, 7): SOCKIT_EINVAL
sockit_set_read_timeout(sock, 0): SOCKIT_EINVAL
sockit_set_write_timeout(sock, 0): SOCKIT_EINVAL
sockit_set_read_timeout(sock, -2): SOCKIT_EINVAL
sockit_set_write_timeout(sock, -1000): SOCKIT_EINVAL
sockit_tcp_connect("localhost", 7, -5, &out): SOCKIT_EINVAL
sockit_poll(NULL, 0, -2): SOCKIT_EINVAL
sockit_echo_udp_exchange(sock, &addr, "x", 1, buf, sizeof buf, -2): SOCKIT_EINVAL
sockit_sendto(sock, "x", 1, &addr): SOCKIT_EINVAL
udp socket bound when created: yes
sockit_addr_from_ip("2001:db8::1", 65535, &addr): 0
sockit_addr_format(&addr, small, sizeof small): SOCKIT_ERANGE
small buffer untouched: yes
sockit_addr_format(&addr, buf, sizeof buf): 19
sockit_addr_to_sockaddr(&addr, (struct sockaddr *)raw, 8): SOCKIT_ERANGE
sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr): SOCKIT_EAFNOSUPPORT
sockit_addr_to_sockaddr(&addr, (struct sockaddr *)raw, sizeof raw): 28
sockit_addr_from_sockaddr((const struct sockaddr *)raw, sizeof raw, &addr): 0
sockaddr round trip: yes
sockit_reader_new_fixed(sock, 0, &reader): SOCKIT_EINVAL
sockit_reader_new_delimited(sock, NULL, 2, 10, &reader): SOCKIT_EINVAL
sockit_reader_new_delimited(sock, "", 0, 10, &reader): SOCKIT_EINVAL
sockit_reader_new_length_prefixed(sock, 10, NULL): SOCKIT_EINVAL
reader untouched: yes
sockit_reader_next(NULL, &msg): SOCKIT_EINVAL
sockit_reader_push(NULL, "x", 1): SOCKIT_EINVAL
sockit_reader_buffered(NULL): 0
sockit_send_length_prefixed(sock, NULL, 3): SOCKIT_EINVAL
sockit_send_delimited(sock, "a\nb", 3, "\n", 1): SOCKIT_EINVAL
sockit_encode_length_prefixed("abc", 3, small, sizeof small): SOCKIT_ERANGE
sockit_encode_delimited("abc", 3, NULL, 1, buf, sizeof buf): SOCKIT_EINVAL
sockit_poll(NULL, 3, 0): SOCKIT_EINVAL
sockit_poll(NULL, 0, SOCKIT_FOREVER): SOCKIT_EINVAL
sockit_connect(sock, NULL): SOCKIT_EINVAL
sockit_connect_finish(SOCKIT_INVALID_SOCKET): SOCKIT_EBADF
sockit_tcp_socket(5, &out): SOCKIT_EINVAL
sockit_recv_to_end(SOCKIT_INVALID_SOCKET, buf, sizeof buf): SOCKIT_EBADF
sockit_request(sock, NULL, 4, buf, sizeof buf): SOCKIT_EINVAL
sockit_accept(udp, &out, NULL): SOCKIT_EOPNOTSUPP
sockit_echo_tcp_server(udp, NULL, NULL): SOCKIT_EOPNOTSUPP
sockit_set_nodelay(udp, 1): SOCKIT_EOPNOTSUPP
sockit_close(0): SOCKIT_ENOTSOCK
sockit_set_nonblocking(0, 1): SOCKIT_ENOTSOCK
sockit_handle_client(0): SOCKIT_ENOTSOCK
sockit_recv(0, buf, sizeof buf): SOCKIT_ENOTSOCK
sockit_tcp_connect(NULL, 7, 1000, &out): SOCKIT_EINVAL
out untouched: yes
sockit_send(SOCKIT_INVALID_SOCKET, "x", 1): SOCKIT_EBADF
sockit_last_error(): SOCKIT_EBADF
errno is EBADF: yes
sockit_parse_port("7"): 7
sockit_last_error(): SOCKIT_EBADF
sockit_strerror(-111): Connection refused
sockit_strerror(0): Success
sockit_strerror(12345): Unknown error code
sockit_err_name(-2147483647 - 1): SOCKIT_UNKNOWN_CODE
still alive
"#;

/// What `boundary_check truncation` must print: more bytes arrive than each buffer holds
/// (the buffers sit right before a canary, on the heap for AddressSanitizer). Datagrams are
/// cut and reported, streams are read in parts or refused, and nothing lands past a buffer.
const TRUNCATION_RESULTS: &str = r#"255-byte datagram, sockit_recvfrom into 255: 255
  buffer: the first bytes sent; canary: intact
  from written: yes
256-byte datagram, sockit_recvfrom into 255: SOCKIT_EMSGSIZE
  buffer: the first bytes sent; canary: intact
  from written: no
1000-byte datagram, sockit_recvfrom into 1: SOCKIT_EMSGSIZE
  buffer: the first bytes sent; canary: intact
1000-byte reply, sockit_echo_udp_exchange into 16: SOCKIT_EMSGSIZE
  buffer: the first bytes sent; canary: intact
1000-byte datagram, sockit_recv into 16: SOCKIT_EMSGSIZE
  buffer: the first bytes sent; canary: intact
1000 bytes, sockit_recv into 16: 16
  buffer: the first bytes sent; canary: intact
984 more, sockit_recv_exact of 16: 16
  buffer: the first bytes sent; canary: intact
968 more then the end, sockit_recv_to_end into 16: SOCKIT_ERANGE
  buffer: the first bytes sent; canary: intact
1000-byte reply, sockit_request into 16: SOCKIT_ERANGE
  buffer: the first bytes sent; canary: intact
echo of 100 bytes, sockit_echo_tcp_exchange into 16: SOCKIT_ERANGE
  buffer: untouched; canary: intact
sockit_addr_format into 8: SOCKIT_ERANGE
  buffer: untouched; canary: intact
sockit_addr_format_ip into 8: SOCKIT_ERANGE
  buffer: untouched; canary: intact
sockit_encode_length_prefixed of 100 into 50: SOCKIT_ERANGE
  buffer: untouched; canary: intact
sockit_encode_delimited of 100 into 101: SOCKIT_ERANGE
  buffer: untouched; canary: intact
sockit_resolve of localhost into room for 1: 1
  buffer: written; canary: intact
still alive
"#;

#[test]
fn more_bytes_than_the_buffer_holds_are_reported_never_written_past_it() {
    for linkage in Linkage::BOTH {
        let output = run(
            &programs().path("boundary_check", linkage),
            &["truncation"],
            LIMIT,
        );
        assert!(output.status.success(), "{linkage:?}: {output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            TRUNCATION_RESULTS,
            "{linkage:?}"
        );
    }
}

#[test]
fn every_bad_argument_gives_its_documented_code() {
    for linkage in Linkage::BOTH {
        let output = run(&programs().path("boundary_check", linkage), &["api"], LIMIT);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{linkage:?}: {output:?}");
        let expected: Vec<&str> = API_RESULTS
            .lines()
            // The descriptors-that-are-not-sockets checks (descriptor 0) are Unix-only.
            .filter(|line| {
                cfg!(unix) || !line.contains("(0") || line.starts_with("sockit_strerror")
            })
            .map(|line| match line {
                // Winsock cannot tell a closed socket from a handle that never was one.
                "sockit_close(closed): SOCKIT_EBADF" if cfg!(windows) => {
                    "sockit_close(closed): SOCKIT_ENOTSOCK"
                }
                line => line,
            })
            .collect();
        let got: Vec<&str> = stdout.lines().collect();
        for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(got, expected, "{linkage:?}, line {}", index + 1);
        }
        assert_eq!(got.len(), expected.len(), "{linkage:?}: {stdout}");
    }
}

/// What `boundary_check transports` must print: the newer calls with bad arguments.
const TRANSPORT_RESULTS: &str = r#"sockit_unix_listen(NULL, 1, 0, &out): SOCKIT_EINVAL
sockit_unix_listen("", 1, 0, &out): SOCKIT_EINVAL
sockit_unix_listen("@", 1, 0, &out): SOCKIT_EINVAL
sockit_unix_listen(long_name, 1, 0, &out): SOCKIT_ENAMETOOLONG
sockit_unix_connect(long_name, 1000, &out): SOCKIT_ENAMETOOLONG
sockit_unix_listen("x.sock", -1, 0, &out): SOCKIT_EINVAL
sockit_unix_listen("x.sock", 1, 99, &out): SOCKIT_EINVAL
sockit_unix_connect("x.sock", 0, &out): SOCKIT_EINVAL
sockit_unix_bind("x.sock", -1, &out): SOCKIT_EINVAL
sockit_unix_sendto(udp, "x", 1, NULL): SOCKIT_EINVAL
sockit_unix_local_name(tcp, name, sizeof name): SOCKIT_EAFNOSUPPORT
sockit_unix_peer_name(SOCKIT_INVALID_SOCKET, name, sizeof name): SOCKIT_EBADF
sockit_unix_peer_cred(tcp, &cred): SOCKIT_EAFNOSUPPORT
sockit_unix_peer_cred(closed, &cred): SOCKIT_EBADF
out untouched: yes
sockit_set_send_buffer(udp, -1): SOCKIT_EINVAL
sockit_set_recv_buffer(udp, -65536): SOCKIT_EINVAL
sockit_set_keepalive(tcp, 1, -1, 1, 1): SOCKIT_EINVAL
sockit_set_keepalive(udp, 1, 10, 10, 3): SOCKIT_EOPNOTSUPP
sockit_set_linger(tcp, 1, -1): SOCKIT_EINVAL
sockit_set_linger(tcp, 1, 65536): SOCKIT_EINVAL
sockit_set_ttl(udp, 0): SOCKIT_EINVAL
sockit_set_tos(udp, 256): SOCKIT_EINVAL
sockit_set_fastopen(udp, 5): SOCKIT_EOPNOTSUPP
sockit_set_v6only(udp, 1): SOCKIT_EOPNOTSUPP
sockit_get_nodelay(udp, &value): SOCKIT_EOPNOTSUPP
sockit_get_ttl(tcp, NULL): SOCKIT_EINVAL
sockit_get_error(closed, &value): SOCKIT_EBADF
value untouched: yes
sockit_close_reset(closed): SOCKIT_EBADF
sockit_sendv(tcp, NULL, 1): SOCKIT_EINVAL
sockit_sendv(tcp, iov, 1): SOCKIT_EINVAL
sockit_sendv_all(tcp, iov, (size_t)-1): SOCKIT_EINVAL
sockit_recvv(tcp, NULL, 0): SOCKIT_EINVAL
sockit_recvv_all(closed, iov, 1): SOCKIT_EBADF
sockit_sendto_v(udp, iov, 1, NULL): SOCKIT_EINVAL
sockit_udp_join_group(udp, "127.0.0.1", NULL): SOCKIT_EINVAL
sockit_udp_join_group(udp, NULL, NULL): SOCKIT_EINVAL
sockit_udp_join_group(udp, "239.1.2.3:5", NULL): SOCKIT_EINVAL
sockit_udp_join_group(udp, "ff02::1", NULL): SOCKIT_EAFNOSUPPORT
sockit_udp_join_group(tcp, "239.1.2.3", NULL): SOCKIT_EOPNOTSUPP
sockit_udp_join_group(udp, "239.1.2.3", "no-such-interface"): SOCKIT_ENODEV
sockit_udp_join_source_group(udp, "232.1.1.1", "::1", NULL): SOCKIT_EINVAL
sockit_udp_leave_group(closed, "239.1.2.3", NULL): SOCKIT_EBADF
sockit_set_multicast_ttl(udp, 256): SOCKIT_EINVAL
sockit_set_multicast_ttl(tcp, 1): SOCKIT_EOPNOTSUPP
sockit_set_broadcast(tcp, 1): SOCKIT_EOPNOTSUPP
sockit_udp_multicast_socket("10.0.0.1", 5000, NULL, &out): SOCKIT_EINVAL
sockit_udp_multicast_socket("239.1.2.3", 70000, NULL, &out): SOCKIT_EINVAL
sockit_sendfile(tcp, FILE_HANDLE(file), -1, 4): SOCKIT_EINVAL
sockit_sendfile(tcp, FILE_HANDLE(file), 0, -1): SOCKIT_EINVAL
sockit_sendfile(SOCKIT_INVALID_SOCKET, FILE_HANDLE(file), 0, 4): SOCKIT_EBADF
sockit_sendfile(closed, FILE_HANDLE(file), 0, 4): SOCKIT_EBADF
sockit_sendfile(tcp, FILE_HANDLE(file), 4, 4): 0
sockit_sendfile(tcp, FILE_HANDLE(file), 0, 4): 4
still alive
"#;

/// What `boundary_check transports` prints before "still alive" on Unix: the newer calls
/// with good arguments (Unix only: Wine lacks several of these options).
const GOOD_TRANSPORT_RESULTS: &str = r#"sockit_recv_exact(peer, file_bytes, sizeof file_bytes): 4
sockit_sendv_all(tcp, out_iov, 2): 14
sockit_recvv_all(peer, in_iov, 2): 14
gathered: scatter/gather
sockit_sendto_v(udp, out_iov, 2, &self): 14
sockit_recvfrom(udp, datagram, sizeof datagram, &from): 14
from itself: yes
sockit_set_keepalive(tcp, 1, 60, 10, 5): 0
sockit_get_keepalive(tcp, &on, &idle, &interval, &count): 0
keepalive: 1 60 10 5
sockit_set_send_buffer(tcp, 65536): 0
sockit_get_send_buffer(tcp, &value): 0
send buffer of 64 KiB or more: yes
sockit_set_linger(tcp, 1, 5): 0
sockit_get_linger(tcp, &on, &value): 0
linger: 1 5
sockit_set_tos(tcp, 0x10): 0
sockit_get_tos(tcp, &value): 0
tos: 16
sockit_set_nodelay(tcp, 1): 0
sockit_get_nodelay(tcp, &on): 0
nodelay: 1
sockit_get_error(tcp, &value): 0
pending error: 0
sockit_set_ttl(udp, 7): 0
sockit_get_ttl(udp, &value): 0
ttl: 7
sockit_set_broadcast(udp, 1): 0
sockit_get_broadcast(udp, &on): 0
broadcast: 1
sockit_set_multicast_ttl(udp, 3): 0
sockit_get_multicast_ttl(udp, &value): 0
multicast ttl: 3
sockit_set_multicast_loop(udp, 0): 0
sockit_get_multicast_loop(udp, &on): 0
multicast loop: 0
"#;

#[test]
fn the_newer_calls_refuse_bad_arguments_with_their_documented_codes() {
    for linkage in Linkage::BOTH {
        let output = run(
            &programs().path("boundary_check", linkage),
            &["transports"],
            LIMIT,
        );
        assert!(output.status.success(), "{linkage:?}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // Winsock cannot tell a closed socket from a handle that never was one.
        let good = if cfg!(unix) {
            GOOD_TRANSPORT_RESULTS
        } else {
            ""
        };
        let results = TRANSPORT_RESULTS.replace("still alive\n", &format!("{good}still alive\n"));
        let expected: Vec<String> = results
            .lines()
            .map(|line| match line.strip_suffix("SOCKIT_EBADF") {
                Some(call) if cfg!(windows) && line.contains("(closed") => {
                    format!("{call}SOCKIT_ENOTSOCK")
                }
                _ => line.to_string(),
            })
            .collect();
        let got: Vec<&str> = stdout.lines().collect();
        for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(got, expected, "{linkage:?}, line {}", index + 1);
        }
        assert_eq!(got.len(), expected.len(), "{linkage:?}: {stdout}");
    }
}

#[test]
fn sending_to_a_closed_peer_is_an_error_not_a_sigpipe() {
    for linkage in Linkage::BOTH {
        let output = run(
            &programs().path("boundary_check", linkage),
            &["sigpipe"],
            LIMIT,
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{linkage:?}: killed? {output:?}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{stdout}");
        for line in &lines[..3] {
            // Windows' TransmitFile reports a peer that reset as "not connected".
            let windows_sendfile = cfg!(windows) && line.starts_with("sendfile");
            assert!(
                line.ends_with("SOCKIT_EPIPE")
                    || line.ends_with("SOCKIT_ECONNRESET")
                    || (windows_sendfile && line.ends_with("SOCKIT_ENOTCONN")),
                "{line}"
            );
        }
        assert_eq!(lines[3], "still alive");
    }
}

/// A port where nothing listens, kept bound so that nothing else takes it meanwhile.
fn refusing_port() -> (Socket, String) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&any.into()).unwrap();
    let port = socket.local_addr().unwrap().as_socket().unwrap().port();
    (socket, port.to_string())
}

#[test]
fn die_reports_the_failure_that_happened_last() {
    let (_bound, port) = refusing_port();
    for linkage in Linkage::BOTH {
        let check = programs().path("boundary_check", linkage);
        let output = run(&check, &["die-refused", &port], LIMIT);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "Failed to connect with server: Connection refused\n"
        );
        // A later failure of the program's own (fopen) is what errno, and Die, report.
        let output = run(&check, &["die-errno", &port], LIMIT);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "fopen: No such file or directory\n"
        );
        // After a sockit success, Die is perror: errno, which the success kept, in the
        // system's words ("Result too large for the buffer given" is sockit's, for the
        // failure before it).
        let output = run(&check, &["die-after-success"], LIMIT);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "after a success: Numerical result out of range\n"
        );
        // And errno as the program left it; no prefix for a NULL message.
        let output = run(&check, &["die-null"], LIMIT);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "Permission denied\n"
        );
    }
}

#[test]
fn successful_calls_keep_errno_and_die_after_the_peer_closed_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // Reads the one byte each client sends, then closes without a reply.
    let server = std::thread::spawn(move || {
        for _ in Linkage::BOTH {
            let (mut client, _) = listener.accept().unwrap();
            client.set_read_timeout(Some(LIMIT)).unwrap();
            let _ = std::io::Read::read(&mut client, &mut [0u8; 1]);
        }
    });
    for linkage in Linkage::BOTH {
        let output = run(
            &programs().path("boundary_check", linkage),
            &["die-eof", &port],
            LIMIT,
        );
        assert_eq!(output.status.code(), Some(1), "{linkage:?}: {output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "errno after sockit_tcp_connect: kept\n\
             errno after sockit_send_all: kept\n\
             sockit_recv: 0, errno kept\n",
            "{linkage:?}"
        );
        // The tutorial printed "...: Success"; a stale errno printed "...: Operation now in
        // progress".
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "Failed to receive bytes from server: Connection closed by peer\n",
            "{linkage:?}"
        );
    }
    server.join().unwrap();
}
