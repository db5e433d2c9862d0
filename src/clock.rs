//! Time zones and the one "today" that every job is reconciled against.
//!
//! A zone is what a user configures (`time_zone = "Europe/Berlin"`) or a document declares
//! ("All times in PST"). IANA names follow daylight saving, so the offset of a wall-clock time
//! depends on its date: [`Zone::offset_of_local`] resolves it per moment.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};

/// A configured or written time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset: `UTC`, an abbreviation (`CET`, `PST`) or an offset (`+02:00`, `UTC+3`).
    Fixed(FixedOffset),
    /// An IANA name (`Europe/Berlin`): its offset follows daylight saving.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Reads `UTC`, an abbreviation, an offset or an IANA name (exact spelling, as in the tz
    /// database: `America/New_York`). `None` for anything else.
    pub fn parse(text: &str) -> Option<Zone> {
        let text = text.trim();
        if let Some(offset) = crate::parse::zone_offset(text) {
            return Some(Zone::Fixed(offset));
        }
        text.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// The zone's offset at an instant.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix(),
        }
    }

    /// The zone's offset for a wall-clock time in it. A time that occurs twice (the hour the
    /// clocks go back) takes the earlier offset; a time skipped when the clocks go forward takes
    /// the offset in force just before the change, as people writing "02:30" then meant.
    pub fn offset_of_local(&self, local: NaiveDateTime) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => match tz.offset_from_local_datetime(&local) {
                chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => o.fix(),
                chrono::LocalResult::None => {
                    let before = local - chrono::Duration::hours(3);
                    tz.offset_from_local_datetime(&before)
                        .earliest()
                        .map(|o| o.fix())
                        .unwrap_or_else(|| tz.offset_from_utc_datetime(&local).fix())
                }
            },
        }
    }

    /// The offset a time of day written without a date most likely had: the one on its date
    /// when known, else the one on 1 January (standard time in the northern hemisphere).
    pub fn offset_for(&self, date: Option<NaiveDate>, time: NaiveTime) -> FixedOffset {
        let date = date.unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date"));
        self.offset_of_local(date.and_time(time))
    }

    /// The calendar day at `now` in this zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.offset_at(now)).date_naive()
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Zone::Fixed(offset) => write!(f, "{offset}"),
            Zone::Named(tz) => write!(f, "{}", tz.name()),
        }
    }
}

/// The day a job runs on: `now` in the configured zone, else in the machine's local zone.
pub fn today(zone: Option<Zone>, now: DateTime<Utc>) -> NaiveDate {
    match zone {
        Some(zone) => zone.today(now),
        None => now.with_timezone(&chrono::Local).date_naive(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reads_every_kind_of_zone() {
        assert_eq!(
            Zone::parse("UTC"),
            Some(Zone::Fixed(FixedOffset::east_opt(0).unwrap()))
        );
        assert_eq!(
            Zone::parse(" CET "),
            Some(Zone::Fixed(FixedOffset::east_opt(3600).unwrap()))
        );
        assert_eq!(
            Zone::parse("+05:30"),
            Some(Zone::Fixed(FixedOffset::east_opt(19800).unwrap()))
        );
        assert_eq!(
            Zone::parse("Europe/Berlin"),
            Some(Zone::Named(chrono_tz::Europe::Berlin))
        );
        assert_eq!(Zone::parse("Mars/Olympus"), None);
        assert_eq!(Zone::parse(""), None);
    }

    #[test]
    fn berlin_follows_daylight_saving() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let summer = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        let winter = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap();
        assert_eq!(
            berlin.offset_for(Some(summer), noon).local_minus_utc(),
            7200
        );
        assert_eq!(
            berlin.offset_for(Some(winter), noon).local_minus_utc(),
            3600
        );
        assert_eq!(
            berlin
                .offset_at(utc("2024-07-01T12:00:00Z"))
                .local_minus_utc(),
            7200
        );
    }

    #[test]
    fn skipped_and_repeated_hours_resolve_without_panic() {
        let ny = Zone::parse("America/New_York").unwrap();
        // 2024-03-10 02:30 does not exist in New York; 2024-11-03 01:30 happens twice.
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        let fold = NaiveDate::from_ymd_opt(2024, 11, 3)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(ny.offset_of_local(gap).local_minus_utc(), -5 * 3600);
        assert_eq!(ny.offset_of_local(fold).local_minus_utc(), -4 * 3600);
    }

    #[test]
    fn today_is_the_day_in_the_configured_zone() {
        // 11:30 UTC on 5 December is already 6 December on Kiritimati (UTC+14).
        let now = utc("2026-12-05T11:30:00Z");
        let kiritimati = Zone::parse("Pacific/Kiritimati").unwrap();
        assert_eq!(
            today(Some(kiritimati), now),
            NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
        );
        let honolulu = Zone::parse("Pacific/Honolulu").unwrap();
        assert_eq!(
            today(Some(honolulu), utc("2026-12-06T05:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
        );
    }

    #[test]
    fn the_parser_places_unzoned_times_by_the_configured_zone_and_their_date() {
        let options = crate::parse::ParseOptions {
            default_zone: Zone::parse("Europe/Berlin"),
            ..Default::default()
        };
        let text = "# Outage\n\n## Timeline\n\n- 2024-07-01 10:00 - alert fired\n- 2024-12-02 10:00 - it fired again\n";
        let pm = crate::parse::parse("x.md", text, &options);
        let offsets: Vec<i32> = pm
            .timeline
            .iter()
            .map(|e| e.time.unwrap().offset.unwrap().local_minus_utc())
            .collect();
        assert_eq!(offsets, [7200, 3600]);
    }
}
