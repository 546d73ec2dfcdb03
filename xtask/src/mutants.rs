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
    /// The files it is: the start of their paths. (cargo-mutants 27.1 lets a mutant that
    /// deletes a struct field through every `--re`; its file tells it is not the area's.)
    pub files: &'static str,
    /// The `cargo test` targets that cover it.
    pub tests: &'static [&'static str],
}

/// The areas, in the order `--area all` runs them (cheapest first).
pub const AREAS: [Area; 4] = [
    Area {
        name: "boundary",
        files: "src/ffi/boundary.rs",
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
        files: "src/framing/",
        mutants: "^src/framing/",
        tests: &[
            "framing",
            "framing_memory",
            "messages_api",
            "message_programs",
        ],
    },
    Area {
        name: "net",
        files: "src/net/",
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
        files: "src/server/",
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

/// The arguments for cargo-mutants over `area`: its mutants (or those `re` picks), the
/// library's unit tests and the test files `tests` (built and run), the report in `out`,
/// then `extra`.
pub fn mutants_args(
    area: &Area,
    re: Option<&str>,
    tests: &[&str],
    out: &Path,
    extra: &[String],
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "mutants".into(),
        "--re".into(),
        re.unwrap_or(area.mutants).into(),
        "--output".into(),
        out.display().to_string(),
    ];
    // Given to the build as well as to the run, so that each mutant builds only these.
    args.push("--cargo-arg=--lib".into());
    for test in tests {
        args.push(format!("--cargo-arg=--test={test}"));
    }
    args.extend(extra.iter().cloned());
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
    /// The score of the mutants of `files` (the start of their paths) in `outcomes`, and
    /// the names of those missed.
    pub fn read(outcomes: &str, files: &str) -> Result<(Score, Vec<String>), String> {
        let json: serde_json::Value =
            serde_json::from_str(outcomes).map_err(|e| format!("outcomes.json: {e}"))?;
        let outcomes = json["outcomes"]
            .as_array()
            .ok_or("outcomes.json has no outcomes")?;
        let mut score = Score {
            caught: 0,
            missed: 0,
            timeout: 0,
            unviable: 0,
        };
        let mut missed = Vec::new();
        for outcome in outcomes {
            let mutant = &outcome["scenario"]["Mutant"];
            // The baseline, the unmutated tree, is no mutant.
            let Some(file) = mutant["file"].as_str() else {
                continue;
            };
            if !file.starts_with(files) {
                continue;
            }
            match outcome["summary"].as_str() {
                Some("CaughtMutant") => score.caught += 1,
                Some("Timeout") => score.timeout += 1,
                Some("Unviable") => score.unviable += 1,
                Some("MissedMutant") => {
                    score.missed += 1;
                    missed.push(mutant["name"].as_str().unwrap_or(file).to_string());
                }
                other => return Err(format!("an outcome {other:?} for a mutant of {file}")),
            }
        }
        Ok((score, missed))
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
    let args = Args::parse(arguments, &["area", "re", "tests", "jobs"])?;
    let areas: Vec<&Area> = match args.get("area").unwrap_or("all") {
        "all" => AREAS.iter().collect(),
        name => vec![area(name)?],
    };
    if (args.get("re").is_some() || args.get("tests").is_some()) && areas.len() != 1 {
        return Err("--re and --tests narrow one --area".into());
    }
    let chosen_tests: Option<Vec<&str>> = args.get("tests").map(|t| t.split(',').collect());
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
        std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
        let tests = chosen_tests.as_deref().unwrap_or(area.tests);
        let mutants_args = mutants_args(area, args.get("re"), tests, &out, &extra);
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
        let (score, missed) = Score::read(&outcomes, area.files)?;
        println!("{}: {}", area.name, score.line());
        for name in missed {
            println!("  missed: {name}");
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        for area in &AREAS {
            assert!(area.mutants.starts_with("^src/"), "{}", area.name);
            for test in area.tests {
                // A test binary is a `[[test]]` of the manifest (tests/<concept>/<file>.rs),
                // or one cargo finds by itself (tests/<name>/main.rs).
                let declared = format!("[[test]]\nname = \"{test}\"\npath = \"");
                let path = manifest
                    .split_once(&declared)
                    .and_then(|(_, rest)| rest.split_once('"'))
                    .map(|(path, _)| root.join(path));
                let found = match path {
                    Some(path) => path.exists(),
                    None => root.join("tests").join(test).join("main.rs").exists(),
                };
                assert!(found, "{}: no test {test}", area.name);
            }
        }
        assert_eq!(area("server").unwrap().name, "server");
        assert!(area("everything").is_err());
    }

    #[test]
    fn the_arguments_pick_the_area_and_its_tests() {
        let framing = area("framing").unwrap();
        let args = mutants_args(
            framing,
            None,
            framing.tests,
            Path::new("out"),
            &["--jobs".into(), "1".into()],
        );
        let line = args.join(" ");
        assert_eq!(
            line,
            "mutants --re ^src/framing/ --output out --cargo-arg=--lib \
             --cargo-arg=--test=framing --cargo-arg=--test=framing_memory \
             --cargo-arg=--test=messages_api --cargo-arg=--test=message_programs --jobs 1"
        );
        let narrowed = mutants_args(
            area("server").unwrap(),
            Some("^src/server/blocking"),
            &["server_lifecycle"],
            Path::new("out"),
            &[],
        );
        assert_eq!(narrowed[2], "^src/server/blocking");
        assert_eq!(
            narrowed[5..],
            ["--cargo-arg=--lib", "--cargo-arg=--test=server_lifecycle"]
        );
    }

    #[test]
    fn the_score_counts_timeouts_as_caught_and_only_the_areas_mutants() {
        let mutant = |file: &str, name: &str, summary: &str| {
            serde_json::json!({
                "scenario": {"Mutant": {"name": name, "file": file}},
                "summary": summary,
            })
        };
        let outcomes = serde_json::json!({"outcomes": [
            {"scenario": "Baseline", "summary": "Success"},
            mutant("src/net/io.rs", "io 1", "CaughtMutant"),
            mutant("src/net/io.rs", "io 2", "CaughtMutant"),
            mutant("src/net/tcp.rs", "tcp 1", "Timeout"),
            mutant("src/net/tcp.rs", "tcp 2", "MissedMutant"),
            mutant("src/net/udp.rs", "udp 1", "Unviable"),
            mutant("src/ffi/addr.rs", "elsewhere", "MissedMutant"),
        ]})
        .to_string();
        let (score, missed) = Score::read(&outcomes, "src/net/").unwrap();
        assert_eq!(
            score,
            Score {
                caught: 2,
                missed: 1,
                timeout: 1,
                unviable: 1
            }
        );
        assert_eq!(missed, ["tcp 2"]);
        assert_eq!(
            score.line(),
            "3 of 4 caught (75.0 %: 2 by a failing test, 1 by the time limit), 1 missed, \
             1 unviable"
        );
        assert!(Score::read("{}", "src/").is_err());
    }
}
