//! `cargo xtask check-man`: the pages as a reader meets them.
//!
//! 1. Every function the header declares and the shared library exports has a page, and
//!    every page of section 3 documents a function or type the header declares.
//! 2. `mandoc -T lint` reports nothing above style level on any page.
//! 3. `man -l` renders each page without a warning, and `man -M <mandir> 3 <name>` finds it.
//! 4. Each function page's SYNOPSIS, as rendered, is the header's prototype.
//! 5. Every example (a function page's EXAMPLES, a section's code in sockit(7)) compiles
//!    with `-std=c99 -pedantic -Wall -Wextra -Werror` against include/sockit.h and links
//!    with the static library. An example with `main` is a whole program; any other is the
//!    body of a function, whose parameters are the names it uses without declaring them,
//!    typed by where it uses them (an argument of a sockit function: that parameter's type;
//!    a member of a sockit struct's initializer: that field's type). `...` standing for a
//!    statement the reader writes is compiled as `{}`.
//!
//! Installs mandoc, man-db and gcc with apt-get when they are missing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::header::{self, Header, Kind};
use crate::args::Args;
use crate::check_install::{command_ok, require_tools};
use crate::library_build;
use crate::package;
use crate::target::Target;

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &[])?;
    require_tools(
        &[("mandoc", "mandoc"), ("man", "man-db"), ("cc", "gcc")],
        on_path,
        |packages| crate::apt::install("check-man", packages, "to check the manual"),
    )?;
    let work = std::env::temp_dir().join(format!("sockit-check-man-{}", std::process::id()));
    let result = check(&work, &args.cargo);
    let _ = fs::remove_dir_all(&work);
    result
}

