//! Opening many connections (TCP or Unix domain) at once, a bounded number of connects in flight, within a
//! deadline: a server that cannot take them all leaves the rest unconnected, and the run
//! goes on with those that did connect.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

use crate::epoll::{self, Epoll};
use crate::socket::{self, Stream, Target};

/// Connects started and not yet finished, at most.
const IN_FLIGHT: usize = 256;

/// Opens up to `count` connections to `to` before `deadline`; returns those that connected.
pub fn open(to: &Target, count: usize, deadline: Instant) -> io::Result<Vec<Stream>> {
    let mut poll = Epoll::new(IN_FLIGHT)?;
    let mut pending: HashMap<u64, Stream> = HashMap::new();
    let mut connected = Vec::with_capacity(count);
    let mut started = 0usize;
    while connected.len() < count && Instant::now() < deadline {
        while pending.len() < IN_FLIGHT && started < count {
            let stream = socket::start_connect(to)?;
            let key = started as u64;
            poll.add(stream.as_raw_fd(), key, epoll::WRITE)?;
            pending.insert(key, stream);
            started += 1;
        }
        if pending.is_empty() {
            break;
        }
        let mut done = Vec::new();
        poll.wait(deadline, |ready| done.push(ready.key))?;
        for key in done {
            let Some(stream) = pending.remove(&key) else {
                continue;
            };
            match stream.take_error()? {
                // Refused or reset: the server's queue is full; count it as not connected.
                Some(_) => {}
                None => connected.push(stream),
            }
        }
    }
    Ok(connected)
}
