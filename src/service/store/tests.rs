//! The store's behaviour, run against both backends where it is the same (`both_backends!`):
//! SQLite in a temporary file, PostgreSQL in a new database on the server
//! [`postgres::TEST_DATABASE_URL`] names (skipped, saying so, when it is not set).

use super::postgres::{ScratchDatabase, TEST_DATABASE_URL};
use super::*;
use crate::render::context::ItemState;
use crate::service::index::{test_record, Counts, ItemRecord};
use crate::service::webhook::{Forge, Mark, Reason};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rusqlite::Connection;
use std::sync::Arc;

const LEASE: TimeDelta = TimeDelta::seconds(60);

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

/// A claim with the default lease.
fn claim(s: &Store, now: DateTime<Utc>) -> Option<Job> {
    s.claim(now, LEASE).unwrap()
}

fn temp() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("service.sqlite");
    (dir, path)
}

/// Where a test's store lives; kept alive as long as the test.
enum Place {
    Sqlite(#[allow(dead_code)] tempfile::TempDir, PathBuf),
    Postgres(ScratchDatabase),
}

/// A test's store, and what another process would open to reach the same data.
struct Fixture {
    place: Place,
    store: Arc<Store>,
}

impl Fixture {
    fn sqlite() -> Fixture {
        let (dir, path) = temp();
        let store = Arc::new(Store::open(&path).unwrap());
        Fixture {
            place: Place::Sqlite(dir, path),
            store,
        }
    }

    fn postgres() -> Option<Fixture> {
        let db = ScratchDatabase::from_env()?;
        let store = Arc::new(Store::connect(&Database::Postgres(db.url.clone())).unwrap());
        Some(Fixture {
            place: Place::Postgres(db),
            store,
        })
    }

    fn database(&self) -> Database {
        match &self.place {
            Place::Sqlite(_, path) => Database::Sqlite(path.clone()),
            Place::Postgres(db) => Database::Postgres(db.url.clone()),
        }
    }

    /// Another replica's store on the same data (PostgreSQL); with SQLite, whose file one
    /// process owns, the same store.
    fn replica(&self) -> Arc<Store> {
        match &self.place {
            Place::Sqlite(..) => self.store.clone(),
            Place::Postgres(db) => {
                Arc::new(Store::connect(&Database::Postgres(db.url.clone())).unwrap())
            }
        }
    }

    /// The data opened again, as a restarted process does.
    fn reopen(&self) -> Result<Store, StoreError> {
        Store::connect(&self.database())
    }
}

impl std::ops::Deref for Fixture {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store.as_ref()
    }
}

fn skip() {
    eprintln!(
        "skipped: {TEST_DATABASE_URL} is not set (.ci/run starts a PostgreSQL server and sets it)"
    );
}

/// Runs each `fn name(f: Fixture)` of this module once per backend, as `name::sqlite` and
/// `name::postgres`.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Fixture::sqlite())
            }

            #[test]
            fn postgres() {
                match super::Fixture::postgres() {
                    Some(f) => super::$name(f),
                    None => super::skip(),
                }
            }
        }
    )*};
}

both_backends!(
    deliveries_are_deduplicated_and_marks_coalesce,
    one_running_job_per_repository_many_repositories_at_once,
    marks_while_running_queue_exactly_one_more_run,
    prune_forgets_old_deliveries,
    finishing_a_job_that_is_not_running_names_it,
    items_are_replaced_per_repository_and_keep_their_closing_day,
    an_expired_lease_is_claimed_again_and_the_old_claim_cannot_end_it,
    a_renewed_lease_keeps_the_job,
    a_deferred_job_waits_for_its_time_then_runs,
    a_deferred_job_joins_the_one_waiting,
    a_tick_queues_its_follow_ups_once_across_stores,
    concurrent_claims_take_each_job_once,
    snapshots_keep_their_groups_and_incidents_are_replaced,
    what_a_job_read_is_kept_per_repository,
);

