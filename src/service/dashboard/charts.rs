//! Chart geometry (pure): scales, ticks, points and bars of the dashboard's inline SVG charts,
//! handed to the template as numbers and labels.

use chrono::NaiveDate;
use serde::Serialize;

use crate::service::index::Counts;

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
/// [`crate::service::index::series`] gives them).
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
    /// The label as drawn (long ones cut, with `…`).
    pub label: String,
    /// The whole label, as its tooltip.
    pub title: String,
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

/// One bar's data: CSS class, value, the text written after it, tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct BarValue {
    pub class: String,
    pub value: u64,
    /// Written after the bar's end (`12 d`, `1 h 30 min`).
    pub label: String,
    pub title: String,
}

const BAR_W: f64 = 360.0;
const BAR_H: f64 = 16.0;
const BAR_GAP: f64 = 3.0;
const GROUP_GAP: f64 = 14.0;
/// Labels longer than this are cut (their tooltip has them whole).
const MAX_LABEL_CHARS: usize = 22;
/// About the width of one label character at the charts' 12px, in user units.
const CHAR_W: f64 = 6.6;

/// `label` cut to [`MAX_LABEL_CHARS`] characters, with `…` when cut.
fn short_label(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_string();
    }
    let cut: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The geometry of a horizontal bar chart of `groups` (label, bars), ticks written with
/// `unit` (`" d"` for days, `""` for counts). The left margin fits the longest label.
pub fn bar_chart(groups: &[(String, Vec<BarValue>)], unit: &str) -> BarChart {
    let labels: Vec<String> = groups.iter().map(|(l, _)| short_label(l)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let left = (14.0 + longest as f64 * CHAR_W).clamp(48.0, 170.0);
    let (right, top_margin, bottom) = (64.0, 8.0, 28.0);
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
    for ((title, bars), label) in groups.iter().zip(labels) {
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
                value: b.label.clone(),
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
            label,
            title: title.clone(),
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
                    label: "0 d".into(),
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
            label: format!("{value} d"),
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
    fn long_labels_are_cut_and_the_margin_fits_them() {
        let v = BarValue {
            class: "restore".into(),
            value: 90,
            label: "1 h 30 min".into(),
            title: String::new(),
        };
        let long = "Checkout outage after the payment provider's certificate expired";
        let c = bar_chart(
            &[(long.into(), vec![v.clone()]), ("db".into(), vec![v])],
            " min",
        );
        let g = &c.groups[0];
        assert_eq!(g.label.chars().count(), MAX_LABEL_CHARS);
        assert!(g.label.ends_with('…'), "{}", g.label);
        assert_eq!(g.title, long, "the tooltip has it whole");
        assert_eq!(c.groups[1].label, "db");
        // The cut label fits left of the plot; a short one gets a small margin.
        assert!(c.plot.x >= MAX_LABEL_CHARS as f64 * CHAR_W);
        assert!(c.plot.right() < c.width);
        let short = bar_chart(&[("db".into(), Vec::new())], "");
        assert!(short.plot.x < c.plot.x);
    }
}
