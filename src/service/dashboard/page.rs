//! The dashboard's view model (pure): what `dashboard.html.hbs` receives for the items in the
//! index under a filter: the filter form, the table rows, the totals and the charts.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::charts::{bar_chart, line_chart, BarChart, BarValue, LineChart};
use crate::render::context::ItemState;
use crate::service::index::{
    series, state_str, time_to_close, Counts, ItemFilter, ItemRecord, Snapshot,
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
    /// `done`, `open`, `overdue`: the badge's class and text.
    pub state: String,
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
    /// Items shown (after the filter).
    pub shown: usize,
    /// Items in the index.
    pub all: usize,
}

/// The charts of the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    pub over_time: LineChart,
    pub time_to_close: BarChart,
    pub states: BarChart,
    /// Set when the filter has criteria the over-time counts cannot apply (they are kept per
    /// repository and state, not per owner or kind).
    pub over_time_note: Option<String>,
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
    /// Some filter is set.
    pub filtered: bool,
    pub json_href: String,
    pub csv_href: String,
    pub totals: Totals,
    pub rows: Vec<Row>,
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
            filtered: true,
            json_href: "/api/items".into(),
            csv_href: "/api/items.csv".into(),
            totals: Totals {
                done: 0,
                open: 0,
                overdue: 0,
                shown: 0,
                all: 0,
            },
            rows: Vec::new(),
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

/// The page for `items` and `snapshots` (everything in the index) under `filter`.
pub fn page(items: &[ItemRecord], snapshots: &[Snapshot], filter: &ItemFilter) -> Page {
    let shown: Vec<&ItemRecord> = items.iter().filter(|r| filter.matches(r)).collect();
    let forges: BTreeSet<String> = items.iter().map(|r| r.forge.clone()).collect();
    let repos: BTreeSet<String> = items.iter().map(|r| r.repository.clone()).collect();
    let kinds: BTreeSet<String> = items.iter().map(|r| r.kind.clone()).collect();
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
    let filters = vec![
        select(
            "repository",
            "Repository",
            same(repos.iter().cloned()),
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
            "state",
            "State",
            same(["done", "open", "overdue"].map(String::from)),
            state,
        ),
        select(
            "overdue",
            "Overdue",
            vec![("true".into(), "yes".into()), ("false".into(), "no".into())],
            overdue,
        ),
        select("forge", "Forge", same(forges), filter.forge.as_deref()),
    ];
    let c = Counts::of(shown.iter().copied());
    let query = filter.query_string();
    let with_query = |path: &str| {
        if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        }
    };
    let rows = shown
        .iter()
        .map(|r| Row {
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
            days_overdue: r.days_overdue.filter(|_| r.state == ItemState::Overdue),
            issue: r.issue.clone(),
            issue_href: http_link(&r.issue_url),
        })
        .collect();
    let owned: Vec<ItemRecord> = shown.iter().map(|r| (*r).clone()).collect();
    let close = time_to_close(&owned)
        .into_iter()
        .map(|t| {
            let n = format!(
                "{} closed {}",
                t.count,
                if t.count == 1 { "item" } else { "items" }
            );
            (
                t.kind.clone(),
                vec![
                    BarValue {
                        class: "median".into(),
                        value: t.median_days.max(0) as u64,
                        title: format!("{}: median {} days ({n})", t.kind, t.median_days),
                    },
                    BarValue {
                        class: "p90".into(),
                        value: t.p90_days.max(0) as u64,
                        title: format!("{}: 90th percentile {} days ({n})", t.kind, t.p90_days),
                    },
                ],
            )
        })
        .collect::<Vec<_>>();
    let states = if shown.is_empty() {
        Vec::new()
    } else {
        [("done", c.done), ("open", c.open), ("overdue", c.overdue)]
            .into_iter()
            .map(|(s, n)| {
                (
                    s.to_string(),
                    vec![BarValue {
                        class: s.into(),
                        value: n,
                        title: format!("{n} {s}"),
                    }],
                )
            })
            .collect()
    };
    let over_time_note = (filter.owner.is_some()
        || filter.kind.is_some()
        || filter.state.is_some()
        || filter.overdue.is_some())
    .then(|| {
        "Counts over time are kept per repository: this chart follows the repository and \
         forge filters only."
            .to_string()
    });
    Page {
        error: None,
        updated: snapshots.iter().map(|s| s.day).max().map(|d| d.to_string()),
        repositories: items
            .iter()
            .map(|r| (&r.forge, &r.repository))
            .collect::<BTreeSet<_>>()
            .len(),
        filters,
        filtered: !query.is_empty(),
        json_href: with_query("/api/items"),
        csv_href: with_query("/api/items.csv"),
        totals: Totals {
            done: c.done,
            open: c.open,
            overdue: c.overdue,
            shown: shown.len(),
            all: items.len(),
        },
        rows,
        charts: Some(Charts {
            over_time: line_chart(&series(snapshots, filter)),
            time_to_close: bar_chart(&close, " d"),
            states: bar_chart(&states, ""),
            over_time_note,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::dashboard::{parse_query, Dashboard};
    use crate::service::index::test_record;

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

    #[test]
    fn the_page_escapes_data_and_drops_unsafe_links() {
        let items = vec![
            rec("acme/api", "alice", "corrective", ItemState::Open),
            rec("acme/api", "@Bob", "task", ItemState::Overdue),
        ];
        let filter = ItemFilter::default();
        let p = page(&items, &[], &filter);
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

        let narrowed = parse_query(Some("owner=bob")).unwrap();
        let p = page(&items, &[], &narrowed);
        assert_eq!(p.totals.shown, 1);
        assert_eq!(p.totals.overdue, 1);
        let owners = p.select("owner");
        assert!(owners.iter().any(|c| c.value == "Bob" && c.selected));
        assert_eq!(p.json_href, "/api/items?owner=bob");
        assert!(p.charts.unwrap().over_time_note.is_some());

        let err = Dashboard::new(None)
            .unwrap()
            .render(&Page::error(
                "state=x: expected done, open or overdue".into(),
            ))
            .unwrap();
        // handlebars escapes `=` too; a browser shows `state=x`.
        assert!(
            err.contains("state&#x3D;x: expected done, open or overdue"),
            "{err}"
        );

        let none = Dashboard::new(None)
            .unwrap()
            .render(&page(&[], &[], &filter))
            .unwrap();
        assert!(none.contains("No items yet"), "{none}");
    }
}
