//! The embedded backend: one SQLite file, one process. Writes go through one connection;
//! reads (dashboard, exports, metrics, the run history) through a second one, so that they never
//! wait behind a webhook's write transaction (WAL lets them read the last commit meanwhile).
//!
//! Times are stored as RFC 3339 text in UTC with microseconds, which sorts as time does.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::items::{parse_json, settle_closing_days, stored_closing_day};
use super::queue::{depth_of, parse_forge, JobRow};
use super::snapshots::{assemble, groups_of, GroupRow, TotalRow};
use super::{Backend, Depth, Job, JobFilter, JobState, Queued, Recorded, StoreError};
use crate::report::IncidentFigures;
use crate::service::index::{Counts, ItemRecord, Snapshot};
use crate::service::webhook::{Forge, Mark};

/// The schema's versions, each the statements that upgrade the one before; a file's
/// `user_version` says how many it has.
const MIGRATIONS: &[&str] = &[
    // 1: deliveries and jobs.
    "CREATE TABLE IF NOT EXISTS deliveries (
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
    CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);",
    // 2: the items index and daily snapshots.
    "CREATE TABLE IF NOT EXISTS items (
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
    );",
    // 3: snapshots by state, kind and severity, and incident figures.
    "CREATE TABLE IF NOT EXISTS snapshot_counts (
        day         TEXT NOT NULL,
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        state       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        severity    TEXT NOT NULL,
        n           INTEGER NOT NULL,
        PRIMARY KEY (day, forge, repo, state, kind, severity)
    );
    CREATE TABLE IF NOT EXISTS incidents (
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        ord         INTEGER NOT NULL,
        record      TEXT NOT NULL,
        PRIMARY KEY (forge, repo, ord)
    );",
    // 4: leases, jobs put off by a rate limit, the schedule's ticks.
    "ALTER TABLE jobs ADD COLUMN lease_until TEXT;
    ALTER TABLE jobs ADD COLUMN not_before TEXT;
    CREATE TABLE IF NOT EXISTS ticks (at TEXT PRIMARY KEY);",
];

/// The schema version this program writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const JOB_COLUMNS: &str = "id, forge, repo, reason, state, marks, attempts, created_at, \
                           started_at, finished_at, error, not_before";

