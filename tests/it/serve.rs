//! The webhook service over real HTTP on loopback: signed real deliveries are queued, forged,
//! missing, replayed and oversized ones are not; one job at a time per repository; a restart
//! runs every queued or interrupted job once. Each scenario runs with GitHub's and GitLab's
//! deliveries (`both_forges!`); the two that mix both forges, and GitHub's `ping` (GitLab has
//! no such event), are written out.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support;

use postmortem_tracker::service::store::{Depth, Job, JobState, Store};
use postmortem_tracker::service::{BoxFuture, JobResult, Runner, Secrets, Settings};
use support::service::{
    eventually, read_response, webhook_fixture as fixture, Service, ServiceForge,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

const GH_SECRET: &str = "gh-test-secret";
const GL_TOKEN: &str = "gl-test-token";

/// The webhook secret of `F`'s deliveries.
fn secret<F: ServiceForge>() -> &'static str {
    match F::NAME {
        "github" => GH_SECRET,
        _ => GL_TOKEN,
    }
}

/// The repository of the recorded payloads, as forges send it (mixed case).
const REPO: &str = "Codertocat/Hello-World";

crate::both_forges!(
    other_events_queue_nothing,
    forged_missing_and_replayed_deliveries_queue_nothing,
    oversized_bodies_are_refused_with_413,
    events_while_a_job_runs_make_exactly_one_more_run,
    unwatched_repositories_and_health,
    the_schedule_follows_up_on_every_known_repository,
    concurrent_deliveries_every_mark_is_covered_by_one_run,
    a_panicking_runner_fails_its_job_not_the_worker,
    shutdown_abandons_a_stuck_job_which_runs_again_at_the_next_start,
);

crate::both_forges!(sync restart_runs_every_queued_and_interrupted_job_once);

/// A gitlab-bot capture: its recorded headers and its body.
fn gitlab_capture(name: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let v: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
    let headers = v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    (headers, serde_json::to_vec(&v["body"]).unwrap())
}

fn settings() -> Settings {
    Settings {
        secrets: Secrets {
            github: Some(GH_SECRET.into()),
            gitlab: Some(GL_TOKEN.into()),
        },
        workers: 4,
        max_body_bytes: 64 * 1024,
        // Long: every test relies on wake-ups, not on polling.
        poll_interval: Duration::from_secs(30),
        ..Settings::default()
    }
}

/// Records every run; each run waits for a permit when `gate` is set, so a test can hold a
/// job "running" as long as it likes.
#[derive(Default)]
struct Recorder {
    runs: Mutex<Vec<(i64, String, &'static str)>>,
    active: Mutex<BTreeMap<String, usize>>,
    max_parallel_per_repo: Mutex<usize>,
    started: tokio::sync::Notify,
    gate: Option<Arc<Semaphore>>,
}

impl Recorder {
    fn gated(gate: Arc<Semaphore>) -> Recorder {
        Recorder {
            gate: Some(gate),
            ..Recorder::default()
        }
    }

    fn runs(&self) -> Vec<(i64, String, &'static str)> {
        self.runs.lock().unwrap().clone()
    }
}

impl Runner for Recorder {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async move {
            let repo = job.mark.repo.clone();
            {
                let mut active = self.active.lock().unwrap();
                let n = active.entry(repo.clone()).or_default();
                *n += 1;
                let mut max = self.max_parallel_per_repo.lock().unwrap();
                *max = (*max).max(*n);
            }
            self.runs
                .lock()
                .unwrap()
                .push((job.id, repo.clone(), job.mark.reason.as_str()));
            self.started.notify_waiters();
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            *self.active.lock().unwrap().get_mut(&repo).unwrap() -= 1;
            Ok(())
        })
    }
}

