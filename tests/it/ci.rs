//! `postmortem-tracker ci` in each forge's own CI environment against its fake, every scenario
//! written once over [`CiForge`] and run for both forges by `both_forges!`: GitHub Actions
//! (real event payloads from octokit/webhooks, temp files for `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY`) and GitLab CI (the `CI_*` variables GitLab sets for each pipeline
//! source). A pull request is a merge request pipeline, a push a push pipeline, a schedule a
//! schedule pipeline.
//!
//! The scenarios: a request linted, keeping one comment across pushes; a request from a fork
//! with a read-only token; pushes (to another branch: nothing; to the default branch: sync,
//! links written back; a tag: nothing) then a schedule; a schedule's outputs and
//! `--fail-on-overdue`; retiring the comment (through the library). What differs between the forges is read back into one [`CiRun`] by each impl:
//! GitHub's line annotations against GitLab's Code Quality report, GitHub's step outputs file
//! against GitLab's dotenv report (`postmortem-tracker.env`), GitHub's job summary file against
//! GitLab's job log, GitHub's `::warning` annotations against GitLab's `warning:` lines.
//!
//! One test is for GitLab only: a fork's merge request pipeline without any token (GitLab runs
//! it in the fork, without the project's variables; GitHub always hands a fork's pull request a
//! read-only token, which the shared fork scenario covers).

use crate::both_forges;
use crate::support::service::ServiceForge;
use crate::support::{self, example, github::FakeGitHub, gitlab::FakeGitLab, Access};
use crate::sync_common::{SyncForge, REPO};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use postmortem_tracker::ci::review::{Review, Sticky};
use serde_json::Value;

const MARKER: &str = "<!-- postmortem-tracker: pr-comment -->";

both_forges!(
    sync request_is_linted_and_keeps_one_comment_across_pushes,
    forked_request_with_a_read_only_token_still_lints_and_explains_the_comment,
    push_to_the_default_branch_syncs_writes_links_back_and_a_schedule_reads_status,
    schedule_reports_status_outputs_and_fails_on_overdue_when_asked,
);

both_forges!(retiring_the_comment_updates_an_existing_one_and_never_creates_one);

/// What started the CI run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trigger<'a> {
    /// A pull request opened (`pushed`: pushed to again) / a merge request pipeline; `fork`:
    /// its head lives in a fork.
    Request {
        number: u64,
        pushed: bool,
        fork: bool,
    },
    /// A push to a branch.
    Push(&'a str),
    /// A tag pushed.
    Tag,
    /// A scheduled run.
    Schedule,
}

/// One `ci` run, read back the same way for both forges.
pub(crate) struct CiRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// What the run left where the forge's CI reads it.
    pub reported: Reported,
}

/// A lint finding as the forge shows it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    /// `warning`, `error` or `notice`.
    pub level: String,
    pub path: String,
    pub line: Option<u64>,
}

/// What a `ci` run leaves for the forge's CI to show, read back.
#[derive(Default)]
pub(crate) struct Reported {
    /// The step outputs by name (GitHub's `GITHUB_OUTPUT`, GitLab's `PMT_*` dotenv report),
    /// the last value of each.
    pub outputs: BTreeMap<String, String>,
    /// The Markdown job summary (GitHub's step summary file, GitLab's job log).
    pub summary: String,
    /// Lint findings where the forge shows them.
    pub findings: Vec<Finding>,
    /// The run's warnings, one each, without the forge's prefix.
    pub warnings: Vec<String>,
}

impl CiRun {
    /// A count output.
    fn output(&self, name: &str) -> usize {
        let outputs = &self.reported.outputs;
        outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name} in {outputs:?}"))
            .parse()
            .unwrap()
    }

    /// Asserts the run succeeded.
    fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "{}\n{}", self.stdout, self.stderr);
        self
    }

    /// Asserts the job summary says `text`.
    fn assert_summary(&self, text: &str) -> &Self {
        let summary = &self.reported.summary;
        assert!(
            summary.contains(text),
            "no {text:?} in the summary:\n{summary}"
        );
        self
    }

    /// Asserts the lint reported warnings for `path` and nothing for any other file (a file
    /// the request does not change is not linted).
    fn assert_linted_only(&self, path: &str) {
        let findings = &self.reported.findings;
        assert!(
            findings
                .iter()
                .any(|f| f.level == "warning" && f.path == path && f.line.is_some()),
            "{findings:?}\n{}",
            self.stdout
        );
        assert!(
            findings.iter().all(|f| f.path == path),
            "only the changed file: {findings:?}"
        );
    }
}

