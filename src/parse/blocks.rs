//! The lines of one section, grouped into list items, bare lines (with the lines indented under
//! them as children) and tables. Items and timeline entries are both read from these nodes.

use std::borrow::Cow;

use super::inline;
use super::Line;

pub(crate) mod html_table;

pub(crate) use html_table::{opens as opens_html_table, table_tags, TableTag};

/// How a node's line starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// No list marker: a plain line of text.
    None,
    /// `-`, `*`, `+`, `•`, `—`, an emoji bullet, `<li>`.
    Bullet,
    /// `1.`, `2)`, `(3)`.
    Number,
}

/// A list item or a bare line, with what is nested under it.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    /// 1-based line number.
    pub line_no: usize,
    pub indent: usize,
    pub marker: Marker,
    /// `Some(done)` for a task-list box.
    pub checkbox: Option<bool>,
    /// The first line's content after marker and box, with lazy continuation lines joined
    /// (borrowed from the line when there are none).
    pub text: Cow<'a, str>,
    /// `text` without markup, computed once: every reader of the node needs it (borrowed
    /// when the text has no markup).
    plain: Cow<'a, str>,
    pub children: Vec<Node<'a>>,
    /// Whether a blank line stands right before this node.
    pub blank_before: bool,
    /// Whether the first line is a title: a short label ending in a colon.
    pub title: bool,
}

impl Node<'_> {
    /// The node's text without markup.
    pub fn plain(&self) -> String {
        self.plain.to_string()
    }

    /// The node's text without markup, borrowed.
    pub fn plain_str(&self) -> &str {
        &self.plain
    }

    /// Whether the node is a title line: a short label ending in a colon.
    pub fn is_title(&self) -> bool {
        self.title
    }
}

impl<'a> Node<'a> {
    /// The node from byte `at` of its text on: the same line, box and children, the text
    /// before it gone.
    pub fn from(&self, at: usize) -> Node<'a> {
        let text = match &self.text {
            Cow::Borrowed(t) => Cow::Borrowed(&t[at..]),
            Cow::Owned(t) => Cow::Owned(t[at..].to_string()),
        };
        Node {
            plain: Cow::Owned(inline::plain(&text)),
            text,
            title: false,
            children: self.children.clone(),
            ..*self
        }
    }
}

/// A pipe table: header cells and data rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table<'a> {
    pub header: Vec<Cow<'a, str>>,
    pub rows: Vec<Row<'a>>,
}

/// A table's data row.
#[derive(Debug, Clone)]
pub(crate) struct Row<'a> {
    /// The 1-based line number.
    pub line: usize,
    /// The cells as plain text.
    pub cells: Vec<Cow<'a, str>>,
    /// The row as written, where a cell's link keeps its target: read through
    /// [`Row::raw_cell`].
    raw: Cow<'a, str>,
}

impl Row<'_> {
    /// Cell `i` as written (`[chip #942](https://github.com/o/chip/issues/942)`), split as
    /// [`table_cells`] splits it.
    pub(crate) fn raw_cell(&self, i: usize) -> Option<&str> {
        row_cells(&self.raw).nth(i)
    }
}

