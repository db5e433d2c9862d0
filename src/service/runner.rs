//! The service's [`Runner`]: reconciles one repository through its forge's API, with no
//! checkout. Each job reads the default branch's postmortems and the repository's own
//! `.postmortem-tracker.toml` ([`crate::source::remote`]), then:
//!
//! - every job: a sync (an issue for every action item, found by key, never opened twice),
//!   its links committed to the postmortems, and the items index refreshed;
//! - a follow-up job (an issue event, the schedule) also writes the status blocks and boxes,
//!   and sets the `overdue` label and reminders, as `postmortem-tracker followup` does.
//!
//! A sync in every job is what makes the schedule repair a lost push: whatever the event,
//! the repository ends reconciled. Every step is idempotent, so a job run again after a crash
//! changes nothing more.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use super::counted::{CallCounts, Counted};
use super::index;
use super::store::{Job, Remembered, Store};
use super::webhook::{Forge, Reason};
use super::{BoxFuture, JobError, JobResult, Runner};
use crate::forge::app::{GitHubApp, Watched};
use crate::forge::browse::Browse;
use crate::forge::client::{Client, ConnectError, Credential};
use crate::forge::gitlab::Connection;
use crate::forge::paced::{Pacing, Sleeper};
use crate::forge::projects::GraphQl;
use crate::forge::publish::Target;
use crate::forge::{github::GitHub, Tracker, TrackerError};
use crate::model::Postmortem;
use crate::reconcile::followup::{followup, Document, Job as FollowupJob, Write, REQUEST_TITLE};
use crate::reconcile::sync::{sync as reconcile_sync, Job as SyncJob};
use crate::reconcile::{Options, Remote};
use crate::render::Engine;
use crate::source::remote;

/// Where the service writes links and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Commits on the default branch.
    Commit,
    /// One branch and one pull/merge request per repository (protected default branches).
    PullRequest,
    /// Nothing written to the repository: issues, labels, reminders and the index only.
    Off,
}

impl WriteMode {
    /// `commit`, `pull-request` or `off`.
    pub fn parse(s: &str) -> Option<WriteMode> {
        match s {
            "commit" => Some(WriteMode::Commit),
            "pull-request" => Some(WriteMode::PullRequest),
            "off" => Some(WriteMode::Off),
            _ => None,
        }
    }
}

/// A forge's API root and token. `Debug` never shows the token.
#[derive(Clone)]
pub struct Access {
    pub api_url: String,
    pub token: String,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("api_url", &self.api_url)
            .field("token", &"<set>")
            .finish()
    }
}

/// Counts of the forge API calls the jobs made and of the time they waited on rate limits
/// and write pacing, for `/metrics`.
#[derive(Debug, Default)]
pub struct ApiMetrics {
    calls: CallCounts,
    waits: AtomicU64,
    waited_ms: AtomicU64,
    /// Jobs put off without a request, by the GitHub App installation whose rate limit was
    /// spent.
    put_off: std::sync::Mutex<BTreeMap<u64, u64>>,
}

impl ApiMetrics {
    /// API calls by (forge, outcome): `ok`, `rate_limited`, `error` (see [`Counted`]).
    pub fn calls(&self) -> BTreeMap<(&'static str, &'static str), u64> {
        self.calls.snapshot()
    }

    /// Jobs put off without a request because their GitHub App installation's rate limit
    /// was spent, by installation.
    pub fn put_off_by_installation(&self) -> BTreeMap<u64, u64> {
        self.put_off
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn put_off(&self, installation: u64) {
        let mut m = self.put_off.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(installation).or_default() += 1;
    }

    /// (number of waits, total seconds waited).
    pub fn waits(&self) -> (u64, f64) {
        (
            self.waits.load(Ordering::Relaxed),
            self.waited_ms.load(Ordering::Relaxed) as f64 / 1000.0,
        )
    }
}

/// Sleeps, counting the waits.
struct CountingSleeper<'a>(&'a ApiMetrics);

impl Sleeper for CountingSleeper<'_> {
    async fn sleep(&self, d: Duration) {
        self.0.waits.fetch_add(1, Ordering::Relaxed);
        self.0
            .waited_ms
            .fetch_add(d.as_millis() as u64, Ordering::Relaxed);
        tokio::time::sleep(d).await;
    }
}

