//! The message programs of `c_examples/`: msg_echo_server and msg_client talking to each
//! other and to hostile or awkward peers, and nonblocking_udp's would-block demonstration.

#[path = "../support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use support::{Linkage, Server, programs, read_until_closed, run};

const LIMIT: Duration = Duration::from_secs(20);

fn length_prefixed(messages: &[&[u8]]) -> Vec<u8> {
    let mut stream = Vec::new();
    for message in messages {
        stream.extend_from_slice(&(message.len() as u32).to_be_bytes());
        stream.extend_from_slice(message);
    }
    stream
}

/// Reads one length-prefixed message, or `None` at the end of the stream.
fn read_length_prefixed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix).ok()?;
    let mut message = vec![0u8; u32::from_be_bytes(prefix) as usize];
    stream.read_exact(&mut message).ok()?;
    Some(message)
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

#[test]
fn msg_client_gets_every_message_back_whole_in_both_framings() {
    // Longer than a read; Windows caps a whole command line at 32,767 characters.
    let long = "x".repeat(if cfg!(windows) { 30_000 } else { 60_000 });
    for linkage in Linkage::BOTH {
        for lines in [false, true] {
            let flag: &[&str] = if lines { &["-l"] } else { &[] };
            let server = Server::start(
                &programs().path("msg_echo_server", linkage),
                &[flag, &["0"]].concat(),
            );
            let port = server.port().to_string();
            let messages = ["hello", "", "two words", "glued?", long.as_str()];
            let args = [flag, &["127.0.0.1", &port], &messages].concat();
            let output = run(&programs().path("msg_client", linkage), &args, LIMIT);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{args:?}: {output:?}");
            let expected: String = messages.iter().map(|m| format!("{m}\n")).collect();
            assert_eq!(stdout, expected, "{linkage:?} lines={lines}");
            server.expect_stdout_line("Client 127.0.0.1: 5 messages, closed");
        }
    }
}

#[test]
fn msg_echo_server_answers_glued_and_dribbled_messages_one_by_one() {
    let server = Server::start(&programs().path("msg_echo_server", Linkage::Static), &["0"]);
    let messages: Vec<Vec<u8>> = (0..500)
        .map(|i| format!("message {i} ").repeat(i % 13).into_bytes())
        .collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    // Glued: all of them in one write.
    let mut glued = connect(&server);
    let reader = {
        let mut glued = glued.try_clone().unwrap();
        let count = messages.len();
        // Up to the first that does not come (each read waits LIMIT at most).
        thread::spawn(move || {
            (0..count)
                .map_while(|_| read_length_prefixed(&mut glued))
                .collect::<Vec<_>>()
        })
    };
    glued.write_all(&length_prefixed(&refs)).unwrap();
    let echoed = reader.join().unwrap();
    assert!(
        echoed == messages,
        "every message, whole and in order: {} of {} came back",
        echoed.len(),
        messages.len()
    );
    // Dribbled: one byte at a time, binary bytes included.
    let binary: Vec<u8> = (0..=255u8).collect();
    let mut dribbled = connect(&server);
    for byte in length_prefixed(&[&binary, b"\0\0"]) {
        dribbled.write_all(&[byte]).unwrap();
    }
    assert_eq!(read_length_prefixed(&mut dribbled).unwrap(), binary);
    assert_eq!(read_length_prefixed(&mut dribbled).unwrap(), b"\0\0");
    drop(glued);
    drop(dribbled);
    server.expect_stdout_line("Client 127.0.0.1: 500 messages, closed");
    server.expect_stdout_line("Client 127.0.0.1: 2 messages, closed");
}

#[test]
fn msg_echo_server_drops_a_client_that_breaks_the_rules_and_serves_the_next() {
    let mut server = Server::start(&programs().path("msg_echo_server", Linkage::Static), &["0"]);
    // Announces 16 MiB, over the 64 KiB limit: disconnected without a reply.
    let mut hostile = connect(&server);
    hostile.write_all(&(16u32 << 20).to_be_bytes()).unwrap();
    hostile.write_all(b"some of it").unwrap();
    let rest = read_until_closed(&mut hostile, "an oversize message ends the connection");
    assert!(rest.is_empty(), "no reply to an oversize message");
    server.expect_stdout_line("Client 127.0.0.1: 0 messages, then Message too long");
    // Leaves in the middle of a message.
    let mut cut = connect(&server);
    cut.write_all(&length_prefixed(&[b"whole"])).unwrap();
    cut.write_all(&[0, 0, 0, 9, b'c', b'u']).unwrap();
    assert_eq!(read_length_prefixed(&mut cut).unwrap(), b"whole");
    drop(cut);
    server.expect_stdout_line("Client 127.0.0.1: 1 messages, then Stream ended inside a message");
    // A line server gets a line far over its limit.
    let mut lines = Server::start(
        &programs().path("msg_echo_server", Linkage::Static),
        &["-l", "0"],
    );
    let mut flood = connect(&lines);
    let _ = flood.write_all(&vec![b'a'; 200_000]);
    let rest = read_until_closed(&mut flood, "a line over the limit ends the connection");
    assert!(rest.is_empty(), "no reply to a line over the limit");
    lines.expect_stdout_line("Client 127.0.0.1: 0 messages, then Message too long");
    // Both still serve.
    let mut fine = connect(&server);
    fine.write_all(&length_prefixed(&[b"still here"])).unwrap();
    assert_eq!(read_length_prefixed(&mut fine).unwrap(), b"still here");
    assert!(server.is_running() && lines.is_running());
    #[cfg(unix)]
    for server in [&mut server, &mut lines] {
        let status = server.terminate(LIMIT).expect("stops on SIGTERM");
        assert!(status.success());
        server.expect_stderr_line("msg_echo_server: stopped");
    }
}

