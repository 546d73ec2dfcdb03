//! The server framework as a TLS server (`Server::set_tls`, `sockit_server_set_tls`): in each
//! blocking mode, 100 concurrent TLS clients echoed through a TLS handler and through stream
//! callbacks (the framework's echo), each ending with the server's close_notify; clients that
//! send plain HTTP, random bytes, or stop half way through the handshake do not stop the
//! server from serving a normal client; the event loop refuses TLS for now; the C functions'
//! argument errors and a C handler in-process; and `tls_echo_server` in each mode with
//! `tls_echo_client`.
#![cfg(sockit_tls_tests)]

#[path = "../support/mod.rs"]
mod support;

use std::ffi::{CString, c_void};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ptr;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sockit::ErrorCode;
use sockit::ffi::addr::sockit_addr;
use sockit::ffi::error::*;
use sockit::ffi::server::*;
use sockit::ffi::tls::{sockit_tls, sockit_tls_recv, sockit_tls_send_all};
use sockit::ffi::tls_config::*;
use sockit::ffi::tls_server::*;
use sockit::framing::Framing;
use sockit::server::{Conn, Framed, Handler, MessageHandler, Mode, Protocol};
use sockit::tls::{ClientConfig, ServerConfig, TlsStream};
use support::in_process::{loopback_server, start};
use support::tls_certs::Pki;
use support::waits::join_within;
use support::{Linkage, programs, run};

/// How long any one wait of a client or of a run may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

const CLIENTS: usize = 100;

const BLOCKING: [Mode; 3] = [Mode::Iterative, Mode::Threaded, Mode::Forking];

fn server_config(pki: &Pki) -> ServerConfig {
    ServerConfig::new(&pki.path("server.pem"), &pki.path("server.key")).unwrap()
}

fn trusting(pki: &Pki) -> Arc<ClientConfig> {
    let config = ClientConfig::new();
    config.trust_file(&pki.path("ca.pem")).unwrap();
    Arc::new(config)
}

/// A blocking TLS handler: echoes until the client's close_notify.
fn echo_tls(mut stream: TlsStream, _peer: Option<SocketAddr>) -> TlsStream {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.recv(&mut buf) {
        if n == 0 || stream.send_all(&buf[..n]).is_err() {
            break;
        }
    }
    stream
}

/// A TLS client's exchange: connects, sends bytes of its own, reads as many back, ends with a
/// close_notify and reads the server's. The bytes that came back.
fn exchange(port: u16, config: &ClientConfig, id: usize) -> Vec<u8> {
    let mut tls = TlsStream::connect("localhost", port, config, Some(LIMIT))
        .unwrap_or_else(|e| panic!("client {id}: {e}"));
    tls.socket().set_read_timeout(Some(LIMIT)).unwrap();
    let mine = mine(id);
    tls.send_all(&mine).unwrap();
    let mut back = vec![0u8; mine.len()];
    let mut got = 0;
    while got < back.len() {
        match tls.recv(&mut back[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("client {id} after {got} bytes: {e}"),
        }
    }
    back.truncate(got);
    tls.shutdown().unwrap();
    let mut rest = [0u8; 16];
    assert_eq!(
        tls.recv(&mut rest).map_err(|e| e.code()),
        Ok(0),
        "client {id}: the server ends with a close_notify"
    );
    back
}

/// What client `id` sends: its own bytes, some 20 KB (more than a record).
fn mine(id: usize) -> Vec<u8> {
    format!("client {id} says hello; ").repeat(800).into_bytes()
}

/// `CLIENTS` clients at once, each echoed its own bytes.
fn many_clients_are_echoed(port: u16, config: &Arc<ClientConfig>, what: &str) {
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let config = Arc::clone(config);
            thread::spawn(move || (id, exchange(port, &config, id)))
        })
        .collect();
    for client in clients {
        let (id, back) = join_within(client, LIMIT, what);
        assert!(
            back == mine(id),
            "{what}: client {id} got its own bytes back"
        );
    }
}

/// A TLS server in `mode` (the event loop on `threads` threads) with `handler`, run on a
/// thread; serves `check`, then is stopped.
fn serve_tls(
    pki: &Pki,
    mode: Mode,
    threads: usize,
    handler: Handler,
    idle: Option<Duration>,
    check: impl Fn(u16),
) {
    let server = loopback_server(Protocol::Tcp, mode);
    server.set_tls(&server_config(pki)).unwrap();
    if mode == Mode::EventLoop {
        server.set_threads(threads).unwrap();
    }
    server.set_handler(handler).unwrap();
    server.set_idle_timeout(idle).unwrap();
    let running = start(&server);
    check(server.local_addr().unwrap().port());
    server.stop();
    let result = join_within(running, LIMIT, "the run to end after the stop");
    assert!(result.is_ok(), "{mode:?}: {result:?}");
}

