//! Action items: from list items, task-list boxes, table rows, bare lines and title lines with
//! their indented items, under headings that promise work.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::blocks::{self, Block, Marker, Node, Table};
use super::incident::Context;
use super::inline;
use super::time;
use super::vocab;
use super::Line;
use crate::model::{ActionItem, Diagnostic, IssueRef, ItemKind, SectionKind, Severity};

/// Reads the items of one action segment. `has_subsections`: action headings stand under
/// this one's, so its own paragraphs introduce them ("These are only sample subheadings.").
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
    // Around a list, plain paragraphs are introductions and conclusions, not items.
    let has_list = has_subsections || has_list(&blocks);
    let mut reader = Reader {
        ctx,
        item_kind,
        out,
        diagnostics,
    };
    for block in &blocks {
        match block {
            Block::Table(t) => reader.table(t, item_kind),
            // A letter's closing ("Sincerely,") ends the items: a signature follows.
            Block::Node(n) if is_sign_off(n) => break,
            // An explicit action label is always an item (README: "Always an item").
            Block::Node(n) if vocab::after_action_label(&n.text).is_some() => reader.item(n, None),
            Block::Node(n) => {
                if n.is_title() && !has_own_content(n) {
                    reader.group(n, 0);
                } else if n.is_title() {
                    reader.item(n, None);
                } else if n.marker == Marker::None && (has_list || !reads_like_item(n)) {
                    continue;
                } else if n.marker == Marker::None || reads_like_item(n) {
                    reader.item(n, None);
                }
            }
        }
    }
    if done {
        for item in &mut out[first..] {
            item.done = true;
        }
    }
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

