//! TCP in the loop: listeners, outgoing connections (the name resolved on the pool, each
//! address tried in turn, one deadline for the whole connect), adopted sockets, and what the
//! program does with a connection: write, close, abort, shut down, pause reading.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use socket2::{SockAddr, Socket, Type};

use crate::error::{EXHAUSTION_PAUSE, Error, ErrorCode, Result};
use crate::event_loop::stream::Stream;
use crate::event_loop::tls::{ListenerTls, PendingTls, read_records};
use crate::event_loop::{Deferred, Entry, Handle, Kind, Loop, State, pool};
use crate::net::addr::{Family, from_sock_addr, parse_ip};
use crate::net::io::recv_now;
use crate::net::poll::Interest;
use crate::net::resolve::{is_host_name, resolve};
use crate::net::socket::{Bind, is_stream, new_socket};
use crate::net::tcp;
use crate::net::unix::{self, SocketFile};
use crate::platform;
use crate::tls::Received;

/// Connections accepted per wake-up at most.
const ACCEPT_BATCH: usize = 128;

/// Reads from one connection per wake-up at most: a peer that sends without pause is served
/// in turns with the others.
const READS_PER_TURN: usize = 4;

/// How soon a Unix domain connect that found the listener's queue full tries again (Linux
/// says `EAGAIN`, and nothing tells when the queue has room).
const QUEUE_FULL_RETRY: Duration = Duration::from_millis(10);

/// What a connection tells the program; `data` is the word kept with the handle. Every
/// method does nothing unless the program's type says otherwise.
#[allow(unused_variables)]
pub trait StreamEvents {
    /// The connection is made (accepted, connected, adopted): `Ok`; or an outgoing one
    /// failed, and on_close follows.
    fn on_connect(&self, lp: &Loop, conn: Handle, data: usize, status: Result<()>) {}
    /// Bytes arrived.
    fn on_data(&self, lp: &Loop, conn: Handle, data: usize, bytes: &[u8]) {}
    /// A whole message arrived on a connection with a framing ([`Loop::set_framing`]):
    /// `Ok`; or `EMSGSIZE` (empty `message`) for one longer than the framing's maximum,
    /// which is skipped; or `ETRUNCATED` for what arrived of a message the stream ended
    /// inside (then on_eof follows).
    fn on_message(&self, lp: &Loop, conn: Handle, data: usize, message: &[u8], status: Result<()>) {
    }
    /// The peer finished sending.
    fn on_eof(&self, lp: &Loop, conn: Handle, data: usize) {}
    /// The connection is closed: the last call for it. `Ok` when the program closed it or
    /// both sides finished; else why it ended.
    fn on_close(&self, lp: &Loop, conn: Handle, data: usize, status: Result<()>) {}
    /// A write took the queue to its limit: further writes fail with `ENOBUFS` until it
    /// drains.
    fn on_queue_full(&self, lp: &Loop, conn: Handle, data: usize, queued: usize) {}
    /// The queue that was full has been sent (not once the connection is closing).
    fn on_drain(&self, lp: &Loop, conn: Handle, data: usize) {}
}

pub(crate) struct Listener {
    pub(crate) socket: Socket,
    events: Rc<dyn StreamEvents>,
    /// A Unix domain listener's socket file, removed when the listener goes.
    pub(super) file: Option<SocketFile>,
    /// TLS for the connections it accepts.
    pub(crate) tls: Option<ListenerTls>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            unix::remove_socket_file(file);
        }
    }
}

/// Where an outgoing connection goes.
pub(super) enum Target {
    Ip(SocketAddr),
    /// A Unix domain name, as the system takes it.
    Unix(SockAddr),
}

/// An outgoing connection being made.
pub(crate) struct Connecting {
    events: Rc<dyn StreamEvents>,
    /// The addresses not tried yet.
    addresses: VecDeque<Target>,
    /// The attempt in progress, registered with the poller.
    attempt: Option<Socket>,
    /// The deadline's timer.
    timer: Option<Handle>,
    last_error: Error,
    /// The program closed the handle: no address is tried any more.
    given_up: bool,
    /// TLS once connected (boxed: a session is large, and most connects have none).
    tls: Option<Box<PendingTls>>,
}

impl Connecting {
    /// Stops the connect: the addresses left are dropped; the attempt in progress (to be
    /// deleted from the poller before it is closed) and the deadline's timer are given back.
    pub(crate) fn give_up(&mut self) -> (Option<Socket>, Option<Handle>) {
        self.given_up = true;
        self.addresses.clear();
        (self.attempt.take(), self.timer.take())
    }

