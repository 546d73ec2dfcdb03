//! Many datagrams per system call, with recvmmsg and sendmmsg (Linux, Android, FreeBSD):
//! the event loop's UDP path. `datagrams_single.rs` has the same items, one call each.

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use socket2::{SockAddr, SockAddrStorage, Socket};

use crate::error::Result;
use crate::net::addr::from_sock_addr;

/// Space for any UDP payload, so that no datagram is ever cut.
const SLOT: usize = 65_536;

/// Datagrams received in one call, with their senders; sent back in one call.
pub(crate) struct DatagramBatch {
    /// `capacity` slots of SLOT bytes. Only the pages datagrams touch become resident.
    buffers: Vec<MaybeUninit<u8>>,
    addrs: Vec<libc::sockaddr_storage>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    len: usize,
}

// SAFETY: the raw pointers in `iovecs` and `headers` point into the batch's own vectors and
// are rewritten before every call; moving the batch to another thread moves what they
// point at with it.
unsafe impl Send for DatagramBatch {}

impl DatagramBatch {
    pub(crate) fn new(capacity: usize) -> DatagramBatch {
        let capacity = capacity.max(1);
        let mut buffers = Vec::with_capacity(capacity * SLOT);
        // SAFETY: MaybeUninit<u8> needs no initialisation; the capacity is reserved above.
        unsafe { buffers.set_len(capacity * SLOT) };
        DatagramBatch {
            buffers,
            // SAFETY: sockaddr_storage, iovec and mmsghdr are plain data; all zeroes is a
            // valid value of each (null pointers, zero lengths).
            addrs: vec![unsafe { mem::zeroed() }; capacity],
            iovecs: vec![unsafe { mem::zeroed() }; capacity],
            headers: vec![unsafe { mem::zeroed() }; capacity],
            len: 0,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.headers.len()
    }

    /// Receives the datagrams waiting, up to the capacity, without blocking: how many (0 when
    /// none was waiting). Interrupted calls are retried.
    pub(crate) fn receive(&mut self, socket: &Socket) -> Result<usize> {
        self.len = 0;
        for i in 0..self.capacity() {
            self.point(i, SLOT);
        }
        let n = loop {
            // SAFETY: each header points at its own iovec (a SLOT-byte slot of `buffers`) and
            // its own address storage, all alive and unaliased for the call.
            let n = unsafe {
                libc::recvmmsg(
                    socket.as_raw_fd(),
                    self.headers.as_mut_ptr(),
                    self.capacity() as _,
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
        let mut storage = SockAddrStorage::zeroed();
        // SAFETY: sockaddr_storage is one of this platform's sockaddr types.
        unsafe { *storage.view_as::<libc::sockaddr_storage>() = self.addrs[i] };
        // SAFETY: the kernel wrote a valid address of msg_namelen bytes into addrs[i].
        let addr = unsafe { SockAddr::new(storage, self.headers[i].msg_hdr.msg_namelen) };
        (data, from_sock_addr(&addr))
    }

    /// Sends every received datagram back to its sender, as far as the socket takes them:
    /// how many went. A datagram the system refuses is skipped; when the send buffer is full
    /// the rest are dropped, as a full receive buffer would drop them.
    pub(crate) fn echo(&mut self, socket: &Socket) -> usize {
        for i in 0..self.len {
            let len = self.headers[i].msg_len as usize;
            let addr_len = self.headers[i].msg_hdr.msg_namelen;
            self.point(i, len);
            self.headers[i].msg_hdr.msg_namelen = addr_len;
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
                // This datagram's own failure (too big, unreachable): the others go on.
                _ => next += 1,
            }
        }
        sent
    }

    /// Points header `i` at slot `i` (`len` bytes of it) and at address storage `i`.
    fn point(&mut self, i: usize, len: usize) {
        self.iovecs[i] = libc::iovec {
            iov_base: self.buffers[i * SLOT..].as_mut_ptr().cast(),
            iov_len: len,
        };
        // SAFETY: all zeroes is a valid mmsghdr (see `new`).
        self.headers[i] = unsafe { mem::zeroed() };
        let header = &mut self.headers[i].msg_hdr;
        header.msg_iov = &raw mut self.iovecs[i];
        header.msg_iovlen = 1;
        header.msg_name = (&raw mut self.addrs[i]).cast();
        header.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    }
}
