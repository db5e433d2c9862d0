//! The forges (GitHub, GitLab): issues behind the small async [`Tracker`] trait, files and
//! pull/merge requests behind [`publish::Publisher`], repository listings behind
//! [`browse::Browse`]; an adapter per forge (GitHub through `octocrab` in [`github`], GitLab
//! through the `gitlab` crate in [`gitlab`]), a tracker that only records what it would do
//! ([`dry_run`]), and [`client`], which connects either from options.
//!
//! Adapters do one request per call (plus pagination) and never retry: retries, pacing and
//! rate-limit waits live in [`paced`], where an ambiguous create can be checked against a
//! fresh listing before it is sent again.

pub mod app;
pub mod browse;
pub mod cache;
pub mod client;
pub mod dry_run;
pub mod github;
pub mod gitlab;
pub mod paced;
pub mod projects;
pub mod publish;

use std::time::Duration;

use chrono::NaiveDate;

use crate::identity::ItemKey;
use crate::plan::TrackedIssue;
use crate::render::safe::parse_marker;

/// Implements [`Tracker`], [`publish::Publisher`] and [`browse::Browse`] for a type that hands
/// every call on to a forge it wraps, so that the list of calls is written once.
/// `forward_forge!([generics] Type, call)` makes each method's body `call!(self, class, f =>
/// f.method(args).await)`: the wrapper's `call!` macro binds `f` to the wrapped forge and
/// runs the expression, and may treat each class of call its own way: `plain` (no request:
/// `describe`, `origin`), `read`, `listing(label)` (`list_issues`, a read a wrapper may keep
/// until the next write), `write` (changes the forge) and `branch` (`ensure_branch`, a write
/// only when it answers `true`). Used by [`client::Client`] (GitHub or GitLab) and by
/// the service's counting wrapper.
macro_rules! forward_forge {
    ([$($gen:tt)*] $ty:ty, $call:ident) => {
        impl<$($gen)*> $crate::forge::Tracker for $ty {
            fn describe(&self) -> String {
                $call!(self, plain, f => f.describe())
            }
            async fn list_issues(
                &self,
                label: &str,
            ) -> Result<Vec<$crate::plan::TrackedIssue>, $crate::forge::TrackerError> {
                $call!(self, listing(label), f => f.list_issues(label).await)
            }
            async fn create_issue(
                &self,
                issue: &$crate::forge::NewIssue,
            ) -> Result<$crate::plan::TrackedIssue, $crate::forge::TrackerError> {
                $call!(self, write, f => f.create_issue(issue).await)
            }
            // `close_issue`, `set_label` and `update_issue` are the trait's defaults over this.
            async fn edit_issue(
                &self,
                number: u64,
                edit: &$crate::forge::IssueEdit<'_>,
            ) -> Result<(), $crate::forge::TrackerError> {
                $call!(self, write, f => f.edit_issue(number, edit).await)
            }
            // Counted as a read: it writes only the labels that are missing.
            async fn ensure_labels(
                &self,
                labels: &[$crate::forge::LabelSpec],
            ) -> Result<(), $crate::forge::TrackerError> {
                $call!(self, read, f => f.ensure_labels(labels).await)
            }
            async fn ensure_milestone(&self, title: &str) -> Result<u64, $crate::forge::TrackerError> {
                $call!(self, read, f => f.ensure_milestone(title).await)
            }
            async fn resolve_user(
                &self,
                login: &str,
            ) -> Result<Option<String>, $crate::forge::TrackerError> {
                $call!(self, read, f => f.resolve_user(login).await)
            }
            async fn comment(&self, number: u64, body: &str) -> Result<(), $crate::forge::TrackerError> {
                $call!(self, write, f => f.comment(number, body).await)
            }
            async fn comments(&self, number: u64) -> Result<Vec<String>, $crate::forge::TrackerError> {
                $call!(self, read, f => f.comments(number).await)
            }
            fn take_pause(&self) -> Option<std::time::Duration> {
                $call!(self, plain, f => f.take_pause())
            }
            fn budget(&self) -> Option<$crate::forge::Budget> {
                $call!(self, plain, f => f.budget())
            }
        }

        impl<$($gen)*> $crate::forge::publish::Publisher for $ty {
            async fn default_branch(&self) -> Result<String, $crate::forge::TrackerError> {
                $call!(self, read, f => f.default_branch().await)
            }
            async fn read_file(
                &self,
                path: &str,
                branch: &str,
            ) -> Result<Option<$crate::forge::publish::RemoteFile>, $crate::forge::TrackerError> {
                $call!(self, read, f => f.read_file(path, branch).await)
            }
            async fn write_file(
                &self,
                write: &$crate::forge::publish::FileWrite<'_>,
            ) -> Result<String, $crate::forge::TrackerError> {
                $call!(self, write, f => f.write_file(write).await)
            }
            async fn ensure_branch(
                &self,
                branch: &str,
                from: &str,
            ) -> Result<bool, $crate::forge::TrackerError> {
                $call!(self, branch, f => f.ensure_branch(branch, from).await)
            }
            async fn upsert_change_request(
                &self,
                request: &$crate::forge::publish::RequestSpec<'_>,
            ) -> Result<$crate::forge::publish::ChangeRequest, $crate::forge::TrackerError> {
                $call!(self, write, f => f.upsert_change_request(request).await)
            }
        }

        impl<$($gen)*> $crate::forge::browse::Browse for $ty {
            fn origin(&self) -> String {
                $call!(self, plain, f => f.origin())
            }
            async fn list_files(
                &self,
                branch: &str,
            ) -> Result<Vec<$crate::forge::browse::RepoEntry>, $crate::forge::TrackerError> {
                $call!(self, read, f => f.list_files(branch).await)
            }
        }
    };
}
pub(crate) use forward_forge;

