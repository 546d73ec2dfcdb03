//! Header section: connections in the event loop.
//!
//! A connection of a loop is made three ways: accepted by a listener
//! (sockit_loop_listen(), sockit_loop_unix_listen()), connected by the loop
//! (sockit_loop_connect(), which resolves the name off the loop's thread and tries each
//! address in turn; sockit_loop_unix_connect()), or adopted from the program's own code
//! (sockit_loop_adopt()). Its callbacks come in a sockit_loop_callbacks,
//! all optional:
//!
//! ```c
//! /* on_connect, on_data, on_eof, on_close, on_queue_full, on_drain, on_message */
//! sockit_loop_callbacks echo = {NULL, echo_data, NULL, NULL, NULL, NULL, NULL};
//! sockit_handle listener;
//! /* echo_data(loop, conn, bytes, len, data) writes the bytes back to conn */
//! sockit_loop_listen(loop, NULL, 7, &echo, NULL, &listener);
//! ```
//!
//! Writes never block: what the socket does not take at once is copied into the
//! connection's queue and sent as the peer reads. The queue has a bound (1 MiB unless
//! sockit_loop_set_queue_limit() says otherwise): the write that takes the queue to it
//! calls on_queue_full, and writes fail with SOCKIT_ENOBUFS until it drains (on_drain), so
//! a peer that does not read can never make the program buffer without limit. A producer
//! that must not lose bytes pauses (sockit_loop_pause_reading() of the connection it copies
//! from, say) in on_queue_full and resumes in on_drain.
//!
//! A connection can also be read as messages (sockit_loop_frame_delimited(),
//! sockit_loop_frame_length_prefixed(), the sockit_reader rules): on_message then gets each
//! whole message, so a line server is one callback.
//!
//! Every connection ends with exactly one on_close, its last callback; until on_close has
//! returned, its handle stays valid.

use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;

use crate::error::{ErrorCode, Result};
use crate::event_loop::{Handle, Loop, StreamEvents};
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{self, Out, byte_count, call, call_status, input_bytes, read_in};
use crate::ffi::event_loop::{LoopPointer, core, sockit_handle, sockit_loop};
use crate::ffi::framing::nul_terminated;
use crate::ffi::server_handlers::UserPointer;
use crate::ffi::socket::sockit_socket;
use crate::framing::Framing;
use crate::net::socket::Bind;
use crate::platform;

/// A connection's callback with a status (on_connect, on_close): SOCKIT_OK or a
/// SOCKIT_E... code.
#[allow(non_camel_case_types)]
pub type sockit_loop_status_fn = Option<
    unsafe extern "C" fn(
        r#loop: *mut sockit_loop,
        conn: sockit_handle,
        status: c_int,
        data: *mut c_void,
    ),
>;

/// A connection's data callback: len bytes (at least 1) at bytes, valid during the call.
#[allow(non_camel_case_types)]
pub type sockit_loop_data_fn = Option<
    unsafe extern "C" fn(
        r#loop: *mut sockit_loop,
        conn: sockit_handle,
        bytes: *const c_void,
        len: usize,
        data: *mut c_void,
    ),
>;

