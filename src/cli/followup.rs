//! `followup`: the status of every action item written back into its postmortem (the managed
//! status block, task-list boxes), and, with a tracker, the `overdue` label and reminders.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use super::input::{self, Global};
use super::remote::{self, Format, ReadArgs};
use crate::followup::{DocOutcome, TrackerUpdates};
use crate::forge::client::Client;
use crate::forge::paced::TokioSleeper;
use crate::forge::publish::{Published, Target};
use crate::forge::TrackerError;
use crate::reconcile::followup::{followup, Document, Job, Write};
use crate::reconcile::summary;
use crate::reconcile::Options;
use crate::render::context::{Counts, ItemState};
use crate::render::Engine;

/// How the status gets into the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteMode {
    /// Edit the files in the working tree.
    Local,
    /// Commit through the GitHub/GitLab API.
    Commit,
    /// Push to one branch and keep one pull/merge request open.
    PullRequest,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Exit with 1 when any item is overdue.
    #[arg(long)]
    pub fail_on_overdue: bool,
    /// Where the status is written (default: `followup.write` in the configuration, else
    /// local).
    #[arg(long, value_enum)]
    pub write: Option<WriteMode>,
    /// Compute and print, but write nothing (no files, no labels, no comments).
    #[arg(long)]
    pub dry_run: bool,
}

/// What the run did, for `--format json`.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub today: NaiveDate,
    pub mode: &'static str,
    pub write: WriteMode,
    pub dry_run: bool,
    pub totals: Counts,
    pub documents: Vec<DocOutcome>,
    pub files_written: Vec<String>,
    /// Labels and reminders (tracker mode).
    pub updates: TrackerUpdates,
    /// State labels and the GitHub Project (tracker mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<crate::board::BoardReport>,
    /// Commit or pull-request mode: what went to the forge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
    pub errors: Vec<String>,
    /// The listing the status was computed from (empty file-only), for `report`'s close days.
    #[serde(skip)]
    pub listing: Vec<crate::plan::TrackedIssue>,
}

/// Reads the documents again, now, so that the status is written into exactly the text it
/// was computed from; a file that cannot be read is an error of the run, the rest goes on.
fn read_documents(
    docs: &[crate::model::Postmortem],
    options: &Options,
    errors: &mut Vec<String>,
) -> Vec<Document> {
    docs.iter()
        .filter_map(|doc| match read_text(Path::new(&doc.path)) {
            Ok(text) => Some(Document::parse(&doc.path, text, options)),
            Err(e) => {
                eprintln!("skipped {}: {e:#}", doc.path);
                errors.push(format!("{}: {e:#}", doc.path));
                None
            }
        })
        .collect()
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.read.tracker.paths, global)?;
    let env = remote::env_map();
    let resolved = remote::options(inputs.config.clone(), &args.read.tracker.overrides(), &env)?;
    let write = match args.write {
        Some(w) => w,
        None => match inputs.config.followup.write.as_str() {
            "commit" => WriteMode::Commit,
            "pull-request" => WriteMode::PullRequest,
            _ => WriteMode::Local,
        },
    };
    let engine = Engine::new(inputs.config.templates_dir.as_deref())?;
    let report = execute(&resolved, &engine, &inputs.documents, write, args.dry_run)?;
    for w in report.documents.iter().flat_map(|d| &d.warnings) {
        eprintln!("warning: {w} (the item's date comes from the tracker or the due-date policy meanwhile)");
    }
    let out = match args.read.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Text => text(&report),
        Format::Markdown => markdown(&report, &engine)?,
    };
    print!("{out}");
    if !report.errors.is_empty() {
        return Ok(ExitCode::from(1));
    }
    if args.fail_on_overdue && report.totals.overdue > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// One follow-up of `documents` (read again from the working tree) with `resolved` options,
/// writing as `write` says (`dry_run`: nothing, and the tracker is not told). `followup` and
/// the Action's schedule both run this.
pub(super) fn execute(
    resolved: &Options,
    engine: &Engine,
    documents: &[crate::model::Postmortem],
    write: WriteMode,
    dry_run: bool,
) -> anyhow::Result<Report> {
    let mut errors = Vec::new();
    let docs = read_documents(documents, resolved, &mut errors);
    execute_on(resolved, engine, docs, errors, write, dry_run)
}