#[test]
fn a_tls_handler_echoes_100_concurrent_clients_in_every_blocking_mode() {
    let pki = Pki::new("server-handler");
    let config = trusting(&pki);
    for mode in BLOCKING.into_iter().filter(|m| m.is_supported()) {
        let handler = Handler::Tls(Arc::new(echo_tls));
        serve_tls(&pki, mode, 1, handler, None, |port| {
            many_clients_are_echoed(port, &config, mode.name())
        });
    }
}

#[test]
fn stream_callbacks_see_plaintext_in_every_mode() {
    let pki = Pki::new("server-echo");
    let config = trusting(&pki);
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let handler = sockit::server::echo_handler(Protocol::Tcp);
        serve_tls(&pki, mode, 1, handler, None, |port| {
            many_clients_are_echoed(port, &config, mode.name())
        });
    }
    // The event loop on several threads, each with its own socket on the port (Linux only:
    // elsewhere the system cannot spread one port's connections over sockets, and
    // `set_threads` refuses more than one; tests/server/threads.rs checks that refusal).
    if cfg!(target_os = "linux") {
        let handler = sockit::server::echo_handler(Protocol::Tcp);
        serve_tls(&pki, Mode::EventLoop, 4, handler, None, |port| {
            many_clients_are_echoed(port, &config, "event loop on 4 threads")
        });
    }
}

/// Message handlers too: each line of a TLS client comes back whole, in every mode.
#[test]
fn a_message_handler_reads_whole_lines_over_tls() {
    struct Upper;
    impl MessageHandler for Upper {
        fn on_message(
            &self,
            conn: &mut dyn Conn,
            framing: &Framing,
            message: &[u8],
            status: sockit::Result<()>,
        ) {
            if status.is_ok() {
                let _ = conn.write(&framing.encode(&message.to_ascii_uppercase()).unwrap());
            }
        }
    }
    let pki = Pki::new("server-lines");
    let config = trusting(&pki);
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let framing = Framing::delimited(b"\n", 100).unwrap();
        let handler = Handler::Stream(Arc::new(Framed::new(framing, Arc::new(Upper))));
        serve_tls(&pki, mode, 1, handler, None, |port| {
            let mut tls = TlsStream::connect("localhost", port, &config, Some(LIMIT)).unwrap();
            tls.socket().set_read_timeout(Some(LIMIT)).unwrap();
            for chunk in [&b"one\ntw"[..], b"o\nthree", b"\n"] {
                tls.send_all(chunk).unwrap();
            }
            let mut back = vec![0u8; 14];
            let mut got = 0;
            while got < back.len() {
                got += tls.recv(&mut back[got..]).unwrap();
            }
            assert_eq!(&back, b"ONE\nTWO\nTHREE\n", "{mode:?}");
            tls.shutdown().unwrap();
        });
    }
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
    join_within(client, LIMIT, "the client whose hello was taken");
    hello
}

/// A plain TCP client of the server.
fn connect(port: u16) -> TcpStream {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(LIMIT)).unwrap();
    tcp
}

/// Reads until the server closes the connection; fails the test if it never does.
fn closed_by_server(mut tcp: TcpStream, what: &str) -> Vec<u8> {
    let mut reply = Vec::new();
    match tcp.read_to_end(&mut reply) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("{what}: the server did not close the connection: {e}"),
    }
    reply
}

#[test]
fn hostile_clients_do_not_stop_a_tls_server_from_serving() {
    let pki = Pki::new("server-hostile");
    let config = trusting(&pki);
    let hello = client_hello();
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let handler = match mode {
            Mode::EventLoop => sockit::server::echo_handler(Protocol::Tcp),
            _ => Handler::Tls(Arc::new(echo_tls)),
        };
        // The idle timeout bounds each handshake: short, so that a stalled one ends soon.
        let idle = Some(Duration::from_secs(1));
        serve_tls(&pki, mode, 1, handler, idle, |port| {
            let mut http = connect(port);
            http.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let reply = closed_by_server(http, "plain HTTP");
            assert!(!reply.windows(4).any(|w| w == b"HTTP"), "no HTTP answer");
            let mut noise = connect(port);
            noise.write_all(&random).unwrap();
            closed_by_server(noise, "random bytes");
            // A handshake that stops half way; a normal client is served meanwhile (in
            // iterative mode once the stalled handshake has run out of time).
            let mut stalled = connect(port);
            stalled.write_all(&hello[..60]).unwrap();
            assert_eq!(exchange(port, &config, 1), mine(1), "{mode:?}");
            closed_by_server(stalled, "the stalled handshake");
            // A client that leaves during the handshake.
            let mut leaving = connect(port);
            leaving.write_all(&hello[..60]).unwrap();
            leaving.shutdown(Shutdown::Write).unwrap();
            closed_by_server(leaving, "the client that left");
            assert_eq!(exchange(port, &config, 2), mine(2), "{mode:?}");
        });
    }
}

