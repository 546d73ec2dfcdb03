//! Lays out `include/sockit.h` the way a C programmer reads a library's header (libuv's
//! `uv.h`): one section per `src/ffi/` file, in the order `src/ffi/mod.rs` declares them,
//! each opening with the file's prose and examples (its `//!` lines after `Header section:`),
//! then its constants, types and functions together.
//!
//! cbindgen writes every constant first, then every type, then every function; this takes
//! its output apart at the blank lines between declarations and puts each declaration in
//! the section of the file that defines it. The error codes, written once in
//! `src/error.rs`, are added to the first section here (cbindgen does not expand the macro
//! that makes their Rust constants). The comments are made to speak C: no Markdown
//! backticks or links, and Rust's `# Safety` heading becomes "The caller's part:".

use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// One section: its title, prose, and the names the file declares.
struct Section {
    title: String,
    prose: Vec<String>,
    names: Vec<String>,
    chunks: Vec<String>,
}

/// Rearranges cbindgen's output `raw` into sections.
pub fn lay_out(raw: &str, manifest_dir: &Path) -> String {
    let ffi = manifest_dir.join("src/ffi");
    let mut sections = sections(&ffi);
    let (prologue, rest) = raw
        .split_once("\n#ifdef __cplusplus\nextern \"C\" {\n#endif // __cplusplus\n")
        .expect("cbindgen's extern \"C\" opening");
    let (functions, _) = rest
        .split_once("\n#ifdef __cplusplus\n}  // extern \"C\"\n#endif  // __cplusplus\n")
        .expect("cbindgen's extern \"C\" closing");
    // The prologue ends with the after_includes text: the declarations come after
    // `struct sockaddr;`.
    let (head, declarations) = prologue
        .split_once("\nstruct sockaddr;\n")
        .expect("the after_includes text of cbindgen.toml");

    let owner: HashMap<String, usize> = sections
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.names.iter().map(move |n| (n.clone(), i)))
        .collect();
    for chunk in chunks(declarations).chain(chunks(functions)) {
        let name = declared_name(&chunk)
            .unwrap_or_else(|| panic!("no declared name in this part of the header:\n{chunk}"));
        let section = *owner
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is in the header but in no src/ffi file"));
        sections[section].chunks.push(speak_c(&chunk));
        if name == "SOCKIT_OK" {
            sections[section]
                .chunks
                .extend(error_code_chunks(manifest_dir));
        }
    }

    let mut header =
        format!("{head}\nstruct sockaddr;\n\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n");
    for section in sections.iter().filter(|s| !s.chunks.is_empty()) {
        header.push('\n');
        header.push_str(&banner(section));
        for chunk in &section.chunks {
            header.push('\n');
            header.push_str(chunk);
            header.push('\n');
        }
    }
    header.push_str(
        "\n#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n#endif  /* SOCKIT_H */\n",
    );
    header
}

/// The sections, from `src/ffi/mod.rs`'s `pub mod` lines in order. A file without a
/// `Header section:` title (the server's callback types) joins the next file's section.
fn sections(ffi: &Path) -> Vec<Section> {
    let module_list = fs::read_to_string(ffi.join("mod.rs")).expect("read src/ffi/mod.rs");
    let mut sections = Vec::new();
    let mut pending_names = Vec::new();
    for module in module_list
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
    {
        let source = fs::read_to_string(ffi.join(format!("{module}.rs")))
            .unwrap_or_else(|e| panic!("read src/ffi/{module}.rs: {e}"));
        let mut names = std::mem::take(&mut pending_names);
        names.extend(declared_in_source(&source));
        let docs: Vec<&str> = source
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let Some(title) = docs
            .first()
            .and_then(|l| l.strip_prefix("Header section: "))
        else {
            pending_names = names;
            continue;
        };
        // The title is the first sentence; the rest of the first paragraph and the others
        // are the prose.
        let (title, first_rest) = match title.split_once(". ") {
            Some((title, rest)) => (title.trim_end_matches('.'), Some(rest)),
            None => (title.trim_end_matches('.'), None),
        };
        let mut prose: Vec<String> = first_rest.map(str::to_owned).into_iter().collect();
        prose.extend(docs[1..].iter().map(|l| l.to_string()));
        while prose.first().is_some_and(|l| l.is_empty()) {
            prose.remove(0);
        }
        sections.push(Section {
            title: capitalized(title),
            prose,
            names,
            chunks: Vec::new(),
        });
    }
    assert!(
        pending_names.is_empty(),
        "the last src/ffi file needs a section title"
    );
    sections
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The C names a Rust file of `src/ffi/` declares: its exported functions, constants and
/// types.
fn declared_in_source(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in source.lines().map(str::trim_start) {
        for prefix in [
            "pub const ",
            "pub struct ",
            "pub type ",
            "pub enum ",
            "pub fn ",
            "pub extern \"C\" fn ",
            "pub unsafe extern \"C\" fn ",
        ] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                names.push(name);
            }
        }
    }
    names
}

