//! Dates, times and zones as people write them in postmortems.
//!
//! The scanner finds primitive mentions (a date, a time of day, a zone) in a line, and the
//! helpers combine neighbours into moments and ranges: `2023-11-01 14:00 CAT`,
//! `10:00 AM - 11:30 AM EST on February 5, 2023`, `between 9:00 PM and 11:30 PM EST`,
//! `January 31 2023, 16:15 GMT+1`, `03:39:25`. No regex: one left-to-right pass over the bytes.
//!
//! One submodule per kind of thing read: [`scan`] (the pass over the bytes), [`dates`],
//! [`time_of_day`], [`zones`], [`ranges`] and [`durations`]; this module joins neighbouring
//! mentions into moments.

mod dates;
mod durations;
mod ranges;
mod scan;
mod time_of_day;
mod zones;

use chrono::{FixedOffset, NaiveDate, NaiveTime};

use crate::clock::Zone;
use crate::model::Timestamp;
use scan::Scanner;

pub(crate) use dates::{
    date_order, is_month_name, is_weekday, nearest_with_year, numeric_month_day, parse_date,
    without_weekday,
};
pub(crate) use durations::{duration_minutes, leading_duration_minutes};
pub(crate) use ranges::{may_hold_range, range_in};
pub(crate) use zones::named_zone;
pub use zones::zone_offset;
use zones::{leading_local_zone_word, leading_named_zone};

/// The zone a note names: an IANA or regional name ("All times in Europe/Berlin", whose
/// daylight saving follows each entry's date), else the last zone written without a time
/// ("All times in PST", "Time (UTC)", "Start time (UTC)").
pub(crate) fn noted_zone(text: &str) -> Option<Zone> {
    named_zone(text).or_else(|| {
        moments(text)
            .iter()
            .rev()
            .find(|m| m.stamp.time.is_none() && m.stamp.offset.is_some())
            .and_then(|m| m.stamp.offset.map(Zone::Fixed))
    })
}

/// One primitive mention and where it stands in the text (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mention {
    pub what: What,
    pub start: usize,
    pub end: usize,
}

/// What a mention is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum What {
    Date(NaiveDate),
    /// A day and month without a year (`March 1`): the year comes from context.
    MonthDay(u32, u32),
    /// A numeric date whose order the text leaves open (`03-10-2021`).
    Unordered(UnorderedDate),
    Time(NaiveTime),
    Zone(FixedOffset),
}

/// The order a document writes its numeric dates in: day first (`29-09-2021`) or month
/// first (`09/29/2021`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    DayFirst,
    MonthFirst,
}

/// A numeric date with both leading numbers 12 or less (`03-10-2021`): the 3rd of October
/// or March 10th. A guess would be wrong half the time; the document's other numeric dates
/// tell its order ([`dates::date_order`]), and failing that it stays unread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UnorderedDate {
    pub first: u32,
    pub second: u32,
    pub year: i32,
}

impl UnorderedDate {
    /// The date in the document's order.
    pub(crate) fn resolve(self, order: DateOrder) -> Option<NaiveDate> {
        let (month, day) = match order {
            DateOrder::DayFirst => (self.second, self.first),
            DateOrder::MonthFirst => (self.first, self.second),
        };
        NaiveDate::from_ymd_opt(self.year, month, day)
    }
}

/// Characters allowed between two mentions that belong to one moment.
/// Words that hedge a time after its date's joining word ("on March 3 at about 14:05").
const TIME_HEDGES: [&str; 6] = [
    "about",
    "around",
    "approximately",
    "approx.",
    "roughly",
    "circa",
];

fn joins(gap: &str) -> bool {
    // (`~` is "about": "May 29 2025, ~17:30 UTC" is one moment; `@` is "at": "2023-08-15 @
    // 08:02".)
    let seps = |c: char| matches!(c, ' ' | ',' | '(' | ')' | '~' | '@');
    let g = gap.trim_matches(seps);
    // "March 3, 2025 at approximately 14:05".
    let g = TIME_HEDGES
        .iter()
        .find_map(|h| {
            let (rest, hedge) = g.split_at_checked(g.len().checked_sub(h.len())?)?;
            (hedge.eq_ignore_ascii_case(h) && rest.ends_with(' ')).then_some(rest)
        })
        .map_or(g, |rest| rest.trim_matches(seps));
    // "on Sunday," between a time and its date.
    let g = match g.split_once(' ') {
        Some((on, day)) if on.eq_ignore_ascii_case("on") && is_weekday(day.trim_matches(seps)) => {
            on
        }
        _ => g,
    };
    g.is_empty()
        || ["at", "on", "t", "of"]
            .iter()
            .any(|w| g.eq_ignore_ascii_case(w))
}

