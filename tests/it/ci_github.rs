//! `postmortem-tracker ci` in a faithful GitHub Actions environment (real event payloads from
//! octokit/webhooks, temp files for `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`) against the
//! fake GitHub: pull request opened then synchronized (one sticky comment), a fork with a
//! read-only token, a push to the default branch (sync + write-back), a schedule.

use crate::support;
use crate::support::example;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::github::FakeGitHub;
use support::Access;

const MARKER: &str = "<!-- postmortem-tracker: pr-comment -->";

/// A payload from `tests/fixtures/ci/`, pointed at `acme/svc` (and PR `number`).
pub(crate) fn payload(name: &str, number: Option<u64>, head_repo: &str) -> Value {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ci")
            .join(name),
    )
    .unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["repository"]["full_name"] = "acme/svc".into();
    v["repository"]["default_branch"] = "main".into();
    if let Some(n) = number {
        v["number"] = n.into();
        v["pull_request"]["number"] = n.into();
        v["pull_request"]["base"]["repo"]["full_name"] = "acme/svc".into();
        v["pull_request"]["head"]["repo"]["full_name"] = head_repo.into();
    }
    v
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
}

/// Runs `ci` in `ws` as GitHub Actions would for `event` with `payload`.
fn run_ci(fake: &FakeGitHub, ws: &Path, event: &str, payload: &Value, token: &str) -> Run {
    run_ci_with(fake, ws, event, payload, token, &[])
}

fn run_ci_with(
    fake: &FakeGitHub,
    ws: &Path,
    event: &str,
    payload: &Value,
    token: &str,
    extra: &[&str],
) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let (output, summary) = (tmp.path().join("output"), tmp.path().join("summary"));
    let out = crate::support::actions_ci(ws, &fake.base_url(), event, payload, token, tmp.path())
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: std::fs::read_to_string(&output).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

fn output(run: &Run, name: &str) -> usize {
    run.outputs
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no output {name} in {:?}", run.outputs))
        .parse()
        .unwrap()
}

/// Seeds `main` with 02 and `feature` with 02 + `extra`, writes the feature checkout to `ws`,
/// opens the pull request; returns its number.
pub(crate) fn pull_request(fake: &FakeGitHub, ws: &Path, extra: &[&str]) -> u64 {
    std::fs::create_dir_all(ws.join("postmortems")).unwrap();
    let mut st = fake.state();
    let base = "02-booking-portal-certificate.md";
    st.seed_file(
        ("acme", "svc"),
        "main",
        &format!("postmortems/{base}"),
        &example(base),
    );
    for f in std::iter::once(&base).chain(extra) {
        let path = format!("postmortems/{f}");
        st.seed_file(("acme", "svc"), "feature", &path, &example(f));
        std::fs::write(ws.join(&path), example(f)).unwrap();
    }
    st.seed_pull(("acme", "svc"), "feature", "main")
}

