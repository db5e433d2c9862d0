//! Faithful fake GitHub and GitLab servers for the integration tests.
//!
//! Each fake is a real HTTP/1.1 server on `127.0.0.1:0`, run on its own thread with its own
//! tokio runtime, so async tests (octocrab, the `gitlab` async client) and blocking tests (the
//! real binary through `std::process::Command`) can both use it. A fake keeps state that tests
//! seed and inspect, logs every request, checks the token, and follows a fault plan.
//!
//! Why hyper directly rather than axum: faults need what a router hides. A dropped connection is
//! a service error (hyper closes the socket without an answer), "apply then answer 502" runs the
//! handler and replaces its answer, and GitLab's `acme%2Fsvc` / `lib%2Fa.md` path segments must
//! be seen raw. hyper is already compiled for the clients, so this adds no build time.
//!
//! Shapes: GitHub objects are built from the official OpenAPI examples and GitLab objects from
//! payloads recorded from a real GitLab (copies in `tests/support/fixtures/`, sources in its
//! README), with the fields that state drives overwritten.

#![allow(dead_code)]

pub mod github;
pub mod github_app;
pub mod github_projects;
pub mod gitlab;
pub mod service;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// One request as the fake saw it, with the status it answered (0 when the connection was
/// dropped without an answer).
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Arrival order, from 0.
    pub index: usize,
    pub method: String,
    /// The raw path, percent-encoding kept (`/api/v4/projects/acme%2Fsvc`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub body: String,
    pub status: u16,
    /// The fault injected into this request, if any (its `Debug` form).
    pub fault: Option<String>,
}

impl LoggedRequest {
    /// Decoded query parameter `name` (first occurrence).
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// True for POST, PUT, PATCH and DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// Every request a fake received, in arrival order.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<LoggedRequest>>>);

impl RequestLog {
    /// A snapshot of the log, sorted by arrival.
    pub fn all(&self) -> Vec<LoggedRequest> {
        let mut v = self.0.lock().unwrap().clone();
        v.sort_by_key(|r| r.index);
        v
    }

    /// Requests with this method whose raw path starts with `path_prefix`.
    pub fn matching(&self, method: &str, path_prefix: &str) -> Vec<LoggedRequest> {
        self.all()
            .into_iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .collect()
    }

    /// How many requests have this method and a path starting with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.matching(method, path_prefix).len()
    }

    /// How many writes (POST, PUT, PATCH, DELETE) the fake received.
    pub fn count_writes(&self) -> usize {
        self.all().iter().filter(|r| r.is_write()).count()
    }

    /// How many requests in all.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Forget everything logged so far (state is kept).
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    fn push(&self, r: LoggedRequest) {
        self.0.lock().unwrap().push(r);
    }
}

/// One fault, presented the way the real forge presents it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer this status (5xx) without touching state.
    Status(u16),
    /// Close the connection without answering, state untouched.
    Drop,
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Apply the request to the state, then answer this status (the "create that succeeded but
    /// answered 502" case).
    ApplyThenStatus(u16),
    /// Apply the request, then close the connection without answering (a timeout after commit).
    ApplyThenDrop,
    /// GitHub's secondary rate limit: 403 with `retry-after` (GitLab answers 429 instead).
    SecondaryRateLimit { retry_after_secs: u64 },
    /// 429 with `Retry-After` (and GitLab's `RateLimit-*` headers).
    TooManyRequests { retry_after_secs: u64 },
}

/// Which requests a fault rule applies to.
#[derive(Debug, Clone)]
pub enum When {
    /// The request with this arrival index (from 0).
    Index(usize),
    /// Requests with this method (any when `None`) whose raw path starts with the prefix.
    Route {
        method: Option<String>,
        path_prefix: String,
    },
}

#[derive(Debug, Clone)]
struct FaultRule {
    when: When,
    fault: Fault,
    /// How many more times it fires; `None` = always.
    remaining: Option<usize>,
}

#[derive(Debug, Clone)]
struct RandomFaults {
    state: u64,
    /// Probability in [0, 1].
    rate: f64,
    kinds: Vec<Fault>,
    /// Upper bound on injected faults, so soak loops always end.
    max: usize,
    injected: usize,
}

