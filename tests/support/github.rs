//! A fake GitHub REST API (the subset the tool uses), stateful, over loopback.
//!
//! Routes: `GET /user`, `GET /users/{login}`, `GET /rate_limit`, `GET /repos/{o}/{r}`; issues
//! list (pull requests included, with a `pull_request` key, as GitHub does) / create / get /
//! update; issue labels add / replace / remove; issue comments list / create / get / update;
//! labels list / create / get; milestones list / create / get / update; contents get / put
//! (sha checked: 409 on mismatch, 422 when missing); git refs get / create; pulls list (by
//! `head`, `base`, `state`) / create / get / update; git trees get by branch or head sha
//! (`recursive`, cut at [`GitHubState::tree_limit`] entries with `truncated: true`, as GitHub
//! cuts at 100,000; 409 for a repository marked `empty`). `GET /orgs/{org}/repos` (every
//! repository of an organisation the token can see; 404 for a name that is no organisation),
//! `GET /user/repos` (the token's user's own, private ones too) and `GET /users/{user}/repos`
//! (the user's public repositories). `POST /graphql`: Projects (v2), in [`super::github_projects`]. Repository routes also answer under `/repositories/{id}/...`, the form
//! GitHub uses in its `Link` headers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    fixture, git_blob_sha, link_header, lock, object_id, paginate, Access, FakeClock, Fault, Forge,
    Reply, Req, RequestLog, Server, TokenGrant, Tokens,
};

const DOCS: &str = "https://docs.github.com/rest";

/// A user.
#[derive(Debug, Clone)]
pub struct GhUser {
    pub id: u64,
    pub login: String,
}

/// A repository label.
#[derive(Debug, Clone)]
pub struct GhLabel {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

/// A milestone.
#[derive(Debug, Clone)]
pub struct GhMilestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// RFC 3339, as GitHub sends it.
    pub due_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub creator: String,
}

/// The pull-request side of an issue.
#[derive(Debug, Clone)]
pub struct GhPull {
    /// Head branch name (same repository).
    pub head: String,
    pub base: String,
    pub draft: bool,
    pub merged: bool,
}

/// An issue, or a pull request (GitHub numbers both in one sequence).
#[derive(Debug, Clone)]
pub struct GhIssue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub state_reason: Option<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// Milestone number.
    pub milestone: Option<u64>,
    pub user: String,
    pub locked: bool,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub pull: Option<GhPull>,
}

/// An issue comment.
#[derive(Debug, Clone)]
pub struct GhComment {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub user: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A file on a branch.
#[derive(Debug, Clone)]
pub struct GhFile {
    pub content: Vec<u8>,
    pub sha: String,
}

/// A commit made through the contents API.
#[derive(Debug, Clone)]
pub struct GhCommit {
    pub sha: String,
    pub branch: String,
    pub message: String,
    pub path: String,
}

/// A repository and everything in it.
#[derive(Debug, Clone)]
pub struct GhRepo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub archived: bool,
    /// Created without any commit (`auto_init: false`): git endpoints answer 409.
    pub empty: bool,
    pub default_branch: String,
    pub issues: Vec<GhIssue>,
    pub labels: Vec<GhLabel>,
    pub milestones: Vec<GhMilestone>,
    pub comments: Vec<GhComment>,
    /// (branch, path) to file.
    pub files: BTreeMap<(String, String), GhFile>,
    /// Branch name to head commit sha.
    pub branches: BTreeMap<String, String>,
    pub commits: Vec<GhCommit>,
}

impl GhRepo {
    /// The issue (or pull request) with this number.
    pub fn issue(&self, number: u64) -> Option<&GhIssue> {
        self.issues.iter().find(|i| i.number == number)
    }

    /// The issue (or pull request) with this number, to change.
    pub fn issue_mut(&mut self, number: u64) -> Option<&mut GhIssue> {
        self.issues.iter_mut().find(|i| i.number == number)
    }

    /// Issues only, pull requests left out.
    pub fn real_issues(&self) -> Vec<&GhIssue> {
        self.issues.iter().filter(|i| i.pull.is_none()).collect()
    }

    /// Comments on one issue, oldest first.
    pub fn comments_on(&self, number: u64) -> Vec<&GhComment> {
        self.comments
            .iter()
            .filter(|c| c.issue_number == number)
            .collect()
    }

    /// A file's text on a branch.
    pub fn file_text(&self, branch: &str, path: &str) -> Option<String> {
        self.files
            .get(&(branch.to_owned(), path.to_owned()))
            .map(|f| String::from_utf8_lossy(&f.content).into_owned())
    }

    fn label_mut_or_create(&mut self, name: &str, next_id: &mut u64) {
        if !self
            .labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
        {
            *next_id += 1;
            self.labels.push(GhLabel {
                id: *next_id,
                name: name.to_owned(),
                color: "ededed".into(),
                description: None,
            });
        }
    }
}

/// The whole fake GitHub: users, tokens, repositories, rate limit.
#[derive(Debug)]
pub struct GitHubState {
    pub users: Vec<GhUser>,
    /// Logins that are organisations (answer `GET /orgs/{org}/repos`).
    pub orgs: Vec<String>,
    pub tokens: Tokens,
    pub repos: Vec<GhRepo>,
    /// Most entries one git tree answer holds before it is cut (`truncated: true`).
    pub tree_limit: usize,
    /// Where `html_url`s point (what a person's browser opens).
    pub html_base: String,
    pub rate_limit: u64,
    pub rate_remaining: u64,
    /// Epoch seconds.
    pub rate_reset: u64,
    pub clock: FakeClock,
    /// A GitHub App and its installations ([`super::github_app`]), when the test has one.
    pub app: Option<super::github_app::FakeApp>,
    /// Projects (v2), answered at `POST /graphql` ([`super::github_projects`]).
    pub projects: super::github_projects::ProjectsState,
    next_id: u64,
}

