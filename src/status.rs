//! Due dates and overdue: the state of every action item on a given day.
//!
//! Pure: the day comes in (the shell computes it in the configured time zone), and so does what
//! the tracker says about each item's issue. Without a tracker (file-only mode) the file is the
//! state: a ticked box is done, the item's own due date is its due date.

use chrono::NaiveDate;
use serde::Serialize;

use crate::due::{DocFacts, Policy, PolicyDue};
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
    /// Closed as not planned (GitHub's `state_reason`).
    pub not_planned: bool,
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
    /// The due-date policy (`[due]`), counted from the incident.
    Policy,
}

/// An item's state on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub due: Option<NaiveDate>,
    pub due_from: Option<DueFrom>,
    /// How the policy set the date, when it did (days, counted from what, by which rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_policy: Option<PolicyDue>,
    pub state: ItemState,
    /// Days past the due date, when overdue.
    pub days_overdue: Option<i64>,
    /// The tracker's assignee, else the postmortem's owner.
    pub owner: Option<String>,
}

/// A due date and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    pub from: DueFrom,
    /// The policy's reason, when the policy gave the date.
    pub policy: Option<PolicyDue>,
}

/// The due date: the item's own, else the tracker's, else the milestone's, else the policy's,
/// counted from the incident (none when the postmortem has no date to count from).
pub fn due_date(
    item: &ActionItem,
    issue: Option<&IssueState>,
    facts: &DocFacts<'_>,
    policy: &Policy,
) -> Option<Due> {
    let written = |date, from| Due {
        date,
        from,
        policy: None,
    };
    if let Some(d) = item.due {
        return Some(written(d, DueFrom::Item));
    }
    if let Some(d) = issue.and_then(|i| i.due) {
        return Some(written(d, DueFrom::Tracker));
    }
    if let Some(d) = issue.and_then(|i| i.milestone_due) {
        return Some(written(d, DueFrom::Milestone));
    }
    let p = policy.due(item, facts)?;
    Some(Due {
        date: p.date,
        from: DueFrom::Policy,
        policy: Some(p),
    })
}

