//! Text to [`Postmortem`]: a pure, deterministic, linear-time reader of postmortems as people
//! really write them.
//!
//! The reader is line-based rather than a CommonMark parser, because much of what people
//! commit is not Markdown: plain text with indented blocks (which CommonMark would call code),
//! `#Heading` without a space, bold lines as headings, short lines ending in a colon. It works
//! in three steps:
//! 1. [`lines`]: split the text, measure indentation, mark what is never content (front
//!    matter, fenced code, HTML comments, the tool's own status block);
//! 2. [`sections`]: find headings in every style and classify them by meaning
//!    ([`vocab`]), giving segments of lines that each know what they are about;
//! 3. read action items ([`items`]) from action segments and timeline entries
//!    ([`timeline`]) from timeline segments, then the incident's times ([`incident`]).

mod blocks;
mod front_matter;
mod incident;
pub(crate) mod inline;
mod items;
mod time;
mod timeline;
mod vocab;

use crate::clock::Zone;

use crate::model::{self, Diagnostic, Postmortem, Section, SectionKind, Severity};

pub(crate) use blocks::{
    cell_spans, is_delimiter_row, opens_html_table, restyled_box, table_tags, task_box_at, TableTag,
};
pub(crate) use items::text_and_issue_columns;
pub use time::zone_offset;

/// The first line of the status block that the follow-up writes into a postmortem. The parser
/// skips everything from it to [`STATUS_BLOCK_END`]: the block is the tool's output, not input.
pub const STATUS_BLOCK_BEGIN: &str = "<!-- postmortem-tracker:status:begin";
/// The last line of the status block.
pub const STATUS_BLOCK_END: &str = "<!-- postmortem-tracker:status:end";

/// What the parser may be told beyond the text.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Extra heading synonyms: a heading whose text (lower-case) contains the phrase gets the
    /// kind, before the built-in vocabulary is consulted.
    pub synonyms: Vec<(String, SectionKind)>,
    /// The zone for times written without one; without it such times stay local.
    pub default_zone: Option<Zone>,
}

/// Parses one document. Never panics, whatever the text; problems become diagnostics.
pub fn parse(path: &str, text: &str, options: &ParseOptions) -> Postmortem {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut diagnostics = Vec::new();
    let (mut lines, unclosed) = lines(text);
    if let Some((line, what)) = unclosed {
        // CommonMark runs such a block to the end, and so does the parser: said, since every
        // item after it is lost to the reader.
        diagnostics.push(Diagnostic::new(
            Severity::Warning,
            Some(line),
            "unclosed-block",
            format!("{what} opened here is never closed: the rest of the file is read as part of it, and no heading or item in it is found"),
        ));
    }
    let front = front_matter::read(&mut lines, &mut diagnostics);
    let titled = front.as_ref().is_some_and(|f| f.title.is_some());
    let doc = sections(&lines, titled, options);

    // Room for a typical document's items and entries: growing a vector one doubling at a
    // time costs more than the parse of a short document's lines.
    let mut actions = Vec::with_capacity(16);
    let mut timeline = Vec::with_capacity(32);
    let reference = front
        .as_ref()
        .and_then(|f| f.date.as_deref())
        .and_then(|d| time::parse_date(d, None));
    let mut ctx = incident::Context::read(text, &lines, &doc, reference, options.default_zone);
    let mut stated = incident::stated(&lines, &doc, &ctx);
    if let Some(fm) = &front {
        stated.read_front_matter(fm, &ctx);
    }
    ctx.adopt(&stated);
    // Which segments have headings that name actions standing directly under theirs.
    let mut action_children = vec![false; doc.segments.len()];
    for seg in &doc.segments {
        if let Some(p) = seg.parent.filter(|_| seg.heading_kind.is_action()) {
            action_children[p] = true;
        }
    }
    // Segments with two headings or more under them that may each be an item
    // (`#### Cap connections per worker`): a paragraph above them introduces them.
    let mut item_children = vec![0usize; doc.segments.len()];
    for seg in &doc.segments {
        if let Some(p) = seg
            .parent
            .filter(|_| seg.heading_kind == SectionKind::Other)
        {
            item_children[p] += 1;
        }
    }
    // Segments whose heading is an item: what stands under them is its detail.
    let mut item_headings = vec![false; doc.segments.len()];
    // The heading before each beside it (under the same heading), found in one pass.
    let mut last_under = vec![None; doc.segments.len() + 1];
    let prev_sibling: Vec<Option<usize>> = (0..doc.segments.len())
        .map(|k| {
            let slot = doc.segments[k].parent.map_or(0, |p| p + 1);
            last_under[slot].replace(k)
        })
        .collect();
    let mut timeline_day = None;
    let mut last_timed: Option<model::Timestamp> = None;
    for (k, seg) in doc.segments.iter().enumerate() {
        let seg_lines = &lines[seg.lines.clone()];
        if seg.parent.is_some_and(|p| item_headings[p]) {
            item_headings[k] = true;
            continue;
        }
        // An unrecognised heading under an action heading may itself be an item.
        let under_actions = seg.heading_kind == SectionKind::Other
            && seg.parent.is_some_and(|p| doc.segments[p].kind.is_action())
            && !action_children[k];
        // A heading opened by an action label (`### Action item: Add a canary stage`) is an
        // item wherever it stands, as such a paragraph is.
        let labelled = seg.heading_kind == SectionKind::Other
            && seg.kind != SectionKind::Appendix
            && seg
                .heading
                .as_deref()
                .is_some_and(|h| vocab::after_action_label(h).is_some());
        // The heading before it beside it, when that one is an item. (Segment 0 has no
        // heading.)
        let sibling_is_item = prev_sibling[k].is_some_and(|j| j > 0 && item_headings[j]);
        let read_as_heading_item = ((under_actions && seg.kind.is_action()) || labelled)
            && items::heading_item(
                (
                    seg.heading.as_deref().unwrap_or_default(),
                    doc.sections[k - 1].line,
                ),
                seg_lines,
                seg.kind,
                sibling_is_item,
                &ctx,
                &mut actions,
                &mut diagnostics,
            );
        if read_as_heading_item {
            item_headings[k] = true;
            continue;
        }
        if seg.kind.is_action() {
            let first = actions.len();
            // `**Remediation:** Raised the timeout.`: a label naming actions with its content
            // on the same line; the content is the section's first item, read on its own
            // (whatever shape the paragraphs after it have).
            let content = label_content(seg, &lines);
            let introduces = action_children[k] || item_children[k] >= 2;
            for (seg_lines, introduces) in [(content.as_slice(), false), (seg_lines, introduces)] {
                items::read(
                    seg_lines,
                    seg.kind,
                    introduces,
                    seg.done,
                    &ctx,
                    &mut actions,
                    &mut diagnostics,
                );
            }
            // "### Completed", `### @carol` over the items.
            if let Some(heading) = seg.heading.as_deref() {
                items::apply_title(heading, actions[first..].iter_mut());
            }
        } else {
            if seg.kind == SectionKind::Timeline {
                // A day heading (`### 2023-09-20`) dates the entries under it and under the
                // timeline's headings after it, up to the next day heading.
                let heading = seg.heading.as_deref();
                // The entry before this section, the last with a day and a time.
                let last = last_timed;
                let own_day = heading.and_then(|h| {
                    heading_day(h, &ctx)
                        .or_else(|| relative_day(h, ctx.date, last.and_then(|t| t.date)))
                });
                // A date written in the timeline's own heading (`## Timeline (2023-01-19)`,
                // `## Timeline: January 19, 2023`) dates its entries too.
                let named_day = heading
                    .filter(|_| seg.heading_kind == SectionKind::Timeline)
                    .and_then(|h| date_in_heading(h, &ctx));
                timeline_day = own_day.or(named_day).or(timeline_day);
                // A section of the timeline that names no day (`**Next day**`, `### Recovery`)
                // goes on from the entry before it, past midnight too (not from an entry
                // dated before the day the timeline is on: "March 18, 16:30" as background).
                let running = timeline_day.or(ctx.date);
                let goes_on = own_day.is_none()
                    && named_day.is_none()
                    && seg.heading_kind != SectionKind::Timeline
                    && last.is_some_and(|t| t.date >= running);
                let day_ctx = match last.filter(|_| goes_on) {
                    Some(t) => Some(ctx.after(t)),
                    None => timeline_day.map(|d| ctx.on_day(d)),
                };
                let heading_line = heading.map(|h| (h, doc.sections[k - 1].line));
                let ctx = day_ctx.as_ref().unwrap_or(&ctx);
                let before = timeline.len();
                timeline::read_section(heading_line, seg_lines, ctx, &mut timeline);
                if timeline.len() == before {
                    // A timeline pasted as a code block (a log, a chat's export): its lines
                    // are the entries.
                    let code = fenced_code(seg_lines);
                    timeline::read_section(None, &code, ctx, &mut timeline);
                }
                // An entry without a clock time right under a day heading happened that day
                // (`### 2018/02/20 - 2018/02/25` over "tests v0.1.4 ..."): the day is its time.
                for entry in timeline[before..].iter_mut().filter(|e| e.time.is_none()) {
                    entry.time = own_day.map(|d| model::Timestamp {
                        date: Some(d),
                        time: None,
                        offset: None,
                    });
                }
                // (Kept as the entries come: a search back from each section would be
                // quadratic in a long document.)
                last_timed = timeline[before..]
                    .iter()
                    .rev()
                    .find_map(|e| e.time.filter(|t| t.date.is_some() && t.time.is_some()))
                    .or(last_timed);
            } else if let Some(table_items) = items::action_table(seg_lines, &ctx, &mut diagnostics)
            {
                actions.extend(table_items);
            }
            // An action label marks an item wherever it stands, but in an appendix (chat logs,
            // the writer's own notes: "TODO: k-dev email").
            if seg.kind != SectionKind::Appendix {
                items::labelled(seg_lines, &ctx, &mut actions, &mut diagnostics);
            }
        }
    }
    if !doc.sections.iter().any(|s| s.kind == SectionKind::Timeline) {
        // A transcript or a document without a timeline heading: every paragraph that starts
        // with a time is an entry.
        for seg in &doc.segments {
            if !seg.kind.is_action() {
                timeline::read_stamped(&lines[seg.lines.clone()], &ctx, &mut timeline);
            }
        }
    }
    let incident = incident::finish(stated, &timeline, &ctx, |everywhere| {
        incident::restored_in_sentences(&lines, &doc, &ctx, everywhere)
    });

    // The segments are read: their headings move to the sections (each segment after the
    // first starts at one, in order).
    let mut sections = doc.sections;
    debug_assert_eq!(doc.segments.len(), sections.len() + 1);
    for (section, seg) in sections.iter_mut().zip(doc.segments.into_iter().skip(1)) {
        section.heading = seg.heading.unwrap_or_default();
    }
    let title = front.as_ref().and_then(|f| f.title.clone()).or(doc.title);
    let id = front
        .as_ref()
        .and_then(|f| f.id.clone())
        .unwrap_or_else(|| path.to_string());
    if sections.iter().all(|s| s.kind == SectionKind::Other) && !text.trim().is_empty() {
        diagnostics.push(Diagnostic::new(
            Severity::Info,
            None,
            "no-sections",
            "no recognised section headings (summary, timeline, root cause, action items...)",
        ));
    }
    Postmortem {
        path: path.to_string(),
        id,
        title,
        front_matter: front,
        incident,
        sections,
        actions,
        timeline,
        diagnostics,
    }
}

