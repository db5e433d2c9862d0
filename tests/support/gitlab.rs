//! A fake GitLab REST API v4 (the subset the tool uses), stateful, over loopback.
//!
//! Routes under `/api/v4`: `GET /user`, `GET /users?username=`, `GET /users/:id`,
//! `GET /projects/:id` (numeric id or url-encoded path); issues list / create / get / edit
//! (`state_event`, `labels`, `add_labels`, `remove_labels`, `assignee_ids[]`, `milestone_id`,
//! `due_date`); issue and merge-request notes list / create, note edit; labels list / create;
//! milestones list / create / get / edit; repository files get / create / update (400 on a
//! stale `last_commit_id`, as GitLab does); commits list / get / create (with actions);
//! branches list / get / create; merge requests list (by `source_branch`, `state`) / create /
//! get / edit; repository tree (`ref`, `recursive`, `path`; folders `tree`, files `blob`; paged
//! with `x-next-page` and `Link` like every list; 404 "Tree Not Found" for an unknown ref);
//! `GET /groups/:id/projects` (`include_subgroups`, `archived`; a group is any namespace of a
//! project that is not a user's). Bodies are read as forms (what the `gitlab` crate sends) or
//! JSON.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    fixture, git_blob_sha, link_header, lock, object_id, paginate, Access, FakeClock, Fault, Forge,
    Reply, Req, RequestLog, Server, TokenGrant, Tokens,
};

/// A user.
#[derive(Debug, Clone)]
pub struct GlUser {
    pub id: u64,
    pub username: String,
    pub name: String,
}

/// A project label.
#[derive(Debug, Clone)]
pub struct GlLabel {
    pub id: u64,
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
    pub description: Option<String>,
}

/// A project milestone.
#[derive(Debug, Clone)]
pub struct GlMilestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    /// `active` or `closed`.
    pub state: String,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub start_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An issue.
#[derive(Debug, Clone)]
pub struct GlIssue {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    /// `opened` or `closed`.
    pub state: String,
    pub labels: Vec<String>,
    pub assignee_ids: Vec<u64>,
    pub milestone_id: Option<u64>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub author_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by_id: Option<u64>,
}

/// A note (comment) on an issue or a merge request.
#[derive(Debug, Clone)]
pub struct GlNote {
    pub id: u64,
    /// `Issue` or `MergeRequest`.
    pub noteable_type: String,
    pub noteable_iid: u64,
    pub body: String,
    pub author_id: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// A file on a branch.
#[derive(Debug, Clone)]
pub struct GlFile {
    pub content: Vec<u8>,
    pub blob_id: String,
    pub last_commit_id: String,
}

/// A commit.
#[derive(Debug, Clone)]
pub struct GlCommit {
    pub id: String,
    pub branch: String,
    pub message: String,
    pub parent: Option<String>,
    pub author_id: u64,
    pub created_at: String,
}

/// A merge request.
#[derive(Debug, Clone)]
pub struct GlMergeRequest {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub source_branch: String,
    pub target_branch: String,
    /// `opened`, `closed` or `merged`.
    pub state: String,
    pub labels: Vec<String>,
    pub author_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// A project and everything in it.
#[derive(Debug, Clone)]
pub struct GlProject {
    pub id: u64,
    pub path_with_namespace: String,
    pub archived: bool,
    pub default_branch: String,
    pub issues: Vec<GlIssue>,
    pub labels: Vec<GlLabel>,
    pub milestones: Vec<GlMilestone>,
    pub notes: Vec<GlNote>,
    /// (branch, path) to file.
    pub files: BTreeMap<(String, String), GlFile>,
    /// Branch name to head commit id.
    pub branches: BTreeMap<String, String>,
    pub commits: Vec<GlCommit>,
    pub merge_requests: Vec<GlMergeRequest>,
}

impl GlProject {
    /// The issue with this iid.
    pub fn issue(&self, iid: u64) -> Option<&GlIssue> {
        self.issues.iter().find(|i| i.iid == iid)
    }

    /// The issue with this iid, to change.
    pub fn issue_mut(&mut self, iid: u64) -> Option<&mut GlIssue> {
        self.issues.iter_mut().find(|i| i.iid == iid)
    }

    /// Notes on one issue, oldest first.
    pub fn issue_notes(&self, iid: u64) -> Vec<&GlNote> {
        self.notes
            .iter()
            .filter(|n| n.noteable_type == "Issue" && n.noteable_iid == iid)
            .collect()
    }

