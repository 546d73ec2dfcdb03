//! The event loop for UDP: datagrams received in batches (recvmmsg where the system has it),
//! each handed to the handler on the loop's thread, or the whole batch sent back in one
//! call (the library's echo).
//!
//! The socket is in the poller only while the loop waits for it. Once datagrams keep coming
//! the loop receives until the socket is empty and only then waits again: a watched socket
//! costs the kernel a readiness report per datagram that arrives, a measurable part of a
//! busy loop's time (README, "What made sockit fast").

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use socket2::Socket;

use crate::error::Result;
use crate::net::poll::Interest;
use crate::net::unanswerable;
use crate::platform::datagrams::DatagramBatch;
use crate::platform::poller::{Events, Poller};
use crate::server::Settings;
use crate::server::control::LoopControl;
use crate::server::handler::{Handler, UdpHandler};

/// The socket's key in the poller, the only one the loop adds.
const SOCKET_KEY: usize = 0;

/// Datagrams received per system call at most (where the system has recvmmsg). Timers and
/// stops are looked at between calls.
const DATAGRAMS_PER_CALL: usize = 64;

/// Serves datagrams until stopped, then gives the timers (replies scheduled on them) the
/// grace period.
pub(super) fn serve(
    control: &LoopControl<'_>,
    socket: &Socket,
    handler: &Handler,
    settings: &Settings,
) -> Result<()> {
    let result = receive_until_stopped(control, socket, handler);
    let deadline = Instant::now() + settings.grace;
    let mut events = Events::new();
    while control.has_timers() && Instant::now() < deadline {
        if control.wait(&mut events, &[Some(deadline)]).is_err() {
            break;
        }
        control.fire_due_timers();
    }
    result
}

/// What the loop does after a receive.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Wait until the socket is readable, watching it: nothing more is expected soon.
    Wait,
    /// Receive again at once, still watching: several datagrams were waiting, so more may
    /// have come meanwhile.
    Look,
    /// Receive until the socket is empty, not watching it: datagrams keep coming.
    Drain,
}

/// Receives datagrams in batches and hands each to the handler, or (the library's echo)
/// sends the whole batch back in one call.
fn receive_until_stopped(
    control: &LoopControl<'_>,
    socket: &Socket,
    handler: &Handler,
) -> Result<()> {
    let mut events = Events::new();
    let mut batch = DatagramBatch::new(DATAGRAMS_PER_CALL);
    let mut watch = Watch::new(control.poller, socket);
    let mut next = Next::Wait;
    loop {
        control.fire_due_timers();
        if control.stop_requested() {
            return Ok(());
        }
        if next == Next::Wait {
            watch.start()?;
            control.wait(&mut events, &[])?;
            if !events.iter().any(|event| event.key == SOCKET_KEY) {
                continue;
            }
        }
        let received = match batch.receive(socket) {
            Ok(received) => received,
            Err(err) if err.code().makes_socket_unusable() => return Err(err),
            // A peer's error (Windows reports ICMP unreachable on the next receive).
            Err(_) => 0,
        };
        if received == 0 {
            next = Next::Wait;
            continue;
        }
        match handler {
            Handler::UdpEcho => {
                batch.echo(socket);
            }
            Handler::Udp(handle) => deliver(&batch, received, socket, handle.as_ref()),
            // Server::set_handler gives the datagram loop datagram handlers only.
            Handler::Tcp(_) | Handler::Tls(_) | Handler::Stream(_) => {}
        }
        next = match next {
            Next::Wait if received == 1 => Next::Wait,
            Next::Wait => Next::Look,
            Next::Look | Next::Drain => {
                watch.stop();
                Next::Drain
            }
        };
    }
}

/// Hands each datagram of the batch to the handler, but for those no reply can reach.
fn deliver(batch: &DatagramBatch, received: usize, socket: &Socket, handle: &UdpHandler) {
    for i in 0..received {
        let (data, from) = batch.get(i);
        let Some(from) = from else { continue };
        if !unanswerable::can_reply_to(from) {
            unanswerable::skip(from);
            continue;
        }
        // A panicking handler (Rust; C cannot unwind here) loses its datagram only.
        let _ = catch_unwind(AssertUnwindSafe(|| handle(socket, data, from)));
    }
}

/// Whether the poller watches the socket. Borrowing the socket, it is dropped (and the
/// socket deleted from the poller) before the socket can be closed.
struct Watch<'a> {
    poller: &'a Poller,
    socket: &'a Socket,
    watched: bool,
}

impl<'a> Watch<'a> {
    fn new(poller: &'a Poller, socket: &'a Socket) -> Watch<'a> {
        Watch {
            poller,
            socket,
            watched: false,
        }
    }

    fn start(&mut self) -> Result<()> {
        if !self.watched {
            // SAFETY: the socket outlives this borrow of it, and `stop` (run by drop at the
            // latest) deletes it from the poller.
            unsafe { self.poller.add(self.socket, SOCKET_KEY, Interest::READ)? };
            self.watched = true;
        }
        Ok(())
    }

    fn stop(&mut self) {
        // Still watched if the delete fails: that costs only reports the loop ignores.
        if self.watched && self.poller.delete(self.socket).is_ok() {
            self.watched = false;
        }
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}
