//! The socket calls std does not offer: non-blocking connect, streams over TCP or Unix
//! domain sockets alike, and UDP in batches.

use std::io;
use std::mem;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

/// Where a stream workload connects: a TCP address, or a Unix domain socket's path
/// (`--to unix:PATH`).
#[derive(Clone, Debug)]
pub enum Target {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// A connected, non-blocking stream socket, TCP or Unix domain: the workloads read and write
/// it the same way.
pub struct Stream(OwnedFd);

impl Stream {
    /// The socket's pending error, if any (a connect that failed).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let mut error: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `error` is writable for `len` bytes, and `len` says so.
        let rc = unsafe {
            libc::getsockopt(
                self.0.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&raw mut error).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((error != 0).then(|| io::Error::from_raw_os_error(error)))
    }

    /// Shuts both directions down.
    pub fn shutdown(&self) {
        // SAFETY: a plain call on our own descriptor.
        unsafe { libc::shutdown(self.0.as_raw_fd(), libc::SHUT_RDWR) };
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// Starts a non-blocking connect to `to` (TCP with TCP_NODELAY, as an echo client wants);
/// the stream is connected once writable with no `take_error`. A Unix domain connect is done
/// at once.
pub fn start_connect(to: &Target) -> io::Result<Stream> {
    match to {
        Target::Tcp(addr) => start_connect_from(None, *addr).map(|s| Stream(s.into())),
        Target::Unix(path) => {
            let stream = UnixStream::connect(path)?;
            stream.set_nonblocking(true)?;
            Ok(Stream(stream.into()))
        }
    }
}

/// As `start_connect`, but a TCP connect to IPv4 loopback comes from 127.0.0.x, x going
/// round 1 to 254 with `n`: many short connections then leave their TIME_WAIT on 254
/// addresses, not all on one address's ephemeral ports.
pub fn start_connect_spread(to: &Target, n: u64) -> io::Result<Stream> {
    match to {
        Target::Tcp(addr @ SocketAddr::V4(v4)) if v4.ip().is_loopback() => {
            let source = std::net::Ipv4Addr::new(127, 0, 0, (n % 254) as u8 + 1);
            start_connect_from(Some(SocketAddr::new(source.into(), 0)), *addr)
                .map(|s| Stream(s.into()))
        }
        _ => start_connect(to),
    }
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

/// A call's result as `read_now` and `write_now` give it: `Some(n)`, `None` for would-block,
/// interruptions retried.
fn now(mut call: impl FnMut() -> isize) -> io::Result<Option<usize>> {
    loop {
        match usize::try_from(call()) {
            Ok(n) => return Ok(Some(n)),
            Err(_) => match io::Error::last_os_error() {
                err if err.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                err if err.kind() == io::ErrorKind::Interrupted => {}
                err => return Err(err),
            },
        }
    }
}

/// One non-blocking read: `Some(n)` (0 at end of stream) or `None` when nothing is there.
pub fn read_now(stream: &Stream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is writable for its length.
    now(|| unsafe { libc::recv(stream.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) })
}

/// One non-blocking write: `Some(bytes taken)` or `None` when the send buffer is full.
pub fn write_now(stream: &Stream, data: &[u8]) -> io::Result<Option<usize>> {
    // SAFETY: `data` is readable for its length.
    now(|| unsafe {
        libc::send(
            stream.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            libc::MSG_NOSIGNAL,
        )
    })
}

/// Reads as [`read_now`] does, nothing there being `WouldBlock` (for rustls' `read_tls`).
impl io::Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_now(self, buf)?.ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }
}

/// Writes as [`write_now`] does, a full socket being `WouldBlock`; several buffers in one
/// `sendmsg` (rustls' `write_tls` hands over a record per buffer).
impl io::Write for &Stream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        write_now(self, data)?.ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        // SAFETY: all zeroes is a valid msghdr (no name, no control data).
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        // IoSlice is ABI-compatible with iovec on Unix; sendmsg only reads through it.
        msg.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len().min(1024) as _;
        // SAFETY: msg points at `bufs`, alive and unchanged for the call.
        now(|| unsafe { libc::sendmsg(self.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) })?
            .ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
