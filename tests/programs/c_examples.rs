//! The C programs of `c_examples/`, linked against the real static and shared libraries and
//! run as processes: what they print, what goes over the wire, and that servers survive bad
//! clients.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use support::{Linkage, Server, os_string, programs, run};

const LIMIT: Duration = Duration::from_secs(20);

fn program(name: &str, linkage: Linkage) -> std::path::PathBuf {
    programs().path(name, linkage)
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs an echo client and checks it printed exactly `Received: <word>`.
fn expect_echo(client: &Path, host: &str, word: &[u8], port: u16) {
    let args: Vec<OsString> = vec![host.into(), os_string(word), port.to_string().into()];
    let output = run(client, &args, LIMIT);
    let mut expected = b"Received: ".to_vec();
    expected.extend_from_slice(word);
    expected.push(b'\n');
    assert!(
        output.status.success() && output.stdout == expected,
        "{} {host} {:?} {port}: status {:?}\nstdout {:?}\nstderr {}",
        client.display(),
        String::from_utf8_lossy(word),
        output.status,
        stdout_of(&output),
        stderr_of(&output)
    );
}

/// The addresses `localhost` has here, as the C programs print them.
fn localhost_ips() -> Vec<String> {
    use std::net::ToSocketAddrs;
    ("localhost", 0)
        .to_socket_addrs()
        .unwrap()
        .map(|a| a.ip().to_string())
        .collect()
}

#[test]
fn tcp_echo_pair_over_ipv4_ipv6_and_localhost_with_both_libraries() {
    for linkage in Linkage::BOTH {
        let server = Server::start(&program("tcp_echo_server", linkage), &["0"]);
        let client = program("tcp_echo_client", linkage);
        expect_echo(&client, "127.0.0.1", b"hello", server.port());
        server.expect_stdout_line("Client connected: 127.0.0.1");
        expect_echo(&client, "::1", b"bonjour", server.port());
        server.expect_stdout_line("Client connected: ::1");
        expect_echo(&client, "localhost", b"hallo", server.port());
        let seen = server.stdout_lines_when(3);
        assert_eq!(seen.len(), 3, "one line per client: {seen:?}");
        let third = seen[2].strip_prefix("Client connected: ").unwrap();
        assert!(localhost_ips().iter().any(|ip| ip == third), "{third}");
    }
}

#[test]
fn tcp_echo_client_echoes_long_and_hostile_words_literally() {
    let server = Server::start(&program("tcp_echo_server", Linkage::Static), &["0"]);
    let client = program("tcp_echo_client", Linkage::Static);
    // Longer than the 32-byte buffer, many times over.
    let long: Vec<u8> = (0..5000).map(|i| b'a' + (i % 26) as u8).collect();
    expect_echo(&client, "127.0.0.1", &long, server.port());
    // The tutorial printed the echo as a format string.
    expect_echo(&client, "127.0.0.1", b"%s%n%x%p%%", server.port());
    if cfg!(unix) {
        // Bytes that are not UTF-8 come back as they went.
        expect_echo(&client, "::1", b"\xff\xfe caf\xe9", server.port());
    }
}

#[test]
fn udp_echo_pair_over_ipv4_ipv6_and_localhost_with_both_libraries() {
    for linkage in Linkage::BOTH {
        let server = Server::start(&program("udp_echo_server", linkage), &["0"]);
        let client = program("udp_echo_client", linkage);
        expect_echo(&client, "127.0.0.1", b"hello", server.port());
        // As in the tutorial, the UDP server reports clients on stderr.
        server.expect_stderr_line("Client connected: 127.0.0.1");
        expect_echo(&client, "::1", b"bonjour", server.port());
        server.expect_stderr_line("Client connected: ::1");
        expect_echo(&client, "localhost", b"%n%s", server.port());
        if cfg!(unix) {
            // Windows passes arguments as UTF-16 text: a byte that is not UTF-8 cannot go.
            expect_echo(&client, "localhost", b"%s\xff", server.port());
        }
    }
}

#[test]
fn udp_echo_client_fills_its_255_byte_buffer_without_overflowing() {
    let server = Server::start(&program("udp_echo_server", Linkage::Static), &["0"]);
    let client = program("udp_echo_client", Linkage::Static);
    // The tutorial wrote its NUL at buffer[255] here, one past the end.
    expect_echo(&client, "127.0.0.1", &[b'x'; 255], server.port());
    // One byte more cannot fit: reported, not overflowed.
    let word = os_string(&[b'y'; 256]);
    let output = run(
        &client,
        &["127.0.0.1".into(), word, server.port().to_string().into()],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_of(&output),
        "Mismatch in number of received bytes: Message too long\n"
    );
}

#[test]
fn udp_echo_client_times_out_when_no_reply_comes() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let client = program("udp_echo_client", Linkage::Static);
    let output = run(&client, &["127.0.0.1", "anybody", &port], LIMIT);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        stderr_of(&output),
        "No reply from server: Operation timed out\n"
    );
    let mut buf = [0u8; 64];
    let (n, _) = silent.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"anybody", "the datagram was sent");
}