/// The content after the colon of a label heading that names actions and holds more
/// (`**Remediation:** Raised the timeout.`), as a line of its own: an item. `None` for any
/// other heading, and for a label introducing what follows ("Follow-up: we will:").
fn label_content<'a>(seg: &Segment, lines: &[Line<'a>]) -> Option<Line<'a>> {
    if !seg.label || !seg.heading_kind.is_action() {
        return None;
    }
    let line = &lines[seg.lines.start.checked_sub(1)?];
    let colon = line.body.find(':')?;
    let content = line.body[colon + 1..].trim_start_matches(['*', '_', ' ']);
    let intro = content.trim_end_matches(['*', '_', ' ']).ends_with(':');
    // A subtitle in capitals ("Corrective Measures: No More Cache-pocalypse") names the
    // section; an item is a sentence, with a word in lower case.
    let sentence = content
        .split_whitespace()
        .skip(1)
        .any(|w| w.starts_with(|c: char| c.is_lowercase()));
    (sentence && !intro && !line.skip).then(|| Line::new(line.no, line.indent, content, false))
}

/// Decodes bytes as UTF-8 (a BOM is dropped; invalid sequences are replaced, with a
/// diagnostic naming the first bad line) and parses them.
pub fn parse_bytes(path: &str, bytes: &[u8], options: &ParseOptions) -> Postmortem {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(path, text, options),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            let text = String::from_utf8_lossy(bytes);
            let mut pm = parse(path, &text, options);
            pm.diagnostics.insert(
                0,
                Diagnostic::new(
                    Severity::Warning,
                    Some(line),
                    "invalid-utf8",
                    "the file is not valid UTF-8; invalid bytes were replaced with U+FFFD",
                ),
            );
            pm
        }
    }
}

/// One line of the document.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    /// Leading whitespace in columns (a tab counts four).
    pub indent: usize,
    /// The line without leading and trailing whitespace.
    pub body: &'a str,
    /// Not content: front matter, fenced code, an HTML comment, the status block.
    pub skip: bool,
    /// A row of a pipe table: a line that opens with `|`, or one of a table written without
    /// the outer pipes (`Action | Owner`, over a `--- | ---` delimiter row), as GFM allows.
    pub table: bool,
    /// How many ASCII digits the body has (0 on a skipped line): a line without one states
    /// no time, date or duration, and a date has a year of four.
    pub digits: u32,
    /// The list marker the body opens with, and its task box (none on a line skipped as
    /// the lines are split): read through [`Line::marker`].
    marker: blocks::Marker,
    checkbox: Option<bool>,
    /// Where the body's text starts after the marker and the box.
    rest_at: usize,
}

impl<'a> Line<'a> {
    /// Line `no` with its `indent` and trimmed `body`; a `skip` line is not content. Every
    /// reader asks for the digits and the list marker of a content line: they are read once.
    pub(crate) fn new(no: usize, indent: usize, body: &'a str, skip: bool) -> Line<'a> {
        let (marker, checkbox, rest) = if skip {
            (blocks::Marker::None, None, body)
        } else {
            blocks::marker(body)
        };
        debug_assert!(
            body.ends_with(rest),
            "a list marker is a prefix of its line"
        );
        Line {
            no,
            indent,
            body,
            skip,
            table: !skip && body.starts_with('|'),
            digits: if skip { 0 } else { count_digits(body) },
            marker,
            checkbox,
            rest_at: body.len() - rest.len(),
        }
    }

    /// [`blocks::marker`] of the body: (marker, task box, the text after them).
    pub(crate) fn marker(&self) -> (blocks::Marker, Option<bool>, &'a str) {
        (self.marker, self.checkbox, &self.body[self.rest_at..])
    }
}

/// Splits the text into lines and marks what is never content; a code fence or an HTML
/// comment left open at the end is given with the line that opened it.
fn lines(text: &str) -> (Vec<Line<'_>>, Option<(usize, &'static str)>) {
    let mut out = Vec::with_capacity(text.len() / 40 + 1);
    let mut fence: Option<(u8, usize)> = None;
    let mut in_comment = false;
    // The line the open fence or comment started on.
    let mut opened = 0;
    let mut in_status = false;
    // The quoted paragraph a line would continue (CommonMark's lazy continuation: a chat
    // message's second line, written without its `>`).
    let mut in_quote = false;
    // The same pieces as `split('\n')`, the newlines found by one search of the text.
    let mut newlines = memchr::memchr_iter(b'\n', text.as_bytes());
    let mut from = 0;
    for i in 0.. {
        let end = newlines.next().unwrap_or(text.len());
        let raw = &text[from..end];
        let last = end == text.len();
        from = end + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // Leading spaces byte by byte; tabs and Unicode spaces after them are rarer.
        let ascii_lead = raw.bytes().take_while(|b| *b == b' ').count();
        let mut indent = ascii_lead;
        let mut start = ascii_lead;
        for (k, c) in raw[ascii_lead..]
            .char_indices()
            .map(|(k, c)| (k + ascii_lead, c))
        {
            match c {
                ' ' => indent += 1,
                '\t' => indent += 4 - indent % 4,
                '\u{a0}' | '\u{2003}' | '\u{2002}' => indent += 1,
                _ => {
                    start = k;
                    break;
                }
            }
            start = k + c.len_utf8();
        }
        let body = raw[start..].trim_end();
        let mut skip = false;
        if let Some((ch, len)) = fence {
            skip = true;
            if body.len() >= len && body.bytes().all(|b| b == ch) {
                fence = None;
            }
        } else if in_status {
            skip = true;
            if body.starts_with(STATUS_BLOCK_END) {
                in_status = false;
            }
        } else if in_comment {
            skip = true;
            if body.contains("-->") {
                in_comment = false;
            }
        } else if !body.starts_with(['<', '`', '~', '[', '>']) {
            // Text: nothing below starts with another character.
        } else if body.starts_with(STATUS_BLOCK_BEGIN) {
            skip = true;
            in_status = true;
        } else if body.starts_with('~') && underlines(out.last(), body) {
            // reST and plain text underline headings with `~~~~`: a heading, not a fence
            // (which would swallow the rest of the file).
        } else if body.starts_with("```") || body.starts_with("~~~") {
            let ch = body.as_bytes()[0];
            let len = body.bytes().take_while(|b| *b == ch).count();
            fence = Some((ch, len));
            opened = i + 1;
            skip = true;
        } else if body.starts_with("<!--") {
            skip = true;
            in_comment = !body.contains("-->");
            opened = i + 1;
        } else if is_link_definition(body) {
            // `[label]: https://...` defines a reference link; it is not text.
            skip = true;
        } else if body.starts_with('>') {
            // Quoted text (chat logs, e-mails) is never an item or a heading.
            skip = true;
        }
        let lazy = !skip && in_quote && !body.is_empty() && !opens_block(body);
        skip |= lazy;
        // Only a quote line or its continuation keeps the quote open: a fence or a comment
        // right after one closes it.
        in_quote = lazy || (skip && body.starts_with('>'));
        out.push(Line::new(i + 1, indent, body, skip));
        if last {
            break;
        }
    }
    mark_bare_tables(&mut out);
    // (One search of the whole text spares most documents a look at every line.)
    if memchr::memchr(b'\t', text.as_bytes()).is_some() {
        mark_tab_tables(&mut out);
    }
    let unclosed = if fence.is_some() {
        Some((opened, "a code fence"))
    } else if in_comment {
        Some((opened, "an HTML comment"))
    } else {
        None
    };
    (out, unclosed)
}

