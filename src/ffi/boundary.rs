//! What every exported function does at the boundary: check its arguments, run the core call
//! inside a panic guard, record the outcome for the thread, and turn it into a return code.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::{ManuallyDrop, MaybeUninit};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::time::Duration;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::ffi::last_error;
use crate::ffi::socket::{SOCKIT_FOREVER, sockit_socket};
use crate::platform;

/// A value an exported function returns: a status (`int`) or a byte count (`int64_t`), where
/// failures are negative codes.
pub(crate) trait ReturnValue {
    /// The return value for a failure.
    fn failure(code: ErrorCode) -> Self;
}

impl ReturnValue for c_int {
    fn failure(code: ErrorCode) -> Self {
        code.value()
    }
}

/// For predicates, a failure reads as "no".
impl ReturnValue for bool {
    fn failure(_code: ErrorCode) -> Self {
        false
    }
}

impl ReturnValue for i64 {
    fn failure(code: ErrorCode) -> Self {
        code.value().into()
    }
}

/// Runs the body of an exported function. A panic (a bug in sockit) never unwinds into C: it
/// becomes `SOCKIT_EINTERNAL`.
///
/// A call that succeeds leaves errno (and Winsock's last error) as it found them, so that a
/// C program never sees a stale error from inside a successful call (a connect's
/// EINPROGRESS, a retried EINTR).
pub(crate) fn call<T: ReturnValue>(body: impl FnOnce() -> Result<T>) -> T {
    let errors_before = platform::SavedErrors::save();
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => {
            errors_before.restore();
            last_error::record_success();
            return value;
        }
        Ok(Err(error)) => error,
        Err(_panic) => ErrorCode::EINTERNAL.into(),
    };
    last_error::record_failure(error);
    T::failure(error.code())
}

/// [`call`] for receives, whose body returns the count and whether the stream ended (a
/// stream socket read 0 bytes), which `Die` then reports as the reason.
pub(crate) fn call_receive(body: impl FnOnce() -> Result<(usize, bool)>) -> i64 {
    let mut ended = false;
    let count = call(|| {
        body().map(|(count, end_of_stream)| {
            ended = end_of_stream;
            byte_count(count)
        })
    });
    if ended {
        last_error::record_end_of_stream();
    }
    count
}

/// [`call`] for functions that return `SOCKIT_OK` or a failure.
pub(crate) fn call_status(body: impl FnOnce() -> Result<()>) -> c_int {
    call(|| body().map(|()| 0))
}

/// A byte count as the C API returns it. Counts come from slices, which never exceed
/// `isize::MAX` bytes, so the conversion cannot fail.
pub(crate) fn byte_count(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// `ptr` and `len` as a byte slice to read. NULL is allowed with length 0.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for `len` bytes for the rest of the call.
pub(crate) unsafe fn input_bytes<'a>(ptr: *const c_void, len: usize) -> Result<&'a [u8]> {
    match NonNull::new(ptr.cast_mut().cast::<u8>()) {
        None if len == 0 => Ok(&[]),
        None => Err(ErrorCode::EINVAL.into()),
        Some(_) if len > isize::MAX as usize => Err(ErrorCode::EINVAL.into()),
        // SAFETY: non-NULL, readable for `len` bytes (the caller's promise), and `len` fits.
        Some(ptr) => Ok(unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) }),
    }
}

/// `ptr` and `len` as a buffer to fill, whose bytes may be uninitialized (C callers pass
/// fresh arrays). NULL is allowed with length 0.
///
/// # Safety
///
/// A non-NULL `ptr` must be writable for `len` bytes, and not be read or written by anyone
/// else, for the rest of the call.
pub(crate) unsafe fn output_bytes<'a>(
    ptr: *mut c_void,
    len: usize,
) -> Result<&'a mut [MaybeUninit<u8>]> {
    match NonNull::new(ptr.cast::<MaybeUninit<u8>>()) {
        None if len == 0 => Ok(&mut []),
        None => Err(ErrorCode::EINVAL.into()),
        Some(_) if len > isize::MAX as usize => Err(ErrorCode::EINVAL.into()),
        // SAFETY: non-NULL and exclusively writable for `len` bytes (the caller's promise);
        // `MaybeUninit` makes no claim about the bytes' contents.
        Some(ptr) => Ok(unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), len) }),
    }
}

/// An array the caller passed as a pointer and a count of entries, to read and write. NULL
/// is allowed with a count of 0; a count no array of `T` could hold is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `ptr` must point to `count` valid `T`s, used by no one else for the rest of
/// the call.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, count: usize) -> Result<&'a mut [T]> {
    let most = isize::MAX as usize / std::mem::size_of::<T>().max(1);
    match NonNull::new(ptr) {
        _ if count == 0 => Ok(&mut []),
        None => Err(ErrorCode::EINVAL.into()),
        Some(_) if count > most => Err(ErrorCode::EINVAL.into()),
        // SAFETY: non-NULL, `count` valid and exclusive entries (the caller's promise), and
        // `count` entries fit in isize::MAX bytes.
        Some(ptr) => Ok(unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), count) }),
    }
}

