//! The application layer: what every entry point (the CLI commands, `ci`, the service's
//! runner) shares above the pure core. [`options`] resolves configuration, environment, flags
//! and the day of the run once; [`publish`] makes the links and status blocks a job writes
//! into changes for the forge.

pub mod followup;
pub mod options;
pub mod publish;
pub mod summary;
pub mod sync;

pub use crate::tracker::client::{Kind, Remote};
pub use options::{Options, OptionsError, Overrides};
