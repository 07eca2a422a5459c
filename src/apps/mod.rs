//! The applications built on the library: `entramap test` (the suite), the synthetic-user
//! generator, Code42's side of provisioning (`entramap code42`), the workbench (`entramap serve`) and the command line. The library never
//! imports them.
//!
//! The stages, in the order data flows through them; each imports only from those above it.

pub mod suite;
pub mod sample;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "sync")]
pub mod sync;
pub mod code42;
#[cfg(feature = "cli")]
pub mod cli;
