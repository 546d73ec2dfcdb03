//! The server framework in-process: stops while busy, handler failures, timers, message
//! handlers, and the C API's argument checks.

use std::ffi::{CStr, c_int, c_void};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sockit::ErrorCode;
use sockit::ffi::error::*;
use sockit::ffi::server::*;
use sockit::framing::Framing;
use sockit::server::echo_handler;
use sockit::server::{
    Conn, Framed, Handler, MessageHandler, Mode, Protocol, Server, StreamHandler, TimerOutcome,
};
use support::in_process::{connect, loopback_server, start};
use support::read_until_closed;
use support::waits::{join_within, wait_until};

#[path = "../support/mod.rs"]
mod support;

/// How long a test waits for a run to end or a state to be reached before it fails.
const LIMIT: Duration = Duration::from_secs(30);

fn echo_once(server: &Server, data: &[u8]) -> Vec<u8> {
    let mut stream = connect(server);
    stream.write_all(data).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    echoed
}

#[test]
fn a_stop_while_busy_gives_clients_the_grace_period_then_cuts_them_off() {
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let server = loopback_server(Protocol::Tcp, mode);
        server.set_handler(echo_handler(Protocol::Tcp)).unwrap();
        let grace = Duration::from_millis(300);
        server.set_grace(grace).unwrap();
        let running = start(&server);
        // A client mid-exchange that would never finish by itself.
        let mut busy = connect(&server);
        busy.write_all(b"ping").unwrap();
        let mut echo = [0u8; 4];
        busy.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"ping", "{mode:?}");
        let stopped_at = Instant::now();
        server.stop();
        let rest = read_until_closed(&mut busy, &format!("{mode:?}: the busy client is cut"));
        let cut = stopped_at.elapsed();
        assert_eq!(rest, b"", "{mode:?}");
        // Threads are shut down, children sent SIGTERM, the loop's connections closed: after
        // the grace period, not before.
        assert!(
            cut >= grace,
            "{mode:?}: cut after {cut:?}, within the grace period"
        );
        join_within(
            running,
            LIMIT,
            &format!("{mode:?}: the run to end after the cut"),
        )
        .expect("run ends with Ok after a stop");
        assert!(
            TcpStream::connect(server.local_addr().unwrap()).is_err(),
            "{mode:?}: refused after"
        );
        assert_eq!(
            server.run().unwrap_err().code(),
            ErrorCode::EALREADY,
            "{mode:?}: a server runs once"
        );
    }
}

/// A stream handler that panics on a `!`, to check that one request's failure is its own.
struct Fragile;

impl StreamHandler for Fragile {
    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        assert!(!data.contains(&b'!'), "a handler bug");
        let _ = conn.write(data);
    }
}

#[test]
fn a_failing_handler_or_client_ends_its_own_connection_only() {
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let server = loopback_server(Protocol::Tcp, mode);
        server
            .set_handler(Handler::Stream(Arc::new(Fragile)))
            .unwrap();
        server.set_grace(Duration::from_millis(200)).unwrap();
        let running = start(&server);
        // A handler panic, and a client that resets before reading its echo.
        assert_eq!(echo_once(&server, b"boom!"), b"", "{mode:?}");
        let resetting = socket2::Socket::from(connect(&server));
        resetting.set_linger(Some(Duration::ZERO)).unwrap();
        let _ = resetting.send(&vec![b'x'; 100_000]);
        drop(resetting);
        for client in 0..5 {
            let data = format!("client {client} is served");
            assert_eq!(
                echo_once(&server, data.as_bytes()),
                data.as_bytes(),
                "{mode:?}"
            );
        }
        server.stop();
        join_within(running, LIMIT, "the run to end after the stop").unwrap();
    }
}

