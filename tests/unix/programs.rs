//! The Unix domain echo pair, `unix_echo_server <path> [mode]` and `unix_echo_client <path>
//! <word>`, as processes, linked against both libraries: echoes in every server mode, the
//! client seen by its credentials, abstract names, a stale socket file replaced after a
//! crash while a live server's is not, the file removed at a clean stop, and names too long.
//! Under Wine, which has no Unix domain sockets, the server says so and exits.

#[path = "../support/mod.rs"]
mod support;

#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

#[cfg(unix)]
use support::Server;
use support::{Linkage, programs, run};

const LIMIT: Duration = Duration::from_secs(20);

fn program(name: &str, linkage: Linkage) -> PathBuf {
    programs().path(name, linkage)
}

/// A fresh folder for socket files, with a short path (socket names are limited).
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockit-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the client and checks it printed exactly `Received: <word>`.
#[cfg(unix)]
fn expect_echo(linkage: Linkage, path: &str, word: &str) {
    let output = run(&program("unix_echo_client", linkage), &[path, word], LIMIT);
    assert!(
        output.status.success() && output.stdout == format!("Received: {word}\n").as_bytes(),
        "unix_echo_client {path} {word}: {output:?}"
    );
}

/// Runs `program` (statically linked) and checks that it failed with exactly this on stderr.
fn expect_failure(program_name: &str, args: &[&str], stderr: &str) {
    let output = run(&program(program_name, Linkage::Static), args, LIMIT);
    assert!(
        output.status.code() == Some(1) && String::from_utf8_lossy(&output.stderr) == stderr,
        "{program_name} {args:?}: {output:?}"
    );
}

/// The user the test runs as, whom the server must see connecting.
#[cfg(unix)]
fn my_uid() -> u32 {
    // SAFETY: a plain call.
    unsafe { libc::geteuid() }
}

#[cfg(unix)]
#[test]
fn the_echo_pair_works_in_every_mode_with_both_libraries() {
    let dir = temp_dir("pair");
    for linkage in Linkage::BOTH {
        for mode in ["iterative", "threaded", "forking", "event-loop"] {
            let path = dir.join(format!("{mode}.sock"));
            let path = path.to_str().unwrap();
            let mut server =
                Server::start_listening(&program("unix_echo_server", linkage), &[path, mode]).0;
            expect_echo(linkage, path, "hello");
            expect_echo(linkage, path, &"long ".repeat(2000));
            // Who connected, as the system recorded it: the client's own process and user.
            let lines = server.stdout_lines();
            assert_eq!(lines.len(), 2, "{mode}: one line per client: {lines:?}");
            for line in &lines {
                let words: Vec<&str> = line.split(' ').collect();
                assert_eq!(words[..3], ["Client", "connected:", "pid"], "{line}");
                let pid: u32 = words[3].parse().unwrap();
                assert!(pid != server.pid() && pid != std::process::id(), "{line}");
                assert_eq!(words[4..], ["uid", &my_uid().to_string()], "{line}");
            }
            let status = server.terminate(Duration::from_secs(10));
            assert!(status.is_some_and(|s| s.success()), "{mode}: {status:?}");
            server.expect_stderr_line("unix_echo_server: stopped");
            assert!(
                !Path::new(path).exists(),
                "{mode}: the socket file was left behind"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_names_need_no_file() {
    let name = format!("@sockit-echo-{}", std::process::id());
    let server = Server::start_listening(
        &program("unix_echo_server", Linkage::Static),
        &[name.as_str(), "event-loop"],
    )
    .0;
    expect_echo(Linkage::Static, &name, "abstract");
    drop(server);
}

#[cfg(unix)]
#[test]
fn a_crashed_servers_file_is_replaced_but_a_live_servers_is_not() {
    let dir = temp_dir("stale");
    let path = dir.join("echo.sock");
    let path = path.to_str().unwrap();
    let server = program("unix_echo_server", Linkage::Static);
    // SIGKILL: the server has no chance to remove its file.
    drop(Server::start_listening(&server, &[path]).0);
    assert!(Path::new(path).exists());
    expect_failure(
        "unix_echo_client",
        &[path, "x"],
        "Failed to connect with server: Connection refused\n",
    );
    // The next server replaces the stale file and serves.
    let mut live = Server::start_listening(&server, &[path]).0;
    expect_echo(Linkage::Static, path, "after a crash");
    // A second server on the live one's path is refused, and the first keeps serving.
    expect_failure(
        "unix_echo_server",
        &[path],
        "Failed to create the server: Address already in use\n",
    );
    expect_echo(Linkage::Static, path, "still me");
    live.terminate(Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn names_too_long_and_paths_to_nowhere_are_reported() {
    let long = format!("/tmp/{}", "n".repeat(200));
    expect_failure(
        "unix_echo_client",
        &[long.as_str(), "x"],
        "Failed to connect with server: File name too long\n",
    );
    expect_failure(
        "unix_echo_server",
        &[long.as_str()],
        "Failed to create the server: File name too long\n",
    );
    expect_failure(
        "unix_echo_client",
        &["/nonexistent/dir/echo.sock", "x"],
        "Failed to connect with server: No such file or directory\n",
    );
}

/// Wine has no Unix domain sockets: the programs say so instead of misbehaving.
#[cfg(windows)]
#[test]
fn without_unix_domain_sockets_the_programs_say_so() {
    let dir = temp_dir("wine");
    let path = dir.join("echo.sock");
    let path = path.to_str().unwrap();
    let output = run(
        &program("unix_echo_server", Linkage::Static),
        &[path],
        LIMIT,
    );
    assert!(
        output.status.code() == Some(1),
        "unix_echo_server ran on a Windows with Unix domain sockets: {output:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Failed to create the server: Operation not supported\n"
    );
    expect_failure(
        "unix_echo_client",
        &[path, "x"],
        "Failed to connect with server: Operation not supported\n",
    );
    eprintln!("skipped the echo: this Windows (Wine) has no Unix domain sockets");
}
