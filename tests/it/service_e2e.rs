//! The service end to end: real signed deliveries (recorded payloads) over loopback HTTP lead
//! to real syncs and follow-ups, through octocrab and the gitlab crate, against the fake
//! GitHub and GitLab; afterwards `/api/items` and its CSV agree with what the fakes hold.
//! Each scenario is written once over [`ServiceForge`] and runs against both fakes
//! (`both_forges!`).

use crate::support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use postmortem_tracker::forge::paced::Pacing;
use postmortem_tracker::service::runner::{Access, ForgeRunner, RunnerSettings, WriteMode};
use postmortem_tracker::service::store::Store;
use postmortem_tracker::service::{Secrets, Settings};
use serde_json::Value;
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{eventually_for, Service, ServiceForge};
use support::Fault;

pub(crate) const GH_SECRET: &str = "e2e-gh-secret";
const GL_TOKEN: &str = "e2e-gl-token";

/// The tool's own configuration in each repository: no pacing (the fakes have no limits).
pub(crate) const CONFIG: &str = "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n";

pub(crate) const PM: &str = "# Replica lag outage\n\nStart: 2026-10-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on replica lag @alice due: 2026-10-15\n- [ ] Add a runbook for failover @bob due: 2026-12-20\n- [x] Raise the WAL size @alice due: 2026-10-05\n\n## Lessons learned\n\nLag hides.\n";

pub(crate) const TODAY: &str = "2026-11-21";

pub(crate) fn settings() -> Settings {
    Settings {
        secrets: Secrets {
            github: Some(GH_SECRET.into()),
            gitlab: Some(GL_TOKEN.into()),
        },
        workers: 2,
        poll_interval: Duration::from_millis(200),
        ..Settings::default()
    }
}

/// The service with the real runner against the two fakes, on a fresh database (dropped
/// with the returned folder). The runner counts into the settings' counters, which
/// `/metrics` shows.
pub(crate) async fn start(gh: &FakeGitHub, gl: &FakeGitLab) -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let svc = serve_on(&dir.path().join("db.sqlite"), gh, gl, TODAY).await;
    (svc, dir)
}

/// The same service on the database `db` (new or not), its day `today`.
pub(crate) async fn serve_on(
    db: &std::path::Path,
    gh: &FakeGitHub,
    gl: &FakeGitLab,
    today: &str,
) -> Service {
    let store = Arc::new(Store::open(db).unwrap());
    let s = settings();
    let runner = forge_runner(gh, gl, store.clone(), &s, Duration::from_secs(5), today);
    Service::start_with(store, s, Arc::new(runner)).await
}

/// The real runner against the two fakes, keeping its index in `store`, waiting out rate
/// limits up to `max_wait` (a longer one puts the job off), its day `today`.
pub(crate) fn forge_runner(
    gh: &FakeGitHub,
    gl: &FakeGitLab,
    store: Arc<Store>,
    s: &Settings,
    max_wait: Duration,
    today: &str,
) -> ForgeRunner {
    ForgeRunner::new(
        store,
        RunnerSettings {
            github: Some(Access {
                api_url: gh.base_url(),
                token: FakeGitHub::TOKEN.into(),
            }),
            gitlab: Some(Access {
                api_url: format!("{}/api/v4", gl.base_url()),
                token: FakeGitLab::TOKEN.into(),
            }),
            write: WriteMode::Commit,
            timeout: Duration::from_secs(10),
            pacing: Pacing {
                min_write_interval: Duration::ZERO,
                max_wait,
                retry_delay: Duration::ZERO,
                ..Pacing::default()
            },
            job_timeout: Duration::from_secs(600),
            today: Some(today.parse().unwrap()),
            templates_dir: None,
        },
        s.api_metrics.clone(),
    )
    .unwrap()
}

