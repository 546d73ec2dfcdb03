//! Windows (Winsock 2). One file per concept; `platform` re-exports them all.

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
mod winsock;

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

pub(super) mod fork;
