//! What the supervisor of the blocking modes hands requests to: worker threads
//! (`threads.rs`) or child processes (`forking.rs`).

use std::time::Duration;

use crate::error::Result;
use crate::server::job::Job;

/// Where the requests go: worker threads or child processes.
pub(super) trait Workers {
    /// Requests being served now.
    fn busy(&self) -> usize;
    /// Requests that may be served at once.
    fn capacity(&self) -> usize;
    /// Serves a request (the supervisor only calls this below capacity).
    fn start(&mut self, job: Job) -> Result<()>;
    /// Notes the workers that have finished (children are reaped here).
    fn collect(&mut self) {}
    /// How often `collect` needs calling while busy, for workers that cannot wake the
    /// supervisor themselves.
    fn tick(&self) -> Option<Duration> {
        None
    }
    /// The grace period is over: make the requests still in flight end now.
    fn cut(&mut self);
    /// Waits until every worker is gone.
    fn finish(&mut self);
}
