//! The service's durable state: the delivery ids already seen, the queue of repositories marked
//! for reconciliation, the history of runs, the items index and its daily counts. One trait,
//! [`Backend`], two implementations: an embedded SQLite file (the default, one process) and
//! PostgreSQL (any number of replicas sharing one database).
//!
//! Level-triggered queue: at most one *queued* job per repository and reason, so any number of
//! events while a job waits coalesce into it; at most one *running* job per repository, so
//! work on one repository is serialised while different repositories run at once. A mark that
//! arrives while its repository's job runs queues exactly one more run.
//!
//! Claims are leases: a claimed job carries a deadline its worker keeps moving
//! ([`Backend::renew`]); a job whose lease ran out (its process was killed, or lost the
//! database) is claimed again by any worker of any replica. Only the claim that holds a job
//! (its id and attempt) may renew or end it, so a worker that lost its lease cannot end the
//! run that replaced it.
//!
//! Crash safety: a delivery and its mark are committed in one transaction before the HTTP
//! answer (SQLite with `synchronous=FULL`). A job therefore runs at least once, and more than
//! once only if its process died between the runner's end and [`Backend::finish`]
//! (reconciliation is idempotent, so that repeat is harmless).
//!
//! Blocking: every method does a short transaction; async callers wrap them in
//! `spawn_blocking`.
//!
//! - this file: the trait, the handle [`Store`] that opens the backend a [`Database`] names;
//! - `queue.rs`: the job queue's values (job, state, depth, filter);
//! - `items.rs`: the closing-day rule of the items index;
//! - `snapshots.rs`: the daily snapshots' and incident figures' rows, read and written alike;
//! - `sqlite.rs`, `postgres.rs`: the two backends.

mod items;
pub mod postgres;
mod queue;
mod snapshots;
mod sqlite;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

pub use queue::{Depth, Job, JobFilter, JobState, Queued};

use crate::report::IncidentFigures;
use crate::service::index::{ItemRecord, Snapshot};
use crate::service::webhook::{Forge, Mark};

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The delivery id was seen before: nothing changed.
    Duplicate,
    /// First time: recorded, and (if it carried a mark) queued.
    New(Option<Queued>),
}

/// The service's durable state, whichever database keeps it. Every method is one short
/// transaction; `now` and `today` are the caller's clock.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Records a delivery and, when it is new and carries a mark, queues the mark, in one
    /// transaction: a crash never leaves a delivery recorded without its job.
    fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError>;

    /// Forgets delivery ids (and schedule ticks) older than `before`: forges redeliver within
    /// days, not months. Returns how many delivery ids were removed.
    fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError>;

    /// Whether a delivery id has been recorded.
    fn has_delivery(&self, forge: Forge, id: &str) -> Result<bool, StoreError>;

    /// Queues a mark (a periodic reconcile, or a manual request), coalescing with a waiting job.
    fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError>;

    /// Claims the oldest job that may run now, leased until `now + lease`: a queued job (not
    /// put off past `now`) whose repository has no running job, or a running job whose lease
    /// ran out. `None` when there is none.
    fn claim(&self, now: DateTime<Utc>, lease: TimeDelta) -> Result<Option<Job>, StoreError>;

    /// Moves the lease of a job this claim still holds to `until`;
    /// [`StoreError::NotRunning`] when the claim was lost (the job ended, or its lease ran
    /// out and another worker claimed it).
    fn renew(&self, job: &Job, until: DateTime<Utc>) -> Result<(), StoreError>;

    /// Ends a job this claim holds: `Ok` done, `Err(message)` failed.
    fn finish(
        &self,
        job: &Job,
        outcome: Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Puts a job this claim holds back in the queue, not to be claimed before `not_before`
    /// (a rate limit that resets then), with `why` in its error column. If another job for the
    /// same repository and reason is already waiting, this one's marks join it (and it waits
    /// as long), and this one ends failed, naming it.
    fn defer(
        &self,
        job: &Job,
        not_before: DateTime<Utc>,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// One job by id.
    fn job(&self, id: i64) -> Result<Option<Job>, StoreError>;

    /// Jobs matching `filter`, newest first, at most `limit`.
    fn jobs(&self, filter: &JobFilter, limit: usize) -> Result<Vec<Job>, StoreError>;

    /// The most recent jobs, newest first: the run history.
    fn recent_jobs(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        self.jobs(&JobFilter::default(), limit)
    }

    /// Job counts by state (queue depth for `/metrics` and `/readyz`).
    fn depth(&self) -> Result<Depth, StoreError>;

    /// Every repository that ever had a job, for the periodic full follow-up.
    fn known_repositories(&self) -> Result<Vec<(Forge, String)>, StoreError>;

    /// The schedule's tick at `at`, once across every process sharing the database: the first
    /// caller for `at` queues `marks` (in the same transaction) and gets how many; any later
    /// caller for the same `at` gets `None` and queues nothing.
    fn tick(
        &self,
        at: DateTime<Utc>,
        marks: &[Mark],
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError>;

    /// Replaces the index of one repository's items with `records` (as of `today`), and
    /// records them as the repository's snapshot of the day (replacing an earlier one of the
    /// same day). A done item keeps the closing day its record carries (the tracker's), else
    /// the day it was first seen done, else `today`.
    fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        records: Vec<ItemRecord>,
        today: NaiveDate,
    ) -> Result<(), StoreError>;

    /// Every indexed item, by forge, repository and position in the repository.
    fn items(&self) -> Result<Vec<ItemRecord>, StoreError>;

    /// Every repository's daily snapshots, oldest first (then by forge and repository).
    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError>;

    /// Replaces the incident figures of `forge:repo`'s postmortems with `incidents`.
    fn replace_incidents(
        &self,
        forge: Forge,
        repo: &str,
        incidents: &[IncidentFigures],
    ) -> Result<(), StoreError>;

    /// Every postmortem's incident figures, by forge, repository and position.
    fn incidents(&self) -> Result<Vec<IncidentFigures>, StoreError>;
}

/// Which database keeps the state: `--database` / `service.database`.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file (a path, or `sqlite://PATH`), created if absent.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl Database {
    /// `postgres://...` or `postgresql://...`: PostgreSQL; `sqlite://PATH` or any other text:
    /// the SQLite file at that path.
    pub fn parse(s: &str) -> Database {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Database::Postgres(s.to_string())
        } else {
            Database::Sqlite(PathBuf::from(s.strip_prefix("sqlite://").unwrap_or(s)))
        }
    }
}