#[test]
fn udp_echo_client_ignores_datagrams_from_other_addresses() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let client = program("udp_echo_client", Linkage::Shared);
    let responder = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, from) = server.recv_from(&mut buf).unwrap();
        // Queued first: the client reads the forged reply before the genuine one.
        stranger.send_to(b"forged!", from).unwrap();
        server.send_to(&buf[..n], from).unwrap();
    });
    let output = run(&client, &["127.0.0.1", "genuine", &port], LIMIT);
    responder.join().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout_of(&output), "Received: genuine\n");
}

#[test]
fn clients_report_failures_through_die() {
    // A port that is bound but not listening: connecting there is refused.
    let bound = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    bound
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let port = bound
        .local_addr()
        .unwrap()
        .as_socket()
        .unwrap()
        .port()
        .to_string();
    for linkage in Linkage::BOTH {
        let output = run(
            &program("tcp_echo_client", linkage),
            &["127.0.0.1", "hi", &port],
            LIMIT,
        );
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(stdout_of(&output), "");
        assert_eq!(
            stderr_of(&output),
            "Failed to connect with server: Connection refused\n"
        );
    }
    // A server that takes the word and closes without echoing it: the tutorial's Die said
    // "Success", and a stale errno "Operation now in progress".
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let closer = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        client.set_read_timeout(Some(LIMIT)).unwrap();
        let _ = std::io::Read::read(&mut client, &mut [0u8; 2]);
    });
    let output = run(
        &program("tcp_echo_client", Linkage::Static),
        &["127.0.0.1", "hi", &port],
        LIMIT,
    );
    closer.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout_of(&output), "Received: \n");
    assert_eq!(
        stderr_of(&output),
        "Failed to receive bytes from server: Connection closed by peer\n"
    );
    // Nothing listens on a UDP port: the connected client hears so at once.
    let (_bound_udp, udp_port) = {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        drop(socket);
        ((), port.to_string())
    };
    let output = run(
        &program("udp_echo_client", Linkage::Static),
        &["127.0.0.1", "anybody there?", &udp_port],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    if cfg!(unix) {
        assert_eq!(
            stderr_of(&output),
            "No reply from server: Connection refused\n"
        );
    } else {
        // Wine reports no ICMP port-unreachable to a UDP socket: the client times out.
        assert!(
            stderr_of(&output).starts_with("No reply from server: "),
            "{output:?}"
        );
    }
    let output = run(
        &program("tcp_echo_client", Linkage::Static),
        &["127.0.0.1", "hi", "99999"],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr_of(&output), "Invalid port: Invalid argument\n");
    let output = run(
        &program("tcp_echo_client", Linkage::Static),
        &["no such host!", "hi", "7"],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_of(&output),
        "Failed to connect with server: Invalid argument\n"
    );
    let output = run(
        &program("udp_echo_client", Linkage::Static),
        &["only-two", "args"],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).starts_with("USAGE: "), "{output:?}");
}

