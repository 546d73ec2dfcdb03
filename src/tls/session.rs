//! One connection's TLS state before it is given a socket: a client's (with the name it
//! verifies and sends as SNI) or a server's.

use std::sync::Arc;

use rustls::pki_types::ServerName;

use crate::error::{ErrorCode, Result};
use crate::tls::{ClientConfig, ServerConfig, detail, subject_text};

/// A TLS session not yet joined to a socket ([`crate::tls::TlsStream::new`]).
pub struct Session(pub(crate) rustls::Connection);

impl Session {
    /// A client session for `host`: a DNS name (sent as SNI and matched against the
    /// certificate's names) or an IP address (matched against its IP addresses, no SNI).
    /// `[::1]` is taken as `::1`.
    pub fn client(config: &ClientConfig, host: &str) -> Result<Session> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(host.to_owned()).map_err(|_| {
            detail::fail(
                ErrorCode::EINVAL,
                format!("{host:?} is neither a DNS name nor an IP address"),
            )
        })?;
        let connection = rustls::ClientConnection::new(config.built()?, name)
            .map_err(|e| crate::tls::errors::from_rustls(&e))?;
        Ok(Session(connection.into()))
    }

    /// A server session.
    pub fn server(config: &ServerConfig) -> Result<Session> {
        ServerSessions::new(config)?.session()
    }

    /// The protocol version agreed, "TLSv1.3" or "TLSv1.2"; `None` before the handshake.
    pub fn version(&self) -> Option<&'static str> {
        match self.0.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_3 => Some("TLSv1.3"),
            rustls::ProtocolVersion::TLSv1_2 => Some("TLSv1.2"),
            _ => Some("TLS"),
        }
    }

    /// The ALPN protocol agreed, if any.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.0.alpn_protocol()
    }

    /// The subject of the peer's certificate ("CN=example.org, O=Example"); `None` if it
    /// sent none (a client without a certificate) or the handshake is not done.
    pub fn peer_subject(&self) -> Option<String> {
        let first = self.0.peer_certificates()?.first()?;
        subject_text(first)
    }
}

/// A server configuration fixed for good, kept by whatever accepts connections (a listener
/// of the loop, a server): a [`Session`] for each connection, without the program's
/// configuration object, which may be freed.
#[derive(Clone)]
pub struct ServerSessions(Arc<rustls::ServerConfig>);

impl ServerSessions {
    /// Fixes `config` (its settings can no longer change) and keeps it.
    pub fn new(config: &ServerConfig) -> Result<ServerSessions> {
        Ok(ServerSessions(config.built()?))
    }

    /// A server session for a new connection.
    pub fn session(&self) -> Result<Session> {
        let connection = rustls::ServerConnection::new(Arc::clone(&self.0))
            .map_err(|e| crate::tls::errors::from_rustls(&e))?;
        Ok(Session(connection.into()))
    }
}
