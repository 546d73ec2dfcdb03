//! TLS on the event loop's connections, through the rlib: a TLS listener serving 100 loop
//! clients at once, a loop client against a blocking TLS server, verification failures
//! reported to on_connect with no data flowing, handshake deadlines, hostile bytes,
//! truncation, close_notify, STARTTLS, writes made during the handshake and a large
//! transfer under back-pressure.
#![cfg(sockit_tls_tests)]

#[path = "../support/mod.rs"]
mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use socket2::Socket;
use sockit::event_loop::{Handle, Loop, StreamEvents};
use sockit::net::socket::Bind;
use sockit::tls::{ClientConfig, ServerConfig, ServerSessions, Session, TlsStream};
use sockit::{ErrorCode, Result};
use support::loop_log::{Client, Log, code};
use support::run_loop_until;
use support::tls_certs::Pki;

const LIMIT: Option<Duration> = Some(Duration::from_secs(10));

fn sessions(pki: &Pki, name: &str) -> ServerSessions {
    let config = ServerConfig::new(
        &pki.path(&format!("{name}.pem")),
        &pki.path(&format!("{name}.key")),
    )
    .unwrap();
    ServerSessions::new(&config).unwrap()
}

fn trusting(pki: &Pki) -> ClientConfig {
    let config = ClientConfig::new();
    config.trust_file(&pki.path("ca.pem")).unwrap();
    config
}

/// Echoes what arrives, pausing reading while its queue is full; logs every callback and
/// the TLS version of each connection.
struct Echo(Rc<Log>);

impl StreamEvents for Echo {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        let version = lp
            .with_tls_session(conn, |s| s.and_then(Session::version))
            .unwrap_or(None);
        self.0
            .push(format!("connect {} {:?}", code(status), version));
    }
    fn on_data(&self, lp: &Loop, conn: Handle, _: usize, bytes: &[u8]) {
        lp.write(conn, bytes).unwrap();
    }
    fn on_queue_full(&self, lp: &Loop, conn: Handle, _: usize, _: usize) {
        lp.pause_reading(conn, true).unwrap();
    }
    fn on_drain(&self, lp: &Loop, conn: Handle, _: usize) {
        lp.pause_reading(conn, false).unwrap();
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.0.push("eof".into());
        lp.close(conn).unwrap();
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("close {}", code(status)));
    }
}

fn tls_echo_listener(lp: &Loop, pki: &Pki, log: &Rc<Log>, timeout: Option<Duration>) -> u16 {
    presenting(lp, pki, "server", log, timeout).1
}

/// A TLS echo listener presenting the certificate `cert`: its handle and port.
fn presenting(
    lp: &Loop,
    pki: &Pki,
    cert: &str,
    log: &Rc<Log>,
    timeout: Option<Duration>,
) -> (Handle, u16) {
    let listener = lp
        .listen(Bind::Host("127.0.0.1", 0), Rc::new(Echo(Rc::clone(log))), 0)
        .unwrap();
    lp.tls_server(listener, &sessions(pki, cert), timeout)
        .unwrap();
    (listener, lp.local_addr(listener).unwrap().unwrap().port())
}

/// A loop client that writes its word once connected, half-closes, and keeps the echo.
struct Sender {
    log: Rc<Log>,
    word: Vec<u8>,
}

impl StreamEvents for Sender {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("connect {}", code(status)));
        if lp.write(conn, &self.word).is_ok() {
            lp.shutdown(conn).unwrap();
        }
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        self.log.received.borrow_mut().extend_from_slice(bytes);
    }
    fn on_eof(&self, _: &Loop, _: Handle, _: usize) {
        self.log.push("eof".into());
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("close {}", code(status)));
    }
}

fn tls_connect(
    lp: &Loop,
    port: u16,
    config: &ClientConfig,
    host: &str,
    events: Rc<dyn StreamEvents>,
) -> Handle {
    let conn = lp.connect("127.0.0.1", port, LIMIT, events, 0).unwrap();
    lp.tls_client(conn, config, host, LIMIT).unwrap();
    conn
}

