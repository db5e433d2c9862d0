//! When the incident started, ended and was detected.
//!
//! An explicit statement wins (`Start Time:`, `Duration: 10:00 AM - 11:30 AM EST on ...`,
//! `between 9:00 PM and 11:30 PM EST` in the summary); failing that, the timeline: its first
//! entry starts the incident, and the last entry that declares restoration (or else the last
//! entry) ends it.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::time::{self, DateOrder, Found};
use super::{inline, Doc, Line};
use crate::clock::Zone;
use crate::model::{Incident, SectionKind, TimelineEntry, Timestamp};

/// The date and zone that a document's undated, unzoned times belong to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// The incident's date, when the document states one.
    pub date: Option<NaiveDate>,
    /// The zone the document declares outside its timeline ("All times in UTC"), else the
    /// configured default: the zone of the times it states.
    pub zone: Option<Zone>,
    /// The zone a note inside the timeline declares ("Timeline (all times in PST)"): it
    /// applies to the timeline's entries only.
    pub timeline_zone: Option<Zone>,
    /// The order of the document's numeric dates, when one of them shows it.
    pub order: Option<DateOrder>,
}

/// Sections whose text may state when the incident happened.
fn states_times(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::Summary
            | SectionKind::Duration
            | SectionKind::Impact
            | SectionKind::Detection
            | SectionKind::Resolution
            | SectionKind::Other
    )
}

