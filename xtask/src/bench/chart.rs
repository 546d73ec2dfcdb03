//! The results as an SVG bar chart: for each workload, the work each server does per
//! CPU-second of its own relative to the workload's first baseline (C epoll for TCP, the
//! tutorial's UDP loop without print): the baseline's median cost over the server's, with
//! the spread of its runs as a whisker.

use std::fmt::Write as _;

use crate::bench::results::{self, Summary};
use crate::bench::servers;
use crate::bench::workloads;

const ROW: f64 = 16.0;
const LABEL: f64 = 190.0;
const PLOT: f64 = 460.0;
const RIGHT: f64 = 150.0;

pub fn svg(summaries: &[Summary], title: &str) -> String {
    let mut rows: Vec<(String, &Summary, f64, bool)> = Vec::new();
    for workload in workloads::WORKLOADS {
        let baseline = results::baselines(workload)[0];
        let Some(base) = summaries
            .iter()
            .find(|s| s.workload == workload.name && s.server == baseline)
            .map(|s| s.cost_median)
            .filter(|&m| m > 0.0)
        else {
            continue;
        };
        for server in servers::SERVERS {
            if let Some(s) = summaries
                .iter()
                .find(|s| s.workload == workload.name && s.server == server.name)
                // No run of it did any work: no cost to compare.
                .filter(|s| s.cost_median > 0.0)
            {
                rows.push((workload.name.to_string(), s, base, server.is_sockit));
            }
        }
    }
    let scale_max = rows
        .iter()
        .map(|(_, s, base, _)| base / s.cost_min)
        .fold(1.2f64, f64::max)
        .min(4.0);
    let x = |ratio: f64| LABEL + PLOT * (ratio / scale_max).min(1.0);
    let mut groups = 0.0;
    let mut last = String::new();
    for (workload, ..) in &rows {
        if *workload != last {
            groups += 1.0;
            last.clone_from(workload);
        }
    }
    let height = 60.0 + ROW * rows.len() as f64 + 10.0 * groups + 30.0;
    let width = LABEL + PLOT + RIGHT;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="10" y="18" font-size="13" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        out,
        r#"<text x="10" y="34">Work per CPU-second of the server relative to C epoll (TCP) or the tutorial's UDP loop without print (the baseline's median CPU per unit of work over the server's); whiskers: min–max of the runs.</text>"#
    );
    let mut y = 50.0;
    let mut last = String::new();
    for (workload, s, base, is_sockit) in &rows {
        if *workload != last {
            y += 10.0;
            let _ = writeln!(
                out,
                r#"<text x="10" y="{}" font-weight="bold">{}</text>"#,
                y + 11.0,
                escape(workload)
            );
            last.clone_from(workload);
        }
        let ratio = base / s.cost_median;
        let color = if *is_sockit { "#d9622b" } else { "#7f8c9b" };
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL - 6.0,
            y + 11.0,
            escape(s.server)
        );
        let _ = writeln!(
            out,
            r#"<rect x="{LABEL}" y="{}" width="{:.1}" height="{}" fill="{color}"/>"#,
            y + 2.0,
            x(ratio) - LABEL,
            ROW - 4.0
        );
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{}" y2="{}" stroke="black"/>"#,
            x(base / s.cost_max),
            x(base / s.cost_min),
            y + ROW / 2.0,
            y + ROW / 2.0
        );
        let work = workloads::find(s.workload).work_name;
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}">{ratio:.2}× ({} µs/{})</text>"#,
            LABEL + PLOT + 6.0,
            y + 11.0,
            results::cost(s.cost_median),
            escape(work)
        );
        y += ROW;
    }
    let _ = writeln!(
        out,
        r#"<line x1="{0:.1}" x2="{0:.1}" y1="44" y2="{1}" stroke="black" stroke-dasharray="3,3"/>"#,
        x(1.0),
        y + 4.0
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{}" text-anchor="middle">1.0×</text>"#,
        x(1.0),
        y + 18.0
    );
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
