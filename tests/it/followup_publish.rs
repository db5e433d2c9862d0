//! Write-back through the forge's API (`commit` and `pull-request` modes) against the fake
//! GitHub and GitLab: a commit refused because someone else committed in between is read
//! again and re-applied, and their edit is kept; pull-request mode run twice keeps one
//! pull/merge request; the tool's commits carry `[skip ci]` and its trailer.

use crate::support;

use std::cell::Cell;
use std::path::Path;
use std::time::Duration;

use postmortem_tracker::forge::github::GitHub;
use postmortem_tracker::forge::gitlab::GitLab;
use postmortem_tracker::forge::publish::{
    commit_message, is_own_commit, publish, Change, ChangeRequest, FileWrite, Publisher,
    RemoteFile, RequestSpec, Source, Target,
};
use postmortem_tracker::forge::TrackerError;
use postmortem_tracker::writeback::status::{set_boxes, write_block};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::{bin, FakeForge};

const PATH: &str = "postmortems/queue db.md";
const ORIGINAL: &str =
    "# Queue outage\n\n## Action Items\n\n- [ ] Alert on queue depth\n- [ ] Add a consumer\n";
/// What a person commits while the tool works: a new section at the end.
const THEIRS: &str = "# Queue outage\n\n## Action Items\n\n- [ ] Alert on queue depth\n- [ ] Add a consumer\n\n## Notes\n\nAdded by a person meanwhile.\n";

/// A forge that lets `edit` run (a concurrent commit) just before its first write.
struct Racing<'a, P> {
    inner: &'a P,
    edit: Box<dyn Fn() + 'a>,
    raced: Cell<bool>,
}

impl<P: Publisher> Publisher for Racing<'_, P> {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        self.inner.default_branch().await
    }
    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        self.inner.read_file(path, branch).await
    }
    async fn write_file(&self, write: &FileWrite<'_>) -> Result<String, TrackerError> {
        if !self.raced.replace(true) {
            (self.edit)();
        }
        self.inner.write_file(write).await
    }
    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError> {
        self.inner.ensure_branch(branch, from).await
    }
    async fn upsert_change_request(
        &self,
        request: &RequestSpec<'_>,
    ) -> Result<ChangeRequest, TrackerError> {
        self.inner.upsert_change_request(request).await
    }
}

/// The follow-up's pure write-back: tick the first item, write the status block.
fn status_change() -> Change<'static> {
    Change {
        path: PATH.into(),
        apply: Box::new(|text: &str| {
            write_block(
                &set_boxes(text, &[(5, true)]),
                "| Item | Status |\n|---|---|\n| Alert on queue depth | done |\n",
                None,
            )
            .ok()
        }),
    }
}

fn assert_merged(text: &str) {
    assert!(text.contains("- [x] Alert on queue depth"), "{text}");
    assert!(text.contains("| Alert on queue depth | done |"), "{text}");
    assert!(
        text.contains("Added by a person meanwhile."),
        "the concurrent edit is kept:\n{text}"
    );
}

#[tokio::test]
async fn github_commit_after_a_conflict_keeps_the_concurrent_edit() {
    let fake = FakeGitHub::start();
    fake.state()
        .seed_file(("acme", "svc"), "main", PATH, ORIGINAL);
    let gh = GitHub::new(
        &fake.base_url(),
        "acme/svc",
        Some(FakeGitHub::TOKEN),
        Duration::from_secs(10),
    )
    .unwrap();
    let racing = Racing {
        inner: &gh,
        edit: Box::new(|| {
            fake.state()
                .seed_file(("acme", "svc"), "main", PATH, THEIRS);
        }),
        raced: Cell::new(false),
    };
    let message = commit_message(Source::Followup);
    let out = publish(&racing, &[status_change()], &Target::Commit, &message, "")
        .await
        .unwrap();
    assert_eq!(out.written, vec![PATH.to_string()]);
    assert_eq!(out.conflicts, 1, "one 409, then read again: {out:?}");
    assert!(out.errors.is_empty(), "{out:?}");
    let puts = fake.log().count("PUT", "/repos/acme/svc/contents/");
    assert_eq!(puts, 2, "the stale write and the re-applied one");
    let st = fake.state();
    let repo = st.repo("acme", "svc");
    assert_merged(&repo.file_text("main", PATH).unwrap());
    let commit = repo.commits.last().unwrap();
    assert!(commit.message.contains("[skip ci]"), "{}", commit.message);
    assert!(is_own_commit(&commit.message), "{}", commit.message);
}

