//! Name resolution through the system resolver (`getaddrinfo`) and interface names.

use std::ffi::{CStr, c_int};
use std::io;
use std::net::SocketAddr;
use std::ptr;

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::Family;
use crate::platform::socket_addr_from_bytes;

/// Every address of `host` through the system resolver (`getaddrinfo`), in the resolver's
/// order of preference, with port 0.
pub(crate) fn lookup_host(host: &CStr, family: Family) -> Result<Vec<SocketAddr>> {
    // SAFETY: addrinfo is a plain C struct; all zeros is its documented empty value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = match family {
        Family::Any => libc::AF_UNSPEC,
        Family::V4 => libc::AF_INET,
        Family::V6 => libc::AF_INET6,
    };
    // One entry per address instead of one per socket type.
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` and `list` are valid for the call.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), ptr::null(), &hints, &mut list) };
    if rc != 0 {
        return Err(gai_error(rc));
    }
    let mut addresses = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: getaddrinfo returned a well-formed list; `entry` is one of its nodes.
        let info = unsafe { &*entry };
        if !info.ai_addr.is_null() {
            // SAFETY: `ai_addr` points to `ai_addrlen` bytes owned by the list.
            let bytes = unsafe {
                std::slice::from_raw_parts(info.ai_addr.cast::<u8>(), info.ai_addrlen as usize)
            };
            addresses.extend(socket_addr_from_bytes(bytes).ok());
        }
        entry = info.ai_next;
    }
    // SAFETY: `list` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(addresses)
}

fn gai_error(rc: c_int) -> Error {
    use ErrorCode::*;
    let code = match rc {
        libc::EAI_AGAIN => EAI_AGAIN,
        libc::EAI_FAIL => EAI_FAIL,
        libc::EAI_NONAME => EAI_NONAME,
        libc::EAI_MEMORY => ENOMEM,
        libc::EAI_FAMILY | libc::EAI_SERVICE | libc::EAI_SOCKTYPE | libc::EAI_BADFLAGS => EINVAL,
        libc::EAI_SYSTEM => return Error::from(io::Error::last_os_error()),
        rc if gai_means_no_data(rc) => EAI_NODATA,
        _ => EUNKNOWN,
    };
    Error::new(code)
}

/// `EAI_NODATA` (and glibc's `EAI_ADDRFAMILY`, -9): the name exists without an address.
fn gai_means_no_data(rc: c_int) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    if rc == libc::EAI_NODATA {
        return true;
    }
    cfg!(all(target_os = "linux", target_env = "gnu")) && rc == -9
}

/// The index of a network interface by name (`eth0`), for IPv6 scope ids.
pub(crate) fn interface_index(name: &CStr) -> Option<u32> {
    // SAFETY: `name` is NUL-terminated.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    (index != 0).then_some(index)
}
