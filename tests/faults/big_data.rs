//! 5. Floods and big data: a long stream echoed back identical, and datagrams of every size
//!    from 0 bytes to the largest one UDP over IPv4 carries, each echoed whole.

use std::io::{Read, Write};
use std::net::UdpSocket;
use std::thread;
use std::time::Duration;

use crate::clients::{Checksum, connect, pattern};
use crate::report;
use crate::support::udp_request_once;
use crate::target::{MODES, Scale, Target};

/// The largest UDP payload over IPv4: 65535 minus the IP and UDP headers.
const LARGEST_DATAGRAM: usize = 65_507;

#[test]
fn a_long_stream_comes_back_identical() {
    let mib = Scale::get().pick(16, 100);
    for mode in MODES {
        let mut target = Target::start("tcp", mode, &[]);
        let mut stream = connect(target.addr);
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sending = thread::spawn(move || {
            let mut sum = Checksum::new();
            for chunk in 0..mib * 16 {
                let data = pattern(chunk as u64, 64 * 1024);
                sum.add(&data);
                writer.write_all(&data).expect("send");
            }
            sum.value()
        });
        let mut received = Checksum::new();
        let mut buf = vec![0; 256 * 1024];
        let mut total = 0;
        while total < mib * 1024 * 1024 {
            let n = stream.read(&mut buf).expect("receive the echo");
            assert!(
                n > 0,
                "{}: the stream ended after {total} bytes",
                target.name()
            );
            received.add(&buf[..n]);
            total += n;
        }
        assert_eq!(
            received.value(),
            sending.join().unwrap(),
            "{}: checksum",
            target.name()
        );
        drop(stream);
        let now = target.assert_recovered("a long stream");
        let load = format!("{mib} MiB through one connection, sent and read at once");
        report::row(
            &target,
            "Big stream",
            &load,
            &now,
            "same byte count and checksum (FNV-1a)",
        );
        target.stop();
    }
}

#[test]
fn datagrams_of_every_size_come_back_whole() {
    let scale = Scale::get();
    for mode in MODES {
        let mut target = Target::start("udp", mode, &[]);
        // The forking mode starts a process per datagram: it gets the quick set of sizes.
        let every = scale == Scale::Full && mode != "forking";
        let sizes: Vec<usize> = if every {
            (0..=LARGEST_DATAGRAM).collect()
        } else {
            (0..=1500)
                .chain((1501..LARGEST_DATAGRAM).step_by(97))
                .chain([LARGEST_DATAGRAM])
                .collect()
        };
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.connect(target.addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buf = vec![0; LARGEST_DATAGRAM + 1];
        for &size in &sizes {
            let datagram = pattern(size as u64, size);
            let n = udp_request_once(&socket, &datagram, &mut buf);
            assert!(
                buf[..n] == datagram[..],
                "{}: echo of {size} bytes differs ({n} came back)",
                target.name()
            );
        }
        let now = target.assert_recovered("datagrams of every size");
        let load = if every {
            format!("every size from 0 to {LARGEST_DATAGRAM} bytes, one at a time")
        } else {
            format!(
                "{} sizes from 0 to {LARGEST_DATAGRAM} bytes (every one up to 1500)",
                sizes.len()
            )
        };
        report::row(
            &target,
            "Datagrams of every size",
            &load,
            &now,
            "each echoed whole",
        );
        target.stop();
    }
}