/// A connection's callback with nothing more to say (on_eof, on_drain).
#[allow(non_camel_case_types)]
pub type sockit_loop_conn_fn =
    Option<unsafe extern "C" fn(r#loop: *mut sockit_loop, conn: sockit_handle, data: *mut c_void)>;

/// A connection's callback with a byte count (on_queue_full: the bytes queued).
#[allow(non_camel_case_types)]
pub type sockit_loop_count_fn = Option<
    unsafe extern "C" fn(
        r#loop: *mut sockit_loop,
        conn: sockit_handle,
        count: usize,
        data: *mut c_void,
    ),
>;

/// A framed connection's message callback (sockit_loop_frame_delimited(),
/// sockit_loop_frame_length_prefixed()): status SOCKIT_OK for a whole message of len bytes
/// at msg, followed in memory by a NUL byte (not counted), so that a text message can be
/// used as a C string; SOCKIT_EMSGSIZE (len 0) for a message longer than the framing's
/// maximum, which is skipped; SOCKIT_ETRUNCATED for the len bytes that arrived of a message
/// the stream ended inside (all that came after the last whole message: with
/// length-prefixed messages, the length's bytes too; on_eof follows). msg is valid during the call and never NULL.
#[allow(non_camel_case_types)]
pub type sockit_loop_message_fn = Option<
    unsafe extern "C" fn(
        r#loop: *mut sockit_loop,
        conn: sockit_handle,
        msg: *const c_void,
        len: usize,
        status: c_int,
        data: *mut c_void,
    ),
>;

/// The callbacks of a connection; any may be NULL. Each receives the loop, the connection's
/// handle and the pointer kept with it (the user pointer given when the connection was made,
/// until sockit_handle_set_data() changes it). They run on the loop's thread and may call
/// any function of the loop, close their own connection included.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct sockit_loop_callbacks {
    /// The connection is made (status SOCKIT_OK: accepted, connected or adopted), or an
    /// outgoing one failed (status SOCKIT_ECONNREFUSED, SOCKIT_ETIMEDOUT, a resolver error,
    /// and so on), and on_close follows.
    pub on_connect: sockit_loop_status_fn,
    /// Bytes arrived.
    pub on_data: sockit_loop_data_fn,
    /// The peer finished sending. The connection stays open for writing: close it, or shut
    /// it down (sockit_loop_shutdown()) and it closes once both sides have finished.
    pub on_eof: sockit_loop_conn_fn,
    /// The connection is closed: its last callback (release what data points to here).
    /// status is SOCKIT_OK when the program closed it or both sides finished, else why it
    /// ended: SOCKIT_ECONNRESET, SOCKIT_EPIPE, SOCKIT_ETIMEDOUT, SOCKIT_ECANCELED (the loop
    /// was freed)...
    pub on_close: sockit_loop_status_fn,
    /// A write took the queue to its bound, or was the first refused for it (a bound
    /// lowered below what is queued) (count: the bytes queued): from now on writes fail
    /// with SOCKIT_ENOBUFS until on_drain. Pause the producer, drop the peer, or close.
    pub on_queue_full: sockit_loop_count_fn,
    /// The queue that was full has been sent (not called once the connection is closing).
    pub on_drain: sockit_loop_conn_fn,
    /// A whole message arrived, on a connection given a framing; such a connection's bytes
    /// go here instead of on_data.
    pub on_message: sockit_loop_message_fn,
}

/// A C program's callbacks, as the core's connection events.
struct CEvents {
    callbacks: sockit_loop_callbacks,
    lp: LoopPointer,
}

fn user(data: usize) -> *mut c_void {
    std::ptr::with_exposed_provenance_mut(data)
}

fn status(status: Result<()>) -> c_int {
    match status {
        Ok(()) => 0,
        Err(err) => err.code().value(),
    }
}

// SAFETY (every call below): the callbacks' contract is the C program's; the loop outlives
// them, and `bytes` lives through the call.
impl StreamEvents for CEvents {
    fn on_connect(&self, _: &Loop, conn: Handle, data: usize, result: Result<()>) {
        if let Some(f) = self.callbacks.on_connect {
            // SAFETY: see above.
            unsafe { f(self.lp.get(), conn.raw(), status(result), user(data)) }
        }
    }

    fn on_data(&self, _: &Loop, conn: Handle, data: usize, bytes: &[u8]) {
        if let Some(f) = self.callbacks.on_data {
            // SAFETY: see above.
            unsafe {
                f(
                    self.lp.get(),
                    conn.raw(),
                    bytes.as_ptr().cast(),
                    bytes.len(),
                    user(data),
                )
            }
        }
    }

