//! Items from an action section's lists and bare lines: list items, task-list boxes, title
//! lines with the items under them, and the prose around a list that is not an item.

use super::fields::{
    apply_title, field_line, field_line_text, is_email, is_empty_value, is_login, is_name,
    is_priority_token, is_priority_word, leading_priority, owner_field_prefix, owner_prefix,
    split_value, status_word, Field, Status,
};
use super::issues::{bare_issue_url, issue_in_links, issue_link, issue_prefix, issue_ref};
use super::{merge, Meta, Reader};
use crate::model::{ActionItem, Diagnostic, IssueRef, SectionKind};
use crate::parse::blocks::{Block, Marker, Node};
use crate::parse::incident::Context;
use crate::parse::{blocks, inline, time, vocab, Line};
use std::borrow::Cow;

/// Reads the items of one action segment. `has_subsections`: action headings, or several
/// headings that may each be an item, stand under this one's, so its own paragraphs
/// introduce them ("These are only sample subheadings.", "Each follow-up has an issue.").
/// `done`: the section lists actions already taken, so every item is done.
pub(crate) fn read(
    lines: &[Line<'_>],
    kind: SectionKind,
    has_subsections: bool,
    done: bool,
    ctx: &Context,
    out: &mut Vec<ActionItem>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let first = out.len();
    let item_kind = kind.item_kind();
    let blocks = blocks::blocks(lines);
    // Around a list, plain paragraphs are introductions and conclusions, not items; so are
    // they beside paragraphs that each open with a bold lead-in ("**Faster rollback.** We
    // will..."): the items have that shape, and the prose around them has not.
    let lead_ins = blocks
        .iter()
        .filter(
            |b| matches!(b, Block::Node(n) if n.marker == Marker::None && opens_with_lead_in(n)),
        )
        .count();
    let has_list = has_subsections || has_list(&blocks);
    let mut reader = Reader {
        ctx,
        item_kind,
        out,
        diagnostics,
    };
    // The plain line the items stand under ("Done already", "@alice" over a list), up to the
    // next one or a table: what it says of them, it says of each.
    let mut under: Option<&str> = None;
    // Field bullets (`- Owner: @max`): in a list that opens with them, the owner, due date
    // or priority they give holds for each item after them that names none (each later one
    // replacing what it names); in a list that opens with an item, they are the item's above
    // them. A field line (`Owner: @ana. Target: 2026-05-01.`) is the paragraph item's above
    // it, and nothing else's: under a list or a table it is the document's own.
    let mut fields_of_list = Meta::default();
    let mut leading_fields = false;
    let mut prev = Prev::Other;
    for block in &blocks {
        let before = reader.out.len();
        if let Block::Node(n) = block {
            if let Some(field) = field_node(n, reader.ctx) {
                let bullet = n.marker != Marker::None;
                let own = match prev {
                    Prev::BulletItem => bullet && !leading_fields,
                    Prev::ParagraphItem => !bullet,
                    Prev::Other => false,
                };
                if own {
                    reader.fields_of_last(field, n.line_no);
                    continue;
                }
                if bullet {
                    let mut meta = Meta::default();
                    reader.meta_words(field, n.line_no, &mut meta);
                    leading_fields = true;
                    fields_of_list.owner = meta.owner.or(fields_of_list.owner.take());
                    fields_of_list.due = meta.due.or(fields_of_list.due);
                    fields_of_list.priority = meta.priority.or(fields_of_list.priority.take());
                    prev = Prev::Other;
                    continue;
                }
            }
        }
        match block {
            // (A title ending in a colon holds its items: `group` reads it.)
            Block::Node(n) if n.marker == Marker::None => {
                under = (!n.is_title()).then(|| n.plain_str());
            }
            Block::Node(_) => {}
            Block::Table(_) => under = None,
        }
        if !matches!(block, Block::Node(n) if n.marker != Marker::None) {
            fields_of_list = Meta::default();
            leading_fields = false;
        }
        match block {
            Block::Table(t) => reader.table(t, item_kind),
            // A letter's closing ("Sincerely,") ends the items: a signature follows.
            Block::Node(n) if is_sign_off(n) => break,
            // An explicit action label is always an item (README: "Always an item").
            Block::Node(n) if vocab::after_action_label(&n.text).is_some() => reader.item(n, None),
            Block::Node(n) => {
                if (n.is_title() && !has_own_content(n)) || is_group_label(n) {
                    reader.group(n, 0);
                } else if n.is_title() {
                    reader.item(n, None);
                } else if n.marker == Marker::None
                    && ((has_list && !adds_an_action(n))
                        || (lead_ins >= 2 && !opens_with_lead_in(n))
                        || !reads_like_item(n))
                {
                    continue;
                } else if n.marker == Marker::None || reads_like_item(n) {
                    reader.item(n, None);
                }
            }
        }
        if let Some(title) = under {
            apply_title(title, reader.out[before..].iter_mut());
        }
        for item in &mut reader.out[before..] {
            item.owner = item.owner.take().or_else(|| fields_of_list.owner.clone());
            item.due = item.due.or(fields_of_list.due);
            item.priority = item
                .priority
                .take()
                .or_else(|| fields_of_list.priority.clone());
        }
        prev = match block {
            _ if reader.out.len() == before => Prev::Other,
            Block::Node(n) if n.marker != Marker::None => Prev::BulletItem,
            Block::Node(_) => Prev::ParagraphItem,
            Block::Table(_) => Prev::Other,
        };
    }
    if done {
        for item in &mut out[first..] {
            item.done = true;
        }
    }
}

/// `Automate renewal [Alice, 2026-05-01]`, `... [@bob; P2]`: the text before a bracket that
/// ends the item and holds a login or a date, with at most names and priorities beside it,
/// and those parts. (`[High]`, `[Kubernetes]`, a reference link's `[Runbook]`, `[1.25.3]`
/// and `[2]` hold neither: the text keeps them.)
fn bracket_suffix(raw: &str) -> Option<(&str, &str)> {
    let (head, inside) = trailing_bracket(raw)?;
    if inside.contains(['[', ']']) || inline::words_up_to(head, 2) < 2 {
        return None;
    }
    let login = |p: &str| p.strip_prefix('@').is_some_and(is_login);
    let mut anchored = false;
    for p in inside.split([',', ';']).map(str::trim) {
        if login(p) || is_date_in_figures(p) {
            anchored = true;
        } else if !(is_priority_token(p) || is_name(p)) {
            return None;
        }
    }
    anchored.then_some((head, inside))
}

/// `text [inside]`: the text before a bracket that ends `raw`, and what the bracket holds.
fn trailing_bracket(raw: &str) -> Option<(&str, &str)> {
    let body = raw.trim_end().strip_suffix(']')?;
    let open = body.rfind('[')?;
    Some((body[..open].trim_end(), &body[open + 1..]))
}

/// A status in brackets before or after an item's text (`[DONE] Replace switch B7`,
/// `Replace switch B9 [wontfix]`), and the text without it.
fn bracket_status(raw: &str) -> Option<(Status, &str)> {
    let t = raw.trim();
    let (inside, rest) = match t.strip_prefix('[') {
        Some(after) => {
            let (inside, rest) = after.split_once(']')?;
            (inside, rest.trim_start())
        }
        None => {
            let (head, inside) = trailing_bracket(t)?;
            (inside, head)
        }
    };
    // (A checkbox is no status, and the text is what remains: at least two words.)
    if inside.trim().len() <= 1 || rest.starts_with(['(', '[']) || inline::words_up_to(rest, 2) < 2
    {
        return None;
    }
    Some((status_word(inside)?, rest))
}

/// `2026-05-01`, `5/1/2026`: a date in figures (one that reads two ways included: the due
/// date's reading says so).
fn is_date_in_figures(p: &str) -> bool {
    let groups: Vec<&str> = p.split(['-', '/']).collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

/// What the block before produced, for the field lines after it.
#[derive(Clone, Copy)]
enum Prev {
    BulletItem,
    ParagraphItem,
    Other,
}

/// A list item or line that is only an owner, due date, priority or status field (`- Owner:
/// @max`, `- **Due:** 2026-03-01`, `Owner: @ana. Target: 2026-05-01.`): the field, not an
/// item. Its first value must read as one: `- Done: fixed the retry loop`, `- Target: retire
/// the v1 API` and `- Priority: fix the resolver` are items.
pub(super) fn field_node<'n>(n: &'n Node, ctx: &Context) -> Option<&'n str> {
    if n.checkbox.is_some() || !n.children.is_empty() {
        return None;
    }
    let (field, value) = field_line(n)?;
    let (value, _) = split_value(value);
    let value = value.trim_end_matches(['.', ' ']);
    // (`Due date: TBD`, `Owner: n/a`: a field that says it is not set yet is still a field.)
    let unset = is_empty_value(value) && !matches!(field, Field::Text | Field::Kind | Field::Issue);
    let reads = unset
        || match field {
            Field::Owner => value
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .all(|p| {
                    p.strip_prefix('@').is_some_and(is_login)
                        || is_name(p)
                        || is_email(p)
                        || (p.ends_with(" team") && inline::words_up_to(p, 4) <= 3)
                }),
            Field::Due => time::parse_date(value, ctx.date).is_some(),
            Field::Priority => is_priority_token(value) || is_priority_word(value),
            Field::Status => status_word(value).is_some(),
            Field::Text | Field::Kind | Field::Issue => false,
        };
    reads.then(|| n.plain_str())
}

