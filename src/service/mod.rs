//! The `serve` service: webhooks in, a durable queue of repositories to reconcile, workers out.
//!
//! - [`webhook`] (pure) authenticates a delivery and turns it into a [`webhook::Mark`].
//! - [`store`] (SQLite) deduplicates deliveries and keeps the level-triggered job queue.
//! - This module wires them to HTTP (axum) and runs the workers, each job through a [`Runner`].
//!
//! A delivery is answered as soon as its mark is committed (202); the work happens later, one
//! job at a time per repository, several repositories at once.

pub mod counted;
pub mod dashboard;
pub mod index;
pub mod runner;
pub mod store;
pub mod webhook;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

use store::{Job, Queued, Recorded, Store};
use webhook::{Action, Delivery, Forge, Mark, WebhookError};

/// A boxed future, so that [`Runner`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Does the work of one job: reconcile one repository (sync or follow-up). Must be idempotent:
/// after a crash a job may run again.
pub trait Runner: Send + Sync + 'static {
    /// Reconciles `job.mark.repo` for `job.mark.reason`; `Err` carries a message for the run
    /// history (never a token).
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<(), String>>;

    /// The repositories of `owner` (a GitHub user or organisation, a GitLab group), for a
    /// watch list entry `forge:owner/*`, as lower-case `owner/name` paths.
    fn repositories_of<'a>(
        &'a self,
        forge: Forge,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        Box::pin(async move {
            Err(format!(
                "{}:{owner}/*: this runner cannot list repositories",
                forge.as_str()
            ))
        })
    }
}

/// Webhook secrets. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Secrets {
    /// `GITHUB_WEBHOOK_SECRET`: the key of `X-Hub-Signature-256`.
    pub github: Option<String>,
    /// `GITLAB_WEBHOOK_TOKEN`: the expected `X-Gitlab-Token`.
    pub gitlab: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("github", &shown(&self.github))
            .field("gitlab", &shown(&self.gitlab))
            .finish()
    }
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Webhook secrets; a forge without one refuses every delivery (401).
    pub secrets: Secrets,
    /// Repositories to act on (`github:owner/name`, `gitlab:group/project`, lower-case; an
    /// owner's every repository as `owner/*`); empty: every repository whose deliveries
    /// authenticate.
    pub repositories: BTreeSet<(Forge, String)>,
    /// Concurrent workers (repositories reconciled at once).
    pub workers: usize,
    /// Largest accepted body, in bytes; larger: 413.
    pub max_body_bytes: usize,
    /// How often an idle worker looks at the queue even without a wake-up.
    pub poll_interval: Duration,
    /// When to mark every repository (the watched ones; without a watch list, every one with
    /// a past job) for a follow-up; `None`: only webhooks trigger work.
    pub schedule: Option<cron::Schedule>,
    /// At shutdown, how long a running job may go on before it is abandoned (and run again
    /// at the next start).
    pub shutdown_grace: Duration,
    /// The runner's API call counts, shown in `/metrics`.
    pub api_metrics: Arc<runner::ApiMetrics>,
    /// The dashboard's template (the embedded one, or a `templates_dir` override).
    pub dashboard: Arc<dashboard::Dashboard>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secrets: Secrets::default(),
            repositories: BTreeSet::new(),
            workers: 4,
            // GitHub caps payloads at 25 MB but a push of a few commits is a few kB; 5 MiB
            // leaves room for large pushes while bounding memory per request.
            max_body_bytes: 5 * 1024 * 1024,
            poll_interval: Duration::from_secs(1),
            schedule: None,
            shutdown_grace: Duration::from_secs(30),
            api_metrics: Arc::default(),
            dashboard: Arc::new(
                dashboard::Dashboard::new(None).expect("the embedded dashboard template compiles"),
            ),
        }
    }
}

/// Whether `repo` is watched: named, or under an `owner/*` entry (on GitLab, subgroups
/// included). An empty watch list watches everything.
pub fn is_watched(watch: &BTreeSet<(Forge, String)>, forge: Forge, repo: &str) -> bool {
    watch.is_empty()
        || watch.iter().any(|(f, w)| {
            *f == forge
                && match w.strip_suffix("/*") {
                    Some(owner) => repo
                        .strip_prefix(owner)
                        .and_then(|rest| rest.strip_prefix('/'))
                        .is_some_and(|rest| {
                            !rest.is_empty() && (forge == Forge::Gitlab || !rest.contains('/'))
                        }),
                    None => w == repo,
                }
        })
}

