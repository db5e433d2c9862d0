//! The dashboard's view model (pure): what `dashboard.html.hbs` receives for the items in the
//! index under a view (filter, sort, page): the filter form, one page of the table with its
//! sort links and page links, the totals and the charts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::charts::{bar_chart, line_chart, BarChart, BarValue, LineChart};
use crate::render::context::ItemState;
use crate::render::format_minutes;
use crate::report::Figures;
use crate::service::index::{
    series, state_str, Counts, Index, ItemFilter, ItemRecord, ItemView, Sort, SortKey,
};

/// One `<option>` of a filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One `<select>` of the filter form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Select {
    /// The query parameter.
    pub name: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

/// A hidden field of the filter form: the sort and page size survive a new filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

/// One header of the items table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub label: String,
    /// `repository`, `postmortem`…: the cell's class (its width).
    pub class: String,
    /// The link that sorts by this column (descending when it is the ascending sort now);
    /// `None` for a column that does not sort.
    pub href: Option<String>,
    /// `ascending` or `descending` when the table is sorted by it (`aria-sort`).
    pub sorted: Option<String>,
}

/// One row of the items table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub forge: String,
    pub repository: String,
    pub postmortem: String,
    pub path: String,
    /// Only `http(s)` links are kept: the URL comes from configuration and tracker data.
    pub postmortem_href: Option<String>,
    pub line: usize,
    pub text: String,
    pub kind: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// `done`, `open`, `overdue`, `not planned`: the badge's text.
    pub state: String,
    /// The state as one CSS class: `not-planned`.
    pub state_class: String,
    pub days_overdue: Option<i64>,
    pub issue: Option<String>,
    pub issue_href: Option<String>,
}

/// Items by state, of the items shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub done: u64,
    pub open: u64,
    pub overdue: u64,
    /// Items the filter selects, on every page.
    pub shown: usize,
    /// Items in the index.
    pub all: usize,
}

/// Where the table's page is among the pages, and the links to the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pagination {
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
    /// The 1-based positions of the first and last row shown (0 and 0 on an empty page).
    pub from: usize,
    pub to: usize,
    /// More than one page.
    pub several: bool,
    pub first_href: Option<String>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub last_href: Option<String>,
}

/// The charts of the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    pub over_time: LineChart,
    pub states: BarChart,
    /// Set when the filter has criteria the over-time counts cannot apply (they are kept per
    /// repository, state, kind and severity, not per owner).
    pub over_time_note: Option<String>,
    pub figures: FigureCharts,
}

/// The charts of the figures ([`crate::report::figures`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureCharts {
    /// Median days from the incident to done, by kind and by severity.
    pub close_by_kind: BarChart,
    pub close_by_severity: BarChart,
    /// Done items closed by their due date, and late.
    pub closed_by_due: BarChart,
    /// `67` (percent), when known.
    pub closed_by_due_percent: Option<i64>,
    /// Time to detect and to restore per postmortem (the most recent ones).
    pub incidents: BarChart,
    /// Postmortems with a time, and how many of them the chart shows.
    pub incidents_known: usize,
    pub incidents_shown: usize,
}

/// Everything `dashboard.html.hbs` receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Set on a bad filter: the page shows only the message.
    pub error: Option<String>,
    /// The latest day with counts, `YYYY-MM-DD`.
    pub updated: Option<String>,
    pub repositories: usize,
    pub filters: Vec<Select>,
    pub hidden: Vec<Hidden>,
    /// Some filter is set.
    pub filtered: bool,
    pub json_href: String,
    pub csv_href: String,
    pub stats_href: String,
    pub totals: Totals,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub pagination: Pagination,
    pub charts: Option<Charts>,
}

impl Page {
    /// The choices of the filter form's `name` select. Panics when there is none (tests).
    #[cfg(test)]
    fn select(&self, name: &str) -> &[Choice] {
        &self
            .filters
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} select"))
            .choices
    }

    /// The page for a bad filter.
    pub fn error(message: String) -> Page {
        Page {
            error: Some(message),
            updated: None,
            repositories: 0,
            filters: Vec::new(),
            hidden: Vec::new(),
            filtered: true,
            json_href: "/api/items".into(),
            csv_href: "/api/items.csv".into(),
            stats_href: "/api/stats".into(),
            totals: Totals {
                done: 0,
                open: 0,
                overdue: 0,
                shown: 0,
                all: 0,
            },
            columns: Vec::new(),
            rows: Vec::new(),
            pagination: Pagination {
                page: 1,
                pages: 1,
                per_page: 0,
                from: 0,
                to: 0,
                several: false,
                first_href: None,
                prev_href: None,
                next_href: None,
                last_href: None,
            },
            charts: None,
        }
    }
}

