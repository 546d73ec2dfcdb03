//! The event-loop mode: one thread serves every connection (or every datagram) through the
//! system's readiness API (epoll, kqueue, or Windows' AFD polling, by way of the `polling`
//! crate), level-triggered. Reads are bounded per wake-up, so one busy or slow peer never
//! holds up the others; writes are queued and sent as each peer takes them.
//!
//! With several threads, each runs a loop of its own on a socket of its own that shares the
//! server's port (`SO_REUSEPORT`): the kernel spreads connections and datagrams over them, so
//! the loops share nothing but the stop flag, and a connection stays on its loop's thread.
//!
//! The data path of a stream connection, kept as lean as the hand-written C epoll server's
//! (`benches/c/epoll_echo.c`; `cargo xtask bench` compares the server's CPU per unit of work
//! with it). Whatever replaces this loop should keep each point:
//! - One 64 KiB read buffer per loop, allocated (and zeroed) once, filled by `recv` and lent
//!   to `on_data`; nothing is allocated or copied per chunk.
//! - A write goes straight to `send`; only what the socket does not take is copied, into the
//!   connection's queue, which keeps its buffer (up to 64 KiB) from one time to the next.
//! - While anything is queued, the connection is not read (`loop_conn::PAUSE_READING_AT`)
//!   and is watched for writing only: a chunk read then would only be copied into the queue
//!   behind a full socket.
//! - Up to `READS_PER_TURN` reads per wake-up, so that a fast stream costs fewer waits than
//!   chunks, yet one peer cannot hold up the others.
//! - The clock, the timers' lock and the poller registration are touched only when something
//!   needs them (`keep_time`, `change_registration`, both out of line).
//! - The C callbacks' `sockit_conn_write` costs a saved errno and a byte of thread-local
//!   state besides the write itself (`ffi::boundary::call`).
//!
//! On a TLS server each connection has a `tls::TlsLayer` (`loop_conn::LoopTls`): what is read
//! goes through it, and its plaintext (gathered in one buffer per loop) to the callbacks;
//! what they write is encrypted and sent or queued as above. on_open comes once the
//! handshake is done, and a connection whose handshake fails, or is not done within the
//! handshake timeout (the idle timeout, else `DEFAULT_HANDSHAKE_TIMEOUT`), is closed without
//! the callbacks ever seeing it. A close_notify ends each connection that ends in order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Socket, Type};

use crate::error::EXHAUSTION_PAUSE;
use crate::error::{Error, ErrorCode, Result};
use crate::net::poll::Interest;
use crate::net::socket::port_sharing_twin;
use crate::net::tcp;
use crate::platform;
use crate::platform::poller::Events;
use crate::server::Settings;
use crate::server::control::{Control, LoopControl};
use crate::server::datagram_loop;
use crate::server::handler::{Handler, StreamHandler};
use crate::server::loop_conn::{LoopConn, LoopTls, recv_now};
use crate::tls::{ServerSessions, TlsLayer};

/// The key of the server's socket; connection `i` has key `i + 1`.
const SERVER_KEY: usize = 0;

/// Connections accepted per wake-up at most.
const BATCH: usize = 128;

/// Reads from one connection per wake-up at most: a peer that sends without pause is served
/// in turns with the others.
const READS_PER_TURN: usize = 4;

/// The buffer each read fills.
const READ_BUFFER: usize = 64 * 1024;

/// Serves in the event loop, on `settings.loops` threads (this one among them), until stopped.
pub(super) fn serve(
    control: &Control,
    socket: Socket,
    handler: &Handler,
    settings: &Settings,
) -> Result<()> {
    if settings.loops <= 1 {
        return serve_one(control.main_loop(), socket, handler, settings);
    }
    let ty = socket.r#type()?;
    let twins = (1..settings.loops)
        .map(|_| twin(&socket, ty))
        .collect::<Result<Vec<Socket>>>()?;
    let pollers = control.add_loops(twins.len())?;
    thread::scope(|scope| {
        let others: std::io::Result<Vec<_>> = twins
            .into_iter()
            .zip(pollers)
            .map(|(twin, poller)| {
                let this = LoopControl::other(control, poller);
                thread::Builder::new()
                    .name("sockit-loop".into())
                    .spawn_scoped(scope, move || {
                        let result = serve_one(this, twin, handler, settings);
                        if result.is_err() {
                            control.request_stop();
                        }
                        result
                    })
            })
            .collect();
        let others = match others {
            Ok(others) => others,
            Err(err) => {
                // The threads that did start end with the stop; the scope joins them.
                control.request_stop();
                return Err(err.into());
            }
        };
        let first = serve_one(control.main_loop(), socket, handler, settings);
        if first.is_err() {
            control.request_stop();
        }
        others
            .into_iter()
            .map(|other| other.join().unwrap_or(Err(ErrorCode::EUNKNOWN.into())))
            .fold(first, Result::and)
    })
}