#[test]
fn tcp_echo_server_outlives_clients_that_reset_or_leave_early() {
    let mut server = Server::start(&program("tcp_echo_server", Linkage::Static), &["0"]);
    let addr: SocketAddr = (Ipv6Addr::LOCALHOST, server.port()).into();
    // A client that resets the connection in the middle of its request.
    // It resets once the server has taken it (a connection reset while it waits in the
    // listen queue may be skipped instead, as documented: not this test's subject).
    let resetter = Socket::new(Domain::IPV6, Type::STREAM, None).unwrap();
    resetter.connect(&addr.into()).unwrap();
    server.expect_stdout_line("Client connected: ::1");
    resetter.send(b"half a requ").unwrap();
    resetter.set_linger(Some(Duration::ZERO)).unwrap();
    drop(resetter);
    // A client that sends a lot and leaves without reading the echo: the server's sends hit
    // a closed connection (SIGPIPE for a server without sockit).
    let mut leaver = TcpStream::connect(addr).unwrap();
    leaver.write_all(&vec![b'z'; 1 << 20]).unwrap();
    drop(leaver);
    // A client that sends, shuts its side, and reads the whole echo.
    let mut polite = TcpStream::connect(addr).unwrap();
    polite.write_all(b"still there?").unwrap();
    polite.shutdown(std::net::Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    polite.read_to_end(&mut echoed).unwrap();
    assert_eq!(echoed, b"still there?");
    expect_echo(
        &program("tcp_echo_client", Linkage::Static),
        "::1",
        b"yes",
        server.port(),
    );
    assert!(server.is_running());
    // The resetter, the leaver, the polite client and the last one, each once.
    assert_eq!(
        server.stdout_lines(),
        ["Client connected: ::1"; 4],
        "one line per client"
    );
}

#[test]
fn verbatim_tutorial_server_with_its_own_die_links_both_ways() {
    if cfg!(windows) {
        return; // the tutorial's own code is POSIX-only; see c_examples/verbatim
    }
    for linkage in Linkage::BOTH {
        let server = Server::start(&program("tcp_echo_server_verbatim", linkage), &["0"]);
        let client = program("tcp_echo_client", Linkage::Static);
        expect_echo(&client, "127.0.0.1", b"as it was", server.port());
        server.expect_stdout_line("Client connected: 127.0.0.1");
        expect_echo(&client, "::1", b"and IPv6", server.port());
        server.expect_stdout_line("Client connected: ::1");
    }
}

#[test]
fn one_call_echo_servers_serve_tcp_and_udp() {
    for linkage in Linkage::BOTH {
        let path = program("echo_server_one_call", linkage);
        let tcp = Server::start(&path, &["tcp", "0"]);
        expect_echo(
            &program("tcp_echo_client", linkage),
            "::1",
            b"one call",
            tcp.port(),
        );
        tcp.expect_stdout_line("Client connected: ::1");
        let udp = Server::start(&path, &["udp", "0"]);
        expect_echo(
            &program("udp_echo_client", linkage),
            "127.0.0.1",
            b"one call",
            udp.port(),
        );
        udp.expect_stdout_line("Client connected: 127.0.0.1");
    }
}

#[test]
fn quickstart_talks_to_the_echo_server() {
    let server = Server::start(&program("tcp_echo_server", Linkage::Shared), &["0"]);
    for linkage in Linkage::BOTH {
        let port = server.port().to_string();
        let output = run(
            &program("quickstart", linkage),
            &["localhost", &port, "hi there"],
            LIMIT,
        );
        assert!(output.status.success(), "{output:?}");
        assert_eq!(stdout_of(&output), "Received: hi there\n");
    }
}

#[test]
fn nslookup_prints_every_address() {
    let nslookup = program("nslookup", Linkage::Static);
    #[cfg(target_os = "linux")]
    nslookup_prints_every_address_of_a_name_with_many(&nslookup);
    let output = run(&nslookup, &["localhost"], LIMIT);
    assert!(output.status.success(), "{output:?}");
    let printed: Vec<String> = stdout_of(&output).lines().map(str::to_owned).collect();
    assert!(!printed.is_empty());
    let mut expected = localhost_ips();
    expected.dedup();
    for ip in &printed {
        assert!(expected.contains(ip), "{ip} is not one of {expected:?}");
    }
    for literal in ["127.0.0.1", "::1", "fe80::1%1"] {
        let output = run(&program("nslookup", Linkage::Shared), &[literal], LIMIT);
        assert_eq!(stdout_of(&output), format!("{literal}\n"));
    }
    let output = run(&nslookup, &["not a host name"], LIMIT);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_of(&output),
        "(mini) nslookup failed on 'not a host name': Invalid argument\n"
    );
}

#[test]
fn linked_programs_stay_for_people_to_run() {
    let programs = programs();
    assert!(programs.dir().ends_with("c_examples"));
    for name in [
        "tcp_echo_client",
        "tcp_echo_server",
        "udp_echo_client",
        "udp_echo_server",
        "nslookup",
    ] {
        for linkage in Linkage::BOTH {
            let path = programs.path(name, linkage);
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }
}

#[test]
fn readme_shows_quickstart_c_as_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = std::fs::read_to_string(root.join("c_examples/quickstart.c")).unwrap();
    let block = readme
        .split("```c\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a C code block in the README");
    assert_eq!(
        block, program,
        "README.md's program differs from c_examples/quickstart.c"
    );
}

/// A name with five addresses, one of them twice and IPv6 among them, in an /etc/hosts of the
/// test's own, bind-mounted in a mount namespace of its own (`unshare -m`, as root): nslookup
/// prints each address once, in the resolver's order, which `getent ahosts` (the C library's
/// getaddrinfo) shows in the same namespace. The tutorial's version printed the first only.
#[cfg(target_os = "linux")]
fn nslookup_prints_every_address_of_a_name_with_many(nslookup: &Path) {
    if std::env::var_os(support::WRAPPER).is_some() {
        return; // the checker would wrap unshare, not nslookup
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let hosts = dir.join("nslookup_hosts");
    std::fs::write(
        &hosts,
        "127.0.0.3 many.sockit.test\n127.0.0.2 many.sockit.test\n::1 many.sockit.test\n\
         127.0.0.3 many.sockit.test\n192.0.2.7 many.sockit.test\n",
    )
    .unwrap();
    let script = format!(
        "mount --bind '{}' /etc/hosts && getent ahosts many.sockit.test && echo -- && '{}' \
         many.sockit.test",
        hosts.display(),
        nslookup.display()
    );
    let output = run(
        Path::new("unshare"),
        &["--mount", "--propagation", "private", "sh", "-c", &script],
        LIMIT,
    );
    let stdout = stdout_of(&output);
    assert!(output.status.success(), "{output:?}");
    let (getent, printed) = stdout.split_once("--\n").expect("both ran");
    let mut expected: Vec<&str> = Vec::new();
    for ip in getent
        .lines()
        .filter_map(|line| line.split_whitespace().next())
    {
        if !expected.contains(&ip) {
            expected.push(ip);
        }
    }
    assert_eq!(expected.len(), 4, "the resolver's addresses: {getent}");
    assert_eq!(printed.lines().collect::<Vec<_>>(), expected);
}
