//! What the GitHub and GitLab sync tests share: a workspace of postmortems (the bundled
//! examples and, when present, the corpus seeds, copied into a temporary folder), options for
//! fast runs, a sleeper that records waits, and the invariants every run must leave.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use postmortem_tracker::forge::paced::{Pacing, Sleeper};
use postmortem_tracker::identity;
use postmortem_tracker::model::Postmortem;
use postmortem_tracker::parse::parse_bytes;
use postmortem_tracker::plan::PlanOptions;
use postmortem_tracker::sync::SyncOptions;

/// Records the waits asked for instead of sleeping.
#[derive(Default)]
pub struct NoSleep(pub RefCell<Vec<Duration>>);

impl Sleeper for NoSleep {
    async fn sleep(&self, d: Duration) {
        self.0.borrow_mut().push(d);
        // Let a concurrent run make progress, as a real sleep would.
        tokio::task::yield_now().await;
    }
}

/// A temporary folder with `postmortems/` holding the examples and the seeds.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("postmortems");
    std::fs::create_dir_all(&dest).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![root.join("examples/postmortems")];
    let seeds = root.join("../shared/corpus/seeds");
    if seeds.is_dir() {
        sources.push(seeds);
    } else {
        eprintln!(
            "note: {} is absent; syncing the bundled examples only",
            seeds.display()
        );
    }
    for s in sources {
        for e in std::fs::read_dir(&s).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

/// Parses every postmortem under `root/postmortems`, paths relative to `root`.
pub fn load(root: &Path) -> Vec<Postmortem> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("postmortems"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap().display().to_string();
            parse_bytes(&rel, &std::fs::read(f).unwrap(), &Default::default())
        })
        .collect()
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
}

/// Fast runs: no pacing, no retry delay.
pub fn options(root: &Path, repo: &str) -> SyncOptions {
    let mut owners = BTreeMap::new();
    owners.insert("Tobias Brandt".to_string(), "tbrandt".to_string());
    owners.insert("Lena Fischer".to_string(), "lfischer".to_string());
    SyncOptions {
        label: "postmortem".into(),
        today: today(),
        plan: PlanOptions {
            repo: Some(repo.into()),
            ..Default::default()
        },
        owners,
        milestones: true,
        file_url: None,
        root: root.to_path_buf(),
        write_back: true,
        close_removed: false,
        parse_options: Default::default(),
        state_labels: None,
        pacing: Pacing {
            min_write_interval: Duration::ZERO,
            max_wait: Duration::from_secs(120),
            retry_delay: Duration::ZERO,
            max_attempts: 6,
        },
    }
}

/// Every item key of the documents that names no issue in the original files.
pub fn keys_to_track(docs: &[Postmortem]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in docs {
        for (a, k) in d.actions.iter().zip(identity::item_keys(d)) {
            if a.issue.is_none() {
                out.insert(k.to_string());
            }
        }
    }
    out
}

/// The keys of the ticked items: the sync closes their new issue at once.
pub fn ticked_keys(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in load(root) {
        for (a, k) in d.actions.iter().zip(identity::item_keys(&d)) {
            if a.done {
                out.insert(k.to_string());
            }
        }
    }
    out
}

/// Re-reads the files: every item names an issue now.
pub fn assert_all_linked(root: &Path) {
    for d in load(root) {
        for a in &d.actions {
            assert!(
                a.issue.is_some(),
                "{}:{} has no link: {:?}",
                d.path,
                a.line,
                a.text
            );
        }
    }
}

// ------------------------------------------------------------------ the forge matrix

use crate::support::github::FakeGitHub;
use crate::support::gitlab::FakeGitLab;
use crate::support::service::ServiceForge;
use crate::support::Fault;
use postmortem_tracker::forge::github::GitHub;
use postmortem_tracker::forge::gitlab::GitLab;
use postmortem_tracker::forge::publish::Publisher;
use postmortem_tracker::forge::Tracker;

/// The repository every sync scenario works in.
pub const REPO: &str = "acme/svc";

/// One issue of [`REPO`] as a person sees it on either forge.
#[derive(Debug, Clone)]
pub struct IssueView {
    pub number: u64,
    pub title: String,
    pub open: bool,
    pub body: String,
    pub labels: Vec<String>,
    /// Assignee user names.
    pub assignees: Vec<String>,
    pub in_milestone: bool,
    /// The forge's own due date field (GitLab's `due_date`); GitHub has none.
    pub due: Option<String>,
    /// Why it was closed, where the forge records it (GitHub's `state_reason`).
    pub close_reason: Option<String>,
}

