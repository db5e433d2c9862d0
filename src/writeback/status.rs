//! The managed status block and task-list boxes: what the follow-up writes into a postmortem.
//!
//! The block sits between two marker comments ([`STATUS_BLOCK_BEGIN`], [`STATUS_BLOCK_END`]).
//! Everything between them is the tool's and is regenerated each run; everything outside is
//! the people's and is kept byte for byte, except the task-list boxes this module ticks. The
//! parser skips the block, so the block never feeds back into what is tracked.
//!
//! The tool replaces only what it can prove it wrote: the begin marker carries a fingerprint
//! of the block's text (`check=…`, see [`fingerprint`]), and a block whose markers do not pair
//! up (a begin without an end, an end without a begin, two blocks), whose marker lines were
//! edited, or whose text no longer matches its fingerprint is a [`BlockDamage`]: nothing is
//! written, and the damage is reported with its line and what to do.
//!
//! Guarantees, property-tested: writing twice equals writing once; removing the block gives
//! back the text it was written into; line endings (the file's own, LF or CRLF), a byte-order
//! mark and the presence or absence of a final newline are kept; an edit made outside the block
//! survives a rewrite (so a conflict is resolved by reading again and writing again); whatever
//! a person edits, no line they wrote or changed is ever removed (`tests/it/writeback_props.rs`).

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::parse::{STATUS_BLOCK_BEGIN, STATUS_BLOCK_END};

/// The first line of a block, up to its fingerprint (the parser recognises its prefix).
const BEGIN_HEAD: &str =
    "<!-- postmortem-tracker:status:begin (generated: write your own text outside this block) check=";
/// The begin marker of blocks written before the fingerprint existed: their content is taken as
/// the tool's, as it was then.
const LEGACY_BEGIN: &str =
    "<!-- postmortem-tracker:status:begin (generated: edits inside this block are replaced) -->";
/// The last line of a block.
pub const END_LINE: &str = "<!-- postmortem-tracker:status:end -->";
/// Hex digits of the fingerprint.
const CHECK_LEN: usize = 16;

/// What to do about a damaged block, said once for every kind of damage.
const HOW_TO_FIX: &str = "nothing was written to this file; keep your own text outside the block, delete what is left of the block (its lines from the begin marker to the end marker, and any stray marker line), and the next follow-up writes a fresh one";

/// A status block the tool cannot safely replace. The text is left exactly as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockDamage {
    /// The 1-based line where the damage shows.
    pub line: usize,
    /// What is wrong there, in the reader's words.
    pub problem: String,
}

impl fmt::Display for BlockDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}

impl std::error::Error for BlockDamage {}

impl BlockDamage {
    /// The message for the file at `path`: `path:line: what is wrong; what to do`.
    pub fn at(&self, path: &str) -> String {
        format!("{path}:{}: {}", self.line, self.message())
    }

    /// What is wrong and what to do, without the place.
    pub fn message(&self) -> String {
        format!("{}; {HOW_TO_FIX}", self.problem)
    }
}