/// Faults to inject: explicit rules first (in the order added), then the random rate.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
    random: Option<RandomFaults>,
}

impl FaultPlan {
    fn pick(&mut self, index: usize, method: &str, path: &str) -> Option<Fault> {
        for rule in &mut self.rules {
            if rule.remaining == Some(0) {
                continue;
            }
            let hit = match &rule.when {
                When::Index(i) => *i == index,
                When::Route {
                    method: m,
                    path_prefix,
                } => {
                    m.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                        && path.starts_with(path_prefix.as_str())
                }
            };
            if hit {
                if let Some(n) = &mut rule.remaining {
                    *n -= 1;
                }
                return Some(rule.fault.clone());
            }
        }
        let r = self.random.as_mut()?;
        if r.injected >= r.max || r.kinds.is_empty() {
            return None;
        }
        // xorshift64*: deterministic for a seed, no dependency.
        r.state ^= r.state >> 12;
        r.state ^= r.state << 25;
        r.state ^= r.state >> 27;
        let x = r.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
        if unit < r.rate {
            r.injected += 1;
            Some(r.kinds[(x % r.kinds.len() as u64) as usize].clone())
        } else {
            None
        }
    }
}

/// A handle to add faults to a running fake.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<FaultPlan>>);

impl Faults {
    /// Inject `fault` into the request with arrival index `index` (from 0).
    pub fn at_request(&self, index: usize, fault: Fault) -> &Self {
        self.push(When::Index(index), fault, Some(1))
    }

    /// Inject `fault` into the next `times` requests matching method and path prefix.
    pub fn on(&self, method: &str, path_prefix: &str, fault: Fault, times: usize) -> &Self {
        let when = When::Route {
            method: Some(method.to_owned()),
            path_prefix: path_prefix.to_owned(),
        };
        self.push(when, fault, Some(times))
    }

    /// Inject `fault` into every request matching method and path prefix, until cleared.
    pub fn always(&self, method: &str, path_prefix: &str, fault: Fault) -> &Self {
        let when = When::Route {
            method: Some(method.to_owned()),
            path_prefix: path_prefix.to_owned(),
        };
        self.push(when, fault, None)
    }

    /// Inject one of `kinds` into each request with probability `rate`, from a seeded generator,
    /// at most `max` times in all.
    pub fn random(&self, seed: u64, rate: f64, kinds: Vec<Fault>, max: usize) -> &Self {
        self.0.lock().unwrap().random = Some(RandomFaults {
            state: seed.max(1),
            rate: rate.clamp(0.0, 1.0),
            kinds,
            max,
            injected: 0,
        });
        self
    }

    /// How many random faults were injected so far.
    pub fn random_injected(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .random
            .as_ref()
            .map_or(0, |r| r.injected)
    }

    /// Remove every rule and the random rate.
    pub fn clear(&self) {
        *self.0.lock().unwrap() = FaultPlan::default();
    }

    fn push(&self, when: When, fault: Fault, remaining: Option<usize>) -> &Self {
        self.0.lock().unwrap().rules.push(FaultRule {
            when,
            fault,
            remaining,
        });
        self
    }

    fn pick(&self, index: usize, method: &str, path: &str) -> Option<Fault> {
        self.0.lock().unwrap().pick(index, method, path)
    }
}

/// A request as handlers see it: body read, path split and decoded.
#[derive(Debug)]
pub struct Req {
    pub method: String,
    pub raw_path: String,
    /// Path segments, percent-decoded (`acme%2Fsvc` becomes `acme/svc`).
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Req {
    /// First value of query parameter `name`.
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`Null` when empty or invalid).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as form pairs, in order (GitLab's client sends forms).
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// True for POST, PUT, PATCH and DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// An answer before it is written: status, extra headers, body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, value: &Value) -> Self {
        Reply {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: serde_json::to_vec(value).expect("serialising a JSON value"),
        }
    }

    /// A plain-text answer.
    pub fn text(status: u16, text: &str) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    /// An empty answer (204).
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }
}

