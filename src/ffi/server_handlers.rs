//! The C program's server callbacks as the core's handlers, and the connection handle the
//! stream callbacks receive.

use std::ffi::{c_int, c_void};
use std::net::SocketAddr;
use std::ptr;
use std::sync::Arc;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::ffi::addr::sockit_addr;
use crate::ffi::conn::sockit_conn;
use crate::ffi::framing::nul_terminated;
use crate::ffi::socket::sockit_socket;
use crate::framing::Framing;
use crate::platform;
use crate::server::{Conn, Handler, MessageHandler, StreamHandler, TimerOutcome};

/// Serves one TCP connection in blocking style (iterative, threaded and forking modes): sock
/// is the connected socket in blocking mode, peer the client's address (family 0 if it is
/// not an IP address; valid during the call), user the pointer given with the handler.
/// Return when done with the client. The server closes sock afterwards: do not close it.
#[allow(non_camel_case_types)]
pub type sockit_tcp_handler_fn =
    Option<unsafe extern "C" fn(sock: sockit_socket, peer: *const sockit_addr, user: *mut c_void)>;

/// Serves one UDP datagram: msg and len are the message (valid during the call; len may be
/// 0, and msg is never NULL, so memcpy() and the like may take it as it is), peer its
/// sender (valid during the call: copy the sockit_addr to reply later), sock the server's
/// socket to reply with (sockit_sendto() to peer). sock stays open until sockit_server_run()
/// returns, so a reply from a timer or another thread may use it until then; do not close
/// it. A datagram from port 0, which no reply can reach, is never given to the handler: the
/// server skips it and says so on stderr (at most one line a second).
#[allow(non_camel_case_types)]
pub type sockit_udp_handler_fn = Option<
    unsafe extern "C" fn(
        sock: sockit_socket,
        msg: *const c_void,
        len: usize,
        peer: *const sockit_addr,
        user: *mut c_void,
    ),
>;

/// Told that a connection opened (on_open) or is closing (on_close; writing is no longer
/// possible, and it is the last call for conn).
#[allow(non_camel_case_types)]
pub type sockit_conn_fn = Option<unsafe extern "C" fn(conn: *mut sockit_conn, user: *mut c_void)>;

/// Given the bytes that arrived on conn: data and len are valid during the call. len 0 (data
/// NULL) means the peer has finished sending: what you write now is still delivered, then
/// the connection closes.
#[allow(non_camel_case_types)]
pub type sockit_data_fn = Option<
    unsafe extern "C" fn(
        conn: *mut sockit_conn,
        data: *const c_void,
        len: usize,
        user: *mut c_void,
    ),
>;

/// Given one whole message of conn (sockit_server_set_delimited_handler(),
/// sockit_server_set_length_prefixed_handler()): status SOCKIT_OK for a message of len bytes
/// at msg (without its delimiter or length), followed in memory by a NUL byte (not counted),
/// so that a text message can be used as a C string; SOCKIT_EMSGSIZE (len 0) for a message
/// longer than the handler's maximum, which is skipped; SOCKIT_ETRUNCATED for the len bytes
/// that arrived of a message the stream ended inside (all that came after the last whole
/// message: with length-prefixed messages, the length's bytes too): the last call for conn,
/// which closes once what is written now is sent. msg is valid during the call and never
/// NULL. Reply with sockit_conn_write_message() (framed as the messages are) or
/// sockit_conn_write().
#[allow(non_camel_case_types)]
pub type sockit_message_fn = Option<
    unsafe extern "C" fn(
        conn: *mut sockit_conn,
        msg: *const c_void,
        len: usize,
        status: c_int,
        user: *mut c_void,
    ),
>;

/// Called once per timer: status SOCKIT_OK when its time came, SOCKIT_ECANCELED when the
/// server ended (or was freed) first. arg is the pointer given with the timer.
#[allow(non_camel_case_types)]
pub type sockit_timer_fn = Option<unsafe extern "C" fn(status: c_int, arg: *mut c_void)>;

/// The C program's pointer, handed back to its callbacks.
#[derive(Clone, Copy)]
pub(crate) struct UserPointer(pub(crate) *mut c_void);

impl UserPointer {
    /// The pointer. (A method, so that closures capture the whole `Send` wrapper rather than
    /// the raw pointer field.)
    pub(crate) fn get(self) -> *mut c_void {
        self.0
    }

    /// The pointer as the core keeps it: a word, with its provenance exposed so that the
    /// same pointer can be made from it again.
    pub(crate) fn word(self) -> usize {
        self.0.expose_provenance()
    }
}

