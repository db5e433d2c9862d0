//! `sync` against the fake GitLab: the same guarantees as on GitHub, through the `gitlab`
//! crate's async client (form bodies, user ids, native due dates, 429 with Retry-After).

use crate::support;
use crate::sync_common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use postmortem_tracker::forge::gitlab::GitLab;
use postmortem_tracker::render::safe::parse_marker;
use postmortem_tracker::render::Engine;
use postmortem_tracker::sync::sync;
use support::gitlab::FakeGitLab;
use support::{Access, Fault};
use sync_common::*;

const P: &str = "acme/svc";
const ISSUES: &str = "/api/v4/projects/acme%2Fsvc/issues";

fn fake() -> FakeGitLab {
    let fake = FakeGitLab::start();
    for u in [
        "okafor", "mkovacs", "lfischer", "tbrandt", "okoye", "jdoe", "lgarcia", "mtanaka",
    ] {
        fake.state().add_user(u);
    }
    fake
}

async fn client(fake: &FakeGitLab) -> GitLab {
    GitLab::connect(&format!("{}/api/v4", fake.base_url()), P, FakeGitLab::TOKEN)
        .await
        .unwrap()
}

fn open_by_key(fake: &FakeGitLab) -> BTreeMap<String, Vec<u64>> {
    let st = fake.state();
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for i in &st.project(P).issues {
        if i.state != "opened" {
            continue;
        }
        let (key, _) = parse_marker(i.description.as_deref().unwrap_or_default()).expect("marker");
        out.entry(key).or_default().push(i.iid);
    }
    out
}

fn assert_tracked_once(fake: &FakeGitLab, root: &std::path::Path, expected: &BTreeSet<String>) {
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
async fn items_naming_an_issue_are_adopted_and_removed_items_reported() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), P);
    let gl = client(&fake).await;
    let report = sync(&docs, &gl, &NoSleep::default(), &engine, &opts)
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Example 04 names issues for four of its items (#12, #15, an URL, #19) and example 05 one:
    // they are adopted, not opened again.
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
    // Drop one item from a file: the next plan reports its issue as removed, opens nothing.
    let path = ws
        .path()
        .join("postmortems/02-booking-portal-certificate.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Review expiring credentials"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let state = postmortem_tracker::forge::Tracker::list_issues(&gl, "postmortem")
        .await
        .unwrap();
    let p = postmortem_tracker::plan::plan(&load(ws.path()), &state, &opts.plan);
    assert_eq!(p.removed.len(), 1, "{:?}", p.removed);
    assert_eq!(
        p.removed[0].path,
        "postmortems/02-booking-portal-certificate.md"
    );
    assert_eq!(p.counts().0, 0, "nothing to create");
}

#[tokio::test]
async fn first_sync_opens_one_issue_per_item_and_the_second_makes_no_write() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), P);
    let report = sync(
        &docs,
        &client(&fake).await,
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.created.len(), expected.len());
    assert_tracked_once(&fake, ws.path(), &expected);
    {
        let st = fake.state();
        let project = st.project(P);
        let find = |t: &str| {
            project
                .issues
                .iter()
                .find(|i| i.title.contains(t))
                .unwrap_or_else(|| panic!("no issue titled {t}"))
        };
        let i = find("Add jittered exponential backoff");
        assert_eq!(i.assignee_ids, [st.user_id("mkovacs")]);
        assert_eq!(i.due_date.as_deref(), Some("2026-03-27"), "native due date");
        assert!(i.labels.contains(&"preventive".to_string()));
        assert!(i.milestone_id.is_some());
        assert_eq!(
            find("statement timeout").assignee_ids,
            [st.user_id("tbrandt")]
        );
        let i = find("consumer-lag alerting");
        assert!(i.assignee_ids.is_empty());
        assert!(i
            .description
            .as_deref()
            .unwrap()
            .contains("no matching account"));
        assert!(project
            .issues
            .iter()
            .all(|i| i.labels.contains(&"postmortem".to_string())));
    }
    fake.log().clear();
    let docs = load(ws.path());
    let report = sync(
        &docs,
        &client(&fake).await,
        &NoSleep::default(),
        &engine,
        &opts,
    )
    .await
    .unwrap();
    assert!(report.created.is_empty() && report.adopted.is_empty());
    assert_eq!(fake.log().count_writes(), 0);
    let pages = fake.state().project(P).issues.len().div_ceil(100).max(1);
    // GET /user (the client checks its token) plus the listing pages.
    assert_eq!(fake.log().len(), pages + 1, "{:?}", fake.log().all());
}

