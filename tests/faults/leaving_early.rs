//! 2. Leaving early: clients that send and close before reading the echo (the server's
//!    reply then meets a closed connection: SIGPIPE, if anything let it through), clients
//!    that shut down their writing and read the rest, and clients that go silent without
//!    closing (the idle timeout reclaims them).

use std::io::{Read, Write};
use std::net::{Shutdown, UdpSocket};
use std::thread;
use std::time::Duration;

use crate::clients::{connect, pattern, send_what_fits};
use crate::report;
use crate::support::raise_descriptor_limit;
use crate::target::{MODES, Scale, Target};

#[test]
fn clients_that_close_before_reading_their_echo_do_not_kill_the_server() {
    raise_descriptor_limit();
    let clients = Scale::get().pick(200, 2000);
    for protocol in ["tcp", "udp"] {
        for mode in MODES {
            let mut target = Target::start(protocol, mode, &[]);
            let load = if protocol == "tcp" {
                let request = pattern(7, 256 * 1024);
                for _ in 0..clients {
                    let mut stream = connect(target.addr);
                    send_what_fits(&mut stream, &request);
                    drop(stream); // unread data: the close is a reset
                }
                format!("{clients} clients send up to 256 KiB each and close unread")
            } else {
                for i in 0..clients {
                    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                    socket
                        .send_to(&pattern(i as u64, 1000), target.addr)
                        .unwrap();
                }
                format!("{clients} clients send a datagram and close before the echo")
            };
            let now = target.assert_recovered("clients that left early");
            report::row(
                &target,
                "Leaving before the echo",
                &load,
                &now,
                "no SIGPIPE",
            );
            target.stop();
        }
    }
}

#[test]
fn clients_that_shut_down_their_writing_get_the_whole_echo_then_the_end() {
    let clients = Scale::get().pick(20, 200);
    for mode in MODES {
        let mut target = Target::start("tcp", mode, &[]);
        let addr = target.addr;
        let readers: Vec<_> = (0..clients)
            .map(|i| {
                thread::spawn(move || {
                    let message = pattern(i as u64, 32 * 1024);
                    let mut stream = connect(addr);
                    stream
                        .set_read_timeout(Some(Duration::from_secs(60)))
                        .unwrap();
                    stream.write_all(&message).unwrap();
                    stream.shutdown(Shutdown::Write).unwrap();
                    let mut echoed = Vec::new();
                    stream.read_to_end(&mut echoed).expect("echo, then the end");
                    echoed == message
                })
            })
            .collect();
        let whole = readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .filter(|whole| *whole)
            .count();
        assert_eq!(whole, clients, "{}: whole echoes", target.name());
        let now = target.assert_recovered("half-closed clients");
        let load =
            format!("{clients} clients at once send 32 KiB, shut down writing, read to the end");
        report::row(
            &target,
            "Half-close",
            &load,
            &now,
            "every echo whole, then the end of stream",
        );
        target.stop();
    }
}

#[test]
fn the_idle_timeout_reclaims_clients_that_vanish_silently() {
    raise_descriptor_limit();
    let clients = Scale::get().pick(20, 200);
    for mode in MODES {
        let mut target = Target::start("tcp", mode, &["--idle", "300"]);
        // Each sends a byte, gets it back, then says nothing more and keeps its socket open.
        let mut silent: Vec<_> = (0..clients).map(|_| connect(target.addr)).collect();
        for stream in &mut silent {
            stream
                .set_read_timeout(Some(Duration::from_secs(120)))
                .unwrap();
            stream.write_all(b"x").unwrap();
        }
        // The server lets go of every one of them while they are still open here: what it
        // holds goes back to what it held before (checked by assert_recovered) and each
        // client reads its echo, then the end of the stream.
        for stream in &mut silent {
            let mut echoed = Vec::new();
            stream.read_to_end(&mut echoed).expect("the server closes");
            assert_eq!(echoed, b"x", "{}", target.name());
        }
        let now = target.assert_recovered("silent clients");
        let load = format!(
            "{clients} clients send a byte and go silent, sockets left open; idle timeout 300 ms"
        );
        report::row(
            &target,
            "Vanished clients",
            &load,
            &now,
            "every one closed by the idle timeout",
        );
        drop(silent);
        target.stop();
    }
}
