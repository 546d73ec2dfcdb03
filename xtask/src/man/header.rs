//! include/sockit.h read as a C programmer reads it: the file's opening comment, then its
//! declarations in order, each with the doc comment (`/** ... */`) right above it and the
//! preprocessor condition it sits in.
//!
//! A block comment that is not right above a declaration (a blank line or another comment
//! follows it) is free-standing: it opens a section of the header, and its text is that
//! section's prose (a first line such as `==== Sockets ====` or `Header section: sockets.`
//! is the section's title, and the comment right after such a marker is the section's prose,
//! even with no blank line before the declaration that follows). Declarations before any
//! such comment belong to no section; when the header has none, the caller takes the
//! sections from the Rust modules the header is generated from.

/// What a declaration declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A function: its return type, parameters (type and name as written), and whether it
    /// never returns (`SOCKIT_NORETURN`).
    Function {
        returns: String,
        params: Vec<(String, String)>,
        no_return: bool,
    },
    /// `#define NAME value`.
    Constant { value: String },
    /// `typedef struct NAME NAME;`: a type the caller sees only through pointers.
    Opaque,
    /// `typedef struct NAME { ... } NAME;`: its fields with their comments.
    Struct { fields: Vec<Field> },
    /// `typedef RET (*NAME)(...)`: a callback the caller writes.
    Callback,
    /// Any other typedef (`typedef int sockit_socket;`).
    Alias,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub declaration: String,
    pub name: String,
    pub doc: String,
}

/// One declaration of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub kind: Kind,
    /// The doc comment's text, without the comment marks (blank lines kept).
    pub doc: String,
    /// The declaration as the header writes it (several lines for a long prototype).
    pub declaration: String,
    /// The `#if` it sits in, if any (`!defined(_WIN32)`).
    pub condition: Option<String>,
    /// Which free-standing comment of the header precedes it (an index into
    /// `Header::sections`), if any.
    pub section: Option<usize>,
}

/// A free-standing comment of the header: a section's title and prose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionComment {
    pub title: String,
    pub prose: String,
    /// Whether the next comment may still be this section's prose: a marker line came alone.
    /// A banner (rule, title, prose, rule) is whole, even with no prose.
    pub awaits_prose: bool,
}

#[derive(Debug)]
pub struct Header {
    /// The opening comment of the file (the conventions every function follows).
    pub preamble: String,
    pub sections: Vec<SectionComment>,
    pub items: Vec<Item>,
}

impl Header {
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.name == name)
    }

    pub fn functions(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|item| item.is_function())
    }

    /// Each declaration once: a type declared once per platform (`sockit_socket` is an int
    /// on Unix and a SOCKET on Windows) is one item, its first declaration.
    pub fn unique_items(&self) -> Vec<&Item> {
        let mut seen = std::collections::BTreeSet::new();
        self.items
            .iter()
            .filter(|item| seen.insert(item.name.as_str()))
            .collect()
    }

    /// The other declarations of the same name (the Windows `sockit_socket`).
    pub fn variants(&self, name: &str) -> Vec<&Item> {
        self.items.iter().filter(|item| item.name == name).collect()
    }
}

impl Item {
    pub fn is_function(&self) -> bool {
        matches!(self.kind, Kind::Function { .. })
    }

    pub fn is_type(&self) -> bool {
        matches!(
            self.kind,
            Kind::Opaque | Kind::Struct { .. } | Kind::Callback | Kind::Alias
        )
    }

    pub fn is_constant(&self) -> bool {
        matches!(self.kind, Kind::Constant { .. })
    }
}

/// What a line of the header is, in the reader's state.
enum Pending {
    Nothing,
    /// A doc comment, waiting for its declaration.
    Doc(String),
    /// A plain or doc comment followed by a blank line or another comment: free-standing.
    Comment {
        text: String,
        closed_by_blank: bool,
    },
}