    /// A file's text on a branch.
    pub fn file_text(&self, branch: &str, path: &str) -> Option<String> {
        self.files
            .get(&(branch.to_owned(), path.to_owned()))
            .map(|f| String::from_utf8_lossy(&f.content).into_owned())
    }
}

/// The whole fake GitLab.
#[derive(Debug)]
pub struct GitLabState {
    pub users: Vec<GlUser>,
    /// Users who exist but are members of no project: GitLab drops them from `assignee_ids`
    /// and still answers 201/200 (no error), as its API documents for users who cannot be
    /// assigned.
    pub outsiders: Vec<u64>,
    pub tokens: Tokens,
    pub projects: Vec<GlProject>,
    /// Where `web_url`s point.
    pub web_base: String,
    pub rate_limit: u64,
    pub rate_observed: u64,
    /// `RateLimit-Reset` (seconds since the epoch) in every answer.
    pub rate_reset: u64,
    pub clock: FakeClock,
    next_id: u64,
}

impl GitLabState {
    /// One user `tracker-bot` with token [`FakeGitLab::TOKEN`] (write access), users `alice`
    /// and `bob`, and an empty project `acme/svc` (id 42) with branch `main`.
    pub fn new() -> Self {
        let mut st = GitLabState {
            users: Vec::new(),
            outsiders: Vec::new(),
            tokens: Tokens::new(),
            projects: Vec::new(),
            web_base: "https://gitlab.example.com".into(),
            rate_limit: 2000,
            rate_observed: 0,
            rate_reset: 1_709_283_660,
            clock: FakeClock::default(),
            next_id: 100,
        };
        st.add_token(FakeGitLab::TOKEN, "tracker-bot", Access::Write);
        st.add_user("alice");
        st.add_user("bob");
        st.add_project(42, "acme/svc");
        st
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn now(&mut self) -> String {
        self.clock
            .tick()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    }

    /// Adds a user (idempotent); returns its id.
    pub fn add_user(&mut self, username: &str) -> u64 {
        if let Some(u) = self.users.iter().find(|u| u.username == username) {
            return u.id;
        }
        let id = self.id();
        self.users.push(GlUser {
            id,
            username: username.into(),
            name: username.replace(['.', '-', '_'], " "),
        });
        id
    }

    /// A user who exists (found by username) but is a member of no project.
    pub fn add_outsider(&mut self, username: &str) -> u64 {
        let id = self.add_user(username);
        self.outsiders.push(id);
        id
    }

    /// Whether `id` can be assigned: an existing user who is a member.
    fn assignable(&self, id: u64) -> bool {
        self.users.iter().any(|u| u.id == id) && !self.outsiders.contains(&id)
    }

    /// The id of a user. Panics when absent (a test set-up error).
    pub fn user_id(&self, username: &str) -> u64 {
        self.users
            .iter()
            .find(|u| u.username == username)
            .map(|u| u.id)
            .unwrap_or_else(|| panic!("no user {username} in the fake"))
    }

    /// Accepts `token` as `username` with `access`.
    pub fn add_token(&mut self, token: &str, username: &str, access: Access) {
        self.add_user(username);
        self.tokens.insert(
            token.into(),
            TokenGrant {
                login: username.into(),
                access,
            },
        );
    }

    /// Adds an empty project with branch `main`.
    pub fn add_project(&mut self, id: u64, path_with_namespace: &str) -> &mut GlProject {
        let mut branches = BTreeMap::new();
        branches.insert(
            "main".to_owned(),
            object_id(&format!("{path_with_namespace}@root")),
        );
        self.projects.push(GlProject {
            id,
            path_with_namespace: path_with_namespace.into(),
            archived: false,
            default_branch: "main".into(),
            issues: Vec::new(),
            labels: Vec::new(),
            milestones: Vec::new(),
            notes: Vec::new(),
            files: BTreeMap::new(),
            branches,
            commits: Vec::new(),
            merge_requests: Vec::new(),
        });
        self.projects.last_mut().expect("just pushed")
    }

    /// The project with this path. Panics when absent.
    pub fn project(&self, path: &str) -> &GlProject {
        self.projects
            .iter()
            .find(|p| p.path_with_namespace == path)
            .unwrap_or_else(|| panic!("no project {path} in the fake"))
    }

    /// The project with this path, mutable.
    pub fn project_mut(&mut self, path: &str) -> &mut GlProject {
        self.projects
            .iter_mut()
            .find(|p| p.path_with_namespace == path)
            .unwrap_or_else(|| panic!("no project {path} in the fake"))
    }

    /// Seeds an issue; returns its iid.
    pub fn seed_issue(
        &mut self,
        project: &str,
        title: &str,
        description: &str,
        labels: &[&str],
        state: &str,
    ) -> u64 {
        let id = self.id();
        let now = self.now();
        let author = self.user_id("tracker-bot");
        let p = self.project_mut(project);
        let iid = p.issues.len() as u64 + 1;
        p.issues.push(GlIssue {
            id,
            iid,
            title: title.into(),
            description: Some(description.into()),
            state: state.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            assignee_ids: Vec::new(),
            milestone_id: None,
            due_date: None,
            author_id: author,
            created_at: now.clone(),
            updated_at: now.clone(),
            closed_at: (state == "closed").then(|| now.clone()),
            closed_by_id: (state == "closed").then_some(author),
        });
        for l in labels {
            if !p.labels.iter().any(|x| x.name == *l) {
                p.labels.push(GlLabel {
                    id: id * 1000 + p.labels.len() as u64,
                    name: l.to_string(),
                    color: "#6699cc".into(),
                    description: None,
                });
            }
        }
        iid
    }

    /// Seeds a milestone; returns its (global) id.
    pub fn seed_milestone(&mut self, project: &str, title: &str, due_date: Option<&str>) -> u64 {
        let id = self.id();
        let now = self.now();
        let p = self.project_mut(project);
        let iid = p.milestones.len() as u64 + 1;
        p.milestones.push(GlMilestone {
            id,
            iid,
            title: title.into(),
            description: None,
            state: "active".into(),
            due_date: due_date.map(Into::into),
            start_date: None,
            created_at: now.clone(),
            updated_at: now,
        });
        id
    }

    /// Seeds a file on a branch (one commit); returns the commit id.
    pub fn seed_file(&mut self, project: &str, branch: &str, path: &str, text: &str) -> String {
        self.seed_bytes(project, branch, path, text.as_bytes())
    }

    /// Seeds a file of any bytes on a branch (one commit); returns the commit id.
    pub fn seed_bytes(&mut self, project: &str, branch: &str, path: &str, bytes: &[u8]) -> String {
        let author = self.user_id("tracker-bot");
        let now = self.now();
        let p = self.project_mut(project);
        commit_files(
            p,
            branch,
            &format!("Add {path}"),
            author,
            &now,
            vec![(path.to_owned(), Some(bytes.to_vec()))],
        )
    }
}

impl GitLabState {
    /// Opens a merge request from `source` into `target` (branches with seeded files);
    /// returns its iid.
    pub fn seed_merge_request(&mut self, project: &str, source: &str, target: &str) -> u64 {
        let id = self.id();
        let now = self.now();
        let author_id = self.user_id("tracker-bot");
        let p = self.project_mut(project);
        let iid = p.merge_requests.len() as u64 + 1;
        p.merge_requests.push(GlMergeRequest {
            id,
            iid,
            title: format!("Merge {source}"),
            description: None,
            source_branch: source.into(),
            target_branch: target.into(),
            state: "opened".into(),
            labels: Vec::new(),
            author_id,
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
        });
        iid
    }
}

/// `GET /merge_requests/:iid/diffs`: files that differ between source and target branches.
fn mr_diffs(p: &GlProject, source: &str, target: &str) -> Vec<Value> {
    let on = |b: &str| -> BTreeMap<&str, &GlFile> {
        p.files
            .iter()
            .filter(|((br, _), _)| br == b)
            .map(|((_, path), f)| (path.as_str(), f))
            .collect()
    };
    let (s, t) = (on(source), on(target));
    let mut out = Vec::new();
    for (path, f) in &s {
        let new_file = match t.get(path) {
            None => true,
            Some(old) if old.blob_id != f.blob_id => false,
            Some(_) => continue,
        };
        out.push(
            json!({"old_path": path, "new_path": path, "new_file": new_file,
            "renamed_file": false, "deleted_file": false, "diff": ""}),
        );
    }
    for path in t.keys() {
        if !s.contains_key(path) {
            out.push(
                json!({"old_path": path, "new_path": path, "new_file": false,
                "renamed_file": false, "deleted_file": true, "diff": ""}),
            );
        }
    }
    out
}

impl Default for GitLabState {
    fn default() -> Self {
        Self::new()
    }
}

/// Records one commit on `branch` that writes (Some) or deletes (None) files; returns its id.
fn commit_files(
    p: &mut GlProject,
    branch: &str,
    message: &str,
    author_id: u64,
    now: &str,
    changes: Vec<(String, Option<Vec<u8>>)>,
) -> String {
    let parent = p.branches.get(branch).cloned();
    let id = object_id(&format!(
        "{}:{branch}:{}:{message}",
        p.path_with_namespace,
        p.commits.len()
    ));
    for (path, content) in changes {
        let key = (branch.to_owned(), path);
        match content {
            Some(content) => {
                let blob_id = git_blob_sha(&content);
                p.files.insert(
                    key,
                    GlFile {
                        content,
                        blob_id,
                        last_commit_id: id.clone(),
                    },
                );
            }
            None => {
                p.files.remove(&key);
            }
        }
    }
    p.branches.insert(branch.to_owned(), id.clone());
    p.commits.push(GlCommit {
        id: id.clone(),
        branch: branch.into(),
        message: message.into(),
        parent,
        author_id,
        created_at: now.into(),
    });
    id
}

/// A running fake GitLab.
pub struct FakeGitLab {
    pub server: Server,
    state: Arc<Mutex<GitLabState>>,
}

impl FakeGitLab {
    /// The token the default state accepts, with write access.
    pub const TOKEN: &'static str = "glpat-fake-write-token";

    /// Starts with [`GitLabState::new`].
    pub fn start() -> Self {
        Self::start_with(GitLabState::new())
    }

    /// Starts with the given state.
    pub fn start_with(state: GitLabState) -> Self {
        let state = Arc::new(Mutex::new(state));
        let server = Server::start(Arc::new(GitLabForge {
            state: state.clone(),
        }));
        FakeGitLab { server, state }
    }

    /// `127.0.0.1:PORT`, the host the `gitlab` crate's builder takes.
    pub fn host(&self) -> String {
        self.server.host_port()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Inspect or change the state (do not hold across a request).
    pub fn state(&self) -> MutexGuard<'_, GitLabState> {
        lock(&self.state)
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.server.log
    }

    /// The fault plan.
    pub fn faults(&self) -> &super::Faults {
        &self.server.faults
    }
}

struct GitLabForge {
    state: Arc<Mutex<GitLabState>>,
}

fn msg(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "message": message }))
}

fn missing(param: &str) -> Reply {
    Reply::json(400, &json!({ "error": format!("{param} is missing") }))
}

const FILE_CHANGED: &str =
    "You are attempting to update a file that has changed since you started editing it.";

/// Request parameters: query, then form or JSON body, Rails-style names kept (`labels`,
/// `assignee_ids[]`).
struct Params(Vec<(String, String)>);

impl Params {
    fn of(req: &Req) -> Self {
        let mut v = req.query.clone();
        let is_json = req
            .header("content-type")
            .is_some_and(|c| c.contains("json"));
        if is_json {
            if let Value::Object(o) = req.json() {
                for (k, val) in o {
                    match val {
                        Value::Array(a) => {
                            for x in a {
                                v.push((format!("{k}[]"), scalar(&x)));
                            }
                        }
                        Value::Null => {}
                        x => v.push((k, scalar(&x))),
                    }
                }
            }
        } else {
            v.extend(req.form());
        }
        Params(v)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }

    /// `assignee_ids[]=1&assignee_ids[]=2`, `assignee_ids=1,2` or `assignee_id=1`.
    fn ids(&self, plural: &str, single: &str) -> Option<Vec<u64>> {
        let arr = self.all(&format!("{plural}[]"));
        let list: Vec<&str> = if !arr.is_empty() {
            arr
        } else if let Some(v) = self.get(plural) {
            v.split(',').collect()
        } else if let Some(v) = self.get(single) {
            vec![v]
        } else {
            return None;
        };
        Some(
            list.iter()
                .filter_map(|s| s.trim().parse().ok())
                .filter(|&n| n != 0)
                .collect(),
        )
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        x => x.to_string(),
    }
}

