//! The due-date policy: when an item that names no date of its own is due.
//!
//! Most postmortems name no dates, and an item that is never due is never overdue, so nobody is
//! ever reminded of it. The policy gives every such item a due date, counted in days from the
//! incident: by the item's priority (`P1`), else the postmortem's severity (front matter
//! `severity: SEV1`), else the item's kind, else a default. Without configuration corrective
//! items are due four weeks after the incident and the rest eight (Atlassian's SLOs for
//! priority actions). A date written in the document, on the issue or on its milestone always
//! wins (see [`crate::status::due_date`]). Pure: the document's facts come in, a date goes out.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{ActionItem, ItemKind, Postmortem};

/// Days after the incident for corrective items when nothing is configured.
pub const CORRECTIVE_DAYS: i64 = 28;
/// Days after the incident for every other item when nothing is configured.
pub const DEFAULT_DAYS: i64 = 56;

/// `due` in the configuration: `due = "off"`, or a `[due]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DueConfig {
    /// `"off"` (no policy: only dates written somewhere count) or `"on"` (the defaults).
    Switch(String),
    /// Days by priority, severity and kind, and a default; each merged over the defaults.
    Table(DueTable),
}

impl Default for DueConfig {
    fn default() -> Self {
        DueConfig::Table(DueTable::default())
    }
}

/// The `[due]` table. Keys of the maps are matched without regard to case, `-`, `_` or spaces
/// (`SEV-1`, `sev1` and `Sev 1` are one key).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DueTable {
    /// Days for items whose priority, severity and kind match nothing below (default 56).
    pub default: Option<i64>,
    /// Days by kind: `corrective` (default 28), `preventive`, `task`, `unknown`.
    pub kind: BTreeMap<String, i64>,
    /// Days by the item's priority: `p0` ... `p4`.
    pub priority: BTreeMap<String, i64>,
    /// Days by the postmortem's front-matter `severity`: `sev0` ... `sev5`, `p0` ... `p4`,
    /// `critical`, `high`, `major`, `medium`, `moderate`, `minor`, `low`.
    pub severity: BTreeMap<String, i64>,
}

/// Severity names the policy accepts as keys (after [`fold`]).
const SEVERITIES: [&str; 20] = [
    "sev0", "sev1", "sev2", "sev3", "sev4", "sev5", "p0", "p1", "p2", "p3", "p4", "s0", "s1", "s2",
    "s3", "s4", "critical", "high", "major", "medium",
];
const MORE_SEVERITIES: [&str; 3] = ["moderate", "minor", "low"];

/// A key as the policy compares it: lower case, without `-`, `_` or spaces.
fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The resolved policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// No policy at all (`due = "off"`).
    off: bool,
    default: i64,
    kind: BTreeMap<String, i64>,
    priority: BTreeMap<String, i64>,
    severity: BTreeMap<String, i64>,
}

impl Default for Policy {
    /// The policy without configuration: 28 days for corrective items, 56 for the rest.
    fn default() -> Self {
        Policy {
            off: false,
            default: DEFAULT_DAYS,
            kind: BTreeMap::from([("corrective".to_string(), CORRECTIVE_DAYS)]),
            priority: BTreeMap::new(),
            severity: BTreeMap::new(),
        }
    }
}

/// What a policy's days are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// The incident's start date.
    Incident,
    /// The postmortem's front-matter date (no incident date stated).
    Postmortem,
    /// The day the tool first tracked the item (the postmortem states no date at all): its
    /// issue's opening day, else the day the status block first listed it.
    Tracked,
}

/// Which rule of the policy gave the days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The item's priority (`P1`).
    Priority(String),
    /// The postmortem's severity (`SEV1`).
    Severity(String),
    /// The item's kind.
    Kind(String),
    /// The default.
    Default,
}

/// A due date the policy gave, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDue {
    pub date: NaiveDate,
    pub days: i64,
    pub since: Since,
    pub rule: Rule,
}

impl fmt::Display for PolicyDue {
    /// `policy: 28 days after the incident` — what the status block shows beside the date.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = match self.since {
            Since::Incident => "the incident",
            Since::Postmortem => "the postmortem's date",
            Since::Tracked => "the item was first tracked",
        };
        let unit = if self.days == 1 { "day" } else { "days" };
        write!(f, "policy: {} {unit} after {since}", self.days)
    }
}

