//! What a pull or merge request check needs from the forge beyond issues: the request's
//! changed files, and one sticky comment found again by its hidden marker (listed, edited if
//! found, created otherwise: never a second one).

use std::borrow::Cow;
use std::time::Duration;

use gitlab::api::{self, AsyncQuery, Pagination};
use octocrab::Octocrab;
use serde_json::{json, Value};

use crate::forge::gitlab::RateLimitAware;
use crate::forge::{SetupError, TrackerError};

/// The hidden marker of the tool's pull/merge request comment.
pub const STICKY_MARKER: &str = "<!-- postmortem-tracker: pr-comment -->";

/// Upper bound on pages read from any listing (100 a page: GitHub lists at most 3,000
/// changed files; comments beyond 10,000 are not worth reading).
const MAX_PAGES: usize = 100;

/// What happened to the sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sticky {
    Created,
    Updated,
    /// The existing comment already says this.
    Unchanged,
}

/// A pull request on GitHub or a merge request on GitLab.
pub enum Review {
    GitHub {
        gh: Octocrab,
        repo: String,
        number: u64,
    },
    GitLab {
        client: Box<RateLimitAware>,
        project: String,
        iid: u64,
    },
}

impl Review {
    /// A GitHub pull request.
    pub fn github(
        api_url: &str,
        repo: &str,
        number: u64,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<Review, SetupError> {
        Ok(Review::GitHub {
            gh: crate::forge::github::client(api_url, token, timeout)?,
            repo: repo.to_string(),
            number,
        })
    }

    /// A GitHub pull request, commented on by `app`'s installation on `repo` (found through
    /// `GET /repos/{owner}/{repo}/installation`), as the App's bot account.
    pub async fn github_app(
        app: &crate::forge::app::GitHubApp,
        repo: &str,
        number: u64,
    ) -> Result<Review, TrackerError> {
        let installation = app.installation_of(repo).await?;
        Ok(Review::GitHub {
            gh: app.client(installation).await?,
            repo: repo.to_string(),
            number,
        })
    }

    /// A GitLab merge request (the token is checked on connect).
    pub async fn gitlab(
        api_url: &str,
        project: &str,
        iid: u64,
        token: &str,
    ) -> Result<Review, TrackerError> {
        let client = crate::forge::gitlab::client(api_url, token).await?;
        Ok(Review::GitLab {
            client: Box::new(client),
            project: project.to_string(),
            iid,
        })
    }

    /// Paths the request adds or modifies (removed files are left out: nothing to lint).
    pub async fn changed_files(&self) -> Result<Vec<String>, TrackerError> {
        match self {
            Review::GitHub { gh, repo, number } => {
                let route = format!("/repos/{repo}/pulls/{number}/files");
                let files = gh_all(gh, &route).await?;
                Ok(files
                    .iter()
                    .filter(|f| f["status"].as_str() != Some("removed"))
                    .filter_map(|f| f["filename"].as_str().map(str::to_string))
                    .collect())
            }
            Review::GitLab {
                client,
                project,
                iid,
            } => {
                let endpoint = Raw::get(format!(
                    "projects/{}/merge_requests/{iid}/diffs",
                    api::common::path_escaped(project)
                ));
                let diffs: Vec<Value> = api::paged(endpoint, Pagination::Limit(MAX_PAGES * 100))
                    .query_async(client.as_ref())
                    .await
                    .map_err(crate::forge::gitlab::api_error)?;
                Ok(diffs
                    .iter()
                    .filter(|d| d["deleted_file"].as_bool() != Some(true))
                    .filter_map(|d| d["new_path"].as_str().map(str::to_string))
                    .collect())
            }
        }
    }

    /// Writes `body` (which must contain [`STICKY_MARKER`]) as the request's one comment of
    /// the tool: edits the comment carrying the marker, or creates it.
    pub async fn upsert_sticky(&self, body: &str) -> Result<Sticky, TrackerError> {
        // With `create`, an absent comment is created, so there is always an outcome.
        Ok(self
            .write_sticky(body, true)
            .await?
            .unwrap_or(Sticky::Created))
    }

    /// For a request that no longer changes any postmortem: edits the tool's existing comment
    /// to say so (an earlier plan would otherwise stay up, stale), and never creates one.
    /// `None` when the request has no comment of the tool.
    pub async fn retire_sticky(&self) -> Result<Option<Sticky>, TrackerError> {
        self.write_sticky(&self.no_postmortem_body(), false).await
    }

    /// The comment body once no postmortem is changed: the marker and one sentence.
    pub fn no_postmortem_body(&self) -> String {
        let what = match self {
            Review::GitHub { .. } => "pull request",
            Review::GitLab { .. } => "merge request",
        };
        format!(
            "{STICKY_MARKER}\n**postmortem-tracker**: this {what} no longer changes any postmortem, \
             so there is nothing to lint or plan. An earlier version of this comment is replaced."
        )
    }

    /// Edits the marked comment to `body`, or creates it when `create`; `None` when it is
    /// absent and not created.
    async fn write_sticky(&self, body: &str, create: bool) -> Result<Option<Sticky>, TrackerError> {
        match self {
            Review::GitHub { gh, repo, number } => {
                let comments =
                    gh_all(gh, &format!("/repos/{repo}/issues/{number}/comments")).await?;
                match find_marked(&comments, "body") {
                    Some((_, old)) if old == body => Ok(Some(Sticky::Unchanged)),
                    Some((id, _)) => {
                        let _: Value = gh
                            .patch(
                                format!("/repos/{repo}/issues/comments/{id}"),
                                Some(&json!({ "body": body })),
                            )
                            .await
                            .map_err(crate::forge::github::error)?;
                        Ok(Some(Sticky::Updated))
                    }
                    None if !create => Ok(None),
                    None => {
                        let _: Value = gh
                            .post(
                                format!("/repos/{repo}/issues/{number}/comments"),
                                Some(&json!({ "body": body })),
                            )
                            .await
                            .map_err(crate::forge::github::error)?;
                        Ok(Some(Sticky::Created))
                    }
                }
            }
            Review::GitLab {
                client,
                project,
                iid,
            } => {
                let notes_path = format!(
                    "projects/{}/merge_requests/{iid}/notes",
                    api::common::path_escaped(project)
                );
                let notes: Vec<Value> = api::paged(
                    Raw::get(notes_path.clone()),
                    Pagination::Limit(MAX_PAGES * 100),
                )
                .query_async(client.as_ref())
                .await
                .map_err(crate::forge::gitlab::api_error)?;
                let (method, path, outcome) = match find_marked(&notes, "body") {
                    Some((_, old)) if old == body => return Ok(Some(Sticky::Unchanged)),
                    Some((id, _)) => (
                        http::Method::PUT,
                        format!("{notes_path}/{id}"),
                        Sticky::Updated,
                    ),
                    None if !create => return Ok(None),
                    None => (http::Method::POST, notes_path, Sticky::Created),
                };
                let endpoint = Raw {
                    method,
                    path,
                    body: Some(json!({ "body": body }).to_string().into_bytes()),
                };
                api::ignore(endpoint)
                    .query_async(client.as_ref())
                    .await
                    .map_err(crate::forge::gitlab::api_error)?;
                Ok(Some(outcome))
            }
        }
    }
}

/// The first comment whose body carries the marker: (id, body).
fn find_marked<'a>(comments: &'a [Value], field: &str) -> Option<(u64, &'a str)> {
    comments.iter().find_map(|c| {
        let body = c[field].as_str()?;
        body.contains(STICKY_MARKER)
            .then(|| c["id"].as_u64().map(|id| (id, body)))
            .flatten()
    })
}

