//! What Windows does differently with sockets: dual-stack sockets, connecting, accepting,
//! listening again, sharing a port, and ending another thread's blocked call.

use std::io;

use socket2::Socket;
use windows_sys::Win32::Networking::WinSock as ws;

use crate::error::ErrorCode;

/// Whether the socket is an IPv6 one (which reaches IPv4 addresses only as IPv4-mapped
/// ones). Asked of the protocol, as Windows has no local address for unbound sockets.
pub(crate) fn is_ipv6_socket(socket: &Socket) -> bool {
    ip_family(socket) == Some(true)
}

/// The socket's IP family: `Some(true)` for IPv6, `Some(false)` for IPv4, `None` for other
/// families or a bad handle. Asked of the protocol, as Windows has no local address for
/// unbound sockets.
pub(crate) fn ip_family(socket: &Socket) -> Option<bool> {
    use std::os::windows::io::AsRawSocket;
    // SAFETY: WSAPROTOCOL_INFOW is a plain C struct; all zeros is a valid value to fill.
    let mut info: ws::WSAPROTOCOL_INFOW = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<ws::WSAPROTOCOL_INFOW>() as i32;
    // SAFETY: `info` is writable for `len` bytes, and `len` says so.
    let rc = unsafe {
        ws::getsockopt(
            socket.as_raw_socket() as ws::SOCKET,
            ws::SOL_SOCKET,
            ws::SO_PROTOCOL_INFOW,
            (&mut info as *mut ws::WSAPROTOCOL_INFOW).cast(),
            &mut len,
        )
    };
    match info.iAddressFamily {
        _ if rc != 0 => None,
        family if family == i32::from(ws::AF_INET6) => Some(true),
        family if family == i32::from(ws::AF_INET) => Some(false),
        _ => None,
    }
}

/// Ends the blocked receives and sends of other threads on `socket`. Winsock's shutdown does
/// not wake a receive already waiting, so that I/O is also cancelled (it fails with
/// `ERROR_OPERATION_ABORTED`); later calls see the shutdown.
pub(crate) fn interrupt_blocked_calls(socket: &Socket) {
    use std::os::windows::io::AsRawSocket;
    let _ = socket.shutdown(std::net::Shutdown::Both);
    // SAFETY: the socket is open for the whole call (we borrow it); a SOCKET is a kernel
    // handle that CancelIoEx accepts, and a NULL OVERLAPPED means all of its pending I/O.
    unsafe {
        windows_sys::Win32::System::IO::CancelIoEx(
            socket.as_raw_socket() as windows_sys::Win32::Foundation::HANDLE,
            std::ptr::null(),
        );
    }
}

/// A connect on a non-blocking socket starts with `WSAEWOULDBLOCK`.
pub(crate) fn connect_started(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::EAGAIN | ErrorCode::EINPROGRESS)
}

/// Accepted sockets inherit the listener's non-blocking mode on Windows.
pub(crate) const ACCEPT_INHERITS_NONBLOCKING: bool = true;

/// On Windows `SO_REUSEADDR` lets another program bind the same port and take connections,
/// and listeners are not blocked by TIME_WAIT anyway: leave it off.
pub(crate) const LISTENER_REUSES_ADDRESS: bool = false;

/// `SO_REUSEADDR` lets sockets share a port on Windows, but it does not spread the load
/// over them (and lets other programs take the port): no shared ports.
pub(crate) const SHARED_PORT_BALANCES: bool = false;

pub(crate) fn share_port(_socket: &Socket) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Windows has no `SO_REUSEPORT` (its `SO_REUSEADDR` lets other programs take the port).
pub(crate) fn set_reuse_port(socket: &Socket, _on: bool) -> io::Result<()> {
    super::options::unsupported(socket)
}

pub(crate) fn reuse_port(socket: &Socket) -> io::Result<bool> {
    super::options::unsupported(socket)
}
