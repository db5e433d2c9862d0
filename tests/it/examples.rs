//! The parse of every postmortem in `examples/postmortems/`, written out by hand.
//!
//! Each example shows one layout people really use (see the file names). The expectations are
//! what a careful human reader takes from the document, not what the parser happens to print:
//! when they disagree, the parser is wrong unless a reader would agree otherwise.
//!
//! Conventions the expectations follow:
//! - `text` is the item's first sentence, with its final period when it has one, without list
//!   markers, checkbox, inline markup and metadata (`@owner`, `due:`, `by March 1`, `P1`,
//!   `(#34)`, `Owner: …`).
//! - `kind`: a per-item `Type` column wins (mitigate → corrective, prevent → preventive,
//!   process → task); otherwise the nearest heading decides (mixed or neutral → unknown).
//! - `group` is the title line an item stands under (seed 000's `Monitoring Enhancements:`),
//!   not the section heading.
//! - A timeline entry written as a time of day takes the incident's date and, when it writes
//!   none, the incident's zone; an entry after midnight (12:10 AM after 11:45 PM) is on the next
//!   day. A document that gives no date (a bare transcript) keeps bare times (`22:14:05`).
//! - A relative due date (`by March 1`) falls after the incident date.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use postmortem_tracker::model::{ItemKind, Postmortem, Severity};
use postmortem_tracker::parse::{parse, ParseOptions};

use ItemKind::{Corrective, Preventive, Task, Unknown};

/// One expected action item.
#[derive(Debug, Clone)]
struct Item {
    line: usize,
    kind: ItemKind,
    text: &'static str,
    group: Option<&'static str>,
    owner: Option<&'static str>,
    due: Option<&'static str>,
    priority: Option<&'static str>,
    issue: Option<&'static str>,
    done: bool,
    checkbox: bool,
}

fn item(line: usize, kind: ItemKind, text: &'static str) -> Item {
    Item {
        line,
        kind,
        text,
        group: None,
        owner: None,
        due: None,
        priority: None,
        issue: None,
        done: false,
        checkbox: false,
    }
}

impl Item {
    fn group(mut self, g: &'static str) -> Self {
        self.group = Some(g);
        self
    }
    fn owner(mut self, o: &'static str) -> Self {
        self.owner = Some(o);
        self
    }
    fn due(mut self, d: &'static str) -> Self {
        self.due = Some(d);
        self
    }
    fn priority(mut self, p: &'static str) -> Self {
        self.priority = Some(p);
        self
    }
    fn issue(mut self, i: &'static str) -> Self {
        self.issue = Some(i);
        self
    }
    /// A task-list item; `done` is whether its box is ticked.
    fn checkbox(mut self, done: bool) -> Self {
        self.checkbox = true;
        self.done = done;
        self
    }
}

/// The expected parse of one example.
struct Expected {
    file: &'static str,
    start: Option<&'static str>,
    end: Option<&'static str>,
    duration_minutes: Option<i64>,
    /// Each timeline entry's time, as `Timestamp` displays it, in document order.
    timeline: &'static [&'static str],
    items: Vec<Item>,
}

const DIR: &str = "examples/postmortems";