fn split_labels(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl Forge for GitLabForge {
    fn handle(&self, req: &Req, base: &str) -> Reply {
        let mut st = lock(&self.state);
        st.rate_observed += 1;
        let token = req.header("private-token").or_else(|| {
            req.header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
        });
        let grant = token.and_then(|t| st.tokens.get(t).cloned());
        let reply = match grant {
            None => msg(401, "401 Unauthorized"),
            Some(g) => route(&mut st, req, base, &g),
        };
        rate_headers(&st, reply, false)
    }

    fn fault_reply(&self, fault: &Fault) -> Reply {
        let st = lock(&self.state);
        match fault {
            Fault::SecondaryRateLimit { retry_after_secs }
            | Fault::TooManyRequests { retry_after_secs } => {
                rate_headers(&st, Reply::text(429, "Retry later\n"), true)
                    .with("Retry-After", retry_after_secs)
            }
            Fault::Status(500) | Fault::ApplyThenStatus(500) => {
                msg(500, "500 Internal Server Error")
            }
            // 502-504 come from GitLab's proxy as an HTML page, not JSON.
            Fault::Status(code) | Fault::ApplyThenStatus(code) => Reply {
                status: *code,
                headers: vec![("content-type".into(), "text/html".into())],
                body: format!(
                    "<!DOCTYPE html><html><head><title>GitLab is not responding ({code})</title></head><body><h1>{code}</h1></body></html>\n"
                )
                .into_bytes(),
            },
            _ => msg(500, "500 Internal Server Error"),
        }
    }
}

fn rate_headers(st: &GitLabState, reply: Reply, exhausted: bool) -> Reply {
    let remaining = if exhausted {
        0
    } else {
        st.rate_limit.saturating_sub(st.rate_observed)
    };
    reply
        .with("RateLimit-Name", "throttle_authenticated_api")
        .with("RateLimit-Limit", st.rate_limit)
        .with("RateLimit-Observed", st.rate_observed)
        .with("RateLimit-Remaining", remaining)
        .with("RateLimit-Reset", st.rate_reset)
        .with("RateLimit-ResetTime", "Fri, 01 Mar 2024 09:01:00 GMT")
}

fn route(st: &mut GitLabState, req: &Req, base: &str, grant: &TokenGrant) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let Some(rest) = segs.strip_prefix(&["api", "v4"]) else {
        return msg(404, "404 Not Found");
    };
    let me = st.user_id(&grant.login);
    match (req.method.as_str(), rest) {
        ("GET", ["user"]) => Reply::json(200, &full_user_json(st, me)),
        ("GET", ["users"]) => {
            let users: Vec<Value> = st
                .users
                .iter()
                .filter(|u| {
                    req.q("username")
                        .is_none_or(|n| u.username.eq_ignore_ascii_case(n))
                })
                .map(|u| user_json(st, u.id))
                .collect();
            list_reply(req, base, users)
        }
        ("GET", ["users", id]) => match st.users.iter().find(|u| u.id.to_string() == *id) {
            Some(u) => Reply::json(200, &user_json(st, u.id)),
            None => msg(404, "404 User Not Found"),
        },
        ("GET", ["groups", group, "projects"]) => {
            let is_user = st.users.iter().any(|u| u.username == *group);
            let namespace = |p: &GlProject| {
                p.path_with_namespace
                    .rsplit_once('/')
                    .map(|(ns, _)| ns.to_owned())
                    .unwrap_or_default()
            };
            let exists = st.projects.iter().any(|p| {
                let ns = namespace(p);
                ns == *group || ns.starts_with(&format!("{group}/"))
            });
            if is_user || !exists || grant.access == Access::Hidden {
                return msg(404, "404 Group Not Found");
            }
            let subgroups = req.q("include_subgroups") == Some("true");
            let archived = req.q("archived");
            let mut idxs: Vec<usize> = (0..st.projects.len())
                .filter(|&i| {
                    let p = &st.projects[i];
                    let ns = namespace(p);
                    (ns == *group || (subgroups && ns.starts_with(&format!("{group}/"))))
                        && archived.is_none_or(|a| (a == "true") == p.archived)
                })
                .collect();
            // GitLab's default order: created_at, descending.
            idxs.sort_by_key(|&i| std::cmp::Reverse(st.projects[i].id));
            let items = idxs.iter().map(|&i| project_json(st, i)).collect();
            list_reply(req, base, items)
        }
        (_, ["projects", id, tail @ ..]) => {
            let Some(idx) = st.projects.iter().position(|p| {
                // GitLab finds a project by its full path without case.
                p.id.to_string() == *id || p.path_with_namespace.eq_ignore_ascii_case(id)
            }) else {
                return msg(404, "404 Project Not Found");
            };
            match grant.access {
                Access::Hidden => msg(404, "404 Project Not Found"),
                Access::Read if req.is_write() => msg(403, "403 Forbidden"),
                _ => project_route(st, idx, req, base, me, tail),
            }
        }
        _ => msg(404, "404 Not Found"),
    }
}

