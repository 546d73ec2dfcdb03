//! The supervisor of the iterative, threaded and forking modes: on the run thread it waits
//! for requests (connections or datagrams) while workers are free, hands each to a worker,
//! and after a stop gives the workers the grace period before cutting them off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{EXHAUSTION_PAUSE, Error, ErrorCode, Result};
use crate::net::poll::Interest;
use crate::net::{tcp, udp, unanswerable};
use crate::platform;
use crate::platform::poller::Events;
use crate::server::control::Control;
use crate::server::forking::Children;
use crate::server::handler::Handler;
use crate::server::job::{Job, Service, TlsService};
use crate::server::threads::ThreadPool;
use crate::server::workers::Workers;
use crate::server::{Mode, Settings};

/// The key of the server's socket in the poller.
const SERVER_KEY: usize = 0;

/// Requests taken per wake-up at most, so that stops and timers are looked at in between.
const BATCH: usize = 64;

/// Serves in a blocking mode until stopped.
pub(super) fn serve(
    control: &Arc<Control>,
    socket: Socket,
    mode: Mode,
    handler: Handler,
    settings: &Settings,
) -> Result<()> {
    let is_udp = matches!(handler, Handler::Udp(_) | Handler::UdpEcho);
    let socket = Arc::new(socket);
    let udp = is_udp.then(|| Arc::clone(&socket));
    let service = Service {
        handler,
        tls: settings.tls.clone().map(|sessions| TlsService {
            sessions,
            handshake_timeout: settings.handshake_timeout(),
        }),
    };
    let mut workers: Box<dyn Workers> = match mode {
        Mode::Iterative => Box::new(ThreadPool::new(control, service, udp, 1)),
        Mode::Forking => Box::new(Children::new(
            service,
            udp,
            (!is_udp).then(|| platform::raw(&socket)),
            settings.max_workers,
        )),
        _ => Box::new(ThreadPool::new(control, service, udp, settings.max_workers)),
    };
    let mut supervisor = Supervisor {
        control,
        socket: &socket,
        is_udp,
        idle_timeout: settings.idle_timeout,
        paused_until: None,
        buf: if is_udp {
            vec![0; udp::MAX_DATAGRAM]
        } else {
            Vec::new()
        },
    };
    let result = supervisor.take_requests(workers.as_mut());
    // No more requests: a TCP listener closes now (clients are refused instead of queued);
    // a UDP socket stays open for the replies in flight, read by no one.
    drop(socket);
    drain(control, workers.as_mut(), settings.grace);
    result
}

struct Supervisor<'a> {
    control: &'a Control,
    socket: &'a Socket,
    is_udp: bool,
    idle_timeout: Option<Duration>,
    /// Set while out of descriptors or memory.
    paused_until: Option<Instant>,
    buf: Vec<u8>,
}

impl Supervisor<'_> {
    /// Takes requests until a stop, or until the socket fails for good.
    fn take_requests(&mut self, workers: &mut dyn Workers) -> Result<()> {
        // A listener must not block in accept if a waiting client leaves first. A UDP socket
        // stays blocking, as the handlers reply through it; it is read with udp::receive_now.
        if !self.is_udp {
            self.socket.set_nonblocking(true)?;
        }
        // SAFETY: the socket is deleted from the poller below, before it can be dropped.
        unsafe {
            self.control
                .poller
                .add(self.socket, SERVER_KEY, Interest::NONE)?
        };
        let result = self.take_until_stopped(workers);
        let _ = self.control.poller.delete(self.socket);
        result
    }

    fn take_until_stopped(&mut self, workers: &mut dyn Workers) -> Result<()> {
        let mut events = Events::new();
        let mut watching = false;
        loop {
            workers.collect();
            self.control.timers.fire_due();
            if self.control.stop_requested() {
                return Ok(());
            }
            let now = Instant::now();
            if self.paused_until.is_some_and(|until| now >= until) {
                self.paused_until = None;
            }
            let ready = workers.busy() < workers.capacity() && self.paused_until.is_none();
            if ready != watching {
                self.control
                    .main_loop()
                    .watch_readable(self.socket, SERVER_KEY, ready)?;
                watching = ready;
            }
            let tick = (workers.busy() > 0)
                .then(|| workers.tick())
                .flatten()
                .map(|tick| now + tick);
            self.control.wait(&mut events, &[self.paused_until, tick])?;
            if watching && events.iter().any(|event| event.key == SERVER_KEY) {
                self.take_batch(workers)?;
            }
        }
    }

    /// Takes what is waiting, up to the workers' capacity.
    fn take_batch(&mut self, workers: &mut dyn Workers) -> Result<()> {
        for _ in 0..BATCH {
            if workers.busy() >= workers.capacity() || self.control.stop_requested() {
                return Ok(());
            }
            let job = match self.take_one() {
                Ok(Some(job)) => job,
                Ok(None) => continue,
                Err(err) if err.code() == ErrorCode::EAGAIN => return Ok(()),
                Err(err) => return self.after_failure(err),
            };
            if let Err(err) = workers.start(job) {
                // The request is dropped (its connection closed); the others go on.
                return self.after_failure(err);
            }
        }
        Ok(())
    }

    /// The next request; `None` for a datagram skipped because no reply can reach it.
    fn take_one(&mut self) -> Result<Option<Job>> {
        if self.is_udp {
            // SAFETY: the system call writes only the received datagram into the buffer.
            let buf = unsafe { crate::net::io::as_uninit(&mut self.buf) };
            let datagram = udp::receive_now(self.socket, buf)?;
            if !unanswerable::can_reply_to(datagram.from) {
                unanswerable::skip(datagram.from);
                return Ok(None);
            }
            return Ok(Some(Job::Datagram {
                data: self.buf[..datagram.len].to_vec(),
                peer: datagram.from,
            }));
        }
        let (socket, peer) = tcp::accept(self.socket)?;
        // Accepted sockets block, whatever the listener's mode (tcp::accept sees to it).
        if self.idle_timeout.is_some() {
            socket.set_read_timeout(self.idle_timeout)?;
        }
        Ok(Some(Job::Connection {
            socket: Arc::new(socket),
            peer,
        }))
    }

    /// A failed accept, receive or worker start: fatal when the socket is unusable; a pause
    /// when resources ran out; otherwise (a peer's error) nothing.
    fn after_failure(&mut self, err: Error) -> Result<()> {
        match err.code() {
            code if code.makes_socket_unusable() => Err(err),
            // WouldBlock here is a thread that could not be started.
            code if code.is_exhaustion() || code == ErrorCode::EAGAIN => {
                self.paused_until = Some(Instant::now() + EXHAUSTION_PAUSE);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// After a stop: waits for the requests in flight (and due timers) up to the grace period,
/// then cuts off the rest and waits for every worker to end.
fn drain(control: &Control, workers: &mut dyn Workers, grace: Duration) {
    let deadline = Instant::now() + grace;
    let mut events = Events::new();
    loop {
        workers.collect();
        control.timers.fire_due();
        let now = Instant::now();
        if (workers.busy() == 0 && control.timers.is_empty()) || now >= deadline {
            break;
        }
        let tick = workers.tick().map(|tick| now + tick);
        if control.wait(&mut events, &[Some(deadline), tick]).is_err() {
            break;
        }
    }
    if workers.busy() > 0 {
        workers.cut();
    }
    workers.finish();
}
