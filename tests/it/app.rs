//! The service as a GitHub App, against the fake GitHub's App endpoints
//! (`tests/support/github_app.rs`): the JWT is signed with the App's key and verified with its
//! public key, installation tokens are minted and used for every repository call (a personal
//! token, even when set, never is), a token that expires mid-job is renewed and the request
//! retried, repositories of two installations each use their own installation's token, and a
//! delivery from an unknown installation is acknowledged without queueing. Bad settings stop
//! `serve` at start with exit 2 and a message naming the variable, never the key.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use postmortem_tracker::forge::app::{AppCredentials, GitHubApp, KEY_VAR};
use postmortem_tracker::forge::paced::Pacing;
use postmortem_tracker::service::runner::{Access, ForgeRunner, RunnerSettings, WriteMode};
use postmortem_tracker::service::store::{JobState, Store};
use postmortem_tracker::service::webhook::{Forge, Mark, Reason};
use postmortem_tracker::service::{Secrets, Settings};
use serde_json::Value;
use support::github::FakeGitHub;
use support::github_app::{test_key, Credential, FakeApp};
use support::service::{eventually_for, Service, ServiceForge};

const SECRET: &str = "app-webhook-secret";
const APP_ID: u64 = 4242;
const PM: &str = "# Disk full\n\nStart: 2026-10-01 09:00 UTC\n\n## Action items\n\n- [ ] Alert on disk usage @alice due: 2026-12-15\n- [ ] Rotate logs hourly @bob due: 2026-12-20\n";
const CONFIG: &str = "[sync]\nmin_write_interval_ms = 0\nretry_delay_ms = 0\n";

/// The fake GitHub with `acme/svc` in installation 1 and `globex/api` in installation 2,
/// each holding one postmortem; tokens good for `token_uses` requests.
fn fake(token_uses: usize) -> FakeGitHub {
    fake_with(token_uses, &["acme/svc"])
}

/// [`fake`] with `acme` (installation 1) holding the repositories `acme`.
fn fake_with(token_uses: usize, acme: &[&str]) -> FakeGitHub {
    let gh = FakeGitHub::start();
    for repo in acme.iter().copied().chain(["globex/api"]) {
        gh.seed(
            repo,
            &[
                (".postmortem-tracker.toml", CONFIG),
                ("postmortems/disk.md", PM),
            ],
        );
    }
    let mut app = FakeApp::new(APP_ID);
    app.install(1, "acme", acme);
    app.install(2, "globex", &["globex/api"]);
    app.token_uses = token_uses;
    gh.state().app = Some(app);
    gh
}

fn credentials() -> AppCredentials {
    AppCredentials::new(
        &APP_ID.to_string(),
        test_key().private_pem.as_bytes(),
        KEY_VAR,
    )
    .unwrap()
}

/// The service acting as the App, with a personal token configured too (which must stay
/// unused), after the App listed its installations.
async fn start(gh: &FakeGitHub) -> (Service, Arc<GitHubApp>, tempfile::TempDir) {
    let app = GitHubApp::connect(&gh.base_url(), &credentials(), Duration::from_secs(10))
        .await
        .unwrap();
    let mut installed: Vec<String> = app_state(gh)
        .installations
        .iter()
        .flat_map(|i| i.repos.iter().cloned())
        .collect();
    installed.sort();
    assert_eq!(app.discover().await.unwrap(), installed);
    let app = Arc::new(app);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite")).unwrap());
    let settings = Settings {
        secrets: Secrets {
            github: Some(SECRET.into()),
            gitlab: None,
        },
        workers: 2,
        poll_interval: Duration::from_millis(200),
        github_app: Some(app.clone()),
        ..Settings::default()
    };
    let runner = ForgeRunner::new(
        store.clone(),
        RunnerSettings {
            github: Some(Access {
                api_url: gh.base_url(),
                token: FakeGitHub::TOKEN.into(),
            }),
            gitlab: None,
            write: WriteMode::Commit,
            timeout: Duration::from_secs(10),
            pacing: Pacing {
                min_write_interval: Duration::ZERO,
                max_wait: Duration::from_secs(5),
                retry_delay: Duration::ZERO,
                ..Pacing::default()
            },
            job_timeout: Duration::from_secs(600),
            today: Some("2026-11-21".parse().unwrap()),
            templates_dir: None,
        },
        settings.api_metrics.clone(),
    )
    .unwrap()
    .with_github_app(app.clone());
    let svc = Service::start_with(store, settings, Arc::new(runner)).await;
    (svc, app, dir)
}

