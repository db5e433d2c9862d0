//! Webhook deliveries, pure: authenticate a GitHub or GitLab delivery and turn it into what the
//! service should do about it. No I/O, no clock: the HTTP layer hands in headers and body.
//!
//! Level-triggered: a delivery never carries work itself, it only *marks* a repository (and
//! why) for reconciliation; the worker then reads the repository's current state.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The forge a delivery came from.
pub use crate::forge::ForgeKind as Forge;

/// Why a repository needs reconciling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The default branch moved: postmortems may have new or changed action items.
    Sync,
    /// An issue changed on the tracker: the status written back may be stale.
    Followup,
}

impl Reason {
    /// The stable name stored in the database and shown in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Sync => "sync",
            Reason::Followup => "followup",
        }
    }

    /// The inverse of [`Reason::as_str`].
    pub fn parse(s: &str) -> Option<Reason> {
        match s {
            "sync" => Some(Reason::Sync),
            "followup" => Some(Reason::Followup),
            _ => None,
        }
    }
}

/// A repository marked for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mark {
    /// Where the repository lives.
    pub forge: Forge,
    /// `owner/name` (GitHub) or `group/project` (GitLab), lower-cased: both forges treat these
    /// paths case-insensitively, and one repository must have one queue key.
    pub repo: String,
    /// What to do.
    pub reason: Reason,
}

/// What a delivery asks of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// GitHub's `ping` on hook creation: answer, queue nothing.
    Pong,
    /// Reconcile this repository.
    Mark(Mark),
    /// Authentic, but nothing to do (a tag push, a pull request, a comment); the text says why.
    Ignore(String),
    /// A GitHub App was installed, uninstalled, suspended, or given or refused repositories
    /// (`installation`, `installation_repositories`): what the service acts on changed.
    Installation(InstallationChange),
}

/// How a GitHub App installation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationChange {
    /// The installation.
    pub id: u64,
    /// Repositories it now covers (`owner/name`, lower-case).
    pub added: Vec<String>,
    /// Repositories it no longer covers.
    pub removed: Vec<String>,
    /// The App was uninstalled or suspended there: none of its repositories are acted on.
    pub gone: bool,
}

/// An authenticated delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The forge's delivery id (`X-GitHub-Delivery`, `X-Gitlab-Event-UUID`): a redelivery
    /// carries the same id, so it is the deduplication key.
    pub id: String,
    /// The event name as the forge sent it (`push`, `Push Hook`), for logs and metrics.
    pub event: String,
    /// What to do.
    pub action: Action,
    /// The GitHub App installation the delivery came through (`installation.id`): its
    /// repository's jobs use that installation's token.
    pub installation: Option<u64>,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature or token header: HTTP 401.
    #[error("missing {0} header")]
    MissingCredential(&'static str),
    /// A signature or token that does not match the configured secret: HTTP 401.
    #[error("{0} does not match the configured secret")]
    BadCredential(&'static str),
    /// No secret is configured for this forge, so no delivery can be trusted: HTTP 401.
    #[error("no webhook secret is configured for {0}")]
    NoSecret(&'static str),
    /// A required header other than the credential is absent: HTTP 400.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// The body is not the JSON the event promises: HTTP 400.
    #[error("bad {event} payload: {message}")]
    BadPayload {
        /// The event name.
        event: String,
        /// What was wrong.
        message: String,
    },
}

impl WebhookError {
    /// True for the errors that mean "not authenticated" (HTTP 401) rather than "malformed".
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingCredential(_)
                | WebhookError::BadCredential(_)
                | WebhookError::NoSecret(_)
        )
    }
}