#[test]
fn a_tls_listener_serves_100_loop_clients_at_once_each_its_own_bytes() {
    let pki = Pki::new("loop100");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let port = tls_echo_listener(&lp, &pki, &server_log, LIMIT);
    let config = trusting(&pki);
    let clients: Vec<(Rc<Log>, Vec<u8>)> = (0..100)
        .map(|i| {
            let log = Rc::new(Log::default());
            let word = format!("client {i} says hello over TLS; ").repeat(i + 1);
            let events = Rc::new(Sender {
                log: Rc::clone(&log),
                word: word.clone().into_bytes(),
            });
            tls_connect(&lp, port, &config, "localhost", events);
            (log, word.into_bytes())
        })
        .collect();
    run_loop_until(&lp, || clients.iter().all(|(log, _)| log.has("close ok")));
    for (log, word) in &clients {
        assert_eq!(*log.received.borrow(), *word);
        assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
    }
    run_loop_until(&lp, || server_log.count("close ok") == 100);
    assert_eq!(server_log.count("connect ok Some(\"TLSv1.3\")"), 100);
}

#[test]
fn a_loop_client_talks_to_a_blocking_tls_server_and_sees_its_close_notify() {
    let pki = Pki::new("loopclient");
    let config = ServerConfig::new(&pki.path("server.pem"), &pki.path("server.key")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut tls = TlsStream::new(Socket::from(tcp), Session::server(&config).unwrap());
        tls.handshake_within(LIMIT).unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tls.recv(&mut buf).unwrap() {
                0 => break,
                n => all.extend_from_slice(&buf[..n]),
            }
        }
        tls.send_all(b"bye").unwrap();
        tls.shutdown().unwrap();
        all
    });
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(Sender {
        log: Rc::clone(&log),
        word: b"hello from the loop".to_vec(),
    });
    tls_connect(&lp, port, &trusting(&pki), "localhost", events);
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(server.join().unwrap(), b"hello from the loop");
    assert_eq!(*log.received.borrow(), b"bye");
    assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
}

#[test]
fn certificates_that_do_not_verify_fail_on_connect_with_their_code_and_no_data_flows() {
    let pki = Pki::new("loopverify");
    let lp = Loop::new().unwrap();
    for (cert, host, expected) in [
        ("wrong_name", "localhost", "ECERTNAME"),
        ("other_server", "localhost", "ECERTUNTRUSTED"),
        ("expired", "localhost", "ECERTEXPIRED"),
        ("self_signed", "localhost", "ECERTUNTRUSTED"),
        ("ip_only", "localhost", "ECERTNAME"),
    ] {
        let server_log = Rc::new(Log::default());
        let (listener, port) = presenting(&lp, &pki, cert, &server_log, LIMIT);
        let log = Rc::new(Log::default());
        let events = Rc::new(Sender {
            log: Rc::clone(&log),
            word: b"secret".to_vec(),
        });
        tls_connect(&lp, port, &trusting(&pki), host, events);
        run_loop_until(&lp, || log.lines.borrow().len() == 2);
        assert_eq!(
            *log.lines.borrow(),
            [format!("connect {expected}"), format!("close {expected}")],
            "{cert}"
        );
        // The server heard the client's alert; it never had a connection, nor the secret.
        run_loop_until(&lp, || server_log.lines.borrow().len() == 2);
        assert_eq!(
            *server_log.lines.borrow(),
            ["connect ETLSALERT None", "close ETLSALERT"],
            "{cert}"
        );
        assert!(log.received.borrow().is_empty());
        lp.close(listener).unwrap();
    }
    // The same certificate with an IP address checks the address.
    let server_log = Rc::new(Log::default());
    let (_, port) = presenting(&lp, &pki, "ip_only", &server_log, LIMIT);
    let log = Rc::new(Log::default());
    let events = Rc::new(Sender {
        log: Rc::clone(&log),
        word: b"by address".to_vec(),
    });
    tls_connect(&lp, port, &trusting(&pki), "127.0.0.1", events);
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(*log.received.borrow(), b"by address");
}

