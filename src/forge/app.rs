//! GitHub App authentication: an organisation installs the App, and the tool acts as the App's
//! bot with a short-lived installation token per installation, each with its own rate limit,
//! instead of a person's token.
//!
//! The App's id and private key come from the environment only ([`APP_ID_VAR`], [`KEY_VAR`] or
//! [`KEY_PATH_VAR`]) and are never printed. octocrab signs the JWT (RS256) for the `/app`
//! routes, mints installation tokens, renews one 30 seconds before it expires, and when GitHub
//! answers 401 (a token expired or revoked early) mints a new one and retries the request once.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use octocrab::models::{AppId, InstallationId};
use octocrab::Octocrab;
use serde::Deserialize;
use sha2::Digest as _;

use super::github::{self, Auth, GitHub};
use super::{Budget, TrackerError};

/// The App's numeric id (the App's settings page, "App ID").
pub const APP_ID_VAR: &str = "GITHUB_APP_ID";
/// The App's private key, the PEM text GitHub downloads.
pub const KEY_VAR: &str = "GITHUB_APP_PRIVATE_KEY";
/// A file holding the App's private key (a mounted secret), instead of [`KEY_VAR`].
pub const KEY_PATH_VAR: &str = "GITHUB_APP_PRIVATE_KEY_PATH";

/// A GitHub App's id and private key. `Debug` never shows the key.
#[derive(Clone)]
pub struct AppCredentials {
    /// The App's id.
    pub app_id: u64,
    key: EncodingKey,
    /// SHA-256 of the key's bytes: two credentials are equal when id and key are.
    fingerprint: [u8; 32],
}

impl PartialEq for AppCredentials {
    fn eq(&self, other: &Self) -> bool {
        self.app_id == other.app_id && self.fingerprint == other.fingerprint
    }
}

impl Eq for AppCredentials {}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("key", &"<set>")
            .finish()
    }
}

impl AppCredentials {
    /// The App's credentials from the environment (`var` looks one variable up, empty counts
    /// as unset): `None` when none of the three variables is set. Errors name the variable,
    /// never the key's content.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let (id, pem, path) = (get(APP_ID_VAR), get(KEY_VAR), get(KEY_PATH_VAR));
        let (pem, setting) = match (pem, path) {
            (None, None) if id.is_none() => return Ok(None),
            (None, None) => {
                return Err(format!(
                    "{APP_ID_VAR} is set but neither {KEY_VAR} nor {KEY_PATH_VAR}: the App's private key is needed too"
                ))
            }
            (Some(_), Some(_)) => {
                return Err(format!(
                    "set {KEY_VAR} or {KEY_PATH_VAR}, not both: they would name two keys"
                ))
            }
            (Some(pem), None) => (pem.into_bytes(), KEY_VAR.to_string()),
            (None, Some(path)) => {
                let bytes = std::fs::read(path.trim())
                    .map_err(|e| format!("{KEY_PATH_VAR} = {}: {e}", path.trim()))?;
                (bytes, format!("{KEY_PATH_VAR} = {}", path.trim()))
            }
        };
        let id = id.ok_or_else(|| {
            format!("{setting} is set but {APP_ID_VAR} is not: the App's id is needed too")
        })?;
        Self::new(&id, &pem, &setting).map(Some)
    }

    /// Credentials from the App id as written and the key's PEM bytes; `setting` names where
    /// the key came from, for messages.
    pub fn new(app_id: &str, pem: &[u8], setting: &str) -> Result<Self, String> {
        let app_id: u64 = app_id
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                format!(
                    "{APP_ID_VAR} = {:?}: expected the App's numeric id (the App's settings page, \"App ID\")",
                    app_id.trim()
                )
            })?;
        // A key pasted into an env file often has its line breaks written as `\n`.
        let pem = if !pem.contains(&b'\n') && pem.windows(2).any(|w| w == b"\\n") {
            String::from_utf8_lossy(pem)
                .replace("\\n", "\n")
                .into_bytes()
        } else {
            pem.to_vec()
        };
        let not_rsa = || {
            format!(
                "{setting}: not a PEM RSA private key (expected the .pem file GitHub generates for the App, \
                 starting -----BEGIN RSA PRIVATE KEY-----)"
            )
        };
        // GitHub hands out PKCS#1 (`RSA PRIVATE KEY`); a key converted to PKCS#8 (`PRIVATE
        // KEY`) holds the same PKCS#1 structure inside.
        let der = match pem_block(&pem).ok_or_else(not_rsa)? {
            (label, der) if label == "RSA PRIVATE KEY" => der,
            (label, der) if label == "PRIVATE KEY" => {
                pkcs1_of_pkcs8(&der).ok_or_else(not_rsa)?.to_vec()
            }
            _ => return Err(not_rsa()),
        };
        let key = EncodingKey::from_rsa_der(&der);
        let fingerprint = sha2::Sha256::digest(&der).into();
        // The PEM parser checks the armour only; signing once proves the key is an RSA key.
        jsonwebtoken::encode(
            &Header::new(Algorithm::RS256),
            &serde_json::json!({"iss": app_id}),
            &key,
        )
        .map_err(|_| not_rsa())?;
        Ok(AppCredentials {
            app_id,
            key,
            fingerprint,
        })
    }
}

