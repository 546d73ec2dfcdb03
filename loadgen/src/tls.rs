//! The client side of the TLS workloads: rustls on ring, restricted to what the benchmark
//! compares (TLS 1.3, TLS13_AES_128_GCM_SHA256, X25519, a server certificate signed with
//! ECDSA P-256 and SHA-256), trusting the CA file given with `--ca`, never resuming a
//! session; and a TLS connection driven over a non-blocking socket.
//!
//! What the load generator spends per handshake must stay below what the server spends, so
//! that the server, not the load generator, sets the rate: the certificate chain is
//! verified once per certificate (each later handshake presenting the same bytes is taken
//! as verified), and the server's signature over the handshake is verified on the first
//! handshake and then on one in `--verify-every` (1: all). An ECDSA P-256 verification costs
//! more than the server's signing; the scheme is checked on every handshake.

use std::fmt;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::socket::Stream;

/// What a TLS workload's client needs: its configuration and the name it asks for.
#[derive(Clone)]
pub struct Client {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
}

/// The signature scheme the benchmark's certificate signs with.
const SCHEME: SignatureScheme = SignatureScheme::ECDSA_NISTP256_SHA256;

impl Client {
    /// A client trusting the certificates in `ca` (PEM), asking for `server_name`,
    /// verifying the handshake's signature on one handshake in `verify_every`.
    pub fn new(ca: &Path, server_name: &str, verify_every: u64) -> Result<Client, String> {
        let base = ring::default_provider();
        let provider = Arc::new(CryptoProvider {
            cipher_suites: vec![ring::cipher_suite::TLS13_AES_128_GCM_SHA256],
            kx_groups: vec![ring::kx_group::X25519],
            ..base
        });
        let mut roots = RootCertStore::empty();
        let certs =
            CertificateDer::pem_file_iter(ca).map_err(|e| format!("--ca {}: {e}", ca.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("--ca {}: {e}", ca.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("--ca {}: {e}", ca.display()))?;
        }
        if roots.is_empty() {
            return Err(format!("--ca {}: no certificate", ca.display()));
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("--ca {}: {e}", ca.display()))?;
        let verifier = Arc::new(Sampled {
            inner,
            known: Mutex::new(Vec::new()),
            handshakes: AtomicU64::new(0),
            every: verify_every.max(1),
        });
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        // Every handshake a full one: no tickets kept, no session offered.
        config.resumption = rustls::client::Resumption::disabled();
        let server_name = ServerName::try_from(server_name.to_string())
            .map_err(|e| format!("--server-name {server_name}: {e}"))?;
        Ok(Client {
            config: Arc::new(config),
            server_name,
        })
    }

    /// A new TLS session over `stream` (its ClientHello queued, not yet sent).
    pub fn connect(&self, stream: Stream) -> io::Result<TlsConn> {
        let tls = ClientConnection::new(Arc::clone(&self.config), self.server_name.clone())
            .map_err(io::Error::other)?;
        Ok(TlsConn { stream, tls })
    }
}

/// The verifier described in the module's comment.
struct Sampled {
    inner: Arc<WebPkiServerVerifier>,
    /// End-entity certificates already verified (with their chains, for this name).
    known: Mutex<Vec<Vec<u8>>>,
    handshakes: AtomicU64,
    every: u64,
}

impl fmt::Debug for Sampled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sampled")
            .field("every", &self.every)
            .finish()
    }
}

impl ServerCertVerifier for Sampled {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.iter().any(|k| k[..] == end_entity[..]) {
            return Ok(ServerCertVerified::assertion());
        }
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        known.push(end_entity.to_vec());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if dss.scheme != SCHEME {
            return Err(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ));
        }
        if self.handshakes.fetch_add(1, Ordering::Relaxed) % self.every == 0 {
            return self.inner.verify_tls13_signature(message, cert, dss);
        }
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SCHEME]
    }
}

/// A client TLS session over a non-blocking socket.
pub struct TlsConn {
    pub stream: Stream,
    pub tls: ClientConnection,
}

/// What [`TlsConn::receive`] found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Received {
    /// Read what the socket held (perhaps nothing).
    Some,
    /// The socket has nothing more for now.
    WouldBlock,
    /// The peer closed (close_notify or end of stream).
    Closed,
}