/// Whether `body`, a line of tildes at least as long as the text line above it, underlines
/// that line as a heading (reST's and plain text's style) rather than opening a code fence.
fn underlines(above: Option<&Line<'_>>, body: &str) -> bool {
    above.is_some_and(|l| {
        !l.skip
            && !l.body.is_empty()
            && l.marker().0 == blocks::Marker::None
            && body.bytes().all(|b| b == b'~')
            && body.len() >= l.body.chars().count().max(3)
    })
}

/// Marks the rows of tables written without the outer pipes: a line with a `|` over a
/// delimiter row (`--- | :---:`), and the lines with a `|` after them, up to a blank line.
fn mark_bare_tables(lines: &mut [Line<'_>]) {
    // (The first byte rules out nearly every line before the whole line is read.)
    let is_delimiter = |l: &Line<'_>| {
        matches!(l.body.as_bytes().first(), Some(b'-' | b':' | b'|'))
            && !l.skip
            && blocks::is_delimiter_row(l.body)
    };
    let mut k = 1;
    while k < lines.len() {
        let header = &lines[k - 1];
        if !is_delimiter(&lines[k]) || header.skip || header.table || !header.body.contains('|') {
            k += 1;
            continue;
        }
        lines[k - 1].table = true;
        while k < lines.len() && !lines[k].skip && lines[k].body.contains('|') {
            lines[k].table = true;
            k += 1;
        }
    }
}

/// The lines inside `lines`' code fences, as content.
fn fenced_code<'a>(lines: &[Line<'a>]) -> Vec<Line<'a>> {
    let mut inside = false;
    let mut code = Vec::new();
    for l in lines.iter().filter(|l| l.skip) {
        if l.body.starts_with("```") || l.body.starts_with("~~~") {
            inside = !inside;
        } else if inside {
            code.push(Line::new(l.no, l.indent, l.body, false));
        }
    }
    code
}

/// Marks the rows of tables copied out of a document editor as text: lines whose cells are
/// parted by tabs, a header without figures over rows with as many cells, no blank line
/// between (`Action Item<TAB>Owner<TAB>Bug` over `Rotate the key<TAB>chenli<TAB>b/12345`).
fn mark_tab_tables(lines: &mut [Line<'_>]) {
    let cells = |l: &Line<'_>| {
        let tabbed = !l.skip && l.body.contains('\t') && !l.body.contains('|');
        if tabbed {
            l.body.split('\t').count()
        } else {
            0
        }
    };
    let counts: Vec<usize> = lines.iter().map(cells).collect();
    let mut k = 0;
    while k < lines.len() {
        let n = counts[k];
        let header = n >= 2 && lines[k].marker().0 == blocks::Marker::None && lines[k].digits == 0;
        let run = counts[k..].iter().take_while(|&&c| c == n).count();
        if header && run >= 2 {
            for l in &mut lines[k..k + run] {
                l.table = true;
            }
        }
        k += run.max(1);
    }
}

/// Whether a line opens a block of its own (a heading, a list item, a table row, a fence, an
/// HTML tag) rather than going on a paragraph.
fn opens_block(body: &str) -> bool {
    body.starts_with(['#', '|', '<', '`', '~']) || blocks::marker(body).0 != blocks::Marker::None
}

/// How many ASCII digits `s` has. (Counted a block of 255 bytes at a time in a byte, which
/// cannot overflow: a loop the compiler runs over many bytes at once.)
pub(crate) fn count_digits(s: &str) -> u32 {
    s.as_bytes()
        .chunks(255)
        .map(|block| {
            block
                .iter()
                .fold(0u8, |n, c| n + u8::from(c.is_ascii_digit()))
        })
        .map(u32::from)
        .sum()
}

fn is_link_definition(body: &str) -> bool {
    body.starts_with('[')
        && body.find("]:").is_some_and(|i| {
            i > 1
                && !body[..i].contains(']')
                && body[i + 2..].trim_start().contains(['/', '.', '#'])
        })
}

/// A run of lines under one heading, with what it is about.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    /// The effective kind: the nearest enclosing heading that is recognised decides.
    pub kind: SectionKind,
    /// The kind of the segment's own heading (`Other` when unrecognised).
    pub heading_kind: SectionKind,
    /// The heading's own text, including text after a label's colon.
    pub heading: Option<String>,
    /// Indexes into the document's lines (the heading excluded).
    pub lines: std::ops::Range<usize>,
    /// The segment of the heading this one's heading stands under (`None` at the top).
    pub parent: Option<usize>,
    /// The section lists actions already taken, beside one of actions planned: its items
    /// are items, done.
    pub done: bool,
    /// The heading is a line in bold or a label (`**Long term**`, `Detection:`), not one
    /// marked as a heading: inside actions, it titles a group of them.
    pub label: bool,
    /// A heading under actions that splits them by phase or by when (`### Detection`,
    /// `### Short term`, `### Done`): its items are the actions', whatever its siblings say.
    pub group: bool,
}

/// The document cut into segments.
pub(crate) struct Doc {
    pub segments: Vec<Segment>,
    /// The sections, without their heading text (in the segments until `parse` moves it).
    pub sections: Vec<Section>,
    pub title: Option<String>,
}

/// A heading found on a line.
#[derive(Debug)]
struct Heading {
    level: usize,
    text: String,
    kind: SectionKind,
    /// How many lines the heading takes (2 for setext).
    span: usize,
}

