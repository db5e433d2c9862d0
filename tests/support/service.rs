//! The `serve` service started in the test process on loopback, and plain HTTP/1.1 requests
//! to it (one connection each, bounded waits), shared by the service tests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use postmortem_tracker::service::store::Store;
use postmortem_tracker::service::webhook::github_signature;
use postmortem_tracker::service::{serve, Runner, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A running service.
pub struct Service {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), postmortem_tracker::service::ServeError>>,
}

impl Service {
    /// Opens the store at `db` and serves on `127.0.0.1:0`.
    pub async fn start(db: &Path, settings: Settings, runner: Arc<dyn Runner>) -> Service {
        let store = Arc::new(Store::open(db).unwrap());
        Self::start_with(store, settings, runner).await
    }

    /// Serves an already open store.
    pub async fn start_with(
        store: Arc<Store>,
        settings: Settings,
        runner: Arc<dyn Runner>,
    ) -> Service {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(serve(listener, settings, store.clone(), runner, async {
            let _ = rx.await;
        }));
        Service {
            addr,
            store,
            stop: Some(tx),
            handle,
        }
    }

    /// Graceful shutdown, within 10 s.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("graceful shutdown within 10 s")
            .unwrap()
            .unwrap();
    }

    pub async fn post(
        &self,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> (u16, String) {
        request(self.addr, "POST", path, headers, body).await
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        request(self.addr, "GET", path, &[], b"").await
    }

    /// A GitHub delivery signed with `secret`.
    pub async fn github(
        &self,
        secret: &str,
        event: &str,
        delivery: &str,
        body: &[u8],
    ) -> (u16, String) {
        let h = gh_headers(
            event,
            delivery,
            Some(github_signature(secret.as_bytes(), body)),
        );
        self.post("/webhooks/github", &h, body).await
    }

    /// Job counts by state.
    pub fn depth(&self) -> postmortem_tracker::service::store::Depth {
        self.store.depth().unwrap()
    }

    /// Waits (at most `secs`) until the store holds no queued or running job.
    pub async fn idle(&self, secs: u64) {
        let store = self.store.clone();
        eventually_for("the queue to drain", secs, move || {
            let d = store.depth().unwrap();
            d.queued == 0 && d.running == 0
        })
        .await;
    }
}

/// The headers of a GitHub delivery.
pub fn gh_headers(event: &str, delivery: &str, signature: Option<String>) -> Vec<(String, String)> {
    let mut h = vec![
        ("X-GitHub-Event".to_string(), event.to_string()),
        ("X-GitHub-Delivery".to_string(), delivery.to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    if let Some(s) = signature {
        h.push(("X-Hub-Signature-256".to_string(), s));
    }
    h
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the body.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    read_response(s).await
}

/// Reads a whole answer (the connection closes after it): status and body.
pub async fn read_response(mut s: TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// Waits (at most 5 s) until `cond` holds.
pub async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    eventually_for(what, 5, cond).await
}

/// Waits (at most `secs`) until `cond` holds.
pub async fn eventually_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// A webhook delivery: the endpoint it goes to, its headers and its body.
pub struct Delivery {
    pub endpoint: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Service {
    /// Sends `d`.
    pub async fn deliver(&self, d: &Delivery) -> (u16, String) {
        self.post(d.endpoint, &d.headers, &d.body).await
    }
}

/// A recorded webhook payload under `tests/fixtures/webhooks/`.
pub fn webhook_fixture(path: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhooks")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs each scenario (`async fn name<F: ServiceForge>()` in the invoking module) once per
/// fake forge, as the tests `name::github` and `name::gitlab` (on a two-thread runtime); with
/// `sync` first, scenarios that are plain `fn name<F: ServiceForge>()`.
#[macro_export]
macro_rules! both_forges {
    (sync $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn github() {
                super::$scenario::<$crate::support::github::FakeGitHub>()
            }

            #[test]
            fn gitlab() {
                super::$scenario::<$crate::support::gitlab::FakeGitLab>()
            }
        }
    )*};
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn github() {
                super::$scenario::<$crate::support::github::FakeGitHub>().await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn gitlab() {
                super::$scenario::<$crate::support::gitlab::FakeGitLab>().await
            }
        }
    )*};
}

