//! Running one measurement: a server started on its core, the load generator on the other,
//! the server's memory read while it is loaded, and the server stopped afterwards.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::servers::{Server, Transport};
use crate::bench::workloads::Placement;

/// The cores: the server's and the load generator's (the same one on a 1-core machine).
#[derive(Clone, Copy)]
pub struct Cores {
    pub server: usize,
    pub load: usize,
    pub count: usize,
}

impl Cores {
    pub fn detect() -> Cores {
        let count = thread::available_parallelism().map_or(1, |n| n.get());
        Cores {
            server: 0,
            load: usize::from(count > 1),
            count,
        }
    }

    /// The CPU lists (as `taskset -c` takes them) of the server and of the load generator.
    pub fn lists(&self, placement: Placement) -> (String, String) {
        match placement {
            Placement::Apart => (self.server.to_string(), self.load.to_string()),
            Placement::SameCore => (self.server.to_string(), self.server.to_string()),
            Placement::Shared => {
                let every = format!("0-{}", self.count - 1);
                (every.clone(), every)
            }
        }
    }
}

/// A running server; killed (with its children) when dropped, so that no run leaves one.
pub struct Running {
    child: Child,
    pub port: u16,
    /// The Unix domain socket it listens on, for a Unix server.
    socket: Option<PathBuf>,
}

/// The benchmark's files folder, where `file-1g` finds its file.
pub fn files_dir() -> PathBuf {
    crate::package::root().join("target/bench/files")
}

/// The folder of the TLS workloads' certificate and key, made for each suite run.
pub fn tls_dir() -> PathBuf {
    crate::package::root().join("target/bench/tls")
}

/// An argument with `{files}` made the files folder and `{tls}` the TLS folder.
pub fn with_files(argument: &str) -> String {
    argument
        .replace("{files}", &files_dir().display().to_string())
        .replace("{tls}", &tls_dir().display().to_string())
}

impl Running {
    /// Starts `server` on `cpus`; a proxy relays to the echo server on port `backend`.
    pub fn start(
        server: &Server,
        bin: &Path,
        cpus: &str,
        backend: Option<u16>,
    ) -> Result<Running, String> {
        let port = free_port(server.transport)?;
        let socket = (server.transport == Transport::Unix)
            .then(|| crate::package::root().join(format!("target/bench/{}.sock", server.name)));
        let first = match &socket {
            Some(path) => {
                let _ = std::fs::remove_file(path);
                path.display().to_string()
            }
            None => port.to_string(),
        };
        let program = server.program(bin);
        let backend = backend.map_or(String::new(), |port| port.to_string());
        let source = crate::package::root().join(server.source);
        let args = server.args.iter().map(|a| {
            with_files(a)
                .replace("{backend}", &backend)
                .replace("{port}", &port.to_string())
                .replace("{source}", &source.display().to_string())
        });
        let mut command = Command::new("taskset");
        command.arg("-c").arg(cpus).arg(&program);
        if server.external.is_none() {
            command.arg(first);
        }
        let child = command
            .args(args)
            .env("SOCKIT_BENCH_PORT", port.to_string())
            .env("SOCKIT_BENCH_BACKEND", &backend)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start {}: {e}", program.display()))?;
        let running = Running {
            child,
            port,
            socket,
        };
        running.wait_ready(server.transport)?;
        Ok(running)
    }

    /// The server's process (`taskset` runs the program in its own process).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Where the load generator connects, as its `--to` takes it.
    pub fn target(&self) -> String {
        match &self.socket {
            Some(path) => format!("unix:{}", path.display()),
            None => self.addr().to_string(),
        }
    }

