//! The socket core: addresses, resolution, TCP, UDP and Unix domain sockets, and I/O that retries signals,
//! never raises SIGPIPE and tells timeouts from would-block.

pub mod addr;
pub mod happy_eyeballs;
pub mod io;
pub mod multicast;
pub mod options;
pub mod poll;
pub mod resolve;
pub mod sendfile;
pub mod socket;
pub mod tcp;
pub mod udp;
pub mod unix;
pub mod unanswerable;