/// The forge a repository lives on, one name for it everywhere: the CI environment that runs
/// us, the forge a webhook delivery came from, the service's store and metrics, the
/// `--tracker` flag (where "no forge" is `Option::None`, see [`ForgeKind::parse_choice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForgeKind {
    /// github.com or GitHub Enterprise.
    Github,
    /// gitlab.com or a self-hosted GitLab.
    Gitlab,
}

impl ForgeKind {
    /// The stable name stored in the database and shown in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Github => "github",
            ForgeKind::Gitlab => "gitlab",
        }
    }

    /// The inverse of [`ForgeKind::as_str`].
    pub fn parse(s: &str) -> Option<ForgeKind> {
        match s {
            "github" => Some(ForgeKind::Github),
            "gitlab" => Some(ForgeKind::Gitlab),
            _ => None,
        }
    }

    /// The forge's name for people: `GitHub`, `GitLab`.
    pub fn name(self) -> &'static str {
        match self {
            ForgeKind::Github => "GitHub",
            ForgeKind::Gitlab => "GitLab",
        }
    }

    /// The environment variable the forge's token comes from.
    pub fn token_var(self) -> &'static str {
        match self {
            ForgeKind::Github => "GITHUB_TOKEN",
            ForgeKind::Gitlab => "GITLAB_TOKEN",
        }
    }

    /// The clap parser of a tracker choice: `github`, `gitlab`, or `none` (no forge: `None`).
    pub fn parse_choice() -> impl clap::builder::TypedValueParser<Value = Option<ForgeKind>> {
        use clap::builder::TypedValueParser as _;
        clap::builder::PossibleValuesParser::new(["github", "gitlab", "none"])
            .map(|s| ForgeKind::parse(&s))
    }
}

/// An issue to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    /// A user id from [`Tracker::resolve_user`].
    pub assignee: Option<String>,
    /// A milestone id from [`Tracker::ensure_milestone`].
    pub milestone: Option<u64>,
    /// GitLab's native due date (GitHub keeps it in the body).
    pub due: Option<NaiveDate>,
}

/// A label the tool applies, with the colour it gets when created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSpec {
    pub name: String,
    /// `RRGGBB`, no `#`.
    pub color: String,
    pub description: String,
}

