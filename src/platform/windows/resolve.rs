//! Name resolution through the system resolver (`getaddrinfo`) and interface names.

use std::ffi::CStr;
use std::net::SocketAddr;
use std::ptr;

use windows_sys::Win32::NetworkManagement::IpHelper::if_nametoindex;
use windows_sys::Win32::Networking::WinSock as ws;

use super::winsock::start_winsock;
use crate::error::{Error, Result};
use crate::net::addr::Family;
use crate::platform::socket_addr_from_bytes;

/// Every address of `host` through the system resolver (`getaddrinfo`), in the resolver's
/// order of preference, with port 0.
pub(crate) fn lookup_host(host: &CStr, family: Family) -> Result<Vec<SocketAddr>> {
    start_winsock();
    // SAFETY: ADDRINFOA is a plain C struct; all zeros is its documented empty value.
    let mut hints: ws::ADDRINFOA = unsafe { std::mem::zeroed() };
    hints.ai_family = match family {
        Family::Any => ws::AF_UNSPEC,
        Family::V4 => ws::AF_INET,
        Family::V6 => ws::AF_INET6,
    } as i32;
    hints.ai_socktype = ws::SOCK_STREAM;
    let mut list: *mut ws::ADDRINFOA = ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` and `list` are valid for the call.
    let rc = unsafe { ws::getaddrinfo(host.as_ptr().cast(), ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(Error::from_os(rc));
    }
    let mut addresses = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: getaddrinfo returned a well-formed list; `entry` is one of its nodes.
        let info = unsafe { &*entry };
        if !info.ai_addr.is_null() {
            // SAFETY: `ai_addr` points to `ai_addrlen` bytes owned by the list.
            let bytes =
                unsafe { std::slice::from_raw_parts(info.ai_addr.cast::<u8>(), info.ai_addrlen) };
            addresses.extend(socket_addr_from_bytes(bytes).ok());
        }
        entry = info.ai_next;
    }
    // SAFETY: `list` came from a successful getaddrinfo and is freed once.
    unsafe { ws::freeaddrinfo(list) };
    Ok(addresses)
}

/// The index of a network interface by name, for IPv6 scope ids.
pub(crate) fn interface_index(name: &CStr) -> Option<u32> {
    // SAFETY: `name` is NUL-terminated.
    let index = unsafe { if_nametoindex(name.as_ptr().cast()) };
    (index != 0).then_some(index)
}