#[test]
fn timers_fire_in_order_on_the_run_thread_and_are_cancelled_when_it_ends() {
    let server = loopback_server(Protocol::Udp, Mode::EventLoop);
    server.set_handler(echo_handler(Protocol::Udp)).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    for (name, ms) in [
        ("third", 150),
        ("first", 10),
        ("second", 60),
        ("never", 60_000),
    ] {
        let log = Arc::clone(&log);
        let callback = Box::new(move |outcome: TimerOutcome| {
            log.lock()
                .unwrap()
                .push((name, outcome, thread::current().id()));
        });
        server
            .add_timer(Duration::from_millis(ms), callback)
            .unwrap();
    }
    let running = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            let id = thread::current().id();
            (server.run(), id)
        })
    };
    wait_until(LIMIT, "three timers to fire", || {
        log.lock().unwrap().len() == 3
    });
    server.set_grace(Duration::ZERO).unwrap_err();
    server.stop();
    let (result, run_thread) = join_within(running, LIMIT, "the run to end after the stop");
    result.unwrap();
    let log = log.lock().unwrap().clone();
    let names: Vec<_> = log
        .iter()
        .map(|(name, outcome, _)| (*name, *outcome))
        .collect();
    assert_eq!(
        names,
        [
            ("first", TimerOutcome::Fired),
            ("second", TimerOutcome::Fired),
            ("third", TimerOutcome::Fired),
            ("never", TimerOutcome::Cancelled),
        ]
    );
    assert!(log.iter().all(|(_, _, thread)| *thread == run_thread));
    let late = server.add_timer(Duration::ZERO, Box::new(|_| panic!("never called")));
    assert_eq!(late.unwrap_err().code(), ErrorCode::ECANCELED);
}

#[test]
fn the_threaded_mode_serves_at_most_max_workers_at_once() {
    let server = loopback_server(Protocol::Tcp, Mode::Threaded);
    let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, p) = (Arc::clone(&now), Arc::clone(&peak));
    server
        .set_handler(Handler::Tcp(Arc::new(
            move |socket: &socket2::Socket, _| {
                let serving = n.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(serving, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(100));
                let _ = socket.send(b"done");
                n.fetch_sub(1, Ordering::SeqCst);
            },
        )))
        .unwrap();
    server.set_max_workers(3).unwrap();
    let running = start(&server);
    let clients: Vec<_> = (0..9)
        .map(|_| {
            let server = Arc::clone(&server);
            thread::spawn(move || {
                let mut reply = Vec::new();
                connect(&server).read_to_end(&mut reply).unwrap();
                reply
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), b"done");
    }
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    server.stop();
    join_within(running, LIMIT, "the run to end after the stop").unwrap();
}

#[test]
fn the_event_loop_closes_idle_connections_when_asked() {
    let server = loopback_server(Protocol::Tcp, Mode::EventLoop);
    server.set_handler(echo_handler(Protocol::Tcp)).unwrap();
    server
        .set_idle_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let running = start(&server);
    let mut silent = connect(&server);
    let mut chatty = connect(&server);
    let closed = thread::spawn(move || silent.read_to_end(&mut Vec::new()));
    // The chatty one talks without pause until the silent one is closed, and after.
    let (mut exchanges, started) = (0, Instant::now());
    while exchanges < 10 || !closed.is_finished() {
        assert!(
            started.elapsed() < LIMIT,
            "the silent connection still open after {LIMIT:?}"
        );
        chatty.write_all(b"x").unwrap();
        let mut echo = [0u8; 1];
        chatty
            .read_exact(&mut echo)
            .expect("the chatty connection stays open");
        exchanges += 1;
    }
    let ended = join_within(closed, LIMIT, "the silent connection to close");
    assert_eq!(ended.unwrap(), 0, "the silent one was closed");
    server.stop();
    join_within(running, LIMIT, "the run to end after the stop").unwrap();
}

fn code_name(code: c_int) -> String {
    // SAFETY: sockit_err_name returns a static string for any code.
    unsafe { CStr::from_ptr(sockit::ffi::error::sockit_err_name(code)) }
        .to_string_lossy()
        .into_owned()
}

unsafe extern "C" fn ignore_connection(
    _: sockit::ffi::socket::sockit_socket,
    _: *const sockit::ffi::addr::sockit_addr,
    _: *mut c_void,
) {
}

