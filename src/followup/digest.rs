//! The digest: one issue per repository that lists every overdue and due-soon item, grouped by
//! owner with a mention each, kept up to date in place (`followup.reminders = "digest"` or
//! `"both"`).
//!
//! The digest carries the tool's label and a hidden marker ([`DIGEST_MARKER`]), so the one
//! listing every follow-up reads already finds it: no search, no extra read. It is created only
//! when the listing has none (and, after a create that failed in a way that may have
//! succeeded, only after listing again shows none), its body is written only when its text
//! changes, it is reopened when someone closed it while items are still overdue, and when two
//! runs raced and made two, the newer is closed as a duplicate of the older.

use serde::Serialize;

use super::{DocOutcome, FollowupOptions, TrackerUpdates};
use crate::forge::paced::{Paced, Sleeper};
use crate::forge::{Closing, NewIssue, Tracker, TrackerError};
use crate::plan::TrackedIssue;
use crate::render::context::{IssueLink, ItemState, ItemView, PostmortemRef};
use crate::render::Engine;
use chrono::NaiveDate;

/// The hidden marker the digest issue is found by.
pub const DIGEST_MARKER: &str = "<!-- postmortem-tracker: digest -->";

/// Whether a listed issue is the tool's digest (and not one it closed as a duplicate).
pub fn is_digest(t: &TrackedIssue) -> bool {
    !t.duplicate && t.body.as_deref().is_some_and(|b| b.contains(DIGEST_MARKER))
}

/// One item in the digest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DigestItem {
    pub postmortem: PostmortemRef,
    pub item: ItemView,
    pub issue: Option<IssueLink>,
    /// `overdue` or `open` (due soon).
    pub state: ItemState,
    /// Days past the due date, when overdue.
    pub days_overdue: Option<i64>,
    /// Days until the due date, when due soon (0: today).
    pub days_left: Option<i64>,
}

/// The items of one owner.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DigestOwner {
    /// The owner's login or name (mention it with `{{mention owner}}`); `None`: nobody.
    pub owner: Option<String>,
    pub items: Vec<DigestItem>,
}

/// How many items the digest lists.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct DigestCounts {
    pub overdue: usize,
    pub due_soon: usize,
}

/// `digest`: the body of the digest issue (the marker is added by code after it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DigestContext {
    /// `YYYY-MM-DD`.
    pub today: String,
    /// Items due within this many days count as due soon.
    pub due_soon_days: i64,
    pub counts: DigestCounts,
    /// Owners by name (nobody last), each with overdue items first (most overdue first), then
    /// due-soon items (soonest first).
    pub owners: Vec<DigestOwner>,
}

/// The digest's context on `today`: overdue items, and open items due within
/// `options.due_soon_days`, of every postmortem.
pub fn context(docs: &[DocOutcome], today: NaiveDate, options: &FollowupOptions) -> DigestContext {
    let mut counts = DigestCounts::default();
    let mut owners: Vec<DigestOwner> = Vec::new();
    for d in docs {
        for o in &d.items {
            let days_left = o.status.due.map(|due| (due - today).num_days());
            let listed = match o.status.state {
                ItemState::Overdue => {
                    counts.overdue += 1;
                    true
                }
                ItemState::Open
                    if days_left.is_some_and(|n| (0..=options.due_soon_days).contains(&n)) =>
                {
                    counts.due_soon += 1;
                    true
                }
                _ => false,
            };
            if !listed {
                continue;
            }
            let owner = o.status.owner.clone();
            let item = DigestItem {
                postmortem: d.postmortem.clone(),
                item: o.view.clone(),
                issue: o.issue.clone(),
                state: o.status.state,
                days_overdue: o.status.days_overdue,
                days_left: days_left.filter(|_| o.status.state == ItemState::Open),
            };
            let same = |g: &&mut DigestOwner| match (&g.owner, &owner) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            };
            match owners.iter_mut().find(|g| same(g)) {
                Some(g) => g.items.push(item),
                None => owners.push(DigestOwner {
                    owner,
                    items: vec![item],
                }),
            }
        }
    }
    owners.sort_by_key(|g| (g.owner.is_none(), g.owner.as_deref().map(str::to_lowercase)));
    for g in &mut owners {
        g.items.sort_by_key(|i| {
            (
                i.state != ItemState::Overdue,
                -i.days_overdue.unwrap_or(0),
                i.days_left.unwrap_or(0),
                i.postmortem.path.clone(),
                i.item.line,
            )
        });
    }
    DigestContext {
        today: today.format("%Y-%m-%d").to_string(),
        due_soon_days: options.due_soon_days,
        counts,
        owners,
    }
}

