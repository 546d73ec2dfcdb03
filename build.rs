//! Build script.
//!
//! 1. Generates `sockit.h` with cbindgen into `OUT_DIR/include`. The checked-in copy in
//!    `include/` is only rewritten when `SOCKIT_UPDATE_HEADER=1` is set (build scripts must not
//!    touch the source tree otherwise); a test fails while the two differ.
//! 2. Compiles the C definitions of the tutorial names `Die` and `HandleClient`, each in its own
//!    object, so a program that keeps its own `Die` still links against the static library.
//! 3. Compiles every C program of `c_examples/` and `tests/c/` against the fresh header, so
//!    `cargo build` fails as soon as the header or a program stops compiling. The objects are
//!    linked later, by the test harness, against the real static and shared libraries (which do
//!    not exist yet while this script runs).
//! 4. Records what the harness needs to link them: the C compiler and the native libraries a
//!    Rust static library needs (`rustc --print native-static-libs`).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "build/header.rs"]
mod header_layout;

/// Extra flags for compiling and linking the C programs (not the library's own C parts),
/// split at spaces: `cargo xtask reliability` builds them with clang's AddressSanitizer and
/// UndefinedBehaviorSanitizer this way.
const PROGRAM_FLAGS: &str = "SOCKIT_C_PROGRAM_FLAGS";

fn program_flags() -> Vec<String> {
    env::var(PROGRAM_FLAGS)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets it"));
    for watched in [
        "src",
        "c_examples",
        "tests/c",
        "cbindgen.toml",
        "build.rs",
        "build",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }
    println!("cargo:rerun-if-env-changed=SOCKIT_UPDATE_HEADER");
    println!("cargo:rerun-if-env-changed=SOCKIT_SKIP_C");
    println!("cargo:rerun-if-env-changed={PROGRAM_FLAGS}");
    // cfgs that are never set: cbindgen turns them into the header's opt-out macros.
    println!("cargo::rustc-check-cfg=cfg(sockit_own_die, sockit_own_handleclient)");
    tls_tests_cfg();

    let include_dir = out_dir.join("include");
    fs::create_dir_all(&include_dir).expect("create OUT_DIR/include");
    generate_header(&manifest_dir, &include_dir.join("sockit.h"));
    if env::var_os("SOCKIT_UPDATE_HEADER").is_some_and(|v| v != "0") {
        fs::copy(
            include_dir.join("sockit.h"),
            manifest_dir.join("include/sockit.h"),
        )
        .expect("copy the generated header to include/sockit.h");
    }

    if env::var_os("SOCKIT_SKIP_C").is_some_and(|v| v != "0") {
        // Type-checking for a target that has no C compiler here (.ci/cross): nothing is
        // linked, so the C parts are left out and no program is recorded.
        fs::write(out_dir.join("c_programs.txt"), "").expect("write c_programs.txt");
        return;
    }
    compile_tutorial_names(&manifest_dir, &include_dir, &out_dir);
    check_header_alone(&include_dir, &out_dir);

    let mut manifest = String::new();
    record_toolchain(&mut manifest, &out_dir);
    for (name, source) in c_programs(&manifest_dir) {
        let object = compile_program(&source, &include_dir, &out_dir);
        writeln!(manifest, "program\t{name}\t{}", object.display()).unwrap();
    }
    fs::write(out_dir.join("c_programs.txt"), manifest).expect("write c_programs.txt");
}

/// `sockit_tls_tests`: TLS is built in and the tests can make certificates. They make them
/// with rcgen on ring, which compiles C for its target; the targets `.ci/cross` only
/// type-checks, with no C compiler for them, have no rcgen (Cargo.toml's dev-dependencies
/// say the same), so their TLS tests are left out.
fn tls_tests_cfg() {
    println!("cargo::rustc-check-cfg=cfg(sockit_tls_tests)");
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let msvc = env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc");
    let rcgen = vendor != "apple" && target_os() != "freebsd" && !msvc;
    if env::var_os("CARGO_FEATURE_TLS").is_some() && rcgen {
        println!("cargo::rustc-cfg=sockit_tls_tests");
    }
}

