//! The level-triggered job queue and the run history: marks coalesce into one queued job per
//! repository and reason, a worker claims the oldest job whose repository has none running,
//! and a job ends done or failed.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{parse_ts, ts, Store, StoreError};
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
    fn parse(s: &str) -> Result<JobState, StoreError> {
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
    /// How many times a worker claimed it (more than 1 after a restart).
    pub attempts: i64,
    /// When the first mark arrived.
    pub created_at: DateTime<Utc>,
    /// When a worker last claimed it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
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

/// A `jobs` row as SQLite gives it: id, forge, repo, reason, state, marks, attempts,
/// created_at, started_at, finished_at, error.
type JobRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Jobs left `running` by a previous process go back to the queue; if a job for the same
    /// repository and reason is already queued, the interrupted one is merged into it.
    pub(super) fn requeue_interrupted(&self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let running: Vec<(i64, String, String, String, i64)> = tx
            .prepare("SELECT id, forge, repo, reason, marks FROM jobs WHERE state = 'running'")?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        for (id, forge, repo, reason, marks) in running {
            let queued: Option<i64> = tx
                .query_row(
                    "SELECT id FROM jobs WHERE state = 'queued' AND forge = ?1 AND repo = ?2 AND reason = ?3",
                    params![forge, repo, reason],
                    |r| r.get(0),
                )
                .optional()?;
            match queued {
                Some(other) => {
                    tx.execute(
                        "UPDATE jobs SET marks = marks + ?1 WHERE id = ?2",
                        params![marks, other],
                    )?;
                    tx.execute(
                        "UPDATE jobs SET state = 'failed', error = ?1 WHERE id = ?2",
                        params![
                            format!("interrupted by a restart; merged into job {other}"),
                            id
                        ],
                    )?;
                }
                None => {
                    tx.execute(
                        "UPDATE jobs SET state = 'queued' WHERE id = ?1",
                        params![id],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Queues a mark (a periodic reconcile, or a manual request), coalescing with a waiting job.
    pub fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let q = Self::mark_in(&tx, mark, now)?;
        tx.commit()?;
        Ok(q)
    }

    pub(super) fn mark_in(
        tx: &rusqlite::Transaction<'_>,
        m: &Mark,
        now: DateTime<Utc>,
    ) -> Result<Queued, StoreError> {
        let key = params![m.forge.as_str(), m.repo, m.reason.as_str()];
        let waiting: Option<i64> = tx
            .query_row(
                "SELECT id FROM jobs WHERE state = 'queued' AND forge = ?1 AND repo = ?2 AND reason = ?3",
                key,
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = waiting {
            tx.execute("UPDATE jobs SET marks = marks + 1 WHERE id = ?1", [id])?;
            return Ok(Queued::Coalesced(id));
        }
        tx.execute(
            "INSERT INTO jobs (forge, repo, reason, state, created_at) VALUES (?1, ?2, ?3, 'queued', ?4)",
            params![m.forge.as_str(), m.repo, m.reason.as_str(), ts(now)],
        )?;
        Ok(Queued::New(tx.last_insert_rowid()))
    }

    /// Claims the oldest queued job whose repository has no running job, or `None`.
    pub fn claim(&self, now: DateTime<Utc>) -> Result<Option<Job>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<i64> = tx
            .query_row(
                "SELECT j.id FROM jobs j WHERE j.state = 'queued' AND NOT EXISTS (
                     SELECT 1 FROM jobs r WHERE r.state = 'running'
                         AND r.forge = j.forge AND r.repo = j.repo)
                 ORDER BY j.id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET state = 'running', started_at = ?1, attempts = attempts + 1 WHERE id = ?2",
            params![ts(now), id],
        )?;
        let job = Self::job_in(&tx, id)?;
        tx.commit()?;
        Ok(job)
    }

    /// Ends a running job: `Ok` done, `Err(message)` failed.
    pub fn finish(
        &self,
        id: i64,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (state, error) = match outcome {
            Ok(()) => ("done", None),
            Err(e) => ("failed", Some(e)),
        };
        let n = self.conn().execute(
            "UPDATE jobs SET state = ?1, error = ?2, finished_at = ?3 WHERE id = ?4 AND state = 'running'",
            params![state, error, ts(now), id],
        )?;
        if n == 0 {
            return Err(StoreError::NotRunning(id));
        }
        Ok(())
    }

    /// One job by id.
    pub fn job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        Self::job_in(&self.conn(), id)
    }

    fn job_in(conn: &Connection, id: i64) -> Result<Option<Job>, StoreError> {
        let row = conn
            .query_row(
                "SELECT id, forge, repo, reason, state, marks, attempts, created_at, started_at, finished_at, error
                 FROM jobs WHERE id = ?1",
                [id],
                Self::row,
            )
            .optional()?;
        row.map(Self::finish_row).transpose()
    }

    /// The most recent jobs, newest first: the run history.
    pub fn recent_jobs(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        self.jobs(&JobFilter::default(), limit)
    }

    /// Jobs matching `filter`, newest first, at most `limit`.
    pub fn jobs(&self, filter: &JobFilter, limit: usize) -> Result<Vec<Job>, StoreError> {
        let conn = self.conn();
        let rows = conn
            .prepare(
                "SELECT id, forge, repo, reason, state, marks, attempts, created_at, started_at, finished_at, error
                 FROM jobs
                 WHERE (?1 IS NULL OR forge = ?1) AND (?2 IS NULL OR repo = ?2)
                   AND (?3 IS NULL OR state = ?3)
                 ORDER BY id DESC LIMIT ?4",
            )?
            .query_map(
                params![
                    filter.forge.map(Forge::as_str),
                    filter.repo,
                    filter.state.map(JobState::as_str),
                    limit as i64
                ],
                Self::row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(Self::finish_row).collect()
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
        ))
    }

    fn finish_row(
        (id, forge, repo, reason, state, marks, attempts, created, started, finished, error): JobRow,
    ) -> Result<Job, StoreError> {
        let forge = Forge::parse(&forge)
            .ok_or_else(|| StoreError::Unreadable(format!("job {id}: unknown forge {forge:?}")))?;
        let reason = Reason::parse(&reason).ok_or_else(|| {
            StoreError::Unreadable(format!("job {id}: unknown reason {reason:?}"))
        })?;
        Ok(Job {
            id,
            mark: Mark {
                forge,
                repo,
                reason,
            },
            state: JobState::parse(&state)?,
            marks,
            attempts,
            created_at: parse_ts(&created)?,
            started_at: started.as_deref().map(parse_ts).transpose()?,
            finished_at: finished.as_deref().map(parse_ts).transpose()?,
            error,
        })
    }

    /// Job counts by state (queue depth for `/metrics` and `/readyz`).
    pub fn depth(&self) -> Result<Depth, StoreError> {
        let conn = self.conn();
        let mut d = Depth::default();
        let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match JobState::parse(&state)? {
                JobState::Queued => d.queued = n,
                JobState::Running => d.running = n,
                JobState::Done => d.done = n,
                JobState::Failed => d.failed = n,
            }
        }
        Ok(d)
    }

    /// Every repository that ever had a job, for the periodic full follow-up.
    pub fn known_repositories(&self) -> Result<Vec<(Forge, String)>, StoreError> {
        let conn = self.conn();
        let rows = conn
            .prepare("SELECT DISTINCT forge, repo FROM jobs ORDER BY forge, repo")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(f, r)| {
                let forge = Forge::parse(&f).ok_or_else(|| {
                    StoreError::Unreadable(format!("unknown forge {f:?} in the database"))
                })?;
                Ok((forge, r))
            })
            .collect()
    }
}
