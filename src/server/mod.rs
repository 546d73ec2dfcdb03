//! The server framework: Python's `socketserver` for sockit.
//!
//! A [`Server`] binds a TCP or UDP socket, takes a [`Handler`] and serves in one of four
//! [`Mode`]s until [`Server::stop`] is called (from any thread, or from a signal handler):
//!
//! - iterative: one request at a time (the tutorials' servers);
//! - threaded: each request on a worker thread, at most `max_workers` at once;
//! - forking: each request in a child process, at most `max_workers` at once (Unix);
//! - event loop: one thread multiplexes every connection through the system's readiness API
//!   (or several threads, each with its own loop and its own socket on the server's port).
//!
//! The first three share one supervisor loop ([`blocking`]) that accepts or receives on the
//! run thread and hands each request to its workers ([`threads`] or [`forking`]); iterative
//! is one worker thread. The event loop ([`event_loop`]) serves connections itself, and
//! datagrams through [`datagram_loop`]. After a
//! stop, requests in flight get the grace period to finish; then their connections are shut
//! down (threads) or their processes ended (forking), and `run` returns once all are done.

mod blocking;
mod loop_conn;
mod control;
mod datagram_loop;
mod echo;
mod event_loop;
mod forking;
mod handler;
mod job;
mod messages;
mod threads;
mod timers;
mod workers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::net::socket::Bind;
use crate::net::unix::{self, Existing, SocketFile, UnixAddr};
use crate::net::{tcp, udp};
use crate::platform;
use crate::tls::{ServerConfig, ServerSessions};

use self::control::Control;
pub use self::echo::echo_handler;
pub use self::handler::{Conn, Handler, StreamHandler, TcpHandler, TlsHandler, UdpHandler};
pub use self::messages::{Framed, MessageHandler};
pub use self::timers::TimerOutcome;

/// The transport a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
    /// Unix domain stream sockets: served as TCP connections are, by the same handlers.
    UnixStream,
}

impl Protocol {
    /// Whether the server serves connections (else datagrams).
    pub fn is_stream(self) -> bool {
        self != Protocol::Udp
    }
}

/// Where a server is bound.
#[derive(Clone, Debug)]
enum Local {
    Ip(SocketAddr),
    /// A Unix domain socket; its file (for a path) is removed when the server is dropped.
    Unix(UnixAddr, Option<SocketFile>),
}

/// How a server serves its requests (TCP connections or UDP datagrams).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One request at a time, in arrival order.
    Iterative,
    /// Each request on a worker thread, at most `max_workers` at once.
    Threaded,
    /// Each request in a child process, at most `max_workers` at once (Unix only).
    Forking,
    /// One thread multiplexes every connection; handlers must not block.
    EventLoop,
}

impl Mode {
    /// Every mode, in the order of the tutorial's story.
    pub const ALL: [Mode; 4] = [
        Mode::Iterative,
        Mode::Threaded,
        Mode::Forking,
        Mode::EventLoop,
    ];

    /// The mode's name as the C programs take it on their command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Iterative => "iterative",
            Mode::Threaded => "threaded",
            Mode::Forking => "forking",
            Mode::EventLoop => "event-loop",
        }
    }

    /// Whether this system can run the mode: forking needs `fork`, which Windows lacks.
    pub fn is_supported(self) -> bool {
        self != Mode::Forking || platform::fork::SUPPORTED
    }

    /// The mode with this name (see [`Mode::name`]).
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.name() == name)
    }
}

/// Threads (threaded mode) or child processes (forking mode) at most, unless set otherwise.
pub const DEFAULT_MAX_WORKERS: usize = 1024;

/// Event-loop threads at most ([`Server::set_threads`]).
pub const MAX_THREADS: usize = 1024;

/// How long requests in flight may go on after a stop, unless set otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// How long a TLS client has to finish its handshake when the server has no idle timeout
/// ([`Server::set_tls`]).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the next run uses; fixed once it starts.
#[derive(Clone)]
struct Settings {
    handler: Option<Handler>,
    max_workers: usize,
    grace: Duration,
    idle_timeout: Option<Duration>,
    /// Event-loop threads, each with a socket sharing the port.
    loops: usize,
    /// A TLS server's configuration.
    tls: Option<ServerSessions>,
}

