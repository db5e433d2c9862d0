//! The sync: carries a [`Plan`] out through a [`Tracker`], then writes the new issues' links
//! into the postmortems. The I/O shell around the pure [`plan`] and [`crate::writeback`]
//! functions; requests go through [`Paced`] (pacing, rate-limit waits, retries).
//!
//! The protocol (DESIGN.md, "Identity and idempotency"):
//! 1. One paginated listing of the tool's issues (by label) is the state; the plan reconciles
//!    items with it, so an item whose key is already on an issue is adopted, never re-created.
//! 2. Writes are serialised and paced (`min_write_interval`); rate limits (`retry-after`,
//!    `x-ratelimit-reset`, 429) are waited out, up to `max_wait`.
//! 3. A create that failed ambiguously (5xx, dropped connection, timeout) is followed by a
//!    fresh listing: if the issue is there, it is adopted; only otherwise is the create sent
//!    again.
//! 4. After creating, a confirming listing: if a concurrent run opened a second issue for a
//!    key, the newer one is closed as a duplicate of the older, and the older is linked.
//! 5. Links go into the files last, re-read and re-parsed just before writing, written whole
//!    through a temporary file and a rename.

use std::collections::{BTreeMap, HashMap};

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

use crate::forge::paced::{Paced, Pacing, Sleeper};
use crate::forge::{Closing, LabelSpec, NewIssue, Tracker, TrackerError};
use crate::identity::{ItemKey, Keyed};
use crate::model::{ItemKind, Postmortem};
use crate::parse::{parse, ParseOptions};
use crate::plan::{
    plan, Action, AdoptBy, Duplicate, IssueSummary, Plan, PlanOptions, Settled, TrackedIssue,
};
use crate::render::context::{IssueContext, ItemState, ItemView, PostmortemRef};
use crate::render::{safe, Engine};
use crate::writeback::{insert_links, Link};

/// Everything a sync needs besides the documents and the tracker.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The label that marks the tool's issues (and by which they are listed).
    pub label: String,
    pub today: NaiveDate,
    pub plan: PlanOptions,
    /// Owner names as written in postmortems → logins (`"Tobias Brandt" = "tbrandt"`).
    pub owners: BTreeMap<String, String>,
    /// Group each postmortem's issues in a milestone.
    pub milestones: bool,
    /// Link to a postmortem on the forge; `{path}` is replaced by its path.
    pub file_url: Option<String>,
    /// The folder document paths are relative to.
    pub root: PathBuf,
    /// Write links into the files (off: a run that dies before write-back, in tests).
    pub write_back: bool,
    /// Close the issue of an item removed from its postmortem (off: only report it).
    pub close_removed: bool,
    pub parse_options: ParseOptions,
    pub pacing: Pacing,
    /// The state labels ([`crate::board`]): each new issue is opened with its own, so the
    /// board step after the sync has none to add. `None`: off.
    pub state_labels: Option<crate::config::StateLabelsConfig>,
}

impl SyncOptions {
    /// The options `config` gives for `repo` on `today`: label, owners, milestones, default
    /// due dates by kind, pacing. Links are written into the files under `root`.
    pub fn from_config(
        config: &crate::config::Config,
        repo: Option<String>,
        today: NaiveDate,
        file_url: Option<String>,
        root: PathBuf,
    ) -> SyncOptions {
        SyncOptions {
            label: config.sync.label.clone(),
            today,
            plan: PlanOptions {
                repo,
                due: config.due_policy(),
                today: Some(today),
            },
            owners: config.owners.clone(),
            milestones: config.sync.milestones,
            file_url,
            root,
            write_back: true,
            close_removed: config.sync.close_removed,
            parse_options: config.parse_options(),
            pacing: Pacing {
                min_write_interval: Duration::from_millis(config.sync.min_write_interval_ms),
                max_wait: Duration::from_secs(config.sync.max_wait_secs),
                retry_delay: Duration::from_millis(config.sync.retry_delay_ms),
                ..Pacing::default()
            },
            state_labels: config
                .state_labels
                .enabled
                .then(|| config.state_labels.clone()),
        }
    }
}

/// A run that could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Tracker(#[from] TrackerError),
    #[error("{0}")]
    Render(#[from] crate::render::RenderError),
}

/// An issue opened or adopted for an item during the run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tracked {
    pub path: String,
    pub line: usize,
    pub key: ItemKey,
    pub text: String,
    pub issue: IssueSummary,
}

