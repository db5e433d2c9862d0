//! GitHub through `octocrab`, with its retry layer off: a create answered 502 may have been
//! applied, and only the sync can tell (by listing again) whether to send it again.

use std::time::Duration;

use octocrab::models::issues::{Issue, IssueStateReason};
use octocrab::models::IssueState;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::{params, Octocrab, Page};

use super::browse::{Browse, RepoEntry, SYMLINK_MODE};
use super::publish::{
    blob_id, decode_content, encode_path, same_text, ChangeRequest, FileWrite, Publisher,
    RemoteFile, RequestSpec,
};
use super::{
    retry_after, tracked, Budget, Closing, IssueEdit, LabelSpec, NewIssue, SetupError, StateChange,
    Tracker, TrackerError,
};
use crate::plan::TrackedIssue;

/// The public API, used when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// A GitHub repository's issues.
pub struct GitHub {
    gh: Octocrab,
    api_url: String,
    owner: String,
    repo: String,
    labels: super::cache::Labels,
    milestones: super::cache::Named,
    users: super::cache::Users,
    /// The rate limit the last issue listing page told of.
    budget: std::sync::Mutex<Option<Budget>>,
}

impl GitHub {
    /// A client for `owner/name` at `api_url` (`http://127.0.0.1:PORT` works). `token` is
    /// sent as a bearer token and never shown.
    pub fn new(
        api_url: &str,
        repository: &str,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<GitHub, SetupError> {
        let api_url = api_url.trim_end_matches('/');
        GitHub::with_client(client(api_url, token, timeout)?, api_url, repository)
    }

    /// A client for `owner/name` over an octocrab client made elsewhere (a GitHub App's
    /// installation client, [`super::app`]); `api_url` is the root it talks to.
    pub fn with_client(
        gh: Octocrab,
        api_url: &str,
        repository: &str,
    ) -> Result<GitHub, SetupError> {
        let (owner, repo) = repository
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| SetupError::Repository(repository.to_string()))?;
        Ok(GitHub {
            gh,
            api_url: api_url.trim_end_matches('/').to_string(),
            owner: owner.into(),
            repo: repo.into(),
            labels: super::cache::Labels::default(),
            milestones: super::cache::Named::default(),
            users: super::cache::Users::default(),
            budget: std::sync::Mutex::new(None),
        })
    }

    /// The octocrab client and the API root it talks to, for the GraphQL calls
    /// ([`super::projects`]), which go out with the same credentials.
    pub(super) fn octocrab(&self) -> (&Octocrab, &str) {
        (&self.gh, &self.api_url)
    }

