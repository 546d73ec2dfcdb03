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
    /// A Unix domain stream socket: the server takes a path instead of a port.
    Unix,
    /// A file server: TCP, the server taking the benchmark's files folder too.
    File,
    /// A chat server: TCP, each line to every other client (`sockit-load chat`).
    Chat,
    /// A TCP proxy to an echo server (`c-epoll`, started by the suite on the load
    /// generator's core for each run).
    Proxy,
    /// TLS over TCP: the server taking the certificate and key the suite made (`{tls}`).
    Tls,
}

/// One server as the suite runs it: `program <port> args...` (a path instead of the port for
/// a Unix domain socket; `{files}` in the arguments is the benchmark's files folder,
/// `{tls}` the folder of its TLS certificate and key, and `{backend}` the port of the echo
/// server behind a proxy).
pub struct Server {
    /// Its name in tables, charts and JSON.
    pub name: &'static str,
    pub transport: Transport,
    /// Its C source, relative to the project root.
    pub source: &'static str,
    /// Whether it links sockit (else libuv or nothing).
    links_sockit: bool,
    links_libuv: bool,
    /// Whether it links OpenSSL (libssl-dev).
    links_openssl: bool,
    /// Arguments after the port.
    pub args: &'static [&'static str],
    /// Whether it is one of sockit's (the rows the targets are about).
    pub is_sockit: bool,
    /// The one workload this server is for (and such workloads run only their own servers).
    pub only: Option<&'static str>,
    /// The workloads it runs in, when not every workload of its transport.
    pub within: &'static [&'static str],
    /// A program of the system's to run instead of one built from `source` (which is then
    /// its configuration file, `{source}` in `args`); it gets no port argument but finds its
    /// port, and a proxy its server's, in `{port}` and `{backend}` in `args` or in the
    /// environment (`SOCKIT_BENCH_PORT`, `SOCKIT_BENCH_BACKEND`).
    pub external: Option<&'static str>,
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
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the tutorial's iterative server on libc: 32-byte buffer, listen queue of 5",
    },
    Server {
        name: "c-epoll",
        transport: Transport::Tcp,
        source: "benches/c/epoll_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "hand-written single-threaded epoll server, 64 KiB buffer (the main baseline)",
    },
    Server {
        name: "c-blocking",
        transport: Transport::Tcp,
        source: "benches/c/tutorial_tcp_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["16384"],
        is_sockit: false,
        only: None,
        within: &["stream"],
        external: None,
        about: "c-tutorial's loop with a 16 KiB buffer, as sockit's blocking handlers have (streaming only)",
    },
    Server {
        name: "libuv",
        transport: Transport::Tcp,
        source: "benches/c/libuv_echo.c",
        links_sockit: false,
        links_libuv: true,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "libuv echo server written as libuv's own benchmark server is",
    },
    Server {
        name: "sockit-iterative",
        transport: Transport::Tcp,
        source: "c_examples/tcp_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "the tutorial's server ported to sockit (c_examples/tcp_echo_server.c): the library's HandleClient, 16 KiB buffer",
    },
    Server {
        name: "sockit-threaded",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["threaded"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "c_examples/tcp_multi_echo_server.c threaded: its HandleClient loop (16 KiB buffer) per thread",
    },
    Server {
        name: "sockit-forking",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["forking"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "the same program, forking: a child process per client",
    },
    Server {
        name: "sockit-event-loop",
        transport: Transport::Tcp,
        source: "c_examples/tcp_multi_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["event-loop"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "the same program, event loop: a C callback writes each chunk back",
    },
    Server {
        name: "c-tutorial-udp",
        transport: Transport::Udp,
        source: "benches/c/tutorial_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the tutorial's recvfrom/sendto loop on libc, printing each client",
    },
    Server {
        name: "c-tutorial-udp-quiet",
        transport: Transport::Udp,
        source: "benches/c/tutorial_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["quiet"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the same loop without its print",
    },
    Server {
        name: "c-tutorial-udp-dual-stack",
        transport: Transport::Udp,
        source: "benches/c/tutorial_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["dual-stack"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the same loop, printing, on a dual-stack IPv6 socket (IPv4 clients arrive mapped), as the port's",
    },
    Server {
        name: "sockit-udp-tutorial-port",
        transport: Transport::Udp,
        source: "c_examples/udp_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "the tutorial's UDP server ported to sockit (c_examples/udp_echo_server.c), printing each client",
    },
    Server {
        name: "c-recvmmsg",
        transport: Transport::Udp,
        source: "benches/c/mmsg_udp_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "C server batching 64 datagrams per recvmmsg/sendmmsg",
    },
    Server {
        name: "sockit-udp-event-loop",
        transport: Transport::Udp,
        source: "benches/c/sockit_udp_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["event-loop", "handler"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "sockit event loop, a C handler replying with sockit_sendto()",
    },
    Server {
        name: "sockit-udp-batched",
        transport: Transport::Udp,
        source: "benches/c/sockit_udp_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["event-loop", "echo"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "sockit event loop with the library's echo: recvmmsg/sendmmsg batches",
    },
    Server {
        name: "sockit-busy-1-thread",
        transport: Transport::Tcp,
        source: "benches/c/sockit_busy_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["1"],
        is_sockit: true,
        only: Some("busy-1000"),
        within: &[],
        external: None,
        about: "sockit event loop whose callback spends ~20 us on each message, one thread",
    },
    Server {
        name: "sockit-busy-2-threads",
        transport: Transport::Tcp,
        source: "benches/c/sockit_busy_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["2"],
        is_sockit: true,
        only: Some("busy-1000"),
        within: &[],
        external: None,
        about: "the same on two threads (sockit_server_set_threads): a loop per core",
    },
    Server {
        name: "c-epoll-unix",
        transport: Transport::Unix,
        source: "benches/c/epoll_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the same hand-written C epoll server on a Unix domain socket",
    },
    Server {
        name: "sockit-unix-iterative",
        transport: Transport::Unix,
        source: "c_examples/unix_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["iterative"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "c_examples/unix_echo_server.c iterative: HandleClient's loop on a Unix socket",
    },
    Server {
        name: "sockit-unix-event-loop",
        transport: Transport::Unix,
        source: "c_examples/unix_echo_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["event-loop"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "the same program, event loop: a C callback writes each chunk back",
    },
    Server {
        name: "c-sendfile",
        transport: Transport::File,
        source: "benches/c/c_file_server.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["{files}", "sendfile"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "a C file server on libc sending with sendfile(2), one connection at a time",
    },
    Server {
        name: "c-copy",
        transport: Transport::File,
        source: "benches/c/c_file_server.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["{files}", "copy"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "the same server copying: read(2) into 64 KiB, write(2) out",
    },
    Server {
        name: "sockit-file-server",
        transport: Transport::File,
        source: "c_examples/posix/file_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["{files}"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "c_examples/posix/file_server.c: sockit_sendfile on the threaded server",
    },
    Server {
        name: "c-epoll-chat",
        transport: Transport::Chat,
        source: "benches/c/epoll_chat.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "hand-written single-threaded epoll chat server, chat_server's protocol (the main baseline)",
    },
    Server {
        name: "libuv-chat",
        transport: Transport::Chat,
        source: "benches/c/libuv_chat.c",
        links_sockit: false,
        links_libuv: true,
        links_openssl: false,
        args: &[],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "libuv chat server, the same protocol: uv_try_write first, uv_write for the rest",
    },
    Server {
        name: "sockit-chat",
        transport: Transport::Chat,
        source: "c_examples/chat_server.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &[],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "c_examples/chat_server.c: sockit_loop, lines framed by the loop, sockit_loop_write to each client",
    },
    Server {
        name: "c-epoll-proxy",
        transport: Transport::Proxy,
        source: "benches/c/epoll_proxy.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["127.0.0.1", "{backend}"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "hand-written single-threaded epoll TCP proxy, 64 KiB buffer (the main baseline)",
    },
    Server {
        name: "haproxy",
        transport: Transport::Proxy,
        source: "benches/haproxy.cfg",
        links_sockit: false,
        links_libuv: false,
        links_openssl: false,
        args: &["-db", "-f", "{source}"],
        is_sockit: false,
        only: None,
        within: &[],
        external: Some("haproxy"),
        about: "HAProxy in TCP mode, one thread (Debian's haproxy, benches/haproxy.cfg)",
    },
    Server {
        name: "sockit-proxy",
        transport: Transport::Proxy,
        source: "c_examples/tcp_proxy.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["127.0.0.1", "{backend}"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "c_examples/tcp_proxy.c: sockit_loop, sockit_loop_connect to the server, 256 KiB queue bound",
    },
    Server {
        name: "c-openssl",
        transport: Transport::Tls,
        source: "benches/c/openssl_echo.c",
        links_sockit: false,
        links_libuv: false,
        links_openssl: true,
        args: &["{tls}/cert.pem", "{tls}/key.pem"],
        is_sockit: false,
        only: None,
        within: &[],
        external: None,
        about: "hand-written single-threaded epoll TLS echo server on OpenSSL (Debian's libssl), \
                non-blocking handshake, SSL_read and SSL_write, read-ahead into 64 KiB (the TLS baseline)",
    },
    Server {
        name: "sockit-tls-event-loop",
        transport: Transport::Tls,
        source: "benches/c/sockit_tls_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["{tls}/cert.pem", "{tls}/key.pem", "event-loop"],
        is_sockit: true,
        only: None,
        within: &[],
        external: None,
        about: "benches/c/sockit_tls_echo.c event-loop: sockit_loop_tls_server on the listener, \
                on_data writes the plaintext back with sockit_loop_write, 64 KiB queue bound",
    },
    Server {
        name: "sockit-tls-blocking",
        transport: Transport::Tls,
        source: "benches/c/sockit_tls_echo.c",
        links_sockit: true,
        links_libuv: false,
        links_openssl: false,
        args: &["{tls}/cert.pem", "{tls}/key.pem", "blocking"],
        is_sockit: true,
        only: None,
        within: &["tls-stream", "tls-handshake"],
        external: None,
        about: "benches/c/sockit_tls_echo.c blocking: sockit_tls_accept, then sockit_tls_recv and \
                sockit_tls_send_all through 64 KiB, one connection at a time",
    },
];

/// What linking needs: the static library and the system libraries it needs.
pub struct Toolchain {
    pub cc: String,
    pub sockit_static: PathBuf,
    pub native_libs: Vec<String>,
    pub libuv: bool,
    /// Whether OpenSSL's headers and libraries are installed (or could be).
    pub openssl: bool,
    /// Whether HAProxy is installed (or could be).
    pub haproxy: bool,
}

impl Server {
    /// The built program's path under `bin` (or the system's program's name).
    pub fn program(&self, bin: &Path) -> PathBuf {
        if let Some(external) = self.external {
            return PathBuf::from(external);
        }
        let stem = Path::new(self.source)
            .file_stem()
            .expect("sources have names");
        bin.join(stem)
    }

    pub fn available(&self, tools: &Toolchain) -> bool {
        (!self.links_libuv || tools.libuv)
            && (!self.links_openssl || tools.openssl)
            && (self.external != Some("haproxy") || tools.haproxy)
    }

    /// Compiles the server (once per source) with warnings as errors.
    pub fn build(&self, tools: &Toolchain, bin: &Path) -> Result<(), String> {
        let program = self.program(bin);
        if self.external.is_some() || program.exists() {
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
        if self.links_openssl {
            command.args(["-lssl", "-lcrypto"]);
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