/// A node's text and the texts of everything nested under it, in order: an item's detail
/// keeps its sub-lists whole.
fn push_with_descendants(n: &Node, out: &mut Vec<String>, depth: usize) {
    out.push(n.plain());
    if depth < blocks::MAX_DEPTH {
        for child in &n.children {
            push_with_descendants(child, out, depth + 1);
        }
    }
}

/// Whether a title line ending in a colon says something of its own before it: "Jump server
/// access: configure an external jump host, allowing:" is an item whose children are its
/// detail; "Monitoring Enhancements:" only groups the items under it.
fn has_own_content(n: &Node) -> bool {
    let t = n.plain_str().trim().trim_end_matches(':');
    t.split_once(": ")
        .is_some_and(|(_, own)| inline::words_up_to(own, 3) >= 3)
}

/// Whether a paragraph opens with a bold lead-in that more text follows: `**Faster
/// rollback.** We will add...`, `__Paging:__ route alerts...`.
fn opens_with_lead_in(n: &Node) -> bool {
    let t = n.text.trim_start();
    ["**", "__"].iter().any(|mark| {
        t.strip_prefix(mark)
            .and_then(|rest| rest.split_once(mark))
            .is_some_and(|(lead, after)| !lead.trim().is_empty() && !after.trim().is_empty())
    })
}

/// Whether the blocks hold a list item or a table.
pub(super) fn has_list(blocks: &[Block<'_>]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Node(n) => n.marker != Marker::None,
        Block::Table(_) => true,
    })
}

/// Openings of sentences that introduce or conclude a list rather than promise work (also
/// the apologies and offers of help that close a company's post, "We're sorry for...", "If
/// you have questions..."), in byte order: [`OPENINGS_BY_LETTER`] finds those with a given first letter.
const PROSE_OPENINGS: [&str; 66] = [
    "again, we",
    "approved by",
    "approved for",
    "author:",
    "authored by",
    "but of course",
    "by addressing",
    "by implementing",
    "by sipping",
    "by taking",
    "edited by",
    "feel free",
    "for more information",
    "for questions",
    "if you have",
    "in conclusion",
    "in short",
    "in summary",
    "note that",
    "note:",
    "our apologies",
    "overall",
    "please contact",
    "please reach out",
    "prepared by",
    "report prepared",
    "reviewed by",
    "so dear",
    "so, ",
    "sorry for",
    "thank",
    "that is all",
    "that's all",
    "that's it",
    "that\u{2019}s all",
    "that\u{2019}s it",
    "the following",
    "these actions",
    "these measures",
    "these steps",
    "these tasks",
    "this document",
    "this incident",
    "this outage",
    "this post-mortem",
    "this postmortem",
    "this report",
    "to conclude",
    "to summarise",
    "to summarize",
    "we apologise",
    "we apologize",
    "we are confident",
    "we are sorry",
    "we assure",
    "we believe",
    "we deeply",
    "we know how",
    "we regret",
    "we sincerely",
    "we take",
    "we understand",
    "we will share",
    "we'll share",
    "we're sorry",
    "written by",
];

/// For each letter `a..=z`, the range of [`PROSE_OPENINGS`] that starts with it.
const OPENINGS_BY_LETTER: [(u8, u8); 26] = {
    let mut ranges = [(0u8, 0u8); 26];
    let mut i = 0;
    while i < PROSE_OPENINGS.len() {
        let letter = (PROSE_OPENINGS[i].as_bytes()[0] - b'a') as usize;
        if ranges[letter].1 == 0 {
            ranges[letter].0 = i as u8;
        }
        ranges[letter].1 = i as u8 + 1;
        i += 1;
    }
    ranges
};

fn is_sign_off(n: &Node) -> bool {
    if n.plain_str().len() > 24 {
        return false;
    }
    // A signature: `-- Ravi`, `-- The infra team`.
    if n.marker == Marker::None && n.text.starts_with("-- ") {
        return true;
    }
    let p = n.plain_str().to_lowercase();
    let p = p.trim().trim_end_matches([',', '.', '!']);
    matches!(
        p,
        "sincerely"
            | "regards"
            | "best regards"
            | "kind regards"
            | "best"
            | "cheers"
            | "thanks"
            | "thank you"
            | "yours truly"
            | "yours sincerely"
            | "warm regards"
    )
}

