//! Where there is no recvmmsg/sendmmsg (macOS, Windows): the same batch as
//! `unix/mmsg.rs`, one system call per datagram.

use std::mem::MaybeUninit;
use std::net::SocketAddr;

use socket2::Socket;

use crate::error::Result;
use crate::net::{udp, unanswerable};

/// Space for any UDP payload, so that no datagram is ever cut.
const SLOT: usize = crate::net::udp::MAX_DATAGRAM;

/// Datagrams received together, with their senders; sent back together.
pub(crate) struct DatagramBatch {
    buffers: Vec<MaybeUninit<u8>>,
    received: Vec<(usize, SocketAddr)>,
    capacity: usize,
}

impl DatagramBatch {
    pub(crate) fn new(capacity: usize) -> DatagramBatch {
        let capacity = capacity.max(1);
        let mut buffers = Vec::with_capacity(capacity * SLOT);
        // SAFETY: MaybeUninit<u8> needs no initialisation; the capacity is reserved above.
        unsafe { buffers.set_len(capacity * SLOT) };
        DatagramBatch {
            buffers,
            received: Vec::with_capacity(capacity),
            capacity,
        }
    }

    /// Receives the datagrams waiting, up to the capacity, without blocking: how many.
    pub(crate) fn receive(&mut self, socket: &Socket) -> Result<usize> {
        self.received.clear();
        while self.received.len() < self.capacity {
            let i = self.received.len();
            let slot = &mut self.buffers[i * SLOT..(i + 1) * SLOT];
            match udp::receive_now(socket, slot) {
                Ok(datagram) => self.received.push((datagram.len, datagram.from)),
                Err(err) if err.code().makes_socket_unusable() => return Err(err),
                // WouldBlock; or a peer's error (Windows reports an earlier reply's ICMP
                // unreachable on the next receive): what was received is served.
                Err(_) => break,
            }
        }
        Ok(self.received.len())
    }

    /// Datagram `i` of the last receive, and its sender.
    pub(crate) fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>) {
        let (len, from) = self.received[i];
        let start = i * SLOT;
        // SAFETY: the system wrote `len` bytes (at most SLOT) at the start of slot i.
        let data = unsafe { &*(&raw const self.buffers[start..start + len] as *const [u8]) };
        (data, Some(from))
    }

    /// Sends every received datagram back to its sender: how many went. One that fails is
    /// skipped.
    pub(crate) fn echo(&mut self, socket: &Socket) -> usize {
        (0..self.received.len())
            .filter(|&i| {
                let (data, from) = self.get(i);
                from.is_some_and(|to| {
                    if !unanswerable::can_reply_to(to) {
                        unanswerable::skip(to);
                        return false;
                    }
                    udp::send_to(socket, data, to).is_ok()
                })
            })
            .count()
    }
}
