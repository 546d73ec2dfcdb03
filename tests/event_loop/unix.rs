//! Unix domain stream sockets in the event loop's core, through the rlib: a listener on a
//! path and connects to it (echoed, framed), the peer's names and credentials through the
//! lent socket, the socket file removed with the listener, stale files, connects that fail,
//! a full listen queue waited for (Linux), and an adopted Unix socket.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

#[path = "../support/mod.rs"]
mod support;

use sockit::event_loop::{Handle, Loop, StreamEvents};
use sockit::framing::Framing;
use sockit::net::unix::{self, Existing, UnixAddr};
use sockit::{ErrorCode, Result};
use support::loop_log::{Client, Log, PausedReader, code, rounds_until_a_timer};
use support::run_loop_until;

const LIMIT: Duration = Duration::from_secs(20);

/// A fresh folder for this test's socket files (short: socket paths are limited).
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockit-lu-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn addr(path: &Path) -> UnixAddr {
    UnixAddr::Path(path.to_path_buf())
}

/// Reads lines and answers each with "<line>!\n"; logs the connections.
struct LineServer(Rc<Log>);

impl StreamEvents for LineServer {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("accepted {}", code(status)));
        lp.set_framing(conn, Framing::delimited(b"\n", 100).unwrap())
            .unwrap();
    }
    fn on_message(&self, lp: &Loop, conn: Handle, _: usize, msg: &[u8], status: Result<()>) {
        self.0.push(format!("message {}", code(status)));
        lp.write(conn, &[msg, b"!\n"].concat()).unwrap();
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        lp.close(conn).unwrap();
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("closed {}", code(status)));
    }
}

