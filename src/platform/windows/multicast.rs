//! Multicast groups on Windows, joined by interface index for both families, any-source and
//! source-specific (`MCAST_JOIN_GROUP`, `MCAST_JOIN_SOURCE_GROUP`, Windows Vista and later),
//! and what the system knows of its interfaces.

use std::ffi::CString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::windows::io::AsRawSocket;

use socket2::{SockAddr, Socket};
use windows_sys::Win32::NetworkManagement::IpHelper::if_indextoname;
use windows_sys::Win32::Networking::WinSock as ws;

use super::error::last_os_error;

/// `addr` as a `SOCKADDR_STORAGE`, port 0.
fn storage(addr: IpAddr) -> ws::SOCKADDR_STORAGE {
    let addr = SockAddr::from(SocketAddr::new(addr, 0));
    // SAFETY: SOCKADDR_STORAGE is a plain C struct; all zeros is a valid value.
    let mut storage: ws::SOCKADDR_STORAGE = unsafe { std::mem::zeroed() };
    // SAFETY: `addr` holds `len` initialized bytes, fewer than a SOCKADDR_STORAGE has; the
    // two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(
            addr.as_ptr().cast::<u8>(),
            (&mut storage as *mut ws::SOCKADDR_STORAGE).cast::<u8>(),
            addr.len() as usize,
        )
    };
    storage
}

/// Sets an option whose value is a plain C struct.
fn set_option<T>(socket: &Socket, level: i32, name: i32, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live T and its size is what is passed.
    let rc = unsafe {
        ws::setsockopt(
            socket.as_raw_socket() as ws::SOCKET,
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as i32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(last_os_error()))
    }
}

/// Joins (or leaves) `group`, from any source or from `source` only, on the interface with
/// index `interface` (0: the one the system routes the group to).
pub(crate) fn change_membership(
    socket: &Socket,
    ipv6_socket: bool,
    group: IpAddr,
    source: Option<IpAddr>,
    interface: u32,
    join: bool,
) -> io::Result<()> {
    let level = if ipv6_socket {
        ws::IPPROTO_IPV6
    } else {
        ws::IPPROTO_IP
    };
    match source {
        None => {
            let name = if join {
                ws::MCAST_JOIN_GROUP
            } else {
                ws::MCAST_LEAVE_GROUP
            };
            let req = ws::GROUP_REQ {
                gr_interface: interface,
                gr_group: storage(group),
            };
            set_option(socket, level, name as i32, &req)
        }
        Some(source) => {
            let name = if join {
                ws::MCAST_JOIN_SOURCE_GROUP
            } else {
                ws::MCAST_LEAVE_SOURCE_GROUP
            };
            let req = ws::GROUP_SOURCE_REQ {
                gsr_interface: interface,
                gsr_group: storage(group),
                gsr_source: storage(source),
            };
            set_option(socket, level, name as i32, &req)
        }
    }
}

/// How IPv4's `IP_MULTICAST_IF` names an interface by index on Windows: `0.0.0.<index>`
/// (an address in 0.0.0.0/8, which no interface has, is taken for an index).
pub(crate) fn interface_ipv4(index: u32) -> Option<Ipv4Addr> {
    (index < 1 << 24).then(|| Ipv4Addr::from(index))
}

/// The name of the interface with index `index`.
pub(crate) fn interface_name(index: u32) -> Option<CString> {
    // IF_MAX_STRING_SIZE (256) characters and the NUL.
    let mut buf = [0u8; 257];
    // SAFETY: `buf` has room for the longest name (IF_MAX_STRING_SIZE + 1 bytes).
    let name = unsafe { if_indextoname(index, buf.as_mut_ptr()) };
    if name.is_null() {
        return None;
    }
    std::ffi::CStr::from_bytes_until_nul(&buf)
        .ok()
        .map(|name| name.to_owned())
}

/// Windows lets several sockets receive one multicast port's datagrams with `SO_REUSEADDR`
/// (set already).
pub(crate) fn share_port_for_multicast(_socket: &Socket) -> io::Result<()> {
    Ok(())
}