impl Context {
    pub(crate) fn read(
        lines: &[Line<'_>],
        doc: &Doc,
        front_matter_date: Option<NaiveDate>,
        default_zone: Option<Zone>,
    ) -> Context {
        let order = time::date_order(lines.iter().filter(|l| !l.skip).map(|l| l.body));
        let mut offset = None;
        let mut timeline_offset = None;
        let mut labelled_date = None;
        let mut first_date = None;
        // A date the text names (`Date:`, `Incident date:`, else the first full date in the
        // summary) wins over front matter's, which is often the day a post was published.
        let dates_wanted = true;
        for seg in &doc.segments {
            let timeline = seg.kind == SectionKind::Timeline;
            let stating = dates_wanted && !timeline && states_times(seg.kind);
            // Past the zone note and the labelled date (or any date, when one from front
            // matter wins), nothing more can change the context.
            if offset.is_some()
                && timeline_offset.is_some()
                && (!stating || labelled_date.is_some())
            {
                if !dates_wanted || labelled_date.is_some() {
                    break;
                }
                continue;
            }
            let bodies = seg.heading.iter().map(String::as_str).chain(
                lines[seg.lines.clone()]
                    .iter()
                    .filter(|l| !l.skip)
                    .map(|l| l.body),
            );
            for body in bodies {
                // Only lines with a digit or a zone note can say anything here: test the raw
                // bytes before reading them properly. (A zone note is measured without
                // markup: a link around the zone's name is long.)
                let zone_wanted = if timeline {
                    timeline_offset.is_none()
                } else {
                    offset.is_none()
                };
                let notes_zone = zone_wanted
                    && (starts_with_ascii_ci(body, "time (")
                        || starts_with_ascii_ci(body, "timeline (")
                        || notes_all_times(body));
                let date_label = stating
                    && labelled_date.is_none()
                    && (starts_with_ascii_ci(body, "incident date")
                        || starts_with_ascii_ci(body, "date")
                        || starts_with_ascii_ci(body, "**date")
                        || starts_with_ascii_ci(body, "- date"));
                // A date has a year of four digits, and plain text has no digit its source
                // lacks: a line with fewer than four states none.
                let wants_date =
                    stating && (date_label || first_date.is_none()) && has_digits(body, 4);
                if !notes_zone && !wants_date {
                    continue;
                }
                let text = inline::plain(body);
                if notes_zone && text.len() <= 120 {
                    let zone = time::named_zone(&text).or_else(|| {
                        time::Moments::new(&text)
                            .find(|m| m.stamp.time.is_none() && m.stamp.offset.is_some())
                            .and_then(|m| m.stamp.offset.map(Zone::Fixed))
                    });
                    if timeline {
                        timeline_offset = zone;
                    } else {
                        offset = zone;
                    }
                }
                if !wants_date {
                    continue;
                }
                if !time::may_hold_date(&text) {
                    continue;
                }
                let date = time::Moments::new(&text).find_map(|m| m.date_in(order));
                if labelled_date.is_none()
                    && (starts_with_ascii_ci(&text, "incident date")
                        || starts_with_ascii_ci(&text, "date:")
                        || starts_with_ascii_ci(&text, "date of incident"))
                {
                    labelled_date = date;
                }
                first_date = first_date.or(date);
            }
        }
        Context {
            date: labelled_date.or(first_date).or(front_matter_date),
            zone: offset.or(default_zone),
            timeline_zone: timeline_offset,
            order,
        }
    }

    /// Completes a moment with the document's date and zone.
    fn complete(&self, f: &Found, same_line_date: Option<NaiveDate>) -> Timestamp {
        let mut s = f.stamp;
        s.date = f.date_in(self.order);
        if s.date.is_none() {
            if let Some((m, d)) = f.month_day {
                let year = same_line_date
                    .or(self.date)
                    .map(|d| chrono::Datelike::year(&d));
                s.date = year.and_then(|y| NaiveDate::from_ymd_opt(y, m, d));
            } else if s.time.is_some() {
                s.date = same_line_date.or(self.date);
            }
        }
        if let (None, Some(t), Some(zone)) = (s.offset, s.time, f.named.or(self.zone)) {
            s.offset = Some(zone.offset_for(s.date, t));
        }
        s
    }
}

const STARTS: [&str; 10] = [
    "start time",
    "start:",
    "started",
    "start date",
    "incident start",
    "began",
    "outage start",
    "beginning",
    "date/time:",
    "date and time:",
];
const ENDS: [&str; 13] = [
    "end time",
    "end:",
    "ended",
    "end date",
    "incident end",
    "resolved at",
    "resolved:",
    "resolved on",
    "outage end",
    "recovery time",
    "resolution time",
    "time of resolution",
    "date/time of resolution",
];

/// What the document states outright about the incident's times (before the timeline).
#[derive(Debug, Default)]
pub(crate) struct Stated {
    start: Option<Timestamp>,
    /// The moment a `Date:` or `Time:` field gives with a clock time: the start when no
    /// start field, detection or timeline says.
    clock: Option<Timestamp>,
    end: Option<Timestamp>,
    duration: Option<i64>,
    /// A duration said in passing ([`duration_in_passing`]).
    passing_duration: Option<i64>,
    detected: Option<Timestamp>,
    /// In a document without a timeline, the moment a sentence says service came back ("On
    /// 26/04/2023 at 19:18 (UTC) ... functionality had resumed"): the end when nothing
    /// else states one.
    restored: Option<Timestamp>,
}

impl Context {
    /// Undated, unzoned timeline entries take the stated start's date and zone when the
    /// document declares none of its own ("9:00 PM: alert" under a summary that says
    /// "February 22, 2023 ... EST").
    pub(crate) fn adopt(&mut self, stated: &Stated) {
        // (A start without a day lends nothing: the timeline may date and zone it better.)
        if let Some(s) = stated.start.filter(|s| s.date.is_some()) {
            self.date = self.date.or(s.date);
            self.zone = self.zone.or(s.offset.map(Zone::Fixed));
        }
    }
}

/// Reads explicit statements: start and end labels, a time range in the summary, duration or
/// impact text, a stated duration, a "detected at" line.
pub(crate) fn stated(lines: &[Line<'_>], doc: &Doc, ctx: &Context) -> Stated {
    let mut st = Stated::default();
    let mut range: Option<(Timestamp, Timestamp)> = None;
    let mut budget = 80;
    for seg in &doc.segments {
        if budget == 0 {
            break;
        }
        if !states_times(seg.kind) && seg.heading_kind != SectionKind::Duration {
            continue;
        }
        let heading = seg.heading.iter().map(|h| Cow::Borrowed(h.as_str()));
        let body = Paragraphs {
            lines: &lines[seg.lines.clone()],
            pending: Default::default(),
        };
        for text in heading.chain(body) {
            // The statements stand near the top; a long document's later paragraphs are
            // narrative, and reading them all would cost more than it finds.
            budget -= 1;
            if budget == 0 {
                break;
            }
            // The label at the start (ASCII case-insensitive: every label is ASCII).
            let head = text.trim_start_matches(['-', '—', '*', ' ']);
            let labelled = |keys: &[&str]| keys.iter().any(|k| starts_with_ascii_ci(head, k));
            let wants_start = st.start.is_none() && labelled(&STARTS);
            let wants_end = st.end.is_none() && labelled(&ENDS);
            let wants_detected = st.detected.is_none() && labelled(&["detected"]);
            // `Date: 2023-04-24 19:32:57 (UTC)`, `Time: 5:13:57 UTC`: a date or time field
            // with a clock time tells when it happened, failing a start field.
            let wants_clock = st.clock.is_none() && labelled(&["date:", "time:"]);
            // A range stands in for stated ends only when neither is stated: once one is, no
            // range is looked for. Most paragraphs are ruled out without reading moments.
            let wants_range = range.is_none()
                && st.start.is_none()
                && st.end.is_none()
                && (time::may_hold_range(&text) || time::may_hold_dates(&text, 2));
            if wants_start || wants_end || wants_detected || wants_range || wants_clock {
                let ms = time::moments(&text);
                let day = ms.iter().find_map(|m| m.stamp.date);
                let first = ms
                    .iter()
                    .find(|f| f.stamp.time.is_some() || f.stamp.date.is_some());
                if wants_start {
                    st.start = first.map(|f| ctx.complete(f, day));
                }
                if wants_end {
                    st.end = first.map(|f| ctx.complete(f, day));
                }
                if wants_clock {
                    st.clock = first
                        .filter(|f| f.stamp.time.is_some())
                        .map(|f| ctx.complete(f, day));
                }
                if wants_detected {
                    st.detected = first
                        .filter(|f| f.stamp.time.is_some())
                        .map(|f| ctx.complete(f, day));
                }
                if wants_range {
                    if let Some((a, b)) = time::range_in(&text, &ms) {
                        let a_s = ctx.complete(&a, day);
                        let mut b_s = ctx.complete(&b, day);
                        // A date taken from context applies to both ends: move the end past
                        // midnight when its clock time is earlier.
                        if b.stamp.date.is_none() && a_s.date == b_s.date {
                            if let (Some(d), Some(ta), Some(tb)) = (b_s.date, a_s.time, b_s.time) {
                                if tb < ta {
                                    b_s.date = d.succ_opt();
                                }
                            }
                        }
                        range = Some((a_s, b_s));
                    }
                }
            }
            // "malicious code injection beginning around June 25, 2024": a start said in a
            // sentence of the summary.
            if st.start.is_none() && !wants_start && narrates(seg.kind) {
                st.start = start_in_sentence(&text).map(|f| ctx.complete(&f, f.stamp.date));
            }
            if st.duration.is_none() {
                let in_duration_section = seg.kind == SectionKind::Duration;
                st.duration = if in_duration_section {
                    time::duration_minutes(&text)
                } else {
                    stated_duration(&text)
                };
            }
            if st.duration.is_none() && st.passing_duration.is_none() {
                st.passing_duration = duration_in_passing(&text);
            }
        }
    }
    if st.start.is_none() && st.end.is_none() {
        if let Some((a, b)) = range {
            st.start = Some(a);
            st.end = Some(b);
        }
    }
    if st.end.is_none() && !doc.segments.iter().any(|s| s.kind == SectionKind::Timeline) {
        st.restored = restored_in_sentences(lines, doc, ctx);
    }
    st
}

/// Without a timeline, the sentences play its entries: the first paragraph outside one
/// that declares restoration and holds a day and a time tells when service came back.
fn restored_in_sentences(lines: &[Line<'_>], doc: &Doc, ctx: &Context) -> Option<Timestamp> {
    let paragraphs = doc.segments.iter().flat_map(|seg| Paragraphs {
        lines: &lines[seg.lines.clone()],
        pending: Default::default(),
    });
    paragraphs.take(80).find_map(|text| {
        if !declares_restoration(&text) {
            return None;
        }
        let f = time::Moments::new(&text).find(|f| f.stamp.time.is_some() && f.has_date())?;
        Some(ctx.complete(&f, None))
    })
}

impl Stated {
    /// Front matter's own fields for the incident's times (`incident_start: "2026-10-01
    /// 09:45 UTC"`) are the most explicit statement there is: they win over the text's.
    pub(crate) fn read_front_matter(&mut self, fm: &crate::model::FrontMatter, ctx: &Context) {
        let field = |keys: &[&str]| {
            keys.iter().find_map(|k| {
                let v = fm.extra.get(*k)?;
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let f = time::first_moment(&text)?;
                let day = f.stamp.date;
                Some(ctx.complete(&f, day))
            })
        };
        if let Some(t) = field(&["incident_start", "start", "started", "start_time", "began"]) {
            self.start = Some(t);
        }
        if let Some(t) = field(&["incident_end", "end", "ended", "end_time", "resolved_at"]) {
            self.end = Some(t);
        }
    }
}

/// Sections whose sentences tell the incident's story in brief: a start said in passing
/// there ("the outage began at ...") is the incident's.
fn narrates(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::Summary | SectionKind::Duration | SectionKind::Impact
    )
}

/// Words that, right before a moment, say something began then.
const START_WORDS: [&str; 5] = ["began", "begun", "beginning", "started", "starting"];

/// Words allowed between a start word and its moment ("started around 9:00", "began on").
const START_FILLERS: [&str; 8] = [
    "at",
    "on",
    "around",
    "about",
    "approximately",
    "roughly",
    "in",
    "~",
];

/// The moment right after a start word in `text` ("beginning around June 25, 2024"), or the
/// day and time a sentence opens with ("On March 5, 2025, at 7:29 UTC, the upgrade was
/// activated": a summary tells the story from its start).
fn start_in_sentence(text: &str) -> Option<Found> {
    let opening = text
        .strip_prefix("On ")
        .and_then(time::leading_found)
        .filter(|f| f.start == 0 && f.stamp.time.is_some() && f.has_date());
    if opening.is_some() {
        return opening;
    }
    let lower = text.to_ascii_lowercase();
    START_WORDS.iter().find_map(|word| {
        let at = lower.find(word)?;
        if lower[..at].ends_with(char::is_alphanumeric) {
            return None;
        }
        let mut rest = &text[at + word.len()..];
        loop {
            let t = rest.trim_start();
            let next = t.split_whitespace().next().unwrap_or("");
            match START_FILLERS.iter().find(|f| next.eq_ignore_ascii_case(f)) {
                Some(f) => rest = &t[f.len()..],
                None => {
                    rest = t.trim_start_matches('~');
                    break;
                }
            }
        }
        let f = time::leading_found(rest)?;
        (f.start == 0 && (f.stamp.time.is_some() || f.stamp.date.is_some())).then_some(f)
    })
}

/// A duration stated in a sentence: after "duration", "lasted" or "lasting".
fn stated_duration(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    ["duration", "lasted", "lasting"].iter().find_map(|word| {
        let at = lower.find(word)?;
        time::duration_minutes(&text[at + word.len()..])
    })
}

/// A duration said in passing, right after "for" ("stopped for around 45mins"): it may be
/// one part's ("R Hub was down for about 6 hours"), so a timeline's end wins over it.
fn duration_in_passing(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find("for ") {
        let at = from + p;
        from = at + 4;
        if lower[..at].ends_with(char::is_alphanumeric) {
            continue;
        }
        let mut rest = lower[from..].trim_start_matches(['~', ' ']);
        for hedge in [
            "about ",
            "around ",
            "approximately ",
            "roughly ",
            "nearly ",
            "over ",
        ] {
            rest = rest.strip_prefix(hedge).unwrap_or(rest);
        }
        let rest = rest.trim_start_matches(['~', ' ']);
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if let Some(minutes) = time::leading_duration_minutes(rest) {
            return Some(minutes);
        }
    }
    None
}

/// Completes the stated times from the timeline: its first entry starts the incident, the last
/// entry that declares restoration (or else the last entry) ends it. Without either, a stated
/// detection starts it, and failing that the incident's date (a day without a time).
pub(crate) fn finish(st: Stated, timeline: &[TimelineEntry], ctx: &Context) -> Incident {
    let Stated {
        mut start,
        clock,
        mut end,
        duration,
        passing_duration,
        mut detected,
        restored,
    } = st;
    let timed: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.time.is_some()).collect();
    // A stated time without a day ("merged between 2 AM and 2.30 AM PST", no date the text
    // completes) says less than a timeline whose entries have days: the timeline decides.
    if timed
        .iter()
        .any(|e| e.time.is_some_and(|t| t.date.is_some()))
    {
        let dated = |t: Option<Timestamp>| t.filter(|t| t.date.is_some());
        start = dated(start);
        end = dated(end);
    }
    // A `Date:` field's clock time comes after the timeline: it may be when a message was
    // sent ("Date: Tue, 1 Nov 2022 07:32:16 GMT"), not when the incident began.
    if start.is_none() {
        start = detected
            .or_else(|| timed.first().and_then(|e| e.time))
            .or(clock);
    }
    if start.is_none() {
        start = ctx.date.map(|d| Timestamp {
            date: Some(d),
            time: None,
            offset: None,
        });
    }
    // "Date/time: 2023-08-26 21:14 PDT, Duration: 15 hours 40 minutes": the end follows; a
    // day without a time and a duration shorter than a day end on that day.
    let start_plus = |minutes: Option<i64>| {
        let (s, minutes) = (start?, minutes?);
        match s.time {
            Some(_) => plus_minutes(s, minutes),
            None => (minutes < 24 * 60).then_some(s),
        }
    };
    end = end.or_else(|| start_plus(duration));
    if end.is_none() && !timed.is_empty() {
        let last = timed
            .iter()
            .rev()
            .find(|e| declares_restoration(&e.text))
            .or(timed.last());
        // One timed entry that declares nothing is when it began, not when it ended.
        end = last
            .filter(|e| timed.len() > 1 || declares_restoration(&e.text))
            .and_then(|e| e.time);
    }
    end = end.or(restored).or_else(|| start_plus(passing_duration));
    if detected.is_none() {
        detected = timeline
            .iter()
            .find(|e| e.time.is_some() && inline::find_ascii_ci(&e.text, 0, "detect").is_some())
            .and_then(|e| e.time);
    }
    let duration_minutes = match (&start, &end) {
        (Some(a), Some(b)) => a.minutes_until(b).filter(|m| *m >= 0),
        _ => None,
    }
    .or(duration)
    .or(passing_duration);
    let time_to_detect_minutes = match (&start, &detected) {
        (Some(a), Some(d)) => a.minutes_until(d).filter(|m| *m >= 0),
        _ => None,
    };
    Incident {
        start,
        end,
        duration_minutes,
        detected,
        time_to_detect_minutes,
    }
}

/// `t` moved on by `minutes`, when it has a date and a time (the offset kept).
fn plus_minutes(t: Timestamp, minutes: i64) -> Option<Timestamp> {
    let moved = t.date?.and_time(t.time?) + chrono::Duration::minutes(minutes);
    Some(Timestamp {
        date: Some(moved.date()),
        time: Some(moved.time()),
        offset: t.offset,
    })
}

fn starts_with_ascii_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Whether `body` says "all times" or "times in" (a zone note), in any ASCII case: one search
/// for "times", then a look at its neighbours (this runs on every line of a document).
fn notes_all_times(body: &str) -> bool {
    let b = body.as_bytes();
    let mut from = 0;
    while let Some(at) = inline::find_ascii_ci(body, from, "times") {
        let all_before = at >= 4 && b[at - 4..at].eq_ignore_ascii_case(b"all ");
        let in_after = b
            .get(at + 5..at + 8)
            .is_some_and(|w| w.eq_ignore_ascii_case(b" in"));
        if all_before || in_after {
            return true;
        }
        from = at + 5;
    }
    false
}

/// Whether `s` has at least `n` ASCII digits.
fn has_digits(s: &str, n: usize) -> bool {
    s.bytes().filter(u8::is_ascii_digit).take(n).count() >= n
}

/// A segment's text as paragraphs of plain text: wrapped lines joined; a list item, a label
/// line (`Start Time: ...`) or a blank line starts a new one. Only paragraphs with a digit
/// are given (without one a paragraph states no time, date or duration), one at a time, so
/// that a reader that stops early builds no more of them.
struct Paragraphs<'l, 'a> {
    lines: &'l [Line<'a>],
    /// The rest of a paragraph that `<br>` tags cut into lines of their own (`Date/time:
    /// ...<br> Duration: ...`: each is a label line).
    pending: std::collections::VecDeque<String>,
}

