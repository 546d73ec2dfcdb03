//! Waiting with a limit: every wait in a test ends, and one that runs out fails the test with
//! what it waited for, instead of hanging the run until someone kills it.

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Waits until `done` says so, looking every few milliseconds; after `limit`, fails the test
/// naming `what` it waited for.
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} for {what}, in vain"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until `probe` gives `wanted`; after `limit`, fails the test naming `what` it waited
/// for and the value `probe` gave last.
#[track_caller]
pub fn wait_for_value<T: PartialEq + std::fmt::Debug>(
    limit: Duration,
    what: &str,
    wanted: T,
    mut probe: impl FnMut() -> T,
) {
    let deadline = Instant::now() + limit;
    loop {
        let value = probe();
        if value == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} for {what} to be {wanted:?}; it is {value:?}"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// Joins `thread`, failing the test (naming `what` the thread was doing) if it has not ended
/// after `limit`; a panic in the thread is passed on.
#[track_caller]
pub fn join_within<T>(thread: JoinHandle<T>, limit: Duration, what: &str) -> T {
    wait_until(limit, what, || thread.is_finished());
    match thread.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
