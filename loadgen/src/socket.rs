//! The socket calls std does not offer: non-blocking connect, and UDP in batches.

use std::io::{self, Read, Write};
use std::mem;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::Duration;

/// Starts a non-blocking TCP connect (with TCP_NODELAY, as an echo client wants); the
/// stream is connected once writable with no `take_error`.
pub fn start_connect(to: SocketAddr) -> io::Result<TcpStream> {
    start_connect_from(None, to)
}

/// As `start_connect`, from the given local address.
fn start_connect_from(from: Option<SocketAddr>, to: SocketAddr) -> io::Result<TcpStream> {
    let family = match to {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: socket takes no pointers; a non-negative result is a descriptor we own.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a new TCP socket that nothing else owns.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    stream.set_nodelay(true)?;
    if let Some(from) = from {
        let (storage, len) = sockaddr(from);
        // SAFETY: `storage` holds a valid address of `len` bytes for the whole call.
        let rc = unsafe {
            libc::bind(
                stream.as_raw_fd(),
                (&raw const storage).cast::<libc::sockaddr>(),
                len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let (storage, len) = sockaddr(to);
    // SAFETY: `storage` holds a valid address of `len` bytes for the whole call.
    let rc = unsafe {
        libc::connect(
            stream.as_raw_fd(),
            (&raw const storage).cast::<libc::sockaddr>(),
            len,
        )
    };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(err);
        }
    }
    Ok(stream)
}

/// A blocking connect from `from` to `to`, given up after `timeout`.
pub fn connect_from(from: SocketAddr, to: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = start_connect_from(Some(from), to)?;
    let mut pollfd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, alive for the call.
    let rc = unsafe { libc::poll(&mut pollfd, 1, millis) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    if rc == 0 {
        return Err(io::ErrorKind::TimedOut.into());
    }
    if let Some(err) = stream.take_error()? {
        return Err(err);
    }
    stream.set_nonblocking(false)?;
    Ok(stream)
}

fn sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain bytes for which all zeroes is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in and suitably aligned.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in6 and suitably aligned.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// One non-blocking read: `Some(n)` (0 at end of stream) or `None` when nothing is there.
pub fn read_now(mut stream: &TcpStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// One non-blocking write: `Some(bytes taken)` or `None` when the send buffer is full.
pub fn write_now(mut stream: &TcpStream, data: &[u8]) -> io::Result<Option<usize>> {
    loop {
        match stream.write(data) {
            Ok(n) => return Ok(Some(n)),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// Buffers for receiving or sending up to `capacity` datagrams in one call.
pub struct Batch {
    buffers: Vec<Vec<u8>>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl Batch {
    pub fn new(capacity: usize, datagram: usize) -> Batch {
        let mut buffers: Vec<Vec<u8>> = (0..capacity).map(|_| vec![0; datagram]).collect();
        let iovecs: Vec<libc::iovec> = buffers
            .iter_mut()
            .map(|buffer| libc::iovec {
                iov_base: buffer.as_mut_ptr().cast(),
                iov_len: buffer.len(),
            })
            .collect();
        // SAFETY: mmsghdr is plain data for which all zeroes is valid (null pointers, 0s).
        let headers = (0..capacity).map(|_| unsafe { mem::zeroed() }).collect();
        Batch {
            buffers,
            iovecs,
            headers,
        }
    }

    pub fn capacity(&self) -> usize {
        self.buffers.len()
    }

    /// Datagram `i`'s buffer (to fill before `send`, or after `receive`).
    pub fn buffer(&mut self, i: usize) -> &mut [u8] {
        &mut self.buffers[i]
    }

    /// Datagram `i` of the last `receive`.
    pub fn received(&self, i: usize) -> &[u8] {
        &self.buffers[i][..self.headers[i].msg_len as usize]
    }

    /// Points every header at its buffer: `lens[i]` bytes of datagram i (for a send), or the
    /// whole buffer (for a receive, `lens` empty).
    fn prepare(&mut self, count: usize, lens: &[usize]) {
        for i in 0..count {
            let len = lens.get(i).copied().unwrap_or(self.buffers[i].len());
            self.iovecs[i] = libc::iovec {
                iov_base: self.buffers[i].as_mut_ptr().cast(),
                iov_len: len,
            };
            // SAFETY: as in `new`: all zeroes is a valid mmsghdr.
            self.headers[i] = unsafe { mem::zeroed() };
            self.headers[i].msg_hdr.msg_iov = &raw mut self.iovecs[i];
            self.headers[i].msg_hdr.msg_iovlen = 1;
        }
    }

    /// Receives up to `capacity` datagrams without waiting: how many (0 when none waited).
    pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        let count = self.capacity();
        self.prepare(count, &[]);
        // SAFETY: the headers point at iovecs that point at buffers of their stated lengths,
        // all alive and unaliased for the call; the socket is connected, so no names.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                self.headers.as_mut_ptr(),
                count as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(err),
            };
        }
        Ok(n as usize)
    }

    /// Sends datagrams 0..lens.len() (datagram i is `lens[i]` bytes of buffer i); how many
    /// went (fewer when the socket's buffer filled).
    pub fn send(&mut self, socket: &UdpSocket, lens: &[usize]) -> io::Result<usize> {
        self.prepare(lens.len(), lens);
        // SAFETY: as in `receive`; the kernel only reads the buffers.
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                self.headers.as_mut_ptr(),
                lens.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(err),
            };
        }
        Ok(n as usize)
    }
}
