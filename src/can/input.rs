//! What the report reads: the timeline cut at `at`, and the prose of the summary, impact,
//! root-cause and resolution sections (hard-wrapped lines joined into paragraphs), each piece
//! with its citation; the incident's span for the report's header.

use chrono::NaiveTime;

use super::sentences::split_sentences;
use super::{Cite, Postmortem};
use crate::model::{TimelineEntry, Timestamp};

/// Pieces of text to read, with their citation and kind.
pub(super) type Units = Vec<(String, Cite, Unit)>;

/// Where a piece of text comes from, which decides how its sentences are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Timeline,
    /// Summary, impact, duration: read by the rules, like timeline entries.
    State,
    /// Root cause: stated as a condition.
    Cause,
    /// Resolution: what was done.
    Resolution,
}

/// The lines of the document's summary/impact sections (to read before the timeline) and of
/// its root-cause/resolution sections (after it). Lines that are timeline entries, headings
/// or list markers only are skipped.
pub(super) fn section_units(pm: &Postmortem, text: &str) -> (Units, Units) {
    use crate::model::SectionKind as K;
    let lines: Vec<&str> = text.lines().collect();
    let mut sections: Vec<_> = pm.sections.iter().collect();
    sections.sort_by_key(|s| s.line);
    let timeline_lines: Vec<usize> = pm.timeline.iter().map(|e| e.line).collect();
    let heading_lines: Vec<usize> = sections.iter().map(|s| s.line).collect();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (i, sec) in sections.iter().enumerate() {
        let unit = match sec.kind {
            K::Summary | K::Impact | K::Duration | K::Detection => Unit::State,
            K::RootCause | K::ContributingFactors => Unit::Cause,
            K::Resolution => Unit::Resolution,
            _ => continue,
        };
        let end = sections.get(i + 1).map_or(lines.len(), |n| n.line - 1);
        let target = if unit == Unit::State {
            &mut before
        } else {
            &mut after
        };
        // A paragraph or list item hard-wrapped over several lines is one text: its lines
        // are joined before it is cut into sentences, each citing the line it starts on.
        let mut para: Vec<(usize, String)> = Vec::new();
        for n in sec.line + 1..=end {
            let Some(raw) = lines.get(n - 1) else { break };
            let t = raw
                .trim()
                .trim_start_matches(['-', '*', '+', '>', '#'])
                .trim();
            // Pictures, tables, code fences and comments are no statements.
            let not_prose = ["![", "<", "|", "```", "~~~"]
                .iter()
                .any(|p| t.starts_with(p));
            if t.is_empty()
                || not_prose
                || timeline_lines.contains(&n)
                || heading_lines.contains(&n)
            {
                push_paragraph(target, &mut para, unit);
                continue;
            }
            if starts_list_item(raw) {
                push_paragraph(target, &mut para, unit);
            }
            para.push((n, t.replace("**", "").replace("__", "")));
        }
        push_paragraph(target, &mut para, unit);
        // "Root Cause: The root cause of the outage was…" on the heading line itself.
        if let Some((_, rest)) = lines.get(sec.line - 1).and_then(|l| l.split_once(':')) {
            let rest = rest.trim();
            if rest.split_whitespace().count() >= 4 {
                let cite = Cite {
                    time: None,
                    line: sec.line,
                };
                target.push((rest.to_string(), cite, unit));
            }
        }
    }
    (before, after)
}

/// Whether a line begins a list item (`- `, `* `, `+ `, `1. `, `1) `): a new text, not the
/// continuation of the line before.
pub(super) fn starts_list_item(raw: &str) -> bool {
    let t = raw.trim_start();
    if let Some(rest) = t.strip_prefix(['-', '*', '+']) {
        return rest.starts_with(' ');
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && matches!(
            t.as_bytes().get(digits..digits + 2),
            Some([b'.' | b')', b' '])
        )
}

/// Adds the sentences of a paragraph (its lines, with their numbers) to `target`, each citing
/// the line its first word stands on, and empties the paragraph.
pub(super) fn push_paragraph(target: &mut Units, para: &mut Vec<(usize, String)>, unit: Unit) {
    let mut joined = String::new();
    let mut starts = Vec::with_capacity(para.len());
    for (n, t) in para.drain(..) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        starts.push((joined.len(), n));
        joined.push_str(&t);
    }
    let mut cursor = 0;
    for s in split_sentences(&joined) {
        let first = s.split_whitespace().next().unwrap_or("");
        let at = joined[cursor..].find(first).map_or(cursor, |i| cursor + i);
        cursor = at + first.len();
        let line = starts
            .iter()
            .take_while(|(offset, _)| *offset <= at)
            .last()
            .map_or(0, |(_, n)| *n);
        target.push((s, Cite { time: None, line }, unit));
    }
}

