//! The index of every tracked item across repositories: what the dashboard, `/api/items` and
//! `/metrics` show. Pure: records are built from a follow-up's outcome and exported by
//! [`crate::report`] (shared with the `report` command), filtered and summarised here;
//! [`super::store`] keeps them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::webhook::Forge;
use crate::render::context::ItemState;
use crate::report::figures::{figures, severity_group, Figures};
#[cfg(test)]
pub(crate) use crate::report::items::test_record;
use crate::report::IncidentFigures;
pub use crate::report::{parse_state, records, state_str, to_csv, ItemRecord, CSV_HEADER};

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

/// Which items to show; `None` matches any. The query of `/`, `/api/items`,
/// `/api/items.csv` and `/api/stats`:
/// `?repository=acme/svc&owner=alice&kind=corrective&severity=sev1&state=open&overdue=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemFilter {
    pub forge: Option<String>,
    pub repository: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    /// A severity group: lower-case, `unknown` for postmortems that name none.
    pub severity: Option<String>,
    pub state: Option<ItemState>,
    pub overdue: Option<bool>,
}

/// The raw query, as a form sends it (empty values mean "any" or the default).
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub forge: Option<String>,
    pub repository: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub severity: Option<String>,
    pub state: Option<String>,
    pub overdue: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A refused value of parameter `name`.
fn bad(name: &'static str, value: String, expected: &'static str) -> QueryError {
    QueryError::Value {
        name,
        value,
        expected,
    }
}

/// A query value, trimmed; `None` when absent or blank.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ItemFilter {
    /// Checks a query; the message names the bad parameter and what it accepts.
    pub fn from_query(q: &ItemQuery) -> Result<ItemFilter, QueryError> {
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
        let state = match given(&q.state) {
            None => None,
            Some(s) => match parse_state(&s) {
                Some(state) => Some(state),
                None => {
                    return Err(bad(
                        "state",
                        s.to_lowercase(),
                        "done, open, overdue or not planned",
                    ))
                }
            },
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
            severity: given(&q.severity).map(|s| severity_group(Some(&s))),
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
        self.in_scope(&r.forge, &r.repository)
            && owner_ok
            && self.group_matches(r.state, &r.kind, &severity_group(r.severity.as_deref()))
    }

    /// Whether the forge and repository filters let `forge:repository` through.
    pub fn in_scope(&self, forge: &str, repository: &str) -> bool {
        self.forge.as_ref().is_none_or(|f| *f == forge)
            && self.repository.as_ref().is_none_or(|x| *x == repository)
    }

    /// Whether items of this state, kind and severity group pass the filter (owner aside).
    fn group_matches(&self, state: ItemState, kind: &str, severity: &str) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == kind)
            && self.severity.as_ref().is_none_or(|s| *s == severity)
            && self.state.is_none_or(|s| s == state)
            && self
                .overdue
                .is_none_or(|o| o == (state == ItemState::Overdue))
    }

    /// Whether the filter needs counts by state, kind or severity (not only totals).
    fn needs_groups(&self) -> bool {
        self.kind.is_some()
            || self.severity.is_some()
            || self.state.is_some()
            || self.overdue.is_some()
    }

    /// The filter's pairs, for query strings that keep it.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let state = self.state.map(|s| state_str(s).to_string());
        let overdue = self.overdue.map(|o| o.to_string());
        [
            ("forge", self.forge.clone()),
            ("repository", self.repository.clone()),
            ("owner", self.owner.clone()),
            ("kind", self.kind.clone()),
            ("severity", self.severity.clone()),
            ("state", state),
            ("overdue", overdue),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
    }

    /// The filter as a query string (without `?`), for links that keep it.
    pub fn query_string(&self) -> String {
        encode(self.pairs())
    }
}

fn encode(pairs: Vec<(&'static str, String)>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, &v);
    }
    q.finish()
}

/// A column the items can be sorted by (`?sort=due`, `?sort=-due` for descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Repository,
    Postmortem,
    Text,
    Kind,
    Owner,
    Due,
    /// Most urgent first: overdue, open, done.
    State,
    /// Days overdue.
    Overdue,
    Issue,
}

