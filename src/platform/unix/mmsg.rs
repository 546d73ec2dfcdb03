//! Many datagrams per system call, with recvmmsg and sendmmsg (Linux, Android, FreeBSD):
//! the event loop's UDP path. `portable/datagrams.rs` has the same items, one call each.

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::os::raw::c_int;

use socket2::Socket;

use crate::error::Result;
use crate::net::unanswerable;

/// Space for any UDP payload, so that no datagram is ever cut.
const SLOT: usize = crate::net::udp::MAX_DATAGRAM;

/// Datagrams received in one call, with their senders; sent back in one call.
pub(crate) struct DatagramBatch {
    /// `capacity` slots of SLOT bytes. Only the pages datagrams touch become resident.
    buffers: Vec<MaybeUninit<u8>>,
    addrs: Vec<libc::sockaddr_storage>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    len: usize,
}

// SAFETY: the raw pointers in `iovecs` and `headers` point into the batch's own heap
// buffers (`buffers`, `addrs`, `iovecs`), which stay where they are when the batch moves,
// to another thread or anywhere else, and are freed only with it.
unsafe impl Send for DatagramBatch {}

impl DatagramBatch {
    pub(crate) fn new(capacity: usize) -> DatagramBatch {
        let capacity = capacity.max(1);
        let mut buffers = Vec::with_capacity(capacity * SLOT);
        // SAFETY: MaybeUninit<u8> needs no initialisation; the capacity is reserved above.
        unsafe { buffers.set_len(capacity * SLOT) };
        let mut batch = DatagramBatch {
            buffers,
            // SAFETY: sockaddr_storage, iovec and mmsghdr are plain data; all zeroes is a
            // valid value of each (null pointers, zero lengths).
            addrs: vec![unsafe { mem::zeroed() }; capacity],
            iovecs: vec![unsafe { mem::zeroed() }; capacity],
            headers: vec![unsafe { mem::zeroed() }; capacity],
            len: 0,
        };
        // Pointed once: the calls only ever change the lengths (see `receive`).
        for i in 0..capacity {
            batch.iovecs[i].iov_base = batch.buffers[i * SLOT..].as_mut_ptr().cast();
            let header = &mut batch.headers[i].msg_hdr;
            header.msg_iov = &raw mut batch.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_name = (&raw mut batch.addrs[i]).cast();
        }
        batch.reset_lengths(capacity);
        batch
    }

    /// Receives the datagrams waiting, up to the capacity, without blocking: how many (0 when
    /// none was waiting). Interrupted calls are retried.
    pub(crate) fn receive(&mut self, socket: &Socket) -> Result<usize> {
        // Only the slots of the last receive had their lengths changed (by the kernel, or by
        // `echo`); rewriting every header each time cost more than the conversions of the
        // datagrams themselves.
        self.reset_lengths(self.len);
        self.len = 0;
        let n = loop {
            // SAFETY: each header points at its own iovec (a SLOT-byte slot of `buffers`) and
            // its own address storage, all alive and unaliased for the call.
            let n = unsafe {
                libc::recvmmsg(
                    socket.as_raw_fd(),
                    self.headers.as_mut_ptr(),
                    self.headers.len() as _,
                    libc::MSG_DONTWAIT as _,
                    std::ptr::null_mut(),
                )
            };
            if n >= 0 {
                break n as usize;
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(0),
                _ => return Err(err.into()),
            }
        };
        self.len = n;
        Ok(n)
    }