/// What each forge implements; the server does transport, log and faults.
pub trait Forge: Send + Sync + 'static {
    /// Answer a request, applying it to the state. `base` is `http://127.0.0.1:PORT`.
    fn handle(&self, req: &Req, base: &str) -> Reply;
    /// The forge's own answer for an injected fault status or rate limit.
    fn fault_reply(&self, fault: &Fault) -> Reply;
}

/// A running fake server. Stops when dropped.
pub struct Server {
    addr: SocketAddr,
    pub log: RequestLog,
    pub faults: Faults,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Start serving `forge` on `127.0.0.1:0` on a thread of its own.
    pub fn start(forge: Arc<dyn Forge>) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let log = RequestLog::default();
        let faults = Faults::default();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::new(Shared {
            forge,
            log: log.clone(),
            faults: faults.clone(),
            next_index: AtomicUsize::new(0),
            base: format!("http://{addr}"),
        });
        let thread = std::thread::Builder::new()
            .name(format!("fake-forge-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("fake server runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let shared = shared.clone();
                                tokio::spawn(async move {
                                    let svc = service_fn(move |req| {
                                        let shared = shared.clone();
                                        async move { shared.serve(req).await }
                                    });
                                    // Errors here are the injected drops or client hang-ups.
                                    let _ = hyper::server::conn::http1::Builder::new()
                                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                                        .await;
                                });
                            }
                        }
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(100));
            })
            .expect("spawn fake server thread");
        Server {
            addr,
            log,
            faults,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT` (the form the `gitlab` crate takes).
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Shared {
    forge: Arc<dyn Forge>,
    log: RequestLog,
    faults: Faults,
    next_index: AtomicUsize,
    base: String,
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

impl Shared {
    async fn serve(
        self: Arc<Self>,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
        let index = self.next_index.fetch_add(1, Ordering::SeqCst);
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let raw_path = parts.uri.path().to_owned();
        let raw_query = parts.uri.query().unwrap_or("").to_owned();
        let req = Req {
            method: parts.method.as_str().to_owned(),
            segments: raw_path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
                .collect(),
            query: form_urlencoded::parse(raw_query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            raw_path: raw_path.clone(),
            headers: parts.headers,
            body,
        };
        let fault = self.faults.pick(index, &req.method, &raw_path);
        let outcome: Option<Reply> = match &fault {
            None => Some(self.forge.handle(&req, &self.base)),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(*d).await;
                Some(self.forge.handle(&req, &self.base))
            }
            Some(Fault::Drop) => None,
            Some(Fault::ApplyThenDrop) => {
                let _ = self.forge.handle(&req, &self.base);
                None
            }
            Some(Fault::ApplyThenStatus(code)) => {
                let _ = self.forge.handle(&req, &self.base);
                Some(self.forge.fault_reply(&Fault::Status(*code)))
            }
            Some(f) => Some(self.forge.fault_reply(f)),
        };
        self.log.push(LoggedRequest {
            index,
            method: req.method.clone(),
            path: raw_path,
            query: raw_query,
            body: String::from_utf8_lossy(&req.body).into_owned(),
            status: outcome.as_ref().map_or(0, |r| r.status),
            fault: fault.as_ref().map(|f| format!("{f:?}")),
        });
        let Some(reply) = outcome else {
            return Err(DropConnection);
        };
        let mut rsp = hyper::Response::builder().status(reply.status);
        for (k, v) in &reply.headers {
            rsp = rsp.header(k.as_str(), v.as_str());
        }
        Ok(rsp
            .body(Full::new(Bytes::from(reply.body)))
            .expect("valid response"))
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write.
    Write,
    /// Read only: writes get the forge's 403.
    Read,
    /// Valid token that cannot see the repository: repository routes answer 404.
    Hidden,
}

/// A token's owner and rights.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub login: String,
    pub access: Access,
}

/// Tokens a fake accepts.
pub type Tokens = HashMap<String, TokenGrant>;

/// A page of `items` (1-based `page`) and the page count (at least 1).
pub fn paginate<T: Clone>(items: &[T], page: usize, per_page: usize) -> (Vec<T>, usize) {
    let per_page = per_page.max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let start = (page.max(1) - 1).saturating_mul(per_page);
    let slice = items.iter().skip(start).take(per_page).cloned().collect();
    (slice, pages)
}

/// A query string with `page` set to `page` (others kept in order).
pub fn with_page(query: &[(String, String)], page: usize) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query.iter().filter(|(k, _)| k != "page") {
        ser.append_pair(k, v);
    }
    ser.append_pair("page", &page.to_string());
    ser.finish()
}

/// An RFC 5988 `Link` header for page `page` of `pages` at `url_path` (no query).
pub fn link_header(
    base: &str,
    url_path: &str,
    query: &[(String, String)],
    page: usize,
    pages: usize,
) -> String {
    let link =
        |p: usize, rel: &str| format!("<{base}{url_path}?{}>; rel=\"{rel}\"", with_page(query, p));
    let mut parts = Vec::new();
    if page > 1 {
        parts.push(link(page - 1, "prev"));
    }
    if page < pages {
        parts.push(link(page + 1, "next"));
        parts.push(link(pages, "last"));
    }
    if page > 1 {
        parts.push(link(1, "first"));
    }
    parts.join(", ")
}

/// Load a JSON fixture from `tests/support/fixtures/`.
pub fn fixture(rel: &str) -> Value {
    let path = format!(
        "{}/tests/support/fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// A deterministic clock for created/updated times: each call is one second later.
#[derive(Debug)]
pub struct FakeClock {
    start: chrono::DateTime<chrono::Utc>,
    ticks: i64,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock {
            start: chrono::DateTime::parse_from_rfc3339("2024-03-01T09:00:00Z")
                .expect("valid time")
                .with_timezone(&chrono::Utc),
            ticks: 0,
        }
    }
}

impl FakeClock {
    /// The current instant, without advancing.
    pub fn peek(&self) -> chrono::DateTime<chrono::Utc> {
        self.start + chrono::Duration::seconds(self.ticks)
    }

    /// The next instant.
    pub fn tick(&mut self) -> chrono::DateTime<chrono::Utc> {
        self.ticks += 1;
        self.start + chrono::Duration::seconds(self.ticks)
    }
}

/// A 40-hex id derived from some text (stands in for git object ids).
pub fn object_id(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

/// Git's blob id for `content` (what GitHub calls a file's `sha`).
pub fn git_blob_sha(content: &[u8]) -> String {
    // Git's own id (sha1 of the blob header and the content), as both forges give it: the
    // service keeps the id of a text it committed, computed the same way, to skip reading it.
    use sha1::{Digest, Sha1};
    let mut data = format!("blob {}\0", content.len()).into_bytes();
    data.extend_from_slice(content);
    hex::encode(Sha1::digest(&data))
}

/// Locks a mutex, ignoring poisoning (a panicking test must not hide the state from others).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A blocking HTTP/1.1 GET over loopback, for tests that need the raw answer (status line and
/// headers, lower-cased names) without a client library in the way.
pub fn raw_get(
    base_url: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let host = base_url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).expect("connect to the fake");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut req = format!("GET {path_and_query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_owned())
}

/// The four seed postmortems (`../shared/corpus/seeds`: incidents in 2023, 24 open items,
/// none with a date) copied as `.md` into `postmortems/` of a new folder; `None` (with a
/// message) when the corpus is absent.
pub fn seeds_workspace() -> Option<tempfile::TempDir> {
    let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/seeds");
    let Ok(entries) = std::fs::read_dir(&src) else {
        eprintln!("SKIPPED: no shared corpus at {}", src.display());
        return None;
    };
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("postmortems");
    std::fs::create_dir_all(&dir).unwrap();
    for e in entries {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&p, dir.join(format!("{name}.md"))).unwrap();
    }
    Some(ws)
}

/// The real binary, with nothing from the developer's or CI's environment that it reads
/// (`POSTMORTEM_TRACKER_*`, `GITHUB_*`, `GITLAB_*`, `CI_*`): each test sets what it means.
pub fn command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_postmortem-tracker"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if ["POSTMORTEM_TRACKER_", "GITHUB_", "GITLAB_", "CI_"]
            .iter()
            .any(|p| k.starts_with(p))
            || k == "CI"
        {
            c.env_remove(&*k);
        }
    }
    c
}

/// Runs `c` to its end: (exit code, stdout, stderr), the output read as text.
pub fn run(c: &mut std::process::Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fake forge for a run of the real binary.
pub enum FakeForge<'a> {
    GitHub(&'a github::FakeGitHub),
    GitLab(&'a gitlab::FakeGitLab),
}

/// Runs the binary in `ws` on `postmortems/` against `forge` (its token, repository `acme/svc`,
/// no pacing), with nothing from the developer's environment: (exit code, stdout, stderr).
pub fn bin(ws: &std::path::Path, forge: &FakeForge, args: &[&str]) -> (i32, String, String) {
    let mut c = command();
    c.args(args)
        .arg("postmortems")
        .current_dir(ws)
        .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
        .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0");
    match forge {
        FakeForge::GitHub(f) => {
            c.args(["--tracker", "github", "--repo", "acme/svc", "--api-url"])
                .arg(f.base_url())
                .env("GITHUB_TOKEN", github::FakeGitHub::TOKEN);
        }
        FakeForge::GitLab(f) => {
            c.args(["--tracker", "gitlab", "--repo", "acme/svc", "--api-url"])
                .arg(format!("{}/api/v4", f.base_url()))
                .env("GITLAB_TOKEN", gitlab::FakeGitLab::TOKEN);
        }
    }
    run(&mut c)
}

/// Runs the binary in `dir` with `args` ([`command`]: a clean environment).
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    command()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

/// What a run printed on standard output.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on standard error.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `text` to `dir/rel`, making its folders.
pub fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The binary as a GitHub Actions step runs `ci` for `acme/svc` in `ws`: the variables the
/// runner sets (and no others) for `event` (its payload written to `out_dir/event.json`; `GITHUB_OUTPUT` and
/// `GITHUB_STEP_SUMMARY` in `out_dir`), the API at `api_url`, `token`, no pacing. Callers add
/// flags and variables of their own.
pub fn actions_ci(
    ws: &std::path::Path,
    api_url: &str,
    event: &str,
    payload: &serde_json::Value,
    token: &str,
    out_dir: &std::path::Path,
) -> std::process::Command {
    let event_path = out_dir.join("event.json");
    std::fs::write(&event_path, payload.to_string()).unwrap();
    let git_ref = match payload["number"].as_u64() {
        Some(n) => format!("refs/pull/{n}/merge"),
        None => payload["ref"]
            .as_str()
            .unwrap_or("refs/heads/main")
            .to_string(),
    };
    let mut c = command();
    c.args(["ci", "--today=2026-01-10"])
        .current_dir(ws)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", "acme/svc")
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REF", git_ref)
        .env("GITHUB_OUTPUT", out_dir.join("output"))
        .env("GITHUB_STEP_SUMMARY", out_dir.join("summary"))
        .env("GITHUB_TOKEN", token)
        .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
        .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0");
    c
}

/// The binary as a GitLab CI job runs `ci` for `acme/svc` (project 42) in `ws`: the variables
/// GitLab sets for every pipeline (and no others), the API at `api_url` (ending in `/api/v4`), `token`, no
/// pacing. Callers add the pipeline source's own variables.
pub fn gitlab_ci(ws: &std::path::Path, api_url: &str, token: &str) -> std::process::Command {
    let mut c = command();
    c.args(["ci", "--today=2026-01-10"])
        .current_dir(ws)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITLAB_CI", "true")
        .env("CI", "true")
        .env("CI_API_V4_URL", api_url)
        .env("CI_PROJECT_ID", "42")
        .env("CI_PROJECT_PATH", "acme/svc")
        .env("CI_PROJECT_URL", "https://gitlab.example/acme/svc")
        .env("CI_DEFAULT_BRANCH", "main")
        .env("GITLAB_TOKEN", token)
        .env("POSTMORTEM_TRACKER_SYNC__MIN_WRITE_INTERVAL_MS", "0")
        .env("POSTMORTEM_TRACKER_SYNC__RETRY_DELAY_MS", "0");
    c
}

/// The text of the bundled example `examples/postmortems/<name>`.
pub fn example(name: &str) -> String {
    std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("examples/postmortems")
            .join(name),
    )
    .unwrap()
}
