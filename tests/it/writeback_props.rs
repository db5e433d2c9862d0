//! The status block and the task-list boxes over generated postmortems: thousands of cases of
//! line endings, byte-order marks, final newlines, positions and concurrent edits, and any
//! sequence of a person's edits and follow-up runs.

use chrono::NaiveDate;
use postmortem_tracker::followup::{followup_doc, FollowupOptions};
use postmortem_tracker::parse::{parse, ParseOptions};
use postmortem_tracker::render::Engine;
use postmortem_tracker::writeback::status::{remove_block, set_boxes, write_block};
use proptest::prelude::*;

/// `write_block` on a text whose block is intact (or absent).
fn write_ok(text: &str, body: &str, at: Option<usize>) -> String {
    write_block(text, body, at).expect("no damaged block in a generated document")
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("## Action Items".to_string()),
        Just("## Lessons Learned".to_string()),
        Just("Timeline:".to_string()),
        "[a-zA-Z ]{1,30}".prop_map(|t| format!("- [ ] {t}")),
        "[a-zA-Z ]{1,30}".prop_map(|t| format!("- [x] {t} @ann")),
        "[a-zA-Z ]{1,30}".prop_map(|t| format!("1. {t} due: 2026-03-01")),
        "[ -~]{0,50}",
        "\\PC{0,20}",
    ]
}

/// A document: lines, a line ending, maybe a BOM, maybe a final newline.
fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..25),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, bom, final_newline)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut t = lines.join(eol);
            if final_newline && !t.is_empty() {
                t.push_str(eol);
            }
            if bom {
                t.insert(0, '\u{feff}');
            }
            t
        })
}

fn body() -> impl Strategy<Value = String> {
    prop::collection::vec("[ -~]{0,40}", 0..8).prop_map(|l| l.join("\n"))
}

