//! Times of day: `14:00`, `03:39:25`, `9:00 PM`, `8pm`, `1506 UTC`, `0930Z`, `15h20`.

use chrono::NaiveTime;

use super::scan::Scanner;
use super::{Mention, What};

impl Scanner<'_> {
    /// `14:00`, `03:39:25`, `9:00 PM`, `9:00pm`, `10 AM`, `8pm`, `10:00 M` (a typo for AM).
    pub(super) fn time(&self, i: usize) -> Option<Mention> {
        let (h, hn) = self.digits(i);
        if !(1..=2).contains(&hn) || h > 24 {
            return None;
        }
        let mut j = i + hn;
        // `15h20`, `09h40`, as French and Canadian teams write the time: two figures for the
        // hour, so that a duration such as `1h30` stays one.
        if hn == 2 && h < 24 && self.s.get(j) == Some(&b'h') {
            let (mm, mn) = self.digits(j + 1);
            let end = j + 1 + mn;
            if mn == 2 && mm < 60 && !self.s.get(end).is_some_and(u8::is_ascii_alphanumeric) {
                let time = NaiveTime::from_hms_opt(h, mm, 0)?;
                return Self::mention(What::Time(time), i, end);
            }
            return None;
        }
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
            // `9.30pm`, `09.12 UTC`: a dotted time needs a mark or a zone after it (`2.10`
            // alone is a version, a price or a day).
            if sep == b'.' && self.meridiem(j).is_none() && !self.zone_follows(j) {
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
    pub(super) fn four_digit_time(&self, i: usize) -> Option<Mention> {
        let (v, n) = self.digits(i);
        let (h, m) = (v / 100, v % 100);
        if n != 4 || h > 23 || m > 59 {
            return None;
        }
        let end = i + 4;
        let zulu = self.s.get(end) == Some(&b'Z')
            && !self.s.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
        if !zulu && !self.zone_follows(end) {
            return None;
        }
        let time = NaiveTime::from_hms_opt(h, m, 0)?;
        Self::mention(What::Time(time), i, end)
    }

    /// Whether a zone (`UTC`, `PST`) follows byte `end` after a space.
    fn zone_follows(&self, end: usize) -> bool {
        self.s.get(end) == Some(&b' ') && {
            let j = self.skip_spaces(end);
            j < self.s.len() && self.s[j].is_ascii_alphabetic() && self.zone(j).is_some()
        }
    }

    /// `AM`, `pm`, `a.m.`, `P.M.` (with or without a space), and `M` alone, read as AM.
    pub(super) fn meridiem(&self, i: usize) -> Option<(bool, usize)> {
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
}