#[tokio::test]
async fn signed_real_deliveries_are_queued_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;

    let push = fixture("github/push.with-new-branch.payload.json");
    let (status, body) = svc.github(GH_SECRET, "push", "gh-1", &push).await;
    assert_eq!(status, 202, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["result"], "queued");
    assert_eq!(v["repository"], "codertocat/hello-world");
    assert_eq!(v["reason"], "sync");

    let issue = fixture("github/issues.opened.payload.json");
    let (status, body) = svc.github(GH_SECRET, "issues", "gh-2", &issue).await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("\"reason\":\"followup\""), "{body}");

    let (mut h, gl_body) = gitlab_capture("gitlab/gitlab-bot.push-event.json");
    h.push(("X-Gitlab-Token".into(), GL_TOKEN.into()));
    let (status, body) = svc.post("/webhooks/gitlab", &h, &gl_body).await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("mike/diaspora"), "{body}");

    let (mut h, gl_body) = gitlab_capture("gitlab/gitlab-bot.issue-event.json");
    h.push(("X-Gitlab-Token".into(), GL_TOKEN.into()));
    // Same X-Gitlab-Event-UUID as the push capture (both recorded on one instance): a
    // redelivery as far as the service can tell, so it is not queued again.
    let (status, body) = svc.post("/webhooks/gitlab", &h, &gl_body).await;
    assert_eq!((status, body.contains("duplicate")), (200, true), "{body}");
    let h: Vec<_> = h
        .into_iter()
        .map(|(k, v)| {
            if k == "X-Gitlab-Event-UUID" {
                (k, "another-event".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, body) = svc.post("/webhooks/gitlab", &h, &gl_body).await;
    assert_eq!(status, 202, "{body}");

    eventually("4 runs", || runner.runs().len() == 4).await;
    let mut got: Vec<(String, &str)> = runner.runs().into_iter().map(|(_, r, w)| (r, w)).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("codertocat/hello-world".to_string(), "followup"),
            ("codertocat/hello-world".to_string(), "sync"),
            ("gitlabhq/gitlab-test".to_string(), "followup"),
            ("mike/diaspora".to_string(), "sync"),
        ]
    );
    eventually("all done", || svc.depth().done == 4).await;
    svc.stop().await;
}

/// GitHub's `ping` (sent when a webhook is created) is answered `pong`; GitLab has no such
/// event.
#[tokio::test]
async fn github_ping_is_answered_pong() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;
    let (status, body) = svc
        .github(
            GH_SECRET,
            "ping",
            "p-1",
            &fixture("github/ping.payload.json"),
        )
        .await;
    assert_eq!((status, body.as_str()), (200, "{\"result\":\"pong\"}"));
    assert_eq!(svc.depth(), Depth::default());
    svc.stop().await;
    assert!(runner.runs().is_empty());
}

/// A tag push and a pull/merge request are answered and ignored, saying why.
async fn other_events_queue_nothing<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;
    let [tag, request] = &F::ignored_events(secret::<F>())[..] else {
        panic!("a tag push and a pull/merge request")
    };
    let (status, body) = svc.deliver(tag).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ignored"), "{body}");
    // GitHub sends tags as pushes (the answer names the ref); GitLab as its own event.
    assert!(
        body.contains("refs/tags/") || body.contains("Tag Push Hook"),
        "{body}"
    );
    let (status, body) = svc.deliver(request).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ignored"), "{body}");
    assert_eq!(svc.depth(), Depth::default());
    svc.stop().await;
    assert!(runner.runs().is_empty());
}

async fn forged_missing_and_replayed_deliveries_queue_nothing<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;

    // Authenticated with another secret; not authenticated at all.
    let (status, body) = svc.deliver(&F::push("guess", REPO, "f-1")).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains(secret::<F>()));
    let mut missing = F::push(secret::<F>(), REPO, "f-2");
    missing
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case(F::AUTH_HEADER));
    assert_eq!(svc.deliver(&missing).await.0, 401);
    let mut refused = 2;
    // The body changed after signing: only GitHub signs the body (GitLab's token does not
    // cover it).
    if F::NAME == "github" {
        let mut tampered = F::push(secret::<F>(), REPO, "f-3");
        let at = tampered.body.len() / 2;
        tampered.body[at] = b' ';
        assert_eq!(svc.deliver(&tampered).await.0, 401);
        refused += 1;
    }
    assert_eq!(svc.depth(), Depth::default());
    // Refused deliveries leave no trace in the dedup table: the real one still gets through.
    assert!(!svc.store.has_delivery(F::FORGE, "f-1").unwrap());

    // A genuine delivery, then the very same request replayed: queued once.
    let push = F::push(secret::<F>(), REPO, "f-1");
    assert_eq!(svc.deliver(&push).await.0, 202);
    let (status, body) = svc.deliver(&push).await;
    assert_eq!(status, 200);
    assert!(body.contains("duplicate"), "{body}");
    eventually("the one run", || svc.depth().done == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runner.runs().len(), 1);

    let (_, metrics) = svc.get("/metrics").await;
    let forge = F::NAME;
    for line in [
        format!("postmortem_tracker_webhook_deliveries_total{{forge=\"{forge}\",result=\"unauthorized\"}} {refused}"),
        format!("postmortem_tracker_webhook_deliveries_total{{forge=\"{forge}\",result=\"queued\"}} 1"),
        format!("postmortem_tracker_webhook_deliveries_total{{forge=\"{forge}\",result=\"duplicate\"}} 1"),
        "postmortem_tracker_job_runs_total{result=\"done\"} 1".to_string(),
        "postmortem_tracker_jobs{state=\"queued\"} 0".to_string(),
        "postmortem_tracker_jobs{state=\"done\"} 1".to_string(),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} not in\n{metrics}"
        );
    }
    svc.stop().await;
}