/// Whether the blocks hold a list item or a table.
fn has_list(blocks: &[Block<'_>]) -> bool {
    blocks.iter().any(|b| match b {
        Block::Node(n) => n.marker != Marker::None,
        Block::Table(_) => true,
    })
}

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
    let as_line = [Line {
        no: line,
        indent: 0,
        body: heading,
        skip: false,
    }];
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

/// Items that a label marks outside action sections: a paragraph or bullet opened by an
/// action label (`Action item: ...`, at any depth), and the list after a sentence that
/// introduces actions ("To prevent this in the future, we have made these changes:").
pub(crate) fn labelled(
    lines: &[Line<'_>],
    ctx: &Context,
    out: &mut Vec<ActionItem>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // An action label holds the word "action"; an introducing sentence ends in a colon and
    // names actions: most segments have neither, and are not read into blocks again.
    let may_label = lines.iter().any(|l| {
        !l.skip
            && (inline::find_ascii_ci(l.body, 0, "action").is_some()
                || vocab::introduces_actions(l.body.trim_end_matches(['*', '_'])).is_some())
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
    for block in &blocks {
        let Block::Node(n) = block else {
            introduced = None;
            continue;
        };
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
    }
}

/// Items from a table with an action column that stands outside any action heading (a
/// Google-style "Action Items" table under an unrecognised heading). `None` when there is none.
pub(crate) fn action_table(
    lines: &[Line<'_>],
    ctx: &Context,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<ActionItem>> {
    // Cheap test first: most segments have no table at all.
    let header = lines.iter().find(|l| !l.skip && l.body.starts_with('|'))?;
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

struct Reader<'r> {
    ctx: &'r Context,
    item_kind: ItemKind,
    out: &'r mut Vec<ActionItem>,
    diagnostics: &'r mut Vec<Diagnostic>,
}

/// Openings of sentences that introduce or conclude a list rather than promise work, in
/// byte order: [`OPENINGS_BY_LETTER`] finds those with a given first letter.
const PROSE_OPENINGS: [&str; 39] = [
    "author:",
    "authored by",
    "but of course",
    "by addressing",
    "by implementing",
    "by sipping",
    "by taking",
    "feel free",
    "in conclusion",
    "in short",
    "in summary",
    "note that",
    "note:",
    "overall",
    "prepared by",
    "report prepared",
    "so dear",
    "so, ",
    "thank",
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
    "we assure",
    "we believe",
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

fn reads_like_item(n: &Node) -> bool {
    let p = n.plain_str();
    let t = p.trim();
    // A bullet that is only a link to an issue is an item: the linked issue.
    if n.marker != Marker::None && !t.contains(' ') && issue_in_links(&n.text).is_some() {
        return true;
    }
    if is_legend_entry(t) {
        return false;
    }
    // A line ending in a colon introduces what follows; a bullet with nothing under it
    // does not (its last wrapped line just ends so: "... with these thresholds:").
    let introduces = t.ends_with(':') && (n.marker == Marker::None || !n.children.is_empty());
    if introduces || t.len() < 3 || !t.chars().any(char::is_alphabetic) {
        return false;
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return false;
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

/// What a `Key: value` line or cell says about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Text,
    Kind,
    Owner,
    Due,
    Priority,
    Issue,
    Status,
}

fn field_of(key: &str) -> Option<Field> {
    let k = key.trim().trim_matches('*').trim();
    if !k.is_ascii() {
        // `K` (Kelvin) lower-cases to `k`: non-ASCII keys take the full lower-casing.
        return field_of_lower(&k.to_lowercase());
    }
    // ASCII keys are lower-cased on the stack; none longer than the longest name matches.
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..k.len())?;
    lower.copy_from_slice(k.as_bytes());
    lower.make_ascii_lowercase();
    field_of_lower(std::str::from_utf8(lower).expect("ASCII"))
}

/// The field a lower-case column or line key names.
fn field_of_lower(k: &str) -> Option<Field> {
    Some(match k {
        "task"
        | "action"
        | "action item"
        | "action items"
        | "item"
        | "todo"
        | "to do"
        | "description"
        | "what"
        | "corrective action"
        | "preventive action"
        | "preventative action"
        | "follow-up"
        | "followup"
        | "remediation" => Field::Text,
        "type" | "kind" | "category" => Field::Kind,
        "owner" | "owners" | "assignee" | "assignees" | "assigned to" | "responsible" | "who"
        | "dri" => Field::Owner,
        "due" | "due date" | "deadline" | "target" | "target date" | "eta" | "when" | "by"
        | "date" | "due by" | "expected date" | "expected" | "target completion"
        | "completion date" | "due on" => Field::Due,
        "priority" | "pri" | "prio" => Field::Priority,
        "issue" | "issues" | "bug" | "bugs" | "ticket" | "tickets" | "link" | "tracking"
        | "jira" | "reference" | "ref" | "tracker" | "tracking issue" => Field::Issue,
        "status" | "state" | "done" | "progress" => Field::Status,
        _ => return None,
    })
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
}

impl Columns {
    fn of(header: &[Cow<str>]) -> Columns {
        let mut c = Columns::default();
        for (i, h) in header.iter().enumerate() {
            let slot = match field_of(h) {
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
        if c.text.is_none() {
            let taken = [c.kind, c.owner, c.due, c.priority, c.issue, c.status];
            c.text = (0..header.len()).find(|i| !taken.contains(&Some(*i)));
        }
        c
    }
}

/// Metadata gathered for one item.
#[derive(Debug, Default)]
struct Meta {
    owner: Option<String>,
    due: Option<NaiveDate>,
    priority: Option<String>,
    issue: Option<IssueRef>,
    done: bool,
    kind: Option<ItemKind>,
}

impl Reader<'_> {
    fn table(&mut self, t: &Table, section_kind: ItemKind) {
        let cols = Columns::of(&t.header);
        let Some(text_col) = cols.text else { return };
        for (line, cells) in &t.rows {
            let cell = |c: Option<usize>| c.and_then(|i| cells.get(i)).map(|c| &**c);
            let Some(text) = cell(Some(text_col)).filter(|t| !is_empty_value(t)) else {
                continue;
            };
            let mut meta = Meta::default();
            if let Some(v) = cell(cols.kind) {
                meta.kind = type_kind(v);
            }
            if let Some(v) = cell(cols.owner).filter(|v| !is_empty_value(v)) {
                self.owner(v, *line, &mut meta);
            }
            if let Some(v) = cell(cols.due).filter(|v| !is_empty_value(v)) {
                self.due(v, *line, &mut meta);
            }
            if let Some(v) = cell(cols.priority).filter(|v| !is_empty_value(v)) {
                meta.priority = Some(v.to_string());
            }
            if let Some(v) = cell(cols.issue) {
                meta.issue = issue_in_cell(v);
                meta.done |= says_done(v);
            }
            if let Some(v) = cell(cols.status) {
                meta.done |= says_done(v);
            }
            // A link written back into the action cell (no issue column): `text (#12)`.
            let (text, tail_issue) = split_trailing_issue(text);
            if meta.issue.is_none() {
                meta.issue = tail_issue;
            }
            let kind = meta.kind.unwrap_or(section_kind);
            self.push(&text, None, None, kind, meta, false, *line);
        }
    }

    /// A title line and the items under it.
    fn group(&mut self, title: &Node, depth: usize) {
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
        for child in &title.children {
            if child.is_title()
                && !has_own_content(child)
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
    }

    fn apply_field(
        &mut self,
        field: Field,
        value: &str,
        line: usize,
        meta: &mut Meta,
        text: &mut Option<(String, usize)>,
    ) {
        match field {
            Field::Text => {
                // `Task: ... (#12)`: a link written back next to the item.
                let (value, issue) = split_trailing_issue(value);
                if meta.issue.is_none() {
                    meta.issue = issue;
                }
                text.get_or_insert((value.into_owned(), line));
            }
            Field::Kind => meta.kind = type_kind(value),
            Field::Owner => {
                // `Owner: Bob Smith by March 1 P2`: the name ends where the next field begins.
                let (name, rest) = split_value(value);
                self.owner(name, line, meta);
                self.meta_words(rest, line, meta);
            }
            Field::Due => self.due(value, line, meta),
            Field::Priority => meta.priority = Some(value.trim_end_matches('.').to_string()),
            Field::Issue => meta.issue = issue_in_cell(value),
            Field::Status => meta.done |= says_done(value),
        }
    }

    /// A due field's value: a date, or a warning that says why there is none. Every due
    /// field that cannot be read is flagged: an item whose promise has no date is never
    /// reminded of, so a person must see it before the merge.
    fn due(&mut self, value: &str, line: usize, meta: &mut Meta) {
        if let Some(d) = time::parse_date(value, self.ctx.date) {
            meta.due = Some(d);
            return;
        }
        let month_day = time::leading_found(value.trim()).is_some_and(|f| f.month_day.is_some());
        let why = if month_day {
            "has no year, and the document states no date to take one from"
        } else if is_relative(value) {
            "is not a calendar date, so no reminder can fall due"
        } else {
            "cannot be read as a date"
        };
        self.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            Some(line),
            "unparseable-date",
            format!("the due date {value:?} {why}; write it as YYYY-MM-DD"),
        ));
    }

    /// An owner field's value, or a warning when it cannot be a name: no letter at all
    /// (`Owner: ???`), or a sentence (more than six words) where a name or a team belongs.
    fn owner(&mut self, value: &str, line: usize, meta: &mut Meta) {
        let name = clean_owner(value);
        if name.chars().any(char::is_alphabetic) && inline::words_up_to(&name, 7) <= 6 {
            meta.owner = Some(name);
            return;
        }
        self.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            Some(line),
            "unreadable-owner",
            format!("the owner {value:?} is not a name; write @login or `Owner: name`"),
        ));
    }

    /// Space-separated fields after another field's value (`by March 1 P2`, `due: x`,
    /// `#12`): each one found is recorded; reading stops at the first word that is none.
    fn meta_words(&mut self, mut rest: &str, line: usize, meta: &mut Meta) {
        loop {
            rest = rest.trim_start_matches([' ', ',', ';', '-']);
            if rest.is_empty() {
                return;
            }
            if let Some((field, _)) = field_line_text(rest).filter(|(f, _)| *f != Field::Text) {
                let value = rest.split_once(':').map_or("", |(_, v)| v.trim());
                let (value, after) = split_value(value);
                let mut text = None;
                // An owner's value is split again by `apply_field`, to the same end.
                self.apply_field(field, value, line, meta, &mut text);
                rest = after;
                continue;
            }
            let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if is_priority_token(word) {
                meta.priority.get_or_insert_with(|| word.to_string());
                rest = after;
            } else if let Some((date, len)) = cued_date(rest) {
                if meta.due.is_none() {
                    self.due(date, line, meta);
                }
                rest = &rest[len..];
            } else if let Some(r) = issue_ref(word) {
                meta.issue.get_or_insert(r);
                rest = after;
            } else {
                return;
            }
        }
    }

    /// Every node at or under `n` that an action label opens, as an item.
    fn labelled_nodes(&mut self, n: &Node, depth: usize) {
        if vocab::after_action_label(&n.text).is_some() {
            self.item(n, None);
            return;
        }
        if depth < blocks::MAX_DEPTH {
            for child in &n.children {
                self.labelled_nodes(child, depth + 1);
            }
        }
    }

    /// One item from a list item or a bare line.
    fn item(&mut self, n: &Node, group: Option<&str>) {
        let mut meta = Meta {
            done: n.checkbox == Some(true),
            ..Meta::default()
        };
        let raw = &*n.text;
        meta.issue = issue_in_links(raw);
        // `Action item: text` / `**[Action Item]** text`: the label is not part of the text.
        let labelled = vocab::after_action_label(raw);
        let unlabelled = labelled.unwrap_or(raw);
        // `[name] text` / `(team) text`: an owner written before the item.
        let prefix = owner_prefix(unlabelled);
        if let Some((owner, _)) = prefix {
            meta.owner = Some(owner.to_string());
        }
        let rewritten = match (labelled, prefix) {
            (_, Some((_, rest))) => Some(inline::plain(rest)),
            (Some(rest), None) => Some(inline::plain(rest)),
            (None, None) => None,
        };
        let plain = rewritten
            .as_deref()
            .map_or(n.plain_str(), |p| p.trim_end_matches(['*', '_']).trim());
        let mut text = self.strip_meta(plain, n.line_no, &mut meta);
        if raw.trim_start().starts_with(":white_check_mark:")
            || plain.is_empty() && raw.contains("~~")
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
            checkbox,
            line,
        });
    }

    /// Takes metadata out of an item's text: leading `[P1]`, `@owner:`, `✅`; trailing
    /// `owner: x, due: y` tags, `(owner: x)` groups, `— @alice`, `(#12)`.
    /// (Borrowed from `plain` unless a bracketed group was removed.)
    fn strip_meta<'p>(&mut self, plain: &'p str, line: usize, meta: &mut Meta) -> Cow<'p, str> {
        // Every step cuts `t` at its ends, except removing bracketed groups: `t` borrows
        // `plain`, or the text left once groups were removed.
        let mut t = plain.trim();
        // Every step below only cuts `t`, so a byte it lacks now it never gains: one scan tells
        // which of the scans for brackets, tags and mentions can find nothing. (Bits of one
        // byte folded with `|`: a reduction the compiler vectorises; a tuple of flags is not.)
        let seen = t.bytes().fold(0u8, |seen, x| {
            seen | u8::from((x == b'(') | (x == b'['))
                | u8::from(x == b':') << 1
                | u8::from(x == b'@') << 2
        });
        let (brackets, colons, ats) = (seen & 1 != 0, seen & 2 != 0, seen & 4 != 0);
        // Leading status and priority marks.
        loop {
            let before = t.len();
            for done in ["✅", "✔️", "✔", "☑️", "☑", "[DONE]", "DONE:", "[done]"] {
                if let Some(rest) = t.strip_prefix(done) {
                    meta.done = true;
                    t = rest.trim_start();
                }
            }
            if let Some((p, rest)) = leading_priority(t) {
                meta.priority = Some(p.to_string());
                t = rest;
            }
            if t.starts_with('@') {
                if let Some((login, rest)) = t[1..].split_once([' ', ':']) {
                    if is_login(login) {
                        meta.owner.get_or_insert_with(|| login.to_string());
                        t = rest.trim_start_matches([':', ' ', '-']);
                    }
                }
            }
            if t.len() == before {
                break;
            }
        }
        // Bracketed metadata groups anywhere: `(owner: @a, due: 2026-03-01)`, `[P2]`, `(#12)`.
        if brackets {
            if let Some(rest) = self.strip_bracketed(t, line, meta) {
                return Cow::Owned(self.strip_tail(&rest, colons, ats, line, meta).to_string());
            }
        }
        Cow::Borrowed(self.strip_tail(t, colons, ats, line, meta))
    }

    /// [`Reader::strip_meta`] after the leading marks and bracketed groups: trailing tags,
    /// segments, issue references, and an @mention anywhere. (`colons`, `ats`: whether `t`
    /// has a `:` and an `@` at all.)
    fn strip_tail<'t>(
        &mut self,
        mut t: &'t str,
        colons: bool,
        ats: bool,
        line: usize,
        meta: &mut Meta,
    ) -> &'t str {
        // A tail of `key: value` tags: cut at the first tag key.
        if let Some(cut) = colons.then(|| first_tag(t)).flatten() {
            if self.all_meta(&t[cut..], line, meta) {
                t = &t[..cut];
            }
        }
        // Trailing separated segments that are metadata: `— @alice`, `, P1`, `#12`.
        loop {
            let trimmed = t.trim_end().trim_end_matches(['.', ';']).trim_end();
            let Some((head, tail)) = split_last_segment(trimmed) else {
                break;
            };
            if tail.is_empty() || !self.all_meta(tail, line, meta) {
                break;
            }
            t = head;
        }
        // Space-separated tags at the end: `... drain the backlog @mtanaka P1 by March 1`.
        loop {
            let trimmed = t.trim_end();
            let Some(pos) = trimmed.rfind(' ') else { break };
            let last = &trimmed[pos + 1..];
            let login = last.strip_prefix('@').filter(|l| is_login(l));
            if let Some(login) = login {
                meta.owner
                    .get_or_insert_with(|| login.trim_end_matches('.').to_string());
                // `..., by @someone`: the cue goes with the name.
                let head = trimmed[..pos].trim_end();
                if head.len() > 3 && head[head.len() - 3..].eq_ignore_ascii_case(" by") {
                    t = head[..head.len() - 3].trim_end_matches([',', ' ']);
                    continue;
                }
            } else if is_priority_token(last) {
                meta.priority.get_or_insert_with(|| last.to_string());
            } else if let Some((head, due)) = trailing_due(trimmed, self.ctx.date) {
                meta.due.get_or_insert(due);
                t = head;
                continue;
            } else {
                break;
            }
            t = &t[..pos];
        }
        // Issue references at the very end: `... reverted: #11134`, `... Bug 12345`.
        let trimmed = t.trim_end();
        if let Some((head, r)) = trailing_bug_ref(trimmed) {
            meta.issue.get_or_insert(r);
            // "Fix bug 12345" keeps its words: the reference is the item's whole object.
            if inline::words_up_to(head, 2) >= 2 {
                t = head;
            }
        } else if let Some(pos) = last_space_or_paren(trimmed) {
            let last = trimmed[pos + 1..].trim_end_matches([')', '.']);
            if let Some(r) = issue_ref(last) {
                meta.issue.get_or_insert(r);
                // After a colon the reference is what the sentence is about ("finish this:
                // https://.../pull/86"): it stays in the text.
                if !t[..pos].trim_end().ends_with(':') {
                    t = &t[..pos];
                }
            }
        }
        // An @mention anywhere names the owner when nothing else does.
        if meta.owner.is_none() && ats {
            meta.owner = first_mention(t);
        }
        t.trim()
            .trim_end_matches([':', ',', ';', '-', '—', '–', '|'])
            .trim()
    }

    /// `t` without its bracketed groups that are all metadata (recorded in `meta`); `None`
    /// when it has none.
    fn strip_bracketed(&mut self, t: &str, line: usize, meta: &mut Meta) -> Option<String> {
        // Text is copied only once a group goes: `t[kept..]` is not written yet.
        let mut out = String::new();
        let mut kept = 0;
        let mut at = 0;
        while let Some(open) = t[at..].bytes().position(|b| b == b'(' || b == b'[') {
            let open = at + open;
            let close_ch = if t.as_bytes()[open] == b'(' { ')' } else { ']' };
            let Some(close) = t[open..].find(close_ch) else {
                break;
            };
            let end = open + close + 1;
            if self.all_meta(&t[open + 1..open + close], line, meta) {
                out.push_str(t[kept..open].trim_end());
                kept = end;
            }
            at = end;
        }
        (kept > 0).then(|| out + &t[kept..])
    }

    /// Whether every part of `s` (split on `,` `;` `|`) is metadata; if so, records it.
    fn all_meta(&mut self, s: &str, line: usize, meta: &mut Meta) -> bool {
        let parts = meta_parts(s);
        if parts.is_empty() {
            return false;
        }
        let mut found = Meta::default();
        for part in &parts {
            if !self.meta_part(part, line, &mut found) {
                return false;
            }
        }
        merge_meta(meta, found);
        true
    }

    fn meta_part(&mut self, part: &str, line: usize, meta: &mut Meta) -> bool {
        if let Some((field, _)) = field_line_text(part) {
            if field == Field::Text {
                return false;
            }
            // `due: 2026-03-01 #7`: each field's value ends where the next begins.
            self.meta_words(part, line, meta);
            return true;
        }
        if let Some(login) = part.strip_prefix('@').filter(|l| is_login(l)) {
            meta.owner.get_or_insert_with(|| login.to_string());
            return true;
        }
        if is_priority_token(part) {
            meta.priority = Some(part.to_string());
            return true;
        }
        let lower = part.to_lowercase();
        for prefix in ["due ", "due by ", "due on ", "deadline "] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                if let Some(d) = time::parse_date(rest, self.ctx.date) {
                    meta.due = Some(d);
                    return true;
                }
            }
        }
        if let Some(p) = lower.strip_suffix(" priority") {
            if matches!(p, "high" | "medium" | "low" | "critical" | "urgent") {
                meta.priority = Some(p.to_string());
                return true;
            }
        }
        if let Some(r) = issue_ref(part) {
            meta.issue.get_or_insert(r);
            return true;
        }
        false
    }
}