/// Connects a plain TCP client to `port` and sends `bytes` (none: it stays silent).
fn raw_client(port: u16, bytes: &[u8]) -> TcpStream {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.write_all(bytes).unwrap();
    tcp
}

#[test]
fn hostile_peers_are_dropped_and_a_normal_client_is_served_meanwhile() {
    let pki = Pki::new("loophostile");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    // A deadline long enough for a normal handshake on a loaded machine, short for a test.
    let port = tls_echo_listener(&lp, &pki, &server_log, Some(Duration::from_secs(2)));
    // Plaintext HTTP, random bytes, a ClientHello cut short and left there, and silence.
    let mut random = vec![0u8; 4096];
    let mut x: u32 = 0x9e37_79b9;
    for b in random.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    let hello_start = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    let mut hostile = [
        raw_client(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        raw_client(port, &random),
        raw_client(port, &hello_start),
        raw_client(port, b""),
    ];
    let log = Rc::new(Log::default());
    let events = Rc::new(Sender {
        log: Rc::clone(&log),
        word: b"still served".to_vec(),
    });
    tls_connect(&lp, port, &trusting(&pki), "localhost", events);
    run_loop_until(&lp, || {
        log.has("close ok") && server_log.lines.borrow().len() >= 2 * 4 + 3
    });
    assert_eq!(*log.received.borrow(), b"still served");
    let lines = server_log.lines.borrow().clone();
    // The two that spoke nonsense are refused at once; the cut and the silent ones time out.
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "connect ETLSPROTOCOL None")
            .count(),
        2,
        "{lines:?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "connect ETIMEDOUT None")
            .count(),
        2,
        "{lines:?}"
    );
    // Each hostile peer finds its connection closed.
    for tcp in &mut hostile {
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut sink = Vec::new();
        let _ = tcp.read_to_end(&mut sink);
    }
}

#[test]
fn a_peer_that_cuts_the_stream_without_close_notify_is_etruncated_not_an_end() {
    let pki = Pki::new("looptrunc");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let port = tls_echo_listener(&lp, &pki, &server_log, LIMIT);
    let config = trusting(&pki);
    let client = thread::spawn(move || {
        let mut tls = TlsStream::connect("localhost", port, &config, LIMIT).unwrap();
        tls.send_all(b"cut").unwrap();
        let mut back = [0u8; 3];
        assert_eq!(tls.recv(&mut back).unwrap(), 3);
        // Dropped without shutdown: the TCP connection ends with no close_notify.
    });
    run_loop_until(&lp, || {
        client.is_finished() && server_log.lines.borrow().len() == 2
    });
    client.join().unwrap();
    assert_eq!(
        *server_log.lines.borrow(),
        ["connect ok Some(\"TLSv1.3\")", "close ETRUNCATED"]
    );
}

/// A line protocol that switches to TLS: the client sends "STARTTLS\n", the server answers
/// "GO\n" and both start TLS; then an echo.
struct StartTls {
    log: Rc<Log>,
    server: Option<ServerSessions>,
    client: Option<ClientConfig>,
    started: Cell<bool>,
}

