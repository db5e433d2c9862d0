//! Forgetting old delivery ids, so the deduplication table does not grow for ever.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::App;

/// Delivery ids older than this are forgotten: forges redeliver within days.
const DELIVERY_MEMORY: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// Forgets old delivery ids at start and then hourly, with or without a schedule.
pub(super) async fn pruner(app: App, mut stop: watch::Receiver<bool>) {
    loop {
        match app
            .store(|s| s.prune_deliveries(Utc::now() - DELIVERY_MEMORY))
            .await
        {
            Ok(n) => tracing::debug!(forgotten = n, "old delivery ids forgotten"),
            Err(e) => tracing::error!(error = %e, "cannot forget old delivery ids"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