fn deliveries_are_deduplicated_and_marks_coalesce(s: Fixture) {
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

fn one_running_job_per_repository_many_repositories_at_once(s: Fixture) {
    s.mark(&mark("a/one", Reason::Sync), t(0)).unwrap();
    s.mark(&mark("a/one", Reason::Followup), t(1)).unwrap();
    s.mark(&mark("b/two", Reason::Sync), t(2)).unwrap();
    let j1 = claim(&s, t(3)).unwrap();
    assert_eq!(j1.mark, mark("a/one", Reason::Sync));
    assert_eq!(j1.state, JobState::Running);
    // a/one's follow-up must wait; b/two may start.
    let j2 = claim(&s, t(3)).unwrap();
    assert_eq!(j2.mark.repo, "b/two");
    assert_eq!(claim(&s, t(3)), None);
    s.finish(&j1, Ok(()), t(4)).unwrap();
    let j3 = claim(&s, t(5)).unwrap();
    assert_eq!(j3.mark, mark("a/one", Reason::Followup));
    s.finish(&j2, Err("boom".into()), t(6)).unwrap();
    s.finish(&j3, Ok(()), t(6)).unwrap();
    assert!(s.finish(&j3, Ok(()), t(7)).is_err(), "finishing twice");
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

fn marks_while_running_queue_exactly_one_more_run(s: Fixture) {
    let m = mark("acme/svc", Reason::Sync);
    s.mark(&m, t(0)).unwrap();
    let running = claim(&s, t(1)).unwrap();
    let a = s.mark(&m, t(2)).unwrap();
    let b = s.mark(&m, t(3)).unwrap();
    assert!(matches!(a, Queued::New(_)));
    assert_eq!(b, Queued::Coalesced(a.job_id()));
    assert_eq!(claim(&s, t(4)), None, "never two in parallel");
    s.finish(&running, Ok(()), t(5)).unwrap();
    let next = claim(&s, t(6)).unwrap();
    assert_eq!((next.id, next.marks), (a.job_id(), 2));
    s.finish(&next, Ok(()), t(7)).unwrap();
    assert_eq!(claim(&s, t(8)), None);
}

fn prune_forgets_old_deliveries(s: Fixture) {
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

fn finishing_a_job_that_is_not_running_names_it(s: Fixture) {
    let Queued::New(id) = s.mark(&mark("acme/svc", Reason::Sync), t(0)).unwrap() else {
        panic!("a new job")
    };
    let queued = s.job(id).unwrap().unwrap();
    assert_eq!(
        s.finish(&queued, Ok(()), t(1)).unwrap_err().to_string(),
        format!("job {id} is not running under this claim")
    );
    assert_eq!(s.job(id).unwrap().unwrap().state, JobState::Queued);
}

fn items_are_replaced_per_repository_and_keep_their_closing_day(s: Fixture) {
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
    // Read by a restarted process.
    let s = s.reopen().unwrap();
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

fn an_expired_lease_is_claimed_again_and_the_old_claim_cannot_end_it(s: Fixture) {
    let m = mark("acme/svc", Reason::Sync);
    s.mark(&m, t(0)).unwrap();
    let first = s.claim(t(1), TimeDelta::seconds(10)).unwrap().unwrap();
    // Another replica, before and after the lease's end.
    let other = s.replica();
    assert_eq!(other.claim(t(10), LEASE).unwrap(), None, "still leased");
    let again = other.claim(t(12), LEASE).unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (first.id, 2));
    assert_eq!(again.started_at, Some(t(12)));
    // The first claim woke up: it can neither keep nor end the job.
    assert!(matches!(
        s.renew(&first, t(13) + LEASE),
        Err(StoreError::NotRunning(id)) if id == first.id
    ));
    assert!(s.finish(&first, Err("late".into()), t(13)).is_err());
    other.finish(&again, Ok(()), t(14)).unwrap();
    let job = s.job(first.id).unwrap().unwrap();
    assert_eq!((job.state, job.error), (JobState::Done, None));
}

fn a_renewed_lease_keeps_the_job(s: Fixture) {
    s.mark(&mark("acme/svc", Reason::Sync), t(0)).unwrap();
    let job = s.claim(t(1), TimeDelta::seconds(10)).unwrap().unwrap();
    s.renew(&job, t(30)).unwrap();
    let other = s.replica();
    assert_eq!(other.claim(t(20), LEASE).unwrap(), None);
    assert!(other.claim(t(31), LEASE).unwrap().is_some());
}

fn a_deferred_job_waits_for_its_time_then_runs(s: Fixture) {
    let m = mark("acme/svc", Reason::Sync);
    s.mark(&m, t(0)).unwrap();
    s.mark(&mark("b/two", Reason::Sync), t(0)).unwrap();
    let job = claim(&s, t(1)).unwrap();
    s.defer(&job, t(40), "rate limited until the reset", t(2))
        .unwrap();
    let waiting = s.job(job.id).unwrap().unwrap();
    assert_eq!(
        (waiting.state, waiting.not_before, waiting.error.as_deref()),
        (
            JobState::Queued,
            Some(t(40)),
            Some("rate limited until the reset")
        )
    );
    // Not before its time; other repositories go on meanwhile.
    assert_eq!(claim(&s, t(3)).unwrap().mark.repo, "b/two");
    assert_eq!(claim(&s, t(39)), None);
    let later = claim(&s, t(40)).unwrap();
    assert_eq!((later.id, later.attempts), (job.id, 2));
    assert!(
        s.defer(&job, t(50), "stale claim", t(41)).is_err(),
        "only the claim holding it"
    );
    s.finish(&later, Ok(()), t(42)).unwrap();
}

fn a_deferred_job_joins_the_one_waiting(s: Fixture) {
    let m = mark("acme/svc", Reason::Sync);
    s.mark(&m, t(0)).unwrap();
    let job = claim(&s, t(1)).unwrap();
    let waiting = s.mark(&m, t(2)).unwrap().job_id();
    s.defer(&job, t(40), "rate limited", t(3)).unwrap();
    let old = s.job(job.id).unwrap().unwrap();
    assert_eq!(old.state, JobState::Failed);
    assert!(
        old.error
            .as_deref()
            .unwrap()
            .starts_with(&format!("rate limited; merged into job {waiting}")),
        "{:?}",
        old.error
    );
    let w = s.job(waiting).unwrap().unwrap();
    assert_eq!((w.marks, w.not_before), (2, Some(t(40))));
    assert_eq!(claim(&s, t(39)), None);
    assert_eq!(claim(&s, t(40)).unwrap().id, waiting);
}

fn a_tick_queues_its_follow_ups_once_across_stores(s: Fixture) {
    let marks = [
        mark("a/one", Reason::Followup),
        mark("b/two", Reason::Followup),
    ];
    let other = s.replica();
    assert_eq!(s.tick(t(0), &marks, t(0)).unwrap(), Some(2));
    assert_eq!(other.tick(t(0), &marks, t(1)).unwrap(), None);
    assert_eq!(s.depth().unwrap().queued, 2);
    let jobs = s.recent_jobs(10).unwrap();
    assert!(jobs.iter().all(|j| j.marks == 1), "{jobs:?}");
    // The next tick is another tick.
    assert_eq!(other.tick(t(10), &marks, t(10)).unwrap(), Some(2));
    // Old ticks go with old delivery ids.
    s.prune_deliveries(t(5)).unwrap();
    assert_eq!(other.tick(t(0), &[], t(11)).unwrap(), Some(0));
}

fn concurrent_claims_take_each_job_once(s: Fixture) {
    for i in 0..40 {
        s.mark(&mark(&format!("r/{}", i % 10), Reason::Sync), t(0))
            .unwrap();
        s.mark(&mark(&format!("r/{}", i % 10), Reason::Followup), t(0))
            .unwrap();
    }
    let stores: Vec<Arc<Store>> = (0..3).map(|_| s.replica()).collect();
    let claimed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for store in &stores {
            let claimed = &claimed;
            scope.spawn(move || {
                let mut idle = 0;
                while idle < 20 {
                    match store.claim(t(1), LEASE).unwrap() {
                        Some(job) => {
                            idle = 0;
                            claimed.lock().unwrap().push(job.id);
                            store.finish(&job, Ok(()), t(2)).unwrap();
                        }
                        None => {
                            idle += 1;
                            std::thread::sleep(std::time::Duration::from_millis(5));
                        }
                    }
                }
            });
        }
    });
    let mut ids = claimed.into_inner().unwrap();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!((n, ids.len()), (20, 20), "each job claimed exactly once");
    assert_eq!(s.depth().unwrap().done, 20);
}

// ---------------------------------------------------------------------------------------------
// SQLite only: one process owns the file, so a restart may requeue what it left running.

#[test]
fn sqlite_reopen_after_crash_requeues_claimed_jobs_once() {
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
        done = claim(&s, t(3)).unwrap();
        s.finish(&done, Ok(()), t(4)).unwrap();
        interrupted = claim(&s, t(5)).unwrap();
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
    while let Some(job) = claim(&s, t(7)) {
        ran.push(job.id);
        s.finish(&job, Ok(()), t(8)).unwrap();
    }
    assert_eq!(ran, vec![interrupted.id, waiting.id]);
    assert_eq!(s.job(interrupted.id).unwrap().unwrap().attempts, 2);
    assert_eq!(s.job(done.id).unwrap().unwrap().attempts, 1);
    // Opening again finds nothing left to do.
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(claim(&s, t(9)), None);
}

#[test]
fn sqlite_interrupted_job_merges_into_a_waiting_one() {
    let (_dir, path) = temp();
    let m = mark("a/one", Reason::Sync);
    let (first, second);
    {
        let s = Store::open(&path).unwrap();
        s.mark(&m, t(0)).unwrap();
        first = claim(&s, t(1)).unwrap();
        second = s.mark(&m, t(2)).unwrap().job_id();
    }
    let s = Store::open(&path).unwrap();
    let job = claim(&s, t(3)).unwrap();
    assert_eq!((job.id, job.marks), (second, 2));
    s.finish(&job, Ok(()), t(4)).unwrap();
    assert_eq!(claim(&s, t(5)), None, "the merged job does not run again");
    let old = s.job(first.id).unwrap().unwrap();
    assert_eq!(old.state, JobState::Failed);
    assert!(old
        .error
        .unwrap()
        .contains(&format!("merged into job {second}")));
}

#[test]
fn sqlite_not_a_database_is_a_clear_error() {
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
fn sqlite_newer_schema_is_refused_naming_the_file() {
    let (_dir, path) = temp();
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "database {}: written by a newer postmortem-tracker (schema 99, this one knows {})",
            path.display(),
            sqlite::SCHEMA_VERSION
        )
    );
}

