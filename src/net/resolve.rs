//! Name resolution: a host name or IP literal to every address it stands for.

use std::ffi::CString;
use std::net::SocketAddr;

use crate::error::{ErrorCode, Result};
use crate::net::addr::{Family, parse_ip};
use crate::platform;

/// Every address of `host` with `port`, best first, without repeats.
///
/// IP literals (`192.0.2.1`, `::1`, `fe80::1%eth0`) are parsed without asking the resolver.
/// Anything else must look like a host name (letters, digits, `-`, `_` and dots, at most 253
/// characters, labels of 1 to 63), or it is refused with `InvalidArgument` before a single
/// query leaves the machine.
pub fn resolve(host: &str, port: u16, family: Family) -> Result<Vec<SocketAddr>> {
    if let Some(addr) = parse_ip(host, port) {
        return if family.matches(&addr) {
            Ok(vec![addr])
        } else {
            Err(ErrorCode::EAFNOSUPPORT.into())
        };
    }
    if !is_host_name(host) {
        return Err(ErrorCode::EINVAL.into());
    }
    let name = CString::new(host).map_err(|_| ErrorCode::EINVAL)?;
    let mut addresses: Vec<SocketAddr> = Vec::new();
    for mut addr in platform::lookup_host(&name, family)? {
        addr.set_port(port);
        if family.matches(&addr) && !addresses.contains(&addr) {
            addresses.push(addr);
        }
    }
    if addresses.is_empty() {
        return Err(ErrorCode::EAI_NODATA.into());
    }
    Ok(addresses)
}

/// Tries `attempt` on each address in turn: the first success, or the last failure.
pub(crate) fn first_that_works<T>(
    addresses: Vec<SocketAddr>,
    mut attempt: impl FnMut(SocketAddr) -> Result<T>,
) -> Result<T> {
    let mut last_error = ErrorCode::EAI_NODATA.into();
    for addr in addresses {
        match attempt(addr) {
            Ok(done) => return Ok(done),
            Err(err) => last_error = err,
        }
    }
    Err(last_error)
}

/// Whether `host` is shaped like a DNS name (RFC 1123, plus `_` which real names use).
pub(crate) fn is_host_name(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_do_not_need_the_resolver() {
        let addrs = resolve("192.0.2.7", 80, Family::Any).unwrap();
        assert_eq!(addrs, vec!["192.0.2.7:80".parse().unwrap()]);
        let addrs = resolve("2001:db8::7", 80, Family::V6).unwrap();
        assert_eq!(addrs, vec!["[2001:db8::7]:80".parse().unwrap()]);
        let err = resolve("192.0.2.7", 80, Family::V6).unwrap_err();
        assert_eq!(err.code(), ErrorCode::EAFNOSUPPORT);
    }

    #[test]
    fn localhost_resolves_to_loopback_addresses() {
        let addrs = resolve("localhost", 7, Family::Any).unwrap();
        assert!(!addrs.is_empty());
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 7),
            "{addrs:?}"
        );
    }

    #[test]
    fn malformed_names_never_reach_the_resolver() {
        let long_label = "a".repeat(64);
        let long_name = ["abcdefghi"; 26].join(".");
        let bad = [
            "",
            ".",
            "a..b",
            ".a",
            "exa mple.com",
            "bad/name",
            "%s%n",
            "name\u{e9}.com",
            "a\u{0}b",
            long_label.as_str(),
            long_name.as_str(),
            "[::1]",
            "1.2.3.4:80",
        ];
        for name in bad {
            let err = resolve(name, 1, Family::Any).unwrap_err();
            assert_eq!(err.code(), ErrorCode::EINVAL, "{name:?}");
        }
        assert!(is_host_name("localhost."));
        assert!(is_host_name("_service.example-1.org"));
    }
}
