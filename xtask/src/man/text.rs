//! The header's comments as text: blocks (paragraphs, lists, code, headings), sentences,
//! and a function's comment split into what the manual's sections need, by the phrases the
//! comments use: "Returns ...", "Fails with ...", "Blocks ...", "Does not block.", "# Safety".

/// A piece of a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    /// `- item` lines (an item goes on over lines indented under it).
    List(Vec<String>),
    /// A fenced (```c) or indented block of code.
    Code(String),
    /// `# Title`.
    Heading(String),
}

/// The blocks of a comment or a module's docs, written in Markdown's plain subset.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut lines = text.lines().peekable();
    let mut after_blank = true;

    fn flush(blocks: &mut Vec<Block>, paragraph: &mut Vec<&str>, list: &mut Vec<String>) {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(paragraph.join(" ")));
            paragraph.clear();
        }
        if !list.is_empty() {
            blocks.push(Block::List(std::mem::take(list)));
        }
    }

    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            flush(&mut blocks, &mut paragraph, &mut list);
            let mut code = Vec::new();
            for line in lines.by_ref() {
                if line.trim().starts_with("```") {
                    break;
                }
                code.push(line);
            }
            blocks.push(Block::Code(dedent(&code)));
            after_blank = false;
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut blocks, &mut paragraph, &mut list);
            after_blank = true;
            continue;
        }
        if after_blank && paragraph.is_empty() && list.is_empty() && line.starts_with("    ") {
            // An indented block: code, up to the next line that is not indented.
            let mut code = vec![line];
            while let Some(next) = lines.peek() {
                if next.starts_with("    ") || next.trim().is_empty() {
                    code.push(lines.next().unwrap());
                } else {
                    break;
                }
            }
            while code.last().is_some_and(|l| l.trim().is_empty()) {
                code.pop();
            }
            blocks.push(Block::Code(dedent(&code)));
            after_blank = true;
            continue;
        }
        after_blank = false;
        if let Some(title) = trimmed.strip_prefix("# ") {
            flush(&mut blocks, &mut paragraph, &mut list);
            blocks.push(Block::Heading(title.trim().to_string()));
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ") {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(paragraph.join(" ")));
                paragraph.clear();
            }
            list.push(item.trim().to_string());
            continue;
        }
        if !list.is_empty() && line.starts_with(' ') {
            let last = list.last_mut().unwrap();
            last.push(' ');
            last.push_str(trimmed);
            continue;
        }
        if !list.is_empty() {
            blocks.push(Block::List(std::mem::take(&mut list)));
        }
        paragraph.push(trimmed);
    }
    flush(&mut blocks, &mut paragraph, &mut list);
    blocks
}

fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut text: Vec<&str> = lines
        .iter()
        .map(|l| if l.len() >= indent { &l[indent..] } else { "" })
        .collect();
    while text.last().is_some_and(|l| l.trim().is_empty()) {
        text.pop();
    }
    let mut out = text.join("\n");
    out.push('\n');
    out
}

/// The sentences of a paragraph: each ends with `.`, `?` or `!` (a closing parenthesis or
/// quote may follow) before a space and a capital letter, a digit or a quote, which is
/// where roff and `mandoc -T lint` see one end (even inside parentheses).
pub fn sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '`' => in_code = !in_code,
            '.' | '?' | '!' if !in_code => {
                let mut end = i + 1;
                while end < chars.len() && matches!(chars[end], ')' | '"') {
                    end += 1;
                }
                let ellipsis = i >= 1 && chars[i - 1] == '.';
                let next_starts = end + 1 < chars.len()
                    && chars[end] == ' '
                    && (chars[end + 1].is_uppercase()
                        || chars[end + 1].is_ascii_digit()
                        || chars[end + 1] == '"');
                if next_starts && !ellipsis {
                    let sentence: String = chars[start..end].iter().collect();
                    sentences.push(sentence.trim().to_string());
                    start = end + 1;
                    i = end;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let rest: String = chars[start..].iter().collect();
    if !rest.trim().is_empty() {
        sentences.push(rest.trim().to_string());
    }
    sentences
}

/// Where a sentence of a function's comment belongs in its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Description,
    ReturnValue,
    Notes,
}

