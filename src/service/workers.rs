//! The workers: each claims the next job from the queue, runs it through the [`Runner`] and
//! records how it ended; at shutdown a running job gets a grace period, then is abandoned (it
//! runs again at the next start).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::{App, Runner};

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

/// Completes `grace` after the stop signal.
async fn stopped_then(mut stop: watch::Receiver<bool>, grace: Duration) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    tokio::time::sleep(grace).await;
}
