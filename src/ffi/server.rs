//! Header section: the server framework, Python's socketserver for C.
//!
//! A server binds a TCP or UDP socket, takes a handler and serves in one of four modes until
//! stopped:
//!
//! ```c
//! sockit_server *server;
//! if (sockit_server_new(SOCKIT_TCP, NULL, 7, SOCKIT_THREADED, &server) != SOCKIT_OK) ...
//! sockit_server_set_tcp_handler(server, handle_client, NULL);
//! sockit_server_run(server);          /* blocks until sockit_server_stop() */
//! sockit_server_free(server);
//! ```
//!
//! A server of lines (or of length-prefixed messages) needs one callback, called once per
//! whole message in every mode:
//!
//! ```c
//! /* echo_line(conn, line, len, status, user) calls sockit_conn_write_message(conn, line, len) */
//! sockit_server_set_delimited_handler(server, "\n", 1, 4096, echo_line, NULL);
//! ```

use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

use crate::error::{ErrorCode, Result};
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{self, Out, call, call_status, input_bytes};
use crate::ffi::server_handlers::{
    self, CMessages, CStream, UserPointer, sockit_conn_fn, sockit_data_fn, sockit_message_fn,
    sockit_tcp_handler_fn, sockit_timer_fn, sockit_udp_handler_fn,
};
use crate::ffi::socket::sockit_socket;
use crate::ffi::unix;
use crate::framing::Framing;
use crate::net::socket::Bind;
use crate::platform;
use crate::server::{Framed, Mode, Protocol, Server};

/// A server: its socket, handler, mode and workers. Opaque; create it with
/// sockit_server_new() and release it with sockit_server_free().
#[allow(non_camel_case_types)]
pub struct sockit_server {
    server: Server,
}

/// sockit_server_new(): a TCP server (connections).
pub const SOCKIT_TCP: c_int = 1;
/// sockit_server_new(): a UDP server (datagrams).
pub const SOCKIT_UDP: c_int = 2;

/// One request at a time, in arrival order, on a worker thread (the tutorials' servers).
pub const SOCKIT_ITERATIVE: c_int = 1;
/// Each request on a worker thread, at most sockit_server_set_max_workers() at once (1024
/// unless set); more wait in the listen queue or the socket's buffer. Threads are reused.
pub const SOCKIT_THREADED: c_int = 2;
/// Each request in a child process (fork), at most sockit_server_set_max_workers() at once.
/// Children are always reaped. Unix only: elsewhere sockit_server_new() fails with
/// SOCKIT_EOPNOTSUPP.
pub const SOCKIT_FORKING: c_int = 3;
/// One thread (the one in sockit_server_run()) serves every connection through the system's
/// readiness API (epoll, kqueue, Windows' AFD); no limit but the descriptor limit. Handlers
/// must not block: TCP needs stream callbacks (sockit_server_set_stream_handler()), whose
/// writes are queued; slow work is scheduled with sockit_server_timer(). For more cores,
/// sockit_server_set_threads() runs a loop per thread. Its TCP connections have TCP_NODELAY
/// set (each write goes out at once; sockit_set_nodelay(sockit_conn_socket(conn), 0) undoes
/// it).
pub const SOCKIT_EVENT_LOOP: c_int = 4;

fn protocol(protocol: c_int) -> Result<Protocol> {
    match protocol {
        SOCKIT_TCP => Ok(Protocol::Tcp),
        SOCKIT_UDP => Ok(Protocol::Udp),
        _ => Err(ErrorCode::EINVAL.into()),
    }
}

fn mode(mode: c_int) -> Result<Mode> {
    match mode {
        SOCKIT_ITERATIVE => Ok(Mode::Iterative),
        SOCKIT_THREADED => Ok(Mode::Threaded),
        SOCKIT_FORKING => Ok(Mode::Forking),
        SOCKIT_EVENT_LOOP => Ok(Mode::EventLoop),
        _ => Err(ErrorCode::EINVAL.into()),
    }
}

/// The mode named on a command line: "iterative", "threaded", "forking" or "event-loop".
/// Returns SOCKIT_ITERATIVE, SOCKIT_THREADED, SOCKIT_FORKING or SOCKIT_EVENT_LOOP, or
/// SOCKIT_EINVAL for NULL or any other name. Does not block.
///
/// # Safety
///
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_mode(name: *const c_char) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let name = unsafe { boundary::text(name) }?;
        match Mode::from_name(name).ok_or(ErrorCode::EINVAL)? {
            Mode::Iterative => Ok(SOCKIT_ITERATIVE),
            Mode::Threaded => Ok(SOCKIT_THREADED),
            Mode::Forking => Ok(SOCKIT_FORKING),
            Mode::EventLoop => Ok(SOCKIT_EVENT_LOOP),
        }
    })
}