#[test]
fn the_c_api_checks_its_arguments() {
    // SAFETY: every pointer passed is NULL, a live local, or a server made here.
    unsafe {
        let mut server = ptr::null_mut();
        let new = |protocol, host: *const i8, port, mode, out| {
            sockit_server_new(protocol, host, port, mode, out)
        };
        for (protocol, port, mode) in [
            (0, 0, SOCKIT_THREADED),
            (SOCKIT_TCP, 70_000, SOCKIT_THREADED),
            (SOCKIT_TCP, 0, 9),
            (SOCKIT_UDP, -1, SOCKIT_ITERATIVE),
        ] {
            let rc = new(protocol, ptr::null(), port, mode, &mut server);
            assert_eq!(rc, SOCKIT_EINVAL, "{}", code_name(rc));
        }
        assert_eq!(
            new(SOCKIT_TCP, ptr::null(), 0, SOCKIT_THREADED, ptr::null_mut()),
            SOCKIT_EINVAL
        );
        assert_eq!(
            new(
                SOCKIT_TCP,
                c"not a host!".as_ptr(),
                0,
                SOCKIT_THREADED,
                &mut server
            ),
            SOCKIT_EINVAL
        );
        assert_eq!(
            sockit_server_mode(c"event-loop".as_ptr()),
            SOCKIT_EVENT_LOOP
        );
        assert_eq!(sockit_server_mode(c"forking".as_ptr()), SOCKIT_FORKING);
        assert_eq!(sockit_server_mode(c"Threaded".as_ptr()), SOCKIT_EINVAL);
        assert_eq!(sockit_server_mode(ptr::null()), SOCKIT_EINVAL);

        assert_eq!(
            new(
                SOCKIT_UDP,
                c"127.0.0.1".as_ptr(),
                0,
                SOCKIT_EVENT_LOOP,
                &mut server
            ),
            SOCKIT_OK
        );
        assert!(sockit_server_port(server) > 0);
        assert_eq!(sockit_server_run(server), SOCKIT_EINVAL, "no handler yet");
        assert_eq!(
            sockit_server_set_tcp_handler(server, Some(ignore_connection), ptr::null_mut()),
            SOCKIT_EINVAL,
            "UDP server"
        );
        assert_eq!(
            sockit_server_set_udp_handler(server, None, ptr::null_mut()),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_server_set_max_workers(server, 0), SOCKIT_EINVAL);
        assert_eq!(sockit_server_set_grace(server, -5), SOCKIT_EINVAL);
        assert_eq!(sockit_server_set_idle_timeout(server, 0), SOCKIT_EINVAL);
        assert_eq!(
            sockit_server_timer(server, -1, None, ptr::null_mut()),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_server_set_echo(server), SOCKIT_OK);
        assert_eq!(sockit_server_stop(server), SOCKIT_OK);
        assert_eq!(
            sockit_server_run(server),
            SOCKIT_OK,
            "stopped before it ran"
        );
        assert_eq!(sockit_server_run(server), SOCKIT_EALREADY);
        assert_eq!(sockit_server_set_echo(server), SOCKIT_EALREADY);
        sockit_server_free(server);

        assert_eq!(
            new(SOCKIT_TCP, ptr::null(), 0, SOCKIT_EVENT_LOOP, &mut server),
            SOCKIT_OK
        );
        assert_eq!(
            sockit_server_set_tcp_handler(server, Some(ignore_connection), ptr::null_mut()),
            SOCKIT_EINVAL,
            "the event loop needs callbacks"
        );
        sockit_server_free(server);

        assert_eq!(sockit_server_stop(ptr::null()), SOCKIT_EINVAL);
        assert_eq!(sockit_server_run(ptr::null_mut()), SOCKIT_EINVAL);
        assert_eq!(sockit_server_port(ptr::null()), SOCKIT_EINVAL);
        sockit_server_free(ptr::null_mut());
        use sockit::ffi::conn::*;
        assert_eq!(
            sockit_conn_write(ptr::null_mut(), b"x".as_ptr().cast(), 1),
            SOCKIT_EINVAL
        );
        assert_eq!(sockit_conn_close(ptr::null_mut()), SOCKIT_EINVAL);
        assert!(sockit_conn_context(ptr::null_mut()).is_null());
    }
}