    fn on_message(&self, _: &Loop, conn: Handle, data: usize, msg: &[u8], result: Result<()>) {
        let Some(f) = self.callbacks.on_message else {
            return;
        };
        nul_terminated(msg, result.is_ok(), |msg| {
            // SAFETY: see above; `msg` is followed by a NUL byte that lives through the call.
            unsafe {
                f(
                    self.lp.get(),
                    conn.raw(),
                    msg.as_ptr().cast(),
                    msg.len(),
                    status(result),
                    user(data),
                )
            }
        })
    }

    fn on_eof(&self, _: &Loop, conn: Handle, data: usize) {
        if let Some(f) = self.callbacks.on_eof {
            // SAFETY: see above.
            unsafe { f(self.lp.get(), conn.raw(), user(data)) }
        }
    }

    fn on_close(&self, _: &Loop, conn: Handle, data: usize, result: Result<()>) {
        if let Some(f) = self.callbacks.on_close {
            // SAFETY: see above.
            unsafe { f(self.lp.get(), conn.raw(), status(result), user(data)) }
        }
    }

    fn on_queue_full(&self, _: &Loop, conn: Handle, data: usize, queued: usize) {
        if let Some(f) = self.callbacks.on_queue_full {
            // SAFETY: see above.
            unsafe { f(self.lp.get(), conn.raw(), queued, user(data)) }
        }
    }

    fn on_drain(&self, _: &Loop, conn: Handle, data: usize) {
        if let Some(f) = self.callbacks.on_drain {
            // SAFETY: see above.
            unsafe { f(self.lp.get(), conn.raw(), user(data)) }
        }
    }
}

/// The callbacks a program passed (copied: the program's struct may be on its stack).
///
/// # Safety
///
/// `callbacks` is NULL or points to a sockit_loop_callbacks.
unsafe fn events(
    lp: *mut sockit_loop,
    callbacks: *const sockit_loop_callbacks,
) -> Result<Rc<dyn StreamEvents>> {
    // SAFETY: the caller's promise is passed on; function pointers and NULL are the only
    // values a C struct of function pointers holds.
    let callbacks = unsafe { read_in(callbacks) }?;
    Ok(Rc::new(CEvents {
        callbacks,
        lp: LoopPointer::new(lp),
    }))
}

/// What every call that makes a listener or a connection does: checks the loop, copies the
/// callbacks and takes the out-parameter; `make` (given the loop, the events and the user's
/// word) makes the handle, which is written to *out.
///
/// # Safety
///
/// As the calling function's: `lp` is NULL or a live loop, used by the calling thread only;
/// `callbacks` is NULL or points to a sockit_loop_callbacks; `out` is NULL or points to a
/// sockit_handle.
pub(crate) unsafe fn new_handle(
    lp: *mut sockit_loop,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
    make: impl FnOnce(&Loop, Rc<dyn StreamEvents>, usize) -> Result<Handle>,
) -> c_int {
    call_status(|| {
        // SAFETY: the caller's promises, passed on.
        let (core, events, out) = unsafe { (core(lp)?, events(lp, callbacks)?, Out::new(out)?) };
        out.write(make(core, events, UserPointer(user).word())?.raw());
        Ok(())
    })
}

/// Listens for TCP connections on host and port (host NULL or "": every address, IPv4 and
/// IPv6 at once, as sockit_tcp_listen(); port 0: the system picks one, which
/// sockit_loop_local_addr() tells). Each connection accepted gets the callbacks (copied)
/// and user as its data, and starts with on_connect(SOCKIT_OK). It keeps the system's
/// Nagle's algorithm (small writes coalesced while earlier bytes are unacknowledged); a
/// program that relays or answers in several small writes and wants each to go at once sets
/// sockit_set_nodelay() on sockit_loop_socket(), as c_examples/tcp_proxy.c does.
/// Closing the listener
/// (sockit_loop_close()) stops accepting; the connections stay. On success writes the
/// listener's handle to *out and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL loop,
/// callbacks or out; a bad port), SOCKIT_EADDRINUSE, SOCKIT_EACCES, SOCKIT_EMFILE or a
/// resolver error for host; SOCKIT_ECANCELED from a callback run by sockit_loop_free().
/// Does not block, except to resolve a host name.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `host` is NULL or a
/// NUL-terminated string; `callbacks` is NULL or points to a sockit_loop_callbacks; `out`
/// is NULL or points to a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_listen(
    r#loop: *mut sockit_loop,
    host: *const c_char,
    port: c_int,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says, for the
    // pointers new_handle reads and those the closure reads.
    unsafe {
        new_handle(r#loop, callbacks, user, out, |lp, events, data| {
            let host = boundary::optional_text(host)?;
            lp.listen(Bind::host_or_any(host, boundary::port(port)?), events, data)
        })
    }
}

