//! Installing a Debian package a task needs and the machine lacks: apt-get as root, or
//! through `sudo -n` (never a password prompt).

use std::process::Command;

/// Installs `packages`; whether that worked.
pub fn install(task: &str, packages: &[&str], why: &str) -> bool {
    eprintln!(
        "xtask {task}: installing {} (apt-get) {why}",
        packages.join(" ")
    );
    let apt = |args: &[&str]| apt_get(args).status().is_ok_and(|s| s.success());
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    apt(&["update", "-qq"]) && apt(&install)
}

/// An apt-get command with `args`, run as root or through `sudo -n`, non-interactive.
pub fn apt_get(args: &[&str]) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut command = if root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", "apt-get"]);
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

/// Whether `program` runs (`program --version`).
pub fn has(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