    /// Datagram `i` of the last receive, and its sender (`None` if not an IP address).
    pub(crate) fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>) {
        assert!(i < self.len);
        let len = self.headers[i].msg_len as usize;
        let start = i * SLOT;
        // SAFETY: the kernel wrote `len` bytes (at most SLOT) at the start of slot i.
        let data = unsafe { &*(&raw const self.buffers[start..start + len] as *const [u8]) };
        (
            data,
            sender(&self.addrs[i], self.headers[i].msg_hdr.msg_namelen),
        )
    }

    /// Sends every received datagram back to its sender, as far as the socket takes them:
    /// how many went. A datagram the system refuses is skipped; when the send buffer is full
    /// the rest are dropped, as a full receive buffer would drop them.
    pub(crate) fn echo(&mut self, socket: &Socket) -> usize {
        // Each datagram goes back to the address it came from (msg_name and msg_namelen as
        // the kernel left them), with as many bytes as it had.
        for i in 0..self.len {
            self.iovecs[i].iov_len = self.headers[i].msg_len as usize;
        }
        let (mut next, mut sent) = (0, 0);
        while next < self.len {
            // SAFETY: as in `receive`; the kernel only reads the buffers and addresses.
            let n = unsafe {
                libc::sendmmsg(
                    socket.as_raw_fd(),
                    self.headers[next..].as_mut_ptr(),
                    (self.len - next) as _,
                    libc::MSG_DONTWAIT as _,
                )
            };
            if n > 0 {
                next += n as usize;
                sent += n as usize;
                continue;
            }
            match io::Error::last_os_error().kind() {
                io::ErrorKind::Interrupted => {}
                io::ErrorKind::WouldBlock => break,
                // This datagram's own failure (too big, unreachable, or from port 0, which
                // no reply can reach): the others go on.
                _ => {
                    let (_, from) = self.get(next);
                    if let Some(from) = from.filter(|&from| !unanswerable::can_reply_to(from)) {
                        unanswerable::skip(from);
                    }
                    next += 1;
                }
            }
        }
        sent
    }

    /// Makes the first `count` slots whole again for a receive: SLOT bytes of buffer, room
    /// for any address.
    fn reset_lengths(&mut self, count: usize) {
        for i in 0..count {
            self.iovecs[i].iov_len = SLOT;
            self.headers[i].msg_hdr.msg_namelen =
                mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        }
    }
}

/// The sender the kernel wrote, as an IP address (`None` for other families).
/// Read in place: a socket2 `SockAddr` would copy the 128-byte storage twice per datagram.
fn sender(storage: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    match c_int::from(storage.ss_family) {
        libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says a sockaddr_in is there, `len` says all of it; storage
            // is aligned for every sockaddr type.
            let addr = unsafe { &*(&raw const *storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(addr.sin_addr.s_addr));
            Some(SocketAddr::from((ip, u16::from_be(addr.sin_port))))
        }
        libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for sockaddr_in6.
            let addr = unsafe { &*(&raw const *storage).cast::<libc::sockaddr_in6>() };
            let port = u16::from_be(addr.sin6_port);
            // An IPv4 sender through a dual-stack socket (::ffff:a.b.c.d) is reported as IPv4,
            // as `net::addr::normalize` does; told from the bytes, which costs fewer
            // instructions per datagram than building the IPv6 address first.
            match addr.sin6_addr.s6_addr {
                [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d] => {
                    Some(SocketAddr::from((Ipv4Addr::new(a, b, c, d), port)))
                }
                bytes => {
                    let ip = Ipv6Addr::from(bytes);
                    let v6 = SocketAddrV6::new(ip, port, addr.sin6_flowinfo, addr.sin6_scope_id);
                    Some(SocketAddr::V6(v6))
                }
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage_of(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
        let addr = socket2::SockAddr::from(addr);
        // SAFETY: all zeroes is a valid sockaddr_storage; `addr` holds `len` bytes of one.
        unsafe {
            let mut storage: libc::sockaddr_storage = mem::zeroed();
            std::ptr::copy_nonoverlapping(
                addr.as_ptr().cast::<u8>(),
                (&raw mut storage).cast::<u8>(),
                addr.len() as usize,
            );
            (storage, addr.len())
        }
    }

    #[test]
    fn senders_read_in_place_are_the_addresses_sent_from() {
        for text in ["127.0.0.1:9", "[::1]:65535", "[fe80::1%7]:80", "10.1.2.3:0"] {
            let addr: SocketAddr = text.parse().unwrap();
            let (storage, len) = storage_of(addr);
            assert_eq!(sender(&storage, len), Some(addr), "{text}");
        }
        // An IPv4 sender seen through a dual-stack socket is reported as IPv4.
        let (storage, len) = storage_of("[::ffff:127.0.0.1]:4000".parse().unwrap());
        assert_eq!(
            sender(&storage, len),
            Some("127.0.0.1:4000".parse().unwrap())
        );
    }

    #[test]
    fn short_or_foreign_senders_are_none() {
        let (storage, len) = storage_of("[::1]:7".parse().unwrap());
        assert_eq!(sender(&storage, len - 1), None);
        let (mut storage, len) = storage_of("127.0.0.1:7".parse().unwrap());
        assert_eq!(sender(&storage, len - 1), None);
        storage.ss_family = libc::AF_UNIX as libc::sa_family_t;
        assert_eq!(sender(&storage, len), None);
    }
}
