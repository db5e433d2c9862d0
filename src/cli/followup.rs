//! `followup`: the status of every action item written back into its postmortem (the managed
//! status block, task-list boxes), and, with a tracker, the `overdue` label and reminders.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use super::input::{self, Global};
use super::remote::{self, Format, Kind, TrackerArgs};
use crate::config::Config;
use crate::followup::{
    followup_doc, update_tracker, DocOutcome, FollowupOptions, TrackerUpdates, UpdateOptions,
};
use crate::plan::TrackedIssue;
use crate::render::context::{Counts, ItemState, JobSummaryContext, PostmortemRef, SummaryEntry};
use crate::render::Engine;
use crate::tracker::publish::Publisher;
use crate::tracker::{dry_run::DryRun, github::GitHub, gitlab::GitLab, Tracker, TrackerError};
use crate::writeback::publish::{
    commit_message, publish, request_body, status_changes, Published, Source, StatusContext, Target,
};

/// How the status gets into the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteMode {
    /// Edit the files in the working tree.
    Local,
    /// Commit through the GitHub/GitLab API.
    Commit,
    /// Push to one branch and keep one pull/merge request open.
    PullRequest,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Postmortem files or folders (default: the configured `paths`).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub tracker: TrackerArgs,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit with 1 when any item is overdue.
    #[arg(long)]
    pub fail_on_overdue: bool,
    /// Where the status is written (default: `followup.write` in the configuration, else
    /// local).
    #[arg(long, value_enum)]
    pub write: Option<WriteMode>,
    /// Compute and print, but write nothing (no files, no labels, no comments).
    #[arg(long)]
    pub dry_run: bool,
}

/// What the run did, for `--format json`.
#[derive(Debug, Serialize)]
struct Report {
    today: NaiveDate,
    mode: &'static str,
    write: WriteMode,
    dry_run: bool,
    totals: Counts,
    documents: Vec<DocOutcome>,
    files_written: Vec<String>,
    /// Labels and reminders (tracker mode).
    updates: TrackerUpdates,
    /// Commit or pull-request mode: what went to the forge.
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<Published>,
    errors: Vec<String>,
}

/// One follow-up run, with or without a tracker.
struct Run<'a> {
    docs: &'a [crate::model::Postmortem],
    parse_options: crate::parse::ParseOptions,
    opts: &'a FollowupOptions,
    engine: &'a Engine,
    today: NaiveDate,
    dry_run: bool,
    update: UpdateOptions,
    label: &'a str,
    /// Local mode: the working tree is written. Else the files go through the forge's API.
    write: WriteMode,
    /// The branch of pull-request mode.
    branch: &'a str,
}

type Outcome = (
    Vec<DocOutcome>,
    Vec<String>,
    Vec<String>,
    Option<TrackerUpdates>,
    Option<Published>,
);

impl Run<'_> {
    /// Lists the tool's issues (one paginated listing), writes the files, then tells the
    /// tracker (labels, reminders).
    async fn execute<T: Tracker>(&self, tracker: Option<&T>) -> Result<Outcome, TrackerError> {
        self.execute_listed(tracker).await.map(|(o, _)| o)
    }

    /// [`Run::execute`], also giving back the tracker's listing.
    async fn execute_listed<T: Tracker>(
        &self,
        tracker: Option<&T>,
    ) -> Result<(Outcome, Option<Vec<TrackedIssue>>), TrackerError> {
        let listing = match tracker {
            Some(t) => Some(t.list_issues(self.label).await?),
            None => None,
        };
        let mut documents = Vec::new();
        let mut parsed = Vec::new();
        let mut files_written = Vec::new();
        let mut errors = Vec::new();
        for doc in self.docs {
            let path = Path::new(&doc.path);
            let text = match read_text(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("skipped {}: {e:#}", doc.path);
                    errors.push(format!("{}: {e:#}", doc.path));
                    continue;
                }
            };
            // Parse the text read now, so that lines match what is written.
            let fresh = crate::parse::parse(&doc.path, &text, &self.parse_options);
            let out = followup_doc(
                &fresh,
                &text,
                listing.as_deref(),
                self.today,
                self.opts,
                self.engine,
            )
            .map_err(|e| TrackerError::Rejected {
                status: 0,
                message: format!("template: {e}"),
            })?;
            if let Some(d) = &out.damage {
                errors.push(d.at(&doc.path));
            }
            if out.changed && !self.dry_run && self.write == WriteMode::Local {
                match write_atomic(path, &out.text) {
                    Ok(()) => files_written.push(doc.path.clone()),
                    Err(e) => errors.push(format!("{}: {e:#}", doc.path)),
                }
            }
            documents.push(out);
            parsed.push(fresh);
        }
        let updates = match (tracker, &listing) {
            (Some(t), Some(l)) if !self.dry_run => {
                let pairs: Vec<_> = parsed.iter().zip(documents.iter()).collect();
                Some(update_tracker(t, &pairs, l, self.engine, self.opts, &self.update).await?)
            }
            _ => None,
        };
        Ok(((documents, files_written, errors, updates, None), listing))
    }

    /// Commit or pull-request mode: the same follow-up, then the changed files through the
    /// forge's API, each re-applied to the text on the forge (see [`publish`]).
    async fn execute_published<T: Tracker + Publisher>(
        &self,
        forge: &T,
    ) -> Result<Outcome, TrackerError> {
        let ((documents, mut files_written, mut errors, updates, _), listing) =
            self.execute_listed(Some(forge)).await?;
        if self.dry_run {
            return Ok((documents, files_written, errors, updates, None));
        }
        // The listing the files were computed with, so the remote text gets the same status.
        let listing = listing.unwrap_or_default();
        let cx = StatusContext {
            today: self.today,
            options: self.opts,
            engine: self.engine,
            parse_options: &self.parse_options,
        };
        let changes = status_changes(&documents, &listing, &cx);
        let target = match self.write {
            WriteMode::PullRequest => Target::PullRequest {
                branch: self.branch.to_string(),
                title: "postmortem-tracker: action item status".into(),
            },
            _ => Target::Commit,
        };
        let body = request_body(&documents, self.today);
        let published = publish(
            forge,
            &changes,
            &target,
            &commit_message(Source::Followup),
            &body,
        )
        .await?;
        files_written.extend(published.written.iter().cloned());
        errors.extend(published.errors.iter().cloned());
        Ok((documents, files_written, errors, updates, Some(published)))
    }
}

