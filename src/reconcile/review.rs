//! The pull/merge request check as one job: the postmortems the request changes are linted and
//! planned against the tracker's listing, and the request keeps one sticky comment with the
//! plan and the findings (found again by its marker: edited, never a second one). `ci` on a
//! review event gathers the inputs, calls [`review`] and prints its [`ReviewReport`].
//!
//! Nothing here fails the check: a missing token, a listing or a comment the forge refuses
//! become [`Warning`]s or a [`Comment::Failed`], and the check goes on from the files alone.

use std::time::Duration;

use crate::ci::review::{Review, Sticky, STICKY_MARKER};
use crate::forge::client::{Client, ConnectError};
use crate::forge::{ForgeKind, Tracker, TrackerError};
use crate::lint::{lint, Finding};
use crate::model::{Postmortem, Severity};
use crate::plan::{plan, Action, Plan, PlannedItem, TrackedIssue};
use crate::render::context::{
    Finding as FindingView, IssueLink, ItemView, PlanEntry, PostmortemRef, PrCommentContext,
    StatusItem,
};
use crate::render::{Engine, RenderError};
use crate::sync::SyncOptions;

use super::Options;

/// What the check needs besides the forge.
pub struct Job<'a> {
    pub options: &'a Options,
    pub engine: &'a Engine,
    /// Every configured postmortem, parsed.
    pub documents: &'a [Postmortem],
    /// Files that could not be read: (path, why).
    pub skipped: &'a [(String, String)],
    /// The pull request's number or the merge request's iid.
    pub number: u64,
    /// Compute the comment but do not write it.
    pub dry_run: bool,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Something the check could not do; it went on without it.
#[derive(Debug)]
pub enum Warning {
    /// The request could not be reached (GitLab checks the token on connecting).
    Connect(TrackerError),
    /// No token: every postmortem is checked and nothing is commented.
    NoToken,
    /// The changed files could not be listed: every postmortem is checked.
    ChangedFiles(TrackerError),
    /// The tracker's issues could not be listed: planned from the files alone.
    Listing(TrackerError),
}

/// What became of the sticky comment.
#[derive(Debug)]
pub enum Comment {
    /// A dry run: not written.
    DryRun,
    /// No client for the request (see the warnings): not written.
    NoClient,
    /// No postmortem changed and the request has no comment of the tool: none opened.
    Absent,
    /// Created, updated, or already saying this.
    Written(Sticky),
    /// The forge refused or failed.
    Failed(TrackerError),
}

/// What the check found and did.
#[derive(Debug)]
pub struct ReviewReport {
    /// Lint findings of the changed postmortems (and of unreadable changed files).
    pub findings: Vec<Finding>,
    /// How many postmortems were checked.
    pub checked: usize,
    /// Every checked item's state, per postmortem.
    pub statuses: Vec<(PostmortemRef, Vec<StatusItem>)>,
    /// The comment's body; `None` when no postmortem changed (the earlier comment, if any,
    /// is edited to say so).
    pub body: Option<String>,
    pub comment: Comment,
    pub warnings: Vec<Warning>,
}

impl ReviewReport {
    /// Findings of error severity.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.severity == Severity::Error)
            .count()
    }
}

