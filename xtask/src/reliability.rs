//! `cargo xtask reliability [--quick]`: the reliability checks that take longer than
//! `cargo test`, and the reliability report in tests/README.md.
//!
//! 1. The fault suite at full scale (`SOCKIT_FAULTS=full cargo test --release --test faults`),
//!    whose rows become the table of tests/README.md.
//! 2. The C programs built with clang's AddressSanitizer and UndefinedBehaviorSanitizer
//!    (LeakSanitizer included), running the tests that start them; any report fails.
//! 3. The C programs (with the Rust library linked into them) under valgrind's memcheck:
//!    any invalid read or write, or definitely lost memory, fails.
//! 4. `cargo fuzz` on every fuzz target, when a nightly toolchain with cargo-fuzz is here.
//!
//! `--quick` (in .ci/run) runs parts 2 and 3 on the quicker test files and writes nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{apt, package, readme};

const SANITIZER_FLAGS: &str =
    "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g";

/// A row of the tools table: the check, what ran, what came of it.
struct ToolRow {
    check: String,
    ran: String,
    result: String,
}

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let quick = match arguments.as_slice() {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => return Err("usage: cargo xtask reliability [--quick]".into()),
    };
    let root = package::root();
    let reports = root.join("target/reliability");
    let _ = fs::remove_dir_all(&reports);
    fs::create_dir_all(&reports).map_err(|e| format!("create {}: {e}", reports.display()))?;

    let mut tools = Vec::new();
    let faults = if quick {
        None
    } else {
        Some(full_fault_suite(&root, &reports)?)
    };
    tools.push(sanitizers(&root, &reports, quick)?);
    tools.push(valgrind(&root, &reports, quick)?);
    if !quick {
        tools.extend(fuzzing(&root)?);
        write_readme(&root, faults.as_deref().unwrap_or_default(), &tools)?;
    }
    for row in &tools {
        println!("{}: {} -> {}", row.check, row.ran, row.result);
    }
    Ok(())
}

/// Runs a command in the project folder; an error naming it if it fails.
fn run_command(mut command: Command, what: &str) -> Result<(), String> {
    eprintln!("== {what}");
    let status = command
        .status()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

/// `--test a --test b ...`.
fn tests(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|name| ["--test".to_string(), name.to_string()])
        .collect()
}

/// The fault suite at full scale; its rows (JSON lines).
fn full_fault_suite(root: &Path, reports: &Path) -> Result<Vec<serde_json::Value>, String> {
    let rows = reports.join("faults.jsonl");
    let mut command = cargo(root);
    command
        .args([
            "test",
            "--release",
            "--test",
            "faults",
            "--",
            "--test-threads",
            "1",
        ])
        .env("SOCKIT_FAULTS", "full")
        .env("SOCKIT_FAULTS_REPORT", &rows);
    run_command(command, "the fault suite, full scale")?;
    let text = fs::read_to_string(&rows).map_err(|e| format!("read {}: {e}", rows.display()))?;
    text.lines()
        .map(|line| serde_json::from_str(line).map_err(|e| format!("{line}: {e}")))
        .collect()
}

/// Report files a checker left in `dir` that say something.
fn reports_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| fs::metadata(path).is_ok_and(|m| m.len() > 0))
        .collect()
}

/// Fails with the first report's text if any checker wrote one.
fn no_reports(dir: &Path, checker: &str) -> Result<(), String> {
    let found = reports_in(dir);
    match found.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{checker} reported problems in {} process(es); the first, {}:\n{}",
            found.len(),
            first.display(),
            fs::read_to_string(first).unwrap_or_default()
        )),
    }
}

fn sanitizers(root: &Path, reports: &Path, quick: bool) -> Result<ToolRow, String> {
    if !apt::has("clang") && !apt::install("reliability", &["clang"], "for the sanitizers") {
        return Err("clang is missing and could not be installed".into());
    }
    let logs = reports.join("sanitizers");
    fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut names = vec![
        "c_examples",
        "c_boundary",
        "bad_input",
        "hostile_bytes",
        "server_programs",
        "unix_programs",
        "multicast_programs",
        "file_server",
        "loop_programs",
        "loop_examples",
        "tls_programs",
    ];
    if !quick {
        names.extend(["message_programs", "many_connections", "faults"]);
    }
    let mut command = cargo(root);
    command
        .arg("test")
        .args(tests(&names))
        .env("CC", "clang")
        .env("SOCKIT_C_PROGRAM_FLAGS", SANITIZER_FLAGS)
        .env("CARGO_TARGET_DIR", root.join("target/sanitize"))
        .env(
            "ASAN_OPTIONS",
            format!("log_path={}/asan:detect_leaks=1", logs.display()),
        )
        .env(
            "UBSAN_OPTIONS",
            format!("log_path={}/ubsan:print_stacktrace=1", logs.display()),
        );
    let started = Instant::now();
    run_command(command, "the C programs under ASan and UBSan (clang)")?;
    no_reports(&logs, "AddressSanitizer/UndefinedBehaviorSanitizer")?;
    Ok(ToolRow {
        check: "AddressSanitizer + UndefinedBehaviorSanitizer (clang), LeakSanitizer on exit"
            .into(),
        ran: format!(
            "every C program, built with `{SANITIZER_FLAGS}`, through the tests {} ({} s)",
            names.join(", "),
            started.elapsed().as_secs()
        ),
        result: "no reports".into(),
    })
}