/// cbindgen's declarations, laid out in sections by `build/header.rs`.
fn generate_header(manifest_dir: &Path, header: &Path) {
    let config = cbindgen::Config::from_file(manifest_dir.join("cbindgen.toml"))
        .expect("read cbindgen.toml");
    let mut raw = Vec::new();
    cbindgen::Builder::new()
        .with_crate(manifest_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate sockit.h")
        .write(&mut raw);
    let raw = String::from_utf8(raw).expect("cbindgen writes UTF-8");
    let laid_out = header_layout::lay_out(&raw, manifest_dir);
    // Written only when it changed, so that the C programs are not rebuilt for nothing.
    if fs::read_to_string(header).ok().as_deref() != Some(laid_out.as_str()) {
        fs::write(header, laid_out).expect("write the header");
    }
}

fn target_os() -> String {
    env::var("CARGO_CFG_TARGET_OS").unwrap_or_default()
}

fn target_is_unix() -> bool {
    env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "unix"))
}

/// A C compiler set up the way every C file of the project is compiled: warnings are errors.
fn c_build(include_dir: &Path, out_dir: &Path) -> cc::Build {
    let mut build = cc::Build::new();
    build
        .include(include_dir)
        .out_dir(out_dir.join("c_objects"))
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .cargo_metadata(false);
    build
}

fn is_gnu_like(build: &cc::Build) -> bool {
    let compiler = build.get_compiler();
    compiler.is_like_gnu() || compiler.is_like_clang()
}

/// `Die` and `HandleClient` are defined in C, one object each, and linked whole into the
/// library. In a static library each is then an archive member of its own, pulled in only by
/// a program that does not define the name itself. The shared library exports them too.
fn compile_tutorial_names(manifest_dir: &Path, include_dir: &Path, out_dir: &Path) {
    let mut build = c_build(include_dir, out_dir);
    build
        .file(manifest_dir.join("src/ffi/tutorial_names/die.c"))
        .file(manifest_dir.join("src/ffi/tutorial_names/handle_client.c"));
    build.compile("sockit_tutorial_names");
    println!(
        "cargo:rustc-link-search=native={}",
        out_dir.join("c_objects").display()
    );
    println!("cargo:rustc-link-lib=static:+whole-archive=sockit_tutorial_names");

    // rustc lists the exports of the shared library itself and hides everything else,
    // including symbols that come from C objects; name the two tutorial symbols as well.
    match target_os().as_str() {
        "windows" => {} // the C sources mark them __declspec(dllexport)
        "macos" | "ios" | "tvos" | "watchos" | "visionos" => {
            for name in ["_Die", "_HandleClient"] {
                println!("cargo:rustc-cdylib-link-arg=-Wl,-exported_symbol,{name}");
            }
        }
        _ => {
            let map = out_dir.join("tutorial_names.map");
            fs::write(&map, "{ global: Die; HandleClient; };\n").expect("write version script");
            println!(
                "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
                map.display()
            );
        }
    }
}

/// The header on its own compiles as pedantic C99: it needs nothing but standard headers.
/// (The C++ check runs in the tests, where a missing C++ compiler can be reported clearly.)
fn check_header_alone(include_dir: &Path, out_dir: &Path) {
    let source = out_dir.join("header_alone.c");
    fs::write(
        &source,
        "#include \"sockit.h\"\nint sockit_header_alone(void) { return SOCKIT_OK; }\n",
    )
    .expect("write header_alone.c");
    let mut build = c_build(include_dir, out_dir);
    if is_gnu_like(&build) {
        build.flag("-std=c99").flag("-pedantic");
    }
    build.file(&source).compile_intermediates();
}

/// Every C program: the tutorial ports and modern examples, the verbatim-style programs
/// (POSIX only, as the tutorial was), the programs that need POSIX beyond sockit (`posix/`:
/// `openat` and the like), and the test programs.
fn c_programs(manifest_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut folders = vec![
        manifest_dir.join("c_examples"),
        manifest_dir.join("tests/c"),
    ];
    if target_is_unix() {
        folders.push(manifest_dir.join("c_examples/verbatim"));
        folders.push(manifest_dir.join("c_examples/posix"));
    }
    let mut programs = Vec::new();
    for folder in folders {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read a C source folder").path();
            if path.extension().is_some_and(|e| e == "c") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                programs.push((name, path));
            }
        }
    }
    programs.sort();
    programs
}

