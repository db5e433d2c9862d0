//! `sync` against the fake GitHub: one issue per item, a free second run, no duplicate after
//! crashes, ambiguous 502s, random faults or a concurrent run, and clear failures.

use crate::support;
use crate::sync_common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use postmortem_tracker::forge::github::GitHub;
use postmortem_tracker::plan::plan;
use postmortem_tracker::render::safe::parse_marker;
use postmortem_tracker::render::Engine;
use postmortem_tracker::sync::sync;
use support::github::FakeGitHub;
use support::{Access, Fault};
use sync_common::*;

const REPO: &str = "acme/svc";
const ISSUES: &str = "/repos/acme/svc/issues";

fn fake() -> FakeGitHub {
    let fake = FakeGitHub::start();
    for u in [
        "okafor", "mkovacs", "lfischer", "tbrandt", "okoye", "jdoe", "lgarcia", "mtanaka",
    ] {
        fake.state().add_user(u);
    }
    fake
}

fn client(fake: &FakeGitHub) -> GitHub {
    GitHub::new(
        &fake.base_url(),
        REPO,
        Some(FakeGitHub::TOKEN),
        Duration::from_secs(5),
    )
    .unwrap()
}

/// Key → open issue numbers, from the fake's state.
fn open_by_key(fake: &FakeGitHub) -> BTreeMap<String, Vec<u64>> {
    let st = fake.state();
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for i in st.repo("acme", "svc").real_issues() {
        if i.state != "open" {
            continue;
        }
        let (key, _) = parse_marker(i.body.as_deref().unwrap_or_default()).expect("marker");
        out.entry(key).or_default().push(i.number);
    }
    out
}

/// Every item tracked exactly once, and linked in its file.
fn assert_tracked_once(fake: &FakeGitHub, root: &std::path::Path, expected: &BTreeSet<String>) {
    let open = open_by_key(fake);
    let keys: BTreeSet<String> = open.keys().cloned().collect();
    // Ticked items get an issue closed at once; every other item one open issue.
    let ticked = ticked_keys(root);
    let want: BTreeSet<String> = expected.difference(&ticked).cloned().collect();
    assert!(want.len() < expected.len(), "the corpus has ticked items");
    assert_eq!(keys, want, "one open issue per item, none lost");
    for (k, v) in &open {
        assert_eq!(v.len(), 1, "key {k} has issues {v:?}");
    }
    assert_all_linked(root);
}

#[tokio::test]
async fn first_sync_opens_one_issue_per_item_and_the_second_makes_no_write() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), REPO);
    let gh = client(&fake);
    let report = sync(&docs, &gh, &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.created.len(), expected.len());
    assert_tracked_once(&fake, ws.path(), &expected);
    assert!(report.unknown_owners.contains(&"priya-n".to_string()));

    {
        let st = fake.state();
        let repo = st.repo("acme", "svc");
        let issues = repo.real_issues();
        for i in &issues {
            assert!(
                i.labels.contains(&"postmortem".to_string()),
                "{:?}",
                i.labels
            );
            assert!(
                i.milestone.is_some(),
                "every issue in its postmortem's milestone"
            );
        }
        let by_title = |t: &str| {
            issues
                .iter()
                .find(|i| i.title.contains(t))
                .unwrap_or_else(|| panic!("no issue titled {t}"))
        };
        // A table row with owner, due date and type (example 04).
        let i = by_title("Add jittered exponential backoff");
        assert_eq!(i.assignees, ["mkovacs"]);
        assert!(i.labels.contains(&"preventive".to_string()));
        let body = i.body.as_deref().unwrap();
        assert!(body.contains("2026-03-27"), "{body}");
        assert!(
            body.contains("postmortems/04-cache-failover-sre.md"),
            "{body}"
        );
        // An owner mapped in [owners] (example 07): "Tobias Brandt" → tbrandt.
        assert_eq!(by_title("statement timeout").assignees, ["tbrandt"]);
        // An owner with no account: named in the body, not assigned, not a failure.
        let i = by_title("consumer-lag alerting");
        assert!(i.assignees.is_empty());
        assert!(i.body.as_deref().unwrap().contains("no matching account"));
        // One milestone per postmortem that got issues.
        let titles: BTreeSet<_> = repo.milestones.iter().map(|m| m.title.clone()).collect();
        assert_eq!(titles.len(), repo.milestones.len());
        assert!(
            titles.iter().any(|t| t.contains("PM-2026-014")),
            "{titles:?}"
        );
        for l in ["postmortem", "corrective", "preventive", "task"] {
            assert!(repo.labels.iter().any(|x| x.name == l), "label {l}");
        }
    }

    // Second run: one listing, nothing else.
    fake.log().clear();
    let docs = load(ws.path());
    let report = sync(&docs, &client(&fake), &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert!(report.created.is_empty() && report.adopted.is_empty());
    assert_eq!(fake.log().count_writes(), 0);
    let issues = fake.state().repo("acme", "svc").issues.len();
    let pages = issues.div_ceil(100).max(1);
    assert_eq!(fake.log().len(), pages, "{:?}", fake.log().all());
}

