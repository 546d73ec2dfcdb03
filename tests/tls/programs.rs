//! The TLS programs as processes, linked against both libraries: the echo pair
//! (`tls_echo_server`, `tls_echo_client`) with each other and with real peers on loopback
//! (`openssl s_server` / `s_client`, Python's `ssl`), TLS 1.2 and 1.3, ALPN; verification
//! failures as a user sees them; `tls_get` fetching a page over HTTPS with SNI and ALPN; and
//! a server that meets hostile clients (plain HTTP, random bytes, a cut ClientHello, a
//! handshake that stops half way, a record cut by a close) and keeps serving without leaking
//! descriptors.
#![cfg(sockit_tls_tests)]

#[path = "../support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::Duration;

use socket2::Socket;
use sockit::tls::{ClientConfig, ServerConfig, Session, TlsStream};
use support::tls_certs::Pki;
use support::{Linkage, Server, programs, run};

const LIMIT: Duration = Duration::from_secs(30);

fn program(name: &str, linkage: Linkage) -> PathBuf {
    programs().path(name, linkage)
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs tls_echo_client and checks it printed exactly `Received: <word>`.
fn expect_echo(linkage: Linkage, host: &str, port: u16, word: &str, ca: &str) {
    let client = program("tls_echo_client", linkage);
    let output = run(&client, &[host, word, &port.to_string(), ca], LIMIT);
    assert!(
        output.status.success() && stdout(&output) == format!("Received: {word}\n"),
        "tls_echo_client {host} {word}: {output:?}"
    );
}

/// Runs tls_echo_client and checks it failed with `message` as Die's last line.
fn expect_client_failure(port: u16, ca: &str, host: &str, message: &str) -> Output {
    let client = program("tls_echo_client", Linkage::Static);
    let output = run(&client, &[host, "secret", &port.to_string(), ca], LIMIT);
    let text = stderr(&output);
    assert!(
        output.status.code() == Some(1) && text.lines().last() == Some(message),
        "expected {message:?}: {output:?}"
    );
    assert!(!stdout(&output).contains("secret"), "no data flowed");
    output
}

#[test]
fn the_echo_pair_works_with_both_libraries_and_readme_shows_the_client() {
    let pki = Pki::new("pair");
    let ca = pki.arg("ca.pem");
    for linkage in Linkage::BOTH {
        let server = Server::start(
            &program("tls_echo_server", linkage),
            &["0", &pki.arg("server.pem"), &pki.arg("server.key")],
        );
        expect_echo(linkage, "127.0.0.1", server.port(), "hello", &ca);
        expect_echo(
            linkage,
            "localhost",
            server.port(),
            &"long ".repeat(4000),
            &ca,
        );
        let lines = server.stdout_lines_when(2);
        assert_eq!(lines[0], "Client connected: 127.0.0.1", "{lines:?}");
        assert!(lines[1].starts_with("Client connected: "), "{lines:?}");
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = std::fs::read_to_string(root.join("c_examples/tls_echo_client.c")).unwrap();
    assert!(
        readme.contains(&format!("```c\n{program}```\n")),
        "README.md's TLS program differs from c_examples/tls_echo_client.c"
    );
}

#[test]
fn a_client_refuses_bad_certificates_and_the_server_goes_on() {
    let pki = Pki::new("refuse");
    let ca = pki.arg("ca.pem");
    for (name, host, message) in [
        (
            "other_server",
            "localhost",
            "Failed to connect with server: Certificate not trusted",
        ),
        (
            "self_signed",
            "localhost",
            "Failed to connect with server: Certificate not trusted",
        ),
        (
            "expired",
            "localhost",
            "Failed to connect with server: Certificate expired or not yet valid",
        ),
        (
            "future",
            "localhost",
            "Failed to connect with server: Certificate expired or not yet valid",
        ),
        (
            "wrong_name",
            "localhost",
            "Failed to connect with server: Certificate not valid for this name",
        ),
        (
            "ip_only",
            "localhost",
            "Failed to connect with server: Certificate not valid for this name",
        ),
    ] {
        let server = Server::start(
            &program("tls_echo_server", Linkage::Static),
            &[
                "0",
                &pki.arg(&format!("{name}.pem")),
                &pki.arg(&format!("{name}.key")),
            ],
        );
        let output = expect_client_failure(server.port(), &ca, host, message);
        // rustls' words come first.
        assert!(
            stderr(&output).starts_with("tls_echo_client: invalid peer certificate"),
            "{output:?}"
        );
        server.expect_stderr_line(&format!(
            "tls_echo_server: handshake with 127.0.0.1 failed: SOCKIT_ETLSALERT ({})",
            server
                .stderr_lines()
                .iter()
                .find(|l| l.contains("handshake with"))
                .and_then(|l| l
                    .split_once(" (")
                    .map(|(_, d)| d.trim_end_matches(')').to_owned()))
                .unwrap_or_default()
        ));
        assert!(
            server.stdout_lines().is_empty(),
            "{name}: no client was served"
        );
    }
    // An IP-address certificate is good for its address; the server still serves after a
    // refusal.
    let mut server = Server::start(
        &program("tls_echo_server", Linkage::Static),
        &["0", &pki.arg("ip_only.pem"), &pki.arg("ip_only.key")],
    );
    expect_client_failure(
        server.port(),
        &ca,
        "localhost",
        "Failed to connect with server: Certificate not valid for this name",
    );
    expect_echo(
        Linkage::Static,
        "127.0.0.1",
        server.port(),
        "by address",
        &ca,
    );
    assert!(server.is_running());
    // A file that is not a CA file, and a server without TLS.
    expect_client_failure(
        server.port(),
        &pki.arg("server.key"),
        "127.0.0.1",
        "Failed to read the CA file: No usable certificate or key in the PEM file",
    );
    let plain = Server::start(&program("tcp_echo_server", Linkage::Static), &["0"]);
    expect_client_failure(
        plain.port(),
        &ca,
        "127.0.0.1",
        "Failed to connect with server: TLS protocol error",
    );
}

#[test]
fn the_server_refuses_unusable_keys_and_serves_only_its_authoritys_clients() {
    let pki = Pki::new("serverside");
    let server = program("tls_echo_server", Linkage::Static);
    let output = run(
        &server,
        &["0", &pki.arg("server.pem"), &pki.arg("client.key")],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr(&output).ends_with(
            "Failed to load the certificate and key: No usable certificate or key in the PEM file\n"
        ),
        "{output:?}"
    );
    let output = run(
        &server,
        &["0", &pki.arg("missing.pem"), &pki.arg("server.key")],
        LIMIT,
    );
    assert!(
        stderr(&output)
            .ends_with("Failed to load the certificate and key: No such file or directory\n"),
        "{output:?}"
    );
    // Mutual TLS: the echo client presents no certificate and is refused (TLS 1.3: the
    // server's alert reaches it at its first receive); a client of the authority is served
    // and named.
    let mutual = Server::start(
        &server,
        &[
            "0",
            &pki.arg("server.pem"),
            &pki.arg("server.key"),
            &pki.arg("ca.pem"),
        ],
    );
    let output = run(
        &program("tls_echo_client", Linkage::Static),
        &[
            "127.0.0.1",
            "secret",
            &mutual.port().to_string(),
            &pki.arg("ca.pem"),
        ],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr(&output)
            .ends_with("Failed to receive bytes from server: TLS alert received from peer\n"),
        "{output:?}"
    );
    assert_eq!(stdout(&output), "Received: \n");
    let client = ClientConfig::new();
    client.trust_file(&pki.path("ca.pem")).unwrap();
    client
        .certificate(&pki.path("client.pem"), &pki.path("client.key"))
        .unwrap();
    let mut tls = TlsStream::connect("127.0.0.1", mutual.port(), &client, Some(LIMIT)).unwrap();
    tls.send_all(b"known").unwrap();
    let mut buf = [0u8; 5];
    let uninit = as_uninit(&mut buf);
    tls.recv_exact(uninit).unwrap();
    assert_eq!(&buf, b"known");
    tls.shutdown().unwrap();
    mutual
        .expect_stdout_line("Client connected: 127.0.0.1 (CN=sockit test client, O=sockit tests)");
    assert!(
        mutual
            .stderr_lines()
            .iter()
            .any(|l| l.contains("failed: SOCKIT_ECERTUNTRUSTED")),
        "{:?}",
        mutual.stderr_lines()
    );
}

fn as_uninit(buf: &mut [u8]) -> &mut [std::mem::MaybeUninit<u8>] {
    // SAFETY: same layout; the callee only writes initialized bytes.
    unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast(), buf.len()) }
}

