//! What the attacking clients do: connect, reset, send what fits without blocking, time a
//! round trip, and make and check data.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use socket2::SockRef;

/// A connection to `addr`, within 30 s.
pub fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect_timeout(&addr, Duration::from_secs(30)).expect("connect")
}

/// Closes with a reset (SO_LINGER 0) instead of the usual orderly close.
pub fn reset(stream: TcpStream) {
    SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER 0");
    drop(stream);
}

/// Sends as much of `data` as the socket takes without waiting; how much that was.
pub fn send_what_fits(stream: &mut TcpStream, data: &[u8]) -> usize {
    stream.set_nonblocking(true).expect("non-blocking");
    let mut sent = 0;
    while sent < data.len() {
        match stream.write(&data[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break, // would block, or the server has gone
        }
    }
    stream.set_nonblocking(false).expect("blocking");
    sent
}

/// Sends `message` and reads its echo; how long that took. Panics on a wrong echo.
pub fn round_trip(stream: &mut TcpStream, message: &[u8]) -> Duration {
    let start = Instant::now();
    stream.write_all(message).expect("send");
    let mut echoed = vec![0; message.len()];
    stream.read_exact(&mut echoed).expect("echo");
    assert_eq!(echoed, message, "echo differs");
    start.elapsed()
}

/// `len` bytes that differ with `seed` and position (xorshift), covering every byte value.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// FNV-1a, 64 bits: a checksum of a stream too long to keep.
#[derive(Clone, Copy)]
pub struct Checksum(u64);

impl Checksum {
    pub fn new() -> Checksum {
        Checksum(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn value(self) -> u64 {
        self.0
    }
}

/// The middle and the 99th percentile of some durations, in microseconds.
pub fn percentiles(mut times: Vec<Duration>) -> (u128, u128) {
    assert!(!times.is_empty());
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_micros();
    (at(0.5), at(0.99))
}
