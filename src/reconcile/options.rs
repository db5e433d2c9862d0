//! Options resolved once, ripgrep-style: the configuration file, the environment, the flags and
//! the CI environment become one [`Options`], with `today` computed once, in the configured
//! time zone. Every entry point (the CLI commands, `ci`, the service's runner) builds one and
//! hands it down; nothing below reads the clock or the environment again.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Config;
use crate::followup::{FollowupOptions, UpdateOptions};
use crate::forge::client::Remote;
use crate::forge::github;
use crate::forge::ForgeKind;
use crate::sync::SyncOptions;

/// What flags (or the CI event) say, each overriding the configuration and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--tracker`: `Some(None)` is `--tracker none`.
    pub tracker: Option<Option<ForgeKind>>,
    pub repo: Option<String>,
    pub api_url: Option<String>,
    /// `--today`: the day of the run, for reproducible output.
    pub today: Option<NaiveDate>,
}

/// Options that cannot be resolved, with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("no repository to track: pass --repo, set sync.repo in {file}, or set {var}")]
    NoRepository {
        file: &'static str,
        var: &'static str,
    },
    #[error("cannot read the current folder: {0}")]
    CurrentDir(#[from] std::io::Error),
    /// The GitHub App's settings are incomplete or wrong; the message names the variable.
    #[error("{0}")]
    App(String),
}

/// Everything a job needs to know besides its documents and its forge client.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: Config,
    pub remote: Remote,
    /// The day of the run in the configured time zone ([`today`]), computed once.
    pub today: NaiveDate,
    /// The sync's options; `sync.today` is [`Options::today`].
    pub sync: SyncOptions,
    /// The follow-up's options.
    pub followup: FollowupOptions,
}

impl Options {
    /// The CLI's and the CI's options: `config` (file and `POSTMORTEM_TRACKER_*`), then the CI
    /// environment in `env`, then `overrides`; links to files built from the CI environment
    /// unless configured; documents relative to `root`; `now` read once by the caller.
    pub fn resolve(
        config: Config,
        overrides: &Overrides,
        env: &HashMap<String, String>,
        root: PathBuf,
        now: DateTime<Utc>,
    ) -> Result<Options, OptionsError> {
        let remote = resolve_remote(overrides, &config, env)?;
        let file_url = config
            .sync
            .file_url
            .clone()
            .or_else(|| ci_file_url(&remote, env));
        let today = today(&config, overrides.today, now);
        Ok(Options::new(config, remote, file_url, root, today))
    }

    /// The options of one job: `config` and `remote` already resolved, `today` computed with [`today`].
    pub fn new(
        config: Config,
        remote: Remote,
        file_url: Option<String>,
        root: PathBuf,
        today: NaiveDate,
    ) -> Options {
        let repo = (!remote.repo.is_empty()).then(|| remote.repo.clone());
        let sync = SyncOptions::from_config(&config, repo.clone(), today, file_url.clone(), root);
        let followup = FollowupOptions::from_config(&config, repo, file_url);
        Options {
            config,
            remote,
            today,
            sync,
            followup,
        }
    }

    /// How the follow-up tells the tracker: the day and the reminder interval.
    pub fn update(&self) -> UpdateOptions {
        UpdateOptions {
            today: self.today,
            reminder_interval_days: self.config.followup.reminder_interval_days,
        }
    }
}

/// The day of a run: `fixed` when given (`--today`), else `now` in the configured zone
/// ([`Config::zone`]), else in the machine's local zone ([`crate::clock::today`]).
pub fn today(config: &Config, fixed: Option<NaiveDate>, now: DateTime<Utc>) -> NaiveDate {
    fixed.unwrap_or_else(|| crate::clock::today(config.zone(), now))
}

/// The remote: flags, then the configuration, then the CI environment.
fn resolve_remote(
    overrides: &Overrides,
    config: &Config,
    env: &HashMap<String, String>,
) -> Result<Remote, OptionsError> {
    let var = |k: &str| env.get(k).filter(|v| !v.trim().is_empty()).cloned();
    let kind = match (overrides.tracker, config.sync.tracker.as_deref()) {
        (Some(k), _) => k,
        (None, Some(name)) => ForgeKind::parse(name),
        (None, None) => {
            if var("CI_API_V4_URL").is_some() || var("GITLAB_CI").is_some() {
                Some(ForgeKind::Gitlab)
            } else if var("GITHUB_REPOSITORY").is_some() || var("GITHUB_ACTIONS").is_some() {
                Some(ForgeKind::Github)
            } else {
                None
            }
        }
    };
    let forge = kind.unwrap_or(ForgeKind::Github);
    let (repo_env, url_env, default_url) = match forge {
        ForgeKind::Gitlab => (
            var("CI_PROJECT_PATH").or_else(|| var("CI_PROJECT_ID")),
            var("CI_API_V4_URL"),
            "https://gitlab.com/api/v4",
        ),
        ForgeKind::Github => (
            var("GITHUB_REPOSITORY"),
            var("GITHUB_API_URL"),
            github::DEFAULT_API_URL,
        ),
    };
    let repo = overrides
        .repo
        .clone()
        .or_else(|| config.sync.repo.clone())
        .or(repo_env)
        .unwrap_or_default();
    let api_url = overrides
        .api_url
        .clone()
        .or_else(|| config.sync.api_url.clone())
        .or(url_env)
        .unwrap_or_else(|| default_url.to_string());
    // A GitHub App, when configured, acts instead of a token.
    let app = match kind {
        Some(ForgeKind::Github) => {
            crate::forge::app::AppCredentials::from_env(var).map_err(OptionsError::App)?
        }
        _ => None,
    };
    let token = kind
        .filter(|_| app.is_none())
        .and_then(|k| var(k.token_var()));
    if kind.is_some() && repo.is_empty() {
        return Err(OptionsError::NoRepository {
            file: crate::config::FILE_NAME,
            var: repository_var(forge),
        });
    }
    Ok(Remote {
        kind,
        repo,
        api_url,
        token,
        app,
    })
}