/// Why a job attempt stopped: a message for the run history, and the wait a rate limit
/// asked for (the job is tried again after it).
#[derive(Debug)]
struct Failure {
    message: String,
    wait: Option<Duration>,
    /// Back to the queue for `wait` at once, not waited out in the job: nothing was sent,
    /// and a worker waiting would hold up other installations' jobs.
    put_off: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            wait: None,
            put_off: false,
        }
    }
}

/// Rate-limit waits per job before it is given up (it runs again at the next event or tick).
const RATE_LIMIT_WAITS: usize = 3;

/// How the runner works.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    pub github: Option<Access>,
    pub gitlab: Option<Access>,
    pub write: WriteMode,
    /// Per-request timeout on GitHub and GitLab.
    pub timeout: Duration,
    /// The day to use instead of today (reproducible demos and tests).
    pub today: Option<NaiveDate>,
    /// How fast the jobs write and how long they wait out rate limits: the service's own
    /// `[sync]` settings, never a repository's (the token is shared by every repository).
    pub pacing: Pacing,
    /// The longest a job may take, waits included; a job still running then fails (a hung
    /// connection, a long rate limit) and runs again at the next event or tick.
    pub job_timeout: Duration,
    /// Templates folder on the service's machine (repositories' own `templates_dir` is not
    /// read: it would name a folder of their checkout).
    pub templates_dir: Option<std::path::PathBuf>,
}

/// Runs jobs against GitHub and GitLab, and keeps the items index in the store.
pub struct ForgeRunner {
    store: Arc<Store>,
    settings: RunnerSettings,
    engine: Engine,
    api: Arc<ApiMetrics>,
    /// GitHub as an App: each repository through its installation's token, never
    /// `settings.github`'s.
    app: Option<Arc<GitHubApp>>,
    /// GitLab at `settings.gitlab` (the runner's one API root and token), its token checked
    /// once: opened by the first GitLab job, then shared by every job.
    gitlab: tokio::sync::Mutex<Option<Connection>>,
}

impl ForgeRunner {
    /// A runner writing its index into `store`. Fails when the templates do not load.
    pub fn new(
        store: Arc<Store>,
        settings: RunnerSettings,
        api: Arc<ApiMetrics>,
    ) -> Result<ForgeRunner, crate::render::RenderError> {
        let engine = Engine::new(settings.templates_dir.as_deref())?;
        Ok(ForgeRunner {
            store,
            settings,
            engine,
            api,
            app: None,
            gitlab: tokio::sync::Mutex::new(None),
        })
    }

    /// Acts on GitHub as `app`: every repository through the token of the installation that
    /// covers it.
    pub fn with_github_app(mut self, app: Arc<GitHubApp>) -> ForgeRunner {
        self.app = Some(app);
        self
    }

    fn access(&self, forge: Forge) -> Result<&Access, String> {
        let access = match forge {
            Forge::Github => self.settings.github.as_ref(),
            Forge::Gitlab => self.settings.gitlab.as_ref(),
        };
        access.ok_or_else(|| {
            format!(
                "no {} in the service's environment: cannot act on {} repositories",
                forge.token_var(),
                forge.as_str()
            )
        })
    }