/// The sort keys, as the query names them.
pub const SORT_KEYS: [(&str, SortKey); 9] = [
    ("repository", SortKey::Repository),
    ("postmortem", SortKey::Postmortem),
    ("text", SortKey::Text),
    ("kind", SortKey::Kind),
    ("owner", SortKey::Owner),
    ("due", SortKey::Due),
    ("state", SortKey::State),
    ("overdue", SortKey::Overdue),
    ("issue", SortKey::Issue),
];

const SORT_EXPECTED: &str = "repository, postmortem, text, kind, owner, due, state, overdue or \
     issue, with a leading - for descending";

/// An order of the items: a key, ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// `due`, `-due`.
    pub fn parse(s: &str) -> Option<Sort> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let key = SORT_KEYS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?
            .1;
        Some(Sort { key, descending })
    }

    /// The query value: `due`, `-due`.
    pub fn as_query(&self) -> String {
        let name = SORT_KEYS
            .iter()
            .find(|(_, k)| *k == self.key)
            .map_or("", |(n, _)| n);
        if self.descending {
            format!("-{name}")
        } else {
            name.to_string()
        }
    }

    /// Compares two records by this key. A missing value (no owner, no due date) sorts after
    /// every present one in both directions: the items without one are rarely what is looked
    /// for.
    pub fn compare(&self, a: &ItemRecord, b: &ItemRecord) -> Ordering {
        fn opt<T: Ord>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) if descending => b.cmp(&a),
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        let lower = |s: &str| s.to_lowercase();
        let owner = |r: &ItemRecord| r.owner.as_deref().map(|o| lower(o.trim_start_matches('@')));
        let urgency = |s: ItemState| match s {
            ItemState::Overdue => 0,
            ItemState::Open => 1,
            ItemState::Done => 2,
            ItemState::NotPlanned => 3,
        };
        let d = self.descending;
        match self.key {
            SortKey::Repository => opt(
                Some((&a.forge, &a.repository)),
                Some((&b.forge, &b.repository)),
                d,
            ),
            SortKey::Postmortem => opt(
                Some((lower(&a.postmortem), a.line)),
                Some((lower(&b.postmortem), b.line)),
                d,
            ),
            SortKey::Text => opt(Some(lower(&a.text)), Some(lower(&b.text)), d),
            SortKey::Kind => opt(Some(&a.kind), Some(&b.kind), d),
            SortKey::Owner => opt(owner(a), owner(b), d),
            SortKey::Due => opt(a.due, b.due, d),
            SortKey::State => opt(Some(urgency(a.state)), Some(urgency(b.state)), d),
            SortKey::Overdue => opt(a.days_overdue, b.days_overdue, d),
            SortKey::Issue => opt(a.issue.as_deref(), b.issue.as_deref(), d),
        }
    }
}

/// Items a page holds unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: usize = 100;
/// The most items a page may hold.
pub const MAX_PER_PAGE: usize = 1000;

/// A view of the items: which (filter), in what order (sort; `None` keeps the index's order:
/// forge, repository, position in the postmortem), and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemView {
    pub filter: ItemFilter,
    pub sort: Option<Sort>,
    /// As asked (1-based); `None` when not given.
    pub page: Option<usize>,
    /// As asked; `None` when not given.
    pub per_page: Option<usize>,
}

fn whole(
    name: &'static str,
    v: &Option<String>,
    max: usize,
    expected: &'static str,
) -> Result<Option<usize>, QueryError> {
    match given(v) {
        None => Ok(None),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(bad(name, s, expected)),
        },
    }
}

impl ItemView {
    /// Checks a query; the message names the bad parameter and what it accepts.
    pub fn from_query(q: &ItemQuery) -> Result<ItemView, QueryError> {
        let filter = ItemFilter::from_query(q)?;
        let sort = match given(&q.sort) {
            None => None,
            Some(s) => Some(Sort::parse(&s).ok_or_else(|| bad("sort", s, SORT_EXPECTED))?),
        };
        Ok(ItemView {
            filter,
            sort,
            page: whole("page", &q.page, usize::MAX, "a whole number from 1")?,
            per_page: whole(
                "per_page",
                &q.per_page,
                MAX_PER_PAGE,
                "a whole number from 1 to 1000",
            )?,
        })
    }