    /// `owner/name`.
    fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// The repository's issues API.
    fn issues(&self) -> octocrab::issues::IssueHandler<'_> {
        self.gh.issues(&self.owner, &self.repo)
    }

    /// The repository's contents, refs and settings API.
    fn repos(&self) -> octocrab::repos::RepoHandler<'_> {
        self.gh.repos(&self.owner, &self.repo)
    }

    /// Every item of a listing: `first` (the request for its first page, 100 a page) sent,
    /// then the pages after it.
    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        first: impl std::future::Future<Output = octocrab::Result<Page<T>>>,
    ) -> Result<Vec<T>, TrackerError> {
        all_pages(&self.gh, first.await.map_err(error)?).await
    }

    /// The `owner/name` of every repository of `owner` that is not archived, sorted: an
    /// organisation's (`GET /orgs/{org}/repos`, all types the token can see), else, when no
    /// organisation has that name, a user's: the token's own user gets
    /// `GET /user/repos?affiliation=owner` (private ones included), another user
    /// `GET /users/{user}/repos` (GitHub lists only public ones there, even to the user's own
    /// token).
    pub async fn repositories_of(
        api_url: &str,
        owner: &str,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<Vec<String>, TrackerError> {
        // The owner goes into the URL path: GitHub logins are letters, digits and `-`.
        if owner.is_empty()
            || !owner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(TrackerError::Rejected {
                status: 0,
                message: format!("{owner:?} is not a GitHub user or organisation name"),
            });
        }
        let gh = client(api_url.trim_end_matches('/'), token, timeout).map_err(|e| {
            TrackerError::Rejected {
                status: 0,
                message: e.to_string(),
            }
        })?;
        let first = match gh.orgs(owner).list_repos().per_page(100).send().await {
            Ok(page) => page,
            Err(e) => match error(e) {
                TrackerError::NotFound(_) => {
                    let me = match token {
                        Some(_) => Some(gh.current().user().await.map_err(error)?.login),
                        None => None,
                    };
                    if me.is_some_and(|me| me.eq_ignore_ascii_case(owner)) {
                        gh.current()
                            .list_repos_for_authenticated_user()
                            .affiliation("owner")
                            .per_page(100)
                            .send()
                            .await
                            .map_err(error)?
                    } else {
                        gh.users(owner)
                            .repos()
                            .per_page(100)
                            .send()
                            .await
                            .map_err(error)?
                    }
                }
                other => return Err(other),
            },
        };
        let mut names: Vec<String> = all_pages(&gh, first)
            .await?
            .into_iter()
            .filter(|r| r.archived != Some(true))
            .filter_map(|r| r.full_name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// How an octocrab client authenticates.
pub enum Auth<'a> {
    /// Anonymous: public repositories, read only.
    None,
    /// A personal or Actions token, sent as a bearer token.
    Token(&'a str),
    /// A GitHub App: its id and private key (JWTs for the `/app` routes).
    App(octocrab::models::AppId, jsonwebtoken::EncodingKey),
}

/// An octocrab client for `api_url` (trailing `/` ignored) without its retry layer, with
/// `token` when there is one: every GitHub client of the tool (issues, files, Projects, pull
/// request comments) is made here or by [`client_with`].
pub fn client(
    api_url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Octocrab, SetupError> {
    client_with(api_url, token.map_or(Auth::None, Auth::Token), timeout)
}

/// An octocrab client for `api_url` (trailing `/` ignored) without its retry layer,
/// authenticated by `auth`.
pub fn client_with(
    api_url: &str,
    auth: Auth<'_>,
    timeout: Duration,
) -> Result<Octocrab, SetupError> {
    let api_url = api_url.trim_end_matches('/');
    let mut b = Octocrab::builder()
        .base_uri(api_url)
        .map_err(|_| SetupError::ApiUrl {
            forge: "GitHub",
            url: api_url.to_string(),
        })?
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(timeout))
        .set_read_timeout(Some(timeout))
        .set_write_timeout(Some(timeout));
    match auth {
        Auth::None => {}
        Auth::Token(t) => b = b.personal_token(t.to_string()),
        Auth::App(id, key) => b = b.app(id, key),
    }
    b.build().map_err(|e| SetupError::Client {
        forge: "GitHub",
        message: e.to_string(),
    })
}

/// `uri` without scheme and host: the base URI layer puts the API root's back.
fn relative(uri: &http::Uri) -> Option<http::Uri> {
    uri.path_and_query()?.as_str().parse().ok()
}

/// `first` and every page after it, following the `Link` header.
async fn all_pages<T: serde::de::DeserializeOwned>(
    gh: &Octocrab,
    first: Page<T>,
) -> Result<Vec<T>, TrackerError> {
    let mut out = Vec::new();
    let mut page = first;
    loop {
        // Made relative: octocrab attaches an installation token only to relative addresses
        // (or api.github.com), and the `Link` header names the API root in full.
        let next = page.next.as_ref().and_then(relative);
        out.extend(page.items);
        match next {
            None => return Ok(out),
            Some(_) => match gh.get_page::<T>(&next).await.map_err(error)? {
                Some(p) => page = p,
                None => return Ok(out),
            },
        }
    }
}

/// The rate limit an answer's `x-ratelimit-remaining` and `x-ratelimit-reset` tell of.
fn budget_of(headers: &http::HeaderMap) -> Option<Budget> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<i64>().ok();
    Some(Budget {
        remaining: u64::try_from(number("x-ratelimit-remaining")?).ok()?,
        reset: chrono::DateTime::from_timestamp(number("x-ratelimit-reset")?, 0)?,
    })
}

fn to_tracked(i: &Issue) -> TrackedIssue {
    let labels: Vec<String> = i.labels.iter().map(|l| l.name.clone()).collect();
    let mut t = tracked(
        i.number,
        i.html_url.to_string(),
        i.title.clone(),
        i.state == IssueState::Open,
        i.body.as_deref(),
        &labels,
    );
    t.closed_on = i.closed_at.map(|d| d.date_naive()).filter(|_| !t.open);
    t.not_planned = !t.open && i.state_reason == Some(IssueStateReason::NotPlanned);
    t.created_on = Some(i.created_at.date_naive());
    t.comments = u64::from(i.comments);
    t.assignee = i
        .assignees
        .first()
        .or(i.assignee.as_ref())
        .map(|a| a.login.clone());
    t.milestone_due = i
        .milestone
        .as_ref()
        .and_then(|m| m.due_on)
        .map(|d| d.date_naive());
    t
}

/// Classifies an octocrab error. Rate limits: 429, and 403 with `retry-after`, an exhausted
/// `x-ratelimit-remaining` or GitHub's rate-limit wording.
pub fn error(e: octocrab::Error) -> TrackerError {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            let status = source.status_code.as_u16();
            let message = source.message.clone();
            let header = |name: &str| {
                source
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let exhausted = header("x-ratelimit-remaining").as_deref() == Some("0");
            let limited = status == 429
                || (status == 403
                    && (header("retry-after").is_some()
                        || exhausted
                        || message.to_lowercase().contains("rate limit")));
            if limited {
                let wait = retry_after(header("retry-after").as_deref()).or_else(|| {
                    let reset: i64 = header("x-ratelimit-reset")?.parse().ok()?;
                    let now = chrono::Utc::now().timestamp();
                    exhausted.then(|| Duration::from_secs((reset - now).max(1) as u64))
                });
                return TrackerError::RateLimited { wait, message };
            }
            match status {
                401 => TrackerError::Unauthorized(message),
                403 => TrackerError::Forbidden(message),
                404 => TrackerError::NotFound(message),
                500..=599 => TrackerError::Transient(format!("GitHub answered {status}")),
                _ => TrackerError::Rejected { status, message },
            }
        }
        other => TrackerError::Transient(first_line(&other.to_string())),
    }
}

