//! Chat fan-out: `clients` connections to a chat server (`c_examples/chat_server.c` and the
//! baselines in `benches/c/`), where every line a client sends goes to every other client as
//! `<sender's name>: <line>`, and joins and leaves are announced as lines starting with `* `.
//!
//! Once every client has joined (the announcements counted: each pair of clients sees one of
//! the two joins), each client sends `window` messages and another each time one of its
//! messages has reached every other client, so that `clients * window` messages are in
//! flight and the server's queues stay small. Every delivered line is checked: well formed, from another client, and
//! the next of that sender's messages for this receiver. Counts deliveries (one message
//! reaching one client) per second.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::connections;
use crate::epoll::{self, Epoll};
use crate::report::Report;
use crate::server_cpu;
use crate::socket::{Stream, Target, read_now, write_now};

pub struct ChatRun {
    pub to: Target,
    pub clients: usize,
    /// Messages of one client in flight at once.
    pub window: usize,
    /// A message's length, its newline included.
    pub size: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub connect_timeout: Duration,
    /// The server's process, whose CPU time over the measured window is reported.
    pub server: Option<u32>,
}

/// A message's body: the sender's number, a space, its sequence number, a space, padding.
const SENDER_DIGITS: usize = 6;
const SEQ_DIGITS: usize = 10;
/// The shortest message: the two numbers, two spaces and the newline.
pub const MIN_SIZE: usize = SENDER_DIGITS + SEQ_DIGITS + 3;

struct Client {
    stream: Stream,
    /// A line received in part.
    partial: Vec<u8>,
    /// This client's messages sent so far.
    sent: u32,
    /// For message `seq`, at `seq % window`: the clients that have not yet received it.
    waiting: Vec<usize>,
    gone: bool,
}

#[derive(Default)]
struct Counts {
    joins: u64,
    deliveries: u64,
    measured_deliveries: u64,
    messages_completed: u64,
    mismatches: u64,
    failures: u64,
}

pub fn run(run: &ChatRun) -> io::Result<Report> {
    let connect_deadline = Instant::now() + run.connect_timeout;
    let streams = connections::open(&run.to, run.clients, connect_deadline)?;
    let n = streams.len();
    let mut poll = Epoll::new(1024)?;
    let mut clients = Vec::with_capacity(n);
    for (i, stream) in streams.into_iter().enumerate() {
        poll.add(stream.as_raw_fd(), i as u64, epoll::READ)?;
        clients.push(Client {
            stream,
            partial: Vec::with_capacity(2 * run.size + 64),
            sent: 0,
            waiting: vec![0; run.window],
            gone: false,
        });
    }
    // next[receiver * n + sender]: the sequence number expected next.
    let mut next = vec![0u32; n * n];
    let mut counts = Counts::default();
    let mut buf = vec![0u8; 64 << 10];
    let mut message = vec![b'x'; run.size];
    let mut ready = Vec::with_capacity(1024);
    // Everyone joins first: a message sent before then would miss the clients not yet in.
    let all_joined = (n * n.saturating_sub(1) / 2) as u64;
    let join_deadline = Instant::now() + run.connect_timeout;
    // Once all have joined: when the measuring starts and ends.
    let mut window: Option<(Instant, Instant)> = None;
    let mut server_cpu = server_cpu::Window::new(run.server);
    let mut measuring = false;
    let (measure_from, _) = loop {
        let now = Instant::now();
        let until = match window {
            None if counts.joins >= all_joined => {
                for _ in 0..run.window {
                    for i in 0..n {
                        send_next(&mut clients, i, &mut message, &mut counts);
                    }
                }
                let from = now + run.warmup;
                window = Some((from, from + run.duration));
                continue;
            }
            None if now >= join_deadline => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{} of {all_joined} join announcements by the connect deadline",
                        counts.joins
                    ),
                ));
            }
            None => join_deadline,
            Some(times) if now >= times.1 => break times,
            Some((from, end)) => {
                if !measuring && now >= from {
                    server_cpu.start()?;
                    measuring = true;
                    counts.measured_deliveries = 0;
                }
                if measuring { end } else { from }
            }
        };
        ready.clear();
        poll.wait(until, |event| ready.push(event.key))?;
        for &key in &ready {
            let me = key as usize;
            let senders = receive(&mut clients, me, &mut next, &mut buf, run, &mut counts);
            for sender in senders {
                send_next(&mut clients, sender, &mut message, &mut counts);
            }
        }
    };
    let measured = Instant::now().saturating_duration_since(measure_from);
    let cpu = server_cpu.end()?;
    let deliveries = counts.measured_deliveries;
    Ok(Report::new("chat")
        .count("clients_requested", run.clients as u64)
        .count("clients_connected", n as u64)
        .count("message_bytes", run.size as u64)
        .count("messages_completed", counts.messages_completed)
        .count("deliveries", deliveries)
        .rate(
            "deliveries_per_s",
            deliveries as f64 / measured.as_secs_f64(),
        )
        .count("echo_mismatches", counts.mismatches)
        .count("connections_failed", counts.failures)
        .server_cpu(cpu, measured, "delivery", deliveries as f64)
        .seconds(measured))
}