#[tokio::test]
async fn a_create_answered_502_that_succeeded_is_adopted_not_repeated() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    fake.faults()
        .on("POST", ISSUES, Fault::ApplyThenStatus(502), 3)
        .on("POST", ISSUES, Fault::ApplyThenDrop, 1)
        .on(
            "POST",
            ISSUES,
            Fault::TooManyRequests {
                retry_after_secs: 5,
            },
            1,
        );
    let sleeper = NoSleep::default();
    let report = sync(
        &docs,
        &client(&fake).await,
        &sleeper,
        &Engine::new(None).unwrap(),
        &options(ws.path(), P),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.adopted.len(), 4);
    assert!(
        sleeper.0.borrow().contains(&Duration::from_secs(5)),
        "Retry-After honoured"
    );
    assert_eq!(fake.state().project(P).issues.len(), expected.len());
    assert_tracked_once(&fake, ws.path(), &expected);
}

/// GitLab's 429 carries `Retry-After`: a listing (the issues, the labels) and a call whose
/// answer is ignored (a label created) wait what it says, never a made-up default.
#[tokio::test]
async fn a_429_to_a_listing_or_an_ignored_answer_waits_its_retry_after() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let labels = "/api/v4/projects/acme%2Fsvc/labels";
    let limited = || Fault::TooManyRequests {
        retry_after_secs: 1,
    };
    fake.faults()
        .on("GET", ISSUES, limited(), 1)
        .on("GET", labels, limited(), 1)
        .on("POST", labels, limited(), 1);
    let sleeper = NoSleep::default();
    let report = sync(
        &docs,
        &client(&fake).await,
        &sleeper,
        &Engine::new(None).unwrap(),
        &options(ws.path(), P),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let waits = sleeper.0.borrow().clone();
    let one_second = waits
        .iter()
        .filter(|w| **w == Duration::from_secs(1))
        .count();
    assert!(one_second >= 3, "each 429 waits its Retry-After: {waits:?}");
    assert!(
        waits.iter().all(|w| *w <= Duration::from_secs(1)),
        "no default wait: {waits:?}"
    );
    assert_tracked_once(&fake, ws.path(), &expected);
}

/// An owner who has an account but is not a member of the project: GitLab opens the issue
/// with no assignee (201, `assignees: []`); the sync says so, as for an owner without account.
#[tokio::test]
async fn an_owner_gitlab_does_not_assign_is_reported() {
    let fake = fake();
    fake.state().add_outsider("mkovacs");
    let ws = workspace();
    let docs = load(ws.path());
    let report = sync(
        &docs,
        &client(&fake).await,
        &NoSleep::default(),
        &Engine::new(None).unwrap(),
        &options(ws.path(), P),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let st = fake.state();
    let issue = st
        .project(P)
        .issues
        .iter()
        .find(|i| i.title.contains("Add jittered exponential backoff"))
        .unwrap();
    assert!(
        issue.assignee_ids.is_empty(),
        "GitLab dropped the non-member"
    );
    assert!(
        report
            .unknown_owners
            .iter()
            .any(|o| o.trim_start_matches('@') == "mkovacs"),
        "{:?}",
        report.unknown_owners
    );
    assert!(
        !report
            .unknown_owners
            .iter()
            .any(|o| o.trim_start_matches('@') == "tbrandt"),
        "a member stays assigned: {:?}",
        report.unknown_owners
    );
}

/// Item text that starts a line with `/` is copied into the issue description as text: GitLab
/// runs no quick action from it (the fake runs `/close`, `/label`, `/unlabel` as GitLab does).
#[tokio::test]
async fn copied_text_never_runs_a_gitlab_quick_action() {
    let fake = fake();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/vpn.md"),
        "# VPN outage\n\n## Action Items\n\n- [ ] /close the legacy VPN endpoint due: 2026-02-01\n- [ ] Rotate keys:\n  /label ~wontfix\n  /unlabel ~postmortem\n",
    )
    .unwrap();
    let docs = load(ws.path());
    assert_eq!(docs[0].actions.len(), 3, "{:?}", docs[0].actions);
    let report = sync(
        &docs,
        &client(&fake).await,
        &NoSleep::default(),
        &Engine::new(None).unwrap(),
        &options(ws.path(), P),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.created.len(), 3);
    let st = fake.state();
    for i in &st.project(P).issues {
        let d = i.description.as_deref().unwrap_or_default();
        assert_eq!(
            i.state, "opened",
            "{}: closed by a quick action:\n{d}",
            i.title
        );
        assert!(
            !i.labels.iter().any(|l| l == "wontfix"),
            "{}: {:?}",
            i.title,
            i.labels
        );
        assert!(
            i.labels.iter().any(|l| l == "postmortem"),
            "{}: the tool's label removed by a quick action",
            i.title
        );
    }
    let closing = st
        .project(P)
        .issues
        .iter()
        .find(|i| i.title.contains("legacy VPN"))
        .unwrap();
    assert!(
        closing
            .description
            .as_deref()
            .unwrap()
            .contains("close the legacy VPN endpoint"),
        "the text is kept, visible"
    );
}

