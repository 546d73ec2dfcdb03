//! TCP in the event loop's core, through the rlib: listen, connect (literal, name, refused,
//! unresolvable), write, close, abort, half-close, read pausing and the queue bound.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

#[path = "../support/mod.rs"]
mod support;

use sockit::event_loop::{Handle, Loop, StreamEvents};
use sockit::net::socket::Bind;
use sockit::{ErrorCode, Result};
use support::loop_log::{Client, Log, PausedReader, code, rounds_until_a_timer};
use support::run_loop_until;

const LIMIT: Duration = Duration::from_secs(20);

/// Echoes what arrives; logs every callback.
struct Echo(Rc<Log>);

impl StreamEvents for Echo {
    fn on_connect(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("connect {}", code(status)));
    }
    fn on_data(&self, lp: &Loop, conn: Handle, _: usize, bytes: &[u8]) {
        lp.write(conn, bytes).unwrap();
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.0.push("eof".into());
        lp.close(conn).unwrap();
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("close {}", code(status)));
    }
}

fn listen_echo(lp: &Loop, log: &Rc<Log>) -> (Handle, SocketAddr) {
    let listener = lp
        .listen(Bind::Host("127.0.0.1", 0), Rc::new(Echo(Rc::clone(log))), 0)
        .unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    (listener, addr)
}

#[test]
fn a_loop_connects_to_its_own_echo_listener_by_name_and_by_address() {
    let lp = Loop::new().unwrap();
    let server_log = Rc::new(Log::default());
    let (_, addr) = listen_echo(&lp, &server_log);
    for host in ["127.0.0.1", "localhost"] {
        let log = Rc::new(Log::default());
        let conn = lp
            .connect(
                host,
                addr.port(),
                Some(LIMIT),
                Rc::new(Client(Rc::clone(&log))),
                0,
            )
            .unwrap();
        assert_eq!(
            lp.write(conn, b"x").unwrap_err().code(),
            ErrorCode::ENOTCONN
        );
        run_loop_until(&lp, || log.has("connect ok"));
        lp.write(conn, b"hello, loop").unwrap();
        lp.shutdown(conn).unwrap();
        assert_eq!(
            lp.write(conn, b"late").unwrap_err().code(),
            ErrorCode::EPIPE
        );
        run_loop_until(&lp, || log.has("close ok"));
        assert_eq!(*log.received.borrow(), b"hello, loop");
        assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
        assert_eq!(lp.write(conn, b"x").unwrap_err().code(), ErrorCode::EBADF);
        assert_eq!(lp.close(conn).unwrap_err().code(), ErrorCode::EBADF);
    }
    run_loop_until(&lp, || server_log.lines.borrow().len() == 6);
}

#[test]
fn a_refused_or_unresolvable_connect_is_reported_then_closed() {
    let lp = Loop::new().unwrap();
    let refusing = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = refusing.local_addr().unwrap().port();
    drop(refusing);
    for (host, expected) in [
        ("127.0.0.1", "connect ECONNREFUSED"),
        ("no-such-host.invalid", "connect EAI_NONAME"),
    ] {
        let log = Rc::new(Log::default());
        lp.connect(host, port, Some(LIMIT), Rc::new(Client(Rc::clone(&log))), 0)
            .unwrap();
        run_loop_until(&lp, || log.lines.borrow().len() == 2);
        let close = expected.replace("connect", "close");
        assert_eq!(*log.lines.borrow(), [expected, close.as_str()], "{host}");
    }
    let log = Rc::new(Log::default());
    let bad = lp.connect("bad host", 7, None, Rc::new(Client(Rc::clone(&log))), 0);
    assert_eq!(bad.unwrap_err().code(), ErrorCode::EINVAL);
}

#[test]
fn closing_a_connect_in_progress_gives_it_up() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let conn = lp
        .connect(
            "localhost",
            9,
            Some(LIMIT),
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
    lp.close(conn).unwrap();
    lp.close(conn).unwrap();
    run_loop_until(&lp, || log.has("close ok"));
    // The resolver's late answer finds nothing to do.
    lp.run_once(Some(Duration::from_millis(50))).unwrap();
    assert_eq!(*log.lines.borrow(), ["close ok"]);
}

