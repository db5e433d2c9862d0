//! The README cannot promise what the parser does not do: every row of the example tables in
//! "What the parser reads" is parsed here and compared with what the row says it is read as,
//! every form the section's prose names stands in a table, and the "always an item" and "never
//! an item" forms hold under every kind of heading.

use postmortem_tracker::model::{ActionItem, Postmortem};
use postmortem_tracker::parse::{parse, ParseOptions};

fn readme_section() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    let start = readme
        .find("## What the parser reads")
        .expect("README has a \"What the parser reads\" section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |e| e + 1);
    // Up to the next section of the same level (its `###` subsections are not examples).
    let end = rest.find("\n### ").map_or(end, |e| e.min(end));
    rest[..end].to_string()
}

/// The rows of the section's example tables: (written, read as), backticks removed.
fn example_rows(section: &str) -> Vec<(String, String)> {
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 2, "an example row has two cells: {l}");
            (
                cells[0].trim().trim_matches('`').to_string(),
                cells[1].trim().to_string(),
            )
        })
        .collect()
}

fn doc(text: &str) -> Postmortem {
    parse("README example", text, &ParseOptions::default())
}

fn only_item(pm: &Postmortem, written: &str) -> ActionItem {
    assert_eq!(pm.actions.len(), 1, "{written:?}: {:?}", pm.actions);
    pm.actions[0].clone()
}

/// What one row says, checked against what the parser reads.
fn check_row(written: &str, read_as: &str) {
    let is_time = read_as.starts_with("time ") || read_as.starts_with("start ");
    let pm = if !is_time {
        doc(&format!(
            "# Outage\n\nDate: 2026-01-10\n\n## Action Items\n\n{written}\n"
        ))
    } else if read_as.starts_with("start ") {
        doc(&format!("# Outage\n\nDuration: {written}\n"))
    } else {
        doc(&format!(
            "# Outage\n\n## Timeline\n\n- {written}: alert fired\n"
        ))
    };
    for claim in read_as.split("; ") {
        let (field, want) = claim.split_once(' ').unwrap_or((claim, ""));
        let got = match field {
            "time" => pm
                .timeline
                .first()
                .and_then(|e| e.time)
                .map(|t| t.to_string()),
            "start" => pm.incident.start.map(|t| t.to_string()),
            "end" => pm.incident.end.map(|t| t.to_string()),
            _ => {
                let a = only_item(&pm, written);
                match field {
                    "text" => Some(a.text),
                    "due" => a.due.map(|d| d.to_string()),
                    "owner" => a.owner,
                    "priority" => a.priority,
                    "issue" => a.issue.map(|i| i.to_string()),
                    "done" => a.done.then(String::new),
                    "not" if want == "planned" => a.not_planned.then(|| want.to_string()),
                    // `no owner`: the field is read as saying nobody; `no due`: no day is.
                    "no" => match want {
                        "owner" => a.owner.is_none().then(|| want.to_string()),
                        "due" => a.due.is_none().then(|| want.to_string()),
                        other => panic!("README example {written:?}: no {other:?}?"),
                    },
                    other => panic!("README example {written:?}: unknown field {other:?}"),
                }
            }
        };
        assert_eq!(
            got.as_deref(),
            Some(want),
            "README says {written:?} is read as {claim:?}; diagnostics: {:?}",
            pm.diagnostics
        );
    }
}

#[test]
fn every_example_in_the_parser_section_is_read_as_the_readme_says() {
    let section = readme_section();
    let rows = example_rows(&section);
    assert!(rows.len() >= 20, "only {} example rows found", rows.len());
    for (written, read_as) in &rows {
        check_row(written, read_as);
    }
}

