//! Network namespaces of a test's own (Linux, as root): multicast, broadcast and a
//! black-holed IPv6 path without touching the machine's own network. Two kinds:
//!
//! - [`Namespace`]: a process (`unshare -n -m sleep`) holds a new network and mount
//!   namespace, and programs run in it through `nsenter`; it ends with the value.
//! - [`enter_new_network_namespace`]: the calling thread alone moves into a fresh network
//!   namespace (Linux keeps namespaces per thread), for in-process tests of the C API.
//!
//! Both report why they cannot be had (not root, a tool missing, namespaces not allowed), so
//! that the test says it was skipped instead of failing or passing in silence.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// A network and mount namespace held by a sleeping process.
pub struct Namespace {
    holder: Child,
}

/// Whether `tool` can be run here.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Why namespaces cannot be made here, if they cannot.
fn unavailable() -> Option<String> {
    // SAFETY: a plain call.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root: network namespaces need it".into());
    }
    for tool in ["unshare", "nsenter", "ip"] {
        if !have(tool) {
            return Some(format!("`{tool}` is not installed (util-linux, iproute2)"));
        }
    }
    None
}

impl Namespace {
    /// A new namespace with its loopback interface up, or why there can be none.
    pub fn new() -> Result<Namespace, String> {
        if let Some(reason) = unavailable() {
            return Err(reason);
        }
        let holder = Command::new("unshare")
            .args([
                "--net",
                "--mount",
                "--propagation",
                "private",
                "sleep",
                "600",
            ])
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("unshare: {e}"))?;
        let namespace = Namespace { holder };
        // The holder may not have unshared yet: wait until its namespace differs from ours.
        let ours = std::fs::read_link("/proc/self/ns/net").ok();
        let theirs = format!("/proc/{}/ns/net", namespace.holder.id());
        for _ in 0..200 {
            let now = std::fs::read_link(&theirs).ok();
            if now.is_some() && now != ours {
                namespace.run(&["ip", "link", "set", "lo", "up"])?;
                return Ok(namespace);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Err("unshare made no network namespace (not allowed here?)".into())
    }

    /// The words that run a command in the namespace.
    pub fn prefix(&self) -> Vec<OsString> {
        [
            "nsenter",
            "-t",
            &self.holder.id().to_string(),
            "-n",
            "-m",
            "--",
        ]
        .iter()
        .map(OsString::from)
        .collect()
    }

    /// Runs a setup command in the namespace; its failure is the error.
    pub fn run<S: AsRef<OsStr>>(&self, command: &[S]) -> Result<Output, String> {
        let prefix = self.prefix();
        let output = Command::new(&prefix[0])
            .args(&prefix[1..])
            .args(command)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("nsenter: {e}"))?;
        if !output.status.success() {
            let words: Vec<_> = command
                .iter()
                .map(|w| w.as_ref().to_string_lossy())
                .collect();
            return Err(format!(
                "`{}` failed in the namespace: {}",
                words.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(output)
    }

    /// Runs a shell command line in the namespace (for setup that writes files).
    pub fn shell(&self, line: &str) -> Result<Output, String> {
        self.run(&["sh", "-c", line])
    }

    /// Bind-mounts `file` over `target` in the namespace (its own mount namespace: the
    /// machine's file is untouched).
    pub fn mount_over(&self, file: &Path, target: &str) -> Result<(), String> {
        self.run(&[
            OsStr::new("mount"),
            OsStr::new("--bind"),
            file.as_os_str(),
            OsStr::new(target),
        ])
        .map(drop)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// Moves the calling thread (only) into a fresh network namespace with its loopback
/// interface up; commands this thread starts run there too. Or why it cannot.
pub fn enter_new_network_namespace() -> Result<(), String> {
    if let Some(reason) = unavailable() {
        return Err(reason);
    }
    // SAFETY: unshare takes a flag; it changes this thread's network namespace only.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(format!(
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        ));
    }
    let status = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .map_err(|e| format!("ip: {e}"))?;
    if !status.success() {
        return Err("`ip link set lo up` failed".into());
    }
    Ok(())
}

/// Runs `command` (words) in the calling thread's namespace; panics on failure (setup).
pub fn setup(command: &[&str]) {
    let output = Command::new(command[0])
        .args(&command[1..])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", command[0]));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
