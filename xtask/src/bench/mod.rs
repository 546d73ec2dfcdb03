//! `cargo xtask bench`: sockit's echo, chat, proxy and TLS servers against the C, libuv,
//! recvmmsg, HAProxy and OpenSSL baselines, on this machine in one run. Each server runs pinned to one
//! core and the load generator (sockit-load) to the other (see `workloads::Placement` for the
//! exceptions; a proxy's echo server shares the load generator's core); every run of every
//! server is interleaved with the others', so that the machine's drift falls on all of them
//! alike.
//!
//! Each run reports the rate the load generator got and the server's CPU time per unit of
//! work over the measured window (sockit-load `--server-pid`); comparisons are per
//! CPU-second of the server (see `results`).
//!
//! The TLS workloads (issue 21) compare sockit's TLS echo servers with a hand-written OpenSSL
//! epoll server: both get the same certificate and key, an ECDSA P-256 pair made with the
//! `openssl` command for each suite run (`tls_certificate`), and the load generator offers
//! only TLS 1.3 with TLS_AES_128_GCM_SHA256 and X25519.
//!
//! The full suite writes `benches/results/results.json` and `chart.svg` and rewrites the
//! README's results section. `--quick` is the regression guard of `.ci/run`: C epoll
//! against sockit's event loop only, failing when sockit does less than 0.7× C epoll's work
//! per CPU-second in the same run. `--only <workload>` runs part of the suite and only
//! prints it.

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

/// The regression guard's floor: sockit's work per CPU-second over C epoll's, in the same run.
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
    if plan
        .iter()
        .any(|(w, _)| w.transport == servers::Transport::Proxy)
    {
        echo_backend().build(&tools, &bin)?;
    }
    if plan
        .iter()
        .any(|(w, _)| w.transport == servers::Transport::Tls)
    {
        tls_certificate(&process::tls_dir())?;
    }
    if plan
        .iter()
        .any(|(w, _)| w.transport == servers::Transport::File)
    {
        big_file(&process::files_dir().join("big.bin"), 1 << 30)?;
    }
    let cores = Cores::detect();
    let mut header = machine::describe(options.runs, options.seconds, cores);
    eprintln!(
        "load average (1, 5, 15 min) at start: {}",
        machine::load_average()
    );
    let mut measurements = Vec::new();
    for (workload, servers) in &plan {
        eprintln!("== {} ({})", workload.name, workload.title);
        for run in 1..=options.runs {
            for server in servers {
                let m = measure(workload, server, &bin, &loadgen, cores, &options)?;
                eprintln!(
                    "   run {run}: {:<24} {:>12} {}   server CPU {:>3.0} %, {} µs/{}   RSS {:.1} MB   load generator CPU {:.0} %",
                    server.name,
                    results::short(m.value, workload.unit),
                    workload.unit,
                    m.cpu_share * 100.0,
                    results::cost(m.cost),
                    workload.work_name,
                    m.rss as f64 / 1e6,
                    m.report["load_cpu_share"].as_f64().unwrap_or(0.0) * 100.0
                );
                measurements.push(m);
            }
        }
    }
    let summaries = results::summarize(&measurements);
    let targets = results::targets(&summaries);
    header["load_average_at_end"] = machine::load_average().into();
    eprintln!(
        "load average (1, 5, 15 min) at end: {}",
        machine::load_average()
    );
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
                .filter(|s| s.within.is_empty() || s.within.contains(&workload.name))
                .filter(|s| !options.quick || s.name == "c-epoll" || s.name == "sockit-event-loop")
                .collect();
            (workload, servers)
        })
        .collect()
}

