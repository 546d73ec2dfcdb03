//! What the load generator sends, so that every echoed byte can be checked against what was
//! sent: messages that differ by connection and sequence number, and a stream whose bytes
//! depend on their offset.

/// Fills `out` with message `seq` of connection `conn`.
pub fn message(conn: u64, seq: u64, out: &mut [u8]) {
    let mut state =
        conn.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seq.wrapping_mul(0xD1B5_4A32_D192_ED03);
    for byte in out.iter_mut() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        *byte = (state >> 56) as u8;
    }
}

/// A stream's bytes repeat with this period, a prime, so that any shift or loss shows.
const PERIOD: usize = 65_521;

/// The bytes of a stream: byte `o` is `table[o % PERIOD]`.
pub struct Stream {
    table: Vec<u8>,
    max_chunk: usize,
}

impl Stream {
    pub fn new(max_chunk: usize) -> Stream {
        let mut table = vec![0; PERIOD + max_chunk];
        message(u64::MAX, 0, &mut table[..PERIOD]);
        for i in PERIOD..table.len() {
            table[i] = table[i - PERIOD];
        }
        Stream { table, max_chunk }
    }

    /// The `len` bytes at `offset` (len at most the chunk size given to `new`).
    pub fn at(&self, offset: u64, len: usize) -> &[u8] {
        assert!(len <= self.max_chunk);
        let start = (offset % PERIOD as u64) as usize;
        &self.table[start..start + len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_differ_by_connection_and_sequence() {
        let (mut a, mut b, mut c) = ([0u8; 32], [0u8; 32], [0u8; 32]);
        message(1, 1, &mut a);
        message(2, 1, &mut b);
        message(1, 2, &mut c);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let mut again = [0u8; 32];
        message(1, 1, &mut again);
        assert_eq!(a, again);
    }

    #[test]
    fn stream_bytes_depend_on_offset_only() {
        let stream = Stream::new(100_000);
        let whole = stream.at(0, 100_000).to_vec();
        assert_eq!(
            stream.at(70_000, 10),
            &whole[70_000 % PERIOD..70_000 % PERIOD + 10]
        );
        assert_eq!(stream.at(PERIOD as u64, 50), &whole[..50]);
        assert_ne!(stream.at(1, 50), &whole[..50]);
    }
}
