//! The job summary every entry point shows (`$GITHUB_STEP_SUMMARY`, the GitLab job log,
//! `followup --format markdown`), from the status of every item per postmortem.

use chrono::NaiveDate;

use crate::render::context::{
    Counts, IssueLink, ItemState, JobSummaryContext, PostmortemRef, StatusItem, SummaryEntry,
};
use crate::render::{Engine, RenderError};

/// What a job did, for its summary.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// `sync` or `followup`.
    pub command: &'a str,
    pub dry_run: bool,
    pub today: NaiveDate,
    /// Issues opened by the job.
    pub created: Vec<IssueLink>,
    /// Problems met; the job went on.
    pub errors: Vec<String>,
}

/// The `job_summary` template rendered for `job`, with each postmortem's counts and its
/// overdue items, most overdue first.
pub fn job_summary(
    engine: &Engine,
    job: Job<'_>,
    statuses: &[(PostmortemRef, Vec<StatusItem>)],
) -> Result<String, RenderError> {
    let mut all = Vec::new();
    let entries = statuses
        .iter()
        .map(|(pm, items)| {
            all.extend(items.iter().cloned());
            let mut overdue: Vec<StatusItem> = items
                .iter()
                .filter(|s| s.state == ItemState::Overdue)
                .cloned()
                .collect();
            overdue.sort_by_key(|s| std::cmp::Reverse(s.days_overdue));
            SummaryEntry {
                postmortem: pm.clone(),
                counts: Counts::of(items),
                overdue,
            }
        })
        .collect();
    let context = JobSummaryContext {
        command: job.command.into(),
        dry_run: job.dry_run,
        today: job.today.format("%Y-%m-%d").to_string(),
        entries,
        totals: Counts::of(&all),
        created: job.created,
        errors: job.errors,
    };
    engine.render("job_summary", &context)
}