/// The fingerprint of a block's text (the lines between its markers): the first hex digits
/// of the SHA-256 of the text without whitespace and with each run of `-` as one, so that a
/// Markdown formatter re-padding the table is not taken for an edit, and any other change is.
pub fn fingerprint(inner: &str) -> String {
    let mut kept = String::with_capacity(inner.len());
    for c in inner.chars().filter(|c| !c.is_whitespace()) {
        if !(c == '-' && kept.ends_with('-')) {
            kept.push(c);
        }
    }
    let digest = Sha256::digest(kept.as_bytes());
    digest
        .iter()
        .take(CHECK_LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The line ending a text uses: that of its first line break (LF when it has none).
fn eol_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Byte offsets of the start of each line (a final empty line after a last `\n` included).
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// Where an intact block stands: (start of its first line, end of its last line without the
/// line break). `Ok(None)`: the text has no block. A block the tool cannot prove it wrote is
/// an error, and the text must then be left as it is.
pub fn find_block(text: &str) -> Result<Option<(usize, usize)>, BlockDamage> {
    let damage = |line: usize, problem: String| Err(BlockDamage { line, problem });
    // The begin marker seen and not yet closed: (line number, byte start, the line).
    let mut open: Option<(usize, usize, &str)> = None;
    // The block found: (first line, last line, begin line, inner text, start, end).
    let mut found: Option<(usize, usize, &str, &str, usize, usize)> = None;
    for (i, start) in line_starts(text).into_iter().enumerate() {
        let no = i + 1;
        let line = text[start..].split('\n').next().unwrap_or("");
        let line = line.trim_end_matches('\r');
        let body = line.trim();
        // Markers in fenced code count too (unlike in the parser): a block written after an
        // unclosed fence must still be found, or every run would add another.
        if body.starts_with(STATUS_BLOCK_BEGIN) {
            if let Some((b, _, _)) = open {
                return damage(no, format!("a second begin marker of the status block, while the block begun at line {b} has no end marker"));
            }
            if let Some((b, e, ..)) = found {
                return damage(
                    no,
                    format!("a second status block (the first is at lines {b}-{e})"),
                );
            }
            open = Some((no, start, body));
        } else if body.starts_with(STATUS_BLOCK_END) {
            let Some((b, b_start, b_line)) = open.take() else {
                return damage(
                    no,
                    "an end marker of the status block with no begin marker before it".into(),
                );
            };
            if body != END_LINE {
                return damage(no, format!("the status block's end marker was edited (the tool writes `{END_LINE}` alone on its line)"));
            }
            let inner_start = text[b_start..start]
                .find('\n')
                .map_or(start, |i| b_start + i + 1);
            found = Some((
                b,
                no,
                b_line,
                &text[inner_start..start],
                b_start,
                start + line.len(),
            ));
        } else if looks_like_marker(body) {
            return damage(no, "a comment that looks like a status block marker, edited: the tool writes `<!-- postmortem-tracker:status:begin … -->` and `<!-- postmortem-tracker:status:end -->`".into());
        }
    }
    if let Some((b, _, _)) = open {
        return damage(b, "the status block begun here has no end marker".into());
    }
    let Some((b, e, begin_line, inner, start, end)) = found else {
        return Ok(None);
    };
    if begin_line == LEGACY_BEGIN {
        return Ok(Some((start, end)));
    }
    let check = begin_line
        .strip_prefix(BEGIN_HEAD)
        .and_then(|r| r.strip_suffix(" -->"))
        .filter(|c| c.len() == CHECK_LEN && c.bytes().all(|b| b.is_ascii_hexdigit()));
    match check {
        None => damage(b, format!("the status block's begin marker was edited (the tool writes `{BEGIN_HEAD}… -->`)")),
        Some(c) if c != fingerprint(inner) => damage(
            b,
            format!("the status block (lines {b}-{e}) was changed after the tool wrote it, and the tool replaces only what it wrote"),
        ),
        Some(_) => Ok(Some((start, end))),
    }
}

/// A comment that names the tool's status block without being one of its markers: a marker
/// someone edited (case, spacing), which must not be taken for text and written around.
fn looks_like_marker(body: &str) -> bool {
    if !body.starts_with("<!") {
        return false;
    }
    let squashed: String = body
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    squashed.starts_with("<!--postmortem-tracker") && squashed.contains("status")
}

/// The block's lines, in the text's line ending, without a final line break. `body` is the
/// rendered `status_block` template; a marker line inside it is dropped, so the block cannot be
/// closed early by what the template produced.
fn block_text(body: &str, eol: &str) -> String {
    let mut inner = String::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with(STATUS_BLOCK_BEGIN)
            || t.starts_with(STATUS_BLOCK_END)
            || looks_like_marker(t)
        {
            continue;
        }
        inner.push_str(line.trim_end_matches('\r'));
        inner.push_str(eol);
    }
    format!(
        "{BEGIN_HEAD}{} -->{eol}{inner}{END_LINE}",
        fingerprint(&inner)
    )
}

/// Writes the status block: replaces the existing one where it stands, or inserts a new one
/// before 1-based line `before` (the first heading after the action items, typically), or at
/// the end of the text when `before` is `None` or past the end. A damaged block is an error,
/// and nothing is written.
pub fn write_block(text: &str, body: &str, before: Option<usize>) -> Result<String, BlockDamage> {
    let eol = eol_of(text);
    let block = block_text(body, eol);
    if let Some((start, end)) = find_block(text)? {
        let mut out = String::with_capacity(text.len() + block.len());
        out.push_str(&text[..start]);
        out.push_str(&block);
        out.push_str(&text[end..]);
        return Ok(out);
    }
    let starts = line_starts(text);
    // Never before the first line: a BOM, front matter or a title stays first.
    let at = before
        .filter(|l| *l >= 2)
        .and_then(|l| starts.get(l - 1).copied())
        .filter(|s| *s < text.len());
    let mut out = String::with_capacity(text.len() + block.len() + 8);
    match at {
        // Before a line: the block, then a blank line.
        Some(s) => {
            out.push_str(&text[..s]);
            out.push_str(&block);
            out.push_str(eol);
            out.push_str(eol);
            out.push_str(&text[s..]);
        }
        // At the end: a blank line, then the block; the final newline stays as it was.
        None => {
            out.push_str(text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(eol);
            }
            if !text.is_empty() {
                out.push_str(eol);
            }
            out.push_str(&block);
            if text.ends_with('\n') {
                out.push_str(eol);
            }
        }
    }
    Ok(out)
}

/// Removes the status block (and the blank line written with it), giving back the text as it
/// was before the block was first written. A text without an intact block is given back as is.
pub fn remove_block(text: &str) -> String {
    let Ok(Some((start, end))) = find_block(text) else {
        return text.to_string();
    };
    let eol = eol_of(text);
    let after = &text[end..];
    let mut out = String::with_capacity(text.len());
    if after.is_empty() || after == eol {
        // Written at the end: a blank line before the block (two line breaks when the text had
        // no final newline) goes with it.
        let added = if after.is_empty() { 2 } else { 1 };
        let mut cut = start;
        for _ in 0..added {
            if text[..cut].ends_with(eol) {
                cut -= eol.len();
            }
        }
        out.push_str(&text[..cut]);
    } else {
        out.push_str(&text[..start]);
        // Written before a line: drop the block's line break and the blank line after it.
        let rest = after
            .strip_prefix(eol)
            .map(|r| r.strip_prefix(eol).unwrap_or(r))
            .unwrap_or(after);
        out.push_str(rest);
    }
    out
}

/// Sets the task box on each 1-based line: `(line, true)` ticks it, `(line, false)` unticks
/// it, in the style it is written in (`- [ ]` and `- [x]`, `☐` and `☑`, `⬜` and `✅`). The
/// boxes are the ones the parser reads ([`crate::parse::task_box_at`]), so every box it
/// reports can be set; lines without one, and boxes already in that state, are left alone.
pub fn set_boxes(text: &str, changes: &[(usize, bool)]) -> String {
    let starts = line_starts(text);
    // (byte range of a box in `text`, what replaces it), in the order of the text.
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = changes
        .iter()
        .filter_map(|&(line, done)| {
            let start = *line.checked_sub(1).and_then(|i| starts.get(i))?;
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = &text[start..end];
            let body_at = start + line.len() - line.trim_start().len();
            let (at, ticked) = crate::parse::task_box_at(line.trim())?;
            let at = body_at + at.start..body_at + at.end;
            (ticked != done).then(|| (at.clone(), crate::parse::restyled_box(&text[at], done)))
        })
        .collect();
    edits.sort_by_key(|(at, _)| at.start);
    edits.dedup_by_key(|(at, _)| at.start);
    let mut out = String::with_capacity(text.len() + 8 * edits.len());
    let mut from = 0;
    for (at, with) in edits {
        out.push_str(&text[from..at.start]);
        out.push_str(with);
        from = at.end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str, body: &str, before: Option<usize>) -> String {
        write_block(text, body, before).unwrap()
    }

    #[test]
    fn inserts_before_a_line_and_removes_exactly() {
        let t = "# T\n\n## Action Items\n- [ ] a\n\n## Lessons\nx\n";
        let w = write(t, "## Status\n| a | open |", Some(6));
        let check = fingerprint("## Status\n| a | open |\n");
        assert_eq!(
            w,
            format!("# T\n\n## Action Items\n- [ ] a\n\n{BEGIN_HEAD}{check} -->\n## Status\n| a | open |\n{END_LINE}\n\n## Lessons\nx\n")
        );
        assert_eq!(write(&w, "## Status\n| a | open |", Some(6)), w);
        assert_eq!(remove_block(&w), t);
    }

    #[test]
    fn appends_at_the_end_keeping_the_final_newline_state() {
        for t in ["# T\n- a\n", "# T\n- a", "", "\u{feff}x\r\ny\r\n"] {
            let w = write(t, "S", None);
            assert!(w.contains(BEGIN_HEAD));
            assert_eq!(w.ends_with('\n'), t.ends_with('\n'), "{t:?} -> {w:?}");
            assert_eq!(remove_block(&w), t, "{t:?} -> {w:?}");
            assert_eq!(write(&w, "S", None), w);
        }
    }

    #[test]
    fn keeps_crlf() {
        let t = "# T\r\n\r\n## Actions\r\n- a\r\n";
        let w = write(t, "line one\nline two", None);
        assert!(!w.replace("\r\n", "").contains('\n'), "{w:?}");
        assert_eq!(remove_block(&w), t);
        assert_eq!(write(&w, "line one\nline two", None), w);
    }

    #[test]
    fn ticks_and_unticks_boxes() {
        let t = "- [ ] a\n  * [x] b\n1. [ ] c\n- no box\n- [ ]x\n[ ] d\n-[ ] e\n";
        let all: Vec<_> = (1..=7).map(|l| (l, l != 2)).collect();
        let w = set_boxes(t, &all);
        assert_eq!(
            w,
            "- [x] a\n  * [ ] b\n1. [x] c\n- no box\n- [ ]x\n[x] d\n-[ ] e\n"
        );
        assert_eq!(set_boxes(&w, &[(1, true)]), w);
        // The glyphs of a pasted checklist keep their style: ☐ ticks to ☑, ☑ and ☒ untick to
        // ☐; ⬜ and 🔲 tick to ✅, which unticks to ⬜.
        let t = "☐ a\n- ☑ b\n☒ c\n✅ d\n⬜ e\n🔲 f\n☑\u{fe0f} g\n";
        let all = [
            (1, true),
            (2, false),
            (3, false),
            (4, false),
            (5, true),
            (6, true),
            (7, false),
        ];
        let w = set_boxes(t, &all);
        assert_eq!(w, "☑ a\n- ☐ b\n☐ c\n⬜ d\n✅ e\n✅ f\n☐ g\n");
        assert_eq!(set_boxes(&w, &all), w);
        // A word processor's export escapes its boxes and bullets: they stay escaped.
        let t = "\\- \\[ \\] a\n- \\[x\\] b\n";
        let w = set_boxes(t, &[(1, true), (2, false)]);
        assert_eq!(w, "\\- \\[x\\] a\n- \\[ \\] b\n");
        assert_eq!(set_boxes(&w, &[(1, true), (2, false)]), w);
    }

    #[test]
    fn every_box_the_parser_reads_can_be_set() {
        let t = "# T\n\n## Action items\n\na. [ ] lettered\n• [ ] bulleted\n2) [x] numbered\n* [ ] starred\n🔲 glyph\n- ✅ glyph in a list\n";
        let pm = crate::parse::parse("t.md", t, &Default::default());
        let boxes: Vec<_> = pm
            .actions
            .iter()
            .map(|a| (a.line, a.checkbox, a.done))
            .collect();
        let read = |l, done| (l, true, done);
        let want = [
            read(5, false),
            read(6, false),
            read(7, true),
            read(8, false),
            read(9, false),
            read(10, true),
        ];
        assert_eq!(boxes, want);
        let flipped: Vec<_> = boxes.iter().map(|&(l, _, done)| (l, !done)).collect();
        let w = set_boxes(t, &flipped);
        assert_eq!(
            w,
            "# T\n\n## Action items\n\na. [x] lettered\n• [x] bulleted\n2) [ ] numbered\n* [x] starred\n✅ glyph\n- ⬜ glyph in a list\n"
        );
        let reread = crate::parse::parse("t.md", &w, &Default::default());
        let states: Vec<_> = reread.actions.iter().map(|a| (a.line, a.done)).collect();
        assert_eq!(states, flipped);
    }

    #[test]
    fn a_marker_in_the_body_cannot_close_the_block() {
        let w = write("x\n", &format!("a\n{END_LINE}\nb"), None);
        assert_eq!(w.matches(STATUS_BLOCK_END).count(), 1);
        assert_eq!(find_block(&w).map(|b| b.is_some()), Ok(true));
    }

    #[test]
    fn a_block_written_before_fingerprints_is_replaced() {
        let t = format!("# T\n{LEGACY_BEGIN}\nold status\n{END_LINE}\nmine\n");
        let w = write(&t, "new status", None);
        assert!(
            w.contains("new status\n") && !w.contains("old status"),
            "{w}"
        );
        assert!(w.ends_with(&format!("{END_LINE}\nmine\n")), "{w}");
        // A bare begin marker is not one the tool wrote.
        let t = format!("# T\n<!-- postmortem-tracker:status:begin -->\nS\n{END_LINE}\n");
        assert_eq!(write_block(&t, "S", None).unwrap_err().line, 2);
    }

    #[test]
    fn a_layout_change_is_not_an_edit_but_a_word_is() {
        let w = write("x\n", "| a | b |\n|---|---|\n| 1 | 2 |", None);
        let padded = w
            .replace("|---|---|", "| --- | ------ |")
            .replace("| 1 |", "|  1   |");
        assert_eq!(write(&padded, "S", None), write("x\n", "S", None));
        let edited = w.replace("| 1 |", "| 1 my note |");
        let e = write_block(&edited, "S", None).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.problem.contains("changed after the tool wrote it"), "{e}");
    }

    /// Each damage is reported at its line, and nothing is written.
    #[test]
    fn damaged_blocks_are_reported_and_left_alone() {
        let w = write("# T\n- [ ] a\n", "S", None);
        let begin = w.lines().nth(3).unwrap().to_string();
        let cases: Vec<(String, usize, &str)> = vec![
            (
                w.replace(&format!("{END_LINE}\n"), "mine\n"),
                4,
                "has no end marker",
            ),
            (
                w.replace(&format!("{begin}\n"), ""),
                5,
                "no begin marker before it",
            ),
            (format!("{w}{begin}\nS\n"), 7, "a second status block"),
            (
                w.replace(&format!("{END_LINE}\n"), &format!("{begin}\n")),
                6,
                "a second begin marker",
            ),
            (
                w.replace(END_LINE, &format!("{END_LINE} my note")),
                6,
                "end marker was edited",
            ),
            (
                w.replace(&begin, &begin.replace("check=", "check: ")),
                4,
                "begin marker was edited",
            ),
            (
                w.replace(END_LINE, "<!-- postmortem-tracker: Status:End -->"),
                6,
                "looks like a status block marker",
            ),
        ];
        for (text, line, problem) in cases {
            let e = write_block(&text, "S", None).unwrap_err();
            assert_eq!(e.line, line, "{text}\n{e}");
            assert!(e.to_string().contains(problem), "{e}");
            assert!(e.to_string().contains("nothing was written"), "{e}");
            assert_eq!(remove_block(&text), text);
        }
    }
}
