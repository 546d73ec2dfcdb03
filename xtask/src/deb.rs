//! `cargo xtask deb`: Debian packages, built with Debian's own tools.
//!
//! - `libsockit0`: the shared library (`libsockit.so.0.X.Y` and its SONAME link), with a
//!   `symbols` file and the `ldconfig` trigger;
//! - `libsockit-dev`: the header, the static library, the `libsockit.so` link, the
//!   pkg-config files, the CMake package and the manual (gzipped), depending on exactly
//!   the same version of `libsockit0`.
//!
//! The files are those `cargo xtask install --prefix /usr --libdir lib/<multiarch>` installs,
//! staged with `--destdir`. Both packages carry `copyright` (machine-readable, the
//! licenses of Cargo.toml) and `changelog.Debian.gz`. `Depends` comes from `dpkg-shlibdeps`;
//! the symbols file lists the functions the header declares and `dpkg-gensymbols` checks it
//! against the library's exports (a symbol more or less fails the build). `dpkg-deb` builds
//! the packages and `lintian` checks them: an error fails the task.
//!
//! `cargo xtask check-deb` then installs both packages with apt-get, builds
//! c_examples/quickstart.c with `cc app.c $(pkg-config --cflags --libs sockit)`, runs it
//! against a loopback echo server, finds `man 3 sockit_tcp_connect`, purges the packages
//! and checks that none of their files, no `ldconfig` entry and no other package was left
//! or changed.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::args::Args;
use crate::check_install::{command_ok, output_within, require_tools};
use crate::echo_server::EchoServer;
use crate::install::{self, Layout};
use crate::man;
use crate::package::{self, Package};
use crate::target::Target;

/// The Debian revision of every package built here.
const REVISION: &str = "1";

/// Who the packages name as maintainer unless DEBFULLNAME and DEBEMAIL say otherwise.
const DEFAULT_MAINTAINER: &str = "sockit developers <sockit@packages.invalid>";

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &["out"])?;
    let out = out_dir(&args);
    let built = build(&out, &args.cargo)?;
    for deb in [&built.library, &built.dev] {
        eprintln!("xtask deb: {}", deb.display());
    }
    Ok(())
}

pub fn run_check(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &["out"])?;
    let out = out_dir(&args);
    require_tools(
        &[
            ("apt-get", "apt"),
            ("cc", "gcc"),
            ("pkg-config", "pkg-config"),
        ],
        man::on_path,
        |packages| crate::apt::install("check-deb", packages, "to try the packages"),
    )?;
    for package in ["libsockit0", "libsockit-dev"] {
        if installed(package) {
            return Err(format!(
                "{package} is installed already: check-deb installs and removes it, and \
                 leaves a machine as it found it (apt-get purge {package} first)"
            ));
        }
    }
    let built = build(&out, &args.cargo)?;
    install_use_remove(&built)
}

