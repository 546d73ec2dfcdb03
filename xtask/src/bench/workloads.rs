//! The workloads: what the load generator does to each server, and which number counts.

use crate::bench::servers::Transport;

/// Where a workload puts the server and the load generator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Each on a core of its own.
    Apart,
    /// Both on the server's core: the server's own cost per message shows.
    SameCore,
    /// Both free to use every core: for a server on several threads.
    Shared,
}

pub struct Workload {
    pub name: &'static str,
    pub transport: Transport,
    /// What the README calls it.
    pub title: &'static str,
    /// sockit-load's arguments (the address and --json are added).
    pub load: &'static [&'static str],
    /// Seconds of measuring, when the workload is timed (replaced by --seconds).
    pub timed: bool,
    /// The JSON field that is the rate, and its unit.
    pub metric: &'static str,
    pub unit: &'static str,
    /// The unit of work the server's cost is counted in: sockit-load's
    /// `server_cpu_us_per_<work>` field, and how the tables name it.
    pub work: &'static str,
    pub work_name: &'static str,
    /// Where the server and the load generator run.
    pub placement: Placement,
    /// Seconds the load generator may take at most, on top of the measuring time.
    pub slack: u64,
}

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "ping-1",
        transport: Transport::Tcp,
        title: "1 connection ping-pong, round trips/s",
        load: &["ping", "--connections", "1"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        slack: 15,
    },
    Workload {
        name: "ping-1-same-core",
        transport: Transport::Tcp,
        title: "same, server and client on one core (per-message server cost)",
        load: &["ping", "--connections", "1"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::SameCore,
        slack: 15,
    },
    Workload {
        name: "stream",
        transport: Transport::Tcp,
        title: "1 connection streaming in 256 KiB writes and reads, GB/s",
        // Timed: the load generator streams until the time is up (64 GiB at most). Its
        // 256 KiB calls cost it less per byte than the servers' 64 KiB ones, so that it can
        // keep the fastest server busy.
        load: &["stream", "--bytes", "64G", "--chunk", "256K"],
        timed: true,
        metric: "gb_per_s",
        unit: "GB/s",
        work: "mb",
        work_name: "MB",
        placement: Placement::Apart,
        slack: 30,
    },
    Workload {
        name: "ping-1000",
        transport: Transport::Tcp,
        title: "1,000 connections ping-pong, round trips/s",
        load: &["ping", "--connections", "1000", "--connect-seconds", "5"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        slack: 20,
    },
    Workload {
        name: "ping-10000",
        transport: Transport::Tcp,
        title: "10,000 connections ping-pong, round trips/s",
        load: &["ping", "--connections", "10000", "--connect-seconds", "8"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        // Connecting 10,000 sockets to a server that takes few of them (the iterative ones) runs
        // out the connect time, and on a busy machine closing them takes a while too.
        slack: 45,
    },
    Workload {
        name: "connect",
        transport: Transport::Tcp,
        title: "new connections, one echo each, connections/s",
        load: &["connect"],
        timed: true,
        metric: "connections_per_s",
        unit: "connections/s",
        work: "connection",
        work_name: "connection",
        placement: Placement::Apart,
        slack: 15,
    },
    Workload {
        name: "udp-64",
        transport: Transport::Udp,
        title: "UDP, 64 datagrams in flight, echoes/s",
        load: &["udp", "--window", "64"],
        timed: true,
        metric: "echoes_per_s",
        unit: "echoes/s",
        work: "echo",
        work_name: "echo",
        placement: Placement::Apart,
        slack: 15,
    },
    Workload {
        name: "busy-1000",
        transport: Transport::Tcp,
        title: "1,000 connections ping-pong to a server with 20 us of work per message, \
                server and load generator on both cores, round trips/s",
        load: &["ping", "--connections", "1000", "--connect-seconds", "5"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Shared,
        slack: 20,
    },
    Workload {
        name: "chat-100",
        transport: Transport::Chat,
        title: "chat fan-out, 100 clients, each message to the 99 others, deliveries/s",
        // Four messages of each client in flight: the server's queues stay small (a few KiB
        // per client) and it is never left waiting for one slow delivery.
        load: &["chat", "--clients", "100", "--window", "4"],
        timed: true,
        metric: "deliveries_per_s",
        unit: "deliveries/s",
        work: "delivery",
        work_name: "delivery",
        placement: Placement::Apart,
        slack: 20,
    },
    Workload {
        name: "chat-1000",
        transport: Transport::Chat,
        title: "chat fan-out, 1,000 clients, each message to the 999 others, deliveries/s",
        load: &[
            "chat",
            "--clients",
            "1000",
            "--window",
            "4",
            "--connect-seconds",
            "20",
        ],
        timed: true,
        metric: "deliveries_per_s",
        unit: "deliveries/s",
        work: "delivery",
        work_name: "delivery",
        placement: Placement::Apart,
        // Joining 1,000 clients announces half a million joins before the measuring starts.
        slack: 40,
    },
    Workload {
        name: "proxy-stream",
        transport: Transport::Proxy,
        title: "through a proxy to C epoll's echo server: 1 connection streaming 1 GiB in 256 KiB \
                writes, GB/s",
        load: &[
            "stream",
            "--bytes",
            "1G",
            "--chunk",
            "256K",
            "--seconds",
            "30",
        ],
        timed: false,
        metric: "gb_per_s",
        unit: "GB/s",
        work: "mb",
        work_name: "MB",
        placement: Placement::Apart,
        slack: 40,
    },
    Workload {
        name: "proxy-ping-1000",
        transport: Transport::Proxy,
        title: "through a proxy to C epoll's echo server: 1,000 connections ping-pong, round trips/s",
        load: &["ping", "--connections", "1000", "--connect-seconds", "5"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        slack: 20,
    },
    Workload {
        name: "unix-ping-1",
        transport: Transport::Unix,
        title: "Unix domain socket, 1 connection ping-pong, round trips/s",
        load: &["ping", "--connections", "1"],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        slack: 15,
    },
    Workload {
        name: "unix-stream",
        transport: Transport::Unix,
        title: "Unix domain socket, 1 connection streaming 1 GiB in 64 KiB writes, GB/s",
        load: &[
            "stream",
            "--bytes",
            "1G",
            "--chunk",
            "64K",
            "--seconds",
            "20",
        ],
        timed: false,
        metric: "gb_per_s",
        unit: "GB/s",
        work: "mb",
        work_name: "MB",
        placement: Placement::Apart,
        slack: 30,
    },
    Workload {
        name: "file-1g",
        transport: Transport::File,
        title: "a 1 GiB file fetched from a file server, GB/s",
        load: &["fetch", "--name", "big.bin", "--file", "{files}/big.bin"],
        timed: false,
        metric: "gb_per_s",
        unit: "GB/s",
        work: "mb",
        work_name: "MB",
        placement: Placement::Apart,
        slack: 60,
    },
    Workload {
        name: "tls-stream",
        transport: Transport::Tls,
        title: "TLS 1.3 (AES-128-GCM, ECDSA P-256), 1 connection streaming in 256 KiB writes and \
                reads, GB/s",
        load: &[
            "tls-stream",
            "--bytes",
            "64G",
            "--chunk",
            "256K",
            "--ca",
            "{tls}/cert.pem",
        ],
        timed: true,
        metric: "gb_per_s",
        unit: "GB/s",
        work: "mb",
        work_name: "MB",
        placement: Placement::Apart,
        slack: 30,
    },
    Workload {
        name: "tls-handshake",
        transport: Transport::Tls,
        title: "TLS 1.3 full handshakes (X25519, ECDSA P-256 signature), each on a new connection \
                with one 32-byte echo, 32 under way at once, handshakes/s",
        // The load generator verifies the server's handshake signature on one handshake in
        // 16 (and the certificate once): an ECDSA P-256 verification costs more than the
        // server's signing, and verifying every one took the load generator to 250-290 µs
        // a handshake, as much as the servers; one in 16, 170 µs.
        load: &[
            "tls-handshake",
            "--concurrency",
            "32",
            "--verify-every",
            "16",
            "--ca",
            "{tls}/cert.pem",
        ],
        timed: true,
        metric: "handshakes_per_s",
        unit: "handshakes/s",
        work: "handshake",
        work_name: "handshake",
        placement: Placement::Apart,
        slack: 20,
    },
    Workload {
        name: "tls-ping-1000",
        transport: Transport::Tls,
        title: "TLS 1.3, 1,000 connections ping-pong (handshakes made before), round trips/s",
        load: &[
            "tls-ping",
            "--connections",
            "1000",
            "--connect-seconds",
            "15",
            "--ca",
            "{tls}/cert.pem",
        ],
        timed: true,
        metric: "round_trips_per_s",
        unit: "round trips/s",
        work: "round_trip",
        work_name: "round trip",
        placement: Placement::Apart,
        slack: 30,
    },
];

pub fn find(name: &str) -> &'static Workload {
    WORKLOADS
        .iter()
        .find(|workload| workload.name == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}
