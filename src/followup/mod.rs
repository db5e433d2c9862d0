//! The follow-up, pure part: a parsed postmortem, its text, the tracker's listing (optional)
//! and today → the status of every item, the new text of the postmortem (status block and
//! task-list boxes), and what the tracker should be told (the `overdue` label, reminders).
//!
//! No I/O and no clock of its own: the job ([`crate::reconcile::followup`]) reads files,
//! lists issues and writes; [`update_tracker`] talks to the tracker only through a
//! [`Paced`] tracker, which paces and waits with an injected sleeper. Without a listing (file-only mode) the file is the state: a ticked box
//! is done, the item's own due date (or the configured default) is its due date.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::due::{DocFacts, Policy};
use crate::forge::paced::{Paced, Sleeper};
use crate::forge::{Tracker, TrackerError};
use crate::identity::{ItemKey, Keyed, KeyedItem};
use crate::model::{IssueRef, ItemKind, Postmortem};
use crate::plan::{refers_to, PlanOptions, TrackedIssue};
use crate::render::context::{
    Counts, IssueLink, ItemState, ItemView, PostmortemRef, ReminderContext, StatusBlockContext,
    StatusItem,
};
use crate::render::{Engine, RenderError};
use crate::status::{status, IssueState, Status};
use crate::writeback::status::{find_block, set_boxes, write_block, BlockDamage};

pub mod digest;
pub mod reminders;

/// How overdue items are chased (`followup.reminders`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminders {
    /// A comment on each overdue issue, at most once per interval.
    #[default]
    Issue,
    /// One digest issue per repository, kept up to date in place.
    Digest,
    /// Both.
    Both,
    /// Neither (the `overdue` label and the status block still tell).
    Off,
}

impl Reminders {
    /// `issue`, `digest`, `both` or `off`.
    pub fn parse(s: &str) -> Option<Reminders> {
        match s.trim().to_ascii_lowercase().as_str() {
            "issue" => Some(Reminders::Issue),
            "digest" => Some(Reminders::Digest),
            "both" => Some(Reminders::Both),
            "off" => Some(Reminders::Off),
            _ => None,
        }
    }

    /// A comment goes on each overdue issue.
    pub fn per_issue(self) -> bool {
        matches!(self, Reminders::Issue | Reminders::Both)
    }

    /// The digest issue is kept.
    pub fn digest(self) -> bool {
        matches!(self, Reminders::Digest | Reminders::Both)
    }
}

/// What the follow-up is told beyond documents, listing and day.
#[derive(Debug, Clone)]
pub struct FollowupOptions {
    /// The due-date policy for items that name no date.
    pub due: Policy,
    /// The tracked repository, to recognise `owner/name#12` as one of the tool's issues.
    pub repo: Option<String>,
    /// Link to a postmortem on the forge; `{path}` is replaced by its path.
    pub file_url: Option<String>,
    /// The label on overdue issues.
    pub overdue_label: String,
    /// How overdue items are chased.
    pub reminders: Reminders,
    /// Unanswered reminders after which the next one escalates (0: never).
    pub escalate_after: u32,
    /// Whom an escalation mentions instead of the postmortem's owners.
    pub escalation: Vec<String>,
    /// Days ahead the digest calls an item due soon.
    pub due_soon_days: i64,
    /// The digest issue's title.
    pub digest_title: String,
    /// The label every issue of the tool carries (the digest too, so the listing finds it).
    pub label: String,
}

impl Default for FollowupOptions {
    /// The options without configuration and without a tracked repository.
    fn default() -> Self {
        FollowupOptions::from_config(&crate::config::Config::default(), None, None)
    }
}