async fn items(svc: &Service, query: &str) -> Vec<Value> {
    let (status, body) = svc.get(&format!("/api/items{query}")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn jobs(svc: &Service) -> Vec<Value> {
    let (status, body) = svc.get("/api/jobs").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Each record's issue is an issue of the fake with the record's key in its marker, closed
/// exactly when the record is done.
fn agree(records: &[Value], issues: &BTreeMap<u64, (bool, String)>) {
    assert!(!records.is_empty());
    for r in records {
        let number: u64 = r["issue"]
            .as_str()
            .unwrap()
            .trim_start_matches('#')
            .parse()
            .unwrap();
        let (open, body) = issues
            .get(&number)
            .unwrap_or_else(|| panic!("{r}: no issue {number} in the fake"));
        assert!(
            body.contains(r["key"].as_str().unwrap()),
            "{r}: the issue body lacks the key"
        );
        assert_eq!(*open, r["state"] != "done", "{r}: open = {open}");
    }
}

crate::both_forges!(
    push_syncs_and_an_issue_event_follows_up,
    a_push_and_an_issue_event_on_two_repositories,
    a_repository_the_token_cannot_see_fails_its_job_with_a_clear_message,
    a_rate_limit_is_waited_out_and_the_job_finishes,
    a_rate_limit_longer_than_the_wait_puts_the_job_off_until_the_reset,
);

/// The webhook secret of `F`'s deliveries.
pub(crate) fn secret<F: ServiceForge>() -> &'static str {
    match F::NAME {
        "github" => GH_SECRET,
        _ => GL_TOKEN,
    }
}

const PM_FILE: &str = "postmortems/2026-10-01-replica-lag.md";

async fn push_syncs_and_an_issue_event_follows_up<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    // Mixed case, as forges send it: the service keeps repositories lower-cased.
    let path = "Codertocat/Hello-World";
    let repository = "codertocat/hello-world";
    forge.seed(
        repository,
        &[
            (".postmortem-tracker.toml", CONFIG),
            (PM_FILE, PM),
            (
                "README.md",
                "# Hello\n\n- [ ] not an action item @x due: 2020-01-01\n",
            ),
        ],
    );
    let (svc, _dir) = start(&gh, &gl).await;

    // A real push delivery (the forge's documented example) → one sync.
    let push = F::push(secret::<F>(), path, "e2e-1");
    let (status, body) = svc.deliver(&push).await;
    assert_eq!(status, 202, "{body}");
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(j.len(), 1, "{j:?}");
    assert_eq!(
        (j[0]["reason"].as_str(), j[0]["state"].as_str()),
        (Some("sync"), Some("done")),
        "{j:?}"
    );

    // Three issues, one per item, none for the README; the links committed to the file.
    let issues = forge.issues(repository);
    assert_eq!(issues.len(), 3, "{issues:?}");
    let text = forge.file_text(repository, PM_FILE);
    for n in issues.keys() {
        assert!(
            text.contains(&format!("#{n}")),
            "link #{n} missing:\n{text}"
        );
    }
    assert!(
        !text.contains("postmortem-tracker:status"),
        "a sync writes no status block:\n{text}"
    );

    // The index: three items, states as of TODAY, agreeing with the fake.
    let all = items(&svc, "").await;
    assert_eq!(all.len(), 3, "{all:?}");
    let states: BTreeMap<&str, &str> = all
        .iter()
        .map(|r| (r["text"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        BTreeMap::from([
            ("Add a runbook for failover", "open"),
            ("Alert on replica lag", "overdue"),
            ("Raise the WAL size", "done"),
        ])
    );
    agree(&all, &issues);
    assert!(all
        .iter()
        .all(|r| r["repository"] == repository && r["forge"] == F::NAME));
    let url = all[0]["postmortem_url"].as_str().unwrap();
    assert!(
        url.ends_with(&F::blob_url_suffix(repository, PM_FILE)),
        "{url}"
    );

    // The same delivery again: a duplicate, no job. A second push: a run that writes nothing.
    let writes_before = forge.requests().count_writes();
    let (status, body) = svc.deliver(&push).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("duplicate"), "{body}");
    let (status, _) = svc.deliver(&F::push(secret::<F>(), path, "e2e-2")).await;
    assert_eq!(status, 202);
    svc.idle(30).await;
    assert_eq!(jobs(&svc).await.len(), 2);
    assert_eq!(
        forge.requests().count_writes(),
        writes_before,
        "a second sync of an unchanged repository writes nothing"
    );

    // Someone closes the overdue item's issue; the forge sends an issue event → a follow-up.
    let overdue = all.iter().find(|r| r["state"] == "overdue").unwrap();
    let overdue_no: u64 = overdue["issue"].as_str().unwrap()[1..].parse().unwrap();
    let open = all.iter().find(|r| r["state"] == "open").unwrap();
    let open_no: u64 = open["issue"].as_str().unwrap()[1..].parse().unwrap();
    forge.close(repository, overdue_no, "2026-11-10T12:00:00Z");
    let (status, body) = svc
        .deliver(&F::issue_event(secret::<F>(), path, "e2e-3"))
        .await;
    assert_eq!(status, 202, "{body}");
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(
        (j[0]["reason"].as_str(), j[0]["state"].as_str()),
        (Some("followup"), Some("done")),
        "{j:?}"
    );

    // The status block is committed; the item whose issue was closed is done everywhere.
    let text = forge.file_text(repository, PM_FILE);
    assert!(
        text.contains("postmortem-tracker"),
        "no status block:\n{text}"
    );
    let all = items(&svc, "").await;
    let issues = forge.issues(repository);
    agree(&all, &issues);
    assert_eq!(
        all.iter().filter(|r| r["state"] == "done").count(),
        2,
        "{all:?}"
    );
    assert!(issues[&open_no].0, "the open item's issue stays open");

    // Time to close counts to the day the tracker closed each issue.
    let closed_on: BTreeMap<&str, &str> = all
        .iter()
        .filter(|r| r["state"] == "done")
        .map(|r| {
            (
                r["text"].as_str().unwrap(),
                r["closed_on"].as_str().unwrap(),
            )
        })
        .collect();
    let wal_closed = forge
        .issue(repository, "Raise the WAL size")
        .1
        .expect("the sync closed the ticked item's issue");
    assert_eq!(
        closed_on,
        BTreeMap::from([
            ("Alert on replica lag", "2026-11-10"),
            ("Raise the WAL size", &wal_closed[..10]),
        ])
    );

    // Filters, and the CSV holds the same rows as the JSON.
    let alice = items(&svc, "?owner=alice").await;
    assert_eq!(alice.len(), 2, "{alice:?}");
    let (status, csv) = svc.get("/api/items.csv?owner=alice").await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(rows.len(), 1 + alice.len(), "{csv}");
    for r in &alice {
        let key = r["key"].as_str().unwrap();
        assert!(
            rows.iter()
                .any(|row| row.ends_with(key) && row.contains(r["text"].as_str().unwrap())),
            "{key} not in {csv}"
        );
    }

    // Metrics name what happened.
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics.contains("postmortem_tracker_job_runs_total{result=\"done\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_tracker_job_duration_seconds_count{reason=\"sync\"} 2"),
        "{metrics}"
    );
    // Every request the fake saw came from a job's call; listings count once per call.
    let calls: usize = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "postmortem_tracker_api_calls_total{{forge=\"{}\",outcome=\"ok\"}} ",
                F::NAME
            ))
        })
        .unwrap_or_else(|| panic!("no call count: {metrics}"))
        .parse()
        .unwrap();
    let requests = forge.requests().len();
    assert!(
        calls > 0 && calls <= requests,
        "{calls} calls, {requests} requests"
    );
    assert!(!metrics.contains("outcome=\"error\""), "{metrics}");
    assert!(!metrics.contains(F::TOKEN));
    svc.stop().await;
}

