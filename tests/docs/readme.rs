//! The README as a C programmer uses it: every ```c block compiles as shown, the API table
//! lists exactly the header's functions, and the event loop's read-pause bound it states is
//! the code's.
//!
//! How a ```c block is compiled (`-Wall -Wextra -Werror`, against include/sockit.h, linked to
//! the static library of this build, by the harness's `build_generated_program`):
//! - a block with `int main(` is a whole program, compiled exactly as shown;
//! - any other block is a fragment: statements, compiled as the body of a function, after
//!   `#include`s of <stdio.h>, <stdlib.h>, <string.h> and "sockit.h". What the statements use
//!   without declaring it is that function's parameters, given by an HTML comment (invisible
//!   on the rendered page) on the line before the block: `<!-- c-fragment: sockit_socket sock -->`.
//!   Without one the function takes no parameters.
//!
//! Each block is preceded by `#line`, so the compiler's messages name README.md and its line.

#[path = "../support/mod.rs"]
mod support;

#[allow(dead_code)] // the parser of the header's prototypes; this test needs names and comments
#[path = "../bad_input/prototypes.rs"]
mod prototypes;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

const FRAGMENT_MARKER: &str = "<!-- c-fragment:";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}

/// A ```c block of the README.
struct CBlock {
    /// The README line of the block's first line of code (1-based).
    line: usize,
    code: String,
    /// The parameters a `<!-- c-fragment: ... -->` comment before the block gives.
    params: Option<String>,
}

impl CBlock {
    fn is_program(&self) -> bool {
        self.code
            .lines()
            .any(|l| l.trim_start().starts_with("int main("))
    }

    /// The C file that compiles it: the block as shown, or a fragment wrapped in a function.
    fn source(&self) -> Result<String, String> {
        let located = format!("#line {} \"README.md\"\n{}", self.line, self.code);
        if self.is_program() {
            return match &self.params {
                Some(_) => Err("a whole program (it has `int main(`) marked c-fragment".into()),
                None => Ok(located),
            };
        }
        let params = self.params.as_deref().unwrap_or("void");
        Ok(format!(
            "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n\
             #include \"sockit.h\"\n\n\
             void readme_fragment({params});\n\
             void readme_fragment({params}) {{\n{located}}}\n\n\
             int main(void) {{\n    return 0;\n}}\n"
        ))
    }
}

/// Every ```c block of `readme`, in order.
fn c_blocks(readme: &str) -> Vec<CBlock> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```c" {
            i += 1;
            continue;
        }
        let before = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
        let params = before
            .and_then(|l| l.trim().strip_prefix(FRAGMENT_MARKER))
            .and_then(|rest| rest.strip_suffix("-->"))
            .map(|params| params.trim().to_string());
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("README.md line {}: a ```c block never closes", i + 1));
        let mut code = lines[start..end].join("\n");
        code.push('\n');
        blocks.push(CBlock {
            line: start + 1,
            code,
            params,
        });
        i = end + 1;
    }
    blocks
}