#[tokio::test]
async fn a_create_answered_502_that_succeeded_is_adopted_not_repeated() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    fake.faults()
        .on("POST", ISSUES, Fault::ApplyThenStatus(502), 3)
        .on("POST", ISSUES, Fault::ApplyThenDrop, 2);
    let report = sync(
        &docs,
        &client(&fake),
        &NoSleep::default(),
        &Engine::new(None).unwrap(),
        &options(ws.path(), REPO),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        report.adopted.len(),
        5,
        "the five ambiguous creates were found by key"
    );
    assert_eq!(
        fake.state().repo("acme", "svc").real_issues().len(),
        expected.len()
    );
    assert_tracked_once(&fake, ws.path(), &expected);
}

#[tokio::test]
async fn a_crash_after_any_request_never_leads_to_a_duplicate() {
    // How many requests a clean first run makes.
    let total = {
        let fake = fake();
        let ws = workspace();
        let docs = load(ws.path());
        sync(
            &docs,
            &client(&fake),
            &NoSleep::default(),
            &Engine::new(None).unwrap(),
            &options(ws.path(), REPO),
        )
        .await
        .unwrap();
        fake.log().len()
    };
    assert!(total < 400, "{total}");
    for n in 0..total {
        let fake = fake();
        let ws = workspace();
        let docs = load(ws.path());
        let expected = keys_to_track(&docs);
        // Request n lands but its answer is lost; nothing after it gets through: the process
        // is gone. Links are not written back.
        fake.faults().at_request(n, Fault::ApplyThenDrop);
        for later in n + 1..n + 2000 {
            fake.faults().at_request(later, Fault::Drop);
        }
        let mut opts = options(ws.path(), REPO);
        opts.write_back = false;
        let engine = Engine::new(None).unwrap();
        let _ = sync(&docs, &client(&fake), &NoSleep::default(), &engine, &opts).await;
        fake.faults().clear();
        let docs = load(ws.path());
        let report = sync(
            &docs,
            &client(&fake),
            &NoSleep::default(),
            &engine,
            &options(ws.path(), REPO),
        )
        .await
        .unwrap_or_else(|e| panic!("rerun after a crash at request {n}: {e}"));
        assert!(
            report.errors.is_empty(),
            "crash at {n}: {:?}",
            report.errors
        );
        assert_eq!(
            fake.state().repo("acme", "svc").real_issues().len(),
            expected.len(),
            "crash at request {n} left a duplicate"
        );
        assert_tracked_once(&fake, ws.path(), &expected);
    }
}

#[tokio::test]
async fn twenty_percent_faults_over_seeded_runs_lose_and_duplicate_nothing() {
    let kinds = vec![
        Fault::Status(502),
        Fault::Status(500),
        Fault::ApplyThenStatus(502),
        Fault::Drop,
        Fault::ApplyThenDrop,
        Fault::TooManyRequests {
            retry_after_secs: 2,
        },
        Fault::SecondaryRateLimit {
            retry_after_secs: 3,
        },
    ];
    for seed in 1..=12u64 {
        let fake = fake();
        let ws = workspace();
        let expected = keys_to_track(&load(ws.path()));
        fake.faults().random(seed, 0.2, kinds.clone(), 400);
        let engine = Engine::new(None).unwrap();
        let sleeper = NoSleep::default();
        let mut done = false;
        for _ in 0..10 {
            let docs = load(ws.path());
            if let Ok(r) = sync(
                &docs,
                &client(&fake),
                &sleeper,
                &engine,
                &options(ws.path(), REPO),
            )
            .await
            {
                if r.errors.is_empty() {
                    done = true;
                    break;
                }
            }
        }
        assert!(done, "seed {seed}: no clean run in 10");
        assert!(fake.faults().random_injected() > 0);
        // Rate limits were waited out for as long as the forge asked.
        let waits = sleeper.0.borrow();
        assert!(
            waits.iter().all(|w| *w <= Duration::from_secs(3)),
            "seed {seed}: {waits:?}"
        );
        assert!(fake.state().repo("acme", "svc").real_issues().len() >= expected.len());
        assert_tracked_once(&fake, ws.path(), &expected);
    }
}

