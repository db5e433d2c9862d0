//! The service's steady state: a scheduled follow-up of repositories in which nothing changed
//! costs the file listing (which shows every blob id, so no unchanged file is read again) and
//! one issue listing shared by the job's sync and follow-up: at most 2 requests per
//! repository (7 before), and no write. Counted by the fakes, on both forges.

use crate::service_e2e::{start, CONFIG};
use crate::support;

use chrono::Utc;
use postmortem_tracker::service::webhook::{Mark, Reason};
use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::{Service, ServiceForge};

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

async fn an_unchanged_repository_costs_two_requests<F: ServiceForge>() {
    let gh = FakeGitHub::start();
    let gl = FakeGitLab::start();
    let forge = F::pick(&gh, &gl);
    let repos: Vec<String> = (0..REPOSITORIES)
        .map(|i| format!("acme/svc-{i:03}"))
        .collect();
    for repo in &repos {
        forge.seed(
            repo,
            &[
                (".postmortem-tracker.toml", CONFIG),
                ("postmortems/backlog.md", PM),
            ],
        );
    }
    // Four rounds over 200 repositories are more than one token's hourly 5,000 requests.
    {
        let mut st = gh.state();
        st.rate_limit = 1_000_000;
        st.rate_remaining = 1_000_000;
    }
    let (svc, _dir) = start(&gh, &gl).await;
    // A push opens the issues and links them; the first follow-ups write the status blocks
    // (and read each file the block changed once more).
    run_all::<F>(&svc, &repos, Reason::Sync).await;
    run_all::<F>(&svc, &repos, Reason::Followup).await;
    run_all::<F>(&svc, &repos, Reason::Followup).await;
    let text = forge.file_text(&repos[7], "postmortems/backlog.md");
    assert!(text.contains("postmortem-tracker:status:begin"), "{text}");

    let log = forge.requests();
    log.clear();
    run_all::<F>(&svc, &repos, Reason::Followup).await;
    let all = log.all();
    assert_eq!(
        all.iter().filter(|r| r.is_write()).count(),
        0,
        "nothing changed, nothing written: {all:#?}"
    );
    for repo in &repos {
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
    // Besides the repositories' own requests, only GitLab's token check on connecting
    // (`GET /user`, once per job).
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
        all.len() <= REPOSITORIES * if F::NAME == "gitlab" { 3 } else { 2 },
        "{} requests for {REPOSITORIES} repositories",
        all.len()
    );
    svc.stop().await;
}

crate::both_forges!(an_unchanged_repository_costs_two_requests);
