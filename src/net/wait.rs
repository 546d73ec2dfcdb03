//! Waiting for one socket to become readable or writable, until a deadline.

use std::time::Instant;

use socket2::Socket;

use crate::error::Result;
use crate::net::poll::{Interest, poll_until};
use crate::platform;

/// Waits until `socket` is ready as `interest` says, or has an error to report. `Ok(false)`
/// once `deadline` has passed; no deadline waits as long as it takes. Signals do not cut the
/// wait short.
pub fn wait_for(socket: &Socket, interest: Interest, deadline: Option<Instant>) -> Result<bool> {
    let mut entry = [platform::poll_entry(Some(socket), interest)];
    Ok(poll_until(&mut entry, deadline)? > 0)
}

/// [`wait_for`] a receive that would not block.
pub fn wait_readable(socket: &Socket, deadline: Option<Instant>) -> Result<bool> {
    wait_for(socket, Interest::READ, deadline)
}
