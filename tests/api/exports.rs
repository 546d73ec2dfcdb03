//! What the shared library exports: exactly the functions the header declares.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Function names declared in the header: `name(` at the start of a declaration.
fn header_functions() -> BTreeSet<String> {
    let header =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sockit.h")).unwrap();
    header
        .lines()
        .filter(|line| !line.starts_with(' ') && !line.starts_with('*') && !line.starts_with('#'))
        .filter(|line| !line.starts_with("typedef") && !line.starts_with("/"))
        .filter_map(|line| line.split_once('(').map(|(head, _)| head))
        .filter_map(|head| head.rsplit([' ', '*']).next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "reads the ELF exports with nm")]
fn shared_library_exports_exactly_the_header_functions() {
    let exe = std::env::current_exe().unwrap();
    let library = exe.parent().unwrap().join("libsockit.so");
    let output = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&library)
        .output()
        .expect("run nm (binutils comes with gcc)");
    assert!(output.status.success(), "{output:?}");
    let exported: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    let declared = header_functions();
    assert!(declared.contains("sockit_tcp_connect") && declared.contains("Die"));
    assert_eq!(exported, declared);
    for name in &exported {
        assert!(
            name.starts_with("sockit_") || name == "Die" || name == "HandleClient",
            "{name} is exported"
        );
    }
}
