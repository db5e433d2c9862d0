//! Items from pipe tables: columns matched by meaning (Action, Type, Owner, Due, Priority,
//! Issue, Status), under an action heading or, with an action column, anywhere.

use super::fields::{
    column_of, is_empty_value, names_owner_outright, says_done, says_dropped, Field,
};
use super::issues::{issue_in_cell, issue_in_links, split_trailing_issue};
use super::{Meta, Reader};
use crate::model::{ActionItem, Diagnostic, ItemKind};
use crate::parse::blocks::{Block, Row, Table};
use crate::parse::incident::Context;
use crate::parse::{blocks, inline, Line};
use std::borrow::Cow;

/// Items from a table with an action column that stands outside any action heading (a
/// Google-style "Action Items" table under an unrecognised heading). `None` when there is none.
pub(crate) fn action_table(
    lines: &[Line<'_>],
    ctx: &Context,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<ActionItem>> {
    // Cheap test first: most segments have no table at all.
    let header = lines.iter().find(|l| l.table)?;
    let cells = blocks::table_cells(header.body)?;
    let cols = Columns::of(&cells);
    let named_action = cells.iter().any(|c| {
        let c = c.to_lowercase();
        c.contains("action") || c == "task" || c == "todo"
    });
    if !named_action
        || (cols.owner.is_none()
            && cols.kind.is_none()
            && cols.issue.is_none()
            && cols.due.is_none())
    {
        return None;
    }
    let mut out = Vec::new();
    let mut reader = Reader {
        ctx,
        item_kind: ItemKind::Unknown,
        out: &mut out,
        diagnostics,
    };
    for block in blocks::blocks(lines) {
        if let Block::Table(t) = block {
            reader.table(&t, ItemKind::Unknown);
        }
    }
    Some(out)
}

/// The columns of a table with `header` that hold each row's item text and its issue, as the
/// parser reads them: where the write-back puts an issue's link.
pub(crate) fn text_and_issue_columns(header: &[String]) -> (Option<usize>, Option<usize>) {
    let header: Vec<Cow<str>> = header.iter().map(|h| Cow::Borrowed(h.as_str())).collect();
    let cols = Columns::of(&header);
    (cols.text, cols.issue)
}

/// Whether a column header names the rows' numbers or ids (`#`, `No.`, `ID`), not what
/// they say.
fn numbers_rows(header: &str) -> bool {
    let h = header.trim().trim_matches('*').trim_end_matches('.');
    [
        "#", "no", "nr", "num", "number", "id", "s/n", "s.no", "item #",
    ]
    .iter()
    .any(|k| h.eq_ignore_ascii_case(k))
}

/// Table columns by meaning.
#[derive(Debug, Default)]
struct Columns {
    text: Option<usize>,
    kind: Option<usize>,
    owner: Option<usize>,
    due: Option<usize>,
    priority: Option<usize>,
    issue: Option<usize>,
    status: Option<usize>,
    /// The status column asks whether the item is done (`Done`, `Closed?`): a yes says so.
    status_asks_done: bool,
}

impl Columns {
    fn of(header: &[Cow<str>]) -> Columns {
        let mut c = Columns::default();
        for (i, h) in header.iter().enumerate() {
            let slot = match column_of(h) {
                Some(Field::Text) => &mut c.text,
                Some(Field::Kind) => &mut c.kind,
                Some(Field::Owner) => &mut c.owner,
                Some(Field::Due) => &mut c.due,
                Some(Field::Priority) => &mut c.priority,
                Some(Field::Issue) => &mut c.issue,
                Some(Field::Status) => &mut c.status,
                None => continue,
            };
            slot.get_or_insert(i);
        }
        // An Owner or Assignee column names the owner even beside a Team or Lead column.
        if let Some(i) = (0..header.len()).find(|&i| names_owner_outright(&header[i])) {
            c.owner = Some(i);
        }
        c.status_asks_done = c.status.is_some_and(|i| says_done(&header[i]));
        if c.text.is_none() {
            // (Not a column that numbers the rows: `| # | Change | Owner |`.)
            let taken = [c.kind, c.owner, c.due, c.priority, c.issue, c.status];
            c.text = (0..header.len())
                .find(|i| !taken.contains(&Some(*i)) && !numbers_rows(&header[*i]));
        }
        // Every column named, none the action's: an "Issue" column is then what each row is
        // about (`| Issue | Owner | Due date |`), and a reference in it is still its issue.
        if c.text.is_none() {
            c.text = c.issue;
        }
        c
    }
}

/// `text` without what is struck out in it (`~~old~~`).
fn without_struck(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("~~") {
        out.push_str(before);
        rest = after.split_once("~~").map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

/// Whether a cell answers yes (`Yes`, `Y`, `true`, `x`).
fn says_yes(v: &str) -> bool {
    let v = v.trim();
    ["yes", "y", "true", "x"]
        .iter()
        .any(|y| v.eq_ignore_ascii_case(y))
}

/// A Type column: Google's mitigate / prevent / process / other, and plain words.
pub(super) fn type_kind(v: &str) -> Option<ItemKind> {
    let v = v.trim().to_lowercase();
    if v.starts_with("mitigat") || v.starts_with("correct") || v.starts_with("repair") || v == "fix"
    {
        Some(ItemKind::Corrective)
    } else if v.starts_with("prevent") {
        Some(ItemKind::Preventive)
    } else if v.starts_with("process") || v == "other" || v == "task" || v.starts_with("investigat")
    {
        Some(ItemKind::Task)
    } else {
        None
    }
}

/// The title of a row that divides a table into groups: one cell holds text, in bold and of
/// three words at most (`| | **Tooling** | | |`).
fn divider_title<'r>(row: &'r Row<'_>) -> Option<&'r str> {
    let mut filled = row
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty());
    let (i, cell) = filled.next()?;
    let raw = row.raw_cell(i)?.trim();
    let bold = ["**", "__"]
        .iter()
        .any(|m| raw.len() > 4 && raw.starts_with(m) && raw.ends_with(m));
    (filled.next().is_none() && bold && inline::words_up_to(cell, 4) <= 3).then(|| cell.trim())
}

impl Reader<'_> {
    pub(super) fn table(&mut self, t: &Table, section_kind: ItemKind) {
        let cols = Columns::of(&t.header);
        let Some(text_col) = cols.text else { return };
        // A row that only titles the rows after it (`| | **Tooling** | | |`): their group.
        let mut group: Option<&str> = None;
        for row in &t.rows {
            let (line, cells) = (&row.line, &row.cells);
            if let Some(title) = divider_title(row) {
                group = Some(title);
                continue;
            }
            let cell = |c: Option<usize>| c.and_then(|i| cells.get(i)).map(|c| &**c);
            let Some(text) = cell(Some(text_col)).filter(|t| !is_empty_value(t)) else {
                continue;
            };
            // A template's row: `| [Describe the action] | [prevent/mitigate] | [owner] |`.
            if let Some(raw) = row
                .raw_cell(text_col)
                .filter(|r| super::is_bracketed_blank(r))
            {
                self.placeholder(raw.trim(), *line);
                continue;
            }
            let mut meta = Meta::default();
            if let Some(v) = cell(cols.kind) {
                meta.kind = type_kind(v);
            }
            if let Some(v) = cell(cols.owner).filter(|v| !is_empty_value(v)) {
                self.owner(v, *line, &mut meta);
            }
            if let Some(v) = cell(cols.due).filter(|v| !is_empty_value(v)) {
                // `~~2025-03-14~~ 2025-03-21`: a date struck out was moved to the one after it.
                let raw = cols.due.and_then(|i| row.raw_cell(i)).unwrap_or(v);
                let moved = raw
                    .contains("~~")
                    .then(|| inline::plain(&without_struck(raw)));
                let v = moved
                    .as_deref()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or(v);
                self.due(v, *line, &mut meta);
            }
            if let Some(v) = cell(cols.priority).filter(|v| !is_empty_value(v)) {
                meta.priority = Some(v.to_string());
            }
            if let Some(v) = cell(cols.issue) {
                // As written: a link's target names the issue's repository, its text may not.
                let raw = cols.issue.and_then(|i| row.raw_cell(i)).unwrap_or(v);
                meta.issue = issue_in_links(raw).or_else(|| issue_in_cell(v));
                meta.done |= says_done(v);
            }
            if let Some(v) = cell(cols.status) {
                meta.done |= says_done(v) || (cols.status_asks_done && says_yes(v));
                meta.not_planned |= says_dropped(v);
            }
            // A link written back into the action cell (no issue column): `text (#12)`.
            let (text, tail_issue) = split_trailing_issue(text);
            if meta.issue.is_none() {
                meta.issue = tail_issue;
            }
            let kind = meta.kind.unwrap_or(section_kind);
            self.push(&text, None, group, kind, meta, false, *line);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::items::tests::*;
    use chrono::NaiveDate;

    #[test]
    fn a_column_numbering_the_rows_is_not_the_action() {
        // An incident tool's export: row numbers, then the follow-up's title; a team's
        // table whose action column has a name of its own.
        let pm = parse(
            "## Action Items\n\n| # | Title | Assignee | Due Date |\n|---|---|---|---|\n\
             | 1 | Remove certificate pinning | Kenji Mori | 2024-05-21 |\n\n\
             | No. | Change | Owner |\n|---|---|---|\n| 2 | Alert before certificates expire | Ana |\n",
        );
        assert_eq!(
            texts_owners(&pm),
            [
                ("Remove certificate pinning", Some("Kenji Mori")),
                ("Alert before certificates expire", Some("Ana"))
            ]
        );
    }

    #[test]
    fn table_columns_by_meaning() {
        for (due, owner) in [
            ("Expected Date", "Who"),
            ("ETA", "DRI"),
            ("Target date", "Responsible"),
            ("Deadline", "Owner"),
            ("When", "Assignee"),
            ("Due date (UTC)", "Owning Team"),
            ("Target completion date", "Owner(s)"),
            ("Deadline", "Action owner"),
            // A column of teams or leads names who owns each row.
            ("ETA", "Team"),
            ("By when", "Lead"),
            ("Completion date", "Accountable"),
            ("Target", "Tech lead"),
            // The person who drives the work, as some templates call the owner.
            ("Deadline", "Driver"),
        ] {
            let pm = parse(&format!(
                "## Action Items\n\n| Action | {owner} | {due} |\n|---|---|---|\n\
                 | Add alerts | @ana | 2024-03-01 |\n| Fix it | Bo | 2 weeks |\n"
            ));
            let got: Vec<(Option<&str>, Option<NaiveDate>)> = pm
                .actions
                .iter()
                .map(|a| (a.owner.as_deref(), a.due))
                .collect();
            assert_eq!(
                got,
                [(Some("ana"), date(2024, 3, 1)), (Some("Bo"), None)],
                "{due} / {owner}"
            );
        }
    }

    #[test]
    fn a_findings_table_s_answer_to_each_finding_is_the_action() {
        for (finding, answer) in [
            ("Finding", "Recommendation"),
            ("Risk", "Mitigation"),
            ("Observation", "Proposed change"),
            ("Symptom", "Countermeasure"),
        ] {
            let pm = parse(&format!(
                "## Corrective actions\n\n| {finding} | {answer} | Owner |\n|---|---|---|\n\
                 | Certificate issued by hand | Issue the cert through ACME. | Platform |\n"
            ));
            assert_eq!(
                texts_owners(&pm),
                [("Issue the cert through ACME.", Some("Platform"))],
                "{finding} / {answer}"
            );
        }
    }

    #[test]
    fn a_row_that_only_titles_the_rows_after_it_groups_them() {
        let pm = parse(
            "## Action items\n\n| # | Action | Owner |\n|---|---|---|\n| | **Process** | |\n\
             | 1 | Review the runbooks | @ana |\n| | **Tooling** | |\n| 2 | Add a canary | @bo |\n",
        );
        assert_eq!(
            texts_groups(&pm),
            [
                ("Review the runbooks", Some("Process")),
                ("Add a canary", Some("Tooling"))
            ]
        );
    }

    #[test]
    fn an_html_table_written_a_tag_a_line_is_one_table() {
        // As Confluence and pandoc export them: a header cell alone on its line is no heading.
        let pm = parse(
            "## Action items\n\n<table>\n<tr>\n<th>Action</th>\n<th>Owner</th>\n</tr>\n<tr>\n\
             <td>Pin max.poll.records in consumer configs</td>\n<td>Anna Kowalczyk</td>\n</tr>\n\
             </table>\n\n## Lessons learned\n\n- Configs drift.\n",
        );
        assert_eq!(
            texts_owners(&pm),
            [(
                "Pin max.poll.records in consumer configs",
                Some("Anna Kowalczyk")
            )]
        );
        assert_eq!(pm.sections.len(), 2, "{:?}", pm.sections);
    }

    #[test]
    fn two_tables_one_after_the_other_are_read_each_by_its_own_header() {
        let pm = parse(
            "## Action Items\n\n| Action | Owner |\n|---|---|\n| Make export idempotent | Elena |\n\n\
             | Task | Due | Owner |\n|---|---|---|\n| Add alert | 2026-03-01 | Bob |\n",
        );
        let got = text_owner_due(&pm);
        assert_eq!(
            got,
            [
                ("Make export idempotent", Some("Elena"), None),
                ("Add alert", Some("Bob"), date(2026, 3, 1)),
            ]
        );
        // A blank line between rows of one table does not end it.
        let pm = parse(
            "## Action Items\n\n| Action | Owner |\n|---|---|\n| Fix it | Elena |\n\n| Add alert | Bob |\n",
        );
        let owners: Vec<_> = pm.actions.iter().map(|a| a.owner.as_deref()).collect();
        assert_eq!(owners, [Some("Elena"), Some("Bob")]);
    }

    #[test]
    fn an_owner_column_names_the_owner_beside_a_team_column() {
        let pm = parse(
            "## Action Items\n\n| Action | Team | Owner | Due |\n|---|---|---|---|\n\
             | Fix it | SRE | @bob | 2026-04-01 |\n",
        );
        assert_eq!(pm.actions[0].owner.as_deref(), Some("bob"));
    }

    #[test]
    fn headers_are_read_by_their_words_with_notes_and_plural_marks_dropped() {
        let pm = parse(
            "## Follow-up actions\n\n\
             | Item | Owner(s) | Target completion date | Jira ticket | Closed? |\n\
             |---|---|---|---|---|\n\
             | Validate the CSV schema | @lena, @omar | 2023-10-20 | OPS-12 | Yes |\n\
             | Add an export metric | POC: Raj | 2023-10-25 | OPS-13 | No |\n\n\
             ## Remediation\n\n| Description | Responsible party | Due date (UTC) | Status |\n\
             |---|---|---|---|\n| Retry failed uploads | Billing team | 2023-11-15 | Yes |\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.owner.as_deref(), a.due, a.issue.is_some(), a.done))
            .collect();
        assert_eq!(
            got,
            [
                (Some("lena, omar"), date(2023, 10, 20), true, true),
                // A key in the cell that says the value is an owner goes.
                (Some("Raj"), date(2023, 10, 25), true, false),
                // "Yes" under a plain Status column says nothing.
                (Some("Billing team"), date(2023, 11, 15), false, false),
            ]
        );
    }

    #[test]
    fn an_html_table_is_read_as_a_pipe_table_is() {
        // As wikis export a table whose cells hold line breaks and links.
        let pm = parse(
            "## Corrective actions\n\n<table>\n<thead><tr><th>Action</th><th>Owner</th>\
             <th>Due date</th><th>Ticket</th></tr></thead>\n<tbody>\n<tr>\n<td>Alert at 80% disk\
             <br>and page at 90%</td>\n<td>Raj Patel</td>\n<td>2026-03-15</td>\n\
             <td><a href=\"https://github.com/o/r/issues/9\">#9</a></td>\n</tr>\n\
             <tr><td>Rotate logs <b>hourly</b></td><td>@ana</td><td>2026-03-01</td><td></td></tr>\n\
             </tbody>\n</table>\n\n## Lessons learned\n\n- Disks fill.\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.line,
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.due,
                    a.issue.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    7,
                    "Alert at 80% disk and page at 90%",
                    Some("Raj Patel"),
                    date(2026, 3, 15),
                    Some(crate::model::IssueRef::Url(
                        "https://github.com/o/r/issues/9".into()
                    ))
                ),
                (
                    12,
                    "Rotate logs hourly",
                    Some("ana"),
                    date(2026, 3, 1),
                    None
                ),
            ]
        );
    }

    #[test]
    fn an_issue_cell_s_link_names_the_issue_by_its_target() {
        // The link text's `#942` would name issue 942 of the tracking repository.
        let pm = parse(
            "## Action items\n\n| Description | Owning Team | Issue # |\n|---|---|---|\n\
             | Alert on check-ins | tevi | [chip - #942](https://github.com/o/chip/issues/942) |\n\
             | Add a canary | tevi | #17 |\n",
        );
        let issues: Vec<_> = pm.actions.iter().map(|a| a.issue.clone()).collect();
        assert_eq!(
            issues,
            [
                Some(crate::model::IssueRef::Url(
                    "https://github.com/o/chip/issues/942".into()
                )),
                Some(crate::model::IssueRef::Local(17)),
            ]
        );
    }

    #[test]
    fn a_table_without_the_outer_pipes_is_a_table() {
        let pm = parse(
            "## Action items\n\nAction | Owner | Due\n--- | --- | ---\n\
             Add disk alerts | @ana | 2024-03-01\nRotate keys | @bo | 2024-03-08\n\n\
             A closing remark | with a pipe.\n",
        );
        let got = text_owner_due(&pm);
        assert_eq!(
            got[..2],
            [
                ("Add disk alerts", Some("ana"), date(2024, 3, 1)),
                ("Rotate keys", Some("bo"), date(2024, 3, 8)),
            ]
        );
        assert!(
            !texts(&pm).iter().any(|t| t.contains("Owner")),
            "{:?}",
            texts(&pm)
        );
        // A header without pipes over a delimiter row with them.
        let pm = parse("## Action items\n\nAction | Owner\n|---|---|\nAdd alerts | @ana\n");
        assert_eq!(texts(&pm), ["Add alerts"]);
        assert_eq!(pm.actions[0].owner.as_deref(), Some("ana"));
    }

    #[test]
    fn an_escaped_pipe_stays_inside_its_cell() {
        // GFM: `\|` is a pipe in the cell's text, not a cell boundary; read as one, the owner
        // and due columns would shift by one.
        let pm = parse(
            "## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n\
             | Alert when `a \\| b` fails | @ana | 2024-03-01 |\n",
        );
        assert_eq!(texts(&pm), ["Alert when a | b fails"]);
        assert_eq!(pm.actions[0].owner.as_deref(), Some("ana"));
        assert_eq!(pm.actions[0].due, date(2024, 3, 1));
    }

    #[test]
    fn an_issue_column_beside_only_named_columns_holds_the_items() {
        let pm = parse(
            "## Follow-up tasks\n\n| Issue | Owner | Due date | Priority |\n|---|---|---|---|\n\
             | Version the migration script | Priya N. | 2025-06-20 | High |\n\
             | Alert on search errors (#7) | Tom B. | 2025-06-13 | High |\n",
        );
        assert_eq!(
            texts(&pm),
            ["Version the migration script", "Alert on search errors"]
        );
        assert_eq!(pm.actions[0].owner.as_deref(), Some("Priya N."));
        assert_eq!(pm.actions[0].due, date(2025, 6, 20));
        assert_eq!(pm.actions[1].issue, Some(crate::model::IssueRef::Local(7)));
    }

    #[test]
    fn a_jira_export_s_key_column_is_each_row_s_issue_and_its_summary_the_item() {
        for header in [
            "| Key | Summary | Assignee |",
            "| Issue key | Title | Assignee |",
        ] {
            let pm = parse(&format!(
                "## Action items\n\n{header}\n|---|---|---|\n\
                 | PAY-5120 | Add fallback for renamed env var | Jonas |\n"
            ));
            assert_eq!(texts(&pm), ["Add fallback for renamed env var"], "{header}");
            assert_eq!(
                pm.actions[0].issue,
                Some(crate::model::IssueRef::External("PAY-5120".into())),
                "{header}"
            );
            assert_eq!(pm.actions[0].owner.as_deref(), Some("Jonas"));
        }
    }

    #[test]
    fn a_hard_wrapped_table_row_and_spacer_rows_keep_the_table() {
        let pm = parse(
            "## Action Items\n\n| Description | Type | Assignee |\n| --- | --- | --- |\n\
             | Implement the basic version first and improve\non that later | PROCESS | |\n\
             | | |\n| Save progress live in docs. | PROCESS |\n| |\n\
             | Store configuration on external servers | CONFIG | @ana |\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Implement the basic version first and improve on that later",
                "Save progress live in docs.",
                "Store configuration on external servers",
            ]
        );
        assert_eq!(pm.actions[2].owner.as_deref(), Some("ana"));
        assert_eq!(pm.actions[0].line, 5);
    }

    #[test]
    fn a_table_copied_out_of_a_document_editor_is_read_by_its_tabs() {
        let pm = parse(
            "Action Items\nAction Item\tOwner\tBug\nRotate the FCM key\tchenli\tb/12345\n\
             Alert on FCM 401 responses\tomarh\tb/12346\n\nTimeline\n10:00\tdeploy\n10:05\talert\n",
        );
        assert_eq!(
            texts_owners(&pm),
            [
                ("Rotate the FCM key", Some("chenli")),
                ("Alert on FCM 401 responses", Some("omarh")),
            ]
        );
        // Lines of a time and a tab without a header row are no table.
        assert_eq!(pm.timeline.len(), 2);
    }

    #[test]
    fn a_jira_export_s_resolution_column_says_done_or_dropped() {
        let pm = parse(
            "## Follow-ups\n\n| Key | Summary | Assignee | Resolution |\n|---|---|---|---|\n\
             | OPS-1201 | Add pool alarms | Jane Doe | Done |\n\
             | OPS-1203 | Replace the firmware | Jane Doe | Won't Do |\n\
             | OPS-1204 | Page on saturation | Jane Doe | Unresolved |\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.done, a.not_planned))
            .collect();
        assert_eq!(
            got,
            [
                ("Add pool alarms", true, false),
                ("Replace the firmware", false, true),
                ("Page on saturation", false, false),
            ]
        );
    }

    #[test]
    fn a_due_date_struck_out_was_moved_to_the_one_after_it() {
        let pm = parse(
            "## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n\
             | Add an alert on partition events | Bora Kim | ~~2025-03-14~~ 2025-03-21 |\n",
        );
        assert_eq!(
            pm.actions[0].due,
            chrono::NaiveDate::from_ymd_opt(2025, 3, 21)
        );
    }
}
