//! `cargo xtask bench`: sockit's echo servers against the C, libuv and recvmmsg baselines,
//! on this machine in one run. Each server runs pinned to one core and the load generator
//! (sockit-load) to the other (see `workloads::Placement` for the exceptions); every run of every server is interleaved with the others',
//! so that the machine's drift falls on all of them alike.
//!
//! The full suite writes `benches/results/results.json` and `chart.svg` and rewrites the
//! README's results section. `--quick` is the regression guard of `.ci/run`: C epoll
//! against sockit's event loop only, failing when sockit's median falls below 0.7× C
//! epoll's in the same run. `--only <workload>` runs part of the suite and only prints it.

mod chart;
mod machine;
mod process;
mod results;
mod servers;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::library_build;
use crate::package;
use crate::target::Target;

use self::process::{Cores, Running};
use self::results::Measurement;
use self::servers::{SERVERS, Server, Toolchain};
use self::workloads::{WORKLOADS, Workload};

/// The regression guard's floor: sockit's median over C epoll's, in the same run.
const GUARD: f64 = 0.7;

struct Options {
    quick: bool,
    runs: usize,
    seconds: f64,
    only: Vec<String>,
}

fn parse(arguments: Vec<String>) -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        runs: 3,
        seconds: 3.0,
        only: Vec::new(),
    };
    let mut rest = arguments.into_iter();
    while let Some(argument) = rest.next() {
        let mut value = |name: &str| rest.next().ok_or(format!("{name} needs a value"));
        match argument.as_str() {
            "--quick" => {
                options.quick = true;
                options.seconds = 1.0;
            }
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .ok()
                    .filter(|&n| (1..=20).contains(&n))
                    .ok_or("--runs takes 1 to 20")?;
            }
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .ok()
                    .filter(|&s| (0.2..=60.0).contains(&s))
                    .ok_or("--seconds takes 0.2 to 60")?;
            }
            "--only" => options.only.push(value("--only")?),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(options)
}

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err("the benchmark suite runs on Linux (epoll, recvmmsg, taskset)".into());
    }
    let options = parse(arguments)?;
    let root = package::root();
    // The quick guard compares C epoll and sockit only: no libuv to install.
    let tools = prepare(&root, !options.quick)?;
    let bin = root.join("target/bench/bin");
    let loadgen = root.join("target/release/sockit-load");
    let plan = plan(&options, &tools);
    for (_, servers) in &plan {
        for server in servers {
            server.build(&tools, &bin)?;
        }
    }
    let cores = Cores::detect();
    let mut measurements = Vec::new();
    for (workload, servers) in &plan {
        eprintln!("== {} ({})", workload.name, workload.title);
        for run in 1..=options.runs {
            for server in servers {
                let m = measure(workload, server, &bin, &loadgen, cores, &options)?;
                eprintln!(
                    "   run {run}: {:<24} {:>12} {}   RSS {:.1} MB",
                    server.name,
                    results::short(m.value, workload.unit),
                    workload.unit,
                    m.rss as f64 / 1e6
                );
                measurements.push(m);
            }
        }
    }
    let summaries = results::summarize(&measurements);
    let targets = results::targets(&summaries);
    let header = machine::describe(options.runs, options.seconds, cores);
    println!("{}", results::markdown(&summaries));
    if options.quick {
        return guard(&summaries, &plan);
    }
    println!("{}", results::targets_markdown(&targets));
    if !options.only.is_empty() {
        // Part of the suite: the README and the results keep the last whole run.
        return Ok(());
    }
    let out = root.join("benches/results");
    std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
    let json = results::json(&summaries, &measurements, &targets, header.clone());
    write(
        &out.join("results.json"),
        &serde_json::to_string_pretty(&json).unwrap(),
    )?;
    let title = format!(
        "sockit echo servers, {} ({})",
        header["date"].as_str().unwrap_or(""),
        header["machine"].as_str().unwrap_or("")
    );
    write(&out.join("chart.svg"), &chart::svg(&summaries, &title))?;
    update_readme(&root, &summaries, &targets, &header)?;
    eprintln!("wrote benches/results/results.json, benches/results/chart.svg and README.md");
    Ok(())
}

/// Which servers run each workload.
fn plan(options: &Options, tools: &Toolchain) -> Vec<(&'static Workload, Vec<&'static Server>)> {
    let quick = ["ping-1000", "stream", "ping-1-same-core"];
    WORKLOADS
        .iter()
        .filter(|w| !options.quick || quick.contains(&w.name))
        .filter(|w| options.only.is_empty() || options.only.iter().any(|o| o == w.name))
        .map(|workload| {
            let servers = SERVERS
                .iter()
                .filter(|s| s.transport == workload.transport && s.available(tools))
                // A workload with servers of its own runs those only; they run nothing else.
                .filter(|s| s.only == own_servers(workload).then_some(workload.name))
                .filter(|s| !options.quick || s.name == "c-epoll" || s.name == "sockit-event-loop")
                .collect();
            (workload, servers)
        })
        .collect()
}

