//! When the incident started, ended and was detected.
//!
//! An explicit statement wins (`Start Time:`, `Duration: 10:00 AM - 11:30 AM EST on ...`,
//! `between 9:00 PM and 11:30 PM EST` in the summary); failing that, the timeline: its first
//! entry starts the incident, and the last entry that declares restoration (or else the last
//! entry) ends it.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use memchr::memmem;

use chrono::{Datelike, NaiveDate};

use super::inline::{self, starts_with_ascii_ci};
use super::time::{self, DateOrder, Found};
use super::{count_digits, vocab, Doc, Line};
use crate::clock::Zone;
use crate::model::{Incident, SectionKind, TimelineEntry, Timestamp};

/// The date and zone that a document's undated, unzoned times belong to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context<'a> {
    /// The incident's date, when the document states one.
    pub date: Option<NaiveDate>,
    /// The zone the document declares outside its timeline ("All times in UTC"), else the
    /// configured default: the zone of the times it states.
    pub zone: Option<Zone>,
    /// The zone a note inside the timeline declares ("Timeline (all times in PST)"): it
    /// applies to the timeline's entries only.
    pub timeline_zone: Option<Zone>,
    /// Whether the date is one a field labels (`Date:`, `Incident date:`), not the first the
    /// text happens to name (a byline's, "By the team · March 24, 2025").
    date_labelled: bool,
    /// The time of the timeline's entry before a section of it that names no day of its own
    /// (`**Next day**` over `00:10`): its entries go on from there, past midnight too.
    pub last_time: Option<chrono::NaiveTime>,
    /// The document's lines, where [`Context::order`] looks for the order of its dates.
    lines: &'a [Line<'a>],
    /// The order, once read.
    order: OnceCell<Option<DateOrder>>,
}

/// What may stand before a field's key on its line: a bullet (`- Date:`, `• Date:` with a tab) or
/// bold.
const FIELD_BULLETS: [char; 5] = ['-', '*', '•', ' ', '\t'];

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

impl<'a> Context<'a> {
    /// The order of the document's numeric dates, when one of them shows it. It is read the
    /// first time a date of unknown order (`03-10-2021`) asks for it: most documents write
    /// none, and reading the numbers of every line for it would cost more than their dates.
    pub(crate) fn order(&self) -> Option<DateOrder> {
        *self.order.get_or_init(|| {
            // A numeric date (`1-2-2023`) has six digits or more.
            time::date_order(
                self.lines
                    .iter()
                    .filter(|l| !l.skip && l.digits >= 6)
                    .map(|l| l.body),
            )
        })
    }

    /// The same context on another day (under a timeline's day heading).
    pub(crate) fn on_day(&self, date: NaiveDate) -> Self {
        Context {
            date: Some(date),
            ..self.clone()
        }
    }

    /// The same context going on from the timeline's entry at `t` (its day and time).
    pub(crate) fn after(&self, t: Timestamp) -> Self {
        Context {
            date: t.date,
            last_time: t.time,
            ..self.clone()
        }
    }