/// Whether `program` is on PATH.
pub fn on_path(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn check(work: &Path, cargo_options: &[String]) -> Result<(), String> {
    let mandir = work.join("share/man");
    let pages = super::write(&mandir)?;
    let header_text = fs::read_to_string(package::root().join("include/sockit.h"))
        .map_err(|e| format!("read include/sockit.h: {e}"))?;
    let header = header::parse(&header_text)?;

    let target = Target::new(None)?;
    let built = library_build::build(&target, "dev", &[], cargo_options)?;
    let exported = exports(built.file(target.shared_lib())?)?;
    let documented = documented_on_disk(&mandir)?;
    coverage(&declared_functions(&header_text), &exported, &documented)?;
    eprintln!(
        "xtask check-man: {} functions declared and exported, each with its page",
        exported.len()
    );

    let files: Vec<PathBuf> = pages.iter().map(|p| mandir.join(&p.path)).collect();
    lint(&files)?;
    eprintln!(
        "xtask check-man: mandoc -T lint: clean on {} pages",
        files.len()
    );
    for page in &pages {
        render(&mandir, &mandir.join(&page.path), &page.name, page.section)?;
    }
    eprintln!("xtask check-man: man renders and finds every page");
    for page in pages.iter().filter(|p| p.section == 3) {
        if let Some(item) = header.item(&page.name).filter(|i| i.is_function()) {
            synopsis_is_the_prototype(&mandir.join(&page.path), &item.declaration)?;
        }
    }
    eprintln!("xtask check-man: every SYNOPSIS is the header's prototype");

    let mut examples: BTreeMap<String, String> = BTreeMap::new();
    for page in &pages {
        for code in examples_of(&page.source, page.section) {
            examples.entry(code).or_insert_with(|| page.path.clone());
        }
    }
    let static_lib = built.file(target.static_lib())?;
    for (i, (code, page)) in examples.iter().enumerate() {
        compile_example(
            &work.join(format!("example{i}")),
            code,
            page,
            &header,
            static_lib,
            &built.native_static_libs,
        )?;
    }
    eprintln!(
        "xtask check-man: {} examples compile and link (-Wall -Wextra -Werror)",
        examples.len()
    );
    Ok(())
}

/// The function names the header declares, read on their own (not by the generator's
/// parser): a line that is not a comment, directive or typedef, with `name(` in it.
pub fn declared_functions(header: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_comment = false;
    for line in header.lines() {
        let trimmed = line.trim();
        if in_comment {
            in_comment = !trimmed.contains("*/");
            continue;
        }
        if trimmed.starts_with("/*") {
            in_comment = !trimmed.contains("*/");
            continue;
        }
        if line.starts_with([' ', '#', '/', '}', '*', '\t'])
            || line.starts_with("typedef")
            || line.starts_with("extern \"C\"")
        {
            continue;
        }
        if let Some((head, _)) = line.split_once('(') {
            if let Some(name) = head.rsplit([' ', '*']).next().filter(|n| !n.is_empty()) {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// The functions the pages under `mandir` document (`.Fo name` in section 3).
fn documented_on_disk(mandir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut documented = BTreeMap::new();
    let dir = mandir.join("man3");
    for entry in fs::read_dir(&dir).map_err(|e| format!("read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let source =
            fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        for name in source.lines().filter_map(|l| l.strip_prefix(".Fo ")) {
            documented.insert(
                name.trim().to_string(),
                path.file_name().unwrap().to_string_lossy().into_owned(),
            );
        }
    }
    Ok(documented)
}

/// Every declared and every exported function has a page of its own name; every page
/// documents a declared function (or is a type's page, or the index).
pub fn coverage(
    declared: &BTreeSet<String>,
    exported: &BTreeSet<String>,
    documented: &BTreeMap<String, String>,
) -> Result<(), String> {
    let mut problems = Vec::new();
    for name in declared.union(exported) {
        match documented.get(name) {
            None => problems.push(format!("{name} has no page")),
            Some(file) if *file != format!("{name}.3") => {
                problems.push(format!("{name} is documented in {file}, not {name}.3"))
            }
            Some(_) => {}
        }
    }
    for (name, file) in documented {
        if !declared.contains(name) {
            problems.push(format!(
                "{file} documents {name}, which the header does not declare"
            ));
        }
    }
    for name in exported.difference(declared) {
        problems.push(format!(
            "the library exports {name}, the header does not declare it"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The dynamic symbols a shared library defines.
fn exports(library: &Path) -> Result<BTreeSet<String>, String> {
    let output = command_ok(
        Command::new("nm")
            .args(["-D", "--defined-only", "--format=posix"])
            .arg(library),
        "nm -D",
    )?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

fn lint(files: &[PathBuf]) -> Result<(), String> {
    let output = Command::new("mandoc")
        .args(["-T", "lint", "-W", "warning"])
        .args(files)
        .output()
        .map_err(|e| format!("run mandoc: {e}"))?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || !report.trim().is_empty() {
        return Err(format!(
            "mandoc -T lint -W warning reports ({}):\n{report}",
            output.status
        ));
    }
    Ok(())
}

/// `man -l` renders the page with no warning from man or groff, and `man` finds it by name.
fn render(mandir: &Path, file: &Path, name: &str, section: u8) -> Result<(), String> {
    let output = Command::new("man")
        .args(["--warnings", "-E", "UTF-8", "-l", "-P", "cat"])
        .arg(file)
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .map_err(|e| format!("run man: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !output.stderr.is_empty() || !text.contains(name) {
        return Err(format!(
            "man -l {} ({}): {}",
            file.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let found = command_ok(
        Command::new("man")
            .arg("-w")
            .arg("-M")
            .arg(mandir)
            .arg(section.to_string())
            .arg(name),
        &format!("man -w {section} {name}"),
    )?;
    let found = String::from_utf8_lossy(&found.stdout);
    if Path::new(found.trim()) != file {
        return Err(format!(
            "man {section} {name} finds {}, not {}",
            found.trim(),
            file.display()
        ));
    }
    Ok(())
}

/// C text compared without layout: spaces only where two words meet.
fn normalized(text: &str) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let chars: Vec<char> = words.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let before = chars[i - 1];
            let after = chars.get(i + 1).copied().unwrap_or(' ');
            let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
            if !(word(before) && word(after)) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn synopsis_is_the_prototype(page: &Path, declaration: &str) -> Result<(), String> {
    let output = command_ok(
        Command::new("mandoc").args(["-T", "ascii"]).arg(page),
        "mandoc -T ascii",
    )?;
    // Bold and underline by overstriking: keep the printed character.
    let mut plain = String::new();
    let rendered = String::from_utf8_lossy(&output.stdout);
    let mut chars = rendered.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        plain.push(c);
    }
    let synopsis = plain
        .split("\nSYNOPSIS\n")
        .nth(1)
        .and_then(|s| s.split("\nDESCRIPTION\n").next())
        .ok_or_else(|| format!("{}: no SYNOPSIS", page.display()))?;
    let prototype = declaration
        .trim()
        .trim_start_matches("extern ")
        .replace(" SOCKIT_NORETURN", "");
    if !normalized(synopsis).contains(&normalized(&prototype)) {
        return Err(format!(
            "{}: the SYNOPSIS is not the header's prototype {prototype:?}:\n{synopsis}",
            page.display()
        ));
    }
    Ok(())
}

/// The code of a page's examples: the literal displays of EXAMPLES (section 3), and of the
/// sections' prose (sockit(7)), as C text again.
pub fn examples_of(source: &str, section: u8) -> Vec<String> {
    let wanted = if section == 7 {
        "THE API BY SECTION"
    } else {
        "EXAMPLES"
    };
    let mut examples = Vec::new();
    let mut in_section = false;
    let mut code: Option<String> = None;
    for line in source.lines() {
        if let Some(title) = line.strip_prefix(".Sh ") {
            in_section = title == wanted;
            continue;
        }
        if !in_section {
            continue;
        }
        if line.starts_with(".Bd -literal") {
            code = Some(String::new());
        } else if line == ".Ed" {
            examples.extend(code.take());
        } else if let Some(code) = code.as_mut() {
            let text = line
                .strip_prefix("\\&")
                .unwrap_or(line)
                .replace("\\e", "\\");
            code.push_str(&text);
            code.push('\n');
        }
    }
    examples
}

/// `...` where a statement goes (after `)`, `;`, `{`, `}` or at a line's start) becomes
/// `{}`; `...` elsewhere (a variadic parameter list) stays.
fn elisions_filled(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("...") {
        let before = &rest[..at];
        let previous = out.chars().chain(before.chars()).rev().find(|c| *c != ' ');
        out.push_str(before);
        let in_string = before.matches('"').count() % 2 == 1;
        if !in_string && matches!(previous, None | Some(')' | ';' | '{' | '}' | '\n')) {
            out.push_str("{}");
        } else {
            out.push_str("...");
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// The arguments of each call of `function` in `code`, split at top-level commas.
fn call_arguments(code: &str, function: &str) -> Vec<Vec<String>> {
    let mut calls = Vec::new();
    let pattern = format!("{function}(");
    let mut from = 0;
    while let Some(at) = code[from..].find(&pattern) {
        let start = from + at;
        let preceded_by_word = code[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        from = start + pattern.len();
        if preceded_by_word {
            continue;
        }
        let mut depth = 0;
        let mut args = vec![String::new()];
        for c in code[from..].chars() {
            match c {
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' if depth == 0 => break,
                ')' | '}' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(String::new());
                    continue;
                }
                _ => {}
            }
            args.last_mut().unwrap().push(c);
        }
        calls.push(args.into_iter().map(|a| a.trim().to_string()).collect());
    }
    calls
}

/// The type of `name` by its use in `code`: an argument of a header function, or a member
/// of a header struct's initializer.
fn inferred_type(code: &str, name: &str, header: &Header) -> Option<String> {
    for function in header.functions() {
        let Kind::Function { params, .. } = &function.kind else {
            continue;
        };
        for args in call_arguments(code, &function.name) {
            for (arg, (ty, _)) in args.iter().zip(params) {
                if arg == name {
                    return Some(ty.clone());
                }
                if arg.strip_prefix('&').is_some_and(|a| a.trim() == name) {
                    return ty.strip_suffix('*').map(|t| t.trim().to_string());
                }
            }
        }
    }
    // `sockit_pollfd fds[2] = {{sock, ...}, ...}`: by position in a struct's braces.
    for item in &header.items {
        let Kind::Struct { fields } = &item.kind else {
            continue;
        };
        let mut from = 0;
        while let Some(at) = code[from..].find(&format!("{} ", item.name)) {
            let start = from + at + item.name.len();
            from = start;
            let Some(open) = code[start..].find('{').map(|i| start + i) else {
                break;
            };
            if code[start..open].contains(';') {
                continue;
            }
            for group in brace_groups(&code[open..]) {
                for (member, field) in group.iter().zip(fields) {
                    if member == name {
                        let ty = field.declaration.trim_end_matches(';');
                        return Some(ty[..ty.len() - field.name.len()].trim().to_string());
                    }
                }
            }
        }
    }
    None
}

/// The innermost `{a, b, c}` groups of an initializer that starts at `text[0] == '{'`.
fn brace_groups(text: &str) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let mut depth = 0;
    let mut current: Option<Vec<String>> = None;
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                current = Some(vec![String::new()]);
            }
            '}' => {
                depth -= 1;
                if let Some(group) = current.take() {
                    groups.push(group.into_iter().map(|m| m.trim().to_string()).collect());
                }
                if depth == 0 {
                    break;
                }
            }
            ',' => {
                if let Some(group) = current.as_mut() {
                    group.push(String::new());
                }
            }
            _ => {
                if let Some(group) = current.as_mut() {
                    group.last_mut().unwrap().push(c);
                }
            }
        }
    }
    groups
}

fn compile_example(
    dir: &Path,
    code: &str,
    page: &str,
    header: &Header,
    static_lib: &Path,
    native_libs: &[String],
) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let include = package::root().join("include");
    let code = elisions_filled(code);
    let whole = code.contains("main(");
    let source = dir.join("example.c");
    let compile = |params: &[String]| -> Result<std::process::Output, String> {
        let text = if whole {
            format!("#line 1 \"{page}, EXAMPLES\"\n{code}")
        } else {
            let params = if params.is_empty() {
                "void".to_string()
            } else {
                params.join(", ")
            };
            format!(
                "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\
                 #include \"sockit.h\"\n\nvoid sockit_example({params});\n\
                 void sockit_example({params}) {{\n\
                 #line 1 \"{page}, EXAMPLES\"\n{code}}}\n\n\
                 int main(void) {{ return 0; }}\n"
            )
        };
        fs::write(&source, text).map_err(|e| format!("write {}: {e}", source.display()))?;
        Command::new("cc")
            .args([
                "-std=c99",
                "-pedantic",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pthread",
            ])
            .arg("-I")
            .arg(&include)
            .arg(&source)
            .arg(static_lib)
            .args(native_libs)
            .arg("-o")
            .arg(dir.join("example"))
            .env("LC_ALL", "C")
            .output()
            .map_err(|e| format!("run cc: {e}"))
    };
    let mut output = compile(&[])?;
    if !output.status.success() && !whole {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let mut params = Vec::new();
        let mut unknown = Vec::new();
        for line in stderr.lines() {
            let Some(name) = line
                .split_once("error: '")
                .and_then(|(_, rest)| rest.split_once("' undeclared"))
                .map(|(name, _)| name.to_string())
            else {
                continue;
            };
            match inferred_type(&code, &name, header) {
                Some(ty) if ty.ends_with('*') => params.push(format!("{ty}{name}")),
                Some(ty) => params.push(format!("{ty} {name}")),
                None => unknown.push(name),
            }
        }
        params.dedup();
        if !unknown.is_empty() {
            return Err(format!(
                "an example of {page} uses {} without declaring it, and no call of a sockit \
                 function or sockit struct initializer in it tells the type: declare it in \
                 the example\n{code}",
                unknown.join(", ")
            ));
        }
        if !params.is_empty() {
            output = compile(&params)?;
        }
    }
    if !output.status.success() {
        return Err(format!(
            "an example of {page} does not compile:\n{code}\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_functions_are_read_apart_from_the_generator() {
        let header = "/**\n * sockit_fake(int x) in a comment\n */\nint sockit_a(int x);\n\
                      typedef void (*sockit_fn)(int);\n#define SOCKIT_M(x) x\n\
                      extern void Die(const char *mess) SOCKIT_NORETURN;\n\
                      const char *sockit_b(void);\nint64_t sockit_c(int a,\n    int b);\n";
        let names: Vec<String> = declared_functions(header).into_iter().collect();
        assert_eq!(names, ["Die", "sockit_a", "sockit_b", "sockit_c"]);
    }

    fn documented(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(n, f)| (n.to_string(), f.to_string()))
            .collect()
    }

    #[test]
    fn coverage_fails_for_a_missing_or_a_stray_page() {
        let declared: BTreeSet<String> = ["sockit_a", "sockit_b"].map(String::from).into();
        let ok = documented(&[("sockit_a", "sockit_a.3"), ("sockit_b", "sockit_b.3")]);
        assert!(coverage(&declared, &declared, &ok).is_ok());
        let missing = documented(&[("sockit_a", "sockit_a.3")]);
        assert_eq!(
            coverage(&declared, &declared, &missing).unwrap_err(),
            "sockit_b has no page"
        );
        let mut stray = ok.clone();
        stray.insert("sockit_gone".into(), "sockit_gone.3".into());
        assert!(
            coverage(&declared, &declared, &stray)
                .unwrap_err()
                .contains("sockit_gone.3 documents sockit_gone")
        );
        let mut exported = declared.clone();
        exported.insert("sockit_hidden".into());
        let err = coverage(&declared, &exported, &ok).unwrap_err();
        assert!(err.contains("sockit_hidden has no page"), "{err}");
        assert!(err.contains("the library exports sockit_hidden"), "{err}");
    }

    #[test]
    fn the_real_pages_cover_the_real_header() {
        let text = fs::read_to_string(package::root().join("include/sockit.h")).unwrap();
        let declared = declared_functions(&text);
        assert!(declared.len() > 50, "{declared:?}");
        let pages = super::super::generate().unwrap();
        let mut documented = BTreeMap::new();
        for page in &pages {
            for name in page.source.lines().filter_map(|l| l.strip_prefix(".Fo ")) {
                documented.insert(
                    name.to_string(),
                    page.path.trim_start_matches("man3/").to_string(),
                );
            }
        }
        coverage(&declared, &declared, &documented).unwrap();
        for name in ["sockit", "sockit_addr", "sockit_timer_fn"] {
            assert!(pages.iter().any(|p| p.name == name), "{name}");
        }
    }

    #[test]
    fn examples_come_back_as_c() {
        let page = ".Sh DESCRIPTION\n.Bd -literal\nnot this\n.Ed\n.Sh EXAMPLES\n\
                    .Bd -literal -offset indent\nprintf(\"%s\\en\", x);\n\\&.x\n.Ed\n";
        assert_eq!(examples_of(page, 3), ["printf(\"%s\\n\", x);\n.x\n"]);
    }

    #[test]
    fn elided_statements_compile_as_empty_blocks() {
        assert_eq!(
            elisions_filled("if (x) ...   // then\n...\nint f(int a, ...);\nputs(\"...\");"),
            "if (x) {}   // then\n{}\nint f(int a, ...);\nputs(\"...\");"
        );
    }

    #[test]
    fn undeclared_names_are_typed_by_their_use() {
        let header = header::parse(
            "/* x */\n/**\n * d\n */\ntypedef struct sockit_pollfd {\n  sockit_socket sock;\n  \
             short events;\n} sockit_pollfd;\n/**\n * d\n */\n\
             int sockit_f(sockit_socket sock, sockit_reader **out, sockit_fn cb);\n",
        )
        .unwrap();
        let code = "sockit_f(s, &r, handler);\nsockit_pollfd fds[2] = {{a, 1}, {b, 2}};\n";
        let ty = |name: &str| inferred_type(code, name, &header);
        assert_eq!(ty("s").as_deref(), Some("sockit_socket"));
        assert_eq!(ty("r").as_deref(), Some("sockit_reader *"));
        assert_eq!(ty("handler").as_deref(), Some("sockit_fn"));
        assert_eq!(ty("b").as_deref(), Some("sockit_socket"));
        assert_eq!(ty("nowhere"), None);
    }

    #[test]
    fn an_example_must_compile_and_link() {
        if !on_path("cc") || !on_path("ar") {
            eprintln!("no cc or ar here: the examples' compiler is checked by check-man");
            return;
        }
        let dir = std::env::temp_dir().join(format!("sockit-example-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // An empty static library: what these examples call is the C library's own.
        let lib = dir.join("libempty.a");
        assert!(
            Command::new("ar")
                .arg("rc")
                .arg(&lib)
                .status()
                .unwrap()
                .success()
        );
        let header = header::parse("/* x */\n").unwrap();
        let compile =
            |code: &str| compile_example(&dir.join("x"), code, "test.3", &header, &lib, &[]);
        assert_eq!(compile("printf(\"%d\\n\", 1);\nif (1) ...\n"), Ok(()));
        let broken = compile("int x = ;\n").unwrap_err();
        assert!(
            broken.contains("does not compile") && broken.contains("test.3"),
            "{broken}"
        );
        let unlinked = compile("sockit_nothing_such();\n").unwrap_err();
        assert!(unlinked.contains("does not compile"), "{unlinked}");
        let unknown = compile("printf(\"%d\", mystery);\n").unwrap_err();
        assert!(
            unknown.contains("uses mystery without declaring it"),
            "{unknown}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn layout_does_not_count_in_a_prototype() {
        assert_eq!(
            normalized("int\n     sockit_f(const char *a,\n   int b);"),
            normalized("int sockit_f(const char * a, int b);")
        );
    }
}
