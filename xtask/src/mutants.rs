//! `cargo xtask mutants`: mutation testing with cargo-mutants (configured in
//! `.cargo/mutants.toml`), one area of `src/` at a time, each with the tests that cover it.
//! Every mutant is a small deliberate bug; the report lists those no test caught ("missed"),
//! each a behaviour that no test checks (or an equivalent change, which the README's Tests
//! section explains).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::args::Args;

/// A part of the library and the tests that check it.
pub struct Area {
    pub name: &'static str,
    /// Which mutants belong to it: cargo-mutants' `--re` over "file:line:column: change".
    pub mutants: &'static str,
    /// The `cargo test` targets that cover it.
    pub tests: &'static [&'static str],
}

/// The areas, in the order `--area all` runs them (cheapest first).
pub const AREAS: [Area; 4] = [
    Area {
        name: "boundary",
        mutants: r"^src/ffi/boundary\.rs:",
        tests: &[
            "c_boundary",
            "api",
            "messages_api",
            "nonblocking_api",
            "server",
        ],
    },
    Area {
        name: "framing",
        mutants: "^src/framing/",
        tests: &["framing", "messages_api", "message_programs"],
    },
    Area {
        name: "net",
        mutants: "^src/net/",
        tests: &[
            "api",
            "nonblocking_api",
            "messages_api",
            "c_boundary",
            "c_examples",
            "server_lifecycle",
        ],
    },
    Area {
        name: "server",
        mutants: "^src/server/",
        tests: &[
            "server",
            "server_lifecycle",
            "server_resources",
            "event_loop_threads",
            "server_programs",
        ],
    },
];

pub fn area(name: &str) -> Result<&'static Area, String> {
    AREAS.iter().find(|area| area.name == name).ok_or_else(|| {
        let names: Vec<_> = AREAS.iter().map(|area| area.name).collect();
        format!("no area {name:?}; the areas are {}", names.join(", "))
    })
}

/// The arguments for cargo-mutants over `area`: its mutants (or those `re` picks), its
/// tests (the library's unit tests and its test files), the report in `out`.
pub fn mutants_args(area: &Area, re: Option<&str>, out: &Path, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "mutants".into(),
        "--re".into(),
        re.unwrap_or(area.mutants).into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().cloned());
    args.push("--".into());
    args.push("--lib".into());
    for test in area.tests {
        args.push("--test".into());
        args.push((*test).into());
    }
    args
}

/// What one run found, from cargo-mutants' `outcomes.json`.
#[derive(Debug, PartialEq, Eq)]
pub struct Score {
    pub caught: u64,
    pub missed: u64,
    pub timeout: u64,
    pub unviable: u64,
}

impl Score {
    pub fn read(outcomes: &str) -> Result<Score, String> {
        let json: serde_json::Value =
            serde_json::from_str(outcomes).map_err(|e| format!("outcomes.json: {e}"))?;
        let count = |name: &str| {
            json[name]
                .as_u64()
                .ok_or_else(|| format!("outcomes.json has no count {name:?}"))
        };
        Ok(Score {
            caught: count("caught")?,
            missed: count("missed")?,
            timeout: count("timeout")?,
            unviable: count("unviable")?,
        })
    }