/// The parts of a metadata tail: "Owner: x. Due: y" is two parts, as is "Owner: x, due: y";
/// the comma of a date ("Deadline: December 22, 2023") separates nothing.
fn meta_parts(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let separates = match c {
            b';' | b'|' => true,
            b',' => !(i > 0 && b[i - 1].is_ascii_digit() && starts_with_year(&s[i + 1..])),
            b'.' => b.get(i + 1) == Some(&b' '),
            _ => false,
        };
        if separates {
            parts.push(&s[from..i]);
            from = i + 1;
        }
    }
    parts.push(&s[from..]);
    parts
        .into_iter()
        .map(|p| p.trim().trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `s` starts with a four-digit year (after spaces) that ends there.
fn starts_with_year(s: &str) -> bool {
    let t = s.trim_start().as_bytes();
    t.len() >= 4
        && t[..4].iter().all(u8::is_ascii_digit)
        && !t.get(4).is_some_and(u8::is_ascii_alphanumeric)
}

fn merge_meta(into: &mut Meta, from: Meta) {
    if from.owner.is_some() {
        into.owner = from.owner;
    }
    into.due = from.due.or(into.due);
    into.priority = from.priority.or(into.priority.take());
    if into.issue.is_none() {
        into.issue = from.issue;
    }
    into.done |= from.done;
    into.kind = from.kind.or(into.kind);
}

fn merge(item: &mut ActionItem, meta: Meta) {
    if meta.owner.is_some() {
        item.owner = meta.owner;
    }
    item.due = meta.due.or(item.due);
    item.priority = meta.priority.or(item.priority.take());
    item.issue = item.issue.take().or(meta.issue);
    item.done |= meta.done;
    if let Some(k) = meta.kind {
        item.kind = k;
    }
}

/// `Key: value` on a node's line, when the key is a known field.
fn field_line<'n>(n: &'n Node) -> Option<(Field, &'n str)> {
    field_line_text(n.plain_str())
}