impl GitHubState {
    /// One user `octo-bot` with token [`FakeGitHub::TOKEN`] (write access) and an empty
    /// repository `acme/svc` with branch `main`.
    pub fn new() -> Self {
        let mut st = GitHubState {
            users: Vec::new(),
            orgs: Vec::new(),
            tokens: Tokens::new(),
            repos: Vec::new(),
            tree_limit: 100_000,
            html_base: "https://github.com".into(),
            rate_limit: 5000,
            rate_remaining: 5000,
            rate_reset: 1_709_287_200,
            clock: FakeClock::default(),
            app: None,
            projects: Default::default(),
            next_id: 1000,
        };
        st.add_user("octo-bot");
        st.add_token(FakeGitHub::TOKEN, "octo-bot", Access::Write);
        st.add_repo("acme", "svc");
        st
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn now(&mut self) -> String {
        self.clock.tick().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// Adds a user (idempotent); returns its id.
    pub fn add_user(&mut self, login: &str) -> u64 {
        if let Some(u) = self.users.iter().find(|u| u.login == login) {
            return u.id;
        }
        let id = self.id();
        self.users.push(GhUser {
            id,
            login: login.into(),
        });
        id
    }

    /// Accepts `token` as `login` with `access`.
    pub fn add_token(&mut self, token: &str, login: &str, access: Access) {
        self.add_user(login);
        self.tokens.insert(
            token.into(),
            TokenGrant {
                login: login.into(),
                access,
            },
        );
    }

    /// Adds an empty repository with branch `main` (the owner becomes a user).
    pub fn add_repo(&mut self, owner: &str, name: &str) -> &mut GhRepo {
        self.add_user(owner);
        let id = self.id();
        let mut branches = BTreeMap::new();
        branches.insert(
            "main".to_owned(),
            object_id(&format!("{owner}/{name}@root")),
        );
        self.repos.push(GhRepo {
            id,
            owner: owner.into(),
            name: name.into(),
            private: true,
            archived: false,
            empty: false,
            default_branch: "main".into(),
            issues: Vec::new(),
            labels: Vec::new(),
            milestones: Vec::new(),
            comments: Vec::new(),
            files: BTreeMap::new(),
            branches,
            commits: Vec::new(),
        });
        self.repos.last_mut().expect("just pushed")
    }

    /// The repository `owner/name`. Panics when absent (a test set-up error).
    pub fn repo(&self, owner: &str, name: &str) -> &GhRepo {
        self.repos
            .iter()
            .find(|r| r.owner == owner && r.name == name)
            .unwrap_or_else(|| panic!("no repository {owner}/{name} in the fake"))
    }

    /// The repository `owner/name`, mutable.
    pub fn repo_mut(&mut self, owner: &str, name: &str) -> &mut GhRepo {
        self.repos
            .iter_mut()
            .find(|r| r.owner == owner && r.name == name)
            .unwrap_or_else(|| panic!("no repository {owner}/{name} in the fake"))
    }

    /// Seeds an issue; returns its number.
    pub fn seed_issue(
        &mut self,
        repo: (&str, &str),
        title: &str,
        body: &str,
        labels: &[&str],
        state: &str,
    ) -> u64 {
        let id = self.id();
        let now = self.now();
        let mut next_id = self.next_id;
        let r = self.repo_mut(repo.0, repo.1);
        for l in labels {
            r.label_mut_or_create(l, &mut next_id);
        }
        let number = r.issues.len() as u64 + 1;
        r.issues.push(GhIssue {
            id,
            number,
            title: title.into(),
            body: Some(body.into()),
            state: state.into(),
            state_reason: (state == "closed").then(|| "completed".into()),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            assignees: Vec::new(),
            milestone: None,
            user: "octo-bot".into(),
            locked: false,
            created_at: now.clone(),
            updated_at: now.clone(),
            closed_at: (state == "closed").then(|| now.clone()),
            closed_by: (state == "closed").then(|| "octo-bot".into()),
            pull: None,
        });
        self.next_id = next_id;
        number
    }

    /// Seeds a label.
    pub fn seed_label(&mut self, repo: (&str, &str), name: &str, color: &str) {
        let id = self.id();
        self.repo_mut(repo.0, repo.1).labels.push(GhLabel {
            id,
            name: name.into(),
            color: color.into(),
            description: None,
        });
    }

    /// Seeds a milestone; returns its number.
    pub fn seed_milestone(&mut self, repo: (&str, &str), title: &str, due_on: Option<&str>) -> u64 {
        let id = self.id();
        let now = self.now();
        let r = self.repo_mut(repo.0, repo.1);
        let number = r.milestones.len() as u64 + 1;
        r.milestones.push(GhMilestone {
            id,
            number,
            title: title.into(),
            description: None,
            state: "open".into(),
            due_on: due_on.map(Into::into),
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
            creator: "octo-bot".into(),
        });
        number
    }

    /// Makes `login` an organisation (a user too, as GitHub lists both by login).
    pub fn add_org(&mut self, login: &str) {
        self.add_user(login);
        if !self.orgs.iter().any(|o| o == login) {
            self.orgs.push(login.into());
        }
    }

    /// Seeds a file on a branch; returns its sha.
    pub fn seed_file(
        &mut self,
        repo: (&str, &str),
        branch: &str,
        path: &str,
        text: &str,
    ) -> String {
        self.seed_bytes(repo, branch, path, text.as_bytes())
    }

    /// Seeds a file of any bytes on a branch; returns its sha.
    pub fn seed_bytes(
        &mut self,
        repo: (&str, &str),
        branch: &str,
        path: &str,
        bytes: &[u8],
    ) -> String {
        let r = self.repo_mut(repo.0, repo.1);
        let sha = git_blob_sha(bytes);
        r.branches
            .entry(branch.into())
            .or_insert_with(|| object_id(&format!("{branch}@seed")));
        r.files.insert(
            (branch.into(), path.into()),
            GhFile {
                content: bytes.to_vec(),
                sha: sha.clone(),
            },
        );
        sha
    }
}

impl GitHubState {
    /// Opens a pull request from `head` into `base` (both branches must have files seeded);
    /// returns its number.
    pub fn seed_pull(&mut self, repo: (&str, &str), head: &str, base_branch: &str) -> u64 {
        let id = self.id();
        let now = self.now();
        let r = self.repo_mut(repo.0, repo.1);
        let number = r.issues.len() as u64 + 1;
        r.issues.push(GhIssue {
            id,
            number,
            title: format!("Merge {head}"),
            body: None,
            state: "open".into(),
            state_reason: None,
            labels: Vec::new(),
            assignees: Vec::new(),
            milestone: None,
            user: "octo-bot".into(),
            locked: false,
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
            closed_by: None,
            pull: Some(GhPull {
                head: head.into(),
                base: base_branch.into(),
                draft: false,
                merged: false,
            }),
        });
        number
    }
}

/// `GET /pulls/{n}/files`: the files that differ between the head and base branches, with
/// GitHub's `status` (`added`, `modified`, `removed`).
fn pull_files(repo: &GhRepo, head: &str, base_branch: &str) -> Vec<Value> {
    let on = |b: &str| -> BTreeMap<&str, &GhFile> {
        repo.files
            .iter()
            .filter(|((br, _), _)| br == b)
            .map(|((_, p), f)| (p.as_str(), f))
            .collect()
    };
    let (h, b) = (on(head), on(base_branch));
    let mut out = Vec::new();
    for (path, f) in &h {
        let status = match b.get(path) {
            None => "added",
            Some(old) if old.sha != f.sha => "modified",
            Some(_) => continue,
        };
        out.push(json!({"sha": f.sha, "filename": path, "status": status,
            "additions": 1, "deletions": 0, "changes": 1}));
    }
    for (path, f) in &b {
        if !h.contains_key(path) {
            out.push(json!({"sha": f.sha, "filename": path, "status": "removed",
                "additions": 0, "deletions": 1, "changes": 1}));
        }
    }
    out
}

impl Default for GitHubState {
    fn default() -> Self {
        Self::new()
    }
}

/// A running fake GitHub.
pub struct FakeGitHub {
    pub server: Server,
    state: Arc<Mutex<GitHubState>>,
}

impl FakeGitHub {
    /// The token the default state accepts, with write access.
    pub const TOKEN: &'static str = "ghp_fake_write_token";

    /// Starts with [`GitHubState::new`].
    pub fn start() -> Self {
        Self::start_with(GitHubState::new())
    }

    /// Starts with the given state.
    pub fn start_with(state: GitHubState) -> Self {
        let state = Arc::new(Mutex::new(state));
        let server = Server::start(Arc::new(GitHubForge {
            state: state.clone(),
        }));
        FakeGitHub { server, state }
    }

    /// `http://127.0.0.1:PORT`, the API root (octocrab's `base_uri`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Inspect or change the state (do not hold across a request).
    pub fn state(&self) -> MutexGuard<'_, GitHubState> {
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

struct GitHubForge {
    state: Arc<Mutex<GitHubState>>,
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
    )
}

fn not_found() -> Reply {
    error(404, "Not Found")
}

fn validation(errors: Value) -> Reply {
    Reply::json(
        422,
        &json!({"message": "Validation Failed", "errors": errors, "documentation_url": DOCS,
                "status": "422"}),
    )
}

fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

impl Forge for GitHubForge {
    fn handle(&self, req: &Req, base: &str) -> Reply {
        let mut st = lock(&self.state);
        let token = req.header("authorization").and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("token "))
                .map(str::trim)
        });
        if let Some(reply) = super::github_app::handle(&mut st, req, base, token) {
            return rate_headers(&st, reply);
        }
        let grant = match token {
            None => None,
            Some(t) => match st.tokens.get(t) {
                Some(g) => Some(g.clone()),
                None => return error(401, "Bad credentials"),
            },
        };
        if grant.is_some() {
            if st.rate_remaining == 0 {
                let login = grant.as_ref().map(|g| g.login.clone()).unwrap_or_default();
                let uid = st.add_user(&login);
                return rate_headers(
                    &st,
                    error(403, &format!("API rate limit exceeded for user ID {uid}.")),
                );
            }
            st.rate_remaining -= 1;
        }
        let reply = route(&mut st, req, base, grant.as_ref());
        let reply = super::github_app::budget_headers(&st, token, reply);
        rate_headers(&st, reply)
    }

    fn fault_reply(&self, fault: &Fault) -> Reply {
        let secondary = "You have exceeded a secondary rate limit. Please wait a few minutes \
                         before you try again. If you reach out to GitHub Support for help, \
                         please include the request ID 0000:FAKE:0000000:0000000:00000000.";
        let docs = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
        let st = lock(&self.state);
        match fault {
            Fault::SecondaryRateLimit { retry_after_secs } => rate_headers(
                &st,
                Reply::json(
                    403,
                    &json!({"message": secondary, "documentation_url": docs}),
                )
                .with("retry-after", retry_after_secs),
            ),
            Fault::TooManyRequests { retry_after_secs } => rate_headers(
                &st,
                Reply::json(
                    429,
                    &json!({"message": secondary, "documentation_url": docs}),
                )
                .with("retry-after", retry_after_secs),
            ),
            Fault::Status(code) | Fault::ApplyThenStatus(code) => {
                Reply::json(*code, &json!({"message": reason(*code)}))
            }
            _ => Reply::json(500, &json!({"message": "Server Error"})),
        }
    }
}

