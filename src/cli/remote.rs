//! What `plan`, `sync`, `followup` and `ci` share: which tracker, where, with which token, and the one clear
//! message per failure that says what to fix. Tokens come from the environment only and are
//! never printed.

use std::collections::HashMap;

use chrono::NaiveDate;

use anyhow::Context as _;

use crate::config::Config;
use crate::forge::client::ConnectError;
use crate::forge::TrackerError;
pub use crate::reconcile::{ForgeKind, Remote};
use crate::reconcile::{Options, Overrides};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// A `--tracker` value: a forge, or `None` for `none`. (A named alias, so that clap reads
/// `Option<Choice>` as an optional flag with a value rather than as a flag whose value is
/// optional.)
pub type Choice = Option<ForgeKind>;

/// The documents and flags shared by `plan`, `sync`, `followup` and `report`.
#[derive(Debug, clap::Args)]
pub struct TrackerArgs {
    /// Postmortem files or folders (default: the configured `paths`).
    pub paths: Vec<std::path::PathBuf>,
    /// The tracker: github, gitlab, or none (plan from the files alone). Default: the
    /// configuration, else detected from the CI environment (GitLab CI, GitHub Actions).
    #[arg(long, value_name = "TRACKER", value_parser = ForgeKind::parse_choice())]
    pub tracker: Option<Choice>,
    /// OWNER/NAME on GitHub; GROUP/PROJECT or a project id on GitLab. Default:
    /// GITHUB_REPOSITORY, CI_PROJECT_PATH or CI_PROJECT_ID.
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,
    /// API root. Default: GITHUB_API_URL (else https://api.github.com) or CI_API_V4_URL.
    /// Plain http://127.0.0.1:PORT works, for self-hosted instances and tests.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The day of the run, for reproducible output: default due dates count from it.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

/// The documents and tracker flags, and how the outcome is printed: `plan` takes these,
/// `followup` these and its own.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    #[command(flatten)]
    pub tracker: TrackerArgs,
    /// Output format: text for people, json for scripts, markdown for a CI job summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

impl TrackerArgs {
    /// The flags as overrides of the configuration and the environment.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            tracker: self.tracker,
            repo: self.repo.clone(),
            api_url: self.api_url.clone(),
            today: self.today,
        }
    }
}

/// The options of a command: `config`, the process environment `env` and the flags, with today's
/// date read once, in the configured time zone.
pub fn options(
    config: Config,
    overrides: &Overrides,
    env: &HashMap<String, String>,
) -> anyhow::Result<Options> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    Ok(Options::resolve(
        config,
        overrides,
        env,
        root,
        chrono::Utc::now(),
    )?)
}

/// One message per failure, saying what to fix. Never includes the token (nor the App's key).
/// As a GitHub App (`remote.app`), the credential named is the App's, not `GITHUB_TOKEN`.
pub fn explain(remote: &Remote, e: &TrackerError) -> String {
    let (forge, repo, url) = (remote.forge(), &remote.repo, &remote.api_url);
    let credential = remote.credential();
    let (who, scope) = (&credential.who, credential.scope);
    match e {
        TrackerError::Unauthorized(m) => format!(
            "{who} was rejected by {forge} at {url} (401 {}): {}",
            m.trim(),
            credential.fix
        ),
        TrackerError::Forbidden(m) => format!(
            "{who} may not do this on {repo} (403 {}): give it {scope}",
            m.trim()
        ),
        TrackerError::NotFound(_) => format!(
            "{forge} repository {repo} was not found at {url} (404): check --repo / {}, and that {who} can see it ({})",
            crate::reconcile::options::repository_var(remote.forge_or_default()),
            credential.visibility
        ),
        TrackerError::RateLimited { message, .. } => format!(
            "{forge} rate limit: {message}; run again later (the sync is safe to repeat)"
        ),
        TrackerError::Transient(m) => format!(
            "{forge} at {url} did not answer reliably ({m}); run again: the sync is safe to repeat and never opens an issue twice"
        ),
        TrackerError::Rejected { status, message } => {
            format!("{forge} refused a request ({status}): {message}")
        }
    }
}

/// Why no client could be made, as one message saying what to fix.
pub fn connect_failed(remote: &Remote, e: ConnectError) -> anyhow::Error {
    match e {
        ConnectError::Setup(e) => anyhow::Error::new(e),
        ConnectError::Tracker(t) => anyhow::anyhow!(explain(remote, &t)),
    }
}

/// The process environment as a map.
pub fn env_map() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// A single-threaded runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
