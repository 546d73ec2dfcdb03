//! Header section: connections, as a server's stream callbacks see them.
//!
//! A server in any mode can serve TCP with stream callbacks (sockit_server_set_stream_handler(),
//! in the next section) or a message handler (sockit_server_set_delimited_handler(),
//! sockit_server_set_length_prefixed_handler()): each callback is given the connection as a
//! sockit_conn, through which it writes (a message handler's replies framed with
//! sockit_conn_write_message()), closes, and keeps state of its own. A sockit_conn is valid
//! only during the callback it is given to: keep its context pointer
//! (sockit_conn_set_context()), never the sockit_conn itself.

use std::ffi::{c_int, c_void};

use crate::error::{ErrorCode, Result};
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{Out, call_status, input_bytes};
use crate::ffi::socket::{SOCKIT_INVALID_SOCKET, sockit_socket};
use crate::framing::Framing;
use crate::platform;
use crate::server::Conn;

/// A TCP connection of a server, as its stream callbacks see it. The pointer is valid only
/// during the callback it is given to: do not keep it, and do not use it from another
/// thread. Its context pointer (sockit_conn_set_context()) is how a program keeps its own
/// state per connection from one callback to the next.
#[allow(non_camel_case_types)]
pub struct sockit_conn<'a> {
    pub(crate) conn: &'a mut dyn Conn,
    /// How the connection's messages are framed, given to a message handler's callback.
    pub(crate) framing: Option<&'a Framing>,
}

/// Borrows the connection behind a C pointer; NULL is SOCKIT_EINVAL.
///
/// # Safety
///
/// `conn` is NULL or the handle of a callback that is still running.
unsafe fn borrow_conn<'a, 'b>(conn: *mut sockit_conn<'b>) -> Result<&'a mut dyn Conn>
where
    'b: 'a,
{
    // SAFETY: the caller's promise is passed on; the handle lives as long as the callback.
    match unsafe { conn.as_mut() } {
        Some(handle) => Ok(&mut *handle.conn),
        None => Err(ErrorCode::EINVAL.into()),
    }
}

/// Sends all len bytes of data to the connection's peer. In the event loop the call never
/// blocks: what the socket takes at once is sent, the rest is queued and sent as the peer
/// takes it; while anything is queued the server stops reading from this connection, so a
/// peer that does not read cannot make it buffer without limit. In the other modes the bytes
/// are sent before the call returns (blocking, like sockit_send_all()); on a TLS server
/// (sockit_server_set_tls()) they are encrypted first.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_ENOTCONN (the connection is closing or broken),
/// SOCKIT_EPIPE or SOCKIT_ECONNRESET (the peer went away: the connection then closes),
/// SOCKIT_ENOMEM, or SOCKIT_EINVAL (NULL conn, NULL data with len > 0).
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback; `data` is NULL or readable
/// for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_write(
    conn: *mut sockit_conn,
    data: *const c_void,
    len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (conn, data) = unsafe { (borrow_conn(conn)?, input_bytes(data, len)?) };
        conn.write(data)
    })
}

/// Sends the len bytes at msg to the connection's peer as one message, framed as the
/// messages the server's message handler reads (sockit_server_set_delimited_handler(): msg
/// and then the delimiter; sockit_server_set_length_prefixed_handler(): its length as 4
/// bytes, most significant first, then msg), in one write: queued in the event loop, sent
/// before the call returns in the other modes, as sockit_conn_write() does.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL conn; NULL msg with len > 0; a conn
/// given to a callback other than a message handler's; a message that holds the delimiter,
/// or whose end and the delimiter hold it, so that the peer would not read it back whole),
/// SOCKIT_EMSGSIZE (len over 4 GiB - 1, length-prefixed), or as sockit_conn_write() fails.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback; `msg` is NULL or readable
/// for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_write_message(
    conn: *mut sockit_conn,
    msg: *const c_void,
    len: usize,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (handle, msg) = unsafe { (conn.as_mut(), input_bytes(msg, len)?) };
        let handle = handle.ok_or(ErrorCode::EINVAL)?;
        let framed = handle.framing.ok_or(ErrorCode::EINVAL)?.encode(msg)?;
        handle.conn.write(&framed)
    })
}

/// Closes the connection once everything written has been sent; no more callbacks but
/// on_close follow. Returns SOCKIT_OK, or SOCKIT_EINVAL for NULL. Does not block.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_close(conn: *mut sockit_conn) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { borrow_conn(conn) }?.close();
        Ok(())
    })
}

/// Writes the peer's address into *out (family 0 if it is not an IP address). Fails with
/// SOCKIT_EINVAL for NULL arguments. Does not block.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback; `out` is NULL or points to a
/// sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_peer(conn: *mut sockit_conn, out: *mut sockit_addr) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (conn, out) = unsafe { (borrow_conn(conn)?, Out::new(out)?) };
        out.write(sockit_addr::from_peer(conn.peer()));
        Ok(())
    })
}

/// The connection's socket, for options (sockit_set_nodelay() and the like). Do not read,
/// write or close it: the server does. On a TLS server (sockit_server_set_tls()) its bytes
/// are the encrypted records; sockit_conn_write() and the callbacks' data are the plaintext.
/// SOCKIT_INVALID_SOCKET for NULL. Does not block.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_socket(conn: *mut sockit_conn) -> sockit_socket {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    match unsafe { borrow_conn(conn) } {
        Ok(conn) => platform::raw(conn.socket()),
        Err(_) => SOCKIT_INVALID_SOCKET,
    }
}

/// Attaches a pointer of the program's own to the connection (per-connection state: set it
/// in on_open, release it in on_close). sockit never looks at it. Returns SOCKIT_OK, or
/// SOCKIT_EINVAL for NULL conn. Does not block.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_set_context(
    conn: *mut sockit_conn,
    context: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let conn = unsafe { borrow_conn(conn) }?;
        // The core keeps a word; the pointer's provenance is exposed so that
        // sockit_conn_context() can give the same pointer back.
        conn.set_user_data(context.expose_provenance());
        Ok(())
    })
}

/// The pointer attached with sockit_conn_set_context(), or NULL (also for NULL conn). Does
/// not block.
///
/// # Safety
///
/// `conn` is NULL or the handle given to the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_conn_context(conn: *mut sockit_conn) -> *mut c_void {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    match unsafe { borrow_conn(conn) } {
        Ok(conn) => std::ptr::with_exposed_provenance_mut(conn.user_data()),
        Err(_) => std::ptr::null_mut(),
    }
}
