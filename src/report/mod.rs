//! Reports of every action item and the figures people ask of postmortems, pure: item rows
//! ([`items`]) built from a follow-up's outcome, their CSV, and the [`figures`]. The service's
//! index and the `report` command share them; the Markdown of a whole report is the `report`
//! template (`templates/report.hbs`) over a [`Report`].

pub mod figures;
pub mod items;

use serde::Serialize;

pub use figures::{figures, Figures, IncidentFigures};
pub use items::{parse_state, records, state_str, to_csv, ItemRecord, CSV_HEADER};

/// A whole report: every item and the figures (`report --format json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub items: Vec<ItemRecord>,
    pub figures: Figures,
}

impl Report {
    /// The report of `records` and `incidents` as of `today`.
    pub fn new(
        records: Vec<ItemRecord>,
        incidents: &[IncidentFigures],
        today: chrono::NaiveDate,
    ) -> Report {
        let figures = figures(&records, incidents, today);
        Report {
            items: records,
            figures,
        }
    }
}

/// A report over two items of a SEV2 incident, one done and one overdue: the sample the
/// `report` template is checked against (`templates check`, an override at start).
pub fn sample() -> Report {
    use crate::render::context::ItemState;
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
    let item = |n: usize, state: ItemState| ItemRecord {
        forge: "github".into(),
        repository: "acme/svc".into(),
        path: "postmortems/db.md".into(),
        postmortem: "DB outage".into(),
        postmortem_url: Some("https://github.com/acme/svc/blob/main/postmortems/db.md".into()),
        line: 10 + n,
        key: format!("sample{n}"),
        text: format!("Action item {n}"),
        kind: "corrective".into(),
        severity: Some("SEV2".into()),
        owner: Some("ana".into()),
        due: Some(day(10)),
        state,
        days_overdue: (state == ItemState::Overdue).then_some(3),
        issue: Some(format!("#{n}")),
        issue_url: Some(format!("https://github.com/acme/svc/issues/{n}")),
        incident: Some(day(1)),
        closed_on: (state == ItemState::Done).then(|| day(5)),
    };
    let at = |h| Some(format!("2026-03-01T{h:02}:00:00Z"));
    let incident = IncidentFigures {
        forge: "github".into(),
        repository: "acme/svc".into(),
        path: "postmortems/db.md".into(),
        title: Some("DB outage".into()),
        severity: Some("SEV2".into()),
        start: at(9),
        detected: at(10),
        end: at(12),
        time_to_detect_minutes: Some(60),
        time_to_restore_minutes: Some(180),
    };
    Report::new(
        vec![item(1, ItemState::Done), item(2, ItemState::Overdue)],
        &[incident],
        day(13),
    )
}