#[test]
fn sqlite_file_of_schema_2_is_upgraded_keeping_its_jobs() {
    let (_dir, path) = temp();
    {
        // A file as version 2 of the program left it, with a job waiting.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE deliveries (forge TEXT NOT NULL, id TEXT NOT NULL, event TEXT NOT NULL,
                 received_at TEXT NOT NULL, PRIMARY KEY (forge, id));
             CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, forge TEXT NOT NULL,
                 repo TEXT NOT NULL, reason TEXT NOT NULL,
                 state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                 marks INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0,
                 created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT);
             CREATE TABLE items (forge TEXT NOT NULL, repo TEXT NOT NULL, ord INTEGER NOT NULL,
                 key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (forge, repo, ord));
             CREATE TABLE snapshots (day TEXT NOT NULL, forge TEXT NOT NULL, repo TEXT NOT NULL,
                 done INTEGER NOT NULL, open INTEGER NOT NULL, overdue INTEGER NOT NULL,
                 PRIMARY KEY (day, forge, repo));
             INSERT INTO jobs (forge, repo, reason, state, created_at)
                 VALUES ('github', 'acme/svc', 'sync', 'queued', '2026-11-21T12:00:00.000000Z');
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let job = claim(&s, t(1)).unwrap();
    assert_eq!(job.mark, mark("acme/svc", Reason::Sync));
    s.finish(&job, Ok(()), t(2)).unwrap();
    let conn = Connection::open(&path).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, sqlite::SCHEMA_VERSION);
}