/// Finds headings and cuts the document into segments. `titled`: front matter names the
/// title, so the first heading is a section like any other.
fn sections(lines: &[Line<'_>], titled: bool, options: &ParseOptions) -> Doc {
    let mut segments = Vec::with_capacity(16);
    let mut sections = Vec::with_capacity(16);
    let mut title: Option<String> = None;
    let mut title_decided = titled;
    // (level, kind, segment) of the enclosing headings.
    let mut stack: Vec<(usize, SectionKind, usize)> = Vec::new();
    let mut current = Segment {
        kind: SectionKind::Other,
        heading_kind: SectionKind::Other,
        heading: None,
        lines: 0..0,
        parent: None,
        done: false,
        label: false,
        group: false,
    };
    // Inside an HTML table written a tag a line (`<th>Action</th>`), no line is a heading
    // (one never closed is not waited for: the headings after it stay).
    let closes_table = |l: &Line<'_>| inline::find_ascii_ci(l.body, 0, "</table").is_some();
    // (Where the last table closes: found once, when a table first opens.)
    let mut last_close: Option<Option<usize>> = None;
    let mut in_html_table = false;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.skip || line.body.is_empty() {
            i += 1;
            continue;
        }
        if line.body.starts_with('<') && blocks::html_table::opens(line.body) {
            let last = *last_close.get_or_insert_with(|| lines.iter().rposition(closes_table));
            in_html_table = last.is_some_and(|c| c >= i);
        }
        if in_html_table {
            in_html_table = !closes_table(line);
            i += 1;
            continue;
        }
        let mut found = heading(lines, i, current.kind, options);
        if !title_decided && !is_decoration(line.body) && !vocab::is_metadata_line(line.body) {
            title_decided = true;
            // The document's title names the incident ("Rule Preventing Inbound Traffic"); it
            // is not a section, whatever its words.
            // So is the one `#` heading of a document whose sections stand under it ("# DNS
            // resolution failures"), unless it is a label or made only of section words
            // ("#Issue Summary:").
            if let Some(h) = found.as_mut() {
                let only_top = || {
                    h.level == 1
                        && line.body.starts_with('#')
                        && !line.body.ends_with(':')
                        && vocab::is_plain_heading(&h.text).is_none()
                        && !lines[i + 1..]
                            .iter()
                            .any(|l| !l.skip && atx(l.body).is_some_and(|(level, _)| level == 1))
                };
                // (A note in brackets is not counted: "Timeline (all times in PST)".)
                let unnoted = h.text.split('(').next().unwrap_or_default();
                if inline::words_up_to(unnoted, 4) >= 4 || only_top() {
                    h.kind = SectionKind::Other;
                }
            }
            let trimmed = |t: &str| {
                Some(t.trim_end_matches(':').trim().to_string()).filter(|t| !t.is_empty())
            };
            title = match &found {
                Some(h) if h.kind == SectionKind::Other => trimmed(&h.text),
                Some(_) => None,
                None => {
                    let p = inline::plain(line.body);
                    // `Title: Storage cluster degraded`: a field that names the title.
                    let p = match p.split_once(':') {
                        Some((key, rest)) if key.trim().eq_ignore_ascii_case("title") => {
                            rest.trim().to_string()
                        }
                        _ => p,
                    };
                    // As for a heading: four words or more name the incident, whatever they say.
                    let names_incident = inline::words_up_to(&p, 4) >= 4
                        || vocab::classify(&p) == SectionKind::Other;
                    if p.len() <= 120 && names_incident {
                        trimmed(&p)
                    } else {
                        None
                    }
                }
            };
        }
        let Some(h) = found else {
            i += 1;
            continue;
        };
        current.lines.end = i;
        segments.push(current);
        while stack.last().is_some_and(|(l, ..)| *l >= h.level) {
            stack.pop();
        }
        let parent = stack.last().map(|(.., seg)| *seg);
        let mut h = h;
        // Inside Lessons learned, a topic heading that names prevention ("Email Prevention")
        // is a lesson; only an explicit task heading ("Action items") opens actions there.
        if matches!(
            h.kind,
            SectionKind::Preventive | SectionKind::Corrective | SectionKind::Measures
        ) && stack
            .iter()
            .any(|(_, k, _)| *k == SectionKind::LessonsLearned)
        {
            h.kind = SectionKind::LessonsLearned;
        }
        // Under actions, a label in bold or with a colon that names a phase ("Detection:",
        // "**Mitigation**") titles a group of them: a heading would end the section.
        let label = h.level >= 7;
        let under_actions = stack
            .iter()
            .rev()
            .map(|(_, k, _)| *k)
            .find(|k| *k != SectionKind::Other)
            .is_some_and(SectionKind::is_action);
        if label
            && under_actions
            && matches!(h.kind, SectionKind::Detection | SectionKind::Resolution)
        {
            h.kind = SectionKind::Other;
        }
        // So does a heading there that names a phase in a few words ("### Detection", "###
        // Root cause fix", "### Impact reduction"), or says when or how far along
        // ("### Short term", "### This sprint", "### Done").
        let phase = matches!(
            h.kind,
            SectionKind::Detection
                | SectionKind::Resolution
                | SectionKind::Impact
                | SectionKind::RootCause
        ) && !label
            && inline::words_up_to(&h.text, 4) <= 3;
        let group = under_actions
            && (phase || (h.kind == SectionKind::Other && vocab::is_group_heading(&h.text)));
        if group {
            h.kind = SectionKind::Other;
        }
        // A label or heading there that names reference material (`**Links**`,
        // `Participants:`, `### Open questions`) ends the actions: what stands under it is
        // kept beside them, not promised.
        if under_actions && h.kind == SectionKind::Other && vocab::is_reference_title(&h.text) {
            h.kind = SectionKind::Appendix;
        }
        stack.push((h.level, h.kind, segments.len()));
        let kind = stack
            .iter()
            .rev()
            .map(|(_, k, _)| *k)
            .find(|k| *k != SectionKind::Other)
            .unwrap_or(SectionKind::Other);
        // The heading's text stays with the segment while the segments are read; `parse`
        // moves it here after.
        sections.push(Section {
            kind: h.kind,
            heading: String::new(),
            line: line.no,
        });
        current = Segment {
            kind,
            heading_kind: h.kind,
            heading: Some(h.text),
            lines: i + h.span..i + h.span,
            parent,
            done: false,
            label,
            group,
        };
        i += h.span;
    }
    current.lines.end = lines.len();
    segments.push(current);
    // An unrecognised heading inherits an action section's kind only when no heading beside
    // it names actions itself: beside "Improvement Plan", "Identified Problems" is not one.
    // (A label does not count: "Here is what we are going to do:" over `### Registry`
    // introduces the headings after it.)
    let mut names_actions = vec![false; segments.len()];
    for seg in &segments {
        if let Some(p) = seg
            .parent
            .filter(|_| seg.heading_kind.is_action() && !seg.label)
        {
            names_actions[p] = true;
        }
    }
    // (A label among labels that name actions is one of the groups: "**Prevent**",
    // "**Mitigate**", "**Process**".)
    for seg in &mut segments {
        let inherited = seg.heading_kind == SectionKind::Other && seg.kind.is_action();
        if inherited && !seg.label && !seg.group && seg.parent.is_some_and(|p| names_actions[p]) {
            seg.kind = SectionKind::Other;
        }
    }
    // "Actions taken:" next to "Actions planned:" under one heading (one incident's done and
    // open actions): the taken ones are items too, done. Alone, "Actions taken" is what was
    // done during the incident (a resolution), not a promise.
    // (Most documents have no heading of actions taken: only beside one is a heading read
    // for planned ones.)
    fn heading_of(s: &Segment) -> &str {
        s.heading.as_deref().unwrap_or("")
    }
    let is_taken: Vec<bool> = segments
        .iter()
        .map(|s| vocab::actions_taken(heading_of(s)))
        .collect();
    for k in 1..segments.len() {
        let (a, b) = (&segments[k - 1], &segments[k]);
        if a.parent != b.parent || !(is_taken[k - 1] || is_taken[k]) {
            continue;
        }
        let taken = if is_taken[k - 1] && vocab::actions_planned(heading_of(b)) {
            Some(k - 1)
        } else if is_taken[k] && vocab::actions_planned(heading_of(a)) {
            Some(k)
        } else {
            None
        };
        if let Some(t) = taken {
            segments[t].kind = SectionKind::Tasks;
            segments[t].heading_kind = SectionKind::Tasks;
            segments[t].done = true;
            sections[t - 1].kind = SectionKind::Tasks;
        }
    }
    Doc {
        segments,
        sections,
        title,
    }
}

/// Lines that are not text a reader would call a title: images, links alone, rules, tags.
fn is_decoration(body: &str) -> bool {
    body.starts_with("![")
        || body.starts_with("http://")
        || body.starts_with("https://")
        || body
            .chars()
            .all(|c| matches!(c, '-' | '=' | '*' | '_' | ' '))
        || (body.starts_with('<') && inline::plain(body).is_empty())
}