/// A section's content: nodes and tables in document order.
#[derive(Debug)]
pub(crate) enum Block<'a> {
    Node(Node<'a>),
    Table(Table<'a>),
}

/// Splits a list marker (and task box) off a trimmed line: (marker, checkbox, rest).
pub(crate) fn marker(body: &str) -> (Marker, Option<bool>, &str) {
    let (m, rest) = list_marker(body);
    if m != Marker::None {
        // `- [ ] x`, or a pasted checklist's glyph in a list: `- ☐ x`.
        let (checkbox, rest) = match rest.as_bytes().first() {
            Some(b) if *b >= 0x80 => glyph_box(rest),
            _ => task_box(rest),
        };
        // A status emoji after the marker (`- ⏳ Add the alert`) is no part of the text.
        let rest = match checkbox {
            None if rest.as_bytes().first().is_some_and(|b| *b >= 0x80) => {
                without_status_emoji(rest)
            }
            _ => rest,
        };
        return (m, checkbox, rest);
    }
    // A box that opens a line is a task list's item without a list marker: `[ ] x` as typed
    // in a hurry, `☐ x` or `✅ x` as checklists copied from documents and chats are pasted.
    if let Some(b) = body.bytes().next().filter(|b| *b == b'[' || *b >= 0x80) {
        let (checkbox, rest) = if b == b'[' {
            task_box(body)
        } else {
            glyph_box(body)
        };
        if checkbox.is_some() {
            return (Marker::Bullet, checkbox, rest);
        }
    }
    (Marker::None, None, body)
}

/// Emoji that boards and status pages put before an item to say how far along it is (in
/// progress, blocked, next, on track): they open a line as a bullet does, and are no part of
/// its text. (The ticked and unticked boxes are [`GLYPH_BOXES`].)
const STATUS_EMOJI: [&str; 7] = ["⏳", "🚧", "🟡", "🔴", "🟢", "❌", "🔜"];

/// `body` without the status emoji that opens it ([`STATUS_EMOJI`], with its variation
/// selector and the space after it).
fn without_status_emoji(body: &str) -> &str {
    STATUS_EMOJI
        .iter()
        .find_map(|e| body.strip_prefix(e))
        .map(|rest| rest.trim_start_matches('\u{fe0f}'))
        .filter(|rest| rest.starts_with(' '))
        .map_or(body, str::trim_start)
}

/// The checkbox glyphs of checklists pasted from documents and chats: (glyph, ticked, the
/// glyph that says the opposite in the same style). The follow-up ticks a box by writing its
/// counterpart.
const GLYPH_BOXES: [(&str, bool, &str); 6] = [
    ("☐", false, "☑"),
    ("🔲", false, "✅"),
    ("⬜", false, "✅"),
    ("☑", true, "☐"),
    ("☒", true, "☐"),
    ("✅", true, "⬜"),
];

/// A checkbox glyph that opens `body`, and whether it is ticked, with the text after it.
fn glyph_box(body: &str) -> (Option<bool>, &str) {
    for (glyph, ticked, _) in GLYPH_BOXES {
        if let Some(rest) = body.strip_prefix(glyph) {
            // (A variation selector may follow the glyph: `☑️`.)
            let rest = rest.trim_start_matches('\u{fe0f}');
            if rest.starts_with(' ') {
                return (Some(ticked), rest.trim_start());
            }
        }
    }
    (None, body)
}

/// The task box of a trimmed line that the parser reads as an item with a box (`- [ ] x`,
/// `a. [x] x`, `[ ] x`, `☐ x`, `✅ x`): where the box stands in `body` and whether it is
/// ticked. The follow-up ticks exactly the boxes the parser reads.
pub(crate) fn task_box_at(body: &str) -> Option<(std::ops::Range<usize>, bool)> {
    let (_, ticked, rest) = marker(body);
    let ticked = ticked?;
    // The box ends what stands before the text: `[x]`, or a glyph and its selector.
    let head = body[..body.len() - rest.len()].trim_end();
    let glyph = head.trim_end_matches('\u{fe0f}');
    let len = if head.ends_with("\\]") {
        5
    } else if head.ends_with(']') {
        3
    } else {
        GLYPH_BOXES
            .iter()
            .find(|(g, ..)| glyph.ends_with(g))
            .map(|(g, ..)| g.len() + head.len() - glyph.len())?
    };
    Some((head.len() - len..head.len(), ticked))
}

/// The box written as `written` (a box [`task_box_at`] found), ticked or not as `ticked` says,
/// in the same style: `[ ]` and `[x]`, `☐` and `☑`, `⬜` and `✅`.
pub(crate) fn restyled_box(written: &str, ticked: bool) -> &'static str {
    let glyph = written.trim_end_matches('\u{fe0f}');
    match GLYPH_BOXES.iter().find(|(g, ..)| *g == glyph) {
        Some((g, was, _)) if *was == ticked => g,
        Some((.., other)) => other,
        None if written.starts_with('\\') => {
            if ticked {
                "\\[x\\]"
            } else {
                "\\[ \\]"
            }
        }
        None if ticked => "[x]",
        None => "[ ]",
    }
}

