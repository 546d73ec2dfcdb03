//! Unix domain stream sockets in the loop: listeners on a path (or a Linux abstract name)
//! and connects to one. Their connections are the loop's connections (`tcp.rs`): accepted,
//! written, framed and closed alike; only the peer has no IP address.

use std::rc::Rc;
use std::time::Duration;

use crate::error::Result;
use crate::event_loop::tcp::Target;
use crate::event_loop::{Handle, Loop, StreamEvents};
use crate::net::unix::{self, Existing, SocketFile, UnixAddr};
use crate::platform;

impl Loop {
    /// Listens on a Unix domain stream socket at `addr` (`existing` says what to do about a
    /// file already there); each connection accepted gets `events` and `data`, as with
    /// [`Loop::listen`]. The socket file is removed when the listener closes (unless another
    /// file has taken its place).
    pub fn listen_unix(
        &self,
        addr: &UnixAddr,
        existing: Existing,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        let socket = unix::listen(addr, 0, existing)?;
        let file = SocketFile::of(&socket);
        self.add_listener(socket, file, events, data)
    }

    /// Connects to the Unix domain stream socket at `addr`, within `timeout` (`None`: as
    /// long as it takes): the result comes to on_connect as for [`Loop::connect`]. A
    /// listener whose queue is full (Linux) is tried again until it has room or the time is
    /// up. A name the system cannot take fails at once (`ENAMETOOLONG`, `EOPNOTSUPP`).
    pub fn connect_unix(
        &self,
        addr: &UnixAddr,
        timeout: Option<Duration>,
        events: Rc<dyn StreamEvents>,
        data: usize,
    ) -> Result<Handle> {
        let to = platform::unix_sock_addr(addr)?;
        let handle = self.connecting(timeout, events, data)?;
        self.attempt_now(handle, Target::Unix(to));
        Ok(handle)
    }
}
