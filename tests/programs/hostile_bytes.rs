//! Hostile bytes reach every C program: format specifiers, NUL bytes, invalid UTF-8 and
//! terminal escapes, in messages (over the network and on the command line), in replies and
//! in host names. Each program echoes them byte for byte or reports them literally, and the
//! servers keep serving. `check` says what each program is given; a program it does not
//! know fails the test, so a new program cannot be left out.
#![cfg(unix)] // a command line carries arbitrary bytes (invalid UTF-8) only on Unix

#[path = "../support/mod.rs"]
mod support;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::{UnixListener, UnixStream};
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
        "line_echo_server" => MODES.iter().for_each(|m| line_server(m)),
        "nonblocking_udp" => nonblocking_udp(),
        "tcp_echo_client" => echo_client(name, |host, word, port| vec![host, word, port]),
        "udp_echo_client" => echo_client(name, |host, word, port| vec![host, word, port]),
        "quickstart" => echo_client(name, |host, word, port| vec![host, port, word]),
        "tcp_slow_client" => tcp_slow_client(),
        "udp_stress_client" => udp_stress_client(),
        "msg_client" => msg_client(),
        "nslookup" => nslookup(),
        "tcp_proxy" => proxy(),
        "chat_server" => chat(),
        "multi_echo_client" => multi_echo_client(),
        // Its input is typed lines, relayed as they are: chat() covers what the server does
        // with them, and it prints only what the server sends.
        "chat_client" => {}
        "unix_echo_server" => MODES.iter().for_each(|m| unix_server(m)),
        "unix_echo_client" => unix_echo_client(),
        "mcast_recv" => multicast_receiver(),
        "mcast_send" => multicast_sender(),
        "file_server" => file_server(),
        "tls_echo_server" | "tls_echo_client" | "tls_get" => tls::check(name),
        // These take no input from outside: boundary_check and loop_check make bad calls of
        // their own (tests/programs/c_boundary.rs, tests/event_loop/programs.rs), interrupt_check talks to
        // a child it forks itself.
        "boundary_check" | "interrupt_check" | "loop_check" => {}
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

/// A path of its own for a Unix domain socket of this test (short: names are limited).
fn socket_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sockit-hostile-{}-{name}.sock", std::process::id()))
}