#[test]
fn a_full_queue_refuses_writes_until_it_drains_and_abort_resets_the_peer() {
    let lp = Loop::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Rc::new(Log::default());

    struct Bounded(Rc<Log>);
    impl StreamEvents for Bounded {
        fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, _: Result<()>) {
            lp.set_queue_limit(conn, 64 * 1024).unwrap();
            self.0.push("connect".into());
        }
        fn on_queue_full(&self, _: &Loop, _: Handle, _: usize, queued: usize) {
            self.0
                .push(format!("full at least 64 KiB: {}", queued >= 64 * 1024));
        }
        fn on_drain(&self, _: &Loop, _: Handle, _: usize) {
            self.0.push("drain".into());
        }
        fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
            self.0.push(format!("close {}", code(status)));
        }
    }
    let conn = lp
        .connect(
            "127.0.0.1",
            port,
            None,
            Rc::new(Bounded(Rc::clone(&log))),
            0,
        )
        .unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    run_loop_until(&lp, || log.has("connect"));
    // The peer does not read: the system's buffers fill, then the queue.
    let chunk = vec![7u8; 16 * 1024];
    let mut written = 0usize;
    let refused = loop {
        match lp.write(conn, &chunk) {
            Ok(()) => written += chunk.len(),
            Err(err) => break err.code(),
        }
        assert!(written < 512 * 1024 * 1024, "never refused");
    };
    assert_eq!(refused, ErrorCode::ENOBUFS);
    assert!(log.has("full at least 64 KiB: true"));
    assert!(lp.queued(conn).unwrap() >= 64 * 1024);
    // The peer reads everything: the queue drains.
    let reader = std::thread::spawn(move || {
        let mut got = vec![0u8; written];
        peer.read_exact(&mut got).unwrap();
        (peer, got.iter().all(|&b| b == 7))
    });
    run_loop_until(&lp, || log.has("drain"));
    let (mut peer, intact) = reader.join().unwrap();
    assert!(intact);
    lp.abort(conn).unwrap();
    assert_eq!(
        lp.write(conn, b"more").unwrap_err().code(),
        ErrorCode::ENOTCONN
    );
    run_loop_until(&lp, || log.has("close ok"));
    peer.set_read_timeout(Some(LIMIT)).unwrap();
    let mut rest = Vec::new();
    let end = peer.read_to_end(&mut rest);
    assert!(
        end.is_err() || rest.is_empty(),
        "an aborted connection sends nothing more"
    );
}

#[test]
fn paused_reading_leaves_bytes_with_the_peer_until_resumed() {
    let lp = Loop::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Rc::new(Log::default());
    let conn = lp
        .connect("127.0.0.1", port, None, Rc::new(Client(Rc::clone(&log))), 0)
        .unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    lp.pause_reading(conn, true).unwrap();
    peer.write_all(b"waiting").unwrap();
    for _ in 0..5 {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
    }
    assert!(log.received.borrow().is_empty(), "read while paused");
    lp.pause_reading(conn, false).unwrap();
    run_loop_until(&lp, || log.received.borrow().len() == 7);
    // The peer finishes: eof; the connection stays open until this side finishes too.
    peer.shutdown(Shutdown::Write).unwrap();
    run_loop_until(&lp, || log.has("eof"));
    lp.write(conn, b"bye").unwrap();
    lp.shutdown(conn).unwrap();
    run_loop_until(&lp, || log.has("close ok"));
    let mut bye = Vec::new();
    peer.read_to_end(&mut bye).unwrap();
    assert_eq!(bye, b"bye");
}

