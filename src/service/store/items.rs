//! The items index's one rule shared by the backends: the closing day a done item keeps.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::StoreError;
use crate::render::context::ItemState;
use crate::service::index::{Counts, ItemRecord};

/// Sets each record's closing day: a done item keeps the one its record carries (the
/// tracker's), else the day it was first seen done (`before`: key to the stored record's
/// closing day), else `today`; an item not done has none. Returns the day's counts.
pub(super) fn settle_closing_days(
    records: &mut [ItemRecord],
    before: &HashMap<String, Option<NaiveDate>>,
    today: NaiveDate,
) -> Counts {
    for r in records.iter_mut() {
        r.closed_on = match r.state {
            ItemState::Done => r
                .closed_on
                .or_else(|| before.get(&r.key).copied().flatten())
                .or(Some(today)),
            _ => None,
        };
    }
    Counts::of(records.iter())
}

/// The closing day of a stored record (its JSON), or `None` when it cannot be read: an
/// unreadable old record only loses its closing day, never blocks the new index.
pub(super) fn stored_closing_day(json: &str) -> Option<NaiveDate> {
    serde_json::from_str::<ItemRecord>(json).ok()?.closed_on
}

/// A stored JSON record (an item, an incident) read back; an unreadable one is an error naming
/// it as a `what`.
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    forge: &str,
    repo: &str,
    ord: i64,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| {
        StoreError::Unreadable(format!(
            "{what} {ord} of {forge}:{repo} in the database is unreadable: {e}"
        ))
    })
}