    /// The items of `records` the filter selects, in the view's order (ties keep the index's
    /// order).
    pub fn select<'a>(&self, records: &'a [ItemRecord]) -> Vec<&'a ItemRecord> {
        let mut shown: Vec<&ItemRecord> =
            records.iter().filter(|r| self.filter.matches(r)).collect();
        if let Some(sort) = self.sort {
            shown.sort_by(|a, b| sort.compare(a, b));
        }
        shown
    }

    /// The page of `selected` (the output of [`ItemView::select`]) the view asks for.
    pub fn paginate<'a>(&self, selected: Vec<&'a ItemRecord>) -> Paged<'a> {
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let total = selected.len();
        let pages = total.div_ceil(per_page).max(1);
        let page = self.page.unwrap_or(1);
        let rows = selected
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        Paged {
            rows,
            page,
            per_page,
            total,
            pages,
        }
    }

    /// The view's query string (without `?`) for `page`, keeping the filter, the sort and
    /// `per_page`.
    pub fn query_for_page(&self, page: usize, per_page: usize) -> String {
        let mut pairs = self.filter.pairs();
        if let Some(s) = self.sort {
            pairs.push(("sort", s.as_query()));
        }
        pairs.push(("page", page.to_string()));
        pairs.push(("per_page", per_page.to_string()));
        encode(pairs)
    }

    /// The query string of the same filter sorted by `sort`, from the first page.
    pub fn query_sorted(&self, sort: Sort) -> String {
        let mut pairs = self.filter.pairs();
        pairs.push(("sort", sort.as_query()));
        if let Some(n) = self.per_page {
            pairs.push(("per_page", n.to_string()));
        }
        encode(pairs)
    }
}

/// One page of the selected items.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<'a> {
    pub rows: Vec<&'a ItemRecord>,
    /// 1-based; may be past the last page (then `rows` is empty).
    pub page: usize,
    pub per_page: usize,
    /// Items selected, on every page.
    pub total: usize,
    /// Pages in all (at least 1, an empty first page).
    pub pages: usize,
}

impl Paged<'_> {
    /// The pages a reader can go to from this one, as (relation, page): `first`, `prev`,
    /// `next`, `last` (RFC 8288 relation names; `prev` and `next` only where they exist).
    pub fn relations(&self) -> Vec<(&'static str, usize)> {
        let mut out = vec![("first", 1)];
        if self.page > 1 {
            out.push(("prev", (self.page - 1).min(self.pages)));
        }
        if self.page < self.pages {
            out.push(("next", self.page + 1));
        }
        out.push(("last", self.pages));
        out
    }

    /// The `Link` header (RFC 8288) of this page of `path` under `view`: relative URLs, so
    /// they stay right behind a proxy.
    pub fn link_header(&self, path: &str, view: &ItemView) -> String {
        self.relations()
            .into_iter()
            .map(|(rel, page)| {
                format!(
                    "<{path}?{}>; rel=\"{rel}\"",
                    view.query_for_page(page, self.per_page)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Everything the index holds: the items, the daily snapshots and the incident figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    pub items: Vec<ItemRecord>,
    pub snapshots: Vec<Snapshot>,
    pub incidents: Vec<IncidentFigures>,
}

impl Index {
    /// The latest day with a snapshot: the day the items' states were last computed.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.snapshots.iter().map(|s| s.day).max()
    }

    /// The figures ([`crate::report::figures`], the one computation `report` uses too) of the
    /// items `filter` selects and of the incidents of the repositories and severity it
    /// selects, as of `today`.
    pub fn figures(&self, filter: &ItemFilter, today: NaiveDate) -> Figures {
        let items: Vec<ItemRecord> = self
            .items
            .iter()
            .filter(|r| filter.matches(r))
            .cloned()
            .collect();
        let incidents: Vec<IncidentFigures> = self
            .incidents
            .iter()
            .filter(|i| {
                filter.in_scope(&i.forge, &i.repository)
                    && filter
                        .severity
                        .as_ref()
                        .is_none_or(|s| *s == severity_group(i.severity.as_deref()))
            })
            .cloned()
            .collect();
        figures(&items, &incidents, today)
    }
}

/// Counts of items by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: u64,
    pub open: u64,
    pub overdue: u64,
}

impl Counts {
    /// Counts of `records`.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a ItemRecord>) -> Counts {
        let mut c = Counts::default();
        for r in records {
            c.add(r.state, 1);
        }
        c
    }

    fn add(&mut self, state: ItemState, n: u64) {
        match state {
            ItemState::Done => self.done += n,
            ItemState::Open => self.open += n,
            ItemState::Overdue => self.overdue += n,
            // Closed without being done: in none of the chart's lines.
            ItemState::NotPlanned => {}
        }
    }
}