    /// Waits until the server answers (a TCP connect, or a UDP echo).
    fn wait_ready(&self, transport: Transport) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let answered = match transport {
                Transport::Tcp
                | Transport::File
                | Transport::Chat
                | Transport::Proxy
                | Transport::Tls => TcpStream::connect(self.addr()).is_ok(),
                Transport::Udp => udp_answers(self.addr()),
                Transport::Unix => self
                    .socket
                    .as_ref()
                    .is_some_and(|path| std::os::unix::net::UnixStream::connect(path).is_ok()),
            };
            if answered {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(format!("the server on port {} never answered", self.port))
    }

    /// Resident memory of the server and every process under it, in bytes.
    pub fn rss(&self) -> u64 {
        tree(self.child.id())
            .into_iter()
            .filter_map(|pid| status_field(pid, "VmRSS:"))
            .sum()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Children first (a forking server's), then the server itself.
        let mut pids = tree(self.child.id());
        pids.reverse();
        for pid in pids {
            // A child may have ended with its parent already: nothing to say then.
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn udp_answers(addr: SocketAddr) -> bool {
    let Ok(socket) = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 8];
    socket.send_to(b"ready?", addr).is_ok()
        && socket
            .recv_from(&mut buf)
            .is_ok_and(|(n, _)| &buf[..n] == b"ready?")
}

/// A port that is free for TCP and UDP, below the system's ephemeral range: the load
/// generator's own connections take ephemeral ports on 127.0.0.x, which a server's wildcard
/// bind there would collide with.
fn free_port(_transport: Transport) -> Result<u16, String> {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64;
    let span = u64::from(ephemeral_low.saturating_sub(10_000)).max(1);
    for i in 0..2000u64 {
        let port = 10_000 + ((seed.wrapping_mul(2_654_435_761) + i * 7919) % span) as u16;
        let free = TcpListener::bind((std::net::Ipv6Addr::UNSPECIFIED, port)).is_ok()
            && UdpSocket::bind((std::net::Ipv6Addr::UNSPECIFIED, port)).is_ok();
        if free {
            return Ok(port);
        }
    }
    Err("no free port below the ephemeral range".into())
}

/// `pid` and its descendants, parents before children.
fn tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if let Some(ppid) = status_field(child, "PPid:") {
                parents.push((child, ppid as u32));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found
}

/// A number from /proc/<pid>/status (kB fields in bytes).
fn status_field(pid: u32, field: &str) -> Option<u64> {
    let mut text = String::new();
    std::fs::File::open(format!("/proc/{pid}/status"))
        .ok()?
        .read_to_string(&mut text)
        .ok()?;
    let line = text.lines().find(|line| line.starts_with(field))?;
    let mut words = line[field.len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    Some(if words.next() == Some("kB") {
        value * 1024
    } else {
        value
    })
}

/// How often the server's memory is read while it is loaded.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// Runs the load generator on `cpus` with `args`, reading the server's memory meanwhile.
/// Returns its JSON report and the largest memory seen.
pub fn load(
    loadgen: &Path,
    cpus: &str,
    args: &[String],
    server: &Running,
    limit: Duration,
) -> Result<(serde_json::Value, u64), String> {
    let mut child = Command::new("taskset")
        .arg("-c")
        .arg(cpus)
        .arg(loadgen)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start sockit-load: {e}"))?;
    let started = Instant::now();
    let mut rss = 0;
    let mut next_sample = started;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let mut out = String::new();
            let mut err = String::new();
            child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            child.stderr.take().map(|mut s| s.read_to_string(&mut err));
            if !status.success() {
                return Err(format!(
                    "sockit-load {args:?} failed: {}{}",
                    out,
                    err.trim()
                ));
            }
            let report = serde_json::from_str(out.trim())
                .map_err(|e| format!("sockit-load printed {out:?}: {e}"))?;
            return Ok((report, rss));
        }
        if Instant::now() >= next_sample {
            rss = rss.max(server.rss());
            next_sample += SAMPLE_EVERY;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("sockit-load {args:?} ran past {limit:?}"));
        }
        thread::sleep(Duration::from_millis(20));
    }
}
