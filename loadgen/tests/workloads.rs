//! sockit-load against small echo servers of its own: each workload finishes within its
//! time, reports what it measured, and notices an echo that differs from what was sent.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Output};
use std::thread;

/// A TCP echo server on loopback, a thread per connection; `corrupt` flips one byte of
/// every chunk it echoes.
fn tcp_echo(corrupt: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || echo(stream, corrupt));
        }
    });
    port
}

/// Echoes what arrives on `stream` until it ends; `corrupt` flips one byte of every chunk.
fn echo(mut stream: impl Read + Write, corrupt: bool) {
    let mut buf = [0u8; 65536];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        if corrupt {
            buf[n / 2] ^= 0x20;
        }
        if stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// A UDP echo server on loopback; `drop_every` > 0 leaves every so many datagrams unanswered.
fn udp_echo(drop_every: usize) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut received = 0;
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            received += 1;
            if drop_every == 0 || received % drop_every != 0 {
                let _ = socket.send_to(&buf[..n], from);
            }
        }
    });
    port
}

fn load(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sockit-load"))
        .args(args)
        .output()
        .unwrap()
}

fn report(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn ping_counts_round_trips_over_every_connection() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&[
        "ping",
        "--to",
        &to,
        "--connections",
        "20",
        "--seconds",
        "0.5",
        "--warmup",
        "0.1",
        "--json",
    ]));
    assert_eq!(r["connections_served"], 20);
    assert_eq!(r["echo_mismatches"], 0);
    // How many is a speed, for the benchmarks; here only that they were counted.
    assert!(r["round_trips"].as_u64().unwrap() > 0, "{r}");
    assert!(r["latency_p50_us"].as_f64().unwrap() > 0.0);
}

#[test]
fn stream_echoes_every_byte() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&["stream", "--to", &to, "--bytes", "8M", "--json"]));
    assert_eq!(r["bytes_echoed"], 8 << 20);
    assert_eq!(r["complete"], 1);
}

/// `sockit-load udp` for half a second against [`udp_echo`]`(drop_every)`, a datagram
/// unanswered for `loss` seconds counted lost: (echoes, lost), with no echo that differs.
fn udp_run(drop_every: usize, loss: &str) -> (u64, u64) {
    let to = format!("127.0.0.1:{}", udp_echo(drop_every));
    let args = [
        "udp",
        "--to",
        &to,
        "--seconds",
        "0.5",
        "--warmup",
        "0",
        "--loss",
        loss,
    ];
    let r = report(&load(&[&args[..], &["--json"]].concat()));
    assert_eq!(r["echo_mismatches"], 0, "{r}");
    (r["echoes"].as_u64().unwrap(), r["lost"].as_u64().unwrap())
}

#[test]
fn udp_counts_echoes_and_no_losses_on_loopback() {
    // A datagram unanswered for 10 s is lost: none is, on loopback, with 64 in flight.
    let (echoes, lost) = udp_run(0, "10");
    assert!(echoes > 0 && lost == 0, "{echoes} echoes, {lost} lost");
}

#[test]
fn udp_counts_the_datagrams_a_server_leaves_unanswered_as_lost() {
    let (echoes, lost) = udp_run(2, "0.05");
    assert!(echoes > 0 && lost > 0, "{echoes} echoes, {lost} lost");
}

#[test]
fn connect_rate_counts_connections() {
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let r = report(&load(&[
        "connect",
        "--to",
        &to,
        "--seconds",
        "0.3",
        "--json",
    ]));
    assert!(r["connections"].as_u64().unwrap() > 0, "{r}");
}

#[test]
fn a_corrupted_echo_fails_the_run() {
    let to = format!("127.0.0.1:{}", tcp_echo(true));
    for args in [
        &["ping", "--to", &to, "--seconds", "0.2", "--warmup", "0"][..],
        &["stream", "--to", &to, "--bytes", "1M"][..],
    ] {
        let output = load(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("differed"));
    }
}

