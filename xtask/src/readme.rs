//! Rewriting a generated section of the README (or another page), between its start and end
//! markers.

use std::path::Path;

/// Replaces what lies between `start` and `end` (the markers stay) in the README with
/// `section`.
pub fn replace_section(root: &Path, start: &str, end: &str, section: &str) -> Result<(), String> {
    replace_section_in(&root.join("README.md"), start, end, section)
}

/// The same in another page of the project (`tests/README.md`, the reliability report).
pub fn replace_section_in(
    path: &Path,
    start: &str,
    end: &str,
    section: &str,
) -> Result<(), String> {
    let readme =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let (Some(from), Some(to)) = (readme.find(start), readme.find(end)) else {
        return Err(format!(
            "{} has no {start} ... {end} section",
            path.display()
        ));
    };
    let updated = format!("{}{start}\n{section}{}", &readme[..from], &readme[to..]);
    std::fs::write(path, updated).map_err(|e| format!("write {}: {e}", path.display()))
}
