//! Whatever the bytes, the parser answers: no panic, every line number points into the
//! document, and the answer does not depend on anything but the input.

use postmortem_tracker::parse::{parse, parse_bytes, ParseOptions};
use proptest::prelude::*;

/// Lines in the shapes the parser reacts to, so generated documents reach its branches.
fn markdownish_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z ]{0,30}".prop_map(|t| format!("## {t}")),
        "[A-Za-z ]{0,30}".prop_map(|t| format!("#{t}:")),
        Just("## Action Items".to_string()),
        Just("Corrective and Preventative Measures:".to_string()),
        Just("Timeline".to_string()),
        Just("**Tasks:**".to_string()),
        Just("---".to_string()),
        Just("```".to_string()),
        Just("<!--".to_string()),
        Just("| Action | Owner | Due |".to_string()),
        Just("|---|---|---|".to_string()),
        "[ -~]{0,40}".prop_map(|t| format!("| {t} | @x | 2026-01-0 |")),
        ("[ ]{0,12}", "[-*+•—]", "[ -~]{0,60}").prop_map(|(i, m, t)| format!("{i}{m} {t}")),
        ("[ ]{0,12}", "[ -~]{0,60}")
            .prop_map(|(i, t)| format!("{i}- [x] {t} @a P1 due: 2026-02-30")),
        ("[0-9]{1,3}", "[ -~]{0,60}").prop_map(|(n, t)| format!("{n}. {t}")),
        ("[0-2][0-9]:[0-5][0-9]", "[ -~]{0,40}").prop_map(|(h, t)| format!("{h} PM PST: {t}")),
        "[ -~]{0,80}",
        "\\PC{0,40}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(markdownish_line(), 0..60).prop_map(|lines| lines.join("\n"))
}

fn check_lines(pm: &postmortem_tracker::model::Postmortem, line_count: usize) {
    for a in &pm.actions {
        assert!(
            (1..=line_count).contains(&a.line),
            "item line {} of {line_count}",
            a.line
        );
        assert!(!a.text.is_empty());
    }
    for t in &pm.timeline {
        assert!(
            (1..=line_count).contains(&t.line),
            "entry line {} of {line_count}",
            t.line
        );
    }
    for s in &pm.sections {
        assert!((1..=line_count).contains(&s.line));
    }
    for d in &pm.diagnostics {
        if let Some(l) = d.line {
            assert!(
                l >= 1 && l <= line_count + 1,
                "diagnostic line {l} of {line_count}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let pm = parse_bytes("f.md", &bytes, &ParseOptions::default());
        let lines = bytes.split(|b| *b == b'\n').count();
        check_lines(&pm, lines);
    }

    #[test]
    fn markdownish_documents_parse_consistently(doc in document()) {
        let pm = parse("f.md", &doc, &ParseOptions::default());
        check_lines(&pm, doc.split('\n').count());
        // Deterministic: the same text gives the same answer.
        prop_assert_eq!(&pm, &parse("f.md", &doc, &ParseOptions::default()));
        // Line endings do not change what is found.
        let crlf = doc.replace('\n', "\r\n");
        let pm2 = parse("f.md", &crlf, &ParseOptions::default());
        prop_assert_eq!(&pm.actions, &pm2.actions);
        prop_assert_eq!(&pm.timeline, &pm2.timeline);
    }
}

#[test]
fn ten_thousand_nested_lists() {
    let mut doc = String::from("## Action Items\n");
    for depth in 0..10_000 {
        doc.push_str(&" ".repeat(depth * 2 % 4000));
        doc.push_str("- item\n");
    }
    let pm = parse("deep.md", &doc, &ParseOptions::default());
    assert!(!pm.actions.is_empty());
}

#[test]
fn invalid_utf8_is_read_lossily_with_a_diagnostic() {
    let mut bytes = b"# Postmortem\n\n## Action Items\n\n- Fix the caf".to_vec();
    bytes.extend([0xe9, 0xff]);
    bytes.extend(b" machine @bob\n");
    let pm = parse_bytes("bad.md", &bytes, &ParseOptions::default());
    let d = &pm.diagnostics[0];
    assert_eq!(d.code, "invalid-utf8");
    assert_eq!(d.line, Some(5));
    assert_eq!(pm.actions.len(), 1);
    assert!(pm.actions[0].text.starts_with("Fix the caf\u{fffd}"));
    assert_eq!(pm.actions[0].owner.as_deref(), Some("bob"));
}

#[test]
fn bom_and_crlf_are_transparent() {
    let doc =
        "\u{feff}# Title\r\n\r\n## Action Items\r\n\r\n- [ ] Add alerts @ann due: 2026-03-01\r\n";
    let pm = parse("x.md", doc, &ParseOptions::default());
    assert_eq!(pm.title.as_deref(), Some("Title"));
    let a = &pm.actions[0];
    assert_eq!(
        (a.text.as_str(), a.owner.as_deref(), a.line),
        ("Add alerts", Some("ann"), 5)
    );
    assert_eq!(a.due.map(|d| d.to_string()).as_deref(), Some("2026-03-01"));
}

#[test]
fn front_matter_errors_are_diagnostics_with_lines() {
    let doc = "---\ntitle: [unclosed\n---\n## Action Items\n- Fix it\n";
    let pm = parse("fm.md", doc, &ParseOptions::default());
    let d = pm
        .diagnostics
        .iter()
        .find(|d| d.code == "front-matter")
        .unwrap();
    assert!(d.message.contains("not valid YAML"), "{}", d.message);
    assert_eq!(
        pm.actions.len(),
        1,
        "the rest of the document is still read"
    );
}

#[test]
fn the_status_block_is_not_read_as_input() {
    let doc = "## Action Items\n- Fix it\n\n<!-- postmortem-tracker:status:begin -->\n## Status\n- Fix it: open\n<!-- postmortem-tracker:status:end -->\n";
    let pm = parse("s.md", doc, &ParseOptions::default());
    assert_eq!(pm.actions.len(), 1);
    assert_eq!(pm.sections.len(), 1);
}