/// Creates a server: binds (and for TCP listens, with the system's largest queue) on host
/// and port right away, so that the port can be asked for before the run. host NULL or ""
/// means every address, IPv4 and IPv6; port 0 lets the system pick one (see
/// sockit_server_port()). protocol is SOCKIT_TCP or SOCKIT_UDP; mode one of SOCKIT_ITERATIVE,
/// SOCKIT_THREADED, SOCKIT_FORKING, SOCKIT_EVENT_LOOP.
///
/// On success writes the server to *out (the caller owns it: sockit_server_free()) and
/// returns SOCKIT_OK. Fails with SOCKIT_EINVAL (bad protocol, mode or port, NULL out),
/// SOCKIT_EOPNOTSUPP (forking where there is no fork), SOCKIT_EADDRINUSE, SOCKIT_EACCES, or a
/// resolver error for host. Does not block, except to resolve a host name.
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_server *.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_new(
    protocol: c_int,
    host: *const c_char,
    port: c_int,
    mode: c_int,
    out: *mut *mut sockit_server,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (host, out) = unsafe { (boundary::optional_text(host)?, Out::new(out)?) };
        let (protocol, mode) = (self::protocol(protocol)?, self::mode(mode)?);
        let bind = Bind::host_or_any(host, boundary::port(port)?);
        let server = Server::bind(protocol, bind, mode)?;
        out.write(boundary::into_c(sockit_server { server }));
        Ok(())
    })
}

/// Creates a server on a Unix domain stream socket listening at path (see the Unix domain
/// sockets section for names, '@' and stale files; flags is 0 or SOCKIT_UNIX_REMOVE_STALE),
/// in any mode, served by the same handlers as a TCP server (sockit_server_set_tcp_handler(),
/// sockit_server_set_stream_handler(), sockit_server_set_echo()); the peers' addresses given
/// to them have family 0. sockit_server_free() removes the socket file (unless another file
/// has taken its place). sockit_server_set_threads() takes 1 only: a Unix domain socket has no
/// port to share.
///
/// On success writes the server to *out (the caller owns it: sockit_server_free()) and
/// returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL or empty path, bad mode or flags, NULL
/// out), SOCKIT_EOPNOTSUPP (forking where there is no fork; no Unix domain sockets here; '@'
/// outside Linux), SOCKIT_EADDRINUSE, SOCKIT_ENOENT, SOCKIT_EACCES or SOCKIT_ENAMETOOLONG (as
/// sockit_unix_listen()). Does not block.
///
/// # Safety
///
/// `path` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_server *.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_new_unix(
    path: *const c_char,
    mode: c_int,
    flags: c_int,
    out: *mut *mut sockit_server,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (path, out) = unsafe { (unix::name(path)?, Out::new(out)?) };
        let server = Server::bind_unix(&path, self::mode(mode)?, unix::existing(flags)?)?;
        out.write(Box::into_raw(Box::new(sockit_server { server })));
        Ok(())
    })
}

/// Releases the server: closes its socket and tells pending timers SOCKIT_ECANCELED. NULL is
/// allowed. Call it only when no thread is in sockit_server_run() or any other call on this
/// server. Does not block.
///
/// # Safety
///
/// `server` is NULL or a server from sockit_server_new(), not yet freed and not in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_free(server: *mut sockit_server) {
    // SAFETY: from sockit_server_new() (into_c), given back exactly once (the caller's
    // promise). Dropping closes sockets and runs timer callbacks; free_from_c keeps a panic
    // there from unwinding into C.
    unsafe { boundary::free_from_c(server) };
}

/// Borrows the server behind a C pointer; NULL is SOCKIT_EINVAL.
///
/// # Safety
///
/// `server` is NULL or a live server from sockit_server_new().
pub(crate) unsafe fn server<'a>(server: *const sockit_server) -> Result<&'a Server> {
    // SAFETY: the caller's promise is passed on.
    unsafe { server.as_ref() }
        .map(|server| &server.server)
        .ok_or(ErrorCode::EINVAL.into())
}

/// The port the server is bound to (the one the system picked, for port 0): 1 to 65535,
/// SOCKIT_EINVAL for NULL, or SOCKIT_EAFNOSUPPORT for a Unix domain server, which has no
/// port. Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server from sockit_server_new().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_port(server: *const sockit_server) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    call(|| {
        Ok(c_int::from(
            unsafe { self::server(server) }?.local_addr()?.port(),
        ))
    })
}

