//! An open event loop: connections, listeners, UDP sockets and timers that live until the
//! program closes them, each named by a [`Handle`], with callbacks on the loop's thread.
//!
//! A [`Loop`] belongs to one thread at a time. Every method takes `&self`: a callback is
//! given the loop and may call any method on it (write to another connection, close its own
//! handle, start a timer), because the loop keeps no borrow of its state while a callback
//! runs. Handles are checked on every call: one that was closed, that another loop gave
//! out, or that never existed fails with `EBADF` (`handles.rs`). Other threads reach the
//! loop through its [`Remote`]: `post` a callback, `stop` the run.
//!
//! Files: `handles.rs` (the handle table), `timers.rs` (due times), `remote.rs` (post,
//! stop), `pool.rs` (threads for blocking work), `stream.rs` (a connection's state and
//! queue), `tcp.rs` (listeners, outgoing and adopted connections, what the program does
//! with them), `messages.rs` (connections read as messages), `tls.rs` (TLS on
//! connections: handshakes in the loop, records through the queue), `udp.rs` (UDP sockets),
//! `unix.rs` (Unix domain listeners and connects).

mod handles;
mod messages;
mod pool;
mod remote;
mod stream;
mod tcp;
mod timers;
mod tls;
mod udp;
mod unix;

pub use handles::Handle;
pub use remote::{Posted, Remote};
pub use stream::DEFAULT_QUEUE_LIMIT;
pub use tcp::StreamEvents;
pub use udp::DatagramEvents;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode, Result};
use crate::event_loop::handles::Slab;
use crate::event_loop::stream::Stream;
use crate::event_loop::tcp::{Closed, Connecting, Listener};
use crate::event_loop::timers::{Schedule, TimerQueue, round_up};
use crate::event_loop::udp::Datagrams;
use crate::platform::poller::{Events, Poller};

/// The buffer each read fills: the largest datagram fits.
const READ_BUFFER: usize = crate::net::udp::MAX_DATAGRAM;

/// A timer's callback: given the loop and the timer's handle.
pub type TimerCallback = Box<dyn FnMut(&Loop, Handle)>;

/// One handle's entry: the program's word and what the handle is.
struct Entry {
    data: usize,
    kind: Kind,
}

enum Kind {
    Timer(Timer),
    Listener(Listener),
    Datagrams(Datagrams),
    Connecting(Connecting),
    Stream(Stream),
    /// A connection whose on_close is running: the handle is still valid for it.
    Closed(Closed),
}

struct Timer {
    schedule: Schedule,
    /// Taken out while the callback runs.
    callback: Option<TimerCallback>,
    /// The loop's own (a connect's deadline): the program cannot close it.
    internal: bool,
}

/// Which kind of handle a poller report is for.
enum Ready {
    Stream,
    Listener,
    Datagrams,
    Connecting,
    Other,
}

impl Ready {
    fn of(kind: &Kind) -> Ready {
        match kind {
            Kind::Stream(_) => Ready::Stream,
            Kind::Listener(_) => Ready::Listener,
            Kind::Datagrams(_) => Ready::Datagrams,
            Kind::Connecting(_) => Ready::Connecting,
            Kind::Timer(_) | Kind::Closed(_) => Ready::Other,
        }
    }
}

/// What the loop does at the end of a round, outside the program's calls (so that no
/// callback runs inside a call the program made).
enum Deferred {
    /// An adopted connection: tell on_connect.
    Connected(Handle),
    /// An outgoing connection failed: tell on_connect, then close.
    ConnectFailed(Handle, Error),
    /// Close the connection (on_close with this status).
    Finish(Handle, Result<()>),
    /// Hand out the messages a framed connection holds already.
    Deliver(Handle),
}

struct State {
    handles: Slab<Entry>,
    timers: TimerQueue,
    deferred: VecDeque<Deferred>,
}

/// An event loop. See the module's documentation.
pub struct Loop {
    remote: Remote,
    state: RefCell<State>,
    events: RefCell<Events>,
    /// What each read fills; the data callbacks see a part of it.
    buffer: RefCell<Vec<u8>>,
    /// The plaintext of a TLS connection's read; the data callbacks see it.
    plain: RefCell<Vec<u8>>,
    /// Set while `run` or `run_once` is on the stack: they do not nest.
    running: Cell<bool>,
}

