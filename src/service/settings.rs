//! How the service runs: [`Settings`] (workers, body limit, schedule, watch list, the
//! dashboard template) and the webhook [`Secrets`], which no `Debug` output shows.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::webhook::Forge;
use super::{dashboard, runner};

/// Webhook secrets. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Secrets {
    /// `GITHUB_WEBHOOK_SECRET`: the key of `X-Hub-Signature-256`.
    pub github: Option<String>,
    /// `GITLAB_WEBHOOK_TOKEN`: the expected `X-Gitlab-Token`.
    pub gitlab: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("github", &shown(&self.github))
            .field("gitlab", &shown(&self.gitlab))
            .finish()
    }
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Webhook secrets; a forge without one refuses every delivery (401).
    pub secrets: Secrets,
    /// Repositories to act on (`github:owner/name`, `gitlab:group/project`, lower-case; an
    /// owner's every repository as `owner/*`); empty: every repository whose deliveries
    /// authenticate.
    pub repositories: BTreeSet<(Forge, String)>,
    /// Concurrent workers (repositories reconciled at once).
    pub workers: usize,
    /// Largest accepted body, in bytes; larger: 413.
    pub max_body_bytes: usize,
    /// How often an idle worker looks at the queue even without a wake-up.
    pub poll_interval: Duration,
    /// When to mark every repository (the watched ones; without a watch list, every one with
    /// a past job) for a follow-up; `None`: only webhooks trigger work.
    pub schedule: Option<cron::Schedule>,
    /// At shutdown, how long a running job may go on before it is abandoned (and put back in
    /// the queue).
    pub shutdown_grace: Duration,
    /// How long a claimed job stays claimed without its worker renewing the claim (every third
    /// of it): a replica killed mid-job holds its jobs this long, then another replica runs
    /// them again.
    pub lease: Duration,
    /// The runner's API call counts, shown in `/metrics`.
    pub api_metrics: Arc<runner::ApiMetrics>,
    /// The dashboard's template (the embedded one, or a `templates_dir` override).
    pub dashboard: Arc<dashboard::Dashboard>,
    /// GitHub as an App: deliveries tell it of installations and of which installation a
    /// repository's jobs use.
    pub github_app: Option<Arc<crate::forge::app::GitHubApp>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secrets: Secrets::default(),
            repositories: BTreeSet::new(),
            workers: 4,
            // GitHub caps payloads at 25 MB but a push of a few commits is a few kB; 5 MiB
            // leaves room for large pushes while bounding memory per request.
            max_body_bytes: 5 * 1024 * 1024,
            poll_interval: Duration::from_secs(1),
            schedule: None,
            shutdown_grace: Duration::from_secs(30),
            lease: Duration::from_secs(60),
            api_metrics: Arc::default(),
            dashboard: Arc::new(
                dashboard::Dashboard::new(None).expect("the embedded dashboard template compiles"),
            ),
            github_app: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let s = Secrets {
            github: Some("hunter2-gh".into()),
            gitlab: None,
        };
        let shown = format!(
            "{s:?} {:?}",
            Settings {
                secrets: s.clone(),
                ..Settings::default()
            }
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("<set>") && shown.contains("<unset>"),
            "{shown}"
        );
    }
}
