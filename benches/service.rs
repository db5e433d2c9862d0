//! The service under load, on loopback. Prints figures; asserts only that the work was done.
//!
//! 1. Webhook ingest: a load generator sends a bounded number of signed GitHub push
//!    deliveries (each verified, recorded and queued before its 202) from several concurrent
//!    connections; prints deliveries per second and latency percentiles. The runner does
//!    nothing, so only ingest is measured. On SQLite (`synchronous=FULL`), then, when
//!    `POSTMORTEM_TRACKER_TEST_DATABASE_URL` names a PostgreSQL server (each run on a new
//!    database there), on one replica and on two replicas sharing the database, the deliveries
//!    spread over both.
//! 2. A full follow-up of many repositories against the fake GitHub (a few ms of latency per
//!    request): every repository marked, as the schedule does, and the wall time until the
//!    queue is empty, three times: the first run (issues opened, links and status committed),
//!    the second (the first time nothing changed: the blob ids of what the first run
//!    committed are kept, so it reads no file) and the third (the steady state, which the
//!    second should already be). Each run's requests by kind: file listings, issue listing
//!    pages, file reads, other reads, writes. The fake's hourly quota is lifted: the request
//!    counts say what a real token would spend.
//!
//! `cargo bench --bench service` (sizes: `BENCH_DELIVERIES`, `BENCH_CONNECTIONS`,
//! `BENCH_REPOS`, `BENCH_LATENCY_MS`, `BENCH_WORKERS`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use postmortem_tracker::forge::paced::Pacing;
use postmortem_tracker::service::runner::{Access, ForgeRunner, RunnerSettings, WriteMode};
use postmortem_tracker::service::store::postgres::{ScratchDatabase, TEST_DATABASE_URL};
use postmortem_tracker::service::store::{Database, Job, Store};
use postmortem_tracker::service::webhook::{Forge, Mark, Reason};
use postmortem_tracker::service::{BoxFuture, JobResult, Runner, Secrets, Settings};
use support::github::FakeGitHub;
use support::service::{gh_headers, request, Service};
use support::Fault;

const SECRET: &str = "bench-secret";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Accepts every job at once: ingest is measured alone.
struct Nothing;

impl Runner for Nothing {
    fn run<'a>(&'a self, _job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async { Ok(()) })
    }
}