async fn oversized_bodies_are_refused_with_413<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;
    // A validly signed body over the limit (64 KiB here), announced by Content-Length: the
    // answer comes before the body is sent.
    let mut big = br#"{"ref":"refs/heads/master","repository":{"full_name":"a/b","default_branch":"master"},"pad":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 70 * 1024));
    big.extend(b"\"}");
    let d = F::delivery(secret::<F>(), F::PUSH_EVENT, "big-1", big.clone());
    let mut s = TcpStream::connect(svc.addr).await.unwrap();
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        d.endpoint,
        big.len()
    );
    for (k, v) in &d.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    assert_eq!(read_response(s).await.0, 413);

    // Without Content-Length (chunked): refused once the limit is crossed.
    let mut s = TcpStream::connect(svc.addr).await.unwrap();
    let d = F::delivery(secret::<F>(), F::PUSH_EVENT, "big-2", big.clone());
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n",
        d.endpoint
    );
    for (k, v) in &d.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in big.chunks(8192) {
        let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
        c.extend_from_slice(chunk);
        c.extend_from_slice(b"\r\n");
        if s.write_all(&c).await.is_err() {
            break; // the server may close as soon as it has answered
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    assert_eq!(read_response(s).await.0, 413);
    assert_eq!(svc.depth(), Depth::default());
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics.contains(&format!("{{forge=\"{}\",result=\"too_large\"}} 2", F::NAME)),
        "{metrics}"
    );
    svc.stop().await;
}

async fn events_while_a_job_runs_make_exactly_one_more_run<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Semaphore::new(0));
    let runner = Arc::new(Recorder::gated(gate.clone()));
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;
    let push = |id: &str| F::push(secret::<F>(), REPO, id);

    let started = runner.started.notified();
    assert_eq!(svc.deliver(&push("e-1")).await.0, 202);
    tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the first run starts");
    // Two more pushes while the first run is held: one job queued, the second coalesced.
    let (s2, b2) = svc.deliver(&push("e-2")).await;
    let (s3, b3) = svc.deliver(&push("e-3")).await;
    assert_eq!((s2, s3), (202, 202));
    assert!(b2.contains("\"coalesced\":false"), "{b2}");
    assert!(b3.contains("\"coalesced\":true"), "{b3}");
    // Four workers are idle, yet none may start the queued job of a busy repository.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runner.runs().len(), 1);
    assert_eq!(svc.depth().running, 1);

    gate.add_permits(2);
    eventually("the second run", || svc.depth().done == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runner.runs().len(), 2, "exactly one more run");
    assert_eq!(*runner.max_parallel_per_repo.lock().unwrap(), 1);

    // The run history says the same: two runs, the second carrying the two coalesced marks.
    let (status, body) = svc
        .get(&format!(
            "/api/jobs?forge={}&repository={REPO}&state=done",
            F::NAME
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let jobs: serde_json::Value = serde_json::from_str(&body).unwrap();
    let marks: Vec<i64> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["marks"].as_i64().unwrap())
        .collect();
    assert_eq!(marks, vec![2, 1], "{body}");
    assert_eq!(jobs[0]["reason"], "sync");
    assert!(jobs[0]["finished_at"].is_string());
    assert_eq!(svc.get("/api/jobs?state=failed").await.1, "[]");
    assert_eq!(svc.get("/api/jobs?state=weird").await.0, 400);
    assert_eq!(svc.get("/api/jobs?forge=bitbucket").await.0, 400);
    svc.stop().await;
}

