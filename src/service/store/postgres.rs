//! The PostgreSQL engine: any number of `serve` processes (replicas) share one database.
//!
//! - A job is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`: replicas claiming at once take
//!   different jobs, and none waits for another's claim (the [`Dialect`]'s `skip_locked`). The
//!   partial unique index `jobs_one_running` keeps one running job per repository across
//!   replicas; a claim that loses that race tries the next job.
//! - A mark is one `INSERT ... ON CONFLICT DO UPDATE`, a delivery one `INSERT ... ON CONFLICT
//!   DO NOTHING`: atomic whichever replica the forge reaches.
//! - The schedule's tick is a row: the first replica to insert it queues the follow-ups.
//! - Migrations run at start in one transaction under an advisory lock, so replicas starting
//!   together apply them once.
//!
//! Connections: a pool of [`CONNECTIONS`], each owned by a thread that runs the calls given to
//! it (the sync `postgres` client drives its own small runtime, which must not run inside the
//! service's; a call from any thread, async or not, only waits on a channel). Reads and writes
//! share the pool, so a dashboard read never waits behind one webhook's write. A connection
//! that broke is opened again for the next call. Each connection keeps its statements
//! prepared, so a statement costs one round trip after its first.

use std::any::Any;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement, Transaction};

use super::sql::{Call, Cell, Dialect, Engine, Param, Row, Tx};
use super::tls::{self, Tls};
use super::StoreError;

/// Connections per process: the workers' claims and ends, webhook writes and dashboard reads
/// at once, well under PostgreSQL's default 100 for a few replicas.
pub const CONNECTIONS: usize = 8;

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema's versions, each the statements that upgrade the one before.
/// 1: deliveries, jobs, items, snapshots, incidents, ticks; 2: what each repository's last job
/// read.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE deliveries (
        forge       TEXT NOT NULL,
        id          TEXT NOT NULL,
        event       TEXT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (forge, id)
    );
    CREATE INDEX deliveries_received ON deliveries (received_at);
    CREATE TABLE jobs (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        reason      TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        marks       BIGINT NOT NULL DEFAULT 1,
        attempts    BIGINT NOT NULL DEFAULT 0,
        created_at  TIMESTAMPTZ NOT NULL,
        started_at  TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        error       TEXT,
        lease_until TIMESTAMPTZ,
        not_before  TIMESTAMPTZ
    );
    CREATE UNIQUE INDEX jobs_one_queued ON jobs (forge, repo, reason) WHERE state = 'queued';
    CREATE UNIQUE INDEX jobs_one_running ON jobs (forge, repo) WHERE state = 'running';
    CREATE INDEX jobs_state ON jobs (state, id);
    CREATE TABLE items (
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        ord         BIGINT NOT NULL,
        key         TEXT NOT NULL,
        record      TEXT NOT NULL,
        PRIMARY KEY (forge, repo, ord)
    );
    CREATE TABLE snapshots (
        day         DATE NOT NULL,
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        done        BIGINT NOT NULL,
        open        BIGINT NOT NULL,
        overdue     BIGINT NOT NULL,
        PRIMARY KEY (day, forge, repo)
    );
    CREATE TABLE snapshot_counts (
        day         DATE NOT NULL,
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        state       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        severity    TEXT NOT NULL,
        n           BIGINT NOT NULL,
        PRIMARY KEY (day, forge, repo, state, kind, severity)
    );
    CREATE TABLE incidents (
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        ord         BIGINT NOT NULL,
        record      TEXT NOT NULL,
        PRIMARY KEY (forge, repo, ord)
    );
    CREATE TABLE ticks (at TIMESTAMPTZ PRIMARY KEY);
",
    "
    CREATE TABLE remembered (
        forge       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        branch      TEXT,
        seen        TEXT NOT NULL,
        PRIMARY KEY (forge, repo)
    );
",
];

/// The schema version this program writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock held while migrating ("pmt" and the issue that brought PostgreSQL).
const MIGRATION_LOCK: i64 = 0x706d_7416;

/// Replicas share the database: claims skip the rows another holds, and rows about to change
/// are locked.
static DIALECT: Dialect = Dialect {
    lock: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED",
    lock_repository: Some("SELECT pg_advisory_xact_lock(hashtext($1))"),
};

/// `url` with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            // A password can also be a query parameter.
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "password" { "***".into() } else { v };
                    (k.into_owned(), v.into_owned())
                })
                .collect();
            if !pairs.is_empty() {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        // Unparsable: show only the scheme, it may hold anything.
        Err(_) => format!(
            "{}://(unreadable URL)",
            url.split("://").next().unwrap_or("postgres")
        ),
    }
}

