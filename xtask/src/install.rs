//! `cargo xtask install`: the library installed the way C libraries are.
//!
//! Layout under the prefix (lib, include and bin can be renamed):
//!
//! ```text
//! include/sockit.h
//! lib/libsockit.a                          static (sockit.lib with MSVC)
//! lib/libsockit.so.X.Y.Z, .so.X, .so       ELF: the file, the SONAME, the link name
//! lib/libsockit.X.dylib, libsockit.dylib   Apple: install name <libdir>/libsockit.X.dylib
//! bin/sockit.dll + lib/libsockit.dll.a     Windows (sockit.dll.lib with MSVC)
//! lib/pkgconfig/sockit.pc                  -lsockit (shared where both are installed)
//! lib/pkgconfig/sockit-static.pc           the static library by path, with its native libs
//! lib/cmake/sockit/sockitConfig.cmake      find_package(sockit): sockit::sockit and friends
//! lib/cmake/sockit/sockitConfigVersion.cmake
//! share/man/man3/<function>.3, <type>.3    the manual (`cargo xtask man`), and sockit.3
//! share/man/man7/sockit.7                  conventions, error codes, the API by section
//! ```

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::args::Args;
use crate::cmake_package;
use crate::library_build::{self, Built};
use crate::man;
use crate::package::{self, Package};
use crate::pkg_config;
use crate::target::Target;

/// Where things go. `prefix` is what the installed files name; `root` is where they are
/// written (the prefix itself, or the prefix under a staging `--destdir`).
pub struct Layout {
    pub prefix: PathBuf,
    root: PathBuf,
    /// Relative to the prefix.
    pub libdir: PathBuf,
    pub includedir: PathBuf,
    pub bindir: PathBuf,
    pub mandir: PathBuf,
}

impl Layout {
    /// The usual folders under `prefix`, written in place.
    pub fn new(prefix: PathBuf) -> Layout {
        Layout {
            root: prefix.clone(),
            prefix,
            libdir: PathBuf::from("lib"),
            includedir: PathBuf::from("include"),
            bindir: PathBuf::from("bin"),
            mandir: PathBuf::from("share/man"),
        }
    }

    fn from_args(args: &Args) -> Result<Layout, String> {
        let prefix = PathBuf::from(args.get("prefix").unwrap_or("/usr/local"));
        if !prefix.is_absolute() {
            return Err(format!(
                "--prefix {} is not an absolute path",
                prefix.display()
            ));
        }
        let relative = |name: &str, default: &str| -> Result<PathBuf, String> {
            let dir = PathBuf::from(args.get(name).unwrap_or(default));
            let dir = match dir.strip_prefix(&prefix) {
                Ok(inside) => inside.to_path_buf(),
                Err(_) if dir.is_absolute() => {
                    return Err(format!("--{name} {} is not inside --prefix", dir.display()));
                }
                Err(_) => dir,
            };
            if dir.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Err(format!(
                    "--{name} {} must name a folder below the prefix",
                    dir.display()
                ));
            }
            Ok(dir)
        };
        let root = match args.get("destdir") {
            // DESTDIR convention: the prefix re-rooted under the staging folder.
            Some(destdir) => Path::new(destdir).join(prefix.strip_prefix("/").unwrap_or(&prefix)),
            None => prefix.clone(),
        };
        Ok(Layout {
            libdir: relative("libdir", "lib")?,
            includedir: relative("includedir", "include")?,
            bindir: relative("bindir", "bin")?,
            mandir: relative("mandir", "share/man")?,
            prefix,
            root,
        })
    }

    /// The layout of a distribution package: `prefix` with `libdir`, staged under
    /// `destdir`.
    pub fn staged_for_package(prefix: PathBuf, libdir: PathBuf, destdir: &Path) -> Layout {
        Layout {
            root: destdir.join(prefix.strip_prefix("/").unwrap_or(&prefix)),
            libdir,
            ..Layout::new(prefix)
        }
    }

    /// A folder as the installed files name it.
    pub fn installed(&self, dir: &Path) -> PathBuf {
        self.prefix.join(dir)
    }

    /// A path as text for pkg-config and CMake files, which both take `/` on every system.
    pub fn text(&self, path: &Path) -> String {
        let text = path.to_string_lossy();
        if cfg!(windows) {
            text.replace('\\', "/")
        } else {
            text.into_owned()
        }
    }

    fn staged(&self, dir: &Path) -> PathBuf {
        self.root.join(dir)
    }
}

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(
        arguments,
        &[
            "prefix",
            "libdir",
            "includedir",
            "bindir",
            "mandir",
            "destdir",
            "target",
            "profile",
        ],
    )?;
    let layout = Layout::from_args(&args)?;
    let target = Target::new(args.get("target"))?;
    let profile = args.get("profile").unwrap_or("release");
    install(&layout, &target, profile, &args.cargo)
}