/// The declarations of a part of cbindgen's output, each with its comment (and the `#if`
/// around it), as cbindgen separates them: by a blank line.
fn chunks(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("\n\n")
        .map(|c| c.trim_matches('\n'))
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
}

/// The name a chunk declares: a macro, a type, or a function.
fn declared_name(chunk: &str) -> Option<String> {
    let code: Vec<&str> = chunk
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("/**") || t.starts_with('*') || t.starts_with("#if") || t == "#endif")
        })
        .collect();
    let first = code.first()?;
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(rest) = first.strip_prefix("#define ") {
        return Some(ident(rest));
    }
    let joined = code.join(" ");
    if joined.starts_with("typedef") {
        // A function pointer names itself in `(*name)`; anything else last, before `;`.
        if let Some((_, rest)) = joined.split_once("(*") {
            return Some(ident(rest));
        }
        let end = joined.trim_end().trim_end_matches(';');
        let start = end.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
        return Some(end[start + 1..].to_owned());
    }
    // A function: the word before its first parenthesis.
    let before = &joined[..joined.find('(')?];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    Some(before[start..].to_owned())
}

/// A comment in C terms: no Markdown backticks or intra-doc links, and the `# Safety`
/// heading of Rust's unsafe functions as the caller's part.
fn speak_c(chunk: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut lines = chunk.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "* # Safety" {
            // Drop the heading and the blank comment line after it; the next line says what
            // the caller must make sure of.
            if lines.peek().is_some_and(|l| l.trim() == "*") {
                lines.next();
            }
            if let Some(next) = lines.next() {
                let indent = &next[..next.find('*').unwrap_or(0)];
                let text = next.trim_start().trim_start_matches('*').trim_start();
                out.push(format!("{indent}* The caller's part: {text}"));
            }
            continue;
        }
        out.push(line.to_owned());
    }
    without_markdown(&out.join("\n"))
}

/// Text without Markdown code spans and intra-doc links: `[`name`]` and `` `name` `` become
/// name.
fn without_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if after[..close].starts_with('`') && after[..close].ends_with('`') => {
                out.push_str(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// The error codes of `src/error.rs`'s one list, as the header's constants.
fn error_code_chunks(manifest_dir: &Path) -> Vec<String> {
    let source = fs::read_to_string(manifest_dir.join("src/error.rs")).expect("read src/error.rs");
    let list = source
        .split_once("macro_rules! with_error_codes {")
        .expect("the error code list in src/error.rs")
        .1;
    let mut chunks = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    for line in list.lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if let Some((_, rest)) = line.split_once(" / ") {
            let (name, rest) = rest.split_once(" = ").expect("NAME = value");
            let value = rest.split(',').next().expect("a value");
            let comment: String = doc.iter().map(|l| format!(" * {l}\n")).collect();
            chunks.push(without_markdown(&format!(
                "/**\n{comment} */\n#define {name} {value}"
            )));
            doc.clear();
        } else if line == "}" {
            break;
        }
    }
    assert!(chunks.len() > 30, "the error code list was not found whole");
    chunks
}

/// A section's opening comment: its title and prose, examples indented.
fn banner(section: &Section) -> String {
    let rule = "=".repeat(88);
    let mut text = format!("/* {rule}\n * {}\n", section.title);
    let mut in_code = false;
    let prose = without_markdown_outside_code(&section.prose);
    if !prose.is_empty() {
        text.push_str(" *\n");
    }
    for line in prose {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        match (in_code, line.is_empty()) {
            (_, true) => text.push_str(" *\n"),
            // A comment in an example would end the banner: it becomes a // comment.
            (true, false) => {
                let line = line.replace("/*", "//").replace(" */", "");
                text.push_str(&format!(" *     {line}\n"));
            }
            (false, false) => text.push_str(&format!(" * {line}\n")),
        }
    }
    text.push_str(&format!(" * {rule} */\n"));
    text
}

/// The prose lines, Markdown taken out of the text but not out of code examples.
fn without_markdown_outside_code(lines: &[String]) -> Vec<String> {
    let mut in_code = false;
    lines
        .iter()
        .map(|line| {
            if line.starts_with("```") {
                in_code = !in_code;
                return line.clone();
            }
            if in_code {
                line.clone()
            } else {
                without_markdown(line)
            }
        })
        .collect()
}
