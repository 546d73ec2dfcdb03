//! Unix domain socket addresses on Windows (10 version 1803 and later have stream sockets of
//! the family): UTF-8 paths, no abstract namespace.

use std::io;
use std::path::{Path, PathBuf};

use socket2::SockAddr;
use windows_sys::Win32::Networking::WinSock as ws;

use crate::error::{ErrorCode, Result};
use crate::net::unix::UnixAddr;

/// The bytes of `sun_path`, one of them for the terminating NUL.
const SUN_PATH: usize = 108;
const _: () = assert!(size_of::<ws::SOCKADDR_UN>() == 2 + SUN_PATH);

/// The longest path in bytes.
pub(crate) const MAX_UNIX_NAME: usize = SUN_PATH - 1;

/// Windows has no abstract namespace: `unix_sock_addr` refuses such names.
pub(crate) const HAS_ABSTRACT_NAMES: bool = false;
const _: () = assert!(!HAS_ABSTRACT_NAMES);

/// A path from the bytes a C program gave: Windows takes Unix socket paths as UTF-8.
pub(crate) fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// The bytes of a path (UTF-8, as it was given).
pub(crate) fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

/// The system's address for `addr`. A path longer than [`MAX_UNIX_NAME`] is `NameTooLong`,
/// never cut; an abstract name is `NotSupported`.
pub(crate) fn unix_sock_addr(addr: &UnixAddr) -> Result<SockAddr> {
    match addr {
        UnixAddr::Path(path) if path_bytes(path).len() > MAX_UNIX_NAME => {
            Err(ErrorCode::ENAMETOOLONG.into())
        }
        UnixAddr::Path(path) => SockAddr::unix(path).map_err(|_| ErrorCode::EINVAL.into()),
        UnixAddr::Abstract(_) => Err(ErrorCode::EOPNOTSUPP.into()),
        UnixAddr::Unnamed => Err(ErrorCode::EINVAL.into()),
    }
}

/// Windows picks no name for an unbound socket.
pub(crate) fn autobind_addr() -> Option<SockAddr> {
    None
}

/// A system address as a Unix domain address; `None` for other families.
pub(crate) fn unix_addr_of(addr: &SockAddr) -> Option<UnixAddr> {
    if !addr.is_unix() {
        return None;
    }
    // SAFETY: `as_ptr` points to the address's `len` initialized bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts(addr.as_ptr().cast::<u8>(), addr.len() as usize) };
    // The family takes the first two bytes; the path ends at its NUL (or the length).
    let path = bytes.get(2..).unwrap_or_default();
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    if end == 0 {
        return Some(UnixAddr::Unnamed);
    }
    Some(UnixAddr::Path(PathBuf::from(
        String::from_utf8_lossy(&path[..end]).into_owned(),
    )))
}

/// Whether the file at `path` is a socket: Windows shows one as a reparse point of its own
/// kind, which std does not name, so sockit never takes a file there for a stale socket.
pub(crate) fn is_socket_file(_path: &Path) -> bool {
    false
}

/// What tells the file at `path` from another made there later: its creation time.
pub(crate) fn file_identity(path: &Path) -> io::Result<(u64, u64)> {
    use std::os::windows::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path)?;
    Ok((meta.creation_time(), meta.file_size()))
}
