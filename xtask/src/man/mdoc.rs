//! Writing mdoc(7): text with its names marked up (`.Fn`, `.Dv`, `.Er`, `.Vt`, `.Fa`), one
//! sentence per line, lists, literal displays, and the paragraph breaks between them that
//! `mandoc -T lint` accepts.

use std::collections::BTreeSet;

use super::text::{self, Block};

/// The names a page's text can mark up.
pub struct Names<'a> {
    pub functions: &'a BTreeSet<String>,
    pub types: &'a BTreeSet<String>,
    pub constants: &'a BTreeSet<String>,
    /// The error codes among the constants.
    pub errors: &'a BTreeSet<String>,
    /// The parameters of the function the page is about.
    pub params: &'a [String],
}

/// An mdoc document being written.
#[derive(Default)]
pub struct Page {
    lines: Vec<String>,
    /// A paragraph was written since the last section heading or display: the next one
    /// needs a `.Pp` before it.
    after_text: bool,
}

impl Page {
    pub fn new() -> Page {
        Page::default()
    }

    pub fn finish(self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }

    /// A request or macro line, as is.
    pub fn line(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// A section heading.
    pub fn section(&mut self, title: &str) {
        self.line(format!(".Sh {title}"));
        self.after_text = false;
    }

    /// A subsection heading.
    pub fn subsection(&mut self, title: &str) {
        self.line(format!(".Ss {}", argument(title)));
        self.after_text = false;
    }

    /// A paragraph of prose.
    pub fn paragraph(&mut self, text: &str, names: &Names) {
        if self.after_text {
            self.line(".Pp");
        }
        for sentence in text::sentences(text) {
            self.lines.extend(inline(&sentence, names));
        }
        self.after_text = true;
    }

    /// Blocks of a comment: paragraphs, bullet lists, code displays. Headings become
    /// lead-in sentences of the paragraph after them.
    pub fn blocks(&mut self, blocks: &[Block], names: &Names) {
        for block in blocks {
            match block {
                Block::Paragraph(text) => self.paragraph(text, names),
                Block::Heading(title) => self.paragraph(&format!("{title}:"), names),
                Block::List(items) => {
                    self.line(".Bl -bullet");
                    for item in items {
                        self.line(".It");
                        for sentence in text::sentences(item) {
                            self.lines.extend(inline(&sentence, names));
                        }
                    }
                    self.line(".El");
                    self.after_text = true;
                }
                Block::Code(code) => self.code(code),
            }
        }
    }

    /// A literal display of code.
    pub fn code(&mut self, code: &str) {
        self.line(".Bd -literal -offset indent");
        for line in code.lines() {
            self.line(literal_line(line));
        }
        self.line(".Ed");
        self.after_text = true;
    }

    /// A tagged list: each tag is a macro line (`Er SOCKIT_EINVAL`), each body prose.
    pub fn tagged(&mut self, entries: &[(String, String)], names: &Names) {
        self.line(".Bl -tag -width Ds");
        for (tag, body) in entries {
            self.line(format!(".It {tag}"));
            for sentence in text::sentences(body) {
                self.lines.extend(inline(&sentence, names));
            }
        }
        self.line(".El");
        self.after_text = true;
    }
}

/// A line of a literal display: roff's escape character and control characters made plain.
pub fn literal_line(line: &str) -> String {
    let line = line.replace('\\', "\\e");
    if line.is_empty() {
        // An empty line in a display is a blank line; roff wants no truly empty line.
        return "\\&".to_string();
    }
    if line.starts_with(['.', '\'']) {
        format!("\\&{line}")
    } else {
        line
    }
}

/// Text on a text line: escapes made plain, and no line starting with a control character.
fn text_line(words: &[String]) -> String {
    let words: Vec<String> = words.iter().map(|w| breakable(w)).collect();
    let line = words.join(" ");
    if line.starts_with(['.', '\'']) {
        format!("\\&{line}")
    } else {
        line
    }
}

/// A word escaped for a text line; one too long for a line may break after its `:`, `/`
/// and `,` (roff's `\:`), so that no renderer has to overrun the margin.
fn breakable(word: &str) -> String {
    let escaped = word.replace('\\', "\\e");
    if word.chars().count() <= 30 {
        return escaped;
    }
    let mut out = String::new();
    for c in escaped.chars() {
        out.push(c);
        if matches!(c, ':' | '/' | ',') {
            out.push_str("\\:");
        }
    }
    out
}

/// A macro argument: quoted when it has spaces, its quotes escaped.
pub fn argument(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('"', "\\(dq");
    if text.contains(' ') || text.is_empty() {
        format!("\"{text}\"")
    } else {
        text
    }
}

/// The words of a sentence, a `code span` with its spaces counting as one word.
fn split_words(sentence: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_code = false;
    for c in sentence.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if c.is_whitespace() && !in_code {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The macro that marks up `core` (a word without its punctuation), if any.
fn markup(core: &str, names: &Names) -> Option<(&'static str, String)> {
    if let Some(code) = core
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
    {
        if code.is_empty() {
            return None;
        }
        if names.params.iter().any(|p| p == code) {
            return Some(("Fa", code.to_string()));
        }
        return Some(markup(code, names).unwrap_or(("Ql", code.to_string())));
    }
    if let Some(name) = core.strip_suffix("()").filter(|name| is_identifier(name)) {
        return Some(("Fn", name.to_string()));
    }
    if names.constants.contains(core) {
        let mac = if names.errors.contains(core) {
            "Er"
        } else {
            "Dv"
        };
        return Some((mac, core.to_string()));
    }
    if names.types.contains(core) {
        return Some(("Vt", core.to_string()));
    }
    if names.params.iter().any(|p| p == core) && core.contains('_') {
        // Only parameter names that cannot be ordinary words (`timeout_ms`, not `port`).
        return Some(("Fa", core.to_string()));
    }
    if names.functions.contains(core) {
        return Some(("Fn", core.to_string()));
    }
    None
}

/// A sentence as mdoc lines: runs of plain words on text lines, each marked-up name on a
/// macro line with the punctuation around it as delimiters.
pub fn inline(sentence: &str, names: &Names) -> Vec<String> {
    let mut lines = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    let is_trailing = |c: char| matches!(c, ')' | ']' | '.' | ',' | ';' | ':' | '?' | '!');
    for word in split_words(sentence) {
        let core_start = word.find(|c| !matches!(c, '(' | '[')).unwrap_or(word.len());
        let (lead, rest) = word.split_at(core_start);
        // "name()" with punctuation after it: the parentheses belong to the name.
        let call = rest.find("()").and_then(|at| {
            let (name, after) = (&rest[..at], &rest[at + 2..]);
            (is_identifier(name) && after.chars().all(is_trailing))
                .then(|| (("Fn", name.to_string()), after))
        });
        let found = call.or_else(|| {
            let core_end = rest.trim_end_matches(is_trailing).len();
            let (core, trail) = rest.split_at(core_end);
            if core.is_empty() {
                None
            } else {
                markup(core, names).map(|found| (found, trail))
            }
        });
        // "SOCKIT_EHOSTUNREACH..." stays text: an ellipsis is no delimiter.
        let Some(((mac, arg), trail)) = found.filter(|(_, trail)| !trail.contains("..")) else {
            plain.push(word.clone());
            continue;
        };
        if !plain.is_empty() {
            lines.push(text_line(&plain));
            plain.clear();
        }
        let mut line = format!(".{mac}");
        for c in lead.chars() {
            line.push(' ');
            line.push(c);
        }
        line.push(' ');
        line.push_str(&argument(&arg));
        for c in trail.chars() {
            line.push(' ');
            line.push(c);
        }
        lines.push(line);
    }
    if !plain.is_empty() {
        lines.push(text_line(&plain));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_marked_up_with_their_punctuation() {
        let functions = set(&["sockit_resolve"]);
        let types = set(&["sockit_addr"]);
        let constants = set(&["SOCKIT_EINVAL", "SOCKIT_FOREVER"]);
        let errors = set(&["SOCKIT_EINVAL"]);
        let params = ["timeout_ms".to_string(), "host".to_string()];
        let names = Names {
            functions: &functions,
            types: &types,
            constants: &constants,
            errors: &errors,
            params: &params,
        };
        assert_eq!(
            inline(
                "A resolver error (see sockit_resolve()), (sockit_resolve()) SOCKIT_EINVAL, \
                 a sockit_addr, timeout_ms or host; `void *` or `host`, SOCKIT_FOREVER... \
                 .dot \\e",
                &names
            ),
            [
                "A resolver error (see",
                ".Fn sockit_resolve ) ,",
                ".Fn ( sockit_resolve )",
                ".Er SOCKIT_EINVAL ,",
                "a",
                ".Vt sockit_addr ,",
                ".Fa timeout_ms",
                "or host;",
                ".Ql \"void *\"",
                "or",
                ".Fa host ,",
                "SOCKIT_FOREVER... .dot \\ee",
            ]
        );
        assert_eq!(inline(".x", &names), ["\\&.x"]);
        assert_eq!(
            inline("\"[ffff:ffff:ffff:ffff:ffff:ffff]:65535\".", &names),
            ["\"[ffff:\\:ffff:\\:ffff:\\:ffff:\\:ffff:\\:ffff]:\\:65535\"."]
        );
        assert_eq!(inline("perror().", &names), [".Fn perror ."]);
    }

    #[test]
    fn paragraphs_are_separated_except_around_displays() {
        let empty = BTreeSet::new();
        let names = Names {
            functions: &empty,
            types: &empty,
            constants: &empty,
            errors: &empty,
            params: &[],
        };
        let mut page = Page::new();
        page.section("DESCRIPTION");
        page.blocks(
            &[
                Block::Paragraph("One. Two.".into()),
                Block::Paragraph("Three.".into()),
                Block::List(vec!["four".into()]),
                Block::Code(".x\n\n".into()),
                Block::Paragraph("Five.".into()),
            ],
            &names,
        );
        assert_eq!(
            page.finish(),
            ".Sh DESCRIPTION\nOne.\nTwo.\n.Pp\nThree.\n.Bl -bullet\n.It\nfour\n.El\n\
             .Bd -literal -offset indent\n\\&.x\n\\&\n.Ed\n.Pp\nFive.\n"
        );
    }
}