/// One of the two fake forges as the CI tests drive it: its repository, its request, and `ci`
/// run in its CI environment.
pub(crate) trait CiForge: SyncForge {
    /// What the forge calls the request's comment (`comment`, GitLab's `note`).
    const COMMENT: &'static str;
    /// What the warning says when a request from a fork cannot be commented on.
    const FORK_HINT: &'static str;

    /// Deletes `path` from `branch` of [`REPO`].
    fn delete_file(&self, branch: &str, path: &str);
    /// Opens a pull/merge request from `source` into `target`; its number.
    fn open_request(&self, source: &str, target: &str) -> u64;
    /// The bodies of request `number`'s comments, oldest first.
    fn request_comments(&self, number: u64) -> Vec<String>;
    /// `ci` in `ws` as the forge's CI runs it for `trigger`, with `token`; `out` is a fresh
    /// folder for the files the CI gives the step.
    fn ci(&self, ws: &Path, trigger: Trigger, token: &str, out: &Path) -> Command;
    /// What the run of [`CiForge::ci`] left in `ws` and `out` and printed.
    fn read_back(ws: &Path, out: &Path, stdout: &str, stderr: &str) -> Reported;

    /// Runs `ci` in `ws` as the forge's CI runs it for `trigger`, with `token` and `extra`
    /// flags.
    fn run_ci(&self, ws: &Path, trigger: Trigger, token: &str, extra: &[&str]) -> CiRun {
        let out = tempfile::tempdir().unwrap();
        let (code, stdout, stderr) =
            support::run(self.ci(ws, trigger, token, out.path()).args(extra));
        CiRun {
            code,
            reported: Self::read_back(ws, out.path(), &stdout, &stderr),
            stdout,
            stderr,
        }
    }

    /// The library's handle on request `number`, with the write token.
    async fn review(&self, number: u64) -> Review;
}

/// Seeds `main` with example 02 and `feature` with 02 + `extra`, writes the feature checkout to
/// `ws`, opens the request; returns its number.
pub(crate) fn seed_request<F: CiForge>(fake: &F, ws: &Path, extra: &[&str]) -> u64 {
    std::fs::create_dir_all(ws.join("postmortems")).unwrap();
    let base = "02-booking-portal-certificate.md";
    fake.seed_file("main", &format!("postmortems/{base}"), &example(base));
    for f in std::iter::once(&base).chain(extra) {
        let path = format!("postmortems/{f}");
        fake.seed_file("feature", &path, &example(f));
        std::fs::write(ws.join(&path), example(f)).unwrap();
    }
    fake.open_request("feature", "main")
}

/// A payload from `tests/fixtures/ci/`, pointed at `acme/svc` (and PR `number`).
pub(crate) fn payload(name: &str, number: Option<u64>, head_repo: &str) -> Value {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ci")
            .join(name),
    )
    .unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["repository"]["full_name"] = REPO.into();
    v["repository"]["default_branch"] = "main".into();
    if let Some(n) = number {
        v["number"] = n.into();
        v["pull_request"]["number"] = n.into();
        v["pull_request"]["base"]["repo"]["full_name"] = REPO.into();
        v["pull_request"]["head"]["repo"]["full_name"] = head_repo.into();
    }
    v
}

/// A fork of [`REPO`].
const FORK: &str = "someone/svc";
/// Where `ci` writes GitLab's Code Quality report and dotenv report, in the checkout.
const CODE_QUALITY: &str = "gl-code-quality-report.json";
const DOTENV: &str = "postmortem-tracker.env";

impl CiForge for FakeGitHub {
    const COMMENT: &'static str = "comment";
    const FORK_HINT: &'static str = "forks get a read-only GITHUB_TOKEN";

    fn delete_file(&self, branch: &str, path: &str) {
        let mut st = self.state();
        let removed = st
            .repo_mut("acme", "svc")
            .files
            .remove(&(branch.to_string(), path.to_string()));
        assert!(removed.is_some(), "no {path} on {branch}");
    }

