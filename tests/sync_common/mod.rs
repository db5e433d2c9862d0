//! What the GitHub and GitLab sync tests share: a workspace of postmortems (the bundled
//! examples and, when present, the corpus seeds, copied into a temporary folder), options for
//! fast runs, a sleeper that records waits, and the invariants every run must leave.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use postmortem_tracker::forge::paced::{Pacing, Sleeper};
use postmortem_tracker::identity;
use postmortem_tracker::model::Postmortem;
use postmortem_tracker::parse::parse_bytes;
use postmortem_tracker::plan::PlanOptions;
use postmortem_tracker::sync::SyncOptions;

/// Records the waits asked for instead of sleeping.
#[derive(Default)]
pub struct NoSleep(pub RefCell<Vec<Duration>>);

impl Sleeper for NoSleep {
    async fn sleep(&self, d: Duration) {
        self.0.borrow_mut().push(d);
        // Let a concurrent run make progress, as a real sleep would.
        tokio::task::yield_now().await;
    }
}

/// A temporary folder with `postmortems/` holding the examples and the seeds.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("postmortems");
    std::fs::create_dir_all(&dest).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![root.join("examples/postmortems")];
    let seeds = root.join("../shared/corpus/seeds");
    if seeds.is_dir() {
        sources.push(seeds);
    } else {
        eprintln!(
            "note: {} is absent; syncing the bundled examples only",
            seeds.display()
        );
    }
    for s in sources {
        for e in std::fs::read_dir(&s).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

/// Parses every postmortem under `root/postmortems`, paths relative to `root`.
pub fn load(root: &Path) -> Vec<Postmortem> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("postmortems"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap().display().to_string();
            parse_bytes(&rel, &std::fs::read(f).unwrap(), &Default::default())
        })
        .collect()
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
}

/// Fast runs: no pacing, no retry delay.
pub fn options(root: &Path, repo: &str) -> SyncOptions {
    let mut owners = BTreeMap::new();
    owners.insert("Tobias Brandt".to_string(), "tbrandt".to_string());
    owners.insert("Lena Fischer".to_string(), "lfischer".to_string());
    SyncOptions {
        label: "postmortem".into(),
        today: today(),
        plan: PlanOptions {
            repo: Some(repo.into()),
            ..Default::default()
        },
        owners,
        milestones: true,
        file_url: None,
        root: root.to_path_buf(),
        write_back: true,
        close_removed: false,
        parse_options: Default::default(),
        pacing: Pacing {
            min_write_interval: Duration::ZERO,
            max_wait: Duration::from_secs(120),
            retry_delay: Duration::ZERO,
            max_attempts: 6,
        },
    }
}

/// Every item key of the documents that names no issue in the original files.
pub fn keys_to_track(docs: &[Postmortem]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in docs {
        for (a, k) in d.actions.iter().zip(identity::item_keys(d)) {
            if a.issue.is_none() {
                out.insert(k);
            }
        }
    }
    out
}

/// The keys of the ticked items: the sync closes their new issue at once.
pub fn ticked_keys(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in load(root) {
        for (a, k) in d.actions.iter().zip(identity::item_keys(&d)) {
            if a.done {
                out.insert(k);
            }
        }
    }
    out
}

/// Re-reads the files: every item names an issue now.
pub fn assert_all_linked(root: &Path) {
    for d in load(root) {
        for a in &d.actions {
            assert!(
                a.issue.is_some(),
                "{}:{} has no link: {:?}",
                d.path,
                a.line,
                a.text
            );
        }
    }
}
