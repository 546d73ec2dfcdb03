//! TLS handshake rate: a new connection, a full handshake (no session resumed), one small
//! message echoed and checked, close_notify and close; `concurrency` of them under way at
//! once, so that the server always has a handshake to work on, for a fixed time.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::epoll::{self, Epoll};
use crate::histogram::Histogram;
use crate::pattern;
use crate::report::Report;
use crate::server_cpu;
use crate::socket::{self, Target};
use crate::tls::{self, Client, Received, TlsConn};

pub struct HandshakeRun {
    pub to: Target,
    pub client: Client,
    pub concurrency: usize,
    pub size: usize,
    pub duration: Duration,
    /// The server's process, whose CPU time over the run is reported.
    pub server: Option<u32>,
}

/// A connection that takes longer than this is given up (and counted as failed).
const GIVE_UP: Duration = Duration::from_secs(5);

enum Phase {
    /// The TCP connect is under way.
    Connecting,
    Handshaking,
    /// The message is sent; `got` bytes of its echo are in.
    Echoing {
        got: usize,
    },
}

struct Slot {
    conn: TlsConn,
    phase: Phase,
    /// Its number among all the run's connections (the message and source address depend on it).
    id: u64,
    started: Instant,
    /// Told apart from the slot's earlier connections in the poller's reports.
    generation: u32,
}

struct Run<'a> {
    run: &'a HandshakeRun,
    poll: Epoll,
    slots: Vec<Option<Slot>>,
    next_id: u64,
    message: Vec<u8>,
    expected: Vec<u8>,
    reply: Vec<u8>,
    done: u64,
    failures: u64,
    mismatches: u64,
    latency: Histogram,
}

