//! 3. Slowloris: many connections trickle one byte a second, never finishing, while an
//!    ordinary client goes on being served (event loop and threaded modes; the iterative
//!    mode serves one client at a time by definition, and the forking mode gives each a
//!    process, so neither is for servers that face such clients).

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::clients::{connect, pattern, percentiles, round_trip};
use crate::report;
use crate::support::raise_descriptor_limit;
use crate::target::{Scale, Target};

#[test]
fn slow_clients_do_not_hold_up_an_ordinary_one() {
    raise_descriptor_limit();
    let scale = Scale::get();
    let (slow, seconds) = scale.pick((200, 3), (1000, 10));
    for mode in ["event-loop", "threaded"] {
        let mut target = Target::start("tcp", mode, &[]);
        let message = pattern(3, 512);
        let mut ordinary = connect(target.addr);
        ordinary
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let before: Vec<_> = (0..200)
            .map(|_| round_trip(&mut ordinary, &message))
            .collect();

        // Each second every slow connection sends one more byte of a request it never
        // finishes, and the ordinary client is served in between: in every round at least
        // once, while all of them hold their requests open (each write must still go through:
        // the server keeps them). How fast it is served is reported, not asserted (speed is
        // for benchmarks).
        let mut trickling: Vec<TcpStream> = (0..slow).map(|_| connect(target.addr)).collect();
        let mut during = Vec::new();
        for round in 0..seconds {
            for stream in &mut trickling {
                stream
                    .write_all(b"G")
                    .unwrap_or_else(|e| panic!("round {round}: a slow client was dropped: {e}"));
            }
            let round_end = Instant::now() + Duration::from_secs(1);
            loop {
                during.push(round_trip(&mut ordinary, &message));
                if Instant::now() >= round_end {
                    break;
                }
                thread::sleep(Duration::from_millis(2));
            }
        }
        drop(trickling);
        drop(ordinary);

        let now = target.assert_recovered("slowloris");
        let ((p50_before, p99_before), (p50_during, p99_during)) =
            (percentiles(before), percentiles(during.clone()));
        let load = format!(
            "{slow} connections send 1 byte/s for {seconds} s; one ordinary client echoes 512 B meanwhile"
        );
        let note = format!(
            "ordinary client served {} times, p50/p99 {p50_during}/{p99_during} µs \
             (alone: {p50_before}/{p99_before} µs)",
            during.len()
        );
        report::row(&target, "Slowloris", &load, &now, &note);
        target.stop();
    }
}
