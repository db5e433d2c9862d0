//! Time ranges: two moments joined by a connector (`10:00 AM - 11:30 AM EST`, `between 9:00 PM
//! and 11:30 PM`, `from 16:58 to 18:46 UTC`).

#[cfg(test)]
use super::moments;
use super::{hhmm_after, joins, Found};

/// A time range such as `10:00 AM - 11:30 AM EST`, `from 16:58 to 18:46 UTC`,
/// `between 9:00 PM and 11:30 PM`, `June 10, 2023, 08:00 AM - June 11, 2023, 10:00 AM (UTC-5)`.
/// A zone written once applies to both ends; a date written once applies to both ends, and the
/// end moves to the next day when its clock time is earlier than the start's. Two days with no
/// times make a range of days (`from April 10th, 2026 to April 14th, 2026`).
#[cfg(test)]
pub(crate) fn range(text: &str) -> Option<(Found, Found)> {
    range_in(text, &moments(text))
}

/// [`range`] over moments already found in `text`.
pub(crate) fn range_in(text: &str, ms: &[Found]) -> Option<(Found, Found)> {
    for w in ms.windows(2) {
        let (a, b) = (w[0], w[1]);
        let times = a.stamp.time.is_some() && b.stamp.time.is_some();
        // (The start's day may leave its year to the end's: "March 30 – April 2, 2024".)
        let days = a.stamp.time.is_none()
            && b.stamp.time.is_none()
            && a.has_date()
            && b.stamp.date.is_some();
        if !times && !days {
            continue;
        }
        // (A zone in brackets ends its moment before the closing bracket: `14:20 (GMT) to`.)
        let gap = text[a.end..b.start].trim().to_ascii_lowercase();
        let gap = gap.strip_prefix(')').unwrap_or(&gap);
        let connector = is_connector(skip_zone_note(
            gap.trim_matches(|c: char| c == ',' || c == ' '),
        ));
        if !connector {
            continue;
        }
        if days {
            return Some((a, b));
        }
        let (mut a, b) = (a, b);
        // "between 02:00 and 02.30 PM": a "PM" written once, after the end, is the start's
        // too when that keeps the start before the end ("9:00 - 5:00 PM" starts at 9:00).
        let bare = !text[a.start..a.end]
            .bytes()
            .any(|c| c.is_ascii_alphabetic());
        let b_text = text[b.start..b.end].to_ascii_lowercase();
        if bare && (b_text.contains("pm") || b_text.contains("p.m")) {
            if let (Some(ta), Some(tb)) = (a.stamp.time, b.stamp.time) {
                let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
                let later = ta + chrono::Duration::hours(12);
                if ta < noon && later <= tb {
                    a.stamp.time = Some(later);
                }
            }
        }
        let mut b = b;
        // A zone after the end, or in the text right after it, covers both.
        if b.stamp.offset.is_none() {
            if let Some(next) = ms.iter().find(|m| m.start >= b.end) {
                if next.stamp.time.is_none()
                    && next.stamp.date.is_none()
                    && next.stamp.offset.is_some()
                    && joins(&text[b.end..next.start])
                {
                    b.stamp.offset = next.stamp.offset;
                    b.end = next.end;
                }
            }
        }
        if a.stamp.offset.is_none() {
            a.stamp.offset = b.stamp.offset;
            // (`08:05 – 10:50 (Europe/Berlin)`: a named zone, whose offset each end's date
            // decides.)
            a.named = a.named.or(b.named);
        }
        if b.stamp.offset.is_none() {
            b.stamp.offset = a.stamp.offset;
        }
        // A date after the range ("10:00 AM - 11:30 AM EST on February 5, 2023").
        if a.stamp.date.is_none() && b.stamp.date.is_none() {
            if let Some(next) = ms.iter().find(|m| m.start >= b.end) {
                let gap = text[b.end..next.start].trim().to_ascii_lowercase();
                if next.stamp.time.is_none()
                    && (next.stamp.date.is_some() || next.month_day.is_some())
                    && matches!(gap.trim_matches(|c: char| c == ',' || c == '('), "" | "on")
                {
                    a.stamp.date = next.stamp.date;
                    a.month_day = next.month_day;
                    b.end = next.end;
                }
            }
        }
        // "On January 18, 2025, between 22:10 and 03:35 on January 19": the day written
        // before the range, the day before the end's, is the start's.
        let eve = ms[..ms.iter().take_while(|m| m.end <= a.start).count()]
            .iter()
            .rev()
            .find(|p| p.stamp.time.is_none() && is_day_before(p, &b));
        if let Some(p) = eve.filter(|_| a.stamp.date.is_none() && a.month_day.is_none()) {
            a.stamp.date = p.stamp.date;
            a.month_day = p.month_day;
            if a.stamp.date.is_some() {
                // The end's day then follows from the start's (a year turning too).
                b.stamp.date = None;
            }
        }
        if a.stamp.date.is_none() && a.month_day.is_none() {
            // One date written after the range is the start's; an end earlier on the clock
            // is the next day.
            a.stamp.date = b.stamp.date;
            a.month_day = b.month_day;
            if let (Some(d), Some(ta), Some(tb)) = (b.stamp.date, a.stamp.time, b.stamp.time) {
                if tb < ta {
                    b.stamp.date = d.succ_opt();
                }
            }
        }
        if b.stamp.date.is_none() {
            b.month_day = b.month_day.or(a.month_day);
            if let (Some(d), Some(ta), Some(tb)) = (a.stamp.date, a.stamp.time, b.stamp.time) {
                b.stamp.date = Some(if tb < ta { d.succ_opt()? } else { d });
            }
        }
        return Some((a, b));
    }
    ms.iter()
        .find_map(|a| day_until_clock(text, a).map(|b| (*a, b)))
}

