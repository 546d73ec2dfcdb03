//! Socket options that socket2 leaves out or that differ from one Unix to the next: TCP
//! keep-alive's parameters, the IPv6 traffic class, and TCP Fast Open (Linux).

use std::ffi::c_int;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

/// Sets the keep-alive parameters given (`SO_KEEPALIVE` is on already); the others stay as
/// they are. Linux, the BSDs and macOS (as `TCP_KEEPALIVE`) have all three.
pub(crate) fn set_keepalive_params(
    socket: &Socket,
    idle: Option<Duration>,
    interval: Option<Duration>,
    count: Option<u32>,
) -> io::Result<()> {
    let mut params = TcpKeepalive::new();
    if let Some(idle) = idle {
        params = params.with_time(idle);
    }
    if let Some(interval) = interval {
        params = params.with_interval(interval);
    }
    if let Some(count) = count {
        params = params.with_retries(count);
    }
    socket.set_tcp_keepalive(&params)
}

/// The keep-alive parameters: idle time, interval, count.
pub(crate) fn keepalive_params(socket: &Socket) -> io::Result<(Duration, Duration, u32)> {
    Ok((
        socket.tcp_keepalive_time()?,
        socket.tcp_keepalive_interval()?,
        socket.tcp_keepalive_retries()?,
    ))
}

/// `IPV6_TCLASS`.
pub(crate) fn set_traffic_class(socket: &Socket, class: u8) -> io::Result<()> {
    socket.set_tclass_v6(class.into())
}

/// `IPV6_TCLASS`.
pub(crate) fn traffic_class(socket: &Socket) -> io::Result<u8> {
    socket.tclass_v6().map(|class| (class & 0xff) as u8)
}

/// Sets an int option.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_int(socket: &Socket, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    set_option(socket, level, name, &value)
}

/// Sets an option whose value is a plain C struct (or int).
pub(super) fn set_option<T>(
    socket: &Socket,
    level: c_int,
    name: c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` is a live T and its size is what is passed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads an int option.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn get_int(socket: &Socket, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `value` is writable for `len` bytes, and `len` says so.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&mut value as *mut c_int).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `TCP_FASTOPEN` on a listener: the queue of connections that sent data with their SYN.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn set_fast_open(socket: &Socket, queue: u32) -> io::Result<()> {
    let queue = c_int::try_from(queue).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    set_int(socket, libc::IPPROTO_TCP, libc::TCP_FASTOPEN, queue)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn fast_open(socket: &Socket) -> io::Result<u32> {
    get_int(socket, libc::IPPROTO_TCP, libc::TCP_FASTOPEN).map(|queue| queue.max(0) as u32)
}

/// `TCP_FASTOPEN_CONNECT` (Linux 4.11): the connect is deferred to the first send, which
/// then travels with the SYN.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn set_fast_open_connect(socket: &Socket, on: bool) -> io::Result<()> {
    set_int(
        socket,
        libc::IPPROTO_TCP,
        libc::TCP_FASTOPEN_CONNECT,
        c_int::from(on),
    )
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn fast_open_connect(socket: &Socket) -> io::Result<bool> {
    get_int(socket, libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT).map(|on| on != 0)
}

/// macOS and the BSDs have a TCP Fast Open of their own kind, with other semantics; sockit
/// offers Linux's only.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn set_fast_open(socket: &Socket, _queue: u32) -> io::Result<()> {
    unsupported(socket)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn fast_open(socket: &Socket) -> io::Result<u32> {
    unsupported(socket)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn set_fast_open_connect(socket: &Socket, _on: bool) -> io::Result<()> {
    unsupported(socket)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn fast_open_connect(socket: &Socket) -> io::Result<bool> {
    unsupported(socket)
}

/// `Unsupported` for a socket, after making sure it is one (a bad handle says so first).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn unsupported<T>(socket: &Socket) -> io::Result<T> {
    socket.r#type()?;
    Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP))
}
