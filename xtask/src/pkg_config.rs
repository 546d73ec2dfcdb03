//! The pkg-config files: `sockit.pc` (link with `-lsockit`, which is the shared library where
//! both are installed) and `sockit-static.pc` (the static library by path, so a static link
//! never silently becomes a shared one, plus the linker option that leaves out what the
//! program does not use).

use crate::install::Layout;
use crate::package::Package;
use crate::target::Target;

/// `native_libs` are rustc's native-static-libs for the target.
///
/// `Libs.private` lists what `pkg-config --static` adds for a static link with `-lsockit`
/// (where only the static library is found).
pub fn shared(layout: &Layout, package: &Package, native_libs: &[String]) -> String {
    format!(
        "{head}\
         Name: sockit\n\
         Description: {description}\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n\
         Libs: -L${{libdir}} -lsockit\n\
         Libs.private: {native}\n",
        head = variables(layout),
        description = package.description,
        version = package.version,
        native = linker_flags(native_libs).join(" "),
    )
}

pub fn static_only(
    layout: &Layout,
    package: &Package,
    target: &Target,
    native_libs: &[String],
) -> String {
    format!(
        "{head}\
         Name: sockit-static\n\
         Description: {description} (static library)\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n\
         Libs: ${{libdir}}/{library}{dead_code} {native}\n",
        head = variables(layout),
        description = package.description,
        version = package.version,
        library = target.static_lib(),
        dead_code = target
            .dead_code_link_option()
            .map(|option| format!(" -Wl,{option}"))
            .unwrap_or_default(),
        native = linker_flags(native_libs).join(" "),
    )
}

fn variables(layout: &Layout) -> String {
    format!(
        "prefix={prefix}\n\
         libdir=${{prefix}}/{libdir}\n\
         includedir=${{prefix}}/{includedir}\n\n",
        prefix = layout.text(&layout.prefix),
        libdir = layout.text(&layout.libdir),
        includedir = layout.text(&layout.includedir),
    )
}

/// rustc names MSVC's libraries `ws2_32.lib`; pkg-config speaks `-lws2_32` (and pkgconf's
/// `--msvc-syntax` turns that back).
fn linker_flags(native_libs: &[String]) -> Vec<String> {
    native_libs
        .iter()
        .map(|lib| match lib.strip_suffix(".lib") {
            Some(name) if !lib.starts_with('-') => format!("-l{name}"),
            _ => lib.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn package() -> Package {
        Package {
            version: "0.1.0".into(),
            description: "sockets".into(),
            license: "MIT".into(),
        }
    }

    fn libs_line(text: &str) -> &str {
        text.lines()
            .find_map(|line| line.strip_prefix("Libs: "))
            .expect("a Libs line")
    }

    #[test]
    fn the_static_module_links_the_archive_and_drops_unused_sections() {
        let layout = Layout::new(PathBuf::from("/opt/sockit"));
        let native = ["-lgcc_s", "-lc"].map(String::from);
        let linux = Target::new(Some("x86_64-unknown-linux-gnu")).unwrap();
        assert_eq!(
            libs_line(&static_only(&layout, &package(), &linux, &native)),
            "${libdir}/libsockit.a -Wl,--gc-sections -lgcc_s -lc"
        );
        let mac = Target::new(Some("aarch64-apple-darwin")).unwrap();
        assert_eq!(
            libs_line(&static_only(&layout, &package(), &mac, &native)),
            "${libdir}/libsockit.a -Wl,-dead_strip -lgcc_s -lc"
        );
        let msvc = Target::new(Some("x86_64-pc-windows-msvc")).unwrap();
        let native = ["kernel32.lib".to_string()];
        assert_eq!(
            libs_line(&static_only(&layout, &package(), &msvc, &native)),
            "${libdir}/sockit.lib -lkernel32"
        );
        // The shared module's link line stays the library alone.
        assert_eq!(
            libs_line(&shared(&layout, &package(), &native)),
            "-L${libdir} -lsockit"
        );
    }

    #[test]
    fn msvc_library_names_become_l_flags() {
        let libs = ["kernel32.lib", "-lpthread", "-framework", "Security"].map(String::from);
        assert_eq!(
            linker_flags(&libs),
            ["-lkernel32", "-lpthread", "-framework", "Security"]
        );
    }
}
