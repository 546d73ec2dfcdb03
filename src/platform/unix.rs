//! Unix-like systems: Linux, the BSDs, macOS and friends.

use std::ffi::{CStr, c_int};
use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, IntoRawFd, RawFd};
use std::ptr;

use socket2::Socket;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{Family, socket_addr_from_bytes};
use crate::net::poll::{Interest, Readiness};

/// The handle C programs hold: a file descriptor.
pub(crate) type RawSocket = RawFd;

/// The value that is never a valid handle.
pub(crate) const INVALID_SOCKET: RawSocket = -1;

/// Lends the caller's handle to the core without taking it over: the returned socket is
/// never dropped, so it never closes the handle. `None` for values that cannot be a handle.
///
/// # Safety
///
/// `raw` must not be closed by another thread while the borrowed socket is in use. A handle
/// that is closed already, or is not a socket, only makes the system calls on it fail.
pub(crate) unsafe fn borrow_socket(raw: RawSocket) -> Option<ManuallyDrop<Socket>> {
    // SAFETY: the socket is wrapped in ManuallyDrop and never dropped, so ownership is not
    // really taken; the caller keeps the descriptor open for as long as it is used.
    (raw >= 0).then(|| ManuallyDrop::new(unsafe { Socket::from_raw_fd(raw) }))
}

/// Takes over the caller's handle: dropping the socket closes it.
///
/// # Safety
///
/// The caller gives up `raw`: nothing else may use or close it afterwards.
pub(crate) unsafe fn own_socket(raw: RawSocket) -> Option<Socket> {
    // SAFETY: the caller hands the descriptor over, as this function's contract says.
    (raw >= 0).then(|| unsafe { Socket::from_raw_fd(raw) })
}

/// Gives the socket's handle to the caller, who must close it.
pub(crate) fn into_raw(socket: Socket) -> RawSocket {
    socket.into_raw_fd()
}

/// The socket's handle, lent to C for the duration of a call.
pub(crate) fn raw(socket: &Socket) -> RawSocket {
    use std::os::fd::AsRawFd;
    socket.as_raw_fd()
}

/// Closes the socket and reports what `close` says. `EINTR` is success: the descriptor is
/// released whatever the signal did (retrying could close a descriptor reused meanwhile).
pub(crate) fn close(socket: Socket) -> io::Result<()> {
    let fd = socket.into_raw_fd();
    // SAFETY: `fd` was owned by `socket`, which gave it up; nothing else closes it.
    if unsafe { libc::close(fd) } == 0 {
        return Ok(());
    }
    match io::Error::last_os_error() {
        err if err.kind() == io::ErrorKind::Interrupted => Ok(()),
        err => Err(err),
    }
}

/// The portable code for an errno value.
pub(crate) fn error_code(errno: i32) -> ErrorCode {
    use ErrorCode::*;
    match errno {
        libc::EPERM => NotPermitted,
        libc::EBADF => BadHandle,
        e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => WouldBlock,
        libc::ENOMEM => OutOfMemory,
        libc::EACCES => AccessDenied,
        libc::EINVAL | libc::EFAULT => InvalidArgument,
        libc::ENFILE => TooManyFilesInSystem,
        libc::EMFILE => TooManyFiles,
        libc::EPIPE => BrokenPipe,
        libc::ERANGE => BufferTooSmall,
        libc::ENOTSOCK => NotASocket,
        libc::EDESTADDRREQ => DestinationRequired,
        libc::EMSGSIZE => MessageTooLong,
        e if e == libc::EOPNOTSUPP || e == libc::ENOTSUP || e == libc::EPROTOTYPE => NotSupported,
        // An option that does not exist for this kind of socket.
        libc::ENOPROTOOPT => NotSupported,
        libc::EAFNOSUPPORT | libc::EPFNOSUPPORT | libc::EPROTONOSUPPORT => {
            AddressFamilyNotSupported
        }
        libc::EADDRINUSE => AddressInUse,
        libc::EADDRNOTAVAIL => AddressNotAvailable,
        libc::ENETDOWN => NetworkDown,
        libc::ENETUNREACH => NetworkUnreachable,
        // A pending connection that failed before it was accepted.
        libc::ECONNABORTED | libc::EPROTO => ConnectionAborted,
        libc::ECONNRESET => ConnectionReset,
        libc::ENOBUFS => NoBufferSpace,
        libc::EISCONN => AlreadyConnected,
        libc::ENOTCONN => NotConnected,
        libc::ETIMEDOUT => TimedOut,
        libc::ECONNREFUSED => ConnectionRefused,
        libc::EHOSTUNREACH | libc::EHOSTDOWN => HostUnreachable,
        libc::EALREADY => Already,
        libc::EINPROGRESS => InProgress,
        libc::ECANCELED => Cancelled,
        _ => Unknown,
    }
}

/// The errno value closest to a code, for failures sockit detects itself.
pub(crate) fn os_error_for(code: ErrorCode) -> Option<i32> {
    super::errno::errno_for(code)
}