impl<'a> Iterator for Paragraphs<'_, 'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        if let Some(piece) = self.pending.pop_front() {
            return Some(Cow::Owned(piece));
        }
        loop {
            let start = self
                .lines
                .iter()
                .position(|l| !l.skip && !l.body.is_empty())?;
            let mut end = start + 1;
            while end < self.lines.len() && continues_paragraph(&self.lines[end]) {
                end += 1;
            }
            let para = &self.lines[start..end];
            self.lines = &self.lines[end..];
            // A header table row (`| **Detected** | 2021-03-05 23:27 |`) reads as the label
            // line it stands for.
            if let Some(cells) = para[0]
                .body
                .strip_prefix('|')
                .map(|r| r.trim_end_matches('|'))
            {
                let cells: Vec<String> = cells
                    .split('|')
                    .map(|c| inline::plain(c.trim()))
                    .filter(|c| !c.is_empty())
                    .collect();
                if cells.len() == 2 && cells[1].bytes().any(|b| b.is_ascii_digit()) {
                    return Some(Cow::Owned(format!("{}: {}", cells[0], cells[1])));
                }
                continue;
            }
            if !para
                .iter()
                .any(|l| l.body.bytes().any(|b| b.is_ascii_digit()))
            {
                continue;
            }
            if para.iter().any(|l| l.body.contains("<br")) {
                let joined: Vec<&str> = para.iter().map(|l| l.body).collect();
                let joined = joined.join(" ");
                let mut pieces = joined
                    .split("<br>")
                    .flat_map(|p| p.split("<br/>"))
                    .flat_map(|p| p.split("<br />"))
                    .map(|p| inline::plain(p.trim()))
                    .filter(|p| !p.is_empty());
                let first = pieces.next();
                self.pending.extend(pieces);
                match first {
                    Some(first) => return Some(Cow::Owned(first)),
                    None => continue,
                }
            }
            if para.len() == 1 {
                return Some(inline::plain_cow(para[0].body));
            }
            let mut joined = String::with_capacity(para.iter().map(|l| l.body.len() + 1).sum());
            for (k, l) in para.iter().enumerate() {
                if k > 0 {
                    joined.push(' ');
                }
                joined.push_str(l.body);
            }
            // Most joined text has no markup: then it is its own plain text, kept without a
            // copy (removing markup that is not there only trims the end).
            let kept = match inline::plain_cow(&joined) {
                Cow::Borrowed(same) => same.len(),
                Cow::Owned(plain) => return Some(Cow::Owned(plain)),
            };
            joined.truncate(kept);
            return Some(Cow::Owned(joined));
        }
    }
}