fn http_link(u: &Option<String>) -> Option<String> {
    u.as_ref()
        .filter(|u| {
            let l = u.to_ascii_lowercase();
            l.starts_with("https://") || l.starts_with("http://")
        })
        .cloned()
}

fn select(name: &str, label: &str, values: Vec<(String, String)>, current: Option<&str>) -> Select {
    let mut choices: Vec<Choice> = values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current.is_some_and(|c| c.eq_ignore_ascii_case(&value)),
            value,
            label,
        })
        .collect();
    // A value asked for but absent from the index stays visible (and selected), so the form
    // shows what the table is filtered by.
    if let Some(c) = current {
        if !choices.iter().any(|o| o.selected) {
            choices.push(Choice {
                value: c.to_string(),
                label: c.to_string(),
                selected: true,
            });
        }
    }
    Select {
        name: name.to_string(),
        label: label.to_string(),
        choices,
    }
}

fn same(values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    values.into_iter().map(|v| (v.clone(), v)).collect()
}

/// The filter form's selects, with the choices the index holds.
fn filter_form(items: &[ItemRecord], filter: &ItemFilter) -> Vec<Select> {
    let forges: BTreeSet<String> = items.iter().map(|r| r.forge.clone()).collect();
    let repos: BTreeSet<String> = items.iter().map(|r| r.repository.clone()).collect();
    let kinds: BTreeSet<String> = items.iter().map(|r| r.kind.clone()).collect();
    let severities: BTreeSet<String> = items
        .iter()
        .map(|r| crate::report::figures::severity_group(r.severity.as_deref()))
        .collect();
    // Owners compare without case and `@` (as the filter does): one choice per person.
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for o in items.iter().filter_map(|r| r.owner.as_deref()) {
        let o = o.trim_start_matches('@');
        owners
            .entry(o.to_lowercase())
            .or_insert_with(|| o.to_string());
    }
    let state = filter.state.map(state_str);
    let overdue = filter.overdue.map(|o| if o { "true" } else { "false" });
    vec![
        select(
            "repository",
            "Repository",
            same(repos),
            filter.repository.as_deref(),
        ),
        select(
            "owner",
            "Owner",
            same(owners.into_values()),
            filter.owner.as_deref(),
        ),
        select("kind", "Kind", same(kinds), filter.kind.as_deref()),
        select(
            "severity",
            "Severity",
            same(severities),
            filter.severity.as_deref(),
        ),
        select(
            "state",
            "State",
            same(["done", "open", "overdue", "not planned"].map(String::from)),
            state,
        ),
        select(
            "overdue",
            "Overdue",
            vec![("true".into(), "yes".into()), ("false".into(), "no".into())],
            overdue,
        ),
        select("forge", "Forge", same(forges), filter.forge.as_deref()),
    ]
}

/// The table's headers: label, class, and the key it sorts by.
const COLUMNS: [(&str, &str, Option<SortKey>); 10] = [
    ("Repository", "repository", Some(SortKey::Repository)),
    ("Postmortem", "postmortem", Some(SortKey::Postmortem)),
    ("Line", "line", None),
    ("Action item", "text", Some(SortKey::Text)),
    ("Kind", "kind", Some(SortKey::Kind)),
    ("Owner", "owner", Some(SortKey::Owner)),
    ("Due", "due", Some(SortKey::Due)),
    ("State", "state", Some(SortKey::State)),
    ("Late by", "late", Some(SortKey::Overdue)),
    ("Issue", "issue", Some(SortKey::Issue)),
];