/// `[prevent] text`: an item's type in brackets ([`type_kind`]) and the text after it.
fn bracket_type(t: &str) -> Option<(crate::model::ItemKind, &str)> {
    let (inside, rest) = t.strip_prefix('[')?.split_once(']')?;
    Some((super::tables::type_kind(inside)?, rest))
}

/// Whether a list item is a group label without a colon: a few words in bold (`-
/// **Caching**` over `- Add a TTL`, `- Warm on deploy`) or one word (`1. Monitoring`), and
/// under them only list items that read as items. A bold title over prose or fields is an
/// item with its detail.
fn is_group_label(n: &Node) -> bool {
    let t = n.text.trim();
    let bold = ["**", "__"].iter().any(|m| {
        t.len() > 4 && t.starts_with(m) && t.ends_with(m) && !t[2..t.len() - 2].contains(m)
    });
    let one_word = inline::words_up_to(t, 2) == 1 && t.starts_with(char::is_uppercase);
    // "Short term", "Phase 2" (when), "Before GC is re-enabled" (a condition): words that
    // group actions, not an action.
    let plain = n.plain_str().trim();
    let first = plain.split(' ').next().unwrap_or_default();
    let groups = vocab::is_group_heading(plain)
        || ["before", "after", "during", "until", "once"]
            .iter()
            .any(|w| first.eq_ignore_ascii_case(w));
    (bold || one_word || groups)
        && n.marker != Marker::None
        && inline::words_up_to(n.plain_str(), 7) <= 6
        && !n.plain_str().ends_with('.')
        && !n.children.is_empty()
        && n.children
            .iter()
            .all(|c| c.marker != Marker::None && field_line(c).is_none() && reads_like_item(c))
}

fn reads_like_item(n: &Node) -> bool {
    let p = n.plain_str();
    let t = p.trim();
    // A bullet that is only a link to an issue, or only a reference to one (`- #412`,
    // `- group/project#77`), is an item: the issue.
    if n.marker != Marker::None
        && !t.contains(' ')
        && (issue_in_links(&n.text).is_some() || issue_ref(t).is_some())
    {
        return true;
    }
    // (A task-list box or an owner makes it a typed item: `- [ ] Detect: alert on saturation`.)
    if is_legend_entry(t) && n.checkbox.is_none() && !t.contains('@') {
        return false;
    }
    // A line ending in a colon introduces what follows; a bullet with nothing under it
    // does not (its last wrapped line just ends so: "... with these thresholds:").
    let introduces = t.ends_with(':') && (n.marker == Marker::None || !n.children.is_empty());
    if introduces || t.len() < 3 || !t.chars().any(char::is_alphabetic) {
        return false;
    }
    // A paragraph wholly in italics is a template's guidance ("*List the actions that will
    // prevent a recurrence. How will you know they work?*"), not an item.
    if n.marker == Marker::None && wholly_italic(n.text.trim()) {
        return false;
    }
    // A bare link is a reference ("- https://docs.example.com/runbook", "- https://grafana/...
    // lag dashboard"), unless it links the item's issue and words follow it in a list item
    // ("- https://.../issues/991 - Rate-limit the retry storm").
    if t.starts_with("http://") || t.starts_with("https://") {
        let (link, after) = t.split_once(' ').unwrap_or((t, ""));
        let words = inline::words_up_to(link_separator_cut(after), 2);
        if n.marker == Marker::None || words < 2 || bare_issue_url(link).is_none() {
            return false;
        }
    }
    // The openings are ASCII: an ASCII start is lower-cased once into a buffer, and only
    // the openings with its first letter are compared.
    let start = &t.as_bytes()[..t.len().min(24)];
    let prose = if start.is_ascii() {
        let mut lower = [0u8; 24];
        lower[..start.len()].copy_from_slice(start);
        lower.make_ascii_lowercase();
        let lower = &lower[..start.len()];
        let letter = usize::from(lower[0].wrapping_sub(b'a'));
        let (from, to) = OPENINGS_BY_LETTER.get(letter).copied().unwrap_or((0, 0));
        PROSE_OPENINGS[usize::from(from)..usize::from(to)]
            .iter()
            .any(|o| lower.starts_with(o.as_bytes()))
    } else {
        let head: String = t.chars().take(24).flat_map(char::to_lowercase).collect();
        PROSE_OPENINGS.iter().any(|o| head.starts_with(o))
    };
    if prose {
        return false;
    }
    // A lower-case fragment of a word or two is the tail of a wrapped sentence.
    if n.marker == Marker::None
        && t.starts_with(|c: char| c.is_lowercase())
        && inline::words_up_to(t, 3) < 3
    {
        return false;
    }
    // 81 words take at least 161 bytes.
    n.marker != Marker::None || t.len() < 161 || inline::words_up_to(t, 81) <= 80
}

/// Whether a paragraph beside a list adds one more action to it rather than introducing or
/// concluding it: it says so in its first words ("We are also rotating production
/// resources.", "Finally, we should restrict access to the deploy hosts.", "Additionally,
/// ..."), introduces nothing (no colon at its end) and thanks or apologises for nothing.
fn adds_an_action(n: &Node) -> bool {
    let t = n.plain_str().trim();
    let opens = |p: &str| inline::starts_with_ascii_ci(t, p);
    let also = t
        .split_whitespace()
        .take(5)
        .any(|w| w.eq_ignore_ascii_case("also"));
    let courtesy = ["thank", "apolog", "sorry", "following"]
        .iter()
        .any(|w| inline::find_ascii_ci(t, 0, w).is_some());
    (also || opens("finally,") || opens("additionally,") || opens("in addition,"))
        && !t.ends_with(':')
        && !courtesy
}

/// Whether `text` is one span of emphasis, `*...*` or `_..._` (not bold).
fn wholly_italic(text: &str) -> bool {
    [("*", "**"), ("_", "__")].iter().any(|(m, bold)| {
        text.len() > 2
            && text.starts_with(m)
            && text.ends_with(m)
            && !text.starts_with(bold)
            && !text.ends_with(bold)
            && !text[1..text.len() - 1].contains(m)
    })
}

/// The text after a link that opens an item, without the dash or colon that parts them.
fn link_separator_cut(after: &str) -> &str {
    after.trim_start_matches([' ', '-', '–', '—', ':', '|'])
}

