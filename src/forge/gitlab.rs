//! GitLab through the `gitlab` crate's async client (the blocking one panics when dropped
//! inside tokio). The crate does not retry; 429 comes back as an error with `retry_after`.

use std::borrow::Cow;
use std::time::Duration;

use gitlab::api::projects::issues as gl_issues;
use gitlab::api::{self, AsyncQuery, Pagination};
use gitlab::{AsyncGitlab, GitlabBuilder};
use serde::Deserialize;

use super::browse::{Browse, RepoEntry, SYMLINK_MODE};
use super::publish::{
    blob_id, decode_content, same_text, ChangeRequest, FileWrite, Publisher, RemoteFile,
    RequestSpec,
};
use super::{tracked, IssueEdit, LabelSpec, NewIssue, StateChange, Tracker, TrackerError};
use crate::plan::TrackedIssue;

/// A GitLab project's issues.
pub struct GitLab {
    client: RateLimitAware,
    project: String,
    labels: super::cache::Labels,
    milestones: super::cache::Named,
    users: super::cache::Users,
}

#[derive(Debug, Deserialize)]
struct Issue {
    iid: u64,
    title: String,
    state: String,
    description: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    web_url: String,
    #[serde(default)]
    due_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    assignees: Vec<IssueUser>,
    #[serde(default)]
    assignee: Option<IssueUser>,
    #[serde(default)]
    milestone: Option<IssueMilestone>,
    #[serde(default)]
    closed_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Comments by people (and the tool), system notes left out.
    #[serde(default)]
    user_notes_count: u64,
}

#[derive(Debug, Deserialize)]
struct IssueUser {
    username: String,
}

#[derive(Debug, Deserialize)]
struct IssueMilestone {
    #[serde(default)]
    due_date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct Note {
    body: String,
    #[serde(default)]
    system: bool,
}

#[derive(Debug, Deserialize)]
struct Label {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Milestone {
    id: u64,
    title: String,
}

#[derive(Debug, Deserialize)]
struct User {
    id: u64,
    username: String,
}

/// `GET /projects/:id/milestones` (the crate has no endpoint for it).
struct ProjectMilestones<'a> {
    project: &'a str,
}

impl api::Endpoint for ProjectMilestones<'_> {
    fn method(&self) -> http::Method {
        http::Method::GET
    }
    fn endpoint(&self) -> Cow<'static, str> {
        format!(
            "projects/{}/milestones",
            api::common::path_escaped(self.project)
        )
        .into()
    }
}
impl api::Pageable for ProjectMilestones<'_> {}

/// Classifies an error of the `gitlab` crate.
pub fn api_error<E: std::error::Error + Send + Sync + 'static>(
    e: api::ApiError<E>,
) -> TrackerError {
    let (status, message) = match &e {
        api::ApiError::GitlabRateLimited { retry_after, .. } => {
            return TrackerError::RateLimited {
                wait: Some(*retry_after),
                message: "GitLab answered 429 Too Many Requests".into(),
            }
        }
        api::ApiError::GitlabWithStatus { status, msg } => (status.as_u16(), msg.clone()),
        api::ApiError::GitlabObjectWithStatus { status, obj }
        | api::ApiError::GitlabUnrecognizedWithStatus { status, obj } => {
            (status.as_u16(), obj.to_string())
        }
        api::ApiError::GitlabService { status, .. } => {
            (status.as_u16(), format!("GitLab answered {status}"))
        }
        other => return TrackerError::Transient(other.to_string()),
    };
    match status {
        401 => TrackerError::Unauthorized(message),
        403 => TrackerError::Forbidden(message),
        408 => TrackerError::Transient(message),
        404 => TrackerError::NotFound(message),
        429 => TrackerError::RateLimited {
            wait: None,
            message,
        },
        500..=599 => TrackerError::Transient(format!("GitLab answered {status}")),
        _ => TrackerError::Rejected { status, message },
    }
}

