//! Windows has no fork: the forking server mode is refused before any of these is called.

use std::io;

use crate::platform::RawSocket;

/// A child's process id (never created here).
pub(crate) type Pid = u32;

/// Whether the system can fork.
pub(crate) const SUPPORTED: bool = false;

/// Which side of a fork this is (the same type as on Unix; never made here).
#[allow(dead_code)]
pub(crate) enum Forked {
    Child,
    Parent(Pid),
}

pub(crate) fn fork() -> io::Result<Forked> {
    Err(io::ErrorKind::Unsupported.into())
}

pub(crate) fn try_reap(_pid: Pid) -> bool {
    true
}

pub(crate) fn signal_child(_pid: Pid, _force: bool) {}

pub(crate) fn exit_child(code: i32) -> ! {
    std::process::exit(code)
}

pub(crate) fn close_inherited(_raw: RawSocket) {}
