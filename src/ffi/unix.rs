//! Header section: Unix domain sockets, named by a path.
//!
//! Local connections between processes of one machine, named by a path in the file system
//! ("/run/app.sock") instead of an address and port: faster than TCP over loopback, and the
//! file's permissions say who may connect. Every I/O call (sockit_send(), sockit_recv(), the
//! readers, sockit_poll(), sockit_accept(), the options) works on them as on TCP sockets.
//!
//! ```c
//! sockit_socket listener, client;
//! if (sockit_unix_listen("/tmp/echo.sock", 16, SOCKIT_UNIX_REMOVE_STALE, &listener) < 0) ...
//! if (sockit_unix_connect("/tmp/echo.sock", 5000, &client) < 0) ...
//! ```
//!
//! Names: a path (relative ones to the working directory), or on Linux a name in the
//! abstract namespace, written with a leading '@' ("@app"): no file is made, and the name is
//! free again once its socket closes. Elsewhere a leading '@' fails with SOCKIT_EOPNOTSUPP;
//! write "./@name" for a file whose name starts with '@'. A name longer than the system
//! takes (107 bytes on Linux and Windows, 103 on macOS and the BSDs; an abstract name
//! likewise) fails with SOCKIT_ENAMETOOLONG: never cut short. In the calls that report a
//! name, an unnamed socket (a client that never bound) is the empty string.
//!
//! Socket files: binding makes the file, and closing the socket leaves it there (remove it
//! with remove() or unlink() once done; sockit_server_free() removes its server's). A file
//! left behind by a process that died keeps the next bind from working: by default the bind
//! fails with SOCKIT_EADDRINUSE, whatever the file is; with SOCKIT_UNIX_REMOVE_STALE a socket
//! file that no socket is bound to any more (a connect to it is refused) is removed and the
//! bind tried again, while a live socket and any file that is not a socket are left alone
//! (SOCKIT_EADDRINUSE). Two programs replacing the same stale file at once may each remove
//! the other's new file: give each server its own path.
//!
//! Systems: Linux, macOS and the BSDs have stream and datagram sockets; Windows 10 version
//! 1803 and later stream sockets only, with no abstract names, no peer credentials, and
//! stale files never removed (Windows does not tell a socket file from others). Where the
//! system has no Unix domain sockets of the kind (older Windows, Wine, datagrams on Windows)
//! the calls that make them fail with SOCKIT_EOPNOTSUPP.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::MaybeUninit;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{
    self, Out, borrow, byte_count, call, call_status, input_bytes, output_bytes,
};
use crate::ffi::socket::sockit_socket;
use crate::net::unix::{self, Existing, UnixAddr};
use crate::platform;

/// Room for any Unix domain socket name sockit writes, NUL included: 107 bytes of path, or
/// '@' and 107 bytes of an abstract name.
pub const SOCKIT_UNIX_NAMESTRLEN: c_int = 109;

/// sockit_unix_listen(), sockit_unix_bind(), sockit_server_new_unix(): remove a stale socket
/// file at the path (one no socket is bound to any more) and bind again.
pub const SOCKIT_UNIX_REMOVE_STALE: c_int = 1;

// Every name the system takes fits SOCKIT_UNIX_NAMESTRLEN with its '@' and NUL.
const _: () = assert!(platform::MAX_UNIX_NAME + 2 <= SOCKIT_UNIX_NAMESTRLEN as usize);

/// Who the peer of a Unix domain connection is, as the system recorded it when the
/// connection was made.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sockit_peer_cred {
    /// The peer's process id, or -1 where the system does not tell (the BSDs).
    pub pid: i64,
    /// The peer's effective user id.
    pub uid: u32,
    /// The peer's effective group id.
    pub gid: u32,
}

/// A name from C.
///
/// # Safety
///
/// A non-NULL `path` must point to a NUL-terminated string that lives for the rest of the
/// call.
pub(crate) unsafe fn name(path: *const c_char) -> Result<UnixAddr> {
    if path.is_null() {
        return Err(ErrorCode::EINVAL.into());
    }
    // SAFETY: non-NULL and NUL-terminated (the caller's promise).
    UnixAddr::parse(unsafe { CStr::from_ptr(path) }.to_bytes())
}

/// The flags argument: 0 or SOCKIT_UNIX_REMOVE_STALE.
pub(crate) fn existing(flags: c_int) -> Result<Existing> {
    match flags {
        0 => Ok(Existing::Refuse),
        SOCKIT_UNIX_REMOVE_STALE => Ok(Existing::RemoveStale),
        _ => Err(ErrorCode::EINVAL.into()),
    }
}

