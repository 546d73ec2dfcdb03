//! The server framework's lifecycle in-process, as its users see it: a request in flight at a
//! stop is answered within the grace period, a child that ignores SIGTERM is killed, at most
//! max-workers requests are served at once while the rest wait in the listen queue, and the
//! event loop stops reading from a peer that does not read its replies.
#![cfg(target_os = "linux")] // what the server does is read from /proc

#[path = "../support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use socket2::Socket;
use sockit::server::echo_handler;
use sockit::server::{Conn, Handler, Mode, Protocol, Server, StreamHandler, TimerOutcome};
use support::in_process::{
    REPLY_LIMIT, connect, loopback_server, start, start_with_tid, waits_in_epoll,
};
use support::waits::{join_within, wait_until};

/// How long a test waits for any one thing (a run to end, a state to be reached).
const LIMIT: Duration = Duration::from_secs(30);

/// How long the listen queue may take to show the clients that wait in it (it is a matter of
/// microseconds: the connections are made before the wait starts).
const QUEUE_LIMIT: Duration = Duration::from_secs(10);

/// Tests that fork count this process's children, so they run one at a time.
static FORKING: Mutex<()> = Mutex::new(());

fn forking_lock() -> MutexGuard<'static, ()> {
    FORKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn supported_modes() -> impl Iterator<Item = Mode> {
    Mode::ALL.into_iter().filter(|mode| mode.is_supported())
}

/// Sends `data` and reads its echo.
#[track_caller]
fn exchange(stream: &mut TcpStream, data: &[u8], mode: Mode) {
    stream.write_all(data).unwrap();
    let mut echo = vec![0; data.len()];
    stream.read_exact(&mut echo).unwrap_or_else(|err| {
        let data = String::from_utf8_lossy(data);
        panic!("{mode:?}: no echo of {data:?}: {err}")
    });
    assert_eq!(echo, data, "{mode:?}");
}

/// Waits until the server refuses new connections: its run has seen the stop.
fn wait_until_refused(server: &Server, mode: Mode) {
    let what = format!("{mode:?}: new connections refused after the stop");
    wait_until(LIMIT, &what, || {
        TcpStream::connect(server.local_addr().unwrap()).is_err()
    });
}

#[test]
fn a_tcp_request_in_flight_at_a_stop_is_answered_within_the_grace_period() {
    let _forking = forking_lock();
    for mode in supported_modes() {
        let server = loopback_server(Protocol::Tcp, mode);
        server.set_handler(echo_handler(Protocol::Tcp)).unwrap();
        // Long enough that the test never depends on speed: the run ends when the client does.
        server.set_grace(LIMIT).unwrap();
        let (running, run_thread) = start_with_tid(&server);
        let mut client = connect(&server);
        exchange(&mut client, b"the first half of a request", mode);
        server.stop();
        wait_until_refused(&server, mode);
        // The run waits for the request asleep, not in a loop that takes a core.
        let what = format!("{mode:?}: the run thread asleep in epoll_wait in the grace period");
        wait_until(LIMIT, &what, || waits_in_epoll(run_thread));
        // In the grace period now: the connection is still served.
        exchange(&mut client, b"and the second half", mode);
        client.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).expect("a clean end");
        assert_eq!(rest, b"", "{mode:?}");
        let what = format!("{mode:?}: the run to end once its last client left");
        join_within(running, LIMIT, &what).expect("Ok after a stop");
    }
}

/// A datagram handler that says at once that it has the request, then replies after 200 ms:
/// a sleep on a worker (thread or child process), a timer in the event loop.
fn slow_datagram_handler(server: &Arc<Server>) -> Handler {
    let ack = |socket: &Socket, peer: SocketAddr| {
        socket.send_to(b"received", &peer.into()).expect("ack");
    };
    if server.mode() == Mode::EventLoop {
        let timers = Arc::clone(server);
        Handler::Udp(Arc::new(move |socket: &Socket, data: &[u8], peer| {
            ack(socket, peer);
            let (socket, data) = (socket.try_clone().unwrap(), data.to_vec());
            let reply = Box::new(move |outcome: TimerOutcome| {
                if outcome == TimerOutcome::Fired {
                    let _ = socket.send_to(&data, &peer.into());
                }
            });
            timers.add_timer(Duration::from_millis(200), reply).unwrap();
        }))
    } else {
        Handler::Udp(Arc::new(move |socket: &Socket, data: &[u8], peer| {
            ack(socket, peer);
            thread::sleep(Duration::from_millis(200));
            let _ = socket.send_to(data, &peer.into());
        }))
    }
}

