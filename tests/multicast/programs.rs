//! `mcast_send <group> <port> <message> [ttl]` and `mcast_recv <group> <port>` as processes,
//! in a network namespace the test makes (so that no datagram reaches a real network): two
//! receivers on one group and port, one linked statically and one against the shared
//! library, each print every datagram, once, in order, for an IPv4 and an IPv6 group.
//!
//! IPv4 multicast goes over loopback (a route for 224.0.0.0/4 on `lo`). Linux delivers no
//! IPv6 multicast over `lo` (a route for ff00::/8 there takes the datagrams, which then
//! never arrive: checked on this kernel), so the IPv6 group uses a pair of virtual Ethernet
//! interfaces in the namespace instead, whose multicast loops back to the host's members as
//! on any real interface. Needs root (namespaces); says so when skipped.
#![cfg(target_os = "linux")]

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::netns::Namespace;
use support::{Linkage, Server, programs, run_in};

const LIMIT: Duration = Duration::from_secs(20);

/// The namespace, set up for multicast on both families, or why there is none.
fn multicast_namespace() -> Result<Namespace, String> {
    let ns = Namespace::new()?;
    ns.run(&["ip", "link", "set", "lo", "multicast", "on"])?;
    ns.run(&["ip", "route", "add", "224.0.0.0/4", "dev", "lo"])?;
    // No duplicate address detection: the interfaces' IPv6 addresses are usable at once.
    ns.shell("echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad")?;
    ns.run(&[
        "ip", "link", "add", "mc0", "type", "veth", "peer", "name", "mc1",
    ])?;
    ns.run(&["ip", "link", "set", "mc0", "up"])?;
    ns.run(&["ip", "link", "set", "mc1", "up"])?;
    Ok(ns)
}

/// Waits until `server` has printed `count` lines on stdout; the lines.
fn lines_after(server: &Server, count: usize) -> Vec<String> {
    let deadline = Instant::now() + LIMIT;
    loop {
        let lines = server.stdout_lines();
        if lines.len() >= count || Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn two_receivers_each_get_every_datagram_of_an_ipv4_and_an_ipv6_group() {
    let ns = match multicast_namespace() {
        Ok(ns) => ns,
        Err(reason) => {
            eprintln!("SKIPPED multicast programs: {reason}");
            return;
        }
    };
    let prefix = ns.prefix();
    let messages = ["one", "two words", "three: %s%n"];
    for (group, port) in [("239.1.2.3", "5000"), ("ff15::1234", "5001")] {
        let receivers: Vec<Server> = Linkage::BOTH
            .into_iter()
            .map(|linkage| {
                let recv = programs().path("mcast_recv", linkage);
                let (receiver, line) = Server::start_listening_in(&prefix, &recv, &[group, port]);
                assert_eq!(
                    line,
                    format!("mcast_recv: listening on {group} port {port}")
                );
                receiver
            })
            .collect();
        let send = programs().path("mcast_send", Linkage::Static);
        for (i, message) in messages.iter().enumerate() {
            // The last with a TTL, which on one host changes nothing a receiver sees.
            let mut args = vec![group, port, message];
            if i == 2 {
                args.push("4");
            }
            let output = run_in(&prefix, &send, &args, LIMIT);
            assert!(output.status.success(), "mcast_send {args:?}: {output:?}");
            let bytes = message.len();
            let to = if group.contains(':') {
                format!("[{group}]:{port}")
            } else {
                format!("{group}:{port}")
            };
            assert_eq!(
                String::from_utf8_lossy(&output.stderr),
                format!("mcast_send: sent {bytes} bytes to {to}\n")
            );
        }
        for receiver in &receivers {
            let lines = lines_after(receiver, messages.len());
            assert_eq!(lines, messages, "{group}: every datagram once, in order");
        }
    }
}

#[test]
fn a_group_that_is_not_multicast_is_refused() {
    let ns = match Namespace::new() {
        Ok(ns) => ns,
        Err(reason) => {
            eprintln!("SKIPPED multicast programs: {reason}");
            return;
        }
    };
    let recv = programs().path("mcast_recv", Linkage::Static);
    let output = run_in(&ns.prefix(), &recv, &["127.0.0.1", "5000"], LIMIT);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Failed to join the group: Invalid argument\n"
    );
}
