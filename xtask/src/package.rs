//! Facts about the sockit package: where it is and what its Cargo.toml says.

use std::fs;
use std::path::PathBuf;

/// The repository root (sockit's own folder; xtask lives in `xtask/`).
pub fn root() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask
        .parent()
        .expect("xtask sits in the repository")
        .to_path_buf()
}

/// sockit's version, description and license, read from its Cargo.toml.
pub struct Package {
    pub version: String,
    pub description: String,
    /// An SPDX expression (`MIT OR Apache-2.0`).
    pub license: String,
}

impl Package {
    pub fn read() -> Result<Package, String> {
        let path = root().join("Cargo.toml");
        let text =
            fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let field = |name: &str| {
            package_field(&text, name).ok_or_else(|| format!("no {name} in {}", path.display()))
        };
        Ok(Package {
            version: field("version")?,
            description: field("description")?,
            license: field("license")?,
        })
    }

    /// The major version: what the SONAME, install name and CMake compatibility follow.
    pub fn major(&self) -> &str {
        self.version.split('.').next().unwrap_or("0")
    }
}

/// A `name = "value"` line of the `[package]` table (values without escapes, as ours are).
fn package_field(manifest: &str, name: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == name {
            let value = value.trim();
            return Some(value.strip_prefix('"')?.strip_suffix('"')?.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_of_the_package_table_only() {
        let manifest = "[package]\nname = \"sockit\"\nversion = \"1.2.3\"\n\n\
                        [dependencies]\nversion = \"9\"\n";
        assert_eq!(package_field(manifest, "version").as_deref(), Some("1.2.3"));
        assert_eq!(package_field(manifest, "description"), None);
    }

    #[test]
    fn the_real_manifest_has_what_the_install_needs() {
        let package = Package::read().unwrap();
        assert!(
            package.version.split('.').count() == 3,
            "{}",
            package.version
        );
        assert!(!package.description.is_empty());
    }
}