#[tokio::test]
async fn rate_limits_are_waited_out_for_the_time_the_forge_asks() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    fake.faults()
        .on(
            "POST",
            ISSUES,
            Fault::SecondaryRateLimit {
                retry_after_secs: 7,
            },
            1,
        )
        .on(
            "GET",
            ISSUES,
            Fault::TooManyRequests {
                retry_after_secs: 4,
            },
            1,
        );
    let sleeper = NoSleep::default();
    sync(
        &docs,
        &client(&fake),
        &sleeper,
        &Engine::new(None).unwrap(),
        &options(ws.path(), REPO),
    )
    .await
    .unwrap();
    let waits = sleeper.0.borrow().clone();
    assert!(waits.contains(&Duration::from_secs(7)), "{waits:?}");
    assert!(waits.contains(&Duration::from_secs(4)), "{waits:?}");
    // No write retried blindly: one POST per issue plus the one refused by the limit.
    let issues = fake.state().repo("acme", "svc").issues.len();
    assert_eq!(fake.log().count("POST", ISSUES), issues + 1);
}

#[tokio::test]
async fn two_syncs_at_once_leave_one_open_issue_per_item() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), REPO);
    let (a, b) = (client(&fake), client(&fake));
    let (sa, sb) = (NoSleep::default(), NoSleep::default());
    let (ra, rb) = tokio::join!(
        sync(&docs, &a, &sa, &engine, &opts),
        sync(&docs, &b, &sb, &engine, &opts)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.errors.is_empty() && rb.errors.is_empty());
    assert_tracked_once(&fake, ws.path(), &expected);
    let closed = ra.duplicates_closed.len() + rb.duplicates_closed.len();
    let all = fake.state().repo("acme", "svc").real_issues().len();
    assert!(closed > 0, "the two runs raced and opened duplicates");
    assert!(closed >= all - expected.len(), "every extra issue closed");
    // The older issue is kept: every closed one is labelled duplicate and newer than its twin.
    for d in ra.duplicates_closed.iter().chain(&rb.duplicates_closed) {
        assert!(d.keep < d.close);
    }
}

#[tokio::test]
async fn items_naming_an_issue_are_adopted_and_removed_items_reported() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), REPO);
    let report = sync(&docs, &client(&fake), &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    // Example 04 names issues for four of its items (#12, #15, an URL, #19) and example 05 one.
    let by_file = report
        .plan
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.action,
                postmortem_tracker::plan::Action::Adopt {
                    by: postmortem_tracker::plan::AdoptBy::FileReference,
                    ..
                }
            )
        })
        .count();
    assert_eq!(by_file, 5);
    // Drop one item from a file: the next plan reports its issue as removed.
    let path = ws
        .path()
        .join("postmortems/02-booking-portal-certificate.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Review expiring credentials"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let state = postmortem_tracker::forge::Tracker::list_issues(&client(&fake), "postmortem")
        .await
        .unwrap();
    let p = plan(&load(ws.path()), &state, &opts.plan);
    assert_eq!(p.removed.len(), 1, "{:?}", p.removed);
    assert_eq!(
        p.removed[0].path,
        "postmortems/02-booking-portal-certificate.md"
    );
    assert_eq!(p.counts().0, 0, "nothing to create");
}

