//! The checked-in header: in sync with the Rust source, clean C99 and C++11, and its
//! constants the library's own values.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sockit::ErrorCode;

fn checked_in_header() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sockit.h")
}

fn fresh_header() -> PathBuf {
    Path::new(env!("OUT_DIR")).join("include/sockit.h")
}

#[test]
fn checked_in_header_matches_a_fresh_generation() {
    let checked_in = fs::read_to_string(checked_in_header()).expect("read include/sockit.h");
    let fresh = fs::read_to_string(fresh_header()).expect("read the generated header");
    if checked_in != fresh {
        let first_difference = checked_in
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_string(),
                |n| format!("at line {}", n + 1),
            );
        panic!(
            "include/sockit.h differs from what the source generates ({first_difference}).\n\
             Regenerate it with `SOCKIT_UPDATE_HEADER=1 cargo build` and commit it."
        );
    }
}

/// `#define NAME value` lines of the header.
fn defines(header: &str) -> BTreeMap<String, String> {
    header
        .lines()
        .filter_map(|line| line.strip_prefix("#define "))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(name, value)| (name.to_string(), value.trim().to_string()))
        .collect()
}

/// Every name the header gives a C program: macros, structs, typedefs, functions. Comments
/// are left out; a declaration's name is the identifier right before its `(`, `;` or `)`.
fn declared_names(header: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_comment = false;
    for line in header.lines() {
        let line = line.trim();
        if line.starts_with("/*") {
            in_comment = !line.contains("*/");
            continue;
        }
        if in_comment {
            in_comment = !line.contains("*/");
            continue;
        }
        if let Some(rest) = line.strip_prefix("#define ") {
            names.extend(rest.split([' ', '(']).next().map(str::to_owned));
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        // `struct NAME`, and the name a typedef or a declaration ends with.
        for pair in words.windows(2) {
            if pair[0] == "struct" {
                names.insert(pair[1].to_owned());
            }
        }
        if line.starts_with("typedef") {
            let name = match line.split_once("(*") {
                Some((_, pointer)) => pointer.split(')').next(),
                None => line
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .find(|w| !w.is_empty()),
            };
            names.extend(name.map(|n| n.trim().to_owned()));
        } else if let Some((head, _)) = line.split_once('(') {
            let is_declaration = !line.starts_with(' ') && !head.contains('=');
            if is_declaration {
                names.extend(head.rsplit([' ', '*']).next().map(str::to_owned));
            }
        }
    }
    names.retain(|name| !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()));
    names
}

#[test]
fn every_name_the_header_declares_is_prefixed() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    let names = declared_names(&header);
    assert!(names.contains("sockit_tcp_connect") && names.contains("SOCKIT_EINVAL"));
    assert!(names.contains("sockit_pollfd") && names.contains("sockit_timer_fn"));
    // The tutorial's own names, and the system's socket address type.
    let allowed = ["Die", "HandleClient", "sockaddr"];
    let unprefixed: Vec<&String> = names
        .iter()
        .filter(|name| !name.starts_with("sockit_") && !name.starts_with("SOCKIT_"))
        .filter(|name| !allowed.contains(&name.as_str()))
        .collect();
    assert!(
        unprefixed.is_empty(),
        "the header declares names without the sockit_/SOCKIT_ prefix: {unprefixed:?} \
         (exclude the core's items in cbindgen.toml, or rename them)"
    );
}

#[test]
fn error_constants_are_the_library_codes() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    let defines = defines(&header);
    for &code in ErrorCode::ALL {
        let name = code.name().to_str().unwrap();
        assert_eq!(
            defines.get(name).map(String::as_str),
            Some(code.value().to_string().as_str()),
            "{name}"
        );
    }
    // Error codes are the negative SOCKIT_E... constants (SOCKIT_EVENT_LOOP is a mode).
    let error_constants = defines
        .iter()
        .filter(|(name, value)| name.starts_with("SOCKIT_E") && value.starts_with('-'))
        .count();
    assert_eq!(
        error_constants,
        ErrorCode::ALL.len(),
        "a SOCKIT_E... with no code"
    );
    assert_eq!(defines.get("SOCKIT_OK").map(String::as_str), Some("0"));
}