/// Parses one `--repository` value: `github:owner/name` or `gitlab:group/sub/project`, or
/// every repository of an owner: `github:acme/*`, `gitlab:acme/platform/*`.
pub fn parse_repository(s: &str) -> Result<(Forge, String), String> {
    let (forge, repo) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected github:OWNER/NAME or gitlab:GROUP/PROJECT"))?;
    let forge = Forge::parse(&forge.to_lowercase())
        .ok_or_else(|| format!("{s:?}: unknown forge {forge:?} (github or gitlab)"))?;
    let repo = repo.trim().trim_matches('/').to_lowercase();
    if !repo.contains('/') || repo.split('/').any(str::is_empty) {
        return Err(format!(
            "{s:?}: expected OWNER/NAME (or OWNER/* for all of an owner's) after the forge"
        ));
    }
    if forge == Forge::Github && repo.matches('/').count() != 1 {
        return Err(format!(
            "{s:?}: a GitHub repository is OWNER/NAME (or OWNER/*), without subgroups"
        ));
    }
    if repo.contains('*') && !(repo.ends_with("/*") && repo.matches('*').count() == 1) {
        return Err(format!(
            "{s:?}: `*` stands only for a whole name at the end: OWNER/*"
        ));
    }
    Ok((forge, repo))
}

/// Parses a cron expression in UTC: the usual 5 fields (`0 6 * * 1`: Mondays 06:00), or 6-7
/// with seconds first (and a year last).
pub fn parse_schedule(s: &str) -> Result<cron::Schedule, String> {
    use std::str::FromStr as _;
    let fields = s.split_whitespace().count();
    let full = match fields {
        5 => format!("0 {s}"),
        6 | 7 => s.to_string(),
        _ => {
            return Err(format!(
                "{s:?}: expected a cron expression of 5 fields (minute hour day month weekday)"
            ))
        }
    };
    cron::Schedule::from_str(&full).map_err(|e| format!("{s:?}: {e}"))
}

/// Delivery ids older than this are forgotten: forges redeliver within days.
const DELIVERY_MEMORY: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// Counters since start, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    deliveries: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    runs: Mutex<BTreeMap<&'static str, u64>>,
    /// Job durations by reason: (bucket counts, sum of seconds, count).
    durations: Mutex<BTreeMap<&'static str, Histogram>>,
}

/// A Prometheus histogram: counts per bucket of [`DURATION_BUCKETS`] (cumulative), the sum
/// of observations and their number.
type Histogram = (Vec<u64>, f64, u64);

/// Upper bounds (seconds) of the job duration histogram's buckets.
const DURATION_BUCKETS: [f64; 10] = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

impl Metrics {
    fn delivery(&self, forge: Forge, result: &'static str) {
        let mut d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        *d.entry((forge.as_str(), result)).or_default() += 1;
    }

    fn run(&self, result: &'static str, reason: webhook::Reason, took: Duration) {
        let mut r = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        *r.entry(result).or_default() += 1;
        let mut d = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        let (buckets, sum, count) = d
            .entry(reason.as_str())
            .or_insert_with(|| (vec![0; DURATION_BUCKETS.len()], 0.0, 0));
        let secs = took.as_secs_f64();
        for (b, le) in buckets.iter_mut().zip(DURATION_BUCKETS) {
            if secs <= le {
                *b += 1;
            }
        }
        *sum += secs;
        *count += 1;
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) store: Arc<Store>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) wake: Arc<Notify>,
}

/// Runs the service on `listener` until `shutdown` completes: stops accepting, gives running
/// jobs [`Settings::shutdown_grace`] to finish (the rest run again at the next start), then
/// returns. Jobs still queued stay in the store.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    store: Arc<Store>,
    runner: Arc<dyn Runner>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = App {
        store,
        settings: Arc::new(settings),
        metrics: Arc::default(),
        wake: Arc::new(Notify::new()),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers: Vec<_> = (0..app.settings.workers.max(1))
        .map(|_| tokio::spawn(worker(app.clone(), runner.clone(), stop_rx.clone())))
        .collect();
    let scheduler = app
        .settings
        .schedule
        .clone()
        .map(|s| tokio::spawn(scheduler(app.clone(), runner.clone(), s, stop_rx.clone())));
    let pruner = tokio::spawn(pruner(app.clone(), stop_rx.clone()));
    let router = router(app.clone());
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    app.wake.notify_waiters();
    for w in workers.into_iter().chain(scheduler).chain([pruner]) {
        let _ = w.await;
    }
    result.map_err(|e| anyhow::anyhow!("the HTTP server failed: {e}"))
}

