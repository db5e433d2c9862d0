//! The scanner: one left-to-right pass over a line's bytes that finds where a date, a time of
//! day or a zone may start (a branch-free pre-filter, sixteen positions at a time) and hands
//! each candidate to the readers in the sibling modules (`dates`, `time_of_day`, `zones`).

use super::dates::{is_weekday, month_key};
use super::{Mention, What, TIME_HEDGES};
use crate::parse::inline::starts_with_ascii_ci;

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

/// Bytes that may follow the one or two digits of a numeric date (`/ - . ,`), a day
/// (`5th`, `22 February`) or an hour (`14:00`, `9.30pm`, `10 AM`, `8pm`, `15h20`): any other ends
/// the number without a mention.
const FOLLOWS_DAY_OR_HOUR: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"/-.,: stnrapSTNRAPh";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Whether a mention may start at `c0` (followed by `c1 c2`, after `prev`). Only a word or
/// number that starts there can, and only one that is a number, starts like a month name, is
/// utc/gmt, or has two capitals (a zone; a lone capital is none). A `+` may start an offset,
/// and a digit after a `T` a time; the caller tests their boundary. True wherever [`Scanner::mention_at`] may find one.
fn may_start(prev: u8, c0: u8, c1: u8, c2: u8) -> bool {
    let (l0, l1, l2) = (c0 | 0x20, c1 | 0x20, c2 | 0x20);
    let base =
        ((l0 == b'u') & (l1 == b't') & (l2 == b'c')) | ((l0 == b'g') & (l1 == b'm') & (l2 == b't'));
    let word = is_digit(c0) | (is_upper(c0) & is_upper(c1)) | base | month_key(c0, c1, c2);
    (!is_alnum(prev) & word) | (c0 == b'+') | ((prev == b'T') & is_digit(c0))
}

/// The bytes of one line, read by the mention readers (an `impl Scanner` in each sibling
/// module: dates, times of day, zones).
pub(super) struct Scanner<'a> {
    pub(super) s: &'a [u8],
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Scanner { s: text.as_bytes() }
    }

    pub(super) fn at_boundary(&self, i: usize) -> bool {
        // `2023-02-14T11:59` has a time right after the `T`, and so has `T08:19:34+0100`
        // (ISO's time without its date).
        i == 0
            || !self.s[i - 1].is_ascii_alphanumeric()
            || (self.s[i - 1] == b'T'
                && (i < 2
                    || self.s[i - 2].is_ascii_digit()
                    || !self.s[i - 2].is_ascii_alphanumeric()))
    }

    /// Digits starting at `i`: (value, count).
    pub(super) fn digits(&self, i: usize) -> (u32, usize) {
        let mut v: u32 = 0;
        let mut n = 0;
        while i + n < self.s.len() && self.s[i + n].is_ascii_digit() && n < 9 {
            v = v * 10 + u32::from(self.s[i + n] - b'0');
            n += 1;
        }
        (v, n)
    }

    pub(super) fn word_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.s.len() && self.s[j].is_ascii_alphabetic() {
            j += 1;
        }
        j
    }

    pub(super) fn skip_spaces(&self, mut i: usize) -> usize {
        while i < self.s.len() && self.s[i] == b' ' {
            i += 1;
        }
        i
    }

    /// Calls `f` with each mention, left to right, until it returns false.
    pub(super) fn each(&mut self, mut f: impl FnMut(Mention) -> bool) {
        let mut i = 0;
        while let Some(m) = self.next_from(i, usize::MAX) {
            i = m.end;
            if !f(m) {
                return;
            }
        }
    }

    /// The first mention that starts at or after `i` and no later than `last`.
    pub(super) fn next_from(&self, mut i: usize, last: usize) -> Option<Mention> {
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
    pub(super) fn candidate_at(&self, i: usize) -> Result<Mention, usize> {
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
    pub(super) fn next_start(&self, mut i: usize, end: usize) -> Option<usize> {
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
    pub(super) fn starts16(&self, i: usize) -> u32 {
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
    pub(super) fn mention_at(&self, i: usize) -> Option<Mention> {
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
    /// separators, and after one joining word (`at`, `on`, `of`, `T`) or a dash (a date's
    /// time, [`dashed`]), a hedge ([`TIME_HEDGES`]) and separators.
    pub(super) fn join_reach(&self, end: usize) -> usize {
        let seps = |mut k: usize| {
            while k < self.s.len() && matches!(self.s[k], b' ' | b',' | b'(' | b')' | b'~' | b'@') {
                k += 1;
            }
            k
        };
        let q = seps(end);
        let rest = &self.s[q..];
        let word = ["at", "on", "of", "t", "-", "\u{2013}", "\u{2014}"]
            .iter()
            .find(|w| starts_with_ascii_ci(rest, w));
        let Some(w) = word else { return q };
        // "March 3, 2025 at approximately 14:05": a hedge after the joining word.
        let mut q = seps(q + w.len());
        // "3:12 AM PDT on Sunday, September 22, 2024": a weekday before the date.
        let letters = self.s[q..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if std::str::from_utf8(&self.s[q..q + letters]).is_ok_and(is_weekday) {
            q = seps(q + letters);
        }
        let rest = &self.s[q..];
        let hedge = TIME_HEDGES.iter().find(|h| {
            starts_with_ascii_ci(rest, h) && rest.get(h.len()).is_some_and(|c| *c == b' ')
        });
        match hedge {
            Some(h) => seps(q + h.len()),
            None => q,
        }
    }

    pub(super) fn mention(what: What, start: usize, end: usize) -> Option<Mention> {
        Some(Mention { what, start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
