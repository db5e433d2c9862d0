//! The fake GitHub's GraphQL endpoint (`POST /graphql`), for Projects (v2): the operations
//! the tool sends, answered from state, checked as GitHub checks them.
//!
//! - Queries: a project with its fields by owner and number (`repositoryOwner` →
//!   `projectV2`), a project's items a page at a time (`first`, `after`), issue node ids by
//!   number (one aliased `issue(number: N)` each).
//! - Mutations, any number in one request, each counted: `addProjectV2ItemById`,
//!   `updateProjectV2ItemFieldValue`, `clearProjectV2ItemFieldValue`. Unknown node ids, a
//!   field of another project, a value of the wrong type and an option the field does not
//!   have are errors (the mutation is not applied, the others in the request are).
//! - Tokens: a login can be denied projects as GitHub denies them: a classic token without
//!   the `project` scope (`INSUFFICIENT_SCOPES`), or Actions' `GITHUB_TOKEN` on an
//!   organisation project (`FORBIDDEN`, "Resource not accessible by integration").
//!
//! Operations are told apart by name (`query PostmortemTrackerProject…`), as the tool names
//! them; the selection sets are not interpreted, the answers have the shapes GitHub gives them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::github::GitHubState;
use super::{Reply, Req, TokenGrant};

/// A field of a project.
#[derive(Debug, Clone)]
pub struct PField {
    pub id: String,
    pub name: String,
    /// GitHub's `dataType`: `TITLE`, `TEXT`, `DATE`, `SINGLE_SELECT`, `ASSIGNEES`, …
    pub data_type: String,
    /// (id, name) of each option of a single-select field.
    pub options: Vec<(String, String)>,
}

/// An item: an issue (by node id) and its values (field id → `{"text"}`, `{"date"}` or
/// `{"optionId"}`).
#[derive(Debug, Clone)]
pub struct PItem {
    pub id: String,
    pub content: String,
    pub values: BTreeMap<String, Value>,
}

/// A project (v2).
#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    pub owner: String,
    pub number: u64,
    pub title: String,
    pub fields: Vec<PField>,
    pub items: Vec<PItem>,
}

impl Project {
    /// Adds a field (`options` for a single select); returns its id.
    pub fn add_field(&mut self, name: &str, data_type: &str, options: &[&str]) -> String {
        let id = format!("PVTF_{}_{}", self.number, self.fields.len() + 1);
        self.fields.push(PField {
            id: id.clone(),
            name: name.into(),
            data_type: data_type.into(),
            options: options
                .iter()
                .enumerate()
                .map(|(i, o)| (format!("{id}_o{i}"), o.to_string()))
                .collect(),
        });
        id
    }

    /// Renames a field, as a person does in the project's settings.
    pub fn rename_field(&mut self, from: &str, to: &str) {
        let f = self
            .fields
            .iter_mut()
            .find(|f| f.name == from)
            .unwrap_or_else(|| panic!("no field {from:?} in the fake project"));
        f.name = to.into();
    }

    fn field(&self, id: &str) -> Option<&PField> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// How a login is refused projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// A classic token without the `project` / `read:project` scope.
    NoScope,
    /// Actions' `GITHUB_TOKEN`: no access to organisation projects.
    Integration,
}

/// The projects, the refused logins, and what was asked.
#[derive(Debug, Default)]
pub struct ProjectsState {
    pub projects: Vec<Project>,
    pub denied: BTreeMap<String, Denial>,
    /// GraphQL requests received (queries and mutations, refused ones too).
    pub requests: usize,
    /// Reads of a project and its fields (`PostmortemTrackerProject`): one per board step.
    pub project_reads: usize,
    /// GraphQL query requests answered.
    pub queries: usize,
    /// Mutations received (several may come in one request), applied or not.
    pub mutations: usize,
    next_item: u64,
}

