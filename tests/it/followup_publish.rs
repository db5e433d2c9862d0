//! Write-back through the forge's API (`commit` and `pull-request` modes) against the fake
//! GitHub and GitLab: a commit refused because someone else committed in between is read
//! again and re-applied, and their edit is kept; pull-request mode run twice keeps one
//! pull/merge request; the tool's commits carry `[skip ci]` and its trailer; `ci` on a push
//! writes links back through the API in either mode and skips its own commit. Each scenario is
//! written once over [`SyncForge`] and run against both by `both_forges!`.

use crate::both_forges;
use crate::support;
use crate::sync_common::SyncForge;

use std::cell::Cell;

use postmortem_tracker::forge::publish::{
    commit_message, is_own_commit, publish, Change, ChangeRequest, FileWrite, Publisher,
    RemoteFile, RequestSpec, Source, Target,
};
use postmortem_tracker::forge::TrackerError;
use postmortem_tracker::writeback::status::{set_boxes, write_block};
use support::{bin, FakeForge};

both_forges!(
    commit_after_a_conflict_keeps_the_concurrent_edit,
    a_file_that_keeps_changing_is_given_up_after_bounded_attempts,
);

both_forges!(
    sync commit_mode_commits_to_the_default_branch_with_skip_ci_and_trailer,
    pull_request_mode_twice_keeps_one_request,
    ci_push_commits_links_through_the_api_and_skips_its_own_commit,
    ci_push_opens_one_request_with_links_and_skips_its_own_commit,
);

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

async fn commit_after_a_conflict_keeps_the_concurrent_edit<F: SyncForge>() {
    let fake = F::start_with_owners();
    fake.seed_file("main", PATH, ORIGINAL);
    let client = fake.client().await;
    let racing = Racing {
        inner: &client,
        edit: Box::new(|| fake.seed_file("main", PATH, THEIRS)),
        raced: Cell::new(false),
    };
    let message = commit_message(Source::Followup);
    let out = publish(&racing, &[status_change()], &Target::Commit, &message, "")
        .await
        .unwrap();
    assert_eq!(out.written, vec![PATH.to_string()]);
    assert_eq!(
        out.conflicts, 1,
        "one refused write (GitHub's stale sha, GitLab's stale last_commit_id), then read again: {out:?}"
    );
    assert!(out.errors.is_empty(), "{out:?}");
    let (method, prefix) = F::FILE_WRITE;
    assert_eq!(
        fake.requests().count(method, prefix),
        2,
        "the stale write and the re-applied one"
    );
    assert_merged(&fake.file_on("main", PATH).unwrap());
    let last = fake.commit_messages().pop().unwrap();
    assert!(last.contains("[skip ci]"), "{last}");
    assert!(is_own_commit(&last), "{last}");
}

/// A forge where someone else commits to the file just before every write of the tool.
struct Always<'a, F: SyncForge> {
    client: &'a F::Client,
    fake: &'a F,
    writes: &'a Cell<usize>,
}

impl<F: SyncForge> Publisher for Always<'_, F> {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        self.client.default_branch().await
    }
    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        self.client.read_file(path, branch).await
    }
    async fn write_file(&self, write: &FileWrite<'_>) -> Result<String, TrackerError> {
        self.writes.set(self.writes.get() + 1);
        let other = format!("{ORIGINAL}\nedit {}\n", self.writes.get());
        self.fake.seed_file("main", PATH, &other);
        self.client.write_file(write).await
    }
    async fn ensure_branch(&self, b: &str, f: &str) -> Result<bool, TrackerError> {
        self.client.ensure_branch(b, f).await
    }
    async fn upsert_change_request(
        &self,
        request: &RequestSpec<'_>,
    ) -> Result<ChangeRequest, TrackerError> {
        self.client.upsert_change_request(request).await
    }
}

