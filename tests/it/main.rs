//! The one integration-test binary: every module drives the real `ftpsh` binary (or the
//! server harness itself) against servers on 127.0.0.1.

mod charset;
mod checksum;
mod cli;
mod completions;
mod config;
mod fake;
mod fault_matrix;
mod faultproxy;
mod fuzz;
mod interop;
mod interop_servers;
mod json;
mod listing_families;
mod mirror;
mod parallel;
mod progress;
mod pty;
mod regress_cli;
mod regress_faults;
mod regress_listing;
mod regress_session;
mod retry;
mod serve;
mod server;
mod shellc;
mod soak;
mod tree;
mod trust;
mod util;
mod zerocopy;
