//! The TLS types of a build without the `tls` cargo feature: the C boundary compiles
//! unchanged and refuses every TLS call with `EOPNOTSUPP` before it gets here; streams and
//! sessions cannot even be made (their types have no values).

use std::io::Write;
use std::mem::MaybeUninit;
use std::path::Path;
use std::time::Duration;

use socket2::Socket;

use crate::error::{ErrorCode, Result};
use crate::net::poll::Interest;

fn unsupported<T>() -> Result<T> {
    Err(ErrorCode::EOPNOTSUPP.into())
}

/// No TLS in this build: every setting fails with `EOPNOTSUPP`.
#[derive(Default)]
pub struct ClientConfig(());

impl ClientConfig {
    pub fn new() -> ClientConfig {
        ClientConfig(())
    }
    pub fn trust_file(&self, _path: &Path) -> Result<()> {
        unsupported()
    }
    pub fn trust_folder(&self, _path: &Path) -> Result<()> {
        unsupported()
    }
    pub fn certificate(&self, _chain: &Path, _key: &Path) -> Result<()> {
        unsupported()
    }
    pub fn alpn(&self, _protocols: Vec<Vec<u8>>) -> Result<()> {
        unsupported()
    }
    pub fn dangerous_no_verification(&self) -> Result<()> {
        unsupported()
    }
}

/// No TLS in this build: a server configuration cannot be made.
pub struct ServerConfig(Never);

enum Never {}

impl ServerConfig {
    pub fn new(_chain: &Path, _key: &Path) -> Result<ServerConfig> {
        unsupported()
    }
    pub fn verify_clients(&self, _ca_file: &Path) -> Result<()> {
        match self.0 {}
    }
    pub fn alpn(&self, _protocols: Vec<Vec<u8>>) -> Result<()> {
        match self.0 {}
    }
}

/// No TLS in this build: a session cannot be made.
pub struct Session(Never);

impl Session {
    pub fn client(_config: &ClientConfig, _host: &str) -> Result<Session> {
        unsupported()
    }
    pub fn server(_config: &ServerConfig) -> Result<Session> {
        unsupported()
    }
    pub fn version(&self) -> Option<&'static str> {
        match self.0 {}
    }
    pub fn alpn(&self) -> Option<&[u8]> {
        match self.0 {}
    }
    pub fn peer_subject(&self) -> Option<String> {
        match self.0 {}
    }
}

/// No TLS in this build: a server configuration cannot be made, so neither can this.
#[derive(Clone)]
pub struct ServerSessions(Never);

impl Clone for Never {
    fn clone(&self) -> Never {
        match *self {}
    }
}

impl ServerSessions {
    pub fn new(config: &ServerConfig) -> Result<ServerSessions> {
        match config.0 {}
    }
    pub fn session(&self) -> Result<Session> {
        match self.0 {}
    }
}

/// What the peer's bytes brought (as with TLS built in).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub handshake_done: bool,
    pub closed: bool,
}

/// No TLS in this build: a layer cannot be made.
pub struct TlsLayer(Never);

impl TlsLayer {
    pub fn new(session: Session) -> TlsLayer {
        match session.0 {}
    }
    pub fn session(&self) -> &Session {
        match self.0 {}
    }
    pub fn is_handshaking(&self) -> bool {
        match self.0 {}
    }
    pub fn pending(&self) -> usize {
        match self.0 {}
    }
    pub fn flush(&mut self, _out: &mut dyn Write) -> Result<()> {
        match self.0 {}
    }
    pub fn receive(
        &mut self,
        _ciphertext: &[u8],
        _plain: &mut Vec<u8>,
        _out: &mut dyn Write,
    ) -> Result<Received> {
        match self.0 {}
    }
    pub fn end_of_stream(&self) -> Result<()> {
        match self.0 {}
    }
    pub fn send(&mut self, _plain: &[u8], _out: &mut dyn Write) -> Result<()> {
        match self.0 {}
    }
    pub fn close_notify(&mut self, _out: &mut dyn Write) -> Result<()> {
        match self.0 {}
    }
}

/// No TLS in this build: a stream cannot be made.
pub struct TlsStream(Never);

impl TlsStream {
    pub fn new(_socket: Socket, session: Session) -> TlsStream {
        match session.0 {}
    }
    pub fn connect(
        _host: &str,
        _port: u16,
        _config: &ClientConfig,
        _timeout: Option<Duration>,
    ) -> Result<TlsStream> {
        unsupported()
    }
    pub fn handshake_within(&mut self, _timeout: Option<Duration>) -> Result<()> {
        match self.0 {}
    }
    pub fn handshake(&mut self) -> Result<()> {
        match self.0 {}
    }
    pub fn is_handshake_done(&self) -> bool {
        match self.0 {}
    }
    pub fn send(&mut self, _buf: &[u8]) -> Result<usize> {
        match self.0 {}
    }
    pub fn send_all(&mut self, _buf: &[u8]) -> Result<usize> {
        match self.0 {}
    }
    pub fn recv(&mut self, _buf: &mut [u8]) -> Result<usize> {
        match self.0 {}
    }
    pub fn recv_uninit(&mut self, _buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
        match self.0 {}
    }
    pub fn recv_exact(&mut self, _buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
        match self.0 {}
    }
    pub fn shutdown(&mut self) -> Result<()> {
        match self.0 {}
    }
    pub fn wants(&self) -> Interest {
        match self.0 {}
    }
    pub fn socket(&self) -> &Socket {
        match self.0 {}
    }
    pub fn into_socket(self) -> Socket {
        match self.0 {}
    }
    pub fn session(&self) -> &Session {
        match self.0 {}
    }
}
