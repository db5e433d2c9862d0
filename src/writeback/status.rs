//! The managed status block and task-list boxes: what the follow-up writes into a postmortem.
//!
//! The block sits between two marker comments ([`STATUS_BLOCK_BEGIN`], [`STATUS_BLOCK_END`]).
//! Everything between them is the tool's and is regenerated each run; everything outside is
//! the people's and is kept byte for byte, except the task-list boxes this module ticks. The
//! parser skips the block, so the block never feeds back into what is tracked.
//!
//! Guarantees, property-tested: writing twice equals writing once; removing the block gives
//! back the text it was written into; line endings (the file's own, LF or CRLF), a byte-order
//! mark and the presence or absence of a final newline are kept; an edit made outside the block
//! survives a rewrite (so a conflict is resolved by reading again and writing again).

use crate::parse::{STATUS_BLOCK_BEGIN, STATUS_BLOCK_END};

/// The first line of a block this module writes (the parser recognises its prefix).
pub const BEGIN_LINE: &str =
    "<!-- postmortem-tracker:status:begin (generated: edits inside this block are replaced) -->";
/// The last line of a block.
pub const END_LINE: &str = "<!-- postmortem-tracker:status:end -->";

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

/// Where an existing block stands: (start of its first line, end of its last line without the
/// line break).
fn find_block(text: &str) -> Option<(usize, usize)> {
    let mut begin = None;
    for start in line_starts(text) {
        let line = text[start..].split('\n').next().unwrap_or("");
        let body = line.trim_end_matches('\r').trim();
        match begin {
            None if body.starts_with(STATUS_BLOCK_BEGIN) => begin = Some(start),
            Some(b) if body.starts_with(STATUS_BLOCK_END) => {
                let end = start + line.trim_end_matches('\r').len();
                return Some((b, end));
            }
            _ => {}
        }
    }
    None
}

/// The block's lines, in the text's line ending, without a final line break. `body` is the
/// rendered `status_block` template; a marker line inside it is dropped, so the block cannot be
/// closed early by what the template produced.
fn block_text(body: &str, eol: &str) -> String {
    let mut out = String::from(BEGIN_LINE);
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with(STATUS_BLOCK_BEGIN) || t.starts_with(STATUS_BLOCK_END) {
            continue;
        }
        out.push_str(eol);
        out.push_str(line.trim_end_matches('\r'));
    }
    out.push_str(eol);
    out.push_str(END_LINE);
    out
}

/// Writes the status block: replaces the existing one where it stands, or inserts a new one
/// before 1-based line `before` (the first heading after the action items, typically), or at
/// the end of the text when `before` is `None` or past the end.
pub fn write_block(text: &str, body: &str, before: Option<usize>) -> String {
    let eol = eol_of(text);
    let block = block_text(body, eol);
    if let Some((start, end)) = find_block(text) {
        let mut out = String::with_capacity(text.len() + block.len());
        out.push_str(&text[..start]);
        out.push_str(&block);
        out.push_str(&text[end..]);
        return out;
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
    out
}

/// Removes the status block (and the blank line written with it), giving back the text as it
/// was before the block was first written.
pub fn remove_block(text: &str) -> String {
    let Some((start, end)) = find_block(text) else {
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

/// Sets the task-list box on each 1-based line: `(line, true)` ticks `- [ ]`, `(line, false)`
/// unticks `- [x]`. Lines without a box, and boxes already in that state, are left alone.
pub fn set_boxes(text: &str, changes: &[(usize, bool)]) -> String {
    if changes.is_empty() {
        return text.to_string();
    }
    let starts = line_starts(text);
    let mut out = text.as_bytes().to_vec();
    for &(line, done) in changes {
        let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
            continue;
        };
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if let Some(at) = box_position(&text[start..end]) {
            let mark = &mut out[start + at];
            if done && *mark == b' ' {
                *mark = b'x';
            } else if !done && (*mark == b'x' || *mark == b'X') {
                *mark = b' ';
            }
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced by ASCII bytes")
}

/// The byte offset of the mark inside a task-list box (`- [ ]`, `* [x]`, `1. [ ]`).
fn box_position(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let after_marker = if let Some(r) = rest.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest[digits..].strip_prefix(['.', ')'])?
    };
    let spaces = after_marker.len() - after_marker.trim_start_matches(' ').len();
    if spaces == 0 {
        return None;
    }
    let b = &after_marker.as_bytes()[spaces..];
    // As the parser reads boxes: `[ ]` followed by a space or the end of the line.
    let closed = b.len() == 3 || b.get(3).is_some_and(|c| *c == b' ' || *c == b'\r');
    (b.len() >= 3 && b[0] == b'[' && b[2] == b']' && matches!(b[1], b' ' | b'x' | b'X') && closed)
        .then(|| line.len() - after_marker.len() + spaces + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_before_a_line_and_removes_exactly() {
        let t = "# T\n\n## Action Items\n- [ ] a\n\n## Lessons\nx\n";
        let w = write_block(t, "## Status\n| a | open |", Some(6));
        assert_eq!(
            w,
            format!("# T\n\n## Action Items\n- [ ] a\n\n{BEGIN_LINE}\n## Status\n| a | open |\n{END_LINE}\n\n## Lessons\nx\n")
        );
        assert_eq!(write_block(&w, "## Status\n| a | open |", Some(6)), w);
        assert_eq!(remove_block(&w), t);
    }

    #[test]
    fn appends_at_the_end_keeping_the_final_newline_state() {
        for t in ["# T\n- a\n", "# T\n- a", "", "\u{feff}x\r\ny\r\n"] {
            let w = write_block(t, "S", None);
            assert!(w.contains(BEGIN_LINE));
            assert_eq!(w.ends_with('\n'), t.ends_with('\n'), "{t:?} -> {w:?}");
            assert_eq!(remove_block(&w), t, "{t:?} -> {w:?}");
            assert_eq!(write_block(&w, "S", None), w);
        }
    }

    #[test]
    fn keeps_crlf() {
        let t = "# T\r\n\r\n## Actions\r\n- a\r\n";
        let w = write_block(t, "line one\nline two", None);
        assert!(!w.replace("\r\n", "").contains('\n'), "{w:?}");
        assert_eq!(remove_block(&w), t);
    }

    #[test]
    fn ticks_and_unticks_boxes() {
        let t = "- [ ] a\n  * [x] b\n1. [ ] c\n- no box\n- [ ]x\n";
        let w = set_boxes(t, &[(1, true), (2, false), (3, true), (4, true), (5, true)]);
        assert_eq!(w, "- [x] a\n  * [ ] b\n1. [x] c\n- no box\n- [ ]x\n");
        assert_eq!(set_boxes(&w, &[(1, true)]), w);
    }

    #[test]
    fn a_marker_in_the_body_cannot_close_the_block() {
        let w = write_block("x\n", &format!("a\n{END_LINE}\nb"), None);
        assert_eq!(w.matches(STATUS_BLOCK_END).count(), 1);
    }
}
