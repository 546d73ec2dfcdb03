//! The server framework through its C programs: `tcp_multi_echo_server` and
//! `udp_lengthy_server` in every mode, with many clients at once, stopped by signals, and the
//! tutorial's two experiments in their short form.
#![cfg(unix)] // signals and /proc: the Windows runs (issue 7) use their own checks

#[path = "../support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use support::experiments::{lengthy_udp, slow_tcp};
use support::{Linkage, Server, programs, read_until_closed, udp_request, zombie_children};

const MODES: [&str; 4] = ["iterative", "threaded", "forking", "event-loop"];

/// Payload sizes from one byte to 1 MiB.
const SIZES: [usize; 6] = [1, 31, 4096, 65_537, 300_000, 1 << 20];

/// Bytes that differ from one position and one client to the next, so that a mix-up shows.
fn payload(client: usize, size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| (i.wrapping_mul(31) ^ client.wrapping_mul(7) ^ (i >> 8)) as u8)
        .collect()
}

/// Sends `data` on a new connection (from another thread, so that a large echo cannot fill
/// both directions and stall), reads everything back until the server closes after our
/// half-close, and returns it.
fn echo_over_tcp(port: u16, data: Vec<u8>) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sending = thread::spawn(move || {
        writer.write_all(&data).expect("send");
        writer.shutdown(Shutdown::Write).expect("half-close");
    });
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).expect("read the echo");
    sending.join().unwrap();
    echoed
}