/// Connects to host (a name or an IPv4 or IPv6 address) on port, in the loop: the name is
/// resolved on the loop's worker threads, then each address is tried in turn, all within
/// timeout_ms milliseconds (SOCKIT_FOREVER: the system's own limit for each attempt). The
/// result comes to on_connect: SOCKIT_OK, or the failure (SOCKIT_ECONNREFUSED,
/// SOCKIT_ETIMEDOUT, SOCKIT_ENETUNREACH, a resolver error such as SOCKIT_EAI_NONAME...),
/// and then on_close. A connection made keeps Nagle's algorithm, as an accepted one. The
/// handle is written to *out at once: closing it gives up the
/// connect (on_close(SOCKIT_OK), no on_connect). Returns SOCKIT_OK; fails at once only with
/// SOCKIT_EINVAL (NULL loop, host, callbacks or out; a bad port or timeout; a host that is
/// neither a name nor an address), SOCKIT_ENOMEM, SOCKIT_EAGAIN (no thread can be started
/// to resolve a name) or SOCKIT_ECANCELED (from a callback run by sockit_loop_free()).
/// Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `host` is NULL or a
/// NUL-terminated string; `callbacks` is NULL or points to a sockit_loop_callbacks; `out`
/// is NULL or points to a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_connect(
    r#loop: *mut sockit_loop,
    host: *const c_char,
    port: c_int,
    timeout_ms: c_int,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says, for the
    // pointers new_handle reads and those the closure reads.
    unsafe {
        new_handle(r#loop, callbacks, user, out, |lp, events, data| {
            let host = boundary::text(host)?;
            let (port, timeout) = (boundary::port(port)?, boundary::timeout(timeout_ms)?);
            lp.connect(host, port, timeout, events, data)
        })
    }
}

/// Hands a connected stream socket (TCP, or Unix domain) from the program's own code to the
/// loop: from now on the loop owns it (sockit_loop_close() closes it; do not close sock
/// yourself). on_connect (SOCKIT_OK) comes in the next round. On success writes the handle
/// to *out and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL loop, callbacks or out),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK (not an open socket), SOCKIT_EOPNOTSUPP (not a stream
/// socket: UDP, say), SOCKIT_ENOTCONN (not connected), SOCKIT_ENOMEM or SOCKIT_ECANCELED
/// (from a callback run by sockit_loop_free()); on failure sock is still the program's. Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `callbacks` is NULL or
/// points to a sockit_loop_callbacks; `out` is NULL or points to a sockit_handle; `sock` is
/// not used by the program after a success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_adopt(
    r#loop: *mut sockit_loop,
    sock: sockit_socket,
    callbacks: *const sockit_loop_callbacks,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, events, out) =
            unsafe { (core(r#loop)?, events(r#loop, callbacks)?, Out::new(out)?) };
        // SAFETY: the program hands the socket over (the C caller's promise); it is given
        // back (never closed) on failure.
        let socket = unsafe { platform::own_socket(sock) }.ok_or(ErrorCode::EBADF)?;
        match lp.adopt(socket, events, UserPointer(user).word()) {
            Ok(handle) => {
                out.write(handle.raw());
                Ok(())
            }
            Err((socket, err)) => {
                let _ = platform::into_raw(socket);
                Err(err)
            }
        }
    })
}

