//! Several replicas of the service on one PostgreSQL database: they share the webhook intake,
//! the queue and the schedule. Each replica is a whole service (its own store connections,
//! workers, scheduler and HTTP listener) in this process; `cli_serve.rs` kills a real `serve`
//! process mid-job. Skipped, saying so, without the test server `.ci/run` starts.

use crate::support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use postmortem_tracker::service::store::{Database, Job, JobFilter, JobState, Store};
use postmortem_tracker::service::webhook::{Forge, Reason};
use postmortem_tracker::service::{BoxFuture, JobResult, Runner, Settings};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{eventually_for, postgres_database, request, Service, ServiceForge};

use crate::service_e2e::{forge_runner, secret, settings, CONFIG, PM, TODAY};

/// Which replica ran which claim, and whether one repository ever ran on two at once.
#[derive(Default)]
struct Runs {
    /// (replica, job id, attempt), one per run.
    log: Mutex<Vec<(usize, i64, i64)>>,
    /// Runs under way per repository, across replicas.
    active: Mutex<HashMap<String, usize>>,
    overlapped: AtomicBool,
}

/// A replica's runner: records the run, then lets `inner` do it.
struct Tracked {
    replica: usize,
    inner: Arc<dyn Runner>,
    runs: Arc<Runs>,
}

impl Runner for Tracked {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async move {
            self.runs
                .log
                .lock()
                .unwrap()
                .push((self.replica, job.id, job.attempts));
            {
                let mut active = self.runs.active.lock().unwrap();
                let n = active.entry(job.mark.repo.clone()).or_default();
                *n += 1;
                if *n > 1 {
                    self.runs.overlapped.store(true, Ordering::SeqCst);
                }
            }
            let r = self.inner.run(job).await;
            *self
                .runs
                .active
                .lock()
                .unwrap()
                .get_mut(&job.mark.repo)
                .unwrap() -= 1;
            r
        })
    }
}

/// Does nothing: the scheduling tests only count jobs.
struct Nothing;

impl Runner for Nothing {
    fn run<'a>(&'a self, _job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async { Ok(()) })
    }
}

fn connect(url: &str) -> Arc<Store> {
    Arc::new(Store::connect(&Database::Postgres(url.to_string())).unwrap())
}

const REPOS: usize = 20;
const DELIVERIES: usize = 500;
const PM_FILE: &str = "postmortems/2026-10-01-replica-lag.md";

crate::both_forges!(five_hundred_deliveries_to_two_replicas_reconcile_each_repository_once);

