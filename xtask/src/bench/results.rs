//! The measurements of a suite run, their medians and spreads, the ratios the targets are
//! about, and the tables and JSON made from them.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::bench::servers::{self, Transport};
use crate::bench::workloads::{self, Workload};

/// One run of one server under one workload.
pub struct Measurement {
    pub workload: &'static str,
    pub server: &'static str,
    pub value: f64,
    pub rss: u64,
    pub report: Value,
}

/// The runs of one server under one workload.
pub struct Summary {
    pub workload: &'static str,
    pub server: &'static str,
    pub values: Vec<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rss_median: u64,
    /// Connections that got echoes, when not all did (ping).
    pub served: Option<(u64, u64)>,
}

/// A target of the performance issue: a ratio to reach, or a memory ceiling.
pub struct Target {
    pub what: String,
    pub measured: f64,
    pub wanted: f64,
    /// Whether more is better (ratios) or less (memory).
    pub at_least: bool,
}

impl Target {
    pub fn met(&self) -> bool {
        if self.at_least {
            self.measured >= self.wanted
        } else {
            self.measured <= self.wanted
        }
    }
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

pub fn summarize(measurements: &[Measurement]) -> Vec<Summary> {
    let mut summaries: Vec<Summary> = Vec::new();
    for m in measurements {
        if summaries
            .iter()
            .any(|s| s.workload == m.workload && s.server == m.server)
        {
            continue;
        }
        let runs: Vec<&Measurement> = measurements
            .iter()
            .filter(|o| o.workload == m.workload && o.server == m.server)
            .collect();
        let values: Vec<f64> = runs.iter().map(|r| r.value).collect();
        let mut rss: Vec<f64> = runs.iter().map(|r| r.rss as f64).collect();
        rss.sort_by(f64::total_cmp);
        let served = runs.first().and_then(|r| {
            let requested = r.report["connections_requested"].as_u64()?;
            let served = median(
                &runs
                    .iter()
                    .filter_map(|r| r.report["connections_served"].as_u64())
                    .map(|n| n as f64)
                    .collect::<Vec<_>>(),
            ) as u64;
            (served < requested).then_some((served, requested))
        });
        summaries.push(Summary {
            workload: m.workload,
            server: m.server,
            median: median(&values),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            values,
            rss_median: median(&rss) as u64,
            served,
        });
    }
    summaries
}

fn find<'a>(summaries: &'a [Summary], workload: &str, server: &str) -> Option<&'a Summary> {
    summaries
        .iter()
        .find(|s| s.workload == workload && s.server == server)
}

/// `server`'s median over `baseline`'s under `workload`, when both ran.
pub fn ratio(summaries: &[Summary], workload: &str, server: &str, baseline: &str) -> Option<f64> {
    let base = find(summaries, workload, baseline)?.median;
    let over = find(summaries, workload, server)?.median;
    (base > 0.0).then(|| over / base)
}

/// The baselines a row is compared with: (C epoll, libuv) for TCP; (the tutorial loop
/// without print, recvmmsg) for UDP.
pub fn baselines(workload: &Workload) -> [&'static str; 2] {
    match workload.transport {
        Transport::Tcp => ["c-epoll", "libuv"],
        Transport::Udp => ["c-tutorial-udp-quiet", "c-recvmmsg"],
    }
}