    fn open_request(&self, source: &str, target: &str) -> u64 {
        self.state().seed_pull(("acme", "svc"), source, target)
    }

    fn request_comments(&self, number: u64) -> Vec<String> {
        // GitHub numbers pull requests and issues in one sequence, with one comment list.
        self.comments(number)
    }

    fn ci(&self, ws: &Path, trigger: Trigger, token: &str, out: &Path) -> Command {
        let (event, body) = match trigger {
            Trigger::Request {
                number,
                pushed,
                fork,
            } => {
                let name = if pushed {
                    "pull_request.synchronize.payload.json"
                } else {
                    "pull_request.opened.payload.json"
                };
                let head = if fork { FORK } else { REPO };
                ("pull_request", payload(name, Some(number), head))
            }
            Trigger::Push(branch) => {
                let mut p = payload("push.with-new-branch.payload.json", None, "");
                p["ref"] = format!("refs/heads/{branch}").into();
                ("push", p)
            }
            // The tag push as recorded.
            Trigger::Tag => ("push", payload("push.payload.json", None, "")),
            Trigger::Schedule => ("schedule", serde_json::json!({"schedule": "0 9 * * 1"})),
        };
        support::actions_ci(ws, &self.base_url(), event, &body, token, out)
    }

    fn read_back(_: &Path, out: &Path, stdout: &str, _: &str) -> Reported {
        let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
        let outputs = read("output")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // `::warning file=postmortems/a.md,line=3,title=code::message`
        let findings = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("::")?.split_once(" file="))
            .map(|(level, rest)| {
                let props = rest.split_once("::").map_or(rest, |(p, _)| p);
                let mut props = props.split(',');
                let path = props.next().unwrap().to_string();
                let line = props.find_map(|p| p.strip_prefix("line=")?.parse().ok());
                Finding {
                    level: level.to_string(),
                    path,
                    line,
                }
            })
            .collect();
        let warnings = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("::warning title=postmortem-tracker::"))
            .map(str::to_string)
            .collect();
        Reported {
            outputs,
            summary: read("summary"),
            findings,
            warnings,
        }
    }

    async fn review(&self, number: u64) -> Review {
        Review::github(
            &self.base_url(),
            REPO,
            number,
            Some(FakeGitHub::TOKEN),
            Duration::from_secs(10),
        )
        .unwrap()
    }
}

impl CiForge for FakeGitLab {
    const COMMENT: &'static str = "note";
    const FORK_HINT: &'static str = "merge requests from forks";

    fn delete_file(&self, branch: &str, path: &str) {
        let mut st = self.state();
        let removed = st
            .project_mut(REPO)
            .files
            .remove(&(branch.to_string(), path.to_string()));
        assert!(removed.is_some(), "no {path} on {branch}");
    }

    fn open_request(&self, source: &str, target: &str) -> u64 {
        self.state().seed_merge_request(REPO, source, target)
    }

    fn request_comments(&self, number: u64) -> Vec<String> {
        self.state()
            .project(REPO)
            .notes
            .iter()
            .filter(|n| n.noteable_type == "MergeRequest" && n.noteable_iid == number)
            .map(|n| n.body.clone())
            .collect()
    }

    fn ci(&self, ws: &Path, trigger: Trigger, token: &str, _: &Path) -> Command {
        // The reports of an earlier run in the same checkout are not this run's.
        for f in [CODE_QUALITY, DOTENV] {
            let _ = std::fs::remove_file(ws.join(f));
        }
        let vars: Vec<(&str, String)> = match trigger {
            Trigger::Request { number, fork, .. } => {
                let source = if fork { (FORK, "77") } else { (REPO, "42") };
                let mut v = vec![
                    ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
                    ("CI_MERGE_REQUEST_IID", number.to_string()),
                    ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
                    ("CI_MERGE_REQUEST_PROJECT_PATH", REPO.into()),
                    ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", source.1.into()),
                    ("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", source.0.into()),
                ];
                if fork {
                    // GitLab runs a fork's merge request pipeline in the fork.
                    v.extend([
                        ("CI_PROJECT_ID", "77".into()),
                        ("CI_PROJECT_PATH", FORK.into()),
                    ]);
                }
                v
            }
            Trigger::Push(branch) => vec![
                ("CI_PIPELINE_SOURCE", "push".into()),
                ("CI_COMMIT_BRANCH", branch.into()),
            ],
            Trigger::Tag => vec![
                ("CI_PIPELINE_SOURCE", "push".into()),
                ("CI_COMMIT_TAG", "v1.0.0".into()),
            ],
            Trigger::Schedule => vec![("CI_PIPELINE_SOURCE", "schedule".into())],
        };
        let mut c = support::gitlab_ci(ws, &format!("{}/api/v4", self.base_url()), token);
        c.envs(vars);
        c
    }

