//! Unix-like systems: Linux, the BSDs, macOS and friends. One file per concept; `platform`
//! re-exports them all.

mod error;
mod handle;
mod io;
mod poll;
mod resolve;
mod socket;

pub(crate) use self::error::*;
pub(crate) use self::handle::*;
pub(crate) use self::io::*;
pub(crate) use self::poll::*;
pub(crate) use self::resolve::*;
pub(crate) use self::socket::*;

// Linux's own APIs, faster than the portable ones (see `platform::poller` and
// `platform::datagrams`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) mod epoll;
pub(super) mod fork;
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
pub(super) mod mmsg;