/// A signed push to `repo`'s default branch, sent through installation `installation`.
async fn push(svc: &Service, repo: &str, installation: u64, delivery: &str) -> (u16, Value) {
    let mut body: Value = serde_json::from_slice(&FakeGitHub::push_body(repo)).unwrap();
    body["installation"] = serde_json::json!({"id": installation});
    let d = FakeGitHub::delivery(SECRET, "push", delivery, serde_json::to_vec(&body).unwrap());
    let (status, text) = svc.deliver(&d).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn app_state(gh: &FakeGitHub) -> FakeApp {
    gh.state().app.clone().expect("the fake has an App")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_installations_each_reconciled_with_their_own_token() {
    let gh = fake(10_000);
    let (svc, _app, _dir) = start(&gh).await;
    assert_eq!(push(&svc, "acme/svc", 1, "d-1").await.0, 202);
    assert_eq!(push(&svc, "globex/api", 2, "d-2").await.0, 202);
    svc.idle(60).await;
    let depth = svc.depth();
    assert_eq!((depth.done, depth.failed), (2, 0), "{depth:?}");

    let app = app_state(&gh);
    for (repo, installation) in [("acme/svc", 1), ("globex/api", 2)] {
        // Issues opened as the App's bot account, links committed.
        let (owner, name) = repo.split_once('/').unwrap();
        let st = gh.state();
        let issues = st.repo(owner, name).real_issues();
        assert_eq!(issues.len(), 2, "{repo}");
        assert!(
            issues.iter().all(|i| i.user == "postmortem-tracker[bot]"),
            "{repo}"
        );
        drop(st);
        assert!(gh
            .file_text(repo, "postmortems/disk.md")
            .contains("/issues/"));
        // Every call on the repository carried its own installation's token.
        let calls = app.calls_on(repo);
        assert!(calls.len() >= 5, "{repo}: {calls:?}");
        for c in &calls {
            assert_eq!(
                c.credential,
                Credential::Installation(installation),
                "{repo}: {c:?}"
            );
        }
        assert_eq!(app.minted_for(installation), 1, "{repo}: one token, reused");
    }
    // The personal token was configured but never sent; the JWT only to the App's routes.
    assert!(
        !app.calls
            .iter()
            .any(|c| matches!(c.credential, Credential::Personal(_))),
        "{:?}",
        app.calls
    );
    for c in app.calls.iter().filter(|c| c.credential == Credential::Jwt) {
        assert!(c.path.starts_with("/app"), "{c:?}");
        assert!(c.status < 300, "the fake accepted the App's JWT: {c:?}");
    }
    svc.stop().await;
}

/// Rate limits are kept per installation: installation 1's budget is spent (the fake refuses
/// its token with 403, `x-ratelimit-remaining: 0` and the reset 7 s on, longer than the 5 s a
/// job may wait), installation 2's is not. `globex/api` (installation 2) is reconciled;
/// `acme/svc`'s job is put off until the reset after its one refused request, and `acme/web`'s
/// (installation 1 too) without any request; neither asks again before the reset, none fails,
/// and both finish after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_installation_puts_off_its_own_jobs_until_its_reset_and_no_others() {
    let gh = fake_with(10_000, &["acme/svc", "acme/web"]);
    let (svc, _app, _dir) = start(&gh).await;
    let reset = chrono::Utc::now().timestamp() + 7;
    gh.state().app.as_mut().unwrap().spend(1, reset);
    let job_of = |repo: &'static str| {
        let store = svc.store.clone();
        move || {
            store
                .recent_jobs(10)
                .unwrap()
                .into_iter()
                .find(|j| j.mark.repo == repo)
        }
    };
    let put_off = |repo: &'static str| {
        let job = job_of(repo);
        move || job().is_some_and(|j| j.not_before.is_some() && j.state == JobState::Queued)
    };
    assert_eq!(push(&svc, "acme/svc", 1, "d-1").await.0, 202);
    eventually_for("acme/svc's job to be put off", 10, put_off("acme/svc")).await;
    assert_eq!(push(&svc, "acme/web", 1, "d-2").await.0, 202);
    assert_eq!(push(&svc, "globex/api", 2, "d-3").await.0, 202);
    eventually_for("acme/web's job to be put off", 10, put_off("acme/web")).await;
    let globex = job_of("globex/api");
    eventually_for("globex/api's job to finish", 30, move || {
        globex().is_some_and(|j| j.state == JobState::Done)
    })
    .await;

    // Before the reset: installation 1's token was sent once (refused), for acme/svc; acme/web
    // asked nothing; installation 2 went on.
    let app = app_state(&gh);
    let refused: Vec<_> = app
        .calls
        .iter()
        .filter(|c| c.credential == Credential::Installation(1) && c.path.starts_with("/repos/"))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].path.starts_with("/repos/acme/svc"),
        "{refused:?}"
    );
    assert_eq!(refused[0].status, 403);
    assert!(
        app.calls_on("acme/web").is_empty(),
        "{:?}",
        app.calls_on("acme/web")
    );
    assert_eq!(gh.state().repo("globex", "api").real_issues().len(), 2);
    for repo in ["acme/svc", "acme/web"] {
        let j = job_of(repo)().unwrap();
        let not_before = j.not_before.unwrap().timestamp();
        assert!(
            not_before >= reset,
            "{repo}: not before {not_before}, reset {reset}"
        );
        let why = j.error.unwrap_or_default();
        assert!(why.contains("rate limit"), "{repo}: {why}");
    }
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics
            .contains("postmortem_tracker_installation_jobs_put_off_total{installation=\"1\"} 1\n"),
        "{metrics}"
    );

    // After the reset both run again and finish; nothing failed.
    svc.idle(40).await;
    let depth = svc.depth();
    assert_eq!((depth.done, depth.failed), (3, 0), "{depth:?}");
    let app = app_state(&gh);
    let first = refused[0].at;
    for c in app
        .calls
        .iter()
        .filter(|c| c.credential == Credential::Installation(1))
    {
        assert!(
            c.at <= first || c.at.timestamp() >= reset,
            "installation 1 asked again before its reset: {c:?}"
        );
    }
    for (owner, name) in [("acme", "svc"), ("acme", "web")] {
        assert_eq!(
            gh.state().repo(owner, name).real_issues().len(),
            2,
            "{owner}/{name}"
        );
    }
    svc.stop().await;
}

