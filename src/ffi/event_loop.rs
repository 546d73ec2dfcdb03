//! Header section: the event loop, for programs that serve and connect at once.
//!
//! A sockit_loop runs a program's connections, listeners, UDP sockets and timers on one
//! thread, calling the program back as things happen. Each of them is a sockit_handle: a
//! number, not a pointer, valid from its creation until it is closed. A call with a handle
//! that was closed, that another loop gave out, or that never existed fails with
//! SOCKIT_EBADF and touches nothing, so a program that keeps a handle too long gets an
//! error, never a crash. Every callback receives its loop and its handle, so a program
//! needs no global to write to another connection or start a timer from a callback.
//!
//! ```c
//! sockit_loop *loop;
//! sockit_handle timer;
//! int ticks = 0;
//! if (sockit_loop_new(&loop) != SOCKIT_OK) ...
//! /* tick(loop, timer, arg) counts in *arg; at 3 it closes timer and stops the loop */
//! sockit_loop_timer(loop, 100, 100, tick, &ticks, &timer);
//! sockit_loop_run(loop);              /* until sockit_loop_stop() */
//! sockit_loop_free(loop);
//! ```
//!
//! A loop belongs to one thread at a time: call its functions from the thread that runs it
//! (from its callbacks, or between runs), except sockit_loop_post() and sockit_loop_stop(),
//! which any thread may call, and a signal handler too for sockit_loop_stop(). A process may
//! have several loops, one per thread. A program with a main loop of its own (poll(),
//! select(), a GUI toolkit's) waits for sockit_loop_fd() there, for at most
//! sockit_loop_next_timeout() milliseconds, and calls sockit_loop_run_once(loop, 0) when it
//! is readable or the time has come.

use std::ffi::{c_int, c_void};
use std::time::Duration;

use crate::error::{ErrorCode, Result};
use crate::event_loop::{Handle, Loop, Remote};
use crate::ffi::boundary::{self, Out, call, call_status, free_from_c, into_c};
use crate::ffi::server_handlers::UserPointer;
use crate::ffi::socket::SOCKIT_FOREVER;
use crate::platform;

/// An event loop. Opaque; create it with sockit_loop_new() and release it with
/// sockit_loop_free().
#[allow(non_camel_case_types)]
pub struct sockit_loop {
    /// What other threads and signal handlers use (sockit_loop_post(), sockit_loop_stop()):
    /// they touch this field only.
    remote: Remote,
    core: Loop,
}

/// A connection, listener, UDP socket or timer of a loop: a number that stays valid until
/// the handle is closed, and is never valid again after that, in this loop or any other.
/// SOCKIT_NO_HANDLE (0) is never a handle.
#[allow(non_camel_case_types)]
pub type sockit_handle = u64;

/// A value no handle ever has, for variables that hold none yet.
pub const SOCKIT_NO_HANDLE: sockit_handle = 0;

/// A timer's callback (sockit_loop_timer()): loop and timer are the loop and the timer's
/// handle, arg the pointer given with the timer.
#[allow(non_camel_case_types)]
pub type sockit_loop_timer_fn =
    Option<unsafe extern "C" fn(r#loop: *mut sockit_loop, timer: sockit_handle, arg: *mut c_void)>;

/// A function run on the loop's thread (sockit_loop_post(), and the done callback of
/// sockit_loop_queue_work() through status).
#[allow(non_camel_case_types)]
pub type sockit_loop_fn = Option<unsafe extern "C" fn(r#loop: *mut sockit_loop, arg: *mut c_void)>;

/// Blocking work run on a pool thread (sockit_loop_queue_work()): arg is the pointer given
/// with it.
#[allow(non_camel_case_types)]
pub type sockit_work_fn = Option<unsafe extern "C" fn(arg: *mut c_void)>;

/// The loop pointer the program gave, handed back to its callbacks.
#[derive(Clone, Copy)]
pub(crate) struct LoopPointer(*mut sockit_loop);

impl LoopPointer {
    pub(crate) fn new(lp: *mut sockit_loop) -> LoopPointer {
        LoopPointer(lp)
    }

    /// The pointer. (A method, so that closures capture the whole `Send` wrapper.)
    pub(crate) fn get(self) -> *mut sockit_loop {
        self.0
    }
}

// SAFETY: sockit only hands the pointer back to the program's callbacks, on the loop's own
// thread; the loop outlives every callback it runs.
unsafe impl Send for LoopPointer {}
// SAFETY: as above.
unsafe impl Sync for LoopPointer {}

/// The loop behind a C pointer; NULL is SOCKIT_EINVAL.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
pub(crate) unsafe fn core<'a>(lp: *mut sockit_loop) -> Result<&'a Loop> {
    // SAFETY: the caller's promise is passed on.
    unsafe { lp.as_ref() }
        .map(|lp| &lp.core)
        .ok_or(ErrorCode::EINVAL.into())
}

/// The loop's part for other threads. Makes no reference to the rest of the loop, which
/// the loop's own thread may be using.
///
/// # Safety
///
/// `lp` is NULL or a live loop.
unsafe fn remote<'a>(lp: *const sockit_loop) -> Option<&'a Remote> {
    if lp.is_null() {
        return None;
    }
    // SAFETY: a live loop (the caller's promise); only the `remote` field is referenced, and
    // it is `Sync`.
    Some(unsafe { &(*lp).remote })
}

/// A delay in milliseconds from C: 0 or more.
pub(crate) fn delay(ms: c_int) -> Result<Duration> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| ErrorCode::EINVAL.into())
}