/// `openssl s_server`, on a port of its choosing, killed when dropped.
struct OpenSsl {
    child: Child,
    port: u16,
}

impl OpenSsl {
    fn start(args: &[&str], dir: &std::path::Path) -> OpenSsl {
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-naccept", "1"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines.next().expect("openssl s_server says ACCEPT").unwrap();
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                break addr.rsplit(':').next().unwrap().parse().unwrap();
            }
        };
        // The rest of its output is read and dropped, so that it never blocks on a pipe.
        thread::spawn(move || lines.for_each(drop));
        OpenSsl { child, port }
    }
}

impl Drop for OpenSsl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tls_get_fetches_pages_from_openssl_and_python_with_sni_and_alpn() {
    if !have("openssl", "version") || !have("python3", "--version") {
        eprintln!("SKIPPED: no openssl or python3");
        return;
    }
    let pki = Pki::new("get");
    pki.write("index.html", "<h1>hello over TLS</h1>\n");
    for version in ["-tls1_2", "-tls1_3"] {
        let server = OpenSsl::start(
            &[
                "-cert",
                &pki.arg("server.pem"),
                "-key",
                &pki.arg("server.key"),
                "-alpn",
                "http/1.1",
                "-WWW",
                version,
            ],
            pki.dir(),
        );
        let url = format!("https://localhost:{}/index.html", server.port);
        let output = run(
            &program("tls_get", Linkage::Static),
            &[&url, &pki.arg("ca.pem")],
            LIMIT,
        );
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            stdout(&output),
            "HTTP/1.0 200 ok\n<h1>hello over TLS</h1>\n"
        );
        let expected = if version == "-tls1_2" {
            "TLSv1.2"
        } else {
            "TLSv1.3"
        };
        assert_eq!(
            stderr(&output),
            format!("tls_get: {expected}, ALPN http/1.1, server CN=localhost, O=sockit tests\n")
        );
    }
    // Python's ssl: it reports the SNI and ALPN it saw.
    let script = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.set_alpn_protocols(["h2", "http/1.1"])
