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
//!
//! - this file: opening the file (schema, upgrades, pragmas);
//! - `deliveries.rs`: the delivery ids already seen, and a delivery recorded with its mark;
//! - `queue.rs`: the jobs: marks coalesced, claimed one per repository, finished, listed;
//! - `items.rs`: the items index;
//! - `snapshots.rs`: the daily snapshots behind the charts over time, and incident figures.

mod deliveries;
mod items;
mod queue;
mod snapshots;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use deliveries::Recorded;
pub use queue::{Depth, Job, JobFilter, JobState, Queued};

// 2: the items index and daily snapshots (tables added; a version 1 file is upgraded in place).
// 3: snapshots by state, kind and severity, and incident figures (`snapshots.rs`; tables added).
const SCHEMA_VERSION: i64 = 3;

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
";

/// The durable store. Cheap to share behind an `Arc`; methods serialise on one connection.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Why a store call failed. The messages name the database file or the step, never a
/// delivery's content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// SQLite failed at a named step.
    #[error("{step}: {error}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// SQLite's error.
        error: rusqlite::Error,
    },
    /// The file cannot be opened.
    #[error("cannot open the database {}: {error}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        error: rusqlite::Error,
    },
    /// The file opened but cannot serve as the service's database.
    #[error("database {}: {error}", path.display())]
    Unusable {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<StoreError>,
    },
    /// A newer version of the program wrote the file.
    #[error("written by a newer postmortem-tracker (schema {found}, this one knows {known})")]
    NewerSchema {
        /// The file's schema version.
        found: i64,
        /// The newest this program knows.
        known: i64,
    },
    /// A value in the database this program cannot read.
    #[error("{0}")]
    Unreadable(String),
    /// [`Store::finish`] of a job that is not running.
    #[error("job {0} is not running")]
    NotRunning(i64),
    /// An item could not be written as JSON.
    #[error("cannot store an item: {0}")]
    Encode(serde_json::Error),
    /// A store call run off the async threads panicked or was cancelled.
    #[error("the store call failed: {0}")]
    Task(String),
}

impl StoreError {
    /// `error` at `step`.
    fn at(step: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |error| StoreError::Step { step, error }
    }
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
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|error| StoreError::Open {
            path: path.to_path_buf(),
            error,
        })?;
        Self::init(conn).map_err(|error| StoreError::Unusable {
            path: path.to_path_buf(),
            error: Box::new(error),
        })
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
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
        conn.execute_batch(SCHEMA)
            .and_then(|()| conn.execute_batch(snapshots::SCHEMA))
            .map_err(StoreError::at("cannot create the tables"))?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::context::ItemState;
    use crate::service::index::{test_record, Counts, ItemRecord};
    use crate::service::webhook::{Forge, Mark, Reason};
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
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.starts_with("database "), "{err}");
        assert!(err.contains("service.sqlite"), "{err}");
        assert!(err.contains("not a database"), "{err}");
    }

    #[test]
    fn errors_name_the_file_the_schema_and_the_job() {
        let (_dir, path) = temp();
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "database {}: written by a newer postmortem-tracker (schema 99, this one knows {SCHEMA_VERSION})",
                path.display()
            )
        );

        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        let Queued::New(id) = s.mark(&mark("acme/svc", Reason::Sync), t(0)).unwrap() else {
            panic!("a new job")
        };
        assert_eq!(
            s.finish(id, Ok(()), t(1)).unwrap_err().to_string(),
            format!("job {id} is not running")
        );
    }

    #[test]
    fn items_are_replaced_per_repository_and_keep_their_closing_day() {
        let (_dir, path) = temp();
        let s = Store::open(&path).unwrap();
        let item = |key: &str, state| ItemRecord {
            key: key.into(),
            text: format!("item {key}"),
            ..test_record("acme/svc", None, "corrective", state)
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