/// Sends len bytes of data to a connection's peer. Never blocks: what the socket does not
/// take at once is copied into the connection's queue and sent as the peer reads (the
/// program may reuse data at once). Returns SOCKIT_OK. Fails with SOCKIT_ENOBUFS (the queue
/// holds its bound or more: nothing was sent; see on_queue_full), SOCKIT_ENOTCONN (closing,
/// or not connected yet), SOCKIT_EPIPE (after sockit_loop_shutdown()), SOCKIT_ECONNRESET
/// or another system error (the connection broke: on_close follows), SOCKIT_EBADF (not an
/// open handle of this loop), SOCKIT_ENOTSOCK (a timer), SOCKIT_ENOMEM, or SOCKIT_EINVAL
/// (NULL loop; NULL data with len > 0).
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `data` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_write(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    data: *const c_void,
    len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, data) = unsafe { (core(r#loop)?, input_bytes(data, len)?) };
        lp.write(Handle::from_raw(conn), data)
    })
}

/// Closes a connection at once, throwing away what is queued: the peer sees a reset
/// (SOCKIT_ECONNRESET). on_close(SOCKIT_OK) follows in a later round. Any other handle closes
/// as with sockit_loop_close(). Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop) or
/// SOCKIT_EBADF (not an open handle of this loop). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_abort(r#loop: *mut sockit_loop, conn: sockit_handle) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.abort(Handle::from_raw(conn))
    })
}

/// Finishes sending on a connection (a half-close): once its queue is sent, the peer reads
/// the end of the stream. Reading goes on; the connection closes by itself
/// (on_close(SOCKIT_OK)) once the peer has finished too. Writes fail with SOCKIT_EPIPE from
/// now on. Returns SOCKIT_OK; fails with SOCKIT_ENOTCONN (closing, or not connected yet),
/// SOCKIT_EBADF, SOCKIT_ENOTSOCK (a timer) or SOCKIT_EINVAL (NULL loop). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_shutdown(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.shutdown(Handle::from_raw(conn))
    })
}

/// Stops reading from a connection: no on_data until sockit_loop_resume_reading(). The
/// peer's bytes wait in the system's buffers, and once those are full the peer's own sends
/// wait (back-pressure). Returns SOCKIT_OK; fails with SOCKIT_ENOTCONN (not connected yet,
/// or a listener), SOCKIT_EBADF, SOCKIT_ENOTSOCK (a timer) or SOCKIT_EINVAL (NULL loop).
/// Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_pause_reading(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.pause_reading(Handle::from_raw(conn), true)
    })
}

/// Reads from a connection again after sockit_loop_pause_reading(). Fails as
/// sockit_loop_pause_reading() does. Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_resume_reading(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.pause_reading(Handle::from_raw(conn), false)
    })
}

/// The number of bytes written to a connection and not sent yet (0 or more). Fails with
/// SOCKIT_EBADF, SOCKIT_ENOTSOCK (a timer) or SOCKIT_EINVAL (NULL loop). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_queued(r#loop: *mut sockit_loop, conn: sockit_handle) -> i64 {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        lp.queued(Handle::from_raw(conn)).map(byte_count)
    })
}

/// Sets the bound of a connection's queue, in bytes (1 MiB unless set): the write that
/// takes the queue to it calls on_queue_full, and writes fail with SOCKIT_ENOBUFS while the
/// queue holds that much or more (lowered below what is queued: the first write refused
/// calls on_queue_full, and on_drain follows once the queue is sent). Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop,
/// limit 0 or over PTRDIFF_MAX), SOCKIT_ENOTCONN (not connected yet: set it in on_connect), SOCKIT_EBADF or
/// SOCKIT_ENOTSOCK (a timer). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_set_queue_limit(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    limit: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        if limit > isize::MAX as usize {
            return Err(ErrorCode::EINVAL.into());
        }
        lp.set_queue_limit(Handle::from_raw(conn), limit)
    })
}