/// What happened to the digest issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestAction {
    Created,
    Updated,
    Reopened,
    Unchanged,
}

impl DigestAction {
    /// `created`, `updated`, `reopened`, `unchanged` (as in the JSON report).
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAction::Created => "created",
            DigestAction::Updated => "updated",
            DigestAction::Reopened => "reopened",
            DigestAction::Unchanged => "unchanged",
        }
    }
}

/// The digest issue after the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestUpdate {
    pub number: u64,
    pub action: DigestAction,
    /// Newer digests (from two runs racing) closed as duplicates of this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_duplicates: Vec<u64>,
}

/// Text compared without regard to line endings or trailing white space, as forges may
/// normalise both.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(a) == norm(b)
}

/// The digest's body on `today`: the `digest` template, then the marker.
pub fn body(
    docs: &[DocOutcome],
    today: NaiveDate,
    options: &FollowupOptions,
    engine: &Engine,
) -> Result<(DigestContext, String), TrackerError> {
    let ctx = context(docs, today, options);
    let text = engine
        .render("digest", &ctx)
        .map_err(|e| TrackerError::Rejected {
            status: 0,
            message: format!("digest: template: {e}"),
        })?;
    Ok((ctx, format!("{}\n\n{DIGEST_MARKER}\n", text.trim_end())))
}

/// Keeps the digest issue: found in `listing` by its marker, created when missing and there
/// is something to list, updated only when its text changes, reopened when closed while items
/// are overdue; newer duplicates closed. Records the outcome, or the error, in `out`.
pub async fn keep<T: Tracker, S: Sleeper>(
    tracker: &Paced<'_, T, S>,
    docs: &[DocOutcome],
    listing: &[TrackedIssue],
    engine: &Engine,
    options: &FollowupOptions,
    today: NaiveDate,
    out: &mut TrackerUpdates,
) -> Result<(), TrackerError> {
    let (ctx, body) = body(docs, today, options, engine)?;
    let mut digests: Vec<&TrackedIssue> = listing.iter().filter(|t| is_digest(t)).collect();
    digests.sort_by_key(|t| t.number);
    let mut closed_duplicates = Vec::new();
    if let Some(keep) = digests.first() {
        for extra in digests.iter().skip(1).filter(|t| t.open) {
            match tracker
                .retrying(true, || {
                    tracker
                        .tracker()
                        .close_issue(extra.number, Closing::DuplicateOf(keep.number))
                })
                .await
            {
                Ok(()) => closed_duplicates.push(extra.number),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => out
                    .errors
                    .push(format!("digest #{}: close: {e}", extra.number)),
            }
        }
    }
    let found = match digests.first() {
        Some(t) => (*t).clone(),
        None if ctx.counts.overdue + ctx.counts.due_soon == 0 => return Ok(()),
        None => {
            let new = NewIssue {
                title: options.digest_title.clone(),
                body: body.clone(),
                labels: vec![options.label.clone()],
                assignee: None,
                milestone: None,
                due: None,
            };
            // Never retried blindly: a create that failed may have succeeded.
            tracker.pace().await;
            match tracker.tracker().create_issue(&new).await {
                Ok(t) => {
                    out.digest = Some(DigestUpdate {
                        number: t.number,
                        action: DigestAction::Created,
                        closed_duplicates,
                    });
                    return Ok(());
                }
                Err(e) if e.is_fatal() => return Err(e),
                Err(TrackerError::Transient(m)) => {
                    // It may be there: list again and take it if so.
                    let again = tracker.list(&options.label).await?;
                    match again.into_iter().filter(is_digest).min_by_key(|t| t.number) {
                        Some(t) => t,
                        None => {
                            out.errors
                                .push(format!("digest: create: transient failure: {m}"));
                            return Ok(());
                        }
                    }
                }
                Err(e) => {
                    out.errors.push(format!("digest: create: {e}"));
                    return Ok(());
                }
            }
        }
    };
    let reopen = !found.open && ctx.counts.overdue > 0;
    let unchanged = found.body.as_deref().is_some_and(|b| same_text(b, &body));
    let action = if unchanged && !reopen {
        DigestAction::Unchanged
    } else {
        match tracker
            .retrying(true, || {
                tracker.tracker().update_issue(found.number, &body, reopen)
            })
            .await
        {
            Ok(()) if reopen => DigestAction::Reopened,
            Ok(()) => DigestAction::Updated,
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                out.errors
                    .push(format!("digest #{}: update: {e}", found.number));
                return Ok(());
            }
        }
    };
    out.digest = Some(DigestUpdate {
        number: found.number,
        action,
        closed_duplicates,
    });
    Ok(())
}