/// Whether a gap between a date and a time is a dash between spaces, as status pages write
/// them (`Mar 14, 2024 - 15:47 UTC`): it joins a date to its time, not two times (`10:00 -
/// 11:00` is a range).
fn dashed(gap: &str) -> bool {
    let inner = gap.trim_matches(' ');
    gap.len() > inner.len() + 1
        && gap.starts_with(' ')
        && gap.ends_with(' ')
        && matches!(inner, "-" | "\u{2013}" | "\u{2014}")
}

/// A moment assembled from neighbouring mentions, with the span it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    pub stamp: Timestamp,
    /// A month and day whose year is not written.
    pub month_day: Option<(u32, u32)>,
    /// A numeric date whose order is not written ([`UnorderedDate`]).
    pub unordered: Option<UnorderedDate>,
    pub start: usize,
    pub end: usize,
    /// An IANA zone written after the time (`14:00 Europe/Berlin`): its offset depends on
    /// the date, which may come from context, so it is resolved when the moment is completed.
    pub named: Option<Zone>,
}

impl Found {
    /// The moment's full date: the one written, else its numeric date read in the
    /// document's order when that is known (`order` is asked only for a date of unknown
    /// order).
    pub(crate) fn date_in(&self, order: impl FnOnce() -> Option<DateOrder>) -> Option<NaiveDate> {
        self.stamp
            .date
            .or_else(|| self.unordered?.resolve(order()?))
    }

    /// Whether a date of any kind is written (full, without a year, or of unknown order).
    pub(crate) fn has_date(&self) -> bool {
        self.stamp.date.is_some() || self.month_day.is_some() || self.unordered.is_some()
    }
}

/// Groups mentions into moments: a date, a time and a zone next to each other, in any of the
/// orders people write them, make one moment.
pub(crate) fn moments(text: &str) -> Vec<Found> {
    Moments::new(text).collect()
}

/// [`moments`] one at a time, reading the text only as far as the moments asked for.
pub(crate) struct Moments<'a> {
    text: &'a str,
    scan: Scanner<'a>,
    /// Where the next mention is looked for (the end of the last one read).
    from: usize,
    /// A mention read but not joined to the moment before it: the next moment starts there.
    pending: Option<Mention>,
}

impl<'a> Moments<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Moments {
            text,
            scan: Scanner::new(text),
            from: 0,
            pending: None,
        }
    }

    fn mention(&mut self) -> Option<Mention> {
        let m = self.scan.next_from(self.from, usize::MAX)?;
        self.from = m.end;
        Some(m)
    }
}

impl Iterator for Moments<'_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        let first = match self.pending.take() {
            Some(m) => m,
            None => self.mention()?,
        };
        let (f, rest) = moment_from(self.text, first, || self.mention());
        self.pending = rest;
        Some(f)
    }
}

/// The moment that starts at the first byte of `text`, if one does: [`moments`]' first
/// when it starts there, found without scanning the text after it.
pub(crate) fn leading_found(text: &str) -> Option<Found> {
    let scan = Scanner::new(text);
    // A moment takes at most three mentions (a date, a time, a zone), each joined to the one
    // before: a fourth is never part of it, nor is one past where a join can reach.
    let mut ms = [scan.next_from(0, 0)?; 4];
    let mut n = 1;
    while n < ms.len() {
        let end = ms[n - 1].end;
        match scan.next_from(end, scan.join_reach(end)) {
            Some(m) if joins(&text[end..m.start]) || dashed(&text[end..m.start]) => {
                ms[n] = m;
                n += 1;
            }
            _ => break,
        }
    }
    let mut rest = ms[1..n].iter().copied();
    Some(moment_from(text, ms[0], || rest.next()).0)
}

