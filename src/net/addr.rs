//! IP socket addresses: families, parsing and formatting, and the IPv4-mapped form.
//!
//! Addresses are `std::net::SocketAddr`. An IPv4 client seen through a dual-stack IPv6 socket
//! arrives as `::ffff:a.b.c.d`; [`normalize`] turns it back into plain IPv4, and every address
//! the core hands out has been through it.

use std::ffi::CString;
use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use socket2::SockAddr;

use crate::platform;

/// Which IP versions an operation may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4 or IPv6, whichever the name or the system offers.
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl Family {
    /// Whether `addr` belongs to this family.
    pub fn matches(self, addr: &SocketAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => addr.is_ipv4(),
            Family::V6 => addr.is_ipv6(),
        }
    }
}

/// Parses an IP literal with the given port: `192.0.2.1`, `2001:db8::1`, or a link-local
/// IPv6 address with its scope, `fe80::1%2` or `fe80::1%eth0`.
pub fn parse_ip(text: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        return Some(SocketAddr::from((v4, port)));
    }
    let (ip, scope) = match text.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (text, None),
    };
    let ip: Ipv6Addr = ip.parse().ok()?;
    let scope_id = match scope {
        Some(scope) => scope_id(scope)?,
        None => 0,
    };
    Some(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope_id)))
}

fn scope_id(text: &str) -> Option<u32> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    platform::interface_index(&CString::new(text).ok()?)
}

/// Parses an address with its port: `192.0.2.1:7` or `[2001:db8::1]:7` (the brackets may
/// hold a scope, `[fe80::1%eth0]:7`). An IPv6 address must be bracketed.
pub fn parse_socket_addr(text: &str) -> Option<SocketAddr> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (host, port) = rest.split_once("]:")?;
            (host.contains(':').then_some(host)?, port)
        }
        None => {
            let (host, port) = text.rsplit_once(':')?;
            (host.parse::<Ipv4Addr>().is_ok().then_some(host)?, port)
        }
    };
    parse_ip(host, parse_port(port)?)
}

/// Parses a decimal port number, 0 to 65535: digits only, no sign, no spaces.
pub fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the plain IPv4 address it stands for;
/// any other address unchanged.
pub fn normalize(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::from((v4, v6.port())),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

/// An IPv4 address in the form an IPv6 socket sends to (`::ffff:a.b.c.d`).
pub fn to_ipv6_mapped(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) => SocketAddr::from((v4.ip().to_ipv6_mapped(), v4.port())),
        SocketAddr::V6(_) => addr,
    }
}

/// Whether two addresses name the same endpoint, whatever the IPv4 spelling.
pub fn same_endpoint(a: SocketAddr, b: SocketAddr) -> bool {
    let (a, b) = (normalize(a), normalize(b));
    a.ip() == b.ip() && a.port() == b.port()
}

/// Whether two addresses are the same socket address: the same endpoint whatever the IPv4
/// spelling ([`same_endpoint`]), and for IPv6 the same scope (a link-local address on
/// another interface is another address). Flow labels do not count.
pub fn same_address(a: SocketAddr, b: SocketAddr) -> bool {
    let scope = |addr: SocketAddr| match normalize(addr) {
        SocketAddr::V6(v6) => v6.scope_id(),
        SocketAddr::V4(_) => 0,
    };
    same_endpoint(a, b) && scope(a) == scope(b)
}

/// The IP part as text: `192.0.2.1`, `2001:db8::1`, `fe80::1%2`.
pub fn ip_text(addr: &SocketAddr) -> String {
    let mut text = AddrText::new();
    // The longest address fits: writing cannot fail.
    let _ = write_ip(addr, &mut text);
    text.as_str().to_owned()
}

/// The text of an address, built on the stack: a ported tutorial server prints its client's
/// address for every datagram, and a `String` would be an allocation each time.
pub(crate) struct AddrText {
    bytes: [u8; AddrText::CAPACITY],
    len: usize,
}

