//! Issue links written next to action items. Pure functions, text in, text out.
//!
//! [`insert_links`] puts `([#12](url))` next to each newly tracked item. Applying twice equals
//! applying once; line endings (LF, CRLF, a mix), a byte-order mark and the presence or absence
//! of a final newline are kept; only the linked lines change.

/// An issue link to put next to the item that starts on `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// 1-based line of the item's first line, as the parser reports it.
    pub line: usize,
    /// How the issue is written in text: `#12`, `group/project#12`.
    pub reference: String,
    /// The issue's web address.
    pub url: String,
}

impl Link {
    /// `[#12](url)`.
    pub fn markdown(&self) -> String {
        format!("[{}]({})", self.reference, self.url)
    }
}

/// Inserts each link next to its item: at the end of the item's first line as ` ([#12](url))`
/// (before trailing white space and the line break), or, in a table row, in the row's empty
/// Issue/Bug/Ticket cell when the table has one, else after the text in the action cell.
///
/// A line that already carries the link's URL is left alone, so applying twice changes nothing.
/// Links to lines past the end are ignored.
pub fn insert_links(text: &str, links: &[Link]) -> String {
    if links.is_empty() {
        return text.to_string();
    }
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut changed: Vec<Option<String>> = vec![None; lines.len()];
    for link in links {
        let Some(idx) = link.line.checked_sub(1).filter(|i| *i < lines.len()) else {
            continue;
        };
        let current = changed[idx].as_deref().unwrap_or(lines[idx]);
        if current.contains(&link.url) {
            continue;
        }
        if let Some(row) = html_row(&lines, idx) {
            // The cell may stand on a line after the row's first; a line changed already (a
            // whole table on one line) is left alone.
            if let Some(((line, at), insert)) = row.link(link) {
                if !row.holds(&link.url) && changed[line].is_none() {
                    let l = lines[line];
                    changed[line] = Some(format!("{}{insert}{}", &l[..at], &l[at..]));
                }
            }
            continue;
        }
        let updated = match table_context(&lines, idx) {
            Some(header) => link_in_row(current, &header, link),
            None => link_at_end(current, link),
        };
        changed[idx] = Some(updated);
    }
    let mut out = String::with_capacity(text.len() + links.len() * 64);
    for (i, line) in lines.iter_mut().enumerate() {
        out.push_str(changed[i].as_deref().unwrap_or(line));
    }
    out
}

/// Splits a line into its content and its ending (`\n`, `\r\n`, or nothing).
fn split_ending(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

fn link_at_end(line: &str, link: &Link) -> String {
    let (body, ending) = split_ending(line);
    let content = body.trim_end();
    let trailing = &body[content.len()..];
    // Before a final `.` or `:`, so the line still ends a sentence or introduces its detail
    // the way it did (the parser reads line ends).
    let (words, stop) = match content.char_indices().last() {
        Some((i, '.' | ':' | ';' | '!' | '?')) if i > 0 => content.split_at(i),
        _ => (content, ""),
    };
    format!(
        "{} ({}){stop}{trailing}{ending}",
        words.trim_end(),
        link.markdown()
    )
}

/// The header cells of the table whose row is line `idx`, when it is a table row below the
/// delimiter row.
fn table_context(lines: &[&str], idx: usize) -> Option<Vec<String>> {
    let is_row = |l: &str| split_ending(l).0.contains('|');
    if !is_row(lines[idx]) || is_delimiter(lines[idx]) {
        return None;
    }
    let mut i = idx;
    while i > 0 {
        i -= 1;
        if !is_row(lines[i]) {
            return None;
        }
        if is_delimiter(lines[i]) {
            return (i > 0 && is_row(lines[i - 1])).then(|| cells(split_ending(lines[i - 1]).0));
        }
    }
    None
}

/// A place in the text: (line index, byte in that line).
type At = (usize, usize);

/// A row of an HTML table: where each cell's content starts and ends, from the row's first cell
/// to its end, and the table's header cells as plain text.
struct HtmlRow<'t> {
    lines: &'t [&'t str],
    cells: Vec<(At, At)>,
    header: Vec<String>,
}