impl Settings {
    /// How long a TLS client has to finish its handshake: the idle timeout, or
    /// [`DEFAULT_HANDSHAKE_TIMEOUT`].
    fn handshake_timeout(&self) -> Duration {
        self.idle_timeout.unwrap_or(DEFAULT_HANDSHAKE_TIMEOUT)
    }

    /// Whether the handler and TLS go together: a TLS server serves plaintext to stream
    /// callbacks or a TLS handler, never the raw socket to a connection handler; a TLS
    /// handler needs TLS. `InvalidArgument` otherwise.
    fn check_tls(&self) -> Result<()> {
        match (&self.handler, &self.tls) {
            (Some(Handler::Tcp(_)), Some(_)) | (Some(Handler::Tls(_)), None) => {
                Err(ErrorCode::EINVAL.into())
            }
            _ => Ok(()),
        }
    }
}

/// Before the run: the bound socket and the settings. The socket is taken by the run.
struct Setup {
    socket: Option<Socket>,
    settings: Settings,
}

/// A server: a bound socket, a handler and a mode. Every method takes `&self`, so a server
/// shared between threads can be stopped while another thread runs it.
pub struct Server {
    protocol: Protocol,
    mode: Mode,
    local: Local,
    setup: Mutex<Setup>,
    control: Arc<Control>,
}

impl Server {
    /// Binds where `bind` says (TCP: and listens, with the system's maximum backlog), ready
    /// to be given a handler and run. Forking is `NotSupported` where the system cannot fork.
    pub fn bind(protocol: Protocol, bind: Bind<'_>, mode: Mode) -> Result<Server> {
        if !mode.is_supported() {
            return Err(ErrorCode::EOPNOTSUPP.into());
        }
        let socket = match protocol {
            Protocol::Tcp => tcp::listen(bind, 0)?,
            Protocol::Udp => udp::bind(bind)?,
            Protocol::UnixStream => return Err(ErrorCode::EINVAL.into()),
        };
        let local = crate::net::addr::from_sock_addr(&socket.local_addr()?)
            .ok_or(ErrorCode::EAFNOSUPPORT)?;
        Server::serving(protocol, socket, Local::Ip(local), mode)
    }

    /// Listens on a Unix domain stream socket at `addr` (with the system's maximum backlog),
    /// dealing with a file already there as `existing` says. The socket file is removed when
    /// the server is dropped (unless another has taken its place). Forking is `NotSupported`
    /// where the system cannot fork, and so are Unix domain sockets where it has none.
    pub fn bind_unix(addr: &UnixAddr, mode: Mode, existing: Existing) -> Result<Server> {
        if !mode.is_supported() {
            return Err(ErrorCode::EOPNOTSUPP.into());
        }
        let socket = unix::listen(addr, 0, existing)?;
        let file = SocketFile::of(&socket);
        Server::serving(
            Protocol::UnixStream,
            socket,
            Local::Unix(addr.clone(), file),
            mode,
        )
    }