/// Under Wine (`SOCKIT_PRELINKED`, see tests/support) the build machine's compiler cannot be
/// started.
fn compiler_out_of_reach() -> bool {
    let unreachable = std::env::var_os(support::PRELINKED).is_some();
    if unreachable {
        eprintln!("note: SOCKIT_PRELINKED is set: the README's C blocks are not compiled");
    }
    unreachable
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

#[test]
fn every_c_block_of_the_readme_compiles_as_shown() {
    if compiler_out_of_reach() {
        return;
    }
    let blocks = c_blocks(&read("README.md"));
    assert!(
        blocks.len() >= 3,
        "found {} ```c blocks in README.md",
        blocks.len()
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme");
    fs::create_dir_all(&dir).unwrap();

    let failures: Vec<String> = thread::scope(|scope| {
        let builds: Vec<_> = blocks
            .iter()
            .map(|block| {
                let source = dir.join(format!("readme_line_{}.c", block.line));
                scope.spawn(move || -> Result<PathBuf, String> {
                    fs::write(&source, block.source()?).unwrap();
                    Ok(support::build_generated_program(&source))
                })
            })
            .collect();
        blocks
            .iter()
            .zip(builds)
            .filter_map(|(block, build)| {
                let kind = if block.is_program() {
                    "program"
                } else {
                    "fragment"
                };
                let problem = match build.join() {
                    Ok(Ok(exe)) if exe.is_file() => return None,
                    Ok(Ok(exe)) => format!("no program at {}", exe.display()),
                    Ok(Err(problem)) => problem,
                    Err(panic) => panic_text(&*panic),
                };
                Some(format!(
                    "README.md line {}: the ```c block ({kind}) there does not build: {problem}",
                    block.line - 1
                ))
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The names in backticks in the README's API table ("## The API", "By header section"),
/// with their lines: `sockit_...` names and the tutorial's `Die` and `HandleClient`, not the
/// `SOCKIT_...` constants. `_suffix` after a name abbreviates that name with its last word
/// replaced: "`sockit_reader_new_fixed` / `_delimited`" names sockit_reader_new_delimited.
fn api_table_names(readme: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = readme.lines().collect();
    let section = lines
        .iter()
        .position(|l| l.trim_end() == "## The API")
        .expect("README.md has a section \"## The API\"");
    let table_intro = (section..lines.len())
        .take_while(|&i| i == section || !lines[i].starts_with("## "))
        .find(|&i| lines[i].trim() == "By header section:")
        .expect("\"## The API\" has a \"By header section:\" table");
    let rows = (table_intro + 1..lines.len())
        .skip_while(|&i| lines[i].trim().is_empty())
        .take_while(|&i| lines[i].starts_with('|'))
        .skip(2); // the heading row and the |---| row
    let is_identifier = |word: &str| {
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut names = Vec::new();
    for i in rows {
        let functions = lines[i].split('|').nth(2).unwrap_or_default();
        let mut last_full: Option<&str> = None;
        for word in functions.split('`').skip(1).step_by(2) {
            if !is_identifier(word) || !word.chars().any(|c| c.is_ascii_lowercase()) {
                continue; // not a name, or a constant
            }
            if word.starts_with('_') {
                let full = last_full.unwrap_or_else(|| {
                    panic!(
                        "README.md line {}: `{word}` abbreviates no name before it",
                        i + 1
                    )
                });
                let stem = full.rsplit_once('_').map_or(full, |(stem, _)| stem);
                names.push((i + 1, format!("{stem}{word}")));
            } else {
                last_full = Some(word);
                names.push((i + 1, word.to_string()));
            }
        }
    }
    names
}

/// The type names the header declares: `typedef ... name;`, `} name;`, `(*name)`.
fn header_types(header: &str) -> BTreeSet<String> {
    let mut types = BTreeSet::new();
    for line in header.lines() {
        if let Some((_, pointer)) = line.split_once("(*") {
            types.extend(pointer.split(')').next().map(str::to_owned));
        } else if line.starts_with("typedef") || line.starts_with('}') {
            let last = line
                .trim_end()
                .strip_suffix(';')
                .and_then(|l| l.rsplit([' ', '*']).next());
            types.extend(last.map(str::to_owned));
        }
    }
    types
}

#[test]
fn readme_api_table_lists_exactly_the_header_functions() {
    let readme = read("README.md");
    let header = read("include/sockit.h");
    let functions: BTreeSet<String> = prototypes::read(&header)
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(functions.contains("sockit_tcp_connect") && functions.contains("Die"));
    let types = header_types(&header);
    assert!(types.contains("sockit_addr") && types.contains("sockit_timer_fn"));

    let table = api_table_names(&readme);
    let listed: BTreeMap<&str, usize> = table.iter().map(|(l, n)| (n.as_str(), *l)).collect();
    let mut problems = Vec::new();
    for name in &functions {
        if !listed.contains_key(name.as_str()) {
            problems.push(format!(
                "{name} is in include/sockit.h but not in README.md's API table"
            ));
        }
    }
    for (line, name) in &table {
        if !functions.contains(name) && !types.contains(name) {
            problems.push(format!(
                "README.md line {line}: the API table names {name}, which include/sockit.h \
                 does not declare"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `PAUSE_READING_AT` in src/server/loop_conn.rs, in bytes.
fn pause_reading_at() -> usize {
    let source = read("src/server/loop_conn.rs");
    let expression = source
        .lines()
        .find(|l| l.contains("const PAUSE_READING_AT: usize ="))
        .and_then(|l| l.split_once('=')?.1.trim().strip_suffix(';'))
        .expect("src/server/loop_conn.rs defines PAUSE_READING_AT");
    expression
        .split('*')
        .map(|factor| factor.trim().replace('_', "").parse::<usize>())
        .product::<Result<usize, _>>()
        .unwrap_or_else(|e| panic!("PAUSE_READING_AT = {expression}: {e}"))
}

/// A size as the README and the header write it: "64 KiB", "1 MiB"; a bound of one byte is
/// "anything".
fn size_text(bytes: usize) -> String {
    match bytes {
        1 => "anything".to_string(),
        b if b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn readme_and_header_state_the_event_loops_read_pause_bound_of_the_code() {
    let bound = size_text(pause_reading_at());
    let readme = read("README.md");
    let paragraphs: Vec<String> = readme
        .split("\n\n")
        .filter(|p| p.contains("`PAUSE_READING_AT`"))
        .map(one_line)
        .collect();
    assert!(
        !paragraphs.is_empty(),
        "README.md does not name PAUSE_READING_AT where it says when the event loop stops \
         reading"
    );
    for paragraph in &paragraphs {
        assert!(
            paragraph.contains(&bound),
            "README.md names PAUSE_READING_AT ({bound} in src/server/loop_conn.rs) but does \
             not say {bound}: {paragraph}"
        );
    }
    let header = read("include/sockit.h");
    let write = prototypes::read(&header)
        .into_iter()
        .find(|p| p.name == "sockit_conn_write")
        .expect("the header declares sockit_conn_write");
    assert!(
        one_line(&write.doc).contains(&bound),
        "the header's sockit_conn_write does not say the event loop stops reading at {bound} \
         (PAUSE_READING_AT): {}",
        one_line(&write.doc)
    );
}