/// octocrab's Display adds a backtrace; keep the first line.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

impl Tracker for GitHub {
    fn budget(&self) -> Option<Budget> {
        *self.budget.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn describe(&self) -> String {
        format!("GitHub {}", self.full_name())
    }

    /// Sent as raw requests, each page's body read with serde: octocrab's typed listing hides
    /// the answer's headers, and this is the one call every job makes, so its
    /// `x-ratelimit-*` headers tell what the token has left ([`Tracker::budget`]).
    async fn list_issues(&self, label: &str) -> Result<Vec<TrackedIssue>, TrackerError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("labels", label)
            .append_pair("state", "all")
            // Oldest first: issues created while the pages are read land on the last page
            // instead of shifting earlier ones onto pages already read.
            .append_pair("sort", "created")
            .append_pair("direction", "asc")
            .append_pair("per_page", "100")
            .finish();
        let first = format!("/repos/{}/{}/issues?{query}", self.owner, self.repo);
        let mut next: Option<http::Uri> =
            Some(first.parse().map_err(|e| TrackerError::Rejected {
                status: 0,
                message: format!("{first}: {e}"),
            })?);
        let mut all: Vec<Issue> = Vec::new();
        while let Some(uri) = next.take() {
            let answer = self.gh._get(uri).await.map_err(error)?;
            if let Some(budget) = budget_of(answer.headers()) {
                *self.budget.lock().unwrap_or_else(|p| p.into_inner()) = Some(budget);
            }
            let answer = octocrab::map_github_error(answer).await.map_err(error)?;
            let page = <Page<Issue> as octocrab::FromResponse>::from_response(answer)
                .await
                .map_err(error)?;
            // Relative, as in `all_pages`.
            next = page.next.as_ref().and_then(relative);
            all.extend(page.items);
        }
        // The listing includes pull requests; they are not the tool's issues.
        Ok(all
            .iter()
            .filter(|i| i.pull_request.is_none())
            .map(to_tracked)
            .collect())
    }

    async fn create_issue(&self, new: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let issues = self.issues();
        let mut b = issues
            .create(new.title.clone())
            .body(new.body.clone())
            .labels(new.labels.clone());
        if let Some(a) = &new.assignee {
            b = b.assignees(vec![a.clone()]);
        }
        if let Some(m) = new.milestone {
            b = b.milestone(m);
        }
        let issue = b.send().await.map_err(error)?;
        Ok(to_tracked(&issue))
    }

    /// The label first (`POST .../labels`, or `DELETE .../labels/NAME`, a missing one not an
    /// error), then body and state in one `PATCH`, sent only when there is one of them.
    async fn edit_issue(&self, number: u64, edit: &IssueEdit<'_>) -> Result<(), TrackerError> {
        let issues = self.issues();
        match edit.label {
            Some((label, true)) => {
                issues
                    .add_labels(number, &[label.to_string()])
                    .await
                    .map_err(error)?;
            }
            Some((label, false)) => match issues.remove_label(number, label).await.map_err(error) {
                Ok(_) | Err(TrackerError::NotFound(_)) => {}
                Err(e) => return Err(e),
            },
            None => {}
        }
        if edit.body.is_none() && edit.state.is_none() {
            return Ok(());
        }
        let mut b = issues.update(number);
        if let Some(body) = edit.body {
            b = b.body(body);
        }
        match edit.state {
            Some(StateChange::Reopen) => b = b.state(IssueState::Open),
            Some(StateChange::Close(why)) => {
                let reason = match why {
                    Closing::DuplicateOf(_) => IssueStateReason::Duplicate,
                    Closing::Done => IssueStateReason::Completed,
                    Closing::NotPlanned => IssueStateReason::NotPlanned,
                };
                b = b.state(IssueState::Closed).state_reason(reason);
            }
            None => {}
        }
        b.send().await.map_err(error)?;
        Ok(())
    }