#[test]
fn only_loopback_is_loaded() {
    let output = load(&["ping", "--to", "192.0.2.1:7", "--seconds", "0.1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("only loopback"));
}

/// A Unix domain socket echo server, a thread per connection; its socket's path.
fn unix_echo(name: &str) -> String {
    use std::os::unix::net::UnixListener;
    let path = std::env::temp_dir().join(format!("sockit-load-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || echo(stream, false));
        }
    });
    format!("unix:{}", path.display())
}

#[test]
fn ping_and_stream_go_over_unix_domain_sockets_too() {
    let to = unix_echo("echo");
    let r = report(&load(&[
        "ping",
        "--to",
        &to,
        "--connections",
        "4",
        "--seconds",
        "0.3",
        "--warmup",
        "0",
        "--json",
    ]));
    assert_eq!(r["connections_served"], 4);
    assert!(r["round_trips"].as_u64().unwrap() > 0, "{r}");
    let r = report(&load(&["stream", "--to", &to, "--bytes", "4M", "--json"]));
    assert_eq!(r["bytes_echoed"], 4 << 20);
    assert_eq!(r["complete"], 1);
}

/// A file server as `file_server` answers: the name on a line, then the file (or, with
/// `cut`, all but its last byte).
fn file_server(file: std::path::PathBuf, cut: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut name = [0u8; 64];
            let _ = stream.read(&mut name);
            let mut data = std::fs::read(&file).unwrap();
            if cut {
                data.pop();
            }
            let _ = stream.write_all(&data);
        }
    });
    port
}

#[test]
fn fetch_counts_and_samples_a_files_bytes() {
    let file = std::env::temp_dir().join(format!("sockit-load-{}.bin", std::process::id()));
    let data: Vec<u8> = (0..(40u32 << 20)).map(|i| (i ^ (i >> 11)) as u8).collect();
    std::fs::write(&file, &data).unwrap();
    let to = format!("127.0.0.1:{}", file_server(file.clone(), false));
    let file_arg = file.to_str().unwrap();
    let r = report(&load(&[
        "fetch", "--to", &to, "--name", "x", "--file", file_arg, "--json",
    ]));
    assert_eq!(r["bytes_received"], 40 << 20);
    assert_eq!(r["complete"], 1);
    assert_eq!(r["echo_mismatches"], 0);
    let short = format!("127.0.0.1:{}", file_server(file.clone(), true));
    let output = load(&["fetch", "--to", &short, "--name", "x", "--file", file_arg]);
    assert_eq!(output.status.code(), Some(1), "a short file passed");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn the_servers_cpu_is_reported_per_unit_of_work() {
    // The echo servers are threads of this test process: it is the server to watch.
    let to = format!("127.0.0.1:{}", tcp_echo(false));
    let pid = std::process::id().to_string();
    let r = report(&load(&[
        "stream",
        "--to",
        &to,
        "--bytes",
        "256M",
        "--server-pid",
        &pid,
        "--json",
    ]));
    assert!(r["server_cpu_seconds"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["server_cpu_us_per_mb"].as_f64().unwrap() > 0.0, "{r}");
    // The load generator's own share beside it, to tell which of the two was the limit.
    assert!(r["load_cpu_share"].as_f64().unwrap() > 0.0, "{r}");
    let share = r["server_cpu_share"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 2.0 * 64.0, "{r}");
    let to = format!("127.0.0.1:{}", udp_echo(0));
    let r = report(&load(&[
        "udp",
        "--to",
        &to,
        "--seconds",
        "0.5",
        "--server-pid",
        &pid,
        "--json",
    ]));
    assert!(r["server_cpu_us_per_echo"].as_f64().unwrap() > 0.0, "{r}");
}

/// A chat server as `chat_server` answers, a thread per client: joins announced to the
/// others, each line to every other client as `<name>: <line>`; `to_sender` sends each line
/// back to its sender too (a broken server).
fn chat_server(to_sender: bool) -> u16 {
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;
    use std::sync::{Arc, Mutex};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let room: Arc<Mutex<Vec<(usize, TcpStream)>>> = Arc::default();
    thread::spawn(move || {
        for (id, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let name = stream.peer_addr().unwrap().to_string();
            {
                let mut room = room.lock().unwrap();
                for (_, other) in room.iter_mut() {
                    let _ = writeln!(other, "* {name} joined");
                }
                room.push((id, stream.try_clone().unwrap()));
            }
            let room = Arc::clone(&room);
            thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    for (other, to) in room.lock().unwrap().iter_mut() {
                        if *other != id || to_sender {
                            let _ = writeln!(to, "{name}: {line}");
                        }
                    }
                }
            });
        }
    });
    port
}

