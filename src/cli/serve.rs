//! `serve`: the webhook service (see [`crate::service`]).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use std::time::Duration;

use anyhow::Context as _;

use super::input::Global;
use crate::config::{Config, ServiceConfig};
use crate::forge::app::{AppCredentials, GitHubApp, APP_ID_VAR};
use crate::forge::paced::Pacing;
use crate::service::logs::{self, LogFormat};
use crate::service::runner::{Access, ForgeRunner, RunnerSettings, WriteMode};
use crate::service::store::{Database, Store};
use crate::service::webhook::Forge;
use crate::service::{self, Secrets, Settings};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on [config: service.listen; default 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// The database (queue, delivery ids, run history, items index): an SQLite file's path (or
    /// sqlite://PATH), created if absent, or a postgres://USER@HOST/DB URL, which any number of
    /// `serve` processes may share [config: service.database; default
    /// postmortem-tracker.sqlite].
    #[arg(long, value_name = "PATH|URL")]
    pub database: Option<String>,
    /// Act only on this repository (repeatable; replaces service.repositories):
    /// `github:OWNER/NAME` or `gitlab:GROUP/PROJECT`, or all of an owner's: `github:OWNER/*`.
    /// Without any: every repository whose deliveries authenticate.
    #[arg(long = "repository", value_name = "FORGE:PATH", value_parser = service::parse_repository)]
    pub repositories: Vec<(Forge, String)>,
    /// Repositories reconciled at once [config: service.workers; default 4].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: Option<u16>,
    /// Largest webhook body accepted, in bytes; larger: 413 [config: service.max_body_bytes;
    /// default 5 MiB].
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Where links and status are written: commit (on the default branch), pull-request (one
    /// branch and pull/merge request per repository), or off [config: service.write; default
    /// commit].
    #[arg(long, value_name = "MODE", value_parser = ["commit", "pull-request", "off"])]
    pub write: Option<String>,
    /// GitHub's API root [config: service.github_api_url; default https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub github_api_url: Option<String>,
    /// GitLab's API root [config: service.gitlab_api_url; default https://gitlab.com/api/v4].
    #[arg(long, value_name = "URL")]
    pub gitlab_api_url: Option<String>,
    /// The day to use for due dates instead of today (reproducible demos and tests).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<chrono::NaiveDate>,
    /// How the log on stderr is written: json (one object per line) or text [default: text
    /// when stderr is a terminal, json otherwise]. RUST_LOG filters it (default: info).
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

/// What `serve` runs with, from flags over the configuration file.
struct Resolved {
    listen: SocketAddr,
    database: Database,
    settings: Settings,
    write: WriteMode,
    github_api_url: String,
    gitlab_api_url: String,
    today: Option<chrono::NaiveDate>,
}

/// A `[service]` setting that cannot be used, naming the key (never a secret's content).
#[derive(Debug, thiserror::Error)]
enum SettingError {
    /// A value of the configuration file (or its flag): `detail` says what is wrong.
    #[error("{file}: service.{key}{detail}")]
    Value {
        file: String,
        key: &'static str,
        detail: String,
    },
    /// A secret file that cannot be read, or is empty.
    #[error("service.{key} = {}: {why}", path.display())]
    SecretFile {
        key: &'static str,
        path: PathBuf,
        why: String,
    },
}

/// The settings from flags over the configuration file, or an error naming the bad key.
fn resolve(args: Args, config: &ServiceConfig, file: &str) -> Result<Resolved, SettingError> {
    let bad = |key: &'static str, detail: String| SettingError::Value {
        file: file.to_string(),
        key,
        detail,
    };
    let listen = match args.listen {
        Some(a) => a,
        None => config.listen.parse().map_err(|e| {
            bad(
                "listen",
                format!(" = {:?}: {e} (expected ADDR:PORT)", config.listen),
            )
        })?,
    };
    let repositories = if args.repositories.is_empty() {
        config
            .repositories
            .iter()
            .map(|r| {
                service::parse_repository(r).map_err(|e| bad("repositories", format!(": {e}")))
            })
            .collect::<Result<BTreeSet<_>, _>>()?
    } else {
        args.repositories.into_iter().collect()
    };
    let workers = args.workers.map(usize::from).unwrap_or(config.workers);
    if !(1..=64).contains(&workers) {
        return Err(bad("workers", format!(" = {workers}: expected 1 to 64")));
    }
    if config.lease_secs == 0 {
        return Err(bad("lease_secs", " must be more than 0".into()));
    }
    let max_body_bytes = args.max_body_bytes.unwrap_or(config.max_body_bytes);
    if max_body_bytes == 0 {
        return Err(bad("max_body_bytes", " must be more than 0".into()));
    }
    let schedule = config
        .schedule
        .as_deref()
        .map(|s| service::parse_schedule(s).map_err(|e| bad("schedule", format!(" = {e}"))))
        .transpose()?;
    let settings = Settings {
        schedule,
        repositories,
        workers,
        max_body_bytes,
        lease: Duration::from_secs(config.lease_secs),
        ..Settings::default()
    };
    let write = args.write.as_deref().unwrap_or(&config.write);
    let write = WriteMode::parse(write).ok_or_else(|| {
        bad(
            "write",
            format!(" = {write:?}: expected commit, pull-request or off"),
        )
    })?;
    Ok(Resolved {
        listen,
        database: Database::parse(
            &args
                .database
                .unwrap_or_else(|| config.database.to_string_lossy().into_owned()),
        ),
        settings,
        write,
        github_api_url: args
            .github_api_url
            .unwrap_or_else(|| config.github_api_url.clone()),
        gitlab_api_url: args
            .gitlab_api_url
            .unwrap_or_else(|| config.gitlab_api_url.clone()),
        today: args.today,
    })
}

/// A secret from the environment, without the trailing newline a mounted secret often has.
fn secret(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
        .filter(|s| !s.trim().is_empty())
}

/// The webhook secrets: each from its environment variable, else from the file the
/// configuration names (trailing newline dropped). An unreadable or empty file is an error
/// naming the key and the path, never the content.
fn webhook_secrets(config: &ServiceConfig) -> Result<Secrets, SettingError> {
    let from = |var: &str,
                key: &'static str,
                file: &Option<PathBuf>|
     -> Result<Option<String>, SettingError> {
        if let Some(s) = secret(var) {
            return Ok(Some(s));
        }
        let Some(path) = file else {
            return Ok(None);
        };
        let failed = |why: String| SettingError::SecretFile {
            key,
            path: path.clone(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let text = text.trim_end_matches(['\r', '\n']).to_string();
        if text.trim().is_empty() {
            return Err(failed("the file is empty".into()));
        }
        Ok(Some(text))
    };
    Ok(Secrets {
        github: from(
            "GITHUB_WEBHOOK_SECRET",
            "github_webhook_secret_file",
            &config.github_webhook_secret_file,
        )?,
        gitlab: from(
            "GITLAB_WEBHOOK_TOKEN",
            "gitlab_webhook_token_file",
            &config.gitlab_webhook_token_file,
        )?,
    })
}

/// Runs `serve`. Errors before the service starts (configuration, secrets, flags) are the
/// command's own `error: ...` lines and exit code 2, as for every command; from then on,
/// everything the service says is a log event (the listening line included, so that a log
/// collector reading JSON lines never meets a plain one).
pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let format = args.log_format.unwrap_or_else(LogFormat::for_stderr);
    if let Err(e) = logs::init(format, std::env::var("RUST_LOG").ok().as_deref()) {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(2));
    }
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let config = match Config::load(&root, global.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let secrets = match webhook_secrets(&config.service) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if secrets.github.is_none() && secrets.gitlab.is_none() {
        eprintln!(
            "error: set GITHUB_WEBHOOK_SECRET and/or GITLAB_WEBHOOK_TOKEN (or service.github_webhook_secret_file / service.gitlab_webhook_token_file): without a secret no delivery can be trusted"
        );
        return Ok(ExitCode::from(2));
    }
    let file = global
        .config
        .clone()
        .unwrap_or_else(|| root.join(crate::config::FILE_NAME))
        .display()
        .to_string();
    let Resolved {
        listen,
        database,
        mut settings,
        write,
        github_api_url,
        gitlab_api_url,
        today,
    } = match resolve(args, &config.service, &file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // The App's API root: the same as a token's.
    let github_api_url_for_app = github_api_url.clone();
    let access =
        |token: &str, api_url: String| secret(token).map(|token| Access { api_url, token });
    let runner_settings = RunnerSettings {
        github: access("GITHUB_TOKEN", github_api_url),
        gitlab: access("GITLAB_TOKEN", gitlab_api_url),
        write,
        timeout: Duration::from_secs(config.sync.timeout_secs),
        pacing: Pacing {
            min_write_interval: Duration::from_millis(config.sync.min_write_interval_ms),
            max_wait: Duration::from_secs(config.sync.max_wait_secs),
            retry_delay: Duration::from_millis(config.sync.retry_delay_ms),
            ..Pacing::default()
        },
        // Long enough for a first run over a large repository, short enough that a hung
        // connection does not hold a worker for good.
        job_timeout: Duration::from_secs(3600),
        today,
        templates_dir: config.templates_dir.clone(),
    };
    // A GitHub App replaces GITHUB_TOKEN: checked with GitHub before anything starts, so a
    // wrong id or key is one message and exit 2, with no database created.
    let app_credentials = match AppCredentials::from_env(secret) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let github_app = match app_credentials {
        None => None,
        Some(credentials) => {
            let connected = rt.block_on(async {
                let app = GitHubApp::connect(
                    &github_api_url_for_app,
                    &credentials,
                    runner_settings.timeout,
                )
                .await?;
                let repos = app.discover().await.map_err(|e| {
                    format!(
                        "{APP_ID_VAR} = {}: cannot list the App's installations: {e}",
                        credentials.app_id
                    )
                })?;
                Ok::<_, String>((app, repos))
            });
            match connected {
                Ok((app, repos)) => {
                    tracing::info!(
                        app_id = credentials.app_id,
                        repositories = repos.len(),
                        "acting as GitHub App {} on {} repositories",
                        credentials.app_id,
                        repos.len()
                    );
                    Some(Arc::new(app))
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    for (forge, webhook, token, access) in [
        (
            "GitHub",
            &secrets.github,
            "GITHUB_TOKEN",
            &runner_settings.github,
        ),
        (
            "GitLab",
            &secrets.gitlab,
            "GITLAB_TOKEN",
            &runner_settings.gitlab,
        ),
    ] {
        let app = forge == "GitHub" && github_app.is_some();
        if webhook.is_some() && access.is_none() && !app {
            tracing::warn!(
                "{forge} deliveries are accepted but {token} is not set: their jobs will fail until it is"
            );
        }
    }
    settings.secrets = secrets;
    settings.github_app = github_app.clone();
    settings.dashboard = Arc::new(
        crate::service::dashboard::Dashboard::new(config.templates_dir.as_deref())
            .context("the dashboard template")?,
    );
    // Before anything starts: a database that cannot be used stops `serve` here, naming the
    // setting (a URL's password never shown).
    let store = match Store::connect(&database) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: --database / service.database: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut runner =
        ForgeRunner::new(store.clone(), runner_settings, settings.api_metrics.clone())?;
    if let Some(app) = github_app {
        runner = runner.with_github_app(app);
    }
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        tracing::info!(
            address = %address,
            database = %database,
            "listening on http://{address} (database {database})",
        );
        service::serve(
            listener,
            settings,
            store,
            Arc::new(runner),
            shutdown_signal(),
        )
        .await?;
        anyhow::Ok(())
    })?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what container runtimes send) on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
