//! Header section: TLS servers, the server framework with TLS.
//!
//! sockit_server_set_tls() makes a TCP (or Unix domain) server of the server framework a TLS
//! server, in any mode: each accepted connection's handshake is made by the thread or child
//! process that serves it (in the event loop by the loop, without blocking), and the handler
//! sees the established connection. A blocking handler gets a sockit_tls; stream callbacks,
//! message handlers and echo read and write plaintext through their sockit_conn, unchanged,
//! on_open coming once the handshake is done:
//!
//! ```c
//! /* handle_client(tls, peer, user): sockit_tls_recv() / sockit_tls_send_all() until done */
//! sockit_server_new(SOCKIT_TCP, NULL, 4433, SOCKIT_THREADED, &server);
//! sockit_server_set_tls(server, config);      /* config: sockit_tls_server_config_new() */
//! sockit_tls_server_config_free(config);      /* the server keeps what it needs */
//! sockit_server_set_tls_handler(server, handle_client, NULL);
//! sockit_server_run(server);
//! ```
//!
//! A client that does not speak TLS, fails the handshake, or does not finish it within the
//! server's idle timeout (sockit_server_set_idle_timeout(); 10 seconds without one) is
//! dropped: its connection is closed, no handler or callback is called, and the server goes
//! on. Each connection that ends in order ends with a close_notify. A connection the peer
//! cuts without its close_notify ends as a reset does: on_close, with no on_data of length 0
//! (what came last may be missing).

use std::ffi::{c_int, c_void};
use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::ErrorCode;
use crate::ffi::addr::sockit_addr;
use crate::ffi::server::{server, sockit_server};
use crate::ffi::server_handlers::UserPointer;
use crate::ffi::tls::sockit_tls;
use crate::ffi::tls_config::{server_config, sockit_tls_server_config, tls_call};
use crate::server::Handler;
use crate::tls::TlsStream;

/// Serves one TLS connection in blocking style (sockit_server_set_tls_handler(); the
/// iterative, threaded and forking modes): tls is the established stream (the handshake is
/// done; its socket is in blocking mode, with the server's idle timeout as its read timeout),
/// peer the client's address (family 0 if it is not an IP address; valid during the call),
/// user the pointer given with the handler. Use tls with sockit_tls_recv(),
/// sockit_tls_send_all() and the other sockit_tls_ calls, and return when done with the
/// client. The server owns tls: after the handler returns it sends a close_notify (unless
/// sockit_tls_shutdown() sent one already) and frees it. Do not free it, and do not keep it
/// past the call.
#[allow(non_camel_case_types)]
pub type sockit_tls_handler_fn =
    Option<unsafe extern "C" fn(tls: *mut sockit_tls, peer: *const sockit_addr, user: *mut c_void)>;

/// A blocking TLS handler from C: the core's stream, lent to C as a sockit_tls for the call.
fn tls_handler(
    handler: unsafe extern "C" fn(*mut sockit_tls, *const sockit_addr, *mut c_void),
    user: UserPointer,
) -> Handler {
    Handler::Tls(Arc::new(
        move |stream: TlsStream, peer: Option<SocketAddr>| {
            let peer = sockit_addr::from_peer(peer);
            let mut tls = sockit_tls { stream };
            // SAFETY: the handler's contract is the C program's (it neither frees nor keeps
            // the stream); the stream and `peer` live through the call.
            unsafe { handler(&mut tls, &peer, user.get()) };
            tls.stream
        },
    ))
}

/// Makes server a TLS server (see the section's introduction), presenting config's
/// certificate chain, asking for clients' certificates if config does (mutual TLS), and
/// speaking its ALPN protocols. The server takes what it needs from config now: config may be
/// freed (sockit_tls_server_config_free()) right after, and it is fixed from this call on (a
/// setting fails with SOCKIT_EBUSY, as after its first connection). The handler must be set
/// with sockit_server_set_tls_handler(), sockit_server_set_stream_handler(), a message handler
/// or sockit_server_set_echo(), before or after this call; a handler of
/// sockit_server_set_tcp_handler() would get the encrypted bytes, and sockit_server_run()
/// refuses it (SOCKIT_EINVAL). In the SOCKIT_EVENT_LOOP mode (also on several threads,
/// sockit_server_set_threads()) the handshakes never block the loop; sockit_conn_write()
/// encrypts and queues as it does plaintext.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL server or config, a UDP server),
/// SOCKIT_EALREADY (the server has started running; config is left as it was), the codes of a configuration that cannot
/// be built (as its first connection would: SOCKIT_EBADPEM for a client CA file that cannot
/// be used), or SOCKIT_EOPNOTSUPP (no TLS in this build). Does not block. Call it from the
/// thread that sets the server up, before sockit_server_run().
///
/// # Safety
///
/// `server` is NULL or a live server; `config` is NULL or a live server configuration, not
/// freed during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_tls(
    server: *mut sockit_server,
    config: *const sockit_tls_server_config,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (server, config) = unsafe { (self::server(server)?, server_config(config)?) };
        server.set_tls(config).map(|()| 0)
    })
}

/// Serves each connection of a TLS server (sockit_server_set_tls()) with handler, in
/// blocking style, in the iterative, threaded and forking modes: the server accepts, makes the
/// handshake, and calls handler with the established stream (see sockit_tls_handler_fn),
/// then ends the stream with a close_notify and frees it. In threaded mode the handler runs
/// on several threads at once (user must be safe to share); in forking mode in a child
/// process, whose changes the parent does not see. Without sockit_server_set_tls(),
/// sockit_server_run() fails with SOCKIT_EINVAL.
///
/// Returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL server or handler, a UDP server, the
/// event-loop mode), SOCKIT_EALREADY (the server has started running) or SOCKIT_EOPNOTSUPP
/// (no TLS in this build). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `handler` is NULL or a function as
/// sockit_tls_handler_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_tls_handler(
    server: *mut sockit_server,
    handler: sockit_tls_handler_fn,
    user: *mut c_void,
) -> c_int {
    tls_call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let handler = handler.ok_or(ErrorCode::EINVAL)?;
        server
            .set_handler(tls_handler(handler, UserPointer(user)))
            .map(|()| 0)
    })
}

#[cfg(all(test, not(feature = "tls")))]
mod tests {
    use super::*;
    use crate::ffi::server::{SOCKIT_TCP, SOCKIT_THREADED, sockit_server_free, sockit_server_new};

    unsafe extern "C" fn never(_: *mut sockit_tls, _: *const sockit_addr, _: *mut c_void) {}

    #[test]
    fn without_the_tls_feature_a_server_cannot_be_made_a_tls_server() {
        let unsupported = ErrorCode::EOPNOTSUPP.value();
        let mut server = std::ptr::null_mut();
        // SAFETY: a valid host and out-parameter; the server is freed once.
        unsafe {
            let host = c"127.0.0.1".as_ptr();
            assert_eq!(
                sockit_server_new(SOCKIT_TCP, host, 0, SOCKIT_THREADED, &mut server),
                0
            );
            assert_eq!(sockit_server_set_tls(server, std::ptr::null()), unsupported);
            assert_eq!(
                sockit_server_set_tls_handler(server, Some(never), std::ptr::null_mut()),
                unsupported
            );
            sockit_server_free(server);
        }
    }
}
