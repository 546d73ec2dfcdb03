//! sockit-load against small echo servers of its own: each workload finishes within its
//! time, reports what it measured, and notices an echo that differs from what was sent.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Output};
use std::thread;

/// A TCP echo server on loopback, a thread per connection; `corrupt` flips one byte of
/// every chunk it echoes.
fn tcp_echo(corrupt: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    if corrupt {
                        buf[n / 2] ^= 0x20;
                    }
                    if stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// A UDP echo server on loopback; `drop_every` > 0 leaves every so many datagrams unanswered.
fn udp_echo(drop_every: usize) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut received = 0;
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            received += 1;
            if drop_every == 0 || received % drop_every != 0 {
                let _ = socket.send_to(&buf[..n], from);
            }
        }
    });
    port
}

fn load(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sockit-load"))
        .args(args)
        .output()
        .unwrap()
}

fn report(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn ping_counts_round_trips_over_every_connection() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&[
        "ping",
        "--to",
        &to,
        "--connections",
        "20",
        "--seconds",
        "0.5",
        "--warmup",
        "0.1",
        "--json",
    ]));
    assert_eq!(r["connections_served"], 20);
    assert_eq!(r["echo_mismatches"], 0);
    // How many is a speed, for the benchmarks; here only that they were counted.
    assert!(r["round_trips"].as_u64().unwrap() > 0, "{r}");
    assert!(r["latency_p50_us"].as_f64().unwrap() > 0.0);
}

#[test]
fn stream_echoes_every_byte() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&["stream", "--to", &to, "--bytes", "8M", "--json"]));
    assert_eq!(r["bytes_echoed"], 8 << 20);
    assert_eq!(r["complete"], 1);
}

/// `sockit-load udp` for half a second against [`udp_echo`]`(drop_every)`, a datagram
/// unanswered for `loss` seconds counted lost: (echoes, lost), with no echo that differs.
fn udp_run(drop_every: usize, loss: &str) -> (u64, u64) {
    let to = format!("127.0.0.1:{}", udp_echo(drop_every));
    let args = [
        "udp",
        "--to",
        &to,
        "--seconds",
        "0.5",
        "--warmup",
        "0",
        "--loss",
        loss,
    ];
    let r = report(&load(&[&args[..], &["--json"]].concat()));
    assert_eq!(r["echo_mismatches"], 0, "{r}");
    (r["echoes"].as_u64().unwrap(), r["lost"].as_u64().unwrap())
}

#[test]
fn udp_counts_echoes_and_no_losses_on_loopback() {
    // A datagram unanswered for 10 s is lost: none is, on loopback, with 64 in flight.
    let (echoes, lost) = udp_run(0, "10");
    assert!(echoes > 0 && lost == 0, "{echoes} echoes, {lost} lost");
}

#[test]
fn udp_counts_the_datagrams_a_server_leaves_unanswered_as_lost() {
    let (echoes, lost) = udp_run(2, "0.05");
    assert!(echoes > 0 && lost > 0, "{echoes} echoes, {lost} lost");
}

#[test]
fn connect_rate_counts_connections() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&[
        "connect",
        "--to",
        &to,
        "--seconds",
        "0.3",
        "--json",
    ]));
    assert!(r["connections"].as_u64().unwrap() > 0, "{r}");
}

#[test]
fn a_corrupted_echo_fails_the_run() {
    let to = format!("127.0.0.1:{}", tcp_echo(true));
    for args in [
        &["ping", "--to", &to, "--seconds", "0.2", "--warmup", "0"][..],
        &["stream", "--to", &to, "--bytes", "1M"][..],
    ] {
        let output = load(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("differed"));
    }
}

#[test]
fn only_loopback_is_loaded() {
    let output = load(&["ping", "--to", "192.0.2.1:7", "--seconds", "0.1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("only loopback"));
}
