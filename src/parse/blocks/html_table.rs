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

impl Reader {
    /// Reads one line of the table; `true` when it closes the table.
    fn line(&mut self, body: &str, no: usize) -> bool {
        if let Some(cell) = &mut self.cell {
            if !cell.is_empty() {
                cell.push(' ');
            }
        }
        let mut rest = body;
        while !rest.is_empty() {
            let Some(lt) = rest.find('<') else {
                self.text(rest);
                break;
            };
            self.text(&rest[..lt]);
            let tag = &rest[lt..];
            let end = tag.find('>').map_or(tag.len(), |i| i + 1);
            let name = tag_name(tag);
            match name.as_str() {
                "tr" => {
                    self.end_row();
                    self.row = Some((0, Vec::new()));
                }
                "td" | "th" => {
                    self.end_cell();
                    let (line, cells) = self.row.get_or_insert_with(|| (0, Vec::new()));
                    if cells.is_empty() && *line == 0 {
                        *line = no;
                    }
                    self.cell = Some(String::new());
                }
                "/td" | "/th" => self.end_cell(),
                "/tr" => self.end_row(),
                "/table" => {
                    self.end_row();
                    return true;
                }
                "table" | "thead" | "tbody" | "tfoot" | "/thead" | "/tbody" | "/tfoot" => {}
                // Markup inside a cell (`<a href>`, `<br>`, `<code>`) stays in its text.
                _ => self.text(&tag[..end]),
            }
            rest = &tag[end..];
        }
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

/// The lower-case name of the tag `tag` opens with (`/td` for `</TD>`).
fn tag_name(tag: &str) -> String {
    tag[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .map(|c| c.to_ascii_lowercase())
        .collect()
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
