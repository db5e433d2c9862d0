//! Dates, times and zones as people write them in postmortems.
//!
//! The scanner finds primitive mentions (a date, a time of day, a zone) in a line, and the
//! helpers combine neighbours into moments and ranges: `2023-11-01 14:00 CAT`,
//! `10:00 AM - 11:30 AM EST on February 5, 2023`, `between 9:00 PM and 11:30 PM EST`,
//! `January 31 2023, 16:15 GMT+1`, `03:39:25`. No regex: one left-to-right pass over the bytes.

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveTime};

use crate::clock::Zone;
use crate::model::Timestamp;

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
    Time(NaiveTime),
    Zone(FixedOffset),
}

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

/// Zone abbreviations seen in postmortems, with the offsets readers mean by them (North American
/// readings for the ambiguous CST/IST: the corpus uses them that way; GST is Gulf Standard
/// Time, as operations teams in the Gulf write it).
const ZONES: [(&str, i32); 37] = [
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("wet", 0),
    ("bst", 60),
    ("cet", 60),
    ("wat", 60),
    ("west", 60),
    ("cest", 120),
    ("cat", 120),
    ("sast", 120),
    ("eet", 120),
    ("eest", 180),
    ("eat", 180),
    ("msk", 180),
    ("ist", 330),
    ("sgt", 480),
    ("hkt", 480),
    ("awst", 480),
    ("jst", 540),
    ("kst", 540),
    ("aest", 600),
    ("aedt", 660),
    ("nzst", 720),
    ("nzdt", 780),
    ("est", -300),
    ("edt", -240),
    ("cst", -360),
    ("cdt", -300),
    ("mst", -420),
    ("mdt", -360),
    ("pst", -480),
    ("pdt", -420),
    ("akst", -540),
    ("hst", -600),
    ("et", -300),
    ("gst", 240),
];

/// The offset for a zone abbreviation or an offset written as `+02:00`, `UTC+3`, `GMT-5`.
pub fn zone_offset(word: &str) -> Option<FixedOffset> {
    let upper = word.trim().to_ascii_uppercase();
    let mut scan = Scanner::new(&upper);
    let mut found = None;
    scan.each(|m| {
        if found.is_none() {
            if let What::Zone(z) = m.what {
                if m.start == 0 && m.end == upper.len() {
                    found = Some(z);
                }
            }
        }
        true
    });
    found
}

/// The offset a zone abbreviation stands for (a word of ASCII letters, in any case).
fn abbreviation(word: &[u8]) -> Option<i32> {
    ZONES
        .iter()
        .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word))
        .map(|&(_, minutes)| minutes)
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

// Byte tests for the scan's pre-filter, without branches (`&` and `|` on bools) so that the
// compiler can test sixteen positions at once. `b | 0x20` is a given lower-case letter only
// for that letter in either case.

fn is_digit(b: u8) -> bool {
    b.wrapping_sub(b'0') < 10
}

fn is_upper(b: u8) -> bool {
    b.wrapping_sub(b'A') < 26
}

fn is_alnum(b: u8) -> bool {
    is_digit(b) | ((b | 0x20).wrapping_sub(b'a') < 26)
}

