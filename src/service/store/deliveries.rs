//! The delivery ids already seen (deduplication), and a delivery recorded together with the
//! mark it carries.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{ts, Queued, Store, StoreError};
use crate::service::webhook::{Forge, Mark};

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The delivery id was seen before: nothing changed.
    Duplicate,
    /// First time: recorded, and (if it carried a mark) queued.
    New(Option<Queued>),
}

impl Store {
    /// Records a delivery and, when it is new and carries a mark, queues the mark, in one
    /// transaction: a crash never leaves a delivery recorded without its job.
    pub fn record_delivery(
        &self,
        forge: Forge,
        delivery_id: &str,
        event: &str,
        mark: Option<&Mark>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO deliveries (forge, id, event, received_at) VALUES (?1, ?2, ?3, ?4)",
            params![forge.as_str(), delivery_id, event, ts(now)],
        )?;
        if inserted == 0 {
            return Ok(Recorded::Duplicate);
        }
        let queued = match mark {
            Some(m) => Some(Self::mark_in(&tx, m, now)?),
            None => None,
        };
        tx.commit()
            .map_err(StoreError::at("cannot record the delivery"))?;
        Ok(Recorded::New(queued))
    }

    /// Forgets delivery ids received before `before` (forges redeliver within days, not
    /// months). Returns how many were removed.
    pub fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM deliveries WHERE received_at < ?1",
            [ts(before)],
        )?)
    }

    /// Whether a delivery id has been recorded.
    pub fn has_delivery(&self, forge: Forge, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM deliveries WHERE forge = ?1 AND id = ?2",
                params![forge.as_str(), id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
