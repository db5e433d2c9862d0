//! The one place that paces requests to a forge and waits out its limits: at least
//! [`Pacing::min_write_interval`] between writes, rate limits waited out as the forge asks (up
//! to [`Pacing::max_wait`]), transient failures retried with backoff. Waiting goes through an
//! injected [`Sleeper`], so the code above it does no sleeping of its own and tests see every
//! wait.

use std::future::Future;
use std::time::{Duration, Instant};

use super::{Tracker, TrackerError};
use crate::plan::TrackedIssue;

/// Waits. The real one sleeps; tests record the waits asked for.
#[allow(async_fn_in_trait)]
pub trait Sleeper {
    async fn sleep(&self, d: Duration);
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

/// How fast and how patiently to talk to the tracker.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// The least time between two writes (GitHub asks for about one second between
    /// content-creating requests).
    pub min_write_interval: Duration,
    /// The longest rate-limit wait the run accepts; a longer one stops the run.
    pub max_wait: Duration,
    /// The wait before retrying a transient failure (doubled each time, capped at 30 s).
    pub retry_delay: Duration,
    /// Attempts per request before giving up.
    pub max_attempts: usize,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            min_write_interval: Duration::from_secs(1),
            max_wait: Duration::from_secs(15 * 60),
            retry_delay: Duration::from_secs(1),
            max_attempts: 6,
        }
    }
}

/// A tracker behind pacing and patience.
pub struct Paced<'a, T, S> {
    tracker: &'a T,
    sleeper: &'a S,
    pacing: &'a Pacing,
    // A Mutex, not a Cell, so that a sync can run on a multi-threaded runtime (the service).
    last_write: std::sync::Mutex<Option<Instant>>,
}

impl<'a, T: Tracker, S: Sleeper> Paced<'a, T, S> {
    /// `tracker`, paced and made patient by `pacing`, waiting with `sleeper`.
    pub fn new(tracker: &'a T, sleeper: &'a S, pacing: &'a Pacing) -> Self {
        Paced {
            tracker,
            sleeper,
            pacing,
            last_write: std::sync::Mutex::new(None),
        }
    }

    /// The tracker, for a call that must not be retried (a comment, a create).
    pub fn tracker(&self) -> &'a T {
        self.tracker
    }

    /// The pacing in force.
    pub fn pacing(&self) -> &'a Pacing {
        self.pacing
    }

    /// Waits out a pause the forge asked for in an earlier answer's rate-limit headers
    /// ([`Tracker::take_pause`]), at most [`Pacing::max_wait`]: a longer limit is met by the
    /// next request's refusal, which [`Paced::retrying`] handles.
    pub async fn heed(&self) {
        if let Some(wait) = self.tracker.take_pause() {
            self.sleeper.sleep(wait.min(self.pacing.max_wait)).await;
        }
    }

    /// Waits out any pause the forge asked for ([`Paced::heed`]), then until the least
    /// interval since the last write has passed, and counts this one.
    pub async fn pace(&self) {
        self.heed().await;
        let last = *self.last_write.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = last {
            let since = last.elapsed();
            if since < self.pacing.min_write_interval {
                self.sleeper
                    .sleep(self.pacing.min_write_interval - since)
                    .await;
            }
        }
        *self.last_write.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// Waits out a rate limit (`wait`, else a minute); an error when it is longer than the
    /// pacing allows.
    pub async fn wait_out(
        &self,
        wait: Option<Duration>,
        message: &str,
    ) -> Result<(), TrackerError> {
        let wait = wait.unwrap_or(Duration::from_secs(60));
        if wait > self.pacing.max_wait {
            return Err(TrackerError::RateLimited {
                wait: Some(wait),
                message: format!(
                    "{message}; the tracker asks to wait {} s, more than the {} s allowed (sync.max_wait_secs)",
                    wait.as_secs(),
                    self.pacing.max_wait.as_secs()
                ),
            });
        }
        self.sleeper.sleep(wait).await;
        Ok(())
    }

    /// Waits before retry `attempt` of a transient failure (doubling, at most 30 s).
    pub async fn backoff(&self, attempt: usize) {
        let d = self.pacing.retry_delay * 2u32.saturating_pow(attempt.min(5) as u32);
        self.sleeper.sleep(d.min(Duration::from_secs(30))).await;
    }

    /// Runs an idempotent request (a read, or a write that is safe to repeat), waiting out
    /// rate limits and retrying transient failures.
    pub async fn retrying<R, F, Fut>(&self, write: bool, mut f: F) -> Result<R, TrackerError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<R, TrackerError>>,
    {
        let mut attempt = 0;
        loop {
            if write {
                self.pace().await;
            } else {
                self.heed().await;
            }
            let err = match f().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            attempt += 1;
            if attempt >= self.pacing.max_attempts {
                return Err(err);
            }
            match err {
                TrackerError::RateLimited { wait, message } => {
                    self.wait_out(wait, &message).await?
                }
                TrackerError::Transient(_) => self.backoff(attempt).await,
                other => return Err(other),
            }
        }
    }

    /// The tool's issues (one paginated listing), patiently.
    pub async fn list(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        self.retrying(false, || self.tracker.list_issues(label))
            .await
    }
}
