//! The event loop holds and serves 10,000 TCP connections at once, from the C program
//! `tcp_multi_echo_server`. Each connection is opened and kept open, every one of them
//! echoes a message, and then every one echoes again: all 10,000 were served concurrently.
//!
//! The descriptor limit is raised to the hard limit first (10,000 connections need 10,000
//! descriptors on each side); the server inherits it. A C program does the same with
//! `setrlimit(RLIMIT_NOFILE, ...)`, or its user with `ulimit -n 20000` before starting it.
#![cfg(target_os = "linux")]

#[path = "../support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{Linkage, Server, programs, raise_descriptor_limit, resident_kib};

const CONNECTIONS: usize = 10_000;

fn echo(stream: &mut TcpStream, message: &[u8]) {
    stream.write_all(message).expect("send");
    let mut echoed = vec![0u8; message.len()];
    stream.read_exact(&mut echoed).expect("echo");
    assert_eq!(echoed, message);
}

#[test]
fn the_event_loop_holds_and_serves_ten_thousand_connections() {
    let limit = raise_descriptor_limit();
    assert!(
        limit >= CONNECTIONS as u64 + 100,
        "the hard descriptor limit ({limit}) is too low for {CONNECTIONS} connections"
    );
    let mut server = Server::start(
        &programs().path("tcp_multi_echo_server", Linkage::Static),
        &["0", "event-loop"],
    );
    let started = Instant::now();
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for n in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port()))
            .unwrap_or_else(|e| panic!("connection {n}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        echo(&mut stream, format!("first {n}").as_bytes());
        streams.push(stream);
    }
    let opened = started.elapsed();
    // All of them are still open and served: each echoes again, in reverse order.
    for (n, stream) in streams.iter_mut().enumerate().rev() {
        echo(stream, format!("second {n}").as_bytes());
    }
    let rss = resident_kib(server.pid());
    eprintln!(
        "{CONNECTIONS} connections opened and echoed in {opened:.1?}, all echoed again by \
         {:.1?}; server RSS {rss} KiB",
        started.elapsed()
    );
    assert!(server.is_running());
    drop(streams);
    let status = server.terminate(Duration::from_secs(15));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}
