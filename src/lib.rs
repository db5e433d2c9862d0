//! postmortem-tracker: parse postmortems, track their action items as GitHub or GitLab issues,
//! and write the items' status back into the documents.
//!
//! The pipeline, one module per stage:
//! `source` (files in) → `parse` (text to [`model::Postmortem`]) → `lint` (diagnostics) → …
//! Parsing, linting and rendering are pure functions; I/O lives at the edges.

pub mod can;
pub mod cli;
pub mod model;
pub mod render;