fn uses_only(text: &str, crlf: bool) -> bool {
    let bare_lf = text.replace("\r\n", "").contains('\n');
    if crlf {
        !bare_lf
    } else {
        !text.contains('\r') || text.contains("\r\n")
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn write_is_idempotent_and_removable(t in document(), b in body(), b2 in body(), at in prop::option::of(0usize..30)) {
        let w = write_ok(&t, &b, at);
        prop_assert_eq!(&write_ok(&w, &b, at), &w, "twice equals once");
        prop_assert_eq!(&remove_block(&w), &t, "removing the block gives the original back");
        // A new body replaces the old one in place.
        let w2 = write_ok(&w, &b2, at);
        prop_assert_eq!(&remove_block(&w2), &t);
        prop_assert_eq!(&w2, &write_ok(&t, &b2, at));
        // Encoding and shape are kept.
        prop_assert_eq!(w.starts_with('\u{feff}'), t.starts_with('\u{feff}'));
        prop_assert_eq!(w.ends_with('\n'), t.ends_with('\n'));
        let crlf = t.contains("\r\n");
        prop_assert!(uses_only(&w, crlf), "line endings kept: {:?}", w);
    }

    #[test]
    fn the_parser_reads_the_same_items_with_or_without_the_block(t in document(), b in body(), pick in any::<prop::sample::Index>()) {
        // The follow-up places the block before a heading (the one after the action items)
        // or at the end, never inside a paragraph or list.
        let before = parse("p.md", &t, &ParseOptions::default());
        let mut places: Vec<Option<usize>> = before.sections.iter().map(|s| Some(s.line)).collect();
        places.push(None);
        let at = places[pick.index(places.len())];
        let w = write_ok(&t, &b, at);
        let after = parse("p.md", &w, &ParseOptions::default());
        let texts = |pm: &postmortem_tracker::model::Postmortem| -> Vec<(String, bool)> {
            pm.actions.iter().map(|a| (a.text.clone(), a.done)).collect()
        };
        prop_assert_eq!(texts(&before), texts(&after));
    }

    #[test]
    fn an_edit_outside_the_block_survives_a_rewrite(t in document(), b in body(), b2 in body(), edit_line in 0usize..30, new_text in "[a-zA-Z ]{0,20}") {
        // The follow-up read the file and wrote the block; then a person edited a line
        // outside it; the next write (after a conflict: read again, apply again) keeps the edit.
        let w = write_ok(&t, &b, None);
        let eol = if w.contains("\r\n") { "\r\n" } else { "\n" };
        let mut lines: Vec<String> = w.split(eol).map(str::to_string).collect();
        // The block: from its begin marker to its end marker.
        let first = lines.iter().position(|l| l.contains("postmortem-tracker:status:begin")).unwrap();
        let last = lines.iter().position(|l| l.contains("postmortem-tracker:status:end")).unwrap();
        let in_block = |i: usize| (first..=last).contains(&i);
        if let Some(target) = (0..lines.len()).find(|i| !in_block(*i)).map(|first| (first + edit_line) % lines.len()) {
            if !in_block(target) && !lines[target].starts_with('\u{feff}') {
                lines[target] = new_text.clone();
            }
        }
        let edited = lines.join(eol);
        let rewritten = write_ok(&edited, &b2, None);
        prop_assert_eq!(remove_block(&rewritten), remove_block(&edited));
    }

    #[test]
    fn boxes_follow_the_issue_state(t in document()) {
        let pm = parse("p.md", &t, &ParseOptions::default());
        let boxed: Vec<_> = pm.actions.iter().filter(|a| a.checkbox).collect();
        let tick: Vec<(usize, bool)> = boxed.iter().map(|a| (a.line, true)).collect();
        let ticked = set_boxes(&t, &tick);
        prop_assert_eq!(&set_boxes(&ticked, &tick), &ticked);
        prop_assert_eq!(ticked.len(), t.len(), "one byte for one byte");
        let pm2 = parse("p.md", &ticked, &ParseOptions::default());
        for a in pm2.actions.iter().filter(|a| a.checkbox) {
            prop_assert!(a.done, "line {} ticked", a.line);
        }
        let untick: Vec<(usize, bool)> = boxed.iter().map(|a| (a.line, a.done)).collect();
        prop_assert_eq!(set_boxes(&ticked, &untick), t);
    }
}

/// What a person does to a postmortem between two follow-ups. Indexes are taken modulo the
/// number of lines.
#[derive(Debug, Clone)]
enum Step {
    /// A follow-up run, `n` days after the first.
    Run(u8),
    /// A new line of the person's own (a note, an item, a heading, a comment).
    Insert(usize, u8),
    Delete(usize),
    /// A copy of a line (a marker copied makes two begins, or two ends); the copy is the
    /// original author's, bytes that were not the person's stay not the person's.
    Duplicate(usize),
    /// Words added at the end of a line (of a marker, of the block's table).
    Append(usize),
    /// One character removed from a line (a marker damaged).
    Cut(usize, usize),
    /// A line moved elsewhere (an end marker moved below the person's text).
    Move(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u8..40).prop_map(Step::Run),
        2 => (any::<usize>(), 0u8..5).prop_map(|(i, k)| Step::Insert(i, k)),
        1 => any::<usize>().prop_map(Step::Delete),
        1 => any::<usize>().prop_map(Step::Duplicate),
        1 => any::<usize>().prop_map(Step::Append),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, c)| Step::Cut(i, c)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Step::Move(a, b)),
    ]
}

/// A line of the file and who wrote it: `true` for the tool.
type Line = (String, bool);

const START: &str = "# Disk full u0\n\n## Summary\nThe disk filled up u1.\n\n## Action Items\n- [ ] Add disk alerts u2 due: 2026-01-10\n- [ ] Rotate the logs u3 @ann\n1. Document the runbook u4\n\n## Lessons Learned\nWatch the disks u5.\n";

fn text_of(lines: &[Line]) -> String {
    lines.iter().map(|(l, _)| format!("{l}\n")).collect()
}