fn classify(text: &str, options: &ParseOptions) -> SectionKind {
    if !options.synonyms.is_empty() {
        let lower = text.to_lowercase();
        if let Some((_, kind)) = options
            .synonyms
            .iter()
            .find(|(phrase, _)| lower.contains(&phrase.to_lowercase()))
        {
            return *kind;
        }
    }
    vocab::classify(text)
}

/// Recognises a heading at line `i` in any of the styles people use. `context` is the kind of
/// the segment the line stands in: inside a timeline, indented labels are entries, not
/// headings; inside an action section, unknown labels are group titles.
fn heading(
    lines: &[Line<'_>],
    i: usize,
    context: SectionKind,
    options: &ParseOptions,
) -> Option<Heading> {
    let line = &lines[i];
    let body = line.body;
    // From heading text already made plain (the kind from the part before a colon), or from
    // Markdown.
    let from_plain = |level: usize, text: &str, span: usize| {
        let text = heading_text(text);
        // `### 4:09-4:56 PM: Post-incident follow-up` is a moment of the timeline, not a
        // section about follow-ups: it takes the kind of the heading it stands under.
        // `### Action item 1: Add a canary stage` is an item, not a section of actions.
        let kind = if starts_with_time(text) || vocab::after_action_label(text).is_some() {
            SectionKind::Other
        } else {
            classify(label_part(text), options)
        };
        Heading {
            level,
            text: text.trim_end_matches(':').trim().to_string(),
            kind,
            span,
        }
    };
    let make =
        |level: usize, text: &str, span: usize| from_plain(level, &inline::plain_cow(text), span);

    if let Some((level, rest)) = atx(body) {
        return Some(make(level, rest, 1));
    }
    // HTML headings: `<h2>Timeline:</h2>`.
    if body.len() > 4 && body.as_bytes()[0] == b'<' && (body.as_bytes()[1] | 0x20) == b'h' {
        let level = body.as_bytes()[2];
        if (b'1'..=b'6').contains(&level) {
            let text = inline::plain(body);
            if !text.is_empty() {
                return Some(make(usize::from(level - b'0'), &text, 1));
            }
        }
    }
    if line.table {
        return None;
    }
    // The line's first `<` or `:`, found in one search: most lines have neither.
    let first_mark = memchr::memchr2(b'<', b':', body.as_bytes());
    // `PDT<br> Duration: ...` goes on a field line wrapped before its `<br>`: not a label.
    if first_mark.is_some_and(|p| body.as_bytes()[p] == b'<')
        && body
            .find("<br")
            .is_some_and(|br| body.find(':').is_some_and(|colon| br < colon))
    {
        return None;
    }
    // Setext: a line underlined with `===` or `---` (or reST's `~~~`, see `underlines`).
    if let Some(next) = lines.get(i + 1) {
        let u = next.body;
        if !next.skip
            && u.len() >= 2
            && next.indent < 4
            && (u.bytes().all(|b| b == b'=')
                || u.bytes().all(|b| b == b'-')
                || underlines(Some(line), u))
            && line.marker().0 == blocks::Marker::None
        {
            let level = match u.as_bytes()[0] {
                b'=' => 1,
                b'-' => 2,
                _ => 3,
            };
            return Some(make(level, body, 2));
        }
    }
    let (marker, _, rest) = line.marker();
    // Most lines are prose: decide from the raw bytes, without allocating, that they cannot
    // be headings. A heading is short, or has a short label before a colon.
    // Only a colon among the first 121 bytes counts: the search stops there. The first mark
    // found above is that colon when it stands in `rest` (which ends `body`).
    let window = &rest.as_bytes()[..rest.len().min(121)];
    let rest_at = line.rest_at;
    let colon = match first_mark {
        None => None,
        Some(p) if p >= rest_at && body.as_bytes()[p] == b':' => {
            Some(p - rest_at).filter(|&c| c < window.len())
        }
        Some(_) => memchr::memchr(b':', window),
    };
    let short = body.len() <= 150;
    if !short && colon.is_none() {
        return None;
    }
    let label_colon = colon.filter(|&c| {
        let label = rest[..c].trim_end_matches(['*', '_', ' ']);
        let alone = rest[c + 1..].trim_start_matches(['*', '_', ' ']).is_empty();
        !label.ends_with(|ch: char| ch.is_ascii_digit())
            && at_most_words(label, 10)
            && is_one_phrase(label)
            // With text after it, a label starts a section only if it names one, outside
            // lists and in five words at most (as the labels below are read).
            && (alone
                || (marker == blocks::Marker::None
                    && at_most_words(label, 5)
                    && vocab::may_name_section(label)))
    });
    // (Asked only of a line without such a label: the label decides the rest.)
    // A short line alone over a list may title it in more words (below): the lines around
    // are looked at first, since few lines stand so.
    let over_list = || {
        let next = |k: usize| lines.get(k).filter(|n| !n.skip);
        let is_item = |n: &Line<'_>| n.marker != blocks::Marker::None;
        line.indent == 0
            && (i == 0 || lines[i - 1].body.is_empty())
            && (next(i + 1).is_some_and(is_item)
                || (blank_follows(lines, i) && next(i + 2).is_some_and(is_item)))
    };
    let line_heading = || {
        marker == blocks::Marker::None
            && short
            && (body.starts_with(['*', '_'])
                || !body.bytes().any(|b| b.is_ascii_lowercase())
                || ((at_most_words(rest, 6) || (over_list() && at_most_words(rest, 8)))
                    && vocab::may_name_section(rest)))
    };
    // `3. Corrective measures`, `4) TIMELINE`: a numbered line at the margin made only of a
    // section's words, as Word and Google Docs export numbered headings to text. (Among
    // actions, one that names actions is an item's title: "2. Improvements".)
    if marker == blocks::Marker::Number
        && line.indent == 0
        && label_colon.is_none()
        && at_most_words(rest, 6)
    {
        let plain = inline::plain_cow(rest);
        let text = plain.trim();
        let kind = at_most_words(text, 6)
            .then(|| vocab::is_plain_heading(text))
            .flatten()
            .filter(|k| !(context.is_action() && k.is_action()));
        // (`5. CONTACT`: in capitals, as reports number their sections, whatever its words.)
        let kind = kind.or_else(|| in_capitals(text).then(|| classify(text, options)));
        if let Some(kind) = kind {
            return Some(Heading {
                level: 7,
                text: text.to_string(),
                kind,
                span: 1,
            });
        }
    }
    if label_colon.is_none() && !line_heading() {
        return None;
    }
    let plain = inline::plain_cow(rest);
    // Counted up to 13: the tests below ask for at most 12.
    let words = inline::words_up_to(&plain, 13);
    if words == 0 {
        return None;
    }
    let in_timeline = context == SectionKind::Timeline;
    let in_action = context.is_action();
    // `Action item: text` is an item wherever it stands, never a heading.
    if vocab::after_action_label(rest).is_some() {
        return None;
    }

    if marker == blocks::Marker::None && short {
        // A whole line in bold or italics: `*Root Cause and Resolution*`, `**Tasks:**`.
        // Here `rest` is `body`: `plain` is the body made plain.
        // (Not a byline or a tool's footer in italics: `*Exported from incident.io on ...*`.)
        if inline::is_emphasised_line(body)
            && words <= 12
            && !plain.ends_with('.')
            && !vocab::is_publication_line(&plain)
        {
            return Some(from_plain(7, &plain, 1));
        }
        // ALL CAPS: `ROOT CAUSE AND RESOLUTION`.
        // The cheap tests first: most lines have a lower-case letter early on.
        if words <= 8 && !in_timeline && in_capitals(&plain) {
            return Some(from_plain(7, &plain, 1));
        }
        // A plain line made of heading words: `Events Timeline`, `Action Items`; not the end
        // of a wrapped sentence ("The indexer stopped and\nwhat we will do").
        if words <= 6 && !plain.ends_with(':') && line.indent < 4 && !wraps_previous(lines, i) {
            if let Some(kind) = vocab::is_plain_heading(&plain) {
                return Some(Heading {
                    level: 7,
                    text: heading_text(&plain)
                        .trim_end_matches(':')
                        .trim()
                        .to_string(),
                    kind,
                    span: 1,
                });
            }
        }
        // A short line standing alone over a list (right under it, or after one blank
        // line), that names actions, titles that list, in whatever words: plain-text
        // documents write their headings so ("What we're going to do", "Our commitments").
        // (A heading's words, not a sentence's: three at most, or a question's or a list's
        // title, "What ...", "Things ...": "We missed our SLA commitments" is a sentence.)
        let titles = words <= 3 || {
            let first = plain.split(' ').next().unwrap_or_default();
            ["what", "things", "how"]
                .iter()
                .any(|w| first.eq_ignore_ascii_case(w))
        };
        if titles
            && words <= 8
            && !in_timeline
            && !plain.ends_with(['.', ',', ';', ':'])
            && over_list()
        {
            let kind = classify(&plain, options);
            if kind.is_action() {
                return Some(from_plain(7, &plain, 1));
            }
        }
    }

    // Labels: `Corrective and Preventative Measures:`, `* Improvements/Fixes:`,
    // `Root Cause: The root cause was...`, `Corrective Actions: the team proposes:`.
    let (label, after) = match plain.split_once(':') {
        Some((l, a)) => (l.trim(), a.trim()),
        None => return None,
    };
    let label_words = inline::words_up_to(label, 11);
    if label.is_empty() || label_words > 10 || label.contains("http") || !is_one_phrase(label) {
        return None;
    }
    // A colon inside a time ("9:00 PM") is not a label.
    if label.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if in_timeline && line.indent > 0 {
        return None;
    }
    // A label with text after it starts a section only outside lists (below): whatever its
    // kind, a longer one or one in a list is not worth classifying.
    if !after.is_empty() && (marker != blocks::Marker::None || label_words > 5) {
        return None;
    }
    let kind = classify(label, options);
    let level = 8 + line.indent + usize::from(marker != blocks::Marker::None);
    if after.is_empty() {
        if kind != SectionKind::Other {
            return Some(Heading {
                level,
                text: label.to_string(),
                kind,
                span: 1,
            });
        }
        // An unknown label: in an action section it is a group title when lines follow it
        // directly; otherwise, at the left margin, it starts a new (unrecognised) section,
        // unless it goes on the sentence above it ("we have\nmade a few changes:").
        if marker != blocks::Marker::None || line.indent > 0 || in_timeline {
            return None;
        }
        if wraps_previous(lines, i) {
            return None;
        }
        if in_action && !blank_follows(lines, i) {
            return None;
        }
        // Among actions, a longer one is a sentence introducing them ("The following actions
        // were agreed in the review meeting:"), not a group's title: a title is short.
        if in_action && label_words > 5 {
            return None;
        }
        if !in_action && !blank_follows(lines, i) && next_is_indented(lines, i) {
            return None;
        }
        return Some(Heading {
            level,
            text: label.to_string(),
            kind,
            span: 1,
        });
    }
    // A label with text after it starts a section only outside lists, and inside an action
    // section only as an introduction ("Corrective Actions: we propose the following:").
    if marker != blocks::Marker::None || label_words > 5 || kind == SectionKind::Other {
        return None;
    }
    // Inside an action section a label with text is an item ("Detection: add alerts"),
    // unless it plainly ends the section ("Conclusion: ...") or introduces more actions.
    let ends_actions = matches!(
        kind,
        SectionKind::Conclusion
            | SectionKind::LessonsLearned
            | SectionKind::Appendix
            | SectionKind::Timeline
            | SectionKind::ContributingFactors
            | SectionKind::RootCause
    );
    if in_action && !(kind.is_action() && after.ends_with(':')) && !ends_actions {
        return None;
    }
    // In a timeline, "Resolution: service restored" is an event, not a section.
    if in_timeline
        && (line.indent > 0
            || matches!(
                kind,
                SectionKind::Resolution
                    | SectionKind::Detection
                    | SectionKind::Timeline
                    | SectionKind::Duration
            ))
    {
        return None;
    }
    Some(Heading {
        level,
        text: plain.trim_end_matches(':').to_string(),
        kind,
        span: 1,
    })
}

/// The day a heading names when it opens with a date and holds no time (`2023-09-20`,
/// `2025-07-26 Saturday`, `March 5, 2025: ...`); a day without a year takes the document's.
fn heading_day(heading: &str, ctx: &incident::Context) -> Option<chrono::NaiveDate> {
    // (A weekday before the day says no more: `### Tuesday 14 March 2023`.)
    let day = time::without_weekday(heading.trim().trim_start_matches(['{', '_', '*', ' ']));
    let f = time::leading_found(day)?;
    if f.start != 0 || f.stamp.time.is_some() {
        return None;
    }
    day_in(&f, ctx)
}

/// The day a heading names relative to others: `Day 2` counts from the document's day
/// (`first`), a weekday alone (`Friday`) is the first such day from the last entry's (`last`).
fn relative_day(
    heading: &str,
    first: Option<chrono::NaiveDate>,
    last: Option<chrono::NaiveDate>,
) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    let h = heading.trim().trim_matches(['*', '_', ' ', ':']);
    if let Some(n) = h.get(..4).filter(|d| d.eq_ignore_ascii_case("day ")) {
        let k: u64 = h[n.len()..].parse().ok().filter(|k| (1..=31).contains(k))?;
        return first?.checked_add_days(chrono::Days::new(k - 1));
    }
    let weekday: chrono::Weekday = time::is_weekday(h).then(|| h.parse().ok()).flatten()?;
    let from = last.or(first)?;
    from.iter_days().take(7).find(|d| d.weekday() == weekday)
}