/// A follow-up of `repos` (as the schedule marks them), run to the end.
async fn follow_up(svc: &Service, repos: &[&str]) {
    for repo in repos {
        let mark = Mark {
            forge: Forge::Github,
            repo: repo.to_string(),
            reason: Reason::Followup,
        };
        svc.store.mark(&mark, chrono::Utc::now()).unwrap();
    }
}

/// The issue listing's `x-ratelimit-remaining` tells the App what its installation has left:
/// a job whose listing leaves installation 1 no request puts off that installation's next
/// job until the reset without any request (not even one to be refused), while installation
/// 2 goes on; after the reset it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_left_no_request_puts_off_its_next_job_without_asking() {
    let gh = fake_with(10_000, &["acme/svc", "acme/web"]);
    let (svc, _app, _dir) = start(&gh).await;
    let all = ["acme/svc", "acme/web", "globex/api"];
    for (i, repo) in all.iter().enumerate() {
        let installation = if repo.starts_with("acme/") { 1 } else { 2 };
        assert_eq!(
            push(&svc, repo, installation, &format!("d-{i}")).await.0,
            202
        );
    }
    svc.idle(60).await;
    // The first follow-ups commit the status blocks; from then on a follow-up costs the file
    // listing and the issue listing, the last request of the job.
    follow_up(&svc, &all).await;
    svc.idle(60).await;
    assert_eq!(svc.depth().failed, 0, "{:?}", svc.depth());

    let reset = chrono::Utc::now().timestamp() + 8;
    gh.state().app.as_mut().unwrap().limit(1, 2, reset);
    let before = app_state(&gh).calls.len();
    follow_up(&svc, &["acme/svc"]).await;
    svc.idle(30).await;
    follow_up(&svc, &["acme/web", "globex/api"]).await;
    let web = {
        let store = svc.store.clone();
        move || {
            store
                .recent_jobs(20)
                .unwrap()
                .into_iter()
                .find(|j| j.mark.repo == "acme/web")
        }
    };
    let put_off = web.clone();
    eventually_for("acme/web's job to be put off", 10, move || {
        put_off().is_some_and(|j| j.not_before.is_some() && j.state == JobState::Queued)
    })
    .await;
    let app = app_state(&gh);
    // Status 0: let through to the repository's routes; a refusal is 403.
    let since: Vec<_> = app.calls[before..]
        .iter()
        .filter(|c| c.credential == Credential::Installation(1))
        .collect();
    assert!(
        since
            .iter()
            .all(|c| c.path.starts_with("/repos/acme/svc") && c.status != 403),
        "installation 1 spent its 2 requests on acme/svc and was refused none: {since:?}"
    );
    assert_eq!(since.len(), 2, "{since:?}");
    let job = web().unwrap();
    assert!(job.not_before.unwrap().timestamp() >= reset, "{job:?}");

    // After the reset acme/web runs; nothing failed.
    svc.idle(40).await;
    let depth = svc.depth();
    assert_eq!(depth.failed, 0, "{depth:?}");
    assert!(
        web().is_some_and(|j| j.state == JobState::Done),
        "{:?}",
        web()
    );
    let (_, metrics) = svc.get("/metrics").await;
    assert!(
        metrics
            .contains("postmortem_tracker_installation_jobs_put_off_total{installation=\"1\"} 1\n"),
        "{metrics}"
    );
    svc.stop().await;
}