#[test]
fn version_constants_and_function_agree_with_cargo_toml() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    let defines = defines(&header);
    let version = [
        ("SOCKIT_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("SOCKIT_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("SOCKIT_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ];
    for (name, value) in version {
        assert_eq!(defines.get(name).map(String::as_str), Some(value), "{name}");
    }
    // SAFETY: sockit_version returns a static NUL-terminated string.
    let reported = unsafe { std::ffi::CStr::from_ptr(sockit::ffi::error::sockit_version()) };
    assert_eq!(reported.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// Compiles a file that includes only sockit.h, with `compiler` and `flags`.
fn compile_header_alone(compiler: &str, extension: &str, flags: &[&str]) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("header_check");
    fs::create_dir_all(&dir).unwrap();
    let source = dir.join(format!("alone.{extension}"));
    fs::write(
        &source,
        "#include \"sockit.h\"\n\
         int use_it(sockit_socket s) { sockit_addr a; return sockit_local_addr(s, &a); }\n",
    )
    .unwrap();
    let include = checked_in_header().parent().unwrap().to_path_buf();
    let output = Command::new(compiler)
        .args(flags)
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-I",
        ])
        .arg(&include)
        .arg(&source)
        .output()
        .map_err(|e| format!("cannot run {compiler}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{compiler} {flags:?} rejects sockit.h:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn find_compiler(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .map(|c| c.to_string())
}

/// Under Wine (`SOCKIT_PRELINKED`, see tests/support) the build machine's compilers cannot be
/// started; `.ci/windows` compiles the header with MinGW's gcc and g++ there instead.
fn compilers_out_of_reach() -> bool {
    let unreachable = std::env::var_os("SOCKIT_PRELINKED").is_some();
    if unreachable {
        eprintln!("note: SOCKIT_PRELINKED is set: the header is compiled by .ci/windows instead");
    }
    unreachable
}

#[test]
fn header_compiles_alone_as_pedantic_c99_and_c11() {
    if compilers_out_of_reach() {
        return;
    }
    let cc = std::env::var("CC")
        .ok()
        .or_else(|| find_compiler(&["cc", "gcc", "clang"]));
    let cc = cc.expect("a C compiler (cc, gcc or clang)");
    for standard in ["-std=c99", "-std=c11"] {
        compile_header_alone(&cc, "c", &[standard]).unwrap();
        compile_header_alone(&cc, "c", &[standard, "-DSOCKIT_OWN_DIE"]).unwrap();
    }
}

#[test]
fn header_compiles_alone_as_pedantic_cxx11() {
    if compilers_out_of_reach() {
        return;
    }
    let cxx = std::env::var("CXX")
        .ok()
        .or_else(|| find_compiler(&["c++", "g++", "clang++"]));
    let Some(cxx) = cxx else {
        // A machine with only a C compiler cannot check this; CI installs one and insists.
        assert!(
            std::env::var_os("SOCKIT_REQUIRE_CXX").is_none(),
            "SOCKIT_REQUIRE_CXX is set but no C++ compiler was found"
        );
        eprintln!("note: no C++ compiler found; the C++ check of sockit.h did not run");
        return;
    };
    for standard in ["-std=c++11", "-std=c++17"] {
        compile_header_alone(&cxx, "cpp", &[standard]).unwrap();
    }
}

/// The header's sections: title line and the text up to the next section.
fn sections(header: &str) -> Vec<(String, String)> {
    let rule = format!("/* {}\n * ", "=".repeat(88));
    header
        .split(&rule)
        .skip(1)
        .map(|part| {
            let (title, body) = part.split_once('\n').unwrap_or((part, ""));
            (title.to_string(), body.to_string())
        })
        .collect()
}

/// A `src/ffi/` file's `//!` prose, one line of text each, without Markdown.
fn module_prose(source: &str) -> Vec<String> {
    source
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.trim().replace('`', ""))
        .filter(|l| !l.is_empty() && !l.starts_with("```"))
        .collect()
}

#[test]
fn every_header_section_opens_with_its_files_prose_and_examples() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    let ffi = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let sections = sections(&header);
    let mut titled = 0;
    for entry in fs::read_dir(&ffi).unwrap() {
        let path = entry.unwrap().path();
        let source = fs::read_to_string(&path).unwrap_or_default();
        if !source.starts_with("//! Header section: ") {
            continue;
        }
        titled += 1;
        let prose = module_prose(&source);
        let title_line = prose[0]
            .trim_start_matches("Header section: ")
            .to_lowercase();
        let (_, body) = sections
            .iter()
            .find(|(title, _)| title_line.starts_with(&title.to_lowercase()))
            .unwrap_or_else(|| panic!("{}: no section in the header", path.display()));
        // Every line of the prose, and of its examples, is in the section's opening comment.
        let opening = &body[..body.find("*/").unwrap()];
        let opening_text: String = opening
            .lines()
            .map(|l| l.trim_start_matches(" *").trim())
            .collect::<Vec<_>>()
            .join(" ");
        for line in &prose[1..] {
            let words = line.replace("/*", "//").replace(" */", "");
            assert!(
                opening_text.contains(words.trim()),
                "{}: {line:?} is not in the header's section",
                path.display()
            );
        }
    }
    assert_eq!(titled, sections.len(), "a section per titled src/ffi file");
}

#[test]
fn constants_stand_in_the_section_of_their_functions() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    let section_of = |name: &str| {
        sections(&header)
            .into_iter()
            .find(|(_, body)| {
                body.lines().any(|line| {
                    !line.starts_with(" *")
                        && (line.starts_with(&format!("#define {name} "))
                            || line.contains(&format!(" {name}("))
                            || line.contains(&format!("*{name}(")))
                })
            })
            .map(|(title, _)| title)
            .unwrap_or_else(|| panic!("{name} is in no section"))
    };
    for (constant, function) in [
        ("SOCKIT_SHUT_RD", "sockit_shutdown"),
        ("SOCKIT_POLL_READ", "sockit_poll"),
        ("SOCKIT_ECONNREFUSED", "sockit_strerror"),
        ("SOCKIT_EVENT_LOOP", "sockit_server_new"),
        ("SOCKIT_IPV6", "sockit_addr_from_ip"),
    ] {
        assert_eq!(section_of(constant), section_of(function), "{constant}");
    }
}

#[test]
fn the_header_comments_speak_c_not_rust() {
    let header = fs::read_to_string(checked_in_header()).unwrap();
    for (number, line) in header.lines().enumerate() {
        for rust in [
            "`", "# Safety", "&mut", "Option<", "Result<", "Some(", "crate::",
        ] {
            assert!(
                !line.contains(rust),
                "include/sockit.h line {}: {rust:?} in {line:?}",
                number + 1
            );
        }
    }
}