fn router(app: App) -> Router {
    Router::new()
        .route("/webhooks/github", post(github_hook))
        .route("/webhooks/gitlab", post(gitlab_hook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/jobs", get(api_jobs))
        .route("/", get(dashboard::page_handler))
        .route("/api/items", get(dashboard::api_items))
        .route("/api/items.csv", get(dashboard::api_items_csv))
        .with_state(app)
}

async fn worker(app: App, runner: Arc<dyn Runner>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        // Registered (enabled) before looking at the queue, so that a mark committed while we
        // look still wakes us; the poll interval is only a backstop.
        let woken = app.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let store = app.store.clone();
        let claimed = tokio::task::spawn_blocking(move || store.claim(Utc::now())).await;
        match claimed {
            Ok(Ok(Some(job))) => {
                // In its own task so that a panicking runner fails its job, not the worker.
                let (r, j) = (runner.clone(), job.clone());
                let started = std::time::Instant::now();
                let mut task = tokio::spawn(async move { r.run(&j).await });
                let outcome = tokio::select! {
                    res = &mut task => res.unwrap_or_else(|e| Err(format!("the runner failed: {e}"))),
                    _ = stopped_then(stop.clone(), app.settings.shutdown_grace) => {
                        // Left `running`: the next start queues it again.
                        task.abort();
                        eprintln!(
                            "job {} ({} {}) still running at shutdown: abandoned, it runs again at the next start",
                            job.id, job.mark.reason.as_str(), job.mark.repo
                        );
                        return;
                    }
                };
                app.metrics.run(
                    if outcome.is_ok() { "done" } else { "failed" },
                    job.mark.reason,
                    started.elapsed(),
                );
                if let Err(e) = &outcome {
                    eprintln!(
                        "job {} ({} {} {}) failed: {e}",
                        job.id,
                        job.mark.reason.as_str(),
                        job.mark.forge.as_str(),
                        job.mark.repo
                    );
                }
                let store = app.store.clone();
                let id = job.id;
                match tokio::task::spawn_blocking(move || store.finish(id, outcome, Utc::now()))
                    .await
                {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => eprintln!("cannot record the end of job {id}: {e:#}"),
                    Err(e) => eprintln!("cannot record the end of job {id}: {e}"),
                }
                continue;
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => eprintln!("cannot read the job queue: {e:#}"),
            Err(e) => eprintln!("cannot read the job queue: {e}"),
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(app.settings.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// On each tick of the schedule: a follow-up for every repository, and old delivery ids pruned.
async fn scheduler(
    app: App,
    runner: Arc<dyn Runner>,
    schedule: cron::Schedule,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let Some(next) = schedule.upcoming(Utc).next() else {
            return; // a schedule with a year in the past never fires again
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let all = watched_now(&app, runner.as_ref()).await;
        let store = app.store.clone();
        let marked = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            let now = Utc::now();
            let mut marked = 0;
            for (forge, repo) in &all {
                let mark = Mark {
                    forge: *forge,
                    repo: repo.clone(),
                    reason: webhook::Reason::Followup,
                };
                // One repository that cannot be marked does not keep the others from it.
                match store.mark(&mark, now) {
                    Ok(_) => marked += 1,
                    Err(e) => eprintln!("scheduled follow-up of {}:{repo}: {e:#}", forge.as_str()),
                }
            }
            Ok(marked)
        })
        .await;
        match marked {
            Ok(Ok(n)) if n > 0 => app.wake.notify_waiters(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("scheduled follow-up: {e:#}"),
            Err(e) => eprintln!("scheduled follow-up: {e}"),
        }
        // Never fire twice for one tick, however fast the marking was.
        if let Some(rest) = (next - Utc::now()).to_std().ok().filter(|d| !d.is_zero()) {
            tokio::time::sleep(rest).await;
        }
    }
}

/// Forgets old delivery ids at start and then hourly, with or without a schedule.
async fn pruner(app: App, mut stop: watch::Receiver<bool>) {
    loop {
        let store = app.store.clone();
        let pruned = tokio::task::spawn_blocking(move || {
            store.prune_deliveries(Utc::now() - DELIVERY_MEMORY)
        })
        .await;
        match pruned {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("cannot forget old delivery ids: {e:#}"),
            Err(e) => eprintln!("cannot forget old delivery ids: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The repositories a scheduled follow-up covers: the watch list with each `owner/*` listed
/// through the forge (an owner that cannot be listed is reported and skipped; the others go
/// on), else every repository seen before.
async fn watched_now(app: &App, runner: &dyn Runner) -> BTreeSet<(Forge, String)> {
    let watched = &app.settings.repositories;
    let mut all = BTreeSet::new();
    if watched.is_empty() {
        let store = app.store.clone();
        match tokio::task::spawn_blocking(move || store.known_repositories()).await {
            Ok(Ok(known)) => all.extend(known),
            Ok(Err(e)) => eprintln!("scheduled follow-up: {e:#}"),
            Err(e) => eprintln!("scheduled follow-up: {e}"),
        }
        return all;
    }
    for (forge, repo) in watched {
        match repo.strip_suffix("/*") {
            None => {
                all.insert((*forge, repo.clone()));
            }
            // Bounded: a forge that stops answering must not stop every later tick.
            Some(owner) => match tokio::time::timeout(
                Duration::from_secs(300),
                runner.repositories_of(*forge, owner),
            )
            .await
            {
                Ok(Ok(repos)) => all.extend(repos.into_iter().map(|r| (*forge, r))),
                Ok(Err(e)) => eprintln!("scheduled follow-up: {e}"),
                Err(_) => eprintln!(
                    "scheduled follow-up: {}:{owner}/*: no answer within 300 s; skipped this time",
                    forge.as_str()
                ),
            },
        }
    }
    all
}

/// Completes `grace` after the stop signal.
async fn stopped_then(mut stop: watch::Receiver<bool>, grace: Duration) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    tokio::time::sleep(grace).await;
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

async fn github_hook(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    hook(app, Forge::Github, headers, body).await
}

async fn gitlab_hook(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    hook(app, Forge::Gitlab, headers, body).await
}

async fn hook(app: App, forge: Forge, headers: HeaderMap, body: Body) -> Response {
    let limit = app.settings.max_body_bytes;
    // Checked before reading, so an announced oversized body is refused without buffering it.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        app.metrics.delivery(forge, "too_large");
        answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("body larger than {limit} bytes")}),
        )
    };
    if announced.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let secrets = &app.settings.secrets;
    let checked = match forge {
        Forge::Github => webhook::github(
            secrets.github.as_deref().unwrap_or("").as_bytes(),
            &headers,
            &bytes,
        ),
        Forge::Gitlab => webhook::gitlab(
            secrets.gitlab.as_deref().unwrap_or("").as_bytes(),
            &headers,
            &bytes,
        ),
    };
    let delivery = match checked {
        Ok(d) => d,
        Err(e) => return refused(&app, forge, e),
    };
    accept(app, forge, delivery).await
}

fn refused(app: &App, forge: Forge, e: WebhookError) -> Response {
    if e.is_auth() {
        app.metrics.delivery(forge, "unauthorized");
        // The message names the header, never a value.
        answer(StatusCode::UNAUTHORIZED, json!({"error": e.to_string()}))
    } else {
        app.metrics.delivery(forge, "bad_request");
        answer(StatusCode::BAD_REQUEST, json!({"error": e.to_string()}))
    }
}

async fn accept(app: App, forge: Forge, delivery: Delivery) -> Response {
    let (mark, result, why): (Option<Mark>, &'static str, Option<String>) = match delivery.action {
        Action::Pong => (None, "pong", None),
        Action::Ignore(why) => (None, "ignored", Some(why)),
        Action::Mark(m) => {
            if is_watched(&app.settings.repositories, m.forge, &m.repo) {
                (Some(m), "queued", None)
            } else {
                let why = format!(
                    "{}:{} is not a watched repository",
                    m.forge.as_str(),
                    m.repo
                );
                (None, "ignored", Some(why))
            }
        }
    };
    let store = app.store.clone();
    let (id, event) = (delivery.id.clone(), delivery.event.clone());
    let marked = mark.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        store.record_delivery(forge, &id, &event, marked.as_ref(), Utc::now())
    })
    .await;
    let recorded = match recorded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return store_error(&app, forge, format!("{e:#}")),
        Err(e) => return store_error(&app, forge, e.to_string()),
    };
    match recorded {
        Recorded::Duplicate => {
            app.metrics.delivery(forge, "duplicate");
            answer(
                StatusCode::OK,
                json!({"result": "duplicate", "delivery": delivery.id}),
            )
        }
        Recorded::New(Some(q)) => {
            app.metrics.delivery(forge, "queued");
            app.wake.notify_waiters();
            let m = mark.expect("a queued delivery has a mark");
            answer(
                StatusCode::ACCEPTED,
                json!({
                    "result": "queued",
                    "job": q.job_id(),
                    "coalesced": matches!(q, Queued::Coalesced(_)),
                    "repository": m.repo,
                    "reason": m.reason.as_str(),
                }),
            )
        }
        Recorded::New(None) => {
            app.metrics.delivery(forge, result);
            let mut body = json!({"result": result});
            if let Some(why) = why {
                body["why"] = why.into();
            }
            answer(StatusCode::OK, body)
        }
    }
}

fn store_error(app: &App, forge: Forge, e: String) -> Response {
    app.metrics.delivery(forge, "error");
    eprintln!("cannot record a {} delivery: {e}", forge.as_str());
    // 503 makes the forge retry later; the delivery was not recorded, so the retry counts.
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"error": "the queue is unavailable"}),
    )
}

