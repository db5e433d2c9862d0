//! Boards, pure part: what the boards teams watch should show of every tracked issue, and
//! what must change to get there.
//!
//! - State labels ([`label_changes`]): one of `open`, `overdue`, `done` on every tracked
//!   issue, the others taken off, nothing sent when the issue already has the right one.
//! - A GitHub Project (v2): the project's fields matched to the configuration
//!   ([`resolve_mapping`]: missing fields, wrong types and missing options found before any
//!   write), then the items to add and the field values to set or clear ([`plan_project`]),
//!   from the values the project holds now. A steady state plans nothing.
//!
//! No I/O: the reconcile step ([`crate::reconcile::board`]) reads the project and writes.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::{GithubProjectConfig, StateLabelsConfig};
use crate::followup::{DocOutcome, ItemOutcome};
use crate::forge::LabelSpec;
use crate::model::ItemKind;
use crate::plan::TrackedIssue;
use crate::render::context::{ItemState, PostmortemRef};

/// One tracked issue as a board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardItem {
    pub number: u64,
    pub state: ItemState,
    pub due: Option<NaiveDate>,
    /// The postmortem's title, else its path.
    pub postmortem: String,
    /// The front matter's `severity`.
    pub severity: Option<String>,
    pub kind: ItemKind,
}

/// One postmortem's items as the follow-up assessed them ([`crate::followup::assess`]), with
/// what a board shows of the postmortem itself.
#[derive(Debug, Clone, Copy)]
pub struct Assessed<'a> {
    pub postmortem: &'a PostmortemRef,
    /// The front matter's `severity`, as written.
    pub severity: Option<&'a str>,
    pub items: &'a [ItemOutcome],
}

impl<'a> From<&'a DocOutcome> for Assessed<'a> {
    fn from(d: &'a DocOutcome) -> Self {
        Assessed {
            postmortem: &d.postmortem,
            severity: d.severity.as_deref(),
            items: &d.items,
        }
    }
}

/// Every assessed item that has one of the tool's issues, with the state its assessment
/// gave it (so a board says what the status block says); an issue named by two items is
/// shown once, as the first.
pub fn board_items<'a>(docs: impl IntoIterator<Item = Assessed<'a>>) -> Vec<BoardItem> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for doc in docs {
        let severity = doc
            .severity
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let p = doc.postmortem;
        let postmortem = p
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(&p.path)
            .to_string();
        for o in doc.items {
            let Some(number) = o.number.filter(|n| seen.insert(*n)) else {
                continue;
            };
            out.push(BoardItem {
                number,
                state: o.status.state,
                due: o.status.due,
                postmortem: postmortem.clone(),
                severity: severity.clone(),
                kind: o.kind,
            });
        }
    }
    out
}

/// The state label one issue gets or loses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelChange {
    pub number: u64,
    /// The state the label says.
    pub state: ItemState,
    /// The label to put on, when the issue lacks it.
    pub add: Option<String>,
    /// The other state labels the issue has, as spelled on it.
    pub remove: Vec<String>,
}

/// The state label of `state` under `names`.
pub fn state_label(names: &StateLabelsConfig, state: ItemState) -> &str {
    match state {
        ItemState::Open => &names.open,
        ItemState::Overdue => &names.overdue,
        // Closed as not planned: off the board's open lists, like done work.
        ItemState::Done | ItemState::NotPlanned => &names.done,
    }
}

/// The state label of `state`, with its colour and description, as created when missing.
pub fn state_label_spec(names: &StateLabelsConfig, state: ItemState) -> LabelSpec {
    let (color, word) = match state {
        ItemState::Open => ("fbca04", "open"),
        ItemState::Overdue => ("d93f0b", "overdue"),
        ItemState::Done | ItemState::NotPlanned => ("0e8a16", "done"),
    };
    LabelSpec {
        name: state_label(names, state).to_string(),
        color: color.into(),
        description: format!("Postmortem action item: {word} (kept by postmortem-tracker)"),
    }
}

