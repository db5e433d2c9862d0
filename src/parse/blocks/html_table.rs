//! Tables written in HTML (`<table>`, `<tr>`, `<th>`, `<td>`), as documents exported from wikis
//! and hand-written tables whose cells hold lists carry them: read into the same [`Table`] as a
//! pipe table, so action items and timeline entries come out of them the same way.

use std::borrow::Cow;

use super::{Row, Table};
use crate::parse::inline::starts_with_ascii_ci;
use crate::parse::Line;

/// Whether a line opens an HTML table.
pub(crate) fn opens(body: &str) -> bool {
    starts_with_ascii_ci(body, "<table")
}

/// Reads the HTML table that opens `lines[0]`, up to the line that closes it (or the end of
/// `lines`): the table (its first row is the header) and how many lines it took. A row's line
/// is the line its first cell starts on.
pub(crate) fn read<'a>(lines: &[Line<'_>]) -> (Table<'a>, usize) {
    let mut reader = Reader::default();
    let mut taken = 0;
    for line in lines {
        taken += 1;
        if line.skip {
            continue;
        }
        if reader.line(line.body, line.no) {
            break;
        }
    }
    reader.end_row();
    let mut rows = reader.rows.into_iter();
    let header = rows.next().map(|(_, cells)| plain_cells(&cells));
    let table = Table {
        header: header.unwrap_or_default(),
        rows: rows
            .map(|(line, cells)| Row {
                line,
                cells: plain_cells(&cells),
                // As a pipe row (a pipe inside a cell escaped), so that a cell is read as
                // written, its links kept, the way a pipe table's is.
                raw: Cow::Owned(
                    cells
                        .iter()
                        .map(|c| c.replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
            })
            .collect(),
    };
    (table, taken)
}

fn plain_cells<'a>(cells: &[String]) -> Vec<Cow<'a, str>> {
    cells
        .iter()
        .map(|c| Cow::Owned(crate::parse::inline::plain(c)))
        .collect()
}

/// The rows read so far: each its line and its cells' HTML as written.
#[derive(Default)]
struct Reader {
    rows: Vec<(usize, Vec<String>)>,
    row: Option<(usize, Vec<String>)>,
    cell: Option<String>,
}

/// What a tag does to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableTag {
    /// `<tr>`.
    Row,
    /// `</tr>`.
    RowEnd,
    /// `<td>` or `<th>`.
    Cell,
    /// `</td>` or `</th>`.
    CellEnd,
    /// `</table>`.
    TableEnd,
    /// `<table>`, `<thead>` and the like: nothing to a cell.
    Frame,
    /// Markup inside a cell (`<a href>`, `<br>`, `<code>`): part of its text.
    Inline,
}

/// The tags of one line of an HTML table, in order: where each starts and ends (after its
/// `>`), and what it does. The parser reads cells through it, and the link writer finds them.
pub(crate) fn table_tags(line: &str) -> impl Iterator<Item = (usize, usize, TableTag)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let lt = from + line[from..].find('<')?;
        let end = line[lt..].find('>').map_or(line.len(), |k| lt + k + 1);
        from = end;
        let closing = line[lt + 1..].starts_with('/');
        let name = line[lt + 1 + usize::from(closing)..]
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let tag = match (name.as_str(), closing) {
            ("tr", false) => TableTag::Row,
            ("tr", true) => TableTag::RowEnd,
            ("td" | "th", false) => TableTag::Cell,
            ("td" | "th", true) => TableTag::CellEnd,
            ("table", true) => TableTag::TableEnd,
            ("table" | "thead" | "tbody" | "tfoot", _) => TableTag::Frame,
            _ => TableTag::Inline,
        };
        Some((lt, end, tag))
    })
}

impl Reader {
    /// Reads one line of the table; `true` when it closes the table.
    fn line(&mut self, body: &str, no: usize) -> bool {
        if let Some(cell) = &mut self.cell {
            if !cell.is_empty() {
                cell.push(' ');
            }
        }
        let mut at = 0;
        for (lt, end, tag) in table_tags(body) {
            self.text(&body[at..lt]);
            at = end;
            match tag {
                TableTag::Row => {
                    self.end_row();
                    self.row = Some((0, Vec::new()));
                }
                TableTag::Cell => {
                    self.end_cell();
                    let (line, cells) = self.row.get_or_insert_with(|| (0, Vec::new()));
                    if cells.is_empty() && *line == 0 {
                        *line = no;
                    }
                    self.cell = Some(String::new());
                }
                TableTag::CellEnd => self.end_cell(),
                TableTag::RowEnd => self.end_row(),
                TableTag::TableEnd => {
                    self.end_row();
                    return true;
                }
                TableTag::Frame => {}
                TableTag::Inline => self.text(&body[lt..end]),
            }
        }
        self.text(&body[at..]);
        false
    }

    fn text(&mut self, text: &str) {
        if let Some(cell) = &mut self.cell {
            cell.push_str(text);
        }
    }

    fn end_cell(&mut self) {
        if let (Some(cell), Some((_, cells))) = (self.cell.take(), &mut self.row) {
            cells.push(cell.trim().to_string());
        }
    }

    fn end_row(&mut self) {
        self.end_cell();
        if let Some(row) = self.row.take().filter(|(_, cells)| !cells.is_empty()) {
            self.rows.push(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (Table<'static>, usize) {
        let lines: Vec<Line> = text
            .lines()
            .enumerate()
            .map(|(i, l)| Line::new(i + 1, 0, l.trim(), false))
            .collect();
        read(&lines)
    }

    #[test]
    fn rows_and_cells_over_lines_or_on_one() {
        let (t, taken) = table(
            "<table>\n<thead><tr><th>Action</th><th>Owner</th></tr></thead>\n<tr>\n  <td>Add an <b>alert</b>\n  on errors</td>\n  <td>@ana</td>\n</tr>\n<TR><TD>Retry | once</TD><TD><a href=\"https://x.test/1\">#1</a></TD></TR>\n</table>\nafter",
        );
        assert_eq!(taken, 9);
        assert_eq!(t.header, ["Action", "Owner"]);
        let rows: Vec<_> = t.rows.iter().map(|r| (r.line, r.cells.clone())).collect();
        assert_eq!(
            rows,
            [
                (4, vec!["Add an alert on errors".into(), "@ana".into()]),
                (8, vec!["Retry | once".into(), "#1".into()]),
            ]
        );
        assert_eq!(t.rows[1].raw_cell(0), Some("Retry \\| once"));
        assert_eq!(
            t.rows[1].raw_cell(1),
            Some("<a href=\"https://x.test/1\">#1</a>")
        );
    }

    #[test]
    fn an_unclosed_table_ends_with_the_lines() {
        let (t, taken) = table("<table><tr><td>A</td><td>B\n<tr><td>x<td>y");
        assert_eq!(taken, 2);
        assert_eq!(t.header, ["A", "B"]);
        assert_eq!(t.rows[0].cells, ["x", "y"]);
    }
}
