//! The detail of the calling thread's last TLS failure: rustls' own words ("invalid peer
//! certificate: Expired"), where the short message of the error code says only what kind of
//! failure it was.

use std::cell::RefCell;

use crate::error::{Error, ErrorCode};

thread_local! {
    static LAST: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `detail` as the thread's last TLS failure and returns `code` as an error.
pub fn fail(code: ErrorCode, detail: impl Into<String>) -> Error {
    record(detail.into());
    Error::new(code)
}

/// Records `detail` as the thread's last TLS failure.
pub fn record(detail: String) {
    LAST.with(|last| *last.borrow_mut() = detail);
}

/// Forgets the last detail: a new TLS call starts.
pub fn clear() {
    LAST.with(|last| last.borrow_mut().clear());
}

/// The thread's last detail; empty if the latest TLS failure recorded none.
pub fn last() -> String {
    LAST.with(|last| last.borrow().clone())
}