impl GitLab {
    /// Connects to the API at `api_url` (`https://gitlab.example.com/api/v4`, or plain
    /// `http://127.0.0.1:PORT`), for `project` (`group/project` or a numeric id). Building the
    /// client checks the token (`GET /user`).
    pub async fn connect(
        api_url: &str,
        project: &str,
        token: &str,
    ) -> Result<GitLab, TrackerError> {
        GitLab::connect_with_timeout(api_url, project, token, DEFAULT_TIMEOUT).await
    }

    /// [`GitLab::connect`], each request bounded by `timeout`.
    pub async fn connect_with_timeout(
        api_url: &str,
        project: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<GitLab, TrackerError> {
        Ok(Connection::open(api_url, token, timeout)
            .await?
            .project(project))
    }

    /// The `group/project` path of every project of `group` and its subgroups that is not
    /// archived, sorted, over a connection of its own ([`Connection::repositories_of`]).
    pub async fn repositories_of(
        api_url: &str,
        group: &str,
        token: &str,
    ) -> Result<Vec<String>, TrackerError> {
        Connection::open(api_url, token, DEFAULT_TIMEOUT)
            .await?
            .repositories_of(group)
            .await
    }
}

/// The `gitlab` crate's client, reading the rate-limit headers of every answer (success and
/// error, single objects and listings' pages alike). The crate itself reads them
/// (`Retry-After`, `RateLimit-*`) only for single-object calls: a 429 to a listing or to a
/// call whose answer is ignored came back as a bare status, waited out with a default instead
/// of what GitLab asked. Here any 429 becomes the crate's own rate-limit error, with GitLab's
/// `Retry-After`; and an answer saying the budget is spent (`RateLimit-Remaining: 0`) leaves
/// the wait until `RateLimit-Reset` for [`Tracker::take_pause`], so that the pacing slows
/// before the next request rather than after a 429. It also bounds every request by a
/// timeout (the crate's client has none): a request without an answer by then fails as
/// transient, like a dropped connection.
pub struct RateLimitAware {
    client: AsyncGitlab,
    /// The wait GitLab's last exhausted answer asked for, until taken.
    pause: std::sync::Mutex<Option<Duration>>,
    timeout: Duration,
}

impl RateLimitAware {
    fn new(client: AsyncGitlab, timeout: Duration) -> RateLimitAware {
        RateLimitAware {
            client,
            pause: std::sync::Mutex::new(None),
            timeout,
        }
    }

    /// The pause asked for since the last call, once.
    fn take_pause(&self) -> Option<Duration> {
        self.pause.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The error of a request that got no answer within `limit`: 408, which [`api_error`] counts
/// as transient (it may have been applied).
fn timed_out<E: std::error::Error + Send + Sync + 'static>(limit: Duration) -> api::ApiError<E> {
    api::ApiError::GitlabWithStatus {
        status: http::StatusCode::REQUEST_TIMEOUT,
        msg: format!("no answer from GitLab within {} s", limit.as_secs_f64()),
    }
}

/// The per-request timeout of [`GitLab::connect`], [`GitLab::repositories_of`] and
/// [`client`]: the default of `sync.timeout_secs`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl api::RestClient for RateLimitAware {
    type Error = <AsyncGitlab as api::RestClient>::Error;

    fn rest_endpoint(&self, endpoint: &str) -> Result<url::Url, api::ApiError<Self::Error>> {
        self.client.rest_endpoint(endpoint)
    }

    fn instance_endpoint(&self, endpoint: &str) -> Result<url::Url, api::ApiError<Self::Error>> {
        self.client.instance_endpoint(endpoint)
    }
}

type Answer<E> = Result<http::Response<axum::body::Bytes>, api::ApiError<E>>;

/// The rate-limit headers of one answer.
struct RateHeaders<'a>(&'a http::HeaderMap);