fn task_box(rest: &str) -> (Option<bool>, &str) {
    // `[ ]`, `[x]`, or the box escaped as exports from word processors write it, `\[ \]`.
    let (mark, len) = match rest.as_bytes() {
        [b'[', mark, b']', ..] => (*mark, 3),
        [b'\\', b'[', mark, b'\\', b']', ..] => (*mark, 5),
        _ => return (None, rest),
    };
    let ticked = match mark {
        b' ' => false,
        b'x' | b'X' => true,
        _ => return (None, rest),
    };
    match rest[len..].strip_prefix(' ') {
        Some(text) => (Some(ticked), text.trim_start()),
        None if rest.len() == len => (Some(ticked), ""),
        None => (None, rest),
    }
}

fn list_marker(body: &str) -> (Marker, &str) {
    // HTML indentation starts with `&`, `<` or a space; most lines skip the loop that strips it.
    let body = match body.as_bytes().first() {
        Some(b'&' | b'<' | b' ') => strip_html_indent(body),
        _ => body,
    };
    let b = body.as_bytes();
    // No marker starts with a letter but a lettered one (`a. `, `B) `), a roman numeral
    // (`ii. `, `IV) `) and Word's `o` bullet, and most lines do.
    match b {
        [] => return (Marker::None, body),
        [c, b'.' | b')', b' ', ..] if c.is_ascii_alphabetic() => {
            return (Marker::Number, body[3..].trim_start())
        }
        [b'o', b' ', c, ..] if c.is_ascii_alphanumeric() => {
            return (Marker::Bullet, body[2..].trim_start())
        }
        [c, ..] if !b"ivxIVX".contains(c) && c.is_ascii_alphabetic() => {
            return (Marker::None, body)
        }
        [c, ..] if c.is_ascii_alphabetic() => {
            let numeral = b.iter().take_while(|c| b"ivxIVX".contains(c)).count();
            let roman = &body[..numeral];
            let numbered = ROMAN.iter().any(|r| roman.eq_ignore_ascii_case(r))
                && matches!(b.get(numeral), Some(b'.' | b')'))
                && b.get(numeral + 1) == Some(&b' ');
            return if numbered {
                (Marker::Number, body[numeral + 2..].trim_start())
            } else {
                (Marker::None, body)
            };
        }
        _ => {}
    }
    // ASCII bullets need a space after them (`*bold*` is not a bullet).
    if matches!(b[0], b'-' | b'*' | b'+') && b.get(1) == Some(&b' ') {
        return (Marker::Bullet, body[2..].trim_start());
    }
    // `\- text`: a bullet typed in a word processor, escaped by its export to Markdown.
    if b[0] == b'\\' && matches!(b.get(1), Some(b'-' | b'*' | b'+')) && b.get(2) == Some(&b' ') {
        return (Marker::Bullet, body[3..].trim_start());
    }
    // The other bullets are not ASCII; HTML list lines and shortcodes start with `<`, `&`,
    // `:` or whitespace that is trimmed first.
    let other = b[0] >= 0x80;
    let html = matches!(b[0], b'<' | b'&' | b':') || b[0] <= b' ' || other;
    for bullet in [
        "•", "◦", "‣", "⁃", "—", "–", "·", "▪", "➢", "→", "►", "✓", "✔", "🔸", "🔹", "👉",
    ]
    .iter()
    .chain(&STATUS_EMOJI)
    .filter(|_| other)
    {
        if let Some(rest) = body.strip_prefix(bullet) {
            if rest.starts_with(' ')
                || !rest.starts_with(|c: char| c.is_alphanumeric())
                || bullet.len() > 2
            {
                return (Marker::Bullet, rest.trim_start());
            }
        }
    }
    if let Some(rest) = html.then(|| strip_html_bullet(body)).flatten() {
        return rest;
    }
    // `1.`, `12)`, `(3)`; also `10.12:30 PM` (a number glued to a time).
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        if let Some(&sep) = b.get(digits) {
            if sep == b'.' || sep == b')' {
                let rest = &body[digits + 1..];
                if rest.starts_with(' ') || rest.is_empty() {
                    return (Marker::Number, rest.trim_start());
                }
                if sep == b'.' && rest.len() > 3 && rest.as_bytes()[0].is_ascii_digit() {
                    let r = rest.as_bytes();
                    let colon = r.iter().take(3).position(|c| *c == b':');
                    if colon.is_some_and(|p| p >= 1) {
                        return (Marker::Number, rest);
                    }
                }
            }
        }
    }
    if b[0] == b'(' {
        let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if (1..=2).contains(&digits) && b.get(digits + 1) == Some(&b')') {
            return (Marker::Number, body[digits + 2..].trim_start());
        }
        // `(a) `, `(b) `: a lettered item.
        if let [_, c, b')', b' ', ..] = b {
            if c.is_ascii_lowercase() {
                return (Marker::Number, body[4..].trim_start());
            }
        }
    }
    (Marker::None, body)
}