/// Whether a word whose first three bytes are these starts like a month name.
fn month_key(a: u8, b: u8, c: u8) -> bool {
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

/// Bytes that may follow the one or two digits of a numeric date (`/ - . ,`), a day
/// (`5th`, `22 February`) or an hour (`14:00`, `9.30pm`, `10 AM`, `8pm`): any other ends
/// the number without a mention.
const FOLLOWS_DAY_OR_HOUR: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"/-.,: stnrapSTNRAP";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Whether a mention may start at `c0` (followed by `c1 c2`, after `prev`). Only a word or
/// number that starts there can, and only one that is a number, starts like a month name, is
/// utc/gmt, or has two capitals (a zone; a lone capital is none). A `+` may start an offset;
/// the caller tests its boundary. True wherever [`Scanner::mention_at`] may find one.
fn may_start(prev: u8, c0: u8, c1: u8, c2: u8) -> bool {
    let (l0, l1, l2) = (c0 | 0x20, c1 | 0x20, c2 | 0x20);
    let base =
        ((l0 == b'u') & (l1 == b't') & (l2 == b'c')) | ((l0 == b'g') & (l1 == b'm') & (l2 == b't'));
    let word = is_digit(c0) | (is_upper(c0) & is_upper(c1)) | base | month_key(c0, c1, c2);
    (!is_alnum(prev) & word) | (c0 == b'+')
}

struct Scanner<'a> {
    s: &'a [u8],
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { s: text.as_bytes() }
    }

    fn at_boundary(&self, i: usize) -> bool {
        // `2023-02-14T11:59` has a time right after the `T`.
        i == 0
            || !self.s[i - 1].is_ascii_alphanumeric()
            || (self.s[i - 1] == b'T' && i >= 2 && self.s[i - 2].is_ascii_digit())
    }

    /// Digits starting at `i`: (value, count).
    fn digits(&self, i: usize) -> (u32, usize) {
        let mut v: u32 = 0;
        let mut n = 0;
        while i + n < self.s.len() && self.s[i + n].is_ascii_digit() && n < 9 {
            v = v * 10 + u32::from(self.s[i + n] - b'0');
            n += 1;
        }
        (v, n)
    }

    fn word_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.s.len() && self.s[j].is_ascii_alphabetic() {
            j += 1;
        }
        j
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while i < self.s.len() && self.s[i] == b' ' {
            i += 1;
        }
        i
    }

    /// Calls `f` with each mention, left to right, until it returns false.
    fn each(&mut self, mut f: impl FnMut(Mention) -> bool) {
        let mut i = 0;
        while let Some(m) = self.next_from(i, usize::MAX) {
            i = m.end;
            if !f(m) {
                return;
            }
        }
    }

    /// The first mention that starts at or after `i` and no later than `last`.
    fn next_from(&self, mut i: usize, last: usize) -> Option<Mention> {
        let end = self.s.len().min(last.saturating_add(1));
        // A scan that starts inside a word reads from the next boundary: the time right after
        // the `T` of `2023-02-14T11:59`, or the next word.
        while i < end && !self.at_boundary(i) {
            i += 1;
        }
        if i >= end {
            return None;
        }
        let mut skip_to = match self.candidate_at(i) {
            Ok(found) => return Some(found),
            Err(j) => j,
        };
        // The candidates of one block of sixteen positions are read from one mask, so that a
        // rejected candidate costs no new pass over the bytes after it.
        let mut base = skip_to;
        while base < end {
            let mut mask = self.starts16(base);
            if end - base < 16 {
                mask &= (1 << (end - base)) - 1;
            }
            while mask != 0 {
                let at = base + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if at < skip_to {
                    continue;
                }
                match self.candidate_at(at) {
                    Ok(found) => return Some(found),
                    Err(j) => skip_to = j,
                }
            }
            base = skip_to.max(base + 16);
        }
        None
    }

    /// The mention at `i` if a candidate start there holds one; else where the next candidate
    /// may start (past the digits after a `+`, else the next byte).
    fn candidate_at(&self, i: usize) -> Result<Mention, usize> {
        let c = self.s[i];
        if !(c.is_ascii_alphanumeric() || c == b'+') || !self.at_boundary(i) {
            return Err(i + 1);
        }
        if let Some(found) = self.mention_at(i) {
            return Ok(found);
        }
        // Skip the rest of this word or number (the digits after a `+` too).
        let mut j = i + 1;
        if c == b'+' {
            while j < self.s.len() && self.s[j].is_ascii_alphanumeric() {
                j += 1;
            }
        }
        Err(j)
    }

    /// The first position from `i` (at least 1) and before `end` that passes [`may_start`],
    /// found sixteen positions at a time (what [`Scanner::next_from`] reads from its masks).
    #[cfg(test)]
    fn next_start(&self, mut i: usize, end: usize) -> Option<usize> {
        while i < end {
            let mut mask = self.starts16(i);
            if end - i < 16 {
                mask &= (1 << (end - i)) - 1;
            }
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
        None
    }

    /// Bit `k` set when [`may_start`] holds at `i + k`, for sixteen positions (`i` at least
    /// 1). Bytes past the text read as 0. One branch-free pass the compiler vectorises.
    fn starts16(&self, i: usize) -> u32 {
        let mut w = [0u8; 19];
        match self.s.get(i - 1..i + 18) {
            Some(full) => w.copy_from_slice(full),
            None => {
                let tail = &self.s[i - 1..];
                w[..tail.len()].copy_from_slice(tail);
            }
        }
        let mut flags = [false; 16];
        for (k, f) in flags.iter_mut().enumerate() {
            *f = may_start(w[k], w[k + 1], w[k + 2], w[k + 3]);
        }
        flags
            .iter()
            .enumerate()
            .fold(0, |m, (k, &f)| m | (u32::from(f) << k))
    }

    /// The mention that starts at `i`, a boundary.
    fn mention_at(&self, i: usize) -> Option<Mention> {
        let c = self.s[i];
        if c.is_ascii_digit() {
            // The digit run's length and the byte after it tell which readers can match: four
            // digits and a separator start only an ISO date; one or two digits the others.
            let (_, n) = self.digits(i);
            let next = self.s.get(i + n).copied().unwrap_or(0);
            match n {
                4 => self.iso_date(i).or_else(|| self.four_digit_time(i)),
                1 | 2 if FOLLOWS_DAY_OR_HOUR[usize::from(next)] => self
                    .numeric_date(i)
                    .or_else(|| self.day_month(i))
                    .or_else(|| self.time(i)),
                _ => None,
            }
        } else if c == b'+' {
            self.numeric_offset(i, i)
        } else {
            // Zones are in capitals or are utc/gmt.
            let at = |k: usize| self.s.get(k).copied().unwrap_or(0);
            let month = month_key(c, at(i + 1), at(i + 2));
            let zone = c.is_ascii_uppercase() || matches!(c.to_ascii_lowercase(), b'u' | b'g');
            month
                .then(|| self.month_day(i))
                .flatten()
                .or_else(|| zone.then(|| self.zone(i)).flatten())
        }
    }

    /// The last place where a mention that [`joins`] one ending at `end` can start: after
    /// separators, and after one joining word (`at`, `on`, `of`, `T`) and separators.
    fn join_reach(&self, end: usize) -> usize {
        let seps = |mut k: usize| {
            while k < self.s.len() && matches!(self.s[k], b' ' | b',' | b'(' | b')' | b'~') {
                k += 1;
            }
            k
        };
        let q = seps(end);
        let rest = &self.s[q..];
        let word = ["at", "on", "of", "t"]
            .iter()
            .find(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes()));
        match word {
            Some(w) => seps(q + w.len()),
            None => q,
        }
    }

    fn mention(what: What, start: usize, end: usize) -> Option<Mention> {
        Some(Mention { what, start, end })
    }

    /// `2023-11-01`, `2019-3-26`, `2023/11/01`, `2023.11.01`.
    fn iso_date(&self, i: usize) -> Option<Mention> {
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

    /// `03/14/2024`, `14.03.2024`, `03, 14, 2024`: read only when the order is certain (one
    /// number above 12). `04-12-2022` stays unread: a guess would be wrong half the time.
    fn numeric_date(&self, i: usize) -> Option<Mention> {
        let (a, an) = self.digits(i);
        if !(1..=2).contains(&an) {
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
        if !(1..=2).contains(&bn) {
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
        if yn != 4 {
            return None;
        }
        j += yn;
        let (month, day) = match (a > 12, b > 12) {
            (false, true) => (a, b),
            (true, false) => (b, a),
            _ => return None,
        };
        let date = NaiveDate::from_ymd_opt(y as i32, month, day)?;
        Self::mention(What::Date(date), i, j)
    }

    /// `22 February 2023`, `5th March`, `1st of May, 2026`.
    fn day_month(&self, i: usize) -> Option<Mention> {
        let (d, dn) = self.digits(i);
        if !(1..=2).contains(&dn) || d == 0 || d > 31 {
            return None;
        }
        let mut j = i + dn;
        j = self.ordinal_suffix(j);
        if self.s.get(j) != Some(&b' ') {
            return None;
        }
        j = self.skip_spaces(j);
        if self.s[j..].len() >= 3 && self.s[j..j + 3].eq_ignore_ascii_case(b"of ") {
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
    fn month_day(&self, i: usize) -> Option<Mention> {
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

    fn ordinal_suffix(&self, j: usize) -> usize {
        let rest = &self.s[j..];
        for suffix in [b"st", b"nd", b"rd", b"th"] {
            if rest.len() >= 2
                && rest[..2].eq_ignore_ascii_case(suffix)
                && !rest.get(2).is_some_and(u8::is_ascii_alphabetic)
            {
                return j + 2;
            }
        }
        j
    }

    /// After a day and month: an optional `, 2023` / ` 2023` / `,, 2024`.
    fn with_year(&self, month: u32, day: u32, start: usize, end: usize) -> Option<Mention> {
        let mut j = end;
        while j < self.s.len() && matches!(self.s[j], b',' | b' ') && j < end + 4 {
            j += 1;
        }
        let (y, yn) = self.digits(j);
        // "Feb 9 1924 UTC": four digits with a zone are the time, not the year.
        let followed_by_time =
            self.s.get(j + yn) == Some(&b':') || self.four_digit_time(j).is_some();
        if yn == 4 && !followed_by_time && (1900..=2200).contains(&y) {
            let date = NaiveDate::from_ymd_opt(y as i32, month, day)?;
            return Self::mention(What::Date(date), start, j + yn);
        }
        NaiveDate::from_ymd_opt(2000, month, day)?; // reject February 30
        Self::mention(What::MonthDay(month, day), start, end)
    }

    /// `14:00`, `03:39:25`, `9:00 PM`, `9:00pm`, `10 AM`, `8pm`, `10:00 M` (a typo for AM).
    fn time(&self, i: usize) -> Option<Mention> {
        let (h, hn) = self.digits(i);
        if !(1..=2).contains(&hn) || h > 24 {
            return None;
        }
        let mut j = i + hn;
        let (mut m, mut sec) = (0, 0);
        let mut has_minutes = false;
        if self.s.get(j) == Some(&b':') || self.s.get(j) == Some(&b'.') && hn <= 2 {
            let sep = self.s[j];
            let (mm, mn) = self.digits(j + 1);
            if mn == 2 && mm < 60 {
                m = mm;
                has_minutes = true;
                j += 3;
                if self.s.get(j) == Some(&b':') {
                    let (ss, sn) = self.digits(j + 1);
                    if sn == 2 && ss < 60 {
                        sec = ss;
                        j += 3;
                        // A fraction of a second (`19:32:57.448021073`) is part of the time.
                        if self.s.get(j) == Some(&b'.') {
                            let (_, fraction) = self.digits(j + 1);
                            if fraction > 0 {
                                j += 1 + fraction;
                                while self.s.get(j).is_some_and(u8::is_ascii_digit) {
                                    j += 1;
                                }
                            }
                        }
                    }
                }
            }
            // "1.5 hours" or "10.2" are not times: a dot needs an am/pm after it.
            if sep == b'.' && !has_minutes {
                return None;
            }
            if sep == b'.' && self.meridiem(j).is_none() {
                return None;
            }
        }
        if self.s.get(j).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut hour = h;
        if let Some((pm, end)) = self.meridiem(j) {
            // "17:30 PM": a 24-hour time with a stray marker reads as the 24-hour time.
            if has_minutes && (13..=23).contains(&h) && pm {
                let time = NaiveTime::from_hms_opt(h, m, sec)?;
                return Self::mention(What::Time(time), i, end);
            }
            if !(1..=12).contains(&h) {
                return None;
            }
            hour = match (pm, h) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
            j = end;
        } else if !has_minutes {
            return None;
        }
        if hour == 24 {
            hour = 0;
        }
        let time = NaiveTime::from_hms_opt(hour, m, sec)?;
        Self::mention(What::Time(time), i, j)
    }

    /// `1506 UTC`, `0930Z`: four digits are a time of day only with a zone right after them
    /// (alone they are a year, a count, a number). The zone is the next mention.
    fn four_digit_time(&self, i: usize) -> Option<Mention> {
        let (v, n) = self.digits(i);
        let (h, m) = (v / 100, v % 100);
        if n != 4 || h > 23 || m > 59 {
            return None;
        }
        let end = i + 4;
        let zulu = self.s.get(end) == Some(&b'Z')
            && !self.s.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
        let zone_next = self.s.get(end) == Some(&b' ') && {
            let j = self.skip_spaces(end);
            j < self.s.len() && self.s[j].is_ascii_alphabetic() && self.zone(j).is_some()
        };
        if !zulu && !zone_next {
            return None;
        }
        let time = NaiveTime::from_hms_opt(h, m, 0)?;
        Self::mention(What::Time(time), i, end)
    }

    /// `AM`, `pm`, `a.m.`, `P.M.` (with or without a space), and `M` alone, read as AM.
    fn meridiem(&self, i: usize) -> Option<(bool, usize)> {
        let j = self.skip_spaces(i);
        if j - i > 1 {
            return None;
        }
        let rest = &self.s[j..];
        let lower = |k: usize| rest.get(k).map(u8::to_ascii_lowercase);
        let pm = match lower(0)? {
            b'a' => false,
            b'p' => true,
            b'm' if j > i && !lower(1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
                return Some((false, j + 1));
            }
            _ => return None,
        };
        let (len, tail) = if lower(1) == Some(b'm') {
            (2, 2)
        } else if lower(1) == Some(b'.') && lower(2) == Some(b'm') {
            (3, if lower(3) == Some(b'.') { 4 } else { 3 })
        } else {
            return None;
        };
        let _ = len;
        if rest.get(tail).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        Some((pm, j + tail))
    }

    /// `UTC`, `PST`, `UTC+3`, `GMT-05:00`, `(EAT)`.
    fn zone(&self, i: usize) -> Option<Mention> {
        let we = self.word_end(i);
        if we == i || we - i > 5 || self.s.get(we).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let word = &self.s[i..we];
        // Abbreviations count only in capitals ("cat" and "est" are English words), except
        // the unambiguous utc/gmt.
        let upper = word.iter().all(u8::is_ascii_uppercase);
        let base = word.eq_ignore_ascii_case(b"utc") || word.eq_ignore_ascii_case(b"gmt");
        if !upper && !base {
            return None;
        }
        if base {
            if let Some(m) = self.numeric_offset(we, i) {
                return Some(m);
            }
        }
        // A lone capital Z is a zone only right after a time ("14:00Z"), handled by callers.
        if word == b"Z" {
            return None;
        }
        let minutes = abbreviation(word)?;
        let offset = FixedOffset::east_opt(minutes * 60)?;
        Self::mention(What::Zone(offset), i, we)
    }

    /// `+3`, `-05:00`, `+0200`, `+2` after UTC/GMT or alone.
    fn numeric_offset(&self, i: usize, start: usize) -> Option<Mention> {
        let sign = match self.s.get(i)? {
            b'+' => 1,
            b'-' | 0xe2 => -1, // 0xe2: the first byte of a Unicode minus or dash
            _ => return None,
        };
        let k = if self.s[i] == 0xe2 {
            // Only U+2212 MINUS SIGN (e2 88 92) counts.
            if self.s.get(i + 1..i + 3) != Some(&[0x88, 0x92][..]) {
                return None;
            }
            i + 3
        } else {
            i + 1
        };
        let (h, hn) = self.digits(k);
        let (hours, mut minutes, mut end) = match hn {
            1 | 2 => (h, 0, k + hn),
            4 => (h / 100, h % 100, k + 4),
            _ => return None,
        };
        if hn <= 2 && self.s.get(end) == Some(&b':') {
            let (mm, mn) = self.digits(end + 1);
            if mn == 2 {
                minutes = mm;
                end += 3;
            }
        }
        // A bare "+3" needs a zone word before it; a bare "+02:00" stands alone.
        if start == i && hn <= 2 && end == k + hn {
            return None;
        }
        if hours > 14 || minutes > 59 {
            return None;
        }
        let offset = FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60))?;
        Self::mention(What::Zone(offset), start, end)
    }
}

/// Characters allowed between two mentions that belong to one moment.
fn joins(gap: &str) -> bool {
    // (`~` is "about": "May 29 2025, ~17:30 UTC" is one moment.)
    let g = gap.trim_matches(|c: char| matches!(c, ' ' | ',' | '(' | ')' | '~'));
    g.is_empty() || matches!(g.to_ascii_lowercase().as_str(), "at" | "on" | "t" | "of")
}

/// A moment assembled from neighbouring mentions, with the span it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    pub stamp: Timestamp,
    /// A month and day whose year is not written.
    pub month_day: Option<(u32, u32)>,
    pub start: usize,
    pub end: usize,
    /// An IANA zone written after the time (`14:00 Europe/Berlin`): its offset depends on
    /// the date, which may come from context, so it is resolved when the moment is completed.
    pub named: Option<Zone>,
}

/// Regional names people write for a zone that follows daylight saving ("all times are in
/// Pacific Time"), with the IANA zone they mean: North American teams write them so.
const REGIONAL_ZONES: [(&str, chrono_tz::Tz); 4] = [
    ("pacific time", chrono_tz::America::Los_Angeles),
    ("eastern time", chrono_tz::America::New_York),
    ("central time", chrono_tz::America::Chicago),
    ("mountain time", chrono_tz::America::Denver),
];

/// The first IANA zone name written in `text` (`Europe/Berlin`, `America/New_York`, in the
/// tz database's spelling), as in "All times in Europe/Berlin", else a regional name
/// ("Pacific Time").
pub(crate) fn named_zone(text: &str) -> Option<Zone> {
    let iana = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
        .filter(|w| w.contains('/') && w.len() >= 5)
        .find_map(|w| match Zone::parse(w) {
            Some(z @ Zone::Named(_)) => Some(z),
            _ => None,
        });
    iana.or_else(|| {
        let lower = text.to_lowercase();
        REGIONAL_ZONES
            .iter()
            .find(|(name, _)| lower.contains(name))
            .map(|(_, tz)| Zone::Named(*tz))
    })
}

/// An IANA zone name opening `text` after spaces: the zone and the bytes it takes.
fn leading_named_zone(text: &str) -> Option<(Zone, usize)> {
    let t = text.trim_start_matches(' ');
    let len = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
        .unwrap_or(t.len());
    let word = &t[..len];
    if !word.contains('/') {
        return None;
    }
    match Zone::parse(word) {
        Some(z @ Zone::Named(_)) => Some((z, text.len() - t.len() + len)),
        _ => None,
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
            Some(m) if joins(&text[end..m.start]) => {
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
        start: first.start,
        end: first.end,
        named: None,
    };
    let mut m = Some(first);
    let mut taken = 0;
    while let Some(this) = m {
        if taken > 0 && !joins(&text[f.end..this.start]) {
            break;
        }
        let slot_free = match this.what {
            What::Date(_) | What::MonthDay(..) => f.stamp.date.is_none() && f.month_day.is_none(),
            What::Time(_) => f.stamp.time.is_none(),
            What::Zone(_) => f.stamp.offset.is_none() && f.stamp.time.is_some(),
        };
        if !slot_free {
            break;
        }
        match this.what {
            What::Date(d) => f.stamp.date = Some(d),
            What::MonthDay(mo, d) => f.month_day = Some((mo, d)),
            What::Time(t) => f.stamp.time = Some(t),
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
    // "14:00Z"
    if f.stamp.time.is_some() && f.stamp.offset.is_none() && text[f.end..].starts_with('Z') {
        let after = text.as_bytes().get(f.end + 1);
        if !after.is_some_and(u8::is_ascii_alphanumeric) {
            f.stamp.offset = FixedOffset::east_opt(0);
            f.end += 1;
        }
    }
    // "14:00 Europe/Berlin"
    if f.stamp.time.is_some() && f.stamp.offset.is_none() && text[f.end..].starts_with(' ') {
        if let Some((zone, len)) = leading_named_zone(&text[f.end..]) {
            f.named = Some(zone);
            f.end += len;
        }
    }
    (f, m)
}

/// Whether `text` may hold a full date: every date has a year of four digits in a row.
pub(crate) fn may_hold_date(text: &str) -> bool {
    let mut run = 0;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            if run == 4 {
                return true;
            }
            run = 0;
        }
    }
    run == 4
}

/// A time range such as `10:00 AM - 11:30 AM EST`, `from 16:58 to 18:46 UTC`,
/// `between 9:00 PM and 11:30 PM`, `June 10, 2023, 08:00 AM - June 11, 2023, 10:00 AM (UTC-5)`.
/// A zone written once applies to both ends; a date written once applies to both ends, and the
/// end moves to the next day when its clock time is earlier than the start's.
#[cfg(test)]
pub(crate) fn range(text: &str) -> Option<(Found, Found)> {
    range_in(text, &moments(text))
}

/// [`range`] over moments already found in `text`.
pub(crate) fn range_in(text: &str, ms: &[Found]) -> Option<(Found, Found)> {
    for w in ms.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.stamp.time.is_none() || b.stamp.time.is_none() {
            continue;
        }
        let gap = text[a.end..b.start].trim().to_ascii_lowercase();
        let connector = is_connector(gap.trim_matches(|c: char| c == ',' || c == ' '));
        if !connector {
            continue;
        }
        let (mut a, mut b) = (a, b);
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
    None
}

/// What stands between the two ends of a range: `-`, `to`, `until`, `and ended at`,
/// `and was resolved at`.
fn is_connector(gap: &str) -> bool {
    let mut words = gap.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    if !matches!(
        first,
        "-" | "–" | "—" | "--" | "to" | "and" | "until" | "till" | "through"
    ) {
        return false;
    }
    words.all(|w| {
        matches!(
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
/// rules out most text before [`moments`] reads it. A range has two times of day, and every
/// time ends its hour's digits with `:` or `.` (`14:00`, `9.30pm`) or is followed, after at
/// most one space, by an am/pm mark (`10 AM`, `8pm`). Such digit runs are found sixteen
/// positions at a time without a branch per byte (a digit whose next byte is one of those ends
/// its run, so each run counts at most once), and counted unless they are one or two digits
/// right after a digit and a colon: the minutes or seconds of `03:39:25` count with its hours.
/// Two times in one chain of colon-joined numbers have no connector between them, so they
/// never make a range; and of two chains, each one's first run counts.
pub(crate) fn may_hold_range(text: &str) -> bool {
    let b = text.as_bytes();
    let mark = |c: u8| {
        let c = c | 0x20;
        (c == b'a') | (c == b'p') | (c == b'm')
    };
    // Whether the run that ends at `k` is a colon chain's minutes or seconds (few runs end
    // with a mark: these are read one by one).
    let after_colon = |k: usize| {
        let at = |back: usize| k.checked_sub(back).map_or(0, |p| b[p]);
        (at(1) == b':' && is_digit(at(2))) || (is_digit(at(1)) && at(2) == b':' && is_digit(at(3)))
    };
    let mut seen = 0;
    let mut i = 0;
    while i < b.len() {
        let w: [u8; 18] = window(b, i);
        // The byte, the next and the one after, as three arrays: lane-wise tests vectorise.
        let at = |k: usize| -> [u8; 16] { w[k..k + 16].try_into().unwrap() };
        let (c0, c1, c2) = (at(0), at(1), at(2));
        let mut ends = [false; 16];
        for k in 0..16 {
            let (n, m) = (c1[k], c2[k]);
            let mark_next = (n == b':') | (n == b'.') | mark(n) | ((n == b' ') & mark(m));
            ends[k] = is_digit(c0[k]) & mark_next;
        }
        // Most blocks end no run: an `|` over the lanes (it vectorises) rules them out
        // before the mask is built.
        if !ends.iter().fold(false, |any, &e| any | e) {
            i += 16;
            continue;
        }
        let mut mask = ends
            .iter()
            .enumerate()
            .fold(0u32, |m, (k, &e)| m | u32::from(e) << k);
        while mask != 0 {
            seen += u32::from(!after_colon(i + mask.trailing_zeros() as usize));
            mask &= mask - 1;
        }
        if seen >= 2 {
            return true;
        }
        i += 16;
    }
    false
}

/// Bytes `i..i + W` of `s`, zero past its end.
pub(crate) fn window<const W: usize>(s: &[u8], i: usize) -> [u8; W] {
    let mut w = [0u8; W];
    match s.get(i..i + W) {
        Some(full) => w.copy_from_slice(full),
        None => {
            let tail = &s[i..];
            w[..tail.len()].copy_from_slice(tail);
        }
    }
    w
}

/// The first moment in `text` that has a time or a full date.
pub(crate) fn first_moment(text: &str) -> Option<Found> {
    Moments::new(text).find(|f| f.stamp.time.is_some() || f.stamp.date.is_some())
}

/// Parses a due date written alone: `2023-03-01`, `March 1, 2023`, `1 March`, `by March 1`.
/// A date without a year takes the first such day on or after `reference`.
pub(crate) fn parse_date(text: &str, reference: Option<NaiveDate>) -> Option<NaiveDate> {
    let f = Moments::new(text).find(|f| f.stamp.date.is_some() || f.month_day.is_some())?;
    if let Some(d) = f.stamp.date {
        return Some(d);
    }
    let (m, d) = f.month_day?;
    let reference = reference?;
    let this_year = NaiveDate::from_ymd_opt(reference.year(), m, d);
    match this_year {
        Some(date) if date >= reference => Some(date),
        _ => NaiveDate::from_ymd_opt(reference.year() + 1, m, d),
    }
}

/// Reads an explicit duration: `90 minutes`, `2 hours 30 minutes`, `2 hours and 45 minutes`,
/// `1 hour and 48 minutes`, `2h30m`. Returns minutes.
pub(crate) fn duration_minutes(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut total: Option<i64> = None;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b':'))
        {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let n: i64 = lower[i..j].parse().ok()?;
        let k = j + usize::from(b.get(j) == Some(&b' '));
        let unit_end = {
            let mut e = k;
            while e < b.len() && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            e
        };
        let factor = match &lower[k..unit_end] {
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(60),
            "m" | "min" | "mins" | "minute" | "minutes" => Some(1),
            "d" | "day" | "days" => Some(24 * 60),
            _ => None,
        };
        if let Some(f) = factor {
            total = Some(total.unwrap_or(0) + n * f);
            i = unit_end;
        } else if total.is_some() {
            break;
        } else {
            i = j;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(text: &str) -> String {
        first_moment(text)
            .map(|f| f.stamp.to_string())
            .unwrap_or_default()
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
    fn sixteen_at_a_time_agrees_with_one_at_a_time() {
        let text = "At 09:00 UTC+2 the API (on Mar 3, 2023) was down; CAT et al. +05:00 \
                    é gmt 2023-02-14T11:59 Sept 5th x1 A B 10am ju";
        let scan = Scanner::new(text);
        let b = text.as_bytes();
        let at = |k: usize| b.get(k).copied().unwrap_or(0);
        for start in 1..b.len() {
            for end in start..=b.len() {
                let want = (start..end).find(|&k| may_start(b[k - 1], b[k], at(k + 1), at(k + 2)));
                assert_eq!(scan.next_start(start, end), want, "{start}..{end}");
            }
        }
    }

    /// [`may_hold_range`] one digit run at a time.
    fn may_hold_range_by_runs(text: &str) -> bool {
        let b = text.as_bytes();
        let mark = |c: u8| matches!(c | 0x20, b'a' | b'p' | b'm');
        let (mut seen, mut i) = (0, 0);
        while i < b.len() {
            if !b[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let after_colon = i - start <= 2
                && start >= 2
                && b[start - 1] == b':'
                && b[start - 2].is_ascii_digit();
            let next = b.get(i).copied().unwrap_or(0);
            if !after_colon
                && (matches!(next, b':' | b'.')
                    || mark(next)
                    || (next == b' ' && b.get(i + 1).is_some_and(|c| mark(*c))))
            {
                seen += 1;
            }
        }
        seen >= 2
    }

    #[test]
    fn range_test_by_lanes_agrees_with_digit_runs_and_ranges() {
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
        ];
        for a in parts {
            for b in parts {
                for c in ["", " - 11:30", ":15 to 4 pm"] {
                    for pad in ["", " ", ":", "0123456789abcde", "lorem ipsum dolor "] {
                        let t = format!("{pad}{a}{pad}{b}{c}");
                        assert_eq!(may_hold_range(&t), may_hold_range_by_runs(&t), "{t:?}");
                        if range(&t).is_some() {
                            assert!(may_hold_range(&t), "{t:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reads_the_moments_people_write() {
        assert_eq!(stamp("2023-11-01 14:00 CAT"), "2023-11-01T14:00:00+02:00");
        assert_eq!(stamp("9:00 PM: alert"), "21:00:00");
        assert_eq!(stamp("03:39:25 One of the SMEs"), "03:39:25");
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
        assert_eq!(stamp("10:00 M"), "10:00:00");
        assert_eq!(stamp("at 5pm"), "17:00:00");
        assert_eq!(stamp("2:54 PM PST: merged"), "14:54:00-08:00");
    }

    #[test]
    fn ignores_numbers_that_are_not_times() {
        assert_eq!(stamp("version 1.11 to 1.13"), "");
        assert_eq!(stamp("a ratio of 1:1000"), "");
        assert_eq!(stamp("decreased by 30% over 10 servers"), "");
        assert_eq!(stamp("the cat sat"), "");
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
            r("from 23:00 to 01:30, 2024-01-01"),
            "2024-01-01T23:00:00 / 2024-01-02T01:30:00"
        );
    }

    #[test]
    fn reads_due_dates_and_durations() {
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
        assert_eq!(duration_minutes("2 hours and 45 minutes"), Some(165));
        assert_eq!(duration_minutes("(2 hours 30 minutes)"), Some(150));
        assert_eq!(duration_minutes("down for 90 minutes"), Some(90));
        assert_eq!(duration_minutes("nothing"), None);
        assert_eq!(zone_offset("PDT"), FixedOffset::east_opt(-7 * 3600));
        assert_eq!(zone_offset("UTC+3"), FixedOffset::east_opt(3 * 3600));
        assert_eq!(
            zone_offset("+05:30"),
            FixedOffset::east_opt(5 * 3600 + 1800)
        );
        assert_eq!(zone_offset("Europe"), None);
    }
}