/// One of the two fake forges as the sync tests drive it: each scenario is written once as
/// `async fn name<F: SyncForge>()` and run against both by `both_forges!`.
pub trait SyncForge: ServiceForge + Sized {
    /// The real client (octocrab or the gitlab crate) the tool talks through.
    type Client: Tracker + Publisher;
    /// The path of [`REPO`]'s issues collection, for faults and request counts.
    const ISSUES: &'static str;
    /// Requests a client makes when it connects (GitLab checks its token with `GET /user`).
    const CONNECT_REQUESTS: usize;
    /// Whether the forge has a due date field of its own (else the body's Due row carries it).
    const NATIVE_DUE: bool;
    /// Whether the forge records why an issue was closed (GitHub's `state_reason`).
    const CLOSE_REASONS: bool;
    /// The forge's name as the tool's messages say it.
    const TITLE: &'static str;
    /// The request that writes one file through the API (method, path prefix).
    const FILE_WRITE: (&'static str, &'static str);
    /// The request that edits a pull/merge request's description (method, path prefix).
    const REQUEST_EDIT: (&'static str, &'static str);

    /// A fresh fake with [`REPO`] and the accounts of the examples' owners.
    fn start_with_owners() -> Self;
    /// A client for [`REPO`] with the fake's write token.
    async fn client(&self) -> Self::Client;
    /// Every issue of [`REPO`] (pull/merge requests left out), oldest first.
    fn all_issues(&self) -> Vec<IssueView>;
    /// Opens or closes issue `number` as a person would.
    fn set_open(&self, number: u64, open: bool);
    /// Lets `token` in as `login` with `access`.
    fn add_token(&self, token: &str, login: &str, access: crate::support::Access);
    /// The titles of [`REPO`]'s milestones and the names of its labels.
    fn milestones_and_labels(&self) -> (Vec<String>, Vec<String>);
    /// The binary run in `ws` with `args` on `postmortems/` of `repo`, on 2026-01-10, with
    /// `token` (empty: none) and no pacing, pointed at the fake as a user would: GitHub by
    /// `--tracker github --repo --api-url`, GitLab detected from GitLab CI's variables.
    fn binary(&self, ws: &Path, token: &str, repo: &str, args: &[&str]) -> std::process::Command;
    /// The fake as [`crate::support::bin`] takes it.
    fn as_fake(&self) -> crate::support::FakeForge<'_>;
    /// Commits `text` as `path` on `branch` of [`REPO`], as a person would.
    fn seed_file(&self, branch: &str, path: &str, text: &str);
    /// The text of `path` on `branch` of [`REPO`].
    fn file_on(&self, branch: &str, path: &str) -> Option<String>;
    /// The messages of [`REPO`]'s commits, oldest first.
    fn commit_messages(&self) -> Vec<String>;
    /// [`REPO`]'s pull/merge requests, oldest first.
    fn change_requests(&self) -> Vec<RequestView>;
    /// Assigns issue `number` to `login` alone, as a person would.
    fn assign(&self, number: u64, login: &str);
    /// Moves issue `number`'s due date to `date` as a person would: the forge's field where it
    /// has one, else the `Due` row of the body.
    fn set_due(&self, number: u64, date: &str);
    /// Deletes issue `number`.
    fn delete_issue(&self, number: u64);
    /// The bodies of issue `number`'s comments (GitLab's notes), oldest first.
    fn comments(&self, number: u64) -> Vec<String>;
    /// `ci --write-back MODE` in `ws` as the forge's CI runs it for a push to `main` whose
    /// head commit says `message`: (exit code, stdout, stderr).
    fn ci_push(&self, ws: &Path, mode: &str, message: &str) -> (i32, String, String);
}

/// One pull/merge request of [`REPO`] as a person sees it on either forge.
#[derive(Debug, Clone)]
pub struct RequestView {
    /// The branch it merges.
    pub head: String,
    pub description: String,
    pub open: bool,
}