/// Creates an event loop with no handles. On success writes it to *out (the caller owns
/// it: sockit_loop_free()) and returns SOCKIT_OK. Fails with SOCKIT_EINVAL (NULL out),
/// SOCKIT_EMFILE or SOCKIT_ENOMEM. Does not block.
///
/// # Safety
///
/// `out` is NULL or points to a sockit_loop *.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_new(out: *mut *mut sockit_loop) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let out = unsafe { Out::new(out) }?;
        let core = Loop::new()?;
        out.write(into_c(sockit_loop {
            remote: core.remote().clone(),
            core,
        }));
        Ok(())
    })
}

/// Frees a loop: waits for work of sockit_loop_queue_work() still running and calls its
/// done callbacks, runs what was posted and not run yet, then closes every handle (a
/// connection's on_close is told SOCKIT_ECANCELED; timers are not called again), then runs
/// what those callbacks posted. The callbacks it runs cannot start anything new: a new
/// connection, listener, UDP socket, timer or work fails with SOCKIT_ECANCELED (a client
/// that reconnects from on_close gets that code there). NULL is allowed and does nothing. Returns SOCKIT_OK, or SOCKIT_EBUSY (and frees nothing) when
/// called from one of the loop's own callbacks. Blocks only for that work.
///
/// # Safety
///
/// `lp` is NULL or a live loop; no other thread uses it during or after the call (posts
/// from other threads must have ended).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_free(r#loop: *mut sockit_loop) -> c_int {
    call_status(|| {
        if r#loop.is_null() {
            return Ok(());
        }
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.shut_down()?;
        // SAFETY: from sockit_loop_new (into_c), given back once (the C caller's promise),
        // and not running (shut_down would have failed).
        unsafe { free_from_c(r#loop) };
        Ok(())
    })
}

/// Runs the loop on the calling thread until sockit_loop_stop() is called: waits for
/// events, calls the callbacks of what happened, again and again. A stop that came while the
/// loop was not running makes the next run return at once. Returns SOCKIT_OK after the
/// stop; fails with SOCKIT_EINVAL (NULL), SOCKIT_EBUSY (called from one of the loop's own
/// callbacks) or the system's error if waiting fails. Blocks.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_run(r#loop: *mut sockit_loop) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.run()
    })
}

/// One round of the loop: waits at most timeout_ms milliseconds for events (0: only looks;
/// SOCKIT_FOREVER: until something happens), then calls the callbacks of what happened and
/// of the timers that are due, and returns. It does not look at sockit_loop_stop(). This is
/// how a program with a main loop of its own drives sockit's: see sockit_loop_fd(). Returns
/// SOCKIT_OK; fails with SOCKIT_EINVAL (NULL, a negative timeout other than
/// SOCKIT_FOREVER), SOCKIT_EBUSY (called from one of the loop's own callbacks) or the
/// system's error if waiting fails. Blocks at most timeout_ms.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_run_once(
    r#loop: *mut sockit_loop,
    timeout_ms: c_int,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        lp.run_once(boundary::timeout_or_now(timeout_ms)?)
    })
}