fn valgrind(root: &Path, reports: &Path, quick: bool) -> Result<ToolRow, String> {
    if !apt::has("valgrind") && !apt::install("reliability", &["valgrind"], "for memcheck") {
        return Err("valgrind is missing and could not be installed".into());
    }
    let logs = reports.join("valgrind");
    fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let names = if quick {
        vec![
            "c_examples",
            "c_boundary",
            "unix_programs",
            "file_server",
            "loop_programs",
        ]
    } else {
        vec![
            "c_examples",
            "c_boundary",
            "hostile_bytes",
            "server_programs",
            "message_programs",
            "unix_programs",
            "multicast_programs",
            "file_server",
            "loop_programs",
            "loop_examples",
            "tls_programs",
        ]
    };
    // Not the fault suite: its timings (signals every millisecond, idle timeouts, waves of
    // clients) do not survive a program run tens of times slower, and valgrind refuses the
    // descriptor-limit change it makes. It runs under the sanitizers instead.
    // tests/valgrind.supp: what glibc leaves that valgrind cannot see, and ring's AES-GCM
    // assembly, whose tags memcheck cannot follow (each entry says why). `--vgdb=no`: no
    // debugger pipes in /tmp, which a program that gives up root (loop_check no_threads
    // becomes nobody) could not remove at exit, and valgrind reported that as a problem.
    let wrapper = format!(
        "valgrind -q --vgdb=no --log-file={}/%p.log --error-exitcode=99 --leak-check=full \
         --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions={}",
        logs.display(),
        root.join("tests/valgrind.supp").display()
    );
    let mut command = cargo(root);
    command
        .arg("test")
        .args(tests(&names))
        .env("SOCKIT_C_WRAPPER", &wrapper);
    let started = Instant::now();
    run_command(command, "the C programs under valgrind")?;
    no_reports(&logs, "valgrind")?;
    Ok(ToolRow {
        check: "valgrind memcheck".into(),
        ran: format!(
            "every C program the tests {} start, with the library linked in, \
             `--leak-check=full` ({} s)",
            names.join(", "),
            started.elapsed().as_secs()
        ),
        result: "no invalid reads or writes, no definitely lost memory".into(),
    })
}

fn fuzzing(root: &Path) -> Result<Vec<ToolRow>, String> {
    let has_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let targets_dir = root.join("fuzz/fuzz_targets");
    let mut targets: Vec<String> = fs::read_dir(&targets_dir)
        .map_err(|e| format!("{}: {e}", targets_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|path| path.extension().is_some_and(|x| x == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    let mut rows = Vec::new();
    for target in targets {
        if !has_fuzz {
            eprintln!("xtask reliability: no `cargo +nightly fuzz`: {target} not run");
            continue;
        }
        let mut command = Command::new("cargo");
        command.current_dir(root.join("fuzz")).args([
            "+nightly",
            "fuzz",
            "run",
            &target,
            "--",
            "-max_total_time=120",
        ]);
        run_command(command, &format!("cargo fuzz run {target} for 120 s"))?;
        rows.push(ToolRow {
            check: format!("cargo fuzz: `{target}`"),
            ran: "120 s of libFuzzer from the checked-in corpus".into(),
            result: "no crash, no failed assertion".into(),
        });
    }
    Ok(rows)
}

fn write_readme(
    root: &Path,
    faults: &[serde_json::Value],
    tools: &[ToolRow],
) -> Result<(), String> {
    let date = Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cell = |value: &serde_json::Value| value.as_str().unwrap_or("?").replace('|', "\\|");
    let mut section = format!(
        "Produced by `cargo xtask reliability` on {date}. Each fault ran against `fault_server` \
         (tests/c), a C program on sockit's server framework; afterwards one more client had \
         to be echoed correctly, and the server had to hold no more descriptors, threads or \
         child processes than before the fault (RSS is shown, not judged).\n\n\
         | Fault | Server | Load | Result |\n|---|---|---|---|\n"
    );
    for row in faults {
        section.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&row["fault"]),
            cell(&row["server"]),
            cell(&row["load"]),
            cell(&row["result"])
        ));
    }
    section.push_str("\n| Check | What ran | Result |\n|---|---|---|\n");
    for row in tools {
        section.push_str(&format!(
            "| {} | {} | {} |\n",
            row.check, row.ran, row.result
        ));
    }
    readme::replace_section_in(
        &root.join("tests/README.md"),
        "<!-- reliability:start -->",
        "<!-- reliability:end -->",
        &section,
    )
}