/// A socket for another loop: on the same port, listening if `original` is a TCP listener.
fn twin(original: &Socket, ty: Type) -> Result<Socket> {
    let twin = port_sharing_twin(original, ty)?;
    if ty == Type::STREAM {
        twin.listen(i32::MAX)?;
    }
    Ok(twin)
}

/// One loop on one thread.
fn serve_one(
    control: LoopControl<'_>,
    socket: Socket,
    handler: &Handler,
    settings: &Settings,
) -> Result<()> {
    socket.set_nonblocking(true)?;
    match handler {
        Handler::Stream(callbacks) => StreamLoop {
            control,
            callbacks: Arc::clone(callbacks),
            listener: Some(socket),
            conns: Vec::new(),
            free: Vec::new(),
            open: 0,
            buf: vec![0; READ_BUFFER],
            plain: Vec::new(),
            idle_timeout: settings.idle_timeout,
            tls: settings.tls.clone(),
            handshake_timeout: settings.handshake_timeout(),
            sweep_every: match (&settings.tls, settings.idle_timeout) {
                (_, Some(idle)) => Some(idle / 4),
                (Some(_), None) => Some(settings.handshake_timeout() / 4),
                (None, None) => None,
            },
            next_sweep: None,
            paused_until: None,
        }
        .run(settings.grace),
        Handler::Udp(_) | Handler::UdpEcho => {
            datagram_loop::serve(&control, &socket, handler, settings)
        }
        // Server::set_handler refuses connection handlers for the event loop.
        Handler::Tcp(_) | Handler::Tls(_) => Err(ErrorCode::EINVAL.into()),
    }
}

struct StreamLoop<'a> {
    control: LoopControl<'a>,
    callbacks: Arc<dyn StreamHandler>,
    /// `None` once stopping: no more connections are taken.
    listener: Option<Socket>,
    conns: Vec<Option<LoopConn>>,
    /// Free slots in `conns`.
    free: Vec<usize>,
    open: usize,
    buf: Vec<u8>,
    /// A TLS server's plaintext of one read, for the callbacks.
    plain: Vec<u8>,
    idle_timeout: Option<Duration>,
    /// A TLS server's configuration.
    tls: Option<ServerSessions>,
    handshake_timeout: Duration,
    /// How often to look for idle connections and handshakes out of time (`None`: never).
    sweep_every: Option<Duration>,
    /// When to look for idle connections next.
    next_sweep: Option<Instant>,
    /// Set while out of descriptors or memory.
    paused_until: Option<Instant>,
}

