//! The command line: a workload, then `--name value` options (and the `--json` switch).

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::socket::Target;

pub struct Options {
    pub workload: String,
    values: BTreeMap<String, String>,
    pub json: bool,
}

impl Options {
    pub fn parse(arguments: Vec<String>, known: &[&str]) -> Result<Options, String> {
        let mut rest = arguments.into_iter();
        let workload = rest.next().ok_or("no workload given")?;
        let mut values = BTreeMap::new();
        let mut json = false;
        while let Some(argument) = rest.next() {
            let Some(name) = argument.strip_prefix("--") else {
                return Err(format!("unexpected argument {argument:?}"));
            };
            if name == "json" {
                json = true;
                continue;
            }
            if !known.contains(&name) {
                return Err(format!("unknown option --{name}"));
            }
            let value = rest
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?;
            values.insert(name.to_string(), value);
        }
        Ok(Options {
            workload,
            values,
            json,
        })
    }

    /// Where a stream workload connects: `unix:PATH`, a Unix domain socket, or a loopback
    /// address as [`Options::to`] takes it.
    pub fn target(&self) -> Result<Target, String> {
        match self
            .values
            .get("to")
            .and_then(|to| to.strip_prefix("unix:"))
        {
            Some(path) => Ok(Target::Unix(path.into())),
            None => self.to().map(Target::Tcp),
        }
    }

    /// A text option.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        self.values
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name} is required"))
    }

    /// The server's address: loopback only, as this tool must never load anyone else's.
    pub fn to(&self) -> Result<SocketAddr, String> {
        let text = self.values.get("to").ok_or("--to HOST:PORT is required")?;
        let addr = text
            .to_socket_addrs()
            .map_err(|err| format!("--to {text}: {err}"))?
            .next()
            .ok_or_else(|| format!("--to {text}: no address"))?;
        if !addr.ip().is_loopback() {
            return Err(format!("--to {text}: only loopback servers may be loaded"));
        }
        Ok(addr)
    }

    pub fn number(&self, name: &str, default: u64) -> Result<u64, String> {
        let Some(text) = self.values.get(name) else {
            return Ok(default);
        };
        let (digits, scale) = match text.chars().last() {
            Some('K' | 'k') => (&text[..text.len() - 1], 1 << 10),
            Some('M' | 'm') => (&text[..text.len() - 1], 1 << 20),
            Some('G' | 'g') => (&text[..text.len() - 1], 1 << 30),
            _ => (text.as_str(), 1),
        };
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| format!("--{name} {text}: not a count (suffixes K, M, G)"))
    }

    pub fn size(&self, name: &str, default: usize, max: usize) -> Result<usize, String> {
        let n = self.number(name, default as u64)?;
        usize::try_from(n)
            .ok()
            .filter(|&n| (1..=max).contains(&n))
            .ok_or_else(|| format!("--{name} must be 1..={max}"))
    }

    /// A process id, when given.
    pub fn pid(&self, name: &str) -> Result<Option<u32>, String> {
        let Some(text) = self.values.get(name) else {
            return Ok(None);
        };
        text.parse::<u32>()
            .ok()
            .filter(|&pid| pid > 0)
            .map(Some)
            .ok_or_else(|| format!("--{name} {text}: not a process id"))
    }

    pub fn seconds(&self, name: &str, default: f64) -> Result<Duration, String> {
        let Some(text) = self.values.get(name) else {
            return Ok(Duration::from_secs_f64(default));
        };
        text.parse::<f64>()
            .ok()
            .filter(|s| (0.0..=3600.0).contains(s))
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("--{name} {text}: seconds from 0 to 3600"))
    }
}
