//! The figures people ask of postmortems, from item rows and parsed incidents: time to detect
//! and to restore per incident (and their medians by severity), counts by state, median days to
//! close by kind and by severity, and the share of done items closed by their due date.
//!
//! Pure: rows and documents in, numbers out, `today` passed in. A figure whose data is missing
//! is left out or counted as missing, never guessed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::items::ItemRecord;
use crate::model::{Postmortem, Timestamp};
use crate::render::context::{Counts, ItemState};

/// The nearest-rank percentile `p` (0 < p <= 1) of `sorted` (ascending): an observed value,
/// never an interpolation, so "median 3 days" is a day some item really took. The median of
/// an even count is the lower middle value. `None` when `sorted` is empty.
pub fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// A postmortem's incident times, as far as its text says. The times are written as the
/// parser's timestamps print (RFC 3339 when date, time and zone are known), so the service
/// can keep them as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFigures {
    /// `github`, `gitlab`, or empty (file-only).
    pub forge: String,
    /// The repository, lower-case; empty when file-only without one.
    pub repository: String,
    pub path: String,
    pub title: Option<String>,
    /// The front matter's `severity`, as written.
    pub severity: Option<String>,
    pub start: Option<String>,
    pub detected: Option<String>,
    pub end: Option<String>,
    /// Minutes from the start to detection.
    pub time_to_detect_minutes: Option<i64>,
    /// Minutes from the start to restoration (the incident's duration).
    pub time_to_restore_minutes: Option<i64>,
}

impl IncidentFigures {
    /// The figures the parser found in `doc`, a postmortem of `repository` on `forge`.
    pub fn of(forge: &str, repository: &str, doc: &Postmortem) -> IncidentFigures {
        let i = &doc.incident;
        IncidentFigures {
            forge: forge.to_string(),
            repository: repository.to_string(),
            path: doc.path.clone(),
            title: doc.title.clone(),
            severity: doc.front_matter.as_ref().and_then(|f| f.severity.clone()),
            start: i.start.as_ref().map(Timestamp::to_string),
            detected: i.detected.as_ref().map(Timestamp::to_string),
            end: i.end.as_ref().map(Timestamp::to_string),
            time_to_detect_minutes: i.time_to_detect_minutes,
            time_to_restore_minutes: i.duration_minutes,
        }
    }
}

/// Median time to detect and to restore of one severity's incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentMedians {
    /// The severity, lower-case (`sev1`); `unknown` when the front matter names none.
    pub severity: String,
    pub incidents: usize,
    /// Incidents with a known time to detect, and their median.
    pub detect_known: usize,
    pub median_detect_minutes: Option<i64>,
    /// Incidents with a known time to restore, and their median.
    pub restore_known: usize,
    pub median_restore_minutes: Option<i64>,
}

/// Days from incident to close of one group (a kind or a severity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseMedian {
    pub group: String,
    /// Done items with both the incident's day and the close day known.
    pub count: usize,
    pub median_days: i64,
}

/// Median days to close, by kind and by severity; groups without such an item are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseFigures {
    pub by_kind: Vec<CloseMedian>,
    pub by_severity: Vec<CloseMedian>,
    /// Done items whose close day or incident day is unknown (file-only: no close day).
    pub done_without_dates: usize,
}

/// How many done items were closed by their due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueShare {
    /// Done items with both a due date and a close day.
    pub known: usize,
    /// Of those, closed on or before the due date.
    pub on_time: usize,
    /// `on_time / known`; `None` when nothing is known.
    pub share: Option<f64>,
    /// The share in whole percent, rounded, for people.
    pub percent: Option<i64>,
}

/// Every figure of one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The day the states were computed for.
    pub today: NaiveDate,
    pub counts: Counts,
    pub incidents: Vec<IncidentFigures>,
    pub incidents_by_severity: Vec<IncidentMedians>,
    pub days_to_close: CloseFigures,
    pub closed_by_due: DueShare,
}

