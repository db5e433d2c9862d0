//! The application layer: what every entry point (the CLI commands, `ci`, the service's
//! runner) shares above the pure core. [`options`] resolves configuration, environment, flags
//! and the day of the run once.

pub mod options;

pub use options::{Kind, Options, OptionsError, Overrides, Remote};