    fn read_back(ws: &Path, _: &Path, stdout: &str, stderr: &str) -> Reported {
        let outputs = std::fs::read_to_string(ws.join(DOTENV))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.strip_prefix("PMT_")?.split_once('='))
            .map(|(k, v)| (k.to_lowercase(), v.to_string()))
            .collect();
        let findings = match std::fs::read_to_string(ws.join(CODE_QUALITY)) {
            Ok(text) => serde_json::from_str::<Value>(&text)
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let level = match i["severity"].as_str().unwrap() {
                        "major" => "error",
                        "minor" => "warning",
                        _ => "notice",
                    };
                    Finding {
                        level: level.to_string(),
                        path: i["location"]["path"].as_str().unwrap().to_string(),
                        line: i["location"]["lines"]["begin"].as_u64(),
                    }
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let warnings = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("warning: "))
            .map(str::to_string)
            .collect();
        Reported {
            outputs,
            // GitLab has no summary page: the summary is in the job log.
            summary: stdout.to_string(),
            findings,
            warnings,
        }
    }

    async fn review(&self, number: u64) -> Review {
        let api = format!("{}/api/v4", self.base_url());
        Review::gitlab(&api, REPO, number, FakeGitLab::TOKEN)
            .await
            .unwrap()
    }
}

/// A request run as the forge's CI runs it when it is opened (`pushed`: pushed to again).
fn request(number: u64, pushed: bool) -> Trigger<'static> {
    Trigger::Request {
        number,
        pushed,
        fork: false,
    }
}

fn request_is_linted_and_keeps_one_comment_across_pushes<F: CiForge>() {
    let fake = F::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    let n = seed_request(&fake, ws.path(), &["03-checkout-promo-codes.md"]);

    let run = fake.run_ci(ws.path(), request(n, false), F::TOKEN, &[]);
    let changed = "postmortems/03-checkout-promo-codes.md";
    run.ok().assert_linted_only(changed);
    assert!(run.stdout.contains("comment created"), "{}", run.stdout);
    let first = fake.request_comments(n);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains(MARKER));
    assert!(first[0].contains(changed));
    assert!(first[0].contains("will be opened when this is merged"));
    assert!(!first[0].contains("02-booking"), "{}", first[0]);
    // Nothing is opened on a request.
    assert!(fake.all_issues().is_empty());
    assert_eq!(run.output("created"), 0);
    assert!(run.output("open") + run.output("overdue") > 0);
    run.assert_summary("postmortem-tracker plan");

    // A second push adds another postmortem: the same comment is edited.
    let f = "05-invoice-backlog-checklist.md";
    fake.seed_file("feature", &format!("postmortems/{f}"), &example(f));
    std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    let run = fake.run_ci(ws.path(), request(n, true), F::TOKEN, &[]);
    run.ok();
    assert!(run.stdout.contains("comment updated"), "{}", run.stdout);
    let second = fake.request_comments(n);
    assert_eq!(second.len(), 1, "never a second comment: {second:?}");
    assert!(second[0].contains("postmortems/05-invoice-backlog-checklist.md"));
    assert!(fake.all_issues().is_empty());

    // A third run with nothing new makes no write.
    fake.requests().clear();
    let run = fake.run_ci(ws.path(), request(n, true), F::TOKEN, &[]);
    assert!(run.stdout.contains("already up to date"), "{}", run.stdout);
    assert_eq!(fake.requests().count_writes(), 0);

    // A last push takes the new postmortems out again: the comment says it no longer applies
    // (still one comment), instead of showing a stale plan.
    for f in [
        "03-checkout-promo-codes.md",
        "05-invoice-backlog-checklist.md",
    ] {
        fake.delete_file("feature", &format!("postmortems/{f}"));
        std::fs::remove_file(ws.path().join("postmortems").join(f)).unwrap();
    }
    let run = fake.run_ci(ws.path(), request(n, true), F::TOKEN, &[]);
    run.ok();
    let last = fake.request_comments(n);
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(!last[0].contains("05-invoice"), "{}", last[0]);
    assert!(last[0].contains(MARKER));
}

