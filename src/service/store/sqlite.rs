//! The embedded engine: one SQLite file, one process. Writes go through one connection, in
//! `IMMEDIATE` transactions (one at a time, so the dialect needs no row locks); reads
//! (dashboard, exports, metrics, the run history) through a second one, so that they never
//! wait behind a webhook's write transaction (WAL lets them read the last commit meanwhile).
//!
//! Times are stored as RFC 3339 text in UTC with microseconds, which sorts as time does.

use std::any::Any;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, TransactionBehavior};

use super::sql::{ts, Call, Cell, Dialect, Engine, Param, Row, Tx};
use super::StoreError;

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
    // 5: what each repository's last job read.
    "CREATE TABLE IF NOT EXISTS remembered (
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        branch      TEXT,
        seen        TEXT NOT NULL,
        PRIMARY KEY (forge, repo)
    );",
];

/// The schema version this program writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Statements kept prepared per connection: more than the store has texts.
const STATEMENT_CACHE: usize = 64;

/// Write transactions run one at a time: nothing to lock.
static DIALECT: Dialect = Dialect {
    lock: "",
    skip_locked: "",
    lock_repository: None,
};

/// The SQLite engine.
#[derive(Debug)]
pub(super) struct Sqlite {
    /// Every write, and reads inside a write.
    write: Mutex<Connection>,
    /// Reads outside a write.
    read: Mutex<Connection>,
}

/// A poisoned lock still guards a good connection: a panic while holding it cannot leave
/// SQLite half-written (the transaction rolls back on drop).
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and upgrades its schema.
    pub(super) fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let open = |path: &Path| -> Result<Connection, StoreError> {
            let conn = Connection::open(path).map_err(|error| StoreError::Open {
                path: path.to_path_buf(),
                error,
            })?;
            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            Ok(conn)
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
        Ok(Sqlite {
            write: Mutex::new(write),
            read: Mutex::new(read),
        })
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
}

impl Engine for Sqlite {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn write(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError> {
        let mut conn = lock(&self.write);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = call(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    fn read(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError> {
        let mut conn = lock(&self.read);
        // A transaction, so that several queries read the same moment.
        let tx = conn.transaction()?;
        let out = call(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(out)
    }
}

/// A transaction's connection.
struct SqliteTx<'a>(&'a Connection);

/// The shared SQL's `$N` parameters as SQLite's `?N` (the SQL has no other `$`).
fn dialect_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn value(p: &Param) -> Value {
    match p {
        Param::Text(Some(s)) => Value::Text(s.clone()),
        Param::Int(n) => Value::Integer(*n),
        Param::Time(Some(t)) => Value::Text(ts(*t)),
        Param::Day(d) => Value::Text(d.to_string()),
        Param::Text(None) | Param::Time(None) => Value::Null,
    }
}

fn cell(v: ValueRef<'_>) -> Result<Cell, StoreError> {
    Ok(match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Text(t) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Unreadable(format!("a text in the database: {e}")))?
                .to_string(),
        ),
        ValueRef::Real(_) | ValueRef::Blob(_) => {
            return Err(StoreError::Unreadable(format!(
                "a value of type {} where the store keeps none",
                v.data_type()
            )))
        }
    })
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(&dialect_sql(sql))?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter().map(value)))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.0.prepare_cached(&dialect_sql(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(value)))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Row((0..n)
                .map(|i| cell(r.get_ref(i)?))
                .collect::<Result<_, _>>()?));
        }
        Ok(out)
    }
}
