//! Latencies in a log-linear histogram: exact below 128 ns, then 64 buckets per power of two
//! (within 1.6 %), in constant memory however long the run.

use std::time::Duration;

const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Enough buckets for any u64 nanosecond value.
const BUCKETS: usize = (64 - SUB_BITS as usize) * SUB + 2 * SUB;

pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
        }
    }
}

impl Histogram {
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[index(nanos)] += 1;
        self.total += 1;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The latency at quantile `q` (0..=1), in microseconds; 0 when nothing was recorded.
    pub fn quantile_us(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return value(bucket) as f64 / 1000.0;
            }
        }
        unreachable!("rank is at most the total")
    }
}

fn index(nanos: u64) -> usize {
    if nanos < 2 * SUB as u64 {
        return nanos as usize;
    }
    let shift = (63 - nanos.leading_zeros()) - SUB_BITS;
    shift as usize * SUB + (nanos >> shift) as usize
}

/// The middle of a bucket.
fn value(bucket: usize) -> u64 {
    if bucket < 2 * SUB {
        return bucket as u64;
    }
    let shift = (bucket / SUB - 1) as u32;
    let sub = (bucket - shift as usize * SUB) as u64;
    (sub << shift) + (1u64 << shift) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_close_to_their_values() {
        for nanos in [0u64, 1, 127, 128, 129, 1000, 54_321, 1 << 40, u64::MAX] {
            let bucket = index(nanos);
            assert!(bucket < BUCKETS);
            let error = value(bucket).abs_diff(nanos) as f64 / nanos.max(1) as f64;
            assert!(error < 0.016, "{nanos} -> {}", value(bucket));
        }
        assert_eq!(index(128), 128);
        assert_eq!(index(255), 191);
        assert_eq!(index(256), 192);
    }

    #[test]
    fn quantiles_of_a_known_spread() {
        let mut histogram = Histogram::default();
        for micros in 1..=1000 {
            histogram.record(Duration::from_micros(micros));
        }
        let within = |got: f64, want: f64| (got - want).abs() / want < 0.02;
        assert!(within(histogram.quantile_us(0.5), 500.0));
        assert!(within(histogram.quantile_us(0.99), 990.0));
        assert!(within(histogram.quantile_us(0.999), 999.0));
        assert_eq!(histogram.count(), 1000);
    }
}