#[tokio::test]
async fn different_repositories_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Semaphore::new(0));
    let runner = Arc::new(Recorder::gated(gate.clone()));
    let svc = Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await;
    let gh = fixture("github/push.with-new-branch.payload.json");
    assert_eq!(svc.github(GH_SECRET, "push", "c-1", &gh).await.0, 202);
    let (mut h, gl) = gitlab_capture("gitlab/gitlab-bot.push-event.json");
    h.push(("X-Gitlab-Token".into(), GL_TOKEN.into()));
    assert_eq!(svc.post("/webhooks/gitlab", &h, &gl).await.0, 202);
    // Both are running before either is let go.
    eventually("two running", || svc.depth().running == 2).await;
    gate.add_permits(2);
    eventually("both done", || svc.depth().done == 2).await;
    svc.stop().await;
}

async fn unwatched_repositories_and_health<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Recorder::default());
    let mut s = settings();
    s.repositories = BTreeSet::from([(F::FORGE, "acme/other".to_string())]);
    let svc = Service::start(&dir.path().join("db.sqlite"), s, runner.clone()).await;
    let (status, body) = svc.deliver(&F::push(secret::<F>(), REPO, "u-1")).await;
    assert_eq!(status, 200);
    assert!(body.contains("not a watched repository"), "{body}");
    assert_eq!(svc.depth(), Depth::default());
    assert_eq!(svc.get("/healthz").await.0, 200);
    assert_eq!(svc.get("/readyz").await.0, 200);
    assert_eq!(svc.get("/nope").await.0, 404);
    svc.stop().await;
}

async fn the_schedule_follows_up_on_every_known_repository<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    {
        // A repository seen before (one finished job), and nothing queued.
        let store = Store::open(&db).unwrap();
        let m = postmortem_tracker::service::webhook::Mark {
            forge: F::FORGE,
            repo: "grp/two".into(),
            reason: postmortem_tracker::service::webhook::Reason::Sync,
        };
        store.mark(&m, chrono::Utc::now()).unwrap();
        let job = store
            .claim(chrono::Utc::now(), chrono::TimeDelta::seconds(60))
            .unwrap()
            .unwrap();
        store.finish(&job, Ok(()), chrono::Utc::now()).unwrap();
    }
    let runner = Arc::new(Recorder::default());
    let mut s = settings();
    s.schedule = Some(postmortem_tracker::service::parse_schedule("* * * * * *").unwrap());
    let svc = Service::start(&db, s, runner.clone()).await;
    eventually("a scheduled follow-up", || !runner.runs().is_empty()).await;
    let (id, repo, reason) = runner.runs()[0].clone();
    assert_eq!((repo.as_str(), reason), ("grp/two", "followup"));
    assert_eq!(svc.store.job(id).unwrap().unwrap().mark.forge, F::FORGE);
    svc.stop().await;
}

/// A runner that takes a little time, so that marks pile up behind running jobs.
struct Slow(Recorder);

impl Runner for Slow {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(15)).await;
            self.0.run(job).await
        })
    }
}

/// Many deliveries for a few repositories at once: every accepted mark is covered by a run of
/// the job it went into, no repository ever runs twice at once, and each job runs once.
async fn concurrent_deliveries_every_mark_is_covered_by_one_run<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(Slow(Recorder::default()));
    let svc =
        Arc::new(Service::start(&dir.path().join("db.sqlite"), settings(), runner.clone()).await);
    let mut tasks = Vec::new();
    for i in 0..120 {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move {
            let repo = format!("acme/r{}", i % 8);
            let push = F::push(secret::<F>(), &repo, &format!("load-{i}"));
            let (status, b) = svc.deliver(&push).await;
            assert_eq!(status, 202, "{b}");
            let v: serde_json::Value = serde_json::from_str(&b).unwrap();
            v["job"].as_i64().unwrap()
        }));
    }
    let mut job_ids = BTreeSet::new();
    for t in tasks {
        job_ids.insert(t.await.unwrap());
    }
    eventually("the queue drained", || {
        let d = svc.depth();
        d.queued == 0 && d.running == 0
    })
    .await;
    for id in &job_ids {
        assert_eq!(
            svc.store.job(*id).unwrap().unwrap().state,
            JobState::Done,
            "job {id}"
        );
    }
    let runs = runner.0.runs();
    let ran: BTreeSet<i64> = runs.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(runs.len(), ran.len(), "a job ran twice");
    assert_eq!(ran, job_ids);
    assert_eq!(*runner.0.max_parallel_per_repo.lock().unwrap(), 1);
    let svc = Arc::into_inner(svc).expect("no other handle");
    svc.stop().await;
}