/// A push on one repository (a sync) and an issue event on another (a follow-up): each gets
/// its issues and links, only the followed-up one a status block, its overdue issue the
/// `overdue` label and one reminder; the overdue filter spans both.
async fn a_push_and_an_issue_event_on_two_repositories<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let (pushed, followed) = ("mike/diaspora", "gitlabhq/gitlab-test");
    for path in [pushed, followed] {
        forge.seed(path, &[(".postmortem-tracker.toml", CONFIG), (PM_FILE, PM)]);
    }
    let (svc, _dir) = start(&gh, &gl).await;

    let (status, answer) = svc
        .deliver(&F::push(secret::<F>(), pushed, "e2e-two-1"))
        .await;
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = svc
        .deliver(&F::issue_event(secret::<F>(), followed, "e2e-two-2"))
        .await;
    assert_eq!(status, 202, "{answer}");
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert!(j.iter().all(|j| j["state"] == "done"), "{j:?}");

    for (path, status_block) in [(pushed, false), (followed, true)] {
        let issues = forge.issues(path);
        let text = forge.file_text(path, PM_FILE);
        assert_eq!(issues.len(), 3, "{path}: {issues:?}");
        let records = items(&svc, &format!("?forge={}&repository={path}", F::NAME)).await;
        assert_eq!(records.len(), 3, "{path}: {records:?}");
        agree(&records, &issues);
        assert_eq!(
            text.contains("postmortem-tracker"),
            status_block,
            "{path}:\n{text}"
        );
        for n in issues.keys() {
            assert!(
                text.contains(&format!("#{n}")),
                "{path}: link #{n} missing:\n{text}"
            );
        }
    }
    // The overdue issue of the followed-up repository got the label and a reminder; the
    // pushed one's (a sync only) neither.
    let (_, _, labels, comments) = forge.issue(followed, "Alert on replica lag");
    assert!(labels.iter().any(|l| l == "overdue"), "{labels:?}");
    assert_eq!(comments, 1, "one reminder");
    for title in ["Add a runbook for failover", "Raise the WAL size"] {
        let (_, _, labels, _) = forge.issue(followed, title);
        assert!(
            !labels.iter().any(|l| l == "overdue"),
            "{title}: {labels:?}"
        );
    }
    let (_, _, labels, comments) = forge.issue(pushed, "Alert on replica lag");
    assert!(!labels.iter().any(|l| l == "overdue"), "{labels:?}");
    assert_eq!(comments, 0);
    // Both repositories' items, overdue filter across repositories.
    let overdue_items = items(&svc, "?overdue=true").await;
    assert_eq!(overdue_items.len(), 2, "{overdue_items:?}");
    svc.stop().await;
}

