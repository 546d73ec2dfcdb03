//! 1. Reset storm: thousands of clients connect and reset at once (SO_LINGER 0): before
//!    sending anything, in the middle of a request, and in the middle of the reply.

use std::net::SocketAddr;

use crate::clients::{connect, pattern, reset, send_what_fits};
use crate::report;
use crate::support::raise_descriptor_limit;
use crate::target::{MODES, Scale, Target};

#[test]
fn a_reset_storm_leaves_every_mode_serving() {
    raise_descriptor_limit();
    let scale = Scale::get();
    let (waves, per_wave) = scale.pick((2, 300), (5, 1000));
    for mode in MODES {
        let mut target = Target::start("tcp", mode, &[]);
        for wave in 0..waves {
            storm(target.addr, per_wave, wave as u64);
        }
        let now = target.assert_recovered("a reset storm");
        let load = format!(
            "{} clients in waves of {per_wave}, each connecting and resetting: a third at once, \
             a third mid-request, a third mid-reply (256 KiB sent, echo unread)",
            waves * per_wave
        );
        report::row(&target, "Reset storm", &load, &now, "");
        target.stop();
    }
}

/// `clients` connections open at once, then all reset.
fn storm(addr: SocketAddr, clients: usize, seed: u64) {
    let request = pattern(seed, 256 * 1024);
    let mut streams: Vec<_> = (0..clients).map(|_| connect(addr)).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        match i % 3 {
            0 => {}
            // Half a request: the server is in the middle of reading it.
            1 => {
                send_what_fits(stream, &request[..100]);
            }
            // More than the socket buffers hold: the server is in the middle of replying.
            _ => {
                send_what_fits(stream, &request);
            }
        }
    }
    for stream in streams {
        reset(stream);
    }
}