/// A runner that panics on the first job and succeeds afterwards.
struct PanicsOnce(Mutex<bool>);

impl Runner for PanicsOnce {
    fn run<'a>(&'a self, _job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(async move {
            let first = std::mem::replace(&mut *self.0.lock().unwrap(), false);
            if first {
                panic!("runner bug");
            }
            Ok(())
        })
    }
}

async fn a_panicking_runner_fails_its_job_not_the_worker<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings();
    s.workers = 1;
    let svc = Service::start(
        &dir.path().join("db.sqlite"),
        s,
        Arc::new(PanicsOnce(Mutex::new(true))),
    )
    .await;
    let push = |id: &str| F::push(secret::<F>(), REPO, id);
    assert_eq!(svc.deliver(&push("x-1")).await.0, 202);
    eventually("the first job failed", || svc.depth().failed == 1).await;
    assert_eq!(svc.deliver(&push("x-2")).await.0, 202);
    eventually("the second job done by the same worker", || {
        svc.depth().done == 1
    })
    .await;
    let failed = svc.store.recent_jobs(2).unwrap().pop().unwrap();
    assert!(failed.error.unwrap().contains("panicked"));
    svc.stop().await;
}

async fn shutdown_abandons_a_stuck_job_which_runs_again_at_the_next_start<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let mut s = settings();
    s.shutdown_grace = Duration::from_millis(200);
    let runner = Arc::new(Recorder::gated(Arc::new(Semaphore::new(0))));
    let svc = Service::start(&db, s, runner.clone()).await;
    assert_eq!(
        svc.deliver(&F::push(secret::<F>(), REPO, "s-1")).await.0,
        202
    );
    eventually("running", || svc.depth().running == 1).await;
    svc.stop().await; // within 10 s although the job never ends
    let runner = Arc::new(Recorder::default());
    let svc = Service::start(&db, settings(), runner.clone()).await;
    eventually("run again", || svc.depth().done == 1).await;
    assert_eq!(runner.runs().len(), 1);
    svc.stop().await;
}

/// Kill the service (its runtime dropped mid-job, nothing finished) with jobs queued, start it
/// again: every job runs, none twice.
fn restart_runs_every_queued_and_interrupted_job_once<F: ServiceForge>() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let repos = ["a/one", "b/two", "c/three"];

    let first_runs = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let gate = Arc::new(Semaphore::new(0)); // never opened: the first job never ends
        let runner = Arc::new(Recorder::gated(gate));
        let mut s = settings();
        s.workers = 1;
        rt.block_on(async {
            let svc = Service::start(&db, s, runner.clone()).await;
            for (i, repo) in repos.iter().enumerate() {
                let push = F::push(secret::<F>(), repo, &format!("k-{i}"));
                let (status, b) = svc.deliver(&push).await;
                assert_eq!(status, 202, "{b}");
            }
            eventually("one running, two queued", || {
                svc.depth()
                    == Depth {
                        queued: 2,
                        running: 1,
                        done: 0,
                        failed: 0,
                    }
            })
            .await;
        });
        // The crash: every task is dropped where it stands; no job is finished.
        rt.shutdown_timeout(Duration::from_secs(5));
        runner.runs()
    };
    assert_eq!(first_runs.len(), 1);
    let interrupted = first_runs[0].0;

    let rt = tokio::runtime::Runtime::new().unwrap();
    let runner = Arc::new(Recorder::default());
    rt.block_on(async {
        let svc = Service::start(&db, settings(), runner.clone()).await;
        eventually("all three done", || svc.depth().done == 3).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut ran: Vec<String> = runner.runs().into_iter().map(|(_, r, _)| r).collect();
        ran.sort();
        assert_eq!(ran, repos.to_vec(), "each job once");
        let job = svc.store.job(interrupted).unwrap().unwrap();
        assert_eq!((job.state, job.attempts), (JobState::Done, 2));
        // A redelivery of a delivery seen before the crash is still a duplicate.
        let (status, _) = svc.deliver(&F::push(secret::<F>(), "a/one", "k-0")).await;
        assert_eq!(status, 200);
        svc.stop().await;
    });
}
