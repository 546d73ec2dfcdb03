//! Windows (Winsock 2). One file per concept; `platform` re-exports them all.

mod error;
mod handle;
mod io;
mod poll;
mod resolve;
mod socket;
mod winsock;

pub(crate) use self::error::*;
pub(crate) use self::handle::*;
pub(crate) use self::io::*;
pub(crate) use self::poll::*;
pub(crate) use self::resolve::*;
pub(crate) use self::socket::*;

pub(super) mod fork;