/// Sends `message` over a stream, half-closes, and reads everything back; on a thread of
/// its own for the sending, so that a long echo cannot fill both directions.
fn stream_echo(stream: UnixStream, message: Vec<u8>) -> Vec<u8> {
    let mut reader = stream.try_clone().unwrap();
    reader.set_read_timeout(Some(LIMIT)).unwrap();
    let sending = thread::spawn(move || {
        let mut writer = stream;
        writer.write_all(&message).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    reader.read_to_end(&mut echoed).unwrap();
    sending.join().unwrap();
    echoed
}

/// unix_echo_server sends hostile messages back whole, prints none of them, and still serves.
fn unix_server(mode: &str) {
    let path = socket_path(mode);
    let args = [path.to_str().unwrap(), mode];
    let mut server = Server::start_listening(&program("unix_echo_server"), &args).0;
    for message in [MESSAGE.to_vec(), long_message(300_000), MESSAGE.to_vec()] {
        let stream = UnixStream::connect(&path).unwrap();
        let echoed = stream_echo(stream, message.clone());
        assert!(
            echoed == message,
            "unix_echo_server {mode}: {} bytes came back altered",
            message.len()
        );
    }
    assert_prints_none_of_it(&mut server, "unix_echo_server", &args);
}

/// unix_echo_client sends a hostile word and prints its echo literally, prints a hostile
/// reply literally, and takes a hostile path for what it is: a path that leads nowhere.
fn unix_echo_client() {
    let path = socket_path("client");
    let server = Server::start_listening(&program("unix_echo_server"), &[path.as_os_str()]).0;
    let client = program("unix_echo_client");
    let output = run(&client, &[path.as_os_str().to_owned(), arg(WORD)], LIMIT);
    assert_received("unix_echo_client", &output, &[WORD]);
    drop(server);

    let twisted = twisted_reply();
    let twister_path = socket_path("twister");
    let _ = std::fs::remove_file(&twister_path);
    let listener = UnixListener::bind(&twister_path).unwrap();
    let reply = twisted.clone();
    let twister = thread::spawn(move || answer_with(listener.accept().unwrap().0, &reply));
    let output = run(
        &client,
        &[twister_path.as_os_str().to_owned(), arg(WORD)],
        LIMIT,
    );
    twister.join().unwrap();
    let _ = std::fs::remove_file(&twister_path);
    assert_received("unix_echo_client", &output, &[&twisted]);

    let output = run(&client, &[arg(WORD), arg(b"hi")], LIMIT);
    assert!(
        output.status.code() == Some(1)
            && output.stdout.is_empty()
            && output.stderr == b"Failed to connect with server: No such file or directory\n",
        "unix_echo_client with a hostile path: {output:?}"
    );
}

/// mcast_recv prints a hostile datagram byte for byte (its job), on a line of its own, and
/// goes on receiving. In a network namespace of the test's own (Linux, as root).
fn multicast_receiver() {
    #[cfg(target_os = "linux")]
    {
        let ns = match support::netns::Namespace::new() {
            Ok(ns) => ns,
            Err(reason) => {
                eprintln!("SKIPPED the hostile datagrams of mcast_recv: {reason}");
                return;
            }
        };
        ns.run(&["ip", "link", "set", "lo", "multicast", "on"])
            .unwrap();
        ns.run(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"])
            .unwrap();
        let prefix = ns.prefix();
        let receiver =
            Server::start_listening_in(&prefix, &program("mcast_recv"), &["239.4.4.4", "7000"]).0;
        for word in [WORD, b"after"] {
            let args = [arg(b"239.4.4.4"), arg(b"7000"), arg(word)];
            let output = support::run_in(&prefix, &program("mcast_send"), &args, LIMIT);
            assert!(output.status.success(), "mcast_send: {output:?}");
        }
        let deadline = Instant::now() + LIMIT;
        while receiver.stdout_line_bytes().len() < 2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            receiver.stdout_line_bytes(),
            [WORD.to_vec(), b"after".to_vec()]
        );
    }
}

/// mcast_send sends a hostile message as it is (mcast_receiver sees it arrive) and refuses
/// hostile groups, ports and TTLs before sending anything; so does mcast_recv.
fn multicast_sender() {
    for (name, args) in [
        ("mcast_send", vec![arg(WORD), arg(b"7000"), arg(b"x")]),
        ("mcast_send", vec![arg(b"239.4.4.4"), arg(WORD), arg(b"x")]),
        (
            "mcast_send",
            vec![arg(b"239.4.4.4"), arg(b"7000"), arg(b"x"), arg(WORD)],
        ),
        ("mcast_recv", vec![arg(WORD), arg(b"7000")]),
        ("mcast_recv", vec![arg(b"239.4.4.4"), arg(WORD)]),
    ] {
        let output = run(&program(name), &args, LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code() == Some(1)
                && output.stdout.is_empty()
                && stderr.ends_with(": Invalid argument\n"),
            "{name} {args:?}: {output:?}"
        );
    }
}

/// file_server takes hostile names for names of files it does not have: each request is
/// refused with a reset and no byte, nothing of the name is printed, and it goes on serving.
fn file_server() {
    let dir = std::env::temp_dir().join(format!("sockit-hostile-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plain"), b"plain file").unwrap();
    let args = ["0", dir.to_str().unwrap()];
    let mut server = Server::start(&program("file_server"), &args);
    for name in [MESSAGE, WORD, &long_message(300_000)] {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        // The server may reset the connection before a long request is all sent.
        let _ = stream.write_all(&[name, b"\n"].concat());
        let mut reply = Vec::new();
        let ended = stream.read_to_end(&mut reply);
        assert!(
            reply.is_empty() && ended.is_err(),
            "file_server: a hostile name got {} bytes back ({ended:?})",
            reply.len()
        );
    }
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    stream.write_all(b"plain\n").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"plain file");
    assert_prints_none_of_it(&mut server, "file_server", &args);
    std::fs::remove_dir_all(&dir).unwrap();
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

/// line_echo_server sends each hostile line back whole, a cut last one too, answers an
/// oversize one with its notice, and prints none of them.
fn line_server(mode: &str) {
    let args = ["0", mode];
    let mut server = Server::start(&program("line_echo_server"), &args);
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sending = thread::spawn(move || {
        let long = long_message(300_000);
        let line = |m: &[u8]| [m, b"\n"].concat();
        let wire = [line(MESSAGE), line(&long), MESSAGE.to_vec()].concat();
        writer.write_all(&wire).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    sending.join().unwrap();
    let expected = [MESSAGE, b"\nline too long\n", MESSAGE, b"\n"].concat();
    assert!(
        echoed == expected,
        "line_echo_server {mode}: replies altered"
    );
    assert_prints_none_of_it(&mut server, "line_echo_server", &args);
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

    let twisted = twisted_reply();
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
    let peer = thread::spawn(move || answer_with(listener.accept().unwrap().0, &reply));
    (port, peer)
}

/// The reply a twisting peer gives: the word's length in hostile bytes, NULs among them.
fn twisted_reply() -> Vec<u8> {
    MESSAGE
        .iter()
        .rev()
        .copied()
        .cycle()
        .take(WORD.len())
        .collect()
}

/// Reads a request as long as `reply` from a stream and answers with `reply`.
fn answer_with(mut stream: impl Read + Write, reply: &[u8]) {
    let mut request = vec![0u8; reply.len()];
    stream.read_exact(&mut request).unwrap();
    stream.write_all(reply).unwrap();
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

/// tcp_proxy relays hostile bytes both ways unchanged, and prints none of them.
fn proxy() {
    let echo = Server::start(&program("tcp_multi_echo_server"), &["0", "event-loop"]);
    let echo_port = echo.port().to_string();
    let mut proxy = Server::start(&program("tcp_proxy"), &["0", "127.0.0.1", &echo_port]);
    for message in [MESSAGE.to_vec(), long_message(300_000)] {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sending = thread::spawn(move || {
            writer.write_all(&message).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            message
        });
        let mut echoed = Vec::new();
        stream.read_to_end(&mut echoed).unwrap();
        assert!(
            echoed == sending.join().unwrap(),
            "tcp_proxy altered the bytes"
        );
    }
    assert_prints_none_of_it(&mut proxy, "tcp_proxy", &[]);
}

/// chat_server relays a hostile line to the other clients as it is, and prints none of it.
fn chat() {
    let mut server = Server::start(&program("chat_server"), &["0"]);
    let mut sender = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    let mut receiver = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).unwrap();
    receiver.set_read_timeout(Some(LIMIT)).unwrap();
    sender.set_read_timeout(Some(LIMIT)).unwrap();
    // The sender hears of the receiver's join: both are in the room.
    let mut joined = [0u8; 1];
    sender.read_exact(&mut joined).unwrap();
    sender.write_all(&[MESSAGE, b"\n"].concat()).unwrap();
    let prefix = format!("{}: ", sender.local_addr().unwrap());
    let expected = [prefix.as_bytes(), MESSAGE, b"\n"].concat();
    let mut got = vec![0u8; expected.len()];
    receiver.read_exact(&mut got).unwrap();
    assert!(got == expected, "chat_server altered the line");
    assert_prints_none_of_it(&mut server, "chat_server", &[]);
}

/// multi_echo_client prints the hostile word it got back as it is, once per connection.
fn multi_echo_client() {
    let echo = Server::start(&program("tcp_multi_echo_server"), &["0", "event-loop"]);
    let port = arg(echo.port().to_string().as_bytes());
    let output = run(
        &program("multi_echo_client"),
        &[arg(b"2"), arg(b"127.0.0.1"), port, arg(WORD)],
        LIMIT,
    );
    assert!(output.status.success(), "{output:?}");
    let line = [b"Received: ", WORD, b"\n"].concat();
    let lines = output
        .stdout
        .windows(line.len())
        .filter(|w| *w == &line[..])
        .count();
    assert_eq!(lines, 2, "{:?}", String::from_utf8_lossy(&output.stdout));
}

/// The TLS programs: the same bytes, encrypted. Their peers here are sockit's own TLS
/// (the rlib), with certificates the test makes.
#[cfg(sockit_tls_tests)]
mod tls {
    use super::*;
    use socket2::Socket;
    use sockit::tls::{ClientConfig, ServerConfig, Session, TlsStream};
    use support::tls_certs::Pki;

    pub fn check(name: &str) {
        let pki = Pki::new(&format!("hostile-{name}"));
        match name {
            "tls_echo_server" => server(&pki),
            "tls_echo_client" => echo_client(&pki),
            "tls_get" => get(&pki),
            _ => unreachable!(),
        }
    }

    fn trusting(pki: &Pki) -> ClientConfig {
        let config = ClientConfig::new();
        config.trust_file(&pki.path("ca.pem")).unwrap();
        config
    }

    fn start_server(pki: &Pki) -> Server {
        Server::start(
            &program("tls_echo_server"),
            &["0", &pki.arg("server.pem"), &pki.arg("server.key")],
        )
    }

    /// tls_echo_server sends hostile messages back whole and prints none of them.
    fn server(pki: &Pki) {
        let mut server = start_server(pki);
        let config = trusting(pki);
        for message in [MESSAGE.to_vec(), long_message(300_000), MESSAGE.to_vec()] {
            let mut tls =
                TlsStream::connect("127.0.0.1", server.port(), &config, Some(LIMIT)).unwrap();
            tls.send_all(&message).unwrap();
            tls.shutdown().unwrap();
            let mut echoed = Vec::new();
            let mut buf = vec![0u8; 65536];
            loop {
                match tls.recv(&mut buf).unwrap() {
                    0 => break,
                    n => echoed.extend_from_slice(&buf[..n]),
                }
            }
            assert!(
                echoed == message,
                "tls_echo_server: {} bytes came back altered",
                message.len()
            );
        }
        assert_prints_none_of_it(&mut server, "tls_echo_server", &[]);
    }

    /// A TLS peer on a thread that reads a request (until `until` has arrived, or `len`
    /// bytes) and answers with `reply`.
    fn twisting_peer(
        pki: &Pki,
        until: &'static [u8],
        reply: Vec<u8>,
    ) -> (u16, thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let config = ServerConfig::new(&pki.path("server.pem"), &pki.path("server.key")).unwrap();
        let peer = thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
            tls.handshake_within(Some(LIMIT)).unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !contains(&request, until) {
                match tls.recv(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            tls.send_all(&reply).unwrap();
            let _ = tls.shutdown();
            request
        });
        (port, peer)
    }

    fn echo_client(pki: &Pki) {
        let server = start_server(pki);
        let ca = arg(pki.arg("ca.pem").as_bytes());
        let port = arg(server.port().to_string().as_bytes());
        let client = program("tls_echo_client");
        let output = run(
            &client,
            &[arg(b"127.0.0.1"), arg(WORD), port.clone(), ca.clone()],
            LIMIT,
        );
        assert_received("tls_echo_client", &output, &[WORD]);

        let twisted = twisted_reply();
        let (twister, peer) = twisting_peer(pki, &WORD[WORD.len() - 4..], twisted.clone());
        let twister = arg(twister.to_string().as_bytes());
        let output = run(
            &client,
            &[arg(b"127.0.0.1"), arg(WORD), twister, ca.clone()],
            LIMIT,
        );
        assert_eq!(peer.join().unwrap(), WORD, "the word went as it is");
        assert_received("tls_echo_client", &output, &[&twisted]);

        for host in hostile_hosts() {
            let output = run(
                &client,
                &[arg(&host), arg(b"hi"), port.clone(), ca.clone()],
                LIMIT,
            );
            assert_refused_host("tls_echo_client", &host, &output);
        }
    }

    fn get(pki: &Pki) {
        let ca = arg(pki.arg("ca.pem").as_bytes());
        let reply = [
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                MESSAGE.len()
            )
            .as_bytes(),
            MESSAGE,
        ]
        .concat();
        let (port, peer) = twisting_peer(pki, b"\r\n\r\n", reply);
        let url = [format!("https://localhost:{port}/").as_bytes(), WORD].concat();
        let output = run(&program("tls_get"), &[arg(&url), ca.clone()], LIMIT);
        let request = peer.join().unwrap();
        assert!(contains(&request, WORD), "the path went as it is");
        assert!(
            output.status.success()
                && output.stdout == [b"HTTP/1.1 200 OK\n".as_slice(), MESSAGE].concat(),
            "tls_get: {output:?}"
        );
        for host in hostile_hosts() {
            let url = [b"https://".as_slice(), &host, b":443/"].concat();
            let output = run(&program("tls_get"), &[arg(&url), ca.clone()], LIMIT);
            assert_refused_host("tls_get", &host, &output);
        }
    }
}

#[cfg(not(sockit_tls_tests))]
mod tls {
    /// Built without TLS, the TLS programs only say SOCKIT_EOPNOTSUPP: nothing to give them
    /// (and where the tests cannot make certificates, they are not given any).
    pub fn check(_name: &str) {}
}
