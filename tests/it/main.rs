//! The one integration-test binary: every module drives the real `ftpsh` binary (or the
//! server harness itself) against servers on 127.0.0.1.

mod cli;
mod completions;
mod config;
mod fake;
mod fuzz;
mod interop;
mod json;
mod mirror;
mod parallel;
mod progress;
mod pty;
mod regress_cli;
mod regress_faults;
mod regress_listing;
mod regress_session;
mod serve;
mod server;
mod shellc;
mod soak;
mod tree;
mod util;
