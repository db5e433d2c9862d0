//! The command line: one module per subcommand, each with its clap `Args` and a `run` function.
//! `main.rs` only parses arguments and calls [`run`].
//!
//! Exit codes, for every command: 0 success; 1 the command worked and found problems (lint
//! errors; with `--strict`, warnings too); 2 the command could not do its work (bad usage, a
//! configuration error, a missing file).

mod can;
mod ci;
mod followup;
mod input;
mod lint;
mod parse;
mod plan;
mod remote;
mod report;
mod serve;
mod sync;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Track postmortem action items as GitHub or GitLab issues, and write their status back.
///
/// postmortem-tracker reads the postmortems in your repository (Markdown or plain text, in the
/// layouts people really write), finds their action items, timelines and incident times, and
/// keeps every action item tracked as an issue.
#[derive(Debug, Parser)]
#[command(name = "postmortem-tracker", version, about, long_about)]
#[command(
    after_help = "Exit codes: 0 success, 1 problems found, 2 could not run.\n\
Configuration: .postmortem-tracker.toml in the current folder, then POSTMORTEM_TRACKER_* variables, then flags."
)]
pub struct Cli {
    /// Read configuration from FILE instead of ./.postmortem-tracker.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse postmortems and print what was found: action items, timeline, incident times.
    Parse(parse::Args),
    /// Check postmortems: missing sections, items without owner or due date, bad dates.
    Lint(lint::Args),
    /// The CAN report (Conditions, Actions, Needs) of an incident transcript or postmortem.
    Can(can::Args),
    /// List, show or check the templates of every text the tool writes.
    Templates(templates::Args),
    /// Show what a sync would do: create, adopt, unchanged, removed from file. Writes nothing;
    /// works without a token (then only the files are read).
    Plan(plan::Args),
    /// Open one issue per action item on GitHub or GitLab, then write each issue's link next
    /// to its item. Safe to repeat: never opens a second issue for an item. Tokens from
    /// GITHUB_TOKEN / GITLAB_TOKEN only. Exit codes: 0 done, 1 some items or files failed,
    /// 2 could not run (bad token, no access, missing repository, configuration).
    Sync(sync::Args),
    /// The CI entry point (GitHub Actions, GitLab CI): on a pull/merge request, lint the
    /// changed postmortems, annotate lines and keep one comment with the plan; on a push to
    /// the default branch, sync; on a schedule, follow up. Writes step outputs and a summary.
    Ci(ci::Args),
    /// Write the status of every action item back into its postmortem (a managed status
    /// block; task-list boxes ticked when the issue is closed); with a tracker, label overdue
    /// issues `overdue` and remind their assignees at most once per interval. Without a token:
    /// file-only (boxes and due dates in the files are the state). Exit codes: 0 done, 1 some
    /// files failed or (with --fail-on-overdue) items are overdue, 2 could not run.
    Followup(followup::Args),
    /// Every action item with its state (as `followup` computes it) and the figures: time to
    /// detect and to restore per incident, counts by state, median days to close by kind and
    /// severity, share closed by the due date. JSON, CSV (one row per item, for spreadsheets
    /// and BI tools) or Markdown on stdout. Writes no file. Exit codes: 0 written (files that
    /// cannot be read are named on stderr), 2 could not run.
    Report(report::Args),
    /// Run the service: GitHub and GitLab deliveries (signatures checked) mark repositories in
    /// a durable SQLite queue; workers reconcile each through the API (sync, links, and on
    /// issue events or the schedule the follow-up), one job at a time per repository. Webhook
    /// secrets from GITHUB_WEBHOOK_SECRET / GITLAB_WEBHOOK_TOKEN, API tokens from GITHUB_TOKEN
    /// / GITLAB_TOKEN. Endpoints: / (dashboard), /api/items(.csv), POST /webhooks/github, POST
    /// /webhooks/gitlab, /healthz, /readyz, /metrics, /api/jobs.
    Serve(serve::Args),
}

/// Runs one command and maps its outcome to the documented exit codes.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = input::Global { config: cli.config };
    match cli.command {
        Command::Parse(args) => parse::run(args, &global),
        Command::Lint(args) => lint::run(args, &global),
        Command::Can(args) => can::run(args, &global),
        Command::Templates(args) => templates::run(args, &global),
        Command::Plan(args) => plan::run(args, &global),
        Command::Sync(args) => sync::run(args, &global),
        Command::Ci(args) => ci::run(args, &global),
        Command::Followup(args) => followup::run(args, &global),
        Command::Report(args) => report::run(args, &global),
        Command::Serve(args) => serve::run(args, &global),
    }
}
