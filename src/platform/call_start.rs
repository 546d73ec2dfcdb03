//! When a blocking call began. It is read before every call that may block and used only
//! when a signal interrupts the call, to count the socket's timeout from the start of the
//! call (`net::io::retry_interrupted_within`), so reading it must cost next to nothing.
//!
//! On Linux that means the coarse monotonic clock, several times cheaper to read than the
//! precise one, which, read before each `recv` and `send`, cost the threaded server a
//! measurable share of its round trips (README, "What made sockit fast"). Its tick (4 ms at
//! 250 Hz) is also the precision of the kernel's own socket timeouts.

use std::time::{Duration, Instant};

/// The moment a blocking call began.
pub(crate) struct CallStart(Reading);

impl CallStart {
    pub(crate) fn now() -> CallStart {
        CallStart(Reading::now())
    }

    /// When a timeout counted from the start of the call ends: never earlier than that, and
    /// later by at most two ticks of the clock that was read.
    pub(crate) fn deadline(&self, timeout: Duration) -> Instant {
        // Elapsed first: measured after `now` it would take too much off.
        let elapsed = self.0.elapsed_at_most();
        Instant::now() + timeout.saturating_sub(elapsed)
    }
}

#[cfg(unix)]
use self::coarse::Reading;

#[cfg(unix)]
mod coarse {
    use std::time::Duration;

    /// The cheapest monotonic clock whose resolution the system reports truthfully.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_COARSE;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;

    /// A reading of [`CLOCK`]; `None` if the clock could not be read (then the timeout counts
    /// from the interruption: later than it should, never earlier).
    pub(crate) struct Reading(Option<Duration>);

    impl Reading {
        pub(crate) fn now() -> Reading {
            Reading(read(libc::clock_gettime))
        }

        /// A lower bound of the time since the reading. Each reading lags the true time by
        /// less than a tick, so the difference of two is short by less than one.
        pub(crate) fn elapsed_at_most(&self) -> Duration {
            let (Some(start), Some(now)) = (self.0, read(libc::clock_gettime)) else {
                return Duration::ZERO;
            };
            let tick = read(libc::clock_getres).unwrap_or(Duration::ZERO);
            now.saturating_sub(start).saturating_sub(tick)
        }
    }

    /// Calls `clock_gettime` or `clock_getres` on [`CLOCK`].
    fn read(
        call: unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> i32,
    ) -> Option<Duration> {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a live timespec for the call to fill; CLOCK is a clock id the
        // system defines.
        if unsafe { call(CLOCK, &mut time) } != 0 {
            return None;
        }
        let secs = u64::try_from(time.tv_sec).ok()?;
        let nanos = u32::try_from(time.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
}

/// Windows keeps the precise clock: Winsock calls are not interrupted by signals, so the
/// start is hardly ever asked for, and its cost there was not measured.
#[cfg(windows)]
struct Reading(Instant);

#[cfg(windows)]
impl Reading {
    fn now() -> Reading {
        Reading(Instant::now())
    }

    fn elapsed_at_most(&self) -> Duration {
        self.0.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_deadline_counts_from_the_start_of_the_call_and_is_never_early() {
        let timeout = Duration::from_millis(100);
        let before = Instant::now();
        let start = CallStart::now();
        thread::sleep(Duration::from_millis(50));
        let deadline = start.deadline(timeout);
        let after = Instant::now();
        assert!(deadline >= before + timeout, "early");
        // Counted from the start, not from now: of the 50 ms slept, at most two ticks of the
        // clock (4 or 10 ms each) are not taken off.
        assert!(
            deadline + Duration::from_millis(20) <= after + timeout,
            "counted from now"
        );
    }
}
