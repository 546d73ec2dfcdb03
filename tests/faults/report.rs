//! The rows of the README's Reliability table: each fault, on which server, the load, and
//! what was seen afterwards. Written as JSON lines to the file `SOCKIT_FAULTS_REPORT` names
//! (`cargo xtask reliability` reads them); always printed (`cargo test -- --nocapture`).

use std::fs::OpenOptions;
use std::io::Write;

use crate::target::{Holdings, Target};

/// Records that `target` came through `fault` under `load`: it served correctly afterwards
/// and held no more than before (`now` against `target.base`); `note` adds what was measured.
pub fn row(target: &Target, fault: &str, load: &str, now: &Holdings, note: &str) {
    let base = &target.base;
    let result = format!(
        "served correctly afterwards; leaks: none (descriptors {}→{}, threads {}→{}, \
         children {}→{}, RSS {}→{} KiB){}{}",
        base.descriptors,
        now.descriptors,
        base.threads,
        now.threads,
        base.children,
        now.children,
        base.resident_kib,
        now.resident_kib,
        if note.is_empty() { "" } else { "; " },
        note
    );
    let line = format!(
        "{{\"fault\":{},\"server\":{},\"load\":{},\"result\":{}}}\n",
        json(fault),
        json(&target.name()),
        json(load),
        json(&result)
    );
    print!("{line}");
    if let Some(path) = std::env::var_os("SOCKIT_FAULTS_REPORT") {
        // One write per line with O_APPEND: tests running at once do not mix their lines.
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("open the fault report");
        file.write_all(line.as_bytes())
            .expect("write the fault report");
    }
}

/// A JSON string.
fn json(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