/// The targets, as far as this run measured them.
pub fn targets(summaries: &[Summary]) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut ratio_target = |workload: &str, server: &str, baseline: &str, wanted: f64| {
        if let Some(measured) = ratio(summaries, workload, server, baseline) {
            targets.push(Target {
                what: format!("{workload}: {server} ≥ {wanted:.2}× {baseline}"),
                measured,
                wanted,
                at_least: true,
            });
        }
    };
    ratio_target("ping-1000", "sockit-event-loop", "c-epoll", 1.0);
    ratio_target("ping-10000", "sockit-event-loop", "c-epoll", 1.0);
    ratio_target("stream", "sockit-event-loop", "c-epoll", 0.95);
    ratio_target("ping-1-same-core", "sockit-iterative", "c-tutorial", 0.95);
    ratio_target("ping-1-same-core", "sockit-threaded", "c-tutorial", 0.95);
    ratio_target("ping-1-same-core", "sockit-event-loop", "c-epoll", 1.0);
    ratio_target(
        "udp-64",
        "sockit-udp-event-loop",
        "c-tutorial-udp-quiet",
        1.0,
    );
    ratio_target("udp-64", "sockit-udp-batched", "c-recvmmsg", 1.0);
    // Two loop threads on two cores, the load generator sharing them.
    ratio_target(
        "busy-1000",
        "sockit-busy-2-threads",
        "sockit-busy-1-thread",
        1.5,
    );
    if let Some(s) = find(summaries, "ping-10000", "sockit-event-loop") {
        targets.push(Target {
            what: "ping-10000: sockit-event-loop server memory ≤ 32 MB".into(),
            measured: s.rss_median as f64 / 1e6,
            wanted: 32.0,
            at_least: false,
        });
    }
    targets
}

/// A number in three significant figures with k/M, as the tables show it.
pub fn short(value: f64, unit: &str) -> String {
    if unit == "GB/s" {
        return format!("{value:.3}");
    }
    match value {
        v if v >= 1e6 => format!("{:.2}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The results as a Markdown table: one row per workload and server.
pub fn markdown(summaries: &[Summary]) -> String {
    let mut out = String::new();
    out.push_str(
        "| workload | server | median (min–max) | vs C epoll / tutorial-quiet | vs libuv / recvmmsg | server RSS | note |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for workload in workloads::WORKLOADS {
        for server in servers::SERVERS {
            let Some(s) = find(summaries, workload.name, server.name) else {
                continue;
            };
            let [first, second] = baselines(workload);
            let ratio_text = |baseline: &str| {
                ratio(summaries, workload.name, server.name, baseline)
                    .map_or("—".to_string(), |r| format!("{r:.2}×"))
            };
            let note = s.served.map_or(String::new(), |(served, of)| {
                format!("{served} of {of} served")
            });
            let _ = writeln!(
                out,
                "| {} | {} | {} ({}–{}) {} | {} | {} | {} | {} |",
                workload.name,
                if server.is_sockit {
                    format!("**{}**", server.name)
                } else {
                    server.name.to_string()
                },
                short(s.median, workload.unit),
                short(s.min, workload.unit),
                short(s.max, workload.unit),
                workload.unit,
                ratio_text(first),
                ratio_text(second),
                megabytes(s.rss_median),
                note,
            );
        }
    }
    out
}

/// The targets as a Markdown table.
pub fn targets_markdown(targets: &[Target]) -> String {
    let mut out = String::from("| target | measured | met |\n|---|---|---|\n");
    for target in targets {
        let measured = if target.at_least {
            format!("{:.2}×", target.measured)
        } else {
            format!("{:.1} MB", target.measured)
        };
        let met = if target.met() { "yes" } else { "**no**" };
        let _ = writeln!(out, "| {} | {} | {} |", target.what, measured, met);
    }
    out
}

pub fn json(
    summaries: &[Summary],
    measurements: &[Measurement],
    targets: &[Target],
    header: Value,
) -> Value {
    let results: Vec<Value> = summaries
        .iter()
        .map(|s| {
            let workload = workloads::find(s.workload);
            let [first, second] = baselines(workload);
            json!({
                "workload": s.workload,
                "server": s.server,
                "metric": workload.metric,
                "unit": workload.unit,
                "median": s.median,
                "min": s.min,
                "max": s.max,
                "runs": s.values,
                "server_rss_bytes_median": s.rss_median,
                format!("ratio_vs_{first}"): ratio(summaries, s.workload, s.server, first),
                format!("ratio_vs_{second}"): ratio(summaries, s.workload, s.server, second),
                "reports": measurements
                    .iter()
                    .filter(|m| m.workload == s.workload && m.server == s.server)
                    .map(|m| m.report.clone())
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let targets: Vec<Value> = targets
        .iter()
        .map(|t| json!({"target": t.what, "measured": t.measured, "wanted": t.wanted, "met": t.met()}))
        .collect();
    json!({"run": header, "results": results, "targets": targets})
}
