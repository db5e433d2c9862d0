//! The daily history behind the dashboard's charts over time, and the incident figures of
//! every postmortem (time to detect, time to restore) behind `/api/stats` and `/metrics`.
//!
//! One snapshot per repository per day: each run replaces its repository's snapshot of the
//! day, so the last run of a day is the day's. A snapshot is its totals by state
//! (`snapshots`) and its counts by state, kind and severity (`snapshot_counts`; an SQLite day
//! recorded before schema 3 has totals only).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::sql::{args, Tx};
use super::{Store, StoreError};
use crate::report::figures::severity_group;
use crate::report::{parse_state, state_str, IncidentFigures};
use crate::service::index::{Counts, GroupCount, ItemRecord, Snapshot};
use crate::service::webhook::Forge;

/// Records `records` (whose totals are `counts`) as `forge:repo`'s snapshot of `day`,
/// replacing an earlier one of the same day.
pub(super) fn record_day(
    tx: &mut dyn Tx,
    forge: Forge,
    repo: &str,
    day: NaiveDate,
    counts: Counts,
    records: &[ItemRecord],
) -> Result<(), StoreError> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO snapshots (day, forge, repo, done, open, overdue) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (day, forge, repo) DO UPDATE
         SET done = excluded.done, open = excluded.open, overdue = excluded.overdue",
        args![
            day,
            forge.as_str(),
            repo,
            count(counts.done),
            count(counts.open),
            count(counts.overdue)
        ],
    )?;
    tx.execute(
        "DELETE FROM snapshot_counts WHERE day = $1 AND forge = $2 AND repo = $3",
        args![day, forge.as_str(), repo],
    )?;
    for ((state, kind, severity), n) in groups_of(records) {
        tx.execute(
            "INSERT INTO snapshot_counts (day, forge, repo, state, kind, severity, n)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![day, forge.as_str(), repo, state, kind, severity, n],
        )?;
    }
    Ok(())
}

impl Store {
    /// Every repository's daily snapshots, oldest first (then by forge and repository).
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        // One transaction: the groups and the totals of the same moment.
        self.read(|tx, _| {
            let key = |r: &super::sql::Row| -> Result<Key, StoreError> {
                Ok((r.day(0)?, r.text(1)?, r.text(2)?))
            };
            let groups = tx
                .query(
                    "SELECT day, forge, repo, state, kind, severity, n FROM snapshot_counts
                     ORDER BY day, forge, repo, state, kind, severity",
                    &[],
                )?
                .iter()
                .map(|r| Ok((key(r)?, [r.text(3)?, r.text(4)?, r.text(5)?], r.count(6)?)))
                .collect::<Result<Vec<GroupRow>, StoreError>>()?;
            let totals = tx
                .query(
                    "SELECT day, forge, repo, done, open, overdue FROM snapshots
                     ORDER BY day, forge, repo",
                    &[],
                )?
                .iter()
                .map(|r| {
                    let counts = Counts {
                        done: r.count(3)?,
                        open: r.count(4)?,
                        overdue: r.count(5)?,
                    };
                    Ok((key(r)?, counts))
                })
                .collect::<Result<Vec<TotalRow>, StoreError>>()?;
            assemble(groups, totals)
        })
    }

    /// Replaces the incident figures of `forge:repo`'s postmortems with `incidents`.
    pub fn replace_incidents(
        &self,
        forge: Forge,
        repo: &str,
        incidents: &[IncidentFigures],
    ) -> Result<(), StoreError> {
        let repo = repo.to_string();
        let json = incidents
            .iter()
            .map(|f| serde_json::to_string(f).map_err(StoreError::Encode))
            .collect::<Result<Vec<_>, _>>()?;
        self.write(move |tx, _| {
            tx.execute(
                "DELETE FROM incidents WHERE forge = $1 AND repo = $2",
                args![forge.as_str(), &repo],
            )?;
            for (i, j) in json.into_iter().enumerate() {
                tx.execute(
                    "INSERT INTO incidents (forge, repo, ord, record) VALUES ($1, $2, $3, $4)",
                    args![forge.as_str(), &repo, i, j],
                )?;
            }
            Ok(())
        })
        .map_err(StoreError::at("cannot save the incident figures"))
    }

    /// Every postmortem's incident figures, by forge, repository and position.
    pub fn incidents(&self) -> Result<Vec<IncidentFigures>, StoreError> {
        self.json_records("incidents", "incident")
    }
}

/// A day's `snapshot_counts` rows of one repository from its records: (state, kind, severity
/// group) to how many.
fn groups_of(records: &[ItemRecord]) -> BTreeMap<(&'static str, String, String), i64> {
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

/// A snapshot's day, forge and repository.
type Key = (NaiveDate, String, String);

/// One `snapshot_counts` row: its key, state, kind, severity, count.
type GroupRow = (Key, [String; 3], u64);

/// One `snapshots` row: its key, counts.
type TotalRow = (Key, Counts);

/// The snapshots from their rows (`totals` in the order to return them).
fn assemble(group_rows: Vec<GroupRow>, totals: Vec<TotalRow>) -> Result<Vec<Snapshot>, StoreError> {
    let mut groups: BTreeMap<Key, Vec<GroupCount>> = BTreeMap::new();
    for (key, [state, kind, severity], n) in group_rows {
        let Some(state) = parse_state(&state) else {
            let (day, forge, repo) = &key;
            return Err(StoreError::Unreadable(format!(
                "an unreadable state {state:?} in the snapshot of {forge}:{repo} on {day}"
            )));
        };
        groups.entry(key).or_default().push(GroupCount {
            state,
            kind,
            severity,
            count: n,
        });
    }
    totals
        .into_iter()
        .map(|(key, counts)| {
            // A snapshot with no item has no group either, and that is known, not missing.
            let groups = groups
                .remove(&key)
                .or_else(|| (counts == Counts::default()).then(Vec::new));
            let (day, forge, repository) = key;
            Ok(Snapshot {
                day,
                forge,
                repository,
                counts,
                groups,
            })
        })
        .collect()
}
