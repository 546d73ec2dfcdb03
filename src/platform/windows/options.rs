//! Socket options on Windows that socket2 leaves out: TCP keep-alive's parameters (Windows 10
//! version 1709 and later take them as the Unix options do), and what Windows does not have
//! (IPv6 traffic class, TCP Fast Open as Linux has it).

use std::ffi::c_int;
use std::io;
use std::os::windows::io::AsRawSocket;
use std::time::Duration;

use socket2::Socket;
use windows_sys::Win32::Networking::WinSock as ws;

use super::error::last_os_error;

// ws2ipdef.h: TCP_KEEPIDLE is TCP_KEEPALIVE (3); both in seconds.
const TCP_KEEPIDLE: c_int = 3;
const TCP_KEEPCNT: c_int = 16;
const TCP_KEEPINTVL: c_int = 17;

/// Sets the keep-alive parameters given (`SO_KEEPALIVE` is on already); the others stay as
/// they are. Older Windows (and Wine) refuse the options: `NotSupported` then.
pub(crate) fn set_keepalive_params(
    socket: &Socket,
    idle: Option<Duration>,
    interval: Option<Duration>,
    count: Option<u32>,
) -> io::Result<()> {
    let seconds = |d: Duration| c_int::try_from(d.as_secs()).unwrap_or(c_int::MAX);
    if let Some(idle) = idle {
        set_int(socket, ws::IPPROTO_TCP, TCP_KEEPIDLE, seconds(idle))?;
    }
    if let Some(interval) = interval {
        set_int(socket, ws::IPPROTO_TCP, TCP_KEEPINTVL, seconds(interval))?;
    }
    if let Some(count) = count {
        let count = c_int::try_from(count).unwrap_or(c_int::MAX);
        set_int(socket, ws::IPPROTO_TCP, TCP_KEEPCNT, count)?;
    }
    Ok(())
}

/// The keep-alive parameters: idle time, interval, count.
pub(crate) fn keepalive_params(socket: &Socket) -> io::Result<(Duration, Duration, u32)> {
    let seconds = |s: c_int| Duration::from_secs(s.max(0) as u64);
    Ok((
        seconds(get_int(socket, ws::IPPROTO_TCP, TCP_KEEPIDLE)?),
        seconds(get_int(socket, ws::IPPROTO_TCP, TCP_KEEPINTVL)?),
        get_int(socket, ws::IPPROTO_TCP, TCP_KEEPCNT)?.max(0) as u32,
    ))
}

/// Windows sets no IPv6 traffic class per socket (QoS policies do that).
pub(crate) fn set_traffic_class(socket: &Socket, _class: u8) -> io::Result<()> {
    unsupported(socket)
}

pub(crate) fn traffic_class(socket: &Socket) -> io::Result<u8> {
    unsupported(socket)
}

/// Windows' TCP Fast Open works through ConnectEx only, not the calls sockit makes.
pub(crate) fn set_fast_open(socket: &Socket, _queue: u32) -> io::Result<()> {
    unsupported(socket)
}

pub(crate) fn fast_open(socket: &Socket) -> io::Result<u32> {
    unsupported(socket)
}

pub(crate) fn set_fast_open_connect(socket: &Socket, _on: bool) -> io::Result<()> {
    unsupported(socket)
}

pub(crate) fn fast_open_connect(socket: &Socket) -> io::Result<bool> {
    unsupported(socket)
}

/// `Unsupported` for a socket, after making sure it is one (a bad handle says so first).
pub(crate) fn unsupported<T>(socket: &Socket) -> io::Result<T> {
    socket.r#type()?;
    Err(io::Error::from_raw_os_error(ws::WSAEOPNOTSUPP))
}

/// Sets an int option.
fn set_int(socket: &Socket, level: i32, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: `value` is a live int and its size is what is passed.
    let rc = unsafe {
        ws::setsockopt(
            socket.as_raw_socket() as ws::SOCKET,
            level,
            name,
            (&value as *const c_int).cast(),
            size_of::<c_int>() as i32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(last_os_error()))
    }
}

/// Reads an int option.
fn get_int(socket: &Socket, level: i32, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as i32;
    // SAFETY: `value` is writable for `len` bytes, and `len` says so.
    let rc = unsafe {
        ws::getsockopt(
            socket.as_raw_socket() as ws::SOCKET,
            level,
            name,
            (&mut value as *mut c_int).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::from_raw_os_error(last_os_error()))
    }
}
