//! The CMake package: `find_package(sockit)` gives `sockit::sockit_shared`,
//! `sockit::sockit_static`, and `sockit::sockit`, which is the shared one unless
//! `SOCKIT_USE_STATIC_LIBS` is ON. The files locate the prefix from their own folder, so an
//! installed tree can be moved.

use std::fmt::Write as _;
use std::path::Path;

use crate::install::Layout;
use crate::package::Package;
use crate::target::{Kind, Target};

pub fn config(
    layout: &Layout,
    package: &Package,
    target: &Target,
    native_libs: &[String],
) -> String {
    // The file sits in <prefix>/<libdir>/cmake/sockit: climb that many folders.
    let depth = layout.libdir.components().count() + 2;
    let up = vec![".."; depth].join("/");
    let libdir = format!("${{_sockit_prefix}}/{}", layout.text(&layout.libdir));
    let includedir = format!("${{_sockit_prefix}}/{}", layout.text(&layout.includedir));
    let names = target.shared_names(&package.version, package.major());

    let mut text = format!(
        "# sockit {version}: CMake package written by `cargo xtask install`.\n\
         #\n\
         #   find_package(sockit {major_minor} REQUIRED)\n\
         #   target_link_libraries(app PRIVATE sockit::sockit)\n\
         #\n\
         # sockit::sockit is the shared library, or the static one when SOCKIT_USE_STATIC_LIBS is\n\
         # ON; sockit::sockit_shared and sockit::sockit_static name one of them explicitly.\n\n\
         get_filename_component(_sockit_prefix \"${{CMAKE_CURRENT_LIST_DIR}}/{up}\" ABSOLUTE)\n\n",
        version = package.version,
        major_minor = major_minor(&package.version),
    );

    let mut shared = format!(
        "    IMPORTED_LOCATION \"{}\"\n",
        match target.kind {
            Kind::WindowsGnu | Kind::WindowsMsvc => format!(
                "${{_sockit_prefix}}/{}/{}",
                layout.text(&layout.bindir),
                names[0]
            ),
            Kind::Elf | Kind::Apple => format!("{libdir}/{}", names[0]),
        }
    );
    match target.kind {
        Kind::Elf => writeln!(shared, "    IMPORTED_SONAME \"{}\"", names[1]).unwrap(),
        Kind::Apple => {}
        Kind::WindowsGnu | Kind::WindowsMsvc => {
            let import_lib = target.import_lib().expect("Windows has import libraries");
            writeln!(shared, "    IMPORTED_IMPLIB \"{libdir}/{import_lib}\"").unwrap();
        }
    }
    writeln!(
        text,
        "if(NOT TARGET sockit::sockit_shared)\n  \
         add_library(sockit::sockit_shared SHARED IMPORTED)\n  \
         set_target_properties(sockit::sockit_shared PROPERTIES\n{shared}    \
         INTERFACE_INCLUDE_DIRECTORIES \"{includedir}\")\n\
         endif()\n"
    )
    .unwrap();
    // What links the static library also leaves out what it does not use (CMake 3.13 and
    // later read INTERFACE_LINK_OPTIONS and turn LINKER: into -Wl, or -Xlinker).
    let dead_code = target
        .dead_code_link_option()
        .map(|option| format!("\n    INTERFACE_LINK_OPTIONS \"LINKER:{option}\""))
        .unwrap_or_default();
    writeln!(
        text,
        "if(NOT TARGET sockit::sockit_static)\n  \
         add_library(sockit::sockit_static STATIC IMPORTED)\n  \
         set_target_properties(sockit::sockit_static PROPERTIES\n    \
         IMPORTED_LOCATION \"{libdir}/{static_lib}\"\n    \
         IMPORTED_LINK_INTERFACE_LANGUAGES \"C\"\n    \
         INTERFACE_INCLUDE_DIRECTORIES \"{includedir}\"\n    \
         INTERFACE_LINK_LIBRARIES \"{native}\"{dead_code})\n\
         endif()\n",
        static_lib = target.static_lib(),
        native = link_items(native_libs).join(";"),
    )
    .unwrap();
    text.push_str(
        "if(NOT TARGET sockit::sockit)\n  \
         add_library(sockit::sockit INTERFACE IMPORTED)\n  \
         if(SOCKIT_USE_STATIC_LIBS)\n    \
         set_target_properties(sockit::sockit PROPERTIES INTERFACE_LINK_LIBRARIES sockit::sockit_static)\n  \
         else()\n    \
         set_target_properties(sockit::sockit PROPERTIES INTERFACE_LINK_LIBRARIES sockit::sockit_shared)\n  \
         endif()\n\
         endif()\n\n\
         unset(_sockit_prefix)\n",
    );
    text
}

