//! The demo: the tutorials' C echo programs, linked against sockit, talking to each other over
//! loopback. `cargo run --example demo` builds the library, links every program of
//! `c_examples/` into `target/c_examples/` (statically; `shared/` holds the same programs
//! linked against the shared library) and runs both echo pairs, printing what a person typing
//! the commands would see. Exits non-zero if an echo does not come back as sent.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use support::{Linkage, Server, programs, run};

/// Runs one client command and shows it with its output; true if it echoed `word`.
fn client(program: &Path, host: &str, word: &str, port: u16) -> bool {
    let port = port.to_string();
    println!("$ {} {host} '{word}' {port}", shown(program));
    let output = run(program, &[host, word, &port], Duration::from_secs(20));
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    output.status.success() && output.stdout == format!("Received: {word}\n").as_bytes()
}

/// A path relative to the current folder when it is below it, for copy-paste.
fn shown(path: &Path) -> String {
    let here = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&here)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One echo pair: the server in the background, a client per kind of address.
fn echo_pair(protocol: &str, linkage: Linkage, server_lines_on_stderr: bool) -> bool {
    let programs = programs();
    let server_program = programs.path(&format!("{protocol}_echo_server"), linkage);
    let client_program = programs.path(&format!("{protocol}_echo_client"), linkage);
    println!("$ {} 0 &", shown(&server_program));
    let server = Server::start(&server_program, &["0"]);
    for line in server.stderr_lines() {
        println!("{line}");
    }
    let mut all_echoed = true;
    for (host, word) in [
        ("127.0.0.1", "hello over IPv4"),
        ("::1", "hello over IPv6"),
        ("localhost", "100% %s safe"),
    ] {
        all_echoed &= client(&client_program, host, word, server.port());
    }
    std::thread::sleep(Duration::from_millis(100));
    if !all_echoed && !server_lines_on_stderr {
        show_server_stderr(&server);
    }
    let seen = if server_lines_on_stderr {
        server.stderr_lines().into_iter().skip(1).collect()
    } else {
        server.stdout_lines()
    };
    println!("# the server printed:");
    for line in seen {
        println!("{line}");
    }
    println!("$ kill %1\n");
    all_echoed
}

/// Starts `server` with `server_args`, runs `client` with the arguments `client_args` makes
/// from the server's port, and shows both command lines and what the client printed, as a
/// shell session would. True if the client succeeded.
fn session(
    server: &str,
    server_args: &[&str],
    client: &str,
    client_args: impl FnOnce(&str) -> Vec<String>,
) -> bool {
    let programs = programs();
    let server_program = programs.path(server, Linkage::Static);
    println!("$ {} {} &", shown(&server_program), quoted(server_args));
    let running = Server::start(&server_program, server_args);
    let client_program = programs.path(client, Linkage::Static);
    let client_line = client_args(&running.port().to_string());
    let client_refs: Vec<&str> = client_line.iter().map(String::as_str).collect();
    println!("$ {} {}", shown(&client_program), quoted(&client_refs));
    let output = run(&client_program, &client_line, Duration::from_secs(60));
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        show_server_stderr(&running);
    }
    println!("$ kill %1\n");
    output.status.success()
}

/// After a failure: what the server said on stderr, which the session does not otherwise
/// show, so that the failure explains itself.
fn show_server_stderr(server: &Server) {
    eprintln!("# the client failed; the server's stderr:");
    for line in server.stderr_lines() {
        eprintln!("{line}");
    }
}

/// Part 2 of the tutorial, short form: a server in each concurrency mode against the
/// threaded clients; the times show who waits for whom.
fn servers_that_scale() -> bool {
    let mut all_served = true;
    for (server, server_args, client, client_args) in [
        (
            "udp_lengthy_server",
            &["0.3"][..],
            "udp_stress_client",
            &["5"][..],
        ),
        (
            "tcp_multi_echo_server",
            &[],
            "tcp_slow_client",
            &["5", "20"],
        ),
    ] {
        for mode in ["iterative", "event-loop"] {
            let args: Vec<&str> = ["0", mode]
                .into_iter()
                .chain(server_args.iter().copied())
                .collect();
            all_served &= session(server, &args, client, |port| {
                ["127.0.0.1", "hello", port]
                    .into_iter()
                    .chain(client_args.iter().copied())
                    .map(String::from)
                    .collect()
            });
        }
    }
    all_served
}

/// The message programs: glued messages come back one by one, in both framings.
fn messages() -> bool {
    let mut all_back = true;
    for flag in [None, Some("-l")] {
        let args: Vec<&str> = flag.into_iter().chain(["0"]).collect();
        all_back &= session("msg_echo_server", &args, "msg_client", |port| {
            let messages = ["hello", "two words", "", "sent in one write"];
            flag.into_iter()
                .chain(["localhost", port])
                .chain(messages)
                .map(String::from)
                .collect()
        });
    }
    all_back
}

/// Arguments as a shell would need them typed.
fn quoted(args: &[&str]) -> String {
    let quote = |arg: &&str| {
        if arg.is_empty() || arg.contains(' ') {
            format!("\"{arg}\"")
        } else {
            arg.to_string()
        }
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

fn main() -> ExitCode {
    let programs = programs();
    println!(
        "sockit {}: the tutorials' echo programs, linked into {}\n",
        env!("CARGO_PKG_VERSION"),
        shown(programs.dir())
    );
    println!("== TCP echo: tcp_echo_server and tcp_echo_client, static library ==");
    let tcp = echo_pair("tcp", Linkage::Static, false);
    println!("== UDP echo: udp_echo_server and udp_echo_client, shared library ==");
    // The tutorial's UDP server reports its clients on stderr.
    let udp = echo_pair("udp", Linkage::Shared, true);
    println!("== Servers that scale: one request at a time, then all at once ==");
    let scaled = servers_that_scale();
    println!("== Messages: glued together on the wire, read back one by one ==");
    let messages = messages();
    println!(
        "Every program is in {} (static) and {}/shared (shared library); run them by hand.",
        shown(programs.dir()),
        shown(programs.dir())
    );
    if tcp && udp && scaled && messages {
        println!("demo: all echoes came back as sent");
        ExitCode::SUCCESS
    } else {
        eprintln!("demo: an echo did not come back as sent");
        ExitCode::FAILURE
    }
}
