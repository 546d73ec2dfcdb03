//! A server run leaves nothing behind: after every mode and protocol has served and
//! stopped, the process has the descriptors, threads and child processes it had before.
//! One test in its own binary, so that no other test opens descriptors meanwhile.
#![cfg(target_os = "linux")] // counts through /proc

#[path = "../support/mod.rs"]
mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sockit::net::socket::Bind;
use sockit::net::unix::{Existing, UnixAddr};
use sockit::server::echo_handler;
use sockit::server::{Mode, Protocol, Server};
use std::os::unix::net::UnixStream;
use std::path::Path;
use support::in_process::listen_queue;
use support::waits::{join_within, wait_for_value};

fn count(dir: &str) -> usize {
    fs::read_dir(dir).expect(dir).count()
}

/// Echoes `data` over a stream, half-closing after it.
fn stream_echo(mut stream: impl Read + Write, data: &[u8], half_close: impl FnOnce()) -> Vec<u8> {
    stream.write_all(data).unwrap();
    half_close();
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    echoed
}

/// Serves ten clients; returns an idle TCP connection left open, for the stop to deal with.
fn serve_some_clients(server: &Server) -> Option<TcpStream> {
    let addr = server.local_addr();
    let path = server
        .unix_addr()
        .and_then(|a| a.path())
        .map(|p| p.to_path_buf());
    for client in 0..10 {
        let data = format!("client {client}").into_bytes();
        let echoed = match server.protocol() {
            Protocol::Tcp => {
                let stream = TcpStream::connect(addr.unwrap()).unwrap();
                let writer = stream.try_clone().unwrap();
                stream_echo(stream, &data, || writer.shutdown(Shutdown::Write).unwrap())
            }
            Protocol::UnixStream => {
                let stream = UnixStream::connect(path.as_ref().unwrap()).unwrap();
                let writer = stream.try_clone().unwrap();
                stream_echo(stream, &data, || writer.shutdown(Shutdown::Write).unwrap())
            }
            Protocol::Udp => {
                let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                socket.send_to(&data, addr.unwrap()).unwrap();
                let mut buf = [0u8; 64];
                let n = socket.recv(&mut buf).unwrap();
                buf[..n].to_vec()
            }
        };
        assert_eq!(echoed, data);
    }
    // (An idle connection at the stop is TCP's case here: the listen queue tells when it was
    // accepted, which a Unix domain socket's does not.)
    let idle =
        (server.protocol() == Protocol::Tcp).then(|| TcpStream::connect(addr.unwrap()).unwrap());
    if idle.is_some() {
        // Accepted before the stop comes: the listen queue is empty.
        let what = "the idle connection accepted";
        wait_for_value(Duration::from_secs(30), what, 0, || {
            listen_queue(addr.unwrap().port())
        });
    }
    idle
}

#[test]
fn no_descriptor_thread_or_child_outlives_a_run() {
    // Warm up what the process keeps for good (the resolver, std's own descriptors).
    drop(UdpSocket::bind("127.0.0.1:0"));
    let (fds, threads) = (count("/proc/self/fd"), count("/proc/self/task"));
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("resources-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.sock");
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::UnixStream] {
        for mode in Mode::ALL.into_iter().filter(|m| m.is_supported()) {
            let server = Arc::new(
                match protocol {
                    Protocol::UnixStream => {
                        let name = UnixAddr::Path(path.clone());
                        Server::bind_unix(&name, mode, Existing::Refuse)
                    }
                    _ => Server::bind(protocol, Bind::Host("127.0.0.1", 0), mode),
                }
                .expect("bind"),
            );
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
            assert!(
                !path.exists(),
                "{what}: the socket file outlived the server"
            );
            assert_eq!(count("/proc/self/fd"), fds, "{what}: descriptors");
            assert_eq!(count("/proc/self/task"), threads, "{what}: threads");
            let me = std::process::id();
            assert_eq!(support::zombie_children(me), Vec::<String>::new(), "{what}");
        }
    }
}
