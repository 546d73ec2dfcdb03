//! TLS on the loop's connections: a listener whose connections are TLS servers, a connect or
//! an open connection that becomes a TLS client or server (STARTTLS). Handshakes never block
//! the loop: the records go through the connection's queue like any bytes, and on_connect
//! comes once the handshake is done (or on_connect with the failure, then on_close). Each
//! handshake has its own deadline.

use std::rc::Rc;
use std::time::Duration;

use crate::error::{ErrorCode, Result};
use crate::event_loop::stream::Stream;
use crate::event_loop::tcp::Outcome;
use crate::event_loop::{Entry, Handle, Kind, Loop, StreamEvents};
use crate::net::io::recv_now;
use crate::tls::{ClientConfig, Received, ServerSessions, Session};

/// TLS for every connection a listener accepts.
pub(crate) struct ListenerTls {
    pub(crate) sessions: ServerSessions,
    pub(crate) timeout: Option<Duration>,
}

/// TLS for a connection once it is made (a connect in progress).
pub(crate) struct PendingTls {
    pub(crate) session: Session,
    pub(crate) timeout: Option<Duration>,
}

impl Loop {
    /// Makes a listener's future connections, or an open connection, or a connect in
    /// progress TLS servers with `sessions`' configuration. Each handshake must finish within
    /// `timeout` of its start (`None`: no limit) or the connection closes with `ETIMEDOUT`.
    pub fn tls_server(
        &self,
        handle: Handle,
        sessions: &ServerSessions,
        timeout: Option<Duration>,
    ) -> Result<()> {
        let listening = {
            let mut state = self.state.borrow_mut();
            match &mut state.handles.get_mut(handle).ok_or(ErrorCode::EBADF)?.kind {
                Kind::Listener(listener) => {
                    listener.tls = Some(ListenerTls {
                        sessions: sessions.clone(),
                        timeout,
                    });
                    true
                }
                _ => false,
            }
        };
        if listening {
            return Ok(());
        }
        self.start_tls(handle, sessions.session()?, timeout)
    }

    /// Makes an open connection (adopted, or STARTTLS on one the loop made), or a connect in
    /// progress, a TLS client of `host` (the name sent as SNI and verified against the
    /// server's certificate, or an IP address), with `config`. The handshake must finish
    /// within `timeout` of its start (`None`: no limit).
    pub fn tls_client(
        &self,
        handle: Handle,
        config: &ClientConfig,
        host: &str,
        timeout: Option<Duration>,
    ) -> Result<()> {
        if let Some(Entry {
            kind: Kind::Listener(_),
            ..
        }) = self.state.borrow().handles.get(handle)
        {
            return Err(ErrorCode::EINVAL.into());
        }
        self.start_tls(handle, Session::client(config, host)?, timeout)
    }

    /// Puts `session` on a connection (now) or a connect (once it is made).
    fn start_tls(&self, handle: Handle, session: Session, timeout: Option<Duration>) -> Result<()> {
        {
            let mut state = self.state.borrow_mut();
            match &mut state.handles.get_mut(handle).ok_or(ErrorCode::EBADF)?.kind {
                Kind::Connecting(connecting) => return connecting.set_tls(session, timeout),
                Kind::Stream(stream) if stream.tls.is_some() => {
                    return Err(ErrorCode::EALREADY.into());
                }
                Kind::Stream(stream) if stream.closing || stream.shutting => {
                    return Err(ErrorCode::ENOTCONN.into());
                }
                Kind::Stream(_) => {}
                Kind::Closed(_) => return Err(ErrorCode::ENOTCONN.into()),
                Kind::Datagrams(_) => return Err(ErrorCode::EOPNOTSUPP.into()),
                Kind::Timer(_) | Kind::Listener(_) => return Err(ErrorCode::ENOTSOCK.into()),
            }
        }
        let timer = self.handshake_deadline(handle, timeout)?;
        let started = self.with_stream(handle, |stream| stream.start_tls(session, timer));
        if started.is_err() {
            self.cancel_internal(timer);
        }
        started
    }

    /// The deadline of a handshake about to start on `handle`.
    pub(super) fn handshake_deadline(
        &self,
        handle: Handle,
        timeout: Option<Duration>,
    ) -> Result<Option<Handle>> {
        let Some(timeout) = timeout else {
            return Ok(None);
        };
        let expired = Box::new(move |lp: &Loop, _| {
            lp.finish(handle, Err(ErrorCode::ETIMEDOUT.into()), true);
        });
        self.add_timer(timeout, None, expired, true).map(Some)
    }