#[test]
fn database_setting_selects_the_backend_and_hides_the_password() {
    assert_eq!(
        Database::parse("postgres://svc:hunter2@db.internal:5432/pmt"),
        Database::Postgres("postgres://svc:hunter2@db.internal:5432/pmt".into())
    );
    assert!(matches!(
        Database::parse("postgresql://db/pmt"),
        Database::Postgres(_)
    ));
    assert_eq!(
        Database::parse("sqlite:///var/lib/pmt.sqlite"),
        Database::Sqlite("/var/lib/pmt.sqlite".into())
    );
    assert_eq!(
        Database::parse("postmortem-tracker.sqlite"),
        Database::Sqlite("postmortem-tracker.sqlite".into())
    );
    let db = Database::parse("postgres://svc:hunter2@db.internal:5432/pmt?password=hunter3");
    for shown in [db.to_string(), format!("{db:?}")] {
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("svc:***@db.internal:5432/pmt"), "{shown}");
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only: what a server says at start.

#[test]
fn postgres_that_does_not_answer_is_a_clear_error_without_the_password() {
    // A loopback port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://svc:hunter2@127.0.0.1:{port}/pmt?connect_timeout=2");
    let err = Store::connect(&Database::Postgres(url))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "cannot connect to the database postgres://svc:***@127.0.0.1:{port}/pmt"
        )),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn postgres_newer_schema_is_refused_naming_the_database() {
    let Some(f) = Fixture::postgres() else {
        return skip();
    };
    let Place::Postgres(db) = &f.place else {
        unreachable!()
    };
    let url = db.url.clone();
    std::thread::spawn(move || {
        let mut c = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        c.batch_execute("UPDATE postmortem_tracker_schema SET version = 99")
            .unwrap();
    })
    .join()
    .unwrap();
    let err = f.reopen().unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "database {}: written by a newer postmortem-tracker (schema 99, this one knows {})",
            postgres::redact(&db.url),
            postgres::SCHEMA_VERSION
        )
    );
}