    /// Makes the connection TLS once it is made.
    pub(crate) fn set_tls(
        &mut self,
        session: crate::tls::Session,
        timeout: Option<Duration>,
    ) -> Result<()> {
        if self.given_up {
            return Err(ErrorCode::ENOTCONN.into());
        }
        if self.tls.is_some() {
            return Err(ErrorCode::EALREADY.into());
        }
        self.tls = Some(Box::new(PendingTls { session, timeout }));
        Ok(())
    }
}

/// A connection whose on_close is running.
pub(crate) struct Closed {
    peer: Option<SocketAddr>,
}

impl Loop {
    /// Listens on `bind` (port 0: the system picks; see [`Loop::local_addr`]); each
    /// connection accepted gets `events`, and `data` as its word, and starts with
    /// `on_connect(Ok)`.
    pub fn listen(
        &self,
        bind: Bind<'_>,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        self.add_listener(tcp::listen(bind, 0)?, None, events, data)
    }

    /// Serves a listening socket (with its socket file, for a Unix domain one).
    pub(super) fn add_listener(
        &self,
        socket: Socket,
        file: Option<SocketFile>,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        let listener = Listener {
            socket,
            events,
            file,
            tls: None,
        };
        listener.socket.set_nonblocking(true)?;
        self.register(
            Entry {
                data,
                kind: Kind::Listener(listener),
            },
            Interest::READ,
        )
    }

    /// Puts an entry with a socket in the table and registers the socket under its slot.
    pub(super) fn register(&self, entry: Entry, interest: Interest) -> Result<Handle> {
        let mut state = self.state.borrow_mut();
        let handle = state.handles.insert(entry)?;
        let socket = match &state.handles.get(handle).map(|entry| &entry.kind) {
            Some(Kind::Listener(listener)) => &listener.socket,
            Some(Kind::Datagrams(datagrams)) => &datagrams.socket,
            Some(Kind::Stream(stream)) => &stream.socket,
            Some(Kind::Connecting(Connecting {
                attempt: Some(socket),
                ..
            })) => socket,
            _ => return Ok(handle),
        };
        // SAFETY: every socket is deleted from the poller before it is dropped: `finish`,
        // `close` and `cancel` delete it (and `Stream`, `Listener` and `Connecting` are
        // only dropped there).
        let added = unsafe { self.remote.0.poller.add(socket, handle.index(), interest) };
        if let Err(err) = added {
            state.handles.remove(handle);
            return Err(err.into());
        }
        Ok(handle)
    }

    /// Takes over a connected stream socket (TCP or Unix domain) from the program's own
    /// code: from now on the loop owns and closes it. `on_connect(Ok)` comes in the next
    /// round. On failure the socket is given back (`ENOTSOCK`/`EOPNOTSUPP` for a socket that
    /// is not a stream, `ENOTCONN` for one not connected).
    pub fn adopt(
        &self,
        socket: Socket,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> std::result::Result<Handle, (Socket, Error)> {
        if !is_stream(&socket) {
            let code = match socket.r#type() {
                Ok(_) => ErrorCode::EOPNOTSUPP,
                Err(err) => Error::from(err).code(),
            };
            return Err((socket, code.into()));
        }
        let peer = match socket.peer_addr() {
            Ok(peer) => from_sock_addr(&peer),
            Err(err) => return Err((socket, err.into())),
        };
        if let Err(err) = socket
            .set_nonblocking(true)
            .and_then(|()| platform::prepare_send(&socket))
        {
            return Err((socket, err.into()));
        }
        let mut state = self.state.borrow_mut();
        let handle = match state.handles.insert(Entry {
            data,
            kind: Kind::Stream(Stream::new(socket, peer, events)),
        }) {
            Ok(handle) => handle,
            Err(err) => return Err((adopted_socket_back(None), err)),
        };
        let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = state.handles.get(handle)
        else {
            unreachable!("inserted above");
        };
        // SAFETY: as in `register`: deleted from the poller before it is dropped.
        let added = unsafe {
            self.remote
                .0
                .poller
                .add(&stream.socket, handle.index(), Interest::READ)
        };
        if let Err(err) = added {
            let entry = state.handles.remove(handle);
            return Err((adopted_socket_back(entry), err.into()));
        }
        state.deferred.push_back(Deferred::Connected(handle));
        Ok(handle)
    }

