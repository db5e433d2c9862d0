//! The sync job, whole: an issue for every action item ([`crate::sync::sync`]: one listing,
//! adopt before create, never a duplicate), then the issue links written back: into the
//! working tree, through the forge's API (commits or one pull/merge request, each file's links
//! re-applied by item key to the text there), or both. `sync`, the Action's push and the
//! service's runner call [`sync`].

use crate::forge::projects::GraphQl;
use crate::forge::publish::{commit_message, publish, Published, Publisher, Source, Target};
use crate::forge::{Tracker, TrackerError};
use crate::model::Postmortem;
use crate::render::Engine;
use crate::sync::{SyncError, SyncReport};

use super::publish::link_changes;
use super::Options;

/// What one sync job is asked to do.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub options: &'a Options,
    pub engine: &'a Engine,
    /// Write the links into the working tree under the options' root.
    pub local: bool,
    /// Also write them through the forge's API: with `local`, only the files whose links were
    /// written locally; without, every file with an item that got an issue.
    pub forge: Option<Target>,
    /// Keep the boards current after the sync ([`super::board`]); off when a follow-up that
    /// keeps them follows in the same job, so the job reads the GitHub Project once.
    pub board: bool,
}

/// What a sync job did.
#[derive(Debug)]
pub struct SyncOutcome {
    pub report: SyncReport,
    /// The links written through the API, when asked and there was something to write; its
    /// failure does not undo the sync (the issues exist, the next run writes the links).
    pub published: Option<Result<Published, TrackerError>>,
}

/// The body of the pull/merge request that proposes `files` files' links.
fn request_body(files: usize) -> String {
    format!(
        "Issue links for the action items of {files} postmortem(s), written by postmortem-tracker. Merge to update the postmortems; later runs update this branch.\n"
    )
}

/// Syncs `docs` through `forge` (paced and retried by `sleeper`'s clock), then writes the
/// links back as `job` says.
pub async fn sync<F: Tracker + Publisher + GraphQl, S: crate::forge::paced::Sleeper>(
    forge: &F,
    sleeper: &S,
    docs: &[Postmortem],
    job: &Job<'_>,
) -> Result<SyncOutcome, SyncError> {
    let mut options = job.options.sync.clone();
    options.write_back = job.local;
    let mut report = crate::sync::sync(docs, forge, sleeper, job.engine, &options).await?;
    let closed: Vec<u64> = (report.created.iter().chain(&report.adopted))
        .filter(|t| t.issue.open == Some(false))
        .filter_map(|t| t.issue.number)
        .collect();
    if job.board {
        let board =
            super::board::after_sync(forge, sleeper, docs, &report.listing, &closed, job.options)
                .await?;
        report.errors.extend(board.errors.iter().cloned());
        report.board = Some(board);
    }
    let published = match &job.forge {
        None => None,
        Some(target) => {
            let written_here = |path: &str| report.links_written.iter().any(|l| l.path == path);
            let changes = link_changes(&report, &options.parse_options, |path| {
                !job.local || written_here(path)
            });
            if changes.is_empty() {
                None
            } else {
                let body = request_body(changes.len());
                Some(
                    publish(
                        forge,
                        &changes,
                        target,
                        &commit_message(Source::Sync),
                        &body,
                    )
                    .await,
                )
            }
        }
    };
    Ok(SyncOutcome { report, published })
}
