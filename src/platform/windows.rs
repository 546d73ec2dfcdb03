//! Windows (Winsock 2).

use std::ffi::{CStr, c_int};
use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::windows::io::{FromRawSocket, IntoRawSocket};
use std::ptr;
use std::sync::Once;

use socket2::Socket;
use windows_sys::Win32::NetworkManagement::IpHelper::if_nametoindex;
use windows_sys::Win32::Networking::WinSock as ws;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{Family, socket_addr_from_bytes};
use crate::net::poll::{Interest, Readiness};

/// The handle C programs hold: a Winsock `SOCKET`.
pub(crate) type RawSocket = usize;

/// The value that is never a valid handle (`INVALID_SOCKET`).
pub(crate) const INVALID_SOCKET: RawSocket = usize::MAX;

/// Lends the caller's handle to the core without taking it over: the returned socket is
/// never dropped, so it never closes the handle. `None` for `INVALID_SOCKET`.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the borrowed socket is in use. A handle
/// that is closed already, or is not a socket, only makes the Winsock calls on it fail.
pub(crate) unsafe fn borrow_socket(raw: RawSocket) -> Option<ManuallyDrop<Socket>> {
    // SAFETY: the socket is wrapped in ManuallyDrop and never dropped, so ownership is not
    // really taken; the caller keeps the handle open for as long as it is used.
    (raw != INVALID_SOCKET)
        .then(|| ManuallyDrop::new(unsafe { Socket::from_raw_socket(raw as u64) }))
}

/// Takes over the caller's handle: dropping the socket closes it.
///
/// # Safety
///
/// The caller gives up `raw`: nothing else may use or close it afterwards.
pub(crate) unsafe fn own_socket(raw: RawSocket) -> Option<Socket> {
    // SAFETY: the caller hands the handle over, as this function's contract says.
    (raw != INVALID_SOCKET).then(|| unsafe { Socket::from_raw_socket(raw as u64) })
}

/// Gives the socket's handle to the caller, who must close it.
pub(crate) fn into_raw(socket: Socket) -> RawSocket {
    socket.into_raw_socket() as RawSocket
}

/// The socket's handle, lent to C for the duration of a call.
pub(crate) fn raw(socket: &Socket) -> RawSocket {
    use std::os::windows::io::AsRawSocket;
    socket.as_raw_socket() as RawSocket
}

/// Closes the socket and reports what `closesocket` says.
pub(crate) fn close(socket: Socket) -> io::Result<()> {
    let raw = socket.into_raw_socket() as ws::SOCKET;
    // SAFETY: `raw` was owned by `socket`, which gave it up; nothing else closes it.
    if unsafe { ws::closesocket(raw) } == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(last_os_error()))
    }
}

// Winsock error numbers (winerror.h); they are part of the Windows ABI.
const WSA_NOT_ENOUGH_MEMORY: i32 = 8;
const WSAEBADF: i32 = 10009;
const WSAEACCES: i32 = 10013;
const WSAEFAULT: i32 = 10014;
const WSAEINVAL: i32 = 10022;
const WSAEMFILE: i32 = 10024;
const WSAEWOULDBLOCK: i32 = 10035;
const WSAEINPROGRESS: i32 = 10036;
const WSAECANCELLED: i32 = 10103;
const WSAEALREADY: i32 = 10037;
const WSAENOTSOCK: i32 = 10038;
const WSAEDESTADDRREQ: i32 = 10039;
const WSAEMSGSIZE: i32 = 10040;
const WSAEPROTOTYPE: i32 = 10041;
const WSAENOPROTOOPT: i32 = 10042;
const WSAEPROTONOSUPPORT: i32 = 10043;
const WSAEOPNOTSUPP: i32 = 10045;
const WSAEPFNOSUPPORT: i32 = 10046;
const WSAEAFNOSUPPORT: i32 = 10047;
const WSAEADDRINUSE: i32 = 10048;
const WSAEADDRNOTAVAIL: i32 = 10049;
const WSAENETDOWN: i32 = 10050;
const WSAENETUNREACH: i32 = 10051;
const WSAENETRESET: i32 = 10052;
const WSAECONNABORTED: i32 = 10053;
const WSAECONNRESET: i32 = 10054;
const WSAENOBUFS: i32 = 10055;
const WSAEISCONN: i32 = 10056;
const WSAENOTCONN: i32 = 10057;
const WSAESHUTDOWN: i32 = 10058;
const WSAETIMEDOUT: i32 = 10060;
const WSAECONNREFUSED: i32 = 10061;
const WSAEHOSTDOWN: i32 = 10064;
const WSAEHOSTUNREACH: i32 = 10065;
const WSAHOST_NOT_FOUND: i32 = 11001;
const WSATRY_AGAIN: i32 = 11002;
const WSANO_RECOVERY: i32 = 11003;
const WSANO_DATA: i32 = 11004;
const WSA_OPERATION_ABORTED: i32 = 995;