/// Ends the blocked receives and sends of other threads on `socket`: shutting both directions
/// down makes a blocked receive see the end of the stream and a send fail.
pub(crate) fn interrupt_blocked_calls(socket: &Socket) {
    let _ = socket.shutdown(std::net::Shutdown::Both);
}

/// The calling thread's errno.
pub(crate) fn last_os_error() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// What tells later whether the program failed since sockit recorded `_failure`: errno as it
/// is now, set for the failure already (a failing call of the program's own changes it;
/// successful calls leave it alone).
pub(crate) fn failure_marker(_failure: ErrorCode) -> i32 {
    last_os_error()
}

/// [`failure_marker`] for a call that succeeded, which leaves errno as it is.
pub(crate) fn success_marker() -> i32 {
    last_os_error()
}

/// Whether nothing failed since [`failure_marker`] gave `marker`.
pub(crate) fn failure_marker_unchanged(marker: i32) -> bool {
    last_os_error() == marker
}

/// The calling thread's error state as a C program sees it (errno), to put back after a
/// call that succeeded: a successful call leaves errno as it found it.
#[derive(Clone, Copy)]
pub(crate) struct SavedErrors(i32);

impl SavedErrors {
    /// The state now.
    pub(crate) fn save() -> SavedErrors {
        SavedErrors(last_os_error())
    }

    /// Puts the state back.
    pub(crate) fn restore(self) {
        set_last_os_error(self.0);
    }
}

/// Sets the calling thread's errno, so that `perror` describes sockit's last failure.
pub(crate) fn set_last_os_error(errno: i32) {
    if let Some(location) = errno_location() {
        // SAFETY: the C library returns a valid pointer to the calling thread's errno.
        unsafe { *location = errno };
    }
}

/// Where the calling thread's errno lives; each C library names the function differently.
fn errno_location() -> Option<*mut c_int> {
    #[cfg(any(
        target_os = "linux",
        target_os = "emscripten",
        target_os = "hurd",
        target_os = "dragonfly"
    ))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__errno_location() });
    #[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__error() });
    #[cfg(any(
        target_os = "android",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin"
    ))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::__errno() });
    #[cfg(any(target_os = "solaris", target_os = "illumos"))]
    // SAFETY: the function only returns the address of the calling thread's errno.
    return Some(unsafe { libc::___errno() });
    #[allow(unreachable_code)]
    None
}

/// The C library's text for an errno value, as `strerror` gives it.
pub(crate) fn os_error_text(errno: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for its whole length, which is what we pass.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errno}");
    }
    let text = CStr::from_bytes_until_nul(&buf).unwrap_or_default();
    text.to_string_lossy().into_owned()
}

/// What `perror` would print for the current errno.
pub(crate) fn describe_current_error() -> String {
    os_error_text(last_os_error())
}

/// Flags for every `send`: a peer that has gone must give `EPIPE`, not kill the process.
#[cfg(not(target_vendor = "apple"))]
pub(crate) const SEND_FLAGS: c_int = libc::MSG_NOSIGNAL;
/// Apple systems have no `MSG_NOSIGNAL`; [`prepare_send`] sets `SO_NOSIGPIPE` instead.
#[cfg(target_vendor = "apple")]
pub(crate) const SEND_FLAGS: c_int = 0;

/// Flags for a receive that must not block even on a blocking socket.
pub(crate) const RECV_NOW_FLAGS: c_int = libc::MSG_DONTWAIT;

/// Makes sure a send on this socket cannot raise SIGPIPE. Sockets that sockit creates have
/// the option already; sockets a C program created itself may not, so it is set every time.
pub(crate) fn prepare_send(socket: &Socket) -> io::Result<()> {
    #[cfg(target_vendor = "apple")]
    socket.set_nosigpipe(true)?;
    let _ = socket;
    Ok(())
}

/// Unix reports an expired `SO_RCVTIMEO`/`SO_SNDTIMEO` as `EAGAIN`, like a non-blocking
/// socket that is not ready; only the socket's mode tells them apart.
pub(crate) fn would_block_means_timeout(socket: &Socket) -> bool {
    socket.nonblocking().is_ok_and(|nonblocking| !nonblocking)
}

/// One entry of a `poll()` call.
pub(crate) type PollFd = libc::pollfd;

/// An entry that waits for `socket` as `interest` says; `None` makes an entry that `poll`
/// ignores.
pub(crate) fn poll_entry(socket: Option<&Socket>, interest: Interest) -> PollFd {
    use std::os::fd::AsRawFd;
    let mut events = 0;
    if interest.read {
        events |= libc::POLLIN;
    }
    if interest.write {
        events |= libc::POLLOUT;
    }
    libc::pollfd {
        fd: socket.map_or(INVALID_SOCKET, |socket| socket.as_raw_fd()),
        events,
        revents: 0,
    }
}

/// What `poll` reported for an entry.
pub(crate) fn poll_readiness(entry: &PollFd) -> Readiness {
    Readiness::reported(
        entry.events,
        entry.revents,
        [
            libc::POLLIN,
            libc::POLLOUT,
            libc::POLLERR,
            libc::POLLHUP,
            libc::POLLNVAL,
        ],
    )
}