/// Clears the running flag however the run ends.
struct Running<'a>(&'a Cell<bool>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Loop {
    /// A loop with no handles.
    pub fn new() -> Result<Loop> {
        Ok(Loop {
            remote: Remote::new(Poller::new()?),
            state: RefCell::new(State {
                handles: Slab::new(),
                timers: TimerQueue::default(),
                deferred: VecDeque::new(),
            }),
            events: RefCell::new(Events::new()),
            buffer: RefCell::new(vec![0; READ_BUFFER]),
            plain: RefCell::new(Vec::new()),
            running: Cell::new(false),
        })
    }

    /// The loop as other threads reach it.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    fn enter(&self) -> Result<Running<'_>> {
        if self.running.replace(true) {
            return Err(ErrorCode::EBUSY.into());
        }
        Ok(Running(&self.running))
    }

    /// Whether `run` or `run_once` is on the stack (a callback is running, or is about to).
    pub fn is_running(&self) -> bool {
        self.running.get()
    }

    /// Runs until [`Remote::stop`] is called (a stop that came while the loop was not
    /// running ends the next run at once). `EBUSY` from inside a callback of this loop.
    pub fn run(&self) -> Result<()> {
        let _running = self.enter()?;
        while !self.remote.take_stop() {
            self.turn(None)?;
        }
        Ok(())
    }

    /// One round: waits for events at most `timeout` (`None`: until something happens),
    /// then runs the callbacks of what happened and of the timers that are due. `EBUSY`
    /// from inside a callback of this loop.
    pub fn run_once(&self, timeout: Option<Duration>) -> Result<()> {
        let _running = self.enter()?;
        self.turn(timeout)
    }

    fn turn(&self, timeout: Option<Duration>) -> Result<()> {
        let wait = match (self.next_timeout(), timeout) {
            (Some(due), Some(limit)) => Some(due.min(limit)),
            (due, limit) => due.or(limit),
        };
        let mut events = self.events.borrow_mut();
        self.remote.0.poller.wait(&mut events, wait)?;
        for event in events.iter() {
            self.dispatch(event.key, event.readable, event.writable);
        }
        drop(events);
        self.run_posted();
        self.fire_timers(Instant::now());
        self.run_deferred();
        Ok(())
    }

    /// What the poller reported for slot `index`.
    fn dispatch(&self, index: usize, readable: bool, writable: bool) {
        let (handle, kind) = {
            let mut state = self.state.borrow_mut();
            match state.handles.at(index) {
                Some((handle, entry)) => (handle, Ready::of(&entry.kind)),
                None => return,
            }
        };
        match kind {
            Ready::Stream => self.serve(handle, readable, writable),
            Ready::Listener => self.accept(handle),
            Ready::Datagrams => self.receive_datagrams(handle),
            Ready::Connecting => self.connect_ready(handle),
            Ready::Other => {}
        }
    }

    /// Runs what the round put off: at most what was there when it started, so that a
    /// callback that adds more cannot keep the round going for ever.
    fn run_deferred(&self) {
        let count = self.state.borrow().deferred.len();
        for _ in 0..count {
            let Some(deferred) = self.state.borrow_mut().deferred.pop_front() else {
                return;
            };
            match deferred {
                Deferred::Connected(handle) => self.tell_connected(handle),
                Deferred::ConnectFailed(handle, err) => self.finish(handle, Err(err), true),
                Deferred::Finish(handle, status) => self.finish(handle, status, false),
                Deferred::Deliver(handle) => self.deliver_buffered(handle),
            }
        }
    }

    fn defer(&self, deferred: Deferred) {
        self.state.borrow_mut().deferred.push_back(deferred);
    }

    /// How long the loop may wait before something is due: `Some(0)` when callbacks are
    /// waiting to run, the time to the next timer (rounded up to a millisecond), or `None`
    /// when only an event or a post can give it work.
    pub fn next_timeout(&self) -> Option<Duration> {
        if self.remote.has_posted() || !self.state.borrow().deferred.is_empty() {
            return Some(Duration::ZERO);
        }
        let due = self.state.borrow().timers.next_due()?;
        Some(round_up(due.saturating_duration_since(Instant::now())))
    }

    /// The descriptor of the loop's poller, readable when the loop has work (Unix), for a
    /// program that waits in its own loop; `EOPNOTSUPP` where there is none (Windows).
    pub fn descriptor(&self) -> Result<i32> {
        self.remote
            .0
            .poller
            .descriptor()
            .ok_or(ErrorCode::EOPNOTSUPP.into())
    }

    fn run_posted(&self) {
        if !self.remote.has_posted() {
            return;
        }
        for callback in self.remote.take_posted() {
            callback(self);
        }
    }

    /// Starts a timer: `callback` runs after `delay`, then every `repeat` if given, until the
    /// handle is closed. A one-shot timer's handle is closed once its callback returns.
    pub fn timer(
        &self,
        delay: Duration,
        repeat: Option<Duration>,
        callback: TimerCallback,
    ) -> Result<Handle> {
        self.add_timer(delay, repeat, callback, false)
    }

    fn add_timer(
        &self,
        delay: Duration,
        repeat: Option<Duration>,
        callback: TimerCallback,
        internal: bool,
    ) -> Result<Handle> {
        let due = Instant::now() + delay;
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        // The schedule is made once the handle is known; this one is replaced at once.
        let placeholder = Schedule::unscheduled(due);
        let handle = state.handles.insert(Entry {
            data: 0,
            kind: Kind::Timer(Timer {
                schedule: placeholder,
                callback: Some(callback),
                internal,
            }),
        })?;
        let schedule = state.timers.schedule(handle, due, repeat);
        if let Some(Entry {
            kind: Kind::Timer(timer),
            ..
        }) = state.handles.get_mut(handle)
        {
            timer.schedule = schedule;
        }
        Ok(handle)
    }

    fn fire_timers(&self, now: Instant) {
        while let Some((handle, mut callback)) = self.next_due_timer(now) {
            callback(self, handle);
            let mut state = self.state.borrow_mut();
            let Some(Entry {
                kind: Kind::Timer(timer),
                ..
            }) = state.handles.get_mut(handle)
            else {
                // Closed by its callback.
                continue;
            };
            if timer.schedule.repeat.is_some() {
                timer.callback = Some(callback);
            } else {
                state.handles.remove(handle);
            }
        }
        let mut state = self.state.borrow_mut();
        if state.timers.len() > 2 * state.handles.len() + 64 {
            let State {
                handles, timers, ..
            } = &mut *state;
            timers.compact(|handle, order| match handles.get(handle) {
                Some(Entry {
                    kind: Kind::Timer(timer),
                    ..
                }) => TimerQueue::is_current(&timer.schedule, order),
                _ => false,
            });
        }
    }

    /// The next timer due at `now` and its callback, taken out; a repeating timer is
    /// rescheduled first.
    fn next_due_timer(&self, now: Instant) -> Option<(Handle, TimerCallback)> {
        let mut state = self.state.borrow_mut();
        let State {
            handles, timers, ..
        } = &mut *state;
        while let Some((handle, order)) = timers.pop_due(now) {
            let Some(Entry {
                kind: Kind::Timer(timer),
                ..
            }) = handles.get_mut(handle)
            else {
                continue;
            };
            if !TimerQueue::is_current(&timer.schedule, order) {
                continue;
            }
            if let Some(next) = timer.schedule.next_after(now) {
                timer.schedule = timers.schedule(handle, next, timer.schedule.repeat);
            }
            if let Some(callback) = timer.callback.take() {
                return Some((handle, callback));
            }
        }
        None
    }

    /// Closes a handle. A timer or a listener closes at once (a timer's callback is not
    /// called again). A connection closes once everything written is sent: reading stops
    /// now, on_close comes in a later round, and until it has returned the handle stays
    /// valid (closing again does nothing). `EBADF` for a handle that is not open in this
    /// loop.
    pub fn close(&self, handle: Handle) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let entry = state.handles.get_mut(handle).ok_or(ErrorCode::EBADF)?;
        match &mut entry.kind {
            Kind::Timer(timer) if timer.internal => return Err(ErrorCode::EBADF.into()),
            Kind::Timer(_) => {}
            Kind::Listener(listener) => {
                let _ = self.remote.0.poller.delete(&listener.socket);
            }
            Kind::Datagrams(datagrams) => {
                let _ = self.remote.0.poller.delete(&datagrams.socket);
            }
            Kind::Connecting(connecting) => {
                // Given up now: nothing it started may tell on_connect any more.
                let (attempt, timer) = connecting.give_up();
                if let Some(socket) = attempt {
                    let _ = self.remote.0.poller.delete(&socket);
                }
                if let Some(timer) = timer {
                    state.handles.remove(timer);
                }
                state.deferred.push_back(Deferred::Finish(handle, Ok(())));
                return Ok(());
            }
            Kind::Stream(stream) => {
                if !stream.closing {
                    stream.close_notify();
                }
                stream.closing = true;
                self.update(&mut state, handle);
                return Ok(());
            }
            Kind::Closed(_) => return Ok(()),
        }
        state.handles.remove(handle);
        Ok(())
    }

    /// Removes a timer of the loop's own (a connect's deadline).
    fn cancel_internal(&self, timer: Option<Handle>) {
        if let Some(timer) = timer {
            self.state.borrow_mut().handles.remove(timer);
        }
    }

    /// The program's word kept with the handle (0 until set).
    pub fn data(&self, handle: Handle) -> Result<usize> {
        let state = self.state.borrow();
        let entry = state.handles.get(handle).ok_or(ErrorCode::EBADF)?;
        Ok(entry.data)
    }

    /// Keeps a word of the program's with the handle.
    pub fn set_data(&self, handle: Handle, data: usize) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let entry = state.handles.get_mut(handle).ok_or(ErrorCode::EBADF)?;
        entry.data = data;
        Ok(())
    }

    /// Runs `work` on a pool thread, then `done` with its result on the loop's thread (from
    /// a later round). The loop waits for work still running when it ends, and runs its
    /// `done` then. `ECANCELED` once the loop is shutting down ([`Loop::shut_down`]);
    /// `EAGAIN` when the pool has no thread and none can be started.
    pub fn queue_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
        done: impl FnOnce(&Loop, T) + Send + 'static,
    ) -> Result<()> {
        if self.state.borrow().handles.is_sealed() {
            return Err(ErrorCode::ECANCELED.into());
        }
        let remote = self.remote.clone();
        remote.work_started();
        let finished = WorkFinished(remote.clone());
        pool::spawn(move || {
            // Told however the work ends, a panic included: the loop waits for it.
            let _finished = finished;
            let value = work();
            remote.post(Box::new(move |lp: &Loop| done(lp, value)));
        })
    }

    /// Ends the loop's business: waits for the program's work still running on the pool,
    /// then runs what was posted (work results included), and closes every handle; then
    /// runs what their callbacks posted, until nothing is left. From the start, callbacks
    /// can make no new handle, timer or work (`ECANCELED`), and the loop stays so: a second
    /// call does nothing. Called when the loop is dropped; `EBUSY` while the loop is
    /// running.
    pub fn shut_down(&self) -> Result<()> {
        let _running = self.enter()?;
        if self.state.borrow().handles.is_sealed() {
            return Ok(());
        }
        self.state.borrow_mut().handles.seal();
        self.remote.wait_for_works();
        self.run_posted();
        let handles = self.state.borrow().handles.handles();
        for handle in handles {
            self.cancel(handle);
        }
        self.state.borrow_mut().deferred.clear();
        // Posts made by the closing callbacks, and by those.
        while self.remote.has_posted() {
            self.run_posted();
        }
        Ok(())
    }

    /// Closes a handle at once, as the loop ends: a connection is reset and told
    /// `ECANCELED`.
    fn cancel(&self, handle: Handle) {
        let connection = {
            let mut state = self.state.borrow_mut();
            match state.handles.get_mut(handle).map(|entry| &mut entry.kind) {
                Some(Kind::Stream(stream)) => {
                    stream.abort();
                    true
                }
                Some(Kind::Connecting(_)) => true,
                Some(Kind::Listener(listener)) => {
                    let _ = self.remote.0.poller.delete(&listener.socket);
                    false
                }
                Some(Kind::Datagrams(datagrams)) => {
                    let _ = self.remote.0.poller.delete(&datagrams.socket);
                    false
                }
                _ => false,
            }
        };
        if connection {
            self.finish(handle, Err(ErrorCode::ECANCELED.into()), false);
        }
        self.state.borrow_mut().handles.remove(handle);
    }
}

/// Tells the loop that a work has ended, when dropped.
struct WorkFinished(Remote);

impl Drop for WorkFinished {
    fn drop(&mut self) {
        self.0.work_finished();
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}