/// One of the two fake forges as the service tests drive it, so that a scenario is written
/// once and run against both (see `both_forges!` in `tests/it/service_e2e.rs` and
/// `tests/it/serve.rs`). Deliveries are the recorded payloads of each forge, with the
/// repository's name put in; they need no running fake.
pub trait ServiceForge: Send + Sync + 'static {
    /// `github` or `gitlab`, as the service names the forge.
    const NAME: &'static str;
    /// The forge as the service's types name it.
    const FORGE: postmortem_tracker::service::webhook::Forge;
    /// The token the fake accepts for writes.
    const TOKEN: &'static str;
    /// The status of the forge's rate-limit answer (`Fault::SecondaryRateLimit`).
    const RATE_LIMITED: u16;
    /// The header that authenticates a delivery.
    const AUTH_HEADER: &'static str;
    /// The forge's name of a push event.
    const PUSH_EVENT: &'static str;
    /// `serve`'s environment variables for the forge's token and webhook secret, and its flag
    /// for the forge's API root.
    const TOKEN_VAR: &'static str;
    const SECRET_VAR: &'static str;
    const API_URL_FLAG: &'static str;

    /// A delivery of `event` (the forge's own name for it) with `body`, its id `delivery`,
    /// authenticated with `secret`.
    fn delivery(secret: &str, event: &str, delivery: &str, body: Vec<u8>) -> Delivery;
    /// The recorded push payload (to the default branch), for `path`.
    fn push_body(path: &str) -> Vec<u8>;
    /// A push to the default branch of `path`.
    fn push(secret: &str, path: &str, delivery: &str) -> Delivery;
    /// An issue event on `path`.
    fn issue_event(secret: &str, path: &str, delivery: &str) -> Delivery;
    /// Events the service answers and ignores: a tag push, a pull/merge request opened.
    fn ignored_events(secret: &str) -> Vec<Delivery>;

    /// This forge among the two started fakes.
    fn pick<'a>(gh: &'a super::github::FakeGitHub, gl: &'a super::gitlab::FakeGitLab) -> &'a Self;
    /// Creates `path` (`owner/name`) with `files` on `main`.
    fn seed(&self, path: &str, files: &[(&str, &str)]);
    /// The issues of `path` (pull/merge requests left out): number → (open, body).
    fn issues(&self, path: &str) -> std::collections::BTreeMap<u64, (bool, String)>;
    /// The issue of `path` whose title contains `title`: (number, closed at, labels, how many
    /// comments).
    fn issue(&self, path: &str, title: &str) -> (u64, Option<String>, Vec<String>, usize);
    /// Closes issue `number` of `path` as a person would, at `at` (RFC 3339).
    fn close(&self, path: &str, number: u64, at: &str);
    /// A file's text on `main`.
    fn file_text(&self, path: &str, file: &str) -> String;
    /// Every request the fake answered.
    fn requests(&self) -> &super::RequestLog;
    /// The faults the fake injects.
    fn faults(&self) -> &super::Faults;
    /// The API root the service is given.
    fn api_url(&self) -> String;
    /// The web address of `file` on `main`, as the items index links it.
    fn blob_url_suffix(path: &str, file: &str) -> String;
    /// The prefix of every API request about repository `path` (lower-case).
    fn api_prefix(path: &str) -> String;
    /// The path (prefix) of the request that lists the files of `path` (lower-case).
    fn file_listing(path: &str) -> String;
}

/// `body` (JSON) with `set` applied.
fn edit_json(body: &[u8], set: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(body).unwrap();
    set(&mut v);
    serde_json::to_vec(&v).unwrap()
}

impl ServiceForge for super::github::FakeGitHub {
    const NAME: &'static str = "github";
    const FORGE: postmortem_tracker::service::webhook::Forge =
        postmortem_tracker::service::webhook::Forge::Github;
    const TOKEN: &'static str = super::github::FakeGitHub::TOKEN;
    const RATE_LIMITED: u16 = 403;
    const AUTH_HEADER: &'static str = "X-Hub-Signature-256";
    const PUSH_EVENT: &'static str = "push";
    const TOKEN_VAR: &'static str = "GITHUB_TOKEN";
    const SECRET_VAR: &'static str = "GITHUB_WEBHOOK_SECRET";
    const API_URL_FLAG: &'static str = "--github-api-url";

    fn delivery(secret: &str, event: &str, delivery: &str, body: Vec<u8>) -> Delivery {
        Delivery {
            endpoint: "/webhooks/github",
            headers: gh_headers(
                event,
                delivery,
                Some(github_signature(secret.as_bytes(), &body)),
            ),
            body,
        }
    }

    fn push_body(path: &str) -> Vec<u8> {
        edit_json(
            &webhook_fixture("github/push.with-new-branch.payload.json"),
            |v| v["repository"]["full_name"] = path.into(),
        )
    }

    fn push(secret: &str, path: &str, delivery: &str) -> Delivery {
        Self::delivery(secret, Self::PUSH_EVENT, delivery, Self::push_body(path))
    }

    fn issue_event(secret: &str, path: &str, delivery: &str) -> Delivery {
        let body = edit_json(&webhook_fixture("github/issues.opened.payload.json"), |v| {
            v["repository"]["full_name"] = path.into()
        });
        Self::delivery(secret, "issues", delivery, body)
    }

