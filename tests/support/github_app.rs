//! The GitHub App side of the fake GitHub: `GET /app`, `GET /app/installations`,
//! `POST /app/installations/{id}/access_tokens`, `GET /repos/{o}/{r}/installation` (each
//! verifying the RS256 JWT against the App's public key, its issuer and its lifetime as GitHub
//! does) and `GET /installation/repositories`. Installation tokens are minted with an expiry
//! and rejected (401) once expired; a token sees only its installation's repositories (404 for
//! others). Every authenticated request is recorded with the credential it carried, so tests
//! can check which token each repository's calls used.
//!
//! Keys are made at test time ([`test_key`]); nothing secret is committed.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::{json, Value};

use super::github::GitHubState;
use super::{paginate, Access, Reply, Req};

/// An RSA key pair made for the tests, as PEM: the private key as GitHub hands it out
/// (PKCS#1, `RSA PRIVATE KEY`) and the public key (`PUBLIC KEY`).
pub struct TestKey {
    pub private_pem: String,
    pub public_pem: String,
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn generate() -> TestKey {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::KeyPair as _;
    let pair = KeyPair::generate(KeySize::Rsa2048).expect("an RSA key");
    let pkcs8: Pkcs8V1Der = pair.as_der().expect("PKCS#8 DER");
    let pkcs1 = postmortem_tracker::forge::app::pkcs1_of_pkcs8(pkcs8.as_ref())
        .expect("an RSA PKCS#8 key holds a PKCS#1 key");
    let public: PublicKeyX509Der = pair.public_key().as_der().expect("public DER");
    TestKey {
        private_pem: pem("RSA PRIVATE KEY", pkcs1),
        public_pem: pem("PUBLIC KEY", public.as_ref()),
    }
}

/// The App's key for these tests, made once per test binary.
pub fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(generate)
}

/// Another key, not the App's: a JWT it signs must be refused.
pub fn stranger_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(generate)
}

/// An installation of the App on an account.
#[derive(Debug, Clone)]
pub struct FakeInstallation {
    pub id: u64,
    pub account: String,
    /// `owner/name` of each repository it covers.
    pub repos: BTreeSet<String>,
    /// Its token's rate limit is spent until this time (seconds since the epoch): until then
    /// every request with it is refused as GitHub refuses a spent primary limit (403,
    /// `x-ratelimit-remaining: 0`, `x-ratelimit-reset`). Each installation has its own.
    pub spent_until: Option<i64>,
    /// Requests its token may still make before `reset` (seconds since the epoch), when set:
    /// every answer to it says what is left (`x-ratelimit-remaining`, `x-ratelimit-reset`),
    /// and at 0 it is spent until the reset. `None`: the fake's own hourly quota applies.
    pub budget: Option<(u64, i64)>,
    /// Granted read access only (Issues and Contents: read): a write with its token is
    /// refused as GitHub refuses an App a permission it lacks (403 `Resource not accessible
    /// by integration`).
    pub read_only: bool,
}

/// A minted installation token.
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: String,
    pub installation: u64,
    /// Requests it may still authenticate; at 0 it has expired (answers 401).
    pub uses_left: usize,
}

/// What credential a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A JWT signed with the App's key.
    Jwt,
    /// An installation token of this installation.
    Installation(u64),
    /// Any other token (a person's), by its login.
    Personal(String),
}

/// One authenticated request.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub credential: Credential,
    pub status: u16,
    /// When it arrived.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The fake App.
#[derive(Debug, Clone)]
pub struct FakeApp {
    pub app_id: u64,
    pub slug: String,
    /// The public key JWTs are verified with.
    pub public_pem: String,
    pub installations: Vec<FakeInstallation>,
    /// Requests one installation token authenticates before it expires (GitHub's hour, in
    /// requests, so that a test can make a token expire in the middle of a job).
    pub token_uses: usize,
    pub minted: Vec<Minted>,
    pub calls: Vec<Call>,
    next_token: u64,
}

