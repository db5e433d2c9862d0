//! What `GET /metrics` shows, as Prometheus text: the service's own counters since start
//! (`Metrics`: deliveries, job runs and durations), the forge API calls and waits of the jobs
//! ([`ApiMetrics`]), the jobs in the store by state, the items gauges of the index and the
//! figures ([`crate::report::figures`], as on the dashboard and in `/api/stats`). Pure
//! rendering; the handler (`service/http/metrics.rs`) gathers the inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use super::index::{state_str, ItemRecord};
use super::runner::ApiMetrics;
use super::store::Depth;
use super::webhook::{self, Forge};
use crate::render::context::ItemState;
use crate::report::Figures;

/// Counters since start, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    deliveries: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    runs: Mutex<BTreeMap<&'static str, u64>>,
    /// Job durations by reason: (bucket counts, sum of seconds, count).
    durations: Mutex<BTreeMap<&'static str, Histogram>>,
}

/// A Prometheus histogram: counts per bucket of [`DURATION_BUCKETS`] (cumulative), the sum
/// of observations and their number.
type Histogram = (Vec<u64>, f64, u64);

/// Upper bounds (seconds) of the job duration histogram's buckets.
const DURATION_BUCKETS: [f64; 10] = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

impl Metrics {
    pub(crate) fn delivery(&self, forge: Forge, result: &'static str) {
        let mut d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        *d.entry((forge.as_str(), result)).or_default() += 1;
    }

    pub(crate) fn run(&self, result: &'static str, reason: webhook::Reason, took: Duration) {
        let mut r = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        *r.entry(result).or_default() += 1;
        let mut d = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        let (buckets, sum, count) = d
            .entry(reason.as_str())
            .or_insert_with(|| (vec![0; DURATION_BUCKETS.len()], 0.0, 0));
        let secs = took.as_secs_f64();
        for (b, le) in buckets.iter_mut().zip(DURATION_BUCKETS) {
            if secs <= le {
                *b += 1;
            }
        }
        *sum += secs;
        *count += 1;
    }
}