pub fn run(run: &HandshakeRun) -> io::Result<Report> {
    let mut state = Run {
        run,
        poll: Epoll::new(run.concurrency.max(16))?,
        slots: (0..run.concurrency).map(|_| None).collect(),
        next_id: 0,
        message: vec![0; run.size],
        expected: vec![0; run.size],
        reply: vec![0; run.size],
        done: 0,
        failures: 0,
        mismatches: 0,
        latency: Histogram::default(),
    };
    let mut server_cpu = server_cpu::Window::new(run.server);
    server_cpu.start()?;
    let started = Instant::now();
    let end = started + run.duration;
    for index in 0..run.concurrency {
        state.start(index, 0)?;
    }
    let mut ready = Vec::with_capacity(run.concurrency);
    let mut next_sweep = started + Duration::from_millis(100);
    while Instant::now() < end {
        ready.clear();
        state
            .poll
            .wait(end.min(next_sweep), |event| ready.push(event))?;
        for event in &ready {
            let (index, generation) = ((event.key & 0xffff_ffff) as usize, event.key >> 32);
            let Some(slot) = state.slots[index].as_mut() else {
                continue;
            };
            if u64::from(slot.generation) != generation {
                continue;
            }
            state.step(index, event.failed)?;
        }
        let now = Instant::now();
        if now >= next_sweep {
            next_sweep = now + Duration::from_millis(100);
            for index in 0..state.slots.len() {
                let late = state.slots[index]
                    .as_ref()
                    .is_some_and(|slot| now - slot.started > GIVE_UP);
                if late {
                    state.failures += 1;
                    state.replace(index)?;
                }
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu = server_cpu.end()?;
    Ok(Report::new("tls-handshake")
        .count("handshakes", state.done)
        .rate(
            "handshakes_per_s",
            state.done as f64 / elapsed.as_secs_f64(),
        )
        .count("concurrency", run.concurrency as u64)
        .latency(&state.latency)
        .count("connections_failed", state.failures)
        .count("echo_mismatches", state.mismatches)
        .server_cpu(cpu, elapsed, "handshake", state.done as f64)
        .seconds(elapsed))
}

impl Run<'_> {
    /// Starts a new connection in slot `index`.
    fn start(&mut self, index: usize, generation: u32) -> io::Result<()> {
        let id = self.next_id;
        self.next_id += 1;
        let stream = socket::start_connect_spread(&self.run.to, id)?;
        let conn = self.run.client.connect(stream)?;
        let key = (u64::from(generation) << 32) | index as u64;
        self.poll.add(conn.stream.as_raw_fd(), key, epoll::WRITE)?;
        self.slots[index] = Some(Slot {
            conn,
            phase: Phase::Connecting,
            id,
            started: Instant::now(),
            generation,
        });
        Ok(())
    }

    /// Closes slot `index`'s connection (its descriptor leaves the poller with it) and starts
    /// the next.
    fn replace(&mut self, index: usize) -> io::Result<()> {
        let generation = self.slots[index]
            .take()
            .map_or(0, |slot| slot.generation.wrapping_add(1));
        self.start(index, generation)
    }

    /// Watches slot `index` for `interest`.
    fn watch(&self, index: usize, interest: u32) -> io::Result<()> {
        let slot = self.slots[index].as_ref().expect("a connection");
        let key = (u64::from(slot.generation) << 32) | index as u64;
        self.poll
            .modify(slot.conn.stream.as_raw_fd(), key, interest)
    }

    /// Moves slot `index` on after a readiness report.
    fn step(&mut self, index: usize, failed: bool) -> io::Result<()> {
        match self.advance(index, failed) {
            Ok(Next::Wait(interest)) => self.watch(index, interest),
            Ok(Next::Done) => {
                self.done += 1;
                self.replace(index)
            }
            Ok(Next::Mismatch) => {
                self.mismatches += 1;
                self.replace(index)
            }
            Err(_) => {
                self.failures += 1;
                self.replace(index)
            }
        }
    }

    fn advance(&mut self, index: usize, failed: bool) -> io::Result<Next> {
        let slot = self.slots[index].as_mut().expect("a connection");
        if let Phase::Connecting = slot.phase {
            if let Some(err) = slot.conn.stream.take_error()? {
                return Err(err);
            }
            if failed {
                return Err(io::ErrorKind::ConnectionRefused.into());
            }
            slot.phase = Phase::Handshaking;
        }
        if let Phase::Handshaking = slot.phase {
            match tls::step_handshake(&mut slot.conn)? {
                Some(true) => {}
                Some(false) => return Ok(Next::Wait(epoll::READ | epoll::WRITE)),
                None => return Ok(Next::Wait(epoll::READ)),
            }
            // The message goes with the client's Finished.
            pattern::message(slot.id, 0, &mut self.message);
            slot.conn.queue(&self.message)?;
            slot.phase = Phase::Echoing { got: 0 };
            if !slot.conn.flush()? {
                return Ok(Next::Wait(epoll::READ | epoll::WRITE));
            }
        }
        let Phase::Echoing { got } = &mut slot.phase else {
            unreachable!("connecting and handshaking are over");
        };
        if !slot.conn.flush()? {
            return Ok(Next::Wait(epoll::READ | epoll::WRITE));
        }
        loop {
            let received = slot.conn.receive()?;
            let reply = &mut self.reply;
            let mut over = false;
            slot.conn.drain(|chunk| {
                let room = reply.len() - *got;
                let n = chunk.len().min(room);
                reply[*got..*got + n].copy_from_slice(&chunk[..n]);
                *got += n;
                over |= chunk.len() > room;
            })?;
            if over {
                return Ok(Next::Mismatch);
            }
            if *got == reply.len() {
                pattern::message(slot.id, 0, &mut self.expected);
                if self.reply != self.expected {
                    return Ok(Next::Mismatch);
                }
                self.latency.record(slot.started.elapsed());
                slot.conn.tls.send_close_notify();
                // As far as the socket takes it: the connection closes either way.
                let _ = slot.conn.flush();
                return Ok(Next::Done);
            }
            match received {
                Received::Some => {}
                Received::WouldBlock => return Ok(Next::Wait(epoll::READ)),
                Received::Closed => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "closed before the echo",
                    ));
                }
            }
        }
    }
}

enum Next {
    Wait(u32),
    Done,
    Mismatch,
}
