//! Implementations for the systems that have no faster one of their own: the `polling`
//! crate's poller (kqueue, Windows' AFD) and one datagram per system call.

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
pub(super) mod datagrams;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) mod poller;