/// The SQLite backend.
#[derive(Debug)]
pub(super) struct Sqlite {
    /// Every write, and reads inside a write.
    write: Mutex<Connection>,
    /// Reads outside a write.
    read: Mutex<Connection>,
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

fn parse_opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// A poisoned lock still guards a good connection: a panic while holding it cannot leave
/// SQLite half-written (the transaction rolls back on drop).
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path`, upgrades its schema, and queues
    /// again every job that was running when the previous process stopped (one process owns
    /// the file, so none of them is still running).
    pub(super) fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let open = |path: &Path| {
            Connection::open(path).map_err(|error| StoreError::Open {
                path: path.to_path_buf(),
                error,
            })
        };
        let unusable = |error: StoreError| StoreError::Unusable {
            database: path.display().to_string(),
            error: Box::new(error),
        };
        let write = open(path)?;
        Self::init(&write).map_err(unusable)?;
        let read = open(path)?;
        read.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| unusable(e.into()))?;
        let store = Sqlite {
            write: Mutex::new(write),
            read: Mutex::new(read),
        };
        store.requeue_interrupted().map_err(unusable)?;
        Ok(store)
    }

    fn init(conn: &Connection) -> Result<(), StoreError> {
        // WAL lets readers (metrics, dashboard) run beside the writer; FULL makes a committed
        // mark survive a power cut, not only a process crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(step)
                .map_err(StoreError::at("cannot create the tables"))?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn write(&self) -> MutexGuard<'_, Connection> {
        lock(&self.write)
    }

    fn read(&self) -> MutexGuard<'_, Connection> {
        lock(&self.read)
    }

    /// Jobs left `running` by a previous process go back to the queue; if a job for the same
    /// repository and reason is already queued, the interrupted one is merged into it.
    fn requeue_interrupted(&self) -> Result<(), StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let running: Vec<(i64, String, String, String, i64)> = tx
            .prepare("SELECT id, forge, repo, reason, marks FROM jobs WHERE state = 'running'")?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        for (id, forge, repo, reason, marks) in running {
            match Self::waiting(&tx, &forge, &repo, &reason)? {
                Some(other) => {
                    tx.execute(
                        "UPDATE jobs SET marks = marks + ?1 WHERE id = ?2",
                        params![marks, other],
                    )?;
                    tx.execute(
                        "UPDATE jobs SET state = 'failed', lease_until = NULL, error = ?1 WHERE id = ?2",
                        params![
                            format!("interrupted by a restart; merged into job {other}"),
                            id
                        ],
                    )?;
                }
                None => {
                    tx.execute(
                        "UPDATE jobs SET state = 'queued', lease_until = NULL WHERE id = ?1",
                        params![id],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The queued job for a repository and reason.
    fn waiting(
        tx: &Transaction<'_>,
        forge: &str,
        repo: &str,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(tx
            .query_row(
                "SELECT id FROM jobs WHERE state = 'queued' AND forge = ?1 AND repo = ?2 AND reason = ?3",
                params![forge, repo, reason],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn mark_in(tx: &Transaction<'_>, m: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        if let Some(id) = Self::waiting(tx, m.forge.as_str(), &m.repo, m.reason.as_str())? {
            tx.execute("UPDATE jobs SET marks = marks + 1 WHERE id = ?1", [id])?;
            return Ok(Queued::Coalesced(id));
        }
        tx.execute(
            "INSERT INTO jobs (forge, repo, reason, state, created_at) VALUES (?1, ?2, ?3, 'queued', ?4)",
            params![m.forge.as_str(), m.repo, m.reason.as_str(), ts(now)],
        )?;
        Ok(Queued::New(tx.last_insert_rowid()))
    }

    fn job_in(conn: &Connection, id: i64) -> Result<Option<Job>, StoreError> {
        let row = conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                Self::row,
            )
            .optional()?;
        row.map(JobRow::into_job).transpose()
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
        Ok(JobRow {
            id: r.get(0)?,
            forge: r.get(1)?,
            repo: r.get(2)?,
            reason: r.get(3)?,
            state: r.get(4)?,
            marks: r.get(5)?,
            attempts: r.get(6)?,
            created_at: parse_ts(&r.get::<_, String>(7)?)?,
            started_at: parse_opt_ts(r.get(8)?)?,
            finished_at: parse_opt_ts(r.get(9)?)?,
            error: r.get(10)?,
            not_before: parse_opt_ts(r.get(11)?)?,
        })
    }
}

impl Backend for Sqlite {
    fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut conn = self.write();
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
        tx.commit()
            .map_err(StoreError::at("cannot record the delivery"))?;
        Ok(Recorded::New(queued))
    }

    fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let conn = self.write();
        conn.execute("DELETE FROM ticks WHERE at < ?1", [ts(before)])?;
        Ok(conn.execute(
            "DELETE FROM deliveries WHERE received_at < ?1",
            [ts(before)],
        )?)
    }

    fn has_delivery(&self, forge: Forge, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .read()
            .query_row(
                "SELECT 1 FROM deliveries WHERE forge = ?1 AND id = ?2",
                params![forge.as_str(), id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let q = Self::mark_in(&tx, mark, now)?;
        tx.commit()?;
        Ok(q)
    }

    fn claim(&self, now: DateTime<Utc>, lease: TimeDelta) -> Result<Option<Job>, StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<i64> = tx
            .query_row(
                "SELECT j.id FROM jobs j
                 WHERE (j.state = 'queued' AND (j.not_before IS NULL OR j.not_before <= ?1)
                        AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running'
                                        AND r.forge = j.forge AND r.repo = j.repo))
                    OR (j.state = 'running' AND j.lease_until < ?1)
                 ORDER BY j.id LIMIT 1",
                [ts(now)],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET state = 'running', started_at = ?1, lease_until = ?2,
                 not_before = NULL, attempts = attempts + 1
             WHERE id = ?3",
            params![ts(now), ts(now + lease), id],
        )?;
        let job = Self::job_in(&tx, id)?;
        tx.commit()?;
        Ok(job)
    }

    fn renew(&self, job: &Job, until: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self.write().execute(
            "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'",
            params![ts(until), job.id, job.attempts],
        )?;
        if n == 0 {
            return Err(StoreError::NotRunning(job.id));
        }
        Ok(())
    }

    fn finish(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (state, error) = match outcome {
            Ok(()) => ("done", None),
            Err(e) => ("failed", Some(e)),
        };
        let n = self.write().execute(
            "UPDATE jobs SET state = ?1, error = ?2, finished_at = ?3, lease_until = NULL
             WHERE id = ?4 AND attempts = ?5 AND state = 'running'",
            params![state, error, ts(now), job.id, job.attempts],
        )?;
        if n == 0 {
            return Err(StoreError::NotRunning(job.id));
        }
        Ok(())
    }

    fn defer(
        &self,
        job: &Job,
        not_before: DateTime<Utc>,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let m = &job.mark;
        let n = match Self::waiting(&tx, m.forge.as_str(), &m.repo, m.reason.as_str())? {
            Some(other) => {
                tx.execute(
                    "UPDATE jobs SET marks = marks + ?1,
                         not_before = MAX(COALESCE(not_before, ?2), ?2) WHERE id = ?3",
                    params![job.marks, ts(not_before), other],
                )?;
                tx.execute(
                    "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = ?3, error = ?4
                     WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
                    params![
                        job.id,
                        job.attempts,
                        ts(now),
                        format!("{why}; merged into job {other}, which waits until {}", ts(not_before))
                    ],
                )?
            }
            None => tx.execute(
                "UPDATE jobs SET state = 'queued', lease_until = NULL, not_before = ?3, error = ?4
                 WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
                params![job.id, job.attempts, ts(not_before), why],
            )?,
        };
        if n == 0 {
            return Err(StoreError::NotRunning(job.id));
        }
        tx.commit()?;
        Ok(())
    }

    fn job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        Self::job_in(&self.read(), id)
    }

    fn jobs(&self, filter: &JobFilter, limit: usize) -> Result<Vec<Job>, StoreError> {
        let conn = self.read();
        let rows = conn
            .prepare(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs
                 WHERE (?1 IS NULL OR forge = ?1) AND (?2 IS NULL OR repo = ?2)
                   AND (?3 IS NULL OR state = ?3)
                 ORDER BY id DESC LIMIT ?4"
            ))?
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
        rows.into_iter().map(JobRow::into_job).collect()
    }

    fn depth(&self) -> Result<Depth, StoreError> {
        let conn = self.read();
        let rows = conn
            .prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        depth_of(rows)
    }

    fn known_repositories(&self) -> Result<Vec<(Forge, String)>, StoreError> {
        let conn = self.read();
        let rows = conn
            .prepare("SELECT DISTINCT forge, repo FROM jobs ORDER BY forge, repo")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(f, r)| Ok((parse_forge(&f)?, r)))
            .collect()
    }

    fn tick(
        &self,
        at: DateTime<Utc>,
        marks: &[Mark],
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx.execute("INSERT OR IGNORE INTO ticks (at) VALUES (?1)", [ts(at)])? == 0 {
            return Ok(None);
        }
        for m in marks {
            Self::mark_in(&tx, m, now)?;
        }
        tx.commit()?;
        Ok(Some(marks.len()))
    }

    fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        mut records: Vec<ItemRecord>,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: HashMap<String, Option<NaiveDate>> = tx
            .prepare("SELECT key, record FROM items WHERE forge = ?1 AND repo = ?2")?
            .query_map(params![forge.as_str(), repo], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .filter_map(|r| r.ok().map(|(key, json)| (key, stored_closing_day(&json))))
            .collect();
        let c = settle_closing_days(&mut records, &before, today);
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
                    serde_json::to_string(r).map_err(StoreError::Encode)?
                ])?;
            }
        }
        let day = today.to_string();
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (day, forge, repo, done, open, overdue) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![day, forge.as_str(), repo, c.done as i64, c.open as i64, c.overdue as i64],
        )?;
        tx.execute(
            "DELETE FROM snapshot_counts WHERE day = ?1 AND forge = ?2 AND repo = ?3",
            params![day, forge.as_str(), repo],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO snapshot_counts (day, forge, repo, state, kind, severity, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for ((state, kind, severity), n) in groups_of(&records) {
                insert.execute(params![day, forge.as_str(), repo, state, kind, severity, n])?;
            }
        }
        tx.commit()
            .map_err(StoreError::at("cannot save the items"))?;
        Ok(())
    }

    fn items(&self) -> Result<Vec<ItemRecord>, StoreError> {
        let conn = self.read();
        let rows = conn
            .prepare("SELECT forge, repo, ord, record FROM items ORDER BY forge, repo, ord")?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(forge, repo, ord, json)| parse_json("item", &forge, &repo, ord, &json))
            .collect()
    }

    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.read();
        let key = |r: &rusqlite::Row<'_>| -> rusqlite::Result<[String; 3]> {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?])
        };
        let groups = conn
            .prepare(
                "SELECT day, forge, repo, state, kind, severity, n FROM snapshot_counts
                 ORDER BY day, forge, repo, state, kind, severity",
            )?
            .query_map([], |r| {
                Ok((key(r)?, [r.get(3)?, r.get(4)?, r.get(5)?], r.get(6)?))
            })?
            .collect::<Result<Vec<GroupRow>, _>>()?;
        let totals = conn
            .prepare(
                "SELECT day, forge, repo, done, open, overdue FROM snapshots ORDER BY day, forge, repo",
            )?
            .query_map([], |r| {
                Ok((
                    key(r)?,
                    Counts {
                        done: r.get::<_, i64>(3)?.max(0) as u64,
                        open: r.get::<_, i64>(4)?.max(0) as u64,
                        overdue: r.get::<_, i64>(5)?.max(0) as u64,
                    },
                ))
            })?
            .collect::<Result<Vec<TotalRow>, _>>()?;
        assemble(groups, totals)
    }

    fn replace_incidents(
        &self,
        forge: Forge,
        repo: &str,
        incidents: &[IncidentFigures],
    ) -> Result<(), StoreError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM incidents WHERE forge = ?1 AND repo = ?2",
            params![forge.as_str(), repo],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO incidents (forge, repo, ord, record) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, f) in incidents.iter().enumerate() {
                let json = serde_json::to_string(f).map_err(StoreError::Encode)?;
                insert.execute(params![forge.as_str(), repo, i as i64, json])?;
            }
        }
        tx.commit()
            .map_err(StoreError::at("cannot save the incident figures"))
    }

    fn incidents(&self) -> Result<Vec<IncidentFigures>, StoreError> {
        let conn = self.read();
        let rows = conn
            .prepare("SELECT forge, repo, ord, record FROM incidents ORDER BY forge, repo, ord")?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(forge, repo, ord, json)| parse_json("incident", &forge, &repo, ord, &json))
            .collect()
    }
}
