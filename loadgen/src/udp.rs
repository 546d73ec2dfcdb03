//! UDP echo with a window of datagrams in flight: each echo is checked and replaced by a
//! new datagram; one not echoed within the loss timeout counts as lost and is replaced too.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::epoll::{self, Epoll};
use crate::histogram::Histogram;
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::Batch;

pub struct UdpRun {
    pub to: SocketAddr,
    pub window: usize,
    pub size: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub loss_timeout: Duration,
    /// The server's process, whose CPU time over the measured window is reported.
    pub server: Option<u32>,
}

/// Each datagram starts with its sequence number; the rest is its pattern.
const HEADER: usize = 8;

pub fn run(run: &UdpRun) -> io::Result<Report> {
    if run.size < HEADER || run.size > 65_507 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "datagram size must be 8..=65507 bytes",
        ));
    }
    let local: SocketAddr = match run.to {
        SocketAddr::V4(_) => "127.0.0.1:0".parse().expect("literal"),
        SocketAddr::V6(_) => "[::1]:0".parse().expect("literal"),
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(run.to)?;
    socket.set_nonblocking(true)?;
    let batch_size = run.window.clamp(1, 64);
    let mut received = Batch::new(batch_size, run.size + 1);
    let mut outgoing = Batch::new(batch_size, run.size);
    let mut poll = Epoll::new(1)?;
    poll.add(socket.as_raw_fd(), 0, epoll::READ)?;

    // In sending order. `answered[seq % slots]` is `seq` once it came back or was counted
    // lost; `sent_at[seq % slots]` is when it left.
    let mut flights: VecDeque<u64> = VecDeque::with_capacity(run.window);
    let slots = run.window.next_power_of_two() * 4;
    let mut answered = vec![u64::MAX; slots];
    let mut sent_at = vec![Instant::now(); slots];
    let mut expected = vec![0u8; run.size - HEADER];
    let (mut next_seq, mut echoes, mut lost, mut mismatches) = (0u64, 0u64, 0u64, 0u64);
    let mut latency = Histogram::default();
    let started = Instant::now();
    let measure_from = started + run.warmup;
    let end = measure_from + run.duration;
    let mut in_flight = 0usize;
    let mut lens = Vec::with_capacity(batch_size);
    let mut server_cpu = server_cpu::Window::new(run.server);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        if now >= measure_from {
            server_cpu.start()?;
        }
        // Forget the answered; count the overdue as lost.
        while let Some(&front) = flights.front() {
            let slot = front as usize % slots;
            if answered[slot] == front {
                flights.pop_front();
            } else if now.duration_since(sent_at[slot]) >= run.loss_timeout {
                answered[slot] = front;
                flights.pop_front();
                in_flight -= 1;
                if now >= measure_from {
                    lost += 1;
                }
            } else {
                break;
            }
        }
        // Fill the window.
        while in_flight < run.window && flights.len() < slots / 2 {
            lens.clear();
            let want = (run.window - in_flight).min(batch_size);
            for i in 0..want {
                let buffer = &mut outgoing.buffer(i)[..run.size];
                buffer[..HEADER].copy_from_slice(&(next_seq + i as u64).to_le_bytes());
                pattern::message(0, next_seq + i as u64, &mut buffer[HEADER..]);
                lens.push(run.size);
            }
            let sent = outgoing.send(&socket, &lens)?;
            let sent_at_now = Instant::now();
            for _ in 0..sent {
                sent_at[next_seq as usize % slots] = sent_at_now;
                flights.push_back(next_seq);
                next_seq += 1;
                in_flight += 1;
            }
            if sent < want {
                break;
            }
        }
        let until = flights.front().map_or(end, |&front| {
            (sent_at[front as usize % slots] + run.loss_timeout).min(end)
        });
        // Until the warm-up ends, wake at its end at the latest, to start the server's window.
        let until = if now < measure_from {
            until.min(measure_from)
        } else {
            until
        };
        poll.wait(until, |_| {})?;
        let now = Instant::now();
        loop {
            let n = received.receive(&socket)?;
            for i in 0..n {
                let datagram = received.received(i);
                let Some((head, body)) = datagram.split_first_chunk::<HEADER>() else {
                    mismatches += 1;
                    continue;
                };
                let seq = u64::from_le_bytes(*head);
                let slot = seq as usize % slots;
                // Earlier than the oldest in flight: answered or counted lost already.
                let oldest = flights.front().copied().unwrap_or(next_seq);
                if seq < oldest || seq >= next_seq || answered[slot] == seq {
                    continue;
                }
                pattern::message(0, seq, &mut expected);
                if datagram.len() != run.size || body != expected.as_slice() {
                    mismatches += 1;
                    continue;
                }
                answered[slot] = seq;
                in_flight -= 1;
                if now >= measure_from {
                    echoes += 1;
                    latency.record(now - sent_at[slot]);
                }
            }
            if n < received.capacity() {
                break;
            }
        }
    }
    let measured = Instant::now().saturating_duration_since(measure_from);
    let cpu = server_cpu.end()?;
    Ok(Report::new("udp")
        .count("window", run.window as u64)
        .count("datagram_bytes", run.size as u64)
        .count("echoes", echoes)
        .rate("echoes_per_s", echoes as f64 / measured.as_secs_f64())
        .count("lost", lost)
        .latency(&latency)
        .count("echo_mismatches", mismatches)
        .server_cpu(cpu, measured, "echo", echoes as f64)
        .seconds(measured))
}