impl FollowupOptions {
    /// The options `config` gives for `repo` (to recognise its issue references) and
    /// `file_url` (links to postmortems).
    pub fn from_config(
        config: &crate::config::Config,
        repo: Option<String>,
        file_url: Option<String>,
    ) -> FollowupOptions {
        FollowupOptions {
            due: config.due_policy(),
            repo,
            file_url,
            overdue_label: config.followup.overdue_label.clone(),
            reminders: Reminders::parse(&config.followup.reminders).unwrap_or_default(),
            escalate_after: config.followup.escalate_after,
            escalation: config.followup.escalation.clone(),
            due_soon_days: config.followup.due_soon_days,
            digest_title: config.followup.digest_title.clone(),
            label: config.sync.label.clone(),
        }
    }
}

/// One item's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemOutcome {
    pub line: usize,
    pub key: ItemKey,
    pub text: String,
    /// Corrective, preventive, task (what boards and reports show of the item).
    #[serde(skip)]
    pub kind: ItemKind,
    /// The item's issue, when it names one or the tracker has one with its key.
    pub issue: Option<IssueLink>,
    /// The number of the tool's issue, when the listing has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// The file names one of the tool's issues (`#12`) that the listing does not have
    /// (deleted, moved, or its label removed): the file's own state is used.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub issue_missing: bool,
    #[serde(flatten)]
    pub status: Status,
    /// The item as templates show it (its status block row, its reminder).
    #[serde(skip)]
    pub view: ItemView,
    /// Its task-list box, when it has one: ticked or not in the file.
    #[serde(skip)]
    pub checkbox: Option<bool>,
    /// The day the tool first tracked the item, when its postmortem states no date (the
    /// policy counts from it, and the status block records it).
    #[serde(skip)]
    pub tracked_since: Option<NaiveDate>,
}

/// One postmortem's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocOutcome {
    pub path: String,
    /// The postmortem as templates show it (path, link, title).
    #[serde(skip)]
    pub postmortem: PostmortemRef,
    /// The front matter's `owners`: whom an escalation mentions.
    #[serde(skip)]
    pub owners: Vec<String>,
    /// The front matter's `severity`, as written ([`severity`]).
    #[serde(skip)]
    pub severity: Option<String>,
    /// The day of the incident ([`incident_day`]).
    #[serde(skip)]
    pub incident: Option<NaiveDate>,
    pub counts: Counts,
    pub items: Vec<ItemOutcome>,
    /// Boxes set by this run: (line, ticked).
    pub boxes: Vec<(usize, bool)>,
    /// Whether the text changes.
    pub changed: bool,
    /// The new text.
    #[serde(skip)]
    pub text: String,
    /// The rows of the status block (for the job summary).
    #[serde(skip)]
    pub rows: Vec<StatusItem>,
    /// A status block the tool cannot safely replace: the file is left as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<BlockDamage>,
    /// Due dates written in the postmortem that cannot be read (`path:line: …`): the item
    /// falls back to the tracker's or the policy's date, and the run says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The day the incident happened: its start, else the front matter's `date`.
pub fn incident_day(doc: &Postmortem) -> Option<NaiveDate> {
    DocFacts::of(doc).base.map(|(day, _)| day)
}

/// The front matter's `severity`, as written.
pub fn severity(doc: &Postmortem) -> Option<String> {
    doc.front_matter.as_ref().and_then(|f| f.severity.clone())
}

/// What the tracker knows about an issue, as the status needs it.
pub fn issue_state(t: &TrackedIssue) -> IssueState {
    IssueState {
        open: t.open,
        assignee: t.assignee.clone(),
        due: t.due,
        milestone_due: t.milestone_due,
        not_planned: t.not_planned,
    }
}

/// The line before which a new status block goes: the first heading after the last action
/// section, when there is one.
pub fn block_line(doc: &Postmortem) -> Option<usize> {
    let last_action = doc.sections.iter().rev().find(|s| s.kind.is_action())?;
    doc.sections
        .iter()
        .find(|s| s.line > last_action.line)
        .map(|s| s.line)
}

/// The start of the hidden line in a status block that records the day the tool first tracked
/// each item of a postmortem that states no date (the due-date policy counts from it).
const TRACKED_PREFIX: &str = "<!-- postmortem-tracker:tracked ";