/// The first day written anywhere in a heading (`Timeline (2023-01-19, all times CET)`).
fn date_in_heading(heading: &str, ctx: &incident::Context) -> Option<chrono::NaiveDate> {
    time::moments(heading).iter().find_map(|f| day_in(f, ctx))
}

/// The day a moment names: its date, or its month and day in the incident's year.
fn day_in(f: &time::Found, ctx: &incident::Context) -> Option<chrono::NaiveDate> {
    f.date_in(|| ctx.order()).or_else(|| {
        let (m, d) = f.month_day?;
        let year = chrono::Datelike::year(&ctx.date?);
        chrono::NaiveDate::from_ymd_opt(year, m, d)
    })
}

/// An ATX heading's level and text, also without the space (`#Issue Summary:`); not `#123`.
fn atx(body: &str) -> Option<(usize, &str)> {
    if !body.starts_with('#') {
        return None;
    }
    let hashes = body.bytes().take_while(|b| *b == b'#').count();
    let rest = &body[hashes..];
    let ok = hashes <= 6
        && rest
            .chars()
            .next()
            .is_some_and(|c| c == ' ' || c.is_alphabetic() || c == '*' || c == '_');
    (ok && !rest.trim().is_empty()).then_some((hashes, rest))
}

/// Whether `text` opens with a time of day (`4:09 PM`, `~9:43 AM`, `10:07-10:29`).
fn starts_with_time(text: &str) -> bool {
    let t = text.trim_start_matches(['~', '[', '(', ' ']);
    t.starts_with(|c: char| c.is_ascii_digit())
        && time::leading_found(t).is_some_and(|f| f.start == 0 && f.stamp.time.is_some())
}

/// Whether a label is one phrase, not a sentence's end ("We rolled back. Follow-up: ...").
fn is_one_phrase(label: &str) -> bool {
    !memchr::memchr_iter(b'.', label.as_bytes()).any(|p| label.as_bytes().get(p + 1) == Some(&b' '))
}

/// Whether `s` has at most `n` words.
fn at_most_words(s: &str, n: usize) -> bool {
    inline::words_up_to(s, n + 1) <= n
}

/// Plain heading text without the closing hashes of `## Heading ##`.
fn heading_text(plain: &str) -> &str {
    plain.trim().trim_end_matches('#').trim()
}

/// Whether `text` is written in capitals as a heading is (`ROOT CAUSE`, `5. CONTACT`): no
/// letter in lower case, four letters at least, no full stop at its end.
fn in_capitals(text: &str) -> bool {
    !text.ends_with('.')
        && text.chars().all(|c| !c.is_lowercase())
        && text.chars().filter(|c| c.is_alphabetic()).count() >= 4
}

