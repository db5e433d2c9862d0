//! `sync`: open one issue per action item, then write the links into the postmortems.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::input::{self, Global};
use super::remote::{self, TrackerArgs};
use crate::forge::client::Client;
use crate::forge::paced::TokioSleeper;
use crate::forge::{dry_run::DryRun, Tracker};
use crate::reconcile::sync::{sync as reconcile_sync, Job as SyncJob};
use crate::render::Engine;
use crate::sync::{SyncError, SyncReport};

/// Output format of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.tracker.paths, global)?;
    let env = remote::env_map();
    let resolved = remote::options(inputs.config.clone(), &args.tracker.overrides(), &env)?;
    let remote = resolved.remote.clone();
    let mut options = resolved.sync.clone();
    let engine = Engine::new(inputs.config.templates_dir.as_deref())?;
    let timeout = std::time::Duration::from_secs(inputs.config.sync.timeout_secs);
    if remote.kind.is_none() && !args.dry_run {
        anyhow::bail!(
            "sync needs a tracker: pass --tracker github or --tracker gitlab (or set sync.tracker in {}), or use --dry-run",
            crate::config::FILE_NAME
        );
    }
    if !remote.has_credentials() && !args.dry_run {
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
    let connect = || async {
        Client::connect(&remote, timeout)
            .await
            .map_err(|e| remote::connect_failed(&remote, e))
    };
    let rt = remote::runtime()?;
    let (report, recorded) = rt.block_on(async {
        if args.dry_run {
            options.write_back = false;
            let state = if remote.kind.is_some() && remote.has_credentials() {
                connect()
                    .await?
                    .list_issues(&options.label)
                    .await
                    .map_err(|e| anyhow::anyhow!(remote::explain(&remote, &e)))?
            } else {
                Vec::new()
            };
            let dry = DryRun::new(state);
            let report = crate::sync::sync(docs, &dry, &TokioSleeper, &engine, &options)
                .await
                .map_err(fail)?;
            return Ok::<_, anyhow::Error>((report, Some(dry.recorded())));
        }
        let job = SyncJob {
            options: &resolved,
            engine: &engine,
            local: true,
            forge: None,
            board: true,
        };
        let done = reconcile_sync(&connect().await?, &TokioSleeper, docs, &job)
            .await
            .map_err(fail)?;
        Ok((done.report, None))
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
    for line in r.board.iter().flat_map(|b| b.summary_lines()) {
        let _ = writeln!(out, "{line}");
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