impl ProjectsState {
    /// A project as GitHub creates one (Title, Assignees, Status with Todo / In Progress /
    /// Done, Labels, Linked pull requests, Milestone, Repository, Reviewers).
    pub fn add_project(&mut self, owner: &str, number: u64, title: &str) -> &mut Project {
        let mut p = Project {
            id: format!("PVT_fake_{owner}_{number}"),
            owner: owner.into(),
            number,
            title: title.into(),
            fields: Vec::new(),
            items: Vec::new(),
        };
        p.add_field("Title", "TITLE", &[]);
        p.add_field("Assignees", "ASSIGNEES", &[]);
        p.add_field("Status", "SINGLE_SELECT", &["Todo", "In Progress", "Done"]);
        p.add_field("Labels", "LABELS", &[]);
        p.add_field("Linked pull requests", "LINKED_PULL_REQUESTS", &[]);
        p.add_field("Milestone", "MILESTONE", &[]);
        p.add_field("Repository", "REPOSITORY", &[]);
        p.add_field("Reviewers", "REVIEWERS", &[]);
        self.projects.push(p);
        self.projects.last_mut().expect("just pushed")
    }

    /// The project `owner`'s number `number`. Panics when absent (a test set-up error).
    pub fn project(&self, owner: &str, number: u64) -> &Project {
        self.projects
            .iter()
            .find(|p| p.owner == owner && p.number == number)
            .unwrap_or_else(|| panic!("no project {owner}/{number} in the fake"))
    }

    /// The same, mutable.
    pub fn project_mut(&mut self, owner: &str, number: u64) -> &mut Project {
        self.projects
            .iter_mut()
            .find(|p| p.owner == owner && p.number == number)
            .unwrap_or_else(|| panic!("no project {owner}/{number} in the fake"))
    }
}

/// The node id of an issue, as the REST answers give it (`node_id`).
fn node_id(id: u64) -> String {
    format!("I_fake{id}")
}

/// (repository index, issue number, title) of the issue with node id `node`.
fn issue_by_node(st: &GitHubState, node: &str) -> Option<(usize, u64, String)> {
    st.repos.iter().enumerate().find_map(|(r, repo)| {
        repo.issues
            .iter()
            .find(|i| i.pull.is_none() && node_id(i.id) == node)
            .map(|i| (r, i.number, i.title.clone()))
    })
}

/// The values of the item of issue `repo`#`number` on project `owner`/`project`, by field
/// name, as people read them (text, `YYYY-MM-DD`, the option's name); `None` when the issue
/// is not on the project.
pub fn item_values(
    st: &GitHubState,
    (owner, project): (&str, u64),
    repo: (&str, &str),
    number: u64,
) -> Option<BTreeMap<String, String>> {
    let p = st.projects.project(owner, project);
    let issue = st.repo(repo.0, repo.1).issue(number)?;
    let item = p.items.iter().find(|i| i.content == node_id(issue.id))?;
    Some(
        item.values
            .iter()
            .filter_map(|(field, v)| {
                let f = p.field(field)?;
                let shown = if let Some(o) = v["optionId"].as_str() {
                    f.options.iter().find(|(id, _)| id == o)?.1.clone()
                } else {
                    v["text"].as_str().or(v["date"].as_str())?.to_string()
                };
                Some((f.name.clone(), shown))
            })
            .collect(),
    )
}

/// Puts issue `repo`#`number` on project `owner`/`project` (as a person adding it by hand).
pub fn add_item(
    st: &mut GitHubState,
    (owner, project): (&str, u64),
    repo: (&str, &str),
    number: u64,
) {
    let issue = st
        .repo(repo.0, repo.1)
        .issue(number)
        .unwrap_or_else(|| panic!("no issue {}/{}#{number} in the fake", repo.0, repo.1));
    let content = node_id(issue.id);
    st.projects.next_item += 1;
    let id = format!("PVTI_fake{}", st.projects.next_item);
    st.projects.project_mut(owner, project).items.push(PItem {
        id,
        content,
        values: BTreeMap::new(),
    });
}

fn gql_error(kind: &str, message: &str, path: &[&str]) -> Value {
    json!({"type": kind, "path": path, "locations": [{"line": 2, "column": 3}], "message": message})
}

fn answer(data: Value, errors: Vec<Value>) -> Reply {
    let mut body = json!({ "data": data });
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    Reply::json(200, &body)
}

fn no_node(id: &str) -> String {
    format!("Could not resolve to a node with the global id of '{id}'.")
}

