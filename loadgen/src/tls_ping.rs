//! Ping-pong over TLS: every connection makes its handshake (all at once, before the
//! measuring), then sends a message, waits for its echo, checks it and sends the next, for a
//! fixed time. As `ping`, each message one record.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::histogram::Histogram;
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::Target;
use crate::tls::{self, Client, Received, TlsConn};

pub struct TlsPing {
    pub to: Target,
    pub client: Client,
    pub connections: usize,
    pub size: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the measured window is reported.
    pub server: Option<u32>,
}

struct Conn {
    tls: TlsConn,
    seq: u64,
    sent_at: Instant,
    /// The echo so far.
    got: usize,
    replies: u64,
    /// Closed or failed: no longer in the run.
    gone: bool,
}

pub fn run(ping: &TlsPing) -> io::Result<Report> {
    let connect_deadline = Instant::now() + ping.connect_timeout;
    let streams = connections::open(&ping.to, ping.connections, connect_deadline)?;
    let sessions = tls::handshake_all(&ping.client, streams, connect_deadline)?;
    let mut poll = Epoll::new(1024)?;
    let mut conns = Vec::with_capacity(sessions.len());
    let mut expected = vec![0u8; ping.size];
    let mut reply = vec![0u8; ping.size];
    let started = Instant::now();
    for (i, tls) in sessions.into_iter().enumerate() {
        poll.add(tls.stream.as_raw_fd(), i as u64, epoll::READ)?;
        let mut conn = Conn {
            tls,
            seq: 0,
            sent_at: started,
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
    let (mut mismatches, mut failures) = (0u64, 0u64);
    let mut ready = Vec::with_capacity(1024);
    let mut server_cpu = server_cpu::Window::new(ping.server);
    while Instant::now() < end {
        ready.clear();
        let until = if Instant::now() < measure_from {
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
            match receive(conn, &mut reply) {
                Ok(Some(over)) if over || conn.got == ping.size => {
                    pattern::message(key, conn.seq, &mut expected);
                    if over || reply != expected {
                        mismatches += 1;
                        close(&poll, conn);
                        continue;
                    }
                }
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => {
                    failures += 1;
                    close(&poll, conn);
                    continue;
                }
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
    Ok(Report::new("tls-ping")
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

/// One read and what it decrypted, added to the echo so far: `Some(over)`, over when the
/// server sent more than the message; `None` when the connection closed.
fn receive(conn: &mut Conn, reply: &mut [u8]) -> io::Result<Option<bool>> {
    if conn.tls.receive()? == Received::Closed {
        return Ok(None);
    }
    let mut over = false;
    let got = &mut conn.got;
    conn.tls.drain(|chunk| {
        let room = reply.len() - *got;
        let n = chunk.len().min(room);
        reply[*got..*got + n].copy_from_slice(&chunk[..n]);
        *got += n;
        over |= chunk.len() > room;
    })?;
    // Anything rustls has to answer (a key update) goes now.
    conn.tls.flush()?;
    Ok(Some(over))
}

fn send_next(conn: &mut Conn, key: u64, message: &mut [u8]) -> io::Result<()> {
    pattern::message(key, conn.seq, message);
    conn.got = 0;
    conn.sent_at = Instant::now();
    conn.tls.queue(message)?;
    // A record of at most a few KiB always fits in an idle connection's send buffer.
    if conn.tls.flush()? {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "message did not fit in the send buffer",
        ))
    }
}

fn close(poll: &Epoll, conn: &mut Conn) {
    conn.gone = true;
    let _ = poll.modify(conn.tls.stream.as_raw_fd(), 0, 0);
    conn.tls.stream.shutdown();
}
