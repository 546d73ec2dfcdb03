//! Broadcast and multicast UDP: joining and leaving groups (from any source, or from one
//! source only), and the options of the multicast datagrams a socket sends.

use std::net::{IpAddr, Ipv4Addr};

use socket2::{Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::{parse_ip, unspecified};
use crate::net::options::{carries_ipv4, get_by_family, is_ipv6, set_by_family};
use crate::platform;

/// A network interface, as multicast options name one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// The one the system picks (by its routes to the group).
    Any,
    /// The interface with this index.
    Index(u32),
    /// The interface with this IPv4 address (IPv4 only: how IPv4's own options name it).
    Address(Ipv4Addr),
}

impl Interface {
    /// An interface from its text: none or empty for [`Interface::Any`], an index
    /// (`2`), an IPv4 address (`192.0.2.1`), or a name (`eth0`). A name no interface has is
    /// `NoDevice`.
    pub fn parse(text: Option<&str>) -> Result<Interface> {
        let text = match text {
            None | Some("") => return Ok(Interface::Any),
            Some(text) => text,
        };
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .map(Interface::Index)
                .map_err(|_| ErrorCode::EINVAL.into());
        }
        if let Ok(addr) = text.parse::<Ipv4Addr>() {
            return Ok(Interface::Address(addr));
        }
        let name = std::ffi::CString::new(text).map_err(|_| ErrorCode::EINVAL)?;
        platform::interface_index(&name)
            .map(Interface::Index)
            .ok_or(ErrorCode::ENODEV.into())
    }

    /// The interface's index for the protocol-independent calls; IPv4 addresses are not
    /// indexes.
    fn index(self) -> Option<u32> {
        match self {
            Interface::Any => Some(0),
            Interface::Index(index) => Some(index),
            Interface::Address(_) => None,
        }
    }
}

/// A multicast group from its text (an IP literal): anything that is not a multicast
/// address is `InvalidArgument`.
pub fn parse_group(text: &str) -> Result<IpAddr> {
    let group = parse_ip(text, 0).ok_or(ErrorCode::EINVAL)?.ip();
    if !group.is_multicast() {
        return Err(ErrorCode::EINVAL.into());
    }
    Ok(group)
}

/// A UDP socket: anything else (a TCP socket, a listener) is `NotSupported` for multicast
/// and broadcast.
fn datagram_socket(socket: &Socket) -> Result<()> {
    match socket.r#type()? {
        Type::DGRAM => Ok(()),
        _ => Err(ErrorCode::EOPNOTSUPP.into()),
    }
}

/// `SO_BROADCAST`: whether datagrams may be sent to a broadcast address (`255.255.255.255`,
/// a subnet's broadcast address). IPv4 only; IPv6 has multicast instead.
pub fn set_broadcast(socket: &Socket, on: bool) -> Result<()> {
    datagram_socket(socket)?;
    socket.set_broadcast(on).map_err(Error::from)
}

/// Whether `SO_BROADCAST` is set.
pub fn broadcast(socket: &Socket) -> Result<bool> {
    datagram_socket(socket)?;
    socket.broadcast().map_err(Error::from)
}

/// Joins (`join`) or leaves `group` on `interface`, from any source or from `source` only
/// (source-specific multicast: Linux, macOS, the BSDs, Windows). The group must be a
/// multicast address of the socket's family (an IPv4 group on a dual-stack IPv6 socket works
/// where the system allows it, as Linux does), a source an address of the group's family.
pub fn change_membership(
    socket: &Socket,
    group: IpAddr,
    source: Option<IpAddr>,
    interface: Interface,
    join: bool,
) -> Result<()> {
    datagram_socket(socket)?;
    if !group.is_multicast()
        || source.is_some_and(|s| s.is_ipv4() != group.is_ipv4() || s.is_multicast())
        || (group.is_ipv6() && matches!(interface, Interface::Address(_)))
    {
        return Err(ErrorCode::EINVAL.into());
    }
    let ipv6_socket = is_ipv6(socket)?;
    if group.is_ipv6() != ipv6_socket && !(group.is_ipv4() && carries_ipv4(socket)) {
        return Err(ErrorCode::EAFNOSUPPORT.into());
    }
    let result = match (interface, group, source) {
        // IPv4's own options name the interface by an address.
        (Interface::Address(at), IpAddr::V4(group), None) if join => {
            socket.join_multicast_v4(&group, &at)
        }
        (Interface::Address(at), IpAddr::V4(group), None) => socket.leave_multicast_v4(&group, &at),
        (Interface::Address(at), IpAddr::V4(group), Some(IpAddr::V4(source))) if join => {
            socket.join_ssm_v4(&source, &group, &at)
        }
        (Interface::Address(at), IpAddr::V4(group), Some(IpAddr::V4(source))) => {
            socket.leave_ssm_v4(&source, &group, &at)
        }
        _ => {
            let index = interface.index().ok_or(ErrorCode::EINVAL)?;
            platform::change_membership(socket, ipv6_socket, group, source, index, join)
        }
    };
    result.map_err(Error::from)
}

/// The time to live (IPv4 `IP_MULTICAST_TTL`) or hop limit (IPv6 `IPV6_MULTICAST_HOPS`) of
/// the multicast datagrams sent, 0 to 255: 0 keeps them on this host, 1 (the default) on the
/// local network. A dual-stack socket sets both.
pub fn set_ttl(socket: &Socket, ttl: u8) -> Result<()> {
    datagram_socket(socket)?;
    set_by_family(
        socket,
        |socket| socket.set_multicast_ttl_v4(ttl.into()),
        |socket| socket.set_multicast_hops_v6(ttl.into()),
    )
}