/// Writes the address the server is bound to into *out (for every address: [::] or
/// 0.0.0.0). Fails with SOCKIT_EINVAL for NULL arguments, SOCKIT_EAFNOSUPPORT for a Unix
/// domain server (its name is the path it was made with). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_addr(
    server: *const sockit_server,
    out: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (server, out) = unsafe { (self::server(server)?, Out::new(out)?) };
        out.write(sockit_addr::from_socket_addr(server.local_addr()?));
        Ok(())
    })
}

/// Writes the server's own socket to *out: the listening socket of a TCP or Unix domain
/// server, the bound socket of a UDP one. For setting options on it and joining multicast
/// groups with it before the run (sockit_udp_join_group() on a UDP server makes a multicast
/// server in any mode; sockit_set_recv_buffer() on a listener gives each connection that
/// buffer). The server owns the socket: never close it. Fails with SOCKIT_EINVAL (NULL
/// server or out) or SOCKIT_EALREADY (the server has started running, and the socket is
/// the run's). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `out` is NULL or points to a sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_socket(
    server: *const sockit_server,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (server, out) = unsafe { (self::server(server)?, Out::new(out)?) };
        out.write(server.with_socket(|socket| Ok(platform::raw(socket)))?);
        Ok(())
    })
}

/// Serves each TCP connection with handler, in blocking style: it gets the connected socket
/// and returns when done with the client; the server then closes the socket. For
/// SOCKIT_ITERATIVE, SOCKIT_THREADED and SOCKIT_FORKING (in threaded mode the handler runs on
/// several threads at once: user must be safe to share; in forking mode it runs in a child
/// process, whose changes the parent does not see).
///
/// Fails with SOCKIT_EINVAL (NULL server or handler, a UDP server, the event-loop mode) or
/// SOCKIT_EALREADY (the server has started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `handler` is NULL or a function as
/// sockit_tcp_handler_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_tcp_handler(
    server: *mut sockit_server,
    handler: sockit_tcp_handler_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let handler = server_handlers::connection_handler(handler, UserPointer(user))
            .ok_or(ErrorCode::EINVAL)?;
        server.set_handler(handler)
    })
}

/// Serves TCP connections with callbacks, in every mode: on_open (may be NULL) when a
/// connection is accepted, on_data with each chunk of bytes that arrives (required; len 0
/// at end of stream), on_close (may be NULL) once when it ends. They write with
/// sockit_conn_write() and close with sockit_conn_close(). In the event loop they all run on
/// the run thread and must not block; in threaded mode different connections' callbacks run
/// on different threads at once; in forking mode each connection's run in its own child.
///
/// Fails with SOCKIT_EINVAL (NULL server or on_data, a UDP server) or SOCKIT_EALREADY (the
/// server has started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; the callbacks are NULL or functions as
/// sockit_conn_fn and sockit_data_fn describe; `user` is passed to them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_stream_handler(
    server: *mut sockit_server,
    on_open: sockit_conn_fn,
    on_data: sockit_data_fn,
    on_close: sockit_conn_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let on_data = on_data.ok_or(ErrorCode::EINVAL)?;
        server.set_handler(crate::server::Handler::Stream(std::sync::Arc::new(
            CStream {
                on_open,
                on_data,
                on_close,
                user: UserPointer(user),
            },
        )))
    })
}

/// Serves a connection's messages with on_message, in every mode.
fn set_message_handler(
    server: &Server,
    framing: Framing,
    on_message: sockit_message_fn,
    user: *mut c_void,
) -> Result<()> {
    let on_message = on_message.ok_or(ErrorCode::EINVAL)?;
    let messages = CMessages {
        on_message,
        user: UserPointer(user),
    };
    server.set_handler(crate::server::Handler::Stream(std::sync::Arc::new(
        Framed::new(framing, std::sync::Arc::new(messages)),
    )))
}