/// A UDP echo server on loopback: the library's echo, or a handler that sends each datagram
/// back.
fn udp_echo_server(mode: Mode, library_echo: bool) -> Arc<Server> {
    let server = loopback_server(Protocol::Udp, mode);
    if library_echo {
        server.set_echo().unwrap();
    } else {
        server
            .set_handler(Handler::Udp(Arc::new(|socket, data, from| {
                let _ = sockit::net::udp::send_to(socket, data, from);
            })))
            .unwrap();
    }
    server
}

/// Every datagram size from empty to the largest IPv4 carries, and a burst that arrives
/// faster than one datagram per wake-up (the event loop takes them in batches), come back
/// whole from the library's echo and from a handler, in every mode that serves UDP.
#[test]
fn udp_echo_returns_every_datagram_whole_in_batches_and_alone() {
    let sizes = [0usize, 1, 32, 1472, 9000, 65_507];
    for mode in Mode::ALL.into_iter().filter(|mode| mode.is_supported()) {
        for library_echo in [true, false] {
            let server = udp_echo_server(mode, library_echo);
            let run = start(&server);
            let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            client.connect(server.local_addr().unwrap()).unwrap();
            client
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut buf = vec![0u8; 65_536];
            for size in sizes {
                let datagram: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
                client.send(&datagram).unwrap();
                let n = client.recv(&mut buf).unwrap();
                assert_eq!(&buf[..n], &datagram[..], "{mode:?} {size} bytes");
            }
            // A burst: the server finds many waiting at once.
            let burst = 200u16;
            for i in 0..burst {
                client.send(&i.to_be_bytes()).unwrap();
            }
            let mut seen = vec![false; burst as usize];
            for _ in 0..burst {
                let n = client
                    .recv(&mut buf)
                    .expect("every datagram of the burst echoed");
                assert_eq!(n, 2, "{mode:?}");
                seen[u16::from_be_bytes([buf[0], buf[1]]) as usize] = true;
            }
            assert!(seen.iter().all(|&s| s), "{mode:?}: each once");
            server.stop();
            join_within(run, LIMIT, "the run to end after the stop").unwrap();
        }
    }
}

/// A burst makes the UDP event loop receive without waiting (the socket taken out of the
/// poller) until nothing is left; then it must wait in the poller again, and answer a
/// datagram that comes after the pause. (That it uses no CPU while it waits is measured by
/// `cargo xtask bench`, not asserted here: speed is for benchmarks.)
#[cfg(target_os = "linux")]
#[test]
fn the_udp_event_loop_waits_again_after_a_burst() {
    for library_echo in [true, false] {
        let server = udp_echo_server(Mode::EventLoop, library_echo);
        let (running, tid) = support::in_process::start_with_tid(&server);
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client.connect(server.local_addr().unwrap()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buf = [0u8; 16];
        for round in 0..3u16 {
            let burst = 200u16;
            for i in 0..burst {
                client.send(&(round * burst + i).to_be_bytes()).unwrap();
            }
            for _ in 0..burst {
                let n = client.recv(&mut buf).expect("the burst echoed");
                assert_eq!(n, 2, "echo {library_echo}");
            }
            // Idle now: the run thread goes back to waiting in epoll.
            wait_until(LIMIT, "the run thread to wait in epoll_wait", || {
                support::in_process::waits_in_epoll(tid)
            });
            client.send(b"after a pause").unwrap();
            let n = client
                .recv(&mut buf)
                .expect("a datagram after the burst echoed");
            assert_eq!(&buf[..n], b"after a pause", "echo {library_echo}");
        }
        server.stop();
        join_within(running, LIMIT, "the run to end").unwrap();
    }
}

/// Answers each message with "<message>!" framed as the messages are, "too long" for an
/// oversize one, and "cut: <bytes>" for what arrived of the last one.
struct Exclaim;

impl MessageHandler for Exclaim {
    fn on_message(
        &self,
        conn: &mut dyn Conn,
        framing: &Framing,
        message: &[u8],
        status: sockit::Result<()>,
    ) {
        let reply = match status {
            Ok(()) => [message, b"!"].concat(),
            Err(err) if err.code() == ErrorCode::EMSGSIZE => b"too long".to_vec(),
            Err(_) => [b"cut: ", message].concat(),
        };
        let _ = conn.write(&framing.encode(&reply).unwrap());
    }
}

fn length_prefixed(messages: &[&[u8]]) -> Vec<u8> {
    let framing = Framing::length_prefixed(16);
    messages
        .iter()
        .flat_map(|m| framing.encode(m).unwrap())
        .collect()
}

#[test]
fn a_message_handler_gets_whole_messages_in_every_mode_and_the_cut_last_one() {
    for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
        let server = loopback_server(Protocol::Tcp, mode);
        let framed = Framed::new(Framing::length_prefixed(16), Arc::new(Exclaim));
        server
            .set_handler(Handler::Stream(Arc::new(framed)))
            .unwrap();
        let running = start(&server);
        let mut stream = connect(&server);
        stream.set_nodelay(true).unwrap();
        let mut wire = length_prefixed(&[b"one", b"", b"seventeen bytes!!", b"two"]);
        // The last message is announced as 10 bytes, and only 3 come.
        wire.extend_from_slice(&[0, 0, 0, 10, b'c', b'u', b't']);
        // In pieces: a length split in two, a message split from its length.
        for piece in [&wire[..2], &wire[2..5], &wire[5..]] {
            stream.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(20));
        }
        stream.shutdown(Shutdown::Write).unwrap();
        let replies = read_until_closed(&mut stream, &format!("{mode:?}: replies"));
        // What arrived after the last whole message, its length's bytes included.
        let cut = b"cut: \0\0\0\x0acut";
        let expected = length_prefixed(&[b"one!", b"!", b"too long", b"two!", cut]);
        assert_eq!(replies, expected, "{mode:?}");
        server.stop();
        join_within(running, LIMIT, "the run to end after the stop").unwrap();
    }
}

