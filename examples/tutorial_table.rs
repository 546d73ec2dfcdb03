//! The sockets tutorial's "Servers that scale" table, reproduced with sockit's C programs:
//! 20 requests of a 5-second "lengthy action" against `udp_lengthy_server`, and 20 clients
//! sending and reading one byte every 0.1 s against `tcp_multi_echo_server`, in each mode.
//!
//!     cargo run --release --example tutorial_table            # the tutorial's delays, ~3 min
//!     cargo run --release --example tutorial_table -- --quick # 10 requests, short delays
//!
//! Prints a Markdown table with the tutorial's numbers beside ours.

#[path = "../tests/support/mod.rs"]
mod support;

use support::experiments::{lengthy_udp, slow_tcp};

/// The tutorial's own measurements, where it gave one.
fn tutorial_udp(mode: &str) -> &'static str {
    match mode {
        "iterative" => "103.96 s",
        "threaded" => "about 9 s",
        "forking" => "a couple of seconds less than threaded",
        _ => "(not measured)",
    }
}

fn tutorial_tcp(mode: &str) -> &'static str {
    match mode {
        "iterative" => "about 37 s",
        "event-loop" => "about 6 s (its select() server)",
        _ => "(not measured)",
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (count, delay, delay_ms) = if quick { (10, 0.5, 20) } else { (20, 5.0, 100) };
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "Machine: {machine}, {cores} cores, {}",
        std::env::consts::OS
    );
    println!();
    println!("| experiment | mode | tutorial | sockit |");
    println!("|---|---|---|---|");
    let modes = ["iterative", "threaded", "forking", "event-loop"];
    for mode in modes {
        let measured = lengthy_udp(mode, count, delay);
        println!(
            "| UDP lengthy action, {count} requests x {delay} s | {mode} | {} | {:.2} s |",
            tutorial_udp(mode),
            measured.seconds
        );
    }
    for mode in modes {
        let measured = slow_tcp(mode, count, delay_ms);
        println!(
            "| TCP slow clients, {count} x 1 byte per {delay_ms} ms | {mode} | {} | {:.2} s |",
            tutorial_tcp(mode),
            measured.seconds
        );
    }
}