async fn a_file_that_keeps_changing_is_given_up_after_bounded_attempts<F: SyncForge>() {
    let fake = F::start_with_owners();
    fake.seed_file("main", PATH, ORIGINAL);
    let client = fake.client().await;
    let writes = Cell::new(0);
    let always = Always {
        client: &client,
        fake: &fake,
        writes: &writes,
    };
    let out = publish(
        &always,
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
    assert_eq!(
        writes.get(),
        postmortem_tracker::forge::publish::MAX_ATTEMPTS
    );
    let text = fake.file_on("main", PATH).unwrap();
    assert!(
        !text.contains("- [x] Alert on queue depth"),
        "no stale write got through:\n{text}"
    );
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

fn commit_mode_commits_to_the_default_branch_with_skip_ci_and_trailer<F: SyncForge>() {
    let fake = F::start_with_owners();
    fake.seed_file("main", REL, PM);
    let before = fake.commit_messages().len();
    let read = || fake.file_on("main", REL);
    let (first, second, out) = twice(&fake.as_fake(), "commit", &read);
    assert_status(&first);
    assert_eq!(first, second, "the second run the same day changes nothing");
    let messages = fake.commit_messages();
    assert_eq!(
        messages.len(),
        before + 1,
        "one commit over two runs: {out}"
    );
    let last = messages.last().unwrap();
    assert!(last.contains("[skip ci]"), "{last}");
    assert!(is_own_commit(last), "{last}");
}

fn pull_request_mode_twice_keeps_one_request<F: SyncForge>() {
    let fake = F::start_with_owners();
    fake.seed_file("main", REL, PM);
    let branch = "postmortem-tracker/status";
    let read = || fake.file_on(branch, REL);
    let (first, _second, out) = twice(&fake.as_fake(), "pull-request", &read);
    assert_status(&first);
    assert_eq!(fake.file_on("main", REL).unwrap(), PM, "main is untouched");
    let requests = fake.change_requests();
    assert_eq!(
        requests.len(),
        1,
        "one pull/merge request over two runs: {out}"
    );
    let (method, prefix) = F::REQUEST_EDIT;
    assert_eq!(
        fake.requests().count(method, prefix),
        0,
        "the second run the same day leaves the description alone: {out}"
    );
    assert_eq!(requests[0].head, branch);
    assert!(requests[0].open, "{:?}", requests[0]);
    assert!(requests[0].description.contains(REL), "{:?}", requests[0]);
    assert!(
        out.contains("Opened pull/merge request") && out.contains("Updated pull/merge request"),
        "{out}"
    );
}

// ------------------------------------------------------------ ci on a push

fn ci_push_commits_links_through_the_api_and_skips_its_own_commit<F: SyncForge>() {
    let fake = F::start_with_owners();
    // Someone else's edit is on main but not in this checkout: it is kept.
    fake.seed_file("main", REL, &format!("{PM}\nAppendix.\n"));
    let ws = workspace();
    let (code, out, err) = fake.ci_push(ws.path(), "commit", "Add the queue postmortem");
    assert_eq!(code, 0, "{out}\n{err}");
    let text = fake.file_on("main", REL).unwrap();
    assert!(
        text.contains("Alert on queue depth @jdoe due: 2026-01-05 ([#"),
        "{text}"
    );
    assert!(text.contains("Appendix."), "{text}");
    let message = fake.commit_messages().pop().expect("a commit");
    assert!(
        message.contains("[skip ci]") && message.contains("Postmortem-Tracker: sync"),
        "{message}"
    );
    assert!(fake.change_requests().is_empty(), "commit mode opens none");

    // The push of that commit starts a run that does nothing at all.
    fake.requests().clear();
    let (code, out, err) = fake.ci_push(ws.path(), "commit", &message);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("own commit"), "{out}");
    assert_eq!(fake.requests().len(), 0, "no request");
}

fn ci_push_opens_one_request_with_links_and_skips_its_own_commit<F: SyncForge>() {
    let fake = F::start_with_owners();
    fake.seed_file("main", REL, PM);
    let ws = workspace();
    let (code, out, err) = fake.ci_push(ws.path(), "pull-request", "Add the queue postmortem");
    assert_eq!(code, 0, "{out}\n{err}");
    let branch = "postmortem-tracker/status";
    let text = fake.file_on(branch, REL).expect("file on the branch");
    assert!(
        text.contains("Alert on queue depth @jdoe due: 2026-01-05 ([#"),
        "{text}"
    );
    assert_eq!(fake.file_on("main", REL).unwrap(), PM, "main is untouched");
    let requests = fake.change_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].head, branch);
    let last = fake.commit_messages().pop().unwrap();
    assert!(is_own_commit(&last), "{last}");

    fake.requests().clear();
    let (code, out, err) = fake.ci_push(ws.path(), "pull-request", &commit_message(Source::Sync));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("own commit"), "{out}");
    assert_eq!(fake.requests().len(), 0, "no request");
}