impl FakeApp {
    /// App `app_id` with the test key, no installations, tokens good for 10,000 requests.
    pub fn new(app_id: u64) -> Self {
        FakeApp {
            app_id,
            slug: "postmortem-tracker".into(),
            public_pem: test_key().public_pem.clone(),
            installations: Vec::new(),
            token_uses: 10_000,
            minted: Vec::new(),
            calls: Vec::new(),
            next_token: 0,
        }
    }

    /// The bot account issues are opened as.
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }

    /// Installs the App on `account`'s repositories `repos` (`owner/name`).
    pub fn install(&mut self, id: u64, account: &str, repos: &[&str]) {
        self.installations.push(FakeInstallation {
            id,
            account: account.into(),
            repos: repos.iter().map(|r| r.to_lowercase()).collect(),
            spent_until: None,
            budget: None,
            read_only: false,
        });
    }

    /// Leaves installation `id` `left` requests until `reset` (seconds since the epoch).
    pub fn limit(&mut self, id: u64, left: u64, reset: i64) {
        if let Some(i) = self.installations.iter_mut().find(|i| i.id == id) {
            i.budget = Some((left, reset));
        }
    }

    /// What installation `id`'s budget has left, and its reset, when it has one.
    fn budget_of(&self, id: u64) -> Option<(u64, i64)> {
        self.installation(id).and_then(|i| i.budget)
    }

    /// Spends installation `id`'s rate limit until `reset` (seconds since the epoch).
    pub fn spend(&mut self, id: u64, reset: i64) {
        if let Some(i) = self.installations.iter_mut().find(|i| i.id == id) {
            i.spent_until = Some(reset);
        }
    }

    /// Tokens minted for installation `id`.
    pub fn minted_for(&self, id: u64) -> usize {
        self.minted.iter().filter(|m| m.installation == id).count()
    }

    /// The calls on `owner/name`'s repository routes.
    pub fn calls_on(&self, repo: &str) -> Vec<&Call> {
        let prefix = format!("/repos/{}/", repo.to_lowercase());
        self.calls
            .iter()
            .filter(|c| c.path.to_lowercase().starts_with(&prefix))
            .collect()
    }

    fn installation(&self, id: u64) -> Option<&FakeInstallation> {
        self.installations.iter().find(|i| i.id == id)
    }
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest/apps"}),
    )
}

/// The claims octocrab (and every App library) puts in the JWT.
#[derive(serde::Deserialize)]
struct Claims {
    iss: Value,
    iat: u64,
    exp: u64,
}

/// Checks a JWT as GitHub does: RS256 signed by the App's key, not expired, issued for at most
/// ten minutes, `iss` the App's id. `Err` is GitHub's 401 answer.
fn verify_jwt(app: &FakeApp, jwt: &str) -> Result<(), Reply> {
    use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
    let key = DecodingKey::from_rsa_pem(app.public_pem.as_bytes()).expect("the App's public key");
    let mut validation = Validation::new(Algorithm::RS256);
    // `iss` is a number (the App id), which the library's own `iss` check (strings) rejects:
    // it and `iat` are required by `Claims` and checked below.
    validation.required_spec_claims = ["exp"].map(String::from).into();
    let data = decode::<Claims>(jwt, &key, &validation)
        .map_err(|_| error(401, "A JSON web token could not be decoded"))?;
    let c = data.claims;
    if c.exp.saturating_sub(c.iat) > 660 {
        return Err(error(
            401,
            "'Expiration time' claim ('exp') is too far in the future",
        ));
    }
    let iss = c
        .iss
        .as_u64()
        .or_else(|| c.iss.as_str().and_then(|s| s.parse().ok()));
    if iss != Some(app.app_id) {
        return Err(error(401, "Integration not found"));
    }
    Ok(())
}