const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
const GITHUB_EVENT: &str = "x-github-event";
const GITHUB_DELIVERY: &str = "x-github-delivery";
const GITLAB_TOKEN: &str = "x-gitlab-token";
const GITLAB_EVENT: &str = "x-gitlab-event";
const GITLAB_EVENT_UUID: &str = "x-gitlab-event-uuid";
const GITLAB_IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The value of `X-Hub-Signature-256` GitHub sends for `body` signed with `secret`.
pub fn github_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `X-Hub-Signature-256` (`sha256=<hex HMAC-SHA256 of the body>`) in constant time.
pub fn verify_github_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::NoSecret("GitHub"));
    }
    let header = header.ok_or(WebhookError::MissingCredential("X-Hub-Signature-256"))?;
    let bad = WebhookError::BadCredential("X-Hub-Signature-256");
    let hex_part = header.trim().strip_prefix("sha256=").ok_or(bad.clone())?;
    let given = hex::decode(hex_part).map_err(|_| bad.clone())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&given).map_err(|_| bad)
}

/// Checks `X-Gitlab-Token` against the secret in constant time. GitLab sends the secret itself;
/// both sides are hashed first so that not even the secret's length leaks through timing.
pub fn verify_gitlab_token(secret: &[u8], header: Option<&str>) -> Result<(), WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::NoSecret("GitLab"));
    }
    let header = header.ok_or(WebhookError::MissingCredential("X-Gitlab-Token"))?;
    let want = Sha256::digest(secret);
    let got = Sha256::digest(header.as_bytes());
    if bool::from(want.ct_eq(&got)) {
        Ok(())
    } else {
        Err(WebhookError::BadCredential("X-Gitlab-Token"))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Authenticates a GitHub delivery, then reads what it asks for. The signature is checked
/// before anything else is read, so an unauthenticated body is never parsed.
pub fn github(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
    verify_github_signature(secret, header(headers, GITHUB_SIGNATURE), body)?;
    let id = header(headers, GITHUB_DELIVERY)
        .ok_or(WebhookError::MissingHeader("X-GitHub-Delivery"))?
        .to_string();
    let event = header(headers, GITHUB_EVENT)
        .ok_or(WebhookError::MissingHeader("X-GitHub-Event"))?
        .to_string();
    let action = github_action(&event, body)?;
    // Read only when the event parsed: a malformed body was refused above.
    let installation = serde_json::from_slice::<InstallationOnly>(body)
        .ok()
        .and_then(|p| p.installation)
        .map(|i| i.id);
    Ok(Delivery {
        id,
        event,
        action,
        installation,
    })
}

#[derive(Deserialize)]
struct GithubRepository {
    full_name: String,
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct GithubPayload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    #[serde(default)]
    deleted: bool,
    repository: Option<GithubRepository>,
}

#[derive(Deserialize)]
struct InstallationRef {
    id: u64,
}

#[derive(Deserialize)]
struct InstallationOnly {
    installation: Option<InstallationRef>,
}

#[derive(Deserialize)]
struct FullName {
    full_name: String,
}

#[derive(Deserialize)]
struct InstallationPayload {
    action: String,
    installation: InstallationRef,
    #[serde(default)]
    repositories: Option<Vec<FullName>>,
    #[serde(default)]
    repositories_added: Vec<FullName>,
    #[serde(default)]
    repositories_removed: Vec<FullName>,
}

/// What an `installation` or `installation_repositories` event changes.
fn installation_action(event: &str, body: &[u8]) -> Result<Action, WebhookError> {
    let p: InstallationPayload =
        serde_json::from_slice(body).map_err(|e| bad_payload(event, e.to_string()))?;
    let names = |v: Vec<FullName>| -> Vec<String> {
        v.into_iter().map(|r| r.full_name.to_lowercase()).collect()
    };
    let mut change = InstallationChange {
        id: p.installation.id,
        added: Vec::new(),
        removed: Vec::new(),
        gone: false,
    };
    match (event, p.action.as_str()) {
        ("installation", "deleted" | "suspend") => change.gone = true,
        ("installation", "created" | "unsuspend" | "new_permissions_accepted") => {
            change.added = names(p.repositories.unwrap_or_default());
        }
        ("installation_repositories", "added" | "removed") => {
            change.added = names(p.repositories_added);
            change.removed = names(p.repositories_removed);
        }
        (_, other) => {
            return Ok(Action::Ignore(format!(
                "{event} {other}: nothing the service acts on changed"
            )))
        }
    }
    Ok(Action::Installation(change))
}

fn bad_payload(event: &str, message: impl Into<String>) -> WebhookError {
    WebhookError::BadPayload {
        event: event.to_string(),
        message: message.into(),
    }
}

/// What a GitHub event (the `X-GitHub-Event` value) with this body asks for.
pub fn github_action(event: &str, body: &[u8]) -> Result<Action, WebhookError> {
    if event == "ping" {
        return Ok(Action::Pong);
    }
    if matches!(event, "installation" | "installation_repositories") {
        return installation_action(event, body);
    }
    if !matches!(event, "push" | "issues") {
        return Ok(Action::Ignore(format!("{event} events are not used")));
    }
    let payload: GithubPayload =
        serde_json::from_slice(body).map_err(|e| bad_payload(event, e.to_string()))?;
    let repository = payload
        .repository
        .ok_or_else(|| bad_payload(event, "no `repository`"))?;
    let repo = repository.full_name.to_lowercase();
    match event {
        "push" => {
            let git_ref = payload
                .git_ref
                .ok_or_else(|| bad_payload(event, "no `ref`"))?;
            let branch = repository
                .default_branch
                .ok_or_else(|| bad_payload(event, "no `repository.default_branch`"))?;
            push_action(Forge::Github, repo, &git_ref, &branch, payload.deleted)
        }
        _ => Ok(Action::Mark(Mark {
            forge: Forge::Github,
            repo,
            reason: Reason::Followup,
        })),
    }
}

fn push_action(
    forge: Forge,
    repo: String,
    git_ref: &str,
    default_branch: &str,
    deleted: bool,
) -> Result<Action, WebhookError> {
    if git_ref != format!("refs/heads/{default_branch}") {
        return Ok(Action::Ignore(format!(
            "push to {git_ref}, not to the default branch {default_branch}"
        )));
    }
    if deleted {
        return Ok(Action::Ignore(format!("{git_ref} was deleted")));
    }
    Ok(Action::Mark(Mark {
        forge,
        repo,
        reason: Reason::Sync,
    }))
}

/// Authenticates a GitLab delivery, then reads what it asks for. The delivery id is
/// `X-Gitlab-Event-UUID`, else `Idempotency-Key`; GitLab versions that send neither get the
/// SHA-256 of the body, so an identical redelivery is still recognised.
pub fn gitlab(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
    verify_gitlab_token(secret, header(headers, GITLAB_TOKEN))?;
    let event = header(headers, GITLAB_EVENT)
        .ok_or(WebhookError::MissingHeader("X-Gitlab-Event"))?
        .to_string();
    let id = header(headers, GITLAB_EVENT_UUID)
        .or_else(|| header(headers, GITLAB_IDEMPOTENCY_KEY))
        .map(str::to_string)
        .unwrap_or_else(|| format!("body-sha256:{}", hex::encode(Sha256::digest(body))));
    let action = gitlab_action(&event, body)?;
    Ok(Delivery {
        id,
        event,
        action,
        installation: None,
    })
}

#[derive(Deserialize)]
struct GitlabProject {
    path_with_namespace: String,
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct GitlabPayload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    after: Option<String>,
    project: Option<GitlabProject>,
}

/// What a GitLab event (the `X-Gitlab-Event` value) with this body asks for.
pub fn gitlab_action(event: &str, body: &[u8]) -> Result<Action, WebhookError> {
    let followup = match event {
        "Push Hook" => false,
        "Issue Hook" | "Confidential Issue Hook" => true,
        _ => return Ok(Action::Ignore(format!("{event} events are not used"))),
    };
    let payload: GitlabPayload =
        serde_json::from_slice(body).map_err(|e| bad_payload(event, e.to_string()))?;
    let project = payload
        .project
        .ok_or_else(|| bad_payload(event, "no `project`"))?;
    let repo = project.path_with_namespace.to_lowercase();
    if followup {
        return Ok(Action::Mark(Mark {
            forge: Forge::Gitlab,
            repo,
            reason: Reason::Followup,
        }));
    }
    let git_ref = payload
        .git_ref
        .ok_or_else(|| bad_payload(event, "no `ref`"))?;
    let branch = project
        .default_branch
        .ok_or_else(|| bad_payload(event, "no `project.default_branch`"))?;
    // GitLab marks a deleted branch by an all-zero `after`.
    let deleted = payload
        .after
        .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b == b'0'));
    push_action(Forge::Gitlab, repo, &git_ref, &branch, deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const SECRET: &[u8] = b"It's a Secret to Everybody";

    fn fixture(path: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/webhooks")
            .join(path);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn github_headers(event: &str, delivery: &str, signature: Option<String>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("X-GitHub-Event", event.parse().unwrap());
        h.insert("X-GitHub-Delivery", delivery.parse().unwrap());
        if let Some(s) = signature {
            h.insert("X-Hub-Signature-256", s.parse().unwrap());
        }
        h
    }

    /// A gitlab-bot capture: its recorded headers, and its body as bytes.
    fn gitlab_capture(name: &str) -> (HeaderMap, Vec<u8>) {
        let v: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
        let mut h = HeaderMap::new();
        for (k, val) in v["headers"].as_object().unwrap() {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                val.as_str().unwrap().parse().unwrap(),
            );
        }
        (h, serde_json::to_vec(&v["body"]).unwrap())
    }

    #[test]
    fn github_app_installation_events() {
        let body = fixture("github/installation_repositories.added.payload.json");
        let h = github_headers(
            "installation_repositories",
            "d-i1",
            Some(github_signature(SECRET, &body)),
        );
        let d = github(SECRET, &h, &body).unwrap();
        assert_eq!(d.installation, Some(957387));
        assert_eq!(
            d.action,
            Action::Installation(InstallationChange {
                id: 957387,
                added: vec!["codertocat/space".into()],
                removed: vec![],
                gone: false,
            })
        );
        let body = fixture("github/installation.created.payload.json");
        let h = github_headers(
            "installation",
            "d-i2",
            Some(github_signature(SECRET, &body)),
        );
        let Action::Installation(c) = github(SECRET, &h, &body).unwrap().action else {
            panic!("an installation change");
        };
        assert_eq!(c.added, vec!["codertocat/hello-world".to_string()]);
        // Uninstalled: every repository of it goes.
        let deleted = String::from_utf8(body)
            .unwrap()
            .replacen("\"created\"", "\"deleted\"", 1);
        let Action::Installation(c) = github_action("installation", deleted.as_bytes()).unwrap()
        else {
            panic!("an installation change");
        };
        assert!(c.gone);
        // A push through an App carries its installation; one sent to a plain webhook none.
        let plain = fixture("github/push.payload.json");
        let h = github_headers("push", "d-p", Some(github_signature(SECRET, &plain)));
        assert_eq!(github(SECRET, &h, &plain).unwrap().installation, None);
        let via_app = fixture("github/push.with-new-branch.payload.json");
        let h = github_headers("push", "d-q", Some(github_signature(SECRET, &via_app)));
        assert_eq!(github(SECRET, &h, &via_app).unwrap().installation, Some(1));
    }

    #[test]
    fn github_documented_example_signature() {
        // The example from GitHub's "Validating webhook deliveries" documentation.
        let sig = github_signature(SECRET, b"Hello, World!");
        assert_eq!(
            sig,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        verify_github_signature(SECRET, Some(&sig), b"Hello, World!").unwrap();
    }

    #[test]
    fn github_signature_refusals() {
        let body = fixture("github/push.with-new-branch.payload.json");
        let good = github_signature(SECRET, &body);
        assert!(verify_github_signature(SECRET, Some(&good), &body).is_ok());
        assert_eq!(
            verify_github_signature(SECRET, None, &body),
            Err(WebhookError::MissingCredential("X-Hub-Signature-256"))
        );
        // Signed with another secret, a body changed by one byte, the SHA-1 header's format,
        // a truncated signature, not hex at all, and no secret configured.
        let other = github_signature(b"another secret", &body);
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        let sha1_style = good.replacen("sha256=", "sha1=", 1);
        let truncated = good[..good.len() - 2].to_string();
        for (sig, b) in [
            (other.as_str(), &body),
            (good.as_str(), &tampered),
            (sha1_style.as_str(), &body),
            (truncated.as_str(), &body),
            ("sha256=zz", &body),
            ("", &body),
        ] {
            let err = verify_github_signature(SECRET, Some(sig), b).unwrap_err();
            assert!(err.is_auth(), "{sig}: {err}");
        }
        assert_eq!(
            verify_github_signature(b"", Some(&good), &body),
            Err(WebhookError::NoSecret("GitHub"))
        );
    }

    #[test]
    fn github_push_to_default_branch_marks_sync() {
        let body = fixture("github/push.with-new-branch.payload.json");
        let h = github_headers("push", "d-1", Some(github_signature(SECRET, &body)));
        let d = github(SECRET, &h, &body).unwrap();
        assert_eq!(d.id, "d-1");
        assert_eq!(d.event, "push");
        assert_eq!(
            d.action,
            Action::Mark(Mark {
                forge: Forge::Github,
                repo: "codertocat/hello-world".into(),
                reason: Reason::Sync,
            })
        );
    }

    #[test]
    fn github_tag_pushes_are_ignored() {
        // A deleted tag (octokit) and a created tag (octocrab).
        for name in [
            "github/push.payload.json",
            "github/octocrab.push_webhook_event.json",
        ] {
            let a = github_action("push", &fixture(name)).unwrap();
            assert!(
                matches!(&a, Action::Ignore(why) if why.contains("refs/tags/")),
                "{name}: {a:?}"
            );
        }
    }

    #[test]
    fn github_issue_events_mark_followup() {
        for name in [
            "github/issues.opened.payload.json",
            "github/issues.reopened.payload.json",
        ] {
            assert_eq!(
                github_action("issues", &fixture(name)).unwrap(),
                Action::Mark(Mark {
                    forge: Forge::Github,
                    repo: "codertocat/hello-world".into(),
                    reason: Reason::Followup,
                }),
                "{name}"
            );
        }
    }

    #[test]
    fn github_ping_pull_request_and_comment() {
        assert_eq!(
            github_action("ping", &fixture("github/ping.payload.json")).unwrap(),
            Action::Pong
        );
        for (event, name) in [
            ("pull_request", "github/pull_request.opened.payload.json"),
            ("issue_comment", "github/issue_comment.created.payload.json"),
        ] {
            assert!(matches!(
                github_action(event, &fixture(name)).unwrap(),
                Action::Ignore(_)
            ));
        }
    }

    #[test]
    fn github_missing_headers_and_bad_json() {
        let body = fixture("github/issues.opened.payload.json");
        let sig = github_signature(SECRET, &body);
        let mut h = github_headers("issues", "d-2", Some(sig.clone()));
        h.remove("X-GitHub-Delivery");
        assert_eq!(
            github(SECRET, &h, &body),
            Err(WebhookError::MissingHeader("X-GitHub-Delivery"))
        );
        let mut h = github_headers("issues", "d-2", Some(sig));
        h.remove("X-GitHub-Event");
        assert_eq!(
            github(SECRET, &h, &body),
            Err(WebhookError::MissingHeader("X-GitHub-Event"))
        );
        let junk = b"{\"repository\": 3}";
        let h = github_headers("issues", "d-3", Some(github_signature(SECRET, junk)));
        let err = github(SECRET, &h, junk).unwrap_err();
        assert!(!err.is_auth());
        assert!(err.to_string().starts_with("bad issues payload"), "{err}");
    }

    #[test]
    fn github_forged_delivery_is_not_parsed() {
        // Unauthenticated junk must come back as an auth error, not a parse error.
        let h = github_headers("push", "d-4", Some(github_signature(b"wrong", b"not json")));
        assert!(github(SECRET, &h, b"not json").unwrap_err().is_auth());
    }

    #[test]
    fn gitlab_token_checks() {
        assert!(verify_gitlab_token(b"s3cret", Some("s3cret")).is_ok());
        assert_eq!(
            verify_gitlab_token(b"s3cret", None),
            Err(WebhookError::MissingCredential("X-Gitlab-Token"))
        );
        for wrong in ["s3cre", "s3cret ", "S3CRET", ""] {
            assert_eq!(
                verify_gitlab_token(b"s3cret", Some(wrong)),
                Err(WebhookError::BadCredential("X-Gitlab-Token")),
                "{wrong:?}"
            );
        }
        assert_eq!(
            verify_gitlab_token(b"", Some("")),
            Err(WebhookError::NoSecret("GitLab"))
        );
    }

    #[test]
    fn gitlab_captures() {
        let cases = [
            (
                "gitlab-bot.push-event.json",
                Some(("mike/diaspora", Reason::Sync)),
            ),
            (
                "gitlab-bot.issue-event.json",
                Some(("gitlabhq/gitlab-test", Reason::Followup)),
            ),
            ("gitlab-bot.merge-request-event.json", None),
            ("gitlab-bot.comment-event.json", None),
        ];
        for (name, want) in cases {
            let (mut h, body) = gitlab_capture(&format!("gitlab/{name}"));
            h.insert("X-Gitlab-Token", "tok".parse().unwrap());
            let d = gitlab(b"tok", &h, &body).unwrap();
            assert_eq!(d.id, "0f490e30-2db8-4091-91a1-52fe67960342", "{name}");
            match want {
                Some((repo, reason)) => assert_eq!(
                    d.action,
                    Action::Mark(Mark {
                        forge: Forge::Gitlab,
                        repo: repo.into(),
                        reason
                    }),
                    "{name}"
                ),
                None => assert!(matches!(d.action, Action::Ignore(_)), "{name}"),
            }
        }
    }

    #[test]
    fn gitlab_push_elsewhere_and_tags_are_ignored() {
        let a = gitlab_action("Push Hook", &fixture("gitlab/woodpecker.HookPush.json")).unwrap();
        assert!(
            matches!(&a, Action::Ignore(why) if why.contains("default branch develop")),
            "{a:?}"
        );
        let a = gitlab_action("Tag Push Hook", &fixture("gitlab/go-gitlab.tag_push.json")).unwrap();
        assert!(matches!(a, Action::Ignore(_)));
    }

    #[test]
    fn gitlab_delivery_id_fallbacks() {
        let (mut h, body) = gitlab_capture("gitlab/gitlab-bot.push-event.json");
        h.insert("X-Gitlab-Token", "tok".parse().unwrap());
        h.remove("X-Gitlab-Event-UUID");
        assert_eq!(
            gitlab(b"tok", &h, &body).unwrap().id,
            "9db5a20d-3bbb-416d-a265-c095052a9348"
        );
        h.remove("Idempotency-Key");
        let id = gitlab(b"tok", &h, &body).unwrap().id;
        assert!(id.starts_with("body-sha256:"), "{id}");
        assert_eq!(gitlab(b"tok", &h, &body).unwrap().id, id);
    }

    #[test]
    fn gitlab_wrong_token_is_refused_before_parsing() {
        let (mut h, _) = gitlab_capture("gitlab/gitlab-bot.push-event.json");
        h.insert("X-Gitlab-Token", "guess".parse().unwrap());
        assert!(gitlab(b"tok", &h, b"not json").unwrap_err().is_auth());
    }

    #[test]
    fn gitlab_deleted_default_branch_is_ignored() {
        let body = br#"{"object_kind":"push","ref":"refs/heads/main",
            "after":"0000000000000000000000000000000000000000",
            "project":{"path_with_namespace":"g/p","default_branch":"main"}}"#;
        assert!(matches!(
            gitlab_action("Push Hook", body).unwrap(),
            Action::Ignore(_)
        ));
    }
}
