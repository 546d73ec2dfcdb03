//! 4. Descriptor exhaustion: the server runs with RLIMIT_NOFILE at 64 and more clients come
//!    than it has descriptors. It keeps running, leaves the excess waiting in the listen
//!    queue, and serves them as the earlier clients leave.

use std::io::Read;
use std::time::Duration;

use crate::clients::{connect, pattern, send_what_fits};
use crate::report;
use crate::target::{MODES, Scale, Target};

const DESCRIPTORS: &str = "64";

#[test]
fn more_clients_than_descriptors_are_delayed_then_served() {
    let clients = Scale::get().pick(150, 600);
    for mode in MODES {
        let mut target = Target::start("tcp", mode, &["--nofile", DESCRIPTORS]);
        let mut streams: Vec<_> = (0..clients).map(|_| connect(target.addr)).collect();
        for (i, stream) in streams.iter_mut().enumerate() {
            send_what_fits(stream, &pattern(i as u64, 100));
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .unwrap();
        }
        // In order, each reads its echo and leaves, which frees a descriptor for the next.
        for (i, mut stream) in streams.into_iter().enumerate() {
            let mut echoed = [0; 100];
            stream.read_exact(&mut echoed).unwrap_or_else(|e| {
                panic!(
                    "{}: client {i} of {clients} got no echo: {e}",
                    target.name()
                )
            });
            assert_eq!(echoed[..], pattern(i as u64, 100)[..], "{}", target.name());
        }
        let now = target.assert_recovered("descriptor exhaustion");
        let load = format!(
            "RLIMIT_NOFILE {DESCRIPTORS}; {clients} clients connect at once, each echoes 100 B"
        );
        report::row(
            &target,
            "Descriptor exhaustion",
            &load,
            &now,
            "the excess waited, then every client was served",
        );
        target.stop();
    }
}