/// A client that cannot be made from what it was given; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// A GitHub repository that is not `owner/name`.
    #[error("GitHub repository {0:?} is not OWNER/NAME (set GITHUB_REPOSITORY or --repo)")]
    Repository(String),
    /// An API root that is not a URL.
    #[error("{forge} API URL {url:?} is not a valid URL")]
    ApiUrl { forge: &'static str, url: String },
    /// The HTTP client could not start.
    #[error("cannot start the {forge} client: {message}")]
    Client {
        forge: &'static str,
        message: String,
    },
    /// The forge needs a token the environment does not have.
    #[error("no {0} in the environment")]
    NoToken(&'static str),
    /// No forge is configured.
    #[error("no tracker configured")]
    NoTracker,
    /// GitHub refused the App's id or key, or could not be asked; the message names the
    /// setting, never the key.
    #[error("{0}")]
    App(String),
}

/// Why a tracker call failed, classified for retries and for the user's message.
/// Messages never carry the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackerError {
    /// 401: the token is missing, wrong or expired.
    #[error("unauthorized (401): {0}")]
    Unauthorized(String),
    /// 403 that is not a rate limit: the token may not do this.
    #[error("forbidden (403): {0}")]
    Forbidden(String),
    /// 404 on the repository or project: missing, or invisible to the token.
    #[error("not found (404): {0}")]
    NotFound(String),
    /// 429, or GitHub's 403 rate limits: wait and try again.
    #[error("rate limited: {message}")]
    RateLimited {
        wait: Option<Duration>,
        message: String,
    },
    /// 5xx, a dropped connection or a timeout: the request may or may not have been applied.
    #[error("transient failure: {0}")]
    Transient(String),
    /// Any other answer (422 validation, 400): the request was not applied.
    #[error("rejected ({status}): {message}")]
    Rejected { status: u16, message: String },
}

impl TrackerError {
    /// Errors that no retry will fix and that stop the run.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized(_) | Self::Forbidden(_) | Self::NotFound(_)
        )
    }
}

/// What the sync needs from a tracker.
#[allow(async_fn_in_trait)]
pub trait Tracker {
    /// `GitHub acme/svc`, for messages.
    fn describe(&self) -> String;