/// A paginated answer with GitLab's `x-*` headers and `Link`.
fn list_reply(req: &Req, base: &str, items: Vec<Value>) -> Reply {
    let per_page = req
        .q("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20usize)
        .clamp(1, 100);
    let page = req.q("page").and_then(|v| v.parse().ok()).unwrap_or(1usize);
    let total = items.len();
    let (slice, pages) = paginate(&items, page, per_page);
    let next = if page < pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let prev = if page > 1 {
        (page - 1).to_string()
    } else {
        String::new()
    };
    let mut reply = Reply::json(200, &Value::Array(slice))
        .with("x-page", page)
        .with("x-per-page", per_page)
        .with("x-next-page", next)
        .with("x-prev-page", prev)
        .with("x-total", total)
        .with("x-total-pages", pages);
    let link = link_header(base, &req.raw_path, &req.query, page, pages);
    if !link.is_empty() {
        reply = reply.with("link", link);
    }
    reply
}

fn project_route(
    st: &mut GitLabState,
    idx: usize,
    req: &Req,
    base: &str,
    me: u64,
    tail: &[&str],
) -> Reply {
    let p = Params::of(req);
    match (req.method.as_str(), tail) {
        ("GET", []) => Reply::json(200, &project_json(st, idx)),

        // ---- issues
        ("GET", ["issues"]) => {
            let items = list_issues(st, idx, req);
            let items = items.iter().map(|i| issue_json(st, idx, i)).collect();
            list_reply(req, base, items)
        }
        ("POST", ["issues"]) => create_issue(st, idx, &p, me),
        ("GET", ["issues", iid]) => match find_issue(st, idx, iid) {
            Some(i) => Reply::json(200, &issue_json(st, idx, &i)),
            None => msg(404, "404 Not found"),
        },
        ("PUT", ["issues", iid]) => edit_issue(st, idx, &p, me, iid),

        // ---- notes
        ("GET", [kind @ ("issues" | "merge_requests"), iid, "notes"]) => {
            let ntype = if *kind == "issues" {
                "Issue"
            } else {
                "MergeRequest"
            };
            let mut notes: Vec<GlNote> = st.projects[idx]
                .notes
                .iter()
                .filter(|n| n.noteable_type == ntype && n.noteable_iid.to_string() == *iid)
                .cloned()
                .collect();
            // GitLab's default: order_by=created_at, sort=desc.
            if req.q("sort").unwrap_or("desc") == "desc" {
                notes.reverse();
            }
            let items = notes.iter().map(|n| note_json(st, idx, n)).collect();
            list_reply(req, base, items)
        }
        ("POST", [kind @ ("issues" | "merge_requests"), iid, "notes"]) => {
            let ntype = if *kind == "issues" {
                "Issue"
            } else {
                "MergeRequest"
            };
            let exists = if ntype == "Issue" {
                find_issue(st, idx, iid).is_some()
            } else {
                st.projects[idx]
                    .merge_requests
                    .iter()
                    .any(|m| m.iid.to_string() == *iid)
            };
            if !exists {
                return msg(404, "404 Not found");
            }
            let Some(body) = p.get("body").filter(|b| !b.is_empty()) else {
                return missing("body");
            };
            let (body, quick) = quick_actions(body);
            if ntype == "Issue" {
                run_quick_actions(st, idx, iid.parse().unwrap_or(0), &quick, me);
            }
            let id = st.id();
            let now = st.now();
            let note = GlNote {
                id,
                noteable_type: ntype.into(),
                noteable_iid: iid.parse().unwrap_or(0),
                body,
                author_id: me,
                created_at: now.clone(),
                updated_at: now,
            };
            st.projects[idx].notes.push(note.clone());
            Reply::json(201, &note_json(st, idx, &note))
        }
        ("PUT", ["issues" | "merge_requests", _iid, "notes", id]) => {
            let Some(body) = p.get("body").map(String::from) else {
                return missing("body");
            };
            let now = st.now();
            let Some(n) = st.projects[idx]
                .notes
                .iter_mut()
                .find(|n| n.id.to_string() == *id)
            else {
                return msg(404, "404 Not found");
            };
            n.body = body;
            n.updated_at = now;
            let n = n.clone();
            Reply::json(200, &note_json(st, idx, &n))
        }

        // ---- labels
        ("GET", ["labels"]) => {
            let items = st.projects[idx].labels.clone();
            let items = items.iter().map(|l| label_json(st, idx, l)).collect();
            list_reply(req, base, items)
        }
        ("POST", ["labels"]) => {
            let Some(name) = p.get("name") else {
                return missing("name");
            };
            let Some(color) = p.get("color") else {
                return missing("color");
            };
            if st.projects[idx].labels.iter().any(|l| l.name == name) {
                return msg(409, "Label already exists");
            }
            let id = st.id();
            let label = GlLabel {
                id,
                name: name.into(),
                color: if color.starts_with('#') {
                    color.into()
                } else {
                    format!("#{color}")
                },
                description: p.get("description").map(String::from),
            };
            st.projects[idx].labels.push(label.clone());
            Reply::json(201, &label_json(st, idx, &label))
        }

        // ---- milestones
        ("GET", ["milestones"]) => {
            let iids = p.all("iids[]");
            let items: Vec<GlMilestone> = st.projects[idx]
                .milestones
                .iter()
                .filter(|m| req.q("state").is_none_or(|s| m.state == s))
                .filter(|m| req.q("title").is_none_or(|t| m.title == t))
                .filter(|m| req.q("search").is_none_or(|t| m.title.contains(t)))
                .filter(|m| iids.is_empty() || iids.contains(&m.iid.to_string().as_str()))
                .rev()
                .cloned()
                .collect();
            let items = items.iter().map(|m| milestone_json(st, idx, m)).collect();
            list_reply(req, base, items)
        }
        ("GET", ["milestones", id]) => {
            match st.projects[idx]
                .milestones
                .iter()
                .find(|m| m.id.to_string() == *id)
            {
                Some(m) => {
                    let m = m.clone();
                    Reply::json(200, &milestone_json(st, idx, &m))
                }
                None => msg(404, "404 Milestone Not Found"),
            }
        }
        ("POST", ["milestones"]) => {
            let Some(title) = p.get("title") else {
                return missing("title");
            };
            if st.projects[idx].milestones.iter().any(|m| m.title == title) {
                // Wording not verified against a live GitLab; the status and shape are.
                return Reply::json(
                    400,
                    &json!({"message": {"title": ["already being used for another group or project milestone."]}}),
                );
            }
            let id = st.id();
            let now = st.now();
            let iid = st.projects[idx].milestones.len() as u64 + 1;
            let m = GlMilestone {
                id,
                iid,
                title: title.into(),
                description: p.get("description").map(String::from),
                state: "active".into(),
                due_date: p
                    .get("due_date")
                    .filter(|d| !d.is_empty())
                    .map(String::from),
                start_date: p
                    .get("start_date")
                    .filter(|d| !d.is_empty())
                    .map(String::from),
                created_at: now.clone(),
                updated_at: now,
            };
            st.projects[idx].milestones.push(m.clone());
            Reply::json(201, &milestone_json(st, idx, &m))
        }
        ("PUT", ["milestones", id]) => {
            let now = st.now();
            let Some(m) = st.projects[idx]
                .milestones
                .iter_mut()
                .find(|m| m.id.to_string() == *id)
            else {
                return msg(404, "404 Milestone Not Found");
            };
            if let Some(t) = p.get("title") {
                m.title = t.into();
            }
            if let Some(d) = p.get("description") {
                m.description = Some(d.into());
            }
            if let Some(d) = p.get("due_date") {
                m.due_date = (!d.is_empty()).then(|| d.to_owned());
            }
            match p.get("state_event") {
                Some("close") => m.state = "closed".into(),
                Some("activate") => m.state = "active".into(),
                _ => {}
            }
            m.updated_at = now;
            let m = m.clone();
            Reply::json(200, &milestone_json(st, idx, &m))
        }

        // ---- repository tree
        ("GET", ["repository", "tree"]) => {
            let proj = &st.projects[idx];
            let branch = req
                .q("ref")
                .map(String::from)
                .unwrap_or_else(|| proj.default_branch.clone());
            if !proj.branches.contains_key(&branch) {
                return msg(404, "404 Tree Not Found");
            }
            let recursive = req.q("recursive") == Some("true");
            let under = req.q("path").unwrap_or("").trim_matches('/');
            let items = tree_entries(proj, &branch, under, recursive);
            list_reply(req, base, items)
        }

        // ---- repository files
        (m, ["repository", "files", path @ ..]) if !path.is_empty() => {
            let path = path.join("/");
            files_route(st, idx, req, &p, me, m, &path)
        }

        // ---- commits
        ("GET", ["repository", "commits"]) => {
            let branch = req
                .q("ref_name")
                .map(String::from)
                .unwrap_or_else(|| st.projects[idx].default_branch.clone());
            let mut commits: Vec<GlCommit> = st.projects[idx]
                .commits
                .iter()
                .filter(|c| c.branch == branch)
                .cloned()
                .collect();
            commits.reverse();
            let items = commits.iter().map(|c| commit_json(st, idx, c)).collect();
            list_reply(req, base, items)
        }
        ("GET", ["repository", "commits", sha]) => {
            match st.projects[idx]
                .commits
                .iter()
                .find(|c| c.id == *sha || st.projects[idx].branches.get(*sha) == Some(&c.id))
            {
                Some(c) => {
                    let c = c.clone();
                    Reply::json(200, &commit_json(st, idx, &c))
                }
                None => msg(404, "404 Commit Not Found"),
            }
        }
        ("POST", ["repository", "commits"]) => create_commit(st, idx, req, &p, me),

        // ---- branches
        ("GET", ["repository", "branches"]) => {
            let names: Vec<String> = st.projects[idx].branches.keys().cloned().collect();
            let items = names.iter().map(|b| branch_json(st, idx, b)).collect();
            list_reply(req, base, items)
        }
        ("GET", ["repository", "branches", name @ ..]) if !name.is_empty() => {
            let name = name.join("/");
            if st.projects[idx].branches.contains_key(&name) {
                Reply::json(200, &branch_json(st, idx, &name))
            } else {
                msg(404, "404 Branch Not Found")
            }
        }
        ("POST", ["repository", "branches"]) => {
            let Some(branch) = p.get("branch") else {
                return missing("branch");
            };
            let Some(from) = p.get("ref") else {
                return missing("ref");
            };
            let proj = &st.projects[idx];
            if proj.branches.contains_key(branch) {
                return msg(400, "Branch already exists");
            }
            let from_branch = if proj.branches.contains_key(from) {
                Some(from.to_owned())
            } else {
                proj.branches
                    .iter()
                    .find(|(_, h)| h.as_str() == from)
                    .map(|(b, _)| b.clone())
            };
            let Some(from_branch) = from_branch else {
                return msg(400, &format!("Invalid reference name: {from}"));
            };
            copy_branch(&mut st.projects[idx], &from_branch, branch);
            Reply::json(201, &branch_json(st, idx, branch))
        }

        // ---- merge requests
        ("GET", ["merge_requests"]) => {
            let state = req.q("state").unwrap_or("all");
            let mut mrs: Vec<GlMergeRequest> = st.projects[idx]
                .merge_requests
                .iter()
                .filter(|m| state == "all" || m.state == state)
                .filter(|m| req.q("source_branch").is_none_or(|b| m.source_branch == b))
                .filter(|m| req.q("target_branch").is_none_or(|b| m.target_branch == b))
                .cloned()
                .collect();
            mrs.reverse();
            let items = mrs.iter().map(|m| mr_json(st, idx, m)).collect();
            list_reply(req, base, items)
        }
        ("GET", ["merge_requests", iid, "diffs"]) => {
            let Some(m) = st.projects[idx]
                .merge_requests
                .iter()
                .find(|m| m.iid.to_string() == *iid)
            else {
                return msg(404, "404 Not found");
            };
            let items = mr_diffs(&st.projects[idx], &m.source_branch, &m.target_branch);
            list_reply(req, base, items)
        }
        ("GET", ["merge_requests", iid]) => {
            match st.projects[idx]
                .merge_requests
                .iter()
                .find(|m| m.iid.to_string() == *iid)
            {
                Some(m) => {
                    let m = m.clone();
                    Reply::json(200, &mr_json(st, idx, &m))
                }
                None => msg(404, "404 Not found"),
            }
        }
        ("POST", ["merge_requests"]) => {
            let Some(source) = p.get("source_branch") else {
                return missing("source_branch");
            };
            let Some(target) = p.get("target_branch") else {
                return missing("target_branch");
            };
            let Some(title) = p.get("title") else {
                return missing("title");
            };
            let proj = &st.projects[idx];
            if let Some(other) = proj.merge_requests.iter().find(|m| {
                m.state == "opened" && m.source_branch == source && m.target_branch == target
            }) {
                return Reply::json(
                    409,
                    &json!({"message": [format!("Another open merge request already exists for this source branch: !{}", other.iid)]}),
                );
            }
            if !proj.branches.contains_key(source) || !proj.branches.contains_key(target) {
                return Reply::json(400, &json!({"message": {"source_branch": ["is invalid"]}}));
            }
            let id = st.id();
            let now = st.now();
            let iid = st.projects[idx].merge_requests.len() as u64 + 1;
            let mr = GlMergeRequest {
                id,
                iid,
                title: title.into(),
                description: p.get("description").map(String::from),
                source_branch: source.into(),
                target_branch: target.into(),
                state: "opened".into(),
                labels: p.get("labels").map(split_labels).unwrap_or_default(),
                author_id: me,
                created_at: now.clone(),
                updated_at: now,
                closed_at: None,
            };
            st.projects[idx].merge_requests.push(mr.clone());
            Reply::json(201, &mr_json(st, idx, &mr))
        }
        ("PUT", ["merge_requests", iid]) => {
            let now = st.now();
            let Some(m) = st.projects[idx]
                .merge_requests
                .iter_mut()
                .find(|m| m.iid.to_string() == *iid)
            else {
                return msg(404, "404 Not found");
            };
            if let Some(t) = p.get("title") {
                m.title = t.into();
            }
            if let Some(d) = p.get("description") {
                m.description = Some(d.into());
            }
            if let Some(t) = p.get("target_branch") {
                m.target_branch = t.into();
            }
            if let Some(l) = p.get("labels") {
                m.labels = split_labels(l);
            }
            match p.get("state_event") {
                Some("close") => {
                    m.state = "closed".into();
                    m.closed_at = Some(now.clone());
                }
                Some("reopen") => {
                    m.state = "opened".into();
                    m.closed_at = None;
                }
                _ => {}
            }
            m.updated_at = now;
            let m = m.clone();
            Reply::json(200, &mr_json(st, idx, &m))
        }
        _ => msg(404, "404 Not Found"),
    }
}

fn copy_branch(p: &mut GlProject, from: &str, to: &str) {
    let copies: Vec<_> = p
        .files
        .iter()
        .filter(|((b, _), _)| b == from)
        .map(|((_, path), f)| ((to.to_owned(), path.clone()), f.clone()))
        .collect();
    p.files.extend(copies);
    let head = p.branches[from].clone();
    p.branches.insert(to.to_owned(), head);
}

fn find_issue(st: &GitLabState, idx: usize, iid: &str) -> Option<GlIssue> {
    st.projects[idx]
        .issues
        .iter()
        .find(|i| i.iid.to_string() == iid)
        .cloned()
}

fn list_issues(st: &GitLabState, idx: usize, req: &Req) -> Vec<GlIssue> {
    let labels: Vec<String> = req.q("labels").map(split_labels).unwrap_or_default();
    let iids: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "iids[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let proj = &st.projects[idx];
    let mut v: Vec<GlIssue> = proj
        .issues
        .iter()
        .filter(|i| req.q("state").is_none_or(|s| s == "all" || i.state == s))
        .filter(|i| match labels.first().map(String::as_str) {
            Some("None") => i.labels.is_empty(),
            Some("Any") => !i.labels.is_empty(),
            _ => labels
                .iter()
                .all(|l| i.labels.iter().any(|x| x.eq_ignore_ascii_case(l))),
        })
        .filter(|i| match req.q("milestone") {
            None => true,
            Some("None") => i.milestone_id.is_none(),
            Some("Any") => i.milestone_id.is_some(),
            Some(t) => i
                .milestone_id
                .and_then(|id| proj.milestones.iter().find(|m| m.id == id))
                .is_some_and(|m| m.title == t),
        })
        .filter(|i| {
            req.q("assignee_id")
                .is_none_or(|a| i.assignee_ids.iter().any(|x| x.to_string() == a))
        })
        .filter(|i| {
            req.q("assignee_username").is_none_or(|a| {
                i.assignee_ids
                    .iter()
                    .any(|x| st.users.iter().any(|u| u.id == *x && u.username == a))
            })
        })
        .filter(|i| iids.is_empty() || iids.contains(&i.iid.to_string().as_str()))
        .cloned()
        .collect();
    if req.q("order_by") == Some("updated_at") {
        v.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then(a.iid.cmp(&b.iid)));
    } else {
        v.sort_by_key(|i| i.iid);
    }
    if req.q("sort").unwrap_or("desc") == "desc" {
        v.reverse();
    }
    v
}

