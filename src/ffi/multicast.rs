//! Header section: broadcast and multicast UDP.
//!
//! A datagram sent to a multicast group (224.0.0.0/4, ff00::/8) reaches every socket that
//! joined the group, on this host and, within its TTL, on the network; one sent to a
//! broadcast address reaches every host of the IPv4 subnet. A receiver:
//!
//! ```c
//! sockit_socket sock;
//! char buf[1500];
//! int64_t n;
//! if (sockit_udp_multicast_socket("239.1.2.3", 5000, NULL, &sock) < 0) ...
//! while ((n = sockit_recvfrom(sock, buf, sizeof buf, NULL)) >= 0) ...
//! ```
//!
//! and a sender: any UDP socket, sockit_sendto() to the group's address and port (after
//! sockit_set_multicast_ttl() to reach beyond the local network).
//!
//! Groups are IP literals ("239.1.2.3", "ff12::1234"); anything that is not a multicast
//! address fails with SOCKIT_EINVAL. Interfaces (the iface arguments; Windows' headers take
//! the word "interface" for themselves) are text too: NULL or "" lets the system
//! pick (by its routes to the group), a name ("eth0"), an index ("2"), or, for IPv4, an
//! address of the interface ("192.0.2.1"); a name no interface has fails with SOCKIT_ENODEV.
//! Every call here needs a UDP socket (SOCKIT_EOPNOTSUPP for others), of the group's family
//! (SOCKIT_EAFNOSUPPORT otherwise; a dual-stack IPv6 socket takes IPv4 groups where the
//! system allows it, as Linux does), and none of them blocks.

use std::ffi::{c_char, c_int};

use crate::error::{ErrorCode, Result};
use crate::ffi::boundary::{self, Out, borrow, call, call_status, output_bytes};
use crate::ffi::options::{get_option, set_option};
use crate::ffi::socket::sockit_socket;
use crate::net::multicast::{self, Interface};
use crate::platform;

/// A group, source and interface from C, checked.
///
/// # Safety
///
/// Each pointer is NULL or a NUL-terminated string.
unsafe fn membership(
    group: *const c_char,
    source: Option<*const c_char>,
    iface: *const c_char,
) -> Result<(std::net::IpAddr, Option<std::net::IpAddr>, Interface)> {
    // SAFETY: the caller's promises are passed on.
    let (group, interface) = unsafe { (boundary::text(group)?, boundary::optional_text(iface)?) };
    let group = multicast::parse_group(group)?;
    let source = match source {
        None => None,
        Some(source) => {
            // SAFETY: the caller's promise is passed on.
            let text = unsafe { boundary::text(source) }?;
            let source = crate::net::addr::parse_ip(text, 0).ok_or(ErrorCode::EINVAL)?;
            Some(source.ip())
        }
    };
    Ok((group, source, Interface::parse(interface)?))
}

/// Joins or leaves a group for the caller's socket.
///
/// # Safety
///
/// `group`, `source` (if given) and `iface` are NULL or NUL-terminated strings.
unsafe fn change(
    sock: sockit_socket,
    group: *const c_char,
    source: Option<*const c_char>,
    iface: *const c_char,
    join: bool,
) -> c_int {
    set_option(sock, |sock| {
        // SAFETY: the caller's promises are passed on.
        let (group, source, interface) = unsafe { membership(group, source, iface) }?;
        multicast::change_membership(sock, group, source, interface, join)
    })
}

/// SO_BROADCAST: lets the UDP socket send to a broadcast address (255.255.255.255, or a
/// subnet's, such as 192.168.1.255), which it may not otherwise. IPv4 only: IPv6 has
/// multicast instead. Returns SOCKIT_OK, or fails with SOCKIT_EOPNOTSUPP (not a UDP socket),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_broadcast(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| multicast::set_broadcast(sock, on != 0))
}

/// Writes 1 to *on if SO_BROADCAST is set, else 0. Fails with SOCKIT_EOPNOTSUPP (not a UDP
/// socket), SOCKIT_EINVAL (NULL on), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_broadcast(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, on, |sock| multicast::broadcast(sock).map(c_int::from)) }
}

