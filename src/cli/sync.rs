//! `sync`: open one issue per action item, then write the links into the postmortems.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::input::{self, Global};
use super::remote::{self, Kind, TrackerArgs};
use crate::model::Postmortem;
use crate::render::Engine;
use crate::sync::{sync, SyncError, SyncOptions, SyncReport, TokioSleeper};
use crate::tracker::{dry_run::DryRun, github::GitHub, gitlab::GitLab, Tracker, TrackerError};

/// Output format of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Postmortem files or folders (default: the configured `paths`).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub tracker: TrackerArgs,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SyncFormat,
    /// List the tracker's state (when a token is set) but write nothing: print the writes a
    /// sync would make.
    #[arg(long)]
    pub dry_run: bool,
}

async fn run_with<T: Tracker>(
    docs: &[Postmortem],
    tracker: &T,
    engine: &Engine,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    sync(docs, tracker, &TokioSleeper, engine, options).await
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.paths, global)?;
    let env = remote::env_map();
    let resolved = remote::options(inputs.config.clone(), &args.tracker.overrides(), &env)?;
    let remote = resolved.remote;
    let mut options = resolved.sync;
    let engine = Engine::new(inputs.config.templates_dir.as_deref())?;
    let timeout = std::time::Duration::from_secs(inputs.config.sync.timeout_secs);
    if remote.kind == Kind::None && !args.dry_run {
        anyhow::bail!(
            "sync needs a tracker: pass --tracker github or --tracker gitlab (or set sync.tracker in {}), or use --dry-run",
            crate::config::FILE_NAME
        );
    }
    if remote.token.is_none() && !args.dry_run {
        anyhow::bail!(
            "no {} in the environment: sync needs a token to open issues on {} (set {} ; it is never read from a file)",
            remote.token_var(),
            remote.repo,
            remote.token_var()
        );
    }
    let docs = &inputs.documents;
    let fail = |e: SyncError| match e {
        SyncError::Tracker(t) => anyhow::anyhow!(remote::explain(&remote, &t)),
        other => anyhow::Error::new(other),
    };
    let explain = |e: TrackerError| anyhow::anyhow!(remote::explain(&remote, &e));
    let rt = remote::runtime()?;
    let (report, recorded) = rt.block_on(async {
        if args.dry_run {
            options.write_back = false;
            let state = match (remote.kind, remote.token.as_deref()) {
                (Kind::Github, Some(t)) => {
                    let gh = GitHub::new(&remote.api_url, &remote.repo, Some(t), timeout)
                        .map_err(anyhow::Error::msg)?;
                    gh.list_issues(&options.label).await.map_err(explain)?
                }
                (Kind::Gitlab, Some(t)) => GitLab::connect(&remote.api_url, &remote.repo, t)
                    .await
                    .map_err(explain)?
                    .list_issues(&options.label)
                    .await
                    .map_err(explain)?,
                _ => Vec::new(),
            };
            let dry = DryRun::new(state);
            let report = run_with(docs, &dry, &engine, &options)
                .await
                .map_err(fail)?;
            return Ok::<_, anyhow::Error>((report, Some(dry.recorded())));
        }
        let token = remote.token.as_deref().unwrap_or_default();
        let report = match remote.kind {
            Kind::Github => {
                let gh = GitHub::new(&remote.api_url, &remote.repo, Some(token), timeout)
                    .map_err(anyhow::Error::msg)?;
                run_with(docs, &gh, &engine, &options).await.map_err(fail)?
            }
            _ => {
                let gl = GitLab::connect(&remote.api_url, &remote.repo, token)
                    .await
                    .map_err(explain)?;
                run_with(docs, &gl, &engine, &options).await.map_err(fail)?
            }
        };
        Ok((report, None))
    })?;
    match args.format {
        SyncFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        SyncFormat::Text => print!("{}", summary(&report, recorded.as_deref())),
    }
    Ok(if report.errors.is_empty() && inputs.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The human summary of a run.
pub fn summary(r: &SyncReport, dry_run: Option<&[String]>) -> String {
    let mut out = String::new();
    let (_, _, unchanged) = r.plan.counts();
    if let Some(actions) = dry_run {
        let _ = writeln!(out, "Dry run: nothing was written. A sync would:");
        for a in actions {
            let _ = writeln!(out, "  {a}");
        }
    }
    for c in &r.created {
        let _ = writeln!(
            out,
            "created   {} {}:{} {}",
            c.issue.reference, c.path, c.line, c.text
        );
    }
    for c in &r.adopted {
        let _ = writeln!(
            out,
            "adopted   {} {}:{} {}",
            c.issue.reference, c.path, c.line, c.text
        );
    }
    for d in &r.duplicates_closed {
        let _ = writeln!(out, "closed    #{} as a duplicate of #{}", d.close, d.keep);
    }
    for rm in &r.plan.removed {
        let closed = r.removed_closed.iter().any(|c| c.key == rm.key);
        let _ = writeln!(
            out,
            "removed   {} {} (no longer in the file; {})",
            rm.issue.reference,
            rm.path,
            if closed {
                "closed"
            } else {
                "left open: set sync.close_removed to close such issues"
            }
        );
    }
    if !r.unknown_owners.is_empty() {
        let _ = writeln!(
            out,
            "note: no account for {} (named in the issue body, not assigned; map names to logins under [owners] in {})",
            r.unknown_owners.join(", "),
            crate::config::FILE_NAME
        );
    }
    for e in &r.errors {
        let _ = writeln!(out, "error: {e}");
    }
    let _ = writeln!(
        out,
        "Sync: {} created, {} adopted, {} unchanged, {} removed from files, {} duplicates closed, {} links written.",
        r.created.len(),
        r.adopted.len(),
        unchanged,
        r.plan.removed.len(),
        r.duplicates_closed.len(),
        r.links_written.len()
    );
    out
}
