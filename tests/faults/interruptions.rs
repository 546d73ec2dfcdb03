//! 6. Interruptions: signals land in the server's blocking calls while it serves (EINTR is
//!    retried inside sockit, never a failure), `stop` comes from a signal handler while the
//!    server is busy, and the C program `interrupt_check` makes every kind of blocking call
//!    under a timer signal every millisecond.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::clients::{connect, pattern, round_trip};
use crate::report;
use crate::support::{Linkage, programs, run, udp_request};
use crate::target::{MODES, Scale, Target};

/// Sends `signal` to `pid` every millisecond until `done`, at most `limit` times; how many.
fn pelt(pid: u32, signal: i32, done: Arc<AtomicBool>, limit: usize) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let mut sent = 0;
        while !done.load(Ordering::Relaxed) && sent < limit {
            // SAFETY: kill takes plain integers; the process is the test's own child.
            if unsafe { libc::kill(pid as libc::pid_t, signal) } != 0 {
                break;
            }
            sent += 1;
            thread::sleep(Duration::from_millis(1));
        }
        sent
    })
}

/// Clients echoing messages until `done`: TCP connections or UDP sockets.
fn echo_load(
    protocol: &str,
    addr: SocketAddr,
    clients: usize,
    done: Arc<AtomicBool>,
) -> Vec<thread::JoinHandle<usize>> {
    (0..clients)
        .map(|i| {
            let done = Arc::clone(&done);
            let tcp = protocol == "tcp";
            thread::spawn(move || {
                let message = pattern(i as u64, 4096);
                let mut echoes = 0;
                if tcp {
                    let mut stream = connect(addr);
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    while !done.load(Ordering::Relaxed) {
                        round_trip(&mut stream, &message);
                        echoes += 1;
                    }
                } else {
                    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                    socket.connect(addr).unwrap();
                    socket
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    let mut buf = vec![0; 8192];
                    // Every request answered: a resend only where the system dropped one.
                    while !done.load(Ordering::Relaxed) {
                        let n = udp_request(&socket, &message, &mut buf).expect("an echo");
                        assert!(buf[..n] == message[..], "UDP echo differs");
                        echoes += 1;
                    }
                }
                echoes
            })
        })
        .collect()
}

#[test]
fn signals_during_blocking_calls_are_not_failures() {
    let seconds = Scale::get().pick(2, 10);
    for protocol in ["tcp", "udp"] {
        for mode in MODES {
            let mut target = Target::start(protocol, mode, &[]);
            let done = Arc::new(AtomicBool::new(false));
            let load = echo_load(protocol, target.addr, 4, Arc::clone(&done));
            let signals = pelt(target.pid(), libc::SIGUSR1, Arc::clone(&done), 20_000);
            thread::sleep(Duration::from_secs(seconds));
            done.store(true, Ordering::Relaxed);
            let echoes: usize = load
                .into_iter()
                .map(|c| c.join().expect("echoes right"))
                .sum();
            let signals = signals.join().unwrap();
            assert!(echoes > 0, "{}: nothing echoed", target.name());
            let now = target.assert_recovered("a signal storm");
            let load = format!(
                "SIGUSR1 (no SA_RESTART) every ms for {seconds} s while 4 clients echo 4 KiB messages"
            );
            let note = format!("{signals} signals, {echoes} echoes, all correct");
            report::row(&target, "Signal storm", &load, &now, &note);
            target.stop();
        }
    }
}

#[test]
fn a_stop_from_a_signal_handler_while_busy_ends_the_run_cleanly() {
    for protocol in ["tcp", "udp"] {
        for mode in MODES {
            let target = Target::start(protocol, mode, &[]);
            let done = Arc::new(AtomicBool::new(false));
            // Clients that keep echoing; the stop cuts them off, so their failures (panics
            // in their threads) are expected and ignored.
            let load = echo_load(protocol, target.addr, 4, Arc::clone(&done));
            thread::sleep(Duration::from_millis(500));
            let started = Instant::now();
            target.stop(); // SIGTERM: the handler calls sockit_server_stop()
            assert!(started.elapsed() < Duration::from_secs(30));
            done.store(true, Ordering::Relaxed);
            for client in load {
                let _ = client.join();
            }
        }
    }
}

/// What `interrupt_check` prints: each blocking call under the timer signal, and its result.
const INTERRUPT_RESULTS: &str = "\
sockit_accept: 0
sockit_tcp_connect: 0
sockit_recv_exact (a byte every 5 ms): 200
sockit_send_all (4 MiB to a slow reader): 4194304
sockit_recv_to_end: 4194304
sockit_recv with a 300 ms read timeout: SOCKIT_ETIMEDOUT
  took the 300 ms, not less, and ended: yes
sockit_poll for 300 ms: 0
  took the 300 ms, not less, and ended: yes
sockit_recvfrom: 5
sockit_echo_udp_exchange with a 300 ms timeout: SOCKIT_ETIMEDOUT
  took the 300 ms, not less, and ended: yes
signals caught: many
";

#[test]
fn blocking_calls_under_a_timer_signal_every_millisecond_succeed() {
    for linkage in Linkage::BOTH {
        let output = run(
            &programs().path("interrupt_check", linkage),
            &[] as &[&str],
            Duration::from_secs(60),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{linkage:?}: {output:?}");
        assert_eq!(stdout, INTERRUPT_RESULTS, "{linkage:?}");
    }
}
