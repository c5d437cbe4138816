//! Whole trees: the walked trees ([`tree`]), the walkers that produce them ([`walk`]), the
//! filters that choose what takes part ([`filter`]), the I/O-free plan that compares a
//! source tree with a target tree ([`plan`]), and the run that carries a plan out ([`run`]).

pub mod filter;
pub mod plan;
pub mod run;
pub mod tree;
pub mod walk;