pub(super) fn short_time(t: &Timestamp) -> String {
    match (t.date, t.time) {
        (None, Some(time)) => time.format("%H:%M:%S").to_string(),
        _ => t.to_string(),
    }
}

/// How many leading entries of `timeline` fall at or before `at`. Times of day are counted
/// from the first timed entry, adding a day whenever the clock goes backwards (midnight).
/// Entries without a time go with the entry before them. An `at` earlier in the day than the
/// first entry is before the incident (none), unless the timeline runs past midnight: then
/// it is the next day.
pub(super) fn cut_timeline(timeline: &[TimelineEntry], at: Option<NaiveTime>) -> usize {
    let Some(at) = at else {
        return timeline.len();
    };
    let times: Vec<NaiveTime> = timeline.iter().filter_map(|e| e.time?.time).collect();
    let past_midnight = times.windows(2).any(|w| w[1] < w[0]);
    if times.first().is_some_and(|first| at < *first) && !past_midnight {
        return 0;
    }
    let mut first: Option<NaiveTime> = None;
    let mut prev_secs = 0i64;
    let mut day = 0i64;
    let mut count = 0;
    for (i, e) in timeline.iter().enumerate() {
        if let Some(t) = e.time.and_then(|t| t.time) {
            let first = *first.get_or_insert(t);
            let mut secs = (t - first).num_seconds() + day * 86_400;
            if secs < prev_secs {
                day += 1;
                secs += 86_400;
            }
            prev_secs = secs;
            let mut at_secs = (at - first).num_seconds();
            if at_secs < 0 {
                at_secs += 86_400;
            }
            if secs > at_secs {
                return count;
            }
        }
        count = i + 1;
    }
    count
}

pub(super) fn span(
    pm: &Postmortem,
    entries: &[&TimelineEntry],
    at: Option<NaiveTime>,
) -> (Option<String>, Option<String>, Option<i64>) {
    let timed: Vec<Timestamp> = entries
        .iter()
        .filter_map(|e| e.time)
        .filter(|t| t.time.is_some())
        .collect();
    if let Some(at) = at {
        let first = timed.first().copied();
        let end = Timestamp {
            date: None,
            time: Some(at),
            offset: first.and_then(|f| f.offset),
        };
        let minutes = first.and_then(|f| Timestamp { date: None, ..f }.minutes_until(&end));
        return (
            first.map(|f| short_time(&f)),
            Some(short_time(&end)),
            minutes,
        );
    }
    if pm.incident.start.is_some() || pm.incident.end.is_some() {
        let minutes = pm.incident.duration_minutes.or_else(|| {
            pm.incident
                .start
                .zip(pm.incident.end)
                .and_then(|(s, e)| s.minutes_until(&e))
        });
        return (
            pm.incident.start.map(|t| short_time(&t)),
            pm.incident.end.map(|t| short_time(&t)),
            minutes,
        );
    }
    let (first, last) = (timed.first().copied(), timed.last().copied());
    let minutes = first.zip(last).and_then(|(f, l)| {
        if f.date.is_some() {
            return f.minutes_until(&l);
        }
        // Times of day: walk entry by entry in seconds, a day added whenever the clock goes
        // back (midnight), so rounding never accumulates.
        let mut total = 0i64;
        for w in timed.windows(2) {
            let (a, b) = (w[0].time?, w[1].time?);
            let mut secs = (b - a).num_seconds();
            if secs < 0 {
                secs += 86_400;
            }
            total += secs;
        }
        Some(total / 60)
    });
    (
        first.map(|t| short_time(&t)),
        last.map(|t| short_time(&t)),
        minutes,
    )
}
