//! What the target platform means for the installed files: names, SONAME, where DLLs go.

use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// ELF systems: Linux, the BSDs, ... (`libsockit.so.<major>` with symlinks).
    Elf,
    /// macOS and the other Apple systems (`libsockit.<major>.dylib`, an install name).
    Apple,
    /// Windows with the MinGW toolchain (`sockit.dll`, `libsockit.dll.a`, `libsockit.a`).
    WindowsGnu,
    /// Windows with Microsoft's toolchain (`sockit.dll`, `sockit.dll.lib`, `sockit.lib`).
    WindowsMsvc,
}

pub struct Target {
    pub triple: String,
    pub kind: Kind,
}

impl Target {
    /// `triple`, or the host's when `None` (asked of rustc, as cargo does).
    pub fn new(triple: Option<&str>) -> Result<Target, String> {
        let triple = match triple {
            Some(triple) => triple.to_string(),
            None => host_triple()?,
        };
        let kind = if triple.contains("-windows-") {
            if triple.ends_with("-msvc") {
                Kind::WindowsMsvc
            } else {
                Kind::WindowsGnu
            }
        } else if triple.contains("-apple-") {
            Kind::Apple
        } else {
            Kind::Elf
        };
        Ok(Target { triple, kind })
    }

    pub fn is_windows(&self) -> bool {
        matches!(self.kind, Kind::WindowsGnu | Kind::WindowsMsvc)
    }

    /// The static library as cargo names it, which is also its installed name.
    pub fn static_lib(&self) -> &'static str {
        match self.kind {
            Kind::WindowsMsvc => "sockit.lib",
            _ => "libsockit.a",
        }
    }

    /// The shared library as cargo names it.
    pub fn shared_lib(&self) -> &'static str {
        match self.kind {
            Kind::Elf => "libsockit.so",
            Kind::Apple => "libsockit.dylib",
            Kind::WindowsGnu | Kind::WindowsMsvc => "sockit.dll",
        }
    }

    /// The linker option that leaves out the sections of a static link nothing refers to,
    /// as the linker spells it (`-Wl,` or CMake's `LINKER:` goes in front): most of
    /// sockit's static library (and of the standard library in it) is code a given program
    /// never calls. GNU ld, gold, lld and mold on ELF and MinGW take `--gc-sections`, Apple's
    /// ld `-dead_strip`. None for MSVC, whose linker does it by itself in a release link
    /// (`/OPT:REF`), nor for Solaris and illumos, whose own linker spells it otherwise.
    pub fn dead_code_link_option(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Elf if self.triple.contains("solaris") || self.triple.contains("illumos") => None,
            Kind::Elf | Kind::WindowsGnu => Some("--gc-sections"),
            Kind::Apple => Some("-dead_strip"),
            Kind::WindowsMsvc => None,
        }
    }

    /// The import library that programs link to use the DLL (Windows only).
    pub fn import_lib(&self) -> Option<&'static str> {
        match self.kind {
            Kind::WindowsGnu => Some("libsockit.dll.a"),
            Kind::WindowsMsvc => Some("sockit.dll.lib"),
            _ => None,
        }
    }

    /// The shared library's installed file name and the names that link to it, most
    /// specific first: `libsockit.so.0.1.0`, `libsockit.so.0` (the SONAME), `libsockit.so`.
    pub fn shared_names(&self, version: &str, major: &str) -> Vec<String> {
        match self.kind {
            Kind::Elf => vec![
                format!("libsockit.so.{version}"),
                format!("libsockit.so.{major}"),
                "libsockit.so".to_string(),
            ],
            Kind::Apple => vec![
                format!("libsockit.{major}.dylib"),
                "libsockit.dylib".to_string(),
            ],
            Kind::WindowsGnu | Kind::WindowsMsvc => vec!["sockit.dll".to_string()],
        }
    }

    /// The linker arguments that give the shared library its name for the loader: the
    /// SONAME on ELF, the install name (where it will be found) on Apple systems.
    pub fn shared_link_args(&self, version: &str, major: &str, libdir: &str) -> Vec<String> {
        match self.kind {
            Kind::Elf => vec![format!("-Wl,-soname,libsockit.so.{major}")],
            Kind::Apple => vec![
                format!("-Wl,-install_name,{libdir}/libsockit.{major}.dylib"),
                format!("-Wl,-current_version,{version}"),
                format!("-Wl,-compatibility_version,{major}"),
            ],
            Kind::WindowsGnu | Kind::WindowsMsvc => Vec::new(),
        }
    }
}

fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("run {rustc} -vV: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| format!("{rustc} -vV named no host"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_platform() {
        let linux = Target::new(Some("x86_64-unknown-linux-gnu")).unwrap();
        assert_eq!(
            linux.shared_names("0.1.0", "0"),
            ["libsockit.so.0.1.0", "libsockit.so.0", "libsockit.so"]
        );
        assert_eq!(
            linux.shared_link_args("0.1.0", "0", "/usr/lib"),
            ["-Wl,-soname,libsockit.so.0"]
        );
        let mac = Target::new(Some("aarch64-apple-darwin")).unwrap();
        assert_eq!(mac.kind, Kind::Apple);
        assert!(
            mac.shared_link_args("0.1.0", "0", "/opt/s/lib")[0]
                .ends_with("/opt/s/lib/libsockit.0.dylib")
        );
        let mingw = Target::new(Some("x86_64-pc-windows-gnu")).unwrap();
        assert_eq!(mingw.import_lib(), Some("libsockit.dll.a"));
        let msvc = Target::new(Some("x86_64-pc-windows-msvc")).unwrap();
        assert_eq!(msvc.static_lib(), "sockit.lib");
        assert!(Target::new(Some("x86_64-unknown-freebsd")).unwrap().kind == Kind::Elf);
    }

    #[test]
    fn dead_code_is_left_out_where_the_linker_knows_how() {
        let option = |triple: &str| Target::new(Some(triple)).unwrap().dead_code_link_option();
        assert_eq!(option("x86_64-unknown-linux-gnu"), Some("--gc-sections"));
        assert_eq!(option("x86_64-unknown-freebsd"), Some("--gc-sections"));
        assert_eq!(option("x86_64-pc-windows-gnu"), Some("--gc-sections"));
        assert_eq!(option("aarch64-apple-darwin"), Some("-dead_strip"));
        assert_eq!(option("x86_64-pc-windows-msvc"), None);
        assert_eq!(option("x86_64-unknown-illumos"), None);
    }
}
