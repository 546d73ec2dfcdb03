//! Child processes for the forking mode: one per request, at most `max` at once, every one
//! reaped (never a zombie), ended with SIGTERM and then SIGKILL if the grace period runs out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::error::{Error, Result};
use crate::platform::RawSocket;
use crate::platform::fork::{self, Forked, Pid};
use crate::server::job::{Job, Service};
use crate::server::workers::Workers;

/// How often exited children are looked for while any run. (Reaping by pid rather than on
/// SIGCHLD leaves the program's own signal handlers and other children alone.)
const REAP_EVERY: Duration = Duration::from_millis(10);

/// How long children have to end after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(1);

pub(super) struct Children {
    pids: Vec<Pid>,
    service: Service,
    udp: Option<Arc<Socket>>,
    /// The TCP listener, which each child closes: only the parent accepts.
    listener: Option<RawSocket>,
    max: usize,
}

impl Children {
    pub(super) fn new(
        service: Service,
        udp: Option<Arc<Socket>>,
        listener: Option<RawSocket>,
        max: usize,
    ) -> Children {
        Children {
            pids: Vec::new(),
            service,
            udp,
            listener,
            max,
        }
    }

    /// Runs in the child: serves the job and exits, never returning to the supervisor.
    fn serve_in_child(&self, job: &Job) -> ! {
        if let Some(listener) = self.listener {
            fork::close_inherited(listener);
        }
        let served = catch_unwind(AssertUnwindSafe(|| {
            self.service.serve(job, self.udp.as_deref())
        }));
        fork::exit_child(if served.is_ok() { 0 } else { 1 })
    }

    fn wait_for_all(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.pids.is_empty() && Instant::now() < deadline {
            thread::sleep(REAP_EVERY);
            self.collect();
        }
    }
}

impl Workers for Children {
    fn busy(&self) -> usize {
        self.pids.len()
    }

    fn capacity(&self) -> usize {
        self.max
    }

    fn start(&mut self, job: Job) -> Result<()> {
        match fork::fork().map_err(Error::from)? {
            Forked::Child => self.serve_in_child(&job),
            // The parent's copy of the connection closes as `job` drops.
            Forked::Parent(pid) => self.pids.push(pid),
        }
        Ok(())
    }

    fn collect(&mut self) {
        self.pids.retain(|&pid| !fork::try_reap(pid));
    }

    fn tick(&self) -> Option<Duration> {
        Some(REAP_EVERY)
    }

    fn cut(&mut self) {
        for &pid in &self.pids {
            fork::signal_child(pid, false);
        }
        self.wait_for_all(TERM_GRACE);
        for &pid in &self.pids {
            fork::signal_child(pid, true);
        }
    }

    fn finish(&mut self) {
        // After SIGKILL (or with no child left) this ends promptly.
        while !self.pids.is_empty() {
            self.wait_for_all(TERM_GRACE);
            for &pid in &self.pids {
                fork::signal_child(pid, true);
            }
        }
    }
}