#[test]
fn the_handler_must_fit_a_tls_server() {
    let pki = Pki::new("server-fit");
    let config = server_config(&pki);
    // A TLS server's handler never gets the encrypted socket; a TLS handler needs TLS.
    let server = loopback_server(Protocol::Tcp, Mode::Threaded);
    server.set_tls(&config).unwrap();
    server
        .set_handler(Handler::Tcp(Arc::new(|_: &socket2::Socket, _| {})))
        .unwrap();
    assert_eq!(server.run().unwrap_err().code(), ErrorCode::EINVAL);
    let server = loopback_server(Protocol::Tcp, Mode::Threaded);
    server
        .set_handler(Handler::Tls(Arc::new(echo_tls)))
        .unwrap();
    assert_eq!(server.run().unwrap_err().code(), ErrorCode::EINVAL);
    // ... and then both set, it runs.
    server.set_tls(&config).unwrap();
    server.stop();
    assert!(server.run().is_ok());
    // UDP has no TLS; the event loop takes no blocking handler.
    let udp = loopback_server(Protocol::Udp, Mode::Threaded);
    assert_eq!(udp.set_tls(&config).unwrap_err().code(), ErrorCode::EINVAL);
    let event_loop = loopback_server(Protocol::Tcp, Mode::EventLoop);
    let refused = event_loop.set_handler(Handler::Tls(Arc::new(echo_tls)));
    assert_eq!(refused.unwrap_err().code(), ErrorCode::EINVAL);
    // The configuration is fixed once a server has it; a server that has run takes none.
    assert_eq!(
        server.set_tls(&config).unwrap_err().code(),
        ErrorCode::EALREADY
    );
    assert_eq!(
        config.alpn(vec![b"h2".to_vec()]).unwrap_err().code(),
        ErrorCode::EBUSY
    );
}