/// Whether a line right after a paragraph's line continues it: not blank, not skipped, not a
/// list item, not a label line.
fn continues_paragraph(l: &Line<'_>) -> bool {
    if l.skip || l.body.is_empty() || l.body.starts_with('|') {
        return false;
    }
    let (marker, _, _) = super::blocks::marker(l.body);
    if marker != super::blocks::Marker::None {
        return false;
    }
    let head = match l.body.char_indices().nth(60) {
        Some((i, _)) => &l.body[..i],
        None => l.body,
    };
    // (A `<br>` before the colon: the line goes on a field cut off by line wrapping.)
    let is_label = head.split_once(':').is_some_and(|(k, _)| {
        inline::words_up_to(k, 5) <= 4
            && !k.ends_with(|c: char| c.is_ascii_digit())
            && !k.contains("<br")
    });
    !is_label
}

/// Whether an entry says service came back: one of [`RESTORATION`]'s phrases, not hedged by
/// the word before it ("almost recovered", "not resolved").
fn declares_restoration(text: &str) -> bool {
    // The phrases are ASCII: compared in place, ignoring ASCII case, without a lower-case
    // copy of every entry.
    let b = text.as_bytes();
    RESTORATION.iter().any(|phrase| {
        let p = phrase.as_bytes();
        b.windows(p.len()).enumerate().any(|(at, w)| {
            (w[0] | 0x20) == p[0] && w.eq_ignore_ascii_case(p) && {
                let head = &text[..at];
                let whole_word = !head.ends_with(char::is_alphanumeric);
                let before = head.split_whitespace().next_back().unwrap_or("");
                whole_word && !HEDGES.iter().any(|h| h.eq_ignore_ascii_case(before))
            }
        })
    })
}

