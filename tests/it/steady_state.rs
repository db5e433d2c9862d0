//! The service's steady state: a scheduled follow-up of repositories in which nothing changed
//! costs the file listing (which shows every blob id, so no unchanged file is read again) and
//! one issue listing shared by the job's sync and follow-up: at most 2 requests per
//! repository (7 before), and no write, on GitLab as on GitHub (GitLab's token is checked
//! once, not per job). A file the tool committed is not read back by the next job either: the
//! job keeps the blob id of what it wrote. Counted by the fakes, on both forges. What a job
//! read is kept in the database, so a restarted service and another replica keep that cost.

use crate::service_e2e::{forge_runner, settings, start, CONFIG, TODAY};
use crate::support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use postmortem_tracker::service::store::{Database, Store};
use postmortem_tracker::service::webhook::{Mark, Reason};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{postgres_database, Service, ServiceForge};
use support::LoggedRequest;

const REPOSITORIES: usize = 200;
/// Nothing overdue as of the service's day (2026-11-21): no reminders to send.
const PM: &str = "# Queue backlog\n\nStart: 2026-11-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on queue depth @alice due: 2027-01-15\n- [ ] Add a runbook for the consumer @bob due: 2027-02-20\n";

/// Marks every repository for `reason`, as a push (sync) or the schedule (follow-up) does,
/// and waits until every job ran.
async fn run_all<F: ServiceForge>(svc: &Service, repos: &[String], reason: Reason) {
    for repo in repos {
        let mark = Mark {
            forge: F::FORGE,
            repo: repo.clone(),
            reason,
        };
        svc.store.mark(&mark, Utc::now()).unwrap();
    }
    svc.idle(300).await;
    let depth = svc.depth();
    assert_eq!(depth.failed, 0, "{depth:?}");
}

/// `n` repositories, each with the configuration and one postmortem.
fn seed<F: ServiceForge>(forge: &F, n: usize) -> Vec<String> {
    let repos: Vec<String> = (0..n).map(|i| format!("acme/svc-{i:03}")).collect();
    for repo in &repos {
        forge.seed(
            repo,
            &[
                (".postmortem-tracker.toml", CONFIG),
                ("postmortems/backlog.md", PM),
            ],
        );
    }
    repos
}

/// A request for one file's content (GitHub's contents API, GitLab's repository files API);
/// listings of the tree are not.
fn reads_a_file<F: ServiceForge>(r: &LoggedRequest) -> bool {
    let api = if F::NAME == "gitlab" {
        "/repository/files/"
    } else {
        "/contents/"
    };
    r.method == "GET" && r.path.contains(api)
}

/// A commit of one file through the same API.
fn writes_a_file<F: ServiceForge>(r: &LoggedRequest) -> bool {
    let api = if F::NAME == "gitlab" {
        "/repository/files/"
    } else {
        "/contents/"
    };
    r.method == "PUT" && r.path.contains(api)
}

/// `all`'s requests for `repo`.
fn of_repo<'a, F: ServiceForge>(all: &'a [LoggedRequest], repo: &str) -> Vec<&'a LoggedRequest> {
    let prefix = F::api_prefix(repo).to_lowercase();
    all.iter()
        .filter(|r| r.path.to_lowercase().starts_with(&prefix))
        .collect()
}

/// Brings every repository to its steady state: a push opens the issues and commits their
/// links; the first follow-up commits the status blocks. That follow-up reads no file to load
/// the repository, though the links commit changed the postmortem's blob id: the push job
/// kept the id of what it wrote. Its only file reads are the ones a write makes to name the
/// version it replaces.
async fn settle<F: ServiceForge>(svc: &Service, forge: &F, repos: &[String]) {
    run_all::<F>(svc, repos, Reason::Sync).await;
    let text = forge.file_text(&repos[0], "postmortems/backlog.md");
    assert!(
        text.contains("](http"),
        "the push linked the issues: {text}"
    );
    let log = forge.requests();
    log.clear();
    run_all::<F>(svc, repos, Reason::Followup).await;
    let all = log.all();
    for repo in repos {
        let mine = of_repo::<F>(&all, repo);
        let reads = mine.iter().filter(|r| reads_a_file::<F>(r)).count();
        let writes = mine.iter().filter(|r| writes_a_file::<F>(r)).count();
        assert_eq!(
            (reads, writes),
            (1, 1),
            "{repo}: one status commit, and no file read but the one it makes: {mine:#?}"
        );
    }
    let text = forge.file_text(&repos[repos.len() / 2], "postmortems/backlog.md");
    assert!(text.contains("postmortem-tracker:status:begin"), "{text}");
}