/// What each item's issue needs for its labels to say its state, and only that: issues
/// whose labels already say it are left out (labels compare without case, as both forges do).
pub fn label_changes(
    items: &[BoardItem],
    listing: &[TrackedIssue],
    names: &StateLabelsConfig,
) -> Vec<LabelChange> {
    let by_number: HashMap<u64, &TrackedIssue> = listing.iter().map(|t| (t.number, t)).collect();
    let all = [&names.open, &names.overdue, &names.done];
    items
        .iter()
        .filter_map(|item| {
            let labels = by_number.get(&item.number).map_or(&[][..], |t| &t.labels);
            let wanted = state_label(names, item.state);
            let add = (!labels.iter().any(|l| l.eq_ignore_ascii_case(wanted)))
                .then(|| wanted.to_string());
            let remove: Vec<String> = labels
                .iter()
                .filter(|l| !l.eq_ignore_ascii_case(wanted))
                .filter(|l| all.iter().any(|a| a.eq_ignore_ascii_case(l)))
                .cloned()
                .collect();
            (add.is_some() || !remove.is_empty()).then_some(LabelChange {
                number: item.number,
                state: item.state,
                add,
                remove,
            })
        })
        .collect()
}

/// What the board step ([`crate::reconcile::board`]) did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BoardReport {
    /// State labels put on or taken off.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelChange>,
    /// The GitHub Project, when one is configured and could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectReport>,
    /// Things to know that are not failures (a field the project lacks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Failures; the rest of the run went on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// What was done to the GitHub Project.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ProjectReport {
    pub title: String,
    pub url: String,
    /// Issues added as items.
    pub added: Vec<u64>,
    /// Field values set or cleared.
    pub fields_written: usize,
}

impl BoardReport {
    /// The lines a run's text summary shows: notices, the labels changed, the project's
    /// changes (errors are shown with the run's other errors).
    pub fn summary_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.notices.iter().map(|n| format!("note: {n}")).collect();
        if !self.labels.is_empty() {
            let numbers: Vec<String> = self
                .labels
                .iter()
                .map(|c| format!("#{}", c.number))
                .collect();
            out.push(format!("State labels changed on {}", numbers.join(" ")));
        }
        if let Some(p) = &self.project {
            out.push(format!(
                "GitHub project {:?}: {} issue(s) added, {} field value(s) written",
                p.title,
                p.added.len(),
                p.fields_written
            ));
        }
        out
    }
}

/// An option of a single-select field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOption {
    pub id: String,
    pub name: String,
}

/// A field's type, as far as the tool writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Date,
    SingleSelect(Vec<SelectOption>),
    /// Any other type, by GitHub's name (`NUMBER`, `ITERATION`, `ASSIGNEES`, …).
    Other(String),
}

impl FieldType {
    fn describe(&self) -> String {
        match self {
            FieldType::Text => "a text field".into(),
            FieldType::Date => "a date field".into(),
            FieldType::SingleSelect(_) => "a single select field".into(),
            FieldType::Other(t) => format!("a {} field", t.to_lowercase().replace('_', " ")),
        }
    }
}

/// A field of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectField {
    pub id: String,
    pub name: String,
    pub data_type: FieldType,
}

/// A project as read before any write: its id, where people open it, its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSchema {
    pub id: String,
    pub title: String,
    pub url: String,
    pub fields: Vec<ProjectField>,
}

/// A value a field holds or gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Date(NaiveDate),
    /// A single-select option, by id.
    Option(String),
}

/// An item of the project, with the values of the fields the tool may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectItem {
    pub id: String,
    /// The issue it shows (`owner/name`, number); `None` for drafts and pull requests.
    pub issue: Option<(String, u64)>,
    /// Field id → value.
    pub values: BTreeMap<String, FieldValue>,
}

/// What a field stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Status,
    Due,
    Postmortem,
    Severity,
    Kind,
}

impl Role {
    const ALL: [Role; 5] = [
        Role::Status,
        Role::Due,
        Role::Postmortem,
        Role::Severity,
        Role::Kind,
    ];