    fn ignored_events(secret: &str) -> Vec<Delivery> {
        vec![
            Self::delivery(
                secret,
                "push",
                "ignored-tag",
                webhook_fixture("github/push.payload.json"),
            ),
            Self::delivery(
                secret,
                "pull_request",
                "ignored-pr",
                webhook_fixture("github/pull_request.opened.payload.json"),
            ),
        ]
    }

    fn pick<'a>(gh: &'a Self, _: &'a super::gitlab::FakeGitLab) -> &'a Self {
        gh
    }

    fn seed(&self, path: &str, files: &[(&str, &str)]) {
        let (owner, name) = path.split_once('/').unwrap();
        let mut st = self.state();
        st.add_repo(owner, name);
        for (file, text) in files {
            st.seed_file((owner, name), "main", file, text);
        }
        for user in ["alice", "bob"] {
            st.add_user(user);
        }
    }

    fn issues(&self, path: &str) -> std::collections::BTreeMap<u64, (bool, String)> {
        let (owner, name) = path.split_once('/').unwrap();
        self.state()
            .repo(owner, name)
            .real_issues()
            .into_iter()
            .map(|i| {
                (
                    i.number,
                    (i.state == "open", i.body.clone().unwrap_or_default()),
                )
            })
            .collect()
    }

    fn issue(&self, path: &str, title: &str) -> (u64, Option<String>, Vec<String>, usize) {
        let (owner, name) = path.split_once('/').unwrap();
        let st = self.state();
        let repo = st.repo(owner, name);
        let i = repo
            .real_issues()
            .into_iter()
            .find(|i| i.title.contains(title))
            .unwrap_or_else(|| panic!("{path}: no issue titled {title:?}"));
        (
            i.number,
            i.closed_at.clone(),
            i.labels.clone(),
            repo.comments_on(i.number).len(),
        )
    }

    fn close(&self, path: &str, number: u64, at: &str) {
        let (owner, name) = path.split_once('/').unwrap();
        let mut st = self.state();
        let issue = st.repo_mut(owner, name).issue_mut(number).unwrap();
        issue.state = "closed".into();
        issue.closed_at = Some(at.into());
    }

    fn file_text(&self, path: &str, file: &str) -> String {
        let (owner, name) = path.split_once('/').unwrap();
        self.state()
            .repo(owner, name)
            .file_text("main", file)
            .unwrap_or_else(|| panic!("{path}: no {file}"))
    }

    fn requests(&self) -> &super::RequestLog {
        self.log()
    }

    fn faults(&self) -> &super::Faults {
        super::github::FakeGitHub::faults(self)
    }

    fn api_url(&self) -> String {
        self.base_url()
    }

    fn blob_url_suffix(path: &str, file: &str) -> String {
        format!("/{}/blob/main/{file}", path.to_lowercase())
    }

    fn api_prefix(path: &str) -> String {
        format!("/repos/{path}/")
    }

    fn file_listing(path: &str) -> String {
        format!("{}git/trees", Self::api_prefix(path))
    }
}

impl ServiceForge for super::gitlab::FakeGitLab {
    const NAME: &'static str = "gitlab";
    const FORGE: postmortem_tracker::service::webhook::Forge =
        postmortem_tracker::service::webhook::Forge::Gitlab;
    const TOKEN: &'static str = super::gitlab::FakeGitLab::TOKEN;
    const RATE_LIMITED: u16 = 429;
    const AUTH_HEADER: &'static str = "X-Gitlab-Token";
    const PUSH_EVENT: &'static str = "Push Hook";
    const TOKEN_VAR: &'static str = "GITLAB_TOKEN";
    const SECRET_VAR: &'static str = "GITLAB_WEBHOOK_TOKEN";
    const API_URL_FLAG: &'static str = "--gitlab-api-url";

