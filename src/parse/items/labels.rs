//! Items that a label marks outside action sections: `Action item: ...` paragraphs and
//! bullets, and the list after a sentence that introduces actions.

use std::borrow::Cow;

use super::lists::field_node;
use super::Reader;
use crate::model::{ActionItem, Diagnostic, ItemKind};
use crate::parse::blocks::{Block, Marker, Node};
use crate::parse::incident::Context;
use crate::parse::{blocks, vocab, Line};

/// Items that a label marks outside action sections: a paragraph or bullet opened by an
/// action label (`Action item: ...`, at any depth), and the list after a sentence that
/// introduces actions ("To prevent this in the future, we have made these changes:").
pub(crate) fn labelled(
    lines: &[Line<'_>],
    ctx: &Context,
    out: &mut Vec<ActionItem>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Most segments have neither an action label nor a sentence introducing actions: a
    // look at each line's start spares them the blocks. (A node's text is its first line
    // after the list marker.)
    let may_label = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.skip)
        .any(|(k, l)| {
            // (An introducing sentence ends in a colon, perhaps inside emphasis, and may be
            // wrapped over the lines before.)
            let may_introduce = matches!(l.body.as_bytes().last(), Some(b':' | b'*' | b'_'));
            let introduces = || {
                let sentence = sentence_ending_at(lines, k);
                vocab::introduces_actions(sentence.trim_end_matches(['*', '_'])).is_some()
            };
            (may_introduce && introduces())
                || vocab::opens_with_action_label(l.marker().2)
                || vocab::mid_action_label(l.body).is_some()
        });
    if !may_label {
        return;
    }
    let mut reader = Reader {
        ctx,
        item_kind: ItemKind::Task,
        out,
        diagnostics,
    };
    let blocks = blocks::blocks(lines);
    // The kind of the items that the sentence before introduced, while its list lasts.
    let mut introduced: Option<ItemKind> = None;
    // Whether the block before was a paragraph item: `Owner:` / `Due date:` lines after it
    // are its fields (`Action: ...` over `Owner: Data Platform`).
    let mut paragraph_item = false;
    for block in &blocks {
        let Block::Node(n) = block else {
            introduced = None;
            paragraph_item = false;
            continue;
        };
        if paragraph_item && n.marker == Marker::None {
            if let Some(field) = field_node(n, ctx) {
                reader.fields_of_last(field, n.line_no);
                continue;
            }
        }
        let before = reader.out.len();
        paragraph_item = false;
        if let Some(kind) = introduced.filter(|_| n.marker != Marker::None) {
            reader.item_kind = kind;
            reader.item(n, None);
            continue;
        }
        introduced = None;
        if let Some(kind) = vocab::introduces_actions(n.plain_str()) {
            let kind = kind.item_kind();
            if n.children.iter().any(|c| c.marker != Marker::None) {
                reader.item_kind = kind;
                for child in n.children.iter().filter(|c| c.marker != Marker::None) {
                    reader.item(child, None);
                }
            } else {
                introduced = Some(kind);
            }
            continue;
        }
        reader.item_kind = ItemKind::Task;
        reader.labelled_nodes(n, 0);
        paragraph_item = n.marker == Marker::None && reader.out.len() > before;
    }
}

/// How many lines before it a sentence ending on a line may have begun on: a sentence wraps
/// over a few lines, and the look back stays linear in the document.
const SENTENCE_LINES: usize = 4;

/// The sentence that ends on line `k`: that line with the lines before it in its paragraph,
/// back to a blank or skipped line, a line that ends a sentence, or [`SENTENCE_LINES`] in
/// all, joined by spaces.
fn sentence_ending_at<'a>(lines: &[Line<'a>], k: usize) -> Cow<'a, str> {
    let earliest = k.saturating_sub(SENTENCE_LINES - 1);
    let start = lines[earliest..k]
        .iter()
        .rposition(|l| l.skip || l.body.is_empty() || l.body.ends_with(['.', '!', '?', ':']))
        .map_or(earliest, |b| earliest + b + 1);
    match &lines[start..=k] {
        [one] => Cow::Borrowed(one.body),
        more => Cow::Owned(more.iter().map(|l| l.body).collect::<Vec<_>>().join(" ")),
    }
}