/// A severity as a group name: trimmed, lower-case, `unknown` when missing or blank.
pub fn severity_group(s: Option<&str>) -> String {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_lowercase(),
        None => "unknown".into(),
    }
}

/// Counts of `records` by state.
pub fn counts(records: &[ItemRecord]) -> Counts {
    let mut c = Counts {
        total: records.len(),
        ..Counts::default()
    };
    for r in records {
        match r.state {
            ItemState::Done => c.done += 1,
            ItemState::Open => c.open += 1,
            ItemState::Overdue => c.overdue += 1,
            ItemState::NotPlanned => c.not_planned += 1,
        }
    }
    c
}

/// Median days to close per group that `group` names, sorted by group name.
pub fn close_medians(
    records: &[ItemRecord],
    group: impl Fn(&ItemRecord) -> String,
) -> Vec<CloseMedian> {
    let mut by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in records {
        if let Some(d) = r.days_to_close() {
            by.entry(group(r)).or_default().push(d);
        }
    }
    by.into_iter()
        .filter_map(|(group, mut days)| {
            days.sort_unstable();
            Some(CloseMedian {
                group,
                count: days.len(),
                median_days: nearest_rank(&days, 0.5)?,
            })
        })
        .collect()
}

/// The share of done items closed on or before their due date, among those with both dates.
pub fn closed_by_due(records: &[ItemRecord]) -> DueShare {
    let (mut known, mut on_time) = (0, 0);
    for r in records.iter().filter(|r| r.state == ItemState::Done) {
        if let (Some(closed), Some(due)) = (r.closed_on, r.due) {
            known += 1;
            if closed <= due {
                on_time += 1;
            }
        }
    }
    let share = (known > 0).then(|| on_time as f64 / known as f64);
    DueShare {
        known,
        on_time,
        share,
        percent: share.map(|s| (s * 100.0).round() as i64),
    }
}

/// Median time to detect and to restore by severity, sorted by severity.
pub fn incident_medians(incidents: &[IncidentFigures]) -> Vec<IncidentMedians> {
    let mut by: BTreeMap<String, Vec<&IncidentFigures>> = BTreeMap::new();
    for i in incidents {
        by.entry(severity_group(i.severity.as_deref()))
            .or_default()
            .push(i);
    }
    by.into_iter()
        .map(|(severity, list)| {
            let sorted = |f: fn(&IncidentFigures) -> Option<i64>| {
                let mut v: Vec<i64> = list.iter().filter_map(|i| f(i)).collect();
                v.sort_unstable();
                v
            };
            let detect = sorted(|i| i.time_to_detect_minutes);
            let restore = sorted(|i| i.time_to_restore_minutes);
            IncidentMedians {
                severity,
                incidents: list.len(),
                detect_known: detect.len(),
                median_detect_minutes: nearest_rank(&detect, 0.5),
                restore_known: restore.len(),
                median_restore_minutes: nearest_rank(&restore, 0.5),
            }
        })
        .collect()
}

