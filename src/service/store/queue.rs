//! The job queue's values, the same for every backend: a job, its state, what a mark did to
//! the queue, the counts by state, and a filter of the run history.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::service::webhook::{Forge, Mark, Reason};

/// State of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker.
    Running,
    /// The runner succeeded.
    Done,
    /// The runner failed (or the job was merged into another after a restart).
    Failed,
}

/// Which jobs to list; `None` matches any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only this forge.
    pub forge: Option<Forge>,
    /// Only this repository (lower-case path).
    pub repo: Option<String>,
    /// Only jobs in this state.
    pub state: Option<JobState>,
}

impl JobState {
    /// The stable name stored in the database and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    /// The inverse of [`JobState::as_str`], for the database.
    pub(super) fn parse(s: &str) -> Result<JobState, StoreError> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => {
                return Err(StoreError::Unreadable(format!(
                    "unknown job state {other:?} in the database"
                )))
            }
        })
    }
}

/// One job: reconcile one repository for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Row id, increasing with creation.
    pub id: i64,
    /// What to reconcile and why.
    pub mark: Mark,
    /// Where it stands.
    pub state: JobState,
    /// How many marks (events) were coalesced into this job.
    pub marks: i64,
    /// How many times a worker claimed it (more than 1 after a restart, an expired lease or a
    /// rate limit). With the id, the claim's token: only that claim may renew or end it.
    pub attempts: i64,
    /// When the first mark arrived.
    pub created_at: DateTime<Utc>,
    /// When a worker last claimed it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed (or, for a queued job, why it was put off).
    pub error: Option<String>,
    /// A queued job put off by a rate limit is not claimed before this time.
    pub not_before: Option<DateTime<Utc>>,
}

/// What a mark did to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A new job was queued.
    New(i64),
    /// A job for the same repository and reason was already waiting: coalesced into it.
    Coalesced(i64),
}

impl Queued {
    /// The id of the job that will do the work.
    pub fn job_id(self) -> i64 {
        match self {
            Queued::New(id) | Queued::Coalesced(id) => id,
        }
    }
}

/// Job counts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    /// Jobs waiting.
    pub queued: i64,
    /// Jobs claimed by a worker.
    pub running: i64,
    /// Jobs done.
    pub done: i64,
    /// Jobs failed.
    pub failed: i64,
}

/// A job's row as a backend reads it, before its names are checked.
pub(super) struct JobRow {
    pub id: i64,
    pub forge: String,
    pub repo: String,
    pub reason: String,
    pub state: String,
    pub marks: i64,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
}

impl JobRow {
    /// The job, or which of its names this program does not know.
    pub(super) fn into_job(self) -> Result<Job, StoreError> {
        let id = self.id;
        let forge = parse_forge(&self.forge)?;
        let reason = Reason::parse(&self.reason).ok_or_else(|| {
            StoreError::Unreadable(format!("job {id}: unknown reason {:?}", self.reason))
        })?;
        Ok(Job {
            id,
            mark: Mark {
                forge,
                repo: self.repo,
                reason,
            },
            state: JobState::parse(&self.state)?,
            marks: self.marks,
            attempts: self.attempts,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            error: self.error,
            not_before: self.not_before,
        })
    }
}

/// A forge's stored name.
pub(super) fn parse_forge(f: &str) -> Result<Forge, StoreError> {
    Forge::parse(f)
        .ok_or_else(|| StoreError::Unreadable(format!("unknown forge {f:?} in the database")))
}

/// Counts by state from `(state, count)` rows.
pub(super) fn depth_of(rows: impl IntoIterator<Item = (String, i64)>) -> Result<Depth, StoreError> {
    let mut d = Depth::default();
    for (state, n) in rows {
        match JobState::parse(&state)? {
            JobState::Queued => d.queued = n,
            JobState::Running => d.running = n,
            JobState::Done => d.done = n,
            JobState::Failed => d.failed = n,
        }
    }
    Ok(d)
}
