//! The daily history behind the dashboard's charts over time, and the incident figures of
//! every postmortem (time to detect, time to restore) behind `/api/stats` and `/metrics`: what
//! both backends share (the rows' meaning); each backend keeps them in its own tables.
//!
//! One snapshot per repository per day: each run replaces its repository's snapshot of the
//! day, so the last run of a day is the day's. A snapshot is its totals by state
//! (`snapshots`) and its counts by state, kind and severity (`snapshot_counts`; an SQLite day
//! recorded before schema 3 has totals only).

use std::collections::BTreeMap;

use super::StoreError;
use crate::render::context::ItemState;
use crate::report::figures::severity_group;
use crate::report::{state_str, IncidentFigures};
use crate::service::index::{Counts, GroupCount, ItemRecord, Snapshot};

/// A day's `snapshot_counts` rows of one repository from its records: (state, kind, severity
/// group) to how many.
pub(super) fn groups_of(records: &[ItemRecord]) -> BTreeMap<(&'static str, String, String), i64> {
    let mut groups = BTreeMap::new();
    for r in records {
        *groups
            .entry((
                state_str(r.state),
                r.kind.clone(),
                severity_group(r.severity.as_deref()),
            ))
            .or_default() += 1;
    }
    groups
}

/// One `snapshot_counts` row: day, forge, repository, state, kind, severity, count.
pub(super) type GroupRow = ([String; 3], [String; 3], i64);

/// One `snapshots` row: day, forge, repository, counts.
pub(super) type TotalRow = ([String; 3], Counts);

/// The state a `snapshot_counts` row names.
fn parse_state(state: &str, [day, forge, repo]: &[String; 3]) -> Result<ItemState, StoreError> {
    [
        ItemState::Done,
        ItemState::Open,
        ItemState::Overdue,
        ItemState::NotPlanned,
    ]
    .into_iter()
    .find(|s| state_str(*s) == state)
    .ok_or_else(|| {
        StoreError::Unreadable(format!(
            "an unreadable state {state:?} in the snapshot of {forge}:{repo} on {day}"
        ))
    })
}

/// The snapshots from their rows (`totals` in the order to return them).
pub(super) fn assemble(
    group_rows: Vec<GroupRow>,
    totals: Vec<TotalRow>,
) -> Result<Vec<Snapshot>, StoreError> {
    let mut groups: BTreeMap<[String; 3], Vec<GroupCount>> = BTreeMap::new();
    for (key, [state, kind, severity], n) in group_rows {
        let state = parse_state(&state, &key)?;
        groups.entry(key).or_default().push(GroupCount {
            state,
            kind,
            severity,
            count: n.max(0) as u64,
        });
    }
    totals
        .into_iter()
        .map(|(key, counts)| {
            // A snapshot with no item has no group either, and that is known, not missing.
            let groups = groups
                .remove(&key)
                .or_else(|| (counts == Counts::default()).then(Vec::new));
            let [day, forge, repository] = key;
            Ok(Snapshot {
                day: day.parse().map_err(|e| {
                    StoreError::Unreadable(format!(
                        "an unreadable day {day:?} in the database: {e}"
                    ))
                })?,
                forge,
                repository,
                counts,
                groups,
            })
        })
        .collect()
}

/// A stored incident (its JSON) read back; an unreadable one is an error naming it.
pub(super) fn parse_incident(
    forge: &str,
    repo: &str,
    ord: i64,
    json: &str,
) -> Result<IncidentFigures, StoreError> {
    serde_json::from_str(json).map_err(|e| {
        StoreError::Unreadable(format!(
            "incident {ord} of {forge}:{repo} in the database is unreadable: {e}"
        ))
    })
}