impl StreamEvents for StartTls {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        let tls = lp
            .with_tls_session(conn, |s| s.and_then(Session::version))
            .unwrap();
        self.log.push(format!("connect {} {tls:?}", code(status)));
        if self.client.is_some() && tls.is_none() {
            lp.write(conn, b"STARTTLS\n").unwrap();
        } else if self.client.is_some() {
            lp.write(conn, b"private").unwrap();
            lp.shutdown(conn).unwrap();
        }
    }
    fn on_data(&self, lp: &Loop, conn: Handle, _: usize, bytes: &[u8]) {
        if !self.started.replace(true) {
            if let Some(sessions) = &self.server {
                assert_eq!(bytes, b"STARTTLS\n");
                lp.write(conn, b"GO\n").unwrap();
                lp.tls_server(conn, sessions, LIMIT).unwrap();
            } else if let Some(config) = &self.client {
                assert_eq!(bytes, b"GO\n");
                lp.tls_client(conn, config, "localhost", LIMIT).unwrap();
            }
            return;
        }
        if self.server.is_some() {
            lp.write(conn, bytes).unwrap();
        } else {
            self.log.received.borrow_mut().extend_from_slice(bytes);
        }
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.log.push("eof".into());
        if self.server.is_some() {
            lp.close(conn).unwrap();
        }
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("close {}", code(status)));
    }
}

#[test]
fn starttls_upgrades_an_open_connection_on_both_sides() {
    let pki = Pki::new("loopstarttls");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::new(StartTls {
                log: Rc::clone(&server_log),
                server: Some(sessions(&pki, "server")),
                client: None,
                started: Cell::new(false),
            }),
            0,
        )
        .unwrap();
    let port = lp.local_addr(listener).unwrap().unwrap().port();
    let log = Rc::new(Log::default());
    let client = Rc::new(StartTls {
        log: Rc::clone(&log),
        server: None,
        client: Some(trusting(&pki)),
        started: Cell::new(false),
    });
    lp.connect("127.0.0.1", port, LIMIT, client, 0).unwrap();
    run_loop_until(&lp, || log.has("close ok") && server_log.has("close ok"));
    assert_eq!(*log.received.borrow(), b"private");
    assert_eq!(
        *log.lines.borrow(),
        [
            "connect ok None",
            "connect ok Some(\"TLSv1.3\")",
            "eof",
            "close ok"
        ]
    );
    assert_eq!(
        *server_log.lines.borrow(),
        [
            "connect ok None",
            "connect ok Some(\"TLSv1.3\")",
            "eof",
            "close ok"
        ]
    );
}

#[test]
fn a_silent_server_times_out_the_client_handshake() {
    let pki = Pki::new("loopslow");
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let conn = lp
        .connect(
            "127.0.0.1",
            port,
            LIMIT,
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
    lp.tls_client(
        conn,
        &trusting(&pki),
        "localhost",
        Some(Duration::from_millis(200)),
    )
    .unwrap();
    run_loop_until(&lp, || log.lines.borrow().len() == 2);
    assert_eq!(
        *log.lines.borrow(),
        ["connect ETIMEDOUT", "close ETIMEDOUT"]
    );
    drop(silent);
}

#[test]
fn tls_calls_refuse_what_cannot_take_them() {
    let pki = Pki::new("looprefuse");
    let lp = Loop::new().unwrap();
    let config = trusting(&pki);
    let server = sessions(&pki, "server");
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::new(Client(Rc::new(Log::default()))),
            0,
        )
        .unwrap();
    let code_of = |r: Result<()>| r.unwrap_err().code();
    assert_eq!(
        code_of(lp.tls_client(listener, &config, "localhost", LIMIT)),
        ErrorCode::EINVAL
    );
    let timer = lp
        .timer(Duration::from_secs(60), None, Box::new(|_: &Loop, _| {}))
        .unwrap();
    assert_eq!(
        code_of(lp.tls_server(timer, &server, LIMIT)),
        ErrorCode::ENOTSOCK
    );
    let port = lp.local_addr(listener).unwrap().unwrap().port();
    let conn = lp
        .connect(
            "127.0.0.1",
            port,
            LIMIT,
            Rc::new(Client(Rc::new(Log::default()))),
            0,
        )
        .unwrap();
    lp.tls_client(conn, &config, "localhost", LIMIT).unwrap();
    assert_eq!(
        code_of(lp.tls_client(conn, &config, "localhost", LIMIT)),
        ErrorCode::EALREADY
    );
    assert_eq!(
        code_of(lp.tls_client(conn, &config, "not a name!", LIMIT)),
        ErrorCode::EINVAL
    );
    lp.close(conn).unwrap();
    lp.close(timer).unwrap();
    assert_eq!(
        code_of(lp.tls_server(timer, &server, LIMIT)),
        ErrorCode::EBADF
    );
}

