//! The daily history behind the dashboard's charts over time, and the incident figures of
//! every postmortem (time to detect, time to restore) behind `/api/stats` and `/metrics`.
//!
//! One snapshot per repository per day: each run replaces its repository's snapshot of the
//! day, so the last run of a day is the day's. A snapshot is its totals by state
//! (`snapshots`, as schema 2 kept them) and its counts by state, kind and severity
//! (`snapshot_counts`, from schema 3; a day recorded before has totals only).

use std::collections::BTreeMap;

use rusqlite::{params, Transaction};

use super::{Store, StoreError};
use crate::render::context::ItemState;
use crate::report::figures::severity_group;
use crate::report::{state_str, IncidentFigures};
use crate::service::index::{Counts, GroupCount, ItemRecord, Snapshot};
use crate::service::webhook::Forge;

/// The tables of this file (run by [`Store::open`] after the others).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS snapshots (
    day         TEXT NOT NULL,
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    done        INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    overdue     INTEGER NOT NULL,
    PRIMARY KEY (day, forge, repo)
);
CREATE TABLE IF NOT EXISTS snapshot_counts (
    day         TEXT NOT NULL,
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    state       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (day, forge, repo, state, kind, severity)
);
CREATE TABLE IF NOT EXISTS incidents (
    forge       TEXT NOT NULL,
    repo        TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (forge, repo, ord)
);
";

/// Records `records` as `forge:repo`'s snapshot of `day`, replacing the day's earlier one.
/// Runs in the caller's transaction (the one that replaces the items).
pub(super) fn record_day(
    tx: &Transaction<'_>,
    forge: Forge,
    repo: &str,
    records: &[ItemRecord],
    day: chrono::NaiveDate,
) -> Result<(), StoreError> {
    let day = day.to_string();
    let c = Counts::of(records);
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (day, forge, repo, done, open, overdue) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![day, forge.as_str(), repo, c.done as i64, c.open as i64, c.overdue as i64],
    )?;
    tx.execute(
        "DELETE FROM snapshot_counts WHERE day = ?1 AND forge = ?2 AND repo = ?3",
        params![day, forge.as_str(), repo],
    )?;
    let mut groups: BTreeMap<(&str, &str, String), i64> = BTreeMap::new();
    for r in records {
        *groups
            .entry((
                state_str(r.state),
                r.kind.as_str(),
                severity_group(r.severity.as_deref()),
            ))
            .or_default() += 1;
    }
    let mut insert = tx.prepare(
        "INSERT INTO snapshot_counts (day, forge, repo, state, kind, severity, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for ((state, kind, severity), n) in groups {
        insert.execute(params![day, forge.as_str(), repo, state, kind, severity, n])?;
    }
    Ok(())
}

fn unreadable_day(day: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unreadable(format!("an unreadable day {day:?} in the database: {e}"))
}

impl Store {
    /// Every repository's daily snapshots, oldest first (then by forge and repository).
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.conn();
        let mut groups: BTreeMap<(String, String, String), Vec<GroupCount>> = BTreeMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT day, forge, repo, state, kind, severity, n FROM snapshot_counts ORDER BY day, forge, repo, state, kind, severity",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    [
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ],
                    [
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ],
                    r.get::<_, i64>(6)?,
                ))
            })?;
            for row in rows {
                let ([day, forge, repo], [state, kind, severity], n) = row?;
                let state = match state.as_str() {
                    "done" => ItemState::Done,
                    "open" => ItemState::Open,
                    "overdue" => ItemState::Overdue,
                    other => {
                        return Err(StoreError::Unreadable(format!(
                        "an unreadable state {other:?} in the snapshot of {forge}:{repo} on {day}"
                    )))
                    }
                };
                groups
                    .entry((day, forge, repo))
                    .or_default()
                    .push(GroupCount {
                        state,
                        kind,
                        severity,
                        count: n.max(0) as u64,
                    });
            }
        }
        let mut stmt = conn.prepare(
            "SELECT day, forge, repo, done, open, overdue FROM snapshots ORDER BY day, forge, repo",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ],
            ))
        })?;
        rows.map(|r| {
            let (day, forge, repository, [done, open, overdue]) = r?;
            let counts = Counts {
                done: done.max(0) as u64,
                open: open.max(0) as u64,
                overdue: overdue.max(0) as u64,
            };
            // A snapshot with no item has no group either, and that is known, not missing.
            let groups = groups
                .remove(&(day.clone(), forge.clone(), repository.clone()))
                .or_else(|| (counts == Counts::default()).then(Vec::new));
            Ok(Snapshot {
                day: day.parse().map_err(|e| unreadable_day(&day, e))?,
                forge,
                repository,
                counts,
                groups,
            })
        })
        .collect()
    }

    /// Replaces the incident figures of `forge:repo`'s postmortems with `incidents`.
    pub fn replace_incidents(
        &self,
        forge: Forge,
        repo: &str,
        incidents: &[IncidentFigures],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM incidents WHERE forge = ?1 AND repo = ?2",
            params![forge.as_str(), repo],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO incidents (forge, repo, ord, record) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, f) in incidents.iter().enumerate() {
                let json = serde_json::to_string(f).map_err(StoreError::Encode)?;
                insert.execute(params![forge.as_str(), repo, i as i64, json])?;
            }
        }
        tx.commit()
            .map_err(StoreError::at("cannot save the incident figures"))
    }

    /// Every postmortem's incident figures, by forge, repository and position.
    pub fn incidents(&self) -> Result<Vec<IncidentFigures>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT forge, repo, ord, record FROM incidents ORDER BY forge, repo, ord")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|r| {
            let (forge, repo, ord, json) = r?;
            serde_json::from_str(&json).map_err(|e| {
                StoreError::Unreadable(format!(
                    "incident {ord} of {forge}:{repo} in the database is unreadable: {e}"
                ))
            })
        })
        .collect()
    }
}