    /// "caught N of M (P %)": mutants that built, caught by a failing test or by the time
    /// limit, out of all that built.
    pub fn line(&self) -> String {
        let detected = self.caught + self.timeout;
        let viable = detected + self.missed;
        let percent = if viable == 0 {
            100.0
        } else {
            100.0 * detected as f64 / viable as f64
        };
        format!(
            "{detected} of {viable} caught ({percent:.1} %: {} by a failing test, {} by the \
             time limit), {} missed, {} unviable",
            self.caught, self.timeout, self.missed, self.unviable
        )
    }
}

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &["area", "re", "jobs"])?;
    let areas: Vec<&Area> = match args.get("area").unwrap_or("all") {
        "all" => AREAS.iter().collect(),
        name => vec![area(name)?],
    };
    if args.get("re").is_some() && areas.len() != 1 {
        return Err("--re narrows one --area".into());
    }
    ensure_cargo_mutants()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf();
    let mut extra = vec!["--jobs".to_string(), args.get("jobs").unwrap_or("1").into()];
    extra.extend(args.cargo.iter().cloned());
    let mut missed_any = false;
    for area in areas {
        let out = root.join("target/mutants").join(area.name);
        let mutants_args = mutants_args(area, args.get("re"), &out, &extra);
        eprintln!("== cargo {}", mutants_args.join(" "));
        // cargo-mutants exits 2 when it missed mutants, 3 on timeouts: the report says.
        let status = Command::new("cargo")
            .args(&mutants_args)
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cargo mutants: {e}"))?;
        let report = report_dir(&out);
        let outcomes = std::fs::read_to_string(report.join("outcomes.json"))
            .map_err(|e| format!("cargo mutants ({status}) left no outcomes.json: {e}"))?;
        let score = Score::read(&outcomes)?;
        println!("{}: {}", area.name, score.line());
        let missed = std::fs::read_to_string(report.join("missed.txt")).unwrap_or_default();
        for line in missed.lines() {
            println!("  missed: {line}");
        }
        println!("  report: {}", report.display());
        missed_any |= score.missed > 0;
    }
    if missed_any {
        return Err("mutants were missed (listed above)".into());
    }
    Ok(())
}

/// Where cargo-mutants writes its report under `--output out`.
fn report_dir(out: &Path) -> PathBuf {
    out.join("mutants.out")
}

/// Installs cargo-mutants with cargo if it is not there.
fn ensure_cargo_mutants() -> Result<(), String> {
    let there = Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if there {
        return Ok(());
    }
    eprintln!("== cargo install cargo-mutants --locked");
    let status = Command::new("cargo")
        .args(["install", "cargo-mutants", "--locked"])
        .status()
        .map_err(|e| format!("cargo install: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cargo install cargo-mutants failed: {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_tests_that_exist_and_a_pattern_for_its_files() {
        let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
        for area in &AREAS {
            assert!(area.mutants.starts_with("^src/"), "{}", area.name);
            for test in area.tests {
                let file = tests.join(format!("{test}.rs"));
                let dir = tests.join(test).join("main.rs");
                assert!(
                    file.exists() || dir.exists(),
                    "{}: no test {test}",
                    area.name
                );
            }
        }
        assert_eq!(area("server").unwrap().name, "server");
        assert!(area("everything").is_err());
    }

    #[test]
    fn the_arguments_pick_the_area_and_its_tests() {
        let args = mutants_args(
            area("framing").unwrap(),
            None,
            Path::new("out"),
            &["--jobs".into(), "1".into()],
        );
        let line = args.join(" ");
        assert_eq!(
            line,
            "mutants --re ^src/framing/ --output out --jobs 1 -- --lib --test framing \
             --test messages_api --test message_programs"
        );
        let narrowed = mutants_args(
            area("server").unwrap(),
            Some("^src/server/blocking"),
            Path::new("out"),
            &[],
        );
        assert_eq!(narrowed[2], "^src/server/blocking");
    }

    #[test]
    fn the_score_counts_timeouts_as_caught_and_leaves_unviable_ones_out() {
        let outcomes = r#"{"outcomes": [], "total_mutants": 10, "missed": 1, "caught": 6,
            "timeout": 1, "unviable": 2, "success": 0, "failure": 0}"#;
        let score = Score::read(outcomes).unwrap();
        assert_eq!(
            score,
            Score {
                caught: 6,
                missed: 1,
                timeout: 1,
                unviable: 2
            }
        );
        assert_eq!(
            score.line(),
            "7 of 8 caught (87.5 %: 6 by a failing test, 1 by the time limit), 1 missed, \
             2 unviable"
        );
        assert!(Score::read("{}").is_err());
    }
}
