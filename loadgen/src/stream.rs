//! Streaming over TCP or a Unix domain socket: one connection writes `bytes` in
//! `chunk`-sized writes while reading the echo back, every byte checked against what was sent
//! at that offset, until everything came back or the time is up.
//!
//! The load generator must be able to keep the fastest server busy: it writes and reads
//! whole chunks (256 KiB in the benchmark suite, four times the servers' 64 KiB reads), and
//! reads until nothing is left before it waits again, so that it spends less per byte than
//! the server it measures.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::{Target, read_now, write_now};

pub struct StreamRun {
    pub to: Target,
    pub bytes: u64,
    pub chunk: usize,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the run is reported.
    pub server: Option<u32>,
}

/// Reads per wake-up at most, so that writing gets its turn.
const READS_PER_WAKE: usize = 4;

pub fn run(run: &StreamRun) -> io::Result<Report> {
    let deadline = Instant::now() + run.connect_timeout;
    let Some(stream) = connections::open(&run.to, 1, deadline)?.pop() else {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "could not connect"));
    };
    let pattern = pattern::Stream::new(run.chunk);
    let mut poll = Epoll::new(4)?;
    poll.add(stream.as_raw_fd(), 0, epoll::READ | epoll::WRITE)?;
    let mut buf = vec![0u8; run.chunk];
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
        if ready.writable && written < run.bytes {
            let len = (run.bytes - written).min(run.chunk as u64) as usize;
            if let Some(n) = write_now(&stream, pattern.at(written, len))? {
                written += n as u64;
                if written == run.bytes {
                    // Nothing more to write: only the echo matters now.
                    poll.modify(stream.as_raw_fd(), 0, epoll::READ)?;
                }
            }
        }
        if ready.readable || ready.failed {
            for _ in 0..READS_PER_WAKE {
                match read_now(&stream, &mut buf)? {
                    Some(0) => ended = true,
                    Some(n) => {
                        if buf[..n] != *pattern.at(echoed, n) {
                            mismatches += 1;
                        }
                        echoed += n as u64;
                        if n == buf.len() {
                            continue;
                        }
                    }
                    None => {}
                }
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu = server_cpu.end()?;
    Ok(Report::new("stream")
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