    fn serving(protocol: Protocol, socket: Socket, local: Local, mode: Mode) -> Result<Server> {
        Ok(Server {
            protocol,
            mode,
            local,
            setup: Mutex::new(Setup {
                socket: Some(socket),
                settings: Settings {
                    handler: None,
                    max_workers: DEFAULT_MAX_WORKERS,
                    grace: DEFAULT_GRACE,
                    idle_timeout: None,
                    loops: 1,
                    tls: None,
                },
            }),
            control: Arc::new(Control::new()?),
        })
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The address the server is bound to (with the port the system picked for port 0);
    /// `AddressFamilyNotSupported` for a Unix domain server (see [`Server::unix_addr`]).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        match &self.local {
            Local::Ip(addr) => Ok(*addr),
            Local::Unix(..) => Err(ErrorCode::EAFNOSUPPORT.into()),
        }
    }

    /// The name of a Unix domain server.
    pub fn unix_addr(&self) -> Option<&UnixAddr> {
        match &self.local {
            Local::Unix(addr, _) => Some(addr),
            Local::Ip(_) => None,
        }
    }

    /// Sets what serves each request. A connection handler (plain or TLS) needs TCP in a
    /// blocking mode; a stream handler needs TCP; a datagram handler needs UDP.
    /// `InvalidArgument` otherwise.
    pub fn set_handler(&self, handler: Handler) -> Result<()> {
        let fits = match &handler {
            Handler::Tcp(_) | Handler::Tls(_) => {
                self.protocol.is_stream() && self.mode != Mode::EventLoop
            }
            Handler::Stream(_) => self.protocol.is_stream(),
            Handler::Udp(_) | Handler::UdpEcho => !self.protocol.is_stream(),
        };
        if !fits {
            return Err(ErrorCode::EINVAL.into());
        }
        self.configure(|settings| settings.handler = Some(handler))
    }

    /// Makes the server a TLS server, in every mode: each connection's handshake is made by
    /// the worker that serves it (blocking modes) or by the loop, without blocking, within
    /// the idle timeout (or [`DEFAULT_HANDSHAKE_TIMEOUT`] without one); a client that fails
    /// it or runs out of time is dropped unseen. The handler then gets the established stream
    /// ([`Handler::Tls`], blocking modes), or the stream callbacks (message handlers and echo
    /// among them) read and write plaintext, on_open coming after the handshake; a
    /// close_notify ends each connection. The run refuses a connection handler, which would
    /// get the encrypted socket (`InvalidArgument`).
    /// The server keeps what it needs of `config` (which may be dropped after), and fixes
    /// it: its settings fail with `Busy` from now on. `InvalidArgument` for a UDP server;
    /// `Already` once the run has started, with `config` left as it was.
    pub fn set_tls(&self, config: &ServerConfig) -> Result<()> {
        if !self.protocol.is_stream() {
            return Err(ErrorCode::EINVAL.into());
        }
        let mut setup = self.lock_setup();
        if setup.socket.is_none() {
            return Err(ErrorCode::EALREADY.into());
        }
        setup.settings.tls = Some(ServerSessions::new(config)?);
        Ok(())
    }

    /// Makes the server an echo server: every byte or datagram goes back to its sender, in
    /// every mode. The event loop echoes UDP datagrams in batches (recvmmsg and sendmmsg
    /// where the system has them).
    pub fn set_echo(&self) -> Result<()> {
        self.set_handler(echo_handler(self.protocol))
    }

    /// At most this many requests are served at once in threaded and forking modes (at
    /// least 1); more wait in the listen queue or the socket's receive buffer.
    pub fn set_max_workers(&self, max_workers: usize) -> Result<()> {
        if max_workers == 0 {
            return Err(ErrorCode::EINVAL.into());
        }
        self.configure(|settings| settings.max_workers = max_workers)
    }

    /// Runs the event loop on `threads` threads, each serving the connections or datagrams
    /// that the system gives its own socket on the server's port. 0 asks for as many as are
    /// useful: one per core where the system can spread one port's load over several sockets
    /// (see `platform::SHARED_PORT_BALANCES`), else one, so that portable code can ask for it.
    /// `InvalidArgument` outside the event-loop mode or above [`MAX_THREADS`]; `NotSupported`
    /// for an explicit count above one where the system cannot spread the load.
    pub fn set_threads(&self, threads: usize) -> Result<()> {
        let threads = match threads {
            0 if platform::SHARED_PORT_BALANCES && self.protocol != Protocol::UnixStream => {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            }
            0 => 1,
            n => n,
        };
        if self.mode != Mode::EventLoop || threads > MAX_THREADS {
            return Err(ErrorCode::EINVAL.into());
        }
        // Unix domain sockets have no port for SO_REUSEPORT to share.
        if threads > 1 && (!platform::SHARED_PORT_BALANCES || self.protocol == Protocol::UnixStream)
        {
            return Err(ErrorCode::EOPNOTSUPP.into());
        }
        self.configure(|settings| settings.loops = threads)
    }

    /// How long requests in flight may go on after a stop.
    pub fn set_grace(&self, grace: Duration) -> Result<()> {
        self.configure(|settings| settings.grace = grace)
    }

    /// Closes a TCP connection that has sent nothing for this long (`None`: never). In
    /// blocking modes this is the connection's read timeout, which a handler's receive sees
    /// as `TimedOut`.
    pub fn set_idle_timeout(&self, idle_timeout: Option<Duration>) -> Result<()> {
        self.configure(|settings| settings.idle_timeout = idle_timeout)
    }

    /// Calls `callback` with `Fired` after `delay`, on the thread that runs the server; or
    /// with `Cancelled` if the server ends first. May be called before the run and from any
    /// thread during it. Fails with `Cancelled` (and drops `callback` uncalled) once the
    /// server has finished.
    pub fn add_timer(
        &self,
        delay: Duration,
        callback: Box<dyn FnOnce(TimerOutcome) + Send>,
    ) -> Result<()> {
        let due = Instant::now().checked_add(delay).ok_or(ErrorCode::EINVAL)?;
        self.control.timers.add(due, callback)?;
        self.control.wake();
        Ok(())
    }

    /// Serves until stopped. Returns `Ok` after a stop, once the requests in flight are done,
    /// or the error that made the socket unusable. A server runs once: a second run fails
    /// with `Already`. A TLS server whose handler does not fit ([`Server::set_tls`]) fails
    /// at once, and keeps its socket for another try.
    pub fn run(&self) -> Result<()> {
        let (socket, settings) = {
            let mut setup = self.lock_setup();
            let handler_set = setup.settings.handler.is_some();
            match &setup.socket {
                None => return Err(ErrorCode::EALREADY.into()),
                Some(_) if !handler_set => return Err(ErrorCode::EINVAL.into()),
                Some(_) => {}
            }
            setup.settings.check_tls()?;
            let socket = setup.socket.take().expect("checked above");
            (socket, setup.settings.clone())
        };
        let handler = settings.handler.clone().expect("checked above");
        let result = match self.mode {
            Mode::EventLoop => event_loop::serve(&self.control, socket, &handler, &settings),
            mode => blocking::serve(&self.control, socket, mode, handler, &settings),
        };
        self.control.timers.close();
        result
    }

    /// Asks the server to stop: it takes no more requests and `run` returns once those in
    /// flight are done (or the grace period is over). Safe from any thread and from a
    /// signal handler: it only sets a flag and writes to the server's wake-up descriptor.
    /// A stop before the run makes the run return at once.
    pub fn stop(&self) {
        self.control.request_stop();
    }

    /// Runs `use_socket` on the server's own socket (the listener, or the UDP socket) before
    /// the run: for options and multicast groups. `Already` once the run has taken it.
    pub fn with_socket<T>(&self, use_socket: impl FnOnce(&Socket) -> Result<T>) -> Result<T> {
        let setup = self.lock_setup();
        let socket = setup.socket.as_ref().ok_or(ErrorCode::EALREADY)?;
        use_socket(socket)
    }

    fn configure(&self, change: impl FnOnce(&mut Settings)) -> Result<()> {
        let mut setup = self.lock_setup();
        if setup.socket.is_none() {
            return Err(ErrorCode::EALREADY.into());
        }
        change(&mut setup.settings);
        Ok(())
    }

    fn lock_setup(&self) -> MutexGuard<'_, Setup> {
        // The settings are plain values: a panic elsewhere cannot leave them half-changed.
        self.setup
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Timers that never ran are told so, so that their owners can release what they hold.
        self.control.timers.close();
        // (A forking server's children never get here: they leave with `_exit`.)
        if let Local::Unix(_, Some(file)) = &self.local {
            unix::remove_socket_file(file);
        }
    }
}
