//! Linking the C programs that build.rs compiled, against the real static and shared
//! libraries. Shared by the test harness (which links on first use) and by
//! `cargo xtask link-programs`, which links them on the build machine when the tests run
//! under an emulator (Wine) that cannot start the build machine's compiler.
//!
//! Everything that depends on the target (file names, rpath) comes from the manifest that
//! build.rs wrote for that target, so this file has no `cfg` of its own.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How a C program is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    Static,
    Shared,
}

impl Linkage {
    pub const BOTH: [Linkage; 2] = [Linkage::Static, Linkage::Shared];
}

/// What build.rs recorded in `c_programs.txt`: the C compiler, the native libraries, the
/// target's file names and the compiled objects.
#[derive(Default)]
pub struct Toolchain {
    compiler: PathBuf,
    args: Vec<String>,
    native_libs: Vec<String>,
    static_lib: String,
    shared_lib: String,
    import_lib: Option<String>,
    rpath: Option<String>,
    exe_suffix: String,
    programs: Vec<(String, PathBuf)>,
}

impl Toolchain {
    /// Reads `c_programs.txt` from the build script's output folder.
    pub fn read(out_dir: &Path) -> Toolchain {
        let manifest = out_dir.join("c_programs.txt");
        let text = fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e} (run cargo build first)", manifest.display()));
        let mut toolchain = Toolchain::default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["compiler", path] => toolchain.compiler = PathBuf::from(path),
                ["arg", arg] => toolchain.args.push(arg.to_string()),
                ["native", lib] => toolchain.native_libs.push(lib.to_string()),
                ["static_lib", name] => toolchain.static_lib = name.to_string(),
                ["shared_lib", name] => toolchain.shared_lib = name.to_string(),
                ["import_lib", name] => toolchain.import_lib = Some(name.to_string()),
                ["rpath", flag] => toolchain.rpath = Some(flag.to_string()),
                ["exe_suffix", suffix] => toolchain.exe_suffix = suffix.to_string(),
                ["program", name, object] => toolchain
                    .programs
                    .push((name.to_string(), PathBuf::from(object))),
                _ => panic!("unexpected line in {}: {line:?}", manifest.display()),
            }
        }
        toolchain
    }

    /// The names of the programs, in order.
    pub fn program_names(&self) -> Vec<String> {
        self.programs.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Links every program twice into `dir`: against the static library as `dir/<name>`, and
    /// against the shared library as `dir/shared/<name>`, which finds the library in
    /// `dir/lib` (rpath) or next to itself (Windows). `libs` is the folder cargo built the
    /// libraries in. Returns the program names.
    pub fn link_all(&self, libs: &Path, dir: &Path) -> Vec<String> {
        let lib_dir = dir.join("lib");
        let shared_dir = dir.join("shared");
        fs::create_dir_all(&lib_dir).expect("create c_examples/lib");
        fs::create_dir_all(&shared_dir).expect("create c_examples/shared");
        for name in [&self.static_lib, &self.shared_lib] {
            copy_atomically(&libs.join(name), &lib_dir.join(name));
        }
        if let Some(import_lib) = &self.import_lib {
            // The DLL must sit next to the programs that load it.
            copy_atomically(
                &libs.join(&self.shared_lib),
                &shared_dir.join(&self.shared_lib),
            );
            copy_atomically(&libs.join(import_lib), &lib_dir.join(import_lib));
        }
        for (name, object) in &self.programs {
            let exe = format!("{name}{}", self.exe_suffix);
            self.link(object, &dir.join(&exe), Linkage::Static, &lib_dir);
            self.link(object, &shared_dir.join(&exe), Linkage::Shared, &lib_dir);
        }
        self.program_names()
    }

    /// Compiles a C source that a test wrote (against the checked-in header, warnings as
    /// errors) and links it to the static library in `libs`, as `exe`.
    pub fn build_static(&self, source: &Path, include_dir: &Path, libs: &Path, exe: &Path) {
        let mut command = Command::new(&self.compiler);
        command
            .args(&self.args)
            .args(["-Wall", "-Wextra", "-Werror"])
            .arg(format!("-I{}", include_dir.display()))
            .arg(source)
            .arg("-o")
            .arg(exe)
            .arg(libs.join(&self.static_lib))
            .args(&self.native_libs);
        let output = command.output().expect("run the C compiler");
        assert!(
            output.status.success(),
            "building {} failed: {command:?}\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn link(&self, object: &Path, exe: &Path, linkage: Linkage, lib_dir: &Path) {
        // Link to a temporary name and rename, so that a program is never seen half-written
        // (the demo and a test run may link at the same time).
        let partial = exe.with_extension(format!("partial-{}", std::process::id()));
        let mut command = Command::new(&self.compiler);
        command.args(&self.args).arg(object).arg("-o").arg(&partial);
        match linkage {
            Linkage::Static => {
                command.arg(lib_dir.join(&self.static_lib));
                command.args(&self.native_libs);
            }
            Linkage::Shared => {
                command
                    .arg(format!("-L{}", lib_dir.display()))
                    .arg("-lsockit");
                command.args(&self.rpath);
            }
        }
        let output = command.output().expect("run the C compiler to link");
        assert!(
            output.status.success(),
            "linking {} ({linkage:?}) failed: {command:?}\n{}",
            exe.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        fs::rename(&partial, exe).expect("move the linked program in place");
    }
}

fn copy_atomically(from: &Path, to: &Path) {
    let partial = to.with_extension(format!("partial-{}", std::process::id()));
    fs::copy(from, &partial)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), partial.display()));
    fs::rename(&partial, to).expect("move the library copy in place");
}