fn ensure_labels(st: &mut GitLabState, idx: usize, labels: &[String]) {
    for l in labels {
        if !st.projects[idx]
            .labels
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(l))
        {
            let id = st.id();
            // GitLab creates a label named on an issue that the project does not have yet.
            st.projects[idx].labels.push(GlLabel {
                id,
                name: l.clone(),
                color: "#6699cc".into(),
                description: None,
            });
        }
    }
}

/// What GitLab's quick actions in a description or an issue note ask for (the ones the fake
/// knows: `/close`, `/reopen`, `/label ~a ~b`, `/unlabel ~a`, `/assign @user`). GitLab runs a
/// line that starts with `/command` (outside code fences) and removes it from the text; a
/// Markdown-escaped `\/close` is text.
#[derive(Debug, Default)]
struct QuickActions {
    close: bool,
    reopen: bool,
    label: Vec<String>,
    unlabel: Vec<String>,
    assign: Vec<String>,
}

/// The text without its quick-action lines, and what they ask for.
fn quick_actions(text: &str) -> (String, QuickActions) {
    let mut q = QuickActions::default();
    let mut kept = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let mut words = line.split_whitespace();
        let args = |w: std::str::SplitWhitespace<'_>, sigil: char| -> Vec<String> {
            w.filter_map(|a| a.strip_prefix(sigil).map(String::from))
                .collect()
        };
        match (fenced, line.starts_with('/'), words.next()) {
            (false, true, Some("/close")) => q.close = true,
            (false, true, Some("/reopen")) => q.reopen = true,
            (false, true, Some("/label")) => q.label.extend(args(words, '~')),
            (false, true, Some("/unlabel")) => q.unlabel.extend(args(words, '~')),
            (false, true, Some("/assign")) => q.assign.extend(args(words, '@')),
            _ => kept.push(line),
        }
    }
    (kept.join("\n"), q)
}

/// Runs quick actions on issue `iid`.
fn run_quick_actions(st: &mut GitLabState, idx: usize, iid: u64, q: &QuickActions, me: u64) {
    ensure_labels(st, idx, &q.label);
    let assign: Vec<u64> = q
        .assign
        .iter()
        .filter_map(|u| st.users.iter().find(|x| x.username == *u).map(|x| x.id))
        .filter(|id| st.assignable(*id))
        .collect();
    let now = st.now();
    let Some(i) = st.projects[idx].issues.iter_mut().find(|i| i.iid == iid) else {
        return;
    };
    for l in &q.label {
        if !i.labels.iter().any(|y| y.eq_ignore_ascii_case(l)) {
            i.labels.push(l.clone());
        }
    }
    i.labels
        .retain(|y| !q.unlabel.iter().any(|x| x.eq_ignore_ascii_case(y)));
    i.assignee_ids.extend(assign);
    if q.close && i.state != "closed" {
        i.state = "closed".into();
        i.closed_at = Some(now);
        i.closed_by_id = Some(me);
    } else if q.reopen && i.state != "opened" {
        i.state = "opened".into();
        i.closed_at = None;
        i.closed_by_id = None;
    }
}

