//! Reports of every action item and the figures people ask of postmortems, pure: item rows
//! ([`items`]) built from a follow-up's outcome, their CSV, the [`figures`], and the Markdown
//! of a whole report ([`markdown`]). The service's index and the `report` command share them.

pub mod figures;
pub mod items;
pub mod markdown;

use serde::Serialize;

pub use figures::{figures, Figures, IncidentFigures};
pub use items::{records, state_str, to_csv, ItemRecord, CSV_HEADER};

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