/// All figures of `records` (the items) and `incidents` (one per postmortem), as of `today`:
/// the one computation behind `report`, the dashboard's charts, `/api/stats` and `/metrics`.
pub fn figures(records: &[ItemRecord], incidents: &[IncidentFigures], today: NaiveDate) -> Figures {
    let done_without_dates = records
        .iter()
        .filter(|r| r.state == ItemState::Done && r.days_to_close().is_none())
        .count();
    Figures {
        today,
        counts: counts(records),
        incidents: incidents.to_vec(),
        incidents_by_severity: incident_medians(incidents),
        days_to_close: CloseFigures {
            by_kind: close_medians(records, |r| r.kind.clone()),
            by_severity: close_medians(records, |r| severity_group(r.severity.as_deref())),
            done_without_dates,
        },
        closed_by_due: closed_by_due(records),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::items::test_record as rec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A done item of `path` closed `days` after an incident on 2026-01-01, due `due`.
    fn closed(path: &str, kind: &str, days: u64, due: Option<&str>) -> ItemRecord {
        let mut r = rec("a/x", None, kind, ItemState::Done);
        r.severity = (path == "a.md").then(|| " SEV1 ".to_string());
        r.path = path.into();
        r.incident = Some(day("2026-01-01"));
        r.closed_on = Some(day("2026-01-01") + chrono::Days::new(days));
        r.due = due.map(day);
        r
    }

    fn incident(
        path: &str,
        severity: Option<&str>,
        ttd: Option<i64>,
        ttr: Option<i64>,
    ) -> IncidentFigures {
        IncidentFigures {
            forge: "github".into(),
            repository: "a/x".into(),
            path: path.into(),
            title: None,
            severity: severity.map(str::to_string),
            start: None,
            detected: None,
            end: None,
            time_to_detect_minutes: ttd,
            time_to_restore_minutes: ttr,
        }
    }

    #[test]
    fn median_is_nearest_rank_and_none_when_empty() {
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[7], 0.5), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 0.5), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 40], 0.5), Some(2), "lower middle");
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 10], 0.9), Some(10));
    }

    #[test]
    fn days_to_close_by_kind_and_severity_leave_out_unknown_dates() {
        let mut rs = vec![
            closed("a.md", "corrective", 2, None),
            closed("a.md", "corrective", 10, None),
            closed("a.md", "corrective", 4, None),
            closed("b.md", "preventive", 30, None),
        ];
        // Done without a close day (file-only): counted as missing, not as zero days.
        rs.push(rec("a/x", None, "task", ItemState::Done));
        rs.push(rec("a/x", None, "task", ItemState::Open));
        let incidents = [
            incident("a.md", Some(" SEV1 "), None, None),
            incident("b.md", None, None, None),
        ];
        let f = figures(&rs, &incidents, day("2026-03-01"));
        let pairs = |v: &[CloseMedian]| -> Vec<(String, usize, i64)> {
            v.iter()
                .map(|c| (c.group.clone(), c.count, c.median_days))
                .collect()
        };
        assert_eq!(
            pairs(&f.days_to_close.by_kind),
            [("corrective".into(), 3, 4), ("preventive".into(), 1, 30)]
        );
        assert_eq!(
            pairs(&f.days_to_close.by_severity),
            [("sev1".into(), 3, 4), ("unknown".into(), 1, 30)]
        );
        assert_eq!(f.days_to_close.done_without_dates, 1);
        assert_eq!((f.counts.done, f.counts.open, f.counts.total), (5, 1, 6));
    }

    #[test]
    fn share_closed_by_due_counts_only_items_with_both_dates() {
        let rs = [
            closed("a.md", "task", 5, Some("2026-01-06")), // on the due day: on time
            closed("a.md", "task", 9, Some("2026-01-06")), // late
            closed("a.md", "task", 1, Some("2026-01-10")), // early
            closed("a.md", "task", 1, None),               // no due date: not counted
            rec("a/x", None, "task", ItemState::Overdue),  // not done: not counted
        ];
        let s = closed_by_due(&rs);
        assert_eq!((s.known, s.on_time), (3, 2));
        assert!((s.share.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.percent, Some(67), "rounded, for people");
        assert_eq!(closed_by_due(&[]).share, None, "no data is no share, not 0");
    }

    #[test]
    fn incident_medians_by_severity_with_missing_times() {
        let m = incident_medians(&[
            incident("a.md", Some("SEV2"), Some(10), Some(60)),
            incident("b.md", Some("sev2"), None, Some(120)),
            incident("c.md", Some("sev2"), Some(30), Some(30)),
            incident("d.md", None, None, None),
        ]);
        assert_eq!(
            m,
            [
                IncidentMedians {
                    severity: "sev2".into(),
                    incidents: 3,
                    detect_known: 2,
                    median_detect_minutes: Some(10),
                    restore_known: 3,
                    median_restore_minutes: Some(60),
                },
                IncidentMedians {
                    severity: "unknown".into(),
                    incidents: 1,
                    detect_known: 0,
                    median_detect_minutes: None,
                    restore_known: 0,
                    median_restore_minutes: None,
                },
            ]
        );
    }
}
