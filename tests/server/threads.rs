//! The event loop on several threads (`Server::set_threads`, `sockit_server_set_threads`):
//! every connection and datagram is served, the load is spread over the threads, a stop ends
//! them all, and the settings that cannot work are refused.

#[path = "../support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use sockit::ErrorCode;
use sockit::ffi::error::*;
use sockit::ffi::server::*;
use sockit::net::socket::Bind;
use sockit::server::{Conn, Handler, Mode, Protocol, Server, StreamHandler};
use support::udp_request_once;
use support::waits::join_within;

/// Echoes, and remembers which threads served connections.
#[derive(Default)]
struct Echo {
    threads: Mutex<HashSet<ThreadId>>,
}

impl StreamHandler for Echo {
    fn on_open(&self, _conn: &mut dyn Conn) {
        self.threads.lock().unwrap().insert(thread::current().id());
    }

    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        let _ = conn.write(data);
    }
}

fn server(protocol: Protocol, loops: usize) -> Arc<Server> {
    let server = Server::bind(protocol, Bind::Host("127.0.0.1", 0), Mode::EventLoop).unwrap();
    server.set_threads(loops).unwrap();
    Arc::new(server)
}

fn start(server: &Arc<Server>) -> thread::JoinHandle<sockit::Result<()>> {
    let server = Arc::clone(server);
    thread::spawn(move || server.run())
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "ports are shared with SO_REUSEPORT on Linux"
)]
fn connections_are_spread_over_the_threads_and_all_served() {
    let server = server(Protocol::Tcp, 4);
    let echo = Arc::new(Echo::default());
    server
        .set_handler(Handler::Stream(Arc::clone(&echo) as Arc<dyn StreamHandler>))
        .unwrap();
    let running = start(&server);
    let addr = server.local_addr().unwrap();
    let clients: Vec<_> = (0..64u8)
        .map(|i| {
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                let message = vec![i; 1000 + usize::from(i) * 997];
                for _ in 0..3 {
                    stream.write_all(&message).unwrap();
                    let mut echo = vec![0; message.len()];
                    stream.read_exact(&mut echo).unwrap();
                    assert!(echo == message, "client {i}: echo differs");
                }
                stream.shutdown(Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                stream.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty());
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client failed");
    }
    // 64 connections hashed over 4 sockets: all on one thread would be a 1 in 4^63 chance.
    let threads = echo.threads.lock().unwrap().len();
    assert!(threads > 1, "served on {threads} thread(s)");
    server.stop();
    join_within(
        running,
        Duration::from_secs(30),
        "the run to end after the stop",
    )
    .expect("the run ends cleanly");
    assert!(TcpStream::connect(addr).is_err(), "no thread still listens");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "ports are shared with SO_REUSEPORT on Linux"
)]
fn datagrams_from_many_senders_are_answered_by_every_thread() {
    let server = server(Protocol::Udp, 3);
    let threads = Arc::new(Mutex::new(HashSet::new()));
    let seen = Arc::clone(&threads);
    server
        .set_handler(Handler::Udp(Arc::new(move |socket, data, from| {
            seen.lock().unwrap().insert(thread::current().id());
            let _ = socket.send_to(data, &from.into());
        })))
        .unwrap();
    let running = start(&server);
    for i in 0..48u8 {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.connect(server.local_addr().unwrap()).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let message = [i; 100];
        let mut reply = [0u8; 200];
        let len = udp_request_once(&socket, &message, &mut reply);
        assert_eq!(&reply[..len], &message[..]);
    }
    assert!(
        threads.lock().unwrap().len() > 1,
        "one thread took every sender"
    );
    server.stop();
    join_within(
        running,
        Duration::from_secs(30),
        "the run to end after the stop",
    )
    .expect("the run ends cleanly");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "ports are shared with SO_REUSEPORT on Linux"
)]
fn a_stop_before_the_run_ends_every_thread_at_once() {
    let server = server(Protocol::Tcp, 0);
    server
        .set_handler(sockit::server::echo_handler(Protocol::Tcp))
        .unwrap();
    server.stop();
    start(&server)
        .join()
        .unwrap()
        .expect("the run ends cleanly");
}

#[test]
fn threads_are_for_the_event_loop_only_and_bounded() {
    let blocking = Server::bind(Protocol::Tcp, Bind::Host("127.0.0.1", 0), Mode::Threaded);
    let err = blocking.unwrap().set_threads(2).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EINVAL);
    let event_loop =
        Server::bind(Protocol::Tcp, Bind::Host("127.0.0.1", 0), Mode::EventLoop).unwrap();
    let err = event_loop.set_threads(100_000).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EINVAL);
    event_loop
        .set_threads(1)
        .expect("one loop works everywhere");
    event_loop
        .set_threads(0)
        .expect("as many as useful works everywhere (one where ports cannot be shared)");
    let two = event_loop.set_threads(2);
    if cfg!(target_os = "linux") {
        two.expect("Linux shares a port over threads");
    } else {
        assert_eq!(two.unwrap_err().code(), ErrorCode::EOPNOTSUPP);
    }
    // SAFETY: NULL is documented to fail with SOCKIT_EINVAL.
    assert_eq!(
        unsafe { sockit_server_set_threads(ptr::null_mut(), 2) },
        SOCKIT_EINVAL
    );
    let mut c_server = ptr::null_mut();
    // SAFETY: a valid out-pointer; the server is freed below.
    unsafe {
        assert_eq!(
            sockit_server_new(
                SOCKIT_TCP,
                c"127.0.0.1".as_ptr(),
                0,
                SOCKIT_EVENT_LOOP,
                &mut c_server
            ),
            0
        );
        assert_eq!(sockit_server_set_threads(c_server, -1), SOCKIT_EINVAL);
        assert_eq!(sockit_server_set_threads(c_server, 1025), SOCKIT_EINVAL);
        assert_eq!(sockit_server_set_threads(c_server, 1), 0);
        sockit_server_free(c_server);
    }
}