#[test]
fn a_loop_serves_and_connects_to_a_path_and_removes_its_file_when_closed() {
    let dir = temp_dir("echo");
    let path = dir.join("echo.sock");
    let lp = Loop::new().unwrap();
    let server = Rc::new(Log::default());
    let listener = lp
        .listen_unix(
            &addr(&path),
            Existing::Refuse,
            Rc::new(LineServer(Rc::clone(&server))),
            0,
        )
        .unwrap();
    assert!(path.exists());
    // Not an IP address: no sockit_addr, but the name through the lent socket.
    assert_eq!(lp.local_addr(listener).unwrap(), None);
    let name = lp.with_socket(listener, unix::local_addr).unwrap().unwrap();
    assert_eq!(name, addr(&path));

    let log = Rc::new(Log::default());
    let conn = lp
        .connect_unix(
            &addr(&path),
            Some(LIMIT),
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
    run_loop_until(&lp, || log.count("connect ok") == 1);
    assert_eq!(lp.peer(conn).unwrap(), None);
    assert_eq!(lp.local_addr(conn).unwrap(), None);
    let peer = lp.with_socket(conn, unix::peer_addr).unwrap().unwrap();
    assert_eq!(peer, addr(&path));
    let cred = lp.with_socket(conn, unix::peer_credentials).unwrap();
    // SAFETY: plain calls.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let cred = cred.unwrap();
    assert_eq!((cred.uid, cred.gid), (uid, gid));

    lp.write(conn, b"one\ntwo\nthr").unwrap();
    lp.shutdown(conn).unwrap();
    run_loop_until(&lp, || log.count("close ok") == 1);
    assert_eq!(*log.received.borrow(), b"one!\ntwo!\nthr!\n");
    assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
    run_loop_until(&lp, || server.count("closed ok") == 1);
    assert_eq!(
        *server.lines.borrow(),
        [
            "accepted ok",
            "message ok",
            "message ok",
            "message ETRUNCATED",
            "closed ok"
        ]
    );

    lp.close(listener).unwrap();
    assert!(!path.exists(), "the listener's socket file is removed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stale_files_are_refused_or_replaced_and_freeing_the_loop_removes_the_file() {
    let dir = temp_dir("stale");
    let path = dir.join("stale.sock");
    // A socket file nothing listens on any more: what a server that died leaves.
    drop(unix::listen(&addr(&path), 1, Existing::Refuse).unwrap());
    assert!(path.exists());
    let lp = Loop::new().unwrap();
    let events = || -> Rc<dyn StreamEvents> { Rc::new(Client(Rc::new(Log::default()))) };
    let refused = lp.listen_unix(&addr(&path), Existing::Refuse, events(), 0);
    assert_eq!(refused.unwrap_err().code(), ErrorCode::EADDRINUSE);
    lp.listen_unix(&addr(&path), Existing::RemoveStale, events(), 0)
        .unwrap();
    // A live listener is never replaced.
    let live = lp.listen_unix(&addr(&path), Existing::RemoveStale, events(), 0);
    assert_eq!(live.unwrap_err().code(), ErrorCode::EADDRINUSE);
    drop(lp);
    assert!(!path.exists(), "freeing the loop closes the listener");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn connects_to_nothing_fail_through_on_connect_and_bad_names_at_once() {
    let dir = temp_dir("fail");
    let lp = Loop::new().unwrap();
    let stale = dir.join("stale.sock");
    drop(unix::listen(&addr(&stale), 1, Existing::Refuse).unwrap());
    for (path, expected) in [
        (dir.join("missing.sock"), "connect ENOENT"),
        (stale, "connect ECONNREFUSED"),
    ] {
        let log = Rc::new(Log::default());
        lp.connect_unix(
            &addr(&path),
            Some(LIMIT),
            Rc::new(Client(Rc::clone(&log))),
            0,
        )
        .unwrap();
        assert!(log.lines.borrow().is_empty(), "no callback inside the call");
        run_loop_until(&lp, || log.lines.borrow().len() == 2);
        let close = expected.replace("connect", "close");
        assert_eq!(*log.lines.borrow(), [expected, close.as_str()]);
    }
    let too_long = dir.join("x".repeat(200));
    let log = Rc::new(Log::default());
    let err = lp
        .connect_unix(&addr(&too_long), None, Rc::new(Client(log)), 0)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ENAMETOOLONG);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Linux makes a connect wait while the listener's queue is full (a non-blocking one says
/// EAGAIN): the loop's connect waits within its timeout, and goes through once there is room.
#[cfg(target_os = "linux")]
#[test]
fn a_full_listen_queue_is_waited_for_within_the_timeout() {
    let name = UnixAddr::Abstract(format!("sockit-lu-full-{}", std::process::id()).into());
    // A queue of one: Linux takes two connections into it, then refuses more for now.
    let listener = unix::listen(&name, 1, Existing::Refuse).unwrap();
    let lp = Loop::new().unwrap();
    let connect = |timeout| {
        let log = Rc::new(Log::default());
        lp.connect_unix(&name, timeout, Rc::new(Client(Rc::clone(&log))), 0)
            .unwrap();
        log
    };
    let queued = [connect(Some(LIMIT)), connect(Some(LIMIT))];
    run_loop_until(&lp, || {
        queued.iter().all(|log| log.count("connect ok") == 1)
    });
    let timed_out = connect(Some(Duration::from_millis(100)));
    run_loop_until(&lp, || timed_out.lines.borrow().len() == 2);
    assert_eq!(
        *timed_out.lines.borrow(),
        ["connect ETIMEDOUT", "close ETIMEDOUT"]
    );
    let waiting = connect(None);
    for _ in 0..3 {
        lp.run_once(Some(Duration::from_millis(50))).unwrap();
    }
    assert!(waiting.lines.borrow().is_empty(), "still waiting for room");
    // Room: the first queued connection is taken.
    let _accepted = listener.accept().unwrap();
    run_loop_until(&lp, || waiting.count("connect ok") == 1);
}

#[test]
fn an_adopted_unix_socket_is_served_like_any_connection() {
    let (mine, theirs) = UnixStream::pair().unwrap();
    let lp = Loop::new().unwrap();
    let server = Rc::new(Log::default());
    let conn = lp
        .adopt(theirs.into(), Rc::new(LineServer(Rc::clone(&server))), 0)
        .unwrap_or_else(|(_, err)| panic!("adopt: {err:?}"));
    run_loop_until(&lp, || server.count("accepted ok") == 1);
    assert_eq!(lp.peer(conn).unwrap(), None);
    let mut mine = mine;
    mine.write_all(b"adopted\n").unwrap();
    mine.shutdown(std::net::Shutdown::Write).unwrap();
    run_loop_until(&lp, || server.count("closed ok") == 1);
    let mut reply = Vec::new();
    mine.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"adopted!\n");
}

#[test]
fn bytes_a_peer_sent_before_it_closed_wait_for_a_paused_reader() {
    // A Unix domain peer that sends and closes is reported as hung up at once, reading
    // paused or not: the bytes stay the program's until it resumes reading.
    let dir = temp_dir("paused");
    let path = dir.join("paused.sock");
    let lp = Loop::new().unwrap();
    let log = Rc::new(Log::default());
    let events = Rc::new(PausedReader {
        log: Rc::clone(&log),
        shut: false,
        conn: std::cell::Cell::new(None),
    });
    lp.listen_unix(
        &addr(&path),
        Existing::Refuse,
        Rc::clone(&events) as Rc<dyn StreamEvents>,
        0,
    )
    .unwrap();
    let mut peer = UnixStream::connect(&path).unwrap();
    run_loop_until(&lp, || log.has("connect ok"));
    peer.write_all(b"sent before the close").unwrap();
    drop(peer);
    let rounds = rounds_until_a_timer(&lp);
    assert!(rounds <= 3, "{rounds} rounds for one timer");
    assert_eq!(*log.lines.borrow(), ["connect ok"]);
    let conn = events.conn.get().expect("the connection");
    lp.pause_reading(conn, false).unwrap();
    run_loop_until(&lp, || log.has("close ok"));
    assert_eq!(*log.received.borrow(), b"sent before the close");
    assert_eq!(*log.lines.borrow(), ["connect ok", "eof", "close ok"]);
    let _ = std::fs::remove_dir_all(&dir);
}