#[test]
fn every_form_the_prose_names_is_an_example_row() {
    let section = readme_section();
    let rows = example_rows(&section);
    // The forms of #18's README check: a backticked snippet in the prose that uses one of them
    // must be parsed in a table row (a row's text holds it).
    let cues = [
        "due:",
        "Deadline:",
        "by March",
        "Bug ",
        "#12",
        "Owner:",
        "P1",
        "P2",
        "@",
        " AM",
        " PM",
        "UTC",
        ":00",
    ];
    let prose: String = section
        .lines()
        .filter(|l| !l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n");
    for snippet in prose.split('`').skip(1).step_by(2) {
        if !cues.iter().any(|c| snippet.contains(c)) {
            continue;
        }
        // The "unreadable", "never an item" and heading examples are checked by the tests
        // below.
        if snippet.contains("someday")
            || snippet.contains("Febtember")
            || snippet.contains("3/4")
            || snippet.starts_with('>')
            || snippet.starts_with('#')
        {
            continue;
        }
        assert!(
            rows.iter().any(|(w, _)| w.contains(snippet)),
            "the README names {snippet:?} in prose but no example row parses it"
        );
    }
}

#[test]
fn unreadable_due_fields_in_the_readme_are_flagged() {
    for field in ["due: someday soon", "due: Febtember 3", "due: 3/4"] {
        let pm = doc(&format!(
            "## Action Items\n\n- [ ] Add disk alerts {field}\n"
        ));
        let a = only_item(&pm, field);
        assert_eq!((a.text.as_str(), a.due), ("Add disk alerts", None));
        assert!(
            pm.diagnostics
                .iter()
                .any(|d| d.code == "unparseable-date" && d.line == Some(3)),
            "{field}: {:?}",
            pm.diagnostics
        );
    }
}

/// Headings of every kind the parser knows, and none.
const HEADINGS: [&str; 7] = [
    "## Action Items",
    "## Lessons Learned",
    "## Timeline",
    "## Root Cause",
    "## Summary",
    "## Something Else",
    "",
];

#[test]
fn an_action_label_is_an_item_under_any_heading() {
    for heading in HEADINGS {
        for labelled in [
            "Action item: rotate the on-call keys",
            "- Action point: rotate the on-call keys",
            "**ACTION:** rotate the on-call keys",
            "- **[Action Item]** rotate the on-call keys",
        ] {
            let pm = doc(&format!(
                "# Outage\n\n{heading}\n\n- a list item first\n\n{labelled}\n\nA closing paragraph.\n"
            ));
            let found: Vec<&ActionItem> = pm
                .actions
                .iter()
                .filter(|a| a.text.contains("rotate the on-call keys"))
                .collect();
            assert_eq!(
                found.len(),
                1,
                "{heading:?} / {labelled:?}: {:?}",
                pm.actions
            );
            assert_eq!(found[0].text, "rotate the on-call keys");
            assert_eq!(found[0].line, 7);
        }
    }
}

#[test]
fn a_quoted_or_commented_line_is_never_an_item() {
    for heading in HEADINGS {
        for hidden in [
            "> - [ ] rotate the on-call keys",
            "> Action item: rotate the on-call keys",
            "<!-- - [ ] rotate the on-call keys -->",
            "<!--\n- [ ] rotate the on-call keys\n-->",
        ] {
            let pm = doc(&format!("# Outage\n\n{heading}\n\n{hidden}\n"));
            assert!(
                pm.actions.iter().all(|a| !a.text.contains("on-call keys")),
                "{heading:?} / {hidden:?}: {:?}",
                pm.actions
            );
        }
    }
}

#[test]
fn a_template_s_placeholder_is_never_an_item() {
    for heading in HEADINGS {
        for blank in [
            "- [ ] <Action item 1>",
            "- [ ] {{ action }}",
            "- [ ] TODO",
            "- [ ] TBD",
        ] {
            let pm = doc(&format!(
                "# Outage\n\n{heading}\n\n{blank}\n- [ ] rotate the on-call keys\n"
            ));
            let texts: Vec<_> = pm.actions.iter().map(|a| a.text.as_str()).collect();
            assert!(
                !texts.iter().any(|t| blank.ends_with(t)),
                "{heading:?} / {blank:?}: {texts:?}"
            );
            assert!(
                pm.diagnostics.iter().any(|d| d.code == "placeholder-item")
                    || !texts.contains(&"rotate the on-call keys"),
                "{heading:?} / {blank:?}: the placeholder is said where items are read"
            );
        }
    }
}

#[test]
fn a_heading_that_opens_with_a_time_is_a_moment_of_the_timeline() {
    let pm = doc(
        "# Outage\n\n## Timeline\n\n### 10:07 AM: Follow-up call\n\n- 10:10 AM: the team joined\n",
    );
    assert!(pm.actions.is_empty(), "{:?}", pm.actions);
    assert!(pm.sections.iter().all(|s| !s.kind.is_action()));
}