fn snapshots_keep_their_groups_and_incidents_are_replaced(s: Fixture) {
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let item = |key: &str, kind: &str, state, severity: Option<&str>| ItemRecord {
        key: key.into(),
        severity: severity.map(str::to_string),
        ..test_record("acme/svc", None, kind, state)
    };
    s.replace_items(
        Forge::Github,
        "acme/svc",
        vec![
            item("a", "corrective", ItemState::Open, Some("SEV1")),
            item("b", "corrective", ItemState::Open, Some("sev1")),
        ],
        d("2026-11-01"),
    )
    .unwrap();
    // A second run the same day replaces the day's snapshot; the next day adds one, and an
    // empty repository has one too.
    let second = vec![
        item("a", "corrective", ItemState::Done, Some("SEV1")),
        item("b", "corrective", ItemState::Open, Some("sev1")),
        item("c", "preventive", ItemState::NotPlanned, None),
        item("d", "task", ItemState::Overdue, None),
    ];
    s.replace_items(Forge::Github, "acme/svc", second.clone(), d("2026-11-01"))
        .unwrap();
    s.replace_items(Forge::Gitlab, "g/empty", vec![], d("2026-11-02"))
        .unwrap();
    // Read by a restarted process.
    let snaps = s.reopen().unwrap().snapshots().unwrap();
    assert_eq!(snaps.len(), 2, "one per repository per day: {snaps:?}");
    assert_eq!(
        (snaps[0].day, snaps[0].repository.as_str(), snaps[0].counts),
        (d("2026-11-01"), "acme/svc", Counts::of(&second))
    );
    assert_eq!(Counts::of(&second).done, 1);
    let groups: Vec<_> = snaps[0]
        .groups
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| (g.state, g.kind.as_str(), g.severity.as_str(), g.count))
        .collect();
    assert_eq!(
        groups,
        [
            (ItemState::Done, "corrective", "sev1", 1),
            (ItemState::NotPlanned, "preventive", "unknown", 1),
            (ItemState::Open, "corrective", "sev1", 1),
            (ItemState::Overdue, "task", "unknown", 1),
        ],
        "a closed-as-not-planned item reads back too"
    );
    assert_eq!(snaps[1].groups, Some(vec![]), "known empty, not missing");

    let incident = |path: &str| crate::report::IncidentFigures {
        forge: "github".into(),
        repository: "acme/svc".into(),
        path: path.into(),
        title: Some("Outage".into()),
        severity: Some("SEV1".into()),
        start: Some("2026-10-01T09:00:00Z".into()),
        detected: None,
        end: None,
        time_to_detect_minutes: Some(12),
        time_to_restore_minutes: None,
    };
    s.replace_incidents(
        Forge::Github,
        "acme/svc",
        &[incident("a.md"), incident("b.md")],
    )
    .unwrap();
    s.replace_incidents(Forge::Github, "acme/svc", &[incident("c.md")])
        .unwrap();
    assert_eq!(s.replica().incidents().unwrap(), vec![incident("c.md")]);
}