/// Roman numerals that number list items, of two letters or more (one is a letter's).
const ROMAN: [&str; 10] = [
    "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "xiii",
];

/// `&nbsp;&nbsp;• x` and `<p>&emsp;x`: indentation written as HTML.
fn strip_html_indent(body: &str) -> &str {
    let mut rest = body;
    loop {
        let before = rest.len();
        for prefix in ["&nbsp;", "&emsp;", "&ensp;", "<p>", " "] {
            if let Some(r) = rest.strip_prefix(prefix) {
                rest = r;
            }
        }
        if rest.len() == before {
            return rest;
        }
    }
}

/// `<li>x`, `<p>&emsp;:small_orange_diamond:x`, `:white_check_mark: x`: HTML list lines and
/// emoji-shortcode bullets.
fn strip_html_bullet(body: &str) -> Option<(Marker, &str)> {
    let mut rest = body;
    let mut is_li = false;
    loop {
        let before = rest;
        if let Some(r) = rest.strip_prefix("<li>") {
            is_li = true;
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("<p>") {
            rest = r;
        }
        for e in ["&emsp;", "&nbsp;", "&ensp;"] {
            if let Some(r) = rest.strip_prefix(e) {
                rest = r;
            }
        }
        rest = rest.trim_start();
        if before.len() == rest.len() {
            break;
        }
    }
    if let Some(len) = inline::starts_with_shortcode(rest) {
        return Some((Marker::Bullet, rest[len..].trim_start()));
    }
    if is_li {
        return Some((Marker::Bullet, rest));
    }
    None
}

/// Splits a table row (a line marked [`Line::table`]) into trimmed cells; `None` when every
/// cell is empty.
pub(crate) fn table_cells(body: &str) -> Option<Vec<Cow<'_, str>>> {
    let cells: Vec<Cow<str>> = row_cells(body).map(inline::plain_cow).collect();
    if cells.iter().all(|c| c.is_empty()) {
        return None;
    }
    Some(cells)
}

/// A table row's cells as written and trimmed, the outer pipes dropped (parted by tabs in a
/// row without pipes: a table copied out of a document editor as text).
fn row_cells(body: &str) -> Box<dyn Iterator<Item = &str> + '_> {
    if body.contains('\t') && !body.contains('|') {
        return Box::new(body.split('\t').map(str::trim));
    }
    Box::new(cell_spans(body).map(|(s, e)| body[s..e].trim()))
}