/// The days recorded in the status block of `text` (item key → day first tracked); empty when
/// it has no intact block or no record.
pub fn tracked_days(text: &str) -> HashMap<String, NaiveDate> {
    let Ok(Some((start, end))) = find_block(text) else {
        return HashMap::new();
    };
    let block = &text[start..end];
    let Some(at) = block.find(TRACKED_PREFIX) else {
        return HashMap::new();
    };
    let rest = &block[at + TRACKED_PREFIX.len()..];
    let fields = &rest[..rest.find("-->").unwrap_or(rest.len())];
    let mut out = HashMap::new();
    for group in fields.split_whitespace() {
        let Some((day, keys)) = group.split_once('=') else {
            continue;
        };
        let Ok(day) = day.parse::<NaiveDate>() else {
            continue;
        };
        for key in keys.split(',').filter(|k| !k.is_empty()) {
            out.insert(key.to_string(), day);
        }
    }
    out
}

/// The hidden record line for `items` (`2026-11-21=key,key 2026-12-01=key`), `None` when no
/// item needed one.
fn tracked_line(items: &[ItemOutcome]) -> Option<String> {
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<&str>> = Default::default();
    for o in items {
        if let Some(d) = o.tracked_since {
            by_day.entry(d).or_default().push(o.key.as_str());
        }
    }
    if by_day.is_empty() {
        return None;
    }
    let groups: Vec<String> = by_day
        .iter()
        .map(|(d, keys)| format!("{}={}", d.format("%Y-%m-%d"), keys.join(",")))
        .collect();
    Some(format!("{TRACKED_PREFIX}{} -->", groups.join(" ")))
}

/// The statuses of `doc`'s items. `listing` is `None` in file-only mode. `recorded`: the days
/// the tool first tracked items, from the status block ([`tracked_days`]); for a postmortem
/// that states no date the policy counts from the earliest of that day and the issue's opening
/// day, else from `today` (and the status block records it).
pub fn assess(
    doc: &Postmortem,
    listing: Option<&[TrackedIssue]>,
    today: NaiveDate,
    options: &FollowupOptions,
    recorded: &HashMap<String, NaiveDate>,
) -> Vec<ItemOutcome> {
    let plan_opts = PlanOptions {
        repo: options.repo.clone(),
        ..PlanOptions::default()
    };
    let by_key: HashMap<&ItemKey, &TrackedIssue> = listing
        .unwrap_or_default()
        .iter()
        .filter(|t| !t.duplicate)
        .filter_map(|t| t.key.as_ref().map(|k| (k, t)))
        .fold(HashMap::new(), |mut m, (k, t)| {
            // The oldest issue for a key is the one kept.
            m.entry(k)
                .and_modify(|o: &mut &TrackedIssue| {
                    if t.number < o.number {
                        *o = t
                    }
                })
                .or_insert(t);
            m
        });
    let facts = DocFacts::of(doc);
    Keyed::of(doc)
        .items()
        .map(|KeyedItem { key, item, .. }| {
            let found = listing.and_then(|l| match &item.issue {
                Some(r) => l.iter().find(|t| refers_to(r, t, &plan_opts)),
                None => by_key.get(key).copied(),
            });
            // One of the tool's issues: `#12`, `owner/name#12`, or a link into the same
            // tracker (the same address up to the number as the listed issues).
            let base = |u: &str| {
                u.trim_end_matches('/')
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
            };
            let own_ref = match &item.issue {
                Some(IssueRef::Local(_)) | Some(IssueRef::Project { .. }) => true,
                Some(IssueRef::Url(u)) => listing
                    .unwrap_or_default()
                    .iter()
                    .any(|t| base(&t.url).is_some() && base(&t.url) == base(u)),
                _ => false,
            };
            let issue_missing = listing.is_some() && found.is_none() && own_ref;
            let state = found.map(issue_state);
            let tracked_since = facts.base.is_none().then(|| {
                [
                    recorded.get(key.as_str()).copied(),
                    found.and_then(|t| t.created_on),
                ]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(today)
            });
            let facts = facts.or_tracked(tracked_since);
            let st = status(item, state.as_ref(), &facts, &options.due, today);
            let issue = match (found, &item.issue) {
                (Some(t), _) => Some(IssueLink {
                    reference: t.reference(),
                    url: Some(t.url.clone()),
                }),
                (None, Some(r)) => Some(IssueLink {
                    reference: r.to_string(),
                    url: match r {
                        IssueRef::Url(u) => Some(u.clone()),
                        _ => None,
                    },
                }),
                (None, None) => None,
            };
            let view = ItemView {
                key: key.to_string(),
                text: item.text.clone(),
                detail: item.detail.clone(),
                kind: item.kind.name().to_string(),
                owner: st.owner.clone(),
                due: st.due.map(|d| d.format("%Y-%m-%d").to_string()),
                due_note: st.due_policy.as_ref().map(|p| p.to_string()),
                priority: item.priority.clone(),
                line: item.line,
            };
            ItemOutcome {
                line: item.line,
                key: key.clone(),
                text: item.text.clone(),
                kind: item.kind,
                issue,
                number: found.map(|t| t.number),
                issue_missing,
                status: st,
                view,
                checkbox: item.checkbox.then_some(item.done),
                tracked_since,
            }
        })
        .collect()
}