/// The path, or the URL without its password: safe for messages and logs.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&postgres::redact(url)),
        }
    }
}

/// As [`Display`](std::fmt::Display): never the password.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

/// The open store: a handle on its [`Backend`], whose methods it derefs to. Cheap to share
/// behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    backend: Box<dyn Backend>,
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &(dyn Backend + 'static) {
        self.backend.as_ref()
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path`, and queues again every job
    /// that was running when the previous process stopped.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Box::new(sqlite::Sqlite::open(path)?),
        })
    }

    /// Opens the database `db` names, applying its schema migrations.
    pub fn connect(db: &Database) -> Result<Store, StoreError> {
        match db {
            Database::Sqlite(path) => Store::open(path),
            Database::Postgres(url) => Ok(Store {
                backend: Box::new(postgres::Postgres::connect(url)?),
            }),
        }
    }
}

/// Why a store call failed. The messages name the database (a PostgreSQL URL without its
/// password) or the step, never a delivery's content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error(transparent)]
    Postgres(#[from] ::postgres::Error),
    /// The database failed at a named step.
    #[error("{step}: {error}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// The database's error.
        error: Box<StoreError>,
    },
    /// The SQLite file cannot be opened.
    #[error("cannot open the database {}: {error}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        error: rusqlite::Error,
    },
    /// The PostgreSQL server cannot be reached or refused the connection.
    #[error("cannot connect to the database {url}: {error}")]
    Connect {
        /// The URL without its password.
        url: String,
        /// What went wrong.
        error: String,
    },
    /// The database opened but cannot serve as the service's database.
    #[error("database {database}: {error}")]
    Unusable {
        /// The file, or the URL without its password.
        database: String,
        /// What is wrong with it.
        error: Box<StoreError>,
    },
    /// A newer version of the program wrote the database.
    #[error("written by a newer postmortem-tracker (schema {found}, this one knows {known})")]
    NewerSchema {
        /// The database's schema version.
        found: i64,
        /// The newest this program knows.
        known: i64,
    },
    /// A value in the database this program cannot read.
    #[error("{0}")]
    Unreadable(String),
    /// [`Backend::renew`], [`Backend::finish`] or [`Backend::defer`] of a job this claim no
    /// longer holds.
    #[error("job {0} is not running under this claim")]
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
    fn at<E: Into<StoreError>>(step: &'static str) -> impl FnOnce(E) -> StoreError {
        move |error| StoreError::Step {
            step,
            error: Box::new(error.into()),
        }
    }
}

#[cfg(test)]
mod tests;
