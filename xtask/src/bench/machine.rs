//! What the results were measured on: date, processor, cores, kernel.

use std::process::Command;

use serde_json::{Value, json};

use crate::bench::process::Cores;

pub fn describe(runs: usize, seconds: f64, cores: Cores) -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown processor".into());
    let count = std::thread::available_parallelism().map_or(1, |n| n.get());
    let kernel = output("uname", &["-sr"]);
    let date = output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    json!({
        "date": date,
        "machine": format!("{cpu}, {count} cores, {kernel}"),
        "runs": runs,
        "seconds": seconds,
        "load_average_at_start": load_average(),
        "server_core": cores.server,
        "load_core": cores.load,
    })
}

/// The system's load averages (1, 5 and 15 minutes), as /proc/loadavg gives them: how busy
/// the machine was with other work.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
