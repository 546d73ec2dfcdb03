//! The event-loop programs of `c_examples/` as a user runs them: chat_server with many
//! clients and one that never reads, chat_client's own poll() loop, tcp_proxy relaying an
//! echo, a large stream, half-closes and resets, and multi_echo_client.

#[path = "../support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use support::{Linkage, Server, programs, run};

const LIMIT: Duration = Duration::from_secs(30);

fn program(name: &str) -> std::path::PathBuf {
    programs().path(name, Linkage::Static)
}

/// A chat client: its connection, a line reader, and its name as the server sees it.
struct Chatter {
    stream: TcpStream,
    lines: BufReader<TcpStream>,
    name: String,
}

impl Chatter {
    fn join(port: u16) -> Chatter {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        let name = stream.local_addr().unwrap().to_string();
        Chatter {
            lines: BufReader::new(stream.try_clone().unwrap()),
            stream,
            name,
        }
    }

    fn say(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.lines.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    }

    /// Reads lines until `wanted`, failing on end of stream.
    fn wait_for(&mut self, wanted: &str) {
        loop {
            let line = self.next_line();
            assert!(
                !line.is_empty(),
                "{}: stream ended before {wanted:?}",
                self.name
            );
            if line == wanted {
                return;
            }
        }
    }
}

#[test]
fn chat_lines_go_to_every_other_client_with_joins_and_leaves() {
    for linkage in Linkage::BOTH {
        let server = Server::start(&programs().path("chat_server", linkage), &["0"]);
        let mut a = Chatter::join(server.port());
        server.expect_stdout_line(&format!("* {} joined", a.name));
        let mut b = Chatter::join(server.port());
        a.wait_for(&format!("* {} joined", b.name));
        let mut c = Chatter::join(server.port());
        a.wait_for(&format!("* {} joined", c.name));
        b.wait_for(&format!("* {} joined", c.name));
        a.say("hello, room");
        let expected = format!("{}: hello, room", a.name);
        assert_eq!(b.next_line(), expected);
        assert_eq!(c.next_line(), expected);
        c.say("bye\r");
        drop(c.lines);
        c.stream.shutdown(Shutdown::Both).unwrap();
        let bye = format!("{}: bye", c.name);
        let left = format!("* {} left", c.name);
        assert_eq!((a.next_line(), a.next_line()), (bye.clone(), left.clone()));
        assert_eq!((b.next_line(), b.next_line()), (bye, left));
    }
}

/// A thousand clients: each sees the joins after its own, and a line from the first.
#[test]
fn a_chat_of_a_thousand_clients_reaches_every_one() {
    const CLIENTS: usize = 1000;
    let server = Server::start(&program("chat_server"), &["0"]);
    let mut chatters: Vec<Chatter> = (0..CLIENTS).map(|_| Chatter::join(server.port())).collect();
    let last = chatters[CLIENTS - 1].name.clone();
    for chatter in &mut chatters[..CLIENTS - 1] {
        chatter.wait_for(&format!("* {last} joined"));
    }
    chatters[0].say("one for all");
    let expected = format!("{}: one for all", chatters[0].name);
    for chatter in &mut chatters[1..] {
        assert_eq!(chatter.next_line(), expected);
    }
}

