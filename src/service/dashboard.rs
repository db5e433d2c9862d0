//! The read side of the service: the dashboard at `/`, `GET /api/items` (JSON) and
//! `GET /api/items.csv`, and the items gauges of `/metrics`.
//!
//! The page is server-rendered HTML from `templates/dashboard.html.hbs` and works without
//! JavaScript: the filters are a GET form, the charts inline SVG. The chart geometry (scales,
//! ticks, points, bars) is computed here by pure functions and handed to the template as
//! numbers and labels, so the template stays markup only and every text in it is escaped by
//! handlebars (`{{value}}` escapes HTML; the template never uses `{{{value}}}`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use handlebars::Handlebars;
use serde::Serialize;
use serde_json::json;

use super::index::{
    self, series, state_str, time_to_close, Counts, ItemFilter, ItemQuery, ItemRecord, Snapshot,
};
use super::App;
use crate::render::context::ItemState;
use crate::render::{Origin, RenderError};

/// The template's name, and its file name in an override folder.
pub const TEMPLATE_NAME: &str = "dashboard.html";
/// The embedded template.
pub const TEMPLATE: &str = include_str!("../../templates/dashboard.html.hbs");

/// The compiled dashboard template. Unlike the Markdown texts of [`crate::render::Engine`], it
/// escapes for HTML (handlebars' own escaping).
pub struct Dashboard {
    hb: Handlebars<'static>,
    origin: Origin,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("origin", &self.origin)
            .finish()
    }
}

impl Dashboard {
    /// The embedded template, or `DIR/dashboard.html.hbs` when `dir` has one (the same
    /// override rule as the other templates: one file replaces one template).
    pub fn new(dir: Option<&Path>) -> Result<Dashboard, RenderError> {
        let file = dir.map(|d| d.join(format!("{TEMPLATE_NAME}.hbs")));
        let (origin, text) = match file.filter(|f| f.is_file()) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|error| RenderError::Io {
                    path: path.clone(),
                    error,
                })?;
                (Origin::File(path), text)
            }
            None => (Origin::Embedded, TEMPLATE.to_string()),
        };
        let mut hb = Handlebars::new();
        // Strict: a misspelt variable in an override is an error naming the line, not a blank.
        hb.set_strict_mode(true);
        hb.register_template_string(TEMPLATE_NAME, &text)
            .map_err(|e| RenderError::compile(TEMPLATE_NAME, &origin, &text, &e))?;
        Ok(Dashboard { hb, origin })
    }

    /// Renders the page.
    pub fn render(&self, page: &Page) -> Result<String, RenderError> {
        self.hb
            .render(TEMPLATE_NAME, page)
            .map_err(|e| RenderError::rendering(TEMPLATE_NAME, &self.origin, &e))
    }
}

/// The query parameters the item views accept.
const PARAMS: [&str; 6] = ["forge", "repository", "owner", "kind", "state", "overdue"];

/// Reads the raw query of `/`, `/api/items` and `/api/items.csv` into a filter. Unlike a lax
/// deserializer, a misspelt or repeated parameter is an error naming it, so a typo in a
/// bookmarked link does not silently show everything.
pub fn parse_query(raw: Option<&str>) -> Result<ItemFilter, String> {
    let mut q = ItemQuery::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "forge" => &mut q.forge,
            "repository" => &mut q.repository,
            "owner" => &mut q.owner,
            "kind" => &mut q.kind,
            "state" => &mut q.state,
            "overdue" => &mut q.overdue,
            other => {
                return Err(format!(
                    "{other}: unknown parameter (expected {})",
                    PARAMS.join(", ")
                ))
            }
        };
        if slot.is_some() {
            return Err(format!("{k}: given more than once"));
        }
        *slot = Some(v.into_owned());
    }
    ItemFilter::from_query(&q)
}

// ---------------------------------------------------------------------------------------------
// Chart geometry (pure).

/// A rectangle in SVG user units. Serialized with its `right` and `bottom` edges too, for the
/// template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Serialize for Rect {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Rect", 6)?;
        st.serialize_field("x", &self.x)?;
        st.serialize_field("y", &self.y)?;
        st.serialize_field("width", &self.width)?;
        st.serialize_field("height", &self.height)?;
        st.serialize_field("right", &r1(self.right()))?;
        st.serialize_field("bottom", &r1(self.bottom()))?;
        st.end()
    }
}