    /// Runs the job; a rate limit is waited out (at most [`RATE_LIMIT_WAITS`] times, each up
    /// to `max_wait`) and the job tried again from the start: every step is idempotent.
    async fn run_job(&self, job: &Job) -> JobResult {
        let timeout = self.settings.job_timeout;
        match tokio::time::timeout(timeout, self.attempts(job)).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "{}:{}: still running after {} s: stopped (it runs again at the next event or tick)",
                job.mark.forge.as_str(),
                job.mark.repo,
                timeout.as_secs()
            )
            .into()),
        }
    }

    async fn attempts(&self, job: &Job) -> JobResult {
        let mut waits = 0;
        loop {
            match self.attempt(job).await {
                Ok(()) => return Ok(()),
                Err(Failure {
                    wait: Some(wait),
                    message,
                    put_off: false,
                }) if waits < RATE_LIMIT_WAITS && wait <= self.settings.pacing.max_wait => {
                    waits += 1;
                    // Logged as an event of the job's span, so JSON logs stay JSON.
                    tracing::warn!(
                        wait_secs = wait.as_secs(),
                        "{message}; waiting, then trying again"
                    );
                    CountingSleeper(&self.api).sleep(wait).await;
                }
                // A longer limit (or one met again and again): back to the queue until it resets.
                Err(Failure {
                    wait: Some(wait),
                    message,
                    ..
                }) => return Err(JobError::Later { message, wait }),
                Err(f) => return Err(f.message.into()),
            }
        }
    }

    async fn attempt(&self, job: &Job) -> Result<(), Failure> {
        let forge = job.mark.forge;
        let origin = format!("{}:{}", forge.as_str(), job.mark.repo);
        if let (Forge::Github, Some(app)) = (forge, &self.app) {
            return self.attempt_as_app(app, job, &origin).await;
        }
        let access = self.access(forge)?;
        let remote = Remote {
            kind: Some(forge),
            repo: job.mark.repo.clone(),
            api_url: access.api_url.clone(),
            token: Some(access.token.clone()),
            app: None,
        };
        let client = match self.connect(&remote, access).await {
            Ok(client) => client,
            Err(ConnectError::Tracker(e)) => return Err(self.failure(forge, &origin, e)),
            Err(ConnectError::Setup(m)) => return Err(format!("{origin}: {m}").into()),
        };
        let counted = Counted::new(&client, forge, &self.api.calls);
        self.reconcile(&counted, job, remote).await
    }

    /// The client for `remote`, with `access`. GitLab's connection is opened by the first
    /// GitLab job and kept: opening it checks the token (`GET /user`), one more request per
    /// job otherwise. A token revoked later fails that job's first call with GitLab's 401,
    /// told as a rejection from the start is (see [`explain`]); the connection is kept, as
    /// each later job's calls meet GitLab's answer of the moment.
    async fn connect(&self, remote: &Remote, access: &Access) -> Result<Client, ConnectError> {
        if remote.kind != Some(Forge::Gitlab) {
            return Client::connect(remote, self.settings.timeout).await;
        }
        let connection = self.gitlab_connection(access).await?;
        Ok(Client::GitLab(connection.project(&remote.repo)))
    }

    /// The GitLab connection that jobs and the watch list's group listings share, opened by
    /// the first that needs it.
    async fn gitlab_connection(&self, access: &Access) -> Result<Connection, TrackerError> {
        let mut kept = self.gitlab.lock().await;
        if let Some(c) = &*kept {
            return Ok(c.clone());
        }
        let opened = Connection::open(&access.api_url, &access.token, self.settings.timeout).await;
        self.api.calls.record(Forge::Gitlab, &opened);
        Ok(kept.insert(opened?).clone())
    }

    /// [`ForgeRunner::attempt`] as the GitHub App: through the token of the installation that
    /// covers the repository, unless that installation's rate limit is known to be spent,
    /// when the job is put off until its reset without a request. Every call's answer tells
    /// the App about its installation's limit ([`Watched`]).
    async fn attempt_as_app(
        &self,
        app: &GitHubApp,
        job: &Job,
        origin: &str,
    ) -> Result<(), Failure> {
        let forge = Forge::Github;
        let now = Utc::now();
        if let Some((installation, until)) = app.spent_until(&job.mark.repo, now) {
            self.api.put_off(installation);
            return Err(Failure {
                message: format!(
                    "{origin}: the rate limit of the GitHub App's installation {installation} is spent until {}; put off without a request",
                    until.to_rfc3339()
                ),
                wait: Some((until - now).to_std().unwrap_or_default()),
                put_off: true,
            });
        }
        // Finding the installation and minting its token are calls too.
        let connected = app.installation_github(&job.mark.repo).await;
        self.api.calls.record(forge, &connected);
        let (installation, gh) = connected.map_err(|e| self.failure(forge, origin, e))?;
        let remote = Remote {
            kind: Some(forge),
            repo: job.mark.repo.clone(),
            api_url: app.api_url().to_string(),
            token: None,
            app: None,
        };
        let client = Client::GitHub(gh);
        let watched = Watched::new(&client, app, installation);
        let counted = Counted::new(&watched, forge, &self.api.calls);
        self.reconcile(&counted, job, remote).await
    }

    /// The credential a forge's calls carry, for messages.
    fn credential(&self, forge: Forge) -> Credential {
        let app = self.app.as_ref().filter(|_| forge == Forge::Github);
        Credential::of(forge, app.map(|a| a.app_id()))
    }

    /// A failed call as a [`Failure`].
    fn failure(&self, forge: Forge, origin: &str, e: TrackerError) -> Failure {
        let wait = rate_limit_wait(&e);
        Failure {
            message: format!("{origin}: {}", explain(&self.credential(forge), &e)),
            wait,
            put_off: false,
        }
    }

    /// `f` on the store, off the async threads.
    async fn on_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, super::store::StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(answer) => answer.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// What `forge:repo`'s last job read. A store that cannot say only costs reads: the job
    /// reads every file, as the first job of a repository does.
    async fn remembered(&self, forge: Forge, repo: &str) -> Remembered {
        let owned = repo.to_string();
        self.on_store(move |s| s.remembered(forge, &owned))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(repository = %repo, "reading every file: {e}");
                Remembered::default()
            })
    }

    /// Keeps what `forge:repo`'s job read for its next job, on any replica; a store that
    /// cannot keep it only costs the next job reads.
    async fn remember(&self, forge: Forge, repo: &str, read: Remembered) {
        let owned = repo.to_string();
        if let Err(e) = self
            .on_store(move |s| s.remember(forge, &owned, &read))
            .await
        {
            tracing::warn!(repository = %repo, "the next job reads every file again: {e}");
        }
    }

    /// One repository, start to end, through `forge` at `api_url` (with `token`, unless
    /// the client authenticates otherwise). Errors name the repository. What the job read
    /// and committed is kept for the repository's next job (on any replica), whether the job
    /// ended well or not: it is what the forge holds either way.
    async fn reconcile<F: Tracker + Browse + GraphQl>(
        &self,
        forge: &F,
        job: &Job,
        remote: Remote,
    ) -> Result<(), Failure> {
        let (kind, repo) = (job.mark.forge, job.mark.repo.as_str());
        let before = self.remembered(kind, repo).await;
        let mut memory = before.clone();
        let outcome = self.reconcile_with(forge, job, remote, &mut memory).await;
        if memory != before {
            self.remember(kind, repo, memory).await;
        }
        outcome
    }

    /// [`ForgeRunner::reconcile`] with `memory`, what the repository's last job read, kept
    /// current with what this one reads and commits.
    async fn reconcile_with<F: Tracker + Browse + GraphQl>(
        &self,
        forge: &F,
        job: &Job,
        remote: Remote,
        memory: &mut Remembered,
    ) -> Result<(), Failure> {
        let kind = job.mark.forge;
        let repo = job.mark.repo.as_str();
        let origin = forge.origin();
        let fail = |e: TrackerError| self.failure(kind, &origin, e);
        // A load error keeps its own message (it names the file), except a rejected token,
        // which is about no file: it says what to fix, as on any other call. A rate limit
        // still waits.
        let load_failed = |e: remote::RemoteError| match e.tracker_error() {
            Some(t @ TrackerError::Unauthorized(_)) => fail(t.clone()),
            t => Failure {
                message: e.to_string(),
                wait: t.and_then(rate_limit_wait),
                put_off: false,
            },
        };
        // A push may name a new default branch; an issue event or the schedule does not.
        let remembered = (memory.branch.clone()).filter(|_| job.mark.reason == Reason::Followup);
        let listed = match remembered {
            Some(branch) => match remote::list(forge, &branch).await {
                Ok(files) => Some((branch, files)),
                // Renamed or deleted since: ask for the default branch again.
                Err(e) if matches!(e.tracker_error(), Some(TrackerError::NotFound(_))) => None,
                Err(e) => return Err(load_failed(e)),
            },
            None => None,
        };
        let (branch, files) = match listed {
            Some(l) => l,
            None => {
                let branch = forge.default_branch().await.map_err(fail)?;
                let files = remote::list(forge, &branch).await.map_err(load_failed)?;
                (branch, files)
            }
        };
        // The service's own environment is not the repository's: no POSTMORTEM_TRACKER_*
        // variables are taken from it.
        let config = remote::read_listed_config(
            forge,
            &branch,
            &files,
            &mut memory.seen,
            std::iter::empty(),
        )
        .await
        .map_err(load_failed)?;
        let parse_options = config.parse_options();
        let inputs = remote::load_listed(
            forge,
            &branch,
            files,
            &config.paths,
            &parse_options,
            &mut memory.seen,
        )
        .await
        .map_err(load_failed)?;
        memory.branch = Some(branch.clone());
        // Each postmortem with the text it was parsed from; the sync takes the parses alone.
        let documents: Vec<Document> = (inputs.documents.into_iter())
            .map(|(doc, text)| Document { doc, text })
            .collect();
        let docs: Vec<Postmortem> = documents.iter().map(|d| d.doc.clone()).collect();
        let file_url = config
            .sync
            .file_url
            .clone()
            .unwrap_or_else(|| web_file_url(kind, &remote.api_url, repo, &branch));
        let today = crate::reconcile::options::today(&config, self.settings.today, Utc::now());
        let mut resolved = Options::new(
            config,
            remote,
            Some(file_url.clone()),
            std::path::PathBuf::new(),
            today,
        );
        // A file that cannot be a postmortem (binary, too large for the API) is reported, not a
        // failure of the job: it would fail every job of the repository forever.
        for (p, why) in &inputs.skipped {
            tracing::warn!(file = %format!("{origin}:{p}"), "skipped: {why}");
        }
        let mut errors: Vec<String> = Vec::new();

        // 1. Sync: an issue for every item, its links through the API (no checkout here).
        resolved.sync.pacing = self.settings.pacing.clone();
        let target = match self.settings.write {
            WriteMode::Off => None,
            WriteMode::Commit => Some(Target::Commit),
            WriteMode::PullRequest => Some(Target::PullRequest {
                branch: resolved.config.followup.branch.clone(),
                title: REQUEST_TITLE.into(),
            }),
        };
        let followup_job = job.mark.reason == Reason::Followup;
        let synced = reconcile_sync(
            forge,
            &CountingSleeper(&self.api),
            &docs,
            &SyncJob {
                options: &resolved,
                engine: &self.engine,
                local: false,
                forge: target.clone(),
                // A follow-up job's follow-up keeps the boards: the project is read once.
                board: !followup_job,
            },
        )
        .await
        .map_err(|e| match e {
            crate::sync::SyncError::Tracker(t) => fail(t),
            other => format!("{origin}: {other}").into(),
        })?;
        let report = synced.report;
        errors.extend(report.errors.iter().map(|e| format!("{origin}: {e}")));
        if let Some(published) = synced.published {
            let published = published.map_err(fail)?;
            memory.committed(&published);
            errors.extend(published.errors.iter().map(|e| format!("{origin}: {e}")));
        }

        // 2. Status, from one listing after the sync; written and told to the tracker on a
        // follow-up job only.
        let status = followup(
            Some(forge),
            &CountingSleeper(&self.api),
            &documents,
            &FollowupJob {
                options: &resolved,
                engine: &self.engine,
                write: match (&target, followup_job) {
                    (Some(t), true) => Write::Forge(t.clone()),
                    _ => Write::Nothing,
                },
                tell_tracker: followup_job,
                update: resolved.update(),
            },
        )
        .await
        .map_err(fail)?;
        if let Some(published) = &status.published {
            memory.committed(published);
        }
        errors.extend(status.errors.iter().map(|e| format!("{origin}: {e}")));
        let (outcomes, listing) = (status.documents, status.listing.unwrap_or_default());

        // 3. The index.
        let records = index::records(kind.as_str(), repo, &outcomes, &listing, Some(&file_url));
        let incidents: Vec<_> = docs
            .iter()
            .map(|d| crate::report::IncidentFigures::of(kind.as_str(), repo, d))
            .collect();
        let store = self.store.clone();
        let repo_owned = repo.to_string();
        tokio::task::spawn_blocking(move || {
            store.replace_items(kind, &repo_owned, records, today)?;
            store.replace_incidents(kind, &repo_owned, &incidents)
        })
        .await
        .map_err(|e| Failure::from(format!("{origin}: cannot save the items: {e}")))?
        .map_err(|e| Failure::from(format!("{origin}: cannot save the items: {e:#}")))?;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; ").into())
        }
    }
}