impl AddrText {
    /// The longest text: `[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295]:65535`.
    const CAPACITY: usize = 64;

    pub(crate) fn new() -> AddrText {
        AddrText {
            bytes: [0; AddrText::CAPACITY],
            len: 0,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole `str`s and ASCII digits and dots are ever written.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes (ASCII), without checking them again as `as_str` does.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, byte: u8) -> fmt::Result {
        let slot = self.bytes.get_mut(self.len).ok_or(fmt::Error)?;
        *slot = byte;
        self.len += 1;
        Ok(())
    }

    /// A number in decimal, without std's formatter (see [`write_ip`]).
    fn push_decimal(&mut self, mut n: u32) -> fmt::Result {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        digits[i..].iter().try_for_each(|&d| self.push(d))
    }

    fn push_ipv4(&mut self, ip: Ipv4Addr) -> fmt::Result {
        // At most 15 bytes, written into a copy and taken whole: one bounds check.
        let mut text = [0u8; 15];
        let mut len = 0;
        for (i, octet) in ip.octets().into_iter().enumerate() {
            if i > 0 {
                text[len] = b'.';
                len += 1;
            }
            if octet >= 100 {
                text[len] = b'0' + octet / 100;
                len += 1;
            }
            if octet >= 10 {
                text[len] = b'0' + octet / 10 % 10;
                len += 1;
            }
            text[len] = b'0' + octet % 10;
            len += 1;
        }
        self.push_bytes(&text[..len])
    }

    fn push_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        let end = self.len + bytes.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

impl Default for AddrText {
    fn default() -> AddrText {
        AddrText::new()
    }
}

impl fmt::Write for AddrText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.push_bytes(text.as_bytes())
    }
}

/// Writes the IP part as [`ip_text`] gives it. IPv4, what nearly every tutorial client is,
/// is written digit by digit: std's formatter cost more than the tutorial's inet_ntoa(),
/// which the ported UDP tutorial is measured against (README, "What made sockit fast").
pub(crate) fn write_ip(addr: &SocketAddr, out: &mut AddrText) -> fmt::Result {
    match addr {
        SocketAddr::V4(v4) => out.push_ipv4(*v4.ip()),
        SocketAddr::V6(v6) if v6.scope_id() != 0 => write!(out, "{}%{}", v6.ip(), v6.scope_id()),
        SocketAddr::V6(v6) => write!(out, "{}", v6.ip()),
    }
}

/// Writes the address with its port: `192.0.2.1:7`, `[2001:db8::1]:7`, as `Display` does.
pub(crate) fn write_socket_addr(addr: &SocketAddr, out: &mut AddrText) -> fmt::Result {
    match addr {
        SocketAddr::V4(v4) => {
            out.push_ipv4(*v4.ip())?;
            out.push(b':')?;
            out.push_decimal(v4.port().into())
        }
        SocketAddr::V6(_) => write!(out, "{addr}"),
    }
}

/// A socket2 address as an IP address, normalized; `None` for other families.
pub fn from_sock_addr(addr: &SockAddr) -> Option<SocketAddr> {
    addr.as_socket().map(normalize)
}