/// The part of a heading before a colon: `Duration of Outage: 10:00 AM - ...` → `Duration
/// of Outage`.
fn label_part(text: &str) -> &str {
    match text.split_once(':') {
        Some((l, _)) if !l.trim().is_empty() && !l.ends_with(|c: char| c.is_ascii_digit()) => l,
        _ => text,
    }
}

/// Whether line `i` goes on the sentence of the line before it: that line is prose that ends
/// no sentence, and this one starts in lower case (a hard-wrapped paragraph).
fn wraps_previous(lines: &[Line<'_>], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &lines[p]) else {
        return false;
    };
    !prev.skip
        && !prev.body.is_empty()
        && !prev.body.starts_with(['#', '|', '<'])
        && !prev.body.ends_with(['.', '!', '?', ':', ';', '|'])
        && lines[i].body.starts_with(|c: char| c.is_lowercase())
}

fn blank_follows(lines: &[Line<'_>], i: usize) -> bool {
    lines.get(i + 1).is_none_or(|l| l.body.is_empty())
}

fn next_is_indented(lines: &[Line<'_>], i: usize) -> bool {
    let indent = lines[i].indent;
    lines[i + 1..]
        .iter()
        .find(|l| !l.body.is_empty() && !l.skip)
        .is_some_and(|l| l.indent > indent)
}

/// A line of Markdown as plain words: emphasis, links, tags, entities and emoji shortcodes
/// removed, whitespace collapsed. Item texts are already in this form.
pub fn plain_text(markdown: &str) -> String {
    inline::plain(markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_not_a_metadata_line() {
        let title = |text: &str| parse("t.md", text, &ParseOptions::default()).title;
        assert_eq!(
            title("Owner: @x\nDate: 2024-01-01\n\nDatabase outage\n\nThe database went down.\n")
                .as_deref(),
            Some("Database outage")
        );
        assert_eq!(
            title("---\ntitle: From front matter\n---\nOwner: @x\n\nText.\n").as_deref(),
            Some("From front matter")
        );
        assert_eq!(
            title("**Status**: resolved\n\n# The real title\n").as_deref(),
            Some("The real title")
        );
        // The one `#` heading above `##` sections, whatever its words; not a label of them.
        assert_eq!(
            title("# DNS resolution failures\n\n## Summary\n\nText.\n").as_deref(),
            Some("DNS resolution failures")
        );
        assert_eq!(
            title("#Issue Summary:\n\nText.\n\n## Timeline\n").as_deref(),
            None
        );
        // A `Title:` field names it.
        assert_eq!(
            title("Incident ID: INC-2291\nTitle: Storage cluster degraded\n\nText.\n").as_deref(),
            Some("Storage cluster degraded")
        );
        // `Incident:` before an id is a field; before words it names the incident, as a
        // heading or as a reST title underlined (and a `Reporter:` is no title).
        assert_eq!(
            title("# Incident: feature flags returned defaults\n\nReporter: ana\n").as_deref(),
            Some("Incident: feature flags returned defaults")
        );
        assert_eq!(
            title("Incident: INC-2041\nReporter: ana\n\nMirror sync stalled for a day\n")
                .as_deref(),
            Some("Mirror sync stalled for a day")
        );
    }

    #[test]
    fn a_heading_underlined_with_tildes_is_no_code_fence() {
        // reST's third level: the file after it is read, not swallowed by an open fence.
        let text = "Mirror sync stalled\n===================\n\nTODO\n~~~~\n\n\
                    [ ] Add a timeout to the rsync run.\n\n```\n~~~~\n```\n";
        let pm = parse("r.txt", text, &ParseOptions::default());
        let headings: Vec<_> = pm.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Mirror sync stalled", "TODO"]);
        assert_eq!(pm.actions.len(), 1);
        assert!(pm.diagnostics.iter().all(|d| d.code != "unclosed-block"));
    }

    #[test]
    fn a_sentence_introducing_a_quote_through_a_link_is_not_a_heading() {
        // The first colon stands in the link's URL: the words before it are no label.
        let pm = parse(
            "t.md",
            "# Phishing\n\n## Summary\n\nThe impacted user [posted about the activity on \
             Twitter](https://example.com/status/1):\n\n> There was a phishing attack.\n\n\
             - Action items [see](https://example.com/x): rotate the tokens\n",
            &ParseOptions::default(),
        );
        let headings: Vec<_> = pm.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Phishing", "Summary"]);
    }

    fn stamps(pm: &Postmortem) -> Vec<String> {
        pm.timeline
            .iter()
            .map(|e| e.time.map(|t| t.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn with_a_title_in_front_matter_the_first_heading_is_a_section() {
        // Four words or more make a first heading the title, when nothing else names one.
        let pm = parse(
            "t.md",
            "---\ntitle: Beta release outage\n---\n\n## Timeline (all times in PST)\n\n\
             - 2018-02-26 11:40 push fails\n- 2018-02-26 20:00 fix confirmed\n",
            &ParseOptions::default(),
        );
        assert_eq!(pm.title.as_deref(), Some("Beta release outage"));
        assert_eq!(pm.sections[0].kind, SectionKind::Timeline);
        assert_eq!(
            stamps(&pm),
            ["2018-02-26T11:40:00-08:00", "2018-02-26T20:00:00-08:00"]
        );
        // Without one, a zone note does not make the words of a title.
        let pm = parse(
            "t.md",
            "## Timeline (all times in PST)\n\n- 2018-02-26 11:40 push fails\n",
            &ParseOptions::default(),
        );
        assert_eq!(pm.title, None);
        assert_eq!(stamps(&pm), ["2018-02-26T11:40:00-08:00"]);
    }

    #[test]
    fn iana_zones_written_in_the_text_follow_daylight_saving() {
        // A note for the whole timeline: winter and summer dates take different offsets.
        let pm = parse(
            "t.md",
            "## Timeline\n\nAll times in Europe/Berlin\n\n- 2024-01-15 09:00 alert fired\n\
             - 2024-07-15 09:00 service restored\n",
            &ParseOptions::default(),
        );
        assert_eq!(
            stamps(&pm),
            ["2024-01-15T09:00:00+01:00", "2024-07-15T09:00:00+02:00"]
        );
        // A zone after one time, with the date from the line above.
        let pm = parse(
            "t.md",
            "## Timeline\n\n### 2024-03-12\n\n- 14:00 America/New_York: deploy started\n\
             - 15:00 UTC: rolled back\n",
            &ParseOptions::default(),
        );
        assert_eq!(
            stamps(&pm),
            ["2024-03-12T14:00:00-04:00", "2024-03-12T15:00:00Z"]
        );
        assert_eq!(pm.timeline[0].text, "deploy started");
    }

    #[test]
    fn a_fence_or_comment_left_open_is_said_where_it_opened() {
        for (text, line) in [
            ("# X\n\n## Action items\n\n```\ncode\n\n- [ ] lost\n", 5),
            ("# X\n\n<!-- draft\n\n## Action items\n\n- [ ] lost\n", 3),
        ] {
            let pm = parse("t.md", text, &ParseOptions::default());
            let said: Vec<_> = pm
                .diagnostics
                .iter()
                .filter(|d| d.code == "unclosed-block")
                .map(|d| d.line)
                .collect();
            assert_eq!(said, [Some(line)], "{text:?}");
        }
        let closed = parse(
            "t.md",
            "# X\n\n```\ncode\n```\n<!-- a -->\n<!--\nb\n-->\n",
            &ParseOptions::default(),
        );
        assert!(closed
            .diagnostics
            .iter()
            .all(|d| d.code != "unclosed-block"));
    }

    #[test]
    fn a_colon_after_a_sentence_s_end_opens_no_section() {
        // "Follow-up" names actions, but here it opens a sentence of the story: the paragraph
        // after it is no item.
        let pm = parse(
            "t.md",
            "# X\n\n## Resolution\n\nWe rolled back. Follow-up: we called the vendor.\n\n\
             The transaction log was replayed.\n",
            &ParseOptions::default(),
        );
        assert_eq!(pm.sections.len(), 2, "{:?}", pm.sections);
        assert!(pm.actions.is_empty(), "{:?}", pm.actions);
    }

    #[test]
    fn a_wrapped_line_ending_in_a_colon_goes_on_its_sentence() {
        let text = "# Outage\n\n## Data\n\nFrom monitoring (the moving average of successful\n\
                    pings):\n\n![](graph.png)\n\nSummary:\n\nIt was short.\n";
        let pm = parse("t.md", text, &ParseOptions::default());
        let headings: Vec<&str> = pm.sections.iter().map(|s| s.heading.as_str()).collect();
        // "pings):" continues the sentence; "Summary:" after a blank line is a heading.
        assert_eq!(headings, ["Outage", "Data", "Summary"]);
    }

    #[test]
    fn a_paragraph_above_items_written_as_headings_introduces_them() {
        let text =
            "# Portal outage\n\n## Follow-up\n\nEach follow-up has an issue in the tracker.\n\n\
                    #### Cap connections per worker\n\nSet an explicit pool size.\n\n\
                    #### Canary deploys for the service\n\nDeploy to one worker first.\n\n\
                    ## Action items\n\nAdd a disk usage alert.\n\n### Links\n\nhttps://example.com/runbook\n";
        let pm = parse("t.md", text, &ParseOptions::default());
        let texts: Vec<_> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        // (One heading under a paragraph item leaves it an item.)
        assert_eq!(
            texts,
            [
                "Cap connections per worker",
                "Canary deploys for the service",
                "Add a disk usage alert."
            ]
        );
    }

    #[test]
    fn a_report_s_numbered_sections_in_capitals_and_numbered_paragraphs() {
        // `5. CONTACT` is the next section, not an item; `4.1` numbers a paragraph.
        let text = "INCIDENT REPORT IR-7\n\n4. CORRECTIVE AND PREVENTIVE ACTIONS\n\n\
                    4.1 The purge worker will retry on any non-2xx response.\n\n\
                    4.2 Purge batch size will be made configurable.\n\n5. CONTACT\n\n\
                    5.1 Questions can be sent to ops@example.org.\n";
        let pm = parse("r.txt", text, &ParseOptions::default());
        let texts: Vec<_> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "The purge worker will retry on any non-2xx response.",
                "Purge batch size will be made configurable."
            ]
        );
    }

    #[test]
    fn a_numbered_line_of_a_section_s_words_is_a_heading() {
        let text = "Postmortem: disk full\n\n3. Corrective measures\n1) Turn off debug logging\n\
                    2) Add a disk usage alert\n\n4) TIMELINE\n2024-04-22 22:00 disk hits 100%\n\
                    2024-04-22 22:05 app stops responding\n\n## Action items\n\n\
                    1. Improvements\n2. Add a canary stage\n";
        let pm = parse("r.txt", text, &ParseOptions::default());
        let kinds: Vec<(&str, SectionKind)> = pm
            .sections
            .iter()
            .map(|s| (s.heading.as_str(), s.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("Corrective measures", SectionKind::Corrective),
                ("TIMELINE", SectionKind::Timeline),
                ("Action items", SectionKind::Tasks),
            ]
        );
        let texts: Vec<&str> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        // (Among actions, a numbered line that names actions is no heading.)
        assert_eq!(
            texts,
            [
                "Turn off debug logging",
                "Add a disk usage alert",
                "Improvements",
                "Add a canary stage"
            ]
        );
        assert_eq!(pm.timeline.len(), 2);
    }

    #[test]
    fn a_plain_text_report_is_read_by_its_plain_headings() {
        let text = "Incident report: DNS failures\nDate: 7 October 2025\n\nWhat happened\n\
                    On 7 October 2025, beginning at 10:20 BST, lookups failed.\n\n\
                    What we are doing about it\n\
                    1. Validate zone files in CI (owner: network team, by 31 October)\n\
                    2. Reload the last good zone on error\n";
        let pm = parse("r.txt", text, &ParseOptions::default());
        let kinds: Vec<(&str, SectionKind)> = pm
            .sections
            .iter()
            .map(|s| (s.heading.as_str(), s.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("What happened", SectionKind::Summary),
                ("What we are doing about it", SectionKind::Tasks)
            ]
        );
        let items: Vec<(&str, Option<&str>, Option<String>)> = pm
            .actions
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.owner.as_deref(),
                    a.due.map(|d| d.to_string()),
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                (
                    "Validate zone files in CI",
                    Some("network team"),
                    Some("2025-10-31".to_string())
                ),
                ("Reload the last good zone on error", None, None)
            ]
        );
        assert_eq!(
            pm.incident.start.map(|t| t.to_string()).as_deref(),
            Some("2025-10-07T10:20:00+01:00")
        );
    }

    #[test]
    fn a_short_line_alone_over_a_list_that_names_actions_titles_it() {
        for heading in [
            "What we will do",
            "What we're going to do",
            "What is being done",
            "Things we will do to prevent this",
            "Follow-up work",
            "Going forward",
            "Our commitments",
            "Changes we're making",
        ] {
            for gap in ["\n", "\n\n"] {
                let text = format!(
                    "Postmortem - indexer stalled\n\nWhat happened\nThe indexer stopped.\n\n\
                     {heading}{gap}1. Pin the client version\n2. Add lag alerting\n"
                );
                let pm = parse("r.txt", &text, &ParseOptions::default());
                let items: Vec<&str> = pm.actions.iter().map(|a| a.text.as_str()).collect();
                assert_eq!(
                    items,
                    ["Pin the client version", "Add lag alerting"],
                    "{heading:?}{gap:?}"
                );
            }
        }
        // The same words in a sentence, or ending a wrapped one, title nothing.
        for text in [
            "# X\n\n## Impact\n\nWe missed our SLA commitments for these customers\n\n\
             - Acme Corp was down\n",
            "# X\n\n## Impact\n\nGoing forward we saw the rate drop\n- 10:00 alerts\n",
            "# X\n\n## Impact\n\nThe fixes were deployed in this order\n- first the API\n",
            "# X\n\n## Summary\n\nWhat is being done is below.\n1. Pin the client version\n",
            "# X\n\n## Summary\n\nThe indexer stopped and\nwhat we will do\n- Pin it\n",
        ] {
            let pm = parse("t.md", text, &ParseOptions::default());
            assert!(pm.actions.is_empty(), "{text}: {:?}", pm.actions);
        }
    }

    #[test]
    fn a_first_line_of_four_words_is_the_title_whatever_they_name() {
        let pm = parse(
            "r.txt",
            "Incident Report - DNS resolution failures\n\nWhat happened\nLookups failed.\n",
            &ParseOptions::default(),
        );
        assert_eq!(
            pm.title.as_deref(),
            Some("Incident Report - DNS resolution failures")
        );
        // A short first line that names a section is that section, not a title.
        let pm = parse(
            "r.txt",
            "Root cause\n\nA bad zone file.\n",
            &ParseOptions::default(),
        );
        assert_eq!(pm.title, None);
    }

    #[test]
    fn a_quoted_message_goes_on_over_lines_without_its_marker() {
        // A chat log: each message's later lines lack the `>`; "what happened?" is a message,
        // not a heading, and a list after the quote is the document's again.
        let text = "## Appendix\n\n> ana [9:04 AM]\nlol\nwhat happened?\n>\n> bo [9:05 AM]\n\
                    Unclear\n\n## Action items\n\n> quoted\n- Add a canary stage\n";
        let pm = parse("t.md", text, &ParseOptions::default());
        let headings: Vec<&str> = pm.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Appendix", "Action items"]);
        let texts: Vec<&str> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["Add a canary stage"]);
        // A fence right after a quote ends it: the text after the fence is the document's.
        let pm = parse(
            "t.md",
            "## Action items\n\n> quoted\n```\ncode\n```\nAdd a canary stage\n",
            &ParseOptions::default(),
        );
        let texts: Vec<&str> = pm.actions.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["Add a canary stage"]);
    }

    #[test]
    fn lines_are_the_pieces_between_newlines() {
        let long = format!("{}\n{}\n\n", "a".repeat(40), "b\u{e9}".repeat(17));
        for text in ["", "\n", "a", "a\n", "a\r\nb", "\n\nx\n", long.as_str()] {
            let got: Vec<usize> = lines(text).0.iter().map(|l| l.no).collect();
            let want: Vec<usize> = (1..=text.split('\n').count()).collect();
            assert_eq!(got, want, "{text:?}");
            let bodies: Vec<&str> = lines(text).0.iter().map(|l| l.body).collect();
            let split: Vec<&str> = text.split('\n').map(str::trim).collect();
            assert_eq!(bodies, split, "{text:?}");
        }
    }
}
