//! sockit: sockets for C programs, written in Rust.
//!
//! C programs use sockit through `include/sockit.h` and the static or shared library; see the
//! README. This crate is laid out the way the data flows:
//!
//! - [`ffi`] is the C boundary: the exported functions, their argument checks, the panic guard
//!   and the thread's last error. Nothing else in the crate knows about C.
//! - [`net`], [`framing`], [`echo`], [`event_loop`], [`server`] and [`error`] are the core:
//!   ordinary safe Rust on top of `socket2`, usable from Rust through the rlib.
//! - `platform` is the one seam where operating systems differ beyond what `socket2` hides.

pub mod echo;
pub mod error;
pub mod event_loop;
pub mod ffi;
pub mod framing;
pub mod net;
pub mod server;
pub mod tls;
mod platform;

pub use error::{Error, ErrorCode, Result};