    /// The configuration key (`projects.github.fields.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Role::Status => "status",
            Role::Due => "due",
            Role::Postmortem => "postmortem",
            Role::Severity => "severity",
            Role::Kind => "kind",
        }
    }

    /// The field's name in a project set up as the README says.
    pub fn default_name(self) -> &'static str {
        match self {
            Role::Status => "Status",
            Role::Due => "Due date",
            Role::Postmortem => "Postmortem",
            Role::Severity => "Severity",
            Role::Kind => "Kind",
        }
    }

    fn accepts(self, t: &FieldType) -> bool {
        match self {
            Role::Status | Role::Kind => matches!(t, FieldType::SingleSelect(_)),
            Role::Due => matches!(t, FieldType::Date),
            Role::Postmortem => matches!(t, FieldType::Text),
            Role::Severity => matches!(t, FieldType::Text | FieldType::SingleSelect(_)),
        }
    }

    fn wants(self) -> &'static str {
        match self {
            Role::Status | Role::Kind => "a single select field",
            Role::Due => "a date field",
            Role::Postmortem => "a text field",
            Role::Severity => "a text or single select field",
        }
    }
}

/// A field the tool writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedField {
    pub role: Role,
    pub id: String,
    pub name: String,
    pub data_type: FieldType,
}

/// The project's fields matched to the configuration, every option the states and kinds
/// need found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub fields: Vec<MappedField>,
    /// Option ids of the `Status` field for open, overdue and done.
    status: Option<[String; 3]>,
    /// Option ids of the `Kind` field for corrective, preventive, task and unknown (none:
    /// left empty).
    kind: Option<[Option<String>; 4]>,
}

/// Why the project cannot be written as configured. Found before any write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(pub String);

fn list_options(options: &[SelectOption]) -> String {
    if options.is_empty() {
        return "it has no options".into();
    }
    let names: Vec<String> = options.iter().map(|o| format!("{:?}", o.name)).collect();
    format!("its options are {}", names.join(", "))
}

/// The id of the option named `name` (without case) in `field`, or an error that names the
/// setting and lists the options there are.
fn option_id(field: &MappedField, name: &str, setting: &str) -> Result<String, MappingError> {
    let FieldType::SingleSelect(options) = &field.data_type else {
        return Err(MappingError(format!(
            "field {:?} is not a single select field",
            field.name
        )));
    };
    options
        .iter()
        .find(|o| o.name.trim().eq_ignore_ascii_case(name.trim()))
        .map(|o| o.id.clone())
        .ok_or_else(|| {
            MappingError(format!(
                "{setting}: the project's field {:?} has no option {name:?}; {} (add the option to the field, or set {setting} to one of them)",
                field.name,
                list_options(options)
            ))
        })
}

