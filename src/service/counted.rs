//! A forge adapter wrapped to count its calls for `/metrics`: every call of [`Tracker`],
//! [`Publisher`] and [`Browse`] by its outcome. A call is one API request, except the
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
use crate::forge::browse::{Browse, RepoEntry};
use crate::forge::publish::{ChangeRequest, Publisher, RemoteFile};
use crate::forge::{LabelSpec, NewIssue, Tracker, TrackerError};
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

impl<F: Tracker> Tracker for Counted<'_, F> {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn list_issues(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        if let Some((l, kept)) = &*self.listing.lock().unwrap_or_else(|e| e.into_inner()) {
            if l == label {
                return Ok(kept.clone());
            }
        }
        let listed = self.count(self.inner.list_issues(label).await)?;
        *self.listing.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((label.to_string(), listed.clone()));
        Ok(listed)
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        self.write(self.inner.create_issue(issue).await)
    }

    async fn close_issue(
        &self,
        number: u64,
        duplicate_of: Option<u64>,
    ) -> Result<(), TrackerError> {
        self.write(self.inner.close_issue(number, duplicate_of).await)
    }

    async fn ensure_labels(&self, labels: &[LabelSpec]) -> Result<(), TrackerError> {
        self.count(self.inner.ensure_labels(labels).await)
    }

    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError> {
        self.count(self.inner.ensure_milestone(title).await)
    }

    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError> {
        self.count(self.inner.resolve_user(login).await)
    }

    async fn comment(&self, number: u64, body: &str) -> Result<(), TrackerError> {
        self.write(self.inner.comment(number, body).await)
    }

    async fn set_label(&self, number: u64, label: &str, present: bool) -> Result<(), TrackerError> {
        self.write(self.inner.set_label(number, label, present).await)
    }

    async fn comments(&self, number: u64) -> Result<Vec<String>, TrackerError> {
        self.count(self.inner.comments(number).await)
    }
}

impl<F: Publisher> Publisher for Counted<'_, F> {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        self.count(self.inner.default_branch().await)
    }

    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        self.count(self.inner.read_file(path, branch).await)
    }

    async fn write_file(
        &self,
        path: &str,
        branch: &str,
        text: &str,
        version: &str,
        message: &str,
    ) -> Result<(), TrackerError> {
        self.write(
            self.inner
                .write_file(path, branch, text, version, message)
                .await,
        )
    }

    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError> {
        // `true`: the branch was created.
        let r = self.inner.ensure_branch(branch, from).await;
        if matches!(r, Ok(true)) {
            JobCalls::add(|j| &j.writes);
        }
        self.count(r)
    }

    async fn upsert_change_request(
        &self,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, TrackerError> {
        self.write(
            self.inner
                .upsert_change_request(head, base, title, body)
                .await,
        )
    }
}

impl<F: Browse> Browse for Counted<'_, F> {
    fn origin(&self) -> String {
        self.inner.origin()
    }

    async fn list_files(&self, branch: &str) -> Result<Vec<RepoEntry>, TrackerError> {
        self.count(self.inner.list_files(branch).await)
    }
}
