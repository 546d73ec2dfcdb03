//! Header section: Unix domain sockets in the event loop.
//!
//! A loop listens on and connects to Unix domain stream sockets (a path, or on Linux an
//! '@name' in the abstract namespace, as in the section on Unix domain sockets). Their
//! connections are like the loop's TCP connections in every way (the same callbacks,
//! writes, queue bound, framings, close, shutdown, pausing), but for their addresses:
//! sockit_loop_peer() and sockit_loop_local_addr() give an address of family 0 for them,
//! and the Unix domain names and the peer's credentials come from the socket
//! (sockit_loop_socket(), then sockit_unix_peer_name(), sockit_unix_local_name(),
//! sockit_unix_peer_cred()). A connected Unix domain socket of the program's own is adopted
//! with sockit_loop_adopt(), as a TCP one.
//!
//! ```c
//! sockit_handle listener;
//! /* on_message(loop, conn, msg, len, status, data) answers each line */
//! if (sockit_loop_unix_listen(loop, "/tmp/app.sock", SOCKIT_UNIX_REMOVE_STALE, &callbacks,
//!                             NULL, &listener) < 0) ...
//! ```

use std::ffi::{c_char, c_int, c_void};

use crate::ffi::boundary;
use crate::ffi::event_loop::{sockit_handle, sockit_loop};
use crate::ffi::loop_tcp::{new_handle, sockit_loop_callbacks};
use crate::ffi::unix::{existing, name};

/// Listens for connections on a Unix domain stream socket at path (a path, or '@name' on
/// Linux). flags is 0 or SOCKIT_UNIX_REMOVE_STALE, as for sockit_unix_listen(); the queue
/// of connections not yet accepted is the system's maximum. Each connection accepted gets
/// the callbacks (copied) and user as its data, and starts with on_connect(SOCKIT_OK).
/// Closing the listener (sockit_loop_close(), or sockit_loop_free()) stops accepting and
/// removes the socket file (unless another file has taken its place meanwhile); the
/// connections stay. On success writes the listener's handle to *out and returns
/// SOCKIT_OK. Fails with SOCKIT_EADDRINUSE (a file is there: see sockit_unix_listen()),
/// SOCKIT_ENOENT (a directory of the path does not exist), SOCKIT_EACCES,
/// SOCKIT_ENAMETOOLONG, SOCKIT_EOPNOTSUPP (no Unix domain sockets here, or '@' outside
/// Linux), SOCKIT_EMFILE, or SOCKIT_EINVAL (NULL loop, path, callbacks or out; an empty
/// path; unknown flags); SOCKIT_ECANCELED from a callback run by sockit_loop_free(). Does
/// not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `path` is NULL or a
/// NUL-terminated string; `callbacks` is NULL or points to a sockit_loop_callbacks; `out`
/// is NULL or points to a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_unix_listen(
    r#loop: *mut sockit_loop,
    path: *const c_char,
    flags: c_int,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says, for the
    // pointers new_handle reads and those the closure reads.
    unsafe {
        new_handle(r#loop, callbacks, user, out, |lp, events, data| {
            let path = name(path)?;
            lp.listen_unix(&path, existing(flags)?, events, data)
        })
    }
}

/// Connects to the Unix domain stream socket at path (a path, or '@name' on Linux), in the
/// loop, within timeout_ms milliseconds (SOCKIT_FOREVER: as long as it takes). A listener
/// whose queue is full makes the connect wait (Linux: it is tried again every 10 ms until
/// there is room or the time is up; macOS and the BSDs refuse at once, SOCKIT_ECONNREFUSED).
/// The result comes to on_connect: SOCKIT_OK, or the failure (SOCKIT_ENOENT: nothing at
/// path; SOCKIT_ECONNREFUSED: a socket file nothing listens on; SOCKIT_ETIMEDOUT;
/// SOCKIT_EACCES; SOCKIT_EOPNOTSUPP: a datagram socket there, or no Unix domain sockets
/// here...), and then on_close. The handle is written to *out at once: closing it gives up
/// the connect (on_close(SOCKIT_OK), no on_connect). Returns SOCKIT_OK; fails at once only
/// with SOCKIT_ENAMETOOLONG, SOCKIT_EOPNOTSUPP ('@' outside Linux), SOCKIT_ENOMEM, or
/// SOCKIT_EINVAL (NULL loop, path, callbacks or out; an empty path; a bad timeout);
/// SOCKIT_ECANCELED from a callback run by sockit_loop_free(). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `path` is NULL or a
/// NUL-terminated string; `callbacks` is NULL or points to a sockit_loop_callbacks; `out`
/// is NULL or points to a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_unix_connect(
    r#loop: *mut sockit_loop,
    path: *const c_char,
    timeout_ms: c_int,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says, for the
    // pointers new_handle reads and those the closure reads.
    unsafe {
        new_handle(r#loop, callbacks, user, out, |lp, events, data| {
            let path = name(path)?;
            lp.connect_unix(&path, boundary::timeout(timeout_ms)?, events, data)
        })
    }
}