#[test]
fn pull_request_is_linted_annotated_and_keeps_one_comment_across_pushes() {
    let fake = FakeGitHub::start();
    let ws = tempfile::tempdir().unwrap();
    let n = pull_request(&fake, ws.path(), &["03-checkout-promo-codes.md"]);

    let run = run_ci(
        &fake,
        ws.path(),
        "pull_request",
        &payload("pull_request.opened.payload.json", Some(n), "acme/svc"),
        FakeGitHub::TOKEN,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Annotations for the changed file only (02 is unchanged on the base branch).
    assert!(
        run.stdout
            .contains("::warning file=postmortems/03-checkout-promo-codes.md,line="),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("file=postmortems/02-"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("comment created"), "{}", run.stdout);
    let comments = |fake: &FakeGitHub| -> Vec<String> {
        fake.state()
            .repo("acme", "svc")
            .comments_on(n)
            .iter()
            .map(|c| c.body.clone())
            .collect()
    };
    let first = comments(&fake);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains(MARKER));
    assert!(first[0].contains("postmortems/03-checkout-promo-codes.md"));
    assert!(first[0].contains("will be opened when this is merged"));
    assert!(!first[0].contains("02-booking"), "{}", first[0]);
    // Nothing is opened on a pull request.
    assert!(fake.state().repo("acme", "svc").real_issues().is_empty());
    assert_eq!(output(&run, "created"), 0);
    assert!(output(&run, "open") + output(&run, "overdue") > 0);
    assert!(
        run.summary.contains("postmortem-tracker plan"),
        "{}",
        run.summary
    );

    // A second push adds another postmortem: the same comment is edited.
    {
        let mut st = fake.state();
        let f = "05-invoice-backlog-checklist.md";
        st.seed_file(
            ("acme", "svc"),
            "feature",
            &format!("postmortems/{f}"),
            &example(f),
        );
        std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    }
    let run = run_ci(
        &fake,
        ws.path(),
        "pull_request",
        &payload("pull_request.synchronize.payload.json", Some(n), "acme/svc"),
        FakeGitHub::TOKEN,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("comment updated"), "{}", run.stdout);
    let second = comments(&fake);
    assert_eq!(second.len(), 1, "never a second comment: {second:?}");
    assert!(second[0].contains("postmortems/05-invoice-backlog-checklist.md"));

    // A third run with nothing new makes no write.
    fake.log().clear();
    let run = run_ci(
        &fake,
        ws.path(),
        "pull_request",
        &payload("pull_request.synchronize.payload.json", Some(n), "acme/svc"),
        FakeGitHub::TOKEN,
    );
    assert!(run.stdout.contains("already up to date"), "{}", run.stdout);
    assert_eq!(fake.log().count_writes(), 0);

    // A last push takes the new postmortems out again: the comment says it no longer applies
    // (still one comment), instead of showing a stale plan.
    {
        let mut st = fake.state();
        let repo = st.repo_mut("acme", "svc");
        repo.files.retain(|(branch, path), _| {
            branch != "feature" || path == "postmortems/02-booking-portal-certificate.md"
        });
        for f in [
            "03-checkout-promo-codes.md",
            "05-invoice-backlog-checklist.md",
        ] {
            std::fs::remove_file(ws.path().join("postmortems").join(f)).unwrap();
        }
    }
    let run = run_ci(
        &fake,
        ws.path(),
        "pull_request",
        &payload("pull_request.synchronize.payload.json", Some(n), "acme/svc"),
        FakeGitHub::TOKEN,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let last = comments(&fake);
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(!last[0].contains("05-invoice"), "{}", last[0]);
    assert!(last[0].contains(MARKER));
}

#[test]
fn forked_pull_request_with_a_read_only_token_still_lints_and_explains_the_comment() {
    let fake = FakeGitHub::start();
    fake.state()
        .add_token("ghs_read_only", "github-actions", Access::Read);
    let ws = tempfile::tempdir().unwrap();
    let n = pull_request(&fake, ws.path(), &["03-checkout-promo-codes.md"]);
    let run = run_ci(
        &fake,
        ws.path(),
        "pull_request",
        &payload("pull_request.opened.payload.json", Some(n), "someone/svc"),
        "ghs_read_only",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run
        .stdout
        .contains("::warning file=postmortems/03-checkout-promo-codes.md,line="));
    assert!(
        run.stdout
            .contains("::warning title=postmortem-tracker::the plan comment was not written")
            && run.stdout.contains("forks get a read-only GITHUB_TOKEN"),
        "{}",
        run.stdout
    );
    assert!(fake.state().repo("acme", "svc").comments_on(n).is_empty());
    // The plan still reaches the job summary.
    assert!(run.summary.contains(MARKER), "{}", run.summary);
    assert!(!run.stdout.contains("ghs_read_only") && !run.stderr.contains("ghs_read_only"));
}

#[test]
fn push_to_the_default_branch_syncs_and_writes_links_back() {
    let fake = FakeGitHub::start();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    for f in ["03-checkout-promo-codes.md", "04-cache-failover-sre.md"] {
        std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    }
    let mut push = payload("push.with-new-branch.payload.json", None, "");
    push["ref"] = "refs/heads/main".into();
    let run = run_ci(&fake, ws.path(), "push", &push, FakeGitHub::TOKEN);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let issues = fake.state().repo("acme", "svc").real_issues().len();
    assert!(issues > 0);
    assert_eq!(output(&run, "created"), issues);
    // Every item has a state; items that name an outside issue (a ticket number) count too.
    assert!(output(&run, "open") + output(&run, "overdue") + output(&run, "done") >= issues);
    assert!(
        run.summary.contains("## postmortem-tracker sync"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("Opened: [#1]"), "{}", run.summary);
    let text =
        std::fs::read_to_string(ws.path().join("postmortems/03-checkout-promo-codes.md")).unwrap();
    assert!(text.contains("#1"), "link written back:\n{text}");

    // Pushed again: nothing new.
    let run = run_ci(&fake, ws.path(), "push", &push, FakeGitHub::TOKEN);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(output(&run, "created"), 0);
    assert_eq!(fake.state().repo("acme", "svc").real_issues().len(), issues);

    // A tag push (the real payload as recorded) does nothing.
    fake.log().clear();
    let run = run_ci(
        &fake,
        ws.path(),
        "push",
        &payload("push.payload.json", None, ""),
        FakeGitHub::TOKEN,
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(fake.log().len(), 0);
}

#[test]
fn schedule_reports_status_outputs_and_fails_on_overdue_when_asked() {
    let fake = FakeGitHub::start();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let f = "04-cache-failover-sre.md";
    std::fs::write(ws.path().join("postmortems").join(f), example(f)).unwrap();
    let event = serde_json::json!({"schedule": "0 9 * * 1"});
    let run = run_ci(&fake, ws.path(), "schedule", &event, FakeGitHub::TOKEN);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.summary.contains("## postmortem-tracker followup"),
        "{}",
        run.summary
    );
    assert_eq!(output(&run, "created"), 0);
    assert!(output(&run, "open") + output(&run, "overdue") + output(&run, "done") > 0);
    // No issue is tracked yet, so nothing to label or remind: the follow-up only writes the
    // status block into the checkout, and a second run the same day changes nothing.
    assert_eq!(fake.log().count_writes(), 0);
    let path = ws.path().join("postmortems").join(f);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("<!-- postmortem-tracker:status:begin"),
        "{written}"
    );
    let again = run_ci(&fake, ws.path(), "schedule", &event, FakeGitHub::TOKEN);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);

    // An item past its due date: reported as overdue; the run fails only when asked.
    std::fs::write(
        ws.path().join("postmortems/late.md"),
        "# Late\n\n## Action Items\n\n- [ ] Rotate the keys @okoye due: 2026-01-01\n",
    )
    .unwrap();
    let quiet = run_ci(&fake, ws.path(), "schedule", &event, FakeGitHub::TOKEN);
    assert_eq!(quiet.code, 0, "{}\n{}", quiet.stdout, quiet.stderr);
    assert!(output(&quiet, "overdue") >= 1, "{}", quiet.outputs);
    let strict = run_ci_with(
        &fake,
        ws.path(),
        "schedule",
        &event,
        FakeGitHub::TOKEN,
        &["--fail-on-overdue"],
    );
    assert_eq!(strict.code, 1, "{}\n{}", strict.stdout, strict.stderr);
}

/// A push that removes every changed postmortem: the tool's existing comment is edited to say
/// so (not left showing a stale plan), a request without one gets none, and a repeat writes
/// nothing. Through the library: `ci` wires `retire_sticky` into its no-postmortem branch.
#[test]
fn retiring_the_comment_updates_an_existing_one_and_never_creates_one() {
    use postmortem_tracker::ci::review::{Review, Sticky};
    let fake = FakeGitHub::start();
    let ws = tempfile::tempdir().unwrap();
    let n = pull_request(&fake, ws.path(), &[]);
    // octocrab starts its service on the runtime it is built in.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let review = Review::github(
        &fake.base_url(),
        "acme/svc",
        n,
        Some(FakeGitHub::TOKEN),
        std::time::Duration::from_secs(10),
    )
    .unwrap();

    fake.log().clear();
    assert_eq!(rt.block_on(review.retire_sticky()).unwrap(), None);
    assert!(fake.state().repo("acme", "svc").comments_on(n).is_empty());
    assert_eq!(fake.log().count_writes(), 0);

    let plan = format!("{MARKER}\nplan: 3 issues to open");
    assert_eq!(
        rt.block_on(review.upsert_sticky(&plan)).unwrap(),
        Sticky::Created
    );
    assert_eq!(
        rt.block_on(review.retire_sticky()).unwrap(),
        Some(Sticky::Updated)
    );
    let bodies: Vec<String> = fake
        .state()
        .repo("acme", "svc")
        .comments_on(n)
        .iter()
        .map(|c| c.body.clone())
        .collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].starts_with(MARKER), "{}", bodies[0]);
    assert!(
        bodies[0].contains("no longer changes any postmortem") && !bodies[0].contains("plan:"),
        "{}",
        bodies[0]
    );

    fake.log().clear();
    assert_eq!(
        rt.block_on(review.retire_sticky()).unwrap(),
        Some(Sticky::Unchanged)
    );
    assert_eq!(fake.log().count_writes(), 0);
}