/// Query of `GET /api/jobs`.
#[derive(Debug, serde::Deserialize)]
struct JobsQuery {
    forge: Option<String>,
    repository: Option<String>,
    state: Option<String>,
    limit: Option<usize>,
}

/// The run history as JSON, newest first: `?forge=github&repository=acme/svc&state=failed&limit=50`.
async fn api_jobs(State(app): State<App>, query: axum::extract::Query<JobsQuery>) -> Response {
    let q = query.0;
    let bad = |m: String| answer(StatusCode::BAD_REQUEST, json!({ "error": m }));
    let forge = match q.forge.as_deref().map(|f| (f, Forge::parse(f))) {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((f, None)) => return bad(format!("forge={f}: expected github or gitlab")),
    };
    let state = match q.state.as_deref() {
        None => None,
        Some("queued") => Some(store::JobState::Queued),
        Some("running") => Some(store::JobState::Running),
        Some("done") => Some(store::JobState::Done),
        Some("failed") => Some(store::JobState::Failed),
        Some(other) => {
            return bad(format!(
                "state={other}: expected queued, running, done or failed"
            ))
        }
    };
    let filter = store::JobFilter {
        forge,
        repo: q.repository.map(|r| r.to_lowercase()),
        state,
    };
    let limit = q.limit.unwrap_or(100).min(1000);
    let store = app.store.clone();
    let jobs = match tokio::task::spawn_blocking(move || store.jobs(&filter, limit)).await {
        Ok(Ok(j)) => j,
        _ => {
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "the database is unavailable"}),
            )
        }
    };
    let ts = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    let rows: Vec<_> = jobs
        .iter()
        .map(|j| {
            json!({
                "id": j.id,
                "forge": j.mark.forge.as_str(),
                "repository": j.mark.repo,
                "reason": j.mark.reason.as_str(),
                "state": j.state.as_str(),
                "marks": j.marks,
                "attempts": j.attempts,
                "created_at": j.created_at.to_rfc3339(),
                "started_at": ts(j.started_at),
                "finished_at": ts(j.finished_at),
                "error": j.error,
            })
        })
        .collect();
    answer(StatusCode::OK, json!(rows))
}