/// Serves TCP (or Unix domain) connections as messages that each end with the delim_len
/// bytes at delim (copied; at least one byte; "\n" for lines), of at most max_len bytes
/// before the delimiter (the sockit_reader_new_delimited() rules), in every mode: on_message
/// is called once per whole message, however the bytes arrive, and replies with
/// sockit_conn_write_message() (which adds the delimiter) or sockit_conn_write(). A message
/// longer than max_len is skipped (on_message gets SOCKIT_EMSGSIZE); a stream that ends
/// inside a message gives what arrived of it (SOCKIT_ETRUNCATED), never losing it. In the
/// event loop on_message runs on the run thread and must not block; in threaded mode
/// different connections' messages are handled on different threads at once; in forking
/// mode each connection's in its own child.
///
/// Fails with SOCKIT_EINVAL (NULL server, delim or on_message; delim_len 0; a UDP server) or
/// SOCKIT_EALREADY (the server has started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `delim` is NULL or readable for `delim_len` bytes;
/// `on_message` is NULL or a function as sockit_message_fn describes; `user` is passed to
/// it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_delimited_handler(
    server: *mut sockit_server,
    delim: *const c_void,
    delim_len: usize,
    max_len: usize,
    on_message: sockit_message_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (server, delim) = unsafe { (self::server(server)?, input_bytes(delim, delim_len)?) };
        let framing = Framing::delimited(delim, max_len)?;
        set_message_handler(server, framing, on_message, user)
    })
}

/// Serves TCP (or Unix domain) connections as length-prefixed messages (a 4-byte length,
/// most significant byte first, then the message) of at most max_len bytes (a larger
/// max_len means 4 GiB - 1; the sockit_reader_new_length_prefixed() rules), in every mode:
/// on_message is called once per whole message, and replies with
/// sockit_conn_write_message() (which puts the length in front) or sockit_conn_write(). A
/// message longer than max_len is skipped (SOCKIT_EMSGSIZE); a stream that ends inside a
/// message gives what arrived of it (SOCKIT_ETRUNCATED). The callbacks run as with
/// sockit_server_set_delimited_handler().
///
/// Fails with SOCKIT_EINVAL (NULL server or on_message, a UDP server) or SOCKIT_EALREADY
/// (the server has started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `on_message` is NULL or a function as
/// sockit_message_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_length_prefixed_handler(
    server: *mut sockit_server,
    max_len: usize,
    on_message: sockit_message_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        set_message_handler(server, Framing::length_prefixed(max_len), on_message, user)
    })
}

/// Serves each UDP datagram with handler, in every mode (event loop: on the run thread, must
/// not block; threaded: on several threads at once; forking: in a child process).
///
/// Fails with SOCKIT_EINVAL (NULL server or handler, a TCP server) or SOCKIT_EALREADY (the
/// server has started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `handler` is NULL or a function as
/// sockit_udp_handler_fn describes; `user` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_udp_handler(
    server: *mut sockit_server,
    handler: sockit_udp_handler_fn,
    user: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let handler = server_handlers::datagram_handler(handler, UserPointer(user))
            .ok_or(ErrorCode::EINVAL)?;
        server.set_handler(handler)
    })
}

/// Makes the server an echo server, TCP or UDP, in any mode: every byte (or datagram) goes
/// back to its sender. Fails with SOCKIT_EINVAL (NULL) or SOCKIT_EALREADY (the server has
/// started running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_echo(server: *mut sockit_server) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        server.set_echo()
    })
}

/// At most max_workers requests are served at once in threaded and forking modes (default
/// 1024); more wait in the listen queue or the socket's receive buffer. Fails with
/// SOCKIT_EINVAL (NULL, max_workers < 1) or SOCKIT_EALREADY (running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_max_workers(
    server: *mut sockit_server,
    max_workers: c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let max = usize::try_from(max_workers).map_err(|_| ErrorCode::EINVAL)?;
        server.set_max_workers(max)
    })
}

/// Runs an event-loop server on threads threads (default 1), for servers that need more than
/// one core; 0 means one per core where the system can share a port (below), else 1. Each
/// thread runs a loop of its own on a socket of its own bound to the server's port with
/// SO_REUSEPORT, and the system spreads the connections (by the client's address and port) or
/// datagrams over them; a connection stays on one thread. The callbacks then run on several
/// threads at once: what they share through user must be thread-safe (a connection's context is
/// only ever used on its own thread). Timers still fire on the thread in sockit_server_run().
/// While it runs, another program of the same user could bind the port too (SO_REUSEPORT) and
/// take a share of the clients.
///
/// Fails with SOCKIT_EINVAL (NULL, threads < 0 or above 1024, or a mode other than
/// SOCKIT_EVENT_LOOP), SOCKIT_EOPNOTSUPP (more than one thread where the system cannot
/// spread one port over several sockets: Linux can; macOS, the BSDs and Windows cannot) or
/// SOCKIT_EALREADY (running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_threads(
    server: *mut sockit_server,
    threads: c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let threads = usize::try_from(threads).map_err(|_| ErrorCode::EINVAL)?;
        server.set_threads(threads)
    })
}