    /// Connects to `host` (a name or an IP literal) on `port`: the name is resolved on the
    /// pool, each address tried in turn, all within `timeout` (`None`: the system's own
    /// limit for each attempt). The result comes to `on_connect`; a failure is followed by
    /// on_close. `EINVAL` at once for a host that cannot be a name or an address.
    pub fn connect(
        &self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        let literal = parse_ip(host, port);
        if literal.is_none() && !is_host_name(host) {
            return Err(ErrorCode::EINVAL.into());
        }
        let handle = self.connecting(timeout, events, data)?;
        match literal {
            Some(addr) => self.attempt_now(handle, Target::Ip(addr)),
            None => {
                let (remote, host) = (self.remote.clone(), host.to_owned());
                let resolving = pool::spawn(move || {
                    let addresses = resolve(&host, port, Family::Any);
                    remote.post(Box::new(move |lp: &Loop| lp.resolved(handle, addresses)));
                });
                if let Err(err) = resolving {
                    self.forget_connecting(handle);
                    return Err(err);
                }
            }
        }
        Ok(handle)
    }

    /// The handle of a connect being made, with its deadline.
    pub(super) fn connecting(
        &self,
        timeout: Option<Duration>,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        let handle = self.state.borrow_mut().handles.insert(Entry {
            data,
            kind: Kind::Connecting(Connecting {
                events,
                addresses: VecDeque::new(),
                attempt: None,
                timer: None,
                last_error: ErrorCode::EAI_NODATA.into(),
                given_up: false,
                tls: None,
            }),
        })?;
        if let Some(timeout) = timeout {
            let timer = self.add_timer(
                timeout,
                None,
                Box::new(move |lp: &Loop, _| {
                    lp.finish(handle, Err(ErrorCode::ETIMEDOUT.into()), true);
                }),
                true,
            );
            match timer {
                Ok(timer) => self.set_connect_timer(handle, timer),
                Err(err) => {
                    self.state.borrow_mut().handles.remove(handle);
                    return Err(err);
                }
            }
        }
        Ok(handle)
    }

    /// Takes back a connect that could not start, with its deadline (no callback).
    fn forget_connecting(&self, handle: Handle) {
        let entry = self.state.borrow_mut().handles.remove(handle);
        if let Some(Entry {
            kind: Kind::Connecting(connecting),
            ..
        }) = entry
        {
            self.cancel_internal(connecting.timer);
        }
    }

    /// Starts a connect to an address known at once, from a call of the program's: any
    /// failure waits for the end of the round, so that no callback runs in that call.
    pub(super) fn attempt_now(&self, handle: Handle, target: Target) {
        if let Err(err) = self.attempt(handle, vec![target]) {
            self.defer(Deferred::ConnectFailed(handle, err));
        }
    }

    fn set_connect_timer(&self, handle: Handle, timer: Handle) {
        if let Some(Entry {
            kind: Kind::Connecting(connecting),
            ..
        }) = self.state.borrow_mut().handles.get_mut(handle)
        {
            connecting.timer = Some(timer);
        }
    }

    /// The resolver's answer for a connect (if the connect is still waiting for it).
    fn resolved(&self, handle: Handle, addresses: Result<Vec<SocketAddr>>) {
        let result = addresses.and_then(|addresses| {
            self.attempt(handle, addresses.into_iter().map(Target::Ip).collect())
        });
        if let Err(err) = result {
            self.finish(handle, Err(err), true);
        }
    }

