//! The PostgreSQL backend: any number of `serve` processes (replicas) share one database.
//!
//! - A job is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`: replicas claiming at once take
//!   different jobs, and none waits for another's claim. The partial unique index
//!   `jobs_one_running` keeps one running job per repository across replicas; a claim that
//!   loses that race tries the next job.
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
//! that broke is opened again for the next call.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use postgres::error::SqlState;
use postgres::{Client, NoTls, Transaction};

use super::items::{parse_json, settle_closing_days, stored_closing_day};
use super::queue::{depth_of, parse_forge, JobRow};
use super::snapshots::{assemble, groups_of, GroupRow, TotalRow};
use super::{Backend, Depth, Job, JobFilter, JobState, Queued, Recorded, StoreError};
use crate::report::IncidentFigures;
use crate::service::index::{Counts, ItemRecord, Snapshot};
use crate::service::webhook::{Forge, Mark};

/// Connections per process: the workers' claims and ends, webhook writes and dashboard reads
/// at once, well under PostgreSQL's default 100 for a few replicas.
pub const CONNECTIONS: usize = 8;

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema's versions, each the statements that upgrade the one before.
const MIGRATIONS: &[&str] = &["
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
"];

/// The schema version this program writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock held while migrating ("pmt" and the issue that brought PostgreSQL).
const MIGRATION_LOCK: i64 = 0x706d_7416;

const JOB_COLUMNS: &str = "id, forge, repo, reason, state, marks, attempts, created_at, \
                           started_at, finished_at, error, not_before";

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

/// A call for one of the pool's connections; it gets the connection, or why there is none.
type Task = Box<dyn FnOnce(Result<&mut Client, StoreError>) + Send>;

/// The PostgreSQL backend.
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

/// The URL as the client's configuration, with the defaults the service needs.
fn config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config =
        url.parse()
            .map_err(|e: postgres::Error| StoreError::Connect {
                url: redact(url),
                error: e.to_string(),
            })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("postmortem-tracker");
    }
    Ok(config)
}