impl RateHeaders<'_> {
    fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
    }

    fn number(&self, name: &str) -> Option<u64> {
        self.text(name).and_then(|v| v.parse().ok())
    }

    /// The wait until `RateLimit-Reset` (seconds since the epoch) when `RateLimit-Remaining`
    /// says the budget is spent and the reset is still ahead of `now`.
    fn exhausted_for(&self, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
        if self.number("RateLimit-Remaining")? != 0 {
            return None;
        }
        let reset = i64::try_from(self.number("RateLimit-Reset")?).ok()?;
        let secs = reset.checked_sub(now.timestamp()).filter(|s| *s > 0)?;
        Some(Duration::from_secs(secs as u64))
    }
}

// The trait is declared with `async_trait`: its method returns a boxed future.
impl api::AsyncClient for RateLimitAware {
    fn rest_async<'a, 'b>(
        &'a self,
        request: http::request::Builder,
        body: Vec<u8>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer<Self::Error>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let rsp = tokio::time::timeout(self.timeout, self.client.rest_async(request, body))
                .await
                .map_err(|_| timed_out(self.timeout))??;
            let h = RateHeaders(rsp.headers());
            if let Some(wait) = h.exhausted_for(chrono::Utc::now()) {
                *self.pause.lock().unwrap_or_else(|e| e.into_inner()) = Some(wait);
            }
            if rsp.status() != http::StatusCode::TOO_MANY_REQUESTS {
                return Ok(rsp);
            }
            let reset = h
                .number("RateLimit-Reset")
                .and_then(|s| chrono::DateTime::from_timestamp(s as i64, 0))
                .unwrap_or_default();
            Err(api::ApiError::GitlabRateLimited {
                rl_limit: h.number("RateLimit-Limit").unwrap_or(0) as usize,
                rl_name: h.text("RateLimit-Name").unwrap_or_default(),
                rl_observed: h.number("RateLimit-Observed").unwrap_or(0) as usize,
                rl_remaining: h.number("RateLimit-Remaining").unwrap_or(0) as usize,
                rl_reset: reset,
                retry_after: Duration::from_secs(h.number("Retry-After").unwrap_or(0)),
            })
        })
    }
}

/// An async client for `api_url`, each request bounded by [`DEFAULT_TIMEOUT`]; building it
/// checks the token (`GET /user`). Every GitLab client of the tool (issues, files, merge
/// request notes) is made here or by [`Connection::open`].
pub async fn client(api_url: &str, token: &str) -> Result<RateLimitAware, TrackerError> {
    Ok(Connection::open(api_url, token, DEFAULT_TIMEOUT)
        .await?
        .client())
}

