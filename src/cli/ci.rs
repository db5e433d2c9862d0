//! `ci`: one entry point for GitHub Actions and GitLab CI. Reads the event from the
//! environment and does the right thing: check a pull/merge request (lint the postmortems it
//! changes, annotate lines, keep one sticky comment with the plan), sync on a push to the
//! default branch, follow up on a schedule. Writes step outputs and a Markdown job summary.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;

use super::input::{self, Global, Inputs};
use super::remote;
use crate::ci::review::Sticky;
use crate::ci::{self, CiRun, Event, Forge, Mode, Outputs};
use crate::forge::client::Client;
use crate::forge::paced::TokioSleeper;
use crate::forge::publish::{Published, Target};
use crate::forge::{dry_run::DryRun, TrackerError};
use crate::lint::output;
use crate::plan::TrackedIssue;
use crate::reconcile::followup::REQUEST_TITLE;
use crate::reconcile::sync::{sync as reconcile_sync, Job as SyncJob};
use crate::reconcile::{summary, Options, Overrides};
use crate::render::context::{IssueLink, PostmortemRef, StatusItem};
use crate::render::Engine;
use crate::sync::{SyncError, SyncReport};

/// How links reach the default branch after a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WriteBack {
    /// Edit the files in the checkout (a later step commits them).
    Local,
    /// Commit through the API (the follow-up's commit mode).
    Commit,
    /// Open or update one pull/merge request (for protected branches).
    PullRequest,
    /// Write nothing back.
    Off,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Postmortem files or folders (default: the configured `paths`).
    pub paths: Vec<PathBuf>,
    /// Do this whatever triggered the run (default: from the CI event).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// How issue links are written back after a sync.
    #[arg(long, value_enum, default_value = "local")]
    pub write_back: WriteBack,
    /// Exit 1 when an item is overdue.
    #[arg(long)]
    pub fail_on_overdue: bool,
    /// List the tracker but write nothing (no issue, no comment, no file).
    #[arg(long)]
    pub dry_run: bool,
    /// GitLab: where to write the Code Quality report of a merge request check.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "gl-code-quality-report.json"
    )]
    pub code_quality: PathBuf,
    /// API root (default: GITHUB_API_URL or CI_API_V4_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The day of the run, for reproducible output.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