/// The service as the App, on an installation granted read access only: the job fails with
/// a message naming the App and the permissions it lacks, not the `GITHUB_TOKEN` configured
/// beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_names_the_app_in_the_run_history() {
    let gh = fake(10_000);
    let (svc, _app, _dir) = start(&gh).await;
    gh.state().app.as_mut().unwrap().installations[1].read_only = true;
    assert_eq!(push(&svc, "globex/api", 2, "d-1").await.0, 202);
    svc.idle(60).await;
    let job = svc.store.recent_jobs(1).unwrap().remove(0);
    assert_eq!(job.state, JobState::Failed, "{job:?}");
    let why = job.error.unwrap_or_default();
    assert!(
        why.contains("the GitHub App (GITHUB_APP_ID = 4242) may not do this (403 Resource not accessible by integration)"),
        "{why}"
    );
    assert!(why.contains("Issues: read and write"), "{why}");
    assert!(!why.contains("GITHUB_TOKEN"), "{why}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_expires_mid_job_is_renewed_and_the_request_retried() {
    // Each token dies after 4 requests: a job of a dozen requests outlives several.
    let gh = fake(4);
    let (svc, _app, _dir) = start(&gh).await;
    assert_eq!(push(&svc, "acme/svc", 1, "d-1").await.0, 202);
    svc.idle(60).await;
    let depth = svc.depth();
    assert_eq!((depth.done, depth.failed), (1, 0), "{depth:?}");
    assert_eq!(gh.state().repo("acme", "svc").real_issues().len(), 2);
    let app = app_state(&gh);
    let refused = app
        .calls
        .iter()
        .filter(|c| c.credential == Credential::Installation(1) && c.status == 401)
        .count();
    assert!(refused >= 1, "a token expired during the job");
    assert!(
        app.minted_for(1) > refused,
        "each refusal led to a new token: {} minted, {refused} refused",
        app.minted_for(1)
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_of_unknown_installations_are_acknowledged_not_queued() {
    let gh = fake(10_000);
    let (svc, app, _dir) = start(&gh).await;
    let (status, body) = push(&svc, "acme/svc", 777, "d-unknown").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["result"], "unknown_installation", "{body}");
    let depth = svc.depth();
    assert_eq!(depth.queued + depth.running + depth.done, 0, "{depth:?}");

    // An installation_repositories delivery teaches the App a repository; uninstalling
    // makes its installation unknown.
    let added =
        support::service::webhook_fixture("github/installation_repositories.added.payload.json");
    let d = FakeGitHub::delivery(SECRET, "installation_repositories", "d-add", added);
    assert_eq!(svc.deliver(&d).await.0, 200);
    assert!(app.repositories().contains(&"codertocat/space".to_string()));
    assert!(app.knows(957387));
    let created = support::service::webhook_fixture("github/installation.created.payload.json");
    let deleted = String::from_utf8(created)
        .unwrap()
        .replacen("\"created\"", "\"deleted\"", 1);
    let d = FakeGitHub::delivery(SECRET, "installation", "d-del", deleted.into_bytes());
    assert_eq!(svc.deliver(&d).await.0, 200);
    assert!(!app.knows(957387));
    assert!(!app.repositories().contains(&"codertocat/space".to_string()));
    svc.stop().await;
}

/// `serve` with the App's settings and nothing else from the environment.
fn serve(gh: &FakeGitHub, dir: &std::path::Path, env: &[(&str, &str)]) -> (i32, String) {
    let mut c = support::command();
    c.current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--github-api-url"])
        .arg(gh.base_url())
        .env("GITHUB_WEBHOOK_SECRET", SECRET);
    for (k, v) in env {
        c.env(k, v);
    }
    let (code, _, err) = support::run(&mut c);
    (code, err)
}

#[test]
fn bad_app_settings_stop_serve_at_start_naming_the_variable() {
    let gh = fake(10_000);
    let key = &test_key().private_pem;
    let dir = tempfile::tempdir().unwrap();
    // Not a PEM RSA key: a certificate-looking block, and the key's own bytes cut short.
    let cut = format!("{}\n-----END RSA PRIVATE KEY-----\n", &key[..200]);
    let not_pem = "this is not a key, it is a secret sentence";
    for bad in [not_pem, cut.as_str()] {
        let (code, err) = serve(
            &gh,
            dir.path(),
            &[("GITHUB_APP_ID", "4242"), ("GITHUB_APP_PRIVATE_KEY", bad)],
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("GITHUB_APP_PRIVATE_KEY"), "{err}");
        assert!(err.contains("not a PEM RSA private key"), "{err}");
        assert!(
            !err.contains("secret sentence") && !err.contains(&key[40..80]),
            "{err}"
        );
    }
    // A key file that does not exist.
    let (code, err) = serve(
        &gh,
        dir.path(),
        &[
            ("GITHUB_APP_ID", "4242"),
            ("GITHUB_APP_PRIVATE_KEY_PATH", "/nonexistent/app.pem"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("GITHUB_APP_PRIVATE_KEY_PATH = /nonexistent/app.pem"),
        "{err}"
    );
    // An App id GitHub does not know (the key is valid, for App 4242).
    let (code, err) = serve(
        &gh,
        dir.path(),
        &[("GITHUB_APP_ID", "9999"), ("GITHUB_APP_PRIVATE_KEY", key)],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("GITHUB_APP_ID = 9999 was rejected by GitHub"),
        "{err}"
    );
    assert!(!err.contains(&key[40..80]), "{err}");
    // Nothing half-started: no database was created.
    assert!(!dir.path().join("postmortem-tracker.sqlite").exists());
}

#[test]
fn a_key_file_connects_and_finds_a_repository_s_installation() {
    // The key GitHub hands out, read from a mounted file.
    let gh = fake(10_000);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("app.pem");
    std::fs::write(&key_file, &test_key().private_pem).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let creds = AppCredentials::from_env(|k| match k {
        "GITHUB_APP_ID" => Some(APP_ID.to_string()),
        "GITHUB_APP_PRIVATE_KEY_PATH" => Some(key_file.display().to_string()),
        _ => None,
    })
    .unwrap()
    .unwrap();
    let app = rt
        .block_on(GitHubApp::connect(
            &gh.base_url(),
            &creds,
            Duration::from_secs(10),
        ))
        .unwrap();
    assert_eq!(
        rt.block_on(app.installation_of("globex/api")).unwrap(),
        2,
        "found through GET /repos/globex/api/installation"
    );
    let e = rt
        .block_on(app.installation_of("acme/missing"))
        .unwrap_err();
    assert!(
        e.to_string().contains("not installed on acme/missing"),
        "{e}"
    );
}

/// `sync` of a checkout of `globex/api` holding the postmortem, as the App, with a
/// `GITHUB_TOKEN` set beside it: (exit code, stdout, stderr, the checkout).
fn sync_as_app(gh: &FakeGitHub) -> (i32, String, String, tempfile::TempDir) {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("postmortems")).unwrap();
    std::fs::write(ws.path().join("postmortems/disk.md"), PM).unwrap();
    let mut c = support::command();
    c.current_dir(ws.path())
        .args([
            "sync",
            "postmortems",
            "--tracker",
            "github",
            "--repo",
            "globex/api",
        ])
        .arg("--api-url")
        .arg(gh.base_url())
        .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
        .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0")
        .env("GITHUB_APP_ID", APP_ID.to_string())
        .env("GITHUB_APP_PRIVATE_KEY", &test_key().private_pem)
        // Set too, and never sent: the App acts instead.
        .env("GITHUB_TOKEN", FakeGitHub::TOKEN);
    let (code, out, err) = support::run(&mut c);
    (code, out, err, ws)
}

/// As the App, a refused credential (every installation token dead on arrival: 401, renewed,
/// 401 again) and a missing permission (the installation may only read: 403 on the first
/// write) are told in terms of the App's settings, never `GITHUB_TOKEN`, and nothing is
/// created.
#[test]
fn the_cli_as_the_app_names_the_app_when_github_refuses_it() {
    let gh = fake(0);
    let (code, out, err, _ws) = sync_as_app(&gh);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("the GitHub App (GITHUB_APP_ID = 4242) was rejected by GitHub"),
        "{err}"
    );
    assert!(err.contains("GITHUB_APP_PRIVATE_KEY"), "{err}");
    assert!(!err.contains("GITHUB_TOKEN"), "{err}");
    assert!(!err.contains(&test_key().private_pem[40..80]), "{err}");

    let gh = fake(10_000);
    gh.state().app.as_mut().unwrap().installations[1].read_only = true;
    let (code, out, err, _ws) = sync_as_app(&gh);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("the GitHub App (GITHUB_APP_ID = 4242) may not do this on globex/api (403 Resource not accessible by integration)"),
        "{err}"
    );
    assert!(err.contains("Issues: read and write"), "{err}");
    assert!(!err.contains("GITHUB_TOKEN"), "{err}");
    assert!(gh.state().repo("globex", "api").real_issues().is_empty());
}

