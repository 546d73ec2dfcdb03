//! Unix domain sockets: stream and datagram sockets named by a path in the file system, or
//! (Linux) by a name in the abstract namespace; socket files left behind by a process that
//! died; the peer's credentials.
//!
//! A Unix domain address is a type of its own, [`UnixAddr`], rather than another variant of
//! the IP address: nothing else about it is shared (no port, no resolution, no IPv4-mapped
//! form), and the C API's `sockit_addr`, a fixed 28-byte struct, keeps its layout. In the C
//! API a Unix domain address is its text: the path, or `@name` for an abstract name.

use std::fmt;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use socket2::{Domain, MaybeUninitSlice, SockAddr, Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::io::{retry_interrupted_within, socket_error};
use crate::net::poll::Interest;
use crate::platform;

/// A Unix domain socket address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixAddr {
    /// A path in the file system; binding makes a socket file there.
    Path(PathBuf),
    /// A name in Linux's abstract namespace (written `@name`): no file, and the name is free
    /// again as soon as its socket closes.
    Abstract(Vec<u8>),
    /// No name: a socket that was never bound. Nothing can be sent to it by name.
    Unnamed,
}

impl UnixAddr {
    /// An address from its text: `@name` is an abstract name (Linux), anything else a path,
    /// relative to the working directory unless it starts with `/`. Empty text, a lone `@`,
    /// and a path the system cannot take (not UTF-8, on Windows) are `InvalidArgument`.
    pub fn parse(text: &[u8]) -> Result<UnixAddr> {
        match text {
            [] | [b'@'] => Err(ErrorCode::EINVAL.into()),
            [b'@', name @ ..] => Ok(UnixAddr::Abstract(name.to_vec())),
            path => platform::path_from_bytes(path)
                .map(UnixAddr::Path)
                .ok_or(ErrorCode::EINVAL.into()),
        }
    }

    /// The address as text, the inverse of [`UnixAddr::parse`]; empty for an unnamed socket.
    pub fn text(&self) -> Vec<u8> {
        match self {
            UnixAddr::Path(path) => platform::path_bytes(path),
            UnixAddr::Abstract(name) => [&b"@"[..], name].concat(),
            UnixAddr::Unnamed => Vec::new(),
        }
    }

    /// The path, for an address in the file system.
    pub fn path(&self) -> Option<&Path> {
        match self {
            UnixAddr::Path(path) => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text()))
    }
}

/// Who the peer of a Unix domain connection is, as the system recorded it when the
/// connection was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The peer's process (Linux, macOS); `None` where the system does not tell.
    pub pid: Option<u32>,
    /// The peer's effective user.
    pub uid: u32,
    /// The peer's effective group.
    pub gid: u32,
}

/// What binding does about a file that is already at the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Fail with `AddressInUse`, whatever the file is.
    Refuse,
    /// Remove a socket file that no socket listens on (one left by a process that died) and
    /// bind again; fail with `AddressInUse` for a live socket or any other kind of file.
    RemoveStale,
}

/// A new Unix domain socket of type `ty`, close-on-exec. A system without Unix domain sockets
/// of that type (Windows before 10 version 1803, datagrams on Windows) is `NotSupported`.
fn new_socket(ty: Type) -> Result<Socket> {
    Socket::new(Domain::UNIX, ty, None).map_err(|err| {
        let error = Error::from(err);
        match (error.code(), error.os_error()) {
            (ErrorCode::EAFNOSUPPORT | ErrorCode::EOPNOTSUPP, Some(os)) => {
                Error::with_os(ErrorCode::EOPNOTSUPP, os)
            }
            _ => error,
        }
    })
}

/// Connects a stream socket to `addr`. `timeout` bounds the wait for room in the listener's
/// queue, which Linux makes a connecting client wait for (the BSDs and macOS refuse at once
/// with `ConnectionRefused` instead); without one, it waits as long as it takes.
pub fn connect(addr: &UnixAddr, timeout: Option<Duration>) -> Result<Socket> {
    let to = platform::unix_sock_addr(addr)?;
    let socket = new_socket(Type::STREAM)?;
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    loop {
        // The socket's send timeout is what bounds a Unix domain connect's wait.
        let left = match deadline {
            Some(deadline) => Some(send_timeout_until(deadline, Instant::now())?),
            None => None,
        };
        socket.set_write_timeout(left)?;
        match socket.connect(&to) {
            Ok(()) => break,
            // The wait is started again with what is left of the timeout.
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(socket_error(&socket, err)),
        }
    }
    socket.set_write_timeout(None)?;
    Ok(socket)
}

/// The send timeout that waits until `deadline` from `now`: `ETIMEDOUT` once it has
/// passed; at least a millisecond, since a timeout under a microsecond would be set as 0,
/// which the system takes for no limit at all.
fn send_timeout_until(deadline: Instant, now: Instant) -> Result<Duration> {
    match deadline.saturating_duration_since(now) {
        Duration::ZERO => Err(ErrorCode::ETIMEDOUT.into()),
        left => Ok(left.max(Duration::from_millis(1))),
    }
}