/// Whether the day `p` names is the day before `b`'s, as far as both are written (a month and
/// day without a year are compared as such).
fn is_day_before(p: &Found, b: &Found) -> bool {
    use chrono::Datelike;
    let month_day = |f: &Found| f.stamp.date.map(|d| (d.month(), d.day())).or(f.month_day);
    let next = match (p.stamp.date, p.month_day) {
        (Some(d), _) => d.succ_opt(),
        (None, Some((m, d))) => {
            chrono::NaiveDate::from_ymd_opt(2001, m, d).and_then(|d| d.succ_opt())
        }
        _ => None,
    };
    match (next, b.stamp.date) {
        (Some(n), Some(db)) if p.stamp.date.is_some() => n == db,
        (Some(n), _) => month_day(b) == Some((n.month(), n.day())),
        _ => false,
    }
}

/// `March 20 2017 till about 1300`: a day, a connector (and "about") and four digits, which
/// after a day are a time on it ([`hhmm_after`]): the range's end.
fn day_until_clock(text: &str, a: &Found) -> Option<Found> {
    let day = a.stamp.date.filter(|_| a.stamp.time.is_none())?;
    let mut at = a.end;
    for k in 0..3 {
        if k > 0 {
            if let Some((time, len)) = hhmm_after(&text[at..]) {
                let mut b = *a;
                b.stamp.date = Some(day);
                b.stamp.time = Some(time);
                b.start = at + 1;
                b.end = at + len;
                return Some(b);
            }
        }
        let rest = &text[at..];
        let word = rest.trim_start().split(' ').next().unwrap_or("");
        let allowed = if k == 0 {
            matches!(word, "-" | "–" | "to" | "till" | "until" | "through")
        } else {
            matches!(word, "about" | "around" | "approximately" | "~")
        };
        if !allowed || word.is_empty() {
            return None;
        }
        at += rest.len() - rest.trim_start().len() + word.len();
    }
    None
}

/// The gap after a note in brackets: a zone the scan does not read as one (`(PT) to`: a
/// region whose offset depends on the date), or a few words (`08:10Z (release published) to
/// 17:25Z`). A bracket with a figure may hold a moment of its own, and stays.
fn skip_zone_note(gap: &str) -> &str {
    let Some(rest) = gap.strip_prefix('(') else {
        return gap;
    };
    match rest.split_once(')') {
        Some((note, after)) if note.len() <= 30 && !note.bytes().any(|c| c.is_ascii_digit()) => {
            after.trim_start_matches([',', ' '])
        }
        _ => gap,
    }
}

