//! Unix-like systems: Linux, the BSDs, macOS and friends. One file per concept; `platform`
//! re-exports them all.

mod credentials;
mod error;
mod handle;
mod io;
mod multicast;
mod options;
mod poll;
mod resolve;
mod sendfile;
mod socket;
mod unix_addr;

pub(crate) use self::credentials::*;
pub(crate) use self::error::*;
pub(crate) use self::handle::*;
pub(crate) use self::io::*;
pub(crate) use self::multicast::*;
pub(crate) use self::options::*;
pub(crate) use self::poll::*;
pub(crate) use self::resolve::*;
pub(crate) use self::sendfile::*;
pub(crate) use self::socket::*;
pub(crate) use self::unix_addr::*;

// Linux's own APIs, faster than the portable ones (see `platform::poller` and
// `platform::datagrams`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) mod epoll;
pub(super) mod fork;
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
pub(super) mod mmsg;