fn create_issue(st: &mut GitLabState, idx: usize, p: &Params, me: u64) -> Reply {
    let Some(title) = p.get("title").filter(|t| !t.is_empty()) else {
        return missing("title");
    };
    let labels = p.get("labels").map(split_labels).unwrap_or_default();
    ensure_labels(st, idx, &labels);
    let assignees = p.ids("assignee_ids", "assignee_id").unwrap_or_default();
    let description = p.get("description").map(quick_actions);
    let milestone_id = p
        .get("milestone_id")
        .and_then(|m| m.parse().ok())
        .filter(|id| st.projects[idx].milestones.iter().any(|m| m.id == *id));
    let id = st.id();
    let now = st.now();
    let iid = st.projects[idx].issues.len() as u64 + 1;
    let issue = GlIssue {
        id,
        iid,
        title: title.into(),
        description: description.as_ref().map(|(d, _)| d.clone()),
        state: "opened".into(),
        labels,
        assignee_ids: assignees
            .into_iter()
            .filter(|a| st.assignable(*a))
            .collect(),
        milestone_id,
        due_date: p
            .get("due_date")
            .filter(|d| !d.is_empty())
            .map(String::from),
        author_id: me,
        created_at: now.clone(),
        updated_at: now,
        closed_at: None,
        closed_by_id: None,
    };
    st.projects[idx].issues.push(issue.clone());
    if let Some((_, q)) = &description {
        run_quick_actions(st, idx, iid, q, me);
    }
    let issue = find_issue(st, idx, &iid.to_string()).expect("just created");
    Reply::json(201, &issue_json(st, idx, &issue))
}

fn edit_issue(st: &mut GitLabState, idx: usize, p: &Params, me: u64, iid: &str) -> Reply {
    let Some(issue) = find_issue(st, idx, iid) else {
        return msg(404, "404 Not found");
    };
    let mut labels = issue.labels.clone();
    if let Some(l) = p.get("labels") {
        labels = split_labels(l);
    }
    if let Some(l) = p.get("add_labels") {
        for x in split_labels(l) {
            if !labels.iter().any(|y| y.eq_ignore_ascii_case(&x)) {
                labels.push(x);
            }
        }
    }
    if let Some(l) = p.get("remove_labels") {
        let rm = split_labels(l);
        labels.retain(|y| !rm.iter().any(|x| x.eq_ignore_ascii_case(y)));
    }
    ensure_labels(st, idx, &labels);
    let now = st.now();
    let assignees = p
        .ids("assignee_ids", "assignee_id")
        .map(|a| a.into_iter().filter(|a| st.assignable(*a)).collect());
    let i = st.projects[idx]
        .issues
        .iter_mut()
        .find(|i| i.iid == issue.iid)
        .expect("issue exists");
    i.labels = labels;
    if let Some(t) = p.get("title") {
        i.title = t.into();
    }
    let quick = p.get("description").map(quick_actions);
    if let Some((d, _)) = &quick {
        i.description = Some(d.clone());
    }
    if let Some(a) = assignees {
        i.assignee_ids = a;
    }
    if let Some(m) = p.get("milestone_id") {
        i.milestone_id = m.parse().ok().filter(|&n: &u64| n != 0);
    }
    if p.has("due_date") {
        i.due_date = p
            .get("due_date")
            .filter(|d| !d.is_empty())
            .map(String::from);
    }
    match p.get("state_event") {
        Some("close") if i.state != "closed" => {
            i.state = "closed".into();
            i.closed_at = Some(now.clone());
            i.closed_by_id = Some(me);
        }
        Some("reopen") if i.state != "opened" => {
            i.state = "opened".into();
            i.closed_at = None;
            i.closed_by_id = None;
        }
        _ => {}
    }
    i.updated_at = now;
    let iid = i.iid;
    if let Some((_, q)) = &quick {
        run_quick_actions(st, idx, iid, q, me);
    }
    let i = find_issue(st, idx, &iid.to_string()).expect("exists");
    Reply::json(200, &issue_json(st, idx, &i))
}

fn decode_content(p: &Params, content: &str) -> Result<Vec<u8>, Reply> {
    if p.get("encoding") == Some("base64") {
        base64::engine::general_purpose::STANDARD
            .decode(content.replace(['\n', '\r'], ""))
            .map_err(|_| msg(400, "content is not valid base64"))
    } else {
        Ok(content.as_bytes().to_vec())
    }
}