/// Today in the configured time zone (UTC offset), or the machine's local day.
pub fn today_in(config: &Config) -> NaiveDate {
    crate::clock::today(config.zone(), chrono::Utc::now())
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let inputs = input::load(&args.paths, global)?;
    let config = &inputs.config;
    let env = remote::env_map();
    let remote = remote::resolve(&args.tracker, config, &env)?;
    let today = args.tracker.today.unwrap_or_else(|| today_in(config));
    let write = match args.write {
        Some(w) => w,
        None => match config.followup.write.as_str() {
            "commit" => WriteMode::Commit,
            "pull-request" => WriteMode::PullRequest,
            _ => WriteMode::Local,
        },
    };
    let sync_opts = remote::sync_options(config, &remote, today, &env)?;
    let opts = FollowupOptions::from_config(
        config,
        (!remote.repo.is_empty()).then(|| remote.repo.clone()),
        sync_opts.file_url.clone(),
    );
    let engine = Engine::new(config.templates_dir.as_deref())?;
    let timeout = std::time::Duration::from_secs(config.sync.timeout_secs);
    let label = config.sync.label.clone();

    if write != WriteMode::Local && (remote.kind == Kind::None || remote.token.is_none()) {
        anyhow::bail!(
            "--write {}: needs a tracker and a token; without one, use --write local",
            if write == WriteMode::Commit {
                "commit"
            } else {
                "pull-request"
            }
        );
    }
    let run = Run {
        docs: &inputs.documents,
        parse_options: config.parse_options(),
        opts: &opts,
        engine: &engine,
        today,
        dry_run: args.dry_run,
        update: UpdateOptions {
            today,
            reminder_interval_days: config.followup.reminder_interval_days,
            min_write_interval: std::time::Duration::from_millis(config.sync.min_write_interval_ms),
            max_wait: std::time::Duration::from_secs(config.sync.max_wait_secs),
        },
        label: &label,
        write,
        branch: &config.followup.branch,
    };
    let rt = remote::runtime()?;
    let explain = |e: TrackerError| anyhow::anyhow!(remote::explain(&remote, &e));
    let (documents, files_written, mut errors, updates, published) = rt.block_on(async {
        match (remote.kind, remote.token.as_deref()) {
            (Kind::None, _) | (_, None) => {
                if remote.kind != Kind::None {
                    eprintln!(
                        "note: no {} in the environment: file-only follow-up (ticked boxes are done, due dates come from the files)",
                        remote.token_var()
                    );
                }
                run.execute::<DryRun>(None).await.map_err(explain)
            }
            (Kind::Github, Some(t)) => {
                let gh = GitHub::new(&remote.api_url, &remote.repo, Some(t), timeout)
                    .map_err(anyhow::Error::msg)?;
                if write == WriteMode::Local {
                    run.execute(Some(&gh)).await.map_err(explain)
                } else {
                    run.execute_published(&gh).await.map_err(explain)
                }
            }
            (Kind::Gitlab, Some(t)) => {
                let gl = GitLab::connect(&remote.api_url, &remote.repo, t)
                    .await
                    .map_err(explain)?;
                if write == WriteMode::Local {
                    run.execute(Some(&gl)).await.map_err(explain)
                } else {
                    run.execute_published(&gl).await.map_err(explain)
                }
            }
        }
    })?;
    let mode = if updates.is_some() || (remote.kind != Kind::None && remote.token.is_some()) {
        "tracker"
    } else {
        "file-only"
    };
    let updates = updates.unwrap_or_default();
    errors.extend(updates.errors.iter().cloned());
    let mut totals = Counts::default();
    for d in &documents {
        totals.done += d.counts.done;
        totals.open += d.counts.open;
        totals.overdue += d.counts.overdue;
        totals.total += d.counts.total;
    }
    let report = Report {
        today,
        mode,
        write,
        dry_run: args.dry_run,
        totals,
        documents,
        files_written,
        updates,
        published,
        errors,
    };
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Text => text(&report),
        Format::Markdown => markdown(&report, &engine, &opts)?,
    };
    print!("{out}");
    if !report.errors.is_empty() {
        return Ok(ExitCode::from(1));
    }
    if args.fail_on_overdue && report.totals.overdue > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a postmortem as UTF-8. Write-back never rewrites a file it could not read exactly.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("not valid UTF-8: the status is not written into it (nothing is changed)")
    })
}

