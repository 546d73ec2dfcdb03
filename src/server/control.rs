//! What a run shares with the threads around it: the stop flag, the wake-up, the timers.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::Result;
use crate::net::poll::Interest;
use crate::platform::poller::{Events, Poller};
use crate::server::timers::Timers;

/// The run's control block. The poller is the one the run waits on, so that a stop, a
/// finished worker or a new timer wakes it through `Poller::notify`.
pub(super) struct Control {
    stop: AtomicBool,
    pub(super) poller: Poller,
    pub(super) timers: Timers,
    /// The pollers of the event loop's other threads, when it has several: a stop wakes
    /// them too. Set once, before those threads start.
    other_loops: OnceLock<Box<[Poller]>>,
}

impl Control {
    pub(super) fn new() -> Result<Control> {
        Ok(Control {
            stop: AtomicBool::new(false),
            poller: Poller::new()?,
            timers: Timers::default(),
            other_loops: OnceLock::new(),
        })
    }

    /// Async-signal-safe: an atomic store, and `notify` of each loop's poller, which is an
    /// atomic swap and one `write` to an eventfd or pipe (or `kevent`, or a completion post
    /// on Windows). No lock, no allocation (`OnceLock::get` is an atomic load).
    pub(super) fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
        for poller in self.other_loops.get().into_iter().flatten() {
            let _ = poller.notify();
        }
    }

    #[inline]
    pub(super) fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Wakes the run's wait so that it looks at its state again.
    pub(super) fn wake(&self) {
        // A failed notify leaves nothing to do: the run's next timeout or event comes anyway.
        let _ = self.poller.notify();
    }

    /// Creates the pollers of `count` more event-loop threads (once per run) and returns them.
    pub(super) fn add_loops(&self, count: usize) -> Result<&[Poller]> {
        let pollers = (0..count)
            .map(|_| Poller::new())
            .collect::<std::io::Result<Box<[Poller]>>>()?;
        let _ = self.other_loops.set(pollers);
        Ok(self.other_loops.get().map(|p| &p[..]).unwrap_or_default())
    }

    /// The run thread's own loop: its poller and the timers.
    pub(super) fn main_loop(&self) -> LoopControl<'_> {
        LoopControl {
            run: self,
            poller: &self.poller,
            timers: Some(&self.timers),
        }
    }

    /// Waits for events until the earliest of `deadlines` (none: until something happens),
    /// timers included.
    pub(super) fn wait(&self, events: &mut Events, deadlines: &[Option<Instant>]) -> Result<()> {
        self.main_loop().wait(events, deadlines)
    }
}

/// One event-loop thread's part of the run: the run's stop flag, the thread's own poller,
/// and on the run thread only, the timers (they fire there, as documented).
pub(super) struct LoopControl<'a> {
    run: &'a Control,
    pub(super) poller: &'a Poller,
    timers: Option<&'a Timers>,
}

impl<'a> LoopControl<'a> {
    /// Another thread's loop, waiting on `poller` (one of [`Control::add_loops`]).
    pub(super) fn other(run: &'a Control, poller: &'a Poller) -> LoopControl<'a> {
        LoopControl {
            run,
            poller,
            timers: None,
        }
    }

    #[inline]
    pub(super) fn stop_requested(&self) -> bool {
        self.run.stop_requested()
    }

    #[inline]
    pub(super) fn fire_due_timers(&self) {
        if let Some(timers) = self.timers {
            timers.fire_due();
        }
    }

    /// Whether timers are waiting to fire on this loop.
    #[inline]
    pub(super) fn has_timers(&self) -> bool {
        self.timers.is_some_and(|timers| !timers.is_empty())
    }

    /// Turns readability reports for a registered socket on or off (level-triggered).
    pub(super) fn watch_readable(&self, socket: &Socket, key: usize, on: bool) -> Result<()> {
        self.poller.modify(
            socket,
            key,
            if on { Interest::READ } else { Interest::NONE },
        )?;
        Ok(())
    }

    /// Waits for events until the earliest of `deadlines` (none: until something happens),
    /// this loop's timers included.
    #[inline]
    pub(super) fn wait(&self, events: &mut Events, deadlines: &[Option<Instant>]) -> Result<()> {
        // The common case, a loop busy with its connections, waits with no clock read and no
        // timeout arithmetic: each wake-up's code stays short (see `cargo xtask bench`,
        // same-core ping-pong).
        let timeout = if deadlines.iter().all(Option::is_none) && !self.has_timers() {
            None
        } else {
            self.timeout(deadlines)
        };
        self.poller.wait(events, timeout)?;
        Ok(())
    }

    /// The wait's timeout: until the earliest deadline or timer. Out of line (`wait`).
    #[cold]
    fn timeout(&self, deadlines: &[Option<Instant>]) -> Option<Duration> {
        let due = deadlines
            .iter()
            .flatten()
            .copied()
            .chain(self.timers.and_then(Timers::next_due))
            .min();
        due.map(|due| round_up(due.saturating_duration_since(Instant::now())))
    }
}

/// epoll (and Windows) count whole milliseconds: a wait of 0.4 ms would return at once and
/// spin. Rounding up wakes at or just after the deadline.
fn round_up(timeout: Duration) -> Duration {
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}