pub fn parse(text: &str) -> Result<Header, String> {
    let mut lines = text.lines().enumerate().peekable();
    let mut preamble = String::new();
    let mut items = Vec::new();
    let mut sections: Vec<SectionComment> = Vec::new();
    let mut conditions: Vec<Option<String>> = Vec::new();
    let mut pending = Pending::Nothing;
    let mut seen_anything = false;

    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            // A comment a blank line away from what follows is not that thing's doc.
            pending = match pending {
                Pending::Doc(text) | Pending::Comment { text, .. } => Pending::Comment {
                    text,
                    closed_by_blank: true,
                },
                Pending::Nothing => Pending::Nothing,
            };
            continue;
        }
        if let Some(after_opening) = trimmed.strip_prefix("/*") {
            let mut comment = vec![line.to_string()];
            let mut closed = after_opening.contains("*/");
            while !closed {
                let (_, next) = lines
                    .next()
                    .ok_or_else(|| format!("line {number}: a comment that never ends"))?;
                closed = next.contains("*/");
                comment.push(next.to_string());
            }
            let body = comment_text(&comment);
            if !seen_anything {
                seen_anything = true;
                preamble = body;
                continue;
            }
            // A comment after another one, or after a blank line: the earlier one stands
            // alone.
            flush_free_standing(&mut pending, &mut sections);
            // After a marker (a section titled but without prose yet, nothing declared in
            // it), the next comment is that section's prose, even right above a
            // declaration.
            let current_section = sections.len().checked_sub(1);
            let marker_waits = sections
                .last()
                .is_some_and(|s| s.prose.is_empty() && s.awaits_prose)
                && items
                    .last()
                    .is_none_or(|i: &Item| i.section != current_section);
            if marker_waits {
                open_section(body, &mut sections);
                continue;
            }
            let is_doc = trimmed.starts_with("/**") && !trimmed.starts_with("/**/");
            pending = if is_doc {
                Pending::Doc(body)
            } else {
                // A plain comment right above a declaration is a note on it (the header's
                // own notes on its macros), not documentation; a free-standing one opens
                // a section.
                Pending::Comment {
                    text: body,
                    closed_by_blank: false,
                }
            };
            continue;
        }
        seen_anything = true;
        if trimmed.starts_with("//") {
            continue;
        }
        if let Some(directive) = trimmed.strip_prefix('#') {
            let directive = directive.trim_start();
            if let Some(condition) = directive.strip_prefix("if ") {
                conditions.push(Some(condition.trim().to_string()));
            } else if directive.starts_with("ifdef") || directive.starts_with("ifndef") {
                conditions.push(None);
            } else if directive.starts_with("endif") {
                conditions.pop();
            } else if directive.starts_with("else") {
                let negated = conditions.pop().flatten().map(|c| format!("!({c})"));
                conditions.push(negated);
            } else if let Some(condition) = directive.strip_prefix("elif ") {
                conditions.pop();
                conditions.push(Some(condition.trim().to_string()));
            } else if let Some(define) = directive.strip_prefix("define ") {
                let doc = take_doc(&mut pending, &mut sections);
                if let Some(doc) = doc {
                    let (name, value) = define
                        .trim()
                        .split_once(char::is_whitespace)
                        .ok_or_else(|| format!("line {number}: #define without a value"))?;
                    items.push(Item {
                        name: name.to_string(),
                        kind: Kind::Constant {
                            value: value.trim().to_string(),
                        },
                        doc,
                        declaration: line.to_string(),
                        condition: current(&conditions),
                        section: sections.len().checked_sub(1),
                    });
                }
            } else {
                take_doc(&mut pending, &mut sections);
            }
            continue;
        }
        if trimmed.starts_with("extern \"C\"") || trimmed.starts_with('}') {
            take_doc(&mut pending, &mut sections);
            continue;
        }
        // A declaration, up to the `;` that ends it outside braces and parentheses.
        let mut declaration = vec![line.to_string()];
        while !declaration_ends(&declaration) {
            let (_, next) = lines
                .next()
                .ok_or_else(|| format!("line {number}: a declaration that never ends"))?;
            declaration.push(next.to_string());
        }
        let declaration = declaration.join("\n");
        let doc = take_doc(&mut pending, &mut sections);
        let Some(doc) = doc else {
            // Undocumented: the forward declaration of struct sockaddr and the like.
            continue;
        };
        let (name, kind) = declared(&declaration)
            .ok_or_else(|| format!("line {number}: cannot read the declaration {declaration:?}"))?;
        items.push(Item {
            name,
            kind,
            doc,
            declaration,
            condition: current(&conditions),
            section: sections.len().checked_sub(1),
        });
    }
    flush_free_standing(&mut pending, &mut sections);
    Ok(Header {
        preamble,
        sections,
        items,
    })
}

