//! Write-back: what the tool changes in a postmortem's text. Pure functions, text in, text out.
//!
//! [`links`]: issue links next to items, after `sync` opens issues. [`status`]: the managed
//! status block and task-list boxes, written by the follow-up.

pub mod links;
pub mod status;

pub use links::{insert_links, Link};