impl TlsConn {
    /// Sends what rustls has queued: true when all of it went, false when the socket is
    /// full (wait until it is writable).
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut &self.stream) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// One read from the socket (at most one record's worth, as rustls reads) and its
    /// records processed; the plaintext waits in rustls for [`TlsConn::drain`].
    pub fn receive(&mut self) -> io::Result<Received> {
        let read = loop {
            match self.tls.read_tls(&mut &self.stream) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        match read {
            Ok(0) => return Ok(Received::Closed),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Received::WouldBlock),
            Err(e) => return Err(e),
        }
        let state = self.tls.process_new_packets().map_err(|e| {
            // Tell the server why before giving up (an alert), as far as the socket takes it.
            let _ = self.flush();
            io::Error::new(io::ErrorKind::InvalidData, e)
        })?;
        Ok(if state.peer_has_closed() {
            Received::Closed
        } else {
            Received::Some
        })
    }

    /// Hands the plaintext received so far to `each`, chunk by chunk; how many bytes.
    pub fn drain(&mut self, mut each: impl FnMut(&[u8])) -> io::Result<usize> {
        let mut total = 0;
        let mut reader = self.tls.reader();
        loop {
            let chunk = match reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // The peer closed cleanly and everything was read.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            each(chunk);
            reader.consume(n);
            total += n;
        }
        Ok(total)
    }

    /// Queues `data` to be encrypted and sent (rustls takes it all: see `set_buffer_limit`).
    pub fn queue(&mut self, data: &[u8]) -> io::Result<usize> {
        self.tls.writer().write(data)
    }
}

/// Makes the handshake on every stream at once, before `deadline`; returns the sessions
/// that finished it (those that failed or did not finish in time are left out).
pub fn handshake_all(
    client: &Client,
    streams: Vec<Stream>,
    deadline: std::time::Instant,
) -> io::Result<Vec<TlsConn>> {
    use std::os::fd::AsRawFd;

    use crate::epoll::{self, Epoll};

    let mut poll = Epoll::new(1024)?;
    let mut pending: Vec<Option<TlsConn>> = Vec::with_capacity(streams.len());
    for (i, stream) in streams.into_iter().enumerate() {
        let mut conn = client.connect(stream)?;
        let interest = if conn.flush()? {
            epoll::READ
        } else {
            epoll::READ | epoll::WRITE
        };
        poll.add(conn.stream.as_raw_fd(), i as u64, interest)?;
        pending.push(Some(conn));
    }
    let mut done = Vec::with_capacity(pending.len());
    let mut left = pending.len();
    let mut ready = Vec::new();
    while left > 0 && std::time::Instant::now() < deadline {
        ready.clear();
        poll.wait(deadline, |event| ready.push(event.key))?;
        for &key in &ready {
            let slot = &mut pending[key as usize];
            let Some(conn) = slot.as_mut() else {
                continue;
            };
            match step_handshake(conn) {
                Ok(Some(true)) => {
                    let conn = slot.take().expect("pending");
                    // Its own poller takes it from here: this one forgets it.
                    poll.modify(conn.stream.as_raw_fd(), key, 0)?;
                    done.push(conn);
                    left -= 1;
                }
                Ok(Some(false)) => {
                    poll.modify(conn.stream.as_raw_fd(), key, epoll::READ | epoll::WRITE)?;
                }
                Ok(None) => {
                    poll.modify(conn.stream.as_raw_fd(), key, epoll::READ)?;
                }
                Err(_) => {
                    *slot = None;
                    left -= 1;
                }
            }
        }
    }
    Ok(done)
}

/// Moves a handshake on as far as the socket allows: `Some(true)` once it is done (and what
/// it has to send sent), `Some(false)` when it waits for the socket to take more, `None`
/// when it waits for the server.
pub fn step_handshake(conn: &mut TlsConn) -> io::Result<Option<bool>> {
    loop {
        if !conn.flush()? {
            return Ok(Some(false));
        }
        if !conn.tls.is_handshaking() {
            return Ok(Some(true));
        }
        match conn.receive()? {
            Received::Some => {}
            Received::WouldBlock => return Ok(None),
            Received::Closed => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed during the handshake",
                ));
            }
        }
    }
}
