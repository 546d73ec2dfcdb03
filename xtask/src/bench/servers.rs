//! The servers under test: the C baselines in `benches/c/`, and sockit's servers as C
//! programs linked against the static library. Each is built here with the C compiler.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::package;

/// A transport.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    Tcp,
    Udp,
}

/// One server as the suite runs it: `program <port> args...`.
pub struct Server {
    /// Its name in tables, charts and JSON.
    pub name: &'static str,
    pub transport: Transport,
    /// Its C source, relative to the project root.
    source: &'static str,
    /// Whether it links sockit (else libuv or nothing).
    links_sockit: bool,
    links_libuv: bool,
    /// Arguments after the port.
    pub args: &'static [&'static str],
    /// Whether it is one of sockit's (the rows the targets are about).
    pub is_sockit: bool,
    /// The one workload this server is for (and such workloads run only their own servers).
    pub only: Option<&'static str>,
    /// A line for the README's list of servers.
    pub about: &'static str,
}

pub const SERVERS: &[Server] = &[
    Server {
        name: "c-tutorial",
        transport: Transport::Tcp,
        source: "benches/c/tutorial_tcp_echo.c",
        links_sockit: false,
        links_libuv: false,
        args: &[],
        is_sockit: false,
        only: None,
        about: "the tutorial's iterative server on libc: 32-byte buffer, listen queue of 5",
    },
    Server {
        name: "c-epoll",
        transport: Transport::Tcp,
        source: "benches/c/epoll_echo.c",
        links_sockit: false,
        links_libuv: false,
        args: &[],
        is_sockit: false,
        only: None,
        about: "hand-written single-threaded epoll server, 64 KiB buffer (the main baseline)",
    },
    Server {
        name: "libuv",
        transport: Transport::Tcp,
        source: "benches/c/libuv_echo.c",
        links_sockit: false,
        links_libuv: true,
        args: &[],
        is_sockit: false,
        only: None,
        about: "libuv echo server written as libuv's own benchmark server is",
    },
    Server {
        name: "sockit-iterative",
        transport: Transport::Tcp,
        source: "c_examples/tcp_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        args: &[],
        is_sockit: true,
        only: None,
        about: "the tutorial's server ported to sockit (c_examples/tcp_echo_server.c)",
    },
    Server {
        name: "sockit-threaded",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        args: &["threaded"],
        is_sockit: true,
        only: None,
        about: "c_examples/tcp_multi_echo_server.c threaded: HandleClient loop per thread",
    },
    Server {
        name: "sockit-forking",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        args: &["forking"],
        is_sockit: true,
        only: None,
        about: "the same program, forking: a child process per client",
    },
    Server {
        name: "sockit-event-loop",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        args: &["event-loop"],
        is_sockit: true,
        only: None,
        about: "the same program, event loop: a C callback writes each chunk back",
    },
    Server {
        name: "c-tutorial-udp",
        transport: Transport::Udp,
        source: "benches/c/tutorial_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        args: &[],
        is_sockit: false,
        only: None,
        about: "the tutorial's recvfrom/sendto loop on libc, printing each client",
    },
    Server {
        name: "c-tutorial-udp-quiet",
        transport: Transport::Udp,
        source: "benches/c/tutorial_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        args: &["quiet"],
        is_sockit: false,
        only: None,
        about: "the same loop without its print",
    },
    Server {
        name: "c-recvmmsg",
        transport: Transport::Udp,
        source: "benches/c/mmsg_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        args: &[],
        is_sockit: false,
        only: None,
        about: "C server batching 64 datagrams per recvmmsg/sendmmsg",
    },
    Server {
        name: "sockit-udp-event-loop",
        transport: Transport::Udp,
        source: "benches/c/sockit_udp_echo.c",
        links_sockit: true,
        links_libuv: false,
        args: &["event-loop", "handler"],
        is_sockit: true,
        only: None,
        about: "sockit event loop, a C handler replying with sockit_sendto()",
    },
    Server {
        name: "sockit-udp-batched",
        transport: Transport::Udp,
        source: "benches/c/sockit_udp_echo.c",
        links_sockit: true,
        links_libuv: false,
        args: &["event-loop", "echo"],
        is_sockit: true,
        only: None,
        about: "sockit event loop with the library's echo: recvmmsg/sendmmsg batches",
    },
    Server {
        name: "sockit-busy-1-thread",
        transport: Transport::Tcp,
        source: "benches/c/sockit_busy_echo.c",
        links_sockit: true,
        links_libuv: false,
        args: &["1"],
        is_sockit: true,
        only: Some("busy-1000"),
        about: "sockit event loop whose callback spends ~20 us on each message, one thread",
    },
    Server {
        name: "sockit-busy-2-threads",
        transport: Transport::Tcp,
        source: "benches/c/sockit_busy_echo.c",
        links_sockit: true,
        links_libuv: false,
        args: &["2"],
        is_sockit: true,
        only: Some("busy-1000"),
        about: "the same on two threads (sockit_server_set_threads): a loop per core",
    },
];

/// What linking needs: the static library and the system libraries it needs.
pub struct Toolchain {
    pub cc: String,
    pub sockit_static: PathBuf,
    pub native_libs: Vec<String>,
    pub libuv: bool,
}

impl Server {
    /// The built program's path under `bin`.
    pub fn program(&self, bin: &Path) -> PathBuf {
        let stem = Path::new(self.source)
            .file_stem()
            .expect("sources have names");
        bin.join(stem)
    }

    pub fn available(&self, tools: &Toolchain) -> bool {
        !self.links_libuv || tools.libuv
    }

    /// Compiles the server (once per source) with warnings as errors.
    pub fn build(&self, tools: &Toolchain, bin: &Path) -> Result<(), String> {
        let program = self.program(bin);
        if program.exists() {
            return Ok(());
        }
        let root = package::root();
        let mut command = Command::new(&tools.cc);
        command
            .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&program)
            .arg(root.join(self.source));
        if self.links_sockit {
            command
                .arg("-I")
                .arg(root.join("include"))
                .arg(&tools.sockit_static)
                .args(&tools.native_libs);
        }
        if self.links_libuv {
            command.arg("-luv");
        }
        let status = command
            .status()
            .map_err(|e| format!("run {}: {e}", tools.cc))?;
        if !status.success() {
            return Err(format!("building {} failed: {command:?}", self.source));
        }
        Ok(())
    }
}
