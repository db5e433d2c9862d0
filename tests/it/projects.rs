//! A GitHub Project (v2) kept current by `sync` and `followup`, through the binary against the
//! fake GitHub's GraphQL endpoint: every issue of the seeds on the project with its status,
//! due date, postmortem and kind; a second run reads (one page per 100 items, plus the
//! project) and writes nothing; a closed issue moves to Done; a renamed field, a missing
//! project and a token that cannot see it are clear errors with nothing written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support;

use support::github::{FakeGitHub, GitHubState};
use support::github_projects::{add_item, item_values, Denial};
use support::{bin, FakeForge};

const OWNER: &str = "acme";
const NUMBER: u64 = 7;

/// The fake GitHub with organisation `acme` and its project 7 as a team sets it up: a new
/// project's fields plus `Due date`, `Postmortem`, `Severity` and `Kind`.
fn github() -> FakeGitHub {
    let mut st = GitHubState::new();
    st.add_org(OWNER);
    let p = st
        .projects
        .add_project(OWNER, NUMBER, "Postmortem follow-ups");
    p.add_field("Due date", "DATE", &[]);
    p.add_field("Postmortem", "TEXT", &[]);
    p.add_field("Severity", "TEXT", &[]);
    p.add_field(
        "Kind",
        "SINGLE_SELECT",
        &["Corrective", "Preventive", "Task", "Unknown"],
    );
    FakeGitHub::start_with(st)
}

/// A checkout with the four seeds under `postmortems/` and `config` as its configuration;
/// `None` when the shared corpus is absent.
fn workspace(config: &str) -> Option<tempfile::TempDir> {
    let ws = support::seeds_workspace()?;
    std::fs::write(ws.path().join(".postmortem-tracker.toml"), config).unwrap();
    Some(ws)
}

const CONFIG: &str = "[projects.github]\nowner = \"acme\"\nnumber = 7\n";

fn run(ws: &Path, gh: &FakeGitHub, args: &[&str]) -> (i32, String, String) {
    bin(ws, &FakeForge::GitHub(gh), args)
}

/// (queries, mutations) the fake's GraphQL endpoint has answered so far.
fn counts(gh: &FakeGitHub) -> (usize, usize) {
    let st = gh.state();
    (st.projects.queries, st.projects.mutations)
}

/// The tool's issues: number → (title, body, labels).
fn issues(gh: &FakeGitHub) -> BTreeMap<u64, (String, String, Vec<String>)> {
    gh.state()
        .repo("acme", "svc")
        .real_issues()
        .into_iter()
        .filter(|i| i.labels.iter().any(|l| l == "postmortem"))
        .map(|i| {
            (
                i.number,
                (
                    i.title.clone(),
                    i.body.clone().unwrap_or_default(),
                    i.labels.clone(),
                ),
            )
        })
        .collect()
}

fn values(gh: &FakeGitHub, number: u64) -> Option<BTreeMap<String, String>> {
    item_values(&gh.state(), (OWNER, NUMBER), ("acme", "svc"), number)
}