impl StreamLoop<'_> {
    fn run(mut self, grace: Duration) -> Result<()> {
        let listener = self.listener.as_ref().expect("set by serve");
        // SAFETY: the listener is deleted from the poller before it is dropped
        // (`stop_listening`, called on every way out of this function).
        unsafe {
            self.control
                .poller
                .add(listener, SERVER_KEY, Interest::READ)?
        };
        let result = self.serve(grace);
        self.stop_listening();
        for slot in 0..self.conns.len() {
            self.close(slot);
        }
        result
    }

    fn serve(&mut self, grace: Duration) -> Result<()> {
        let mut events = Events::new();
        let mut deadline = None;
        loop {
            self.control.fire_due_timers();
            if self.control.stop_requested() && deadline.is_none() {
                self.stop_listening();
                deadline = Some(Instant::now() + grace);
            }
            // The clock is read only when something depends on it: a busy loop serving one
            // connection wakes once per message, and its wake-up path stays short.
            if deadline.is_some() || self.paused_until.is_some() || self.sweep_every.is_some() {
                if self.keep_time(deadline)? {
                    return Ok(());
                }
                self.control
                    .wait(&mut events, &[deadline, self.paused_until, self.next_sweep])?;
            } else {
                self.control.wait(&mut events, &[])?;
            }
            // What reads count as activity for the idle timeout: the time of this wake-up.
            let woke = self.idle_timeout.map(|_| Instant::now());
            for event in events.iter() {
                if event.key == SERVER_KEY {
                    self.accept_batch()?;
                } else {
                    self.serve_connection(event.key - 1, event.readable, event.writable, woke);
                }
            }
        }
    }

    /// What the clock decides before a wait: whether the stopping loop is finished (true),
    /// whether to listen again after a pause, which idle connections to close.
    #[cold]
    fn keep_time(&mut self, deadline: Option<Instant>) -> Result<bool> {
        let now = Instant::now();
        if let Some(deadline) = deadline {
            let idle = self.open == 0 && !self.control.has_timers();
            if idle || now >= deadline {
                return Ok(true);
            }
        }
        if self.paused_until.is_some_and(|until| now >= until) {
            self.resume_listening()?;
        }
        if let Some(every) = self.sweep_every {
            if self.next_sweep.is_none_or(|sweep| now >= sweep) {
                self.close_idle(now);
                self.next_sweep = Some(now + every);
            }
        }
        Ok(false)
    }

    fn accept_batch(&mut self) -> Result<()> {
        for _ in 0..BATCH {
            let Some(listener) = &self.listener else {
                return Ok(());
            };
            match tcp::accept(listener) {
                Ok((socket, peer)) => self.open_connection(socket, peer),
                Err(err) if err.code() == ErrorCode::EAGAIN => return Ok(()),
                Err(err) => return self.after_accept_failure(err),
            }
        }
        Ok(())
    }

    fn after_accept_failure(&mut self, err: Error) -> Result<()> {
        match err.code() {
            code if code.makes_socket_unusable() => Err(err),
            code if code.is_exhaustion() => {
                // Level-triggered readiness would report the waiting clients again at once.
                self.paused_until = Some(Instant::now() + EXHAUSTION_PAUSE);
                self.watch_listener(false)
            }
            _ => Ok(()),
        }
    }

    fn resume_listening(&mut self) -> Result<()> {
        self.paused_until = None;
        self.watch_listener(true)
    }

    /// Turns the listener's readiness reports on or off.
    fn watch_listener(&self, on: bool) -> Result<()> {
        match &self.listener {
            Some(listener) => self.control.watch_readable(listener, SERVER_KEY, on),
            None => Ok(()),
        }
    }

    fn stop_listening(&mut self) {
        if let Some(listener) = self.listener.take() {
            let _ = self.control.poller.delete(&listener);
            // Dropped here: clients that come now are refused, not queued.
        }
    }

    /// Takes a new connection into the loop and tells the callbacks.
    fn open_connection(&mut self, socket: Socket, peer: Option<std::net::SocketAddr>) {
        // tcp::accept returns blocking sockets; Apple needs SO_NOSIGPIPE set on each.
        if socket.set_nonblocking(true).is_err() || platform::prepare_send(&socket).is_err() {
            return;
        }
        // Writes go out at once (ARCHITECTURE.md, "Nagle's algorithm"); a Unix domain socket
        // has nothing to turn off.
        let _ = socket.set_tcp_nodelay(true);
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        // SAFETY: the socket is deleted from the poller in `close`, before it is dropped.
        let added = unsafe { self.control.poller.add(&socket, slot + 1, Interest::READ) };
        if added.is_err() {
            self.free.push(slot);
            return;
        }
        let mut conn = LoopConn::new(socket, peer);
        if let Some(sessions) = &self.tls {
            // on_open waits for the handshake.
            match sessions.session() {
                Ok(session) => {
                    let layer = TlsLayer::new(session);
                    conn.tls = Some(Box::new(LoopTls::new(layer, conn.last_active)));
                }
                Err(_) => {
                    let _ = self.control.poller.delete(&conn.socket);
                    self.free.push(slot);
                    return;
                }
            }
        }
        self.conns[slot] = Some(conn);
        self.open += 1;
        let callbacks = &self.callbacks;
        if let Some(conn) = self.conns[slot].as_mut() {
            if conn.is_known() {
                guarded(conn, |conn| callbacks.on_open(conn));
            }
        }
        self.settle(slot);
    }

    fn serve_connection(
        &mut self,
        slot: usize,
        readable: bool,
        writable: bool,
        woke: Option<Instant>,
    ) {
        let Some(conn) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            // Closed earlier in this batch of events.
            return;
        };
        if writable {
            conn.flush();
        }
        if readable {
            let callbacks = &self.callbacks;
            for _ in 0..READS_PER_TURN {
                if !conn.interest().read || conn.broken {
                    break;
                }
                match recv_now(&conn.socket, &mut self.buf) {
                    Ok(Some(0)) if conn.tls.is_some() => tls_ended(conn, callbacks.as_ref()),
                    Ok(Some(0)) => {
                        conn.ended = true;
                        guarded(conn, |conn| callbacks.on_data(conn, &[]));
                    }
                    Ok(Some(n)) => {
                        if let Some(woke) = woke {
                            conn.last_active = woke;
                        }
                        let data = &self.buf[..n];
                        if conn.tls.is_some() {
                            tls_received(conn, data, &mut self.plain, callbacks.as_ref());
                        } else {
                            guarded(conn, |conn| callbacks.on_data(conn, data));
                        }
                        if n < self.buf.len() {
                            // Most likely drained; level-triggered readiness says if not.
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => conn.broken = true,
                }
            }
        }
        self.settle(slot);
    }

    /// After a connection's callbacks: closes it if it is done, else registers the interest
    /// it needs now.
    fn settle(&mut self, slot: usize) {
        let Some(conn) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        if !conn.is_done() && conn.interest() == conn.registered {
            return;
        }
        self.change_registration(slot);
    }

    /// Out of line: most wake-ups leave a connection as it was registered.
    #[cold]
    fn change_registration(&mut self, slot: usize) {
        let Some(conn) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        if conn.is_done() {
            self.close(slot);
            return;
        }
        let interest = conn.interest();
        if interest == conn.registered {
            return;
        }
        match self.control.poller.modify(&conn.socket, slot + 1, interest) {
            Ok(()) => conn.registered = interest,
            Err(_) => {
                conn.broken = true;
                self.close(slot);
            }
        }
    }

    /// Closes a connection: out of the poller, `on_close` (if the callbacks know it), then
    /// the socket (on a TLS server after a close_notify, if the connection ends in order).
    fn close(&mut self, slot: usize) {
        let Some(mut conn) = self.conns.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let _ = self.control.poller.delete(&conn.socket);
        if conn.tls.is_some() {
            conn.tls_close_notify();
        }
        conn.closing = true;
        let callbacks = &self.callbacks;
        if conn.is_known() {
            guarded(&mut conn, |conn| callbacks.on_close(conn));
        }
        self.free.push(slot);
        self.open -= 1;
    }

    /// Closes connections that have sent nothing for the idle timeout, and those whose TLS
    /// handshake has gone on for the handshake timeout.
    fn close_idle(&mut self, now: Instant) {
        let (idle, handshake) = (self.idle_timeout, self.handshake_timeout);
        for slot in 0..self.conns.len() {
            let expired = self.conns[slot].as_ref().is_some_and(|conn| {
                idle.is_some_and(|idle| now.duration_since(conn.last_active) >= idle)
                    || conn.tls.as_ref().is_some_and(|tls| {
                        tls.is_handshaking() && now.duration_since(tls.accepted) >= handshake
                    })
            });
            if expired {
                self.close(slot);
            }
        }
    }
}