    /// Starts trying `addresses`; fails when none could even be tried.
    fn attempt(&self, handle: Handle, addresses: Vec<Target>) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let Some(Entry {
            kind: Kind::Connecting(connecting),
            ..
        }) = state.handles.get_mut(handle)
        else {
            // Closed or timed out meanwhile.
            return Ok(());
        };
        if connecting.given_up {
            return Ok(());
        }
        connecting.addresses.extend(addresses);
        drop(state);
        self.try_next_address(handle)
    }

    /// Starts a connection attempt to the next address; fails with the last error once
    /// every address has failed.
    fn try_next_address(&self, handle: Handle) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let Some(Entry {
            kind: Kind::Connecting(connecting),
            ..
        }) = state.handles.get_mut(handle)
        else {
            return Ok(());
        };
        if connecting.given_up {
            return Ok(());
        }
        while let Some(target) = connecting.addresses.pop_front() {
            let started = match &target {
                Target::Ip(addr) => start_connect(*addr),
                Target::Unix(to) => unix::start_connect(to),
            };
            match started {
                Ok(socket) => {
                    // SAFETY: as in `register`: deleted from the poller before it is dropped.
                    let added = unsafe {
                        self.remote
                            .0
                            .poller
                            .add(&socket, handle.index(), Interest::WRITE)
                    };
                    match added {
                        Ok(()) => {
                            connecting.attempt = Some(socket);
                            return Ok(());
                        }
                        Err(err) => connecting.last_error = err.into(),
                    }
                }
                Err(err)
                    if err.code() == ErrorCode::EAGAIN && matches!(target, Target::Unix(_)) =>
                {
                    // The listener's queue is full: again shortly, within the deadline.
                    connecting.addresses.push_front(target);
                    drop(state);
                    let again = Box::new(move |lp: &Loop, _| lp.try_next_or_fail(handle));
                    return self
                        .add_timer(QUEUE_FULL_RETRY, None, again, true)
                        .map(|_| ());
                }
                Err(err) => connecting.last_error = err,
            }
        }
        Err(connecting.last_error)
    }

    /// Tries the next address; once none is left, the connect has failed.
    fn try_next_or_fail(&self, handle: Handle) {
        if let Err(err) = self.try_next_address(handle) {
            self.finish(handle, Err(err), true);
        }
    }

    /// The attempt in progress is writable: connected, or failed.
    pub(super) fn connect_ready(&self, handle: Handle) {
        let mut state = self.state.borrow_mut();
        let Some(Entry {
            kind: Kind::Connecting(connecting),
            ..
        }) = state.handles.get_mut(handle)
        else {
            return;
        };
        let Some(socket) = connecting.attempt.as_ref() else {
            return;
        };
        match tcp::finish_connect(socket) {
            Ok(()) => {}
            Err(err) if err.code() == ErrorCode::EINPROGRESS => return,
            Err(err) => {
                if let Some(socket) = connecting.attempt.take() {
                    let _ = self.remote.0.poller.delete(&socket);
                }
                connecting.last_error = err;
                drop(state);
                return self.try_next_or_fail(handle);
            }
        }
        let Some(socket) = connecting.attempt.take() else {
            return;
        };
        let events = Rc::clone(&connecting.events);
        let timer = connecting.timer.take();
        let tls = connecting.tls.take();
        let peer = socket
            .peer_addr()
            .ok()
            .and_then(|peer| from_sock_addr(&peer));
        let stream = Stream::new(socket, peer, events);
        let registered =
            self.remote
                .0
                .poller
                .modify(&stream.socket, handle.index(), Interest::READ);
        if let Some(entry) = state.handles.get_mut(handle) {
            entry.kind = Kind::Stream(stream);
        }
        drop(state);
        self.cancel_internal(timer);
        if let Err(err) = registered {
            return self.finish(handle, Err(err.into()), true);
        }
        match tls {
            None => self.tell_connected(handle),
            Some(pending) => {
                let PendingTls { session, timeout } = *pending;
                let started = self.handshake_deadline(handle, timeout).and_then(|timer| {
                    self.with_stream(handle, |stream| stream.start_tls(session, timer))
                });
                if let Err(err) = started {
                    self.finish(handle, Err(err), true);
                }
            }
        }
    }

    /// Calls on_connect(Ok) for a connection that is open (with TLS: once the handshake is
    /// done, by [`Loop::read_tls`]).
    pub(super) fn tell_connected(&self, handle: Handle) {
        let (events, data) = match self.state.borrow().handles.get(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                data,
            }) if !stream.handshaking => (Rc::clone(&stream.events), *data),
            _ => return,
        };
        events.on_connect(self, handle, data, Ok(()));
    }

    pub(super) fn stream_events(&self, handle: Handle) -> Option<(Rc<dyn StreamEvents>, usize)> {
        match self.state.borrow().handles.get(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                data,
            }) => Some((Rc::clone(&stream.events), *data)),
            _ => None,
        }
    }

    /// Closes a connection: out of the poller, the socket closed, then (with `connecting`,
    /// for a connect that failed) on_connect with the error, then on_close; then the handle
    /// is gone. Does nothing for a handle that is closed or closing already.
    pub(super) fn finish(&self, handle: Handle, status: Result<()>, connecting: bool) {
        let mut state = self.state.borrow_mut();
        let Some(entry) = state.handles.get_mut(handle) else {
            return;
        };
        let data = entry.data;
        let (events, peer, timer, connecting) = match &entry.kind {
            // A handshake that fails is the end of a connect.
            Kind::Stream(stream) => (
                Rc::clone(&stream.events),
                stream.peer,
                stream.handshake_timer,
                connecting || stream.handshaking,
            ),
            Kind::Connecting(c) => (Rc::clone(&c.events), None, c.timer, connecting),
            _ => return,
        };
        match std::mem::replace(&mut entry.kind, Kind::Closed(Closed { peer })) {
            Kind::Stream(stream) => {
                let _ = self.remote.0.poller.delete(&stream.socket);
            }
            Kind::Connecting(Connecting {
                attempt: Some(socket),
                ..
            }) => {
                let _ = self.remote.0.poller.delete(&socket);
            }
            _ => {}
        }
        drop(state);
        self.cancel_internal(timer);
        if connecting {
            if let Err(err) = status {
                events.on_connect(self, handle, data, Err(err));
            }
        }
        events.on_close(self, handle, data, status);
        self.state.borrow_mut().handles.remove(handle);
    }

    /// Accepts what is waiting on a listener.
    pub(super) fn accept(&self, listener: Handle) {
        for _ in 0..ACCEPT_BATCH {
            let (accepted, events, data, tls) = {
                let state = self.state.borrow();
                let Some(Entry {
                    kind: Kind::Listener(l),
                    data,
                }) = state.handles.get(listener)
                else {
                    return;
                };
                let tls = l.tls.as_ref().map(|t| (t.sessions.clone(), t.timeout));
                (tcp::accept(&l.socket), Rc::clone(&l.events), *data, tls)
            };
            let (socket, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(err) if err.code() == ErrorCode::EAGAIN => return,
                Err(err) if err.code().is_exhaustion() => return self.pause_accepting(listener),
                Err(_) => return,
            };
            // tcp::accept returns blocking sockets; Apple needs SO_NOSIGPIPE set on each.
            if socket.set_nonblocking(true).is_err() || platform::prepare_send(&socket).is_err() {
                continue;
            }
            let entry = Entry {
                data,
                kind: Kind::Stream(Stream::new(socket, peer, Rc::clone(&events))),
            };
            let Ok(conn) = self.register(entry, Interest::READ) else {
                continue;
            };
            match tls {
                None => events.on_connect(self, conn, data, Ok(())),
                // on_connect once the handshake is done; a connection whose handshake cannot
                // even start (out of memory) goes without a word: the program never had it.
                Some((sessions, timeout)) => {
                    let started = sessions.session().and_then(|session| {
                        let timer = self.handshake_deadline(conn, timeout)?;
                        self.with_stream(conn, |stream| stream.start_tls(session, timer))
                    });
                    if started.is_err() {
                        self.discard(conn);
                        continue;
                    }
                }
            }
            self.update_now(conn);
        }
    }

    /// Drops a connection the program was never told of: out of the poller, closed, its
    /// handshake's deadline gone.
    fn discard(&self, handle: Handle) {
        let entry = self.state.borrow_mut().handles.remove(handle);
        if let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = entry
        {
            let _ = self.remote.0.poller.delete(&stream.socket);
            self.cancel_internal(stream.handshake_timer);
        }
    }

    /// Out of descriptors or memory: the listener rests for a while (level-triggered
    /// readiness would report the waiting clients again at once); they wait in its queue.
    fn pause_accepting(&self, listener: Handle) {
        self.watch_listener(listener, Interest::NONE);
        let _ = self.add_timer(
            EXHAUSTION_PAUSE,
            None,
            Box::new(move |lp: &Loop, _| lp.watch_listener(listener, Interest::READ)),
            true,
        );
    }

    fn watch_listener(&self, listener: Handle, interest: Interest) {
        if let Some(Entry {
            kind: Kind::Listener(l),
            ..
        }) = self.state.borrow().handles.get(listener)
        {
            let _ = self
                .remote
                .0
                .poller
                .modify(&l.socket, listener.index(), interest);
        }
    }

    /// A connection is readable or writable.
    pub(super) fn serve(&self, handle: Handle, readable: bool, writable: bool) {
        if self.hung_up(handle) {
            return self.update_now(handle);
        }
        if writable {
            self.flush(handle);
        }
        if readable {
            self.read(handle);
        }
        self.update_now(handle);
    }

    /// A report for a connection that asked for nothing (paused, or past on_eof and idle):
    /// the system reports errors and hang-ups whatever the interest, level-triggered, so the
    /// connection ends here, with the socket's error. A hang-up without one is the normal
    /// end of a half-closed connection (our side shut down, the peer's finished) or a peer
    /// that is gone with nothing left to read; with bytes left to read, the connection is
    /// parked (out of the poller) until the program asks for something again, so that a
    /// paused reader loses nothing a peer sent before it closed; else it was reset.
    fn hung_up(&self, handle: Handle) -> bool {
        let mut state = self.state.borrow_mut();
        let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = state.handles.get_mut(handle)
        else {
            return false;
        };
        if stream.registered != Interest::NONE || stream.is_done() {
            return false;
        }
        let mut byte = [std::mem::MaybeUninit::uninit()];
        let error = match stream.socket.take_error() {
            Ok(Some(err)) => Some(err.into()),
            Err(err) => Some(err.into()),
            Ok(None) => match stream.socket.peek(&mut byte) {
                // Nothing left but the end of the stream.
                Ok(0) => None,
                Ok(_) => {
                    // Bytes the program has not read yet (it paused reading, as a proxy
                    // does under back-pressure): they stay for when it resumes.
                    let _ = self.remote.0.poller.delete(&stream.socket);
                    stream.parked = true;
                    return true;
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock && stream.shut => None,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                    Some(ErrorCode::ECONNRESET.into())
                }
                Err(err) => Some(err.into()),
            },
        };
        match error {
            Some(err) => stream.broken = Some(err),
            None => {
                stream.ended = true;
                stream.shut = true;
            }
        }
        true
    }

    /// Sends what a connection has queued; on_drain if that emptied a full queue.
    pub(super) fn flush(&self, handle: Handle) {
        let drained = {
            let mut state = self.state.borrow_mut();
            let Some(Entry {
                kind: Kind::Stream(stream),
                data,
            }) = state.handles.get_mut(handle)
            else {
                return;
            };
            stream.flush();
            if stream.full && stream.queued() == 0 && stream.broken.is_none() && !stream.closing {
                stream.full = false;
                Some((Rc::clone(&stream.events), *data))
            } else {
                None
            }
        };
        if let Some((events, data)) = drained {
            events.on_drain(self, handle, data);
        }
    }

    fn read(&self, handle: Handle) {
        let mut buffer = self.buffer.borrow_mut();
        let mut plain = self.plain.borrow_mut();
        for _ in 0..READS_PER_TURN {
            let (outcome, events, data, framed) = {
                let mut state = self.state.borrow_mut();
                let Some(Entry {
                    kind: Kind::Stream(stream),
                    data,
                }) = state.handles.get_mut(handle)
                else {
                    return;
                };
                if !stream.interest().read {
                    return;
                }
                let outcome = if stream.tls.is_some() {
                    plain.clear();
                    read_records(stream, &mut buffer, &mut plain)
                } else {
                    read_bytes(stream, &mut buffer)
                };
                (outcome, Rc::clone(&stream.events), *data, stream.framed)
            };
            match outcome {
                Outcome::Nothing => return,
                Outcome::End => return self.end_of_stream(handle, &events, data, framed),
                Outcome::Bytes(n) => {
                    if framed {
                        self.deliver(handle, &events, data, Some(&buffer[..n]));
                    } else {
                        events.on_data(self, handle, data, &buffer[..n]);
                    }
                    if n < buffer.len() {
                        // Most likely drained; level-triggered readiness says if not.
                        return;
                    }
                }
                Outcome::Records(received) => {
                    if !self.take_records(handle, &events, data, framed, received, &plain) {
                        return;
                    }
                }
            }
        }
    }

    /// The peer finished sending: what a framing holds is handed out, then on_eof.
    pub(super) fn end_of_stream(
        &self,
        handle: Handle,
        events: &Rc<dyn StreamEvents>,
        data: usize,
        framed: bool,
    ) {
        if framed {
            self.deliver(handle, events, data, None);
        }
        events.on_eof(self, handle, data);
    }

    /// After the loop served a connection: closes it now if it is over, else registers the
    /// interest it needs.
    fn update_now(&self, handle: Handle) {
        let done = {
            let mut state = self.state.borrow_mut();
            self.update(&mut state, handle);
            match state.deferred.back() {
                Some(Deferred::Finish(last, _)) if *last == handle => state.deferred.pop_back(),
                _ => None,
            }
        };
        if let Some(Deferred::Finish(handle, status)) = done {
            self.finish(handle, status, false);
        }
    }

    /// After a change to a connection: registers the interest it needs now, or, if it is
    /// over, has it closed at the end of the round.
    pub(super) fn update(&self, state: &mut State, handle: Handle) {
        let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = state.handles.get_mut(handle)
        else {
            return;
        };
        if !stream.is_done() {
            let interest = stream.interest();
            if interest == stream.registered {
                return;
            }
            let changed = if stream.parked {
                // SAFETY: as in `register`: the socket is deleted from the poller before it
                // is dropped (`finish`, `close` and `cancel` delete it).
                let added = unsafe {
                    self.remote
                        .0
                        .poller
                        .add(&stream.socket, handle.index(), interest)
                };
                stream.parked = added.is_err();
                added
            } else {
                self.remote
                    .0
                    .poller
                    .modify(&stream.socket, handle.index(), interest)
            };
            match changed {
                Ok(()) => {
                    stream.registered = interest;
                    return;
                }
                Err(err) => stream.broken = Some(err.into()),
            }
        }
        let status = match stream.broken {
            Some(err) => Err(err),
            None => Ok(()),
        };
        state.deferred.push_back(Deferred::Finish(handle, status));
    }

    /// Runs `change` on an open connection, then registers what it needs.
    pub(super) fn with_stream<T>(
        &self,
        handle: Handle,
        change: impl FnOnce(&mut Stream) -> Result<T>,
    ) -> Result<T> {
        let mut state = self.state.borrow_mut();
        let entry = state.handles.get_mut(handle).ok_or(ErrorCode::EBADF)?;
        let result = match &mut entry.kind {
            Kind::Stream(stream) => change(stream),
            Kind::Connecting(_) | Kind::Closed(_) | Kind::Listener(_) | Kind::Datagrams(_) => {
                Err(ErrorCode::ENOTCONN.into())
            }
            Kind::Timer(_) => Err(ErrorCode::ENOTSOCK.into()),
        };
        self.update(&mut state, handle);
        result
    }

    /// Sends `bytes` to a connection's peer: what the socket does not take at once is
    /// copied into the connection's queue, and sent as the peer reads. Never blocks.
    /// `ENOBUFS` while the queue holds its limit or more (nothing is sent); the write that
    /// takes it there calls on_queue_full, and so does the first one refused for it (a
    /// limit lowered below what is queued), so that on_drain follows once it is sent.
    /// `ENOTCONN` once closing, `EPIPE` after a shutdown, the system's error if the
    /// connection broke (it then closes).
    #[inline]
    pub fn write(&self, handle: Handle, bytes: &[u8]) -> Result<()> {
        let mut written = Ok(());
        let full = self.with_stream(handle, |stream| {
            match stream.check_writable() {
                Err(err) if err.code() == ErrorCode::ENOBUFS => written = Err(err),
                Err(err) => return Err(err),
                Ok(()) => stream.write(bytes)?,
            }
            if stream.queued() >= stream.limit && !stream.full {
                stream.full = true;
                return Ok(Some((Rc::clone(&stream.events), stream.queued())));
            }
            Ok(None)
        })?;
        if let Some((events, queued)) = full {
            let data = self.data(handle).unwrap_or(0);
            events.on_queue_full(self, handle, data, queued);
        }
        written
    }

    /// Closes a connection at once, throwing away what is queued: the peer gets a reset.
    /// on_close follows in a later round. Other handles close as with [`Loop::close`].
    pub fn abort(&self, handle: Handle) -> Result<()> {
        let aborted = self.with_stream(handle, |stream| {
            stream.abort();
            Ok(())
        });
        match aborted {
            Err(err) if err.code() == ErrorCode::ENOTCONN || err.code() == ErrorCode::ENOTSOCK => {
                self.close(handle)
            }
            other => other,
        }
    }

    /// Finishes sending (a half-close): once the queue is sent the peer reads the end of the
    /// stream; reading goes on. The connection closes by itself once the peer has finished
    /// too.
    pub fn shutdown(&self, handle: Handle) -> Result<()> {
        self.with_stream(handle, |stream| {
            if stream.closing || stream.broken.is_some() {
                return Err(ErrorCode::ENOTCONN.into());
            }
            stream.shutting = true;
            stream.close_notify();
            stream.flush();
            Ok(())
        })
    }

    /// Stops (`true`) or resumes reading from a connection: while paused, its peer's bytes
    /// wait in the system's buffers, and then the peer's sends wait (back-pressure).
    pub fn pause_reading(&self, handle: Handle, paused: bool) -> Result<()> {
        self.with_stream(handle, |stream| {
            stream.paused = paused;
            Ok(())
        })?;
        if !paused {
            self.resume_messages(handle);
        }
        Ok(())
    }

    /// Bytes written to a connection and not sent yet.
    pub fn queued(&self, handle: Handle) -> Result<usize> {
        match &self
            .state
            .borrow()
            .handles
            .get(handle)
            .ok_or(ErrorCode::EBADF)?
            .kind
        {
            Kind::Stream(stream) => Ok(stream.queued()),
            Kind::Connecting(_) | Kind::Closed(_) | Kind::Listener(_) | Kind::Datagrams(_) => Ok(0),
            Kind::Timer(_) => Err(ErrorCode::ENOTSOCK.into()),
        }
    }

    /// The most a connection's queue may hold before writes are refused (default
    /// [`DEFAULT_QUEUE_LIMIT`](crate::event_loop::DEFAULT_QUEUE_LIMIT)); at least 1.
    pub fn set_queue_limit(&self, handle: Handle, limit: usize) -> Result<()> {
        if limit == 0 {
            return Err(ErrorCode::EINVAL.into());
        }
        self.with_stream(handle, |stream| {
            stream.limit = limit;
            Ok(())
        })
    }

    /// A connection's peer (`None` if it is not an IP address).
    pub fn peer(&self, handle: Handle) -> Result<Option<SocketAddr>> {
        match &self
            .state
            .borrow()
            .handles
            .get(handle)
            .ok_or(ErrorCode::EBADF)?
            .kind
        {
            Kind::Stream(stream) => Ok(stream.peer),
            Kind::Closed(closed) => Ok(closed.peer),
            Kind::Connecting(_) | Kind::Listener(_) | Kind::Datagrams(_) => {
                Err(ErrorCode::ENOTCONN.into())
            }
            Kind::Timer(_) => Err(ErrorCode::ENOTSOCK.into()),
        }
    }

    /// Lends the socket of a listener, a UDP socket or a connection to `f` (to read or set
    /// its options, or a Unix domain peer's name and credentials).
    pub fn with_socket<T>(&self, handle: Handle, f: impl FnOnce(&Socket) -> T) -> Result<T> {
        let state = self.state.borrow();
        let socket = match &state.handles.get(handle).ok_or(ErrorCode::EBADF)?.kind {
            Kind::Stream(stream) => &stream.socket,
            Kind::Listener(listener) => &listener.socket,
            Kind::Datagrams(datagrams) => &datagrams.socket,
            Kind::Connecting(_) | Kind::Closed(_) => return Err(ErrorCode::ENOTCONN.into()),
            Kind::Timer(_) => return Err(ErrorCode::ENOTSOCK.into()),
        };
        Ok(f(socket))
    }

    /// The local address of a listener, a UDP socket or a connection (`None` if it is not
    /// an IP address: a Unix domain socket).
    pub fn local_addr(&self, handle: Handle) -> Result<Option<SocketAddr>> {
        let local = self.with_socket(handle, Socket::local_addr)??;
        Ok(from_sock_addr(&local))
    }
}