/// Asks sockit_loop_run() to return, after the callbacks of the current round. Safe from any
/// thread and from a signal handler (SIGINT, SIGTERM): it sets a flag and writes to the
/// loop's wake-up descriptor, and leaves errno as it was. Returns SOCKIT_OK, or
/// SOCKIT_EINVAL for NULL (and then does not touch sockit_last_error()). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, not freed while this call runs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_stop(r#loop: *mut sockit_loop) -> c_int {
    // Not through `call`: recording the outcome in thread-local state is not something to do
    // in a signal handler. Nothing here can panic.
    let errno = platform::last_os_error();
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    let rc = match unsafe { remote(r#loop) } {
        Some(remote) => {
            remote.stop();
            0
        }
        None => ErrorCode::EINVAL.value(),
    };
    platform::set_last_os_error(errno);
    rc
}

/// The loop's descriptor (epoll's on Linux, kqueue's on macOS and the BSDs), for a program
/// that waits in a main loop of its own: it becomes readable when the loop has events to
/// handle. Wait for it to be readable (poll() with POLLIN, select(), epoll), for at most
/// sockit_loop_next_timeout() milliseconds, then call sockit_loop_run_once(loop, 0). Do not
/// read it, close it or change it. Returns the descriptor (0 or more); fails with
/// SOCKIT_EINVAL (NULL) or, on Windows, where the loop has no such descriptor,
/// SOCKIT_EOPNOTSUPP: there, run the loop on a thread of its own and hand results to the
/// main loop the way the program's toolkit takes them, or call sockit_loop_run_once() with a
/// short timeout from the main loop. Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_fd(r#loop: *mut sockit_loop) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.descriptor()
    })
}

/// How long a program with its own main loop may wait before it must call
/// sockit_loop_run_once(): milliseconds until the next timer (rounded up), 0 when callbacks
/// are waiting to run now (posted ones, results of work), or SOCKIT_FOREVER when only an
/// event on sockit_loop_fd() can give the loop work. SOCKIT_EINVAL for NULL. Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_next_timeout(r#loop: *mut sockit_loop) -> c_int {
    call(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        Ok(match lp.next_timeout() {
            None => SOCKIT_FOREVER,
            Some(wait) => c_int::try_from(wait.as_millis()).unwrap_or(c_int::MAX),
        })
    })
}

/// Starts a timer on the loop's thread: callback(loop, timer, arg) runs delay_ms
/// milliseconds from now (0: in the next round), then, if repeat_ms is more than 0, every
/// repeat_ms milliseconds until the timer is closed with sockit_loop_close(). A repeating
/// timer keeps its rhythm: a late round delays one call, not the ones after it (periods
/// missed altogether are skipped). Timers due at the same time run in the order they were
/// started. A one-shot timer's handle is closed when its callback returns; the callback may
/// close it sooner, or close any timer. On success writes the timer's handle to *out
/// (optional: NULL if the program will not close it) and returns SOCKIT_OK. Fails with
/// SOCKIT_EINVAL (NULL loop or callback, a negative delay or period), SOCKIT_ENOMEM (the
/// loop holds its most handles, 16 million) or SOCKIT_ECANCELED (from a callback run by
/// sockit_loop_free()). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only; `out` is NULL or points to
/// a sockit_handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_timer(
    r#loop: *mut sockit_loop,
    delay_ms: c_int,
    repeat_ms: c_int,
    callback: sockit_loop_timer_fn,
    arg: *mut c_void,
    out: *mut sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, out) = unsafe { (core(r#loop)?, Out::optional(out)) };
        let callback = callback.ok_or(ErrorCode::EINVAL)?;
        let (delay, repeat) = (delay(delay_ms)?, delay(repeat_ms)?);
        let repeat = (!repeat.is_zero()).then_some(repeat);
        let (me, arg) = (LoopPointer(r#loop), UserPointer(arg));
        let handle = lp.timer(
            delay,
            repeat,
            Box::new(move |_: &Loop, handle: Handle| {
                // SAFETY: the callback's contract is the C program's; the loop outlives it.
                unsafe { callback(me.get(), handle.raw(), arg.get()) }
            }),
        )?;
        if let Some(out) = out {
            out.write(handle.raw());
        }
        Ok(())
    })
}

/// Closes a handle. A timer stops at once; a listener stops accepting at once (its
/// connections stay). A connection closes once everything written to it has been sent:
/// reading stops now, on_close follows in a later round, and until on_close has returned
/// the handle stays valid (closing it again does nothing; writes fail with
/// SOCKIT_ENOTCONN). sockit_loop_abort() closes without sending what is queued. Returns
/// SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop) or SOCKIT_EBADF (a handle that is closed
/// already, of another loop, or never given out). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_close(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        unsafe { core(r#loop) }?.close(Handle::from_raw(handle))
    })
}

