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
    /// The JSON field that is the result, and its unit.
    pub metric: &'static str,
    pub unit: &'static str,
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
        placement: Placement::SameCore,
        slack: 15,
    },
    Workload {
        name: "stream",
        transport: Transport::Tcp,
        title: "1 connection streaming 1 GiB in 64 KiB writes, GB/s",
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
        placement: Placement::Apart,
        slack: 25,
    },
    Workload {
        name: "connect",
        transport: Transport::Tcp,
        title: "new connections, one echo each, connections/s",
        load: &["connect"],
        timed: true,
        metric: "connections_per_s",
        unit: "connections/s",
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
        placement: Placement::Shared,
        slack: 20,
    },
];

pub fn find(name: &str) -> &'static Workload {
    WORKLOADS
        .iter()
        .find(|workload| workload.name == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}