/// Sends `total` bytes of a pattern as fast as the queue allows, then half-closes; checks
/// what comes back against the pattern.
struct Pump {
    total: usize,
    sent: Cell<usize>,
    back: Cell<usize>,
    wrong: Cell<bool>,
    log: Rc<Log>,
}

fn pattern(at: usize) -> u8 {
    (at % 251) as u8
}

impl Pump {
    fn fill(&self, lp: &Loop, conn: Handle) {
        while self.sent.get() < self.total {
            let n = (16 * 1024).min(self.total - self.sent.get());
            let piece: Vec<u8> = (0..n).map(|i| pattern(self.sent.get() + i)).collect();
            match lp.write(conn, &piece) {
                Ok(()) => self.sent.set(self.sent.get() + n),
                Err(err) if err.code() == ErrorCode::ENOBUFS => return,
                Err(err) => panic!("write: {err:?}"),
            }
        }
        lp.shutdown(conn).unwrap();
    }
}

impl StreamEvents for Pump {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        status.unwrap();
        self.fill(lp, conn);
    }
    fn on_drain(&self, lp: &Loop, conn: Handle, _: usize) {
        if self.sent.get() < self.total {
            self.fill(lp, conn);
        }
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        let at = self.back.get();
        if bytes.iter().enumerate().any(|(i, &b)| b != pattern(at + i)) {
            self.wrong.set(true);
        }
        self.back.set(at + bytes.len());
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("close {}", code(status)));
    }
}

#[test]
fn thirty_two_mebibytes_echo_intact_through_tls_with_bounded_queues() {
    let pki = Pki::new("loopbulk");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let port = tls_echo_listener(&lp, &pki, &server_log, LIMIT);
    let log = Rc::new(Log::default());
    let pump = Rc::new(Pump {
        total: 32 << 20,
        sent: Cell::new(0),
        back: Cell::new(0),
        wrong: Cell::new(false),
        log: Rc::clone(&log),
    });
    let conn = tls_connect(&lp, port, &trusting(&pki), "localhost", pump.clone());
    let peak = RefCell::new(0);
    run_loop_until(&lp, || {
        if let Ok(queued) = lp.queued(conn) {
            let mut peak = peak.borrow_mut();
            *peak = (*peak).max(queued);
        }
        log.has("close ok")
    });
    assert_eq!(pump.back.get(), 32 << 20);
    assert!(!pump.wrong.get(), "the echo differs from what was sent");
    // The queue bound holds with TLS: 1 MiB plus one write (and its records' overhead).
    assert!(
        *peak.borrow() <= (1 << 20) + 17 * 1024 + 1024,
        "{}",
        peak.borrow()
    );
}

#[test]
fn the_address_of_a_tls_connection_is_its_peers() {
    let pki = Pki::new("loopaddr");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let port = tls_echo_listener(&lp, &pki, &server_log, LIMIT);
    let log = Rc::new(Log::default());
    let conn = tls_connect(
        &lp,
        port,
        &trusting(&pki),
        "localhost",
        Rc::new(Client(Rc::clone(&log))),
    );
    run_loop_until(&lp, || log.has("connect ok"));
    let peer: SocketAddr = lp.peer(conn).unwrap().unwrap();
    assert_eq!(peer.port(), port);
    let subject = lp
        .with_tls_session(conn, |s| s.and_then(Session::peer_subject))
        .unwrap();
    assert_eq!(subject.as_deref(), Some("CN=localhost, O=sockit tests"));
    lp.close(conn).unwrap();
    run_loop_until(&lp, || log.has("close ok"));
}