/// Matches `schema`'s fields to `config`: a field named in the configuration must exist and
/// be of the right type; a field left at its default name is skipped with a notice when the
/// project lacks it. Returns the mapping and the notices.
pub fn resolve_mapping(
    schema: &ProjectSchema,
    config: &GithubProjectConfig,
) -> Result<(Mapping, Vec<String>), MappingError> {
    let names = &config.fields;
    let mut notices = Vec::new();
    let mut fields = Vec::new();
    let project = format!("project {:?} ({})", schema.title, schema.url);
    for role in Role::ALL {
        let configured = match role {
            Role::Status => &names.status,
            Role::Due => &names.due,
            Role::Postmortem => &names.postmortem,
            Role::Severity => &names.severity,
            Role::Kind => &names.kind,
        };
        let (name, explicit) = match configured.as_deref().map(str::trim) {
            Some("") => continue,
            Some(n) => (n, true),
            None => (role.default_name(), false),
        };
        let setting = format!("projects.github.fields.{}", role.key());
        let Some(found) = schema
            .fields
            .iter()
            .find(|f| f.name.trim().eq_ignore_ascii_case(name))
        else {
            let existing: Vec<String> = schema
                .fields
                .iter()
                .map(|f| format!("{:?}", f.name))
                .collect();
            if explicit {
                return Err(MappingError(format!(
                    "{setting}: {project} has no field {name:?}; its fields are {} (rename the field back, or set {setting} to its new name)",
                    existing.join(", ")
                )));
            }
            notices.push(format!(
                "{project} has no field {name:?}: skipped (add {} named {name:?}, set {setting} to another field's name, or to \"\" to silence this)",
                role.wants()
            ));
            continue;
        };
        if !role.accepts(&found.data_type) {
            return Err(MappingError(format!(
                "{setting}: field {:?} of {project} is {}; it must be {} (change the field, or set {setting} to another field's name, or to \"\" to leave it alone)",
                found.name,
                found.data_type.describe(),
                role.wants()
            )));
        }
        fields.push(MappedField {
            role,
            id: found.id.clone(),
            name: found.name.clone(),
            data_type: found.data_type.clone(),
        });
    }
    let field = |role: Role| fields.iter().find(|f| f.role == role);
    let status = match field(Role::Status) {
        None => None,
        Some(f) => {
            let s = &config.status;
            Some([
                option_id(f, &s.open, "projects.github.status.open")?,
                option_id(f, &s.overdue, "projects.github.status.overdue")?,
                option_id(f, &s.done, "projects.github.status.done")?,
            ])
        }
    };
    let kind = match field(Role::Kind) {
        None => None,
        Some(f) => {
            let k = &config.kind;
            let unknown = match &k.unknown {
                Some(name) => Some(option_id(f, name, "projects.github.kind.unknown")?),
                None => option_id(f, "Unknown", "").ok(),
            };
            Some([
                Some(option_id(
                    f,
                    &k.corrective,
                    "projects.github.kind.corrective",
                )?),
                Some(option_id(
                    f,
                    &k.preventive,
                    "projects.github.kind.preventive",
                )?),
                Some(option_id(f, &k.task, "projects.github.kind.task")?),
                unknown,
            ])
        }
    };
    Ok((
        Mapping {
            fields,
            status,
            kind,
        },
        notices,
    ))
}

/// One field value to set (`Some`) or clear (`None`) on the item of an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldWrite {
    /// The issue whose item it is.
    pub number: u64,
    pub field_id: String,
    pub field: String,
    pub value: Option<FieldValue>,
}

/// What the project needs: issues to add as items, then field values to write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProjectPlan {
    pub add: Vec<u64>,
    pub writes: Vec<FieldWrite>,
    /// Issue number → the id of its item, for the issues already on the project.
    #[serde(skip)]
    pub items: HashMap<u64, String>,
}

impl ProjectPlan {
    /// Nothing to add or write: the steady state.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.writes.is_empty()
    }
}

/// The value `item` should have in `field`.
fn wanted(
    item: &BoardItem,
    field: &MappedField,
    mapping: &Mapping,
) -> Result<Option<FieldValue>, MappingError> {
    let state = match item.state {
        ItemState::Open => 0,
        ItemState::Overdue => 1,
        ItemState::Done | ItemState::NotPlanned => 2,
    };
    Ok(match field.role {
        Role::Status => mapping
            .status
            .as_ref()
            .map(|ids| FieldValue::Option(ids[state].clone())),
        Role::Kind => {
            let k = match item.kind {
                ItemKind::Corrective => 0,
                ItemKind::Preventive => 1,
                ItemKind::Task => 2,
                ItemKind::Unknown => 3,
            };
            mapping
                .kind
                .as_ref()
                .and_then(|ids| ids[k].clone())
                .map(FieldValue::Option)
        }
        Role::Due => item.due.map(FieldValue::Date),
        Role::Postmortem => Some(FieldValue::Text(item.postmortem.clone())),
        Role::Severity => match (&item.severity, &field.data_type) {
            (None, _) => None,
            (Some(s), FieldType::SingleSelect(_)) => Some(FieldValue::Option(option_id(
                field,
                s,
                &format!("severity {s:?} (front matter)"),
            )?)),
            (Some(s), _) => Some(FieldValue::Text(s.clone())),
        },
    })
}