/// Why the check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The options name no usable request (a malformed API URL).
    #[error(transparent)]
    Setup(#[from] crate::forge::SetupError),
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// The pull request `number` reached through the GitHub App of `remote`.
async fn review_as_app(
    remote: &crate::forge::client::Remote,
    number: u64,
    timeout: Duration,
) -> Result<Review, TrackerError> {
    let credentials = remote.app.as_ref().expect("called with an App");
    let app = crate::forge::app::GitHubApp::connect(&remote.api_url, credentials, timeout)
        .await
        .map_err(|message| TrackerError::Rejected { status: 0, message })?;
    Review::github_app(&app, &remote.repo, number).await
}

/// Runs the check of request `job.number`. The forge's refusals are in the report; an error
/// is a setup the check cannot start from, or a template that does not render.
pub async fn review(job: &Job<'_>) -> Result<ReviewReport, ReviewError> {
    let options = job.options;
    let remote = &options.remote;
    let mut warnings = Vec::new();
    let token = remote.token.as_deref();
    let client = match (remote.forge_or_default(), token) {
        // As the App: its installation's token, never a personal one (the App is the bot
        // that comments).
        (ForgeKind::Github, _) if remote.app.is_some() => {
            match review_as_app(remote, job.number, job.timeout).await {
                Ok(c) => Some(c),
                Err(e) => {
                    warnings.push(Warning::Connect(e));
                    None
                }
            }
        }
        (ForgeKind::Github, token) => Some(
            Review::github(
                &remote.api_url,
                &remote.repo,
                job.number,
                token,
                job.timeout,
            )
            .map_err(ReviewError::Setup)?,
        ),
        (ForgeKind::Gitlab, Some(t)) => {
            match Review::gitlab(&remote.api_url, &remote.repo, job.number, t).await {
                Ok(c) => Some(c),
                Err(e) => {
                    warnings.push(Warning::Connect(e));
                    None
                }
            }
        }
        (ForgeKind::Gitlab, None) => None,
    };
    // The changed files; without them (no token on GitLab, an API failure) every configured
    // postmortem is checked, which is slower but never misses one.
    let changed = match &client {
        Some(c) => match c.changed_files().await {
            Ok(files) => Some(files),
            Err(e) => {
                warnings.push(Warning::ChangedFiles(e));
                None
            }
        },
        None => {
            warnings.push(Warning::NoToken);
            None
        }
    };
    let selected = |p: &str| changed.as_ref().is_none_or(|c| c.iter().any(|f| f == p));
    let docs: Vec<Postmortem> = job
        .documents
        .iter()
        .filter(|d| selected(&d.path))
        .cloned()
        .collect();
    let mut findings = Vec::new();
    for (path, reason) in job.skipped.iter().filter(|(p, _)| selected(p)) {
        findings.push(Finding::unreadable(path, reason));
    }
    for d in &docs {
        for diag in lint(d, &options.config) {
            findings.push(Finding {
                path: d.path.clone(),
                diagnostic: diag,
            });
        }
    }

    let state = listing(options, job.timeout).await.unwrap_or_else(|e| {
        warnings.push(Warning::Listing(e));
        Vec::new()
    });
    let p = plan(&docs, &state, &options.sync.plan);
    let statuses = statuses(&docs, &p, &options.sync);
    let mut report = ReviewReport {
        checked: docs.len(),
        statuses,
        body: None,
        comment: Comment::NoClient,
        warnings,
        findings,
    };
    if docs.is_empty() && report.findings.is_empty() {
        // An earlier push may have left a plan comment: say it no longer applies (never open
        // a comment just to say so).
        report.comment = match (&client, job.dry_run) {
            (Some(c), false) => match c.retire_sticky().await {
                Ok(Some(s)) => Comment::Written(s),
                Ok(None) => Comment::Absent,
                Err(e) => Comment::Failed(e),
            },
            (None, _) => Comment::NoClient,
            (Some(_), true) => Comment::DryRun,
        };
        return Ok(report);
    }
    let body = pr_comment(job, &docs, &p, &report)?;
    report.comment = match (&client, job.dry_run) {
        (_, true) => Comment::DryRun,
        (None, _) => Comment::NoClient,
        (Some(c), false) => match c.upsert_sticky(&body).await {
            Ok(s) => Comment::Written(s),
            Err(e) => Comment::Failed(e),
        },
    };
    report.body = Some(body);
    Ok(report)
}

/// The tool's issues from one listing. GitHub lists a public repository without a token;
/// GitLab needs one, and without it there is nothing to list.
pub async fn listing(
    options: &Options,
    timeout: Duration,
) -> Result<Vec<TrackedIssue>, TrackerError> {
    let remote = &options.remote;
    if remote.kind == Some(ForgeKind::Gitlab) && remote.token.is_none() {
        return Ok(Vec::new());
    }
    match Client::connect(remote, timeout).await {
        Ok(c) => c.list_issues(&options.sync.label).await,
        Err(ConnectError::Tracker(e)) => Err(e),
        Err(ConnectError::Setup(e)) => Err(TrackerError::Rejected {
            status: 0,
            message: e.to_string(),
        }),
    }
}

fn item_view(d: &Postmortem, i: &PlannedItem) -> ItemView {
    let item = &d.actions[i.item];
    ItemView {
        key: i.key.to_string(),
        text: item.text.clone(),
        detail: item.detail.clone(),
        kind: item.kind.name().to_string(),
        owner: item.owner.clone(),
        due: i.due.map(|d| d.format("%Y-%m-%d").to_string()),
        due_note: i.due_policy.as_ref().map(|p| p.to_string()),
        priority: item.priority.clone(),
        line: item.line,
    }
}

/// Every planned item's state on the sync's `today`, per document, by
/// [`crate::status::status`]: done when its issue is closed (or, untracked, when its box is
/// ticked), overdue when open past the plan's due date (the item's own, else the policy's,
/// which the sync gives the issue it opens).
pub fn statuses(
    docs: &[Postmortem],
    p: &Plan,
    options: &SyncOptions,
) -> Vec<(PostmortemRef, Vec<StatusItem>)> {
    use crate::due::DocFacts;
    use crate::status::{status, IssueState};
    let mut out: Vec<(PostmortemRef, Vec<StatusItem>)> = docs
        .iter()
        .map(|d| {
            (
                PostmortemRef::of(d, options.file_url.as_deref()),
                Vec::new(),
            )
        })
        .collect();
    for i in &p.items {
        let d = &docs[i.doc];
        let item = &d.actions[i.item];
        let issue = match &i.action {
            Action::Create => None,
            Action::Adopt { issue, .. } | Action::Unchanged { issue } => Some(issue),
        };
        // What the plan knows of the issue (or will give it): its state when listed, else the
        // file's box or status (a dropped item's new issue is closed at once); the plan's due
        // date.
        let known = IssueState {
            open: issue
                .and_then(|s| s.open)
                .unwrap_or(!item.done && !item.not_planned),
            due: i.due,
            ..IssueState::default()
        };
        let st = status(
            item,
            Some(&known),
            &DocFacts::of(d),
            &options.plan.due,
            options.today,
        );
        out[i.doc].1.push(StatusItem {
            item: item_view(d, i),
            issue: issue.map(|s| IssueLink {
                reference: s.reference.clone(),
                url: s.url.clone(),
            }),
            state: st.state,
            days_overdue: st.days_overdue,
        });
    }
    out
}

/// The sticky comment: the plan and the findings of the changed postmortems.
fn pr_comment(
    job: &Job<'_>,
    docs: &[Postmortem],
    p: &Plan,
    report: &ReviewReport,
) -> Result<String, RenderError> {
    let (findings, statuses) = (&report.findings, &report.statuses);
    let mut entries: Vec<PlanEntry> = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        let create: Vec<ItemView> = p
            .items
            .iter()
            .filter(|i| i.doc == di && i.action == Action::Create)
            .map(|i| item_view(d, i))
            .collect();
        let tracked: Vec<StatusItem> = statuses[di]
            .1
            .iter()
            .filter(|s| s.issue.is_some())
            .cloned()
            .collect();
        entries.push(PlanEntry {
            postmortem: statuses[di].0.clone(),
            create,
            tracked,
            removed: p
                .removed
                .iter()
                .filter(|r| r.path == d.path)
                .map(|r| IssueLink {
                    reference: r.issue.reference.clone(),
                    url: r.issue.url.clone(),
                })
                .collect(),
            findings: findings_of(findings, &d.path),
        });
    }
    // Unreadable files have findings but no document.
    for (path, _) in job.skipped {
        let f = findings_of(findings, path);
        if !f.is_empty() {
            entries.push(PlanEntry {
                postmortem: PostmortemRef {
                    path: path.clone(),
                    url: None,
                    title: None,
                },
                create: vec![],
                tracked: vec![],
                removed: vec![],
                findings: f,
            });
        }
    }
    let errors = report.errors();
    let context = PrCommentContext {
        create_count: p.creates().count(),
        error_count: errors,
        warning_count: findings
            .iter()
            .filter(|f| f.diagnostic.severity == Severity::Warning)
            .count(),
        entries,
        marker: STICKY_MARKER.to_string(),
    };
    let body = job.engine.render("pr_comment", &context)?;
    // A user template that drops the marker would make every push add a comment.
    Ok(if body.contains(STICKY_MARKER) {
        body
    } else {
        format!("{STICKY_MARKER}\n{body}")
    })
}

