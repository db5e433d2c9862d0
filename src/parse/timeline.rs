//! Timeline entries: one per list item, table row, time-stamped line or timeline subsection.

use chrono::NaiveDate;

use super::blocks::{self, Block, Marker, Node, Table};
use super::incident::Context;
use super::inline;
use super::time::{self, Found};
use super::Line;
use crate::clock::Zone;
use crate::model::{TimelineEntry, Timestamp};

/// The date and zone that undated, unzoned entries take, updated as the timeline goes
/// (`2019-01-22` on a line of its own, `All times in PST`).
struct Clock<'c, 'a> {
    date: Option<NaiveDate>,
    zone: Option<Zone>,
    /// The last entry's time of day, to notice a timeline crossing midnight.
    last: Option<chrono::NaiveTime>,
    /// The document's context, for the order of its numeric dates.
    ctx: &'c Context<'a>,
}

impl<'c, 'a> Clock<'c, 'a> {
    fn new(ctx: &'c Context<'a>) -> Self {
        Clock {
            date: ctx.date,
            zone: ctx.timeline_zone.or(ctx.zone),
            last: ctx.last_time,
            ctx,
        }
    }

    /// The day `f` names: its month and day in the year nearest the running date when it
    /// writes no year (past New Year too), else its date.
    fn day_of(&self, f: &Found) -> Option<NaiveDate> {
        match (f.month_day, self.date) {
            (Some((m, d)), Some(near)) => time::nearest_with_year(m, d, near),
            _ => f.date_in(|| self.ctx.order()),
        }
    }

    /// Moves the clock to a day a line names: the entries after it are on that day, however
    /// late the entry before it was (`- **May 15**` after `23:05` puts `00:10` on May 15).
    fn turn_to(&mut self, date: Option<NaiveDate>) {
        if date.is_some() {
            self.date = date;
            self.last = None;
        }
    }

    /// Completes a found moment with the running date and zone, and moves the clock.
    fn stamp(&mut self, f: &Found) -> Timestamp {
        let mut s = f.stamp;
        s.date = self.day_of(f);
        if s.date.is_some() {
            self.date = s.date;
        } else if let Some(t) = s.time {
            // "11:45 PM" then "12:10 AM": the second is the next day.
            let evening = chrono::NaiveTime::from_hms_opt(18, 0, 0).expect("valid time");
            let morning = chrono::NaiveTime::from_hms_opt(6, 0, 0).expect("valid time");
            if self.last.is_some_and(|l| l >= evening) && t < morning {
                self.date = self.date.and_then(|d| d.succ_opt());
            }
            s.date = self.date;
        }
        if s.time.is_some() {
            self.last = s.time;
        }
        if let (None, Some(t), Some(zone)) = (s.offset, s.time, f.named.or(self.zone)) {
            s.offset = Some(zone.offset_for(s.date, t));
        }
        s
    }
}