/// Reads what client `me` has; returns the senders whose message has now reached everyone.
fn receive(
    clients: &mut [Client],
    me: usize,
    next: &mut [u32],
    buf: &mut [u8],
    run: &ChatRun,
    counts: &mut Counts,
) -> Vec<usize> {
    let mut done = Vec::new();
    if clients[me].gone {
        return done;
    }
    let n = clients.len();
    loop {
        let got = match read_now(&clients[me].stream, buf) {
            Ok(Some(0)) | Err(_) => {
                counts.failures += 1;
                clients[me].gone = true;
                clients[me].stream.shutdown();
                return done;
            }
            Ok(Some(got)) => got,
            Ok(None) => return done,
        };
        let mut lines = std::mem::take(&mut clients[me].partial);
        let mut rest = &buf[..got];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let line = if lines.is_empty() {
                &rest[..end]
            } else {
                lines.extend_from_slice(&rest[..end]);
                &lines[..]
            };
            match check(line, me, n, next, run.size) {
                Line::Join => counts.joins += 1,
                Line::Other => {}
                Line::Wrong => counts.mismatches += 1,
                Line::Message(sender, seq) => {
                    counts.deliveries += 1;
                    counts.measured_deliveries += 1;
                    let from = &mut clients[sender];
                    let slot = seq as usize % from.waiting.len();
                    from.waiting[slot] -= 1;
                    if from.waiting[slot] == 0 {
                        counts.messages_completed += 1;
                        done.push(sender);
                    }
                }
            }
            lines.clear();
            rest = &rest[end + 1..];
        }
        lines.extend_from_slice(rest);
        clients[me].partial = lines;
        if got < buf.len() {
            return done;
        }
    }
}

enum Line {
    /// `* <name> joined`
    Join,
    /// Another announcement (a client left).
    Other,
    /// A message from this sender (its sequence number), the next one expected.
    Message(usize, u64),
    /// Anything else: malformed, our own, or out of order.
    Wrong,
}

/// Checks one received line (without its newline) at client `me`.
fn check(line: &[u8], me: usize, n: usize, next: &mut [u32], size: usize) -> Line {
    if let Some(announcement) = line.strip_prefix(b"* ") {
        return if announcement.ends_with(b" joined") {
            Line::Join
        } else {
            Line::Other
        };
    }
    let Some(colon) = line.windows(2).position(|w| w == b": ") else {
        return Line::Wrong;
    };
    let body = &line[colon + 2..];
    if body.len() != size - 1 {
        return Line::Wrong;
    }
    let (Some(sender), Some(seq)) = (
        number(&body[..SENDER_DIGITS]),
        number(&body[SENDER_DIGITS + 1..SENDER_DIGITS + 1 + SEQ_DIGITS]),
    ) else {
        return Line::Wrong;
    };
    let sender = sender as usize;
    let expected = next.get_mut(me * n + sender);
    match expected {
        Some(expected) if sender != me && *expected as u64 == seq => {
            *expected += 1;
            Line::Message(sender, seq)
        }
        _ => Line::Wrong,
    }
}

fn number(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, &d| {
        d.is_ascii_digit().then(|| value * 10 + u64::from(d - b'0'))
    })
}

/// Sends client `i`'s next message, to reach every other client still in the run.
fn send_next(clients: &mut [Client], i: usize, message: &mut [u8], counts: &mut Counts) {
    let others = clients.iter().filter(|c| !c.gone).count().saturating_sub(1);
    let client = &mut clients[i];
    if client.gone || others == 0 {
        return;
    }
    write_digits(&mut message[..SENDER_DIGITS], i as u64);
    message[SENDER_DIGITS] = b' ';
    write_digits(
        &mut message[SENDER_DIGITS + 1..SENDER_DIGITS + 1 + SEQ_DIGITS],
        u64::from(client.sent),
    );
    message[SENDER_DIGITS + 1 + SEQ_DIGITS] = b' ';
    *message.last_mut().expect("messages are not empty") = b'\n';
    // A message of a few dozen bytes always fits in a connection's send buffer.
    match write_now(&client.stream, message) {
        Ok(Some(written)) if written == message.len() => {
            let slot = client.sent as usize % client.waiting.len();
            client.waiting[slot] = others;
            client.sent += 1;
        }
        _ => {
            counts.failures += 1;
            client.gone = true;
            client.stream.shutdown();
        }
    }
}

fn write_digits(out: &mut [u8], mut value: u64) {
    for d in out.iter_mut().rev() {
        *d = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_checked_against_its_sender_and_order() {
        let size = 32;
        let mut message = vec![b'x'; size];
        write_digits(&mut message[..SENDER_DIGITS], 2);
        message[SENDER_DIGITS] = b' ';
        write_digits(&mut message[SENDER_DIGITS + 1..SENDER_DIGITS + 11], 0);
        message[SENDER_DIGITS + 11] = b' ';
        let mut line = b"[::ffff:127.0.0.1]:4000: ".to_vec();
        line.extend_from_slice(&message[..size - 1]);
        let mut next = vec![0u32; 9];
        assert!(matches!(
            check(&line, 0, 3, &mut next, size),
            Line::Message(2, 0)
        ));
        // The same message again is out of order; at its sender it is its own.
        assert!(matches!(check(&line, 0, 3, &mut next, size), Line::Wrong));
        assert!(matches!(check(&line, 2, 3, &mut next, size), Line::Wrong));
        assert!(matches!(
            check(b"* a:1 joined", 0, 3, &mut next, size),
            Line::Join
        ));
        assert!(matches!(
            check(b"* a:1 left", 0, 3, &mut next, size),
            Line::Other
        ));
        assert!(matches!(
            check(b"garbage", 0, 3, &mut next, size),
            Line::Wrong
        ));
    }
}
