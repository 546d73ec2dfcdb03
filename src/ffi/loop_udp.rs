//! Header section: UDP in the event loop.
//!
//! A UDP socket of a loop hands each datagram it receives to a callback, with its sender;
//! sockit_loop_send_to() answers. Sends never block: UDP may drop a datagram anyway, and a
//! datagram the system has no room for now is refused with SOCKIT_EAGAIN rather than waited
//! for. Datagrams from port 0, which no reply can reach, are skipped (and said on stderr at
//! most once a second), as the server framework does.

use std::ffi::{c_char, c_int, c_void};
use std::net::SocketAddr;
use std::rc::Rc;

use crate::error::ErrorCode;
use crate::event_loop::{DatagramEvents, Handle, Loop};
use crate::ffi::addr::sockit_addr;
use crate::ffi::boundary::{self, Out, call_status, input_bytes, read_in};
use crate::ffi::event_loop::{LoopPointer, core, sockit_handle, sockit_loop};
use crate::ffi::server_handlers::UserPointer;
use crate::net::socket::Bind;

/// A UDP socket's callback: len bytes at bytes (len may be 0; bytes is never NULL) came
/// from the address at from; both are valid during the call (copy the sockit_addr to answer
/// later). data is the pointer kept with the socket's handle.
#[allow(non_camel_case_types)]
pub type sockit_loop_datagram_fn = Option<
    unsafe extern "C" fn(
        r#loop: *mut sockit_loop,
        udp: sockit_handle,
        bytes: *const c_void,
        len: usize,
        from: *const sockit_addr,
        data: *mut c_void,
    ),
>;

struct CDatagrams {
    callback: unsafe extern "C" fn(
        *mut sockit_loop,
        sockit_handle,
        *const c_void,
        usize,
        *const sockit_addr,
        *mut c_void,
    ),
    lp: LoopPointer,
}

impl DatagramEvents for CDatagrams {
    fn on_datagram(&self, _: &Loop, udp: Handle, data: usize, bytes: &[u8], from: SocketAddr) {
        let from = sockit_addr::from_socket_addr(from);
        // SAFETY: the callback's contract is the C program's; the loop outlives it, and the
        // bytes (never a NULL pointer, even when empty) and `from` live through the call.
        unsafe {
            (self.callback)(
                self.lp.get(),
                udp.raw(),
                bytes.as_ptr().cast(),
                bytes.len(),
                &from,
                std::ptr::with_exposed_provenance_mut(data),
            )
        }
    }
}

/// Binds a UDP socket in the loop to host and port (host NULL or "": every address, IPv4
/// and IPv6 at once, as sockit_udp_bind(); port 0: the system picks one, which
/// sockit_loop_local_addr() tells). Each datagram received goes to
/// on_datagram(loop, udp, bytes, len, from, user). sockit_loop_close() closes the socket. On
/// success writes its handle to *out and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL
/// loop, on_datagram or out; a bad port), SOCKIT_EADDRINUSE, SOCKIT_EACCES, SOCKIT_EMFILE or
/// a resolver error for host; SOCKIT_ECANCELED from a callback run by sockit_loop_free().
/// Does not block, except to resolve a host name.
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `host` is NULL or a
/// NUL-terminated string; `out` is NULL or points to a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_udp_bind(
    r#loop: *mut sockit_loop,
    host: *const c_char,
    port: c_int,
    on_datagram: sockit_loop_datagram_fn,
    user: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, host, out) = unsafe {
            (
                core(r#loop)?,
                boundary::optional_text(host)?,
                Out::new(out)?,
            )
        };
        let callback = on_datagram.ok_or(ErrorCode::EINVAL)?;
        let bind = Bind::host_or_any(host, boundary::port(port)?);
        let events = Rc::new(CDatagrams {
            callback,
            lp: LoopPointer::new(r#loop),
        });
        let handle = lp.udp_bind(bind, events, UserPointer(user).word())?;
        out.write(handle.raw());
        Ok(())
    })
}

/// Sends len bytes of data as one datagram from a UDP socket of the loop to the address at
/// to. Never blocks. Returns SOCKIT_OK; fails with SOCKIT_EAGAIN (the system has no room for
/// it now: it was not sent), SOCKIT_EMSGSIZE (too large for a datagram), SOCKIT_EINVAL (NULL
/// loop or to; NULL data with len > 0; to is not an IPv4 or IPv6 address, or its port is
/// 0), SOCKIT_EAFNOSUPPORT (an IPv6 destination from an IPv4 socket), SOCKIT_EBADF (not an
/// open handle of this loop), SOCKIT_ENOTSOCK (a timer), SOCKIT_EOPNOTSUPP (not a UDP
/// socket), or another system error (SOCKIT_ENETUNREACH...).
///
/// # Safety
///
/// `loop` is NULL or a live loop, used by the calling thread only; `data` is NULL or
/// readable for `len` bytes; `to` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_send_to(
    r#loop: *mut sockit_loop,
    udp: sockit_handle,
    data: *const c_void,
    len: usize,
    to: *const sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, data, to) = unsafe { (core(r#loop)?, input_bytes(data, len)?, read_in(to)?) };
        lp.send_to(Handle::from_raw(udp), data, to.to_socket_addr()?)
    })
}
