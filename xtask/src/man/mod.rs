//! `cargo xtask man`: the manual, generated from include/sockit.h's doc comments (the Rust
//! doc comments cbindgen copies there), so that pages and header cannot disagree.
//!
//! Pages, in mdoc(7):
//! - `man3/<function>.3` for every function the header declares (`Die` and `HandleClient`
//!   too): NAME, SYNOPSIS (the prototype, `#include <sockit.h>`, the link line),
//!   DESCRIPTION, RETURN VALUES, EXAMPLES (the code of its comment, and its section's
//!   examples that call it), ERRORS (every code the comment names, those of the functions it
//!   says it fails as, and those the header's conventions give every function), NOTES
//!   (blocking, threads, ownership: its "Blocks...", "Does not block." and "# Safety" text),
//!   SEE ALSO;
//! - `man3/<type>.3` for every type (structs, opaque handles, callbacks);
//! - `man3/sockit.3`, the index; `man7/sockit.7`: the conventions (the header's opening
//!   comment), every error code with its value and meaning, and each section's prose,
//!   examples, functions, types and constants.
//!
//! `cargo xtask check-man` checks them (see `check`).

mod api;
mod check;
mod header;
mod mdoc;
mod pages;
mod text;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::args::Args;
use crate::package::{self, Package};

pub use check::{declared_functions, on_path, run as run_check};
pub use pages::ManPage;

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &["out"])?;
    let out = args
        .get("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| package::root().join("target/man"));
    let pages = write(&out)?;
    eprintln!(
        "xtask man: {} pages under {} (read one: man -l {}/man3/sockit_tcp_connect.3)",
        pages.len(),
        out.display(),
        out.display()
    );
    Ok(())
}

/// Generates every page from the source tree's header.
pub fn generate() -> Result<Vec<ManPage>, String> {
    let root = package::root();
    let api = api::Api::read(&root)?;
    let stamp = pages::Stamp {
        version: Package::read()?.version,
        date: date(&root),
    };
    Ok(pages::all(&api, &stamp))
}

/// Writes the pages into `out/man3` and `out/man7` (emptied first, so that no page of a
/// function that is gone stays behind); returns them.
pub fn write(out: &Path) -> Result<Vec<ManPage>, String> {
    let pages = generate()?;
    for folder in ["man3", "man7"] {
        let dir = out.join(folder);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| format!("empty {}: {e}", dir.display()))?;
        }
        fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    for page in &pages {
        let path = out.join(&page.path);
        fs::write(&path, &page.source).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    Ok(pages)
}

/// The pages' date: when the header last changed in git (the same for every build of one
/// commit), or today outside a git checkout.
fn date(root: &Path) -> String {
    let git = Command::new("git")
        .args(["log", "-1", "--format=%cs", "--", "include/sockit.h"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|d| !d.is_empty());
    let iso = git.unwrap_or_else(|| {
        Command::new("date")
            .args(["-u", "+%Y-%m-%d"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    });
    mdoc_date(&iso).unwrap_or(iso)
}

/// `2025-05-01` as mdoc writes dates: `May 1, 2025`.
fn mdoc_date(iso: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = iso.split('-');
    let year = parts.next()?;
    let month: usize = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    Some(format!(
        "{} {day}, {year}",
        MONTHS.get(month.checked_sub(1)?)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_mdoc_writes_them() {
        assert_eq!(mdoc_date("2025-05-01").as_deref(), Some("May 1, 2025"));
        assert_eq!(mdoc_date("2025-13-01"), None);
    }
}
