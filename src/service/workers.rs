//! The workers: each claims the next job from the queue, runs it through the [`Runner`] while
//! renewing its lease, and records how it ended (done, failed, or put off by a rate limit); at
//! shutdown a running job gets a grace period, then is abandoned and put back in the queue
//! (another replica, or the next start, runs it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use tokio::sync::watch;
use tracing::Instrument as _;

use super::counted::JobCalls;
use super::store::{Job, StoreError};
use super::{App, JobError, Runner};

/// The settings' lease as the store counts it.
fn lease(app: &App) -> TimeDelta {
    TimeDelta::from_std(app.settings.lease).unwrap_or(TimeDelta::seconds(60))
}

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
        let lease = lease(&app);
        match app.store(move |s| s.claim(Utc::now(), lease)).await {
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
/// the job is put back in the queue (or, if that fails, left to its lease).
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
    let stopped = stopped_then(stop.clone(), app.settings.shutdown_grace);
    tokio::pin!(stopped);
    // The lease is renewed at a third of its length: two renewals may fail (a database
    // hiccup) before another replica may take the job.
    let mut renewal =
        tokio::time::interval((app.settings.lease / 3).max(Duration::from_millis(10)));
    renewal.tick().await;
    let outcome = loop {
        tokio::select! {
            res = &mut task => {
                break res.unwrap_or_else(|e| Err(format!("the runner failed: {e}").into()));
            }
            _ = &mut stopped => {
                task.abort();
                job_event!(warn, "job still running at shutdown: abandoned and put back in the queue");
                let j = job.clone();
                if let Err(e) = app
                    .store(move |s| s.defer(&j, Utc::now(), "abandoned at a shutdown", Utc::now()))
                    .await
                {
                    job_event!(warn, error = %e, "cannot put the job back: it runs again when its lease runs out");
                }
                return false;
            }
            _ = renewal.tick() => {
                let (j, until) = (job.clone(), Utc::now() + lease(app));
                match app.store(move |s| s.renew(&j, until)).await {
                    Ok(()) => {}
                    Err(StoreError::NotRunning(_)) => {
                        // Its lease ran out and another worker runs it now: two runs of one
                        // repository at once must not go on.
                        task.abort();
                        job_event!(warn, "job lost its lease (another worker runs it now): stopped");
                        return true;
                    }
                    Err(e) => job_event!(warn, error = %e, "cannot renew the job's lease"),
                }
            }
        }
    };
    let took = started.elapsed();
    let (requests, writes) = calls.counts();
    let duration_ms = took.as_millis() as u64;
    let now = Utc::now();
    // Counted once the store has it: a replica killed in between never shows a run its
    // store does not hold.
    let (recorded, counted) = match outcome {
        Ok(()) => {
            job_event!(
                info,
                requests,
                writes,
                duration_ms,
                outcome = "done",
                "job done"
            );
            let j = job.clone();
            (
                app.store(move |s| s.finish(&j, Ok(()), now)).await,
                Some("done"),
            )
        }
        Err(JobError::Failed(e)) => {
            job_event!(
                warn,
                requests,
                writes,
                duration_ms,
                outcome = "failed",
                error = %e,
                "job failed"
            );
            let j = job.clone();
            (
                app.store(move |s| s.finish(&j, Err(e), now)).await,
                Some("failed"),
            )
        }
        Err(JobError::Later { message, wait }) => {
            // A second past the reset: a limit counted in whole seconds has surely reset.
            let not_before = now
                + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1))
                + TimeDelta::seconds(1);
            job_event!(
                info,
                requests,
                writes,
                duration_ms,
                outcome = "deferred",
                not_before = %not_before.to_rfc3339(),
                error = %message,
                "job put off until the rate limit resets"
            );
            let j = job.clone();
            (
                app.store(move |s| s.defer(&j, not_before, &message, now))
                    .await,
                None,
            )
        }
    };
    if let Some(result) = counted {
        app.metrics.run(result, job.mark.reason, took);
    }
    if let Err(e) = recorded {
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