/// Keeps a pointer of the program's (NULL too) with a handle (its per-connection state), for
/// sockit_handle_data() to give back; sockit never looks at it. Connections are given the
/// user pointer of the call that made them until this changes it; a connection's callbacks
/// receive the pointer kept with it. Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop)
/// or SOCKIT_EBADF (not an open handle of this loop). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_handle_set_data(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    data: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        // The core keeps a word; the pointer's provenance is exposed so that
        // sockit_handle_data() can give the same pointer back.
        lp.set_data(Handle::from_raw(handle), data.expose_provenance())
    })
}

/// Writes the pointer kept with a handle (sockit_handle_set_data(); NULL if none) to *out.
/// Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop or out) or SOCKIT_EBADF (not an
/// open handle of this loop: *out is then left as it was). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only; `out` is NULL or points to
/// a void *.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_handle_data(
    r#loop: *mut sockit_loop,
    handle: sockit_handle,
    out: *mut *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let (lp, out) = unsafe { (core(r#loop)?, Out::new(out)?) };
        let data = lp.data(Handle::from_raw(handle))?;
        out.write(std::ptr::with_exposed_provenance_mut(data));
        Ok(())
    })
}

/// Runs callback(loop, arg) on the loop's thread soon, and wakes the loop: the way another
/// thread hands something to the loop (a result, a line to send). Any thread may call it,
/// the loop's own too (the callback then runs in a later round, not inside this call).
/// Each posted callback runs exactly once, those posted by one thread in the order they were
/// posted; callbacks still waiting when the loop is freed run then, and those they post in
/// turn. The queue of posted callbacks has no bound: a thread that posts faster than the
/// loop runs them makes it grow (and a process out of memory aborts). Returns SOCKIT_OK;
/// fails with SOCKIT_EINVAL (NULL loop or callback). Does not block (it takes a lock held
/// only briefly).
///
/// # Safety
///
/// `lp` is NULL or a live loop, not freed while this call runs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_post(
    r#loop: *mut sockit_loop,
    callback: sockit_loop_fn,
    arg: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let remote = unsafe { remote(r#loop) }.ok_or(ErrorCode::EINVAL)?;
        let callback = callback.ok_or(ErrorCode::EINVAL)?;
        let (me, arg) = (LoopPointer(r#loop), UserPointer(arg));
        remote.post(Box::new(move |_: &Loop| {
            // SAFETY: the callback's contract is the C program's; the loop outlives it.
            unsafe { callback(me.get(), arg.get()) }
        }));
        Ok(())
    })
}

/// Runs work(arg) on a small pool of threads shared by the process (blocking work: a file,
/// a database, a computation), then done(loop, arg) on the loop's thread, in a later round.
/// work must not call the loop's functions but sockit_loop_post() and sockit_loop_stop();
/// done may call any. sockit_loop_free() waits for work still running and calls its done.
/// Returns SOCKIT_OK; fails with SOCKIT_EINVAL (NULL loop, work or done), SOCKIT_EAGAIN (the
/// pool has no thread and none can be started: the process is out of threads; work does
/// not run) or SOCKIT_ECANCELED (from a callback run by sockit_loop_free(): the loop takes
/// no new work then). Does not block.
///
/// # Safety
///
/// `lp` is NULL or a live loop, used by the calling thread only; `arg` is the program's, and
/// work may use it on another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_loop_queue_work(
    r#loop: *mut sockit_loop,
    work: sockit_work_fn,
    done: sockit_loop_fn,
    arg: *mut c_void,
) -> c_int {
    call_status(|| {
        // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
        let lp = unsafe { core(r#loop) }?;
        let (work, done) = (
            work.ok_or(ErrorCode::EINVAL)?,
            done.ok_or(ErrorCode::EINVAL)?,
        );
        let (me, arg) = (LoopPointer(r#loop), UserPointer(arg));
        lp.queue_work(
            // SAFETY: the callback's contract is the C program's.
            move || unsafe { work(arg.get()) },
            // SAFETY: as above; the loop outlives its callbacks.
            move |_: &Loop, ()| unsafe { done(me.get(), arg.get()) },
        )
    })
}
