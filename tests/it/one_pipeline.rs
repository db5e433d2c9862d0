//! One reconcile pipeline: the same repository followed up through the CLI (`followup` on a
//! checkout), the Action (`ci` on a schedule event) and the service (an issue webhook, commit
//! mode) on the same day gets byte-identical status blocks, and once one of them has told the
//! tracker (labels, reminders), the others write nothing more.

use std::path::Path;
use std::process::Output;

use crate::service_e2e::{start, CONFIG, GH_SECRET, PM, TODAY};
use crate::support::command;
use crate::support::github::FakeGitHub;
use crate::support::gitlab::FakeGitLab;
use crate::support::service::webhook_fixture as fixture;

const REPO: (&str, &str) = ("Codertocat", "Hello-World");
const FILE: &str = "postmortems/2026-10-01-replica-lag.md";

/// The status block of a postmortem, markers included.
fn block(text: &str) -> &str {
    let begin = text
        .find(postmortem_tracker::parse::STATUS_BLOCK_BEGIN)
        .unwrap_or_else(|| panic!("no status block:\n{text}"));
    let end = text[begin..]
        .find(postmortem_tracker::parse::STATUS_BLOCK_END)
        .map(|e| begin + e)
        .unwrap();
    let end = end + text[end..].find("-->").unwrap() + 3;
    &text[begin..end]
}

/// A checkout of `text` with the repository's configuration.
fn checkout(text: &str) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(ws.path().join(FILE), text).unwrap();
    std::fs::write(ws.path().join(".postmortem-tracker.toml"), CONFIG).unwrap();
    ws
}

/// `followup` on a checkout, through the fake GitHub.
fn cli_followup(fake: &FakeGitHub, ws: &Path) -> Output {
    command()
        .current_dir(ws)
        .args(["followup", "--today", TODAY, "--tracker", "github"])
        .args(["--repo", &format!("{}/{}", REPO.0, REPO.1)])
        .args(["--api-url", &fake.base_url()])
        .env("GITHUB_TOKEN", FakeGitHub::TOKEN)
        .output()
        .unwrap()
}

/// `ci` for a schedule event in GitHub Actions, on a checkout.
fn ci_schedule(fake: &FakeGitHub, ws: &Path) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let event = tmp.path().join("event.json");
    std::fs::write(&event, r#"{"schedule": "0 9 * * 1"}"#).unwrap();
    command()
        .current_dir(ws)
        .args(["ci", "--today", TODAY])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "schedule")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", format!("{}/{}", REPO.0, REPO.1))
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_OUTPUT", tmp.path().join("output"))
        .env("GITHUB_STEP_SUMMARY", tmp.path().join("summary"))
        .env("GITHUB_TOKEN", FakeGitHub::TOKEN)
        .output()
        .unwrap()
}

fn ok(what: &str, o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_action_and_service_write_the_same_status_and_no_second_write() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    {
        let mut st = gh.state();
        st.add_repo(REPO.0, REPO.1);
        st.seed_file(REPO, "main", ".postmortem-tracker.toml", CONFIG);
        st.seed_file(REPO, "main", FILE, PM);
        st.add_user("alice");
        st.add_user("bob");
    }
    let (svc, _db) = start(&gh, &gl).await;
    // A push: the service opens the issues and commits their links.
    let push = fixture("github/push.with-new-branch.payload.json");
    assert_eq!(svc.github(GH_SECRET, "push", "p-1", &push).await.0, 202);
    svc.idle(30).await;
    let linked = gh
        .state()
        .repo(REPO.0, REPO.1)
        .file_text("main", FILE)
        .unwrap();
    assert!(linked.contains("#1"), "{linked}");

    // An issue event: the service's follow-up commits the status block, labels the overdue
    // issue and reminds its owner.
    let event = fixture("github/issues.opened.payload.json");
    assert_eq!(svc.github(GH_SECRET, "issues", "i-1", &event).await.0, 202);
    svc.idle(30).await;
    let served = gh
        .state()
        .repo(REPO.0, REPO.1)
        .file_text("main", FILE)
        .unwrap();
    let writes = gh.log().count_writes();

    // The CLI and the Action, each on a checkout of the linked text, the same day.
    let (cli_ws, ci_ws) = (checkout(&linked), checkout(&linked));
    // The binaries block; the service (idle now) keeps its other worker.
    let (cli, ci) = tokio::task::block_in_place(|| {
        (
            cli_followup(&gh, cli_ws.path()),
            ci_schedule(&gh, ci_ws.path()),
        )
    });
    ok("followup", &cli);
    ok("ci", &ci);
    let by_cli = std::fs::read_to_string(cli_ws.path().join(FILE)).unwrap();
    let by_ci = std::fs::read_to_string(ci_ws.path().join(FILE)).unwrap();
    assert_eq!(block(&by_cli), block(&served), "followup and the service");
    assert_eq!(block(&by_ci), block(&served), "ci and the service");
    assert_eq!(by_cli, served, "the whole file, byte for byte");
    assert_eq!(by_ci, served, "the whole file, byte for byte");
    assert_eq!(
        gh.log().count_writes(),
        writes,
        "labels and reminders were already done: no second write"
    );

    // The service again, the same day: nothing to commit, label or remind.
    assert_eq!(svc.github(GH_SECRET, "issues", "i-2", &event).await.0, 202);
    svc.idle(30).await;
    assert_eq!(gh.log().count_writes(), writes, "no second write");
    svc.stop().await;
}
