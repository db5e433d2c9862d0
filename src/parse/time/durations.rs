//! Durations stated outright: `90 minutes`, `2 hours and 45 minutes`, `2h30m`, `1.5 hours`.

/// Reads an explicit duration: `90 minutes`, `2 hours 30 minutes`, `2 hours and 45 minutes`,
/// `1 hour and 48 minutes`, `2h30m`. Returns minutes.
pub(crate) fn duration_minutes(text: &str) -> Option<i64> {
    read_duration(text, false)
}

/// [`duration_minutes`] when the text opens with it (`45mins in total`), else none
/// (`3 teams, 2 hours` is not a duration of 3 teams).
pub(crate) fn leading_duration_minutes(text: &str) -> Option<i64> {
    read_duration(text, true)
}

/// The units a duration is written in, each with its names (compared in any ASCII case) and
/// its length in minutes.
const UNITS: [(&[&str], i64); 3] = [
    (&["h", "hr", "hrs", "hour", "hours"], 60),
    (&["m", "min", "mins", "minute", "minutes"], 1),
    (&["d", "day", "days"], 24 * 60),
];

/// Number and unit pairs from the first one on, summed (`2h30m`, `2 hours and 45 minutes`); a
/// number may have a decimal part (`1.5 hours`). With `leading`, the first number must have a
/// unit.
fn read_duration(text: &str, leading: bool) -> Option<i64> {
    let b = text.as_bytes();
    let mut total: Option<i64> = None;
    // Where the last pair ended: a number right after it goes on the duration (`1h47m`).
    let mut pair_end = None;
    let glued = |c: u8| c.is_ascii_alphanumeric() || c == b':' || c == b'.';
    let digits_from = |k: usize| k + b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && glued(b[i - 1]) && pair_end != Some(i)) {
            i += 1;
            continue;
        }
        let mut j = digits_from(i);
        if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
            j = digits_from(j + 1);
        }
        let n: f64 = text[i..j].parse().ok()?;
        let k = j + usize::from(b.get(j) == Some(&b' '));
        let unit_end = k + b[k..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let unit = &b[k..unit_end];
        let factor = UNITS
            .iter()
            .find(|(names, _)| {
                names
                    .iter()
                    .any(|n| unit.eq_ignore_ascii_case(n.as_bytes()))
            })
            .map(|(_, minutes)| *minutes);
        if let Some(f) = factor {
            // (A number too large to count in minutes states no duration.)
            let minutes = (n * f as f64).round();
            if minutes >= i64::MAX as f64 {
                return None;
            }
            total = Some(total.unwrap_or(0).checked_add(minutes as i64)?);
            i = unit_end;
            pair_end = Some(unit_end);
        } else if total.is_some() || leading {
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

    #[test]
    fn reads_durations() {
        assert_eq!(duration_minutes("2 hours and 45 minutes"), Some(165));
        assert_eq!(duration_minutes("(2 hours 30 minutes)"), Some(150));
        assert_eq!(duration_minutes("down for 90 minutes"), Some(90));
        assert_eq!(duration_minutes("nothing"), None);
        // Units glued to the next number, a zero first part, decimals.
        assert_eq!(duration_minutes("Duration: 1h47m"), Some(107));
        assert_eq!(duration_minutes("0h47m"), Some(47));
        assert_eq!(duration_minutes("2h 30m"), Some(150));
        assert_eq!(duration_minutes("lasted 1.5 hours"), Some(90));
        assert_eq!(duration_minutes("1.25h"), Some(75));
        assert_eq!(duration_minutes("3.5 days"), Some(5040));
        // A version number is not a duration's number.
        assert_eq!(duration_minutes("v1.5 hours later"), None);
        // A number too large to count in minutes states none.
        assert_eq!(duration_minutes("99999999999999999999 hours"), None);
        assert_eq!(leading_duration_minutes("45mins in total"), Some(45));
        assert_eq!(leading_duration_minutes("3 teams, for 2 hours"), None);
    }
}