/// A client that never reads is disconnected once 1 MiB waits for it; the others get every
/// line meanwhile.
#[test]
fn a_chat_client_that_never_reads_is_dropped_and_the_others_get_everything() {
    const READERS: usize = 5;
    const LINES: usize = 4000;
    let mut server = Server::start(&program("chat_server"), &["0"]);
    // Its receive buffer is small, so that the server's queue for it fills soon.
    let silent = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    silent.set_recv_buffer_size(4096).unwrap();
    let server_addr = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, server.port()));
    silent.connect(&server_addr.into()).unwrap();
    let silent = TcpStream::from(silent);
    let silent_name = silent.local_addr().unwrap().to_string();
    let mut sender = Chatter::join(server.port());
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let mut reader = Chatter::join(server.port());
            sender.wait_for(&format!("* {} joined", reader.name));
            let (line, left) = (
                format!("{}: ", sender.name),
                format!("* {silent_name} left"),
            );
            thread::spawn(move || {
                let (mut lines, mut saw_left) = (0usize, false);
                while lines < LINES || !saw_left {
                    let got = reader.next_line();
                    assert!(!got.is_empty(), "the server dropped a reader");
                    lines += usize::from(got.starts_with(&line));
                    saw_left |= got == left;
                }
                lines
            })
        })
        .collect();
    // 4000 lines of 2 KiB: 8 MiB for each client, past what the silent one's buffers and
    // its 1 MiB queue hold.
    let text = "x".repeat(2048);
    let start = Instant::now();
    for _ in 0..LINES {
        sender.say(&text);
    }
    for reader in readers {
        assert_eq!(reader.join().unwrap(), LINES, "a reader missed lines");
    }
    assert!(start.elapsed() < LIMIT);
    // Dropped once its queue reached 1 MiB, past it by less than one line.
    let prefix = format!("chat_server: {silent_name} reads too slowly (");
    let dropped = server.stderr_lines().iter().find_map(|line| {
        line.strip_prefix(&prefix)?
            .split(' ')
            .next()?
            .parse::<usize>()
            .ok()
    });
    let queued = dropped.expect("the silent client was dropped");
    assert!(
        (1 << 20..(1 << 20) + 4096).contains(&queued),
        "{queued} bytes queued"
    );
    drop(silent);
    assert!(server.is_running(), "the server goes on");
}

