//! `postmortem-tracker can FILE`: the CAN report (Conditions, Actions, Needs) of an incident
//! transcript or a postmortem.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveTime;

use super::input::Global;
use super::templates::templates_dir;
use crate::can;
use crate::config::Config;
use crate::parse::parse_bytes;
use crate::render::Engine;
use crate::source::{local, Loaded};

/// Output formats of `can`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, through the `can_report` template.
    Markdown,
    /// The report's data as JSON (the template's variables).
    Json,
}

/// Arguments of `can`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The transcript or postmortem to read.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Write the report as of this time of day (HH:MM:SS or HH:MM): only timeline entries up
    /// to then are read, as during the incident.
    #[arg(long, value_name = "HH:MM:SS", value_parser = parse_time)]
    pub at: Option<NaiveTime>,
    /// Folder of template overrides (`can_report.hbs`); default: `templates_dir` from the
    /// configuration.
    #[arg(long = "templates", value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// An `--at` that is not a time of day.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a time of day (HH:MM:SS or HH:MM)")]
struct NotATime(String);

fn parse_time(s: &str) -> Result<NaiveTime, NotATime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| NotATime(s.to_string()))
}

/// Runs `can`.
pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let config = Config::load(&root, global.config.as_deref(), std::env::vars())?;
    let path = args.file.display().to_string();
    // The same rule as every command: a binary file or one over the size limit is skipped
    // with a message, never read as a transcript. With nothing read, no report: exit 2.
    let bytes = match local::read(&args.file).with_context(|| format!("reading {path}"))? {
        Loaded::Text { bytes, .. } => bytes,
        Loaded::Skipped { reason, .. } => {
            eprintln!("skipped {path}: {reason}; no report written");
            return Ok(ExitCode::from(2));
        }
    };
    let pm = parse_bytes(&path, &bytes, &config.parse_options());
    let text = String::from_utf8_lossy(&bytes);
    let report = can::report_document(&pm, Some(&text), args.at);
    if report.entries_total == 0 {
        eprintln!(
            "warning: {path}: no timeline entries found; the report rests on the document's sections only"
        );
    } else if let (Some(at), 0) = (args.at, report.entries_used) {
        eprintln!(
            "note: {path}: the timeline begins after {}: as of then nothing had happened yet",
            at.format("%H:%M:%S")
        );
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Markdown => {
            let dir = templates_dir(args.templates, &config, &root);
            let engine = Engine::new(dir.as_deref())?;
            print!("{}", engine.render("can_report", &report)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
