//! The measurements of a suite run, their medians and spreads, the ratios the targets are
//! about, and the tables and JSON made from them.
//!
//! Each run gives a rate (what the load generator got) and the server's cost: its CPU time
//! over the measured window per unit of work (per round trip, MB, echo or connection). Two
//! servers that both wait on a saturated load generator reach the same rate however much CPU
//! each spends, so the comparisons ("per CPU-second") are of costs: a server's ratio to a
//! baseline is how much more work it does per CPU-second of its own, the baseline's cost over
//! its cost. Only the scaling target of the multi-threaded loop is judged by rate, and the
//! table's server CPU column shows whether the server was the bottleneck there.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::bench::servers::{self, Transport};
use crate::bench::workloads::{self, Workload};

/// One run of one server under one workload.
pub struct Measurement {
    pub workload: &'static str,
    pub server: &'static str,
    /// The rate.
    pub value: f64,
    /// The server's CPU time per unit of work, in microseconds.
    pub cost: f64,
    /// The server's CPU time over the window, as a share of one core.
    pub cpu_share: f64,
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
    /// The server's CPU time per unit of work (µs): each run's, the median, min and max.
    pub costs: Vec<f64>,
    pub cost_median: f64,
    pub cost_min: f64,
    pub cost_max: f64,
    /// The server's CPU over the window, as a share of one core (median of the runs).
    pub cpu_share_median: f64,
    /// The load generator's own, likewise: near 100 % it, not the server, set the rate.
    pub load_share_median: f64,
    pub rss_median: u64,
    /// Connections that got echoes, when not all did (ping).
    pub served: Option<(u64, u64)>,
}

/// A target of the performance issues: a ratio to reach, or a memory ceiling.
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
        // A run that did no work (a server that served nobody in time) has no cost per unit:
        // it is left out, rather than counted as free.
        let costs: Vec<f64> = runs.iter().map(|r| r.cost).filter(|&c| c > 0.0).collect();
        let shares: Vec<f64> = runs.iter().map(|r| r.cpu_share).collect();
        let load_shares: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.report["load_cpu_share"].as_f64())
            .collect();
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
            cost_median: median(&costs),
            cost_min: if costs.is_empty() {
                0.0
            } else {
                costs.iter().copied().fold(f64::INFINITY, f64::min)
            },
            cost_max: costs.iter().copied().fold(0.0, f64::max),
            costs,
            cpu_share_median: median(&shares),
            load_share_median: median(&load_shares),
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

/// `server`'s median rate over `baseline`'s under `workload`, when both ran.
pub fn rate_ratio(
    summaries: &[Summary],
    workload: &str,
    server: &str,
    baseline: &str,
) -> Option<f64> {
    let base = find(summaries, workload, baseline)?.median;
    let over = find(summaries, workload, server)?.median;
    (base > 0.0).then(|| over / base)
}

/// The work `server` does per CPU-second of its own, relative to `baseline` under
/// `workload`: the baseline's median cost over the server's. Above 1: cheaper.
pub fn ratio(summaries: &[Summary], workload: &str, server: &str, baseline: &str) -> Option<f64> {
    let base = find(summaries, workload, baseline)?.cost_median;
    let cost = find(summaries, workload, server)?.cost_median;
    (base > 0.0 && cost > 0.0).then(|| base / cost)
}

/// The baselines a row is compared with: (C epoll, libuv) for TCP; (the tutorial loop
/// without print, recvmmsg) for UDP; C epoll on a Unix socket; C with sendfile and C
/// copying for files; (C epoll, libuv) chat servers; (C epoll, HAProxy) proxies; OpenSSL's
/// epoll server for TLS.
pub fn baselines(workload: &Workload) -> [&'static str; 2] {
    match workload.transport {
        Transport::Tcp => ["c-epoll", "libuv"],
        Transport::Udp => ["c-tutorial-udp-quiet", "c-recvmmsg"],
        Transport::Unix => ["c-epoll-unix", ""],
        Transport::File => ["c-sendfile", "c-copy"],
        Transport::Chat => ["c-epoll-chat", "libuv-chat"],
        Transport::Proxy => ["c-epoll-proxy", "haproxy"],
        Transport::Tls => ["c-openssl", ""],
    }
}