#[test]
fn an_adopted_socket_is_served_and_a_listening_one_is_refused() {
    let lp = Loop::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mine = TcpStream::connect(addr).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let log = Rc::new(Log::default());
    let conn = lp
        .adopt(
            socket2::Socket::from(mine),
            Rc::new(Echo(Rc::clone(&log))),
            0,
        )
        .map_err(|(_, err)| err)
        .unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    assert_eq!(lp.peer(conn).unwrap(), Some(addr));
    peer.write_all(b"ping").unwrap();
    peer.set_read_timeout(Some(LIMIT)).unwrap();
    let mut echo = [0u8; 4];
    let reading = std::thread::spawn(move || {
        peer.read_exact(&mut echo).unwrap();
        echo
    });
    run_loop_until(&lp, || reading.is_finished());
    assert_eq!(&reading.join().unwrap(), b"ping");
    // The peer went away with the thread: the echo closed the connection.
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(lp.peer(conn).unwrap_err().code(), ErrorCode::EBADF);
    let refused = lp.adopt(
        socket2::Socket::from(listener),
        Rc::new(Echo(Rc::clone(&log))),
        0,
    );
    let (_, err) = refused.map(|_| ()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ENOTCONN);
}

/// Logs each message and how the stream ended.
struct Lines(Rc<Log>);

impl StreamEvents for Lines {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, _: Result<()>) {
        let framing = sockit::framing::Framing::delimited(b"\n", 8).unwrap();
        lp.set_framing(conn, framing).unwrap();
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        self.0
            .push(format!("data {}", String::from_utf8_lossy(bytes)));
    }
    fn on_message(&self, _: &Loop, _: Handle, _: usize, message: &[u8], status: Result<()>) {
        let text = String::from_utf8_lossy(message);
        self.0.push(format!("message {} {text}", code(status)));
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.0.push("eof".into());
        lp.close(conn).unwrap();
    }
}

#[test]
fn a_framed_connection_gets_whole_messages_and_the_cut_last_one() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::new(Lines(Rc::clone(&log))),
            0,
        )
        .unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"one\ntw")
        .and_then(|()| client.flush())
        .unwrap();
    run_loop_until(&lp, || log.has("message ok one"));
    client
        .write_all(b"o\nmuch too long\nfour\ncut")
        .and_then(|()| client.shutdown(Shutdown::Write))
        .unwrap();
    run_loop_until(&lp, || log.has("eof"));
    assert_eq!(
        *log.lines.borrow(),
        [
            "message ok one",
            "message ok two",
            "message EMSGSIZE ",
            "message ok four",
            "message ETRUNCATED cut",
            "eof",
        ]
    );
}

/// Pauses reading at once (or, with `shut`, finishes sending too); logs every callback.
#[cfg(target_os = "linux")]
struct Paused {
    log: Rc<Log>,
    shut: bool,
}

#[cfg(target_os = "linux")]
impl StreamEvents for Paused {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("connect {}", code(status)));
        lp.pause_reading(conn, true).unwrap();
        if self.shut {
            lp.shutdown(conn).unwrap();
        }
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("close {}", code(status)));
    }
}

#[test]
fn bytes_a_peer_sent_before_it_closed_wait_for_a_paused_reader_that_shut_down() {
    // Our side shut down and reading paused; the peer sends, then closes: the system reports
    // the hang-up at once, but the bytes are the program's, delivered when it resumes.
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(PausedReader {
        log: Rc::clone(&log),
        shut: true,
        conn: std::cell::Cell::new(None),
    });
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::clone(&events) as Rc<dyn StreamEvents>,
            0,
        )
        .unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut peer = TcpStream::connect(addr).unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).unwrap();
    peer.write_all(b"sent before the close").unwrap();
    drop(peer);
    // The loop waits (the hang-up does not wake it over and over) and closes nothing.
    let rounds = rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
    assert_eq!(*log.lines.borrow(), ["connect ok"]);
    let conn = events.conn.get().expect("the connection");
    lp.pause_reading(conn, false).unwrap();
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(*log.received.borrow(), b"sent before the close");
    assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
}

// epoll reports a hang-up or an error whatever a socket asks for; kqueue and Windows'
// AFD report nothing for a socket that asks for nothing, so there a connection that asks
// for nothing (paused, or past its end of stream with nothing queued) learns of its peer's
// reset or close when it next reads or writes (ARCHITECTURE.md, "The open event loop").
#[cfg(target_os = "linux")]
#[test]
fn a_paused_connection_whose_peer_resets_is_closed_with_econnreset_and_the_loop_waits() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(Paused {
        log: Rc::clone(&log),
        shut: false,
    });
    let listener = lp.listen(Bind::Host("127.0.0.1", 0), events, 0).unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut peer = TcpStream::connect(addr).unwrap();
    peer.write_all(b"waits in the buffer").unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    run_loop_until(&lp, || log.has("close ECONNRESET"));
    assert_eq!(*log.lines.borrow(), ["connect ok", "close ECONNRESET"]);
    let rounds = rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
}