/// What stands between the two ends of a range: `-`, `→`, `to`, `until`, `and ended at`,
/// `and was resolved at`, `to Thu` (the end's weekday).
fn is_connector(gap: &str) -> bool {
    let mut words = gap.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    if !matches!(
        first,
        "-" | "–" | "—" | "--" | "→" | "->" | "to" | "and" | "until" | "till" | "through"
    ) {
        return false;
    }
    words.all(|w| {
        super::dates::is_weekday(w.trim_end_matches(','))
            || matches!(
                w,
                "ended"
                    | "end"
                    | "ends"
                    | "was"
                    | "it"
                    | "resolved"
                    | "restored"
                    | "recovered"
                    | "finished"
                    | "fixed"
                    | "at"
                    | "by"
                    | "on"
            )
    })
}

/// Whether `text` may hold a range ([`range_in`] finds one only then): a cheap test that
/// rules out most text before [`moments`] reads it, in one pass over its runs of digits.
///
/// A range of times has two times of day, and every time ends its hour's digits with `:` or
/// `.` (`14:00`, `9.30pm`) or is followed, after at most one space, by an am/pm mark
/// (`10 AM`, `8pm`). Such runs count unless they are one or two digits right after a digit
/// and a colon: the minutes or seconds of `03:39:25` count with its hours. (Two times in one
/// chain of colon-joined numbers have no connector between them, so they never make a
/// range; and of two chains, each one's first run counts.) A range of days (`from April
/// 10th, 2026 to April 14th, 2026`, or a day until four digits: `March 20 2017 till about
/// 1300`) has two runs of four digits. Either pair stands close: the two ends of a range are
/// joined by a connector and a few words, and the longest stretch between two such runs is
/// an end's date written out (`10:00 AM on Wednesday, September 20th, 2023 - Thursday,
/// September 21st, 2023 11:30 AM`).
pub(crate) fn may_hold_range(text: &str) -> bool {
    let b = text.as_bytes();
    let mark = |c: u8| matches!(c.to_ascii_lowercase(), b'a' | b'p' | b'm');
    // Where the last run of each kind ended: the next must start within `NEAR` bytes.
    const NEAR: usize = 120;
    let (mut hour_end, mut year_end): (Option<usize>, Option<usize>) = (None, None);
    // The ends of the last two runs of one or two digits (days): "March 30 – April 2, 2024"
    // has one run of four, after two days that share it.
    let mut days: [Option<usize>; 2] = [None, None];
    let near = |end: Option<usize>, start: usize| end.is_some_and(|e| start - e <= NEAR);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let after_colon =
            i - start <= 2 && start >= 2 && b[start - 1] == b':' && b[start - 2].is_ascii_digit();
        let next = b.get(i).copied().unwrap_or(0);
        let ends_an_hour = matches!(next, b':' | b'.')
            || (next == b'h' && i - start == 2 && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            || mark(next)
            || (next == b' ' && b.get(i + 1).is_some_and(|c| mark(*c)));
        if !after_colon && ends_an_hour {
            if near(hour_end, start) {
                return true;
            }
            hour_end = Some(i);
        }
        if i - start == 4 {
            if near(year_end, start) || near(days[0], start) {
                return true;
            }
            year_end = Some(i);
        }
        if i - start <= 2 && !after_colon && !ends_an_hour {
            days = [days[1], Some(i)];
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_passes_the_cheap_test() {
        let parts = [
            "10:00",
            "9 AM",
            "8pm",
            "2023",
            "1.5",
            "12 ",
            "x",
            " p",
            "30%",
            "7",
            "é",
            "4 M",
            "03:39:25",
            "1:2",
            "99:10:30",
            "2023-01-01:10:30",
            " - ",
            " to ",
            "123:45",
            "09h40",
        ];
        for a in parts {
            for b in parts {
                for c in ["", " - 11:30", ":15 to 4 pm"] {
                    for pad in ["", " ", ":", "0123456789abcde", "lorem ipsum dolor "] {
                        let t = format!("{pad}{a}{pad}{b}{c}");
                        if range(&t).is_some() {
                            assert!(may_hold_range(&t), "{t:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn times_far_apart_are_not_a_range_but_one_amid_prose_is() {
        let far = "At 10:00 the deploy began and error rates climbed across every region while \
                   the on-call engineer paged the database team and waited for them. At 11:30 \
                   it was rolled back.";
        assert!(!may_hold_range(far));
        assert_eq!(range(far), None);
        // Prose around a range written out with its dates does not hide it.
        let long = format!(
            "{far} The outage lasted from June 10, 2023, 08:00 AM - June 11, 2023, 10:00 AM \
             (UTC-5). {far}"
        );
        assert!(may_hold_range(&long));
        assert!(range(&long).is_some());
    }

    #[test]
    fn reads_ranges() {
        let r = |t: &str| {
            range(t)
                .map(|(a, b)| format!("{} / {}", a.stamp, b.stamp))
                .unwrap_or_default()
        };
        assert_eq!(
            r("Duration of Outage: 10:00 AM - 11:30 AM EST on February 5, 2023"),
            "2023-02-05T10:00:00-05:00 / 2023-02-05T11:30:00-05:00"
        );
        assert_eq!(
            r("November 10, 2023, 8:00 PM - November 11, 2023, 2:00 AM (UTC)"),
            "2023-11-10T20:00:00Z / 2023-11-11T02:00:00Z"
        );
        assert_eq!(
            r("June 10, 2023, 08:00 AM - June 11, 2023, 10:00 AM (UTC-5)"),
            "2023-06-10T08:00:00-05:00 / 2023-06-11T10:00:00-05:00"
        );
        assert_eq!(
            r("between the hours of 9:00 PM and 11:30 PM EST"),
            "21:00:00-05:00 / 23:30:00-05:00"
        );
        assert_eq!(
            r("January 24, 2024, 15:00 to 18:30 UTC"),
            "2024-01-24T15:00:00Z / 2024-01-24T18:30:00Z"
        );
        assert_eq!(
            r("between 2019-02-25 23:04 and 2019-02-26 08:12"),
            "2019-02-25T23:04:00 / 2019-02-26T08:12:00"
        );
        assert_eq!(
            r("From sometime early March 20 2017 till about 1300, servers were stuck"),
            "2017-03-20 / 2017-03-20T13:00:00"
        );
        assert_eq!(r("From March 20 2017 till 2000 users left"), "");
        assert_eq!(
            r("2022-01-20 Between 02:00 and 02.30 PM"),
            "14:00:00 / 14:30:00"
        );
        assert_eq!(r("9:00 - 5:00 PM"), "09:00:00 / 17:00:00");
        // An arrow joins the ends, and the end's weekday may stand after the connector.
        assert_eq!(
            r("Window: 2025-06-12 19:40 UTC → 2025-06-12 21:55 UTC"),
            "2025-06-12T19:40:00Z / 2025-06-12T21:55:00Z"
        );
        assert_eq!(
            r("Unavailable from Wed 26 Feb 2025 14:20 GMT to Thu 27 Feb 2025 10:05 GMT."),
            "2025-02-26T14:20:00Z / 2025-02-27T10:05:00Z"
        );
        assert_eq!(r("from 10:00 to Thursday lunch, 12:30"), "");
        assert_eq!(
            r("The outage lasted from 09h40 to 11h15 UTC on 18 February 2025."),
            "2025-02-18T09:40:00Z / 2025-02-18T11:15:00Z"
        );
        // A zone in brackets after each end, a note in brackets after the start.
        assert_eq!(
            r("The outage ran from 2025-02-26 14:20 (GMT) to 2025-02-27 10:05 (GMT)."),
            "2025-02-26T14:20:00Z / 2025-02-27T10:05:00Z"
        );
        assert_eq!(
            r("Outage: from 2025-05-06T08:10Z (release published) to 2025-05-06T17:25Z."),
            "2025-05-06T08:10:00Z / 2025-05-06T17:25:00Z"
        );
        assert_eq!(r("from 10:00 (see 11:00 note) to 12:00"), "");
        assert_eq!(
            r("from 23:00 to 01:30, 2024-01-01"),
            "2024-01-01T23:00:00 / 2024-01-02T01:30:00"
        );
    }
}
