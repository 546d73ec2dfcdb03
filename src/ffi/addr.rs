//! Header section: socket addresses (IPv4 and IPv6), port numbers.

use std::ffi::{c_char, c_int, c_void};
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use socket2::SockAddr;

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{self, Out, call, call_status, input_bytes, output_bytes, read_in};
use crate::net::addr::{
    AddrText, Family, normalize, parse_ip, parse_port, parse_socket_addr, same_address, write_ip,
    write_socket_addr,
};
use crate::platform::socket_addr_from_bytes;

/// For a family argument: IPv4 or IPv6, whichever the name or the system offers.
pub const SOCKIT_ANY: c_int = 0;
/// The family value of an IPv4 address.
pub const SOCKIT_IPV4: c_int = 4;
/// The family value of an IPv6 address.
pub const SOCKIT_IPV6: c_int = 6;
/// Room for any address sockit_addr_format() writes, NUL included:
/// "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295]:65535".
pub const SOCKIT_ADDRSTRLEN: c_int = 65;

/// An IPv4 or IPv6 socket address (IP, port, and for IPv6 the scope and flow label), the same
/// on every platform. A plain struct: copy it, compare it with sockit_addr_equal(), keep it
/// as long as you like. Functions that return one always fill every field (unused ones 0).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sockit_addr {
    /// SOCKIT_IPV4 or SOCKIT_IPV6; 0 for "no address" (a peer that is not an IP socket).
    pub family: u16,
    /// The port, in host byte order.
    pub port: u16,
    /// The IP address in network byte order; an IPv4 address uses the first 4 bytes.
    pub ip: [u8; 16],
    /// The IPv6 scope id (interface index) of a link-local address; 0 otherwise.
    pub scope_id: u32,
    /// The IPv6 flow label; 0 otherwise.
    pub flowinfo: u32,
}

impl sockit_addr {
    /// The C form of an address. IPv4-mapped IPv6 addresses become IPv4.
    pub fn from_socket_addr(addr: SocketAddr) -> sockit_addr {
        let mut out = sockit_addr {
            port: addr.port(),
            ..sockit_addr::default()
        };
        match normalize(addr) {
            SocketAddr::V4(v4) => {
                out.family = SOCKIT_IPV4 as u16;
                out.ip[..4].copy_from_slice(&v4.ip().octets());
            }
            SocketAddr::V6(v6) => {
                out.family = SOCKIT_IPV6 as u16;
                out.ip = v6.ip().octets();
                out.scope_id = v6.scope_id();
                out.flowinfo = v6.flowinfo();
            }
        }
        out
    }

    /// The Rust form, or `SOCKIT_EINVAL` if the family is neither IPv4 nor IPv6.
    pub fn to_socket_addr(&self) -> Result<SocketAddr> {
        match c_int::from(self.family) {
            SOCKIT_IPV4 => {
                let [a, b, c, d, ..] = self.ip;
                Ok(SocketAddr::from((Ipv4Addr::new(a, b, c, d), self.port)))
            }
            SOCKIT_IPV6 => Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(self.ip),
                self.port,
                self.flowinfo,
                self.scope_id,
            ))),
            _ => Err(ErrorCode::EINVAL.into()),
        }
    }

    /// The form for a peer that may not be an IP socket: `family` 0 when it is not.
    pub(crate) fn from_peer(peer: Option<SocketAddr>) -> sockit_addr {
        peer.map_or_else(sockit_addr::default, sockit_addr::from_socket_addr)
    }
}

/// A family argument: SOCKIT_ANY, SOCKIT_IPV4 or SOCKIT_IPV6.
pub(crate) fn family(family: c_int) -> Result<Family> {
    match family {
        SOCKIT_ANY => Ok(Family::Any),
        SOCKIT_IPV4 => Ok(Family::V4),
        SOCKIT_IPV6 => Ok(Family::V6),
        _ => Err(ErrorCode::EINVAL.into()),
    }
}

