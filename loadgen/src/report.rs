//! A run's results: named numbers, printed as `name=value` text or as one JSON object.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::histogram::Histogram;
use crate::server_cpu::Spent;

pub struct Report {
    fields: Map<String, Value>,
}

impl Report {
    pub fn new(workload: &str) -> Report {
        let mut fields = Map::new();
        fields.insert("workload".into(), workload.into());
        Report { fields }
    }

    pub fn count(mut self, name: &str, value: u64) -> Report {
        self.fields.insert(name.into(), value.into());
        self
    }

    pub fn rate(mut self, name: &str, value: f64) -> Report {
        let rounded = (value * 1000.0).round() / 1000.0;
        self.fields.insert(name.into(), rounded.into());
        self
    }

    pub fn latency(self, histogram: &Histogram) -> Report {
        self.rate("latency_p50_us", histogram.quantile_us(0.5))
            .rate("latency_p99_us", histogram.quantile_us(0.99))
            .rate("latency_p999_us", histogram.quantile_us(0.999))
    }

    /// What the server spent over the measured window, when it was watched: its CPU time,
    /// that as a share of one core over the window, and per unit of work (`count` units,
    /// named `unit`), in microseconds; and the load generator's own share of a core, which
    /// near 100 % says the load generator, not the server, set the rate.
    pub fn server_cpu(
        self,
        spent: Option<Spent>,
        measured: Duration,
        unit: &str,
        count: f64,
    ) -> Report {
        let Some(Spent { server: cpu, load }) = spent else {
            return self;
        };
        let window = measured.as_secs_f64().max(1e-9);
        let share = cpu.as_secs_f64() / window;
        let per_unit = if count > 0.0 {
            cpu.as_secs_f64() * 1e6 / count
        } else {
            0.0
        };
        let mut report = self.rate("server_cpu_seconds", cpu.as_secs_f64());
        report.fields.insert(
            "server_cpu_share".into(),
            ((share * 1e4).round() / 1e4).into(),
        );
        report.fields.insert(
            "load_cpu_share".into(),
            ((load.as_secs_f64() / window * 1e4).round() / 1e4).into(),
        );
        report.fields.insert(
            format!("server_cpu_us_per_{unit}"),
            ((per_unit * 1e6).round() / 1e6).into(),
        );
        report
    }

    pub fn seconds(self, measured: Duration) -> Report {
        self.rate("seconds", measured.as_secs_f64())
    }

    /// Echoes that differed from what was sent: the server corrupted data.
    pub fn mismatches(&self) -> u64 {
        self.fields
            .get("echo_mismatches")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    pub fn json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }

    pub fn text(&self) -> String {
        self.fields
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => format!("{name}={text}"),
                other => format!("{name}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}
