//! Rewriting a generated section of the README, between its start and end markers.

use std::path::Path;

/// Replaces what lies between `start` and `end` (the markers stay) with `section`.
pub fn replace_section(root: &Path, start: &str, end: &str, section: &str) -> Result<(), String> {
    let path = root.join("README.md");
    let readme =
        std::fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let (Some(from), Some(to)) = (readme.find(start), readme.find(end)) else {
        return Err(format!("README.md has no {start} ... {end} section"));
    };
    let updated = format!("{}{start}\n{section}{}", &readme[..from], &readme[to..]);
    std::fs::write(&path, updated).map_err(|e| format!("write {}: {e}", path.display()))
}