unsafe extern "C" fn write_message_from_on_data(
    conn: *mut sockit::ffi::conn::sockit_conn,
    _: *const c_void,
    len: usize,
    user: *mut c_void,
) {
    if len > 0 {
        // SAFETY: the running callback's conn; `user` is the test's AtomicUsize.
        unsafe {
            let rc = sockit::ffi::conn::sockit_conn_write_message(conn, c"x".as_ptr().cast(), 1);
            (*user.cast::<AtomicUsize>()).store(rc as usize, Ordering::SeqCst);
            sockit::ffi::conn::sockit_conn_close(conn);
        }
    }
}

#[test]
fn write_message_is_refused_outside_a_message_handler() {
    // SAFETY: a server made here, a live out-parameter, a callback of the right type and a
    // user pointer that outlives the run.
    unsafe {
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
        let rc = Arc::new(AtomicUsize::new(0));
        let user = Arc::as_ptr(&rc).cast_mut().cast();
        let on_data = Some(write_message_from_on_data as _);
        let set = sockit_server_set_stream_handler(server, None, on_data, None, user);
        assert_eq!(set, SOCKIT_OK);
        let (delimited, prefixed) = (
            sockit_server_set_delimited_handler(server, c"\n".as_ptr().cast(), 0, 8, None, user),
            sockit_server_set_length_prefixed_handler(server, 8, None, user),
        );
        assert_eq!((delimited, prefixed), (SOCKIT_EINVAL, SOCKIT_EINVAL));
        let mut addr = std::mem::zeroed();
        assert_eq!(sockit_server_addr(server, &mut addr), SOCKIT_OK);
        let port = addr.port;
        let server = server as usize;
        let running = thread::spawn(move || sockit_server_run(server as *mut sockit_server));
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(b"hello").unwrap();
        assert_eq!(read_until_closed(&mut stream, "closed by the handler"), b"");
        assert_eq!(rc.load(Ordering::SeqCst) as c_int, SOCKIT_EINVAL);
        sockit_server_stop(server as *mut sockit_server);
        assert_eq!(running.join().unwrap(), SOCKIT_OK);
        sockit_server_free(server as *mut sockit_server);
    }
}
