//! A TCP echo server on a loopback port the system picks, for the programs `check-install`
//! builds to talk to. It serves one connection at a time (each of those programs makes one)
//! and stops when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct EchoServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EchoServer {
    /// Listens on 127.0.0.1, port 0.
    pub fn start() -> Result<EchoServer, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("echo server: bind 127.0.0.1:0: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("echo server: local address: {e}"))?
            .port();
        // Non-blocking accepts, so the loop sees `stop` within a few milliseconds.
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("echo server: non-blocking: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => echo(stream),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(EchoServer {
            port,
            stop,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Sends back what arrives until the client closes (or is silent for 10 s).
fn echo(mut stream: TcpStream) {
    let ready = stream.set_nonblocking(false).is_ok()
        && stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .is_ok()
        && stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .is_ok();
    if !ready {
        return;
    }
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buffer[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_each_connection_and_stops_when_dropped() {
        let server = EchoServer::start().unwrap();
        let port = server.port();
        for message in [&b"hello"[..], &[0u8, 1, 2, 255][..]] {
            let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
            client.write_all(message).unwrap();
            client.shutdown(std::net::Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).unwrap();
            assert_eq!(reply, message);
        }
        drop(server);
        // The listener is closed with the thread: nothing accepts on the port any more.
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    }
}
