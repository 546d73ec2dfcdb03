//! The fault suite: `fault_server` (a C program on sockit's server framework) in every mode,
//! TCP and UDP, under resets, early leavers, slow clients, descriptor exhaustion, big data
//! and signals. Every case ends the same way: the server still echoes a client correctly,
//! and holds no more descriptors, threads or child processes than before the fault.
//!
//! `cargo test --test faults` runs the quick form; `cargo xtask reliability` the full one
//! (`SOCKIT_FAULTS=full`), which also writes the README's Reliability table.
#![cfg(target_os = "linux")] // reads what the server holds from /proc; sends Unix signals

#[path = "../support/mod.rs"]
mod support;

mod big_data;
mod clients;
mod descriptors;
mod interruptions;
mod leaving_early;
mod report;
mod reset_storm;
mod slowloris;
mod target;