    /// Reads the context of `text`, whose lines are `lines` and sections `doc`.
    pub(crate) fn read(
        text: &str,
        lines: &'a [Line<'a>],
        doc: &Doc,
        front_matter_date: Option<NaiveDate>,
        default_zone: Option<Zone>,
    ) -> Context<'a> {
        let mut ctx = Context {
            lines,
            ..Context::default()
        };
        // A zone note says "all times" or "times in". One search of the whole text finds every
        // note a line holds (each line is a slice of the text). Headings are read as plain
        // text, where markup no longer stands between the words: each is searched on its
        // own, when the text says "times" at all.
        let (said, notes) = zone_notes(text);
        let line_notes = |body: &str| {
            let from = (body.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
            notes
                .iter()
                .any(|at| (from..from + body.len()).contains(at))
        };
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
            let heading = seg.heading.as_deref().map(|h| (h, count_digits(h), true));
            let body_lines = lines[seg.lines.clone()]
                .iter()
                .filter(|l| !l.skip)
                .map(|l| (l.body, l.digits, false));
            for (body, digits, is_heading) in heading.into_iter().chain(body_lines) {
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
                        || if is_heading {
                            said && notes_all_times(body)
                        } else {
                            line_notes(body)
                        }
                        || zone_field(body));
                let date_label = || {
                    // (Also on a bullet: `- Date:`, `•	Date:` in a plain-text report.)
                    let body = body.trim_start_matches(FIELD_BULLETS);
                    labelled_date.is_none()
                        && (starts_with_ascii_ci(body, "incident date")
                            || starts_with_ascii_ci(body, "date"))
                };
                // A date has a year of four digits, and plain text has no digit its source
                // lacks: a line with fewer than four states none.
                // (A `Date:` line counts wherever it stands, also at a timeline's end.)
                let wants_date = digits >= 4
                    && ((stating && (first_date.is_none() || date_label()))
                        || (timeline && date_label()));
                if !notes_zone && !wants_date {
                    continue;
                }
                let text = inline::plain_cow(body);
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
                let date = time::Moments::new(&text).find_map(|m| m.date_in(|| ctx.order()));
                let field = text.trim_start_matches(FIELD_BULLETS);
                if labelled_date.is_none()
                    && (starts_with_ascii_ci(field, "incident date")
                        || starts_with_ascii_ci(field, "date:")
                        || starts_with_ascii_ci(field, "date of incident"))
                {
                    labelled_date = date;
                }
                // (A post's own date, `Last updated: ...`, `Posted Monday, ...`, is not the
                // incident's.)
                if !vocab::is_publication_line(field) {
                    first_date = first_date.or(date);
                }
            }
        }
        ctx.date_labelled = labelled_date.is_some();
        ctx.date = labelled_date.or(first_date).or(front_matter_date);
        ctx.zone = offset.or(default_zone);
        ctx.timeline_zone = timeline_offset;
        ctx
    }

    /// Completes a moment with the document's date and zone.
    fn complete(&self, f: &Found, same_line_date: Option<NaiveDate>) -> Timestamp {
        let mut s = f.stamp;
        s.date = f.date_in(|| self.order());
        if s.date.is_none() {
            if let Some((m, d)) = f.month_day {
                s.date = same_line_date
                    .or(self.date)
                    .and_then(|near| time::nearest_with_year(m, d, near));
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

/// The keys of fields that state the incident's start and end, as the text opens with them
/// (also the questions of an incident template's table: "When did the incident start?").
/// Incident-report templates and status-page write-ups name them "Start of impact", "First
/// impact", "Incident began", "Downtime start", often as rows of a header table.
const STARTS: [&str; 20] = [
    "start time",
    "start:",
    "started",
    "start date",
    "incident start",
    "began",
    "outage start",
    "impact start",
    "beginning",
    "date/time:",
    "date and time:",
    "when did the incident start",
    "start of impact",
    "start of outage",
    "time of incident",
    "first impact",
    "incident began",
    "outage began",
    "issue start",
    "downtime start",
];
const ENDS: [&str; 20] = [
    "end time",
    "end:",
    "ended",
    "end date",
    "incident end",
    "resolved at",
    "resolved:",
    "resolved on",
    "outage end",
    "impact end",
    "recovery time",
    "resolution time",
    "time of resolution",
    "date/time of resolution",
    "when was the incident resolved",
    "end of impact",
    "end of outage",
    "issue end",
    "downtime end",
    "incident resolved:",
];

/// Where a field with one of `keys` starts after the first in `text`: after a sentence's end
/// or a separator (`. End:`, `, End time:`, `| End:`).
fn field_after(text: &str, keys: &[&str]) -> Option<usize> {
    keys.iter().find_map(|key| {
        let mut from = 1;
        while let Some(at) = inline::find_ascii_ci(text, from, key) {
            let before = text[..at].trim_end();
            if before.len() < at
                && before.ends_with(['.', ',', ';', '|', '-', '\u{2013}', '\u{2014}'])
            {
                return Some(at);
            }
            from = at + 1;
        }
        None
    })
}

/// Which end of the incident a field's label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Start,
    End,
}

/// Words that, in a field's label, say it gives when the incident started ("Onset:",
/// "Degradation began:") or ended ("Service restored:", "Customer impact ended:").
const START_LABEL_WORDS: [&str; 6] = ["start", "started", "began", "begun", "onset", "occurred"];
const END_LABEL_WORDS: [&str; 6] = [
    "end",
    "ended",
    "restored",
    "resolved",
    "recovered",
    "recovery",
];

/// The end of the incident that the label of the field `head` opens with names by its words,
/// for labels [`STARTS`] and [`ENDS`] do not list: a label of at most four words before a
/// colon, with a word of one kind and none of the other. A label that says how long ("Time to
/// restore") or names another moment ("Detected", "Expected end") names neither.
fn label_says(head: &str) -> Option<Bound> {
    let (label, _) = head.split_once(':')?;
    if label.len() > 40 {
        return None;
    }
    let words: Vec<&str> = label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 4 {
        return None;
    }
    let has = |set: &[&str]| {
        words
            .iter()
            .any(|w| set.iter().any(|s| w.eq_ignore_ascii_case(s)))
    };
    if has(&[
        "to",
        "detected",
        "expected",
        "estimated",
        "duration",
        "next",
    ]) {
        return None;
    }
    match (has(&START_LABEL_WORDS), has(&END_LABEL_WORDS)) {
        (true, false) => Some(Bound::Start),
        (false, true) => Some(Bound::End),
        _ => None,
    }
}

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
    /// The end a sentence of the summary, impact or duration states ("Service was fully
    /// restored at 15:20 UTC"): stated, so it wins over the timeline's.
    said_end: Option<Timestamp>,
    /// A document without a timeline heading and without a stated end: the moment a sentence
    /// of any section says service came back ("On 26/04/2023 at 19:18 (UTC) ... functionality
    /// had resumed") ends the incident when no entry does ([`restored_in_sentences`]; beside
    /// a timeline heading only the story's sections are read).
    restored_wanted: bool,
}

impl Context<'_> {
    /// Undated, unzoned timeline entries take the stated start's date and zone when the
    /// document declares none of its own ("9:00 PM: alert" under a summary that says
    /// "February 22, 2023 ... EST").
    pub(crate) fn adopt(&mut self, stated: &Stated) {
        // (A start without a day lends nothing: the timeline may date and zone it better.)
        // (A stated start's day wins over the first the text names, which may be a byline's.)
        if let Some(s) = stated.start.filter(|s| s.date.is_some()) {
            self.date = if self.date_labelled {
                self.date.or(s.date)
            } else {
                s.date.or(self.date)
            };
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
    let has_timeline = doc.segments.iter().any(|s| s.kind == SectionKind::Timeline);
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
            // `Start (PST): ...`: the key is read without the zone noted after it (the value
            // takes that zone below).
            let unnoted = without_noted_zone(head);
            let head = unnoted.as_deref().unwrap_or(head);
            let labelled = |keys: &[&str]| keys.iter().any(|k| starts_with_ascii_ci(head, k));
            let by_words = label_says(head);
            let wants_start =
                st.start.is_none() && (labelled(&STARTS) || by_words == Some(Bound::Start));
            let wants_end = st.end.is_none() && (labelled(&ENDS) || by_words == Some(Bound::End));
            let wants_detected =
                st.detected.is_none() && labelled(&["detected", "when was the incident detected"]);
            // `Date: 2023-04-24 19:32:57 (UTC)`, `Time: 5:13:57 UTC`: a date or time field
            // with a clock time tells when it happened, failing a start field.
            let wants_clock = st.clock.is_none() && labelled(&["date:", "time:"]);
            // A range stands in for stated ends only when neither is stated: once one is, no
            // range is looked for. Most paragraphs are ruled out without reading moments.
            let wants_range = range.is_none()
                && st.start.is_none()
                && st.end.is_none()
                && time::may_hold_range(&text);
            if wants_start || wants_end || wants_detected || wants_range || wants_clock {
                let ms = time::moments(&text);
                let day = ms.iter().find_map(|m| m.stamp.date);
                let first = ms
                    .iter()
                    .find(|f| f.stamp.time.is_some() || f.stamp.date.is_some())
                    .map(|&f| {
                        // `Start time (UTC): 2025-03-03 14:02`: a zone noted in the label's
                        // brackets holds for a value written without one.
                        let unzoned = f.stamp.offset.is_none() && f.named.is_none();
                        let label = text.split_once(':').map(|(label, _)| label);
                        let named = label
                            .filter(|l| unzoned && l.contains('('))
                            .and_then(time::noted_zone);
                        Found {
                            named: f.named.or(named),
                            ..f
                        }
                    });
                let first = first.as_ref();
                if wants_start {
                    st.start = first.map(|f| ctx.complete(f, day));
                }
                if wants_end {
                    st.end = first.map(|f| ctx.complete(f, day));
                    // `End: 01:15 UTC (next day)`: an end written without its day, earlier on
                    // the clock than the start, is on the day after the start's.
                    if let (Some(f), Some(end), Some(start)) = (first, st.end.as_mut(), st.start) {
                        let earlier = end.date == start.date
                            && end.time.zip(start.time).is_some_and(|(e, s)| e < s);
                        if !f.has_date() && earlier {
                            end.date = end.date.and_then(|d| d.succ_opt());
                        }
                    }
                }
                // "Start: 10:00 UTC. End: 10:40 UTC": the end's field on the start's line.
                if wants_start && st.end.is_none() {
                    st.end = field_after(&text, &ENDS).and_then(|at| {
                        let f = time::moments(&text[at..])
                            .into_iter()
                            .find(|f| f.stamp.time.is_some() || f.stamp.date.is_some())?;
                        Some(ctx.complete(&f, f.stamp.date.or(day)))
                    });
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
                        let mut a_s = ctx.complete(&a, day);
                        let mut b_s = ctx.complete(&b, day);
                        // A start's day without its year takes the end's, or the year before
                        // over a new year ("December 30 – January 2, 2025").
                        if let (None, Some(sa), Some(sb)) = (a.stamp.date, a_s.date, b_s.date) {
                            if sa > sb {
                                a_s.date = sa.with_year(sa.year() - 1);
                            }
                        }
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
            // (Without a timeline, `restored_in_sentences` reads these sentences when needed.)
            if has_timeline && st.end.is_none() && st.said_end.is_none() && narrates(seg.kind) {
                st.said_end = restored_in(&text, ctx);
            }
            // "malicious code injection beginning around June 25, 2024": a start said in a
            // sentence of the summary; "the outage lasted 2 hours", "stopped for 45mins":
            // durations said in sentences. One walk over the words finds what each looks for.
            let wants_sentence_start = st.start.is_none() && !wants_start && narrates(seg.kind);
            let in_duration_section = seg.kind == SectionKind::Duration;
            if !wants_sentence_start && st.duration.is_some() {
                continue;
            }
            let wants_passing = st.duration.is_none() && st.passing_duration.is_none();
            let cues = Cues::read(&text, wants_passing);
            if wants_sentence_start {
                st.start = start_in_sentence(&text, &cues).map(|f| ctx.complete(&f, f.stamp.date));
            }
            if st.duration.is_none() {
                st.duration = if in_duration_section {
                    time::duration_minutes(&text)
                } else {
                    cues.duration_words
                        .iter()
                        .find_map(|end| time::duration_minutes(&text[(*end)?..]))
                };
            }
            if st.duration.is_none() && st.passing_duration.is_none() {
                st.passing_duration = cues.passing;
            }
        }
    }
    if st.start.is_none() && st.end.is_none() {
        if let Some((a, b)) = range {
            st.start = Some(a);
            st.end = Some(b);
        }
    }
    st.restored_wanted = st.end.is_none() && !has_timeline;
    st
}

/// The sentences that tell when service came back, where the timeline does not: the first
/// paragraph outside a timeline that declares restoration, with a time in the sentence that
/// does and a day. Without a timeline every section is read (`everywhere`); beside one whose
/// entries say nothing of restoration, the sections that tell the story (summary, impact,
/// duration, resolution).
pub(crate) fn restored_in_sentences(
    lines: &[Line<'_>],
    doc: &Doc,
    ctx: &Context,
    everywhere: bool,
) -> Option<Timestamp> {
    // (A timeline's own entries were read as entries, and none of them said so.)
    let told = doc.segments.iter().filter(|s| {
        s.kind != SectionKind::Timeline
            && (everywhere || narrates(s.kind) || s.kind == SectionKind::Resolution)
    });
    let paragraphs = told.flat_map(|seg| Paragraphs {
        lines: &lines[seg.lines.clone()],
        pending: Default::default(),
    });
    paragraphs.take(80).find_map(|text| restored_in(&text, ctx))
}

/// The moment paragraph `text` says service came back, in the sentence that declares it:
/// that sentence's last time ("At 15:10 we restored the routes and traffic recovered by
/// 15:18"), on its own day or the paragraph's; none without a day.
fn restored_in(text: &str, ctx: &Context) -> Option<Timestamp> {
    let at = restoration_at(text)?;
    let (from, to) = sentence_around(text, at);
    let ms = time::moments(text);
    let day = ms.iter().find_map(|m| m.stamp.date);
    let mut f = *ms
        .iter()
        .rfind(|m| m.start >= from && m.end <= to && m.stamp.time.is_some())?;
    // A zone written once in the paragraph holds for its other times.
    f.stamp.offset = f.stamp.offset.or(ms.iter().find_map(|m| m.stamp.offset));
    (f.has_date() || day.is_some()).then(|| ctx.complete(&f, day))
}

/// A label's text without the zone in brackets that closes it, `Start (PST): 10:00` →
/// `Start: 10:00`; `None` when the label ends in no bracket or the bracket holds more than a
/// zone's name (`Date and time (in UTC)` describes some other moment as often as not).
fn without_noted_zone(text: &str) -> Option<String> {
    let colon = text.find(':')?;
    let key = text[..colon].trim_end();
    let inner = key.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let zone = &inner[open + 1..];
    (time::zone_offset(zone).is_some() || time::named_zone(zone).is_some()).then_some(())?;
    Some(format!("{}{}", key[..open].trim_end(), &text[colon..]))
}

/// The bounds of the sentence of `text` that holds byte `at`: from after the end of the
/// sentence before (`. `, `! `, `? `) to the end of its own.
fn sentence_around(text: &str, at: usize) -> (usize, usize) {
    let ends = [". ", "! ", "? "];
    let from = ends
        .iter()
        .filter_map(|e| text[..at].rfind(e).map(|i| i + e.len()))
        .max()
        .unwrap_or(0);
    let to = ends
        .iter()
        .filter_map(|e| text[at..].find(e).map(|i| at + i + 1))
        .min()
        .unwrap_or(text.len());
    (from, to)
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
        if let Some(t) = field(&[
            "incident_start",
            "start",
            "started",
            "started_at",
            "start_time",
            "began",
        ]) {
            self.start = Some(t);
        }
        if let Some(t) = field(&[
            "incident_end",
            "end",
            "ended",
            "ended_at",
            "end_time",
            "resolved_at",
        ]) {
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

/// Words after which a sentence states the incident's duration ("the outage lasted 2 hours",
/// "Duration: 90 minutes", "total downtime was 47 minutes"; not "downtime" alone: "an
/// 18-minute downtime", "SLA allows 40 mins of weekly downtime").
const DURATION_WORDS: [&str; 4] = ["duration", "lasted", "lasting", "total downtime"];

/// Words that may stand between "for" and a duration said in passing ("for about 6 hours").
const PASSING_HEDGES: [&str; 6] = [
    "about",
    "around",
    "approximately",
    "roughly",
    "nearly",
    "over",
];

/// What a paragraph's words say about the incident's times, found in one search for all
/// the words at once ([`CUE_WORDS`]).
#[derive(Default)]
struct Cues {
    /// Where each of [`START_WORDS`] first starts a word: the end of that word.
    start_words: [Option<usize>; START_WORDS.len()],
    /// Where each of [`DURATION_WORDS`] first starts a word: the end of that word.
    duration_words: [Option<usize>; DURATION_WORDS.len()],
    /// A duration said in passing, right after "for" ("stopped for around 45mins"): it may be
    /// one part's ("R Hub was down for about 6 hours"), so a timeline's end wins over it.
    passing: Option<i64>,
}

/// The words [`Cues`] looks for: [`START_WORDS`], then [`DURATION_WORDS`], then "for " (a
/// duration said in passing).
fn cue_words() -> impl Iterator<Item = &'static str> {
    START_WORDS
        .into_iter()
        .chain(DURATION_WORDS)
        .chain(["for "])
}

/// [`cue_words`] in any ASCII case.
static CUE_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(cue_words())
        .expect("a few short words make an automaton")
});

impl Cues {
    /// Reads `text`'s cues; the duration after "for" only when `passing_wanted`.
    fn read(text: &str, passing_wanted: bool) -> Cues {
        let mut cues = Cues::default();
        // A time, a date and a duration all have digits: a cue after the last digit says
        // nothing.
        let Some(last_digit) = text.bytes().rposition(|c| c.is_ascii_digit()) else {
            return cues;
        };
        let (starts, durations) = (START_WORDS.len(), DURATION_WORDS.len());
        // So the search stops at the last word that starts before that digit.
        let longest = cue_words().map(str::len).max().unwrap_or(0);
        let end = text.len().min(last_digit + longest);
        for (k, at) in opening_words(&CUE_WORDS, text, end).filter(|(_, at)| *at < last_digit) {
            if k < starts {
                cues.start_words[k].get_or_insert(at + START_WORDS[k].len());
            } else if k < starts + durations {
                cues.duration_words[k - starts]
                    .get_or_insert(at + DURATION_WORDS[k - starts].len());
            } else if passing_wanted && cues.passing.is_none() {
                cues.passing = duration_after_for(&text[at + "for ".len()..]);
            }
        }
        cues
    }
}

/// The moment right after a start word in `text` ("beginning around June 25, 2024"), or the
/// day and time a sentence opens with ("On March 5, 2025, at 7:29 UTC, the upgrade was
/// activated", "At 14:02 UTC on March 3, 2025, ...": a summary tells the story from its
/// start). Start words are tried in the
/// order of [`START_WORDS`], each where it first starts a word.
fn start_in_sentence(text: &str, cues: &Cues) -> Option<Found> {
    // (A weekday may name the day first: "On Monday, March 3, 2025, at 2:05 PM".)
    let opening = ["On ", "At "]
        .iter()
        .find_map(|o| text.strip_prefix(o))
        .map(time::without_weekday)
        .and_then(time::leading_found)
        .filter(|f| f.start == 0 && f.stamp.time.is_some() && f.has_date());
    if opening.is_some() {
        return opening;
    }
    cues.start_words.iter().find_map(|end| {
        let rest = &text[(*end)?..];
        moment_after_start_word(rest).or_else(|| {
            // "began failing at 14:05", "started to fail around 9:00": what began is said
            // in a word or two, in lower case, before the filler and the moment.
            let mut after = rest;
            for _ in 0..2 {
                let t = after.trim_start();
                let word = &t[..t.find(' ')?];
                if !word.bytes().all(|c| c.is_ascii_lowercase()) {
                    return None;
                }
                after = &t[word.len()..];
                let next = after.split_whitespace().next().unwrap_or("");
                if START_FILLERS.iter().any(|f| next.eq_ignore_ascii_case(f)) {
                    return moment_after_start_word(after);
                }
            }
            None
        })
    })
}

/// The moment `rest`, the text after a start word, opens with after fillers ("on", "at
/// around"): a time or a date.
fn moment_after_start_word(mut rest: &str) -> Option<Found> {
    loop {
        let t = rest.trim_start();
        let next = t.split_whitespace().next().unwrap_or("");
        match START_FILLERS.iter().find(|f| next.eq_ignore_ascii_case(f)) {
            Some(f) => rest = &t[f.len()..],
            None => {
                // `Incident began: 2025-03-03 14:02 UTC`, `started ~09:00`.
                rest = t.trim_start_matches([':', '~', ' ']);
                break;
            }
        }
    }
    let f = time::leading_found(rest)?;
    (f.start == 0 && (f.stamp.time.is_some() || f.stamp.date.is_some())).then_some(f)
}

/// The duration that `rest`, the text right after "for ", opens with (after a hedge such as
/// "about"): "for 3 teams" says none.
fn duration_after_for(rest: &str) -> Option<i64> {
    let mut rest = rest.trim_start_matches(['~', ' ']);
    for hedge in PASSING_HEDGES {
        if starts_with_ascii_ci(rest, hedge) && rest.as_bytes().get(hedge.len()) == Some(&b' ') {
            rest = &rest[hedge.len() + 1..];
        }
    }
    let rest = rest.trim_start_matches(['~', ' ']);
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    time::leading_duration_minutes(rest)
}

/// Completes the stated times from the timeline: its first entry starts the incident, the last
/// entry that declares restoration (or else a story's sentence that does, or else the last
/// entry) ends it. Without either, a stated detection starts it, and failing that the
/// incident's date (a day without a time). `restored` reads [`restored_in_sentences`], called
/// at most once, only when the end is still unknown; an end it gives must follow the start.
pub(crate) fn finish(
    st: Stated,
    timeline: &[TimelineEntry],
    ctx: &Context,
    restored: impl FnOnce(bool) -> Option<Timestamp>,
) -> Incident {
    let Stated {
        mut start,
        clock,
        mut end,
        duration,
        passing_duration,
        mut detected,
        said_end,
        restored_wanted,
    } = st;
    let mut timed: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.time.is_some()).collect();
    // A status page lists its updates newest first: a timeline whose dated entries only go
    // back in time is read from its end.
    let dated = |e: &&TimelineEntry| e.time.filter(|t| t.date.is_some() && t.time.is_some());
    let goes_back = |a: &&TimelineEntry, b: &&TimelineEntry| {
        let (a, b) = (dated(a), dated(b));
        a.zip(b).and_then(|(a, b)| b.minutes_until(&a))
    };
    if timed.len() > 1
        && timed
            .windows(2)
            .all(|w| goes_back(&w[0], &w[1]).is_some_and(|m| m >= 0))
        && goes_back(&timed[0], &timed[timed.len() - 1]).is_some_and(|m| m > 0)
    {
        timed.reverse();
    }
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
    // An end a sentence says counts when it comes after the start.
    let after_start =
        |t: &Timestamp| start.is_none_or(|s| s.minutes_until(t).is_some_and(|m| m > 0));
    end = end.or(said_end.filter(after_start));
    // Read at most once, in every section when no timeline heading exists, else in the
    // story's sections.
    let mut restored = Some(restored);
    let mut said_restored = || {
        restored
            .take()
            .and_then(|f| f(restored_wanted))
            .filter(after_start)
    };
    if end.is_none() && !timed.is_empty() {
        let declared = timed.iter().rev().find(|e| declares_restoration(&e.text));
        end = match declared {
            Some(e) => e.time,
            // No entry says service came back: a sentence that does says more than the last
            // entry, which may be a retrospective's ("10:57 PM: discussion about shadowforks").
            // One timed entry that declares nothing is when it began, not when it ended.
            None => said_restored().or_else(|| {
                timed
                    .last()
                    .filter(|_| timed.len() > 1)
                    .and_then(|e| e.time)
            }),
        };
    }
    end = end
        .or_else(|| restored_wanted.then(said_restored).flatten())
        .or_else(|| start_plus(passing_duration));
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

/// `t` moved on by `minutes`, when it has a date and a time (the offset kept) and the
/// result is a date chrono can hold ("lasted 99999999999 hours" ends nowhere).
fn plus_minutes(t: Timestamp, minutes: i64) -> Option<Timestamp> {
    let moved = t
        .date?
        .and_time(t.time?)
        .checked_add_signed(chrono::Duration::try_minutes(minutes)?)?;
    Some(Timestamp {
        date: Some(moved.date()),
        time: Some(moved.time()),
        offset: t.offset,
    })
}

/// Whether `text`, a heading, says "all times" or "times in" (a zone note), in any ASCII
/// case.
fn notes_all_times(text: &str) -> bool {
    let mut from = 0;
    while let Some(at) = inline::find_ascii_ci(text, from, "times") {
        if notes_zone_at(text.as_bytes(), at) {
            return true;
        }
        from = at + "times".len();
    }
    false
}

/// Whether `text` says "times" at all, and where it notes a zone (the offsets of the "times"
/// of each [`notes_zone_at`]), with "imes" in lower case or in capitals and the rest in any
/// ASCII case. (This runs over whole documents: two searches many bytes at a time find more
/// quickly than [`notes_all_times`]' stops at every "m".)
fn zone_notes(text: &str) -> (bool, Vec<usize>) {
    static IMES: LazyLock<[memmem::Finder<'static>; 2]> =
        LazyLock::new(|| [memmem::Finder::new("imes"), memmem::Finder::new("IMES")]);
    let b = text.as_bytes();
    let (mut said, mut notes) = (false, Vec::new());
    for finder in IMES.iter() {
        for k in finder.find_iter(b) {
            let Some(at) = k
                .checked_sub(1)
                .filter(|at| b[*at].eq_ignore_ascii_case(&b't'))
            else {
                continue;
            };
            said = true;
            if notes_zone_at(b, at) {
                notes.push(at);
            }
        }
    }
    (said, notes)
}

/// Whether the "times" at `at` in `text` is part of a zone note: "all times", "times in",
/// "times are PDT", "timestamps below are CET".
fn notes_zone_at(text: &[u8], at: usize) -> bool {
    let says = |from: usize, word: &[u8]| {
        text.get(from..from + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    let mut after = at + "times".len();
    if says(after, b"tamps") {
        after += "tamps".len();
    }
    at.checked_sub(4).is_some_and(|all| says(all, b"all "))
        || [
            &b" in"[..],
            b" are",
            b" below",
            b" shown",
            b" given",
            b" listed",
        ]
        .iter()
        .any(|w| says(after, w))
}

/// Whether a line is a field that names the document's zone: `Timezone: UTC+5:30`,
/// `**Time zone:** CEST`, `| Zone | PDT |`.
fn zone_field(body: &str) -> bool {
    let key = body.trim_start_matches(['*', '_', '-', '|', ' ']);
    // (Asked of every line until a zone is found: most are ruled out by their first letter.)
    if !matches!(key.as_bytes().first(), Some(b't' | b'T' | b'z' | b'Z')) {
        return false;
    }
    ["timezone", "time zone", "zone:", "zone |", "zone*"]
        .iter()
        .any(|k| starts_with_ascii_ci(key, k))
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
            if para[0].table {
                let cells: Vec<Cow<str>> = super::blocks::table_cells(para[0].body)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect();
                if cells.len() == 2 && cells[1].bytes().any(|b| b.is_ascii_digit()) {
                    return Some(Cow::Owned(format!("{}: {}", cells[0], cells[1])));
                }
                // A property table laid out sideways, as incident tools export it: a header
                // of labels over one row of values (`| Severity | Started at | Resolved at |`)
                // reads as the label lines it stands for.
                if let Some(pairs) = sideways_fields(&para[0], self.lines) {
                    self.lines = &self.lines[2..];
                    self.pending.extend(pairs);
                    if let Some(first) = self.pending.pop_front() {
                        return Some(Cow::Owned(first));
                    }
                }
                continue;
            }
            if para.iter().all(|l| l.digits == 0) {
                continue;
            }
            if para.iter().any(|l| has_br(l.body)) {
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
/// The `label: value` lines a sideways property table stands for: `header` a row of labels
/// without figures, `after` its delimiter row and one row of values, the table's last; only the
/// values with a figure.
fn sideways_fields(header: &Line<'_>, after: &[Line<'_>]) -> Option<Vec<String>> {
    let [delimiter, values, rest @ ..] = after else {
        return None;
    };
    let last = rest.first().is_none_or(|l| !l.table);
    if header.digits > 0 || !delimiter.table || !values.table || values.digits == 0 || !last {
        return None;
    }
    if !super::blocks::is_delimiter_row(delimiter.body) {
        return None;
    }
    let labels = super::blocks::table_cells(header.body)?;
    let cells = super::blocks::table_cells(values.body)?;
    if labels.len() < 2 || labels.len() != cells.len() {
        return None;
    }
    let pairs: Vec<String> = labels
        .iter()
        .zip(&cells)
        .filter(|(_, v)| v.bytes().any(|b| b.is_ascii_digit()))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    (!pairs.is_empty()).then_some(pairs)
}

fn continues_paragraph(l: &Line<'_>) -> bool {
    if l.skip || l.body.is_empty() || l.table {
        return false;
    }
    if l.marker().0 != super::blocks::Marker::None {
        return false;
    }
    // (A `<br>` before the colon: the line goes on a field cut off by line wrapping.)
    let is_label = inline::head(l.body, 60)
        .split_once(':')
        .is_some_and(|(k, _)| {
            inline::words_up_to(k, 5) <= 4
                && !k.ends_with(|c: char| c.is_ascii_digit())
                && !has_br(k)
        });
    !is_label
}

/// Whether `text` has a `<br>` tag (most text has no `<`: one byte is looked for first).
fn has_br(text: &str) -> bool {
    memchr::memchr(b'<', text.as_bytes()).is_some() && text.contains("<br")
}

/// Whether an entry says service came back: one of [`RESTORATION`]'s phrases as whole words,
/// not hedged by the word before it ("almost recovered", "not resolved").
fn declares_restoration(text: &str) -> bool {
    restoration_at(text).is_some()
}

/// Where [`declares_restoration`]'s first phrase starts in `text`.
fn restoration_at(text: &str) -> Option<usize> {
    static PHRASES: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(RESTORATION)
            .expect("a few short phrases make an automaton")
    });
    // A phrase counts only as whole words ("incident overview" says no "incident over"),
    // and not after a hedge. After a match that does not count, the search goes on from
    // the byte after its start, so that phrases that overlap it are found ("end of
    // incident over"). (Most text has no match: one search, with the automaton's prefilter.)
    let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut from = 0;
    while let Some(m) = PHRASES.find(aho_corasick::Input::new(text).range(from..)) {
        let whole = !word_char(text[..m.start()].chars().next_back())
            && !word_char(text[m.end()..].chars().next());
        let before = text[..m.start()]
            .split_whitespace()
            .next_back()
            .unwrap_or("");
        // "The team resolved to roll back": decided, not restored.
        let decided = text[m.end()..].starts_with(" to ")
            && text[m.start()..m.end()].eq_ignore_ascii_case("resolved");
        if whole && !decided && !HEDGES.iter().any(|h| h.eq_ignore_ascii_case(before)) {
            return Some(m.start());
        }
        // (Phrases are ASCII: the byte after a match's start is a character's start.)
        from = m.start() + 1;
    }
    None
}

/// Where a word of `text` opens with one of the words of `words` (an automaton over ASCII
/// words, in any case): the index of that word and where it starts, for each occurrence
/// that ends by byte `end`. One pass over the text finds them all. A word starts after
/// anything but a letter or digit, in any script. (The pass skips what overlaps a match, even
/// one that does not start a word: none of a table's words or phrases may start again inside
/// another's.)
fn opening_words<'t>(
    words: &'t AhoCorasick,
    text: &'t str,
    end: usize,
) -> impl Iterator<Item = (usize, usize)> + 't {
    words
        .find_iter(&text.as_bytes()[..end])
        .filter(|m| {
            !text[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        })
        .map(|m| (m.pattern().as_usize(), m.start()))
}

/// Phrases that say service came back (whole words: "unresolved" is not one). The closure
/// phrases ("INCIDENT ENDS", "All clear", "Stood down", "Declared the incident over") are
/// how SRE-style timelines and incident commanders' logs mark the end.
const RESTORATION: [&str; 47] = [
    "accessible again",
    "available again",
    "bug fixed",
    "issue fixed",
    "issue solved",
    "online again",
    "problem fixed",
    "problem solved",
    "reachable again",
    "up again",
    "all clear",
    "are fixed",
    "back online",
    "back to normal",
    "back up",
    "closed",
    "confirmed fixed",
    "end of incident",
    "ended",
    "fix deployed",
    "full recovery",
    "fully functional",
    "fully operational",
    "incident ends",
    "incident over",
    "is confirmed to be functional",
    "is fixed",
    "mitigated",
    "no further action",
    "outage ends",
    "recovered",
    "resolution",
    "resolved",
    "restored",
    "resumed",
    "returned to normal",
    "stood down",
    "terminated",
    "verified fixed",
    "was fixed",
    "were fixed",
    "working again",
    "all-clear",
    "back to baseline",
    "healthy again",
    "standing down",
    "all systems operational",
];

/// Words that, right before a phrase of [`RESTORATION`], say it has not happened yet
/// ("not fully operational", "waiting for full recovery", "monitoring until resolved").
const HEDGES: [&str; 14] = [
    "almost",
    "nearly",
    "partially",
    "partly",
    "mostly",
    "not",
    "never",
    "no",
    "for",
    "until",
    "awaiting",
    "toward",
    "towards",
    "yet",
];

#[cfg(test)]
mod tests;