/// Reads the caller's address: NULL or a bad family is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `addr` must point to a readable sockit_addr.
pub(crate) unsafe fn read_addr(addr: *const sockit_addr) -> Result<SocketAddr> {
    // SAFETY: the caller's promise is passed on; sockit_addr is plain data.
    unsafe { read_in(addr) }?.to_socket_addr()
}

/// Copies `bytes` to the start of the caller's buffer; `SOCKIT_ERANGE` (nothing written) if
/// they do not fit. Returns how many bytes were written.
fn write_bytes(buf: &mut [MaybeUninit<u8>], bytes: &[u8]) -> Result<c_int> {
    let dest = buf.get_mut(..bytes.len()).ok_or(ErrorCode::ERANGE)?;
    for (slot, &byte) in dest.iter_mut().zip(bytes) {
        slot.write(byte);
    }
    c_int::try_from(bytes.len()).map_err(|_| ErrorCode::ERANGE.into())
}

/// Writes `text` and a NUL into the caller's buffer; `SOCKIT_ERANGE` (nothing written) if it
/// does not fit. Returns the length without the NUL.
pub(crate) fn write_text(buf: &mut [MaybeUninit<u8>], text: &[u8]) -> Result<c_int> {
    if buf.len() <= text.len() {
        return Err(ErrorCode::ERANGE.into());
    }
    let written = write_bytes(buf, text)?;
    buf[text.len()].write(0);
    Ok(written)
}

/// Formats the caller's address into the caller's buffer, through a buffer on the stack (no
/// allocation: a ported tutorial server formats an address per datagram).
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `buf` is NULL or writable for `len` bytes.
unsafe fn format_into(
    addr: *const sockit_addr,
    buf: *mut c_char,
    len: usize,
    format: impl FnOnce(&SocketAddr, &mut AddrText) -> std::fmt::Result,
) -> c_int {
    call(|| {
        // SAFETY: the caller's promises are passed on.
        let (addr, buf) = unsafe { (read_addr(addr)?, output_bytes(buf.cast(), len)?) };
        let mut text = AddrText::new();
        // Every address fits in an AddrText.
        format(&addr, &mut text).map_err(|_| ErrorCode::EINTERNAL)?;
        write_text(buf, text.as_bytes())
    })
}

/// Parses "192.0.2.1:7" or "[2001:db8::1]:7" (a scope may follow the IPv6 address inside the
/// brackets: "[fe80::1%eth0]:7"). Host names are not looked up: see sockit_resolve().
///
/// Returns SOCKIT_OK, or SOCKIT_EINVAL if text is NULL or not such an address.
/// Does not block.
///
/// # Safety
///
/// `text` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_parse(text: *const c_char, out: *mut sockit_addr) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (text, out) = unsafe { (boundary::text(text)?, Out::new(out)?) };
        let addr = parse_socket_addr(text).ok_or(ErrorCode::EINVAL)?;
        out.write(sockit_addr::from_socket_addr(addr));
        Ok(())
    })
}

/// Makes an address from an IP literal ("192.0.2.1", "2001:db8::1", "fe80::1%eth0") and a
/// port (0 to 65535). Host names are not looked up: see sockit_resolve().
///
/// Returns SOCKIT_OK, or SOCKIT_EINVAL for a NULL or malformed ip or a port out of range.
/// Does not block.
///
/// # Safety
///
/// `ip` is NULL or a NUL-terminated string; `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_from_ip(
    ip: *const c_char,
    port: c_int,
    out: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (ip, out) = unsafe { (boundary::text(ip)?, Out::new(out)?) };
        let addr = parse_ip(ip, boundary::port(port)?).ok_or(ErrorCode::EINVAL)?;
        out.write(sockit_addr::from_socket_addr(addr));
        Ok(())
    })
}

