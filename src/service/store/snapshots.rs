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
use crate::report::figures::severity_group;
use crate::report::{parse_state, state_str, IncidentFigures};
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

/// Three text columns from `first` on (day, forge, repo; state, kind, severity).
fn strings(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<[String; 3]> {
    Ok([r.get(first)?, r.get(first + 1)?, r.get(first + 2)?])
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
                Ok((strings(r, 0)?, strings(r, 3)?, r.get::<_, i64>(6)?))
            })?;
            for row in rows {
                let ([day, forge, repo], [state, kind, severity], n) = row?;
                let Some(state) = parse_state(&state) else {
                    return Err(StoreError::Unreadable(format!(
                        "an unreadable state {state:?} in the snapshot of {forge}:{repo} on {day}"
                    )));
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
                strings(r, 0)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ],
            ))
        })?;
        rows.map(|r| {
            let ([day, forge, repository], [done, open, overdue]) = r?;
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
        json_rows(&self.conn(), "incidents", "incident")
    }
}

/// Every row of `table` (`items` or `incidents`: forge, repo, ord and a JSON `record`), by
/// forge, repository and position; a record that does not read is an error naming it as a
/// `what`.
pub(super) fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    table: &'static str,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT forge, repo, ord, record FROM {table} ORDER BY forge, repo, ord"
    ))?;
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
                "{what} {ord} of {forge}:{repo} in the database is unreadable: {e}"
            ))
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::context::ItemState;
    use crate::service::index::test_record;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn item(key: &str, kind: &str, severity: Option<&str>, state: ItemState) -> ItemRecord {
        ItemRecord {
            key: key.into(),
            severity: severity.map(str::to_string),
            ..test_record("acme/svc", None, kind, state)
        }
    }

    #[test]
    fn a_day_keeps_its_last_run_by_state_kind_and_severity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let s = Store::open(&path).unwrap();
        let first = vec![
            item("a", "corrective", Some("SEV1"), ItemState::Open),
            item("b", "corrective", Some("sev1"), ItemState::Open),
        ];
        s.replace_items(Forge::Github, "acme/svc", first, day("2026-11-01"))
            .unwrap();
        // A second run the same day replaces the day's snapshot; the next day adds one.
        let second = vec![
            item("a", "corrective", Some("SEV1"), ItemState::Done),
            item("b", "corrective", Some("sev1"), ItemState::Open),
            item("c", "task", None, ItemState::Overdue),
            item("d", "task", None, ItemState::NotPlanned),
        ];
        s.replace_items(Forge::Github, "acme/svc", second.clone(), day("2026-11-01"))
            .unwrap();
        s.replace_items(Forge::Github, "acme/svc", Vec::new(), day("2026-11-02"))
            .unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        let snaps = s.snapshots().unwrap();
        assert_eq!(snaps.len(), 2, "one per repository per day: {snaps:?}");
        assert_eq!(snaps[0].counts, Counts::of(&second));
        let groups: Vec<(ItemState, &str, &str, u64)> = snaps[0]
            .groups
            .as_ref()
            .unwrap()
            .iter()
            .map(|g| (g.state, g.kind.as_str(), g.severity.as_str(), g.count))
            .collect();
        assert_eq!(
            groups,
            [
                (ItemState::Done, "corrective", "sev1", 1),
                (ItemState::NotPlanned, "task", "unknown", 1),
                (ItemState::Open, "corrective", "sev1", 1),
                (ItemState::Overdue, "task", "unknown", 1),
            ],
            "a closed-as-not-planned item reads back too"
        );
        assert_eq!(
            snaps[1].groups,
            Some(Vec::new()),
            "no item is a known zero, not a missing breakdown"
        );
    }

    #[test]
    fn a_schema_2_file_keeps_its_history_as_totals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE snapshots (day TEXT NOT NULL, forge TEXT NOT NULL, repo TEXT NOT NULL,
                   done INTEGER NOT NULL, open INTEGER NOT NULL, overdue INTEGER NOT NULL,
                   PRIMARY KEY (day, forge, repo));
                 INSERT INTO snapshots VALUES ('2026-10-30', 'github', 'acme/svc', 1, 4, 2);
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let snaps = s.snapshots().unwrap();
        assert_eq!(snaps.len(), 1);
        assert_eq!(
            (
                snaps[0].counts.open,
                snaps[0].counts.overdue,
                &snaps[0].groups
            ),
            (4, 2, &None)
        );
    }

    #[test]
    fn incidents_are_replaced_per_repository() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let report = crate::report::sample();
        let mut one = report.figures.incidents[0].clone();
        s.replace_incidents(Forge::Github, "acme/svc", &[one.clone(), one.clone()])
            .unwrap();
        one.repository = "acme/web".into();
        s.replace_incidents(Forge::Github, "acme/web", std::slice::from_ref(&one))
            .unwrap();
        assert_eq!(s.incidents().unwrap().len(), 3);
        s.replace_incidents(Forge::Github, "acme/svc", &[]).unwrap();
        assert_eq!(s.incidents().unwrap(), [one]);
    }
}
