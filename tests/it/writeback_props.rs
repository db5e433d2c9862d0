//! The status block and the task-list boxes over generated postmortems: thousands of cases of
//! line endings, byte-order marks, final newlines, positions and concurrent edits.

use postmortem_tracker::parse::{parse, ParseOptions};
use postmortem_tracker::writeback::status::{remove_block, set_boxes, write_block};
use proptest::prelude::*;

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
        let w = write_block(&t, &b, at);
        prop_assert_eq!(&write_block(&w, &b, at), &w, "twice equals once");
        prop_assert_eq!(&remove_block(&w), &t, "removing the block gives the original back");
        // A new body replaces the old one in place.
        let w2 = write_block(&w, &b2, at);
        prop_assert_eq!(&remove_block(&w2), &t);
        prop_assert_eq!(&w2, &write_block(&t, &b2, at));
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
        let w = write_block(&t, &b, at);
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
        let w = write_block(&t, &b, None);
        let eol = if w.contains("\r\n") { "\r\n" } else { "\n" };
        let mut lines: Vec<String> = w.split(eol).map(str::to_string).collect();
        let in_block = |l: &str| l.contains("postmortem-tracker:status");
        if let Some(target) = lines.iter().position(|l| !in_block(l)).map(|first| (first + edit_line) % lines.len()) {
            if !in_block(&lines[target]) && !lines[target].starts_with('\u{feff}') {
                lines[target] = new_text.clone();
            }
        }
        let edited = lines.join(eol);
        let rewritten = write_block(&edited, &b2, None);
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