/// [`execute`] on documents already read (`errors`: the files that could not be); `report`
/// reads its own, since it writes nothing and so can read any text.
pub(super) fn execute_on(
    resolved: &Options,
    engine: &Engine,
    docs: Vec<Document>,
    mut errors: Vec<String>,
    write: WriteMode,
    dry_run: bool,
) -> anyhow::Result<Report> {
    let remote = &resolved.remote;
    let config = &resolved.config;
    let timeout = std::time::Duration::from_secs(config.sync.timeout_secs);
    let tracked = remote.kind.is_some() && remote.has_credentials();
    if write != WriteMode::Local && !tracked {
        anyhow::bail!(
            "--write {}: needs a tracker and a token; without one, use --write local",
            if write == WriteMode::Commit {
                "commit"
            } else {
                "pull-request"
            }
        );
    }
    if remote.kind.is_some() && !tracked {
        eprintln!(
            "note: no {} in the environment: file-only follow-up (ticked boxes are done, due dates come from the files)",
            remote.token_var()
        );
    }
    let job = Job {
        options: resolved,
        engine,
        write: match (dry_run, write) {
            (true, _) => Write::Nothing,
            (false, WriteMode::Local) => Write::Local,
            (false, WriteMode::Commit) => Write::Forge(Target::Commit),
            (false, WriteMode::PullRequest) => Write::pull_request(&config.followup.branch),
        },
        tell_tracker: !dry_run,
        update: resolved.update(),
    };
    let rt = remote::runtime()?;
    let explain = |e: TrackerError| anyhow::anyhow!(remote::explain(remote, &e));
    let done = rt.block_on(async {
        if !tracked {
            return followup::<Client, _>(None, &TokioSleeper, &docs, &job)
                .await
                .map_err(explain);
        }
        let client = Client::connect(remote, timeout)
            .await
            .map_err(|e| remote::connect_failed(remote, e))?;
        followup(Some(&client), &TokioSleeper, &docs, &job)
            .await
            .map_err(explain)
    })?;
    errors.extend(done.errors);
    Ok(Report {
        today: resolved.today,
        mode: if tracked { "tracker" } else { "file-only" },
        write,
        dry_run,
        totals: done.totals,
        documents: done.documents,
        files_written: done.files_written,
        updates: done.updates.unwrap_or_default(),
        board: done.board,
        published: done.published,
        errors,
        listing: done.listing.unwrap_or_default(),
    })
}

/// Reads a postmortem as UTF-8. Write-back never rewrites a file it could not read exactly.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("not valid UTF-8: the status is not written into it (nothing is changed)")
    })
}

fn state_word(s: ItemState) -> &'static str {
    match s {
        ItemState::Done => "done",
        ItemState::Open => "open",
        ItemState::Overdue => "overdue",
        ItemState::NotPlanned => "not planned",
    }
}

/// The human summary of a run.
pub(super) fn text(r: &Report) -> String {
    let mut out = String::new();
    for d in &r.documents {
        let _ = writeln!(
            out,
            "{}: {} done, {} open, {} overdue{}{}",
            d.path,
            d.counts.done,
            d.counts.open,
            d.counts.overdue,
            match d.counts.not_planned {
                0 => String::new(),
                n => format!(", {n} not planned"),
            },
            if !d.changed {
                ""
            } else if r.dry_run {
                " (status would be written)"
            } else {
                " (status written)"
            }
        );
        for i in &d.items {
            let _ = write!(
                out,
                "  {:<8} line {:<4} {}",
                state_word(i.status.state),
                i.line,
                i.text
            );
            if let Some(n) = i.status.days_overdue {
                let _ = write!(
                    out,
                    " — {n} {} overdue",
                    if n == 1 { "day" } else { "days" }
                );
            }
            if let Some(due) = i.status.due {
                let _ = write!(out, " (due {due})");
            }
            if let Some(issue) = &i.issue {
                let _ = write!(out, " {}", issue.reference);
            }
            if let Some(o) = &i.status.owner {
                let _ = write!(out, " @{}", o.trim_start_matches('@'));
            }
            if i.issue_missing {
                out.push_str(" [issue not found on the tracker]");
            }
            out.push('\n');
        }
    }
    if r.mode == "tracker" {
        let list = |v: &[u64]| {
            v.iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let u = &r.updates;
        let _ = writeln!(
            out,
            "Tracker: {} labelled overdue {}, {} unlabelled {}, {} reminded {}",
            u.labelled.len(),
            list(&u.labelled),
            u.unlabelled.len(),
            list(&u.unlabelled),
            u.reminded.len(),
            list(&u.reminded)
        );
        if !u.escalated.is_empty() {
            let _ = writeln!(
                out,
                "Escalated (owners mentioned after unanswered reminders): {}",
                list(&u.escalated)
            );
        }
        if let Some(d) = &u.digest {
            let _ = writeln!(
                out,
                "Digest #{}: {}{}",
                d.number,
                d.action.as_str(),
                match d.closed_duplicates.as_slice() {
                    [] => String::new(),
                    v => format!(" (duplicates closed: {})", list(v)),
                }
            );
        }
    }
    for line in r.board.iter().flat_map(|b| b.summary_lines()) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(p) = &r.published {
        let _ = writeln!(
            out,
            "Committed {} file(s) to {} ({} already up to date, {} conflict(s) re-applied)",
            p.written.len(),
            p.branch,
            p.unchanged.len(),
            p.conflicts
        );
        if let Some((n, url, created)) = &p.request {
            let _ = writeln!(
                out,
                "{} pull/merge request {n}: {url}",
                if *created { "Opened" } else { "Updated" }
            );
        }
    }
    for e in &r.errors {
        let _ = writeln!(out, "error: {e}");
    }
    let _ = writeln!(
        out,
        "Follow-up ({}) as of {}: {} done, {} open, {} overdue; {} {} written.",
        r.mode,
        r.today,
        r.totals.done,
        r.totals.open,
        r.totals.overdue,
        r.files_written.len(),
        if r.files_written.len() == 1 {
            "file"
        } else {
            "files"
        }
    );
    out
}

fn markdown(r: &Report, engine: &Engine) -> anyhow::Result<String> {
    let statuses: Vec<_> = r
        .documents
        .iter()
        .map(|d| (d.postmortem.clone(), d.rows.clone()))
        .collect();
    let job = summary::Job {
        command: "followup",
        dry_run: r.dry_run,
        today: r.today,
        created: Vec::new(),
        errors: r.errors.clone(),
    };
    Ok(summary::job_summary(engine, job, &statuses)?)
}