/// One of the pool's connections and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A call for one of the pool's connections; it gets the connection, or why there is none.
type Task = Box<dyn FnOnce(Result<&mut Conn, StoreError>) + Send>;

/// The PostgreSQL engine.
pub(super) struct Postgres {
    url: String,
    calls: mpsc::Sender<Task>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("url", &redact(&self.url))
            .finish()
    }
}

/// The URL as the client's configuration, with the defaults the service needs, and the TLS
/// its `sslmode` asks for.
fn config(url: &str) -> Result<(postgres::Config, Tls), StoreError> {
    let refused = |error: String| StoreError::Connect {
        url: redact(url),
        error,
    };
    let (url_for_client, tls) = tls::from_url(url).map_err(refused)?;
    let mut config: postgres::Config = url_for_client
        .parse()
        .map_err(|e: postgres::Error| refused(e.to_string()))?;
    if let Tls::On { mode, .. } = &tls {
        config.ssl_mode(*mode);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("postmortem-tracker");
    }
    Ok((config, tls))
}

/// `e` and its causes: the client says only "error performing TLS handshake", its cause says
/// which certificate check failed.
fn with_causes(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// One new connection.
fn open(config: &postgres::Config, tls: &Tls) -> Result<Client, postgres::Error> {
    match tls {
        Tls::Off => config.connect(NoTls),
        Tls::On { connector, .. } => config.connect(connector.clone()),
    }
}

/// One connection's thread: runs calls until the backend is dropped.
fn connection(
    url: String,
    (config, tls): (postgres::Config, Tls),
    calls: Arc<Mutex<mpsc::Receiver<Task>>>,
) {
    let mut client: Option<Conn> = None;
    loop {
        let task = {
            let calls = calls.lock().unwrap_or_else(|e| e.into_inner());
            match calls.recv() {
                Ok(t) => t,
                Err(_) => return, // the backend was dropped
            }
        };
        if client.as_ref().is_some_and(|c| c.client.is_closed()) {
            client = None;
        }
        if client.is_none() {
            match open(&config, &tls) {
                Ok(c) => {
                    client = Some(Conn {
                        client: c,
                        statements: HashMap::new(),
                    })
                }
                Err(e) => {
                    task(Err(StoreError::Connect {
                        url: redact(&url),
                        error: with_causes(&e),
                    }));
                    continue;
                }
            }
        }
        let c = client.as_mut().expect("connected above");
        // A panicking call must not take the connection's thread with it; its transaction
        // rolled back when it unwound.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| task(Ok(c))));
    }
}

impl Postgres {
    /// Connects to `url` (one connection opened now, the rest when needed) and applies the
    /// schema's migrations. Errors name the URL without its password.
    pub(super) fn connect(url: &str) -> Result<Postgres, StoreError> {
        let config = config(url)?;
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..CONNECTIONS {
            let (url, config, rx) = (url.to_string(), config.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("postgres-{i}"))
                .spawn(move || connection(url, config, rx))
                .map_err(|e| StoreError::Task(format!("cannot start a database thread: {e}")))?;
        }
        let pg = Postgres {
            url: url.to_string(),
            calls: tx,
        };
        pg.call(|c| Self::migrate(&mut c.client))
            .map_err(|error| match error {
                e @ StoreError::Connect { .. } => e,
                error => StoreError::Unusable {
                    database: redact(url),
                    error: Box::new(error),
                },
            })?;
        Ok(pg)
    }

    /// Runs `f` on one of the pool's connections and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let task: Task = Box::new(move |client| {
            let _ = tx.send(client.and_then(f));
        });
        self.calls
            .send(task)
            .map_err(|_| StoreError::Task("the database connections stopped".into()))?;
        rx.recv()
            .map_err(|_| StoreError::Task("a database call panicked".into()))?
    }

    fn migrate(c: &mut Client) -> Result<(), StoreError> {
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS postmortem_tracker_schema (version BIGINT NOT NULL)",
        )?;
        let version: i64 =
            match tx.query_opt("SELECT version FROM postmortem_tracker_schema", &[])? {
                Some(row) => row.get(0),
                None => {
                    tx.execute(
                        "INSERT INTO postmortem_tracker_schema (version) VALUES (0)",
                        &[],
                    )?;
                    0
                }
            };
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for step in MIGRATIONS.iter().skip(version.max(0) as usize) {
            tx.batch_execute(step)
                .map_err(StoreError::at("cannot create the tables"))?;
        }
        tx.execute(
            "UPDATE postmortem_tracker_schema SET version = $1",
            &[&SCHEMA_VERSION],
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Engine for Postgres {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn write(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError> {
        self.call(move |conn| {
            let mut tx = conn.client.transaction()?;
            let out = call(&mut PgTx {
                tx: &mut tx,
                statements: &mut conn.statements,
            })?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn read(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError> {
        // A transaction too: several queries read the same moment.
        self.write(call)
    }
}

/// A transaction on one of the pool's connections.
struct PgTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_, '_> {
    /// `sql` prepared, once per connection (prepared statements outlive transactions).
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

/// `p` as the client binds it.
fn bound(p: &Param) -> Box<dyn ToSql + Sync + Send> {
    match p {
        Param::Text(s) => Box::new(s.clone()),
        Param::Int(n) => Box::new(*n),
        Param::Time(t) => Box::new(*t),
        Param::Day(d) => Box::new(*d),
    }
}

/// Runs `f` with `params` bound.
fn with_bound<T>(params: &[Param], f: impl FnOnce(&[&(dyn ToSql + Sync)]) -> T) -> T {
    let owned: Vec<_> = params.iter().map(bound).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = owned
        .iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect();
    f(&refs)
}

/// Column `i` of `r` as a cell, by its type.
fn cell(r: &postgres::Row, i: usize) -> Result<Cell, postgres::Error> {
    fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Cell) -> Cell {
        v.map_or(Cell::Null, f)
    }
    let ty = r.columns()[i].type_();
    Ok(if *ty == Type::INT8 {
        opt(r.try_get::<_, Option<i64>>(i)?, Cell::Int)
    } else if *ty == Type::INT4 {
        opt(r.try_get::<_, Option<i32>>(i)?, |n| Cell::Int(n.into()))
    } else if *ty == Type::BOOL {
        opt(r.try_get::<_, Option<bool>>(i)?, Cell::Bool)
    } else if *ty == Type::TIMESTAMPTZ {
        opt(r.try_get::<_, Option<DateTime<Utc>>>(i)?, Cell::Time)
    } else if *ty == Type::DATE {
        opt(r.try_get::<_, Option<NaiveDate>>(i)?, Cell::Day)
    } else {
        // Text, and anything else the client can read as text (it says when it cannot).
        opt(r.try_get::<_, Option<String>>(i)?, Cell::Text)
    })
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        Ok(with_bound(params, |p| self.tx.execute(&st, p))?)
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(sql)?;
        let rows = with_bound(params, |p| self.tx.query(&st, p))?;
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| cell(r, i))
                    .collect::<Result<_, _>>()
                    .map(Row)
            })
            .collect::<Result<_, _>>()?)
    }
}