#[tokio::test]
async fn removed_items_are_closed_only_when_asked() {
    let fake = fake();
    let ws = workspace();
    let engine = Engine::new(None).unwrap();
    let mut opts = options(ws.path(), REPO);
    sync(
        &load(ws.path()),
        &client(&fake),
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    // A person deletes one tracked item (its line, link and all).
    let path = ws
        .path()
        .join("postmortems/02-booking-portal-certificate.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Review expiring credentials"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let removed_issue = || {
        let st = fake.state();
        let repo = st.repo("acme", "svc");
        repo.real_issues()
            .into_iter()
            .find(|i| i.title.contains("Review expiring credentials"))
            .map(|i| (i.number, i.state.clone(), repo.comments_on(i.number).len()))
            .expect("the removed item's issue")
    };
    // Off by default: reported, left open.
    let report = sync(
        &load(ws.path()),
        &client(&fake),
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(report.plan.removed.len(), 1);
    assert!(report.removed_closed.is_empty());
    let (number, state, _) = removed_issue();
    assert_eq!(state, "open");
    // On: closed once, with a comment that says why; a further run does nothing more.
    opts.close_removed = true;
    let report = sync(
        &load(ws.path()),
        &client(&fake),
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(report.removed_closed.len(), 1);
    assert_eq!(report.removed_closed[0].issue.number, Some(number));
    let (_, state, comments) = removed_issue();
    assert_eq!((state.as_str(), comments), ("closed", 1));
    let before = fake.log().count_writes();
    let report = sync(
        &load(ws.path()),
        &client(&fake),
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    assert!(report.removed_closed.is_empty());
    assert_eq!(
        fake.log().count_writes(),
        before,
        "a closed removed item is left alone"
    );
}

// ------------------------------------------------------------------ the binary

fn bin(
    ws: &std::path::Path,
    fake: &FakeGitHub,
    token: &str,
    args: &[&str],
) -> (i32, String, String) {
    crate::support::run(
        crate::support::command()
            .args(args)
            .args([
                "--tracker",
                "github",
                "--repo",
                REPO,
                "--api-url",
                &fake.base_url(),
            ])
            .arg("--today=2026-01-10")
            .arg("postmortems")
            .current_dir(ws)
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_API_URL")
            .env_remove("GITLAB_TOKEN")
            .env_remove("CI_API_V4_URL")
            .env("GITHUB_TOKEN", token)
            .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
            .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0"),
    )
}

#[test]
fn the_binary_syncs_then_finds_nothing_to_do_and_plans_without_a_token() {
    let fake = fake();
    let ws = workspace();
    let expected = keys_to_track(&load(ws.path())).len();
    let (code, out, err) = bin(ws.path(), &fake, FakeGitHub::TOKEN, &["sync"]);
    assert_eq!(code, 0, "an unknown owner is no failure: {out}\n{err}");
    assert!(
        out.contains(&format!("Sync: {expected} created")),
        "{out}\n{err}"
    );
    assert_all_linked(ws.path());
    let (code, out, err) = bin(
        ws.path(),
        &fake,
        FakeGitHub::TOKEN,
        &["sync", "--format", "json"],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(v["created"].as_array().unwrap().len(), 0);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = bin(ws.path(), &fake, "", &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] != "create"));
}

#[test]
fn bad_token_no_permission_and_missing_repository_each_get_one_clear_message() {
    let fake = fake();
    fake.state()
        .add_token("ghp_readonly_secret", "viewer", Access::Read);
    fake.state()
        .add_token("ghp_outsider_secret", "stranger", Access::Hidden);
    let ws = workspace();
    for (token, want) in [
        ("ghp_wrong_secret", "GITHUB_TOKEN was rejected by GitHub"),
        (
            "ghp_readonly_secret",
            "GITHUB_TOKEN may not do this on acme/svc (403",
        ),
        ("ghp_outsider_secret", "repository acme/svc was not found"),
    ] {
        let (code, out, err) = bin(ws.path(), &fake, token, &["sync"]);
        assert_eq!(code, 2, "{token}: {out}\n{err}");
        assert!(err.contains(want), "{token}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
        assert!(
            !err.contains(token) && !out.contains(token),
            "token printed: {err}"
        );
    }
    let (code, _, err) = bin(ws.path(), &fake, "", &["sync"]);
    assert_eq!(code, 2);
    assert!(err.contains("no GITHUB_TOKEN"), "{err}");
    assert!(fake.state().repo("acme", "svc").issues.is_empty());
}

/// A ticked item: its new issue is closed at once; an issue someone reopened on purpose is
/// left open when the run does not write the links (the service's pull-request and off modes:
/// the link may never land, so the item stays unlinked and its issue is adopted every run).
#[tokio::test]
async fn ticked_items_new_issues_are_closed_but_a_reopened_one_is_respected() {
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let pm = dir.path().join("postmortems/db.md");
    std::fs::create_dir_all(pm.parent().unwrap()).unwrap();
    std::fs::write(
        &pm,
        "# DB outage\n\n## Action items\n\n- [x] Raise the WAL size\n- [ ] Alert on lag\n",
    )
    .unwrap();
    let docs = load(dir.path());
    let engine = Engine::new(None).unwrap();
    let mut opts = options(dir.path(), REPO);
    opts.write_back = false;
    let report = sync(&docs, &client(&fake), &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert_eq!(report.created.len(), 2);
    let state_of = |title: &str| {
        fake.state()
            .repo("acme", "svc")
            .real_issues()
            .iter()
            .find(|i| i.title.contains(title))
            .map(|i| (i.number, i.state.clone()))
            .unwrap()
    };
    let (wal, state) = state_of("Raise the WAL size");
    assert_eq!(state, "closed", "the ticked item's new issue is closed");
    assert_eq!(state_of("Alert on lag").1, "open");

    // Someone reopens it: the work is not done after all. The next run adopts it again (no
    // link was written) and leaves it open.
    fake.state()
        .repo_mut("acme", "svc")
        .issues
        .iter_mut()
        .find(|i| i.number == wal)
        .unwrap()
        .state = "open".into();
    let report = sync(&docs, &client(&fake), &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert!(report.created.is_empty(), "{:?}", report.created);
    assert_eq!(
        state_of("Raise the WAL size").1,
        "open",
        "a reopen is respected"
    );
}