impl Rect {
    /// The y of the bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    /// The x of the right edge.
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
}

/// A labelled tick on an axis, at `at` (an x or a y in user units).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// The top of an axis starting at 0 and its tick step, both whole numbers (counts and days):
/// the step is 1, 2 or 5 times a power of ten, with at most `max_ticks` steps up to the top.
/// `max` of 0 gives a top of 1, so an all-zero chart still has an axis.
pub fn nice_scale(max: u64, max_ticks: u64) -> (u64, u64) {
    let max = max.max(1);
    let max_ticks = max_ticks.max(1);
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            let steps = max.div_ceil(step);
            if steps <= max_ticks {
                return (steps * step, step);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Rounds to a tenth of a unit: enough for SVG, and short in the page.
fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The x of `day` in `plot`, days spread linearly from `first` to `last`; a single day sits in
/// the middle.
pub fn scale_x(day: NaiveDate, first: NaiveDate, last: NaiveDate, plot: Rect) -> f64 {
    let span = (last - first).num_days();
    if span <= 0 {
        return r1(plot.x + plot.width / 2.0);
    }
    let t = (day - first).num_days() as f64 / span as f64;
    r1(plot.x + t.clamp(0.0, 1.0) * plot.width)
}

/// The y of `value` in `plot` on an axis from 0 (bottom) to `top` (top edge).
pub fn scale_y(value: u64, top: u64, plot: Rect) -> f64 {
    let t = value as f64 / top.max(1) as f64;
    r1(plot.bottom() - t.clamp(0.0, 1.0) * plot.height)
}

/// A point of a line, with its tooltip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub title: String,
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Legend text.
    pub name: String,
    /// CSS class (its colour).
    pub class: String,
    /// `x,y x,y …` for `<polyline points>`.
    pub points: String,
    /// The area under the line for `<polygon points>`; empty with fewer than two points.
    pub area: String,
    /// The points, with their values as tooltips (left out when there are too many to see).
    pub dots: Vec<Dot>,
}

/// One day of a [`LineChart`], for the table under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub day: String,
    pub done: u64,
    pub open: u64,
    pub overdue: u64,
}

/// Open and overdue items over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineChart {
    pub width: f64,
    pub height: f64,
    pub plot: Rect,
    pub lines: Vec<Line>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// No day to draw.
    pub empty: bool,
    /// The numbers behind the chart.
    pub days: Vec<DayRow>,
    /// First and last day, for the chart's description.
    pub from: String,
    pub to: String,
}

const LINE_W: f64 = 720.0;
const LINE_H: f64 = 300.0;
/// More points than this: the dots would only blur the line.
const MAX_DOTS: usize = 90;

/// The geometry of the open/overdue chart for `series` (days in order, as
/// [`index::series`] gives them).
pub fn line_chart(series: &[(NaiveDate, Counts)]) -> LineChart {
    let plot = Rect {
        x: 44.0,
        y: 14.0,
        width: LINE_W - 44.0 - 18.0,
        height: LINE_H - 14.0 - 34.0,
    };
    let max = series
        .iter()
        .map(|(_, c)| c.open.max(c.overdue))
        .max()
        .unwrap_or(0);
    let (top, step) = nice_scale(max, 5);
    let y_ticks = (0..=top / step)
        .map(|i| Tick {
            at: scale_y(i * step, top, plot),
            label: (i * step).to_string(),
        })
        .collect();
    let (Some(first), Some(last)) = (series.first().map(|s| s.0), series.last().map(|s| s.0))
    else {
        return LineChart {
            width: LINE_W,
            height: LINE_H,
            plot,
            lines: Vec::new(),
            x_ticks: Vec::new(),
            y_ticks,
            empty: true,
            days: Vec::new(),
            from: String::new(),
            to: String::new(),
        };
    };
    // At most 6 date labels, evenly picked, always the first and the last.
    let n = series.len();
    let wanted = n.min(6);
    let mut picked: Vec<usize> = (0..wanted)
        .map(|i| {
            if wanted == 1 {
                0
            } else {
                i * (n - 1) / (wanted - 1)
            }
        })
        .collect();
    picked.dedup();
    let x_ticks = picked
        .into_iter()
        .map(|i| Tick {
            at: scale_x(series[i].0, first, last, plot),
            label: series[i].0.format("%-d %b").to_string(),
        })
        .collect();
    let line = |name: &str, class: &str, value: fn(&Counts) -> u64| {
        let pts: Vec<(f64, f64, NaiveDate, u64)> = series
            .iter()
            .map(|(d, c)| {
                let v = value(c);
                (scale_x(*d, first, last, plot), scale_y(v, top, plot), *d, v)
            })
            .collect();
        let points = pts
            .iter()
            .map(|(x, y, _, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" ");
        let area = if pts.len() < 2 {
            String::new()
        } else {
            let (x0, x1) = (pts[0].0, pts[pts.len() - 1].0);
            format!("{x0},{} {points} {x1},{}", plot.bottom(), plot.bottom())
        };
        let dots = if pts.len() > MAX_DOTS {
            Vec::new()
        } else {
            pts.iter()
                .map(|(x, y, d, v)| Dot {
                    x: *x,
                    y: *y,
                    title: format!("{d}: {v} {name}"),
                })
                .collect()
        };
        Line {
            name: name.to_string(),
            class: class.to_string(),
            points,
            area,
            dots,
        }
    };
    LineChart {
        width: LINE_W,
        height: LINE_H,
        plot,
        lines: vec![
            line("open", "open", |c| c.open),
            line("overdue", "overdue", |c| c.overdue),
        ],
        x_ticks,
        y_ticks,
        empty: false,
        days: series
            .iter()
            .map(|(d, c)| DayRow {
                day: d.to_string(),
                done: c.done,
                open: c.open,
                overdue: c.overdue,
            })
            .collect(),
        from: first.to_string(),
        to: last.to_string(),
    }
}

/// One bar of a [`BarChart`], with its value written after its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub class: String,
    pub title: String,
    pub value: String,
    pub label_x: f64,
    pub label_y: f64,
}