fn out_dir(args: &Args) -> PathBuf {
    args.get("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| package::root().join("target/debian"))
}

pub struct Built {
    pub library: PathBuf,
    pub dev: PathBuf,
}

/// What a package is called and holds.
struct Deb {
    name: &'static str,
    tree: PathBuf,
}

fn build(out: &Path, cargo_options: &[String]) -> Result<Built, String> {
    require_tools(
        &[
            ("dpkg-deb", "dpkg"),
            ("dpkg-shlibdeps", "dpkg-dev"),
            ("dpkg-gensymbols", "dpkg-dev"),
            ("dpkg-architecture", "dpkg-dev"),
            ("lintian", "lintian"),
            ("strip", "binutils"),
            ("gzip", "gzip"),
            ("md5sum", "coreutils"),
            ("mandoc", "mandoc"),
        ],
        man::on_path,
        |packages| crate::apt::install("deb", packages, "to build the packages"),
    )?;
    let package = Package::read()?;
    let version = format!("{}-{REVISION}", package.version);
    let arch = tool_output(Command::new("dpkg").arg("--print-architecture"))?;
    let multiarch = tool_output(Command::new("dpkg-architecture").arg("-qDEB_HOST_MULTIARCH"))?;

    // debian/ as debhelper lays it out: a control file, and one tree per package.
    let work = out.join("build");
    let _ = fs::remove_dir_all(&work);
    let debian = work.join("debian");
    let stage = debian.join("tmp");
    fs::create_dir_all(&stage).map_err(|e| format!("create {}: {e}", stage.display()))?;
    let libdir = PathBuf::from("lib").join(&multiarch);
    let layout = Layout::staged_for_package(PathBuf::from("/usr"), libdir.clone(), &stage);
    install::install(&layout, &Target::new(None)?, "release", cargo_options)?;

    let staged_lib = stage.join("usr").join(&libdir);
    let soname = format!("libsockit.so.{}", package.major());
    let real = format!("libsockit.so.{}", package.version);
    let library = Deb {
        name: "libsockit0",
        tree: debian.join("libsockit0"),
    };
    let dev = Deb {
        name: "libsockit-dev",
        tree: debian.join("libsockit-dev"),
    };
    if format!("libsockit{}", package.major()) != library.name {
        return Err(format!(
            "the SONAME is {soname}: the library package must be called libsockit{} \
             (Debian's policy 8.1); rename it here",
            package.major()
        ));
    }
    for deb in [&library, &dev] {
        let _ = fs::remove_dir_all(&deb.tree);
    }

    // libsockit0: the library and its SONAME link.
    let lib_dir = library.tree.join("usr").join(&libdir);
    move_file(&staged_lib.join(&real), &lib_dir.join(&real))?;
    move_file(&staged_lib.join(&soname), &lib_dir.join(&soname))?;
    strip(&lib_dir.join(&real), &["--strip-unneeded"])?;

    // libsockit-dev: everything else.
    let dev_usr = dev.tree.join("usr");
    move_file(
        &stage.join("usr/include/sockit.h"),
        &dev_usr.join("include/sockit.h"),
    )?;
    for name in ["libsockit.a", "libsockit.so", "pkgconfig", "cmake"] {
        move_file(&staged_lib.join(name), &dev_usr.join(&libdir).join(name))?;
    }
    strip(
        &dev_usr.join(&libdir).join("libsockit.a"),
        &["--strip-debug", "--enable-deterministic-archives"],
    )?;
    move_file(&stage.join("usr/share/man"), &dev_usr.join("share/man"))?;
    compress_manual(&dev_usr.join("share/man"))?;
    let left = files_under(&stage)?;
    if !left.is_empty() {
        return Err(format!(
            "the install staged files no package takes: {left:?}"
        ));
    }

    let maintainer = maintainer();
    let date = changelog_date()?;
    for deb in [&library, &dev] {
        let doc = deb.tree.join("usr/share/doc").join(deb.name);
        write(&doc.join("copyright"), &copyright(&package, &date))?;
        let changelog = doc.join("changelog.Debian");
        write(
            &changelog,
            &format!(
                "sockit ({version}) unstable; urgency=medium\n\n  * Built by cargo xtask deb \
                 from the sockit sources.\n\n -- {maintainer}  {date}\n"
            ),
        )?;
        command_ok(
            Command::new("gzip").args(["-9n", "-f"]).arg(&changelog),
            "gzip changelog.Debian",
        )?;
    }

    write(
        &debian.join("control"),
        &format!(
            "Source: sockit\nMaintainer: {maintainer}\n\nPackage: {}\nArchitecture: any\n\n\
             Package: {}\nArchitecture: any\n",
            library.name, dev.name
        ),
    )?;
    let depends = shlib_depends(&work, &lib_dir.join(&real))?;
    symbols(&work, &library, &version)?;
    write(
        &library.tree.join("DEBIAN/triggers"),
        "activate-noawait ldconfig\n",
    )?;
    // For tools that read shlibs rather than symbols: the same dependency, coarser.
    write(
        &library.tree.join("DEBIAN/shlibs"),
        &format!(
            "libsockit {} {} (>= {})\n",
            package.major(),
            library.name,
            package.version
        ),
    )?;

    let description = |what: &str, long: &str| {
        format!(
            "Description: {} ({what})\n {}\n .\n {}\n",
            // Lintian's limit is 80 characters, " (what)" included.
            summary(&package.description, 80 - what.len() - 3),
            wrap(&package.description, 78).join("\n "),
            wrap(long, 78).join("\n "),
        )
    };
    control(
        &library,
        &[
            ("Version", version.clone()),
            ("Architecture", arch.clone()),
            ("Maintainer", maintainer.clone()),
            ("Depends", depends),
            ("Section", "libs".into()),
            ("Priority", "optional".into()),
            ("Multi-Arch", "same".into()),
        ],
        &description(
            "shared library",
            "This package holds the shared library, libsockit.so.0.",
        ),
    )?;
    control(
        &dev,
        &[
            ("Version", version.clone()),
            ("Architecture", arch.clone()),
            ("Maintainer", maintainer),
            ("Depends", format!("{} (= {version})", library.name)),
            ("Section", "libdevel".into()),
            ("Priority", "optional".into()),
            ("Multi-Arch", "same".into()),
        ],
        &description(
            "development files",
            "This package holds the header sockit.h, the static library, the pkg-config \
             files (sockit, sockit-static), the CMake package (find_package(sockit)) and \
             the manual: a page per function and type in section 3, sockit(7) for the \
             conventions and error codes.",
        ),
    )?;

    fs::create_dir_all(out).map_err(|e| format!("create {}: {e}", out.display()))?;
    let mut debs = Vec::new();
    for deb in [&library, &dev] {
        md5sums(&deb.tree)?;
        let file = out.join(format!("{}_{version}_{arch}.deb", deb.name));
        let _ = fs::remove_file(&file);
        command_ok(
            Command::new("dpkg-deb")
                .args(["--root-owner-group", "-Zxz", "--build"])
                .arg(&deb.tree)
                .arg(&file),
            "dpkg-deb --build",
        )?;
        debs.push(file);
    }
    lintian(&debs)?;
    let dev = debs.pop().expect("two packages");
    let library = debs.pop().expect("two packages");
    Ok(Built { library, dev })
}

fn tool_output(command: &mut Command) -> Result<String, String> {
    let what = format!("{command:?}");
    let output = command_ok(command, &what)?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    let parent = path.parent().expect("a file has a folder");
    fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

fn move_file(from: &Path, to: &Path) -> Result<(), String> {
    let parent = to.parent().expect("a file has a folder");
    fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    fs::rename(from, to).map_err(|e| format!("move {} to {}: {e}", from.display(), to.display()))
}

/// What dh_strip does: no debug information and no build notes in what ships.
fn strip(file: &Path, how: &[&str]) -> Result<(), String> {
    command_ok(
        Command::new("strip")
            .args(how)
            .args(["--remove-section=.comment", "--remove-section=.note"])
            .arg(file),
        &format!("strip {}", file.display()),
    )?;
    fs::set_permissions(file, fs::Permissions::from_mode(0o644))
        .map_err(|e| format!("chmod {}: {e}", file.display()))
}

fn compress_manual(mandir: &Path) -> Result<(), String> {
    for file in files_under(mandir)? {
        command_ok(
            Command::new("gzip").args(["-9n", "-f"]).arg(&file),
            "gzip a page",
        )?;
    }
    Ok(())
}

/// Regular files and links under `dir` (not folders), sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).map_err(|e| format!("read {}: {e}", folder.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
            if meta.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn maintainer() -> String {
    match (std::env::var("DEBFULLNAME"), std::env::var("DEBEMAIL")) {
        (Ok(name), Ok(email)) if !name.is_empty() && !email.is_empty() => {
            format!("{name} <{email}>")
        }
        _ => DEFAULT_MAINTAINER.to_string(),
    }
}

/// The date of the commit being packaged (the same for every build of it), or now.
fn changelog_date() -> Result<String, String> {
    let git = Command::new("git")
        .args(["log", "-1", "--format=%aD"])
        .current_dir(package::root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|d| !d.is_empty());
    match git {
        Some(date) => Ok(date),
        None => tool_output(Command::new("date").arg("-R")),
    }
}

/// `date` is the changelog's (RFC 2822): its year is the copyright notice's.
fn copyright(package: &Package, date: &str) -> String {
    let year = date
        .split_whitespace()
        .find(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_default();
    format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: sockit\n\
         Comment: {description}\n\n\
         Files: *\n\
         Copyright: {year} the sockit developers\n\
         License: {license}\n\n\
         License: MIT\n \
         Permission is hereby granted, free of charge, to any person obtaining a copy of this\n \
         software and associated documentation files (the \"Software\"), to deal in the Software\n \
         without restriction, including without limitation the rights to use, copy, modify,\n \
         merge, publish, distribute, sublicense, and/or sell copies of the Software, and to\n \
         permit persons to whom the Software is furnished to do so, subject to the following\n \
         conditions:\n .\n \
         The above copyright notice and this permission notice shall be included in all copies\n \
         or substantial portions of the Software.\n .\n \
         THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,\n \
         INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A\n \
         PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT\n \
         HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF\n \
         CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE\n \
         OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n\n\
         License: Apache-2.0\n \
         On Debian systems, the full text of the Apache License, Version 2.0, is in\n \
         /usr/share/common-licenses/Apache-2.0.\n",
        description = package.description,
        license = debian_license(&package.license),
    )
}

/// Cargo's SPDX expression as DEP-5 writes it: `MIT OR Apache-2.0` -> `MIT or Apache-2.0`.
fn debian_license(spdx: &str) -> String {
    spdx.split_whitespace()
        .map(|word| match word {
            "OR" => "or",
            "AND" => "and",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `shlibs:Depends` of the library, as dpkg-shlibdeps computes it.
fn shlib_depends(work: &Path, library: &Path) -> Result<String, String> {
    let output = command_ok(
        Command::new("dpkg-shlibdeps")
            .arg("-O")
            .arg(library)
            .current_dir(work),
        "dpkg-shlibdeps",
    )?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("shlibs:Depends="))
        .map(str::to_string)
        .ok_or_else(|| format!("dpkg-shlibdeps printed no shlibs:Depends: {text}"))
}

/// DEBIAN/symbols: every function the header declares, since this version; dpkg-gensymbols
/// writes it after comparing it with what the library exports.
fn symbols(work: &Path, library: &Deb, version: &str) -> Result<(), String> {
    let header = fs::read_to_string(package::root().join("include/sockit.h"))
        .map_err(|e| format!("read include/sockit.h: {e}"))?;
    let upstream = version.split('-').next().unwrap_or(version);
    let soname = fs::read_dir(library.tree.join("usr/lib"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.path())
        .and_then(|dir| {
            fs::read_dir(dir).ok()?.find_map(|e| {
                let name = e.ok()?.file_name().to_string_lossy().into_owned();
                (name.matches('.').count() == 2).then_some(name)
            })
        })
        .ok_or("no SONAME link in the library package")?;
    let mut template = format!(
        "{soname} {} #MINVER#\n* Build-Depends-Package: libsockit-dev\n",
        library.name
    );
    for name in man::declared_functions(&header) {
        template.push_str(&format!(" {name}@Base {upstream}\n"));
    }
    let template_path = work.join("debian/libsockit0.symbols");
    write(&template_path, &template)?;
    let control_dir = library.tree.join("DEBIAN");
    fs::create_dir_all(&control_dir)
        .map_err(|e| format!("create {}: {e}", control_dir.display()))?;
    let changelog = work.join("debian/changelog");
    write(
        &changelog,
        &format!(
            "sockit ({version}) unstable; urgency=medium\n\n  * Packaged.\n\n -- {}  {}\n",
            maintainer(),
            changelog_date()?
        ),
    )?;
    command_ok(
        Command::new("dpkg-gensymbols")
            .arg(format!("-p{}", library.name))
            .arg(format!("-P{}", library.tree.display()))
            .arg(format!("-v{version}"))
            .arg(format!("-I{}", template_path.display()))
            .arg("-c4")
            .arg(format!(
                "-O{}",
                library.tree.join("DEBIAN/symbols").display()
            ))
            .current_dir(work),
        "dpkg-gensymbols (the header's functions against the library's exports)",
    )?;
    Ok(())
}

fn control(deb: &Deb, fields: &[(&str, String)], description: &str) -> Result<(), String> {
    let mut size_kib = 0u64;
    for file in files_under(&deb.tree)? {
        if file.starts_with(deb.tree.join("DEBIAN")) {
            continue;
        }
        let meta = fs::symlink_metadata(&file).map_err(|e| e.to_string())?;
        size_kib += meta.len().div_ceil(1024).max(1);
    }
    let mut text = format!("Package: {}\nSource: sockit\n", deb.name);
    for (name, value) in fields {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push_str(&format!("Installed-Size: {size_kib}\n"));
    text.push_str(description);
    write(&deb.tree.join("DEBIAN/control"), &text)
}

fn md5sums(tree: &Path) -> Result<(), String> {
    let mut text = String::new();
    for file in files_under(tree)? {
        let relative = file.strip_prefix(tree).expect("under the tree");
        if relative.starts_with("DEBIAN")
            || fs::symlink_metadata(&file).is_ok_and(|m| m.is_symlink())
        {
            continue;
        }
        let output = command_ok(Command::new("md5sum").arg(&file), "md5sum")?;
        let sum = String::from_utf8_lossy(&output.stdout);
        let sum = sum.split_whitespace().next().unwrap_or_default();
        text.push_str(&format!("{sum}  {}\n", relative.display()));
    }
    write(&tree.join("DEBIAN/md5sums"), &text)
}

fn lintian(debs: &[PathBuf]) -> Result<(), String> {
    let output = Command::new("lintian")
        .args(["--fail-on", "error", "--display-info"])
        .args(debs)
        .output()
        .map_err(|e| format!("run lintian: {e}"))?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    eprint!("{report}");
    if !output.status.success() || report.lines().any(|l| l.starts_with("E: ")) {
        return Err(format!("lintian reports errors ({})", output.status));
    }
    eprintln!("xtask deb: lintian reports no error");
    Ok(())
}

/// The description's first line: at most `width` characters (cut between words), no
/// article first, no final full stop.
fn summary(description: &str, width: usize) -> String {
    let first = description.split(", ").next().unwrap_or(description);
    let first = ["The ", "A ", "An "]
        .iter()
        .find_map(|article| first.strip_prefix(article))
        .unwrap_or(first);
    let first = first.trim_end_matches('.');
    wrap(first, width).swap_remove(0)
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().unwrap();
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("ok installed"))
}

/// Every installed package with its version.
fn installed_packages() -> Result<BTreeSet<String>, String> {
    let output = command_ok(
        Command::new("dpkg-query")
            .args(["-W", "-f=${Package}:${Architecture}=${Version} ${Status}\n"]),
        "dpkg-query -W",
    )?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.ends_with("ok installed"))
        .map(str::to_string)
        .collect())
}

/// apt-get as root, or through `sudo -n`, in `dir`.
fn apt_get(args: &[&str], dir: &Path) -> Result<(), String> {
    let mut command = crate::apt::apt_get(args);
    command.current_dir(dir);
    command_ok(&mut command, &format!("apt-get {}", args.join(" "))).map(|_| ())
}

/// Installs both packages, uses them as a C programmer would, removes them, and checks
/// that the machine is as it was.
fn install_use_remove(built: &Built) -> Result<(), String> {
    let before = installed_packages()?;
    let folder = built.library.parent().expect("in a folder");
    let name = |path: &Path| format!("./{}", path.file_name().unwrap().to_string_lossy());
    let (library, dev) = (name(&built.library), name(&built.dev));
    eprintln!("xtask check-deb: apt-get install {library} {dev}");
    let installing = apt_get(&["install", "-y", "-qq", &library, &dev], folder);
    let result = installing.and_then(|_| {
        let files = package_files()?;
        let used = use_installed();
        Ok((files, used))
    });
    // Whatever happened, the packages go again.
    let removed = apt_get(
        &["purge", "-y", "-qq", "libsockit0", "libsockit-dev"],
        folder,
    );
    let (files, used) = result?;
    removed?;
    used?;
    nothing_left(&files, &before)
}

/// `dpkg -L` of both packages: what they put on the machine.
fn package_files() -> Result<Vec<PathBuf>, String> {
    let output = command_ok(
        Command::new("dpkg").args(["-L", "libsockit0", "libsockit-dev"]),
        "dpkg -L",
    )?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(PathBuf::from)
        .collect())
}

/// The quickstart built as the README's pkg-config line does, with no folder named, and
/// run; the manual found by `man`.
fn use_installed() -> Result<(), String> {
    let work = std::env::temp_dir().join(format!("sockit-check-deb-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("create {}: {e}", work.display()))?;
    let result = (|| {
        fs::copy(
            package::root().join("c_examples/quickstart.c"),
            work.join("app.c"),
        )
        .map_err(|e| format!("copy quickstart.c: {e}"))?;
        let line = "cc app.c $(pkg-config --cflags --libs sockit) -o app";
        let mut build = Command::new("sh");
        build.args(["-ec", line]).current_dir(&work);
        for variable in [
            "PKG_CONFIG_PATH",
            "PKG_CONFIG_LIBDIR",
            "LIBRARY_PATH",
            "CPATH",
            "LD_LIBRARY_PATH",
        ] {
            build.env_remove(variable);
        }
        command_ok(&mut build, line)?;
        let server = EchoServer::start()?;
        let message = "hello from the packages";
        let output = output_within(
            Command::new(work.join("app"))
                .args(["127.0.0.1", &server.port().to_string(), message])
                .env_remove("LD_LIBRARY_PATH"),
            Duration::from_secs(30),
        )?;
        let expected = format!("Received: {message}\n");
        if !output.status.success() || output.stdout != expected.as_bytes() {
            return Err(format!(
                "the packaged quickstart printed {:?} and {:?} ({})",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                output.status
            ));
        }
        eprintln!("xtask check-deb: `{line}` built the quickstart, and it echoed");
        let page = tool_output(Command::new("man").args(["-w", "3", "sockit_tcp_connect"]))?;
        if !page.starts_with("/usr/share/man/man3/sockit_tcp_connect.3") {
            return Err(format!("man -w 3 sockit_tcp_connect found {page:?}"));
        }
        eprintln!("xtask check-deb: man 3 sockit_tcp_connect is {page}");
        Ok(())
    })();
    let _ = fs::remove_dir_all(&work);
    result
}

/// After the purge: none of the packages' files, no folder of their own, no `ldconfig`
/// entry, and the same packages installed as before.
fn nothing_left(files: &[PathBuf], before: &BTreeSet<String>) -> Result<(), String> {
    let mut left = Vec::new();
    for path in files {
        let Ok(meta) = fs::symlink_metadata(path) else {
            continue;
        };
        // Folders such as /usr/lib/<multiarch> belong to other packages too.
        let own_folder = path.to_string_lossy().contains("sockit");
        if !meta.is_dir() || own_folder {
            left.push(path.display().to_string());
        }
    }
    let cache = tool_output(Command::new("ldconfig").arg("-p"))?;
    if cache.contains("libsockit") {
        left.push("an ldconfig cache entry for libsockit".into());
    }
    let after = installed_packages()?;
    for package in before.symmetric_difference(&after) {
        left.push(format!("package {package} changed"));
    }
    if !left.is_empty() {
        return Err(format!(
            "after apt-get purge, left behind:\n{}",
            left.join("\n")
        ));
    }
    eprintln!(
        "xtask check-deb: purged; none of the packages' {} paths, no ldconfig entry and no \
         other package changed",
        files.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_left_behind_is_reported() {
        if !man::on_path("dpkg-query") || !man::on_path("ldconfig") {
            eprintln!("not a Debian system: check-deb runs on one");
            return;
        }
        let dir = std::env::temp_dir().join(format!("xtask-left-test-{}", std::process::id()));
        let file = dir.join("usr/lib/libsockit.so.0");
        write(&file, "left").unwrap();
        let before = installed_packages().unwrap();
        let err = nothing_left(&[dir.clone(), file.clone()], &before).unwrap_err();
        assert!(err.contains(&file.display().to_string()), "{err}");
        // The folder is not this package's own (no "sockit" in its name): not reported.
        assert!(!err.lines().any(|l| l == dir.to_string_lossy()), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn licenses_as_debian_writes_them() {
        assert_eq!(debian_license("MIT OR Apache-2.0"), "MIT or Apache-2.0");
    }

    #[test]
    fn descriptions_are_wrapped_and_summed_up() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(
            summary(
                "The classic BSD-sockets tutorial routines and a modern API, for C",
                50
            ),
            "classic BSD-sockets tutorial routines and a modern"
        );
    }
}