/// A link written into a file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkWritten {
    pub path: String,
    pub line: usize,
    pub reference: String,
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SyncReport {
    /// The plan as first reconciled.
    pub plan: Plan,
    /// Issues opened by this run.
    pub created: Vec<Tracked>,
    /// Items whose issue already existed (found by key), now linked.
    pub adopted: Vec<Tracked>,
    /// Newer issues closed as duplicates of older ones (a race between runs).
    pub duplicates_closed: Vec<Duplicate>,
    /// Issues closed because their item left the postmortem (`sync.close_removed`).
    pub removed_closed: Vec<crate::plan::Removed>,
    pub links_written: Vec<LinkWritten>,
    /// Owners that match no user: named in the issue body, not assigned.
    pub unknown_owners: Vec<String>,
    /// Problems with single items or files; the rest of the run went on.
    pub errors: Vec<String>,
    /// The last listing of the tool's issues (after the creates), for the board step.
    #[serde(skip)]
    pub listing: Vec<TrackedIssue>,
    /// State labels and the GitHub Project, set by [`crate::reconcile::sync::sync`]; its
    /// errors are also in `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<crate::board::BoardReport>,
}

/// The kind labels and their colours.
fn kind_label(kind: ItemKind) -> Option<LabelSpec> {
    let (color, description) = match kind {
        ItemKind::Corrective => ("d93f0b", "Corrective action from a postmortem"),
        ItemKind::Preventive => ("0e8a16", "Preventive action from a postmortem"),
        ItemKind::Task => ("1d76db", "Task from a postmortem"),
        ItemKind::Unknown => return None,
    };
    Some(LabelSpec {
        name: kind.name().to_string(),
        color: color.into(),
        description: description.into(),
    })
}

fn severity_label(doc: &Postmortem) -> Option<LabelSpec> {
    let sev = doc.front_matter.as_ref()?.severity.as_deref()?.trim();
    (!sev.is_empty()).then(|| LabelSpec {
        name: format!("severity:{}", sev.to_lowercase()),
        color: "b60205".into(),
        description: "Severity of the incident".into(),
    })
}

/// The labels of an item's issue.
pub fn labels_for(label: &str, doc: &Postmortem, kind: ItemKind) -> Vec<LabelSpec> {
    let mut out = vec![LabelSpec {
        name: label.to_string(),
        color: "5319e7".into(),
        description: "Action item tracked by postmortem-tracker".into(),
    }];
    out.extend(kind_label(kind));
    out.extend(severity_label(doc));
    out
}

/// The labels of a new issue: [`labels_for`], and its state label when state labels are on:
/// done or not planned for an item the sync closes at once, else open, or overdue when
/// already past due.
fn create_labels(
    options: &SyncOptions,
    doc: &Postmortem,
    c: &crate::plan::PlannedItem,
) -> Vec<LabelSpec> {
    let mut out = labels_for(&options.label, doc, doc.actions[c.item].kind);
    if let Some(names) = &options.state_labels {
        let state = if let Some(settled) = c.settled {
            match settled {
                Settled::Done => ItemState::Done,
                Settled::NotPlanned => ItemState::NotPlanned,
            }
        } else if c.due.is_some_and(|d| d < options.today) {
            ItemState::Overdue
        } else {
            ItemState::Open
        };
        out.push(crate::board::state_label_spec(names, state));
    }
    out
}

/// The milestone grouping a postmortem's issues: its id when the front matter has one, else
/// its title or path.
pub fn milestone_title(doc: &Postmortem) -> String {
    let name = match doc.front_matter.as_ref().and_then(|f| f.id.as_deref()) {
        Some(id) => match &doc.title {
            Some(t) => format!("{id}: {t}"),
            None => id.to_string(),
        },
        None => doc.title.clone().unwrap_or_else(|| doc.path.clone()),
    };
    let (kept, _) = safe::truncate_chars(&name, 120);
    format!("Postmortem {kept}")
}

/// The oldest live issue carrying `key`.
fn issue_with_key<'s>(state: &'s [TrackedIssue], key: &ItemKey) -> Option<&'s TrackedIssue> {
    state
        .iter()
        .filter(|t| !t.duplicate && t.key.as_ref() == Some(key))
        .min_by_key(|t| t.number)
}

enum Outcome {
    Created(TrackedIssue),
    Adopted(TrackedIssue),
    Failed(String),
}

