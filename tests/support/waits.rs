//! Waiting with a limit: every wait in a test ends, and one that runs out fails the test with
//! what it waited for, instead of hanging the run until someone kills it.

use std::io::Write;
use std::sync::mpsc;
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

/// A time limit for a whole test, or a part of it that cannot be given one otherwise (a call
/// that blocks in the library under test). Dropping it in time disarms it; past `limit` it
/// writes what the test was waiting for to stderr and ends the test process, which fails
/// the run instead of hanging it.
pub struct TimeLimit {
    disarm: Option<mpsc::Sender<()>>,
    watchdog: Option<JoinHandle<()>>,
}

/// Arms a [`TimeLimit`] of `limit` for a test that waits for `what`.
pub fn time_limit(limit: Duration, what: &str) -> TimeLimit {
    let (disarm, disarmed) = mpsc::channel::<()>();
    let what = what.to_owned();
    let test = thread::current().name().unwrap_or("a test").to_owned();
    let watchdog = thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = disarmed.recv_timeout(limit) {
            // Straight to the descriptor: the test harness captures `eprintln!`, and the
            // process ends before it would print what it captured.
            let _ = writeln!(
                std::io::stderr(),
                "\n{test}: still waiting for {what} after {limit:?}: ending the test process"
            );
            std::process::exit(101);
        }
    });
    TimeLimit {
        disarm: Some(disarm),
        watchdog: Some(watchdog),
    }
}

impl Drop for TimeLimit {
    fn drop(&mut self) {
        drop(self.disarm.take());
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}
