//! Multicast groups joined by interface index for both families, any-source and
//! source-specific (RFC 3678's `MCAST_JOIN_GROUP` and `MCAST_JOIN_SOURCE_GROUP`, which Linux,
//! macOS and the BSDs have), and what the system knows of its interfaces.

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use socket2::{SockAddr, Socket};

use super::options::set_option;

/// `addr` as a `sockaddr_storage`, port 0.
fn storage(addr: IpAddr) -> libc::sockaddr_storage {
    let addr = SockAddr::from(SocketAddr::new(addr, 0));
    // SAFETY: sockaddr_storage is a plain C struct; all zeros is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    // SAFETY: `addr` holds `len` initialized bytes, fewer than a sockaddr_storage has; the
    // two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(
            addr.as_ptr().cast::<u8>(),
            (&mut storage as *mut libc::sockaddr_storage).cast::<u8>(),
            addr.len() as usize,
        )
    };
    storage
}

/// Joins (or leaves) `group`, from any source or from `source` only, on the interface with
/// index `interface` (0: the one the system routes the group to). `ipv6_socket` says at
/// which level the socket takes the option; an IPv6 socket that carries IPv4 takes IPv4
/// groups there too (Linux).
pub(crate) fn change_membership(
    socket: &Socket,
    ipv6_socket: bool,
    group: IpAddr,
    source: Option<IpAddr>,
    interface: u32,
    join: bool,
) -> io::Result<()> {
    let level = if ipv6_socket {
        libc::IPPROTO_IPV6
    } else {
        libc::IPPROTO_IP
    };
    match source {
        None => {
            let name = if join {
                libc::MCAST_JOIN_GROUP
            } else {
                libc::MCAST_LEAVE_GROUP
            };
            // SAFETY: group_req is a plain C struct; all zeros is a valid value.
            let mut req: libc::group_req = unsafe { std::mem::zeroed() };
            req.gr_interface = interface;
            req.gr_group = storage(group);
            set_option(socket, level, name, &req)
        }
        Some(source) => {
            let name = if join {
                libc::MCAST_JOIN_SOURCE_GROUP
            } else {
                libc::MCAST_LEAVE_SOURCE_GROUP
            };
            // SAFETY: group_source_req is a plain C struct; all zeros is a valid value.
            let mut req: libc::group_source_req = unsafe { std::mem::zeroed() };
            req.gsr_interface = interface;
            req.gsr_group = storage(group);
            req.gsr_source = storage(source);
            set_option(socket, level, name, &req)
        }
    }
}

/// The first IPv4 address of the interface with index `index`: how IPv4's multicast options
/// name an interface.
pub(crate) fn interface_ipv4(index: u32) -> Option<Ipv4Addr> {
    let name = interface_name(index)?;
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `list` is a live place for getifaddrs to write the list's head to.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return None;
    }
    let mut found = None;
    let mut entry = list;
    while !entry.is_null() && found.is_none() {
        // SAFETY: getifaddrs returned a well-formed list; `entry` is one of its nodes.
        let ifa = unsafe { &*entry };
        // SAFETY: a non-NULL ifa_name is a NUL-terminated string owned by the list.
        let same = !ifa.ifa_name.is_null() && unsafe { CStr::from_ptr(ifa.ifa_name) } == &*name;
        // SAFETY: a non-NULL ifa_addr points to a sockaddr whose family says its kind.
        if same
            && !ifa.ifa_addr.is_null()
            && i32::from(unsafe { (*ifa.ifa_addr).sa_family }) == libc::AF_INET
        {
            // SAFETY: an AF_INET sockaddr is a sockaddr_in.
            let addr = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in>() };
            found = Some(Ipv4Addr::from(u32::from_be(addr.sin_addr.s_addr)));
        }
        entry = ifa.ifa_next;
    }
    // SAFETY: `list` came from a successful getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// The name of the interface with index `index` (`if_indextoname`).
pub(crate) fn interface_name(index: u32) -> Option<std::ffi::CString> {
    let mut buf = [0u8; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes the call may write.
    let name = unsafe { libc::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if name.is_null() {
        return None;
    }
    CStr::from_bytes_until_nul(&buf).ok().map(CStr::to_owned)
}

/// Lets several sockets receive one multicast port's datagrams: Linux needs only
/// `SO_REUSEADDR` (set already); macOS and the BSDs need `SO_REUSEPORT` as well.
pub(crate) fn share_port_for_multicast(socket: &Socket) -> io::Result<()> {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        return Ok(());
    }
    socket.set_reuse_port(true)
}