/// The portable code for a Winsock error.
pub(crate) fn error_code(os: i32) -> ErrorCode {
    use ErrorCode::*;
    match os {
        WSA_NOT_ENOUGH_MEMORY => OutOfMemory,
        WSAEBADF => BadHandle,
        WSAEACCES => AccessDenied,
        WSAEFAULT | WSAEINVAL => InvalidArgument,
        WSAEMFILE => TooManyFiles,
        WSAEWOULDBLOCK => WouldBlock,
        WSAEINPROGRESS => InProgress,
        // WSA_OPERATION_ABORTED: I/O cancelled by interrupt_blocked_calls (a server stop).
        WSAECANCELLED | WSA_OPERATION_ABORTED => Cancelled,
        WSAEALREADY => Already,
        WSAENOTSOCK => NotASocket,
        WSAEDESTADDRREQ => DestinationRequired,
        WSAEMSGSIZE => MessageTooLong,
        WSAEPROTOTYPE | WSAENOPROTOOPT | WSAEOPNOTSUPP => NotSupported,
        WSAEPROTONOSUPPORT | WSAEPFNOSUPPORT | WSAEAFNOSUPPORT => AddressFamilyNotSupported,
        WSAEADDRINUSE => AddressInUse,
        WSAEADDRNOTAVAIL => AddressNotAvailable,
        WSAENETDOWN => NetworkDown,
        WSAENETUNREACH => NetworkUnreachable,
        WSAECONNABORTED => ConnectionAborted,
        WSAENETRESET | WSAECONNRESET => ConnectionReset,
        WSAENOBUFS => NoBufferSpace,
        WSAEISCONN => AlreadyConnected,
        WSAENOTCONN => NotConnected,
        WSAESHUTDOWN => BrokenPipe,
        WSAETIMEDOUT => TimedOut,
        WSAECONNREFUSED => ConnectionRefused,
        WSAEHOSTDOWN | WSAEHOSTUNREACH => HostUnreachable,
        WSAHOST_NOT_FOUND => NameNotFound,
        WSATRY_AGAIN => NameTryAgain,
        WSANO_RECOVERY => NameFailure,
        WSANO_DATA => NameNoData,
        _ => Unknown,
    }
}

/// The Winsock error closest to a code, for failures sockit detects itself.
pub(crate) fn os_error_for(code: ErrorCode) -> Option<i32> {
    use ErrorCode::*;
    Some(match code {
        OutOfMemory => WSA_NOT_ENOUGH_MEMORY,
        BadHandle => WSAEBADF,
        AccessDenied => WSAEACCES,
        InvalidArgument => WSAEINVAL,
        TooManyFiles | TooManyFilesInSystem => WSAEMFILE,
        WouldBlock => WSAEWOULDBLOCK,
        InProgress => WSAEINPROGRESS,
        Cancelled => WSAECANCELLED,
        Already => WSAEALREADY,
        NotASocket => WSAENOTSOCK,
        DestinationRequired => WSAEDESTADDRREQ,
        MessageTooLong => WSAEMSGSIZE,
        NotSupported => WSAEOPNOTSUPP,
        AddressFamilyNotSupported => WSAEAFNOSUPPORT,
        AddressInUse => WSAEADDRINUSE,
        AddressNotAvailable => WSAEADDRNOTAVAIL,
        NetworkDown => WSAENETDOWN,
        NetworkUnreachable => WSAENETUNREACH,
        ConnectionAborted => WSAECONNABORTED,
        ConnectionReset => WSAECONNRESET,
        NoBufferSpace => WSAENOBUFS,
        AlreadyConnected => WSAEISCONN,
        NotConnected => WSAENOTCONN,
        BrokenPipe => WSAESHUTDOWN,
        TimedOut => WSAETIMEDOUT,
        ConnectionRefused => WSAECONNREFUSED,
        HostUnreachable => WSAEHOSTUNREACH,
        NameNotFound => WSAHOST_NOT_FOUND,
        NameTryAgain => WSATRY_AGAIN,
        NameFailure => WSANO_RECOVERY,
        NameNoData => WSANO_DATA,
        NotPermitted | BufferTooSmall | Internal | Unknown | Eof | Truncated => return None,
    })
}

/// The calling thread's Winsock error.
pub(crate) fn last_os_error() -> i32 {
    // SAFETY: no preconditions.
    unsafe { ws::WSAGetLastError() }
}