/// Whether a line defines a term of a legend: a priority (`P0`..`P4`) or a Type value,
/// then `:`, `=` or a dash, then its meaning.
fn is_legend_entry(t: &str) -> bool {
    let Some(end) = t.find([':', '=', ' ']) else {
        return false;
    };
    let term = &t[..end];
    let rest = t[end..].trim_start_matches(' ');
    let defines = rest.starts_with([':', '=', '-', '\u{2013}', '\u{2014}']);
    defines && (is_priority_token(term) || vocab::is_legend_term(term))
}

impl Reader<'_> {
    /// A title line and the items under it.
    pub(super) fn group(&mut self, title: &Node, depth: usize) {
        let name = title
            .plain()
            .trim()
            .trim_end_matches(':')
            .trim()
            .to_string();
        if title.children.is_empty() {
            return;
        }
        // `Task: ...` / `Deadline: ...` lines under a title describe one item.
        let fields: Vec<(Field, &str, usize)> = title
            .children
            .iter()
            .filter_map(|c| field_line(c).map(|(f, v)| (f, v, c.line_no)))
            .collect();
        if fields.len() == title.children.len() && fields.iter().any(|(f, ..)| *f == Field::Text) {
            let mut meta = Meta::default();
            let mut text = None;
            for (field, value, line) in &fields {
                self.apply_field(*field, value, *line, &mut meta, &mut text);
            }
            if let Some((value, line)) = text {
                let kind = meta.kind.unwrap_or(self.item_kind);
                self.push(&value, None, Some(&name), kind, meta, false, line);
            }
            return;
        }
        let first = self.out.len();
        for child in &title.children {
            if ((child.is_title() && !has_own_content(child)) || is_group_label(child))
                && !child.children.is_empty()
                && depth < 4
            {
                self.group(child, depth + 1);
            } else if let Some((field, value)) =
                field_line(child).filter(|(f, _)| *f != Field::Text)
            {
                // `Owner: x` after an item belongs to that item.
                if let Some(last) = self.out.last_mut() {
                    if last.group.as_deref() == Some(name.as_str()) {
                        let mut meta = Meta::default();
                        let mut text = None;
                        self.apply_field(field, value, child.line_no, &mut meta, &mut text);
                        let last = self.out.last_mut().expect("checked above");
                        merge(last, meta);
                    }
                }
            } else if reads_like_item(child) {
                self.item(child, Some(&name));
            }
        }
        // "Completed:", `@alice:` over its items (a group nested under it says for its own).
        let own = self.out[first..]
            .iter_mut()
            .filter(|item| item.group.as_deref() == Some(name.as_str()));
        apply_title(&name, own);
    }

    /// One item from a list item or a bare line.
    pub(super) fn item(&mut self, n: &Node, group: Option<&str>) {
        let mut meta = Meta {
            done: n.checkbox == Some(true),
            ..Meta::default()
        };
        let raw = &*n.text;
        if super::is_bracketed_blank(raw) {
            self.placeholder(raw.trim(), n.line_no);
            return;
        }
        // A link to an issue names it, and its label is one of the item's tags.
        match issue_link(raw) {
            Some((label, url)) => {
                meta.issue = Some(IssueRef::Url(url.to_string()));
                meta.issue_label = Some(inline::plain(label));
            }
            None => meta.issue = bare_issue_url(raw),
        }
        // `Action item: text` / `**[Action Item]** text`: the label is not part of the text.
        let labelled = vocab::after_action_label(raw);
        let unlabelled = labelled.unwrap_or(raw);
        // `TODO(alice): ...`: the label's note names the owner (a login), or the priority;
        // other notes (`(short term)`, `(optional)`, `(AI-3)`) qualify the item.
        if let Some(note) = labelled.and_then(|_| vocab::label_note(raw)) {
            let login = note.strip_prefix('@').unwrap_or(note);
            if is_priority_token(note) {
                meta.priority = Some(note.to_string());
            } else if is_login(login)
                && (note.starts_with('@')
                    || (login
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || matches!(c, '-' | '_'))
                        && !matches!(
                            login,
                            "later" | "optional" | "maybe" | "stretch" | "someday" | "tbd"
                        )))
            {
                meta.owner = Some(login.to_string());
            }
        }
        // `[name] text` / `(team) text` / `Owner: @mei — text`: an owner written before the
        // item (cut from the text); `[OPS-12] text`, `#123 text`: its issue (the text keeps it,
        // as written).
        // `text [Alice, 2026-05-01]`: the owner and due date in brackets after the item.
        let suffix = bracket_suffix(unlabelled);
        let unlabelled = match suffix {
            Some((head, parts)) => {
                for part in parts.split([',', ';']).map(str::trim) {
                    if is_priority_token(part) {
                        meta.priority = Some(part.to_string());
                    } else if part.starts_with(|c: char| c.is_ascii_digit()) {
                        self.due(part, n.line_no, &mut meta);
                    } else {
                        self.owner(part, n.line_no, &mut meta);
                    }
                }
                head
            }
            None => unlabelled,
        };
        // `[DONE] Replace switch B7`, `Replace switch B9 [wontfix]`: a status in brackets.
        let status = bracket_status(unlabelled);
        let unlabelled = match status {
            Some((status, rest)) => {
                meta.done |= status == Status::Done;
                meta.not_planned |= status == Status::Dropped;
                rest
            }
            None => unlabelled,
        };
        // `[P2] [Infra] Increase ...`, `[High] Add a load test`, `**[prevent]** Block deploys`:
        // a priority or a type in brackets opens the item, before an owner's prefix.
        let mut tagged = false;
        let unlabelled = {
            let mut rest = unlabelled;
            loop {
                let t = rest.trim_start_matches(['*', '_']);
                if let Some((p, after)) = Some(t)
                    .filter(|t| t.starts_with('['))
                    .and_then(leading_priority)
                {
                    meta.priority = Some(p.to_string());
                    rest = after.trim_start_matches(['*', '_', ' ']);
                } else if let Some((kind, after)) = bracket_type(t) {
                    meta.kind = Some(kind);
                    rest = after.trim_start_matches(['*', '_', ' ']);
                } else {
                    break rest;
                }
                tagged = true;
            }
        };
        let prefix = owner_prefix(unlabelled)
            .map(|(owner, rest)| (owner.to_string(), rest))
            .or_else(|| owner_field_prefix(unlabelled));
        if let Some((owner, _)) = &prefix {
            meta.owner = Some(owner.clone());
        } else if meta.issue.is_none() {
            meta.issue = issue_prefix(unlabelled).map(|(issue, _)| issue);
        }
        let cut = suffix.is_some() || status.is_some() || tagged;
        let rewritten = match (labelled.or(cut.then_some(unlabelled)), prefix) {
            (_, Some((_, rest))) => Some(inline::plain(rest)),
            (Some(rest), None) => Some(inline::plain(rest)),
            (None, None) => None,
        };
        // `https://.../issues/991 - Rate-limit the retry storm`: the link to the item's issue
        // opens the line; the text is what follows it.
        let after_link = match &meta.issue {
            Some(IssueRef::Url(url)) if rewritten.is_none() => n
                .plain_str()
                .trim_start()
                .strip_prefix(url.as_str())
                .map(link_separator_cut)
                .filter(|rest| !rest.is_empty()),
            _ => None,
        };
        let plain = rewritten
            .as_deref()
            .map_or(after_link.unwrap_or(n.plain_str()), |p| {
                p.trim_end_matches(['*', '_']).trim()
            });
        let mut text = self.strip_meta(plain, n.line_no, &mut meta);
        // A struck-through action (`~~Rewrite the indexer~~ (dropped)`) is no longer open.
        // (The strike covers the action, a note in brackets may follow: not `~~Rewrite~~
        // Replace the indexer`.)
        let struck = raw.trim_start().strip_prefix("~~").is_some_and(|r| {
            r.split_once("~~").is_some_and(|(_, after)| {
                let after = after.trim();
                after.is_empty() || after.starts_with(['(', '['])
            })
        });
        // `~~Move the workers~~ Won't fix`: a status written after the strike says what
        // became of the action; the action is the struck text.
        let struck_status = raw.trim_start().strip_prefix("~~").and_then(|r| {
            let (inner, after) = r.split_once("~~")?;
            let status = status_word(after.trim().trim_matches(['-', '—', '–', ':', '.', ' ']))?;
            Some((inner, status))
        });
        if let Some((inner, status)) = struck_status {
            text = std::borrow::Cow::Owned(inline::plain(inner));
            meta.done |= status == Status::Done;
            meta.not_planned |= status == Status::Dropped;
        }
        // (Struck through with a note that says dropped, `(won't do)`, it is not planned.)
        if raw.trim_start().starts_with(":white_check_mark:")
            || (struck || plain.is_empty() && raw.contains("~~")) && !meta.not_planned
        {
            meta.done = true;
        }
        // Lines nested under an item: metadata or detail.
        let mut detail = Vec::new();
        for child in &n.children {
            match field_line(child) {
                Some((field, value)) if field != Field::Text => {
                    let mut t = None;
                    self.apply_field(field, value, child.line_no, &mut meta, &mut t);
                }
                _ => push_with_descendants(child, &mut detail, 0),
            }
        }
        if text.is_empty() {
            // A bullet that is only a link to an issue (`- https://.../issues/123`,
            // `- [#123](url)`): the item is the linked issue, and its reference.
            let whole = plain.trim();
            if meta.issue.is_none() || whole.is_empty() {
                return;
            }
            text = Cow::Owned(whole.to_string());
        }
        if meta.issue.is_none() && !text.contains(' ') {
            // `- group/project#77`: the reference alone is the item's issue too.
            meta.issue = issue_ref(&text);
        }
        if let Some((_, value)) = field_line_text(&text).filter(|(f, _)| *f == Field::Text) {
            text = Cow::Owned(value.to_string());
        }
        let kind = meta.kind.unwrap_or(self.item_kind);
        let extra = (!detail.is_empty()).then(|| detail.join("\n"));
        self.push(
            &text,
            extra,
            group,
            kind,
            meta,
            n.checkbox.is_some(),
            n.line_no,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::items::tests::*;

    #[test]
    fn a_field_line_under_a_lead_in_paragraph_is_its_item_s_and_a_number_in_bold_numbers_it() {
        let pm = parse(
            "## Remediation\n\n**1. Add jitter to cache expiry.** Keys expired together.\n\
             Owner: @ana. Target: 2026-05-01.\n\n\
             **2) Alert on cache hit ratio.** We noticed late.\nOwner: @ben, due 2026-05-15\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Add jitter to cache expiry.", Some("ana"), date(2026, 5, 1)),
                ("Alert on cache hit ratio.", Some("ben"), date(2026, 5, 15)),
            ]
        );
        assert_eq!(
            pm.actions[0].detail.as_deref(),
            Some("Keys expired together.")
        );
    }

    #[test]
    fn a_bracket_of_names_and_dates_that_ends_an_item_gives_its_owner_and_due_date() {
        let pm = parse(
            "Date: 2026-04-01\n\n## Action items\n\n- [ ] Automate renewal [Alice, 2026-05-01]\n\
             - [x] Inventory certificates [@carl]\n- Add alerts [@bob; P2]\n\
             - Fix the runbook [see runbook]\n- Read [the docs]\n\
             - Move the scheduler to [Kubernetes]\n- Add a breaker [High]\n\
             - Upgrade nginx [1.25.3]\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Automate renewal", Some("Alice"), date(2026, 5, 1)),
                ("Inventory certificates", Some("carl"), None),
                ("Add alerts", Some("bob"), None),
                // A bracket without a login or a date is the text's.
                ("Fix the runbook see runbook", None, None),
                ("Read the docs", None, None),
                ("Move the scheduler to Kubernetes", None, None),
                ("Add a breaker High", None, None),
                ("Upgrade nginx 1.25.3", None, None),
            ]
        );
        assert_eq!(pm.actions[2].priority.as_deref(), Some("P2"));
        assert!(pm.actions[1].done);
    }

    #[test]
    fn the_bullets_of_documents_exported_from_editors_mark_items() {
        // Google Docs and Slack write a nested list's bullets as `◦`; others `‣`, `⁃`.
        let pm = parse(
            "## Action items\n\n• Add a canary stage (@dana)\n  ◦ Alert on error budget burn\n\
             ‣ Write the rollback runbook\n⁃ Page on queue lag\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Add a canary stage",
                "Write the rollback runbook",
                "Page on queue lag"
            ]
        );
        // (Nested under an item, as `-` bullets are: its detail.)
        assert_eq!(
            pm.actions[0].detail.as_deref(),
            Some("Alert on error budget burn")
        );
    }

    #[test]
    fn a_bullet_that_is_only_a_field_is_the_list_s_or_the_item_s_field_not_an_item() {
        let pm = parse(
            "## Action items\n\n**Monitoring**\n\n- Owner: @max\n- Add a failure-rate alert\n\
             - Add a latency alert (owner: @zed)\n\n\
             Storage:\n\n- Move backups offsite\n- **Owner:** @amy\n- Due: 2026-05-01\n\n\
             - Due: add the due-date check to CI\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Add a failure-rate alert", Some("max"), None),
                ("Add a latency alert", Some("zed"), None),
                ("Move backups offsite", Some("amy"), date(2026, 5, 1)),
                // A field's key opening a sentence is an item.
                ("Due: add the due-date check to CI", None, None),
            ]
        );
        // Keys before values that are no field's: items, and nothing of theirs goes to the
        // items around them.
        let pm = parse(
            "## Action items\n\n- Add canary checks\n- Done: fixed the retry loop\n\
             - Priority: fix the DNS resolver\n- Target: retire the v1 API\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.done, a.priority.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("Add canary checks", false, None),
                ("Done: fixed the retry loop", false, None),
                ("Priority: fix the DNS resolver", false, None),
                ("Target: retire the v1 API", false, None),
            ]
        );
        // A list that opens with a field: each field holds for the items after it. Field
        // lines under a table are the document's, not its last row's.
        let pm = parse(
            "## Action items\n\n- Owner: @alice\n- Add retries\n- Owner: @bob\n- Add alerting\n\n\
             | Action | Owner |\n|---|---|\n| Page on lag | @b |\n\n\
             Date: 2026-03-02\n\nStatus: Complete\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                ("Add retries", Some("alice"), None),
                ("Add alerting", Some("bob"), None),
                ("Page on lag", Some("b"), None),
            ]
        );
        assert!(!pm.actions[2].done);
    }

    #[test]
    fn beside_paragraphs_with_bold_lead_ins_plain_paragraphs_are_prose() {
        let pm = parse(
            "# Outage\n\n## What we're doing about it\n\nWe are making three changes.\n\n\
             **Validating config pushes.** Every push is checked on a canary edge first.\n\n\
             **Faster rollback.** We will add a one-click rollback.\n\n\
             We will publish an update once these are done.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Validating config pushes. Every push is checked on a canary edge first.",
                "Faster rollback. We will add a one-click rollback.",
            ]
        );
        // Without lead-ins, each paragraph is an item.
        let pm = parse("## Action items\n\nAdd a canary edge.\n\nAdd a rollback button.\n");
        assert_eq!(texts(&pm), ["Add a canary edge.", "Add a rollback button."]);
    }

    #[test]
    fn checklists_without_list_markers_and_lettered_lists() {
        // As checklists arrive pasted from documents and chats, and lettered sub-lists.
        let pm = parse(
            "## Action items\n\n\u{2610} Add a login check \u{2013} Owner: Ana\n\
             \u{2611}\u{fe0f} Rotate the signing key\n\
             [ ] Review session TTLs @eve\n\
             \u{2705} Fix the clock skew check\n\
             1) Alert on token errors (Owner - Cy, Due date - 2025-05-10)\n\
             a. Document the key rotation\n\
             b) Load-test the auth service\n",
        );
        let got: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref(), a.done))
            .collect();
        assert_eq!(
            got,
            [
                ("Add a login check", Some("Ana"), false),
                ("Rotate the signing key", None, true),
                ("Review session TTLs", Some("eve"), false),
                ("Fix the clock skew check", None, true),
                ("Alert on token errors", Some("Cy"), false),
                ("Document the key rotation", None, false),
                ("Load-test the auth service", None, false),
            ]
        );
        assert_eq!(pm.actions[4].due, date(2025, 5, 10));
        // A letter with a period in prose is no marker: "e.g." has no space after it.
        assert_eq!(blocks::marker("e.g. this").0, blocks::Marker::None);
    }

    #[test]
    fn a_prevention_topic_under_lessons_learned_is_a_lesson() {
        let pm = parse(
            "## Takeaways\n\n### Email Prevention\n\nSPF and DKIM help prevent phishing.\n\n\
             ### Action items\n\n- Enable DMARC reports\n",
        );
        assert_eq!(texts(&pm), ["Enable DMARC reports"]);
    }

    #[test]
    fn beside_a_heading_that_names_actions_an_unnamed_one_is_not_an_action_section() {
        let pm = parse(
            "## Future Work\n\n### Identified Problems:\n\n- No redundant router.\n\n\
             ### Improvement Plan:\n\n- Add a second router.\n\n## Follow-ups\n\n\
             ### Network\n\n- Document the VPN fallback.\n",
        );
        assert_eq!(
            texts(&pm),
            ["Add a second router.", "Document the VPN fallback."]
        );
    }

    #[test]
    fn a_paragraph_over_action_subsections_introduces_them() {
        let pm = parse(
            "## Action items\n\nThese are grouped by area. Every item has an issue.\n\n\
             ### Process improvements\n\n1. Write a testing policy\n\n\
             ### Technical improvements\n\n1. Enable logging on all hubs\n",
        );
        assert_eq!(
            texts(&pm),
            ["Write a testing policy", "Enable logging on all hubs"]
        );
    }

    #[test]
    fn a_paragraph_that_adds_one_more_action_beside_a_list_is_an_item() {
        let pm = parse(
            "## Improvements\n\nWe will make the following changes:\n\n\
             - Alert 30 days before any certificate expires.\n\n\
             We also want to move to token-based APNs authentication.\n\n\
             Finally, we should restrict network access for the deploy hosts.\n\n\
             We also want to thank the on-call team for their quick response.\n\n\
             These changes will make renewals boring.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Alert 30 days before any certificate expires.",
                "We also want to move to token-based APNs authentication.",
                "Finally, we should restrict network access for the deploy hosts."
            ]
        );
    }

    #[test]
    fn a_label_that_introduces_action_subsections_leaves_them_actions() {
        let pm = parse(
            "## Action items\n\nHere is what we are going to do:\n\n\
             ### Registry\n\n1. Run GC with a grace period.\n\n\
             ### CI\n\n1. Retry pulls with backoff.\n",
        );
        assert_eq!(
            texts(&pm),
            ["Run GC with a grace period.", "Retry pulls with backoff."]
        );
    }

    #[test]
    fn a_review_s_sign_off_lines_are_no_items() {
        let pm = parse(
            "## Next steps\n\n- Alert at 80% disk usage\n\n---\n\n\
             - Reviewed by: Maria Costa (DBRE lead)\n- Approved for publication on 2024-09-19\n",
        );
        assert_eq!(texts(&pm), ["Alert at 80% disk usage"]);
    }

    #[test]
    fn a_question_ends_its_sentence_in_notes() {
        let (a, _) = one_item("- iteration loop for a single worker type? could we interleave?");
        assert_eq!(a.text, "iteration loop for a single worker type?");
        assert_eq!(a.detail.as_deref(), Some("could we interleave?"));
    }

    #[test]
    fn a_wrapped_line_ending_in_a_colon_does_not_cut_the_items_after_it() {
        let pm = parse(
            "## Action Items\n\n- Add an alert on the queue depth, with these\n  thresholds:\n\
             - Rotate the keys\n\nAction item: move the backups to another region, as\n\
             discussed in the review.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Add an alert on the queue depth, with these thresholds",
                "Rotate the keys",
                "move the backups to another region, as discussed in the review.",
            ]
        );
    }

    #[test]
    fn a_legend_under_an_action_heading_is_not_an_item() {
        let pm = parse(
            "## Action Items\n\nPriorities:\n\n- P0: drop everything\n- P1: this sprint\n\n\
             | Action | Type | Priority |\n|---|---|---|\n| Add alerts | prevent | P1 |\n\n\
             Type: mitigate = stop the bleeding, prevent = stop it happening again\n",
        );
        assert_eq!(texts(&pm), ["Add alerts"]);
        // A task-list box or an owner says an item opens with its type, not a legend.
        let pm = parse(
            "## Corrective Actions\n\n* [ ] **Detect**: alert on pool saturation\n\
             * [x] Mitigate: restart the workers\n* Prevent: cap the pool @sre\n",
        );
        assert_eq!(
            texts_done(&pm),
            [
                ("Detect: alert on pool saturation", false),
                ("Mitigate: restart the workers", true),
                ("Prevent: cap the pool", false)
            ]
        );
    }

    #[test]
    fn an_item_keeps_its_nested_list_and_continuation_paragraph() {
        let pm = parse(
            "## Action Items\n\n1. Add disk alerts on every database host.\n\n   \
             They fire at 80% and page at 90%.\n   - warning at 80%\n   - page at 90%\n\
             2. Rotate the keys\n",
        );
        assert_eq!(
            texts(&pm),
            ["Add disk alerts on every database host.", "Rotate the keys"]
        );
        let detail = pm.actions[0].detail.as_deref().unwrap_or_default();
        assert!(detail.contains("They fire at 80%"), "{detail:?}");
        assert!(detail.contains("page at 90%"), "{detail:?}");
    }

    #[test]
    fn a_bold_label_over_a_list_of_items_groups_them() {
        let pm = parse(
            "## Action items\n\n- **Caching**\n  - Add a TTL to the session cache\n  \
             - Warm the cache on deploy\n- **Monitoring**\n  - Alert on pool saturation\n\
             - Rotate the keys\n",
        );
        assert_eq!(
            texts_groups(&pm),
            [
                ("Add a TTL to the session cache", Some("Caching")),
                ("Warm the cache on deploy", Some("Caching")),
                ("Alert on pool saturation", Some("Monitoring")),
                ("Rotate the keys", None),
            ]
        );
    }

    #[test]
    fn a_bold_title_is_the_item_and_the_lines_under_it_its_detail() {
        let pm = parse(
            "## Action Items\n\n1. **Split the consumer pool**\n   \
             The pool is shared by three services today.\n   - Owner: @jo\n\
             2. **Add alerting**: page on queue depth\n   over 1000 messages.\n\
             3. **Review the retry\n   policy**\n\
             4. **Split the queue**\n   across two hosts, owner: @jo, due 2026-04-01\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Split the consumer pool",
                "Add alerting: page on queue depth over 1000 messages.",
                "Review the retry policy",
                // A line going on the title's sentence joins it, with its fields.
                "Split the queue across two hosts"
            ]
        );
        assert_eq!(pm.actions[3].owner.as_deref(), Some("jo"));
        assert_eq!(pm.actions[0].owner.as_deref(), Some("jo"));
        let detail = pm.actions[0].detail.as_deref().unwrap_or_default();
        assert!(detail.contains("shared by three services"), "{detail:?}");
    }

    #[test]
    fn a_struck_through_action_is_no_longer_open() {
        let pm = parse(
            "## Action items\n\n- ~~Rewrite the indexer~~ (dropped)\n- [ ] ~~Add a cache~~\n\
             - Rewrite the ~~indexer~~ crawler\n- [ ] ~~Rewrite~~ Replace the indexer\n",
        );
        let state: Vec<(bool, bool)> = pm.actions.iter().map(|a| (a.done, a.not_planned)).collect();
        // Struck through: finished, or, with a note that says so, dropped.
        assert_eq!(
            state,
            [(false, true), (true, false), (false, false), (false, false)]
        );
    }

    #[test]
    fn items_under_a_title_or_heading_that_says_completed_are_done() {
        for (done_title, open_title) in [
            ("Completed:", "Open:"),
            ("Done already", "Still to do"),
            ("Done already:", "Still to do:"),
            ("**Completed**", "**Outstanding**"),
            ("### Completed actions", "### Open actions"),
            ("### Done", "### Not done yet"),
        ] {
            let pm = parse(&format!(
                "## Action items\n\n{done_title}\n\n- Restart the consumers\n\n\
                 {open_title}\n\n- Add lag alerting\n"
            ));
            assert_eq!(
                texts_done(&pm),
                [("Restart the consumers", true), ("Add lag alerting", false)],
                "{done_title} / {open_title}"
            );
        }
    }

    #[test]
    fn a_title_that_says_something_else_of_done_leaves_its_items_open() {
        for title in [
            "Complete by Friday:",
            "Done next sprint:",
            "Definition of done:",
        ] {
            let pm = parse(&format!(
                "## Action items\n\n{title}\n- Restart the consumers\n"
            ));
            assert_eq!(
                texts_done(&pm),
                [("Restart the consumers", false)],
                "{title}"
            );
        }
        // A group nested under a finished one says for its own items.
        let pm = parse(
            "## Action items\n\nCompleted:\n- Restart the consumers\n- Open:\n  \
             - Add lag alerting\n",
        );
        assert_eq!(
            texts_done(&pm),
            [("Restart the consumers", true), ("Add lag alerting", false)]
        );
    }

    #[test]
    fn a_login_over_items_owns_those_that_name_no_owner() {
        let pm = parse(
            "## Action items\n\n@alice:\n- [ ] Fix the queue\n- [ ] Add alerts (owner: @li)\n\n\
             **@bob**\n- [ ] Rotate keys\n\n### @carol\n- [ ] Write the runbook\n\n\
             @dan\n\n- [ ] Page on lag\n",
        );
        let owners: Vec<_> = pm.actions.iter().map(|a| a.owner.as_deref()).collect();
        assert_eq!(
            owners,
            [
                Some("alice"),
                Some("li"),
                Some("bob"),
                Some("carol"),
                Some("dan")
            ]
        );
    }

    #[test]
    fn a_login_after_any_letter_is_read_without_cutting_a_character() {
        let pm = parse("## Action Items\n\n- Fix 😀 @bob\n- Fix é by @ana\n");
        let owners: Vec<_> = pm.actions.iter().map(|a| a.owner.as_deref()).collect();
        assert_eq!(owners, [Some("bob"), Some("ana")]);
    }

    #[test]
    fn actions_taken_beside_actions_planned_are_done_items() {
        let pm = parse(
            "## Incident 1: queue stalled\n\n**Actions taken:**\n\n- Restarted the consumers\n\n\
             **Actions planned:**\n\n- Add a queue depth alert\n\n## Incident 2\n\n\
             ### Actions taken\n\n- Investigated the logs\n",
        );
        assert_eq!(
            texts_done(&pm),
            [
                ("Restarted the consumers", true),
                ("Add a queue depth alert", false)
            ]
        );
    }

    #[test]
    fn a_title_with_content_of_its_own_is_an_item() {
        let pm = parse(
            "## Improvement Plan\n\nNetwork Redundancy:\n - Add a second router.\n\n\
             Jump Server Access: Configure an external jump host, allowing:\n\
             - Simple SSH access.\n - Per-user keys.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Add a second router.",
                "Jump Server Access: Configure an external jump host, allowing"
            ]
        );
        let detail = pm.actions[1].detail.as_deref().unwrap_or_default();
        assert!(detail.contains("Per-user keys."), "{detail:?}");
    }

    #[test]
    fn openings_by_letter_holds_every_opening_once() {
        assert!(PROSE_OPENINGS.windows(2).all(|w| w[0] < w[1]));
        for (k, &(from, to)) in OPENINGS_BY_LETTER.iter().enumerate() {
            let letter = b'a' + k as u8;
            let want: Vec<_> = PROSE_OPENINGS
                .iter()
                .filter(|o| o.as_bytes()[0] == letter)
                .collect();
            let got: Vec<_> = PROSE_OPENINGS[usize::from(from)..usize::from(to)]
                .iter()
                .collect();
            assert_eq!(got, want, "{}", letter as char);
        }
    }

    #[test]
    fn a_company_post_s_closing_apology_and_offer_of_help_are_no_items() {
        let pm = parse(
            "## Next steps\n\nWe will monitor the expiry of every certificate.\n\n\
             We have already removed the certificate from the wiki.\n\n\
             We're sorry for the disruption this caused.\n\n\
             Again, we apologize to everyone affected.\n\n\
             If you have further questions, please contact support.\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "We will monitor the expiry of every certificate.",
                "We have already removed the certificate from the wiki."
            ]
        );
    }

    #[test]
    fn a_numbered_word_over_a_list_of_items_groups_them() {
        let pm = parse(
            "## Action items\n\n1. Monitoring\n   - Add alerting on disk\n   - Add alerting on CPU\n\
             2. Backups\n   - Test restore monthly\n3. Rollback\n",
        );
        assert_eq!(
            texts_groups(&pm),
            [
                ("Add alerting on disk", Some("Monitoring")),
                ("Add alerting on CPU", Some("Monitoring")),
                ("Test restore monthly", Some("Backups")),
                // With nothing under it, the word is the item.
                ("Rollback", None),
            ]
        );
    }

    #[test]
    fn lettered_roman_and_word_export_markers_open_items() {
        let pm = parse(
            "## Action items\n\ni. Add alerting on disk\nii. Fix the backups\niii) Review access\n\n\
             A. Rotate the keys\nB) Audit the tokens\n\n(a) Page the owner\n(b) Write the runbook\n\n\
             o Restore files from the vault\no Train new members\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Add alerting on disk",
                "Fix the backups",
                "Review access",
                "Rotate the keys",
                "Audit the tokens",
                "Page the owner",
                "Write the runbook",
                "Restore files from the vault",
                "Train new members",
            ]
        );
        assert!(pm.actions.iter().all(|a| a.owner.is_none()));
    }

    #[test]
    fn a_sentence_introducing_field_blocks_leaves_each_block_an_item() {
        // The sentence ends in a colon, but it is too long to title a group: each
        // `Action:` block after it is an item with its owner and due date, one not set yet
        // (`TBD`) included.
        let pm = parse(
            "# Review\n\n## Corrective and preventive actions\n\n\
             The following actions were agreed in the review meeting:\n\n\
             Action: Add a replica DSN to the report service\nOwner: Data Platform\n\
             Due date: 2024-11-15\n\n\
             Action: Move month-end reports to off-peak hours\nOwner: BI team\nDue date: TBD\n",
        );
        assert_eq!(
            text_owner_due(&pm),
            [
                (
                    "Add a replica DSN to the report service",
                    Some("Data Platform"),
                    date(2024, 11, 15)
                ),
                (
                    "Move month-end reports to off-peak hours",
                    Some("BI team"),
                    None
                )
            ]
        );
    }

    #[test]
    fn field_lines_after_a_labelled_paragraph_are_its_fields() {
        // Outside action sections the label makes the item; the field lines under it are its
        // owner and due date (a line that only looks like a field, later, is not).
        let pm = parse(
            "# Review\n\n## Discussion\n\nThe replica was missing.\n\n\
             Action item: Add a replica DSN to the report service\nOwner: Data Platform\n\
             Due date: 2024-11-15\n\nOwner: someone else entirely wrote this.\n",
        );
        assert_eq!(texts(&pm), ["Add a replica DSN to the report service"]);
        assert_eq!(pm.actions[0].owner.as_deref(), Some("Data Platform"));
        assert_eq!(
            pm.actions[0].due.map(|d| d.to_string()).as_deref(),
            Some("2024-11-15")
        );
    }

    #[test]
    fn a_bullet_naming_when_or_on_what_condition_groups_the_items_under_it() {
        // "Short term", "Phase 2", "Before GC is re-enabled" say when, not what: their
        // children are the items. "Improve monitoring" over fragments is one item.
        let pm = parse(
            "## Action items\n\n- Short term\n  - Restore the records from the export\n\
             - Phase 2\n  - Export the zone records every hour\n\
             1. Before GC is re-enabled\n   - Put the registry in read-only mode during GC.\n\n\
             - Improve monitoring\n  - for checkout\n  - for search\n",
        );
        assert_eq!(
            texts_groups(&pm),
            [
                ("Restore the records from the export", Some("Short term")),
                ("Export the zone records every hour", Some("Phase 2")),
                (
                    "Put the registry in read-only mode during GC.",
                    Some("Before GC is re-enabled")
                ),
                ("Improve monitoring", None),
            ]
        );
    }

    #[test]
    fn closing_lines_a_signature_and_a_tool_s_footer_after_the_items_are_not_items() {
        let pm = parse(
            "## Action items\nMove the domain to the club account.\n\
             Put the expiry date in the shared calendar.\n\n\
             That's all for now.\n-- Ravi\n\n## Follow-ups\n\n\
             Nothing else beyond the items above.\n\n*Exported from incident.io on 2024-03-11*\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "Move the domain to the club account.",
                "Put the expiry date in the shared calendar."
            ]
        );
    }

    #[test]
    fn bullets_and_boxes_escaped_by_a_word_processor_s_export_are_read() {
        let pm = parse(
            "**Action items**\n\n\\- \\[ \\] Split the mail onto separate IP pools.\n\n\
             - \\[x\\] Ask the ESP to reinstate the pool.\n\\* Review the bounce handling\n",
        );
        assert_eq!(
            texts_done(&pm),
            [
                ("Split the mail onto separate IP pools.", false),
                ("Ask the ESP to reinstate the pool.", true),
                ("Review the bounce handling", false)
            ]
        );
    }
}