/// The item's state on `today`: done when its issue is closed (or, without an issue, when its
/// box is ticked), not planned when it was closed as such or the document says it will not be
/// done and its issue (if any) is closed; overdue when open and `today` is past the due date;
/// else open.
pub fn status(
    item: &ActionItem,
    issue: Option<&IssueState>,
    facts: &DocFacts<'_>,
    policy: &Policy,
    today: NaiveDate,
) -> Status {
    let due = due_date(item, issue, facts, policy);
    let done = issue.map_or(item.done, |i| !i.open);
    // (A dropped item whose issue someone reopened is open work again.)
    let dropped = item.not_planned && !item.done && issue.is_none_or(|i| !i.open);
    let days_overdue = due
        .as_ref()
        .map(|d| (today - d.date).num_days())
        .filter(|n| *n > 0 && !done && !dropped);
    let state = if dropped || issue.is_some_and(|i| !i.open && i.not_planned) {
        ItemState::NotPlanned
    } else if done {
        ItemState::Done
    } else if days_overdue.is_some() {
        ItemState::Overdue
    } else {
        ItemState::Open
    };
    let (due, due_from, due_policy) = match due {
        Some(d) => (Some(d.date), Some(d.from), d.policy),
        None => (None, None, None),
    };
    Status {
        due,
        due_from,
        due_policy,
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
            not_planned: false,
            checkbox: true,
            line: 3,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(incident: Option<&str>) -> DocFacts<'static> {
        DocFacts {
            base: incident.map(|d| (day(d), crate::due::Since::Incident)),
            severity: None,
        }
    }

    fn due(
        i: &ActionItem,
        issue: Option<&IssueState>,
        facts: &DocFacts,
        p: &Policy,
    ) -> Option<(NaiveDate, DueFrom)> {
        due_date(i, issue, facts, p).map(|d| (d.date, d.from))
    }

    #[test]
    fn due_dates_come_from_item_then_tracker_then_milestone_then_policy() {
        let policy = Policy::default();
        let incident = at(Some("2026-01-01"));
        let issue = IssueState {
            open: true,
            due: Some(day("2026-02-01")),
            milestone_due: Some(day("2026-03-01")),
            ..IssueState::default()
        };
        let i = item(Some("2026-01-15"), false, None, ItemKind::Task);
        assert_eq!(
            due(&i, Some(&issue), &incident, &policy),
            Some((day("2026-01-15"), DueFrom::Item))
        );
        let i = item(None, false, None, ItemKind::Task);
        assert_eq!(
            due(&i, Some(&issue), &incident, &policy),
            Some((day("2026-02-01"), DueFrom::Tracker))
        );
        let only_milestone = IssueState {
            due: None,
            ..issue.clone()
        };
        assert_eq!(
            due(&i, Some(&only_milestone), &incident, &policy),
            Some((day("2026-03-01"), DueFrom::Milestone))
        );
        // The policy without configuration: eight weeks for a task, four for corrective.
        assert_eq!(
            due(&i, None, &incident, &policy),
            Some((day("2026-02-26"), DueFrom::Policy))
        );
        let corrective = item(None, false, None, ItemKind::Corrective);
        let d = due_date(&corrective, None, &incident, &policy).unwrap();
        assert_eq!(d.date, day("2026-01-29"));
        assert_eq!(
            d.policy.unwrap().to_string(),
            "policy: 28 days after the incident"
        );
        assert_eq!(
            due(&corrective, None, &at(None), &policy),
            None,
            "no incident date, nothing to count from"
        );
        assert_eq!(due(&i, None, &incident, &Policy::off()), None);
    }

    #[test]
    fn an_item_the_document_drops_is_not_planned_unless_its_issue_is_reopened() {
        let d = Policy::off();
        let dropped = ActionItem {
            not_planned: true,
            ..item(Some("2026-03-01"), false, None, ItemKind::Task)
        };
        let closed = IssueState::default();
        let reopened = IssueState {
            open: true,
            ..IssueState::default()
        };
        let today = day("2026-03-09");
        // Without an issue, or with its issue closed (GitLab keeps no reason): not planned,
        // and never overdue.
        for issue in [None, Some(&closed)] {
            let s = status(&dropped, issue, &at(None), &d, today);
            assert_eq!((s.state, s.days_overdue), (ItemState::NotPlanned, None));
        }
        let s = status(&dropped, Some(&reopened), &at(None), &d, today);
        assert_eq!((s.state, s.days_overdue), (ItemState::Overdue, Some(8)));
    }

    #[test]
    fn states_on_a_day() {
        let d = Policy::off();
        let none = at(None);
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
        let s = status(&i, Some(&open), &none, &d, day("2026-03-01"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Open, None));
        let s = status(&i, Some(&open), &none, &d, day("2026-03-09"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Overdue, Some(8)));
        assert_eq!(
            s.owner.as_deref(),
            Some("bob"),
            "the tracker's assignee wins"
        );
        // A closed issue is done whatever the box says; a reopened one is open again.
        let s = status(&i, Some(&closed), &none, &d, day("2026-03-09"));
        assert_eq!((s.state, s.days_overdue), (ItemState::Done, None));
        let ticked = item(Some("2026-03-01"), true, None, ItemKind::Task);
        assert_eq!(
            status(&ticked, Some(&open), &none, &d, day("2026-03-09")).state,
            ItemState::Overdue
        );
        // File-only: the box is the state.
        assert_eq!(
            status(&ticked, None, &none, &d, day("2026-03-09")).state,
            ItemState::Done
        );
        assert_eq!(
            status(&i, None, &none, &d, day("2026-03-09"))
                .owner
                .as_deref(),
            Some("ann")
        );
        // No due date and the policy off: never overdue.
        let undated = item(None, false, None, ItemKind::Task);
        assert_eq!(
            status(
                &undated,
                None,
                &at(Some("2026-01-01")),
                &d,
                day("2099-01-01")
            )
            .state,
            ItemState::Open
        );
        // With the policy, an undated item of an old incident is overdue.
        let s = status(
            &undated,
            None,
            &at(Some("2026-01-01")),
            &Policy::default(),
            day("2026-03-09"),
        );
        assert_eq!((s.state, s.days_overdue), (ItemState::Overdue, Some(11)));
    }
}