/// Byte ranges of a table row's cells: between the pipes that are not escaped (`\|` is a pipe
/// inside a cell, as GFM has it), the outer pipes not included. Write-back edits a cell in place
/// through these; the parser reads them.
pub(crate) fn cell_spans(row: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = row.as_bytes();
    let is_pipe = |i: usize| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\');
    // Outer pipes stand at the row's ends, after or before nothing but whitespace.
    let (start, end) = (row.len() - row.trim_start().len(), row.trim_end().len());
    let first = if start < end && is_pipe(start) {
        start + 1
    } else {
        0
    };
    let stop = if end > first && is_pipe(end - 1) {
        end - 1
    } else {
        row.len()
    };
    // Where the next cell starts; `|` alone is a pipe and no cell.
    let mut from = (first == 0 || first < end).then_some(first);
    std::iter::from_fn(move || {
        let cell = from?;
        let mut at = cell;
        while let Some(k) = memchr::memchr(b'|', &bytes[at..stop]) {
            if is_pipe(at + k) {
                from = Some(at + k + 1);
                return Some((cell, at + k));
            }
            at += k + 1;
        }
        from = None;
        Some((cell, stop))
    })
}

/// Whether a line is a table's delimiter row (`|---|:---:|`, `--- | ---`): only dashes,
/// colons, pipes and spaces, with a dash and a pipe among them.
pub(crate) fn is_delimiter_row(body: &str) -> bool {
    let body = body.trim();
    // The bytes first: a list item (`- text`) fails at its third.
    body.bytes()
        .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'))
        && body.contains('-')
        && body.contains('|')
}

