//! `cargo xtask check-install`: what a C team does with an installed sockit, done for real.
//!
//! First the README's own commands (Using sockit from C), read from README.md and typed as
//! printed with a temporary folder for `<prefix>`, in a shell whose environment names no
//! library, include or package folders: the install; the pkg-config, CMake and (on Linux)
//! plain compiler lines, each building `c_examples/quickstart.c` as `app.c`; each program is
//! run against a local echo server, checked to need the shared library or not as its line
//! says, and each static one, stripped, to weigh what the README says (within a quarter).
//!
//! Then `tests/consumer` (a C program and its CMakeLists.txt) is copied out of the tree and
//! built four ways against the same install; each build checks its own echo and that header
//! and library versions agree.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::apt;
use crate::args::Args;
use crate::echo_server::EchoServer;
use crate::install::Layout;
use crate::package::{self, Package};
use crate::readme_commands::{self, CMAKE_STATIC_OPTION, LinkCommands, Linkage, ShellLine};
use crate::target::{Kind, Target};

/// What the README's programs send to the echo server.
const MESSAGE: &str = "hello from the README";

/// Variables that would point a compiler, pkg-config, CMake or the loader at folders a
/// fresh machine does not name: the README's commands run without them.
const FOLDER_VARIABLES: &[&str] = &[
    "LD_LIBRARY_PATH",
    "LD_RUN_PATH",
    "LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "DYLD_FALLBACK_LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "PKG_CONFIG_PATH",
    "PKG_CONFIG_LIBDIR",
    "CMAKE_PREFIX_PATH",
    "CC",
    "CFLAGS",
    "LDFLAGS",
];

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &[])?;
    require_tools(&needed_tools(), apt::has, |packages| {
        apt::install("check-install", packages, "for the consumer builds")
    })?;
    let work = std::env::temp_dir().join(format!("sockit-check-install-{}", std::process::id()));
    let result = check(&work, &args.cargo);
    let _ = fs::remove_dir_all(&work);
    result
}

/// The programs the check runs, each with the Debian package that has it.
fn needed_tools() -> Vec<(&'static str, &'static str)> {
    let mut tools = vec![
        ("cc", "gcc"),
        ("pkg-config", "pkg-config"),
        ("cmake", "cmake"),
    ];
    if cfg!(target_os = "linux") {
        tools.extend([
            ("readelf", "binutils"),
            ("strip", "binutils"),
            ("man", "man-db"),
        ]);
    }
    tools
}

/// The install put a page for every function the header declares under
/// `<prefix>/share/man`, and `MANPATH=<prefix>/share/man man 3 <function>` shows it.
fn manual_installed(layout: &Layout) -> Result<(), String> {
    let mandir = layout.installed(&layout.mandir);
    let header = fs::read_to_string(layout.installed(&layout.includedir).join("sockit.h"))
        .map_err(|e| format!("read the installed sockit.h: {e}"))?;
    let functions = crate::man::declared_functions(&header);
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !mandir.join(format!("man3/{f}.3")).is_file())
        .collect();
    if !missing.is_empty() || !mandir.join("man7/sockit.7").is_file() {
        return Err(format!(
            "the install has no page under {} for {missing:?} (or sockit.7)",
            mandir.display()
        ));
    }
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let shown = command_ok(
        Command::new("man")
            .args(["-P", "cat", "3", "sockit_tcp_connect"])
            .env("MANPATH", &mandir)
            .env("MANWIDTH", "80"),
        "MANPATH=<prefix>/share/man man 3 sockit_tcp_connect",
    )?;
    let text = String::from_utf8_lossy(&shown.stdout);
    if !text.contains("SYNOPSIS") || !text.contains("sockit_tcp_connect") {
        return Err(format!("man 3 sockit_tcp_connect showed {text:?}"));
    }
    eprintln!(
        "xtask: the install's manual: {} function pages, and man 3 sockit_tcp_connect shows one",
        functions.len()
    );
    Ok(())
}

/// Installs the packages of the tools `has` does not find; says which are still missing and
/// how to install them when that fails.
pub fn require_tools(
    tools: &[(&'static str, &'static str)],
    has: impl Fn(&str) -> bool,
    install: impl FnOnce(&[&str]) -> bool,
) -> Result<(), String> {
    let missing = |tools: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        tools
            .iter()
            .filter(|(program, _)| !has(program))
            .copied()
            .collect()
    };
    let absent = missing(tools);
    if absent.is_empty() {
        return Ok(());
    }
    let packages_of = |tools: &[(&'static str, &'static str)]| -> Vec<&'static str> {
        let mut packages = Vec::new();
        for (_, package) in tools {
            if !packages.contains(package) {
                packages.push(package);
            }
        }
        packages
    };
    if install(&packages_of(&absent)) && missing(&absent).is_empty() {
        return Ok(());
    }
    let still_absent = missing(&absent);
    let programs: Vec<&str> = still_absent.iter().map(|(program, _)| *program).collect();
    let packages = packages_of(&still_absent);
    Err(format!(
        "{} not found: apt-get install {}",
        programs.join(", "),
        packages.join(" ")
    ))
}