/// Writes a name and its NUL to the caller's buffer; `SOCKIT_ERANGE` (nothing written) if it
/// does not fit, `SOCKIT_EINVAL` for a name with a NUL inside (an abstract name sockit did
/// not make), which C could not read whole. Returns the length without the NUL.
fn write_name(buf: &mut [MaybeUninit<u8>], addr: &UnixAddr) -> Result<c_int> {
    let text = addr.text();
    if text.contains(&0) {
        return Err(ErrorCode::EINVAL.into());
    }
    let dest = buf.get_mut(..=text.len()).ok_or(ErrorCode::ERANGE)?;
    for (slot, &byte) in dest.iter_mut().zip(text.iter().chain(&[0])) {
        slot.write(byte);
    }
    c_int::try_from(text.len()).map_err(|_| ErrorCode::ERANGE.into())
}

/// Writes the name `name_of` reads from the caller's socket into the caller's buffer.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
unsafe fn name_into(
    sock: sockit_socket,
    buf: *mut c_char,
    len: usize,
    name_of: impl FnOnce(&Socket) -> Result<UnixAddr>,
) -> c_int {
    call(|| {
        // SAFETY: the caller's promise is passed on; the handle only goes to name calls.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf.cast(), len)?) };
        write_name(buf, &name_of(&sock)?)
    })
}

/// Creates a stream socket listening at path, for local clients (sockit_unix_connect()).
/// backlog is the queue of connections not accepted yet, 0 for the system's maximum. flags is
/// 0 or SOCKIT_UNIX_REMOVE_STALE (see the section's notes on socket files); accept the
/// connections with sockit_accept(), whose peer then has family 0.
///
/// On success writes the listening socket to *out (blocking mode; close it with
/// sockit_close(), and remove the file when done) and returns SOCKIT_OK. Fails with
/// SOCKIT_EADDRINUSE (a file is there: see the notes), SOCKIT_ENOENT (a directory of the path
/// does not exist), SOCKIT_EACCES (no permission to make the file), SOCKIT_ENAMETOOLONG,
/// SOCKIT_EOPNOTSUPP (no Unix domain sockets here, or '@' outside Linux), or SOCKIT_EINVAL
/// (NULL or empty path, NULL out, negative backlog, unknown flags). Does not block.
///
/// # Safety
///
/// `path` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_listen(
    path: *const c_char,
    backlog: c_int,
    flags: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (path, out) = unsafe { (name(path)?, Out::new(out)?) };
        let (backlog, existing) = (boundary::backlog(backlog)?, existing(flags)?);
        let socket = unix::listen(&path, backlog, existing)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Connects a stream socket to the listener at path. timeout_ms bounds the wait for room in
/// the listener's queue, which Linux makes a client wait for when it is full (macOS and the
/// BSDs refuse at once instead, SOCKIT_ECONNREFUSED); SOCKIT_FOREVER waits as long as it
/// takes.
///
/// On success writes the connected socket to *out (blocking mode; close it with
/// sockit_close()) and returns SOCKIT_OK. Fails with SOCKIT_ENOENT (nothing at path),
/// SOCKIT_ECONNREFUSED (a socket file that nothing listens on, or a full queue outside Linux),
/// SOCKIT_ETIMEDOUT (the queue stayed full), SOCKIT_EACCES (no permission to the file),
/// SOCKIT_EOPNOTSUPP (the socket there is a datagram socket; no Unix domain sockets here;
/// '@' outside Linux), SOCKIT_ENAMETOOLONG, or SOCKIT_EINVAL (NULL or empty path, NULL out,
/// timeout_ms of 0).
///
/// Blocks until connected, refused, or out of time.
///
/// # Safety
///
/// `path` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_connect(
    path: *const c_char,
    timeout_ms: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (path, out) = unsafe { (name(path)?, Out::new(out)?) };
        let socket = unix::connect(&path, boundary::timeout(timeout_ms)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Creates a datagram socket bound to path, to receive with sockit_unix_recvfrom() and
/// answer with sockit_unix_sendto(). path NULL makes a client's socket: on Linux bound to a
/// fresh abstract name the system picks, so that replies reach it; elsewhere unnamed, able to
/// send but not to be answered (bind it to a path of its own for that). flags is 0 or
/// SOCKIT_UNIX_REMOVE_STALE, as for sockit_unix_listen(). Datagrams keep their boundaries and
/// are not lost between two live sockets of one machine: a full receiver makes the sender
/// wait.
///
/// On success writes the socket to *out (close it with sockit_close(), and remove its file
/// when done) and returns SOCKIT_OK. Fails as sockit_unix_listen() does (SOCKIT_EOPNOTSUPP
/// also on Windows, which has no Unix domain datagrams). Does not block.
///
/// # Safety
///
/// `path` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_bind(
    path: *const c_char,
    flags: c_int,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let out = unsafe { Out::new(out) }?;
        let path = match path.is_null() {
            true => None,
            // SAFETY: the C caller's promise, as documented above.
            false => Some(unsafe { name(path) }?),
        };
        let socket = unix::bind_datagram(path.as_ref(), existing(flags)?)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}

