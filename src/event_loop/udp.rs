//! UDP in the loop: a bound socket whose datagrams come to a callback, and sends that never
//! block (a datagram the system has no room for is dropped, as UDP may drop it anyway).

use std::net::SocketAddr;
use std::rc::Rc;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::event_loop::{Entry, Handle, Kind, Loop};
use crate::net::poll::Interest;
use crate::net::socket::Bind;
use crate::net::{udp, unanswerable};

/// Datagrams received per wake-up at most: a flood on one socket is served in turns with
/// the loop's other handles.
const DATAGRAMS_PER_TURN: usize = 32;

/// What a UDP socket tells the program; `data` is the word kept with the handle.
pub trait DatagramEvents {
    /// A datagram arrived from `from` (never port 0: those are skipped, no reply could
    /// reach them).
    fn on_datagram(&self, lp: &Loop, socket: Handle, data: usize, bytes: &[u8], from: SocketAddr);
}

pub(crate) struct Datagrams {
    pub(crate) socket: Socket,
    events: Rc<dyn DatagramEvents>,
}

impl Loop {
    /// A UDP socket bound where `bind` says (port 0: the system picks; see
    /// [`Loop::local_addr`]), whose datagrams come to `events`.
    pub fn udp_bind(
        &self,
        bind: Bind<'_>,
        events: Rc<dyn DatagramEvents>,
        data: usize,
    ) -> Result<Handle> {
        let socket = udp::bind(bind)?;
        socket.set_nonblocking(true)?;
        self.register(
            Entry {
                data,
                kind: Kind::Datagrams(Datagrams { socket, events }),
            },
            Interest::READ,
        )
    }

    /// Sends one datagram to `to` from a UDP socket of the loop. Never blocks: `EAGAIN`
    /// when the system has no room for it now (it is not sent), `EINVAL` for port 0,
    /// `EMSGSIZE` for a datagram too large.
    pub fn send_to(&self, handle: Handle, bytes: &[u8], to: SocketAddr) -> Result<()> {
        let state = self.state.borrow();
        match &state.handles.get(handle).ok_or(ErrorCode::EBADF)?.kind {
            Kind::Datagrams(datagrams) => udp::send_to(&datagrams.socket, bytes, to).map(|_| ()),
            Kind::Timer(_) => Err(ErrorCode::ENOTSOCK.into()),
            _ => Err(ErrorCode::EOPNOTSUPP.into()),
        }
    }

    /// The UDP socket is readable: hands its datagrams to the program, a few at a time.
    pub(super) fn receive_datagrams(&self, handle: Handle) {
        let mut buffer = self.buffer.borrow_mut();
        for _ in 0..DATAGRAMS_PER_TURN {
            let (received, events, data) = {
                let state = self.state.borrow();
                let Some(Entry {
                    kind: Kind::Datagrams(datagrams),
                    data,
                }) = state.handles.get(handle)
                else {
                    return;
                };
                let received = udp::receive_now_into(&datagrams.socket, &mut buffer);
                (received, Rc::clone(&datagrams.events), *data)
            };
            let datagram = match received {
                Ok(datagram) => datagram,
                // Would-block, or an error that a datagram socket reports and goes on from
                // (an ICMP port unreachable from an earlier send).
                Err(err) if err.code() == ErrorCode::EAGAIN => return,
                Err(_) => continue,
            };
            if !unanswerable::can_reply_to(datagram.from) {
                unanswerable::skip(datagram.from);
                continue;
            }
            // The loop's buffer holds the largest datagram, so none arrives cut.
            let bytes = &buffer[..datagram.len];
            events.on_datagram(self, handle, data, bytes, datagram.from);
        }
    }
}