/// A C handler: echoes through the sockit_tls calls until the client's close_notify.
unsafe extern "C" fn c_echo(tls: *mut sockit_tls, peer: *const sockit_addr, user: *mut c_void) {
    assert!(!peer.is_null() && user.is_null());
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: the stream the server lent for this call; the buffer is ours.
        let n = unsafe { sockit_tls_recv(tls, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
        let len = usize::try_from(n).unwrap();
        // SAFETY: as above.
        if unsafe { sockit_tls_send_all(tls, buf.as_ptr().cast(), len) } != n {
            return;
        }
    }
}

/// A server made through the C functions, to run on another thread.
struct CServer(*mut sockit_server);
// SAFETY: sockit_server_run and sockit_server_stop may be called from any thread.
unsafe impl Send for CServer {}
// SAFETY: as above.
unsafe impl Sync for CServer {}

#[test]
fn the_c_functions_check_their_arguments_and_serve_with_a_c_handler() {
    let pki = Pki::new("server-c");
    let (cert, key) = (
        CString::new(pki.arg("server.pem")).unwrap(),
        CString::new(pki.arg("server.key")).unwrap(),
    );
    // SAFETY: every pointer is NULL or valid for the call; the objects are freed once.
    unsafe {
        let mut config = ptr::null_mut();
        assert_eq!(
            sockit_tls_server_config_new(cert.as_ptr(), key.as_ptr(), &mut config),
            SOCKIT_OK
        );
        let mut server = ptr::null_mut();
        assert_eq!(
            sockit_server_new(
                SOCKIT_TCP,
                c"127.0.0.1".as_ptr(),
                0,
                SOCKIT_THREADED,
                &mut server
            ),
            SOCKIT_OK
        );
        assert_eq!(
            sockit_server_set_tls(ptr::null_mut(), config),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_server_set_tls(server, ptr::null()), SOCKIT_EINVAL);
        assert_eq!(
            sockit_server_set_tls_handler(ptr::null_mut(), Some(c_echo), ptr::null_mut()),
            SOCKIT_EINVAL
        );
        assert_eq!(
            sockit_server_set_tls_handler(server, None, ptr::null_mut()),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_server_set_tls(server, config), SOCKIT_OK);
        // The server keeps what it needs: the program may free its configuration now.
        sockit_tls_server_config_free(config);
        assert_eq!(
            sockit_server_set_tls_handler(server, Some(c_echo), ptr::null_mut()),
            SOCKIT_OK
        );
        let port = u16::try_from(sockit_server_port(server)).unwrap();
        let c_server = Arc::new(CServer(server));
        let running = {
            let c_server = Arc::clone(&c_server);
            thread::spawn(move || {
                let c_server = c_server;
                sockit_server_run(c_server.0)
            })
        };
        let client = trusting(&pki);
        for id in 0..10 {
            assert_eq!(exchange(port, &client, id), mine(id));
        }
        assert_eq!(sockit_server_stop(c_server.0), SOCKIT_OK);
        assert_eq!(join_within(running, LIMIT, "the C server's run"), SOCKIT_OK);

        // After the run, as the other setters.
        let mut config = ptr::null_mut();
        assert_eq!(
            sockit_tls_server_config_new(cert.as_ptr(), key.as_ptr(), &mut config),
            SOCKIT_OK
        );
        assert_eq!(sockit_server_set_tls(server, config), SOCKIT_EALREADY);
        let alpn = c"http/1.1".as_ptr();
        assert_eq!(
            sockit_tls_server_config_alpn(config, alpn),
            SOCKIT_OK,
            "a refused call leaves the configuration a draft"
        );
        assert_eq!(
            sockit_server_set_tls_handler(server, Some(c_echo), ptr::null_mut()),
            SOCKIT_EALREADY
        );
        sockit_server_free(server);

        // A UDP server has no TLS; the event loop serves it with stream callbacks.
        let mut udp = ptr::null_mut();
        assert_eq!(
            sockit_server_new(
                SOCKIT_UDP,
                c"127.0.0.1".as_ptr(),
                0,
                SOCKIT_THREADED,
                &mut udp
            ),
            SOCKIT_OK
        );
        assert_eq!(sockit_server_set_tls(udp, config), SOCKIT_EINVAL);
        sockit_server_free(udp);
        let mut looped = ptr::null_mut();
        assert_eq!(
            sockit_server_new(
                SOCKIT_TCP,
                c"127.0.0.1".as_ptr(),
                0,
                SOCKIT_EVENT_LOOP,
                &mut looped
            ),
            SOCKIT_OK
        );
        assert_eq!(sockit_server_set_tls(looped, config), SOCKIT_OK);
        assert_eq!(
            sockit_tls_server_config_alpn(config, alpn),
            SOCKIT_EBUSY,
            "the server fixed it"
        );
        assert_eq!(sockit_server_set_echo(looped), SOCKIT_OK);
        assert_eq!(
            sockit_server_set_tls_handler(looped, Some(c_echo), ptr::null_mut()),
            SOCKIT_EINVAL,
            "the event loop takes no blocking handler"
        );
        let port = u16::try_from(sockit_server_port(looped)).unwrap();
        let c_server = Arc::new(CServer(looped));
        let running = {
            let c_server = Arc::clone(&c_server);
            thread::spawn(move || {
                let c_server = c_server;
                sockit_server_run(c_server.0)
            })
        };
        assert_eq!(exchange(port, &client, 7), mine(7));
        assert_eq!(sockit_server_stop(c_server.0), SOCKIT_OK);
        assert_eq!(join_within(running, LIMIT, "the C loop's run"), SOCKIT_OK);
        sockit_server_free(looped);
        sockit_tls_server_config_free(config);
    }
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn tls_echo_server_serves_in_every_mode_with_the_same_lines() {
    let pki = Pki::new("server-programs");
    let ca = pki.arg("ca.pem");
    let client = programs().path("tls_echo_client", Linkage::Static);
    let modes = Mode::ALL.into_iter().filter(|m| m.is_supported());
    for mode in modes.map(Mode::name) {
        for linkage in Linkage::BOTH {
            let server = support::Server::start(
                &programs().path("tls_echo_server", linkage),
                &["0", &pki.arg("server.pem"), &pki.arg("server.key"), mode],
            );
            for word in ["hello", "again"] {
                let port = server.port().to_string();
                let output = run(&client, &["127.0.0.1", word, &port, &ca], LIMIT);
                assert!(
                    output.status.success() && stdout(&output) == format!("Received: {word}\n"),
                    "{mode}: {output:?}"
                );
            }
            let lines = server.stdout_lines_when(2);
            assert_eq!(
                lines,
                ["Client connected: 127.0.0.1", "Client connected: 127.0.0.1"],
                "{mode}"
            );
        }
    }
    // Mutual TLS in a mode: a client without a certificate is dropped, and the server goes on.
    let mut mutual = support::Server::start(
        &programs().path("tls_echo_server", Linkage::Static),
        &[
            "0",
            &pki.arg("server.pem"),
            &pki.arg("server.key"),
            &ca,
            "threaded",
        ],
    );
    let port = mutual.port().to_string();
    let output = run(&client, &["127.0.0.1", "secret", &port, &ca], LIMIT);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(!stdout(&output).contains("secret"), "no data flowed");
    assert!(mutual.is_running());
}