/// Reconciles `docs` with the tracker and carries the plan out. Fatal tracker errors (bad
/// token, no access, missing repository, a rate-limit wait over the limit) stop the run; a
/// problem with one item is recorded in the report and the run goes on.
pub async fn sync<T: Tracker, S: Sleeper>(
    docs: &[Postmortem],
    tracker: &T,
    sleeper: &S,
    engine: &Engine,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let shell = Paced::new(tracker, sleeper, &options.pacing);
    let state = shell.list(&options.label).await?;
    let first = plan(docs, &state, &options.plan);
    let mut report = SyncReport {
        plan: first.clone(),
        ..SyncReport::default()
    };
    let creates: Vec<_> = first.creates().cloned().collect();

    if !creates.is_empty() {
        // Labels, once for the run.
        let mut wanted: Vec<LabelSpec> = Vec::new();
        for c in &creates {
            for l in create_labels(options, &docs[c.doc], c) {
                if !wanted.iter().any(|w| w.name == l.name) {
                    wanted.push(l);
                }
            }
        }
        shell
            .retrying(true, || tracker.ensure_labels(&wanted))
            .await?;

        let mut milestones: HashMap<usize, u64> = HashMap::new();
        for c in &creates {
            let doc = &docs[c.doc];
            let item = &doc.actions[c.item];
            let milestone = if options.milestones {
                match milestones.get(&c.doc) {
                    Some(m) => Some(*m),
                    None => {
                        let title = milestone_title(doc);
                        let m = shell
                            .retrying(true, || tracker.ensure_milestone(&title))
                            .await?;
                        milestones.insert(c.doc, m);
                        Some(m)
                    }
                }
            } else {
                None
            };
            let login = item.owner.as_deref().map(|o| {
                let first = crate::model::first_owner(o);
                options
                    .owners
                    .get(o)
                    .or_else(|| options.owners.get(first))
                    .cloned()
                    .unwrap_or_else(|| first.trim_start_matches('@').to_string())
            });
            // An item the postmortem drops is recorded, not handed to anyone: its owner is
            // named in the body, not assigned (an assignment notifies them of work that is
            // not to be done).
            let dropped_item = c.settled == Some(Settled::NotPlanned);
            let mut assignee = match login.as_deref().filter(|l| safe::is_login(l)) {
                Some(l) if !dropped_item => {
                    shell.retrying(false, || tracker.resolve_user(l)).await?
                }
                _ => None,
            };
            let labels: Vec<String> = create_labels(options, doc, c)
                .into_iter()
                .map(|l| l.name)
                .collect();
            let outcome = loop {
                let owner_shown = match (&assignee, &item.owner, &login) {
                    // Several owners: the first is assigned, the list stays as written.
                    (Some(_), Some(o), Some(l)) if crate::model::first_owner(o) != o.as_str() => {
                        Some(format!("{o} ({l} assigned)"))
                    }
                    (Some(_), _, Some(l)) => Some(l.clone()),
                    (None, Some(o), _) if dropped_item => Some(o.clone()),
                    (None, Some(o), _) => Some(format!("{o} (no matching account)")),
                    _ => None,
                };
                let context = IssueContext {
                    postmortem: PostmortemRef::of(doc, options.file_url.as_deref()),
                    item: ItemView {
                        key: c.key.to_string(),
                        text: item.text.clone(),
                        detail: item.detail.clone(),
                        kind: item.kind.name().to_string(),
                        owner: owner_shown,
                        due: c.due.map(|d| d.format("%Y-%m-%d").to_string()),
                        due_note: c.due_policy.as_ref().map(|p| p.to_string()),
                        priority: item.priority.clone(),
                        line: item.line,
                    },
                    marker: safe::marker(c.key.as_str(), &doc.path),
                };
                let new = NewIssue {
                    title: engine.render("issue_title", &context)?,
                    body: engine.render("issue_body", &context)?,
                    labels: labels.clone(),
                    assignee: assignee.clone(),
                    milestone,
                    due: c.due,
                };
                match create_once(&shell, &options.label, &c.key, &new).await? {
                    // An owner the forge will not assign (not a collaborator): name them in
                    // the body instead and open the issue without an assignee.
                    Err(TrackerError::Rejected { status: 422, .. }) if assignee.is_some() => {
                        assignee = None;
                    }
                    Err(e) => break Outcome::Failed(e.to_string()),
                    Ok(o) => break o,
                }
            };
            // A forge may open the issue without the assignee asked for (GitLab answers 201
            // with `assignees: []` for a user who is not a project member): reported like an
            // owner without an account.
            let dropped = matches!(&outcome, Outcome::Created(t) if assignee.is_some() && t.assignee.is_none());
            if (assignee.is_none() && !dropped_item) || dropped {
                if let Some(o) = &item.owner {
                    if !report.unknown_owners.contains(o) {
                        report.unknown_owners.push(o.clone());
                    }
                }
            }
            let tracked = |t: &TrackedIssue| Tracked {
                path: doc.path.clone(),
                line: item.line,
                key: c.key.clone(),
                text: item.text.clone(),
                issue: IssueSummary {
                    number: Some(t.number),
                    reference: t.reference(),
                    url: Some(t.url.clone()),
                    open: Some(t.open),
                },
            };
            match outcome {
                Outcome::Created(t) => report.created.push(tracked(&t)),
                Outcome::Adopted(t) => report.adopted.push(tracked(&t)),
                Outcome::Failed(e) => report.errors.push(format!(
                    "{}:{}: could not open an issue for {:?}: {e}",
                    doc.path, item.line, item.text
                )),
            }
        }
    }

    // Confirm: after writing, list again; the final plan names the issue of every item and
    // any duplicate a concurrent run made.
    let last = if report.created.is_empty() && report.adopted.is_empty() {
        report.listing = state;
        first.clone()
    } else {
        report.listing = shell.list(&options.label).await?;
        plan(docs, &report.listing, &options.plan)
    };
    for d in &last.duplicates {
        shell
            .retrying(true, || {
                tracker.close_issue(d.close, Closing::DuplicateOf(d.keep))
            })
            .await?;
        // Best effort, not retried: a repeated comment is noise, a missing one is harmless.
        shell.pace().await;
        let note = format!(
            "Duplicate of #{}: two runs of postmortem-tracker opened an issue for the same action item; the older one is kept.",
            d.keep
        );
        if let Err(e) = tracker.comment(d.close, &note).await {
            if e.is_fatal() {
                return Err(e.into());
            }
        }
        report.duplicates_closed.push(d.clone());
    }

    if options.close_removed {
        for r in last.removed.iter().filter(|r| r.issue.open == Some(true)) {
            let Some(number) = r.issue.number else {
                continue;
            };
            shell
                .retrying(true, || tracker.close_issue(number, Closing::NotPlanned))
                .await?;
            shell.pace().await;
            let note = format!(
                "This action item was removed from {}, so postmortem-tracker closed its issue (sync.close_removed is on).",
                r.path
            );
            if let Err(e) = tracker.comment(number, &note).await {
                if e.is_fatal() {
                    return Err(e.into());
                }
            }
            report.removed_closed.push(r.clone());
        }
    }

    // Every item found by key (adopted from the plan, or created now) gets its link.
    let mut links: BTreeMap<String, Vec<(ItemKey, IssueSummary)>> = BTreeMap::new();
    for i in &last.items {
        if let Action::Adopt {
            by: AdoptBy::Key,
            issue,
        } = &i.action
        {
            links
                .entry(i.path.clone())
                .or_default()
                .push((i.key.clone(), issue.clone()));
            let new_here = report.created.iter().any(|c| c.key == i.key)
                || report.adopted.iter().any(|c| c.key == i.key);
            if !new_here {
                report.adopted.push(Tracked {
                    path: i.path.clone(),
                    line: i.line,
                    key: i.key.clone(),
                    text: i.text.clone(),
                    issue: issue.clone(),
                });
            }
        }
    }
    // A created item whose issue turned out to be the newer duplicate links the older one.
    for c in report.created.iter_mut().chain(report.adopted.iter_mut()) {
        if let Some(i) = last.items.iter().find(|i| i.key == c.key) {
            if let Action::Adopt { issue, .. } | Action::Unchanged { issue } = &i.action {
                c.issue = issue.clone();
            }
        }
    }
    // A box ticked before the item had an issue: its issue records the work and is closed at
    // once, so the tracker (which decides the status from then on) does not call finished
    // work open or overdue. When this run writes the links, an adopted issue (one a crashed
    // run opened) is closed too: once linked, a later reopen is respected. Without write-back
    // the link may never land (the service's pull-request or off modes), and an adopted issue
    // may have been reopened on purpose, so only the issues this run opened are closed.
    // An item the postmortem drops (`Won't do`) is recorded the same way, closed as not
    // planned.
    let mut close_errors = Vec::new();
    let adopted = report.adopted.iter_mut().filter(|_| options.write_back);
    for c in report.created.iter_mut().chain(adopted) {
        let closing = last
            .items
            .iter()
            .find(|i| i.key == c.key)
            .and_then(|i| i.settled)
            .map(|s| match s {
                Settled::Done => Closing::Done,
                Settled::NotPlanned => Closing::NotPlanned,
            });
        let Some((number, closing)) = c
            .issue
            .number
            .filter(|_| c.issue.open == Some(true))
            .zip(closing)
        else {
            continue;
        };
        match shell
            .retrying(true, || tracker.close_issue(number, closing))
            .await
        {
            Ok(()) => c.issue.open = Some(false),
            // A rate limit the shell would not wait out: stop asking.
            Err(e) if e.is_fatal() || matches!(e, TrackerError::RateLimited { .. }) => {
                return Err(e.into())
            }
            Err(e) => close_errors.push(format!(
                "{}:{}: {} is open for the finished or dropped item {:?} and could not be closed: {e}",
                c.path, c.line, c.issue.reference, c.text
            )),
        }
    }
    report.errors.extend(close_errors);
    if options.write_back {
        for (path, keyed) in links {
            match write_links(&options.root, &path, &keyed, docs, &options.parse_options) {
                Ok(written) => report.links_written.extend(written),
                Err(e) => report.errors.push(e),
            }
        }
    }
    Ok(report)
}