/// The label and bytes of the first PEM block in `text` (`-----BEGIN {label}-----`).
fn pem_block(text: &[u8]) -> Option<(String, Vec<u8>)> {
    use base64::Engine as _;
    let text = std::str::from_utf8(text).ok()?;
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let (label, rest) = rest.split_once("-----")?;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let b64: String = rest[..end].split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some((label.to_string(), der))
}

/// One DER element: (tag, contents, what follows).
fn der_element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&first, mut b) = b.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || b.len() < n {
            return None;
        }
        let len = b[..n]
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        b = &b[n..];
        len
    };
    (b.len() >= len).then(|| (tag, &b[..len], &b[len..]))
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`, when the key is RSA
/// (RFC 5208: SEQUENCE { version, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING }).
pub fn pkcs1_of_pkcs8(der: &[u8]) -> Option<&[u8]> {
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (0x30, info, _) = der_element(der)? else {
        return None;
    };
    let (0x02, _version, rest) = der_element(info)? else {
        return None;
    };
    let (0x30, algorithm, rest) = der_element(rest)? else {
        return None;
    };
    let (0x06, oid, _) = der_element(algorithm)? else {
        return None;
    };
    let (0x04, key, _) = der_element(rest)? else {
        return None;
    };
    (oid == RSA_ENCRYPTION).then_some(key)
}

/// `GET /app/installations` rows, `GET /repos/{o}/{r}/installation`.
#[derive(Deserialize)]
struct InstallationRow {
    id: u64,
}

/// `GET /installation/repositories`.
#[derive(Deserialize)]
struct InstallationRepos {
    total_count: usize,
    repositories: Vec<RepoRow>,
}

#[derive(Deserialize)]
struct RepoRow {
    full_name: String,
    #[serde(default)]
    archived: bool,
}

/// Repositories the App's installations cover, learnt from the listings and the webhooks.
#[derive(Debug, Default)]
struct Known {
    installations: BTreeSet<u64>,
    /// Lower-case `owner/name` → installation.
    repos: HashMap<String, u64>,
}

/// A GitHub App connected to its API: the installations it knows, and a client per
/// installation whose token is kept fresh.
pub struct GitHubApp {
    api_url: String,
    timeout: Duration,
    app_id: u64,
    app: Octocrab,
    /// One client per installation; clones of it carry its current token.
    clients: Mutex<HashMap<u64, Arc<Octocrab>>>,
    known: Mutex<Known>,
    /// Per installation, until when its rate limit is spent, as its token's last refused
    /// answer said: each installation has its own budget, so one spent stops only its own
    /// repositories.
    spent: Mutex<HashMap<u64, DateTime<Utc>>>,
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApp")
            .field("api_url", &self.api_url)
            .field("app_id", &self.app_id)
            .field("installations", &self.known().installations)
            .finish_non_exhaustive()
    }
}

/// What a JWT-authenticated call that GitHub refused means for the person starting the App.
fn rejected(app_id: u64, e: TrackerError) -> String {
    match e {
        TrackerError::Unauthorized(m) | TrackerError::NotFound(m) => format!(
            "{APP_ID_VAR} = {app_id} was rejected by GitHub ({}): check the App id, and that the private key is that App's",
            m.trim()
        ),
        other => format!("{APP_ID_VAR} = {app_id}: cannot reach GitHub: {other}"),
    }
}

impl GitHubApp {
    /// Connects as the App and checks that GitHub accepts its id and key (`GET /app`, one
    /// request): a refusal is a message naming [`APP_ID_VAR`], never the key.
    pub async fn connect(
        api_url: &str,
        credentials: &AppCredentials,
        timeout: Duration,
    ) -> Result<GitHubApp, String> {
        let api_url = api_url.trim_end_matches('/').to_string();
        let app = github::client_with(
            &api_url,
            Auth::App(AppId(credentials.app_id), credentials.key.clone()),
            timeout,
        )
        .map_err(|e| e.to_string())?;
        let _: serde_json::Value = app
            .get("/app", None::<&()>)
            .await
            .map_err(|e| rejected(credentials.app_id, github::error(e)))?;
        Ok(GitHubApp {
            api_url,
            timeout,
            app_id: credentials.app_id,
            app,
            clients: Mutex::new(HashMap::new()),
            known: Mutex::new(Known::default()),
            spent: Mutex::new(HashMap::new()),
        })
    }

    /// The App's id.
    pub fn app_id(&self) -> u64 {
        self.app_id
    }

    /// The API root.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lists every installation of the App and the repositories each covers (archived ones
    /// left out), and remembers them; returns them as lower-case `owner/name`, sorted.
    pub async fn discover(&self) -> Result<Vec<String>, TrackerError> {
        let mut installations = Vec::new();
        for page in 1.. {
            let rows: Vec<InstallationRow> = self
                .app
                .get(
                    "/app/installations",
                    Some(&[("per_page", "100"), ("page", &page.to_string())]),
                )
                .await
                .map_err(github::error)?;
            let last = rows.len() < 100;
            installations.extend(rows.into_iter().map(|r| r.id));
            if last {
                break;
            }
        }
        let mut all = Vec::new();
        for id in installations {
            let repos = self.installation_repositories(id).await?;
            self.learn(id, &repos, &[]);
            all.extend(repos);
        }
        all.sort();
        all.dedup();
        Ok(all)
    }

    /// The repositories installation `id` covers (`GET /installation/repositories`, with its
    /// own token), lower-case.
    async fn installation_repositories(&self, id: u64) -> Result<Vec<String>, TrackerError> {
        let crab = self.client(id).await?;
        let mut out = Vec::new();
        for page in 1.. {
            let listed: InstallationRepos = crab
                .get(
                    "/installation/repositories",
                    Some(&[("per_page", "100"), ("page", &page.to_string())]),
                )
                .await
                .map_err(github::error)?;
            let count = listed.repositories.len();
            out.extend(
                listed
                    .repositories
                    .into_iter()
                    .filter(|r| !r.archived)
                    .map(|r| r.full_name.to_lowercase()),
            );
            if count < 100 || page * 100 >= listed.total_count {
                break;
            }
        }
        Ok(out)
    }

    /// Records that installation `id` exists and now covers `added` and no longer `removed`
    /// (from a listing or an `installation` / `installation_repositories` delivery).
    pub fn learn(&self, id: u64, added: &[String], removed: &[String]) {
        let mut k = self.known();
        k.installations.insert(id);
        for r in added {
            k.repos.insert(r.to_lowercase(), id);
        }
        for r in removed {
            let r = r.to_lowercase();
            if k.repos.get(&r) == Some(&id) {
                k.repos.remove(&r);
            }
        }
    }

    /// Forgets installation `id` and its repositories (the App was uninstalled or suspended).
    pub fn forget(&self, id: u64) {
        let mut k = self.known();
        k.installations.remove(&id);
        k.repos.retain(|_, i| *i != id);
        drop(k);
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// Whether installation `id` is one the App knows.
    pub fn knows(&self, id: u64) -> bool {
        self.known().installations.contains(&id)
    }

    /// Every repository the known installations cover, lower-case, sorted.
    pub fn repositories(&self) -> Vec<String> {
        let mut v: Vec<String> = self.known().repos.keys().cloned().collect();
        v.sort();
        v
    }

    /// The installation covering `repo` (`owner/name`): known, else asked of GitHub
    /// (`GET /repos/{owner}/{name}/installation`, as the App) and remembered.
    pub async fn installation_of(&self, repo: &str) -> Result<u64, TrackerError> {
        let repo = repo.to_lowercase();
        if let Some(&id) = self.known().repos.get(&repo) {
            return Ok(id);
        }
        if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
            return Err(TrackerError::Rejected {
                status: 0,
                message: format!("GitHub repository {repo:?} is not OWNER/NAME"),
            });
        }
        let row: InstallationRow = self
            .app
            .get(format!("/repos/{repo}/installation"), None::<&()>)
            .await
            .map_err(|e| match github::error(e) {
                TrackerError::NotFound(_) => TrackerError::NotFound(format!(
                    "the GitHub App {} is not installed on {repo}",
                    self.app_id
                )),
                other => other,
            })?;
        self.learn(row.id, std::slice::from_ref(&repo), &[]);
        Ok(row.id)
    }

    /// A client acting as installation `id`, its token valid for at least 30 more seconds
    /// (minted only when the one kept is about to expire).
    pub async fn client(&self, id: u64) -> Result<Octocrab, TrackerError> {
        let kept = {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            match clients.get(&id) {
                Some(c) => c.clone(),
                None => {
                    let c = Arc::new(
                        self.app
                            .installation(InstallationId(id))
                            .map_err(github::error)?,
                    );
                    clients.insert(id, c.clone());
                    c
                }
            }
        };
        kept.installation_token().await.map_err(github::error)?;
        // A clone carries the token just checked; it renews its own copy when that expires.
        Ok((*kept).clone())
    }

    /// Notes what a call made with installation `id`'s token met: a rate limit marks the
    /// installation spent until the wait it asked for has passed (a minute when it named
    /// none, as GitHub's secondary limits clear within that).
    pub fn observe<T>(&self, id: u64, result: &Result<T, TrackerError>, now: DateTime<Utc>) {
        if let Err(TrackerError::RateLimited { wait, .. }) = result {
            let wait = wait.unwrap_or(Duration::from_secs(60));
            self.spend(
                id,
                now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1)),
            );
        }
    }

    /// Notes the rate limit an answer to installation `id`'s token told of: with no request
    /// left, the installation is spent until the reset, so that its next job is put off
    /// before it sends anything (not even a request to be refused).
    pub fn observe_budget(&self, id: u64, budget: Budget, now: DateTime<Utc>) {
        if budget.remaining == 0 && budget.reset > now {
            self.spend(id, budget.reset);
        }
    }

    /// Installation `id` is spent until `until`, or later if it already was.
    fn spend(&self, id: u64, until: DateTime<Utc>) {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let kept = spent.entry(id).or_insert(until);
        *kept = (*kept).max(until);
    }

    /// When `repo` (`owner/name`) belongs to a known installation whose rate limit is spent
    /// after `now`: that installation and the time its limit resets. Asks GitHub nothing.
    pub fn spent_until(&self, repo: &str, now: DateTime<Utc>) -> Option<(u64, DateTime<Utc>)> {
        let id = *self.known().repos.get(&repo.to_lowercase())?;
        let spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        spent
            .get(&id)
            .filter(|until| **until > now)
            .map(|until| (id, *until))
    }

    /// `repo`'s issues, files and pull requests, as the installation that covers it, and that
    /// installation's id.
    pub async fn installation_github(&self, repo: &str) -> Result<(u64, GitHub), TrackerError> {
        let id = self.installation_of(repo).await?;
        Ok((id, self.github_as(id, repo).await?))
    }

    /// `repo`'s issues, files and pull requests, as the installation that covers it.
    pub async fn github(&self, repo: &str) -> Result<GitHub, TrackerError> {
        self.installation_github(repo).await.map(|(_, gh)| gh)
    }

    /// `repo` through installation `id`'s token.
    async fn github_as(&self, id: u64, repo: &str) -> Result<GitHub, TrackerError> {
        let crab = self.client(id).await?;
        GitHub::with_client(crab, &self.api_url, repo).map_err(|e| TrackerError::Rejected {
            status: 0,
            message: e.to_string(),
        })
    }
}

/// A forge acting as one installation of the App: every call's outcome is shown to
/// [`GitHubApp::observe`], and the rate limit its answers told of to
/// [`GitHubApp::observe_budget`], so that a rate limit one job meets or spends puts off the
/// installation's other jobs before they send anything.
pub struct Watched<'a, F> {
    inner: &'a F,
    app: &'a GitHubApp,
    installation: u64,
}

impl<'a, F> Watched<'a, F> {
    /// `inner`, which acts with installation `installation`'s token, watched for `app`.
    pub fn new(inner: &'a F, app: &'a GitHubApp, installation: u64) -> Self {
        Watched {
            inner,
            app,
            installation,
        }
    }
}

/// `$e` with `$f` bound to the wrapped forge; a call's result is observed (see
/// [`super::forward_forge`]).
macro_rules! watched {
    ($self:ident, plain, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        $e
    }};
    ($self:ident, $class:ident $(($($arg:tt)*))?, $f:ident => $e:expr) => {{
        let $f = $self.inner;
        let r = $e;
        let now = Utc::now();
        $self.app.observe($self.installation, &r, now);
        if let Some(budget) = super::Tracker::budget($self.inner) {
            $self.app.observe_budget($self.installation, budget, now);
        }
        r
    }};
}

super::forward_forge!([F: super::Tracker + super::browse::Browse] Watched<'_, F>, watched);

/// The Projects' GraphQL calls spend the same installation's limit: watched like the rest.
impl<F: super::projects::GraphQl + super::Tracker> super::projects::GraphQl for Watched<'_, F> {
    async fn graphql(
        &self,
        body: &serde_json::Value,
        write: bool,
    ) -> Result<super::projects::Response, TrackerError> {
        watched!(self, read, f => f.graphql(body, write).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    /// An App that has learnt of `acme/svc` (installation 1) and `globex/api` (2), and has
    /// sent nothing.
    fn learnt_app() -> GitHubApp {
        let app = GitHubApp {
            api_url: "http://127.0.0.1:1".into(),
            timeout: Duration::from_secs(1),
            app_id: 12,
            app: github::client("http://127.0.0.1:1", None, Duration::from_secs(1)).unwrap(),
            clients: Mutex::new(HashMap::new()),
            known: Mutex::new(Known::default()),
            spent: Mutex::new(HashMap::new()),
        };
        app.learn(1, &["acme/svc".into()], &[]);
        app.learn(2, &["globex/api".into()], &[]);
        app
    }

    #[tokio::test]
    async fn a_rate_limit_spends_only_its_own_installation_until_its_reset() {
        let app = learnt_app();
        let now = chrono::DateTime::from_timestamp(1_000, 0).unwrap();
        let limited = |secs: Option<u64>| {
            Err::<(), _>(TrackerError::RateLimited {
                wait: secs.map(Duration::from_secs),
                message: "API rate limit exceeded".into(),
            })
        };
        // Answers that are not rate limits teach nothing.
        app.observe(1, &Ok(()), now);
        app.observe(1, &Err::<(), _>(TrackerError::Forbidden("no".into())), now);
        assert_eq!(app.spent_until("acme/svc", now), None);

        app.observe(1, &limited(Some(30)), now);
        let reset = now + TimeDelta::seconds(30);
        assert_eq!(app.spent_until("ACME/svc", now), Some((1, reset)));
        assert_eq!(app.spent_until("globex/api", now), None, "its own budget");
        assert_eq!(app.spent_until("acme/unknown", now), None);
        // A shorter wait met meanwhile keeps the later reset; after it, nothing is spent.
        app.observe(1, &limited(Some(5)), now);
        assert_eq!(app.spent_until("acme/svc", now), Some((1, reset)));
        assert_eq!(app.spent_until("acme/svc", reset), None);
        // A limit that names no wait (a secondary limit without retry-after): a minute.
        app.observe(2, &limited(None), now);
        assert_eq!(
            app.spent_until("globex/api", now),
            Some((2, now + TimeDelta::seconds(60)))
        );
    }

    #[tokio::test]
    async fn an_answer_with_no_request_left_spends_its_installation_until_the_reset() {
        let app = learnt_app();
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let reset = now + TimeDelta::seconds(90);
        let told = |remaining| Budget { remaining, reset };
        // Requests left, or a reset already past: nothing is spent.
        app.observe_budget(1, told(1), now);
        app.observe_budget(1, told(0), reset);
        assert_eq!(app.spent_until("acme/svc", now), None);
        app.observe_budget(1, told(0), now);
        assert_eq!(app.spent_until("acme/svc", now), Some((1, reset)));
        assert_eq!(app.spent_until("globex/api", now), None);
        assert_eq!(app.spent_until("acme/svc", reset), None);
    }

    #[test]
    fn no_app_without_its_variables() {
        assert!(AppCredentials::from_env(env(&[])).unwrap().is_none());
    }

    #[test]
    fn bad_settings_name_the_variable_never_the_key() {
        let secret_text = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END RSA PRIVATE KEY-----\n";
        for (vars, names) in [
            (vec![(APP_ID_VAR, "12")], APP_ID_VAR),
            (vec![(KEY_VAR, secret_text)], APP_ID_VAR),
            (vec![(APP_ID_VAR, "12"), (KEY_VAR, secret_text)], KEY_VAR),
            (
                vec![(APP_ID_VAR, "twelve"), (KEY_VAR, secret_text)],
                APP_ID_VAR,
            ),
            (
                vec![(APP_ID_VAR, "12"), (KEY_VAR, "not a key at all")],
                KEY_VAR,
            ),
            (
                vec![
                    (APP_ID_VAR, "12"),
                    (KEY_VAR, secret_text),
                    (KEY_PATH_VAR, "/k"),
                ],
                KEY_PATH_VAR,
            ),
            (
                vec![(APP_ID_VAR, "12"), (KEY_PATH_VAR, "/no/such/key.pem")],
                "/no/such/key.pem",
            ),
        ] {
            let e = AppCredentials::from_env(env(&vars)).unwrap_err();
            assert!(e.contains(names), "{vars:?}: {e}");
            assert!(!e.contains("c2VjcmV0"), "{e}");
        }
    }
}
