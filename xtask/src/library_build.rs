//! Building the static and shared libraries for installation, and asking rustc what a static
//! link needs besides them.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::package;
use crate::target::Target;

/// What a build produced.
pub struct Built {
    /// Every file cargo reported for the library (static, shared, import library, ...).
    pub files: Vec<PathBuf>,
    /// The native libraries a program linking the static library also needs, as rustc
    /// prints them for this target (`-lgcc_s -lutil ...` or `kernel32.lib ws2_32.lib ...`).
    pub native_static_libs: Vec<String>,
}

impl Built {
    /// The built file called `name`.
    pub fn file(&self, name: &str) -> Result<&PathBuf, String> {
        self.files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| n == name))
            .ok_or_else(|| format!("the build produced no {name} (got {:?})", self.files))
    }
}

/// `cargo rustc` for the library alone, as a static and a shared library, with `link_args`
/// for the shared one, in `profile`, plus the caller's own cargo options.
pub fn build(
    target: &Target,
    profile: &str,
    link_args: &[String],
    cargo_options: &[String],
) -> Result<Built, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(&cargo);
    command
        .current_dir(package::root())
        .args([
            "rustc",
            "--package",
            "sockit",
            "--lib",
            "--profile",
            profile,
        ])
        .args(["--target", &target.triple])
        .args(["--crate-type", "staticlib,cdylib"])
        .args(["--message-format", "json"])
        .args(cargo_options)
        .arg("--")
        .arg("--print=native-static-libs");
    for arg in link_args {
        command.arg("-C").arg(format!("link-arg={arg}"));
    }
    command.stdout(Stdio::piped());
    eprintln!("xtask: {command:?}");
    let mut child = command.spawn().map_err(|e| format!("run {cargo}: {e}"))?;
    let mut built = Built {
        files: Vec::new(),
        native_static_libs: Vec::new(),
    };
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("read cargo's output: {e}"))?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if message["target"]["name"] == "sockit" => {
                for file in message["filenames"].as_array().into_iter().flatten() {
                    built.files.extend(file.as_str().map(PathBuf::from));
                }
            }
            Some("compiler-message") => {
                let text = message["message"]["message"].as_str().unwrap_or_default();
                if let Some(libs) = text.strip_prefix("native-static-libs: ") {
                    built.native_static_libs =
                        libs.split_whitespace().map(str::to_string).collect();
                } else if matches!(
                    message["message"]["level"].as_str(),
                    Some("warning" | "error")
                ) {
                    eprint!(
                        "{}",
                        message["message"]["rendered"].as_str().unwrap_or(text)
                    );
                }
            }
            _ => {}
        }
    }
    let status = child.wait().map_err(|e| format!("wait for cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo failed ({status})"));
    }
    if built.native_static_libs.is_empty() {
        return Err("rustc did not report the static library's native libraries".into());
    }
    Ok(built)
}