/// The echo server behind the proxies.
fn echo_backend() -> &'static Server {
    SERVERS
        .iter()
        .find(|s| s.name == "c-epoll")
        .expect("c-epoll is a server")
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
    // A proxy relays to C epoll's echo server, which shares the load generator's core.
    let backend = match workload.transport {
        servers::Transport::Proxy => Some(Running::start(echo_backend(), bin, &load_cpus, None)?),
        _ => None,
    };
    let running = Running::start(server, bin, &server_cpus, backend.as_ref().map(|b| b.port))?;
    let mut args: Vec<String> = workload
        .load
        .iter()
        .map(|a| process::with_files(a))
        .collect();
    if workload.timed {
        args.extend(["--seconds".into(), options.seconds.to_string()]);
    }
    args.extend([
        "--to".into(),
        running.target(),
        "--server-pid".into(),
        running.pid().to_string(),
        "--json".into(),
    ]);
    let limit = Duration::from_secs_f64(options.seconds) + Duration::from_secs(workload.slack);
    let (report, rss) = process::load(loadgen, &load_cpus, &args, &running, limit)
        .map_err(|e| format!("{} under {}: {e}", server.name, workload.name))?;
    drop(running);
    drop(backend);
    let number = |field: &str| {
        report[field]
            .as_f64()
            .ok_or_else(|| format!("no {field} in {report}"))
    };
    let value = number(workload.metric)?;
    let cost = number(&format!("server_cpu_us_per_{}", workload.work))?;
    let cpu_share = number("server_cpu_share")?;
    Ok(Measurement {
        workload: workload.name,
        server: server.name,
        value,
        cost,
        cpu_share,
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
            "guard {}: sockit-event-loop / c-epoll per CPU-second = {ratio:.2} (floor {GUARD}) {verdict}",
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
            "sockit fell below {GUARD}× C epoll per CPU-second in {failures:?}"
        ))
    }
}

/// Builds what the suite needs: the static library (and what linking it needs), the load
/// generator, and, with `baselines`, libuv's headers and HAProxy (installed from Debian when
/// missing, if we may).
fn prepare(root: &Path, baselines: bool) -> Result<Toolchain, String> {
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
    let libuv = baselines && (Path::new("/usr/include/uv.h").exists() || install_libuv());
    if baselines && !libuv {
        eprintln!("note: libuv1-dev is missing and could not be installed: no libuv rows");
    }
    // The proxy baseline; the quick guard does without, as without libuv.
    let haproxy = baselines
        && (has_haproxy()
            || crate::apt::install("bench", &["haproxy"], "for the HAProxy baseline"));
    if baselines && !haproxy {
        eprintln!("note: haproxy is missing and could not be installed: no HAProxy rows");
    }
    // The TLS baseline's OpenSSL, likewise.
    let openssl = baselines
        && (Path::new("/usr/include/openssl/ssl.h").exists()
            || crate::apt::install("bench", &["libssl-dev"], "for the OpenSSL baseline"));
    if baselines && !openssl {
        eprintln!("note: libssl-dev is missing and could not be installed: no OpenSSL rows");
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
        openssl,
        haproxy,
    })
}