/// The denial of `login`, as the error GitHub answers with.
fn denial(st: &GitHubState, login: &str, path: &[&str]) -> Option<Value> {
    Some(match st.projects.denied.get(login)? {
        Denial::NoScope => gql_error(
            "INSUFFICIENT_SCOPES",
            "Your token has not been granted the required scopes to execute this query. The 'projectV2' field requires one of the following scopes: ['read:project'], but your token has only been granted the: ['repo'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.",
            path,
        ),
        Denial::Integration => {
            gql_error("FORBIDDEN", "Resource not accessible by integration", path)
        }
    })
}

/// `POST /graphql`.
pub fn graphql(st: &mut GitHubState, req: &Req, grant: Option<&TokenGrant>) -> Reply {
    st.projects.requests += 1;
    let Some(grant) = grant else {
        return Reply::json(
            401,
            &json!({"message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"}),
        );
    };
    let body = req.json();
    let Some(query) = body["query"].as_str() else {
        return Reply::json(
            400,
            &json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}),
        );
    };
    let vars = body["variables"].clone();
    let mut words = query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let (kind, name) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let login = grant.login.clone();
    if kind == "mutation" {
        return mutations(st, query, &vars, &login);
    }
    st.projects.queries += 1;
    match name {
        "PostmortemTrackerProject" => {
            st.projects.project_reads += 1;
            project_query(st, &vars, &login)
        }
        "PostmortemTrackerProjectItems" => items_query(st, query, &vars, &login),
        "PostmortemTrackerIssueIds" => issue_ids(st, query, &vars),
        other => answer(
            Value::Null,
            vec![gql_error(
                "UNKNOWN",
                &format!("the fake does not answer operation {other:?}"),
                &[],
            )],
        ),
    }
}

fn project_query(st: &GitHubState, vars: &Value, login: &str) -> Reply {
    let owner = vars["owner"].as_str().unwrap_or_default();
    let number = vars["number"].as_u64().unwrap_or_default();
    let Some(user) = st
        .users
        .iter()
        .find(|u| u.login.eq_ignore_ascii_case(owner))
    else {
        return answer(json!({"repositoryOwner": null}), Vec::new());
    };
    let typename = if st.orgs.iter().any(|o| o.eq_ignore_ascii_case(owner)) {
        "Organization"
    } else {
        "User"
    };
    let path = ["repositoryOwner", "projectV2"];
    let none = json!({"repositoryOwner": {"__typename": typename, "projectV2": null}});
    if let Some(e) = denial(st, login, &path) {
        return answer(none, vec![e]);
    }
    let Some(p) = st
        .projects
        .projects
        .iter()
        .find(|p| p.owner.eq_ignore_ascii_case(&user.login) && p.number == number)
    else {
        let e = gql_error(
            "NOT_FOUND",
            &format!("Could not resolve to a ProjectV2 with the number {number}."),
            &path,
        );
        return answer(none, vec![e]);
    };
    let kind = if typename == "Organization" {
        "orgs"
    } else {
        "users"
    };
    let fields: Vec<Value> = p
        .fields
        .iter()
        .map(|f| {
            let mut v = json!({"id": f.id, "name": f.name, "dataType": f.data_type});
            if f.data_type == "SINGLE_SELECT" {
                v["options"] = f
                    .options
                    .iter()
                    .map(|(id, name)| json!({"id": id, "name": name}))
                    .collect();
            }
            v
        })
        .collect();
    answer(
        json!({"repositoryOwner": {"__typename": typename, "projectV2": {
            "id": p.id, "title": p.title,
            "url": format!("https://github.com/{kind}/{}/projects/{}", p.owner, p.number),
            "fields": {"nodes": fields},
        }}}),
        Vec::new(),
    )
}