/// Writes through a temporary file and a rename, so a crash leaves the old or the new text.
fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path.file_name().context("not a file")?.to_string_lossy();
    let tmp = dir
        .map(|d| d.join(format!(".{name}.postmortem-tracker.tmp")))
        .unwrap_or_else(|| PathBuf::from(format!(".{name}.postmortem-tracker.tmp")));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

fn state_word(s: ItemState) -> &'static str {
    match s {
        ItemState::Done => "done",
        ItemState::Open => "open",
        ItemState::Overdue => "overdue",
    }
}

fn text(r: &Report) -> String {
    let mut out = String::new();
    for d in &r.documents {
        let _ = writeln!(
            out,
            "{}: {} done, {} open, {} overdue{}",
            d.path,
            d.counts.done,
            d.counts.open,
            d.counts.overdue,
            if !d.changed {
                ""
            } else if r.dry_run {
                " (status would be written)"
            } else {
                " (status written)"
            }
        );
        for i in &d.items {
            let _ = write!(
                out,
                "  {:<8} line {:<4} {}",
                state_word(i.status.state),
                i.line,
                i.text
            );
            if let Some(n) = i.status.days_overdue {
                let _ = write!(
                    out,
                    " — {n} {} overdue",
                    if n == 1 { "day" } else { "days" }
                );
            }
            if let Some(due) = i.status.due {
                let _ = write!(out, " (due {due})");
            }
            if let Some(issue) = &i.issue {
                let _ = write!(out, " {}", issue.reference);
            }
            if let Some(o) = &i.status.owner {
                let _ = write!(out, " @{}", o.trim_start_matches('@'));
            }
            if i.issue_missing {
                out.push_str(" [issue not found on the tracker]");
            }
            out.push('\n');
        }
    }
    if r.mode == "tracker" {
        let list = |v: &[u64]| {
            v.iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let u = &r.updates;
        let _ = writeln!(
            out,
            "Tracker: {} labelled overdue {}, {} unlabelled {}, {} reminded {}",
            u.labelled.len(),
            list(&u.labelled),
            u.unlabelled.len(),
            list(&u.unlabelled),
            u.reminded.len(),
            list(&u.reminded)
        );
    }
    if let Some(p) = &r.published {
        let _ = writeln!(
            out,
            "Committed {} file(s) to {} ({} already up to date, {} conflict(s) re-applied)",
            p.written.len(),
            p.branch,
            p.unchanged.len(),
            p.conflicts
        );
        if let Some((n, url, created)) = &p.request {
            let _ = writeln!(
                out,
                "{} pull/merge request {n}: {url}",
                if *created { "Opened" } else { "Updated" }
            );
        }
    }
    for e in &r.errors {
        let _ = writeln!(out, "error: {e}");
    }
    let _ = writeln!(
        out,
        "Follow-up ({}) as of {}: {} done, {} open, {} overdue; {} {} written.",
        r.mode,
        r.today,
        r.totals.done,
        r.totals.open,
        r.totals.overdue,
        r.files_written.len(),
        if r.files_written.len() == 1 {
            "file"
        } else {
            "files"
        }
    );
    out
}

fn markdown(r: &Report, engine: &Engine, opts: &FollowupOptions) -> anyhow::Result<String> {
    let entries = r
        .documents
        .iter()
        .map(|d| SummaryEntry {
            postmortem: PostmortemRef {
                path: d.path.clone(),
                url: opts.file_url.as_ref().map(|u| u.replace("{path}", &d.path)),
                title: None,
            },
            counts: d.counts,
            overdue: {
                let mut o: Vec<_> = d
                    .rows
                    .iter()
                    .filter(|i| i.state == ItemState::Overdue)
                    .cloned()
                    .collect();
                o.sort_by_key(|i| std::cmp::Reverse(i.days_overdue));
                o
            },
        })
        .collect();
    let ctx = JobSummaryContext {
        command: "followup".into(),
        dry_run: r.dry_run,
        today: r.today.to_string(),
        entries,
        totals: r.totals,
        created: Vec::new(),
        errors: r.errors.clone(),
    };
    Ok(engine.render("job_summary", &ctx)?)
}