/// Makes the TLS workloads' certificate and key in `dir` (afresh, for this run): a
/// self-signed ECDSA P-256 certificate for localhost and 127.0.0.1, which the load
/// generator trusts as it is. Not a CA (`CA:FALSE`): webpki refuses a CA's certificate as
/// a server's own. Installs the `openssl` command from Debian when missing.
fn tls_certificate(dir: &Path) -> Result<(), String> {
    let runs = |program: &str| {
        Command::new(program)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !runs("openssl")
        && !crate::apt::install("bench", &["openssl"], "to make the TLS certificate")
    {
        return Err("the openssl command is needed to make the TLS certificate".into());
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let output = Command::new("openssl")
        .current_dir(dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-sha256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .output()
        .map_err(|e| format!("run openssl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// The file the file servers serve: `len` bytes that differ from one position to the next,
/// made once and kept (a second run finds it in the page cache).
fn big_file(path: &Path, len: u64) -> Result<(), String> {
    use std::io::Write;
    if std::fs::metadata(path).is_ok_and(|meta| meta.len() == len) {
        return Ok(());
    }
    let dir = path.parent().expect("a folder");
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).map_err(|e| format!("create {}: {e}", path.display()))?,
    );
    let mut chunk = vec![0u8; 1 << 20];
    for start in (0..len).step_by(chunk.len()) {
        for (i, byte) in chunk.iter_mut().enumerate() {
            let at = start + i as u64;
            *byte = (at ^ (at >> 11) ^ (at >> 23)) as u8;
        }
        file.write_all(&chunk)
            .map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    file.flush()
        .map_err(|e| format!("write {}: {e}", path.display()))
}

/// Whether HAProxy runs (`haproxy -v`: it takes no `--version`).
fn has_haproxy() -> bool {
    Command::new("haproxy")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
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
        "Measured {} on {}; {} runs each, {} s of load per run \
         (`cargo xtask bench`; raw numbers in `benches/results/results.json`). Load average \
         (1, 5, 15 min) {} at the start, {} at the end.\n\n\
         ![sockit against C and libuv](benches/results/chart.svg)\n\n{}\n{}\nThe servers:\n\n{}\n",
        header["date"].as_str().unwrap_or("?"),
        header["machine"].as_str().unwrap_or("?"),
        header["runs"],
        header["seconds"],
        header["load_average_at_start"].as_str().unwrap_or("?"),
        header["load_average_at_end"].as_str().unwrap_or("?"),
        results::targets_markdown(targets),
        results::markdown(summaries),
        SERVERS
            .iter()
            .map(|s| format!("- `{}`: {}\n", s.name, s.about))
            .collect::<String>(),
    );
    crate::readme::replace_section(root, START, END, &section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything() -> Toolchain {
        Toolchain {
            cc: "cc".into(),
            sockit_static: PathBuf::from("libsockit.a"),
            native_libs: Vec::new(),
            libuv: true,
            openssl: true,
            haproxy: true,
        }
    }

    fn planned(only: &[&str], tools: &Toolchain) -> Vec<(&'static str, Vec<&'static str>)> {
        let options = Options {
            quick: false,
            runs: 1,
            seconds: 1.0,
            only: only.iter().map(|s| s.to_string()).collect(),
        };
        plan(&options, tools)
            .into_iter()
            .map(|(w, servers)| (w.name, servers.iter().map(|s| s.name).collect()))
            .collect()
    }

    #[test]
    fn the_tls_workloads_run_the_openssl_baseline_and_sockits_tls_servers_only() {
        let tools = everything();
        let plan = planned(
            &["tls-stream", "tls-handshake", "tls-ping-1000", "stream"],
            &tools,
        );
        let servers = |name: &str| {
            plan.iter()
                .find(|(w, _)| *w == name)
                .map(|(_, s)| s.clone())
                .unwrap()
        };
        for workload in ["tls-stream", "tls-handshake"] {
            assert_eq!(
                servers(workload),
                ["c-openssl", "sockit-tls-event-loop", "sockit-tls-blocking"]
            );
        }
        // 1,000 connections: the blocking server serves one at a time.
        assert_eq!(
            servers("tls-ping-1000"),
            ["c-openssl", "sockit-tls-event-loop"]
        );
        assert!(
            servers("stream")
                .iter()
                .all(|s| !s.contains("tls") && *s != "c-openssl")
        );
        // Without OpenSSL's headers, no baseline row (and no ratio).
        let no_openssl = Toolchain {
            openssl: false,
            ..everything()
        };
        let plan = planned(&["tls-stream"], &no_openssl);
        assert!(!plan[0].1.contains(&"c-openssl"));
    }

    #[test]
    fn the_tls_servers_and_load_share_the_certificate_made_for_the_run() {
        let tls = process::tls_dir().display().to_string();
        for workload in WORKLOADS
            .iter()
            .filter(|w| w.transport == servers::Transport::Tls)
        {
            let load: Vec<String> = workload
                .load
                .iter()
                .map(|a| process::with_files(a))
                .collect();
            assert!(
                load.contains(&format!("{tls}/cert.pem")),
                "{}",
                workload.name
            );
        }
        for server in SERVERS
            .iter()
            .filter(|s| s.transport == servers::Transport::Tls)
        {
            let args: Vec<String> = server.args.iter().map(|a| process::with_files(a)).collect();
            assert_eq!(
                args[..2],
                [format!("{tls}/cert.pem"), format!("{tls}/key.pem")]
            );
        }
    }
}
