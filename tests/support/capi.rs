//! Safe wrappers around the C API for the tests that call it in-process: each passes pointers
//! to live Rust values of the lengths it says, and fails the test on an unexpected code.

use std::ffi::{CStr, c_int};
use std::ptr;

use sockit::ffi::addr::*;
use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::options::*;
use sockit::ffi::socket::*;
use sockit::ffi::tcp::*;
use sockit::ffi::udp::*;

pub fn name(code: i64) -> String {
    // SAFETY: sockit_err_name accepts any int and returns a static string.
    let name = unsafe { CStr::from_ptr(sockit_err_name(code as c_int)) };
    name.to_string_lossy().into_owned()
}

#[track_caller]
pub fn ok(rc: c_int) {
    assert_eq!(rc, SOCKIT_OK, "failed with {}", name(rc.into()));
}

#[track_caller]
pub fn fails_with(rc: i64, code: c_int) {
    assert_eq!(
        rc,
        i64::from(code),
        "expected {}, got {}",
        name(code.into()),
        name(rc)
    );
}

pub fn tcp_listen(host: Option<&CStr>, backlog: c_int) -> Result<sockit_socket, c_int> {
    let mut sock = SOCKIT_INVALID_SOCKET;
    let host = host.map_or(ptr::null(), CStr::as_ptr);
    // SAFETY: `host` is NULL or a C string; `sock` is a live out-parameter.
    match unsafe { sockit_tcp_listen(host, 0, backlog, &mut sock) } {
        SOCKIT_OK => Ok(sock),
        err => Err(err),
    }
}

pub fn tcp_connect(host: &CStr, port: u16, timeout_ms: c_int) -> Result<sockit_socket, c_int> {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: `host` is a C string; `sock` is a live out-parameter.
    match unsafe { sockit_tcp_connect(host.as_ptr(), port.into(), timeout_ms, &mut sock) } {
        SOCKIT_OK => Ok(sock),
        err => Err(err),
    }
}

pub fn accept(listener: sockit_socket) -> (sockit_socket, sockit_addr) {
    let (mut sock, mut peer) = (SOCKIT_INVALID_SOCKET, sockit_addr::default());
    // SAFETY: live out-parameters.
    ok(unsafe { sockit_accept(listener, &mut sock, &mut peer) });
    (sock, peer)
}

pub fn local_addr(sock: sockit_socket) -> sockit_addr {
    let mut addr = sockit_addr::default();
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_local_addr(sock, &mut addr) });
    addr
}

pub fn peer_addr(sock: sockit_socket) -> sockit_addr {
    let mut addr = sockit_addr::default();
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_peer_addr(sock, &mut addr) });
    addr
}

