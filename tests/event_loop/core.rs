//! The event loop's core, through the rlib: handles, timers, posts from other threads, work
//! on the pool, run/run_once/stop, and the descriptor a program with its own loop waits on.

use std::cell::RefCell;
use std::net::TcpListener;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sockit::ErrorCode;
#[path = "../support/mod.rs"]
mod support;

use sockit::event_loop::{Handle, Loop, StreamEvents};
use support::loop_log::code;
use support::run_loop_until;

#[test]
fn closed_and_foreign_handles_fail_with_ebadf() {
    let lp = Loop::new().unwrap();
    let other = Loop::new().unwrap();
    let timer = lp
        .timer(Duration::from_secs(60), None, Box::new(|_, _| {}))
        .unwrap();
    let theirs = other
        .timer(Duration::from_secs(60), None, Box::new(|_, _| {}))
        .unwrap();
    assert_eq!(lp.set_data(timer, 7).map_err(|e| e.code()), Ok(()));
    assert_eq!(lp.data(timer).unwrap(), 7);
    for bad in [theirs, Handle::from_raw(0), Handle::from_raw(u64::MAX)] {
        assert_eq!(lp.close(bad).unwrap_err().code(), ErrorCode::EBADF);
        assert_eq!(lp.data(bad).unwrap_err().code(), ErrorCode::EBADF);
    }
    lp.close(timer).unwrap();
    assert_eq!(lp.close(timer).unwrap_err().code(), ErrorCode::EBADF);
    assert_eq!(lp.set_data(timer, 1).unwrap_err().code(), ErrorCode::EBADF);
    // A loop made after this one was freed never knows its handles.
    drop(lp);
    let successor = Loop::new().unwrap();
    let new_timer = successor
        .timer(Duration::from_secs(60), None, Box::new(|_, _| {}))
        .unwrap();
    assert_ne!(new_timer, timer);
    assert_eq!(successor.close(timer).unwrap_err().code(), ErrorCode::EBADF);
    assert_eq!(other.close(theirs).map_err(|e| e.code()), Ok(()));
}

#[test]
fn timers_fire_in_due_order_and_one_shots_close_themselves() {
    let lp = Loop::new().unwrap();
    let fired = Rc::new(RefCell::new(Vec::new()));
    let mut handles = Vec::new();
    for (name, delay_ms) in [("c", 30), ("a", 0), ("b", 10), ("a2", 0)] {
        let fired = Rc::clone(&fired);
        let handle = lp
            .timer(
                Duration::from_millis(delay_ms),
                None,
                Box::new(move |_, _| fired.borrow_mut().push(name)),
            )
            .unwrap();
        handles.push(handle);
    }
    run_loop_until(&lp, || fired.borrow().len() == 4);
    assert_eq!(*fired.borrow(), ["a", "a2", "b", "c"]);
    for handle in handles {
        assert_eq!(lp.close(handle).unwrap_err().code(), ErrorCode::EBADF);
    }
}

#[test]
fn a_repeating_timer_does_not_drift_and_stops_when_closed() {
    let lp = Loop::new().unwrap();
    let period = Duration::from_millis(20);
    let start = Instant::now();
    let times = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&times);
    lp.timer(
        period,
        Some(period),
        Box::new(move |lp, me| {
            seen.borrow_mut().push(start.elapsed());
            if seen.borrow().len() == 3 {
                // A slow callback delays this round, not the rhythm.
                thread::sleep(period / 2 * 3);
            }
            if seen.borrow().len() == 10 {
                lp.close(me).unwrap();
            }
        }),
    )
    .unwrap();
    run_loop_until(&lp, || times.borrow().len() == 10);
    let times = times.borrow();
    // Each call comes at or after its multiple of the period; missed ones are skipped, and
    // the last one is no later than the period count says (plus one period of slack for a
    // loaded machine): no accumulated drift.
    let last = *times.last().unwrap();
    let periods = (last.as_nanos() / period.as_nanos()) as u32;
    assert!(
        periods <= 12,
        "10 calls took {periods} periods: the timer drifts ({times:?})"
    );
    for (i, pair) in times.windows(2).enumerate() {
        assert!(pair[1] > pair[0], "call {i} out of order");
    }
    lp.run_once(Some(period * 3)).unwrap();
    assert_eq!(times.len(), 10, "closed in its callback: not called again");
}

#[test]
fn posts_from_eight_threads_run_once_each_in_order_per_thread() {
    const THREADS: usize = 8;
    const POSTS: usize = 10_000;
    let lp = Loop::new().unwrap();
    let seen: Arc<Mutex<Vec<Vec<usize>>>> = Arc::new(Mutex::new(vec![Vec::new(); THREADS]));
    let posters: Vec<_> = (0..THREADS)
        .map(|thread| {
            let remote = lp.remote().clone();
            let seen = Arc::clone(&seen);
            thread::spawn(move || {
                for i in 0..POSTS {
                    let seen = Arc::clone(&seen);
                    remote.post(Box::new(move |_| seen.lock().unwrap()[thread].push(i)));
                }
            })
        })
        .collect();
    let total = || seen.lock().unwrap().iter().map(Vec::len).sum::<usize>();
    run_loop_until(&lp, || total() == THREADS * POSTS);
    for poster in posters {
        poster.join().unwrap();
    }
    lp.run_once(Some(Duration::ZERO)).unwrap();
    let expected: Vec<usize> = (0..POSTS).collect();
    for per_thread in seen.lock().unwrap().iter() {
        assert_eq!(*per_thread, expected);
    }
}