    async fn ensure_labels(&self, wanted: &[LabelSpec]) -> Result<(), TrackerError> {
        let issues = || self.issues();
        let list = || async {
            let handler = issues();
            let labels = self.all(handler.list_labels_for_repo().per_page(100).send());
            Ok(labels.await?.into_iter().map(|l| l.name).collect())
        };
        let create = |l: &LabelSpec| {
            let (name, color, description) =
                (l.name.clone(), l.color.clone(), l.description.clone());
            async move {
                issues()
                    .create_label(name, color, description)
                    .await
                    .map(|_| ())
                    .map_err(error)
            }
        };
        // GitHub: 422 `already_exists`.
        self.labels.ensure(wanted, 422, list, create).await
    }

    async fn ensure_milestone(&self, title: &str) -> Result<u64, TrackerError> {
        let issues = || self.issues();
        let list = || async {
            let handler = issues();
            let all = handler.list_milestones().state(params::State::All);
            Ok(self
                .all(all.per_page(100).send())
                .await?
                .into_iter()
                .map(|m| (m.title, m.number as u64))
                .collect())
        };
        let create = || async {
            let m = issues()
                .create_milestone(title)
                .send()
                .await
                .map_err(error)?;
            Ok(m.number as u64)
        };
        // GitHub: 422 `already_exists`.
        self.milestones.ensure(title, 422, list, create).await
    }

    async fn resolve_user(&self, login: &str) -> Result<Option<String>, TrackerError> {
        self.users
            .resolve(login, |login| self.lookup_user(login))
            .await
    }

    async fn comment(&self, number: u64, body: &str) -> Result<(), TrackerError> {
        self.issues()
            .create_comment(number, body)
            .await
            .map_err(error)?;
        Ok(())
    }

    async fn comments(&self, number: u64) -> Result<Vec<String>, TrackerError> {
        let issues = self.issues();
        let first = issues.list_comments(number).per_page(100).send();
        Ok(self
            .all(first)
            .await?
            .into_iter()
            .filter_map(|c| c.body)
            .collect())
    }
}

impl Publisher for GitHub {
    async fn default_branch(&self) -> Result<String, TrackerError> {
        let repo = self.repos().get().await.map_err(error)?;
        Ok(repo.default_branch.unwrap_or_else(|| "main".into()))
    }