/// `poll()`: waits until an entry is ready, at most `timeout_ms` milliseconds (`-1`: no
/// limit), and returns how many are. No `FD_SETSIZE` limit.
pub(crate) fn poll(entries: &mut [PollFd], timeout_ms: c_int) -> io::Result<usize> {
    let count = libc::nfds_t::try_from(entries.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `entries` is a valid array of `count` pollfds for the whole call.
    match unsafe { libc::poll(entries.as_mut_ptr(), count, timeout_ms) } {
        -1 => Err(io::Error::last_os_error()),
        ready => Ok(ready as usize),
    }
}

/// Whether the socket is an IPv6 one (which reaches IPv4 addresses only as IPv4-mapped
/// ones). Unix names the family of unbound sockets too.
pub(crate) fn is_ipv6_socket(socket: &Socket) -> bool {
    socket.local_addr().is_ok_and(|addr| addr.is_ipv6())
}

/// A connect on a non-blocking socket starts with `EINPROGRESS`.
pub(crate) fn connect_started(code: ErrorCode) -> bool {
    code == ErrorCode::InProgress
}

/// BSD-derived systems (and macOS) give accepted sockets the listener's `O_NONBLOCK`;
/// Linux never does.
pub(crate) const ACCEPT_INHERITS_NONBLOCKING: bool =
    !cfg!(any(target_os = "linux", target_os = "android"));

/// A restarted server must be able to listen again at once, while connections of its previous
/// run linger in TIME_WAIT: set `SO_REUSEADDR` on listeners. (It is safe on Unix; see the
/// Windows module for why it is not set there.)
pub(crate) const LISTENER_REUSES_ADDRESS: bool = true;

/// Linux spreads the connections and datagrams for a port over the sockets that share it
/// with `SO_REUSEPORT` (by a hash of the peer's address). The BSDs and macOS accept the option
/// but give everything to one socket, so sharing a port would not spread any load there.
pub(crate) const SHARED_PORT_BALANCES: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// Lets `socket` share its port with other sockets of this user that set it too (before
/// their bind; `socket` itself may already be bound and listening).
pub(crate) fn share_port(socket: &Socket) -> io::Result<()> {
    if !SHARED_PORT_BALANCES {
        return Err(io::ErrorKind::Unsupported.into());
    }
    socket.set_reuse_port(true)
}

/// Every address of `host` through the system resolver (`getaddrinfo`), in the resolver's
/// order of preference, with port 0.
pub(crate) fn lookup_host(host: &CStr, family: Family) -> Result<Vec<SocketAddr>> {
    // SAFETY: addrinfo is a plain C struct; all zeros is its documented empty value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = match family {
        Family::Any => libc::AF_UNSPEC,
        Family::V4 => libc::AF_INET,
        Family::V6 => libc::AF_INET6,
    };
    // One entry per address instead of one per socket type.
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` and `list` are valid for the call.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(gai_error(rc));
    }
    let mut addresses = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: getaddrinfo returned a well-formed list; `entry` is one of its nodes.
        let info = unsafe { &*entry };
        if !info.ai_addr.is_null() {
            // SAFETY: `ai_addr` points to `ai_addrlen` bytes owned by the list.
            let bytes = unsafe {
                std::slice::from_raw_parts(info.ai_addr.cast::<u8>(), info.ai_addrlen as usize)
            };
            addresses.extend(socket_addr_from_bytes(bytes).ok());
        }
        entry = info.ai_next;
    }
    // SAFETY: `list` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(addresses)
}

fn gai_error(rc: c_int) -> Error {
    use ErrorCode::*;
    let code = match rc {
        libc::EAI_AGAIN => NameTryAgain,
        libc::EAI_FAIL => NameFailure,
        libc::EAI_NONAME => NameNotFound,
        libc::EAI_MEMORY => OutOfMemory,
        libc::EAI_FAMILY | libc::EAI_SERVICE | libc::EAI_SOCKTYPE | libc::EAI_BADFLAGS => {
            InvalidArgument
        }
        libc::EAI_SYSTEM => return Error::from(io::Error::last_os_error()),
        rc if gai_means_no_data(rc) => NameNoData,
        _ => Unknown,
    };
    Error::new(code)
}

/// `EAI_NODATA` (and glibc's `EAI_ADDRFAMILY`, -9): the name exists without an address.
fn gai_means_no_data(rc: c_int) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    if rc == libc::EAI_NODATA {
        return true;
    }
    cfg!(all(target_os = "linux", target_env = "gnu")) && rc == -9
}

/// The index of a network interface by name (`eth0`), for IPv6 scope ids.
pub(crate) fn interface_index(name: &CStr) -> Option<u32> {
    // SAFETY: `name` is NUL-terminated.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    (index != 0).then_some(index)
}

/// Errno values for the error module's tests.
#[cfg(test)]
pub(crate) mod test_errno {
    /// A mapped error.
    pub const REFUSED: i32 = libc::ECONNREFUSED;
    /// An error with no portable code.
    pub const UNMAPPED: i32 = libc::ENOEXEC;
}