/// The status block's template context.
pub fn block_context(
    doc: &Postmortem,
    items: &[ItemOutcome],
    today: NaiveDate,
    options: &FollowupOptions,
) -> StatusBlockContext {
    let rows: Vec<StatusItem> = items
        .iter()
        .map(|o| StatusItem {
            item: o.view.clone(),
            issue: o.issue.clone(),
            state: o.status.state,
            days_overdue: o.status.days_overdue,
        })
        .collect();
    StatusBlockContext {
        today: today.format("%Y-%m-%d").to_string(),
        postmortem: PostmortemRef::of(doc, options.file_url.as_deref()),
        counts: Counts::of(&rows),
        items: rows,
    }
}

/// The follow-up of one postmortem: `doc` must be the parse of `text`. Applying it to its own
/// output changes nothing (the block is replaced in place, boxes already set stay).
pub fn followup_doc(
    doc: &Postmortem,
    text: &str,
    listing: Option<&[TrackedIssue]>,
    today: NaiveDate,
    options: &FollowupOptions,
    engine: &Engine,
) -> Result<DocOutcome, RenderError> {
    let items = assess(doc, listing, today, options, &tracked_days(text));
    // Boxes follow the tracker: ticked when the issue is closed, unticked when reopened.
    // Without the tracker's word (file-only, or an issue not found) the box is the state.
    let boxes: Vec<(usize, bool)> = items
        .iter()
        .filter(|o| o.number.is_some() && o.status.state != ItemState::NotPlanned)
        .filter_map(|o| {
            let done = o.status.state == ItemState::Done;
            (o.checkbox? != done).then_some((o.line, done))
        })
        .collect();
    let ctx = block_context(doc, &items, today, options);
    let mut body = engine.render("status_block", &ctx)?;
    if let Some(line) = tracked_line(&items) {
        // Written by code, not the template: an overridden template cannot lose the record.
        if !body.ends_with('\n') {
            body.push('\n');
        }
        body.push_str(&line);
        body.push('\n');
    }
    // A damaged block leaves the whole file as it is, boxes included: the person fixing the
    // block sees the file as they left it.
    let written = if doc.actions.is_empty() && matches!(find_block(text), Ok(None)) {
        // A document without action items (a bridge transcript) gets no block.
        Ok(set_boxes(text, &boxes))
    } else {
        write_block(&set_boxes(text, &boxes), &body, block_line(doc))
    };
    let (new, damage, boxes) = match written {
        Ok(new) => (new, None, boxes),
        Err(d) => (text.to_string(), Some(d), Vec::new()),
    };
    Ok(DocOutcome {
        path: doc.path.clone(),
        postmortem: ctx.postmortem.clone(),
        owners: doc
            .front_matter
            .as_ref()
            .map(|f| f.owners.clone())
            .unwrap_or_default(),
        severity: severity(doc),
        incident: incident_day(doc),
        counts: ctx.counts,
        items,
        boxes,
        changed: new != text,
        text: new,
        rows: ctx.items,
        damage,
        warnings: doc
            .diagnostics
            .iter()
            .filter(|d| d.code == "unparseable-date")
            .map(|d| match d.line {
                Some(l) => format!("{}:{l}: {}", doc.path, d.message),
                None => format!("{}: {}", doc.path, d.message),
            })
            .collect(),
    })
}