/// Every page of a GitHub listing (100 a page, at most [`MAX_PAGES`]).
async fn gh_all(gh: &Octocrab, route: &str) -> Result<Vec<Value>, TrackerError> {
    let mut out = Vec::new();
    for page in 1..=MAX_PAGES {
        let items: Vec<Value> = gh
            .get(route, Some(&[("per_page", 100), ("page", page)]))
            .await
            .map_err(crate::forge::github::error)?;
        let n = items.len();
        out.extend(items);
        if n < 100 {
            break;
        }
    }
    Ok(out)
}

/// A GitLab request the crate has no endpoint for (MR diffs; note edits with a JSON body).
struct Raw {
    method: http::Method,
    path: String,
    body: Option<Vec<u8>>,
}

impl Raw {
    fn get(path: String) -> Raw {
        Raw {
            method: http::Method::GET,
            path,
            body: None,
        }
    }
}

impl api::Endpoint for Raw {
    fn method(&self) -> http::Method {
        self.method.clone()
    }
    fn endpoint(&self) -> Cow<'static, str> {
        self.path.clone().into()
    }
    fn body(&self) -> Result<Option<(&'static str, Vec<u8>)>, api::BodyError> {
        Ok(self.body.clone().map(|b| ("application/json", b)))
    }
}
impl api::Pageable for Raw {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marked_comment_is_found_among_others() {
        let comments = vec![
            json!({"id": 1, "body": "LGTM"}),
            json!({"id": 2, "body": format!("{STICKY_MARKER}\nplan")}),
        ];
        assert_eq!(find_marked(&comments, "body").map(|(id, _)| id), Some(2));
        assert_eq!(find_marked(&comments[..1], "body"), None);
    }
}