fn what_a_job_read_is_kept_per_repository(s: Fixture) {
    assert_eq!(
        s.remembered(Forge::Github, "acme/svc").unwrap(),
        Remembered::default(),
        "a repository never read"
    );
    let read = |branch: &str, sha: &str| Remembered {
        branch: Some(branch.into()),
        seen: serde_json::from_value(serde_json::json!({
            "files": {"postmortems/a.md": [sha, "# Outage\n\n- [ ] Fix it\n"]}
        }))
        .unwrap(),
    };
    s.remember(Forge::Github, "acme/svc", &read("main", "abc1"))
        .unwrap();
    s.remember(Forge::Gitlab, "acme/svc", &read("trunk", "def2"))
        .unwrap();
    // A later job of the same repository replaces it.
    s.remember(Forge::Github, "acme/svc", &read("main", "abc3"))
        .unwrap();
    // A restarted process and another replica read it back.
    for store in [Arc::new(s.reopen().unwrap()), s.replica()] {
        assert_eq!(
            store.remembered(Forge::Github, "acme/svc").unwrap(),
            read("main", "abc3")
        );
        assert_eq!(
            store.remembered(Forge::Gitlab, "acme/svc").unwrap(),
            read("trunk", "def2")
        );
        assert_eq!(
            store.remembered(Forge::Github, "acme/web").unwrap(),
            Remembered::default()
        );
    }
    assert_ne!(read("main", "abc3"), Remembered::default());
}

#[test]
fn sqlite_unreadable_memory_is_forgotten_not_fatal() {
    let (_dir, path) = temp();
    let s = Store::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO remembered (forge, repo, branch, seen) VALUES ('github', 'acme/svc', 'main', 'not json')",
        [],
    )
    .unwrap();
    assert_eq!(
        s.remembered(Forge::Github, "acme/svc").unwrap(),
        Remembered {
            branch: Some("main".into()),
            seen: Default::default()
        },
        "the files are read again; the branch is still known"
    );
}

#[test]
fn sqlite_schema_2_file_keeps_its_history_as_totals() {
    let (_dir, path) = temp();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            // A version 2 file's other tables (what a later schema changes in them).
            "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, forge TEXT NOT NULL,
               repo TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,
               marks INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0,
               created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT);
             CREATE TABLE snapshots (day TEXT NOT NULL, forge TEXT NOT NULL, repo TEXT NOT NULL,
               done INTEGER NOT NULL, open INTEGER NOT NULL, overdue INTEGER NOT NULL,
               PRIMARY KEY (day, forge, repo));
             INSERT INTO snapshots VALUES ('2026-10-30', 'github', 'acme/svc', 1, 4, 2);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let snaps = s.snapshots().unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(
        (
            snaps[0].counts.open,
            snaps[0].counts.overdue,
            &snaps[0].groups
        ),
        (4, 2, &None)
    );
}

