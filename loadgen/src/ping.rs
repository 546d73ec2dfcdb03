//! Ping-pong over TCP or a Unix domain socket: every connection sends a message, waits for its echo, checks it and sends
//! the next, for a fixed time. Counts round trips and their latency.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::histogram::Histogram;
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::{Stream, Target, read_now, write_now};

pub struct Ping {
    pub to: Target,
    pub connections: usize,
    pub size: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the measured window is reported.
    pub server: Option<u32>,
}

struct Conn {
    stream: Stream,
    seq: u64,
    sent_at: Instant,
    /// The echo so far.
    reply: Vec<u8>,
    got: usize,
    replies: u64,
    /// Closed or failed: no longer in the run.
    gone: bool,
}

pub fn run(ping: &Ping) -> io::Result<Report> {
    let connect_deadline = Instant::now() + ping.connect_timeout;
    let streams = connections::open(&ping.to, ping.connections, connect_deadline)?;
    let mut poll = Epoll::new(1024)?;
    let mut conns = Vec::with_capacity(streams.len());
    let mut expected = vec![0u8; ping.size];
    let started = Instant::now();
    for (i, stream) in streams.into_iter().enumerate() {
        poll.add(stream.as_raw_fd(), i as u64, epoll::READ)?;
        let mut conn = Conn {
            stream,
            seq: 0,
            sent_at: started,
            reply: vec![0; ping.size],
            got: 0,
            replies: 0,
            gone: false,
        };
        send_next(&mut conn, i as u64, &mut expected)?;
        conns.push(conn);
    }
    let measure_from = Instant::now() + ping.warmup;
    let end = measure_from + ping.duration;
    let mut latency = Histogram::default();
    let mut mismatches = 0u64;
    let mut failures = 0u64;
    let mut ready = Vec::with_capacity(1024);
    let mut server_cpu = server_cpu::Window::new(ping.server);
    while Instant::now() < end {
        ready.clear();
        // Until the warm-up ends, wake at its end at the latest, to start the server's window.
        let until = if now_before(measure_from) {
            measure_from
        } else {
            end
        };
        poll.wait(until, |event| ready.push(event.key))?;
        let now = Instant::now();
        if now >= measure_from {
            server_cpu.start()?;
        }
        for &key in &ready {
            let conn = &mut conns[key as usize];
            if conn.gone {
                continue;
            }
            let got = conn.got;
            match read_now(&conn.stream, &mut conn.reply[got..]) {
                Ok(Some(0)) | Err(_) => {
                    failures += 1;
                    close(&poll, conn);
                    continue;
                }
                Ok(Some(n)) => conn.got += n,
                Ok(None) => continue,
            }
            if conn.got < ping.size {
                continue;
            }
            pattern::message(key, conn.seq, &mut expected);
            if conn.reply != expected {
                mismatches += 1;
                close(&poll, conn);
                continue;
            }
            conn.replies += 1;
            if now >= measure_from {
                latency.record(now - conn.sent_at);
            }
            conn.seq += 1;
            if send_next(conn, key, &mut expected).is_err() {
                failures += 1;
                close(&poll, conn);
            }
        }
    }
    let measured = Instant::now().saturating_duration_since(measure_from);
    let cpu = server_cpu.end()?;
    let served = conns.iter().filter(|conn| conn.replies > 0).count();
    Ok(Report::new("ping")
        .count("connections_requested", ping.connections as u64)
        .count("connections_connected", conns.len() as u64)
        .count("connections_served", served as u64)
        .count("message_bytes", ping.size as u64)
        .count("round_trips", latency.count())
        .rate(
            "round_trips_per_s",
            latency.count() as f64 / measured.as_secs_f64(),
        )
        .latency(&latency)
        .count("echo_mismatches", mismatches)
        .count("connections_failed", failures)
        .server_cpu(cpu, measured, "round_trip", latency.count() as f64)
        .seconds(measured))
}

fn now_before(instant: Instant) -> bool {
    Instant::now() < instant
}

fn send_next(conn: &mut Conn, key: u64, message: &mut [u8]) -> io::Result<()> {
    pattern::message(key, conn.seq, message);
    conn.got = 0;
    conn.sent_at = Instant::now();
    // A message of at most a few KiB always fits in an idle connection's send buffer.
    match write_now(&conn.stream, message)? {
        Some(n) if n == message.len() => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "message did not fit in the send buffer",
        )),
    }
}

fn close(poll: &Epoll, conn: &mut Conn) {
    conn.gone = true;
    let _ = poll.modify(conn.stream.as_raw_fd(), 0, 0);
    conn.stream.shutdown();
}
