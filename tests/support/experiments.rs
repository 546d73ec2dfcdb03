//! The two experiments of the sockets tutorial's part 2, run with the C programs: the
//! "lengthy action" UDP server against the threaded UDP client, and the TCP echo server
//! against the slow-connection client. Used by the shape test (short delays) and by
//! `cargo run --release --example tutorial_table` (the tutorial's own delays).

use std::time::Duration;

use super::{Linkage, Server, programs, run};

/// How long one experiment took, as the client measured and printed it.
pub struct Measured {
    pub seconds: f64,
    pub received: usize,
}

/// `udp_stress_client` with `count` requests against `udp_lengthy_server` in `mode`, each
/// request taking `delay` seconds.
pub fn lengthy_udp(mode: &str, count: usize, delay: f64) -> Measured {
    let server = Server::start(
        &programs().path("udp_lengthy_server", Linkage::Static),
        &["0".to_string(), mode.to_string(), delay.to_string()],
    );
    let limit = Duration::from_secs_f64(120.0 + 2.0 * count as f64 * delay);
    client(
        "udp_stress_client",
        &[
            "127.0.0.1",
            "hello",
            &server.port().to_string(),
            &count.to_string(),
        ],
        count,
        limit,
    )
}

/// `tcp_slow_client` with `count` clients against `tcp_multi_echo_server` in `mode`, with
/// `delay_ms` between bytes.
pub fn slow_tcp(mode: &str, count: usize, delay_ms: u64) -> Measured {
    let server = Server::start(
        &programs().path("tcp_multi_echo_server", Linkage::Static),
        &["0", mode],
    );
    let limit = Duration::from_millis(120_000 + 4 * 10 * count as u64 * delay_ms);
    client(
        "tcp_slow_client",
        &[
            "127.0.0.1",
            "hello",
            &server.port().to_string(),
            &count.to_string(),
            &delay_ms.to_string(),
        ],
        count,
        limit,
    )
}

/// Runs a client, checks that it succeeded with one `Received:` line per request, and reads
/// its `Total time: <s> seconds` line.
fn client(name: &str, args: &[&str], count: usize, limit: Duration) -> Measured {
    let output = run(&programs().path(name, Linkage::Static), args, limit);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{name} {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let received = stdout
        .lines()
        .filter(|l| l.starts_with("Received: "))
        .count();
    assert_eq!(
        received, count,
        "{name}: one Received line per request:\n{stdout}"
    );
    let seconds = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Total time: ")?.strip_suffix(" seconds"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no Total time line:\n{stdout}"));
    Measured { seconds, received }
}