async fn a_repository_the_token_cannot_see_fails_its_job_with_a_clear_message<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let (svc, _dir) = start(&gh, &gl).await;
    // codertocat/hello-world does not exist in this fake.
    let push = F::push(secret::<F>(), "Codertocat/Hello-World", "x-1");
    assert_eq!(svc.deliver(&push).await.0, 202);
    let store = svc.store.clone();
    eventually_for("the job to fail", 30, move || {
        store.depth().unwrap().failed == 1
    })
    .await;
    let j = jobs(&svc).await;
    let error = j[0]["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("{}:codertocat/hello-world", F::NAME)) && error.contains("404"),
        "{error}"
    );
    assert!(!error.contains(F::TOKEN), "{error}");
    assert!(items(&svc, "").await.is_empty());
    svc.stop().await;
}

/// Seeds `codertocat/hello-world` with a postmortem and makes the forge answer the first
/// listing of its files with a rate limit of `retry_after_secs`; returns the repository.
fn seed_rate_limited<F: ServiceForge>(forge: &F, retry_after_secs: u64) -> &'static str {
    let repository = "codertocat/hello-world";
    forge.seed(
        repository,
        &[(".postmortem-tracker.toml", CONFIG), (PM_FILE, PM)],
    );
    // The service asks by the lower-cased name it keeps.
    forge.faults().on(
        "GET",
        &F::file_listing(repository),
        Fault::SecondaryRateLimit { retry_after_secs },
        1,
    );
    repository
}