/// What tells later whether the program failed since sockit recorded `failure`. Windows' last
/// error cannot (successful calls overwrite it too), so the C runtime's errno is the marker:
/// set now to the failure's errno (so `perror` says what sockit says, as on Unix; 0 where
/// there is none), changed by any failing C library call of the program's own (`fopen`...).
pub(crate) fn failure_marker(failure: ErrorCode) -> i32 {
    let errno = super::errno::errno_for(failure).unwrap_or(0);
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() = errno };
    errno
}

/// [`failure_marker`] for a call that succeeded, which leaves errno as it is.
pub(crate) fn success_marker() -> i32 {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() }
}

/// Whether nothing failed since [`failure_marker`] gave `marker`.
pub(crate) fn failure_marker_unchanged(marker: i32) -> bool {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    unsafe { *_errno() == marker }
}

/// The calling thread's error state as a C program sees it (the C runtime's errno and the
/// Winsock error), to put back after a call that succeeded: a successful call leaves both
/// as it found them.
#[derive(Clone, Copy)]
pub(crate) struct SavedErrors {
    errno: i32,
    os: i32,
}

impl SavedErrors {
    /// The state now.
    pub(crate) fn save() -> SavedErrors {
        SavedErrors {
            // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
            errno: unsafe { *_errno() },
            os: last_os_error(),
        }
    }

    /// Puts the state back.
    pub(crate) fn restore(self) {
        // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
        unsafe { *_errno() = self.errno };
        set_last_os_error(self.os);
    }
}

/// Sets the calling thread's Winsock error, so that the caller's own reporting sees it.
pub(crate) fn set_last_os_error(os: i32) {
    // SAFETY: no preconditions.
    unsafe { ws::WSASetLastError(os) }
}

/// The system's text for a Winsock or Windows error.
pub(crate) fn os_error_text(os: i32) -> String {
    // std asks FormatMessageW and appends " (os error N)", which perror-style output omits.
    let text = io::Error::from_raw_os_error(os).to_string();
    match text.rfind(" (os error ") {
        Some(end) => text[..end].trim_end().to_owned(),
        None => text,
    }
}

unsafe extern "C" {
    /// The C runtime's errno of the calling thread (ucrt and msvcrt both export it).
    fn _errno() -> *mut c_int;
}

/// What the program's own error reporting would show: the C runtime's errno when set (what
/// `perror` shows: a failing C library call sets it), else the Winsock error. The Winsock
/// error comes second because successful calls overwrite it too.
pub(crate) fn describe_current_error() -> String {
    // SAFETY: `_errno` returns a valid pointer to the calling thread's errno.
    let errno = unsafe { *_errno() };
    let os = last_os_error();
    if errno == 0 && os != 0 {
        return os_error_text(os);
    }
    // SAFETY: strerror returns a pointer to a NUL-terminated string valid until the next call.
    let text = unsafe { CStr::from_ptr(libc::strerror(errno)) };
    text.to_string_lossy().into_owned()
}

/// Windows has no SIGPIPE.
pub(crate) const SEND_FLAGS: c_int = 0;

/// Windows has no `MSG_DONTWAIT`; callers wait for readiness before receiving.
pub(crate) const RECV_NOW_FLAGS: c_int = 0;

/// Nothing to prepare: sends cannot raise signals on Windows.
pub(crate) fn prepare_send(_socket: &Socket) -> io::Result<()> {
    Ok(())
}

/// Windows reports an expired socket timeout as `WSAETIMEDOUT`, never as would-block.
pub(crate) fn would_block_means_timeout(_socket: &Socket) -> bool {
    false
}

/// One entry of a `WSAPoll()` call.
pub(crate) type PollFd = ws::WSAPOLLFD;

/// An entry that waits for `socket` as `interest` says; `None` makes an entry that `WSAPoll`
/// ignores.
pub(crate) fn poll_entry(socket: Option<&Socket>, interest: Interest) -> PollFd {
    use std::os::windows::io::AsRawSocket;
    let mut events = 0;
    if interest.read {
        events |= ws::POLLRDNORM as i16;
    }
    if interest.write {
        events |= ws::POLLWRNORM as i16;
    }
    ws::WSAPOLLFD {
        fd: socket.map_or(ws::INVALID_SOCKET, |socket| {
            socket.as_raw_socket() as ws::SOCKET
        }),
        events,
        revents: 0,
    }
}

