//! Waiting for one socket to become readable, until a deadline.

use std::time::Instant;

use socket2::Socket;

use crate::error::{Error, Result};
use crate::net::io::retry_interrupted;
use crate::platform;

/// Waits until `socket` is readable or has an error to report. `Ok(false)` once `deadline`
/// has passed; no deadline waits as long as it takes. Signals do not cut the wait short.
pub fn wait_readable(socket: &Socket, deadline: Option<Instant>) -> Result<bool> {
    retry_interrupted(|| {
        let timeout_ms = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                // Round up, so that a wait never ends before the deadline.
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
            }
        };
        platform::poll_readable(socket, timeout_ms)
    })
    .map_err(Error::from)
}