    /// Hands what TLS records brought to the program: on_connect if they finished the
    /// handshake, the plaintext to on_data (or on_message), on_eof after a close_notify.
    /// Whether reading may go on.
    pub(super) fn take_records(
        &self,
        handle: Handle,
        events: &Rc<dyn StreamEvents>,
        data: usize,
        framed: bool,
        received: Received,
        plain: &[u8],
    ) -> bool {
        if received.handshake_done {
            // What was written during the handshake goes, then the shutdown it held back.
            self.flush(handle);
            self.handshake_done(handle, events, data);
        }
        if !plain.is_empty() {
            if framed {
                self.deliver(handle, events, data, Some(plain));
            } else if self.takes_data(handle, plain) {
                events.on_data(self, handle, data, plain);
            }
        }
        if received.closed {
            if !self.holds_data(handle) {
                self.end_of_stream(handle, events, data, framed);
            }
            return false;
        }
        true
    }

    /// Whether plaintext waits for reading to resume; if so the end of the stream waits
    /// behind it.
    fn holds_data(&self, handle: Handle) -> bool {
        match self.state.borrow_mut().handles.get_mut(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) if !stream.held.is_empty() => {
                stream.held_end = true;
                true
            }
            _ => false,
        }
    }

    /// The handshake is done: its deadline goes, and on_connect(Ok) comes.
    fn handshake_done(&self, handle: Handle, events: &Rc<dyn StreamEvents>, data: usize) {
        let timer = match self.state.borrow_mut().handles.get_mut(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) => {
                stream.handshaking = false;
                stream.handshake_timer.take()
            }
            _ => return,
        };
        self.cancel_internal(timer);
        events.on_connect(self, handle, data, Ok(()));
    }

    /// Whether on_data may have `plain` now; if the program paused reading or closed in
    /// on_connect, a paused connection keeps the bytes for when it resumes.
    fn takes_data(&self, handle: Handle, plain: &[u8]) -> bool {
        let mut state = self.state.borrow_mut();
        let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = state.handles.get_mut(handle)
        else {
            return false;
        };
        if stream.closing || stream.broken.is_some() {
            return false;
        }
        if stream.paused {
            stream.held.extend_from_slice(plain);
            return false;
        }
        true
    }

    /// Plaintext kept while reading was paused, given to on_data once it resumed (then
    /// on_eof, if the peer's close_notify came with it).
    pub(super) fn deliver_held(&self, handle: Handle) {
        let (held, end, events, data) = match self.state.borrow_mut().handles.get_mut(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                data,
            }) if !stream.paused && !stream.closing && !stream.held.is_empty() => (
                std::mem::take(&mut stream.held),
                std::mem::take(&mut stream.held_end),
                Rc::clone(&stream.events),
                *data,
            ),
            _ => return,
        };
        events.on_data(self, handle, data, &held);
        if end {
            events.on_eof(self, handle, data);
        }
    }

    /// The TLS version, ALPN protocol and peer of a connection: `f` is given its session
    /// (`None` without TLS).
    pub fn with_tls_session<T>(
        &self,
        handle: Handle,
        f: impl FnOnce(Option<&Session>) -> T,
    ) -> Result<T> {
        let state = self.state.borrow();
        match &state.handles.get(handle).ok_or(ErrorCode::EBADF)?.kind {
            Kind::Stream(stream) => Ok(f(stream.tls.as_ref().map(|tls| tls.session()))),
            Kind::Connecting(_) | Kind::Closed(_) => Ok(f(None)),
            Kind::Listener(_) | Kind::Datagrams(_) => Err(ErrorCode::ENOTCONN.into()),
            Kind::Timer(_) => Err(ErrorCode::ENOTSOCK.into()),
        }
    }
}

/// Reads what the socket has and decrypts it into `plain`; the stream records how it
/// ended or broke.
pub(super) fn read_records(stream: &mut Stream, buffer: &mut [u8], plain: &mut Vec<u8>) -> Outcome {
    match recv_now(&stream.socket, buffer) {
        Ok(Some(0)) => {
            let end = match &stream.tls {
                Some(tls) => tls.end_of_stream(),
                None => Ok(()),
            };
            match end {
                Ok(()) => {
                    stream.ended = true;
                    Outcome::End
                }
                Err(err) => {
                    stream.broken = Some(err);
                    Outcome::Nothing
                }
            }
        }
        Ok(Some(n)) => {
            let received =
                stream.with_tls(|tls, records| tls.receive(&buffer[..n], plain, records));
            match received {
                Ok(received) => {
                    if received.closed {
                        stream.ended = true;
                    }
                    Outcome::Records(received)
                }
                Err(err) => {
                    stream.broken.get_or_insert(err);
                    Outcome::Nothing
                }
            }
        }
        Ok(None) => Outcome::Nothing,
        Err(err) => {
            stream.broken = Some(err);
            Outcome::Nothing
        }
    }
}