/// A GitLab API root and a token it accepted, for any number of projects. Opening one checks
/// the token (`GET /user`: the `gitlab` crate builds no client without that check), so a
/// caller that works on many projects (the service) opens one and makes each project's client
/// from it, instead of paying that request per project. A token revoked after it was checked
/// fails the next call with GitLab's 401, as opening would have.
#[derive(Clone)]
pub struct Connection {
    client: AsyncGitlab,
    timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The crate's own `Debug` shows the URLs only, never the token.
        f.debug_struct("Connection")
            .field("client", &self.client)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Connection {
    /// Connects to `api_url` with `token`, which GitLab checks; each request is bounded by
    /// `timeout`.
    pub async fn open(
        api_url: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<Connection, TrackerError> {
        let client = async_client(api_url, token, timeout).await?;
        Ok(Connection { client, timeout })
    }

    /// `project`'s issues, files and merge requests (`group/project` or a numeric id), with
    /// caches of its own: no request.
    pub fn project(&self, project: &str) -> GitLab {
        GitLab {
            client: self.client(),
            project: project.to_string(),
            labels: super::cache::Labels::default(),
            milestones: super::cache::Named::default(),
            users: super::cache::Users::default(),
        }
    }

    /// The `group/project` path of every project of `group` and its subgroups that is not
    /// archived, sorted (`GET /groups/:id/projects?include_subgroups=true&archived=false`, all
    /// pages). `group` is a path (`acme`, `acme/platform`) or a numeric id.
    pub async fn repositories_of(&self, group: &str) -> Result<Vec<String>, TrackerError> {
        let endpoint = built(
            api::groups::projects::GroupProjects::builder()
                .group(group)
                .include_subgroups(true)
                .archived(false)
                .build(),
        )?;
        let all: Vec<GroupProject> = api::paged(endpoint, Pagination::All)
            .query_async(&self.client())
            .await
            .map_err(api_error)?;
        let mut paths: Vec<String> = all
            .into_iter()
            .filter(|p| !p.archived)
            .map(|p| p.path_with_namespace)
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// A client over this connection, reading its own answers' rate-limit headers.
    fn client(&self) -> RateLimitAware {
        RateLimitAware::new(self.client.clone(), self.timeout)
    }
}

/// The `gitlab` crate's client for `api_url` (its token checked), each request bounded by
/// `timeout`.
async fn async_client(
    api_url: &str,
    token: &str,
    timeout: Duration,
) -> Result<AsyncGitlab, TrackerError> {
    let url = api_url.trim_end_matches('/');
    let url = url.strip_suffix("/api/v4").unwrap_or(url);
    let (insecure, host) = match url.split_once("://") {
        Some(("http", h)) => (true, h),
        Some((_, h)) => (false, h),
        None => (false, url),
    };
    let mut b = GitlabBuilder::new(host, token);
    if insecure {
        b.insecure();
    }
    tokio::time::timeout(timeout, b.build_async())
        .await
        .map_err(|_| {
            TrackerError::Transient(format!(
                "no answer from GitLab within {} s",
                timeout.as_secs_f64()
            ))
        })?
        .map_err(|e| match e {
            gitlab::GitlabError::Api { source } => api_error(source),
            other => TrackerError::Transient(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_asks_to_wait_until_the_reset() {
        let now = chrono::DateTime::from_timestamp(1_000, 0).unwrap();
        let mut h = http::HeaderMap::new();
        h.insert("RateLimit-Remaining", "0".parse().unwrap());
        h.insert("RateLimit-Reset", "1030".parse().unwrap());
        assert_eq!(
            RateHeaders(&h).exhausted_for(now),
            Some(Duration::from_secs(30))
        );
        // A reset already passed, or budget left: no wait.
        h.insert("RateLimit-Reset", "990".parse().unwrap());
        assert_eq!(RateHeaders(&h).exhausted_for(now), None);
        h.insert("RateLimit-Reset", "1030".parse().unwrap());
        h.insert("RateLimit-Remaining", "5".parse().unwrap());
        assert_eq!(RateHeaders(&h).exhausted_for(now), None);
        assert_eq!(
            RateHeaders(&http::HeaderMap::new()).exhausted_for(now),
            None
        );
    }
}

#[derive(Debug, Deserialize)]
struct GroupProject {
    path_with_namespace: String,
    #[serde(default)]
    archived: bool,
}

/// `GET /projects/:id/repository/tree?ref=BRANCH&recursive=true`, offset-paginated. The
/// crate's own `Tree` endpoint sends its parameters as a form body on a GET and asks for
/// keyset pagination, which GitLab before 17.1 ignores for trees; query parameters and page
/// numbers work on every version.
struct RepositoryTree<'a> {
    project: &'a str,
    ref_: &'a str,
}

impl api::Endpoint for RepositoryTree<'_> {
    fn method(&self) -> http::Method {
        http::Method::GET
    }
    fn endpoint(&self) -> Cow<'static, str> {
        format!(
            "projects/{}/repository/tree",
            api::common::path_escaped(self.project)
        )
        .into()
    }
    fn parameters(&self) -> api::QueryParams<'_> {
        let mut params = api::QueryParams::default();
        params.push("ref", self.ref_).push("recursive", true);
        params
    }
}
impl api::Pageable for RepositoryTree<'_> {}

#[derive(Debug, Deserialize)]
struct TreeEntry {
    path: String,
    /// The blob's git id.
    #[serde(default)]
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    mode: String,
}

fn to_tracked(i: &Issue) -> TrackedIssue {
    let mut t = tracked(
        i.iid,
        i.web_url.clone(),
        i.title.clone(),
        i.state == "opened",
        i.description.as_deref(),
        &i.labels,
    );
    // GitLab has a native due date: it wins over the body's copy.
    t.due = i.due_date;
    t.closed_on = i.closed_at.map(|d| d.date_naive()).filter(|_| !t.open);
    t.created_on = i.created_at.map(|d| d.date_naive());
    t.comments = i.user_notes_count;
    t.assignee = i
        .assignees
        .first()
        .or(i.assignee.as_ref())
        .map(|u| u.username.clone());
    t.milestone_due = i.milestone.as_ref().and_then(|m| m.due_date);
    t
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, TrackerError> {
    r.map_err(|e| TrackerError::Rejected {
        status: 0,
        message: format!("invalid request: {e}"),
    })
}

impl Tracker for GitLab {
    fn describe(&self) -> String {
        format!("GitLab {}", self.project)
    }

    fn take_pause(&self) -> Option<Duration> {
        self.client.take_pause()
    }

    async fn list_issues(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        let endpoint = built(
            api::issues::ProjectIssues::builder()
                .project(self.project.as_str())
                .labels([label])
                // Oldest first, so issues created during the listing do not shift pages.
                .order_by(api::issues::IssueOrderBy::CreatedAt)
                .sort(api::common::SortOrder::Ascending)
                .build(),
        )?;
        let all: Vec<Issue> = api::paged(endpoint, Pagination::All)
            .query_async(&self.client)
            .await
            .map_err(api_error)?;
        Ok(all.iter().map(to_tracked).collect())
    }

    async fn create_issue(&self, new: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let mut b = gl_issues::CreateIssue::builder();
        b.project(self.project.as_str())
            .title(new.title.as_str())
            .description(new.body.as_str())
            .labels(new.labels.iter().map(String::as_str));
        if let Some(a) = new.assignee.as_deref().and_then(|a| a.parse::<u64>().ok()) {
            b.assignee_id(a);
        }
        if let Some(m) = new.milestone {
            b.milestone_id(m);
        }
        if let Some(d) = new.due {
            b.due_date(d);
        }
        let issue: Issue = built(b.build())?
            .query_async(&self.client)
            .await
            .map_err(api_error)?;
        Ok(to_tracked(&issue))
    }

    /// One `PUT /projects/:id/issues/:iid` with all of it.
    async fn edit_issue(&self, number: u64, edit: &IssueEdit<'_>) -> Result<(), TrackerError> {
        let mut b = gl_issues::EditIssue::builder();
        b.project(self.project.as_str()).issue(number);
        match edit.label {
            Some((label, true)) => b.add_label(label),
            Some((label, false)) => b.remove_label(label),
            None => &mut b,
        };
        if let Some(body) = edit.body {
            b.description(body);
        }
        match edit.state {
            Some(StateChange::Close(_)) => b.state_event(gl_issues::IssueStateEvent::Close),
            Some(StateChange::Reopen) => b.state_event(gl_issues::IssueStateEvent::Reopen),
            None => &mut b,
        };
        api::ignore(built(b.build())?)
            .query_async(&self.client)
            .await
            .map_err(api_error)
    }

    async fn ensure_labels(&self, wanted: &[LabelSpec]) -> Result<(), TrackerError> {
        let list = || async {
            let endpoint = built(
                api::projects::labels::Labels::builder()
                    .project(self.project.as_str())
                    .build(),
            )?;
            let all: Vec<Label> = api::paged(endpoint, Pagination::All)
                .query_async(&self.client)
                .await
                .map_err(api_error)?;
            Ok(all.into_iter().map(|l| l.name).collect())
        };
        let create = |l: &LabelSpec| {
            let endpoint = built(
                api::projects::labels::CreateLabel::builder()
                    .project(self.project.as_str())
                    .name(l.name.clone())
                    .color(format!("#{}", l.color))
                    .description(l.description.clone())
                    .build(),
            );
            async move {
                api::ignore(endpoint?)
                    .query_async(&self.client)
                    .await
                    .map_err(api_error)
            }
        };
        // GitLab: 409 "Label already exists".
        self.labels.ensure(wanted, 409, list, create).await
    }

    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError> {
        let list = || async {
            let all: Vec<Milestone> = api::paged(
                ProjectMilestones {
                    project: &self.project,
                },
                Pagination::All,
            )
            .query_async(&self.client)
            .await
            .map_err(api_error)?;
            Ok(all.into_iter().map(|m| (m.title, m.id)).collect())
        };
        let create = || async {
            let endpoint = built(
                api::projects::milestones::CreateProjectMilestone::builder()
                    .project(self.project.as_str())
                    .title(title)
                    .build(),
            )?;
            let m: Milestone = endpoint
                .query_async(&self.client)
                .await
                .map_err(api_error)?;
            Ok(m.id)
        };
        // GitLab: 400 "title has already been taken".
        self.milestones.ensure(title, 400, list, create).await
    }

    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError> {
        self.users
            .resolve(login, |login| async move {
                let endpoint = built(api::users::Users::builder().username(&login).build())?;
                let users: Vec<User> = endpoint
                    .query_async(&self.client)
                    .await
                    .map_err(api_error)?;
                Ok(users
                    .into_iter()
                    .find(|u| u.username.eq_ignore_ascii_case(&login))
                    .map(|u| u.id.to_string()))
            })
            .await
    }

    async fn comment(&self, number: u64, body: &str) -> Result<(), TrackerError> {
        let endpoint = built(
            gl_issues::notes::CreateIssueNote::builder()
                .project(self.project.as_str())
                .issue(number)
                .body(body)
                .build(),
        )?;
        api::ignore(endpoint)
            .query_async(&self.client)
            .await
            .map_err(api_error)
    }

    async fn comments(&self, number: u64) -> Result<Vec<String>, TrackerError> {
        let endpoint = built(
            gl_issues::notes::IssueNotes::builder()
                .project(self.project.as_str())
                .issue(number)
                .build(),
        )?;
        let all: Vec<Note> = api::paged(endpoint, Pagination::All)
            .query_async(&self.client)
            .await
            .map_err(api_error)?;
        Ok(all
            .into_iter()
            .filter(|n| !n.system)
            .map(|n| n.body)
            .collect())
    }
}

#[derive(Debug, Deserialize)]
struct ProjectInfo {
    #[serde(default)]
    default_branch: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RepoFile {
    content: String,
    last_commit_id: String,
}

#[derive(Debug, Deserialize)]
struct MergeRequest {
    iid: u64,
    #[serde(default)]
    web_url: String,
    #[serde(default)]
    description: Option<String>,
}

impl Publisher for GitLab {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        let p: ProjectInfo = built(
            api::projects::Project::builder()
                .project(self.project.as_str())
                .build(),
        )?
        .query_async(&self.client)
        .await
        .map_err(api_error)?;
        Ok(p.default_branch.unwrap_or_else(|| "main".into()))
    }

    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        let got: Result<RepoFile, _> = built(
            api::projects::repository::files::File::builder()
                .project(self.project.as_str())
                .file_path(path)
                .ref_(branch)
                .build(),
        )?
        .query_async(&self.client)
        .await;
        let file = match got.map_err(api_error) {
            Ok(f) => f,
            Err(TrackerError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let text = decode_content(&file.content, path, branch)?;
        Ok(Some(RemoteFile {
            text,
            version: file.last_commit_id,
        }))
    }

    async fn write_file(&self, w: &FileWrite<'_>) -> Result<String, TrackerError> {
        // GitLab answers with the path and branch only: the blob id is computed.
        api::ignore(built(
            api::projects::repository::files::UpdateFile::builder()
                .project(self.project.as_str())
                .file_path(w.path)
                .branch(w.branch)
                .content(w.text.as_bytes())
                .commit_message(w.message)
                .last_commit_id(w.version)
                .build(),
        )?)
        .query_async(&self.client)
        .await
        .map_err(api_error)?;
        Ok(blob_id(w.text))
    }

    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError> {
        let got = api::ignore(built(
            api::projects::repository::branches::Branch::builder()
                .project(self.project.as_str())
                .branch(branch)
                .build(),
        )?)
        .query_async(&self.client)
        .await
        .map_err(api_error);
        match got {
            Ok(()) => return Ok(false),
            Err(TrackerError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        api::ignore(built(
            api::projects::repository::branches::CreateBranch::builder()
                .project(self.project.as_str())
                .branch(branch)
                .ref_(from)
                .build(),
        )?)
        .query_async(&self.client)
        .await
        .map(|_| true)
        .map_err(api_error)
    }

    async fn upsert_change_request(
        &self,
        r: &RequestSpec<'_>,
    ) -> Result<ChangeRequest, TrackerError> {
        use api::projects::merge_requests as mrs;
        let body = r.body;
        let open: Vec<MergeRequest> = built(
            mrs::MergeRequests::builder()
                .project(self.project.as_str())
                .source_branch(r.head)
                .target_branch(r.base)
                .state(api::merge_requests::MergeRequestState::Opened)
                .build(),
        )?
        .query_async(&self.client)
        .await
        .map_err(api_error)?;
        if let Some(mr) = open.first() {
            // The steady state writes nothing: an unchanged description is left alone.
            if same_text(mr.description.as_deref(), body) {
                return Ok(ChangeRequest {
                    number: mr.iid,
                    url: mr.web_url.clone(),
                    created: false,
                });
            }
            let edited: MergeRequest = built(
                mrs::EditMergeRequest::builder()
                    .project(self.project.as_str())
                    .merge_request(mr.iid)
                    .description(body)
                    .build(),
            )?
            .query_async(&self.client)
            .await
            .map_err(api_error)?;
            return Ok(ChangeRequest {
                number: edited.iid,
                url: edited.web_url,
                created: false,
            });
        }
        let mr: MergeRequest = built(
            mrs::CreateMergeRequest::builder()
                .project(self.project.as_str())
                .source_branch(r.head)
                .target_branch(r.base)
                .title(r.title)
                .description(body)
                .remove_source_branch(true)
                .build(),
        )?
        .query_async(&self.client)
        .await
        .map_err(api_error)?;
        Ok(ChangeRequest {
            number: mr.iid,
            url: mr.web_url,
            created: true,
        })
    }
}

impl Browse for GitLab {
    fn origin(&self) -> String {
        format!("gitlab:{}", self.project)
    }

    async fn list_files(&self, branch: &str) -> Result<Vec<RepoEntry>, TrackerError> {
        let all: Vec<TreeEntry> = api::paged(
            RepositoryTree {
                project: &self.project,
                ref_: branch,
            },
            Pagination::All,
        )
        .query_async(&self.client)
        .await
        .map_err(api_error)?;
        // Blobs only: `tree` is a folder, `commit` a submodule.
        let mut files: Vec<RepoEntry> = all
            .into_iter()
            .filter(|e| e.kind == "blob" && e.mode != SYMLINK_MODE)
            .map(|e| RepoEntry {
                path: e.path,
                size: None,
                sha: e.id,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup();
        Ok(files)
    }
}