fn current(conditions: &[Option<String>]) -> Option<String> {
    conditions.iter().rev().find_map(Clone::clone)
}

/// A free-standing comment becomes a section; a section that has no declaration yet takes
/// the next free-standing comment as more prose (a title marker, then the prose).
fn flush_free_standing(pending: &mut Pending, sections: &mut Vec<SectionComment>) {
    let text = match std::mem::replace(pending, Pending::Nothing) {
        Pending::Comment { text, .. } | Pending::Doc(text) => text,
        Pending::Nothing => return,
    };
    open_section(text, sections);
}

fn open_section(text: String, sections: &mut Vec<SectionComment>) {
    let whole = is_banner(&text);
    let (title, prose) = title_and_prose(&text);
    if let Some(last) = sections
        .last_mut()
        .filter(|s| !whole && s.prose.is_empty() && s.awaits_prose)
    {
        // The marker line came alone; this comment is its prose.
        if last.title.is_empty() {
            last.title = title;
        }
        last.prose = prose;
        return;
    }
    sections.push(SectionComment {
        title,
        prose,
        awaits_prose: !whole,
    });
}

/// The doc comment waiting for the declaration that follows; a free-standing comment
/// before it opens a section first.
fn take_doc(pending: &mut Pending, sections: &mut Vec<SectionComment>) -> Option<String> {
    match std::mem::replace(pending, Pending::Nothing) {
        Pending::Doc(text) => Some(text),
        Pending::Comment {
            text,
            closed_by_blank: true,
        } => {
            open_section(text, sections);
            None
        }
        // A plain comment right above something: a note on it.
        Pending::Comment { .. } | Pending::Nothing => None,
    }
}

/// A line of decoration only (`====`).
fn is_rule(line: &str) -> bool {
    let decoration = |c: char| matches!(c, '=' | '-' | '#' | '*' | ' ');
    !line.trim().is_empty() && line.trim_matches(decoration).is_empty()
}

/// Whether a comment is a banner: a rule, then a title and prose.
fn is_banner(text: &str) -> bool {
    let mut lines = text.lines();
    lines.next().is_some_and(is_rule) && lines.next().is_some()
}

/// A section comment's title: its first line when that is a marker (decorated with `=`,
/// `-` or `#`, or labelled `Section:` / `Header section:`), else its first sentence. The
/// prose is the rest (all of it, when the title is a first sentence).
fn title_and_prose(text: &str) -> (String, String) {
    let decoration = |c: char| matches!(c, '=' | '-' | '#' | '*' | ' ');
    // A banner (the header's own sections): a rule, the title, the prose, a rule.
    let lines: Vec<&str> = text.lines().collect();
    if is_banner(text) {
        let body: Vec<&str> = lines[1..]
            .iter()
            .copied()
            .take_while(|l| !is_rule(l))
            .collect();
        let title = body[0].trim().trim_end_matches('.').to_string();
        return (title, body[1..].join("\n").trim().to_string());
    }
    let first = text.lines().next().unwrap_or_default();
    let undecorated = first.trim_matches(decoration);
    let labelled = ["Header section:", "Section:"]
        .iter()
        .find_map(|label| undecorated.strip_prefix(label));
    let decorated = undecorated.len() < first.trim().len();
    if labelled.is_some() || decorated {
        let title = labelled
            .unwrap_or(undecorated)
            .trim()
            .trim_end_matches('.')
            .to_string();
        let rest: Vec<&str> = text.lines().skip(1).collect();
        return (title, rest.join("\n").trim().to_string());
    }
    let title = first
        .split_once(". ")
        .map_or(first, |(sentence, _)| sentence)
        .trim_end_matches(['.', ':'])
        .to_string();
    (title, text.trim().to_string())
}

