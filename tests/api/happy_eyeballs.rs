//! Happy Eyeballs through the C programs, in a network namespace and mount namespace the
//! test makes: a name mapped to `::1` and `127.0.0.1` (a hosts file bind-mounted over
//! `/etc/hosts` there, which the system resolver reads), and an nftables rule that drops
//! every packet to the server's port over IPv6, so that the IPv6 path is black-holed: a
//! connect there is never answered. `tcp_echo_client <name>`, whose connect timeout is 10 s,
//! must still be echoed, over IPv4, well before that: an IPv4 attempt starts 250 ms after
//! the IPv6 one. A connect to `::1` alone shows that the rule does hold.
//!
//! Needs root (namespaces) and `nft` (Debian's nftables, which `.ci/run` installs); says so
//! when skipped.
#![cfg(target_os = "linux")]

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::netns::Namespace;
use support::{Linkage, Server, programs, run_in};

const NAME: &str = "dual.sockit.test";

/// The namespace with the name mapped and the IPv6 path to `port` black-holed.
fn black_holed_ipv6(port: u16, ns: &Namespace) -> Result<(), String> {
    let hosts = std::env::temp_dir().join(format!("sockit-hosts-{}", std::process::id()));
    std::fs::write(&hosts, format!("::1 {NAME}\n127.0.0.1 {NAME}\n")).unwrap();
    let mounted = ns.mount_over(&hosts, "/etc/hosts");
    let _ = std::fs::remove_file(&hosts);
    mounted?;
    ns.run(&["nft", "add", "table", "ip6", "sockit"])?;
    ns.run(&[
        "nft",
        "add chain ip6 sockit input { type filter hook input priority 0; }",
    ])?;
    ns.run(&[
        "nft",
        &format!("add rule ip6 sockit input tcp dport {port} drop"),
    ])?;
    Ok(())
}

#[test]
fn a_black_holed_ipv6_path_costs_a_quarter_second_not_the_timeout() {
    let ns = match Namespace::new() {
        Ok(ns)
            if std::process::Command::new("nft")
                .arg("--version")
                .output()
                .is_ok() =>
        {
            ns
        }
        Ok(_) => {
            eprintln!("SKIPPED Happy Eyeballs: `nft` is not installed (Debian: nftables)");
            return;
        }
        Err(reason) => {
            eprintln!("SKIPPED Happy Eyeballs: {reason}");
            return;
        }
    };
    let prefix = ns.prefix();
    let server_program = programs().path("tcp_echo_server", Linkage::Static);
    let (mut server, line) = Server::start_listening_in(&prefix, &server_program, &["0"]);
    let port: u16 = line.rsplit(':').next().unwrap().parse().unwrap();
    if let Err(reason) = black_holed_ipv6(port, &ns) {
        panic!("setting up the namespace: {reason}");
    }
    // The name has both addresses, IPv6 first.
    let nslookup = run_in(
        &prefix,
        &programs().path("nslookup", Linkage::Static),
        &[NAME],
        Duration::from_secs(10),
    );
    let found = String::from_utf8_lossy(&nslookup.stdout).into_owned();
    assert!(
        found.contains("::1") && found.contains("127.0.0.1"),
        "{found}"
    );
    // The rule holds: IPv6 alone is never answered (quickstart gives up after 5 s).
    let quickstart = programs().path("quickstart", Linkage::Static);
    let alone = run_in(
        &prefix,
        &quickstart,
        &["::1", &port.to_string(), "x"],
        Duration::from_secs(20),
    );
    assert_eq!(
        String::from_utf8_lossy(&alone.stderr),
        "connect: Operation timed out\n"
    );
    for linkage in Linkage::BOTH {
        let client = programs().path("tcp_echo_client", linkage);
        let started = Instant::now();
        let output = run_in(
            &prefix,
            &client,
            &[NAME, "hello", &port.to_string()],
            Duration::from_secs(30),
        );
        let took = started.elapsed();
        assert!(
            output.status.success() && output.stdout == b"Received: hello\n",
            "{output:?}"
        );
        // Its connect timeout is 10 s: trying IPv6 first and then IPv4 would take that long.
        assert!(
            took < Duration::from_secs(5),
            "took {took:?}: the IPv4 attempt did not start while IPv6 hung"
        );
        eprintln!("{linkage:?}: echoed over IPv4 in {took:?} with IPv6 black-holed");
    }
    let clients: Vec<String> = server.stdout_lines();
    assert_eq!(clients, ["Client connected: 127.0.0.1"; 2], "IPv4 won");
    server.terminate(Duration::from_secs(5));
}
