//! The items index: each repository's items as its last job saw them, and the closing day a
//! done item keeps.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::sql::args;
use super::{snapshots, Store, StoreError};
use crate::render::context::ItemState;
use crate::service::index::{Counts, ItemRecord};
use crate::service::webhook::Forge;

impl Store {
    /// Replaces the index of one repository's items with `records` (as of `today`), and
    /// records them as the repository's snapshot of the day (replacing an earlier one of the
    /// same day). A done item keeps the closing day its record carries (the tracker's), else
    /// the day it was first seen done, else `today`.
    pub fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        mut records: Vec<ItemRecord>,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let repo = repo.to_string();
        self.write(move |tx, d| {
            // Two runs of one repository (a lease that ran out under a slow job) replace the
            // index one after the other, never interleaved.
            if let Some(lock) = d.lock_repository {
                tx.execute(lock, args![format!("{}:{repo}", forge.as_str())])?;
            }
            let before: HashMap<String, Option<NaiveDate>> = tx
                .query(
                    "SELECT key, record FROM items WHERE forge = $1 AND repo = $2",
                    args![forge.as_str(), &repo],
                )?
                .iter()
                .filter_map(|r| Some((r.text(0).ok()?, stored_closing_day(&r.text(1).ok()?))))
                .collect();
            let counts = settle_closing_days(&mut records, &before, today);
            tx.execute(
                "DELETE FROM items WHERE forge = $1 AND repo = $2",
                args![forge.as_str(), &repo],
            )?;
            for (i, r) in records.iter().enumerate() {
                let json = serde_json::to_string(r).map_err(StoreError::Encode)?;
                tx.execute(
                    "INSERT INTO items (forge, repo, ord, key, record) VALUES ($1, $2, $3, $4, $5)",
                    args![forge.as_str(), &repo, i, &r.key, json],
                )?;
            }
            snapshots::record_day(tx, forge, &repo, today, counts, &records)
        })
        .map_err(StoreError::at("cannot save the items"))
    }

    /// Every indexed item, by forge, repository and position in the repository.
    pub fn items(&self) -> Result<Vec<ItemRecord>, StoreError> {
        self.json_records("items", "item")
    }

    /// Every record of `table` (forge, repository, position, JSON record), in that order; an
    /// unreadable one is an error naming it as a `what`.
    pub(super) fn json_records<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        table: &'static str,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        self.read(move |tx, _| {
            tx.query(
                &format!("SELECT forge, repo, ord, record FROM {table} ORDER BY forge, repo, ord"),
                &[],
            )?
            .iter()
            .map(|r| parse_json(what, &r.text(0)?, &r.text(1)?, r.int(2)?, &r.text(3)?))
            .collect()
        })
    }
}

/// Sets each record's closing day: a done item keeps the one its record carries (the
/// tracker's), else the day it was first seen done (`before`: key to the stored record's
/// closing day), else `today`; an item not done has none. Returns the day's counts.
fn settle_closing_days(
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
fn stored_closing_day(json: &str) -> Option<NaiveDate> {
    serde_json::from_str::<ItemRecord>(json).ok()?.closed_on
}

/// A stored JSON record (an item, an incident) read back; an unreadable one is an error naming
/// it as a `what`.
fn parse_json<T: serde::de::DeserializeOwned>(
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