/// Reads the entries of a timeline segment.
pub(crate) fn read(lines: &[Line<'_>], ctx: &Context, out: &mut Vec<TimelineEntry>) {
    let blocks = blocks::blocks(lines);
    let structured = blocks.iter().any(|b| match b {
        Block::Node(n) => n.marker != Marker::None,
        Block::Table(_) => true,
    });
    let mut clock = Clock::new(ctx);
    let before = out.len();
    for block in &blocks {
        match block {
            Block::Table(t) => table(t, &mut clock, out),
            Block::Node(n) => {
                // A day line's entries may be nested under it.
                if node(n, structured, &mut clock, out) {
                    for child in &n.children {
                        node(child, structured, &mut clock, out);
                    }
                }
            }
        }
    }
    join_stamp_lines(out, before);
}

/// Whether `text` is only when a status page posted an update (`Posted Mar 03, 2025 - 16:42
/// UTC`): the update's time, a stamp for the line of text beside it ([`join_stamp_lines`]).
fn posted_at(text: &str, f: &Found) -> bool {
    let before = text[..f.start].trim();
    ["posted", "posted on", "posted at", "updated", "published"]
        .iter()
        .any(|w| before.eq_ignore_ascii_case(w))
        && rest_after(text, f).is_empty()
}

/// A line that is only a moment, right after or before a line of text without one, is that
/// text's time, as status pages write their updates ("**Resolved** - This incident has been
/// resolved." over "Mar 14, 2024 - 17:32 UTC"): the two are one entry.
fn join_stamp_lines(out: &mut Vec<TimelineEntry>, from: usize) {
    let stamp_only = |e: &TimelineEntry| e.time.is_some() && e.text.is_empty();
    let text_only = |e: &TimelineEntry| e.time.is_none() && !e.text.is_empty();
    let mut k = from;
    while k + 1 < out.len() {
        let (a, b) = (&out[k], &out[k + 1]);
        if b.line != a.line + 1 {
            k += 1;
            continue;
        }
        if text_only(a) && stamp_only(b) {
            out[k].time = out[k + 1].time;
            out.remove(k + 1);
        } else if stamp_only(a) && text_only(b) {
            out[k].text = std::mem::take(&mut out[k + 1].text);
            out.remove(k + 1);
        }
        k += 1;
    }
}

/// Reads a timeline segment under its heading (text and line), which may itself be an event
/// (`### 12:53`, `### March 20, 12:44`, `### {{ 06:10 }}`): then the section is one entry,
/// the heading's time with the heading's text or else the first text under it. A heading
/// whose section has timed entries of its own (`### 10:07-10:29 AM: Coordination` over
/// `- 10:07: ...` bullets) only groups them.
pub(crate) fn read_section(
    heading: Option<(&str, usize)>,
    lines: &[Line<'_>],
    ctx: &Context,
    out: &mut Vec<TimelineEntry>,
) {
    let before = out.len();
    read(lines, ctx, out);
    let Some((text, line)) = heading else {
        return;
    };
    let Some(f) = heading_moment(text) else {
        return;
    };
    if out[before..].iter().any(|e| e.time.is_some()) {
        return;
    }
    let time = Clock::new(ctx).stamp(&f);
    let own = rest_after(text, &f);
    let mut under = out.drain(before..).map(|e| e.text);
    let text = match own.trim_end_matches(['}', '_', '#', ' ']) {
        "" => under.next().unwrap_or_default(),
        own => own.to_string(),
    };
    drop(under);
    out.push(TimelineEntry {
        time: Some(time),
        text,
        line,
    });
}

/// The time a timeline heading opens with: its leading moment when that has a time, or a
/// day followed by a time or a range (`2022-01-20 Between 02:00 and 02.30 PM`: the range's
/// start on that day).
fn heading_moment(text: &str) -> Option<Found> {
    let f = leading_moment(text)?;
    if f.stamp.time.is_some() {
        return Some(f);
    }
    let rest = &text[f.end..];
    let ms = time::moments(inline::head(rest, 80));
    // The moment's span runs to the range's end: the heading's own text is what follows.
    let (start, end) = time::range_in(rest, &ms)
        .map(|(a, b)| (a, b.end))
        .or_else(|| ms.first().map(|m| (*m, m.end)))
        .filter(|(m, _)| m.stamp.time.is_some() && !m.has_date())?;
    let mut joined = f;
    joined.stamp.time = start.stamp.time;
    joined.stamp.offset = start.stamp.offset;
    joined.end = f.end + end;
    Some(joined)
}

/// Reads paragraphs that start with a time, anywhere in a segment (transcripts).
pub(crate) fn read_stamped(lines: &[Line<'_>], ctx: &Context, out: &mut Vec<TimelineEntry>) {
    // Cheap test first: only segments with a line starting with a digit or `[` can qualify.
    if !lines
        .iter()
        .any(|l| !l.skip && l.body.starts_with(|c: char| c.is_ascii_digit() || c == '['))
    {
        return;
    }
    let mut clock = Clock::new(ctx);
    for block in blocks::blocks(lines) {
        if let Block::Node(n) = block {
            let text = n.plain_str();
            if let Some(f) = leading_moment(text).filter(|f| f.stamp.time.is_some()) {
                let rest = rest_after(text, &f);
                if !rest.is_empty() {
                    out.push(TimelineEntry {
                        time: Some(clock.stamp(&f)),
                        text: rest,
                        line: n.line_no,
                    });
                }
            }
        }
    }
}

/// Reads one node as an entry, a note or a day line; `true` for a day line, whose nested
/// entries the caller reads next.
fn node(n: &Node, structured: bool, clock: &mut Clock, out: &mut Vec<TimelineEntry>) -> bool {
    let mut text = std::borrow::Cow::Borrowed(n.plain_str());
    if n.is_title() && !n.children.is_empty() {
        let label = text.trim_end_matches(':').trim().to_string();
        let children: Vec<&str> = n.children.iter().map(Node::plain_str).collect();
        text = format!("{label}: {}", children.join(" ")).into();
    }
    let found = leading_moment(&text).or_else(|| {
        time::first_moment(inline::head(&text, 120))
            .filter(|f| f.start <= 80 && f.stamp.time.is_some())
    });
    if is_note(&text) {
        // "All times in PST", "2019-3-26 (all times UTC+3)", "Time (EAT)": context, not events.
        for m in time::moments(&text) {
            let date = m.date_in(|| clock.ctx.order());
            clock.turn_to(date);
        }
        if let Some(zone) = time::noted_zone(&text) {
            clock.zone = Some(zone);
        }
        return false;
    }
    // A day on a line of its own (`2019-01-22`, `May 6`, `Sept 21:`, after a weekday:
    // `Tuesday, March 14, 2023`) heads the entries below it, also those nested under it
    // (`- **May 6**` over `  - 07:12 resolvers time out`).
    let whole = text.trim_end_matches(['.', ':']).trim();
    // `2024-05-16 (UTC)`, `Thursday 16 May 2024 (BST)`: a day and a note of the zone (a short
    // line without a time).
    let (whole, noted) = if whole.len() <= 48 && found.is_none_or(|f| f.stamp.time.is_none()) {
        without_zone_note(whole)
    } else {
        (whole, None)
    };
    let dated = time::without_weekday(whole);
    let after_weekday = dated.len() < whole.len();
    let day = match &found {
        Some(f) => Some(*f).filter(|f| f.start == 0 && f.end >= whole.len()),
        // (A day written with its month's name and no year is short: "September 21".)
        None if dated.len() <= 20 => time::leading_found(dated).filter(|f| {
            f.start == 0
                && f.end >= dated.len()
                && (f.month_day.is_some() || (after_weekday && f.has_date()))
        }),
        None => None,
    };
    if let Some(f) = day.filter(|f| f.stamp.time.is_none()) {
        let date = clock.day_of(&f);
        clock.turn_to(date);
        clock.zone = noted.or(clock.zone);
        return true;
    }
    if found.is_none() && structured && n.marker == Marker::None {
        return false;
    }
    let (time, text) = match &found {
        Some(f) => {
            let stamp = clock.stamp(f);
            let rest = if f.start <= 2 || posted_at(&text, f) {
                rest_after(&text, f)
            } else {
                inline::collapse_spaces(&text)
            };
            (Some(stamp), rest)
        }
        None => (None, inline::collapse_spaces(&text)),
    };
    if text.is_empty() && time.is_none() {
        return false;
    }
    // Several events written on one line: "10:50 AM: alerted the team. - 11:00 AM: rerouted",
    // "10:52 leak begins; 10:55 alert fires. 11:03 confirmed". Most lines have no separator
    // before a time: the collapsed text (trimmed already) is the entry's as it is.
    if !has_spaced_dash(&text) && !stop_before_figure(&text) {
        out.push(TimelineEntry {
            time,
            text,
            line: n.line_no,
        });
        return false;
    }
    let mut pieces = split_collapsed(&text).into_iter();
    let first = pieces.next().unwrap_or_default();
    out.push(TimelineEntry {
        time,
        text: first.to_string(),
        line: n.line_no,
    });
    for piece in pieces {
        if let Some(mut f) = leading_moment(piece) {
            // A zone written on the line's first time holds for the others on it.
            if f.stamp.offset.is_none() && f.named.is_none() {
                f.stamp.offset = found.as_ref().and_then(|g| g.stamp.offset);
                f.named = found.as_ref().and_then(|g| g.named);
            }
            out.push(TimelineEntry {
                time: Some(clock.stamp(&f)),
                text: rest_after(piece, &f),
                line: n.line_no,
            });
        }
    }
    false
}

/// Splits an entry's text before each ` - ` that is followed by a time of its own.
fn split_collapsed(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut search = 0;
    while let Some((p, len)) = next_separator(text, search) {
        let next = &text[p + len..];
        let stamped = time::leading_found(inline::head(next, 24)).is_some_and(|f| {
            f.start == 0 && f.stamp.time.is_some() && next[f.end..].starts_with([':', ' '])
        });
        if stamped {
            out.push(text[from..p].trim());
            from = p + len;
            search = p + len;
        } else {
            // (A separator may start inside this one: `. - 11:00`.)
            search = p + 1;
        }
    }
    out.push(text[from..].trim());
    out
}

/// The next separator of events on one line at or after `from`, ` - `, `; ` or a sentence's
/// end (`10:52 leak begins; 10:55 alert fires. 11:03 confirmed`): where it starts and its
/// length.
fn next_separator(text: &str, from: usize) -> Option<(usize, usize)> {
    let dash = find_spaced_dash(text, from).map(|p| (p, 3));
    let rest = text.get(from..)?;
    let stop = stops_before_figures(rest).next().map(|p| (from + p, 2));
    [dash, stop].into_iter().flatten().min()
}

/// Where `; ` or `. ` stands before a figure in `text` (a time may start there).
fn stops_before_figures(text: &str) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    memchr::memchr2_iter(b';', b'.', b).filter(move |&i| {
        b.get(i + 1) == Some(&b' ') && b.get(i + 2).is_some_and(u8::is_ascii_digit)
    })
}

/// Whether `text` has a `; ` or `. ` before a figure: events may be joined there.
fn stop_before_figure(text: &str) -> bool {
    stops_before_figures(text).next().is_some()
}

/// Whether `text` has a ` - ` anywhere: one pass over byte triples without a branch
/// (vectorised), where the search stops at every dash of "on-call" or "2019-01-22".
fn has_spaced_dash(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 3 {
        return false;
    }
    let n = b.len() - 2;
    let triples = b[..n].iter().zip(&b[1..][..n]).zip(&b[2..][..n]);
    triples.fold(0u8, |m, ((&x, &y), &z)| {
        m | u8::from((x == b' ') & (y == b'-') & (z == b' '))
    }) != 0
}

/// The next ` - ` at or after `from` (a byte search: a string searcher's set-up costs more
/// than the short texts it would search).
fn find_spaced_dash(text: &str, mut from: usize) -> Option<usize> {
    let b = text.as_bytes();
    loop {
        let dash = from + 1 + b.get(from + 1..)?.iter().position(|&c| c == b'-')?;
        if b[dash - 1] == b' ' && b.get(dash + 1) == Some(&b' ') {
            return Some(dash - 1);
        }
        from = dash;
    }
}

fn table(t: &Table, clock: &mut Clock, out: &mut Vec<TimelineEntry>) {
    let find = |names: &[&str]| {
        // Without a lower-case copy: the names are ASCII (see `is_note`).
        t.header.iter().position(|h| {
            let h = h.as_bytes();
            names.iter().any(|n| inline::starts_with_ascii_ci(h, n))
        })
    };
    // A stamp in one column, or a day and a time in two (`| Date | Time (UTC) | Event |`).
    let (day_col, clock_col) = (find(&["date", "day"]), find(&["time", "when"]));
    let time_col = day_col.or(clock_col).unwrap_or(0);
    let second_col = clock_col.filter(|&c| c != time_col);
    let text_col = find(&[
        "event",
        "description",
        "what",
        "action",
        "details",
        "activity",
        "summary",
    ]);
    // `Time (UTC)`: the header's zone holds for the times below it (also written over the
    // events: `Events (UTC)`).
    let header = t.header.get(second_col.unwrap_or(time_col));
    let zone = header.and_then(|h| time::noted_zone(h)).or_else(|| {
        text_col
            .and_then(|c| t.header.get(c))
            .and_then(|h| time::noted_zone(h))
    });
    if let Some(zone) = zone {
        clock.zone = Some(zone);
    }
    for row in &t.rows {
        let (line, cells) = (&row.line, &row.cells);
        let cell = |c: usize| cells.get(c).map(|c| &**c).unwrap_or("");
        let f = match second_col {
            Some(c) => time::first_moment(&format!("{} {}", cell(time_col), cell(c))),
            None => time::first_moment(cell(time_col)),
        };
        // The text column's cell is borrowed: collapse_spaces makes the entry's one copy.
        let text: std::borrow::Cow<str> = match text_col {
            Some(c) => cells.get(c).map(|c| &**c).unwrap_or("").into(),
            None => cells
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != time_col && Some(*i) != second_col)
                .map(|(_, c)| &**c)
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        };
        if text.trim().is_empty() && f.is_none() {
            continue;
        }
        // `| Jan 19, 2025 | |`: a row that is only a day dates the rows after it.
        if text.trim().is_empty() && f.is_some_and(|f| f.stamp.time.is_none()) {
            clock.turn_to(f.and_then(|f| clock.day_of(&f)));
            continue;
        }
        // `| 2024-10-02 | 22:40 partition starts<br>22:52 alert fires |`: a cell of events, one
        // a line, each with its time, on the row's day.
        let events = text_col
            .and_then(|c| row.raw_cell(c))
            .filter(|raw| raw.contains("<br"))
            .map(|raw| timed_lines(raw, cell(time_col)))
            .filter(|events| events.len() > 1);
        if let Some(events) = events {
            for (f, event) in events {
                out.push(TimelineEntry {
                    time: Some(clock.stamp(&f)),
                    text: event,
                    line: *line,
                });
            }
            continue;
        }
        out.push(TimelineEntry {
            time: f.as_ref().map(|f| clock.stamp(f)),
            text: inline::collapse_spaces(&text),
            line: *line,
        });
    }
}

/// The lines of a cell written with `<br>` between them that each open with a time: each
/// line's moment (on `day`, the row's day cell) and its text.
fn timed_lines(raw: &str, day: &str) -> Vec<(Found, String)> {
    raw.split("<br>")
        .flat_map(|p| p.split("<br/>"))
        .flat_map(|p| p.split("<br />"))
        .filter_map(|piece| {
            let piece = inline::plain(piece.trim());
            let own = leading_moment(&piece).filter(|f| f.stamp.time.is_some())?;
            let text = rest_after(&piece, &own);
            let f = time::first_moment(&format!("{day} {}", &piece[..own.end])).unwrap_or(own);
            Some((f, text))
        })
        .collect()
}

/// A moment at the start of the text (after `[`, `(`, `{{`, `**`, `_`, `~`): the entry's own
/// time.
fn leading_moment(text: &str) -> Option<Found> {
    let h = inline::head(text, 100);
    // Only the moment that starts right after the opening marks counts: read just that one.
    let at = h
        .bytes()
        .position(|b| !matches!(b, b'[' | b'(' | b'{' | b'*' | b'_' | b'~' | b' ' | b'-'))?;
    let mut f = time::leading_found(&h[at..])?;
    if f.start != 0 || (f.stamp.time.is_none() && f.stamp.date.is_none() && f.unordered.is_none()) {
        return None;
    }
    f.start += at;
    f.end += at;
    Some(f)
}

/// The entry's text after its timestamp and the separator that follows it.
fn rest_after(text: &str, f: &Found) -> String {
    let rest = &text[f.end..];
    let rest =
        rest.trim_start_matches([']', ')', '}', '*', '_', ':', '-', '–', '—', '|', ' ', ',']);
    inline::collapse_spaces(rest)
}

/// `text` without a note of the zone after the day it opens with (`2024-05-16 (UTC)`, `May
/// 16, 2024, all times UTC`), and the zone noted.
fn without_zone_note(text: &str) -> (&str, Option<crate::clock::Zone>) {
    let dated = time::without_weekday(text);
    let Some(f) = time::leading_found(dated).filter(|f| f.start == 0 && f.stamp.time.is_none())
    else {
        return (text, None);
    };
    let rest = dated[f.end..].trim_start_matches([',', ' ']);
    if rest.is_empty() || inline::words_up_to(rest, 5) > 4 {
        return (text, None);
    }
    match time::noted_zone(rest) {
        Some(zone) => (
            text[..text.len() - rest.len()].trim_end_matches([',', ' ']),
            Some(zone),
        ),
        None => (text, None),
    }
}

fn is_note(text: &str) -> bool {
    // Without a lower-case copy, also for non-ASCII text: every phrase is ASCII, and no
    // character lower-cases into one of their bytes but `K` (Kelvin, no `k` here) and `İ`
    // (an `i` followed by a combining dot, where the phrases have a letter).
    let h = inline::head(text, 60);
    let b = h.as_bytes();
    let starts = |p: &str| inline::starts_with_ascii_ci(b, p);
    // The one phrase searched for anywhere starts with `(`: most lines have none.
    let contains = |p: &str| {
        b.contains(&p.as_bytes()[0])
            && b.windows(p.len())
                .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
    };
    starts("all times")
        || starts("times are")
        || starts("times in")
        || contains("(all times")
        || (inline::words_up_to(h, 4) <= 3 && (starts("time") || starts("date")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_note` as it was: on a lower-case copy of the head.
    fn is_note_by_lower_case(text: &str) -> bool {
        let lower = inline::head(text, 60).to_lowercase();
        let words = inline::words_up_to(&lower, 4);
        lower.starts_with("all times")
            || lower.starts_with("times are")
            || lower.starts_with("times in")
            || lower.contains("(all times")
            || (words <= 3 && (lower.starts_with("time") || lower.starts_with("date")))
    }

    #[test]
    fn a_table_with_a_day_and_a_time_column_and_the_zone_in_its_header() {
        let pm = crate::parse::parse(
            "t.md",
            "## Timeline\n\n| Date | Time (UTC) | Event |\n|---|---|---|\n\
             | 2025-03-03 | 14:02 | Deploy starts |\n| 2025-03-04 | 01:15 | Fully recovered |\n\n\
             - 2:15pm: rollback begins\n",
            &crate::parse::ParseOptions::default(),
        );
        let got: Vec<_> = pm
            .timeline
            .iter()
            .map(|e| (e.time.map(|t| t.to_string()), e.text.as_str()))
            .collect();
        let at = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            [
                (at("2025-03-03T14:02:00Z"), "Deploy starts"),
                (at("2025-03-04T01:15:00Z"), "Fully recovered"),
                // (`:15pm:` is no emoji shortcode.)
                (at("2025-03-04T14:15:00Z"), "rollback begins"),
            ]
        );
    }

    #[test]
    fn days_without_a_year_run_on_past_new_year() {
        // Dated on New Year's Eve, the timeline's "Jan 1" is the next year's; dated on
        // January 2nd, its "Dec 31" is the year before's.
        for (date, want) in [
            (
                "2024-12-31",
                ["2024-12-31T23:58:00Z", "2025-01-01T00:14:00Z"],
            ),
            (
                "2025-01-02",
                ["2024-12-31T23:58:00Z", "2025-01-01T00:14:00Z"],
            ),
        ] {
            let pm = crate::parse::parse(
                "t.md",
                &format!(
                    "# Buckets\n\n**Date:** {date}\nAll times UTC.\n\n## Timeline\n\n\
                     - Dec 31 23:58 — buckets roll over early\n- Jan 1 00:14 — on-call paged\n"
                ),
                &crate::parse::ParseOptions::default(),
            );
            let got: Vec<_> = pm
                .timeline
                .iter()
                .filter_map(|e| e.time.map(|t| t.to_string()))
                .collect();
            assert_eq!(got, want, "dated {date}");
        }
    }

    #[test]
    fn is_note_agrees_with_a_lower_case_copy() {
        let pieces = [
            "All ",
            "TIMES",
            "times",
            "Time",
            "\u{130}",
            "\u{212a}",
            "in ",
            "are ",
            "(all ",
            "date",
            "D\u{e9}",
            "\u{2014} ",
            " ",
            "x",
            "\u{3000}",
            "\u{a0}",
            "İN ",
        ];
        let mut seed = 99u64;
        for _ in 0..4000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 60) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            assert_eq!(is_note(&text), is_note_by_lower_case(&text), "{text:?}");
        }
    }

    #[test]
    fn has_spaced_dash_agrees_with_find_spaced_dash() {
        for text in [
            "",
            "-",
            " - ",
            "a - b",
            "a -b",
            "a- b",
            "on-call - paged",
            "2019-01-22 10:00 - 11:00",
            "a -- b",
            "a\u{2014} - x",
            "ends with -",
            "ends with - ",
        ] {
            assert_eq!(
                has_spaced_dash(text),
                find_spaced_dash(text, 0).is_some(),
                "{text:?}"
            );
        }
    }
}