/// What every event handler gets.
struct Ctx {
    run: CiRun,
    inputs: Inputs,
    engine: Engine,
    /// Resolved once: configuration, CI environment, flags, today.
    resolved: Options,
    timeout: std::time::Duration,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let env = remote::env_map();
    let payload = match env.get("GITHUB_EVENT_PATH").filter(|p| !p.is_empty()) {
        Some(p) if env.contains_key("GITHUB_ACTIONS") => {
            Some(std::fs::read_to_string(p).with_context(|| {
                format!("cannot read the event payload {p} (GITHUB_EVENT_PATH)")
            })?)
        }
        _ => None,
    };
    let mut run = ci::detect(&env, payload.as_deref())?;
    match args.mode {
        Some(Mode::Sync) => {
            run.event = Event::Push {
                branch: String::new(),
                default_branch: None,
            }
        }
        Some(Mode::Followup) => {
            run.event = Event::Scheduled {
                trigger: "mode".into(),
            }
        }
        Some(Mode::Review) if !matches!(run.event, Event::Review { .. }) => anyhow::bail!(
            "mode review needs a pull_request / merge_request_event run (this run is {:?})",
            run.event
        ),
        _ => {}
    }
    let inputs = input::load(&args.paths, global)?;
    let overrides = Overrides {
        tracker: Some(Some(run.forge)),
        repo: Some(run.repo.clone()),
        api_url: args.api_url.clone().or_else(|| run.api_url.clone()),
        today: args.today,
    };
    let resolved = remote::options(inputs.config.clone(), &overrides, &env)?;
    let engine = Engine::new(inputs.config.templates_dir.as_deref())?;
    let timeout = std::time::Duration::from_secs(inputs.config.sync.timeout_secs);
    let ctx = Ctx {
        run,
        inputs,
        engine,
        resolved,
        timeout,
    };
    let rt = remote::runtime()?;
    match ctx.run.event.clone() {
        Event::Review { number, fork } => rt.block_on(review(&ctx, &args, number, fork)),
        Event::Push { .. } if args.mode.is_none() && own_push(&env, payload.as_deref()) => {
            println!("push of postmortem-tracker's own commit (Postmortem-Tracker trailer): nothing to do");
            finish(&ctx, &Outputs::default(), None)?;
            Ok(ExitCode::SUCCESS)
        }
        e @ Event::Push { .. } if e.is_default_push() => rt.block_on(push(&ctx, &args)),
        Event::Push {
            branch,
            default_branch,
        } => {
            println!(
                "push to {branch}, not the default branch {}: nothing to do",
                default_branch.unwrap_or_default()
            );
            finish(&ctx, &Outputs::default(), None)?;
            Ok(ExitCode::SUCCESS)
        }
        Event::Scheduled { trigger } => scheduled_followup(&ctx, &args, &trigger),
        Event::Other(name) => {
            println!("event {name}: nothing to do (postmortem-tracker acts on pull/merge requests, pushes and schedules)");
            finish(&ctx, &Outputs::default(), None)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// True when the pushed head commit is one the tool wrote (GitHub: the payload's
/// `head_commit.message`; GitLab: `CI_COMMIT_MESSAGE`), so that its commits never start a
/// sync of their own.
fn own_push(env: &std::collections::HashMap<String, String>, payload: Option<&str>) -> bool {
    let from_payload = payload
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| v["head_commit"]["message"].as_str().map(str::to_string));
    from_payload
        .or_else(|| env.get("CI_COMMIT_MESSAGE").cloned())
        .is_some_and(|m| crate::forge::publish::is_own_commit(&m))
}

/// A pull or merge request: the [`crate::reconcile::review`] job (lint the changed
/// postmortems, plan them, keep the sticky comment), its findings as annotations, its
/// warnings, the outputs and the summary.
async fn review(ctx: &Ctx, args: &Args, number: u64, fork: bool) -> anyhow::Result<ExitCode> {
    use crate::reconcile::review::{review, Comment, Job, Warning};
    let remote = &ctx.resolved.remote;
    let report = review(&Job {
        options: &ctx.resolved,
        engine: &ctx.engine,
        documents: &ctx.inputs.documents,
        skipped: &ctx.inputs.skipped,
        number,
        dry_run: args.dry_run,
        timeout: ctx.timeout,
    })
    .await?;
    for w in &report.warnings {
        match w {
            Warning::Connect(e) => warn(ctx, &remote::explain(remote, e)),
            Warning::ChangedFiles(e) => warn(
                ctx,
                &format!(
                    "cannot list the changed files ({}); checking every postmortem",
                    remote::explain(remote, e)
                ),
            ),
            Warning::NoToken => warn(
                ctx,
                &format!(
                    "no {} in the environment{}: checking every postmortem and commenting nothing",
                    remote.token_var(),
                    if fork { GITLAB_FORK } else { "" }
                ),
            ),
            Warning::Listing(e) => warn(ctx, &listing_failed(remote, e)),
        }
    }
    let findings = &report.findings;
    match ctx.run.forge {
        Forge::Github => print!("{}", output::github(findings)),
        Forge::Gitlab => {
            print!("{}", output::text(findings));
            std::fs::write(&args.code_quality, output::gitlab(findings) + "\n").with_context(
                || {
                    format!(
                        "cannot write the Code Quality report {}",
                        args.code_quality.display()
                    )
                },
            )?;
        }
    }
    let (checked, errors) = (report.checked, report.errors());
    let warnings = findings.len() - errors;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    println!(
        "{checked} changed postmortem{} checked: {errors} error{}, {warnings} warning{}",
        plural(checked),
        plural(errors),
        plural(warnings),
    );
    let outputs = Outputs::of(&report.statuses, 0, 0);
    match (&report.body, &report.comment) {
        (None, Comment::Written(_)) => {
            println!("no postmortem changed: the earlier comment says so now")
        }
        (None, Comment::Failed(e)) => warn(
            ctx,
            &format!(
                "the earlier plan comment was not updated: {}",
                remote::explain(remote, e)
            ),
        ),
        (None, _) => println!("no postmortem changed: no comment"),
        (Some(_), Comment::DryRun) => println!("dry run: the comment was not written"),
        (Some(_), Comment::Written(Sticky::Created)) => println!("comment created on the request"),
        (Some(_), Comment::Written(Sticky::Updated)) => println!("comment updated"),
        (Some(_), Comment::Written(Sticky::Unchanged)) => println!("comment already up to date"),
        (
            Some(_),
            Comment::Failed(e @ (TrackerError::Forbidden(_) | TrackerError::Unauthorized(_))),
        ) => warn(ctx, &comment_permission(ctx, fork, e)),
        (Some(_), Comment::Failed(e)) => warn(
            ctx,
            &format!(
                "the plan comment was not written: {}",
                remote::explain(remote, e)
            ),
        ),
        (Some(_), Comment::NoClient | Comment::Absent) => {}
    }
    finish(ctx, &outputs, report.body.as_deref())?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Why a GitLab merge request from a fork has no usable token: its pipeline runs in the fork,
/// without the project's CI/CD variables.
const GITLAB_FORK: &str =
    " (merge requests from forks run their pipeline without the project's GITLAB_TOKEN)";

/// Why the comment could not be written, and how to allow it. Never fails the check.
fn comment_permission(ctx: &Ctx, fork: bool, e: &TrackerError) -> String {
    let why = match e {
        TrackerError::Unauthorized(_) => "the token was rejected",
        _ => "the token may not comment",
    };
    match (ctx.run.forge, fork) {
        (Forge::Github, true) => format!(
            "the plan comment was not written: {why} (pull requests from forks get a read-only GITHUB_TOKEN). The lint annotations above still apply; the plan is in the job summary."
        ),
        (Forge::Github, false) => format!(
            "the plan comment was not written: {why}. Give the workflow `permissions: pull-requests: write` (and `issues: write`). The plan is in the job summary."
        ),
        (Forge::Gitlab, true) => format!(
            "the plan note was not written: {why}{GITLAB_FORK}, and the CI job token cannot write notes. The lint findings and the Code Quality report still apply; the plan is in the job log."
        ),
        (Forge::Gitlab, false) => format!(
            "the plan note was not written: {why}. Set GITLAB_TOKEN to a project access token with the `api` scope and at least the Reporter role (the CI job token cannot write notes)."
        ),
    }
}

/// A push to the default branch: sync, then write the links back.
async fn push(ctx: &Ctx, args: &Args) -> anyhow::Result<ExitCode> {
    let remote = &ctx.resolved.remote;
    if !remote.has_credentials() && !args.dry_run {
        anyhow::bail!(
            "no {} in the environment: the sync needs a token to open issues on {} (in GitHub Actions pass `token: ${{{{ secrets.GITHUB_TOKEN }}}}` with `permissions: issues: write, contents: write`; on GitLab a project access token with the `api` scope)",
            remote.token_var(),
            remote.repo
        );
    }
    let docs = &ctx.inputs.documents;
    let explain = |e: TrackerError| anyhow::anyhow!(remote::explain(remote, &e));
    let failed = |e: SyncError| match e {
        SyncError::Tracker(t) => explain(t),
        other => anyhow::Error::new(other),
    };
    let mut link_errors = Vec::new();
    let report: SyncReport = if args.dry_run {
        let dry = DryRun::new(list_state(ctx).await);
        let mut options = ctx.resolved.sync.clone();
        options.write_back = false;
        let r = crate::sync::sync(docs, &dry, &TokioSleeper, &ctx.engine, &options)
            .await
            .map_err(failed)?;
        for a in dry.recorded() {
            println!("dry run: would {a}");
        }
        print!("{}", super::sync::summary(&r, None));
        r
    } else {
        let client = Client::connect(remote, ctx.timeout)
            .await
            .map_err(|e| remote::connect_failed(remote, e))?;
        let job = SyncJob {
            options: &ctx.resolved,
            engine: &ctx.engine,
            local: args.write_back != WriteBack::Off,
            forge: match args.write_back {
                WriteBack::Commit => Some(Target::Commit),
                WriteBack::PullRequest => Some(Target::PullRequest {
                    branch: ctx.inputs.config.followup.branch.clone(),
                    title: REQUEST_TITLE.into(),
                }),
                WriteBack::Local | WriteBack::Off => None,
            },
            board: true,
        };
        let done = reconcile_sync(&client, &TokioSleeper, docs, &job)
            .await
            .map_err(failed)?;
        print!("{}", super::sync::summary(&done.report, None));
        if let Some(published) = done.published {
            if let Err(e) = links_published(published, remote) {
                warn(ctx, &e.to_string());
                link_errors.push(e.to_string());
            }
        }
        done.report
    };
    let errors: Vec<String> = report.errors.iter().cloned().chain(link_errors).collect();
    let statuses = crate::reconcile::review::statuses(docs, &report.plan, &ctx.resolved.sync);
    let outputs = Outputs::of(&statuses, report.created.len(), report.adopted.len());
    let created: Vec<IssueLink> = report
        .created
        .iter()
        .map(|c| IssueLink {
            reference: c.issue.reference.clone(),
            url: c.issue.url.clone(),
        })
        .collect();
    let summary = job_summary(
        ctx,
        "sync",
        args.dry_run,
        &statuses,
        created,
        errors.clone(),
    )?;
    finish(ctx, &outputs, Some(&summary))?;
    let overdue_fail = args.fail_on_overdue && outputs.overdue > 0;
    Ok(if errors.is_empty() && !overdue_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Why the links did not all reach the forge.
#[derive(Debug, thiserror::Error)]
enum LinksNotPublished {
    /// The forge refused (explained for the user).
    #[error("{0}")]
    Refused(String),
    /// Some files were not written; the others were.
    #[error("write-back: {}", .0.join("; "))]
    Files(Vec<String>),
}

/// Says where the links went through the API (commit mode, or one pull/merge request); the
/// links are also in the checkout. An error says why they did not.
fn links_published(
    published: Result<Published, TrackerError>,
    remote: &crate::reconcile::Remote,
) -> Result<(), LinksNotPublished> {
    let published =
        published.map_err(|e| LinksNotPublished::Refused(remote::explain(remote, &e)))?;
    println!(
        "links committed to {}: {} file(s), {} already up to date",
        published.branch,
        published.written.len(),
        published.unchanged.len()
    );
    if let Some((n, url, created)) = &published.request {
        println!(
            "{} pull/merge request {n}: {url}",
            if *created { "opened" } else { "updated" }
        );
    }
    if published.errors.is_empty() {
        Ok(())
    } else {
        Err(LinksNotPublished::Files(published.errors))
    }
}

/// A schedule or a manual run: the follow-up (status blocks and boxes written as
/// `--write-back` says, `off` computing only; overdue labels and reminders), then the status of
/// every item as step outputs, the job summary, and `fail-on-overdue`.
fn scheduled_followup(ctx: &Ctx, args: &Args, trigger: &str) -> anyhow::Result<ExitCode> {
    use super::followup::WriteMode;
    let write = match args.write_back {
        WriteBack::Local | WriteBack::Off => WriteMode::Local,
        WriteBack::Commit => WriteMode::Commit,
        WriteBack::PullRequest => WriteMode::PullRequest,
    };
    let dry_run = args.dry_run || args.write_back == WriteBack::Off;
    let report = super::followup::execute(
        &ctx.resolved,
        &ctx.engine,
        &ctx.inputs.documents,
        write,
        dry_run,
    )?;
    print!("{}", super::followup::text(&report));
    println!("{trigger}: follow-up done; status of every item:");
    let statuses: Vec<_> = report
        .documents
        .iter()
        .map(|d| (d.postmortem.clone(), d.rows.clone()))
        .collect();
    let outputs = Outputs::of(&statuses, 0, 0);
    let summary = job_summary(ctx, "followup", args.dry_run, &statuses, vec![], vec![])?;
    finish(ctx, &outputs, Some(&summary))?;
    println!(
        "{} open, {} overdue, {} done",
        outputs.open, outputs.overdue, outputs.done
    );
    let overdue_fail = args.fail_on_overdue && outputs.overdue > 0;
    Ok(if report.errors.is_empty() && !overdue_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The tool's issues, or nothing (with a warning) when they cannot be listed.
async fn list_state(ctx: &Ctx) -> Vec<TrackedIssue> {
    let remote = &ctx.resolved.remote;
    crate::reconcile::review::listing(&ctx.resolved, ctx.timeout)
        .await
        .unwrap_or_else(|e| {
            warn(ctx, &listing_failed(remote, &e));
            Vec::new()
        })
}

fn listing_failed(remote: &crate::reconcile::Remote, e: &TrackerError) -> String {
    format!(
        "cannot list the tracker's issues ({}); planned from the files alone",
        remote::explain(remote, e)
    )
}

fn job_summary(
    ctx: &Ctx,
    command: &str,
    dry_run: bool,
    statuses: &[(PostmortemRef, Vec<StatusItem>)],
    created: Vec<IssueLink>,
    errors: Vec<String>,
) -> anyhow::Result<String> {
    let job = summary::Job {
        command,
        dry_run,
        today: ctx.resolved.today,
        created,
        errors,
    };
    Ok(summary::job_summary(&ctx.engine, job, statuses)?)
}

/// A warning in the CI log: a GitHub annotation, or a plain line on GitLab.
fn warn(ctx: &Ctx, message: &str) {
    match ctx.run.forge {
        Forge::Github => println!("::warning title=postmortem-tracker::{}", escape(message)),
        Forge::Gitlab => eprintln!("warning: {message}"),
    }
}

fn escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Writes the outputs (`$GITHUB_OUTPUT`) and the summary (`$GITHUB_STEP_SUMMARY`); on GitLab,
/// the summary goes to the job log and the outputs to `postmortem-tracker.env` (`PMT_CREATED=…`, a dotenv
/// report other jobs can read).
fn finish(ctx: &Ctx, outputs: &Outputs, summary: Option<&str>) -> anyhow::Result<()> {
    match ctx.run.forge {
        Forge::Github => {
            if let Some(f) = &ctx.run.output_file {
                append(f, &outputs.github())?;
            }
            if let (Some(f), Some(s)) = (&ctx.run.summary_file, summary) {
                append(f, &format!("{s}\n"))?;
            }
        }
        Forge::Gitlab => {
            if let Some(s) = summary {
                println!("{s}");
            }
            let dotenv = outputs.github().to_uppercase().replace(
                |c: char| !(c.is_ascii_alphanumeric() || c == '=' || c == '\n'),
                "_",
            );
            let prefixed: String = dotenv.lines().map(|l| format!("PMT_{l}\n")).collect();
            std::fs::write("postmortem-tracker.env", prefixed)
                .context("cannot write postmortem-tracker.env")?;
        }
    }
    Ok(())
}

fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
