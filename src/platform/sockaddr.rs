//! The system's `struct sockaddr` bytes, as the resolver and C programs hand them over, read
//! as an address.

use std::net::SocketAddr;
use std::ptr;

use socket2::{SockAddr, SockAddrStorage, socklen_t};

use crate::error::{ErrorCode, Result};
use crate::net::addr::normalize;

/// The platform's `struct sockaddr_in` / `sockaddr_in6` bytes as an address, normalized.
/// `AddressFamilyNotSupported` for other families; `InvalidArgument` when the bytes are too
/// few for their family.
pub(crate) fn socket_addr_from_bytes(bytes: &[u8]) -> Result<SocketAddr> {
    let mut storage = SockAddrStorage::zeroed();
    let len = bytes.len().min(storage.size_of() as usize);
    // SAFETY: `storage` is a plain C struct of at least `len` bytes, and `bytes` has `len`.
    unsafe {
        ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (&mut storage as *mut SockAddrStorage).cast::<u8>(),
            len,
        )
    };
    // Every platform keeps the family within the first two bytes.
    if len < 2 {
        return Err(ErrorCode::EINVAL.into());
    }
    // SAFETY: the storage is fully initialized (zeroed, then partly overwritten) and `len` is
    // within it; `as_socket` reads it according to its family field only.
    let addr = unsafe { SockAddr::new(storage, len as socklen_t) };
    let parsed = addr.as_socket().ok_or(ErrorCode::EAFNOSUPPORT)?;
    // The declared length must cover the whole structure of its family.
    if addr.len() < SockAddr::from(parsed).len() {
        return Err(ErrorCode::EINVAL.into());
    }
    Ok(normalize(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_bytes_round_trip_and_short_ones_are_refused() {
        for text in ["127.0.0.1:7", "[::1]:7", "[fe80::1%2]:7"] {
            let addr: SocketAddr = text.parse().unwrap();
            let raw = SockAddr::from(addr);
            // SAFETY: `as_ptr` points to `len` initialized bytes of the address.
            let bytes = unsafe {
                std::slice::from_raw_parts(raw.as_ptr().cast::<u8>(), raw.len() as usize)
            };
            assert_eq!(socket_addr_from_bytes(bytes), Ok(addr));
            let short = socket_addr_from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
            assert_eq!(short.code(), ErrorCode::EINVAL);
        }
        let empty = socket_addr_from_bytes(&[]).unwrap_err();
        assert_eq!(empty.code(), ErrorCode::EINVAL);
        let other_family = socket_addr_from_bytes(&[0xff; 200]).unwrap_err();
        assert_eq!(other_family.code(), ErrorCode::EAFNOSUPPORT);
    }
}