fn check(work: &Path, cargo_options: &[String]) -> Result<(), String> {
    let target = Target::new(None)?;
    let package = Package::read()?;
    let readme_path = package::root().join("README.md");
    let readme = fs::read_to_string(&readme_path)
        .map_err(|e| format!("read {}: {e}", readme_path.display()))?;
    let commands = LinkCommands::parse(&readme)?;
    let layout = Layout::new(work.join("prefix"));
    let prefix = layout.text(&layout.prefix);

    install_as_printed(&commands.install, &prefix, cargo_options)?;
    manual_installed(&layout)?;
    readme_programs(&commands, work, &prefix, &layout, &target)?;
    consumer_programs(work, &layout, &target, &package)
}

/// The README's install command, run from the source tree (cargo options after `--`).
fn install_as_printed(
    install: &ShellLine,
    prefix: &str,
    cargo_options: &[String],
) -> Result<(), String> {
    let script = if cargo_options.is_empty() {
        readme_commands::with_prefix(&install.line, prefix)
    } else {
        let quoted: Vec<String> = cargo_options
            .iter()
            .map(|option| format!("'{}'", option.replace('\'', r"'\''")))
            .collect();
        format!(
            "{} -- {}",
            readme_commands::with_prefix(&install.command, prefix),
            quoted.join(" ")
        )
    };
    eprintln!("xtask: README, Install: {script}");
    // Not captured: the build takes a while and shows its progress.
    let status = Command::new("sh")
        .arg("-ec")
        .arg(&script)
        .current_dir(package::root())
        .status()
        .map_err(|e| format!("start sh: {e}"))?;
    if !status.success() {
        return Err(format!("README, Install: `{script}` failed ({status})"));
    }
    Ok(())
}

/// The README's pkg-config, CMake and plain compiler lines, building the quickstart.
fn readme_programs(
    commands: &LinkCommands,
    work: &Path,
    prefix: &str,
    layout: &Layout,
    target: &Target,
) -> Result<(), String> {
    let server = EchoServer::start()?;
    let app = ReadmeApp {
        dir: work.join("app"),
        prefix: prefix.to_string(),
        target,
        port: server.port(),
    };
    fs::create_dir_all(&app.dir).map_err(|e| format!("create {}: {e}", app.dir.display()))?;
    let quickstart = package::root().join("c_examples/quickstart.c");
    fs::copy(&quickstart, app.dir.join("app.c"))
        .map_err(|e| format!("copy {}: {e}", quickstart.display()))?;
    let mut static_programs = Vec::new();

    // pkg-config: each line after the `export`s before it, in one shell.
    let mut setup = Vec::new();
    for line in &commands.pkg_config {
        if line.is_setup() {
            setup.push(line.line.as_str());
            continue;
        }
        let linkage = readme_commands::pkg_config_linkage(line)?;
        let mut script = setup.join("\n");
        script.push('\n');
        script.push_str(&line.line);
        let program = app.build("pkg-config", &script, "app")?;
        app.check(&program, linkage, "pkg-config", &line.line)?;
        static_programs.extend(app.keep_if_static(&program, linkage, "pkg-config")?);
    }

    // CMake: the README's CMakeLists.txt, configured as printed, then with the static option
    // its comment names.
    fs::write(app.dir.join("CMakeLists.txt"), &commands.cmake_lists)
        .map_err(|e| format!("write CMakeLists.txt: {e}"))?;
    for linkage in [Linkage::Shared, Linkage::Static] {
        let _ = fs::remove_dir_all(app.dir.join("build"));
        let lines: Vec<String> = commands
            .cmake_commands
            .iter()
            .map(|line| match linkage {
                Linkage::Static if line.comment.contains(CMAKE_STATIC_OPTION) => {
                    format!("{} {CMAKE_STATIC_OPTION}", line.command)
                }
                _ => line.line.clone(),
            })
            .collect();
        let program = app.build("CMake", &lines.join("\n"), "build/app")?;
        app.check(&program, linkage, "CMake", &lines.join("; "))?;
        static_programs.extend(app.keep_if_static(&program, linkage, "CMake")?);
    }

    // The plain compiler lines (Linux's row), which must link what sockit-static.pc does.
    if cfg!(target_os = "linux") {
        let static_pc = layout
            .installed(&layout.libdir)
            .join("pkgconfig/sockit-static.pc");
        for (linkage, command) in &commands.plain_linux {
            if *linkage == Linkage::Static {
                same_link_options(command, &static_pc)?;
            }
            let program = app.build("Plain compiler lines", command, "app")?;
            app.check(&program, *linkage, "Plain compiler lines", command)?;
            static_programs.extend(app.keep_if_static(&program, *linkage, "plain")?);
        }
    }
    drop(server);

    if cfg!(target_os = "linux") {
        for program in &static_programs {
            stripped_size_as_stated(program, commands.stripped_static_kb)?;
        }
    }
    eprintln!("xtask: README: every install and link command built a quickstart that echoed");
    Ok(())
}

