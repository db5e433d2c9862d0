//! State labels on both forges, through the binary: every tracked issue carries exactly one of
//! `postmortem-state::open|overdue|done`, the one its state calls for, across a sync and
//! follow-ups on later days; a label changes only when the state does, and a run that changes
//! no state writes nothing.

use crate::support;

use support::github::FakeGitHub;
use support::gitlab::FakeGitLab;
use support::service::ServiceForge;
use support::{bin, FakeForge};

const PM: &str = "# Disk outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on disk usage @jdoe due: 2026-01-10\n- [ ] Write the disk runbook @jdoe due: 2026-01-20\n- [ ] Rotate the logs daily @jdoe due: 2026-01-30\n- [ ] Page the on-call on disk alerts @jdoe due: 2026-01-03\n\n## Lessons Learned\n\nDisks fill.\n";

const ALERT: &str = "Alert on disk usage";
const RUNBOOK: &str = "Write the disk runbook";
const ROTATE: &str = "Rotate the logs daily";
const PAGE: &str = "Page the on-call on disk alerts";

/// The state labels of the issue titled `title`, in the order the forge lists them.
fn states<F: ServiceForge>(forge: &F, title: &str) -> Vec<String> {
    let (_, _, labels, _) = forge.issue("acme/svc", title);
    labels
        .into_iter()
        .filter(|l| l.starts_with("postmortem-state::"))
        .collect()
}

fn assert_states<F: ServiceForge>(forge: &F, when: &str, expected: &[(&str, &str)]) {
    for (title, state) in expected {
        assert_eq!(
            states(forge, title),
            [format!("postmortem-state::{state}")],
            "{} {when}: {title}",
            F::NAME
        );
    }
}

/// The requests that edited an issue's labels (GitHub's label endpoints, GitLab's issue PUT),
/// as `METHOD path`. (Closing an issue is no label edit.)
fn label_edits<F: ServiceForge>(forge: &F) -> Vec<String> {
    forge
        .requests()
        .all()
        .into_iter()
        .filter(|r| {
            let on_issue = r.path.contains("/issues/");
            (r.method == "POST" && on_issue && r.path.ends_with("/labels"))
                || (r.method == "DELETE" && on_issue && r.path.contains("/labels/"))
                || (matches!(r.method.as_str(), "PUT" | "PATCH")
                    && on_issue
                    && r.body.contains("label"))
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// `F`'s fake among the two, as the binary is pointed at it.
fn fake_of<'a, F: ServiceForge>(gh: &'a FakeGitHub, gl: &'a FakeGitLab) -> FakeForge<'a> {
    if F::NAME == "github" {
        FakeForge::GitHub(gh)
    } else {
        FakeForge::GitLab(gl)
    }
}

/// A checkout whose `postmortems/` holds `file` with `text`.
fn workspace(file: &str, text: &str) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(ws.path().join("postmortems").join(file), text).unwrap();
    ws
}

fn state_labels_follow_the_state<F: ServiceForge>() {
    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    let forge = F::pick(&gh, &gl);
    let fake = fake_of::<F>(&gh, &gl);
    let ws = workspace("disk.md", PM);
    let run = |args: &[&str]| {
        let (code, out, err) = bin(ws.path(), &fake, args);
        assert_eq!(code, 0, "{} {args:?}: {out}\n{err}", F::NAME);
    };

    run(&["sync", "--today", "2026-01-05"]);
    assert_states(
        forge,
        "after the sync",
        &[
            (ALERT, "open"),
            (RUNBOOK, "open"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );
    // Each issue was opened with its state label: no label edit after the creates.
    let edits = label_edits(forge);
    assert!(edits.is_empty(), "{}: {edits:?}", F::NAME);

    // The alert is past due; the runbook is closed by a person.
    run(&["followup", "--today", "2026-01-12"]);
    assert_states(
        forge,
        "on 2026-01-12",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "open"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );
    let (runbook, _, _, _) = forge.issue("acme/svc", RUNBOOK);
    forge.close("acme/svc", runbook, "2026-01-12T15:00:00Z");
    run(&["followup", "--today", "2026-01-12"]);
    assert_states(
        forge,
        "after the runbook closed",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "done"),
            (ROTATE, "open"),
            (PAGE, "overdue"),
        ],
    );

    // Nothing changed state: nothing is written, labels or otherwise.
    forge.requests().clear();
    run(&["followup", "--today", "2026-01-12"]);
    let writes: Vec<String> = forge
        .requests()
        .all()
        .into_iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "{}: {writes:?}", F::NAME);

    // Later: the rotation is overdue too; the labels of the others stay as they are.
    run(&["followup", "--today", "2026-02-01"]);
    assert_states(
        forge,
        "on 2026-02-01",
        &[
            (ALERT, "overdue"),
            (RUNBOOK, "done"),
            (ROTATE, "overdue"),
            (PAGE, "overdue"),
        ],
    );
    // Never duplicated: each label once on each issue.
    for title in [ALERT, RUNBOOK, ROTATE, PAGE] {
        let (_, _, labels, _) = forge.issue("acme/svc", title);
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            labels.len(),
            "{}: {title}: {labels:?}",
            F::NAME
        );
    }
}

