//! Connection rate: connect, one echoed message, close, again, for a fixed time. Checks the
//! echo, so a server that accepts but does not serve is not counted.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::histogram::Histogram;
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;

pub struct ConnectRun {
    pub to: SocketAddr,
    pub size: usize,
    pub duration: Duration,
    /// The server's process, whose CPU time over the run is reported.
    pub server: Option<u32>,
}

pub fn run(run: &ConnectRun) -> io::Result<Report> {
    let mut message = vec![0u8; run.size];
    let mut reply = vec![0u8; run.size];
    let mut latency = Histogram::default();
    let (mut connects, mut failures, mut mismatches) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    let end = started + run.duration;
    let timeout = Duration::from_secs(2);
    let mut server_cpu = server_cpu::Window::new(run.server);
    server_cpu.start()?;
    while Instant::now() < end {
        let began = Instant::now();
        pattern::message(connects, 0, &mut message);
        match exchange(run.to, connects, &message, &mut reply, timeout) {
            Ok(()) if reply == message => {
                connects += 1;
                latency.record(began.elapsed());
            }
            Ok(()) => mismatches += 1,
            Err(_) => failures += 1,
        }
    }
    let elapsed = started.elapsed();
    let cpu = server_cpu.end()?;
    Ok(Report::new("connect")
        .count("connections", connects)
        .rate("connections_per_s", connects as f64 / elapsed.as_secs_f64())
        .latency(&latency)
        .count("connections_failed", failures)
        .count("echo_mismatches", mismatches)
        .server_cpu(cpu, elapsed, "connection", connects as f64)
        .seconds(elapsed))
}

fn exchange(
    to: SocketAddr,
    n: u64,
    message: &[u8],
    reply: &mut [u8],
    timeout: Duration,
) -> io::Result<()> {
    let mut stream = connect_from_spread_source(to, n, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(message)?;
    stream.read_exact(reply)
}

/// Connects from one of 127.0.0.1-254 in turn when the server is on IPv4 loopback, so that
/// closed connections waiting out TIME_WAIT do not use up one address's ephemeral ports.
fn connect_from_spread_source(to: SocketAddr, n: u64, timeout: Duration) -> io::Result<TcpStream> {
    let IpAddr::V4(ip) = to.ip() else {
        return TcpStream::connect_timeout(&to, timeout);
    };
    if !ip.is_loopback() {
        return TcpStream::connect_timeout(&to, timeout);
    }
    let source = Ipv4Addr::new(127, 0, 0, (n % 254) as u8 + 1);
    crate::socket::connect_from(SocketAddr::new(source.into(), 0), to, timeout)
}