#[tokio::test]
async fn gitlab_commit_after_a_conflict_keeps_the_concurrent_edit() {
    let fake = FakeGitLab::start();
    fake.state().seed_file("acme/svc", "main", PATH, ORIGINAL);
    let gl = GitLab::connect(
        &format!("{}/api/v4", fake.base_url()),
        "acme/svc",
        FakeGitLab::TOKEN,
    )
    .await
    .unwrap();
    let racing = Racing {
        inner: &gl,
        edit: Box::new(|| {
            fake.state().seed_file("acme/svc", "main", PATH, THEIRS);
        }),
        raced: Cell::new(false),
    };
    let message = commit_message(Source::Followup);
    let out = publish(&racing, &[status_change()], &Target::Commit, &message, "")
        .await
        .unwrap();
    assert_eq!(out.written, vec![PATH.to_string()]);
    assert_eq!(
        out.conflicts, 1,
        "one stale last_commit_id, then read again: {out:?}"
    );
    assert!(out.errors.is_empty(), "{out:?}");
    let st = fake.state();
    let p = st.project("acme/svc");
    assert_merged(&p.file_text("main", PATH).unwrap());
    let commit = p.commits.last().unwrap();
    assert!(commit.message.contains("[skip ci]"), "{}", commit.message);
    assert!(is_own_commit(&commit.message), "{}", commit.message);
}

#[tokio::test]
async fn a_file_that_keeps_changing_is_given_up_after_bounded_attempts() {
    let fake = FakeGitHub::start();
    fake.state()
        .seed_file(("acme", "svc"), "main", PATH, ORIGINAL);
    let gh = GitHub::new(
        &fake.base_url(),
        "acme/svc",
        Some(FakeGitHub::TOKEN),
        Duration::from_secs(10),
    )
    .unwrap();
    // Every write loses the race.
    let n = Cell::new(0);
    struct Always<'a>(&'a GitHub, &'a FakeGitHub, &'a Cell<usize>);
    impl Publisher for Always<'_> {
        async fn default_branch(&self) -> Result<String, TrackerError> {
            self.0.default_branch().await
        }
        async fn read_file(
            &self,
            path: &str,
            branch: &str,
        ) -> Result<Option<RemoteFile>, TrackerError> {
            self.0.read_file(path, branch).await
        }
        async fn write_file(&self, write: &FileWrite<'_>) -> Result<String, TrackerError> {
            self.2.set(self.2.get() + 1);
            let other = format!("{ORIGINAL}\nedit {}\n", self.2.get());
            self.1
                .state()
                .seed_file(("acme", "svc"), "main", PATH, &other);
            self.0.write_file(write).await
        }
        async fn ensure_branch(&self, b: &str, f: &str) -> Result<bool, TrackerError> {
            self.0.ensure_branch(b, f).await
        }
        async fn upsert_change_request(
            &self,
            request: &RequestSpec<'_>,
        ) -> Result<ChangeRequest, TrackerError> {
            self.0.upsert_change_request(request).await
        }
    }
    let out = publish(
        &Always(&gh, &fake, &n),
        &[status_change()],
        &Target::Commit,
        &commit_message(Source::Followup),
        "",
    )
    .await
    .unwrap();
    assert!(out.written.is_empty());
    assert_eq!(out.errors.len(), 1, "{out:?}");
    assert!(out.errors[0].contains(PATH), "{out:?}");
    assert_eq!(n.get(), postmortem_tracker::forge::publish::MAX_ATTEMPTS);
}

// ------------------------------------------------------------ through the binary

const PM: &str = "# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth @jdoe due: 2026-01-05\n- [x] Document the failover @okoye due: 2026-01-05\n\n## Lessons Learned\n\nQueues fill.\n";
const REL: &str = "postmortems/queue.md";

fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let file = ws.path().join(REL);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, PM).unwrap();
    ws
}

