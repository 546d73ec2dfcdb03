//! Hostile bytes reach every C program: format specifiers, NUL bytes, invalid UTF-8 and
//! terminal escapes, in messages (over the network and on the command line), in replies and
//! in host names. Each program echoes them byte for byte or reports them literally, and the
//! servers keep serving. `check` says what each program is given; a program it does not
//! know fails the test, so a new program cannot be left out.
#![cfg(unix)] // a command line carries arbitrary bytes (invalid UTF-8) only on Unix

mod support;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::Output;
use std::thread;
use std::time::{Duration, Instant};

use support::{Linkage, Server, os_string as arg, programs, run, udp_request_once};

const LIMIT: Duration = Duration::from_secs(20);
const MODES: [&str; 4] = ["iterative", "threaded", "forking", "event-loop"];

/// A message as an attacker would write it: printf conversions (`%n` writes through a
/// pointer), NULs that end a C string early, invalid UTF-8, a terminal escape.
const MESSAGE: &[u8] = b"%s%n%x%p%% \0 \xff\xfe\xc3\x28 caf\xe9 \x1b[2J \0end";

/// The same on a command line, which cannot hold a NUL.
const WORD: &[u8] = b"%s%n%x%p%% \xff\xfe\xc3\x28 caf\xe9 \x1b[2J";

/// Host names that are not names: each must be refused before any query leaves the machine.
fn hostile_hosts() -> Vec<Vec<u8>> {
    vec![
        b"%s%n%x%n".to_vec(),
        b"\xff\xfe.invalid".to_vec(),
        b"caf\xe9.invalid".to_vec(),
        b"bad\x1b[2Jhost".to_vec(),
        vec![b'a'; 300],
    ]
}

/// Pieces of the hostile bytes that no program may print unless it is reporting them.
const TELLTALES: [&[u8]; 3] = [b"%s%n", b"caf\xe9", b"\x1b[2J"];