/// A sample context for `templates check` and the template tests: every optional value set.
pub fn sample() -> DigestContext {
    let pm = PostmortemRef {
        path: "postmortems/2023-11-01-db.md".into(),
        url: Some("https://github.com/acme/svc/blob/main/postmortems/2023-11-01-db.md".into()),
        title: Some("Database outage".into()),
    };
    let item = |line: usize, text: &str, owner: Option<&str>, due: &str| ItemView {
        key: format!("k{line}"),
        text: text.into(),
        detail: None,
        kind: "corrective".into(),
        owner: owner.map(str::to_string),
        due: Some(due.into()),
        due_note: Some("policy: 28 days after the incident".into()),
        priority: Some("P1".into()),
        line,
    };
    let link = |n: u64| IssueLink {
        reference: format!("#{n}"),
        url: Some(format!("https://github.com/acme/svc/issues/{n}")),
    };
    DigestContext {
        today: "2023-12-05".into(),
        due_soon_days: 7,
        counts: DigestCounts {
            overdue: 1,
            due_soon: 1,
        },
        owners: vec![
            DigestOwner {
                owner: Some("alice".into()),
                items: vec![DigestItem {
                    postmortem: pm.clone(),
                    item: item(12, "Add disk alerts", Some("alice"), "2023-11-29"),
                    issue: Some(link(12)),
                    state: ItemState::Overdue,
                    days_overdue: Some(6),
                    days_left: None,
                }],
            },
            DigestOwner {
                owner: None,
                items: vec![DigestItem {
                    postmortem: pm,
                    item: item(14, "Write a runbook", None, "2023-12-08"),
                    issue: None,
                    state: ItemState::Open,
                    days_overdue: None,
                    days_left: Some(3),
                }],
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::followup_doc;
    use crate::parse::{parse, ParseOptions};

    #[test]
    fn overdue_then_due_soon_grouped_by_owner_nobody_last() {
        let text = "# Outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Add alerts @bob due: 2026-01-05\n- [ ] Fix config @ann due: 2026-01-12\n- [ ] Write runbook due: 2026-01-04\n- [ ] Raise limits @ann due: 2026-01-08\n- [ ] Later work @ann due: 2026-02-01\n- [x] Done work @ann due: 2026-01-02\n";
        let doc = parse("pm.md", text, &ParseOptions::default());
        let engine = Engine::new(None).unwrap();
        let opts = FollowupOptions::default();
        let today: NaiveDate = "2026-01-10".parse().unwrap();
        let out = followup_doc(&doc, text, None, today, &opts, &engine).unwrap();
        let ctx = context(&[out], today, &opts);
        assert_eq!((ctx.counts.overdue, ctx.counts.due_soon), (3, 1));
        let groups: Vec<(Option<&str>, Vec<&str>)> = ctx
            .owners
            .iter()
            .map(|g| {
                (
                    g.owner.as_deref(),
                    g.items.iter().map(|i| i.item.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                (Some("ann"), vec!["Raise limits", "Fix config"]),
                (Some("bob"), vec!["Add alerts"]),
                (None, vec!["Write runbook"]),
            ]
        );
        let due_soon = &ctx.owners[0].items[1];
        assert_eq!((due_soon.days_left, due_soon.days_overdue), (Some(2), None));
        let body = engine.render("digest", &ctx).unwrap();
        assert!(body.contains("### @ann"), "{body}");
        assert!(body.contains("### Nobody assigned"), "{body}");
    }

    #[test]
    fn a_digest_is_found_by_its_marker_unless_closed_as_a_duplicate() {
        let t = |body: &str, duplicate: bool| TrackedIssue {
            body: Some(body.into()),
            duplicate,
            ..TrackedIssue::default()
        };
        assert!(is_digest(&t(&format!("x\n{DIGEST_MARKER}\n"), false)));
        assert!(!is_digest(&t(&format!("x\n{DIGEST_MARKER}\n"), true)));
        assert!(!is_digest(&t("an item issue", false)));
        assert!(same_text("a\r\nb\n\n", "a\nb"));
        assert!(!same_text("a\nb", "a\nc"));
    }
}