/// What `items` (of repository `repo`, `owner/name`) need on a project whose items are
/// `existing`: the issues not on it yet, then every mapped field whose value differs (set) or
/// should be empty (cleared). Errors (a severity with no option) come before anything is
/// planned, so a run writes all or nothing.
pub fn plan_project(
    items: &[BoardItem],
    existing: &[ProjectItem],
    repo: &str,
    mapping: &Mapping,
) -> Result<ProjectPlan, MappingError> {
    let on_project: HashMap<u64, &ProjectItem> = existing
        .iter()
        .filter_map(|i| match &i.issue {
            Some((r, n)) if r.eq_ignore_ascii_case(repo) => Some((*n, i)),
            _ => None,
        })
        .collect();
    let mut plan = ProjectPlan {
        items: on_project.iter().map(|(n, i)| (*n, i.id.clone())).collect(),
        ..ProjectPlan::default()
    };
    for item in items {
        let current = on_project.get(&item.number);
        if current.is_none() {
            plan.add.push(item.number);
        }
        for field in &mapping.fields {
            let want = wanted(item, field, mapping)?;
            let have = current.and_then(|c| c.values.get(&field.id));
            if want.as_ref() != have {
                plan.writes.push(FieldWrite {
                    number: item.number,
                    field_id: field.id.clone(),
                    field: field.name.clone(),
                    value: want,
                });
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectFieldNames;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn names() -> StateLabelsConfig {
        StateLabelsConfig::default()
    }

    fn item(number: u64, state: ItemState) -> BoardItem {
        BoardItem {
            number,
            state,
            due: Some(day("2026-02-01")),
            postmortem: "Queue outage".into(),
            severity: Some("SEV2".into()),
            kind: ItemKind::Corrective,
        }
    }

    fn issue(number: u64, labels: &[&str]) -> TrackedIssue {
        TrackedIssue {
            number,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            ..TrackedIssue::default()
        }
    }

    #[test]
    fn state_labels_change_only_when_the_state_does() {
        let items = [
            item(1, ItemState::Open),
            item(2, ItemState::Overdue),
            item(3, ItemState::Done),
        ];
        let listing = [
            issue(1, &["postmortem", "postmortem-state::open"]),
            issue(2, &["postmortem", "Postmortem-State::Open"]),
            issue(3, &["postmortem"]),
        ];
        let changes = label_changes(&items, &listing, &names());
        assert_eq!(
            changes,
            [
                LabelChange {
                    number: 2,
                    state: ItemState::Overdue,
                    add: Some("postmortem-state::overdue".into()),
                    remove: vec!["Postmortem-State::Open".into()],
                },
                LabelChange {
                    number: 3,
                    state: ItemState::Done,
                    add: Some("postmortem-state::done".into()),
                    remove: vec![],
                },
            ]
        );
        // Two state labels at once (a person added one): the wrong one goes, nothing is added.
        let both = [issue(
            1,
            &["postmortem-state::open", "postmortem-state::done"],
        )];
        assert_eq!(
            label_changes(&items[..1], &both, &names()),
            [LabelChange {
                number: 1,
                state: ItemState::Open,
                add: None,
                remove: vec!["postmortem-state::done".into()],
            }]
        );
    }

    fn select(id: &str, name: &str, options: &[&str]) -> ProjectField {
        ProjectField {
            id: id.into(),
            name: name.into(),
            data_type: FieldType::SingleSelect(
                options
                    .iter()
                    .map(|o| SelectOption {
                        id: format!("{id}-{o}"),
                        name: o.to_string(),
                    })
                    .collect(),
            ),
        }
    }

    fn schema() -> ProjectSchema {
        ProjectSchema {
            id: "PVT_1".into(),
            title: "Follow-ups".into(),
            url: "https://github.com/orgs/acme/projects/1".into(),
            fields: vec![
                ProjectField {
                    id: "title".into(),
                    name: "Title".into(),
                    data_type: FieldType::Other("TITLE".into()),
                },
                select("status", "Status", &["Todo", "In Progress", "Done"]),
                ProjectField {
                    id: "due".into(),
                    name: "Due date".into(),
                    data_type: FieldType::Date,
                },
                ProjectField {
                    id: "pm".into(),
                    name: "Postmortem".into(),
                    data_type: FieldType::Text,
                },
                select("kind", "Kind", &["Corrective", "Preventive", "Task"]),
            ],
        }
    }

    fn config() -> GithubProjectConfig {
        GithubProjectConfig {
            owner: "acme".into(),
            number: 1,
            fields: ProjectFieldNames::default(),
            status: Default::default(),
            kind: Default::default(),
        }
    }

    #[test]
    fn default_fields_missing_are_notices_configured_ones_errors() {
        let (mapping, notices) = resolve_mapping(&schema(), &config()).unwrap();
        let roles: Vec<Role> = mapping.fields.iter().map(|f| f.role).collect();
        assert_eq!(
            roles,
            [Role::Status, Role::Due, Role::Postmortem, Role::Kind]
        );
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("no field \"Severity\""), "{notices:?}");

        let mut c = config();
        c.fields.severity = Some(String::new());
        assert!(resolve_mapping(&schema(), &c).unwrap().1.is_empty());

        let mut c = config();
        c.fields.due = Some("Deadline".into());
        let e = resolve_mapping(&schema(), &c).unwrap_err().0;
        assert!(
            e.starts_with("projects.github.fields.due: ")
                && e.contains("no field \"Deadline\"")
                && e.contains("\"Due date\""),
            "{e}"
        );

        let mut c = config();
        c.fields.postmortem = Some("Due date".into());
        let e = resolve_mapping(&schema(), &c).unwrap_err().0;
        assert!(
            e.contains("is a date field; it must be a text field"),
            "{e}"
        );

        let mut c = config();
        c.status.done = "Finished".into();
        let e = resolve_mapping(&schema(), &c).unwrap_err().0;
        assert!(
            e.starts_with("projects.github.status.done: ")
                && e.contains("\"Todo\", \"In Progress\", \"Done\""),
            "{e}"
        );
    }

    #[test]
    fn a_steady_project_plans_nothing_and_a_closed_issue_moves_to_done() {
        let (mapping, _) = resolve_mapping(&schema(), &config()).unwrap();
        let items = [item(1, ItemState::Open), item(2, ItemState::Overdue)];
        let first = plan_project(&items, &[], "acme/svc", &mapping).unwrap();
        assert_eq!(first.add, [1, 2]);
        assert_eq!(first.writes.len(), 8, "{:?}", first.writes);
        // The project as the first plan left it.
        let existing: Vec<ProjectItem> = items
            .iter()
            .map(|i| ProjectItem {
                id: format!("item-{}", i.number),
                issue: Some(("Acme/Svc".into(), i.number)),
                values: first
                    .writes
                    .iter()
                    .filter(|w| w.number == i.number)
                    .filter_map(|w| Some((w.field_id.clone(), w.value.clone()?)))
                    .collect(),
            })
            .collect();
        let again = plan_project(&items, &existing, "acme/svc", &mapping).unwrap();
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(again.items.get(&2).map(String::as_str), Some("item-2"));

        let mut closed = items.clone();
        closed[0].state = ItemState::Done;
        closed[0].due = None;
        let moved = plan_project(&closed, &existing, "acme/svc", &mapping).unwrap();
        assert!(moved.add.is_empty());
        assert_eq!(
            moved.writes,
            [
                FieldWrite {
                    number: 1,
                    field_id: "status".into(),
                    field: "Status".into(),
                    value: Some(FieldValue::Option("status-Done".into())),
                },
                FieldWrite {
                    number: 1,
                    field_id: "due".into(),
                    field: "Due date".into(),
                    value: None,
                },
            ]
        );
        // The same number in another repository is another issue.
        let other = plan_project(&items[..1], &existing, "acme/web", &mapping).unwrap();
        assert_eq!(other.add, [1]);
    }

    #[test]
    fn items_of_unknown_kind_get_the_unknown_option_only_when_there_is_one() {
        let mut odd = item(1, ItemState::Open);
        odd.kind = ItemKind::Unknown;
        let kind_of = |s: &ProjectSchema, c: &GithubProjectConfig| {
            let (mapping, _) = resolve_mapping(s, c)?;
            let plan = plan_project(&[odd.clone()], &[], "acme/svc", &mapping)?;
            Ok::<_, MappingError>(plan.writes.into_iter().find(|w| w.field == "Kind"))
        };
        assert_eq!(kind_of(&schema(), &config()).unwrap(), None);
        let mut s = schema();
        s.fields.retain(|f| f.name != "Kind");
        s.fields.push(select(
            "kind",
            "Kind",
            &["Corrective", "Preventive", "Task", "unknown"],
        ));
        assert_eq!(
            kind_of(&s, &config()).unwrap().and_then(|w| w.value),
            Some(FieldValue::Option("kind-unknown".into()))
        );
        let mut c = config();
        c.kind.unknown = Some("Other".into());
        let e = kind_of(&s, &c).unwrap_err().0;
        assert!(e.starts_with("projects.github.kind.unknown: "), "{e}");
    }

    #[test]
    fn board_items_are_the_follow_ups_outcomes_each_issue_once() {
        use crate::followup::{followup_doc, FollowupOptions};
        use crate::parse::{parse, ParseOptions};
        use crate::render::Engine;
        let text = "---\nseverity: \" SEV2 \"\n---\n# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Corrective actions\n\n- [ ] Alert on queue depth #4 due: 2026-01-10\n- [ ] Untracked item due: 2026-01-10\n\n## Preventive actions\n\n- [ ] Page on queue depth #4\n- [ ] Load test the queue #5 due: 2026-03-01\n";
        let doc = parse("pm.md", text, &ParseOptions::default());
        let issue = |number: u64, open: bool| TrackedIssue {
            number,
            url: format!("https://github.com/acme/svc/issues/{number}"),
            open,
            ..TrackedIssue::default()
        };
        let listing = [issue(4, true), issue(5, false)];
        let out = followup_doc(
            &doc,
            text,
            Some(&listing),
            day("2026-02-01"),
            &FollowupOptions::default(),
            &Engine::new(None).unwrap(),
        )
        .unwrap();
        assert_eq!(out.items.len(), 4, "{:?}", out.items);
        let items = board_items([Assessed::from(&out)]);
        let base = BoardItem {
            number: 4,
            state: ItemState::Overdue,
            due: Some(day("2026-01-10")),
            postmortem: "Queue outage".into(),
            severity: Some("SEV2".into()),
            kind: ItemKind::Corrective,
        };
        // #4 once, as its first item; the untracked item is not on a board.
        assert_eq!(
            items,
            [
                base.clone(),
                BoardItem {
                    number: 5,
                    state: ItemState::Done,
                    due: Some(day("2026-03-01")),
                    kind: ItemKind::Preventive,
                    ..base
                }
            ]
        );
    }

    #[test]
    fn a_severity_select_needs_an_option_for_each_severity() {
        let mut s = schema();
        s.fields.push(select("sev", "Severity", &["SEV1", "SEV2"]));
        let (mapping, _) = resolve_mapping(&s, &config()).unwrap();
        let plan = plan_project(&[item(1, ItemState::Open)], &[], "acme/svc", &mapping).unwrap();
        assert!(plan
            .writes
            .iter()
            .any(|w| w.value == Some(FieldValue::Option("sev-SEV2".into()))));
        let mut odd = item(1, ItemState::Open);
        odd.severity = Some("critical".into());
        let e = plan_project(&[odd], &[], "acme/svc", &mapping)
            .unwrap_err()
            .0;
        assert!(
            e.contains("no option \"critical\"") && e.contains("\"SEV1\", \"SEV2\""),
            "{e}"
        );
    }
}