fn rate_headers(st: &GitHubState, reply: Reply) -> Reply {
    // An App installation's refusal carries its own installation's limit.
    if reply
        .headers
        .iter()
        .any(|(n, _)| n == "x-ratelimit-remaining")
    {
        return reply;
    }
    reply
        .with("x-ratelimit-limit", st.rate_limit)
        .with("x-ratelimit-remaining", st.rate_remaining)
        .with("x-ratelimit-reset", st.rate_reset)
        .with("x-ratelimit-used", st.rate_limit - st.rate_remaining)
        .with("x-ratelimit-resource", "core")
        .with("x-github-api-version-selected", "2022-11-28")
}

fn route(st: &mut GitHubState, req: &Req, base: &str, grant: Option<&TokenGrant>) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    match (m, segs.as_slice()) {
        ("GET", ["user"]) => match grant {
            Some(g) => {
                let login = g.login.clone();
                Reply::json(200, &user_json(st, base, &login))
            }
            None => error(401, "Requires authentication"),
        },
        ("GET", ["users", login]) => {
            if st.users.iter().any(|u| u.login == *login) {
                Reply::json(200, &user_json(st, base, login))
            } else {
                not_found()
            }
        }
        ("GET", ["rate_limit"]) => {
            let mut v = fixture("github/rate-limit.json");
            let core = json!({"limit": st.rate_limit, "used": st.rate_limit - st.rate_remaining,
                              "remaining": st.rate_remaining, "reset": st.rate_reset});
            v["resources"]["core"] = core.clone();
            v["rate"] = core;
            Reply::json(200, &v)
        }
        ("GET", ["orgs", org, "repos"]) => {
            if !st.orgs.iter().any(|o| o.eq_ignore_ascii_case(org)) {
                return not_found();
            }
            // Private repositories only to a token that may see them; newest first (GitHub's
            // default sort for organisations is `created`, descending).
            let hidden = grant.is_none_or(|g| g.access == Access::Hidden);
            let mut idxs: Vec<usize> = (0..st.repos.len())
                .filter(|&i| {
                    let r = &st.repos[i];
                    r.owner.eq_ignore_ascii_case(org) && (!r.private || !hidden)
                })
                .collect();
            idxs.sort_by_key(|&i| std::cmp::Reverse(st.repos[i].id));
            let items = idxs.iter().map(|&i| repo_json(st, i, base)).collect();
            list_reply(req, base, None, items)
        }
        ("GET", ["user", "repos"]) => {
            let Some(g) = grant else {
                return error(401, "Requires authentication");
            };
            // `affiliation=owner`: the token's user's own repositories, private ones too.
            let me = g.login.clone();
            let mut idxs: Vec<usize> = (0..st.repos.len())
                .filter(|&i| st.repos[i].owner.eq_ignore_ascii_case(&me))
                .collect();
            idxs.sort_by_key(|&i| st.repos[i].name.to_lowercase());
            let items = idxs.iter().map(|&i| repo_json(st, i, base)).collect();
            list_reply(req, base, None, items)
        }
        ("GET", ["users", user, "repos"]) => {
            if !st.users.iter().any(|u| u.login.eq_ignore_ascii_case(user)) {
                return not_found();
            }
            // Public repositories only, by full name (GitHub's default here).
            let mut idxs: Vec<usize> = (0..st.repos.len())
                .filter(|&i| st.repos[i].owner.eq_ignore_ascii_case(user) && !st.repos[i].private)
                .collect();
            idxs.sort_by_key(|&i| st.repos[i].name.to_lowercase());
            let items = idxs.iter().map(|&i| repo_json(st, i, base)).collect();
            list_reply(req, base, None, items)
        }
        ("POST", ["graphql"]) => super::github_projects::graphql(st, req, grant),
        (_, ["repos", owner, name, rest @ ..]) => {
            let Some(idx) = st
                .repos
                .iter()
                // GitHub matches owner and name without case, as the service's lower-cased
                // repository names rely on.
                .position(|r| {
                    r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name)
                })
            else {
                return not_found();
            };
            repo_route(st, idx, req, base, grant, rest)
        }
        (_, ["repositories", id, rest @ ..]) => {
            let Some(idx) = st.repos.iter().position(|r| r.id.to_string() == *id) else {
                return not_found();
            };
            repo_route(st, idx, req, base, grant, rest)
        }
        _ => not_found(),
    }
}