/// A request from a fork gets a token that cannot comment (GitHub: the read-only
/// `GITHUB_TOKEN`; GitLab runs the pipeline in the fork, without the project's token): the
/// check still lints, says why there is no comment, and leaves the plan in the summary.
fn forked_request_with_a_read_only_token_still_lints_and_explains_the_comment<F: CiForge>() {
    let fake = F::start_with_owners();
    let token = "read-only-secret";
    fake.add_token(token, "ci-bot", Access::Read);
    let ws = tempfile::tempdir().unwrap();
    let n = seed_request(&fake, ws.path(), &["03-checkout-promo-codes.md"]);
    let fork = Trigger::Request {
        number: n,
        pushed: false,
        fork: true,
    };
    let run = fake.run_ci(ws.path(), fork, token, &[]);
    let changed = "postmortems/03-checkout-promo-codes.md";
    run.ok().assert_linted_only(changed);
    let not_written = format!("the plan {} was not written", F::COMMENT);
    assert!(
        run.reported
            .warnings
            .iter()
            .any(|w| w.starts_with(&not_written) && w.contains(F::FORK_HINT)),
        "{:?}\n{}",
        run.reported.warnings,
        run.stdout
    );
    assert!(fake.request_comments(n).is_empty());
    // The plan still reaches the job summary.
    run.assert_summary(MARKER).assert_summary(changed);
    assert!(!run.stdout.contains(token) && !run.stderr.contains(token));
}

fn push_to_the_default_branch_syncs_writes_links_back_and_a_schedule_reads_status<F: CiForge>() {
    let fake = F::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    for f in ["03-checkout-promo-codes.md", "04-cache-failover-sre.md"] {
        std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    }

    // A push to another branch does nothing.
    let run = fake.run_ci(ws.path(), Trigger::Push("dev"), F::TOKEN, &[]);
    run.ok();
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert!(fake.all_issues().is_empty());

    let run = fake.run_ci(ws.path(), Trigger::Push("main"), F::TOKEN, &[]);
    run.ok();
    let issues = fake.all_issues().len();
    assert!(issues > 0);
    assert_eq!(run.output("created"), issues);
    // Every item has a state; items that name an outside issue (a ticket number) count too.
    assert!(run.output("open") + run.output("overdue") + run.output("done") >= issues);
    run.assert_summary("## postmortem-tracker sync");
    run.assert_summary("Opened: [#1]");
    let text =
        std::fs::read_to_string(ws.path().join("postmortems/03-checkout-promo-codes.md")).unwrap();
    assert!(text.contains("#1"), "link written back:\n{text}");

    // Pushed again: nothing new.
    let run = fake.run_ci(ws.path(), Trigger::Push("main"), F::TOKEN, &[]);
    run.ok();
    assert_eq!(run.output("created"), 0);
    assert_eq!(fake.all_issues().len(), issues);

    // A tag push does nothing, says so, and asks the forge nothing.
    fake.requests().clear();
    let run = fake.run_ci(ws.path(), Trigger::Tag, F::TOKEN, &[]);
    run.ok();
    assert!(
        run.stdout.contains("push of ") && run.stdout.contains("tag"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(fake.requests().len(), 0, "{:?}", fake.requests().all());

    // The schedule reads the status of what the push opened, and opens nothing.
    let run = fake.run_ci(ws.path(), Trigger::Schedule, F::TOKEN, &[]);
    run.ok();
    run.assert_summary("## postmortem-tracker followup");
    assert_eq!(run.output("created"), 0);
    assert_eq!(fake.all_issues().len(), issues);
}

fn schedule_reports_status_outputs_and_fails_on_overdue_when_asked<F: CiForge>() {
    let fake = F::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let f = "04-cache-failover-sre.md";
    std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    let run = fake.run_ci(ws.path(), Trigger::Schedule, F::TOKEN, &[]);
    run.ok();
    run.assert_summary("## postmortem-tracker followup");
    assert_eq!(run.output("created"), 0);
    assert!(run.output("open") + run.output("overdue") + run.output("done") > 0);
    // No issue is tracked yet, so nothing to label or remind: the follow-up only writes the
    // status block into the checkout, and a second run the same day changes nothing.
    assert_eq!(fake.requests().count_writes(), 0);
    let path = ws.path().join("postmortems").join(f);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("<!-- postmortem-tracker:status:begin"),
        "{written}"
    );
    fake.run_ci(ws.path(), Trigger::Schedule, F::TOKEN, &[])
        .ok();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);

    // An item past its due date: reported as overdue; the run fails only when asked.
    std::fs::write(
        ws.path().join("postmortems/late.md"),
        "# Late\n\n## Action Items\n\n- [ ] Rotate the keys @okoye due: 2026-01-01\n",
    )
    .unwrap();
    let quiet = fake.run_ci(ws.path(), Trigger::Schedule, F::TOKEN, &[]);
    quiet.ok();
    assert!(quiet.output("overdue") >= 1, "{:?}", quiet.reported.outputs);
    let strict = fake.run_ci(
        ws.path(),
        Trigger::Schedule,
        F::TOKEN,
        &["--fail-on-overdue"],
    );
    assert_eq!(strict.code, 1, "{}\n{}", strict.stdout, strict.stderr);
}

