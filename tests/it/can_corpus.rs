//! The CAN report over every document of the corpus: seeds and real postmortems.

use std::path::PathBuf;

use postmortem_tracker::can;
use postmortem_tracker::parse::{parse_bytes, ParseOptions};
use postmortem_tracker::render::Engine;

fn corpus() -> Option<Vec<PathBuf>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut files = Vec::new();
    for sub in ["seeds", "real"] {
        let Ok(dir) = std::fs::read_dir(root.join(sub)) else {
            eprintln!("skipped: corpus not found at {}", root.display());
            return None;
        };
        files.extend(
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    Some(files)
}

#[test]
fn every_document_gives_a_cited_report() {
    let Some(files) = corpus() else { return };
    let engine = Engine::new(None).unwrap();
    let mut with_conditions = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.display().to_string();
        let pm = parse_bytes(&name, &bytes, &ParseOptions::default());
        let text = String::from_utf8_lossy(&bytes);
        let r = can::report_document(&pm, Some(&text), None);
        let lines = text.lines().count();
        let flat = words(&without_link_targets(&text)).join(" ");
        for s in r.conditions.iter().chain(&r.actions).chain(&r.needs) {
            assert!(!s.cites.is_empty(), "{name}: uncited {s:?}");
            for c in &s.cites {
                assert!(
                    c.line >= 1 && c.line <= lines,
                    "{name}: cite {c:?} out of the document"
                );
            }
            // Every statement is text of the document (markup aside), or an item the parser read.
            let first: Vec<String> = words(&without_link_targets(&s.text))
                .into_iter()
                .take(3)
                .collect();
            assert!(
                flat.contains(&first.join(" ")) || s.tag == can::Tag::OpenItem,
                "{name}: {first:?} not in the text"
            );
        }
        if !r.conditions.is_empty() {
            with_conditions += 1;
        }
        engine.render("can_report", &r).unwrap();
    }
    // Most postmortems say what broke.
    assert!(
        with_conditions * 10 >= files.len() * 7,
        "{with_conditions} of {}",
        files.len()
    );
}

/// Lower-case words, without markup or punctuation.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `[text](url)` → `[text]`: the parser keeps a link's text, not its address.
fn without_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        out.push_str(&rest[..i + 1]);
        rest = &rest[i + 2..];
        match rest.find(')') {
            Some(j) => rest = &rest[j + 1..],
            None => break,
        }
    }
    out.push_str(rest);
    out
}