    /// Every issue (open and closed) carrying `label`, all pages, 100 a page.
    async fn list_issues(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError>;

    /// Opens an issue. One request, never retried here.
    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError>;

    /// Changes one issue as `edit` says: its label, body and state. The one write to an
    /// existing issue each forge implements; [`Tracker::close_issue`],
    /// [`Tracker::set_label`] and [`Tracker::update_issue`] are made of it.
    async fn edit_issue(&self, number: u64, edit: &IssueEdit<'_>) -> Result<(), TrackerError>;

    /// Closes an issue for `why`; a duplicate also gets the label `duplicate`. Forges that
    /// record a reason (GitHub's `state_reason`) get the one `why` names.
    async fn close_issue(&self, number: u64, why: Closing) -> Result<(), TrackerError> {
        let duplicate = matches!(why, Closing::DuplicateOf(_));
        let edit = IssueEdit {
            label: duplicate.then_some((DUPLICATE_LABEL, true)),
            state: Some(StateChange::Close(why)),
            ..IssueEdit::default()
        };
        self.edit_issue(number, &edit).await
    }

    /// Creates the labels the repository does not have yet (one listing, then one create per
    /// missing label).
    async fn ensure_labels(&self, labels: &[LabelSpec]) -> Result<(), TrackerError>;

    /// The id of the milestone with this title, created when missing.
    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError>;

    /// The id to assign a user by (GitHub login, GitLab numeric id), or `None` when the
    /// forge has no such user. Cached per run.
    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError>;

    /// Adds a comment to an issue.
    async fn comment(&self, number: u64, body: &str) -> Result<(), TrackerError>;

    /// Adds (`present`) or removes a label on one issue. Removing a label the issue does not
    /// have is not an error.
    async fn set_label(&self, number: u64, label: &str, present: bool) -> Result<(), TrackerError> {
        let edit = IssueEdit {
            label: Some((label, present)),
            ..IssueEdit::default()
        };
        self.edit_issue(number, &edit).await
    }

    /// The bodies of an issue's comments, all pages, oldest first.
    async fn comments(&self, number: u64) -> Result<Vec<String>, TrackerError>;

    /// Replaces an issue's body (the follow-up's reminder state, the digest); with `reopen`,
    /// reopens it in the same request.
    async fn update_issue(
        &self,
        number: u64,
        body: &str,
        reopen: bool,
    ) -> Result<(), TrackerError> {
        let edit = IssueEdit {
            body: Some(body),
            state: reopen.then_some(StateChange::Reopen),
            ..IssueEdit::default()
        };
        self.edit_issue(number, &edit).await
    }

    /// The wait the forge asked for before the next request, read from the rate-limit
    /// headers of an earlier answer that said the budget is spent; given once, then `None`
    /// until another answer asks again. [`paced::Paced`] waits it out before its next request.
    fn take_pause(&self) -> Option<Duration> {
        None
    }

    /// What the forge's last answer said the token has left of its rate limit, when it
    /// said (GitHub's issue listing does: [`github`]); `None` otherwise.
    fn budget(&self) -> Option<Budget> {
        None
    }
}

/// A token's rate limit as an answer told it: requests left until `reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `x-ratelimit-remaining`.
    pub remaining: u64,
    /// `x-ratelimit-reset`: when the limit starts again.
    pub reset: chrono::DateTime<chrono::Utc>,
}

/// Why the tool closes an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Its item is done (the box is ticked): completed.
    Done,
    /// Its item was deleted from the postmortem (`close_removed`), or the postmortem says it
    /// will not be done: not planned.
    NotPlanned,
    /// Another issue tracks the same item: a duplicate of that one.
    DuplicateOf(u64),
}

/// A change to one issue (see [`Tracker::edit_issue`]); what is `None` is left as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueEdit<'a> {
    /// A label to add (`true`) or remove (`false`). Removing one the issue does not have is
    /// not an error.
    pub label: Option<(&'a str, bool)>,
    /// The new body.
    pub body: Option<&'a str>,
    /// Closed or reopened.
    pub state: Option<StateChange>,
}

/// An issue closed or reopened by [`IssueEdit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// Closed, for this reason.
    Close(Closing),
    /// Opened again.
    Reopen,
}

/// The label that marks an issue closed by the tool as a duplicate.
pub const DUPLICATE_LABEL: &str = "duplicate";

/// A [`TrackedIssue`] from what every forge gives: number, URL, title, state, body, labels.
pub fn tracked(
    number: u64,
    url: String,
    title: String,
    open: bool,
    body: Option<&str>,
    labels: &[String],
) -> TrackedIssue {
    let marker = body.and_then(parse_marker);
    let duplicate = !open
        && labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(DUPLICATE_LABEL));
    TrackedIssue {
        number,
        url,
        title,
        open,
        key: marker.as_ref().map(|(k, _)| ItemKey::new(k.as_str())),
        path: marker.map(|(_, p)| p),
        duplicate,
        due: body.and_then(body_due),
        labels: labels.to_vec(),
        body: body.map(str::to_string),
        ..TrackedIssue::default()
    }
}

/// The due date kept in an issue body the tool wrote: its `| Due | 2026-03-01 |` row (GitHub
/// issues have no due date of their own). A person may edit it there.
pub fn body_due(body: &str) -> Option<NaiveDate> {
    body.lines().find_map(|l| {
        let cells: Vec<&str> = l
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        match cells.as_slice() {
            [name, value] if name.eq_ignore_ascii_case("due") => {
                value.get(..10).and_then(|v| v.parse().ok())
            }
            _ => None,
        }
    })
}

/// Seconds from a `retry-after` header value (seconds form).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}