/// The targets, as far as this run measured them. Ratios are per CPU-second of the server
/// (see the module's comment), except the multi-threaded loop's scaling, which is of rates.
pub fn targets(summaries: &[Summary]) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut ratio_target = |workload: &str, server: &str, baseline: &str, wanted: f64| {
        if let Some(measured) = ratio(summaries, workload, server, baseline) {
            targets.push(Target {
                what: format!("{workload}: {server} ≥ {wanted:.2}× {baseline}, per CPU-second"),
                measured,
                wanted,
                at_least: true,
            });
        }
    };
    ratio_target("stream", "sockit-event-loop", "c-epoll", 0.95);
    ratio_target("stream", "sockit-iterative", "c-blocking", 0.9);
    ratio_target("stream", "sockit-threaded", "c-blocking", 0.9);
    ratio_target("ping-1000", "sockit-event-loop", "c-epoll", 0.97);
    ratio_target("ping-10000", "sockit-event-loop", "c-epoll", 0.97);
    ratio_target("ping-1-same-core", "sockit-event-loop", "c-epoll", 0.97);
    ratio_target("ping-1-same-core", "sockit-iterative", "c-tutorial", 0.95);
    ratio_target("ping-1-same-core", "sockit-threaded", "c-tutorial", 0.95);
    ratio_target("udp-64", "sockit-udp-tutorial-port", "c-tutorial-udp", 0.95);
    ratio_target(
        "udp-64",
        "sockit-udp-event-loop",
        "c-tutorial-udp-quiet",
        1.0,
    );
    ratio_target("udp-64", "sockit-udp-batched", "c-recvmmsg", 1.0);
    ratio_target(
        "unix-ping-1",
        "sockit-unix-event-loop",
        "c-epoll-unix",
        0.95,
    );
    ratio_target("unix-ping-1", "sockit-unix-iterative", "c-epoll-unix", 0.95);
    ratio_target(
        "unix-stream",
        "sockit-unix-event-loop",
        "c-epoll-unix",
        0.95,
    );
    ratio_target("unix-stream", "sockit-unix-iterative", "c-epoll-unix", 0.95);
    ratio_target("file-1g", "sockit-file-server", "c-sendfile", 0.95);
    ratio_target("file-1g", "sockit-file-server", "c-copy", 1.0);
    for chat in ["chat-100", "chat-1000"] {
        ratio_target(chat, "sockit-chat", "c-epoll-chat", 0.95);
        ratio_target(chat, "sockit-chat", "libuv-chat", 1.3);
    }
    for proxy in ["proxy-stream", "proxy-ping-1000"] {
        ratio_target(proxy, "sockit-proxy", "c-epoll-proxy", 0.95);
        ratio_target(proxy, "sockit-proxy", "haproxy", 1.0);
    }
    // Issue 21: TLS on sockit's event loop at least as cheap as OpenSSL's epoll server (the
    // blocking server's rows are shown without a target).
    for tls in ["tls-stream", "tls-handshake", "tls-ping-1000"] {
        ratio_target(tls, "sockit-tls-event-loop", "c-openssl", 1.0);
    }
    // Two loop threads on two cores, the load generator sharing them: by rate.
    if let Some(measured) = rate_ratio(
        summaries,
        "busy-1000",
        "sockit-busy-2-threads",
        "sockit-busy-1-thread",
    ) {
        targets.push(Target {
            what: "busy-1000: sockit-busy-2-threads ≥ 1.50× sockit-busy-1-thread, round trips/s"
                .into(),
            measured,
            wanted: 1.5,
            at_least: true,
        });
    }
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

