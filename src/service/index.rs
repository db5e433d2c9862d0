//! The index of every tracked item across repositories: what the dashboard, `/api/items` and
//! `/metrics` show. Pure: records are built from a follow-up's outcome and exported by
//! [`crate::report`] (shared with the `report` command), filtered and summarised here;
//! [`super::store`] keeps them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::webhook::Forge;
use crate::followup::DocOutcome;
use crate::model::Postmortem;
use crate::render::context::ItemState;
use crate::report::figures::nearest_rank;
#[cfg(test)]
pub(crate) use crate::report::items::test_record;
pub use crate::report::{state_str, to_csv, ItemRecord, CSV_HEADER};

/// The records of one repository's postmortems on `forge` ([`crate::report::records`]).
pub fn records(
    forge: Forge,
    repository: &str,
    docs: &[Postmortem],
    outcomes: &[DocOutcome],
    listing: &[crate::plan::TrackedIssue],
    file_url: Option<&str>,
) -> Vec<ItemRecord> {
    crate::report::records(
        forge.as_str(),
        repository,
        docs,
        outcomes,
        listing,
        file_url,
    )
}

/// Why a query of the item views was refused; the message names the parameter and what it
/// accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A parameter the views do not know.
    #[error("{name}: unknown parameter (expected {expected})")]
    Unknown {
        /// The parameter as given.
        name: String,
        /// The parameters accepted, comma-separated.
        expected: String,
    },
    /// A parameter given twice.
    #[error("{0}: given more than once")]
    Repeated(String),
    /// A value the parameter does not accept.
    #[error("{name}={value}: expected {expected}")]
    Value {
        /// The parameter.
        name: &'static str,
        /// The value as given (trimmed, lower-cased where case does not matter).
        value: String,
        /// What it accepts.
        expected: &'static str,
    },
}

/// Which items to show; `None` matches any. The query of `/`, `/api/items` and
/// `/api/items.csv`: `?repository=acme/svc&owner=alice&kind=corrective&state=open&overdue=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemFilter {
    pub forge: Option<String>,
    pub repository: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub state: Option<ItemState>,
    pub overdue: Option<bool>,
}

/// The raw query, as a form sends it (empty values mean "any").
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub forge: Option<String>,
    pub repository: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub state: Option<String>,
    pub overdue: Option<String>,
}

/// A refused value of parameter `name`.
fn bad(name: &'static str, value: String, expected: &'static str) -> QueryError {
    QueryError::Value {
        name,
        value,
        expected,
    }
}

