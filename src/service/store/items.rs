//! The items index: every tracked item of every repository, as the last job saw it (the
//! day's snapshot of its counts is written with it, by `snapshots.rs`).

use rusqlite::{params, TransactionBehavior};

use super::{Store, StoreError};
use crate::render::context::ItemState;
use crate::service::index::ItemRecord;
use crate::service::webhook::Forge;

impl Store {
    /// Replaces the index of one repository's items with `records` (as of `today`), and
    /// records the day's counts. A done item keeps the closing day its record carries (the
    /// tracker's), else the day it was first seen done, else `today`.
    pub fn replace_items(
        &self,
        forge: Forge,
        repo: &str,
        mut records: Vec<ItemRecord>,
        today: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: std::collections::HashMap<String, Option<chrono::NaiveDate>> = tx
            .prepare("SELECT key, record FROM items WHERE forge = ?1 AND repo = ?2")?
            .query_map(params![forge.as_str(), repo], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .filter_map(|r| {
                let (key, json) = r.ok()?;
                let old: ItemRecord = serde_json::from_str(&json).ok()?;
                Some((key, old.closed_on))
            })
            .collect();
        for r in &mut records {
            r.closed_on = match r.state {
                // The tracker's closing day when the record has it, else the day first seen.
                ItemState::Done => r
                    .closed_on
                    .or_else(|| before.get(&r.key).copied().flatten())
                    .or(Some(today)),
                _ => None,
            };
        }
        tx.execute(
            "DELETE FROM items WHERE forge = ?1 AND repo = ?2",
            params![forge.as_str(), repo],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO items (forge, repo, ord, key, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, r) in records.iter().enumerate() {
                insert.execute(params![
                    forge.as_str(),
                    repo,
                    i as i64,
                    r.key,
                    serde_json::to_string(r).map_err(StoreError::Encode)?
                ])?;
            }
        }
        super::snapshots::record_day(&tx, forge, repo, &records, today)?;
        tx.commit()
            .map_err(StoreError::at("cannot save the items"))?;
        Ok(())
    }

    /// Every indexed item, by forge, repository and position in the repository.
    pub fn items(&self) -> Result<Vec<ItemRecord>, StoreError> {
        super::snapshots::json_rows(&self.conn(), "items", "item")
    }
}
