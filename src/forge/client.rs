//! One place that connects a forge client from resolved options: [`Client`] is GitHub or
//! GitLab behind the same traits ([`Tracker`], [`Publisher`], [`Browse`]), so callers write
//! their job once instead of once per forge.

use std::time::Duration;

use super::browse::{Browse, RepoEntry};
use super::github::GitHub;
use super::gitlab::GitLab;
use super::publish::{ChangeRequest, Publisher, RemoteFile};
use super::{LabelSpec, NewIssue, Tracker, TrackerError};
use crate::plan::TrackedIssue;

/// Which forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Github,
    Gitlab,
    None,
}

/// Where to talk, resolved from flags, configuration and environment (in that order).
#[derive(Clone, PartialEq, Eq)]
pub struct Remote {
    pub kind: Kind,
    pub repo: String,
    pub api_url: String,
    /// The token, when the environment has one. Never printed.
    pub token: Option<String>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("kind", &self.kind)
            .field("repo", &self.repo)
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Remote {
    /// The environment variable the token comes from.
    pub fn token_var(&self) -> &'static str {
        match self.kind {
            Kind::Gitlab => "GITLAB_TOKEN",
            _ => "GITHUB_TOKEN",
        }
    }

    /// The forge's name for people: `GitHub`, `GitLab`.
    pub fn forge(&self) -> &'static str {
        match self.kind {
            Kind::Gitlab => "GitLab",
            _ => "GitHub",
        }
    }
}

/// A connected forge.
pub enum Client {
    GitHub(GitHub),
    GitLab(GitLab),
}

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The options cannot name a client (a malformed `owner/name`, no tracker, no token).
    #[error("{0}")]
    Setup(String),
    /// The forge refused (GitLab checks the token on connecting).
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl Client {
    /// Connects to the forge `remote` names, with `timeout` per request. GitHub works without
    /// a token (public repositories, read only); GitLab needs one.
    pub async fn connect(remote: &Remote, timeout: Duration) -> Result<Client, ConnectError> {
        match (remote.kind, remote.token.as_deref()) {
            (Kind::Github, token) => GitHub::new(&remote.api_url, &remote.repo, token, timeout)
                .map(Client::GitHub)
                .map_err(ConnectError::Setup),
            (Kind::Gitlab, Some(token)) => Ok(Client::GitLab(
                GitLab::connect_with_timeout(&remote.api_url, &remote.repo, token, timeout).await?,
            )),
            (Kind::Gitlab, None) => Err(ConnectError::Setup(format!(
                "no {} in the environment",
                remote.token_var()
            ))),
            (Kind::None, _) => Err(ConnectError::Setup("no tracker configured".into())),
        }
    }
}

/// `$body` with `$c` bound to the inner client, whichever forge it is.
macro_rules! each {
    ($self:ident, $c:ident => $body:expr) => {
        match $self {
            Client::GitHub($c) => $body,
            Client::GitLab($c) => $body,
        }
    };
}

impl Tracker for Client {
    fn describe(&self) -> String {
        each!(self, c => c.describe())
    }
    async fn list_issues(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        each!(self, c => c.list_issues(label).await)
    }
    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        each!(self, c => c.create_issue(issue).await)
    }
    async fn close_issue(
        &self,
        number: u64,
        duplicate_of: Option<u64>,
    ) -> Result<(), TrackerError> {
        each!(self, c => c.close_issue(number, duplicate_of).await)
    }
    async fn ensure_labels(&self, labels: &[LabelSpec]) -> Result<(), TrackerError> {
        each!(self, c => c.ensure_labels(labels).await)
    }
    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError> {
        each!(self, c => c.ensure_milestone(title).await)
    }
    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError> {
        each!(self, c => c.resolve_user(login).await)
    }
    async fn comment(&self, number: u64, body: &str) -> Result<(), TrackerError> {
        each!(self, c => c.comment(number, body).await)
    }
    async fn set_label(&self, number: u64, label: &str, present: bool) -> Result<(), TrackerError> {
        each!(self, c => c.set_label(number, label, present).await)
    }
    async fn comments(&self, number: u64) -> Result<Vec<String>, TrackerError> {
        each!(self, c => c.comments(number).await)
    }
}

impl Publisher for Client {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        each!(self, c => c.default_branch().await)
    }
    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        each!(self, c => c.read_file(path, branch).await)
    }
    async fn write_file(
        &self,
        path: &str,
        branch: &str,
        text: &str,
        version: &str,
        message: &str,
    ) -> Result<(), TrackerError> {
        each!(self, c => c.write_file(path, branch, text, version, message).await)
    }
    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError> {
        each!(self, c => c.ensure_branch(branch, from).await)
    }
    async fn upsert_change_request(
        &self,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, TrackerError> {
        each!(self, c => c.upsert_change_request(head, base, title, body).await)
    }
}

impl Browse for Client {
    fn origin(&self) -> String {
        each!(self, c => c.origin())
    }
    async fn list_files(&self, branch: &str) -> Result<Vec<RepoEntry>, TrackerError> {
        each!(self, c => c.list_files(branch).await)
    }
}
