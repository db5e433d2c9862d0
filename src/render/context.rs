//! The data each template receives. Every struct serialises to the variables its template
//! documents in its header comment; field names are a public interface for users' templates.
//!
//! Dates are ISO strings (`2023-03-01`); the `date` helper reformats them. Values that come
//! from people (item texts, owners, titles) are escaped by the engine on `{{value}}`; values
//! built by code (markers, URLs) are inserted with `{{{value}}}`.

use serde::Serialize;

/// A postmortem, as templates name and link it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PostmortemRef {
    /// Path in the repository (`docs/postmortems/2023-11-01.md`).
    pub path: String,
    /// Link to the file on the forge, when known.
    pub url: Option<String>,
    /// The document's title, when it has one.
    pub title: Option<String>,
}

impl PostmortemRef {
    /// `doc` as templates name it, linked through `file_url` (`{path}` replaced by its path)
    /// when one is configured.
    pub fn of(doc: &crate::model::Postmortem, file_url: Option<&str>) -> PostmortemRef {
        PostmortemRef {
            path: doc.path.clone(),
            url: file_url.map(|u| u.replace("{path}", &doc.path)),
            title: doc.title.clone(),
        }
    }
}

/// An issue in the tracker.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IssueLink {
    /// How to write it in text: `#12`, `group/project#12`.
    pub reference: String,
    /// Its web address.
    pub url: Option<String>,
}

/// One action item, as templates show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemView {
    /// The item's stable key (a hash before it is tracked).
    pub key: String,
    /// Its first sentence.
    pub text: String,
    /// The rest of the item, if any (several lines).
    pub detail: Option<String>,
    /// `corrective`, `preventive`, `task` or `unknown`.
    pub kind: String,
    /// The owner's login, without `@`, when the postmortem names one.
    pub owner: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Where a due date the document does not state came from
    /// (`policy: 28 days after the incident`).
    pub due_note: Option<String>,
    pub priority: Option<String>,
    /// 1-based line in the postmortem.
    pub line: usize,
}

/// `issue_title` and `issue_body`: one issue for one item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IssueContext {
    pub postmortem: PostmortemRef,
    pub item: ItemView,
    /// The hidden marker (built by [`super::safe::marker`]); insert with `{{{marker}}}`.
    pub marker: String,
}

/// The state of a tracked item.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Done,
    Open,
    Overdue,
    /// Closed without being done (GitHub's `not planned`): neither done nor reminded.
    NotPlanned,
}

/// One row of the status block or the job summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusItem {
    pub item: ItemView,
    pub issue: Option<IssueLink>,
    /// `done`, `open` or `overdue`.
    pub state: ItemState,
    /// Days past the due date, for overdue items.
    pub days_overdue: Option<i64>,
}

/// Counts of items by state.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub done: usize,
    pub open: usize,
    pub overdue: usize,
    /// Closed as not planned (shown only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_planned: usize,
    pub total: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Counts {
    /// Adds `other`'s counts to these (totals over several postmortems).
    pub fn add(&mut self, other: &Counts) {
        self.done += other.done;
        self.open += other.open;
        self.overdue += other.overdue;
        self.not_planned += other.not_planned;
        self.total += other.total;
    }

    /// Counts the states of `items`.
    pub fn of(items: &[StatusItem]) -> Counts {
        let mut c = Counts {
            total: items.len(),
            ..Counts::default()
        };
        for i in items {
            match i.state {
                ItemState::Done => c.done += 1,
                ItemState::Open => c.open += 1,
                ItemState::Overdue => c.overdue += 1,
                ItemState::NotPlanned => c.not_planned += 1,
            }
        }
        c
    }
}

/// `status_block`: what sits between the marker comments in the postmortem. The marker
/// comments themselves are written by code around the rendered text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusBlockContext {
    /// The day the status was computed, `YYYY-MM-DD`.
    pub today: String,
    pub postmortem: PostmortemRef,
    pub items: Vec<StatusItem>,
    pub counts: Counts,
}

/// A lint finding, for the PR/MR comment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub line: Option<usize>,
    /// Rule name (`missing-owner`).
    pub code: String,
    pub message: String,
}

/// One postmortem's part of the plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanEntry {
    pub postmortem: PostmortemRef,
    /// Items that will become new issues.
    pub create: Vec<ItemView>,
    /// Items already tracked (adopted or unchanged), with their issue.
    pub tracked: Vec<StatusItem>,
    /// Items whose issue exists but which left the postmortem.
    pub removed: Vec<IssueLink>,
    pub findings: Vec<Finding>,
}

/// `pr_comment`: the plan for a pull or merge request.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrCommentContext {
    pub entries: Vec<PlanEntry>,
    /// Totals over all entries.
    pub create_count: usize,
    pub error_count: usize,
    pub warning_count: usize,
    /// Hidden marker that lets the tool find and update its own comment; `{{{marker}}}`.
    pub marker: String,
}