// epoll reports a hang-up or an error whatever a socket asks for; kqueue and Windows'
// AFD report nothing for a socket that asks for nothing, so there a connection that asks
// for nothing (paused, or past its end of stream with nothing queued) learns of its peer's
// reset or close when it next reads or writes (ARCHITECTURE.md, "The open event loop").
#[cfg(target_os = "linux")]
#[test]
fn a_connection_past_eof_left_open_is_closed_when_its_peer_resets() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let peer = TcpStream::connect(addr).unwrap();
    peer.shutdown(Shutdown::Write).unwrap();
    run_loop_until(&lp, || log.has("eof"));
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    run_loop_until(&lp, || log.lines.borrow().len() == 3);
    // A reset after the peer's end: Linux says EPIPE (the reset came in CLOSE_WAIT).
    let lines = log.lines.borrow().clone();
    assert_eq!(lines[..2], ["connect ok", "eof"]);
    assert!(
        ["close EPIPE", "close ECONNRESET"].contains(&lines[2].as_str()),
        "{lines:?}"
    );
    let rounds = rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
}

// epoll reports a hang-up or an error whatever a socket asks for; kqueue and Windows'
// AFD report nothing for a socket that asks for nothing, so there a connection that asks
// for nothing (paused, or past its end of stream with nothing queued) learns of its peer's
// reset or close when it next reads or writes (ARCHITECTURE.md, "The open event loop").
#[cfg(target_os = "linux")]
#[test]
fn a_paused_half_closed_connection_ends_normally_when_its_peer_finishes() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(Paused {
        log: Rc::clone(&log),
        shut: true,
    });
    let listener = lp.listen(Bind::Host("127.0.0.1", 0), events, 0).unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut peer = TcpStream::connect(addr).unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).unwrap();
    drop(peer);
    run_loop_until(&lp, || log.lines.borrow().len() == 2);
    assert_eq!(*log.lines.borrow(), ["connect ok", "close ok"]);
    let rounds = rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
}

/// Closes the handle in `target` when bytes arrive.
struct ClosesOnData {
    target: Rc<std::cell::Cell<Option<Handle>>>,
}

impl StreamEvents for ClosesOnData {
    fn on_data(&self, lp: &Loop, _: Handle, _: usize, _: &[u8]) {
        if let Some(target) = self.target.take() {
            lp.close(target).unwrap();
        }
    }
}

#[test]
fn a_connect_closed_in_the_round_it_completes_never_tells_on_connect() {
    let lp = Loop::new().unwrap();
    let target = Rc::new(std::cell::Cell::new(None));
    let events = Rc::new(ClosesOnData {
        target: Rc::clone(&target),
    });
    let listener = lp.listen(Bind::Host("127.0.0.1", 0), events, 0).unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    lp.run_once(Some(Duration::from_millis(100))).unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    // The accepted connection is readable first; the connect completes at once after it:
    // one round sees both, and the first closes the second.
    client.write_all(b"close it").unwrap();
    let log = Rc::new(Log::default());
    let conn = lp
        .connect(
            "127.0.0.1",
            other.local_addr().unwrap().port(),
            Some(LIMIT),
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
    target.set(Some(conn));
    std::thread::sleep(Duration::from_millis(50));
    run_loop_until(&lp, || log.has("close ok"));
    for _ in 0..3 {
        lp.run_once(Some(Duration::ZERO)).unwrap();
    }
    assert_eq!(*log.lines.borrow(), ["close ok"]);
}

/// A line handshake, then length-prefixed frames: the framing changes in on_message.
struct Handshake(Rc<Log>);

impl StreamEvents for Handshake {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, _: Result<()>) {
        let framing = sockit::framing::Framing::delimited(b"\n", 100).unwrap();
        lp.set_framing(conn, framing).unwrap();
    }
    fn on_message(&self, lp: &Loop, conn: Handle, _: usize, message: &[u8], status: Result<()>) {
        let text = String::from_utf8_lossy(message);
        self.0.push(format!("message {} {text}", code(status)));
        if self.0.lines.borrow().len() == 1 {
            let framing = sockit::framing::Framing::length_prefixed(100);
            lp.set_framing(conn, framing).unwrap();
        }
    }
}

