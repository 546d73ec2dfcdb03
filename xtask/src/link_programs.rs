//! `cargo xtask link-programs --out-dir DIR`: links the C programs on the build machine, for
//! test runs under an emulator, with the harness's own linking code.

use std::path::PathBuf;

use crate::args::Args;

#[path = "../../tests/support/c_link.rs"]
#[allow(dead_code)] // the harness uses parts this task does not
mod c_link;

pub fn run(arguments: Vec<String>) -> Result<(), String> {
    let args = Args::parse(arguments, &["out-dir"])?;
    let out_dir = PathBuf::from(args.get("out-dir").ok_or("--out-dir DIR is required")?);
    // OUT_DIR is <target>/<triple>/<profile>/build/sockit-<hash>/out; the libraries are in
    // <profile>/deps and the harness looks for the programs in <triple>/c_examples.
    let profile_dir = out_dir
        .ancestors()
        .nth(3)
        .ok_or_else(|| format!("{} is not a build script's OUT_DIR", out_dir.display()))?;
    let libs = profile_dir.join("deps");
    let dir = profile_dir
        .parent()
        .ok_or("the profile folder has no parent")?
        .join("c_examples");
    let toolchain = c_link::Toolchain::read(&out_dir);
    let names = toolchain.link_all(&libs, &dir);
    eprintln!(
        "xtask: linked {} C programs, static and shared, into {}",
        names.len(),
        dir.display()
    );
    Ok(())
}