/// [`SyncForge::binary`] without the forge: the arguments, the day, no pacing.
fn binary_base(ws: &Path, args: &[&str]) -> std::process::Command {
    let mut c = crate::support::command();
    c.args(args)
        .args(["--today=2026-01-10", "postmortems"])
        .current_dir(ws)
        .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
        .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0");
    c
}

/// The owners the examples and seeds name who have an account on the fakes.
const OWNERS: [&str; 8] = [
    "okafor", "mkovacs", "lfischer", "tbrandt", "okoye", "jdoe", "lgarcia", "mtanaka",
];

impl SyncForge for FakeGitHub {
    type Client = GitHub;
    const ISSUES: &'static str = "/repos/acme/svc/issues";
    const CONNECT_REQUESTS: usize = 0;
    const NATIVE_DUE: bool = false;
    const CLOSE_REASONS: bool = true;
    const TITLE: &'static str = "GitHub";
    const FILE_WRITE: (&'static str, &'static str) = ("PUT", "/repos/acme/svc/contents/");
    const REQUEST_EDIT: (&'static str, &'static str) = ("PATCH", "/repos/acme/svc/pulls/");

    fn start_with_owners() -> Self {
        let fake = FakeGitHub::start();
        for u in OWNERS {
            fake.state().add_user(u);
        }
        fake
    }

    async fn client(&self) -> GitHub {
        GitHub::new(
            &self.base_url(),
            REPO,
            Some(FakeGitHub::TOKEN),
            Duration::from_secs(5),
        )
        .unwrap()
    }

    fn all_issues(&self) -> Vec<IssueView> {
        let st = self.state();
        st.repo("acme", "svc")
            .real_issues()
            .into_iter()
            .map(|i| IssueView {
                number: i.number,
                title: i.title.clone(),
                open: i.state == "open",
                body: i.body.clone().unwrap_or_default(),
                labels: i.labels.clone(),
                assignees: i.assignees.clone(),
                in_milestone: i.milestone.is_some(),
                due: None,
                close_reason: i.state_reason.clone().filter(|_| i.state == "closed"),
            })
            .collect()
    }

    fn set_open(&self, number: u64, open: bool) {
        let mut st = self.state();
        let issue = st.repo_mut("acme", "svc").issue_mut(number).unwrap();
        issue.state = if open { "open" } else { "closed" }.into();
    }

    fn milestones_and_labels(&self) -> (Vec<String>, Vec<String>) {
        let st = self.state();
        let repo = st.repo("acme", "svc");
        (
            repo.milestones.iter().map(|m| m.title.clone()).collect(),
            repo.labels.iter().map(|l| l.name.clone()).collect(),
        )
    }

    fn add_token(&self, token: &str, login: &str, access: crate::support::Access) {
        self.state().add_token(token, login, access);
    }

    fn binary(&self, ws: &Path, token: &str, repo: &str, args: &[&str]) -> std::process::Command {
        let mut c = binary_base(ws, args);
        c.args(["--tracker", "github", "--repo", repo, "--api-url"])
            .arg(self.base_url())
            .env("GITHUB_TOKEN", token);
        c
    }