/// 500 signed pushes for 20 repositories, sent at once to two replicas (each to one of them,
/// every tenth to both, as a forge's redelivery could land): every delivery is recorded once
/// and counted once in the jobs' marks, every repository is reconciled with one issue per item,
/// every job ran on exactly one replica and no repository ran on both at once, and both
/// replicas answer the same index.
async fn five_hundred_deliveries_to_two_replicas_reconcile_each_repository_once<F: ServiceForge>() {
    let Some(db) = postgres_database("two replicas") else {
        return;
    };
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repos: Vec<String> = (0..REPOS).map(|i| format!("team/svc-{i:02}")).collect();
    for r in &repos {
        forge.seed(r, &[(".postmortem-tracker.toml", CONFIG), (PM_FILE, PM)]);
    }
    let runs = Arc::new(Runs::default());
    let mut replicas = Vec::new();
    for replica in 0..2 {
        let store = connect(&db.url);
        let s = settings();
        let inner = forge_runner(&gh, &gl, store.clone(), &s, Duration::from_secs(5), TODAY);
        let runner = Tracked {
            replica,
            inner: Arc::new(inner),
            runs: runs.clone(),
        };
        replicas.push(Service::start_with(store, s, Arc::new(runner)).await);
    }
    let addrs = [replicas[0].addr, replicas[1].addr];

    let mut sends = tokio::task::JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(64));
    for n in 0..DELIVERIES {
        let d = F::push(secret::<F>(), &repos[n % REPOS], &format!("rep-{n}"));
        let targets: Vec<_> = if n % 10 == 0 {
            addrs.to_vec()
        } else {
            vec![addrs[n % 2]]
        };
        for addr in targets {
            let (endpoint, headers, body) = (d.endpoint, d.headers.clone(), d.body.clone());
            let limit = limit.clone();
            sends.spawn(async move {
                let _permit = limit.acquire().await.unwrap();
                (n, request(addr, "POST", endpoint, &headers, &body).await)
            });
        }
    }
    let mut accepted: BTreeMap<usize, usize> = BTreeMap::new();
    let mut duplicates = 0;
    while let Some(r) = sends.join_next().await {
        let (n, (status, body)) = r.unwrap();
        match status {
            202 => *accepted.entry(n).or_default() += 1,
            200 if body.contains("duplicate") => duplicates += 1,
            other => panic!("delivery {n}: {other} {body}"),
        }
    }
    assert_eq!(accepted.len(), DELIVERIES, "every delivery accepted");
    assert!(accepted.values().all(|&c| c == 1), "each accepted once");
    assert_eq!(
        duplicates,
        DELIVERIES / 10,
        "the redeliveries were duplicates"
    );

    replicas[0].idle(240).await;
    let store = replicas[1].store.clone();
    let jobs = store.jobs(&JobFilter::default(), 10_000).unwrap();
    let marks: i64 = jobs.iter().map(|j| j.marks).sum();
    assert_eq!(
        marks as usize, DELIVERIES,
        "each delivery's mark counted once"
    );
    assert!(
        jobs.iter().all(|j| j.state == JobState::Done),
        "{:?}",
        jobs.iter()
            .filter(|j| j.state != JobState::Done)
            .collect::<Vec<_>>()
    );
    for n in 0..DELIVERIES {
        assert!(store.has_delivery(F::FORGE, &format!("rep-{n}")).unwrap());
    }

    // Each job ran once, on one replica; one repository never on both at once.
    let log = runs.log.lock().unwrap().clone();
    let ids: BTreeSet<i64> = log.iter().map(|&(_, id, _)| id).collect();
    assert_eq!(ids.len(), log.len(), "a job ran twice: {log:?}");
    assert_eq!(ids, jobs.iter().map(|j| j.id).collect());
    assert!(log.iter().all(|&(_, _, attempt)| attempt == 1), "{log:?}");
    assert!(!runs.overlapped.load(Ordering::SeqCst));
    let per_replica = [0, 1].map(|r| log.iter().filter(|l| l.0 == r).count());
    eprintln!(
        "{} jobs for {DELIVERIES} deliveries; run by replica 0: {}, replica 1: {}",
        log.len(),
        per_replica[0],
        per_replica[1]
    );

    // Every repository reconciled: one issue per item, linked from the file.
    let repos_done: BTreeSet<String> = jobs.iter().map(|j| j.mark.repo.clone()).collect();
    assert_eq!(repos_done.len(), REPOS);
    for r in &repos {
        let issues = forge.issues(r);
        assert_eq!(issues.len(), 3, "{r}: {issues:?}");
        let text = forge.file_text(r, PM_FILE);
        for number in issues.keys() {
            assert!(text.contains(&format!("#{number}")), "{r}:\n{text}");
        }
    }

    // The dashboard's data from either replica.
    let (a, b) = (
        replicas[0].get("/api/items").await,
        replicas[1].get("/api/items").await,
    );
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(a.1, b.1);
    let items: Vec<serde_json::Value> = serde_json::from_str(&a.1).unwrap();
    assert_eq!(items.len(), REPOS * 3);
    for svc in replicas {
        svc.stop().await;
    }
}

/// A schedule firing every second on two replicas: each tick queues its follow-ups once, not
/// once per replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_fires_once_per_tick_across_replicas() {
    let Some(db) = postgres_database("the schedule across replicas") else {
        return;
    };
    let runs = Arc::new(Runs::default());
    let watched = [
        (Forge::Github, "a/one".to_string()),
        (Forge::Gitlab, "g/two".to_string()),
    ];
    let started = Utc::now();
    let mut replicas = Vec::new();
    for replica in 0..2 {
        let s = Settings {
            schedule: Some(postmortem_tracker::service::parse_schedule("* * * * * *").unwrap()),
            repositories: watched.iter().cloned().collect(),
            poll_interval: Duration::from_millis(50),
            ..settings()
        };
        let runner = Tracked {
            replica,
            inner: Arc::new(Nothing),
            runs: runs.clone(),
        };
        replicas.push(Service::start_with(connect(&db.url), s, Arc::new(runner)).await);
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let store = replicas[0].store.clone();
    for svc in replicas {
        svc.stop().await;
    }
    let stopped = Utc::now();
    // Seconds boundaries between the first start and the last stop: the most ticks there were.
    let ticks = stopped.timestamp() - started.timestamp();
    let jobs = store.jobs(&JobFilter::default(), 1000).unwrap();
    assert!(jobs.iter().all(|j| j.mark.reason == Reason::Followup));
    for (forge, repo) in &watched {
        let marks: i64 = jobs
            .iter()
            .filter(|j| j.mark.forge == *forge && &j.mark.repo == repo)
            .map(|j| j.marks)
            .sum();
        assert!(
            (2..=ticks).contains(&marks),
            "{repo}: {marks} follow-ups queued over {ticks} ticks: {jobs:?}"
        );
    }
    // Each queued follow-up ran once (a job still queued at the stop did not run).
    let log = runs.log.lock().unwrap().clone();
    let ids: BTreeSet<i64> = log.iter().map(|&(_, id, _)| id).collect();
    assert_eq!(ids.len(), log.len(), "{log:?}");
    let d = store.depth().unwrap();
    assert_eq!(d.done as usize, ids.len(), "{d:?}");
    eventually_for("nothing left running", 1, || {
        store.depth().unwrap().running == 0
    })
    .await;
}