/// One create, with the ambiguity rule: after a 5xx, a timeout or a dropped connection, list
/// again; an issue with the key is the one that was created. `Ok(Err(e))` is a failure of
/// this item only; `Err` stops the run.
async fn create_once<T: Tracker, S: Sleeper>(
    shell: &Paced<'_, T, S>,
    label: &str,
    key: &ItemKey,
    new: &NewIssue,
) -> Result<Result<Outcome, TrackerError>, TrackerError> {
    let mut attempt = 0;
    loop {
        shell.pace().await;
        let err = match shell.tracker().create_issue(new).await {
            Ok(t) => return Ok(Ok(Outcome::Created(t))),
            Err(e) => e,
        };
        attempt += 1;
        match err {
            e if e.is_fatal() => return Err(e),
            TrackerError::RateLimited { wait, message }
                if attempt < shell.pacing().max_attempts =>
            {
                shell.wait_out(wait, &message).await?;
            }
            TrackerError::Transient(m) => {
                let state = shell.list(label).await?;
                if let Some(t) = issue_with_key(&state, key) {
                    return Ok(Ok(Outcome::Adopted(t.clone())));
                }
                if attempt >= shell.pacing().max_attempts {
                    return Ok(Err(TrackerError::Transient(m)));
                }
                shell.backoff(attempt).await;
            }
            other => return Ok(Err(other)),
        }
    }
}