fn installation_json(i: &FakeInstallation, app_id: u64, base: &str) -> Value {
    json!({
        "id": i.id,
        "account": {"login": i.account, "id": 1, "type": "Organization"},
        "app_id": app_id,
        "repository_selection": "selected",
        "access_tokens_url": format!("{base}/app/installations/{}/access_tokens", i.id),
        "repositories_url": format!("{base}/installation/repositories"),
        "permissions": {"issues": "write", "contents": "write", "pull_requests": "write", "metadata": "read"},
        "events": ["push", "issues"],
    })
}

/// Answers the App's routes and checks installation tokens; `None` lets the request go on to
/// the ordinary routes (with the installation token's grant in place).
pub fn handle(st: &mut GitHubState, req: &Req, base: &str, token: Option<&str>) -> Option<Reply> {
    let token = token?;
    st.app.as_ref()?;
    let repos: BTreeSet<String> = st
        .repos
        .iter()
        .map(|r| format!("{}/{}", r.owner, r.name).to_lowercase())
        .collect();
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    let record = |app: &mut FakeApp, credential: Credential, status: u16| {
        app.calls.push(Call {
            method: m.to_string(),
            path: req.raw_path.clone(),
            credential,
            status,
            at: chrono::Utc::now(),
        });
    };
    let personal = st.tokens.get(token).map(|g| g.login.clone());
    let app = st.app.as_mut().expect("checked above");
    // A JWT: header.payload.signature, base64url.
    if token.starts_with("eyJ") && token.matches('.').count() == 2 {
        let reply = match verify_jwt(app, token) {
            Err(refused) => refused,
            Ok(()) => app_route(app, req, base, m, &segs, &repos),
        };
        record(app, Credential::Jwt, reply.status);
        if reply.status == 201 {
            let minted = app.minted.last().expect("just minted").token.clone();
            let login = app.bot_login();
            st.add_token(&minted, &login, Access::Write);
        }
        return Some(reply);
    }
    let Some(pos) = app.minted.iter().position(|t| t.token == token) else {
        if let Some(login) = personal {
            record(app, Credential::Personal(login), 0);
        }
        return None;
    };
    let id = app.minted[pos].installation;
    if app.minted[pos].uses_left == 0 {
        record(app, Credential::Installation(id), 401);
        return Some(error(401, "Bad credentials"));
    }
    app.minted[pos].uses_left -= 1;
    let now = chrono::Utc::now().timestamp();
    let used_up = app
        .budget_of(id)
        .filter(|(left, reset)| *left == 0 && *reset > now)
        .map(|(_, reset)| reset);
    let spent = app.installation(id).and_then(|i| i.spent_until).or(used_up);
    if let Some(reset) = spent.filter(|r| *r > chrono::Utc::now().timestamp()) {
        record(app, Credential::Installation(id), 403);
        return Some(
            error(
                403,
                &format!("API rate limit exceeded for installation ID {id}."),
            )
            .with("x-ratelimit-limit", 5000)
            .with("x-ratelimit-remaining", 0)
            .with("x-ratelimit-reset", reset)
            .with("x-ratelimit-used", 5000)
            .with("x-ratelimit-resource", "core"),
        );
    }
    if let Some(i) = app.installations.iter_mut().find(|i| i.id == id) {
        if let Some((left, _)) = &mut i.budget {
            *left = left.saturating_sub(1);
        }
    }
    let covered = app
        .installation(id)
        .map(|i| i.repos.clone())
        .unwrap_or_default();
    let reply = match segs.as_slice() {
        ["installation", "repositories"] if m == "GET" => {
            let items: Vec<Value> = covered
                .iter()
                .map(|r| {
                    let (owner, name) = r.split_once('/').unwrap_or((r, r));
                    json!({"full_name": r, "name": name, "owner": {"login": owner},
                           "private": true, "archived": false})
                })
                .collect();
            let (page, per_page) = page_of(req);
            let (slice, _) = paginate(&items, page, per_page);
            Some(Reply::json(
                200,
                &json!({"total_count": items.len(), "repository_selection": "selected",
                        "repositories": slice}),
            ))
        }
        ["repos", owner, name, ..]
            if !covered.contains(&format!("{owner}/{name}").to_lowercase()) =>
        {
            Some(error(404, "Not Found"))
        }
        ["repos", ..] if m != "GET" && app.installation(id).is_some_and(|i| i.read_only) => {
            Some(error(403, "Resource not accessible by integration"))
        }
        ["app", ..] => Some(error(401, "A JSON web token could not be decoded")),
        _ => None,
    };
    record(
        app,
        Credential::Installation(id),
        reply.as_ref().map_or(0, |r| r.status),
    );
    reply
}