/// A server's cost per unit of work (µs), in three significant figures.
pub fn cost(micros: f64) -> String {
    match micros {
        m if m >= 100.0 => format!("{m:.0}"),
        m if m >= 10.0 => format!("{m:.1}"),
        m => format!("{m:.2}"),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The results as a Markdown table: one row per workload and server.
pub fn markdown(summaries: &[Summary]) -> String {
    let mut out = String::new();
    out.push_str(
        "| workload | server | rate, median (min–max) | server / load generator CPU | server CPU per unit of work, median (min–max) | per CPU-s vs C epoll / tutorial-quiet / C sendfile / OpenSSL | vs libuv / recvmmsg / C copy / HAProxy | server RSS | note |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
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
                "| {} | {} | {} ({}–{}) {} | {:.0} % / {:.0} % | {} ({}–{}) µs/{} | {} | {} | {} | {} |",
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
                s.cpu_share_median * 100.0,
                s.load_share_median * 100.0,
                cost(s.cost_median),
                cost(s.cost_min),
                cost(s.cost_max),
                workload.work_name,
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
                "server_cpu_us_per_unit": workload.work,
                "server_cpu_us_median": s.cost_median,
                "server_cpu_us_min": s.cost_min,
                "server_cpu_us_max": s.cost_max,
                "server_cpu_us_runs": s.costs,
                "server_cpu_share_median": s.cpu_share_median,
                "load_cpu_share_median": s.load_share_median,
                "server_rss_bytes_median": s.rss_median,
                format!("per_cpu_second_vs_{first}"): ratio(summaries, s.workload, s.server, first),
                format!("per_cpu_second_vs_{second}"): ratio(summaries, s.workload, s.server, second),
                format!("rate_vs_{first}"): rate_ratio(summaries, s.workload, s.server, first),
                format!("rate_vs_{second}"): rate_ratio(summaries, s.workload, s.server, second),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(server: &'static str, value: f64, cost: f64) -> Measurement {
        Measurement {
            workload: "ping-1000",
            server,
            value,
            cost,
            cpu_share: 0.5,
            rss: 1,
            report: Value::Null,
        }
    }

    #[test]
    fn ratios_are_per_cpu_second_and_runs_without_work_are_left_out() {
        let runs = [
            run("c-epoll", 100.0, 4.0),
            run("c-epoll", 90.0, 4.4),
            run("c-epoll", 110.0, 3.6),
            // Twice the rate, and twice the CPU per round trip: half the work per CPU-second.
            run("sockit-event-loop", 200.0, 8.0),
            run("sockit-event-loop", 0.0, 0.0),
            run("sockit-event-loop", 200.0, 8.0),
        ];
        let summaries = summarize(&runs);
        let sockit = find(&summaries, "ping-1000", "sockit-event-loop").unwrap();
        assert_eq!((sockit.cost_median, sockit.cost_min), (8.0, 8.0));
        let per_cpu = ratio(&summaries, "ping-1000", "sockit-event-loop", "c-epoll").unwrap();
        assert!((per_cpu - 0.5).abs() < 1e-9, "{per_cpu}");
        let by_rate = rate_ratio(&summaries, "ping-1000", "sockit-event-loop", "c-epoll").unwrap();
        assert!((by_rate - 2.0).abs() < 1e-9, "{by_rate}");
        let target = targets(&summaries)
            .into_iter()
            .find(|t| t.what.starts_with("ping-1000"))
            .unwrap();
        assert!(!target.met());
    }

    #[test]
    fn a_server_that_did_no_work_has_no_ratio() {
        let runs = [
            run("c-epoll", 100.0, 4.0),
            run("sockit-iterative", 0.0, 0.0),
        ];
        let summaries = summarize(&runs);
        assert_eq!(
            ratio(&summaries, "ping-1000", "sockit-iterative", "c-epoll"),
            None
        );
    }
}