#[test]
fn tcp_servers_echo_every_byte_to_many_clients_in_every_mode() {
    for mode in MODES {
        let mut server = Server::start(
            &programs().path("tcp_multi_echo_server", Linkage::Static),
            &["0", mode],
        );
        let port = server.port();
        let clients: Vec<_> = (0..12)
            .map(|client| {
                thread::spawn(move || {
                    for size in SIZES {
                        let data = payload(client, size);
                        let echoed = echo_over_tcp(port, data.clone());
                        assert!(echoed == data, "{mode}: client {client}, {size} bytes");
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().expect("a client failed");
        }
        let connected = server
            .stdout_lines()
            .iter()
            .filter(|l| l.starts_with("Client connected: "))
            .count();
        assert_eq!(connected, 12 * SIZES.len(), "{mode}: one line per client");
        let status = server.terminate(Duration::from_secs(10));
        assert!(status.is_some_and(|s| s.success()), "{mode}: {status:?}");
        server.expect_stderr_line("tcp_multi_echo_server: stopped");
    }
}

/// The server's reply: the request upper-cased.
fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

#[test]
fn udp_servers_answer_every_datagram_size_from_many_clients_in_every_mode() {
    for mode in MODES {
        let mut server = Server::start(
            &programs().path("udp_lengthy_server", Linkage::Static),
            &["0", mode, "0"],
        );
        let port = server.port();
        let clients: Vec<_> = (0..8)
            .map(|client| {
                thread::spawn(move || {
                    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                    socket.connect(("127.0.0.1", port)).unwrap();
                    socket
                        .set_read_timeout(Some(Duration::from_secs(2)))
                        .unwrap();
                    let mut buf = vec![0u8; 70_000];
                    for size in [0, 1, 255, 1472, 9000, 65_507] {
                        let data: Vec<u8> = payload(client, size)
                            .iter()
                            .map(|b| b"abcdefghijklmnopqrstuvwxyz!%s\0\xff"[*b as usize % 31])
                            .collect();
                        let len = udp_request(&socket, &data, &mut buf)
                            .unwrap_or_else(|| panic!("{mode}: no reply, {size}"));
                        assert!(buf[..len] == upper(&data)[..], "{mode}: {size} bytes");
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().expect("a client failed");
        }
        let status = server.terminate(Duration::from_secs(10));
        assert!(status.is_some_and(|s| s.success()), "{mode}: {status:?}");
        server.expect_stderr_line("udp_lengthy_server: stopped");
    }
}

/// The tutorial's two experiments, shortened: every request and client is served, and none
/// faster than its delays allow (iterative mode one after the other). How much faster the
/// concurrent modes are is a speed, measured by `cargo run --release --example
/// tutorial_table` (the README's table), not asserted here.
#[test]
fn tutorial_experiments_have_the_tutorials_shape() {
    // The tutorial's 20 requests of 5 s and 20 clients at 0.1 s a byte, shortened.
    let (count, delay) = (10, 0.3);
    let iterative = lengthy_udp("iterative", count, delay).seconds;
    assert!(
        iterative >= count as f64 * delay * 0.95,
        "iterative serves one at a time: {iterative:.2} s"
    );
    for mode in ["threaded", "forking", "event-loop"] {
        let concurrent = lengthy_udp(mode, count, delay).seconds;
        assert!(
            concurrent >= delay * 0.95,
            "{mode}: at least one delay, {concurrent:.2} s"
        );
    }
    // "hello [n]" is 9 bytes: 9 sent and 9 read at 20 ms each is 0.36 s per client.
    let (clients, delay_ms) = (10, 20);
    let one_client = 2.0 * 9.0 * delay_ms as f64 / 1000.0;
    let iterative = slow_tcp("iterative", clients, delay_ms).seconds;
    assert!(
        iterative >= clients as f64 * one_client * 0.5,
        "iterative: the clients wait for each other, {iterative:.2} s"
    );
    for mode in ["threaded", "forking", "event-loop"] {
        let took = slow_tcp(mode, clients, delay_ms).seconds;
        assert!(
            took >= one_client * 0.95,
            "{mode}: at least one client's time, {took:.2} s"
        );
    }
}

#[test]
fn forking_servers_leave_no_zombies() {
    for program in ["tcp_multi_echo_server", "udp_lengthy_server"] {
        let is_udp = program == "udp_lengthy_server";
        let args: &[&str] = if is_udp {
            &["0", "forking", "0.05"]
        } else {
            &["0", "forking"]
        };
        let mut server = Server::start(&programs().path(program, Linkage::Static), args);
        let port = server.port();
        if is_udp {
            let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.connect(("127.0.0.1", port)).unwrap();
            socket
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            for n in 0..20 {
                socket.send(format!("request {n}").as_bytes()).unwrap();
            }
            let mut buf = [0u8; 64];
            for _ in 0..20 {
                socket.recv(&mut buf).expect("every request is answered");
            }
        } else {
            for client in 0..20 {
                let data = payload(client, 100);
                assert_eq!(echo_over_tcp(port, data.clone()), data);
            }
        }
        // Children that have exited are reaped while the server runs, not only at the stop.
        let pid = server.pid();
        support::waits::wait_until(
            Duration::from_secs(10),
            &format!("{program}: its exited children reaped"),
            || zombie_children(pid).is_empty(),
        );
        let status = server.terminate(Duration::from_secs(10));
        assert!(status.is_some_and(|s| s.success()), "{program}: {status:?}");
    }
}

#[test]
fn a_signal_while_clients_are_served_stops_the_server_cleanly() {
    for mode in ["threaded", "event-loop"] {
        let mut server = Server::start(
            &programs().path("tcp_multi_echo_server", Linkage::Static),
            &["0", mode],
        );
        // A client in the middle of its exchange, which never finishes by itself.
        let mut busy = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        busy.write_all(b"half a request").unwrap();
        let mut echo = [0u8; 14];
        busy.read_exact(&mut echo).unwrap();
        let status = server.terminate(Duration::from_secs(15));
        assert!(status.is_some_and(|s| s.success()), "{mode}: {status:?}");
        // After the grace period its connection was closed, not left hanging.
        busy.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let rest = read_until_closed(&mut busy, &format!("{mode}: the busy client is cut"));
        assert_eq!(rest, b"", "{mode}");
        // New clients are refused once it is gone.
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_err());
    }
}

/// Sends `signal` to process `pid`.
#[cfg(target_os = "linux")]
fn signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: kill takes plain integers; the process is the test's own child.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// The bytes `stream` has sent that its peer's system has not yet taken (Linux's SIOCOUTQ).
#[cfg(target_os = "linux")]
fn unacknowledged(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    let mut queued: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ) writes one int; the descriptor is a live TCP socket.
    assert_eq!(
        unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) },
        0
    );
    usize::try_from(queued).unwrap()
}

/// A client that closes (a FIN, not a reset) before its echo comes: the server's first send
/// to it draws a reset, and its next send fails with EPIPE, which must be an error code and
/// not a SIGPIPE that kills the server. The server is held stopped while the client sends
/// and closes, so that the close comes first; the client sends more than one receive's worth
/// (the event loop reads 64 KiB at a time) so that the server sends more than once.
#[cfg(target_os = "linux")]
#[test]
fn a_client_that_closed_before_its_echo_raises_no_sigpipe_in_every_mode() {
    for mode in MODES {
        let mut server = Server::start(
            &programs().path("tcp_multi_echo_server", Linkage::Static),
            &["0", mode],
        );
        let port = server.port();
        signal(server.pid(), libc::SIGSTOP);
        let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        client.write_all(&payload(0, 100 * 1024)).unwrap();
        support::waits::wait_until(
            Duration::from_secs(10),
            "the server's system to take every byte the client sent",
            || unacknowledged(&client) == 0,
        );
        drop(client);
        signal(server.pid(), libc::SIGCONT);
        server.expect_stdout_line("Client connected: 127.0.0.1");
        let data = payload(1, 1000);
        let echoed = std::panic::catch_unwind(|| echo_over_tcp(port, data.clone()));
        let exited = server.exited();
        assert_eq!(exited, None, "{mode}: the server ended ({exited:?})");
        assert!(
            echoed.expect("an echo") == data,
            "{mode}: served afterwards"
        );
        let status = server.terminate(Duration::from_secs(10));
        assert!(status.is_some_and(|s| s.success()), "{mode}: {status:?}");
    }
}

/// Out of descriptors, with clients waiting in the listen queue, a server pauses accepting
/// and sleeps until it tries again (the clients wait, as documented), instead of trying again
/// at once in a loop that takes a core while the shortage lasts.
#[cfg(target_os = "linux")]
#[test]
fn out_of_descriptors_a_server_sleeps_between_attempts_to_accept() {
    use support::in_process::listen_queue;
    use support::waits::wait_until;
    for mode in ["threaded", "event-loop"] {
        let server = Server::start(
            &programs().path("fault_server", Linkage::Static),
            &["tcp", mode, "--nofile", "24"],
        );
        let (pid, port) = (server.pid(), server.port());
        // Idle clients, more than the server has descriptors for.
        let _clients: Vec<TcpStream> = (0..60)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
            .collect();
        let descriptors = || {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .unwrap()
                .count()
        };
        let what = format!("{mode}: the server out of descriptors, clients still queued");
        wait_until(Duration::from_secs(30), &what, || {
            descriptors() >= 24 && listen_queue(port) > 0
        });
        // fault_server runs the server on its main thread.
        let what = format!("{mode}: the run thread asleep in epoll_wait during the shortage");
        wait_until(Duration::from_secs(10), &what, || {
            support::thread_waits_in_epoll(pid, pid)
        });
        assert!(listen_queue(port) > 0, "{mode}: still short of descriptors");
    }
}

/// Sends `payload` to 127.0.0.1:`port` as a UDP datagram whose source port is 0, as a
/// sender's race or a forger can: through a raw socket, which needs root. `None` without.
fn send_from_port_0(port: u16, payload: &[u8]) -> Option<()> {
    use socket2::{Domain, Protocol, Socket, Type};
    let raw = match Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::UDP)) {
        Ok(raw) => raw,
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => return None,
        Err(err) => panic!("raw socket: {err}"),
    };
    // The UDP header: source port 0, destination, length, no checksum (allowed over IPv4).
    let length = u16::try_from(8 + payload.len()).unwrap();
    let mut datagram = Vec::new();
    datagram.extend_from_slice(&0u16.to_be_bytes());
    datagram.extend_from_slice(&port.to_be_bytes());
    datagram.extend_from_slice(&length.to_be_bytes());
    datagram.extend_from_slice(&0u16.to_be_bytes());
    datagram.extend_from_slice(payload);
    let to: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    raw.send_to(&datagram, &to.into())
        .expect("send from port 0");
    Some(())
}

/// The server framework in every mode and the library's echo loop (udp_echo_server is the
/// tutorial's own loop: its sockit_sendto to port 0 fails with SOCKIT_EINVAL, and it goes on).
#[test]
fn datagrams_from_port_0_are_skipped_with_a_line_and_the_others_answered() {
    let servers: Vec<(&str, Vec<&str>, &[u8])> = MODES
        .iter()
        .map(|&mode| ("udp_lengthy_server", vec!["0", mode, "0.01"], &b"HELLO"[..]))
        .chain([("echo_server_one_call", vec!["udp", "0"], &b"hello"[..])])
        .collect();
    for (program, args, reply) in servers {
        let server = Server::start(&programs().path(program, Linkage::Static), &args);
        if send_from_port_0(server.port(), b"hello").is_none() {
            eprintln!("not root: no datagram from port 0 can be made here");
            return;
        }
        server.expect_stderr_line(
            "sockit: skipped a datagram from 127.0.0.1 port 0, which no reply can reach \
             (1 so far in this process)",
        );
        // Exactly one request, no resend: the server serves on, and loopback loses nothing.
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.connect(("127.0.0.1", server.port())).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        client.send(b"hello").unwrap();
        let mut buf = [0u8; 16];
        let n = client
            .recv(&mut buf)
            .unwrap_or_else(|err| panic!("{program} {args:?}: no reply: {err}"));
        assert_eq!(&buf[..n], reply, "{program} {args:?}");
        assert!(
            !server
                .stderr_lines()
                .iter()
                .any(|l| l.contains("reply lost")),
            "{program} {args:?}: {:?}",
            server.stderr_lines()
        );
    }
}
