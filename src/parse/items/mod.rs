//! Action items: from list items, task-list boxes, table rows, bare lines and title lines with
//! their indented items, under headings that promise work; from items written as headings;
//! and from action labels and introducing sentences anywhere. One [`Reader`] turns each into
//! an [`ActionItem`], with the fields ([`fields`]), tags ([`tags`]) and issue references
//! ([`issues`]) it carries.

mod fields;
pub(crate) use fields::apply_title;
mod headings;
mod issues;
mod labels;
mod lists;
mod tables;
mod tags;

use crate::model::{ActionItem, Diagnostic, IssueRef, ItemKind};
use crate::parse::incident::Context;
use crate::parse::inline;
use chrono::NaiveDate;

use fields::natural_due;

pub(crate) use headings::heading_item;
pub(crate) use labels::labelled;
pub(crate) use lists::read;
pub(crate) use tables::{action_table, text_and_issue_columns};

/// Turns the nodes, rows and headings it is given into items of one kind, read in the
/// document's context; what cannot be read becomes a diagnostic.
struct Reader<'r> {
    ctx: &'r Context<'r>,
    item_kind: ItemKind,
    out: &'r mut Vec<ActionItem>,
    diagnostics: &'r mut Vec<Diagnostic>,
}

/// Metadata gathered for one item.
#[derive(Debug, Default)]
struct Meta {
    owner: Option<String>,
    due: Option<NaiveDate>,
    priority: Option<String>,
    issue: Option<IssueRef>,
    done: bool,
    /// A status says the action was dropped ([`fields::says_dropped`]).
    not_planned: bool,
    kind: Option<ItemKind>,
    /// The text of a link to the item's issue: among the item's tags, it is one.
    issue_label: Option<String>,
}

fn merge(item: &mut ActionItem, meta: Meta) {
    if meta.owner.is_some() {
        item.owner = meta.owner;
    }
    item.due = meta.due.or(item.due);
    item.priority = meta.priority.or(item.priority.take());
    item.issue = item.issue.take().or(meta.issue);
    item.done |= meta.done;
    item.not_planned = (item.not_planned || meta.not_planned) && !item.done;
    if let Some(k) = meta.kind {
        item.kind = k;
    }
}

