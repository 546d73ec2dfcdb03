//! sockit-load: the load generator of sockit's benchmark suite (`cargo xtask bench`).
//!
//! Loads an echo server on loopback with one workload, bounded in time, checks every echoed
//! byte, and prints what it measured (`--json`: one JSON object). Linux only: it uses epoll
//! and recvmmsg/sendmmsg directly, so that it costs as little per message as the servers
//! it measures.

mod chat;
mod connect_rate;
mod connections;
mod epoll;
mod fetch;
mod histogram;
mod options;
mod pattern;
mod ping;
mod report;
mod server_cpu;
mod socket;
mod stream;
mod tls;
mod tls_handshake;
mod tls_ping;
mod tls_stream;
mod udp;

use std::process::ExitCode;

use options::Options;

const USAGE: &str = "\
usage: sockit-load <workload> --to HOST:PORT [options] [--json]
       (ping, stream, chat and fetch also take --to unix:PATH, a Unix domain socket)

workloads (every echoed byte is checked; every run stops by itself):
  ping     TCP ping-pong: each connection sends a message and waits for its echo.
           --connections N (1)  --size BYTES (32)  --seconds S (5)  --warmup S (0.5)
           --connect-seconds S (10: connections not made by then are left out)
  stream   One TCP connection writes BYTES in CHUNK writes and reads the echo back.
           --bytes N (1G)  --chunk BYTES (256K)  --seconds S (30: at most)
  udp      UDP echo with WINDOW datagrams in flight; unanswered after --loss S are lost.
           --window N (64)  --size BYTES (32)  --seconds S (5)  --warmup S (0.5)
           --loss S (0.2)
  connect  Connect, echo one message, close; again, for S seconds.
           --size BYTES (32)  --seconds S (5)
  chat     CLIENTS connections to a chat server, which sends each line to every other
           client as `<name>: <line>` (joins announced as `* <name> joined`): once all
           have joined, each client sends a message whenever its last one reached every
           other client; each delivery checked (sender, order).  --clients N (100, at most 4096)
           --window N (1: each client's messages in flight)
           --size BYTES (32, at least 19)  --seconds S (5)  --warmup S (0.5)
           --connect-seconds S (10: for connecting and for the joins)
  tls-ping, tls-stream
           ping and stream over TLS 1.3 (TLS13_AES_128_GCM_SHA256, X25519, the server's
           certificate ECDSA P-256 with SHA-256, nothing else offered), each connection's
           handshake made first; their options, and --ca, --server-name (below).
  tls-handshake
           New connection, full TLS handshake (no resumption), one message echoed,
           close_notify, close; CONCURRENCY connections under way at once, for S seconds.
           --concurrency N (32)  --size BYTES (32)  --seconds S (5)
           The TLS workloads: --ca FILE (required: the PEM certificates to trust)
           --server-name NAME (localhost)  --verify-every N (1: the server's handshake
           signature verified on the first handshake and then one in N; the certificate
           chain once per certificate)
  fetch    One request to a file server (file_server): the name on a line, then the
           file's bytes until the server closes; the count and samples of the bytes checked
           against FILE.  --name NAME  --file FILE  --seconds S (60: at most)

Every workload: --server-pid PID reports the CPU time that process (with its threads and
child processes) spent during the measured window, and what each unit of work cost it
(server_cpu_seconds, server_cpu_share of one core, server_cpu_us_per_<unit>); Linux /proc.

Counts take K, M, G suffixes (powers of 1024). Only loopback servers are accepted.
Exit status: 0, or 1 when the run failed or an echo differed from what was sent.
";

const OPTIONS: &[&str] = &[
    "to",
    "connections",
    "size",
    "seconds",
    "warmup",
    "connect-seconds",
    "bytes",
    "chunk",
    "clients",
    "window",
    "loss",
    "name",
    "file",
    "server-pid",
    "ca",
    "server-name",
    "verify-every",
    "concurrency",
];

fn main() -> ExitCode {
    keep_freed_memory();
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments
        .first()
        .is_none_or(|a| a == "help" || a == "--help")
    {
        print!("{USAGE}");
        return ExitCode::from(if arguments.is_empty() { 2 } else { 0 });
    }
    let options = match Options::parse(arguments, OPTIONS) {
        Ok(options) => options,
        Err(message) => {
            eprint!("sockit-load: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let report = match run(&options) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("sockit-load {}: {message}", options.workload);
            return ExitCode::FAILURE;
        }
    };
    if options.json {
        println!("{}", report.json());
    } else {
        println!("{}", report.text());
    }
    if report.mismatches() > 0 {
        eprintln!("sockit-load: echoes differed from what was sent");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(options: &Options) -> Result<report::Report, String> {
    let target = options.target()?;
    let to = || options.to();
    let server = options.pid("server-pid")?;
    let result = match options.workload.as_str() {
        "ping" => ping::run(&ping::Ping {
            to: target,
            connections: options.size("connections", 1, 100_000)?,
            size: options.size("size", 32, 4096)?,
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "stream" => stream::run(&stream::StreamRun {
            to: target,
            bytes: options.number("bytes", 1 << 30)?,
            chunk: options.size("chunk", 256 << 10, 16 << 20)?,
            duration: options.seconds("seconds", 30.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "udp" => udp::run(&udp::UdpRun {
            to: to()?,
            window: options.size("window", 64, 4096)?,
            size: options.size("size", 32, 65_507)?,
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            loss_timeout: options.seconds("loss", 0.2)?,
            server,
        }),
        "connect" => connect_rate::run(&connect_rate::ConnectRun {
            to: to()?,
            size: options.size("size", 32, 4096)?,
            duration: options.seconds("seconds", 5.0)?,
            server,
        }),
        "chat" => chat::run(&chat::ChatRun {
            to: target,
            // Every pair's order is tracked: 4096 clients take 64 MiB for it.
            clients: options.size("clients", 100, 4096)?,
            window: options.size("window", 1, 64)?,
            size: options.size("size", 32, 4096)?.max(chat::MIN_SIZE),
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "fetch" => fetch::run(&fetch::FetchRun {
            to: target,
            name: options.text("name")?.to_string(),
            file: options.text("file")?.into(),
            duration: options.seconds("seconds", 60.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "tls-ping" => tls_ping::run(&tls_ping::TlsPing {
            to: target,
            client: tls_client(options)?,
            connections: options.size("connections", 1, 100_000)?,
            size: options.size("size", 32, 4096)?,
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "tls-stream" => tls_stream::run(&tls_stream::TlsStreamRun {
            to: target,
            client: tls_client(options)?,
            bytes: options.number("bytes", 1 << 30)?,
            chunk: options.size("chunk", 256 << 10, 16 << 20)?,
            duration: options.seconds("seconds", 30.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
            server,
        }),
        "tls-handshake" => tls_handshake::run(&tls_handshake::HandshakeRun {
            to: target,
            client: tls_client(options)?,
            concurrency: options.size("concurrency", 32, 4096)?,
            size: options.size("size", 32, 4096)?,
            duration: options.seconds("seconds", 5.0)?,
            server,
        }),
        other => return Err(format!("unknown workload {other:?}")),
    };
    result.map_err(|err| err.to_string())
}

/// Has glibc's allocator keep freed memory for the next allocation instead of giving it back
/// to the system: rustls allocates each record it encrypts (16 KiB) and frees it once sent,
/// and a heap trimmed after each 256 KiB write faults its pages in again at the next one
/// (8 % of tls-stream's CPU, by perf).
fn keep_freed_memory() {
    // SAFETY: mallopt only sets the allocator's thresholds; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

/// The TLS workloads' client, from --ca, --server-name and --verify-every.
fn tls_client(options: &Options) -> Result<tls::Client, String> {
    tls::Client::new(
        std::path::Path::new(options.text("ca")?),
        options.text("server-name").unwrap_or("localhost"),
        options.number("verify-every", 1)?,
    )
}
