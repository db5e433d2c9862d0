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
use crate::report::figures::severity_group;
use crate::report::{parse_state, state_str};
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

/// The snapshots from their rows (`totals` in the order to return them).
pub(super) fn assemble(
    group_rows: Vec<GroupRow>,
    totals: Vec<TotalRow>,
) -> Result<Vec<Snapshot>, StoreError> {
    let mut groups: BTreeMap<[String; 3], Vec<GroupCount>> = BTreeMap::new();
    for (key, [state, kind, severity], n) in group_rows {
        let Some(state) = parse_state(&state) else {
            let [day, forge, repo] = &key;
            return Err(StoreError::Unreadable(format!(
                "an unreadable state {state:?} in the snapshot of {forge}:{repo} on {day}"
            )));
        };
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

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;
    use crate::render::context::ItemState;
    use crate::service::index::test_record;
    use crate::service::webhook::Forge;

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
                // A version 2 file's other tables (what a later schema changes in them).
                "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, forge TEXT NOT NULL,
                   repo TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,
                   marks INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0,
                   created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT);
                 CREATE TABLE snapshots (day TEXT NOT NULL, forge TEXT NOT NULL, repo TEXT NOT NULL,
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
