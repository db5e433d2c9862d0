//! A forge adapter wrapped to count its calls for `/metrics`: every call of [`Tracker`],
//! [`Publisher`], [`Browse`] and [`GraphQl`] (GitHub Projects) by its outcome. A call is one API request, except the
//! listings (issues, comments, files), which count once however many pages they read.
//!
//! The same calls are also counted per job ([`JobCalls`]), for the job's log line: the
//! worker runs each job inside [`JobCalls::scope`], so the counts need no change to the
//! runner's signature and never mix two jobs running at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::webhook::Forge;
use crate::forge::browse::Browse;
use crate::forge::projects::{GraphQl, Response};
use crate::forge::{Tracker, TrackerError};
use crate::plan::TrackedIssue;

/// Calls by (forge, outcome): `ok`, `rate_limited`, `error`.
#[derive(Debug, Default)]
pub struct CallCounts(Mutex<BTreeMap<(&'static str, &'static str), u64>>);

impl CallCounts {
    /// Counts one call's outcome.
    pub fn record<T>(&self, forge: Forge, result: &Result<T, TrackerError>) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(TrackerError::RateLimited { .. }) => "rate_limited",
            Err(_) => "error",
        };
        let mut c = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *c.entry((forge.as_str(), outcome)).or_default() += 1;
        JobCalls::add(|j| &j.requests);
    }

    /// A snapshot of the counts.
    pub fn snapshot(&self) -> BTreeMap<(&'static str, &'static str), u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The forge calls of one job: requests (every call, as `/metrics` counts them) and writes
/// (the calls that change the forge: issues created and closed, comments, labels set, files
/// committed, branches created, pull/merge requests opened or updated; `ensure_labels` and
/// `ensure_milestone` count as requests only, since they write only what is missing).
#[derive(Debug, Default)]
pub struct JobCalls {
    requests: AtomicU64,
    writes: AtomicU64,
}

tokio::task_local! {
    static JOB_CALLS: Arc<JobCalls>;
}

impl JobCalls {
    /// Runs `job`, counting the calls made inside it (in its task) into `calls`.
    pub async fn scope<T>(calls: Arc<JobCalls>, job: impl Future<Output = T>) -> T {
        JOB_CALLS.scope(calls, job).await
    }

    /// (requests, writes) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }

    /// Adds one to a counter of the current job, if there is one.
    fn add(counter: impl FnOnce(&JobCalls) -> &AtomicU64) {
        let _ = JOB_CALLS.try_with(|j| counter(j).fetch_add(1, Ordering::Relaxed));
    }
}

/// `inner`, counting every call into `counts`.
pub struct Counted<'a, F> {
    pub inner: &'a F,
    pub forge: Forge,
    pub counts: &'a CallCounts,
    /// The last issue listing, by label, until the job writes to an issue: the sync and the
    /// follow-up of one job share one listing when the sync changed nothing.
    pub listing: Mutex<Option<(String, Vec<TrackedIssue>)>>,
}

impl<'a, F> Counted<'a, F> {
    /// Counts `inner`'s calls into `counts`.
    pub fn new(inner: &'a F, forge: Forge, counts: &'a CallCounts) -> Self {
        Counted {
            inner,
            forge,
            counts,
            listing: Mutex::new(None),
        }
    }
}

impl<F> Counted<'_, F> {
    fn count<T>(&self, r: Result<T, TrackerError>) -> Result<T, TrackerError> {
        self.counts.record(self.forge, &r);
        r
    }

    /// A call that changes the forge: counted, and a write of the job when it succeeded. Any
    /// write, even a failed one (it may have been applied), makes the kept listing stale.
    fn write<T>(&self, r: Result<T, TrackerError>) -> Result<T, TrackerError> {
        *self.listing.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if r.is_ok() {
            JobCalls::add(|j| &j.writes);
        }
        self.count(r)
    }
}

/// `$e` with `$f` bound to the wrapped forge, its result counted by the class of call (see
/// [`crate::forge::forward_forge`]).
macro_rules! counted {
    ($self:ident, plain, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        $e
    }};
    ($self:ident, read, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        $self.count($e)
    }};
    ($self:ident, listing($label:expr), $f:ident => $e:expr) => {{
        let kept = $self
            .listing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match kept {
            Some((l, issues)) if l == $label => Ok(issues),
            _ => {
                let $f = $self.inner;
                let listed = $self.count($e);
                if let Ok(issues) = &listed {
                    *$self.listing.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(($label.to_string(), issues.clone()));
                }
                listed
            }
        }
    }};
    ($self:ident, write, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        $self.write($e)
    }};
    ($self:ident, branch, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        let r = $e;
        // `true`: the branch was created.
        if matches!(r, Ok(true)) {
            JobCalls::add(|j| &j.writes);
        }
        $self.count(r)
    }};
}

crate::forge::forward_forge!([F: Tracker + Browse] Counted<'_, F>, counted);

/// GitHub Projects' GraphQL requests, counted as the REST calls are: one request each, a
/// write when it is a mutation that succeeded. A project write changes no issue, so the kept
/// listing stays.
impl<F: GraphQl> GraphQl for Counted<'_, F> {
    async fn graphql(
        &self,
        body: &serde_json::Value,
        write: bool,
    ) -> Result<Response, TrackerError> {
        let r = self.inner.graphql(body, write).await;
        if write && r.is_ok() {
            JobCalls::add(|j| &j.writes);
        }
        self.count(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A GraphQL endpoint that answers every request, except one asking to fail.
    struct Endpoint;

    impl GraphQl for Endpoint {
        async fn graphql(
            &self,
            body: &serde_json::Value,
            _write: bool,
        ) -> Result<Response, TrackerError> {
            if body["fail"] == true {
                return Err(TrackerError::Transient("connection reset".into()));
            }
            Ok(Response {
                json: json!({ "data": {} }),
                reset_in: None,
            })
        }
    }

    #[tokio::test]
    async fn graphql_requests_are_the_jobs_requests_and_its_mutations_writes() {
        let counts = CallCounts::default();
        let counted = Counted::new(&Endpoint, Forge::Github, &counts);
        let calls = Arc::new(JobCalls::default());
        JobCalls::scope(calls.clone(), async {
            let query = json!({ "query": "query PostmortemTrackerProject { x }" });
            counted.graphql(&query, false).await.unwrap();
            let mutation = json!({ "query": "mutation PostmortemTrackerAddItems { x }" });
            counted.graphql(&mutation, true).await.unwrap();
            let failed = json!({ "fail": true });
            counted.graphql(&failed, true).await.unwrap_err();
        })
        .await;
        assert_eq!(calls.counts(), (3, 1), "(requests, writes) of the job");
        assert_eq!(
            counts.snapshot(),
            BTreeMap::from([(("github", "error"), 1), (("github", "ok"), 2)])
        );
    }
}