fn per_page(req: &Req) -> (usize, usize) {
    let per_page = req
        .q("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30usize)
        .clamp(1, 100);
    let page = req.q("page").and_then(|v| v.parse().ok()).unwrap_or(1usize);
    (page, per_page)
}

/// A paginated list answer with GitHub's `Link` header (pointing at `/repositories/{id}/...`).
fn list_reply(req: &Req, base: &str, repo_id: Option<u64>, items: Vec<Value>) -> Reply {
    let (page, per_page) = per_page(req);
    let (slice, pages) = paginate(&items, page, per_page);
    let mut reply = Reply::json(200, &Value::Array(slice));
    let path = match (repo_id, req.segments.first().map(String::as_str)) {
        (Some(id), Some("repos")) => {
            let rest: Vec<&str> = req.raw_path.split('/').skip(4).collect();
            format!("/repositories/{id}/{}", rest.join("/"))
        }
        _ => req.raw_path.clone(),
    };
    let link = link_header(base, &path, &req.query, page, pages);
    if !link.is_empty() {
        reply = reply.with("link", link);
    }
    reply
}

fn repo_route(
    st: &mut GitHubState,
    idx: usize,
    req: &Req,
    base: &str,
    grant: Option<&TokenGrant>,
    rest: &[&str],
) -> Reply {
    let access = grant.map(|g| g.access);
    let private = st.repos[idx].private;
    if access == Some(Access::Hidden) || (grant.is_none() && private) {
        return not_found();
    }
    if req.is_write() {
        match access {
            None => return error(401, "Requires authentication"),
            Some(Access::Read) => {
                return error(403, "Resource not accessible by personal access token")
            }
            _ => {}
        }
    }
    let me = grant.map(|g| g.login.clone()).unwrap_or_default();
    let repo_id = st.repos[idx].id;
    // GitHub accepts POST for PATCH on update routes (octocrab's update_comment relies on it).
    let m = match (req.method.as_str(), rest) {
        ("POST", ["issues", _] | ["issues", "comments", _] | ["milestones", _] | ["pulls", _]) => {
            "PATCH"
        }
        (m, _) => m,
    };
    match (m, rest) {
        ("GET", []) => Reply::json(200, &repo_json(st, idx, base)),

        // ---- issues
        ("GET", ["issues"]) => {
            let items = list_issues(&st.repos[idx], req);
            let items: Vec<Value> = items.iter().map(|i| issue_json(st, idx, i, base)).collect();
            list_reply(req, base, Some(repo_id), items)
        }
        ("POST", ["issues"]) => create_issue(st, idx, req, base, &me),
        ("GET", ["issues", n]) => match find_issue(st, idx, n) {
            Some(i) => Reply::json(200, &issue_json(st, idx, &i, base)),
            None => not_found(),
        },
        ("PATCH", ["issues", n]) => update_issue(st, idx, req, base, &me, n),

        // ---- issue labels
        ("GET", ["issues", n, "labels"]) => match find_issue(st, idx, n) {
            Some(i) => {
                let items = i
                    .labels
                    .iter()
                    .map(|l| label_json(st, idx, l, base))
                    .collect();
                list_reply(req, base, Some(repo_id), items)
            }
            None => not_found(),
        },
        ("POST" | "PUT", ["issues", n, "labels"]) => {
            let Some(issue) = find_issue(st, idx, n) else {
                return not_found();
            };
            let body = req.json();
            let names: Vec<String> = match &body {
                Value::Array(a) => a.iter().filter_map(label_name).collect(),
                Value::Object(o) => o
                    .get("labels")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(label_name).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let mut next_id = st.next_id;
            for name in &names {
                st.repos[idx].label_mut_or_create(name, &mut next_id);
            }
            st.next_id = next_id;
            let now = st.now();
            let i = issue_mut(st, idx, issue.number);
            if m == "PUT" {
                i.labels.clear();
            }
            for name in names {
                if !i.labels.iter().any(|l| l.eq_ignore_ascii_case(&name)) {
                    i.labels.push(name);
                }
            }
            i.updated_at = now;
            let labels = i.labels.clone();
            let v: Vec<Value> = labels
                .iter()
                .map(|l| label_json(st, idx, l, base))
                .collect();
            Reply::json(200, &Value::Array(v))
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let Some(issue) = find_issue(st, idx, n) else {
                return not_found();
            };
            if !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                return error(404, "Label does not exist");
            }
            let now = st.now();
            let i = issue_mut(st, idx, issue.number);
            i.labels.retain(|l| !l.eq_ignore_ascii_case(name));
            i.updated_at = now;
            let labels = i.labels.clone();
            let v: Vec<Value> = labels
                .iter()
                .map(|l| label_json(st, idx, l, base))
                .collect();
            Reply::json(200, &Value::Array(v))
        }

        // ---- comments
        ("GET", ["issues", n, "comments"]) => {
            let Some(issue) = find_issue(st, idx, n) else {
                return not_found();
            };
            let items = st.repos[idx]
                .comments_on(issue.number)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>();
            let items = items
                .iter()
                .map(|c| comment_json(st, idx, c, base))
                .collect();
            list_reply(req, base, Some(repo_id), items)
        }
        ("POST", ["issues", n, "comments"]) => {
            let Some(issue) = find_issue(st, idx, n) else {
                return not_found();
            };
            let Some(body) = req
                .json()
                .get("body")
                .and_then(Value::as_str)
                .map(String::from)
            else {
                return validation(json!([{"resource": "IssueComment", "code": "missing_field",
                                          "field": "body"}]));
            };
            let id = st.id();
            let now = st.now();
            let c = GhComment {
                id,
                issue_number: issue.number,
                body,
                user: me.clone(),
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            st.repos[idx].comments.push(c.clone());
            issue_mut(st, idx, issue.number).updated_at = now;
            Reply::json(201, &comment_json(st, idx, &c, base))
        }
        ("GET", ["issues", "comments", id]) => {
            match st.repos[idx]
                .comments
                .iter()
                .find(|c| c.id.to_string() == *id)
            {
                Some(c) => {
                    let c = c.clone();
                    Reply::json(200, &comment_json(st, idx, &c, base))
                }
                None => not_found(),
            }
        }
        ("PATCH", ["issues", "comments", id]) => {
            let Some(body) = req
                .json()
                .get("body")
                .and_then(Value::as_str)
                .map(String::from)
            else {
                return validation(json!([{"resource": "IssueComment", "code": "missing_field",
                                          "field": "body"}]));
            };
            let now = st.now();
            let Some(c) = st.repos[idx]
                .comments
                .iter_mut()
                .find(|c| c.id.to_string() == *id)
            else {
                return not_found();
            };
            c.body = body;
            c.updated_at = now;
            let c = c.clone();
            Reply::json(200, &comment_json(st, idx, &c, base))
        }

        // ---- labels
        ("GET", ["labels"]) => {
            let names: Vec<String> = st.repos[idx]
                .labels
                .iter()
                .map(|l| l.name.clone())
                .collect();
            let items = names.iter().map(|l| label_json(st, idx, l, base)).collect();
            list_reply(req, base, Some(repo_id), items)
        }
        ("GET", ["labels", name]) => {
            if st.repos[idx]
                .labels
                .iter()
                .any(|l| l.name.eq_ignore_ascii_case(name))
            {
                Reply::json(200, &label_json(st, idx, name, base))
            } else {
                not_found()
            }
        }
        ("POST", ["labels"]) => {
            let body = req.json();
            let Some(name) = body.get("name").and_then(Value::as_str) else {
                return validation(
                    json!([{"resource": "Label", "code": "missing_field", "field": "name"}]),
                );
            };
            if st.repos[idx]
                .labels
                .iter()
                .any(|l| l.name.eq_ignore_ascii_case(name))
            {
                return validation(
                    json!([{"resource": "Label", "code": "already_exists", "field": "name"}]),
                );
            }
            let color = body
                .get("color")
                .and_then(Value::as_str)
                .unwrap_or("ededed")
                .trim_start_matches('#')
                .to_owned();
            let id = st.id();
            st.repos[idx].labels.push(GhLabel {
                id,
                name: name.into(),
                color,
                description: body
                    .get("description")
                    .and_then(Value::as_str)
                    .map(String::from),
            });
            Reply::json(201, &label_json(st, idx, name, base))
        }

        // ---- milestones
        ("GET", ["milestones"]) => {
            let state = req.q("state").unwrap_or("open");
            let mut ms: Vec<GhMilestone> = st.repos[idx]
                .milestones
                .iter()
                .filter(|ms| state == "all" || ms.state == state)
                .cloned()
                .collect();
            // GitHub's default: sort=due_on, direction=asc (milestones without a due date last).
            if req.q("sort").unwrap_or("due_on") == "due_on" {
                ms.sort_by_key(|m| (m.due_on.is_none(), m.due_on.clone(), m.number));
            } else {
                ms.sort_by_key(|m| m.number);
            }
            if req.q("direction") == Some("desc") {
                ms.reverse();
            }
            let items = ms
                .iter()
                .map(|ms| milestone_json(st, idx, ms, base))
                .collect();
            list_reply(req, base, Some(repo_id), items)
        }
        ("GET", ["milestones", n]) => {
            match st.repos[idx]
                .milestones
                .iter()
                .find(|ms| ms.number.to_string() == *n)
            {
                Some(ms) => {
                    let ms = ms.clone();
                    Reply::json(200, &milestone_json(st, idx, &ms, base))
                }
                None => not_found(),
            }
        }
        ("POST", ["milestones"]) => {
            let body = req.json();
            let Some(title) = body.get("title").and_then(Value::as_str) else {
                return validation(
                    json!([{"resource": "Milestone", "code": "missing_field", "field": "title"}]),
                );
            };
            if st.repos[idx].milestones.iter().any(|ms| ms.title == title) {
                return validation(
                    json!([{"resource": "Milestone", "code": "already_exists", "field": "title"}]),
                );
            }
            let id = st.id();
            let now = st.now();
            let number = st.repos[idx]
                .milestones
                .iter()
                .map(|m| m.number)
                .max()
                .unwrap_or(0)
                + 1;
            let ms = GhMilestone {
                id,
                number,
                title: title.into(),
                description: body
                    .get("description")
                    .and_then(Value::as_str)
                    .map(String::from),
                state: body
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or("open")
                    .into(),
                due_on: body
                    .get("due_on")
                    .and_then(Value::as_str)
                    .map(normalise_due),
                created_at: now.clone(),
                updated_at: now,
                closed_at: None,
                creator: me.clone(),
            };
            st.repos[idx].milestones.push(ms.clone());
            Reply::json(201, &milestone_json(st, idx, &ms, base))
        }
        ("PATCH", ["milestones", n]) => {
            let body = req.json();
            let now = st.now();
            let Some(ms) = st.repos[idx]
                .milestones
                .iter_mut()
                .find(|ms| ms.number.to_string() == *n)
            else {
                return not_found();
            };
            if let Some(t) = body.get("title").and_then(Value::as_str) {
                ms.title = t.into();
            }
            if let Some(s) = body.get("state").and_then(Value::as_str) {
                ms.state = s.into();
                ms.closed_at = (s == "closed").then(|| now.clone());
            }
            if let Some(d) = body.get("description") {
                ms.description = d.as_str().map(String::from);
            }
            if let Some(d) = body.get("due_on") {
                ms.due_on = d.as_str().map(normalise_due);
            }
            ms.updated_at = now;
            let ms = ms.clone();
            Reply::json(200, &milestone_json(st, idx, &ms, base))
        }

        // ---- contents
        ("GET", ["contents", path @ ..]) if !path.is_empty() => {
            let path = path.join("/");
            let branch = req
                .q("ref")
                .map(|r| r.trim_start_matches("refs/heads/").to_owned())
                .unwrap_or_else(|| st.repos[idx].default_branch.clone());
            match st.repos[idx].files.get(&(branch.clone(), path.clone())) {
                Some(f) => {
                    let f = f.clone();
                    Reply::json(200, &content_json(st, idx, &branch, &path, &f, base, true))
                }
                None => not_found(),
            }
        }
        ("PUT", ["contents", path @ ..]) if !path.is_empty() => {
            put_contents(st, idx, req, base, &me, &path.join("/"))
        }

        // ---- git trees
        ("GET", ["git", "trees", t @ ..]) if !t.is_empty() => {
            let t = t.join("/");
            let repo = &st.repos[idx];
            // A repository without a single commit: GitHub's git endpoints answer 409.
            if repo.files.is_empty() && repo.commits.is_empty() && repo.empty {
                return error(409, "Git Repository is empty.");
            }
            let branch = if repo.branches.contains_key(&t) {
                Some(t)
            } else {
                repo.branches
                    .iter()
                    .find(|(_, head)| **head == t)
                    .map(|(b, _)| b.clone())
            };
            match branch {
                // `recursive` is on with any value, as GitHub documents.
                Some(b) => Reply::json(
                    200,
                    &tree_json(st, idx, &b, req.q("recursive").is_some(), base),
                ),
                None => not_found(),
            }
        }

        // ---- git refs
        ("GET", ["git", "ref", r @ ..]) => {
            let r = r.join("/");
            match r.strip_prefix("heads/") {
                Some(b) if st.repos[idx].branches.contains_key(b) => {
                    Reply::json(200, &ref_json(st, idx, b, base))
                }
                _ => not_found(),
            }
        }
        ("POST", ["git", "refs"]) => {
            let body = req.json();
            let (Some(r), Some(sha)) = (
                body.get("ref").and_then(Value::as_str),
                body.get("sha").and_then(Value::as_str),
            ) else {
                return error(
                    422,
                    "Invalid request.\n\n\"ref\", \"sha\" weren't supplied.",
                );
            };
            let Some(branch) = r.strip_prefix("refs/heads/") else {
                return error(422, "Reference name must start with 'refs/'");
            };
            let repo = &st.repos[idx];
            if repo.branches.contains_key(branch) {
                return error(422, "Reference already exists");
            }
            let Some(from) = repo
                .branches
                .iter()
                .find(|(_, head)| head.as_str() == sha)
                .map(|(b, _)| b.clone())
            else {
                return error(422, "Object does not exist");
            };
            let repo = &mut st.repos[idx];
            let copies: Vec<_> = repo
                .files
                .iter()
                .filter(|((b, _), _)| *b == from)
                .map(|((_, p), f)| ((branch.to_owned(), p.clone()), f.clone()))
                .collect();
            repo.files.extend(copies);
            repo.branches.insert(branch.into(), sha.into());
            Reply::json(201, &ref_json(st, idx, branch, base))
        }

        // ---- pulls
        ("GET", ["pulls"]) => {
            let state = req.q("state").unwrap_or("open");
            let head = req
                .q("head")
                .map(|h| h.split_once(':').map_or(h, |(_, b)| b));
            let base_b = req.q("base");
            let mut prs: Vec<GhIssue> = st.repos[idx]
                .issues
                .iter()
                .filter(|i| {
                    i.pull.as_ref().is_some_and(|p| {
                        head.is_none_or(|h| p.head == h) && base_b.is_none_or(|b| p.base == b)
                    }) && (state == "all" || i.state == state)
                })
                .cloned()
                .collect();
            prs.sort_by_key(|p| std::cmp::Reverse(p.number));
            if req.q("direction") == Some("asc") {
                prs.reverse();
            }
            let items = prs.iter().map(|p| pull_json(st, idx, p, base)).collect();
            list_reply(req, base, Some(repo_id), items)
        }
        ("POST", ["pulls"]) => create_pull(st, idx, req, base, &me),
        ("GET", ["pulls", n, "files"]) => {
            let Some(p) = find_issue(st, idx, n).and_then(|i| i.pull) else {
                return not_found();
            };
            let items = pull_files(&st.repos[idx], &p.head, &p.base);
            list_reply(req, base, Some(repo_id), items)
        }
        ("GET", ["pulls", n]) => match find_issue(st, idx, n).filter(|i| i.pull.is_some()) {
            Some(p) => Reply::json(200, &pull_json(st, idx, &p, base)),
            None => not_found(),
        },
        ("PATCH", ["pulls", n]) => {
            let Some(p) = find_issue(st, idx, n).filter(|i| i.pull.is_some()) else {
                return not_found();
            };
            let body = req.json();
            let now = st.now();
            let i = issue_mut(st, idx, p.number);
            if let Some(t) = body.get("title").and_then(Value::as_str) {
                i.title = t.into();
            }
            if let Some(b) = body.get("body") {
                i.body = b.as_str().map(String::from);
            }
            if let Some(s) = body.get("state").and_then(Value::as_str) {
                i.state = s.into();
                i.closed_at = (s == "closed").then(|| now.clone());
            }
            if let Some(b) = body.get("base").and_then(Value::as_str) {
                i.pull.as_mut().expect("pull").base = b.into();
            }
            i.updated_at = now;
            let p = i.clone();
            Reply::json(200, &pull_json(st, idx, &p, base))
        }
        _ => not_found(),
    }
}

fn label_name(v: &Value) -> Option<String> {
    v.as_str()
        .map(String::from)
        .or_else(|| v.get("name").and_then(Value::as_str).map(String::from))
}

/// GitHub stores `due_on` as a date and answers it at 07:00 UTC... accept either form, keep RFC 3339.
fn normalise_due(s: &str) -> String {
    if s.len() == 10 {
        format!("{s}T07:00:00Z")
    } else {
        s.to_owned()
    }
}

fn find_issue(st: &GitHubState, idx: usize, n: &str) -> Option<GhIssue> {
    st.repos[idx]
        .issues
        .iter()
        .find(|i| i.number.to_string() == n)
        .cloned()
}

fn issue_mut(st: &mut GitHubState, idx: usize, number: u64) -> &mut GhIssue {
    st.repos[idx].issue_mut(number).expect("issue exists")
}

fn list_issues(repo: &GhRepo, req: &Req) -> Vec<GhIssue> {
    let state = req.q("state").unwrap_or("open");
    let labels: Vec<&str> = req
        .q("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut v: Vec<GhIssue> = repo
        .issues
        .iter()
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| {
            labels
                .iter()
                .all(|want| i.labels.iter().any(|l| l.eq_ignore_ascii_case(want)))
        })
        .filter(|i| match req.q("milestone") {
            None => true,
            Some("*") => i.milestone.is_some(),
            Some("none") => i.milestone.is_none(),
            Some(n) => i.milestone.map(|m| m.to_string()).as_deref() == Some(n),
        })
        .filter(|i| match req.q("assignee") {
            None => true,
            Some("*") => !i.assignees.is_empty(),
            Some("none") => i.assignees.is_empty(),
            Some(a) => i.assignees.iter().any(|x| x == a),
        })
        .filter(|i| req.q("creator").is_none_or(|c| i.user == c))
        .cloned()
        .collect();
    match req.q("sort").unwrap_or("created") {
        "updated" => v.sort_by(|a, b| {
            a.updated_at
                .cmp(&b.updated_at)
                .then(a.number.cmp(&b.number))
        }),
        _ => v.sort_by_key(|i| i.number),
    }
    if req.q("direction").unwrap_or("desc") == "desc" {
        v.reverse();
    }
    v
}

/// Validates labels / assignees / milestone of a create or update body.
fn check_issue_refs(st: &GitHubState, idx: usize, body: &Value) -> Result<(), Reply> {
    if let Some(a) = body.get("assignees").and_then(Value::as_array) {
        for login in a.iter().filter_map(Value::as_str) {
            if !st.users.iter().any(|u| u.login == login) {
                return Err(validation(json!([{"value": login, "resource": "Issue",
                                               "field": "assignees", "code": "invalid"}])));
            }
        }
    }
    if let Some(ms) = body.get("milestone").filter(|v| !v.is_null()) {
        let n = ms
            .as_u64()
            .or_else(|| ms.as_str().and_then(|s| s.parse().ok()));
        if !n.is_some_and(|n| st.repos[idx].milestones.iter().any(|m| m.number == n)) {
            return Err(validation(json!([{"value": ms, "resource": "Issue",
                                           "field": "milestone", "code": "invalid"}])));
        }
    }
    Ok(())
}

fn create_issue(st: &mut GitHubState, idx: usize, req: &Req, base: &str, me: &str) -> Reply {
    let body = req.json();
    let Some(title) = body.get("title").and_then(|t| {
        t.as_str()
            .map(String::from)
            .or_else(|| t.as_i64().map(|n| n.to_string()))
    }) else {
        return validation(
            json!([{"resource": "Issue", "code": "missing_field", "field": "title"}]),
        );
    };
    if let Err(r) = check_issue_refs(st, idx, &body) {
        return r;
    }
    let labels: Vec<String> = body
        .get("labels")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(label_name).collect())
        .unwrap_or_default();
    // GitHub creates labels it does not know yet when a writer names them on an issue.
    let mut next_id = st.next_id;
    for l in &labels {
        st.repos[idx].label_mut_or_create(l, &mut next_id);
    }
    st.next_id = next_id;
    let mut assignees: Vec<String> = body
        .get("assignees")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if let Some(a) = body.get("assignee").and_then(Value::as_str) {
        assignees.push(a.into());
    }
    let id = st.id();
    let now = st.now();
    let number = st.repos[idx].issues.len() as u64 + 1;
    let issue = GhIssue {
        id,
        number,
        title,
        body: body.get("body").and_then(Value::as_str).map(String::from),
        state: "open".into(),
        state_reason: None,
        labels,
        assignees,
        milestone: body.get("milestone").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        }),
        user: me.into(),
        locked: false,
        created_at: now.clone(),
        updated_at: now,
        closed_at: None,
        closed_by: None,
        pull: None,
    };
    st.repos[idx].issues.push(issue.clone());
    Reply::json(201, &issue_json(st, idx, &issue, base)).with(
        "location",
        format!(
            "{base}/repos/{}/{}/issues/{number}",
            st.repos[idx].owner, st.repos[idx].name
        ),
    )
}

