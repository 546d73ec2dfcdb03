//! The calling thread's last failure, kept for `sockit_last_error`, `sockit_last_os_error`
//! and `Die`.

use std::cell::Cell;

use crate::error::Error;
use crate::platform;

/// What the thread's most recent sockit call was, as far as `Die` cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Latest {
    /// It succeeded (or no call was made yet).
    Success,
    /// It was the recorded failure.
    Failure,
    /// It succeeded by reading the end of a stream: the peer closed the connection.
    EndOfStream,
}

#[derive(Clone, Copy)]
struct LastFailure {
    error: Option<Error>,
    /// Tells whether the program failed since the latest call (`platform::failure_marker`).
    marker: i32,
}

thread_local! {
    static LAST: Cell<LastFailure> = const { Cell::new(LastFailure { error: None, marker: 0 }) };
    /// Apart from the failure: every successful call sets it, and that is one byte's store
    /// rather than a copy of the whole record (the event loop's C callbacks write each
    /// message through an exported call).
    static LATEST: Cell<Latest> = const { Cell::new(Latest::Success) };
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
    });
    LATEST.set(Latest::Failure);
}

/// Notes that the thread's latest call succeeded. The failure before it stays available.
#[inline]
pub(crate) fn record_success() {
    LATEST.set(Latest::Success);
}

/// Notes that the thread's latest call succeeded by reading the end of a stream, which is
/// what `Die` reports if the program gives up right after it.
pub(crate) fn record_end_of_stream() {
    LAST.with(|last| {
        let mut failure = last.get();
        failure.marker = platform::success_marker();
        last.set(failure);
    });
    LATEST.set(Latest::EndOfStream);
}

/// The thread's last failure, whatever has happened since.
pub(crate) fn last_failure() -> Option<Error> {
    LAST.get().error
}

/// Why the program gives up, as far as sockit knows.
pub(crate) enum Reason {
    /// The thread's latest sockit call failed so.
    Failure(Error),
    /// The thread's latest sockit call read the end of the stream: the peer closed.
    EndOfStream,
}

/// The reason `Die` should report: the thread's latest sockit call, if it failed or read the
/// end of a stream, and nothing has changed errno since (a later failing system call of the
/// program's own would have, and then errno is the better reason).
pub(crate) fn reason_to_report() -> Option<Reason> {
    let last = LAST.get();
    if !platform::failure_marker_unchanged(last.marker) {
        return None;
    }
    match LATEST.get() {
        Latest::Success => None,
        Latest::Failure => last.error.map(Reason::Failure),
        Latest::EndOfStream => Some(Reason::EndOfStream),
    }
}
