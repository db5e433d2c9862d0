//! Items written as headings under an action heading, with the paragraphs under each as
//! their detail.

use super::fields::{field_line, Field};
use super::lists::has_list;
use super::{merge, Meta, Reader};
use crate::model::{ActionItem, Diagnostic, SectionKind};
use crate::parse::blocks::{Block, Marker};
use crate::parse::incident::Context;
use crate::parse::{blocks, inline, time, Line};

/// Whether a heading is too short to be an action: one word ("Monitoring"), or two unless
/// the heading before it beside it is an item ("### Add a canary stage" then "### Automate
/// rollback": the headings of one list of items).
fn short_title(heading: &str, sibling_is_item: bool) -> bool {
    match inline::words_up_to(heading, 3) {
        0 | 1 => true,
        2 => !sibling_is_item,
        _ => false,
    }
}

/// An item written as a heading under an action heading (`#### 1) Add a canary stage, by
/// @someone`), when only paragraphs stand under it: the heading is the item (with its
/// owner, due date and issue read as on any item line), the paragraphs its detail, field
/// lines or a list of fields alone (`- Owner: @kim`) its fields; `sibling_is_item`: the
/// heading before it beside it is an item ([`short_title`]). `false` (nothing read) when
/// the segment holds a table or a list of anything else: then the heading is a group.
pub(crate) fn heading_item(
    (heading, line): (&str, usize),
    lines: &[Line<'_>],
    kind: SectionKind,
    sibling_is_item: bool,
    ctx: &Context,
    out: &mut Vec<ActionItem>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let blocks = blocks::blocks(lines);
    // A heading with a clock time ("Coordinated Deployment (14:00 UTC)") is a phase of the
    // incident's story, not a promise.
    let names_time = time::moments(heading)
        .iter()
        .any(|m| m.stamp.time.is_some());
    // A short heading ("Monitoring") names a group, unless field lines under it (`Owner:`,
    // `Due:`) say it is one item.
    let has_fields = || {
        blocks.iter().any(|b| match b {
            Block::Node(n) => field_line(n).is_some_and(|(f, _)| f != Field::Text),
            Block::Table(_) => false,
        })
    };
    // `- **Owner:** @kim` bullets under the heading are its fields, as field lines are: a
    // list of fields alone makes no group.
    let field_list = || {
        blocks.iter().all(|b| match b {
            Block::Node(n) => {
                n.marker == Marker::None
                    || (n.children.is_empty()
                        && field_line(n).is_some_and(|(f, _)| f != Field::Text))
            }
            Block::Table(_) => false,
        })
    };
    if (has_list(&blocks) && !field_list())
        || heading.ends_with(':')
        || short_title(heading, sibling_is_item) && !has_fields()
        || names_time
    {
        return false;
    }
    let as_line = [Line::new(line, 0, heading, false)];
    let Some(Block::Node(node)) = blocks::blocks(&as_line).into_iter().next() else {
        return false;
    };
    let mut reader = Reader {
        ctx,
        item_kind: kind.item_kind(),
        out,
        diagnostics,
    };
    let before = reader.out.len();
    reader.item(&node, None);
    // `Owner: @lena` / `**Due:** 2023-11-01` lines under the heading are its fields; the
    // other paragraphs its detail.
    let mut meta = Meta::default();
    let mut detail = Vec::new();
    for n in blocks.iter().filter_map(|b| match b {
        Block::Node(n) => Some(n),
        Block::Table(_) => None,
    }) {
        match field_line(n) {
            Some((field, _)) if field != Field::Text => {
                reader.meta_words(n.plain_str(), n.line_no, &mut meta)
            }
            // "Currently these go to email only. Owner: Priyanka S. Target: 2025-04-18.": fields
            // that end the paragraph are the item's too.
            _ => {
                let text = n.plain_str();
                let kept = reader.cut_tag_tail(text, n.line_no, &mut meta);
                if !kept.trim().is_empty() {
                    detail.push(kept.trim_end().to_string());
                }
            }
        }
    }
    if let Some(item) = reader.out.get_mut(before) {
        merge(item, meta);
        if !detail.is_empty() {
            item.detail = Some(detail.join("\n"));
        }
    }
    reader.out.len() > before
}

#[cfg(test)]
mod tests {
    use crate::parse::items::tests::*;

    #[test]
    fn fields_that_end_the_paragraph_under_a_heading_item_are_its_fields() {
        let pm = parse(
            "## Follow-up actions\n\n#### 1) Page on crash-rate alerts during rollout\n\n\
             Currently these go to email only. Owner: Priyanka S. Target: 2025-04-18.\n\n\
             #### 2) Review the alert routing table\n\nThe status: page is stale, see the doc.\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "Page on crash-rate alerts during rollout",
                    Some("Priyanka S."),
                    date(2025, 4, 18)
                ),
                ("Review the alert routing table", None, None),
            ]
        );
        assert_eq!(
            pm.actions[0].detail.as_deref(),
            Some("Currently these go to email only.")
        );
        assert_eq!(
            pm.actions[1].detail.as_deref(),
            Some("The status: page is stale, see the doc.")
        );
    }

    #[test]
    fn items_written_as_headings_with_a_paragraph_under_each() {
        let pm = parse(
            "## Suggested Corrective Actions\n\n#### 1) Add a canary stage, by @someone\n\n\
             Deploys reach 1% of hosts first. It would have caught this.\n\n\
             **Update: a first version shipped.**\n\n#### Increase clarity of the assertions\n\n\
             The spec is ambiguous.\n\n### Coordinated deployment (14:00 UTC)\n\nAll nodes updated.\n",
        );
        let got: Vec<(&str, Option<&str>, usize)> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Add a canary stage", Some("someone"), 3),
                ("Increase clarity of the assertions", None, 9),
                ("All nodes updated.", None, 15),
            ]
        );
        assert!(pm.actions[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("Deploys reach 1% of hosts first.")));
    }

    #[test]
    fn a_heading_opened_by_an_action_label_is_an_item_wherever_it_stands() {
        for doc in [
            "## Action items\n\n### Action item 1: Add a canary stage\n\nOwner: @lin\n\n\
             Deploys reach 1% of hosts first.\n\n### Action item 2: Alert on config drift\n\n\
             Owner: @sam\nDue: 2026-04-01\n",
            "## Summary\n\nThe deploy broke checkout.\n\n### Action item: Add a canary stage\n\n\
             Owner: @lin\n\nDeploys reach 1% of hosts first.\n\n\
             ### Follow-up #2: Alert on config drift\n\nOwner: @sam\nDue: 2026-04-01\n",
        ] {
            let pm = parse(doc);
            let got = text_owner_due(&pm);
            assert_eq!(
                got,
                [
                    ("Add a canary stage", Some("lin"), None),
                    ("Alert on config drift", Some("sam"), date(2026, 4, 1)),
                ],
                "{doc}"
            );
            assert_eq!(
                pm.actions[0].detail.as_deref(),
                Some("Deploys reach 1% of hosts first.")
            );
        }
    }

    #[test]
    fn a_list_of_fields_under_a_heading_item_is_its_fields_not_its_items() {
        let pm = parse(
            "## Action Items\n\n### AI-1: Retry webhooks with backoff\n- **Owner:** @kim\n\
             - **Due:** 2026-03-01\n- **Ticket:** PAY-88\n\n\
             ### Alert on webhook failures\n* Owner: @lee\n\n\
             ### Monitoring\n- Owner: @max\n- Add a failure-rate alert\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "AI-1: Retry webhooks with backoff",
                    Some("kim"),
                    date(2026, 3, 1)
                ),
                ("Alert on webhook failures", Some("lee"), None),
                // A list with an item among its fields: the heading is a group, whose
                // owner the field names.
                ("Add a failure-rate alert", Some("max"), None),
            ]
        );
        assert_eq!(
            pm.actions[0].issue,
            Some(crate::model::IssueRef::External("PAY-88".into()))
        );
    }

    #[test]
    fn field_lines_under_a_heading_item_are_its_fields() {
        let pm = parse(
            "## Action items\n\n### 1) Add a canary for the exporter\nOwner: @lena\n\
             Due: 2023-11-01\n\nThe canary runs first.\n\n### 2) Write the export runbook\n\
             **Owner:** Omar  \n**Due date:** 2023-11-15\n\n### 3) Page on export lag\n\
             Owner: @sre. Due 2023-11-20.\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.due,
                    a.detail.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Add a canary for the exporter",
                    Some("lena"),
                    date(2023, 11, 1),
                    Some("The canary runs first.")
                ),
                (
                    "Write the export runbook",
                    Some("Omar"),
                    date(2023, 11, 15),
                    None
                ),
                ("Page on export lag", Some("sre"), date(2023, 11, 20), None),
            ]
        );
    }

    #[test]
    fn a_short_heading_with_field_lines_under_it_is_an_item_not_a_group() {
        // Read as a group, its field lines became items of their own ("Owner", "Due: ...").
        let pm = parse(
            "## Action items\n\n### Tune GC\n\nOwner: @ana\nDue: 2026-01-10\n\n\
             ### Monitoring\n\nDisk alerts on every node.\n",
        );
        let got = text_owner_due(&pm);
        assert_eq!(
            got,
            [
                ("Tune GC", Some("ana"), date(2026, 1, 10)),
                // Without fields a short heading still titles what stands under it.
                ("Disk alerts on every node.", None, None),
            ]
        );
    }

    #[test]
    fn a_two_word_heading_beside_a_heading_item_is_one_too() {
        let pm = parse(
            "## Action items\n\n### Add a canary stage\nWe will deploy to 5% first.\n\n\
             ### Automate rollback\nWe will use Argo rollouts for this.\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.detail.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("Add a canary stage", Some("We will deploy to 5% first.")),
                (
                    "Automate rollback",
                    Some("We will use Argo rollouts for this.")
                ),
            ]
        );
    }

    #[test]
    fn labels_in_bold_or_with_a_colon_group_the_actions_under_them() {
        let texts =
            |doc: &str| -> Vec<String> { parse(doc).actions.into_iter().map(|a| a.text).collect() };
        // Beside a label that names actions, labels that name none are groups too.
        assert_eq!(
            texts(
                "## Action items\n\n**Prevent**\n1. Add a check to the tooling.\n\n\
                 **Mitigate**\n2. Write a runbook entry.\n\n**Process**\n3. Review the runbooks.\n"
            ),
            [
                "Add a check to the tooling.",
                "Write a runbook entry.",
                "Review the runbooks."
            ]
        );
        // A phase's name is a group's title under actions, not a section of its own.
        assert_eq!(
            texts(
                "## Action items\n\nDetection:\n- Alert on replication lag.\n\n\
                 **Mitigation**\n- Document the failover procedure.\n"
            ),
            [
                "Alert on replication lag.",
                "Document the failover procedure."
            ]
        );
        // Outside actions it is a section.
        assert!(texts("## Summary\n\nDetection:\n- Alert on replication lag.\n").is_empty());
    }

    #[test]
    fn a_label_or_heading_of_reference_material_ends_the_actions() {
        let texts =
            |doc: &str| -> Vec<String> { parse(doc).actions.into_iter().map(|a| a.text).collect() };
        for title in [
            "**Links**",
            "Participants:",
            "### Open questions",
            "**References:**",
        ] {
            assert_eq!(
                texts(&format!(
                    "# X\n\n## Next steps\n\n- Alert at 80% disk usage\n\n{title}\n\n\
                     - The render job's source repository\n- Maria Costa (DBRE lead)\n"
                )),
                ["Alert at 80% disk usage"],
                "{title}"
            );
        }
    }

    #[test]
    fn headings_that_group_actions_by_phase_or_by_when_keep_their_items() {
        let texts =
            |doc: &str| -> Vec<String> { parse(doc).actions.into_iter().map(|a| a.text).collect() };
        // Beside a sibling that names actions, a heading that says when is a group too.
        assert_eq!(
            texts(
                "## Action items\n\n### Short term\n\n- Scale CoreDNS back to six replicas.\n\n\
                 ### Long-term improvements\n\n- Deploy NodeLocal DNSCache.\n"
            ),
            [
                "Scale CoreDNS back to six replicas.",
                "Deploy NodeLocal DNSCache."
            ]
        );
        // A phase's name as a heading under actions groups them, as a label does.
        assert_eq!(
            texts(
                "## Action items\n\n### Detection\n\n- Add an alert on queue age.\n\n\
                 ### Mitigation\n\n- Add a kill switch.\n\n### Root cause fix\n\n\
                 - Validate the config before reload.\n"
            ),
            [
                "Add an alert on queue age.",
                "Add a kill switch.",
                "Validate the config before reload."
            ]
        );
        // A group that says the work is done gives done items.
        let pm = parse(
            "## Action items\n\n### To do\n\n- Add a canary.\n\n### Done\n\n- Pin the image.\n",
        );
        let done: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.done))
            .collect();
        assert_eq!(done, [("Add a canary.", false), ("Pin the image.", true)]);
        // Outside actions such a heading is a section of its own.
        assert!(texts("## Summary\n\n### Detection\n\n- Add an alert on queue age.\n").is_empty());
    }
}
