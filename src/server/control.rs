//! What a run shares with the threads around it: the stop flag, the wake-up, the timers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::Result;
use crate::platform::poller::{Events, Poller};
use crate::server::timers::Timers;

/// The run's control block. The poller is the one the run waits on, so that a stop, a
/// finished worker or a new timer wakes it through `Poller::notify`.
pub(super) struct Control {
    stop: AtomicBool,
    pub(super) poller: Poller,
    pub(super) timers: Timers,
}

impl Control {
    pub(super) fn new() -> Result<Control> {
        Ok(Control {
            stop: AtomicBool::new(false),
            poller: Poller::new()?,
            timers: Timers::default(),
        })
    }

    /// Async-signal-safe: an atomic store, and `notify`, which is an atomic swap and one
    /// `write` to an eventfd or pipe (or `kevent`, or a completion post on Windows). No lock,
    /// no allocation.
    pub(super) fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
    }

    pub(super) fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Wakes the run's wait so that it looks at its state again.
    pub(super) fn wake(&self) {
        // A failed notify leaves nothing to do: the run's next timeout or event comes anyway.
        let _ = self.poller.notify();
    }

    /// Turns readability reports for a registered socket on or off (level-triggered).
    pub(super) fn watch_readable(&self, socket: &Socket, key: usize, on: bool) -> Result<()> {
        self.poller.modify(socket, key, on, false)?;
        Ok(())
    }

    /// Waits for events until the earliest of `deadlines` (none: until something happens),
    /// timers included.
    pub(super) fn wait(&self, events: &mut Events, deadlines: &[Option<Instant>]) -> Result<()> {
        let due = deadlines
            .iter()
            .flatten()
            .copied()
            .chain(self.timers.next_due())
            .min();
        let timeout = due.map(|due| due.saturating_duration_since(Instant::now()));
        self.poller.wait(events, timeout.map(round_up))?;
        Ok(())
    }
}

/// epoll (and Windows) count whole milliseconds: a wait of 0.4 ms would return at once and
/// spin. Rounding up wakes at or just after the deadline.
fn round_up(timeout: Duration) -> Duration {
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}
