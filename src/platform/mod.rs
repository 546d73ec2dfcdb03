//! The one seam where operating systems differ beyond what `socket2` already hides.
//!
//! Each platform module provides the same items:
//!
//! - `RawSocket`, `INVALID_SOCKET`, `borrow_socket`, `own_socket`, `close`: the OS handle that C
//!   programs hold, and how the core borrows or takes it;
//! - `error_code`, `os_error_for`, `last_os_error`, `set_last_os_error`, `os_error_text`,
//!   `describe_current_error`, `failure_marker`, `success_marker`, `failure_marker_unchanged`,
//!   `SavedErrors`:
//!   errno (or Winsock's error) and its portable code;
//! - `SEND_FLAGS`, `RECV_NOW_FLAGS`, `prepare_send`: sending without SIGPIPE, and receiving
//!   without blocking;
//! - `would_block_means_timeout`: telling a socket timeout from a would-block;
//! - `PollFd`, `poll_entry`, `poll`, `poll_readiness`: waiting for many sockets at once;
//! - `connect_started`, `is_ipv6_socket`, `ip_family`: connecting non-blocking, and to IPv4
//!   from IPv6; which IP family a socket has;
//! - `interrupt_blocked_calls`: ending another thread's blocked receive or send (a stop);
//! - `ACCEPT_INHERITS_NONBLOCKING`, `LISTENER_REUSES_ADDRESS`: socket defaults;
//! - `SHARED_PORT_BALANCES`, `share_port`: several sockets on one port, the kernel spreading
//!   connections and datagrams over them (the event loop on several threads);
//! - `lookup_host`, `interface_index`: name resolution through the system's resolver;
//! - `socket_addr_from_bytes`: the system's `struct sockaddr` bytes as an address;
//! - `unix_sock_addr`, `unix_addr_of`, `autobind_addr`, `MAX_UNIX_NAME`, `HAS_ABSTRACT_NAMES`,
//!   `path_from_bytes`, `path_bytes`, `is_socket_file`, `file_identity`: Unix domain socket
//!   names and their files; `peer_credentials`: who is at the other end;
//! - `set_keepalive_params`, `keepalive_params`, `set_traffic_class`, `traffic_class`,
//!   `set_fast_open`, `fast_open`, `set_fast_open_connect`, `fast_open_connect`,
//!   `set_reuse_port`, `reuse_port`, `is_nonblocking`: the socket options that differ;
//! - `MAX_BUFFER_IN_VECTOR`: the longest buffer of a scatter/gather call;
//! - `change_membership`, `interface_ipv4`, `interface_name`, `share_port_for_multicast`:
//!   multicast groups and the interfaces they are joined on;
//! - `RawFile`, `borrow_file`, `send_file`, `read_file_at`: sending a file (sendfile,
//!   TransmitFile) and reading it where the kernel cannot send it;
//! - `raw`: a socket's handle, to hand to C;
//! - `fork`: child processes for the forking server mode (refused on Windows);
//! - `poller`: the servers' readiness poller (epoll directly on Linux, else `polling`);
//! - `datagrams`: many UDP datagrams per system call where the system can (recvmmsg).
//! - `CallStart`: when a blocking call began, read cheaply (the coarse clock on Linux).
//!
//! A `cfg` anywhere else in the crate needs a comment saying why it is not here.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use self::unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use self::windows::*;

mod errno;
mod portable;
mod sockaddr;
pub(crate) use self::sockaddr::socket_addr_from_bytes;

mod call_start;
pub(crate) use self::call_start::CallStart;

/// Child processes for the forking server mode (refused on Windows).
pub(crate) mod fork {
    #[cfg(unix)]
    pub(crate) use super::unix::fork::*;
    #[cfg(windows)]
    pub(crate) use super::windows::fork::*;
}

/// The servers' readiness poller: epoll directly where it exists (the `polling` crate makes
/// extra calls per wait; see unix/epoll.rs), else `polling`.
pub(crate) mod poller {
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) use super::portable::poller::*;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) use super::unix::epoll::*;
}

/// Many UDP datagrams per system call where the system can (recvmmsg), else one at a time.
pub(crate) mod datagrams {
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    pub(crate) use super::portable::datagrams::*;
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    pub(crate) use super::unix::mmsg::*;
}

#[cfg(not(any(unix, windows)))]
compile_error!("sockit supports Unix-like systems and Windows");