impl ItemFilter {
    /// Checks a query; the message names the bad parameter and what it accepts.
    pub fn from_query(q: &ItemQuery) -> Result<ItemFilter, QueryError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let forge = match given(&q.forge) {
            None => None,
            Some(f) => match Forge::parse(&f.to_lowercase()) {
                Some(f) => Some(f.as_str().to_string()),
                None => return Err(bad("forge", f, "github or gitlab")),
            },
        };
        let kind = match given(&q.kind).map(|k| k.to_lowercase()) {
            None => None,
            Some(k) if ["corrective", "preventive", "task", "unknown"].contains(&k.as_str()) => {
                Some(k)
            }
            Some(k) => return Err(bad("kind", k, "corrective, preventive, task or unknown")),
        };
        let state = match given(&q.state).map(|s| s.to_lowercase()).as_deref() {
            None => None,
            Some("done") => Some(ItemState::Done),
            Some("open") => Some(ItemState::Open),
            Some("overdue") => Some(ItemState::Overdue),
            Some(s) => return Err(bad("state", s.to_string(), "done, open or overdue")),
        };
        let overdue = match given(&q.overdue).map(|s| s.to_lowercase()).as_deref() {
            None => None,
            Some("true" | "yes" | "1" | "on") => Some(true),
            Some("false" | "no" | "0" | "off") => Some(false),
            Some(s) => return Err(bad("overdue", s.to_string(), "true or false")),
        };
        Ok(ItemFilter {
            forge,
            repository: given(&q.repository).map(|r| r.to_lowercase()),
            owner: given(&q.owner).map(|o| o.trim_start_matches('@').to_string()),
            kind,
            state,
            overdue,
        })
    }

    /// Whether `r` passes the filter. Owners compare without case and without `@`.
    pub fn matches(&self, r: &ItemRecord) -> bool {
        let owner_ok = match (&self.owner, &r.owner) {
            (None, _) => true,
            (Some(want), Some(have)) => have.trim_start_matches('@').eq_ignore_ascii_case(want),
            (Some(_), None) => false,
        };
        self.forge.as_ref().is_none_or(|f| *f == r.forge)
            && self.repository.as_ref().is_none_or(|x| *x == r.repository)
            && owner_ok
            && self.kind.as_ref().is_none_or(|k| *k == r.kind)
            && self.state.is_none_or(|s| s == r.state)
            && self
                .overdue
                .is_none_or(|o| o == (r.state == ItemState::Overdue))
    }

    /// The filter as a query string (without `?`), for links that keep it.
    pub fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        let state = self.state.map(state_str);
        let overdue = self.overdue.map(|o| o.to_string());
        for (k, v) in [
            ("forge", self.forge.as_deref()),
            ("repository", self.repository.as_deref()),
            ("owner", self.owner.as_deref()),
            ("kind", self.kind.as_deref()),
            ("state", state),
            ("overdue", overdue.as_deref()),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

/// Counts of one repository's items on one day, kept per run for the charts over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: u64,
    pub open: u64,
    pub overdue: u64,
}

impl Counts {
    /// Counts of `records`.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a ItemRecord>) -> Counts {
        let mut c = Counts {
            done: 0,
            open: 0,
            overdue: 0,
        };
        for r in records {
            match r.state {
                ItemState::Done => c.done += 1,
                ItemState::Open => c.open += 1,
                ItemState::Overdue => c.overdue += 1,
                // Closed without being done: in none of the chart's lines.
                ItemState::NotPlanned => {}
            }
        }
        c
    }
}

/// One repository's counts as of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub forge: String,
    pub repository: String,
    pub counts: Counts,
}

/// Open and overdue items over time across the repositories `filter` selects (by forge and
/// repository; the other criteria do not apply to counts): for each day with a snapshot, the
/// sum over repositories of each one's latest snapshot on or before that day.
pub fn series(snapshots: &[Snapshot], filter: &ItemFilter) -> Vec<(NaiveDate, Counts)> {
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut by_repo: BTreeMap<(&str, &str), Vec<&Snapshot>> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| {
        filter.forge.as_ref().is_none_or(|f| *f == s.forge)
            && filter
                .repository
                .as_ref()
                .is_none_or(|r| *r == s.repository)
    }) {
        days.push(s.day);
        by_repo
            .entry((s.forge.as_str(), s.repository.as_str()))
            .or_default()
            .push(s);
    }
    days.sort();
    days.dedup();
    for v in by_repo.values_mut() {
        v.sort_by_key(|s| s.day);
    }
    days.into_iter()
        .map(|day| {
            let mut c = Counts {
                done: 0,
                open: 0,
                overdue: 0,
            };
            for v in by_repo.values() {
                if let Some(s) = v.iter().rev().find(|s| s.day <= day) {
                    c.done += s.counts.done;
                    c.open += s.counts.open;
                    c.overdue += s.counts.overdue;
                }
            }
            (day, c)
        })
        .collect()
}

/// Time to close for one kind of item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseTime {
    pub kind: String,
    /// Done items with an incident date.
    pub count: usize,
    pub median_days: i64,
    pub p90_days: i64,
}

