//! Links written back next to every item of the bundled examples and the corpus read back as
//! the items' issues, and change nothing else the parser sees.

use std::path::PathBuf;

use postmortem_tracker::identity::normalise;
use postmortem_tracker::model::IssueRef;
use postmortem_tracker::parse::parse;
use postmortem_tracker::writeback::{insert_links, Link};

fn files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs = vec![root.join("examples/postmortems")];
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus.join("seeds"));
        dirs.push(corpus.join("real"));
    } else {
        eprintln!(
            "note: {} is absent; only the bundled examples are checked",
            corpus.display()
        );
    }
    for d in dirs {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn links_round_trip_through_the_parser() {
    let mut checked = 0;
    for path in files() {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let shown = path.display().to_string();
        let before = parse(&shown, &text, &Default::default());
        let links: Vec<Link> = before
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.issue.is_none())
            .map(|(n, a)| Link {
                line: a.line,
                reference: format!("#{}", 900 + n),
                url: format!("https://github.com/acme/svc/issues/{}", 900 + n),
            })
            .collect();
        let out = insert_links(&text, &links);
        assert_eq!(insert_links(&out, &links), out, "{shown}: not idempotent");
        let after = parse(&shown, &out, &Default::default());
        assert_eq!(before.actions.len(), after.actions.len(), "{shown}");
        for (n, (b, a)) in before.actions.iter().zip(&after.actions).enumerate() {
            // The item's identity (its key) is unchanged: same words.
            assert_eq!(
                normalise(&b.text),
                normalise(&a.text),
                "{shown} line {}",
                b.line
            );
            assert_eq!(b.owner, a.owner, "{shown} line {}", b.line);
            assert_eq!(b.due, a.due, "{shown} line {}", b.line);
            assert_eq!(b.priority, a.priority, "{shown} line {}", b.line);
            assert_eq!(b.line, a.line, "{shown}");
            match &b.issue {
                Some(r) => assert_eq!(Some(r), a.issue.as_ref(), "{shown} line {}", b.line),
                None => {
                    let want_url = format!("https://github.com/acme/svc/issues/{}", 900 + n);
                    let ok = match &a.issue {
                        Some(IssueRef::Url(u)) => *u == want_url,
                        Some(IssueRef::Local(k)) => *k == 900 + n as u64,
                        _ => false,
                    };
                    assert!(ok, "{shown} line {}: read back {:?}", b.line, a.issue);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} items checked");
}