/// Where the README's commands build `c_examples/quickstart.c`, and the server it talks to.
struct ReadmeApp<'a> {
    dir: PathBuf,
    prefix: String,
    target: &'a Target,
    port: u16,
}

impl ReadmeApp<'_> {
    /// Runs `script` (`<prefix>` replaced) in the app's folder; the program it built.
    fn build(&self, section: &str, script: &str, program: &str) -> Result<PathBuf, String> {
        let program = self.dir.join(program);
        let _ = fs::remove_file(&program);
        let script = readme_commands::with_prefix(script, &self.prefix);
        let mut command = Command::new("sh");
        command.arg("-ec").arg(&script).current_dir(&self.dir);
        for variable in FOLDER_VARIABLES {
            command.env_remove(variable);
        }
        command_ok(&mut command, &format!("README, {section}: `{script}`"))?;
        if !program.is_file() {
            return Err(format!(
                "README, {section}: `{script}` built no {}",
                program.display()
            ));
        }
        Ok(program)
    }

    /// Runs the program against the echo server, with no library folders in its
    /// environment, and checks that it needs the shared library exactly when it should.
    fn check(
        &self,
        program: &Path,
        linkage: Linkage,
        section: &str,
        printed: &str,
    ) -> Result<(), String> {
        let mut command = Command::new(program);
        command.args(["127.0.0.1", &self.port.to_string(), MESSAGE]);
        for variable in FOLDER_VARIABLES {
            command.env_remove(variable);
        }
        let output = output_within(&mut command, Duration::from_secs(30))?;
        let expected = format!("Received: {MESSAGE}\n");
        if !output.status.success() || output.stdout != expected.as_bytes() {
            return Err(format!(
                "README, {section}: the program of `{printed}` printed {:?} and {:?} ({}); \
                 expected {expected:?}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                output.status
            ));
        }
        expect_needed(program, self.target, linkage == Linkage::Shared)?;
        eprintln!("xtask: README, {section}, {linkage:?}: ok: {printed}");
        Ok(())
    }

    /// A static program is kept (renamed) for the size check, since the next line builds
    /// the same name.
    fn keep_if_static(
        &self,
        program: &Path,
        linkage: Linkage,
        name: &str,
    ) -> Result<Option<PathBuf>, String> {
        if linkage != Linkage::Static {
            return Ok(None);
        }
        let kept = self.dir.join(format!("static-{name}"));
        fs::rename(program, &kept).map_err(|e| format!("rename {}: {e}", program.display()))?;
        Ok(Some(kept))
    }
}

/// The `-l` and `-Wl,` options of the README's static line are those of sockit-static.pc,
/// which come from rustc and the target.
fn same_link_options(command: &str, static_pc: &Path) -> Result<(), String> {
    let text =
        fs::read_to_string(static_pc).map_err(|e| format!("read {}: {e}", static_pc.display()))?;
    let libs = text
        .lines()
        .find_map(|line| line.strip_prefix("Libs:"))
        .ok_or_else(|| format!("{} has no Libs line", static_pc.display()))?;
    let options = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .filter(|word| word.starts_with("-l") || word.starts_with("-Wl,"))
            .map(str::to_string)
            .collect()
    };
    let (printed, installed) = (options(command), options(libs));
    if printed != installed {
        return Err(format!(
            "README, Plain compiler lines: the Linux static line links {printed:?}, \
             sockit-static.pc {installed:?}"
        ));
    }
    Ok(())
}