pub fn text(addr: &sockit_addr) -> String {
    let mut buf = [0u8; SOCKIT_ADDRSTRLEN as usize];
    // SAFETY: `buf` is writable for its length.
    let len = unsafe { sockit_addr_format(addr, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(len >= 0, "{}", name(len.into()));
    assert_eq!(buf[len as usize], 0, "NUL-terminated");
    String::from_utf8(buf[..len as usize].to_vec()).unwrap()
}

pub fn ip_text(addr: &sockit_addr) -> String {
    let mut buf = [0u8; SOCKIT_ADDRSTRLEN as usize];
    // SAFETY: `buf` is writable for its length.
    let len = unsafe { sockit_addr_format_ip(addr, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(len >= 0, "{}", name(len.into()));
    String::from_utf8(buf[..len as usize].to_vec()).unwrap()
}

pub fn parse(text: &CStr) -> Result<sockit_addr, c_int> {
    let mut addr = sockit_addr::default();
    // SAFETY: a C string and a live out-parameter.
    match unsafe { sockit_addr_parse(text.as_ptr(), &mut addr) } {
        SOCKIT_OK => Ok(addr),
        err => Err(err),
    }
}

pub fn send_all(sock: sockit_socket, data: &[u8]) -> i64 {
    // SAFETY: `data` is readable for its length.
    unsafe { sockit_send_all(sock, data.as_ptr().cast(), data.len()) }
}

pub fn recv(sock: sockit_socket, buf: &mut [u8]) -> i64 {
    // SAFETY: `buf` is writable for its length.
    unsafe { sockit_recv(sock, buf.as_mut_ptr().cast(), buf.len()) }
}

pub fn recv_exact(sock: sockit_socket, buf: &mut [u8]) -> i64 {
    // SAFETY: `buf` is writable for its length.
    unsafe { sockit_recv_exact(sock, buf.as_mut_ptr().cast(), buf.len()) }
}

pub fn udp_bind(host: Option<&CStr>) -> sockit_socket {
    let mut sock = SOCKIT_INVALID_SOCKET;
    let host = host.map_or(ptr::null(), CStr::as_ptr);
    // SAFETY: `host` is NULL or a C string; `sock` is a live out-parameter.
    ok(unsafe { sockit_udp_bind(host, 0, &mut sock) });
    sock
}

pub fn udp_socket(family: c_int) -> sockit_socket {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_udp_socket(family, &mut sock) });
    sock
}

pub fn sendto(sock: sockit_socket, data: &[u8], to: &sockit_addr) -> i64 {
    // SAFETY: `data` is readable for its length; `to` is a live address.
    unsafe { sockit_sendto(sock, data.as_ptr().cast(), data.len(), to) }
}

pub fn recvfrom(sock: sockit_socket, buf: &mut [u8]) -> (i64, sockit_addr) {
    let mut from = sockit_addr::default();
    // SAFETY: `buf` is writable for its length; `from` is a live out-parameter.
    let rc = unsafe { sockit_recvfrom(sock, buf.as_mut_ptr().cast(), buf.len(), &mut from) };
    (rc, from)
}

/// The loopback address of a family with a port.
pub fn loopback(family: c_int, port: u16) -> sockit_addr {
    let ip: &CStr = if family == SOCKIT_IPV4 {
        c"127.0.0.1"
    } else {
        c"::1"
    };
    let mut addr = sockit_addr::default();
    // SAFETY: a C string and a live out-parameter.
    ok(unsafe { sockit_addr_from_ip(ip.as_ptr(), port.into(), &mut addr) });
    addr
}

/// A connected loopback TCP pair made with the C API: (client, server side).
/// A connected pair over loopback: (client, server). Each end's blocking receives and sends
/// fail with SOCKIT_ETIMEDOUT after [`PAIR_LIMIT_MS`], so that a test whose peer never sends
/// fails instead of hanging.
pub fn tcp_pair() -> (sockit_socket, sockit_socket) {
    let listener = tcp_listen(Some(c"127.0.0.1"), 1).unwrap();
    let client = tcp_connect(c"127.0.0.1", local_addr(listener).port, 5000).unwrap();
    let (server, _) = accept(listener);
    ok(sockit_close(listener));
    for end in [client, server] {
        ok(sockit_set_read_timeout(end, PAIR_LIMIT_MS));
        ok(sockit_set_write_timeout(end, PAIR_LIMIT_MS));
    }
    (client, server)
}

/// How long a [`tcp_pair`] end blocks at most in one call.
pub const PAIR_LIMIT_MS: c_int = 30_000;

pub fn set_nonblocking(sock: sockit_socket) {
    ok(sockit_set_nonblocking(sock, 1));
}

/// Reads an int option with its C getter (`sockit_get_...`).
pub fn get_int(
    getter: unsafe extern "C" fn(sockit_socket, *mut c_int) -> c_int,
    sock: sockit_socket,
) -> c_int {
    let mut value = -12345;
    // SAFETY: `value` is a live out-parameter.
    ok(unsafe { getter(sock, &mut value) });
    value
}