/// The unspecified address of a family (`0.0.0.0` or `::`) with a port.
pub fn unspecified(ipv6: bool, port: u16) -> SocketAddr {
    let ip: IpAddr = if ipv6 {
        Ipv6Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::UNSPECIFIED.into()
    };
    SocketAddr::new(ip, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_of_both_families() {
        assert_eq!(
            parse_ip("127.0.0.1", 7),
            Some("127.0.0.1:7".parse().unwrap())
        );
        assert_eq!(parse_ip("::1", 7), Some("[::1]:7".parse().unwrap()));
        let scoped = parse_ip("fe80::1%3", 7).unwrap();
        assert_eq!(scoped, "[fe80::1%3]:7".parse().unwrap());
        for bad in [
            "",
            "localhost",
            "1.2.3",
            "::1%",
            "fe80::1%no-such-if0",
            "1.2.3.4%1",
            " ::1",
        ] {
            assert_eq!(parse_ip(bad, 7), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_addresses_with_ports() {
        assert_eq!(
            parse_socket_addr("192.0.2.1:80"),
            Some("192.0.2.1:80".parse().unwrap())
        );
        assert_eq!(
            parse_socket_addr("[::1]:65535"),
            Some("[::1]:65535".parse().unwrap())
        );
        let bad = [
            "192.0.2.1",
            "::1:80",
            "[::1]",
            "[::1]:",
            "[::1]:65536",
            "[1.2.3.4]:80",
            "1.2.3.4:-1",
            "1.2.3.4:+80",
            "host:80",
            "[::1]:80x",
            "",
        ];
        for text in bad {
            assert_eq!(parse_socket_addr(text), None, "{text:?}");
        }
    }

    #[test]
    fn ports_are_plain_decimal() {
        assert_eq!(parse_port("0"), Some(0));
        assert_eq!(parse_port("65535"), Some(65535));
        for bad in ["", "65536", "-1", "+1", " 1", "1 ", "0x10", "999999", "٣"] {
            assert_eq!(parse_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn mapped_addresses_become_ipv4() {
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:9".parse().unwrap();
        assert_eq!(normalize(mapped), "192.0.2.1:9".parse().unwrap());
        let v6: SocketAddr = "[2001:db8::1]:9".parse().unwrap();
        assert_eq!(normalize(v6), v6);
        assert_eq!(to_ipv6_mapped("192.0.2.1:9".parse().unwrap()), mapped);
        assert!(same_endpoint(mapped, "192.0.2.1:9".parse().unwrap()));
        assert!(!same_endpoint(mapped, "192.0.2.1:10".parse().unwrap()));
    }

    #[test]
    fn same_address_needs_the_same_scope_but_not_the_same_spelling() {
        let parse = |text: &str| parse_socket_addr(text).unwrap();
        assert!(same_address(
            parse("127.0.0.1:7"),
            parse("[::ffff:127.0.0.1]:7")
        ));
        assert!(same_address(parse("[fe80::1%2]:7"), parse("[fe80::1%2]:7")));
        assert!(!same_address(
            parse("[fe80::1%2]:7"),
            parse("[fe80::1%3]:7")
        ));
        assert!(!same_address(
            parse("[fe80::1%2]:7"),
            parse("[fe80::1%2]:8")
        ));
        assert!(!same_address(parse("[::1]:7"), parse("127.0.0.1:7")));
    }

    #[test]
    fn ip_text_keeps_the_scope() {
        assert_eq!(ip_text(&"[fe80::1%4]:1".parse().unwrap()), "fe80::1%4");
        assert_eq!(ip_text(&"10.0.0.1:1".parse().unwrap()), "10.0.0.1");
    }

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        for text in [
            "0.0.0.0:0",
            "10.0.0.1:1",
            "255.255.255.255:65535",
            "192.168.100.20:8080",
            "[::1]:7",
            "[2001:db8::1]:443",
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
            "[::ffff:1.2.3.4]:9",
            "[fe80::1%4294967295]:65535",
        ] {
            let addr: SocketAddr = text.parse().unwrap();
            let mut out = AddrText::new();
            write_socket_addr(&addr, &mut out).unwrap();
            assert_eq!(out.as_str(), addr.to_string());
            let mut ip = AddrText::new();
            write_ip(&addr, &mut ip).unwrap();
            let expected = match addr {
                SocketAddr::V6(v6) if v6.scope_id() != 0 => {
                    format!("{}%{}", v6.ip(), v6.scope_id())
                }
                _ => addr.ip().to_string(),
            };
            assert_eq!(ip.as_str(), expected);
        }
        let longest: SocketAddr = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535"
            .parse()
            .unwrap();
        let mut out = AddrText::new();
        write_socket_addr(&longest, &mut out).unwrap();
        assert_eq!(out.as_str(), longest.to_string());
    }
}