fn update_issue(
    st: &mut GitHubState,
    idx: usize,
    req: &Req,
    base: &str,
    me: &str,
    n: &str,
) -> Reply {
    let Some(issue) = find_issue(st, idx, n) else {
        return not_found();
    };
    let body = req.json();
    if let Err(r) = check_issue_refs(st, idx, &body) {
        return r;
    }
    let new_labels: Option<Vec<String>> = body
        .get("labels")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(label_name).collect());
    if let Some(ls) = &new_labels {
        let mut next_id = st.next_id;
        for l in ls {
            st.repos[idx].label_mut_or_create(l, &mut next_id);
        }
        st.next_id = next_id;
    }
    let now = st.now();
    let i = issue_mut(st, idx, issue.number);
    if let Some(t) = body.get("title").and_then(Value::as_str) {
        i.title = t.into();
    }
    if let Some(b) = body.get("body") {
        i.body = b.as_str().map(String::from);
    }
    if let Some(ls) = new_labels {
        i.labels = ls;
    }
    if let Some(a) = body.get("assignees").and_then(Value::as_array) {
        i.assignees = a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
    }
    if let Some(ms) = body.get("milestone") {
        i.milestone = ms
            .as_u64()
            .or_else(|| ms.as_str().and_then(|s| s.parse().ok()));
    }
    if let Some(s) = body.get("state").and_then(Value::as_str) {
        if s == "closed" && i.state != "closed" {
            i.state = "closed".into();
            i.closed_at = Some(now.clone());
            i.closed_by = Some(me.into());
            i.state_reason = Some(
                body.get("state_reason")
                    .and_then(Value::as_str)
                    .unwrap_or("completed")
                    .into(),
            );
        } else if s == "open" && i.state != "open" {
            i.state = "open".into();
            i.closed_at = None;
            i.state_reason = Some("reopened".into());
        }
    }
    i.updated_at = now;
    let i = i.clone();
    Reply::json(200, &issue_json(st, idx, &i, base))
}