/// What `WSAPoll` reported for an entry.
pub(crate) fn poll_readiness(entry: &PollFd) -> Readiness {
    Readiness::reported(
        entry.events,
        entry.revents,
        [
            ws::POLLRDNORM as i16,
            ws::POLLWRNORM as i16,
            ws::POLLERR as i16,
            ws::POLLHUP as i16,
            ws::POLLNVAL as i16,
        ],
    )
}

/// `WSAPoll()`: waits until an entry is ready, at most `timeout_ms` milliseconds (`-1`: no
/// limit), and returns how many are. No `FD_SETSIZE` limit. (Before Windows 10 version 2004
/// a failed connection attempt was not reported; sockit_connect_finish() still tells it.)
pub(crate) fn poll(entries: &mut [PollFd], timeout_ms: c_int) -> io::Result<usize> {
    start_winsock();
    let count =
        u32::try_from(entries.len()).map_err(|_| io::Error::from_raw_os_error(ws::WSAEINVAL))?;
    // SAFETY: `entries` is a valid array of `count` WSAPOLLFDs for the whole call.
    match unsafe { ws::WSAPoll(entries.as_mut_ptr(), count, timeout_ms) } {
        ws::SOCKET_ERROR => Err(io::Error::from_raw_os_error(last_os_error())),
        _ => {
            // As poll() does with a negative descriptor, an INVALID_SOCKET entry is left out
            // (Wine reports it invalid), and the entries are counted here: implementations
            // differ on whether an entry reported only as invalid (POLLNVAL) is counted.
            for entry in entries.iter_mut().filter(|e| e.fd == ws::INVALID_SOCKET) {
                entry.revents = 0;
            }
            Ok(entries.iter().filter(|entry| entry.revents != 0).count())
        }
    }
}

/// Whether the socket is an IPv6 one (which reaches IPv4 addresses only as IPv4-mapped
/// ones). Asked of the protocol, as Windows has no local address for unbound sockets.
pub(crate) fn is_ipv6_socket(socket: &Socket) -> bool {
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
    rc == 0 && info.iAddressFamily == i32::from(ws::AF_INET6)
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
    matches!(code, ErrorCode::WouldBlock | ErrorCode::InProgress)
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

fn start_winsock() {
    static START: Once = Once::new();
    START.call_once(|| {
        // SAFETY: WSADATA is a plain struct that WSAStartup fills in. The matching
        // WSACleanup is never called: Winsock stays up for the life of the process, as in std.
        unsafe {
            let mut data: ws::WSADATA = std::mem::zeroed();
            ws::WSAStartup(0x0202, &mut data);
        }
    });
}

/// Every address of `host` through the system resolver (`getaddrinfo`), in the resolver's
/// order of preference, with port 0.
pub(crate) fn lookup_host(host: &CStr, family: Family) -> Result<Vec<SocketAddr>> {
    start_winsock();
    // SAFETY: ADDRINFOA is a plain C struct; all zeros is its documented empty value.
    let mut hints: ws::ADDRINFOA = unsafe { std::mem::zeroed() };
    hints.ai_family = match family {
        Family::Any => ws::AF_UNSPEC,
        Family::V4 => ws::AF_INET,
        Family::V6 => ws::AF_INET6,
    } as i32;
    hints.ai_socktype = ws::SOCK_STREAM;
    let mut list: *mut ws::ADDRINFOA = ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` and `list` are valid for the call.
    let rc = unsafe { ws::getaddrinfo(host.as_ptr().cast(), ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(Error::from_os(rc));
    }
    let mut addresses = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: getaddrinfo returned a well-formed list; `entry` is one of its nodes.
        let info = unsafe { &*entry };
        if !info.ai_addr.is_null() {
            // SAFETY: `ai_addr` points to `ai_addrlen` bytes owned by the list.
            let bytes =
                unsafe { std::slice::from_raw_parts(info.ai_addr.cast::<u8>(), info.ai_addrlen) };
            addresses.extend(socket_addr_from_bytes(bytes).ok());
        }
        entry = info.ai_next;
    }
    // SAFETY: `list` came from a successful getaddrinfo and is freed once.
    unsafe { ws::freeaddrinfo(list) };
    Ok(addresses)
}

/// The index of a network interface by name, for IPv6 scope ids.
pub(crate) fn interface_index(name: &CStr) -> Option<u32> {
    // SAFETY: `name` is NUL-terminated.
    let index = unsafe { if_nametoindex(name.as_ptr().cast()) };
    (index != 0).then_some(index)
}

/// Error values for the error module's tests.
#[cfg(test)]
pub(crate) mod test_errno {
    /// A mapped error.
    pub const REFUSED: i32 = super::WSAECONNREFUSED;
    /// An error with no portable code (WSAEDISCON).
    pub const UNMAPPED: i32 = 10101;
}