// ---------------------------------------------------------------------------------------------
// TLS to PostgreSQL: what the URL's `sslmode` and `sslrootcert` ask for.

/// The CA of the test server's certificate (for `localhost` only): `.ci/postgres.sh` makes
/// both and exports this.
const TEST_DATABASE_CA: &str = "POSTMORTEM_TRACKER_TEST_DATABASE_CA";

/// `url` with `host` and the query `query`.
fn with(url: &str, host: &str, query: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_host(Some(host)).unwrap();
    u.set_query(Some(query));
    u.to_string()
}

/// Whether the store's connection is encrypted, as the server sees it.
fn encrypted(s: &Store) -> bool {
    s.read(|tx, _| {
        tx.query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )?
        .flag(0)
    })
    .unwrap()
}

#[test]
fn postgres_tls_encrypts_and_checks_what_sslmode_says() {
    let (Some(db), Ok(ca)) = (ScratchDatabase::from_env(), std::env::var(TEST_DATABASE_CA)) else {
        return eprintln!(
            "skipped: {TEST_DATABASE_URL} or {TEST_DATABASE_CA} is not set (.ci/run starts a PostgreSQL server with TLS and sets both)"
        );
    };
    let connect =
        |host: &str, query: &str| Store::connect(&Database::Postgres(with(&db.url, host, query)));
    let root = format!("sslrootcert={ca}");
    // Encrypted: unchecked, the chain only (the certificate does not name 127.0.0.1), the
    // chain and the name.
    for (host, query) in [
        ("127.0.0.1", "sslmode=prefer".to_string()),
        ("127.0.0.1", "sslmode=require".to_string()),
        ("127.0.0.1", format!("sslmode=require&{root}")),
        ("127.0.0.1", format!("sslmode=verify-ca&{root}")),
        ("localhost", format!("sslmode=verify-full&{root}")),
    ] {
        let s = connect(host, &query).unwrap_or_else(|e| panic!("{host} {query}: {e}"));
        assert!(encrypted(&s), "{host} {query}");
    }
    assert!(!encrypted(
        &connect("127.0.0.1", "sslmode=disable").unwrap()
    ));
    assert!(
        !encrypted(&connect("127.0.0.1", "").unwrap()),
        "no sslmode: as before"
    );
    // Refused: a name the certificate does not have; a CA that is not the system's.
    for (host, query, why) in [
        (
            "127.0.0.1",
            format!("sslmode=verify-full&{root}"),
            "not valid for name",
        ),
        (
            "localhost",
            "sslmode=verify-full".to_string(),
            "UnknownIssuer",
        ),
        (
            "localhost",
            "sslmode=verify-ca".to_string(),
            "UnknownIssuer",
        ),
    ] {
        let err = connect(host, &query).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "cannot connect to the database postgres://postgres@{host}:"
            )),
            "{err}"
        );
        assert!(
            err.contains("invalid peer certificate") && err.contains(why),
            "{query}: {err}"
        );
    }
}

#[test]
fn postgres_tls_settings_that_cannot_work_are_named_before_connecting() {
    for (query, expected) in [
        (
            "sslmode=verify-everything",
            "sslmode=verify-everything: expected disable, prefer, require, verify-ca or verify-full",
        ),
        (
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            "sslrootcert=/nonexistent/ca.pem: cannot read certificates",
        ),
    ] {
        // Nothing listens there: the message comes before any connection.
        let url = format!("postgres://svc:hunter2@127.0.0.1:1/pmt?{query}");
        let err = Store::connect(&Database::Postgres(url))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot connect to the database postgres://svc:***@127.0.0.1:1/pmt"),
            "{err}"
        );
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    let (_dir, path) = temp();
    std::fs::write(&path, "not a certificate\n").unwrap();
    let url = format!(
        "postgres://svc@127.0.0.1:1/pmt?sslmode=verify-ca&sslrootcert={}",
        path.display()
    );
    let err = Store::connect(&Database::Postgres(url))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no usable certificate in the file"), "{err}");
}