impl Runner for ForgeRunner {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, JobResult> {
        Box::pin(self.run_job(job))
    }

    fn repositories_of<'a>(
        &'a self,
        forge: Forge,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        Box::pin(async move {
            if let (Forge::Github, Some(app)) = (forge, &self.app) {
                // The App sees exactly what it is installed on, private repositories included.
                let prefix = format!("{}/", owner.to_lowercase());
                return Ok(app
                    .repositories()
                    .into_iter()
                    .filter(|r| r.starts_with(&prefix))
                    .collect());
            }
            let access = self.access(forge)?;
            let failed = |e: &TrackerError| {
                let why = explain(&self.credential(forge), e);
                format!("{}:{owner}/*: {why}", forge.as_str())
            };
            let listed = match forge {
                Forge::Github => {
                    GitHub::repositories_of(
                        &access.api_url,
                        owner,
                        Some(&access.token),
                        self.settings.timeout,
                    )
                    .await
                }
                // The connection the jobs use: opening one checks the token (`GET /user`), and
                // a failure to open is counted there.
                Forge::Gitlab => match self.gitlab_connection(access).await {
                    Ok(connection) => connection.repositories_of(owner).await,
                    Err(e) => return Err(failed(&e)),
                },
            };
            self.api.calls.record(forge, &listed);
            listed
                .map(|v| v.into_iter().map(|r| r.to_lowercase()).collect())
                .map_err(|e| failed(&e))
        })
    }

    fn discovered(&self) -> Vec<(Forge, String)> {
        self.app
            .as_ref()
            .map(|app| {
                app.repositories()
                    .into_iter()
                    .map(|r| (Forge::Github, r))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The web address of a file on the branch (`{path}` left to fill), from the API root:
/// `https://api.github.com` → `https://github.com`, `https://ghe.example/api/v3` →
/// `https://ghe.example`, `https://gitlab.example/api/v4` → `https://gitlab.example`.
pub fn web_file_url(forge: Forge, api_url: &str, repo: &str, branch: &str) -> String {
    let api = api_url.trim_end_matches('/');
    match forge {
        Forge::Github => {
            let web = if api == "https://api.github.com" {
                "https://github.com".to_string()
            } else {
                api.strip_suffix("/api/v3").unwrap_or(api).to_string()
            };
            format!("{web}/{repo}/blob/{branch}/{{path}}")
        }
        Forge::Gitlab => {
            let web = api.strip_suffix("/api/v4").unwrap_or(api);
            format!("{web}/{repo}/-/blob/{branch}/{{path}}")
        }
    }
}

/// How long a rate limit asks to wait; without a reset time, a minute (GitHub's secondary
/// limits clear within that). `None` for any other failure.
fn rate_limit_wait(e: &TrackerError) -> Option<Duration> {
    match e {
        TrackerError::RateLimited { wait, .. } => Some(wait.unwrap_or(Duration::from_secs(60))),
        _ => None,
    }
}

/// One line per failure, saying what to fix; never the token.
fn explain(credential: &Credential, e: &TrackerError) -> String {
    let who = &credential.who;
    match e {
        TrackerError::Unauthorized(m) => {
            format!("{who} was rejected (401 {}): {}", m.trim(), credential.fix)
        }
        TrackerError::Forbidden(m) => format!(
            "{who} may not do this (403 {}): it needs {}",
            m.trim(),
            credential.scope
        ),
        TrackerError::NotFound(m) => format!(
            "not found (404 {}): check the repository name, and that {who} can see it ({})",
            m.trim(),
            credential.visibility
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_of_files() {
        assert_eq!(
            web_file_url(Forge::Github, "https://api.github.com/", "acme/svc", "main"),
            "https://github.com/acme/svc/blob/main/{path}"
        );
        assert_eq!(
            web_file_url(
                Forge::Github,
                "https://ghe.example/api/v3",
                "acme/svc",
                "main"
            ),
            "https://ghe.example/acme/svc/blob/main/{path}"
        );
        assert_eq!(
            web_file_url(
                Forge::Gitlab,
                "https://gitlab.example/api/v4",
                "g/s/p",
                "trunk"
            ),
            "https://gitlab.example/g/s/p/-/blob/trunk/{path}"
        );
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let a = Access {
            api_url: "http://127.0.0.1:1".into(),
            token: "ghp_secret123".into(),
        };
        assert!(!format!("{a:?}").contains("secret123"));
    }
}