/// TLS: `ciphertext` read from a connection. The handshake's end opens the connection for
/// the callbacks (on_open), the plaintext goes to on_data, and the peer's close_notify is the
/// end of the stream (on_data with nothing).
fn tls_received(
    conn: &mut LoopConn,
    ciphertext: &[u8],
    plain: &mut Vec<u8>,
    callbacks: &dyn StreamHandler,
) {
    plain.clear();
    let received = conn.tls_receive(ciphertext, plain);
    if received.handshake_done {
        if let Some(tls) = conn.tls.as_mut() {
            tls.opened = true;
        }
        guarded(conn, |conn| callbacks.on_open(conn));
    }
    if !plain.is_empty() && !conn.closing && !conn.broken {
        guarded(conn, |conn| callbacks.on_data(conn, plain));
    }
    if received.closed && !conn.ended && !conn.broken {
        conn.ended = true;
        guarded(conn, |conn| callbacks.on_data(conn, &[]));
    }
    // A connection's plaintext buffer is the loop's: one large read does not stay with it.
    if plain.capacity() > READ_BUFFER {
        *plain = Vec::new();
    }
}

/// TLS: the peer's side of the TCP connection ended. After its close_notify that is the end
/// of the stream (told already, or now); without one the stream was cut, and ends as a reset
/// does, with no end-of-stream call.
fn tls_ended(conn: &mut LoopConn, callbacks: &dyn StreamHandler) {
    if conn.tls_end_is_clean() && !conn.ended {
        conn.ended = true;
        guarded(conn, |conn| callbacks.on_data(conn, &[]));
    }
}

/// Runs a connection's callback; one that panics (Rust code; C cannot unwind here) ends its
/// own connection, not the loop.
fn guarded(conn: &mut LoopConn, callback: impl FnOnce(&mut LoopConn)) {
    if catch_unwind(AssertUnwindSafe(|| callback(&mut *conn))).is_err() {
        conn.broken = true;
    }
}
