//! The C boundary: every function of `include/sockit.h`, one file per header section.
//!
//! This is the only part of the crate with exported `extern "C"` functions and raw pointers
//! from C. Each function is thin: it checks its arguments (NULL pointers, lengths, handles,
//! ports), runs the core call inside [`boundary::call`]'s panic guard, and returns `0`, a byte
//! count, or a negative `SOCKIT_E...` code.
//!
//! The functions are `unsafe` for Rust callers: they trust C's pointers to be valid for the
//! lengths given, as any C function must. Everything else about their arguments is checked.
//!
//! # The C caller's promise
//!
//! Every `unsafe` block that turns a C argument into a Rust reference rests on one rule,
//! which each exported function's `# Safety` section spells out for its own arguments (and
//! the header repeats as "The caller's part"): a pointer is NULL or points to what its type
//! and length say, valid and not written by anyone else for the whole call; a string is
//! NUL-terminated; an opaque object (`sockit_reader`, `sockit_server`) came from its `_new`
//! function and has not been freed; a `sockit_conn` belongs to the callback that is
//! running. NULL is checked before any use (the `boundary` helpers), so only the rest is
//! trusted. Each such block says so in one line: "the C caller's promise (crate::ffi)".
//! `Die` and `HandleClient` themselves are defined in C (`tutorial_names/`), so that each is an
//! object of its own in the static library; they call [`tutorial::sockit_die`] and
//! [`tutorial::sockit_handle_client`].

mod boundary;
mod last_error;

pub mod error;
pub mod socket;
pub mod addr;
pub mod resolve;
pub mod tcp;
pub mod udp;
pub mod multicast;
pub mod unix;
pub mod io;
pub mod vectored;
pub mod sendfile;
pub mod framing;
pub mod poll;
pub mod options;
pub mod tutorial;
pub mod echo;
pub mod conn;
pub mod server_handlers;
pub mod server;
pub mod event_loop;
pub mod loop_tcp;
pub mod loop_udp;
pub mod loop_unix;
pub mod tls_config;
pub mod tls;
pub mod tls_server;
pub mod loop_tls;
