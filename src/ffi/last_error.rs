//! The calling thread's last failure, kept for `sockit_last_error`, `sockit_last_os_error`
//! and `Die`.

use std::cell::Cell;

use crate::error::Error;
use crate::platform;

#[derive(Clone, Copy)]
struct LastFailure {
    error: Option<Error>,
    /// errno (or the Winsock error) right after the failure was recorded.
    os_error_after: i32,
    /// Whether the thread's most recent sockit call was that failure.
    latest_call: bool,
}

thread_local! {
    static LAST: Cell<LastFailure> = const {
        Cell::new(LastFailure { error: None, os_error_after: 0, latest_call: false })
    };
}

/// Records a failure and sets errno to its OS error (or to the closest one, for failures
/// sockit detects itself), so that `perror` after a failed sockit call says the right thing.
pub(crate) fn record_failure(error: Error) {
    if let Some(os) = error
        .os_error()
        .or_else(|| platform::os_error_for(error.code()))
    {
        platform::set_last_os_error(os);
    }
    let os_error_after = platform::last_os_error();
    LAST.set(LastFailure {
        error: Some(error),
        os_error_after,
        latest_call: true,
    });
}

/// Notes that the thread's latest call succeeded. The failure before it stays available.
pub(crate) fn record_success() {
    LAST.with(|last| {
        let mut failure = last.get();
        if failure.latest_call {
            failure.latest_call = false;
            last.set(failure);
        }
    });
}

/// The thread's last failure, whatever has happened since.
pub(crate) fn last_failure() -> Option<Error> {
    LAST.get().error
}

/// The failure `Die` should report: the thread's latest sockit call, if it failed and
/// nothing has changed errno since (a later failing system call of the program's own would
/// have, and then errno is the better reason).
pub(crate) fn failure_to_report() -> Option<Error> {
    let last = LAST.get();
    (last.latest_call && platform::last_os_error() == last.os_error_after)
        .then_some(last.error)
        .flatten()
}
