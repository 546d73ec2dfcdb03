//! The server under attack: the C program `fault_server` in one mode and protocol, what it
//! holds (descriptors, threads, child processes, memory) and the checks every fault ends with.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::support::{self, Linkage, Server, programs};

/// How hard the suite pushes: `cargo test` runs the quick form; `SOCKIT_FAULTS=full` (what
/// `cargo xtask reliability` sets) the full one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scale {
    Quick,
    Full,
}

impl Scale {
    pub fn get() -> Scale {
        match std::env::var("SOCKIT_FAULTS").as_deref() {
            Ok("full") => Scale::Full,
            _ => Scale::Quick,
        }
    }

    /// `quick` in the quick form, `full` in the full one.
    pub fn pick<T>(self, quick: T, full: T) -> T {
        match self {
            Scale::Quick => quick,
            Scale::Full => full,
        }
    }
}

pub const MODES: [&str; 4] = ["iterative", "threaded", "forking", "event-loop"];

/// What a process holds, read from /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holdings {
    pub descriptors: usize,
    pub threads: usize,
    pub children: usize,
    pub resident_kib: u64,
}

impl Holdings {
    pub fn of(pid: u32) -> Holdings {
        let count = |dir: String| fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        Holdings {
            descriptors: count(format!("/proc/{pid}/fd")),
            threads: count(format!("/proc/{pid}/task")),
            children: support::children(pid).len(),
            resident_kib: support::resident_kib(pid),
        }
    }

    /// Holds no more than `base` does (memory aside).
    fn within(&self, base: &Holdings) -> bool {
        self.descriptors <= base.descriptors
            && self.threads <= base.threads
            && self.children <= base.children
    }
}

/// A running `fault_server`.
pub struct Target {
    pub protocol: &'static str,
    pub mode: &'static str,
    server: Server,
    pub addr: SocketAddr,
    /// What it held after serving its first clients, before the fault.
    pub base: Holdings,
}

impl Target {
    /// Starts the server, serves a few clients so that what it keeps for good exists (the
    /// first worker thread, the allocator's arenas), and notes what it holds.
    pub fn start(protocol: &'static str, mode: &'static str, options: &[&str]) -> Target {
        let mut args = vec![protocol, mode];
        args.extend_from_slice(options);
        let server = Server::start(&programs().path("fault_server", Linkage::Static), &args);
        let addr = SocketAddr::from(([127, 0, 0, 1], server.port()));
        let mut target = Target {
            protocol,
            mode,
            server,
            addr,
            base: Holdings::of(0),
        };
        for round in 0..4 {
            target.assert_serves(&format!("warm-up {round}"));
        }
        // The baseline is taken once the warm-up's forked children are reaped.
        target.base = target.settled(&Holdings {
            descriptors: usize::MAX,
            threads: usize::MAX,
            children: 0,
            resident_kib: 0,
        });
        target
    }

    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// "TCP threaded": how the rows and messages name this server.
    pub fn name(&self) -> String {
        format!("{} {}", self.protocol.to_uppercase(), self.mode)
    }

    /// Waits (up to 20 s: idle worker threads end after 2 s) until the server holds no more
    /// than `base`; what it holds then.
    fn settled(&self, base: &Holdings) -> Holdings {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = Holdings::of(self.pid());
            if now.within(base) || Instant::now() >= deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One client echoes a message whole: a stream over TCP, a datagram over UDP (sent
    /// again if lost, up to five times).
    pub fn assert_serves(&self, what: &str) {
        let message: Vec<u8> = format!("{what}: still served? %s%n\0\u{ff}")
            .bytes()
            .chain((0..=255).map(|b: u32| b as u8))
            .collect();
        let echoed = match self.protocol {
            "tcp" => tcp_echo(self.addr, &message),
            _ => udp_echo(self.addr, &message),
        };
        assert!(
            echoed.as_deref() == Ok(&message[..]),
            "{} after {what}: echo {echoed:?}",
            self.name()
        );
    }

    /// The checks every fault ends with: the server still serves, and within a while holds
    /// no more descriptors, threads or children than before the fault. Returns what it holds.
    pub fn assert_recovered(&mut self, what: &str) -> Holdings {
        assert!(
            self.server.is_running(),
            "{}: died during {what}",
            self.name()
        );
        self.assert_serves(what);
        let now = self.settled(&self.base);
        assert!(
            now.within(&self.base),
            "{} after {what}: holds {now:?}, held {:?} before",
            self.name(),
            self.base
        );
        now
    }

    /// Stops the server with SIGTERM, as a service manager would, and checks that it stops
    /// cleanly: exit status 0 and its "stopped" line.
    pub fn stop(mut self) {
        let status = self.server.terminate(Duration::from_secs(30));
        let name = self.name();
        assert!(
            status.is_some_and(|s| s.success()),
            "{name}: {status:?} on SIGTERM; stderr {:?}",
            self.server.stderr_lines()
        );
        // The line may still be on its way through the pipe when the exit is seen.
        self.server.expect_stdout_line("stopped");
        assert_eq!(self.server.stdout_lines(), ["stopped"], "{name}");
    }
}

fn tcp_echo(addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(message)
        .map_err(|e| format!("send: {e}"))?;
    let mut echoed = vec![0; message.len()];
    stream
        .read_exact(&mut echoed)
        .map_err(|e| format!("receive: {e}"))?;
    Ok(echoed)
}

fn udp_echo(addr: SocketAddr, message: &[u8]) -> Result<Vec<u8>, String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0; 65_536];
    for _ in 0..5 {
        socket
            .send_to(message, addr)
            .map_err(|e| format!("send: {e}"))?;
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            if from == addr {
                return Ok(buf[..n].to_vec());
            }
        }
    }
    Err("no echo in five tries".into())
}
