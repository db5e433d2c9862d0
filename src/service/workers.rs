//! The workers: each claims the next job from the queue, runs it through the [`Runner`] and
//! records how it ended; at shutdown a running job gets a grace period, then is abandoned (it
//! runs again at the next start).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::watch;
use tracing::Instrument as _;

use super::counted::JobCalls;
use super::store::Job;
use super::{App, Runner};

/// One worker: claims jobs until the service stops.
pub(super) async fn worker(app: App, runner: Arc<dyn Runner>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        // Registered (enabled) before looking at the queue, so that a mark committed while we
        // look still wakes us; the poll interval is only a backstop.
        let woken = app.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        match app.store(|s| s.claim(Utc::now())).await {
            Ok(Some(job)) => {
                if !run(&app, &runner, job, &stop).await {
                    return;
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the job queue"),
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(app.settings.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs one claimed job, logs it (repository, reason, the forge requests and writes it made,
/// its outcome) and records its end. `false` when the service stopped before the job ended:
/// the job is left `running`, and the next start queues it again.
async fn run(app: &App, runner: &Arc<dyn Runner>, job: Job, stop: &watch::Receiver<bool>) -> bool {
    let (id, forge, repository, reason) = (
        job.id,
        job.mark.forge.as_str(),
        job.mark.repo.as_str(),
        job.mark.reason.as_str(),
    );
    // Whatever the runner logs while it works carries the job's fields too.
    let span = tracing::info_span!("job", id, forge, repository, reason);
    // An event about the job, its fields at the top level (where log queries look first).
    macro_rules! job_event {
        ($level:ident, $($rest:tt)*) => {
            tracing::$level!(parent: &span, job = id, forge, repository, reason, $($rest)*)
        };
    }
    job_event!(
        info,
        attempt = job.attempts,
        marks = job.marks,
        "job started"
    );
    let calls = Arc::new(JobCalls::default());
    // In its own task so that a panicking runner fails its job, not the worker.
    let (r, j) = (runner.clone(), job.clone());
    let started = Instant::now();
    let mut task = tokio::spawn(
        JobCalls::scope(calls.clone(), async move { r.run(&j).await }).instrument(span.clone()),
    );
    let outcome = tokio::select! {
        res = &mut task => res.unwrap_or_else(|e| Err(format!("the runner failed: {e}"))),
        _ = stopped_then(stop.clone(), app.settings.shutdown_grace) => {
            task.abort();
            job_event!(warn, "job still running at shutdown: abandoned, it runs again at the next start");
            return false;
        }
    };
    let took = started.elapsed();
    app.metrics.run(
        if outcome.is_ok() { "done" } else { "failed" },
        job.mark.reason,
        took,
    );
    let (requests, writes) = calls.counts();
    let duration_ms = took.as_millis() as u64;
    match &outcome {
        Ok(()) => job_event!(
            info,
            requests,
            writes,
            duration_ms,
            outcome = "done",
            "job done"
        ),
        Err(e) => job_event!(
            warn,
            requests,
            writes,
            duration_ms,
            outcome = "failed",
            error = %e,
            "job failed"
        ),
    }
    if let Err(e) = app.store(move |s| s.finish(id, outcome, Utc::now())).await {
        job_event!(error, error = %e, "cannot record the end of the job");
    }
    true
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
