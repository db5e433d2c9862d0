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
use crate::model::{IssueRef, Postmortem};
use crate::plan::{refers_to, PlanOptions, TrackedIssue};
use crate::render::context::{
    Counts, IssueLink, ItemState, ItemView, PostmortemRef, ReminderContext, StatusBlockContext,
    StatusItem,
};
use crate::render::{Engine, RenderError};
use crate::status::{status, IssueState, Status};
use crate::writeback::status::{find_block, set_boxes, write_block, BlockDamage};

/// What the follow-up is told beyond documents, listing and day.
#[derive(Debug, Clone, Default)]
pub struct FollowupOptions {
    /// The due-date policy for items that name no date.
    pub due: Policy,
    /// The tracked repository, to recognise `owner/name#12` as one of the tool's issues.
    pub repo: Option<String>,
    /// Link to a postmortem on the forge; `{path}` is replaced by its path.
    pub file_url: Option<String>,
    /// The label on overdue issues.
    pub overdue_label: String,
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
        }
    }
}

/// One item's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemOutcome {
    pub line: usize,
    pub key: ItemKey,
    pub text: String,
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
}

/// One postmortem's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocOutcome {
    pub path: String,
    /// The postmortem as templates show it (path, link, title).
    #[serde(skip)]
    pub postmortem: PostmortemRef,
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
}

/// The day the incident happened: its start, else the front matter's `date`.
pub fn incident_day(doc: &Postmortem) -> Option<NaiveDate> {
    DocFacts::of(doc).base.map(|(day, _)| day)
}

/// What the tracker knows about an issue, as the status needs it.
pub fn issue_state(t: &TrackedIssue) -> IssueState {
    IssueState {
        open: t.open,
        assignee: t.assignee.clone(),
        due: t.due,
        milestone_due: t.milestone_due,
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

/// The statuses of `doc`'s items. `listing` is `None` in file-only mode.
pub fn assess(
    doc: &Postmortem,
    listing: Option<&[TrackedIssue]>,
    today: NaiveDate,
    options: &FollowupOptions,
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
                issue,
                number: found.map(|t| t.number),
                issue_missing,
                status: st,
                view,
                checkbox: item.checkbox.then_some(item.done),
            }
        })
        .collect()
}

fn postmortem_ref(doc: &Postmortem, options: &FollowupOptions) -> PostmortemRef {
    PostmortemRef {
        path: doc.path.clone(),
        url: options
            .file_url
            .as_ref()
            .map(|u| u.replace("{path}", &doc.path)),
        title: doc.title.clone(),
    }
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
        postmortem: postmortem_ref(doc, options),
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
    let items = assess(doc, listing, today, options);
    // Boxes follow the tracker: ticked when the issue is closed, unticked when reopened.
    // Without the tracker's word (file-only, or an issue not found) the box is the state.
    let boxes: Vec<(usize, bool)> = items
        .iter()
        .filter(|o| o.number.is_some())
        .filter_map(|o| {
            let done = o.status.state == ItemState::Done;
            (o.checkbox? != done).then_some((o.line, done))
        })
        .collect();
    let ctx = block_context(doc, &items, today, options);
    let body = engine.render("status_block", &ctx)?;
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
        counts: ctx.counts,
        items,
        boxes,
        changed: new != text,
        text: new,
        rows: ctx.items,
        damage,
    })
}

/// The marker that makes a comment one of the tool's reminders, with the day it was sent.
pub fn reminder_marker(today: NaiveDate) -> String {
    format!(
        "<!-- postmortem-tracker: reminder date={} -->",
        today.format("%Y-%m-%d")
    )
}

/// The latest day among the tool's reminder markers in `comments`.
pub fn last_reminder<'a>(comments: impl IntoIterator<Item = &'a str>) -> Option<NaiveDate> {
    const P: &str = "<!-- postmortem-tracker: reminder date=";
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

/// Puts the `overdue` label on overdue issues and takes it off the others, and posts a
/// reminder on each overdue issue whose last reminder (found by the tool's marker in its
/// comments) is `reminder_interval_days` or more old. Comments are read for overdue issues
/// only. Fatal errors (token, access) stop; others are recorded and the run goes on.
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
            if !overdue || !t.open {
                continue;
            }
            let comments = match tracker
                .retrying(false, || tracker.tracker().comments(t.number))
                .await
            {
                Ok(c) => c,
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    out.errors.push(format!("{}: comments: {e}", t.reference()));
                    continue;
                }
            };
            let last = last_reminder(comments.iter().map(String::as_str));
            if !reminder_due(last, update.today, update.reminder_interval_days) {
                continue;
            }
            let ctx = ReminderContext {
                today: update.today.format("%Y-%m-%d").to_string(),
                postmortem: outcome.postmortem.clone(),
                item: o.view.clone(),
                issue: IssueLink {
                    reference: t.reference(),
                    url: Some(t.url.clone()),
                },
                assignee: t.assignee.clone().or_else(|| {
                    o.status
                        .owner
                        .clone()
                        .filter(|l| crate::render::safe::is_login(l))
                }),
                days_overdue: o.status.days_overdue.unwrap_or(0),
                marker: reminder_marker(update.today),
            };
            let body =
                engine
                    .render("reminder_comment", &ctx)
                    .map_err(|e| TrackerError::Rejected {
                        status: 0,
                        message: e.to_string(),
                    })?;
            // A comment is not idempotent: never retried after an ambiguous failure (the next
            // run finds it by its marker, or sends it then).
            tracker.pace().await;
            match tracker.tracker().comment(t.number, &body).await {
                Ok(()) => out.reminded.push(t.number),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => out.errors.push(format!("{}: reminder: {e}", t.reference())),
            }
        }
    }
    Ok(out)
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