/// Sends len bytes of buf as one datagram to the Unix domain datagram socket at path.
///
/// Returns the number of bytes sent (all of them), or fails with SOCKIT_ENOENT (nothing at
/// path), SOCKIT_ECONNREFUSED (nothing bound there any more), SOCKIT_EMSGSIZE (larger than
/// the system's send buffer allows), SOCKIT_EAGAIN (non-blocking, and the receiver is full),
/// SOCKIT_ETIMEDOUT (the write timeout expired), SOCKIT_EOPNOTSUPP (the socket there is a
/// stream socket), SOCKIT_ENAMETOOLONG, SOCKIT_EINVAL (NULL buf with len > 0, NULL or empty
/// path), SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// Blocks while the receiving socket's queue is full, unless the socket is non-blocking.
///
/// # Safety
///
/// `buf` is NULL or readable for `len` bytes; `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_sendto(
    sock: sockit_socket,
    buf: *const c_void,
    len: usize,
    path: *const c_char,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, buf, to) = unsafe { (borrow(sock)?, input_bytes(buf, len)?, name(path)?) };
        unix::send_to(&sock, buf, &to).map(byte_count)
    })
}

/// Receives one datagram into buf (len bytes, at least 1) on a Unix domain datagram socket
/// and, if from is not NULL, writes the sender's name and a NUL to from (from_len bytes, at
/// least SOCKIT_UNIX_NAMESTRLEN; "" for a sender with no name, which cannot be answered).
///
/// Returns the datagram's length (0 for an empty one). A datagram longer than len fails with
/// SOCKIT_EMSGSIZE (buf then holds its first len bytes, the rest is discarded, from is not
/// written). Also fails with SOCKIT_EAGAIN (non-blocking, nothing to read), SOCKIT_ETIMEDOUT
/// (the read timeout expired), SOCKIT_EAFNOSUPPORT (not a Unix domain socket), SOCKIT_EINVAL
/// (NULL buf, len 0, from_len below SOCKIT_UNIX_NAMESTRLEN, or a sender's name with a NUL
/// inside, which C cannot read: the datagram is then lost), SOCKIT_EBADF or SOCKIT_ENOTSOCK.
///
/// Blocks until a datagram arrives, unless the socket is non-blocking or has a read timeout.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes; `from` is NULL or writable for `from_len`
/// bytes, and the two do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_recvfrom(
    sock: sockit_socket,
    buf: *mut c_void,
    len: usize,
    from: *mut c_char,
    from_len: usize,
) -> i64 {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf, len)?) };
        let from = match from.is_null() {
            true => None,
            _ if from_len < SOCKIT_UNIX_NAMESTRLEN as usize => {
                return Err(ErrorCode::EINVAL.into());
            }
            // SAFETY: the C caller's promise, as documented above.
            false => Some(unsafe { output_bytes(from.cast(), from_len) }?),
        };
        let (received, sender) = unix::recv_from(&sock, buf)?;
        if let Some(from) = from {
            write_name(from, &sender)?;
        }
        Ok(byte_count(received))
    })
}

/// Writes the name the Unix domain socket is bound to and a NUL into buf (len bytes;
/// SOCKIT_UNIX_NAMESTRLEN is always enough): its path, "@name" for an abstract name, "" if it
/// is unnamed.
///
/// Returns the length of the name (without the NUL); fails with SOCKIT_ERANGE if it does not
/// fit (buf untouched), SOCKIT_EAFNOSUPPORT (not a Unix domain socket), SOCKIT_EINVAL (NULL
/// buf, or a name with a NUL inside), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_local_name(
    sock: sockit_socket,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { name_into(sock, buf, len, unix::local_addr) }
}

/// Writes the name of the connected peer of a Unix domain socket and a NUL into buf, as
/// sockit_unix_local_name() does (often "": clients seldom bind a name).
///
/// Returns the length of the name (without the NUL); fails as sockit_unix_local_name() does,
/// and with SOCKIT_ENOTCONN (no peer). Does not block.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_peer_name(
    sock: sockit_socket,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { name_into(sock, buf, len, unix::peer_addr) }
}

/// Writes who is at the other end of a connected Unix domain socket to *out: the process id
/// (Linux, macOS; -1 elsewhere), user and group id, as the system recorded them when the
/// connection was made (SO_PEERCRED on Linux, getpeereid() on the BSDs and macOS). For a
/// server that serves only some users.
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EAFNOSUPPORT (not a Unix domain socket),
/// SOCKIT_ENOTCONN (not connected, or a listener), SOCKIT_EOPNOTSUPP (Windows tells nothing),
/// SOCKIT_EINVAL (NULL out), SOCKIT_EBADF or SOCKIT_ENOTSOCK; *out is then left alone. Does
/// not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_peer_cred.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_unix_peer_cred(
    sock: sockit_socket,
    out: *mut sockit_peer_cred,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, out) = unsafe { (borrow(sock)?, Out::new(out)?) };
        let cred = unix::peer_credentials(&sock)?;
        out.write(sockit_peer_cred {
            pid: cred.pid.map_or(-1, i64::from),
            uid: cred.uid,
            gid: cred.gid,
        });
        Ok(())
    })
}
