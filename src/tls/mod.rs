//! TLS over sockit's sockets, on rustls (with the ring crypto provider): client and server
//! configurations, and streams that encrypt a connected socket.
//!
//! The pieces, one per file: [`ClientConfig`] (whom a client trusts, its own certificate,
//! ALPN), [`ServerConfig`] (the server's certificate and key, mutual TLS, ALPN), both drafts
//! until first used (`draft.rs`), a side's certificate and key (`identity.rs`), [`Session`]
//! (one connection's TLS state before it has a socket; [`ServerSessions`], a server
//! configuration fixed and kept by what accepts connections), [`TlsStream`] (a socket and its
//! session: handshake, send, receive, close_notify), [`TlsLayer`] (a session whose socket the
//! event loop reads and writes: ciphertext in, plaintext out), the mapping of rustls' errors to
//! sockit's codes (`errors.rs`), the detail text of the thread's last TLS failure
//! ([`detail`]), PEM files and trust anchors (`pem.rs`, `roots.rs`) and the subject of a peer's
//! certificate (`subject.rs`).
//!
//! Without the `tls` cargo feature, the same types exist but cannot be made: every
//! constructor fails with `EOPNOTSUPP` (`unavailable.rs`), so the C boundary is the same.

pub mod detail;

#[cfg(feature = "tls")]
mod client_config;
#[cfg(feature = "tls")]
mod draft;
#[cfg(feature = "tls")]
mod errors;
#[cfg(feature = "tls")]
mod identity;
#[cfg(feature = "tls")]
mod layer;
#[cfg(feature = "tls")]
mod pem;
#[cfg(feature = "tls")]
mod roots;
#[cfg(feature = "tls")]
mod server_config;
#[cfg(feature = "tls")]
mod session;
#[cfg(feature = "tls")]
mod stream;
#[cfg(feature = "tls")]
mod subject;

#[cfg(feature = "tls")]
pub use client_config::ClientConfig;
#[cfg(feature = "tls")]
pub use layer::{Received, TlsLayer};
#[cfg(feature = "tls")]
pub use server_config::ServerConfig;
#[cfg(feature = "tls")]
pub use session::{ServerSessions, Session};
#[cfg(feature = "tls")]
pub use stream::TlsStream;
#[cfg(feature = "tls")]
pub use subject::subject_text;

#[cfg(not(feature = "tls"))]
mod unavailable;
#[cfg(not(feature = "tls"))]
pub use unavailable::{
    ClientConfig, Received, ServerConfig, ServerSessions, Session, TlsLayer, TlsStream,
};

/// Whether this build has TLS (the `tls` cargo feature).
pub const AVAILABLE: bool = cfg!(feature = "tls");

/// ALPN protocol names from a comma-separated list ("h2,http/1.1"): each 1 to 255 bytes, no
/// empty names; `InvalidArgument` otherwise.
pub fn alpn_list(list: &str) -> crate::Result<Vec<Vec<u8>>> {
    let names: Vec<Vec<u8>> = list.split(',').map(|n| n.as_bytes().to_vec()).collect();
    if names.iter().any(|n| n.is_empty() || n.len() > 255) {
        return Err(crate::ErrorCode::EINVAL.into());
    }
    Ok(names)
}
