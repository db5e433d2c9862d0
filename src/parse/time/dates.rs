//! Calendar dates: `2023-11-01`, `03/14/2024`, `22 February 2023`, `March 26th, 2019`,
//! `June 10` (a day whose year comes from context), and due dates written alone.

use chrono::{Datelike, NaiveDate};

use super::scan::Scanner;
use super::{DateOrder, Mention, Moments, UnorderedDate, What};
use crate::parse::inline::starts_with_ascii_ci;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Weekday names as day lines and day headings open with them ("**Tuesday, March 14,
/// 2023**", "### Tue 2023-03-14"): full names and the abbreviations calendars print.
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `text` without the weekday it opens with (a full name, its first three letters, "Tues" or
/// "Thurs", then a comma or a full stop and spaces): a weekday before a date says no more
/// than the date. `text` itself when it opens with none.
pub(crate) fn without_weekday(text: &str) -> &str {
    let len = text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let is_weekday = is_weekday(&text[..len]);
    let rest = text[len..].strip_prefix([',', '.']).unwrap_or(&text[len..]);
    let after = rest.trim_start_matches(' ');
    if is_weekday && after.len() < rest.len() && !after.is_empty() {
        after
    } else {
        text
    }
}

/// Whether `word` names a weekday, whole or shortened (`Thursday`, `Thu`, `Thurs`).
pub(crate) fn is_weekday(word: &str) -> bool {
    word.len() >= 3
        && WEEKDAYS.iter().any(|d| {
            word.eq_ignore_ascii_case(d)
                || word.eq_ignore_ascii_case(&d[..3])
                || (matches!(*d, "tuesday" | "thursday")
                    && word.eq_ignore_ascii_case(&d[..d.len() - 3]))
        })
}

/// Whether `word` names a month, whole or shortened (`May`, `Sept`, `Jan.`).
pub(crate) fn is_month_name(word: &str) -> bool {
    month_number(word.as_bytes()).is_some()
}

fn month_number(word: &[u8]) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let word = word.strip_suffix(b".").unwrap_or(word);
    if word.len() > 9 || !month_key(word[0], word[1], word[2]) {
        return None;
    }
    // The first three letters name one month: full names, three-letter abbreviations and
    // "Sept" are read.
    let i = MONTHS
        .iter()
        .position(|m| m.as_bytes()[..3].eq_ignore_ascii_case(&word[..3]))?;
    let read = word.len() == 3
        || word.eq_ignore_ascii_case(MONTHS[i].as_bytes())
        || (i == 8 && word.eq_ignore_ascii_case(b"sept"));
    read.then_some(i as u32 + 1)
}

/// Whether a word whose first three bytes are these starts like a month name.
pub(super) fn month_key(a: u8, b: u8, c: u8) -> bool {
    let (a, b, c) = (a | 0x20, b | 0x20, c | 0x20);
    let is = |x: u8, y: u8, z: u8| (a == x) & (b == y) & (c == z);
    is(b'j', b'a', b'n')
        | is(b'f', b'e', b'b')
        | is(b'm', b'a', b'r')
        | is(b'a', b'p', b'r')
        | is(b'm', b'a', b'y')
        | is(b'j', b'u', b'n')
        | is(b'j', b'u', b'l')
        | is(b'a', b'u', b'g')
        | is(b's', b'e', b'p')
        | is(b'o', b'c', b't')
        | is(b'n', b'o', b'v')
        | is(b'd', b'e', b'c')
}

impl Scanner<'_> {
    /// `2023-11-01`, `2019-3-26`, `2023/11/01`, `2023.11.01`.
    pub(super) fn iso_date(&self, i: usize) -> Option<Mention> {
        let (y, n) = self.digits(i);
        if n != 4 {
            return None;
        }
        let sep = *self.s.get(i + 4)?;
        if !matches!(sep, b'-' | b'/' | b'.') {
            return None;
        }
        let (m, mn) = self.digits(i + 5);
        if !(1..=2).contains(&mn) || self.s.get(i + 5 + mn) != Some(&sep) {
            return None;
        }
        let (d, dn) = self.digits(i + 6 + mn);
        if !(1..=2).contains(&dn) {
            return None;
        }
        let end = i + 6 + mn + dn;
        if self.s.get(end).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
        Self::mention(What::Date(date), i, end)
    }

    /// `03/14/2024`, `14.03.2024`, `03, 14, 2024`: a date when the order is certain (one
    /// number above 12, both the same, or dots: `05.09.2025` is day first wherever dates are
    /// written so);
    /// `04-12-2022` is an [`UnorderedDate`] that the document's other dates may settle.
    pub(super) fn numeric_date(&self, i: usize) -> Option<Mention> {
        let (a, b, year, end) = self.numeric_parts(i)?;
        let dotted = self.s.get(i + self.digits(i).1) == Some(&b'.');
        let what = match (a > 12, b > 12) {
            // (`03/03/2025` reads the same in either order.)
            (false, false) if dotted || a == b => What::Date(NaiveDate::from_ymd_opt(year, b, a)?),
            (false, true) => What::Date(NaiveDate::from_ymd_opt(year, a, b)?),
            (true, false) => What::Date(NaiveDate::from_ymd_opt(year, b, a)?),
            (false, false) => What::Unordered(UnorderedDate {
                first: a,
                second: b,
                year,
            }),
            (true, true) => return None,
        };
        Self::mention(what, i, end)
    }

    /// The two leading numbers, the year and the end of a numeric date at `i`: one or two
    /// digits, a separator (`/ - . ,`), one or two digits, the same separator, four digits.
    fn numeric_parts(&self, i: usize) -> Option<(u32, u32, i32, usize)> {
        let (a, an) = self.digits(i);
        if !(1..=2).contains(&an) || a == 0 {
            return None;
        }
        let mut j = i + an;
        let sep = *self.s.get(j)?;
        if !matches!(sep, b'/' | b'-' | b'.' | b',') {
            return None;
        }
        j += 1;
        if sep == b',' {
            j = self.skip_spaces(j);
        }
        let (b, bn) = self.digits(j);
        if !(1..=2).contains(&bn) || b == 0 {
            return None;
        }
        j += bn;
        if self.s.get(j) != Some(&sep) {
            return None;
        }
        j += 1;
        if sep == b',' {
            j = self.skip_spaces(j);
        }
        let (y, yn) = self.digits(j);
        if yn != 4 || self.s.get(j + yn).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        Some((a, b, y as i32, j + yn))
    }

    /// `22 February 2023`, `5th March`, `1st of May, 2026`; `3-Mar-2025`, `03/Mar/2025`, as
    /// Jira and spreadsheets write dates.
    pub(super) fn day_month(&self, i: usize) -> Option<Mention> {
        let (d, dn) = self.digits(i);
        if !(1..=2).contains(&dn) || d == 0 || d > 31 {
            return None;
        }
        let mut j = i + dn;
        if let Some(&sep @ (b'-' | b'/')) = self.s.get(j) {
            let we = self.word_end(j + 1);
            let month = month_number(&self.s[j + 1..we])?;
            let (y, yn) = self.digits(we + 1);
            if self.s.get(we) != Some(&sep) || yn != 4 {
                return None;
            }
            let date = NaiveDate::from_ymd_opt(y as i32, month, d)?;
            return Self::mention(What::Date(date), i, we + 1 + yn);
        }
        j = self.ordinal_suffix(j);
        if self.s.get(j) != Some(&b' ') {
            return None;
        }
        j = self.skip_spaces(j);
        if starts_with_ascii_ci(&self.s[j..], "of ") {
            j = self.skip_spaces(j + 3);
        }
        let we = self.word_end(j);
        let month = month_number(&self.s[j..we])?;
        let mut end = we;
        if self.s.get(end) == Some(&b'.') {
            end += 1;
        }
        self.with_year(month, d, i, end)
    }

    /// `February 22, 2023`, `Feb 22 2023`, `March 26th, 2019`, `September 5,, 2024`, `June 10`.
    pub(super) fn month_day(&self, i: usize) -> Option<Mention> {
        let we = self.word_end(i);
        let month = month_number(&self.s[i..we])?;
        let mut j = we;
        if self.s.get(j) == Some(&b'.') {
            j += 1;
        }
        if self.s.get(j) != Some(&b' ') {
            return None;
        }
        j = self.skip_spaces(j);
        let (d, dn) = self.digits(j);
        if !(1..=2).contains(&dn) || d == 0 || d > 31 {
            // "May 2023": a month and year only; not a day.
            return None;
        }
        let mut end = self.ordinal_suffix(j + dn);
        // "March 26 17:40" is a day then a time, not "26:17"; "June 10, 2024" has a year.
        if self.s.get(end) == Some(&b':') {
            return None;
        }
        if self.s.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        let _ = &mut end;
        self.with_year(month, d, i, end)
    }

    pub(super) fn ordinal_suffix(&self, j: usize) -> usize {
        let rest = &self.s[j..];
        for suffix in ["st", "nd", "rd", "th"] {
            if starts_with_ascii_ci(rest, suffix)
                && !rest.get(2).is_some_and(u8::is_ascii_alphabetic)
            {
                return j + 2;
            }
        }
        j
    }

    /// After a day and month: an optional `, 2023` / ` 2023` / `,, 2024`.
    pub(super) fn with_year(
        &self,
        month: u32,
        day: u32,
        start: usize,
        end: usize,
    ) -> Option<Mention> {
        let mut j = end;
        while j < self.s.len() && matches!(self.s[j], b',' | b' ') && j < end + 4 {
            j += 1;
        }
        let (y, yn) = self.digits(j);
        // "Feb 9 1924 UTC": four digits with a zone are the time, not the year ("March 5,
        // 2025: the upgrade" has a year).
        let followed_by_time = self.four_digit_time(j).is_some();
        if yn == 4 && !followed_by_time && (1900..=2200).contains(&y) {
            let date = NaiveDate::from_ymd_opt(y as i32, month, day)?;
            return Self::mention(What::Date(date), start, j + yn);
        }
        NaiveDate::from_ymd_opt(2000, month, day)?; // reject February 30
        Self::mention(What::MonthDay(month, day), start, end)
    }
}