/// The HTML table row whose first cell starts on line `idx`, as the parser reads it.
fn html_row<'t>(lines: &'t [&'t str], idx: usize) -> Option<HtmlRow<'t>> {
    use crate::parse::{table_tags, TableTag};
    // The row starts at the first cell or row tag on line `idx`.
    let (first, ..) =
        table_tags(lines[idx]).find(|(.., tag)| matches!(tag, TableTag::Row | TableTag::Cell))?;
    // The table's opening line, above the row and with no table closed between.
    let open = (0..idx).rev().take(1000).find_map(|i| {
        if table_tags(lines[i]).any(|(.., tag)| tag == TableTag::TableEnd) {
            Some(None)
        } else {
            crate::parse::opens_html_table(lines[i].trim_start()).then_some(Some(i))
        }
    })??;
    let mut row = HtmlRow {
        lines,
        cells: html_cells(lines, (open, 0)),
        header: Vec::new(),
    };
    row.header = (0..row.cells.len())
        .map(|c| crate::parse::inline::plain(&row.content(c)))
        .collect();
    row.cells = html_cells(lines, (idx, first));
    Some(row)
}

/// The cells of the first row from `from` on: where each cell's content starts and ends, up to
/// the row's end (a cell left open ends where the next begins, or at the end of the text).
fn html_cells(lines: &[&str], from: At) -> Vec<(At, At)> {
    use crate::parse::TableTag;
    let mut cells = Vec::new();
    let mut open: Option<At> = None;
    for (i, line) in lines.iter().enumerate().skip(from.0).take(1000) {
        let body = split_ending(line).0;
        let skip = if i == from.0 { from.1 } else { 0 };
        for (lt, end, tag) in crate::parse::table_tags(&body[skip..]) {
            let (lt, end) = (skip + lt, skip + end);
            let ends_row = matches!(tag, TableTag::Row | TableTag::RowEnd | TableTag::TableEnd);
            if matches!(tag, TableTag::Cell | TableTag::CellEnd) || ends_row {
                cells.extend(open.take().map(|o| (o, (i, lt))));
            }
            if ends_row && !cells.is_empty() {
                return cells;
            }
            if tag == TableTag::Cell {
                open = Some((i, end));
            }
        }
    }
    if let Some(o) = open {
        let last = lines.len() - 1;
        cells.push((o, (last, split_ending(lines[last]).0.len())));
    }
    cells
}

impl HtmlRow<'_> {
    /// The HTML of cell `c`, its lines joined.
    fn content(&self, c: usize) -> String {
        let ((l0, b0), (l1, b1)) = self.cells[c];
        if l0 == l1 {
            return self.lines[l0][b0..b1].to_string();
        }
        let mut s = self.lines[l0][b0..].to_string();
        for l in &self.lines[l0 + 1..l1] {
            s.push_str(l);
        }
        s.push_str(&self.lines[l1][..b1]);
        s
    }

    /// Whether the row already holds `url`.
    fn holds(&self, url: &str) -> bool {
        let (Some((first, _)), Some((_, last))) = (self.cells.first(), self.cells.last()) else {
            return false;
        };
        self.lines[first.0..=last.0].iter().any(|l| l.contains(url))
    }

    /// Where the link goes, as [`link_in_row`] places it in a pipe row (the empty issue cell,
    /// else after the action cell's text), written as HTML since Markdown is not read inside
    /// an HTML block: the place and the text to insert.
    fn link(&self, link: &Link) -> Option<(At, String)> {
        let a = format!("<a href=\"{}\">{}</a>", link.url, link.reference);
        let (text_col, issue_col) = crate::parse::text_and_issue_columns(&self.header);
        if let Some(c) = issue_col.filter(|&c| c < self.cells.len()) {
            if self.content(c).trim().is_empty() {
                return Some((self.cells[c].0, a));
            }
        }
        let text_col = text_col.unwrap_or(0);
        let (_, (line, end)) = *self.cells.get(text_col)?;
        let end = self.lines[line][..end].trim_end().len();
        Some(((line, end), format!(" ({a})")))
    }
}

fn is_delimiter(line: &str) -> bool {
    crate::parse::is_delimiter_row(split_ending(line).0)
}

/// Cell texts of a row as plain text (as the parser reads a header), outer pipes dropped, `\|`
/// kept inside a cell.
fn cells(row: &str) -> Vec<String> {
    crate::parse::cell_spans(row)
        .map(|(s, e)| crate::parse::inline::plain(row[s..e].trim()))
        .collect()
}