/// One more follow-up of every repository, nothing changed: no write, no file read, at most 2
/// requests per repository (the file listing and the issue listing), and nothing else but,
/// on GitLab, one token check (`GET /user`) when the runner is `fresh` (its first job opens
/// the connection every later job shares).
async fn assert_steady<F: ServiceForge>(svc: &Service, forge: &F, repos: &[String], fresh: bool) {
    let log = forge.requests();
    log.clear();
    run_all::<F>(svc, repos, Reason::Followup).await;
    let all = log.all();
    assert_eq!(
        all.iter().filter(|r| r.is_write()).count(),
        0,
        "nothing changed, nothing written: {all:#?}"
    );
    for repo in repos {
        let mine: Vec<String> = of_repo::<F>(&all, repo)
            .iter()
            .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
            .collect();
        assert!(
            mine.len() <= 2,
            "{repo}: {} requests: {mine:#?}",
            mine.len()
        );
    }
    let reads: Vec<&LoggedRequest> = all.iter().filter(|r| reads_a_file::<F>(r)).collect();
    assert!(reads.is_empty(), "no file changed, none read: {reads:#?}");
    let others: Vec<&String> = all
        .iter()
        .map(|r| &r.path)
        .filter(|p| {
            !repos.iter().any(|repo| {
                p.to_lowercase()
                    .starts_with(&F::api_prefix(repo).to_lowercase())
            })
        })
        .collect();
    let checks = usize::from(fresh && F::NAME == "gitlab");
    let user = vec!["/api/v4/user"; checks];
    assert_eq!(others, user.iter().collect::<Vec<_>>());
    assert!(
        all.len() <= repos.len() * 2 + checks,
        "{} requests for {} repositories",
        all.len(),
        repos.len()
    );
}

/// A service process on `db`: its own store handle and its own runner.
async fn serve(db: &Database, gh: &FakeGitHub, gl: &FakeGitLab) -> Service {
    let store = Arc::new(Store::connect(db).unwrap());
    let s = settings();
    let runner = forge_runner(gh, gl, store.clone(), &s, Duration::from_secs(5), TODAY);
    Service::start_with(store, s, Arc::new(runner)).await
}

async fn an_unchanged_repository_costs_two_requests<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repos = seed(forge, REPOSITORIES);
    // Four rounds over 200 repositories are more than one token's hourly 5,000 requests.
    {
        let mut st = gh.state();
        st.rate_limit = 1_000_000;
        st.rate_remaining = 1_000_000;
    }
    let (svc, _dir) = start(&gh, &gl).await;
    settle(&svc, forge, &repos).await;
    assert_steady(&svc, forge, &repos, false).await;
    svc.stop().await;
}

/// A token revoked after the runner's first jobs (on GitLab, after the one check of it when
/// the runner connected): the next job fails with the message a token rejected from the start
/// gets, saying which variable to fix, and never the token.
async fn a_token_revoked_later_fails_the_job_with_the_same_message<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repos = seed(forge, 2);
    let (svc, _dir) = start(&gh, &gl).await;
    run_all::<F>(&svc, &repos, Reason::Sync).await;
    if F::NAME == "gitlab" {
        gl.state().tokens.remove(FakeGitLab::TOKEN);
    } else {
        gh.state().tokens.remove(FakeGitHub::TOKEN);
    }
    let mark = Mark {
        forge: F::FORGE,
        repo: repos[0].clone(),
        reason: Reason::Followup,
    };
    svc.store.mark(&mark, Utc::now()).unwrap();
    let store = svc.store.clone();
    support::service::eventually_for("the job to fail", 30, move || {
        store.depth().unwrap().failed == 1
    })
    .await;
    let (_, failed) = svc.get("/api/jobs?state=failed").await;
    assert!(
        failed.contains(&format!(
            "{}:{}: {} was rejected (401",
            F::NAME,
            repos[0],
            F::TOKEN_VAR
        )),
        "{failed}"
    );
    assert!(!failed.contains(F::TOKEN), "{failed}");
    svc.stop().await;
}

/// A runner that never ran a job of these repositories reads none of their files again: a
/// restarted service (a new store handle and a new runner on the same SQLite file) and, on
/// PostgreSQL, another replica (started after the first one settled them, which then stops).
async fn a_new_runner_on_the_same_database_keeps_the_steady_state<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repos = seed(forge, 12);
    let dir = tempfile::tempdir().unwrap();
    let file = Database::Sqlite(dir.path().join("db.sqlite"));
    let before = serve(&file, &gh, &gl).await;
    settle(&before, forge, &repos).await;
    before.stop().await;
    let restarted = serve(&file, &gh, &gl).await;
    assert_steady(&restarted, forge, &repos, true).await;
    restarted.stop().await;

    let Some(scratch) = postgres_database("the steady state across replicas") else {
        return;
    };
    // Fresh forges: the repositories above are settled already, and settling is asserted.
    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    let forge = F::pick(&gh, &gl);
    let repos = seed(forge, 12);
    let pg = Database::Postgres(scratch.url.clone());
    let first = serve(&pg, &gh, &gl).await;
    settle(&first, forge, &repos).await;
    let second = serve(&pg, &gh, &gl).await;
    first.stop().await;
    assert_steady(&second, forge, &repos, true).await;
    second.stop().await;
}

crate::both_forges!(
    an_unchanged_repository_costs_two_requests,
    a_new_runner_on_the_same_database_keeps_the_steady_state,
    a_token_revoked_later_fails_the_job_with_the_same_message
);
