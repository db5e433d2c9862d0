//! One place that connects a forge client from resolved options: [`Client`] is GitHub or
//! GitLab behind the same traits ([`Tracker`], [`Publisher`], [`Browse`]), so callers write
//! their job once instead of once per forge.

use std::time::Duration;

use super::github::GitHub;
use super::gitlab::GitLab;
use super::{ForgeKind, SetupError, TrackerError};

/// Where to talk, resolved from flags, configuration and environment (in that order).
#[derive(Clone, PartialEq, Eq)]
pub struct Remote {
    /// The forge; `None` when no tracker is configured (plan from the files alone).
    pub kind: Option<ForgeKind>,
    pub repo: String,
    pub api_url: String,
    /// The token, when the environment has one. Never printed.
    pub token: Option<String>,
    /// A GitHub App's credentials, when the environment has them: the repository is then
    /// reached through the App's installation on it, never with `token`.
    pub app: Option<super::app::AppCredentials>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("kind", &self.kind)
            .field("repo", &self.repo)
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("app", &self.app.as_ref().map(|a| a.app_id))
            .finish()
    }
}

impl Remote {
    /// The forge whose conventions apply: the configured one, else GitHub's (the default
    /// API root and the token variable named in messages when no tracker is configured).
    pub fn forge_or_default(&self) -> ForgeKind {
        self.kind.unwrap_or(ForgeKind::Github)
    }

    /// Whether the environment has a token or a GitHub App to act with.
    pub fn has_credentials(&self) -> bool {
        self.token.is_some() || self.app.is_some()
    }

    /// The environment variable the token comes from.
    pub fn token_var(&self) -> &'static str {
        self.forge_or_default().token_var()
    }

    /// The forge's name for people: `GitHub`, `GitLab`.
    pub fn forge(&self) -> &'static str {
        self.forge_or_default().name()
    }

    /// The credential the calls carry, as messages name it.
    pub fn credential(&self) -> Credential {
        Credential::of(self.forge_or_default(), self.app.as_ref().map(|a| a.app_id))
    }
}

/// The credential a forge's calls carry, as messages name it (the CLI's and the service's
/// alike): the forge's token variable, or a GitHub App's installation token. Never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Who was refused: `GITHUB_TOKEN`, `the GitHub App (GITHUB_APP_ID = 4242)`.
    pub who: String,
    /// What to do about a 401.
    pub fix: String,
    /// The access it needs, for a 403.
    pub scope: &'static str,
    /// Why a repository may look missing to it.
    pub visibility: &'static str,
}

impl Credential {
    const GITHUB_SCOPE: &'static str = "a token with `issues: write` on the repository, and `contents: write` where links and status blocks are committed (in GitHub Actions: `permissions: issues: write, contents: write`)";
    const GITLAB_SCOPE: &'static str = "a project or personal access token with the `api` scope and at least the Reporter role (Developer to assign)";
    const HIDDEN: &'static str = "a private repository looks missing to a token without access";

    /// `kind`'s token, or, with `app_id` on GitHub, that App's installation token.
    pub fn of(kind: ForgeKind, app_id: Option<u64>) -> Credential {
        use super::app::{APP_ID_VAR, KEY_PATH_VAR, KEY_VAR};
        let var = kind.token_var();
        let (scope, app_id) = match kind {
            ForgeKind::Github => (Self::GITHUB_SCOPE, app_id),
            ForgeKind::Gitlab => (Self::GITLAB_SCOPE, None),
        };
        match app_id {
            Some(id) => Credential {
                who: format!("the GitHub App ({APP_ID_VAR} = {id})"),
                fix: format!(
                    "check {APP_ID_VAR} and the App's private key ({KEY_VAR} or {KEY_PATH_VAR}), and that the App is still installed on the repository"
                ),
                scope: "the repository permissions Issues: read and write and Contents: read and write (Pull requests: read and write for pull-request mode) in the App's settings, accepted on its installation",
                visibility: "the App must be installed on it, with access to that repository",
            },
            None => Credential {
                who: var.to_string(),
                fix: format!("set {var} to {scope}"),
                scope,
                visibility: Self::HIDDEN,
            },
        }
    }
}

/// A connected forge.
pub enum Client {
    GitHub(GitHub),
    GitLab(GitLab),
}

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The options cannot name a client (a malformed `owner/name`, no tracker, no token).
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The forge refused (GitLab checks the token on connecting).
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl Client {
    /// Connects to the forge `remote` names, with `timeout` per request. GitHub works without
    /// a token (public repositories, read only); GitLab needs one.
    pub async fn connect(remote: &Remote, timeout: Duration) -> Result<Client, ConnectError> {
        match (remote.kind, remote.token.as_deref()) {
            (Some(ForgeKind::Github), _) if remote.app.is_some() => {
                let credentials = remote.app.as_ref().expect("checked by the guard");
                let app = super::app::GitHubApp::connect(&remote.api_url, credentials, timeout)
                    .await
                    .map_err(|m| ConnectError::Setup(SetupError::App(m)))?;
                Ok(Client::GitHub(app.github(&remote.repo).await?))
            }
            (Some(ForgeKind::Github), token) => {
                GitHub::new(&remote.api_url, &remote.repo, token, timeout)
                    .map(Client::GitHub)
                    .map_err(ConnectError::Setup)
            }
            (Some(ForgeKind::Gitlab), Some(token)) => Ok(Client::GitLab(
                GitLab::connect_with_timeout(&remote.api_url, &remote.repo, token, timeout).await?,
            )),
            (Some(ForgeKind::Gitlab), None) => {
                Err(SetupError::NoToken(ForgeKind::Gitlab.token_var()).into())
            }
            (None, _) => Err(SetupError::NoTracker.into()),
        }
    }
}

/// `$body` with `$c` bound to the inner client, whichever forge it is (every class of call
/// alike; see [`super::forward_forge`]).
macro_rules! each {
    ($self:ident, $class:ident $(($($arg:tt)*))?, $c:ident => $body:expr) => {
        match $self {
            Client::GitHub($c) => $body,
            Client::GitLab($c) => $body,
        }
    };
}

super::forward_forge!([] Client, each);