    async fn read_file(
        &self,
        path: &str,
        branch: &str,
    ) -> Result<Option<RemoteFile>, TrackerError> {
        // octocrab puts the path into the URL as given.
        let got = self
            .repos()
            .get_content()
            .path(encode_path(path))
            .r#ref(branch)
            .send()
            .await;
        let items = match got.map_err(error) {
            Ok(items) => items,
            Err(TrackerError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(file) = items.items.into_iter().find(|i| i.r#type == "file") else {
            return Err(TrackerError::Rejected {
                status: 0,
                message: format!("{path} on {branch} is not a file"),
            });
        };
        // Over 1 MB the contents API sends no content (`encoding: none`).
        if file.encoding.as_deref() == Some("none") {
            return Err(TrackerError::Rejected {
                status: 0,
                message: format!(
                    "{path} on {branch}: {} bytes is over the 1 MB the GitHub contents API returns",
                    file.size
                ),
            });
        }
        // Decoded here rather than with octocrab's `decoded_content`, which panics on bad
        // base64 and replaces bytes that are not UTF-8.
        let text = decode_content(file.content.as_deref().unwrap_or_default(), path, branch)?;
        Ok(Some(RemoteFile {
            text,
            version: file.sha,
        }))
    }

    async fn write_file(&self, w: &FileWrite<'_>) -> Result<String, TrackerError> {
        let updated = self
            .repos()
            .update_file(encode_path(w.path), w.message, w.text, w.version)
            .branch(w.branch)
            .send()
            .await
            .map_err(error)?;
        // GitHub answers with the new file's blob sha.
        Ok(Some(updated.content.sha)
            .filter(|sha| !sha.is_empty())
            .unwrap_or_else(|| blob_id(w.text)))
    }

    async fn ensure_branch(&self, branch: &str, from: &str) -> Result<bool, TrackerError> {
        use octocrab::models::repos::Object;
        use params::repos::Reference;
        let repos = self.repos();
        match repos.get_ref(&Reference::Branch(branch.into())).await {
            Ok(_) => return Ok(false),
            Err(e) => match error(e) {
                TrackerError::NotFound(_) => {}
                other => return Err(other),
            },
        }
        let base = repos
            .get_ref(&Reference::Branch(from.into()))
            .await
            .map_err(error)?;
        let sha = match base.object {
            Object::Commit { sha, .. } | Object::Tag { sha, .. } => sha,
            _ => {
                return Err(TrackerError::Rejected {
                    status: 0,
                    message: format!("branch {from} does not point at a commit"),
                })
            }
        };
        repos
            .create_ref(&Reference::Branch(branch.into()), sha)
            .await
            .map(|_| true)
            .map_err(error)
    }

    async fn upsert_change_request(
        &self,
        r: &RequestSpec<'_>,
    ) -> Result<ChangeRequest, TrackerError> {
        let (head, body) = (r.head, r.body);
        let pulls = self.gh.pulls(&self.owner, &self.repo);
        let open = pulls
            .list()
            .head(format!("{}:{head}", self.owner))
            .base(r.base)
            .state(params::State::Open)
            .send()
            .await
            .map_err(error)?;
        let url = |p: &octocrab::models::pulls::PullRequest| {
            p.html_url
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default()
        };
        if let Some(pr) = open.items.first() {
            // The steady state writes nothing: an unchanged body is left alone.
            if same_text(pr.body.as_deref(), body) {
                return Ok(ChangeRequest {
                    number: pr.number,
                    url: url(pr),
                    created: false,
                });
            }
            let updated = pulls
                .update(pr.number)
                .body(body)
                .send()
                .await
                .map_err(error)?;
            return Ok(ChangeRequest {
                number: updated.number,
                url: url(&updated),
                created: false,
            });
        }
        let pr = pulls
            .create(r.title, head, r.base)
            .body(body)
            .send()
            .await
            .map_err(error)?;
        Ok(ChangeRequest {
            number: pr.number,
            url: url(&pr),
            created: true,
        })
    }
}

impl Browse for GitHub {
    fn origin(&self) -> String {
        format!("github:{}", self.full_name())
    }

    /// `GET /repos/{o}/{r}/git/trees/{branch}?recursive=1`: the whole tree in one answer.
    /// GitHub cuts that answer at 100,000 entries or 7 MB and says `truncated`; this refuses
    /// a cut tree with an error rather than walk it folder by folder (a request per folder),
    /// because a partial list would make every postmortem it missed look removed.
    async fn list_files(&self, branch: &str) -> Result<Vec<RepoEntry>, TrackerError> {
        let tree = self
            .repos()
            .git()
            .get_tree(encode_path(branch))
            .recursive(true)
            .send()
            .await
            .map_err(error);
        let tree = match tree {
            Ok(tree) => tree,
            // "Git Repository is empty.": no commit yet, so no files.
            Err(TrackerError::Rejected { status: 409, .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        if tree.truncated {
            return Err(TrackerError::Rejected {
                status: 0,
                message: format!(
                    "the tree of {}/{} on {branch} is too large for GitHub to list in one answer \
                     ({} entries returned, truncated); reading it would miss files",
                    self.owner,
                    self.repo,
                    tree.tree.len()
                ),
            });
        }
        let mut files: Vec<RepoEntry> = tree
            .tree
            .into_iter()
            .filter(|e| e.r#type == "blob" && e.mode != SYMLINK_MODE)
            .map(|e| RepoEntry {
                path: e.path,
                size: e.size.map(|s| s as u64),
                sha: e.sha,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

impl GitHub {
    /// `GET /users/LOGIN`: the login when the user exists, `None` when not (or when the login
    /// is not one GitHub could have).
    async fn lookup_user(&self, login: String) -> Result<Option<String>, TrackerError> {
        let login = login.as_str();
        let path: String = login
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        Ok(if path.is_empty() || path != login {
            None
        } else {
            let rsp = self
                .gh
                ._get(format!("{}/users/{path}", self.api_url))
                .await
                .map_err(error)?;
            match rsp.status().as_u16() {
                200 => Some(login.to_string()),
                404 => None,
                401 => return Err(TrackerError::Unauthorized("Bad credentials".into())),
                429 | 403 => {
                    return Err(TrackerError::RateLimited {
                        wait: retry_after(
                            rsp.headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok()),
                        ),
                        message: "rate limited while looking up users".into(),
                    })
                }
                s => return Err(TrackerError::Transient(format!("GitHub answered {s}"))),
            }
        })
    }
}
