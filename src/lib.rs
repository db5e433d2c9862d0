//! postmortem-tracker: parse postmortems, track their action items as GitHub or GitLab issues,
//! and write the items' status back into the documents.
//!
//! The pipeline, one module per stage:
//! [`source`] (files in) → [`parse`] (text to [`model::Postmortem`]) → [`lint`] (findings).
//! Parsing and linting are pure functions; I/O lives in `source` and the CLI.

pub mod can;
pub mod ci;
pub mod cli;
pub mod clock;
pub mod config;
pub mod due;
pub mod followup;
pub mod identity;
pub mod lint;
pub mod model;
pub mod parse;
pub mod plan;
pub mod reconcile;
pub mod render;
pub mod service;
pub mod source;
pub mod status;
pub mod sync;
pub mod tracker;
pub mod writeback;