/// What the policy needs to know of a postmortem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocFacts<'a> {
    /// The day the days count from, and what it is.
    pub base: Option<(NaiveDate, Since)>,
    /// The front matter's `severity`.
    pub severity: Option<&'a str>,
}

impl<'a> DocFacts<'a> {
    /// The same facts, counted from `tracked` (the day the tool first tracked the item) when
    /// the postmortem states no date of its own.
    pub fn or_tracked(self, tracked: Option<NaiveDate>) -> DocFacts<'a> {
        DocFacts {
            base: self.base.or(tracked.map(|d| (d, Since::Tracked))),
            ..self
        }
    }

    /// The incident's start date, else the front matter's `date`; and its severity.
    pub fn of(doc: &'a Postmortem) -> DocFacts<'a> {
        let front = doc.front_matter.as_ref();
        let base = match doc.incident.start.and_then(|t| t.date) {
            Some(d) => Some((d, Since::Incident)),
            None => front
                .and_then(|f| f.date.as_deref())
                .and_then(|d| d.get(..10)?.parse().ok())
                .map(|d| (d, Since::Postmortem)),
        };
        DocFacts {
            base,
            severity: front.and_then(|f| f.severity.as_deref()),
        }
    }
}

/// A `[due]` setting that cannot be used, naming its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct PolicyError {
    pub key: String,
    pub message: String,
}

impl Policy {
    /// No policy: only dates written in the document or the tracker count.
    pub fn off() -> Policy {
        Policy {
            off: true,
            ..Policy::default()
        }
    }

    /// Whether the policy is switched off.
    pub fn is_off(&self) -> bool {
        self.off
    }

    /// The policy a `due` setting gives, its maps merged over the defaults; every key and
    /// number checked (an unknown kind, priority or severity, or negative days, is an error
    /// naming the key).
    pub fn from_config(config: &DueConfig) -> Result<Policy, PolicyError> {
        let table = match config {
            DueConfig::Switch(s) if s.eq_ignore_ascii_case("off") => return Ok(Policy::off()),
            DueConfig::Switch(s) if s.eq_ignore_ascii_case("on") => return Ok(Policy::default()),
            DueConfig::Switch(s) => {
                return Err(PolicyError {
                    key: "due".into(),
                    message: format!(
                        "{s:?} is neither \"off\" nor \"on\"; write due = \"off\", or a [due] table"
                    ),
                })
            }
            DueConfig::Table(t) => t,
        };
        let mut policy = Policy::default();
        if let Some(days) = table.default {
            policy.default = checked_days("due.default", days)?;
        }
        let kinds: Vec<&str> = ItemKind::ALL.iter().map(|k| k.name()).collect();
        let priorities = ["p0", "p1", "p2", "p3", "p4"];
        let severities: Vec<&str> = SEVERITIES.iter().chain(&MORE_SEVERITIES).copied().collect();
        let maps = [
            ("kind", &table.kind, &mut policy.kind, &kinds[..]),
            (
                "priority",
                &table.priority,
                &mut policy.priority,
                &priorities[..],
            ),
            (
                "severity",
                &table.severity,
                &mut policy.severity,
                &severities[..],
            ),
        ];
        for (name, given, into, known) in maps {
            for (key, days) in given {
                let full = format!("due.{name}.{key}");
                let folded = fold(key);
                if !known.contains(&folded.as_str()) {
                    return Err(PolicyError {
                        key: full,
                        message: format!("unknown {name}; use one of {}", known.join(", ")),
                    });
                }
                into.insert(folded, checked_days(&full, *days)?);
            }
        }
        Ok(policy)
    }

    /// The days and rule for `item` in a postmortem of `severity`.
    pub fn days_for(&self, item: &ActionItem, severity: Option<&str>) -> Option<(i64, Rule)> {
        if self.off {
            return None;
        }
        if let Some(p) = item.priority.as_deref() {
            if let Some(d) = self.priority.get(&fold(p)) {
                return Some((*d, Rule::Priority(p.to_string())));
            }
        }
        if let Some(s) = severity {
            if let Some(d) = self.severity.get(&fold(s)) {
                return Some((*d, Rule::Severity(s.to_string())));
            }
        }
        if let Some(d) = self.kind.get(item.kind.name()) {
            return Some((*d, Rule::Kind(item.kind.name().to_string())));
        }
        Some((self.default, Rule::Default))
    }