/// Builds and installs; prints each installed file.
pub fn install(
    layout: &Layout,
    target: &Target,
    profile: &str,
    cargo_options: &[String],
) -> Result<(), String> {
    let package = Package::read()?;
    let libdir = layout.installed(&layout.libdir);
    let link_args =
        target.shared_link_args(&package.version, package.major(), &libdir.to_string_lossy());
    let built = library_build::build(target, profile, &link_args, cargo_options)?;

    let header = package::root().join("include/sockit.h");
    copy(&header, &layout.staged(&layout.includedir).join("sockit.h"))?;
    install_libraries(layout, target, &package, &built)?;

    let pkgconfig = layout.staged(&layout.libdir).join("pkgconfig");
    write(
        &pkgconfig.join("sockit.pc"),
        &pkg_config::shared(layout, &package, &built.native_static_libs),
    )?;
    write(
        &pkgconfig.join("sockit-static.pc"),
        &pkg_config::static_only(layout, &package, target, &built.native_static_libs),
    )?;

    let cmake = layout.staged(&layout.libdir).join("cmake/sockit");
    write(
        &cmake.join("sockitConfig.cmake"),
        &cmake_package::config(layout, &package, target, &built.native_static_libs),
    )?;
    write(
        &cmake.join("sockitConfigVersion.cmake"),
        &cmake_package::version(&package),
    )?;

    // The manual, generated from the header just installed.
    let mandir = layout.staged(&layout.mandir);
    for page in man::generate()? {
        write(&mandir.join(&page.path), &page.source)?;
    }
    eprintln!(
        "xtask: installed sockit {} for {} under {}",
        package.version,
        target.triple,
        layout.root.display()
    );
    Ok(())
}

fn install_libraries(
    layout: &Layout,
    target: &Target,
    package: &Package,
    built: &Built,
) -> Result<(), String> {
    let libdir = layout.staged(&layout.libdir);
    copy(
        built.file(target.static_lib())?,
        &libdir.join(target.static_lib()),
    )?;
    let names = target.shared_names(&package.version, package.major());
    let shared = built.file(target.shared_lib())?;
    if target.is_windows() {
        // The DLL goes where programs and PATH find it; programs link its import library.
        copy(shared, &layout.staged(&layout.bindir).join(&names[0]))?;
        let import_lib = target.import_lib().expect("Windows has import libraries");
        copy(built.file(import_lib)?, &libdir.join(import_lib))?;
        return Ok(());
    }
    copy(shared, &libdir.join(&names[0]))?;
    // Each further name points at the one before it: libsockit.so -> .so.0 -> .so.0.1.0.
    for pair in names.windows(2) {
        link(&libdir, &pair[0], &pair[1])?;
    }
    Ok(())
}

/// `dir/name` becomes a symbolic link to `points_to` (in the same folder).
fn link(dir: &Path, points_to: &str, name: &str) -> Result<(), String> {
    let path = dir.join(name);
    let _ = fs::remove_file(&path);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(points_to, &path)
            .map_err(|e| format!("link {} to {points_to}: {e}", path.display()))?;
    }
    #[cfg(not(unix))]
    {
        // A Unix library installed from a non-Unix host (a staging folder): a copy serves.
        fs::copy(dir.join(points_to), &path)
            .map_err(|e| format!("copy {points_to} to {}: {e}", path.display()))?;
    }
    eprintln!("xtask:   {} -> {points_to}", path.display());
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    create_parent(to)?;
    // Replace, never write through: the old file may be a library a running program maps.
    let _ = fs::remove_file(to);
    fs::copy(from, to).map_err(|e| format!("copy {} to {}: {e}", from.display(), to.display()))?;
    eprintln!("xtask:   {}", to.display());
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    create_parent(path)?;
    fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    eprintln!("xtask:   {}", path.display());
    Ok(())
}

fn create_parent(path: &Path) -> Result<(), String> {
    let parent = path.parent().expect("a file has a folder");
    fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))
}