/// The order of a document's numeric dates, from the first one that shows it (`29-09-2021`:
/// day first). Documents keep one order throughout, so that one settles the others. (A
/// numeric date has six digits or more, `1-2-2023`: the lines given should have as many.)
pub(crate) fn date_order<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<DateOrder> {
    lines.into_iter().find_map(|line| {
        let b = line.as_bytes();
        let scan = Scanner::new(line);
        (0..b.len())
            .filter(|&i| b[i].is_ascii_digit() && scan.at_boundary(i))
            .find_map(|i| {
                let (a, b, _, _) = scan.numeric_parts(i)?;
                match (a > 12, b > 12) {
                    (true, false) if a <= 31 => Some(DateOrder::DayFirst),
                    (false, true) if b <= 31 => Some(DateOrder::MonthFirst),
                    _ => None,
                }
            })
    })
}

/// Parses a due date written alone: `2023-03-01`, `March 1, 2023`, `1 March`, `by March 1`,
/// `3/30`. A date without a year takes the first such day on or after `reference`.
pub(crate) fn parse_date(text: &str, reference: Option<NaiveDate>) -> Option<NaiveDate> {
    let f = Moments::new(text).find(|f| f.stamp.date.is_some() || f.month_day.is_some());
    if let Some(d) = f.and_then(|f| f.stamp.date) {
        return Some(d);
    }
    if f.is_none() {
        if let Some(d) = day_month_name_year(text) {
            return Some(d);
        }
    }
    let (m, d) = f
        .and_then(|f| f.month_day)
        .or_else(|| numeric_month_day(text))?;
    let reference = reference?;
    let this_year = NaiveDate::from_ymd_opt(reference.year(), m, d);
    match this_year {
        Some(date) if date >= reference => Some(date),
        _ => NaiveDate::from_ymd_opt(reference.year() + 1, m, d),
    }
}