ctx.sni_callback = lambda sock, name, c: print("SNI", name, flush=True)
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen()
print("listening on 127.0.0.1:%d" % ls.getsockname()[1], file=sys.stderr, flush=True)
for _ in range(2):
    conn, _ = ls.accept()
    s = ctx.wrap_socket(conn, server_side=True)
    request = b""
    while b"\r\n\r\n" not in request:
        request += s.recv(4096)
    print("ALPN", s.selected_alpn_protocol(), request.split(b"\r\n")[0].decode(), flush=True)
    body = b"page from python\n"
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    s.close()
"#;
    let server = Server::start(
        std::path::Path::new("python3"),
        &["-c", script, &pki.arg("server.pem"), &pki.arg("server.key")],
    );
    for (host, sni) in [("localhost", "SNI localhost"), ("127.0.0.1", "SNI None")] {
        let url = format!("https://{host}:{}/a/page?x=1", server.port());
        let output = run(
            &program("tls_get", Linkage::Shared),
            &[&url, &pki.arg("ca.pem")],
            LIMIT,
        );
        assert!(output.status.success(), "{output:?}");
        assert_eq!(stdout(&output), "HTTP/1.1 200 OK\npage from python\n");
        server.expect_stdout_line(sni);
    }
    let lines = server.stdout_lines_when(4);
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "ALPN http/1.1 GET /a/page?x=1 HTTP/1.1")
            .count(),
        2,
        "{lines:?}"
    );
    // Not a URL it can fetch.
    let output = run(
        &program("tls_get", Linkage::Static),
        &["http://localhost/"],
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "tls_get: not an https:// URL: http://localhost/\n"
    );
}