/// What one read of a connection gave.
pub(super) enum Outcome {
    /// Nothing to tell: it would block, or the connection broke (and closes).
    Nothing,
    /// This many bytes, in the loop's buffer.
    Bytes(usize),
    /// TLS records; their plaintext is in the loop's plaintext buffer.
    Records(Received),
    /// The peer finished sending.
    End,
}

/// Reads what the socket has into `buffer`; the stream records how it ended or broke.
fn read_bytes(stream: &mut Stream, buffer: &mut [u8]) -> Outcome {
    match recv_now(&stream.socket, buffer) {
        Ok(Some(0)) => {
            stream.ended = true;
            Outcome::End
        }
        Ok(Some(n)) => Outcome::Bytes(n),
        Ok(None) => Outcome::Nothing,
        Err(err) => {
            stream.broken = Some(err);
            Outcome::Nothing
        }
    }
}

/// A non-blocking TCP socket whose connection to `addr` has started (or is made already).
fn start_connect(addr: SocketAddr) -> Result<Socket> {
    let socket = new_socket(addr.is_ipv6(), Type::STREAM)?;
    socket.set_nonblocking(true)?;
    platform::prepare_send(&socket)?;
    match tcp::connect_socket(&socket, addr) {
        Ok(()) => Ok(socket),
        Err(err) if err.code() == ErrorCode::EINPROGRESS => Ok(socket),
        Err(err) => Err(err),
    }
}

/// The socket of an adoption that failed after the entry was made, given back.
fn adopted_socket_back(entry: Option<Entry>) -> Socket {
    match entry {
        Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) => stream.socket,
        _ => unreachable!("an adopted entry is a stream"),
    }
}
