//! The calling thread's last failure, kept for `sockit_last_error`, `sockit_last_os_error`
//! and `Die`.

use std::cell::Cell;

use crate::error::Error;
use crate::platform;

#[derive(Clone, Copy)]
struct LastFailure {
    error: Option<Error>,
    /// Tells whether the program failed since (`platform::failure_marker`).
    marker: i32,
    /// Whether the thread's most recent sockit call was that failure.
    latest_call: bool,
}

thread_local! {
    static LAST: Cell<LastFailure> = const {
        Cell::new(LastFailure { error: None, marker: 0, latest_call: false })
    };
}

/// Records a failure and sets errno to match it, so that `perror` after a failed sockit call
/// says what sockit says: the OS error itself when it means the same, else the errno of the
/// code (a socket timeout arrives as EAGAIN but is reported as ETIMEDOUT; failures sockit
/// detects itself have no OS error at all).
pub(crate) fn record_failure(error: Error) {
    let errno = match error.os_error() {
        Some(os) if platform::error_code(os) == error.code() => Some(os),
        os => platform::os_error_for(error.code()).or(os),
    };
    if let Some(errno) = errno {
        platform::set_last_os_error(errno);
    }
    let marker = platform::failure_marker(error.code());
    LAST.set(LastFailure {
        error: Some(error),
        marker,
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
    (last.latest_call && platform::failure_marker_unchanged(last.marker))
        .then_some(last.error)
        .flatten()
}