/// Items of one state, kind and severity group in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCount {
    pub state: ItemState,
    pub kind: String,
    /// Lower-case; `unknown` for postmortems that name none.
    pub severity: String,
    pub count: u64,
}

/// One repository's counts as of one day: the day's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub forge: String,
    pub repository: String,
    /// By state.
    pub counts: Counts,
    /// By state, kind and severity; `None` for days recorded before these were kept.
    pub groups: Option<Vec<GroupCount>>,
}

impl Snapshot {
    /// The snapshot's counts of the items `filter` selects (owner aside: snapshots are not
    /// kept per owner); `None` when the filter needs groups this snapshot does not have.
    fn counts_for(&self, filter: &ItemFilter) -> Option<Counts> {
        if !filter.needs_groups() {
            return Some(self.counts);
        }
        let mut c = Counts::default();
        for g in self.groups.as_ref()? {
            if filter.group_matches(g.state, &g.kind, &g.severity) {
                c.add(g.state, g.count);
            }
        }
        Some(c)
    }
}

/// Items over time across the repositories and groups `filter` selects: one point per
/// calendar day from the first snapshot to the last, each the sum over repositories of each
/// one's latest snapshot on or before that day (a day without a run carries the last one
/// forward). The owner criterion does not apply (snapshots are not kept per owner).
pub fn series(snapshots: &[Snapshot], filter: &ItemFilter) -> Vec<(NaiveDate, Counts)> {
    let mut by_repo: BTreeMap<(&str, &str), Vec<(NaiveDate, Counts)>> = BTreeMap::new();
    for s in snapshots
        .iter()
        .filter(|s| filter.in_scope(&s.forge, &s.repository))
    {
        if let Some(c) = s.counts_for(filter) {
            by_repo
                .entry((s.forge.as_str(), s.repository.as_str()))
                .or_default()
                .push((s.day, c));
        }
    }
    let Some(first) = by_repo.values().flatten().map(|s| s.0).min() else {
        return Vec::new();
    };
    let last = by_repo
        .values()
        .flatten()
        .map(|s| s.0)
        .max()
        .unwrap_or(first);
    let mut lists: Vec<(usize, Vec<(NaiveDate, Counts)>)> = by_repo
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|s| s.0);
            (0, v)
        })
        .collect();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|day| {
            let mut c = Counts::default();
            for (at, list) in &mut lists {
                // Move to this repository's latest snapshot on or before `day`.
                while *at + 1 < list.len() && list[*at + 1].0 <= day {
                    *at += 1;
                }
                if let Some((_, s)) = list.get(*at).filter(|(d, _)| *d <= day) {
                    c.done += s.done;
                    c.open += s.open;
                    c.overdue += s.overdue;
                }
            }
            (day, c)
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
        for (given, state) in [
            ("not planned", ItemState::NotPlanned),
            ("Not_Planned", ItemState::NotPlanned),
            ("DONE", ItemState::Done),
        ] {
            let q = ItemQuery {
                state: Some(given.into()),
                ..ItemQuery::default()
            };
            assert_eq!(
                ItemFilter::from_query(&q).unwrap().state,
                Some(state),
                "{given}"
            );
        }
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
            groups: None,
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

    /// Records `k0`… with the given dues and owners, in index order.
    fn dated(dues: &[Option<&str>], owners: &[Option<&str>]) -> Vec<ItemRecord> {
        dues.iter()
            .zip(owners)
            .enumerate()
            .map(|(i, (due, owner))| ItemRecord {
                key: format!("k{i}"),
                due: due.map(day),
                ..rec("a/x", *owner, "task", ItemState::Open)
            })
            .collect()
    }

    fn keys(rs: &[&ItemRecord]) -> Vec<String> {
        rs.iter().map(|r| r.key.clone()).collect()
    }

    fn view(q: ItemQuery) -> ItemView {
        ItemView::from_query(&q).unwrap()
    }

    fn sorted(s: &str) -> ItemView {
        view(ItemQuery {
            sort: Some(s.into()),
            ..ItemQuery::default()
        })
    }

    #[test]
    fn sorting_keeps_missing_values_last_both_ways() {
        let rs = dated(
            &[
                Some("2026-03-01"),
                None,
                Some("2026-01-01"),
                Some("2026-03-01"),
            ],
            &[Some("@bob"), Some("Alice"), None, Some("carol")],
        );
        assert_eq!(keys(&sorted("due").select(&rs)), ["k2", "k0", "k3", "k1"]);
        assert_eq!(
            keys(&sorted("-due").select(&rs)),
            ["k0", "k3", "k2", "k1"],
            "ties keep the index's order; no due date still last"
        );
        assert_eq!(
            keys(&sorted("owner").select(&rs)),
            ["k1", "k0", "k3", "k2"],
            "case and @ ignored"
        );
        assert_eq!(
            keys(&sorted("-OWNER").select(&rs)),
            ["k3", "k0", "k1", "k2"]
        );
        let mut states = rs.clone();
        states[1].state = ItemState::Done;
        states[3].state = ItemState::Overdue;
        assert_eq!(
            keys(&sorted("state").select(&states)),
            ["k3", "k0", "k2", "k1"],
            "overdue, open, done"
        );
        assert_eq!(
            keys(&ItemView::default().select(&rs)),
            ["k0", "k1", "k2", "k3"]
        );
        assert_eq!(Sort::parse("-due").unwrap().as_query(), "-due");
        assert_eq!(Sort::parse("size"), None);
    }

    #[test]
    fn pages_split_the_selection_and_link_the_others() {
        let rs: Vec<ItemRecord> = dated(&[None; 250], &[None; 250]);
        let v = view(ItemQuery {
            kind: Some("task".into()),
            sort: Some("-due".into()),
            page: Some("2".into()),
            ..ItemQuery::default()
        });
        let p = v.paginate(v.select(&rs));
        assert_eq!((p.rows.len(), p.page, p.pages, p.total), (100, 2, 3, 250));
        assert_eq!(p.rows[0].key, "k100");
        assert_eq!(
            p.link_header("/api/items", &v),
            "</api/items?kind=task&sort=-due&page=1&per_page=100>; rel=\"first\", \
             </api/items?kind=task&sort=-due&page=1&per_page=100>; rel=\"prev\", \
             </api/items?kind=task&sort=-due&page=3&per_page=100>; rel=\"next\", \
             </api/items?kind=task&sort=-due&page=3&per_page=100>; rel=\"last\""
        );
        let last = ItemView {
            page: Some(3),
            ..v.clone()
        };
        let p = last.paginate(last.select(&rs));
        assert_eq!(p.rows.len(), 50);
        assert_eq!(
            p.relations(),
            [("first", 1), ("prev", 2), ("last", 3)],
            "no next on the last page"
        );
        let past = ItemView {
            page: Some(7),
            ..v.clone()
        };
        let p = past.paginate(past.select(&rs));
        assert!(p.rows.is_empty());
        assert_eq!(p.relations(), [("first", 1), ("prev", 3), ("last", 3)]);
        let none = ItemView::default().paginate(Vec::new());
        assert_eq!(
            (none.pages, none.relations()),
            (1, vec![("first", 1), ("last", 1)])
        );
        let big = view(ItemQuery {
            per_page: Some("1000".into()),
            ..ItemQuery::default()
        });
        assert_eq!(big.paginate(big.select(&rs)).rows.len(), 250);

        for (q, message) in [
            (
                ItemQuery {
                    per_page: Some("0".into()),
                    ..ItemQuery::default()
                },
                "per_page=0: expected a whole number from 1 to 1000",
            ),
            (
                ItemQuery {
                    page: Some("-1".into()),
                    ..ItemQuery::default()
                },
                "page=-1: expected a whole number from 1",
            ),
            (
                ItemQuery {
                    sort: Some("--due".into()),
                    ..ItemQuery::default()
                },
                "sort=--due: expected repository, postmortem, text, kind, owner, due, state, \
                 overdue or issue, with a leading - for descending",
            ),
        ] {
            assert_eq!(ItemView::from_query(&q).unwrap_err().to_string(), message);
        }
    }

    fn group(state: ItemState, kind: &str, severity: &str, count: u64) -> GroupCount {
        GroupCount {
            state,
            kind: kind.into(),
            severity: severity.into(),
            count,
        }
    }

    #[test]
    fn series_has_one_point_per_day_and_counts_the_filtered_groups() {
        let snap = |d: &str, groups: Option<Vec<GroupCount>>| {
            let mut counts = Counts::default();
            for g in groups.iter().flatten() {
                counts.add(g.state, g.count);
            }
            Snapshot {
                day: day(d),
                forge: "github".into(),
                repository: "a/x".into(),
                counts: if groups.is_some() {
                    counts
                } else {
                    Counts {
                        done: 0,
                        open: 9,
                        overdue: 0,
                    }
                },
                groups,
            }
        };
        let snaps = [
            // Recorded before groups were kept: totals only.
            snap("2026-11-01", None),
            snap(
                "2026-11-03",
                Some(vec![
                    group(ItemState::Open, "corrective", "sev1", 2),
                    group(ItemState::Overdue, "task", "sev1", 1),
                    group(ItemState::Done, "task", "unknown", 4),
                ]),
            ),
            snap(
                "2026-11-05",
                Some(vec![group(ItemState::Overdue, "corrective", "sev1", 3)]),
            ),
        ];
        let all = series(&snaps, &ItemFilter::default());
        let days: Vec<String> = all.iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(
            days,
            [
                "2026-11-01",
                "2026-11-02",
                "2026-11-03",
                "2026-11-04",
                "2026-11-05"
            ],
            "every calendar day"
        );
        let open: Vec<u64> = all.iter().map(|(_, c)| c.open).collect();
        assert_eq!(open, [9, 9, 2, 2, 0]);
        let corrective = ItemFilter {
            kind: Some("corrective".into()),
            ..ItemFilter::default()
        };
        let c = series(&snaps, &corrective);
        assert_eq!(
            c.iter()
                .map(|(d, c)| (d.to_string(), c.open, c.overdue))
                .collect::<Vec<_>>(),
            [
                ("2026-11-03".to_string(), 2, 0),
                ("2026-11-04".to_string(), 2, 0),
                ("2026-11-05".to_string(), 0, 3),
            ],
            "a day without groups has no count by kind: left out, not zero"
        );
        let sev1_overdue = ItemFilter {
            severity: Some("sev1".into()),
            overdue: Some(true),
            ..ItemFilter::default()
        };
        let s = series(&snaps, &sev1_overdue);
        assert_eq!(s[0].1.overdue, 1);
        assert_eq!(s[0].1.open, 0);
        let elsewhere = ItemFilter {
            repository: Some("b/y".into()),
            ..ItemFilter::default()
        };
        assert!(series(&snaps, &elsewhere).is_empty());
    }

    #[test]
    fn figures_of_the_index_follow_the_filter() {
        let incident = |repo: &str, severity: &str, ttd| IncidentFigures {
            forge: "github".into(),
            repository: repo.into(),
            path: format!("{repo}.md"),
            title: None,
            severity: Some(severity.into()),
            start: None,
            detected: None,
            end: None,
            time_to_detect_minutes: Some(ttd),
            time_to_restore_minutes: None,
        };
        let mut done = rec("a/x", None, "corrective", ItemState::Done);
        (done.severity, done.incident, done.closed_on) = (
            Some("SEV1".into()),
            Some(day("2026-01-01")),
            Some(day("2026-01-08")),
        );
        let idx = Index {
            items: vec![done, rec("b/y", None, "task", ItemState::Open)],
            snapshots: Vec::new(),
            incidents: vec![incident("a/x", "SEV1", 10), incident("b/y", "sev2", 50)],
        };
        let today = day("2026-02-01");
        let all = idx.figures(&ItemFilter::default(), today);
        assert_eq!((all.counts.total, all.incidents.len()), (2, 2));
        assert_eq!(all.days_to_close.by_severity[0].group, "sev1");
        assert_eq!(all.days_to_close.by_severity[0].median_days, 7);
        let only_b = ItemFilter {
            repository: Some("b/y".into()),
            ..ItemFilter::default()
        };
        let b = idx.figures(&only_b, today);
        assert_eq!((b.counts.total, b.incidents.len()), (1, 1));
        assert_eq!(b.incidents_by_severity[0].median_detect_minutes, Some(50));
        assert!(b.days_to_close.by_kind.is_empty());
        let sev1 = ItemFilter {
            severity: Some("sev1".into()),
            ..ItemFilter::default()
        };
        let s = idx.figures(&sev1, today);
        assert_eq!((s.counts.total, s.incidents.len()), (1, 1));
        assert_eq!(s.incidents[0].repository, "a/x");
    }
}