/// The text of a comment: without `/*`, `*/` and the ` * ` that starts each line.
fn comment_text(lines: &[String]) -> String {
    let mut text = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut line = line.trim_end();
        if i == 0 {
            line = line.trim_start();
            line = line
                .strip_prefix("/**")
                .or_else(|| line.strip_prefix("/*"))
                .unwrap_or(line);
        }
        if let Some(before) = line.strip_suffix("*/") {
            line = before.trim_end();
        }
        let stripped = line.trim_start();
        let stripped = match stripped.strip_prefix('*') {
            Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
            None if i == 0 => stripped,
            None => line,
        };
        text.push(stripped.trim_end().to_string());
    }
    let joined = text.join("\n");
    joined.trim_matches('\n').to_string()
}

fn declaration_ends(lines: &[String]) -> bool {
    let text = without_comments(&lines.join("\n"));
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth -= 1,
            _ => {}
        }
    }
    depth == 0 && text.trim_end().ends_with(';')
}

/// `text` without its `/* ... */` comments.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = match rest[start + 2..].find("*/") {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// The name and kind of a declaration.
fn declared(declaration: &str) -> Option<(String, Kind)> {
    let flat = without_comments(declaration)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let flat = flat.trim_end_matches(';').trim();
    if let Some(rest) = flat.strip_prefix("typedef ") {
        if rest.contains('{') {
            let body_end = rest.rfind('}')?;
            let name = rest[body_end + 1..].trim().to_string();
            let fields = fields(&declaration[declaration.find('{')? + 1..declaration.rfind('}')?]);
            return Some((name, Kind::Struct { fields }));
        }
        if let Some(at) = rest.find("(*") {
            let name = rest[at + 2..].split(')').next()?.trim().to_string();
            return Some((name, Kind::Callback));
        }
        let name = rest.rsplit([' ', '*']).next()?.to_string();
        let kind = if rest.starts_with("struct ") && rest.split_whitespace().count() == 3 {
            Kind::Opaque
        } else {
            Kind::Alias
        };
        return Some((name, kind));
    }
    let flat = flat.strip_prefix("extern ").unwrap_or(flat);
    let open = flat.find('(')?;
    let close = flat.rfind(')')?;
    let head = &flat[..open];
    let split = head.rfind([' ', '*'])? + 1;
    let (returns, name) = head.split_at(split);
    let args = &flat[open + 1..close];
    let params = if args.trim() == "void" {
        Vec::new()
    } else {
        args.split(',')
            .map(|arg| {
                let arg = arg.trim();
                let split = arg.rfind([' ', '*']).map_or(0, |i| i + 1);
                let (ty, name) = arg.split_at(split);
                (ty.trim().to_string(), name.to_string())
            })
            .collect()
    };
    Some((
        name.trim().to_string(),
        Kind::Function {
            returns: returns.trim().to_string(),
            params,
            no_return: flat[close..].contains("NORETURN"),
        },
    ))
}