/// The start of the marker that makes a comment one of the tool's reminders.
pub const REMINDER_MARKER_PREFIX: &str = "<!-- postmortem-tracker: reminder date=";

/// Whom a reminder mentions: the issue's assignee, else the item's owner when it is a login
/// (the first of several, `lena` of `lena, omar`, as the sync assigns); a name is not a
/// mention.
fn whom_to_remind(assignee: Option<&str>, owner: Option<&str>) -> Option<String> {
    let owner = owner.map(crate::model::first_owner);
    assignee
        .or(owner.filter(|l| crate::render::safe::is_login(l)))
        .map(str::to_string)
}

/// The marker that makes a comment one of the tool's reminders, with the day it was sent.
pub fn reminder_marker(today: NaiveDate) -> String {
    format!("{REMINDER_MARKER_PREFIX}{} -->", today.format("%Y-%m-%d"))
}

/// The latest day among the tool's reminder markers in `comments`.
pub fn last_reminder<'a>(comments: impl IntoIterator<Item = &'a str>) -> Option<NaiveDate> {
    const P: &str = REMINDER_MARKER_PREFIX;
    comments
        .into_iter()
        .flat_map(|c| c.match_indices(P).map(move |(i, _)| &c[i + P.len()..]))
        .filter_map(|rest| rest.get(..10)?.parse::<NaiveDate>().ok())
        .max()
}

/// Whether a reminder is due: none sent yet, or the last one `interval_days` or more ago.
pub fn reminder_due(last: Option<NaiveDate>, today: NaiveDate, interval_days: i64) -> bool {
    last.is_none_or(|l| (today - l).num_days() >= interval_days)
}

/// What the follow-up told the tracker.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TrackerUpdates {
    /// Issues that got the `overdue` label.
    pub labelled: Vec<u64>,
    /// Issues whose `overdue` label was taken off.
    pub unlabelled: Vec<u64>,
    /// Issues that got a reminder comment.
    pub reminded: Vec<u64>,
    /// Issues whose reminder also mentioned the postmortem's owners (or the escalation list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub escalated: Vec<u64>,
    /// Issues whose body got its reminder state for the first time without a reminder (read
    /// once from their comments).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub state_recorded: Vec<u64>,
    /// The digest issue, when digest reminders are on and there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<digest::DigestUpdate>,
    /// Problems with single issues; the run went on.
    pub errors: Vec<String>,
}

/// How the tracker is told: the day and the reminder interval (pacing and rate-limit waits
/// are the [`Paced`] tracker's).
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    pub today: NaiveDate,
    pub reminder_interval_days: i64,
}

/// Logins a reminder that escalates mentions: the configured list, else the postmortem's
/// owners; only what has the shape of a login (a name is not a mention).
fn escalation_targets(options: &FollowupOptions, doc: &DocOutcome) -> Vec<String> {
    let given = if options.escalation.is_empty() {
        &doc.owners
    } else {
        &options.escalation
    };
    let mut out: Vec<String> = Vec::new();
    for l in given {
        let l = l.trim().trim_start_matches('@');
        if crate::render::safe::is_login(l) && !out.iter().any(|o| o.eq_ignore_ascii_case(l)) {
            out.push(l.to_string());
        }
    }
    out
}

