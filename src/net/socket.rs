//! Creating sockets and binding them: to one address, to a host's addresses, or to every
//! address of the machine over IPv4 and IPv6 at once.

use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::{Error, Result};
use crate::net::addr::{Family, normalize, unspecified};
use crate::net::resolve::{first_that_works, resolve};
use crate::platform;

/// Where a server socket binds. A port of 0 lets the system pick one.
#[derive(Clone, Copy, Debug)]
pub enum Bind<'a> {
    /// Every address of the machine, IPv4 and IPv6 (dual-stack where the system has it).
    Any(u16),
    /// The addresses of a host name or literal, tried in turn, with a port.
    Host(&'a str, u16),
    /// Exactly this address.
    Addr(SocketAddr),
}

impl<'a> Bind<'a> {
    /// A host to bind, where no host (or an empty one) means every address, as in the C API.
    pub fn host_or_any(host: Option<&'a str>, port: u16) -> Bind<'a> {
        match host {
            None | Some("") => Bind::Any(port),
            Some(host) => Bind::Host(host, port),
        }
    }
}

/// A new TCP or UDP socket for the address's family. The socket is close-on-exec, cannot
/// raise SIGPIPE where the system needs a socket option for that, and blocks.
pub(crate) fn new_socket(ipv6: bool, ty: Type) -> Result<Socket> {
    let domain = if ipv6 { Domain::IPV6 } else { Domain::IPV4 };
    let protocol = if ty == Type::STREAM {
        Protocol::TCP
    } else {
        Protocol::UDP
    };
    Socket::new(domain, ty, Some(protocol)).map_err(Error::from)
}

/// Whether `socket` is a stream (TCP) socket; false for any other kind, or a bad handle.
pub fn is_stream(socket: &Socket) -> bool {
    socket.r#type().is_ok_and(|ty| ty == Type::STREAM)
}

/// An unbound socket of type `ty`. `Family::Any` makes an IPv6 socket that also reaches IPv4
/// addresses (an IPv4 socket where the system has no dual-stack IPv6).
pub(crate) fn unbound_socket(ty: Type, family: Family) -> Result<Socket> {
    match family {
        Family::V4 => new_socket(false, ty),
        Family::V6 => {
            let socket = new_socket(true, ty)?;
            socket.set_only_v6(true)?;
            Ok(socket)
        }
        Family::Any => new_socket(true, ty)
            .and_then(|socket| {
                socket.set_only_v6(false)?;
                Ok(socket)
            })
            .or_else(|_| new_socket(false, ty)),
    }
}

/// A socket of type `ty` bound where `bind` says.
pub(crate) fn bound_socket(ty: Type, bind: Bind<'_>) -> Result<Socket> {
    match bind {
        Bind::Any(port) => bind_dual_stack(ty, port),
        Bind::Addr(addr) => bind_exactly(ty, addr),
        Bind::Host(host, port) => first_that_works(resolve(host, port, Family::Any)?, |addr| {
            bind_exactly(ty, addr)
        }),
    }
}

/// `[::]:port` serving IPv4 clients too; `0.0.0.0:port` where the system has no IPv6 or no
/// dual-stack sockets (OpenBSD, or IPv6 disabled).
fn bind_dual_stack(ty: Type, port: u16) -> Result<Socket> {
    let dual = new_socket(true, ty).and_then(|socket| {
        socket.set_only_v6(false)?;
        prepare_for_bind(&socket, ty)?;
        Ok(socket)
    });
    match dual {
        Ok(socket) => {
            socket.bind(&unspecified(true, port).into())?;
            Ok(socket)
        }
        Err(_) => bind_exactly(ty, unspecified(false, port)),
    }
}

/// Binds exactly `addr`. An IPv6 address binds IPv6 only, the same on every system (their
/// defaults differ); dual-stack is what [`Bind::Any`] is for. An IPv4-mapped address binds
/// the IPv4 address it stands for.
fn bind_exactly(ty: Type, addr: SocketAddr) -> Result<Socket> {
    let addr = normalize(addr);
    let socket = new_socket(addr.is_ipv6(), ty)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    prepare_for_bind(&socket, ty)?;
    socket.bind(&addr.into())?;
    Ok(socket)
}

fn prepare_for_bind(socket: &Socket, ty: Type) -> Result<()> {
    if ty == Type::STREAM && platform::LISTENER_REUSES_ADDRESS {
        socket.set_reuse_address(true)?;
    }
    Ok(())
}

/// Another socket on `original`'s address and port, sharing the port with it through
/// `platform::share_port` (set on `original` here too), so that the system spreads the
/// connections or datagrams over the two: for a server's event loop on several threads.
/// `NotSupported` where sharing a port would not spread anything.
pub(crate) fn port_sharing_twin(original: &Socket, ty: Type) -> Result<Socket> {
    platform::share_port(original)?;
    let local = original.local_addr()?;
    let ipv6 = local.is_ipv6();
    let twin = new_socket(ipv6, ty)?;
    if ipv6 {
        twin.set_only_v6(original.only_v6()?)?;
    }
    prepare_for_bind(&twin, ty)?;
    platform::share_port(&twin)?;
    twin.bind(&local)?;
    Ok(twin)
}
