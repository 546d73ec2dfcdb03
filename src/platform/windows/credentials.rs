//! Windows tells no peer credentials on its Unix domain sockets.

use std::io;

use socket2::Socket;

use crate::net::unix::Credentials;

/// `Unsupported`: Windows has no `SO_PEERCRED`.
pub(crate) fn peer_credentials(socket: &Socket) -> io::Result<Credentials> {
    super::options::unsupported(socket)
}