/// The environment variable naming the PostgreSQL server the tests and benches use (a URL
/// whose user may create databases); `.ci/run` sets it to a throwaway cluster.
pub const TEST_DATABASE_URL: &str = "POSTMORTEM_TRACKER_TEST_DATABASE_URL";

/// A new, empty database on a PostgreSQL server, dropped when this value is: each test (and
/// bench) gets its own.
#[derive(Debug)]
pub struct ScratchDatabase {
    /// The new database's URL.
    pub url: String,
    server: String,
    name: String,
}

/// Runs `f` on a thread of its own: the sync client must not run inside an async runtime,
/// and tests call this from one.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("a database setup thread panicked"))
}

impl ScratchDatabase {
    /// A new database on the server of [`TEST_DATABASE_URL`]; `None` when it is not set (the
    /// caller says it skips).
    pub fn from_env() -> Option<ScratchDatabase> {
        let server = std::env::var(TEST_DATABASE_URL).ok()?;
        Some(ScratchDatabase::create(&server).unwrap_or_else(|e| {
            panic!("{TEST_DATABASE_URL} is set but no database can be created there: {e}")
        }))
    }

    /// A new database on the server at `server`.
    pub fn create(server: &str) -> Result<ScratchDatabase, StoreError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "pmt_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            Utc::now().timestamp_micros()
        );
        let (config, tls) = config(server)?;
        off_runtime(|| -> Result<(), StoreError> {
            let mut c = open(&config, &tls).map_err(|e| StoreError::Connect {
                url: redact(server),
                error: with_causes(&e),
            })?;
            c.batch_execute(&format!("CREATE DATABASE {name}"))?;
            Ok(())
        })?;
        let mut url = url::Url::parse(server).map_err(|e| StoreError::Connect {
            url: redact(server),
            error: e.to_string(),
        })?;
        url.set_path(&format!("/{name}"));
        Ok(ScratchDatabase {
            url: url.to_string(),
            server: server.to_string(),
            name,
        })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (server, name) = (&self.server, &self.name);
        off_runtime(|| {
            if let Ok((config, tls)) = config(server) {
                if let Ok(mut c) = open(&config, &tls) {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        });
    }
}