#[cfg(unix)]
#[test]
fn chat_client_prints_what_others_say_and_sends_what_is_typed() {
    use std::process::{Command, Stdio};

    let server = Server::start(&program("chat_server"), &["0"]);
    let mut other = Chatter::join(server.port());
    let mut client = Command::new(program("chat_client"))
        .args(["127.0.0.1", &server.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let joined = other.next_line();
    let name = joined
        .strip_prefix("* ")
        .and_then(|rest| rest.strip_suffix(" joined"))
        .unwrap_or_else(|| panic!("not a join: {joined}"))
        .to_string();
    other.say("welcome");
    let mut stdin = client.stdin.take().unwrap();
    let mut stdout = BufReader::new(client.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first.trim_end(), format!("{}: welcome", other.name));
    stdin.write_all(b"typed line\n").unwrap();
    drop(stdin);
    other.wait_for(&format!("{name}: typed line"));
    other.wait_for(&format!("* {name} left"));
    let status = client.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// An echo server and tcp_proxy in front of it.
fn proxied_echo() -> (Server, Server) {
    let echo = Server::start(&program("tcp_multi_echo_server"), &["0", "event-loop"]);
    let port = echo.port().to_string();
    let proxy = Server::start(&program("tcp_proxy"), &["0", "127.0.0.1", &port]);
    (echo, proxy)
}

#[test]
fn the_tutorial_echo_client_gets_its_echo_through_the_proxy() {
    let (_echo, proxy) = proxied_echo();
    for linkage in Linkage::BOTH {
        let port = proxy.port().to_string();
        let client = programs().path("tcp_echo_client", linkage);
        let output = run(&client, &["127.0.0.1", "through-the-proxy", &port], LIMIT);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim_end(),
            "Received: through-the-proxy"
        );
    }
}

/// Sends `bytes` through a connection and reads everything back (the echo), at once.
fn echo_through(port: u16, bytes: &[u8]) -> Vec<u8> {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sending = bytes.to_vec();
    let sender = thread::spawn(move || {
        writer.write_all(&sending).unwrap();
        // Half-close: the echo still comes back, then the end.
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::with_capacity(bytes.len());
    (&stream).read_to_end(&mut echoed).unwrap();
    sender.join().unwrap();
    echoed
}

#[test]
fn a_large_stream_crosses_the_proxy_intact_both_ways_with_half_closes() {
    let (_echo, proxy) = proxied_echo();
    // 64 MiB of a pattern that no shift or repeat would keep equal.
    let bytes: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let echoed = echo_through(proxy.port(), &bytes);
    assert!(echoed.len() == bytes.len() && echoed == bytes, "altered");
}

#[cfg(unix)]
#[test]
fn resets_on_either_side_close_both_and_the_proxy_goes_on() {
    let (_echo, mut proxy) = proxied_echo();
    let pid = proxy.pid();
    let descriptors = || std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let before = descriptors();
    for round in 0..200 {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).unwrap();
        let socket = socket2::SockRef::from(&stream);
        socket.set_linger(Some(Duration::ZERO)).unwrap();
        if round % 2 == 0 {
            (&stream).write_all(&[1u8; 100_000]).unwrap();
        }
        drop(stream); // a reset
    }
    // Still serving: an echo through it, and its descriptors back where they were.
    assert_eq!(echo_through(proxy.port(), b"still here"), b"still here");
    let start = Instant::now();
    while descriptors() != before {
        assert!(
            start.elapsed() < LIMIT,
            "the proxy keeps descriptors of reset clients"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(proxy.is_running());
}

#[test]
fn a_proxy_whose_server_is_gone_resets_its_clients() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port().to_string();
    drop(probe);
    let proxy = Server::start(&program("tcp_proxy"), &["0", "127.0.0.1", &port]);
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut buf = [0u8; 1];
    let ended = (&stream).read(&mut buf);
    assert!(
        matches!(ended, Ok(0)) || ended.is_err(),
        "the client is told: {ended:?}"
    );
    proxy.expect_stderr_line(&format!("tcp_proxy: 127.0.0.1:{port}: Connection refused"));
}

#[test]
fn multi_echo_client_runs_many_exchanges_from_one_thread() {
    let echo = Server::start(&program("tcp_multi_echo_server"), &["0", "event-loop"]);
    let port = echo.port().to_string();
    for linkage in Linkage::BOTH {
        let client = programs().path("multi_echo_client", linkage);
        let output = run(&client, &["200", "localhost", &port, "many"], LIMIT);
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            stdout.lines().filter(|l| *l == "Received: many").count(),
            200
        );
        assert_eq!(stdout.lines().last(), Some("200 of 200 echoed"));
    }
    // Nothing listens: each connection fails, and the exit status says so.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = probe.local_addr().unwrap().port().to_string();
    drop(probe);
    let output = run(
        &program("multi_echo_client"),
        &["3", "127.0.0.1", &closed, "x"],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        "0 of 3 echoed"
    );
}

#[test]
fn readme_shows_chat_server_c_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = std::fs::read_to_string(root.join("c_examples/chat_server.c")).unwrap();
    assert!(
        readme.contains(&format!("```c\n{program}```\n")),
        "README.md's chat server differs from c_examples/chat_server.c"
    );
}

/// 1 GiB through tcp_proxy and back, checked as it streams (a stress test: run with
/// `cargo test --release --test loop_examples -- --ignored`).
#[test]
#[ignore = "a stress test: 1 GiB each way"]
fn a_gibibyte_crosses_the_proxy_intact() {
    const TOTAL: usize = 1 << 30;
    let pattern = |offset: usize| (offset.wrapping_mul(2_654_435_761) >> 13) as u8;
    let (_echo, proxy) = proxied_echo();
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || {
        let mut chunk = vec![0u8; 1 << 20];
        for start in (0..TOTAL).step_by(chunk.len()) {
            for (i, byte) in chunk.iter_mut().enumerate() {
                *byte = pattern(start + i);
            }
            writer.write_all(&chunk).unwrap();
        }
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let (mut received, mut buf) = (0usize, vec![0u8; 1 << 20]);
    loop {
        let n = (&stream).read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        let altered = buf[..n]
            .iter()
            .enumerate()
            .any(|(i, &byte)| byte != pattern(received + i));
        assert!(!altered, "altered near byte {received}");
        received += n;
    }
    sender.join().unwrap();
    assert_eq!(received, TOTAL);
}