#[test]
fn a_udp_request_in_flight_at_a_stop_is_answered_within_the_grace_period() {
    let _forking = forking_lock();
    for mode in supported_modes() {
        let server = loopback_server(Protocol::Udp, mode);
        server.set_handler(slow_datagram_handler(&server)).unwrap();
        server.set_grace(LIMIT).unwrap();
        let running = start(&server);
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client.connect(server.local_addr().unwrap()).unwrap();
        client.set_read_timeout(Some(REPLY_LIMIT)).unwrap();
        client.send(b"slow request").unwrap();
        let mut buf = [0u8; 64];
        let n = client.recv(&mut buf).expect("the request acknowledged");
        assert_eq!(&buf[..n], b"received", "{mode:?}");
        server.stop();
        let n = client
            .recv(&mut buf)
            .unwrap_or_else(|err| panic!("{mode:?}: the request in flight is answered: {err}"));
        assert_eq!(&buf[..n], b"slow request", "{mode:?}");
        let what = format!("{mode:?}: the run to end after its last reply");
        join_within(running, LIMIT, &what).expect("Ok after a stop");
    }
}

/// A connection handler that ignores SIGTERM, says so, and then never returns.
fn deaf_handler() -> Handler {
    Handler::Tcp(Arc::new(|socket: &Socket, _| {
        // SAFETY: setting a signal's disposition to "ignore" has no preconditions.
        unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
        let _ = socket.send(b"deaf");
        loop {
            thread::sleep(Duration::from_secs(3600));
        }
    }))
}

#[test]
fn a_forked_child_that_ignores_sigterm_is_killed_after_the_grace_period() {
    use support::in_process::live_children;
    let _forking = forking_lock();
    let grace = Duration::from_millis(200);
    let server = loopback_server(Protocol::Tcp, Mode::Forking);
    server.set_handler(deaf_handler()).unwrap();
    server.set_grace(grace).unwrap();
    let running = start(&server);
    let mut client = connect(&server);
    let mut greeting = [0u8; 4];
    client.read_exact(&mut greeting).expect("the child serves");
    assert_eq!(&greeting, b"deaf");
    assert_eq!(live_children(), 1, "one child serves the client");
    let stopped = Instant::now();
    server.stop();
    let mut rest = Vec::new();
    let end = client.read_to_end(&mut rest);
    let cut = stopped.elapsed();
    assert!(
        matches!(end, Ok(0)),
        "the child's end closes its connection: {end:?}"
    );
    assert!(cut >= grace, "cut after {cut:?}, within the grace period");
    join_within(running, LIMIT, "the run to end after SIGKILL").expect("Ok after a stop");
    assert_eq!(live_children(), 0, "no child is left");
}

/// Counts the connections being served; each handler says "serving" and then serves until
/// its client closes.
fn holding_handler(serving: Arc<AtomicUsize>) -> Handler {
    Handler::Tcp(Arc::new(move |socket: &Socket, _| {
        serving.fetch_add(1, Ordering::SeqCst);
        let _ = socket.send(b"serving");
        let mut buf = [0u8; 16];
        while sockit::net::io::recv(socket, &mut buf).is_ok_and(|n| n > 0) {}
        serving.fetch_sub(1, Ordering::SeqCst);
    }))
}