/// Writes the address as text with its port, "192.0.2.1:7" or "[2001:db8::1]:7", and a NUL
/// into buf (len bytes; SOCKIT_ADDRSTRLEN is always enough).
///
/// Returns the length of the text (without the NUL), SOCKIT_ERANGE if it does not fit (buf is
/// left untouched), or SOCKIT_EINVAL for a NULL pointer or an address whose family is neither
/// SOCKIT_IPV4 nor SOCKIT_IPV6. Does not block.
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_format(
    addr: *const sockit_addr,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { format_into(addr, buf, len, write_socket_addr) }
}

/// Writes the IP part of the address as text, "192.0.2.1" or "2001:db8::1" (link-local
/// addresses keep their scope, "fe80::1%2"), and a NUL into buf: what the tutorials print with
/// inet_ntoa(), for both families.
///
/// Returns the length of the text (without the NUL), SOCKIT_ERANGE if it does not fit (buf is
/// left untouched), or SOCKIT_EINVAL for a NULL pointer or a bad family. Does not block.
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_format_ip(
    addr: *const sockit_addr,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    unsafe { format_into(addr, buf, len, write_ip) }
}

/// Writes the address as the system's struct sockaddr_in or sockaddr_in6 into out, which has
/// room for len bytes (a struct sockaddr_storage always has enough).
///
/// Returns the number of bytes written (pass it as the socklen_t of bind, connect, sendto...),
/// SOCKIT_ERANGE if len is too small (out is left untouched), or SOCKIT_EINVAL for a NULL
/// pointer or a bad family. Does not block.
///
/// # Safety
///
/// `addr` is NULL or points to a sockit_addr; `out` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_to_sockaddr(
    addr: *const sockit_addr,
    out: *mut sockaddr,
    len: usize,
) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (addr, out) = unsafe { (read_addr(addr)?, output_bytes(out.cast(), len)?) };
        let raw = SockAddr::from(addr);
        // SAFETY: `as_ptr` points to the address's `len` initialized bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<u8>(), raw.len() as usize) };
        write_bytes(out, bytes)
    })
}

/// Reads a system socket address (struct sockaddr_in or sockaddr_in6, as accept() or
/// recvfrom() filled it) of len bytes. An IPv4-mapped IPv6 address (an IPv4 client seen
/// through a dual-stack socket) becomes plain IPv4.
///
/// Returns SOCKIT_OK; SOCKIT_EAFNOSUPPORT if the address is neither IPv4 nor IPv6;
/// SOCKIT_EINVAL for a NULL pointer or a len too short for the address's family.
/// Does not block.
///
/// # Safety
///
/// `sa` is NULL or readable for `len` bytes; `out` is NULL or points to a sockit_addr.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_from_sockaddr(
    sa: *const sockaddr,
    len: usize,
    out: *mut sockit_addr,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (bytes, out) = unsafe { (input_bytes(sa.cast::<c_void>(), len)?, Out::new(out)?) };
        let addr = socket_addr_from_bytes(bytes)?;
        out.write(sockit_addr::from_socket_addr(addr));
        Ok(())
    })
}

/// Whether a and b are the same address and port (IPv4-mapped IPv6 equals plain IPv4).
/// False if either is NULL or has a bad family. Does not block.
///
/// # Safety
///
/// `a` and `b` are NULL or point to sockit_addr structs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_addr_equal(a: *const sockit_addr, b: *const sockit_addr) -> bool {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let pair = unsafe { (read_addr(a), read_addr(b)) };
        Ok(match pair {
            (Ok(a), Ok(b)) => same_address(a, b),
            _ => false,
        })
    })
}

/// Parses a port number: decimal digits only, 0 to 65535. Use it instead of atoi(), which
/// turns "http" or "99999" into a port without a word.
///
/// Returns the port (0 to 65535), or SOCKIT_EINVAL for NULL or anything else.
/// Does not block.
///
/// # Safety
///
/// `text` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_parse_port(text: *const c_char) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let text = unsafe { boundary::text(text) }?;
        parse_port(text)
            .map(c_int::from)
            .ok_or(ErrorCode::EINVAL.into())
    })
}

/// The system's socket address, seen only through pointers.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct sockaddr {
    _opaque: [u8; 0],
}