/// `followup --write MODE` twice; returns the text on `branch` after each run.
fn twice(
    forge: &FakeForge,
    mode: &str,
    on_forge: &dyn Fn() -> Option<String>,
) -> (String, String, String) {
    let ws = workspace();
    let args = ["followup", "--today", "2026-01-10", "--write", mode];
    let (code, out, err) = bin(ws.path(), forge, &args);
    assert_eq!(code, 0, "{out}\n{err}");
    let first = on_forge().expect("file on the branch");
    let (code, out2, err) = bin(ws.path(), forge, &args);
    assert_eq!(code, 0, "{out2}\n{err}");
    let second = on_forge().unwrap();
    assert_eq!(
        std::fs::read_to_string(ws.path().join(REL)).unwrap(),
        PM,
        "the working tree is not touched"
    );
    (first, second, out + &out2)
}

fn assert_status(text: &str) {
    assert!(text.contains("Alert on queue depth"), "{text}");
    assert_ne!(text, PM, "the status block is written");
    assert!(text.contains("overdue"), "{text}");
}

#[test]
fn github_commit_mode_commits_to_the_default_branch_with_skip_ci_and_trailer() {
    let fake = FakeGitHub::start();
    fake.state().seed_file(("acme", "svc"), "main", REL, PM);
    let forge = FakeForge::GitHub(&fake);
    let read = || fake.state().repo("acme", "svc").file_text("main", REL);
    let (first, second, out) = twice(&forge, "commit", &read);
    assert_status(&first);
    assert_eq!(first, second, "the second run the same day changes nothing");
    let st = fake.state();
    let repo = st.repo("acme", "svc");
    assert_eq!(repo.commits.len(), 1, "one commit over two runs: {out}");
    assert!(repo.commits[0].message.contains("[skip ci]"));
    assert!(is_own_commit(&repo.commits[0].message));
}

#[test]
fn gitlab_commit_mode_commits_to_the_default_branch_with_skip_ci_and_trailer() {
    let fake = FakeGitLab::start();
    fake.state().seed_file("acme/svc", "main", REL, PM);
    let forge = FakeForge::GitLab(&fake);
    let read = || fake.state().project("acme/svc").file_text("main", REL);
    let before = fake.state().project("acme/svc").commits.len();
    let (first, second, out) = twice(&forge, "commit", &read);
    assert_status(&first);
    assert_eq!(first, second);
    let st = fake.state();
    let p = st.project("acme/svc");
    assert_eq!(
        p.commits.len(),
        before + 1,
        "one commit over two runs: {out}"
    );
    let c = p.commits.last().unwrap();
    assert!(c.message.contains("[skip ci]"));
    assert!(is_own_commit(&c.message));
}

#[test]
fn github_pull_request_mode_twice_keeps_one_pull_request() {
    let fake = FakeGitHub::start();
    fake.state().seed_file(("acme", "svc"), "main", REL, PM);
    let forge = FakeForge::GitHub(&fake);
    let branch = "postmortem-tracker/status";
    let read = || fake.state().repo("acme", "svc").file_text(branch, REL);
    let (first, _second, out) = twice(&forge, "pull-request", &read);
    assert_status(&first);
    let st = fake.state();
    let repo = st.repo("acme", "svc");
    assert_eq!(
        repo.file_text("main", REL).unwrap(),
        PM,
        "main is untouched"
    );
    let pulls: Vec<_> = repo.issues.iter().filter(|i| i.pull.is_some()).collect();
    assert_eq!(pulls.len(), 1, "one pull request over two runs: {out}");
    assert_eq!(
        fake.log().count("PATCH", "/repos/acme/svc/pulls/"),
        0,
        "the second run the same day leaves the body alone: {out}"
    );
    assert_eq!(pulls[0].pull.as_ref().unwrap().head, branch);
    assert!(pulls[0].body.as_deref().unwrap_or("").contains(REL));
    assert!(
        out.contains("Opened pull/merge request") && out.contains("Updated pull/merge request"),
        "{out}"
    );
}