/// Phrases that say service came back (as whole words: "unresolved" is not one).
const RESTORATION: [&str; 25] = [
    "restored",
    "fix deployed",
    "resolved",
    "resolution",
    "recovered",
    "back up",
    "back online",
    "fully functional",
    "back to normal",
    "returned to normal",
    "outage ends",
    "ended",
    "terminated",
    "mitigated",
    "working again",
    "is confirmed to be functional",
    "no further action",
    "closed",
    "is fixed",
    "are fixed",
    "was fixed",
    "were fixed",
    "verified fixed",
    "confirmed fixed",
    "resumed",
];

/// Words that, right before a phrase of [`RESTORATION`], say it has not happened yet.
const HEDGES: [&str; 7] = [
    "almost",
    "nearly",
    "partially",
    "partly",
    "mostly",
    "not",
    "never",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn times(text: &str) -> (String, String) {
        let pm = crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default());
        let s = |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
        (s(pm.incident.start), s(pm.incident.end))
    }

    #[test]
    fn header_fields_win_over_the_timeline() {
        // A header table's Detected/Resolved rows, before a timeline that starts earlier.
        let (start, end) = times(
            "| | Outage |\n|---|---|\n| **Detected** | 2021-03-05 23:27 |\n\
             | **Resolved** | 2021-03-06 03:34 |\n\n## Timeline\n\n\
             - 2021-03-05 10:40 deploy\n- 2021-03-06 07:03 review\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2021-03-05T23:27:00", "2021-03-06T03:34:00")
        );
    }

    #[test]
    fn front_matter_times_win_and_its_date_yields_to_the_texts() {
        let (start, end) = times(
            "---\ndate: \"2026-10-02\"\nincident_start: \"2026-10-01 09:45 UTC\"\n\
             incident_end: \"2026-10-02 07:07 UTC\"\n---\n# TLS loss\n\n## Timeline\n\n\
             - 09:50 alert\n- 07:10 fixed\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2026-10-01T09:45:00Z", "2026-10-02T07:07:00Z")
        );
        // The publication date is not the incident's when the text labels another.
        let (start, _) = times(
            "---\ndate: 2024-02-23\n---\n# Ceremony\n\nDate: 2024-02-21\n\n\
             ## Timeline\n\n- 14:00 UTC ceremony started\n- 15:00 UTC restored\n",
        );
        assert_eq!(start, "2024-02-21T14:00:00Z");
    }

    #[test]
    fn a_regional_zone_name_follows_daylight_saving() {
        let (start, end) = times(
            "# Retro\n\n## Timeline\n\nNote: all times are in [Pacific Time](https://example.com)\n\n\
             July 21, 2021\n\n- 3:39 AM: block mined\n- 9:00 AM: resolved\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2021-07-21T03:39:00-07:00", "2021-07-21T09:00:00-07:00")
        );
    }

    #[test]
    fn a_stated_start_and_duration_give_the_end() {
        let (start, end) = times(
            "Status: final<br> Owners: @a\n\n## Summary\n\nDescription: the site was down.<br>\
             Date/time: 2023-08-26 21:14\nPDT<br> Duration: 15 hours 40 minutes<br> Impact: all\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-08-26T21:14:00-07:00", "2023-08-27T12:54:00-07:00")
        );
        // "17:30 PM" is 17:30.
        let (start, end) =
            times("* Date: May 28 2025, 11:30 AM UTC - May 29 2025, ~17:30 PM UTC\n");
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-05-28T11:30:00Z", "2025-05-29T17:30:00Z")
        );
    }

    #[test]
    fn a_date_or_time_field_with_a_clock_time_starts_the_incident() {
        let (start, _) = times(
            "# Chain halt\n\n| &nbsp; | &nbsp; |\n|---|---|\n| Incident | Chain halt |\n\
             | Date | 2023-04-24 19:32:57.448021073 (UTC) |\n\nOn 2023-04-24 the chain halted.\n",
        );
        assert_eq!(start, "2023-04-24T19:32:57Z");
        let (start, _) = times(
            "## REPORT: reward failure\n\n## Date: 12th March 2023\n\n## Time: 5:13:57 UTC\n\n\
             ### Introduction:\n\nRewards were zero.\n",
        );
        assert_eq!(start, "2023-03-12T05:13:57Z");
    }

    #[test]
    fn a_duration_stated_in_the_summary_wins_over_the_timeline() {
        let (start, end) = times(
            "## Summary\n\nThe outage lasted 45 minutes.\n\n## Timeline\n\n\
             - 2023-09-20 10:00 UTC: alert\n- 2023-09-20 12:00 UTC: postmortem meeting\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-09-20T10:00:00Z", "2023-09-20T10:45:00Z")
        );
    }

    #[test]
    fn a_day_and_a_short_duration_end_on_that_day() {
        let (start, end) = times(
            "# Testnet outage\n\nOn 2024-02-21, we aborted the ceremony. The outage lasted \
             about 45 minutes in total.\n",
        );
        assert_eq!((start.as_str(), end.as_str()), ("2024-02-21", "2024-02-21"));
    }

    #[test]
    fn a_document_with_a_date_and_no_times_starts_on_that_day() {
        let (start, end) = times("# Incident disclosure - 2023-12-11\n\nFunds were at risk.\n");
        assert_eq!((start.as_str(), end.as_str()), ("2023-12-11", ""));
    }

    fn entry_times(text: &str) -> Vec<String> {
        let pm = crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default());
        pm.timeline
            .iter()
            .map(|e| e.time.map(|t| t.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn times_as_operations_teams_write_them() {
        assert_eq!(
            entry_times(
                "## Timeline\n\n### 2023-09-20\n\n- 1506 UTC: alert\n- 0930Z: page\n\
                 - 14:32 UTC+2: mitigated\n- 10:00 GST: confirmed\n- Feb 9 1924 UTC: deploy\n"
            ),
            [
                "2023-09-20T15:06:00Z",
                "2023-09-20T09:30:00Z",
                "2023-09-20T14:32:00+02:00",
                "2023-09-20T10:00:00+04:00",
                "2023-02-09T19:24:00Z",
            ]
        );
    }

    #[test]
    fn almost_recovered_is_not_recovery_and_a_stated_duration_wins() {
        let (start, end) = times(
            "## Timeline\n\n- 2023-09-20 10:00 UTC: alert\n- 2023-09-20 10:40 UTC: service restored\n\
             - 2023-09-20 11:00 UTC: service almost recovered, still degraded\n\
             - 2023-09-20 11:30 UTC: postmortem scheduled\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-09-20T10:00:00Z", "2023-09-20T10:40:00Z")
        );
        let (start, end) = times(
            "Start: 2023-09-20 09:00 UTC\nEnd: 2023-09-20 09:45 UTC\nDetected: 2023-09-20 09:10 UTC\n\n\
             ## Timeline\n\n- 2023-09-20 08:00 UTC: deploy\n- 2023-09-20 12:00 UTC: review\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-09-20T09:00:00Z", "2023-09-20T09:45:00Z")
        );
    }

    #[test]
    fn a_document_that_shows_its_date_order_settles_its_other_numeric_dates() {
        // `29-09-2021` can only be day first: `06-10-2021` is then the 6th of October.
        let (start, end) = times(
            "## Timeline\n\n### 29-09-2021 (All times CEST)\n\n- 15:46 config change\n\n\
             ### 06-10-2021 (All times CEST)\n\n- 14:36 outage mitigated\n- 15:36 new VM\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2021-09-29T15:46:00+02:00", "2021-10-06T14:36:00+02:00")
        );
        // Without a date that shows the order, `06-10-2021` stays unread.
        let (start, _) = times("## Timeline\n\n- 06-10-2021 14:36 outage mitigated\n");
        assert_eq!(start, "14:36:00");
        // Month first, shown by `09/25/2020`.
        let (start, _) = times("Date: 09/25/2020\n\n## Timeline\n\n- 10/02/2020 10:00 alert\n");
        assert_eq!(start, "2020-10-02T10:00:00");
    }

    #[test]
    fn four_digits_after_a_date_are_its_time() {
        assert_eq!(
            entry_times("## Timeline\n\n- 2022-01-08 2233 ::::: node stops\n- 2022-01-08 @ 08:02 AM: paged\n"),
            ["2022-01-08T22:33:00", "2022-01-08T08:02:00"]
        );
        // A count after a date is not a time.
        assert_eq!(
            entry_times("## Timeline\n\n- 2022-01-08 2000 requests failed\n"),
            ["2022-01-08"]
        );
    }

    #[test]
    fn a_range_of_days_in_the_impact_is_the_incident() {
        let (start, end) = times(
            "# Outage\n\n**Impact**: Full outage from April 10th, 2026 (PT) to April 14th, \
             2026 (PT) for all users.\n",
        );
        assert_eq!((start.as_str(), end.as_str()), ("2026-04-10", "2026-04-14"));
    }

    #[test]
    fn a_duration_said_in_a_sentence_ends_the_day() {
        let (start, end) = times(
            "On 2024-02-21, we aborted the ceremony. The networks stopped for around 45mins \
             in total.\n\n## Details\n\nThree teams worked for 2 days on it.\n",
        );
        assert_eq!((start.as_str(), end.as_str()), ("2024-02-21", "2024-02-21"));
        // "for 3 teams" is no duration.
        let pm = crate::parse::parse(
            "t.md",
            "## Summary\n\nDown for 3 teams, the outage lasted 2 hours.\n",
            &crate::parse::ParseOptions::default(),
        );
        assert_eq!(pm.incident.duration_minutes, Some(120));
    }

    #[test]
    fn a_dated_timeline_wins_over_undated_stated_times() {
        // ET names a region, not an offset: its times stay local.
        let (start, end) = times(
            "# Check-in outage\n\n# Impact\n\nNobody could check in from ~8:00-11:00 AM ET.\n\n\
             # Event Timeline\n\n- 2023-08-15 @ 08:02 AM ET: errors detected\n\
             - 2023-08-15 @ 11:00 AM ET: issue verified fixed\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-08-15T08:02:00", "2023-08-15T11:00:00")
        );
    }

    #[test]
    fn a_resolution_time_field_ends_the_incident() {
        let (_, end) = times(
            "# Map not rendering\n\n## Resolution\n\n_Date/time of resolution_ Approximately \
             11 AM ET on September 25, 2020.\n",
        );
        assert_eq!(end, "2020-09-25T11:00:00");
    }

    #[test]
    fn a_zone_note_inside_the_timeline_is_the_timelines_only() {
        let (start, end) = times(
            "# Builds failing\n\n- **Duration:** 6:29pm to 11:05pm\n- **Date:** 2025-07-17\n\n\
             ## Timeline\n\n_All times in Pacific Time (PT)_\n\n- **6:23pm**: change made\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-07-17T18:29:00", "2025-07-17T23:05:00")
        );
        assert_eq!(
            entry_times(
                "# Builds failing\n\n## Timeline\n\n_All times in Pacific Time (PT)_\n\n\
             July 17, 2025\n\n- **6:23pm**: change made\n"
            ),
            ["2025-07-17T18:23:00-07:00"]
        );
    }

    #[test]
    fn a_summary_that_opens_with_a_day_and_time_opens_with_the_start() {
        let (start, _) = times(
            "Date: Mar 12, 2025, 18:00 UTC\n\n## Incident overview\n\nOn March 5, 2025, at 7:29 \
             UTC (epoch 222464), the upgrade was activated.\n\n## Response\n\n\
             ### Issue identified (7:30 - 10:30 UTC)\n\nText.\n",
        );
        assert_eq!(start, "2025-03-05T07:29:00Z");
        // A start said in passing in the summary.
        let (start, _) = times(
            "## Summary\n\nThe domain was compromised, with injection beginning around June 25, \
             2024.\n\n## Timeline\n\n- June 23, 2024 - deployment\n",
        );
        assert_eq!(start, "2024-06-25");
    }

    #[test]
    fn without_a_timeline_a_sentence_that_says_service_resumed_ends_it() {
        let (start, end) = times(
            "# Chain halt\n\n| Date | 2023-04-24 19:32:57 (UTC) |\n|---|---|\n\n\
             ## Remediation Measures\n\nOn 26/04/2023 at 19:18 (UTC), a message was posted to \
             say the testnet functionality had resumed.\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2023-04-24T19:32:57Z", "2023-04-26T19:18:00Z")
        );
    }

    #[test]
    fn a_day_until_four_digits_states_the_end() {
        let (start, end) = times(
            "## Summary\n\nFrom sometime early March 20 2017 till about 1300, new servers were \
             stuck.\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2017-03-20", "2017-03-20T13:00:00")
        );
    }

    #[test]
    fn a_timeline_heading_with_a_time_is_one_event() {
        let pm = crate::parse::parse(
            "t.md",
            "# 2017-03-20 - Outage\n\n## Timeline ##\n\n### March 18, 16:30 ##\n\nRAM reduced.\n\n\
             Life seems fine.\n\n### {{ 12:53 }}\n\nPods stuck.\n\n---\n\n\
             ### 10:07-10:29 AM: Coordination\n\n- 10:07: call starts\n- 10:29: call ends\n",
            &crate::parse::ParseOptions::default(),
        );
        let got: Vec<(String, &str, usize)> = pm
            .timeline
            .iter()
            .map(|e| {
                (
                    e.time.map(|t| t.to_string()).unwrap_or_default(),
                    e.text.as_str(),
                    e.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2017-03-18T16:30:00".to_string(), "RAM reduced.", 5),
                ("2017-03-20T12:53:00".to_string(), "Pods stuck.", 11),
                ("2017-03-20T10:07:00".to_string(), "call starts", 19),
                ("2017-03-20T10:29:00".to_string(), "call ends", 20),
            ]
        );
    }

    #[test]
    fn a_day_heading_dates_the_timeline_headings_after_it() {
        assert_eq!(
            entry_times(
                "Date: Mar 12, 2025\n\n## Timeline\n\n### March 5, 2025: Sepolia timeline\n\n\
                 Intro.\n\n### ~9:43 AM: Identifying\n\n- 9:44: report\n\n\
                 ### March 6, 2025\n\n- 10:00: review\n"
            ),
            ["", "2025-03-05T09:44:00", "2025-03-06T10:00:00"]
        );
    }

    #[test]
    fn a_day_and_range_heading_starts_a_timeline_of_time_headings() {
        // The summary's undated range loses to the dated timeline; "for about 6 hours" in
        // passing loses to the timeline's end; "PM" written once covers the range's start.
        let (start, end) = times(
            "# Summary\n\nPRs were merged between 2 AM and 2.30 AM PST on 1/20.\n\n\
             - R Hub was not accessible for about 6 hours.\n\n## Timeline\n\n\
             ### {{ 2022-01-20 Between 02:00 and 02.30 PM }}\nPRs merged.\n\n\
             ### {{ 07:45 }}\n\nA fix broke another hub.\n\n\
             ### {{ 12:33 }}\nUsers reported that the error was fixed\n\n### {{ 12:40 }}\nNotes.\n",
        );
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2022-01-20T14:00:00", "2022-01-20T12:33:00")
        );
    }

    #[test]
    fn zone_notes_are_found_in_any_case() {
        for (s, want) in [
            ("All times in UTC", true),
            ("note: ALL TIMES are PST", true),
            ("Times in CEST", true),
            ("(times in EAT)", true),
            ("times", false),
            ("sometimes it failed", false),
            ("many times over", false),
            ("", false),
        ] {
            assert_eq!(notes_all_times(s), want, "{s:?}");
        }
    }

    #[test]
    fn restoration_is_declared_outright() {
        for (s, want) in [
            ("Service RESTORED at 10:00", true),
            ("all systems back online", true),
            ("we closed it", true),
            ("22:48 UTC: Fix deployed on production", true),
            ("sheriffs verify retriggers are fixed", true),
            ("Issue verified fixed in production", true),
            ("testnet functionality had resumed", true),
            ("it had already been fixed in #14714", false),
            ("the service almost recovered", false),
            ("service not restored yet", false),
            ("partially mitigated, still degraded", false),
            ("unresolved", false),
            ("extended outage", false),
            ("", false),
        ] {
            assert_eq!(declares_restoration(s), want, "{s:?}");
        }
    }
}
