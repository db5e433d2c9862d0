//! GitHub Projects (v2) through the GraphQL API: a project's fields, its items (100 a page,
//! with the values of their fields), the node ids of issues, and the two writes the tool
//! makes (add an issue as an item; set or clear a field value), batched several to a request.
//!
//! Like the other adapters, one request per call and no retry here: every call is safe to
//! repeat (adding an issue that is already an item returns that item), so the reconcile step
//! runs them through [`super::paced::Paced::retrying`].

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use octocrab::Octocrab;
use serde_json::{json, Map, Value};

use super::client::Client;
use super::github;
use super::TrackerError;
use crate::board::{
    FieldType, FieldValue, FieldWrite, ProjectField, ProjectItem, ProjectSchema, SelectOption,
};

/// Items read per request (GitHub's most).
pub const PAGE: usize = 100;

/// Mutations sent in one request.
pub const BATCH: usize = 25;

/// Field values read per item: more than a project has fields in practice.
const VALUES_PER_ITEM: usize = 50;

/// What to tell people whose token cannot reach the project.
pub const TOKEN_HINT: &str = "GitHub Actions' GITHUB_TOKEN cannot read or write organisation projects: use a GitHub App installation token (organisation projects permission) or a personal access token with the `project` scope";

const PROJECT_QUERY: &str = "query PostmortemTrackerProject($owner: String!, $number: Int!) {
  repositoryOwner(login: $owner) {
    __typename
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        id
        title
        url
        fields(first: 100) {
          nodes {
            ... on ProjectV2FieldCommon { id name dataType }
            ... on ProjectV2SingleSelectField { options { id name } }
          }
        }
      }
    }
  }
}";

