//! Item rows: one [`ItemRecord`] per action item, built from a follow-up's outcome, and their
//! CSV export. The service's index and `report` both build and export them here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::followup::DocOutcome;
use crate::render::context::ItemState;

/// One action item with its state: a row of the service's index and of `report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// `github` or `gitlab`.
    pub forge: String,
    /// `owner/name`, `group/project` (lower-case).
    pub repository: String,
    /// The postmortem's path in the repository.
    pub path: String,
    /// The postmortem's title.
    pub postmortem: String,
    /// Link to the postmortem on the forge.
    pub postmortem_url: Option<String>,
    /// Line of the item in the postmortem (1-based).
    pub line: usize,
    /// The item's stable key.
    pub key: String,
    pub text: String,
    /// `corrective`, `preventive`, `task` or `unknown`.
    pub kind: String,
    /// The postmortem's front-matter `severity`, as written (absent from records stored
    /// before it was kept).
    #[serde(default)]
    pub severity: Option<String>,
    /// The tracker's assignee, else the postmortem's owner.
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    /// `done`, `open` or `overdue`.
    pub state: ItemState,
    /// Days past due, when overdue.
    pub days_overdue: Option<i64>,
    /// `#12`, `group/project#12`.
    pub issue: Option<String>,
    pub issue_url: Option<String>,
    /// The day of the incident.
    pub incident: Option<NaiveDate>,
    /// The day the item's issue was closed (the tracker's date), else the first day the
    /// service saw the item done.
    pub closed_on: Option<NaiveDate>,
}

impl ItemRecord {
    /// Days from the incident to the item being done, when both are known.
    pub fn days_to_close(&self) -> Option<i64> {
        Some((self.closed_on? - self.incident?).num_days().max(0))
    }
}

/// The records of one repository's postmortems (`forge`: `github`, `gitlab`, or empty for
/// file-only), from a follow-up's outcomes and the tracker's `listing`. `closed_on` is the day
/// a done item's issue was closed; without one the store fills it in (the first day it saw
/// the item done).
pub fn records(
    forge: &str,
    repository: &str,
    outcomes: &[DocOutcome],
    listing: &[crate::plan::TrackedIssue],
    file_url: Option<&str>,
) -> Vec<ItemRecord> {
    // By number once: a repository can hold thousands of items and issues.
    let closed: std::collections::HashMap<u64, NaiveDate> = listing
        .iter()
        .filter_map(|t| Some((t.number, t.closed_on?)))
        .collect();
    let mut out = Vec::new();
    for doc in outcomes {
        let postmortem_url = file_url.map(|u| u.replace("{path}", &doc.path));
        for o in &doc.items {
            out.push(ItemRecord {
                forge: forge.to_string(),
                repository: repository.to_string(),
                path: doc.path.clone(),
                postmortem: doc
                    .postmortem
                    .title
                    .clone()
                    .unwrap_or_else(|| doc.path.clone()),
                postmortem_url: postmortem_url.clone(),
                line: o.line,
                key: o.key.to_string(),
                text: o.text.clone(),
                kind: o.kind.name().to_string(),
                severity: doc.severity.clone(),
                owner: o.status.owner.clone(),
                due: o.status.due,
                state: o.status.state,
                days_overdue: o.status.days_overdue,
                issue: o.issue.as_ref().map(|i| i.reference.clone()),
                issue_url: o.issue.as_ref().and_then(|i| i.url.clone()),
                incident: doc.incident,
                closed_on: o
                    .number
                    .filter(|_| o.status.state == ItemState::Done)
                    .and_then(|n| closed.get(&n).copied()),
            });
        }
    }
    out
}

/// A state as [`state_str`] writes it (`not_planned` too, as JSON spells it), any case.
pub fn parse_state(s: &str) -> Option<ItemState> {
    match s.trim().to_lowercase().as_str() {
        "done" => Some(ItemState::Done),
        "open" => Some(ItemState::Open),
        "overdue" => Some(ItemState::Overdue),
        "not planned" | "not_planned" => Some(ItemState::NotPlanned),
        _ => None,
    }
}

/// `done`, `open`, `overdue`, `not planned`.
pub fn state_str(s: ItemState) -> &'static str {
    match s {
        ItemState::Done => "done",
        ItemState::Open => "open",
        ItemState::Overdue => "overdue",
        ItemState::NotPlanned => "not planned",
    }
}

/// The CSV columns, in order (`severity` came after the others: it goes before `key`, the
/// last column, so that the columns people read keep their place).
pub const CSV_HEADER: [&str; 17] = [
    "forge",
    "repository",
    "path",
    "line",
    "postmortem",
    "text",
    "kind",
    "owner",
    "due",
    "state",
    "days_overdue",
    "issue",
    "issue_url",
    "incident",
    "closed_on",
    "severity",
    "key",
];

/// The records as CSV (RFC 4180: CRLF line ends, fields quoted when needed). A field a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a leading `'`, since
/// the text comes from files anyone with write access can edit.
pub fn to_csv(records: &[ItemRecord]) -> String {
    let mut out = String::new();
    push_row(&mut out, CSV_HEADER.iter().map(|s| s.to_string()));
    let opt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in records {
        push_row(
            &mut out,
            [
                r.forge.clone(),
                r.repository.clone(),
                r.path.clone(),
                r.line.to_string(),
                r.postmortem.clone(),
                r.text.clone(),
                r.kind.clone(),
                r.owner.clone().unwrap_or_default(),
                opt(r.due),
                state_str(r.state).to_string(),
                r.days_overdue.map(|d| d.to_string()).unwrap_or_default(),
                r.issue.clone().unwrap_or_default(),
                r.issue_url.clone().unwrap_or_default(),
                opt(r.incident),
                opt(r.closed_on),
                r.severity.clone().unwrap_or_default(),
                r.key.clone(),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{f}")
        } else {
            f
        };
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&f);
        }
    }
    out.push_str("\r\n");
}

/// A record for tests: `Add an alert` in `postmortems/db.md`, no issue, no dates.
#[cfg(test)]
pub(crate) fn test_record(
    repo: &str,
    owner: Option<&str>,
    kind: &str,
    state: ItemState,
) -> ItemRecord {
    ItemRecord {
        forge: "github".into(),
        repository: repo.into(),
        path: "postmortems/db.md".into(),
        postmortem: "DB outage".into(),
        postmortem_url: None,
        line: 10,
        key: "k".into(),
        text: "Add an alert".into(),
        kind: kind.into(),
        severity: None,
        owner: owner.map(str::to_string),
        due: None,
        state,
        days_overdue: None,
        issue: None,
        issue_url: None,
        incident: None,
        closed_on: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_record as rec;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut r = rec("a/x", Some("bob"), "task", ItemState::Open);
        r.text = "=HYPERLINK(\"x\"), then \"quote\"".into();
        let csv = to_csv(&[r]);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next().unwrap(), CSV_HEADER.join(","));
        let row = lines.next().unwrap();
        assert!(
            row.contains("\"'=HYPERLINK(\"\"x\"\"), then \"\"quote\"\"\""),
            "{row}"
        );
        assert!(
            row.starts_with("github,a/x,postmortems/db.md,10,DB outage,"),
            "{row}"
        );
        let mut tab = rec("a/x", None, "task", ItemState::Open);
        tab.text = "\t=1+1".into();
        assert!(
            to_csv(&[tab]).contains(",'\t=1+1,"),
            "a tab first is defused too"
        );
    }
}