/// `6-Mar-2026`, `06/Mar/26`, `06-MAR-2026`: a day, a month's name and a year joined by dashes
/// or slashes, as Jira and spreadsheets write a date (a year of two figures is this
/// century's). Read only when the text is nothing else.
fn day_month_name_year(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().split(['-', '/']);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let figures = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
    };
    if parts.next().is_some() || !figures(day, 1..=2) || !figures(year, 2..=4) || year.len() == 3 {
        return None;
    }
    let month = month_number(month.as_bytes())?;
    let year: i32 = year.parse().ok()?;
    let year = if year < 100 { 2000 + year } else { year };
    NaiveDate::from_ymd_opt(year, month, day.parse().ok()?)
}

/// `3/30`, `30/3`: a month and day in figures without a year, as (month, day). Read only when
/// the text is nothing else (in a sentence `3/4` is as often a fraction), and only when one
/// reading alone is a date: `3/4` could be either day first or month first, and is none.
pub(crate) fn numeric_month_day(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().trim_end_matches(['.', ')', ',']).trim_end();
    let (a, b) = t.split_once('/')?;
    let figures = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit());
    if !figures(a) || !figures(b) {
        return None;
    }
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    match (a, b) {
        (1..=12, 13..=31) => Some((a, b)),
        (13..=31, 1..=12) => Some((b, a)),
        _ => None,
    }
}

