//! Interpreters: starting the main one (`runtime`) and the sub-interpreters,
//! each created on, bound to and ended on one thread (`interpreters`).

pub(crate) mod interpreters;
pub mod runtime;
pub(crate) mod sub_options;
