//! Durations stated outright: `90 minutes`, `2 hours and 45 minutes`, `2h30m`.

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

/// Number and unit pairs from the first one on; with `leading`, the first number must have a
/// unit.
fn read_duration(text: &str, leading: bool) -> Option<i64> {
    let b = text.as_bytes();
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
        let n: i64 = text[i..j].parse().ok()?;
        let k = j + usize::from(b.get(j) == Some(&b' '));
        let unit_end = {
            let mut e = k;
            while e < b.len() && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            e
        };
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
            total = Some(total.unwrap_or(0) + n * f);
            i = unit_end;
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
        assert_eq!(leading_duration_minutes("45mins in total"), Some(45));
        assert_eq!(leading_duration_minutes("3 teams, for 2 hours"), None);
    }
}