/// Hands an object to C as the pointer of an opaque type; [`free_from_c`] takes it back.
pub(crate) fn into_c<T>(object: T) -> *mut T {
    Box::into_raw(Box::new(object))
}

/// Drops an object that [`into_c`] gave to C. NULL is allowed and does nothing. A panic
/// while dropping never unwinds into C.
///
/// # Safety
///
/// A non-NULL `ptr` came from [`into_c`] and is given back exactly once, no other call
/// using the object.
pub(crate) unsafe fn free_from_c<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: from `into_c` (Box::into_raw), given back once (the caller's promise).
    let object = unsafe { Box::from_raw(ptr) };
    let _ = catch_unwind(AssertUnwindSafe(|| drop(object)));
}

/// A C string as UTF-8 text; `None` for NULL. Text that is not UTF-8 is refused: host names
/// and addresses are ASCII.
///
/// # Safety
///
/// A non-NULL `ptr` must point to a NUL-terminated string that lives for the rest of the call.
pub(crate) unsafe fn optional_text<'a>(ptr: *const c_char) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated (the caller's promise).
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|_| ErrorCode::EINVAL.into())
}

/// A C string that must be there; see [`optional_text`].
///
/// # Safety
///
/// As for [`optional_text`].
pub(crate) unsafe fn text<'a>(ptr: *const c_char) -> Result<&'a str> {
    // SAFETY: the caller's promise is passed on.
    unsafe { optional_text(ptr) }?.ok_or(ErrorCode::EINVAL.into())
}

/// An out-parameter, checked for NULL before any work is done and written only at the end,
/// on success. Writes are unaligned: C callers may pass any address.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// A required out-parameter: NULL is `SOCKIT_EINVAL`.
    ///
    /// # Safety
    ///
    /// A non-NULL `ptr` must be writable for one `T` for the rest of the call.
    pub(crate) unsafe fn new(ptr: *mut T) -> Result<Out<T>> {
        NonNull::new(ptr).map(Out).ok_or(ErrorCode::EINVAL.into())
    }

    /// An out-parameter the caller may leave NULL.
    ///
    /// # Safety
    ///
    /// As for [`Out::new`].
    pub(crate) unsafe fn optional(ptr: *mut T) -> Option<Out<T>> {
        NonNull::new(ptr).map(Out)
    }

    /// Writes the result.
    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL at construction; writable for one `T` (the caller's
        // promise, taken by the unsafe constructors).
        unsafe { self.0.as_ptr().write_unaligned(value) }
    }
}

/// Reads a struct the caller passed by pointer; NULL is `SOCKIT_EINVAL`.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for one `T`, and any bit pattern must be a valid `T`
/// (plain C data).
pub(crate) unsafe fn read_in<T: Copy>(ptr: *const T) -> Result<T> {
    if ptr.is_null() {
        return Err(ErrorCode::EINVAL.into());
    }
    // SAFETY: non-NULL and readable (the caller's promise); unaligned reads are fine.
    Ok(unsafe { ptr.read_unaligned() })
}

/// A port number from C: 0 to 65535.
pub(crate) fn port(port: c_int) -> Result<u16> {
    u16::try_from(port).map_err(|_| ErrorCode::EINVAL.into())
}

/// A listen backlog from C: 0 for the system's maximum, else at least 1.
pub(crate) fn backlog(backlog: c_int) -> Result<c_int> {
    if backlog < 0 {
        return Err(ErrorCode::EINVAL.into());
    }
    Ok(backlog)
}

/// A timeout from C: milliseconds, or exactly `SOCKIT_FOREVER` for no limit. Zero is
/// refused (it is neither a useful limit nor "no limit"), and so is any other negative
/// value: a deadline computation gone below zero must not become an endless wait.
pub(crate) fn timeout(timeout_ms: c_int) -> Result<Option<Duration>> {
    match timeout_ms {
        0 => Err(ErrorCode::EINVAL.into()),
        ms => timeout_or_now(ms),
    }
}

/// A timeout from C where 0 means "now" (`sockit_poll`): milliseconds, or exactly
/// `SOCKIT_FOREVER` for no limit; any other negative value is refused.
pub(crate) fn timeout_or_now(timeout_ms: c_int) -> Result<Option<Duration>> {
    match u64::try_from(timeout_ms) {
        Ok(ms) => Ok(Some(Duration::from_millis(ms))),
        Err(_) if timeout_ms == SOCKIT_FOREVER => Ok(None),
        Err(_) => Err(ErrorCode::EINVAL.into()),
    }
}