#[test]
fn a_framing_changed_in_on_message_reads_the_bytes_that_had_arrived_already() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(Handshake(Rc::clone(&log)));
    let listener = lp.listen(Bind::Host("127.0.0.1", 0), events, 0).unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"HELLO\n\0\0\0\x03abc\0\0\0\x02de")
        .unwrap();
    run_loop_until(&lp, || log.lines.borrow().len() == 3);
    assert_eq!(
        *log.lines.borrow(),
        ["message ok HELLO", "message ok abc", "message ok de"]
    );
}

/// Logs the producer's callbacks.
struct Producer(Rc<Log>);

impl StreamEvents for Producer {
    fn on_connect(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("connect {}", code(status)));
    }
    fn on_queue_full(&self, _: &Loop, _: Handle, _: usize, _: usize) {
        self.0.push("full".into());
    }
    fn on_drain(&self, _: &Loop, _: Handle, _: usize) {
        self.0.push("drain".into());
    }
}

#[test]
fn a_limit_lowered_below_the_queue_gives_on_queue_full_then_on_drain() {
    let lp = Loop::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Rc::new(Log::default());
    let events = Rc::new(Producer(Rc::clone(&log)));
    let conn = lp.connect("127.0.0.1", port, None, events, 0).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    // The peer does not read: 200 KiB wait in the queue, under the default limit.
    let chunk = vec![7u8; 16 * 1024];
    let mut written = 0usize;
    while lp.queued(conn).unwrap() < 200 * 1024 {
        lp.write(conn, &chunk).unwrap();
        written += chunk.len();
        assert!(written < 256 * 1024 * 1024, "never queued");
    }
    assert_eq!(*log.lines.borrow(), ["connect ok"]);
    lp.set_queue_limit(conn, 100 * 1024).unwrap();
    for _ in 0..2 {
        let refused = lp.write(conn, b"more").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ENOBUFS);
    }
    assert_eq!(*log.lines.borrow(), ["connect ok", "full"]);
    let reader = std::thread::spawn(move || {
        let mut got = vec![0u8; written];
        peer.read_exact(&mut got).unwrap();
        peer
    });
    run_loop_until(&lp, || log.has("drain"));
    drop(reader.join().unwrap());
    assert_eq!(*log.lines.borrow(), ["connect ok", "full", "drain"]);
}

/// Logs, for each connection, whether Nagle's algorithm is off on its socket.
struct NoDelay(Rc<Log>);

impl StreamEvents for NoDelay {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        let nodelay = lp.with_socket(conn, |s| s.tcp_nodelay().unwrap()).unwrap();
        self.0
            .push(format!("connect {} nodelay {nodelay}", code(status)));
    }
}

/// Plain TCP connections keep the system's default, Nagle's algorithm on, as libuv's and a C
/// program's do: a chat server's fan-out of small writes is coalesced by the kernel
/// (ARCHITECTURE.md, "Nagle's algorithm"). A connection that starts TLS turns it off
/// (`Stream::start_tls` in src/event_loop/stream.rs).
#[test]
fn connections_the_loop_accepts_or_makes_keep_nagles_algorithm() {
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let listener = lp
        .listen(
            Bind::Host("127.0.0.1", 0),
            Rc::new(NoDelay(Rc::clone(&log))),
            0,
        )
        .unwrap();
    let addr = lp.local_addr(listener).unwrap().unwrap();
    lp.connect(
        "127.0.0.1",
        addr.port(),
        Some(LIMIT),
        Rc::new(NoDelay(Rc::clone(&log))),
        0,
    )
    .unwrap();
    run_loop_until(&lp, || log.lines.borrow().len() == 2);
    assert_eq!(
        *log.lines.borrow(),
        ["connect ok nodelay false", "connect ok nodelay false"]
    );
}
