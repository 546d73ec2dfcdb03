//! TLS through the core (the rlib): handshakes, verification failures each with its code
//! and no data flowing, mutual TLS, ALPN, the peer's subject, close_notify and truncation,
//! non-blocking streams driven by poll, and configuration files (missing, not PEM, encrypted
//! keys, RSA and SEC1 keys).
#![cfg(sockit_tls_tests)]

#[path = "../support/mod.rs"]
mod support;

use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use socket2::Socket;
use sockit::ErrorCode;
use sockit::net::poll::{Interest, wait_for};
use sockit::tls::{ClientConfig, ServerConfig, Session, TlsStream, detail};
use support::tls_certs::Pki;

const LIMIT: Option<Duration> = Some(Duration::from_secs(10));

fn server_config(pki: &Pki, name: &str) -> ServerConfig {
    ServerConfig::new(
        &pki.path(&format!("{name}.pem")),
        &pki.path(&format!("{name}.key")),
    )
    .unwrap()
}

fn trusting(pki: &Pki, ca: &str) -> ClientConfig {
    let config = ClientConfig::new();
    config.trust_file(&pki.path(ca)).unwrap();
    config
}

/// A one-connection TLS echo server on a thread: accepts, makes the handshake, echoes
/// until the end, then sends a close_notify. Returns the port and what the handshake gave.
fn echo_once(config: ServerConfig) -> (u16, thread::JoinHandle<Result<Vec<u8>, ErrorCode>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let session = Session::server(&config).map_err(|e| e.code())?;
        let mut tls = TlsStream::new(Socket::from(tcp), session);
        tls.handshake_within(LIMIT).map_err(|e| e.code())?;
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tls.recv(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    tls.send_all(&buf[..n]).map_err(|e| e.code())?;
                }
                Err(e) => return Err(e.code()),
            }
        }
        tls.shutdown().map_err(|e| e.code())?;
        Ok(all)
    });
    (port, server)
}

fn echo_through(tls: &mut TlsStream, data: &[u8]) -> Vec<u8> {
    assert_eq!(tls.send_all(data).unwrap(), data.len());
    let mut back = vec![0u8; data.len()];
    // SAFETY-free view: recv_exact takes MaybeUninit; a zeroed Vec is initialized.
    let uninit: &mut [std::mem::MaybeUninit<u8>] =
        // SAFETY: u8 and MaybeUninit<u8> have the same layout; only bytes are written.
        unsafe { std::slice::from_raw_parts_mut(back.as_mut_ptr().cast(), back.len()) };
    assert_eq!(tls.recv_exact(uninit).unwrap(), data.len());
    back
}

#[test]
fn a_verified_client_and_server_echo_and_end_cleanly() {
    let pki = Pki::new("echo");
    let (port, server) = echo_once(server_config(&pki, "server"));
    let client = trusting(&pki, "ca.pem");
    let mut tls = TlsStream::connect("localhost", port, &client, LIMIT).unwrap();
    assert_eq!(tls.session().version(), Some("TLSv1.3"));
    assert_eq!(
        tls.session().peer_subject().unwrap(),
        "CN=localhost, O=sockit tests"
    );
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(echo_through(&mut tls, &data), data);
    tls.shutdown().unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(tls.recv(&mut buf).unwrap(), 0, "the server's close_notify");
    assert_eq!(server.join().unwrap().unwrap(), data);
}

#[test]
fn ip_addresses_are_verified_against_the_certificates_ip_names() {
    let pki = Pki::new("ip");
    for (name, host, expect) in [
        ("server", "127.0.0.1", None),
        ("ip_only", "127.0.0.1", None),
        ("ip_only", "localhost", Some(ErrorCode::ECERTNAME)),
        ("wrong_name", "127.0.0.1", Some(ErrorCode::ECERTNAME)),
    ] {
        let (port, server) = echo_once(server_config(&pki, name));
        let client = trusting(&pki, "ca.pem");
        let result = TlsStream::connect(host, port, &client, LIMIT);
        match expect {
            None => {
                let mut tls = result.unwrap();
                assert_eq!(echo_through(&mut tls, b"ip"), b"ip");
                tls.shutdown().unwrap();
                assert_eq!(server.join().unwrap().unwrap(), b"ip");
            }
            Some(code) => {
                assert_eq!(result.err().map(|e| e.code()), Some(code), "{name} {host}");
                // The server saw the client's alert: nothing flowed.
                assert!(server.join().unwrap().is_err());
            }
        }
    }
}