/// A `key: value` line's field and value (borrowed: most are read, not kept).
fn field_line_text(text: &str) -> Option<(Field, &str)> {
    let (key, value) = text.split_once(':')?;
    if inline::words_up_to(key, 4) > 3 {
        return None;
    }
    let field = field_of(key)?;
    let value = value.trim();
    (!value.is_empty()).then_some((field, value))
}

/// The byte offset of the first ` key:` tag (owner, due, priority...) after the start.
fn first_tag(t: &str) -> Option<usize> {
    const KEYS: [&str; 12] = [
        "owner:",
        "owners:",
        "assignee:",
        "assigned to:",
        "due:",
        "due date:",
        "deadline:",
        "priority:",
        "eta:",
        "status:",
        "issue:",
        "ticket:",
    ];
    // A key is found only after the first character (the text itself is not a tag).
    if !t.is_char_boundary(1) {
        return None;
    }
    let b = t.as_bytes();
    // Every key ends with the colon: each colon is checked for the keys that end there, and
    // the first key found that way is the first tag.
    let mut best: Option<usize> = None;
    for (c, _) in b.iter().enumerate().filter(|(_, &x)| x == b':') {
        for k in KEYS {
            let Some(at) = (c + 1).checked_sub(k.len()) else {
                continue;
            };
            if at >= 1
                && b[at..=c].eq_ignore_ascii_case(k.as_bytes())
                && !b[at - 1].is_ascii_alphanumeric()
            {
                best = Some(best.map_or(at, |x: usize| x.min(at)));
            }
        }
        // A key is at most 12 bytes long: a later colon's key would start after this one.
        if best.is_some_and(|at| at + 12 <= c) {
            break;
        }
    }
    best
}