#[test]
fn stop_from_another_thread_ends_run_and_run_does_not_nest() {
    let lp = Loop::new().unwrap();
    let remote = lp.remote().clone();
    let nested = Rc::new(RefCell::new(None));
    let inner = Rc::clone(&nested);
    lp.timer(
        Duration::ZERO,
        None,
        Box::new(move |lp, _| {
            *inner.borrow_mut() = Some(lp.run_once(Some(Duration::ZERO)).map_err(|e| e.code()));
        }),
    )
    .unwrap();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        remote.stop();
    });
    lp.run().unwrap();
    stopper.join().unwrap();
    assert_eq!(*nested.borrow(), Some(Err(ErrorCode::EBUSY)));
}

#[test]
fn work_runs_on_the_pool_and_its_result_comes_back_on_the_loop_thread() {
    let lp = Loop::new().unwrap();
    let loop_thread = thread::current().id();
    let result = Arc::new(Mutex::new(None));
    let done = Arc::clone(&result);
    lp.queue_work(
        move || thread::current().id(),
        move |_, worker| {
            *done.lock().unwrap() = Some((worker, thread::current().id()));
        },
    )
    .unwrap();
    run_loop_until(&lp, || result.lock().unwrap().is_some());
    let (worker, finisher) = result.lock().unwrap().unwrap();
    assert_ne!(worker, loop_thread);
    assert_eq!(finisher, loop_thread);

    // A loop dropped with work running waits for it and runs its result.
    let lp = Loop::new().unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&finished);
    lp.queue_work(
        || thread::sleep(Duration::from_millis(50)),
        move |_, ()| {
            counted.fetch_add(1, Ordering::SeqCst);
        },
    )
    .unwrap();
    drop(lp);
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[test]
fn next_timeout_says_how_long_an_embedding_program_may_wait() {
    let lp = Loop::new().unwrap();
    assert_eq!(lp.next_timeout(), None, "nothing scheduled");
    let timer = lp
        .timer(Duration::from_millis(500), None, Box::new(|_, _| {}))
        .unwrap();
    let wait = lp.next_timeout().unwrap();
    assert!(wait <= Duration::from_millis(500) && wait > Duration::from_millis(400));
    lp.remote().post(Box::new(|_| {}));
    assert_eq!(lp.next_timeout(), Some(Duration::ZERO), "a post is waiting");
    lp.run_once(Some(Duration::ZERO)).unwrap();
    assert!(lp.next_timeout().unwrap() > Duration::ZERO);
    lp.close(timer).unwrap();
    #[cfg(unix)]
    assert!(lp.descriptor().unwrap() >= 0);
}

/// Connects to `port` and, from on_close, tries to connect again and to queue work (as a
/// client that reconnects, or saves its session, when a connection ends); logs the codes.
struct Reconnecting {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl StreamEvents for Reconnecting {
    fn on_connect(&self, _: &Loop, _: Handle, _: usize, status: sockit::Result<()>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("connect {}", code(status)));
    }
    fn on_close(&self, lp: &Loop, _: Handle, _: usize, status: sockit::Result<()>) {
        let log = Arc::clone(&self.log);
        log.lock().unwrap().push(format!("close {}", code(status)));
        let again = lp.connect(
            "127.0.0.1",
            self.port,
            None,
            Rc::new(Reconnecting {
                port: self.port,
                log: Arc::clone(&log),
            }),
            0,
        );
        let queued = lp.queue_work(|| {}, |_, ()| {});
        let timer = lp.timer(Duration::ZERO, None, Box::new(|_, _| {}));
        log.lock().unwrap().extend([
            format!("reconnect {}", code(again.map(|_| ()))),
            format!("queue_work {}", code(queued)),
            format!("timer {}", code(timer.map(|_| ()))),
        ]);
    }
}

#[test]
fn callbacks_run_while_the_loop_ends_can_start_nothing_new() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let lp = Loop::new().unwrap();
    let events = Rc::new(Reconnecting {
        port,
        log: Arc::clone(&log),
    });
    lp.connect("127.0.0.1", port, None, events, 0).unwrap();
    run_loop_until(&lp, || log.lock().unwrap().len() == 1);
    // Work whose done queues more work, as the loop ends.
    let done_log = Arc::clone(&log);
    lp.queue_work(
        || thread::sleep(Duration::from_millis(20)),
        move |lp, ()| {
            let queued = lp.queue_work(|| {}, |_, ()| {});
            done_log
                .lock()
                .unwrap()
                .push(format!("done: queue_work {}", code(queued)));
        },
    )
    .unwrap();
    lp.shut_down().unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "connect ok",
            "done: queue_work ECANCELED",
            "close ECANCELED",
            "reconnect ECANCELED",
            "queue_work ECANCELED",
            "timer ECANCELED",
        ]
    );
    // Ended for good: dropping it runs nothing more.
    drop(lp);
    assert_eq!(log.lock().unwrap().len(), 6);
}

#[test]
fn a_work_that_panics_does_not_keep_the_loop_from_ending() {
    let (ended, wait) = std::sync::mpsc::channel();
    let owner = thread::spawn(move || {
        let lp = Loop::new().unwrap();
        lp.queue_work(|| panic!("the work fails"), |_, ()| {})
            .unwrap();
        drop(lp);
        ended.send(()).unwrap();
    });
    wait.recv_timeout(Duration::from_secs(20))
        .expect("the loop waited for ever for a work that had panicked");
    owner.join().unwrap();
}