fn program(name: &str) -> PathBuf {
    programs().path(name, Linkage::Static)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A long message of hostile bytes, `len` long.
fn long_message(len: usize) -> Vec<u8> {
    MESSAGE.iter().copied().cycle().take(len).collect()
}

#[test]
fn every_c_program_echoes_or_reports_hostile_bytes_literally() {
    for name in programs().names() {
        check(name);
    }
}

/// Gives program `name` hostile bytes in every way it takes input.
fn check(name: &str) {
    match name {
        "tcp_echo_server" | "tcp_echo_server_verbatim" => tcp_server(name, &["0"]),
        "tcp_multi_echo_server" => MODES.iter().for_each(|m| tcp_server(name, &["0", m])),
        "fault_server" => MODES.iter().for_each(|m| {
            tcp_server(name, &["tcp", m]);
            udp_server(name, &["udp", m], false);
        }),
        "echo_server_one_call" => {
            tcp_server(name, &["tcp", "0"]);
            udp_server(name, &["udp", "0"], false);
        }
        "udp_echo_server" => udp_server(name, &["0"], false),
        "udp_lengthy_server" => MODES
            .iter()
            .for_each(|m| udp_server(name, &["0", m, "0"], true)),
        "msg_echo_server" => {
            message_server(false);
            message_server(true);
        }
        "nonblocking_udp" => nonblocking_udp(),
        "tcp_echo_client" => echo_client(name, |host, word, port| vec![host, word, port]),
        "udp_echo_client" => echo_client(name, |host, word, port| vec![host, word, port]),
        "quickstart" => echo_client(name, |host, word, port| vec![host, port, word]),
        "tcp_slow_client" => tcp_slow_client(),
        "udp_stress_client" => udp_stress_client(),
        "msg_client" => msg_client(),
        "nslookup" => nslookup(),
        // These two take no input from outside: boundary_check makes bad calls of its own
        // (tests/c_boundary.rs), interrupt_check talks to a child it forks itself.
        "boundary_check" | "interrupt_check" => {}
        _ => panic!("{name}: no hostile-bytes case here; add one to `check`"),
    }
}

/// A TCP echo server sends back hostile messages whole, short and long, prints none of them,
/// and still serves afterwards.
fn tcp_server(name: &str, args: &[&str]) {
    let mut server = Server::start(&program(name), args);
    for message in [MESSAGE.to_vec(), long_message(300_000), MESSAGE.to_vec()] {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let len = message.len();
        let sending = thread::spawn(move || {
            writer.write_all(&message).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            message
        });
        let mut echoed = Vec::new();
        stream.read_to_end(&mut echoed).unwrap();
        let message = sending.join().unwrap();
        assert!(
            echoed == message,
            "{name} {args:?}: {len} bytes came back altered"
        );
    }
    assert_prints_none_of_it(&mut server, name, args);
}

/// A UDP echo server answers hostile datagrams (empty, short, the largest) with the same
/// bytes, upper-cased if `upper`, prints none of them, and still serves afterwards.
fn udp_server(name: &str, args: &[&str], upper: bool) {
    let mut server = Server::start(&program(name), args);
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket
        .connect((Ipv4Addr::LOCALHOST, server.port()))
        .unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reply = vec![0u8; 65_536];
    for message in [MESSAGE.to_vec(), Vec::new(), long_message(65_507)] {
        let len = udp_request_once(&socket, &message, &mut reply);
        let expected = if upper {
            message.to_ascii_uppercase()
        } else {
            message.clone()
        };
        assert!(
            reply[..len] == expected[..],
            "{name} {args:?}: {} bytes came back altered",
            message.len()
        );
    }
    assert_prints_none_of_it(&mut server, name, args);
}

/// The server is running and printed nothing of what it was sent.
fn assert_prints_none_of_it(server: &mut Server, name: &str, args: &[&str]) {
    assert!(server.is_running(), "{name} {args:?} ended");
    let printed = [server.stdout_line_bytes(), server.stderr_line_bytes()].concat();
    for line in &printed {
        for telltale in TELLTALES {
            assert!(
                !contains(line, telltale),
                "{name} {args:?} printed what it was sent: {:?}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

/// msg_echo_server sends each hostile message back as one message, in either framing.
fn message_server(lines: bool) {
    let args: &[&str] = if lines { &["-l", "0"] } else { &["0"] };
    let mut server = Server::start(&program("msg_echo_server"), args);
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let messages = [MESSAGE.to_vec(), long_message(60_000), Vec::new()];
    let mut wire = Vec::new();
    for message in &messages {
        if lines {
            wire.extend_from_slice(message);
            wire.push(b'\n');
        } else {
            wire.extend_from_slice(&(message.len() as u32).to_be_bytes());
            wire.extend_from_slice(message);
        }
    }
    stream.write_all(&wire).unwrap();
    let mut echoed = vec![0u8; wire.len()];
    stream.read_exact(&mut echoed).unwrap();
    assert!(echoed == wire, "msg_echo_server {args:?}: replies altered");
    drop(stream);
    server.expect_stdout_line("Client 127.0.0.1: 3 messages, closed");
    assert_prints_none_of_it(&mut server, "msg_echo_server", args);
}

/// nonblocking_udp prints the datagram it gets, NULs and all, byte for byte.
fn nonblocking_udp() {
    let mut program = Server::start(&program("nonblocking_udp"), &["0"]);
    program.expect_stdout_line("Waiting for a datagram...");
    let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    sender
        .send_to(MESSAGE, (Ipv4Addr::LOCALHOST, program.port()))
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    while program.is_running() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    // The last line ("nothing to read yet") may lag behind the exit by a moment.
    while program.stdout_line_bytes().len() < 4 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let mut expected = format!("Received {} bytes from 127.0.0.1: ", MESSAGE.len()).into_bytes();
    expected.extend_from_slice(MESSAGE);
    let printed = program.stdout_line_bytes();
    assert!(
        printed.get(2) == Some(&expected),
        "nonblocking_udp printed {:?}",
        printed
            .iter()
            .map(|l| String::from_utf8_lossy(l))
            .collect::<Vec<_>>()
    );
}

/// The arguments of an echo client for `host`, `word` and `port`, in its own order.
type Arguments = fn(OsString, OsString, OsString) -> Vec<OsString>;

/// An echo client sends a hostile word and prints the echo as it came; given a peer that
/// answers with other bytes (NULs among them) of the same length, it prints those literally;
/// given a hostile host name, it reports the failure and exits 1.
fn echo_client(name: &str, arguments: Arguments) {
    let udp = name.starts_with("udp");
    let server = if udp {
        Server::start(&program("udp_echo_server"), &["0"])
    } else {
        Server::start(&program("tcp_echo_server"), &["0"])
    };
    let port = arg(server.port().to_string().as_bytes());
    let output = run(
        &program(name),
        &arguments(arg(b"127.0.0.1"), arg(WORD), port.clone()),
        LIMIT,
    );
    assert_received(name, &output, &[WORD]);

    // The reply: the word's length in hostile bytes, NULs among them.
    let twisted: Vec<u8> = MESSAGE
        .iter()
        .rev()
        .copied()
        .cycle()
        .take(WORD.len())
        .collect();
    let (twister_port, twister) = if udp {
        twisting_udp_peer(twisted.clone())
    } else {
        twisting_tcp_peer(twisted.clone())
    };
    let output = run(
        &program(name),
        &arguments(
            arg(b"127.0.0.1"),
            arg(WORD),
            arg(twister_port.to_string().as_bytes()),
        ),
        LIMIT,
    );
    twister.join().unwrap();
    assert_received(name, &output, &[&twisted]);

    for host in hostile_hosts() {
        let output = run(
            &program(name),
            &arguments(arg(&host), arg(b"hi"), port.clone()),
            LIMIT,
        );
        assert_refused_host(name, &host, &output);
    }
}

/// A TCP peer that reads one request and answers with `reply` instead of an echo.
fn twisting_tcp_peer(reply: Vec<u8>) -> (u16, thread::JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = vec![0u8; reply.len()];
        stream.read_exact(&mut request).unwrap();
        stream.write_all(&reply).unwrap();
    });
    (port, peer)
}

/// A UDP peer that answers one datagram with `reply` instead of an echo.
fn twisting_udp_peer(reply: Vec<u8>) -> (u16, thread::JoinHandle<()>) {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let port = socket.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let mut request = [0u8; 512];
        let (_, from) = socket.recv_from(&mut request).unwrap();
        socket.send_to(&reply, from).unwrap();
    });
    (port, peer)
}

/// The program succeeded and printed `Received: <echo>` for each echo, in any order.
fn assert_received(name: &str, output: &Output, echoes: &[&[u8]]) {
    let mut expected: Vec<Vec<u8>> = echoes
        .iter()
        .map(|echo| [b"Received: ".as_slice(), echo].concat())
        .collect();
    let mut printed: Vec<Vec<u8>> = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"Received: "))
        .map(<[u8]>::to_vec)
        .collect();
    expected.sort();
    printed.sort();
    assert!(
        output.status.success() && printed == expected,
        "{name}: {:?}\nstdout {:?}\nstderr {:?}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The program refused the host name: exit status 1 (not a crash), nothing on stdout, and
/// the reason on stderr as one line ending in EINVAL's text.
fn assert_refused_host(name: &str, host: &[u8], output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(1)
            && output.stdout.is_empty()
            && stderr.ends_with(": Invalid argument\n"),
        "{name} with host {:?}: {output:?}",
        String::from_utf8_lossy(host)
    );
}