/// Borrows the caller's socket handle for the call.
///
/// # Safety
///
/// The handle must not be closed by another thread during the call. (A closed or invalid
/// handle is fine: the system calls on it fail with `SOCKIT_EBADF` or `SOCKIT_ENOTSOCK`.)
pub(crate) unsafe fn borrow(sock: sockit_socket) -> Result<ManuallyDrop<Socket>> {
    // SAFETY: the caller's promise is passed on.
    unsafe { platform::borrow_socket(sock) }.ok_or(ErrorCode::EBADF.into())
}

/// Takes over the caller's handle, to close it, after making sure it is a socket: a wrong
/// handle (a file, a pipe) must not be closed by mistake.
///
/// # Safety
///
/// The caller gives the handle up: nothing else may use or close it after a success.
pub(crate) unsafe fn own(sock: sockit_socket) -> Result<Socket> {
    // SAFETY: the handle is only asked for its type here.
    unsafe { borrow(sock) }?.r#type()?;
    // SAFETY: the caller's promise is passed on; the handle is a socket.
    unsafe { platform::own_socket(sock) }.ok_or(ErrorCode::EBADF.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_sockit_einternal_and_is_recorded() {
        let rc: c_int = call(|| -> Result<c_int> { panic!("a bug in sockit") });
        assert_eq!(rc, ErrorCode::EINTERNAL.value());
        let recorded = last_error::last_failure().map(|e| e.code());
        assert_eq!(recorded, Some(ErrorCode::EINTERNAL));
        let count: i64 = call(|| -> Result<i64> { panic!("another") });
        assert_eq!(count, i64::from(ErrorCode::EINTERNAL.value()));
    }

    #[test]
    fn buffers_must_exist_when_they_have_a_length() {
        // SAFETY: NULL pointers are never dereferenced; the lengths are what is checked.
        unsafe {
            assert_eq!(input_bytes(std::ptr::null(), 0).unwrap(), &[] as &[u8]);
            assert!(input_bytes(std::ptr::null(), 1).is_err());
            assert!(output_bytes(std::ptr::null_mut(), 0).unwrap().is_empty());
            assert!(output_bytes(std::ptr::null_mut(), 5).is_err());
            let byte = 0u8;
            let too_long = isize::MAX as usize + 1;
            assert!(input_bytes((&byte as *const u8).cast(), too_long).is_err());
            assert!(Out::<c_int>::new(std::ptr::null_mut()).is_err());
            assert!(Out::<c_int>::optional(std::ptr::null_mut()).is_none());
            assert!(read_in::<c_int>(std::ptr::null()).is_err());
            assert!(text(std::ptr::null()).is_err());
            assert_eq!(optional_text(std::ptr::null()).unwrap(), None);
            assert!(text(c"caf\xe9".as_ptr()).is_err(), "not UTF-8");
        }
    }

    #[test]
    fn arrays_from_c_are_checked_and_objects_go_to_c_and_back() {
        let mut entries = [1u32, 2, 3];
        // SAFETY: NULL pointers are never dereferenced; `entries` is live and exclusive.
        unsafe {
            assert!(
                slice_mut::<u32>(std::ptr::null_mut(), 0)
                    .unwrap()
                    .is_empty()
            );
            assert!(slice_mut::<u32>(std::ptr::null_mut(), 1).is_err());
            assert!(slice_mut(entries.as_mut_ptr(), usize::MAX / 2).is_err());
            slice_mut(entries.as_mut_ptr(), 3).unwrap()[2] = 7;
        }
        assert_eq!(entries, [1, 2, 7]);
        let dropped = std::sync::Arc::new(());
        let object = into_c(std::sync::Arc::clone(&dropped));
        assert_eq!(std::sync::Arc::strong_count(&dropped), 2);
        // SAFETY: from into_c, given back once; NULL is allowed.
        unsafe {
            free_from_c(object);
            free_from_c::<u32>(std::ptr::null_mut());
        }
        assert_eq!(std::sync::Arc::strong_count(&dropped), 1, "dropped once");
    }

    #[test]
    fn numbers_from_c_are_range_checked() {
        assert_eq!(port(0).unwrap(), 0);
        assert_eq!(port(65535).unwrap(), 65535);
        assert!(port(65536).is_err() && port(-1).is_err() && port(c_int::MIN).is_err());
        assert_eq!(timeout(SOCKIT_FOREVER).unwrap(), None);
        assert!(
            timeout(-2).is_err() && timeout(c_int::MIN).is_err(),
            "only -1 is forever"
        );
        assert!(timeout(0).is_err());
        assert_eq!(timeout_or_now(0).unwrap(), Some(Duration::ZERO));
        assert_eq!(timeout_or_now(SOCKIT_FOREVER).unwrap(), None);
        assert!(timeout_or_now(-2).is_err() && timeout_or_now(c_int::MIN).is_err());
        assert_eq!(timeout(1500).unwrap(), Some(Duration::from_millis(1500)));
        assert_eq!(backlog(0).unwrap(), 0);
        assert!(backlog(-1).is_err());
    }
}