#[test]
fn gitlab_pull_request_mode_twice_keeps_one_merge_request() {
    let fake = FakeGitLab::start();
    fake.state().seed_file("acme/svc", "main", REL, PM);
    let forge = FakeForge::GitLab(&fake);
    let branch = "postmortem-tracker/status";
    let read = || fake.state().project("acme/svc").file_text(branch, REL);
    let (first, _second, out) = twice(&forge, "pull-request", &read);
    assert_status(&first);
    let st = fake.state();
    let p = st.project("acme/svc");
    assert_eq!(p.file_text("main", REL).unwrap(), PM, "main is untouched");
    assert_eq!(
        p.merge_requests.len(),
        1,
        "one merge request over two runs: {out}"
    );
    let mr = &p.merge_requests[0];
    assert_eq!(
        fake.log()
            .count("PUT", "/api/v4/projects/acme%2Fsvc/merge_requests/"),
        0,
        "the second run the same day leaves the description alone: {out}"
    );
    assert_eq!(mr.source_branch, branch);
    assert_eq!(mr.state, "opened");
    assert!(mr.description.as_deref().unwrap_or("").contains(REL));
}

// ------------------------------------------------------------ ci on a push

/// `ci --write-back MODE` in GitHub Actions for a push to main whose head commit has `message`.
fn ci_push(fake: &FakeGitHub, ws: &Path, mode: &str, message: &str) -> (i32, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ci/push.with-new-branch.payload.json");
    let mut payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    payload["ref"] = "refs/heads/main".into();
    payload["repository"]["full_name"] = "acme/svc".into();
    payload["repository"]["default_branch"] = "main".into();
    payload["head_commit"]["message"] = message.into();
    crate::support::run(
        crate::support::actions_ci(
            ws,
            &fake.base_url(),
            "push",
            &payload,
            FakeGitHub::TOKEN,
            tmp.path(),
        )
        .args(["--write-back", mode]),
    )
}

#[test]
fn ci_push_commits_links_through_the_api_and_skips_its_own_commit() {
    let fake = FakeGitHub::start();
    // Someone else's edit is on main but not in this checkout: it is kept.
    fake.state()
        .seed_file(("acme", "svc"), "main", REL, &format!("{PM}\nAppendix.\n"));
    let ws = workspace();
    let (code, out, err) = ci_push(&fake, ws.path(), "commit", "Add the queue postmortem");
    assert_eq!(code, 0, "{out}\n{err}");
    let (text, message) = {
        let st = fake.state();
        let repo = st.repo("acme", "svc");
        let c = repo.commits.last().expect("a commit").message.clone();
        (repo.file_text("main", REL).unwrap(), c)
    };
    assert!(
        text.contains("Alert on queue depth @jdoe due: 2026-01-05 ([#"),
        "{text}"
    );
    assert!(text.contains("Appendix."), "{text}");
    assert!(message.contains("[skip ci]") && message.contains("Postmortem-Tracker: sync"));

    // The push of that commit starts a run that does nothing at all.
    fake.log().clear();
    let (code, out, err) = ci_push(&fake, ws.path(), "commit", &message);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("own commit"), "{out}");
    assert_eq!(fake.log().len(), 0, "no request");
}

#[test]
fn gitlab_ci_push_opens_one_merge_request_with_links_and_skips_its_own_commit() {
    let fake = FakeGitLab::start();
    fake.state().seed_file("acme/svc", "main", REL, PM);
    let ws = workspace();
    let ci = |message: &str| {
        crate::support::run(
            crate::support::gitlab_ci(
                ws.path(),
                &format!("{}/api/v4", fake.base_url()),
                FakeGitLab::TOKEN,
            )
            .args(["--write-back", "pull-request"])
            .env("CI_PIPELINE_SOURCE", "push")
            .env("CI_COMMIT_BRANCH", "main")
            .env("CI_COMMIT_MESSAGE", message),
        )
    };
    let (code, out, err) = ci("Add the queue postmortem");
    assert_eq!(code, 0, "{out}\n{err}");
    let branch = "postmortem-tracker/status";
    {
        let st = fake.state();
        let p = st.project("acme/svc");
        let text = p.file_text(branch, REL).expect("file on the branch");
        assert!(
            text.contains("Alert on queue depth @jdoe due: 2026-01-05 ([#"),
            "{text}"
        );
        assert_eq!(p.file_text("main", REL).unwrap(), PM, "main is untouched");
        assert_eq!(p.merge_requests.len(), 1);
        assert_eq!(p.merge_requests[0].source_branch, branch);
        let c = p.commits.last().unwrap();
        assert!(is_own_commit(&c.message), "{}", c.message);
    }
    fake.log().clear();
    let (code, out, err) = ci(&commit_message(Source::Sync));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("own commit"), "{out}");
    assert_eq!(fake.log().len(), 0, "no request");
}
