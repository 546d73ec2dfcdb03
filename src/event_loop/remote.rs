//! What other threads may do with a loop: post a callback to it, stop it. Both go through
//! the loop's shared part, which outlives the loop as long as another thread holds it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::event_loop::Loop;
use crate::platform::poller::Poller;

/// A callback to run on the loop's thread.
pub type Posted = Box<dyn FnOnce(&Loop) + Send>;

pub(crate) struct Shared {
    pub(crate) poller: Poller,
    stop: AtomicBool,
    posted: Mutex<VecDeque<Posted>>,
    /// Whether `posted` may hold something, readable without the lock.
    has_posted: AtomicBool,
    /// Work of the program's running on the pool: the loop waits for it before it ends.
    works: Mutex<usize>,
    work_done: Condvar,
}

/// A loop as other threads reach it: cheap to clone, `Send` and `Sync`.
#[derive(Clone)]
pub struct Remote(pub(crate) Arc<Shared>);

impl Remote {
    pub(crate) fn new(poller: Poller) -> Remote {
        Remote(Arc::new(Shared {
            poller,
            stop: AtomicBool::new(false),
            posted: Mutex::new(VecDeque::new()),
            has_posted: AtomicBool::new(false),
            works: Mutex::new(0),
            work_done: Condvar::new(),
        }))
    }

    /// Runs `callback` on the loop's thread soon, after those posted before it, and wakes
    /// the loop. Callbacks posted by one thread run in the order it posted them.
    pub fn post(&self, callback: Posted) {
        lock(&self.0.posted).push_back(callback);
        self.0.has_posted.store(true, Ordering::Release);
        self.wake();
    }

    /// Asks `Loop::run` to return. Async-signal-safe: an atomic store and the poller's
    /// notify (an atomic swap and one write); no lock, no allocation.
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
        self.wake();
    }

    fn wake(&self) {
        // A failed notify leaves nothing to do: the loop's next event or timeout comes anyway.
        let _ = self.0.poller.notify();
    }

    /// Takes a stop request, if one came.
    pub(crate) fn take_stop(&self) -> bool {
        self.0.stop.swap(false, Ordering::SeqCst)
    }

    #[inline]
    pub(crate) fn has_posted(&self) -> bool {
        self.0.has_posted.load(Ordering::Acquire)
    }

    /// Everything posted until now, in order.
    pub(crate) fn take_posted(&self) -> VecDeque<Posted> {
        let mut posted = lock(&self.0.posted);
        self.0.has_posted.store(false, Ordering::Release);
        std::mem::take(&mut *posted)
    }

    pub(crate) fn work_started(&self) {
        *lock(&self.0.works) += 1;
    }

    pub(crate) fn work_finished(&self) {
        *lock(&self.0.works) -= 1;
        self.0.work_done.notify_all();
    }

    /// Waits until no work of the program is running for this loop.
    pub(crate) fn wait_for_works(&self) {
        let mut works = lock(&self.0.works);
        while *works > 0 {
            works = self
                .0
                .work_done
                .wait(works)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing runs under these locks that could panic half-way.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
