//! The follow-up job, whole: one listing of the tool's issues, the status of every item
//! ([`crate::followup::followup_doc`], pure), the status blocks and boxes written (into the
//! working tree or through the forge's API), then the `overdue` labels and reminders. The CLI's
//! `followup`, the Action's schedule and the service's runner all call [`followup`] and only
//! differ in where the documents come from and how the report is shown.

use std::path::Path;

use serde::Serialize;

use super::publish::{request_body, status_changes, StatusContext};
use super::Options;
use crate::board::{board_items, Assessed};
use crate::followup::{followup_doc, update_tracker, DocOutcome, TrackerUpdates, UpdateOptions};
use crate::forge::paced::{Paced, Sleeper};
use crate::forge::projects::GraphQl;
use crate::forge::publish::{commit_message, publish, Published, Publisher, Source, Target};
use crate::forge::{Tracker, TrackerError};
use crate::model::Postmortem;
use crate::plan::TrackedIssue;
use crate::render::context::Counts;
use crate::render::Engine;

/// A postmortem as read now: its text and the parse of exactly that text, so that the lines
/// the status refers to are the lines written.
#[derive(Debug, Clone)]
pub struct Document {
    pub doc: Postmortem,
    pub text: String,
}

impl Document {
    /// Parses `text`, read from `path`, with the configuration's parser options.
    pub fn parse(path: &str, text: String, options: &Options) -> Document {
        let doc = crate::parse::parse(path, &text, &options.sync.parse_options);
        Document { doc, text }
    }
}

/// Where the status goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Nowhere: computed and reported only (`--dry-run`, or a job that only refreshes).
    Nothing,
    /// The working tree under [`crate::sync::SyncOptions::root`] (a CI checkout).
    Local,
    /// Through the forge's API, as commits or one pull/merge request.
    Forge(Target),
}

/// The title of the one pull/merge request of `pull-request` mode.
pub const REQUEST_TITLE: &str = "postmortem-tracker: action item status";

impl Write {
    /// Pull-request mode onto `branch`.
    pub fn pull_request(branch: &str) -> Write {
        Write::Forge(Target::PullRequest {
            branch: branch.to_string(),
            title: REQUEST_TITLE.into(),
        })
    }
}

/// What one follow-up job is asked to do.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub options: &'a Options,
    pub engine: &'a Engine,
    pub write: Write,
    /// Set the `overdue` labels and send reminders (off: a dry run, or a job that only
    /// refreshes the index).
    pub tell_tracker: bool,
    /// The day and the reminder interval.
    pub update: UpdateOptions,
}

/// What a follow-up did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowupReport {
    pub totals: Counts,
    pub documents: Vec<DocOutcome>,
    /// Files written (in the working tree, or committed through the API).
    pub files_written: Vec<String>,
    /// Labels and reminders, when the tracker was told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updates: Option<TrackerUpdates>,
    /// Commit or pull-request mode: what went to the forge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
    /// Problems with single files or issues; the rest of the run went on.
    pub errors: Vec<String>,
    /// State labels and the GitHub Project, when the tracker was told ([`super::board`]);
    /// its errors are also in `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<crate::board::BoardReport>,
    /// The listing the status was computed from (none in file-only mode).
    #[serde(skip)]
    pub listing: Option<Vec<TrackedIssue>>,
}

/// The follow-up of `docs` through `forge` (`None`: file-only, the files are the state),
/// paced by the options' [`crate::forge::paced::Pacing`], waiting with `sleeper`. Fatal tracker errors
/// (token, access) stop it; others are recorded in the report.
pub async fn followup<F: Tracker + Publisher + GraphQl, S: Sleeper>(
    forge: Option<&F>,
    sleeper: &S,
    docs: &[Document],
    job: &Job<'_>,
) -> Result<FollowupReport, TrackerError> {
    let options = job.options;
    let listing = match forge {
        Some(f) => Some(f.list_issues(&options.sync.label).await?),
        None => None,
    };
    let mut report = FollowupReport::default();
    for d in docs {
        let out = followup_doc(
            &d.doc,
            &d.text,
            listing.as_deref(),
            options.today,
            &options.followup,
            job.engine,
        )
        .map_err(|e| TrackerError::Rejected {
            status: 0,
            message: format!("{}: template: {e}", d.doc.path),
        })?;
        if let Some(damage) = &out.damage {
            report.errors.push(damage.at(&d.doc.path));
        }
        if out.changed && job.write == Write::Local {
            match write_atomic(&options.sync.root.join(&d.doc.path), &out.text) {
                Ok(()) => report.files_written.push(d.doc.path.clone()),
                Err(e) => report.errors.push(format!("{}: {e}", d.doc.path)),
            }
        }
        report.totals.add(&out.counts);
        report.documents.push(out);
    }
    let (Some(forge), Some(listing)) = (forge, listing) else {
        return Ok(report);
    };
    if job.tell_tracker {
        let paced = Paced::new(forge, sleeper, &options.sync.pacing);
        let updates = update_tracker(
            &paced,
            &report.documents,
            &listing,
            job.engine,
            &options.followup,
            &job.update,
        )
        .await?;
        report.errors.extend(updates.errors.iter().cloned());
        report.updates = Some(updates);
        // The states the status blocks were written with, not a second assessment.
        let items = board_items(report.documents.iter().map(Assessed::from));
        let board = super::board::board(forge, sleeper, &items, &listing, options).await?;
        report.errors.extend(board.errors.iter().cloned());
        report.board = Some(board);
    }
    if let Write::Forge(target) = &job.write {
        // Re-applied to the text on the forge with the listing the files were computed with,
        // so the remote text gets the same status and an edit made there is kept.
        let cx = StatusContext {
            today: options.today,
            options: &options.followup,
            engine: job.engine,
            parse_options: &options.sync.parse_options,
        };
        let changes = status_changes(&report.documents, &listing, &cx);
        if !changes.is_empty() {
            let published = publish(
                forge,
                &changes,
                target,
                &commit_message(Source::Followup),
                &request_body(&report.documents, options.today),
            )
            .await?;
            report
                .files_written
                .extend(published.written.iter().cloned());
            report.errors.extend(published.errors.iter().cloned());
            report.published = Some(published);
        }
    }
    report.listing = Some(listing);
    Ok(report)
}

/// A file the follow-up could not write; the file is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}: not a file", .0.display())]
    NotAFile(std::path::PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot replace {}: {source}", path.display())]
    Replace {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Writes through a temporary file and a rename, so a crash leaves the old or the new text.
fn write_atomic(path: &Path, text: &str) -> Result<(), WriteError> {
    let name = path
        .file_name()
        .ok_or_else(|| WriteError::NotAFile(path.to_path_buf()))?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.postmortem-tracker.tmp"));
    std::fs::write(&tmp, text).map_err(|source| WriteError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| WriteError::Replace {
        path: path.to_path_buf(),
        source,
    })
}
