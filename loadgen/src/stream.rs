//! TCP streaming: one connection writes `bytes` in `chunk`-sized writes while reading the
//! echo back, every byte checked against what was sent at that offset.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::pattern;
use crate::report::Report;
use crate::socket::{read_now, write_now};

pub struct StreamRun {
    pub to: SocketAddr,
    pub bytes: u64,
    pub chunk: usize,
    pub duration: Duration,
    pub connect_timeout: Duration,
}

pub fn run(run: &StreamRun) -> io::Result<Report> {
    let deadline = Instant::now() + run.connect_timeout;
    let Some(stream) = connections::open(run.to, 1, deadline)?.pop() else {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "could not connect"));
    };
    let pattern = pattern::Stream::new(run.chunk);
    let mut poll = Epoll::new(4)?;
    poll.add(stream.as_raw_fd(), 0, epoll::READ | epoll::WRITE)?;
    let mut buf = vec![0u8; run.chunk];
    let (mut written, mut echoed, mut mismatches) = (0u64, 0u64, 0u64);
    let mut ended = false;
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
            match read_now(&stream, &mut buf)? {
                Some(0) => ended = true,
                Some(n) => {
                    if buf[..n] != *pattern.at(echoed, n) {
                        mismatches += 1;
                    }
                    echoed += n as u64;
                }
                None => {}
            }
        }
    }
    let elapsed = started.elapsed();
    Ok(Report::new("stream")
        .count("bytes_requested", run.bytes)
        .count("bytes_written", written)
        .count("bytes_echoed", echoed)
        .count("chunk_bytes", run.chunk as u64)
        .rate("gb_per_s", echoed as f64 / elapsed.as_secs_f64() / 1e9)
        .count("complete", u64::from(echoed == run.bytes))
        .count("echo_mismatches", mismatches)
        .seconds(elapsed))
}