/// Joins the multicast group on the interface iface (iface NULL (or "") lets the system pick,
/// by its routes to the group): the UDP socket then
/// receives the datagrams sent to the group at the port it is bound to, from any source.
/// A socket may join several groups, and several sockets one group (bind them to the port
/// with sockit_udp_multicast_socket(), which also joins).
///
/// Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (group NULL or not a multicast address,
/// an IPv4 address as an IPv6 group's interface), SOCKIT_EADDRINUSE (joined already),
/// SOCKIT_ENODEV (no such interface), SOCKIT_EAFNOSUPPORT (the group's family is not the
/// socket's), SOCKIT_EOPNOTSUPP (not a UDP socket), SOCKIT_ENOBUFS (too many groups),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `group` and `iface` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_join_group(
    sock: sockit_socket,
    group: *const c_char,
    iface: *const c_char,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { change(sock, group, None, iface, true) }
}

/// Leaves a group joined with sockit_udp_join_group() (the same group and iface: iface NULL
/// (or "") for the system's choice).
/// Closing the socket leaves every group it joined. Returns SOCKIT_OK, or fails with
/// SOCKIT_EADDRNOTAVAIL (not joined there) or as sockit_udp_join_group() does. Does not
/// block.
///
/// # Safety
///
/// `group` and `iface` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_leave_group(
    sock: sockit_socket,
    group: *const c_char,
    iface: *const c_char,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { change(sock, group, None, iface, false) }
}

/// Joins the group for datagrams from source only (source-specific multicast, RFC 4607; the
/// groups 232.0.0.0/8 and ff3x::/32 are meant for it, though any group works), on the
/// interface iface (iface NULL (or "") lets the system pick): datagrams to the group from
/// other senders do not reach the socket. Call it once per source. Linux,
/// macOS, the BSDs and Windows have it.
///
/// Returns SOCKIT_OK, or fails as sockit_udp_join_group() does (a source joined already is
/// SOCKIT_EADDRNOTAVAIL on Linux), and with SOCKIT_EINVAL for a source that is NULL, not an
/// address of the group's family, or multicast itself. Does not block.
///
/// # Safety
///
/// `group`, `source` and `iface` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_join_source_group(
    sock: sockit_socket,
    group: *const c_char,
    source: *const c_char,
    iface: *const c_char,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { change(sock, group, Some(source), iface, true) }
}

/// Stops receiving the group's datagrams from source (see
/// sockit_udp_join_source_group(); the same iface, iface NULL (or "") for the system's
/// choice). Returns SOCKIT_OK, or fails with SOCKIT_EADDRNOTAVAIL or
/// SOCKIT_EINVAL (not joined for that source: Linux says the latter), or as
/// sockit_udp_join_source_group() does. Does not block.
///
/// # Safety
///
/// `group`, `source` and `iface` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_leave_source_group(
    sock: sockit_socket,
    group: *const c_char,
    source: *const c_char,
    iface: *const c_char,
) -> c_int {
    // SAFETY: the C caller's promises, as documented above.
    unsafe { change(sock, group, Some(source), iface, false) }
}

/// Sets how far the multicast datagrams the socket sends may travel: the IPv4 time to live
/// (IP_MULTICAST_TTL) or IPv6 hop limit (IPV6_MULTICAST_HOPS), 0 to 255. 0 keeps them on
/// this host, 1 (the default) on the local network, each more crosses one more router. A
/// dual-stack IPv6 socket sets both. Returns SOCKIT_OK, or fails with SOCKIT_EINVAL (out of
/// range), SOCKIT_EOPNOTSUPP (not a UDP socket), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not
/// block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_multicast_ttl(sock: sockit_socket, ttl: c_int) -> c_int {
    set_option(sock, |sock| {
        let ttl = u8::try_from(ttl).map_err(|_| ErrorCode::EINVAL)?;
        multicast::set_ttl(sock, ttl)
    })
}

/// Writes the multicast TTL (IPv4) or hop limit (IPv6) to *ttl; see
/// sockit_set_multicast_ttl(). Fails with SOCKIT_EOPNOTSUPP (not a UDP socket), SOCKIT_EINVAL
/// (NULL ttl), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `ttl` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_multicast_ttl(sock: sockit_socket, ttl: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe { get_option(sock, ttl, |sock| multicast::ttl(sock).map(c_int::from)) }
}

/// Whether the multicast datagrams the socket sends also reach the groups' members on this
/// host (IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP; on by default). It concerns datagrams that
/// leave by a real interface: those sent over the loopback interface come back whatever it
/// says. A dual-stack IPv6 socket sets both. Returns SOCKIT_OK, or fails with SOCKIT_EOPNOTSUPP (not a UDP socket),
/// SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
#[unsafe(no_mangle)]
pub extern "C" fn sockit_set_multicast_loop(sock: sockit_socket, on: c_int) -> c_int {
    set_option(sock, |sock| multicast::set_loop(sock, on != 0))
}