/// The CI variable that names the repository on `forge`.
pub fn repository_var(forge: ForgeKind) -> &'static str {
    match forge {
        ForgeKind::Github => "GITHUB_REPOSITORY",
        ForgeKind::Gitlab => "CI_PROJECT_PATH",
    }
}

/// Links to files on the forge, from the CI environment (the branch being built).
fn ci_file_url(remote: &Remote, env: &HashMap<String, String>) -> Option<String> {
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    match remote.kind? {
        ForgeKind::Github => {
            let server = var("GITHUB_SERVER_URL")?;
            let git_ref = var("GITHUB_REF_NAME").unwrap_or_else(|| "HEAD".into());
            Some(format!("{server}/{}/blob/{git_ref}/{{path}}", remote.repo))
        }
        ForgeKind::Gitlab => {
            let project = var("CI_PROJECT_URL")?;
            let git_ref = var("CI_COMMIT_REF_NAME").unwrap_or_else(|| "HEAD".into());
            Some(format!("{project}/-/blob/{git_ref}/{{path}}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::env;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn zoned(name: &str) -> Config {
        Config {
            time_zone: Some(name.into()),
            ..Config::default()
        }
    }

    #[test]
    fn today_is_the_configured_zones_day() {
        // 10:30 UTC is 00:30 the next day in Kiritimati (UTC+14); 09:30 UTC is 23:30 the day
        // before in Honolulu (UTC-10).
        let kiritimati = zoned("Pacific/Kiritimati");
        assert_eq!(
            today(&kiritimati, None, at("2026-06-30T10:30:00Z")),
            day("2026-07-01")
        );
        assert_eq!(
            today(&kiritimati, None, at("2026-06-30T09:59:00Z")),
            day("2026-06-30")
        );
        assert_eq!(
            today(&zoned("Pacific/Honolulu"), None, at("2026-06-30T09:30:00Z")),
            day("2026-06-29")
        );
        // Berlin in summer is UTC+2: 22:30 UTC is already the next day there.
        let berlin = zoned("Europe/Berlin");
        assert_eq!(
            today(&berlin, None, at("2026-07-14T22:30:00Z")),
            day("2026-07-15")
        );
        assert_eq!(
            today(&berlin, None, at("2026-01-14T22:30:00Z")),
            day("2026-01-14"),
            "UTC+1 in winter"
        );
        // `--today` wins over any clock.
        assert_eq!(
            today(
                &kiritimati,
                Some(day("2020-01-01")),
                at("2026-06-30T10:30:00Z")
            ),
            day("2020-01-01")
        );
    }

    #[test]
    fn one_resolution_gives_every_job_the_same_day() {
        let o = Options::resolve(
            zoned("Pacific/Kiritimati"),
            &Overrides::default(),
            &env(&[
                ("GITHUB_REPOSITORY", "acme/svc"),
                ("GITHUB_ACTIONS", "true"),
            ]),
            PathBuf::from("/repo"),
            at("2026-06-30T10:30:00Z"),
        )
        .unwrap();
        assert_eq!(o.today, day("2026-07-01"));
        assert_eq!(o.sync.today, o.today);
        assert_eq!(o.update().today, o.today);
        assert_eq!(o.remote.kind, Some(ForgeKind::Github));
        assert_eq!(o.sync.plan.repo.as_deref(), Some("acme/svc"));
        assert_eq!(o.followup.repo.as_deref(), Some("acme/svc"));
    }

    #[test]
    fn flags_then_configuration_then_environment() {
        let mut config = Config::default();
        config.sync.repo = Some("conf/repo".into());
        let e = env(&[
            ("CI_API_V4_URL", "https://gl.example/api/v4"),
            ("CI_PROJECT_PATH", "env/repo"),
            ("CI_PROJECT_URL", "https://gl.example/env/repo"),
            ("CI_COMMIT_REF_NAME", "main"),
            ("GITLAB_TOKEN", "glpat-secret"),
        ]);
        let now = at("2026-01-01T00:00:00Z");
        let o = Options::resolve(
            config.clone(),
            &Overrides::default(),
            &e,
            PathBuf::new(),
            now,
        )
        .unwrap();
        assert_eq!(o.remote.kind, Some(ForgeKind::Gitlab));
        assert_eq!(o.remote.repo, "conf/repo");
        assert_eq!(o.remote.api_url, "https://gl.example/api/v4");
        assert_eq!(
            o.sync.file_url.as_deref(),
            Some("https://gl.example/env/repo/-/blob/main/{path}")
        );
        assert!(!format!("{:?}", o.remote).contains("glpat-secret"));
        let flags = Overrides {
            repo: Some("flag/repo".into()),
            ..Overrides::default()
        };
        let o = Options::resolve(config, &flags, &e, PathBuf::new(), now).unwrap();
        assert_eq!(o.remote.repo, "flag/repo");

        let err = Options::resolve(
            Config::default(),
            &Overrides {
                tracker: Some(Some(ForgeKind::Github)),
                ..Overrides::default()
            },
            &env(&[]),
            PathBuf::new(),
            now,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("--repo") && err.contains("GITHUB_REPOSITORY"),
            "{err}"
        );
    }
}
