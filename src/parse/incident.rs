//! When the incident started, ended and was detected.
//!
//! An explicit statement wins (`Start Time:`, `Duration: 10:00 AM - 11:30 AM EST on ...`,
//! `between 9:00 PM and 11:30 PM EST` in the summary); failing that, the timeline: its first
//! entry starts the incident, and the last entry that declares restoration (or else the last
//! entry) ends it.

use chrono::{FixedOffset, NaiveDate};

use super::time::{self, Found};
use super::{inline, Doc, Line};
use crate::model::{Incident, SectionKind, TimelineEntry, Timestamp};

/// The date and zone that a document's undated, unzoned times belong to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// The incident's date, when the document states one.
    pub date: Option<NaiveDate>,
    /// The zone the document declares ("All times in UTC"), else the configured default.
    pub offset: Option<FixedOffset>,
}

/// Sections whose text may state when the incident happened.
fn states_times(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::Summary | SectionKind::Duration | SectionKind::Impact | SectionKind::Other
    )
}

impl Context {
    pub(crate) fn read(
        lines: &[Line<'_>],
        doc: &Doc,
        front_matter_date: Option<NaiveDate>,
        default_offset: Option<FixedOffset>,
    ) -> Context {
        let mut offset = None;
        let mut labelled_date = None;
        let mut first_date = None;
        for seg in &doc.segments {
            let timeline = seg.kind == SectionKind::Timeline;
            let stating = !timeline && states_times(seg.kind);
            let bodies = seg.heading.iter().map(String::as_str).chain(
                lines[seg.lines.clone()]
                    .iter()
                    .filter(|l| !l.skip)
                    .map(|l| l.body),
            );
            for body in bodies {
                // Only lines with a digit or a zone note can say anything here: test the raw
                // bytes before reading them properly.
                let notes_zone = offset.is_none()
                    && body.len() <= 120
                    && (contains_ascii_ci(body, "all times")
                        || contains_ascii_ci(body, "times in")
                        || starts_with_ascii_ci(body, "time ("));
                let date_label = labelled_date.is_none()
                    && (starts_with_ascii_ci(body, "incident date")
                        || starts_with_ascii_ci(body, "date")
                        || starts_with_ascii_ci(body, "**date")
                        || starts_with_ascii_ci(body, "- date"));
                let wants_date = stating
                    && (date_label || first_date.is_none())
                    && body.bytes().any(|b| b.is_ascii_digit());
                if !notes_zone && !wants_date {
                    continue;
                }
                let text = inline::plain(body);
                if notes_zone {
                    offset = time::moments(&text)
                        .into_iter()
                        .find(|m| m.stamp.time.is_none() && m.stamp.offset.is_some())
                        .and_then(|m| m.stamp.offset);
                }
                if !wants_date {
                    continue;
                }
                let date = time::moments(&text).into_iter().find_map(|m| m.stamp.date);
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
            date: front_matter_date.or(labelled_date).or(first_date),
            offset: offset.or(default_offset),
        }
    }

    /// Completes a moment with the document's date and zone.
    fn complete(&self, f: &Found, same_line_date: Option<NaiveDate>) -> Timestamp {
        let mut s = f.stamp;
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
        if s.offset.is_none() && s.time.is_some() {
            s.offset = self.offset;
        }
        s
    }
}

const STARTS: [&str; 8] = [
    "start time",
    "start:",
    "started",
    "start date",
    "incident start",
    "began",
    "outage start",
    "beginning",
];
const ENDS: [&str; 8] = [
    "end time",
    "end:",
    "ended",
    "end date",
    "incident end",
    "resolved at",
    "outage end",
    "recovery time",
];

/// What the document states outright about the incident's times (before the timeline).
#[derive(Debug, Default)]
pub(crate) struct Stated {
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    duration: Option<i64>,
    detected: Option<Timestamp>,
}

impl Context {
    /// Undated, unzoned timeline entries take the stated start's date and zone when the
    /// document declares none of its own ("9:00 PM: alert" under a summary that says
    /// "February 22, 2023 ... EST").
    pub(crate) fn adopt(&mut self, stated: &Stated) {
        if let Some(s) = stated.start {
            self.date = self.date.or(s.date);
            self.offset = self.offset.or(s.offset);
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
        let heading = seg
            .heading
            .iter()
            .map(|h| std::borrow::Cow::Borrowed(h.as_str()));
        let body = paragraphs(&lines[seg.lines.clone()])
            .into_iter()
            .map(std::borrow::Cow::Owned);
        for text in heading.chain(body) {
            // The statements stand near the top; a long document's later paragraphs are
            // narrative, and reading them all would cost more than it finds.
            budget -= 1;
            if budget == 0 {
                break;
            }
            let ms = time::moments(&text);
            let head: String = text
                .trim_start_matches(['-', '—', '*', ' '])
                .chars()
                .take(24)
                .flat_map(char::to_lowercase)
                .collect();
            let day = ms.iter().find_map(|m| m.stamp.date);
            let first = ms
                .iter()
                .find(|f| f.stamp.time.is_some() || f.stamp.date.is_some());
            if st.start.is_none() && STARTS.iter().any(|k| head.starts_with(k)) {
                st.start = first.map(|f| ctx.complete(f, day));
            }
            if st.end.is_none() && ENDS.iter().any(|k| head.starts_with(k)) {
                st.end = first.map(|f| ctx.complete(f, day));
            }
            if st.detected.is_none() && head.starts_with("detected") {
                st.detected = first
                    .filter(|f| f.stamp.time.is_some())
                    .map(|f| ctx.complete(f, day));
            }
            if range.is_none() {
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
            if st.duration.is_none()
                && (contains_ascii_ci(&text, "duration")
                    || contains_ascii_ci(&text, "lasting")
                    || contains_ascii_ci(&text, "lasted"))
            {
                st.duration = time::duration_minutes(&text);
            }
        }
    }
    if st.start.is_none() && st.end.is_none() {
        if let Some((a, b)) = range {
            st.start = Some(a);
            st.end = Some(b);
        }
    }
    st
}

/// Completes the stated times from the timeline: its first entry starts the incident, the last
/// entry that declares restoration (or else the last entry) ends it.
pub(crate) fn finish(st: Stated, timeline: &[TimelineEntry]) -> Incident {
    let Stated {
        mut start,
        mut end,
        duration,
        mut detected,
    } = st;
    let timed: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.time.is_some()).collect();
    if start.is_none() {
        start = timed.first().and_then(|e| e.time);
    }
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
    if detected.is_none() {
        detected = timeline
            .iter()
            .find(|e| e.time.is_some() && e.text.to_lowercase().contains("detect"))
            .and_then(|e| e.time);
    }
    let duration_minutes = match (&start, &end) {
        (Some(a), Some(b)) => a.minutes_until(b).filter(|m| *m >= 0),
        _ => None,
    }
    .or(duration);
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

fn starts_with_ascii_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Case-insensitive substring test for an ASCII needle: candidates are found by the first
/// byte alone, so the cost stays near one pass over `s`.
fn contains_ascii_ci(s: &str, needle: &str) -> bool {
    let (h, n) = (s.as_bytes(), needle.as_bytes());
    let Some(first) = n.first().map(u8::to_ascii_lowercase) else {
        return true;
    };
    if h.len() < n.len() {
        return false;
    }
    (0..=h.len() - n.len())
        .any(|i| h[i].to_ascii_lowercase() == first && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// A segment's text as paragraphs of plain text: wrapped lines joined; a list item, a label
/// line (`Start Time: ...`) or a blank line starts a new one.
fn paragraphs(lines: &[Line<'_>]) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut open = false;
    for l in lines {
        if l.skip || l.body.is_empty() {
            open = false;
            continue;
        }
        let (marker, _, _) = super::blocks::marker(l.body);
        let head = match l.body.char_indices().nth(60) {
            Some((i, _)) => &l.body[..i],
            None => l.body,
        };
        let is_label = head.split_once(':').is_some_and(|(k, _)| {
            k.split_whitespace().count() <= 4 && !k.ends_with(|c: char| c.is_ascii_digit())
        });
        match raw.last_mut() {
            Some(last) if open && marker == super::blocks::Marker::None && !is_label => {
                last.push(' ');
                last.push_str(l.body);
            }
            _ => raw.push(l.body.to_string()),
        }
        open = true;
    }
    // Without a digit a paragraph states no time, date or duration.
    raw.into_iter()
        .filter(|p| p.bytes().any(|b| b.is_ascii_digit()))
        .map(|p| inline::plain(&p))
        .collect()
}

fn declares_restoration(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "restored",
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
    ]
    .iter()
    .any(|k| lower.contains(k))
}