fn compile_program(source: &Path, include_dir: &Path, out_dir: &Path) -> PathBuf {
    let mut build = c_build(include_dir, out_dir);
    // The ports are plain C99. The verbatim-style programs use POSIX sockets directly and are
    // compiled the way the tutorial's readers compiled them: the compiler's default dialect.
    let verbatim = source.parent().is_some_and(|p| p.ends_with("verbatim"));
    if is_gnu_like(&build) && !verbatim {
        build.flag("-std=c99").flag("-pedantic");
    }
    for flag in program_flags() {
        build.flag(&flag);
    }
    let mut objects = build.file(source).compile_intermediates();
    assert_eq!(objects.len(), 1, "one object per C program");
    objects.pop().unwrap()
}

/// The linker, its flags and the target's file names, for whoever links the C programs: the
/// test harness, or `cargo xtask link-programs` when the tests run under an emulator.
fn record_toolchain(manifest: &mut String, out_dir: &Path) {
    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    writeln!(manifest, "compiler\t{}", compiler.path().display()).unwrap();
    for arg in compiler.args() {
        writeln!(manifest, "arg\t{}", arg.to_string_lossy()).unwrap();
    }
    if compiler.is_like_gnu() || compiler.is_like_clang() {
        // Some programs use POSIX threads (MinGW's winpthreads on Windows).
        writeln!(manifest, "arg\t-pthread").unwrap();
    }
    for flag in program_flags() {
        writeln!(manifest, "arg\t{flag}").unwrap();
    }
    for lib in native_static_libs(out_dir) {
        writeln!(manifest, "native\t{lib}").unwrap();
    }
    let windows = target_os() == "windows";
    let msvc = env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc");
    let apple = env::var("CARGO_CFG_TARGET_VENDOR").is_ok_and(|v| v == "apple");
    let (static_lib, shared_lib) = match (windows, msvc, apple) {
        (true, true, _) => ("sockit.lib", "sockit.dll"),
        (true, false, _) => ("libsockit.a", "sockit.dll"),
        (false, _, true) => ("libsockit.a", "libsockit.dylib"),
        (false, _, false) => ("libsockit.a", "libsockit.so"),
    };
    writeln!(manifest, "static_lib\t{static_lib}").unwrap();
    writeln!(manifest, "shared_lib\t{shared_lib}").unwrap();
    if windows {
        // Programs find the DLL next to them; they link against its import library.
        let import_lib = if msvc {
            "sockit.dll.lib"
        } else {
            "libsockit.dll.a"
        };
        writeln!(manifest, "import_lib\t{import_lib}").unwrap();
        writeln!(manifest, "exe_suffix\t.exe").unwrap();
    } else if apple {
        writeln!(manifest, "rpath\t-Wl,-rpath,@loader_path/../lib").unwrap();
    } else {
        writeln!(manifest, "rpath\t-Wl,-rpath,$ORIGIN/../lib").unwrap();
    }
}

/// What a C program must link besides `libsockit.a`, as rustc reports it for this target.
/// The answer only depends on the toolchain, so it is computed once per build directory.
fn native_static_libs(out_dir: &Path) -> Vec<String> {
    let cache = out_dir.join("native-static-libs.txt");
    let text = fs::read_to_string(&cache).unwrap_or_else(|_| {
        let text = probe_native_static_libs(out_dir).unwrap_or_else(fallback_native_libs);
        fs::write(&cache, &text).expect("cache native-static-libs.txt");
        text
    });
    text.split_whitespace().map(str::to_owned).collect()
}

fn probe_native_static_libs(out_dir: &Path) -> Option<String> {
    let rustc = env::var_os("RUSTC")?;
    let target = env::var("TARGET").ok()?;
    let source = out_dir.join("native_libs_probe.rs");
    fs::write(&source, "").ok()?;
    let output = Command::new(rustc)
        .args(["--crate-type=staticlib", "--crate-name=native_libs_probe"])
        .args(["--print=native-static-libs", "--target", &target, "-o"])
        .arg(out_dir.join("libnative_libs_probe.a"))
        .arg(&source)
        .output()
        .ok()?;
    let _ = fs::remove_file(out_dir.join("libnative_libs_probe.a"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|line| line.split_once("native-static-libs: "))
        .map(|(_, libs)| libs.trim().to_owned())
}

/// Used only when rustc cannot be asked (a target without a prebuilt standard library).
fn fallback_native_libs() -> String {
    match target_os().as_str() {
        "linux" => "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc",
        "macos" | "ios" => "-lSystem -lc -lm",
        "windows" => "-lkernel32 -lntdll -luserenv -lws2_32",
        _ => "-lc -lm -lpthread",
    }
    .to_owned()
}