/// The number after `word(first: ` in `query`.
fn first_arg(query: &str, word: &str) -> Option<usize> {
    let at = query.find(&format!("{word}(first:"))? + word.len() + "(first:".len();
    query[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn items_query(st: &GitHubState, query: &str, vars: &Value, login: &str) -> Reply {
    let id = vars["project"].as_str().unwrap_or_default();
    if let Some(e) = denial(st, login, &["node"]) {
        return answer(json!({"node": null}), vec![e]);
    }
    let Some(p) = st.projects.projects.iter().find(|p| p.id == id) else {
        return answer(
            json!({"node": null}),
            vec![gql_error("NOT_FOUND", &no_node(id), &["node"])],
        );
    };
    let Some(first) = first_arg(query, "items").filter(|n| (1..=100).contains(n)) else {
        return answer(
            Value::Null,
            vec![gql_error(
                "ARGUMENT_LIMIT",
                "Requesting 101 records on the `items` connection exceeds the `first` limit of 100 records.",
                &[],
            )],
        );
    };
    let per_item = first_arg(query, "fieldValues").unwrap_or(0).min(100);
    let start = match vars["after"].as_str() {
        None => 0,
        Some(c) => match c
            .strip_prefix("cursor:")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => n + 1,
            None => {
                return answer(
                    Value::Null,
                    vec![gql_error(
                        "INVALID_CURSOR_ARGUMENTS",
                        &format!("`{c}` does not appear to be a valid cursor."),
                        &[],
                    )],
                )
            }
        },
    };
    let page: Vec<(usize, &PItem)> = p.items.iter().enumerate().skip(start).take(first).collect();
    let nodes: Vec<Value> = page
        .iter()
        .map(|(_, item)| {
            let issue = issue_by_node(st, &item.content);
            let content = match &issue {
                Some((r, number, _)) => {
                    let repo = &st.repos[*r];
                    json!({"number": number, "repository": {"nameWithOwner": format!("{}/{}", repo.owner, repo.name)}})
                }
                None => json!({}),
            };
            let mut values: Vec<Value> = Vec::new();
            if let (Some((_, _, title)), Some(t)) =
                (&issue, p.fields.iter().find(|f| f.data_type == "TITLE"))
            {
                values.push(json!({"text": title, "field": {"id": t.id}}));
            }
            for f in &p.fields {
                if let Some(v) = item.values.get(&f.id) {
                    let mut v = v.clone();
                    v["field"] = json!({"id": f.id});
                    if let Some(o) = v["optionId"].as_str().map(str::to_string) {
                        v["name"] = json!(f.options.iter().find(|(id, _)| *id == o).map(|(_, n)| n));
                    }
                    values.push(v);
                }
            }
            values.truncate(per_item);
            json!({"id": item.id, "content": content, "fieldValues": {"nodes": values}})
        })
        .collect();
    let last = page.last().map(|(i, _)| *i);
    let has_next = last.is_some_and(|i| i + 1 < p.items.len());
    answer(
        json!({"node": {"items": {
            "pageInfo": {"hasNextPage": has_next, "endCursor": last.map(|i| format!("cursor:{i}"))},
            "nodes": nodes,
        }}}),
        Vec::new(),
    )
}

/// `(alias, name, argument)` of every `alias: name(arg: …)` in `query`'s selection: the
/// argument text up to the closing parenthesis.
fn aliased_calls(query: &str) -> Vec<(String, String, String)> {
    let body = &query[query.find('{').map_or(0, |i| i + 1)..];
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(colon) = rest.find(':') {
        let before = rest[..colon].trim_end();
        let alias: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let after = rest[colon + 1..].trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let tail = after[name.len()..].trim_start();
        if !alias.is_empty() && !name.is_empty() && tail.starts_with('(') {
            let close = tail.find(')').unwrap_or(tail.len());
            out.push((alias, name, tail[1..close].trim().to_string()));
            rest = &tail[close..];
        } else {
            rest = &rest[colon + 1..];
        }
    }
    out
}

fn issue_ids(st: &GitHubState, query: &str, vars: &Value) -> Reply {
    let (owner, name) = (
        vars["owner"].as_str().unwrap_or_default(),
        vars["name"].as_str().unwrap_or_default(),
    );
    let Some(repo) = st
        .repos
        .iter()
        .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    else {
        return answer(
            json!({"repository": null}),
            vec![gql_error(
                "NOT_FOUND",
                &format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
                &["repository"],
            )],
        );
    };
    let mut data = Map::new();
    let mut errors = Vec::new();
    for (alias, field, arg) in aliased_calls(query) {
        if field != "issue" {
            continue;
        }
        let number: Option<u64> = arg
            .strip_prefix("number:")
            .and_then(|n| n.trim().parse().ok());
        match number
            .and_then(|n| repo.issue(n))
            .filter(|i| i.pull.is_none())
        {
            Some(i) => {
                data.insert(alias, json!({"id": node_id(i.id)}));
            }
            None => {
                errors.push(gql_error(
                    "NOT_FOUND",
                    &format!(
                        "Could not resolve to an Issue with the number of {}.",
                        number.unwrap_or(0)
                    ),
                    &["repository", &alias],
                ));
                data.insert(alias, Value::Null);
            }
        }
    }
    answer(json!({"repository": data}), errors)
}

/// Every mutation of the request, in order; a refused one answers `null` with an error at its
/// alias and the others are still applied, as GitHub does.
fn mutations(st: &mut GitHubState, query: &str, vars: &Value, login: &str) -> Reply {
    let mut data = Map::new();
    let mut errors = Vec::new();
    for (alias, name, arg) in aliased_calls(query) {
        st.projects.mutations += 1;
        let input = arg
            .strip_prefix("input:")
            .map(str::trim)
            .and_then(|v| v.strip_prefix('$'))
            .map(|v| vars[v].clone())
            .unwrap_or(Value::Null);
        let done = match denial(st, login, &[&alias]) {
            Some(e) => Err(e),
            None => apply(st, &name, &input, &alias),
        };
        match done {
            Ok(v) => {
                data.insert(alias, v);
            }
            Err(e) => {
                errors.push(e);
                data.insert(alias, Value::Null);
            }
        }
    }
    answer(Value::Object(data), errors)
}

fn apply(st: &mut GitHubState, name: &str, input: &Value, alias: &str) -> Result<Value, Value> {
    let s = |k: &str| input[k].as_str().unwrap_or_default().to_string();
    let not_found = |id: &str| gql_error("NOT_FOUND", &no_node(id), &[alias]);
    let unprocessable = |m: &str| gql_error("UNPROCESSABLE", m, &[alias]);
    let project_id = s("projectId");
    let Some(pi) = st.projects.projects.iter().position(|p| p.id == project_id) else {
        return Err(not_found(&project_id));
    };
    match name {
        "addProjectV2ItemById" => {
            let content = s("contentId");
            if issue_by_node(st, &content).is_none() {
                return Err(not_found(&content));
            }
            if let Some(i) = st.projects.projects[pi]
                .items
                .iter()
                .find(|i| i.content == content)
            {
                return Ok(json!({"item": {"id": i.id}}));
            }
            st.projects.next_item += 1;
            let id = format!("PVTI_fake{}", st.projects.next_item);
            st.projects.projects[pi].items.push(PItem {
                id: id.clone(),
                content,
                values: BTreeMap::new(),
            });
            Ok(json!({"item": {"id": id}}))
        }
        "updateProjectV2ItemFieldValue" | "clearProjectV2ItemFieldValue" => {
            let (item_id, field_id) = (s("itemId"), s("fieldId"));
            let p = &st.projects.projects[pi];
            let Some(ii) = p.items.iter().position(|i| i.id == item_id) else {
                return Err(not_found(&item_id));
            };
            let Some(f) = p.field(&field_id).cloned() else {
                return Err(not_found(&field_id));
            };
            let value = if name == "clearProjectV2ItemFieldValue" {
                None
            } else {
                let v = &input["value"];
                Some(match f.data_type.as_str() {
                    "TEXT" => match v["text"].as_str() {
                        Some(t) => json!({"text": t}),
                        None => return Err(unprocessable("The field of type text requires a text value.")),
                    },
                    "DATE" => match v["date"].as_str().filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()) {
                        Some(d) => json!({"date": d}),
                        None => return Err(unprocessable("The field of type date requires a date value.")),
                    },
                    "SINGLE_SELECT" => match v["singleSelectOptionId"].as_str() {
                        Some(o) if f.options.iter().any(|(id, _)| id == o) => json!({"optionId": o}),
                        Some(o) => return Err(unprocessable(&format!("The single select option Id `{o}` does not belong to the field `{}`.", f.name))),
                        None => return Err(unprocessable("The field of type single select requires a singleSelectOptionId value.")),
                    },
                    other => return Err(unprocessable(&format!("Fields of type {other} cannot be updated with this mutation."))),
                })
            };
            let item = &mut st.projects.projects[pi].items[ii];
            match value {
                Some(v) => item.values.insert(field_id, v),
                None => item.values.remove(&field_id),
            };
            Ok(json!({"projectV2Item": {"id": item_id}}))
        }
        other => Err(gql_error(
            "UNKNOWN",
            &format!("the fake does not know mutation {other:?}"),
            &[alias],
        )),
    }
}
