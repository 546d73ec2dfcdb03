//! Unix domain socket addresses as the system takes them: a path, or on Linux a name in the
//! abstract namespace; how long a name may be; telling a socket file from other files.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use socket2::SockAddr;

use crate::error::{ErrorCode, Result};
use crate::net::unix::UnixAddr;

/// The bytes of `sun_path`: a pathname needs one of them for its terminating NUL, an abstract
/// name one for its leading NUL.
const SUN_PATH: usize = {
    // SAFETY: sockaddr_un is a plain C struct; all zeros is a valid value.
    let addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_path.len()
};

/// The longest path or abstract name in bytes: 107 on Linux, 103 on macOS and the BSDs.
pub(crate) const MAX_UNIX_NAME: usize = SUN_PATH - 1;

/// Whether the system has an abstract namespace (names that are not files).
pub(crate) const HAS_ABSTRACT_NAMES: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// A path from the bytes a C program gave: any bytes but NUL (Unix paths are bytes).
pub(crate) fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    Some(PathBuf::from(OsStr::from_bytes(bytes)))
}

/// The bytes of a path, as a C program would have them.
pub(crate) fn path_bytes(path: &Path) -> Vec<u8> {
    path.as_os_str().as_bytes().to_vec()
}

/// The system's address for `addr`. A name longer than [`MAX_UNIX_NAME`] is
/// `NameTooLong`, never cut; an abstract name where there are none is `NotSupported`.
pub(crate) fn unix_sock_addr(addr: &UnixAddr) -> Result<SockAddr> {
    let bytes = match addr {
        UnixAddr::Path(path) => path_bytes(path),
        UnixAddr::Abstract(_) if !HAS_ABSTRACT_NAMES => {
            return Err(ErrorCode::EOPNOTSUPP.into());
        }
        UnixAddr::Abstract(name) => [&[0][..], name].concat(),
        UnixAddr::Unnamed => return Err(ErrorCode::EINVAL.into()),
    };
    // One byte of sun_path is the NUL either way.
    if bytes.len() > MAX_UNIX_NAME + usize::from(matches!(addr, UnixAddr::Abstract(_))) {
        return Err(ErrorCode::ENAMETOOLONG.into());
    }
    SockAddr::unix(OsStr::from_bytes(&bytes)).map_err(|_| ErrorCode::ENAMETOOLONG.into())
}

/// The address that makes the system pick a name: Linux binds to a fresh abstract name
/// (five hexadecimal digits); elsewhere `None`, and the socket stays unnamed.
pub(crate) fn autobind_addr() -> Option<SockAddr> {
    if !HAS_ABSTRACT_NAMES {
        return None;
    }
    // An empty path: only the family, which Linux takes as "autobind".
    SockAddr::unix("").ok()
}

/// A system address as a Unix domain address; `None` for other families.
pub(crate) fn unix_addr_of(addr: &SockAddr) -> Option<UnixAddr> {
    if !addr.is_unix() {
        return None;
    }
    if addr.is_unnamed() {
        return Some(UnixAddr::Unnamed);
    }
    if let Some(name) = addr.as_abstract_namespace() {
        return Some(UnixAddr::Abstract(name.to_vec()));
    }
    let path = addr.as_pathname()?.as_os_str().as_bytes();
    // Some systems report the whole of sun_path: the path ends at its first NUL.
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    Some(UnixAddr::Path(PathBuf::from(OsStr::from_bytes(
        &path[..end],
    ))))
}

/// Whether the file at `path` is a socket (not following a symbolic link).
pub(crate) fn is_socket_file(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_socket())
}

/// What tells the file at `path` from another made there later: its device and inode.
pub(crate) fn file_identity(path: &Path) -> io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}