crate::both_forges!(sync state_labels_follow_the_state);

/// A postmortem that states no date (the due-date policy counts from the day its items were
/// first tracked); its item names issue #1.
const UNDATED: &str = "# Cache outage\n\n## Action Items\n\n- [ ] Alert on the cache hit rate @jdoe #1\n\n## Lessons Learned\n\nCaches go cold.\n";

const CACHE_ALERT: &str = "Alert on the cache hit rate";

/// The board shows the state the status block was written with. Followed up from the files
/// on 2024-01-01 (the block records that day), the item's issue is opened later by a person
/// (the fakes date it 2024-03-01) with no due date: on 2024-02-28 the item is overdue by the
/// policy's 56 days counted from 2024-01-01, in the file and on the issue's state label alike
/// (counted from the issue's opening day instead, it would be open).
fn an_undated_items_state_label_says_what_its_status_block_says<F: ServiceForge>() {
    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    let forge = F::pick(&gh, &gl);
    let fake = fake_of::<F>(&gh, &gl);
    let ws = workspace("cache.md", UNDATED);
    let path = ws.path().join("postmortems/cache.md");
    let (code, out, err) = support::run(
        support::command()
            .args(["followup", "--today", "2024-01-01", "postmortems"])
            .current_dir(ws.path()),
    );
    assert_eq!(code, 0, "file-only follow-up: {out}\n{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("<!-- postmortem-tracker:tracked 2024-01-01="),
        "{text}"
    );
    let number = match fake {
        FakeForge::GitHub(f) => f.state().seed_issue(
            ("acme", "svc"),
            CACHE_ALERT,
            "Opened by hand.",
            &["postmortem"],
            "open",
        ),
        FakeForge::GitLab(f) => f.state().seed_issue(
            "acme/svc",
            CACHE_ALERT,
            "Opened by hand.",
            &["postmortem"],
            "opened",
        ),
    };
    assert_eq!(number, 1);
    let (code, out, err) = bin(ws.path(), &fake, &["followup", "--today", "2024-02-28"]);
    assert_eq!(code, 0, "{}: {out}\n{err}", F::NAME);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(
            "| 2024-02-26 (policy: 56 days after the item was first tracked) | **overdue 2 days** |"
        ),
        "{}: {text}",
        F::NAME
    );
    assert_states(forge, "on 2024-02-28", &[(CACHE_ALERT, "overdue")]);
}

crate::both_forges!(sync an_undated_items_state_label_says_what_its_status_block_says);

/// An item ticked or dropped before it had an issue: the sync opens its issue and closes it at
/// once, so the issue is opened with the label of that end, never `open` or `overdue` first.
fn a_finished_or_dropped_item_s_issue_is_opened_with_the_done_label<F: ServiceForge>() {
    let (gh, gl) = (FakeGitHub::start(), FakeGitLab::start());
    let forge = F::pick(&gh, &gl);
    let fake = fake_of::<F>(&gh, &gl);
    let ws = workspace(
        "disk.md",
        "# Disk outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n\
         - [x] Alert on disk usage @jdoe due: 2026-01-03\n\
         - [ ] Rewrite the disk layer @jdoe due: 2026-01-03 — Won't do\n\
         - [ ] Page the on-call on disk alerts @jdoe due: 2026-01-03\n",
    );
    let (code, out, err) = bin(ws.path(), &fake, &["sync", "--today", "2026-01-05"]);
    assert_eq!(code, 0, "{} sync: {out}\n{err}", F::NAME);
    assert_states(
        forge,
        "after the sync",
        &[
            (ALERT, "done"),
            ("Rewrite the disk layer", "done"),
            (PAGE, "overdue"),
        ],
    );
    // Opened so: no label was edited after the creates.
    let edits = label_edits(forge);
    assert!(edits.is_empty(), "{}: {edits:?}", F::NAME);
}

crate::both_forges!(sync a_finished_or_dropped_item_s_issue_is_opened_with_the_done_label);