fn columns(view: &ItemView) -> Vec<Column> {
    COLUMNS
        .iter()
        .map(|(label, class, key)| {
            let current = view.sort.filter(|s| Some(s.key) == *key);
            Column {
                label: label.to_string(),
                class: class.to_string(),
                href: key.map(|key| {
                    // A second click on the ascending column sorts it descending.
                    let descending = current.is_some_and(|s| !s.descending);
                    format!("/?{}", view.query_sorted(Sort { key, descending }))
                }),
                sorted: current.map(|s| {
                    if s.descending {
                        "descending".to_string()
                    } else {
                        "ascending".to_string()
                    }
                }),
            }
        })
        .collect()
}

fn row(r: &ItemRecord) -> Row {
    Row {
        forge: r.forge.clone(),
        repository: r.repository.clone(),
        postmortem: r.postmortem.clone(),
        path: r.path.clone(),
        postmortem_href: http_link(&r.postmortem_url),
        line: r.line,
        text: r.text.clone(),
        kind: r.kind.clone(),
        owner: r.owner.clone(),
        due: r.due.map(|d| d.to_string()),
        state: state_str(r.state).to_string(),
        state_class: state_str(r.state).replace(' ', "-"),
        days_overdue: r.days_overdue.filter(|_| r.state == ItemState::Overdue),
        issue: r.issue.clone(),
        issue_href: http_link(&r.issue_url),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// At most this many postmortems in the incidents chart (the most recent); `/api/stats` has
/// them all.
const MAX_INCIDENT_BARS: usize = 12;

/// The charts of the figures: days to close by kind and severity, closed by the due date,
/// time to detect and restore per postmortem.
fn figure_charts(f: &Figures) -> FigureCharts {
    let close = |rows: &[crate::report::figures::CloseMedian], by: &str| {
        let groups: Vec<(String, Vec<BarValue>)> = rows
            .iter()
            .map(|c| {
                let closed = plural(c.count, "closed item");
                (
                    c.group.clone(),
                    vec![BarValue {
                        class: "median".into(),
                        value: c.median_days.max(0) as u64,
                        label: format!("{} d", c.median_days),
                        title: format!(
                            "{by} {}: median {} days ({closed})",
                            c.group, c.median_days
                        ),
                    }],
                )
            })
            .collect();
        bar_chart(&groups, " d")
    };
    let due = &f.closed_by_due;
    let closed_by_due = if due.known == 0 {
        bar_chart(&[], "")
    } else {
        let late = due.known - due.on_time;
        bar_chart(
            &[
                (
                    "by the due date".into(),
                    vec![BarValue {
                        class: "done".into(),
                        value: due.on_time as u64,
                        label: due.on_time.to_string(),
                        title: format!("{} closed by the due date", plural(due.on_time, "item")),
                    }],
                ),
                (
                    "after it".into(),
                    vec![BarValue {
                        class: "overdue".into(),
                        value: late as u64,
                        label: late.to_string(),
                        title: format!("{} closed after the due date", plural(late, "item")),
                    }],
                ),
            ],
            "",
        )
    };
    // The most recent postmortems with a time (by start, as written: ISO dates sort in time).
    let mut timed: Vec<&crate::report::IncidentFigures> = f
        .incidents
        .iter()
        .filter(|i| i.time_to_detect_minutes.is_some() || i.time_to_restore_minutes.is_some())
        .collect();
    let known = timed.len();
    timed.sort_by(|a, b| b.start.cmp(&a.start));
    timed.truncate(MAX_INCIDENT_BARS);
    let minutes_bar = |class: &str, what: &str, m: Option<i64>, name: &str| {
        m.map(|m| BarValue {
            class: class.into(),
            value: m.max(0) as u64,
            label: format_minutes(m),
            title: format!("{name}: {what} {}", format_minutes(m)),
        })
    };
    let groups: Vec<(String, Vec<BarValue>)> = timed
        .iter()
        .map(|i| {
            let name = i.title.clone().unwrap_or_else(|| i.path.clone());
            let bars = [
                minutes_bar("detect", "time to detect", i.time_to_detect_minutes, &name),
                minutes_bar(
                    "restore",
                    "time to restore",
                    i.time_to_restore_minutes,
                    &name,
                ),
            ]
            .into_iter()
            .flatten()
            .collect();
            (name, bars)
        })
        .collect();
    FigureCharts {
        close_by_kind: close(&f.days_to_close.by_kind, "kind"),
        close_by_severity: close(&f.days_to_close.by_severity, "severity"),
        closed_by_due,
        closed_by_due_percent: due.percent,
        incidents_known: known,
        incidents_shown: groups.len(),
        incidents: bar_chart(&groups, " min"),
    }
}

/// The page of `index` under `view`, its figures as of `today`.
pub fn page(index: &Index, view: &ItemView, today: NaiveDate) -> Page {
    let items = &index.items;
    let filter = &view.filter;
    let selected = view.select(items);
    let c = Counts::of(selected.iter().copied());
    let not_planned = selected
        .iter()
        .filter(|r| r.state == ItemState::NotPlanned)
        .count() as u64;
    let shown = selected.len();
    let paged = view.paginate(selected);
    let query = filter.query_string();
    let with_query = |path: &str| {
        if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        }
    };
    let href = |rel: &str| {
        paged
            .relations()
            .into_iter()
            .find(|(r, _)| *r == rel)
            .map(|(_, n)| format!("/?{}", view.query_for_page(n, paged.per_page)))
    };
    let from = if paged.rows.is_empty() {
        0
    } else {
        (paged.page - 1) * paged.per_page + 1
    };
    let pagination = Pagination {
        page: paged.page,
        pages: paged.pages,
        per_page: paged.per_page,
        from,
        to: if from == 0 {
            0
        } else {
            from + paged.rows.len() - 1
        },
        several: paged.pages > 1 || paged.page > 1,
        first_href: href("first"),
        prev_href: href("prev"),
        next_href: href("next"),
        last_href: href("last"),
    };
    let mut hidden = Vec::new();
    if let Some(s) = view.sort {
        hidden.push(Hidden {
            name: "sort".into(),
            value: s.as_query(),
        });
    }
    if let Some(n) = view.per_page {
        hidden.push(Hidden {
            name: "per_page".into(),
            value: n.to_string(),
        });
    }
    let states = if shown == 0 {
        Vec::new()
    } else {
        [
            ("done", c.done),
            ("open", c.open),
            ("overdue", c.overdue),
            ("not planned", not_planned),
        ]
        .into_iter()
        // Not planned is rare: a bar only when there is one.
        .filter(|(s, n)| *s != "not planned" || *n > 0)
        .map(|(s, n)| {
            (
                s.to_string(),
                vec![BarValue {
                    class: s.replace(' ', "-"),
                    value: n,
                    label: n.to_string(),
                    title: format!("{n} {s}"),
                }],
            )
        })
        .collect()
    };
    let figures = figure_charts(&index.figures(filter, today));
    let over_time_note = filter.owner.is_some().then(|| {
        "Counts over time are kept per repository, state, kind and severity, not per owner: \
         this chart leaves the owner filter out."
            .to_string()
    });
    Page {
        error: None,
        updated: index.as_of().map(|d| d.to_string()),
        repositories: items
            .iter()
            .map(|r| (&r.forge, &r.repository))
            .collect::<BTreeSet<_>>()
            .len(),
        filters: filter_form(items, filter),
        hidden,
        filtered: !query.is_empty(),
        json_href: with_query("/api/items"),
        // The download keeps the table's order.
        csv_href: match view.sort {
            Some(sort) if query.is_empty() => format!("/api/items.csv?sort={}", sort.as_query()),
            Some(sort) => format!("/api/items.csv?{query}&sort={}", sort.as_query()),
            None => with_query("/api/items.csv"),
        },
        stats_href: with_query("/api/stats"),
        totals: Totals {
            done: c.done,
            open: c.open,
            overdue: c.overdue,
            shown,
            all: items.len(),
        },
        columns: columns(view),
        rows: paged.rows.iter().map(|r| row(r)).collect(),
        pagination,
        charts: Some(Charts {
            over_time: line_chart(&series(&index.snapshots, filter)),
            states: bar_chart(&states, ""),
            over_time_note,
            figures,
        }),
    }
}

/// The page over the `report` template's sample items and incident, with two days of
/// history: what `templates check` renders a dashboard override over.
pub fn sample() -> Page {
    let report = crate::report::sample();
    let today = report.figures.today;
    let snapshot = |days_ago: u64, counts: Counts| crate::service::index::Snapshot {
        day: today - chrono::Days::new(days_ago),
        forge: "github".into(),
        repository: "acme/svc".into(),
        counts,
        groups: None,
    };
    let index = Index {
        snapshots: vec![
            snapshot(
                1,
                Counts {
                    done: 0,
                    open: 2,
                    overdue: 0,
                },
            ),
            snapshot(0, Counts::of(&report.items)),
        ],
        incidents: report.figures.incidents,
        items: report.items,
    };
    page(&index, &ItemView::default(), today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::dashboard::{parse_query, Dashboard};
    use crate::service::index::test_record;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A record whose text is markup and whose issue link is a script.
    fn rec(repo: &str, owner: &str, kind: &str, state: ItemState) -> ItemRecord {
        ItemRecord {
            postmortem_url: Some("https://example.test/pm/db.md".into()),
            text: "Add <b>an alert</b>".into(),
            issue: Some("#1".into()),
            issue_url: Some("javascript:alert(1)".into()),
            ..test_record(repo, Some(owner), kind, state)
        }
    }

    fn index(items: Vec<ItemRecord>) -> Index {
        Index {
            items,
            ..Index::default()
        }
    }

    fn view(q: &str) -> ItemView {
        parse_query(Some(q)).unwrap()
    }

    #[test]
    fn the_page_escapes_data_and_drops_unsafe_links() {
        let items = index(vec![
            rec("acme/api", "alice", "corrective", ItemState::Open),
            rec("acme/api", "@Bob", "task", ItemState::Overdue),
        ]);
        let today = day("2026-11-01");
        let p = page(&items, &ItemView::default(), today);
        assert_eq!(p.totals.shown, 2);
        assert_eq!(p.rows[0].issue_href, None, "a javascript: URL is no link");
        let owners = p.select("owner");
        assert_eq!(
            owners.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(),
            ["alice", "Bob"]
        );
        let html = Dashboard::new(None).unwrap().render(&p).unwrap();
        assert!(html.contains("Add &lt;b&gt;an alert&lt;/b&gt;"), "escaped");
        assert!(!html.contains("<b>an alert"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("id=\"chart-states\""));
        assert!(html.contains("id=\"chart-open-over-time-empty\""));
        assert!(html.contains("No history yet"), "an empty chart says so");
        assert!(!html.contains("id=\"pages\""), "one page: no page links");

        let p = page(&items, &view("owner=bob"), today);
        assert_eq!(p.totals.shown, 1);
        assert_eq!(p.totals.overdue, 1);
        let owners = p.select("owner");
        assert!(owners.iter().any(|c| c.value == "Bob" && c.selected));
        assert_eq!(p.json_href, "/api/items?owner=bob");
        assert_eq!(p.stats_href, "/api/stats?owner=bob");
        assert!(p.charts.unwrap().over_time_note.is_some());
        // Kind, severity and state apply to the counts over time: no note.
        let p = page(&items, &view("kind=task&state=open"), today);
        assert!(p.charts.unwrap().over_time_note.is_none());

        let err = Dashboard::new(None)
            .unwrap()
            .render(&Page::error(
                "state=x: expected done, open, overdue or not planned".into(),
            ))
            .unwrap();
        // handlebars escapes `=` too; a browser shows `state=x`.
        assert!(
            err.contains("state&#x3D;x: expected done, open, overdue or not planned"),
            "{err}"
        );

        let none = Dashboard::new(None)
            .unwrap()
            .render(&page(&Index::default(), &ItemView::default(), today))
            .unwrap();
        assert!(none.contains("No items yet"), "{none}");
    }

    /// 250 items, 100 a page, sorted by due date descending: the third page holds the last 50,
    /// its links keep the filter, the sort and the page size, and the form keeps them too.
    #[test]
    fn pages_and_sort_links_keep_the_view() {
        let items: Vec<ItemRecord> = (0..250)
            .map(|i| {
                let mut r = test_record("acme/api", Some("ana"), "task", ItemState::Open);
                r.key = format!("k{i}");
                r.due = Some(day("2026-01-01") + chrono::Days::new(i));
                r
            })
            .collect();
        let idx = index(items);
        let today = day("2026-11-01");
        let v = view("kind=task&sort=-due&page=3");
        let p = page(&idx, &v, today);
        assert_eq!(p.rows.len(), 50);
        assert_eq!(
            p.rows[0].due.as_deref(),
            Some("2026-02-19"),
            "day 49, descending"
        );
        assert_eq!(p.rows[49].due.as_deref(), Some("2026-01-01"));
        let pg = &p.pagination;
        assert_eq!((pg.page, pg.pages, pg.from, pg.to), (3, 3, 201, 250));
        assert_eq!(
            pg.prev_href.as_deref(),
            Some("/?kind=task&sort=-due&page=2&per_page=100")
        );
        assert_eq!(pg.next_href, None);
        assert_eq!(
            pg.first_href.as_deref(),
            Some("/?kind=task&sort=-due&page=1&per_page=100")
        );
        let due = p.columns.iter().find(|c| c.class == "due").unwrap();
        assert_eq!(due.sorted.as_deref(), Some("descending"));
        assert_eq!(
            due.href.as_deref(),
            Some("/?kind=task&sort=due"),
            "then ascending"
        );
        let owner = p.columns.iter().find(|c| c.class == "owner").unwrap();
        assert_eq!(
            (owner.sorted.as_deref(), owner.href.as_deref()),
            (None, Some("/?kind=task&sort=owner"))
        );
        assert_eq!(
            p.hidden,
            [Hidden {
                name: "sort".into(),
                value: "-due".into()
            }]
        );
        let html = Dashboard::new(None).unwrap().render(&p).unwrap();
        assert!(
            html.contains("Page 3 of 3 · items 201–250 of 250"),
            "{html}"
        );
        assert!(html.contains("<input type=\"hidden\" name=\"sort\" value=\"-due\">"));
        assert!(html.contains("aria-sort=\"descending\""));
        assert_eq!(p.csv_href, "/api/items.csv?kind=task&sort=-due");

        // Past the end: no rows, a way back.
        let p = page(&idx, &view("page=9"), today);
        assert!(p.rows.is_empty());
        assert_eq!(
            p.pagination.prev_href.as_deref(),
            Some("/?page=3&per_page=100")
        );
        let html = Dashboard::new(None).unwrap().render(&p).unwrap();
        assert!(html.contains("past the last page"), "{html}");
    }

    /// The figure charts draw the figures of `report`'s one computation.
    #[test]
    fn figure_charts_draw_the_report_figures() {
        let p = sample();
        let f = &p.charts.as_ref().unwrap().figures;
        let r = crate::report::sample();
        let by_kind = &r.figures.days_to_close.by_kind;
        assert_eq!(f.close_by_kind.groups.len(), by_kind.len());
        assert_eq!(
            f.close_by_kind.groups[0].bars[0].value,
            format!("{} d", by_kind[0].median_days)
        );
        assert_eq!(f.closed_by_due_percent, r.figures.closed_by_due.percent);
        let incident = &f.incidents.groups[0];
        assert_eq!(incident.label, "DB outage");
        let labels: Vec<&str> = incident.bars.iter().map(|b| b.value.as_str()).collect();
        assert_eq!(labels, ["1 h", "3 h"]);
        let html = Dashboard::new(None).unwrap().render(&p).unwrap();
        for id in [
            "chart-time-to-close",
            "chart-close-by-severity",
            "chart-closed-by-due",
            "chart-incidents",
            "chart-open-over-time",
        ] {
            assert!(html.contains(&format!("<svg id=\"{id}\"")), "{id}");
        }
    }

    #[test]
    fn a_not_planned_item_gets_its_own_bar_and_badge() {
        let today = day("2026-11-01");
        let open = index(vec![rec("a/x", "ana", "task", ItemState::Open)]);
        let labels = |p: &Page| -> Vec<String> {
            let c = p.charts.as_ref().unwrap();
            c.states.groups.iter().map(|g| g.label.clone()).collect()
        };
        assert_eq!(
            labels(&page(&open, &ItemView::default(), today)),
            ["done", "open", "overdue"]
        );
        let mut items = open.items.clone();
        items.push(rec("a/x", "ana", "task", ItemState::NotPlanned));
        let p = page(&index(items), &ItemView::default(), today);
        assert_eq!(labels(&p), ["done", "open", "overdue", "not planned"]);
        assert_eq!(p.rows[1].state_class, "not-planned");
        let html = Dashboard::new(None).unwrap().render(&p).unwrap();
        assert!(html.contains("<span class=\"badge not-planned\">not planned</span>"));
        let only = page(&open, &view("state=not+planned"), today);
        assert_eq!(only.totals.shown, 0);
    }
}
