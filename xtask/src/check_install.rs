//! `cargo xtask check-install`: what a C team does with an installed sockit, done for real.
//! Installs into a temporary prefix, copies `tests/consumer` (a C program and its
//! CMakeLists.txt) out of the tree, builds it four ways and runs each build, which checks its
//! own echo and that header and library versions agree.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::args::Args;
use crate::install::{self, Layout};
use crate::package::{self, Package};
use crate::target::{Kind, Target};

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &[])?;
    let work = std::env::temp_dir().join(format!("sockit-check-install-{}", std::process::id()));
    let result = check(&work, &args.cargo);
    let _ = fs::remove_dir_all(&work);
    result
}

fn check(work: &Path, cargo_options: &[String]) -> Result<(), String> {
    let target = Target::new(None)?;
    let package = Package::read()?;
    let layout = Layout::new(work.join("prefix"));
    install::install(&layout, &target, "release", cargo_options)?;
    let libdir = layout.installed(&layout.libdir);

    let project = work.join("consumer");
    fs::create_dir_all(&project).map_err(|e| format!("create {}: {e}", project.display()))?;
    for file in ["echo_check.c", "CMakeLists.txt"] {
        let from = package::root().join("tests/consumer").join(file);
        fs::copy(&from, project.join(file)).map_err(|e| format!("copy {file}: {e}"))?;
    }
    let expected = format!("echo_check: ok (sockit {})", package.version);
    let exe = |name: &str| project.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));

    // pkg-config, the shared library: the program records the SONAME and needs the loader
    // to find it, as an installed library in a non-system prefix does.
    let pkg_config_path = libdir.join("pkgconfig");
    let shared = exe("echo_shared");
    compile_with_pkg_config(&project, &pkg_config_path, "sockit", &shared)?;
    run_program(&shared, Some(&libdir), &expected)?;
    expect_needed(&shared, &target, true)?;
    eprintln!("xtask: pkg-config sockit (shared): ok");

    let static_ = exe("echo_static");
    compile_with_pkg_config(&project, &pkg_config_path, "sockit-static", &static_)?;
    run_program(&static_, None, &expected)?;
    expect_needed(&static_, &target, false)?;
    eprintln!("xtask: pkg-config sockit-static: ok");

    // CMake, both ways; build-tree binaries get an rpath to the imported shared library.
    for (name, use_static) in [("cmake-shared", "OFF"), ("cmake-static", "ON")] {
        let build = project.join(name);
        command_ok(
            Command::new("cmake")
                .arg("-S")
                .arg(&project)
                .arg("-B")
                .arg(&build)
                .arg(format!(
                    "-DCMAKE_PREFIX_PATH={}",
                    layout.text(&layout.prefix)
                ))
                .arg(format!("-DSOCKIT_USE_STATIC_LIBS={use_static}")),
            "cmake configure",
        )?;
        command_ok(
            Command::new("cmake").arg("--build").arg(&build),
            "cmake --build",
        )?;
        let program = build.join(format!("echo_check{}", std::env::consts::EXE_SUFFIX));
        run_program(&program, None, &expected)?;
        expect_needed(&program, &target, use_static == "OFF")?;
        eprintln!("xtask: CMake find_package(sockit), {name}: ok");
    }
    eprintln!("xtask: check-install: every consumer build echoed correctly");
    Ok(())
}

fn compile_with_pkg_config(
    project: &Path,
    pkg_config_path: &Path,
    module: &str,
    exe: &Path,
) -> Result<(), String> {
    let flags = command_ok(
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", pkg_config_path)
            .args(["--cflags", "--libs", module]),
        "pkg-config",
    )?;
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    command_ok(
        Command::new(&cc)
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror"])
            .arg(project.join("echo_check.c"))
            .arg("-o")
            .arg(exe)
            .args(flags.split_whitespace()),
        &format!("{cc} with pkg-config {module}"),
    )?;
    Ok(())
}

/// Runs `program` (for at most 30 s) and checks its one line of output.
fn run_program(program: &Path, library_path: Option<&Path>, expected: &str) -> Result<(), String> {
    let mut command = Command::new(program);
    if let Some(dir) = library_path {
        let variable = if cfg!(target_vendor = "apple") {
            "DYLD_LIBRARY_PATH"
        } else {
            "LD_LIBRARY_PATH"
        };
        command.env(variable, dir);
    }
    let output = output_within(&mut command, Duration::from_secs(30))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout.trim_end() != expected {
        return Err(format!(
            "{} printed {stdout:?} and {:?} ({}); expected {expected:?}",
            program.display(),
            String::from_utf8_lossy(&output.stderr),
            output.status
        ));
    }
    Ok(())
}

/// On ELF systems, whether the program needs the shared library by its SONAME.
fn expect_needed(program: &Path, target: &Target, needed: bool) -> Result<(), String> {
    if target.kind != Kind::Elf {
        return Ok(());
    }
    let output = command_ok(Command::new("readelf").arg("-d").arg(program), "readelf")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let soname = format!("libsockit.so.{}", Package::read()?.major());
    let has = text
        .lines()
        .any(|line| line.contains("(NEEDED)") && line.contains(&format!("[{soname}]")));
    if has != needed {
        return Err(format!(
            "{} {} {soname}:\n{text}",
            program.display(),
            if needed {
                "does not need"
            } else {
                "still needs"
            }
        ));
    }
    Ok(())
}

fn command_ok(command: &mut Command, what: &str) -> Result<Output, String> {
    let output = output_within(command, Duration::from_secs(300))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}): {command:?}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output)
}

/// `command.output()`, but killed after `limit`: nothing here may hang CI.
fn output_within(command: &mut Command, limit: Duration) -> Result<Output, String> {
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {command:?}: {e}"))?;
    let deadline = Instant::now() + limit;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || read_all(&mut out));
    let err = std::thread::spawn(move || read_all(&mut err));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} ran longer than {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn read_all(stream: &mut impl std::io::Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    bytes
}
