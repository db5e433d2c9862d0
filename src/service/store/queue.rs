//! Deliveries, the job queue and the schedule's ticks: the values (a job, its state, what a
//! mark did to the queue, the counts by state, a filter of the run history) and the
//! operations, the same for every engine.

use chrono::{DateTime, TimeDelta, Utc};

use super::sql::{args, ts, Dialect, Row, Tx};
use super::{Recorded, Store, StoreError};
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

/// A job's columns, in the order [`job_of`] reads them.
const JOB_COLUMNS: &str = "id, forge, repo, reason, state, marks, attempts, created_at, \
                           started_at, finished_at, error, not_before";

/// The job in a row of [`JOB_COLUMNS`], or which of its names this program does not know.
fn job_of(r: &Row) -> Result<Job, StoreError> {
    let id = r.int(0)?;
    let reason = r.text(3)?;
    let reason = Reason::parse(&reason)
        .ok_or_else(|| StoreError::Unreadable(format!("job {id}: unknown reason {reason:?}")))?;
    Ok(Job {
        id,
        mark: Mark {
            forge: parse_forge(&r.text(1)?)?,
            repo: r.text(2)?,
            reason,
        },
        state: JobState::parse(&r.text(4)?)?,
        marks: r.int(5)?,
        attempts: r.int(6)?,
        created_at: r.time(7)?,
        started_at: r.opt_time(8)?,
        finished_at: r.opt_time(9)?,
        error: r.opt_text(10)?,
        not_before: r.opt_time(11)?,
    })
}

/// A forge's stored name.
fn parse_forge(f: &str) -> Result<Forge, StoreError> {
    Forge::parse(f)
        .ok_or_else(|| StoreError::Unreadable(format!("unknown forge {f:?} in the database")))
}

/// Counts by state from `(state, count)` rows.
fn depth_of(rows: &[Row]) -> Result<Depth, StoreError> {
    let mut d = Depth::default();
    for r in rows {
        let n = r.int(1)?;
        match JobState::parse(&r.text(0)?)? {
            JobState::Queued => d.queued = n,
            JobState::Running => d.running = n,
            JobState::Done => d.done = n,
            JobState::Failed => d.failed = n,
        }
    }
    Ok(d)
}

/// The queued job for a repository and reason (locked where the dialect locks rows).
fn waiting(
    tx: &mut dyn Tx,
    d: &Dialect,
    forge: &str,
    repo: &str,
    reason: &str,
) -> Result<Option<i64>, StoreError> {
    tx.query_opt(
        &format!(
            "SELECT id FROM jobs WHERE state = 'queued' AND forge = $1 AND repo = $2 AND reason = $3{}",
            d.lock
        ),
        args![forge, repo, reason],
    )?
    .map(|r| r.int(0))
    .transpose()
}

/// Queues `m`, or coalesces it into the job waiting for the same repository and reason: one
/// statement, atomic whichever replica runs it. A new job has one mark, a coalesced one more.
fn mark_in(tx: &mut dyn Tx, m: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
    let row = tx.query_one(
        "INSERT INTO jobs (forge, repo, reason, state, created_at) VALUES ($1, $2, $3, 'queued', $4)
         ON CONFLICT (forge, repo, reason) WHERE state = 'queued'
         DO UPDATE SET marks = jobs.marks + 1
         RETURNING id, marks = 1",
        args![m.forge.as_str(), &m.repo, m.reason.as_str(), now],
    )?;
    let id = row.int(0)?;
    Ok(if row.flag(1)? {
        Queued::New(id)
    } else {
        Queued::Coalesced(id)
    })
}

/// One claim attempt: with PostgreSQL, a conflict when another replica started a job of the
/// same repository meanwhile (the unique index `jobs_one_running`).
fn claim_once(
    tx: &mut dyn Tx,
    d: &Dialect,
    now: DateTime<Utc>,
    lease: TimeDelta,
) -> Result<Option<Job>, StoreError> {
    let Some(row) = tx.query_opt(
        &format!(
            "SELECT j.id FROM jobs j
             WHERE (j.state = 'queued' AND (j.not_before IS NULL OR j.not_before <= $1)
                    AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running'
                                    AND r.forge = j.forge AND r.repo = j.repo))
                OR (j.state = 'running' AND j.lease_until < $1)
             ORDER BY j.id LIMIT 1{}",
            d.skip_locked
        ),
        args![now],
    )?
    else {
        return Ok(None);
    };
    let row = tx.query_one(
        &format!(
            "UPDATE jobs SET state = 'running', started_at = $1, lease_until = $2,
                 not_before = NULL, attempts = attempts + 1
             WHERE id = $3 RETURNING {JOB_COLUMNS}"
        ),
        args![now, now + lease, row.int(0)?],
    )?;
    job_of(&row).map(Some)
}