/// The forge's rate limit on the first listing of the branch's files: waited out (the wait
/// the forge asked for), and the job finishes.
async fn a_rate_limit_is_waited_out_and_the_job_finishes<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repository = seed_rate_limited(forge, 1);
    let (svc, _dir) = start(&gh, &gl).await;
    let push = F::push(secret::<F>(), "Codertocat/Hello-World", "rl-1");
    assert_eq!(svc.deliver(&push).await.0, 202);
    let started = std::time::Instant::now();
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(j[0]["state"], "done", "{j:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited {:?}: longer than the forge asked",
        started.elapsed()
    );
    let limited = forge
        .requests()
        .all()
        .iter()
        .filter(|r| r.status == F::RATE_LIMITED && r.path.starts_with(&F::file_listing(repository)))
        .count();
    assert_eq!(limited, 1, "the fault fired once");
    assert_eq!(items(&svc, "").await.len(), 3);
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics.contains("postmortem_tracker_api_waits_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "postmortem_tracker_api_calls_total{{forge=\"{}\",outcome=\"rate_limited\"}} 1",
            F::NAME
        )),
        "{metrics}"
    );
    svc.stop().await;
}

/// A rate limit longer than the runner may wait (`max_wait` 1 s, the forge asks for 3 s): the
/// job is not failed but put back in the queue until after the reset, and then finishes.
async fn a_rate_limit_longer_than_the_wait_puts_the_job_off_until_the_reset<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repository = seed_rate_limited(forge, 3);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite")).unwrap());
    let s = settings();
    let runner = forge_runner(&gh, &gl, store.clone(), &s, Duration::from_secs(1), TODAY);
    let svc = Service::start_with(store.clone(), s, Arc::new(runner)).await;
    let push = F::push(secret::<F>(), "Codertocat/Hello-World", "later-1");
    assert_eq!(svc.deliver(&push).await.0, 202);
    let started = std::time::Instant::now();
    // Put off: queued again, not before the reset, its reason shown; nothing failed.
    let s2 = store.clone();
    eventually_for("the job to be put off", 10, move || {
        s2.recent_jobs(1).unwrap()[0].not_before.is_some()
    })
    .await;
    let put_off = store.recent_jobs(1).unwrap().remove(0);
    assert_eq!(
        put_off.state,
        postmortem_tracker::service::store::JobState::Queued
    );
    assert!(
        put_off
            .error
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .contains("limit"),
        "{put_off:?}"
    );
    let not_before = put_off.not_before.unwrap();
    let reset_at = put_off.started_at.unwrap() + chrono::TimeDelta::seconds(3);
    assert!(
        not_before >= reset_at,
        "{not_before} before the reset {reset_at}"
    );
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(j.len(), 1, "one job, run twice: {j:?}");
    assert_eq!(
        (j[0]["state"].as_str(), j[0]["attempts"].as_i64()),
        (Some("done"), Some(2)),
        "{j:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "ran again before the reset: {:?}",
        started.elapsed()
    );
    assert_eq!(forge.issues(repository).len(), 3);
    assert_eq!(items(&svc, "").await.len(), 3);
    svc.stop().await;
}

/// A watched GitLab group (`gitlab:acme/*`) is listed over the connection the jobs use: its
/// token is checked (`GET /user`) once, not at every listing.
#[tokio::test]
async fn a_watched_gitlab_group_is_listed_without_checking_the_token_again() {
    use postmortem_tracker::service::webhook::Forge;
    use postmortem_tracker::service::Runner;

    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    {
        let mut st = gl.state();
        st.add_project(43, "acme/platform/api");
        st.add_project(44, "acme/old").archived = true;
    }
    let db = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&db.path().join("index.db")).unwrap());
    let runner = forge_runner(
        &gh,
        &gl,
        store,
        &settings(),
        Duration::from_secs(5),
        "2026-10-20",
    );
    for _ in 0..3 {
        let repos = runner.repositories_of(Forge::Gitlab, "acme").await.unwrap();
        assert!(
            repos.contains(&"acme/platform/api".to_string()),
            "{repos:?}"
        );
        assert!(!repos.contains(&"acme/old".to_string()), "{repos:?}");
    }
    assert_eq!(gl.log().count("GET", "/api/v4/user"), 1);
    assert_eq!(gl.log().count("GET", "/api/v4/groups/acme/projects"), 3);
    // An unknown group fails with GitLab's answer, named by the watch list entry.
    let e = runner
        .repositories_of(Forge::Gitlab, "nobody")
        .await
        .unwrap_err();
    assert!(e.starts_with("gitlab:nobody/*: "), "{e}");
    assert_eq!(gl.log().count("GET", "/api/v4/user"), 1);
}
