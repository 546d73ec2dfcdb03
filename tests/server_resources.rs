//! A server run leaves nothing behind: after every mode and protocol has served and
//! stopped, the process has the descriptors, threads and child processes it had before.
//! One test in its own binary, so that no other test opens descriptors meanwhile.
#![cfg(target_os = "linux")] // counts through /proc

mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sockit::net::socket::Bind;
use sockit::server::echo_handler;
use sockit::server::{Mode, Protocol, Server};
use support::in_process::listen_queue;
use support::waits::{join_within, wait_for_value};

fn count(dir: &str) -> usize {
    fs::read_dir(dir).expect(dir).count()
}

/// Serves ten clients; returns an idle connection left open, for the stop to deal with.
fn serve_some_clients(server: &Server) -> Option<TcpStream> {
    let addr = server.local_addr();
    for client in 0..10 {
        let data = format!("client {client}").into_bytes();
        let echoed = match server.protocol() {
            Protocol::Tcp => {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.write_all(&data).unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                let mut echoed = Vec::new();
                stream.read_to_end(&mut echoed).unwrap();
                echoed
            }
            Protocol::Udp => {
                let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                socket.send_to(&data, addr).unwrap();
                let mut buf = [0u8; 64];
                let n = socket.recv(&mut buf).unwrap();
                buf[..n].to_vec()
            }
        };
        assert_eq!(echoed, data);
    }
    let idle = (server.protocol() == Protocol::Tcp).then(|| TcpStream::connect(addr).unwrap());
    if idle.is_some() {
        // Accepted before the stop comes: the listen queue is empty.
        let what = "the idle connection accepted";
        wait_for_value(Duration::from_secs(30), what, 0, || {
            listen_queue(addr.port())
        });
    }
    idle
}

#[test]
fn no_descriptor_thread_or_child_outlives_a_run() {
    // Warm up what the process keeps for good (the resolver, std's own descriptors).
    drop(UdpSocket::bind("127.0.0.1:0"));
    let (fds, threads) = (count("/proc/self/fd"), count("/proc/self/task"));
    for protocol in [Protocol::Tcp, Protocol::Udp] {
        for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
            let server =
                Arc::new(Server::bind(protocol, Bind::Host("127.0.0.1", 0), mode).expect("bind"));
            server.set_handler(echo_handler(protocol)).unwrap();
            server.set_grace(Duration::from_millis(200)).unwrap();
            let running = {
                let server = Arc::clone(&server);
                thread::spawn(move || server.run())
            };
            let idle = serve_some_clients(&server);
            server.stop();
            let what = "the run to end after the stop";
            join_within(running, Duration::from_secs(30), what).unwrap();
            drop(idle);
            drop(server);
            let what = format!("{protocol:?} {mode:?}");
            assert_eq!(count("/proc/self/fd"), fds, "{what}: descriptors");
            assert_eq!(count("/proc/self/task"), threads, "{what}: threads");
            let me = std::process::id();
            assert_eq!(support::zombie_children(me), Vec::<String>::new(), "{what}");
        }
    }
}
