//! Fetching a file from a file server (`file_server <port> <directory>`): one connection
//! sends the file's name on a line and reads the bytes that come back until the server
//! closes. Their count must be the file's size, and a sample of them (64 KiB at every 16 MiB)
//! must be the file's bytes; reading the file whole to compare would cost the load generator
//! as much as the server.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::report::Report;
use crate::server_cpu;
use crate::socket::{Target, read_now, write_now};

pub struct FetchRun {
    pub to: Target,
    /// The file as the server names it.
    pub name: String,
    /// The same file, for its size and the sampled bytes.
    pub file: PathBuf,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the run is reported.
    pub server: Option<u32>,
}

/// Bytes compared at every sample point.
const SAMPLE: u64 = 64 << 10;
/// Distance between sample points.
const EVERY: u64 = 16 << 20;

pub fn run(run: &FetchRun) -> io::Result<Report> {
    let file = File::open(&run.file)?;
    let size = file.metadata()?.len();
    let deadline = Instant::now() + run.connect_timeout;
    let Some(stream) = connections::open(&run.to, 1, deadline)?.pop() else {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "could not connect"));
    };
    let request = format!("{}\n", run.name);
    let mut server_cpu = server_cpu::Window::new(run.server);
    server_cpu.start()?;
    let started = Instant::now();
    if write_now(&stream, request.as_bytes())? != Some(request.len()) {
        return Err(io::Error::other(
            "the request did not fit in the send buffer",
        ));
    }
    let mut poll = Epoll::new(4)?;
    poll.add(stream.as_raw_fd(), 0, epoll::READ)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut expected = vec![0u8; SAMPLE as usize];
    let (mut received, mut mismatches) = (0u64, 0u64);
    let end = started + run.duration;
    let mut ended = false;
    while !ended && Instant::now() < end {
        let mut ready = false;
        poll.wait(end, |_| ready = true)?;
        if !ready {
            continue;
        }
        while let Some(n) = read_now(&stream, &mut buf)? {
            if n == 0 {
                ended = true;
                break;
            }
            // The sample points this chunk holds the start of.
            let (from, to) = (received, received + n as u64);
            let mut point = from.div_ceil(EVERY) * EVERY;
            while point < to {
                let len = (to - point).min(SAMPLE) as usize;
                let at = (point - from) as usize;
                file.read_exact_at(&mut expected[..len], point)?;
                if buf[at..at + len] != expected[..len] {
                    mismatches += 1;
                }
                point += EVERY;
            }
            received = to;
        }
    }
    let elapsed = started.elapsed();
    let cpu = server_cpu.end()?;
    if received != size {
        mismatches += 1;
    }
    Ok(Report::new("fetch")
        .count("file_bytes", size)
        .count("bytes_received", received)
        .rate("gb_per_s", received as f64 / elapsed.as_secs_f64() / 1e9)
        .count("complete", u64::from(ended && received == size))
        .count("echo_mismatches", mismatches)
        .server_cpu(cpu, elapsed, "mb", received as f64 / 1e6)
        .seconds(elapsed))
}