#[test]
fn the_echo_pair_interoperates_with_python_and_openssl_in_tls_1_2_and_1_3() {
    if !have("openssl", "version") || !have("python3", "--version") {
        eprintln!("SKIPPED: no openssl or python3");
        return;
    }
    let pki = Pki::new("interop");
    let ca = pki.arg("ca.pem");
    // sockit's client, Python's server.
    let server_script = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
v = getattr(ssl.TLSVersion, sys.argv[3])
ctx.minimum_version = ctx.maximum_version = v
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen()
print("listening on 127.0.0.1:%d" % ls.getsockname()[1], file=sys.stderr, flush=True)
conn, _ = ls.accept()
s = ctx.wrap_socket(conn, server_side=True)
print(s.version(), flush=True)
while True:
    data = s.recv(4096)
    if not data:
        break
    s.sendall(data)
print("clean end", flush=True)
"#;
    for version in ["TLSv1_2", "TLSv1_3"] {
        let server = Server::start(
            std::path::Path::new("python3"),
            &[
                "-c",
                server_script,
                &pki.arg("server.pem"),
                &pki.arg("server.key"),
                version,
            ],
        );
        expect_echo(
            Linkage::Static,
            "localhost",
            server.port(),
            "to python",
            &ca,
        );
        server.expect_stdout_line(&version.replace('_', "."));
        // The client's close_notify reads as the end in Python.
        server.expect_stdout_line("clean end");
    }
    // Python's and OpenSSL's clients, sockit's server.
    let server = Server::start(
        &program("tls_echo_server", Linkage::Shared),
        &["0", &pki.arg("server.pem"), &pki.arg("server.key")],
    );
    let client_script = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
v = getattr(ssl.TLSVersion, sys.argv[3])
ctx.minimum_version = ctx.maximum_version = v
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
message = b"from python " * 1000
s.sendall(message)
got = b""
while len(got) < len(message):
    got += s.recv(65536)
version = s.version()
s.unwrap()
print(version, got == message)
"#;
    for version in ["TLSv1_2", "TLSv1_3"] {
        let output = run(
            std::path::Path::new("python3"),
            &[
                "-c",
                client_script,
                &server.port().to_string(),
                &ca,
                version,
            ],
            LIMIT,
        );
        assert_eq!(
            stdout(&output),
            format!("{} True\n", version.replace('_', ".")),
            "{output:?}"
        );
    }
    for (version, name) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
        let output = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", server.port()),
            ])
            .args([
                "-CAfile",
                &ca,
                "-servername",
                "localhost",
                "-verify_return_error",
                version,
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = stdout(&output);
        assert!(
            text.contains(&format!("Protocol  : {name}")) || text.contains(&format!("New, {name}")),
            "{text}"
        );
        assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
    }
    assert_eq!(server.stdout_lines_when(4).len(), 4);
}

#[test]
fn a_sockit_server_agrees_alpn_with_openssl_s_client() {
    if !have("openssl", "version") {
        eprintln!("SKIPPED: no openssl");
        return;
    }
    let pki = Pki::new("alpn");
    let config = ServerConfig::new(&pki.path("server.pem"), &pki.path("server.key")).unwrap();
    config
        .alpn(sockit::tls::alpn_list("h2,http/1.1").unwrap())
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
        tls.handshake_within(Some(LIMIT)).unwrap();
        tls.session().alpn().map(<[u8]>::to_vec)
    });
    let output = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-CAfile", &pki.arg("ca.pem"), "-alpn", "http/1.1,spdy/1"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("ALPN protocol: http/1.1"),
        "{output:?}"
    );
    assert_eq!(server.join().unwrap().as_deref(), Some(&b"http/1.1"[..]));
}

