//! The service end to end: real signed deliveries (recorded payloads) over loopback HTTP lead
//! to real syncs and follow-ups, through octocrab and the gitlab crate, against the fake
//! GitHub and GitLab; afterwards `/api/items` and its CSV agree with what the fakes hold.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use postmortem_tracker::service::runner::{Access, ForgeRunner, RunnerSettings, WriteMode};
use postmortem_tracker::service::store::Store;
use postmortem_tracker::service::{Secrets, Settings};
use postmortem_tracker::sync::Pacing;
use serde_json::Value;
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{eventually_for, Service};
use support::Fault;

pub(crate) const GH_SECRET: &str = "e2e-gh-secret";
const GL_TOKEN: &str = "e2e-gl-token";

/// The tool's own configuration in each repository: no pacing (the fakes have no limits).
pub(crate) const CONFIG: &str = "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n";

pub(crate) const PM: &str = "# Replica lag outage\n\nStart: 2026-10-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on replica lag @alice due: 2026-10-15\n- [ ] Add a runbook for failover @bob due: 2026-12-20\n- [x] Raise the WAL size @alice due: 2026-10-05\n\n## Lessons learned\n\nLag hides.\n";

pub(crate) const TODAY: &str = "2026-11-21";

pub(crate) fn fixture(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhooks")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A gitlab-bot capture: its recorded headers (with our token, and `uuid` as the delivery
/// id: the captures share one) and its body.
fn gitlab_delivery(name: &str, uuid: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let v: Value = serde_json::from_slice(&fixture(name)).unwrap();
    let mut headers: Vec<(String, String)> = v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("X-Gitlab-Event-UUID"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    headers.push(("X-Gitlab-Event-UUID".into(), uuid.into()));
    headers.push(("X-Gitlab-Token".into(), GL_TOKEN.into()));
    (headers, serde_json::to_vec(&v["body"]).unwrap())
}

fn settings() -> Settings {
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
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite")).unwrap());
    let s = settings();
    let runner = ForgeRunner::new(
        store.clone(),
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
                max_wait: Duration::from_secs(5),
                retry_delay: Duration::ZERO,
                ..Pacing::default()
            },
            job_timeout: Duration::from_secs(600),
            today: Some(TODAY.parse().unwrap()),
            templates_dir: None,
        },
        s.api_metrics.clone(),
    )
    .unwrap();
    (Service::start_with(store, s, Arc::new(runner)).await, dir)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_push_syncs_and_an_issue_event_follows_up() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    {
        let mut st = gh.state();
        st.add_repo("Codertocat", "Hello-World");
        let repo = ("Codertocat", "Hello-World");
        st.seed_file(repo, "main", ".postmortem-tracker.toml", CONFIG);
        st.seed_file(repo, "main", "postmortems/2026-10-01-replica-lag.md", PM);
        st.seed_file(
            repo,
            "main",
            "README.md",
            "# Hello\n\n- [ ] not an action item @x due: 2020-01-01\n",
        );
        st.add_user("alice");
        st.add_user("bob");
    }
    let (svc, _dir) = start(&gh, &gl).await;

    // A real push delivery (GitHub's documented example) → one sync.
    let push = fixture("github/push.with-new-branch.payload.json");
    let (status, body) = svc.github(GH_SECRET, "push", "e2e-1", &push).await;
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
    let issues: BTreeMap<u64, (bool, String)> = {
        let st = gh.state();
        st.repo("Codertocat", "Hello-World")
            .issues
            .iter()
            .filter(|i| i.pull.is_none())
            .map(|i| {
                (
                    i.number,
                    (i.state == "open", i.body.clone().unwrap_or_default()),
                )
            })
            .collect()
    };
    assert_eq!(issues.len(), 3, "{issues:?}");
    let text = gh
        .state()
        .repo("Codertocat", "Hello-World")
        .file_text("main", "postmortems/2026-10-01-replica-lag.md")
        .unwrap();
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
        .all(|r| r["repository"] == "codertocat/hello-world"));
    assert!(
        all[0]["postmortem_url"]
            .as_str()
            .unwrap()
            .ends_with("/codertocat/hello-world/blob/main/postmortems/2026-10-01-replica-lag.md"),
        "{}",
        all[0]
    );

    // The same delivery again: a duplicate, no job. A second push: a run that writes nothing.
    let writes_before = gh.log().count_writes();
    let (status, body) = svc.github(GH_SECRET, "push", "e2e-1", &push).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("duplicate"), "{body}");
    let (status, _) = svc.github(GH_SECRET, "push", "e2e-2", &push).await;
    assert_eq!(status, 202);
    svc.idle(30).await;
    assert_eq!(jobs(&svc).await.len(), 2);
    assert_eq!(
        gh.log().count_writes(),
        writes_before,
        "a second sync of an unchanged repository writes nothing"
    );

    // Someone closes the overdue item's issue; GitHub sends an issues event → a follow-up.
    let overdue = all.iter().find(|r| r["state"] == "overdue").unwrap();
    let overdue_no: u64 = overdue["issue"].as_str().unwrap()[1..].parse().unwrap();
    let open = all.iter().find(|r| r["state"] == "open").unwrap();
    let open_no: u64 = open["issue"].as_str().unwrap()[1..].parse().unwrap();
    {
        let mut st = gh.state();
        let issue = st
            .repo_mut("Codertocat", "Hello-World")
            .issues
            .iter_mut()
            .find(|i| i.number == overdue_no)
            .unwrap();
        issue.state = "closed".into();
        issue.closed_at = Some("2026-11-10T12:00:00Z".into());
    }
    let event = fixture("github/issues.opened.payload.json");
    let (status, body) = svc.github(GH_SECRET, "issues", "e2e-3", &event).await;
    assert_eq!(status, 202, "{body}");
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(
        (j[0]["reason"].as_str(), j[0]["state"].as_str()),
        (Some("followup"), Some("done")),
        "{j:?}"
    );

    // The status block is committed; the item whose issue was closed is done everywhere.
    let text = gh
        .state()
        .repo("Codertocat", "Hello-World")
        .file_text("main", "postmortems/2026-10-01-replica-lag.md")
        .unwrap();
    assert!(
        text.contains("postmortem-tracker"),
        "no status block:\n{text}"
    );
    let all = items(&svc, "").await;
    let issues: BTreeMap<u64, (bool, String)> = gh
        .state()
        .repo("Codertocat", "Hello-World")
        .issues
        .iter()
        .filter(|i| i.pull.is_none())
        .map(|i| {
            (
                i.number,
                (i.state == "open", i.body.clone().unwrap_or_default()),
            )
        })
        .collect();
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
    let wal_closed = gh
        .state()
        .repo("Codertocat", "Hello-World")
        .issues
        .iter()
        .find(|i| i.title.contains("Raise the WAL size"))
        .and_then(|i| i.closed_at.clone())
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
            l.strip_prefix("postmortem_tracker_api_calls_total{forge=\"github\",outcome=\"ok\"} ")
        })
        .unwrap_or_else(|| panic!("no call count: {metrics}"))
        .parse()
        .unwrap();
    let requests = gh.log().len();
    assert!(
        calls > 0 && calls <= requests,
        "{calls} calls, {requests} requests"
    );
    assert!(!metrics.contains("outcome=\"error\""), "{metrics}");
    assert!(!metrics.contains(FakeGitHub::TOKEN));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_push_and_issue_hooks_reconcile_their_projects() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    {
        let mut st = gl.state();
        for (id, path) in [(7, "mike/diaspora"), (8, "gitlabhq/gitlab-test")] {
            st.add_project(id, path);
            st.seed_file(path, "main", ".postmortem-tracker.toml", CONFIG);
            st.seed_file(path, "main", "postmortems/2026-10-01-replica-lag.md", PM);
        }
    }
    let (svc, _dir) = start(&gh, &gl).await;

    let (h, body) = gitlab_delivery("gitlab/gitlab-bot.push-event.json", "e2e-gl-1");
    let (status, answer) = svc.post("/webhooks/gitlab", &h, &body).await;
    assert_eq!(status, 202, "{answer}");
    let (h, body) = gitlab_delivery("gitlab/gitlab-bot.issue-event.json", "e2e-gl-2");
    let (status, answer) = svc.post("/webhooks/gitlab", &h, &body).await;
    assert_eq!(status, 202, "{answer}");
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert!(j.iter().all(|j| j["state"] == "done"), "{j:?}");

    for (path, status_block) in [("mike/diaspora", false), ("gitlabhq/gitlab-test", true)] {
        let (issues, text) = {
            let st = gl.state();
            let p = st.project(path);
            let issues: BTreeMap<u64, (bool, String)> = p
                .issues
                .iter()
                .map(|i| {
                    (
                        i.iid,
                        (
                            i.state == "opened",
                            i.description.clone().unwrap_or_default(),
                        ),
                    )
                })
                .collect();
            (
                issues,
                p.file_text("main", "postmortems/2026-10-01-replica-lag.md")
                    .unwrap(),
            )
        };
        assert_eq!(issues.len(), 3, "{path}: {issues:?}");
        let records = items(&svc, &format!("?forge=gitlab&repository={path}")).await;
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
    // The overdue issue on the follow-up's project got the label and a reminder.
    {
        let st = gl.state();
        let p = st.project("gitlabhq/gitlab-test");
        let overdue: Vec<_> = p
            .issues
            .iter()
            .filter(|i| i.labels.iter().any(|l| l == "overdue"))
            .collect();
        assert_eq!(
            overdue.len(),
            1,
            "{:?}",
            p.issues
                .iter()
                .map(|i| (&i.title, &i.labels))
                .collect::<Vec<_>>()
        );
        assert!(!p.issue_notes(overdue[0].iid).is_empty(), "no reminder");
    }
    // Both projects' items, overdue filter across repositories.
    let overdue_items = items(&svc, "?overdue=true").await;
    assert_eq!(overdue_items.len(), 2, "{overdue_items:?}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_the_token_cannot_see_fails_its_job_with_a_clear_message() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let (svc, _dir) = start(&gh, &gl).await;
    // codertocat/hello-world does not exist in this fake.
    let push = fixture("github/push.with-new-branch.payload.json");
    assert_eq!(svc.github(GH_SECRET, "push", "x-1", &push).await.0, 202);
    let store = svc.store.clone();
    eventually_for("the job to fail", 30, move || {
        store.depth().unwrap().failed == 1
    })
    .await;
    let j = jobs(&svc).await;
    let error = j[0]["error"].as_str().unwrap();
    assert!(
        error.contains("github:codertocat/hello-world") && error.contains("404"),
        "{error}"
    );
    assert!(!error.contains(FakeGitHub::TOKEN), "{error}");
    assert!(items(&svc, "").await.is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_waited_out_and_the_job_finishes() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    {
        let mut st = gh.state();
        st.add_repo("Codertocat", "Hello-World");
        let repo = ("Codertocat", "Hello-World");
        st.seed_file(repo, "main", ".postmortem-tracker.toml", CONFIG);
        st.seed_file(repo, "main", "postmortems/2026-10-01-replica-lag.md", PM);
    }
    // GitHub's secondary limit on the first listing of the branch's files (the service asks
    // by the lower-cased name it keeps).
    gh.faults().on(
        "GET",
        "/repos/codertocat/hello-world/git/trees",
        Fault::SecondaryRateLimit {
            retry_after_secs: 1,
        },
        1,
    );
    let (svc, _dir) = start(&gh, &gl).await;
    let push = fixture("github/push.with-new-branch.payload.json");
    assert_eq!(svc.github(GH_SECRET, "push", "rl-1", &push).await.0, 202);
    svc.idle(30).await;
    let j = jobs(&svc).await;
    assert_eq!(j[0]["state"], "done", "{j:?}");
    let limited = gh
        .log()
        .all()
        .iter()
        .filter(|r| r.status == 403 && r.path.contains("/git/trees"))
        .count();
    assert_eq!(limited, 1, "the fault fired once");
    assert_eq!(items(&svc, "").await.len(), 3);
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics.contains("postmortem_tracker_api_waits_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "postmortem_tracker_api_calls_total{forge=\"github\",outcome=\"rate_limited\"} 1"
        ),
        "{metrics}"
    );
    svc.stop().await;
}