fn put_contents(
    st: &mut GitHubState,
    idx: usize,
    req: &Req,
    base: &str,
    me: &str,
    path: &str,
) -> Reply {
    let body = req.json();
    let (Some(message), Some(content_b64)) = (
        body.get("message").and_then(Value::as_str),
        body.get("content").and_then(Value::as_str),
    ) else {
        return error(
            422,
            "Invalid request.\n\n\"message\", \"content\" weren't supplied.",
        );
    };
    let Ok(content) =
        base64::engine::general_purpose::STANDARD.decode(content_b64.replace(['\n', '\r'], ""))
    else {
        return error(422, "content is not valid Base64");
    };
    let branch = body
        .get("branch")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| st.repos[idx].default_branch.clone());
    if !st.repos[idx].branches.contains_key(&branch) {
        return error(404, &format!("Branch {branch} not found"));
    }
    let key = (branch.clone(), path.to_owned());
    let given = body.get("sha").and_then(Value::as_str);
    let existed = match (st.repos[idx].files.get(&key), given) {
        (Some(_), None) => return error(422, "Invalid request.\n\n\"sha\" wasn't supplied."),
        (Some(f), Some(sha)) if f.sha != sha => {
            return error(409, &format!("{path} does not match {sha}"))
        }
        (Some(_), Some(_)) => true,
        (None, _) => false,
    };
    let sha = git_blob_sha(&content);
    let file = GhFile { content, sha };
    st.repos[idx].files.insert(key, file.clone());
    let commit_sha = object_id(&format!(
        "{}/{}:{branch}:{path}:{}",
        st.repos[idx].owner,
        st.repos[idx].name,
        st.repos[idx].commits.len()
    ));
    let parent = st.repos[idx]
        .branches
        .insert(branch.clone(), commit_sha.clone());
    st.repos[idx].commits.push(GhCommit {
        sha: commit_sha.clone(),
        branch: branch.clone(),
        message: message.into(),
        path: path.into(),
    });
    let now = st.now();
    let mut v = fixture("github/file-commit.json");
    let mut content_v = content_json(st, idx, &branch, path, &file, base, false);
    if let Some(o) = content_v.as_object_mut() {
        o.remove("content");
        o.remove("encoding");
    }
    v["content"] = content_v;
    let c = &mut v["commit"];
    let (o, r) = (&st.repos[idx].owner, &st.repos[idx].name);
    c["sha"] = json!(commit_sha);
    c["url"] = json!(format!("{base}/repos/{o}/{r}/git/commits/{commit_sha}"));
    c["html_url"] = json!(format!("{}/{o}/{r}/commit/{commit_sha}", st.html_base));
    c["message"] = json!(message);
    c["author"] =
        json!({"date": now, "name": me, "email": format!("{me}@users.noreply.github.com")});
    c["committer"] = c["author"].clone();
    if let Some(p) = parent {
        c["parents"] = json!([{"url": format!("{base}/repos/{o}/{r}/git/commits/{p}"),
                               "html_url": format!("{}/{o}/{r}/commit/{p}", st.html_base),
                               "sha": p}]);
    }
    Reply::json(if existed { 200 } else { 201 }, &v)
}

