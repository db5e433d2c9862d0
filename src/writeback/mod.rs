//! Write-back: what the tool changes in a postmortem's text. Pure functions, text in, text out.

pub mod status;
