//! sockit-load: the load generator of sockit's benchmark suite (`cargo xtask bench`).
//!
//! Loads an echo server on loopback with one workload, bounded in time, checks every echoed
//! byte, and prints what it measured (`--json`: one JSON object). Linux only: it uses epoll
//! and recvmmsg/sendmmsg directly, so that it costs as little per message as the servers
//! it measures.

mod connect_rate;
mod connections;
mod epoll;
mod histogram;
mod options;
mod pattern;
mod ping;
mod report;
mod socket;
mod stream;
mod udp;

use std::process::ExitCode;

use options::Options;

const USAGE: &str = "\
usage: sockit-load <workload> --to HOST:PORT [options] [--json]

workloads (every echoed byte is checked; every run stops by itself):
  ping     TCP ping-pong: each connection sends a message and waits for its echo.
           --connections N (1)  --size BYTES (32)  --seconds S (5)  --warmup S (0.5)
           --connect-seconds S (10: connections not made by then are left out)
  stream   One TCP connection writes BYTES in CHUNK writes and reads the echo back.
           --bytes N (1G)  --chunk BYTES (64K)  --seconds S (30: at most)
  udp      UDP echo with WINDOW datagrams in flight; unanswered after --loss S are lost.
           --window N (64)  --size BYTES (32)  --seconds S (5)  --warmup S (0.5)
           --loss S (0.2)
  connect  Connect, echo one message, close; again, for S seconds.
           --size BYTES (32)  --seconds S (5)

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
    "window",
    "loss",
];

fn main() -> ExitCode {
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
    let to = options.to()?;
    let result = match options.workload.as_str() {
        "ping" => ping::run(&ping::Ping {
            to,
            connections: options.size("connections", 1, 100_000)?,
            size: options.size("size", 32, 4096)?,
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
        }),
        "stream" => stream::run(&stream::StreamRun {
            to,
            bytes: options.number("bytes", 1 << 30)?,
            chunk: options.size("chunk", 64 << 10, 16 << 20)?,
            duration: options.seconds("seconds", 30.0)?,
            connect_timeout: options.seconds("connect-seconds", 10.0)?,
        }),
        "udp" => udp::run(&udp::UdpRun {
            to,
            window: options.size("window", 64, 4096)?,
            size: options.size("size", 32, 65_507)?,
            warmup: options.seconds("warmup", 0.5)?,
            duration: options.seconds("seconds", 5.0)?,
            loss_timeout: options.seconds("loss", 0.2)?,
        }),
        "connect" => connect_rate::run(&connect_rate::ConnectRun {
            to,
            size: options.size("size", 32, 4096)?,
            duration: options.seconds("seconds", 5.0)?,
        }),
        other => return Err(format!("unknown workload {other:?}")),
    };
    result.map_err(|err| err.to_string())
}