#[test]
fn every_bad_certificate_fails_the_handshake_with_its_own_code() {
    let pki = Pki::new("verify");
    for (name, ca, code, words) in [
        (
            "other_server",
            "ca.pem",
            ErrorCode::ECERTUNTRUSTED,
            "UnknownIssuer",
        ),
        (
            "self_signed",
            "ca.pem",
            ErrorCode::ECERTUNTRUSTED,
            "UnknownIssuer",
        ),
        ("expired", "ca.pem", ErrorCode::ECERTEXPIRED, "expired"),
        ("future", "ca.pem", ErrorCode::ECERTEXPIRED, "not valid yet"),
        (
            "wrong_name",
            "ca.pem",
            ErrorCode::ECERTNAME,
            "not valid for name",
        ),
    ] {
        let (port, server) = echo_once(server_config(&pki, name));
        let client = trusting(&pki, ca);
        let err = TlsStream::connect("localhost", port, &client, LIMIT)
            .err()
            .unwrap_or_else(|| panic!("{name}: connected"));
        assert_eq!(err.code(), code, "{name}");
        let detail = detail::last();
        assert!(detail.contains(words), "{name}: {detail}");
        // The server was told by an alert, and received nothing.
        assert_eq!(
            server.join().unwrap().err(),
            Some(ErrorCode::ETLSALERT),
            "{name}"
        );
    }
}

#[test]
fn a_self_signed_certificate_is_trusted_when_named_and_without_verification() {
    let pki = Pki::new("selfsigned");
    let (port, server) = echo_once(server_config(&pki, "self_signed"));
    let mut tls =
        TlsStream::connect("localhost", port, &trusting(&pki, "self_signed.pem"), LIMIT).unwrap();
    assert_eq!(echo_through(&mut tls, b"pinned"), b"pinned");
    tls.shutdown().unwrap();
    server.join().unwrap().unwrap();

    let (port, server) = echo_once(server_config(&pki, "wrong_name"));
    let insecure = ClientConfig::new();
    insecure.dangerous_no_verification().unwrap();
    let mut tls = TlsStream::connect("localhost", port, &insecure, LIMIT).unwrap();
    assert_eq!(echo_through(&mut tls, b"anyone"), b"anyone");
    tls.shutdown().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn mutual_tls_serves_the_authoritys_clients_and_refuses_others() {
    let pki = Pki::new("mutual");
    let server = || {
        let config = server_config(&pki, "server");
        config.verify_clients(&pki.path("ca.pem")).unwrap();
        config
    };
    // A client of the authority: served, and named.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = server();
    let accepted = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
        tls.handshake_within(LIMIT).unwrap();
        let subject = tls.session().peer_subject();
        let mut buf = [0u8; 8];
        let n = tls.recv(&mut buf).unwrap();
        tls.send_all(&buf[..n]).unwrap();
        tls.shutdown().unwrap();
        subject
    });
    let client = trusting(&pki, "ca.pem");
    client
        .certificate(&pki.path("client.pem"), &pki.path("client.key"))
        .unwrap();
    let mut tls = TlsStream::connect("localhost", port, &client, LIMIT).unwrap();
    assert_eq!(echo_through(&mut tls, b"me"), b"me");
    assert_eq!(
        accepted.join().unwrap().as_deref(),
        Some("CN=sockit test client, O=sockit tests")
    );

    // No certificate, or one from another authority: refused, nothing flows.
    for identity in [None, Some("other_client")] {
        let (port, server_thread) = echo_once(server());
        let client = trusting(&pki, "ca.pem");
        if let Some(name) = identity {
            client
                .certificate(
                    &pki.path(&format!("{name}.pem")),
                    &pki.path(&format!("{name}.key")),
                )
                .unwrap();
        }
        // TLS 1.3: the client finishes its side first and learns of the refusal from the
        // server's alert at its first receive.
        let outcome = TlsStream::connect("localhost", port, &client, LIMIT).and_then(|mut tls| {
            tls.send_all(b"let me in")?;
            let mut buf = [0u8; 16];
            tls.recv(&mut buf)
        });
        assert_eq!(
            outcome.err().map(|e| e.code()),
            Some(ErrorCode::ETLSALERT),
            "{identity:?}"
        );
        assert_eq!(
            server_thread.join().unwrap().err(),
            Some(ErrorCode::ECERTUNTRUSTED),
            "{identity:?}"
        );
    }
}