#[test]
fn at_most_max_workers_are_served_at_once_and_the_rest_wait_in_the_listen_queue() {
    use support::in_process::{listen_queue, live_children};
    use support::waits::wait_for_value;
    let _forking = forking_lock();
    const CLIENTS: usize = 5;
    for (mode, max_workers) in [
        (Mode::Iterative, 1),
        (Mode::Threaded, 2),
        (Mode::Forking, 2),
    ] {
        let server = loopback_server(Protocol::Tcp, mode);
        // Children count in their own process: the parent sees them in /proc.
        let serving = Arc::new(AtomicUsize::new(0));
        server
            .set_handler(holding_handler(Arc::clone(&serving)))
            .unwrap();
        if mode != Mode::Iterative {
            server.set_max_workers(max_workers).unwrap();
        }
        let (running, run_thread) = start_with_tid(&server);
        let (served, served_rx) = mpsc::channel();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let mut client = connect(&server);
                let served = served.clone();
                thread::spawn(move || {
                    let mut greeting = [0u8; 7];
                    client.read_exact(&mut greeting).expect("served in time");
                    served.send(i).unwrap();
                    client
                })
            })
            .collect();
        let port = server.local_addr().unwrap().port();
        let first: Vec<usize> = (0..max_workers)
            .map(|_| {
                served_rx
                    .recv_timeout(LIMIT)
                    .expect("the first clients served")
            })
            .collect();
        let what = format!("{mode:?}: clients waiting in the listen queue");
        wait_for_value(QUEUE_LIMIT, &what, CLIENTS - max_workers, || {
            listen_queue(port)
        });
        if mode == Mode::Forking {
            assert_eq!(live_children(), max_workers, "{mode:?}: children alive");
        } else {
            assert_eq!(serving.load(Ordering::SeqCst), max_workers, "{mode:?}");
        }
        // Meanwhile the run waits for a worker to finish, asleep: it does not go round
        // looking at the clients it cannot take yet.
        let what = format!("{mode:?}: the run thread asleep in epoll_wait while all are busy");
        wait_until(QUEUE_LIMIT, &what, || waits_in_epoll(run_thread));
        // Each client that leaves makes room for the next, until all were served.
        let mut clients: Vec<_> = clients.into_iter().map(Some).collect();
        let mut served_now = first;
        for _ in 0..CLIENTS {
            let i = served_now.pop().unwrap_or_else(|| {
                served_rx
                    .recv_timeout(LIMIT)
                    .expect("the next client served")
            });
            let client = join_within(clients[i].take().unwrap(), LIMIT, "a served client");
            // Not just dropped: forked children hold copies of every client's descriptor.
            client.shutdown(Shutdown::Write).unwrap();
        }
        server.stop();
        let what = format!("{mode:?}: the run to end");
        join_within(running, LIMIT, &what).expect("Ok after a stop");
    }
}

/// An echo that counts what it reads, and makes the connection's send buffer small, so that a
/// peer that does not read soon leaves the replies queued in the server.
struct CountingEcho {
    received: Arc<AtomicUsize>,
}

impl StreamHandler for CountingEcho {
    fn on_open(&self, conn: &mut dyn Conn) {
        conn.socket().set_send_buffer_size(4096).unwrap();
    }

    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        self.received.fetch_add(data.len(), Ordering::SeqCst);
        let _ = conn.write(data);
    }
}

#[test]
fn the_event_loop_stops_reading_from_a_peer_that_does_not_read_its_replies() {
    let server = loopback_server(Protocol::Tcp, Mode::EventLoop);
    let received = Arc::new(AtomicUsize::new(0));
    let handler = CountingEcho {
        received: Arc::clone(&received),
    };
    server
        .set_handler(Handler::Stream(Arc::new(handler)))
        .unwrap();
    let running = start(&server);
    let client = Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    client.set_recv_buffer_size(4096).unwrap();
    client
        .connect(&server.local_addr().unwrap().into())
        .unwrap();
    let mut client = TcpStream::from(client);
    // Sends until the server takes no more for a second (or 32 MiB went): reading paused.
    let mut writer = client.try_clone().unwrap();
    let sending = thread::spawn(move || {
        writer
            .set_write_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < 32 << 20 {
            match writer.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        sent
    });
    let sent = join_within(sending, LIMIT, "the client's sends to stall");
    // What the server may hold for a peer that does not read: its queue (reading pauses
    // while anything is queued, so at most what one chunk's echo left: 64 KiB), and the small
    // socket buffers on the way, with room to spare.
    let bound = 1 << 20;
    let held = received.load(Ordering::SeqCst);
    assert!(
        held <= bound,
        "the server read {held} of {sent} bytes from a peer that read none of the replies"
    );
    assert!(sent < 32 << 20, "the client's sends never stalled");
    // Reading resumes as the peer reads: every byte comes back.
    client.set_read_timeout(Some(REPLY_LIMIT)).unwrap();
    let mut echoed = vec![0u8; sent];
    client
        .read_exact(&mut echoed)
        .expect("every byte echoed once the peer reads");
    assert!(echoed.iter().all(|&b| b == b'x'));
    assert_eq!(received.load(Ordering::SeqCst), sent);
    server.stop();
    join_within(running, LIMIT, "the run to end").expect("Ok after a stop");
}