    fn as_fake(&self) -> crate::support::FakeForge<'_> {
        crate::support::FakeForge::GitHub(self)
    }

    fn seed_file(&self, branch: &str, path: &str, text: &str) {
        self.state().seed_file(("acme", "svc"), branch, path, text);
    }

    fn file_on(&self, branch: &str, path: &str) -> Option<String> {
        self.state().repo("acme", "svc").file_text(branch, path)
    }

    fn commit_messages(&self) -> Vec<String> {
        let st = self.state();
        let repo = st.repo("acme", "svc");
        repo.commits.iter().map(|c| c.message.clone()).collect()
    }

    fn change_requests(&self) -> Vec<RequestView> {
        let st = self.state();
        let repo = st.repo("acme", "svc");
        repo.issues
            .iter()
            .filter_map(|i| {
                i.pull.as_ref().map(|p| RequestView {
                    head: p.head.clone(),
                    description: i.body.clone().unwrap_or_default(),
                    open: i.state == "open",
                })
            })
            .collect()
    }

    fn assign(&self, number: u64, login: &str) {
        let mut st = self.state();
        let issue = st.repo_mut("acme", "svc").issue_mut(number).unwrap();
        issue.assignees = vec![login.into()];
    }

    fn set_due(&self, number: u64, date: &str) {
        let mut st = self.state();
        let issue = st.repo_mut("acme", "svc").issue_mut(number).unwrap();
        let body = issue.body.clone().unwrap_or_default();
        let row = body
            .lines()
            .find(|l| l.starts_with("| Due |"))
            .unwrap_or_else(|| panic!("no Due row in\n{body}"));
        issue.body = Some(body.replace(row, &format!("| Due | {date} |")));
    }

    fn delete_issue(&self, number: u64) {
        let mut st = self.state();
        st.repo_mut("acme", "svc")
            .issues
            .retain(|i| i.number != number);
    }

    fn comments(&self, number: u64) -> Vec<String> {
        let st = self.state();
        let repo = st.repo("acme", "svc");
        repo.comments_on(number)
            .iter()
            .map(|c| c.body.clone())
            .collect()
    }

    fn ci_push(&self, ws: &Path, mode: &str, message: &str) -> (i32, String, String) {
        let tmp = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ci/push.with-new-branch.payload.json");
        let mut payload: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        payload["ref"] = "refs/heads/main".into();
        payload["repository"]["full_name"] = REPO.into();
        payload["repository"]["default_branch"] = "main".into();
        payload["head_commit"]["message"] = message.into();
        crate::support::run(
            crate::support::actions_ci(
                ws,
                &self.base_url(),
                "push",
                &payload,
                FakeGitHub::TOKEN,
                tmp.path(),
            )
            .args(["--write-back", mode]),
        )
    }
}

impl SyncForge for FakeGitLab {
    type Client = GitLab;
    const ISSUES: &'static str = "/api/v4/projects/acme%2Fsvc/issues";
    const CONNECT_REQUESTS: usize = 1;
    const NATIVE_DUE: bool = true;
    const CLOSE_REASONS: bool = false;
    const TITLE: &'static str = "GitLab";
    const FILE_WRITE: (&'static str, &'static str) =
        ("PUT", "/api/v4/projects/acme%2Fsvc/repository/files/");
    const REQUEST_EDIT: (&'static str, &'static str) =
        ("PUT", "/api/v4/projects/acme%2Fsvc/merge_requests/");

    fn start_with_owners() -> Self {
        let fake = FakeGitLab::start();
        for u in OWNERS {
            fake.state().add_user(u);
        }
        fake
    }

    async fn client(&self) -> GitLab {
        GitLab::connect(
            &format!("{}/api/v4", self.base_url()),
            REPO,
            FakeGitLab::TOKEN,
        )
        .await
        .unwrap()
    }

    fn all_issues(&self) -> Vec<IssueView> {
        let st = self.state();
        let name = |id: &u64| {
            st.users
                .iter()
                .find(|u| u.id == *id)
                .map(|u| u.username.clone())
                .unwrap_or_default()
        };
        st.project(REPO)
            .issues
            .iter()
            .map(|i| IssueView {
                number: i.iid,
                title: i.title.clone(),
                open: i.state == "opened",
                body: i.description.clone().unwrap_or_default(),
                labels: i.labels.clone(),
                assignees: i.assignee_ids.iter().map(name).collect(),
                in_milestone: i.milestone_id.is_some(),
                due: i.due_date.clone(),
                close_reason: None,
            })
            .collect()
    }

    fn set_open(&self, number: u64, open: bool) {
        let mut st = self.state();
        let issue = st.project_mut(REPO).issue_mut(number).unwrap();
        issue.state = if open { "opened" } else { "closed" }.into();
    }

    fn milestones_and_labels(&self) -> (Vec<String>, Vec<String>) {
        let st = self.state();
        let p = st.project(REPO);
        (
            p.milestones.iter().map(|m| m.title.clone()).collect(),
            p.labels.iter().map(|l| l.name.clone()).collect(),
        )
    }

    fn add_token(&self, token: &str, login: &str, access: crate::support::Access) {
        self.state().add_token(token, login, access);
    }

    fn binary(&self, ws: &Path, token: &str, repo: &str, args: &[&str]) -> std::process::Command {
        let mut c = binary_base(ws, args);
        c.env("CI_API_V4_URL", format!("{}/api/v4", self.base_url()))
            .env("CI_PROJECT_PATH", repo)
            .env("GITLAB_TOKEN", token);
        c
    }