/// Compatible when no version is asked for, or when the installed version is at least the
/// one asked for with the same major version and, before 1.0 (where a minor version may
/// break), the same minor version.
pub fn version(package: &Package) -> String {
    let major = package.major();
    let minor = package.version.split('.').nth(1).unwrap_or("0");
    let before_one = if major == "0" {
        format!(
            "elseif(NOT PACKAGE_FIND_VERSION_MINOR STREQUAL \"{minor}\")\n  \
             set(PACKAGE_VERSION_COMPATIBLE FALSE)\n"
        )
    } else {
        String::new()
    };
    format!(
        "set(PACKAGE_VERSION \"{version}\")\n\n\
         if(NOT PACKAGE_FIND_VERSION)\n  \
         set(PACKAGE_VERSION_COMPATIBLE TRUE)\n\
         elseif(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n  \
         set(PACKAGE_VERSION_COMPATIBLE FALSE)\n\
         elseif(NOT PACKAGE_FIND_VERSION_MAJOR STREQUAL \"{major}\")\n  \
         set(PACKAGE_VERSION_COMPATIBLE FALSE)\n\
         {before_one}\
         else()\n  \
         set(PACKAGE_VERSION_COMPATIBLE TRUE)\n  \
         if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)\n    \
         set(PACKAGE_VERSION_EXACT TRUE)\n  \
         endif()\n\
         endif()\n",
        version = package.version,
    )
}

fn major_minor(version: &str) -> String {
    version.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
}

/// rustc's native-static-libs as CMake link items: `-lpthread` and `ws2_32.lib` are both a
/// library name to CMake; `-framework X` stays one item.
fn link_items(native_libs: &[String]) -> Vec<String> {
    let mut items = Vec::new();
    let mut libs = native_libs.iter();
    while let Some(lib) = libs.next() {
        if lib == "-framework" {
            let framework = libs.next().map(String::as_str).unwrap_or_default();
            items.push(format!("-framework {framework}"));
        } else if let Some(name) = lib.strip_prefix("-l") {
            items.push(name.to_string());
        } else if let Some(name) = lib
            .strip_suffix(".lib")
            .filter(|_| !Path::new(lib).is_absolute())
        {
            items.push(name.to_string());
        } else {
            items.push(lib.clone());
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_libraries_become_cmake_items() {
        let libs = ["-lgcc_s", "ws2_32.lib", "-framework", "Security"].map(String::from);
        assert_eq!(
            link_items(&libs),
            ["gcc_s", "ws2_32", "-framework Security"]
        );
    }

    #[test]
    fn the_static_target_drops_unused_sections_where_the_linker_can() {
        let layout = Layout::new(std::path::PathBuf::from("/opt/sockit"));
        let package = Package {
            version: "0.1.0".into(),
            description: "sockets".into(),
            license: "MIT".into(),
        };
        let native = ["-lc".to_string()];
        let static_target = |triple: &str| {
            let text = config(
                &layout,
                &package,
                &Target::new(Some(triple)).unwrap(),
                &native,
            );
            let start = text.find("add_library(sockit::sockit_static").unwrap();
            let end = start + text[start..].find("endif()").unwrap();
            text[start..end].to_string()
        };
        assert!(
            static_target("x86_64-unknown-linux-gnu")
                .contains("INTERFACE_LINK_OPTIONS \"LINKER:--gc-sections\")")
        );
        assert!(
            static_target("x86_64-apple-darwin")
                .contains("INTERFACE_LINK_OPTIONS \"LINKER:-dead_strip\")")
        );
        assert!(!static_target("x86_64-pc-windows-msvc").contains("INTERFACE_LINK_OPTIONS"));
        let linux = config(
            &layout,
            &package,
            &Target::new(Some("x86_64-unknown-linux-gnu")).unwrap(),
            &native,
        );
        let shared_start = linux.find("add_library(sockit::sockit_shared").unwrap();
        let shared_end = shared_start + linux[shared_start..].find("endif()").unwrap();
        assert!(!linux[shared_start..shared_end].contains("LINK_OPTIONS"));
    }

    #[test]
    fn major_and_minor() {
        assert_eq!(major_minor("0.1.0"), "0.1");
    }
}