/// The first bytes of a real ClientHello, as sockit's client sends it.
fn client_hello() -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = thread::spawn(move || {
        let config = ClientConfig::new();
        config.dangerous_no_verification().unwrap();
        let _ = TlsStream::connect("localhost", port, &config, Some(Duration::from_secs(2)));
    });
    let (mut tcp, _) = listener.accept().unwrap();
    let mut hello = vec![0u8; 200];
    tcp.read_exact(&mut hello).unwrap();
    drop(tcp);
    client.join().unwrap();
    hello
}

/// The number of descriptors a process holds.
fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

#[test]
fn hostile_clients_are_refused_and_the_server_keeps_serving_without_leaks() {
    let pki = Pki::new("hostile");
    let ca = pki.arg("ca.pem");
    let server = Server::start(
        &program("tls_echo_server", Linkage::Static),
        &["0", &pki.arg("server.pem"), &pki.arg("server.key")],
    );
    let port = server.port();
    expect_echo(Linkage::Static, "127.0.0.1", port, "first", &ca);
    let before = descriptors(server.pid());
    let connect = || {
        let tcp = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        tcp.set_read_timeout(Some(LIMIT)).unwrap();
        tcp
    };
    // Sends bytes, then waits for the server to close the connection (it answers with an
    // alert at most).
    let refused = |bytes: &[u8], close: bool| {
        let mut tcp = connect();
        tcp.write_all(bytes).unwrap();
        if close {
            tcp.shutdown(Shutdown::Write).unwrap();
        }
        let mut reply = Vec::new();
        let _ = tcp.read_to_end(&mut reply);
        reply
    };
    let reply = refused(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", false);
    assert!(!reply.windows(4).any(|w| w == b"HTTP"), "no HTTP answer");
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    refused(&random, false);
    let hello = client_hello();
    refused(&hello[..60], true);
    // A record cut by the close, after a complete handshake.
    let tcp = connect();
    let mut raw = tcp.try_clone().unwrap();
    let config = ClientConfig::new();
    config.trust_file(&pki.path("ca.pem")).unwrap();
    let mut tls = TlsStream::new(
        Socket::from(tcp),
        Session::client(&config, "localhost").unwrap(),
    );
    tls.handshake_within(Some(LIMIT)).unwrap();
    raw.write_all(&[0x17, 0x03, 0x03, 0x01, 0x00, 1, 2, 3, 4, 5])
        .unwrap();
    raw.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    let _ = raw.read_to_end(&mut rest);
    drop(tls);
    // A handshake that stops half way holds the (iterative) server until its timeout; the
    // client queued behind it is served after.
    let mut stalled = connect();
    stalled.write_all(&hello[..60]).unwrap();
    expect_echo(Linkage::Static, "127.0.0.1", port, "after all that", &ca);
    drop(stalled);

    let stderr = server.stderr_lines();
    for expected in [
        "failed: SOCKIT_ETLSPROTOCOL",
        "failed: SOCKIT_EOF",
        "failed: SOCKIT_ETIMEDOUT",
        "client ended: Stream ended inside a message",
    ] {
        assert!(
            stderr.iter().any(|l| l.contains(expected)),
            "{expected}: {stderr:?}"
        );
    }
    let lines = server.stdout_lines_when(3);
    assert_eq!(lines.last().unwrap(), "Client connected: 127.0.0.1");
    assert_eq!(descriptors(server.pid()), before, "no descriptor leaked");
}

/// Reads one line from a TLS stream (without its newline); empty at the end of the stream.
/// A failure shows what the server said.
fn tls_line(tls: &mut TlsStream, server: &Server) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tls.recv(&mut byte) {
            Ok(1) if byte[0] != b'\n' => line.push(byte[0]),
            Ok(_) => return String::from_utf8(line).unwrap(),
            Err(err) => panic!(
                "{err:?} after {line:?}; the server said {:?} {:?}",
                server.stdout_lines(),
                server.stderr_lines()
            ),
        }
    }
}

