//! The functions the header declares, read from the header itself: name, return type,
//! parameters, and the comment above each (which says what it fails with).

/// One parameter: its C type as written (`const char *`) and its name.
#[derive(Clone, Debug)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

#[derive(Debug)]
pub struct Prototype {
    pub name: String,
    pub returns: String,
    pub params: Vec<Param>,
    pub doc: String,
    pub no_return: bool,
}

/// Every function declaration of `header`, with the comment right above it.
pub fn read(header: &str) -> Vec<Prototype> {
    let mut prototypes = Vec::new();
    let mut doc = String::new();
    let mut in_doc = false;
    let mut pending: Option<String> = None;
    for line in header.lines() {
        if let Some(declaration) = pending.as_mut() {
            declaration.push(' ');
            declaration.push_str(line.trim());
            if line.trim_end().ends_with(';') {
                prototypes.extend(parse(declaration, &doc));
                pending = None;
                doc.clear();
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("/**") {
            in_doc = true;
            doc.clear();
            continue;
        }
        if in_doc {
            if trimmed.starts_with("*/") {
                in_doc = false;
            } else {
                doc.push_str(trimmed.trim_start_matches('*').trim());
                doc.push('\n');
            }
            continue;
        }
        let starts_declaration = !line.starts_with([' ', '#', '/', '}', '*'])
            && !line.starts_with("typedef")
            && line.contains('(');
        if starts_declaration {
            if line.trim_end().ends_with(';') {
                prototypes.extend(parse(line, &doc));
                doc.clear();
            } else {
                pending = Some(line.to_string());
            }
        } else if !trimmed.is_empty() {
            doc.clear();
        }
    }
    prototypes
}

fn parse(declaration: &str, doc: &str) -> Option<Prototype> {
    let (head, rest) = declaration.split_once('(')?;
    let (args, tail) = rest.rsplit_once(')')?;
    let split = head.rfind([' ', '*'])? + 1;
    let (returns, name) = head.split_at(split);
    let params = if args.trim() == "void" {
        Vec::new()
    } else {
        args.split(',').map(|arg| param(arg.trim())).collect()
    };
    Some(Prototype {
        name: name.trim().to_string(),
        returns: returns.trim().to_string(),
        params,
        doc: doc.to_string(),
        no_return: tail.contains("NORETURN"),
    })
}

fn param(arg: &str) -> Param {
    let split = arg.rfind([' ', '*']).map_or(0, |i| i + 1);
    let (ty, name) = arg.split_at(split);
    Param {
        ty: ty.split_whitespace().collect::<Vec<_>>().join(" "),
        name: name.to_string(),
    }
}

impl Prototype {
    /// Whether its comment allows it to block (it says "Blocks", not only "Does not block").
    pub fn may_block(&self) -> bool {
        self.doc.contains("Blocks") || self.doc.contains("blocks until")
    }
}