fn findings_of(findings: &[Finding], path: &str) -> Vec<FindingView> {
    findings
        .iter()
        .filter(|f| f.path == path)
        .map(|f| FindingView {
            severity: f.diagnostic.severity.name().to_string(),
            line: f.diagnostic.line,
            code: f.diagnostic.code.to_string(),
            message: f.diagnostic.message.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::forge::client::Remote;

    /// Without a token on GitLab the check reaches no forge: every postmortem is checked, the
    /// plan comes from the files alone, and the comment is rendered but not written.
    #[tokio::test]
    async fn without_a_token_every_postmortem_is_checked_and_nothing_written() {
        let docs = vec![
            crate::parse::parse(
                "pm/a.md",
                "# Outage\n\n## Action items\n\n- Add an alert\n",
                &Default::default(),
            ),
            crate::parse::parse("pm/b.md", "# Other\n\nNo sections.\n", &Default::default()),
        ];
        let remote = Remote {
            kind: Some(ForgeKind::Gitlab),
            repo: "acme/svc".into(),
            // Never contacted: a request here would fail the test with a connection error.
            api_url: "http://127.0.0.1:9/api/v4".into(),
            token: None,
            app: None,
        };
        let today = "2026-03-01".parse().unwrap();
        let options = Options::new(Config::default(), remote, None, Default::default(), today);
        let engine = Engine::new(None).unwrap();
        let skipped = vec![("pm/c.md".to_string(), "binary".to_string())];
        let report = review(&Job {
            options: &options,
            engine: &engine,
            documents: &docs,
            skipped: &skipped,
            number: 7,
            dry_run: false,
            timeout: Duration::from_secs(1),
        })
        .await
        .unwrap();
        assert!(matches!(report.warnings.as_slice(), [Warning::NoToken]));
        assert!(matches!(report.comment, Comment::NoClient));
        assert_eq!(report.checked, 2);
        assert!(report
            .findings
            .iter()
            .any(|f| f.path == "pm/c.md" && f.diagnostic.code == "unreadable"));
        let body = report.body.expect("a comment body");
        assert!(body.contains(STICKY_MARKER), "{body}");
        assert!(body.contains("Add an alert"), "{body}");
        assert_eq!(report.statuses.len(), 2);
        assert_eq!(report.statuses[0].1.len(), 1, "the one item, planned");
    }
}
