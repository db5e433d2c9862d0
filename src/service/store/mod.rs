//! The service's durable state: the delivery ids already seen, the queue of repositories marked
//! for reconciliation, the history of runs, the items index and its daily counts, and what each
//! repository's last job read. One handle, [`Store`], whose logic is written once over two
//! engines: an embedded SQLite file (the default, one process) and PostgreSQL (any number of
//! replicas sharing one database).
//!
//! Level-triggered queue: at most one *queued* job per repository and reason, so any number of
//! events while a job waits coalesce into it; at most one *running* job per repository, so
//! work on one repository is serialised while different repositories run at once. A mark that
//! arrives while its repository's job runs queues exactly one more run.
//!
//! Claims are leases: a claimed job carries a deadline its worker keeps moving
//! ([`Store::renew`]); a job whose lease ran out (its process was killed, or lost the
//! database) is claimed again by any worker of any replica. Only the claim that holds a job
//! (its id and attempt) may renew or end it, so a worker that lost its lease cannot end the
//! run that replaced it.
//!
//! Crash safety: a delivery and its mark are committed in one transaction before the HTTP
//! answer (SQLite with `synchronous=FULL`). A job therefore runs at least once, and more than
//! once only if its process died between the runner's end and [`Store::finish`]
//! (reconciliation is idempotent, so that repeat is harmless).
//!
//! Blocking: every method is one short transaction (`now` and `today` are the caller's clock);
//! async callers wrap them in `spawn_blocking`.
//!
//! - this file: the handle [`Store`] that opens the engine a [`Database`] names, and errors;
//! - `sql.rs`: the seam between the logic and the engines (SQL text, parameters, rows);
//! - `queue.rs`: deliveries, the job queue, the schedule's ticks;
//! - `items.rs`: the items index and the closing day a done item keeps;
//! - `snapshots.rs`: the daily snapshots and the incident figures;
//! - `memory.rs`: what each repository's last job read (branch, blob ids);
//! - `sqlite.rs`, `postgres.rs`: the two engines (connections, migrations, dialect);
//! - `tls.rs`: TLS to PostgreSQL (`sslmode`, `sslrootcert`).

mod items;
mod memory;
pub mod postgres;
mod queue;
mod snapshots;
mod sql;
mod sqlite;
mod tls;

use std::any::Any;
use std::path::{Path, PathBuf};

pub use memory::Remembered;
pub use queue::{Depth, Job, JobFilter, JobState, Queued};

use sql::{Dialect, Engine, Tx};

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The delivery id was seen before: nothing changed.
    Duplicate,
    /// First time: recorded, and (if it carried a mark) queued.
    New(Option<Queued>),
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

/// The open store. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    engine: Box<dyn Engine>,
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path`, and queues again every job
    /// that was running when the previous process stopped (one process owns the file, so none
    /// of them is still running).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let store = Store {
            engine: Box::new(sqlite::Sqlite::open(path)?),
        };
        store
            .requeue_interrupted()
            .map_err(|error| StoreError::Unusable {
                database: path.display().to_string(),
                error: Box::new(error),
            })?;
        Ok(store)
    }

    /// Opens the database `db` names, applying its schema migrations.
    pub fn connect(db: &Database) -> Result<Store, StoreError> {
        match db {
            Database::Sqlite(path) => Store::open(path),
            Database::Postgres(url) => Ok(Store {
                engine: Box::new(postgres::Postgres::connect(url)?),
            }),
        }
    }

    /// Runs `f` in one transaction that may write.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Tx, &'static Dialect) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let dialect = self.engine.dialect();
        answer(self.engine.write(erase(f, dialect))?)
    }

    /// Runs `f` in one transaction that only reads.
    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Tx, &'static Dialect) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let dialect = self.engine.dialect();
        answer(self.engine.read(erase(f, dialect))?)
    }
}

/// `f` as an engine's call.
fn erase<T: Send + 'static>(
    f: impl FnOnce(&mut dyn Tx, &'static Dialect) -> Result<T, StoreError> + Send + 'static,
    dialect: &'static Dialect,
) -> sql::Call {
    Box::new(move |tx| f(tx, dialect).map(|t| Box::new(t) as Box<dyn Any + Send>))
}

/// The answer of a call made by [`erase`].
fn answer<T: 'static>(any: Box<dyn Any + Send>) -> Result<T, StoreError> {
    any.downcast::<T>()
        .map(|t| *t)
        .map_err(|_| StoreError::Task("a database call answered with another type".into()))
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
    /// [`Store::renew`], [`Store::finish`] or [`Store::defer`] of a job this claim no longer
    /// holds.
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
    /// A unique index refused a row: with PostgreSQL, another replica got there first.
    fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Postgres(e)
            if e.code() == Some(&::postgres::error::SqlState::UNIQUE_VIOLATION))
    }

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
