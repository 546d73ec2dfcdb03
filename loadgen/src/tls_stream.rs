//! Streaming over TLS: one connection, its handshake made first, writes `bytes` of plaintext
//! in `chunk`-sized pieces while reading the echo back, every byte checked against what was
//! sent at that offset, until everything came back or the time is up. As `stream`, but each
//! chunk is encrypted into records (16 KiB each, rustls' largest) and sent with one call,
//! and what the socket holds is read and decrypted a record's worth at a time.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::Target;
use crate::tls::{self, Client, Received};

pub struct TlsStreamRun {
    pub to: Target,
    pub client: Client,
    pub bytes: u64,
    pub chunk: usize,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the run is reported.
    pub server: Option<u32>,
}

/// Reads per wake-up at most (each up to a record), so that writing gets its turn.
const READS_PER_WAKE: usize = 32;

pub fn run(run: &TlsStreamRun) -> io::Result<Report> {
    let deadline = Instant::now() + run.connect_timeout;
    let streams = connections::open(&run.to, 1, deadline)?;
    let Some(mut conn) = tls::handshake_all(&run.client, streams, deadline)?.pop() else {
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "could not connect and make the handshake",
        ));
    };
    // A whole chunk is encrypted at once (rustls would take 64 KiB by default).
    conn.tls.set_buffer_limit(Some(run.chunk));
    let pattern = pattern::Stream::new(run.chunk.max(1 << 16));
    let mut poll = Epoll::new(4)?;
    poll.add(conn.stream.as_raw_fd(), 0, epoll::READ | epoll::WRITE)?;
    let (mut written, mut echoed, mut mismatches) = (0u64, 0u64, 0u64);
    let mut ended = false;
    let mut server_cpu = server_cpu::Window::new(run.server);
    server_cpu.start()?;
    let started = Instant::now();
    let end = started + run.duration;
    while echoed < run.bytes && !ended && mismatches == 0 && Instant::now() < end {
        let mut last = None;
        poll.wait(end, |ready| last = Some(ready))?;
        let Some(ready) = last else {
            continue;
        };
        if ready.writable && conn.flush()? && written < run.bytes {
            let len = (run.bytes - written).min(run.chunk as u64) as usize;
            written += conn.queue(pattern.at(written, len))? as u64;
            conn.flush()?;
            if written == run.bytes {
                // Nothing more to write: only the echo matters now.
                poll.modify(conn.stream.as_raw_fd(), 0, epoll::READ)?;
            }
        }
        if ready.readable || ready.failed {
            for _ in 0..READS_PER_WAKE {
                let received = conn.receive()?;
                conn.drain(|chunk| {
                    if *chunk != *pattern.at(echoed, chunk.len()) {
                        mismatches += 1;
                    }
                    echoed += chunk.len() as u64;
                })?;
                match received {
                    Received::Some => {}
                    Received::WouldBlock => break,
                    Received::Closed => {
                        ended = true;
                        break;
                    }
                }
            }
            // rustls may have something to say back (a key update): it goes with the writes.
        }
        if written == run.bytes && conn.tls.wants_write() {
            conn.flush()?;
        }
    }
    let elapsed = started.elapsed();
    let cpu = server_cpu.end()?;
    Ok(Report::new("tls-stream")
        .count("bytes_requested", run.bytes)
        .count("bytes_written", written)
        .count("bytes_echoed", echoed)
        .count("chunk_bytes", run.chunk as u64)
        .rate("gb_per_s", echoed as f64 / elapsed.as_secs_f64() / 1e9)
        .count("complete", u64::from(echoed == run.bytes))
        .count("echo_mismatches", mismatches)
        .server_cpu(cpu, elapsed, "mb", echoed as f64 / 1e6)
        .seconds(elapsed))
}