fn create_pull(st: &mut GitHubState, idx: usize, req: &Req, base: &str, me: &str) -> Reply {
    let body = req.json();
    let (Some(title), Some(head), Some(base_b)) = (
        body.get("title").and_then(Value::as_str),
        body.get("head").and_then(Value::as_str),
        body.get("base").and_then(Value::as_str),
    ) else {
        return validation(json!([{"resource": "PullRequest", "code": "missing_field",
                                  "field": "head"}]));
    };
    let head_branch = head.split_once(':').map_or(head, |(_, b)| b).to_owned();
    let repo = &st.repos[idx];
    if !repo.branches.contains_key(&head_branch) {
        return validation(
            json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}]),
        );
    }
    if !repo.branches.contains_key(base_b) {
        return validation(
            json!([{"resource": "PullRequest", "field": "base", "code": "invalid"}]),
        );
    }
    if repo.issues.iter().any(|i| {
        i.state == "open"
            && i.pull
                .as_ref()
                .is_some_and(|p| p.head == head_branch && p.base == base_b)
    }) {
        return validation(json!([{"resource": "PullRequest", "code": "custom",
            "message": format!("A pull request already exists for {}:{head_branch}.", repo.owner)}]));
    }
    let id = st.id();
    let now = st.now();
    let number = st.repos[idx].issues.len() as u64 + 1;
    let pr = GhIssue {
        id,
        number,
        title: title.into(),
        body: body.get("body").and_then(Value::as_str).map(String::from),
        state: "open".into(),
        state_reason: None,
        labels: Vec::new(),
        assignees: Vec::new(),
        milestone: None,
        user: me.into(),
        locked: false,
        created_at: now.clone(),
        updated_at: now,
        closed_at: None,
        closed_by: None,
        pull: Some(GhPull {
            head: head_branch,
            base: base_b.into(),
            draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
            merged: false,
        }),
    };
    st.repos[idx].issues.push(pr.clone());
    Reply::json(201, &pull_json(st, idx, &pr, base))
}

// ---------------------------------------------------------------- JSON shapes

/// Rewrites the example's `octocat/Hello-World` URLs to this fake's.
fn retarget(mut v: Value, st: &GitHubState, idx: usize, base: &str) -> Value {
    let (o, r) = (&st.repos[idx].owner, &st.repos[idx].name);
    fn walk(v: &mut Value, f: &dyn Fn(&str) -> String) {
        match v {
            Value::String(s) => *s = f(s),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f)),
            Value::Object(m) => m.values_mut().for_each(|x| walk(x, f)),
            _ => {}
        }
    }
    let html = st.html_base.clone();
    walk(&mut v, &|s: &str| {
        s.replace("octocat/Hello-World", &format!("{o}/{r}"))
            .replace("octokit/octokit.rb", &format!("{o}/{r}"))
            .replace("https://api.github.com", base)
            .replace("https://github.com", &html)
    });
    v
}

/// A user (simple-user shape).
pub fn user_json(st: &GitHubState, base: &str, login: &str) -> Value {
    let id = st
        .users
        .iter()
        .find(|u| u.login == login)
        .map_or(0, |u| u.id);
    let mut u = fixture("github/issue.json")["user"].clone();
    let api = format!("{base}/users/{login}");
    u["login"] = json!(login);
    u["id"] = json!(id);
    u["node_id"] = json!(format!("U_fake{id}"));
    u["avatar_url"] = json!(format!("https://avatars.githubusercontent.com/u/{id}?v=4"));
    u["url"] = json!(api);
    u["html_url"] = json!(format!("{}/{login}", st.html_base));
    for (k, suffix) in [
        ("followers_url", "/followers"),
        ("following_url", "/following{/other_user}"),
        ("gists_url", "/gists{/gist_id}"),
        ("starred_url", "/starred{/owner}{/repo}"),
        ("subscriptions_url", "/subscriptions"),
        ("organizations_url", "/orgs"),
        ("repos_url", "/repos"),
        ("events_url", "/events{/privacy}"),
        ("received_events_url", "/received_events"),
    ] {
        u[k] = json!(format!("{api}{suffix}"));
    }
    u
}

fn label_json(st: &GitHubState, idx: usize, name: &str, base: &str) -> Value {
    let repo = &st.repos[idx];
    let l = repo
        .labels
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or(GhLabel {
            id: 0,
            name: name.into(),
            color: "ededed".into(),
            description: None,
        });
    json!({
        "id": l.id, "node_id": format!("LA_fake{}", l.id),
        "url": format!("{base}/repos/{}/{}/labels/{}", repo.owner, repo.name,
                       percent_encoding::utf8_percent_encode(&l.name, percent_encoding::NON_ALPHANUMERIC)),
        "name": l.name, "description": l.description, "color": l.color, "default": false
    })
}

fn milestone_json(st: &GitHubState, idx: usize, ms: &GhMilestone, base: &str) -> Value {
    let repo = &st.repos[idx];
    let (open, closed) = repo
        .issues
        .iter()
        .filter(|i| i.milestone == Some(ms.number))
        .fold((0, 0), |(o, c), i| {
            if i.state == "open" {
                (o + 1, c)
            } else {
                (o, c + 1)
            }
        });
    let api = format!(
        "{base}/repos/{}/{}/milestones/{}",
        repo.owner, repo.name, ms.number
    );
    let mut v = fixture("github/milestone.json");
    v["url"] = json!(api);
    v["html_url"] = json!(format!(
        "{}/{}/{}/milestone/{}",
        st.html_base, repo.owner, repo.name, ms.number
    ));
    v["labels_url"] = json!(format!("{api}/labels"));
    v["id"] = json!(ms.id);
    v["node_id"] = json!(format!("MI_fake{}", ms.id));
    v["number"] = json!(ms.number);
    v["state"] = json!(ms.state);
    v["title"] = json!(ms.title);
    v["description"] = json!(ms.description);
    v["creator"] = user_json(st, base, &ms.creator);
    v["open_issues"] = json!(open);
    v["closed_issues"] = json!(closed);
    v["created_at"] = json!(ms.created_at);
    v["updated_at"] = json!(ms.updated_at);
    v["closed_at"] = json!(ms.closed_at);
    v["due_on"] = json!(ms.due_on);
    v
}

fn issue_json(st: &GitHubState, idx: usize, i: &GhIssue, base: &str) -> Value {
    let repo = &st.repos[idx];
    let (o, r) = (&repo.owner, &repo.name);
    let api = format!("{base}/repos/{o}/{r}/issues/{}", i.number);
    let mut v = fixture("github/issue.json");
    v["id"] = json!(i.id);
    v["node_id"] = json!(format!("I_fake{}", i.id));
    v["url"] = json!(api);
    v["repository_url"] = json!(format!("{base}/repos/{o}/{r}"));
    v["labels_url"] = json!(format!("{api}/labels{{/name}}"));
    v["comments_url"] = json!(format!("{api}/comments"));
    v["events_url"] = json!(format!("{api}/events"));
    let kind = if i.pull.is_some() { "pull" } else { "issues" };
    v["html_url"] = json!(format!("{}/{o}/{r}/{kind}/{}", st.html_base, i.number));
    v["number"] = json!(i.number);
    v["state"] = json!(i.state);
    v["state_reason"] = json!(i.state_reason);
    v["title"] = json!(i.title);
    v["body"] = json!(i.body);
    v["user"] = user_json(st, base, &i.user);
    v["labels"] = Value::Array(
        i.labels
            .iter()
            .map(|l| label_json(st, idx, l, base))
            .collect(),
    );
    let assignees: Vec<Value> = i.assignees.iter().map(|a| user_json(st, base, a)).collect();
    v["assignee"] = assignees.first().cloned().unwrap_or(Value::Null);
    v["assignees"] = Value::Array(assignees);
    v["milestone"] = i
        .milestone
        .and_then(|n| repo.milestones.iter().find(|m| m.number == n))
        .map_or(Value::Null, |m| milestone_json(st, idx, m, base));
    v["locked"] = json!(i.locked);
    v["active_lock_reason"] = Value::Null;
    v["comments"] = json!(repo.comments_on(i.number).len());
    match &i.pull {
        Some(_) => {
            let html = format!("{}/{o}/{r}/pull/{}", st.html_base, i.number);
            v["pull_request"] = json!({
                "url": format!("{base}/repos/{o}/{r}/pulls/{}", i.number),
                "html_url": html, "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"), "merged_at": null});
        }
        None => {
            v.as_object_mut().expect("object").remove("pull_request");
        }
    }
    v["closed_at"] = json!(i.closed_at);
    v["created_at"] = json!(i.created_at);
    v["updated_at"] = json!(i.updated_at);
    v["closed_by"] = i
        .closed_by
        .as_ref()
        .map_or(Value::Null, |u| user_json(st, base, u));
    v["author_association"] = json!(if i.user == *o { "OWNER" } else { "MEMBER" });
    v
}