/// A stripped copy of a static program weighs what the README says, within a quarter.
fn stripped_size_as_stated(program: &Path, stated_kb: u64) -> Result<(), String> {
    let stripped = program.with_extension("stripped");
    command_ok(
        Command::new("strip").arg("-o").arg(&stripped).arg(program),
        "strip",
    )?;
    let size = |path: &Path| {
        fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| format!("size of {}: {e}", path.display()))
    };
    let (full, bytes) = (size(program)?, size(&stripped)?);
    let kb = bytes.div_ceil(1000);
    eprintln!(
        "xtask: README: {}: {} kB, {kb} kB stripped (the README: about {stated_kb} KB)",
        program.display(),
        full.div_ceil(1000)
    );
    if !size_as_stated(kb, stated_kb) {
        return Err(format!(
            "{} is {kb} kB stripped; the README's Plain compiler lines say about {stated_kb} \
             KB (checked within a quarter): make the program small again or update the README",
            program.display()
        ));
    }
    Ok(())
}

fn size_as_stated(kb: u64, stated_kb: u64) -> bool {
    kb * 4 >= stated_kb * 3 && kb * 4 <= stated_kb * 5
}

/// tests/consumer's echo_check, built with pkg-config (sockit and sockit-static) and with
/// CMake (shared and static).
fn consumer_programs(
    work: &Path,
    layout: &Layout,
    target: &Target,
    package: &Package,
) -> Result<(), String> {
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
    expect_needed(&shared, target, true)?;
    eprintln!("xtask: pkg-config sockit (shared): ok");

    let static_ = exe("echo_static");
    compile_with_pkg_config(&project, &pkg_config_path, "sockit-static", &static_)?;
    run_program(&static_, None, &expected)?;
    expect_needed(&static_, target, false)?;
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
        expect_needed(&program, target, use_static == "OFF")?;
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

pub fn command_ok(command: &mut Command, what: &str) -> Result<Output, String> {
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
pub fn output_within(command: &mut Command, limit: Duration) -> Result<Output, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn a_missing_tool_is_installed_or_named_with_its_package() {
        let tools = [
            ("cc", "gcc"),
            ("cmake", "cmake"),
            ("readelf", "binutils"),
            ("strip", "binutils"),
        ];
        let present = RefCell::new(vec!["cc"]);
        let has = |program: &str| present.borrow().contains(&program);

        // apt-get fails (no network, no root): the message says what to install.
        let error = require_tools(&tools, has, |_| false).unwrap_err();
        assert_eq!(
            error,
            "cmake, readelf, strip not found: apt-get install cmake binutils"
        );

        // apt-get works: each package is asked for once, and the check goes on.
        let asked = RefCell::new(Vec::new());
        let result = require_tools(&tools, has, |packages| {
            asked
                .borrow_mut()
                .extend(packages.iter().map(|p| p.to_string()));
            present.borrow_mut().extend(["cmake", "readelf", "strip"]);
            true
        });
        assert_eq!(result, Ok(()));
        assert_eq!(*asked.borrow(), ["cmake", "binutils"]);

        // Nothing missing: apt-get is not run.
        assert_eq!(
            require_tools(&tools, has, |_| panic!("apt-get run")),
            Ok(())
        );
    }

    #[test]
    fn apt_success_without_the_program_still_fails() {
        let error = require_tools(&[("cmake", "cmake")], |_| false, |_| true).unwrap_err();
        assert_eq!(error, "cmake not found: apt-get install cmake");
    }

    #[test]
    fn sizes_are_checked_within_a_quarter() {
        assert!(size_as_stated(330, 330));
        assert!(size_as_stated(400, 330));
        assert!(size_as_stated(250, 330));
        assert!(!size_as_stated(550, 330)); // the program without --gc-sections
        assert!(!size_as_stated(200, 330));
    }

    #[test]
    fn the_static_line_must_link_what_the_pc_file_links() {
        let dir = std::env::temp_dir().join(format!("xtask-pc-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let pc = dir.join("sockit-static.pc");
        fs::write(
            &pc,
            "prefix=/p\nLibs: ${libdir}/libsockit.a -Wl,--gc-sections -lgcc_s -lc\n",
        )
        .unwrap();
        let line = "cc app.c -I<prefix>/include <prefix>/lib/libsockit.a -Wl,--gc-sections \
                    -lgcc_s -lc -o app";
        assert_eq!(same_link_options(line, &pc), Ok(()));
        let without_gc = line.replace("-Wl,--gc-sections ", "");
        assert!(
            same_link_options(&without_gc, &pc)
                .unwrap_err()
                .contains("--gc-sections")
        );
        let other_libs = line.replace("-lgcc_s", "-lgcc_eh");
        assert!(same_link_options(&other_libs, &pc).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