/// Writes the `# HELP` and `# TYPE` lines of a metric.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The whole `/metrics` text: the counters, the API calls and waits, the jobs by state (left
/// out when the store could not be read: `None`), the items gauges and the figures of those
/// items (likewise).
pub(crate) fn render(
    metrics: &Metrics,
    api: &ApiMetrics,
    depth: Option<&Depth>,
    items: Option<(&[ItemRecord], &Figures)>,
) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "postmortem_tracker_webhook_deliveries_total",
        "counter",
        "Webhook deliveries since start, by forge and result.",
    );
    for ((forge, result), n) in metrics
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "postmortem_tracker_webhook_deliveries_total{{forge=\"{forge}\",result=\"{result}\"}} {n}"
        );
    }
    family(
        &mut out,
        "postmortem_tracker_job_runs_total",
        "counter",
        "Jobs run since start, by result.",
    );
    for (result, n) in metrics
        .runs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "postmortem_tracker_job_runs_total{{result=\"{result}\"}} {n}"
        );
    }
    family(
        &mut out,
        "postmortem_tracker_job_duration_seconds",
        "histogram",
        "How long jobs took, by reason.",
    );
    for (reason, (buckets, sum, count)) in metrics
        .durations
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        for (n, le) in buckets.iter().zip(DURATION_BUCKETS) {
            let _ = writeln!(
                out,
                "postmortem_tracker_job_duration_seconds_bucket{{reason=\"{reason}\",le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "postmortem_tracker_job_duration_seconds_bucket{{reason=\"{reason}\",le=\"+Inf\"}} {count}\npostmortem_tracker_job_duration_seconds_sum{{reason=\"{reason}\"}} {sum}\npostmortem_tracker_job_duration_seconds_count{{reason=\"{reason}\"}} {count}"
        );
    }
    family(
        &mut out,
        "postmortem_tracker_api_calls_total",
        "counter",
        "Forge API calls by the jobs, by forge and outcome (ok, rate_limited, error); a paginated listing counts once; GitHub Projects' GraphQL requests count too.",
    );
    for ((forge, outcome), n) in api.calls() {
        let _ = writeln!(
            out,
            "postmortem_tracker_api_calls_total{{forge=\"{forge}\",outcome=\"{outcome}\"}} {n}"
        );
    }
    let (waits, waited) = api.waits();
    family(
        &mut out,
        "postmortem_tracker_api_waits_total",
        "counter",
        "Waits for rate limits and write pacing.",
    );
    let _ = writeln!(out, "postmortem_tracker_api_waits_total {waits}");
    family(
        &mut out,
        "postmortem_tracker_api_wait_seconds_total",
        "counter",
        "Time spent in those waits.",
    );
    let _ = writeln!(out, "postmortem_tracker_api_wait_seconds_total {waited}");
    family(
        &mut out,
        "postmortem_tracker_installation_jobs_put_off_total",
        "counter",
        "Jobs put off without a request because their GitHub App installation's rate limit was spent, by installation.",
    );
    for (installation, n) in api.put_off_by_installation() {
        let _ = writeln!(
            out,
            "postmortem_tracker_installation_jobs_put_off_total{{installation=\"{installation}\"}} {n}"
        );
    }
    if let Some(d) = depth {
        family(
            &mut out,
            "postmortem_tracker_jobs",
            "gauge",
            "Jobs in the store, by state.",
        );
        for (state, n) in [
            ("queued", d.queued),
            ("running", d.running),
            ("done", d.done),
            ("failed", d.failed),
        ] {
            let _ = writeln!(out, "postmortem_tracker_jobs{{state=\"{state}\"}} {n}");
        }
    }
    if let Some((items, figures)) = items {
        out.push_str(&item_metrics(items));
        out.push_str(&figure_metrics(figures));
    }
    out
}

/// The figures as gauges: time to detect and to restore per postmortem and their medians by
/// severity (minutes), median days to close by kind and by severity, and done items closed by
/// their due date or after it. A figure nobody can know yet (no close day) has no sample.
pub fn figure_metrics(f: &Figures) -> String {
    let mut out = String::new();
    for (name, help, value) in [
        (
            "postmortem_tracker_incident_time_to_detect_minutes",
            "Minutes from an incident's start to its detection, per postmortem.",
            (|i| i.time_to_detect_minutes) as fn(&crate::report::IncidentFigures) -> Option<i64>,
        ),
        (
            "postmortem_tracker_incident_time_to_restore_minutes",
            "Minutes from an incident's start to its end, per postmortem.",
            |i| i.time_to_restore_minutes,
        ),
    ] {
        family(&mut out, name, "gauge", help);
        for i in &f.incidents {
            if let Some(m) = value(i) {
                let _ = writeln!(
                    out,
                    "{name}{{forge=\"{}\",repository=\"{}\",path=\"{}\"}} {m}",
                    label_value(&i.forge),
                    label_value(&i.repository),
                    label_value(&i.path)
                );
            }
        }
    }
    for (name, help, value) in [
        (
            "postmortem_tracker_incident_time_to_detect_minutes_median",
            "Median minutes to detect of the incidents of a severity.",
            (|m| m.median_detect_minutes)
                as fn(&crate::report::figures::IncidentMedians) -> Option<i64>,
        ),
        (
            "postmortem_tracker_incident_time_to_restore_minutes_median",
            "Median minutes to restore of the incidents of a severity.",
            |m| m.median_restore_minutes,
        ),
    ] {
        family(&mut out, name, "gauge", help);
        for m in &f.incidents_by_severity {
            if let Some(v) = value(m) {
                let _ = writeln!(
                    out,
                    "{name}{{severity=\"{}\"}} {v}",
                    label_value(&m.severity)
                );
            }
        }
    }
    for (label, rows) in [
        ("kind", &f.days_to_close.by_kind),
        ("severity", &f.days_to_close.by_severity),
    ] {
        let name = format!("postmortem_tracker_days_to_close_median_by_{label}");
        family(
            &mut out,
            &name,
            "gauge",
            &format!("Median days from the incident to done of the done items, by {label}."),
        );
        for r in rows {
            let _ = writeln!(
                out,
                "{name}{{{label}=\"{}\"}} {}",
                label_value(&r.group),
                r.median_days
            );
        }
    }
    let due = &f.closed_by_due;
    family(
        &mut out,
        "postmortem_tracker_items_closed_with_due",
        "gauge",
        "Done items with a due date and a close day, by whether they were closed by the due date.",
    );
    let _ = writeln!(
        out,
        "postmortem_tracker_items_closed_with_due{{result=\"on_time\"}} {}\npostmortem_tracker_items_closed_with_due{{result=\"late\"}} {}",
        due.on_time,
        due.known - due.on_time
    );
    if let Some(share) = due.share {
        family(
            &mut out,
            "postmortem_tracker_items_closed_by_due_ratio",
            "gauge",
            "The share of those closed by the due date (0 to 1).",
        );
        let _ = writeln!(out, "postmortem_tracker_items_closed_by_due_ratio {share}");
    }
    out
}

/// The items gauges for `/metrics` (Prometheus text): items by state and kind (every
/// combination, zeros included, so a series does not vanish when its last item closes) and
/// the overdue count.
pub fn item_metrics(records: &[ItemRecord]) -> String {
    let mut kinds: BTreeSet<&str> = ["corrective", "preventive", "task", "unknown"].into();
    kinds.extend(records.iter().map(|r| r.kind.as_str()));
    let mut n: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for r in records {
        *n.entry((state_str(r.state), r.kind.as_str())).or_default() += 1;
    }
    let mut out = String::new();
    family(
        &mut out,
        "postmortem_tracker_items",
        "gauge",
        "Action items in the index, by state and kind.",
    );
    for state in ["done", "open", "overdue", "not planned"] {
        for kind in &kinds {
            let _ = writeln!(
                out,
                "postmortem_tracker_items{{state=\"{state}\",kind=\"{}\"}} {}",
                label_value(kind),
                n.get(&(state, *kind)).copied().unwrap_or(0)
            );
        }
    }
    family(
        &mut out,
        "postmortem_tracker_items_overdue",
        "gauge",
        "Open action items past their due date.",
    );
    let overdue = records
        .iter()
        .filter(|r| r.state == ItemState::Overdue)
        .count();
    let _ = writeln!(out, "postmortem_tracker_items_overdue {overdue}");
    out
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::index::test_record as rec;

    #[test]
    fn metrics_count_every_state_and_kind() {
        let items = vec![
            rec("a/x", Some("alice"), "corrective", ItemState::Open),
            rec("a/x", Some("alice"), "corrective", ItemState::Open),
            rec("a/x", Some("bob"), "task", ItemState::Overdue),
        ];
        let m = item_metrics(&items);
        assert!(m.contains("postmortem_tracker_items{state=\"open\",kind=\"corrective\"} 2\n"));
        assert!(m.contains("postmortem_tracker_items{state=\"overdue\",kind=\"task\"} 1\n"));
        assert!(m.contains("postmortem_tracker_items{state=\"done\",kind=\"preventive\"} 0\n"));
        assert!(m.contains("postmortem_tracker_items_overdue 1\n"));
        assert!(m.contains("postmortem_tracker_items{state=\"not planned\",kind=\"task\"} 0\n"));
        assert_eq!(m.matches("postmortem_tracker_items{").count(), 16);
    }
}
