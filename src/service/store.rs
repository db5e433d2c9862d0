//! The service's durable state, in one embedded SQLite file: the delivery ids already seen, the
//! queue of repositories marked for reconciliation, and the history of runs.
//!
//! Level-triggered queue: at most one *queued* job per repository and reason, so any number of
//! events while a job waits coalesce into it; at most one *running* job per repository, so
//! work on one repository is serialised while different repositories run at once. A mark that
//! arrives while its repository's job runs queues exactly one more run.
//!
//! Crash safety: a delivery and its mark are committed in one transaction before the HTTP
//! answer, with `synchronous=FULL`; a job claimed but not finished when the process died is
//! queued again by [`Store::open`]. A job therefore runs at least once, and more than once
//! only if the process died between the runner's end and [`Store::finish`] (reconciliation is
//! idempotent, so that repeat is harmless).
//!
//! Blocking: every method does a short SQLite transaction; async callers wrap them in
//! `spawn_blocking`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::index::{Counts, ItemRecord, Snapshot};
use super::webhook::{Forge, Mark, Reason};
use crate::render::context::ItemState;

// 2: the items index and daily snapshots (tables added; a version 1 file is upgraded in place).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    forge       TEXT NOT NULL,
    id          TEXT NOT NULL,
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (forge, id)
);
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    marks       INTEGER NOT NULL DEFAULT 1,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    error       TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_queued
    ON jobs (forge, repo, reason) WHERE state = 'queued';
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_running
    ON jobs (forge, repo) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE TABLE IF NOT EXISTS items (
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    key         TEXT NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (forge, repo, ord)
);
CREATE TABLE IF NOT EXISTS snapshots (
    day         TEXT NOT NULL,
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    done        INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    overdue     INTEGER NOT NULL,
    PRIMARY KEY (day, forge, repo)
);
";

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
    fn parse(s: &str) -> anyhow::Result<JobState> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => anyhow::bail!("unknown job state {other:?} in the database"),
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

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The delivery id was seen before: nothing changed.
    Duplicate,
    /// First time: recorded, and (if it carried a mark) queued.
    New(Option<Queued>),
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

/// The durable store. Cheap to share behind an `Arc`; methods serialise on one connection.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