/// The rate-limit headers of an answer to `token` when it is an installation token whose
/// installation has a budget ([`FakeInstallation::budget`]): GitHub counts each installation
/// on its own.
pub fn budget_headers(st: &GitHubState, token: Option<&str>, reply: Reply) -> Reply {
    let app = st.app.as_ref();
    let budget = token
        .and_then(|t| app?.minted.iter().find(|m| m.token == t))
        .and_then(|m| app?.budget_of(m.installation));
    match budget {
        Some((left, reset)) => reply
            .with("x-ratelimit-limit", 5000)
            .with("x-ratelimit-remaining", left)
            .with("x-ratelimit-reset", reset)
            .with("x-ratelimit-used", 5000 - left.min(5000))
            .with("x-ratelimit-resource", "core"),
        None => reply,
    }
}

/// `page` and `per_page` (default 30, at most 100) of a list request.
fn page_of(req: &Req) -> (usize, usize) {
    (
        req.q("page").and_then(|v| v.parse().ok()).unwrap_or(1),
        req.q("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30usize)
            .clamp(1, 100),
    )
}

/// The `/app` routes and `GET /repos/{o}/{r}/installation`, as the App (JWT checked).
fn app_route(
    app: &mut FakeApp,
    req: &Req,
    base: &str,
    m: &str,
    segs: &[&str],
    repos: &BTreeSet<String>,
) -> Reply {
    match (m, segs) {
        ("GET", ["app"]) => Reply::json(
            200,
            &json!({"id": app.app_id, "slug": app.slug, "name": "postmortem-tracker",
                    "owner": {"login": "acme"}, "events": ["push", "issues"]}),
        ),
        ("GET", ["app", "installations"]) => {
            let items: Vec<Value> = app
                .installations
                .iter()
                .map(|i| installation_json(i, app.app_id, base))
                .collect();
            let (page, per_page) = page_of(req);
            Reply::json(200, &Value::Array(paginate(&items, page, per_page).0))
        }
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            let Some(id) = id
                .parse::<u64>()
                .ok()
                .filter(|id| app.installation(*id).is_some())
            else {
                return error(404, "Not Found");
            };
            app.next_token += 1;
            let token = format!("ghs_fake_installation_{id}_{}", app.next_token);
            app.minted.push(Minted {
                token: token.clone(),
                installation: id,
                uses_left: app.token_uses,
            });
            let expires = chrono::Utc::now() + chrono::Duration::hours(1);
            Reply::json(
                201,
                &json!({"token": token, "expires_at": expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        "permissions": {"issues": "write", "contents": "write"},
                        "repository_selection": "selected"}),
            )
        }
        ("GET", ["repos", owner, name, "installation"]) => {
            let repo = format!("{owner}/{name}").to_lowercase();
            match app.installations.iter().find(|i| i.repos.contains(&repo)) {
                Some(i) if repos.contains(&repo) => {
                    Reply::json(200, &installation_json(i, app.app_id, base))
                }
                _ => error(404, "Not Found"),
            }
        }
        _ => error(
            403,
            "Resource not accessible by integration (a JWT authenticates the /app routes only)",
        ),
    }
}