/// A non-blocking stream socket whose connection to `to` (a Unix domain name, as
/// `platform::unix_sock_addr` makes it) is made, or under way where the system connects in
/// the background (Windows: wait until it is writable, then ask
/// [`finish_connect`](crate::net::tcp::finish_connect)). `EAGAIN` when the listener's queue is
/// full (Linux; the BSDs and macOS refuse instead): nothing tells when it has room again, so
/// the caller tries again later. For an event loop, which must not block.
pub(crate) fn start_connect(to: &SockAddr) -> Result<Socket> {
    let socket = new_socket(Type::STREAM)?;
    socket.set_nonblocking(true)?;
    platform::prepare_send(&socket)?;
    match socket.connect(to) {
        Ok(()) => Ok(socket),
        Err(err) => {
            let err = Error::from(err);
            if platform::connect_started(err.code()) {
                Ok(socket)
            } else {
                Err(err)
            }
        }
    }
}

/// A listening stream socket bound to `addr`. `backlog` is the queue of connections not yet
/// accepted; 0 asks for the system's maximum. The socket file stays after the socket is
/// closed: remove it then (see [`remove_socket_file`]).
pub fn listen(addr: &UnixAddr, backlog: i32, existing: Existing) -> Result<Socket> {
    // The name first: a name the system cannot take is reported as such everywhere.
    let at = platform::unix_sock_addr(addr)?;
    let socket = new_socket(Type::STREAM)?;
    bind(&socket, addr, &at, Type::STREAM, existing)?;
    socket.listen(if backlog == 0 { i32::MAX } else { backlog })?;
    Ok(socket)
}

/// A datagram socket bound to `addr`. Without an address, Linux binds it to a fresh abstract
/// name that the system picks (so that replies can reach it); elsewhere it stays unnamed, and
/// can send but not be answered.
pub fn bind_datagram(addr: Option<&UnixAddr>, existing: Existing) -> Result<Socket> {
    let at = addr.map(platform::unix_sock_addr).transpose()?;
    let socket = new_socket(Type::DGRAM)?;
    match (addr, at) {
        (Some(addr), Some(at)) => bind(&socket, addr, &at, Type::DGRAM, existing)?,
        _ => {
            if let Some(any) = platform::autobind_addr() {
                socket.bind(&any)?;
            }
        }
    }
    Ok(socket)
}

/// Binds `socket` (of type `ty`) to `addr` (`at`, as the system takes it), dealing with a
/// file already there as `existing` says.
fn bind(
    socket: &Socket,
    addr: &UnixAddr,
    at: &SockAddr,
    ty: Type,
    existing: Existing,
) -> Result<()> {
    let Err(err) = socket.bind(at) else {
        return Ok(());
    };
    let err = Error::from(err);
    match (addr, existing) {
        (UnixAddr::Path(path), Existing::RemoveStale)
            if err.code() == ErrorCode::EADDRINUSE && is_stale(path, at, ty) =>
        {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                // Someone else removed it meanwhile: the bind below says whether it is free.
                Err(gone) if gone.kind() == std::io::ErrorKind::NotFound => {}
                Err(other) => return Err(other.into()),
            }
            socket.bind(at).map_err(Error::from)
        }
        _ => Err(err),
    }
}

/// Whether `path` is a socket file that nothing is bound to any more: a connect to it (with a
/// socket of the same type, not waiting) is refused. A live socket, one of the other type, and
/// any file that is not a socket are not stale.
fn is_stale(path: &Path, at: &SockAddr, ty: Type) -> bool {
    if !platform::is_socket_file(path) {
        return false;
    }
    let Ok(probe) = new_socket(ty) else {
        return false;
    };
    if probe.set_nonblocking(true).is_err() {
        return false;
    }
    probe
        .connect(at)
        .is_err_and(|err| Error::from(err).code() == ErrorCode::ECONNREFUSED)
}

/// What identifies the socket file of a server, to remove that file and no other later
/// ([`remove_socket_file`]).
#[derive(Clone, Debug)]
pub struct SocketFile {
    path: PathBuf,
    identity: (u64, u64),
}

impl SocketFile {
    /// The socket file `socket` is bound to, if it is bound to a path.
    pub fn of(socket: &Socket) -> Option<SocketFile> {
        let addr = local_addr(socket).ok()?;
        let path = addr.path()?.to_path_buf();
        let identity = platform::file_identity(&path).ok()?;
        Some(SocketFile { path, identity })
    }
}

/// Removes a server's socket file, unless another file has taken its place since (a server
/// started later on the same path).
pub fn remove_socket_file(file: &SocketFile) {
    if platform::file_identity(&file.path).is_ok_and(|identity| identity == file.identity) {
        let _ = std::fs::remove_file(&file.path);
    }
}