/// A server that answers each length-prefixed message with `answer(message)`, sent one
/// byte at a time, to one client.
fn awkward_server(answer: fn(Vec<u8>) -> Option<Vec<u8>>) -> (u16, thread::JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        while let Some(message) = read_length_prefixed(&mut stream) {
            let Some(reply) = answer(message) else { return };
            for byte in length_prefixed(&[&reply]) {
                if stream.write_all(&[byte]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_micros(200));
            }
        }
    });
    (port, handle)
}

#[test]
fn msg_client_reassembles_replies_that_arrive_a_byte_at_a_time() {
    let (port, server) = awkward_server(Some);
    let args = ["127.0.0.1", &port.to_string(), "first", "second reply", "3"];
    let output = run(
        &programs().path("msg_client", Linkage::Shared),
        &args,
        LIMIT,
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"first\nsecond reply\n3\n");
    server.join().unwrap();
}

#[test]
fn msg_client_fails_on_a_wrong_or_missing_reply() {
    let (port, server) = awkward_server(|mut m| {
        m.reverse();
        Some(m)
    });
    let args = ["127.0.0.1", &port.to_string(), "abc"];
    let output = run(
        &programs().path("msg_client", Linkage::Static),
        &args,
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("differs"));
    server.join().unwrap();

    let (port, server) = awkward_server(|_| None);
    let args = ["127.0.0.1", &port.to_string(), "a", "b"];
    let output = run(
        &programs().path("msg_client", Linkage::Static),
        &args,
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The server closed with a message unread: the end of the stream or a reset.
    assert!(stderr.contains("After 0 replies of 2: "), "{stderr}");
    server.join().unwrap();
}

#[test]
fn nonblocking_udp_tells_would_block_from_data() {
    for linkage in Linkage::BOTH {
        let mut program = Server::start(&programs().path("nonblocking_udp", linkage), &["0"]);
        program.expect_stdout_line("Waiting for a datagram...");
        let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        sender
            .send_to(
                b"hello, non-blocking",
                (Ipv4Addr::LOCALHOST, program.port()),
            )
            .unwrap();
        let would_block = "recvfrom: Resource temporarily unavailable: nothing to read yet";
        let expected = [
            would_block,
            "Waiting for a datagram...",
            "Received 19 bytes from 127.0.0.1: hello, non-blocking",
            would_block,
        ];
        program.expect_stdout_line(expected[2]);
        // The last line equals the first, which expect_stdout_line would find at once: wait
        // for the count instead (the output reader may lag behind the program's exit).
        let deadline = Instant::now() + Duration::from_secs(10);
        while program.stdout_lines().len() < expected.len() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        while program.is_running() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(program.stdout_lines(), expected, "{linkage:?}");
    }
}

/// line_echo_server, the one-callback line server, in every mode and with both libraries:
/// lines in pieces and glued, one too long, and a last line the client ends without its
/// "\n", which still comes back.
#[test]
fn line_echo_server_echoes_whole_lines_in_every_mode() {
    let modes: &[&str] = if cfg!(unix) {
        &["iterative", "threaded", "forking", "event-loop"]
    } else {
        &["iterative", "threaded", "event-loop"]
    };
    for linkage in Linkage::BOTH {
        for mode in modes {
            let server = Server::start(&programs().path("line_echo_server", linkage), &["0", mode]);
            let mut stream = connect(&server);
            let long = "x".repeat(5000);
            let pieces = ["on", "e\ntwo\nthr", "ee\n", &long, "\nafter\n\ntail"];
            for piece in pieces {
                stream.write_all(piece.as_bytes()).unwrap();
                thread::sleep(Duration::from_millis(10));
            }
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let replies = read_until_closed(&mut stream, &format!("{mode} replies"));
            assert_eq!(
                String::from_utf8_lossy(&replies),
                "one\ntwo\nthree\nline too long\nafter\n\ntail\n",
                "{linkage:?} {mode}"
            );
        }
    }
}

#[test]
fn readme_shows_line_echo_server_c_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = std::fs::read_to_string(root.join("c_examples/line_echo_server.c")).unwrap();
    let shown = readme
        .split("```c\n")
        .filter_map(|rest| rest.split("```").next())
        .any(|block| block == program);
    assert!(
        shown,
        "README.md does not show c_examples/line_echo_server.c as it is"
    );
}