/// Whether some servers are made for `workload` alone.
fn own_servers(workload: &Workload) -> bool {
    SERVERS.iter().any(|s| s.only == Some(workload.name))
}

fn measure(
    workload: &Workload,
    server: &Server,
    bin: &Path,
    loadgen: &Path,
    cores: Cores,
    options: &Options,
) -> Result<Measurement, String> {
    let (server_cpus, load_cpus) = cores.lists(workload.placement);
    let running = Running::start(server, bin, &server_cpus)?;
    let mut args: Vec<String> = workload.load.iter().map(|a| a.to_string()).collect();
    if workload.timed {
        args.extend(["--seconds".into(), options.seconds.to_string()]);
    }
    args.extend(["--to".into(), running.addr().to_string(), "--json".into()]);
    let limit = Duration::from_secs_f64(options.seconds) + Duration::from_secs(workload.slack);
    let (report, rss) = process::load(loadgen, &load_cpus, &args, &running, limit)
        .map_err(|e| format!("{} under {}: {e}", server.name, workload.name))?;
    drop(running);
    let value = report[workload.metric]
        .as_f64()
        .ok_or_else(|| format!("no {} in {report}", workload.metric))?;
    Ok(Measurement {
        workload: workload.name,
        server: server.name,
        value,
        rss,
        report,
    })
}

/// The quick suite's verdict.
fn guard(
    summaries: &[results::Summary],
    plan: &[(&'static Workload, Vec<&'static Server>)],
) -> Result<(), String> {
    let mut failures = Vec::new();
    for (workload, _) in plan {
        let ratio = results::ratio(summaries, workload.name, "sockit-event-loop", "c-epoll")
            .ok_or_else(|| format!("{}: no ratio measured", workload.name))?;
        let verdict = if ratio >= GUARD { "ok" } else { "TOO SLOW" };
        println!(
            "guard {}: sockit-event-loop / c-epoll = {ratio:.2} (floor {GUARD}) {verdict}",
            workload.name
        );
        if ratio < GUARD {
            failures.push(workload.name);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "sockit fell below {GUARD}× C epoll in {failures:?}"
        ))
    }
}

/// Builds what the suite needs: the static library (and what linking it needs), the load
/// generator, and libuv's headers (installed from Debian when missing, if we may).
fn prepare(root: &Path, with_libuv: bool) -> Result<Toolchain, String> {
    let target = Target::new(None)?;
    let built = library_build::build(&target, "release", &[], &[])?;
    let sockit_static = built.file(target.static_lib())?.clone();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--release", "--package", "sockit-load"])
        .status()
        .map_err(|e| format!("run {cargo}: {e}"))?;
    if !status.success() {
        return Err("building sockit-load failed".into());
    }
    if Command::new("taskset").arg("-V").output().is_err() {
        return Err("taskset (util-linux) is needed to pin servers to cores".into());
    }
    let libuv = with_libuv && (Path::new("/usr/include/uv.h").exists() || install_libuv());
    if with_libuv && !libuv {
        eprintln!("note: libuv1-dev is missing and could not be installed: no libuv rows");
    }
    let bin = root.join("target/bench/bin");
    // Rebuilt every time, so that no run measures an old build of a server.
    let _ = std::fs::remove_dir_all(&bin);
    std::fs::create_dir_all(&bin).map_err(|e| format!("create {}: {e}", bin.display()))?;
    Ok(Toolchain {
        cc: std::env::var("CC").unwrap_or_else(|_| "cc".into()),
        sockit_static,
        native_libs: built.native_static_libs,
        libuv,
    })
}

fn install_libuv() -> bool {
    crate::apt::install("bench", &["libuv1-dev"], "for the libuv baseline")
}

fn write(path: &PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Replaces the README's text between the results markers with this run's tables.
fn update_readme(
    root: &Path,
    summaries: &[results::Summary],
    targets: &[results::Target],
    header: &serde_json::Value,
) -> Result<(), String> {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    let section = format!(
        "Measured {} on {}; {} runs each, {} s of load per timed run \
         (`cargo xtask bench`; raw numbers in `benches/results/results.json`).\n\n\
         ![sockit against C and libuv](benches/results/chart.svg)\n\n{}\n{}\nThe servers:\n\n{}\n",
        header["date"].as_str().unwrap_or("?"),
        header["machine"].as_str().unwrap_or("?"),
        header["runs"],
        header["seconds"],
        results::targets_markdown(targets),
        results::markdown(summaries),
        SERVERS
            .iter()
            .map(|s| format!("- `{}`: {}\n", s.name, s.about))
            .collect::<String>(),
    );
    crate::readme::replace_section(root, START, END, &section)
}
