//! Header section: name resolution.

use std::ffi::{c_char, c_int};

use crate::error::ErrorCode;
use crate::ffi::addr::{self, sockit_addr};
use crate::ffi::boundary::{self, call};
use crate::net::resolve::resolve;

/// Looks up every address of host ("example.org", "localhost", or an IP literal such as
/// "192.0.2.1" or "::1") with the given port, best first, and writes up to max_addrs of them
/// into addrs. family is SOCKIT_ANY, SOCKIT_IPV4 or SOCKIT_IPV6.
///
/// Returns how many addresses the host has (at least 1), which may be more than max_addrs:
/// call with addrs NULL and max_addrs 0 to count them. Fails with SOCKIT_EAI_NONAME (unknown
/// name), SOCKIT_EAI_NODATA (no address of that family), SOCKIT_EAI_AGAIN (the name server did
/// not answer; try later), SOCKIT_EAI_FAIL, SOCKIT_EAFNOSUPPORT (a literal of the other
/// family), or SOCKIT_EINVAL (NULL host, a host that is no valid name (no query is sent for
/// it), bad port or family, addrs NULL with max_addrs > 0).
///
/// Blocks while the system resolver asks the name servers (IP literals never block).
///
/// # Safety
///
/// `host` is NULL or a NUL-terminated string; `addrs` is NULL or writable for `max_addrs`
/// sockit_addr structs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_resolve(
    host: *const c_char,
    port: c_int,
    family: c_int,
    addrs: *mut sockit_addr,
    max_addrs: usize,
) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let host = unsafe { boundary::text(host) }?;
        let (port, family) = (boundary::port(port)?, addr::family(family)?);
        let too_many = max_addrs > isize::MAX as usize / size_of::<sockit_addr>();
        if (addrs.is_null() && max_addrs > 0) || too_many {
            return Err(ErrorCode::EINVAL.into());
        }
        let found = resolve(host, port, family)?;
        for (index, addr) in found.iter().take(max_addrs).enumerate() {
            // SAFETY: index < max_addrs, and `addrs` is writable for max_addrs entries.
            unsafe {
                addrs
                    .add(index)
                    .write_unaligned(sockit_addr::from_socket_addr(*addr))
            };
        }
        Ok(c_int::try_from(found.len()).unwrap_or(c_int::MAX))
    })
}