/// Writes 1 to *on if multicast loops back to this host, else 0; see
/// sockit_set_multicast_loop(). Fails with SOCKIT_EOPNOTSUPP (not a UDP socket),
/// SOCKIT_EINVAL (NULL on), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `on` is NULL or points to an int.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_multicast_loop(sock: sockit_socket, on: *mut c_int) -> c_int {
    // SAFETY: the C caller's promise, as documented above.
    unsafe {
        get_option(sock, on, |sock| {
            multicast::multicast_loop(sock).map(c_int::from)
        })
    }
}

/// Sets the interface the socket's multicast datagrams leave by (IP_MULTICAST_IF,
/// IPV6_MULTICAST_IF) to iface; iface NULL (or "") gives the choice back to the system's
/// routes.
/// IPv4 names an interface by one of its addresses: a name or index is taken as the
/// interface's first IPv4 address (on Windows, as Windows' own form for an index). A
/// dual-stack IPv6 socket sets both. Returns SOCKIT_OK, or fails with SOCKIT_ENODEV (no such interface, or one without
/// an IPv4 address for an IPv4 socket), SOCKIT_EADDRNOTAVAIL (an IPv4 address no interface
/// has), SOCKIT_EINVAL (an IPv4 address for an IPv6 socket), SOCKIT_EOPNOTSUPP (not a UDP
/// socket), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `iface` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_set_multicast_interface(
    sock: sockit_socket,
    iface: *const c_char,
) -> c_int {
    set_option(sock, |sock| {
        // SAFETY: the C caller's promise, as documented above.
        let interface = Interface::parse(unsafe { boundary::optional_text(iface) }?)?;
        multicast::set_interface(sock, interface)
    })
}

/// Writes the interface the socket's multicast datagrams leave by, as text, and a NUL into
/// buf (len bytes; 64 is always enough): "" when the system picks, an IPv4 socket's address
/// of it ("192.0.2.1"), an IPv6 socket's interface name ("eth0", or its index where it has
/// no name). Returns the length of the text (without the NUL); fails with SOCKIT_ERANGE if it
/// does not fit (buf untouched), SOCKIT_EOPNOTSUPP (not a UDP socket), SOCKIT_EINVAL (NULL
/// buf), SOCKIT_EBADF or SOCKIT_ENOTSOCK. Does not block.
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_get_multicast_interface(
    sock: sockit_socket,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    call(|| {
        // SAFETY: the C caller's promises, as documented above.
        let (sock, buf) = unsafe { (borrow(sock)?, output_bytes(buf.cast(), len)?) };
        let text = multicast::interface_text(multicast::interface(&sock)?);
        let with_nul = [text.as_bytes(), &[0]].concat();
        let dest = buf.get_mut(..with_nul.len()).ok_or(ErrorCode::ERANGE)?;
        for (slot, &byte) in dest.iter_mut().zip(&with_nul) {
            slot.write(byte);
        }
        c_int::try_from(text.len()).map_err(|_| ErrorCode::ERANGE.into())
    })
}

/// Creates a UDP socket that receives a multicast group's datagrams on port: of the group's
/// family, bound to port on every address of that family, sharing the port with other such
/// sockets (of this program and others: each gets every datagram; SO_REUSEADDR, and
/// SO_REUSEPORT on macOS and the BSDs), and joined to group on iface (iface NULL (or "")
/// lets the system pick). Receive with sockit_recvfrom(); join more groups with
/// sockit_udp_join_group().
///
/// On success writes the socket to *out (close it with sockit_close(), which leaves the
/// group) and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (group NULL or not a multicast
/// address, bad port, NULL out), SOCKIT_ENODEV, SOCKIT_EADDRINUSE (a socket that does not
/// share holds the port), SOCKIT_EAFNOSUPPORT (the family is not available), or as
/// sockit_udp_join_group() does. Does not block.
///
/// # Safety
///
/// `group` and `iface` are NULL or NUL-terminated strings; `out` is NULL or points to a
/// sockit_socket.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_udp_multicast_socket(
    group: *const c_char,
    port: c_int,
    iface: *const c_char,
    out: *mut sockit_socket,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promises, as documented above.
        let ((group, _, interface), out) =
            unsafe { (membership(group, None, iface)?, Out::new(out)?) };
        let socket = multicast::receiver(group, boundary::port(port)?, interface)?;
        out.write(platform::into_raw(socket));
        Ok(())
    })
}
