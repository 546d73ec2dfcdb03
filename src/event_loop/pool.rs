//! A small pool of threads for blocking work (name resolution, the program's own): the
//! loop hands a job over and gets its result back as a posted callback. Threads start on
//! demand, at most `MAX_THREADS`, and end after `IDLE_LIFETIME` without work, so a program
//! that resolves a name once does not keep threads for ever.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::Duration;

use crate::error::{ErrorCode, Result};

/// Jobs run at once at most, for the whole process.
const MAX_THREADS: usize = 4;

/// How long a thread waits for a job before it ends.
const IDLE_LIFETIME: Duration = Duration::from_secs(2);

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    threads: usize,
    idle: usize,
}

#[derive(Default)]
struct Pool {
    queue: Mutex<Queue>,
    work: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs run outside the lock, so a panic cannot leave the queue half-changed.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Runs `job` on a pool thread, after the jobs queued before it. A panic in a job ends that
/// job only. `EAGAIN` (and the job is dropped) when the pool has no thread and none can be
/// started.
pub(crate) fn spawn(job: impl FnOnce() + Send + 'static) -> Result<()> {
    let shared = pool();
    let mut queue = shared.lock();
    queue.jobs.push_back(Box::new(job));
    if queue.idle > 0 {
        shared.work.notify_one();
        return Ok(());
    }
    if queue.threads < MAX_THREADS {
        if start_thread().is_ok() {
            queue.threads += 1;
        } else if queue.threads == 0 {
            // No thread would ever take it.
            let job = queue.jobs.pop_back();
            drop(queue);
            drop(job);
            return Err(ErrorCode::EAGAIN.into());
        }
        // Else the job waits for a running thread.
    }
    Ok(())
}

fn start_thread() -> std::io::Result<()> {
    thread::Builder::new()
        .name("sockit-work".into())
        .spawn(|| work(pool()))
        .map(|_| ())
}

fn work(pool: &Pool) {
    let mut queue = pool.lock();
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            drop(queue);
            let _ = catch_unwind(AssertUnwindSafe(job));
            queue = pool.lock();
            continue;
        }
        queue.idle += 1;
        let (again, timeout) = pool
            .work
            .wait_timeout(queue, IDLE_LIFETIME)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        queue = again;
        queue.idle -= 1;
        if timeout.timed_out() && queue.jobs.is_empty() {
            queue.threads -= 1;
            return;
        }
    }
}