fn settings(workers: usize) -> Settings {
    Settings {
        secrets: Secrets {
            github: Some(SECRET.into()),
            gitlab: None,
        },
        workers,
        poll_interval: Duration::from_millis(200),
        ..Settings::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Where the ingest bench keeps its state, and how many replicas share it.
enum Backend<'a> {
    Sqlite(&'a std::path::Path),
    Postgres { url: &'a str, replicas: usize },
}

async fn ingest(backend: Backend<'_>) {
    let total = env_or("BENCH_DELIVERIES", 5000);
    let connections = env_or("BENCH_CONNECTIONS", 16).max(1);
    let (label, stores) = match backend {
        Backend::Sqlite(dir) => (
            "SQLite".to_string(),
            vec![Store::open(&dir.join("ingest.sqlite")).unwrap()],
        ),
        Backend::Postgres { url, replicas } => (
            format!("PostgreSQL, {replicas} replica(s)"),
            (0..replicas)
                .map(|_| Store::connect(&Database::Postgres(url.to_string())).unwrap())
                .collect(),
        ),
    };
    let mut replicas = Vec::new();
    for store in stores {
        replicas.push(Service::start_with(Arc::new(store), settings(4), Arc::new(Nothing)).await);
    }
    // A realistic body: GitHub's documented push example, one of 50 repositories.
    let template = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/webhooks/github/push.with-new-branch.payload.json"),
    )
    .unwrap();
    let bodies: Vec<Vec<u8>> = (0..50)
        .map(|i| {
            template
                .replace("Codertocat/Hello-World", &format!("acme/svc-{i}"))
                .into_bytes()
        })
        .collect();
    let bodies = Arc::new(bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let addrs: Vec<_> = replicas.iter().map(|r| r.addr).collect();
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            // Each connection talks to one replica, as a load balancer would spread them.
            let addr = addrs[c % addrs.len()];
            let (bodies, next) = (bodies.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= total {
                        return latencies;
                    }
                    let body = &bodies[n % bodies.len()];
                    let sig = postmortem_tracker::service::webhook::github_signature(
                        SECRET.as_bytes(),
                        body,
                    );
                    let h = gh_headers("push", &format!("bench-{n}"), Some(sig));
                    let t = Instant::now();
                    let (status, answer) =
                        request(addr, "POST", "/webhooks/github", &h, body).await;
                    latencies.push(t.elapsed());
                    assert!(status == 202, "{status}: {answer}");
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    latencies.sort();
    let d = replicas[0].store.depth().unwrap();
    println!(
        "ingest ({label}): {total} signed deliveries over {connections} connections in {:.2} s: {:.0} deliveries/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; jobs {} (coalesced per repository and reason)",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
        d.queued + d.running + d.done + d.failed
    );
    for r in replicas {
        r.stop().await;
    }
}

async fn followup(dir: &std::path::Path) {
    let repos = env_or("BENCH_REPOS", 200);
    let workers = env_or("BENCH_WORKERS", 8);
    let latency = Duration::from_millis(env_or("BENCH_LATENCY_MS", 3) as u64);
    let gh = FakeGitHub::start();
    {
        let mut st = gh.state();
        // One token's 5,000 requests an hour would not cover a first run over 200 repositories
        // (about 25 requests each); the fake's quota is lifted and the count printed instead.
        st.rate_limit = 10_000_000;
        st.rate_remaining = 10_000_000;
        for i in 0..repos {
            let name = format!("svc-{i}");
            st.add_repo("acme", &name);
            let repo = ("acme", name.as_str());
            st.seed_file(
                repo,
                "main",
                ".postmortem-tracker.toml",
                "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n",
            );
            st.seed_file(
                repo,
                "main",
                "postmortems/2026-10-01-outage.md",
                "# Outage\n\nStart: 2026-10-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on lag @alice due: 2026-10-15\n- [ ] Write a runbook @bob due: 2026-12-20\n- [x] Raise the limit @alice due: 2026-10-05\n",
            );
            st.seed_file(repo, "main", "README.md", "# svc\n");
        }
    }
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        gh.faults().always(m, "/", Fault::Delay(latency));
    }
    let store = Arc::new(Store::open(&dir.join("followup.sqlite")).unwrap());
    let s = settings(workers);
    let runner = ForgeRunner::new(
        store.clone(),
        RunnerSettings {
            github: Some(Access {
                api_url: gh.base_url(),
                token: FakeGitHub::TOKEN.into(),
            }),
            gitlab: None,
            write: WriteMode::Commit,
            timeout: Duration::from_secs(30),
            pacing: Pacing {
                min_write_interval: Duration::ZERO,
                max_wait: Duration::from_secs(60),
                retry_delay: Duration::ZERO,
                ..Pacing::default()
            },
            job_timeout: Duration::from_secs(600),
            today: Some("2026-11-21".parse().unwrap()),
            templates_dir: None,
        },
        s.api_metrics.clone(),
    )
    .unwrap();
    let svc = Service::start_with(store.clone(), s, Arc::new(runner)).await;
    for run in [
        "first run",
        "second run (right after the first committed)",
        "third run",
    ] {
        let before = gh.log().len();
        let started = Instant::now();
        for i in 0..repos {
            let mark = Mark {
                forge: Forge::Github,
                repo: format!("acme/svc-{i}"),
                reason: Reason::Followup,
            };
            store.mark(&mark, Utc::now()).unwrap();
        }
        // The schedule wakes the workers; here the poll interval does.
        svc.idle(3600).await;
        let wall = started.elapsed();
        let d = store.depth().unwrap();
        assert_eq!(d.failed, 0, "failed jobs: {:?}", {
            let (_, body) = svc.get("/api/jobs?state=failed&limit=3").await;
            body
        });
        let requests = gh.log().all().split_off(before);
        let mut kinds = [0usize; 5];
        for r in &requests {
            let kind = if r.is_write() {
                4
            } else if r.path.contains("/git/trees/") {
                0
            } else if r.path.ends_with("/issues") {
                1
            } else if r.path.contains("/contents/") {
                2
            } else {
                3
            };
            kinds[kind] += 1;
        }
        println!(
            "follow-up of {repos} repositories ({workers} workers, {} ms per request), {run}: {:.1} s, {} requests ({:.1} per repository): {} file listings, {} issue listing pages, {} file reads, {} other reads, {} writes",
            latency.as_millis(),
            wall.as_secs_f64(),
            requests.len(),
            requests.len() as f64 / repos as f64,
            kinds[0],
            kinds[1],
            kinds[2],
            kinds[3],
            kinds[4],
        );
    }
    assert_eq!(store.items().unwrap().len(), repos * 3);
    svc.stop().await;
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        ingest(Backend::Sqlite(dir.path())).await;
        for replicas in [1, 2] {
            // A new database for each run: the second starts from empty tables too.
            let Some(db) = ScratchDatabase::from_env() else {
                println!("ingest (PostgreSQL): skipped: {TEST_DATABASE_URL} is not set");
                break;
            };
            ingest(Backend::Postgres {
                url: &db.url,
                replicas,
            })
            .await;
        }
        followup(dir.path()).await;
    });
}