    /// The headers gitlab-bot recorded (one instance's), with `event`, `delivery` as the event
    /// id (the captures share one) and `secret` as the token.
    fn delivery(secret: &str, event: &str, delivery: &str, body: Vec<u8>) -> Delivery {
        let v = gitlab_capture("gitlab/gitlab-bot.push-event.json");
        let mut headers: Vec<(String, String)> = v["headers"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("X-Gitlab-Event-UUID")
                    && !k.eq_ignore_ascii_case("X-Gitlab-Event")
            })
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        headers.push(("X-Gitlab-Event".into(), event.into()));
        headers.push(("X-Gitlab-Event-UUID".into(), delivery.into()));
        headers.push(("X-Gitlab-Token".into(), secret.into()));
        Delivery {
            endpoint: "/webhooks/gitlab",
            headers,
            body,
        }
    }

    fn push_body(path: &str) -> Vec<u8> {
        gitlab_body("gitlab/gitlab-bot.push-event.json", path)
    }

    fn push(secret: &str, path: &str, delivery: &str) -> Delivery {
        Self::delivery(secret, Self::PUSH_EVENT, delivery, Self::push_body(path))
    }

    fn issue_event(secret: &str, path: &str, delivery: &str) -> Delivery {
        let body = gitlab_body("gitlab/gitlab-bot.issue-event.json", path);
        Self::delivery(secret, "Issue Hook", delivery, body)
    }

    fn ignored_events(secret: &str) -> Vec<Delivery> {
        vec![
            Self::delivery(
                secret,
                "Tag Push Hook",
                "ignored-tag",
                webhook_fixture("gitlab/go-gitlab.tag_push.json"),
            ),
            Self::delivery(
                secret,
                "Merge Request Hook",
                "ignored-mr",
                serde_json::to_vec(
                    &gitlab_capture("gitlab/gitlab-bot.merge-request-event.json")["body"],
                )
                .unwrap(),
            ),
        ]
    }

    fn pick<'a>(_: &'a super::github::FakeGitHub, gl: &'a Self) -> &'a Self {
        gl
    }

    fn seed(&self, path: &str, files: &[(&str, &str)]) {
        let mut st = self.state();
        let id = 100 + st.projects.len() as u64;
        st.add_project(id, path);
        for (file, text) in files {
            st.seed_file(path, "main", file, text);
        }
        for user in ["alice", "bob"] {
            st.add_user(user);
        }
    }

    fn issues(&self, path: &str) -> std::collections::BTreeMap<u64, (bool, String)> {
        self.state()
            .project(path)
            .issues
            .iter()
            .map(|i| {
                (
                    i.iid,
                    (
                        i.state == "opened",
                        i.description.clone().unwrap_or_default(),
                    ),
                )
            })
            .collect()
    }

    fn issue(&self, path: &str, title: &str) -> (u64, Option<String>, Vec<String>, usize) {
        let st = self.state();
        let p = st.project(path);
        let i = p
            .issues
            .iter()
            .find(|i| i.title.contains(title))
            .unwrap_or_else(|| panic!("{path}: no issue titled {title:?}"));
        (
            i.iid,
            i.closed_at.clone(),
            i.labels.clone(),
            p.issue_notes(i.iid).len(),
        )
    }

    fn close(&self, path: &str, number: u64, at: &str) {
        let mut st = self.state();
        let issue = st.project_mut(path).issue_mut(number).unwrap();
        issue.state = "closed".into();
        issue.closed_at = Some(at.into());
    }

    fn file_text(&self, path: &str, file: &str) -> String {
        self.state()
            .project(path)
            .file_text("main", file)
            .unwrap_or_else(|| panic!("{path}: no {file}"))
    }

    fn requests(&self) -> &super::RequestLog {
        self.log()
    }

    fn faults(&self) -> &super::Faults {
        super::gitlab::FakeGitLab::faults(self)
    }

    fn api_url(&self) -> String {
        format!("{}/api/v4", self.base_url())
    }

    fn blob_url_suffix(path: &str, file: &str) -> String {
        format!("/{}/-/blob/main/{file}", path.to_lowercase())
    }

    fn api_prefix(path: &str) -> String {
        format!("/api/v4/projects/{}/", path.replace('/', "%2F"))
    }

    fn file_listing(path: &str) -> String {
        format!("{}repository/tree", Self::api_prefix(path))
    }
}

/// A gitlab-bot capture: `{"headers": {…}, "body": {…}}`.
fn gitlab_capture(name: &str) -> serde_json::Value {
    serde_json::from_slice(&webhook_fixture(name)).unwrap()
}

/// The body of a gitlab-bot capture, its project renamed `path`.
fn gitlab_body(capture: &str, path: &str) -> Vec<u8> {
    let body = serde_json::to_vec(&gitlab_capture(capture)["body"]).unwrap();
    edit_json(&body, |b| b["project"]["path_with_namespace"] = path.into())
}

/// A new database on the test PostgreSQL server (`.ci/run` starts one), dropped with the
/// value; `None`, saying the test skips, when there is none.
pub fn postgres_database(
    test: &str,
) -> Option<postmortem_tracker::service::store::postgres::ScratchDatabase> {
    use postmortem_tracker::service::store::postgres::{ScratchDatabase, TEST_DATABASE_URL};
    let db = ScratchDatabase::from_env();
    if db.is_none() {
        eprintln!("{test}: skipped: {TEST_DATABASE_URL} is not set (.ci/run starts a PostgreSQL server and sets it)");
    }
    db
}