fn files_route(
    st: &mut GitLabState,
    idx: usize,
    req: &Req,
    p: &Params,
    me: u64,
    method: &str,
    path: &str,
) -> Reply {
    match method {
        "GET" | "HEAD" => {
            let Some(r) = req.q("ref") else {
                return missing("ref");
            };
            let branch = if r == "HEAD" {
                st.projects[idx].default_branch.clone()
            } else {
                r.to_owned()
            };
            let proj = &st.projects[idx];
            let Some(f) = proj.files.get(&(branch.clone(), path.to_owned())) else {
                return msg(404, "404 File Not Found");
            };
            use sha2::{Digest, Sha256};
            let sha256: String = Sha256::digest(&f.content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let v = json!({
                "file_name": path.rsplit('/').next().unwrap_or(path),
                "file_path": path,
                "size": f.content.len(),
                "encoding": "base64",
                "content": base64::engine::general_purpose::STANDARD.encode(&f.content),
                "content_sha256": sha256,
                "ref": r,
                "blob_id": f.blob_id,
                "commit_id": proj.branches[&branch],
                "last_commit_id": f.last_commit_id,
                "execute_filemode": false,
            });
            Reply::json(200, &v)
        }
        "POST" | "PUT" => {
            let Some(branch) = p.get("branch").map(String::from) else {
                return missing("branch");
            };
            let Some(message) = p.get("commit_message").map(String::from) else {
                return missing("commit_message");
            };
            let Some(content) = p.get("content") else {
                return missing("content");
            };
            let content = match decode_content(p, content) {
                Ok(c) => c,
                Err(r) => return r,
            };
            if !st.projects[idx].branches.contains_key(&branch) {
                match p.get("start_branch") {
                    Some(sb) if st.projects[idx].branches.contains_key(sb) => {
                        let sb = sb.to_owned();
                        copy_branch(&mut st.projects[idx], &sb, &branch);
                    }
                    _ => {
                        return msg(
                            400,
                            "You can only create or edit files when you are on a branch",
                        )
                    }
                }
            }
            let key = (branch.clone(), path.to_owned());
            let existing = st.projects[idx].files.get(&key).cloned();
            match (method, existing) {
                ("POST", Some(_)) => return msg(400, "A file with this name already exists"),
                ("PUT", None) => return msg(400, "A file with this name doesn't exist"),
                ("PUT", Some(f))
                    if p.get("last_commit_id")
                        .is_some_and(|l| l != f.last_commit_id) =>
                {
                    return msg(400, FILE_CHANGED);
                }
                _ => {}
            }
            let now = st.now();
            commit_files(
                &mut st.projects[idx],
                &branch,
                &message,
                me,
                &now,
                vec![(path.to_owned(), Some(content))],
            );
            Reply::json(
                if method == "POST" { 201 } else { 200 },
                &json!({"file_path": path, "branch": branch}),
            )
        }
        _ => msg(405, "405 Method Not Allowed"),
    }
}

/// One entry of a commit's `actions`.
#[derive(Debug, Default, Clone)]
struct Action {
    action: String,
    file_path: String,
    content: Option<String>,
    encoding: Option<String>,
    last_commit_id: Option<String>,
}

/// Reads `actions[][key]` pairs the Rails way: a key already set on the last action starts a
/// new one. JSON bodies give an `actions` array.
fn parse_actions(req: &Req, p: &Params) -> Vec<Action> {
    let is_json = req
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    if is_json {
        let v = req.json();
        return v["actions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| Action {
                        action: x["action"].as_str().unwrap_or("").into(),
                        file_path: x["file_path"].as_str().unwrap_or("").into(),
                        content: x["content"].as_str().map(String::from),
                        encoding: x["encoding"].as_str().map(String::from),
                        last_commit_id: x["last_commit_id"].as_str().map(String::from),
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    let mut out: Vec<(Action, Vec<String>)> = Vec::new();
    for (k, v) in &p.0 {
        let Some(field) = k
            .strip_prefix("actions[][")
            .and_then(|s| s.strip_suffix(']'))
        else {
            continue;
        };
        if out
            .last()
            .is_none_or(|(_, seen)| seen.iter().any(|s| s == field))
        {
            out.push((Action::default(), Vec::new()));
        }
        let (a, seen) = out.last_mut().expect("pushed");
        seen.push(field.to_owned());
        match field {
            "action" => a.action = v.clone(),
            "file_path" => a.file_path = v.clone(),
            "content" => a.content = Some(v.clone()),
            "encoding" => a.encoding = Some(v.clone()),
            "last_commit_id" => a.last_commit_id = Some(v.clone()),
            _ => {}
        }
    }
    out.into_iter().map(|(a, _)| a).collect()
}

fn create_commit(st: &mut GitLabState, idx: usize, req: &Req, p: &Params, me: u64) -> Reply {
    let is_json = req
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    let body = req.json();
    let get = |k: &str| -> Option<String> {
        if is_json {
            body.get(k).and_then(Value::as_str).map(String::from)
        } else {
            p.get(k).map(String::from)
        }
    };
    let Some(branch) = get("branch") else {
        return missing("branch");
    };
    let Some(message) = get("commit_message") else {
        return missing("commit_message");
    };
    let actions = parse_actions(req, p);
    if actions.is_empty() {
        return missing("actions");
    }
    if !st.projects[idx].branches.contains_key(&branch) {
        match get("start_branch") {
            Some(sb) if st.projects[idx].branches.contains_key(&sb) => {
                copy_branch(&mut st.projects[idx], &sb, &branch)
            }
            _ => {
                return msg(
                    400,
                    "You can only create or edit files when you are on a branch",
                )
            }
        }
    }
    let mut changes = Vec::new();
    for a in &actions {
        let key = (branch.clone(), a.file_path.clone());
        let existing = st.projects[idx].files.get(&key);
        let content = match &a.content {
            Some(c) if a.encoding.as_deref() == Some("base64") => {
                match base64::engine::general_purpose::STANDARD.decode(c.replace(['\n', '\r'], ""))
                {
                    Ok(b) => Some(b),
                    Err(_) => return msg(400, "content is not valid base64"),
                }
            }
            Some(c) => Some(c.as_bytes().to_vec()),
            None => None,
        };
        match (a.action.as_str(), existing) {
            ("create", Some(_)) => return msg(400, "A file with this name already exists"),
            ("update" | "delete", None) => return msg(400, "A file with this name doesn't exist"),
            ("update" | "delete", Some(f))
                if a.last_commit_id
                    .as_ref()
                    .is_some_and(|l| *l != f.last_commit_id) =>
            {
                return msg(400, FILE_CHANGED)
            }
            ("create" | "update", _) => {
                changes.push((a.file_path.clone(), Some(content.unwrap_or_default())))
            }
            ("delete", _) => changes.push((a.file_path.clone(), None)),
            (other, _) => {
                return msg(
                    400,
                    &format!("actions[0][action] does not have a valid value: {other}"),
                )
            }
        }
    }
    let now = st.now();
    let id = commit_files(&mut st.projects[idx], &branch, &message, me, &now, changes);
    let c = st.projects[idx]
        .commits
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .expect("just committed");
    Reply::json(201, &commit_json(st, idx, &c))
}

// ---------------------------------------------------------------- JSON shapes

fn user_json(st: &GitLabState, id: u64) -> Value {
    let u = st
        .users
        .iter()
        .find(|u| u.id == id)
        .cloned()
        .unwrap_or(GlUser {
            id,
            username: "ghost".into(),
            name: "Ghost User".into(),
        });
    json!({
        "id": u.id, "username": u.username, "name": u.name, "state": "active", "locked": false,
        "avatar_url": format!("https://secure.gravatar.com/avatar/{}?s=80&d=identicon", object_id(&u.username)),
        "web_url": format!("{}/{}", st.web_base, u.username)
    })
}

fn full_user_json(st: &GitLabState, id: u64) -> Value {
    let mut v = fixture("gitlab/user.json");
    let basic = user_json(st, id);
    for k in ["id", "username", "name", "state", "avatar_url", "web_url"] {
        v[k] = basic[k].clone();
    }
    let username = basic["username"].as_str().unwrap_or("ghost");
    v["email"] = json!(format!("{username}@example.com"));
    v["commit_email"] = v["email"].clone();
    v["public_email"] = json!("");
    v["bot"] = json!(false);
    v
}

/// The entries under folder `under` (`""`: the root) of a branch: folders (`tree`) and files
/// (`blob`), every level below when `recursive`, by path.
fn tree_entries(p: &GlProject, branch: &str, under: &str, recursive: bool) -> Vec<Value> {
    let template = fixture("gitlab/tree_entry.json");
    let prefix = if under.is_empty() {
        String::new()
    } else {
        format!("{under}/")
    };
    let mut entries: BTreeMap<String, Value> = BTreeMap::new();
    let mut add = |path: &str, kind: &str, id: String| {
        let Some(rel) = path.strip_prefix(&prefix) else {
            return;
        };
        if !recursive && rel.contains('/') {
            return;
        }
        let mut v = template.clone();
        v["id"] = json!(id);
        v["name"] = json!(path.rsplit('/').next().unwrap_or(path));
        v["type"] = json!(kind);
        v["path"] = json!(path);
        v["mode"] = json!(if kind == "tree" { "040000" } else { "100644" });
        entries.insert(path.to_owned(), v);
    };
    for ((b, path), f) in &p.files {
        if b != branch {
            continue;
        }
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 1..parts.len() {
            let dir = parts[..depth].join("/");
            let id = object_id(&format!("{}@{branch}:{dir}", p.path_with_namespace));
            add(&dir, "tree", id);
        }
        add(path, "blob", f.blob_id.clone());
    }
    entries.into_values().collect()
}

fn project_json(st: &GitLabState, idx: usize) -> Value {
    let p = &st.projects[idx];
    let mut v = fixture("gitlab/project.json");
    let (ns, name) = p
        .path_with_namespace
        .rsplit_once('/')
        .unwrap_or(("", &p.path_with_namespace));
    let web = format!("{}/{}", st.web_base, p.path_with_namespace);
    v["id"] = json!(p.id);
    v["name"] = json!(name);
    v["path"] = json!(name);
    v["path_with_namespace"] = json!(p.path_with_namespace);
    v["name_with_namespace"] = json!(p.path_with_namespace.replace('/', " / "));
    v["default_branch"] = json!(p.default_branch);
    v["archived"] = json!(p.archived);
    v["web_url"] = json!(web);
    v["http_url_to_repo"] = json!(format!("{web}.git"));
    v["ssh_url_to_repo"] = json!(format!(
        "git@gitlab.example.com:{}.git",
        p.path_with_namespace
    ));
    v["readme_url"] = Value::Null;
    v["open_issues_count"] = json!(p.issues.iter().filter(|i| i.state == "opened").count());
    v["namespace"]["path"] = json!(ns);
    v["namespace"]["full_path"] = json!(ns);
    v["namespace"]["name"] = json!(ns);
    v["namespace"]["web_url"] = json!(format!("{}/groups/{ns}", st.web_base));
    let api = format!("{}/api/v4/projects/{}", st.web_base, p.id);
    v["_links"] = json!({
        "self": api, "issues": format!("{api}/issues"), "merge_requests": format!("{api}/merge_requests"),
        "repo_branches": format!("{api}/repository/branches"), "labels": format!("{api}/labels"),
        "events": format!("{api}/events"), "members": format!("{api}/members")
    });
    v
}

fn milestone_json(st: &GitLabState, idx: usize, m: &GlMilestone) -> Value {
    let p = &st.projects[idx];
    let today = st.clock_date();
    json!({
        "id": m.id, "iid": m.iid, "project_id": p.id, "title": m.title,
        "description": m.description, "state": m.state,
        "created_at": m.created_at, "updated_at": m.updated_at,
        "due_date": m.due_date, "start_date": m.start_date,
        "expired": m.due_date.as_ref().is_some_and(|d| d.as_str() < today.as_str()),
        "web_url": format!("{}/{}/-/milestones/{}", st.web_base, p.path_with_namespace, m.iid)
    })
}

impl GitLabState {
    /// The fake clock's current date, `YYYY-MM-DD`.
    fn clock_date(&self) -> String {
        self.clock.peek().format("%Y-%m-%d").to_string()
    }
}

fn label_json(st: &GitLabState, idx: usize, l: &GlLabel) -> Value {
    let p = &st.projects[idx];
    let count = |state: &str| {
        p.issues
            .iter()
            .filter(|i| i.state == state && i.labels.contains(&l.name))
            .count()
    };
    json!({
        "id": l.id, "name": l.name, "color": l.color, "text_color": "#FFFFFF",
        "description": l.description, "description_html": l.description.clone().unwrap_or_default(),
        "open_issues_count": count("opened"), "closed_issues_count": count("closed"),
        "open_merge_requests_count": 0, "subscribed": false, "priority": null,
        "is_project_label": true
    })
}

fn issue_json(st: &GitLabState, idx: usize, i: &GlIssue) -> Value {
    let p = &st.projects[idx];
    let mut v = fixture("gitlab/issue.json");
    let api = format!("{}/api/v4/projects/{}", st.web_base, p.id);
    let assignees: Vec<Value> = i.assignee_ids.iter().map(|a| user_json(st, *a)).collect();
    v["_links"] = json!({
        "self": format!("{api}/issues/{}", i.iid), "notes": format!("{api}/issues/{}/notes", i.iid),
        "award_emoji": format!("{api}/issues/{}/award_emoji", i.iid), "project": api
    });
    v["assignee"] = assignees.first().cloned().unwrap_or(Value::Null);
    v["assignees"] = Value::Array(assignees);
    v["author"] = user_json(st, i.author_id);
    v["closed_at"] = json!(i.closed_at);
    v["closed_by"] = i.closed_by_id.map_or(Value::Null, |u| user_json(st, u));
    v["created_at"] = json!(i.created_at);
    v["updated_at"] = json!(i.updated_at);
    v["description"] = json!(i.description);
    v["due_date"] = json!(i.due_date);
    v["id"] = json!(i.id);
    v["iid"] = json!(i.iid);
    v["labels"] = json!(i.labels);
    v["merge_requests_count"] = json!(0);
    v["milestone"] = i
        .milestone_id
        .and_then(|id| p.milestones.iter().find(|m| m.id == id))
        .map_or(Value::Null, |m| milestone_json(st, idx, m));
    v["project_id"] = json!(p.id);
    v["references"] = json!({"full": format!("{}#{}", p.path_with_namespace, i.iid),
                             "relative": format!("#{}", i.iid), "short": format!("#{}", i.iid)});
    v["state"] = json!(i.state);
    v["title"] = json!(i.title);
    v["user_notes_count"] = json!(p.issue_notes(i.iid).len());
    v["web_url"] = json!(format!(
        "{}/{}/-/issues/{}",
        st.web_base, p.path_with_namespace, i.iid
    ));
    v["subscribed"] = json!(false);
    v
}

fn note_json(st: &GitLabState, idx: usize, n: &GlNote) -> Value {
    let p = &st.projects[idx];
    let noteable_id = if n.noteable_type == "Issue" {
        p.issue(n.noteable_iid).map_or(0, |i| i.id)
    } else {
        p.merge_requests
            .iter()
            .find(|m| m.iid == n.noteable_iid)
            .map_or(0, |m| m.id)
    };
    let mut v = fixture("gitlab/note.json");
    v["author"] = user_json(st, n.author_id);
    v["body"] = json!(n.body);
    v["created_at"] = json!(n.created_at);
    v["updated_at"] = json!(n.updated_at);
    v["id"] = json!(n.id);
    v["noteable_id"] = json!(noteable_id);
    v["noteable_iid"] = json!(n.noteable_iid);
    v["noteable_type"] = json!(n.noteable_type);
    v["system"] = json!(false);
    v["project_id"] = json!(p.id);
    v["internal"] = json!(false);
    v
}

fn commit_json(st: &GitLabState, idx: usize, c: &GlCommit) -> Value {
    let p = &st.projects[idx];
    let author = user_json(st, c.author_id);
    let name = author["name"].clone();
    let email = json!(format!(
        "{}@example.com",
        author["username"].as_str().unwrap_or("ghost")
    ));
    let mut v = fixture("gitlab/repo_commit_detail.json");
    v["id"] = json!(c.id);
    v["short_id"] = json!(&c.id[..8]);
    v["title"] = json!(c.message.lines().next().unwrap_or(""));
    v["message"] = json!(c.message);
    v["parent_ids"] = json!(c.parent.iter().collect::<Vec<_>>());
    for k in ["author_name", "committer_name"] {
        v[k] = name.clone();
    }
    for k in ["author_email", "committer_email"] {
        v[k] = email.clone();
    }
    for k in ["authored_date", "committed_date", "created_at"] {
        v[k] = json!(c.created_at);
    }
    v["project_id"] = json!(p.id);
    v["last_pipeline"] = Value::Null;
    v["status"] = Value::Null;
    v["web_url"] = json!(format!(
        "{}/{}/-/commit/{}",
        st.web_base, p.path_with_namespace, c.id
    ));
    v
}

fn branch_json(st: &GitLabState, idx: usize, name: &str) -> Value {
    let p = &st.projects[idx];
    let head = &p.branches[name];
    let mut v = fixture("gitlab/repo_branch.json");
    let commit = match p.commits.iter().find(|c| c.id == *head) {
        Some(c) => commit_json(st, idx, c),
        None => {
            let mut c = v["commit"].clone();
            c["id"] = json!(head);
            c["short_id"] = json!(&head[..8]);
            c["parent_ids"] = json!([]);
            c["web_url"] = json!(format!(
                "{}/{}/-/commit/{head}",
                st.web_base, p.path_with_namespace
            ));
            c
        }
    };
    v["commit"] = commit;
    v["name"] = json!(name);
    v["default"] = json!(name == p.default_branch);
    v["protected"] = json!(name == p.default_branch);
    v["merged"] = json!(false);
    v["web_url"] = json!(format!(
        "{}/{}/-/tree/{name}",
        st.web_base, p.path_with_namespace
    ));
    v
}

fn mr_json(st: &GitLabState, idx: usize, m: &GlMergeRequest) -> Value {
    let p = &st.projects[idx];
    let mut v = fixture("gitlab/merge_request.json");
    let sha = p
        .branches
        .get(&m.source_branch)
        .cloned()
        .unwrap_or_default();
    let base_sha = p
        .branches
        .get(&m.target_branch)
        .cloned()
        .unwrap_or_default();
    v["id"] = json!(m.id);
    v["iid"] = json!(m.iid);
    v["project_id"] = json!(p.id);
    v["source_project_id"] = json!(p.id);
    v["target_project_id"] = json!(p.id);
    v["title"] = json!(m.title);
    v["description"] = json!(m.description);
    v["state"] = json!(m.state);
    v["created_at"] = json!(m.created_at);
    v["updated_at"] = json!(m.updated_at);
    v["closed_at"] = json!(m.closed_at);
    v["merged_at"] = Value::Null;
    v["merged_by"] = Value::Null;
    v["merge_user"] = Value::Null;
    v["source_branch"] = json!(m.source_branch);
    v["target_branch"] = json!(m.target_branch);
    v["author"] = user_json(st, m.author_id);
    v["assignee"] = Value::Null;
    v["assignees"] = json!([]);
    v["reviewers"] = json!([]);
    v["labels"] = json!(m.labels);
    v["sha"] = json!(sha);
    v["diff_refs"] = json!({"base_sha": base_sha, "head_sha": sha, "start_sha": base_sha});
    v["head_pipeline"] = Value::Null;
    v["merge_status"] = json!("can_be_merged");
    v["reference"] = json!(format!("!{}", m.iid));
    v["references"] = json!({"full": format!("{}!{}", p.path_with_namespace, m.iid),
                             "relative": format!("!{}", m.iid), "short": format!("!{}", m.iid)});
    v["user_notes_count"] = json!(p
        .notes
        .iter()
        .filter(|n| n.noteable_type == "MergeRequest" && n.noteable_iid == m.iid)
        .count());
    v["web_url"] = json!(format!(
        "{}/{}/-/merge_requests/{}",
        st.web_base, p.path_with_namespace, m.iid
    ));
    v["draft"] = json!(false);
    v["work_in_progress"] = json!(false);
    v
}
