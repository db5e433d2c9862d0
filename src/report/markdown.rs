//! A report as Markdown: one table row per item, then the figures. Every value copied from a
//! postmortem or a tracker goes through [`escape_inline`], so no text can break a table row or
//! mention anyone.

use std::fmt::Write as _;

use super::figures::{CloseMedian, Figures};
use super::items::state_str;
use super::Report;
use crate::render::format_minutes;
use crate::render::safe::escape_inline;

fn cell(s: Option<&str>) -> String {
    s.map(escape_inline).unwrap_or_default()
}

fn minutes(m: Option<i64>) -> String {
    m.map(format_minutes).unwrap_or_else(|| "unknown".into())
}

/// The Markdown of `report`.
pub fn markdown(report: &Report) -> String {
    let f = &report.figures;
    let c = &f.counts;
    let mut out = String::new();
    let _ = writeln!(out, "# Action items as of {}\n", f.today);
    let _ = writeln!(
        out,
        "{} {}: {} done, {} open, {} overdue.\n",
        c.total,
        if c.total == 1 { "item" } else { "items" },
        c.done,
        c.open,
        c.overdue
    );
    if !report.items.is_empty() {
        out.push_str("| Postmortem | Line | Item | Kind | Owner | Due | State | Issue |\n");
        out.push_str("|---|---:|---|---|---|---|---|---|\n");
        for r in &report.items {
            let state = match r.days_overdue {
                Some(n) => format!("{} ({n} d)", state_str(r.state)),
                None => state_str(r.state).to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                escape_inline(&r.path),
                r.line,
                escape_inline(&r.text),
                escape_inline(&r.kind),
                cell(r.owner.as_deref()),
                r.due.map(|d| d.to_string()).unwrap_or_default(),
                state,
                cell(r.issue.as_deref()),
            );
        }
        out.push('\n');
    }
    incidents(&mut out, f);
    closing(&mut out, f);
    out
}

fn incidents(out: &mut String, f: &Figures) {
    if f.incidents.is_empty() {
        return;
    }
    out.push_str("## Incidents\n\n");
    out.push_str("| Postmortem | Severity | Start | Time to detect | Time to restore |\n");
    out.push_str("|---|---|---|---|---|\n");
    for i in &f.incidents {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape_inline(i.title.as_deref().unwrap_or(&i.path)),
            cell(i.severity.as_deref()),
            i.start.map(|s| s.to_string()).unwrap_or_default(),
            minutes(i.time_to_detect_minutes),
            minutes(i.time_to_restore_minutes),
        );
    }
    out.push_str("\n| Severity | Incidents | Median time to detect | Median time to restore |\n");
    out.push_str("|---|---:|---|---|\n");
    for m in &f.incidents_by_severity {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape_inline(&m.severity),
            m.incidents,
            minutes(m.median_detect_minutes),
            minutes(m.median_restore_minutes),
        );
    }
    out.push('\n');
}

fn closing(out: &mut String, f: &Figures) {
    let d = &f.days_to_close;
    out.push_str("## Time to close (days from the incident)\n\n");
    if d.by_kind.is_empty() {
        out.push_str("No done item has both an incident day and a close day");
        if d.done_without_dates > 0 {
            out.push_str(" (close days come from the tracker: run with a token)");
        }
        out.push_str(".\n\n");
    } else {
        let table = |out: &mut String, by: &str, rows: &[CloseMedian]| {
            let _ = writeln!(out, "| {by} | Closed | Median days |\n|---|---:|---:|");
            for r in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    escape_inline(&r.group),
                    r.count,
                    r.median_days
                );
            }
            out.push('\n');
        };
        table(out, "Kind", &d.by_kind);
        table(out, "Severity", &d.by_severity);
        if d.done_without_dates > 0 {
            let _ = writeln!(
                out,
                "{} done item(s) without a close day are left out.\n",
                d.done_without_dates
            );
        }
    }
    let s = &f.closed_by_due;
    out.push_str("## Closed by the due date\n\n");
    match s.share {
        Some(share) => {
            let _ = writeln!(
                out,
                "{} of {} done items with a due date and a close day ({:.0}%).",
                s.on_time,
                s.known,
                share * 100.0
            );
        }
        None => out.push_str("No done item has both a due date and a close day.\n"),
    }
}
