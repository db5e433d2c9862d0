//! The `serve` service: webhooks in, a durable queue of repositories to reconcile, workers out.
//!
//! A delivery is answered as soon as its mark is committed (202); the work happens later, one
//! job at a time per repository, several repositories at once. Where each part lives:
//!
//! - [`webhook`] (pure): authenticates a delivery and turns it into a [`webhook::Mark`].
//! - [`store`] (SQLite, or PostgreSQL for several replicas): deduplicates deliveries, keeps the
//!   level-triggered job queue with leased claims, the run history and the items index.
//! - `http/`: the router and the endpoints (webhooks, dashboard and exports, jobs, metrics,
//!   health).
//! - `workers.rs`: claim a job, run it through the [`Runner`], record its end.
//! - `scheduler.rs`: the cron schedule's follow-ups; `pruner.rs`: old delivery ids forgotten.
//! - [`runner`]: the [`Runner`] that reconciles a repository through its forge's API.
//! - [`index`] (pure): the items across repositories, filters, CSV; [`dashboard`] (pure): the
//!   page's view model, SVG charts and template; [`metrics`]: the Prometheus text.
//! - [`settings`]: [`Settings`] and [`Secrets`]; [`watch_list`]: which repositories to act on.
//! - [`logs`]: the log on stderr (`tracing`, JSON lines or text, `RUST_LOG`); [`counted`]:
//!   the forge calls counted for `/metrics` and for each job's log line.
//! - This file: [`serve`], which starts the parts and stops them, and the [`Runner`] seam.

pub mod counted;
pub mod dashboard;
mod http;
pub mod index;
pub mod logs;
pub mod metrics;
mod pruner;
pub mod runner;
pub mod scheduler;
pub mod settings;
pub mod store;
pub mod watch_list;
pub mod webhook;
mod workers;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

pub use scheduler::parse_schedule;
pub use settings::{Secrets, Settings};
pub use watch_list::{is_watched, parse_repository};

use store::{Job, Store, StoreError};
use webhook::Forge;

/// A boxed future, so that [`Runner`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a job did not end done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// It failed: the message goes to the run history (never a token).
    Failed(String),
    /// It met a rate limit longer than it may wait: it goes back to the queue, to run again
    /// once `wait` has passed (after the limit's reset), and is not counted as failed.
    Later {
        /// What limited it.
        message: String,
        /// How long until the limit resets.
        wait: std::time::Duration,
    },
}

impl From<String> for JobError {
    fn from(message: String) -> JobError {
        JobError::Failed(message)
    }
}

/// How a job ended.
pub type JobResult = Result<(), JobError>;

/// Does the work of one job: reconcile one repository (sync or follow-up). Must be idempotent:
/// after a crash a job may run again.
pub trait Runner: Send + Sync + 'static {
    /// Reconciles `job.mark.repo` for `job.mark.reason`.
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, JobResult>;

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

    /// Repositories the runner learnt of itself (a GitHub App's installations), covered by
    /// the schedule when no watch list is configured.
    fn discovered(&self) -> Vec<(Forge, String)> {
        Vec::new()
    }
}

/// The HTTP server stopped on an error.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP server failed: {0}")]
pub struct ServeError(std::io::Error);

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) store: Arc<Store>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) metrics: Arc<metrics::Metrics>,
    pub(crate) wake: Arc<Notify>,
}

impl App {
    /// Runs `f` on the store off the async threads (every store call is a short blocking
    /// SQLite transaction). A panic in `f` is an error too.
    pub(crate) async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or_else(|e| Err(StoreError::Task(e.to_string())))
    }
}

/// Runs the service on `listener` until `shutdown` completes: stops accepting, gives running
/// jobs [`Settings::shutdown_grace`] to finish (the rest go back to the queue), then returns.
/// Jobs still queued stay in the store. Any number of processes may serve one PostgreSQL
/// store at once: they share its queue and schedule.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    store: Arc<Store>,
    runner: Arc<dyn Runner>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = App {
        store,
        settings: Arc::new(settings),
        metrics: Arc::default(),
        wake: Arc::new(Notify::new()),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers: Vec<_> = (0..app.settings.workers.max(1))
        .map(|_| {
            tokio::spawn(workers::worker(
                app.clone(),
                runner.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();
    let scheduler = app.settings.schedule.clone().map(|s| {
        tokio::spawn(scheduler::scheduler(
            app.clone(),
            runner.clone(),
            s,
            stop_rx.clone(),
        ))
    });
    let pruner = tokio::spawn(pruner::pruner(app.clone(), stop_rx.clone()));
    let router = http::router(app.clone());
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    app.wake.notify_waiters();
    for w in workers.into_iter().chain(scheduler).chain([pruner]) {
        let _ = w.await;
    }
    result.map_err(ServeError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_store_call_that_panics_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let app = App {
            store: Arc::new(Store::open(&dir.path().join("db.sqlite")).unwrap()),
            settings: Arc::default(),
            metrics: Arc::default(),
            wake: Arc::new(Notify::new()),
        };
        let e = app
            .store(|_| -> Result<(), StoreError> { panic!("a bug in a store call") })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Task(_)), "{e:?}");
        assert!(e.to_string().starts_with("the store call failed: "), "{e}");
        // The store still answers.
        assert_eq!(app.store(|s| s.depth()).await.unwrap().queued, 0);
    }
}
