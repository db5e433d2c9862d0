//! The schedule (`service.schedule`, cron in UTC): on each tick, a follow-up job for every
//! watched repository, owners' `owner/*` entries listed through the forge at that tick. Every
//! replica runs the schedule; the store lets one of them queue each tick's jobs.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::webhook::{self, Forge, Mark};
use super::{App, Runner};

/// A schedule that is not a cron expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression:?}: {problem}")]
pub struct ScheduleError {
    /// The expression as given.
    pub expression: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Parses a cron expression in UTC: the usual 5 fields (`0 6 * * 1`: Mondays 06:00), or 6-7
/// with seconds first (and a year last).
pub fn parse_schedule(s: &str) -> Result<cron::Schedule, ScheduleError> {
    use std::str::FromStr as _;
    let bad = |problem: String| ScheduleError {
        expression: s.to_string(),
        problem,
    };
    let fields = s.split_whitespace().count();
    let full = match fields {
        5 => format!("0 {s}"),
        6 | 7 => s.to_string(),
        _ => {
            return Err(bad(
                "expected a cron expression of 5 fields (minute hour day month weekday)".into(),
            ))
        }
    };
    cron::Schedule::from_str(&full).map_err(|e| bad(e.to_string()))
}

/// On each tick of the schedule: a follow-up for every repository, and old delivery ids pruned.
pub(super) async fn scheduler(
    app: App,
    runner: Arc<dyn Runner>,
    schedule: cron::Schedule,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let Some(next) = schedule.upcoming(Utc).next() else {
            return; // a schedule with a year in the past never fires again
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let all = watched_now(&app, runner.as_ref()).await;
        let repositories = all.len();
        let marks: Vec<Mark> = all
            .into_iter()
            .map(|(forge, repo)| Mark {
                forge,
                repo,
                reason: webhook::Reason::Followup,
            })
            .collect();
        // The tick is claimed in the store: of several replicas, the first queues the
        // follow-ups and the others nothing.
        match app.store(move |s| s.tick(next, &marks, Utc::now())).await {
            Ok(Some(n)) => {
                tracing::info!(repositories, queued = n, "scheduled follow-up: jobs queued");
                if n > 0 {
                    app.wake.notify_waiters();
                }
            }
            Ok(None) => tracing::debug!(
                tick = %next.to_rfc3339(),
                "scheduled follow-up: another replica queued this tick's jobs"
            ),
            Err(e) => tracing::error!(
                repositories,
                error = %e,
                "scheduled follow-up: cannot queue the jobs"
            ),
        }
        // Never fire twice for one tick, however fast the marking was.
        if let Some(rest) = (next - Utc::now()).to_std().ok().filter(|d| !d.is_zero()) {
            tokio::time::sleep(rest).await;
        }
    }
}

/// The repositories a scheduled follow-up covers: the watch list with each `owner/*` listed
/// through the forge (an owner that cannot be listed is reported and skipped; the others go
/// on), else every repository seen before.
async fn watched_now(app: &App, runner: &dyn Runner) -> BTreeSet<(Forge, String)> {
    let watched = &app.settings.repositories;
    let mut all = BTreeSet::new();
    if watched.is_empty() {
        all.extend(runner.discovered());
        match app.store(|s| s.known_repositories()).await {
            Ok(known) => all.extend(known),
            Err(e) => tracing::error!(
                error = %e,
                "scheduled follow-up: cannot read the known repositories"
            ),
        }
        return all;
    }
    for (forge, repo) in watched {
        match repo.strip_suffix("/*") {
            None => {
                all.insert((*forge, repo.clone()));
            }
            // Bounded: a forge that stops answering must not stop every later tick.
            Some(owner) => match tokio::time::timeout(
                Duration::from_secs(300),
                runner.repositories_of(*forge, owner),
            )
            .await
            {
                Ok(Ok(repos)) => all.extend(repos.into_iter().map(|r| (*forge, r))),
                Ok(Err(e)) => tracing::warn!(
                    forge = forge.as_str(),
                    owner,
                    error = %e,
                    "scheduled follow-up: cannot list the owner's repositories; skipped this time"
                ),
                Err(_) => tracing::warn!(
                    forge = forge.as_str(),
                    owner,
                    "scheduled follow-up: no answer within 300 s listing the owner's repositories; skipped this time"
                ),
            },
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn schedules_of_five_and_six_fields() {
        let monday_6am = parse_schedule("0 6 * * Mon").unwrap();
        let from = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(); // a Saturday
        assert_eq!(
            monday_6am.after(&from).next(),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap())
        );
        let every_10s = parse_schedule("*/10 * * * * *").unwrap();
        assert_eq!(
            every_10s.after(&from).next(),
            Some(Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 10).unwrap())
        );
        assert_eq!(
            parse_schedule("daily").unwrap_err().to_string(),
            "\"daily\": expected a cron expression of 5 fields (minute hour day month weekday)"
        );
        assert!(parse_schedule("0 25 * * *").is_err());
    }
}
