//! The GIL and the threads that hold it: taking the GIL for one call
//! (`call`), Python thread states for JVM threads (`thread_state`), the call gate in front of the GIL (`gate`), the
//! GIL-lease protocol (`lease`), the alternate stack Python runs on
//! (`stack`), and the state kept per interpreter under its GIL
//! (`per_interp`), and the check at every boundary that hands Python's
//! collected output to Java (`output`).

pub(crate) mod call;
pub mod gate;
pub(crate) mod lease;
pub(crate) mod output;
pub(crate) mod per_interp;
pub mod stack;
pub mod thread_state;