/// Greets each connection as soon as its handshake is done.
struct Greeter;

impl StreamEvents for Greeter {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        if status.is_ok() {
            lp.write(conn, b"welcome\n").unwrap();
        }
    }
}

#[test]
fn a_blocking_client_reads_what_the_loop_server_writes_first() {
    let pki = Pki::new("loopgreet");
    let lp = Loop::new().unwrap();
    let listener = lp
        .listen(Bind::Host("127.0.0.1", 0), Rc::new(Greeter), 0)
        .unwrap();
    lp.tls_server(listener, &sessions(&pki, "server"), LIMIT)
        .unwrap();
    let port = lp.local_addr(listener).unwrap().unwrap().port();
    let config = trusting(&pki);
    let client = thread::spawn(move || {
        let mut tls = TlsStream::connect("localhost", port, &config, LIMIT).unwrap();
        tls.socket().set_read_timeout(LIMIT).unwrap();
        let mut got = [0u8; 8];
        let n = tls.recv(&mut got).unwrap();
        got[..n].to_vec()
    });
    run_loop_until(&lp, || client.is_finished());
    assert_eq!(client.join().unwrap(), b"welcome\n");
}

#[test]
fn an_adopted_socket_made_a_tls_client_hears_on_connect_once_after_the_handshake() {
    let pki = Pki::new("loopadopt");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let port = tls_echo_listener(&lp, &pki, &server_log, LIMIT);
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(Sender {
        log: Rc::clone(&log),
        word: b"adopted".to_vec(),
    });
    let conn = lp
        .adopt(Socket::from(tcp), events, 0)
        .map_err(|(_, err)| err)
        .unwrap();
    lp.tls_client(conn, &trusting(&pki), "localhost", LIMIT)
        .unwrap();
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(*log.received.borrow(), b"adopted");
    assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
}

/// Pauses reading as soon as the handshake is done; logs what comes after.
struct PausesOnConnect {
    log: Rc<Log>,
    conn: Cell<Option<Handle>>,
}

impl StreamEvents for PausesOnConnect {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("connect {}", code(status)));
        self.conn.set(Some(conn));
        lp.pause_reading(conn, true).unwrap();
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        self.log
            .push(format!("data {}", String::from_utf8_lossy(bytes)));
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.log.push("eof".into());
        lp.close(conn).unwrap();
    }
}

#[test]
fn what_came_with_the_handshake_waits_for_a_reader_that_paused_in_on_connect() {
    // The client's Finished, its word and its close_notify reach the server in one read (one
    // thread runs both ends): the word and then the end wait until reading resumes.
    let pki = Pki::new("loopheld");
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let server = Rc::new(PausesOnConnect {
        log: Rc::clone(&server_log),
        conn: Cell::new(None),
    });
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::clone(&server) as Rc<dyn StreamEvents>,
            0,
        )
        .unwrap();
    lp.tls_server(listener, &sessions(&pki, "server"), LIMIT)
        .unwrap();
    let port = lp.local_addr(listener).unwrap().unwrap().port();
    let log = Rc::new(Log::default());
    let events = Rc::new(Sender {
        log: Rc::clone(&log),
        word: b"early".to_vec(),
    });
    tls_connect(&lp, port, &trusting(&pki), "localhost", events);
    run_loop_until(&lp, || server_log.has("connect ok"));
    let rounds = support::loop_log::rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
    assert_eq!(*server_log.lines.borrow(), ["connect ok"]);
    lp.pause_reading(server.conn.get().unwrap(), false).unwrap();
    run_loop_until(&lp, || server_log.has("eof") && log.has("close ok"));
    assert_eq!(
        *server_log.lines.borrow(),
        ["connect ok", "data early", "eof"]
    );
}
