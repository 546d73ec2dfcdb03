//! Worker threads for the iterative (one thread) and threaded modes: a pool that grows on
//! demand up to its bound; a thread left without work for `IDLE_THREAD_LIFETIME` ends, so a
//! burst of clients does not leave a long-running server holding a thousand idle threads.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use socket2::Socket;

use crate::error::{Error, Result};
use crate::platform;
use crate::server::control::Control;
use crate::server::job::{Job, Service};
use crate::server::workers::Workers;

/// How long a worker waits for a job before it ends.
const IDLE_THREAD_LIFETIME: Duration = Duration::from_secs(2);

/// The pool's queue and counts.
#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Jobs queued or being served.
    busy: usize,
    /// Worker threads alive (they end when idle for long).
    threads: usize,
    /// The run is over: idle threads leave.
    closing: bool,
    next_id: u64,
    /// The connections being served, so that they can be shut down when the grace period
    /// is over. A worker removes its entry before the socket can close.
    live: HashMap<u64, Arc<Socket>>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    service: Service,
    udp: Option<Arc<Socket>>,
    /// Woken when a worker finishes: the supervisor may be waiting for a free worker.
    control: Arc<Control>,
    /// Threads that ended for lack of work and are not joined yet: the supervisor looks for
    /// finished threads only when this is not 0, so serving a request costs no scan.
    retired: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Handlers run outside the lock, so a panic cannot leave the state half-changed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(super) struct ThreadPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    max: usize,
}

impl ThreadPool {
    pub(super) fn new(
        control: &Arc<Control>,
        service: Service,
        udp: Option<Arc<Socket>>,
        max: usize,
    ) -> ThreadPool {
        ThreadPool {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                service,
                udp,
                control: Arc::clone(control),
                retired: AtomicUsize::new(0),
            }),
            threads: Vec::new(),
            max,
        }
    }

    fn spawn_worker(&mut self) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        self.shared.lock().threads += 1;
        let spawned = thread::Builder::new()
            .name("sockit-worker".into())
            .spawn(move || work(&shared));
        match spawned {
            Ok(thread) => {
                self.threads.push(thread);
                Ok(())
            }
            Err(err) => {
                self.shared.lock().threads -= 1;
                Err(Error::from(err))
            }
        }
    }

    /// Joins the threads that ended for lack of work.
    fn join_retired(&mut self) {
        if self.shared.retired.load(Ordering::Acquire) == 0 {
            return;
        }
        // A thread counted as retired may still be on its way out: it is joined next time.
        let mut joined = 0;
        let mut i = 0;
        while i < self.threads.len() {
            if self.threads[i].is_finished() {
                let _ = self.threads.swap_remove(i).join();
                joined += 1;
            } else {
                i += 1;
            }
        }
        self.shared.retired.fetch_sub(joined, Ordering::AcqRel);
    }
}

impl Workers for ThreadPool {
    fn busy(&self) -> usize {
        self.shared.lock().busy
    }

    fn capacity(&self) -> usize {
        self.max
    }

    fn start(&mut self, job: Job) -> Result<()> {
        let (needs_thread, threads) = {
            let mut state = self.shared.lock();
            state.jobs.push_back(job);
            state.busy += 1;
            (state.idle < state.jobs.len(), state.threads)
        };
        if needs_thread && threads < self.max {
            if let Err(err) = self.spawn_worker() {
                if threads == 0 {
                    // No thread will ever take it: give the job back (closing its socket).
                    let mut state = self.shared.lock();
                    state.jobs.pop_back();
                    state.busy -= 1;
                    return Err(err);
                }
                // The threads there are will take it in turn.
            }
        }
        self.shared.work.notify_one();
        Ok(())
    }

    fn collect(&mut self) {
        self.join_retired();
    }

    fn cut(&mut self) {
        let state = self.shared.lock();
        for socket in state.live.values() {
            // Blocked receives and sends end: the handlers return.
            platform::interrupt_blocked_calls(socket);
        }
    }

    fn finish(&mut self) {
        self.shared.lock().closing = true;
        self.shared.work.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A worker thread: serves jobs until the run ends.
fn work(shared: &Shared) {
    loop {
        let (job, id) = {
            let mut state = shared.lock();
            loop {
                if let Some(job) = state.jobs.pop_front() {
                    let id = state.next_id;
                    state.next_id += 1;
                    if let Job::Connection { socket, .. } = &job {
                        state.live.insert(id, Arc::clone(socket));
                    }
                    break (job, id);
                }
                if state.closing {
                    state.threads -= 1;
                    return;
                }
                state.idle += 1;
                let (next, waited) = shared
                    .work
                    .wait_timeout(state, IDLE_THREAD_LIFETIME)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state = next;
                state.idle -= 1;
                if waited.timed_out() && state.jobs.is_empty() {
                    // Counted out under the lock: `start` spawns a new thread if needed.
                    state.threads -= 1;
                    drop(state);
                    // The supervisor joins this thread when it next looks.
                    shared.retired.fetch_add(1, Ordering::AcqRel);
                    shared.control.wake();
                    return;
                }
            }
        };
        // A panicking handler (a Rust one; C cannot unwind here) ends its request only.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            shared.service.serve(&job, shared.udp.as_deref())
        }));
        {
            let mut state = shared.lock();
            state.live.remove(&id);
            state.busy -= 1;
        }
        // The connection closes here, after it left `live`.
        drop(job);
        shared.control.wake();
    }
}