/// Writes a connection's peer address to *out (family 0 if it is not an IP address: a Unix
/// domain connection's peer, whose name sockit_unix_peer_name() on sockit_loop_socket()
/// tells); valid in on_close too. Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop or out),
/// SOCKIT_ENOTCONN (not connected yet, or a listener), SOCKIT_EBADF or SOCKIT_ENOTSOCK (a
/// timer). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `out` is NULL or points
/// to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_peer(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    out: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, out) = unsafe { (core(r#loop)?, Out::new(out)?) };
        out.write(sockit_addr::from_peer(lp.peer(Handle::from_raw(conn))?));
        Ok(())
    })
}

/// Writes the local address of a listener, a UDP socket or a connection to *out (the port
/// the system picked for one bound to port 0; family 0 for a Unix domain socket, whose name
/// sockit_unix_local_name() on sockit_loop_socket() tells). Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop
/// or out), SOCKIT_ENOTCONN (not connected yet), SOCKIT_EBADF or SOCKIT_ENOTSOCK (a timer).
/// Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `out` is NULL or points
/// to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_local_addr(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    out: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, out) = unsafe { (core(r#loop)?, Out::new(out)?) };
        out.write(sockit_addr::from_peer(
            lp.local_addr(Handle::from_raw(handle))?,
        ));
        Ok(())
    })
}

/// The socket of a listener, a UDP socket or a connection, lent to the program to read or
/// set its options (sockit_set_nodelay(), sockit_get_send_buffer()...) or, for a Unix
/// domain one, to ask for the names and the peer's credentials (sockit_unix_peer_name(),
/// sockit_unix_peer_cred()). Do not read, write, shut down or close it, nor make it
/// blocking: the loop does all that. On success writes the socket to *out (valid until the
/// handle closes) and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL loop or out),
/// SOCKIT_ENOTCONN (a connect still being made, or a connection whose on_close is running),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK (a timer). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `out` is NULL or points
/// to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_socket(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, out) = unsafe { (core(r#loop)?, Out::new(out)?) };
        out.write(lp.with_socket(Handle::from_raw(handle), platform::raw)?);
        Ok(())
    })
}

/// Reads a connection as messages that each end with the delim_len bytes at delim (copied;
/// at least one byte), of at most max_len bytes before the delimiter (the
/// sockit_reader_new_delimited() rules): from now on each whole message goes to
/// on_message, and on_data is no longer called. Set it in on_connect: bytes that arrived
/// before went to on_data. It may change a framing set before (a line handshake, then
/// length-prefixed frames: switch in on_message): the bytes received after the last
/// message handed out are read with the new one. Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop, NULL or
/// empty delimiter), SOCKIT_ENOTCONN (not connected yet, or not a connection), SOCKIT_EBADF
/// or SOCKIT_ENOTSOCK (a timer). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `delim` is NULL or
/// readable for `delim_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_frame_delimited(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    delim: *const c_void,
    delim_len: usize,
    max_len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, delim) = unsafe { (core(r#loop)?, input_bytes(delim, delim_len)?) };
        lp.set_framing(Handle::from_raw(conn), Framing::delimited(delim, max_len)?)
    })
}

/// Reads a connection as length-prefixed messages (a 4-byte length, most significant byte
/// first, then the message) of at most max_len bytes (a larger max_len means 4 GiB - 1, the
/// most 4 bytes can say; the
/// sockit_reader_new_length_prefixed() rules): from now on each whole message goes to
/// on_message, and on_data is no longer called. Set it in on_connect; it may change a
/// framing set before, as sockit_loop_frame_delimited() says. Returns SOCKIT_OK; fails with
/// SOCKIT_EINVAL (NULL loop), SOCKIT_ENOTCONN (not connected yet, or not a
/// connection), SOCKIT_EBADF or SOCKIT_ENOTSOCK (a timer). Does not block.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_frame_length_prefixed(
    r#loop: *mut sockit_loop,
    conn: sockit_handle,
    max_len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        lp.set_framing(Handle::from_raw(conn), Framing::length_prefixed(max_len))
    })
}