impl Reader<'_> {
    /// Every node at or under `n` that an action label opens, as an item.
    fn labelled_nodes(&mut self, n: &Node, depth: usize) {
        // A task label in a list may title a topic ("3. Follow-up: we called them back").
        let marks_item = vocab::after_action_label(&n.text).is_some()
            && (n.marker == Marker::None || !vocab::opens_with_task_label(&n.text));
        if marks_item {
            self.item(n, None);
            return;
        }
        // `The alert came late. **Action item:** page on burn rate.`: the label's sentence on.
        if let Some(at) = vocab::mid_action_label(&n.text) {
            self.item(&n.from(at), None);
            return;
        }
        if depth < blocks::MAX_DEPTH {
            for child in &n.children {
                self.labelled_nodes(child, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::items::tests::*;

    #[test]
    fn an_action_label_marks_an_item_wherever_it_stands() {
        let pm = parse(
            "# Release retro\n\n## What went well\n\n- [ana] The freeze was announced early.\n  \
             - **[Action Item]** Announce the freeze in the handbook - add to release docs\n\n\
             ## What could have gone better\n\n- **ACTION:Publish the timeline in advance**\n\
             - **ACTION:** Add a step to cut stable releases.\n\n\
             Action point: ask the working groups for feedback on the schedule.\n\n\
             ## Lessons learned\n\nAction item: rotate the release manager every cycle.\n\n\
             Actions taken: we restarted the builders.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Announce the freeze in the handbook - add to release docs",
                "Publish the timeline in advance",
                "Add a step to cut stable releases.",
                "ask the working groups for feedback on the schedule.",
                "rotate the release manager every cycle.",
            ]
        );
        assert!(pm.actions.iter().all(|a| a.kind == ItemKind::Task));
        assert_eq!(pm.actions[0].line, 6);
    }

    #[test]
    fn an_action_label_after_a_sentence_marks_the_rest_as_an_item() {
        let pm = parse(
            "# Checkout errors\n\n## Detection\n\n* We were alerted 20 minutes late. \
             **Action:** page on error budget burn rate (@sre-oncall)\n\n\
             The dashboards lagged too! Action item: add a freshness panel.\n\n\
             ## Resolution\n\nWe rolled back. Follow-up: we called the vendor.\n\n\
             The transaction log was replayed. No action was needed.\n",
        );
        assert_eq!(
            texts(&pm),
            ["page on error budget burn rate", "add a freshness panel."]
        );
        assert_eq!(pm.actions[0].owner.as_deref(), Some("sre-oncall"));
        assert_eq!(pm.actions[1].line, 7);
        // With a note in brackets before the colon.
        let pm = parse(
            "## What went wrong\n\nNobody knew who owned it. Action item (@hsato): Add it \
             to the service catalog.\n",
        );
        assert_eq!(texts(&pm), ["Add it to the service catalog."]);
        assert_eq!(pm.actions[0].owner.as_deref(), Some("hsato"));
    }

    #[test]
    fn a_paragraph_opened_by_a_task_label_is_an_item_not_a_heading() {
        // "TODO: ..." read as a heading would lose its own text and make the prose after it
        // items.
        let pm = parse(
            "# Webhook delays

## Notes

TODO: audit the other certificates

             Some users saw errors.

**Follow-up:** add a dashboard for webhook latency.

             Follow-up: none

## Action items

- Add alerts

To do: rotate the keys
",
        );
        assert_eq!(
            texts(&pm),
            [
                "audit the other certificates",
                "add a dashboard for webhook latency.",
                "Add alerts",
                "rotate the keys"
            ]
        );
        assert!(pm.sections.iter().all(|s| !s.heading.starts_with("TODO")));
    }

    #[test]
    fn a_note_in_brackets_after_a_label_names_the_owner_or_the_priority() {
        let pm = parse(
            "# Checkout errors\n\n## Notes\n\nTODO (@dana): rotate the webhook secret\n\n\
             Action item (P1): cap retries in the client\n\n\
             ## Action items\n\n- TODO(alice): add an alert on the 5xx rate\n\
             - Fix the timeout (see the graph)\n- Action item (short term): cap the pool\n\
             - TODO (later): rotate keys\n- Action item (AI-3): add a canary\n\
             - TODO: check the config (prod): raise the pool size\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.priority.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("rotate the webhook secret", Some("dana"), None),
                ("cap retries in the client", None, Some("P1")),
                ("add an alert on the 5xx rate", Some("alice"), None),
                ("Fix the timeout (see the graph)", None, None),
                // A note that names nobody qualifies the item.
                ("cap the pool", None, None),
                ("rotate keys", None, None),
                ("add a canary", None, None),
                ("check the config (prod): raise the pool size", None, None),
            ]
        );
    }

    #[test]
    fn a_task_label_titling_a_topic_in_a_list_or_a_note_in_an_appendix_is_no_item() {
        let pm = parse(
            "# Survey

## Resolution

1. Survey redesign: we made the survey shorter.
             2. Follow-up: we called back the customers who had not answered.

             ## Appendix

TODO: link the chat log

Action item: archive the channel.
",
        );
        assert!(texts(&pm).is_empty(), "{:?}", texts(&pm));
    }

    #[test]
    fn a_sentence_that_introduces_actions_makes_the_list_after_it_items() {
        let pm = parse(
            "# Certificate expiry\n\nThe certificates expired at midnight.\n\n\
             To prevent similar issues in the future, we have made a few changes:\n\n\
             1. A periodic job renews the certificates.\n2. A daily check alerts two weeks ahead.\n\n\
             We apologise to everyone affected.\n\nThese were the symptoms:\n\n- slow pages\n\n\
             We are taking these steps to ensure this doesn't happen again:\n\n\
             - Alert on certificates a month ahead\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "A periodic job renews the certificates.",
                "A daily check alerts two weeks ahead.",
                "Alert on certificates a month ahead"
            ]
        );
        assert!(pm.actions.iter().all(|a| a.kind == ItemKind::Preventive));
    }

    #[test]
    fn an_introducing_sentence_wrapped_over_lines_still_introduces_the_list() {
        let pm = parse(
            "# Certificate expiry\n\nThe certificates expired at midnight.\n\n\
             To prevent similar issues in the future, we have\nmade a few changes:\n\n\
             1. A periodic job renews the certificates.\n2. A daily check alerts two weeks ahead.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "A periodic job renews the certificates.",
                "A daily check alerts two weeks ahead."
            ]
        );
    }

    #[test]
    fn a_label_that_points_to_the_items_is_no_item() {
        let pm = parse(
            "# Outage\n\n## Contents\n\n- [Summary](#summary)\n- [Action items](#action-items)\n\n\
             ## Summary\n\n**Action items:** see the end of this document.\n\n\
             [Action items](https://jira.example.com/browse/OPS-1) are tracked in Jira.\n\n\
             - Action item: none yet.\n\n## Action items\n\n- Add a canary stage for deploys\n",
        );
        let texts: Vec<_> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["Add a canary stage for deploys"]);
    }

    #[test]
    fn a_label_naming_actions_with_its_content_on_the_line_holds_an_item() {
        // A one-pager written as bold labels: the content after "Remediation:" is an item,
        // as the label's; a subtitle in capitals after one only names the section.
        let pm = parse(
            "# Flags returned defaults\n\n**Root cause:** The SDK fell back to defaults.\n\n\
             **Remediation:** Raised the idle timeout to 10 minutes.\n\n\
             **Follow-up:** Add an alert on default evaluations.\n\n\
             Corrective Measures: No More Flag Outages\n\n\
             - Cache the last flag values on disk\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Raised the idle timeout to 10 minutes.",
                "Add an alert on default evaluations.",
                "Cache the last flag values on disk"
            ]
        );
        assert_eq!(pm.actions[0].line, 5);
    }
}
