//! Zones: abbreviations (`UTC`, `PST`, `CAT`), numeric offsets (`UTC+3`, `+05:30`), IANA names
//! (`Europe/Berlin`) and regional names ("Pacific Time").

use chrono::FixedOffset;

use super::scan::Scanner;
use super::{Mention, What};
use crate::clock::Zone;

/// Zone abbreviations seen in postmortems, with the offsets readers mean by them (North American
/// readings for the ambiguous CST/IST: the corpus uses them that way; GST is Gulf Standard
/// Time, as operations teams in the Gulf write it). `ET` and `PT` are not here: they name a
/// region whose offset changes with daylight saving, not an offset, so a time written with
/// one stays local (see [`leading_local_zone_word`]).
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
    ("gst", 240),
    ("brt", -180),
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

/// The bytes a regional zone's name (`ET`, `CT`, `MT`, `PT` in capitals, or written out,
/// `Pacific Time`, `Eastern time`) takes at the start of `text` after spaces: it belongs to
/// the time before it (`10:32 ET: alerts fired` is the entry "alerts fired"), which it leaves
/// local.
pub(super) fn leading_local_zone_word(text: &str) -> Option<usize> {
    let t = text.trim_start_matches(' ');
    let skipped = text.len() - t.len();
    let word_ends = |len: usize| !t[len..].starts_with(|c: char| c.is_alphanumeric());
    if let Some(word) = t.get(..2).filter(|_| word_ends(2)) {
        if ["ET", "CT", "MT", "PT"].contains(&word) {
            return Some(skipped + 2);
        }
    }
    let region = ["Pacific", "Eastern", "Central", "Mountain"]
        .iter()
        .find(|r| t.starts_with(*r))?;
    let after = &t[region.len()..];
    let time = [" Time", " time"].iter().find(|w| after.starts_with(*w))?;
    let len = region.len() + time.len();
    word_ends(len).then_some(skipped + len)
}

/// An IANA zone name opening `text` after spaces: the zone and the bytes it takes.
/// (In brackets too: `10:50 (Europe/Berlin)`.)
pub(super) fn leading_named_zone(text: &str) -> Option<(Zone, usize)> {
    let t = text.trim_start_matches(' ');
    let (t, bracketed) = match t.strip_prefix('(') {
        Some(inner) => (inner, true),
        None => (t, false),
    };
    let len = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
        .unwrap_or(t.len());
    let word = &t[..len];
    if !word.contains('/') || (bracketed && !t[len..].starts_with(')')) {
        return None;
    }
    match Zone::parse(word) {
        Some(z @ Zone::Named(_)) => Some((z, text.len() - t.len() + len + usize::from(bracketed))),
        _ => None,
    }
}

impl Scanner<'_> {
    /// `UTC`, `PST`, `UTC+3`, `GMT-05:00`, `(EAT)`.
    pub(super) fn zone(&self, i: usize) -> Option<Mention> {
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
    pub(super) fn numeric_offset(&self, i: usize, start: usize) -> Option<Mention> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zone_abbreviations_and_offsets() {
        assert_eq!(zone_offset("PDT"), FixedOffset::east_opt(-7 * 3600));
        assert_eq!(zone_offset("UTC+3"), FixedOffset::east_opt(3 * 3600));
        assert_eq!(
            zone_offset("+05:30"),
            FixedOffset::east_opt(5 * 3600 + 1800)
        );
        assert_eq!(zone_offset("Europe"), None);
    }
}