fn tcp_slow_client() {
    let server = Server::start(&program("tcp_echo_server"), &["0"]);
    let port = arg(server.port().to_string().as_bytes());
    let word = |n: u8| [WORD, b" [", &[b'0' + n], b"]"].concat();
    let args = [
        arg(b"127.0.0.1"),
        arg(WORD),
        port.clone(),
        arg(b"2"),
        arg(b"0"),
    ];
    let output = run(&program("tcp_slow_client"), &args, LIMIT);
    assert_received("tcp_slow_client", &output, &[&word(0), &word(1)]);
    for host in hostile_hosts() {
        let args = [arg(&host), arg(b"hi"), port.clone(), arg(b"1"), arg(b"0")];
        let output = run(&program("tcp_slow_client"), &args, LIMIT);
        // Each client reports its own failure; the program exits 1 after a summary line.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code() == Some(1)
                && stderr.contains("connect: Invalid argument\n")
                && !contains(&output.stdout, b"Received"),
            "tcp_slow_client with host {:?}: {output:?}",
            String::from_utf8_lossy(&host)
        );
    }
}

fn udp_stress_client() {
    let server = Server::start(&program("udp_lengthy_server"), &["0", "threaded", "0"]);
    let port = arg(server.port().to_string().as_bytes());
    let upper = |n: u8| {
        [WORD, b" [", &[b'0' + n], b"]"]
            .concat()
            .to_ascii_uppercase()
    };
    let args = [
        arg(b"127.0.0.1"),
        arg(WORD),
        port.clone(),
        arg(b"3"),
        arg(b"10"),
    ];
    let output = run(&program("udp_stress_client"), &args, LIMIT);
    assert_received(
        "udp_stress_client",
        &output,
        &[&upper(0), &upper(1), &upper(2)],
    );
    for host in hostile_hosts() {
        let args = [arg(&host), arg(b"hi"), port.clone()];
        let output = run(&program("udp_stress_client"), &args, LIMIT);
        assert_refused_host("udp_stress_client", &host, &output);
    }
}

fn msg_client() {
    for lines in [false, true] {
        let flag: &[&str] = if lines { &["-l"] } else { &[] };
        let server = Server::start(&program("msg_echo_server"), &[flag, &["0"]].concat());
        let port = arg(server.port().to_string().as_bytes());
        let mut args: Vec<OsString> = flag.iter().map(|f| arg(f.as_bytes())).collect();
        args.extend([arg(b"127.0.0.1"), port.clone(), arg(WORD), arg(b"%n")]);
        let output = run(&program("msg_client"), &args, LIMIT);
        let expected = [WORD, b"\n%n\n"].concat();
        assert!(
            output.status.success() && output.stdout == expected,
            "msg_client lines={lines}: {output:?}"
        );
        for host in hostile_hosts() {
            let args = [arg(&host), port.clone(), arg(b"hi")];
            let output = run(&program("msg_client"), &args, LIMIT);
            assert_refused_host("msg_client", &host, &output);
        }
    }
}

/// nslookup names the host it could not look up exactly as it was given.
fn nslookup() {
    for host in hostile_hosts() {
        let output = run(&program("nslookup"), &[arg(&host)], LIMIT);
        let expected = [
            b"(mini) nslookup failed on '".as_slice(),
            &host,
            b"': Invalid argument\n",
        ]
        .concat();
        assert!(
            output.status.code() == Some(1) && output.stderr == expected,
            "nslookup {:?}: {output:?}",
            String::from_utf8_lossy(&host)
        );
    }
}