/// A line without its layout: no whitespace, each run of `-` as one.
fn layout(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars().filter(|c| !c.is_whitespace()) {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

fn begins(text: &str) -> usize {
    text.lines()
        .filter(|l| l.trim().starts_with("<!-- postmortem-tracker:status:begin"))
        .count()
}

/// One follow-up run on the model; checks that it removed only lines the tool wrote, and gives
/// back the new lines with their authors.
fn run_followup(lines: &[Line], day: u8, engine: &Engine) -> Result<Vec<Line>, TestCaseError> {
    let text = text_of(lines);
    let doc = parse("pm.md", &text, &ParseOptions::default());
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(day.into());
    let out = followup_doc(
        &doc,
        &text,
        None,
        today,
        &FollowupOptions::default(),
        engine,
    )
    .expect("the built-in template renders");
    if out.damage.is_some() {
        prop_assert_eq!(&out.text, &text, "a damaged block leaves the file as it is");
    } else if !doc.actions.is_empty() {
        prop_assert_eq!(
            begins(&out.text),
            1,
            "one block, never a second: {}",
            out.text
        );
    }
    prop_assert!(
        begins(&out.text) <= begins(&text).max(1),
        "no block added: {}",
        out.text
    );
    prop_assert!(out.text.ends_with('\n'));
    let new: Vec<&str> = out.text[..out.text.len() - 1].split('\n').collect();
    // The run changed one stretch of lines: what is before and after it stays.
    let same_start = lines
        .iter()
        .zip(&new)
        .take_while(|((a, _), b)| a == *b)
        .count();
    let room = lines.len().min(new.len()) - same_start;
    let same_end = lines
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|((a, _), b)| a == *b)
        .count();
    for (l, tool) in &lines[same_start..lines.len() - same_end] {
        // A line of only spaces holds no text of anyone's.
        prop_assert!(
            *tool || l.trim().is_empty(),
            "the person's line {:?} was removed:\n{}\n->\n{}",
            l,
            text,
            out.text
        );
    }
    let mut next: Vec<Line> = lines[..same_start].to_vec();
    next.extend(
        new[same_start..new.len() - same_end]
            .iter()
            .map(|l| (l.to_string(), true)),
    );
    next.extend(lines[lines.len() - same_end..].iter().cloned());
    Ok(next)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever a person does to a postmortem with a status block (edit inside or around it,
    /// damage or move its markers), no follow-up run ever removes a line they wrote or touched.
    #[test]
    fn no_run_removes_a_line_a_person_wrote(steps in prop::collection::vec(step(), 1..24)) {
        let engine = Engine::new(None).unwrap();
        let mut lines: Vec<Line> = START.lines().map(|l| (l.to_string(), false)).collect();
        lines = run_followup(&lines, 0, &engine)?;
        let mut token = 100;
        for s in steps {
            token += 1;
            let n = lines.len().max(1);
            match s {
                Step::Run(day) => lines = run_followup(&lines, day, &engine)?,
                Step::Insert(i, kind) => {
                    let l = match kind {
                        0 => format!("A note of mine u{token}."),
                        1 => format!("- [ ] New task u{token}"),
                        2 => format!("## Heading u{token}"),
                        3 => format!("<!-- comment u{token} -->"),
                        _ => format!("| row | u{token} |"),
                    };
                    lines.insert(i % (lines.len() + 1), (l, false));
                }
                Step::Delete(i) if !lines.is_empty() => {
                    lines.remove(i % n);
                }
                Step::Duplicate(i) if !lines.is_empty() => {
                    // A copy is not new text: it is the author's of the line copied.
                    let copy = lines[i % n].clone();
                    lines.insert(i % n, copy);
                }
                Step::Append(i) if !lines.is_empty() => {
                    let l = &mut lines[i % n];
                    *l = (format!("{} u{token}", l.0), false);
                }
                Step::Cut(i, c) if !lines.is_empty() => {
                    let l = &mut lines[i % n];
                    let chars: Vec<char> = l.0.chars().collect();
                    if !chars.is_empty() {
                        let at = c % chars.len();
                        let cut: String = chars[..at].iter().chain(&chars[at + 1..]).collect();
                        // A space less, or one `-` of a run (a table re-padded), is layout,
                        // not words: the line stays the tool's (documented on `fingerprint`).
                        l.1 &= layout(&cut) == layout(&l.0);
                        l.0 = cut;
                    }
                }
                Step::Move(a, b) if !lines.is_empty() => {
                    let l = lines.remove(a % n);
                    lines.insert(b % n, l);
                }
                _ => {}
            }
        }
        run_followup(&lines, 40, &engine)?;
    }
}
