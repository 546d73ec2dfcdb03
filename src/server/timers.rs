//! Timers: callbacks run on the server's run thread at a given time, or told that they will
//! not run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::error::{ErrorCode, Result};

/// Why a timer's callback is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerOutcome {
    /// Its time came.
    Fired,
    /// The server ended first; the timer will never fire.
    Cancelled,
}

type Callback = Box<dyn FnOnce(TimerOutcome) + Send>;

#[derive(Default)]
struct Queue {
    /// By due time, then by order of arrival.
    due: BTreeMap<(Instant, u64), Callback>,
    next_id: u64,
    closed: bool,
}

/// The timers of one server. Callbacks always run outside the lock, so they may add timers.
#[derive(Default)]
pub(super) struct Timers {
    queue: Mutex<Queue>,
    /// How many are queued, readable without the lock: the run looks at the timers on every
    /// wake-up, and most servers have none.
    pending: AtomicUsize,
}

impl Timers {
    /// Adds a timer. Once the server has finished, fails with `Cancelled` and drops the
    /// callback uncalled (the caller still owns what it would have released).
    pub(super) fn add(&self, due: Instant, callback: Callback) -> Result<()> {
        let mut queue = self.lock();
        if queue.closed {
            return Err(ErrorCode::ECANCELED.into());
        }
        let id = queue.next_id;
        queue.next_id += 1;
        queue.due.insert((due, id), callback);
        self.pending.store(queue.due.len(), Ordering::Release);
        Ok(())
    }

    pub(super) fn next_due(&self) -> Option<Instant> {
        if self.is_empty() {
            return None;
        }
        self.lock().due.first_key_value().map(|(&(due, _), _)| due)
    }

    /// A timer added by another thread meanwhile is seen by the next look: adding one wakes
    /// the run (`Server::add_timer`).
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.pending.load(Ordering::Acquire) == 0
    }

    /// Runs every timer that is due, including those that become due meanwhile.
    #[inline]
    pub(super) fn fire_due(&self) {
        if !self.is_empty() {
            self.fire_due_now();
        }
    }

    /// Out of line: the run calls `fire_due` on every wake-up, and most servers have no timers.
    #[cold]
    fn fire_due_now(&self) {
        while !self.is_empty() {
            let now = Instant::now();
            let callback = {
                let mut queue = self.lock();
                let callback = match queue.due.first_entry() {
                    Some(entry) if entry.key().0 <= now => entry.remove(),
                    _ => return,
                };
                self.pending.store(queue.due.len(), Ordering::Release);
                callback
            };
            callback(TimerOutcome::Fired);
        }
    }

    /// Refuses new timers and tells every pending one that it is cancelled, in due order.
    pub(super) fn close(&self) {
        let pending = {
            let mut queue = self.lock();
            queue.closed = true;
            self.pending.store(0, Ordering::Release);
            std::mem::take(&mut queue.due)
        };
        for callback in pending.into_values() {
            callback(TimerOutcome::Cancelled);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A callback never runs under the lock, so the queue cannot be left half-changed.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
