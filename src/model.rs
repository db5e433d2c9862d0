//! The parsed postmortem: what every later stage (lint, plan, write-back, reports) reads.
//!
//! Values here are plain data. They serialise to the JSON documented in the README, which is a
//! public interface: rename nothing without a note in the changelog.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone};
use serde::{Serialize, Serializer};

/// One postmortem document, parsed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Postmortem {
    /// The path the document was read from, as given (relative paths stay relative).
    pub path: String,
    /// Stable identity: front matter `id`, else the path. Item keys are derived from it.
    pub id: String,
    /// The document's title, if it has one that is not just a section name.
    pub title: Option<String>,
    /// YAML front matter, when the document starts with a `---` block.
    pub front_matter: Option<FrontMatter>,
    /// When the incident started and ended, as far as the text says.
    pub incident: Incident,
    /// Recognised headings, in document order.
    pub sections: Vec<Section>,
    /// The action items found under action headings.
    pub actions: Vec<ActionItem>,
    /// Timeline entries found under timeline headings.
    pub timeline: Vec<TimelineEntry>,
    /// Problems found while reading; the rest of the document is still parsed.
    pub diagnostics: Vec<Diagnostic>,
}

/// YAML front matter. Known keys are typed; everything else is kept in `extra`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<String>,
    pub severity: Option<String>,
    pub owners: Vec<String>,
    pub id: Option<String>,
    pub status: Option<String>,
    /// Any other keys, as JSON values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Incident start, end, duration and detection, as far as the text allows.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Incident {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub duration_minutes: Option<i64>,
    /// When the incident was detected, if a line says so.
    pub detected: Option<Timestamp>,
    pub time_to_detect_minutes: Option<i64>,
}

/// A moment as people write it: any of date, time of day and zone may be missing.
///
/// Serialises as RFC 3339 when date, time and zone are known (`2023-11-01T14:00:00+02:00`),
/// as a local date-time without zone (`2022-11-01T06:00:00`), a date (`2023-11-01`), or a time
/// of day with its zone when known (`21:00:00-05:00`, `03:39:25`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    pub offset: Option<FixedOffset>,
}

impl Timestamp {
    /// Minutes from `self` to `later`, when both can be placed on one time line: both with
    /// dates (and both zoned or both local), or both times of day in one zone (same day, or the
    /// next day when `later` is earlier on the clock: an incident that crossed midnight).
    pub fn minutes_until(&self, later: &Timestamp) -> Option<i64> {
        let (t1, t2) = (self.time?, later.time?);
        match (self.date, later.date) {
            (Some(d1), Some(d2)) => {
                let (a, b) = (d1.and_time(t1), d2.and_time(t2));
                let secs = match (self.offset, later.offset) {
                    (Some(o1), Some(o2)) => {
                        let a = o1.from_local_datetime(&a).single()?;
                        let b = o2.from_local_datetime(&b).single()?;
                        (b - a).num_seconds()
                    }
                    (None, None) => (b - a).num_seconds(),
                    _ => return None,
                };
                Some(secs.div_euclid(60))
            }
            (None, None) if self.offset == later.offset => {
                let mut secs = (t2 - t1).num_seconds();
                if secs < 0 {
                    secs += 24 * 3600;
                }
                Some(secs / 60)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = |f: &mut fmt::Formatter<'_>| match self.offset {
            Some(o) if o.local_minus_utc() == 0 => write!(f, "Z"),
            Some(o) => write!(f, "{o}"),
            None => Ok(()),
        };
        match (self.date, self.time) {
            (Some(d), Some(t)) => {
                write!(f, "{}T{}", d.format("%Y-%m-%d"), t.format("%H:%M:%S"))?;
                offset(f)
            }
            (Some(d), None) => write!(f, "{}", d.format("%Y-%m-%d")),
            (None, Some(t)) => {
                write!(f, "{}", t.format("%H:%M:%S"))?;
                offset(f)
            }
            (None, None) => Ok(()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a heading is about, recognised by meaning (synonyms and misspellings included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Summary,
    Duration,
    Impact,
    RootCause,
    Timeline,
    Detection,
    Resolution,
    /// Corrective measures only ("Corrective Actions", "Remediation", "Immediate Actions").
    Corrective,
    /// Preventive measures only ("Prevention", "Preventive Actions").
    Preventive,
    /// Mixed or neutral action headings ("Corrective and Preventative Measures", "Improvements").
    Measures,
    /// Action items, tasks, TODO, follow-ups, next steps.
    Tasks,
    LessonsLearned,
    ContributingFactors,
    Conclusion,
    Appendix,
    /// A heading the parser does not recognise.
    Other,
}

impl SectionKind {
    /// Whether items are collected under this heading.
    pub fn is_action(self) -> bool {
        matches!(
            self,
            Self::Corrective | Self::Preventive | Self::Measures | Self::Tasks
        )
    }

    /// The item kind that a heading of this kind gives its items.
    pub fn item_kind(self) -> ItemKind {
        match self {
            Self::Corrective => ItemKind::Corrective,
            Self::Preventive => ItemKind::Preventive,
            Self::Tasks => ItemKind::Task,
            _ => ItemKind::Unknown,
        }
    }

    /// The name used in configuration (`required_sections`) and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Duration => "duration",
            Self::Impact => "impact",
            Self::RootCause => "root_cause",
            Self::Timeline => "timeline",
            Self::Detection => "detection",
            Self::Resolution => "resolution",
            Self::Corrective => "corrective",
            Self::Preventive => "preventive",
            Self::Measures => "measures",
            Self::Tasks => "tasks",
            Self::LessonsLearned => "lessons_learned",
            Self::ContributingFactors => "contributing_factors",
            Self::Conclusion => "conclusion",
            Self::Appendix => "appendix",
            Self::Other => "other",
        }
    }

    /// All kinds, for `--help` texts and config validation.
    pub const ALL: [SectionKind; 16] = [
        Self::Summary,
        Self::Duration,
        Self::Impact,
        Self::RootCause,
        Self::Timeline,
        Self::Detection,
        Self::Resolution,
        Self::Corrective,
        Self::Preventive,
        Self::Measures,
        Self::Tasks,
        Self::LessonsLearned,
        Self::ContributingFactors,
        Self::Conclusion,
        Self::Appendix,
        Self::Other,
    ];
}

/// A heading (or a line that works as one), with what it is about.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub heading: String,
    /// 1-based line number.
    pub line: usize,
}

/// Corrective, preventive, or a plain task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Corrective,
    Preventive,
    Task,
    Unknown,
}

impl ItemKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: [ItemKind; 4] = [
        ItemKind::Corrective,
        ItemKind::Preventive,
        ItemKind::Task,
        ItemKind::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Corrective => "corrective",
            Self::Preventive => "preventive",
            Self::Task => "task",
            Self::Unknown => "unknown",
        }
    }
}