/// One connection's thread: runs calls until the backend is dropped.
fn connection(url: String, config: postgres::Config, calls: Arc<Mutex<mpsc::Receiver<Task>>>) {
    let mut client: Option<Client> = None;
    loop {
        let task = {
            let calls = calls.lock().unwrap_or_else(|e| e.into_inner());
            match calls.recv() {
                Ok(t) => t,
                Err(_) => return, // the backend was dropped
            }
        };
        if client.as_ref().is_some_and(Client::is_closed) {
            client = None;
        }
        if client.is_none() {
            match config.connect(NoTls) {
                Ok(c) => client = Some(c),
                Err(e) => {
                    task(Err(StoreError::Connect {
                        url: redact(&url),
                        error: e.to_string(),
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
        pg.call(Self::migrate).map_err(|error| match error {
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
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send + 'static,
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

    /// Runs `f` in one transaction on one of the pool's connections.
    fn transaction<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.call(move |c| {
            let mut tx = c.transaction()?;
            let t = f(&mut tx)?;
            tx.commit()?;
            Ok(t)
        })
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

    /// The queued job for a repository and reason, locked.
    fn waiting(tx: &mut Transaction<'_>, m: &Mark) -> Result<Option<i64>, StoreError> {
        Ok(tx
            .query_opt(
                "SELECT id FROM jobs WHERE state = 'queued' AND forge = $1 AND repo = $2 AND reason = $3 FOR UPDATE",
                &[&m.forge.as_str(), &m.repo, &m.reason.as_str()],
            )?
            .map(|r| r.get(0)))
    }

    fn mark_in(
        tx: &mut Transaction<'_>,
        m: &Mark,
        now: DateTime<Utc>,
    ) -> Result<Queued, StoreError> {
        let row = tx.query_one(
            "INSERT INTO jobs (forge, repo, reason, state, created_at) VALUES ($1, $2, $3, 'queued', $4)
             ON CONFLICT (forge, repo, reason) WHERE state = 'queued'
             DO UPDATE SET marks = jobs.marks + 1
             RETURNING id, (xmax = 0)",
            &[&m.forge.as_str(), &m.repo, &m.reason.as_str(), &now],
        )?;
        let (id, inserted): (i64, bool) = (row.get(0), row.get(1));
        Ok(if inserted {
            Queued::New(id)
        } else {
            Queued::Coalesced(id)
        })
    }

    fn row(r: &postgres::Row) -> JobRow {
        JobRow {
            id: r.get(0),
            forge: r.get(1),
            repo: r.get(2),
            reason: r.get(3),
            state: r.get(4),
            marks: r.get(5),
            attempts: r.get(6),
            created_at: r.get(7),
            started_at: r.get(8),
            finished_at: r.get(9),
            error: r.get(10),
            not_before: r.get(11),
        }
    }

    /// One claim attempt: `Err` with a unique violation when another replica started a job
    /// of the same repository meanwhile.
    fn claim_once(
        c: &mut Client,
        now: DateTime<Utc>,
        lease: TimeDelta,
    ) -> Result<Option<JobRow>, postgres::Error> {
        let mut tx = c.transaction()?;
        let Some(row) = tx.query_opt(
            "SELECT j.id FROM jobs j
             WHERE (j.state = 'queued' AND (j.not_before IS NULL OR j.not_before <= $1)
                    AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running'
                                    AND r.forge = j.forge AND r.repo = j.repo))
                OR (j.state = 'running' AND j.lease_until < $1)
             ORDER BY j.id LIMIT 1
             FOR UPDATE SKIP LOCKED",
            &[&now],
        )?
        else {
            return Ok(None);
        };
        let id: i64 = row.get(0);
        let row = tx.query_one(
            &format!(
                "UPDATE jobs SET state = 'running', started_at = $1, lease_until = $2,
                     not_before = NULL, attempts = attempts + 1
                 WHERE id = $3 RETURNING {JOB_COLUMNS}"
            ),
            &[&now, &(now + lease), &id],
        )?;
        tx.commit()?;
        Ok(Some(Self::row(&row)))
    }
}

/// `NotRunning` when no row was changed.
fn held(n: u64, id: i64) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotRunning(id))
    } else {
        Ok(())
    }
}

impl Backend for Postgres {
    fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let (id, event, mark) = (delivery_id.to_string(), event.to_string(), mark.cloned());
        self.transaction(move |tx| {
            let inserted = tx.execute(
                "INSERT INTO deliveries (forge, id, event, received_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&forge.as_str(), &id, &event, &now],
            )?;
            if inserted == 0 {
                return Ok(Recorded::Duplicate);
            }
            let queued = match &mark {
                Some(m) => Some(Self::mark_in(tx, m, now)?),
                None => None,
            };
            Ok(Recorded::New(queued))
        })
        .map_err(StoreError::at("cannot record the delivery"))
    }

    fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.transaction(move |tx| {
            tx.execute("DELETE FROM ticks WHERE at < $1", &[&before])?;
            Ok(tx.execute("DELETE FROM deliveries WHERE received_at < $1", &[&before])? as usize)
        })
    }

    fn has_delivery(&self, forge: Forge, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.call(move |c| {
            Ok(c.query_opt(
                "SELECT 1 FROM deliveries WHERE forge = $1 AND id = $2",
                &[&forge.as_str(), &id],
            )?
            .is_some())
        })
    }

    fn mark(&self, mark: &Mark, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        let mark = mark.clone();
        self.transaction(move |tx| Self::mark_in(tx, &mark, now))
    }

    fn claim(&self, now: DateTime<Utc>, lease: TimeDelta) -> Result<Option<Job>, StoreError> {
        self.call(move |c| {
            // Each lost race means another replica just started a job: a few tries find the
            // next free one.
            for _ in 0..8 {
                match Self::claim_once(c, now, lease) {
                    Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => continue,
                    other => return other?.map(JobRow::into_job).transpose(),
                }
            }
            Ok(None)
        })
    }

    fn renew(&self, job: &Job, until: DateTime<Utc>) -> Result<(), StoreError> {
        let (id, attempts) = (job.id, job.attempts);
        let n = self.call(move |c| {
            Ok(c.execute(
                "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND attempts = $3 AND state = 'running'",
                &[&until, &id, &attempts],
            )?)
        })?;
        held(n, id)
    }

    fn finish(
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
        let n = self.call(move |c| {
            Ok(c.execute(
                "UPDATE jobs SET state = $1, error = $2, finished_at = $3, lease_until = NULL
                 WHERE id = $4 AND attempts = $5 AND state = 'running'",
                &[&state, &error, &now, &id, &attempts],
            )?)
        })?;
        held(n, id)
    }

    fn defer(
        &self,
        job: &Job,
        not_before: DateTime<Utc>,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (job, why) = (job.clone(), why.to_string());
        self.transaction(move |tx| {
            let n = match Self::waiting(tx, &job.mark)? {
                Some(other) => {
                    tx.execute(
                        "UPDATE jobs SET marks = marks + $1,
                             not_before = GREATEST(COALESCE(not_before, $2), $2) WHERE id = $3",
                        &[&job.marks, &not_before, &other],
                    )?;
                    let error = format!(
                        "{why}; merged into job {other}, which waits until {}",
                        not_before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                    );
                    tx.execute(
                        "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = $3, error = $4
                         WHERE id = $1 AND attempts = $2 AND state = 'running'",
                        &[&job.id, &job.attempts, &now, &error],
                    )?
                }
                None => tx.execute(
                    "UPDATE jobs SET state = 'queued', lease_until = NULL, not_before = $3, error = $4
                     WHERE id = $1 AND attempts = $2 AND state = 'running'",
                    &[&job.id, &job.attempts, &not_before, &why],
                )?,
            };
            held(n, job.id)
        })
    }

    fn job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        self.call(move |c| {
            c.query_opt(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                &[&id],
            )?
            .map(|r| Self::row(&r).into_job())
            .transpose()
        })
    }

    fn jobs(&self, filter: &JobFilter, limit: usize) -> Result<Vec<Job>, StoreError> {
        let filter = filter.clone();
        self.call(move |c| {
            c.query(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE ($1::text IS NULL OR forge = $1) AND ($2::text IS NULL OR repo = $2)
                       AND ($3::text IS NULL OR state = $3)
                     ORDER BY id DESC LIMIT $4"
                ),
                &[
                    &filter.forge.map(Forge::as_str),
                    &filter.repo,
                    &filter.state.map(JobState::as_str),
                    &(limit as i64),
                ],
            )?
            .iter()
            .map(|r| Self::row(r).into_job())
            .collect()
        })
    }

    fn depth(&self) -> Result<Depth, StoreError> {
        let rows = self.call(|c| {
            Ok(
                c.query("SELECT state, COUNT(*) FROM jobs GROUP BY state", &[])?
                    .iter()
                    .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                    .collect::<Vec<_>>(),
            )
        })?;
        depth_of(rows)
    }

    fn known_repositories(&self) -> Result<Vec<(Forge, String)>, StoreError> {
        self.call(|c| {
            c.query(
                "SELECT DISTINCT forge, repo FROM jobs ORDER BY forge, repo",
                &[],
            )?
            .iter()
            .map(|r| Ok((parse_forge(r.get(0))?, r.get(1))))
            .collect()
        })
    }

    fn tick(
        &self,
        at: DateTime<Utc>,
        marks: &[Mark],
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        let marks = marks.to_vec();
        self.transaction(move |tx| {
            if tx.execute(
                "INSERT INTO ticks (at) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&at],
            )? == 0
            {
                return Ok(None);
            }
            for m in &marks {
                Self::mark_in(tx, m, now)?;
            }
            Ok(Some(marks.len()))
        })
    }

    fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        mut records: Vec<ItemRecord>,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let repo = repo.to_string();
        self.transaction(move |tx| {
            // Two runs of one repository (a lease that ran out under a slow job) replace the
            // index one after the other, never interleaved.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                &[&format!("{}:{repo}", forge.as_str())],
            )?;
            let before: HashMap<String, Option<NaiveDate>> = tx
                .query(
                    "SELECT key, record FROM items WHERE forge = $1 AND repo = $2",
                    &[&forge.as_str(), &repo],
                )?
                .iter()
                .map(|r| (r.get(0), stored_closing_day(r.get(1))))
                .collect();
            let c = settle_closing_days(&mut records, &before, today);
            tx.execute(
                "DELETE FROM items WHERE forge = $1 AND repo = $2",
                &[&forge.as_str(), &repo],
            )?;
            let insert = tx.prepare(
                "INSERT INTO items (forge, repo, ord, key, record) VALUES ($1, $2, $3, $4, $5)",
            )?;
            for (i, r) in records.iter().enumerate() {
                let json = serde_json::to_string(r).map_err(StoreError::Encode)?;
                tx.execute(
                    &insert,
                    &[&forge.as_str(), &repo, &(i as i64), &r.key, &json],
                )?;
            }
            tx.execute(
                "INSERT INTO snapshots (day, forge, repo, done, open, overdue) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (day, forge, repo) DO UPDATE
                 SET done = EXCLUDED.done, open = EXCLUDED.open, overdue = EXCLUDED.overdue",
                &[
                    &today,
                    &forge.as_str(),
                    &repo,
                    &(c.done as i64),
                    &(c.open as i64),
                    &(c.overdue as i64),
                ],
            )?;
            tx.execute(
                "DELETE FROM snapshot_counts WHERE day = $1 AND forge = $2 AND repo = $3",
                &[&today, &forge.as_str(), &repo],
            )?;
            let insert = tx.prepare(
                "INSERT INTO snapshot_counts (day, forge, repo, state, kind, severity, n)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?;
            for ((state, kind, severity), n) in groups_of(&records) {
                tx.execute(
                    &insert,
                    &[&today, &forge.as_str(), &repo, &state, &kind, &severity, &n],
                )?;
            }
            Ok(())
        })
        .map_err(StoreError::at("cannot save the items"))
    }

    fn items(&self) -> Result<Vec<ItemRecord>, StoreError> {
        self.call(|c| {
            c.query(
                "SELECT forge, repo, ord, record FROM items ORDER BY forge, repo, ord",
                &[],
            )?
            .iter()
            .map(|r| parse_json("item", r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
        })
    }

    fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let key = |r: &postgres::Row| -> [String; 3] {
            [r.get::<_, NaiveDate>(0).to_string(), r.get(1), r.get(2)]
        };
        let (groups, totals) = self.transaction(move |tx| {
            // One transaction: the groups and the totals of the same moment.
            let groups: Vec<GroupRow> = tx
                .query(
                    "SELECT day, forge, repo, state, kind, severity, n FROM snapshot_counts
                     ORDER BY day, forge, repo, state, kind, severity",
                    &[],
                )?
                .iter()
                .map(|r| (key(r), [r.get(3), r.get(4), r.get(5)], r.get(6)))
                .collect();
            let totals: Vec<TotalRow> = tx
                .query(
                    "SELECT day, forge, repo, done, open, overdue FROM snapshots ORDER BY day, forge, repo",
                    &[],
                )?
                .iter()
                .map(|r| {
                    (
                        key(r),
                        Counts {
                            done: r.get::<_, i64>(3).max(0) as u64,
                            open: r.get::<_, i64>(4).max(0) as u64,
                            overdue: r.get::<_, i64>(5).max(0) as u64,
                        },
                    )
                })
                .collect();
            Ok((groups, totals))
        })?;
        assemble(groups, totals)
    }

    fn replace_incidents(
        &self,
        forge: Forge,
        repo: &str,
        incidents: &[IncidentFigures],
    ) -> Result<(), StoreError> {
        let repo = repo.to_string();
        let json = incidents
            .iter()
            .map(|f| serde_json::to_string(f).map_err(StoreError::Encode))
            .collect::<Result<Vec<_>, _>>()?;
        self.transaction(move |tx| {
            tx.execute(
                "DELETE FROM incidents WHERE forge = $1 AND repo = $2",
                &[&forge.as_str(), &repo],
            )?;
            let insert = tx.prepare(
                "INSERT INTO incidents (forge, repo, ord, record) VALUES ($1, $2, $3, $4)",
            )?;
            for (i, j) in json.iter().enumerate() {
                tx.execute(&insert, &[&forge.as_str(), &repo, &(i as i64), j])?;
            }
            Ok(())
        })
        .map_err(StoreError::at("cannot save the incident figures"))
    }

    fn incidents(&self) -> Result<Vec<IncidentFigures>, StoreError> {
        self.call(|c| {
            c.query(
                "SELECT forge, repo, ord, record FROM incidents ORDER BY forge, repo, ord",
                &[],
            )?
            .iter()
            .map(|r| parse_json("incident", r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
        })
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
        let config = config(server)?;
        off_runtime(|| -> Result<(), StoreError> {
            let mut c = config.connect(NoTls).map_err(|e| StoreError::Connect {
                url: redact(server),
                error: e.to_string(),
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
            if let Ok(config) = config(server) {
                if let Ok(mut c) = config.connect(NoTls) {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        });
    }
}