fn link_in_row(line: &str, header: &[String], link: &Link) -> String {
    let (body, ending) = split_ending(line);
    let spans: Vec<_> = crate::parse::cell_spans(body).collect();
    let (text_col, issue_col) = crate::parse::text_and_issue_columns(header);
    let text_col = text_col.unwrap_or(0);
    let (at, insert) = match issue_col.and_then(|c| spans.get(c)) {
        Some(&(s, e)) if body[s..e].trim().is_empty() => {
            // Fill the empty cell, keeping one space of padding on each side.
            return format!("{} {} {}{ending}", &body[..s], link.markdown(), &body[e..]);
        }
        _ => match spans.get(text_col) {
            Some(&(s, e)) => {
                let content_end = s + body[s..e].trim_end().len();
                (content_end, format!(" ({})", link.markdown()))
            }
            None => return link_at_end(line, link),
        },
    };
    format!("{}{insert}{}{ending}", &body[..at], &body[at..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IssueRef;
    use crate::parse::parse;

    fn link(line: usize, n: u64) -> Link {
        Link {
            line,
            reference: format!("#{n}"),
            url: format!("https://github.com/acme/svc/issues/{n}"),
        }
    }

    const DOC: &str = "# Outage\n\n## Action items\n\n- [ ] Add an alert on disk usage @alice due: 2026-03-01\n- Rotate the keys  \n1. Write a runbook.\n   Owner: @bob\n";

    #[test]
    fn links_go_at_the_end_of_the_line_and_the_parser_reads_them_back() {
        let out = insert_links(DOC, &[link(5, 12), link(6, 13), link(7, 14)]);
        assert!(out.contains(
            "- [ ] Add an alert on disk usage @alice due: 2026-03-01 ([#12](https://github.com/acme/svc/issues/12))\n"
        ));
        assert!(
            out.contains("- Rotate the keys ([#13](https://github.com/acme/svc/issues/13))  \n")
        );
        let before = parse("pm.md", DOC, &Default::default());
        let after = parse("pm.md", &out, &Default::default());
        assert_eq!(before.actions.len(), after.actions.len());
        for (b, a) in before.actions.iter().zip(&after.actions) {
            assert_eq!(b.text, a.text);
            assert_eq!(b.owner, a.owner);
            assert_eq!(b.due, a.due);
            assert!(b.issue.is_none());
        }
        assert_eq!(
            after.actions[0].issue,
            Some(IssueRef::Url(
                "https://github.com/acme/svc/issues/12".into()
            ))
        );
        assert_eq!(
            after.actions[2].issue,
            Some(IssueRef::Url(
                "https://github.com/acme/svc/issues/14".into()
            ))
        );
    }

    #[test]
    fn idempotent_and_keeps_endings_bom_and_final_newline() {
        let once = insert_links(DOC, &[link(5, 12)]);
        assert_eq!(insert_links(&once, &[link(5, 12)]), once);

        let crlf = format!("\u{feff}{}", DOC.replace('\n', "\r\n"));
        let out = insert_links(&crlf, &[link(5, 12), link(6, 13)]);
        assert!(out.starts_with('\u{feff}'));
        assert_eq!(out.matches("\r\n").count(), crlf.matches("\r\n").count());
        assert_eq!(out.matches('\n').count(), crlf.matches('\n').count());
        assert!(out.contains("2026-03-01 ([#12](https://github.com/acme/svc/issues/12))\r\n"));

        let no_final = DOC.trim_end_matches('\n');
        let out = insert_links(no_final, &[link(8, 15)]);
        assert!(!out.ends_with('\n'));
        assert!(out.ends_with("Owner: @bob ([#15](https://github.com/acme/svc/issues/15))"));
        assert!(insert_links("- Write a runbook.\n", &[link(1, 3)])
            .ends_with("runbook ([#3](https://github.com/acme/svc/issues/3)).\n"));
        // Only the linked lines change.
        let one = insert_links(DOC, &[link(6, 13)]);
        let changed: Vec<_> = DOC
            .lines()
            .zip(one.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1);
        assert_eq!(insert_links(DOC, &[link(99, 1)]), DOC);
    }

    #[test]
    fn tables_fill_the_issue_cell_or_extend_the_action_cell() {
        let doc = "## Action Items\n\n| Action Item | Owner | Bug |\n| --- | --- | --- |\n| Add retry cap | @okafor | |\n| Add backoff | @mk | #15 |\n";
        let out = insert_links(doc, &[link(5, 21)]);
        assert!(
            out.contains(
                "| Add retry cap | @okafor | [#21](https://github.com/acme/svc/issues/21) |\n"
            ),
            "{out}"
        );
        let after = parse("pm.md", &out, &Default::default());
        assert_eq!(after.actions[0].text, "Add retry cap");
        // The link reads back by its target, as in a list item.
        assert_eq!(
            after.actions[0].issue,
            Some(IssueRef::Url(
                "https://github.com/acme/svc/issues/21".into()
            ))
        );
        assert_eq!(after.actions[1].issue, Some(IssueRef::Local(15)));

        let doc = "## Action Items\n\n| Task | Owner |\n|---|---|\n| Add retry cap | @okafor |\n";
        let out = insert_links(doc, &[link(5, 21)]);
        assert!(
            out.contains(
                "| Add retry cap ([#21](https://github.com/acme/svc/issues/21)) | @okafor |"
            ),
            "{out}"
        );
        assert_eq!(insert_links(&out, &[link(5, 21)]), out);
        let after = parse("pm.md", &out, &Default::default());
        assert_eq!(after.actions[0].text, "Add retry cap");
        assert!(after.actions[0].issue.is_some(), "{:?}", after.actions[0]);
    }

    #[test]
    fn tables_are_read_by_the_parser_s_columns() {
        // The item's text is the Summary column, after Owner and Due: the link goes after
        // the text, not after the owner's name; a `Jira ticket` column is the issue's cell.
        let doc = "## Action Items\n\n| Owner | Due date | Summary |\n|---|---|---|\n| @okafor | 2026-03-01 | Add retry cap |\n";
        let out = insert_links(doc, &[link(5, 21)]);
        assert!(
            out.contains("| Add retry cap ([#21](https://github.com/acme/svc/issues/21)) |"),
            "{out}"
        );
        let doc =
            "## Action Items\n\n| Action | **Jira ticket** |\n|---|---|\n| Add retry cap | |\n";
        let out = insert_links(doc, &[link(5, 21)]);
        assert!(
            out.contains("| Add retry cap | [#21](https://github.com/acme/svc/issues/21) |"),
            "{out}"
        );
        let after = parse("pm.md", &out, &Default::default());
        assert_eq!(after.actions[0].text, "Add retry cap");
        assert!(after.actions[0].issue.is_some(), "{:?}", after.actions[0]);
    }

    #[test]
    fn html_tables_get_the_link_inside_the_cell_as_html() {
        let doc = "## Action Items\n\n<table>\n<tr><th>#</th><th>Action</th><th>Owner</th></tr>\n<tr><td>1</td><td>Add retry cap</td><td>@okafor</td></tr>\n<tr>\n  <td>2</td>\n  <td>Add backoff\n  to the client </td>\n  <td>@mk</td>\n</tr>\n</table>\n";
        let before = parse("pm.md", doc, &Default::default());
        let lines: Vec<_> = before.actions.iter().map(|a| a.line).collect();
        assert_eq!(lines, [5, 7]);
        let out = insert_links(doc, &[link(5, 21), link(7, 22)]);
        let a = |n| format!("<a href=\"https://github.com/acme/svc/issues/{n}\">#{n}</a>");
        assert!(
            out.contains(&format!("<td>Add retry cap ({})</td>", a(21))),
            "{out}"
        );
        assert!(
            out.contains(&format!("  to the client ({}) </td>", a(22))),
            "{out}"
        );
        assert_eq!(insert_links(&out, &[link(5, 21), link(7, 22)]), out);
        let after = parse("pm.md", &out, &Default::default());
        for (b, a) in before.actions.iter().zip(&after.actions) {
            assert_eq!(b.text, a.text);
            assert!(a.issue.is_some(), "{a:?}");
        }

        // An empty issue cell is filled.
        let doc = "<table>\n<tr><th>Action</th><th>Issue</th></tr>\n<tr><td>Add retry cap</td><td></td></tr>\n</table>\n";
        let out = insert_links(doc, &[link(3, 21)]);
        assert!(
            out.contains(&format!("<td>Add retry cap</td><td>{}</td>", a(21))),
            "{out}"
        );
    }

    #[test]
    fn any_text_never_panics() {
        for text in [
            "",
            "\n",
            "|",
            "|\n|-|\n|",
            "\r\n\r\n",
            "a|b\n-|-\n|\\||",
            "<table>\n<td",
            "<table><tr><td>a</td>\n<td>b",
            "<TABLE>\n<tr><td>\n</table>\n<td>x</td>",
        ] {
            for line in 0..5 {
                let _ = insert_links(text, &[link(line, 1)]);
            }
        }
    }
}