fn items_query() -> String {
    format!(
        "query PostmortemTrackerProjectItems($project: ID!, $after: String) {{
  node(id: $project) {{
    ... on ProjectV2 {{
      items(first: {PAGE}, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{
          id
          content {{ ... on Issue {{ number repository {{ nameWithOwner }} }} }}
          fieldValues(first: {VALUES_PER_ITEM}) {{
            nodes {{
              ... on ProjectV2ItemFieldTextValue {{ text field {{ ... on ProjectV2FieldCommon {{ id }} }} }}
              ... on ProjectV2ItemFieldDateValue {{ date field {{ ... on ProjectV2FieldCommon {{ id }} }} }}
              ... on ProjectV2ItemFieldSingleSelectValue {{ optionId field {{ ... on ProjectV2FieldCommon {{ id }} }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"
    )
}

/// One GraphQL error as GitHub sends it (`type` is GitHub's addition to the spec).
#[derive(Debug, Clone)]
struct GqlError {
    kind: String,
    message: String,
    /// The first segment of its path: the alias of a batched mutation.
    at: Option<String>,
}

/// An answer: `data` and the errors beside it (GraphQL answers 200 with both).
struct Answer {
    data: Value,
    errors: Vec<GqlError>,
    /// Seconds until the rate limit resets, from `x-ratelimit-reset`.
    reset_in: Option<Duration>,
}

impl Answer {
    /// The first error as a tracker error, `what` saying what was asked.
    fn failure(&self, what: &str) -> Option<TrackerError> {
        let e = self.errors.first()?;
        let message = format!("{what}: {}", e.message);
        Some(match e.kind.as_str() {
            "RATE_LIMITED" => TrackerError::RateLimited {
                wait: self.reset_in,
                message,
            },
            "NOT_FOUND" => TrackerError::NotFound(message),
            "FORBIDDEN" | "INSUFFICIENT_SCOPES" => {
                TrackerError::Forbidden(format!("{message}; {TOKEN_HINT}"))
            }
            _ => TrackerError::Rejected {
                status: 200,
                message,
            },
        })
    }
}

/// The GraphQL endpoint beside the REST `api_url`, as the forge's client is given it:
/// `/graphql` below the API root (`https://api.github.com/graphql`), relative, since octocrab
/// sends a GitHub App installation's token only with relative addresses (and
/// api.github.com's); GitHub Enterprise's `https://HOST/api/v3` → `https://HOST/api/graphql`,
/// in full, since it is not below the root.
pub fn graphql_url(api_url: &str) -> String {
    let api_url = api_url.trim_end_matches('/');
    match api_url.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => "/graphql".into(),
    }
}

/// What GitHub's GraphQL endpoint answered: the JSON, and the time until the rate limit
/// resets (`x-ratelimit-reset`), for a `RATE_LIMITED` error answered with 200.
#[derive(Debug, Clone)]
pub struct Response {
    pub json: Value,
    pub reset_in: Option<Duration>,
}

/// A forge that takes GitHub GraphQL requests: the Projects calls go through the forge's own
/// client (its credentials: token or App installation), so whatever wraps the forge (the
/// service's request counts) sees them as it sees the REST calls.
#[allow(async_fn_in_trait)]
pub trait GraphQl {
    /// Posts one request (`query`, `variables`); `write`: it is a mutation.
    async fn graphql(&self, body: &Value, write: bool) -> Result<Response, TrackerError>;
}

impl GraphQl for github::GitHub {
    async fn graphql(&self, body: &Value, _write: bool) -> Result<Response, TrackerError> {
        let (gh, api_url) = self.octocrab();
        post(gh, &graphql_url(api_url), body).await
    }
}

/// GitLab has no GitHub Projects; the board step never asks it (it checks the forge first).
impl GraphQl for super::gitlab::GitLab {
    async fn graphql(&self, _body: &Value, _write: bool) -> Result<Response, TrackerError> {
        Err(TrackerError::Rejected {
            status: 0,
            message: "GitHub Projects are GitHub's: the tracker is GitLab".into(),
        })
    }
}

impl GraphQl for Client {
    async fn graphql(&self, body: &Value, write: bool) -> Result<Response, TrackerError> {
        match self {
            Client::GitHub(gh) => gh.graphql(body, write).await,
            Client::GitLab(gl) => gl.graphql(body, write).await,
        }
    }
}

/// Posts `body` to `url` with `gh`.
async fn post(gh: &Octocrab, url: &str, body: &Value) -> Result<Response, TrackerError> {
    let rsp = gh._post(url, Some(body)).await.map_err(github::error)?;
    let rsp = octocrab::map_github_error(rsp)
        .await
        .map_err(github::error)?;
    let reset_in = rsp
        .headers()
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .map(|reset| Duration::from_secs((reset - chrono::Utc::now().timestamp()).max(1) as u64));
    let text = gh.body_to_string(rsp).await.map_err(github::error)?;
    let json = serde_json::from_str(&text).map_err(|e| {
        TrackerError::Transient(format!(
            "GitHub's GraphQL API answered with something that is not JSON: {e}"
        ))
    })?;
    Ok(Response { json, reset_in })
}

/// A GitHub Projects (v2) client over `forge`.
pub struct Projects<'a, G> {
    forge: &'a G,
}

impl<'a, G: GraphQl> Projects<'a, G> {
    /// Projects reached through `forge`.
    pub fn new(forge: &'a G) -> Self {
        Projects { forge }
    }

    async fn call(&self, query: &str, variables: Value) -> Result<Answer, TrackerError> {
        let body = json!({ "query": query, "variables": variables });
        let write = query.trim_start().starts_with("mutation");
        let Response { json: v, reset_in } = self.forge.graphql(&body, write).await?;
        let errors = v
            .get("errors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| GqlError {
                        kind: e
                            .get("type")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        message: e
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown error")
                            .to_string(),
                        at: e
                            .get("path")
                            .and_then(|p| p.get(0))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Answer {
            data: v.get("data").cloned().unwrap_or(Value::Null),
            errors,
            reset_in,
        })
    }

    /// The project `owner`'s number `number`: its id, title, address and fields. A project
    /// that does not exist and one the token cannot see are one answer on GitHub; the message
    /// says both, and how to get a token that can.
    pub async fn schema(&self, owner: &str, number: u64) -> Result<ProjectSchema, TrackerError> {
        let what = format!("GitHub project {owner}/{number} (projects.github)");
        let a = self
            .call(PROJECT_QUERY, json!({ "owner": owner, "number": number }))
            .await?;
        let owner_node = &a.data["repositoryOwner"];
        if let Some(e) = a.failure(&what) {
            return Err(match e {
                TrackerError::NotFound(m) => TrackerError::NotFound(format!(
                    "{m}: no such project, or the token cannot see it; {TOKEN_HINT}"
                )),
                other => other,
            });
        }
        if owner_node.is_null() {
            return Err(TrackerError::NotFound(format!(
                "{what}: GitHub has no organisation or user {owner:?} (projects.github.owner)"
            )));
        }
        let p = &owner_node["projectV2"];
        if p.is_null() {
            return Err(TrackerError::NotFound(format!(
                "{what}: no such project, or the token cannot see it; {TOKEN_HINT}"
            )));
        }
        let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
        let fields = p["fields"]["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter(|f| f["id"].is_string())
                    .map(|f| ProjectField {
                        id: text(f, "id"),
                        name: text(f, "name"),
                        data_type: match f["dataType"].as_str().unwrap_or_default() {
                            "TEXT" => FieldType::Text,
                            "DATE" => FieldType::Date,
                            "SINGLE_SELECT" => FieldType::SingleSelect(
                                f["options"]
                                    .as_array()
                                    .map(|o| {
                                        o.iter()
                                            .map(|o| SelectOption {
                                                id: text(o, "id"),
                                                name: text(o, "name"),
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                            ),
                            other => FieldType::Other(other.to_string()),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ProjectSchema {
            id: text(p, "id"),
            title: text(p, "title"),
            url: text(p, "url"),
            fields,
        })
    }

    /// One page of the project's items (`after` the cursor of the page before), and the
    /// cursor of the next page when there is one.
    pub async fn items_page(
        &self,
        project: &str,
        after: Option<&str>,
    ) -> Result<(Vec<ProjectItem>, Option<String>), TrackerError> {
        let a = self
            .call(
                &items_query(),
                json!({ "project": project, "after": after }),
            )
            .await?;
        if let Some(e) = a.failure("reading the GitHub project's items") {
            return Err(e);
        }
        let items = &a.data["node"]["items"];
        let nodes = items["nodes"].as_array().cloned().unwrap_or_default();
        let out = nodes
            .iter()
            .filter_map(|n| {
                let id = n["id"].as_str()?.to_string();
                let c = &n["content"];
                let issue = match (
                    c["number"].as_u64(),
                    c["repository"]["nameWithOwner"].as_str(),
                ) {
                    (Some(number), Some(repo)) => Some((repo.to_string(), number)),
                    _ => None,
                };
                let values: BTreeMap<String, FieldValue> = n["fieldValues"]["nodes"]
                    .as_array()
                    .map(|vs| {
                        vs.iter()
                            .filter_map(|v| {
                                let field = v["field"]["id"].as_str()?.to_string();
                                let value = if let Some(t) = v["text"].as_str() {
                                    FieldValue::Text(t.to_string())
                                } else if let Some(d) = v["date"].as_str() {
                                    FieldValue::Date(d.get(..10)?.parse().ok()?)
                                } else {
                                    FieldValue::Option(v["optionId"].as_str()?.to_string())
                                };
                                Some((field, value))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(ProjectItem { id, issue, values })
            })
            .collect();
        let next = (items["pageInfo"]["hasNextPage"].as_bool() == Some(true))
            .then(|| items["pageInfo"]["endCursor"].as_str().map(str::to_string))
            .flatten();
        Ok((out, next))
    }

    /// The node ids of issues `numbers` of `repo` (`owner/name`), at most [`PAGE`] at once;
    /// an issue GitHub does not find is left out.
    pub async fn issue_ids(
        &self,
        repo: &str,
        numbers: &[u64],
    ) -> Result<HashMap<u64, String>, TrackerError> {
        let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
        let fields: String = numbers
            .iter()
            .map(|n| format!("    i{n}: issue(number: {n}) {{ id }}\n"))
            .collect();
        let query = format!(
            "query PostmortemTrackerIssueIds($owner: String!, $name: String!) {{\n  repository(owner: $owner, name: $name) {{\n{fields}  }}\n}}"
        );
        let a = self
            .call(&query, json!({ "owner": owner, "name": name }))
            .await?;
        // An issue that is gone is a NOT_FOUND error beside the others' ids.
        if let Some(e) = a.failure(&format!("finding issues of {repo}")) {
            if !matches!(e, TrackerError::NotFound(_)) || a.data["repository"].is_null() {
                return Err(e);
            }
        }
        Ok(numbers
            .iter()
            .filter_map(|n| {
                let id = a.data["repository"][format!("i{n}")]["id"].as_str()?;
                Some((*n, id.to_string()))
            })
            .collect())
    }

    /// Adds issues (number, node id) to the project in one request (at most [`BATCH`]):
    /// the item id of each one added, and the errors of those GitHub refused. Adding an issue
    /// that is already an item is harmless.
    pub async fn add_items(
        &self,
        project: &str,
        issues: &[(u64, String)],
    ) -> Result<(HashMap<u64, String>, Vec<String>), TrackerError> {
        let mut vars = Map::new();
        let mut decl = Vec::new();
        let mut body = String::new();
        for (number, content) in issues {
            let alias = format!("a{number}");
            decl.push(format!("${alias}: AddProjectV2ItemByIdInput!"));
            body.push_str(&format!(
                "  {alias}: addProjectV2ItemById(input: ${alias}) {{ item {{ id }} }}\n"
            ));
            vars.insert(alias, json!({ "projectId": project, "contentId": content }));
        }
        let query = format!(
            "mutation PostmortemTrackerAddItems({}) {{\n{body}}}",
            decl.join(", ")
        );
        let a = self.call(&query, Value::Object(vars)).await?;
        fatal(&a, "adding issues to the GitHub project")?;
        let mut added = HashMap::new();
        let mut errors = Vec::new();
        for (number, _) in issues {
            match a.data[format!("a{number}")]["item"]["id"].as_str() {
                Some(id) => {
                    added.insert(*number, id.to_string());
                }
                None => errors.push(format!(
                    "#{number}: could not be added to the GitHub project: {}",
                    error_at(&a, &format!("a{number}"))
                )),
            }
        }
        Ok((added, errors))
    }

    /// Sets or clears field values in one request (at most [`BATCH`]), each on the item given
    /// with it; the errors of those GitHub refused.
    pub async fn write(
        &self,
        project: &str,
        writes: &[(String, FieldWrite)],
    ) -> Result<Vec<String>, TrackerError> {
        let mut vars = Map::new();
        let mut decl = Vec::new();
        let mut body = String::new();
        for (i, (item, w)) in writes.iter().enumerate() {
            let alias = format!("w{i}");
            let mut input = json!({ "projectId": project, "itemId": item, "fieldId": w.field_id });
            let (mutation, input_type) = match &w.value {
                None => (
                    "clearProjectV2ItemFieldValue",
                    "ClearProjectV2ItemFieldValueInput",
                ),
                Some(v) => {
                    input["value"] = match v {
                        FieldValue::Text(t) => json!({ "text": t }),
                        FieldValue::Date(d) => json!({ "date": d.format("%Y-%m-%d").to_string() }),
                        FieldValue::Option(o) => json!({ "singleSelectOptionId": o }),
                    };
                    (
                        "updateProjectV2ItemFieldValue",
                        "UpdateProjectV2ItemFieldValueInput",
                    )
                }
            };
            decl.push(format!("${alias}: {input_type}!"));
            body.push_str(&format!(
                "  {alias}: {mutation}(input: ${alias}) {{ projectV2Item {{ id }} }}\n"
            ));
            vars.insert(alias, input);
        }
        let query = format!(
            "mutation PostmortemTrackerSetFields({}) {{\n{body}}}",
            decl.join(", ")
        );
        let a = self.call(&query, Value::Object(vars)).await?;
        fatal(&a, "writing the GitHub project's fields")?;
        let mut errors = Vec::new();
        for (i, (_, w)) in writes.iter().enumerate() {
            let alias = format!("w{i}");
            if a.data[&alias]["projectV2Item"]["id"].is_null() {
                errors.push(format!(
                    "#{}: could not write field {:?} of the GitHub project: {}",
                    w.number,
                    w.field,
                    error_at(&a, &alias)
                ));
            }
        }
        Ok(errors)
    }
}

/// The errors that concern the whole request (rate limit, token) as an `Err`; errors of
/// single mutations are left for the caller to report.
fn fatal(a: &Answer, what: &str) -> Result<(), TrackerError> {
    match a.failure(what) {
        Some(e @ (TrackerError::RateLimited { .. } | TrackerError::Forbidden(_))) => Err(e),
        _ => Ok(()),
    }
}

/// The message of the error at `alias`, else the first one.
fn error_at(a: &Answer, alias: &str) -> String {
    a.errors
        .iter()
        .find(|e| e.at.as_deref() == Some(alias))
        .or(a.errors.first())
        .map_or_else(|| "no answer".into(), |e| e.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_sits_beside_the_rest_api() {
        assert_eq!(graphql_url("https://api.github.com/"), "/graphql");
        assert_eq!(graphql_url("http://127.0.0.1:8080"), "/graphql");
        assert_eq!(
            graphql_url("https://ghe.example/api/v3"),
            "https://ghe.example/api/graphql"
        );
    }
}