/// Days from incident to done, by kind (kinds with no such item are left out), sorted by kind.
pub fn time_to_close(records: &[ItemRecord]) -> Vec<CloseTime> {
    let mut by_kind: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in records {
        if let Some(d) = r.days_to_close() {
            by_kind.entry(r.kind.as_str()).or_default().push(d);
        }
    }
    by_kind
        .into_iter()
        .map(|(kind, mut days)| {
            days.sort_unstable();
            // `days` is never empty: a kind is only entered with a day.
            let rank = |p: f64| nearest_rank(&days, p).unwrap_or_default();
            CloseTime {
                kind: kind.to_string(),
                count: days.len(),
                median_days: rank(0.5),
                p90_days: rank(0.9),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_record as rec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn filters_from_a_form_query() {
        let q = ItemQuery {
            repository: Some("Acme/Svc".into()),
            owner: Some("@Alice".into()),
            state: Some("".into()),
            overdue: Some("on".into()),
            ..ItemQuery::default()
        };
        let f = ItemFilter::from_query(&q).unwrap();
        assert_eq!(f.repository.as_deref(), Some("acme/svc"));
        assert_eq!(f.state, None, "an empty select means any");
        assert_eq!(f.overdue, Some(true));
        let overdue = rec("acme/svc", Some("alice"), "corrective", ItemState::Overdue);
        assert!(f.matches(&overdue));
        assert!(!f.matches(&rec(
            "acme/svc",
            Some("alice"),
            "corrective",
            ItemState::Open
        )));
        assert!(!f.matches(&rec(
            "acme/web",
            Some("alice"),
            "corrective",
            ItemState::Overdue
        )));
        assert!(!f.matches(&rec("acme/svc", None, "corrective", ItemState::Overdue)));
        assert_eq!(
            f.query_string(),
            "repository=acme%2Fsvc&owner=Alice&overdue=true"
        );

        for (q, named) in [
            (
                ItemQuery {
                    state: Some("closed".into()),
                    ..ItemQuery::default()
                },
                "state=closed",
            ),
            (
                ItemQuery {
                    kind: Some("bug".into()),
                    ..ItemQuery::default()
                },
                "kind=bug",
            ),
            (
                ItemQuery {
                    forge: Some("gitea".into()),
                    ..ItemQuery::default()
                },
                "forge=gitea",
            ),
            (
                ItemQuery {
                    overdue: Some("maybe".into()),
                    ..ItemQuery::default()
                },
                "overdue=maybe",
            ),
        ] {
            let e = ItemFilter::from_query(&q).unwrap_err().to_string();
            assert!(e.starts_with(named), "{e}");
        }
    }

    #[test]
    fn series_carries_each_repository_forward() {
        let snap = |d: &str, repo: &str, open, overdue| Snapshot {
            day: day(d),
            forge: "github".into(),
            repository: repo.into(),
            counts: Counts {
                done: 0,
                open,
                overdue,
            },
        };
        let snaps = [
            snap("2026-11-01", "a/x", 3, 1),
            snap("2026-11-02", "b/y", 5, 0),
            snap("2026-11-03", "a/x", 2, 2),
        ];
        let s = series(&snaps, &ItemFilter::default());
        let open: Vec<_> = s
            .iter()
            .map(|(d, c)| (d.to_string(), c.open, c.overdue))
            .collect();
        assert_eq!(
            open,
            [
                ("2026-11-01".to_string(), 3, 1),
                ("2026-11-02".to_string(), 8, 1),
                ("2026-11-03".to_string(), 7, 2),
            ]
        );
        let only_b = ItemFilter {
            repository: Some("b/y".into()),
            ..ItemFilter::default()
        };
        assert_eq!(series(&snaps, &only_b).len(), 1);
    }

    #[test]
    fn time_to_close_by_kind_uses_nearest_rank() {
        let mut rs = Vec::new();
        for d in [1, 2, 3, 4, 10] {
            let mut r = rec("a/x", None, "corrective", ItemState::Done);
            r.incident = Some(day("2026-01-01"));
            r.closed_on = Some(day("2026-01-01") + chrono::Days::new(d));
            rs.push(r);
        }
        rs.push(rec("a/x", None, "preventive", ItemState::Open));
        let t = time_to_close(&rs);
        assert_eq!(
            t,
            [CloseTime {
                kind: "corrective".into(),
                count: 5,
                median_days: 3,
                p90_days: 10
            }]
        );
    }
}