/// `reminder_comment`: a reminder on an overdue issue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReminderContext {
    pub today: String,
    pub postmortem: PostmortemRef,
    pub item: ItemView,
    pub issue: IssueLink,
    /// The login to mention (without `@`); use `{{mention assignee}}`. `None` when nobody is
    /// assigned.
    pub assignee: Option<String>,
    pub days_overdue: i64,
    /// Logins to mention because earlier reminders went unanswered (the postmortem's owners or
    /// the configured escalation list); empty unless this reminder escalates.
    pub escalate: Vec<String>,
    /// Reminders sent before this one that nobody answered.
    pub unanswered: u32,
    /// Hidden marker that lets the tool find its earlier reminders; `{{{marker}}}`.
    pub marker: String,
}

/// One postmortem's line in the job summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummaryEntry {
    pub postmortem: PostmortemRef,
    pub counts: Counts,
    /// The overdue items, worst first.
    pub overdue: Vec<StatusItem>,
}

/// `job_summary`: what a CI run did (GitHub `$GITHUB_STEP_SUMMARY`, GitLab job log).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobSummaryContext {
    /// The command that ran (`sync`, `followup`).
    pub command: String,
    pub dry_run: bool,
    pub today: String,
    pub entries: Vec<SummaryEntry>,
    pub totals: Counts,
    /// Issues opened during this run.
    pub created: Vec<IssueLink>,
    /// Problems met; the run went on.
    pub errors: Vec<String>,
}

/// Sample contexts, used by `templates check` and the tests: every optional value is set, so
/// a template is exercised along its fullest path.
pub mod sample {
    use super::*;

    fn postmortem() -> PostmortemRef {
        PostmortemRef {
            path: "postmortems/2023-11-01-login-outage.md".into(),
            url: Some(
                "https://github.com/acme/ops/blob/main/postmortems/2023-11-01-login-outage.md"
                    .into(),
            ),
            title: Some("Customers unable to log in after release 4.2".into()),
        }
    }

    fn item(n: usize) -> ItemView {
        ItemView {
            key: format!("pm-{n:04x}a1b2c3"),
            text: format!("Add an alert on failed logins (item {n})"),
            detail: Some("Page the on-call engineer when the failure rate passes 5%.\nInclude the release version.".into()),
            kind: "corrective".into(),
            owner: Some("alice".into()),
            due: Some("2023-12-01".into()),
            due_note: None,
            priority: Some("P1".into()),
            line: 40 + n,
        }
    }

    fn link(n: u64) -> IssueLink {
        IssueLink {
            reference: format!("#{n}"),
            url: Some(format!("https://github.com/acme/ops/issues/{n}")),
        }
    }

    fn statuses() -> Vec<StatusItem> {
        vec![
            StatusItem {
                item: item(1),
                issue: Some(link(11)),
                state: ItemState::Done,
                days_overdue: None,
            },
            StatusItem {
                item: item(2),
                issue: Some(link(12)),
                state: ItemState::Open,
                days_overdue: None,
            },
            StatusItem {
                item: item(3),
                issue: Some(link(13)),
                state: ItemState::Overdue,
                days_overdue: Some(4),
            },
        ]
    }

    /// For `issue_title` and `issue_body`.
    pub fn issue() -> IssueContext {
        IssueContext {
            postmortem: postmortem(),
            item: item(1),
            marker: crate::render::safe::marker("pm-0001a1b2c3", &postmortem().path),
        }
    }

    /// For `status_block`.
    pub fn status_block() -> StatusBlockContext {
        let items = statuses();
        StatusBlockContext {
            today: "2023-12-05".into(),
            postmortem: postmortem(),
            counts: Counts::of(&items),
            items,
        }
    }

    /// For `pr_comment`.
    pub fn pr_comment() -> PrCommentContext {
        PrCommentContext {
            entries: vec![PlanEntry {
                postmortem: postmortem(),
                create: vec![item(4)],
                tracked: statuses(),
                removed: vec![link(9)],
                findings: vec![Finding {
                    severity: "warning".into(),
                    line: Some(44),
                    code: "missing-due".into(),
                    message: "action item has no due date".into(),
                }],
            }],
            create_count: 1,
            error_count: 0,
            warning_count: 1,
            marker: "<!-- postmortem-tracker: plan -->".into(),
        }
    }

    /// For `reminder_comment`.
    pub fn reminder() -> ReminderContext {
        ReminderContext {
            today: "2023-12-05".into(),
            postmortem: postmortem(),
            item: item(3),
            issue: link(13),
            assignee: Some("alice".into()),
            days_overdue: 4,
            escalate: vec!["carol".into()],
            unanswered: 2,
            marker: "<!-- postmortem-tracker: reminder date=2023-12-05 -->".into(),
        }
    }

    /// For `job_summary`.
    pub fn job_summary() -> JobSummaryContext {
        let items = statuses();
        let counts = Counts::of(&items);
        JobSummaryContext {
            command: "followup".into(),
            dry_run: false,
            today: "2023-12-05".into(),
            entries: vec![SummaryEntry {
                postmortem: postmortem(),
                counts,
                overdue: items
                    .into_iter()
                    .filter(|i| i.state == ItemState::Overdue)
                    .collect(),
            }],
            totals: counts,
            created: vec![link(14)],
            errors: vec![
                "postmortems/old.md: line 3: invalid UTF-8, read with replacement characters"
                    .into(),
            ],
        }
    }
}