/// Splits off the last segment after ` — `, ` – `, ` - `, `, ` or ` | `, when it is short
/// enough to be a tag (one reverse scan; long tails are prose).
fn split_last_segment(t: &str) -> Option<(&str, &str)> {
    const MAX_TAIL: usize = 48;
    let b = t.as_bytes();
    let stop = b.len().saturating_sub(MAX_TAIL + 4);
    let mut i = b.len();
    while i > stop {
        // Sixteen bytes without a separator's last byte are passed over at once (compares
        // folded with `|`, which the compiler vectorises).
        if let Some(chunk) = b.get(i.wrapping_sub(16)..i).filter(|_| i >= stop + 16) {
            let seps = chunk.iter().fold(0u8, |m, &c| {
                m | u8::from((c == b',') | (c == b'-') | (c == b'|') | (c == 0x94) | (c == 0x93))
            });
            if seps == 0 {
                i -= 16;
                continue;
            }
        }
        i -= 1;
        let (sep_len, found) = match b[i] {
            b',' if b.get(i + 1) == Some(&b' ') => (2, true),
            b'-' | b'|' if i > 0 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ') => (2, true),
            // The last byte of an em or en dash (e2 80 94 / e2 80 93) between spaces.
            0x94 | 0x93
                if i >= 3
                    && b[i - 1] == 0x80
                    && b[i - 2] == 0xe2
                    && b[i - 3] == b' '
                    && b.get(i + 1) == Some(&b' ') =>
            {
                i -= 2;
                (4, true)
            }
            _ => (0, false),
        };
        if found {
            let start = if b[i] == b',' { i } else { i - 1 };
            let tail = &t[(i + sep_len).min(t.len())..];
            return Some((&t[..start], tail.trim()));
        }
    }
    None
}

fn leading_priority(t: &str) -> Option<(&str, &str)> {
    for (open, close) in [("[", "]"), ("(", ")")] {
        if let Some(rest) = t.strip_prefix(open) {
            if let Some((p, after)) = rest.split_once(close) {
                if is_priority_token(p) {
                    return Some((p, after.trim_start_matches([':', ' ', '-'])));
                }
            }
        }
    }
    let (word, after) = t.split_once([' ', ':'])?;
    is_priority_token(word).then(|| (word, after.trim_start_matches([':', ' ', '-'])))
}

fn is_priority_token(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 2 && (b[0] == b'P' || b[0] == b'p') && (b'0'..=b'4').contains(&b[1])
}

/// A login as written in text, where a sentence's punctuation may follow it.
fn is_login(s: &str) -> bool {
    let s = s.trim_end_matches(['.', ',', ')', ':']);
    s.len() <= 80 && !s.starts_with('@') && crate::model::is_login(s)
}

fn first_mention(t: &str) -> Option<String> {
    let b = t.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'@' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let rest = &t[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')))
                .unwrap_or(rest.len());
            let login = rest[..end].trim_end_matches(['.', '/']);
            if is_login(login) {
                return Some(login.to_string());
            }
        }
    }
    None
}

/// `[name] text`, `\[name] text` or `(team, other team) text`: an owner prefix, and the text
/// after it. A link (`[x](url)`), a category (`(Process/Structure)`), a priority or a
/// number in brackets is not an owner.
fn owner_prefix(raw: &str) -> Option<(&str, &str)> {
    let t = raw.trim_start().trim_start_matches('\\');
    let close = match t.as_bytes().first()? {
        b'[' => ']',
        b'(' => ')',
        _ => return None,
    };
    let end = t.find(close)?;
    let inside = t[1..end].trim();
    let rest = t[end + 1..].trim_start();
    if rest.starts_with(['(', '[', ':']) || inline::words_up_to(rest, 2) < 2 {
        return None;
    }
    let names = !inside.is_empty()
        && inside.split(',').all(|part| {
            let part = part.trim().trim_start_matches('@');
            !part.is_empty()
                && inline::words_up_to(part, 4) <= 3
                && part.chars().any(char::is_alphabetic)
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '?'))
        })
        && !is_priority_token(inside)
        && !says_done(inside);
    names.then_some((inside, rest))
}

/// A field's value cut where the next field begins: a priority (`P2`), a cued date
/// (`by March 1`, `due 2026-03-01`), another `Key:` field, an issue reference. (value, rest)
fn split_value(v: &str) -> (&str, &str) {
    let v = v.trim();
    let starts = v
        .char_indices()
        .filter(|&(i, c)| i > 0 && c != ' ' && v[..i].ends_with(' '))
        .map(|(i, _)| i);
    for at in starts {
        let rest = &v[at..];
        let word = rest.split(' ').next().unwrap_or("");
        let next_field = is_priority_token(word)
            || cued_date(rest).is_some()
            || field_line_text(rest).is_some_and(|(f, _)| f != Field::Text && f != Field::Owner)
            || issue_ref(word).is_some();
        if next_field {
            return (v[..at].trim_end(), rest);
        }
    }
    (v, "")
}

/// A date after a cue at the start of `s` (`by March 1`, `due 2026-03-01`, `due by ...`):
/// the date as written, and how many bytes of `s` the cue and date take.
fn cued_date(s: &str) -> Option<(&str, usize)> {
    for cue in ["due by ", "due on ", "due: ", "due ", "by "] {
        if s.len() > cue.len()
            && s.is_char_boundary(cue.len())
            && s[..cue.len()].eq_ignore_ascii_case(cue)
        {
            let rest = &s[cue.len()..];
            let f = time::leading_found(rest)?;
            if f.start != 0 || (f.stamp.date.is_none() && f.month_day.is_none()) {
                return None;
            }
            return Some((&rest[..f.end], cue.len() + f.end));
        }
    }
    None
}

