//! The application layer: one function per job, shared by every entry point, above the pure
//! core (parse, plan, status, write-back rendering).
//!
//! - [`options`]: configuration file, environment, flags and CI environment resolved once into
//!   [`Options`], with the day of the run computed once in the configured time zone.
//! - [`sync::sync`]: an issue for every action item, then the links written back (working
//!   tree and/or the forge's API).
//! - [`followup::followup`]: the status of every item, the status blocks and boxes written,
//!   the `overdue` labels and reminders.
//! - [`review::review`]: a pull/merge request's check: the changed postmortems linted and
//!   planned, one sticky comment with the plan.
//! - [`board`]: the state labels and the GitHub Project, after each sync and follow-up.
//! - [`publish`]: the links and status blocks a job writes, as changes re-applied to the text
//!   on the forge; [`summary`]: the job summary.
//!
//! Who calls what: `sync` → [`sync::sync`]; `followup` → [`followup::followup`]; `ci` on a
//! pull/merge request → [`review::review`], on a push
//! → [`sync::sync`], on a schedule → [`followup::followup`]; the service's runner →
//! both, in that order. Each only gathers its inputs, calls the job and shows or stores the
//! report. The forge sits behind [`crate::forge::client::Client`] (connected from
//! [`Remote`]) and [`crate::forge::paced::Paced`] (pacing and rate-limit waits).

pub mod board;
pub mod followup;
pub mod options;
pub mod publish;
pub mod review;
pub mod summary;
pub mod sync;

pub use crate::forge::client::Remote;
pub use crate::forge::ForgeKind;
pub use options::{Options, OptionsError, Overrides};