#[test]
fn the_cli_syncs_as_the_app_found_through_the_repository() {
    let gh = fake(10_000);
    let (code, out, err, ws) = sync_as_app(&gh);
    assert_eq!(code, 0, "{out}\n{err}");
    let issues = gh.state().repo("globex", "api").real_issues().len();
    assert_eq!(issues, 2, "{out}");
    let app = app_state(&gh);
    let calls = app.calls_on("globex/api");
    assert!(calls
        .iter()
        .any(|c| c.credential == Credential::Jwt && c.path.ends_with("/installation")));
    for c in calls.iter().filter(|c| !c.path.ends_with("/installation")) {
        assert_eq!(c.credential, Credential::Installation(2), "{c:?}");
    }
    assert!(!app
        .calls
        .iter()
        .any(|c| matches!(c.credential, Credential::Personal(_))));
    // The links in the file point at the App's issues.
    let text = std::fs::read_to_string(ws.path().join("postmortems/disk.md")).unwrap();
    assert!(text.contains("/issues/"), "{text}");
    assert!(!err.contains(&test_key().private_pem[40..80]), "{err}");
}

/// `ci` on a pull request as the App: the plan comment is written by the App's bot through
/// the repository's installation token; the personal token beside it is never sent.
#[test]
fn the_pull_request_comment_is_written_as_the_app() {
    let gh = fake(10_000);
    let ws = tempfile::tempdir().unwrap();
    let n = crate::ci::seed_request(&gh, ws.path(), &["03-checkout-promo-codes.md"]);
    let payload = crate::ci::payload("pull_request.opened.payload.json", Some(n), "acme/svc");
    let out_dir = tempfile::tempdir().unwrap();
    let mut c = support::actions_ci(
        ws.path(),
        &gh.base_url(),
        "pull_request",
        &payload,
        FakeGitHub::TOKEN,
        out_dir.path(),
    );
    c.env("GITHUB_APP_ID", APP_ID.to_string())
        .env("GITHUB_APP_PRIVATE_KEY", &test_key().private_pem);
    let (code, out, err) = support::run(&mut c);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("comment created"), "{out}\n{err}");
    let comments: Vec<(String, String)> = gh
        .state()
        .repo("acme", "svc")
        .comments_on(n)
        .iter()
        .map(|c| (c.user.clone(), c.body.clone()))
        .collect();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].0, "postmortem-tracker[bot]");
    let app = app_state(&gh);
    assert!(!app
        .calls
        .iter()
        .any(|c| matches!(c.credential, Credential::Personal(_))));
    assert!(!err.contains(&test_key().private_pem[40..80]), "{err}");
}
