//! A run's results: named numbers, printed as `name=value` text or as one JSON object.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::histogram::Histogram;

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