/// A row of bars under one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarGroup {
    pub label: String,
    pub label_x: f64,
    pub label_y: f64,
    pub bars: Vec<Bar>,
}

/// A horizontal bar chart: groups down, values across.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub plot: Rect,
    pub groups: Vec<BarGroup>,
    pub x_ticks: Vec<Tick>,
    /// Nothing to draw.
    pub empty: bool,
}

/// One bar's data: CSS class, value, tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct BarValue {
    pub class: String,
    pub value: u64,
    pub title: String,
}

const BAR_W: f64 = 360.0;
const BAR_H: f64 = 16.0;
const BAR_GAP: f64 = 3.0;
const GROUP_GAP: f64 = 14.0;

/// The geometry of a horizontal bar chart of `groups` (label, bars), values written with
/// `unit` (`" d"` for days, `""` for counts).
pub fn bar_chart(groups: &[(String, Vec<BarValue>)], unit: &str) -> BarChart {
    let (left, right, top_margin, bottom) = (84.0, 44.0, 8.0, 28.0);
    let rows: f64 = groups
        .iter()
        .map(|(_, b)| b.len().max(1) as f64 * (BAR_H + BAR_GAP) - BAR_GAP)
        .sum::<f64>()
        + GROUP_GAP * groups.len().saturating_sub(1) as f64;
    let plot = Rect {
        x: left,
        y: top_margin,
        width: BAR_W - left - right,
        height: rows.max(BAR_H),
    };
    let max = groups
        .iter()
        .flat_map(|(_, b)| b.iter().map(|b| b.value))
        .max()
        .unwrap_or(0);
    let (top, step) = nice_scale(max, 4);
    let scale = |v: u64| r1(plot.width * v as f64 / top as f64);
    let x_ticks = (0..=top / step)
        .map(|i| Tick {
            at: r1(plot.x + scale(i * step)),
            label: format!("{}{unit}", i * step),
        })
        .collect();
    let mut y = plot.y;
    let mut out = Vec::new();
    for (label, bars) in groups {
        let group_top = y;
        let mut drawn = Vec::new();
        for b in bars {
            let width = scale(b.value);
            drawn.push(Bar {
                x: plot.x,
                y: r1(y),
                width,
                height: BAR_H,
                class: b.class.clone(),
                title: b.title.clone(),
                value: format!("{}{unit}", b.value),
                label_x: r1(plot.x + width + 4.0),
                label_y: r1(y + BAR_H / 2.0),
            });
            y += BAR_H + BAR_GAP;
        }
        if bars.is_empty() {
            y += BAR_H + BAR_GAP;
        }
        let group_bottom = y - BAR_GAP;
        out.push(BarGroup {
            label: label.clone(),
            label_x: plot.x - 8.0,
            label_y: r1((group_top + group_bottom) / 2.0),
            bars: drawn,
        });
        y += GROUP_GAP - BAR_GAP;
    }
    BarChart {
        width: BAR_W,
        height: r1(plot.bottom() + bottom),
        plot,
        groups: out,
        x_ticks,
        empty: groups.is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// The page (pure): what the template shows.

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

/// The items gauges for `/metrics` (Prometheus text): items by state and kind (every
/// combination, zeros included, so a series does not vanish when its last item closes) and
/// the overdue count.
pub fn item_metrics(records: &[ItemRecord]) -> String {
    use std::fmt::Write as _;
    let mut kinds: BTreeSet<&str> = ["corrective", "preventive", "task", "unknown"].into();
    kinds.extend(records.iter().map(|r| r.kind.as_str()));
    let mut n: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for r in records {
        *n.entry((state_str(r.state), r.kind.as_str())).or_default() += 1;
    }
    let mut out = String::new();
    out.push_str("# HELP postmortem_tracker_items Action items in the index, by state and kind.\n");
    out.push_str("# TYPE postmortem_tracker_items gauge\n");
    for state in ["done", "open", "overdue"] {
        for kind in &kinds {
            let _ = writeln!(
                out,
                "postmortem_tracker_items{{state=\"{state}\",kind=\"{}\"}} {}",
                label_value(kind),
                n.get(&(state, *kind)).copied().unwrap_or(0)
            );
        }
    }
    out.push_str(
        "# HELP postmortem_tracker_items_overdue Open action items past their due date.\n",
    );
    out.push_str("# TYPE postmortem_tracker_items_overdue gauge\n");
    let overdue = records
        .iter()
        .filter(|r| r.state == ItemState::Overdue)
        .count();
    let _ = writeln!(out, "postmortem_tracker_items_overdue {overdue}");
    out
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers.

/// Reads the whole index (items and daily counts) off the async threads.
async fn read_index(app: &App) -> Result<(Vec<ItemRecord>, Vec<Snapshot>), String> {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        Ok((store.items()?, store.snapshots()?))
    })
    .await
    {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads only the items.
async fn read_items(app: &App) -> Result<Vec<ItemRecord>, String> {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || store.items()).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(e) => Err(e.to_string()),
    }
}

/// The items for `/metrics`; `None` when the store cannot be read (the gauges are left out).
pub(crate) async fn metrics_text(app: &App) -> Option<String> {
    match read_items(app).await {
        Ok(items) => Some(item_metrics(&items)),
        Err(e) => {
            eprintln!("metrics: cannot read the items index: {e}");
            None
        }
    }
}

fn html_status(dashboard: &Dashboard, status: StatusCode, page: &Page) -> Response {
    match dashboard.render(page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            eprintln!("dashboard: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the dashboard cannot be rendered\n",
            )
                .into_response()
        }
    }
}

