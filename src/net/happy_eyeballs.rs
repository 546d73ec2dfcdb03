//! Happy Eyeballs (RFC 8305): connecting to a name that has IPv6 and IPv4 addresses by
//! racing them, so that a broken path of one family (a black-holed IPv6 route) costs a
//! quarter of a second instead of a whole connect timeout.
//!
//! The addresses are tried in the resolver's order of preference with the families
//! interleaved (IPv6 first where the resolver prefers it, as it does where IPv6 works). An
//! attempt that has not connected after [`ATTEMPT_DELAY`] is left running while the next one
//! starts; a failed attempt starts the next at once. The first to connect wins and the others
//! are closed. Each attempt gives up after the caller's timeout, counted from its own start.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Socket, Type};

use crate::error::{Error, ErrorCode, Result};
use crate::net::addr::normalize;
use crate::net::poll::{Interest, PollSet};
use crate::net::socket::new_socket;
use crate::net::tcp::finish_connect;
use crate::platform;

/// How long an attempt runs alone before the next starts beside it: RFC 8305's recommended
/// Connection Attempt Delay.
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Whether a list of addresses is one to race: it has both families.
pub fn has_both_families(addresses: &[SocketAddr]) -> bool {
    addresses.iter().any(SocketAddr::is_ipv6) && addresses.iter().any(SocketAddr::is_ipv4)
}

/// The addresses in the order they are tried: the resolver's order within each family, the
/// families alternating, starting with the family of the resolver's first choice.
pub fn interleaved(addresses: &[SocketAddr]) -> Vec<SocketAddr> {
    let first_is_v6 = addresses.first().is_some_and(SocketAddr::is_ipv6);
    let (first, second): (Vec<SocketAddr>, Vec<SocketAddr>) = addresses
        .iter()
        .partition(|addr| addr.is_ipv6() == first_is_v6);
    let mut order = Vec::with_capacity(addresses.len());
    let (mut first, mut second) = (first.into_iter(), second.into_iter());
    loop {
        match (first.next(), second.next()) {
            (None, None) => return order,
            (a, b) => order.extend(a.into_iter().chain(b)),
        }
    }
}

/// One connection attempt under way.
struct Attempt {
    socket: Socket,
    /// When it gives up; `None`: when the system does.
    deadline: Option<Instant>,
}

/// Connects to the first of `addresses` that answers, racing them as the module says. The
/// socket is returned in blocking mode. The error is the last attempt's.
pub fn connect(addresses: &[SocketAddr], timeout: Option<Duration>) -> Result<Socket> {
    let mut next = interleaved(addresses).into_iter().peekable();
    let mut pending: Vec<Attempt> = Vec::new();
    let mut last_error: Error = ErrorCode::EAI_NODATA.into();
    let mut next_start = Instant::now();
    loop {
        let now = Instant::now();
        // The next attempt: when its delay is over, or at once when none is under way.
        if next.peek().is_some() && (now >= next_start || pending.is_empty()) {
            let addr = next.next().expect("peeked");
            next_start = now + ATTEMPT_DELAY;
            match start(addr) {
                Ok(Started::Connected(socket)) => return connected(socket),
                Ok(Started::Pending(socket)) => pending.push(Attempt {
                    socket,
                    deadline: timeout.map(|timeout| now + timeout),
                }),
                Err(err) => {
                    last_error = err;
                    next_start = now;
                }
            }
            continue;
        }
        pending.retain(|attempt| match attempt.deadline {
            Some(deadline) if now >= deadline => {
                last_error = ErrorCode::ETIMEDOUT.into();
                false
            }
            _ => true,
        });
        if pending.is_empty() {
            if next.peek().is_none() {
                return Err(last_error);
            }
            continue;
        }
        let mut waiting = PollSet::with_capacity(pending.len())?;
        for attempt in &pending {
            waiting.add(Some(&attempt.socket), Interest::WRITE);
        }
        let wake = pending
            .iter()
            .filter_map(|attempt| attempt.deadline)
            .chain(next.peek().map(|_| next_start))
            .min();
        waiting.wait_until(wake)?;
        for i in (0..pending.len()).rev() {
            if !waiting.readiness(i).write {
                continue;
            }
            match finish_connect(&pending[i].socket) {
                Ok(()) => return connected(pending.swap_remove(i).socket),
                Err(err) if err.code() == ErrorCode::EINPROGRESS => {}
                Err(err) => {
                    // A failed attempt makes way for the next at once.
                    last_error = err;
                    pending.swap_remove(i);
                    next_start = Instant::now();
                }
            }
        }
    }
}

/// What starting an attempt gave.
enum Started {
    /// Connected at once (it happens on loopback).
    Connected(Socket),
    /// Under way.
    Pending(Socket),
}

/// Starts a non-blocking connection attempt to `addr`.
fn start(addr: SocketAddr) -> Result<Started> {
    let addr = normalize(addr);
    let socket = new_socket(addr.is_ipv6(), Type::STREAM)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => Ok(Started::Connected(socket)),
        Err(err) => {
            let err = Error::from(err);
            if platform::connect_started(err.code()) {
                Ok(Started::Pending(socket))
            } else {
                Err(err)
            }
        }
    }
}

/// The winner, back in blocking mode. (The other attempts are closed as they are dropped.)
fn connected(socket: Socket) -> Result<Socket> {
    socket.set_nonblocking(false)?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn the_families_alternate_from_the_resolvers_first_choice() {
        let list = addrs(&["[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"]);
        assert_eq!(
            interleaved(&list),
            addrs(&["[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"])
        );
        let list = addrs(&["10.0.0.1:1", "[::1]:1", "[::2]:1"]);
        assert_eq!(
            interleaved(&list),
            addrs(&["10.0.0.1:1", "[::1]:1", "[::2]:1"])
        );
        assert!(has_both_families(&list));
        assert!(!has_both_families(&addrs(&["10.0.0.1:1", "10.0.0.2:1"])));
    }
}