/// After sockit_server_stop(), requests in flight get grace_ms milliseconds to finish
/// (default 5000; 0: none). Then TCP connections still served are shut down (their handlers'
/// reads see end of stream and writes fail), child processes get SIGTERM and a second later
/// SIGKILL, event-loop connections are closed and pending timers cancelled.
/// sockit_server_run() returns when the last handler has returned: a blocking handler that
/// goes on without touching its socket (a long sleep) holds it up until it does. Fails with
/// SOCKIT_EINVAL (NULL, negative) or SOCKIT_EALREADY (running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_grace(
    server: *mut sockit_server,
    grace_ms: c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let ms = u64::try_from(grace_ms).map_err(|_| ErrorCode::EINVAL)?;
        server.set_grace(Duration::from_millis(ms))
    })
}

/// Closes a TCP connection that has sent nothing for idle_ms milliseconds (SOCKIT_FOREVER,
/// the default: never). In blocking modes this is the connection's read timeout: the
/// handler's receive fails with SOCKIT_ETIMEDOUT. On a TLS server (sockit_server_set_tls())
/// it also bounds each client's handshake (10 seconds when it is SOCKIT_FOREVER). Fails with SOCKIT_EINVAL (NULL, 0) or
/// SOCKIT_EALREADY (running). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_set_idle_timeout(
    server: *mut sockit_server,
    idle_ms: c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        server.set_idle_timeout(boundary::timeout(idle_ms)?)
    })
}

/// Calls callback(SOCKIT_OK, arg) once, delay_ms milliseconds from now (0: as soon as
/// possible), on the thread that runs the server, in any mode; the event loop's way to do
/// slow work without blocking. If the server ends (or is freed) first, callback is called
/// with SOCKIT_ECANCELED instead, so arg can always be released there. May be called before
/// sockit_server_run(), from the server's callbacks, and from any thread (not from a signal
/// handler) of the process that runs the server: a timer set in a forking server's child
/// belongs to the child's copy of the server and never fires.
///
/// Fails with SOCKIT_EINVAL (NULL server or callback, negative delay) or SOCKIT_ECANCELED
/// (the server has finished running); callback is then never called. Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server; `callback` is NULL or a function as sockit_timer_fn
/// describes; `arg` is passed to it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_timer(
    server: *mut sockit_server,
    delay_ms: c_int,
    callback: sockit_timer_fn,
    arg: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let server = unsafe { self::server(server) }?;
        let callback = callback.ok_or(ErrorCode::EINVAL)?;
        let ms = u64::try_from(delay_ms).map_err(|_| ErrorCode::EINVAL)?;
        server.add_timer(
            Duration::from_millis(ms),
            server_handlers::timer(callback, UserPointer(arg)),
        )
    })
}

/// Runs the server: serves requests until sockit_server_stop(). A server runs once.
///
/// Returns SOCKIT_OK after a stop, once the requests in flight have finished (or the grace
/// period is over and they were cut off, see sockit_server_set_grace()); the socket is then
/// closed. Fails with SOCKIT_EINVAL (NULL, or no handler set; a TLS server with a handler of
/// sockit_server_set_tcp_handler(), or a TLS handler without sockit_server_set_tls()),
/// SOCKIT_EALREADY (running or ran already), or the error that made the socket unusable. A
/// server refused for its TLS settings keeps its socket, and may be set up again and run.
///
/// Blocks for as long as the server runs.
///
/// # Safety
///
/// `server` is NULL or a live server, not freed while this call runs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_run(server: *mut sockit_server) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { self::server(server) }?.run()
    })
}

/// Asks the server to stop: it takes no more requests, and sockit_server_run() returns once
/// those in flight are done. Safe from any thread and from a signal handler (SIGINT,
/// SIGTERM): it sets a flag and writes to the server's wake-up descriptor, and leaves errno
/// as it was. A stop before the run makes the run return at once. Returns SOCKIT_OK, or
/// SOCKIT_EINVAL for NULL (and then does not touch sockit_last_error()). Does not block.
///
/// # Safety
///
/// `server` is NULL or a live server, not freed while this call runs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_server_stop(server: *const sockit_server) -> c_int {
    // Not through `call`: recording the outcome in thread-local state is not something to do
    // in a signal handler. Nothing here can panic.
    let errno = platform::last_os_error();
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    let rc = match unsafe { server.as_ref() } {
        Some(server) => {
            server.server.stop();
            0
        }
        None => ErrorCode::EINVAL.value(),
    };
    platform::set_last_os_error(errno);
    rc
}