async fn readyz(State(app): State<App>) -> Response {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || store.depth()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready\n").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable\n",
        )
            .into_response(),
    }
}

async fn metrics(State(app): State<App>) -> Response {
    use std::fmt::Write as _;
    let store = app.store.clone();
    let depth = tokio::task::spawn_blocking(move || store.depth()).await;
    let mut out = String::new();
    out.push_str("# HELP postmortem_tracker_webhook_deliveries_total Webhook deliveries since start, by forge and result.\n");
    out.push_str("# TYPE postmortem_tracker_webhook_deliveries_total counter\n");
    for ((forge, result), n) in app
        .metrics
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "postmortem_tracker_webhook_deliveries_total{{forge=\"{forge}\",result=\"{result}\"}} {n}"
        );
    }
    out.push_str("# HELP postmortem_tracker_job_runs_total Jobs run since start, by result.\n");
    out.push_str("# TYPE postmortem_tracker_job_runs_total counter\n");
    for (result, n) in app
        .metrics
        .runs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "postmortem_tracker_job_runs_total{{result=\"{result}\"}} {n}"
        );
    }
    out.push_str("# HELP postmortem_tracker_job_duration_seconds How long jobs took, by reason.\n");
    out.push_str("# TYPE postmortem_tracker_job_duration_seconds histogram\n");
    for (reason, (buckets, sum, count)) in app
        .metrics
        .durations
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        for (n, le) in buckets.iter().zip(DURATION_BUCKETS) {
            let _ = writeln!(
                out,
                "postmortem_tracker_job_duration_seconds_bucket{{reason=\"{reason}\",le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "postmortem_tracker_job_duration_seconds_bucket{{reason=\"{reason}\",le=\"+Inf\"}} {count}\npostmortem_tracker_job_duration_seconds_sum{{reason=\"{reason}\"}} {sum}\npostmortem_tracker_job_duration_seconds_count{{reason=\"{reason}\"}} {count}"
        );
    }
    out.push_str("# HELP postmortem_tracker_api_calls_total Forge API calls by the jobs, by forge and outcome (ok, rate_limited, error); a paginated listing counts once.\n");
    out.push_str("# TYPE postmortem_tracker_api_calls_total counter\n");
    for ((forge, outcome), n) in app.settings.api_metrics.calls() {
        let _ = writeln!(
            out,
            "postmortem_tracker_api_calls_total{{forge=\"{forge}\",outcome=\"{outcome}\"}} {n}"
        );
    }
    let (waits, waited) = app.settings.api_metrics.waits();
    let _ = writeln!(
        out,
        "# HELP postmortem_tracker_api_waits_total Waits for rate limits and write pacing.\n# TYPE postmortem_tracker_api_waits_total counter\npostmortem_tracker_api_waits_total {waits}\n# HELP postmortem_tracker_api_wait_seconds_total Time spent in those waits.\n# TYPE postmortem_tracker_api_wait_seconds_total counter\npostmortem_tracker_api_wait_seconds_total {waited}"
    );
    if let Ok(Ok(d)) = depth {
        out.push_str("# HELP postmortem_tracker_jobs Jobs in the store, by state.\n");
        out.push_str("# TYPE postmortem_tracker_jobs gauge\n");
        for (state, n) in [
            ("queued", d.queued),
            ("running", d.running),
            ("done", d.done),
            ("failed", d.failed),
        ] {
            let _ = writeln!(out, "postmortem_tracker_jobs{{state=\"{state}\"}} {n}");
        }
    }
    if let Some(items) = dashboard::metrics_text(&app).await {
        out.push_str(&items);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn schedules_of_five_and_six_fields() {
        let monday_6am = parse_schedule("0 6 * * Mon").unwrap();
        let from = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(); // a Saturday
        assert_eq!(
            monday_6am.after(&from).next(),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap())
        );
        let every_10s = parse_schedule("*/10 * * * * *").unwrap();
        assert_eq!(
            every_10s.after(&from).next(),
            Some(Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 10).unwrap())
        );
        assert!(parse_schedule("daily").unwrap_err().contains("5 fields"));
        assert!(parse_schedule("0 25 * * *").is_err());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secrets {
            github: Some("hunter2-gh".into()),
            gitlab: None,
        };
        let shown = format!(
            "{s:?} {:?}",
            Settings {
                secrets: s.clone(),
                ..Settings::default()
            }
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("<set>") && shown.contains("<unset>"),
            "{shown}"
        );
    }

    #[test]
    fn repository_flags() {
        assert_eq!(
            parse_repository("GitLab:Group/Sub/Project").unwrap(),
            (Forge::Gitlab, "group/sub/project".to_string())
        );
        for bad in [
            "acme/svc",
            "github:acme/team/svc",
            "github:acme/team/*",
            "gitlab:acme/*/x",
            "bitbucket:a/b",
            "github:acme",
            "github:/a",
            "github:a//b",
        ] {
            assert!(parse_repository(bad).is_err(), "{bad}");
        }
    }
}