fn clean_owner(v: &str) -> String {
    v.trim()
        .trim_end_matches('.')
        .trim_start_matches('@')
        .trim()
        .to_string()
}

fn is_empty_value(v: &str) -> bool {
    let v = v.trim().to_lowercase();
    v.is_empty()
        || matches!(
            v.as_str(),
            "-" | "n/a" | "na" | "none" | "tbd" | "?" | "..." | "—"
        )
}

/// Relative deadlines ("2 weeks", "Q3", "next sprint") are not dates and not errors.
fn is_relative(v: &str) -> bool {
    let v = v.to_lowercase();
    [
        "week", "day", "month", "sprint", "quarter", "q1", "q2", "q3", "q4", "asap", "tbd", "n/a",
        "ongoing", "next", "soon",
    ]
    .iter()
    .any(|w| v.contains(w))
}

fn says_done(v: &str) -> bool {
    let lower = v.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
        matches!(
            w,
            "done" | "complete" | "completed" | "closed" | "fixed" | "resolved" | "finished"
        )
    }) || v.contains('✅')
        || v.contains('✔')
}

/// A Type column: Google's mitigate / prevent / process / other, and plain words.
fn type_kind(v: &str) -> Option<ItemKind> {
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

/// An issue written in an Issue/Bug column: a link, a URL, `#12`, `group/p#12`, `Bug 123`,
/// `JIRA-42`, or a bare number.
fn issue_in_cell(v: &str) -> Option<IssueRef> {
    issue_in_links(v).or_else(|| {
        let words: Vec<&str> = v
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches(['(', ')', '[', ']']))
            .filter(|w| !w.is_empty())
            .collect();
        // The first reference in the cell, whether it takes one word or two (`Bug 12345`).
        (0..words.len())
            .find_map(|i| {
                let w = words[i];
                let pair = words.get(i + 1).and_then(|n| bug_ref(&format!("{w} {n}")));
                pair.or_else(|| issue_ref(w)).or_else(|| jira_key(w))
            })
            .or_else(|| {
                let t = v.trim();
                (t.len() <= 12 && !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
                    .then(|| IssueRef::External(t.to_string()))
            })
    })
}

fn issue_in_links(raw: &str) -> Option<IssueRef> {
    // Every issue URL starts with http: most items have none.
    if !raw.contains("http") {
        return None;
    }
    inline::links(raw)
        .into_iter()
        .find_map(|(_, url)| is_issue_url(url).then(|| IssueRef::Url(url.to_string())))
        .or_else(|| {
            raw.split_whitespace()
                .map(|w| w.trim_matches(['(', ')', '<', '>', '[', ']', ',', '.']))
                .find(|w| is_issue_url(w))
                .map(|w| IssueRef::Url(w.to_string()))
        })
}

fn is_issue_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && [
            "/issues/",
            "/pull/",
            "/merge_requests/",
            "/browse/",
            "show_bug.cgi?id=",
        ]
        .iter()
        .any(|p| url.contains(p))
}

/// The position of the last `' '` or `'('` in `t` (a byte search: both are ASCII).
fn last_space_or_paren(t: &str) -> Option<usize> {
    t.bytes().rposition(|c| c == b' ' || c == b'(')
}

/// A trailing `(#12)` / ` #12` / issue URL split off a text: (text before, reference).
/// A final `.` after the reference stays: `Audit the configs (#12).` gives `Audit the configs.`
fn split_trailing_issue(t: &str) -> (std::borrow::Cow<'_, str>, Option<IssueRef>) {
    let trimmed = t.trim_end();
    if let Some(pos) = last_space_or_paren(trimmed) {
        let last = trimmed[pos + 1..].trim_end_matches([')', '.']);
        if let Some(r) = issue_ref(last) {
            let head = trimmed[..pos].trim_end();
            let text = if trimmed.ends_with('.') && !head.ends_with('.') {
                format!("{head}.").into()
            } else {
                head.into()
            };
            return (text, Some(r));
        }
    }
    (t.into(), None)
}

/// `#123`, `owner/repo#12`, `group/sub/project#12`, an issue URL, `Bug 12345`.
fn issue_ref(w: &str) -> Option<IssueRef> {
    let w = w.trim();
    if let Some(r) = bug_ref(w) {
        return Some(r);
    }
    // Every other reference holds a '#' or is a URL (`://`): most words are neither.
    if !w.bytes().any(|c| c == b'#' || c == b':') {
        return None;
    }
    if is_issue_url(w) {
        return Some(IssueRef::Url(w.to_string()));
    }
    let (project, number) = w.split_once('#')?;
    let n: u64 = number
        .parse()
        .ok()
        .filter(|_| !number.is_empty() && number.len() <= 9)?;
    if project.is_empty() {
        return Some(IssueRef::Local(n));
    }
    let valid = project.contains('/')
        && project.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    valid.then(|| IssueRef::Project {
        project: project.to_string(),
        number: n,
    })
}

/// `Bug 12345` (Bugzilla's and many trackers' way of naming a bug), kept as written.
fn bug_ref(s: &str) -> Option<IssueRef> {
    let (word, number) = s.split_once(' ')?;
    let digits = number.trim().trim_start_matches('#');
    let ok = word.eq_ignore_ascii_case("bug")
        && (1..=9).contains(&digits.len())
        && digits.bytes().all(|c| c.is_ascii_digit());
    ok.then(|| IssueRef::External(s.to_string()))
}

/// A `Bug 12345` whose two words end `t`: (text before, reference).
fn trailing_bug_ref(t: &str) -> Option<(&str, IssueRef)> {
    let t = t.trim_end().trim_end_matches([')', '.']);
    let number_at = t.rfind(' ')?;
    let word_at = t[..number_at]
        .trim_end()
        .rfind([' ', '('])
        .map_or(0, |p| p + 1);
    let r = bug_ref(&t[word_at..])?;
    Some((t[..word_at].trim_end_matches('('), r))
}

fn jira_key(w: &str) -> Option<IssueRef> {
    let (key, num) = w.split_once('-')?;
    let ok = key.len() >= 2
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit());
    ok.then(|| IssueRef::External(w.to_string()))
}