#[test]
fn alpn_is_agreed_or_the_handshake_refused() {
    let pki = Pki::new("alpn");
    let server = server_config(&pki, "server");
    server
        .alpn(sockit::tls::alpn_list("h2,http/1.1").unwrap())
        .unwrap();
    let (port, thread) = echo_once(server);
    let client = trusting(&pki, "ca.pem");
    client
        .alpn(sockit::tls::alpn_list("http/1.1").unwrap())
        .unwrap();
    let mut tls = TlsStream::connect("localhost", port, &client, LIMIT).unwrap();
    assert_eq!(tls.session().alpn(), Some(&b"http/1.1"[..]));
    tls.shutdown().unwrap();
    thread.join().unwrap().unwrap();
    // The configuration is fixed once used.
    assert_eq!(
        client.alpn(vec![b"h2".to_vec()]).err().map(|e| e.code()),
        Some(ErrorCode::EBUSY)
    );

    let server = server_config(&pki, "server");
    server.alpn(vec![b"h2".to_vec()]).unwrap();
    let (port, thread) = echo_once(server);
    let client = trusting(&pki, "ca.pem");
    client.alpn(vec![b"imap".to_vec()]).unwrap();
    let err = TlsStream::connect("localhost", port, &client, LIMIT)
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::ETLSALERT, "{}", detail::last());
    assert_eq!(thread.join().unwrap().err(), Some(ErrorCode::ETLSHANDSHAKE));
    assert!(sockit::tls::alpn_list("h2,,x").is_err());
    assert!(sockit::tls::alpn_list("").is_err());
}

#[test]
fn a_stream_cut_without_close_notify_is_truncated_not_ended() {
    let pki = Pki::new("truncated");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = server_config(&pki, "server");
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let copy = tcp.try_clone().unwrap();
        let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
        tls.handshake_within(LIMIT).unwrap();
        tls.send_all(b"partial").unwrap();
        // The TCP connection ends, with no close_notify.
        copy.shutdown(Shutdown::Both).unwrap();
    });
    let mut tls = TlsStream::connect("localhost", port, &trusting(&pki, "ca.pem"), LIMIT).unwrap();
    server.join().unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(tls.recv(&mut buf).unwrap(), 7);
    assert_eq!(&buf[..7], b"partial");
    assert_eq!(
        tls.recv(&mut buf).err().map(|e| e.code()),
        Some(ErrorCode::ETRUNCATED)
    );
}

