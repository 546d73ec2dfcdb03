//! The C API as the manual presents it: the header's declarations grouped in sections, each
//! with its title, prose and examples, and the meaning of every error code.
//!
//! Sections come from the header itself when it has them (free-standing comments, see
//! `header`); until then from the Rust modules it is generated from: each `src/ffi/` file
//! whose docs open with `Header section: <title>.` is a section, holding what that file
//! defines (or, for what a file without such docs defines, the section file that names it
//! most).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use super::header::{Header, Item, Kind};
use super::text::{self, Block};

pub struct Section {
    pub title: String,
    /// Prose and examples (code blocks).
    pub prose: Vec<Block>,
    /// The names of its declarations, in header order.
    pub items: Vec<String>,
}

impl Section {
    pub fn examples(&self) -> impl Iterator<Item = &str> {
        self.prose.iter().filter_map(|block| match block {
            Block::Code(code) => Some(code.as_str()),
            _ => None,
        })
    }
}

pub struct Api {
    pub header: Header,
    /// Where the sections came from, for the pages' source line.
    pub sections_from: &'static str,
    pub sections: Vec<Section>,
    pub functions: BTreeSet<String>,
    pub types: BTreeSet<String>,
    pub constants: BTreeSet<String>,
    /// `SOCKIT_E...` name -> (value, meaning).
    pub errors: BTreeMap<String, (String, String)>,
    pub error_names: BTreeSet<String>,
}

impl Api {
    /// Reads `include/sockit.h` under `root` (and `src/ffi/` there, when the header has no
    /// sections of its own).
    pub fn read(root: &Path) -> Result<Api, String> {
        let path = root.join("include/sockit.h");
        let text =
            fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let header = super::header::parse(&text)?;
        let (sections, sections_from) = if header.sections.is_empty() {
            (module_sections(&header, &root.join("src/ffi"))?, "src/ffi")
        } else {
            (header_sections(&header), "include/sockit.h")
        };
        Ok(Api::new(header, sections, sections_from))
    }

    fn new(header: Header, sections: Vec<Section>, sections_from: &'static str) -> Api {
        let names = |keep: fn(&Item) -> bool| -> BTreeSet<String> {
            header
                .items
                .iter()
                .filter(|i| keep(i))
                .map(|i| i.name.clone())
                .collect()
        };
        let functions = names(Item::is_function);
        let types = names(Item::is_type);
        let constants = names(Item::is_constant);
        let errors = header
            .items
            .iter()
            .filter(|i| i.name.starts_with("SOCKIT_E"))
            .filter_map(|i| match &i.kind {
                // Error codes are negative (SOCKIT_EVENT_LOOP is a mode).
                Kind::Constant { value } if value.starts_with('-') => Some((
                    i.name.clone(),
                    (
                        value.clone(),
                        i.doc.split_whitespace().collect::<Vec<_>>().join(" "),
                    ),
                )),
                _ => None,
            })
            .collect::<BTreeMap<_, _>>();
        let error_names = errors.keys().cloned().collect();
        Api {
            error_names,
            header,
            sections_from,
            sections,
            functions,
            types,
            constants,
            errors,
        }
    }

    /// The section that holds `name`.
    pub fn section_of(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.items.iter().any(|i| i == name))
    }

    /// The first sentence of the item's doc, as a NAME line's description: lower case,
    /// without its parenthesized asides and its end.
    pub fn summary(&self, name: &str) -> String {
        let doc = self.header.item(name).map_or("", |i| i.doc.as_str());
        summary(doc)
    }
}

pub fn summary(doc: &str) -> String {
    let first_paragraph = text::blocks(doc)
        .into_iter()
        .find_map(|b| match b {
            Block::Paragraph(p) => Some(p),
            _ => None,
        })
        .unwrap_or_default();
    let sentence = text::sentences(&first_paragraph)
        .into_iter()
        .next()
        .unwrap_or_default();
    // Without parenthesized asides.
    let mut plain = String::new();
    let mut depth = 0;
    for c in sentence.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let plain = plain
        .replace(" ,", ",")
        .replace(" .", ".")
        .replace(" :", ":");
    // Up to the first colon, semicolon or full stop: the rest is detail.
    let cut = [": ", "; ", ". "]
        .iter()
        .filter_map(|end| plain.find(end))
        .min()
        .map_or(plain.as_str(), |at| &plain[..at]);
    let cut = cut.trim().trim_end_matches(['.', ',']);
    let mut chars = cut.chars();
    match (chars.next(), chars.clone().next()) {
        // "The port" -> "the port", but "IPv4" and "SOCKIT_TCP" stay.
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => cut.to_string(),
    }
}

/// The header's own sections; what comes before the first one joins it.
fn header_sections(header: &Header) -> Vec<Section> {
    let mut sections: Vec<Section> = header
        .sections
        .iter()
        .map(|s| Section {
            title: s.title.clone(),
            prose: text::blocks(&s.prose),
            items: Vec::new(),
        })
        .collect();
    for item in header.unique_items() {
        let index = item.section.unwrap_or(0);
        sections[index].items.push(item.name.clone());
    }
    sections
}

/// A `src/ffi/` file: its section docs, if any, and its text.
struct Module {
    section: Option<(String, Vec<Block>)>,
    text: String,
}