/// One corrective or preventive action, task or follow-up.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionItem {
    /// The item's first sentence, cleaned of list markers, checkbox, markup and metadata.
    pub text: String,
    /// The rest of the item (following sentences and lines), if any.
    pub detail: Option<String>,
    /// The title line the item stands under, e.g. "Monitoring Enhancements".
    pub group: Option<String>,
    pub kind: ItemKind,
    /// Who owns the item as written: a login or a name, or several (`lena, omar`) when a
    /// cell or field lists them; a login loses its `@`.
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub priority: Option<String>,
    /// An issue the document already names for this item.
    pub issue: Option<IssueRef>,
    /// Whether a task-list box is ticked (or a status column says done).
    pub done: bool,
    /// Whether the document says the action will not be done (a status of `Won't do`,
    /// `Cancelled`, `Not planned`): its issue is closed as not planned, and it is neither
    /// done nor reminded of.
    pub not_planned: bool,
    /// Whether the item has a task-list box that write-back may tick.
    pub checkbox: bool,
    /// 1-based line number of the item's first line.
    pub line: usize,
}

/// A reference to an issue, as written in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueRef {
    /// `#123`: an issue in the tracked repository.
    Local(u64),
    /// `group/project#12` or `owner/repo#12`.
    Project { project: String, number: u64 },
    /// An issue or merge request URL (`https://github.com/o/r/issues/3`).
    Url(String),
    /// Another tracker's id, such as `Bug 12345` or `JIRA-42`.
    External(String),
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(n) => write!(f, "#{n}"),
            Self::Project { project, number } => write!(f, "{project}#{number}"),
            Self::Url(u) => f.write_str(u),
            Self::External(s) => f.write_str(s),
        }
    }
}

impl Serialize for IssueRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One event of the incident's timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimelineEntry {
    pub time: Option<Timestamp>,
    /// The entry's text without its timestamp.
    pub text: String,
    /// 1-based line number.
    pub line: usize,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A problem found in a document, with where it is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// A short stable name for the rule (`missing-owner`, `invalid-utf8`).
    pub code: &'static str,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        line: Option<usize>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            line,
            code,
            message: message.into(),
        }
    }
}

/// The first of the owners an item lists (`lena` of `lena, omar`): the one its issue is
/// assigned to.
pub fn first_owner(owner: &str) -> &str {
    owner.split(',').next().unwrap_or(owner).trim()
}

/// Whether `login` looks like a GitHub or GitLab username (or `group/subgroup`), the only shape
/// read as an owner and the only one the `mention` helper turns into a real mention.
pub fn is_login(login: &str) -> bool {
    let login = login.strip_prefix('@').unwrap_or(login);
    !login.is_empty()
        && login.len() <= 255
        && login.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_owner_is_the_first_of_a_list_or_the_whole_name() {
        assert_eq!(first_owner("lena, omar"), "lena");
        assert_eq!(first_owner("olivier,charles"), "olivier");
        assert_eq!(first_owner("Billing team"), "Billing team");
    }
}
