//! Due dates and overdue: the state of every action item on a given day.
//!
//! Pure: the day comes in (the shell computes it in the configured time zone), and so does what
//! the tracker says about each item's issue. Without a tracker (file-only mode) the file is the
//! state: a ticked box is done, the item's own due date is its due date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::ActionItem;
#[cfg(test)]
use crate::model::ItemKind;
use crate::render::context::ItemState;

/// What the tracker says about an item's issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueState {
    pub open: bool,
    /// The assignee's login or username.
    pub assignee: Option<String>,
    /// GitLab's `due_date`, or the date kept in a GitHub issue's metadata.
    pub due: Option<NaiveDate>,
    /// The due date of the issue's milestone.
    pub milestone_due: Option<NaiveDate>,
}

/// Default due dates, in days after the incident, for items that name none: by priority
/// (`P1`), then by kind (`corrective`), then `default`. Configured under `[due_days]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueDefaults {
    pub days: BTreeMap<String, i64>,
}

impl DueDefaults {
    fn days_for(&self, item: &ActionItem) -> Option<i64> {
        let by = |k: &str| self.days.get(&k.to_lowercase()).copied();
        item.priority
            .as_deref()
            .and_then(by)
            .or_else(|| by(item.kind.name()))
            .or_else(|| by("default"))
    }
}

/// Where a due date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueFrom {
    /// Written in the postmortem.
    Item,
    /// The issue's own due date.
    Tracker,
    /// The issue's milestone.
    Milestone,
    /// The configured default, counted from the incident date.
    Default,
}

/// An item's state on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub due: Option<NaiveDate>,
    pub due_from: Option<DueFrom>,
    pub state: ItemState,
    /// Days past the due date, when overdue.
    pub days_overdue: Option<i64>,
    /// The tracker's assignee, else the postmortem's owner.
    pub owner: Option<String>,
}

/// The due date: the item's own, else the tracker's, else the milestone's, else the default
/// counted from the incident date (no default without an incident date).
pub fn due_date(
    item: &ActionItem,
    issue: Option<&IssueState>,
    incident_day: Option<NaiveDate>,
    defaults: &DueDefaults,
) -> Option<(NaiveDate, DueFrom)> {
    if let Some(d) = item.due {
        return Some((d, DueFrom::Item));
    }
    if let Some(d) = issue.and_then(|i| i.due) {
        return Some((d, DueFrom::Tracker));
    }
    if let Some(d) = issue.and_then(|i| i.milestone_due) {
        return Some((d, DueFrom::Milestone));
    }
    let days = defaults.days_for(item)?;
    let d = incident_day?.checked_add_signed(chrono::Duration::days(days))?;
    Some((d, DueFrom::Default))
}

/// The item's state on `today`: done when its issue is closed (or, without an issue, when its
/// box is ticked); overdue when open and `today` is past the due date; else open.
pub fn status(
    item: &ActionItem,
    issue: Option<&IssueState>,
    incident_day: Option<NaiveDate>,
    defaults: &DueDefaults,
    today: NaiveDate,
) -> Status {
    let due = due_date(item, issue, incident_day, defaults);
    let done = issue.map_or(item.done, |i| !i.open);
    let days_overdue = due
        .map(|(d, _)| (today - d).num_days())
        .filter(|n| *n > 0 && !done);
    let state = if done {
        ItemState::Done
    } else if days_overdue.is_some() {
        ItemState::Overdue
    } else {
        ItemState::Open
    };
    Status {
        due: due.map(|(d, _)| d),
        due_from: due.map(|(_, f)| f),
        state,
        days_overdue,
        owner: issue
            .and_then(|i| i.assignee.clone())
            .or_else(|| item.owner.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(due: Option<&str>, done: bool, priority: Option<&str>, kind: ItemKind) -> ActionItem {
        ActionItem {
            text: "Add alerts".into(),
            detail: None,
            group: None,
            kind,
            owner: Some("ann".into()),
            due: due.map(|d| d.parse().unwrap()),
            priority: priority.map(str::to_string),
            issue: None,
            done,
            checkbox: true,
            line: 3,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates_come_from_item_then_tracker_then_milestone_then_default() {
        let mut defaults = DueDefaults::default();
        defaults.days.insert("p1".into(), 7);
        defaults.days.insert("corrective".into(), 14);
        defaults.days.insert("default".into(), 30);
        let incident = Some(day("2026-01-01"));
        let issue = IssueState {
            open: true,
            due: Some(day("2026-02-01")),
            milestone_due: Some(day("2026-03-01")),
            ..IssueState::default()
        };
        let i = item(Some("2026-01-15"), false, None, ItemKind::Task);
        assert_eq!(
            due_date(&i, Some(&issue), incident, &defaults),
            Some((day("2026-01-15"), DueFrom::Item))
        );
        let i = item(None, false, None, ItemKind::Task);
        assert_eq!(
            due_date(&i, Some(&issue), incident, &defaults),
            Some((day("2026-02-01"), DueFrom::Tracker))
        );
        let only_milestone = IssueState {
            due: None,
            ..issue.clone()
        };
        assert_eq!(
            due_date(&i, Some(&only_milestone), incident, &defaults),
            Some((day("2026-03-01"), DueFrom::Milestone))
        );
        assert_eq!(
            due_date(&i, None, incident, &defaults),
            Some((day("2026-01-31"), DueFrom::Default))
        );
        let p1 = item(None, false, Some("P1"), ItemKind::Corrective);
        assert_eq!(
            due_date(&p1, None, incident, &defaults),
            Some((day("2026-01-08"), DueFrom::Default))
        );
        let corrective = item(None, false, None, ItemKind::Corrective);
        assert_eq!(
            due_date(&corrective, None, incident, &defaults),
            Some((day("2026-01-15"), DueFrom::Default))
        );
        assert_eq!(
            due_date(&corrective, None, None, &defaults),
            None,
            "no incident date, no default"
        );
        assert_eq!(due_date(&i, None, incident, &DueDefaults::default()), None);
    }

    #[test]
    fn states_on_a_day() {
        let d = DueDefaults::default();
        let open = IssueState {
            open: true,
            assignee: Some("bob".into()),
            ..IssueState::default()
        };
        let closed = IssueState {
            open: false,
            ..IssueState::default()
        };
        let i = item(Some("2026-03-01"), false, None, ItemKind::Task);
        // Due today is not overdue; the day after is, by one day.
        let s = status(&i, Some(&open), None, &d, day("2026-03-01"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Open, None));
        let s = status(&i, Some(&open), None, &d, day("2026-03-09"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Overdue, Some(8)));
        assert_eq!(
            s.owner.as_deref(),
            Some("bob"),
            "the tracker's assignee wins"
        );
        // A closed issue is done whatever the box says; a reopened one is open again.
        let s = status(&i, Some(&closed), None, &d, day("2026-03-09"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Done, None));
        let ticked = item(Some("2026-03-01"), true, None, ItemKind::Task);
        assert_eq!(
            status(&ticked, Some(&open), None, &d, day("2026-03-09")).state,
            ItemState::Overdue
        );
        // File-only: the box is the state.
        assert_eq!(
            status(&ticked, None, None, &d, day("2026-03-09")).state,
            ItemState::Done
        );
        assert_eq!(
            status(&i, None, None, &d, day("2026-03-09"))
                .owner
                .as_deref(),
            Some("ann")
        );
        // No due date: never overdue.
        let undated = item(None, false, None, ItemKind::Task);
        assert_eq!(
            status(&undated, None, None, &d, day("2099-01-01")).state,
            ItemState::Open
        );
    }
}