fn unavailable_html(e: &str) -> Response {
    eprintln!("dashboard: cannot read the items index: {e}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Unavailable</title><p>The database is unavailable; \
             try again in a moment.</p>\n",
        ),
    )
        .into_response()
}

fn unavailable_json(e: &str) -> Response {
    eprintln!("api/items: cannot read the items index: {e}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "the database is unavailable"})),
    )
        .into_response()
}

/// `GET /`: the dashboard.
pub(crate) async fn page_handler(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    let filter = match parse_query(q.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            return html_status(
                &app.settings.dashboard,
                StatusCode::BAD_REQUEST,
                &Page::error(e),
            )
        }
    };
    match read_index(&app).await {
        Ok((items, snapshots)) => html_status(
            &app.settings.dashboard,
            StatusCode::OK,
            &page(&items, &snapshots, &filter),
        ),
        Err(e) => unavailable_html(&e),
    }
}

/// The items `q` selects, or the answer to give instead.
async fn selected(app: &App, q: Option<&str>) -> Result<Vec<ItemRecord>, Response> {
    let filter = parse_query(q)
        .map_err(|e| (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response())?;
    let items = read_items(app).await.map_err(|e| unavailable_json(&e))?;
    Ok(items.into_iter().filter(|r| filter.matches(r)).collect())
}

/// `GET /api/items`: the items as a JSON array.
pub(crate) async fn api_items(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    match selected(&app, q.as_deref()).await {
        Ok(items) => Json(items).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/items.csv`: the items as a CSV download.
pub(crate) async fn api_items_csv(State(app): State<App>, RawQuery(q): RawQuery) -> Response {
    match selected(&app, q.as_deref()).await {
        Ok(items) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"postmortem-items.csv\"",
                ),
            ],
            index::to_csv(&items),
        )
            .into_response(),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plot() -> Rect {
        Rect {
            x: 10.0,
            y: 20.0,
            width: 200.0,
            height: 100.0,
        }
    }

    fn counts(open: u64, overdue: u64) -> Counts {
        Counts {
            done: 0,
            open,
            overdue,
        }
    }

    fn rec(repo: &str, owner: &str, kind: &str, state: ItemState) -> ItemRecord {
        ItemRecord {
            forge: "github".into(),
            repository: repo.into(),
            path: "pm/db.md".into(),
            postmortem: "DB outage".into(),
            postmortem_url: Some("https://example.test/pm/db.md".into()),
            line: 7,
            key: format!("{repo}-{owner}-{kind}"),
            text: "Add <b>an alert</b>".into(),
            kind: kind.into(),
            owner: Some(owner.into()),
            due: None,
            state,
            days_overdue: None,
            issue: Some("#1".into()),
            issue_url: Some("javascript:alert(1)".into()),
            incident: None,
            closed_on: None,
        }
    }

    #[test]
    fn nice_scales_cover_the_maximum_with_round_steps() {
        assert_eq!(nice_scale(0, 5), (1, 1), "all zeros still get an axis");
        assert_eq!(nice_scale(1, 5), (1, 1));
        assert_eq!(nice_scale(4, 5), (4, 1));
        assert_eq!(nice_scale(7, 5), (8, 2));
        assert_eq!(nice_scale(23, 5), (25, 5));
        assert_eq!(nice_scale(999, 5), (1000, 200));
        for max in 0..500 {
            let (top, step) = nice_scale(max, 5);
            assert!(top >= max && top % step == 0 && top / step <= 5, "{max}");
        }
    }

    #[test]
    fn points_scale_into_the_box() {
        let p = plot();
        let (first, last) = (day("2026-11-01"), day("2026-11-11"));
        assert_eq!(scale_x(first, first, last, p), 10.0);
        assert_eq!(scale_x(last, first, last, p), 210.0);
        assert_eq!(scale_x(day("2026-11-06"), first, last, p), 110.0);
        assert_eq!(scale_y(0, 10, p), 120.0, "zero on the bottom edge");
        assert_eq!(scale_y(10, 10, p), 20.0, "the top on the top edge");
        assert_eq!(scale_y(5, 10, p), 70.0);
        assert_eq!(scale_x(first, first, first, p), 110.0, "one day: centred");

        let s: Vec<_> = (0..30)
            .map(|i| (first + chrono::Days::new(i), counts(i * 3, i % 4)))
            .collect();
        let c = line_chart(&s);
        assert!(!c.empty);
        for l in &c.lines {
            let pts: Vec<(f64, f64)> = l
                .points
                .split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            assert_eq!(pts.len(), 30);
            for (x, y) in pts {
                assert!(x >= c.plot.x && x <= c.plot.right(), "{x}");
                assert!(y >= c.plot.y && y <= c.plot.bottom(), "{y}");
            }
            assert!(!l.area.is_empty());
        }
        // The highest value (87 open) is within the top tick, and ticks go bottom to top.
        let top: u64 = c.y_ticks.last().unwrap().label.parse().unwrap();
        assert!(top >= 87);
        assert_eq!(c.y_ticks[0].at, c.plot.bottom());
        assert!(c.x_ticks.len() <= 6 && c.x_ticks.len() >= 2);
        assert_eq!(c.x_ticks[0].label, "1 Nov");
        assert_eq!(c.x_ticks.last().unwrap().label, "30 Nov");
    }

    #[test]
    fn a_single_day_and_all_zeros_still_draw() {
        let c = line_chart(&[(day("2026-11-01"), counts(0, 0))]);
        assert!(!c.empty);
        let open = &c.lines[0];
        let mid = c.plot.x + c.plot.width / 2.0;
        assert_eq!(open.points, format!("{},{}", r1(mid), c.plot.bottom()));
        assert!(open.area.is_empty(), "no area under a single point");
        assert_eq!(open.dots.len(), 1, "a single day shows as a dot");
        assert_eq!(c.y_ticks.len(), 2, "0 and 1");
        assert_eq!(c.x_ticks.len(), 1);

        let empty = line_chart(&[]);
        assert!(empty.empty && empty.lines.is_empty());

        let bars = bar_chart(
            &[(
                "task".into(),
                vec![BarValue {
                    class: "median".into(),
                    value: 0,
                    title: "t".into(),
                }],
            )],
            " d",
        );
        assert_eq!(bars.groups[0].bars[0].width, 0.0);
        assert_eq!(bars.x_ticks.last().unwrap().label, "1 d");
        assert!(bar_chart(&[], "").empty);
    }

    #[test]
    fn bars_scale_to_the_longest() {
        let v = |class: &str, value| BarValue {
            class: class.into(),
            value,
            title: String::new(),
        };
        let c = bar_chart(
            &[
                ("corrective".into(), vec![v("median", 5), v("p90", 20)]),
                ("task".into(), vec![v("median", 2), v("p90", 3)]),
            ],
            " d",
        );
        let all: Vec<&Bar> = c.groups.iter().flat_map(|g| &g.bars).collect();
        assert_eq!(all[1].width, c.plot.width, "the longest fills the plot");
        assert_eq!(all[0].width, r1(c.plot.width / 4.0));
        for b in &all {
            assert!(b.y >= c.plot.y && b.y + b.height <= c.plot.bottom() + 0.01);
        }
        // Bars do not overlap.
        for w in all.windows(2) {
            assert!(w[1].y >= w[0].y + w[0].height, "{w:?}");
        }
        assert!(c.height > c.plot.bottom());
        assert_eq!(all[1].value, "20 d");
    }

    #[test]
    fn queries_name_bad_unknown_and_repeated_parameters() {
        let f = parse_query(Some("repository=Acme%2FApi&owner=&state=open")).unwrap();
        assert_eq!(f.repository.as_deref(), Some("acme/api"));
        assert_eq!(f.owner, None);
        assert_eq!(f.state, Some(ItemState::Open));
        assert_eq!(parse_query(None).unwrap(), ItemFilter::default());
        assert!(parse_query(Some("state=closed"))
            .unwrap_err()
            .starts_with("state=closed"));
        assert!(parse_query(Some("ownr=bob"))
            .unwrap_err()
            .starts_with("ownr: unknown parameter"));
        assert!(parse_query(Some("owner=a&owner=b"))
            .unwrap_err()
            .contains("more than once"));
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
        let owners = &p
            .filters
            .iter()
            .find(|s| s.name == "owner")
            .unwrap()
            .choices;
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
        let owners = &p
            .filters
            .iter()
            .find(|s| s.name == "owner")
            .unwrap()
            .choices;
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

    #[test]
    fn an_override_folder_replaces_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dashboard.html.hbs"),
            "<p>{{totals.shown}} items</p>",
        )
        .unwrap();
        let d = Dashboard::new(Some(dir.path())).unwrap();
        let html = d.render(&page(&[], &[], &ItemFilter::default())).unwrap();
        assert_eq!(html, "<p>0 items</p>");
        // The Markdown engine reads the same folder without taking the file for a typo.
        crate::render::Engine::new(Some(dir.path())).unwrap();

        std::fs::write(dir.path().join("dashboard.html.hbs"), "{{totals.nope}}").unwrap();
        let e = Dashboard::new(Some(dir.path()))
            .unwrap()
            .render(&page(&[], &[], &ItemFilter::default()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("dashboard.html.hbs"), "{e}");
    }

    #[test]
    fn metrics_count_every_state_and_kind() {
        let items = vec![
            rec("a/x", "alice", "corrective", ItemState::Open),
            rec("a/x", "alice", "corrective", ItemState::Open),
            rec("a/x", "bob", "task", ItemState::Overdue),
        ];
        let m = item_metrics(&items);
        assert!(m.contains("postmortem_tracker_items{state=\"open\",kind=\"corrective\"} 2\n"));
        assert!(m.contains("postmortem_tracker_items{state=\"overdue\",kind=\"task\"} 1\n"));
        assert!(m.contains("postmortem_tracker_items{state=\"done\",kind=\"preventive\"} 0\n"));
        assert!(m.contains("postmortem_tracker_items_overdue 1\n"));
        assert_eq!(m.matches("postmortem_tracker_items{").count(), 12);
    }
}