/// Month `m`, day `d` in the year of `near`, or in the year next to it when that puts the
/// day within a quarter of `near` and the year's own does not: a timeline that runs past New
/// Year ("Dec 31 23:58" then "Jan 1 00:14") goes on into the next year, while a day months
/// away keeps the year (a day written without one is read in the year around it).
pub(crate) fn nearest_with_year(m: u32, d: u32, near: NaiveDate) -> Option<NaiveDate> {
    const QUARTER: i64 = 92;
    let distance = |day: &NaiveDate| (*day - near).num_days().abs();
    let own = NaiveDate::from_ymd_opt(near.year(), m, d);
    if own.as_ref().is_some_and(|day| distance(day) <= QUARTER) {
        return own;
    }
    [near.year() + 1, near.year() - 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
        .find(|day| distance(day) <= QUARTER)
        .or(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_written_with_dots_is_day_first() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 5);
        for text in ["05.09.2025", "5.9.2025", "due 05.09.2025"] {
            assert_eq!(parse_date(text, None), d, "{text}");
        }
        // With dashes or slashes the order stays open until the document settles it.
        for text in ["05-09-2025", "05/09/2025"] {
            assert_eq!(parse_date(text, None), None, "{text}");
        }
    }

    #[test]
    fn a_day_a_month_s_name_and_a_year_joined_by_dashes_or_slashes_is_a_date() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 6);
        for text in ["6-Mar-2026", "06/Mar/26", "06-MAR-2026", "6-March-2026"] {
            assert_eq!(parse_date(text, None), d, "{text}");
        }
        for text in ["6-Mar", "31-Feb-2026", "6-Mrz-2026", "6-Mar-202"] {
            assert_eq!(parse_date(text, None), None, "{text}");
        }
    }

    #[test]
    fn a_weekday_before_a_date_is_left_out() {
        for (text, want) in [
            ("Tuesday, March 14, 2023", "March 14, 2023"),
            ("Tue 2023-03-14", "2023-03-14"),
            ("Thurs. 16 March", "16 March"),
            ("WEDNESDAY 15 March 2023", "15 March 2023"),
            ("Sunday", "Sunday"),
            ("Monitoring 2023-03-14", "Monitoring 2023-03-14"),
            ("Fridays 2023-03-14", "Fridays 2023-03-14"),
            ("Mon,2023-03-14", "Mon,2023-03-14"),
        ] {
            assert_eq!(without_weekday(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_month_and_day_in_figures_are_read_only_when_one_reading_is_a_date() {
        let march_2 = NaiveDate::from_ymd_opt(2026, 3, 2);
        let date = |t: &str| parse_date(t, march_2).map(|d| d.to_string());
        assert_eq!(date("3/30").as_deref(), Some("2026-03-30"));
        assert_eq!(date("30/3").as_deref(), Some("2026-03-30"));
        // Past the reference day, the next year's.
        assert_eq!(date("1/20.").as_deref(), Some("2027-01-20"));
        for unread in ["3/4", "3/30 or later", "13/13", "2/31", "0/15", "100/3"] {
            assert_eq!(date(unread), None, "{unread}");
        }
    }

    /// The month reader as it was before the three-letter pre-test.
    fn month_number_by_names(word: &[u8]) -> Option<u32> {
        let word = word.strip_suffix(b".").unwrap_or(word);
        let lower = word.to_ascii_lowercase();
        (word.len() >= 3).then_some(())?;
        MONTHS
            .iter()
            .position(|m| {
                m.as_bytes() == lower
                    || (lower.len() == 3 && m.as_bytes().starts_with(&lower))
                    || (lower == b"sept" && *m == "september")
            })
            .map(|i| i as u32 + 1)
    }

    #[test]
    fn month_key_test_agrees_with_the_names() {
        let words = [
            "Jan",
            "JANUARY",
            "janu",
            "Sept",
            "sept.",
            "Sep",
            "September",
            "Septembers",
            "may",
            "Mayday",
            "mar",
            "March",
            "Marc",
            "dec.",
            "December",
            "nov",
            "Oct",
            "octopus",
            "Ju",
            "jun",
            "July",
            "Jul",
            "augus",
            "August",
            "apr",
            "April",
            "Feb",
            "february",
            "fe",
            "",
        ];
        for w in words {
            assert_eq!(
                month_number(w.as_bytes()),
                month_number_by_names(w.as_bytes()),
                "{w}"
            );
        }
    }

    #[test]
    fn reads_due_dates() {
        let jan = NaiveDate::from_ymd_opt(2026, 1, 10);
        assert_eq!(
            parse_date("by March 1", jan).map(|d| d.to_string()),
            Some("2026-03-01".into())
        );
        assert_eq!(
            parse_date("Deadline: December 22, 2023.", None).map(|d| d.to_string()),
            Some("2023-12-22".into())
        );
        assert_eq!(parse_date("someday", jan), None);
    }
}
