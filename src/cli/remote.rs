//! What `plan` and `sync` share: which tracker, where, with which token, and the one clear
//! message per failure that says what to fix. Tokens come from the environment only and are
//! never printed.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::config::Config;
use crate::sync::SyncOptions;
use crate::tracker::{github, TrackerError};

/// Which forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Github,
    Gitlab,
    None,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Flags shared by `plan` and `sync`.
#[derive(Debug, clap::Args)]
pub struct TrackerArgs {
    /// The tracker: github, gitlab, or none (plan from the files alone). Default: the
    /// configuration, else detected from the CI environment (GitLab CI, GitHub Actions).
    #[arg(long, value_enum)]
    pub tracker: Option<Kind>,
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

/// Where to talk, resolved from flags, configuration and environment (in that order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub kind: Kind,
    pub repo: String,
    pub api_url: String,
    /// The token, when the environment has one. Never printed.
    pub token: Option<String>,
}

impl Remote {
    /// The environment variable the token comes from.
    pub fn token_var(&self) -> &'static str {
        match self.kind {
            Kind::Gitlab => "GITLAB_TOKEN",
            _ => "GITHUB_TOKEN",
        }
    }

    fn forge(&self) -> &'static str {
        match self.kind {
            Kind::Gitlab => "GitLab",
            _ => "GitHub",
        }
    }
}

/// Resolves the remote. `env` is the process environment (a map, so tests need not touch it).
pub fn resolve(
    args: &TrackerArgs,
    config: &Config,
    env: &HashMap<String, String>,
) -> anyhow::Result<Remote> {
    let var = |k: &str| env.get(k).filter(|v| !v.trim().is_empty()).cloned();
    let kind = match (args.tracker, config.sync.tracker.as_deref()) {
        (Some(k), _) => k,
        (None, Some("github")) => Kind::Github,
        (None, Some("gitlab")) => Kind::Gitlab,
        (None, Some(_)) => Kind::None,
        (None, None) => {
            if var("CI_API_V4_URL").is_some() || var("GITLAB_CI").is_some() {
                Kind::Gitlab
            } else if var("GITHUB_REPOSITORY").is_some() || var("GITHUB_ACTIONS").is_some() {
                Kind::Github
            } else {
                Kind::None
            }
        }
    };
    let (repo_env, url_env, default_url) = match kind {
        Kind::Gitlab => (
            var("CI_PROJECT_PATH").or_else(|| var("CI_PROJECT_ID")),
            var("CI_API_V4_URL"),
            "https://gitlab.com/api/v4",
        ),
        _ => (
            var("GITHUB_REPOSITORY"),
            var("GITHUB_API_URL"),
            github::DEFAULT_API_URL,
        ),
    };
    let repo = args
        .repo
        .clone()
        .or_else(|| config.sync.repo.clone())
        .or(repo_env)
        .unwrap_or_default();
    let api_url = args
        .api_url
        .clone()
        .or_else(|| config.sync.api_url.clone())
        .or(url_env)
        .unwrap_or_else(|| default_url.to_string());
    let token = match kind {
        Kind::Github => var("GITHUB_TOKEN"),
        Kind::Gitlab => var("GITLAB_TOKEN"),
        Kind::None => None,
    };
    if kind != Kind::None && repo.is_empty() {
        anyhow::bail!(
            "no repository to track: pass --repo, set sync.repo in {}, or set {}",
            crate::config::FILE_NAME,
            if kind == Kind::Gitlab {
                "CI_PROJECT_PATH"
            } else {
                "GITHUB_REPOSITORY"
            }
        );
    }
    Ok(Remote {
        kind,
        repo,
        api_url,
        token,
    })
}

/// The sync options from the configuration.
pub fn sync_options(
    config: &Config,
    remote: &Remote,
    today: NaiveDate,
    env: &HashMap<String, String>,
) -> anyhow::Result<SyncOptions> {
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let file_url = config.sync.file_url.clone().or_else(|| match remote.kind {
        Kind::Github => {
            let server = var("GITHUB_SERVER_URL")?;
            let git_ref = var("GITHUB_REF_NAME").unwrap_or_else(|| "HEAD".into());
            Some(format!("{server}/{}/blob/{git_ref}/{{path}}", remote.repo))
        }
        Kind::Gitlab => {
            let project = var("CI_PROJECT_URL")?;
            let git_ref = var("CI_COMMIT_REF_NAME").unwrap_or_else(|| "HEAD".into());
            Some(format!("{project}/-/blob/{git_ref}/{{path}}"))
        }
        Kind::None => None,
    });
    Ok(SyncOptions::from_config(
        config,
        (!remote.repo.is_empty()).then(|| remote.repo.clone()),
        today,
        file_url,
        std::env::current_dir()?,
    ))
}

/// One message per failure, saying what to fix. Never includes the token.
pub fn explain(remote: &Remote, e: &TrackerError) -> String {
    let (forge, var, repo, url) = (
        remote.forge(),
        remote.token_var(),
        &remote.repo,
        &remote.api_url,
    );
    let scope = match remote.kind {
        Kind::Gitlab => "a project or personal access token with the `api` scope and at least the Reporter role (Developer to assign)",
        _ => "a token with `issues: write` on the repository (in GitHub Actions: `permissions: issues: write`)",
    };
    match e {
        TrackerError::Unauthorized(m) => format!(
            "{var} was rejected by {forge} at {url} (401 {}): set {var} to {scope}",
            m.trim()
        ),
        TrackerError::Forbidden(m) => format!(
            "{var} may not do this on {repo} (403 {}): give it {scope}",
            m.trim()
        ),
        TrackerError::NotFound(_) => format!(
            "{forge} repository {repo} was not found at {url} (404): check --repo / {}, and that {var} can see it (a private repository looks missing to a token without access)",
            if remote.kind == Kind::Gitlab { "CI_PROJECT_PATH" } else { "GITHUB_REPOSITORY" }
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

/// The process environment as a map.
pub fn env_map() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// Today's date, or `--today`.
pub fn today(args: &TrackerArgs) -> NaiveDate {
    args.today
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// A single-threaded runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
