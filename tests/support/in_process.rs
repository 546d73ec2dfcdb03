//! The server framework run in the test process: a server on loopback, its run on a thread,
//! clients that cannot wait for ever, and what the system shows of its sockets.

use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sockit::net::socket::Bind;
use sockit::server::{Mode, Protocol, Server};

/// How long a client waits for any one reply before the test fails.
pub const REPLY_LIMIT: Duration = Duration::from_secs(20);

/// A server bound to a port the system picks on 127.0.0.1.
pub fn loopback_server(protocol: Protocol, mode: Mode) -> Arc<Server> {
    let bind = Bind::Host("127.0.0.1", 0);
    Arc::new(Server::bind(protocol, bind, mode).expect("bind"))
}

/// Runs the server on a thread; the handle gives the run's result.
pub fn start(server: &Arc<Server>) -> thread::JoinHandle<sockit::Result<()>> {
    let server = Arc::clone(server);
    thread::spawn(move || server.run())
}

/// Runs the server on a thread, as [`start`] does, and returns that thread's id in the
/// system too (for /proc).
#[cfg(target_os = "linux")]
pub fn start_with_tid(
    server: &Arc<Server>,
) -> (thread::JoinHandle<sockit::Result<()>>, libc::pid_t) {
    let server = Arc::clone(server);
    let (tid_sender, tid) = std::sync::mpsc::channel();
    let running = thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        tid_sender.send(unsafe { libc::gettid() }).unwrap();
        server.run()
    });
    (running, tid.recv().expect("the run thread's id"))
}

/// Whether a thread of this process is blocked in `epoll_wait` (see
/// [`super::thread_waits_in_epoll`]).
#[cfg(target_os = "linux")]
pub fn waits_in_epoll(tid: libc::pid_t) -> bool {
    let tid = u32::try_from(tid).expect("a thread id");
    super::thread_waits_in_epoll(std::process::id(), tid)
}

/// A client connected to the server, whose reads fail after [`REPLY_LIMIT`].
pub fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.local_addr().unwrap()).expect("connect");
    stream.set_read_timeout(Some(REPLY_LIMIT)).unwrap();
    stream
}

/// The connections waiting in the listen queue of the TCP listener on 127.0.0.1:`port`, not
/// yet accepted (Linux shows it as the listener's receive queue in /proc/net/tcp).
#[cfg(target_os = "linux")]
pub fn listen_queue(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
    let local = format!("0100007F:{port:04X}");
    table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        // sl local_address rem_address st tx_queue:rx_queue ...; st 0A is LISTEN.
        .find(|fields| fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A"))
        .and_then(|fields| fields[4].split_once(':'))
        .map(|(_, rx)| usize::from_str_radix(rx, 16).expect("a hex queue length"))
        .unwrap_or_else(|| panic!("no listener on 127.0.0.1:{port} in /proc/net/tcp"))
}

/// The child processes of this process that are alive (not exited, not yet reaped).
#[cfg(target_os = "linux")]
pub fn live_children() -> usize {
    super::children(std::process::id())
        .iter()
        .filter(|stat| {
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.split_whitespace().next() != Some("Z"))
        })
        .count()
}