impl Reader<'_> {
    /// Says that `text` on `line` is a template's placeholder: a template committed beside
    /// the postmortems opens no issue for its blanks.
    fn placeholder(&mut self, text: &str, line: usize) {
        self.diagnostics.push(Diagnostic::new(
            crate::model::Severity::Info,
            Some(line),
            "placeholder-item",
            format!("{text:?} is a template's placeholder, not an action item"),
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        text: &str,
        extra_detail: Option<String>,
        group: Option<&str>,
        kind: ItemKind,
        meta: Meta,
        checkbox: bool,
        line: usize,
    ) {
        let (first, rest) = inline::first_sentence(text);
        let first = first.trim().to_string();
        if first.is_empty() {
            return;
        }
        if is_placeholder(&first) {
            self.placeholder(&first, line);
            return;
        }
        let detail = match (rest.is_empty(), extra_detail) {
            (true, extra) => extra,
            (false, None) => Some(rest.to_string()),
            (false, Some(extra)) => Some(format!("{rest}\n{extra}")),
        };
        let due = meta.due.or_else(|| natural_due(text, self.ctx.date));
        self.out.push(ActionItem {
            text: first,
            detail,
            group: group.map(str::to_string).filter(|g| !g.is_empty()),
            kind,
            owner: meta.owner,
            due,
            priority: meta.priority,
            issue: meta.issue,
            done: meta.done,
            not_planned: meta.not_planned && !meta.done,
            checkbox,
            line,
        });
    }
}

/// Whether an item's text is a template's placeholder: a few words in brackets where the
/// action would go (`<Action item 1>`, `{{ action }}`; a whole sentence in them is the action,
/// bracketed by a writer filling the template in), or only a word that holds its place
/// (`TODO`, `TBD`, `...`).
fn is_placeholder(text: &str) -> bool {
    let opens_bracketed = |open: &str, close: &str| {
        text.strip_prefix(open)
            .and_then(|t| t.split_once(close))
            .is_some_and(|(inner, _)| (1..=4).contains(&inline::words_up_to(inner, 5)))
    };
    let word = text.trim_end_matches([':', '.', '!', ' ']);
    let opens = |p: &str| inline::starts_with_ascii_ci(word, p);
    opens_bracketed("<", ">")
        || opens_bracketed("{{", "}}")
        || ["todo", "tbd", "tba", "n/a", "xxx"]
            .iter()
            .chain(&PLACEHOLDERS)
            .any(|w| word.eq_ignore_ascii_case(w))
        || PLACEHOLDER_OPENINGS.iter().any(|p| opens(p))
        // "TBD — to be discussed at the next review".
        || ((opens("tbd ") || opens("tba ")) && word[4..].starts_with(['-', '–', '—', ':', '(']))
        // "See the Corrective actions section below", "See JIRA-123 for the full list", "see
        // the end of this document".
        || (opens("see ")
            && ["below", "above", "section", "full list", "end of"]
                .iter()
                .any(|w| inline::find_ascii_ci(word, 0, w).is_some()))
        || matches!(text, "..." | "…")
}

/// Whether an item as written is a template's blank in square brackets, `[Describe the
/// action]`, `[owner]` (a link, `[x](url)`, or a tag before the text, `[P2] Add alerting`, is
/// not). Asked of the text as written: plain text has lost the brackets.
pub(super) fn is_bracketed_blank(raw: &str) -> bool {
    let t = raw.trim();
    t.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .is_some_and(|inner| {
            // (`[OPS-1234]` alone is an issue's key: the item is the issue.)
            let words = inner.contains(' ') || inner.chars().all(char::is_alphabetic);
            words && !inner.contains(['[', ']']) && (1..=6).contains(&inline::words_up_to(inner, 7))
        })
}

/// Whole items that say there is none, or hold a template's place (`None.`, `Action item 1`).
const PLACEHOLDERS: [&str; 12] = [
    "none",
    "none yet",
    "nothing",
    "nothing yet",
    "coming soon",
    "to be determined",
    "to be decided",
    "to be added",
    "action item 1",
    "action item 2",
    "action item",
    "action item here",
];

/// Openings of items that say there is none, or ask for them to be written: "No action items
/// were identified", "There are no follow-up actions", "Add action items here".
const PLACEHOLDER_OPENINGS: [&str; 10] = [
    "no action item",
    "no actions",
    "no follow-up",
    "no follow up",
    "no further action",
    "there are no ",
    "nothing to ",
    "nothing else",
    "none at this",
    "add action items",
];

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn parse(text: &str) -> crate::model::Postmortem {
        crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default())
    }

    #[test]
    fn a_template_s_placeholders_are_not_items() {
        let pm = parse(
            "# Postmortem: <Incident title>\n\n## Action items\n\n| Action | Owner | Due |\n\
             |---|---|---|\n| <action> | <owner> | YYYY-MM-DD |\n\n\
             - [ ] <Action item 1> (@owner, due YYYY-MM-DD)\n- [ ] {{ action }}\n- [ ] TODO\n\
             - [ ] TBD.\n- [ ] ...\n- [ ] Add a <b>disk</b> alert\n- [ ] Todo: add a canary\n\
             - None.\n- _No action items._\n- There are no follow-up actions at this time.\n\
             - TBD — to be discussed at the next review\n- See the Corrective actions section below.\n\
             - [ ] Action item 1\n- [P2] Add a queue alert\n- [Describe the action]\n\
             - [OPS-1234]\n\n| Action | Owner |\n|---|---|\n| [Describe the action] | [owner] |\n",
        );
        let texts: Vec<_> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Add a disk alert",
                "add a canary",
                "Add a queue alert",
                "OPS-1234"
            ]
        );
        let said: Vec<_> = pm
            .diagnostics
            .iter()
            .filter(|d| d.code == "placeholder-item")
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(said, [9, 10, 11, 12, 16, 17, 18, 19, 20, 21, 23, 28]);
    }

    /// The one item of `## Action Items` followed by `body`.
    pub(super) fn one_item(body: &str) -> (ActionItem, Vec<Diagnostic>) {
        let pm = parse(&format!("Date: 2023-11-01\n\n## Action Items\n\n{body}\n"));
        assert_eq!(pm.actions.len(), 1, "{body:?}: {:?}", pm.actions);
        (pm.actions[0].clone(), pm.diagnostics)
    }

    pub(super) fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    pub(super) fn texts(pm: &crate::model::Postmortem) -> Vec<&str> {
        pm.actions.iter().map(|a| a.text.as_str()).collect()
    }

    /// Each item's text and whether it is done.
    pub(super) fn texts_done(pm: &crate::model::Postmortem) -> Vec<(&str, bool)> {
        pm.actions
            .iter()
            .map(|a| (a.text.as_str(), a.done))
            .collect()
    }

    /// Each item's text, whether it is done and whether it is not planned.
    pub(super) fn texts_done_dropped(pm: &crate::model::Postmortem) -> Vec<(&str, bool, bool)> {
        pm.actions
            .iter()
            .map(|a| (a.text.as_str(), a.done, a.not_planned))
            .collect()
    }

    /// Each item's text and owner.
    pub(super) fn texts_owners(pm: &crate::model::Postmortem) -> Vec<(&str, Option<&str>)> {
        pm.actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref()))
            .collect()
    }

    /// Each item's text and group.
    pub(super) fn texts_groups(pm: &crate::model::Postmortem) -> Vec<(&str, Option<&str>)> {
        pm.actions
            .iter()
            .map(|a| (a.text.as_str(), a.group.as_deref()))
            .collect()
    }

    /// Each item's text, owner and due date.
    pub(super) fn text_owner_due(
        pm: &crate::model::Postmortem,
    ) -> Vec<(&str, Option<&str>, Option<NaiveDate>)> {
        pm.actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.due))
            .collect()
    }
}