/// `... by March 1` / `... due 2026-03-01` at the very end of an item: (text before, date).
fn trailing_due(t: &str, reference: Option<NaiveDate>) -> Option<(&str, NaiveDate)> {
    // A date ends in a digit, or in a month name ("by the end of March" is no date).
    if !t
        .trim_end_matches(['.', ')'])
        .ends_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    for cue in [" by ", " due ", " due: ", " due by "] {
        if let Some(p) = lower.rfind(cue) {
            let rest = &t[p + cue.len()..];
            let f = time::moments(rest).into_iter().next()?;
            let whole = rest.trim_end_matches(['.', ')']).trim_end();
            if f.start == 0 && f.end >= whole.len() {
                return time::parse_date(rest, reference).map(|d| (&t[..p], d));
            }
        }
    }
    None
}

/// A calendar date promised in the sentence itself: `by 2026-03-01`, `due March 1`,
/// `scheduled for September 5, 2024`, `deadline: ...`, and in a sentence about a scheduled
/// event, the date it is set `for` or `on` ("Scheduled onsite assessment for 2025-06-20").
/// Dates that are part of the action ("freeze until 2015-11-20") are not deadlines.
fn natural_due(text: &str, reference: Option<NaiveDate>) -> Option<NaiveDate> {
    if !text.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let scheduled = lower.contains("schedul");
    let cues: &[&str] = if scheduled {
        &[
            "due by ",
            "due on ",
            "due ",
            " by ",
            "deadline ",
            "before ",
            " for ",
            " on ",
        ]
    } else {
        &["due by ", "due on ", "due ", " by ", "deadline ", "before "]
    };
    for cue in cues {
        for (p, _) in lower.match_indices(cue) {
            let rest = &text[p + cue.len()..];
            if let Some(f) = time::leading_found(rest) {
                if f.start == 0 && (f.stamp.date.is_some() || f.month_day.is_some()) {
                    return time::parse_date(&rest[..f.end], reference);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `split_last_segment` byte by byte, as it was before chunks were skipped.
    fn split_last_segment_slowly(t: &str) -> Option<(&str, &str)> {
        let b = t.as_bytes();
        let mut i = b.len();
        while i > b.len().saturating_sub(52) {
            i -= 1;
            let spaced = b.get(i + 1) == Some(&b' ');
            let (start, sep_len) = match b[i] {
                b',' if spaced => (i, 2),
                b'-' | b'|' if spaced && i > 0 && b[i - 1] == b' ' => (i - 1, 2),
                0x94 | 0x93 if spaced && i >= 3 && b[i - 3..i] == [b' ', 0xe2, 0x80] => (i - 3, 2),
                _ => continue,
            };
            return Some((&t[..start], t[(i + sep_len).min(t.len())..].trim()));
        }
        None
    }

    fn parse(text: &str) -> crate::model::Postmortem {
        crate::parse::parse("t.md", text, &crate::parse::ParseOptions::default())
    }

    /// The one item of `## Action Items` followed by `body`.
    fn one_item(body: &str) -> (ActionItem, Vec<Diagnostic>) {
        let pm = parse(&format!("Date: 2023-11-01\n\n## Action Items\n\n{body}\n"));
        assert_eq!(pm.actions.len(), 1, "{body:?}: {:?}", pm.actions);
        (pm.actions[0].clone(), pm.diagnostics)
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn a_deadline_with_a_comma_in_its_date_is_read() {
        let (a, diags) = one_item("- [ ] Rotate the keys Deadline: December 22, 2023");
        assert_eq!(a.text, "Rotate the keys");
        assert_eq!(a.due, date(2023, 12, 22));
        assert!(diags.is_empty(), "{diags:?}");
        let (a, _) = one_item("- Rotate the keys (owner: @ana, deadline: December 22, 2023)");
        assert_eq!(
            (a.owner.as_deref(), a.due),
            (Some("ana"), date(2023, 12, 22))
        );
    }

    #[test]
    fn bug_numbers_are_issue_references() {
        let (a, _) = one_item("- Fix the cache eviction Bug 12345");
        assert_eq!(a.text, "Fix the cache eviction");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        let (a, _) = one_item("- Fix the cache eviction (Bug 12345)");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        // The reference is the object of the sentence: the words stay.
        let (a, _) = one_item("- Fix Bug 12345");
        assert_eq!(a.text, "Fix Bug 12345");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        let pm = parse(
            "## Action Items\n\n| Action | Bug |\n|---|---|\n| Fix eviction | Bug 12345 |\n| Add alerts | #12 |\n",
        );
        let issues: Vec<String> = pm
            .actions
            .iter()
            .map(|a| {
                a.issue
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(issues, ["Bug 12345", "#12"]);
    }

    #[test]
    fn a_fields_value_ends_where_the_next_field_begins() {
        let (a, diags) = one_item("- [ ] Tune GC Owner: Bob Smith by March 1 P2");
        assert_eq!(a.text, "Tune GC");
        assert_eq!(a.owner.as_deref(), Some("Bob Smith"));
        assert_eq!(a.due, date(2024, 3, 1));
        assert_eq!(a.priority.as_deref(), Some("P2"));
        assert!(diags.is_empty(), "{diags:?}");
        let (a, _) = one_item("- Tune GC owner: Bob Smith due: 2024-02-01 #7");
        assert_eq!(a.owner.as_deref(), Some("Bob Smith"));
        assert_eq!(a.due, date(2024, 2, 1));
        assert_eq!(a.issue, Some(IssueRef::Local(7)));
    }

    #[test]
    fn every_unreadable_due_field_is_flagged() {
        for (line, text) in [
            ("- Tune GC due: someday soon", "Tune GC"),
            ("- Tune GC due: Febtember 3", "Tune GC"),
            ("- Tune GC (due: 2 weeks)", "Tune GC"),
        ] {
            let (a, diags) = one_item(line);
            assert_eq!(a.text, text);
            assert_eq!(a.due, None);
            let d: Vec<_> = diags
                .iter()
                .filter(|d| d.code == "unparseable-date")
                .collect();
            assert_eq!(d.len(), 1, "{line}: {diags:?}");
            assert_eq!(d[0].line, Some(5));
            assert_eq!(d[0].severity, Severity::Warning);
        }
        // A day without a year in a document that states no date cannot be placed.
        let pm = parse("## Action Items\n\n- Tune GC due: March 1\n");
        assert_eq!(pm.actions[0].due, None);
        assert!(
            pm.diagnostics[0].message.contains("no year"),
            "{:?}",
            pm.diagnostics
        );
    }

    fn texts(pm: &crate::model::Postmortem) -> Vec<&str> {
        pm.actions.iter().map(|a| a.text.as_str()).collect()
    }

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
    fn a_sentence_that_introduces_actions_makes_the_list_after_it_items() {
        let pm = parse(
            "# Certificate expiry\n\nThe certificates expired at midnight.\n\n\
             To prevent similar issues in the future, we have made a few changes:\n\n\
             1. A periodic job renews the certificates.\n2. A daily check alerts two weeks ahead.\n\n\
             We apologise to everyone affected.\n\nThese were the symptoms:\n\n- slow pages\n",
        );
        assert_eq!(
            texts(&pm),
            [
                "A periodic job renews the certificates.",
                "A daily check alerts two weeks ahead."
            ]
        );
        assert!(pm.actions.iter().all(|a| a.kind == ItemKind::Preventive));
    }

    #[test]
    fn an_owner_prefix_or_a_trailing_by_names_the_owner() {
        let pm = parse(
            "## Action Items\n\n* [garndt?] more clarity on AMI configuration\n\
             - [ ] (tc, cloudops teams) ramp the teams back up on the platform\n\
             - Add a canary stage, by @someone\n\
             - (Process/Structure) Better communication between teams is needed\n\
             - [Runbook](https://example.com/rb) needs an owner section\n",
        );
        let got: Vec<(&str, Option<&str>)> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.owner.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("more clarity on AMI configuration", Some("garndt?")),
                (
                    "ramp the teams back up on the platform",
                    Some("tc, cloudops teams")
                ),
                ("Add a canary stage", Some("someone")),
                (
                    "(Process/Structure) Better communication between teams is needed",
                    None
                ),
                ("Runbook needs an owner section", None),
            ]
        );
    }

    #[test]
    fn an_owner_field_that_is_not_a_name_is_flagged() {
        let (a, diags) = one_item("- Add disk alerts Owner: ???");
        assert_eq!(
            (a.text.as_str(), a.owner.as_deref()),
            ("Add disk alerts", None)
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            (diags[0].code, diags[0].line),
            ("unreadable-owner", Some(5))
        );
        let pm = parse(
            "## Action Items\n\n| Action | Owner |\n|---|---|\n\
             | Add alerts | whoever ends up having time for it next week |\n| Fix it | - |\n",
        );
        assert!(pm.actions.iter().all(|a| a.owner.is_none()));
        let codes: Vec<_> = pm.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("unreadable-owner", Some(5))]);
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
    fn a_question_ends_its_sentence_in_notes() {
        let (a, _) = one_item("- iteration loop for a single worker type? could we interleave?");
        assert_eq!(a.text, "iteration loop for a single worker type?");
        assert_eq!(a.detail.as_deref(), Some("could we interleave?"));
    }

    #[test]
    fn a_bullet_that_is_only_a_link_to_an_issue_is_an_item() {
        let pm = parse(
            "## Action Items\n\n- <https://github.com/org/repo/issues/123>\n\
             - [#124](https://github.com/org/repo/issues/124)\n- https://example.com/blog\n\
             - finish this: https://github.com/org/repo/pull/86\n",
        );
        let got: Vec<(&str, String)> = pm
            .actions
            .iter()
            .map(|a| {
                let issue = a
                    .issue
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                (a.text.as_str(), issue)
            })
            .collect();
        let url = |n: u32| format!("https://github.com/org/repo/issues/{n}");
        assert_eq!(
            got,
            [
                ("https://github.com/org/repo/issues/123", url(123)),
                ("#124", url(124)),
                (
                    "finish this: https://github.com/org/repo/pull/86",
                    "https://github.com/org/repo/pull/86".to_string()
                ),
            ]
        );
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
    fn table_columns_by_meaning() {
        for (due, owner) in [
            ("Expected Date", "Who"),
            ("ETA", "DRI"),
            ("Target date", "Responsible"),
            ("Deadline", "Owner"),
            ("When", "Assignee"),
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
    fn actions_taken_beside_actions_planned_are_done_items() {
        let pm = parse(
            "## Incident 1: queue stalled\n\n**Actions taken:**\n\n- Restarted the consumers\n\n\
             **Actions planned:**\n\n- Add a queue depth alert\n\n## Incident 2\n\n\
             ### Actions taken\n\n- Investigated the logs\n",
        );
        let got: Vec<(&str, bool)> = pm
            .actions
            .iter()
            .map(|a| (a.text.as_str(), a.done))
            .collect();
        assert_eq!(
            got,
            [
                ("Restarted the consumers", true),
                ("Add a queue depth alert", false)
            ]
        );
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
    fn a_date_promised_in_the_sentence_is_the_due_date() {
        let reference = NaiveDate::from_ymd_opt(2024, 5, 1);
        for (text, want) in [
            ("Fix it BY 2024-06-01", date(2024, 6, 1)),
            ("Due March 3 for all", date(2025, 3, 3)),
            ("Rotate keys, deadline 2024-07-01.", date(2024, 7, 1)),
            ("Scheduled For September 5, 2024", date(2024, 9, 5)),
            (
                "Scheduled onsite assessment for 2025-06-20",
                date(2025, 6, 20),
            ),
            ("Review scheduled on June 5", date(2024, 6, 5)),
            ("Plan capacity for 2025-06-20", None),
            ("Freeze until 2015-11-20", None),
            ("Done by the team in 2024", None),
        ] {
            assert_eq!(natural_due(text, reference), want, "{text:?}");
        }
    }

    #[test]
    fn skipping_chunks_agrees_with_the_byte_loop() {
        let long = "a".repeat(70);
        for tail in [
            "",
            ", P1",
            " - @alice",
            " \u{2014} @bob",
            " \u{2013} x",
            " | due: 2026-03-01",
            ", a tail of exactly forty-eight bytes, with more",
            " - a tail longer than forty-eight bytes, which is prose not a tag",
            "x,y-z|w",
        ] {
            for head in ["", "short", long.as_str(), "a, b - c | d"] {
                let t = format!("{head}{tail}");
                assert_eq!(
                    split_last_segment(&t),
                    split_last_segment_slowly(&t),
                    "{t:?}"
                );
            }
        }
    }
}