#[test]
fn chat_checks_every_delivery_to_every_other_client() {
    let to = format!("127.0.0.1:{}", chat_server(false));
    let r = report(&load(&[
        "chat",
        "--to",
        &to,
        "--clients",
        "10",
        "--window",
        "2",
        "--seconds",
        "0.5",
        "--warmup",
        "0.1",
        "--json",
    ]));
    assert_eq!(r["clients_connected"], 10);
    assert_eq!(r["echo_mismatches"], 0);
    assert_eq!(r["connections_failed"], 0);
    // Each message completed reached the 9 others.
    assert!(r["messages_completed"].as_u64().unwrap() > 0, "{r}");
    assert!(r["deliveries"].as_u64().unwrap() > 0, "{r}");
    let to = format!("127.0.0.1:{}", chat_server(true));
    let output = load(&["chat", "--to", &to, "--clients", "3", "--seconds", "0.3"]);
    assert_eq!(output.status.code(), Some(1), "a client's own line passed");
}

/// A TLS echo server on loopback (rustls, a thread per connection) with a self-signed ECDSA
/// P-256 certificate for localhost: its port, and the certificate's PEM file (named after
/// `name`).
fn tls_echo(name: &str) -> (u16, std::path::PathBuf) {
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = std::env::temp_dir().join(format!("sockit-load-{}-{name}.pem", std::process::id()));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            thread::spawn(move || {
                let session = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(session, stream);
                echo(&mut tls, false);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (port, cert)
}

#[test]
fn tls_workloads_check_every_echo_and_count_handshakes() {
    let (port, cert) = tls_echo("tls");
    let to = format!("127.0.0.1:{port}");
    let ca = cert.to_str().unwrap();
    let r = report(&load(&[
        "tls-stream",
        "--to",
        &to,
        "--ca",
        ca,
        "--bytes",
        "8M",
        "--json",
    ]));
    assert_eq!(r["bytes_echoed"], 8 << 20, "{r}");
    assert_eq!(r["complete"], 1);
    let r = report(&load(&[
        "tls-ping",
        "--to",
        &to,
        "--ca",
        ca,
        "--connections",
        "8",
        "--seconds",
        "0.3",
        "--warmup",
        "0.1",
        "--json",
    ]));
    assert_eq!(r["connections_served"], 8, "{r}");
    assert_eq!(r["echo_mismatches"], 0);
    let r = report(&load(&[
        "tls-handshake",
        "--to",
        &to,
        "--ca",
        ca,
        "--concurrency",
        "4",
        "--seconds",
        "0.5",
        "--verify-every",
        "2",
        "--json",
    ]));
    assert!(r["handshakes"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(r["connections_failed"], 0, "{r}");
    assert_eq!(r["echo_mismatches"], 0);
    std::fs::remove_file(&cert).unwrap();
}

#[test]
fn a_server_the_ca_file_does_not_vouch_for_fails_the_handshakes() {
    let (port, cert) = tls_echo("untrusted");
    let (_, other) = tls_echo("other");
    let to = format!("127.0.0.1:{port}");
    let output = load(&[
        "tls-stream",
        "--to",
        &to,
        "--ca",
        other.to_str().unwrap(),
        "--bytes",
        "1M",
        "--connect-seconds",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let r = report(&load(&[
        "tls-handshake",
        "--to",
        &to,
        "--ca",
        other.to_str().unwrap(),
        "--seconds",
        "0.3",
        "--json",
    ]));
    assert_eq!(r["handshakes"], 0, "{r}");
    assert!(r["connections_failed"].as_u64().unwrap() > 0, "{r}");
    std::fs::remove_file(&cert).unwrap();
    std::fs::remove_file(&other).unwrap();
}
