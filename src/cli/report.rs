//! `report`: every action item with its state, and the figures (time to detect and restore,
//! time to close, share closed by the due date), as JSON, CSV or Markdown on stdout. The
//! states are the follow-up's, computed exactly as `followup` does (one dry run: no file is
//! written, the tracker is not told).

use std::process::ExitCode;

use super::followup::{execute_on, WriteMode};
use super::input::{self, Global};
use super::remote::{self, TrackerArgs};
use crate::model::Postmortem;
use crate::reconcile::followup::Document;
use crate::render::Engine;
use crate::report::{records, IncidentFigures, Report};

/// Output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// `{"items": [...], "figures": {...}}`, for scripts and BI tools.
    Json,
    /// One row per item (the columns of the service's `/api/items.csv`), for spreadsheets.
    /// Cells that a spreadsheet would run as a formula are defused with a leading `'`.
    Csv,
    /// A table of the items, then the figures, for people (a job summary, a wiki page): the
    /// `report` template, which a `templates_dir` can override.
    Markdown,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  postmortem-tracker report --format csv > items.csv
  postmortem-tracker report postmortems --format json --today 2026-06-01
  GITHUB_TOKEN=... postmortem-tracker report --tracker github --repo acme/svc --format markdown

Without a token (file-only) a ticked box is done and due dates come from the files or the
due-date policy; close days (and so days to close and the share closed by the due date) need
the tracker. With GITHUB_TOKEN / GITLAB_TOKEN the issues are read through the one listing the
follow-up uses. Nothing is written: no file, no label, no comment.")]
pub struct Args {
    #[command(flatten)]
    pub tracker: TrackerArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.tracker.paths, global)?;
    let env = remote::env_map();
    let resolved = remote::options(inputs.config.clone(), &args.tracker.overrides(), &env)?;
    let engine = Engine::new(inputs.config.templates_dir.as_deref())?;
    // The documents as `input::load` read them (invalid UTF-8 with replacement characters):
    // the follow-up refuses to write such a file, but a report writes nothing and keeps it.
    let docs: Vec<Document> = inputs
        .documents
        .iter()
        .map(|doc| Document {
            doc: doc.clone(),
            text: std::fs::read(&doc.path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
        })
        .collect();
    // A dry run of the follow-up: the same states, due dates and listing, nothing written.
    let done = execute_on(&resolved, &engine, docs, Vec::new(), WriteMode::Local, true)?;
    let docs: Vec<Postmortem> = inputs.documents;
    let remote = &resolved.remote;
    let forge = remote.kind.map_or("", |k| k.as_str());
    let repository = remote.repo.to_lowercase();
    let items = records(
        forge,
        &repository,
        &done.documents,
        &done.listing,
        resolved.followup.file_url.as_deref(),
    );
    let incidents: Vec<IncidentFigures> = docs
        .iter()
        .map(|d| IncidentFigures::of(forge, &repository, d))
        .collect();
    let report = Report::new(items, &incidents, resolved.today);
    let out = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ReportFormat::Csv => crate::report::to_csv(&report.items),
        ReportFormat::Markdown => engine.render("report", &report)?,
    };
    print!("{out}");
    // A damaged status block stops the follow-up writing that file, not the report: its items
    // are read from the text, not the block. Said on stderr, so CI keeps the report.
    for e in &done.errors {
        eprintln!("warning: {e}");
    }
    Ok(ExitCode::SUCCESS)
}