#[test]
fn a_non_blocking_client_is_driven_by_what_it_wants() {
    let pki = Pki::new("nonblocking");
    let (port, server) = echo_once(server_config(&pki, "server"));
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_nonblocking(true).unwrap();
    let config = trusting(&pki, "ca.pem");
    let mut tls = TlsStream::new(
        Socket::from(tcp),
        Session::client(&config, "localhost").unwrap(),
    );
    let wait = |tls: &TlsStream| {
        assert!(
            wait_for(
                tls.socket(),
                tls.wants(),
                Some(std::time::Instant::now() + Duration::from_secs(10))
            )
            .unwrap()
        );
    };
    loop {
        match tls.handshake() {
            Ok(()) => break,
            Err(e) if e.code() == ErrorCode::EAGAIN => {
                wait(&tls);
            }
            Err(e) => panic!("{e:?}: {}", detail::last()),
        }
    }
    assert!(tls.is_handshake_done());
    // 1 MiB each way: the client sends while the server echoes, never blocking.
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
    let (mut sent, mut back) = (0, Vec::new());
    let mut buf = vec![0u8; 65536];
    while back.len() < data.len() {
        if sent < data.len() {
            match tls.send(&data[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.code() == ErrorCode::EAGAIN => {}
                Err(e) => panic!("{e:?}"),
            }
        } else {
            let _ = tls.send(&[]);
        }
        match tls.recv(&mut buf) {
            Ok(0) => panic!("ended early"),
            Ok(n) => back.extend_from_slice(&buf[..n]),
            Err(e) if e.code() == ErrorCode::EAGAIN => {
                let interest = Interest {
                    read: true,
                    write: sent < data.len() || tls.wants().write,
                };
                wait_for(
                    tls.socket(),
                    interest,
                    Some(std::time::Instant::now() + Duration::from_secs(10)),
                )
                .unwrap();
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(back == data, "the echo came back whole and in order");
    loop {
        match tls.shutdown() {
            Ok(()) => break,
            Err(e) if e.code() == ErrorCode::EAGAIN => wait(&tls),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(server.join().unwrap().unwrap().len(), data.len());
}

#[test]
fn a_handshake_that_stops_half_way_times_out() {
    let pki = Pki::new("stall");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A client that connects and says nothing.
    let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (tcp, _) = listener.accept().unwrap();
    let config = server_config(&pki, "server");
    let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
    let err = tls
        .handshake_within(Some(Duration::from_millis(200)))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ETIMEDOUT);
    drop(silent);
}

#[test]
fn configuration_files_are_checked_with_codes_of_their_own() {
    let pki = Pki::new("files");
    let code = |r: sockit::Result<ServerConfig>| r.err().map(|e| e.code());
    assert_eq!(
        code(ServerConfig::new(
            &pki.path("missing.pem"),
            &pki.path("server.key")
        )),
        Some(ErrorCode::ENOENT)
    );
    pki.write("junk.pem", "not a certificate\n");
    assert_eq!(
        code(ServerConfig::new(
            &pki.path("junk.pem"),
            &pki.path("server.key")
        )),
        Some(ErrorCode::EBADPEM)
    );
    assert_eq!(
        code(ServerConfig::new(
            &pki.path("server.pem"),
            &pki.path("junk.pem")
        )),
        Some(ErrorCode::EBADPEM)
    );
    // A key that belongs to another certificate.
    assert_eq!(
        code(ServerConfig::new(
            &pki.path("server.pem"),
            &pki.path("client.key")
        )),
        Some(ErrorCode::EBADPEM)
    );
    assert!(detail::last().contains("key"), "{}", detail::last());
    let client = ClientConfig::new();
    assert_eq!(
        client
            .trust_file(&pki.path("server.key"))
            .err()
            .map(|e| e.code()),
        Some(ErrorCode::EBADPEM)
    );
    assert_eq!(
        client
            .trust_folder(&pki.path("nowhere"))
            .err()
            .map(|e| e.code()),
        Some(ErrorCode::ENOENT)
    );
    client.trust_folder(pki.dir()).unwrap();
}

fn openssl(args: &[&str]) {
    let status = Command::new("openssl").args(args).status().unwrap();
    assert!(status.success(), "openssl {args:?}");
}

fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn rsa_and_sec1_keys_are_served_and_encrypted_keys_refused() {
    if !have_openssl() {
        eprintln!("SKIPPED: no openssl command to make RSA and encrypted keys");
        return;
    }
    let pki = Pki::new("keys");
    let arg = |name: &str| pki.arg(name);
    // RSA (PKCS#8 as `openssl genpkey` writes it, and the traditional PKCS#1 form), and EC
    // in SEC1 form ("BEGIN EC PRIVATE KEY").
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &arg("rsa.key"),
    ]);
    pki.issue_for_key("rsa.pem", "rsa.key");
    openssl(&[
        "rsa",
        "-in",
        &arg("rsa.key"),
        "-traditional",
        "-out",
        &arg("rsa1.key"),
    ]);
    openssl(&["ec", "-in", &arg("server.key"), "-out", &arg("sec1.key")]);
    assert!(
        std::fs::read_to_string(pki.path("rsa1.key"))
            .unwrap()
            .contains("BEGIN RSA PRIVATE KEY")
    );
    assert!(
        std::fs::read_to_string(pki.path("sec1.key"))
            .unwrap()
            .contains("BEGIN EC PRIVATE KEY")
    );
    for (cert, key) in [
        ("rsa.pem", "rsa.key"),
        ("rsa.pem", "rsa1.key"),
        ("server.pem", "sec1.key"),
    ] {
        let config = ServerConfig::new(&pki.path(cert), &pki.path(key)).unwrap();
        let (port, server) = echo_once(config);
        let mut tls =
            TlsStream::connect("localhost", port, &trusting(&pki, "ca.pem"), LIMIT).unwrap();
        assert_eq!(echo_through(&mut tls, key.as_bytes()), key.as_bytes());
        tls.shutdown().unwrap();
        server.join().unwrap().unwrap();
    }
    // Encrypted: PKCS#8, and OpenSSL's traditional form.
    openssl(&[
        "pkey",
        "-in",
        &arg("server.key"),
        "-aes256",
        "-passout",
        "pass:secret",
        "-out",
        &arg("enc8.key"),
    ]);
    openssl(&[
        "ec",
        "-in",
        &arg("server.key"),
        "-aes256",
        "-passout",
        "pass:secret",
        "-out",
        &arg("enc1.key"),
    ]);
    for key in ["enc8.key", "enc1.key"] {
        let err = ServerConfig::new(&pki.path("server.pem"), &pki.path(key))
            .err()
            .unwrap();
        assert_eq!(err.code(), ErrorCode::EKEYENCRYPTED, "{key}");
    }
    let _ = Path::new("");
}