// SAFETY: sockit never dereferences the pointer; it only hands it back to the program's own
// callbacks, which the header warns may run on several threads at once (threaded mode).
unsafe impl Send for UserPointer {}
// SAFETY: as above.
unsafe impl Sync for UserPointer {}

/// A blocking TCP handler from C.
pub(crate) fn connection_handler(
    handler: sockit_tcp_handler_fn,
    user: UserPointer,
) -> Option<Handler> {
    let handler = handler?;
    Some(Handler::Tcp(Arc::new(
        move |socket: &Socket, peer: Option<SocketAddr>| {
            let peer = sockit_addr::from_peer(peer);
            // SAFETY: the handler's contract is the C program's; the socket and `peer` live
            // through the call.
            unsafe { handler(platform::raw(socket), &peer, user.get()) }
        },
    )))
}

/// A UDP handler from C.
pub(crate) fn datagram_handler(
    handler: sockit_udp_handler_fn,
    user: UserPointer,
) -> Option<Handler> {
    let handler = handler?;
    Some(Handler::Udp(Arc::new(
        move |socket: &Socket, data: &[u8], peer: SocketAddr| {
            let peer = sockit_addr::from_socket_addr(peer);
            // An empty datagram still gets a real pointer: C forbids NULL in memcpy() even
            // for 0 bytes, and handlers pass msg on as it is (UBSan found one that did).
            static EMPTY: [u8; 1] = [0];
            let msg = if data.is_empty() {
                EMPTY.as_ptr().cast()
            } else {
                data.as_ptr().cast()
            };
            // SAFETY: the handler's contract is the C program's; `data` and `peer` live
            // through the call.
            unsafe { handler(platform::raw(socket), msg, data.len(), &peer, user.get()) }
        },
    )))
}

/// Stream callbacks from C; on_data is required.
pub(crate) struct CStream {
    pub(crate) on_open: sockit_conn_fn,
    pub(crate) on_data: unsafe extern "C" fn(*mut sockit_conn, *const c_void, usize, *mut c_void),
    pub(crate) on_close: sockit_conn_fn,
    pub(crate) user: UserPointer,
}

impl CStream {
    fn tell(&self, callback: sockit_conn_fn, conn: &mut dyn Conn) {
        if let Some(callback) = callback {
            let mut handle = sockit_conn {
                conn,
                framing: None,
            };
            // SAFETY: the callback's contract is the C program's; the handle lives through
            // the call.
            unsafe { callback(&mut handle, self.user.0) }
        }
    }
}

impl StreamHandler for CStream {
    fn on_open(&self, conn: &mut dyn Conn) {
        self.tell(self.on_open, conn);
    }

    fn on_data(&self, conn: &mut dyn Conn, data: &[u8]) {
        let mut handle = sockit_conn {
            conn,
            framing: None,
        };
        let bytes = if data.is_empty() {
            ptr::null()
        } else {
            data.as_ptr().cast()
        };
        // SAFETY: the callback's contract is the C program's; the handle and the bytes live
        // through the call.
        unsafe { (self.on_data)(&mut handle, bytes, data.len(), self.user.0) }
    }

    fn on_close(&self, conn: &mut dyn Conn) {
        self.tell(self.on_close, conn);
    }
}

/// A message handler from C.
pub(crate) struct CMessages {
    pub(crate) on_message:
        unsafe extern "C" fn(*mut sockit_conn, *const c_void, usize, c_int, *mut c_void),
    pub(crate) user: UserPointer,
}

impl MessageHandler for CMessages {
    fn on_message(
        &self,
        conn: &mut dyn Conn,
        framing: &Framing,
        message: &[u8],
        status: Result<()>,
    ) {
        let code = status
            .as_ref()
            .map_or_else(|err| err.code().value(), |()| 0);
        let mut handle = sockit_conn {
            conn,
            framing: Some(framing),
        };
        nul_terminated(message, status.is_ok(), |message| {
            // SAFETY: the callback's contract is the C program's; the handle and the
            // message, followed by a NUL byte, live through the call.
            unsafe {
                (self.on_message)(
                    &mut handle,
                    message.as_ptr().cast(),
                    message.len(),
                    code,
                    self.user.0,
                )
            }
        })
    }
}

/// A timer callback from C, as the core's timer.
pub(crate) fn timer(
    callback: unsafe extern "C" fn(c_int, *mut c_void),
    arg: UserPointer,
) -> Box<dyn FnOnce(TimerOutcome) + Send> {
    Box::new(move |outcome| {
        let status = match outcome {
            TimerOutcome::Fired => 0,
            TimerOutcome::Cancelled => ErrorCode::ECANCELED.value(),
        };
        // SAFETY: the callback's contract is the C program's.
        unsafe { callback(status, arg.get()) }
    })
}
