//! Datagrams that no reply can reach: those from port 0.
//!
//! No system sends to port 0, so a server cannot answer such a datagram. One arrives when a
//! sender's system has a race (Linux gives an unbound socket its port at the first send, and
//! another thread's datagram can leave meanwhile with source port 0; sockit's own sockets are
//! bound when created, so they never do this) or when the sender forged it. The servers skip
//! these datagrams instead of failing a send, count them, and say so on stderr, at most one
//! line a second, so that a server whose clients wait for lost replies explains itself and a
//! flood of them cannot flood the log.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Datagrams skipped since the process started.
static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// When the last line was written.
static LAST_LINE: Mutex<Option<Instant>> = Mutex::new(None);

/// At most one line per this long.
const LINE_INTERVAL: Duration = Duration::from_secs(1);

/// Whether a reply can reach `peer`.
pub fn can_reply_to(peer: SocketAddr) -> bool {
    peer.port() != 0
}

/// Counts a datagram from `peer` that is skipped because no reply can reach it, and writes a
/// line to stderr unless one was written less than a second ago.
pub fn skip(peer: SocketAddr) {
    let skipped = SKIPPED.fetch_add(1, Ordering::Relaxed) + 1;
    let now = Instant::now();
    let Ok(mut last) = LAST_LINE.lock() else {
        return;
    };
    if last.is_some_and(|last| now.duration_since(last) < LINE_INTERVAL) {
        return;
    }
    *last = Some(now);
    let _ = writeln!(
        std::io::stderr(),
        "sockit: skipped a datagram from {} port 0, which no reply can reach \
         ({skipped} so far in this process)",
        super::addr::ip_text(&peer)
    );
}

/// How many datagrams this process has skipped.
pub fn skipped() -> u64 {
    SKIPPED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_zero_is_the_one_port_no_reply_reaches() {
        assert!(!can_reply_to("127.0.0.1:0".parse().unwrap()));
        assert!(!can_reply_to("[::1]:0".parse().unwrap()));
        assert!(can_reply_to("127.0.0.1:1".parse().unwrap()));
        assert!(can_reply_to("[::1]:65535".parse().unwrap()));
    }

    #[test]
    fn every_skip_is_counted() {
        let before = skipped();
        for _ in 0..3 {
            skip("127.0.0.1:0".parse().unwrap());
        }
        assert!(skipped() >= before + 3);
    }
}