fn comment_json(st: &GitHubState, idx: usize, c: &GhComment, base: &str) -> Value {
    let repo = &st.repos[idx];
    let (o, r) = (&repo.owner, &repo.name);
    let mut v = fixture("github/issue-comment.json");
    v["id"] = json!(c.id);
    v["node_id"] = json!(format!("IC_fake{}", c.id));
    v["url"] = json!(format!("{base}/repos/{o}/{r}/issues/comments/{}", c.id));
    v["html_url"] = json!(format!(
        "{}/{o}/{r}/issues/{}#issuecomment-{}",
        st.html_base, c.issue_number, c.id
    ));
    v["body"] = json!(c.body);
    v["user"] = user_json(st, base, &c.user);
    v["created_at"] = json!(c.created_at);
    v["updated_at"] = json!(c.updated_at);
    v["issue_url"] = json!(format!("{base}/repos/{o}/{r}/issues/{}", c.issue_number));
    v["author_association"] = json!("MEMBER");
    v
}

fn repo_json(st: &GitHubState, idx: usize, base: &str) -> Value {
    let repo = &st.repos[idx];
    let mut v = retarget(fixture("github/full-repository.json"), st, idx, base);
    v["id"] = json!(repo.id);
    v["node_id"] = json!(format!("R_fake{}", repo.id));
    v["name"] = json!(repo.name);
    v["full_name"] = json!(format!("{}/{}", repo.owner, repo.name));
    v["owner"] = user_json(st, base, &repo.owner);
    v["private"] = json!(repo.private);
    v["visibility"] = json!(if repo.private { "private" } else { "public" });
    v["default_branch"] = json!(repo.default_branch);
    v["archived"] = json!(repo.archived);
    v["open_issues_count"] = json!(repo.issues.iter().filter(|i| i.state == "open").count());
    v["open_issues"] = v["open_issues_count"].clone();
    v["has_issues"] = json!(true);
    v
}

fn content_json(
    st: &GitHubState,
    idx: usize,
    branch: &str,
    path: &str,
    f: &GhFile,
    base: &str,
    with_content: bool,
) -> Value {
    let repo = &st.repos[idx];
    let (o, r) = (&repo.owner, &repo.name);
    let mut v = fixture("github/content-file.json");
    let name = path.rsplit('/').next().unwrap_or(path);
    let api = format!("{base}/repos/{o}/{r}/contents/{path}?ref={branch}");
    let git = format!("{base}/repos/{o}/{r}/git/blobs/{}", f.sha);
    let html = format!("{}/{o}/{r}/blob/{branch}/{path}", st.html_base);
    v["name"] = json!(name);
    v["path"] = json!(path);
    v["sha"] = json!(f.sha);
    v["size"] = json!(f.content.len());
    v["url"] = json!(api);
    v["git_url"] = json!(git);
    v["html_url"] = json!(html);
    v["download_url"] = json!(format!(
        "https://raw.githubusercontent.com/{o}/{r}/{branch}/{path}"
    ));
    v["_links"] = json!({"git": git, "self": api, "html": html});
    if with_content {
        // GitHub wraps the base64 at 60 columns with "\n".
        let b64 = base64::engine::general_purpose::STANDARD.encode(&f.content);
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        v["content"] = json!(format!("{}\n", wrapped.join("\n")));
        v["encoding"] = json!("base64");
    }
    v
}

/// A branch's root tree: folders (`tree`) and files (`blob`), every level when `recursive`,
/// sorted by path and cut at `tree_limit` entries.
fn tree_json(st: &GitHubState, idx: usize, branch: &str, recursive: bool, base: &str) -> Value {
    let repo = &st.repos[idx];
    let (o, r) = (&repo.owner, &repo.name);
    let template = fixture("github/git-tree.json");
    let entry = |kind: &str| {
        template["tree"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["type"] == kind))
            .cloned()
            .expect("the example has a blob and a tree")
    };
    let mut entries: BTreeMap<String, Value> = BTreeMap::new();
    for ((b, path), f) in &repo.files {
        if b != branch {
            continue;
        }
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 1..parts.len() {
            let dir = parts[..depth].join("/");
            let sha = object_id(&format!("{o}/{r}@{branch}:{dir}"));
            let mut v = entry("tree");
            v["path"] = json!(dir);
            v["sha"] = json!(sha);
            v["url"] = json!(format!("{base}/repos/{o}/{r}/git/trees/{sha}"));
            entries.insert(dir, v);
        }
        let mut v = entry("blob");
        v["path"] = json!(path);
        v["mode"] = json!("100644");
        v["size"] = json!(f.content.len());
        v["sha"] = json!(f.sha);
        v["url"] = json!(format!("{base}/repos/{o}/{r}/git/blobs/{}", f.sha));
        entries.insert(path.clone(), v);
    }
    let mut tree: Vec<Value> = entries
        .into_iter()
        .filter(|(path, _)| recursive || !path.contains('/'))
        .map(|(_, v)| v)
        .collect();
    let truncated = tree.len() > st.tree_limit;
    tree.truncate(st.tree_limit);
    let sha = object_id(&format!("{o}/{r}@{branch}:"));
    let mut v = template;
    v["sha"] = json!(sha);
    v["url"] = json!(format!("{base}/repos/{o}/{r}/git/trees/{sha}"));
    v["tree"] = Value::Array(tree);
    v["truncated"] = json!(truncated);
    v
}

fn ref_json(st: &GitHubState, idx: usize, branch: &str, base: &str) -> Value {
    let repo = &st.repos[idx];
    let sha = &repo.branches[branch];
    json!({
        "ref": format!("refs/heads/{branch}"),
        "node_id": format!("REF_fake_{branch}"),
        "url": format!("{base}/repos/{}/{}/git/refs/heads/{branch}", repo.owner, repo.name),
        "object": {"type": "commit", "sha": sha,
                   "url": format!("{base}/repos/{}/{}/git/commits/{sha}", repo.owner, repo.name)}
    })
}

fn pull_json(st: &GitHubState, idx: usize, p: &GhIssue, base: &str) -> Value {
    let repo = &st.repos[idx];
    let (o, r) = (&repo.owner, &repo.name);
    let pull = p.pull.as_ref().expect("a pull request");
    let mut v = retarget(fixture("github/pull-request.json"), st, idx, base);
    let api = format!("{base}/repos/{o}/{r}/pulls/{}", p.number);
    let html = format!("{}/{o}/{r}/pull/{}", st.html_base, p.number);
    v["url"] = json!(api);
    v["id"] = json!(p.id);
    v["node_id"] = json!(format!("PR_fake{}", p.id));
    v["html_url"] = json!(html);
    v["diff_url"] = json!(format!("{html}.diff"));
    v["patch_url"] = json!(format!("{html}.patch"));
    v["issue_url"] = json!(format!("{base}/repos/{o}/{r}/issues/{}", p.number));
    v["comments_url"] = json!(format!("{base}/repos/{o}/{r}/issues/{}/comments", p.number));
    v["commits_url"] = json!(format!("{api}/commits"));
    v["review_comments_url"] = json!(format!("{api}/comments"));
    v["number"] = json!(p.number);
    v["state"] = json!(p.state);
    v["locked"] = json!(false);
    v["title"] = json!(p.title);
    v["user"] = user_json(st, base, &p.user);
    v["body"] = json!(p.body);
    v["labels"] = Value::Array(
        p.labels
            .iter()
            .map(|l| label_json(st, idx, l, base))
            .collect(),
    );
    v["milestone"] = Value::Null;
    v["active_lock_reason"] = Value::Null;
    v["created_at"] = json!(p.created_at);
    v["updated_at"] = json!(p.updated_at);
    v["closed_at"] = json!(p.closed_at);
    v["merged_at"] = Value::Null;
    v["merge_commit_sha"] = Value::Null;
    v["assignee"] = Value::Null;
    v["assignees"] = json!([]);
    v["requested_reviewers"] = json!([]);
    v["requested_teams"] = json!([]);
    let repo_v = repo_json(st, idx, base);
    for (side, branch) in [("head", &pull.head), ("base", &pull.base)] {
        let sha = repo.branches.get(branch).cloned().unwrap_or_default();
        v[side] = json!({
            "label": format!("{o}:{branch}"), "ref": branch, "sha": sha,
            "user": user_json(st, base, o), "repo": repo_v.clone()
        });
    }
    v["draft"] = json!(pull.draft);
    v["merged"] = json!(pull.merged);
    v["mergeable"] = Value::Null;
    v["merged_by"] = Value::Null;
    v["comments"] = json!(repo.comments_on(p.number).len());
    v["review_comments"] = json!(0);
    v["auto_merge"] = Value::Null;
    v
}