    /// The due date the policy gives `item`, when its postmortem has a day to count from.
    pub fn due(&self, item: &ActionItem, facts: &DocFacts<'_>) -> Option<PolicyDue> {
        let (base, since) = facts.base?;
        let (days, rule) = self.days_for(item, facts.severity)?;
        let date = base.checked_add_signed(chrono::Duration::days(days))?;
        Some(PolicyDue {
            date,
            days,
            since,
            rule,
        })
    }
}

fn checked_days(key: &str, days: i64) -> Result<i64, PolicyError> {
    if !(0..=3650).contains(&days) {
        return Err(PolicyError {
            key: key.to_string(),
            message: format!("{days} days: write a number of days from 0 to 3650"),
        });
    }
    Ok(days)
}

/// The deprecated settings, read once more into a `[due]` table: `[followup.due_days]` (the
/// same meaning: days after the incident, keyed by priority, kind or `default`) and
/// `[sync.default_due_days]` (days by kind, which counted from the sync; they now count from
/// the incident). Gives the table and one warning per setting used, naming its replacement.
pub fn from_deprecated(
    followup_due_days: &BTreeMap<String, i64>,
    sync_default_due_days: &BTreeMap<String, i64>,
) -> (DueTable, Vec<String>) {
    let mut table = DueTable::default();
    let mut warnings = Vec::new();
    if !sync_default_due_days.is_empty() {
        warnings.push(
            "sync.default_due_days is deprecated: use [due.kind] (days now count from the incident, not from the sync)"
                .to_string(),
        );
        table.kind.extend(sync_default_due_days.clone());
    }
    if !followup_due_days.is_empty() {
        warnings.push(
            "followup.due_days is deprecated: use [due] (default = N, [due.priority], [due.kind])"
                .to_string(),
        );
        for (key, days) in followup_due_days {
            let folded = fold(key);
            if folded == "default" {
                table.default = Some(*days);
            } else if ItemKind::ALL.iter().any(|k| k.name() == folded) {
                table.kind.insert(folded, *days);
            } else {
                table.priority.insert(folded, *days);
            }
        }
    }
    (table, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(priority: Option<&str>, kind: ItemKind) -> ActionItem {
        ActionItem {
            text: "Add alerts".into(),
            detail: None,
            group: None,
            kind,
            owner: None,
            due: None,
            priority: priority.map(str::to_string),
            issue: None,
            done: false,
            not_planned: false,
            checkbox: true,
            line: 3,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(severity: Option<&str>) -> DocFacts<'_> {
        DocFacts {
            base: Some((day("2023-11-01"), Since::Incident)),
            severity,
        }
    }

    fn table(toml_text: &str) -> DueConfig {
        #[derive(Deserialize)]
        struct Wrap {
            due: DueConfig,
        }
        let w: Wrap = toml_from_str(toml_text);
        w.due
    }

    fn toml_from_str<T: serde::de::DeserializeOwned>(s: &str) -> T {
        config::Config::builder()
            .add_source(config::File::from_str(s, config::FileFormat::Toml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap()
    }

    #[test]
    fn without_configuration_corrective_items_are_due_in_four_weeks_the_rest_in_eight() {
        let p = Policy::default();
        let due = p
            .due(&item(None, ItemKind::Corrective), &facts(None))
            .unwrap();
        assert_eq!(due.date, day("2023-11-29"));
        assert_eq!(due.to_string(), "policy: 28 days after the incident");
        let due = p
            .due(&item(None, ItemKind::Preventive), &facts(None))
            .unwrap();
        assert_eq!(due.date, day("2023-12-27"));
        assert_eq!(due.rule, Rule::Default);
    }

    #[test]
    fn priority_then_severity_then_kind_then_default() {
        let p = Policy::from_config(&table(
            "[due]\ndefault = 90\n[due.priority]\nP1 = 7\n[due.severity]\n\"SEV-1\" = 14\n[due.kind]\npreventive = 60\n",
        ))
        .unwrap();
        let sev1 = facts(Some("sev1"));
        let d = |i: &ActionItem, f: &DocFacts| p.due(i, f).map(|d| (d.days, d.rule));
        assert_eq!(
            d(&item(Some("p1"), ItemKind::Preventive), &sev1),
            Some((7, Rule::Priority("p1".into())))
        );
        assert_eq!(
            d(&item(Some("P3"), ItemKind::Preventive), &sev1),
            Some((14, Rule::Severity("sev1".into())))
        );
        assert_eq!(
            d(&item(None, ItemKind::Preventive), &facts(None)),
            Some((60, Rule::Kind("preventive".into())))
        );
        // The built-in 28 days for corrective items stay unless the table names corrective.
        assert_eq!(
            d(&item(None, ItemKind::Corrective), &facts(None)),
            Some((28, Rule::Kind("corrective".into())))
        );
        assert_eq!(
            d(&item(None, ItemKind::Task), &facts(None)),
            Some((90, Rule::Default))
        );
    }

    #[test]
    fn off_gives_no_date_and_no_base_gives_no_date() {
        let off = Policy::from_config(&table("due = \"off\"\n")).unwrap();
        assert!(off.is_off());
        assert_eq!(
            off.due(&item(None, ItemKind::Corrective), &facts(None)),
            None
        );
        let none = DocFacts {
            base: None,
            severity: None,
        };
        assert_eq!(
            Policy::default().due(&item(None, ItemKind::Corrective), &none),
            None
        );
    }

    #[test]
    fn a_postmortem_date_is_named_as_such() {
        let f = DocFacts {
            base: Some((day("2023-11-01"), Since::Postmortem)),
            severity: None,
        };
        let due = Policy::default()
            .due(&item(None, ItemKind::Task), &f)
            .unwrap();
        assert_eq!(
            due.to_string(),
            "policy: 56 days after the postmortem's date"
        );
    }

    #[test]
    fn without_any_date_the_day_first_tracked_counts() {
        let none = DocFacts {
            base: None,
            severity: None,
        };
        let f = none.or_tracked(Some(day("2026-11-21")));
        let due = Policy::default()
            .due(&item(None, ItemKind::Corrective), &f)
            .unwrap();
        assert_eq!(due.date, day("2026-12-19"));
        assert_eq!(
            due.to_string(),
            "policy: 28 days after the item was first tracked"
        );
        // A date of the postmortem wins over the tracked day.
        assert_eq!(
            facts(None).or_tracked(Some(day("2026-11-21"))).base,
            Some((day("2023-11-01"), Since::Incident))
        );
    }

    #[test]
    fn bad_settings_name_their_key() {
        let err = |t: &str| Policy::from_config(&table(t)).unwrap_err().to_string();
        assert!(
            err("[due.kind]\nurgent = 3\n").starts_with("due.kind.urgent: unknown kind"),
            "{}",
            err("[due.kind]\nurgent = 3\n")
        );
        assert!(err("[due.severity]\nblocker = 3\n")
            .starts_with("due.severity.blocker: unknown severity"));
        assert!(err("[due.priority]\np9 = 3\n").starts_with("due.priority.p9: unknown priority"));
        assert!(err("[due]\ndefault = -5\n").starts_with("due.default: -5 days"));
        assert!(err("[due.kind]\ncorrective = -1\n").starts_with("due.kind.corrective: -1 days"));
        assert!(err("due = \"sometimes\"\n").starts_with("due: \"sometimes\""));
    }

    #[test]
    fn deprecated_settings_become_a_table_with_a_warning_each() {
        let followup = BTreeMap::from([
            ("p1".to_string(), 7),
            ("corrective".to_string(), 10),
            ("default".to_string(), 40),
        ]);
        let sync = BTreeMap::from([("task".to_string(), 5)]);
        let (t, warnings) = from_deprecated(&followup, &sync);
        assert_eq!(t.default, Some(40));
        assert_eq!(t.priority.get("p1"), Some(&7));
        assert_eq!(t.kind.get("corrective"), Some(&10));
        assert_eq!(t.kind.get("task"), Some(&5));
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].contains("[due.kind]"));
        assert!(warnings[1].contains("[due]"));
        let (_, none) = from_deprecated(&BTreeMap::new(), &BTreeMap::new());
        assert!(none.is_empty());
    }
}