/// `NotRunning` when no row was changed: the claim no longer holds the job.
fn held(n: u64, id: i64) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotRunning(id))
    } else {
        Ok(())
    }
}

impl Store {
    /// Records a delivery and, when it is new and carries a mark, queues the mark, in one
    /// transaction: a crash never leaves a delivery recorded without its job.
    pub fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let (id, event, mark) = (delivery_id.to_string(), event.to_string(), mark.cloned());
        self.write(move |tx, _| {
            let inserted = tx.execute(
                "INSERT INTO deliveries (forge, id, event, received_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                args![forge.as_str(), id, event, now],
            )?;
            if inserted == 0 {
                return Ok(Recorded::Duplicate);
            }
            let queued = mark.map(|m| mark_in(tx, &m, now)).transpose()?;
            Ok(Recorded::New(queued))
        })
        .map_err(StoreError::at("cannot record the delivery"))
    }

    /// Forgets delivery ids (and schedule ticks) older than `before`: forges redeliver within
    /// days, not months. Returns how many delivery ids were removed.
    pub fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |tx, _| {
            tx.execute("DELETE FROM ticks WHERE at < $1", args![before])?;
            let n = tx.execute(
                "DELETE FROM deliveries WHERE received_at < $1",
                args![before],
            )?;
            Ok(n as usize)
        })
    }

    /// Whether a delivery id has been recorded.
    pub fn has_delivery(&self, forge: Forge, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.read(move |tx, _| {
            Ok(tx
                .query_opt(
                    "SELECT 1 FROM deliveries WHERE forge = $1 AND id = $2",
                    args![forge.as_str(), id],
                )?
                .is_some())
        })
    }

    /// Queues a mark (a periodic reconcile, or a manual request), coalescing with a waiting job.
    pub fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        let mark = mark.clone();
        self.write(move |tx, _| mark_in(tx, &mark, now))
    }

    /// Claims the oldest job that may run now, leased until `now + lease`: a queued job (not
    /// put off past `now`) whose repository has no running job, or a running job whose lease
    /// ran out. `None` when there is none.
    pub fn claim(&self, now: DateTime<Utc>, lease: TimeDelta) -> Result<Option<Job>, StoreError> {
        // Each lost race means another replica just started a job: a few tries find the next
        // free one.
        for _ in 0..8 {
            match self.write(move |tx, d| claim_once(tx, d, now, lease)) {
                Err(e) if e.is_conflict() => continue,
                other => return other,
            }
        }
        Ok(None)
    }

    /// Moves the lease of a job this claim still holds to `until`;
    /// [`StoreError::NotRunning`] when the claim was lost (the job ended, or its lease ran
    /// out and another worker claimed it).
    pub fn renew(&self, job: &Job, until: DateTime<Utc>) -> Result<(), StoreError> {
        let (id, attempts) = (job.id, job.attempts);
        let n = self.write(move |tx, _| {
            tx.execute(
                "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND attempts = $3 AND state = 'running'",
                args![until, id, attempts],
            )
        })?;
        held(n, id)
    }

    /// Ends a job this claim holds: `Ok` done, `Err(message)` failed.
    pub fn finish(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (id, attempts) = (job.id, job.attempts);
        let (state, error) = match outcome {
            Ok(()) => ("done", None),
            Err(e) => ("failed", Some(e)),
        };
        let n = self.write(move |tx, _| {
            tx.execute(
                "UPDATE jobs SET state = $1, error = $2, finished_at = $3, lease_until = NULL
                 WHERE id = $4 AND attempts = $5 AND state = 'running'",
                args![state, error, now, id, attempts],
            )
        })?;
        held(n, id)
    }

    /// Puts a job this claim holds back in the queue, not to be claimed before `not_before`
    /// (a rate limit that resets then), with `why` in its error column. If another job for the
    /// same repository and reason is already waiting, this one's marks join it (and it waits
    /// as long), and this one ends failed, naming it.
    pub fn defer(
        &self,
        job: &Job,
        not_before: DateTime<Utc>,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (job, why) = (job.clone(), why.to_string());
        self.write(move |tx, d| {
            let m = &job.mark;
            let n = match waiting(tx, d, m.forge.as_str(), &m.repo, m.reason.as_str())? {
                Some(other) => {
                    tx.execute(
                        "UPDATE jobs SET marks = marks + $1,
                             not_before = CASE WHEN not_before IS NULL OR not_before < $2
                                          THEN $2 ELSE not_before END
                         WHERE id = $3",
                        args![job.marks, not_before, other],
                    )?;
                    let error = format!(
                        "{why}; merged into job {other}, which waits until {}",
                        ts(not_before)
                    );
                    tx.execute(
                        "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = $3, error = $4
                         WHERE id = $1 AND attempts = $2 AND state = 'running'",
                        args![job.id, job.attempts, now, error],
                    )?
                }
                None => tx.execute(
                    "UPDATE jobs SET state = 'queued', lease_until = NULL, not_before = $3, error = $4
                     WHERE id = $1 AND attempts = $2 AND state = 'running'",
                    args![job.id, job.attempts, not_before, why],
                )?,
            };
            held(n, job.id)
        })
    }

    /// Jobs left `running` by a previous process go back to the queue; if a job for the same
    /// repository and reason is already queued, the interrupted one is merged into it. Only
    /// for a database one process owns (SQLite): with replicas, a running job may be another's.
    pub(super) fn requeue_interrupted(&self) -> Result<(), StoreError> {
        self.write(|tx, d| {
            let running = tx.query(
                "SELECT id, forge, repo, reason, marks FROM jobs WHERE state = 'running'",
                &[],
            )?;
            for r in running {
                let (id, marks) = (r.int(0)?, r.int(4)?);
                match waiting(tx, d, &r.text(1)?, &r.text(2)?, &r.text(3)?)? {
                    Some(other) => {
                        tx.execute(
                            "UPDATE jobs SET marks = marks + $1 WHERE id = $2",
                            args![marks, other],
                        )?;
                        tx.execute(
                            "UPDATE jobs SET state = 'failed', lease_until = NULL, error = $1 WHERE id = $2",
                            args![
                                format!("interrupted by a restart; merged into job {other}"),
                                id
                            ],
                        )?;
                    }
                    None => {
                        tx.execute(
                            "UPDATE jobs SET state = 'queued', lease_until = NULL WHERE id = $1",
                            args![id],
                        )?;
                    }
                }
            }
            Ok(())
        })
    }

    /// One job by id.
    pub fn job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        self.read(move |tx, _| {
            tx.query_opt(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                args![id],
            )?
            .map(|r| job_of(&r))
            .transpose()
        })
    }

    /// Jobs matching `filter`, newest first, at most `limit`.
    pub fn jobs(&self, filter: &JobFilter, limit: usize) -> Result<Vec<Job>, StoreError> {
        let filter = filter.clone();
        self.read(move |tx, _| {
            tx.query(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE (CAST($1 AS TEXT) IS NULL OR forge = $1)
                       AND (CAST($2 AS TEXT) IS NULL OR repo = $2)
                       AND (CAST($3 AS TEXT) IS NULL OR state = $3)
                     ORDER BY id DESC LIMIT $4"
                ),
                args![
                    filter.forge.map(Forge::as_str),
                    filter.repo,
                    filter.state.map(JobState::as_str),
                    limit
                ],
            )?
            .iter()
            .map(job_of)
            .collect()
        })
    }

    /// The most recent jobs, newest first: the run history.
    pub fn recent_jobs(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        self.jobs(&JobFilter::default(), limit)
    }

    /// Job counts by state (queue depth for `/metrics` and `/readyz`).
    pub fn depth(&self) -> Result<Depth, StoreError> {
        self.read(|tx, _| {
            depth_of(&tx.query("SELECT state, COUNT(*) FROM jobs GROUP BY state", &[])?)
        })
    }

    /// Every repository that ever had a job, for the periodic full follow-up.
    pub fn known_repositories(&self) -> Result<Vec<(Forge, String)>, StoreError> {
        self.read(|tx, _| {
            tx.query(
                "SELECT DISTINCT forge, repo FROM jobs ORDER BY forge, repo",
                &[],
            )?
            .iter()
            .map(|r| Ok((parse_forge(&r.text(0)?)?, r.text(1)?)))
            .collect()
        })
    }

    /// The schedule's tick at `at`, once across every process sharing the database: the first
    /// caller for `at` queues `marks` (in the same transaction) and gets how many; any later
    /// caller for the same `at` gets `None` and queues nothing.
    pub fn tick(
        &self,
        at: DateTime<Utc>,
        marks: &[Mark],
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        let marks = marks.to_vec();
        self.write(move |tx, _| {
            let first = tx.execute(
                "INSERT INTO ticks (at) VALUES ($1) ON CONFLICT DO NOTHING",
                args![at],
            )?;
            if first == 0 {
                return Ok(None);
            }
            for m in &marks {
                mark_in(tx, m, now)?;
            }
            Ok(Some(marks.len()))
        })
    }
}
