//! The service's steady state: a scheduled follow-up of repositories in which nothing changed
//! costs the file listing (which shows every blob id, so no unchanged file is read again) and
//! one issue listing shared by the job's sync and follow-up: at most 2 requests per
//! repository (7 before), and no write. Counted by the fakes, on both forges. What a job read
//! is kept in the database, so a restarted service and another replica keep that cost.

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

/// Brings every repository to its steady state: a push opens the issues and links them; the
/// first follow-ups write the status blocks (and read each file the block changed once more).
async fn settle<F: ServiceForge>(svc: &Service, forge: &F, repos: &[String]) {
    run_all::<F>(svc, repos, Reason::Sync).await;
    run_all::<F>(svc, repos, Reason::Followup).await;
    run_all::<F>(svc, repos, Reason::Followup).await;
    let text = forge.file_text(&repos[repos.len() / 2], "postmortems/backlog.md");
    assert!(text.contains("postmortem-tracker:status:begin"), "{text}");
}

/// One more follow-up of every repository, nothing changed: no write, at most 2 requests per
/// repository (the file listing and the issue listing), and besides them only GitLab's token
/// check on connecting (`GET /user`, once per job).
async fn assert_steady<F: ServiceForge>(svc: &Service, forge: &F, repos: &[String]) {
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
        let prefix = F::api_prefix(repo).to_lowercase();
        let mine: Vec<String> = all
            .iter()
            .filter(|r| r.path.to_lowercase().starts_with(&prefix))
            .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
            .collect();
        assert!(
            mine.len() <= 2,
            "{repo}: {} requests: {mine:#?}",
            mine.len()
        );
    }
    let others: Vec<&String> = all
        .iter()
        .map(|r| &r.path)
        .filter(|p| {
            !repos.iter().any(|repo| {
                p.to_lowercase()
                    .starts_with(&F::api_prefix(repo).to_lowercase())
            })
        })
        .filter(|p| !p.ends_with("/user"))
        .collect();
    assert!(others.is_empty(), "{others:?}");
    assert!(
        all.len() <= repos.len() * if F::NAME == "gitlab" { 3 } else { 2 },
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
    assert_steady(&svc, forge, &repos).await;
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
    assert_steady(&restarted, forge, &repos).await;
    restarted.stop().await;

    let Some(scratch) = postgres_database("the steady state across replicas") else {
        return;
    };
    let pg = Database::Postgres(scratch.url.clone());
    let first = serve(&pg, &gh, &gl).await;
    settle(&first, forge, &repos).await;
    let second = serve(&pg, &gh, &gl).await;
    first.stop().await;
    assert_steady(&second, forge, &repos).await;
    second.stop().await;
}

crate::both_forges!(
    an_unchanged_repository_costs_two_requests,
    a_new_runner_on_the_same_database_keeps_the_steady_state
);