/// The links of `issues` (each an item's key and its issue) in `doc`: each goes next to the
/// item with that key wherever it now stands, unless the item already names an issue or the
/// issue has no address. Keys, not line numbers, so lines moved by someone else's edit still
/// get the right link. Pure: the sync's local write-back and its commits through the API
/// ([`crate::reconcile::publish::relink`]) both place links with it.
pub fn links_for(doc: &Postmortem, issues: &[(ItemKey, IssueSummary)]) -> Vec<Link> {
    let keyed = Keyed::of(doc);
    issues
        .iter()
        .filter_map(|(key, issue)| {
            let item = keyed.find(key)?.item;
            if item.issue.is_some() {
                return None;
            }
            Some(Link {
                line: item.line,
                reference: issue.reference.clone(),
                url: issue.url.clone()?,
            })
        })
        .collect()
}

/// Writes links into one file: re-read, re-parse (the file may have changed since the run
/// began), place each link on its item's current line ([`links_for`]), write through a
/// temporary file.
fn write_links(
    root: &Path,
    path: &str,
    keyed: &[(ItemKey, IssueSummary)],
    docs: &[Postmortem],
    options: &ParseOptions,
) -> Result<Vec<LinkWritten>, String> {
    let full = root.join(path);
    let bytes = std::fs::read(&full)
        .map_err(|e| format!("{path}: cannot read to write links back: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        format!("{path}: not valid UTF-8, links not written back (the issues are tracked by their hidden markers)")
    })?;
    let id_before = docs.iter().find(|d| d.path == path).map(|d| d.id.clone());
    let doc = parse(path, &text, options);
    if id_before.as_deref().is_some_and(|id| id != doc.id) {
        return Err(format!(
            "{path}: its id changed during the run; links not written back"
        ));
    }
    let links = links_for(&doc, keyed);
    let written = links
        .iter()
        .map(|l| LinkWritten {
            path: path.to_string(),
            line: l.line,
            reference: l.reference.clone(),
        })
        .collect();
    let out = insert_links(&text, &links);
    if out != text {
        let tmp = full.with_file_name(format!(
            ".{}.pmt-{}.tmp",
            full.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("postmortem"),
            std::process::id()
        ));
        std::fs::write(&tmp, out.as_bytes())
            .and_then(|_| std::fs::rename(&tmp, &full))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{path}: cannot write links back: {e}")
            })?;
    }
    Ok(written)
}
