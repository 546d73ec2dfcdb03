//! The socket core: addresses, resolution, TCP and UDP sockets, and I/O that retries signals,
//! never raises SIGPIPE and tells timeouts from would-block.

pub mod addr;
pub mod io;
pub mod options;
pub mod poll;
pub mod resolve;
pub mod socket;
pub mod tcp;
pub mod udp;
pub mod unanswerable;