/// Whether the first line of `lines` to read is a table's separator row (`|---|---|`).
fn separator_follows(lines: &[Line<'_>]) -> bool {
    lines
        .iter()
        .find(|l| !l.skip)
        .filter(|l| l.table)
        .and_then(|l| table_cells(l.body))
        .is_some_and(|cells| is_separator_row(&cells))
}

fn is_separator_row(cells: &[Cow<str>]) -> bool {
    cells.iter().all(|c| {
        let t = c.trim();
        !t.is_empty() && t.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
    })
}

/// How deep lists nest before deeper ones are flattened.
pub(crate) const MAX_DEPTH: usize = 16;

/// Groups a section's lines into blocks.
///
/// Nesting follows indentation. A title line ending in a colon also adopts the lines right
/// after it at its own indent when they use another marker (`1. Testing:` then `— do x`).
/// Plain lines continue the previous line when it does not end a sentence and they start in
/// lower case (wrapped prose); list items take lazy continuation lines as CommonMark does.
pub(crate) fn blocks<'a>(lines: &[Line<'a>]) -> Vec<Block<'a>> {
    // At most one block per line: one allocation instead of a doubling per few lines.
    let mut out: Vec<Block> = Vec::with_capacity(lines.len());
    // Open nodes: a path of child indexes from the last top-level node.
    let mut path: Vec<usize> = Vec::new();
    let mut blank = false;
    let mut table: Option<Table> = None;
    let mut last_was_table = false;
    // The last table row as written, while it may go on on the next line: a row without its
    // closing pipe, hard-wrapped by an editor.
    let mut open_row: Option<String> = None;

    let mut k = 0;
    while k < lines.len() {
        let line = &lines[k];
        k += 1;
        if line.skip {
            continue;
        }
        let body = line.body;
        if body.is_empty() {
            blank = true;
            continue;
        }
        if body.starts_with('<') && html_table::opens(body) {
            if let Some(t) = table.take() {
                out.push(Block::Table(t));
            }
            let (t, taken) = html_table::read(&lines[k - 1..]);
            out.push(Block::Table(t));
            k += taken - 1;
            path.clear();
            (open_row, last_was_table, blank) = (None, false, false);
            continue;
        }
        if let Some(cells) = line.table.then(|| table_cells(body)).flatten() {
            // After a blank line, a header over a separator row starts a table of its own (two
            // tables one after the other: short-term and long-term work).
            if blank && table.is_some() && separator_follows(&lines[k..]) {
                if let Some(t) = table.take() {
                    out.push(Block::Table(t));
                }
            }
            let t = table.get_or_insert_with(Table::default);
            if t.header.is_empty() {
                t.header = cells;
            } else if !is_separator_row(&cells) {
                let open = !body.ends_with('|') && cells.len() < t.header.len();
                open_row = open.then(|| body.to_string());
                t.rows.push(Row {
                    line: line.no,
                    cells,
                    raw: Cow::Borrowed(body),
                });
            }
            last_was_table = true;
            blank = false;
            continue;
        }
        // Inside a table: a row of empty cells (`| | |`) is a spacer, and a line without a
        // leading pipe after a row left open goes on with that row.
        if last_was_table && line.table {
            continue;
        }
        if last_was_table && !blank {
            if let (Some(row), Some(t)) = (open_row.take(), table.as_mut()) {
                let joined = format!("{row} {body}");
                if let (Some(cells), Some(last)) = (table_cells(&joined), t.rows.last_mut()) {
                    let cells: Vec<Cow<str>> = cells
                        .into_iter()
                        .map(|c| Cow::Owned(c.into_owned()))
                        .collect();
                    let open = !joined.ends_with('|') && cells.len() < t.header.len();
                    open_row = open.then_some(joined.clone());
                    last.cells = cells;
                    last.raw = Cow::Owned(joined);
                    continue;
                }
            }
        }
        open_row = None;
        if let Some(t) = table.take() {
            out.push(Block::Table(t));
            path.clear();
        }
        last_was_table = false;

        let (m, checkbox, rest) = line.marker();
        let indent = line.indent;

        // Continuation of the open node?
        if m == Marker::None && !blank {
            if let Some(open) = open_node(&mut out, &path) {
                let lazy = open.marker != Marker::None && indent >= open.indent;
                let wrapped = open.marker == Marker::None
                    && !ends_sentence(&open.text)
                    && rest.starts_with(|c: char| c.is_lowercase())
                    && indent <= open.indent + 4;
                // A title in bold over its item's detail (`1. **Split the pool**` and an
                // indented sentence of its own) is the item's whole text: the paragraph is a
                // child. A line going on the title's sentence (in lower case), or holding the
                // item's fields or owner, joins it as any other.
                let bold_title = lazy
                    && indent > open.indent
                    && rest.starts_with(char::is_uppercase)
                    && !rest.contains([':', '@'])
                    && inline::is_emphasised_line(&open.text);
                if (lazy || wrapped) && !open.is_title() && !bold_title {
                    let text = open.text.to_mut();
                    text.push(' ');
                    text.push_str(rest);
                    let more = inline::plain_cow(rest);
                    if !more.is_empty() {
                        let plain = open.plain.to_mut();
                        if !plain.is_empty() {
                            plain.push(' ');
                        }
                        plain.push_str(&more);
                    }
                    continue;
                }
            }
        }

        let plain = inline::plain_cow(rest);
        let title = plain.ends_with(':') && inline::words_up_to(&plain, 11) <= 10;
        let node = Node {
            plain,
            title,
            line_no: line.no,
            indent,
            marker: m,
            checkbox,
            text: Cow::Borrowed(rest),
            children: Vec::new(),
            blank_before: blank,
        };
        blank = false;

        // Find the parent: the deepest open node indented less than this one, or a title at
        // the same indent whose marker differs.
        while let Some(open) = open_node(&mut out, &path) {
            let adopts_same_indent = open.indent == indent
                && open.is_title()
                && open.marker != m
                && !node.blank_before
                && m != Marker::None;
            // A paragraph cannot hold a list: a list indented under plain prose (an
            // introduction) is its sibling, unless the prose is a title ending in a colon.
            let prose_over_list =
                open.marker == Marker::None && !open.is_title() && m != Marker::None;
            if (open.indent < indent && !prose_over_list) || adopts_same_indent {
                break;
            }
            path.pop();
        }
        // Deeply nested lists are flattened past a limit, so that walking the tree stays linear
        // and recursion stays shallow whatever the input.
        path.truncate(MAX_DEPTH);
        match open_node(&mut out, &path) {
            Some(parent) => {
                parent.children.push(node);
                let i = parent.children.len() - 1;
                path.push(i);
            }
            None => {
                out.push(Block::Node(node));
                path.clear();
                path.push(usize::MAX); // marks "the last top-level node"
            }
        }
    }
    if let Some(t) = table.take() {
        out.push(Block::Table(t));
    }
    out
}

