//! Items written as headings under an action heading, with the paragraphs under each as
//! their detail.

use super::lists::has_list;
use super::Reader;
use crate::model::{ActionItem, Diagnostic, SectionKind};
use crate::parse::blocks::Block;
use crate::parse::incident::Context;
use crate::parse::{blocks, inline, time, Line};

/// An item written as a heading under an action heading (`#### 1) Add a canary stage, by
/// @someone`), when only paragraphs stand under it: the heading is the item (with its
/// owner, due date and issue read as on any item line), the paragraphs its detail. `false`
/// (nothing read) when the segment holds a list or a table: then the heading is a group.
pub(crate) fn heading_item(
    heading: &str,
    line: usize,
    lines: &[Line<'_>],
    kind: SectionKind,
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
    if has_list(&blocks)
        || heading.ends_with(':')
        || inline::words_up_to(heading, 3) < 3
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
    let detail: Vec<String> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Node(n) => Some(n.plain()),
            Block::Table(_) => None,
        })
        .collect();
    if let Some(item) = reader.out.get_mut(before) {
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
}