/// chat_server with a certificate: the room over TLS on the event loop, with a sockit
/// client and `openssl s_client` as members; a client that speaks plaintext never joins and
/// the reason is said on stderr.
#[test]
fn the_chat_server_speaks_tls_to_openssl_and_sockit_clients() {
    if !have("openssl", "version") {
        eprintln!("skipped: no openssl");
        return;
    }
    let pki = Pki::new("chat");
    for linkage in Linkage::BOTH {
        let server = Server::start(
            &program("chat_server", linkage),
            &["0", &pki.arg("server.pem"), &pki.arg("server.key")],
        );
        let port = server.port();
        let config = ClientConfig::new();
        config.trust_file(&pki.path("ca.pem")).unwrap();
        let mut sockit_member =
            TlsStream::connect("localhost", port, &config, Some(LIMIT)).unwrap();
        sockit_member
            .socket()
            .set_read_timeout(Some(LIMIT))
            .unwrap();
        let me = sockit_member.socket().local_addr().unwrap();
        let me = me.as_socket().unwrap().to_string();
        server.expect_stdout_line(&format!("* {me} joined"));
        // A plaintext client: its handshake fails, it never joins.
        let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
        plain.write_all(b"hello in plaintext\n").unwrap();
        plain.set_read_timeout(Some(LIMIT)).unwrap();
        let _ = plain.read_to_end(&mut Vec::new());
        let refused = server.stderr_lines_when(2);
        assert!(
            refused[1].starts_with("chat_server: a TLS handshake failed: "),
            "{refused:?}"
        );
        let mut openssl = Command::new("openssl")
            .args([
                "s_client",
                "-quiet",
                "-no_ign_eof",
                "-connect",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["-servername", "localhost", "-verify_return_error"])
            .args(["-CAfile", &pki.arg("ca.pem")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let joined = tls_line(&mut sockit_member, &server);
        assert!(
            joined.starts_with("* 127.0.0.1:") && joined.ends_with(" joined"),
            "{joined}"
        );
        let openssl_name = joined["* ".len()..joined.len() - " joined".len()].to_string();
        let mut to_openssl = openssl.stdin.take().unwrap();
        to_openssl.write_all(b"hello from openssl\n").unwrap();
        assert_eq!(
            tls_line(&mut sockit_member, &server),
            format!("{openssl_name}: hello from openssl")
        );
        sockit_member.send_all(b"hello from sockit\n").unwrap();
        let mut from_openssl = BufReader::new(openssl.stdout.take().unwrap());
        let mut line = String::new();
        from_openssl.read_line(&mut line).unwrap();
        assert_eq!(line, format!("{me}: hello from sockit\n"));
        drop(to_openssl);
        assert_eq!(
            tls_line(&mut sockit_member, &server),
            format!("* {openssl_name} left")
        );
        let _ = openssl.wait();
        sockit_member.shutdown().unwrap();
        server.expect_stdout_line(&format!("* {me} left"));
    }
}

/// A loop client fetching a page from `openssl s_server -WWW` (TLS 1.2 and 1.3, ALPN), and
/// Python's clients echoing through a loop server in both versions.
#[test]
fn the_event_loop_speaks_tls_1_2_and_1_3_with_openssl_and_python() {
    use sockit::event_loop::{Handle, Loop, StreamEvents};
    use sockit::net::socket::Bind;
    use std::cell::RefCell;
    use std::rc::Rc;

    if !have("openssl", "version") || !have("python3", "--version") {
        eprintln!("SKIPPED: no openssl or python3");
        return;
    }
    /// Asks for the page once connected; keeps what comes back and what was agreed.
    #[derive(Default)]
    struct Fetch {
        agreed: RefCell<String>,
        page: RefCell<Vec<u8>>,
        closed: RefCell<Option<String>>,
    }
    impl StreamEvents for Fetch {
        fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: sockit::Result<()>) {
            status.unwrap();
            let agreed = lp
                .with_tls_session(conn, |s| {
                    let s = s.unwrap();
                    format!("{:?} {:?}", s.version(), s.alpn().map(<[u8]>::to_vec))
                })
                .unwrap();
            *self.agreed.borrow_mut() = agreed;
            lp.write(conn, b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
        }
        fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
            self.page.borrow_mut().extend_from_slice(bytes);
        }
        fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
            lp.close(conn).unwrap();
        }
        fn on_close(&self, _: &Loop, _: Handle, _: usize, status: sockit::Result<()>) {
            *self.closed.borrow_mut() = Some(format!("{:?}", status.map_err(|e| e.code())));
        }
    }
    let pki = Pki::new("loopinterop");
    pki.write("index.html", "<h1>hello, loop</h1>\n");
    let config = ClientConfig::new();
    config.trust_file(&pki.path("ca.pem")).unwrap();
    config
        .alpn(sockit::tls::alpn_list("http/1.1").unwrap())
        .unwrap();
    let lp = Loop::new().unwrap();
    for (flag, version) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
        let server = OpenSsl::start(
            &[
                "-cert",
                &pki.arg("server.pem"),
                "-key",
                &pki.arg("server.key"),
                "-alpn",
                "http/1.1",
                "-WWW",
                flag,
            ],
            pki.dir(),
        );
        let fetch = Rc::new(Fetch::default());
        let conn = lp
            .connect("127.0.0.1", server.port, Some(LIMIT), fetch.clone(), 0)
            .unwrap();
        lp.tls_client(conn, &config, "localhost", Some(LIMIT))
            .unwrap();
        support::run_loop_until(&lp, || fetch.closed.borrow().is_some());
        assert_eq!(
            *fetch.agreed.borrow(),
            format!("Some({version:?}) Some({:?})", b"http/1.1".to_vec())
        );
        // s_server ends the page with a close_notify: a clean end.
        assert_eq!(fetch.closed.borrow().as_deref(), Some("Ok(())"));
        let page = String::from_utf8_lossy(&fetch.page.borrow()).into_owned();
        assert!(
            page.starts_with("HTTP/1.0 200 ok\r\n") && page.ends_with("<h1>hello, loop</h1>\n"),
            "{page:?}"
        );
    }
    // Python's clients against a loop echo server.
    struct Echo;
    impl StreamEvents for Echo {
        fn on_data(&self, lp: &Loop, conn: Handle, _: usize, bytes: &[u8]) {
            lp.write(conn, bytes).unwrap();
        }
        fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
            lp.close(conn).unwrap();
        }
    }
    let server_config =
        ServerConfig::new(&pki.path("server.pem"), &pki.path("server.key")).unwrap();
    let listener = lp
        .listen(Bind::Host("127.0.0.1", 0), Rc::new(Echo), 0)
        .unwrap();
    lp.tls_server(
        listener,
        &sockit::tls::ServerSessions::new(&server_config).unwrap(),
        Some(LIMIT),
    )
    .unwrap();
    let port = lp.local_addr(listener).unwrap().unwrap().port();
    let client_script = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
v = getattr(ssl.TLSVersion, sys.argv[3])
ctx.minimum_version = ctx.maximum_version = v
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
message = b"from python to the loop " * 4000
s.sendall(message)
got = b""
while len(got) < len(message):
    got += s.recv(65536)
version = s.version()
s.unwrap()
print(version, got == message)
"#;
    for version in ["TLSv1_2", "TLSv1_3"] {
        let python = Command::new("python3")
            .args([
                "-c",
                client_script,
                &port.to_string(),
                &pki.arg("ca.pem"),
                version,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let python = RefCell::new(python);
        support::run_loop_until(&lp, || python.borrow_mut().try_wait().unwrap().is_some());
        let output = python.into_inner().wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!("{} True\n", version.replace('_', "."))
        );
    }
}