/// The multicast TTL or hop limit; see [`set_ttl`].
pub fn ttl(socket: &Socket) -> Result<u8> {
    datagram_socket(socket)?;
    get_by_family(socket, Socket::multicast_ttl_v4, Socket::multicast_hops_v6)
}

/// Whether the multicast datagrams sent also reach this host's own members of the group (on
/// by default). A dual-stack socket sets both families' option.
pub fn set_loop(socket: &Socket, on: bool) -> Result<()> {
    datagram_socket(socket)?;
    set_by_family(
        socket,
        |socket| socket.set_multicast_loop_v4(on),
        |socket| socket.set_multicast_loop_v6(on),
    )
}

/// Whether multicast loops back to this host; see [`set_loop`].
pub fn multicast_loop(socket: &Socket) -> Result<bool> {
    datagram_socket(socket)?;
    let on = get_by_family(
        socket,
        |socket| socket.multicast_loop_v4().map(u32::from),
        |socket| socket.multicast_loop_v6().map(u32::from),
    )?;
    Ok(on != 0)
}

/// The interface multicast datagrams leave by (`IP_MULTICAST_IF`, `IPV6_MULTICAST_IF`);
/// [`Interface::Any`] gives the choice back to the system's routes. IPv4 names an interface
/// by an address: an index is turned into the interface's first IPv4 address (on Windows
/// into its own form for an index, `0.0.0.<index>`). A dual-stack socket sets both.
pub fn set_interface(socket: &Socket, interface: Interface) -> Result<()> {
    datagram_socket(socket)?;
    let ipv6 = is_ipv6(socket)?;
    let v4 = match interface {
        Interface::Any => Some(Ipv4Addr::UNSPECIFIED),
        Interface::Address(addr) => Some(addr),
        Interface::Index(index) => platform::interface_ipv4(index),
    };
    let v6 = match (ipv6, interface) {
        // IPv6 names interfaces by index only.
        (true, Interface::Address(_)) => return Err(ErrorCode::EINVAL.into()),
        (false, Interface::Index(_)) if v4.is_none() => return Err(ErrorCode::ENODEV.into()),
        (_, Interface::Index(index)) => index,
        _ => 0,
    };
    set_by_family(
        socket,
        // (No IPv4 address here only on a dual-stack socket, whose IPv4 side then keeps
        // the system's choice.)
        |socket| v4.map_or(Ok(()), |addr| socket.set_multicast_if_v4(&addr)),
        |socket| socket.set_multicast_if_v6(v6),
    )
}

/// The interface multicast datagrams leave by: an IPv4 socket's address (or an index, on
/// Windows), an IPv6 socket's index; [`Interface::Any`] when the system picks.
pub fn interface(socket: &Socket) -> Result<Interface> {
    datagram_socket(socket)?;
    if is_ipv6(socket)? {
        return Ok(match socket.multicast_if_v6()? {
            0 => Interface::Any,
            index => Interface::Index(index),
        });
    }
    let addr = socket.multicast_if_v4()?;
    Ok(match addr.octets() {
        [0, 0, 0, 0] => Interface::Any,
        // Windows' form for an index: 0.0.0.0/8 is no interface's address.
        [0, ..] => Interface::Index(u32::from(addr)),
        _ => Interface::Address(addr),
    })
}

/// A socket to receive a group's datagrams on `port`: of the group's family, bound to every
/// address of it, sharing the port with other such sockets (of this and other programs), and
/// joined to the group on `interface`.
pub fn receiver(group: IpAddr, port: u16, interface: Interface) -> Result<Socket> {
    if !group.is_multicast() {
        return Err(ErrorCode::EINVAL.into());
    }
    let family = if group.is_ipv6() {
        socket2::Domain::IPV6
    } else {
        socket2::Domain::IPV4
    };
    let socket = Socket::new(family, Type::DGRAM, Some(socket2::Protocol::UDP))?;
    if group.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    platform::share_port_for_multicast(&socket)?;
    socket.bind(&unspecified(group.is_ipv6(), port).into())?;
    change_membership(&socket, group, None, interface, true)?;
    Ok(socket)
}

/// The text of an interface, as [`Interface::parse`] takes it: empty for the system's
/// choice, an IPv4 address, or a name (the index where the interface has none).
pub fn interface_text(interface: Interface) -> String {
    match interface {
        Interface::Any => String::new(),
        Interface::Address(addr) => addr.to_string(),
        Interface::Index(index) => platform::interface_name(index)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| index.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_must_be_multicast_addresses() {
        assert!(parse_group("239.1.2.3").is_ok());
        assert!(parse_group("ff02::1").is_ok());
        for bad in ["127.0.0.1", "::1", "224.0.0", "host", "", "192.0.2.1:7"] {
            assert_eq!(
                parse_group(bad).unwrap_err().code(),
                ErrorCode::EINVAL,
                "{bad}"
            );
        }
    }

    #[test]
    fn interfaces_by_index_address_or_name() {
        assert_eq!(Interface::parse(None).unwrap(), Interface::Any);
        assert_eq!(Interface::parse(Some("")).unwrap(), Interface::Any);
        assert_eq!(Interface::parse(Some("3")).unwrap(), Interface::Index(3));
        assert_eq!(
            Interface::parse(Some("127.0.0.1")).unwrap(),
            Interface::Address(Ipv4Addr::LOCALHOST)
        );
        let err = Interface::parse(Some("no-such-if0")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ENODEV);
        assert_eq!(
            Interface::parse(Some("99999999999")).unwrap_err().code(),
            ErrorCode::EINVAL
        );
    }
}
