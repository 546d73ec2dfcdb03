//! Who is at the other end of a Unix domain socket: Linux's `SO_PEERCRED`, the BSDs' and
//! macOS's `getpeereid` (and macOS's `LOCAL_PEERPID` for the process).

use std::io;
use std::os::fd::AsRawFd;

use socket2::Socket;

use crate::net::unix::Credentials;

/// The peer's process, user and group, as the system recorded them when the connection was
/// made (or the socket pair created).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_credentials(socket: &Socket) -> io::Result<Credentials> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is writable for `len` bytes, and `len` says so.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Credentials {
        // 0: a peer the kernel knows no process of.
        pid: u32::try_from(cred.pid).ok().filter(|&pid| pid != 0),
        uid: cred.uid,
        gid: cred.gid,
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_credentials(socket: &Socket) -> io::Result<Credentials> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: `uid` and `gid` are live places for the call to write.
    if unsafe { libc::getpeereid(socket.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Credentials {
        pid: peer_pid(socket),
        uid,
        gid,
    })
}

/// The peer's process on macOS (`LOCAL_PEERPID`).
#[cfg(target_vendor = "apple")]
fn peer_pid(socket: &Socket) -> Option<u32> {
    let mut pid: libc::pid_t = 0;
    let mut len = size_of::<libc::pid_t>() as libc::socklen_t;
    // SAFETY: `pid` is writable for `len` bytes, and `len` says so. SOL_LOCAL is 0.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            0,
            libc::LOCAL_PEERPID,
            (&mut pid as *mut libc::pid_t).cast(),
            &mut len,
        )
    };
    (rc == 0)
        .then_some(pid)
        .and_then(|pid| u32::try_from(pid).ok())
}

/// The BSDs tell the user and group only.
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn peer_pid(_socket: &Socket) -> Option<u32> {
    None
}