    fn as_fake(&self) -> crate::support::FakeForge<'_> {
        crate::support::FakeForge::GitLab(self)
    }

    fn seed_file(&self, branch: &str, path: &str, text: &str) {
        self.state().seed_file(REPO, branch, path, text);
    }

    fn file_on(&self, branch: &str, path: &str) -> Option<String> {
        self.state().project(REPO).file_text(branch, path)
    }

    fn commit_messages(&self) -> Vec<String> {
        let st = self.state();
        let p = st.project(REPO);
        p.commits.iter().map(|c| c.message.clone()).collect()
    }

    fn change_requests(&self) -> Vec<RequestView> {
        let st = self.state();
        st.project(REPO)
            .merge_requests
            .iter()
            .map(|m| RequestView {
                head: m.source_branch.clone(),
                description: m.description.clone().unwrap_or_default(),
                open: m.state == "opened",
            })
            .collect()
    }

    fn assign(&self, number: u64, login: &str) {
        let mut st = self.state();
        let id = st.add_user(login);
        let issue = st.project_mut(REPO).issue_mut(number);
        issue.unwrap().assignee_ids = vec![id];
    }

    fn set_due(&self, number: u64, date: &str) {
        let mut st = self.state();
        let issue = st.project_mut(REPO).issue_mut(number);
        issue.unwrap().due_date = Some(date.into());
    }

    fn delete_issue(&self, number: u64) {
        self.state()
            .project_mut(REPO)
            .issues
            .retain(|i| i.iid != number);
    }

    fn comments(&self, number: u64) -> Vec<String> {
        let st = self.state();
        let p = st.project(REPO);
        p.issue_notes(number)
            .iter()
            .map(|n| n.body.clone())
            .collect()
    }

    fn ci_push(&self, ws: &Path, mode: &str, message: &str) -> (i32, String, String) {
        crate::support::run(
            crate::support::gitlab_ci(
                ws,
                &format!("{}/api/v4", self.base_url()),
                FakeGitLab::TOKEN,
            )
            .args(["--write-back", mode])
            .env("CI_PIPELINE_SOURCE", "push")
            .env("CI_COMMIT_BRANCH", "main")
            .env("CI_COMMIT_MESSAGE", message),
        )
    }
}

/// One sync of the postmortems under `root` into [`REPO`] with a fresh client, waits recorded by
/// `sleeper`.
pub async fn sync_once<F: SyncForge>(
    fake: &F,
    root: &Path,
    sleeper: &NoSleep,
) -> postmortem_tracker::sync::SyncReport {
    postmortem_tracker::sync::sync(
        &load(root),
        &fake.client().await,
        sleeper,
        &postmortem_tracker::render::Engine::new(None).unwrap(),
        &options(root, REPO),
    )
    .await
    .unwrap()
}

/// The issue of [`REPO`] whose title contains `title`.
pub fn issue_titled<F: SyncForge>(fake: &F, title: &str) -> IssueView {
    fake.all_issues()
        .into_iter()
        .find(|i| i.title.contains(title))
        .unwrap_or_else(|| panic!("no issue titled {title:?}"))
}

/// Item key → open issue numbers, from the fake's state.
pub fn open_by_key<F: SyncForge>(fake: &F) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for i in fake.all_issues().into_iter().filter(|i| i.open) {
        let (key, _) = postmortem_tracker::render::safe::parse_marker(&i.body).expect("marker");
        out.entry(key).or_default().push(i.number);
    }
    out
}

/// Every item tracked by exactly one open issue (ticked items' issues are closed at once),
/// and linked in its file.
pub fn assert_tracked_once<F: SyncForge>(fake: &F, root: &Path, expected: &BTreeSet<String>) {
    let open = open_by_key(fake);
    let keys: BTreeSet<String> = open.keys().cloned().collect();
    let ticked = ticked_keys(root);
    let want: BTreeSet<String> = expected.difference(&ticked).cloned().collect();
    assert!(want.len() < expected.len(), "the corpus has ticked items");
    assert_eq!(keys, want, "one open issue per item, none lost");
    for (k, v) in &open {
        assert_eq!(v.len(), 1, "key {k} has issues {v:?}");
    }
    assert_all_linked(root);
}

/// The faults a flaky forge answers with, its own rate-limit answer among them.
pub fn flaky_answers() -> Vec<Fault> {
    vec![
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
    ]
}