fn module_sections(header: &Header, ffi: &Path) -> Result<Vec<Section>, String> {
    let mut modules = Vec::new();
    read_modules(ffi, &mut modules)?;
    let defines = |module: &Module, name: &str| {
        [
            format!("fn {name}("),
            format!("const {name}:"),
            format!("struct {name} "),
            format!("struct {name}{{"),
            format!("type {name} "),
            format!("type {name}="),
        ]
        .iter()
        .any(|pattern| module.text.contains(pattern.as_str()))
    };
    let mentions =
        |module: &Module, name: &str| text::words(&module.text).filter(|w| *w == name).count();

    let mut sections: Vec<Section> = Vec::new();
    let mut by_title: BTreeMap<String, usize> = BTreeMap::new();
    let mut previous: Option<usize> = None;
    for item in header.unique_items() {
        let name = item.name.as_str();
        let with_section = |m: &&Module| m.section.is_some();
        let module = modules
            .iter()
            .filter(with_section)
            .find(|m| defines(m, name))
            .or_else(|| {
                let defined_elsewhere = modules.iter().any(|m| defines(m, name));
                defined_elsewhere
                    .then(|| {
                        modules
                            .iter()
                            .filter(with_section)
                            .max_by_key(|m| mentions(m, name))
                            .filter(|m| mentions(m, name) > 0)
                    })
                    .flatten()
            });
        let index = match module.and_then(|m| m.section.as_ref()) {
            Some((title, prose)) => *by_title.entry(title.clone()).or_insert_with(|| {
                sections.push(Section {
                    title: title.clone(),
                    prose: prose.clone(),
                    items: Vec::new(),
                });
                sections.len() - 1
            }),
            None => previous.ok_or_else(|| {
                format!("{name}: no src/ffi/ file with a `Header section:` doc defines it")
            })?,
        };
        sections[index].items.push(name.to_string());
        previous = Some(index);
    }
    Ok(sections)
}

fn read_modules(dir: &Path, modules: &mut Vec<Module>) -> Result<(), String> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("read {}: {e}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_modules(&path, modules)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text =
                fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
            modules.push(Module {
                section: module_section(&text),
                text,
            });
        }
    }
    Ok(())
}

/// `//! Header section: <title>.` and the module docs after the first paragraph, less the
/// paragraphs written for the Rust side's maintainers.
fn module_section(source: &str) -> Option<(String, Vec<Block>)> {
    let docs: Vec<&str> = source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            let l = l.trim_start_matches("//!");
            l.strip_prefix(' ').unwrap_or(l)
        })
        .collect();
    let docs = docs.join("\n");
    let rest = docs.strip_prefix("Header section:")?;
    let title_end = rest
        .char_indices()
        .find(|&(i, c)| c == '.' && rest[i + 1..].chars().next().is_none_or(char::is_whitespace))
        .map_or(rest.len(), |(i, _)| i);
    let title = capitalized(rest[..title_end].trim().trim_end_matches('.'));
    let mut blocks = text::blocks(rest);
    blocks.remove(0);
    blocks.retain(|b| !for_maintainers(b));
    Some((title, blocks))
}

/// Text about the Rust side (cbindgen, `cfg`s, Rust items), not for C programmers.
pub fn for_maintainers(block: &Block) -> bool {
    match block {
        Block::Paragraph(text) => ["cbindgen", "cfg(", "[`", "build.rs", "src/"]
            .iter()
            .any(|word| text.contains(word)),
        _ => false,
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_short_lower_case_and_plain() {
        assert_eq!(
            summary("Connects to host (a name such as \"x\") on port, trying each. More."),
            "connects to host on port, trying each"
        );
        assert_eq!(summary("The port: 1 to 65535."), "the port");
        assert_eq!(summary("SOCKIT_TCP: a server."), "SOCKIT_TCP");
        assert_eq!(summary("IPv4 only."), "IPv4 only");
        assert_eq!(summary("Parses \"[::1]:7\"; more."), "parses \"[::1]:7\"");
        assert_eq!(
            summary("Connects to host. timeout_ms bounds it."),
            "connects to host"
        );
    }

    #[test]
    fn module_docs_give_a_title_and_the_prose_for_c_programmers() {
        let source = "//! Header section: messages over TCP.\n//!\n//! A stream. More.\n//!\n\
                      //! ```c\n//! x();\n//! ```\n//!\n//! cbindgen turns these into...\n\nuse x;\n";
        let (title, prose) = module_section(source).unwrap();
        assert_eq!(title, "Messages over TCP");
        assert_eq!(
            prose,
            [
                Block::Paragraph("A stream. More.".into()),
                Block::Code("x();\n".into())
            ]
        );
        assert!(module_section("//! The boundary.\n").is_none());
    }

    #[test]
    fn every_declaration_of_the_real_header_has_a_section() {
        let api = Api::read(&crate::package::root()).unwrap();
        let mut seen = BTreeSet::new();
        for section in &api.sections {
            assert!(!section.title.is_empty());
            for item in &section.items {
                assert!(seen.insert(item.clone()), "{item} is in two sections");
            }
        }
        for item in api.header.unique_items() {
            assert!(seen.contains(&item.name), "{} has no section", item.name);
        }
        assert!(api.errors.contains_key("SOCKIT_ECONNREFUSED"));
        assert!(!api.errors.contains_key("SOCKIT_EVENT_LOOP"));
        assert_eq!(
            api.section_of("sockit_tcp_connect")
                .map(|s| s.title.as_str()),
            api.section_of("sockit_tcp_listen")
                .map(|s| s.title.as_str())
        );
    }
}