/// A push that removes every changed postmortem: the tool's existing comment is edited to say
/// so (not left showing a stale plan), a request without one gets none, and a repeat writes
/// nothing. Through the library: `ci` wires `retire_sticky` into its no-postmortem branch.
async fn retiring_the_comment_updates_an_existing_one_and_never_creates_one<F: CiForge>() {
    let fake = F::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    let n = seed_request(&fake, ws.path(), &[]);
    let review = fake.review(n).await;

    fake.requests().clear();
    assert_eq!(review.retire_sticky().await.unwrap(), None);
    assert!(fake.request_comments(n).is_empty());
    assert_eq!(fake.requests().count_writes(), 0);

    let plan = format!("{MARKER}\nplan: 3 issues to open");
    assert_eq!(review.upsert_sticky(&plan).await.unwrap(), Sticky::Created);
    assert_eq!(review.retire_sticky().await.unwrap(), Some(Sticky::Updated));
    let bodies = fake.request_comments(n);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].starts_with(MARKER), "{}", bodies[0]);
    assert!(
        bodies[0].contains("no longer changes any postmortem") && !bodies[0].contains("plan:"),
        "{}",
        bodies[0]
    );

    fake.requests().clear();
    assert_eq!(
        review.retire_sticky().await.unwrap(),
        Some(Sticky::Unchanged)
    );
    assert_eq!(fake.requests().count_writes(), 0);
}

/// GitLab only: a fork's merge request pipeline runs in the fork, without the project's
/// variables, so it usually has no token at all (GitHub always gives a fork's pull request a
/// read-only `GITHUB_TOKEN`, the scenario above). The check reaches no forge, lints every
/// postmortem (it cannot list the changed files), says why nothing is noted, and leaves the plan
/// in the job log.
#[test]
fn gitlab_fork_merge_request_without_a_token_lints_everything_and_says_why_nothing_is_noted() {
    let fake = FakeGitLab::start_with_owners();
    let ws = tempfile::tempdir().unwrap();
    let n = seed_request(&fake, ws.path(), &["03-checkout-promo-codes.md"]);
    fake.requests().clear();
    let fork = Trigger::Request {
        number: n,
        pushed: false,
        fork: true,
    };
    let run = fake.run_ci(ws.path(), fork, "", &[]);
    run.ok();
    let findings = &run.reported.findings;
    for path in [
        "postmortems/02-booking-portal-certificate.md",
        "postmortems/03-checkout-promo-codes.md",
    ] {
        assert!(findings.iter().any(|f| f.path == path), "{findings:?}");
    }
    assert!(
        run.reported.warnings.iter().any(|w| w.starts_with(
            "no GITLAB_TOKEN in the environment (merge requests from forks run their pipeline"
        ) && w.ends_with("commenting nothing")),
        "{:?}",
        run.reported.warnings
    );
    assert!(fake.request_comments(n).is_empty());
    assert_eq!(fake.requests().len(), 0, "{:?}", fake.requests().all());
    run.assert_summary(MARKER);
}