/// The phrases that open a sentence about what a function returns.
const RETURN_OPENINGS: &[&str] = &[
    "Returns",
    "Return ",
    "On success",
    "Fails",
    "Also fails",
    "Never NULL",
    "Never returns",
    "False if",
    "The failure is reported",
];

/// The phrases that open a note: blocking, threads, ownership of memory.
const NOTE_OPENINGS: &[&str] = &[
    "Blocks",
    "Does not block",
    "Static storage",
    "Takes ownership",
    "Safe from",
    "Use a reader from one thread",
    "Call it only when",
    "May be called",
];

pub fn part_of(sentence: &str) -> Part {
    if NOTE_OPENINGS.iter().any(|o| sentence.starts_with(o)) {
        return Part::Notes;
    }
    let returns = RETURN_OPENINGS.iter().any(|o| sentence.starts_with(o))
        || sentence.contains("fails with")
        || sentence.contains("Fails with")
        || sentence.ends_with(" for NULL.");
    if returns {
        Part::ReturnValue
    } else {
        Part::Description
    }
}

/// A function's comment, split for its page.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub description: Vec<Block>,
    pub return_value: Vec<Block>,
    pub notes: Vec<Block>,
    pub examples: Vec<String>,
}

impl Split {
    fn part(&mut self, part: Part) -> &mut Vec<Block> {
        match part {
            Part::Description => &mut self.description,
            Part::ReturnValue => &mut self.return_value,
            Part::Notes => &mut self.notes,
        }
    }
}

/// Splits a function's comment: each sentence goes where its opening phrase says, a list
/// goes with the sentence that introduces it, code is an example, and whatever follows a
/// `# Safety` heading (the caller's obligations) is a note.
pub fn split(doc: &str) -> Split {
    let mut split = Split::default();
    let mut under_heading: Option<Part> = None;
    let mut last = Part::Description;
    for block in blocks(doc) {
        match block {
            Block::Heading(title) => {
                under_heading = Some(if title.eq_ignore_ascii_case("safety") {
                    Part::Notes
                } else {
                    Part::Description
                });
            }
            Block::Code(code) => split.examples.push(code),
            Block::List(items) => split.part(last).push(Block::List(items)),
            Block::Paragraph(text) => {
                if let Some(part) = under_heading {
                    split.part(part).push(Block::Paragraph(text));
                    last = part;
                    continue;
                }
                let mut current: Option<(Part, Vec<String>)> = None;
                for sentence in sentences(&text) {
                    // The comment's first sentence says what the function does: it leads
                    // the description, whatever its words.
                    let first = split.description.is_empty()
                        && split.return_value.is_empty()
                        && split.notes.is_empty()
                        && current.is_none();
                    let part = if first {
                        Part::Description
                    } else {
                        part_of(&sentence)
                    };
                    match current.as_mut() {
                        Some((p, list)) if *p == part => list.push(sentence),
                        _ => {
                            if let Some((p, list)) = current.take() {
                                split.part(p).push(Block::Paragraph(list.join(" ")));
                            }
                            current = Some((part, vec![sentence]));
                        }
                    }
                    last = part;
                }
                if let Some((p, list)) = current {
                    split.part(p).push(Block::Paragraph(list.join(" ")));
                }
            }
        }
    }
    split
}

/// Every `SOCKIT_E...` name in `text`, in order of first appearance.
pub fn error_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for word in words(text) {
        if word.starts_with("SOCKIT_E") && !names.iter().any(|n| n == word) {
            names.push(word.to_string());
        }
    }
    names
}

/// Every `name()` in `text` (a function it refers to), in order of first appearance.
pub fn function_refs(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("()") {
        let end = i + at;
        let mut start = end;
        while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            start -= 1;
        }
        if start < end {
            let name = &text[start..end];
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        i = end + 2;
    }
    names
}