/// Puts the `overdue` label on overdue issues and takes it off the others; then, as
/// `options.reminders` says, reminds on each overdue issue and keeps the digest issue.
///
/// Reminders cost no reads: when each issue was last reminded, and how many reminders went
/// unanswered, is kept in its body ([`reminders`]), which the listing already holds. Only an
/// issue whose body has no state yet and that has comments is read once (its earlier
/// reminders are found by their marker), and its state is written then. The state is written
/// before the comment, so a run cut short never reminds twice. Fatal errors (token, access)
/// stop; others are recorded and the run goes on.
pub async fn update_tracker<T: Tracker, S: Sleeper>(
    tracker: &Paced<'_, T, S>,
    docs: &[DocOutcome],
    listing: &[TrackedIssue],
    engine: &Engine,
    options: &FollowupOptions,
    update: &UpdateOptions,
) -> Result<TrackerUpdates, TrackerError> {
    let by_number: HashMap<u64, &TrackedIssue> = listing.iter().map(|t| (t.number, t)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = TrackerUpdates::default();
    for outcome in docs {
        for o in &outcome.items {
            let Some(t) = o.number.and_then(|n| by_number.get(&n)) else {
                continue;
            };
            if !seen.insert(t.number) {
                continue;
            }
            let overdue = o.status.state == ItemState::Overdue;
            let has = t
                .labels
                .iter()
                .any(|l| l.eq_ignore_ascii_case(&options.overdue_label));
            if overdue != has {
                match tracker
                    .retrying(true, || {
                        tracker
                            .tracker()
                            .set_label(t.number, &options.overdue_label, overdue)
                    })
                    .await
                {
                    Ok(()) if overdue => out.labelled.push(t.number),
                    Ok(()) => out.unlabelled.push(t.number),
                    Err(e) if e.is_fatal() => return Err(e),
                    Err(e) => out.errors.push(format!("{}: label: {e}", t.reference())),
                }
            }
            if overdue && t.open && options.reminders.per_issue() {
                remind(tracker, outcome, o, t, engine, options, update, &mut out).await?;
            }
        }
    }
    if options.reminders.digest() {
        digest::keep(
            tracker,
            docs,
            listing,
            engine,
            options,
            update.today,
            &mut out,
        )
        .await?;
    }
    Ok(out)
}

/// One overdue, open issue: its reminder state from the body (or, once, from its comments),
/// then the reminder when one is due, the state written first.
#[allow(clippy::too_many_arguments)]
async fn remind<T: Tracker, S: Sleeper>(
    tracker: &Paced<'_, T, S>,
    outcome: &DocOutcome,
    o: &ItemOutcome,
    t: &TrackedIssue,
    engine: &Engine,
    options: &FollowupOptions,
    update: &UpdateOptions,
    out: &mut TrackerUpdates,
) -> Result<(), TrackerError> {
    use reminders::{decide, with_state, ReminderState};
    let body = t.body.as_deref().unwrap_or_default();
    let (state, first_record) = match ReminderState::of_body(body) {
        Some(s) => (s, false),
        // No comment at all: never reminded, nothing to read.
        None if t.comments == 0 => (ReminderState::default(), false),
        None => match tracker
            .retrying(false, || tracker.tracker().comments(t.number))
            .await
        {
            Ok(c) => (ReminderState::of_comments(&c), true),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                out.errors.push(format!("{}: comments: {e}", t.reference()));
                return Ok(());
            }
        },
    };
    let decision = decide(
        state,
        t.comments,
        update.today,
        update.reminder_interval_days,
        options.escalate_after,
    );
    let write_body = |state: ReminderState| {
        let new = with_state(body, &state);
        async move {
            tracker
                .retrying(true, || {
                    tracker.tracker().update_issue(t.number, &new, false)
                })
                .await
        }
    };
    if !decision.remind {
        if first_record {
            // Read from the comments once; kept in the body from now on.
            match write_body(decision.next).await {
                Ok(()) => out.state_recorded.push(t.number),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => out
                    .errors
                    .push(format!("{}: reminder state: {e}", t.reference())),
            }
        }
        return Ok(());
    }
    let ctx = ReminderContext {
        today: update.today.format("%Y-%m-%d").to_string(),
        postmortem: outcome.postmortem.clone(),
        item: o.view.clone(),
        issue: IssueLink {
            reference: t.reference(),
            url: Some(t.url.clone()),
        },
        assignee: whom_to_remind(t.assignee.as_deref(), o.status.owner.as_deref()),
        days_overdue: o.status.days_overdue.unwrap_or(0),
        escalate: if decision.escalate {
            escalation_targets(options, outcome)
        } else {
            Vec::new()
        },
        unanswered: decision.next.unanswered - 1,
        marker: reminder_marker(update.today),
    };
    let comment = engine
        .render("reminder_comment", &ctx)
        .map_err(|e| TrackerError::Rejected {
            status: 0,
            message: e.to_string(),
        })?;
    match write_body(decision.next).await {
        Ok(()) => {}
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => {
            // Without the state written, a reminder now could be sent again next run.
            out.errors
                .push(format!("{}: reminder state: {e}", t.reference()));
            return Ok(());
        }
    }
    // A comment is not idempotent: never retried after an ambiguous failure.
    tracker.pace().await;
    match tracker.tracker().comment(t.number, &comment).await {
        Ok(()) => {
            out.reminded.push(t.number);
            if decision.escalate && !ctx.escalate.is_empty() {
                out.escalated.push(t.number);
            }
        }
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => {
            // Put the old state back so the next run reminds; when that fails too, the
            // reminder waits one interval (never sent twice).
            let _ = tracker
                .retrying(true, || {
                    tracker.tracker().update_issue(t.number, body, false)
                })
                .await;
            out.errors.push(format!("{}: reminder: {e}", t.reference()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const DOC: &str = "# Outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Add alerts @ann due: 2026-01-10\n- [x] Fix config @bob due: 2026-01-05\n- [ ] Write runbook\n\n## Lessons Learned\n\nStuff.\n";

    #[test]
    fn file_only_block_before_the_next_heading_and_idempotent() {
        let engine = Engine::new(None).unwrap();
        let doc = parse("pm.md", DOC, &ParseOptions::default());
        assert_eq!(doc.actions.len(), 3, "{:?}", doc.actions);
        let opts = FollowupOptions::default();
        let out = followup_doc(&doc, DOC, None, day("2026-01-15"), &opts, &engine).unwrap();
        assert_eq!(
            (out.counts.done, out.counts.open, out.counts.overdue),
            (1, 1, 1)
        );
        assert!(out.boxes.is_empty(), "file-only never changes boxes");
        let block_at = out.text.find("postmortem-tracker:status:begin").unwrap();
        let lessons_at = out.text.find("## Lessons Learned").unwrap();
        let actions_at = out.text.find("Write runbook").unwrap();
        assert!(
            actions_at < block_at && block_at < lessons_at,
            "{}",
            out.text
        );
        assert!(out.text.contains("overdue 5 days"), "{}", out.text);
        let doc2 = parse("pm.md", &out.text, &ParseOptions::default());
        assert_eq!(doc2.actions.len(), 3, "the block is not read as items");
        let again =
            followup_doc(&doc2, &out.text, None, day("2026-01-15"), &opts, &engine).unwrap();
        assert!(!again.changed);
    }

    #[test]
    fn a_postmortem_without_dates_counts_from_the_day_first_tracked_and_records_it() {
        let engine = Engine::new(None).unwrap();
        let text = "# Outage\n\n## Action Items\n\n- [ ] Add alerts\n- [ ] Fix config\n";
        let doc = parse("pm.md", text, &ParseOptions::default());
        let opts = FollowupOptions::default();
        let first = followup_doc(&doc, text, None, day("2026-11-21"), &opts, &engine).unwrap();
        assert!(
            first
                .text
                .contains("2027-01-16 (policy: 56 days after the item was first tracked)"),
            "{}",
            first.text
        );
        let recorded = tracked_days(&first.text);
        assert_eq!(recorded.len(), 2, "{}", first.text);
        assert!(recorded.values().all(|d| *d == day("2026-11-21")));
        // Later runs count from the recorded day, not from their own: overdue in time.
        let doc2 = parse("pm.md", &first.text, &ParseOptions::default());
        assert_eq!(doc2.actions.len(), 2, "the record is not read as an item");
        let later =
            followup_doc(&doc2, &first.text, None, day("2027-02-01"), &opts, &engine).unwrap();
        assert_eq!(later.counts.overdue, 2, "{}", later.text);
        assert_eq!(tracked_days(&later.text), recorded);
        // The same day again changes nothing.
        let again =
            followup_doc(&doc2, &first.text, None, day("2026-11-21"), &opts, &engine).unwrap();
        assert!(!again.changed, "{}", again.text);
    }

    #[test]
    fn an_issue_closed_as_not_planned_is_not_done_and_its_box_is_left_alone() {
        let engine = Engine::new(None).unwrap();
        let text =
            "# Outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Add alerts #4\n";
        let doc = parse("pm.md", text, &ParseOptions::default());
        let listing = [TrackedIssue {
            number: 4,
            url: "https://github.com/acme/svc/issues/4".into(),
            open: false,
            not_planned: true,
            ..TrackedIssue::default()
        }];
        let opts = FollowupOptions::default();
        let out = followup_doc(
            &doc,
            text,
            Some(&listing),
            day("2026-06-01"),
            &opts,
            &engine,
        )
        .unwrap();
        assert_eq!(out.items[0].status.state, ItemState::NotPlanned);
        assert_eq!((out.counts.done, out.counts.not_planned), (0, 1));
        assert!(out.boxes.is_empty());
        assert!(out.text.contains("| not planned |"), "{}", out.text);
        let json = serde_json::to_value(&out.items[0]).unwrap();
        assert_eq!(json["state"], "not_planned");
    }

    #[test]
    fn escalation_mentions_the_configured_list_else_the_owners_logins() {
        let text = "---\nowners: [\"@lead\", \"Ops Team\", \"lead\"]\n---\n# Outage\n\n## Action Items\n\n- [ ] Add alerts\n";
        let doc = parse("pm.md", text, &ParseOptions::default());
        let engine = Engine::new(None).unwrap();
        let mut opts = FollowupOptions::default();
        let out = followup_doc(&doc, text, None, day("2026-01-10"), &opts, &engine).unwrap();
        assert_eq!(
            escalation_targets(&opts, &out),
            ["lead"],
            "logins only, once each"
        );
        opts.escalation = vec!["@sre-lead".into(), "oncall".into()];
        assert_eq!(escalation_targets(&opts, &out), ["sre-lead", "oncall"]);
    }

    #[test]
    fn a_reminder_mentions_the_assignee_else_the_first_owner_that_is_a_login() {
        assert_eq!(
            whom_to_remind(Some("kim"), Some("lena")).as_deref(),
            Some("kim")
        );
        assert_eq!(
            whom_to_remind(None, Some("lena, omar")).as_deref(),
            Some("lena")
        );
        assert_eq!(whom_to_remind(None, Some("Billing team")), None);
        assert_eq!(whom_to_remind(None, None), None);
    }

    #[test]
    fn reminder_markers() {
        let c = [
            "hello",
            "x <!-- postmortem-tracker: reminder date=2026-01-03 --> y",
            "<!-- postmortem-tracker: reminder date=2026-01-10 -->",
        ];
        let last = last_reminder(c.iter().copied());
        assert_eq!(last, Some(day("2026-01-10")));
        assert!(!reminder_due(last, day("2026-01-16"), 7));
        assert!(reminder_due(last, day("2026-01-17"), 7));
        assert!(reminder_due(None, day("2026-01-17"), 7));
        assert_eq!(
            last_reminder([reminder_marker(day("2026-02-02")).as_str()]),
            Some(day("2026-02-02"))
        );
    }
}