fn read_and_parse(file: &str) -> Postmortem {
    let path = format!("{}/{DIR}/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    parse(&format!("{DIR}/{file}"), &text, &ParseOptions::default())
}

fn show<T: std::fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

/// Compares the parse with the expectation and fails with every mismatch listed, one per line,
/// each naming the file and line, so one run tells the whole story.
fn check(exp: Expected) {
    let pm = read_and_parse(exp.file);
    let file = format!("{DIR}/{}", exp.file);
    let mut errs: Vec<String> = Vec::new();

    for d in &pm.diagnostics {
        if d.severity == Severity::Error {
            errs.push(format!(
                "{file}:{}: unexpected error diagnostic {}: {}",
                d.line.map_or("-".to_string(), |l| l.to_string()),
                d.code,
                d.message
            ));
        }
    }

    // Incident.
    let got_start = pm.incident.start.map(|t| t.to_string());
    let got_end = pm.incident.end.map(|t| t.to_string());
    if got_start.as_deref() != exp.start {
        errs.push(format!(
            "{file}: incident start: expected {:?}, got {got_start:?}",
            exp.start
        ));
    }
    if got_end.as_deref() != exp.end {
        errs.push(format!(
            "{file}: incident end: expected {:?}, got {got_end:?}",
            exp.end
        ));
    }
    if pm.incident.duration_minutes != exp.duration_minutes {
        errs.push(format!(
            "{file}: incident duration_minutes: expected {:?}, got {:?}",
            exp.duration_minutes, pm.incident.duration_minutes
        ));
    }

    // Timeline.
    let got_times: Vec<String> = pm
        .timeline
        .iter()
        .map(|e| e.time.map_or("<none>".to_string(), |t| t.to_string()))
        .collect();
    if got_times != exp.timeline {
        let mut msg = format!(
            "{file}: timeline: expected {} entries, got {}",
            exp.timeline.len(),
            got_times.len()
        );
        for (i, want) in exp.timeline.iter().enumerate() {
            match (got_times.get(i), pm.timeline.get(i)) {
                (Some(got), Some(e)) if got != want => {
                    let _ = write!(
                        msg,
                        "\n    entry {}: expected {want}, got {got} (line {}: {:?})",
                        i + 1,
                        e.line,
                        e.text
                    );
                }
                (None, _) => {
                    let _ = write!(msg, "\n    entry {}: expected {want}, missing", i + 1);
                }
                _ => {}
            }
        }
        for (i, e) in pm.timeline.iter().enumerate().skip(exp.timeline.len()) {
            let _ = write!(
                msg,
                "\n    entry {}: unexpected, line {}: {} {:?}",
                i + 1,
                e.line,
                got_times[i],
                e.text
            );
        }
        errs.push(msg);
    }

    // Action items, matched by line so that one missing or extra item does not shift the rest.
    if pm.actions.len() != exp.items.len() {
        errs.push(format!(
            "{file}: action items: expected {}, got {}",
            exp.items.len(),
            pm.actions.len()
        ));
    }
    let expected_lines: BTreeSet<usize> = exp.items.iter().map(|i| i.line).collect();
    for got in &pm.actions {
        if !expected_lines.contains(&got.line) {
            errs.push(format!(
                "{file}:{}: unexpected item {:?} (kind {:?}, group {:?})",
                got.line, got.text, got.kind, got.group
            ));
        }
    }
    for want in &exp.items {
        let found: Vec<_> = pm.actions.iter().filter(|a| a.line == want.line).collect();
        let got = match found.as_slice() {
            [] => {
                errs.push(format!(
                    "{file}:{}: missing item {:?}",
                    want.line, want.text
                ));
                continue;
            }
            [one] => *one,
            many => {
                errs.push(format!(
                    "{file}:{}: {} items on one line: {:?}",
                    want.line,
                    many.len(),
                    many.iter().map(|a| &a.text).collect::<Vec<_>>()
                ));
                many[0]
            }
        };
        let mut field = |name: &str, expected: String, actual: String| {
            if expected != actual {
                errs.push(format!(
                    "{file}:{}: {name}: expected {expected}, got {actual}",
                    want.line
                ));
            }
        };
        field("text", show(&want.text), show(&got.text));
        field("kind", show(&want.kind), show(&got.kind));
        field("group", show(&want.group), show(&got.group.as_deref()));
        field("owner", show(&want.owner), show(&got.owner.as_deref()));
        field(
            "due",
            show(&want.due),
            show(&got.due.map(|d| d.format("%Y-%m-%d").to_string()).as_deref()),
        );
        field(
            "priority",
            show(&want.priority),
            show(&got.priority.as_deref()),
        );
        field(
            "issue",
            show(&want.issue),
            show(&got.issue.as_ref().map(|i| i.to_string()).as_deref()),
        );
        field("done", show(&want.done), show(&got.done));
        field("checkbox", show(&want.checkbox), show(&got.checkbox));
    }

    assert!(
        errs.is_empty(),
        "{} mismatch(es) in {file}:\n  {}",
        errs.len(),
        errs.join("\n  ")
    );
}

/// Plain text like seed 000: colon headings, indented blocks, groups of measures, tasks.
#[test]
fn plain_text_with_groups_and_tasks() {
    check(Expected {
        file: "01-billing-export-disk-full.txt",
        start: Some("2026-03-04T14:00:00+01:00"),
        end: Some("2026-03-04T16:25:00+01:00"),
        duration_minutes: Some(145),
        timeline: &[
            "2026-03-04T14:00:00+01:00",
            "2026-03-04T14:12:00+01:00",
            "2026-03-04T14:20:00+01:00",
            "2026-03-04T14:41:00+01:00",
            "2026-03-04T15:05:00+01:00",
            "2026-03-04T15:30:00+01:00",
            "2026-03-04T15:48:00+01:00",
            "2026-03-04T16:02:00+01:00",
            "2026-03-04T16:25:00+01:00",
        ],
        items: vec![
            item(
                44,
                Unknown,
                "Move the WAL archive directory off the data volume onto a dedicated volume \
                 with its own size alarm.",
            )
            .group("Disk Capacity Management"),
            item(45, Unknown, "Keep local WAL segments for at most 48 hours.")
                .group("Disk Capacity Management"),
            item(
                48,
                Unknown,
                "Alert when any database volume passes 80 percent, not only at 95 percent.",
            )
            .group("Monitoring Enhancements"),
            item(
                49,
                Unknown,
                "Page the on-call engineer when the archive command has failed for more than \
                 15 minutes.",
            )
            .group("Monitoring Enhancements"),
            item(
                50,
                Unknown,
                "Alert when an hourly billing export has not finished 30 minutes after it \
                 started.",
            )
            .group("Monitoring Enhancements"),
            item(
                53,
                Unknown,
                "Require a second reviewer from the database team for bucket policy changes \
                 on backup buckets.",
            )
            .group("Change Review"),
            item(
                54,
                Unknown,
                "Add the archive upload to the post-change smoke test for storage policies.",
            )
            .group("Change Review"),
            item(
                57,
                Task,
                "Resize the archive volume on db-billing-02 to 500 GB and move the archive \
                 directory onto it.",
            ),
            item(
                58,
                Task,
                "Add the volume and archive alert rules to the shared Prometheus configuration.",
            ),
            item(
                59,
                Task,
                "Write a runbook entry for a full WAL archive volume, including the safe \
                 cleanup command.",
            ),
            item(
                60,
                Task,
                "Re-run the reconciliation report for the 14:00, 15:00 and 16:00 export runs.",
            ),
        ],
    });
}

/// Bold and italic lines as headings like seed 001; an intro sentence, then bare lines.
#[test]
fn bold_headers_and_bare_line_measures() {
    check(Expected {
        file: "02-booking-portal-certificate.md",
        start: Some("2026-03-05T21:00:00-05:00"),
        end: Some("2026-03-06T00:10:00-05:00"),
        duration_minutes: Some(190),
        timeline: &[
            "2026-03-05T21:00:00-05:00",
            "2026-03-05T21:06:00-05:00",
            "2026-03-05T21:25:00-05:00",
            "2026-03-05T21:48:00-05:00",
            "2026-03-05T22:30:00-05:00",
            "2026-03-05T22:52:00-05:00",
            "2026-03-05T23:20:00-05:00",
            "2026-03-05T23:45:00-05:00",
            "2026-03-06T00:10:00-05:00",
        ],
        items: vec![
            item(
                46,
                Preventive,
                "Track every internal certificate in one inventory with its expiry date and \
                 its owner.",
            ),
            item(
                47,
                Preventive,
                "Alert the owning team 21 days before any internal certificate expires.",
            ),
            item(
                48,
                Preventive,
                "Renew the gateway certificates automatically through cert-manager instead of \
                 by hand.",
            ),
            item(
                49,
                Preventive,
                "Show TLS handshake failures on the booking portal dashboard next to the HTTP \
                 error rate.",
            ),
            item(
                50,
                Preventive,
                "Review expiring credentials with each service owner once a quarter.",
            ),
        ],
    });
}

/// Broken ATX headings like seed 002, with the duration on a heading line.
#[test]
fn broken_atx_headings_and_tasks() {
    check(Expected {
        file: "03-checkout-promo-codes.md",
        start: Some("2026-01-13T10:20:00-05:00"),
        end: Some("2026-01-13T12:05:00-05:00"),
        duration_minutes: Some(105),
        timeline: &[
            "2026-01-13T10:20:00-05:00",
            "2026-01-13T10:28:00-05:00",
            "2026-01-13T10:45:00-05:00",
            "2026-01-13T11:02:00-05:00",
            "2026-01-13T11:15:00-05:00",
            "2026-01-13T11:34:00-05:00",
            "2026-01-13T11:50:00-05:00",
            "2026-01-13T12:05:00-05:00",
        ],
        items: vec![
            item(
                24,
                Unknown,
                "Give the promotions service its own database connection pool so that it \
                 cannot starve checkout.",
            ),
            item(
                25,
                Unknown,
                "Run every new query of the checkout path against a production-sized copy of \
                 the database before release.",
            ),
            item(
                26,
                Unknown,
                "Alert on connection pool saturation, not only on the checkout error rate.",
            ),
            item(
                27,
                Unknown,
                "Add the payment provider's status to the checkout dashboard so that it can be \
                 ruled out in minutes.",
            ),
            item(
                29,
                Task,
                "Add an index on redemptions (customer_id, promotion_id)",
            ),
            item(
                30,
                Task,
                "Split the promotions connection pool from the checkout pool",
            ),
            item(
                31,
                Task,
                "Add a slow query budget to the promotions service release checklist",
            ),
            item(
                32,
                Task,
                "Release promotions 3.8.1 with the indexed query after a load test",
            ),
        ],
    });
}

/// Google SRE template: YAML front matter, action items table with a Type column, a timeline
/// table.
#[test]
fn google_sre_tables_and_front_matter() {
    let file = "04-cache-failover-sre.md";
    let pm = read_and_parse(file);
    let fm = pm.front_matter.as_ref().expect("front matter parsed");
    assert_eq!(
        fm.title.as_deref(),
        Some("Checkout errors after cache cluster failover")
    );
    assert_eq!(fm.date.as_deref(), Some("2026-02-17"));
    assert_eq!(fm.severity.as_deref(), Some("SEV-2"));
    assert_eq!(fm.owners, ["mkovacs", "priya"]);
    assert_eq!(fm.id.as_deref(), Some("PM-2026-014"));
    assert_eq!(fm.status.as_deref(), Some("final"));
    assert_eq!(pm.id, "PM-2026-014", "front matter id is the postmortem id");

    check(Expected {
        file,
        start: Some("2026-02-17T08:04:00Z"),
        end: Some("2026-02-17T10:31:00Z"),
        duration_minutes: Some(147),
        timeline: &[
            "2026-02-17T07:58:00Z",
            "2026-02-17T08:04:00Z",
            "2026-02-17T08:15:00Z",
            "2026-02-17T08:32:00Z",
            "2026-02-17T09:10:00Z",
            "2026-02-17T09:40:00Z",
            "2026-02-17T10:31:00Z",
        ],
        items: vec![
            item(
                63,
                Corrective,
                "Turn on the retry cap flag for the cart service in every region",
            )
            .owner("okafor")
            .due("2026-02-18")
            .priority("P0")
            .issue("#12"),
            item(
                64,
                Preventive,
                "Make the cart service rediscover the cache primary through the sentinels \
                 after a READONLY error",
            )
            .owner("mkovacs")
            .due("2026-03-13")
            .priority("P1")
            .issue("#15"),
            item(
                65,
                Preventive,
                "Add jittered exponential backoff to all cache client retries",
            )
            .owner("mkovacs")
            .due("2026-03-27")
            .priority("P1"),
            item(
                66,
                Preventive,
                "Add cache failover events to the checkout dashboard",
            )
            .owner("priya")
            .due("2026-03-06")
            .priority("P2")
            .issue("https://github.com/acme/checkout/issues/57"),
            item(
                67,
                Task,
                "Require a cart smoke test in the cache failover runbook before the \
                 maintenance is closed",
            )
            .owner("priya")
            .due("2026-03-20")
            .priority("P2")
            .issue("#19"),
            item(
                68,
                Task,
                "Run a game day that fails over the cache under peak-like load",
            )
            .owner("okafor")
            .due("2026-04-30")
            .priority("P3"),
        ],
    });
}

/// Task-list checkboxes with inline metadata, setext headings.
#[test]
fn checklist_with_inline_metadata() {
    check(Expected {
        file: "05-invoice-backlog-checklist.md",
        start: Some("2026-01-20T06:05:00-08:00"),
        end: Some("2026-01-20T09:47:00-08:00"),
        duration_minutes: Some(222),
        timeline: &[
            "2026-01-20T06:05:00-08:00",
            "2026-01-20T06:07:00-08:00",
            "2026-01-20T06:40:00-08:00",
            "2026-01-20T07:02:00-08:00",
            "2026-01-20T07:25:00-08:00",
            "2026-01-20T08:10:00-08:00",
            "2026-01-20T09:47:00-08:00",
        ],
        items: vec![
            item(
                50,
                Task,
                "Roll back invoice-consumer to v4.18.2 and drain the backlog",
            )
            .owner("mtanaka")
            .priority("P1")
            .issue("#34")
            .checkbox(true),
            item(51, Task, "Add consumer-lag alerting on the invoices topic")
                .owner("priya-n")
                .priority("P1")
                .due("2026-02-06")
                .checkbox(false),
            // The first sentence runs over two lines.
            item(
                52,
                Task,
                "Make the invoice handler park events it cannot read on a dead-letter topic \
                 instead of crashing.",
            )
            .owner("jdoe")
            .priority("P1")
            .due("2026-03-01")
            .checkbox(false),
            item(
                54,
                Task,
                "Set the compatibility mode of the invoices topic back to BACKWARD",
            )
            .owner("lgarcia")
            .priority("P1")
            .checkbox(true),
            item(
                55,
                Task,
                "Fail the deploy pipeline when new pods do not become ready within 10 minutes",
            )
            .owner("lgarcia")
            .priority("P2")
            .due("2026-02-27")
            .checkbox(false),
            // `#eng-announcements` is a chat channel, not an issue.
            item(
                56,
                Task,
                "Announce schema changes in #eng-announcements a day before they ship",
            )
            .owner("mtanaka")
            .priority("P3")
            .due("2026-03-01")
            .checkbox(false),
            item(
                57,
                Task,
                "Add a contract test between the schema registry and invoice-consumer",
            )
            .owner("jdoe")
            .priority("P3")
            .due("2026-12-01")
            .checkbox(false),
        ],
    });
}

/// A bridge-call transcript like seed 003: a timeline and nothing to track.
#[test]
fn bridge_transcript_has_timeline_and_no_items() {
    check(Expected {
        file: "06-card-payments-bridge-transcript.txt",
        // No sentence states the start, so the first timeline entry stands for it (the rule
        // for every document, as in the corpus annotations). The end is the last entry that
        // declares restoration: "Maria declares service restored" at 23:49:30.
        start: Some("22:14:05"),
        end: Some("23:49:30"),
        duration_minutes: Some(95),
        timeline: &[
            "22:14:05", "22:16:40", "22:19:12", "22:21:30", "22:24:55", "22:31:08", "22:33:47",
            "22:38:20", "22:41:02", "22:47:36", "22:52:10", "22:55:44", "23:03:29", "23:06:15",
            "23:12:48", "23:18:02", "23:25:37", "23:31:19", "23:40:51", "23:44:06", "23:49:30",
        ],
        items: vec![],
    });
}

/// All-caps headings, numbered items with `Owner:`/`Due:` lines, prose around the items and
/// imperative lessons that are not items.
#[test]
fn all_caps_headings_numbered_items_and_prose() {
    check(Expected {
        file: "07-reporting-replica-overload.md",
        start: Some("2026-06-11T02:40:00+02:00"),
        end: Some("2026-06-11T05:15:00+02:00"),
        duration_minutes: Some(155),
        timeline: &[
            "2026-06-11T02:40:00+02:00",
            "2026-06-11T02:52:00+02:00",
            "2026-06-11T03:05:00+02:00",
            "2026-06-11T03:20:00+02:00",
            "2026-06-11T03:45:00+02:00",
            "2026-06-11T03:58:00+02:00",
            "2026-06-11T04:15:00+02:00",
            "2026-06-11T04:35:00+02:00",
            "2026-06-11T05:15:00+02:00",
        ],
        items: vec![
            item(
                46,
                Corrective,
                "Set a fixed worker count of 4 for the finance export in its configuration.",
            )
            .owner("lfischer")
            .due("2026-06-15"),
            item(
                48,
                Corrective,
                "Put a statement timeout of 30 seconds on every query from the reporting \
                 service.",
            )
            .owner("Tobias Brandt")
            .due("2026-06-19"),
            item(
                50,
                Corrective,
                "Reset max_connections on the reporting replica to 200 and plan memory before \
                 any increase.",
            )
            .owner("lfischer")
            .due("2026-06-19"),
            item(
                55,
                Preventive,
                "Give the finance export its own read replica, separate from customer reports.",
            )
            .owner("tbrandt")
            .due("2026-07-31"),
            item(
                57,
                Preventive,
                "Alert when any replica uses more than 80% of its connections for five minutes.",
            )
            .owner("okoye")
            .due("2026-06-30"),
            item(
                59,
                Preventive,
                "Add a connection budget per client to the database onboarding checklist.",
            )
            .owner("Lena Fischer")
            .due("2026-07-15"),
        ],
    });
}

/// Every example has an expectation above: a new file without one fails here.
#[test]
fn every_example_is_covered() {
    let covered = [
        "01-billing-export-disk-full.txt",
        "02-booking-portal-certificate.md",
        "03-checkout-promo-codes.md",
        "04-cache-failover-sre.md",
        "05-invoice-backlog-checklist.md",
        "06-card-payments-bridge-transcript.txt",
        "07-reporting-replica-overload.md",
    ];
    let dir = format!("{}/{DIR}", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    assert_eq!(found, covered);
}
