//! `sync` against the fake GitLab, what only its adapter meets: 429s with `Retry-After` on
//! listings and on calls whose answer the gitlab crate ignores, owners GitLab silently does not
//! assign (GitHub answers a 422 instead), quick actions in copied text (GitHub has none), and the
//! follow-up's waits through the injected sleeper. The scenarios both forges share, the binary's
//! among them, are in `sync_forges.rs`.

use crate::sync_common::*;

use std::time::Duration;

use postmortem_tracker::render::Engine;
use support::gitlab::FakeGitLab;
use support::Fault;

use crate::support;

const P: &str = REPO;
const ISSUES: &str = <FakeGitLab as SyncForge>::ISSUES;

fn fake() -> FakeGitLab {
    FakeGitLab::start_with_owners()
}

async fn client(fake: &FakeGitLab) -> postmortem_tracker::forge::gitlab::GitLab {
    fake.client().await
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
    let report = sync_once(&fake, ws.path(), &sleeper).await;
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
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
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
    let report = sync_once(&fake, ws.path(), &NoSleep::default()).await;
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

/// The follow-up waits out a rate limit on its label writes through the injected sleeper (it
/// sleeps on no timer of its own), for the time GitLab's `Retry-After` says.
#[tokio::test]
async fn the_follow_up_waits_through_the_injected_sleeper() {
    use postmortem_tracker::config::Config;
    use postmortem_tracker::reconcile::followup::{followup, Document, Job, Write};
    use postmortem_tracker::reconcile::{ForgeKind, Options, Remote};

    let fake = fake();
    let ws = workspace();
    let engine = Engine::new(None).unwrap();
    let c = client(&fake).await;
    sync_once(&fake, ws.path(), &NoSleep::default()).await;
    let mut config = Config::default();
    config.sync.min_write_interval_ms = 0;
    let remote = Remote {
        kind: Some(ForgeKind::Gitlab),
        repo: P.into(),
        api_url: format!("{}/api/v4", fake.base_url()),
        token: Some(FakeGitLab::TOKEN.into()),
        app: None,
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