#[tokio::test]
async fn a_crash_after_any_request_never_leads_to_a_duplicate() {
    let total = {
        let fake = fake();
        let ws = workspace();
        let docs = load(ws.path());
        sync(
            &docs,
            &client(&fake).await,
            &NoSleep::default(),
            &Engine::new(None).unwrap(),
            &options(ws.path(), P),
        )
        .await
        .unwrap();
        fake.log().len()
    };
    for n in 1..total {
        let fake = fake();
        let ws = workspace();
        let docs = load(ws.path());
        let expected = keys_to_track(&docs);
        let c = client(&fake).await;
        let base = fake.log().len();
        fake.faults().at_request(base + n, Fault::ApplyThenDrop);
        for later in base + n + 1..base + n + 2000 {
            fake.faults().at_request(later, Fault::Drop);
        }
        let mut opts = options(ws.path(), P);
        opts.write_back = false;
        let engine = Engine::new(None).unwrap();
        let _ = sync(&docs, &c, &NoSleep::default(), &engine, &opts).await;
        fake.faults().clear();
        let docs = load(ws.path());
        let report = sync(
            &docs,
            &client(&fake).await,
            &NoSleep::default(),
            &engine,
            &options(ws.path(), P),
        )
        .await
        .unwrap_or_else(|e| panic!("rerun after a crash at request {n}: {e}"));
        assert!(
            report.errors.is_empty(),
            "crash at {n}: {:?}",
            report.errors
        );
        assert_eq!(
            fake.state().project(P).issues.len(),
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
    ];
    for seed in 1..=12u64 {
        let fake = fake();
        let ws = workspace();
        let expected = keys_to_track(&load(ws.path()));
        let engine = Engine::new(None).unwrap();
        let c = client(&fake).await;
        fake.faults().random(seed, 0.2, kinds.clone(), 400);
        let mut done = false;
        for _ in 0..10 {
            let docs = load(ws.path());
            if let Ok(r) = sync(
                &docs,
                &c,
                &NoSleep::default(),
                &engine,
                &options(ws.path(), P),
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
        assert_tracked_once(&fake, ws.path(), &expected);
    }
}

#[tokio::test]
async fn two_syncs_at_once_leave_one_open_issue_per_item() {
    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let expected = keys_to_track(&docs);
    let engine = Engine::new(None).unwrap();
    let opts = options(ws.path(), P);
    let (a, b) = (client(&fake).await, client(&fake).await);
    let (sa, sb) = (NoSleep::default(), NoSleep::default());
    let (ra, rb) = tokio::join!(
        sync(&docs, &a, &sa, &engine, &opts),
        sync(&docs, &b, &sb, &engine, &opts)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.errors.is_empty() && rb.errors.is_empty());
    assert!(
        ra.duplicates_closed.len() + rb.duplicates_closed.len() > 0,
        "the runs raced"
    );
    assert_tracked_once(&fake, ws.path(), &expected);
}

fn bin(ws: &std::path::Path, fake: &FakeGitLab, token: &str, repo: &str) -> (i32, String, String) {
    crate::support::run(
        crate::support::command()
            .args(["sync", "postmortems", "--today", "2026-01-10"])
            .current_dir(ws)
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_REPOSITORY")
            .env("CI_API_V4_URL", format!("{}/api/v4", fake.base_url()))
            .env("CI_PROJECT_PATH", repo)
            .env("GITLAB_TOKEN", token)
            .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
            .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0"),
    )
}

#[test]
fn the_binary_detects_gitlab_ci_and_explains_failures_without_the_token() {
    let fake = fake();
    fake.state()
        .add_token("glpat-readonly-secret", "viewer", Access::Read);
    let ws = workspace();
    for (token, repo, want) in [
        (
            "glpat-wrong-secret",
            P,
            "GITLAB_TOKEN was rejected by GitLab",
        ),
        (
            "glpat-readonly-secret",
            P,
            "GITLAB_TOKEN may not do this on acme/svc (403",
        ),
        (
            FakeGitLab::TOKEN,
            "acme/nope",
            "GitLab repository acme/nope was not found",
        ),
    ] {
        let (code, out, err) = bin(ws.path(), &fake, token, repo);
        assert_eq!(code, 2, "{token}: {out}\n{err}");
        assert!(err.contains(want), "{token}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains(token) && !out.contains(token));
    }
    assert!(fake.state().project(P).issues.is_empty());
    let expected = keys_to_track(&load(ws.path())).len();
    let (code, out, err) = bin(ws.path(), &fake, FakeGitLab::TOKEN, P);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("Sync: {expected} created")), "{out}");
    assert_all_linked(ws.path());
    let (code, out, _) = bin(ws.path(), &fake, FakeGitLab::TOKEN, P);
    assert_eq!(code, 0);
    assert!(out.contains("Sync: 0 created, 0 adopted"), "{out}");
}

/// The follow-up waits out a rate limit on its label writes through the injected sleeper (it
/// sleeps on no timer of its own), for the time GitLab's `Retry-After` says.
#[tokio::test]
async fn the_follow_up_waits_through_the_injected_sleeper() {
    use postmortem_tracker::config::Config;
    use postmortem_tracker::reconcile::followup::{followup, Document, Job, Write};
    use postmortem_tracker::reconcile::{ForgeKind, Options, Remote};

    let fake = fake();
    let ws = workspace();
    let docs = load(ws.path());
    let engine = Engine::new(None).unwrap();
    let c = client(&fake).await;
    sync(
        &docs,
        &c,
        &NoSleep::default(),
        &engine,
        &options(ws.path(), P),
    )
    .await
    .unwrap();
    let mut config = Config::default();
    config.sync.min_write_interval_ms = 0;
    let remote = Remote {
        kind: Some(ForgeKind::Gitlab),
        repo: P.into(),
        api_url: format!("{}/api/v4", fake.base_url()),
        token: Some(FakeGitLab::TOKEN.into()),
    };
    // A year on, every dated open item is overdue and gets the label.
    let later = today() + chrono::Duration::days(365);
    let opts = Options::new(config, remote, None, ws.path().to_path_buf(), later);
    let documents: Vec<Document> = load(ws.path())
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(ws.path().join(&d.path)).unwrap();
            Document::parse(&d.path, text, &opts)
        })
        .collect();
    fake.faults().on(
        "PUT",
        ISSUES,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let sleeper = NoSleep::default();
    let job = Job {
        options: &opts,
        engine: &engine,
        write: Write::Nothing,
        tell_tracker: true,
        update: opts.update(),
    };
    let report = followup(Some(&c), &sleeper, &documents, &job)
        .await
        .unwrap();
    let labelled = report.updates.as_ref().unwrap().labelled.len();
    assert!(labelled > 0, "{:?}", report.updates);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        sleeper.0.borrow().as_slice(),
        [Duration::from_secs(1)],
        "the one wait, through the sleeper"
    );
}