#[test]
fn every_issue_of_the_seeds_is_on_the_project_and_a_second_run_writes_nothing() {
    let gh = github();
    // 130 items of another repository already on the project: two pages to read, and
    // nothing of theirs touched.
    {
        let mut st = gh.state();
        st.add_repo("acme", "web");
        for n in 1..=130 {
            let number = st.seed_issue(("acme", "web"), &format!("web {n}"), "", &[], "open");
            add_item(&mut st, (OWNER, NUMBER), ("acme", "web"), number);
        }
    }
    let Some(ws) = workspace(CONFIG) else { return };
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let issues = issues(&gh);
    assert!(issues.len() >= 20, "the seeds have over 20 items: {out}");
    let titles: BTreeMap<String, String> = [
        (
            "000_4b3a8f1986f4800e.md",
            "Quantum Flux Tango - A Dance with Destiny",
        ),
        ("001_b7360c207712a562.md", "MY FIRST POSTMORTEM"),
    ]
    .into_iter()
    .map(|(f, t)| (format!("postmortems/{f}"), t.to_string()))
    .collect();
    let mut kinds = BTreeMap::new();
    for (number, (title, body, labels)) in &issues {
        let v = values(&gh, *number)
            .unwrap_or_else(|| panic!("#{number} {title:?} is not on the project"));
        // Every seed item is years overdue on 2026-01-02: the open column.
        assert_eq!(
            v.get("Status").map(String::as_str),
            Some("Todo"),
            "#{number}: {v:?}"
        );
        // The due date is the one the issue body states (the due-date policy's).
        let due = postmortem_tracker::forge::body_due(body)
            .unwrap_or_else(|| panic!("#{number}: no due date in\n{body}"));
        assert_eq!(
            v.get("Due date"),
            Some(&due.to_string()),
            "#{number}: {v:?}"
        );
        // The postmortem: its title, else (002 has none) its path.
        let (_, path) = postmortem_tracker::render::safe::parse_marker(body).expect("a marker");
        let shown = titles.get(&path).cloned().unwrap_or(path);
        assert_eq!(v.get("Postmortem"), Some(&shown), "#{number}: {v:?}");
        let kind = if labels.iter().any(|l| l == "task") {
            "Task"
        } else {
            "Unknown"
        };
        assert_eq!(
            v.get("Kind").map(String::as_str),
            Some(kind),
            "#{number}: {v:?}"
        );
        // The seeds state no severity: the field stays empty.
        assert_eq!(v.get("Severity"), None, "#{number}: {v:?}");
        *kinds.entry(kind).or_insert(0) += 1;
        // The state label says the same.
        assert!(
            labels.iter().any(|l| l == "postmortem-state::overdue"),
            "#{number}: {labels:?}"
        );
    }
    assert!(kinds.len() == 2, "both kinds are exercised: {kinds:?}");
    {
        let st = gh.state();
        let p = st.projects.project(OWNER, NUMBER);
        assert_eq!(p.items.len(), 130 + issues.len());
        assert!(
            p.items[..130].iter().all(|i| i.values.is_empty()),
            "the other repository's items are left alone"
        );
    }

    // The first follow-up labels the overdue issues and reminds their owners (its own
    // writes); the project it leaves as the sync made it.
    let before = counts(&gh).1;
    let (code, out, err) = run(ws.path(), &gh, &["followup", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        counts(&gh).1,
        before,
        "no mutation after the sync that set it all"
    );

    // Then a sync and a follow-up again: reads only, nothing written.
    let items = 130 + issues.len();
    for command in ["sync", "followup"] {
        let before = counts(&gh);
        gh.log().clear();
        let (code, out, err) = run(ws.path(), &gh, &[command, "--today", "2026-01-02"]);
        assert_eq!(code, 0, "{command}: {out}\n{err}");
        let (queries, mutations) = counts(&gh);
        assert_eq!(
            mutations, before.1,
            "{command}: no mutation in a steady state"
        );
        let calls = queries - before.0;
        assert!(
            calls <= items.div_ceil(100) + 2,
            "{command}: {calls} GraphQL calls for {items} items"
        );
        assert_eq!(calls, gh.log().count("POST", "/graphql"));
        // No label or other write either.
        assert_eq!(
            gh.log().count_writes(),
            calls,
            "{command}: only the GraphQL reads are POSTs: {:?}",
            gh.log()
                .all()
                .iter()
                .filter(|r| r.is_write())
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_closed_issue_moves_to_done_on_the_next_follow_up() {
    let gh = github();
    let Some(ws) = workspace(CONFIG) else { return };
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let numbers: Vec<u64> = issues(&gh).into_keys().collect();
    let (closed, other) = (numbers[0], numbers[1]);
    {
        let mut st = gh.state();
        let i = st.repo_mut("acme", "svc").issue_mut(closed).unwrap();
        i.state = "closed".into();
        i.closed_at = Some("2026-01-03T10:00:00Z".into());
    }
    let before = counts(&gh).1;
    let (code, out, err) = run(ws.path(), &gh, &["followup", "--today", "2026-01-04"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v = values(&gh, closed).unwrap();
    assert_eq!(v.get("Status").map(String::as_str), Some("Done"), "{v:?}");
    assert_eq!(
        values(&gh, other)
            .unwrap()
            .get("Status")
            .map(String::as_str),
        Some("Todo")
    );
    assert_eq!(
        counts(&gh).1 - before,
        1,
        "one mutation: the closed issue's status"
    );
    let labels = &issues(&gh)[&closed].2;
    let states: Vec<&String> = labels
        .iter()
        .filter(|l| l.starts_with("postmortem-state::"))
        .collect();
    assert_eq!(states, ["postmortem-state::done"], "{labels:?}");
}

#[test]
fn a_renamed_field_is_a_clear_error_and_nothing_is_written() {
    let gh = github();
    let config = format!("{CONFIG}[projects.github.fields]\ndue = \"Due date\"\n");
    let Some(ws) = workspace(&config) else { return };
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let first = issues(&gh).into_keys().next().unwrap();
    let snapshot =
        |gh: &FakeGitHub| format!("{:?}", gh.state().projects.project(OWNER, NUMBER).items);
    {
        let mut st = gh.state();
        st.projects
            .project_mut(OWNER, NUMBER)
            .rename_field("Due date", "Deadline");
        let i = st.repo_mut("acme", "svc").issue_mut(first).unwrap();
        i.state = "closed".into();
        i.closed_at = Some("2026-01-03T10:00:00Z".into());
    }
    let (before, items) = (counts(&gh).1, snapshot(&gh));
    let (code, out, err) = run(ws.path(), &gh, &["followup", "--today", "2026-01-04"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("projects.github.fields.due")
            && all.contains("no field \"Due date\"")
            && all.contains("\"Deadline\""),
        "{all}"
    );
    assert_eq!(counts(&gh).1, before, "no mutation");
    assert_eq!(snapshot(&gh), items, "the project is as it was");
    // The status block is still written: the project's problem is the project's only.
    assert!(std::fs::read_dir(ws.path().join("postmortems"))
        .unwrap()
        .any(|e| std::fs::read_to_string(e.unwrap().path())
            .unwrap()
            .contains("postmortem-tracker:status:begin")));
}

#[test]
fn a_project_that_cannot_be_seen_says_why_and_how_to_fix_it() {
    // No such project.
    let gh = github();
    let Some(ws) = workspace("[projects.github]\nowner = \"acme\"\nnumber = 8\n") else {
        return;
    };
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("GitHub project acme/8")
            && all.contains("no such project, or the token cannot see it"),
        "{all}"
    );
    assert!(
        all.contains("GITHUB_TOKEN") && all.contains("`project` scope"),
        "{all}"
    );
    assert_eq!(counts(&gh).1, 0);
    // The issues exist all the same, with their state labels.
    assert!(!issues(&gh).is_empty());

    // Actions' GITHUB_TOKEN on an organisation project; a token without the project scope.
    for denial in [Denial::Integration, Denial::NoScope] {
        let gh = github();
        gh.state().projects.denied.insert("octo-bot".into(), denial);
        let ws = workspace(CONFIG).unwrap();
        let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
        assert_eq!(code, 1, "{denial:?}: {out}\n{err}");
        let all = format!("{out}{err}");
        assert!(
            all.contains("GitHub project acme/7") && all.contains("`project` scope"),
            "{denial:?}: {all}"
        );
        assert!(!all.contains(FakeGitHub::TOKEN), "the token is never shown");
        assert_eq!(counts(&gh).1, 0, "{denial:?}");
    }
}

#[test]
fn a_default_field_the_project_lacks_is_one_notice_not_an_error() {
    let mut st = GitHubState::new();
    st.add_org(OWNER);
    st.projects
        .add_project(OWNER, NUMBER, "Postmortem follow-ups")
        .add_field("Due date", "DATE", &[]);
    let gh = FakeGitHub::start_with(st);
    let Some(ws) = workspace(CONFIG) else { return };
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for field in ["Postmortem", "Severity", "Kind"] {
        let notes: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("note: ") && l.contains(&format!("no field \"{field}\"")))
            .collect();
        assert_eq!(notes.len(), 1, "{field}: {out}");
    }
    let added = issues(&gh).len();
    assert!(
        out.contains(&format!(
            "GitHub project \"Postmortem follow-ups\": {added} issue(s) added, {} field value(s) written",
            2 * added
        )),
        "status and due date of each: {out}"
    );
    let v = values(&gh, 1).unwrap();
    assert_eq!(
        v.keys().map(String::as_str).collect::<Vec<_>>(),
        ["Due date", "Status"]
    );
}

#[test]
fn a_rate_limit_or_a_lost_answer_on_the_project_is_waited_out_and_retried_without_duplicates() {
    use std::time::Duration;
    use support::Fault;
    let gh = github();
    let Some(ws) = workspace(CONFIG) else { return };
    // The project query is refused for a second (GitHub's secondary rate limit); the first
    // batch of additions is applied but its answer lost (502).
    gh.faults()
        .on(
            "POST",
            "/graphql",
            Fault::SecondaryRateLimit {
                retry_after_secs: 1,
            },
            1,
        )
        .on("POST", "/graphql", Fault::Delay(Duration::ZERO), 3)
        .on("POST", "/graphql", Fault::ApplyThenStatus(502), 1);
    let (code, out, err) = run(ws.path(), &gh, &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let faulted: Vec<(String, String)> = gh
        .log()
        .matching("POST", "/graphql")
        .into_iter()
        .filter_map(|r| Some((r.fault?, r.body)))
        .filter(|(f, _)| !f.starts_with("Delay"))
        .collect();
    assert_eq!(faulted.len(), 2, "both faults were met: {faulted:?}");
    assert!(
        faulted[0].1.contains("PostmortemTrackerProject("),
        "{faulted:?}"
    );
    assert!(faulted[1].1.contains("addProjectV2ItemById"), "{faulted:?}");
    let issues = issues(&gh);
    let st = gh.state();
    let p = st.projects.project(OWNER, NUMBER);
    assert_eq!(
        p.items.len(),
        issues.len(),
        "one item per issue, none twice"
    );
    drop(st);
    for number in issues.keys() {
        let v = values(&gh, *number).unwrap();
        assert!(
            v.contains_key("Status") && v.contains_key("Due date"),
            "#{number}: {v:?}"
        );
    }
}

/// Runs `ci` in `ws` as GitHub Actions would for `event` with `payload` (GitHub's recorded
/// push, or a schedule): exit code and output.
fn run_ci(gh: &FakeGitHub, ws: &Path, event: &str, payload: &serde_json::Value) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = support::run(&mut support::actions_ci(
        ws,
        &gh.base_url(),
        event,
        payload,
        FakeGitHub::TOKEN,
        tmp.path(),
    ));
    (code, format!("{out}\n{err}"))
}

#[test]
fn the_actions_push_and_schedule_keep_the_project_current() {
    let gh = github();
    let Some(ws) = workspace(CONFIG) else { return };
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ci/push.with-new-branch.payload.json");
    let mut push: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    push["repository"]["full_name"] = "acme/svc".into();
    push["repository"]["default_branch"] = "main".into();
    push["ref"] = "refs/heads/main".into();
    let (code, out) = run_ci(&gh, ws.path(), "push", &push);
    assert_eq!(code, 0, "{out}");
    let numbers: Vec<u64> = issues(&gh).into_keys().collect();
    assert!(!numbers.is_empty(), "{out}");
    for n in &numbers {
        let v = values(&gh, *n).unwrap_or_else(|| panic!("#{n} not on the project: {out}"));
        assert_eq!(
            v.get("Status").map(String::as_str),
            Some("Todo"),
            "#{n}: {v:?}"
        );
    }
    // Closed by a person; the scheduled run moves it to Done.
    {
        let mut st = gh.state();
        let i = st
            .repo_mut("acme", "svc")
            .issues
            .iter_mut()
            .find(|i| i.number == numbers[0])
            .unwrap();
        i.state = "closed".into();
        i.closed_at = Some("2026-01-09T10:00:00Z".into());
    }
    let schedule = serde_json::json!({"schedule": "0 9 * * 1"});
    let (code, out) = run_ci(&gh, ws.path(), "schedule", &schedule);
    assert_eq!(code, 0, "{out}");
    let v = values(&gh, numbers[0]).unwrap();
    assert_eq!(
        v.get("Status").map(String::as_str),
        Some("Done"),
        "{v:?}\n{out}"
    );
}

/// The service: a push delivery leads to a sync (and a follow-up), and the repository's own
/// `[projects.github]` puts its issues on the project with their states as of the service's day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_keeps_the_project_current() {
    use crate::service_e2e::{start, CONFIG as SERVICE, GH_SECRET, PM};
    use support::gitlab::FakeGitLab;
    use support::service::ServiceForge;
    let gh = github();
    let gl = FakeGitLab::start();
    gh.seed(
        "acme/ops",
        &[
            (".postmortem-tracker.toml", &format!("{SERVICE}{CONFIG}")),
            ("postmortems/replica-lag.md", PM),
        ],
    );
    let (svc, _dir) = start(&gh, &gl).await;
    let (status, body) = svc
        .deliver(&FakeGitHub::push(GH_SECRET, "acme/ops", "projects-1"))
        .await;
    assert_eq!(status, 202, "{body}");
    svc.idle(30).await;
    let by_title: BTreeMap<String, String> = {
        let st = gh.state();
        st.repo("acme", "ops")
            .real_issues()
            .into_iter()
            .map(|i| {
                let v = item_values(&st, (OWNER, NUMBER), ("acme", "ops"), i.number)
                    .unwrap_or_else(|| panic!("#{} is not on the project", i.number));
                (
                    i.title.clone(),
                    v.get("Status").cloned().unwrap_or_default(),
                )
            })
            .collect()
    };
    assert_eq!(by_title.len(), 3, "{by_title:?}");
    // As of the service's day: the ticked item's issue is closed (Done), the others open.
    let done: Vec<&String> = by_title
        .iter()
        .filter(|(_, s)| *s == "Done")
        .map(|(t, _)| t)
        .collect();
    assert_eq!(done.len(), 1, "{by_title:?}");
    assert!(done[0].contains("Raise the WAL size"), "{by_title:?}");
    let graphql = |gh: &FakeGitHub| {
        let st = gh.state();
        (st.projects.project_reads, st.projects.requests)
    };
    assert_eq!(graphql(&gh).0, 1, "the push's job read the project once");
    let calls = |metrics: &str| -> usize {
        metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(
                    "postmortem_tracker_api_calls_total{forge=\"github\",outcome=\"ok\"} ",
                )
            })
            .unwrap_or_else(|| panic!("no call count: {metrics}"))
            .parse()
            .unwrap()
    };

    // An issue event: a follow-up job, whose sync and follow-up share one read of the
    // project. Nothing to create, so each of its calls is one request, GraphQL included.
    let (_, metrics) = svc.get("/metrics").await;
    let calls_before = calls(&metrics);
    let (requests_before, graphql_before) = (gh.requests().len(), graphql(&gh).1);
    let (status, body) = svc
        .deliver(&FakeGitHub::issue_event(
            GH_SECRET,
            "acme/ops",
            "projects-2",
        ))
        .await;
    assert_eq!(status, 202, "{body}");
    svc.idle(30).await;
    let (reads, graphql_after) = graphql(&gh);
    assert_eq!(
        reads, 2,
        "the follow-up job read the project once more, not twice"
    );
    assert!(
        graphql_after >= graphql_before + 2,
        "the project, its items"
    );
    let (_, metrics) = svc.get("/metrics").await;
    let requests: Vec<String> = gh.requests().all()[requests_before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls(&metrics) - calls_before,
        requests.len(),
        "{requests:#?}"
    );
}

/// As a GitHub App (`GITHUB_APP_ID` and its key), the project is read and written with the
/// repository's installation token, through the same client as the issues; the personal
/// token set beside it is never sent.
#[test]
fn the_app_keeps_the_project_with_its_installation_token() {
    use support::github_app::{test_key, Credential, FakeApp};
    let gh = github();
    let mut app = FakeApp::new(4242);
    app.install(1, "acme", &["acme/svc"]);
    gh.state().app = Some(app);
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/disk.md"),
        "# Disk full\n\nStart: 2026-10-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on disk usage @alice due: 2026-12-15\n- [ ] Rotate logs hourly @bob due: 2026-12-20\n",
    )
    .unwrap();
    std::fs::write(ws.path().join(".postmortem-tracker.toml"), CONFIG).unwrap();
    let (code, out, err) = support::run(
        support::command()
            .current_dir(ws.path())
            .args(["sync", "postmortems", "--tracker", "github"])
            .args(["--repo", "acme/svc", "--today", "2026-11-01", "--api-url"])
            .arg(gh.base_url())
            .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
            .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0")
            .env("GITHUB_APP_ID", "4242")
            .env("GITHUB_APP_PRIVATE_KEY", &test_key().private_pem)
            .env("GITHUB_TOKEN", FakeGitHub::TOKEN),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let numbers: Vec<u64> = issues(&gh).into_keys().collect();
    assert_eq!(numbers.len(), 2, "{out}");
    for n in numbers {
        assert!(
            values(&gh, n).is_some(),
            "#{n} is not on the project: {out}"
        );
    }
    let app = gh.state().app.clone().unwrap();
    let graphql: Vec<&Credential> = app
        .calls
        .iter()
        .filter(|c| c.path == "/graphql")
        .map(|c| &c.credential)
        .collect();
    assert!(graphql.len() >= 3, "read, items, add, write: {graphql:?}");
    assert!(
        graphql.iter().all(|c| **c == Credential::Installation(1)),
        "{graphql:?}"
    );
}