/// Sends one datagram to `to`.
pub fn send_to(socket: &Socket, buf: &[u8], to: &UnixAddr) -> Result<usize> {
    let to = platform::unix_sock_addr(to)?;
    platform::prepare_send(socket).map_err(|e| socket_error(socket, e))?;
    retry_interrupted_within(socket, Interest::WRITE, || {
        socket.send_to_with_flags(buf, &to, platform::SEND_FLAGS)
    })
    .map_err(|e| socket_error(socket, e))
}

/// Receives one datagram into `buf`: its length and sender ([`UnixAddr::Unnamed`] for a
/// sender that has no name). A datagram longer than `buf` fails with `MessageTooLong` (its
/// first bytes are in `buf`, the rest is lost). An empty `buf` is refused.
pub fn recv_from(socket: &Socket, buf: &mut [MaybeUninit<u8>]) -> Result<(usize, UnixAddr)> {
    if buf.is_empty() {
        return Err(ErrorCode::EINVAL.into());
    }
    let mut slices = [MaybeUninitSlice::new(buf)];
    let (len, flags, from) = retry_interrupted_within(socket, Interest::READ, || {
        socket.recv_from_vectored(&mut slices)
    })
    .map_err(|e| socket_error(socket, e))?;
    if flags.is_truncated() {
        return Err(ErrorCode::EMSGSIZE.into());
    }
    let from = platform::unix_addr_of(&from).ok_or(ErrorCode::EAFNOSUPPORT)?;
    Ok((len, from))
}

/// The name the socket is bound to. `AddressFamilyNotSupported` for a socket that is not a
/// Unix domain one.
pub fn local_addr(socket: &Socket) -> Result<UnixAddr> {
    platform::unix_addr_of(&socket.local_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}

/// The name of the connected peer (often [`UnixAddr::Unnamed`]: clients seldom bind).
pub fn peer_addr(socket: &Socket) -> Result<UnixAddr> {
    platform::unix_addr_of(&socket.peer_addr()?).ok_or(ErrorCode::EAFNOSUPPORT.into())
}

/// The peer's process, user and group. `AddressFamilyNotSupported` for a socket that is not
/// a Unix domain one; `NotConnected` for one with no peer; `NotSupported` where the system
/// does not tell (Windows).
pub fn peer_credentials(socket: &Socket) -> Result<Credentials> {
    local_addr(socket)?;
    // Linux answers for a listener (its own process) and an unconnected socket (nobody) too.
    socket.peer_addr()?;
    platform::peer_credentials(socket).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_with_under_a_microsecond_left_still_has_a_limit() {
        let now = Instant::now();
        for left in [Duration::from_nanos(1), Duration::from_nanos(999)] {
            let timeout = send_timeout_until(now + left, now).unwrap();
            assert!(timeout >= Duration::from_millis(1), "{left:?}: {timeout:?}");
        }
        let timeout = send_timeout_until(now + Duration::from_secs(2), now).unwrap();
        assert_eq!(timeout, Duration::from_secs(2));
        let passed = send_timeout_until(now, now + Duration::from_nanos(1));
        assert_eq!(passed.unwrap_err().code(), ErrorCode::ETIMEDOUT);
    }

    #[test]
    fn text_and_addresses_round_trip() {
        for text in [&b"/tmp/x.sock"[..], b"relative/name", b"@abstract", b"@a b"] {
            let addr = UnixAddr::parse(text).unwrap();
            assert_eq!(addr.text(), text);
        }
        assert_eq!(
            UnixAddr::parse(b"@name").unwrap(),
            UnixAddr::Abstract(b"name".to_vec())
        );
        assert!(matches!(
            UnixAddr::parse(b"./@name").unwrap(),
            UnixAddr::Path(_)
        ));
        for bad in [&b""[..], b"@"] {
            assert_eq!(UnixAddr::parse(bad).unwrap_err().code(), ErrorCode::EINVAL);
        }
        assert_eq!(UnixAddr::Unnamed.text(), b"");
        assert_eq!(UnixAddr::parse(b"@x").unwrap().to_string(), "@x");
    }

    #[test]
    fn names_longer_than_the_system_takes_are_refused_never_cut() {
        let longest = vec![b'a'; platform::MAX_UNIX_NAME];
        let too_long = vec![b'a'; platform::MAX_UNIX_NAME + 1];
        let path = |bytes: &[u8]| UnixAddr::parse(bytes).unwrap();
        assert!(platform::unix_sock_addr(&path(&longest)).is_ok());
        let err = platform::unix_sock_addr(&path(&too_long)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ENAMETOOLONG);
        if platform::HAS_ABSTRACT_NAMES {
            let abstract_longest = [&b"@"[..], &longest].concat();
            assert!(platform::unix_sock_addr(&path(&abstract_longest)).is_ok());
            let abstract_too_long = [&b"@"[..], &too_long].concat();
            let err = platform::unix_sock_addr(&path(&abstract_too_long)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::ENAMETOOLONG);
        } else {
            let err = platform::unix_sock_addr(&path(b"@name")).unwrap_err();
            assert_eq!(err.code(), ErrorCode::EOPNOTSUPP);
        }
    }
}