/// The moment that starts at mention `first`, taking the mentions after it from `next` while
/// they join it; and the first mention taken that did not (the next moment's start).
fn moment_from(
    text: &str,
    first: Mention,
    mut next: impl FnMut() -> Option<Mention>,
) -> (Found, Option<Mention>) {
    let mut f = Found {
        stamp: Timestamp {
            date: None,
            time: None,
            offset: None,
        },
        month_day: None,
        unordered: None,
        start: first.start,
        end: first.end,
        named: None,
    };
    let mut m = Some(first);
    let mut taken = 0;
    // Whether the time is joined to its date by a `T`, as ISO 8601 writes them.
    let mut iso = false;
    while let Some(this) = m {
        if taken > 0 {
            let gap = &text[f.end..this.start];
            let date_then_time =
                matches!(this.what, What::Time(_)) && f.has_date() && f.stamp.time.is_none();
            let joined = joins(gap) || (date_then_time && dashed(gap));
            if !joined {
                break;
            }
        }
        let slot_free = match this.what {
            What::Date(_) | What::MonthDay(..) | What::Unordered(_) => !f.has_date(),
            What::Time(_) => f.stamp.time.is_none(),
            What::Zone(_) => f.stamp.offset.is_none() && f.stamp.time.is_some(),
        };
        if !slot_free {
            break;
        }
        match this.what {
            What::Date(d) => f.stamp.date = Some(d),
            What::MonthDay(mo, d) => f.month_day = Some((mo, d)),
            What::Unordered(u) => f.unordered = Some(u),
            What::Time(t) => {
                f.stamp.time = Some(t);
                iso = f.has_date() && text[f.end..this.start].eq_ignore_ascii_case("t");
            }
            What::Zone(z) => f.stamp.offset = Some(z),
        }
        f.end = this.end;
        taken += 1;
        m = next();
    }
    if taken == 0 {
        // A zone with no time before it stands alone.
        if let What::Zone(z) = first.what {
            f.stamp.offset = Some(z);
        }
        m = next();
    }
    // "2022-01-08 2233": four digits right after a date are its time of day, when nothing
    // but punctuation follows them ("2023-05-01 2000 requests" is a count).
    if f.has_date() && f.stamp.time.is_none() {
        if let Some((time, len)) = hhmm_after(&text[f.end..]) {
            f.stamp.time = Some(time);
            f.end += len;
            // A mention inside those digits is part of this moment.
            while m.is_some_and(|x| x.start < f.end) {
                m = next();
            }
        }
    }
    // "14:00Z"
    if f.stamp.time.is_some() && f.stamp.offset.is_none() && text[f.end..].starts_with('Z') {
        let after = text.as_bytes().get(f.end + 1);
        if !after.is_some_and(u8::is_ascii_alphanumeric) {
            f.stamp.offset = FixedOffset::east_opt(0);
            f.end += 1;
        }
    }
    // "2024-04-03T08:12:00+02:00", "14:00+0200": an offset written onto the time. A minus
    // only after an ISO date and time: "09:00-10:00" is a range.
    if f.stamp.time.is_some() && f.stamp.offset.is_none() {
        let sign = text.as_bytes().get(f.end).copied();
        let offset = match sign {
            Some(b'+') => Scanner::new(text).numeric_offset(f.end, f.end),
            Some(b'-') if iso => Scanner::new(text).numeric_offset(f.end, f.end),
            _ => None,
        };
        let ends_there = |o: &Mention| {
            !text
                .as_bytes()
                .get(o.end)
                .is_some_and(u8::is_ascii_alphanumeric)
        };
        if let Some(o) = offset.filter(ends_there) {
            if let What::Zone(z) = o.what {
                f.stamp.offset = Some(z);
                f.end = o.end;
                // The offset's digits read as a time of their own: they are part of this moment.
                while m.is_some_and(|x| x.start < f.end) {
                    m = next();
                }
            }
        }
    }
    // "14:00 Europe/Berlin"
    if f.stamp.time.is_some() && f.stamp.offset.is_none() && text[f.end..].starts_with(' ') {
        if let Some((zone, len)) = leading_named_zone(&text[f.end..]) {
            f.named = Some(zone);
            f.end += len;
        } else if let Some(len) = leading_local_zone_word(&text[f.end..]) {
            f.end += len;
        }
    }
    (f, m)
}

/// A time of day written as four digits (`2233`) after a space or `, ` at the start of
/// `rest`, followed by the end or by punctuation (after spaces): the time and the bytes taken.
pub(super) fn hhmm_after(rest: &str) -> Option<(NaiveTime, usize)> {
    let b = rest.as_bytes();
    let at = if b.starts_with(b", ") {
        2
    } else if b.starts_with(b" ") {
        1
    } else {
        return None;
    };
    let digits = b.get(at..at + 4)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = |k: usize| u32::from(digits[k] - b'0') * 10 + u32::from(digits[k + 1] - b'0');
    let end = at + 4;
    let ends_here = match b.get(end) {
        None => true,
        // "2233 users" is a count, "2233.5" a number.
        Some(c) if c.is_ascii_alphanumeric() => false,
        Some(b'.' | b',') => !b.get(end + 1).is_some_and(u8::is_ascii_digit),
        Some(b' ') => !rest[end..]
            .trim_start_matches(' ')
            .starts_with(|c: char| c.is_alphanumeric()),
        Some(_) => true,
    };
    if !ends_here {
        return None;
    }
    Some((NaiveTime::from_hms_opt(value(0), value(2), 0)?, end))
}

/// Whether `text` may hold a full date: every date has a year of four digits in a row.
pub(crate) fn may_hold_date(text: &str) -> bool {
    let mut run = 0;
    for b in text.bytes().chain([b' ']) {
        if b.is_ascii_digit() {
            run += 1;
        } else if run == 4 {
            return true;
        } else {
            run = 0;
        }
    }
    false
}