fn open_node<'b, 'a>(out: &'b mut [Block<'a>], path: &[usize]) -> Option<&'b mut Node<'a>> {
    let (_, rest) = path.split_first()?;
    let Block::Node(top) = out.last_mut()? else {
        return None;
    };
    let mut cur = top;
    for &i in rest {
        cur = cur.children.get_mut(i)?;
    }
    Some(cur)
}

fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(['.', '!', '?', ':', ';']) || t.ends_with(".)") || t.ends_with(".\"")
}

#[cfg(test)]
mod tests {
    use super::{cell_spans, marker, Marker};

    #[test]
    fn a_status_emoji_opens_a_line_as_a_bullet_and_is_no_part_of_its_text() {
        for (line, want) in [
            (
                "- ⏳ Add the latency alert",
                (Marker::Bullet, "Add the latency alert"),
            ),
            (
                "* 🚧 Write the runbook",
                (Marker::Bullet, "Write the runbook"),
            ),
            (
                "🟡 Add a canary stage",
                (Marker::Bullet, "Add a canary stage"),
            ),
            ("1. 🔜 Rotate the keys", (Marker::Number, "Rotate the keys")),
            // Not after a word, and not a glued one.
            ("Add a ⏳ timer", (Marker::None, "Add a ⏳ timer")),
        ] {
            let (m, checkbox, rest) = marker(line);
            assert_eq!(((m, rest), checkbox), (want, None), "{line}");
        }
        // A ticked box stays a box.
        assert_eq!(marker("- ✅ Pin the image").1, Some(true));
    }

    #[test]
    fn cell_spans_agree_with_a_pipe_by_pipe_reading() {
        // The reference: every unescaped pipe is a bound; a bound at the trimmed row's start or
        // end is an outer pipe, with no cell before or after it.
        fn reference(row: &str) -> Vec<(usize, usize)> {
            let b = row.as_bytes();
            let bounds: Vec<usize> = (0..b.len())
                .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
                .collect();
            let leading = bounds.first() == Some(&(row.len() - row.trim_start().len()));
            let trailing = bounds.last().is_some_and(|x| x + 1 == row.trim_end().len());
            let mut edges = if leading { vec![] } else { vec![0] };
            edges.extend(bounds.iter().map(|x| x + 1));
            let mut spans = Vec::new();
            for (k, &start) in edges.iter().enumerate() {
                let end = match bounds.get(k + usize::from(leading)) {
                    Some(&x) => x,
                    None if trailing => break,
                    None => row.len(),
                };
                spans.push((start, end));
            }
            spans
        }
        let pieces = ["|", "\\|", " ", "a", "\\", "--", "é"];
        for n in 0..6u32 {
            for mut code in 0..pieces.len().pow(n) {
                let mut row = String::new();
                for _ in 0..n {
                    row.push_str(pieces[code % pieces.len()]);
                    code /= pieces.len();
                }
                let got: Vec<_> = cell_spans(&row).collect();
                assert_eq!(got, reference(&row), "{row:?}");
            }
        }
    }
}