/// A struct's fields, each with the doc comment above it.
fn fields(body: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut doc = Vec::new();
    let mut in_comment = false;
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("/*") {
            in_comment = !trimmed.contains("*/");
            doc.clear();
            doc.push(line.to_string());
            continue;
        }
        if in_comment {
            doc.push(line.to_string());
            in_comment = !trimmed.contains("*/");
            continue;
        }
        if let Some(declaration) = trimmed.strip_suffix(';') {
            let name = declaration
                .split('[')
                .next()
                .unwrap_or(declaration)
                .rsplit([' ', '*'])
                .next()
                .unwrap_or_default()
                .to_string();
            fields.push(Field {
                declaration: trimmed.to_string(),
                name,
                doc: if doc.is_empty() {
                    String::new()
                } else {
                    comment_text(&doc)
                },
            });
            doc.clear();
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\
/*
 * demo.h: the opening comment.
 *
 * - a convention
 */

#ifndef DEMO_H
#define DEMO_H

#include <stdint.h>

/* sockit_die() does not return. */
#if defined(__GNUC__)
#define SOCKIT_NORETURN __attribute__((noreturn))
#endif

struct sockaddr;

/**
 * Success.
 */
#define SOCKIT_OK 0

/**
 * A bad argument.
 */
#define SOCKIT_EINVAL -22

/* ==== Sockets ==== */

/**
 * Sockets are the system's own.
 *
 * ```c
 * sockit_socket s;
 * ```
 */

#if !defined(_WIN32)
/**
 * A socket.
 */
typedef int sockit_socket;
#endif

/**
 * An address.
 */
typedef struct sockit_addr {
  /**
   * The port.
   */
  uint16_t port;
  uint8_t ip[16];
} sockit_addr;

/**
 * Opaque.
 */
typedef struct sockit_reader sockit_reader;

/**
 * A callback.
 */
typedef void (*sockit_timer_fn)(int status, void *arg);

#ifdef __cplusplus
extern \"C\" {
#endif // __cplusplus

/**
 * Connects. Returns SOCKIT_OK.
 */
int sockit_tcp_connect(const char *host,
                       int port,
                       sockit_socket *out);

/**
 * The version.
 */
const char *sockit_version(void);

#if !defined(SOCKIT_OWN_DIE)
/**
 * Dies.
 */
extern void Die(const char *mess) SOCKIT_NORETURN;
#endif

#ifdef __cplusplus
}  // extern \"C\"
#endif  // __cplusplus

#endif  /* DEMO_H */
";

    #[test]
    fn reads_declarations_with_their_comments_and_conditions() {
        let header = parse(HEADER).unwrap();
        assert!(header.preamble.starts_with("demo.h: the opening comment."));
        assert!(header.preamble.ends_with("- a convention"));
        let names: Vec<&str> = header.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "SOCKIT_OK",
                "SOCKIT_EINVAL",
                "sockit_socket",
                "sockit_addr",
                "sockit_reader",
                "sockit_timer_fn",
                "sockit_tcp_connect",
                "sockit_version",
                "Die"
            ]
        );
        let connect = header.item("sockit_tcp_connect").unwrap();
        assert_eq!(connect.doc, "Connects. Returns SOCKIT_OK.");
        assert_eq!(
            connect.kind,
            Kind::Function {
                returns: "int".into(),
                params: vec![
                    ("const char *".into(), "host".into()),
                    ("int".into(), "port".into()),
                    ("sockit_socket *".into(), "out".into())
                ],
                no_return: false
            }
        );
        assert!(
            connect
                .declaration
                .contains("\n                       int port,")
        );
        let die = header.item("Die").unwrap();
        assert_eq!(die.condition.as_deref(), Some("!defined(SOCKIT_OWN_DIE)"));
        assert!(matches!(
            die.kind,
            Kind::Function {
                no_return: true,
                ..
            }
        ));
        assert_eq!(
            header.item("sockit_version").unwrap().kind,
            Kind::Function {
                returns: "const char *".into(),
                params: vec![],
                no_return: false
            }
        );
        assert_eq!(
            header.item("SOCKIT_EINVAL").unwrap().kind,
            Kind::Constant {
                value: "-22".into()
            }
        );
        assert_eq!(header.item("sockit_reader").unwrap().kind, Kind::Opaque);
        assert_eq!(header.item("sockit_timer_fn").unwrap().kind, Kind::Callback);
        assert_eq!(header.item("sockit_socket").unwrap().kind, Kind::Alias);
        let Kind::Struct { fields } = &header.item("sockit_addr").unwrap().kind else {
            panic!("sockit_addr is a struct");
        };
        assert_eq!(fields[0].name, "port");
        assert_eq!(fields[0].doc, "The port.");
        assert_eq!(fields[1].name, "ip");
        assert_eq!(fields[1].doc, "");
    }

    #[test]
    fn a_free_standing_comment_opens_a_section() {
        let header = parse(HEADER).unwrap();
        assert_eq!(header.sections.len(), 1);
        assert_eq!(header.sections[0].title, "Sockets");
        assert!(
            header.sections[0]
                .prose
                .starts_with("Sockets are the system's own.")
        );
        assert!(
            header.sections[0]
                .prose
                .contains("```c\nsockit_socket s;\n```")
        );
        assert_eq!(header.item("SOCKIT_OK").unwrap().section, None);
        assert_eq!(header.item("sockit_socket").unwrap().section, Some(0));
        assert_eq!(header.item("Die").unwrap().section, Some(0));
    }

    #[test]
    fn a_banner_is_a_whole_section_even_without_prose() {
        let header = parse(
            "/* preamble */\n\n\
             /* ====\n * Name resolution\n * ==== */\n\n\
             /**\n * Resolves a name.\n */\nint sockit_resolve(const char *host);\n\n\
             /* ====\n * Sockets\n *\n * Sockets are the system's own.\n * ==== */\n\n\
             /**\n * Closes.\n */\nint sockit_close(int sock);\n",
        )
        .unwrap();
        let titles: Vec<&str> = header.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Name resolution", "Sockets"]);
        assert_eq!(header.sections[0].prose, "");
        assert_eq!(header.sections[1].prose, "Sockets are the system's own.");
        assert_eq!(
            header.item("sockit_resolve").unwrap().doc.trim(),
            "Resolves a name."
        );
        assert_eq!(header.item("sockit_close").unwrap().section, Some(1));
    }

    #[test]
    fn a_section_comment_without_marker_is_titled_by_its_first_sentence() {
        let header = parse(&HEADER.replace("/* ==== Sockets ==== */\n\n", "")).unwrap();
        assert_eq!(header.sections.len(), 1);
        assert_eq!(header.sections[0].title, "Sockets are the system's own");
        let marked = HEADER.replace(
            "/* ==== Sockets ==== */\n\n/**\n * Sockets are the system's own.",
            "/* ==== Sockets ==== */\n/**\n * Sockets are the system's own.",
        );
        let marked = marked.replace(
            " * ```\n */\n\n#if !defined(_WIN32)",
            " * ```\n */\n#if !defined(_WIN32)",
        );
        assert!(!marked.contains("==== */\n\n") && !marked.contains("```\n */\n\n#if"));
        let header = parse(&marked).unwrap();
        assert_eq!(header.sections.len(), 1);
        assert_eq!(header.sections[0].title, "Sockets");
        assert!(
            header.sections[0]
                .prose
                .starts_with("Sockets are the system's own.")
        );
        assert_eq!(header.item("sockit_socket").unwrap().doc, "A socket.");
        let labelled = "Header section: TCP clients.\n\nMore.";
        assert_eq!(
            title_and_prose(labelled),
            ("TCP clients".to_string(), "More.".to_string())
        );
    }

    #[test]
    fn the_real_header_reads_whole() {
        let text =
            std::fs::read_to_string(crate::package::root().join("include/sockit.h")).unwrap();
        let header = parse(&text).unwrap();
        for name in [
            "sockit_tcp_connect",
            "Die",
            "HandleClient",
            "sockit_echo_udp_exchange",
        ] {
            assert!(header.item(name).is_some_and(Item::is_function), "{name}");
        }
        assert!(header.item("SOCKIT_ECONNREFUSED").is_some());
        assert!(header.item("sockit_addr").is_some_and(Item::is_type));
        assert!(header.functions().all(|f| !f.doc.is_empty()));
    }
}
