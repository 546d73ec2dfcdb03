//! When the loop's timers are due: a heap of (due, order) for the timers' handles. A timer
//! that is closed or rescheduled leaves its old heap entry behind, which is skipped when it
//! comes up (the entry's order number no longer matches the timer's).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::event_loop::Handle;

/// A timer's schedule, kept in its handle's entry.
pub(crate) struct Schedule {
    pub(crate) due: Instant,
    /// `None` for a one-shot timer.
    pub(crate) repeat: Option<Duration>,
    /// The order number of its live heap entry.
    order: u64,
}

impl Schedule {
    /// A schedule in no queue yet (its order matches no heap entry).
    pub(crate) fn unscheduled(due: Instant) -> Schedule {
        Schedule {
            due,
            repeat: None,
            order: u64::MAX,
        }
    }

    /// The schedule after a firing at `now`: the next multiple of the period after the
    /// previous due time, so that late firings never shift the ones after them (no drift);
    /// periods missed altogether are skipped, not fired in a burst.
    pub(crate) fn next_after(&self, now: Instant) -> Option<Instant> {
        let repeat = self.repeat?;
        let mut next = self.due + repeat;
        if next <= now {
            let behind = now.duration_since(self.due).as_nanos();
            let periods = behind / repeat.as_nanos() + 1;
            let periods = u32::try_from(periods).unwrap_or(u32::MAX);
            next = self.due + repeat.saturating_mul(periods);
        }
        Some(next)
    }
}

/// The heap of due times.
#[derive(Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Instant, u64, Handle)>>,
    next_order: u64,
}

impl TimerQueue {
    /// Schedules `handle` at `due`; timers due at the same instant fire in the order they
    /// were scheduled.
    pub(crate) fn schedule(
        &mut self,
        handle: Handle,
        due: Instant,
        repeat: Option<Duration>,
    ) -> Schedule {
        let order = self.next_order;
        self.next_order += 1;
        self.heap.push(Reverse((due, order, handle)));
        Schedule { due, repeat, order }
    }

    /// The earliest entry due at or before `now`; the caller checks it against the
    /// timer's [`Schedule`] with [`TimerQueue::is_current`].
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Handle, u64)> {
        match self.heap.peek() {
            Some(Reverse((due, _, _))) if *due <= now => {
                let Reverse((_, order, handle)) = self.heap.pop()?;
                Some((handle, order))
            }
            _ => None,
        }
    }

    pub(crate) fn is_current(schedule: &Schedule, order: u64) -> bool {
        schedule.order == order
    }

    /// The earliest due time, stale entries included (a wake-up too early is harmless).
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((due, _, _))| *due)
    }

    /// Forgets stale entries once they outnumber the live timers, so that a program that
    /// keeps rescheduling does not grow the heap.
    pub(crate) fn compact(&mut self, live: impl Fn(Handle, u64) -> bool) {
        self.heap
            .retain(|Reverse((_, order, handle))| live(*handle, *order));
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

/// A wait's timeout in whole milliseconds, rounded up: the system counts milliseconds, and a
/// wait of 0.4 ms would return at once and spin.
pub(crate) fn round_up(timeout: Duration) -> Duration {
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeating_timer_keeps_its_phase_and_skips_missed_periods() {
        let start = Instant::now();
        let mut queue = TimerQueue::default();
        let period = Duration::from_millis(10);
        let schedule = queue.schedule(Handle::from_raw(1), start, Some(period));
        assert_eq!(
            schedule.next_after(start + period / 2),
            Some(start + period)
        );
        let late = start + period * 3 + Duration::from_millis(1);
        assert_eq!(schedule.next_after(late), Some(start + period * 4));
        let once = queue.schedule(Handle::from_raw(2), start, None);
        assert_eq!(once.next_after(late), None);
    }

    #[test]
    fn due_timers_come_in_time_then_arrival_order() {
        let now = Instant::now();
        let mut queue = TimerQueue::default();
        let (a, b, c) = (
            Handle::from_raw(1),
            Handle::from_raw(2),
            Handle::from_raw(3),
        );
        queue.schedule(c, now + Duration::from_secs(5), None);
        queue.schedule(a, now, None);
        queue.schedule(b, now, None);
        assert_eq!(queue.pop_due(now).map(|(h, _)| h), Some(a));
        assert_eq!(queue.pop_due(now).map(|(h, _)| h), Some(b));
        assert_eq!(queue.pop_due(now), None, "c is not due");
        assert_eq!(queue.next_due(), Some(now + Duration::from_secs(5)));
        assert_eq!(
            round_up(Duration::from_micros(400)),
            Duration::from_millis(1)
        );
    }
}
