//! `serve`: the webhook service (see [`crate::service`]).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use super::input::Global;
use crate::service::store::{Job, Store};
use crate::service::{self, BoxFuture, Runner, Secrets, Settings};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The SQLite database (queue, delivery ids, run history); created if absent.
    #[arg(long, value_name = "PATH", default_value = "postmortem-tracker.sqlite")]
    pub database: PathBuf,
    /// Act only on this repository (repeatable): `github:OWNER/NAME` or
    /// `gitlab:GROUP/PROJECT`. Without any: every repository whose deliveries authenticate.
    #[arg(long = "repository", value_name = "FORGE:PATH", value_parser = service::parse_repository)]
    pub repositories: Vec<(crate::service::webhook::Forge, String)>,
    /// Repositories reconciled at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,
    /// Largest webhook body accepted, in bytes (larger: 413).
    #[arg(long, default_value_t = 5 * 1024 * 1024)]
    pub max_body_bytes: usize,
}

/// Until sync and follow-up can fetch a repository's postmortems through the API, a job
/// cannot be carried out: it is recorded as failed with this message rather than pretended.
struct NotYetRunner;

impl Runner for NotYetRunner {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            Err(format!(
                "{} of {}:{} from the service is not implemented yet; run `postmortem-tracker {}` in CI",
                job.mark.reason.as_str(),
                job.mark.forge.as_str(),
                job.mark.repo,
                job.mark.reason.as_str()
            ))
        })
    }
}

fn secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

pub fn run(args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let secrets = Secrets {
        github: secret("GITHUB_WEBHOOK_SECRET"),
        gitlab: secret("GITLAB_WEBHOOK_TOKEN"),
    };
    if secrets.github.is_none() && secrets.gitlab.is_none() {
        eprintln!(
            "error: set GITHUB_WEBHOOK_SECRET and/or GITLAB_WEBHOOK_TOKEN: without a secret no delivery can be trusted"
        );
        return Ok(ExitCode::from(2));
    }
    let settings = Settings {
        secrets,
        repositories: args.repositories.into_iter().collect::<BTreeSet<_>>(),
        workers: usize::from(args.workers),
        max_body_bytes: args.max_body_bytes,
        ..Settings::default()
    };
    let store = Arc::new(Store::open(&args.database)?);
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        eprintln!(
            "postmortem-tracker serve: listening on http://{}",
            listener.local_addr()?
        );
        service::serve(
            listener,
            settings,
            store,
            Arc::new(NotYetRunner),
            shutdown_signal(),
        )
        .await
    })?;
    eprintln!("postmortem-tracker serve: stopped");
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