/// Every name called in C code (`name(`), in order of first appearance.
pub fn calls(code: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        let mut next = Some(c);
        while next == Some(' ') {
            next = chars.next();
        }
        let keyword = ["if", "while", "for", "switch", "return", "sizeof"].contains(&word.as_str());
        if next == Some('(') && !word.is_empty() && !keyword && !names.contains(&word) {
            names.push(word.clone());
        }
        word.clear();
        if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '_') {
            word.push(next.unwrap());
        }
    }
    names
}

/// The identifier-like words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_a_comment() {
        let text = "First line\ngoes on.\n\nFails with:\n- A: one\n  more;\n- B.\nAfter.\n\n\
                    # Safety\n\n`x` is NULL.\n\n```c\nint a;\n  b();\n```\n\n    indented();\n";
        assert_eq!(
            blocks(text),
            [
                Block::Paragraph("First line goes on.".into()),
                Block::Paragraph("Fails with:".into()),
                Block::List(vec!["A: one more;".into(), "B.".into()]),
                Block::Paragraph("After.".into()),
                Block::Heading("Safety".into()),
                Block::Paragraph("`x` is NULL.".into()),
                Block::Code("int a;\n  b();\n".into()),
                Block::Code("indented();\n".into()),
            ]
        );
    }

    #[test]
    fn sentences_end_where_a_new_one_starts() {
        assert_eq!(
            sentences(
                "Connects (to \"a.\" B here). Returns 0, or 1.5 e.g. fails. \
                 Waits... Then SOCKIT_EINVAL. 0 for NULL."
            ),
            [
                "Connects (to \"a.\"",
                "B here).",
                "Returns 0, or 1.5 e.g. fails.",
                "Waits... Then SOCKIT_EINVAL.",
                "0 for NULL."
            ]
        );
    }

    fn split_doc(doc: &str) -> Split {
        split(doc)
    }

    #[test]
    fn a_comment_splits_by_its_phrases() {
        let doc = "Sends data. On success returns 0. Fails with SOCKIT_EPIPE. Does not block.\n\n\
                   Fails with:\n- SOCKIT_EOF: the end.\n\nBlocks forever.\n\n# Safety\n\n\
                   `buf` is readable.\n\n```c\nsend();\n```";
        let split = split_doc(doc);
        assert_eq!(split.description, [Block::Paragraph("Sends data.".into())]);
        assert_eq!(
            split.return_value,
            [
                Block::Paragraph("On success returns 0. Fails with SOCKIT_EPIPE.".into()),
                Block::Paragraph("Fails with:".into()),
                Block::List(vec!["SOCKIT_EOF: the end.".into()]),
            ]
        );
        assert_eq!(
            split.notes,
            [
                Block::Paragraph("Does not block.".into()),
                Block::Paragraph("Blocks forever.".into()),
                Block::Paragraph("`buf` is readable.".into()),
            ]
        );
        assert_eq!(split.examples, ["send();\n"]);
        let led_by_returns = split_doc("Returns the next message. Fails with SOCKIT_EOF.");
        assert_eq!(
            led_by_returns.description,
            [Block::Paragraph("Returns the next message.".into())]
        );
        assert_eq!(
            led_by_returns.return_value,
            [Block::Paragraph("Fails with SOCKIT_EOF.".into())]
        );
    }

    #[test]
    fn names_in_text() {
        let text = "Fails with SOCKIT_EINVAL, SOCKIT_EOF or as sockit_send() and \
                    sockit_recv() do; SOCKIT_EINVAL again, SOCKIT_OK, SOCKIT_FOREVER.";
        assert_eq!(error_names(text), ["SOCKIT_EINVAL", "SOCKIT_EOF"]);
        assert_eq!(function_refs(text), ["sockit_send", "sockit_recv"]);
        assert_eq!(
            calls("if (sockit_poll(fds, 2) > 0) f (x);\nx = sockit_poll (a);"),
            ["sockit_poll", "f"]
        );
    }
}