/// The first moment in `text` that has a time or a full date.
pub(crate) fn first_moment(text: &str) -> Option<Found> {
    Moments::new(text).find(|f| f.stamp.time.is_some() || f.stamp.date.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(text: &str) -> String {
        first_moment(text)
            .map(|f| f.stamp.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn reads_the_moments_people_write() {
        assert_eq!(stamp("2023-11-01 14:00 CAT"), "2023-11-01T14:00:00+02:00");
        assert_eq!(stamp("9:00 PM: alert"), "21:00:00");
        assert_eq!(stamp("03:39:25 One of the SMEs"), "03:39:25");
        // A dotted time with a zone; without a zone or a mark, a version or a day.
        assert_eq!(stamp("09.12 UTC first errors"), "09:12:00Z");
        assert_eq!(stamp("release 2.10 went out"), "");
        assert_eq!(
            stamp("January 31 2023, 16:15 GMT+1"),
            "2023-01-31T16:15:00+01:00"
        );
        assert_eq!(stamp("Nov 1, 2022 6:00 AM an error"), "2022-11-01T06:00:00");
        assert_eq!(stamp("03, 14, 2024, 10:00 AM UTC."), "2024-03-14T10:00:00Z");
        assert_eq!(stamp("04-12-2022 7:23 AM GMT+1"), "07:23:00+01:00");
        assert_eq!(
            stamp("December 18, 2023, 10:45 AM (UTC)"),
            "2023-12-18T10:45:00Z"
        );
        assert_eq!(stamp("2023-02-14T11:59:00Z"), "2023-02-14T11:59:00Z");
        assert_eq!(
            stamp("2024-04-03T08:12:00+02:00 node slow"),
            "2024-04-03T08:12:00+02:00"
        );
        assert_eq!(stamp("2024-11-05T17:40-07:00"), "2024-11-05T17:40:00-07:00");
        assert_eq!(
            stamp("2024-11-05T17:40:00-0700"),
            "2024-11-05T17:40:00-07:00"
        );
        assert_eq!(stamp("10:00 M"), "10:00:00");
        assert_eq!(stamp("at 5pm"), "17:00:00");
        assert_eq!(stamp("2:54 PM PST: merged"), "14:54:00-08:00");
        // `15h20` as French teams write it; `1h30` and `24h30m` are durations.
        assert_eq!(stamp("2025-10-02 15h20 CEST"), "2025-10-02T15:20:00+02:00");
        assert_eq!(stamp("09h40 upgrade rolled out"), "09:40:00");
        assert_eq!(stamp("it took 1h30 to recover"), "");
        assert_eq!(stamp("down for 12h30m"), "");
    }

    #[test]
    fn an_offset_written_onto_an_iso_time_is_its_zone_and_not_the_next_moment() {
        let ms = moments("2024-04-03T09:55:00-07:00 writes succeed");
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].stamp.to_string(), "2024-04-03T09:55:00-07:00");
        assert_eq!(ms[0].end, "2024-04-03T09:55:00-07:00".len());
        // Without the `T` of a date and time, a minus is a range's dash.
        let range: Vec<String> = moments("09:00-10:00 deploy")
            .iter()
            .map(|m| m.stamp.to_string())
            .collect();
        assert_eq!(range, ["09:00:00", "10:00:00"]);
    }

    #[test]
    fn a_dash_joins_a_date_to_its_time_but_not_two_times() {
        assert_eq!(
            stamp("Mar 14, 2024 - 15:47 UTC - Investigating"),
            "2024-03-14T15:47:00Z"
        );
        let f = leading_found("2024-03-14 \u{2013} 15:47 UTC - Resolved").unwrap();
        assert_eq!(f.stamp.to_string(), "2024-03-14T15:47:00Z");
        assert_eq!(f.end, "2024-03-14 \u{2013} 15:47 UTC".len());
        let range: Vec<String> = moments("Mar 14, 2024 10:00 - 11:00 UTC")
            .iter()
            .map(|m| m.stamp.to_string())
            .collect();
        assert_eq!(range, ["2024-03-14T10:00:00", "11:00:00Z"]);
        let days: Vec<String> = moments("2024-03-14 - 2024-03-15")
            .iter()
            .map(|m| m.stamp.to_string())
            .collect();
        assert_eq!(days, ["2024-03-14", "2024-03-15"]);
    }

    #[test]
    fn ignores_numbers_that_are_not_times() {
        assert_eq!(stamp("version 1.11 to 1.13"), "");
        assert_eq!(stamp("a ratio of 1:1000"), "");
        assert_eq!(stamp("decreased by 30% over 10 servers"), "");
        assert_eq!(stamp("the cat sat"), "");
    }
}
