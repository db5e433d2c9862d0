//! postmortem-tracker: parse postmortems, track their action items as GitHub or GitLab issues,
//! and write the items' status back into the documents.
//!
//! The pipeline: [`source`] (files in) → [`parse`] (text to [`model::Postmortem`]) → [`plan`]
//! (reconciled with the tracker's listing; due dates by [`due`], states by [`status`]) → apply
//! ([`reconcile::sync`] through a [`forge`]) → write back ([`followup`], [`writeback`]: pure
//! text edits) → report ([`render`], templates). Everything up to the adapters is pure and takes
//! `today` as an argument ([`clock`] computes it once). [`reconcile`] is the application layer
//! that the CLI ([`cli`]), the CI entry point ([`ci`]) and the service ([`service`]) all call.
//! ARCHITECTURE.md says where each part lives.

pub mod board;
pub mod can;
pub mod ci;
pub mod cli;
pub mod clock;
pub mod config;
pub mod due;
pub mod followup;
pub mod forge;
pub mod identity;
pub mod lint;
pub mod model;
pub mod parse;
pub mod plan;
pub mod reconcile;
pub mod render;
pub mod report;
pub mod service;
pub mod source;
pub mod status;
pub mod sync;
pub mod writeback;