impl Store {
    /// Opens (creating if needed) the database at `path`, and queues again every job that was
    /// running when the previous process stopped.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        Self::init(conn).with_context(|| format!("database {}", path.display()))
    }

    fn init(conn: Connection) -> anyhow::Result<Store> {
        // WAL lets readers (metrics, dashboard) run beside the writer; FULL makes a committed
        // mark survive a power cut, not only a process crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            anyhow::bail!(
                "written by a newer postmortem-tracker (schema {version}, this one knows {SCHEMA_VERSION})"
            );
        }
        conn.execute_batch(SCHEMA)
            .context("cannot create the tables")?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        let store = Store {
            conn: Mutex::new(conn),
        };
        store.requeue_interrupted()?;
        Ok(store)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction
        // rolls back on drop), so the poisoned connection is still good.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Jobs left `running` by a previous process go back to the queue; if a job for the same
    /// repository and reason is already queued, the interrupted one is merged into it.
    fn requeue_interrupted(&self) -> anyhow::Result<()> {
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

    /// Records a delivery and, when it is new and carries a mark, queues the mark, in one
    /// transaction: a crash never leaves a delivery recorded without its job.
    pub fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Recorded> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO deliveries (forge, id, event, received_at) VALUES (?1, ?2, ?3, ?4)",
            params![forge.as_str(), delivery_id, event, ts(now)],
        )?;
        if inserted == 0 {
            return Ok(Recorded::Duplicate);
        }
        let queued = match mark {
            Some(m) => Some(Self::mark_in(&tx, m, now)?),
            None => None,
        };
        tx.commit().context("cannot record the delivery")?;
        Ok(Recorded::New(queued))
    }

    /// Queues a mark (a periodic reconcile, or a manual request), coalescing with a waiting job.
    pub fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> anyhow::Result<Queued> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let q = Self::mark_in(&tx, mark, now)?;
        tx.commit()?;
        Ok(q)
    }

    fn mark_in(
        tx: &rusqlite::Transaction<'_>,
        m: &Mark,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Queued> {
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
    pub fn claim(&self, now: DateTime<Utc>) -> anyhow::Result<Option<Job>> {
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
    ) -> anyhow::Result<()> {
        let (state, error) = match outcome {
            Ok(()) => ("done", None),
            Err(e) => ("failed", Some(e)),
        };
        let n = self.conn().execute(
            "UPDATE jobs SET state = ?1, error = ?2, finished_at = ?3 WHERE id = ?4 AND state = 'running'",
            params![state, error, ts(now), id],
        )?;
        if n == 0 {
            anyhow::bail!("job {id} is not running");
        }
        Ok(())
    }

    /// One job by id.
    pub fn job(&self, id: i64) -> anyhow::Result<Option<Job>> {
        Self::job_in(&self.conn(), id)
    }

    fn job_in(conn: &Connection, id: i64) -> anyhow::Result<Option<Job>> {
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
    pub fn recent_jobs(&self, limit: usize) -> anyhow::Result<Vec<Job>> {
        self.jobs(&JobFilter::default(), limit)
    }

    /// Jobs matching `filter`, newest first, at most `limit`.
    pub fn jobs(&self, filter: &JobFilter, limit: usize) -> anyhow::Result<Vec<Job>> {
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

    #[allow(clippy::type_complexity)]
    fn row(
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(
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
    )> {
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

    #[allow(clippy::type_complexity)]
    fn finish_row(
        (id, forge, repo, reason, state, marks, attempts, created, started, finished, error): (
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
        ),
    ) -> anyhow::Result<Job> {
        let forge =
            Forge::parse(&forge).with_context(|| format!("job {id}: unknown forge {forge:?}"))?;
        let reason = Reason::parse(&reason)
            .with_context(|| format!("job {id}: unknown reason {reason:?}"))?;
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
    pub fn depth(&self) -> anyhow::Result<Depth> {
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

    /// Forgets delivery ids received before `before` (forges redeliver within days, not
    /// months). Returns how many were removed.
    pub fn prune_deliveries(&self, before: DateTime<Utc>) -> anyhow::Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM deliveries WHERE received_at < ?1",
            [ts(before)],
        )?)
    }

    /// Every repository that ever had a job, for the periodic full follow-up.
    pub fn known_repositories(&self) -> anyhow::Result<Vec<(Forge, String)>> {
        let conn = self.conn();
        let rows = conn
            .prepare("SELECT DISTINCT forge, repo FROM jobs ORDER BY forge, repo")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(f, r)| {
                let forge = Forge::parse(&f)
                    .with_context(|| format!("unknown forge {f:?} in the database"))?;
                Ok((forge, r))
            })
            .collect()
    }

    /// Replaces the index of one repository's items with `records` (as of `today`), and
    /// records the day's counts. A done item keeps the closing day its record carries (the
    /// tracker's), else the day it was first seen done, else `today`.
    pub fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        mut records: Vec<ItemRecord>,
        today: chrono::NaiveDate,
    ) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: std::collections::HashMap<String, Option<chrono::NaiveDate>> = tx
            .prepare("SELECT key, record FROM items WHERE forge = ?1 AND repo = ?2")?
            .query_map(params![forge.as_str(), repo], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .filter_map(|r| {
                let (key, json) = r.ok()?;
                let old: ItemRecord = serde_json::from_str(&json).ok()?;
                Some((key, old.closed_on))
            })
            .collect();
        for r in &mut records {
            r.closed_on = match r.state {
                // The tracker's closing day when the record has it, else the day first seen.
                ItemState::Done => r
                    .closed_on
                    .or_else(|| before.get(&r.key).copied().flatten())
                    .or(Some(today)),
                _ => None,
            };
        }
        tx.execute(
            "DELETE FROM items WHERE forge = ?1 AND repo = ?2",
            params![forge.as_str(), repo],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO items (forge, repo, ord, key, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, r) in records.iter().enumerate() {
                insert.execute(params![
                    forge.as_str(),
                    repo,
                    i as i64,
                    r.key,
                    serde_json::to_string(r)?
                ])?;
            }
        }
        let c = Counts::of(&records);
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (day, forge, repo, done, open, overdue) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![today.to_string(), forge.as_str(), repo, c.done as i64, c.open as i64, c.overdue as i64],
        )?;
        tx.commit().context("cannot save the items")?;
        Ok(())
    }

    /// Every indexed item, by forge, repository and position in the repository.
    pub fn items(&self) -> anyhow::Result<Vec<ItemRecord>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT forge, repo, ord, record FROM items ORDER BY forge, repo, ord")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|r| {
            let (forge, repo, ord, json) = r?;
            serde_json::from_str(&json).with_context(|| {
                format!("item {ord} of {forge}:{repo} in the database is unreadable")
            })
        })
        .collect()
    }

    /// Every day's counts, oldest first.
    pub fn snapshots(&self) -> anyhow::Result<Vec<Snapshot>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT day, forge, repo, done, open, overdue FROM snapshots ORDER BY day, forge, repo",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ],
            ))
        })?;
        rows.map(|r| {
            let (day, forge, repository, [done, open, overdue]) = r?;
            Ok(Snapshot {
                day: day
                    .parse()
                    .with_context(|| format!("an unreadable day {day:?} in the database"))?,
                forge,
                repository,
                counts: Counts {
                    done: done as u64,
                    open: open as u64,
                    overdue: overdue as u64,
                },
            })
        })
        .collect()
    }

    /// Whether a delivery id has been recorded.
    pub fn has_delivery(&self, forge: Forge, id: &str) -> anyhow::Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM deliveries WHERE forge = ?1 AND id = ?2",
                params![forge.as_str(), id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, sec).unwrap()
    }

    fn mark(repo: &str, reason: Reason) -> Mark {
        Mark {
            forge: Forge::Github,
            repo: repo.into(),
            reason,
        }
    }

    fn temp() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.sqlite");
        (dir, path)
    }

    #[test]
    fn deliveries_are_deduplicated_and_marks_coalesce() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        let m = mark("acme/svc", Reason::Sync);
        let first = s
            .record_delivery(Forge::Github, "d1", "push", Some(&m), t(0))
            .unwrap();
        let Recorded::New(Some(Queued::New(id))) = first else {
            panic!("{first:?}")
        };
        // The same delivery again: nothing changes.
        assert_eq!(
            s.record_delivery(Forge::Github, "d1", "push", Some(&m), t(1))
                .unwrap(),
            Recorded::Duplicate
        );
        // The same id from the other forge is another delivery.
        assert!(matches!(
            s.record_delivery(Forge::Gitlab, "d1", "Push Hook", None, t(1))
                .unwrap(),
            Recorded::New(None)
        ));
        // A second event for the same repository and reason joins the waiting job.
        assert_eq!(
            s.record_delivery(Forge::Github, "d2", "push", Some(&m), t(2))
                .unwrap(),
            Recorded::New(Some(Queued::Coalesced(id)))
        );
        // Another reason is another job.
        let f = mark("acme/svc", Reason::Followup);
        assert!(matches!(s.mark(&f, t(3)).unwrap(), Queued::New(other) if other != id));
        let job = s.job(id).unwrap().unwrap();
        assert_eq!(
            (job.state, job.marks, job.attempts),
            (JobState::Queued, 2, 0)
        );
        assert_eq!(s.depth().unwrap().queued, 2);
    }

    #[test]
    fn one_running_job_per_repository_many_repositories_at_once() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        s.mark(&mark("a/one", Reason::Sync), t(0)).unwrap();
        s.mark(&mark("a/one", Reason::Followup), t(1)).unwrap();
        s.mark(&mark("b/two", Reason::Sync), t(2)).unwrap();
        let j1 = s.claim(t(3)).unwrap().unwrap();
        assert_eq!(j1.mark, mark("a/one", Reason::Sync));
        assert_eq!(j1.state, JobState::Running);
        // a/one's follow-up must wait; b/two may start.
        let j2 = s.claim(t(3)).unwrap().unwrap();
        assert_eq!(j2.mark.repo, "b/two");
        assert_eq!(s.claim(t(3)).unwrap(), None);
        s.finish(j1.id, Ok(()), t(4)).unwrap();
        let j3 = s.claim(t(5)).unwrap().unwrap();
        assert_eq!(j3.mark, mark("a/one", Reason::Followup));
        s.finish(j2.id, Err("boom".into()), t(6)).unwrap();
        s.finish(j3.id, Ok(()), t(6)).unwrap();
        assert!(s.finish(j3.id, Ok(()), t(7)).is_err(), "finishing twice");
        let failed = s.job(j2.id).unwrap().unwrap();
        assert_eq!(
            (failed.state, failed.error.as_deref()),
            (JobState::Failed, Some("boom"))
        );
        assert_eq!(failed.finished_at, Some(t(6)));
        assert_eq!(
            s.depth().unwrap(),
            Depth {
                queued: 0,
                running: 0,
                done: 2,
                failed: 1
            }
        );
        let failed_only = JobFilter {
            state: Some(JobState::Failed),
            ..JobFilter::default()
        };
        assert_eq!(s.jobs(&failed_only, 10).unwrap(), vec![failed.clone()]);
        let one = JobFilter {
            forge: Some(Forge::Github),
            repo: Some("a/one".into()),
            state: None,
        };
        let ids: Vec<i64> = s.jobs(&one, 10).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![j3.id, j1.id]);
        assert_eq!(s.jobs(&one, 1).unwrap().len(), 1);
        let gitlab = JobFilter {
            forge: Some(Forge::Gitlab),
            ..JobFilter::default()
        };
        assert!(s.jobs(&gitlab, 10).unwrap().is_empty());
        let history: Vec<i64> = s.recent_jobs(10).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(history, vec![j2.id, j3.id, j1.id], "newest first");
    }

    #[test]
    fn marks_while_running_queue_exactly_one_more_run() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        let m = mark("acme/svc", Reason::Sync);
        s.mark(&m, t(0)).unwrap();
        let running = s.claim(t(1)).unwrap().unwrap();
        let a = s.mark(&m, t(2)).unwrap();
        let b = s.mark(&m, t(3)).unwrap();
        assert!(matches!(a, Queued::New(_)));
        assert_eq!(b, Queued::Coalesced(a.job_id()));
        assert_eq!(s.claim(t(4)).unwrap(), None, "never two in parallel");
        s.finish(running.id, Ok(()), t(5)).unwrap();
        let next = s.claim(t(6)).unwrap().unwrap();
        assert_eq!((next.id, next.marks), (a.job_id(), 2));
        s.finish(next.id, Ok(()), t(7)).unwrap();
        assert_eq!(s.claim(t(8)).unwrap(), None);
    }

    #[test]
    fn reopen_after_crash_requeues_claimed_jobs_once() {
        let (_dir, path) = temp();
        let (done, interrupted, waiting);
        {
            let s = Store::open(&path).unwrap();
            s.record_delivery(
                Forge::Github,
                "d1",
                "push",
                Some(&mark("a/one", Reason::Sync)),
                t(0),
            )
            .unwrap();
            s.mark(&mark("b/two", Reason::Sync), t(1)).unwrap();
            s.mark(&mark("c/three", Reason::Followup), t(2)).unwrap();
            done = s.claim(t(3)).unwrap().unwrap();
            s.finish(done.id, Ok(()), t(4)).unwrap();
            interrupted = s.claim(t(5)).unwrap().unwrap();
            waiting = s.job(interrupted.id + 1).unwrap().unwrap();
            // The process dies here: `s` is dropped without finishing `interrupted`.
        }
        let s = Store::open(&path).unwrap();
        assert!(s.has_delivery(Forge::Github, "d1").unwrap());
        assert_eq!(
            s.record_delivery(
                Forge::Github,
                "d1",
                "push",
                Some(&mark("a/one", Reason::Sync)),
                t(6)
            )
            .unwrap(),
            Recorded::Duplicate
        );
        let mut ran = Vec::new();
        while let Some(job) = s.claim(t(7)).unwrap() {
            ran.push(job.id);
            s.finish(job.id, Ok(()), t(8)).unwrap();
        }
        assert_eq!(ran, vec![interrupted.id, waiting.id]);
        assert_eq!(s.job(interrupted.id).unwrap().unwrap().attempts, 2);
        assert_eq!(s.job(done.id).unwrap().unwrap().attempts, 1);
        // Opening again finds nothing left to do.
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.claim(t(9)).unwrap(), None);
    }

    #[test]
    fn interrupted_job_merges_into_a_waiting_one() {
        let (_dir, path) = temp();
        let m = mark("a/one", Reason::Sync);
        let (first, second);
        {
            let s = Store::open(&path).unwrap();
            s.mark(&m, t(0)).unwrap();
            first = s.claim(t(1)).unwrap().unwrap();
            second = s.mark(&m, t(2)).unwrap().job_id();
        }
        let s = Store::open(&path).unwrap();
        let job = s.claim(t(3)).unwrap().unwrap();
        assert_eq!((job.id, job.marks), (second, 2));
        s.finish(job.id, Ok(()), t(4)).unwrap();
        assert_eq!(
            s.claim(t(5)).unwrap(),
            None,
            "the merged job does not run again"
        );
        let old = s.job(first.id).unwrap().unwrap();
        assert_eq!(old.state, JobState::Failed);
        assert!(old
            .error
            .unwrap()
            .contains(&format!("merged into job {second}")));
    }

    #[test]
    fn prune_forgets_old_deliveries() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        s.record_delivery(Forge::Github, "old", "push", None, t(0))
            .unwrap();
        s.record_delivery(Forge::Github, "new", "push", None, t(10))
            .unwrap();
        assert_eq!(s.prune_deliveries(t(5)).unwrap(), 1);
        assert!(s.known_repositories().unwrap().is_empty());
        s.mark(&mark("b/two", Reason::Sync), t(11)).unwrap();
        s.mark(&mark("a/one", Reason::Sync), t(11)).unwrap();
        s.mark(&mark("a/one", Reason::Followup), t(11)).unwrap();
        assert_eq!(
            s.known_repositories().unwrap(),
            vec![
                (Forge::Github, "a/one".to_string()),
                (Forge::Github, "b/two".to_string())
            ]
        );
        assert!(!s.has_delivery(Forge::Github, "old").unwrap());
        assert!(s.has_delivery(Forge::Github, "new").unwrap());
    }

    #[test]
    fn not_a_database_is_a_clear_error() {
        let (_dir, path) = temp();
        std::fs::write(
            &path,
            "this is not sqlite, just text that is long enough to matter\n".repeat(20),
        )
        .unwrap();
        let err = format!("{:#}", Store::open(&path).unwrap_err());
        assert!(err.contains("service.sqlite"), "{err}");
    }

    #[test]
    fn items_are_replaced_per_repository_and_keep_their_closing_day() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        let item = |key: &str, state| ItemRecord {
            forge: "github".into(),
            repository: "acme/svc".into(),
            path: "postmortems/a.md".into(),
            postmortem: "A".into(),
            postmortem_url: None,
            line: 3,
            key: key.into(),
            text: format!("item {key}"),
            kind: "corrective".into(),
            owner: None,
            due: None,
            state,
            days_overdue: None,
            issue: None,
            issue_url: None,
            incident: None,
            closed_on: None,
        };
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        s.replace_items(
            Forge::Github,
            "acme/svc",
            vec![item("a", ItemState::Done), item("b", ItemState::Open)],
            d("2026-11-01"),
        )
        .unwrap();
        let mut other = item("z", ItemState::Overdue);
        other.repository = "acme/web".into();
        s.replace_items(Forge::Github, "acme/web", vec![other], d("2026-11-01"))
            .unwrap();
        // A later run: `a` still done, `b` done now, `c` new.
        s.replace_items(
            Forge::Github,
            "acme/svc",
            vec![
                item("a", ItemState::Done),
                item("b", ItemState::Done),
                item("c", ItemState::Open),
            ],
            d("2026-11-05"),
        )
        .unwrap();
        // Reopened in a restarted process: the closing day goes.
        drop(s);
        let s = Store::open(&path).unwrap();
        let items = s.items().unwrap();
        let got: Vec<_> = items
            .iter()
            .map(|r| (r.repository.as_str(), r.key.as_str(), r.closed_on))
            .collect();
        assert_eq!(
            got,
            [
                ("acme/svc", "a", Some(d("2026-11-01"))),
                ("acme/svc", "b", Some(d("2026-11-05"))),
                ("acme/svc", "c", None),
                ("acme/web", "z", None),
            ]
        );
        let snaps = s.snapshots().unwrap();
        assert_eq!(snaps.len(), 3);
        assert_eq!(
            (snaps[2].day, snaps[2].counts),
            (
                d("2026-11-05"),
                Counts {
                    done: 2,
                    open: 1,
                    overdue: 0
                }
            )
        );
    }
}
