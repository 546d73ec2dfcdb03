//! The tasks' command lines: `--name value` options, then `--` and options for cargo.

use std::collections::BTreeMap;

pub struct Args {
    options: BTreeMap<String, String>,
    /// Everything after `--`, passed to cargo as is.
    pub cargo: Vec<String>,
}

impl Args {
    /// Parses `arguments`, accepting only the option names in `known` (without `--`).
    pub fn parse(arguments: Vec<String>, known: &[&str]) -> Result<Args, String> {
        let mut options = BTreeMap::new();
        let mut cargo = Vec::new();
        let mut rest = arguments.into_iter();
        while let Some(argument) = rest.next() {
            if argument == "--" {
                cargo.extend(rest.by_ref());
                break;
            }
            let Some(name) = argument.strip_prefix("--") else {
                return Err(format!("unexpected argument {argument:?}"));
            };
            let (name, value) = match name.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => {
                    let value = rest
                        .next()
                        .ok_or_else(|| format!("--{name} needs a value"))?;
                    (name.to_string(), value)
                }
            };
            if !known.contains(&name.as_str()) {
                return Err(format!("unknown option --{name}"));
            }
            options.insert(name, value);
        }
        Ok(Args { options, cargo })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }
}
